//! The TokenVault Durable Object: one per token (`<connection>:shared` or
//! `<connection>:user:<user>`). It serves a valid token from memory and, when the token is
//! expired or inside the caller's `min_valid_seconds`, performs exactly one refresh however many
//! callers wait: they all await the same shared future. A rotated refresh token is written to D1
//! before anyone receives the new access token; a failed refresh keeps the last good token.
//!
//! A shared token's vault also checks bot keys itself (`key_token`), so a bot's call for a shared
//! token is one object hop: it remembers, per key hash, whose key it is and whether the owner may
//! use this connection, read from D1 on a miss after noting itself in `key_vaults`; every write
//! that changes access resets the vaults noted there (`revocation::keys_of_users`).

use domain::audit::{AuditAction, TargetKind};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use domain::connection::{GrantType, StatusEvent, next_status};
use domain::error::{ErrorCode, ErrorResponse};
use domain::notification::NotificationKind;
use domain::secret::Secret;
use domain::token::{self, Renewal, TokenKind, TokenStatus};
use domain::webhook::WebhookEvent;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use crate::envelope::KeyRing;
use crate::error::ApiError;
use crate::oauth::client::{self, ProviderFailure};
use crate::oauth::connection::{TokenSlot, open_token, provider_config, seal, sealed_row};
use crate::outbox::{Occurrence, Outbox};
use crate::rpc::{self, KeyCaller, Reply, error_reply, json_reply};
use crate::store::audit::{Actor, ActorKind};
use crate::store::{self, access, api_keys, connections, key_vaults, notifications, tokens};
use crate::{auth, clock, courier, rpc_export, settings};
use domain::api::TokenResponse;

/// What the worker asks of a vault.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VaultRequest {
    pub connection_id: String,
    pub kind: TokenKind,
    pub user_id: Option<String>,
    pub min_valid_seconds: i64,
    pub force_refresh: bool,
    /// Who receives the token: the issue is audited (through the outbox). `None` for the cron.
    pub actor: Option<Actor>,
}

/// A bot's call for a shared token, asked straight of its vault (`key_token`): the vault checks
/// the key (by the SHA-256 of the whole key; its MAC tag was checked before, `screen.rs`) and
/// audits the issue as that key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyedAsk {
    pub key_hash: String,
    /// What is asked; its `actor` is ignored (the key is the actor).
    pub ask: VaultRequest,
}

/// The status of a `key_token` reply whose key is good but whose owner may not use the
/// connection (the reply names the key; the worker audits the refusal). No other vault answer
/// is a 403.
pub const KEY_REFUSED: u16 = 403;

/// A bot key as this vault knows it.
#[derive(Debug, Clone)]
struct KeyAccess {
    caller: KeyCaller,
    /// The owner is a member of a role invited to this token's connection.
    may_use: bool,
    /// When this was read from D1: trusted for `settings::access_memory` at most.
    held_since: i64,
    /// When this vault last wrote the key's `last_used_at`.
    touched_at: Option<i64>,
}

/// What the proxy asks of a vault (`proxy`): the token of `ask`, or, once the provider answered
/// 401 to the token whose SHA-256 is `refused`, a better one: the refresh in flight, or a new
/// refresh under the same single flight and brake as `force_refresh`. Not audited here: the
/// proxy counts the call (`count`) once it knows the provider's status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProxyAsk {
    pub ask: VaultRequest,
    pub refused: Option<String>,
    /// A bot key's first ask for a shared token: the vault checks the key (as `key_token` does),
    /// so the proxy, like the token API, costs one object hop; the reply names the key.
    #[serde(default)]
    pub key_hash: Option<String>,
}

/// The vault's answer to the proxy: the token, where calls go, and whether it differs from the
/// refused one.
#[derive(Serialize, Deserialize)]
pub struct ProxyGrant {
    #[serde(serialize_with = "domain::secret::reveal")]
    pub access_token: Secret,
    /// SHA-256 of the access token (what `ProxyAsk::refused` names).
    pub token_hash: String,
    /// The connection's stored API base URL (`domain::api_base`), as it was when the token was
    /// read or refreshed; a destination change resets the vault.
    pub api_base_url: Option<String>,
    pub instance_url: Option<String>,
    pub fresh: bool,
}

/// One proxied call, counted in the outbox (`count`) per caller, connection, token type, method
/// and status class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProxyCall {
    pub connection_id: String,
    pub kind: TokenKind,
    pub actor: Actor,
    pub method: String,
    pub status: u16,
    /// The product's own error code, when the product answered (`X-Proxy-Error`).
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
struct Cached {
    access_token: Secret,
    refresh_token: Option<Secret>,
    token_type: String,
    scope: Option<String>,
    instance_url: Option<String>,
    /// The connection's API base URL (`None`: none set), for the proxy.
    api_base_url: Option<String>,
    expires_at: Option<i64>,
    needs_reauth: bool,
    /// The token endpoint and destination epoch that issued the set: the refresh token is sent
    /// there or nowhere.
    token_url: Option<String>,
    destination_version: Option<i64>,
    /// When a refresh last ran (or was tried): the brake of `domain::token::renewal`.
    last_attempt_at: Option<i64>,
    /// When this copy was read from D1 or made: memory is trusted for a bounded time only.
    held_since: i64,
    /// The row's revision (`store::tokens`): a refresh writes over this one only. `None` for a
    /// set no refresh starts from (fetched by client credentials).
    revision: Option<i64>,
    /// The token API's answer body (`response` as JSON), rendered on first use and shared by the
    /// copies of this set: nothing in it counts down (`expires_at` is a time, not a duration).
    /// Only a copy that keeps every field of `response` may keep it (`..c` changing the brake or
    /// `needs_reauth`); a new set starts with an empty one.
    rendered: Rc<OnceCell<Secret>>,
}

impl Cached {
    fn empty() -> Cached {
        Cached {
            access_token: Secret::default(),
            refresh_token: None,
            token_type: String::new(),
            scope: None,
            instance_url: None,
            api_base_url: None,
            expires_at: None,
            needs_reauth: false,
            token_url: None,
            destination_version: None,
            last_attempt_at: None,
            held_since: 0,
            revision: None,
            rendered: Rc::default(),
        }
    }

    /// The token API's answer body, rendered once per set.
    fn response_body(&self) -> serde_json::Result<String> {
        if let Some(body) = self.rendered.get() {
            return Ok(body.expose().to_string());
        }
        let body = serde_json::to_string(&self.response())?;
        Ok(self.rendered.get_or_init(|| Secret::new(body)).expose().to_string())
    }

    fn response(&self) -> TokenResponse {
        TokenResponse {
            access_token: self.access_token.clone(),
            token_type: self.token_type.clone(),
            expires_at: self.expires_at,
            scope: self.scope.clone(),
            instance_url: self.instance_url.clone(),
        }
    }
}

#[derive(Debug, Clone)]
enum VaultFailure {
    NoToken,
    Reauth(String),
    Rejected(String),
    Unavailable(String),
    Internal(String),
}

impl From<ApiError> for VaultFailure {
    fn from(e: ApiError) -> Self {
        VaultFailure::Internal(format!("{:?}", e.code()))
    }
}

impl VaultFailure {
    fn error(&self) -> ErrorResponse {
        match self {
            VaultFailure::NoToken => {
                ErrorResponse::new(ErrorCode::NoToken, "no token is saved for this connection yet")
            }
            VaultFailure::Reauth(_) => ErrorResponse::new(
                ErrorCode::ReauthRequired,
                "the provider no longer accepts the saved grant: authorize the connection again",
            ),
            VaultFailure::Rejected(m) => {
                ErrorResponse::new(ErrorCode::ProviderError, format!("the provider refused: {m}"))
            }
            VaultFailure::Unavailable(_) => ErrorResponse::new(
                ErrorCode::ProviderUnavailable,
                "the provider did not answer usefully; try again later",
            ),
            VaultFailure::Internal(_) => ErrorResponse::new(ErrorCode::Internal, "something went wrong on our side"),
        }
    }
}

type InFlight = Shared<LocalBoxFuture<'static, Result<Cached, VaultFailure>>>;

/// What one call got: the token, and whether a refresh made it (for the audit of forced ones).
struct Served {
    token: Cached,
    refreshed: bool,
}

#[durable_object]
pub struct TokenVault {
    state: State,
    env: Env,
    outbox: Outbox,
    /// Bumped by every reset, so a D1 load or a refresh that raced with one is not kept.
    generation: Rc<Cell<u64>>,
    /// The last failed refresh and when: inside the brake's interval callers get it again
    /// instead of another call to a failing provider (and another notification).
    last_failure: RefCell<Option<(i64, VaultFailure)>>,
    /// Deployment settings, read once: how long memory is trusted (`settings::access_memory`)
    /// and the refresh brake's interval (`settings::refresh_interval`).
    memory_bound: i64,
    refresh_interval: i64,
    /// Shared with the renewal future, which stores the fresh token before anyone wakes.
    cached: Rc<RefCell<Option<Cached>>>,
    renewal: Rc<RefCell<Option<InFlight>>>,
    /// Bot keys checked here (`key_token`), by key hash; emptied by every reset.
    keys: RefCell<HashMap<String, KeyAccess>>,
}

impl DurableObject for TokenVault {
    fn new(state: State, env: Env) -> Self {
        TokenVault {
            outbox: Outbox::new(&state),
            memory_bound: settings::access_memory(&env),
            refresh_interval: settings::refresh_interval(&env),
            state,
            env,
            generation: Rc::new(Cell::new(0)),
            last_failure: RefCell::new(None),
            cached: Rc::new(RefCell::new(None)),
            renewal: Rc::new(RefCell::new(None)),
            keys: RefCell::new(HashMap::new()),
        }
    }

    /// Served over RPC (`call`, see `rpc.rs`); fetch is kept for tools: `POST /<op>`.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        rpc::fetch_as_call(req, |op, body| async move { self.handle(&op, &body).await }).await
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let shipped = match store::database(&self.env) {
            Ok(db) => self.outbox.ship(&db).await,
            Err(e) => Err(e),
        };
        match shipped {
            Ok(_) => Response::empty(),
            // Thrown, so the runtime retries the alarm; the rows stay queued.
            Err(e) => Err(worker::Error::RustError(format!("audit shipment failed: {:?}", e.code()))),
        }
    }
}

rpc_export!(TokenVault);

impl TokenVault {
    /// `reset`: a new consent, a forgotten token, an edit or a delete, or a change of who may use
    /// it; reload from D1 next time. `token`: a `VaultRequest` in, a `TokenResponse` or an error
    /// body out; audited. `key_token`: the same for a `KeyedAsk`, the key checked here.
    async fn handle(&self, op: &str, body: &str) -> Reply {
        match op {
            "reset" => {
                self.generation.set(self.generation.get() + 1);
                self.cached.replace(None);
                self.last_failure.replace(None);
                self.keys.borrow_mut().clear();
                Reply::new(204, String::new())
            }
            "token" => match serde_json::from_str::<VaultRequest>(body) {
                Ok(ask) => self.issue(&ask).await,
                Err(e) => error_reply(&ApiError::internal(format!("vault request: {e}"))),
            },
            "key_token" => match serde_json::from_str::<KeyedAsk>(body) {
                Ok(keyed) => self.issue_to_key(keyed).await,
                Err(e) => error_reply(&ApiError::internal(format!("vault key request: {e}"))),
            },
            "proxy" => match serde_json::from_str::<ProxyAsk>(body) {
                Ok(ask) => match &ask.key_hash {
                    Some(key_hash) => self.as_key(key_hash, &ask.ask, |_| self.proxy(&ask)).await,
                    None => self.proxy(&ask).await,
                },
                Err(e) => error_reply(&ApiError::internal(format!("vault proxy request: {e}"))),
            },
            "count" => match serde_json::from_str::<ProxyCall>(body) {
                Ok(call) => self.count(call).await,
                Err(e) => error_reply(&ApiError::internal(format!("vault count request: {e}"))),
            },
            _ => error_reply(&ApiError::not_found("no such vault operation")),
        }
    }

    async fn issue(&self, ask: &VaultRequest) -> Reply {
        let (reply, refreshed) = match self.token(ask).await {
            Ok(served) => match served.token.response_body() {
                Ok(body) => (Reply::new(200, body), served.refreshed),
                Err(e) => (error_reply(&ApiError::internal(e)), false),
            },
            Err(failure) => {
                if let VaultFailure::Internal(detail) | VaultFailure::Unavailable(detail) = &failure {
                    worker::console_error!("vault {}: {detail}", ask.connection_id);
                }
                let body = failure.error();
                (json_reply(body.error.code.status(), &body), false)
            }
        };
        if let Some(actor) = ask.actor.clone() {
            let mut occurrences = vec![Occurrence {
                actor: actor.clone(),
                action: AuditAction::TokenIssue,
                target: (TargetKind::Connection, ask.connection_id.clone()),
                success: reply.status == 200,
                detail: json!({"token_type": ask.kind, "status": reply.status}),
            }];
            // Forced refreshes are audited apart, with whether the brake held them back.
            if ask.force_refresh {
                occurrences.push(Occurrence {
                    actor,
                    action: AuditAction::TokenForceRefresh,
                    target: (TargetKind::Connection, ask.connection_id.clone()),
                    success: reply.status == 200,
                    detail: json!({"token_type": ask.kind, "refreshed": refreshed}),
                });
            }
            // No token leaves without its issue counted for the audit log.
            for occurrence in occurrences {
                if let Err(e) = self.outbox.count(&self.state, occurrence).await {
                    return error_reply(&e);
                }
            }
        }
        reply
    }

    /// `key_token`: check the key, then issue as `token` does, audited as the key.
    async fn issue_to_key(&self, keyed: KeyedAsk) -> Reply {
        let ask = keyed.ask.clone();
        self.as_key(&keyed.key_hash, &keyed.ask, |actor| async move {
            self.issue(&VaultRequest { actor: Some(actor), ..ask }).await
        })
        .await
    }

    /// A bot key's call at a shared token's vault: check the key from memory (D1 on a miss), then
    /// `serve` it (given the key as the actor) when its owner may use the connection, else
    /// answer `KEY_REFUSED`. The reply names the key unless the key itself was refused (401).
    async fn as_key<F, Fut>(&self, key_hash: &str, ask: &VaultRequest, serve: F) -> Reply
    where
        F: FnOnce(Actor) -> Fut,
        Fut: std::future::Future<Output = Reply>,
    {
        if ask.kind != TokenKind::Shared {
            return error_reply(&ApiError::internal("a vault checks keys for shared tokens only"));
        }
        let access = match self.key_access(key_hash, &ask.connection_id).await {
            Ok(access) => access,
            Err(e) => return error_reply(&e),
        };
        let mut reply = if access.may_use {
            serve(Actor { kind: ActorKind::ApiKey, id: Some(access.caller.key_id.clone()) }).await
        } else {
            Reply::new(KEY_REFUSED, String::new())
        };
        reply.caller = Some(access.caller);
        reply
    }

    /// Who the key is and whether its owner may use this connection: from memory while it is
    /// trusted, else from D1. A revoked key or a deactivated owner is `unauthenticated` and not
    /// remembered (the next call reads D1 again), as the key's gate does.
    async fn key_access(&self, key_hash: &str, connection_id: &str) -> Result<KeyAccess, ApiError> {
        let now = clock::now();
        let known = self.keys.borrow().get(key_hash).filter(|k| now - k.held_since < self.memory_bound).cloned();
        let mut access = match known {
            Some(access) => access,
            None => self.load_key(key_hash, connection_id).await?,
        };
        if access.touched_at.is_none_or(|t| now - t >= auth::KEY_TOUCH_EVERY_SECONDS) {
            access.touched_at = Some(now);
            if let Some(k) = self.keys.borrow_mut().get_mut(key_hash) {
                k.touched_at = Some(now);
            }
            // Bookkeeping, off the call's path: the answer does not wait for a D1 write.
            let (db, key_id) = (store::database(&self.env)?, access.caller.key_id.clone());
            worker::wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = api_keys::touch(&db, &key_id, now).await {
                    worker::console_error!("key {key_id}: last use not recorded: {:?}", e.code());
                }
            });
        }
        Ok(access)
    }

    /// Read a key's access from D1, after noting this vault in `key_vaults` in the same batch (so
    /// a change committed before the note is read here, and one committed after it finds this
    /// vault). A reset that arrives meanwhile may have replaced what we read: then we read again.
    async fn load_key(&self, key_hash: &str, connection_id: &str) -> Result<KeyAccess, ApiError> {
        let db = store::database(&self.env)?;
        let vault = token::token_id(connection_id, TokenKind::Shared, None);
        for _ in 0..3 {
            let generation = self.generation.get();
            let results = db
                .batch(vec![
                    key_vaults::remember(&db, key_hash, &vault)?,
                    api_keys::find_by_hash_statement(&db, key_hash)?,
                    access::key_owner_invited(&db, connection_id, key_hash)?,
                ])
                .await?;
            let [_, key, invited]: [worker::D1Result; 3] = results
                .try_into()
                .map_err(|r: Vec<_>| ApiError::internal(format!("a batch of 3 returned {}", r.len())))?;
            let row = key.results::<api_keys::KeyOwnerRow>()?.into_iter().next().ok_or_else(auth::unauthenticated)?;
            if row.revoked_at.is_some() || row.active == 0 {
                return Err(auth::unauthenticated());
            }
            let access = KeyAccess {
                caller: KeyCaller { key_id: row.id, user_id: row.user_id },
                may_use: !invited.results::<serde_json::Value>()?.is_empty(),
                held_since: clock::now(),
                touched_at: None,
            };
            if self.generation.get() == generation {
                self.keys.borrow_mut().insert(key_hash.to_string(), access.clone());
                return Ok(access);
            }
        }
        Err(ApiError::internal("the key's access kept changing while it was read"))
    }

    /// The proxy's token (`ProxyAsk`). After a 401: join the refresh in flight if there is one,
    /// else ask for one as `force_refresh` does (so the brake holds: at most one per interval);
    /// a storm of 401s on one token makes one refresh, and every caller gets its result.
    async fn proxy(&self, p: &ProxyAsk) -> Reply {
        let ask = VaultRequest { actor: None, force_refresh: false, ..p.ask.clone() };
        let hash = |c: &Cached| crate::crypto::sha256_hex(c.access_token.expose().as_bytes());
        // A call the proxy refuses for want of an API base URL fetches no token first: a
        // refused call stores nothing (a client-credentials token would be minted and saved).
        if self.cached.borrow().is_none() {
            let base = match store::database(&self.env) {
                Ok(db) => connections::api_base_of(&db, &ask.connection_id).await,
                Err(e) => Err(e),
            };
            match base {
                Ok(Some(_)) => {}
                Ok(None) => return error_reply(&ApiError::new(ErrorCode::NoApiBaseUrl, crate::routes::proxy::NO_BASE)),
                Err(e) => return error_reply(&e),
            }
        }
        let mut served = self.token(&ask).await;
        if let (Some(refused), Ok(s)) = (&p.refused, &served)
            && hash(&s.token) == *refused
        {
            let in_flight = self.renewal.borrow().clone();
            served = match in_flight {
                Some(renewal) => {
                    let _ = renewal.await;
                    self.token(&ask).await
                }
                None => self.token(&VaultRequest { force_refresh: true, ..ask.clone() }).await,
            };
        }
        match served {
            Ok(s) => {
                let token_hash = hash(&s.token);
                json_reply(
                    200,
                    &ProxyGrant {
                        fresh: p.refused.as_ref().is_some_and(|r| *r != token_hash),
                        token_hash,
                        access_token: s.token.access_token,
                        api_base_url: s.token.api_base_url,
                        instance_url: s.token.instance_url,
                    },
                )
            }
            Err(failure) => {
                if let VaultFailure::Internal(detail) | VaultFailure::Unavailable(detail) = &failure {
                    worker::console_error!("vault {}: {detail}", ask.connection_id);
                }
                let body = failure.error();
                json_reply(body.error.code.status(), &body)
            }
        }
    }

    /// Count one proxied call for the audit log (tallied like token issues).
    async fn count(&self, call: ProxyCall) -> Reply {
        let occurrence = Occurrence {
            actor: call.actor,
            action: AuditAction::TokenProxy,
            target: (TargetKind::Connection, call.connection_id),
            success: call.error.is_none() && call.status < 400,
            detail: json!({
                "token_type": call.kind,
                "method": call.method,
                "status_class": domain::proxy::status_class(call.status),
                "error": call.error,
            }),
        };
        match self.outbox.count(&self.state, occurrence).await {
            Ok(()) => Reply::new(204, String::new()),
            Err(e) => error_reply(&e),
        }
    }

    async fn token(&self, ask: &VaultRequest) -> Result<Served, VaultFailure> {
        let now = clock::now();
        // Memory is trusted for a bounded time: a reset that never arrived (a token dropped or
        // forgotten behind our back) stops mattering after `access_memory`.
        let in_memory = self.cached.borrow().clone().filter(|c| now - c.held_since < self.memory_bound);
        let current = match in_memory {
            Some(c) => Some(c),
            None => {
                self.cached.replace(None);
                self.load_fresh(ask).await?
            }
        };
        let interval = self.refresh_interval;
        if let Some(c) = &current {
            if c.needs_reauth {
                return Err(VaultFailure::Reauth("stored token needs re-authorization".into()));
            }
            match token::renewal(
                c.expires_at,
                c.last_attempt_at,
                now,
                ask.min_valid_seconds,
                ask.force_refresh,
                interval,
            ) {
                Renewal::Serve | Renewal::Braked => return Ok(Served { token: c.clone(), refreshed: false }),
                Renewal::Refresh => {}
            }
            // Tried now, whatever comes of it: the brake counts attempts, not successes.
            self.cached.replace(Some(Cached { last_attempt_at: Some(now), ..c.clone() }));
        }
        // A provider that just failed is not asked again within the interval, whoever asks.
        let recent_failure = self.last_failure.borrow().clone().filter(|(at, _)| now - at < interval);
        let outcome = match recent_failure {
            Some((_, failure)) => Err(failure),
            None => {
                let outcome = self.renew(ask, current.clone()).await;
                if let Err(f @ (VaultFailure::Unavailable(_) | VaultFailure::Rejected(_))) = &outcome {
                    self.last_failure.replace(Some((now, f.clone())));
                }
                outcome
            }
        };
        match outcome {
            Ok(fresh) => Ok(Served { token: fresh, refreshed: true }),
            Err(VaultFailure::Reauth(m)) => {
                if let Some(c) = current {
                    self.cached.replace(Some(Cached { needs_reauth: true, ..c }));
                }
                Err(VaultFailure::Reauth(m))
            }
            // The last good token is still served while it is valid.
            Err(VaultFailure::Unavailable(m)) => match current {
                Some(c) if token::still_valid(c.expires_at, now) => Ok(Served { token: c, refreshed: false }),
                _ => Err(VaultFailure::Unavailable(m)),
            },
            Err(other) => Err(other),
        }
    }

    /// Read the token from D1 into memory. A reset that arrives while we read may have replaced
    /// what we read (a forgotten or re-consented token), so then we read again.
    async fn load_fresh(&self, ask: &VaultRequest) -> Result<Option<Cached>, VaultFailure> {
        for _ in 0..3 {
            let generation = self.generation.get();
            let loaded = load(&self.env, ask).await?;
            if self.generation.get() != generation {
                continue;
            }
            // Another caller may have loaded or renewed while we waited on D1: memory wins.
            let mut slot = self.cached.borrow_mut();
            if slot.is_none() {
                *slot = loaded;
            }
            return Ok(slot.clone());
        }
        Err(VaultFailure::Internal("the token kept changing while it was loaded".into()))
    }

    /// Join the refresh in flight, or start it: one provider call for every waiting caller.
    async fn renew(&self, ask: &VaultRequest, current: Option<Cached>) -> Result<Cached, VaultFailure> {
        let existing = self.renewal.borrow().clone();
        let renewal = match existing {
            Some(r) => r,
            None => {
                let env = self.env.clone();
                let ask = ask.clone();
                let slot = self.renewal.clone();
                let cache = self.cached.clone();
                let generation = self.generation.clone();
                let started = generation.get();
                let future = async move {
                    let result = refresh(env, ask, current).await;
                    // The fresh token is in memory before the renewal is over, so a caller that
                    // arrives after it finds the token valid and starts no second refresh; unless
                    // a reset came meanwhile (then D1 decides on the next call).
                    if let Ok(fresh) = &result
                        && generation.get() == started
                    {
                        cache.replace(Some(fresh.clone()));
                    }
                    slot.replace(None);
                    result
                }
                .boxed_local()
                .shared();
                self.renewal.replace(Some(future.clone()));
                future
            }
        };
        renewal.await
    }
}

/// The stored token, opened; `None` when there is none (a client-credentials token is fetched).
async fn load(env: &Env, ask: &VaultRequest) -> Result<Option<Cached>, VaultFailure> {
    let db = store::database(env)?;
    let id = token::token_id(&ask.connection_id, ask.kind, ask.user_id.as_deref());
    let Some(row) = tokens::by_id(&db, &id).await? else { return Ok(None) };
    let api_base_url = connections::api_base_of(&db, &ask.connection_id).await?;
    let ring = KeyRing::from_env(env)?;
    let open = open_token(&row, &ring)?;
    Ok(Some(Cached {
        access_token: open.access_token,
        refresh_token: open.refresh_token,
        token_type: row.token_type,
        scope: row.scope,
        instance_url: row.instance_url,
        api_base_url,
        expires_at: row.expires_at,
        needs_reauth: row.status == TokenStatus::NeedsReauth,
        token_url: row.token_url,
        destination_version: row.destination_version,
        last_attempt_at: row.last_refresh_at,
        held_since: clock::now(),
        revision: Some(row.revision),
        rendered: Rc::default(),
    }))
}

/// One refresh (or client-credentials fetch) with the provider; the new tokens reach D1 before
/// this returns.
async fn refresh(env: Env, ask: VaultRequest, current: Option<Cached>) -> Result<Cached, VaultFailure> {
    let db = store::database(&env)?;
    let ring = KeyRing::from_env(&env)?;
    let Some(connection) = connections::by_id(&db, &ask.connection_id).await? else {
        return Err(VaultFailure::NoToken);
    };
    let config = provider_config(&connection, &ring, &env)?;
    let grant = connection.grant_type;
    let id = token::token_id(&ask.connection_id, ask.kind, ask.user_id.as_deref());
    // The set this refresh starts from: its answer or its failure is written over that set only.
    let revision = current.as_ref().and_then(|c| c.revision);
    let outcome = if grant == GrantType::ClientCredentials {
        client::client_credentials(&config).await
    } else {
        let Some(refresh_token) = current.as_ref().and_then(|c| c.refresh_token.clone()) else {
            return match current {
                None => Err(VaultFailure::NoToken),
                Some(_) => Err(VaultFailure::Reauth("no refresh token was issued".into())),
            };
        };
        // Defence in depth behind the edit rule: a refresh token goes back only to the token
        // endpoint that issued it, never to one the connection was pointed at later.
        let issued_at = current.as_ref().map(|c| (c.token_url.as_deref(), c.destination_version));
        if issued_at == Some((Some(connection.token_url.as_str()), Some(connection.destination_version))) {
            client::refresh(&config, &refresh_token).await
        } else {
            Err(ProviderFailure::ReauthRequired(
                "the saved token was issued by another token endpoint, so it is not sent to this one".into(),
            ))
        }
    };
    let now = clock::now();
    match outcome {
        Ok(set) => {
            let expires_at = Some(token::expires_at(now, set.expires_in, settings::default_token_ttl(&env)));
            let sealed = seal(&ring, &id, &set)?;
            let slot = TokenSlot {
                id: &id,
                connection_id: &ask.connection_id,
                kind: ask.kind,
                user_id: ask.user_id.as_deref(),
            };
            let row = sealed_row(&slot, &set, &sealed, expires_at, true, connection.destination(), now);
            // A refresh only ever updates the row it came from; a client-credentials token is
            // new. Either way nothing is written once the connection points elsewhere, once the
            // token was deleted while this refresh was in flight, or once a new consent replaced
            // the set it started from: then what D1 holds now is the answer.
            let statement = match (grant, revision) {
                (GrantType::ClientCredentials, _) => tokens::save(&db, &row)?,
                (_, Some(revision)) => tokens::save_refreshed(&db, &row, revision)?,
                (_, None) => return stored_instead(&env, &ask).await,
            };
            let written = statement.run().await.map_err(|e| VaultFailure::Internal(e.to_string()))?;
            if !store::changed(&written) {
                return stored_instead(&env, &ask).await;
            }
            shared_token_changed(&env, &db, ask.kind).await;
            // What the answer leaves out stays as it was, as in D1 (COALESCE): providers that
            // do not rotate omit the refresh token, Salesforce sends instance_url only at consent.
            let before = current.unwrap_or_else(Cached::empty);
            Ok(Cached {
                access_token: set.access_token,
                refresh_token: set.refresh_token.or(before.refresh_token),
                token_type: set.token_type,
                scope: set.scope.or(before.scope),
                instance_url: set.instance_url.or(before.instance_url),
                api_base_url: connection.api_base_url.clone(),
                expires_at,
                needs_reauth: false,
                token_url: Some(connection.token_url.clone()),
                destination_version: Some(connection.destination_version),
                last_attempt_at: Some(now),
                held_since: now,
                // A saved refresh counted the row's revision up; a client-credentials set is
                // fetched afresh, never refreshed from.
                revision: match grant {
                    GrantType::ClientCredentials => None,
                    _ => revision.map(|r| r + 1),
                },
                rendered: Rc::default(),
            })
        }
        Err(failure) => {
            let reauth = matches!(failure, ProviderFailure::ReauthRequired(_));
            let status = token::status_after_failure(failure.kind());
            let mut batch = vec![tokens::record_failure(&db, &id, status, failure.public_message(), now)?];
            if let (false, Some(revision)) = (grant == GrantType::ClientCredentials, revision) {
                batch.insert(0, tokens::expect_revision(&db, &id, revision)?);
            }
            if reauth && ask.kind == TokenKind::Shared {
                let next = next_status(connection.status, StatusEvent::RefreshRejected);
                batch.push(connections::set_status(&db, &connection.id, next, now)?);
            }
            // Tell people, in the same batch: a gone grant or a refusal needs someone to act; an
            // unavailable provider is transient and stays quiet.
            let kind = match failure {
                ProviderFailure::ReauthRequired(_) => Some(NotificationKind::ConnectionNeedsReauth),
                ProviderFailure::Rejected(_) => Some(NotificationKind::TokenRefreshFailed),
                ProviderFailure::Unavailable(_) => None,
            };
            if let Some(kind) = kind {
                batch.push(match ask.user_id.as_deref() {
                    Some(owner) if ask.kind == TokenKind::User => {
                        notifications::to_user(&db, kind, &connection.id, &connection.name, owner)?
                    }
                    _ => notifications::to_managers(&db, kind, &connection.id, &connection.name)?,
                });
            }
            // Webhooks: a grant that is gone is `connection.needs_reauth` (once: not again while
            // the token already needs it); any other failure is `token.refresh_failed`, the
            // unavailable provider included (monitoring wants outages; the brake bounds them).
            let reason = match &failure {
                ProviderFailure::ReauthRequired(_) => "reauth_required",
                ProviderFailure::Rejected(_) => "rejected",
                ProviderFailure::Unavailable(_) => "unavailable",
            };
            let event = match &failure {
                ProviderFailure::ReauthRequired(_) => {
                    (!current.as_ref().is_some_and(|c| c.needs_reauth)).then_some(WebhookEvent::ConnectionNeedsReauth)
                }
                ProviderFailure::Rejected(_) | ProviderFailure::Unavailable(_) => {
                    Some(WebhookEvent::TokenRefreshFailed)
                }
            };
            let enqueued = match event {
                Some(event) => {
                    let actor = ask.actor.clone().unwrap_or_else(Actor::system);
                    let detail = json!({"token_kind": ask.kind, "user_id": ask.user_id, "reason": reason});
                    let o = courier::occurrence(event, Some((&connection.id, &connection.name)), &actor, now, detail);
                    Some(courier::enqueue(&db, &mut batch, &o)?)
                }
                None => None,
            };
            // The guard (first in the batch) fails it when a new consent replaced the set.
            let written = match db.batch(batch).await {
                Err(e) if store::guard_failed(&e) => return stored_instead(&env, &ask).await,
                Err(e) => return Err(VaultFailure::Internal(e.to_string())),
                Ok(written) => written,
            };
            if let Some(enqueued) = enqueued {
                enqueued.kick(&env, &written).await;
            }
            shared_token_changed(&env, &db, ask.kind).await;
            Err(match failure {
                ProviderFailure::ReauthRequired(m) => VaultFailure::Reauth(m),
                ProviderFailure::Rejected(m) => VaultFailure::Rejected(m),
                ProviderFailure::Unavailable(m) => VaultFailure::Unavailable(m),
            })
        }
    }
}

/// A shared token's state (and with it perhaps its connection's status) was written: the
/// connection list shows both, so its memory forgets its pages (a person's own token is not in
/// the list). The write committed, so a reset that fails is queued, never the caller's failure.
async fn shared_token_changed(env: &Env, db: &worker::D1Database, kind: TokenKind) {
    if kind == TokenKind::Shared
        && let Err(e) = crate::list_memory::reset(env, db).await
    {
        worker::console_error!("list memory not reset after a refresh: {:?}", e.code());
    }
}

/// A refresh whose set was replaced (a new consent) or deleted while it was in flight: what D1
/// holds now answers the callers who waited for it.
async fn stored_instead(env: &Env, ask: &VaultRequest) -> Result<Cached, VaultFailure> {
    match load(env, ask).await? {
        Some(stored) if stored.needs_reauth => Err(VaultFailure::Reauth("the token needs a new consent".into())),
        Some(stored) => Ok(stored),
        None => Err(VaultFailure::NoToken),
    }
}

/// Ask a vault for the proxy's token.
pub async fn ask_for_proxy(env: &Env, request: &ProxyAsk) -> worker::Result<Reply> {
    let a = &request.ask;
    let id = token::token_id(&a.connection_id, a.kind, a.user_id.as_deref());
    rpc::call(env, "TOKEN_VAULT", &id, "proxy", &serde_json::to_string(request)?).await
}

/// Count a proxied call in the vault's outbox.
pub async fn count_proxied(env: &Env, call: &ProxyCall, user_id: Option<&str>) -> worker::Result<Reply> {
    let id = token::token_id(&call.connection_id, call.kind, user_id);
    rpc::call(env, "TOKEN_VAULT", &id, "count", &serde_json::to_string(call)?).await
}

/// The one-hop token API: ask a shared token's vault, which checks the bot key itself.
pub async fn ask_as_key(env: &Env, keyed: &KeyedAsk) -> worker::Result<Reply> {
    let id = token::token_id(&keyed.ask.connection_id, TokenKind::Shared, None);
    rpc::call(env, "TOKEN_VAULT", &id, "key_token", &serde_json::to_string(keyed)?).await
}

/// Ask a vault for its token (the token API) or tell it to forget its cache.
pub async fn ask(env: &Env, request: &VaultRequest) -> worker::Result<Reply> {
    let id = token::token_id(&request.connection_id, request.kind, request.user_id.as_deref());
    rpc::call(env, "TOKEN_VAULT", &id, "token", &serde_json::to_string(request)?).await
}

/// Make a vault forget its token (at least once: see `revocation`).
pub async fn reset(env: &Env, db: &worker::D1Database, token_id: &str) -> crate::error::ApiResult<()> {
    crate::revocation::reset_object(env, db, crate::revocation::Object::vault(token_id)).await
}

/// After a change that may cut someone's access (invites, memberships, deactivation): delete the
/// user tokens of people who lost it, and empty those vaults. Access itself is checked on every
/// token call, so this is about not keeping tokens nobody may use. Their revocations at the
/// provider are queued (the handler's `provider_revocation::soon` sends them): true if any were.
pub async fn forget_revoked(env: &Env, db: &worker::D1Database) -> crate::error::ApiResult<bool> {
    let swept = store::access::sweep_user_tokens(db).await?;
    for row in &swept {
        reset(env, db, &row.id).await?;
    }
    crate::provider_revocation::queue_swept(env, db, &swept).await
}
