//! `ANY /api/v1/connections/{id}/proxy/{path…}?{query}`: the token-free proxy. A bot (or a
//! member in a browser) calls the provider's API through the product and never holds a token:
//! the same callers and rights as the token API (a bot key's shared token in one object hop: the
//! token's vault checks the key; otherwise `tokens::asker`; no D1 on the hot path), the token
//! from its vault, the target built and checked by `domain::proxy::target`
//! under the connection's API base URL (`domain::api_base`), the call made by `crate::proxy`.
//! A provider 401 gets one refresh through the vault and one retry when the request can be sent
//! again; the call is counted in the vault's audit outbox by method and status class.

use domain::audit::AuditAction;
use domain::connection::GrantType;
use domain::error::ErrorCode;
use domain::proxy::{self as rules, AfterUnauthorized};
use domain::token::{self, TokenKind};
use worker::{Env, Request, Response};

use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult};
use crate::proxy::{self, Body};
use crate::routes::Ctx;
use crate::routes::tokens::{asker, key_caller, refuse};
use crate::rpc::Reply;
use crate::vault::{self, ProxyAsk, ProxyCall, ProxyGrant, VaultRequest};
use crate::{crypto, request, settings};

/// The route's handler: the call, then its count in the audit log (whatever came of it).
pub async fn call(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let method = req.method().to_string();
    let kind = rules::token_kind(req.headers().get(rules::TOKEN_TYPE_HEADER)?.as_deref());
    let key = match kind {
        Ok(TokenKind::Shared) => auth::bearer_key(&req)?,
        _ => None,
    };
    let (me, ask, first) = match key {
        Some(key) => as_key(&req, &ctx, &id, &key).await?,
        None => as_asker(&req, &ctx, &id, kind.map_err(ApiError::from_field)).await?,
    };
    let outcome = match first {
        Ok(grant) => forward(&mut req, &ctx.env, ask.clone(), grant, &method).await,
        Err(e) => Err(e),
    };
    let (status, error) = match &outcome {
        Ok(response) => (response.status_code(), None),
        Err(e) => (e.code().status(), Some(e.code().as_str().to_string())),
    };
    // The provider may have acted already: a failed count is logged, never the caller's answer.
    if let Err(e) = count(&ctx.env, &me, &ask, method, status, error).await {
        worker::console_error!("proxy: the call of {id} was not counted: {:?}", e.code());
    }
    outcome
}

/// What the proxy asks of a vault first: the token, fresh enough, no refresh forced.
fn vault_request(id: &str, kind: TokenKind, user_id: Option<String>) -> VaultRequest {
    VaultRequest {
        connection_id: id.to_string(),
        kind,
        user_id,
        min_valid_seconds: token::DEFAULT_MIN_VALID_SECONDS,
        force_refresh: false,
        actor: None,
    }
}

/// A bot key's call on a shared token: one object hop. The token's vault checks the key (its
/// MAC tag was checked in `screen.rs`) and answers the token, naming the key.
async fn as_key(
    req: &Request,
    ctx: &Ctx,
    id: &str,
    key: &str,
) -> ApiResult<(Principal, VaultRequest, ApiResult<ProxyGrant>)> {
    // Scopes do not depend on who the key is: every key reaches the proxy (as in `asker`).
    Principal::bot(String::new(), String::new()).check_scope(req)?;
    let ask = vault_request(id, TokenKind::Shared, None);
    let first = ProxyAsk { ask: ask.clone(), refused: None, key_hash: Some(crypto::sha256_hex(key.as_bytes())) };
    let reply = vault::ask_for_proxy(&ctx.env, &first).await?;
    let me = key_caller(req, ctx, id, &reply, AuditAction::TokenProxy).await?;
    Ok((me, ask, grant_of(reply, TokenKind::Shared)))
}

/// Everyone else (a person, or a key asking for its owner's user token): the token API's
/// `asker`, then the vault.
async fn as_asker(
    req: &Request,
    ctx: &Ctx,
    id: &str,
    kind: ApiResult<TokenKind>,
) -> ApiResult<(Principal, VaultRequest, ApiResult<ProxyGrant>)> {
    let (me, grant) = asker(req, &ctx.env, id, ctx.data.now).await?;
    let kind = kind?;
    let Some(grant) = grant else {
        return Err(refuse(&ctx.env, &me, id, AuditAction::TokenProxy, kind, ctx.data.now).await);
    };
    if kind == TokenKind::User && grant == GrantType::ClientCredentials {
        return Err(ApiError::validation(
            rules::TOKEN_TYPE_HEADER,
            "client-credentials connections have a shared token only",
        ));
    }
    let ask = vault_request(id, kind, (kind == TokenKind::User).then(|| me.user_id.clone()));
    let first = self::grant(&ctx.env, &ProxyAsk { ask: ask.clone(), refused: None, key_hash: None }).await;
    Ok((me, ask, first))
}

/// Everything between the caller's rights (and the first token) and the answer.
async fn forward(
    req: &mut Request,
    env: &Env,
    ask: VaultRequest,
    grant: ProxyGrant,
    method: &str,
) -> ApiResult<Response> {
    let url = req.url()?;
    let rest = proxied_path(url.path(), &ask.connection_id);
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
    let retry = ProxyAsk { ask, refused: Some(grant.token_hash.clone()), key_hash: None };
    let better = match self::grant(env, &retry).await {
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
    grant_of(vault::ask_for_proxy(env, ask).await?, ask.ask.kind)
}

/// A vault's proxy reply read.
fn grant_of(reply: Reply, kind: TokenKind) -> ApiResult<ProxyGrant> {
    if reply.status == 404 && kind == TokenKind::User {
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
async fn count(
    env: &Env,
    me: &Principal,
    ask: &VaultRequest,
    method: String,
    status: u16,
    error: Option<String>,
) -> ApiResult<()> {
    let call = ProxyCall {
        connection_id: ask.connection_id.clone(),
        kind: ask.kind,
        actor: me.actor(),
        method,
        status,
        error,
    };
    let reply = vault::count_proxied(env, &call, ask.user_id.as_deref()).await?;
    if reply.status >= 300 {
        return Err(ApiError::from_reply(reply.status, &reply.body));
    }
    Ok(())
}
