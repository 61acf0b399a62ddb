//! The sign-in page: email and password; the server's message on failure (the same for a wrong
//! password and an unknown email), a lock notice after repeated failures.

use leptos::prelude::*;

use crate::api;
use crate::components::field::TextField;
use crate::io::write;
use crate::nav::use_navigate;
use crate::session::{Session, use_session};

#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let navigate = use_navigate();
    let sign_in = write(move || {
        let call = api::sign_in(email.get_untracked(), password.get_untracked());
        async move {
            let me = call.await.map_err(|e| {
                password.set(String::new());
                e.message()
            })?;
            session.set(Session::SignedIn(me));
            navigate("/");
            Ok(String::new())
        }
    });
    let busy = sign_in.pending();
    // The last failure, until the next attempt starts.
    let error = move || {
        if busy.get() {
            return None;
        }
        sign_in.value().get().and_then(Result::err)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.get_untracked() {
            sign_in.dispatch(());
        }
    };
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <form on:submit=submit novalidate>
                <TextField id="email" label="Email" value=email kind="email" autocomplete="username" />
                <TextField id="password" label="Password" value=password kind="password" autocomplete="current-password" />
                <p class="form-error" role="alert" data-testid="sign-in-error">{move || error().unwrap_or_default()}</p>
                <button type="submit" disabled=busy>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
