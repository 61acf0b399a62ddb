//! Webhook endpoints, their outbox of messages and every delivery attempt (migration 0010).
//! Messages are written by `enqueue` in the batch of the change they report; the endpoint's
//! courier (`courier.rs`) reads what is due and records each attempt here.

use domain::webhook::{AttemptView, DeliveryStatus, DeliveryView, ValidWebhook, WebhookEvent, WebhookView};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub enabled: i64,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    pub last_success_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, url, events, enabled, disabled_reason, secret, previous_secret, previous_secret_until,
    last_success_at, created_at, updated_at";

impl WebhookRow {
    /// The stored events; a name this code does not know fails the read (`store::unreadable`).
    pub fn events(&self) -> ApiResult<Vec<WebhookEvent>> {
        serde_json::from_str(&self.events).map_err(|e| ApiError::internal(format!("webhooks: unreadable row: {e}")))
    }

    pub fn valid(&self) -> ApiResult<ValidWebhook> {
        Ok(ValidWebhook { url: self.url.clone(), events: self.events()?, enabled: self.enabled != 0 })
    }

    /// The previous secret while it still signs.
    pub fn previous_secret(&self, now: i64) -> Option<&str> {
        self.previous_secret.as_deref().filter(|_| self.previous_secret_until.is_some_and(|until| until > now))
    }

    pub fn view(&self, now: i64) -> ApiResult<WebhookView> {
        Ok(WebhookView {
            id: self.id.clone(),
            url: self.url.clone(),
            events: self.events()?,
            enabled: self.enabled != 0,
            disabled_reason: self.disabled_reason.clone(),
            previous_secret_until: self.previous_secret(now).and(self.previous_secret_until),
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_success_at: self.last_success_at,
        })
    }
}

fn events_json(events: &[WebhookEvent]) -> ApiResult<String> {
    serde_json::to_string(events).map_err(ApiError::internal)
}

pub async fn list(db: &D1Database, cursor: &str, limit: u32) -> ApiResult<Vec<WebhookRow>> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id > ?1 ORDER BY id LIMIT ?2");
    Ok(query!(db, &sql, cursor, limit)?.all().await?.results::<WebhookRow>()?)
}

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<WebhookRow>> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1");
    Ok(query!(db, &sql, id)?.first::<WebhookRow>(None).await?)
}

pub fn insert(
    db: &D1Database,
    id: &str,
    valid: &ValidWebhook,
    sealed_secret: &str,
    created_by: &str,
    now: i64,
) -> ApiResult<D1PreparedStatement> {
    let events = events_json(&valid.events)?;
    Ok(query!(
        db,
        "INSERT INTO webhooks (id, url, events, enabled, secret, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        id,
        valid.url,
        events,
        i64::from(valid.enabled),
        sealed_secret,
        created_by,
        now
    )?)
}

/// URL, events and enabled flag; enabling clears why the product had disabled it.
pub fn update(db: &D1Database, id: &str, valid: &ValidWebhook, now: i64) -> ApiResult<D1PreparedStatement> {
    let events = events_json(&valid.events)?;
    Ok(query!(
        db,
        "UPDATE webhooks SET url = ?2, events = ?3, enabled = ?4,
           disabled_reason = CASE WHEN ?4 = 1 THEN NULL ELSE disabled_reason END, updated_at = ?5
         WHERE id = ?1",
        id,
        valid.url,
        events,
        i64::from(valid.enabled),
        now
    )?)
}

pub fn delete(db: &D1Database, id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM webhooks WHERE id = ?1", id)?)
}

/// A new secret; the one before (sealed again for its new column) signs too until `until`.
pub fn roll(
    db: &D1Database,
    id: &str,
    secret: &str,
    previous: &str,
    until: i64,
    now: i64,
) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE webhooks SET secret = ?2, previous_secret = ?3, previous_secret_until = ?4, updated_at = ?5
         WHERE id = ?1",
        id,
        secret,
        previous,
        until,
        now
    )?)
}

/// Disabled by the product (every attempt of a message failed, nothing reached it meanwhile).
pub fn disable_failing(db: &D1Database, id: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE webhooks SET enabled = 0, disabled_reason = 'failing', updated_at = ?2 WHERE id = ?1 AND enabled = 1",
        id,
        now
    )?)
}

/// A new message id in SQL: time-ordered (`?3` is now in ms), then randomness.
const NEW_MESSAGE_ID: &str = "'msg_' || printf('%012x', ?3) || lower(hex(randomblob(8)))";

/// The outbox rows of one event: one message per enabled endpoint subscribed to it, to run in
/// the batch of the change. Returns the endpoints reached (`RETURNING webhook_id`), to kick.
pub fn enqueue(db: &D1Database, event: WebhookEvent, body: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "INSERT INTO webhook_messages (id, webhook_id, event, body, created_at, next_attempt_at)
         SELECT {NEW_MESSAGE_ID}, w.id, ?1, ?2, ?3, ?3 FROM webhooks w
         WHERE w.enabled = 1 AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = ?1)
         RETURNING webhook_id"
    );
    Ok(query!(db, &sql, event, body, now_ms)?)
}

/// One message to one endpoint (a test event), whatever it is subscribed to.
pub fn enqueue_to(
    db: &D1Database,
    webhook_id: &str,
    event: WebhookEvent,
    body: &str,
    now_ms: i64,
) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "INSERT INTO webhook_messages (id, webhook_id, event, body, created_at, next_attempt_at)
         SELECT {NEW_MESSAGE_ID}, w.id, ?1, ?2, ?3, ?3 FROM webhooks w WHERE w.id = ?4
         RETURNING webhook_id"
    );
    Ok(query!(db, &sql, event, body, now_ms, webhook_id)?)
}

/// Who an `enqueue` statement reached.
#[derive(Debug, Deserialize)]
pub struct Reached {
    pub webhook_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageRow {
    pub id: String,
    pub body: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// Pending messages of an endpoint due by `now_ms`, oldest first.
pub async fn due(db: &D1Database, webhook_id: &str, now_ms: i64, limit: u32) -> ApiResult<Vec<MessageRow>> {
    Ok(query!(
        db,
        "SELECT id, body, attempts, created_at FROM webhook_messages
         WHERE webhook_id = ?1 AND status = 'pending' AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3",
        webhook_id,
        now_ms,
        limit
    )?
    .all()
    .await?
    .results::<MessageRow>()?)
}

/// When the endpoint's next pending message is due (ms), if any.
pub async fn next_due(db: &D1Database, webhook_id: &str) -> ApiResult<Option<i64>> {
    Ok(query!(
        db,
        "SELECT min(next_attempt_at) AS at FROM webhook_messages WHERE webhook_id = ?1 AND status = 'pending'",
        webhook_id
    )?
    .first::<Option<i64>>(Some("at"))
    .await?
    .flatten())
}

/// Enabled endpoints with a message due by `now_ms` (the cron kicks them: a lost kick is late,
/// never lost).
pub async fn endpoints_due(db: &D1Database, now_ms: i64) -> ApiResult<Vec<String>> {
    Ok(query!(
        db,
        "SELECT DISTINCT m.webhook_id FROM webhook_messages m JOIN webhooks w ON w.id = m.webhook_id AND w.enabled = 1
         WHERE m.status = 'pending' AND m.next_attempt_at <= ?1 LIMIT 100",
        now_ms
    )?
    .all()
    .await?
    .results::<Reached>()?
    .into_iter()
    .map(|r| r.webhook_id)
    .collect())
}

/// One attempt as it happened.
pub struct Attempt<'a> {
    pub id: &'a str,
    pub message_id: &'a str,
    pub at: i64,
    pub status: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
}

/// What an attempt leaves the message as.
pub enum After {
    Delivered,
    RetryAt(i64),
    GaveUp,
}

/// The attempt's row and the message's new state (and, when it went through, the endpoint's
/// last success), in one batch.
pub fn record_attempt(
    db: &D1Database,
    webhook_id: &str,
    attempt: &Attempt<'_>,
    after: &After,
) -> ApiResult<Vec<D1PreparedStatement>> {
    let success = matches!(after, After::Delivered);
    let mut batch = vec![query!(
        db,
        "INSERT INTO webhook_attempts (id, message_id, at, status, duration_ms, success, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        attempt.id,
        attempt.message_id,
        attempt.at,
        attempt.status,
        attempt.duration_ms,
        i64::from(success),
        attempt.error
    )?];
    let (status, next) = match after {
        After::Delivered => (DeliveryStatus::Delivered, None),
        After::RetryAt(at) => (DeliveryStatus::Pending, Some(*at)),
        After::GaveUp => (DeliveryStatus::Failed, None),
    };
    batch.push(query!(
        db,
        "UPDATE webhook_messages SET status = ?2, next_attempt_at = ?3,
           attempts = CASE WHEN ?2 = 'delivered' THEN attempts ELSE attempts + 1 END
         WHERE id = ?1",
        attempt.message_id,
        status,
        next
    )?);
    if success {
        batch.push(query!(db, "UPDATE webhooks SET last_success_at = ?2 WHERE id = ?1", webhook_id, attempt.at)?);
    }
    Ok(batch)
}

/// Send a message again from the start of the schedule, with the same id and body. False when
/// the endpoint has no such message.
pub async fn redeliver(db: &D1Database, webhook_id: &str, message_id: &str, now_ms: i64) -> ApiResult<bool> {
    let result = query!(
        db,
        "UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = ?3
         WHERE id = ?2 AND webhook_id = ?1",
        webhook_id,
        message_id,
        now_ms
    )?
    .run()
    .await?;
    Ok(super::changed(&result))
}

#[derive(Deserialize)]
struct DeliveryRow {
    id: String,
    event: WebhookEvent,
    status: DeliveryStatus,
    created_at: i64,
    next_attempt_at: Option<i64>,
    attempts: String,
}

#[derive(Deserialize)]
struct AttemptRow {
    at: i64,
    status: Option<u16>,
    duration_ms: i64,
    success: i64,
    error: Option<String>,
}

/// An endpoint's messages, newest first (before `cursor`, a message id), each with its newest
/// attempts.
pub async fn deliveries(db: &D1Database, webhook_id: &str, cursor: &str, limit: u32) -> ApiResult<Vec<DeliveryView>> {
    let rows = query!(
        db,
        "SELECT m.id, m.event, m.status, m.created_at, m.next_attempt_at,
           (SELECT json_group_array(json_object('at', a.at, 'status', a.status, 'duration_ms', a.duration_ms,
                                                'success', a.success, 'error', a.error))
            FROM (SELECT * FROM webhook_attempts WHERE message_id = m.id ORDER BY at DESC, id DESC LIMIT ?4) a) AS attempts
         FROM webhook_messages m
         WHERE m.webhook_id = ?1 AND (?2 = '' OR m.id < ?2) ORDER BY m.id DESC LIMIT ?3",
        webhook_id,
        cursor,
        limit,
        domain::webhook::ATTEMPTS_SHOWN as u32
    )?
    .all()
    .await?
    .results::<DeliveryRow>()
    .map_err(super::unreadable("webhook_messages"))?;
    Ok(rows
        .into_iter()
        .map(|r| DeliveryView {
            id: r.id,
            event: r.event,
            status: r.status,
            created_at: r.created_at,
            next_attempt_at: r.next_attempt_at,
            attempts: super::json_list::<AttemptRow>(&r.attempts)
                .into_iter()
                .map(|a| AttemptView {
                    at: a.at,
                    status: a.status,
                    duration_ms: a.duration_ms,
                    success: a.success != 0,
                    error: a.error,
                })
                .collect(),
        })
        .collect())
}
