//! Where local data lives: `.wrangler/state` unless `--state DIR` says otherwise (tests use fresh
//! folders). A detached server keeps its pid file and log next to its data, so `stop` finds the
//! server of the state it is given.

use std::path::{Path, PathBuf};

use crate::{Result, paths};

/// The persist folder for wrangler: the default, or `given` made absolute (wrangler runs in the
/// repository root, the person may not).
pub fn dir(given: Option<&Path>) -> Result<PathBuf> {
    let dir = match given {
        None => paths::root().join(".wrangler/state"),
        Some(p) if p.is_absolute() => p.to_path_buf(),
        Some(p) => std::env::current_dir()?.join(p),
    };
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `xtask pid` and `wrangler process group` of a detached server, one a line.
pub fn pid_file(state: &Path) -> PathBuf {
    state.join("xtask-dev.pid")
}

/// Everything a detached server prints.
pub fn log_file(state: &Path) -> PathBuf {
    state.join("xtask-dev.log")
}
