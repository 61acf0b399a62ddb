//! `cargo xtask deploy [--dry-run] [--domain HOST]`: the first deployment and every later one,
//! one command, each step named with its elapsed time. Running it again changes only what is
//! missing: the D1 database is found by name, secrets that exist are never replaced (a new
//! `ENCRYPTION_KEYS` would make every sealed value unreadable, a new `MAC_KEY` every bot key
//! invalid), migrations apply only what is new, and the first admin is created only while there
//! is no user.
//!
//! What it deploys is `[env.production]` of `wrangler.toml`, copied to the ignored
//! `wrangler.production.toml` with the database's real id (and, with `--domain`, the custom
//! domain route and `PUBLIC_URL`). `--dry-run` needs no Cloudflare account: it builds, bundles the
//! production configuration with `wrangler deploy --dry-run` offline, and prints the remote steps.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, build, dev_vars, paths, process, tools, wrangler};

const USAGE: &str = "usage: cargo xtask deploy [--dry-run] [--domain HOST]";
const ENV: &str = "production";
/// `database_name` of `[[env.production.d1_databases]]`.
const DATABASE: &str = "edge-oauth-connections";
/// The placeholder `database_id` of `[[env.production.d1_databases]]`.
const PLACEHOLDER_ID: &str = "00000000-0000-4000-8000-0000000000d1";
const GENERATED: &str = "wrangler.production.toml";
/// Secrets generated once and never replaced.
const KEPT_SECRETS: [&str; 2] = ["ENCRYPTION_KEYS", "MAC_KEY"];
const ADMIN_EMAIL_DEFAULT: &str = "admin@example.com";

#[derive(Debug, PartialEq, Eq)]
struct Options {
    dry_run: bool,
    domain: Option<String>,
}

pub fn run(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    let clock = Instant::now();
    step(&clock, "build (release SPA and worker)", || {
        tools::ensure_build_tools()?;
        build::all()
    })?;
    if options.dry_run {
        step(&clock, "bundle [env.production] (wrangler deploy --dry-run, offline)", bundle)?;
        println!("\nThe remote steps `cargo xtask deploy` would run next:");
        for (i, line) in remote_plan(options.domain.as_deref()).iter().enumerate() {
            println!("  {}. {line}", i + 1);
        }
        return Ok(());
    }
    let id = step(&clock, "D1 database: find or create", database_id)?;
    step(&clock, "write wrangler.production.toml", || {
        let template = std::fs::read_to_string(paths::root().join("wrangler.toml"))?;
        std::fs::write(generated(), production_config(&template, &id, options.domain.as_deref())?)?;
        Ok(())
    })?;
    step(&clock, "D1 migrations (remote)", || {
        process::run(remote().args(["d1", "migrations", "apply", "DB", "--remote"]))
    })?;
    let missing = step(&clock, "secrets: which exist", missing_secrets)?;
    let deployed = step(&clock, "wrangler deploy", || deploy(&missing))?;
    let url = match &options.domain {
        Some(domain) => format!("https://{domain}"),
        None => deployed.ok_or("wrangler deploy printed no workers.dev URL; use --domain")?,
    };
    let admin = step(&clock, "first admin", || first_admin(&url))?;
    println!("\nDeployed: {url}\n{admin}");
    println!("Register this callback URL at every provider: {url}/oauth/callback");
    Ok(())
}

/// `cargo xtask test`: the dry run as one counted check (CI runs it).
pub fn dry_run() -> Result<()> {
    run(&["--dry-run".to_string()])
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options { dry_run: false, domain: None };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--dry-run" => options.dry_run = true,
            "--domain" => {
                let host = rest.next().ok_or(USAGE)?;
                if host.is_empty() || host.contains(['/', ':', ' ', '"']) {
                    return Err(format!("--domain takes a host name such as oauth.example.com, not {host:?}").into());
                }
                options.domain = Some(host.to_ascii_lowercase());
            }
            _ => return Err(USAGE.into()),
        }
    }
    Ok(options)
}

/// Run one named step and say how long it took since the command started.
fn step<T>(clock: &Instant, name: &str, action: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("xtask deploy: {name} …");
    let started = Instant::now();
    let result = action();
    let outcome = if result.is_ok() { "done" } else { "FAILED" };
    eprintln!(
        "xtask deploy: {name}: {outcome} in {:.1} s (at {:.1} s)",
        started.elapsed().as_secs_f64(),
        clock.elapsed().as_secs_f64()
    );
    result.map_err(|e| format!("{name}: {e}").into())
}

fn generated() -> PathBuf {
    paths::root().join(GENERATED)
}

/// What the real run does after the build, for `--dry-run` to print.
fn remote_plan(domain: Option<&str>) -> Vec<String> {
    let url = domain.map_or("<the workers.dev URL wrangler prints>".to_string(), |d| format!("https://{d}"));
    vec![
        format!("wrangler d1 list --json; wrangler d1 create {DATABASE} unless it is listed"),
        format!(
            "write {GENERATED}: [env.production] with the database id{}",
            if domain.is_some() { ", the custom domain route and PUBLIC_URL" } else { "" }
        ),
        format!("wrangler d1 migrations apply DB --remote --config {GENERATED} --env {ENV}"),
        format!(
            "wrangler secret list --config {GENERATED} --env {ENV}: generate only the missing ones of {}",
            KEPT_SECRETS.join(", ")
        ),
        format!(
            "wrangler deploy --config {GENERATED} --env {ENV} [--secrets-file <new secrets, a 0600 file deleted after>]"
        ),
        format!(
            "wrangler d1 execute DB --remote: count users; when none, wrangler secret put BOOTSTRAP_TOKEN, POST {url}/api/v1/bootstrap, print the admin's password once, wrangler secret delete BOOTSTRAP_TOKEN"
        ),
    ]
}

/// `wrangler deploy --dry-run` of `[env.production]`, offline: the bundle lands in
/// `target/deploy-dry-run`.
fn bundle() -> Result<()> {
    let outdir = paths::target_dir().join("deploy-dry-run");
    let mut cmd = Command::new(paths::node_bin("wrangler"));
    wrangler::offline_env(&mut cmd);
    cmd.env(build::PREBUILT_ENV, "1")
        .current_dir(paths::root())
        .args(["deploy", "--dry-run", "--env", ENV, "--outdir"])
        .arg(&outdir);
    process::run(&mut cmd)?;
    let bundle = outdir.join("entry.js");
    if !bundle.exists() && !outdir.join("index.js").exists() {
        return Err(format!("no bundle in {}", outdir.display()).into());
    }
    Ok(())
}

/// wrangler against the account: the login (`wrangler login`, kept in the home directory) or
/// `CLOUDFLARE_API_TOKEN` from the environment, no prompts (`CI=true`), no metrics; always the
/// generated production configuration.
fn remote() -> Command {
    let mut cmd = Command::new(paths::node_bin("wrangler"));
    cmd.env("CI", "true")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("PATH", paths::tool_path())
        .env(build::PREBUILT_ENV, "1")
        .current_dir(paths::root());
    cmd.arg("--config").arg(generated()).args(["--env", ENV]);
    cmd
}

/// stdout of a wrangler call that must succeed; its stderr is passed through.
fn remote_output(cmd: &mut Command) -> Result<String> {
    eprintln!("$ {}", process::describe(cmd));
    process::stdout(cmd)
}

/// The id of the production database, created when the account has none of that name. (Before
/// the generated config exists, so these calls take no `--config`.)
fn database_id() -> Result<String> {
    let list = || {
        let mut cmd = Command::new(paths::node_bin("wrangler"));
        cmd.env("CI", "true").env("WRANGLER_SEND_METRICS", "false").current_dir(paths::root());
        cmd.args(["d1", "list", "--json"]);
        remote_output(&mut cmd)
    };
    if let Some(id) = id_in_list(&list()?, DATABASE) {
        return Ok(id);
    }
    let mut create = Command::new(paths::node_bin("wrangler"));
    create.env("CI", "true").env("WRANGLER_SEND_METRICS", "false").current_dir(paths::root());
    process::run(create.args(["d1", "create", DATABASE]))?;
    id_in_list(&list()?, DATABASE).ok_or_else(|| format!("{DATABASE} was created but is not listed").into())
}

/// `wrangler d1 list --json`: `[{"uuid": "…", "name": "…", …}, …]`.
fn id_in_list(json: &str, name: &str) -> Option<String> {
    let list: serde_json::Value = serde_json::from_str(json).ok()?;
    list.as_array()?
        .iter()
        .find(|db| db.get("name").and_then(|n| n.as_str()) == Some(name))
        .and_then(|db| db.get("uuid")?.as_str().map(str::to_string))
}

/// `wrangler.toml` with the production database id, and with a domain its route and
/// `PUBLIC_URL`. Fails when the template no longer has what it replaces.
fn production_config(template: &str, database_id: &str, domain: Option<&str>) -> Result<String> {
    let placeholder = format!("database_id = \"{PLACEHOLDER_ID}\"");
    if template.matches(&placeholder).count() != 1 {
        return Err(format!("wrangler.toml must hold `{placeholder}` once, in [env.production]").into());
    }
    let mut text = format!(
        "# Generated by `cargo xtask deploy` from wrangler.toml; not committed. Deploy with\n\
         # --config {GENERATED} --env {ENV}.\n{}",
        template.replace(&placeholder, &format!("database_id = \"{database_id}\""))
    );
    if let Some(domain) = domain {
        text = insert_after_line(
            &text,
            "[env.production]",
            &format!("routes = [{{ pattern = \"{domain}\", custom_domain = true }}]"),
        )?;
        text = insert_after_line(&text, "[env.production.vars]", &format!("PUBLIC_URL = \"https://{domain}\""))?;
    }
    Ok(text)
}

fn insert_after_line(text: &str, line: &str, new: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len() + new.len() + 1);
    let mut found = false;
    for l in text.lines() {
        out.push_str(l);
        out.push('\n');
        if l.trim() == line && !found {
            out.push_str(new);
            out.push('\n');
            found = true;
        }
    }
    if found { Ok(out) } else { Err(format!("wrangler.toml has no `{line}`").into()) }
}

/// The kept secrets the deployed worker lacks. A worker that does not exist yet lacks all of
/// them; any other failure to list stops the deployment (guessing "none" could replace a key).
fn missing_secrets() -> Result<Vec<&'static str>> {
    let mut cmd = remote();
    cmd.args(["secret", "list", "--format", "json"]);
    eprintln!("$ {}", process::describe(&cmd));
    let out = cmd.stdin(Stdio::null()).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if worker_missing(&stdout) || worker_missing(&stderr) {
            return Ok(KEPT_SECRETS.to_vec());
        }
        return Err(format!("wrangler secret list failed: {}{}", stdout.trim(), stderr.trim()).into());
    }
    let names = secret_names(&stdout).ok_or("wrangler secret list answered something other than JSON")?;
    Ok(KEPT_SECRETS.into_iter().filter(|s| !names.iter().any(|n| n == s)).collect())
}

/// Cloudflare's "This Worker does not exist on your account. [code: 10007]".
fn worker_missing(text: &str) -> bool {
    text.contains("10007") || text.contains("does not exist on your account")
}

/// `wrangler secret list --format json`: `[{"name": "…", "type": "secret_text"}, …]`.
fn secret_names(json: &str) -> Option<Vec<String>> {
    let list: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
    Some(list.as_array()?.iter().filter_map(|s| s.get("name")?.as_str().map(str::to_string)).collect())
}

/// `wrangler deploy`, with the missing secrets uploaded in the same deployment (wrangler
/// refuses a first deployment without its required secrets). The values exist only in a 0600
/// file under target/ while wrangler reads it. Returns the workers.dev URL it printed.
fn deploy(missing: &[&str]) -> Result<Option<String>> {
    let mut cmd = remote();
    cmd.arg("deploy");
    let secrets_file = if missing.is_empty() {
        None
    } else {
        let mut values = serde_json::Map::new();
        for name in missing {
            let value = match *name {
                "ENCRYPTION_KEYS" => format!("k1:{}", dev_vars::random_key()?),
                _ => dev_vars::random_key()?,
            };
            values.insert((*name).to_string(), value.into());
        }
        let path = paths::target_dir().join(format!("deploy-secrets-{}.json", std::process::id()));
        write_private(&path, serde_json::Value::Object(values).to_string().as_bytes())?;
        eprintln!("xtask deploy: new secrets {} (values never printed)", missing.join(", "));
        cmd.arg("--secrets-file").arg(&path);
        Some(path)
    };
    eprintln!("$ {}", process::describe(&cmd));
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::inherit()).output();
    if let Some(path) = secrets_file {
        let _ = std::fs::remove_file(path);
    }
    let out = out?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    if !out.status.success() {
        return Err(format!("wrangler deploy failed ({})", out.status).into());
    }
    Ok(workers_dev_url(&stdout))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(paths::target_dir())?;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    Ok(())
}

/// The `https://….workers.dev` URL in wrangler deploy's output.
fn workers_dev_url(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .find(|w| w.starts_with("https://") && w.contains(".workers.dev"))
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
}

/// Create the first admin through `POST /api/v1/bootstrap` when the database has no user: a
/// fresh one-time `BOOTSTRAP_TOKEN` is set, used and deleted again. Returns what to tell the
/// operator (the password once).
fn first_admin(url: &str) -> Result<String> {
    let mut count = remote();
    count.args(["d1", "execute", "DB", "--remote", "--json", "--command", "SELECT COUNT(*) AS n FROM users"]);
    let users = user_count(&remote_output(&mut count)?).ok_or("could not read the number of users")?;
    if users > 0 {
        return Ok("An admin exists already: sign in with that account (this run created none).".into());
    }
    let token = domain::api_key::hex(&dev_vars::random_bytes::<24>()?);
    let email = std::env::var("ADMIN_EMAIL").unwrap_or_else(|_| ADMIN_EMAIL_DEFAULT.into());
    let (password, generated) = match std::env::var("ADMIN_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (domain::api_key::hex(&dev_vars::random_bytes::<12>()?), true),
    };
    let mut put = remote();
    put.args(["secret", "put", "BOOTSTRAP_TOKEN"]).stdin(Stdio::piped());
    eprintln!("$ {}", process::describe(&put));
    let mut child = put.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(token.as_bytes())?;
    }
    if !child.wait()?.success() {
        return Err("wrangler secret put BOOTSTRAP_TOKEN failed".into());
    }
    let created = bootstrap(url, &token, &email, &password);
    // The token is one-time: gone whether or not the call worked (a later run sets a new one).
    let deleted = process::run(remote().args(["secret", "delete", "BOOTSTRAP_TOKEN"]));
    created?;
    deleted?;
    Ok(if generated {
        format!(
            "First admin created. Sign in at {url} with:\n  email:    {email}\n  password: {password}\n(shown once; set ADMIN_EMAIL and ADMIN_PASSWORD to choose them)"
        )
    } else {
        format!("First admin created: sign in at {url} as {email} with the password from ADMIN_PASSWORD.")
    })
}

/// `wrangler d1 execute --json`: `[{"results": [{"n": 0}], …}]`.
fn user_count(json: &str) -> Option<u64> {
    let answer: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
    answer.get(0)?.get("results")?.get(0)?.get("n")?.as_u64()
}

/// POST the bootstrap call with node's fetch (xtask has no HTTP client), the secrets passed in
/// the environment rather than on a command line. A new version takes some seconds to reach
/// the edge: retried while the token is not yet known there (404) for up to two minutes.
fn bootstrap(url: &str, token: &str, email: &str, password: &str) -> Result<()> {
    const SCRIPT: &str = r#"
const r = await fetch(`${process.env.URL}/api/v1/bootstrap`, { method: 'POST',
  headers: { 'content-type': 'application/json', 'x-bootstrap-token': process.env.TOKEN },
  body: JSON.stringify({ email: process.env.EMAIL, password: process.env.PASSWORD }) });
console.log(r.status, (await r.text()).slice(0, 300));
"#;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = Command::new("node")
            .args(["--input-type=module", "-e", SCRIPT])
            .env("URL", url)
            .env("TOKEN", token)
            .env("EMAIL", email)
            .env("PASSWORD", password)
            .stdin(Stdio::null())
            .output()?;
        let answer = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if answer.starts_with("201") {
            return Ok(());
        }
        if Instant::now() > deadline || !(answer.starts_with("404") || answer.is_empty() || answer.starts_with("5")) {
            return Err(format!("POST {url}/api/v1/bootstrap answered {answer}").into());
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From the `[env.production]` header line to the end (it is the file's last section).
    fn production(text: &str) -> &str {
        &text[text.find("\n[env.production]\n").unwrap() + 1..]
    }

    fn template() -> String {
        std::fs::read_to_string(paths::root().join("wrangler.toml")).unwrap()
    }

    #[test]
    fn flags() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse(&args(&[])).unwrap(), Options { dry_run: false, domain: None });
        assert_eq!(
            parse(&args(&["--dry-run", "--domain", "OAuth.Example.com"])).unwrap(),
            Options { dry_run: true, domain: Some("oauth.example.com".into()) }
        );
        assert!(parse(&args(&["--domain"])).is_err());
        assert!(parse(&args(&["--domain", "https://x.example.com"])).is_err());
        assert!(parse(&args(&["--force"])).is_err());
    }

    #[test]
    fn the_generated_config_has_the_real_id_in_production_only() {
        let id = "2f6c1a0e-1111-4222-8333-444455556666";
        let text = production_config(&template(), id, None).unwrap();
        assert!(text.contains(&format!("database_id = \"{id}\"")));
        assert!(!text.contains(PLACEHOLDER_ID));
        assert!(!production(&text).contains("PUBLIC_URL = \""), "no domain, no PUBLIC_URL");
        assert!(production(&text).contains(id), "the id is in [env.production]");
        assert!(!text[..text.find("\n[env.production]\n").unwrap()].contains(id), "the local default keeps its own");
    }

    #[test]
    fn a_domain_adds_its_route_and_public_url() {
        let text = production_config(&template(), "id", Some("oauth.example.com")).unwrap();
        let production = production(&text);
        assert!(
            production.starts_with(
                "[env.production]\nroutes = [{ pattern = \"oauth.example.com\", custom_domain = true }]\n"
            )
        );
        assert!(production.contains("[env.production.vars]\nPUBLIC_URL = \"https://oauth.example.com\"\n"));
    }

    #[test]
    fn a_template_without_the_placeholder_is_refused() {
        assert!(production_config("name = \"x\"\n", "id", None).is_err());
    }

    #[test]
    fn the_production_section_is_production() {
        let text = template();
        let production = production(&text);
        assert!(production.contains("[env.production.observability]\nenabled = true"));
        assert!(production.contains("required = [\"ENCRYPTION_KEYS\", \"MAC_KEY\"]"));
        for dev_only in ["TEST_ROUTES", "ALLOW_PRIVATE_ENDPOINTS = ", "__scheduled", "kv_namespaces"] {
            assert!(!production.contains(dev_only), "{dev_only} in [env.production]");
        }
    }

    #[test]
    fn wrangler_answers_are_read() {
        let list =
            r#"[{"uuid":"aaa","name":"other"},{"uuid":"bbb","name":"edge-oauth-connections","version":"production"}]"#;
        assert_eq!(id_in_list(list, DATABASE).as_deref(), Some("bbb"));
        assert_eq!(id_in_list("[]", DATABASE), None);
        assert_eq!(id_in_list("not json", DATABASE), None);
        assert_eq!(secret_names(r#"[{"name":"MAC_KEY","type":"secret_text"}]"#), Some(vec!["MAC_KEY".to_string()]));
        assert_eq!(user_count(r#"[{"results":[{"n":0}],"success":true}]"#), Some(0));
        assert_eq!(user_count(r#"[{"results":[{"n":3}]}]"#), Some(3));
        assert!(worker_missing("✘ [ERROR] This Worker does not exist on your account. [code: 10007]"));
        assert!(!worker_missing("Authentication error [code: 10000]"));
        let out = "Uploaded edge-oauth-connections (3.1 sec)\nDeployed edge-oauth-connections triggers (0.5 sec)\n  https://edge-oauth-connections.me.workers.dev\n  schedule: */5 * * * *\n";
        assert_eq!(workers_dev_url(out).as_deref(), Some("https://edge-oauth-connections.me.workers.dev"));
        assert_eq!(workers_dev_url("no url"), None);
    }

    #[test]
    fn the_plan_names_every_remote_step() {
        let plan = remote_plan(Some("oauth.example.com")).join("\n");
        for part in [
            "d1 create",
            "migrations apply DB --remote",
            "secret list",
            "wrangler deploy",
            "https://oauth.example.com/api/v1/bootstrap",
            "secret delete BOOTSTRAP_TOKEN",
        ] {
            assert!(plan.contains(part), "{part}");
        }
    }
}
