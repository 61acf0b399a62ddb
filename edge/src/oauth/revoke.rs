//! One RFC 7009 revocation request: the token and its type hint, with the client's own
//! authentication (the method its token requests use), through the outbound client (`http.rs`).
//!
//! Written here rather than with the `oauth2` crate's `revoke_token`: that refuses any URL but
//! https, and development and the tests run their provider on plain-http loopback under the
//! product's own URL rule (`ALLOW_PRIVATE_ENDPOINTS=1`). The encoding follows the crate's:
//! Basic credentials are form-encoded before base64 (RFC 6749 §2.3.1).

use base64::Engine;
use domain::connection::ClientAuthMethod;
use domain::provider_revocation::TokenHint;
use domain::secret::Secret;
use oauth2::http::{Method, Request, header};

use super::http::{self, HttpError};

/// What one revocation sends.
pub struct Revocation<'a> {
    pub url: &'a str,
    pub client_id: &'a str,
    /// `None` for a public client: it names itself with `client_id` in the body.
    pub client_secret: Option<&'a Secret>,
    pub auth_method: ClientAuthMethod,
    pub token: &'a Secret,
    pub hint: TokenHint,
}

/// The provider's HTTP status, or why there was none (`timeout`, `network`, `refused`,
/// `too_large`: words that never carry the token).
pub async fn send(revocation: &Revocation<'_>, limits: http::Outbound) -> Result<u16, &'static str> {
    let request = build(revocation).map_err(|_| "refused")?;
    match http::send(request, limits).await {
        Ok(response) => Ok(response.status().as_u16()),
        Err(HttpError::Timeout(_)) => Err("timeout"),
        Err(HttpError::Refused(_)) | Err(HttpError::Build(_)) => Err("refused"),
        Err(HttpError::TooLarge) => Err("too_large"),
        Err(HttpError::Network(_)) => Err("network"),
    }
}

fn build(r: &Revocation<'_>) -> Result<oauth2::HttpRequest, oauth2::http::Error> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("token", r.token.expose()).append_pair("token_type_hint", r.hint.as_str());
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(r.url)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    match (r.client_secret, r.auth_method) {
        (Some(secret), ClientAuthMethod::ClientSecretBasic) => {
            let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let pair = format!("{}:{}", encode(r.client_id), encode(secret.expose()));
            let basic = base64::engine::general_purpose::STANDARD.encode(pair);
            request = request.header(header::AUTHORIZATION, format!("Basic {basic}"));
        }
        (Some(secret), ClientAuthMethod::ClientSecretPost) => {
            form.append_pair("client_id", r.client_id).append_pair("client_secret", secret.expose());
        }
        (None, _) => {
            form.append_pair("client_id", r.client_id);
        }
    }
    request.body(form.finish().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revocation<'a>(secret: Option<&'a Secret>, method: ClientAuthMethod, token: &'a Secret) -> Revocation<'a> {
        Revocation {
            url: "https://idp.example/revoke",
            client_id: "app id",
            client_secret: secret,
            auth_method: method,
            token,
            hint: TokenHint::RefreshToken,
        }
    }

    #[test]
    fn basic_authentication_goes_in_the_header_and_the_token_in_the_form() {
        let (secret, token) = (Secret::new("s&cret"), Secret::new("rt/1"));
        let request = build(&revocation(Some(&secret), ClientAuthMethod::ClientSecretBasic, &token)).unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri(), "https://idp.example/revoke");
        let expected = base64::engine::general_purpose::STANDARD.encode("app+id:s%26cret");
        assert_eq!(request.headers()[header::AUTHORIZATION], format!("Basic {expected}").as_str());
        assert_eq!(String::from_utf8_lossy(request.body()), "token=rt%2F1&token_type_hint=refresh_token");
    }

    #[test]
    fn post_authentication_and_public_clients_use_the_body() {
        let (secret, token) = (Secret::new("s"), Secret::new("at"));
        let request = build(&revocation(Some(&secret), ClientAuthMethod::ClientSecretPost, &token)).unwrap();
        assert!(!request.headers().contains_key(header::AUTHORIZATION));
        assert_eq!(
            String::from_utf8_lossy(request.body()),
            "token=at&token_type_hint=refresh_token&client_id=app+id&client_secret=s"
        );
        let public = build(&revocation(None, ClientAuthMethod::ClientSecretBasic, &token)).unwrap();
        assert!(!public.headers().contains_key(header::AUTHORIZATION));
        assert_eq!(String::from_utf8_lossy(public.body()), "token=at&token_type_hint=refresh_token&client_id=app+id");
    }
}
