//! Revocation at the provider (RFC 7009; the rules are `domain::provider_revocation`). When the
//! product drops tokens, the write that drops them also queues, in the same D1 batch, one
//! `provider_revocations` row per token: the refresh token (else the access token), the
//! connection's revocation URL and its client authentication, all copied and sealed for that
//! row, because by the time it is sent the connection may be gone or point elsewhere.
//!
//! Sending never holds up the action: after the handler answers, the request's `wait_until`
//! makes one attempt at what is due, and the cron (`cron.rs`) retries with backoff for a day.
//! Every attempt is audited as `token.revoke` with the provider's status, never the token.
//! (`revocation.rs` is something else: resetting the product's own objects.)

use domain::audit::{AuditAction, TargetKind};
use domain::provider_revocation::{self, DropReason, Verdict};
use serde_json::json;
use worker::{D1Database, D1PreparedStatement, Env};

use crate::envelope::{KeyRing, Place};
use crate::error::ApiResult;
use crate::oauth::connection::open_token;
use crate::oauth::revoke::{self, Revocation};
use crate::routes::Ctx;
use crate::store::audit::{self, Actor, Event};
use crate::store::connections::ConnectionRow;
use crate::store::provider_revocations::{self as queue, PendingRevocation};
use crate::store::tokens::TokenRow;
use crate::{clock, crypto, oauth, settings, store};

const TABLE: &str = "provider_revocations";

/// How many due revocations one run sends (a request's background task or a cron run).
const BATCH: u32 = 25;

/// The queue rows for `tokens`, about to be dropped from `connection` (as it is before the
/// write). None when the connection has no revocation URL.
pub fn prepare(
    env: &Env,
    connection: &ConnectionRow,
    tokens: &[TokenRow],
    reason: DropReason,
    now: i64,
) -> ApiResult<Vec<PendingRevocation>> {
    if connection.revocation_url.is_empty() || tokens.is_empty() {
        return Ok(Vec::new());
    }
    let ring = KeyRing::from_env(env)?;
    let secret = match &connection.client_secret {
        Some(sealed) => {
            Some(ring.open(sealed, &Place { table: "connections", row: &connection.id, column: "client_secret" })?)
        }
        None => None,
    };
    let mut rows = Vec::with_capacity(tokens.len());
    for token in tokens {
        let open = open_token(token, &ring)?;
        let (value, hint) = provider_revocation::token_to_send(open.refresh_token, open.access_token);
        let id = crypto::new_id()?;
        let client_secret = match &secret {
            Some(s) => Some(ring.seal(
                s.expose(),
                &Place { table: TABLE, row: &id, column: "client_secret" },
                crypto::random_bytes::<12>()?,
            )?),
            None => None,
        };
        let sealed = ring.seal(
            value.expose(),
            &Place { table: TABLE, row: &id, column: "token" },
            crypto::random_bytes::<12>()?,
        )?;
        rows.push(PendingRevocation {
            id,
            connection_id: connection.id.clone(),
            token_id: token.id.clone(),
            reason,
            revocation_url: connection.revocation_url.clone(),
            client_id: connection.client_id.clone(),
            client_auth_method: connection.client_auth_method,
            client_secret,
            token: sealed,
            token_type_hint: hint,
            attempts: 0,
            created_at: now,
        });
    }
    Ok(rows)
}

/// The statements that queue `rows`, for the batch that drops their tokens.
pub fn statements(db: &D1Database, rows: &[PendingRevocation]) -> ApiResult<Vec<D1PreparedStatement>> {
    rows.iter().map(|r| queue::insert(db, r)).collect()
}

/// Queue the revocations of user tokens already deleted (people who lost access): the delete
/// returned the rows, so this runs after it rather than in its batch. True if any were queued.
pub async fn queue_swept(env: &Env, db: &D1Database, swept: &[TokenRow]) -> ApiResult<bool> {
    let now = clock::now();
    let mut connection_ids: Vec<&str> = swept.iter().map(|t| t.connection_id.as_str()).collect();
    connection_ids.sort_unstable();
    connection_ids.dedup();
    let mut batch = Vec::new();
    for id in connection_ids {
        let Some(connection) = store::connections::by_id(db, id).await? else { continue };
        let tokens: Vec<TokenRow> = swept.iter().filter(|t| t.connection_id == id).cloned().collect();
        batch.extend(statements(db, &prepare(env, &connection, &tokens, DropReason::AccessLost, now)?)?);
    }
    if batch.is_empty() {
        return Ok(false);
    }
    db.batch(batch).await?;
    Ok(true)
}

/// After the answer: send what is due in this request's background (`wait_until`). Only called
/// when the request queued something: the claim is a D1 write, not made for nothing.
pub fn soon(ctx: &Ctx) {
    let env = ctx.env.clone();
    ctx.data.background.wait_until(async move {
        if let Err(e) = send_due(&env).await {
            worker::console_error!("provider revocation: {:?}", e.code());
        }
    });
}

/// One attempt at each due revocation (a bounded batch); returns how many were revoked.
pub async fn send_due(env: &Env) -> ApiResult<usize> {
    let db = store::database(env)?;
    let limits =
        oauth::http::Outbound { timeout: settings::provider_timeout(env), policy: settings::endpoint_policy(env) };
    let now = clock::now();
    // Long enough for every attempt of the batch to end before another run may take them.
    let lease = now + i64::from(BATCH) * i64::try_from(limits.timeout.as_secs()).unwrap_or(60) + 60;
    let due = queue::claim_due(&db, now, lease, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let ring = KeyRing::from_env(env)?;
    let mut revoked = 0;
    for row in &due {
        match attempt(&db, &ring, row, limits).await {
            Ok(true) => revoked += 1,
            Ok(false) => {}
            Err(e) => worker::console_error!("provider revocation {}: {:?}", row.id, e.code()),
        }
    }
    Ok(revoked)
}

async fn attempt(
    db: &D1Database,
    ring: &KeyRing,
    row: &PendingRevocation,
    limits: oauth::http::Outbound,
) -> ApiResult<bool> {
    let place = |column| Place { table: TABLE, row: &row.id, column };
    let secret = match &row.client_secret {
        Some(sealed) => Some(ring.open(sealed, &place("client_secret"))?),
        None => None,
    };
    let token = ring.open(&row.token, &place("token"))?;
    let outcome = revoke::send(
        &Revocation {
            url: &row.revocation_url,
            client_id: &row.client_id,
            client_secret: secret.as_ref(),
            auth_method: row.client_auth_method,
            token: &token,
            hint: row.token_type_hint,
        },
        limits,
    )
    .await;
    let now = clock::now();
    let attempts = row.attempts + 1;
    let verdict = provider_revocation::after_attempt(
        outcome.ok(),
        u32::try_from(attempts).unwrap_or(u32::MAX),
        row.created_at,
        now,
    );
    let detail = json!({
        "token_id": row.token_id,
        "reason": row.reason,
        "token_type_hint": row.token_type_hint,
        "status": outcome.ok(),
        "error": outcome.err(),
        "attempt": attempts,
        "will_retry": matches!(verdict, Verdict::RetryAt(_)),
    });
    let event = Event {
        at: now,
        actor: Actor::system(),
        action: AuditAction::TokenRevoke,
        target: Some((TargetKind::Connection, &row.connection_id)),
        success: verdict == Verdict::Revoked,
        detail,
    };
    let next = match verdict {
        Verdict::RetryAt(at) => queue::retry_at(db, &row.id, attempts, at)?,
        Verdict::Revoked | Verdict::GiveUp => queue::done(db, &row.id)?,
    };
    db.batch(vec![next, audit::statement(db, event)?]).await?;
    Ok(verdict == Verdict::Revoked)
}
