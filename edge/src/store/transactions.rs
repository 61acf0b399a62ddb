//! Single-use OAuth transactions: written at authorize, consumed atomically at the callback.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use crate::error::ApiResult;
use domain::consent::ConsentPurpose;

#[derive(Debug, Clone, Deserialize)]
pub struct TransactionRow {
    pub state_hash: String,
    pub connection_id: String,
    pub user_id: String,
    pub purpose: ConsentPurpose,
    pub pkce_verifier: Option<String>,
    pub redirect_uri: String,
    pub expires_at: i64,
    /// The connection's destination epoch when the consent started.
    pub destination_version: i64,
}

pub struct NewTransaction<'a> {
    pub state_hash: &'a str,
    pub connection_id: &'a str,
    pub user_id: &'a str,
    pub session_hash: &'a str,
    pub purpose: ConsentPurpose,
    pub pkce_verifier: Option<&'a str>,
    pub redirect_uri: &'a str,
    pub expires_at: i64,
    pub now: i64,
    pub destination_version: i64,
}

pub async fn insert(db: &D1Database, t: &NewTransaction<'_>) -> ApiResult<()> {
    // Expired transactions are swept on the way in, so the table stays small without a job.
    db.batch(vec![
        query!(db, "DELETE FROM oauth_transactions WHERE expires_at < ?1", t.now)?,
        query!(
            db,
            "INSERT INTO oauth_transactions (state_hash, connection_id, user_id, session_hash, purpose, pkce_verifier,
                redirect_uri, expires_at, created_at, destination_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            t.state_hash,
            t.connection_id,
            t.user_id,
            t.session_hash,
            t.purpose,
            t.pkce_verifier,
            t.redirect_uri,
            t.expires_at,
            t.now,
            t.destination_version,
        )?,
    ])
    .await?;
    Ok(())
}

/// Take the transaction out, only for the browser session that started it: whoever deletes it
/// owns it, so a replayed state finds nothing, and a stranger who got hold of a callback URL
/// (without the session) cannot burn someone else's consent. One statement, so it is atomic.
pub async fn consume(db: &D1Database, state_hash: &str, session_hash: &str) -> ApiResult<Option<TransactionRow>> {
    query!(
        db,
        "DELETE FROM oauth_transactions WHERE state_hash = ?1 AND session_hash = ?2
         RETURNING state_hash, connection_id, user_id, purpose, pkce_verifier, redirect_uri, expires_at,
            destination_version",
        state_hash,
        session_hash
    )?
    .first::<TransactionRow>(None)
    .await
    .map_err(super::unreadable("oauth_transactions"))
}

/// A session ended (sign-out, expiry): its consents in flight end with it.
pub fn delete_of_session(db: &D1Database, session_hash: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM oauth_transactions WHERE session_hash = ?1", session_hash)?)
}

/// These people's rights changed (deactivated, roles lost): their consents in flight end.
pub fn delete_of_users(db: &D1Database, user_ids: &[String]) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "DELETE FROM oauth_transactions WHERE user_id IN (SELECT value FROM json_each(?1))",
        super::json_ids(user_ids)
    )?)
}

/// The connection's destination changed: a consent started against the old one must not finish.
pub fn delete_of_connection(db: &D1Database, connection_id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM oauth_transactions WHERE connection_id = ?1", connection_id)?)
}
