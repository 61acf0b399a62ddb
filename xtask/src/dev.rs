//! `cargo xtask dev`: install, build, migrate and serve the whole product on 127.0.0.1.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::{Result, build, dev_vars, paths, tools, wrangler};

const DEFAULT_PORT: u16 = 8787;

pub fn run(args: &[String]) -> Result<()> {
    let port = parse_port(args)?;
    tools::ensure_build_tools()?;
    build::all()?;
    dev_vars::ensure()?;
    // The same folder every time, so local data survives restarts.
    let persist_to = paths::root().join(".wrangler/state");
    wrangler::apply_migrations(&persist_to)?;

    let mut child = wrangler::spawn_dev(port, &persist_to)?;
    let pid = child.id();
    // Ctrl-C (and SIGTERM) reach xtask only: wrangler runs in its own group, which is ended here
    // as a whole so workerd does not outlive it.
    ctrlc::set_handler(move || wrangler::kill_group(pid))?;

    let url = format!("http://127.0.0.1:{port}/");
    match wait_until_healthy(port, Duration::from_secs(60)) {
        Ok(()) => eprintln!("\n  The product is running: {url}\n  Stop it with Ctrl-C.\n"),
        Err(error) => {
            wrangler::kill_group(pid);
            return Err(error);
        }
    }
    let status = child.wait()?;
    wrangler::kill_group(pid);
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(format!("wrangler dev exited with {status}").into())
    }
}

fn parse_port(args: &[String]) -> Result<u16> {
    match args {
        [] => Ok(DEFAULT_PORT),
        [flag, value] if flag == "--port" => {
            Ok(value.parse().map_err(|_| format!("--port takes a number, not {value}"))?)
        }
        _ => Err("usage: cargo xtask dev [--port N]".into()),
    }
}

/// Poll `GET /api/v1/health` until it answers 200.
pub fn wait_until_healthy(port: u16, limit: Duration) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if health_status(port).is_some_and(|s| s == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("the worker did not answer on port {port} within {limit:?}").into())
}

/// One plain HTTP/1.1 request; enough for a readiness probe without an HTTP client crate.
fn health_status(port: u16) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    let mut head = [0u8; 32];
    let read = stream.read(&mut head).ok()?;
    let line = std::str::from_utf8(&head[..read]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn port_defaults_and_can_be_chosen() {
        assert_eq!(parse_port(&[]).unwrap(), 8787);
        assert_eq!(parse_port(&args(&["--port", "9000"])).unwrap(), 9000);
        assert!(parse_port(&args(&["--port", "x"])).is_err());
        assert!(parse_port(&args(&["--bogus"])).is_err());
    }

    #[test]
    fn a_closed_port_is_not_healthy() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(wait_until_healthy(port, Duration::from_millis(300)).is_err());
    }
}
