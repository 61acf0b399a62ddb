//! The app shell: product config in context, the header, and the route table.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::api::{self, ApiError};
use crate::components::header::Header;
use crate::pages::{home::Home, not_found::NotFound};
use domain::api::ConfigResponse;

/// `GET /api/v1/config`, loaded once and shared by every page.
pub type ConfigResource = LocalResource<Result<ConfigResponse, ApiError>>;

#[component]
pub fn App() -> impl IntoView {
    let config: ConfigResource = LocalResource::new(api::config);
    provide_context(config);
    view! {
        <Router>
            <Header />
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                </Routes>
            </main>
        </Router>
    }
}
