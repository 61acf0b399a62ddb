//! `GET /api/v1/health`: liveness, and the floor every benchmark is measured against.

use domain::api::HealthResponse;
use worker::{Request, Response, RouteContext};

use crate::error::ApiResult;

pub async fn get(_req: Request, _ctx: RouteContext<()>) -> ApiResult<Response> {
    Ok(Response::from_json(&HealthResponse { status: "ok".into() })?)
}
