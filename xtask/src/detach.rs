//! `cargo xtask dev --detach` and `cargo xtask stop`: a server for scripts.
//!
//! The launcher does everything that prints something a person needs (builds, the first admin),
//! then starts xtask again in a session of its own (so neither the launcher's exit nor a closing
//! terminal reaches it) with its output in a log next to the state, waits until health answers,
//! prints where things are and returns. The server records its pid and wrangler's process group
//! in a pid file; `stop` ends both groups and waits until no process of them is left.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, dev, state};

const STOP_USAGE: &str = "usage: cargo xtask stop [--state DIR]";

/// One detached server per state folder: checked before anything is built or written.
pub fn refuse_if_running(persist_to: &Path) -> Result<()> {
    if let Some(running) = running(persist_to) {
        return Err(format!(
            "a server for {} runs already (pid {}); end it with cargo xtask stop first",
            persist_to.display(),
            running.xtask
        )
        .into());
    }
    Ok(())
}

/// Start the server detached and return once it serves.
pub fn start(port: u16, persist_to: &Path, admin: &str) -> Result<()> {
    refuse_if_running(persist_to)?;
    // A pid file left by a server that is gone.
    let _ = std::fs::remove_file(state::pid_file(persist_to));
    let log_path = state::log_file(persist_to);
    let log = std::fs::File::create(&log_path)?;
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["dev", "--port", &port.to_string(), "--state"])
        .arg(persist_to)
        .env(dev::DETACHED_ENV, "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // SAFETY: setsid(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| if libc::setsid() < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) });
    }
    let mut child = cmd.spawn()?;
    // Written here too, so `stop` finds the server even before it recorded wrangler's group; but
    // never over the server's own record, should that have come first.
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(state::pid_file(persist_to));
    if let Ok(file) = file.as_mut() {
        writeln!(file, "{}", child.id())?;
    }
    if let Err(error) = dev::wait_until_serving(port, &mut child, Duration::from_secs(120)) {
        let _ = stop_at(persist_to);
        return Err(format!("{error}; its log: {}", log_path.display()).into());
    }
    println!("url:   http://127.0.0.1:{port}/");
    println!("pid:   {}", child.id());
    println!("log:   {}", log_path.display());
    println!("state: {}", persist_to.display());
    eprintln!("\n{admin}\n  Stop it with: cargo xtask stop{}\n", state_flag(persist_to));
    Ok(())
}

/// Called by the detached server once wrangler runs: its pid and wrangler's process group.
pub fn record(persist_to: &Path, wrangler_group: u32) -> Result<()> {
    std::fs::write(state::pid_file(persist_to), format!("{}\n{wrangler_group}\n", std::process::id()))?;
    Ok(())
}

/// `cargo xtask stop [--state DIR]`.
pub fn stop(args: &[String]) -> Result<()> {
    let given = match args {
        [] => None,
        [flag, dir] if flag == "--state" => Some(Path::new(dir)),
        _ => return Err(STOP_USAGE.into()),
    };
    let persist_to = state::dir(given)?;
    if stop_at(&persist_to)? {
        eprintln!("xtask: stopped the server of {}", persist_to.display());
    } else {
        eprintln!("xtask: no detached server runs for {}", persist_to.display());
    }
    Ok(())
}

struct Running {
    xtask: i32,
    wrangler: Option<i32>,
}

/// The server recorded for this state, if its xtask or wrangler's group is still alive.
fn running(persist_to: &Path) -> Option<Running> {
    let text = std::fs::read_to_string(state::pid_file(persist_to)).ok()?;
    let mut numbers = text.lines().filter_map(|l| l.trim().parse::<i32>().ok());
    let recorded = Running { xtask: numbers.next()?, wrangler: numbers.next() };
    // A stale file may name pids reused by others: only groups with one of ours in them count.
    let alive = !ours(recorded.xtask).is_empty() || recorded.wrangler.is_some_and(|g| !ours(g).is_empty());
    alive.then_some(recorded)
}

/// End the recorded server: SIGTERM to both groups (xtask's handler ends wrangler's too), then
/// SIGKILL for whatever is left after 15 s. Whether there was one.
fn stop_at(persist_to: &Path) -> Result<bool> {
    let Some(server) = running(persist_to) else {
        let _ = std::fs::remove_file(state::pid_file(persist_to));
        return Ok(false);
    };
    let groups: Vec<i32> = std::iter::once(server.xtask).chain(server.wrangler).collect();
    signal_groups(&groups, libc::SIGTERM);
    let started = Instant::now();
    while groups.iter().any(|&g| !members(g).is_empty()) {
        if started.elapsed() > Duration::from_secs(15) {
            signal_groups(&groups, libc::SIGKILL);
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("processes of groups {groups:?} are still running").into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::remove_file(state::pid_file(persist_to))?;
    Ok(true)
}

fn signal_groups(groups: &[i32], signal: libc::c_int) {
    for &group in groups {
        if !ours(group).is_empty() {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
            unsafe { libc::kill(-group, signal) };
        }
    }
}

/// The members of a process group that are xtask, wrangler (node) or workerd: a recycled group
/// id of someone else's processes is left alone.
fn ours(group: i32) -> Vec<i32> {
    members(group)
        .into_iter()
        .filter(|&pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            ["xtask", "wrangler", "workerd"].iter().any(|name| cmdline.contains(name))
        })
        .collect()
}

/// Every live process in a process group, from `/proc/<pid>/stat` (field 5 is the group).
fn members(group: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // After the command name in parentheses: state, parent, group. Zombies are gone.
            let fields: Vec<&str> =
                stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
            fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(group) && fields.first() != Some(&"Z")
        })
        .collect()
}

fn state_flag(persist_to: &Path) -> String {
    if persist_to == crate::paths::root().join(".wrangler/state") {
        String::new()
    } else {
        format!(" --state {}", persist_to.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_members_are_found_from_proc() {
        let mut child = Command::new("sleep").arg("5").process_group(0).spawn().unwrap();
        let group = i32::try_from(child.id()).unwrap();
        assert_eq!(members(group), vec![group]);
        // `sleep` is none of ours: stop would leave such a group alone.
        assert!(ours(group).is_empty());
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(members(group).is_empty());
    }

    #[test]
    fn a_missing_or_stale_pid_file_means_nothing_runs() {
        let dir = std::env::temp_dir().join(format!("xtask-detach-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(running(&dir).is_none());
        std::fs::write(state::pid_file(&dir), "999999999\n999999998\n").unwrap();
        assert!(running(&dir).is_none());
        assert!(!stop_at(&dir).unwrap());
        assert!(!state::pid_file(&dir).exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
