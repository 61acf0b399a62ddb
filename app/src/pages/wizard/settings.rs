//! Step 1, Connection settings: provider type, the callback URL to register, a unique name, an
//! optional description.

use domain::api::ProviderView;
use leptos::prelude::*;

use super::state::WizardState;
use crate::app::ConfigResource;
use crate::components::copy_field::CopyField;
use crate::components::field::TextField;

#[component]
pub fn SettingsStep(providers: Signal<Vec<ProviderView>>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let config = expect_context::<ConfigResource>();
    let callback =
        Signal::derive(move || config.get().and_then(Result::ok).map(|c| c.callback_url).unwrap_or_default());
    let choose = move |ev| {
        let kind = event_target_value(&ev);
        state.touch("provider");
        if let Some(p) = providers.get_untracked().into_iter().find(|p| p.kind.as_str() == kind) {
            state.choose_provider(&p);
        }
    };
    view! {
        <div class="field">
            <label for="provider">"Provider type"</label>
            <select id="provider" on:change=choose prop:value=move || state.provider.get()>
                <option value="" disabled=true>"Choose a provider"</option>
                {move || providers.get().into_iter().map(|p| view! {
                    <option value=p.kind.as_str() selected=state.provider.get_untracked() == p.kind.as_str()>{p.name}</option>
                }).collect_view()}
            </select>
            <p class="field-error">{move || state.error_for("provider").get().unwrap_or_default()}</p>
        </div>
        <CopyField id="callback-url" label="Callback URL (register it at the provider)" value=callback />
        <TextField
            id="connection-name"
            label="Name"
            value=state.name
            error=state.error_for("name")
            hint="Unique; bots refer to the connection by it."
            on_input=Callback::new(move |()| state.touch("name"))
        />
        <TextField id="connection-description" label="Description (optional)" value=state.description error=state.error_for("description") />
    }
}
