//! The app shell: config and session in context, the header, and the page the path names.

use std::time::Duration;

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::header::Header;
use crate::components::toast::ToastRegion;
use crate::io::{Fetch, load};
use crate::nav::{provide_navigation, use_path};
use crate::pages::{
    api_keys::ApiKeys, api_reference::ApiReference, audit::Audit, connection_detail::ConnectionDetail,
    connections::Connections, home::Home, my_connections::MyConnections, not_found::NotFound,
    notifications::Notifications, role_editor::RoleEditor, roles::Roles, sign_in::SignIn, users::Users,
    webhooks::Webhooks, wizard::ConnectionWizard,
};
use crate::session::provide_session;
use domain::api::ConfigResponse;
use domain::spa_route::Page;

/// `GET /api/v1/config`, loaded once and shared by every page.
pub type ConfigResource = Fetch<Result<ConfigResponse, ApiError>>;

#[component]
pub fn App() -> impl IntoView {
    let config: ConfigResource = load(api::config);
    provide_context(config);
    provide_session();
    provide_navigation();
    view! {
        <Header />
        <main class="page">
            <Pages />
        </main>
        <ToastRegion />
    }
}

/// The page for the current path (`domain::spa_route::Page`); rebuilt only when the page or its id changes,
/// not when the query string does.
#[component]
fn Pages() -> impl IntoView {
    let path = use_path();
    let page = RwSignal::new(path.with_untracked(|path| Page::at(path)));
    // The new page comes in a later task than the one that followed the link, so a write that
    // navigates when it is done (save, delete) finishes with its own signals before its page is
    // disposed.
    Effect::new(move |_| {
        let next = path.with(|path| Page::at(path));
        set_timeout(
            move || {
                if page.with_untracked(|current| *current != next) {
                    page.set(next);
                }
            },
            Duration::ZERO,
        );
    });
    move || match page.get() {
        Page::Home => view! { <Home /> }.into_any(),
        Page::SignIn => view! { <SignIn /> }.into_any(),
        Page::Users => view! { <Users /> }.into_any(),
        Page::Roles => view! { <Roles /> }.into_any(),
        Page::Role(id) => view! { <RoleEditor id=id /> }.into_any(),
        Page::ApiKeys => view! { <ApiKeys /> }.into_any(),
        Page::Notifications => view! { <Notifications /> }.into_any(),
        Page::Audit => view! { <Audit /> }.into_any(),
        Page::ApiReference => view! { <ApiReference /> }.into_any(),
        Page::Webhooks => view! { <Webhooks /> }.into_any(),
        Page::Connections => view! { <Connections /> }.into_any(),
        Page::MyConnections => view! { <MyConnections /> }.into_any(),
        Page::NewConnection => view! { <ConnectionWizard editing=None /> }.into_any(),
        Page::Connection(id) => view! { <ConnectionDetail id=id /> }.into_any(),
        Page::EditConnection(id) => view! { <ConnectionWizard editing=Some(id) /> }.into_any(),
        Page::NotFound => view! { <NotFound /> }.into_any(),
    }
}
