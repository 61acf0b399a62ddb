//! `POST /api/v1/discovery {issuer}`: what an issuer's metadata fills in the wizard
//! (`domain::discovery`). For people who may create connections; nothing is stored.

use domain::discovery::{self, DiscoveryFailure, DiscoveryRequest};
use domain::error::ErrorCode;
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::{auth, oauth, request, settings, store};

pub async fn post(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_connection_manager(&req, &db, ctx.data.now).await?;
    let body: DiscoveryRequest = request::json(&mut req).await?;
    let found = discover(&ctx.env, &body.issuer).await?;
    Ok(Response::from_json(&found)?)
}

/// Check the issuer, fetch and judge its metadata; failures as API errors about `issuer` whose
/// `reason` is the `DiscoveryFailure` name.
pub async fn discover(env: &worker::Env, issuer: &str) -> ApiResult<domain::discovery::Discovered> {
    let policy = settings::endpoint_policy(env);
    let issuer = discovery::asked_issuer(issuer, policy).map_err(ApiError::from_field)?;
    let limits = oauth::http::Outbound { timeout: settings::provider_timeout(env), policy };
    oauth::discovery::discover(&issuer, limits).await.map_err(|failure| {
        let code = match failure {
            DiscoveryFailure::NotReachable => ErrorCode::ProviderUnavailable,
            _ => ErrorCode::ProviderError,
        };
        ApiError::new(code, failure.message()).with_field("issuer").with_reason(failure.as_str())
    })
}
