//! The Cloudflare Worker: the JSON API under `/api/v1`, the OAuth callback, and (with later
//! issues) the token vault and the cron refresher. This file only wires events to the router.

mod auth;
mod clock;
mod crypto;
mod envelope;
mod error;
mod oauth;
mod request;
mod router;
mod routes;
mod settings;
mod store;

use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    router::handle(req, env).await
}
