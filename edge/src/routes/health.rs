//! `GET /api/v1/health`: liveness, and the floor every benchmark is measured against.

use domain::api::HealthResponse;
use worker::{Request, Response};

use crate::error::ApiResult;
use crate::routes::Ctx;

pub async fn get(_req: Request, _ctx: Ctx) -> ApiResult<Response> {
    Ok(Response::from_json(&HealthResponse { status: "ok".into() })?)
}
