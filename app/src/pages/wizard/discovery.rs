//! The authentication step's Issuer URL and Discover button (`POST /api/v1/discovery`): a new
//! connection is filled at once; an edited one shows what discovery would change ("Discover
//! again") and changes nothing until the person applies it. Changes of where credentials go then
//! need the client secret again, by the same rule as any edit (`domain::connection_edit`).

use domain::discovery::{Change, Discovered};
use domain::validate::FieldError;
use leptos::prelude::*;

use super::state::WizardState;
use crate::api;
use crate::components::feedback::Outcome;
use crate::components::field::TextField;
use crate::io::write;

/// Fields whose change moves where credentials go (the secret-required rule).
const DESTINATION_FIELDS: [&str; 5] =
    ["authorization_url", "token_url", "revocation_url", "grant_type", "client_auth_method"];

#[component]
pub fn DiscoverIssuer() -> impl IntoView {
    let state = expect_context::<WizardState>();
    let said = RwSignal::new(None::<Result<String, String>>);
    let proposed = RwSignal::new(Vec::<Change>::new());
    let editing = move || state.stored.with(Option::is_some);
    let discover = write(move || async move {
        said.set(None);
        proposed.set(Vec::new());
        match api::discover(&state.issuer.get_untracked()).await {
            Err(e) => {
                let reason = e.reason().unwrap_or("discovery_failed").to_string();
                state.server_error.set(Some(FieldError::new("issuer", &reason, e.message())));
                said.set(Some(Err(e.message())));
            }
            Ok(found) if state.stored.with_untracked(Option::is_some) => {
                let changes = domain::discovery::changes(&state.input_untracked(), &found);
                said.set(Some(Ok(if changes.is_empty() {
                    "Discovery found nothing to change.".to_string()
                } else {
                    "Discovery would change what is listed below: apply it or keep the current settings.".to_string()
                })));
                proposed.set(changes);
                state.discovered.set(Some(found));
            }
            Ok(found) => {
                state.apply_discovery(&found);
                said.set(Some(Ok(summary(&found))));
                state.discovered.set(Some(found));
            }
        }
        Ok(String::new())
    });
    let apply = move |_| {
        if let Some(found) = state.discovered.get_untracked() {
            state.apply_discovery(&found);
            said.set(Some(Ok(summary(&found))));
        }
        proposed.set(Vec::new());
    };
    let moves_credentials = move || {
        state.secret_on_file.get() && proposed.with(|p| p.iter().any(|c| DESTINATION_FIELDS.contains(&c.field)))
    };
    view! {
        <div class="discovery">
            <TextField
                id="issuer"
                label="Issuer URL"
                value=state.issuer
                error=state.error_for("issuer")
                on_input=Callback::new(move |()| state.touch("issuer"))
                placeholder="https://login.example.com"
                hint="Optional. Discover fills the URLs, grants and PKCE from the provider's published metadata."
            />
            <div class="actions">
                <button
                    type="button"
                    id="discover"
                    disabled=move || discover.pending().get() || state.issuer.with(|i| i.trim().is_empty())
                    on:click=move |_| { discover.dispatch(()); }
                >
                    {move || if discover.pending().get() { "Discovering…" } else if editing() { "Discover again" } else { "Discover" }}
                </button>
            </div>
            <Outcome said=said testid="discovery-outcome" />
            <Show when=move || proposed.with(|p| !p.is_empty())>
                <table class="discovery-changes" data-testid="discovery-changes">
                    <thead><tr><th>"Field"</th><th>"Now"</th><th>"Discovered"</th></tr></thead>
                    <tbody>
                        {move || proposed.get().into_iter().map(|c| view! {
                            <tr data-field=c.field>
                                <td>{c.field}</td>
                                <td><code>{c.before}</code></td>
                                <td><code>{c.after}</code></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Show when=moves_credentials>
                    <p class="hint warning" data-testid="discovery-secret-needed">
                        "These changes move where credentials are sent: enter the client secret again before saving."
                    </p>
                </Show>
                <div class="actions">
                    <button type="button" id="discovery-apply" on:click=apply>"Apply changes"</button>
                    <button type="button" class="secondary" id="discovery-dismiss" on:click=move |_| proposed.set(Vec::new())>
                        "Keep current settings"
                    </button>
                </div>
            </Show>
        </div>
    }
}

/// What a discovery filled, in words: where from, PKCE, RFC 9207, revocation.
fn summary(found: &Discovered) -> String {
    let pkce = if found.pkce_s256 {
        "PKCE (S256) is supported: offered and preselected."
    } else {
        "The provider announces no PKCE (S256) support."
    };
    let iss = if found.iss_required {
        " It names itself in every authorization response (RFC 9207): answers without it are refused."
    } else {
        ""
    };
    let revocation = if found.revocation_url.is_empty() { " It names no revocation endpoint." } else { "" };
    format!("Filled from {}. {pkce}{iss}{revocation}", found.source)
}
