//! `cargo xtask bench [--only SECTIONS]`: release build once, then `tests/bench/bench.mjs`
//! measures against wrangler dev with fresh state and prints figures (README, Performance, has the
//! targets). `--only proxy` (or `token,proxy`…) runs some sections, as `BENCH_ONLY` does. Nothing
//! here passes or fails on a number.

use std::process::Command;

use crate::{Result, build, paths, process, tools, wrangler};

const USAGE: &str = "usage: cargo xtask bench [--only token,proxy,storm,growth,list,weights,coldstart,signin] \
                     (BENCH_SECONDS=N sets each wrk run's length)";

pub fn run(args: &[String]) -> Result<()> {
    let only = sections(args)?;
    tools::ensure_build_tools()?;
    tools::ensure_bench_tools()?;
    build::all()?;
    let mut cmd = Command::new("node");
    cmd.arg("tests/bench/bench.mjs").current_dir(paths::root());
    wrangler::offline_env(&mut cmd);
    cmd.env(build::PREBUILT_ENV, "1");
    if let Some(only) = only {
        cmd.env("BENCH_ONLY", only);
    }
    process::run(&mut cmd)
}

/// The sections asked for with `--only A,B` (`None`: all of them).
fn sections(args: &[String]) -> Result<Option<String>> {
    match args {
        [] => Ok(None),
        [flag, list] if flag == "--only" && !list.trim().is_empty() && !list.starts_with('-') => Ok(Some(list.clone())),
        _ => Err(USAGE.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::sections;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_selects_sections_and_anything_else_is_refused() {
        assert_eq!(sections(&args(&[])).ok(), Some(None));
        assert_eq!(sections(&args(&["--only", "proxy"])).ok(), Some(Some("proxy".to_string())));
        assert_eq!(sections(&args(&["--only", "token,proxy"])).ok(), Some(Some("token,proxy".to_string())));
        assert!(sections(&args(&["--only"])).is_err());
        assert!(sections(&args(&["--only", "--x"])).is_err());
        assert!(sections(&args(&["proxy"])).is_err());
    }
}
