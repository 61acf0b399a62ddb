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

/// Charge one device's counter from `before` to `after`, only if it still holds `before` (a
/// missing row holds the clean counter): compare-and-swap, like `users::charge_sign_in`.
pub fn charge(
    db: &D1Database,
    nonce: &str,
    user_id: &str,
    before: Failures,
    after: Failures,
) -> ApiResult<D1PreparedStatement> {
    Ok(query!(
        db,
        "INSERT INTO device_failures (nonce, user_id, count, since, locked_until) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (nonce) DO UPDATE SET count = excluded.count, since = excluded.since,
            locked_until = excluded.locked_until
         WHERE device_failures.count = ?6 AND device_failures.since = ?7 AND device_failures.locked_until IS ?8",
        nonce,
        user_id,
        after.count,
        after.since,
        after.locked_until,
        before.count,
        before.since,
        before.locked_until
    )?)
}

/// After the device signed in: its count is over (and its cookie replaced).
pub fn clear(db: &D1Database, nonce: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM device_failures WHERE nonce = ?1", nonce)?)
}
