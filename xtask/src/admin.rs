//! Admins in the local D1 database, written by xtask itself rather than through the worker:
//!
//! - `cargo xtask dev` writes the first admin *before* wrangler serves, so the moment
//!   `/api/v1/health` answers 200 the admin can sign in (a script that signs in as soon as the
//!   product is healthy must not race the bootstrap call). `POST /api/v1/bootstrap` stays for
//!   deployments.
//! - `cargo xtask admin --email E --password P` creates or resets an admin on existing local state.
//!
//! The rows are the ones the worker writes (`edge/src/routes/bootstrap.rs`, `store/users.rs`):
//! the same argon2id parameters and PHC format, the same id format, Admin and User roles.

use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use domain::api::CreateUserRequest;
use domain::api_key::hex;
use domain::permission::SystemRole;

use crate::{Result, dev_vars, state, wrangler};

const DEFAULT_EMAIL: &str = "admin@example.com";
const USAGE: &str = "usage: cargo xtask admin --email E --password P [--state DIR]";

/// Who the admin is: validated like the worker validates a new user.
#[derive(Debug)]
pub struct Admin {
    email: String,
    password: String,
    /// The password was generated here: print it, once.
    generated: bool,
}

impl Admin {
    fn new(email: &str, password: &str, generated: bool) -> Result<Admin> {
        let request = CreateUserRequest {
            email: email.into(),
            display_name: "Administrator".into(),
            password: password.into(),
            role_ids: Vec::new(),
        };
        let valid = domain::user::validate_create(&request)
            .map_err(|e| format!("the admin's {} is not accepted: {}", e.field, e.message))?;
        Ok(Admin { email: valid.email, password: password.into(), generated })
    }

    /// From `ADMIN_EMAIL` and `ADMIN_PASSWORD` when set, otherwise the default email and a
    /// generated password.
    fn from_env() -> Result<Admin> {
        let email = std::env::var("ADMIN_EMAIL").unwrap_or_else(|_| DEFAULT_EMAIL.into());
        match std::env::var("ADMIN_PASSWORD") {
            Ok(password) => Admin::new(&email, &password, false),
            Err(_) => Admin::new(&email, &hex(&dev_vars::random_bytes::<12>()?), true),
        }
    }
}

/// `cargo xtask dev`, after the migrations: create the first admin when there is no user yet.
/// Returns what to tell the person at the terminal.
pub fn ensure_first(persist_to: &Path) -> Result<String> {
    let admin = Admin::from_env()?;
    let row = Row::new(&admin)?;
    let out = wrangler::execute_sql(persist_to, &first_admin_sql(&row))?;
    // The last statement selects the new row by its id, which is fresh randomness: it appears in
    // the answer only when this run created the user.
    if !out.contains(&row.id) {
        return Ok("  Sign in with the admin account created on an earlier run\n  (lost it? cargo xtask admin --email E --password P).\n".into());
    }
    let email = &admin.email;
    Ok(if admin.generated {
        format!(
            "  First admin created. Sign in with:\n    email:    {email}\n    password: {}\n  (shown once; set ADMIN_EMAIL and ADMIN_PASSWORD to choose them)\n",
            admin.password
        )
    } else {
        format!("  First admin created: {email} with the password from ADMIN_PASSWORD.\n")
    })
}

/// `cargo xtask admin --email E --password P [--state DIR]`.
pub fn run(args: &[String]) -> Result<()> {
    let (email, password, state) = parse(args)?;
    let persist_to = state::dir(state.as_deref())?;
    let admin = Admin::new(&email, &password, false)?;
    wrangler::apply_migrations(&persist_to)?;
    let row = Row::new(&admin)?;
    let out = wrangler::execute_sql(&persist_to, &upsert_sql(&row))?;
    let verb = if out.contains(&row.id) { "created" } else { "reset" };
    eprintln!("xtask: admin {} {verb}: active, in the Admin role, signs in with the given password", admin.email);
    Ok(())
}

fn parse(args: &[String]) -> Result<(String, String, Option<PathBuf>)> {
    let (mut email, mut password, mut state) = (None, None, None);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--email" => email = Some(value.clone()),
            "--password" => password = Some(value.clone()),
            "--state" => state = Some(PathBuf::from(value)),
            _ => return Err(USAGE.into()),
        }
    }
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, password, state)),
        _ => Err(USAGE.into()),
    }
}

/// The values of one user row, SQL-quoted where they are text.
struct Row {
    id: String,
    email: String,
    hash: String,
    now: i64,
    audit_id: String,
}

impl Row {
    fn new(admin: &Admin) -> Result<Row> {
        Ok(Row {
            id: new_id()?,
            email: admin.email.clone(),
            hash: hash_password(&admin.password)?,
            now: now_millis()? / 1000,
            audit_id: new_id()?,
        })
    }

    fn roles_sql(&self, user_id: &str) -> String {
        [SystemRole::Admin, SystemRole::User]
            .iter()
            .map(|r| {
                format!(
                    "INSERT OR IGNORE INTO role_members (role_id, user_id) SELECT id, {user_id} FROM roles \
                     WHERE id = {} AND EXISTS (SELECT 1 FROM users WHERE id = {user_id});\n",
                    quote(r.id())
                )
            })
            .collect()
    }

    fn audit_sql(&self, action: &str, user_id: &str) -> String {
        let detail = format!("{{\"email\":\"{}\"}}", self.email.replace('\\', "\\\\").replace('"', "\\\""));
        format!(
            "INSERT INTO audit_events (id, at, actor_kind, actor_id, action, target_kind, target_id, outcome, detail) \
             SELECT {}, {}, 'system', NULL, {}, 'user', id, 'success', {} FROM users WHERE id = {user_id};\n",
            quote(&self.audit_id),
            self.now,
            quote(action),
            quote(&detail)
        )
    }
}

/// Insert the admin only while the users table is empty (as the bootstrap endpoint allows),
/// then select it: present in the answer only when it was created now.
fn first_admin_sql(row: &Row) -> String {
    let id = quote(&row.id);
    let mut sql = format!(
        "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) \
         SELECT {id}, {}, 'Administrator', {}, {now}, {now} WHERE NOT EXISTS (SELECT 1 FROM users);\n",
        quote(&row.email),
        quote(&row.hash),
        now = row.now
    );
    sql.push_str(&row.roles_sql(&id));
    sql.push_str(&row.audit_sql("user.bootstrap_admin", &id));
    sql.push_str(&format!("SELECT id FROM users WHERE id = {id};\n"));
    sql
}

/// Create the admin, or give the existing account of that email the new password, make it
/// active, unlock it, end its sessions (as a password change in the API does) and put it in the
/// Admin role.
fn upsert_sql(row: &Row) -> String {
    let email = quote(&row.email);
    let hash = quote(&row.hash);
    let now = row.now;
    let existing = format!("(SELECT id FROM users WHERE email = {email})");
    let mut sql = format!(
        "UPDATE users SET password_hash = {hash}, active = 1, failed_sign_ins = 0, failed_since = 0, \
         locked_until = NULL, updated_at = {now} WHERE email = {email};\n\
         DELETE FROM sessions WHERE user_id = {existing};\n\
         DELETE FROM device_failures WHERE user_id = {existing};\n\
         INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) \
         SELECT {}, {email}, 'Administrator', {hash}, {now}, {now} WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = {email});\n",
        quote(&row.id)
    );
    sql.push_str(&row.roles_sql(&existing));
    sql.push_str(&row.audit_sql("user.reset_admin", &existing));
    sql.push_str(&format!("SELECT id FROM users WHERE id = {};\n", quote(&row.id)));
    sql
}

/// A SQL text literal.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// As `edge/src/crypto.rs::hash_password`: argon2id, m = 19 MiB, t = 2, p = 1, a 16-byte salt,
/// a PHC string. The worker verifies what this writes.
fn hash_password(password: &str) -> Result<String> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| format!("argon2 parameters: {e}"))?;
    let salt = SaltString::encode_b64(&dev_vars::random_bytes::<16>()?).map_err(|e| format!("argon2 salt: {e}"))?;
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| format!("argon2: {e}"))?;
    Ok(hash.to_string())
}

/// As `edge/src/crypto.rs::new_id`: milliseconds then 8 random bytes, so ids sort by creation.
fn new_id() -> Result<String> {
    Ok(format!("{:012x}{}", now_millis()?, hex(&dev_vars::random_bytes::<8>()?)))
}

fn now_millis() -> Result<i64> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    Ok(i64::try_from(since.as_millis())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHash, PasswordVerifier};

    #[test]
    fn hashes_are_the_workers_phc_strings() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"wrong", &parsed).is_err());
    }

    #[test]
    fn ids_sort_by_time_and_are_28_hex_digits() {
        let a = new_id().unwrap();
        assert_eq!(a.len(), 28);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn admins_are_validated_like_new_users() {
        assert_eq!(
            Admin::new(" Boss@Example.com ", "a long enough password", false).unwrap().email,
            "boss@example.com"
        );
        assert!(Admin::new("nope", "a long enough password", false).is_err());
        assert!(Admin::new("boss@example.com", "short", false).is_err());
    }

    #[test]
    fn text_is_quoted_for_sql() {
        assert_eq!(quote("o'brien@example.com"), "'o''brien@example.com'");
    }

    #[test]
    fn the_first_admin_is_written_only_into_an_empty_table() {
        let admin = Admin::new("boss@example.com", "a long enough password", false).unwrap();
        let sql = first_admin_sql(&Row::new(&admin).unwrap());
        assert!(sql.contains("WHERE NOT EXISTS (SELECT 1 FROM users)"));
        assert!(sql.contains("'role-admin'") && sql.contains("'role-user'"));
    }

    #[test]
    fn admin_takes_its_flags() {
        let args: Vec<String> =
            ["--email", "a@b.co", "--password", "pw", "--state", "/tmp/s"].map(String::from).to_vec();
        let (email, password, state) = parse(&args).unwrap();
        assert_eq!((email.as_str(), password.as_str()), ("a@b.co", "pw"));
        assert_eq!(state, Some(PathBuf::from("/tmp/s")));
        assert!(parse(&args[..2]).is_err());
        assert!(parse(&["--email".to_string()]).is_err());
    }
}
