//! A token's state in words: none, valid until …, expired, needs re-authorization; with the last
//! refresh and the last error when there are any. Never the token itself.

use domain::api::TokenStatusView;
use domain::token::TokenState;
use leptos::prelude::*;

use crate::format::timestamp;

#[component]
pub fn TokenStatus(#[prop(into)] token: Option<TokenStatusView>, #[prop(into)] testid: String) -> impl IntoView {
    let Some(t) = token else {
        return view! { <span class="token-status none" data-testid=testid>"No token yet"</span> }.into_any();
    };
    let headline = match (t.status, t.expires_at) {
        (TokenState::Valid, Some(at)) => format!("Valid until {}", timestamp(at)),
        (TokenState::Valid, None) => "Valid (no expiry given)".to_string(),
        (TokenState::Expired, _) => "Expired: renewed on next use".to_string(),
        (TokenState::NeedsReauth, _) => "Needs re-authorization".to_string(),
    };
    view! {
        <span class=format!("token-status {}", t.status) data-testid=testid data-status=t.status.as_str()>
            <strong>{headline}</strong>
            {t.last_refresh_at.map(|at| view! { <span class="muted">" · last refresh "{timestamp(at)}</span> })}
            {t.last_error.map(|e| view! { <span class="error">" · last error: "{e}</span> })}
        </span>
    }
    .into_any()
}
