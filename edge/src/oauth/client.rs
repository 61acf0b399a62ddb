//! The OAuth client for one connection, built with the `oauth2` crate and run over
//! `worker::Fetch` (`http.rs`): authorize URLs, code exchange, refresh, client credentials.
//! Provider failures come back typed (`ProviderFailure`), never as raw bodies, and the same
//! client authentication method serves the exchange and every refresh.

use std::time::Duration;

use domain::connection::ClientAuthMethod;
use domain::secret::Secret;
use domain::token::{FailureKind, MAX_ATTEMPTS, backoff_ms, classify};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::http::{self, HttpError};

/// Response fields beyond RFC 6749 that the product keeps (Salesforce's `instance_url`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderExtras {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
}
impl ExtraTokenFields for ProviderExtras {}

type ProviderTokenResponse = StandardTokenResponse<ProviderExtras, BasicTokenType>;
type OAuthClient<HasAuth, HasToken> = oauth2::Client<
    BasicErrorResponse,
    ProviderTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuth,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasToken,
>;

/// What the engine needs of a connection to talk to its provider.
pub struct ProviderConfig {
    pub client_id: String,
    /// Opened for the duration of one call.
    pub client_secret: Option<Secret>,
    pub authorization_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub auth_method: ClientAuthMethod,
    pub extra_authorize_params: Vec<(String, String)>,
    /// Deadline of one provider call (`PROVIDER_TIMEOUT_MS`) and where calls may go.
    pub outbound: http::Outbound,
}

/// A successful token response: sealed before it is stored.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
    pub instance_url: Option<String>,
}

/// What a caller is told when the provider could not be reached or answered no token: the
/// same words for a closed port, a timeout or a web page, so the answer maps no network.
pub const UNAVAILABLE: &str = "the provider could not be reached or did not answer with a token; try again later";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderFailure {
    /// `invalid_grant`: the grant is gone; a person must consent again.
    ReauthRequired(String),
    /// The provider refused the request (bad client, scope…): retrying will not help.
    Rejected(String),
    /// Down, slow, or garbage after every attempt.
    Unavailable(String),
}

impl ProviderFailure {
    /// What people may read (stored as a token's `last_error`, shown in the SPA): a network
    /// failure in the same generic words whatever it was.
    pub fn public_message(&self) -> &str {
        match self {
            ProviderFailure::Unavailable(_) => UNAVAILABLE,
            other => other.message(),
        }
    }

    /// What the failure means for the stored token (`domain::token::status_after_failure`).
    pub fn kind(&self) -> FailureKind {
        match self {
            ProviderFailure::ReauthRequired(_) => FailureKind::ReauthRequired,
            ProviderFailure::Rejected(_) => FailureKind::Rejected,
            ProviderFailure::Unavailable(_) => FailureKind::Retryable,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ProviderFailure::ReauthRequired(m) | ProviderFailure::Rejected(m) | ProviderFailure::Unavailable(m) => m,
        }
    }
}

fn client_base(config: &ProviderConfig) -> Result<OAuthClient<EndpointNotSet, EndpointSet>, ProviderFailure> {
    let token_url = TokenUrl::new(config.token_url.clone()).map_err(|e| ProviderFailure::Rejected(e.to_string()))?;
    let mut client = OAuthClient::new(ClientId::new(config.client_id.clone())).set_token_uri(token_url);
    if let Some(secret) = &config.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
    }
    Ok(client.set_auth_type(match config.auth_method {
        ClientAuthMethod::ClientSecretBasic => AuthType::BasicAuth,
        ClientAuthMethod::ClientSecretPost => AuthType::RequestBody,
    }))
}

/// The provider's consent URL with our state, PKCE challenge (when given) and the provider's
/// extra parameters.
pub fn authorize_url(
    config: &ProviderConfig,
    redirect_uri: &str,
    state: &str,
    pkce: Option<PkceCodeChallenge>,
) -> Result<String, ProviderFailure> {
    let auth_url =
        AuthUrl::new(config.authorization_url.clone()).map_err(|e| ProviderFailure::Rejected(e.to_string()))?;
    let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|e| ProviderFailure::Rejected(e.to_string()))?;
    let client = client_base(config)?.set_auth_uri(auth_url).set_redirect_uri(redirect);
    let state = state.to_string();
    let mut request = client
        .authorize_url(move || CsrfToken::new(state))
        .add_scopes(config.scopes.iter().map(|s| Scope::new(s.clone())));
    for (name, value) in &config.extra_authorize_params {
        // Appended only when the authorization URL does not carry the parameter already.
        let present =
            url::Url::parse(&config.authorization_url).is_ok_and(|u| u.query_pairs().any(|(k, _)| k == *name));
        if !present {
            request = request.add_extra_param(name.clone(), value.clone());
        }
    }
    if let Some(challenge) = pkce {
        request = request.set_pkce_challenge(challenge);
    }
    Ok(request.url().0.to_string())
}

/// Exchange an authorization code (with the PKCE verifier when the grant uses one). Not retried:
/// a code is single-use, so a second try could only fail.
pub async fn exchange_code(
    config: &ProviderConfig,
    redirect_uri: &str,
    code: &str,
    verifier: Option<Secret>,
) -> Result<TokenSet, ProviderFailure> {
    let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|e| ProviderFailure::Rejected(e.to_string()))?;
    let client = client_base(config)?.set_redirect_uri(redirect);
    let mut request = client.exchange_code(AuthorizationCode::new(code.to_string()));
    if let Some(v) = verifier {
        request = request.set_pkce_verifier(PkceCodeVerifier::new(v.expose().to_string()));
    }
    request.request_async(&|r| http::send(r, config.outbound)).await.map(token_set).map_err(|e| failure(&e))
}

/// Refresh, with bounded retries and backoff for what is worth retrying.
///
/// A retry after a timeout is ambiguous: the provider may have processed the lost attempt and
/// rotated the refresh token, so the retry's `invalid_grant` can be our own doing. That case is
/// reported as unavailable (the last good token stays in use) instead of demanding a new consent;
/// the next refresh tells which it was.
pub async fn refresh(config: &ProviderConfig, refresh_token: &Secret) -> Result<TokenSet, ProviderFailure> {
    let client = client_base(config)?;
    let token = RefreshToken::new(refresh_token.expose().to_string());
    let lost_attempt = std::cell::Cell::new(false);
    let result = with_retries(|| async {
        client
            .exchange_refresh_token(&token)
            .request_async(&|r| http::send(r, config.outbound))
            .await
            .map(token_set)
            .map_err(|e| {
                let f = failure(&e);
                if matches!(f, ProviderFailure::Unavailable(_)) {
                    lost_attempt.set(true);
                }
                f
            })
    })
    .await;
    match result {
        Err(ProviderFailure::ReauthRequired(m)) if lost_attempt.get() => Err(ProviderFailure::Unavailable(format!(
            "{m} (after an attempt whose answer was lost; the grant may have been rotated by it)"
        ))),
        other => other,
    }
}

/// A client-credentials token, with bounded retries.
pub async fn client_credentials(config: &ProviderConfig) -> Result<TokenSet, ProviderFailure> {
    let client = client_base(config)?;
    with_retries(|| async {
        client
            .exchange_client_credentials()
            .add_scopes(config.scopes.iter().map(|s| Scope::new(s.clone())))
            .request_async(&|r| http::send(r, config.outbound))
            .await
            .map(token_set)
            .map_err(|e| failure(&e))
    })
    .await
}

async fn with_retries<F, Fut>(mut attempt: F) -> Result<TokenSet, ProviderFailure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<TokenSet, ProviderFailure>>,
{
    let mut last = ProviderFailure::Unavailable("no attempt made".into());
    for n in 1..=MAX_ATTEMPTS {
        let wait = backoff_ms(n);
        if wait > 0 {
            worker::Delay::from(Duration::from_millis(wait)).await;
        }
        match attempt().await {
            Err(ProviderFailure::Unavailable(m)) => last = ProviderFailure::Unavailable(m),
            other => return other,
        }
    }
    Err(last)
}

fn token_set(response: ProviderTokenResponse) -> TokenSet {
    TokenSet {
        access_token: Secret::new(response.access_token().secret().as_str()),
        refresh_token: response.refresh_token().map(|t| Secret::new(t.secret().as_str())),
        token_type: match response.token_type() {
            BasicTokenType::Bearer => "Bearer".into(),
            BasicTokenType::Mac => "MAC".into(),
            BasicTokenType::Extension(other) => other.clone(),
        },
        expires_in: response.expires_in().map(|d| d.as_secs()),
        scope: response.scopes().map(|s| s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")),
        instance_url: response.extra_fields().instance_url.clone(),
    }
}

/// Map the crate's error to what it means for us. Bodies are never echoed: they may hold
/// tokens (a 200 with an error and a token, say).
fn failure(error: &RequestTokenError<HttpError, BasicErrorResponse>) -> ProviderFailure {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let code = response.error().as_ref().to_string();
            let description = response.error_description().cloned().unwrap_or_default();
            let message = if description.is_empty() { code.clone() } else { format!("{code}: {description}") };
            match classify(&code) {
                FailureKind::ReauthRequired => ProviderFailure::ReauthRequired(message),
                FailureKind::Rejected => ProviderFailure::Rejected(message),
                FailureKind::Retryable => ProviderFailure::Unavailable(message),
            }
        }
        RequestTokenError::Request(e) => ProviderFailure::Unavailable(e.to_string()),
        RequestTokenError::Parse(_, _) => {
            ProviderFailure::Unavailable("the token endpoint answered something that is not a token response".into())
        }
        RequestTokenError::Other(m) => ProviderFailure::Unavailable(m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::basic::BasicErrorResponseType;

    fn server(code: BasicErrorResponseType, description: Option<&str>) -> ProviderFailure {
        failure(&RequestTokenError::ServerResponse(BasicErrorResponse::new(
            code,
            description.map(str::to_string),
            None,
        )))
    }

    #[test]
    fn a_gone_grant_needs_a_new_consent() {
        assert_eq!(
            server(BasicErrorResponseType::InvalidGrant, Some("refresh token revoked")),
            ProviderFailure::ReauthRequired("invalid_grant: refresh token revoked".into())
        );
    }

    #[test]
    fn refusals_are_not_retried() {
        for code in [
            BasicErrorResponseType::InvalidClient,
            BasicErrorResponseType::InvalidScope,
            BasicErrorResponseType::UnauthorizedClient,
            BasicErrorResponseType::UnsupportedGrantType,
        ] {
            let failure = server(code.clone(), None);
            assert!(matches!(failure, ProviderFailure::Rejected(_)), "{code:?}: {failure:?}");
        }
    }

    #[test]
    fn transient_provider_errors_are_retried() {
        let busy = server(BasicErrorResponseType::Extension("temporarily_unavailable".into()), None);
        assert!(matches!(busy, ProviderFailure::Unavailable(_)), "{busy:?}");
    }

    #[test]
    fn transport_and_garbage_are_unavailable_and_never_echo_the_body() {
        let timeout = failure(&RequestTokenError::Request(HttpError::Timeout(Duration::from_secs(10))));
        assert!(matches!(timeout, ProviderFailure::Unavailable(_)));
        let body = b"<html>access_token=leaky-token</html>".to_vec();
        let parse_error =
            serde_path_to_error::deserialize::<_, serde_json::Value>(&mut serde_json::Deserializer::from_slice(&body))
                .map(|_| ())
                .unwrap_err();
        let garbage = failure(&RequestTokenError::Parse(parse_error, body));
        assert!(matches!(&garbage, ProviderFailure::Unavailable(m) if !m.contains("leaky-token")), "{garbage:?}");
        assert_eq!(garbage.public_message(), UNAVAILABLE);
    }
}
