//! The dependency policy (`deny.toml`): licences, bans (duplicate versions reported, wildcards
//! refused) and sources with `cargo deny`, offline. Advisories need the RustSec database, a git
//! repository on GitHub that CI cannot reach: they are checked when a copy exists
//! (`cargo xtask deny --fetch` makes or refreshes one where GitHub is reachable) and reported as
//! skipped otherwise, never as passed.
//!
//! `cargo xtask deny [--fetch]` runs the same checks on their own.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, paths, process};

/// What the advisories check did.
pub enum Advisories {
    Checked,
    /// No local copy of the database: nothing was checked.
    NoDatabase(PathBuf),
}

pub fn run(args: &[String]) -> Result<()> {
    let fetch = match args {
        [] => false,
        [flag] if flag == "--fetch" => true,
        _ => return Err("usage: cargo xtask deny [--fetch]".into()),
    };
    crate::tools::ensure_deny()?;
    policy()?;
    if fetch {
        process::run(Command::new("cargo").args(["deny", "fetch", "db"]).current_dir(paths::root()))?;
    }
    match advisories()? {
        Advisories::Checked => Ok(()),
        Advisories::NoDatabase(path) => {
            eprintln!("xtask: advisories skipped: no advisory database at {} (run with --fetch)", path.display());
            Ok(())
        }
    }
}

/// Licences, bans and sources: everything that needs no network.
pub fn policy() -> Result<()> {
    process::run(cargo_deny().args(["check", "licenses", "bans", "sources"]))
}

/// The advisories check, against the local database only.
pub fn advisories() -> Result<Advisories> {
    let db = database_dir();
    if !db.is_dir() {
        return Ok(Advisories::NoDatabase(db));
    }
    process::run(cargo_deny().args(["check", "advisories"]))?;
    Ok(Advisories::Checked)
}

/// `cargo deny --frozen`: never the network, never a new lock.
fn cargo_deny() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args(["deny", "--frozen"]).current_dir(paths::root());
    cmd
}

/// Where `deny.toml`'s `db-path` points: `$CARGO_HOME/advisory-dbs`.
fn database_dir() -> PathBuf {
    paths::cargo_home().join("advisory-dbs")
}
