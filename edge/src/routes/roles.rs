//! `/api/v1/roles`: system roles (Admin, User: not deletable, name and permissions fixed) and
//! custom roles with a name, description, permissions and members. Admins only.

use domain::api::{CreateRoleRequest, ListResponse, RoleView, UpdateRoleRequest};
use domain::audit::{AuditAction, TargetKind};
use domain::error::ErrorCode;
use domain::permission::SystemRole;
use serde_json::json;
use worker::{D1Database, D1PreparedStatement, Request, Response};

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::routes::Ctx;
use crate::store::audit;
use crate::store::{self, json_list, notifications, roles};
use crate::{crypto, request, revocation, stewardship};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    let request::ListParams { q, cursor, limit } = request::list_params(&req)?;
    let rows = roles::list(&db, &q, &cursor, limit).await?;
    let next_cursor = store::next_cursor(&rows, limit, |r| domain::validate::name_key(&r.name));
    Ok(Response::from_json(&ListResponse {
        items: rows.iter().map(roles::RoleRow::view).collect::<Vec<RoleView>>(),
        next_cursor,
    })?)
}

pub async fn get(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_admin(&req, &db, ctx.data.now).await?;
    Ok(Response::from_json(&find(&db, &ctx).await?.view())?)
}

pub async fn create(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let body: CreateRoleRequest = request::json(&mut req).await?;
    let new = domain::role::validate_create(&body).map_err(ApiError::from_field)?;
    roles::require_known(&db, roles::IdTable::Users, "member_ids", &new.member_ids).await?;
    let id = crypto::new_id()?;
    let now = ctx.data.now;
    let mut batch = vec![roles::insert(
        &db,
        &roles::NewRoleRow {
            id: &id,
            name: &new.name,
            description: &new.description,
            permissions: &new.permissions,
            now,
        },
    )?];
    batch.extend(roles::set_members(&db, &id, &new.member_ids)?);
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::RoleCreate,
        (TargetKind::Role, &id),
        json!({"name": new.name, "permissions": new.permissions, "member_ids": new.member_ids}),
        ctx.data.now,
    )?);
    db.batch(batch).await.map_err(|e| {
        store::unique_or_internal(e, ErrorCode::NameTaken, "name", "A role with this name exists already.")
    })?;
    Ok(Response::from_json(
        &roles::by_id(&db, &id).await?.ok_or_else(|| ApiError::internal("new role vanished"))?.view(),
    )?
    .with_status(201))
}

pub async fn update(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let body: UpdateRoleRequest = request::json(&mut req).await?;
    let role = find(&db, &ctx).await?;
    let system = SystemRole::from_id(&role.id);
    if system.is_some() && (body.name.is_some() || body.permissions.is_some() || body.description.is_some()) {
        return Err(ApiError::new(ErrorCode::Forbidden, "system roles keep their name, description and permissions"));
    }
    let change = domain::role::validate_update(&body).map_err(ApiError::from_field)?;
    if let Some(members) = &change.member_ids {
        roles::require_known(&db, roles::IdTable::Users, "member_ids", members).await?;
    }
    let guard = domain::stewardship::judge_members(change.member_ids.is_some() && system == Some(SystemRole::Admin));
    let now = ctx.data.now;
    let mut batch: Vec<D1PreparedStatement> = Vec::new();
    if let Some(name) = &change.name {
        batch.push(roles::set_name(&db, &role.id, name, now)?);
    }
    if let Some(description) = &change.description {
        batch.push(roles::set_description(&db, &role.id, description, now)?);
    }
    if let Some(permissions) = &change.permissions {
        batch.push(roles::set_permissions(&db, &role.id, permissions, now)?);
    }
    if let Some(members) = &change.member_ids {
        let before: Vec<String> = json_list(&role.member_ids);
        let joining: Vec<String> = members.iter().filter(|m| !before.contains(m)).cloned().collect();
        batch.extend(notifications::joining_roles(&db, std::slice::from_ref(&role.id), &joining).await?);
        batch.extend(roles::set_members(&db, &role.id, members)?);
    }
    if batch.is_empty() {
        return Ok(Response::from_json(&role.view())?);
    }
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::RoleUpdate,
        (TargetKind::Role, &role.id),
        json!({"name": change.name, "permissions": change.permissions, "member_ids": change.member_ids}),
        ctx.data.now,
    )?);
    stewardship::commit(&db, batch, guard, |e| {
        store::unique_or_internal(e, ErrorCode::NameTaken, "name", "A role with this name exists already.")
    })
    .await?;
    let affected = domain::role::people_affected(&json_list::<String>(&role.member_ids), &change);
    if revocation::people(&ctx.env, &db, &affected, now).await? {
        crate::provider_revocation::soon(&ctx);
    }
    Ok(Response::from_json(
        &roles::by_id(&db, &role.id).await?.ok_or_else(|| ApiError::not_found("no such role"))?.view(),
    )?)
}

pub async fn delete(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_admin(&req, &db, ctx.data.now).await?;
    let role = find(&db, &ctx).await?;
    if SystemRole::from_id(&role.id).is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden, "system roles cannot be deleted"));
    }
    db.batch(vec![
        roles::delete(&db, &role.id)?,
        audit::by(
            &db,
            &me,
            AuditAction::RoleDelete,
            (TargetKind::Role, &role.id),
            json!({"name": role.name}),
            ctx.data.now,
        )?,
    ])
    .await?;
    if revocation::people(&ctx.env, &db, &json_list::<String>(&role.member_ids), ctx.data.now).await? {
        crate::provider_revocation::soon(&ctx);
    }
    Ok(Response::empty()?.with_status(204))
}

async fn find(db: &D1Database, ctx: &Ctx) -> ApiResult<roles::RoleRow> {
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    roles::by_id(db, id).await?.ok_or_else(|| ApiError::not_found("no such role"))
}
