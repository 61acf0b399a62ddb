//! Tokens for bots and people: the token API (served by the TokenVault), the client-credentials
//! test, "my connections" with token status, and forgetting my token.

use domain::api::{ListResponse, MyConnectionView, TestResponse, TokenRequest};
use domain::connection::GrantType;
use domain::error::ErrorCode;
use domain::token::{self, TokenKind};
use serde_json::json;
use worker::{Request, Response, RouteContext};

use crate::envelope::KeyRing;
use crate::error::{ApiError, ApiResult};
use crate::oauth::client::{self, ProviderFailure};
use crate::oauth::connection::{grant_of, provider_config};
use crate::store::audit::{self, Event};
use crate::store::{self, access, connections, tokens};
use crate::vault::{self, VaultRequest};
use crate::{auth, clock, request};

/// `POST /api/v1/connections/{id}/token`: a fresh access token for members of invited roles,
/// people or their bot keys.
pub async fn issue(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db).await?;
    let body: TokenRequest = request::json(&mut req, &ctx.env, Some(&me)).await?;
    let kind = TokenKind::parse(&body.token_type)
        .ok_or_else(|| ApiError::validation("token_type", "token_type is shared or user"))?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    let row = connections::by_id(&db, id).await?.ok_or_else(|| ApiError::not_found("no such connection"))?;
    if !access::is_invited_member(&db, &row.id, &me.user_id).await? {
        // Refusals are audited too: a bot that lost access shows up here.
        let detail = json!({"token_type": kind, "status": 403});
        let event = Event {
            actor: me.actor(),
            action: "token.issue",
            target: Some(("connection", &row.id)),
            success: false,
            detail,
        };
        audit::record(&db, event).await?;
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only members of the roles invited to this connection may use it",
        ));
    }
    if kind == TokenKind::User && grant_of(&row)? == GrantType::ClientCredentials {
        return Err(ApiError::validation("token_type", "client-credentials connections have a shared token only"));
    }
    let ask = VaultRequest {
        connection_id: row.id.clone(),
        kind,
        user_id: (kind == TokenKind::User).then(|| me.user_id.clone()),
        min_valid_seconds: token::min_valid(body.min_valid_seconds),
        force_refresh: body.force_refresh,
    };
    let mut answer = vault::ask(&ctx.env, &ask).await?;
    let status = answer.status_code();
    let text = answer.text().await?;
    let ok = status == 200;
    audit::record(
        &db,
        Event {
            actor: me.actor(),
            action: "token.issue",
            target: Some(("connection", &row.id)),
            success: ok,
            detail: json!({"token_type": kind, "status": status}),
        },
    )
    .await?;
    if !ok && status == 404 && kind == TokenKind::User {
        return Err(ApiError::new(
            ErrorCode::NoToken,
            "you have no token for this connection yet: authorize it under My connections",
        ));
    }
    let mut response = Response::ok(text)?.with_status(status);
    response.headers_mut().set("content-type", "application/json")?;
    Ok(response)
}

/// `POST /api/v1/connections/{id}/test`: client credentials fetched now, reported, not kept.
pub async fn test(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_connection_manager(&req, &db).await?;
    request::check_origin(&req, &ctx.env, Some(&me))?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    let row = connections::by_id(&db, id).await?.ok_or_else(|| ApiError::not_found("no such connection"))?;
    if grant_of(&row)? != GrantType::ClientCredentials {
        return Err(ApiError::validation("grant_type", "consent grants are tested through POST …/authorize"));
    }
    let config = provider_config(&row, &KeyRing::from_env(&ctx.env)?, &ctx.env)?;
    let now = clock::now();
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
        Err(ProviderFailure::Unavailable(m)) => (false, format!("The provider is unavailable: {m}")),
        Err(f) => (false, format!("The provider refused: {}", f.message())),
    };
    let mut batch = Vec::new();
    if ok {
        batch.push(connections::mark_authorized(&db, &row.id, false, now)?);
    }
    batch.push(audit::statement(
        &db,
        Event {
            actor: me.actor(),
            action: "connection.test",
            target: Some(("connection", &row.id)),
            success: ok,
            detail: json!({"detail": detail}),
        },
    )?);
    db.batch(batch).await?;
    Ok(Response::from_json(&TestResponse { ok, detail })?)
}

/// `GET /api/v1/me/connections`: the connections I may use, with my token's state.
pub async fn mine(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db).await?;
    let now = clock::now();
    let mut items = Vec::new();
    for row in connections::usable_by(&db, &me.user_id).await? {
        let my_token = tokens::by_id(&db, &token::token_id(&row.id, TokenKind::User, Some(&me.user_id))).await?;
        let shared = tokens::by_id(&db, &token::token_id(&row.id, TokenKind::Shared, None)).await?;
        items.push(MyConnectionView {
            connection: row.view()?,
            my_token: my_token.map(|t| t.status_view(now)),
            shared_token: shared.map(|t| t.status_view(now)),
        });
    }
    Ok(Response::from_json(&ListResponse { items, next_cursor: None })?)
}

/// `DELETE /api/v1/connections/{id}/tokens/me`: forget my user-specific token.
pub async fn forget_mine(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db).await?;
    request::check_origin(&req, &ctx.env, Some(&me))?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    let token_id = token::token_id(id, TokenKind::User, Some(&me.user_id));
    if tokens::by_id(&db, &token_id).await?.is_none() {
        return Err(ApiError::new(ErrorCode::NoToken, "you have no token for this connection"));
    }
    db.batch(vec![
        tokens::delete(&db, &token_id)?,
        audit::by(&db, &me, "token.forget", ("connection", id), json!({}))?,
    ])
    .await?;
    vault::reset(&ctx.env, &token_id).await?;
    Ok(Response::empty()?.with_status(204))
}
