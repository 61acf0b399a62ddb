//! `.dev.vars`: local secrets for `wrangler dev`, created once: a random encryption key, a random
//! MAC key (bot key tags and device cookies), a random bootstrap token (for creating the first
//! admin), and the dev opt-in of the outbound URL rule (`ALLOW_PRIVATE_ENDPOINTS`).

use std::io::Read;
use std::path::Path;

use base64::Engine;

use crate::{Result, paths};

/// Make sure `.dev.vars` has `ENCRYPTION_KEYS`, `MAC_KEY` and `BOOTSTRAP_TOKEN`; lines already
/// there are never rewritten (a new encryption key would make the local database unreadable, a
/// new MAC key every bot key invalid). Returns the token.
pub fn ensure() -> Result<String> {
    ensure_at(&paths::root().join(".dev.vars"))
}

fn ensure_at(path: &Path) -> Result<String> {
    let mut text = std::fs::read_to_string(path).unwrap_or_default();
    if text.is_empty() {
        text.push_str("# Local secrets for wrangler dev; never commit this file.\n");
    }
    if value(&text, "ENCRYPTION_KEYS").is_none() {
        text.push_str(&format!("ENCRYPTION_KEYS=\"k1:{}\"\n", random_key()?));
    }
    if value(&text, "MAC_KEY").is_none() {
        text.push_str(&format!("MAC_KEY=\"{}\"\n", random_key()?));
    }
    if value(&text, "ALLOW_PRIVATE_ENDPOINTS").is_none() {
        // The local product may talk to an authorization server on this machine (plain http on
        // loopback, private addresses); a deployment's wrangler.toml never says so. Set 0 here
        // to try the production rule locally.
        text.push_str("ALLOW_PRIVATE_ENDPOINTS=\"1\"\n");
    }
    if value(&text, "BOOTSTRAP_TOKEN").is_none() {
        let token = domain::api_key::hex(&random_bytes::<24>()?);
        text.push_str(&format!("BOOTSTRAP_TOKEN=\"{token}\"\n"));
    }
    std::fs::write(path, &text)?;
    value(&text, "BOOTSTRAP_TOKEN").ok_or_else(|| "BOOTSTRAP_TOKEN missing from .dev.vars".into())
}

/// The value of `NAME="value"` (or `NAME=value`) in a dotenv text.
pub fn value(text: &str, name: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(name)?.strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .find(|v| !v.is_empty())
}

/// `text` with `NAME="value"` in place of every `NAME=` line (appended when there is none).
pub fn with_value(text: &str, name: &str, value: &str) -> String {
    let line = format!("{name}=\"{value}\"");
    let mut found = false;
    let mut out: Vec<String> = text
        .lines()
        .map(|l| match l.trim().strip_prefix(name).is_some_and(|rest| rest.starts_with('=')) {
            true => {
                found = true;
                line.clone()
            }
            false => l.to_string(),
        })
        .collect();
    if !found {
        out.push(line);
    }
    out.join("\n") + "\n"
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// 32 random bytes from the OS, base64: one AES-256 key.
pub fn random_key() -> Result<String> {
    Ok(base64::engine::general_purpose::STANDARD.encode(random_bytes::<32>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_replaced_in_place() {
        let text = "# mine\nENCRYPTION_KEYS=\"k1:a\"\nMAC_KEY=\"m\"\n";
        let after = with_value(text, "ENCRYPTION_KEYS", "k2:b,k1:a");
        assert_eq!(after, "# mine\nENCRYPTION_KEYS=\"k2:b,k1:a\"\nMAC_KEY=\"m\"\n");
        assert_eq!(value(&after, "ENCRYPTION_KEYS").as_deref(), Some("k2:b,k1:a"));
        assert_eq!(with_value("", "A", "1"), "A=\"1\"\n");
    }

    #[test]
    fn keys_are_32_random_bytes() {
        let a = random_key().unwrap();
        let b = random_key().unwrap();
        assert_ne!(a, b);
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(&a).unwrap().len(), 32);
    }

    #[test]
    fn missing_entries_are_added_and_existing_ones_kept() {
        let dir = std::env::temp_dir().join(format!("xtask-devvars-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".dev.vars");
        std::fs::write(&path, "ENCRYPTION_KEYS=\"k1:keep-me\"\n").unwrap();
        let token = ensure_at(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("ENCRYPTION_KEYS=\"k1:keep-me\""));
        let mac_key = value(&text, "MAC_KEY").unwrap();
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(&mac_key).unwrap().len(), 32);
        assert_eq!(token.len(), 48);
        assert_eq!(value(&text, "ALLOW_PRIVATE_ENDPOINTS").as_deref(), Some("1"));
        // A second run changes nothing.
        assert_eq!(ensure_at(&path).unwrap(), token);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_existing_mac_key_is_kept_and_the_file_only_grows() {
        let dir = std::env::temp_dir().join(format!("xtask-devvars-mac-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".dev.vars");
        let before = "# mine\nENCRYPTION_KEYS=\"k1:a\"\nBOOTSTRAP_TOKEN=\"0123456789abcdef0123\"\n";
        std::fs::write(&path, before).unwrap();
        ensure_at(&path).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.starts_with(before), "existing lines untouched");
        assert_eq!(after.lines().filter(|l| l.starts_with("MAC_KEY=")).count(), 1);
        std::fs::write(&path, "MAC_KEY=\"keep-this\"\n").unwrap();
        ensure_at(&path).unwrap();
        assert_eq!(value(&std::fs::read_to_string(&path).unwrap(), "MAC_KEY").as_deref(), Some("keep-this"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
