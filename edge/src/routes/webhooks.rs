//! `/api/v1/webhooks`: admins register endpoints (URL under the outbound URL rule, the events
//! wanted, enabled), roll their signing secret, send a test event, see every delivery with its
//! attempts, and redeliver one. The secret is shown once, at creation and at each roll; D1 keeps
//! it sealed. Delivery itself is `courier.rs`.

use domain::api::ListResponse;
use domain::audit::{AuditAction, TargetKind};
use domain::webhook::{
    self, ROLL_OVERLAP_SECONDS, RedeliverRequest, WebhookEvent, WebhookInput, WebhookSecretResponse,
};
use serde_json::json;
use worker::{D1Database, Env, Request, Response};

use crate::auth;
use crate::courier;
use crate::envelope::{KeyRing, Place};
use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::store::webhooks::{self as rows, WebhookRow};
use crate::store::{self, audit};
use crate::{crypto, request, settings, signing};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    let request::ListParams { cursor, limit, .. } = request::list_params(&req)?;
    let found = rows::list(&db, &cursor, limit).await?;
    let next_cursor = store::next_cursor(&found, limit, |r| r.id.clone());
    let items = found.iter().map(|r| r.view(ctx.data.now)).collect::<ApiResult<Vec<_>>>()?;
    Ok(Response::from_json(&ListResponse { items, next_cursor })?)
}

pub async fn get(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    Ok(Response::from_json(&find(&db, &ctx).await?.view(ctx.data.now)?)?)
}

pub async fn create(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let input: WebhookInput = request::json(&mut req).await?;
    let valid = webhook::validate(&input, None, settings::endpoint_policy(&ctx.env)).map_err(ApiError::from_field)?;
    let id = crypto::new_id()?;
    let secret = signing::new_secret()?;
    let sealed = seal(&ctx.env, &id, "secret", secret.expose())?;
    let now = ctx.data.now;
    db.batch(vec![
        rows::insert(&db, &id, &valid, &sealed, &me.user_id, now)?,
        audit::by(
            &db,
            &me,
            AuditAction::WebhookCreate,
            (TargetKind::Webhook, &id),
            json!({"url": valid.url, "events": valid.events, "enabled": valid.enabled}),
            now,
        )?,
    ])
    .await?;
    let webhook = rows::by_id(&db, &id).await?.ok_or_else(|| ApiError::internal("new webhook vanished"))?.view(now)?;
    Ok(Response::from_json(&WebhookSecretResponse { webhook, secret })?.with_status(201))
}

pub async fn update(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let input: WebhookInput = request::json(&mut req).await?;
    let row = find(&db, &ctx).await?;
    let current = row.valid()?;
    let valid =
        webhook::validate(&input, Some(&current), settings::endpoint_policy(&ctx.env)).map_err(ApiError::from_field)?;
    let now = ctx.data.now;
    db.batch(vec![
        rows::update(&db, &row.id, &valid, now)?,
        audit::by(
            &db,
            &me,
            AuditAction::WebhookUpdate,
            (TargetKind::Webhook, &row.id),
            json!({"url": valid.url, "events": valid.events, "enabled": valid.enabled}),
            now,
        )?,
    ])
    .await?;
    // Enabled again: what waited meanwhile goes out now.
    if valid.enabled {
        courier::kick(&ctx.env, &row.id).await;
    }
    Ok(Response::from_json(&reread(&db, &row.id, now).await?)?)
}

pub async fn delete(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let row = find(&db, &ctx).await?;
    // Its messages and attempts go with it (cascade); the audit row stays.
    db.batch(vec![
        rows::delete(&db, &row.id)?,
        audit::by(
            &db,
            &me,
            AuditAction::WebhookDelete,
            (TargetKind::Webhook, &row.id),
            json!({"url": row.url}),
            ctx.data.now,
        )?,
    ])
    .await?;
    Ok(Response::empty()?.with_status(204))
}

/// `POST /api/v1/webhooks/{id}/roll-secret`: a new secret, shown once; the one before keeps
/// signing next to it for `ROLL_OVERLAP_SECONDS`.
pub async fn roll_secret(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let row = find(&db, &ctx).await?;
    let ring = KeyRing::from_env(&ctx.env)?;
    let current = ring.open(&row.secret, &Place { table: "webhooks", row: &row.id, column: "secret" })?;
    let secret = signing::new_secret()?;
    let now = ctx.data.now;
    let until = now + ROLL_OVERLAP_SECONDS;
    db.batch(vec![
        rows::roll(
            &db,
            &row.id,
            &seal(&ctx.env, &row.id, "secret", secret.expose())?,
            &seal(&ctx.env, &row.id, "previous_secret", current.expose())?,
            until,
            now,
        )?,
        audit::by(
            &db,
            &me,
            AuditAction::WebhookRollSecret,
            (TargetKind::Webhook, &row.id),
            json!({"previous_until": until}),
            now,
        )?,
    ])
    .await?;
    let webhook = reread(&db, &row.id, now).await?;
    Ok(Response::from_json(&WebhookSecretResponse { webhook, secret })?)
}

/// `POST /api/v1/webhooks/{id}/test`: a `webhook.test` message to this endpoint, whatever it is
/// subscribed to; 202 with its id.
pub async fn send_test(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let row = find(&db, &ctx).await?;
    let now = ctx.data.now;
    let o = courier::occurrence(WebhookEvent::Test, None, &me.actor(), now, json!({"webhook_id": row.id}));
    let body = webhook::payload(&o);
    db.batch(vec![
        rows::enqueue_to(&db, &row.id, WebhookEvent::Test, &body, worker::Date::now().as_millis() as i64)?,
        audit::by(
            &db,
            &me,
            AuditAction::WebhookSend,
            (TargetKind::Webhook, &row.id),
            json!({"event": WebhookEvent::Test}),
            now,
        )?,
    ])
    .await?;
    courier::kick(&ctx.env, &row.id).await;
    Ok(Response::from_json(&json!({"queued": true}))?.with_status(202))
}

/// `POST /api/v1/webhooks/{id}/redeliver {delivery_id}`: the message again, same id and body,
/// from the start of the schedule.
pub async fn redeliver(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let body: RedeliverRequest = request::json(&mut req).await?;
    let row = find(&db, &ctx).await?;
    if !rows::redeliver(&db, &row.id, &body.delivery_id, worker::Date::now().as_millis() as i64).await? {
        return Err(ApiError::not_found("no such delivery for this webhook"));
    }
    audit::record(
        &db,
        audit::by_event(
            &me,
            AuditAction::WebhookSend,
            (TargetKind::Webhook, &row.id),
            json!({"delivery_id": body.delivery_id}),
            ctx.data.now,
        ),
    )
    .await?;
    courier::kick(&ctx.env, &row.id).await;
    Ok(Response::from_json(&json!({"queued": true}))?.with_status(202))
}

/// `GET /api/v1/webhooks/{id}/deliveries`: newest first, cursor paged, each with its attempts.
pub async fn deliveries(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    let row = find(&db, &ctx).await?;
    let request::ListParams { cursor, limit, .. } = request::list_params(&req)?;
    let items = rows::deliveries(&db, &row.id, &cursor, limit).await?;
    let next_cursor = store::next_cursor(&items, limit, |d| d.id.clone());
    Ok(Response::from_json(&ListResponse { items, next_cursor })?)
}

async fn find(db: &D1Database, ctx: &Ctx) -> ApiResult<WebhookRow> {
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    rows::by_id(db, id).await?.ok_or_else(|| ApiError::not_found("no such webhook"))
}

async fn reread(db: &D1Database, id: &str, now: i64) -> ApiResult<webhook::WebhookView> {
    rows::by_id(db, id).await?.ok_or_else(|| ApiError::not_found("no such webhook"))?.view(now)
}

fn seal(env: &Env, id: &str, column: &str, secret: &str) -> ApiResult<String> {
    let place = Place { table: "webhooks", row: id, column };
    Ok(KeyRing::from_env(env)?.seal(secret, &place, crypto::random_bytes::<12>()?)?)
}
