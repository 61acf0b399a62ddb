//! `GET /api/v1/config`: settings the SPA needs before sign-in, above all the callback URL that
//! administrators register at their providers.

use domain::api::ConfigResponse;
use domain::url::callback_url;
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::settings;

pub async fn get(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let origin = url::Url::parse(&settings::public_origin(&ctx.env, &req)?).map_err(ApiError::internal)?;
    Ok(Response::from_json(&ConfigResponse {
        product_name: domain::PRODUCT_NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        callback_url: callback_url(&origin).into(),
        endpoint_policy: settings::endpoint_policy(&ctx.env),
    })?)
}
