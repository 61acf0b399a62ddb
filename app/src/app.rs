//! The app shell: config and session in context, the header, and the route table.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::api::{self, ApiError};
use crate::components::header::Header;
use crate::components::toast::ToastRegion;
use crate::io::{Fetch, load};
use crate::pages::{
    api_keys::ApiKeys, api_reference::ApiReference, audit::Audit, connection_detail::ConnectionDetail,
    connections::Connections, home::Home, my_connections::MyConnections, not_found::NotFound,
    notifications::Notifications, role_editor::RoleEditor, roles::Roles, sign_in::SignIn, users::Users,
    webhooks::Webhooks, wizard::ConnectionWizard,
};
use crate::session::provide_session;
use domain::api::ConfigResponse;

/// `GET /api/v1/config`, loaded once and shared by every page.
pub type ConfigResource = Fetch<Result<ConfigResponse, ApiError>>;

#[component]
pub fn App() -> impl IntoView {
    let config: ConfigResource = load(api::config);
    provide_context(config);
    provide_session();
    view! {
        <Router>
            <Header />
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/sign-in") view=SignIn />
                    <Route path=path!("/admin/users") view=Users />
                    <Route path=path!("/admin/roles") view=Roles />
                    <Route path=path!("/admin/roles/:id") view=RoleEditor />
                    <Route path=path!("/api-keys") view=ApiKeys />
                    <Route path=path!("/notifications") view=Notifications />
                    <Route path=path!("/admin/audit") view=Audit />
                    <Route path=path!("/admin/api") view=ApiReference />
                    <Route path=path!("/admin/webhooks") view=Webhooks />
                    <Route path=path!("/connections") view=Connections />
                    <Route path=path!("/my-connections") view=MyConnections />
                    <Route path=path!("/connections/new") view=ConnectionWizard />
                    <Route path=path!("/connections/:id") view=ConnectionDetail />
                    <Route path=path!("/connections/:id/edit") view=ConnectionWizard />
                </Routes>
            </main>
            <ToastRegion />
        </Router>
    }
}
