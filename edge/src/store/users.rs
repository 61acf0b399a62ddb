//! The `users` table and role memberships seen from the user side.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use super::json_list;
use crate::error::ApiResult;
use domain::api::UserView;
use domain::session::Failures;

/// The roles of a user with their permissions, as one JSON column.
pub const ROLES_JSON: &str = "(SELECT json_group_array(json_object('id', r.id, 'permissions', json(r.permissions)))
      FROM role_members m JOIN roles r ON r.id = m.role_id WHERE m.user_id = u.id)";

#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: i64,
    /// The failure counter of browsers without a device cookie for this account.
    pub failed_sign_ins: i64,
    pub failed_since: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
    /// JSON `[{"id": …, "permissions": […]}]`.
    pub roles: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RoleGrant {
    pub id: String,
    pub permissions: Vec<String>,
}

impl UserRow {
    /// The account's counter for untrusted clients (`domain::session`).
    pub fn untrusted_failures(&self) -> Failures {
        Failures { count: self.failed_sign_ins, since: self.failed_since, locked_until: self.locked_until }
    }

    pub fn role_grants(&self) -> Vec<RoleGrant> {
        json_list(&self.roles)
    }

    pub fn view(&self) -> UserView {
        let mut role_ids: Vec<String> = self.role_grants().into_iter().map(|r| r.id).collect();
        role_ids.sort();
        UserView {
            id: self.id.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            active: self.active != 0,
            role_ids,
            created_at: self.created_at,
            last_sign_in_at: self.last_sign_in_at,
        }
    }
}

fn select() -> String {
    format!(
        "SELECT u.id, u.email, u.display_name, u.password_hash, u.active, u.failed_sign_ins, u.failed_since, u.locked_until,
                u.created_at, u.last_sign_in_at, {ROLES_JSON} AS roles FROM users u"
    )
}

pub async fn by_email(db: &D1Database, email: &str) -> ApiResult<Option<UserRow>> {
    Ok(query!(db, &format!("{} WHERE u.email = ?1", select()), email)?.first::<UserRow>(None).await?)
}

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<UserRow>> {
    Ok(query!(db, &format!("{} WHERE u.id = ?1", select()), id)?.first::<UserRow>(None).await?)
}

pub async fn count(db: &D1Database) -> ApiResult<i64> {
    Ok(db.prepare("SELECT COUNT(*) AS n FROM users").first::<i64>(Some("n")).await?.unwrap_or(0))
}

/// Users ordered by email, after `cursor` (an email), matching `q` in email or name.
pub async fn list(db: &D1Database, q: &str, cursor: &str, limit: u32) -> ApiResult<Vec<UserRow>> {
    let needle = q.to_lowercase();
    let sql = format!(
        "{} WHERE u.email > ?1 AND (?2 = '' OR instr(u.email, ?2) > 0 OR instr(lower(u.display_name), ?2) > 0)
         ORDER BY u.email LIMIT ?3",
        select()
    );
    Ok(query!(db, &sql, cursor, needle, limit)?.all().await?.results::<UserRow>()?)
}

pub struct NewUserRow<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub now: i64,
}

fn insert(db: &D1Database, user: &NewUserRow<'_>) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        user.id,
        user.email,
        user.display_name,
        user.password_hash,
        user.now,
    )?)
}

/// A new user with their roles: the statements to batch (with an audit row by the caller).
pub fn create(db: &D1Database, user: &NewUserRow<'_>, role_ids: &[String]) -> ApiResult<Vec<D1PreparedStatement>> {
    let mut statements = vec![insert(db, user)?];
    statements.extend(set_roles(db, user.id, role_ids)?);
    Ok(statements)
}

/// Replace a user's role memberships: one delete, then one insert per role (existing roles only).
pub fn set_roles(db: &D1Database, user_id: &str, role_ids: &[String]) -> ApiResult<Vec<D1PreparedStatement>> {
    let mut statements = vec![query!(db, "DELETE FROM role_members WHERE user_id = ?1", user_id)?];
    for role_id in role_ids {
        statements.push(query!(
            db,
            "INSERT INTO role_members (role_id, user_id) SELECT id, ?2 FROM roles WHERE id = ?1",
            role_id,
            user_id
        )?);
    }
    Ok(statements)
}

pub fn set_display_name(db: &D1Database, id: &str, name: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "UPDATE users SET display_name = ?2, updated_at = ?3 WHERE id = ?1", id, name, now)?)
}

pub fn set_password_hash(db: &D1Database, id: &str, hash: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE users SET password_hash = ?2, failed_sign_ins = 0, locked_until = NULL, updated_at = ?3 WHERE id = ?1",
        id,
        hash,
        now
    )?)
}

pub fn set_active(db: &D1Database, id: &str, active: bool, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "UPDATE users SET active = ?2, updated_at = ?3 WHERE id = ?1", id, i64::from(active), now)?)
}

/// Store the untrusted-clients counter after a failure.
/// Charge the untrusted-clients counter from `before` to `after`, only if it still holds `before`
/// (compare-and-swap): concurrent attempts cannot share one count or undo a lock set meanwhile.
/// `store::changed` on the result says whether this attempt got the charge.
pub fn charge_sign_in(db: &D1Database, id: &str, before: Failures, after: Failures) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE users SET failed_sign_ins = ?2, failed_since = ?3, locked_until = ?4
         WHERE id = ?1 AND failed_sign_ins = ?5 AND failed_since = ?6 AND locked_until IS ?7",
        id,
        after.count,
        after.since,
        after.locked_until,
        before.count,
        before.since,
        before.locked_until
    )?)
}

/// Record a sign-in; `reset_untrusted` clears the untrusted-clients counter as well.
pub fn record_sign_in_success(
    db: &D1Database,
    id: &str,
    now: i64,
    reset_untrusted: bool,
) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE users SET last_sign_in_at = ?2,
            failed_sign_ins = CASE WHEN ?3 THEN 0 ELSE failed_sign_ins END,
            locked_until = CASE WHEN ?3 THEN NULL ELSE locked_until END
         WHERE id = ?1",
        id,
        now,
        reset_untrusted
    )?)
}

/// Put last in a batch that may remove an admin (`domain::stewardship::Guard`): fails the whole
/// batch unless, with the batch's other writes applied, someone active holds the Admin role.
pub fn keep_an_active_admin(db: &D1Database) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "SELECT json(CASE WHEN EXISTS (SELECT 1 FROM users u JOIN role_members m ON m.user_id = u.id
                                       WHERE m.role_id = 'role-admin' AND u.active = 1)
                          THEN '0' ELSE 'no_active_admin' END) AS ok"
    ))
}
