//! The top bar: product name, the navigation this person may use, who is signed in, sign out.
//! Below 760 px the navigation and account fold behind a "Menu" button (CSS decides when the
//! button shows); following a link folds it again.

use leptos::prelude::*;

use crate::api;
use crate::app::ConfigResource;
use crate::io::write;
use crate::nav::{current, use_navigate};
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
        async move {
            // Signed out locally whatever the server says: the cookie is cleared on success and
            // a failed call leaves nothing a stranger could use from this page.
            let _ = api::sign_out().await;
            session.set(Session::SignedOut);
            navigate("/sign-in");
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
            <a href="/" class="brand">{product}</a>
            <button type="button" class="menu-toggle" aria-controls="main-menu" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                "Menu"
            </button>
            <div class="menu" id="main-menu">
            <nav class="topnav" aria-label="Main">
                <a href="/" aria-current=current("/", true)>"Overview"</a>
                <Show when=move || session.with(Session::can_view_connections)>
                    <a href="/connections" aria-current=current("/connections", false)>"Connections"</a>
                </Show>
                <Show when=move || session.with(Session::is_admin)>
                    <a href="/admin/users" aria-current=current("/admin/users", false)>"Users"</a>
                    <a href="/admin/roles" aria-current=current("/admin/roles", false)>"Roles"</a>
                    <a href="/admin/audit" aria-current=current("/admin/audit", false)>"Audit log"</a>
                    <a href="/admin/api" aria-current=current("/admin/api", false)>"API"</a>
                    <a href="/admin/webhooks" aria-current=current("/admin/webhooks", false)>"Webhooks"</a>
                </Show>
                <Show when=move || session.with(Session::signed_in)>
                    <a href="/my-connections" aria-current=current("/my-connections", false)>"My connections"</a>
                    <a href="/api-keys" aria-current=current("/api-keys", false)>"API keys"</a>
                </Show>
            </nav>
            <div class="account">
                <Show
                    when=move || session.with(Session::signed_in)
                    fallback=|| view! { <a href="/sign-in" aria-current=current("/sign-in", false)>"Sign in"</a> }
                >
                    <a href="/notifications" class="bell" aria-label="Notifications">
                        "Notifications"
                        <Show when=move || { unread.count() > 0 }>
                            <span class="unread" data-testid="unread-badge">{move || unread.count()}</span>
                        </Show>
                    </a>
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
