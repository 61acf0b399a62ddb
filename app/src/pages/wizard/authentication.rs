//! Step 2, Authentication details: the issuer and Discover (`discovery.rs`), grant type (PKCE
//! only where the provider supports it), client id and secret, the provider's placeholders,
//! authorization, token and revocation URLs, scopes, the API base URL the token-free proxy
//! calls, and under "Advanced" the client authentication method and whether answers must name
//! their issuer (RFC 9207).

use domain::api::ProviderView;
use domain::connection::{ClientAuthMethod, GrantType};
use leptos::prelude::*;

use super::discovery::DiscoverIssuer;
use super::state::WizardState;
use crate::components::field::TextField;

#[component]
pub fn AuthenticationStep(providers: Signal<Vec<ProviderView>>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let provider = Signal::derive(move || {
        let kind = state.provider.get();
        providers.get().into_iter().find(|p| p.kind.as_str() == kind)
    });
    let touch = move |field: &'static str| Callback::new(move |()| state.touch(field));
    let secret_hint = move || {
        if state.secret_on_file.get() {
            "A secret is stored (encrypted). Leave empty to keep it; type a new one to replace it."
        } else if state.grant() == GrantType::AuthorizationCodePkce {
            "Optional for a public PKCE client."
        } else {
            "Stored encrypted; it is never shown again."
        }
    };
    view! {
        <DiscoverIssuer />
        <GrantChoice pkce=Signal::derive(move || provider.get().is_some_and(|p| p.supports_pkce)) />
        <TextField id="client-id" label="Client ID" value=state.client_id error=state.error_for("client_id") on_input=touch("client_id") autocomplete="off" />
        <TextField
            id="client-secret"
            label="Client secret"
            value=state.client_secret
            kind="password"
            autocomplete="new-password"
            error=state.error_for("client_secret")
            on_input=touch("client_secret")
        />
        <p class="hint secret-hint">{secret_hint}</p>
        {move || provider.get().map(|p| p.placeholders).unwrap_or_default().into_iter().map(|h| view! { <PlaceholderField placeholder=h /> }).collect_view()}
        <Show when=move || state.grant().uses_consent()>
            <TextField
                id="authorization-url"
                label="Authorization URL"
                value=state.authorization_url
                error=state.error_for("authorization_url")
                on_input=touch("authorization_url")
                placeholder="https://idp.example.com/oauth2/authorize"
            />
            <ResolvedUrl id="authorization-url-resolved" format=state.authorization_url />
        </Show>
        <TextField
            id="token-url"
            label="Token URL"
            value=state.token_url
            error=state.error_for("token_url")
            on_input=touch("token_url")
            placeholder="https://idp.example.com/oauth2/token"
        />
        <ResolvedUrl id="token-url-resolved" format=state.token_url />
        <TextField
            id="revocation-url"
            label="Revocation URL"
            value=state.revocation_url
            error=state.error_for("revocation_url")
            on_input=touch("revocation_url")
            placeholder="https://idp.example.com/oauth2/revoke"
            hint="Optional (RFC 7009). Tokens the product drops are revoked there too."
        />
        <TextField
            id="scopes"
            label="Scopes"
            value=state.scopes
            error=state.error_for("scopes")
            on_input=touch("scopes")
            hint="Separate with commas or spaces."
        />
        <TextField
            id="api-base-url"
            label="API base URL"
            value=state.api_base_url
            error=state.error_for("api_base_url")
            on_input=touch("api_base_url")
            placeholder="https://api.example.com/v1"
            hint="Bots call …/proxy/{path} and the product sends it here, {path} appended, with the token added. {instance_url} stands for the instance URL the provider returns with its token. Leave empty for no proxy."
        />
        <Advanced />
    }
}

/// The grant types this provider supports (PKCE only where it does).
#[component]
fn GrantChoice(pkce: Signal<bool>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let grants = move || {
        let pkce = pkce.get();
        GrantType::ALL.into_iter().filter(move |g| pkce || *g != GrantType::AuthorizationCodePkce).collect::<Vec<_>>()
    };
    view! {
        <fieldset class="grant">
            <legend>"Grant type"</legend>
            {move || grants().into_iter().map(|g| view! {
                <label class="choice">
                    <input
                        type="radio"
                        name="grant_type"
                        value=g.as_str()
                        prop:checked=move || state.grant_type.get() == g.as_str()
                        on:change=move |_| state.grant_type.set(g.as_str().into())
                    />
                    <span class="choice-label">{g.label()}</span>
                </label>
            }).collect_view()}
            <p class="field-error">{move || state.error_for("grant_type").get().unwrap_or_default()}</p>
        </fieldset>
    }
}

/// One of the provider's placeholders (an instance name, a tenant) that its URLs contain.
#[component]
fn PlaceholderField(placeholder: domain::api::PlaceholderView) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let h = placeholder;
    let (key, key_for_input) = (h.key.clone(), h.key.clone());
    let field: &'static str = match h.key.as_str() {
        "yourinstance" => "placeholders.yourinstance",
        "tenant-id" => "placeholders.tenant-id",
        "region-domain" => "placeholders.region-domain",
        _ => "placeholders.domain-name",
    };
    view! {
        <div class="field placeholder">
            <label for=format!("placeholder-{}", h.key)>{format!("{} (fills {})", h.label, h.token)}</label>
            <input
                id=format!("placeholder-{}", h.key)
                placeholder=h.example
                prop:value=move || state.placeholders.with(|m| m.get(&key).cloned().unwrap_or_default())
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    state.placeholders.update(|m| { m.insert(key_for_input.clone(), value); });
                    state.touch(field);
                }
            />
            <p class="field-error">{move || state.error_for(field).get().unwrap_or_default()}</p>
        </div>
    }
}

/// The address a URL with placeholders resolves to, live while the placeholders are filled.
#[component]
fn ResolvedUrl(id: &'static str, format: RwSignal<String>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let resolved = move || {
        let format = format.get();
        domain::provider::unfilled(&format)?;
        let pairs: Vec<(String, String)> = state.placeholders.get().into_iter().collect();
        let url = domain::provider::fill(&format, &pairs);
        Some(match domain::provider::unfilled(&url) {
            Some(p) => {
                view! { <span class="muted">{format!("Fill in {} to see the address.", p.label)}</span> }.into_any()
            }
            None => view! { "Resolves to " <code>{url}</code> }.into_any(),
        })
    };
    view! { <p class="hint resolved-url" id=id data-testid=id aria-live="polite">{resolved}</p> }
}

/// "Advanced": how the client authenticates at the token endpoint.
#[component]
fn Advanced() -> impl IntoView {
    let state = expect_context::<WizardState>();
    view! {
        <details class="advanced">
            <summary>"Advanced"</summary>
            <div class="field">
                <label for="client-auth-method">"Client authentication at the token endpoint"</label>
                <select id="client-auth-method" on:change=move |ev| state.client_auth_method.set(event_target_value(&ev)) prop:value=move || state.client_auth_method.get()>
                    {[ClientAuthMethod::ClientSecretBasic, ClientAuthMethod::ClientSecretPost].into_iter().map(|m| view! {
                        <option value=m.as_str() selected=move || state.client_auth_method.get() == m.as_str()>
                            {match m { ClientAuthMethod::ClientSecretBasic => "HTTP Basic (client_secret_basic)", ClientAuthMethod::ClientSecretPost => "In the request body (client_secret_post)" }}
                        </option>
                    }).collect_view()}
                </select>
                <p class="hint">"The same method is used for the code exchange and every refresh."</p>
            </div>
            <label class="choice checkbox">
                <input type="checkbox" id="iss-required" prop:checked=move || state.iss_required.get() on:change=move |ev| state.iss_required.set(event_target_checked(&ev)) />
                <span class="choice-label">"Require the issuer in authorization responses (RFC 9207)"</span>
                <span class="choice-detail">"An answer without iss is refused. Discovery sets this when the provider announces it."</span>
            </label>
        </details>
    }
}
