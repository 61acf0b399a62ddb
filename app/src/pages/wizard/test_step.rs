//! Step 3, Test connection and save credentials: the "Save login credentials" choice and
//! "Save changes and test connection". Saving works now; the consent test itself arrives with
//! the OAuth engine, and the step says so instead of pretending.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::save::save;
use super::state::WizardState;

#[component]
pub fn TestStep() -> impl IntoView {
    let state = expect_context::<WizardState>();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let save_and_test = move |_| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = save(state).await;
            busy.set(false);
            outcome.set(Some(match result {
                Ok(view) => Ok(format!(
                    "Saved \u{201c}{}\u{201d}. The secret is stored encrypted and never has to be typed again. \
                     Testing through the provider's consent page is not available yet: it arrives with the OAuth engine.",
                    view.name
                )),
                Err(message) => Err(message),
            }));
        });
    };
    view! {
        <label class="choice checkbox">
            <input type="checkbox" id="save-credentials" prop:checked=move || state.save_credentials.get() on:change=move |ev| state.save_credentials.set(event_target_checked(&ev)) />
            <span class="choice-label">"Save login credentials"</span>
            <span class="choice-detail">"Keep the token from a successful test as this connection's shared token."</span>
        </label>
        <div class="actions">
            <button type="button" id="save-and-test" disabled=move || busy.get() on:click=save_and_test>
                {move || if busy.get() { "Saving…" } else { "Save changes and test connection" }}
            </button>
        </div>
        {move || outcome.get().map(|o| match o {
            Ok(message) => view! { <p class="notice" role="status" data-testid="test-outcome">{message}</p> }.into_any(),
            Err(message) => view! { <p class="form-error" role="alert" data-testid="test-outcome">{message}</p> }.into_any(),
        })}
    }
}
