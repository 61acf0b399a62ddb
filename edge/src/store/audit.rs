//! The audit log: who did what to which target, with what outcome. Rows are only ever added.
//! Callers pass `detail` JSON that never holds a secret.

pub use domain::audit::{ActorKind, AuditAction, Outcome, TargetKind};
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement, query};

use crate::crypto;
use crate::error::ApiResult;

/// Who acted: a kind and, except for anonymous callers, an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<String>,
}

impl Actor {
    pub fn anonymous() -> Self {
        Actor { kind: ActorKind::Anonymous, id: None }
    }
    pub fn system() -> Self {
        Actor { kind: ActorKind::System, id: None }
    }
}

/// Something that happened, at `at` (the request's `now`).
pub struct Event<'a> {
    pub at: i64,
    pub actor: Actor,
    pub action: AuditAction,
    pub target: Option<(TargetKind, &'a str)>,
    pub success: bool,
    pub detail: serde_json::Value,
}

/// An event as it is stored: owned, with its id and time fixed when it happened, so it can be
/// written now or later (the token vault's outbox ships its rows to D1 in batches). The enum
/// columns are parsed as the row is read: an unknown name fails the read (`store::unreadable`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub at: i64,
    pub actor_kind: ActorKind,
    pub actor_id: Option<String>,
    pub action: AuditAction,
    pub target_kind: Option<TargetKind>,
    pub target_id: Option<String>,
    pub outcome: Outcome,
    pub detail: String,
    /// Read only (`audit_log::list` joins them in); never stored with the row.
    #[serde(default, skip_serializing)]
    pub actor_name: Option<String>,
    #[serde(default, skip_serializing)]
    pub target_name: Option<String>,
}

impl Row {
    pub fn new(event: Event<'_>) -> ApiResult<Row> {
        let (target_kind, target_id) = event.target.map_or((None, None), |(k, i)| (Some(k), Some(i)));
        Ok(Row {
            id: crypto::new_id()?,
            at: event.at,
            actor_kind: event.actor.kind,
            actor_id: event.actor.id,
            action: event.action,
            target_kind,
            target_id: target_id.map(str::to_string),
            outcome: Outcome::of(event.success),
            detail: event.detail.to_string(),
            actor_name: None,
            target_name: None,
        })
    }

    pub fn statement(&self, db: &D1Database) -> ApiResult<D1PreparedStatement> {
        self.insert(db, "INSERT")
    }

    /// As the audit API shows it: the detail as JSON.
    pub fn view(self) -> domain::api::AuditEventView {
        domain::api::AuditEventView {
            detail: serde_json::from_str(&self.detail).unwrap_or(serde_json::Value::Null),
            id: self.id,
            at: self.at,
            actor_kind: self.actor_kind,
            actor_id: self.actor_id,
            action: self.action,
            target_kind: self.target_kind,
            target_id: self.target_id,
            outcome: self.outcome,
            actor_name: self.actor_name,
            target_name: self.target_name,
        }
    }

    /// The same, ignored when a row with this id is there already: for rows that may be sent
    /// twice (an outbox retrying after D1 took the batch but the outbox did not learn it).
    pub fn statement_once(&self, db: &D1Database) -> ApiResult<D1PreparedStatement> {
        self.insert(db, "INSERT OR IGNORE")
    }

    fn insert(&self, db: &D1Database, verb: &str) -> ApiResult<D1PreparedStatement> {
        let sql = format!(
            "{verb} INTO audit_events (id, at, actor_kind, actor_id, action, target_kind, target_id, outcome, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        );
        Ok(query!(
            db,
            &sql,
            self.id,
            self.at,
            self.actor_kind,
            self.actor_id,
            self.action,
            self.target_kind,
            self.target_id,
            self.outcome,
            self.detail,
        )?)
    }
}

/// A statement that records the event, to run in the same batch as the change it describes.
pub fn statement(db: &D1Database, event: Event<'_>) -> ApiResult<D1PreparedStatement> {
    Row::new(event)?.statement(db)
}

/// Record one event on its own (when there is no other write to batch it with).
pub async fn record(db: &D1Database, event: Event<'_>) -> ApiResult<()> {
    statement(db, event)?.run().await?;
    Ok(())
}

/// The usual event as a value, to record on its own.
pub fn by_event<'a>(
    principal: &crate::auth::Principal,
    action: AuditAction,
    target: (TargetKind, &'a str),
    detail: serde_json::Value,
    now: i64,
) -> Event<'a> {
    Event { at: now, actor: principal.actor(), action, target: Some(target), success: true, detail }
}

/// The usual event: this caller did `action` to `target` successfully.
pub fn by(
    db: &D1Database,
    principal: &crate::auth::Principal,
    action: AuditAction,
    target: (TargetKind, &str),
    detail: serde_json::Value,
    now: i64,
) -> ApiResult<D1PreparedStatement> {
    statement(db, by_event(principal, action, target, detail, now))
}
