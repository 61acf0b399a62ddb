//! The `device_failures` table: the failure counter of each device cookie that failed a sign-in
//! (`domain::session::Failures`).

use domain::session::Failures;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use crate::error::ApiResult;

#[derive(Deserialize)]
struct Row {
    count: i64,
    since: i64,
    locked_until: Option<i64>,
}

/// The counter of one device cookie; none stored is a clean one.
pub async fn get(db: &D1Database, nonce: &str) -> ApiResult<Failures> {
    let row = query!(db, "SELECT count, since, locked_until FROM device_failures WHERE nonce = ?1", nonce)?
        .first::<Row>(None)
        .await?;
    Ok(row.map_or_else(Failures::default, |r| Failures {
        count: r.count,
        since: r.since,
        locked_until: r.locked_until,
    }))
}

pub fn record(db: &D1Database, nonce: &str, user_id: &str, failures: Failures) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO device_failures (nonce, user_id, count, since, locked_until) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (nonce) DO UPDATE SET count = excluded.count, since = excluded.since,
            locked_until = excluded.locked_until",
        nonce,
        user_id,
        failures.count,
        failures.since,
        failures.locked_until
    )?)
}

/// After the device signed in: its count is over (and its cookie replaced).
pub fn clear(db: &D1Database, nonce: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM device_failures WHERE nonce = ?1", nonce)?)
}
