//! `ANY /api/v1/connections/{id}/proxy/{path…}?{query}`: the token-free proxy. A bot (or a
//! member in a browser) calls the provider's API through the product and never holds a token:
//! the same callers and rights as the token API (`tokens::asker`: the key's gate, no D1 on the
//! hot path), the token from its vault, the target built and checked by `domain::proxy::target`
//! under the connection's API base URL (`domain::api_base`), the call made by `crate::proxy`.
//! A provider 401 gets one refresh through the vault and one retry when the request can be sent
//! again; the call is counted in the vault's audit outbox by method and status class.

use domain::audit::AuditAction;
use domain::connection::GrantType;
use domain::error::ErrorCode;
use domain::proxy::{self as rules, AfterUnauthorized};
use domain::token::{self, TokenKind};
use worker::{Env, Request, Response};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::proxy::{self, Body};
use crate::routes::Ctx;
use crate::routes::tokens::{asker, refuse};
use crate::vault::{self, ProxyAsk, ProxyCall, ProxyGrant, VaultRequest};
use crate::{request, settings};

/// The route's handler: the call, then its count in the audit log (whatever came of it).
pub async fn call(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let method = req.method().to_string();
    let (me, grant) = asker(&req, &ctx.env, &id, ctx.data.now).await?;
    let kind =
        rules::token_kind(req.headers().get(rules::TOKEN_TYPE_HEADER)?.as_deref()).map_err(ApiError::from_field)?;
    let Some(grant) = grant else {
        return Err(refuse(&ctx.env, &me, &id, AuditAction::TokenProxy, kind, ctx.data.now).await);
    };
    if kind == TokenKind::User && grant == GrantType::ClientCredentials {
        return Err(ApiError::validation(
            rules::TOKEN_TYPE_HEADER,
            "client-credentials connections have a shared token only",
        ));
    }
    let user_id = (kind == TokenKind::User).then(|| me.user_id.clone());
    let outcome = forward(&mut req, &ctx.env, &id, kind, user_id.clone(), &method).await;
    let (status, error) = match &outcome {
        Ok(response) => (response.status_code(), None),
        Err(e) => (e.code().status(), Some(e.code().as_str().to_string())),
    };
    // The provider may have acted already: a failed count is logged, never the caller's answer.
    if let Err(e) = count(&ctx.env, &me, &id, kind, user_id.as_deref(), method, status, error).await {
        worker::console_error!("proxy: the call of {id} was not counted: {:?}", e.code());
    }
    outcome
}

/// Everything between the caller's rights and the answer.
async fn forward(
    req: &mut Request,
    env: &Env,
    id: &str,
    kind: TokenKind,
    user_id: Option<String>,
    method: &str,
) -> ApiResult<Response> {
    let url = req.url()?;
    let rest = proxied_path(url.path(), id);
    let ask = VaultRequest {
        connection_id: id.to_string(),
        kind,
        user_id,
        min_valid_seconds: token::DEFAULT_MIN_VALID_SECONDS,
        force_refresh: false,
        actor: None,
    };
    let grant = grant(env, &ProxyAsk { ask: ask.clone(), refused: None }).await?;
    let target = target(env, &grant, rest, url.query())?;
    let declared = req.headers().get("content-length")?.and_then(|l| l.trim().parse::<u64>().ok());
    let has_body = req.inner().body().is_some();
    let replayable = rules::replayable(method, if has_body { declared } else { None });
    let body = match req.inner().body() {
        None => Body::None,
        Some(_) if replayable => Body::Kept(request::capped_body(req).await?),
        Some(stream) => Body::Streamed(stream),
    };
    let headers = proxy::forwarded_headers(req)?;
    let deadline = proxy::deadline(env);
    let first =
        proxy::send(method, &target, &headers, &rules::authorization(grant.access_token.expose()), &body, deadline)
            .await?;
    if first.status_code() != 401 {
        return proxy::pass_back(first);
    }
    // The provider refused the token: a better one from the vault (one refresh for every caller).
    let better = match self::grant(env, &ProxyAsk { ask, refused: Some(grant.token_hash.clone()) }).await {
        Ok(better) => better,
        // No better token (reauth needed, provider down): the provider's 401 is the answer.
        Err(_) => return proxy::pass_back(first),
    };
    match rules::after_unauthorized(better.fresh, replayable) {
        AfterUnauthorized::Retry => {
            proxy::discard(&first);
            let target = self::target(env, &better, rest, url.query())?;
            let auth = rules::authorization(better.access_token.expose());
            proxy::pass_back(proxy::send(method, &target, &headers, &auth, &body, deadline).await?)
        }
        AfterUnauthorized::PassRefreshed => {
            let mut response = proxy::pass_back(first)?;
            response.headers_mut().set(rules::REFRESHED_HEADER, "true")?;
            Ok(response)
        }
        AfterUnauthorized::Pass => proxy::pass_back(first),
    }
}

/// The path after `/proxy/`, as it arrived (still percent-encoded).
fn proxied_path<'a>(path: &'a str, id: &str) -> &'a str {
    let prefix = format!("/api/v1/connections/{id}/proxy/");
    path.strip_prefix(prefix.as_str()).unwrap_or_default()
}

/// The vault's token for the proxy; its failures are the token API's (`no_token`,
/// `reauth_required`, `provider_unavailable`…).
async fn grant(env: &Env, ask: &ProxyAsk) -> ApiResult<ProxyGrant> {
    let reply = vault::ask_for_proxy(env, ask).await?;
    if reply.status == 404 && ask.ask.kind == TokenKind::User {
        return Err(ApiError::new(
            ErrorCode::NoToken,
            "you have no token for this connection yet: authorize it under My connections",
        ));
    }
    if reply.status != 200 {
        return Err(ApiError::from_reply(reply.status, &reply.body));
    }
    serde_json::from_str(&reply.body).map_err(ApiError::internal)
}

/// Why a connection without an API base URL cannot be proxied.
pub const NO_BASE: &str = "this connection has no API base URL: a connection manager sets one in its settings";

/// Where this call goes: the API base URL resolved and checked, the path kept under it.
fn target(env: &Env, grant: &ProxyGrant, rest: &str, query: Option<&str>) -> ApiResult<String> {
    let Some(stored) = grant.api_base_url.as_deref() else {
        return Err(ApiError::new(ErrorCode::NoApiBaseUrl, NO_BASE));
    };
    let policy = settings::endpoint_policy(env);
    let base = domain::api_base::resolve(stored, grant.instance_url.as_deref(), policy)
        .map_err(|why| ApiError::new(ErrorCode::NoApiBaseUrl, why.message()))?;
    rules::target(&base, rest, query).map_err(|why| ApiError::new(ErrorCode::TargetRefused, why.message()))
}

/// Count the call in the token's vault (tallied, shipped to the audit log about a second later).
#[allow(clippy::too_many_arguments)]
async fn count(
    env: &Env,
    me: &Principal,
    id: &str,
    kind: TokenKind,
    user_id: Option<&str>,
    method: String,
    status: u16,
    error: Option<String>,
) -> ApiResult<()> {
    let call = ProxyCall { connection_id: id.to_string(), kind, actor: me.actor(), method, status, error };
    let reply = vault::count_proxied(env, &call, user_id).await?;
    if reply.status >= 300 {
        return Err(ApiError::from_reply(reply.status, &reply.body));
    }
    Ok(())
}
