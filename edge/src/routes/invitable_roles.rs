//! `GET /api/v1/invitable-roles`: the custom roles a connection manager may invite, with no
//! member lists (the roles admin pages are for admins).

use domain::api::{InvitableRole, ListResponse};
use worker::{Request, Response};

use crate::error::ApiResult;
use crate::routes::Ctx;
use crate::store::{self, roles};
use crate::{auth, request};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    if !me.grants.can_manage_connections() {
        return Err(auth::forbidden());
    }
    let q = request::query(&req, "q")?.unwrap_or_default();
    let items: Vec<InvitableRole> = roles::list(&db, q.trim(), "", 100)
        .await?
        .into_iter()
        .map(|r| r.view())
        .filter(|r| !r.system)
        .map(|r| InvitableRole { id: r.id, name: r.name, description: r.description, member_count: r.member_ids.len() })
        .collect();
    Ok(Response::from_json(&ListResponse { items, next_cursor: None })?)
}
