//! The top bar: product name, the navigation this person may use, who is signed in, sign out.
//! Below 760 px the navigation and account fold behind a "Menu" button (CSS decides when the
//! button shows); following a link folds it again.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::app::ConfigResource;
use crate::io::write;
use crate::session::{Session, use_session, use_unread};

#[component]
pub fn Header() -> impl IntoView {
    let config = expect_context::<ConfigResource>();
    let session = use_session();
    let unread = use_unread();
    let product = move || {
        config.get().and_then(Result::ok).map(|c| c.product_name).unwrap_or_else(|| domain::PRODUCT_NAME.to_string())
    };
    let navigate = use_navigate();
    let sign_out = write(move || {
        let navigate = navigate.clone();
        async move {
            // Signed out locally whatever the server says: the cookie is cleared on success and
            // a failed call leaves nothing a stranger could use from this page.
            let _ = api::sign_out().await;
            session.set(Session::SignedOut);
            navigate("/sign-in", Default::default());
            Ok(String::new())
        }
    });
    let open = RwSignal::new(false);
    view! {
        <header class="topbar" class:open=move || open.get() on:click=move |ev| {
            // A followed link (or Sign out) folds the menu.
            let target = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok());
            if target.and_then(|t| t.closest("a, .account button").ok().flatten()).is_some() {
                open.set(false);
            }
        }>
            <A href="/" attr:class="brand">{product}</A>
            <button type="button" class="menu-toggle" aria-controls="main-menu" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                "Menu"
            </button>
            <div class="menu" id="main-menu">
            <nav class="topnav" aria-label="Main">
                <A href="/" exact=true>"Overview"</A>
                <Show when=move || session.with(Session::can_view_connections)>
                    <A href="/connections">"Connections"</A>
                </Show>
                <Show when=move || session.with(Session::is_admin)>
                    <A href="/admin/users">"Users"</A>
                    <A href="/admin/roles">"Roles"</A>
                    <A href="/admin/audit">"Audit log"</A>
                    <A href="/admin/api">"API"</A>
                    <A href="/admin/webhooks">"Webhooks"</A>
                </Show>
                <Show when=move || session.with(Session::signed_in)>
                    <A href="/my-connections">"My connections"</A>
                    <A href="/api-keys">"API keys"</A>
                </Show>
            </nav>
            <div class="account">
                <Show
                    when=move || session.with(Session::signed_in)
                    fallback=|| view! { <A href="/sign-in">"Sign in"</A> }
                >
                    <A href="/notifications" attr:class="bell" attr:aria-label="Notifications">
                        "Notifications"
                        <Show when=move || { unread.count() > 0 }>
                            <span class="unread" data-testid="unread-badge">{move || unread.count()}</span>
                        </Show>
                    </A>
                    <span class="who" data-testid="signed-in-as">
                        {move || session.with(|s| s.me().map(|m| m.user.display_name.clone()).unwrap_or_default())}
                    </span>
                    <button type="button" class="link" disabled=sign_out.pending() on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
                </Show>
            </div>
            </div>
        </header>
    }
}
