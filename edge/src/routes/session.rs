//! `POST/GET/DELETE /api/v1/session`: sign in, who am I, sign out.
//!
//! Throttling: 5 consecutive failures lock the account for 15 minutes (`domain::session`); every
//! attempt, good or bad, leaves an audit row. Unknown emails cost a full hash, so timing does not
//! reveal which accounts exist, and every failure has the same message.

use domain::api::{MeResponse, SignInRequest};
use domain::error::ErrorCode;
use domain::session::{after_failure, is_locked};
use serde_json::json;
use worker::{D1Database, Request, Response, RouteContext};

use crate::auth::{self, Principal, Via};
use crate::error::{ApiError, ApiResult};
use crate::store::audit::{self, Actor, Event};
use crate::store::{self, sessions, transactions, users};
use crate::{clock, crypto, request};

const WRONG: &str = "the email or the password is wrong";

pub async fn post(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let body: SignInRequest = request::json(&mut req, &ctx.env, None).await?;
    let db = store::database(&ctx.env)?;
    let email = body.email.trim().to_lowercase();
    let now = clock::now();
    let Some(user) = users::by_email(&db, &email).await? else {
        crypto::burn_password_check(&body.password);
        audit_failure(&db, &email, "unknown_email", None).await?;
        return Err(ApiError::new(ErrorCode::Unauthenticated, WRONG));
    };
    if is_locked(user.locked_until, now) {
        audit_failure(&db, &email, "locked", Some(&user.id)).await?;
        return Err(ApiError::new(
            ErrorCode::TooManyAttempts,
            "too many failed sign-ins: this account is locked for a few minutes",
        ));
    }
    if !crypto::verify_password(&body.password, &user.password_hash) {
        let (failed, locked_until) = after_failure(user.failed_sign_ins, now);
        let reason = if locked_until.is_some() { "wrong_password_locked" } else { "wrong_password" };
        db.batch(vec![
            users::record_sign_in_failure(&db, &user.id, failed, locked_until)?,
            audit::statement(
                &db,
                Event {
                    actor: Actor::anonymous(),
                    action: "session.sign_in",
                    target: Some(("user", &user.id)),
                    success: false,
                    detail: json!({"email": email, "reason": reason}),
                },
            )?,
        ])
        .await?;
        return Err(ApiError::new(ErrorCode::Unauthenticated, WRONG));
    }
    if user.active == 0 {
        audit_failure(&db, &email, "inactive", Some(&user.id)).await?;
        return Err(ApiError::new(ErrorCode::Unauthenticated, WRONG));
    }

    let session_id = domain::api_key::hex(&crypto::random_bytes::<32>()?);
    let id_hash = crypto::sha256_hex(session_id.as_bytes());
    db.batch(vec![
        sessions::insert(&db, &id_hash, &user.id, now)?,
        users::record_sign_in_success(&db, &user.id, now)?,
        audit::statement(
            &db,
            Event {
                actor: Actor { kind: audit::ActorKind::User, id: Some(user.id.clone()) },
                action: "session.sign_in",
                target: Some(("user", &user.id)),
                success: true,
                detail: json!({}),
            },
        )?,
    ])
    .await?;
    let principal =
        Principal { user_id: user.id.clone(), grants: auth::grants_of(&user.roles), via: Via::Session { id_hash } };
    let mut response = Response::from_json(&me(&principal, &user))?;
    response.headers_mut().set("set-cookie", &auth::session_cookie(&session_id))?;
    Ok(response)
}

async fn audit_failure(db: &D1Database, email: &str, reason: &str, user_id: Option<&str>) -> ApiResult<()> {
    audit::record(
        db,
        Event {
            actor: Actor::anonymous(),
            action: "session.sign_in",
            target: user_id.map(|id| ("user", id)),
            success: false,
            detail: json!({"email": email, "reason": reason}),
        },
    )
    .await
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
