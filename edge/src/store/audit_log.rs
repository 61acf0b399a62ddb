//! Reading the audit log: filters by actor, action, target and time, newest first, cursor paged.

use domain::api::AuditEventView;
use domain::audit::ActionFilter;
use worker::{D1Database, query};

use super::audit::Row;
use crate::error::ApiResult;

pub struct AuditFilter<'a> {
    pub actor: Option<&'a str>,
    pub action: Option<ActionFilter>,
    pub target: Option<&'a str>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub cursor: Option<&'a str>,
    pub limit: u32,
}

pub async fn list(db: &D1Database, f: &AuditFilter<'_>) -> ApiResult<Vec<AuditEventView>> {
    let (action_exact, action_prefix) = match f.action {
        Some(ActionFilter::Exact(action)) => (Some(action), None),
        Some(ActionFilter::Group(group)) => (None, Some(format!("{group}%"))),
        None => (None, None),
    };
    let rows = query!(
        db,
        "SELECT id, at, actor_kind, actor_id, action, target_kind, target_id, outcome, detail,
           CASE actor_kind
             WHEN 'user' THEN (SELECT display_name FROM users WHERE id = actor_id)
             WHEN 'api_key' THEN (SELECT k.name || ' (' || u.display_name || ')' FROM api_keys k
                                  JOIN users u ON u.id = k.user_id WHERE k.id = actor_id)
           END AS actor_name,
           CASE target_kind
             WHEN 'connection' THEN (SELECT name FROM connections WHERE id = target_id)
             WHEN 'user' THEN (SELECT display_name FROM users WHERE id = target_id)
             WHEN 'role' THEN (SELECT name FROM roles WHERE id = target_id)
             WHEN 'api_key' THEN (SELECT name FROM api_keys WHERE id = target_id)
             WHEN 'webhook' THEN (SELECT url FROM webhooks WHERE id = target_id)
           END AS target_name
         FROM audit_events
         WHERE (?1 IS NULL OR actor_id = ?1)
           AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR action LIKE ?3)
           AND (?4 IS NULL OR target_id = ?4)
           AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at <= ?6)
           AND (?7 IS NULL OR id < ?7)
         ORDER BY id DESC LIMIT ?8",
        f.actor,
        action_exact,
        action_prefix,
        f.target,
        f.since,
        f.until,
        f.cursor,
        f.limit
    )?
    .all()
    .await?
    .results::<Row>()
    .map_err(super::unreadable("audit_events"))?;
    Ok(rows.into_iter().map(Row::view).collect())
}
