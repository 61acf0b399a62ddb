//! `GET /api/v1/health`: liveness, and the floor every benchmark is measured against.
//! `?deep=1` is for uptime monitors: it also reads D1 and makes a Durable Object round trip,
//! answering 200 with what was checked or 503 with the code of what failed
//! (`domain::health`). Deep checks are counted per address (`throttle::Throttle::DeepHealth`):
//! over the limit, 429 before anything is touched.

use domain::api::HealthResponse;
use domain::health::{self, Check};
use worker::{Env, Request, Response};

use crate::error::ApiResult;
use crate::routes::Ctx;
use crate::throttle::{self, Throttle};
use crate::{gate, store};

pub async fn get(req: Request, ctx: Ctx) -> ApiResult<Response> {
    if !req.url()?.query_pairs().any(|(k, v)| k == "deep" && v == "1") {
        return Ok(Response::from_json(&HealthResponse { status: "ok".into() })?);
    }
    if !throttle::count(&ctx.env, Throttle::DeepHealth, &throttle::client_address(&req)).await? {
        return Err(throttle::too_many("Too many deep health checks from this address; try again in a minute."));
    }
    let d1 = d1_answers(&ctx.env).await;
    let object = gate::ping(&ctx.env).await;
    for (name, outcome) in [("d1", &d1), ("durable object", &object)] {
        if let Err(e) = outcome {
            worker::console_error!("health: {name} check failed: {e}");
        }
    }
    let answer = health::verdict(&[(Check::D1, d1.is_ok()), (Check::DurableObject, object.is_ok())]);
    Ok(Response::from_json(&answer)?.with_status(answer.http_status()))
}

/// A read of a table every request path uses (one row, whatever its size): the binding works and
/// the migrations ran.
async fn d1_answers(env: &Env) -> Result<(), String> {
    let db = store::database(env).map_err(|e| e.message().to_string())?;
    db.prepare("SELECT 1 AS n FROM users LIMIT 1").first::<serde_json::Value>(None).await.map_err(|e| e.to_string())?;
    Ok(())
}
