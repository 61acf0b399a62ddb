//! The top bar: product name, the navigation this person may use, who is signed in, sign out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::app::ConfigResource;
use crate::session::Session;

#[component]
pub fn Header() -> impl IntoView {
    let config = expect_context::<ConfigResource>();
    let session = Session::get();
    let product = move || {
        config.get().and_then(Result::ok).map(|c| c.product_name).unwrap_or_else(|| domain::PRODUCT_NAME.to_string())
    };
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Signed out locally whatever the server says: the cookie is cleared on success and
            // a failed call leaves nothing a stranger could use from this page.
            let _ = api::sign_out().await;
            session.set(None);
            navigate("/sign-in", Default::default());
        });
    };
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">{product}</A>
            <nav class="topnav" aria-label="Main">
                <A href="/" exact=true>"Overview"</A>
                <Show when=move || session.can_view_connections()>
                    <A href="/connections">"Connections"</A>
                </Show>
                <Show when=move || session.is_admin()>
                    <A href="/admin/users">"Users"</A>
                    <A href="/admin/roles">"Roles"</A>
                    <A href="/admin/audit">"Audit log"</A>
                </Show>
                <Show when=move || session.signed_in()>
                    <A href="/my-connections">"My connections"</A>
                    <A href="/api-keys">"API keys"</A>
                </Show>
            </nav>
            <div class="account">
                <Show
                    when=move || session.signed_in()
                    fallback=|| view! { <A href="/sign-in">"Sign in"</A> }
                >
                    <A href="/notifications" attr:class="bell" attr:aria-label="Notifications">
                        "Notifications"
                        <Show when=move || { session.unread.get() > 0 }>
                            <span class="unread" data-testid="unread-badge">{move || session.unread.get()}</span>
                        </Show>
                    </A>
                    <span class="who" data-testid="signed-in-as">
                        {move || session.me().map(|m| m.user.display_name).unwrap_or_default()}
                    </span>
                    <button type="button" class="link" on:click=sign_out.clone()>"Sign out"</button>
                </Show>
            </div>
        </header>
    }
}
