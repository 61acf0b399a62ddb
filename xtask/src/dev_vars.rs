//! `.dev.vars`: local secrets for `wrangler dev`, created once with a random encryption key.

use std::io::Read;

use base64::Engine;

use crate::{Result, paths};

/// Create `.dev.vars` with a fresh `ENCRYPTION_KEYS` entry unless it exists; an existing file is
/// never touched (rewriting the key would make the local database unreadable).
pub fn ensure() -> Result<()> {
    let path = paths::root().join(".dev.vars");
    if path.exists() {
        return Ok(());
    }
    let key = random_key()?;
    std::fs::write(
        &path,
        format!("# Local secrets for wrangler dev; never commit this file.\nENCRYPTION_KEYS=\"k1:{key}\"\n"),
    )?;
    eprintln!("xtask: wrote {} with a new encryption key", path.display());
    Ok(())
}

/// 32 random bytes from the OS, base64: one AES-256 key.
pub fn random_key() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_random_bytes() {
        let a = random_key().unwrap();
        let b = random_key().unwrap();
        assert_ne!(a, b);
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(&a).unwrap().len(), 32);
    }
}
