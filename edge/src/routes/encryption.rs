//! `POST /api/v1/admin/encryption/rotate`: one bounded step of key rotation (`rotation.rs`), for
//! admins (a session, or an admin's key with the manage scope); audited as
//! `encryption.rotate` with its counts. The body is optional: `{"limit": N}` values per sealed
//! column (default 100, at most 200). Call it until `done`.

use domain::api::RotateRequest;
use domain::audit::{AuditAction, TargetKind};
use serde_json::json;
use worker::{Request, Response};

use crate::envelope::KeyRing;
use crate::error::ApiResult;
use crate::routes::Ctx;
use crate::store::{self, audit};
use crate::{auth, request, rotation};

pub async fn rotate(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let body: RotateRequest =
        if req.headers().get("content-type")?.is_some() { request::json(&mut req).await? } else { Default::default() };
    let ring = KeyRing::from_env(&ctx.env)?;
    let report = rotation::run(&db, &ring, rotation::limit(body.limit)).await?;
    let detail = json!({
        "rewrapped": report.rewrapped,
        "changed_meanwhile": report.changed_meanwhile,
        "failed": report.failed.len(),
        "remaining": report.remaining,
        "done": report.done,
    });
    audit::record(
        &db,
        audit::by_event(
            &me,
            AuditAction::EncryptionRotate,
            (TargetKind::EncryptionKey, &report.active_key),
            detail,
            ctx.data.now,
        ),
    )
    .await?;
    Ok(Response::from_json(&report)?)
}
