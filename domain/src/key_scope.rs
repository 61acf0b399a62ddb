//! What a bot key may do ("keys have scopes", ARCHITECTURE.md). A key acts with its owner's rights,
//! but only within its scopes, chosen when it is created:
//! - `tokens` (always, and the default): the token API, the token-free proxy, and reading the connections its owner
//!   may use (`GET /me/connections`; not the whole list a viewer sees), so a leaked bot key can
//!   neither change anything nor map connections its owner cannot use;
//! - `manage`: everything else its owner may do in the API.
//!
//! The worker asks `allows` with the route of every key-authenticated request, in one place.

use crate::validate::FieldError;

crate::text_enum! {
    /// What a bot key may reach, besides its owner's rights limiting it.
    #[derive(PartialOrd, Ord)]
    pub enum KeyScope {
        /// The token API and `GET /api/v1/me/connections`; every key has it.
        Tokens = "tokens",
        /// Everything else its owner may do in the API, except what needs a browser session
        /// (managing keys, consenting).
        Manage = "manage",
    }
}

/// The scopes of a new key from what was asked for: `tokens` always (a key that may manage may
/// also get tokens), `manage` only when asked; unknown names are a field error.
pub fn from_request(asked: &[String]) -> Result<Vec<KeyScope>, FieldError> {
    let mut scopes = vec![KeyScope::Tokens];
    for name in asked {
        let scope = KeyScope::parse(name.trim()).ok_or_else(|| {
            FieldError::new(
                "scopes",
                "unknown_scope",
                format!("unknown scope \u{201c}{name}\u{201d}: use tokens or manage"),
            )
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.sort();
    Ok(scopes)
}

/// The scopes of a stored key (a JSON array); anything unreadable is `tokens` only, the least.
pub fn from_stored(json: &str) -> Vec<KeyScope> {
    let names: Vec<String> = serde_json::from_str(json).unwrap_or_default();
    let mut scopes: Vec<KeyScope> = names.iter().filter_map(|n| KeyScope::parse(n)).collect();
    scopes.push(KeyScope::Tokens);
    scopes.sort();
    scopes.dedup();
    scopes
}

/// Whether a key with `scopes` may call `method path` (the path without its query). Only the
/// routes listed here are token routes; every other route needs `manage`, so a route added later
/// is closed to tokens-only keys until it is listed.
pub fn allows(scopes: &[KeyScope], method: &str, path: &str) -> bool {
    scopes.contains(&KeyScope::Manage) || (scopes.contains(&KeyScope::Tokens) && is_token_route(method, path))
}

fn is_token_route(method: &str, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else { return false };
    let segments: Vec<&str> = rest.split('/').collect();
    let id = |s: &str| !s.is_empty();
    match (method, segments.as_slice()) {
        ("POST", ["connections", c, "token"]) => id(c),
        // The token-free proxy: whatever the provider's API takes, with the same right.
        (_, ["connections", c, "proxy", _, ..]) => id(c),
        ("GET", ["me", "connections"]) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKENS: &[KeyScope] = &[KeyScope::Tokens];
    const MANAGE: &[KeyScope] = &[KeyScope::Tokens, KeyScope::Manage];

    #[test]
    fn tokens_keys_reach_the_token_api_and_reading_connections() {
        assert!(allows(TOKENS, "POST", "/api/v1/connections/abc/token"));
        assert!(allows(TOKENS, "GET", "/api/v1/me/connections"));
        assert!(!allows(TOKENS, "GET", "/api/v1/connections"), "every connection a viewer sees");
        assert!(!allows(TOKENS, "GET", "/api/v1/connections/abc"));
        assert!(allows(MANAGE, "GET", "/api/v1/connections"));
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            assert!(allows(TOKENS, method, "/api/v1/connections/abc/proxy/users/me"), "{method}");
        }
        assert!(!allows(TOKENS, "GET", "/api/v1/connections//proxy/x"));
    }

    #[test]
    fn tokens_keys_reach_nothing_else() {
        for (method, path) in [
            ("POST", "/api/v1/connections"),
            ("PATCH", "/api/v1/connections/abc"),
            ("DELETE", "/api/v1/connections/abc"),
            ("PUT", "/api/v1/connections/abc/roles"),
            ("POST", "/api/v1/connections/abc/test"),
            ("POST", "/api/v1/connections/abc/authorize"),
            ("GET", "/api/v1/connections/abc/token"),
            ("DELETE", "/api/v1/connections/abc/tokens/me"),
            ("POST", "/api/v1/connections//token"),
            ("GET", "/api/v1/users"),
            ("GET", "/api/v1/api-keys"),
            ("POST", "/api/v1/api-keys"),
            ("GET", "/api/v1/audit"),
            ("GET", "/api/v1/session"),
            ("GET", "/api/v1/roles"),
            ("GET", "/api/v1/notifications"),
            ("GET", "/api/v1/connections/abc/extra"),
            ("GET", "/oauth/callback"),
        ] {
            assert!(!allows(TOKENS, method, path), "{method} {path}");
            assert!(allows(MANAGE, method, path), "{method} {path}");
        }
        assert!(!allows(&[], "POST", "/api/v1/connections/abc/token"));
    }

    #[test]
    fn requested_scopes_always_include_tokens() {
        assert_eq!(from_request(&[]).unwrap(), vec![KeyScope::Tokens]);
        assert_eq!(from_request(&["manage".into()]).unwrap(), vec![KeyScope::Tokens, KeyScope::Manage]);
        assert_eq!(
            from_request(&["manage".into(), "tokens".into(), "manage".into()]).unwrap(),
            vec![KeyScope::Tokens, KeyScope::Manage]
        );
        let wrong = from_request(&["admin".into()]).unwrap_err();
        assert_eq!((wrong.field.as_str(), wrong.code.as_str()), ("scopes", "unknown_scope"));
    }

    #[test]
    fn stored_scopes_fall_back_to_the_least() {
        assert_eq!(from_stored(r#"["tokens","manage"]"#), vec![KeyScope::Tokens, KeyScope::Manage]);
        assert_eq!(from_stored(r#"["tokens"]"#), vec![KeyScope::Tokens]);
        assert_eq!(from_stored("garbage"), vec![KeyScope::Tokens]);
        assert_eq!(from_stored(r#"["root"]"#), vec![KeyScope::Tokens]);
    }

    #[test]
    fn wire_names_are_snake_case() {
        assert_eq!(serde_json::to_string(&KeyScope::Manage).unwrap(), "\"manage\"");
        for scope in KeyScope::ALL {
            assert_eq!(KeyScope::parse(scope.as_str()), Some(scope));
        }
    }
}
