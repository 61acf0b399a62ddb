//! The `connections` table and its invited roles. The client secret column holds an envelope
//! (`envelope.rs`); this module never sees plaintext.

use std::collections::BTreeMap;

use domain::api::{ConnectionView, RoleName, TokenStatusView};
use domain::connection::{ClientAuthMethod, ConnectionStatus, GrantType};
use domain::list_order::{ConnectionSort, ListCursor, SortDirection, SortValue};
use domain::provider::ProviderKind;
use domain::token::TokenStatus;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use super::{json_list, unreadable};
use crate::error::{ApiError, ApiResult};

/// A `connections` row; its enum columns are parsed as it is read, so an unknown name fails the
/// read (logged with the table by `store::unreadable`) instead of becoming a default.
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionRow {
    pub id: String,
    pub provider: ProviderKind,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub grant_type: GrantType,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub authorization_url: String,
    pub token_url: String,
    pub scopes: String,
    pub placeholders: String,
    pub client_auth_method: ClientAuthMethod,
    pub save_credentials: i64,
    pub issuer: String,
    pub revocation_url: String,
    pub iss_required: i64,
    pub status: ConnectionStatus,
    pub tokens_stale: i64,
    /// Bumped by every write of the row: edits compare it (optimistic concurrency).
    pub version: i64,
    /// Bumped by every change of where credentials go; tokens and consents carry the one they
    /// were made under.
    pub destination_version: i64,
    /// Where the proxy sends calls (`domain::api_base`); `None` until set.
    pub api_base_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub invited_role_ids: String,
    /// JSON array of `{id, name}` of the invited roles.
    pub invited_roles: String,
    /// JSON of the shared token's state columns, when one is saved.
    pub shared_token: Option<String>,
}

#[derive(Deserialize)]
struct SharedTokenState {
    status: TokenStatus,
    expires_at: Option<i64>,
    last_refresh_at: Option<i64>,
    last_error: Option<String>,
    updated_at: i64,
}

impl ConnectionRow {
    /// Where a token set issued for this connection now comes from.
    pub fn destination(&self) -> Destination<'_> {
        Destination { token_url: &self.token_url, version: self.destination_version }
    }

    pub fn scopes(&self) -> Vec<String> {
        json_list(&self.scopes)
    }

    pub fn placeholders(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.placeholders).unwrap_or_default()
    }

    /// As the API shows it; token states are judged at `now`.
    pub fn view(&self, now: i64) -> ApiResult<ConnectionView> {
        let mut invited_role_ids: Vec<String> = json_list(&self.invited_role_ids);
        invited_role_ids.sort();
        let shared_token = match self.shared_token.as_deref() {
            Some(json) => Some(serde_json::from_str::<SharedTokenState>(json).map_err(|e| {
                ApiError::internal(format!("tokens: unreadable shared token of connection {}: {e}", self.id))
            })?),
            None => None,
        };
        let mut invited_roles: Vec<RoleName> = serde_json::from_str(&self.invited_roles).map_err(|e| {
            ApiError::internal(format!("roles: unreadable invited roles of connection {}: {e}", self.id))
        })?;
        invited_roles.sort_by_key(|r| r.name.to_lowercase());
        let shared_token = shared_token.map(|t| TokenStatusView {
            status: domain::token::display_status(t.status, t.expires_at, now),
            expires_at: t.expires_at,
            last_refresh_at: t.last_refresh_at,
            last_error: t.last_error,
            updated_at: t.updated_at,
        });
        let readiness = domain::readiness::readiness(
            self.status,
            self.grant_type,
            self.tokens_stale != 0,
            shared_token.as_ref().map(|t| t.status),
        );
        Ok(ConnectionView {
            id: self.id.clone(),
            provider: self.provider,
            name: self.name.clone(),
            description: self.description.clone(),
            grant_type: self.grant_type,
            client_id: self.client_id.clone(),
            client_secret_set: self.client_secret.is_some(),
            authorization_url: self.authorization_url.clone(),
            token_url: self.token_url.clone(),
            scopes: self.scopes(),
            placeholders: self.placeholders(),
            client_auth_method: self.client_auth_method,
            save_credentials: self.save_credentials != 0,
            api_base_url: self.api_base_url.clone(),
            issuer: self.issuer.clone(),
            revocation_url: self.revocation_url.clone(),
            iss_required: self.iss_required != 0,
            status: self.status,
            tokens_stale: self.tokens_stale != 0,
            readiness,
            invited_role_ids,
            invited_roles,
            shared_token,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const TABLE: &str = "connections";

const SELECT: &str = "SELECT c.id, c.provider, c.name, c.name_key, c.description, c.grant_type, c.client_id,
    c.client_secret, c.authorization_url, c.token_url, c.scopes, c.placeholders, c.client_auth_method,
    c.save_credentials, c.status, c.tokens_stale, c.version, c.destination_version, c.api_base_url, c.issuer,
    c.revocation_url, c.iss_required, c.created_at, c.updated_at,
    (SELECT json_group_array(r.role_id) FROM connection_roles r WHERE r.connection_id = c.id) AS invited_role_ids,
    (SELECT json_group_array(json_object('id', ro.id, 'name', ro.name)) FROM connection_roles r
        JOIN roles ro ON ro.id = r.role_id WHERE r.connection_id = c.id) AS invited_roles,
    (SELECT json_object('status', t.status, 'expires_at', t.expires_at, 'last_refresh_at', t.last_refresh_at,
        'last_error', t.last_error, 'updated_at', t.updated_at) FROM tokens t WHERE t.id = c.id || ':shared') AS shared_token
    FROM connections c";

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<ConnectionRow>> {
    query!(db, &format!("{SELECT} WHERE c.id = ?1"), id)?.first::<ConnectionRow>(None).await.map_err(unreadable(TABLE))
}

/// The API base URL alone (the vault reads it with a token, once per memory bound).
pub async fn api_base_of(db: &D1Database, id: &str) -> ApiResult<Option<String>> {
    #[derive(Deserialize)]
    struct Base {
        api_base_url: Option<String>,
    }
    let row = query!(db, "SELECT api_base_url FROM connections WHERE id = ?1", id)?
        .first::<Base>(None)
        .await
        .map_err(unreadable(TABLE))?;
    Ok(row.and_then(|r| r.api_base_url))
}

pub struct ListFilter<'a> {
    pub q: &'a str,
    pub provider: Option<ProviderKind>,
    pub status: Option<ConnectionStatus>,
    pub sort: ConnectionSort,
    pub direction: SortDirection,
    pub cursor: Option<&'a ListCursor>,
    pub limit: u32,
}

/// The SQL of a sort key: a column, or the status's attention rank written out from
/// `ConnectionStatus::attention_rank` (domain decides the order; only its constants reach SQL).
fn sort_key(sort: ConnectionSort) -> String {
    match sort {
        ConnectionSort::Name => "c.name_key".into(),
        ConnectionSort::Provider => "c.provider".into(),
        ConnectionSort::Updated => "c.updated_at".into(),
        ConnectionSort::Status => {
            let arms: String = ConnectionStatus::ALL
                .iter()
                .map(|s| format!(" WHEN '{}' THEN {}", s.as_str(), s.attention_rank()))
                .collect();
            format!("(CASE c.status{arms} END)")
        }
    }
}

/// A row's sort value, for the cursor after it.
pub fn sort_value(row: &ConnectionRow, sort: ConnectionSort) -> SortValue {
    match sort {
        ConnectionSort::Name => SortValue::Text(row.name_key.clone()),
        ConnectionSort::Provider => SortValue::Text(row.provider.as_str().into()),
        ConnectionSort::Status => SortValue::Number(row.status.attention_rank()),
        ConnectionSort::Updated => SortValue::Number(row.updated_at),
    }
}

/// One page in the chosen order, after the cursor's row (ties broken by name key); provider and
/// status filters use their indexes.
pub fn list(db: &D1Database, filter: &ListFilter<'_>) -> ApiResult<D1PreparedStatement> {
    let needle = filter.q.trim().to_lowercase();
    let key = sort_key(filter.sort);
    let (after, order) = match filter.direction {
        SortDirection::Asc => (">", "ASC"),
        SortDirection::Desc => ("<", "DESC"),
    };
    let sql = format!(
        "{SELECT} WHERE (?1 IS NULL OR {key} {after} ?1 OR ({key} = ?1 AND c.name_key > ?2))
           AND (?3 IS NULL OR c.provider = ?3)
           AND (?4 IS NULL OR c.status = ?4)
           AND (?5 = '' OR instr(c.name_key, ?5) > 0 OR instr(lower(c.description), ?5) > 0)
         ORDER BY {key} {order}, c.name_key ASC LIMIT ?6"
    );
    let value = filter.cursor.map(|c| match &c.value {
        SortValue::Text(text) => serde_json::Value::from(text.as_str()),
        SortValue::Number(n) => serde_json::Value::from(*n),
    });
    let name_key = filter.cursor.map(|c| c.name_key.as_str());
    Ok(query!(db, &sql, value, name_key, filter.provider, filter.status, needle, filter.limit)?)
}

/// Every stored field of a connection, secret already sealed.
pub struct ConnectionRecord<'a> {
    pub id: &'a str,
    pub valid: &'a domain::connection::ValidConnection,
    /// The envelope to store; `None` keeps what is there (updates) or stores none (creates).
    pub sealed_secret: Option<&'a str>,
    pub status: ConnectionStatus,
    pub tokens_stale: bool,
    pub now: i64,
    /// The destination epoch to store (bumped by the caller when credentials go elsewhere).
    pub destination_version: i64,
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Insert a new connection or update an existing one with the same id: one statement, so the
/// column list is written once. An update keeps `created_by`/`created_at`, and keeps the stored
/// secret when `sealed_secret` is `None`.
pub fn save(db: &D1Database, record: &ConnectionRecord<'_>, created_by: &str) -> ApiResult<D1PreparedStatement> {
    let v = record.valid;
    Ok(query!(
        db,
        "INSERT INTO connections (id, provider, name, name_key, description, grant_type, client_id, client_secret,
            authorization_url, token_url, scopes, placeholders, client_auth_method, save_credentials, status,
            tokens_stale, created_by, created_at, updated_at, destination_version, api_base_url, issuer,
            revocation_url, iss_required)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?20, ?21,
            ?22, ?23)
         ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, name = excluded.name,
            name_key = excluded.name_key, description = excluded.description, grant_type = excluded.grant_type,
            client_id = excluded.client_id, client_secret = COALESCE(excluded.client_secret, connections.client_secret),
            authorization_url = excluded.authorization_url, token_url = excluded.token_url, scopes = excluded.scopes,
            placeholders = excluded.placeholders, client_auth_method = excluded.client_auth_method,
            save_credentials = excluded.save_credentials, status = excluded.status,
            tokens_stale = excluded.tokens_stale, updated_at = excluded.updated_at,
            destination_version = excluded.destination_version, api_base_url = excluded.api_base_url,
            issuer = excluded.issuer, revocation_url = excluded.revocation_url, iss_required = excluded.iss_required,
            version = connections.version + 1",
        record.id,
        v.provider,
        v.name,
        domain::validate::name_key(&v.name),
        v.description,
        v.grant_type,
        v.client_id,
        record.sealed_secret,
        v.authorization_url,
        v.token_url,
        json(&v.scopes),
        json(&v.placeholders),
        v.client_auth_method,
        i64::from(v.save_credentials),
        record.status,
        i64::from(record.tokens_stale),
        created_by,
        record.now,
        record.destination_version,
        v.api_base_url,
        v.issuer,
        v.revocation_url,
        i64::from(v.iss_required),
    )?)
}

/// Put first in an edit's batch: fails the whole batch (so nothing of it is written) unless the
/// row still exists at the version the edit was computed from. `json('conflict')` is the error
/// (SQLite has no RAISE outside triggers); the subquery keeps it from being evaluated early.
pub fn expect_version(db: &D1Database, id: &str, version: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "SELECT json(CASE WHEN (SELECT version FROM connections WHERE id = ?1) IS ?2 THEN '0' ELSE 'conflict' END) AS ok",
        id,
        version
    )?)
}

/// Whether a failed batch failed on `expect_version`.
pub fn is_conflict(error: &worker::Error) -> bool {
    super::guard_failed(error)
}

pub fn delete(db: &D1Database, id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM connections WHERE id = ?1", id)?)
}

/// Replace the invited roles (custom roles only; the caller checked).
pub fn set_invited_roles(db: &D1Database, id: &str, role_ids: &[String]) -> ApiResult<Vec<D1PreparedStatement>> {
    let mut statements = vec![query!(db, "DELETE FROM connection_roles WHERE connection_id = ?1", id)?];
    for role_id in role_ids {
        statements.push(query!(
            db,
            "INSERT INTO connection_roles (connection_id, role_id) SELECT ?1, id FROM roles WHERE id = ?2 AND system = 0",
            id,
            role_id
        )?);
    }
    Ok(statements)
}

pub fn set_status(db: &D1Database, id: &str, status: ConnectionStatus, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE connections SET status = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1",
        id,
        status,
        now
    )?)
}

/// Where a token set came from: the token endpoint and the destination epoch of the connection.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub token_url: &'a str,
    pub version: i64,
}

/// After a successful consent or test: the status `domain::connection::next_status` gave for
/// `StatusEvent::Authorized`, and the shared token is fresh again when `shared`; only while the
/// connection still points at the token endpoint that was tested (an edit that raced with the
/// consent made it a draft, and it stays one). `updated_at` moves only when the status does:
/// a person's own consent on a ready connection changes nothing anyone else sees.
pub fn mark_authorized(
    db: &D1Database,
    id: &str,
    status: ConnectionStatus,
    shared: bool,
    destination: Destination<'_>,
    now: i64,
) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE connections SET status = ?4, tokens_stale = CASE WHEN ?2 THEN 0 ELSE tokens_stale END,
            updated_at = CASE WHEN status = ?4 THEN updated_at ELSE ?3 END, version = version + 1
         WHERE id = ?1 AND token_url = ?5 AND destination_version = ?6",
        id,
        shared,
        now,
        status,
        destination.token_url,
        destination.version
    )?)
}

/// One page of the connections the user may use (those inviting a role the user is a member
/// of), by name key after `cursor`, matching `q` in the name.
pub async fn usable_by(
    db: &D1Database,
    user_id: &str,
    q: &str,
    cursor: &str,
    limit: u32,
) -> ApiResult<Vec<ConnectionRow>> {
    let needle = q.trim().to_lowercase();
    query!(
        db,
        &format!(
            "{SELECT} WHERE c.id IN (SELECT cr.connection_id FROM connection_roles cr
               JOIN role_members m ON m.role_id = cr.role_id WHERE m.user_id = ?1)
             AND c.name_key > ?2 AND (?3 = '' OR instr(c.name_key, ?3) > 0)
             ORDER BY c.name_key LIMIT ?4"
        ),
        user_id,
        cursor,
        needle,
        limit
    )?
    .all()
    .await?
    .results::<ConnectionRow>()
    .map_err(unreadable(TABLE))
}
