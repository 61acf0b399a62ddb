//! Step 3, Test connection and save credentials: "Save changes and test connection" saves the
//! connection, then runs the real consent in a popup (or, for client credentials, fetches a token
//! now) and shows what the provider said. With "Save login credentials" the token becomes the
//! connection's shared token. The secret never has to be typed again after a test.

use leptos::prelude::*;

use super::save::save;
use super::state::WizardState;
use crate::api;
use crate::components::consent::{ConsentOutcome, start_consent_after};
use crate::components::feedback::Outcome;
use crate::io::write;

#[component]
pub fn TestStep() -> impl IntoView {
    let state = expect_context::<WizardState>();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    // A consent runs in its window and reports through `report`; a client-credentials test is
    // an action.
    let consenting = RwSignal::new(false);
    let report = Callback::new(move |o: ConsentOutcome| {
        consenting.set(false);
        outcome.set(Some(if o.ok { Ok(o.message) } else { Err(o.message) }));
    });
    let test = write(move || async move {
        let result = match save(state).await {
            Ok(view) => api::test_connection(&view.id).await.map_err(|e| e.message()),
            Err(message) => Err(message),
        };
        outcome.set(Some(result.and_then(|test| if test.ok { Ok(test.detail) } else { Err(test.detail) })));
        Ok(String::new())
    });
    let busy = move || consenting.get() || test.pending().get();
    let save_and_test = move |_| {
        outcome.set(None);
        if state.grant().uses_consent() {
            consenting.set(true);
            let purpose = if state.save_credentials.get_untracked() {
                domain::consent::ConsentPurpose::Shared
            } else {
                domain::consent::ConsentPurpose::Test
            };
            start_consent_after(async move { save(state).await.map(|view| (view.id, purpose)) }, report);
        } else {
            test.dispatch(());
        }
    };
    view! {
        <label class="choice checkbox">
            <input type="checkbox" id="save-credentials" prop:checked=move || state.save_credentials.get() on:change=move |ev| state.save_credentials.set(event_target_checked(&ev)) />
            <span class="choice-label">"Save login credentials"</span>
            <span class="choice-detail">"Keep the token from a successful test as this connection's shared token."</span>
        </label>
        <p class="hint">{move || if state.grant().uses_consent() {
            "The provider's consent page opens in a window; sign in there and approve."
        } else {
            "A client-credentials token is fetched from the token URL now."
        }}</p>
        <div class="actions">
            <button type="button" id="save-and-test" disabled=busy on:click=save_and_test>
                {move || match (busy(), matches!(outcome.get(), Some(Err(_)))) {
                    (true, _) => "Testing…",
                    (false, true) => "Try again",
                    (false, false) => "Save changes and test connection",
                }}
            </button>
        </div>
        <Outcome said=outcome testid="test-outcome" />
    }
}
