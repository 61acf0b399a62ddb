//! `cargo xtask backup` and `cargo xtask restore`: the D1 database as one SQL file, around
//! `wrangler d1 export` and `wrangler d1 execute --file`, locally (a state folder) or `--remote`
//! (the database the configuration names; `--env NAME` picks a wrangler environment).
//!
//! D1 is the whole source of truth: Durable Objects hold only what they can read again from it
//! (vault and gate memory) or ship to it within seconds (audit tallies). A dump holds what D1
//! holds: envelopes (never a plaintext secret or token), password hashes and session hashes. It
//! is written readable by its owner only; keep it as carefully as the keys that open it.
//!
//! Restore goes into an empty database only (a fresh `--state DIR`, or a new remote database the
//! configuration points at), so a mistyped command cannot overwrite live data.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, paths, process, state, wrangler};

const BACKUP_USAGE: &str = "usage: cargo xtask backup [--out FILE] [--state DIR] [--remote [--env NAME]]";
const RESTORE_USAGE: &str = "usage: cargo xtask restore --file FILE [--state DIR] [--remote [--env NAME]]";

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    file: Option<PathBuf>,
    state: Option<PathBuf>,
    remote: bool,
    env: Option<String>,
}

fn parse(args: &[String], file_flag: &str, usage: &'static str) -> Result<Options> {
    let mut options = Options::default();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--remote" => options.remote = true,
            "--state" => options.state = Some(PathBuf::from(rest.next().ok_or(usage)?)),
            "--env" => options.env = Some(rest.next().ok_or(usage)?.clone()),
            f if f == file_flag => options.file = Some(PathBuf::from(rest.next().ok_or(usage)?)),
            _ => return Err(usage.into()),
        }
    }
    if options.remote && options.state.is_some() {
        return Err(format!("--state is for local data, not --remote\n{usage}").into());
    }
    if options.env.is_some() && !options.remote {
        return Err(format!("--env goes with --remote\n{usage}").into());
    }
    Ok(options)
}

/// `cargo xtask backup`.
pub fn backup(args: &[String]) -> Result<()> {
    let options = parse(args, "--out", BACKUP_USAGE)?;
    let out = match &options.file {
        Some(file) => absolute(file)?,
        None => default_file()?,
    };
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Created empty and private first: wrangler writes into a file nobody else may read.
    std::fs::write(&out, "")?;
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600))?;
    let mut cmd = wrangler::command();
    cmd.args(["d1", "export", "DB", "--output"]).arg(&out);
    let _scratch = target(&mut cmd, &options)?;
    process::run(&mut cmd)?;
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600))?;
    let size = std::fs::metadata(&out)?.len();
    eprintln!("xtask: backup written to {} ({size} bytes, readable by you only)", out.display());
    Ok(())
}

/// `cargo xtask restore`.
pub fn restore(args: &[String]) -> Result<()> {
    let options = parse(args, "--file", RESTORE_USAGE)?;
    let file = absolute(options.file.as_deref().ok_or(RESTORE_USAGE)?)?;
    if !file.is_file() {
        return Err(format!("no backup at {}", file.display()).into());
    }
    let tables = run_json(&options, &["--command", TABLES_SQL])?;
    let existing = table_names(&tables);
    if !existing.is_empty() {
        return Err(format!(
            "the database is not empty (tables: {}); restore into a fresh one: {}",
            existing.join(", "),
            if options.remote {
                "create a new D1 database and point the configuration at it"
            } else {
                "give another --state DIR, or move the current one away"
            }
        )
        .into());
    }
    let file_arg = file.to_string_lossy().into_owned();
    run_json(&options, &["--file", &file_arg])?;
    eprintln!(
        "xtask: restored {} into the {} database",
        file.display(),
        if options.remote { "remote" } else { "local" }
    );
    Ok(())
}

/// The tables of a database but SQLite's and D1's own (wrangler's `d1_migrations` counts: a dump
/// creates it).
const TABLES_SQL: &str =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND substr(name, 1, 4) != '_cf_'";

fn table_names(json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    value
        .get(0)
        .and_then(|r| r.get("results"))
        .and_then(|r| r.as_array())
        .map(|rows| rows.iter().filter_map(|r| r.get("name")?.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// `wrangler d1 execute DB … --json` against the chosen database; its JSON answer.
fn run_json(options: &Options, what: &[&str]) -> Result<String> {
    let mut cmd = wrangler::command();
    cmd.args(["d1", "execute", "DB", "--json", "--yes"]).args(what);
    if options.remote {
        remote(&mut cmd, options);
    } else {
        cmd.arg("--local").arg("--persist-to").arg(state::dir(options.state.as_deref())?);
    }
    eprintln!("$ {}", process::describe(&cmd));
    process::stdout(&mut cmd)
}

fn remote(cmd: &mut Command, options: &Options) {
    cmd.arg("--remote");
    if let Some(env) = &options.env {
        cmd.args(["--env", env]);
    }
}

/// Point an export at the chosen database. `wrangler d1 export --local` has no `--persist-to`: it
/// reads `.wrangler/state` next to its configuration, so a local export runs with a copy of the
/// D1 part of `wrangler.toml` in a scratch folder whose `.wrangler/state` is the state folder.
/// The scratch folder goes when the returned guard does.
fn target(cmd: &mut Command, options: &Options) -> Result<Option<Scratch>> {
    if options.remote {
        remote(cmd, options);
        return Ok(None);
    }
    let state = state::dir(options.state.as_deref())?;
    let scratch = Scratch(paths::target_dir().join(format!("xtask/export-{}", std::process::id())));
    std::fs::create_dir_all(scratch.0.join(".wrangler"))?;
    std::os::unix::fs::symlink(&state, scratch.0.join(".wrangler/state"))?;
    let config = scratch.0.join("wrangler.toml");
    std::fs::write(&config, d1_only_config(&std::fs::read_to_string(paths::root().join("wrangler.toml"))?)?)?;
    cmd.arg("--local").arg("--config").arg(&config);
    Ok(Some(scratch))
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A configuration with only the name and the `[[d1_databases]]` tables of `full` (the local
/// database file is named after the database id, so the id must be the real one).
fn d1_only_config(full: &str) -> Result<String> {
    let mut out = String::from("name = \"backup\"\ncompatibility_date = \"2026-04-01\"\n");
    let mut inside = false;
    for line in full.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed == "[[d1_databases]]";
        }
        if inside && !trimmed.starts_with("migrations_dir") {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !out.contains("[[d1_databases]]") {
        return Err("wrangler.toml declares no [[d1_databases]]".into());
    }
    Ok(out)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    Ok(if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) })
}

/// `backups/d1-<seconds since the epoch>.sql` in the repository (ignored by git).
fn default_file() -> Result<PathBuf> {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    Ok(paths::root().join("backups").join(format!("d1-{seconds}.sql")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_are_parsed_and_mixed_targets_refused() {
        let o = parse(&args(&["--out", "b.sql", "--state", "/tmp/s"]), "--out", BACKUP_USAGE).unwrap();
        assert_eq!(o, Options { file: Some("b.sql".into()), state: Some("/tmp/s".into()), remote: false, env: None });
        let o = parse(&args(&["--remote", "--env", "production"]), "--out", BACKUP_USAGE).unwrap();
        assert!(o.remote && o.env.as_deref() == Some("production"));
        assert!(parse(&args(&["--remote", "--state", "/tmp/s"]), "--out", BACKUP_USAGE).is_err());
        assert!(parse(&args(&["--env", "production"]), "--out", BACKUP_USAGE).is_err());
        assert!(parse(&args(&["--file"]), "--file", RESTORE_USAGE).is_err());
        assert!(parse(&args(&["--out", "x"]), "--file", RESTORE_USAGE).is_err());
    }

    #[test]
    fn the_export_config_keeps_only_the_database() {
        let full = "name = \"x\"\nmain = \"edge/entry.mjs\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_id = \"abc\"\nmigrations_dir = \"m\"\n\n[vars]\nA = \"1\"\n";
        let config = d1_only_config(full).unwrap();
        assert!(config.contains("database_id = \"abc\"") && config.contains("binding = \"DB\""));
        assert!(!config.contains("main") && !config.contains("[vars]") && !config.contains("migrations_dir"));
        assert!(d1_only_config("name = \"x\"\n").is_err());
    }

    #[test]
    fn table_names_come_from_wranglers_json() {
        let json = r#"[{"results":[{"name":"users"},{"name":"tokens"}],"success":true}]"#;
        assert_eq!(table_names(json), ["users", "tokens"]);
        assert!(table_names(r#"[{"results":[]}]"#).is_empty());
    }
}
