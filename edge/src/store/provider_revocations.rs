//! The `provider_revocations` table: dropped tokens still to be revoked at their provider
//! (`provider_revocation.rs`). Its secret columns hold envelopes sealed for their own row.

use domain::connection::ClientAuthMethod;
use domain::provider_revocation::{DropReason, TokenHint};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use super::unreadable;
use crate::error::ApiResult;

/// A queued revocation, enum columns parsed as it is read (`store::unreadable`).
#[derive(Debug, Clone, Deserialize)]
pub struct PendingRevocation {
    pub id: String,
    pub connection_id: String,
    pub token_id: String,
    pub reason: DropReason,
    pub revocation_url: String,
    pub client_id: String,
    pub client_auth_method: ClientAuthMethod,
    pub client_secret: Option<String>,
    pub token: String,
    pub token_type_hint: TokenHint,
    /// Attempts made before this one.
    pub attempts: i64,
    pub created_at: i64,
}

const TABLE: &str = "provider_revocations";

const COLUMNS: &str = "id, connection_id, token_id, reason, revocation_url, client_id, client_auth_method,
    client_secret, token, token_type_hint, attempts, created_at";

/// Queue one; due at once (`now`). Runs in the batch that drops the token, where there is one.
pub fn insert(db: &D1Database, row: &PendingRevocation) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO provider_revocations (id, connection_id, token_id, reason, revocation_url, client_id,
            client_auth_method, client_secret, token, token_type_hint, attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        row.id,
        row.connection_id,
        row.token_id,
        row.reason,
        row.revocation_url,
        row.client_id,
        row.client_auth_method,
        row.client_secret,
        row.token,
        row.token_type_hint,
        row.attempts,
        row.created_at,
    )?)
}

/// Take up to `limit` due revocations for one attempt each: their next attempt moves to `lease`
/// at once, so a cron run and a request's background task do not both send the same one.
pub async fn claim_due(db: &D1Database, now: i64, lease: i64, limit: u32) -> ApiResult<Vec<PendingRevocation>> {
    query!(
        db,
        &format!(
            "UPDATE provider_revocations SET next_attempt_at = ?2 WHERE id IN (
                SELECT id FROM provider_revocations WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?3)
             RETURNING {COLUMNS}"
        ),
        now,
        lease,
        limit
    )?
    .all()
    .await?
    .results::<PendingRevocation>()
    .map_err(unreadable(TABLE))
}

/// Revoked, or given up: the row and its sealed token go.
pub fn done(db: &D1Database, id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM provider_revocations WHERE id = ?1", id)?)
}

/// Another attempt at `at`.
pub fn retry_at(db: &D1Database, id: &str, attempts: i64, at: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE provider_revocations SET attempts = ?2, next_attempt_at = ?3 WHERE id = ?1",
        id,
        attempts,
        at
    )?)
}
