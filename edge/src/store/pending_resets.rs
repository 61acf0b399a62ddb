//! Object resets that were not acknowledged after a committed change: kept until the cron gets
//! them through (revocation is at-least-once).

use serde::Deserialize;
use worker::{D1Database, query};

use crate::error::ApiResult;

#[derive(Debug, Clone, Deserialize)]
pub struct PendingReset {
    pub binding: String,
    pub name: String,
}

/// Remember a reset to retry (once per object: a second failure only counts an attempt).
pub async fn queue(db: &D1Database, binding: &str, name: &str, now: i64) -> ApiResult<()> {
    query!(
        db,
        "INSERT INTO pending_resets (binding, name, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (binding, name) DO UPDATE SET attempts = attempts + 1",
        binding,
        name,
        now
    )?
    .run()
    .await?;
    Ok(())
}

/// The oldest resets still owed, a bounded batch per run.
pub async fn due(db: &D1Database, limit: u32) -> ApiResult<Vec<PendingReset>> {
    Ok(query!(db, "SELECT binding, name FROM pending_resets ORDER BY created_at LIMIT ?1", limit)?
        .all()
        .await?
        .results::<PendingReset>()?)
}

pub async fn done(db: &D1Database, binding: &str, name: &str) -> ApiResult<()> {
    query!(db, "DELETE FROM pending_resets WHERE binding = ?1 AND name = ?2", binding, name)?.run().await?;
    Ok(())
}
