//! What every request passes before its route runs, and what a bearer failure costs after it
//! (ARCHITECTURE.md): a declared body over 64 KiB is refused unread, and a bot key is refused
//! unless its tag is a MAC under `MAC_KEY`, so a key the product never issued reaches no D1 row
//! and no KeyGate object. Bearer failures (here or later in the route: a revoked key, a
//! deactivated owner) are counted per client address; over the limit they answer 429.

use worker::{Env, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::mac::{MacKey, Purpose};
use crate::throttle::{self, Throttle};
use crate::{auth, request};

/// What the route needs to know afterwards.
pub struct Screened {
    /// The request authenticated with a bot key (a well-formed one with a good tag).
    bearer: bool,
    address: String,
}

/// Run before the route: `Err` is the answer (413, 401, 429, or 500 without `MAC_KEY`).
/// `capped`: the route reads bodies of at most 64 KiB (all but the proxy, which streams them).
pub async fn before(req: &Request, env: &Env, capped: bool) -> ApiResult<Screened> {
    if capped {
        request::check_length(req)?;
    }
    let address = throttle::client_address(req);
    let issued = match auth::bearer_key(req) {
        Ok(None) => return Ok(Screened { bearer: false, address }),
        Ok(Some(key)) => issued_by_us(env, &key)?,
        Err(_) => false,
    };
    if !issued {
        return Err(bearer_failure(env, &address).await);
    }
    Ok(Screened { bearer: true, address })
}

impl Screened {
    /// The request authenticated with a bot key whose tag is ours.
    pub fn bearer(&self) -> bool {
        self.bearer
    }
}

/// Run on the route's answer: a bearer request that ended `unauthenticated` counts as a failure.
pub async fn after(screened: &Screened, env: &Env, response: Response) -> worker::Result<Response> {
    if !screened.bearer || response.status_code() != 401 {
        return Ok(response);
    }
    match throttle::count(env, Throttle::Bearer, &screened.address).await {
        Ok(true) => Ok(response),
        Ok(false) => too_many_bearer().into_response(),
        Err(e) => e.into_response(),
    }
}

fn issued_by_us(env: &Env, key: &str) -> ApiResult<bool> {
    let Some(parts) = domain::api_key::parse(key) else { return Ok(false) };
    Ok(MacKey::from_env(env)?.verify(Purpose::ApiKey, parts.unsigned, parts.tag))
}

/// Count the failure; the answer is 401, or 429 once this address failed too often.
async fn bearer_failure(env: &Env, address: &str) -> ApiError {
    match throttle::count(env, Throttle::Bearer, address).await {
        Ok(true) => auth::unauthenticated(),
        Ok(false) => too_many_bearer(),
        Err(e) => e,
    }
}

fn too_many_bearer() -> ApiError {
    throttle::too_many("too many failed API key attempts from your address: wait a minute")
}
