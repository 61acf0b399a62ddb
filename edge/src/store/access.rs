//! Who may use a connection: members of its invited roles.

use worker::{D1Database, query};

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
