//! Where things are: the repository root and the folders tools write to.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// An executable installed by `npm ci`.
pub fn node_bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}

/// Cargo's home: `$CARGO_HOME`, else `~/.cargo`.
pub fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => home_dir().join(".cargo"),
    }
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin_dir() -> PathBuf {
    cargo_home().join("bin")
}

pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"))
}

/// Scratch space under the ignored `target/` folder.
pub fn target_dir() -> PathBuf {
    root().join("target")
}

/// `PATH` with the project's tools first: npm binaries (wasm-opt 132, esbuild, wrangler) and
/// cargo-installed ones (trunk, wasm-bindgen, worker-build).
pub fn tool_path() -> std::ffi::OsString {
    let mut dirs = vec![root().join("node_modules/.bin"), cargo_bin_dir()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}
