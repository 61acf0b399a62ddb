//! Deployment settings read from worker vars (`wrangler.toml` `[vars]`, `--var`, `.dev.vars`).

use worker::Env;

/// The public origin when the worker sits behind something that rewrites the host.
pub fn public_url(env: &Env) -> Option<String> {
    env.var("PUBLIC_URL").ok().map(|v| v.to_string())
}

/// Test-only routes (`/api/v1/_test/*`) answer only when the test harness sets `TEST_ROUTES=1`;
/// `wrangler.toml` never does, so a deployment has them switched off.
pub fn test_routes_enabled(env: &Env) -> bool {
    env.var("TEST_ROUTES").map(|v| v.to_string() == "1").unwrap_or(false)
}
