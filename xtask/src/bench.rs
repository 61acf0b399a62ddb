//! `cargo xtask bench`: release build once, then `tests/bench/bench.mjs` measures against
//! wrangler dev with fresh state and prints figures (README, Performance, has the targets). Nothing
//! here passes or fails on a number.

use std::process::Command;

use crate::{Result, build, paths, process, tools, wrangler};

pub fn run(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        return Err("usage: cargo xtask bench (BENCH_SECONDS=N sets each wrk run's length)".into());
    }
    tools::ensure_build_tools()?;
    tools::ensure_bench_tools()?;
    build::all()?;
    let mut cmd = Command::new("node");
    cmd.arg("tests/bench/bench.mjs").current_dir(paths::root());
    wrangler::offline_env(&mut cmd);
    cmd.env(build::PREBUILT_ENV, "1");
    process::run(&mut cmd)
}
