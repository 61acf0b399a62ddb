//! Bot API keys: stored as SHA-256 of the whole key, listed by their readable prefix, with their
//! scopes as a JSON array (`["tokens"]`, `["tokens","manage"]`).

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use super::users::ROLES_JSON;
use crate::error::ApiResult;
use domain::api::ApiKeyView;

#[derive(Debug, Clone, Deserialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub scopes: String,
}

impl ApiKeyRow {
    pub fn view(&self) -> ApiKeyView {
        ApiKeyView {
            id: self.id.clone(),
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            scopes: domain::key_scope::from_stored(&self.scopes),
        }
    }
}

/// A key joined with its owner and the owner's roles.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyOwnerRow {
    pub id: String,
    pub user_id: String,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub active: i64,
    pub roles: String,
    pub scopes: String,
}

pub async fn find_by_hash(db: &D1Database, secret_hash: &str) -> ApiResult<Option<KeyOwnerRow>> {
    Ok(find_by_hash_statement(db, secret_hash)?.first::<KeyOwnerRow>(None).await?)
}

/// The lookup as a statement, to batch with the read a request makes anyway.
pub fn find_by_hash_statement(db: &D1Database, secret_hash: &str) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "SELECT k.id, k.user_id, k.last_used_at, k.revoked_at, u.active, {ROLES_JSON} AS roles, k.scopes
         FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.secret_hash = ?1"
    );
    Ok(query!(db, &sql, secret_hash)?)
}

pub async fn list_for_user(db: &D1Database, user_id: &str) -> ApiResult<Vec<ApiKeyRow>> {
    Ok(query!(
        db,
        "SELECT id, name, prefix, created_at, last_used_at, scopes FROM api_keys
         WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC",
        user_id
    )?
    .all()
    .await?
    .results::<ApiKeyRow>()?)
}

pub struct NewKeyRow<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    /// JSON array of scope names.
    pub scopes: &'a str,
    pub now: i64,
}

pub fn insert(db: &D1Database, key: &NewKeyRow<'_>) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, scopes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        key.id,
        key.user_id,
        key.name,
        key.prefix,
        key.secret_hash,
        key.scopes,
        key.now,
    )?)
}

/// Put first in a key creation's batch: fails the whole batch (see `connections::expect_version`)
/// when the person already holds `domain::api_key::MAX_LIVE_KEYS_PER_PERSON` live keys, so two
/// concurrent creations cannot both pass a count read before either wrote.
pub fn expect_room(db: &D1Database, user_id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "SELECT json(CASE WHEN (SELECT COUNT(*) FROM api_keys WHERE user_id = ?1 AND revoked_at IS NULL) < ?2
                     THEN '0' ELSE 'full' END) AS ok",
        user_id,
        domain::api_key::MAX_LIVE_KEYS_PER_PERSON
    )?)
}

/// Revoke one of the user's own keys; `changes` tells whether it existed.
pub fn revoke(db: &D1Database, id: &str, user_id: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
        id,
        user_id,
        now
    )?)
}

pub fn revoke_all_for_user(db: &D1Database, user_id: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "UPDATE api_keys SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL", user_id, now)?)
}

/// The stored hashes of these people's keys that were live at `revoked_since` (so keys revoked
/// by the change being made are included).
pub async fn hashes_of_users(db: &D1Database, user_ids: &[String], revoked_since: i64) -> ApiResult<Vec<String>> {
    #[derive(Deserialize)]
    struct Hash {
        secret_hash: String,
    }
    let ids = super::json_ids(user_ids);
    Ok(query!(
        db,
        "SELECT secret_hash FROM api_keys WHERE user_id IN (SELECT value FROM json_each(?1))
         AND (revoked_at IS NULL OR revoked_at >= ?2)",
        ids,
        revoked_since
    )?
    .all()
    .await?
    .results::<Hash>()?
    .into_iter()
    .map(|h| h.secret_hash)
    .collect())
}

pub async fn touch(db: &D1Database, id: &str, now: i64) -> ApiResult<()> {
    query!(db, "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", id, now)?.run().await?;
    Ok(())
}
