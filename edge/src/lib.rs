//! The Cloudflare Worker: the JSON API under `/api/v1`, the OAuth callback, the token vaults and
//! key gates (Durable Objects), and the cron refresher. This file only wires events to their
//! handlers (ARCHITECTURE.md).

mod auth;
mod clock;
mod courier;
mod cron;
mod crypto;
mod device;
mod envelope;
mod error;
mod gate;
mod list_memory;
mod mac;
mod oauth;
mod outbox;
mod provider_revocation;
mod proxy;
mod request;
mod request_log;
mod revocation;
mod rotation;
mod router;
mod routes;
mod rpc;
mod screen;
mod settings;
mod signing;
mod stewardship;
mod store;
mod throttle;
mod vault;

use worker::{Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    router::handle(req, env, ctx).await
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match cron::run(&env).await {
        Ok((renewed, resets, revoked)) => worker::console_log!(
            "cron: renewed {renewed} tokens, {resets} owed resets done, {revoked} tokens revoked at providers"
        ),
        Err(e) => worker::console_error!("cron failed: {:?}", e.code()),
    }
}
