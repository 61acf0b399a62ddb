//! OpenID Connect / RFC 8414 discovery documents: the few fields the product reads.

use oauth2::http::{Method, Request, header};
use serde::Deserialize;

use super::http;
use crate::error::{ApiError, ApiResult};
use domain::error::ErrorCode;

#[derive(Debug, Deserialize)]
pub struct DiscoveryDocument {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
}

/// Fetch `{issuer}/.well-known/openid-configuration` and check it names the same issuer.
pub async fn fetch(issuer: &str, limits: http::Outbound) -> ApiResult<DiscoveryDocument> {
    domain::endpoint::normalise(issuer, limits.policy)
        .map_err(|_| ApiError::validation("issuer", "the issuer is not an https URL the product may call"))?;
    let location = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let request = Request::builder()
        .method(Method::GET)
        .uri(&location)
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(ApiError::internal)?;
    let response = http::send(request, limits).await.map_err(|e| {
        worker::console_error!("discovery of {issuer}: {e}");
        ApiError::new(ErrorCode::ProviderUnavailable, super::client::UNAVAILABLE)
    })?;
    if response.status() != 200 {
        return Err(ApiError::new(
            ErrorCode::ProviderError,
            format!("discovery answered HTTP {}", response.status().as_u16()),
        ));
    }
    let document: DiscoveryDocument = serde_json::from_slice(response.body())
        .map_err(|_| ApiError::new(ErrorCode::ProviderError, "discovery document is not valid JSON"))?;
    if document.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(ApiError::new(ErrorCode::ProviderError, "discovery document names another issuer"));
    }
    Ok(document)
}
