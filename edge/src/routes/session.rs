//! `POST/GET/DELETE /api/v1/session`: sign in, who am I, sign out.
//!
//! Strangers are throttled, not obeyed (ARCHITECTURE.md):
//! - every attempt counts against the client's address (`throttle.rs`, before any hashing);
//! - failures count per account only for browsers without a device cookie for it, and per
//!   cookie for browsers with one (`domain::session`, `domain::device`), so a stranger who fails
//!   on purpose locks out strangers, never the owner's own browser;
//! - wrong password, unknown email, inactive account and locked account all answer the same 401
//!   with the same message after the same argon2 work, so nothing tells whether an email exists.
//!
//! Every attempt that reaches the account check leaves an audit row with its real reason.

use domain::api::{MeResponse, SignInRequest};
use domain::audit::{AuditAction, TargetKind};
use domain::error::ErrorCode;
use domain::session::Judge;
use serde_json::json;
use worker::{D1Database, Request, Response};

use crate::auth::{self, Principal, Via};
use crate::error::{ApiError, ApiResult};
use crate::mac::MacKey;
use crate::routes::Ctx;
use crate::store::audit::{self, Actor, Event};
use crate::store::{self, device_failures, sessions, transactions, users};
use crate::throttle::{self, Throttle};
use crate::{crypto, device, request};

const WRONG: &str = "the email or the password is wrong";

const MAX_EMAIL_CHARS: usize = 254;

/// Tries to charge a sign-in attempt against a counter other attempts are charging too.
const CHARGE_ATTEMPTS: usize = 5;

fn refused() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, WRONG)
}

pub async fn post(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    // Counted before the body is read: an address over its limit costs no read and no hash.
    if !throttle::count(&ctx.env, Throttle::SignIn, &throttle::client_address(&req)).await? {
        return Err(throttle::too_many("too many sign-in attempts from your address: wait a minute"));
    }
    let body: SignInRequest = request::json(&mut req).await?;
    let mac = MacKey::from_env(&ctx.env)?;
    let presented = device::from_request(&req)?;
    let db = store::database(&ctx.env)?;
    let email = body.email.trim().to_lowercase();
    // No address is longer (RFC 5321): a longer one is refused like any unknown email, without
    // a lookup, and never written whole into the audit log.
    if email.chars().count() > MAX_EMAIL_CHARS {
        crypto::burn_password_check(&body.password);
        let shown: String = email.chars().take(64).collect();
        audit::record(&db, failure(&shown, None, Judge::Untrusted, "email_too_long", ctx.data.now)).await?;
        return Err(refused());
    }
    let now = ctx.data.now;
    let Some(user) = users::by_email(&db, &email).await? else {
        crypto::burn_password_check(&body.password);
        audit::record(&db, failure(&email, None, Judge::Untrusted, "unknown_email", ctx.data.now)).await?;
        return Err(refused());
    };
    let epoch = device::epoch(&user.password_hash);
    let trusted = presented.and_then(|p| p.verified(&mac, &epoch)).filter(|c| c.vouches_for(&user.id, now));
    let judge = Judge::of(trusted.is_some());
    // The attempt is charged before the password is checked, as a compare-and-swap on the
    // counter that was read: concurrent guesses cannot share one count, and none can lift a lock
    // another set meanwhile. A right password takes the charge back below.
    let nonce = trusted.as_ref().map(|c| c.nonce.as_str());
    let mut failures = match nonce {
        Some(n) => device_failures::get(&db, n).await?,
        None => user.untrusted_failures(),
    };
    let mut charged = None;
    for _ in 0..CHARGE_ATTEMPTS {
        if failures.is_locked(now) {
            break;
        }
        let next = failures.after_failure(now);
        let statement = match nonce {
            Some(n) => device_failures::charge(&db, n, &user.id, failures, next)?,
            None => users::charge_sign_in(&db, &user.id, failures, next)?,
        };
        if store::changed(&statement.run().await?) {
            charged = Some(next);
            break;
        }
        // Another attempt charged the counter first: read it again.
        failures = match nonce {
            Some(n) => device_failures::get(&db, n).await?,
            None => users::by_id(&db, &user.id).await?.map(|u| u.untrusted_failures()).unwrap_or(failures),
        };
    }
    let Some(next) = charged else {
        // Locked (or contended past reason): the same work as a real check, so a lock cannot be
        // told apart by timing either.
        crypto::burn_password_check(&body.password);
        audit::record(&db, failure(&email, Some(&user.id), judge, "locked", ctx.data.now)).await?;
        return Err(refused());
    };
    if !crypto::verify_password(&body.password, &user.password_hash) {
        let reason = if next.just_locked(now) { "wrong_password_locked" } else { "wrong_password" };
        audit::record(&db, failure(&email, Some(&user.id), judge, reason, ctx.data.now)).await?;
        return Err(refused());
    }
    if user.active == 0 {
        audit::record(&db, failure(&email, Some(&user.id), judge, "inactive", ctx.data.now)).await?;
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
                at: now,
                actor: Actor { kind: audit::ActorKind::User, id: Some(user.id.clone()) },
                action: AuditAction::SessionSignIn,
                target: Some((TargetKind::User, &user.id)),
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
    response.headers_mut().append("set-cookie", &device::issue(&mac, &user.id, &epoch, now)?)?;
    Ok(response)
}

/// The audit row of a refused sign-in: the real reason, which the caller never sees.
fn failure<'a>(email: &str, user_id: Option<&'a str>, judge: Judge, reason: &str, now: i64) -> Event<'a> {
    Event {
        at: now,
        actor: Actor::anonymous(),
        action: AuditAction::SessionSignIn,
        target: user_id.map(|id| (TargetKind::User, id)),
        success: false,
        detail: json!({"email": email, "reason": reason, "client": judge.as_str()}),
    }
}

pub async fn get(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let principal = auth::require(&req, &db, ctx.data.now).await?;
    Ok(Response::from_json(&me_of(&db, &principal).await?)?)
}

pub async fn delete(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let principal = auth::authenticate(&req, &db, ctx.data.now).await.ok().flatten();
    if let Some(Principal { via: Via::Session { id_hash }, user_id, .. }) = &principal {
        db.batch(vec![
            sessions::delete(&db, id_hash)?,
            // A consent started in this session must not finish after sign-out.
            transactions::delete_of_session(&db, id_hash)?,
            audit::statement(
                &db,
                Event {
                    at: ctx.data.now,
                    actor: Actor { kind: audit::ActorKind::User, id: Some(user_id.clone()) },
                    action: AuditAction::SessionSignOut,
                    target: Some((TargetKind::User, user_id)),
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
