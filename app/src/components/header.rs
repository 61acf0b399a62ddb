//! The top bar: product name and the main navigation.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::ConfigResource;

#[component]
pub fn Header() -> impl IntoView {
    let config = expect_context::<ConfigResource>();
    let product = move || {
        config.get().and_then(Result::ok).map(|c| c.product_name).unwrap_or_else(|| domain::PRODUCT_NAME.to_string())
    };
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">{product}</A>
            <nav class="topnav">
                <A href="/">"Overview"</A>
            </nav>
        </header>
    }
}
