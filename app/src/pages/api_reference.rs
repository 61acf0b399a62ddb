//! The API at a glance, for admins: every documented operation of the route table
//! (`domain::api_routes`), who may call it, and a link to the full OpenAPI document.

use domain::api_routes::{Access, Operation};
use leptos::prelude::*;

use crate::components::require_sign_in::RequireSignIn;

fn who(access: Access) -> String {
    match access {
        Access::Public => "anyone".into(),
        Access::BootstrapToken => "bootstrap token".into(),
        Access::Session => "browser session".into(),
        Access::SessionOrKey(scope) => format!("session or key ({scope})"),
    }
}

#[component]
pub fn ApiReference() -> impl IntoView {
    view! {
        <RequireSignIn admin=true>
            <section class="page-head">
                <h1>"API"</h1>
                <a class="button" href="/api/v1/openapi.json" target="_blank" rel="noopener" data-testid="openapi-link">"OpenAPI document"</a>
            </section>
            <p class="lead">"Generate a client from the OpenAPI 3.1 document, or read the operations here. Bots send "<code>"Authorization: Bearer <key>"</code>"; errors are "<code>"{\"error\": {\"code\", \"message\"}}"</code>"."</p>
            <section class="card">
                <table data-testid="api-operations">
                    <thead><tr><th>"Method"</th><th>"Path"</th><th>"What"</th><th>"Who"</th></tr></thead>
                    <tbody>
                        {Operation::documented().map(|op| {
                            let route = op.route();
                            view! {
                                <tr>
                                    <td><code>{route.method.as_str()}</code></td>
                                    <td><code>{route.path}</code></td>
                                    <td>{route.summary}</td>
                                    <td>{who(route.access)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        </RequireSignIn>
    }
}
