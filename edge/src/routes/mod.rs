//! One file per API resource; handlers stay thin and leave rules to `domain`.

pub mod api_keys;
pub mod audit;
pub mod bootstrap;
pub mod config;
pub mod connections;
pub mod diagnostics;
pub mod discovery;
pub mod encryption;
pub mod health;
pub mod invitable_roles;
pub mod notifications;
pub mod oauth;
pub mod openapi;
pub mod providers;
pub mod proxy;
pub mod roles;
pub mod session;
pub mod tokens;
pub mod users;
pub mod webhooks;

/// What every handler gets besides the request: the environment, the path parameters and `Call`.
pub type Ctx = worker::RouteContext<Call>;

/// Per request: the one reading of the clock that every decision of the request uses, and the
/// event context.
pub struct Call {
    /// Seconds since the epoch when the request arrived.
    pub now: i64,
    /// The request's event context: work after the answer (`wait_until`), such as revoking
    /// dropped tokens at their provider.
    pub background: worker::Context,
}
