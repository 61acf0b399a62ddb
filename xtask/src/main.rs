//! `cargo xtask <command>`: the project's automation, so a fresh machine needs two commands.
//!
//! - `dev [--port N] [--state DIR] [--detach]`: install what is missing, build, migrate, write
//!   the first admin, serve on 127.0.0.1 (detached: in the background until `stop`).
//! - `stop [--state DIR]`: end a detached server.
//! - `admin --email E --password P [--state DIR]`: create or reset an admin in local state.
//! - `test`: every suite (native unit tests, API integration, browser), one summary line.
//! - `bench`: performance figures (token API, refresh storm, lists, weights, sign-in).
//! - `build [--worker-only|--spa-only]`: release builds of the worker and the SPA.
//! - `deny [--fetch]`: the dependency policy (`deny.toml`); `--fetch` refreshes the advisory
//!   database where GitHub is reachable.
//! - `deploy [--dry-run] [--domain HOST]`: deploy `[env.production]` to Cloudflare (README).
//! - `rotate-key [--state DIR] [--limit N]`: a new encryption key for local data, every sealed
//!   value re-encrypted under it, the old key removed.
//! - `backup [--out FILE] [--state DIR] [--remote [--env NAME]]` / `restore --file FILE …`: the D1
//!   database as one SQL file and back into an empty database.
//! - `fuzz`: the Schemathesis suite with the long budget (at least 10,000 requests).
//! - `openapi [--check]`: write (or check) `edge/openapi.json`, the API's OpenAPI document.
//! - `install`: only install the pinned tools.

mod admin;
mod backup;
mod bench;
mod build;
mod csp;
mod deny;
mod deploy;
mod detach;
mod dev;
mod dev_vars;
mod fuzz;
mod http;
mod openapi;
mod parent;
mod paths;
mod process;
mod rotate_key;
mod state;
mod test;
mod tools;
mod wrangler;

use std::process::ExitCode;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: cargo xtask <dev [--port N] [--state DIR] [--detach] | stop [--state DIR] | admin --email E --password P [--state DIR] | test | bench [--only SECTIONS] | build [--worker-only|--spa-only] | deploy [--dry-run] [--domain HOST] | deny [--fetch] | rotate-key [--state DIR] [--limit N] | backup [--out FILE] [--state DIR] [--remote [--env NAME]] | restore --file FILE [--state DIR] [--remote [--env NAME]] | openapi [--check] | fuzz | install>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev::run(rest),
        Some("stop") => detach::stop(rest),
        Some("admin") => admin::run(rest),
        Some("test") => test::run(rest),
        Some("build") => build::run(rest),
        Some("deploy") => deploy::run(rest),
        Some("bench") => bench::run(rest),
        Some("deny") => deny::run(rest),
        Some("rotate-key") => rotate_key::run(rest),
        Some("backup") => backup::backup(rest),
        Some("restore") => backup::restore(rest),
        Some("openapi") => openapi::run(rest),
        Some("fuzz") => fuzz::run(rest),
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
