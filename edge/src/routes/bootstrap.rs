//! `POST /api/v1/bootstrap`: create the first admin, once. Allowed only while there is no user,
//! and only with the `BOOTSTRAP_TOKEN` secret in `X-Bootstrap-Token`; `cargo xtask dev` calls it
//! with the token it wrote to `.dev.vars`.

use domain::api::{BootstrapRequest, CreateUserRequest};
use domain::audit::{AuditAction, TargetKind};
use domain::error::ErrorCode;
use domain::permission::SystemRole;
use serde_json::json;
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::store::audit::{self, Actor, Event};
use crate::store::{self, users};
use crate::{crypto, request, settings};

pub async fn post(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let expected = settings::bootstrap_token(&ctx.env)
        .ok_or_else(|| ApiError::not_found("bootstrap is not enabled (set BOOTSTRAP_TOKEN)"))?;
    let given = req.headers().get("x-bootstrap-token")?.unwrap_or_default();
    // Compare digests, not the strings, so the comparison time says nothing about the token.
    if crypto::sha256_hex(given.as_bytes()) != crypto::sha256_hex(expected.as_bytes()) {
        return Err(ApiError::new(ErrorCode::Forbidden, "wrong bootstrap token"));
    }
    let body: BootstrapRequest = request::json(&mut req).await?;
    let db = store::database(&ctx.env)?;
    if users::count(&db).await? > 0 {
        return Err(ApiError::new(ErrorCode::Conflict, "an account exists already; sign in instead"));
    }
    let request = CreateUserRequest {
        email: body.email,
        display_name: "Administrator".into(),
        password: body.password,
        role_ids: vec![SystemRole::Admin.id().into(), SystemRole::User.id().into()],
    };
    let new = domain::user::validate_create(&request).map_err(ApiError::from_field)?;
    let (id, mut batch) = super::users::creation(&db, &new, &request.password, ctx.data.now)?;
    batch.push(audit::statement(
        &db,
        Event {
            at: ctx.data.now,
            actor: Actor::system(),
            action: AuditAction::UserBootstrapAdmin,
            target: Some((TargetKind::User, &id)),
            success: true,
            detail: json!({"email": new.email}),
        },
    )?);
    db.batch(batch).await?;
    let user = users::by_id(&db, &id).await?.ok_or_else(|| ApiError::internal("bootstrap user vanished"))?;
    Ok(Response::from_json(&user.view())?.with_status(201))
}
