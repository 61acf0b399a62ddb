//! In-app notifications. Each `to_*` function returns one statement that writes a notification
//! to every subscribed, active person of an audience, so it rides in the same D1 batch as the
//! change that causes it. A person in several matching roles gets one notification.

use domain::api::NotificationView;
use domain::connection::GrantType;
use domain::notification::NotificationKind;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use crate::error::ApiResult;

/// `?1` kind, `?2` connection id, `?3` title, `?4` body, `?5` now (s), `?6` now (ms), `?8` the
/// body for a client-credentials connection (chosen by the row's grant); the audience is
/// `SELECT user_id …` and may use `?7`.
fn insert_for(
    db: &D1Database,
    audience: &str,
    kind: NotificationKind,
    connection_id: &str,
    name: &str,
    extra: &str,
) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "INSERT INTO notifications (id, user_id, kind, connection_id, title, body, created_at)
         SELECT printf('%012x', ?6) || lower(hex(randomblob(8))), a.user_id, ?1, ?2, ?3,
            CASE WHEN (SELECT grant_type FROM connections WHERE id = ?2) = 'client_credentials' THEN ?8 ELSE ?4 END, ?5
         FROM (SELECT DISTINCT user_id FROM ({audience})) a
         JOIN users u ON u.id = a.user_id AND u.active = 1
         WHERE a.user_id NOT IN (SELECT user_id FROM notification_opt_outs WHERE kind = ?1)"
    );
    let now_ms = worker::Date::now().as_millis() as i64;
    let title = kind.title(name);
    let (body, machine_body) = (kind.body(GrantType::AuthorizationCode), kind.body(GrantType::ClientCredentials));
    // A notice about something other than a connection (a webhook endpoint) names none.
    let connection_id = (!connection_id.is_empty()).then_some(connection_id);
    // SQLite counts parameters up to the highest number used (`?8`), so `?7` is always bound.
    Ok(query!(db, &sql, kind.as_str(), connection_id, title, body, now_ms / 1000, now_ms, extra, machine_body)?)
}

const USERS_OF_CONNECTION: &str =
    "SELECT m.user_id FROM connection_roles cr JOIN role_members m ON m.role_id = cr.role_id
    WHERE cr.connection_id = ?2";

const MANAGERS: &str = "SELECT m.user_id FROM role_members m JOIN roles r ON r.id = m.role_id
    WHERE r.id = 'role-admin' OR EXISTS (SELECT 1 FROM json_each(r.permissions) WHERE value = 'connections.manage')";

/// Members of `role_ids` (JSON array) who could not use the connection before. Runs before the
/// invites change in the same batch.
pub fn shared_with_new_members(
    db: &D1Database,
    connection_id: &str,
    name: &str,
    role_ids_json: &str,
) -> ApiResult<D1PreparedStatement> {
    let audience = format!(
        "SELECT m.user_id FROM role_members m WHERE m.role_id IN (SELECT value FROM json_each(?7))
           AND m.user_id NOT IN ({USERS_OF_CONNECTION})"
    );
    insert_for(db, &audience, NotificationKind::ConnectionShared, connection_id, name, role_ids_json)
}

/// These people (`user_ids`, JSON array) where they could not use the connection before: they
/// are joining a role it is invited to. Runs before the membership changes in the same batch.
pub fn shared_with_people(
    db: &D1Database,
    connection_id: &str,
    name: &str,
    user_ids_json: &str,
) -> ApiResult<D1PreparedStatement> {
    let audience = format!("SELECT value AS user_id FROM json_each(?7) WHERE value NOT IN ({USERS_OF_CONNECTION})");
    insert_for(db, &audience, NotificationKind::ConnectionShared, connection_id, name, user_ids_json)
}

/// "Shared with you" for people joining roles: for every connection invited to one of
/// `role_ids`, the `user_ids` who could not use it yet. To run before the membership change.
pub async fn joining_roles(
    db: &D1Database,
    role_ids: &[String],
    user_ids: &[String],
) -> ApiResult<Vec<D1PreparedStatement>> {
    if role_ids.is_empty() || user_ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(Deserialize)]
    struct Invited {
        id: String,
        name: String,
    }
    let (roles, people) = (super::json_ids(role_ids), super::json_ids(user_ids));
    let invited = query!(
        db,
        "SELECT DISTINCT c.id, c.name FROM connection_roles cr JOIN connections c ON c.id = cr.connection_id
         WHERE cr.role_id IN (SELECT value FROM json_each(?1))",
        roles
    )?
    .all()
    .await?
    .results::<Invited>()?;
    invited.iter().map(|c| shared_with_people(db, &c.id, &c.name, &people)).collect()
}

/// Everyone who may use the connection (runs before a delete in the same batch).
pub fn to_users_of(
    db: &D1Database,
    kind: NotificationKind,
    connection_id: &str,
    name: &str,
) -> ApiResult<D1PreparedStatement> {
    insert_for(db, USERS_OF_CONNECTION, kind, connection_id, name, "")
}

/// People who manage connections (admins and holders of `connections.manage`).
pub fn to_managers(
    db: &D1Database,
    kind: NotificationKind,
    connection_id: &str,
    name: &str,
) -> ApiResult<D1PreparedStatement> {
    insert_for(db, MANAGERS, kind, connection_id, name, "")
}

/// Admins, about something that is not a connection (`name` says what: a webhook's URL).
pub fn to_admins(db: &D1Database, kind: NotificationKind, name: &str) -> ApiResult<D1PreparedStatement> {
    insert_for(db, "SELECT user_id FROM role_members WHERE role_id = 'role-admin'", kind, "", name, "")
}

/// One person (the owner of a user token).
pub fn to_user(
    db: &D1Database,
    kind: NotificationKind,
    connection_id: &str,
    name: &str,
    user_id: &str,
) -> ApiResult<D1PreparedStatement> {
    insert_for(db, "SELECT ?7 AS user_id", kind, connection_id, name, user_id)
}

#[derive(Deserialize)]
struct Row {
    id: String,
    kind: NotificationKind,
    connection_id: Option<String>,
    title: String,
    body: String,
    created_at: i64,
    read_at: Option<i64>,
}

/// Newest first, before `cursor` (an id).
pub async fn list(
    db: &D1Database,
    user_id: &str,
    cursor: Option<&str>,
    limit: u32,
) -> ApiResult<Vec<NotificationView>> {
    let rows = query!(
        db,
        "SELECT id, kind, connection_id, title, body, created_at, read_at FROM notifications
         WHERE user_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
        user_id,
        cursor,
        limit
    )?
    .all()
    .await?
    .results::<Row>()
    .map_err(super::unreadable("notifications"))?;
    Ok(rows
        .into_iter()
        .map(|r| NotificationView {
            kind: r.kind,
            id: r.id,
            connection_id: r.connection_id,
            title: r.title,
            body: r.body,
            created_at: r.created_at,
            read: r.read_at.is_some(),
        })
        .collect())
}

pub async fn unread(db: &D1Database, user_id: &str) -> ApiResult<i64> {
    Ok(query!(db, "SELECT COUNT(*) AS n FROM notifications WHERE user_id = ?1 AND read_at IS NULL", user_id)?
        .first::<i64>(Some("n"))
        .await?
        .unwrap_or(0))
}

/// Mark one of the person's notifications read; false when there is no such notification.
pub async fn mark_read(db: &D1Database, user_id: &str, id: &str, now: i64) -> ApiResult<bool> {
    let result = query!(
        db,
        "UPDATE notifications SET read_at = COALESCE(read_at, ?3) WHERE id = ?1 AND user_id = ?2",
        id,
        user_id,
        now
    )?
    .run()
    .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// Mark every unread notification of the person read; how many were.
pub async fn mark_all_read(db: &D1Database, user_id: &str, now: i64) -> ApiResult<i64> {
    let result =
        query!(db, "UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL", user_id, now)?
            .run()
            .await?;
    Ok(result.meta()?.and_then(|m| m.changes).map_or(0, |n| n as i64))
}

pub async fn opt_outs(db: &D1Database, user_id: &str) -> ApiResult<Vec<NotificationKind>> {
    #[derive(Deserialize)]
    struct Kind {
        kind: NotificationKind,
    }
    let rows = query!(db, "SELECT kind FROM notification_opt_outs WHERE user_id = ?1", user_id)?
        .all()
        .await?
        .results::<Kind>()
        .map_err(super::unreadable("notification_opt_outs"))?;
    Ok(rows.into_iter().map(|k| k.kind).collect())
}

pub fn set_opt_outs(db: &D1Database, user_id: &str, kinds: &[NotificationKind]) -> ApiResult<Vec<D1PreparedStatement>> {
    let mut batch = vec![query!(db, "DELETE FROM notification_opt_outs WHERE user_id = ?1", user_id)?];
    for kind in kinds {
        batch.push(query!(db, "INSERT INTO notification_opt_outs (user_id, kind) VALUES (?1, ?2)", user_id, kind)?);
    }
    Ok(batch)
}
