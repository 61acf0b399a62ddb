//! Pinned tools, installed when missing or at another version. Everything a build or a test needs
//! arrives through here, so a clean machine and CI need nothing installed by hand.
//! The reason for each pin is written next to it.

use std::path::Path;
use std::process::Command;

use crate::{Result, paths, process};

/// Trunk 0.22 needs a newer rustc than the pinned 1.95.
const TRUNK: &str = "0.21.14";
const WORKER_BUILD: &str = "0.8.7";
/// The newest release that builds with the pinned rustc; `deny.toml` is written for its schema.
const CARGO_DENY: &str = "0.20.2";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The API fuzzer (PyPI); `tests/fuzz/hooks.py` is written for its 4.x hook API.
const SCHEMATHESIS: &str = "4.32.5";

/// What building and serving need: the wasm target, trunk, wasm-bindgen, worker-build, npm tools.
pub fn ensure_build_tools() -> Result<()> {
    ensure_wasm_target()?;
    let wasm_bindgen = locked_version("wasm-bindgen")?;
    ensure_cargo_tool("wasm-bindgen", &wasm_bindgen, &["wasm-bindgen-cli", "--version", &wasm_bindgen])?;
    ensure_cargo_tool("worker-build", WORKER_BUILD, &["worker-build", "--version", WORKER_BUILD, "--locked"])?;
    ensure_cargo_tool("trunk", TRUNK, &["trunk", "--version", TRUNK, "--locked"])?;
    ensure_node_modules()
}

/// The dependency policy checker (`deny.toml`).
pub fn ensure_deny() -> Result<()> {
    ensure_cargo_tool("cargo-deny", CARGO_DENY, &["cargo-deny", "--version", CARGO_DENY, "--locked"])
}

/// What the browser tests need on top: Debian's Chromium (never a downloaded browser).
pub fn ensure_test_tools() -> Result<()> {
    ensure_debian_package(CHROMIUM, "chromium")
}

/// Schemathesis at its pinned version, in a virtual environment under `target/schemathesis`
/// (`tests/fuzz/schemathesis.test.mjs` runs its `st`).
pub fn ensure_schemathesis() -> Result<()> {
    let venv = paths::target_dir().join("schemathesis");
    let stamp = venv.join("pinned-version");
    if venv.join("bin/st").exists() && std::fs::read_to_string(&stamp).is_ok_and(|v| v == SCHEMATHESIS) {
        return Ok(());
    }
    eprintln!("xtask: installing schemathesis {SCHEMATHESIS} into {}", venv.display());
    let make_venv = || process::run(Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv));
    if make_venv().is_err() {
        // Debian's python3 has venv in a package of its own.
        ensure_debian_package("/nonexistent/python3-venv", "python3-venv")?;
        make_venv()?;
    }
    process::run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        &format!("schemathesis=={SCHEMATHESIS}"),
    ]))?;
    std::fs::write(stamp, SCHEMATHESIS)?;
    Ok(())
}

/// What `cargo xtask bench` needs on top: wrk, a real load generator.
pub fn ensure_bench_tools() -> Result<()> {
    ensure_debian_package("/usr/bin/wrk", "wrk")
}

fn ensure_debian_package(binary: &str, package: &str) -> Result<()> {
    if Path::new(binary).exists() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian's {package}");
    process::run(Command::new("apt-get").arg("update"))?;
    process::run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", package]))?;
    Ok(())
}

pub fn chromium() -> &'static str {
    CHROMIUM
}

fn ensure_wasm_target() -> Result<()> {
    let installed = process::output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    process::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// `cargo install` unless `<bin> --version` already prints `version`. (wasm-bindgen-cli is
/// installed without `--locked`: its lockfile names a yanked crate.)
fn ensure_cargo_tool(bin: &str, version: &str, install_args: &[&str]) -> Result<()> {
    let exe = paths::cargo_bin_dir().join(bin);
    let current = process::output(Command::new(&exe).arg("--version")).unwrap_or_default();
    if current.split_whitespace().any(|word| word.trim_start_matches('v') == version) {
        return Ok(());
    }
    eprintln!("xtask: installing {bin} {version} (a one-time step, several minutes on 2 cores)");
    process::run(Command::new("cargo").arg("install").args(install_args))
}

/// The version of a crate in Cargo.lock: the CLI must equal the library.
fn locked_version(krate: &str) -> Result<String> {
    let lock = std::fs::read_to_string(paths::root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{krate}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    Err(format!("{krate} is not in Cargo.lock").into())
}

/// `npm ci` when node_modules is missing or was installed from another package-lock.json.
fn ensure_node_modules() -> Result<()> {
    let root = paths::root();
    let lock = std::fs::read(root.join("package-lock.json"))?;
    let stamp_path = root.join("node_modules/.xtask-lock-stamp");
    let wanted = fingerprint(&lock);
    if std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    process::run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&root))?;
    std::fs::write(stamp_path, wanted)?;
    Ok(())
}

/// A content fingerprint (FNV-1a 64); change detection only, not security.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_wasm_bindgen_is_the_pinned_one() {
        // Cargo.toml pins `=0.2.130`; the CLI installed must match the lock exactly.
        assert_eq!(locked_version("wasm-bindgen").unwrap(), "0.2.130");
    }

    #[test]
    fn unknown_crate_is_an_error() {
        assert!(locked_version("no-such-crate-here").is_err());
    }

    #[test]
    fn fingerprint_changes_with_content() {
        assert_eq!(fingerprint(b"abc"), fingerprint(b"abc"));
        assert_ne!(fingerprint(b"abc"), fingerprint(b"abd"));
        assert_eq!(fingerprint(b""), "cbf29ce484222325");
    }
}
