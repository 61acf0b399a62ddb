//! Strangers are throttled per client address (ARCHITECTURE.md) with Cloudflare's Rate Limiting
//! binding (`[[ratelimits]]` in wrangler.toml): counters live in Cloudflare's memory, so counting
//! costs no D1 write and a flood touches no storage.
//!
//! - `SignIn` counts every sign-in attempt before the password is hashed: online guessing from
//!   one address is bounded, and so is the CPU a stranger can make us spend on argon2.
//! - `Bearer` counts only failed bearer attempts (bad tag, malformed, revoked): a good key is
//!   never slowed, a scanner is.
//! - `DeepHealth` counts `/api/v1/health?deep=1`, which costs a D1 read and an object round trip
//!   and needs no credential: monitors stay far below it, a flood is cut off.

use worker::{Env, Request};

use crate::error::{ApiError, ApiResult};

/// The period of every limit in wrangler.toml: how long a refused client should wait.
pub const RETRY_AFTER_SECONDS: u32 = 60;

#[derive(Debug, Clone, Copy)]
pub enum Throttle {
    SignIn,
    Bearer,
    DeepHealth,
}

impl Throttle {
    fn binding(self) -> &'static str {
        match self {
            Throttle::SignIn => "SIGN_IN_LIMIT",
            Throttle::Bearer => "BEARER_LIMIT",
            Throttle::DeepHealth => "DEEP_HEALTH_LIMIT",
        }
    }
}

/// The caller's address. On Cloudflare the edge sets `CF-Connecting-IP` and a client cannot
/// choose it; `wrangler dev` sets 127.0.0.1 when a request has none.
/// IPv6 callers are counted by their /64 (`domain::address::throttle_key`).
pub fn client_address(req: &Request) -> String {
    let address = req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_else(|| "unknown".into());
    domain::address::throttle_key(&address)
}

/// Count one event for `address`; `false` when the address is over its limit.
pub async fn count(env: &Env, throttle: Throttle, address: &str) -> ApiResult<bool> {
    let limiter = env
        .rate_limiter(throttle.binding())
        .map_err(|e| ApiError::internal(format!("rate limit binding {} missing: {e}", throttle.binding())))?;
    let outcome = limiter.limit(address.to_string()).await.map_err(ApiError::internal)?;
    Ok(outcome.success)
}

/// The answer over a limit: 429 `too_many_attempts` with `Retry-After`.
pub fn too_many(message: &str) -> ApiError {
    ApiError::new(domain::error::ErrorCode::TooManyAttempts, message).with_retry_after(RETRY_AFTER_SECONDS)
}
