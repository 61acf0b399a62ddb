//! `GET /api/v1/notifications`, `POST /api/v1/notifications/{id}/read`,
//! `POST /api/v1/notifications/read` (all of mine),
//! `GET/PUT /api/v1/me/subscriptions`: my feed and the kinds I want in it.

use domain::api::{MarkedRead, NotificationsResponse, SubscriptionsBody};
use domain::audit::{AuditAction, TargetKind};
use domain::notification::NotificationKind;
use serde_json::json;
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::store::{self, audit, notifications};
use crate::{auth, request};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let limit = store::page_limit(request::query(&req, "limit")?.as_deref());
    let cursor = request::query(&req, "cursor")?.filter(|c| !c.is_empty());
    let items = notifications::list(&db, &me.user_id, cursor.as_deref(), limit).await?;
    let next_cursor = store::next_cursor(&items, limit, |n| n.id.clone());
    let unread = notifications::unread(&db, &me.user_id).await?;
    Ok(Response::from_json(&NotificationsResponse { items, unread, next_cursor })?)
}

pub async fn mark_read(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    if !notifications::mark_read(&db, &me.user_id, id, ctx.data.now).await? {
        return Err(ApiError::not_found("no such notification"));
    }
    Ok(Response::empty()?.with_status(204))
}

pub async fn mark_all_read(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let marked = notifications::mark_all_read(&db, &me.user_id, ctx.data.now).await?;
    Ok(Response::from_json(&MarkedRead { marked })?)
}

pub async fn subscriptions(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let opted_out = notifications::opt_outs(&db, &me.user_id).await?;
    let subscribed = NotificationKind::ALL.into_iter().filter(|k| !opted_out.contains(k)).collect();
    Ok(Response::from_json(&SubscriptionsBody { subscribed })?)
}

pub async fn set_subscriptions(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let body: SubscriptionsBody = request::json(&mut req).await?;
    let opted_out: Vec<NotificationKind> =
        NotificationKind::ALL.into_iter().filter(|k| !body.subscribed.contains(k)).collect();
    let mut batch = notifications::set_opt_outs(&db, &me.user_id, &opted_out)?;
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::SubscriptionsUpdate,
        (TargetKind::User, &me.user_id),
        json!({"subscribed": body.subscribed}),
        ctx.data.now,
    )?);
    db.batch(batch).await?;
    let subscribed = NotificationKind::ALL.into_iter().filter(|k| !opted_out.contains(k)).collect();
    Ok(Response::from_json(&SubscriptionsBody { subscribed })?)
}
