//! The overview page: what the product is and the callback URL to register at providers.

use leptos::prelude::*;

use crate::app::ConfigResource;
use crate::components::copy_field::CopyField;
use crate::components::feedback::Loaded;

#[component]
pub fn Home() -> impl IntoView {
    let config = expect_context::<ConfigResource>();
    view! {
        <section class="card">
            <h1>"OAuth connections"</h1>
            <p class="lead">
                "Connect the automation platform to enterprise APIs once, centrally. Bots and packages ask for a fresh access token and never touch a credential."
            </p>
            <Loaded view=move || config.get().map(|config| config.map(|config| view! {
                    <CopyField id="callback-url" label="Callback URL (register this at every provider)" value=Signal::stored(config.callback_url) />
                    <p class="muted" data-testid="version">"Version " {config.version}</p>
                }.into_any())) />
        </section>
    }
}
