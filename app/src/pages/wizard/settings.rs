//! Step 1, Connection settings: provider type (a searchable picker), the callback URL to
//! register, a unique name (checked while typing), an optional description.

use domain::api::ProviderView;
use domain::list_order::{ConnectionSort, SortDirection};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::provider_picker::ProviderPicker;
use super::state::WizardState;
use crate::api;
use crate::app::ConfigResource;
use crate::components::copy_field::CopyField;
use crate::components::field::TextField;

#[component]
pub fn SettingsStep(providers: Signal<Vec<ProviderView>>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let config = expect_context::<ConfigResource>();
    let callback =
        Signal::derive(move || config.get().and_then(Result::ok).map(|c| c.callback_url).unwrap_or_default());
    let checking = name_check(state);
    view! {
        <ProviderPicker providers=providers />
        <CopyField id="callback-url" label="Callback URL (register it at the provider)" value=callback />
        <TextField
            id="connection-name"
            label="Name"
            value=state.name
            error=state.error_for("name")
            hint="Unique. People see it in lists; bots use the connection's id (on its page), not its name."
            on_input=Callback::new(move |()| state.touch("name"))
        />
        <p class="hint name-check" aria-live="polite" data-testid="name-check">{move || checking.get()}</p>
        <TextField id="connection-description" label="Description (optional)" value=state.description error=state.error_for("description") />
    }
}

/// How long typing must pause before the name is looked up.
const NAME_CHECK_DELAY_MS: u64 = 350;

/// Whether the name is taken, checked while typing: after a pause, one page of the list filtered
/// by the name (the server still refuses a duplicate on save). Says "Checking…" meanwhile.
fn name_check(state: WizardState) -> RwSignal<&'static str> {
    let checking = RwSignal::new("");
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    Effect::watch(
        move || state.name.get(),
        move |name, _, _| {
            if let Some(h) = pending.try_update_value(Option::take).flatten() {
                h.clear();
            }
            state.name_taken.set(false);
            let Ok(name) = domain::validate::name("name", name) else {
                checking.set("");
                return;
            };
            checking.set("Checking the name…");
            let key = domain::validate::name_key(&name);
            let handle = set_timeout_with_handle(
                move || {
                    spawn_local(async move {
                        let taken =
                            match api::connections(&name, "", "", (ConnectionSort::Name, SortDirection::Asc), "").await
                            {
                                Ok(page) => {
                                    let own = state.saved_id.get_untracked();
                                    page.items.iter().any(|c| {
                                        domain::validate::name_key(&c.name) == key && Some(&c.id) != own.as_ref()
                                    })
                                }
                                Err(_) => false,
                            };
                        // Only if the name is still the one looked up.
                        if domain::validate::name_key(&state.name.get_untracked()) == key {
                            state.name_taken.set(taken);
                            checking.set(if taken { "" } else { "The name is free." });
                        }
                    });
                },
                std::time::Duration::from_millis(NAME_CHECK_DELAY_MS),
            );
            pending.set_value(handle.ok());
        },
        false,
    );
    checking
}
