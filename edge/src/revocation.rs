//! After a write that changes who may use what (people, roles, members, invites, keys, a
//! connection's grant, destination or existence): tell the Durable Objects that hold access in
//! memory, before the write answers, so the very next token call sees the change. Handlers call
//! one of these after their D1 batch committed.
//!
//! At least once: a reset is tried a few times at once; one that is still not acknowledged is
//! queued in D1 (`pending_resets`) and retried by the cron until it is. And whatever happens to
//! a reset, objects trust what they read about access for `settings::ACCESS_MEMORY_SECONDS` only.

use domain::token::{self, TokenKind};
use worker::{D1Database, Env};

use crate::error::ApiResult;
use crate::store::{access, api_keys, key_vaults, pending_resets, tokens, transactions};
use crate::{clock, rpc, vault};

/// A Durable Object to reset: its namespace binding and its name.
pub struct Object<'a> {
    binding: &'static str,
    name: &'a str,
}

impl<'a> Object<'a> {
    /// A key's gate, named by the key's SHA-256.
    pub fn gate(key_hash: &'a str) -> Object<'a> {
        Object { binding: "KEY_GATE", name: key_hash }
    }

    /// A token's vault, named by the token id.
    pub fn vault(token_id: &'a str) -> Object<'a> {
        Object { binding: "TOKEN_VAULT", name: token_id }
    }

    /// The connection list's memory (`list_memory.rs`).
    pub fn list(name: &'a str) -> Object<'a> {
        Object { binding: "LIST_MEMORY", name }
    }
}

/// Attempts before a reset is queued for the cron.
const ATTEMPTS: u32 = 3;

/// Tell an object to forget what it holds. Not acknowledged after `ATTEMPTS`: queued in D1 and
/// retried by the cron; the change itself has committed, so the caller is not failed for it.
pub async fn reset_object(env: &Env, db: &D1Database, object: Object<'_>) -> ApiResult<()> {
    if try_reset(env, &object).await {
        return Ok(());
    }
    worker::console_error!("reset of {} {} not acknowledged: queued for retry", object.binding, object.name);
    pending_resets::queue(db, object.binding, object.name, clock::now()).await
}

async fn try_reset(env: &Env, object: &Object<'_>) -> bool {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            worker::Delay::from(std::time::Duration::from_millis(50 * u64::from(attempt))).await;
        }
        if faults::resets_fail() {
            continue;
        }
        match rpc::call(env, object.binding, object.name, "reset", "").await {
            Ok(reply) if reply.status < 300 => return true,
            Ok(reply) => worker::console_warn!("reset of {}: status {}", object.binding, reply.status),
            Err(e) => worker::console_warn!("reset of {}: {e}", object.binding),
        }
    }
    false
}

/// Retry queued resets (the cron): returns how many were acknowledged now.
pub async fn retry_pending(env: &Env, db: &D1Database) -> ApiResult<usize> {
    let mut acknowledged = 0;
    for pending in pending_resets::due(db, 200).await? {
        let binding = match pending.binding.as_str() {
            "KEY_GATE" => "KEY_GATE",
            "TOKEN_VAULT" => "TOKEN_VAULT",
            "LIST_MEMORY" => "LIST_MEMORY",
            other => {
                worker::console_error!("pending reset for unknown binding {other}: dropped");
                pending_resets::done(db, &pending.binding, &pending.name).await?;
                continue;
            }
        };
        if try_reset(env, &Object { binding, name: &pending.name }).await {
            pending_resets::done(db, binding, &pending.name).await?;
            acknowledged += 1;
        }
    }
    Ok(acknowledged)
}

/// Fault injection for the at-least-once test: only the test routes (`TEST_ROUTES=1`) can turn
/// it on, and it lives in this isolate's memory.
pub mod faults {
    use std::cell::Cell;

    thread_local! {
        static FAIL_RESETS: Cell<bool> = const { Cell::new(false) };
    }

    pub fn set_resets_fail(fail: bool) {
        FAIL_RESETS.with(|f| f.set(fail));
    }

    pub fn resets_fail() -> bool {
        FAIL_RESETS.with(Cell::get)
    }
}

/// These people's access may have changed: end their consents in flight, reset their keys'
/// gates (keys revoked by the same change included: `since` is when the change began), and
/// delete user tokens nobody may use any more, emptying their vaults. True when revocations at
/// the provider were queued for those tokens (the handler then sends them after its answer).
pub async fn people(env: &Env, db: &D1Database, user_ids: &[String], since: i64) -> ApiResult<bool> {
    if user_ids.is_empty() {
        return Ok(false);
    }
    // Consents they started under the old rights do not finish (the callback checks the rights
    // again too; this also ends the transactions of a deactivated person at once).
    transactions::delete_of_users(db, user_ids)?.run().await?;
    keys_of_users(env, db, user_ids, since).await?;
    vault::forget_revoked(env, db).await
}

/// A connection is going away, or its destination changed: whoever could use it (read before
/// the delete) loses it, and its vaults forget their tokens (read before the delete too).
pub struct Departure {
    users: Vec<String>,
    token_ids: Vec<String>,
    stored: usize,
}

impl Departure {
    pub async fn before(db: &D1Database, connection_id: &str) -> ApiResult<Departure> {
        let mut token_ids = tokens::ids_of_connection(db, connection_id).await?;
        let stored = token_ids.len();
        let shared = token::token_id(connection_id, TokenKind::Shared, None);
        if !token_ids.contains(&shared) {
            token_ids.push(shared);
        }
        Ok(Departure { users: access::users_of_connection(db, connection_id).await?, token_ids, stored })
    }

    /// How many tokens were stored (shared and per person), for the audit detail.
    pub fn stored_tokens(&self) -> usize {
        self.stored
    }

    pub async fn after(self, env: &Env, db: &D1Database, since: i64) -> ApiResult<()> {
        for id in &self.token_ids {
            vault::reset(env, db, id).await?;
        }
        keys_of_users(env, db, &self.users, since).await
    }
}

/// After a change that may alter what these people may use (their roles, their keys, their
/// active flag, the invites of a connection they could reach): reset everything that remembers
/// their keys, keys revoked by the same change included (`revoked_since`): each key's gate, and
/// every vault that checked one of the keys itself (`key_vaults`, the one-hop token API).
pub async fn keys_of_users(env: &Env, db: &D1Database, user_ids: &[String], revoked_since: i64) -> ApiResult<()> {
    if user_ids.is_empty() {
        return Ok(());
    }
    let hashes = api_keys::hashes_of_users(db, user_ids, revoked_since).await?;
    let vaults = key_vaults::vaults_of(db, &hashes).await?;
    let objects = hashes.iter().map(|h| Object::gate(h)).chain(vaults.iter().map(|v| Object::vault(v)));
    let resets = objects.map(|object| reset_object(env, db, object));
    for result in futures_util::future::join_all(resets).await {
        result?;
    }
    // A revoked key is never remembered again, so its notes are done with.
    key_vaults::forget_revoked(db, &hashes).await
}
