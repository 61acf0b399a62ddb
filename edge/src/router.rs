//! The route table, nothing else. Handlers return `ApiResult`; `api` turns errors into the JSON
//! error shape so every route answers the same way.

use std::future::Future;

use worker::{Env, Request, Response, RouteContext, Router};

use crate::error::{ApiError, ApiResult};
use crate::routes::{
    api_keys, audit, bootstrap, config, connections, diagnostics, health, invitable_roles, notifications, oauth,
    providers, roles, session, tokens, users,
};
use crate::screen;

pub async fn handle(req: Request, env: Env) -> worker::Result<Response> {
    let response = Router::new()
        .get_async("/api/v1/health", api(health::get))
        .get_async("/api/v1/config", api(config::get))
        .get_async("/api/v1/_test/discovery", api(diagnostics::discovery))
        .post_async("/api/v1/_test/faults", api(diagnostics::faults))
        .post_async("/api/v1/bootstrap", api(bootstrap::post))
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
        .or_else_any_method_async("/api/*rest", api(not_found))
        .or_else_any_method_async("/oauth/*rest", api(not_found))
        .run(req, env)
        .await?;
    Ok(json_method_not_allowed(response))
}

/// Adapts a handler returning `ApiResult` to the router's signature: screens the request first
/// (`screen.rs`: body size, bot key tag, bearer throttling), renders errors as JSON and marks
/// every API answer uncacheable.
fn api<F, Fut>(
    handler: F,
) -> impl Fn(Request, RouteContext<()>) -> std::pin::Pin<Box<dyn Future<Output = worker::Result<Response>>>>
where
    F: Fn(Request, RouteContext<()>) -> Fut + Copy + 'static,
    Fut: Future<Output = ApiResult<Response>> + 'static,
{
    move |req, ctx| {
        Box::pin(async move {
            let env = ctx.env.clone();
            let mut response = match screen::before(&req, &env).await {
                Err(error) => error.into_response()?,
                Ok(screened) => {
                    let response = match handler(req, ctx).await {
                        Ok(response) => response,
                        Err(error) => error.into_response()?,
                    };
                    screen::after(&screened, &env, response).await?
                }
            };
            let headers = response.headers_mut();
            headers.set("cache-control", "no-store")?;
            headers.set("x-content-type-options", "nosniff")?;
            Ok(response)
        })
    }
}

async fn not_found(_req: Request, _ctx: RouteContext<()>) -> ApiResult<Response> {
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
