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

/// Where stored and fetched URLs may point: public https hosts only, unless the deployment opts
/// in to private and loopback addresses with `ALLOW_PRIVATE_ENDPOINTS=1` (`cargo xtask dev` and
/// the tests do, for a local authorization server; `wrangler.toml` never does).
pub fn endpoint_policy(env: &Env) -> domain::endpoint::EndpointPolicy {
    if env.var("ALLOW_PRIVATE_ENDPOINTS").is_ok_and(|v| v.to_string() == "1") {
        domain::endpoint::EndpointPolicy::AllowPrivate
    } else {
        domain::endpoint::EndpointPolicy::PublicOnly
    }
}

/// At most one refresh per token per this many seconds (`REFRESH_MIN_INTERVAL_SECONDS`, default
/// `domain::token::MIN_REFRESH_INTERVAL_SECONDS`; tests that rotate on purpose set 0).
pub fn refresh_interval(env: &Env) -> i64 {
    seconds_var(env, "REFRESH_MIN_INTERVAL_SECONDS").unwrap_or(domain::token::MIN_REFRESH_INTERVAL_SECONDS)
}

/// The first webhook retry's delay in ms, doubling after (`WEBHOOK_RETRY_BASE_MS`, default
/// `domain::webhook::DEFAULT_RETRY_BASE_MS`; tests shorten a day's schedule to seconds).
pub fn webhook_retry_base_ms(env: &Env) -> i64 {
    seconds_var(env, "WEBHOOK_RETRY_BASE_MS").unwrap_or(domain::webhook::DEFAULT_RETRY_BASE_MS)
}

/// Deadline of one webhook delivery: `WEBHOOK_TIMEOUT_MS`, default 10 s.
pub fn webhook_timeout(env: &Env) -> std::time::Duration {
    let ms = env.var("WEBHOOK_TIMEOUT_MS").ok().and_then(|v| v.to_string().parse::<u64>().ok()).filter(|m| *m > 0);
    ms.map_or(WEBHOOK_TIMEOUT, std::time::Duration::from_millis)
}

/// Standard Webhooks asks receivers to answer quickly; 10 s is generous and keeps one hanging
/// receiver from holding its courier long.
const WEBHOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a Durable Object trusts what it read about access (a key's owner and usable
/// connections, a vault's token) before it reads D1 again, even if every reset was lost.
pub const ACCESS_MEMORY_SECONDS: i64 = 60;

/// `ACCESS_MEMORY_SECONDS` (tests shorten it), at most the default.
pub fn access_memory(env: &Env) -> i64 {
    seconds_var(env, "ACCESS_MEMORY_SECONDS")
        .filter(|s| *s > 0)
        .unwrap_or(ACCESS_MEMORY_SECONDS)
        .min(ACCESS_MEMORY_SECONDS)
}

fn seconds_var(env: &Env, name: &str) -> Option<i64> {
    env.var(name).ok().and_then(|v| v.to_string().parse::<i64>().ok()).filter(|s| *s >= 0)
}
