//! `GET /api/v1/audit?actor=&action=&target=&since=&until=&cursor=&limit=`: admins only.

use domain::api::ListResponse;
use domain::audit::ActionFilter;
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::store;
use crate::store::audit_log::{self, AuditFilter};
use crate::{auth, request};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    let q = |name: &str| request::query(&req, name).map(|v| v.filter(|s| !s.trim().is_empty()));
    let time = |name: &str| -> ApiResult<Option<i64>> {
        q(name)?
            .map(|v| v.parse::<i64>().map_err(|_| ApiError::validation(name, "use seconds since the epoch")))
            .transpose()
    };
    let (actor, action, target, cursor) = (q("actor")?, q("action")?, q("target")?, q("cursor")?);
    let action = action.as_deref().map(ActionFilter::parse).transpose().map_err(ApiError::from_field)?;
    let filter = AuditFilter {
        actor: actor.as_deref(),
        action,
        target: target.as_deref(),
        since: time("since")?,
        until: time("until")?,
        cursor: cursor.as_deref(),
        limit: store::page_limit(request::query(&req, "limit")?.as_deref()),
    };
    let items = audit_log::list(&db, &filter).await?;
    let next_cursor = store::next_cursor(&items, filter.limit, |e| e.id.clone());
    Ok(Response::from_json(&ListResponse { items, next_cursor })?)
}
