//! Test-only routes, answered only when `TEST_ROUTES=1` (see `settings`). They prove from inside
//! workerd what the integration tests cannot see from outside.

use domain::api::DiscoveryProbeResponse;
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::settings;

/// `GET /api/v1/_test/discovery?issuer=…`: fetch the issuer's discovery document through the
/// same outbound HTTP client the OAuth engine uses.
pub async fn discovery(req: Request, ctx: Ctx) -> ApiResult<Response> {
    if !settings::test_routes_enabled(&ctx.env) {
        return Err(ApiError::not_found("no such endpoint"));
    }
    let url = req.url()?;
    let issuer = url
        .query_pairs()
        .find(|(k, _)| k == "issuer")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| ApiError::validation("issuer", "issuer is required"))?;
    let found = super::discovery::discover(&ctx.env, &issuer).await?;
    Ok(Response::from_json(&DiscoveryProbeResponse {
        issuer: found.issuer,
        authorization_endpoint: Some(found.authorization_url).filter(|u| !u.is_empty()),
        token_endpoint: Some(found.token_url),
    })?)
}

/// `POST /api/v1/_test/faults {"fail_resets": bool}`: make object resets fail in this isolate,
/// to prove that a lost reset is retried and that objects forget access after their bound.
pub async fn faults(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    if !settings::test_routes_enabled(&ctx.env) {
        return Err(ApiError::not_found("no such endpoint"));
    }
    #[derive(serde::Deserialize)]
    struct Faults {
        fail_resets: bool,
    }
    let body: Faults = req.json().await.map_err(|e| ApiError::validation("fail_resets", e.to_string()))?;
    crate::revocation::faults::set_resets_fail(body.fail_resets);
    Ok(Response::from_json(&serde_json::json!({ "fail_resets": body.fail_resets }))?)
}
