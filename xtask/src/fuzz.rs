//! `cargo xtask fuzz`: the Schemathesis suite of `cargo xtask test`
//! (`tests/fuzz/schemathesis.test.mjs`) with the long budget: many more cases per operation, and
//! a failure unless it sent at least 10,000 requests. The counts by outcome are in
//! `target/fuzz-report.json`; the README reports the last run.

use crate::{Result, build, paths, test, tools};

/// Cases per operation and phase; seconds per caller for single requests and for chains along the
/// document's links (the stateful pass); the least requests the run must send.
const EXAMPLES: &str = "150";
const MAX_TIME: &str = "900";
const STATEFUL_TIME: &str = "300";
const MIN_REQUESTS: &str = "10000";

pub fn run(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        return Err("usage: cargo xtask fuzz".into());
    }
    tools::ensure_build_tools()?;
    tools::ensure_schemathesis()?;
    build::all()?;
    let suite = paths::root().join("tests/fuzz/schemathesis.test.mjs");
    // The budget can be changed from the environment (e.g. a shorter run on a slow machine); the
    // minimum of requests stays.
    let budget = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    let env = [
        ("FUZZ_EXAMPLES", budget("FUZZ_EXAMPLES", EXAMPLES)),
        ("FUZZ_MAX_TIME", budget("FUZZ_MAX_TIME", MAX_TIME)),
        ("FUZZ_STATEFUL_TIME", budget("FUZZ_STATEFUL_TIME", STATEFUL_TIME)),
        ("FUZZ_MIN_REQUESTS", MIN_REQUESTS.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let tally = test::run_node_tests(&[suite], &env)?;
    println!();
    println!("{}", std::fs::read_to_string(paths::target_dir().join("fuzz-report.json")).unwrap_or_default());
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 || tally.passed == 0 {
        return Err("the fuzz run failed".into());
    }
    Ok(())
}
