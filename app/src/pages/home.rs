//! The overview page: what the product is and the callback URL to register at providers.

use leptos::prelude::*;

use crate::app::ConfigResource;
use crate::components::copy_field::CopyField;

#[component]
pub fn Home() -> impl IntoView {
    let config = expect_context::<ConfigResource>();
    view! {
        <section class="card">
            <h1>"OAuth connections"</h1>
            <p class="lead">
                "Connect the automation platform to enterprise APIs once, centrally. Bots and packages ask for a fresh access token and never touch a credential."
            </p>
            {move || match config.get() {
                None => view! { <p class="muted" data-testid="config-loading">"Loading settings…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="error" data-testid="config-error">{error.to_string()}</p> }.into_any(),
                Some(Ok(config)) => {
                    let url = Signal::stored(config.callback_url);
                    view! {
                        <CopyField id="callback-url" label="Callback URL (register this at every provider)" value=url />
                        <p class="muted" data-testid="version">"Version " {config.version}</p>
                    }.into_any()
                }
            }}
        </section>
    }
}
