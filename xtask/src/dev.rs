//! `cargo xtask dev`: install, build, migrate, write the first admin, then serve the whole
//! product on 127.0.0.1, in the foreground or detached (`--detach`, ended by `cargo xtask stop`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::{Result, admin, build, detach, dev_vars, parent, state, tools, wrangler};

const DEFAULT_PORT: u16 = 8787;
const USAGE: &str = "usage: cargo xtask dev [--port N] [--state DIR] [--detach]";

/// Set for the server process `--detach` starts: everything before serving was done by the
/// launcher, and the server must outlive it.
pub const DETACHED_ENV: &str = "XTASK_DETACHED";

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub port: u16,
    pub state: Option<PathBuf>,
    pub detach: bool,
}

pub fn run(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    let persist_to = state::dir(options.state.as_deref())?;
    if std::env::var(DETACHED_ENV).is_ok_and(|v| v == "1") {
        return serve(options.port, &persist_to, None, true);
    }
    if options.detach {
        detach::refuse_if_running(&persist_to)?;
    }
    tools::ensure_build_tools()?;
    build::all()?;
    dev_vars::ensure()?;
    wrangler::apply_migrations(&persist_to)?;
    // Before wrangler serves: once health answers, the admin signs in.
    let admin = admin::ensure_first(&persist_to)?;
    if options.detach {
        return detach::start(options.port, &persist_to, &admin);
    }
    serve(options.port, &persist_to, Some(&admin), false)
}

/// Run `wrangler dev` until it ends or is stopped (Ctrl-C, SIGTERM, the parent exiting unless
/// `detached`), leaving no wrangler or workerd behind.
fn serve(port: u16, persist_to: &Path, admin: Option<&str>, detached: bool) -> Result<()> {
    let mut child = wrangler::spawn_dev(port, persist_to)?;
    let group = child.id();
    parent::stop_group_with_us(group, detached)?;
    if detached {
        detach::record(persist_to, group)?;
    }
    if let Err(error) = wait_until_serving(port, &mut child, Duration::from_secs(120)) {
        wrangler::kill_group(group);
        return Err(if parent::gone() { parent::GONE.into() } else { error });
    }
    let url = format!("http://127.0.0.1:{port}/");
    let stop = if detached { "cargo xtask stop" } else { "Ctrl-C" };
    eprintln!("\n  The product is running: {url}\n{}\n  Stop it with {stop}.\n", admin.unwrap_or_default());
    let status = child.wait()?;
    wrangler::kill_group(group);
    if parent::gone() {
        return Err(parent::GONE.into());
    }
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(format!("wrangler dev exited with {status}").into())
    }
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options { port: DEFAULT_PORT, state: None, detach: false };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--detach" => options.detach = true,
            "--port" => {
                let value = rest.next().ok_or(USAGE)?;
                options.port = value.parse().map_err(|_| format!("--port takes a number, not {value}"))?;
            }
            "--state" => options.state = Some(PathBuf::from(rest.next().ok_or(USAGE)?)),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(options)
}

/// Poll health until it answers 200; fail early when wrangler ends first.
pub fn wait_until_serving(port: u16, child: &mut Child, limit: Duration) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait()? {
            return Err(format!("wrangler dev ended ({status}) before it served").into());
        }
        if health_status(port).is_some_and(|s| s == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the worker did not answer on port {port} within {limit:?}").into())
}

fn health_status(port: u16) -> Option<u16> {
    get_status(port, "/api/v1/health").ok()
}

/// The status of one plain HTTP/1.1 GET to the local worker; enough without an HTTP client crate.
fn get_status(port: u16, path: &str) -> Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status line")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_default_and_can_be_chosen() {
        assert_eq!(parse(&[]).unwrap(), Options { port: 8787, state: None, detach: false });
        let chosen = parse(&args(&["--port", "9000", "--state", "/tmp/s", "--detach"])).unwrap();
        assert_eq!(chosen, Options { port: 9000, state: Some(PathBuf::from("/tmp/s")), detach: true });
        assert!(parse(&args(&["--port", "x"])).is_err());
        assert!(parse(&args(&["--port"])).is_err());
        assert!(parse(&args(&["--bogus"])).is_err());
    }

    #[test]
    fn a_closed_port_is_not_healthy() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        assert!(wait_until_serving(port, &mut child, Duration::from_millis(300)).is_err());
        child.kill().unwrap();
        child.wait().unwrap();
        // A server that ends is noticed at once, not after the limit.
        let mut ended = std::process::Command::new("true").spawn().unwrap();
        let started = Instant::now();
        assert!(wait_until_serving(port, &mut ended, Duration::from_secs(30)).is_err());
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
