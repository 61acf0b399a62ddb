//! The wizard's provider picker: a search box over the catalogue, each provider a button with
//! its name and one line saying what it connects to; the chosen one is marked pressed.

use domain::api::ProviderView;
use leptos::prelude::*;

use super::state::WizardState;

#[component]
pub fn ProviderPicker(providers: Signal<Vec<ProviderView>>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let query = RwSignal::new(String::new());
    let shown = move || {
        let q = query.get().trim().to_lowercase();
        providers
            .get()
            .into_iter()
            .filter(|p| q.is_empty() || p.name.to_lowercase().contains(&q) || p.description.to_lowercase().contains(&q))
            .collect::<Vec<_>>()
    };
    let choose = move |p: &ProviderView| {
        state.touch("provider");
        state.choose_provider(p);
    };
    view! {
        <fieldset class="field provider-picker">
            <legend>"Provider type"</legend>
            <input
                id="provider-search"
                type="search"
                class="search"
                placeholder="Search providers"
                aria-label="Search providers"
                aria-describedby="provider-error"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
            />
            <div class="provider-grid" role="group" aria-label="Providers" data-testid="provider-picker">
                {move || {
                    let list = shown();
                    if list.is_empty() {
                        return view! { <p class="muted">"No provider matches; choose Custom OAuth 2.0 provider for any other."</p> }.into_any();
                    }
                    list.into_iter().map(|p| {
                        let kind = p.kind.as_str();
                        let chosen = move || state.provider.get() == kind;
                        let (name, description) = (p.name.clone(), p.description.clone());
                        view! {
                            <button
                                type="button"
                                class="provider-card"
                                class:chosen=chosen
                                data-provider=kind
                                aria-pressed=move || if chosen() { "true" } else { "false" }
                                on:click=move |_| choose(&p)
                            >
                                <strong>{name}</strong>
                                <span class="muted">{description}</span>
                            </button>
                        }
                    }).collect_view().into_any()
                }}
            </div>
            <p class="field-error" id="provider-error" role="alert">{move || state.error_for("provider").get().unwrap_or_default()}</p>
        </fieldset>
    }
}
