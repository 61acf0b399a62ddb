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

/// Delete user tokens whose owners may no longer use their connection (role or member removed,
/// person deactivated) and return their ids, so their vaults can be told.
pub async fn sweep_user_tokens(db: &D1Database) -> ApiResult<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    let rows = db
        .prepare(
            "DELETE FROM tokens WHERE kind = 'user' AND NOT EXISTS (
                SELECT 1 FROM connection_roles cr JOIN role_members m ON m.role_id = cr.role_id
                JOIN users u ON u.id = m.user_id AND u.active = 1
                WHERE cr.connection_id = tokens.connection_id AND m.user_id = tokens.user_id)
             RETURNING id",
        )
        .all()
        .await?
        .results::<Id>()?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
