//! Release builds of the SPA (trunk) and the worker (worker-build), skipped when their inputs are
//! unchanged since the last successful build, so tests and dev restarts don't rebuild wasm.

use std::path::Path;
use std::process::Command;
use std::time::UNIX_EPOCH;

use crate::{Result, csp, paths, process, tools, wrangler};

/// Set by xtask for the wrangler processes it starts: wrangler runs the `[build]` command of
/// wrangler.toml at start, and xtask has built already.
pub const PREBUILT_ENV: &str = "XTASK_PREBUILT";

pub fn run(args: &[String]) -> Result<()> {
    if std::env::var(PREBUILT_ENV).is_ok_and(|v| v == "1") {
        return Ok(());
    }
    tools::ensure_build_tools()?;
    match args.first().map(String::as_str) {
        Some("--worker-only") => worker(),
        Some("--spa-only") => spa(),
        None => all(),
        Some(other) => Err(format!("unknown build option {other}").into()),
    }
}

pub fn all() -> Result<()> {
    spa()?;
    worker()
}

// `.cargo/config.toml` carries the wasm32 rustflags both builds are compiled with.
const SPA_INPUTS: &[&str] =
    &["app", "domain", "style", "public", "Cargo.lock", "Cargo.toml", "Trunk.toml", ".cargo/config.toml"];
const WORKER_INPUTS: &[&str] =
    &["edge/src", "edge/Cargo.toml", "domain", "Cargo.lock", "Cargo.toml", ".cargo/config.toml"];

pub fn spa() -> Result<()> {
    let root = paths::root();
    if_changed("spa", SPA_INPUTS, &root.join("dist/index.html"), || {
        process::run(
            Command::new(paths::cargo_bin_dir().join("trunk"))
                .args(["build", "--release", "--offline"])
                .env("PATH", paths::tool_path())
                .current_dir(&root),
        )?;
        csp::write_headers()
    })
}

pub fn worker() -> Result<()> {
    let root = paths::root();
    if_changed("worker", WORKER_INPUTS, &root.join("edge/build/index.js"), || {
        let mut cmd = Command::new(paths::cargo_bin_dir().join("worker-build"));
        cmd.arg("--release").current_dir(root.join("edge"));
        wrangler::offline_env(&mut cmd);
        // worker-build downloads these unless told where they are.
        cmd.env("WASM_BINDGEN_BIN", paths::cargo_bin_dir().join("wasm-bindgen"))
            .env("ESBUILD_BIN", paths::node_bin("esbuild"))
            .env("WASM_OPT_BIN", paths::node_bin("wasm-opt"));
        process::run(&mut cmd)
    })
}

/// Run `build` unless the inputs' fingerprint equals the one stored after the last success and
/// the output still exists.
fn if_changed(name: &str, inputs: &[&str], output: &Path, build: impl FnOnce() -> Result<()>) -> Result<()> {
    let stamp = paths::target_dir().join("xtask").join(format!("{name}.stamp"));
    let current = inputs_fingerprint(inputs)?;
    if output.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == current) {
        eprintln!("xtask: {name} is up to date");
        return Ok(());
    }
    build()?;
    std::fs::create_dir_all(stamp.parent().unwrap_or(Path::new(".")))?;
    std::fs::write(&stamp, current)?;
    Ok(())
}

/// Paths, sizes and modification times of every file under the inputs.
fn inputs_fingerprint(inputs: &[&str]) -> Result<String> {
    let root = paths::root();
    let mut listing = String::new();
    for input in inputs {
        collect(&root.join(input), &mut listing)?;
    }
    Ok(tools::fingerprint(listing.as_bytes()))
}

fn collect(path: &Path, listing: &mut String) -> Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            collect(&entry.path(), listing)?;
        }
        return Ok(());
    }
    let modified = meta.modified()?.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    listing.push_str(&format!("{}:{}:{}\n", path.display(), meta.len(), modified));
    Ok(())
}
