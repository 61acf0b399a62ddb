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
    let bootstrap_token = dev_vars::ensure()?;
    // The same folder every time, so local data survives restarts.
    let persist_to = paths::root().join(".wrangler/state");
    wrangler::apply_migrations(&persist_to)?;

    let mut child = wrangler::spawn_dev(port, &persist_to)?;
    let pid = child.id();
    // Ctrl-C (and SIGTERM) reach xtask only: wrangler runs in its own group, which is ended here
    // as a whole so workerd does not outlive it.
    ctrlc::set_handler(move || wrangler::kill_group(pid))?;
    // A supervisor (`timeout`, systemd, `docker stop`) signals the process it started: cargo,
    // which dies without telling its child. Ask Linux to send us SIGTERM when cargo goes, so the
    // handler above still ends wrangler and workerd.
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(PR_SET_PDEATHSIG) only records a signal number for this process.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) };
        // SAFETY: getppid(2) has no preconditions.
        if unsafe { libc::getppid() } == 1 {
            wrangler::kill_group(pid);
            return Err("the parent process is gone".into());
        }
    }

    let url = format!("http://127.0.0.1:{port}/");
    let ready = wait_until_healthy(port, Duration::from_secs(60)).and_then(|()| first_admin(port, &bootstrap_token));
    match ready {
        Ok(admin) => eprintln!("\n  The product is running: {url}\n{admin}\n  Stop it with Ctrl-C.\n"),
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

/// Create the first admin through `POST /api/v1/bootstrap`, from `ADMIN_EMAIL`/`ADMIN_PASSWORD`
/// when set, otherwise with a generated password printed this once. Says what happened.
fn first_admin(port: u16, token: &str) -> Result<String> {
    let email = std::env::var("ADMIN_EMAIL").unwrap_or_else(|_| "admin@example.com".into());
    let generated = std::env::var("ADMIN_PASSWORD").is_err();
    let password = match std::env::var("ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => dev_vars::domain_hex(&dev_vars::random_bytes::<12>()?),
    };
    let body = format!("{{\"email\":{},\"password\":{}}}", json_string(&email), json_string(&password));
    let (status, response) =
        http_request(port, "POST", "/api/v1/bootstrap", &[("x-bootstrap-token", token)], Some(&body))?;
    match status {
        201 if generated => Ok(format!(
            "  First admin created. Sign in with:\n    email:    {email}\n    password: {password}\n  (shown once; set ADMIN_EMAIL and ADMIN_PASSWORD to choose them)\n"
        )),
        201 => Ok(format!("  First admin created: {email} with the password from ADMIN_PASSWORD.\n")),
        409 => Ok("  Sign in with the admin account created on an earlier run.\n".into()),
        _ => Err(format!("creating the first admin failed: HTTP {status}: {response}").into()),
    }
}

fn json_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

fn health_status(port: u16) -> Option<u16> {
    http_request(port, "GET", "/api/v1/health", &[], None).ok().map(|(status, _)| status)
}

/// One plain HTTP/1.1 request to the local worker; enough for xtask without an HTTP client crate.
fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or_default());
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status line")?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
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
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }

    #[test]
    fn a_closed_port_is_not_healthy() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(wait_until_healthy(port, Duration::from_millis(300)).is_err());
    }
}
