//! `/api/v1/users`: people, their roles and the active flag. Admins only.
//! Deactivating (PATCH `active: false`, or DELETE) ends the user's sessions and revokes their
//! keys in the same batch. Who may change whom is `domain::stewardship`: someone active always
//! keeps the Admin role (checked inside the write's own batch), nobody deactivates themselves, a
//! bot key never changes its owner's password, roles or active flag.

use domain::api::{CreateUserRequest, ListResponse, UpdateUserRequest, UserView};
use domain::audit::{AuditAction, TargetKind};
use domain::error::ErrorCode;
use domain::permission::SystemRole;
use domain::stewardship::PersonChange;
use serde_json::json;
use worker::{D1Database, D1PreparedStatement, Request, Response};

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::store::audit;
use crate::store::{self, api_keys, notifications, roles, sessions, users};
use crate::{crypto, request, revocation, stewardship};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    let request::ListParams { q, cursor, limit } = request::list_params(&req)?;
    let rows = users::list(&db, &q, &cursor, limit).await?;
    let next_cursor = store::next_cursor(&rows, limit, |r| r.email.clone());
    Ok(Response::from_json(&ListResponse {
        items: rows.iter().map(users::UserRow::view).collect::<Vec<UserView>>(),
        next_cursor,
    })?)
}

pub async fn get(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    let user = find(&db, &ctx).await?;
    Ok(Response::from_json(&user.view())?)
}

pub async fn create(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let body: CreateUserRequest = request::json(&mut req).await?;
    let mut new = domain::user::validate_create(&body).map_err(ApiError::from_field)?;
    // Everyone is a member of the system User role.
    if !new.role_ids.iter().any(|r| r == SystemRole::User.id()) {
        new.role_ids.push(SystemRole::User.id().into());
    }
    roles::require_known(&db, roles::IdTable::Roles, "role_ids", &new.role_ids).await?;
    let (id, mut batch) = creation(&db, &new, &body.password, ctx.data.now)?;
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::UserCreate,
        (TargetKind::User, &id),
        json!({"email": new.email, "role_ids": new.role_ids}),
        ctx.data.now,
    )?);
    db.batch(batch).await.map_err(|e| {
        store::unique_or_internal(e, ErrorCode::Conflict, "email", "A user with this email exists already.")
    })?;
    let user = users::by_id(&db, &id).await?.ok_or_else(|| ApiError::internal("new user vanished"))?;
    Ok(Response::from_json(&user.view())?.with_status(201))
}

pub async fn update(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let body: UpdateUserRequest = request::json(&mut req).await?;
    let user = find(&db, &ctx).await?;
    let change = domain::user::validate_update(&body, &user.email).map_err(ApiError::from_field)?;
    if let Some(role_ids) = &change.role_ids {
        roles::require_known(&db, roles::IdTable::Roles, "role_ids", role_ids).await?;
    }
    let is_admin = user.role_grants().iter().any(|r| r.id == SystemRole::Admin.id());
    let guard = domain::stewardship::judge_person(
        stewardship::asker(&me),
        &user.id,
        is_admin,
        PersonChange {
            sets_password: change.password.is_some(),
            sets_roles: change.role_ids.is_some(),
            sets_active: change.active.is_some(),
            deactivates: change.active == Some(false),
            drops_admin: change.role_ids.as_ref().is_some_and(|r| !r.iter().any(|id| id == SystemRole::Admin.id())),
        },
    )
    .map_err(stewardship::refused)?;

    let now = ctx.data.now;
    let mut batch: Vec<D1PreparedStatement> = Vec::new();
    let mut changed = Vec::new();
    if let Some(name) = &change.display_name {
        batch.push(users::set_display_name(&db, &user.id, name, now)?);
        changed.push("display_name");
    }
    if let Some(password) = &change.password {
        batch.push(users::set_password_hash(&db, &user.id, &crypto::hash_password(password)?, now)?);
        // A new password ends the sessions that knew the old one.
        batch.push(sessions::delete_for_user(&db, &user.id)?);
        changed.push("password");
    }
    if let Some(role_ids) = &change.role_ids {
        let before: Vec<String> = user.role_grants().into_iter().map(|r| r.id).collect();
        let joining: Vec<String> = role_ids.iter().filter(|r| !before.contains(r)).cloned().collect();
        batch.extend(notifications::joining_roles(&db, &joining, std::slice::from_ref(&user.id)).await?);
        batch.extend(users::set_roles(&db, &user.id, role_ids)?);
        changed.push("role_ids");
    }
    if let Some(active) = change.active {
        batch.extend(set_active(&db, &user.id, active, now)?);
        changed.push("active");
    }
    if batch.is_empty() {
        return Ok(Response::from_json(&user.view())?);
    }
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::UserUpdate,
        (TargetKind::User, &user.id),
        json!({"changed": changed, "active": change.active, "role_ids": change.role_ids}),
        ctx.data.now,
    )?);
    stewardship::commit(&db, batch, guard, ApiError::from).await?;
    if revocation::people(&ctx.env, &db, std::slice::from_ref(&user.id), now).await? {
        crate::provider_revocation::soon(&ctx);
    }
    let user = users::by_id(&db, &user.id).await?.ok_or_else(|| ApiError::not_found("no such user"))?;
    Ok(Response::from_json(&user.view())?)
}

/// DELETE deactivates: audit rows keep pointing at the person.
pub async fn delete(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let user = find(&db, &ctx).await?;
    let is_admin = user.role_grants().iter().any(|r| r.id == SystemRole::Admin.id());
    let deactivate = PersonChange { sets_active: true, deactivates: true, ..PersonChange::default() };
    let guard = domain::stewardship::judge_person(stewardship::asker(&me), &user.id, is_admin, deactivate)
        .map_err(stewardship::refused)?;
    let now = ctx.data.now;
    let mut batch = set_active(&db, &user.id, false, now)?;
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::UserDeactivate,
        (TargetKind::User, &user.id),
        json!({}),
        ctx.data.now,
    )?);
    stewardship::commit(&db, batch, guard, ApiError::from).await?;
    if revocation::people(&ctx.env, &db, std::slice::from_ref(&user.id), now).await? {
        crate::provider_revocation::soon(&ctx);
    }
    Ok(Response::empty()?.with_status(204))
}

/// Deactivation ends sessions and revokes keys at once.
fn set_active(db: &D1Database, user_id: &str, active: bool, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
    let mut batch = vec![users::set_active(db, user_id, active, now)?];
    if !active {
        batch.push(sessions::delete_for_user(db, user_id)?);
        batch.push(api_keys::revoke_all_for_user(db, user_id, now)?);
    }
    Ok(batch)
}

async fn find(db: &D1Database, ctx: &Ctx) -> ApiResult<users::UserRow> {
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    users::by_id(db, id).await?.ok_or_else(|| ApiError::not_found("no such user"))
}

/// The statements that create a validated user with a hashed password, and the new id.
pub fn creation(
    db: &D1Database,
    new: &domain::user::NewUser,
    password: &domain::secret::Secret,
    now: i64,
) -> ApiResult<(String, Vec<D1PreparedStatement>)> {
    let id = crypto::new_id()?;
    let hash = crypto::hash_password(password)?;
    let row =
        users::NewUserRow { id: &id, email: &new.email, display_name: &new.display_name, password_hash: &hash, now };
    let batch = users::create(db, &row, &new.role_ids)?;
    Ok((id, batch))
}
