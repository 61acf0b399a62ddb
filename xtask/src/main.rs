//! `cargo xtask <command>`: the project's automation, so a fresh machine needs two commands.
//!
//! - `dev [--port N]`: install what is missing, build, migrate, serve on 127.0.0.1.
//! - `test`: every suite (native unit tests, API integration, browser), one summary line.
//! - `bench`: performance figures (token API, refresh storm, lists, weights, sign-in).
//! - `build [--worker-only|--spa-only]`: release builds of the worker and the SPA.
//! - `install`: only install the pinned tools.

mod bench;
mod build;
mod csp;
mod dev;
mod dev_vars;
mod paths;
mod process;
mod test;
mod tools;
mod wrangler;

use std::process::ExitCode;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: cargo xtask <dev [--port N] | test | bench | build [--worker-only|--spa-only] | install>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev::run(rest),
        Some("test") => test::run(rest),
        Some("build") => build::run(rest),
        Some("bench") => bench::run(rest),
        Some("install") => tools::ensure_build_tools(),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}
