//! `/api/v1/api-keys`: a signed-in person's bot keys. The key is returned once, at creation;
//! D1 keeps its SHA-256. Keys are created and revoked from a browser session, not by other keys.
//! A new key carries a tag (a MAC under `MAC_KEY`, `mac.rs`) and the scopes asked for.

use domain::api::{CreateApiKeyRequest, CreateApiKeyResponse, ListResponse};
use domain::audit::{AuditAction, TargetKind};
use domain::error::ErrorCode;
use serde_json::json;
use worker::{Request, Response};

use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult};
use crate::mac::{MacKey, Purpose};
use crate::routes::Ctx;
use crate::store::audit::{self, Event};
use crate::store::{self, api_keys};
use crate::{crypto, request, revocation};

fn require_person(principal: &Principal) -> ApiResult<()> {
    if principal.is_bot() {
        return Err(ApiError::new(ErrorCode::Forbidden, "API keys are managed by a signed-in person, not by a key"));
    }
    Ok(())
}

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let items = api_keys::list_for_user(&db, &me.user_id).await?.iter().map(api_keys::ApiKeyRow::view).collect();
    Ok(Response::from_json(&ListResponse { items, next_cursor: None })?)
}

pub async fn create(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    require_person(&me)?;
    let body: CreateApiKeyRequest = request::json(&mut req).await?;
    let name = domain::validate::name("name", &body.name).map_err(ApiError::from_field)?;
    let scopes = domain::key_scope::from_request(&body.scopes).map_err(ApiError::from_field)?;
    let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let scopes_json = serde_json::to_string(&scope_names).map_err(ApiError::internal)?;
    let unsigned = domain::api_key::unsigned_key(crypto::random_bytes::<4>()?, crypto::random_bytes::<32>()?);
    let tag = MacKey::from_env(&ctx.env)?.tag(Purpose::ApiKey, &unsigned)?;
    let short: [u8; domain::api_key::TAG_BYTES] =
        tag[..domain::api_key::TAG_BYTES].try_into().map_err(|_| ApiError::internal("tag length"))?;
    let secret = domain::api_key::signed_key(&unsigned, &short);
    let prefix =
        domain::api_key::key_prefix(&secret).ok_or_else(|| ApiError::internal("malformed new key"))?.to_string();
    let id = crypto::new_id()?;
    let now = ctx.data.now;
    db.batch(vec![
        api_keys::expect_room(&db, &me.user_id)?,
        api_keys::insert(
            &db,
            &api_keys::NewKeyRow {
                id: &id,
                user_id: &me.user_id,
                name: &name,
                prefix: &prefix,
                secret_hash: &crypto::sha256_hex(secret.as_bytes()),
                scopes: &scopes_json,
                now,
            },
        )?,
        audit::statement(
            &db,
            Event {
                at: now,
                actor: me.actor(),
                action: AuditAction::ApiKeyCreate,
                target: Some((TargetKind::ApiKey, &id)),
                success: true,
                detail: json!({"name": name, "prefix": prefix, "scopes": scope_names}),
            },
        )?,
    ])
    .await
    .map_err(|error| {
        if store::guard_failed(&error) {
            return ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "You already have {} active keys; revoke one you no longer use before creating another.",
                    domain::api_key::MAX_LIVE_KEYS_PER_PERSON
                ),
            );
        }
        ApiError::from(error)
    })?;
    let api_key =
        api_keys::ApiKeyRow { id, name, prefix, created_at: now, last_used_at: None, scopes: scopes_json }.view();
    Ok(Response::from_json(&CreateApiKeyResponse { api_key, secret: secret.into() })?.with_status(201))
}

pub async fn delete(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    require_person(&me)?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    if !api_keys::list_for_user(&db, &me.user_id).await?.iter().any(|k| k.id == id) {
        return Err(ApiError::not_found("no such key"));
    }
    let now = ctx.data.now;
    db.batch(vec![
        api_keys::revoke(&db, id, &me.user_id, now)?,
        audit::statement(
            &db,
            Event {
                at: now,
                actor: me.actor(),
                action: AuditAction::ApiKeyRevoke,
                target: Some((TargetKind::ApiKey, id)),
                success: true,
                detail: json!({}),
            },
        )?,
    ])
    .await?;
    revocation::keys_of_users(&ctx.env, &db, std::slice::from_ref(&me.user_id), now).await?;
    Ok(Response::empty()?.with_status(204))
}
