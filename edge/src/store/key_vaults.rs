//! Which vaults remember which bot keys (`key_vaults`): written by a vault before it reads a
//! key's access, read by the write paths that change access so they reset those vaults.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, query};

use crate::error::ApiResult;

/// Note that `vault` is about to remember the key with this hash (batched before the read).
pub fn remember(db: &D1Database, key_hash: &str, vault: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "INSERT OR IGNORE INTO key_vaults (key_hash, vault) VALUES (?1, ?2)", key_hash, vault)?)
}

/// Forget a vault's notes (its connection is deleted in the same batch; the vault itself is reset
/// after it, by name).
pub fn forget_vault(db: &D1Database, vault: &str) -> ApiResult<D1PreparedStatement> {
    Ok(query!(db, "DELETE FROM key_vaults WHERE vault = ?1", vault)?)
}

/// The vaults that may remember any of these keys.
pub async fn vaults_of(db: &D1Database, key_hashes: &[String]) -> ApiResult<Vec<String>> {
    #[derive(Deserialize)]
    struct Vault {
        vault: String,
    }
    if key_hashes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = super::json_ids(key_hashes);
    Ok(query!(db, "SELECT DISTINCT vault FROM key_vaults WHERE key_hash IN (SELECT value FROM json_each(?1))", hashes)?
        .all()
        .await?
        .results::<Vault>()?
        .into_iter()
        .map(|v| v.vault)
        .collect())
}

/// Forget the rows of keys that no vault will remember again (revoked keys, once their vaults
/// were reset: a vault never keeps a revoked key).
pub async fn forget_revoked(db: &D1Database, key_hashes: &[String]) -> ApiResult<()> {
    if key_hashes.is_empty() {
        return Ok(());
    }
    let hashes = super::json_ids(key_hashes);
    query!(
        db,
        "DELETE FROM key_vaults WHERE key_hash IN (SELECT value FROM json_each(?1))
         AND key_hash IN (SELECT secret_hash FROM api_keys WHERE revoked_at IS NOT NULL)",
        hashes
    )?
    .run()
    .await?;
    Ok(())
}
