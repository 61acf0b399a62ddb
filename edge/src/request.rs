//! Reading requests: a JSON body of at most 64 KiB (the one place request bodies are read), query
//! parameters and list paging.

use domain::body::{Declared, MAX_BODY_BYTES, check_declared, declared_within_cap, keep_draining, over_cap};
use js_sys::{Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use worker::Request;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::ReadableStreamDefaultReader;

use crate::error::{ApiError, ApiResult};
use domain::error::ErrorCode;

/// The body as JSON of type `T` (the router has applied the same-origin rule already).
pub async fn json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
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

/// The body, read chunk by chunk and never kept past the cap: a body without a length (chunked)
/// cannot make the worker hold more than 64 KiB and one chunk. Past the cap the rest is read and
/// dropped up to a bound, then the stream is cancelled: clients (and wrangler dev's proxy) that
/// are still sending when an early answer comes often lose it, or break the next request on the
/// connection, so a modest overshoot is drained to let the 413 arrive; a huge one is cut off.
pub async fn capped_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    check_length(req)?;
    // A declared length within the cap (what every client of the token API sends): the runtime
    // delivers exactly that many bytes, so one read takes them all (fewer awaits on the hot path).
    if declared_within_cap(req.headers().get("content-length")?.as_deref()) {
        return Ok(req.bytes().await?);
    }
    let Some(stream) = req.inner().body() else { return Ok(Vec::new()) };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    let mut dropped = 0usize;
    while let Some(chunk) = next_chunk(&reader).await? {
        let len = chunk.length() as usize;
        if dropped == 0 && !over_cap(body.len() + len) {
            body.extend_from_slice(&chunk.to_vec());
            continue;
        }
        dropped += len;
        if !keep_draining(dropped) {
            // The answer is 413 whether or not the cancel goes through.
            let _ = JsFuture::from(reader.cancel()).await;
            break;
        }
    }
    if dropped > 0 { Err(too_large()) } else { Ok(body) }
}

/// The next chunk of a body stream, or `None` at its end.
async fn next_chunk(reader: &ReadableStreamDefaultReader) -> ApiResult<Option<Uint8Array>> {
    let step = JsFuture::from(reader.read()).await.map_err(|e| ApiError::internal(format!("body read: {e:?}")))?;
    let field = |name: &str| Reflect::get(&step, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    if field("done").as_bool().unwrap_or(true) {
        return Ok(None);
    }
    Ok(Some(Uint8Array::new(&field("value"))))
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
