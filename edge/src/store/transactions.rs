//! Single-use OAuth transactions: written at authorize, consumed atomically at the callback.

use serde::Deserialize;
use worker::{D1Database, query};

use crate::error::ApiResult;

#[derive(Debug, Clone, Deserialize)]
pub struct TransactionRow {
    pub state_hash: String,
    pub connection_id: String,
    pub user_id: String,
    pub session_hash: String,
    pub purpose: String,
    pub pkce_verifier: Option<String>,
    pub redirect_uri: String,
    pub expires_at: i64,
}

pub struct NewTransaction<'a> {
    pub state_hash: &'a str,
    pub connection_id: &'a str,
    pub user_id: &'a str,
    pub session_hash: &'a str,
    pub purpose: &'a str,
    pub pkce_verifier: Option<&'a str>,
    pub redirect_uri: &'a str,
    pub expires_at: i64,
    pub now: i64,
}

pub async fn insert(db: &D1Database, t: &NewTransaction<'_>) -> ApiResult<()> {
    // Expired transactions are swept on the way in, so the table stays small without a job.
    db.batch(vec![
        query!(db, "DELETE FROM oauth_transactions WHERE expires_at < ?1", t.now)?,
        query!(
            db,
            "INSERT INTO oauth_transactions (state_hash, connection_id, user_id, session_hash, purpose, pkce_verifier,
                redirect_uri, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            t.state_hash,
            t.connection_id,
            t.user_id,
            t.session_hash,
            t.purpose,
            t.pkce_verifier,
            t.redirect_uri,
            t.expires_at,
            t.now,
        )?,
    ])
    .await?;
    Ok(())
}

/// Take the transaction out: whoever deletes it owns it, so a replayed state finds nothing.
pub async fn consume(db: &D1Database, state_hash: &str) -> ApiResult<Option<TransactionRow>> {
    Ok(query!(
        db,
        "DELETE FROM oauth_transactions WHERE state_hash = ?1
         RETURNING state_hash, connection_id, user_id, session_hash, purpose, pkce_verifier, redirect_uri, expires_at",
        state_hash
    )?
    .first::<TransactionRow>(None)
    .await?)
}
