//! A foreground `cargo xtask dev` ends with whatever started it, and says so.
//!
//! Supervisors (`timeout`, systemd, `docker stop`) and a closing terminal end the process they
//! started, which does not tell its children; xtask asks Linux for SIGTERM when its parent goes
//! (`PR_SET_PDEATHSIG`) and then ends wrangler's process group, so no wrangler or workerd is left
//! behind. When that happens it must not look like a crash: a script that launches the server and
//! exits is told to use `--detach`.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Result, wrangler};

static PARENT_GONE: AtomicBool = AtomicBool::new(false);

pub const GONE: &str = "its parent process exited, so xtask stopped the server with it; \
     run it with --detach to keep it running (`cargo xtask dev --detach`, later `cargo xtask stop`)";

/// End wrangler's process group (`group`) on Ctrl-C, SIGTERM or SIGHUP, and, unless `detached`
/// (a detached server outlives its launcher on purpose), when the parent exits.
pub fn stop_group_with_us(group: u32, detached: bool) -> Result<()> {
    // SAFETY: getppid(2) has no preconditions.
    let parent = unsafe { libc::getppid() };
    ctrlc::set_handler(move || {
        // The same signal arrives for Ctrl-C and for the parent's death: tell them apart by who
        // our parent is now.
        // SAFETY: getppid(2) has no preconditions.
        if !detached && unsafe { libc::getppid() } != parent {
            PARENT_GONE.store(true, Ordering::SeqCst);
        }
        wrangler::kill_group(group);
    })?;
    if detached {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(PR_SET_PDEATHSIG) only records a signal number for this process.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) };
    }
    // The parent may have gone before the request above was recorded.
    // SAFETY: getppid(2) has no preconditions.
    if unsafe { libc::getppid() } != parent {
        PARENT_GONE.store(true, Ordering::SeqCst);
        wrangler::kill_group(group);
    }
    Ok(())
}

/// Whether the server is being stopped because the parent exited.
pub fn gone() -> bool {
    PARENT_GONE.load(Ordering::SeqCst)
}
