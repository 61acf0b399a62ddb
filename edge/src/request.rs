//! What every state-changing call must show: a same-origin `Origin` (unless a bot key
//! authenticates it; bots send no Origin) and a JSON body of at most 64 KiB. This is the one
//! place request bodies are read.

use domain::body::{Declared, MAX_BODY_BYTES, check_declared, over_cap};
use futures_util::StreamExt;
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
    json_body(req).await
}

/// The body as JSON of type `T`, without the origin rule (for callers that are not browsers by
/// design, such as the bootstrap call `cargo xtask dev` makes with its secret).
pub async fn json_body<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send a JSON body (content-type: application/json)",
        ));
    }
    let bytes = capped_body(req).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("the body is not the expected JSON: {e}")))
}

/// 413 `payload_too_large`.
pub fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024))
}

/// Refuse a declared `Content-Length` over the cap before anything is read (the router does this
/// for every route; `capped_body` again for its own callers).
pub fn check_length(req: &Request) -> ApiResult<()> {
    match check_declared(req.headers().get("content-length")?.as_deref()) {
        Declared::TooLarge => Err(too_large()),
        Declared::Read => Ok(()),
    }
}

/// The body, read chunk by chunk and dropped as soon as it passes the cap: a body without a
/// length (chunked) cannot make the worker hold more than 64 KiB and one chunk.
async fn capped_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    check_length(req)?;
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req.stream()?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if over_cap(body.len() + chunk.len()) {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
