//! `cargo xtask test`: every suite, in order, with one closing line `N passed, N failed`.
//!
//! 1. native unit tests (`cargo test` on the crates that build for the host, the worker's
//!    library included: its pure parts run natively);
//! 2. the gates: `cargo fmt --check`, and clippy with `-D warnings` natively and for wasm32 (the
//!    workspace lints deny unwrap/expect/panic/todo/dbg outside tests), and the dependency
//!    policy (`deny.toml`); each counts as one check; advisories count as skipped when no
//!    advisory database is reachable (`deny.rs`);
//! 3. the release build, once, and `deploy --dry-run` (the production bundle, offline) as one
//!    check;
//! 4. node's test runner over `tests/**/*.test.mjs`: API integration against wrangler dev with a
//!    real oidc-provider, and browser tests in Debian's Chromium.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Result, build, deny, deploy, paths, process, tools, wrangler};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

pub fn run(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        return Err("usage: cargo xtask test".into());
    }
    tools::ensure_build_tools()?;
    tools::ensure_test_tools()?;
    tools::ensure_schemathesis()?;
    tools::ensure_deny()?;

    let mut total = Tally::default();
    let mut broken = Vec::new();

    match native_tests() {
        Ok(t) => total += t,
        Err(e) => broken.push(format!("native tests: {e}")),
    }
    for gate in GATES {
        match run_gate(gate) {
            Ok(()) => total.passed += 1,
            Err(e) => {
                total.failed += 1;
                broken.push(format!("{}: {e}", gate.name));
            }
        }
    }
    match deny::policy() {
        Ok(()) => total.passed += 1,
        Err(e) => {
            total.failed += 1;
            broken.push(format!("dependency policy: {e}"));
        }
    }
    match deny::advisories() {
        Ok(deny::Advisories::Checked) => total.passed += 1,
        Ok(deny::Advisories::NoDatabase(path)) => {
            total.skipped += 1;
            eprintln!(
                "xtask: advisories skipped: no advisory database at {} (cargo xtask deny --fetch)",
                path.display()
            );
        }
        Err(e) => {
            total.failed += 1;
            broken.push(format!("advisories: {e}"));
        }
    }
    // The production bundle, offline (its build is the release build the suites use).
    match deploy::dry_run() {
        Ok(()) => total.passed += 1,
        Err(e) => {
            total.failed += 1;
            broken.push(format!("deploy --dry-run: {e}"));
        }
    }
    match build::all().and_then(|()| node_tests()) {
        Ok(t) => total += t,
        Err(e) => broken.push(format!("integration and browser tests: {e}")),
    }

    for problem in &broken {
        eprintln!("xtask: {problem}");
    }
    println!();
    if total.skipped > 0 {
        println!("{} passed, {} failed, {} skipped", total.passed, total.failed, total.skipped);
    } else {
        println!("{} passed, {} failed", total.passed, total.failed);
    }
    if total.failed > 0 || !broken.is_empty() {
        return Err("some tests failed".into());
    }
    if total.passed == 0 {
        return Err("no test ran".into());
    }
    Ok(())
}

/// A check the code must pass besides its tests.
struct Gate {
    name: &'static str,
    args: &'static [&'static str],
}

const GATES: &[Gate] = &[
    Gate { name: "format", args: &["fmt", "--all", "--check"] },
    Gate { name: "clippy (native)", args: &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"] },
    Gate {
        name: "clippy (wasm32)",
        args: &[
            "clippy",
            "--package",
            "edge",
            "--package",
            "app",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    },
];

fn run_gate(gate: &Gate) -> Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.args(gate.args).current_dir(paths::root());
    eprintln!("$ {}", process::describe(&cmd));
    let status = cmd.status()?;
    if status.success() { Ok(()) } else { Err(format!("failed ({status})").into()) }
}

/// `cargo test` for the host-buildable crates (the worker's library included: envelope, key
/// ring, failure classification run natively); the counts come from its `test result:` lines.
fn native_tests() -> Result<Tally> {
    let mut cmd = Command::new("cargo");
    cmd.args(["test", "--package", "domain", "--package", "xtask", "--package", "edge", "--tests"])
        .current_dir(paths::root());
    eprintln!("$ {}", process::describe(&cmd));
    let mut child = cmd.stdout(Stdio::piped()).spawn()?;
    let mut tally = Tally::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            if let Some(t) = parse_cargo_result(&line) {
                tally += t;
            }
        }
    }
    let status = child.wait()?;
    if !status.success() && tally.failed == 0 {
        return Err(format!("cargo test failed ({status})").into());
    }
    Ok(tally)
}

/// `test result: ok. 8 passed; 0 failed; 1 ignored; ...`
fn parse_cargo_result(line: &str) -> Option<Tally> {
    let rest = line.strip_prefix("test result: ")?;
    let mut tally = Tally::default();
    for part in rest.split(';') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let [.., count, label] = words.as_slice() else { continue };
        let Ok(count) = count.parse::<u64>() else { continue };
        match *label {
            "passed" => tally.passed = count,
            "failed" => tally.failed = count,
            "ignored" => tally.skipped = count,
            _ => {}
        }
    }
    Some(tally)
}

/// node's test runner over every `*.test.mjs` under tests/, one file at a time (each starts its
/// own wrangler dev and IdP; two cores). Human output on stdout, TAP to a file for the counts.
fn node_tests() -> Result<Tally> {
    let root = paths::root();
    let mut files = Vec::new();
    find_tests(&root.join("tests"), &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err("no *.test.mjs files under tests/".into());
    }
    run_node_tests(&files, &[])
}

/// node's test runner over `files`, with `env` added (`cargo xtask fuzz` raises the budget).
pub fn run_node_tests(files: &[PathBuf], env: &[(&str, &str)]) -> Result<Tally> {
    let root = paths::root();
    let tap = paths::target_dir().join("node-tests.tap");
    std::fs::create_dir_all(paths::target_dir())?;
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-concurrency=1", "--test-reporter=spec", "--test-reporter-destination=stdout"])
        .args(["--test-reporter=tap", "--test-reporter-destination"])
        .arg(&tap)
        .args(files)
        .envs(env.iter().copied())
        .env("CHROMIUM_PATH", tools::chromium())
        .current_dir(&root);
    wrangler::offline_env(&mut cmd);
    cmd.env(build::PREBUILT_ENV, "1");
    eprintln!("$ node --test ({} files)", files.len());
    let status = cmd.status()?;
    let tally = parse_tap_summary(&std::fs::read_to_string(&tap)?);
    if !status.success() && tally.failed == 0 {
        return Err(format!("node --test failed ({status}) without a failing test: see the output above").into());
    }
    Ok(tally)
}

fn find_tests(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "node_modules") {
                find_tests(&path, out)?;
            }
        } else if path.to_string_lossy().ends_with(".test.mjs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The closing `# pass N` / `# fail N` / `# skipped N` / `# cancelled N` lines of node's TAP.
fn parse_tap_summary(tap: &str) -> Tally {
    let mut tally = Tally::default();
    for line in tap.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("#") {
            continue;
        }
        let (Some(label), Some(count)) = (words.next(), words.next().and_then(|c| c.parse::<u64>().ok())) else {
            continue;
        };
        match label {
            "pass" => tally.passed = count,
            // A cancelled test (a hook or the file itself failed) is a failure too.
            "fail" | "cancelled" => tally.failed += count,
            "skipped" | "todo" => tally.skipped += count,
            _ => {}
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_result_lines_are_counted() {
        let t = parse_cargo_result(
            "test result: ok. 8 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        )
        .unwrap();
        assert_eq!(t, Tally { passed: 8, failed: 0, skipped: 1 });
        let t = parse_cargo_result("test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out")
            .unwrap();
        assert_eq!(t, Tally { passed: 3, failed: 2, skipped: 0 });
        assert_eq!(parse_cargo_result("running 8 tests"), None);
    }

    #[test]
    fn tap_summary_counts_failures_and_cancellations() {
        let tap = "TAP version 13\nok 1 - a\n# tests 7\n# suites 0\n# pass 4\n# fail 1\n# cancelled 1\n# skipped 1\n# todo 0\n# duration_ms 12.5\n";
        assert_eq!(parse_tap_summary(tap), Tally { passed: 4, failed: 2, skipped: 1 });
        assert_eq!(parse_tap_summary(""), Tally::default());
    }
}
