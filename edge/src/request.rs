//! What every state-changing call must show: a same-origin `Origin` (unless a bot key
//! authenticates it; bots send no Origin) and a JSON body.

use serde::de::DeserializeOwned;
use worker::{Env, Request};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::settings;
use domain::error::ErrorCode;

/// Refuse a cross-site write: browsers send `Origin` on every non-GET fetch, so a missing or
/// foreign one on a cookie (or anonymous) call is refused. Key-authenticated calls may omit it,
/// but a foreign one is refused all the same.
pub fn check_origin(req: &Request, env: &Env, principal: Option<&Principal>) -> ApiResult<()> {
    let origin = req.headers().get("origin")?;
    let expected = settings::public_origin(env, req)?;
    match origin {
        Some(o) if o.trim_end_matches('/') == expected.trim_end_matches('/') => Ok(()),
        None if principal.is_some_and(Principal::is_bot) => Ok(()),
        _ => Err(ApiError::new(ErrorCode::Forbidden, "cross-origin request refused")),
    }
}

/// Check the origin, then parse the body as JSON of type `T`.
pub async fn json<T: DeserializeOwned>(req: &mut Request, env: &Env, principal: Option<&Principal>) -> ApiResult<T> {
    check_origin(req, env, principal)?;
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send a JSON body (content-type: application/json)",
        ));
    }
    let bytes = req.bytes().await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("the body is not the expected JSON: {e}")))
}

/// A query parameter, if present.
pub fn query(req: &Request, name: &str) -> ApiResult<Option<String>> {
    Ok(req.url()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()))
}

/// `?q=&cursor=&limit=` of every list endpoint.
pub struct ListParams {
    pub q: String,
    pub cursor: String,
    pub limit: u32,
}

pub fn list_params(req: &Request) -> ApiResult<ListParams> {
    Ok(ListParams {
        q: query(req, "q")?.unwrap_or_default().trim().to_string(),
        cursor: query(req, "cursor")?.unwrap_or_default(),
        limit: crate::store::page_limit(query(req, "limit")?.as_deref()),
    })
}
