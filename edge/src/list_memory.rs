//! The ListMemory Durable Object: one for the deployment (named `connections`), holding rendered
//! pages of `GET /api/v1/connections` and the sessions that read them, so a warm page costs one
//! object call and no D1 round trip (local D1 costs ~2.5× a trivial route by itself).
//!
//! What it holds and when it forgets are decided in `domain::list_memory`: pages by their
//! `PageQuery` key, valid until a shared token on them expires; sessions only while they are
//! not due for their touch. Every write that may change a page or a session resets it before it
//! answers: the router after each such operation (`domain::list_memory::effect_of`), a token's
//! vault after it wrote a shared token's state. Resets are at least once (`revocation.rs`), and
//! nothing is trusted longer than `settings::ACCESS_MEMORY_SECONDS`, as in every object. A load
//! that raced with a reset answers its caller but is not kept (generation counter).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use domain::api::{ConnectionView, ListResponse};
use domain::list_memory::{self, MAX_PAGES, MAX_SESSIONS, PageQuery};
use domain::list_order::ListCursor;
use domain::session::{SessionCheck, check_session};
use serde::{Deserialize, Serialize};
use worker::{D1Database, DurableObject, Env, Request, Response, State, durable_object};

use crate::error::{ApiError, ApiResult};
use crate::rpc::{self, Reply, error_reply};
use crate::store::connections::{self as rows, ConnectionRow, ListFilter};
use crate::store::{self, sessions};
use crate::{auth, clock, revocation, rpc_export, settings};

/// The one object's name.
const NAME: &str = "connections";

/// `page`: who asks (a session's id hash; `None` when the worker checked a bot key itself) and
/// which page.
#[derive(Debug, Serialize, Deserialize)]
pub struct PageRequest {
    pub session: Option<String>,
    pub query: PageQuery,
}

struct Page {
    body: Rc<str>,
    held_since: i64,
    fresh_until: Option<i64>,
}

struct Viewer {
    user_id: String,
    may_view: bool,
    created_at: i64,
    last_seen_at: i64,
    held_since: i64,
}

#[durable_object]
pub struct ListMemory {
    memory_bound: i64,
    env: Env,
    pages: RefCell<HashMap<String, Page>>,
    sessions: RefCell<HashMap<String, Viewer>>,
    generation: Cell<u64>,
}

impl DurableObject for ListMemory {
    fn new(_state: State, env: Env) -> Self {
        ListMemory {
            memory_bound: settings::access_memory(&env),
            env,
            pages: RefCell::new(HashMap::new()),
            sessions: RefCell::new(HashMap::new()),
            generation: Cell::new(0),
        }
    }

    /// Served over RPC (`call`, see `rpc.rs`); fetch is kept for tools: `POST /<op>`.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        rpc::fetch_as_call(req, |op, body| async move { self.handle(&op, &body).await }).await
    }
}

rpc_export!(ListMemory);

impl ListMemory {
    /// `reset`: forget every page and session. `forget_session`: forget one session (the body
    /// is its id hash). `page`: a `PageRequest` in; `<user id>\n<page JSON>` or an error out (the
    /// page is passed on as it was rendered, never parsed again).
    async fn handle(&self, op: &str, body: &str) -> Reply {
        match op {
            "reset" => {
                self.generation.set(self.generation.get() + 1);
                self.pages.borrow_mut().clear();
                self.sessions.borrow_mut().clear();
                Reply::new(204, String::new())
            }
            "forget_session" => {
                self.generation.set(self.generation.get() + 1);
                self.sessions.borrow_mut().remove(body);
                Reply::new(204, String::new())
            }
            "page" => match serde_json::from_str::<PageRequest>(body) {
                Ok(ask) => match self.page(&ask).await {
                    Ok((user_id, page)) => Reply::new(200, format!("{user_id}\n{page}")),
                    Err(e) => error_reply(&e),
                },
                Err(e) => error_reply(&ApiError::internal(format!("list request: {e}"))),
            },
            _ => error_reply(&ApiError::not_found("no such list operation")),
        }
    }

    async fn page(&self, ask: &PageRequest) -> ApiResult<(String, Rc<str>)> {
        let now = clock::now();
        let user_id = match &ask.session {
            Some(id_hash) => self.viewer(id_hash, now).await?,
            None => String::new(),
        };
        Ok((user_id, self.rendered(&ask.query, now).await?))
    }

    /// The session's user, who must be active and may view connections; from memory while
    /// `domain::list_memory::session_from_memory` allows, else as `auth.rs` does it from D1.
    async fn viewer(&self, id_hash: &str, now: i64) -> ApiResult<String> {
        if let Some(seen) = self.sessions.borrow().get(id_hash)
            && now - seen.held_since < self.memory_bound
            && list_memory::session_from_memory(check_session(seen.created_at, seen.last_seen_at, now))
        {
            return if seen.may_view { Ok(seen.user_id.clone()) } else { Err(auth::forbidden()) };
        }
        let generation = self.generation.get();
        let db = store::database(&self.env)?;
        let row = sessions::find(&db, id_hash).await?.ok_or_else(auth::unauthenticated)?;
        let mut last_seen_at = row.last_seen_at;
        match check_session(row.created_at, row.last_seen_at, now) {
            SessionCheck::Expired => {
                sessions::delete(&db, id_hash)?.run().await?;
                return Err(auth::unauthenticated());
            }
            SessionCheck::Valid { touch: true } => {
                sessions::touch(&db, id_hash, now).await?;
                last_seen_at = now;
            }
            SessionCheck::Valid { touch: false } => {}
        }
        if row.active == 0 {
            return Err(auth::unauthenticated());
        }
        let may_view = auth::grants_of(&row.roles).can_view_connections();
        if self.generation.get() == generation {
            let mut remembered = self.sessions.borrow_mut();
            if remembered.len() >= MAX_SESSIONS {
                remembered.clear();
            }
            let viewer = Viewer {
                user_id: row.user_id.clone(),
                may_view,
                created_at: row.created_at,
                last_seen_at,
                held_since: now,
            };
            remembered.insert(id_hash.to_string(), viewer);
        }
        if may_view { Ok(row.user_id) } else { Err(auth::forbidden()) }
    }

    /// The page as JSON, from memory while it is fresh, else read and rendered.
    async fn rendered(&self, query: &PageQuery, now: i64) -> ApiResult<Rc<str>> {
        let key = query.key();
        if let Some(page) = self.pages.borrow().get(&key)
            && now - page.held_since < self.memory_bound
            && page.fresh_until.is_none_or(|t| now < t)
        {
            return Ok(page.body.clone());
        }
        let generation = self.generation.get();
        let (items, next_cursor) = read(&store::database(&self.env)?, query, now).await?;
        let fresh_until = list_memory::fresh_until(now, &items);
        let body: Rc<str> =
            serde_json::to_string(&ListResponse { items, next_cursor }).map_err(ApiError::internal)?.into();
        if self.generation.get() == generation {
            let mut pages = self.pages.borrow_mut();
            if pages.len() >= MAX_PAGES {
                pages.clear();
            }
            pages.insert(key, Page { body: body.clone(), held_since: now, fresh_until });
        }
        Ok(body)
    }
}

/// One page from D1, as the API shows it at `now`, with the cursor of the next.
async fn read(db: &D1Database, query: &PageQuery, now: i64) -> ApiResult<(Vec<ConnectionView>, Option<String>)> {
    let after = ListCursor::decode(query.sort, &query.cursor);
    if after.is_none() && !query.cursor.is_empty() {
        return Err(ApiError::validation("cursor", "this cursor is not from a page in this order"));
    }
    let filter = ListFilter {
        q: &query.q,
        provider: query.provider,
        status: query.status,
        sort: query.sort,
        direction: query.direction,
        cursor: after.as_ref(),
        limit: query.limit,
    };
    let found =
        rows::list(db, &filter)?.all().await?.results::<ConnectionRow>().map_err(store::unreadable("connections"))?;
    let next_cursor = (found.len() == query.limit as usize).then(|| found.last()).flatten().map(|r| {
        ListCursor { value: rows::sort_value(r, query.sort), name_key: r.name_key.clone() }.encode(query.sort)
    });
    let items = found.iter().map(|r| r.view(now)).collect::<ApiResult<Vec<ConnectionView>>>()?;
    Ok((items, next_cursor))
}

/// A page for this caller: `session` is the session's id hash (checked by the object), or
/// `None` for a caller the worker authenticated itself. Answers the caller's user id (empty for
/// `None`) and the page's JSON.
pub async fn page(env: &Env, ask: &PageRequest) -> ApiResult<(String, String)> {
    let body = serde_json::to_string(ask).map_err(ApiError::internal)?;
    let reply = rpc::call(env, "LIST_MEMORY", NAME, "page", &body).await?;
    if reply.status != 200 {
        return Err(ApiError::from_reply(reply.status, &reply.body));
    }
    let (user_id, page) =
        reply.body.split_once('\n').ok_or_else(|| ApiError::internal("list answer has no user line"))?;
    Ok((user_id.to_string(), page.to_string()))
}

/// Forget every page and session (a write may have changed any), at least once.
pub async fn reset(env: &Env, db: &D1Database) -> ApiResult<()> {
    revocation::reset_object(env, db, revocation::Object::list(NAME)).await
}

/// Forget one session (it was signed out); if that is not acknowledged, forget everything, at
/// least once (`reset`).
pub async fn forget_session(env: &Env, db: &D1Database, id_hash: &str) -> ApiResult<()> {
    if !revocation::faults::resets_fail() {
        match rpc::call(env, "LIST_MEMORY", NAME, "forget_session", id_hash).await {
            Ok(reply) if reply.status < 300 => return Ok(()),
            Ok(reply) => worker::console_warn!("list memory: forget_session status {}", reply.status),
            Err(e) => worker::console_warn!("list memory: forget_session: {e}"),
        }
    }
    reset(env, db).await
}
