//! Wire types shared by the SPA and the worker: `<Thing>Response` for what the API returns.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    pub status: String,
}

/// `GET /api/v1/config`: what the SPA needs before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigResponse {
    pub product_name: String,
    pub version: String,
    /// The redirect URI to register at every provider.
    pub callback_url: String,
}

/// `GET /api/v1/_test/discovery` (test builds only): what the worker read from an issuer's
/// discovery document, proving it can reach the provider through `worker::Fetch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryProbeResponse {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
}
