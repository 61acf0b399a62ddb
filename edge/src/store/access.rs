//! Who may use a connection: members of its invited roles.

use domain::access::MAX_CONTACTS;
use domain::api::ContactView;
use domain::connection::GrantType;
use domain::permission::{Permission, SystemRole};
use worker::{D1Database, D1PreparedStatement, query};

use crate::error::ApiResult;

pub async fn is_invited_member(db: &D1Database, connection_id: &str, user_id: &str) -> ApiResult<bool> {
    let found = query!(
        db,
        "SELECT 1 AS ok FROM connection_roles c JOIN role_members m ON m.role_id = c.role_id
         WHERE c.connection_id = ?1 AND m.user_id = ?2 LIMIT 1",
        connection_id,
        user_id
    )?
    .first::<i64>(Some("ok"))
    .await?;
    Ok(found.is_some())
}

/// Whether the owner of the key with this hash is a member of a role invited to the connection,
/// as a statement (one row `ok`, or none), to batch with the key's own lookup.
pub fn key_owner_invited(db: &D1Database, connection_id: &str, key_hash: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "SELECT 1 AS ok FROM api_keys k JOIN role_members m ON m.user_id = k.user_id
         JOIN connection_roles c ON c.role_id = m.role_id
         WHERE k.secret_hash = ?2 AND c.connection_id = ?1 LIMIT 1",
        connection_id,
        key_hash
    )?)
}

/// The connections this person may use (through any invited role), with their grant types.
pub async fn usable_connections(db: &D1Database, user_id: &str) -> ApiResult<Vec<(String, GrantType)>> {
    #[derive(serde::Deserialize)]
    struct Usable {
        id: String,
        grant_type: GrantType,
    }
    let rows = query!(
        db,
        "SELECT c.id, c.grant_type FROM connections c WHERE EXISTS (
            SELECT 1 FROM connection_roles cr JOIN role_members m ON m.role_id = cr.role_id
            WHERE cr.connection_id = c.id AND m.user_id = ?1)",
        user_id
    )?
    .all()
    .await?
    .results::<Usable>()
    .map_err(super::unreadable("connections"))?;
    Ok(rows.into_iter().map(|r| (r.id, r.grant_type)).collect())
}

/// Members of any of these roles.
pub async fn members_of_roles(db: &D1Database, role_ids: &[String]) -> ApiResult<Vec<String>> {
    let ids = super::json_ids(role_ids);
    user_ids(query!(
        db,
        "SELECT DISTINCT user_id FROM role_members WHERE role_id IN (SELECT value FROM json_each(?1))",
        ids
    )?)
    .await
}

/// Members of the roles invited to this connection: the people who may use it.
pub async fn users_of_connection(db: &D1Database, connection_id: &str) -> ApiResult<Vec<String>> {
    user_ids(query!(
        db,
        "SELECT DISTINCT m.user_id FROM connection_roles cr JOIN role_members m ON m.role_id = cr.role_id
         WHERE cr.connection_id = ?1",
        connection_id
    )?)
    .await
}

async fn user_ids(statement: worker::D1PreparedStatement) -> ApiResult<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Member {
        user_id: String,
    }
    Ok(statement.all().await?.results::<Member>()?.into_iter().map(|m| m.user_id).collect())
}

/// Delete user tokens whose owners may no longer use their connection (role or member removed,
/// person deactivated) and return their ids, so their vaults can be told.
pub async fn sweep_user_tokens(db: &D1Database) -> ApiResult<Vec<super::tokens::TokenRow>> {
    // The whole rows come back: their provider is told to revoke them (`provider_revocation`).
    db.prepare(
        "DELETE FROM tokens WHERE kind = 'user' AND NOT EXISTS (
            SELECT 1 FROM connection_roles cr JOIN role_members m ON m.role_id = cr.role_id
            JOIN users u ON u.id = m.user_id AND u.active = 1
            WHERE cr.connection_id = tokens.connection_id AND m.user_id = tokens.user_id)
         RETURNING id, connection_id, kind, user_id, access_token, refresh_token, token_type, scope, instance_url,
            expires_at, status, last_refresh_at, last_error, updated_at, token_url, destination_version, revision",
    )
    .all()
    .await?
    .results::<super::tokens::TokenRow>()
    .map_err(super::unreadable("tokens"))
}

/// Active people who may manage connections (the Admin role, or a role granting
/// `connections.manage`), by name: whom someone who cannot use a connection may ask.
pub async fn connection_managers(db: &D1Database) -> ApiResult<Vec<ContactView>> {
    query!(
        db,
        "SELECT DISTINCT u.display_name, u.email FROM users u
           JOIN role_members m ON m.user_id = u.id JOIN roles r ON r.id = m.role_id
         WHERE u.active = 1
           AND (r.id = ?1 OR EXISTS (SELECT 1 FROM json_each(r.permissions) p WHERE p.value = ?2))
         ORDER BY u.display_name, u.email LIMIT ?3",
        SystemRole::Admin.id(),
        Permission::ConnectionsManage.as_str(),
        MAX_CONTACTS
    )?
    .all()
    .await?
    .results::<ContactView>()
    .map_err(super::unreadable("users"))
}
