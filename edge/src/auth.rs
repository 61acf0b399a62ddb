//! Who is calling: a browser session (cookie `__Host-session`) or a bot key (`Authorization:
//! Bearer eoc_…`), resolved with one D1 read to a principal with the grants of its roles.
//!
//! A bot key also has scopes (`domain::key_scope`): every key-authenticated request is checked
//! against its route here, once, so a `tokens` key gets `forbidden` everywhere but the token
//! routes whatever handler it reaches. (The key's tag was checked before the route ran:
//! `screen.rs`.)

use worker::{D1Database, Request};

use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::store::audit::{Actor, ActorKind};
use crate::store::users::RoleGrant;
use crate::store::{api_keys, json_list, sessions};
use domain::error::ErrorCode;
use domain::key_scope::{self, KeyScope};
use domain::permission::{Grants, Permission};
use domain::session::{SessionCheck, check_session};

pub const SESSION_COOKIE: &str = "__Host-session";
/// `last_used_at` of a key is written at most this often.
pub const KEY_TOUCH_EVERY_SECONDS: i64 = 60;

#[derive(Debug, Clone)]
pub enum Via {
    Session { id_hash: String },
    ApiKey { key_id: String, scopes: Vec<KeyScope> },
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub grants: Grants,
    pub via: Via,
}

impl Principal {
    /// How the audit log names this caller.
    pub fn actor(&self) -> Actor {
        match &self.via {
            Via::Session { .. } => Actor { kind: ActorKind::User, id: Some(self.user_id.clone()) },
            Via::ApiKey { key_id, .. } => Actor { kind: ActorKind::ApiKey, id: Some(key_id.clone()) },
        }
    }

    /// A bot key as its gate knows it: enough to act on a connection and be audited; no
    /// feature permissions (the token API needs none) and the least scope (every scope reaches
    /// the token API).
    pub fn bot(user_id: String, key_id: String) -> Principal {
        let via = Via::ApiKey { key_id, scopes: vec![KeyScope::Tokens] };
        Principal { user_id, grants: Grants::from_roles(std::iter::empty()), via }
    }

    /// Refuse a key whose scopes do not reach this request's route (`domain::key_scope`);
    /// people are not limited by scopes.
    pub fn check_scope(&self, req: &Request) -> ApiResult<()> {
        match &self.via {
            Via::ApiKey { scopes, .. } if !key_scope::allows(scopes, req.method().as_ref(), &req.path()) => {
                Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "this key may only get tokens and read connections: create a key with the manage scope for this",
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn is_bot(&self) -> bool {
        matches!(self.via, Via::ApiKey { .. })
    }
}

pub fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::Forbidden, "you do not have permission to do this")
}

pub fn unauthenticated() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, "sign in, or send a valid API key")
}

pub fn grants_of(roles_json: &str) -> Grants {
    let roles: Vec<RoleGrant> = json_list(roles_json);
    let parsed: Vec<(String, Vec<Permission>)> = roles
        .into_iter()
        .map(|r| (r.id, r.permissions.iter().filter_map(|p| Permission::parse(p)).collect()))
        .collect();
    Grants::from_roles(parsed.iter().map(|(id, p)| (id.as_str(), p.as_slice())))
}

/// The caller, who must be an admin.
pub async fn require_admin(req: &Request, db: &D1Database, now: i64) -> ApiResult<Principal> {
    let principal = require(req, db, now).await?;
    if principal.grants.is_admin { Ok(principal) } else { Err(forbidden()) }
}

/// The caller, who must have `connections.view` (or manage).
pub async fn require_connection_viewer(req: &Request, db: &D1Database, now: i64) -> ApiResult<Principal> {
    let principal = require(req, db, now).await?;
    if principal.grants.can_view_connections() { Ok(principal) } else { Err(forbidden()) }
}

/// The caller, who must have `connections.manage`.
pub async fn require_connection_manager(req: &Request, db: &D1Database, now: i64) -> ApiResult<Principal> {
    let principal = require(req, db, now).await?;
    if principal.grants.can_manage_connections() { Ok(principal) } else { Err(forbidden()) }
}

/// The caller, or `unauthenticated`.
pub async fn require(req: &Request, db: &D1Database, now: i64) -> ApiResult<Principal> {
    authenticate(req, db, now).await?.ok_or_else(unauthenticated)
}

/// The caller if any credential was sent and is good; a bad credential is `unauthenticated`,
/// never silently anonymous.
pub async fn authenticate(req: &Request, db: &D1Database, now: i64) -> ApiResult<Option<Principal>> {
    if let Some(key) = bearer_key(req)? {
        return by_api_key(req, db, &key, now).await.map(Some);
    }
    match session_id(req)? {
        Some(id) => by_session(req, db, &id, now).await.map(Some),
        None => Ok(None),
    }
}

/// The bot key in `Authorization: Bearer …`, if that header is sent; a header that does not
/// hold a well-formed key is `unauthenticated`.
pub fn bearer_key(req: &Request) -> ApiResult<Option<String>> {
    let Some(header) = req.headers().get("authorization")? else { return Ok(None) };
    let key = header.strip_prefix("Bearer ").map(str::trim).ok_or_else(unauthenticated)?;
    domain::api_key::parse(key).ok_or_else(unauthenticated)?;
    Ok(Some(key.to_string()))
}

async fn by_api_key(req: &Request, db: &D1Database, key: &str, now: i64) -> ApiResult<Principal> {
    let row = api_keys::find_by_hash(db, &crypto::sha256_hex(key.as_bytes())).await?.ok_or_else(unauthenticated)?;
    key_principal(req, db, row, now).await
}

/// A live key's principal, if its scopes reach this request's route (every key goes through
/// here: `authenticate`, `require_with_rows`, and so every `require*`).
async fn key_principal(req: &Request, db: &D1Database, row: api_keys::KeyOwnerRow, now: i64) -> ApiResult<Principal> {
    if row.revoked_at.is_some() || row.active == 0 {
        return Err(unauthenticated());
    }
    let via = Via::ApiKey { key_id: row.id.clone(), scopes: key_scope::from_stored(&row.scopes) };
    let principal = Principal { user_id: row.user_id, grants: grants_of(&row.roles), via };
    crate::request_log::note_actor(req, &principal.actor());
    principal.check_scope(req)?;
    if row.last_used_at.is_none_or(|t| now - t >= KEY_TOUCH_EVERY_SECONDS) {
        api_keys::touch(db, &row.id, now).await?;
    }
    Ok(principal)
}

async fn by_session(req: &Request, db: &D1Database, session_id: &str, now: i64) -> ApiResult<Principal> {
    let id_hash = crypto::sha256_hex(session_id.as_bytes());
    let row = sessions::find(db, &id_hash).await?.ok_or_else(unauthenticated)?;
    session_principal(req, db, id_hash, row, now).await
}

async fn session_principal(
    req: &Request,
    db: &D1Database,
    id_hash: String,
    row: sessions::SessionRow,
    now: i64,
) -> ApiResult<Principal> {
    match check_session(row.created_at, row.last_seen_at, now) {
        SessionCheck::Expired => {
            sessions::delete(db, &id_hash)?.run().await?;
            return Err(unauthenticated());
        }
        SessionCheck::Valid { touch: true } => sessions::touch(db, &id_hash, now).await?,
        SessionCheck::Valid { touch: false } => {}
    }
    if row.active == 0 {
        return Err(unauthenticated());
    }
    let principal = Principal { user_id: row.user_id, grants: grants_of(&row.roles), via: Via::Session { id_hash } };
    crate::request_log::note_actor(req, &principal.actor());
    Ok(principal)
}

/// The caller by browser session only (a bearer key is not looked at): for the OAuth callback,
/// which a browser reaches by a top-level redirect.
pub async fn require_session(req: &Request, db: &D1Database, now: i64) -> ApiResult<Principal> {
    let id = session_id(req)?.ok_or_else(unauthenticated)?;
    by_session(req, db, &id, now).await
}

/// The session id from the cookie header: 64 lower-case hex characters, or nothing.
pub fn session_id(req: &Request) -> ApiResult<Option<String>> {
    Ok(cookie(req, SESSION_COOKIE)?.filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())))
}

/// The value of one cookie in the request, if sent.
pub fn cookie(req: &Request, name: &str) -> ApiResult<Option<String>> {
    let Some(header) = req.headers().get("cookie")? else { return Ok(None) };
    Ok(header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string()))
}

pub fn session_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age={}",
        domain::session::SESSION_ABSOLUTE_SECONDS
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0")
}
