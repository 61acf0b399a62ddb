//! Wraps pages that need a signed-in person (and optionally an admin): waits for the session,
//! sends strangers to the sign-in page, and says so plainly to people without the right.

use leptos::prelude::*;

use crate::nav::redirect;
use crate::session::{Session, use_session};

#[component]
pub fn RequireSignIn(#[prop(optional)] admin: bool, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    // Rebuilt only when the answer changes, not on every change of the session.
    let gate = Memo::new(move |_| {
        session.with(|s| match s {
            Session::Loading => Gate::Wait,
            Session::SignedOut => Gate::SignIn,
            s if admin && !s.is_admin() => Gate::Refuse,
            Session::SignedIn(_) => Gate::Pass,
        })
    });
    move || match gate.get() {
        Gate::Wait => view! { <p class="muted">"Loading…"</p> }.into_any(),
        Gate::SignIn => {
            redirect("/sign-in");
            ().into_any()
        }
        Gate::Refuse => view! { <NotAllowed why="This page is for administrators." /> }.into_any(),
        Gate::Pass => children().into_any(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Gate {
    Wait,
    SignIn,
    Refuse,
    Pass,
}

/// A page this person may not use, and why.
#[component]
pub fn NotAllowed(why: &'static str) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Not allowed"</h1>
            <p>{why}</p>
        </section>
    }
}
