//! Webhook delivery. A change that is an event writes its messages to D1's outbox
//! (`webhook_messages`) in its own batch (`enqueue`), then kicks the courier of every endpoint it
//! reached and answers: the kick only sets the object's alarm, so no request waits for a
//! receiver. The **WebhookCourier** Durable Object (one per endpoint, named by its id) delivers
//! from its alarm: every due message, signed (`signing.rs`), each attempt recorded with its
//! status and duration; a failure is retried on `domain::webhook::retry_delay_ms`'s schedule,
//! and an endpoint that fails a message's whole schedule with nothing delivered meanwhile is
//! disabled, audited and its admins notified. At least once: a message leaves the outbox only
//! delivered or given up, an alarm that throws is retried by the runtime, and the cron kicks
//! any endpoint with a message overdue (a lost kick is late, never lost).

use std::collections::BTreeSet;

use domain::audit::{AuditAction, TargetKind};
use domain::notification::NotificationKind;
use domain::webhook::{self, EventActor, EventConnection, Occurrence, WebhookEvent};
use serde_json::json;
use worker::{D1Database, D1PreparedStatement, D1Result, DurableObject, Env, Request, Response, State, durable_object};

use crate::envelope::{KeyRing, Place};
use crate::error::{ApiError, ApiResult};
use crate::oauth::http::{self, HttpError, Outbound};
use crate::rpc::{self, Reply, error_reply};
use crate::store::audit::{self, Actor, Event};
use crate::store::webhooks::{self as rows, After, Attempt, MessageRow, Reached, WebhookRow};
use crate::store::{self, notifications};
use crate::{clock, crypto, rpc_export, settings, signing};

/// The object namespace (`wrangler.toml`).
const BINDING: &str = "WEBHOOK_COURIER";
/// Messages read per round of an alarm.
const ROUND: u32 = 10;
/// Rounds per alarm before it yields to a new alarm.
const ROUNDS: usize = 5;

/// An event as the routes and the vault report it.
pub fn occurrence(
    event: WebhookEvent,
    connection: Option<(&str, &str)>,
    actor: &Actor,
    at: i64,
    detail: serde_json::Value,
) -> Occurrence {
    Occurrence {
        event,
        connection: connection.map(|(id, name)| EventConnection { id: id.to_string(), name: name.to_string() }),
        actor: EventActor { kind: actor.kind, id: actor.id.clone() },
        at,
        detail,
    }
}

/// Where in a batch the outbox statement of an event sits, to kick what it reached.
#[must_use = "kick the endpoints once the batch is written"]
pub struct Enqueued(usize);

/// Add the outbox rows of `o` to `batch` (the batch of the change itself).
pub fn enqueue(db: &D1Database, batch: &mut Vec<D1PreparedStatement>, o: &Occurrence) -> ApiResult<Enqueued> {
    batch.push(rows::enqueue(db, o.event, &webhook::payload(o), now_ms())?);
    Ok(Enqueued(batch.len() - 1))
}

impl Enqueued {
    /// Kick the couriers of the endpoints the event reached. Never fails the change, which is
    /// written: a courier not kicked now is kicked by the cron.
    pub async fn kick(self, env: &Env, results: &[D1Result]) {
        let reached = results.get(self.0).map(|r| r.results::<Reached>());
        let ids: BTreeSet<String> = match reached {
            Some(Ok(reached)) => reached.into_iter().map(|r| r.webhook_id).collect(),
            Some(Err(e)) => {
                worker::console_error!("webhooks: enqueued rows unreadable: {e}");
                return;
            }
            None => return,
        };
        for id in ids {
            kick(env, &id).await;
        }
    }
}

/// Wake one endpoint's courier (logged, never thrown: the cron retries).
pub async fn kick(env: &Env, webhook_id: &str) {
    match rpc::call(env, BINDING, webhook_id, "kick", webhook_id).await {
        Ok(reply) if reply.status < 300 => {}
        Ok(reply) => worker::console_error!("webhooks: kick of {webhook_id} answered {}", reply.status),
        Err(e) => worker::console_error!("webhooks: kick of {webhook_id} failed: {e}"),
    }
}

/// The cron's part: kick every enabled endpoint with a message overdue.
pub async fn kick_overdue(env: &Env, db: &D1Database) -> ApiResult<usize> {
    let due = rows::endpoints_due(db, now_ms()).await?;
    for id in &due {
        kick(env, id).await;
    }
    Ok(due.len())
}

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

#[durable_object]
pub struct WebhookCourier {
    state: State,
    env: Env,
}

impl DurableObject for WebhookCourier {
    fn new(state: State, env: Env) -> Self {
        WebhookCourier { state, env }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        rpc::fetch_as_call(req, |op, body| async move { self.handle(&op, &body).await }).await
    }

    async fn alarm(&self) -> worker::Result<Response> {
        match self.deliver_due().await {
            Ok(()) => Response::empty(),
            // Thrown, so the runtime retries the alarm; the messages stay pending in D1.
            Err(e) => Err(worker::Error::RustError(format!("webhook delivery failed: {:?}", e.code()))),
        }
    }
}

rpc_export!(WebhookCourier);

impl WebhookCourier {
    /// `kick` (body: the endpoint's id): deliver what is due, from an alarm set now.
    async fn handle(&self, op: &str, body: &str) -> Reply {
        match op {
            "kick" => match self.arm(body).await {
                Ok(()) => Reply::new(202, String::new()),
                Err(e) => error_reply(&e),
            },
            _ => error_reply(&ApiError::not_found("no such courier operation")),
        }
    }

    async fn arm(&self, webhook_id: &str) -> ApiResult<()> {
        let storage = self.state.storage();
        // The alarm needs to know which endpoint it serves.
        if storage.get::<String>("webhook").await?.as_deref() != Some(webhook_id) {
            storage.put("webhook", webhook_id).await?;
        }
        let soon = storage.get_alarm().await?.is_some_and(|at| at <= now_ms());
        if !soon {
            storage.set_alarm(0_i64).await?;
        }
        Ok(())
    }

    async fn deliver_due(&self) -> ApiResult<()> {
        let storage = self.state.storage();
        let Some(webhook_id) = storage.get::<String>("webhook").await? else { return Ok(()) };
        let db = store::database(&self.env)?;
        for _ in 0..ROUNDS {
            let Some(mut endpoint) = rows::by_id(&db, &webhook_id).await? else {
                // Deleted: its messages went with it.
                storage.delete_all().await?;
                return Ok(());
            };
            if endpoint.enabled == 0 {
                return Ok(());
            }
            let due = rows::due(&db, &webhook_id, now_ms(), ROUND).await?;
            if due.is_empty() {
                break;
            }
            for message in &due {
                if !self.attempt(&db, &mut endpoint, message).await? {
                    return Ok(());
                }
            }
        }
        if let Some(at) = rows::next_due(&db, &webhook_id).await? {
            // A kick that came in meanwhile set an earlier alarm: that one stays.
            if storage.get_alarm().await?.is_none_or(|set| set > at) {
                storage.set_alarm((at - now_ms()).max(0)).await?;
            }
        }
        Ok(())
    }

    /// One attempt at one message; false when the endpoint was disabled by it.
    async fn attempt(&self, db: &D1Database, endpoint: &mut WebhookRow, message: &MessageRow) -> ApiResult<bool> {
        let started = now_ms();
        let (status, error) = match self.send(endpoint, message, started / 1000).await? {
            Ok(status) => (Some(status), None),
            Err(e) => (None, Some(e)),
        };
        let duration_ms = now_ms() - started;
        let failed_attempts = u32::try_from(message.attempts).unwrap_or(u32::MAX).saturating_add(1);
        let after = match status {
            Some(s) if webhook::delivered(s) => After::Delivered,
            _ => match webhook::retry_delay_ms(
                failed_attempts,
                settings::webhook_retry_base_ms(&self.env),
                u32::from_le_bytes(crypto::random_bytes::<4>()?),
            ) {
                Some(delay) => After::RetryAt(now_ms() + delay),
                None => After::GaveUp,
            },
        };
        let attempt_id = crypto::new_id()?;
        let attempt = Attempt { id: &attempt_id, message_id: &message.id, at: started, status, duration_ms, error };
        let mut batch = rows::record_attempt(db, &endpoint.id, &attempt, &after)?;
        let disable = matches!(after, After::GaveUp)
            && webhook::disable_after_give_up(endpoint.last_success_at, message.created_at);
        if disable {
            let now = clock::now();
            batch.push(rows::disable_failing(db, &endpoint.id, now)?);
            batch.push(audit::statement(
                db,
                Event {
                    at: now,
                    actor: Actor::system(),
                    action: AuditAction::WebhookDisable,
                    target: Some((TargetKind::Webhook, &endpoint.id)),
                    success: true,
                    detail: json!({"url": endpoint.url, "reason": "failing", "delivery_id": message.id,
                                   "attempts": failed_attempts}),
                },
            )?);
            batch.push(notifications::to_admins(db, NotificationKind::WebhookDisabled, &endpoint.url)?);
        }
        db.batch(batch).await?;
        if matches!(after, After::Delivered) {
            endpoint.last_success_at = Some(started);
        }
        Ok(!disable)
    }

    /// Send one signed attempt: the receiver's status, or why there was none.
    async fn send(
        &self,
        endpoint: &WebhookRow,
        message: &MessageRow,
        timestamp: i64,
    ) -> ApiResult<Result<u16, &'static str>> {
        let ring = KeyRing::from_env(&self.env)?;
        let place = |column| Place { table: "webhooks", row: &endpoint.id, column };
        let mut signatures = vec![signing::sign(
            &ring.open(&endpoint.secret, &place("secret"))?,
            &message.id,
            timestamp,
            &message.body,
        )?];
        // During a roll the secret before signs too, so receivers can switch at their pace.
        if let Some(previous) = endpoint.previous_secret(timestamp) {
            let previous = ring.open(previous, &place("previous_secret"))?;
            signatures.push(signing::sign(&previous, &message.id, timestamp, &message.body)?);
        }
        let request = worker_http_request(endpoint, message, timestamp, &signatures)?;
        let limits =
            Outbound { timeout: settings::webhook_timeout(&self.env), policy: settings::endpoint_policy(&self.env) };
        Ok(match http::send(request, limits).await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(HttpError::Timeout(_)) => Err("timeout"),
            Err(HttpError::Refused(_)) => Err("refused_url"),
            Err(HttpError::TooLarge) => Err("answer_too_large"),
            Err(HttpError::Build(_) | HttpError::Network(_)) => Err("network"),
        })
    }
}

fn worker_http_request(
    endpoint: &WebhookRow,
    message: &MessageRow,
    timestamp: i64,
    signatures: &[String],
) -> ApiResult<oauth2::HttpRequest> {
    oauth2::http::Request::builder()
        .method("POST")
        .uri(&endpoint.url)
        .header("content-type", "application/json")
        .header("user-agent", concat!("edge-oauth-connections-webhooks/", env!("CARGO_PKG_VERSION")))
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", webhook::signature_header(signatures))
        .body(message.body.clone().into_bytes())
        .map_err(ApiError::internal)
}
