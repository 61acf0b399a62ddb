//! Every column that holds an envelope (`envelope.rs`), and the SQL that key rotation needs:
//! values still under an older key, a compare-and-swap rewrite, and a census per key id. The
//! catalogue is checked against the migrations (every column they mark as an envelope is here).

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use crate::error::ApiResult;

/// One sealed column: its table, the column whose value is the row in the AAD, and itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub key: &'static str,
    pub column: &'static str,
}

impl SealedColumn {
    /// `table.column`, as reports name it.
    pub fn label(&self) -> String {
        format!("{}.{}", self.table, self.column)
    }
}

/// Every sealed value the product stores.
pub const SEALED: [SealedColumn; 8] = [
    SealedColumn { table: "connections", key: "id", column: "client_secret" },
    SealedColumn { table: "tokens", key: "id", column: "access_token" },
    SealedColumn { table: "tokens", key: "id", column: "refresh_token" },
    SealedColumn { table: "oauth_transactions", key: "state_hash", column: "pkce_verifier" },
    SealedColumn { table: "webhooks", key: "id", column: "secret" },
    SealedColumn { table: "webhooks", key: "id", column: "previous_secret" },
    SealedColumn { table: "provider_revocations", key: "id", column: "client_secret" },
    SealedColumn { table: "provider_revocations", key: "id", column: "token" },
];

/// A stored value and the row it is bound to.
#[derive(Debug, Deserialize)]
pub struct Stored {
    pub id: String,
    pub value: String,
}

/// How many values of a column are under one key id (`None`: not an envelope).
#[derive(Debug, Deserialize)]
pub struct Census {
    pub key_id: Option<String>,
    pub n: i64,
}

/// The key id of the envelope in `column` (`v1.<id>.<nonce>.<ciphertext>`), NULL when the value
/// is not one. Names come from `SEALED`, never from a caller.
fn key_id_sql(column: &str) -> String {
    format!("CASE WHEN {column} LIKE 'v1.%' THEN substr({column}, 4, instr(substr({column}, 4), '.') - 1) END")
}

/// Up to `limit` values sealed under one of `key_ids` (a JSON array), in row order.
pub fn under_keys(db: &D1Database, c: &SealedColumn, key_ids: &str, limit: u32) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "SELECT {key} AS id, {column} AS value FROM {table}
         WHERE {column} IS NOT NULL AND {kid} IN (SELECT value FROM json_each(?1)) ORDER BY {key} LIMIT ?2",
        key = c.key,
        column = c.column,
        table = c.table,
        kid = key_id_sql(c.column),
    );
    Ok(query!(db, &sql, key_ids, limit)?)
}

/// Replace a value only if it is still the one that was read: a value written meanwhile (a
/// refresh, an edit) is newer and sealed under the active key already.
pub fn rewrite(db: &D1Database, c: &SealedColumn, id: &str, old: &str, new: &str) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "UPDATE {table} SET {column} = ?3 WHERE {key} = ?1 AND {column} = ?2",
        table = c.table,
        column = c.column,
        key = c.key
    );
    Ok(query!(db, &sql, id, old, new)?)
}

/// How many values of the column are under each key id.
pub fn census(db: &D1Database, c: &SealedColumn) -> ApiResult<D1PreparedStatement> {
    let sql = format!(
        "SELECT {kid} AS key_id, count(*) AS n FROM {table} WHERE {column} IS NOT NULL GROUP BY 1",
        kid = key_id_sql(c.column),
        table = c.table,
        column = c.column
    );
    Ok(query!(db, &sql))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(table, column)` of every column the migrations mark as holding an envelope (a comment
    /// naming "envelope" on the column's line).
    fn marked_in_migrations() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let mut found = Vec::new();
        for file in files {
            let mut table = String::new();
            for line in std::fs::read_to_string(file).unwrap().lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let ["CREATE", "TABLE", name, ..] = words.as_slice() {
                    table = name.trim_end_matches('(').to_string();
                }
                let (code, comment) = line.split_once("--").unwrap_or((line, ""));
                if !comment.contains("envelope") {
                    continue;
                }
                let code: Vec<&str> = code.split_whitespace().collect();
                match code.as_slice() {
                    ["ALTER", "TABLE", t, "ADD", "COLUMN", column, ..] => {
                        found.push((t.to_string(), column.to_string()))
                    }
                    [column, ..] => found.push((table.clone(), column.to_string())),
                    [] => {}
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn every_column_the_migrations_seal_is_rotated() {
        let mut catalogue: Vec<(String, String)> =
            SEALED.iter().map(|c| (c.table.to_string(), c.column.to_string())).collect();
        catalogue.sort();
        assert_eq!(marked_in_migrations(), catalogue);
    }

    #[test]
    fn labels_name_table_and_column() {
        assert_eq!(SEALED[0].label(), "connections.client_secret");
    }
}
