//! The `tokens` table: the vault's source of truth. Token columns hold envelopes only.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use super::connections::Destination;
use super::unreadable;
use crate::error::ApiResult;
use domain::api::TokenStatusView;
use domain::token::{TokenKind, TokenStatus};

/// A `tokens` row, enum columns parsed as it is read (`store::unreadable`).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub connection_id: String,
    pub kind: TokenKind,
    pub user_id: Option<String>,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub token_type: String,
    pub scope: Option<String>,
    pub instance_url: Option<String>,
    pub expires_at: Option<i64>,
    pub status: TokenStatus,
    pub last_refresh_at: Option<i64>,
    pub last_error: Option<String>,
    pub updated_at: i64,
    /// The token endpoint that issued this set; refresh tokens go nowhere else.
    pub token_url: Option<String>,
    /// The connection's destination epoch when the set was issued.
    pub destination_version: Option<i64>,
    /// Which token set this is: counted up by every consent and saved refresh (not by
    /// re-encryption); a refresh writes only over the revision it started from.
    pub revision: i64,
}

impl TokenRow {
    pub fn status_view(&self, now: i64) -> TokenStatusView {
        TokenStatusView {
            status: domain::token::display_status(self.status, self.expires_at, now),
            expires_at: self.expires_at,
            last_refresh_at: self.last_refresh_at,
            last_error: self.last_error.clone(),
            updated_at: self.updated_at,
        }
    }
}

const TABLE: &str = "tokens";

const SELECT: &str = "SELECT id, connection_id, kind, user_id, access_token, refresh_token, token_type, scope,
    instance_url, expires_at, status, last_refresh_at, last_error, updated_at, token_url, destination_version, revision
    FROM tokens";

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<TokenRow>> {
    query!(db, &format!("{SELECT} WHERE id = ?1"), id)?.first::<TokenRow>(None).await.map_err(unreadable(TABLE))
}

/// Several tokens by id, in one query (a page of "my connections" needs two per row).
pub async fn by_ids(db: &D1Database, ids: &[String]) -> ApiResult<std::collections::HashMap<String, TokenRow>> {
    let rows = query!(db, &format!("{SELECT} WHERE id IN (SELECT value FROM json_each(?1))"), super::json_ids(ids))?
        .all()
        .await?
        .results::<TokenRow>()
        .map_err(unreadable(TABLE))?;
    Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
}

/// Sealed values of a token set, ready to store.
pub struct SealedToken<'a> {
    pub id: &'a str,
    pub connection_id: &'a str,
    pub kind: TokenKind,
    pub user_id: Option<&'a str>,
    pub access_token: &'a str,
    /// `None` keeps the stored refresh token (providers that do not rotate omit it).
    pub refresh_token: Option<&'a str>,
    pub token_type: &'a str,
    pub scope: Option<&'a str>,
    pub instance_url: Option<&'a str>,
    pub expires_at: Option<i64>,
    /// A set just issued is `TokenStatus::Valid` (`domain::token::status_of_issued`).
    pub status: TokenStatus,
    pub refreshed: bool,
    pub now: i64,
    /// Where the set was issued: stored with it, and the write holds only while the connection
    /// still points there.
    pub destination: Destination<'a>,
}

/// Store a new token set (a consent, a client-credentials fetch), only while the connection
/// still sends credentials where the set was issued, and a user token only while its owner may
/// use the connection: a consent that raced with a destination change or a lost invite keeps
/// nothing. `store::changed` on the result tells whether the row was written.
pub fn save(db: &D1Database, t: &SealedToken<'_>) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO tokens (id, connection_id, kind, user_id, access_token, refresh_token, token_type, scope,
            instance_url, expires_at, status, last_refresh_at, last_error, created_at, updated_at, token_url,
            destination_version)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?15, ?11, NULL, ?12, ?12, ?13, ?14
         WHERE EXISTS (SELECT 1 FROM connections c WHERE c.id = ?2 AND c.token_url = ?13 AND c.destination_version = ?14)
           AND (?3 != 'user' OR EXISTS (SELECT 1 FROM connection_roles cr JOIN role_members m ON m.role_id = cr.role_id
                JOIN users u ON u.id = m.user_id AND u.active = 1 WHERE cr.connection_id = ?2 AND m.user_id = ?4))
         ON CONFLICT (id) DO UPDATE SET access_token = excluded.access_token,
            refresh_token = COALESCE(excluded.refresh_token, tokens.refresh_token),
            token_type = excluded.token_type, scope = COALESCE(excluded.scope, tokens.scope),
            instance_url = COALESCE(excluded.instance_url, tokens.instance_url), expires_at = excluded.expires_at,
            status = excluded.status, last_refresh_at = COALESCE(excluded.last_refresh_at, tokens.last_refresh_at),
            last_error = NULL, updated_at = excluded.updated_at, token_url = excluded.token_url,
            destination_version = excluded.destination_version, revision = tokens.revision + 1",
        t.id,
        t.connection_id,
        t.kind,
        t.user_id,
        t.access_token,
        t.refresh_token,
        t.token_type,
        t.scope,
        t.instance_url,
        t.expires_at,
        t.refreshed.then_some(t.now),
        t.now,
        t.destination.token_url,
        t.destination.version,
        t.status,
    )?)
}

/// Store a refreshed set over the row it was refreshed from (`revision`), never creating one: a
/// token deleted while its refresh was in flight (forgotten, access lost, destination changed)
/// stays deleted, and a set replaced meanwhile by a new consent stays replaced.
pub fn save_refreshed(db: &D1Database, t: &SealedToken<'_>, revision: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE tokens SET access_token = ?2, refresh_token = COALESCE(?3, refresh_token), token_type = ?4,
            scope = COALESCE(?5, scope), instance_url = COALESCE(?6, instance_url), expires_at = ?7,
            status = ?11, last_refresh_at = ?8, last_error = NULL, updated_at = ?8, revision = revision + 1
         WHERE id = ?1 AND token_url = ?9 AND destination_version = ?10 AND revision = ?12
           AND EXISTS (SELECT 1 FROM connections c WHERE c.id = tokens.connection_id AND c.token_url = ?9
                AND c.destination_version = ?10)",
        t.id,
        t.access_token,
        t.refresh_token,
        t.token_type,
        t.scope,
        t.instance_url,
        t.expires_at,
        t.now,
        t.destination.token_url,
        t.destination.version,
        t.status,
        revision,
    )?)
}

/// Guard for the batch that records a failed refresh: it fails the batch (`store::guard_failed`)
/// unless the row still holds the set the refresh started from, so a failure of a set that a new
/// consent replaced meanwhile marks nothing and tells nobody.
pub fn expect_revision(db: &D1Database, id: &str, revision: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "SELECT json(CASE WHEN EXISTS (SELECT 1 FROM tokens WHERE id = ?1 AND revision = ?2)
                          THEN '0' ELSE 'token_replaced' END) AS ok",
        id,
        revision
    )?)
}

/// A refresh failed: remember why, and the status `domain::token::status_after_failure` gave
/// (`None` keeps the stored one).
pub fn record_failure(
    db: &D1Database,
    id: &str,
    status: Option<TokenStatus>,
    error: &str,
    now: i64,
) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE tokens SET status = COALESCE(?2, status), last_error = ?3, updated_at = ?4 WHERE id = ?1",
        id,
        status,
        error,
        now
    )?)
}

pub fn delete(db: &D1Database, id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM tokens WHERE id = ?1", id)?)
}

/// Every stored token of a connection, shared and per person (its destination changed).
pub fn delete_of_connection(db: &D1Database, connection_id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM tokens WHERE connection_id = ?1", connection_id)?)
}

/// A connection's saved tokens (shared and per person), read before they are dropped.
pub async fn of_connection(db: &D1Database, connection_id: &str) -> ApiResult<Vec<TokenRow>> {
    query!(db, &format!("{SELECT} WHERE connection_id = ?1"), connection_id)?
        .all()
        .await?
        .results::<TokenRow>()
        .map_err(unreadable(TABLE))
}

/// The ids of a connection's saved tokens (shared and per person).
pub async fn ids_of_connection(db: &D1Database, connection_id: &str) -> ApiResult<Vec<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let rows =
        query!(db, "SELECT id FROM tokens WHERE connection_id = ?1", connection_id)?.all().await?.results::<Id>()?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Ids of tokens with a refresh token that expire within `window` seconds (for the cron).
pub async fn expiring(db: &D1Database, now: i64, window: i64) -> ApiResult<Vec<TokenRow>> {
    query!(
        db,
        &format!("{SELECT} WHERE status = ?2 AND expires_at IS NOT NULL AND expires_at < ?1 AND refresh_token IS NOT NULL LIMIT 200"),
        now + window,
        TokenStatus::Valid
    )?
    .all()
    .await?
    .results::<TokenRow>()
    .map_err(unreadable(TABLE))
}
