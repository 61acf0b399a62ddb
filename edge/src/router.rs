//! The route table and what every route shares. Handlers return `ApiResult`; `api` screens the
//! request (body size, bot key tag, the same-origin rule for writes), reads the clock once, and
//! turns errors into the JSON error shape so every route answers the same way.

use std::future::Future;
use std::rc::Rc;

use worker::{Env, Request, Response, Router};

use domain::api_routes::{Method, Operation};
use domain::error::ErrorCode;
use domain::list_memory::{self, ListEffect};

use crate::error::{ApiError, ApiResult};
use crate::routes::{Call, Ctx};
use crate::routes::{
    api_keys, audit, bootstrap, config, connections, diagnostics, discovery, encryption, health, invitable_roles,
    notifications, oauth, openapi, providers, proxy, roles, session, tokens, users, webhooks,
};
use crate::{request_log, screen};

pub async fn handle(req: Request, env: Env, background: worker::Context) -> worker::Result<Response> {
    let mut router = Router::with_data(Call { now: crate::clock::now(), background });
    for operation in Operation::ALL {
        let route = operation.route();
        let (pattern, handler) = (route.router_pattern(), with_list_effect(operation, handler(operation)));
        let handler = move |req, ctx| handler(req, ctx);
        router = match route.method {
            Method::Get => router.get_async(&pattern, handler),
            Method::Post => router.post_async(&pattern, handler),
            Method::Put => router.put_async(&pattern, handler),
            Method::Patch => router.patch_async(&pattern, handler),
            Method::Delete => router.delete_async(&pattern, handler),
        };
    }
    let response = router
        .or_else_any_method_async("/api/*rest", route(Callers::Scripts, Body::Capped, not_found))
        .or_else_any_method_async("/oauth/*rest", route(Callers::Scripts, Body::Capped, not_found))
        .run(req, env)
        .await?;
    Ok(json_method_not_allowed(response))
}

type Handler = Rc<dyn Fn(Request, Ctx) -> Routed>;

/// The handler of every operation of the route table (`domain::api_routes`): a route added
/// there does not compile until it is handled here.
fn handler(operation: Operation) -> Handler {
    let callers = if operation.same_origin_writes() { Callers::SameOrigin } else { Callers::Scripts };
    let body = if operation.streams_bodies() { Body::Streamed } else { Body::Capped };
    match operation {
        Operation::GetHealth => boxed_route(callers, body, health::get),
        Operation::GetConfig => boxed_route(callers, body, config::get),
        Operation::GetOpenApi => boxed_route(callers, body, openapi::get),
        Operation::TestDiscovery => boxed_route(callers, body, diagnostics::discovery),
        Operation::TestFaults => boxed_route(callers, body, diagnostics::faults),
        Operation::Bootstrap => boxed_route(callers, body, bootstrap::post),
        Operation::SignIn => boxed_route(callers, body, session::post),
        Operation::GetSession => boxed_route(callers, body, session::get),
        Operation::SignOut => boxed_route(callers, body, session::delete),
        Operation::ListUsers => boxed_route(callers, body, users::list),
        Operation::CreateUser => boxed_route(callers, body, users::create),
        Operation::GetUser => boxed_route(callers, body, users::get),
        Operation::UpdateUser => boxed_route(callers, body, users::update),
        Operation::DeleteUser => boxed_route(callers, body, users::delete),
        Operation::ListRoles => boxed_route(callers, body, roles::list),
        Operation::CreateRole => boxed_route(callers, body, roles::create),
        Operation::GetRole => boxed_route(callers, body, roles::get),
        Operation::UpdateRole => boxed_route(callers, body, roles::update),
        Operation::DeleteRole => boxed_route(callers, body, roles::delete),
        Operation::ListApiKeys => boxed_route(callers, body, api_keys::list),
        Operation::CreateApiKey => boxed_route(callers, body, api_keys::create),
        Operation::DeleteApiKey => boxed_route(callers, body, api_keys::delete),
        Operation::ListProviders => boxed_route(callers, body, providers::list),
        Operation::Discover => boxed_route(callers, body, discovery::post),
        Operation::ListInvitableRoles => boxed_route(callers, body, invitable_roles::list),
        Operation::ListConnections => boxed_route(callers, body, connections::list),
        Operation::CreateConnection => boxed_route(callers, body, connections::create),
        Operation::GetConnection => boxed_route(callers, body, connections::get),
        Operation::GetConnectionAccess => boxed_route(callers, body, connections::access),
        Operation::UpdateConnection => boxed_route(callers, body, connections::update),
        Operation::DeleteConnection => boxed_route(callers, body, connections::delete),
        Operation::SetConnectionRoles => boxed_route(callers, body, connections::set_roles),
        Operation::AuthorizeConnection => boxed_route(callers, body, oauth::authorize),
        Operation::TestConnection => boxed_route(callers, body, tokens::test),
        Operation::IssueToken => boxed_route(callers, body, tokens::issue),
        Operation::ForgetMyToken => boxed_route(callers, body, tokens::forget_mine),
        Operation::ListMyConnections => boxed_route(callers, body, tokens::mine),
        Operation::OAuthCallback => boxed_route(callers, body, oauth::callback),
        Operation::ListNotifications => boxed_route(callers, body, notifications::list),
        Operation::MarkNotificationRead => boxed_route(callers, body, notifications::mark_read),
        Operation::MarkAllNotificationsRead => boxed_route(callers, body, notifications::mark_all_read),
        Operation::GetSubscriptions => boxed_route(callers, body, notifications::subscriptions),
        Operation::SetSubscriptions => boxed_route(callers, body, notifications::set_subscriptions),
        Operation::ListAudit => boxed_route(callers, body, audit::list),
        Operation::RotateEncryption => boxed_route(callers, body, encryption::rotate),
        Operation::ListWebhooks => boxed_route(callers, body, webhooks::list),
        Operation::CreateWebhook => boxed_route(callers, body, webhooks::create),
        Operation::GetWebhook => boxed_route(callers, body, webhooks::get),
        Operation::UpdateWebhook => boxed_route(callers, body, webhooks::update),
        Operation::DeleteWebhook => boxed_route(callers, body, webhooks::delete),
        Operation::RollWebhookSecret => boxed_route(callers, body, webhooks::roll_secret),
        Operation::TestWebhook => boxed_route(callers, body, webhooks::send_test),
        Operation::RedeliverWebhook => boxed_route(callers, body, webhooks::redeliver),
        Operation::ListWebhookDeliveries => boxed_route(callers, body, webhooks::deliveries),
        Operation::ProxyGet
        | Operation::ProxyPost
        | Operation::ProxyPut
        | Operation::ProxyPatch
        | Operation::ProxyDelete => boxed_route(callers, body, proxy::call),
    }
}

/// After an operation that may change what the connection list's memory holds
/// (`domain::list_memory::effect_of`) and may have written (not refused): reset it before the
/// answer leaves, so the very next list call reads the change.
fn with_list_effect(operation: Operation, handler: Handler) -> Handler {
    let effect = list_memory::effect_of(operation);
    if effect == ListEffect::Nothing {
        return handler;
    }
    Rc::new(move |req: Request, ctx: Ctx| {
        let handler = handler.clone();
        Box::pin(async move {
            let env = ctx.env.clone();
            let session = crate::auth::session_id(&req).ok().flatten();
            let response = handler(req, ctx).await?;
            if list_memory::answer_may_have_written(response.status_code())
                && let Err(e) = forget(effect, &env, session).await
            {
                worker::console_error!("list memory not reset: {:?}", e.code());
            }
            Ok(response)
        })
    })
}

async fn forget(effect: ListEffect, env: &Env, session: Option<String>) -> ApiResult<()> {
    let db = crate::store::database(env)?;
    match (effect, session) {
        (ListEffect::Nothing, _) | (ListEffect::OwnSession, None) => Ok(()),
        (ListEffect::OwnSession, Some(id)) => {
            crate::list_memory::forget_session(env, &db, &crate::crypto::sha256_hex(id.as_bytes())).await
        }
        (ListEffect::Everything, _) => crate::list_memory::reset(env, &db).await,
    }
}

fn boxed_route<F, Fut>(callers: Callers, body: Body, handler: F) -> Handler
where
    F: Fn(Request, Ctx) -> Fut + Copy + 'static,
    Fut: Future<Output = ApiResult<Response>> + 'static,
{
    Rc::new(route(callers, body, handler))
}

/// Who may call a route that changes state.
#[derive(Clone, Copy)]
enum Callers {
    /// Browsers of our own origin, and bot keys (`domain::origin`).
    SameOrigin,
    /// Scripts proving themselves with a secret of their own (the first-admin bootstrap), the
    /// test-only routes (`Operation::same_origin_writes`), and unknown paths (a 404 changes
    /// nothing): no browser rule applies.
    Scripts,
}

/// What the route does with a request body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Reads at most 64 KiB: a larger declared body is refused before the route runs.
    Capped,
    /// Passes it on as a stream, whatever its size (the token-free proxy). Its own failures
    /// carry `X-Proxy-Error` so a bot can tell them from the provider's answers, which keep their
    /// own headers (`Cache-Control` included).
    Streamed,
}

type Routed = std::pin::Pin<Box<dyn Future<Output = worker::Result<Response>>>>;

/// Adapts a handler returning `ApiResult` to the router's signature: screens the request first
/// (`screen.rs`: body size, bot key tag, bearer throttling; then the same-origin rule), renders
/// errors as JSON, marks every API answer uncacheable and writes the request's log line
/// (`request_log.rs`).
fn route<F, Fut>(callers: Callers, body: Body, handler: F) -> impl Fn(Request, Ctx) -> Routed
where
    F: Fn(Request, Ctx) -> Fut + Copy + 'static,
    Fut: Future<Output = ApiResult<Response>> + 'static,
{
    move |req, ctx| {
        Box::pin(async move {
            let started = worker::Date::now().as_millis();
            let env = ctx.env.clone();
            let (id, rest) = (ctx.param("id").cloned(), ctx.param("rest").cloned());
            let pattern = request_log::route_pattern(&req.path(), id.as_deref(), rest.as_deref());
            let (method, js_request) = (req.method().to_string(), Clone::clone(req.inner()));
            let mut failure = None;
            let mut response = match screen::before(&req, &env, body == Body::Capped).await {
                Err(error) => {
                    failure = Some(error.code().as_str());
                    error.into_response()?
                }
                Ok(screened) => {
                    let allowed = match callers {
                        Callers::SameOrigin => same_origin(&req, &env, screened.bearer()),
                        Callers::Scripts => Ok(()),
                    };
                    let response = match allowed {
                        Ok(()) => handler(req, ctx).await,
                        Err(error) => Err(error),
                    };
                    match response {
                        // The proxy's `Ok` is the provider's answer: its 401 is no failed key.
                        Ok(response) if body == Body::Streamed => response,
                        Ok(response) => screen::after(&screened, &env, response).await?,
                        Err(error) => {
                            failure = Some(error.code().as_str());
                            screen::after(&screened, &env, error.into_response()?).await?
                        }
                    }
                }
            };
            let headers = response.headers_mut();
            let proxied = body == Body::Streamed;
            if proxied && let Some(code) = failure {
                headers.set(domain::proxy::ERROR_HEADER, code)?;
            }
            if !(proxied && failure.is_none() && headers.has("cache-control")?) {
                headers.set("cache-control", "no-store")?;
            }
            headers.set("x-content-type-options", "nosniff")?;
            let actor = request_log::noted_actor(&js_request);
            let line = request_log::Line {
                log: "request",
                connection_id: request_log::connection_of(&pattern, id.as_deref()),
                route: pattern,
                method,
                status: response.status_code(),
                duration_ms: i64::try_from(worker::Date::now().as_millis().saturating_sub(started)).unwrap_or(i64::MAX),
                actor_kind: actor.as_ref().map(|(kind, _)| kind.clone()),
                actor_id: actor.map(|(_, id)| id).filter(|id| !id.is_empty()),
                error: failure,
            };
            worker::console_log!("{}", line.render());
            Ok(response)
        })
    }
}

/// `domain::origin::judge` on this request.
fn same_origin(req: &Request, env: &Env, bearer: bool) -> ApiResult<()> {
    let method = req.method().to_string();
    if !domain::origin::is_write(&method) {
        return Ok(());
    }
    let origin = req.headers().get("origin")?;
    // The public origin is worked out (a URL parse) only when there is an `Origin` to compare
    // with it: a bot's call has none, and `judge` then looks at `bearer` alone.
    let expected = match origin {
        Some(_) => crate::settings::public_origin(env, req)?,
        None => String::new(),
    };
    domain::origin::judge(&method, origin.as_deref(), &expected, bearer)
        .map_err(|_| ApiError::new(ErrorCode::Forbidden, "cross-origin request refused"))
}

async fn not_found(_req: Request, _ctx: Ctx) -> ApiResult<Response> {
    Err(ApiError::not_found("no such endpoint"))
}

/// The worker router answers a known path with the wrong method in plain text; API clients get
/// the JSON error shape instead.
fn json_method_not_allowed(response: Response) -> Response {
    if response.status_code() != 405 {
        return response;
    }
    ApiError::method_not_allowed().into_response().unwrap_or(response)
}
