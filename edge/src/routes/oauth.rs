//! The consent flow: `POST /api/v1/connections/{id}/authorize` starts it (a single-use D1
//! transaction, PKCE when the grant uses it) and `GET /oauth/callback` finishes it: the
//! transaction is consumed atomically, must belong to this browser session, the `iss` must match,
//! the code is exchanged, and the tokens are sealed into D1 (`shared` and `user`; `test` only
//! reports). What the callback does with what it read is decided by `domain::callback::decide`;
//! this file reads and writes. The callback always answers with the small popup page.

use domain::api::{AuthorizeRequest, AuthorizeResponse};
use domain::audit::{AuditAction, TargetKind};
use domain::callback::{self, Answer, Now, Standing, Started};
use domain::connection::{StatusEvent, next_status};
use domain::consent::ConsentPurpose;
use domain::error::ErrorCode;
use domain::token::{self, TokenKind};
use oauth2::PkceCodeChallenge;
use serde_json::json;
use worker::{Request, Response};

use crate::auth::{self, Via};
use crate::envelope::{KeyRing, Place};
use crate::error::{ApiError, ApiResult};
use crate::oauth::callback_page::{self, Outcome};
use crate::oauth::client;
use crate::oauth::connection::{TokenSlot, provider_config, seal, sealed_row};
use crate::routes::Ctx;
use crate::store::audit::{self, Actor, ActorKind, Event};
use crate::store::{self, access, connections, tokens, transactions};
use crate::{courier, crypto, request, settings, vault};

/// How long a started consent may take.
const TRANSACTION_SECONDS: i64 = 600;

pub async fn authorize(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require(&req, &db, ctx.data.now).await?;
    let Via::Session { id_hash: session_hash } = &me.via else {
        return Err(ApiError::new(ErrorCode::Forbidden, "consent runs in a browser session, not with an API key"));
    };
    let body: AuthorizeRequest = request::json(&mut req).await?;
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    let row = connections::by_id(&db, id).await?.ok_or_else(|| ApiError::not_found("no such connection"))?;
    let allowed = match body.purpose {
        ConsentPurpose::Test | ConsentPurpose::Shared => me.grants.can_manage_connections(),
        ConsentPurpose::User => access::is_invited_member(&db, &row.id, &me.user_id).await?,
    };
    if !allowed {
        return Err(auth::forbidden());
    }
    let grant = row.grant_type;
    if !grant.uses_consent() {
        return Err(ApiError::validation("grant_type", "client-credentials connections are tested with POST …/test"));
    }
    // The browser goes where the stored URL says: it passes today's outbound rule first (a row
    // saved under an older, looser rule is not sent anywhere).
    let policy = settings::endpoint_policy(&ctx.env);
    domain::endpoint::normalise(&row.authorization_url, policy)
        .map_err(|e| ApiError::from_field(e.field_error("authorization_url", policy)))?;
    let ring = KeyRing::from_env(&ctx.env)?;
    let config = provider_config(&row, &ring, &ctx.env)?;
    let state = domain::api_key::hex(&crypto::random_bytes::<32>()?);
    let state_hash = crypto::sha256_hex(state.as_bytes());
    let (challenge, sealed_verifier) = if grant == domain::connection::GrantType::AuthorizationCodePkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let place = Place { table: "oauth_transactions", row: &state_hash, column: "pkce_verifier" };
        (Some(challenge), Some(ring.seal(verifier.secret(), &place, crypto::random_bytes::<12>()?)?))
    } else {
        (None, None)
    };
    let origin = url::Url::parse(&settings::public_origin(&ctx.env, &req)?).map_err(ApiError::internal)?;
    let redirect_uri = domain::url::callback_url(&origin).to_string();
    let authorize_url = client::authorize_url(&config, &redirect_uri, &state, challenge)
        .map_err(|f| ApiError::new(ErrorCode::ProviderError, f.message().to_string()))?;
    let now = ctx.data.now;
    transactions::insert(
        &db,
        &transactions::NewTransaction {
            state_hash: &state_hash,
            connection_id: &row.id,
            user_id: &me.user_id,
            session_hash,
            purpose: body.purpose,
            pkce_verifier: sealed_verifier.as_deref(),
            redirect_uri: &redirect_uri,
            expires_at: now + TRANSACTION_SECONDS,
            now,
            destination_version: row.destination_version,
        },
    )
    .await?;
    audit::record(
        &db,
        audit::by_event(
            &me,
            AuditAction::AuthorizeStart,
            (TargetKind::Connection, &row.id),
            json!({"purpose": body.purpose}),
            now,
        ),
    )
    .await?;
    Ok(Response::from_json(&AuthorizeResponse { authorize_url })?)
}

pub async fn callback(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let outcome = match finish(&req, &ctx).await {
        Ok(outcome) => outcome,
        Err(failure) => Outcome {
            source: "edge-oauth",
            ok: false,
            purpose: None,
            connection_id: None,
            code: Some(failure.code().as_str().to_string()),
            message: failure.message().to_string(),
        },
    };
    callback_page::render(&outcome)
}

/// Record a failed finish and refuse with `code`.
async fn fail(
    db: &worker::D1Database,
    tx: &transactions::TransactionRow,
    code: ErrorCode,
    message: String,
    now: i64,
) -> ApiResult<Outcome> {
    audit::record(
        db,
        Event {
            at: now,
            actor: Actor { kind: ActorKind::User, id: Some(tx.user_id.clone()) },
            action: AuditAction::AuthorizeFinish,
            target: Some((TargetKind::Connection, &tx.connection_id)),
            success: false,
            detail: json!({"purpose": tx.purpose, "code": code.as_str(), "message": message}),
        },
    )
    .await?;
    Err(ApiError::new(code, message))
}

/// Where the person who started this consent stands right now (`domain::callback::Standing`).
async fn standing(req: &Request, db: &worker::D1Database, tx: &transactions::TransactionRow, now: i64) -> Standing {
    let me = match auth::require_session(req, db, now).await {
        Ok(me) if me.user_id == tx.user_id => me,
        _ => return Standing::SessionEnded,
    };
    let allowed = match tx.purpose {
        ConsentPurpose::Test | ConsentPurpose::Shared => me.grants.can_manage_connections(),
        ConsentPurpose::User => access::is_invited_member(db, &tx.connection_id, &me.user_id).await.unwrap_or(false),
    };
    if allowed { Standing::Allowed } else { Standing::NoLongerAllowed }
}

fn refused(message: &str) -> ApiError {
    ApiError::new(ErrorCode::StateInvalid, message)
}

/// Reads what `domain::callback::decide` needs, then exchanges and saves as it decided.
async fn finish(req: &Request, ctx: &Ctx) -> ApiResult<Outcome> {
    let query = |name: &str| request::query(req, name).ok().flatten().filter(|v| !v.is_empty());
    let state =
        query("state").ok_or_else(|| refused("the provider's answer has no state: start again from the product"))?;
    let session_hash = auth::session_id(req)?
        .map(|s| crypto::sha256_hex(s.as_bytes()))
        .ok_or_else(|| refused("sign in to the product in this browser, then start again"))?;
    let db = store::database(&ctx.env)?;
    // Consumed only together with the session that started it: without that session nothing is
    // taken, so a stranger holding someone's callback URL cannot burn their consent.
    let tx =
        transactions::consume(&db, &crypto::sha256_hex(state.as_bytes()), &session_hash).await?.ok_or_else(|| {
            refused("this sign-in link is unknown, was used already, or was started in another browser session")
        })?;
    let now = ctx.data.now;
    let standing = standing(req, &db, &tx, now).await;
    let row = connections::by_id(&db, &tx.connection_id).await?;
    let (code, iss, error, error_description) =
        (query("code"), query("iss"), query("error"), query("error_description"));
    let answer = Answer {
        code: code.as_deref(),
        iss: iss.as_deref(),
        error: error.as_deref(),
        error_description: error_description.as_deref(),
    };
    let started = Started {
        user_id: &tx.user_id,
        purpose: tx.purpose,
        expires_at: tx.expires_at,
        destination_version: tx.destination_version,
    };
    let connection = row.as_ref().map(|r| Now {
        token_url: &r.token_url,
        issuer: &r.issuer,
        iss_required: r.iss_required != 0,
        destination_version: r.destination_version,
    });
    let exchange = match callback::decide(&started, &answer, standing, connection, now) {
        Ok(exchange) => exchange,
        Err(refusal) if refusal.recorded => return fail(&db, &tx, refusal.code, refusal.message, now).await,
        Err(refusal) => return Err(ApiError::new(refusal.code, refusal.message)),
    };
    let row = row.ok_or_else(|| ApiError::internal("the connection vanished after the decision"))?;
    let ring = KeyRing::from_env(&ctx.env)?;
    let verifier = match &tx.pkce_verifier {
        Some(sealed) => Some(
            ring.open(sealed, &Place { table: "oauth_transactions", row: &tx.state_hash, column: "pkce_verifier" })?,
        ),
        None => None,
    };
    let config = provider_config(&row, &ring, &ctx.env)?;
    let set = match client::exchange_code(&config, &tx.redirect_uri, exchange.code, verifier).await {
        Ok(set) => set,
        Err(client::ProviderFailure::Unavailable(detail)) => {
            // What failed on the network is for the log, not for the browser (trust rules).
            worker::console_error!("code exchange for {}: {detail}", row.id);
            return fail(&db, &tx, ErrorCode::ProviderUnavailable, client::UNAVAILABLE.into(), now).await;
        }
        Err(f) => {
            let message = format!("the code exchange failed: {}", f.message());
            return fail(&db, &tx, ErrorCode::ProviderError, message, now).await;
        }
    };
    let kind = exchange.keep;
    let status = next_status(row.status, StatusEvent::Authorized);
    let shared = kind == Some(TokenKind::Shared);
    let mut batch = vec![connections::mark_authorized(&db, &row.id, status, shared, row.destination(), now)?];
    let token_id = kind.map(|k| token::token_id(&row.id, k, Some(&tx.user_id)));
    if let (Some(kind), Some(token_id)) = (kind, &token_id) {
        let sealed = seal(&ring, token_id, &set)?;
        let expires_at = Some(token::expires_at(now, set.expires_in, settings::default_token_ttl(&ctx.env)));
        let user_id = (kind == TokenKind::User).then_some(tx.user_id.as_str());
        let slot = TokenSlot { id: token_id, connection_id: &row.id, kind, user_id };
        batch.push(tokens::save(&db, &sealed_row(&slot, &set, &sealed, expires_at, false, row.destination(), now))?);
    }
    // A connection that needed a new consent and has one is `connection.recovered`.
    let actor = Actor { kind: ActorKind::User, id: Some(tx.user_id.clone()) };
    let enqueued = match domain::webhook::status_event(row.status, status) {
        Some(event) => {
            let o = courier::occurrence(event, Some((&row.id, &row.name)), &actor, now, json!({"purpose": tx.purpose}));
            Some(courier::enqueue(&db, &mut batch, &o)?)
        }
        None => None,
    };
    let written = db.batch(batch).await?;
    if let Some(enqueued) = enqueued {
        enqueued.kick(&ctx.env, &written).await;
    }
    // The connection was pointed elsewhere while the code was exchanged: nothing was kept, and
    // the audit log says so.
    if token_id.is_some() && !written.get(1).is_some_and(store::changed) {
        let message = "the connection changed while you were signing in: start again".to_string();
        return fail(&db, &tx, ErrorCode::StateInvalid, message, now).await;
    }
    audit::record(
        &db,
        Event {
            at: now,
            actor: Actor { kind: ActorKind::User, id: Some(tx.user_id.clone()) },
            action: AuditAction::AuthorizeFinish,
            target: Some((TargetKind::Connection, &row.id)),
            success: true,
            detail: json!({"purpose": tx.purpose, "scope": set.scope}),
        },
    )
    .await?;
    if let Some(token_id) = &token_id {
        vault::reset(&ctx.env, &db, token_id).await?;
    }
    let message = match tx.purpose {
        ConsentPurpose::Test => format!("The test of {} succeeded: the provider issued a token (not kept).", row.name),
        ConsentPurpose::Shared => format!("{} is connected: the shared token is saved.", row.name),
        ConsentPurpose::User => format!("Your token for {} is saved.", row.name),
    };
    Ok(Outcome {
        source: "edge-oauth",
        ok: true,
        purpose: Some(tx.purpose),
        connection_id: Some(row.id),
        code: None,
        message,
    })
}
