//! The route table and what every route shares. Handlers return `ApiResult`; `api` screens the
//! request (body size, bot key tag, the same-origin rule for writes), reads the clock once, and
//! turns errors into the JSON error shape so every route answers the same way.

use std::future::Future;

use worker::{Env, Request, Response, Router};

use domain::error::ErrorCode;

use crate::error::{ApiError, ApiResult};
use crate::routes::{Call, Ctx};
use crate::routes::{
    api_keys, audit, bootstrap, config, connections, diagnostics, discovery, encryption, health, invitable_roles,
    notifications, oauth, providers, roles, session, tokens, users,
};
use crate::{request_log, screen};

pub async fn handle(req: Request, env: Env, background: worker::Context) -> worker::Result<Response> {
    let response = Router::with_data(Call { now: crate::clock::now(), background })
        .get_async("/api/v1/health", api(health::get))
        .get_async("/api/v1/config", api(config::get))
        .get_async("/api/v1/_test/discovery", api(diagnostics::discovery))
        .post_async("/api/v1/_test/faults", script(diagnostics::faults))
        .post_async("/api/v1/bootstrap", script(bootstrap::post))
        .post_async("/api/v1/session", api(session::post))
        .get_async("/api/v1/session", api(session::get))
        .delete_async("/api/v1/session", api(session::delete))
        .get_async("/api/v1/users", api(users::list))
        .post_async("/api/v1/users", api(users::create))
        .get_async("/api/v1/users/:id", api(users::get))
        .patch_async("/api/v1/users/:id", api(users::update))
        .delete_async("/api/v1/users/:id", api(users::delete))
        .get_async("/api/v1/roles", api(roles::list))
        .post_async("/api/v1/roles", api(roles::create))
        .get_async("/api/v1/roles/:id", api(roles::get))
        .patch_async("/api/v1/roles/:id", api(roles::update))
        .delete_async("/api/v1/roles/:id", api(roles::delete))
        .get_async("/api/v1/api-keys", api(api_keys::list))
        .post_async("/api/v1/api-keys", api(api_keys::create))
        .delete_async("/api/v1/api-keys/:id", api(api_keys::delete))
        .get_async("/api/v1/providers", api(providers::list))
        .post_async("/api/v1/discovery", api(discovery::post))
        .get_async("/api/v1/invitable-roles", api(invitable_roles::list))
        .get_async("/api/v1/connections", api(connections::list))
        .post_async("/api/v1/connections", api(connections::create))
        .get_async("/api/v1/connections/:id", api(connections::get))
        .patch_async("/api/v1/connections/:id", api(connections::update))
        .delete_async("/api/v1/connections/:id", api(connections::delete))
        .put_async("/api/v1/connections/:id/roles", api(connections::set_roles))
        .post_async("/api/v1/connections/:id/authorize", api(oauth::authorize))
        .post_async("/api/v1/connections/:id/test", api(tokens::test))
        .post_async("/api/v1/connections/:id/token", api(tokens::issue))
        .delete_async("/api/v1/connections/:id/tokens/me", api(tokens::forget_mine))
        .get_async("/api/v1/me/connections", api(tokens::mine))
        .get_async("/oauth/callback", api(oauth::callback))
        .get_async("/api/v1/notifications", api(notifications::list))
        .post_async("/api/v1/notifications/:id/read", api(notifications::mark_read))
        .get_async("/api/v1/me/subscriptions", api(notifications::subscriptions))
        .put_async("/api/v1/me/subscriptions", api(notifications::set_subscriptions))
        .get_async("/api/v1/audit", api(audit::list))
        .post_async("/api/v1/admin/encryption/rotate", api(encryption::rotate))
        .or_else_any_method_async("/api/*rest", script(not_found))
        .or_else_any_method_async("/oauth/*rest", script(not_found))
        .run(req, env)
        .await?;
    Ok(json_method_not_allowed(response))
}

/// Who may call a route that changes state.
#[derive(Clone, Copy)]
enum Callers {
    /// Browsers of our own origin, and bot keys (`domain::origin`).
    SameOrigin,
    /// Scripts proving themselves with a secret of their own (the first-admin bootstrap), the
    /// test-only routes, and unknown paths (a 404 changes nothing): no browser rule applies.
    Scripts,
}

/// A route for browsers and bots.
fn api<F, Fut>(handler: F) -> impl Fn(Request, Ctx) -> Routed
where
    F: Fn(Request, Ctx) -> Fut + Copy + 'static,
    Fut: Future<Output = ApiResult<Response>> + 'static,
{
    route(Callers::SameOrigin, handler)
}

/// A route for scripts (see `Callers::Scripts`).
fn script<F, Fut>(handler: F) -> impl Fn(Request, Ctx) -> Routed
where
    F: Fn(Request, Ctx) -> Fut + Copy + 'static,
    Fut: Future<Output = ApiResult<Response>> + 'static,
{
    route(Callers::Scripts, handler)
}

type Routed = std::pin::Pin<Box<dyn Future<Output = worker::Result<Response>>>>;

/// Adapts a handler returning `ApiResult` to the router's signature: screens the request first
/// (`screen.rs`: body size, bot key tag, bearer throttling; then the same-origin rule), renders
/// errors as JSON, marks every API answer uncacheable and writes the request's log line
/// (`request_log.rs`).
fn route<F, Fut>(callers: Callers, handler: F) -> impl Fn(Request, Ctx) -> Routed
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
            let mut response = match screen::before(&req, &env).await {
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
                    let response = match response {
                        Ok(response) => response,
                        Err(error) => {
                            failure = Some(error.code().as_str());
                            error.into_response()?
                        }
                    };
                    screen::after(&screened, &env, response).await?
                }
            };
            let headers = response.headers_mut();
            headers.set("cache-control", "no-store")?;
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
    let expected = crate::settings::public_origin(env, req)?;
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
