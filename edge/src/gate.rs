//! The KeyGate Durable Object: one per bot key (named by the key's SHA-256), holding what the
//! token API needs to authorize that key without reading D1: whose key it is and which
//! connections its owner may use (with their grant types). It loads that from D1 once; every
//! write path that changes keys, people, roles, members or invites tells the gates of the keys
//! it affects (`revocation::keys_of_users`) before it answers, so a revocation holds from the
//! very next call. A load that raced with such a reset is not kept (generation counter).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use worker::{D1Database, DurableObject, Env, Request, Response, State, durable_object};

use crate::error::{ApiError, ApiResult};
use crate::rpc::{self, Reply, error_reply, json_reply};
use crate::store::{self, access, api_keys};
use crate::{auth, clock, rpc_export, settings};

#[derive(Debug, Serialize, Deserialize)]
pub struct GateRequest {
    pub key_hash: String,
    pub connection_id: String,
}

/// The gate's answer for a good key: who it is and, when the owner may use the connection, its
/// grant type.
#[derive(Debug, Serialize, Deserialize)]
pub struct GateAnswer {
    pub key_id: String,
    pub user_id: String,
    pub grant: Option<domain::connection::GrantType>,
}

#[derive(Debug, Clone)]
struct Known {
    key_id: String,
    user_id: String,
    usable: HashMap<String, domain::connection::GrantType>,
    /// When this was read from D1: trusted for `settings::access_memory` at most, so a reset
    /// that never arrived cannot keep old access alive beyond that bound.
    held_since: i64,
}

#[durable_object]
pub struct KeyGate {
    /// How long what was read is trusted (`settings::access_memory`, read once).
    memory_bound: i64,
    env: Env,
    known: RefCell<Option<Known>>,
    generation: Cell<u64>,
    touched_at: Cell<Option<i64>>,
}

impl DurableObject for KeyGate {
    fn new(_state: State, env: Env) -> Self {
        KeyGate {
            memory_bound: settings::access_memory(&env),
            env,
            known: RefCell::new(None),
            generation: Cell::new(0),
            touched_at: Cell::new(None),
        }
    }

    /// Served over RPC (`call`, see `rpc.rs`); fetch is kept for tools: `POST /<op>`.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        rpc::fetch_as_call(req, |op, body| async move { self.handle(&op, &body).await }).await
    }
}

rpc_export!(KeyGate);

impl KeyGate {
    /// `reset`: forget what was read (a write path changed it). `ping`: answer (deep health).
    /// `check`: a `GateRequest` in, a `GateAnswer` or an error body out.
    async fn handle(&self, op: &str, body: &str) -> Reply {
        match op {
            "reset" => {
                self.generation.set(self.generation.get() + 1);
                self.known.replace(None);
                Reply::new(204, String::new())
            }
            "ping" => Reply::new(204, String::new()),
            "check" => match serde_json::from_str::<GateRequest>(body) {
                Ok(ask) => match self.check(&ask).await {
                    Ok(answer) => json_reply(200, &answer),
                    Err(e) => error_reply(&e),
                },
                Err(e) => error_reply(&ApiError::internal(format!("gate request: {e}"))),
            },
            _ => error_reply(&ApiError::not_found("no such gate operation")),
        }
    }

    async fn check(&self, ask: &GateRequest) -> ApiResult<GateAnswer> {
        // Read from D1 only when not in memory. A reset that arrives while we read may have
        // replaced what we read (a revoked key, a withdrawn invite): then we read again.
        let mut attempts = 0;
        let now = clock::now();
        if self.known.borrow().as_ref().is_some_and(|k| now - k.held_since >= self.memory_bound) {
            self.known.replace(None);
        }
        while self.known.borrow().is_none() {
            attempts += 1;
            if attempts > 3 {
                return Err(ApiError::internal("the key's access kept changing while it was read"));
            }
            let generation = self.generation.get();
            let loaded = load(&store::database(&self.env)?, &ask.key_hash).await?;
            if self.generation.get() == generation {
                self.known.replace(Some(loaded));
            }
        }
        let answer = {
            let memory = self.known.borrow();
            let known = memory.as_ref().ok_or_else(|| ApiError::internal("the gate lost its key"))?;
            GateAnswer {
                grant: known.usable.get(&ask.connection_id).cloned(),
                key_id: known.key_id.clone(),
                user_id: known.user_id.clone(),
            }
        };
        let now = clock::now();
        if self.touched_at.get().is_none_or(|t| now - t >= auth::KEY_TOUCH_EVERY_SECONDS) {
            self.touched_at.set(Some(now));
            api_keys::touch(&store::database(&self.env)?, &answer.key_id, now).await?;
        }
        Ok(answer)
    }
}

/// The key and what its owner may use; a revoked key or a deactivated owner is
/// `unauthenticated` (and not remembered: the next call reads D1 again).
async fn load(db: &D1Database, key_hash: &str) -> ApiResult<Known> {
    let row = api_keys::find_by_hash(db, key_hash).await?.ok_or_else(auth::unauthenticated)?;
    if row.revoked_at.is_some() || row.active == 0 {
        return Err(auth::unauthenticated());
    }
    let usable = access::usable_connections(db, &row.user_id).await?.into_iter().collect();
    Ok(Known { key_id: row.id, user_id: row.user_id, usable, held_since: clock::now() })
}

/// Ask the gate of this key (the SHA-256 hex of the presented key).
pub async fn check(env: &Env, ask: &GateRequest) -> ApiResult<GateAnswer> {
    let body = serde_json::to_string(ask).map_err(ApiError::internal)?;
    let reply = rpc::call(env, "KEY_GATE", &ask.key_hash, "check", &body).await?;
    if reply.status == 200 {
        return serde_json::from_str(&reply.body).map_err(ApiError::internal);
    }
    Err(ApiError::from_reply(reply.status, &reply.body))
}

/// A round trip to a gate that no key can name (gates are named by a key's SHA-256 in hex), for
/// `GET /api/v1/health?deep=1`.
pub async fn ping(env: &Env) -> Result<(), String> {
    match rpc::call(env, "KEY_GATE", "health", "ping", "").await {
        Ok(reply) if reply.status == 204 => Ok(()),
        Ok(reply) => Err(format!("gate answered {}", reply.status)),
        Err(e) => Err(e.to_string()),
    }
}
