//! Running child processes: echo the command, fail with its name when it fails.

use std::process::{Command, Stdio};

use crate::Result;

/// Run to completion with inherited output; an unsuccessful exit is an error.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd.status().map_err(|e| format!("could not start {}: {e}", describe(cmd)))?;
    if !status.success() {
        return Err(format!("{} failed ({status})", describe(cmd)).into());
    }
    Ok(())
}

/// Run to completion with stderr passed through and return stdout; an unsuccessful exit is an
/// error naming the command and what it printed on stdout (wrangler puts its JSON errors there).
pub fn stdout(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start {}: {e}", describe(cmd)))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{} failed ({}): {}", describe(cmd), out.status, text.trim()).into());
    }
    Ok(text)
}

/// Run quietly and return stdout, or `None` when the program is missing or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
