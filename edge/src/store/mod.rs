//! D1 access: one struct per table group, each owning the binding. SQL lives here and nowhere
//! else; rules live in `domain`.

pub mod access;
pub mod api_keys;
pub mod audit;
pub mod audit_log;
pub mod connections;
pub mod device_failures;
pub mod key_vaults;
pub mod notifications;
pub mod pending_resets;
pub mod provider_revocations;
pub mod roles;
pub mod sealed;
pub mod sessions;
pub mod tokens;
pub mod transactions;
pub mod users;
pub mod webhooks;

use worker::{D1Database, Env};

use crate::error::{ApiError, ApiResult};
use domain::error::ErrorCode;

pub fn database(env: &Env) -> ApiResult<D1Database> {
    env.d1("DB").map_err(|e| ApiError::internal(format!("D1 binding DB missing: {e}")))
}

/// Whether a failed batch failed on one of its guard statements (`connections::expect_version`,
/// `users::keep_an_active_admin`, `tokens::expect_revision`): they fail by `json('…')` of an invalid text, since SQLite has
/// no RAISE outside triggers. A batch carries at most one guard, so the caller knows which.
pub fn guard_failed(error: &worker::Error) -> bool {
    error.to_string().contains("malformed JSON")
}

/// Map a D1 failure: a unique-constraint violation becomes `conflict` with `message` (the
/// caller names what collided), anything else is internal.
pub fn unique_or_internal(error: worker::Error, code: ErrorCode, field: &str, message: &str) -> ApiError {
    if error.to_string().contains("UNIQUE constraint failed") {
        return ApiError::new(code, message).with_field(field);
    }
    ApiError::internal(error)
}

/// A row that does not read as its type: an enum column holding a name this code does not know
/// (written by another version, or by hand). The read fails as an internal error, logged with the
/// table and the unknown name and its type (each enum type sits in one column of a table); it
/// never becomes a default.
pub fn unreadable(table: &'static str) -> impl Fn(worker::Error) -> ApiError {
    move |error| ApiError::internal(format!("{table}: unreadable row: {error}"))
}

/// Page size for list endpoints: `?limit=` clamped to 1..=100, default 50.
pub fn page_limit(raw: Option<&str>) -> u32 {
    domain::page::limit(raw)
}

/// The cursor of the next page: the last row's key when the page came back full (keyset paging).
pub fn next_cursor<T>(rows: &[T], limit: u32, key: impl Fn(&T) -> String) -> Option<String> {
    domain::page::next_cursor(rows, limit, key)
}

/// Ids as a JSON array, for `IN (SELECT value FROM json_each(?))`: one binding, any number.
pub fn json_ids(ids: &[String]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// Parse a JSON array column (from `json_group_array`), treating `[null]` rows from outer joins
/// as empty.
pub fn json_list<T: serde::de::DeserializeOwned>(raw: &str) -> Vec<T> {
    serde_json::from_str::<Vec<Option<T>>>(raw).map(|v| v.into_iter().flatten().collect()).unwrap_or_default()
}

/// Whether a write changed a row: compare-and-swap statements and guarded inserts report their
/// outcome this way.
pub fn changed(result: &worker::D1Result) -> bool {
    result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) > 0
}
