//! Tokens for bots and people: the token API (served by the TokenVault), the client-credentials
//! test, "my connections" with token status, and forgetting my token.

use domain::api::{ListResponse, MyConnectionView, TestResponse, TokenRequest};
use domain::audit::{AuditAction, TargetKind};
use domain::connection::{GrantType, StatusEvent};
use domain::error::ErrorCode;
use domain::provider_revocation::DropReason;
use domain::token::{self, TokenKind};
use serde_json::json;
use worker::{Env, Request, Response};

use crate::auth::Principal;
use crate::envelope::KeyRing;
use crate::error::{ApiError, ApiResult};
use crate::gate::{self, GateRequest};
use crate::oauth::client::{self, ProviderFailure};
use crate::oauth::connection::provider_config;
use crate::routes::Ctx;
use crate::store::audit::{self, Event};
use crate::store::{self, access, connections, tokens};
use crate::vault::{self, KeyedAsk, VaultRequest};
use crate::{auth, crypto, provider_revocation, request};

/// `POST /api/v1/connections/{id}/token`: a fresh access token for members of invited roles,
/// people or their bot keys. With a bot key the hot path reads no D1: for a shared token the
/// token's vault checks the key itself (one object hop); for a user token the key's gate says
/// whose it is (naming the vault) and who may use what, then the vault answers (two hops). The
/// vault queues the audit row in its outbox.
pub async fn issue(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    let body = request::json::<TokenRequest>(&mut req).await;
    if let Ok(asked) = &body
        && asked.token_type == TokenKind::Shared
        && let Some(key) = auth::bearer_key(&req)?
    {
        return issue_shared_to_key(&req, &ctx, id, &key, asked).await;
    }
    // Everyone else: who asks first (a refusal of the caller comes before one of the body).
    let (me, grant) = asker(&req, &ctx.env, id, ctx.data.now).await?;
    let body = body?;
    let kind = body.token_type;
    let Some(grant) = grant else {
        return Err(refuse(&ctx.env, &me, id, AuditAction::TokenIssue, kind, ctx.data.now).await);
    };
    if kind == TokenKind::User && grant == GrantType::ClientCredentials {
        return Err(ApiError::validation("token_type", "client-credentials connections have a shared token only"));
    }
    let ask = VaultRequest {
        connection_id: id.to_string(),
        kind,
        user_id: (kind == TokenKind::User).then(|| me.user_id.clone()),
        min_valid_seconds: token::min_valid(body.min_valid_seconds),
        force_refresh: body.force_refresh,
        actor: Some(me.actor()),
    };
    let answer = vault::ask(&ctx.env, &ask).await?;
    if answer.status == 404 && kind == TokenKind::User {
        return Err(ApiError::new(
            ErrorCode::NoToken,
            "you have no token for this connection yet: authorize it under My connections",
        ));
    }
    vault_answer(answer)
}

/// A bot key's call for a shared token: one hop, to the token's vault, which checks the key from
/// its memory (its MAC tag was checked in `screen.rs`), issues and audits, and names the key.
async fn issue_shared_to_key(
    req: &Request,
    ctx: &Ctx,
    id: &str,
    key: &str,
    asked: &TokenRequest,
) -> ApiResult<Response> {
    // Scopes do not depend on who the key is: every key reaches the token API (as in `asker`).
    Principal::bot(String::new(), String::new()).check_scope(req)?;
    let keyed = KeyedAsk {
        key_hash: crypto::sha256_hex(key.as_bytes()),
        ask: VaultRequest {
            connection_id: id.to_string(),
            kind: TokenKind::Shared,
            user_id: None,
            min_valid_seconds: token::min_valid(asked.min_valid_seconds),
            force_refresh: asked.force_refresh,
            actor: None,
        },
    };
    let answer = vault::ask_as_key(&ctx.env, &keyed).await?;
    key_caller(req, ctx, id, &answer, AuditAction::TokenIssue).await?;
    vault_answer(answer)
}

/// The key a vault checked, from its reply to a bot key's shared-token call (the token API's and
/// the proxy's): noted as the request's actor. No key named means the key itself was refused
/// (revoked, owner deactivated) or the vault failed: that reply is the error. A key whose owner
/// may not use the connection is refused and audited as `action`.
pub(crate) async fn key_caller(
    req: &Request,
    ctx: &Ctx,
    id: &str,
    reply: &crate::rpc::Reply,
    action: AuditAction,
) -> ApiResult<Principal> {
    let Some(caller) = reply.caller.clone() else {
        return Err(ApiError::from_reply(reply.status, &reply.body));
    };
    let me = Principal::bot(caller.user_id, caller.key_id);
    crate::request_log::note_actor(req, &me.actor());
    if reply.status == vault::KEY_REFUSED {
        return Err(refuse(&ctx.env, &me, id, action, TokenKind::Shared, ctx.data.now).await);
    }
    Ok(me)
}

/// The vault's answer, passed on as it is (its body is the token or an error body).
fn vault_answer(answer: crate::rpc::Reply) -> ApiResult<Response> {
    let mut response = Response::ok(answer.body)?.with_status(answer.status);
    response.headers_mut().set("content-type", "application/json")?;
    Ok(response)
}

/// The caller and, when they may use the connection, its grant type. A bot key is answered by
/// its gate (memory); a browser session reads D1. The proxy asks the same way.
pub(crate) async fn asker(
    req: &Request,
    env: &Env,
    connection_id: &str,
    now: i64,
) -> ApiResult<(Principal, Option<GrantType>)> {
    let (me, grant) = match auth::bearer_key(req)? {
        Some(key) => {
            let ask =
                GateRequest { key_hash: crypto::sha256_hex(key.as_bytes()), connection_id: connection_id.to_string() };
            let answer = gate::check(env, &ask).await?;
            (Principal::bot(answer.user_id, answer.key_id), answer.grant)
        }
        None => {
            let db = store::database(env)?;
            let me = auth::require(req, &db, now).await?;
            let row = connections::by_id(&db, connection_id).await?;
            let grant = match row {
                Some(row) if access::is_invited_member(&db, &row.id, &me.user_id).await? => Some(row.grant_type),
                _ => None,
            };
            (me, grant)
        }
    };
    crate::request_log::note_actor(req, &me.actor());
    // The gate's principal has the least scope; the token API is within every scope, so this
    // holds today and keeps holding if the route table changes.
    me.check_scope(req)?;
    Ok((me, grant))
}

/// The cold path of a refusal: `not_found` for a connection that does not exist, otherwise an
/// audited `forbidden` (a bot that lost access shows up in the audit log) under `action`.
pub(crate) async fn refuse(
    env: &Env,
    me: &Principal,
    connection_id: &str,
    action: AuditAction,
    kind: TokenKind,
    now: i64,
) -> ApiError {
    let audited = async {
        let db = store::database(env)?;
        if connections::by_id(&db, connection_id).await?.is_none() {
            return Ok(ApiError::not_found("no such connection"));
        }
        let detail = json!({"token_type": kind, "status": 403});
        let event = Event {
            at: now,
            actor: me.actor(),
            action,
            target: Some((TargetKind::Connection, connection_id)),
            success: false,
            detail,
        };
        audit::record(&db, event).await?;
        Ok(ApiError::new(ErrorCode::Forbidden, "only members of the roles invited to this connection may use it"))
    };
    audited.await.unwrap_or_else(|e: ApiError| e)
}

/// `POST /api/v1/connections/{id}/test`: client credentials fetched now, reported, not kept.
pub async fn test(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_connection_manager(&req, &db, ctx.data.now).await?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    let row = connections::by_id(&db, id).await?.ok_or_else(|| ApiError::not_found("no such connection"))?;
    if row.grant_type != GrantType::ClientCredentials {
        return Err(ApiError::validation("grant_type", "consent grants are tested through POST …/authorize"));
    }
    let config = provider_config(&row, &KeyRing::from_env(&ctx.env)?, &ctx.env)?;
    let now = ctx.data.now;
    let (ok, detail) = match client::client_credentials(&config).await {
        Ok(set) => (
            true,
            format!(
                "The provider issued a {} token{}{}.",
                set.token_type,
                set.expires_in.map(|s| format!(" valid for {s} s")).unwrap_or_default(),
                set.scope.map(|s| format!(" with scope \u{201c}{s}\u{201d}")).unwrap_or_default()
            ),
        ),
        Err(ProviderFailure::Unavailable(detail)) => {
            // Open, closed or not a token endpoint: the same answer; the detail goes to the log.
            worker::console_error!("client-credentials test of {}: {detail}", row.id);
            (false, format!("The test failed: {}.", client::UNAVAILABLE))
        }
        Err(f) => (false, format!("The provider refused: {}", f.message())),
    };
    let mut batch = Vec::new();
    if ok {
        let status = domain::connection::next_status(row.status, StatusEvent::Authorized);
        batch.push(connections::mark_authorized(&db, &row.id, status, false, row.destination(), now)?);
    }
    batch.push(audit::statement(
        &db,
        Event {
            at: now,
            actor: me.actor(),
            action: AuditAction::ConnectionTest,
            target: Some((TargetKind::Connection, &row.id)),
            success: ok,
            detail: json!({"detail": detail}),
        },
    )?);
    db.batch(batch).await?;
    Ok(Response::from_json(&TestResponse { ok, detail })?)
}

/// `GET /api/v1/me/connections?q=&limit=&cursor=`: one page of the connections I may use, with
/// my token's state, by name (the cursor is the last name key).
pub async fn mine(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let request::ListParams { q, cursor, limit } = request::list_params(&req)?;
    let now = ctx.data.now;
    let rows = connections::usable_by(&db, &me.user_id, &q, &cursor, limit).await?;
    let next_cursor = store::next_cursor(&rows, limit, |r| r.name_key.clone());
    // The page's token states in one more query, not two per row.
    let mine = |id: &str| token::token_id(id, TokenKind::User, Some(&me.user_id));
    let shared = |id: &str| token::token_id(id, TokenKind::Shared, None);
    let ids: Vec<String> = rows.iter().flat_map(|r| [mine(&r.id), shared(&r.id)]).collect();
    let states = tokens::by_ids(&db, &ids).await?;
    let mut items = Vec::new();
    for row in rows {
        items.push(MyConnectionView {
            my_token: states.get(&mine(&row.id)).map(|t| t.status_view(now)),
            shared_token: states.get(&shared(&row.id)).map(|t| t.status_view(now)),
            connection: row.view(now)?,
        });
    }
    Ok(Response::from_json(&ListResponse { items, next_cursor })?)
}

/// `DELETE /api/v1/connections/{id}/tokens/me`: forget my user-specific token.
pub async fn forget_mine(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    let token_id = token::token_id(id, TokenKind::User, Some(&me.user_id));
    let Some(token) = tokens::by_id(&db, &token_id).await? else {
        return Err(ApiError::new(ErrorCode::NoToken, "you have no token for this connection"));
    };
    let revocations = match connections::by_id(&db, id).await? {
        Some(connection) => provider_revocation::prepare(
            &ctx.env,
            &connection,
            std::slice::from_ref(&token),
            DropReason::TokenForgotten,
            ctx.data.now,
        )?,
        None => Vec::new(),
    };
    let mut batch = provider_revocation::statements(&db, &revocations)?;
    batch.extend([
        tokens::delete(&db, &token_id)?,
        audit::by(&db, &me, AuditAction::TokenForget, (TargetKind::Connection, id), json!({}), ctx.data.now)?,
    ]);
    db.batch(batch).await?;
    vault::reset(&ctx.env, &db, &token_id).await?;
    if !revocations.is_empty() {
        provider_revocation::soon(&ctx);
    }
    Ok(Response::empty()?.with_status(204))
}
