//! Running wrangler offline: the environment every call gets, migrations, and `wrangler dev` in a
//! process group of its own (killing wrangler alone leaves workerd running).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};

use crate::{Result, build, paths, process};

/// Keep wrangler and worker-build off the network and out of the home directory.
pub fn offline_env(cmd: &mut Command) {
    let state = paths::root().join(".wrangler");
    cmd.env("CI", "true")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("XDG_CONFIG_HOME", state.join("xdg/config"))
        .env("XDG_CACHE_HOME", state.join("xdg/cache"))
        .env("WRANGLER_LOG_PATH", state.join("logs"))
        .env("PATH", paths::tool_path());
}

/// `wrangler` in the repository root, offline, with the worker taken as built.
pub fn command() -> Command {
    wrangler()
}

fn wrangler() -> Command {
    let mut cmd = Command::new(paths::node_bin("wrangler"));
    offline_env(&mut cmd);
    cmd.env(build::PREBUILT_ENV, "1").current_dir(paths::root());
    cmd
}

/// Apply D1 migrations to the local database under `persist_to`.
pub fn apply_migrations(persist_to: &Path) -> Result<()> {
    process::run(wrangler().args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"]).arg(persist_to))
}

/// Run SQL against the local database under `persist_to` (from a file: the statements are ours,
/// the values in them are quoted, and no shell or argument splitting stands in between). Returns
/// wrangler's JSON answer.
pub fn execute_sql(persist_to: &Path, sql: &str) -> Result<String> {
    let dir = paths::target_dir().join("xtask");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("sql-{}.sql", std::process::id()));
    std::fs::write(&file, sql)?;
    let mut cmd = wrangler();
    cmd.args(["d1", "execute", "DB", "--local", "--json", "--persist-to"]).arg(persist_to).arg("--file").arg(&file);
    let out = process::stdout(&mut cmd);
    // The file holds a password hash: gone as soon as wrangler has read it.
    let _ = std::fs::remove_file(&file);
    out
}

/// Start `wrangler dev` on 127.0.0.1:`port` as the leader of a new process group.
pub fn spawn_dev(port: u16, persist_to: &Path) -> Result<Child> {
    let mut cmd = wrangler();
    cmd.args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--persist-to"])
        .arg(persist_to)
        .args(["--show-interactive-dev-session=false"])
        .process_group(0);
    eprintln!("$ {}", process::describe(&cmd));
    Ok(cmd.spawn()?)
}

/// End a process group started by `spawn_dev`: wrangler, workerd and anything else in it.
pub fn kill_group(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else { return };
    // SAFETY: kill(2) with a negative pid signals the process group; no memory is touched.
    unsafe {
        libc::kill(-pid, libc::SIGTERM);
    }
}
