//! A connection's status as a coloured badge.

use domain::connection::ConnectionStatus;
use leptos::prelude::*;

#[component]
pub fn StatusBadge(status: ConnectionStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str()) data-status=status.as_str()>{status.label()}</span> }
}
