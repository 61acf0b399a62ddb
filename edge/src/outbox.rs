//! A durable audit outbox inside a Durable Object. The token API must not write D1 on every call,
//! yet every token issue is audited: the row is written to the object's own SQLite storage
//! (local, synchronous, durable before the response leaves) and an alarm ships the rows to D1's
//! `audit_events` in batches about a second later. If D1 fails, the alarm throws and the
//! runtime retries it; rows leave the outbox only after D1 accepted them.

use std::cell::Cell;

use serde::Deserialize;
use worker::{D1Database, SqlStorage, State};

use crate::error::{ApiError, ApiResult};
use crate::store::audit::Row;

/// How long a row may wait before its batch is shipped.
const SHIP_AFTER_MS: i64 = 1_000;
/// Rows per D1 batch.
const BATCH: i64 = 50;

pub struct Outbox {
    sql: SqlStorage,
    /// An alarm is set and has not fired yet (memory only: a fresh object sets one again).
    armed: Cell<bool>,
}

#[derive(Deserialize)]
struct Queued {
    seq: i64,
    row: String,
}

impl Outbox {
    pub fn new(state: &State) -> Outbox {
        let sql = state.storage().sql();
        if let Err(e) = sql.exec(
            "CREATE TABLE IF NOT EXISTS audit_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL)",
            None,
        ) {
            worker::console_error!("outbox: cannot create its table: {e}");
        }
        Outbox { sql, armed: Cell::new(false) }
    }

    /// Queue a row; it reaches D1 with the next shipment.
    pub async fn push(&self, state: &State, row: &Row) -> ApiResult<()> {
        let json = serde_json::to_string(row).map_err(ApiError::internal)?;
        self.sql.exec("INSERT INTO audit_outbox (row) VALUES (?)", vec![json.into()]).map_err(ApiError::internal)?;
        if !self.armed.replace(true) {
            // An i64 is an offset from now in milliseconds.
            if let Err(e) = state.storage().set_alarm(SHIP_AFTER_MS).await {
                self.armed.set(false);
                return Err(ApiError::internal(e));
            }
        }
        Ok(())
    }

    /// Ship everything queued to D1 (called from the object's alarm); returns how many rows left.
    pub async fn ship(&self, db: &D1Database) -> ApiResult<usize> {
        self.armed.set(false);
        let mut shipped = 0;
        loop {
            let queued: Vec<Queued> = self
                .sql
                .exec("SELECT seq, row FROM audit_outbox ORDER BY seq LIMIT ?", vec![BATCH.into()])
                .and_then(|c| c.to_array())
                .map_err(ApiError::internal)?;
            let Some(last) = queued.last().map(|q| q.seq) else { return Ok(shipped) };
            let mut batch = Vec::with_capacity(queued.len());
            for q in &queued {
                let row: Row = serde_json::from_str(&q.row).map_err(ApiError::internal)?;
                batch.push(row.statement(db)?);
            }
            // INSERT OR IGNORE is not needed: a row is deleted here only after D1 took it, and a
            // retried shipment after a failed batch re-sends rows D1 did not commit.
            db.batch(batch).await?;
            self.sql.exec("DELETE FROM audit_outbox WHERE seq <= ?", vec![last.into()]).map_err(ApiError::internal)?;
            shipped += queued.len();
        }
    }
}
