//! `POST/GET/DELETE /api/v1/session`: sign in, who am I, sign out.
//!
//! Strangers are throttled, not obeyed (DESIGN.md §10):
//! - every attempt counts against the client's address (`throttle.rs`, before any hashing);
//! - failures count per account only for browsers without a device cookie for it, and per
//!   cookie for browsers with one (`domain::session`, `domain::device`), so a stranger who fails
//!   on purpose locks out strangers, never the owner's own browser;
//! - wrong password, unknown email, inactive account and locked account all answer the same 401
//!   with the same message after the same argon2 work, so nothing tells whether an email exists.
//!
//! Every attempt that reaches the account check leaves an audit row with its real reason.

use domain::api::{MeResponse, SignInRequest};
use domain::error::ErrorCode;
use domain::session::{Failures, Judge};
use serde_json::json;
use worker::{D1Database, D1PreparedStatement, Request, Response, RouteContext};

use crate::auth::{self, Principal, Via};
use crate::error::{ApiError, ApiResult};
use crate::mac::MacKey;
use crate::store::audit::{self, Actor, Event};
use crate::store::{self, device_failures, sessions, transactions, users};
use crate::throttle::{self, Throttle};
use crate::{clock, crypto, device, request};

const WRONG: &str = "the email or the password is wrong";

fn refused() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, WRONG)
}

pub async fn post(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let body: SignInRequest = request::json(&mut req, &ctx.env, None).await?;
    if !throttle::count(&ctx.env, Throttle::SignIn, &throttle::client_address(&req)).await? {
        return Err(throttle::too_many("too many sign-in attempts from your address: wait a minute"));
    }
    let mac = MacKey::from_env(&ctx.env)?;
    let cookie = device::from_request(&req, &mac)?;
    let db = store::database(&ctx.env)?;
    let email = body.email.trim().to_lowercase();
    let now = clock::now();
    let Some(user) = users::by_email(&db, &email).await? else {
        crypto::burn_password_check(&body.password);
        audit::record(&db, failure(&email, None, Judge::Untrusted, "unknown_email")).await?;
        return Err(refused());
    };
    let trusted = cookie.filter(|c| c.vouches_for(&user.id, now));
    let judge = Judge::of(trusted.is_some());
    let failures = match &trusted {
        Some(c) => device_failures::get(&db, &c.nonce).await?,
        None => user.untrusted_failures(),
    };
    if failures.is_locked(now) {
        // The same work as a real check, so a lock cannot be told apart by timing either.
        crypto::burn_password_check(&body.password);
        audit::record(&db, failure(&email, Some(&user.id), judge, "locked")).await?;
        return Err(refused());
    }
    if !crypto::verify_password(&body.password, &user.password_hash) {
        let next = failures.after_failure(now);
        let reason = if next.just_locked(now) { "wrong_password_locked" } else { "wrong_password" };
        let record = record_failure(&db, &user.id, trusted.as_ref().map(|c| c.nonce.as_str()), next)?;
        db.batch(vec![record, audit::statement(&db, failure(&email, Some(&user.id), judge, reason))?]).await?;
        return Err(refused());
    }
    if user.active == 0 {
        audit::record(&db, failure(&email, Some(&user.id), judge, "inactive")).await?;
        return Err(refused());
    }

    let session_id = domain::api_key::hex(&crypto::random_bytes::<32>()?);
    let id_hash = crypto::sha256_hex(session_id.as_bytes());
    let mut batch = vec![
        sessions::insert(&db, &id_hash, &user.id, now)?,
        users::record_sign_in_success(&db, &user.id, now, judge.success_clears_untrusted())?,
        audit::statement(
            &db,
            Event {
                actor: Actor { kind: audit::ActorKind::User, id: Some(user.id.clone()) },
                action: "session.sign_in",
                target: Some(("user", &user.id)),
                success: true,
                detail: json!({"client": judge.as_str()}),
            },
        )?,
    ];
    if let Some(c) = &trusted {
        batch.push(device_failures::clear(&db, &c.nonce)?);
    }
    db.batch(batch).await?;
    let principal =
        Principal { user_id: user.id.clone(), grants: auth::grants_of(&user.roles), via: Via::Session { id_hash } };
    let mut response = Response::from_json(&me(&principal, &user))?;
    response.headers_mut().append("set-cookie", &auth::session_cookie(&session_id))?;
    // A fresh device cookie on every sign-in: this browser is now one the owner uses.
    response.headers_mut().append("set-cookie", &device::issue(&mac, &user.id, now)?)?;
    Ok(response)
}

/// Store the judge's counter after a failure: the device's own, or the account's untrusted one.
fn record_failure(
    db: &D1Database,
    user_id: &str,
    device_nonce: Option<&str>,
    next: Failures,
) -> ApiResult<D1PreparedStatement> {
    match device_nonce {
        Some(nonce) => device_failures::record(db, nonce, user_id, next),
        None => users::record_sign_in_failure(db, user_id, next),
    }
}

/// The audit row of a refused sign-in: the real reason, which the caller never sees.
fn failure<'a>(email: &str, user_id: Option<&'a str>, judge: Judge, reason: &str) -> Event<'a> {
    Event {
        actor: Actor::anonymous(),
        action: "session.sign_in",
        target: user_id.map(|id| ("user", id)),
        success: false,
        detail: json!({"email": email, "reason": reason, "client": judge.as_str()}),
    }
}

pub async fn get(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let principal = auth::require(&req, &db).await?;
    Ok(Response::from_json(&me_of(&db, &principal).await?)?)
}

pub async fn delete(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let principal = auth::authenticate(&req, &db).await.ok().flatten();
    request::check_origin(&req, &ctx.env, principal.as_ref())?;
    if let Some(Principal { via: Via::Session { id_hash }, user_id, .. }) = &principal {
        db.batch(vec![
            sessions::delete(&db, id_hash)?,
            // A consent started in this session must not finish after sign-out.
            transactions::delete_of_session(&db, id_hash)?,
            audit::statement(
                &db,
                Event {
                    actor: Actor { kind: audit::ActorKind::User, id: Some(user_id.clone()) },
                    action: "session.sign_out",
                    target: Some(("user", user_id)),
                    success: true,
                    detail: json!({}),
                },
            )?,
        ])
        .await?;
    }
    let mut response = Response::empty()?.with_status(204);
    response.headers_mut().set("set-cookie", &auth::clear_session_cookie())?;
    Ok(response)
}

pub async fn me_of(db: &D1Database, principal: &Principal) -> ApiResult<MeResponse> {
    let user = users::by_id(db, &principal.user_id).await?.ok_or_else(auth::unauthenticated)?;
    Ok(me(principal, &user))
}

fn me(principal: &Principal, user: &users::UserRow) -> MeResponse {
    MeResponse {
        user: user.view(),
        is_admin: principal.grants.is_admin,
        permissions: principal.grants.permissions.clone(),
    }
}
