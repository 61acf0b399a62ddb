//! `/api/v1/users`: people, their roles and the active flag. Admins only.
//! Deactivating (PATCH `active: false`, or DELETE) ends the user's sessions and revokes their
//! keys in the same batch; the last active admin cannot be deactivated or lose the Admin role.

use domain::api::{CreateUserRequest, ListResponse, UpdateUserRequest, UserView};
use domain::audit::AuditAction;
use domain::error::ErrorCode;
use domain::permission::SystemRole;
use serde_json::json;
use worker::{D1Database, D1PreparedStatement, Request, Response, RouteContext};

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::store::audit;
use crate::store::{self, api_keys, notifications, roles, sessions, users};
use crate::{clock, crypto, request, revocation};

pub async fn list(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db).await?;
    let request::ListParams { q, cursor, limit } = request::list_params(&req)?;
    let rows = users::list(&db, &q, &cursor, limit).await?;
    let next_cursor = store::next_cursor(&rows, limit, |r| r.email.clone());
    Ok(Response::from_json(&ListResponse {
        items: rows.iter().map(users::UserRow::view).collect::<Vec<UserView>>(),
        next_cursor,
    })?)
}

pub async fn get(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db).await?;
    let user = find(&db, &ctx).await?;
    Ok(Response::from_json(&user.view())?)
}

pub async fn create(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db).await?;
    let body: CreateUserRequest = request::json(&mut req, &ctx.env, Some(&me)).await?;
    let mut new = domain::user::validate_create(&body).map_err(ApiError::from_field)?;
    // Everyone is a member of the system User role.
    if !new.role_ids.iter().any(|r| r == SystemRole::User.id()) {
        new.role_ids.push(SystemRole::User.id().into());
    }
    roles::require_known(&db, roles::IdTable::Roles, "role_ids", &new.role_ids).await?;
    let (id, mut batch) = creation(&db, &new, &body.password)?;
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::UserCreate,
        ("user", &id),
        json!({"email": new.email, "role_ids": new.role_ids}),
    )?);
    db.batch(batch).await.map_err(|e| {
        store::unique_or_internal(e, ErrorCode::Conflict, "email", "a user with this email exists already")
    })?;
    let user = users::by_id(&db, &id).await?.ok_or_else(|| ApiError::internal("new user vanished"))?;
    Ok(Response::from_json(&user.view())?.with_status(201))
}

pub async fn update(mut req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db).await?;
    let body: UpdateUserRequest = request::json(&mut req, &ctx.env, Some(&me)).await?;
    let user = find(&db, &ctx).await?;
    let change = domain::user::validate_update(&body, &user.email).map_err(ApiError::from_field)?;
    if let Some(role_ids) = &change.role_ids {
        roles::require_known(&db, roles::IdTable::Roles, "role_ids", role_ids).await?;
    }
    let loses_admin = change.active == Some(false)
        || change.role_ids.as_ref().is_some_and(|r| !r.iter().any(|id| id == SystemRole::Admin.id()));
    let is_admin = user.role_grants().iter().any(|r| r.id == SystemRole::Admin.id());
    // A key acts for its owner but is not its owner: it may not set the owner's password (and so
    // turn itself into a session), nor the owner's roles or active flag.
    if me.is_bot()
        && user.id == me.user_id
        && (change.password.is_some() || change.role_ids.is_some() || change.active.is_some())
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "a bot key may not change its own owner's password, roles or active flag",
        ));
    }
    if change.active == Some(false) && user.id == me.user_id {
        return Err(ApiError::new(ErrorCode::Conflict, "you cannot deactivate yourself").with_field("active"));
    }
    if is_admin && loses_admin && users::other_active_admins(&db, &user.id).await? == 0 {
        return Err(ApiError::new(ErrorCode::Conflict, "the last active admin must stay an active admin"));
    }

    let now = clock::now();
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
        ("user", &user.id),
        json!({"changed": changed, "active": change.active, "role_ids": change.role_ids}),
    )?);
    db.batch(batch).await?;
    revocation::people(&ctx.env, &db, std::slice::from_ref(&user.id), now).await?;
    let user = users::by_id(&db, &user.id).await?.ok_or_else(|| ApiError::not_found("no such user"))?;
    Ok(Response::from_json(&user.view())?)
}

/// DELETE deactivates: audit rows keep pointing at the person.
pub async fn delete(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db).await?;
    request::check_origin(&req, &ctx.env, Some(&me))?;
    let user = find(&db, &ctx).await?;
    if user.id == me.user_id {
        return Err(ApiError::new(ErrorCode::Conflict, "you cannot deactivate yourself"));
    }
    let is_admin = user.role_grants().iter().any(|r| r.id == SystemRole::Admin.id());
    if is_admin && users::other_active_admins(&db, &user.id).await? == 0 {
        return Err(ApiError::new(ErrorCode::Conflict, "the last active admin must stay an active admin"));
    }
    let now = clock::now();
    let mut batch = set_active(&db, &user.id, false, now)?;
    batch.push(audit::by(&db, &me, AuditAction::UserDeactivate, ("user", &user.id), json!({}))?);
    db.batch(batch).await?;
    revocation::people(&ctx.env, &db, std::slice::from_ref(&user.id), now).await?;
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

async fn find(db: &D1Database, ctx: &RouteContext<()>) -> ApiResult<users::UserRow> {
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    users::by_id(db, id).await?.ok_or_else(|| ApiError::not_found("no such user"))
}

/// The statements that create a validated user with a hashed password, and the new id.
pub fn creation(
    db: &D1Database,
    new: &domain::user::NewUser,
    password: &domain::secret::Secret,
) -> ApiResult<(String, Vec<D1PreparedStatement>)> {
    let id = crypto::new_id()?;
    let hash = crypto::hash_password(password)?;
    let row = users::NewUserRow {
        id: &id,
        email: &new.email,
        display_name: &new.display_name,
        password_hash: &hash,
        now: clock::now(),
    };
    let batch = users::create(db, &row, &new.role_ids)?;
    Ok((id, batch))
}
