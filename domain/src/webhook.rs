//! Signed webhooks (Standard Webhooks, <https://www.standardwebhooks.com/>): the events an admin
//! can subscribe an endpoint to, the payload each delivery carries (it names the connection, the
//! actor and the time, never a secret or a token), the signature header's format, the retry
//! schedule and when an endpoint is disabled, and the API's wire types. The worker signs (HMAC
//! needs a crypto crate), sends and records; every decision about what and when is here.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit::ActorKind;
use crate::connection::ConnectionStatus;
use crate::endpoint::EndpointPolicy;
use crate::secret::Secret;
use crate::validate::FieldError;

crate::text_enum! {
    /// What a delivery is about: the payload's `type`. Stored in D1 and sent to receivers, so
    /// names are never changed.
    pub enum WebhookEvent {
        /// A connection was created.
        ConnectionCreated = "connection.created",
        /// A connection's settings were edited.
        ConnectionUpdated = "connection.updated",
        /// A connection was deleted.
        ConnectionDeleted = "connection.deleted",
        /// A connection (its shared token, or a person's token of it) needs a new consent.
        ConnectionNeedsReauth = "connection.needs_reauth",
        /// A connection that needed a new consent was authorized again.
        ConnectionRecovered = "connection.recovered",
        /// A token refresh failed at the provider (refused, or the provider did not answer).
        TokenRefreshFailed = "token.refresh_failed",
        /// Roles were invited to use a connection, or withdrawn.
        AccessInvited = "access.invited",
        /// Sent by "Send test event"; never subscribed to, always delivered to the one endpoint.
        Test = "webhook.test",
    }
}

impl WebhookEvent {
    /// The events an endpoint can subscribe to (all but `webhook.test`).
    pub fn subscribable() -> impl Iterator<Item = WebhookEvent> {
        WebhookEvent::ALL.into_iter().filter(|e| *e != WebhookEvent::Test)
    }
}

crate::text_enum! {
    /// Where one message to one endpoint stands.
    pub enum DeliveryStatus {
        /// Not delivered yet: waiting for its next attempt.
        Pending = "pending",
        /// An attempt got a 2xx answer.
        Delivered = "delivered",
        /// Every attempt of the schedule failed; "Redeliver" starts it again.
        Failed = "failed",
    }
}

/// The prefix of a signing secret, as Standard Webhooks libraries expect it.
pub const SECRET_PREFIX: &str = "whsec_";

/// How long the secret before a roll still signs, next to the new one.
pub const ROLL_OVERLAP_SECONDS: i64 = 24 * 60 * 60;

/// Attempts per message, the first included.
pub const MAX_ATTEMPTS: u32 = 12;

/// The first retry waits this long; each later one twice the one before (`WEBHOOK_RETRY_BASE_MS`
/// changes it, for tests). With 12 attempts the schedule spans 2047 × base: 34 hours, up to a
/// quarter more with the jitter.
pub const DEFAULT_RETRY_BASE_MS: i64 = 60_000;

/// How many attempts a deliveries list shows per message (the newest).
pub const ATTEMPTS_SHOWN: usize = 20;

/// When the next attempt is due, in milliseconds after the `failed_attempts`-th attempt failed;
/// `None` once the schedule is spent (the message is `failed`). `jitter` is a random number the
/// caller draws: it lengthens the wait by up to a quarter, so the messages a receiver's outage
/// failed together do not all come back in the same second when it recovers.
pub fn retry_delay_ms(failed_attempts: u32, base_ms: i64, jitter: u32) -> Option<i64> {
    if failed_attempts == 0 || failed_attempts >= MAX_ATTEMPTS {
        return None;
    }
    let nominal = base_ms.max(0).saturating_mul(1_i64 << (failed_attempts - 1).min(30));
    let spread = nominal / 4;
    let extra = if spread == 0 { 0 } else { i64::from(jitter) % (spread + 1) };
    Some(nominal.saturating_add(extra))
}

/// Whether an endpoint is disabled when a message spends its whole schedule: only when nothing
/// reached it since that message was created (a receiver that accepts other messages is alive;
/// it refuses this one).
pub fn disable_after_give_up(last_success_ms: Option<i64>, message_created_ms: i64) -> bool {
    last_success_ms.is_none_or(|at| at < message_created_ms)
}

/// The event a change of a connection's status is, if any: into `needs_reauth` from elsewhere,
/// or out of it by a new consent.
pub fn status_event(before: ConnectionStatus, after: ConnectionStatus) -> Option<WebhookEvent> {
    match (before, after) {
        (ConnectionStatus::NeedsReauth, ConnectionStatus::Ready) => Some(WebhookEvent::ConnectionRecovered),
        (b, ConnectionStatus::NeedsReauth) if b != ConnectionStatus::NeedsReauth => {
            Some(WebhookEvent::ConnectionNeedsReauth)
        }
        _ => None,
    }
}

/// Whether an HTTP status counts as delivered.
pub fn delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The text a signature covers: `msg_id.timestamp.body`.
pub fn signed_content(message_id: &str, timestamp: i64, body: &str) -> String {
    format!("{message_id}.{timestamp}.{body}")
}

/// The `webhook-signature` header from base64 signatures: `v1,<sig>` each, space-separated
/// (during a roll, the new secret's first).
pub fn signature_header(signatures: &[String]) -> String {
    signatures.iter().map(|s| format!("v1,{s}")).collect::<Vec<_>>().join(" ")
}

/// The base64 key material of a `whsec_…` secret.
pub fn secret_material(secret: &str) -> Option<&str> {
    secret.strip_prefix(SECRET_PREFIX).filter(|m| !m.is_empty())
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventActor {
    /// A person, a bot key or the product itself (a refresh, the schedule).
    pub kind: ActorKind,
    /// The person's or key's id; `null` for the product.
    pub id: Option<String>,
}

/// The connection an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventConnection {
    /// The connection's id.
    pub id: String,
    /// Its name when the event happened.
    pub name: String,
}

/// One thing that happened, before it becomes a payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// What happened.
    pub event: WebhookEvent,
    /// The connection it is about (`null` for a test event).
    pub connection: Option<EventConnection>,
    /// Who did it.
    pub actor: EventActor,
    /// Seconds since the epoch.
    pub at: i64,
    /// Event-specific fields, merged into `data`: ids, names, flags; never a secret or token.
    pub detail: Value,
}

/// The delivery body: `{"type", "timestamp", "data": {connection, actor, occurred_at, …detail}}`,
/// the shape Standard Webhooks recommends. Pure text: the same bytes go to every endpoint and to
/// every attempt, and are what the signature covers.
pub fn payload(o: &Occurrence) -> String {
    let mut data = json!({
        "connection": o.connection,
        "actor": o.actor,
        "occurred_at": o.at,
    });
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), &o.detail) {
        for (key, value) in extra {
            data.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    json!({"type": o.event.as_str(), "timestamp": rfc3339(o.at), "data": data}).to_string()
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC; proleptic Gregorian, civil-from-days).
pub fn rfc3339(seconds: i64) -> String {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// `POST /api/v1/webhooks` and `PATCH /api/v1/webhooks/{id}` (every field optional there).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInput {
    /// Where deliveries go: the outbound URL rule of every endpoint (https, public hosts).
    #[serde(default)]
    pub url: Option<String>,
    /// Event names from `WebhookEvent` (not `webhook.test`); at least one.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// Whether deliveries are sent; a new endpoint is enabled unless this says otherwise.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A webhook as it may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWebhook {
    /// The normalised URL.
    pub url: String,
    /// Deduplicated, in `WebhookEvent` order.
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are sent.
    pub enabled: bool,
}

/// Validate an endpoint: `current` is the stored one for an edit (the fields absent from
/// `input` keep their value), `None` for a new one.
pub fn validate(
    input: &WebhookInput,
    current: Option<&ValidWebhook>,
    policy: EndpointPolicy,
) -> Result<ValidWebhook, FieldError> {
    let url = match (&input.url, current) {
        (Some(raw), _) => crate::endpoint::normalise(raw.trim(), policy).map_err(|e| e.field_error("url", policy))?,
        (None, Some(c)) => c.url.clone(),
        (None, None) => return Err(FieldError::new("url", "required", "Enter the URL deliveries go to.")),
    };
    let events = match (&input.events, current) {
        (Some(names), _) => {
            let mut chosen = Vec::new();
            for name in names {
                match WebhookEvent::parse(name.trim()) {
                    Some(WebhookEvent::Test) | None => {
                        return Err(FieldError::new(
                            "events",
                            "unknown_event",
                            format!("no event is named \u{201c}{name}\u{201d}"),
                        ));
                    }
                    Some(event) => chosen.push(event),
                }
            }
            WebhookEvent::subscribable().filter(|e| chosen.contains(e)).collect()
        }
        (None, Some(c)) => c.events.clone(),
        (None, None) => Vec::new(),
    };
    if events.is_empty() {
        return Err(FieldError::new("events", "required", "Choose at least one event."));
    }
    let enabled = input.enabled.or(current.map(|c| c.enabled)).unwrap_or(true);
    Ok(ValidWebhook { url, events, enabled })
}

/// `GET /api/v1/webhooks`: one endpoint (its secret is never shown again).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    /// Opaque, stable.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// What it is subscribed to.
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Why the product disabled it (`failing`: every attempt of a message failed and nothing
    /// reached it meanwhile); `null` when it did not.
    pub disabled_reason: Option<String>,
    /// Until when (seconds) the secret before the last roll still signs too; `null` if none.
    pub previous_secret_until: Option<i64>,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch.
    pub updated_at: i64,
    /// When (milliseconds) a delivery last succeeded; `null` if none did.
    pub last_success_at: Option<i64>,
}

/// `POST /api/v1/webhooks` and `POST /api/v1/webhooks/{id}/roll-secret`: the only answers that
/// carry a signing secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookSecretResponse {
    /// The endpoint.
    pub webhook: WebhookView,
    /// `whsec_<base64 of 32 random bytes>`; the key is the base64-decoded part. Shown this once.
    #[serde(serialize_with = "crate::secret::reveal")]
    pub secret: Secret,
}

/// `POST /api/v1/webhooks/{id}/redeliver`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeliverRequest {
    /// The delivery (its `webhook-id`) to send again, with the same id and body.
    pub delivery_id: String,
}

/// One attempt at a delivery.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    /// When it started, milliseconds since the epoch.
    pub at: i64,
    /// The receiver's HTTP status; `null` when none came (timeout, network, refused URL).
    pub status: Option<u16>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// Whether it counted as delivered (a 2xx).
    pub success: bool,
    /// What went wrong without a status (`timeout`, `network`, `refused_url`).
    pub error: Option<String>,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: one message to the endpoint, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    /// The message id, sent as `webhook-id` on every attempt.
    pub id: String,
    /// The payload's `type`.
    pub event: WebhookEvent,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// When the next attempt is due (milliseconds); `null` unless pending.
    pub next_attempt_at: Option<i64>,
    /// The newest attempts first (at most `ATTEMPTS_SHOWN`).
    pub attempts: Vec<AttemptView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_as_receivers_see_them() {
        assert_eq!(WebhookEvent::ConnectionNeedsReauth.as_str(), "connection.needs_reauth");
        assert_eq!(WebhookEvent::AccessInvited.as_str(), "access.invited");
        assert_eq!(WebhookEvent::subscribable().count(), 7);
        assert!(WebhookEvent::subscribable().all(|e| e != WebhookEvent::Test));
    }

    #[test]
    fn the_schedule_doubles_and_spans_more_than_a_day() {
        assert_eq!(retry_delay_ms(0, 1000, 0), None);
        assert_eq!(retry_delay_ms(1, 1000, 0), Some(1000));
        assert_eq!(retry_delay_ms(2, 1000, 0), Some(2000));
        assert_eq!(retry_delay_ms(3, 1000, 0), Some(4000));
        assert_eq!(retry_delay_ms(MAX_ATTEMPTS, 1000, 0), None);
        let total: i64 = (1..MAX_ATTEMPTS).filter_map(|n| retry_delay_ms(n, DEFAULT_RETRY_BASE_MS, 0)).sum();
        assert!(total >= 24 * 3600 * 1000, "{total} ms");
        assert_eq!((1..=MAX_ATTEMPTS).filter_map(|n| retry_delay_ms(n, 5, 0)).count(), MAX_ATTEMPTS as usize - 1);
    }

    #[test]
    fn jitter_spreads_a_retry_over_at_most_a_quarter_more() {
        for attempt in 1..MAX_ATTEMPTS {
            let nominal = retry_delay_ms(attempt, 60_000, 0).unwrap_or_default();
            let delays: Vec<i64> = [1, 7_919, 65_537, u32::MAX / 3, u32::MAX]
                .iter()
                .filter_map(|&j| retry_delay_ms(attempt, 60_000, j))
                .collect();
            assert!(delays.iter().all(|&d| d >= nominal && d <= nominal + nominal / 4), "{attempt}: {delays:?}");
            let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
            assert!(distinct.len() >= 4, "jitter spreads: {delays:?}");
        }
        assert_eq!(retry_delay_ms(1, 0, u32::MAX), Some(0), "no base, no wait");
        assert_eq!(retry_delay_ms(1, 3, u32::MAX), Some(3), "too short to spread");
    }

    #[test]
    fn an_endpoint_is_disabled_only_when_nothing_reached_it() {
        assert!(disable_after_give_up(None, 100));
        assert!(disable_after_give_up(Some(99), 100));
        assert!(!disable_after_give_up(Some(100), 100));
        assert!(!disable_after_give_up(Some(5000), 100));
    }

    #[test]
    fn status_changes_that_are_events() {
        use ConnectionStatus::*;
        assert_eq!(status_event(NeedsReauth, Ready), Some(WebhookEvent::ConnectionRecovered));
        assert_eq!(status_event(Ready, NeedsReauth), Some(WebhookEvent::ConnectionNeedsReauth));
        assert_eq!(status_event(NeedsReauth, NeedsReauth), None);
        assert_eq!(status_event(Draft, Ready), None);
        assert_eq!(status_event(Ready, Ready), None);
        assert_eq!(status_event(NeedsReauth, Draft), None);
    }

    #[test]
    fn only_2xx_is_delivered() {
        assert!(delivered(200) && delivered(204) && delivered(299));
        assert!(!delivered(301) && !delivered(410) && !delivered(500) && !delivered(199));
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        assert_eq!(signed_content("msg_1", 1700000000, "{}"), "msg_1.1700000000.{}");
        assert_eq!(signature_header(&["a".into(), "b".into()]), "v1,a v1,b");
        assert_eq!(secret_material("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Some("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assert_eq!(secret_material("whsec_"), None);
        assert_eq!(secret_material("MfKQ"), None);
    }

    #[test]
    fn timestamps_are_utc_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn the_payload_names_connection_actor_and_time() {
        let o = Occurrence {
            event: WebhookEvent::ConnectionDeleted,
            connection: Some(EventConnection { id: "c1".into(), name: "CRM".into() }),
            actor: EventActor { kind: ActorKind::User, id: Some("u1".into()) },
            at: 1_700_000_000,
            detail: json!({"fields": ["name"], "actor": "not overwritten"}),
        };
        let value: Value = serde_json::from_str(&payload(&o)).unwrap();
        assert_eq!(value["type"], "connection.deleted");
        assert_eq!(value["timestamp"], "2023-11-14T22:13:20Z");
        assert_eq!(value["data"]["connection"], json!({"id": "c1", "name": "CRM"}));
        assert_eq!(value["data"]["actor"], json!({"kind": "user", "id": "u1"}));
        assert_eq!(value["data"]["occurred_at"], 1_700_000_000);
        assert_eq!(value["data"]["fields"], json!(["name"]));
    }

    #[test]
    fn endpoints_are_validated_like_every_outbound_url() {
        let input = |url: &str, events: &[&str]| WebhookInput {
            url: Some(url.into()),
            events: Some(events.iter().map(|e| e.to_string()).collect()),
            enabled: None,
        };
        let ok = validate(
            &input("https://hooks.example.com/in", &["connection.deleted", "connection.created"]),
            None,
            EndpointPolicy::PublicOnly,
        )
        .unwrap();
        assert_eq!(ok.events, vec![WebhookEvent::ConnectionCreated, WebhookEvent::ConnectionDeleted]);
        assert!(ok.enabled);
        let refused =
            validate(&input("http://127.0.0.1:9/in", &["connection.created"]), None, EndpointPolicy::PublicOnly);
        assert_eq!(refused.unwrap_err().field, "url");
        assert!(
            validate(&input("http://127.0.0.1:9/in", &["connection.created"]), None, EndpointPolicy::AllowPrivate)
                .is_ok()
        );
        for bad in [&["webhook.test"][..], &["connection.exploded"], &[]] {
            assert_eq!(
                validate(&input("https://h.example.com/", bad), None, EndpointPolicy::PublicOnly).unwrap_err().field,
                "events"
            );
        }
        let patch = WebhookInput { enabled: Some(false), ..WebhookInput::default() };
        let edited = validate(&patch, Some(&ok), EndpointPolicy::PublicOnly).unwrap();
        assert_eq!(
            (edited.url.as_str(), edited.enabled, edited.events.len()),
            ("https://hooks.example.com/in", false, 2)
        );
    }
}
