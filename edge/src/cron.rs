//! The scheduled refresher: every few minutes, tokens that expire within 15 minutes are renewed
//! through their vaults (so the single-flight rule holds for the cron too).

use worker::Env;

use crate::error::ApiResult;
use crate::store::{self, tokens};
use crate::{clock, vault};

/// Everything the schedule does: owed object resets first (revocation is at-least-once), then
/// renewals, then due revocations at providers. Returns (tokens renewed, resets acknowledged,
/// tokens revoked at their provider).
pub async fn run(env: &Env) -> ApiResult<(usize, usize, usize)> {
    let resets = crate::revocation::retry_pending(env, &store::database(env)?).await?;
    // Webhook couriers whose kick was lost: their overdue messages go now.
    crate::courier::kick_overdue(env, &store::database(env)?).await?;
    let renewed = refresh_expiring(env).await?;
    Ok((renewed, resets, crate::provider_revocation::send_due(env).await?))
}

/// Renew tokens expiring within this many seconds.
pub const WINDOW_SECONDS: i64 = 15 * 60;

pub async fn refresh_expiring(env: &Env) -> ApiResult<usize> {
    let db = store::database(env)?;
    let due = tokens::expiring(&db, clock::now(), WINDOW_SECONDS).await?;
    let mut renewed = 0;
    for row in &due {
        let ask = vault::VaultRequest {
            connection_id: row.connection_id.clone(),
            kind: row.kind,
            user_id: row.user_id.clone(),
            min_valid_seconds: WINDOW_SECONDS,
            force_refresh: false,
            // Not a token issue: nobody receives the token.
            actor: None,
        };
        // One failure must not stop the others; the vault records it on the token.
        match vault::ask(env, &ask).await {
            Ok(r) if r.status == 200 => renewed += 1,
            Ok(r) => worker::console_warn!("cron: token {} not renewed (HTTP {})", row.id, r.status),
            Err(e) => worker::console_warn!("cron: token {} not renewed: {e}", row.id),
        }
    }
    Ok(renewed)
}
