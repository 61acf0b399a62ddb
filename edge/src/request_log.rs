//! One structured JSON line per API request (ARCHITECTURE.md, Observability), written by the
//! router's `route` wrapper once the answer is ready:
//!
//! `{"log":"request","route":"/api/v1/connections/:id/token","method":"POST","status":200,
//!   "duration_ms":12,"actor_kind":"api_key","actor_id":"…","connection_id":"…","error":null}`
//!
//! Only the route *pattern* is logged, never the path as sent, the query string, a header, a
//! cookie or a body: no token, secret, code or state can reach the log through it. Ids from the
//! path are logged only when they look like ids.
//!
//! Who called is known deep inside a handler (`auth.rs`, or the KeyGate for bots). It reaches the
//! wrapper on the request's own JS object (`note_actor` sets a property the wrapper reads back):
//! scoped to the one request, gone with it, and no handler or signature has to change. (A
//! response header would need every handler to set it and the wrapper to strip it; a global
//! would mix up requests that interleave in one isolate.)

use serde::Serialize;
use wasm_bindgen::JsValue;
use worker::Request;
use worker::web_sys;

use crate::store::audit::Actor;

/// The property of the request object that carries the actor to the wrapper.
const ACTOR_PROPERTY: &str = "__eocActor";

/// Remember who is calling, for this request's log line.
pub fn note_actor(req: &Request, actor: &Actor) {
    let value = format!("{}:{}", actor.kind.as_str(), actor.id.as_deref().unwrap_or(""));
    let _ = js_sys::Reflect::set(req.inner(), &JsValue::from_str(ACTOR_PROPERTY), &JsValue::from_str(&value));
}

/// The actor noted on the request object, as `(kind, id)`.
pub fn noted_actor(req: &web_sys::Request) -> Option<(String, String)> {
    let value = js_sys::Reflect::get(req, &JsValue::from_str(ACTOR_PROPERTY)).ok()?.as_string()?;
    let (kind, id) = value.split_once(':')?;
    Some((kind.to_string(), id.to_string()))
}

/// One request's line.
#[derive(Debug, Serialize)]
pub struct Line {
    pub log: &'static str,
    pub route: String,
    pub method: String,
    pub status: u16,
    pub duration_ms: i64,
    pub actor_kind: Option<String>,
    pub actor_id: Option<String>,
    pub connection_id: Option<String>,
    pub error: Option<&'static str>,
}

impl Line {
    /// The line as JSON text.
    pub fn render(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An id from a path, if it looks like one (letters, digits, `-`, `_`, at most 64).
pub fn loggable_id(id: &str) -> Option<String> {
    let ok =
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| id.to_string())
}

/// The route table's pattern for a matched request: the path with its `:id` segment put back
/// (every parameterised route has it as the fourth segment, `/api/v1/<resource>/:id…`), or the
/// fallback's pattern when `rest` matched. Never the path as sent when that is not a pattern.
pub fn route_pattern(path: &str, id: Option<&str>, rest: Option<&str>) -> String {
    if let (Some(_), Some(id)) = (rest, id) {
        // The proxy: the provider path (ids, names, emails) is never logged.
        let segments: Vec<&str> = path.split('/').collect();
        return match segments.as_slice() {
            ["", "api", "v1", "connections", c, "proxy", ..] if *c == id => PROXY_PATTERN.to_string(),
            _ => "(unknown)".to_string(),
        };
    }
    if rest.is_some() {
        return if path.starts_with("/oauth/") { "/oauth/*rest" } else { "/api/*rest" }.to_string();
    }
    let Some(id) = id else { return path.to_string() };
    let mut segments: Vec<&str> = path.split('/').collect();
    match segments.get_mut(4) {
        Some(segment) if *segment == id => {
            *segment = ":id";
            segments.join("/")
        }
        _ => "(unknown)".to_string(),
    }
}

/// The proxy route's pattern.
pub const PROXY_PATTERN: &str = "/api/v1/connections/:id/proxy/*rest";

/// The connection a request is about, when its route names one.
pub fn connection_of(pattern: &str, id: Option<&str>) -> Option<String> {
    if pattern.starts_with("/api/v1/connections/:id") { id.and_then(loggable_id) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_put_the_id_back() {
        let id = "0190abcdef1234567890abcd";
        let path = format!("/api/v1/connections/{id}/token");
        assert_eq!(route_pattern(&path, Some(id), None), "/api/v1/connections/:id/token");
        assert_eq!(route_pattern("/api/v1/users/u1", Some("u1"), None), "/api/v1/users/:id");
        assert_eq!(route_pattern("/api/v1/health", None, None), "/api/v1/health");
        // The same text elsewhere in the path is left alone.
        assert_eq!(route_pattern("/api/v1/users/users", Some("users"), None), "/api/v1/users/:id");
    }

    #[test]
    fn unmatched_paths_are_not_logged_as_sent() {
        assert_eq!(route_pattern("/api/v1/eoc_secret_in_path", None, Some("v1/eoc_secret_in_path")), "/api/*rest");
        assert_eq!(route_pattern("/oauth/x?code=abc", None, Some("x")), "/oauth/*rest");
        assert_eq!(route_pattern("/api/v1/users/a/b", Some("zzz"), None), "(unknown)");
        assert_eq!(
            route_pattern("/api/v1/connections/c1/proxy/users/adele@contoso.com", Some("c1"), Some("users/adele")),
            "/api/v1/connections/:id/proxy/*rest"
        );
        assert_eq!(connection_of(PROXY_PATTERN, Some("c1")), Some("c1".into()));
    }

    #[test]
    fn only_id_like_ids_are_logged() {
        assert_eq!(connection_of("/api/v1/connections/:id/token", Some("abc-123_x")), Some("abc-123_x".into()));
        assert_eq!(connection_of("/api/v1/connections/:id", Some("a%20b")), None);
        assert_eq!(connection_of("/api/v1/connections/:id", Some(&"a".repeat(65))), None);
        assert_eq!(connection_of("/api/v1/users/:id", Some("u1")), None);
    }

    #[test]
    fn a_line_is_one_json_object() {
        let line = Line {
            log: "request",
            route: "/api/v1/health".into(),
            method: "GET".into(),
            status: 200,
            duration_ms: 3,
            actor_kind: None,
            actor_id: None,
            connection_id: None,
            error: None,
        };
        let text = line.render();
        assert!(!text.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["route"], "/api/v1/health");
        assert_eq!(value["status"], 200);
        assert!(value["error"].is_null());
    }
}
