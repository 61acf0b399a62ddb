//! Deployment settings read from worker vars (`wrangler.toml` `[vars]`, `--var`, `.dev.vars`).

use worker::{Env, Request};

use crate::error::{ApiError, ApiResult};

/// The public origin when the worker sits behind something that rewrites the host.
pub fn public_url(env: &Env) -> Option<String> {
    env.var("PUBLIC_URL").ok().map(|v| v.to_string())
}

/// The origin browsers see: `PUBLIC_URL` when set, else the request's own.
pub fn public_origin(env: &Env, req: &Request) -> ApiResult<String> {
    let origin = domain::url::public_origin(public_url(env).as_deref(), req.url()?.as_str())
        .map_err(|e| ApiError::internal(format!("PUBLIC_URL or request origin unusable: {e}")))?;
    Ok(origin.as_str().trim_end_matches('/').to_string())
}

/// Test-only routes (`/api/v1/_test/*`) answer only when the test harness sets `TEST_ROUTES=1`;
/// `wrangler.toml` never does, so a deployment has them switched off.
pub fn test_routes_enabled(env: &Env) -> bool {
    env.var("TEST_ROUTES").map(|v| v.to_string() == "1").unwrap_or(false)
}

/// The secret that allows creating the first admin (`POST /api/v1/bootstrap`).
pub fn bootstrap_token(env: &Env) -> Option<String> {
    env.secret("BOOTSTRAP_TOKEN")
        .ok()
        .map(|v| v.to_string())
        .or_else(|| env.var("BOOTSTRAP_TOKEN").ok().map(|v| v.to_string()))
        .filter(|t| t.len() >= 16)
}

/// Validity assumed for a token response without `expires_in` (`DEFAULT_TOKEN_TTL_SECONDS`).
pub fn default_token_ttl(env: &Env) -> i64 {
    env.var("DEFAULT_TOKEN_TTL_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .filter(|s: &i64| *s > 0)
        .unwrap_or(domain::token::DEFAULT_TTL_SECONDS)
}

/// Deadline of one provider call: `PROVIDER_TIMEOUT_MS`, default 10 s.
pub fn provider_timeout(env: &Env) -> std::time::Duration {
    let ms = env.var("PROVIDER_TIMEOUT_MS").ok().and_then(|v| v.to_string().parse::<u64>().ok()).filter(|m| *m > 0);
    ms.map_or(crate::oauth::http::DEFAULT_TIMEOUT, std::time::Duration::from_millis)
}
