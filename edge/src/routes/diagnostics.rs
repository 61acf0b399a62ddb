//! Test-only routes, answered only when `TEST_ROUTES=1` (see `settings`). They prove from inside
//! workerd what the integration tests cannot see from outside.

use domain::api::DiscoveryProbeResponse;
use worker::{Request, Response, RouteContext};

use crate::error::{ApiError, ApiResult};
use crate::{oauth, settings};

/// `GET /api/v1/_test/discovery?issuer=…`: fetch the issuer's discovery document through the
/// same outbound HTTP client the OAuth engine uses.
pub async fn discovery(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    if !settings::test_routes_enabled(&ctx.env) {
        return Err(ApiError::not_found("no such endpoint"));
    }
    let url = req.url()?;
    let issuer = url
        .query_pairs()
        .find(|(k, _)| k == "issuer")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| ApiError::validation("issuer", "issuer is required"))?;
    let document = oauth::discovery::fetch(&issuer).await?;
    Ok(Response::from_json(&DiscoveryProbeResponse {
        issuer: document.issuer,
        authorization_endpoint: document.authorization_endpoint,
        token_endpoint: document.token_endpoint,
    })?)
}

/// `POST /api/v1/_test/cron`: run the scheduled refresher now. wrangler 4.86's
/// `/cdn-cgi/handler/scheduled` cannot reach a Rust worker (the runtime fails to clone the
/// `ScheduledController` into the worker-build entrypoint), so tests reach the same function here.
pub async fn cron(_req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    if !settings::test_routes_enabled(&ctx.env) {
        return Err(ApiError::not_found("no such endpoint"));
    }
    let renewed = crate::cron::refresh_expiring(&ctx.env).await?;
    Ok(Response::from_json(&serde_json::json!({ "renewed": renewed }))?)
}
