//! The sign-in page: email and password; the server's message on failure (the same for a wrong
//! password and an unknown email), a lock notice after repeated failures.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::components::field::TextField;
use crate::session::Session;

#[component]
pub fn SignIn() -> impl IntoView {
    let session = Session::get();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::sign_in(email.get_untracked(), password.get_untracked()).await {
                Ok(me) => {
                    session.set(Some(me));
                    navigate("/", Default::default());
                }
                Err(e) => {
                    password.set(String::new());
                    error.set(Some(e.message()));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <form on:submit=submit novalidate>
                <TextField id="email" label="Email" value=email kind="email" autocomplete="username" />
                <TextField id="password" label="Password" value=password kind="password" autocomplete="current-password" />
                <p class="form-error" role="alert" data-testid="sign-in-error">{move || error.get().unwrap_or_default()}</p>
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
