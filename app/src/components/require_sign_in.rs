//! Wraps pages that need a signed-in person (and optionally an admin): waits for the session,
//! sends strangers to the sign-in page, and says so plainly to people without the right.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::session::Session;

#[component]
pub fn RequireSignIn(#[prop(optional)] admin: bool, children: ChildrenFn) -> impl IntoView {
    let session = Session::get();
    move || {
        if !session.loaded() {
            view! { <p class="muted">"Loading…"</p> }.into_any()
        } else if !session.signed_in() {
            view! { <Redirect path="/sign-in" /> }.into_any()
        } else if admin && !session.is_admin() {
            view! {
                <section class="card">
                    <h1>"Not allowed"</h1>
                    <p>"This page is for administrators."</p>
                </section>
            }
            .into_any()
        } else {
            children().into_any()
        }
    }
}
