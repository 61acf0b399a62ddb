//! Browser sessions: the cookie holds 32 random bytes (hex); D1 holds their SHA-256 only.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use super::users::ROLES_JSON;
use crate::error::ApiResult;

/// A session joined with its user and the user's roles: everything a request needs.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub user_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub active: i64,
    pub roles: String,
}

pub async fn find(db: &D1Database, id_hash: &str) -> ApiResult<Option<SessionRow>> {
    Ok(find_statement(db, id_hash)?.first::<SessionRow>(None).await?)
}

/// The lookup as a statement, to batch with the read a request makes anyway.
pub fn find_statement(db: &D1Database, id_hash: &str) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "SELECT s.user_id, s.created_at, s.last_seen_at, u.active, {ROLES_JSON} AS roles
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?1"
    );
    Ok(query!(db, &sql, id_hash)?)
}

pub fn insert(db: &D1Database, id_hash: &str, user_id: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
        id_hash,
        user_id,
        now
    )?)
}

pub async fn touch(db: &D1Database, id_hash: &str, now: i64) -> ApiResult<()> {
    query!(db, "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1", id_hash, now)?.run().await?;
    Ok(())
}

pub fn delete(db: &D1Database, id_hash: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM sessions WHERE id_hash = ?1", id_hash)?)
}

pub fn delete_for_user(db: &D1Database, user_id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM sessions WHERE user_id = ?1", user_id)?)
}
