//! `GET /api/v1/providers`: the catalogue the wizard builds its first two steps from.

use domain::api::{ListResponse, ProviderView};
use domain::provider::CATALOGUE;
use worker::{Request, Response};

use crate::error::ApiResult;
use crate::routes::Ctx;
use crate::{auth, store};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require(&req, &db, ctx.data.now).await?;
    let items: Vec<ProviderView> = CATALOGUE.iter().map(ProviderView::from).collect();
    Ok(Response::from_json(&ListResponse { items, next_cursor: None })?)
}
