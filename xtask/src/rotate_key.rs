//! `cargo xtask rotate-key [--state DIR] [--limit N]`: key rotation for local data, end to end.
//!
//! 1. A new random key goes first in `ENCRYPTION_KEYS` in `.dev.vars` (the old ones stay, so
//!    everything still opens; an interrupted run leaves a working file and can simply be run
//!    again).
//! 2. A private `wrangler dev` serves the state folder with that ring, on a free port.
//! 3. `POST /api/v1/admin/encryption/rotate` is called until `done`, printing each batch.
//! 4. The server stops; the old keys leave `.dev.vars`.
//!
//! How xtask authenticates: with a session it writes into the local database itself for the
//! oldest active admin, deleted again when the run ends (the cookie is never printed or stored).
//! Anyone who can do that can already read `.dev.vars` and the database, as `cargo xtask admin`
//! assumes; nothing new is trusted, the call goes through the same admin check and audit as an
//! operator's, and no long-lived credential is made. (The bootstrap token was the alternative: it
//! would give a secret meant for creating the first admin power over all existing data.)

use std::path::PathBuf;
use std::time::Duration;

use crate::{Result, build, detach, dev, dev_vars, http, paths, state, tools, wrangler};

const USAGE: &str = "usage: cargo xtask rotate-key [--state DIR] [--limit N]";

pub fn run(args: &[String]) -> Result<()> {
    let (state_dir, limit) = parse(args)?;
    let persist_to = state::dir(state_dir.as_deref())?;
    detach::refuse_if_running(&persist_to)?;
    tools::ensure_build_tools()?;
    build::all()?;
    dev_vars::ensure()?;
    wrangler::apply_migrations(&persist_to)?;

    let vars_path = paths::root().join(".dev.vars");
    let text = std::fs::read_to_string(&vars_path)?;
    let old = dev_vars::value(&text, "ENCRYPTION_KEYS").ok_or("no ENCRYPTION_KEYS in .dev.vars")?;
    let id = next_key_id(&old);
    let new_entry = format!("{id}:{}", dev_vars::random_key()?);
    std::fs::write(&vars_path, dev_vars::with_value(&text, "ENCRYPTION_KEYS", &format!("{new_entry},{old}")))?;
    eprintln!("xtask: key {id} added first to ENCRYPTION_KEYS in .dev.vars; the old keys stay until the end");

    let session = Session::create(&persist_to)?;
    let outcome = rotate_with_server(&persist_to, &session, limit);
    let ended = session.delete(&persist_to);
    let last = outcome?;
    ended?;
    if !last.get("done").and_then(serde_json::Value::as_bool).unwrap_or(false) {
        return Err("rotation did not finish; the old keys stay in .dev.vars".into());
    }
    let text = std::fs::read_to_string(&vars_path)?;
    std::fs::write(&vars_path, dev_vars::with_value(&text, "ENCRYPTION_KEYS", &new_entry))?;
    eprintln!("xtask: every sealed value is under {id}; the old keys are gone from .dev.vars");
    Ok(())
}

fn parse(args: &[String]) -> Result<(Option<PathBuf>, u32)> {
    let (mut state, mut limit) = (None, 100);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--state" => state = Some(PathBuf::from(value)),
            "--limit" => limit = value.parse().map_err(|_| format!("--limit takes a number, not {value}"))?,
            _ => return Err(USAGE.into()),
        }
    }
    Ok((state, limit))
}

/// `k<n+1>` for the highest `k<n>` in the ring (`k1` → `k2`), else `k1`… whichever is unused.
fn next_key_id(ring: &str) -> String {
    let ids: Vec<&str> = ring.split(',').filter_map(|e| e.trim().split_once(':').map(|(id, _)| id)).collect();
    let highest = ids.iter().filter_map(|id| id.strip_prefix('k')?.parse::<u64>().ok()).max().unwrap_or(0);
    format!("k{}", highest + 1)
}

/// Serve the state with the new ring and call the rotation until it is done or stuck.
fn rotate_with_server(persist_to: &std::path::Path, session: &Session, limit: u32) -> Result<serde_json::Value> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child = wrangler::spawn_dev(port, persist_to)?;
    let group = child.id();
    let result = (|| {
        dev::wait_until_serving(port, &mut child, Duration::from_secs(120))?;
        let origin = format!("http://127.0.0.1:{port}");
        let cookie = format!("__Host-session={}", session.id);
        let body = format!("{{\"limit\":{limit}}}");
        loop {
            let (status, text) = http::post_json(
                port,
                "/api/v1/admin/encryption/rotate",
                &[("Origin", &origin), ("Cookie", &cookie)],
                &body,
            )?;
            if status != 200 {
                return Err(format!("rotation answered {status}: {text}").into());
            }
            let report: serde_json::Value = serde_json::from_str(&text)?;
            eprintln!(
                "xtask: rewrapped {} (changed meanwhile {}), remaining {} {}",
                report["rewrapped"], report["changed_meanwhile"], report["remaining"], report["remaining_by_key"]
            );
            if report["done"].as_bool() == Some(true) {
                return Ok(report);
            }
            let moved = report["rewrapped"].as_object().map(|m| m.values().filter_map(|v| v.as_u64()).sum::<u64>());
            if moved == Some(0) && report["changed_meanwhile"].as_u64() == Some(0) {
                return Err(format!(
                    "rotation makes no progress: {} values do not open (unreadable {}, failed {}); see the worker's log",
                    report["remaining"], report["unreadable"], report["failed"]
                )
                .into());
            }
        }
    })();
    wrangler::kill_group(group);
    let _ = child.wait();
    result
}

/// A session for the oldest active admin, written straight into local D1.
struct Session {
    id: String,
}

impl Session {
    fn create(persist_to: &std::path::Path) -> Result<Session> {
        let id = domain::api_key::hex(&dev_vars::random_bytes::<32>()?);
        let hash = sha256_hex(&id);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
        let sql = format!(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) \
             SELECT '{hash}', u.id, {now}, {now} FROM users u JOIN role_members m ON m.user_id = u.id \
             AND m.role_id = 'role-admin' WHERE u.active = 1 ORDER BY u.created_at LIMIT 1;\n\
             SELECT 'session-made' AS made FROM sessions WHERE id_hash = '{hash}';\n"
        );
        if !wrangler::execute_sql(persist_to, &sql)?.contains("session-made") {
            return Err("no active admin in this state; make one with cargo xtask admin --email E --password P".into());
        }
        Ok(Session { id })
    }

    fn delete(&self, persist_to: &std::path::Path) -> Result<()> {
        wrangler::execute_sql(
            persist_to,
            &format!("DELETE FROM sessions WHERE id_hash = '{}';\n", sha256_hex(&self.id)),
        )?;
        Ok(())
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    domain::api_key::hex(&sha2::Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_key_gets_the_next_free_id() {
        assert_eq!(next_key_id("k1:abc"), "k2");
        assert_eq!(next_key_id("k3:abc,k1:def"), "k4");
        assert_eq!(next_key_id("main:abc"), "k1");
    }

    #[test]
    fn flags() {
        let args: Vec<String> = ["--state", "/tmp/s", "--limit", "5"].map(String::from).to_vec();
        assert_eq!(parse(&args).unwrap(), (Some(PathBuf::from("/tmp/s")), 5));
        assert_eq!(parse(&[]).unwrap(), (None, 100));
        assert!(parse(&["--limit".to_string(), "x".to_string()]).is_err());
    }
}
