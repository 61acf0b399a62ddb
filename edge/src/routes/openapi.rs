//! `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document. It is generated from the route
//! table and the wire types in `domain` by `cargo xtask openapi` and committed (`edge/openapi.json`);
//! a test fails when the committed file differs from what the code generates, so the worker serves
//! the contract without carrying the generator in its wasm.

use worker::{Request, Response};

use crate::error::ApiResult;
use crate::routes::Ctx;

/// The committed document.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

pub async fn get(_req: Request, _ctx: Ctx) -> ApiResult<Response> {
    let mut response = Response::ok(DOCUMENT)?;
    response.headers_mut().set("content-type", "application/json")?;
    Ok(response)
}
