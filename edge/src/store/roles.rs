//! The `roles` table and memberships seen from the role side.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use super::json_list;
use crate::error::ApiResult;
use domain::api::RoleView;
use domain::permission::Permission;

#[derive(Debug, Clone, Deserialize)]
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub system: i64,
    pub permissions: String,
    pub created_at: i64,
    pub member_ids: String,
}

impl RoleRow {
    pub fn view(&self) -> RoleView {
        let mut member_ids: Vec<String> = json_list(&self.member_ids);
        member_ids.sort();
        let mut permissions: Vec<Permission> =
            json_list::<String>(&self.permissions).iter().filter_map(|p| Permission::parse(p)).collect();
        permissions.sort();
        RoleView {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            system: self.system != 0,
            permissions,
            member_ids,
            created_at: self.created_at,
        }
    }
}

const SELECT: &str = "SELECT r.id, r.name, r.description, r.system, r.permissions, r.created_at,
    (SELECT json_group_array(m.user_id) FROM role_members m WHERE m.role_id = r.id) AS member_ids FROM roles r";

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<RoleRow>> {
    Ok(query!(db, &format!("{SELECT} WHERE r.id = ?1"), id)?.first::<RoleRow>(None).await?)
}

/// System roles first, then custom roles by name; after `cursor` (a name key), matching `q`.
pub async fn list(db: &D1Database, q: &str, cursor: &str, limit: u32) -> ApiResult<Vec<RoleRow>> {
    let needle = q.to_lowercase();
    let sql = format!(
        "{SELECT} WHERE r.name_key > ?1 AND (?2 = '' OR instr(r.name_key, ?2) > 0) ORDER BY r.name_key LIMIT ?3"
    );
    Ok(query!(db, &sql, cursor, needle, limit)?.all().await?.results::<RoleRow>()?)
}

/// A table whose ids requests refer to.
#[derive(Clone, Copy)]
pub enum IdTable {
    Roles,
    Users,
}

/// Ids among `ids` that have no row in `table`: the caller refuses them.
pub async fn unknown_ids(db: &D1Database, table: IdTable, ids: &[String]) -> ApiResult<Vec<String>> {
    let sql = match table {
        IdTable::Roles => "SELECT value AS id FROM json_each(?1) WHERE value IN (SELECT id FROM roles)",
        IdTable::Users => "SELECT value AS id FROM json_each(?1) WHERE value IN (SELECT id FROM users)",
    };
    let ids_json = super::json_ids(ids);
    let known: Vec<String> =
        query!(db, sql, ids_json)?.all().await?.results::<IdRow>()?.into_iter().map(|r| r.id).collect();
    Ok(ids.iter().filter(|id| !known.contains(id)).cloned().collect())
}

/// Refuse a request naming ids that do not exist, as `validation_failed` on `field`.
pub async fn require_known(db: &D1Database, table: IdTable, field: &str, ids: &[String]) -> ApiResult<()> {
    let unknown = unknown_ids(db, table, ids).await?;
    if unknown.is_empty() {
        return Ok(());
    }
    Err(crate::error::ApiError::validation(field, format!("unknown ids: {}", unknown.join(", "))))
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

pub struct NewRoleRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub permissions: &'a [Permission],
    pub now: i64,
}

fn permissions_json(permissions: &[Permission]) -> String {
    serde_json::to_string(&permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

pub fn insert(db: &D1Database, role: &NewRoleRow<'_>) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO roles (id, name, name_key, description, system, permissions, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
        role.id,
        role.name,
        domain::validate::name_key(role.name),
        role.description,
        permissions_json(role.permissions),
        role.now,
    )?)
}

pub fn set_name(db: &D1Database, id: &str, name: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE roles SET name = ?2, name_key = ?3, updated_at = ?4 WHERE id = ?1",
        id,
        name,
        domain::validate::name_key(name),
        now
    )?)
}

pub fn set_description(db: &D1Database, id: &str, description: &str, now: i64) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "UPDATE roles SET description = ?2, updated_at = ?3 WHERE id = ?1", id, description, now)?)
}

pub fn set_permissions(
    db: &D1Database,
    id: &str,
    permissions: &[Permission],
    now: i64,
) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "UPDATE roles SET permissions = ?2, updated_at = ?3 WHERE id = ?1",
        id,
        permissions_json(permissions),
        now
    )?)
}

/// Replace a role's members (existing users only).
pub fn set_members(db: &D1Database, role_id: &str, user_ids: &[String]) -> ApiResult<Vec<D1PreparedStatement>> {
    let mut statements = vec![query!(db, "DELETE FROM role_members WHERE role_id = ?1", role_id)?];
    for user_id in user_ids {
        statements.push(query!(
            db,
            "INSERT INTO role_members (role_id, user_id) SELECT ?1, id FROM users WHERE id = ?2",
            role_id,
            user_id
        )?);
    }
    Ok(statements)
}

pub fn delete(db: &D1Database, id: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM roles WHERE id = ?1 AND system = 0", id)?)
}
