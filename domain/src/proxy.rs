//! The token-free proxy's rules: where a proxied call may go, which headers cross in each
//! direction, and how a call is counted. The worker forwards `ANY
//! /api/v1/connections/{id}/proxy/{rest}?{query}` to `<API base URL>/{rest}?{query}` with the
//! connection's token added; these functions decide everything about that except the I/O.
//!
//! **A call stays where it is sent.** The target is always under the base URL's origin and path:
//! every segment of `rest` is decoded until it no longer changes, and a segment that is, or
//! decodes to, `.` or `..`, or that holds a slash, backslash or control character in any
//! encoding, is refused; `rest` itself may not carry a scheme, `?`, `#` or a backslash. Then
//! the built URL is read back with the `url` crate (the WHATWG parser `fetch` uses) and must
//! keep the base's scheme, host, port and path prefix, whatever the checks above missed.
//! `@` and `:` are ordinary path characters here (Microsoft Graph addresses people as
//! `/users/name@contoso.com`): appended after the base's host they cannot name another host,
//! and the read-back proves it.

use url::Url;

use crate::token::TokenKind;
use crate::validate::FieldError;

/// The request header that picks the token: `shared` (the default) or `user`.
pub const TOKEN_TYPE_HEADER: &str = "x-token-type";
/// Set on every answer the product made itself (never on a provider's): the error code, so a
/// bot can tell "the proxy refused" from "the provider answered".
pub const ERROR_HEADER: &str = "x-proxy-error";
/// On a provider 401 that could not be retried: `true` when a refreshed token is ready, so the
/// same call sent again goes out with it.
pub const REFRESHED_HEADER: &str = "x-proxy-token-refreshed";

/// Read `X-Token-Type`; absent or blank is `shared`.
pub fn token_kind(header: Option<&str>) -> Result<TokenKind, FieldError> {
    match header.map(str::trim).filter(|h| !h.is_empty()) {
        None => Ok(TokenKind::Shared),
        Some(text) => TokenKind::parse(&text.to_ascii_lowercase())
            .ok_or_else(|| FieldError::new(TOKEN_TYPE_HEADER, "unknown_token_type", "X-Token-Type is shared or user.")),
    }
}

/// What the proxy does after the provider answered 401 and the vault was asked for a token
/// better than the one refused (`fresh`: it handed out a different one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterUnauthorized {
    /// Send the same call once more with the new token.
    Retry,
    /// The body is gone: pass the 401 on, saying a refreshed token is ready (`REFRESHED_HEADER`).
    PassRefreshed,
    /// No better token (the brake held, or the refresh failed): pass the 401 on as it is.
    Pass,
}

/// Decide what follows a provider's 401: one retry, only with a different token and a request
/// that can be sent again.
pub fn after_unauthorized(fresh: bool, replayable: bool) -> AfterUnauthorized {
    match (fresh, replayable) {
        (true, true) => AfterUnauthorized::Retry,
        (true, false) => AfterUnauthorized::PassRefreshed,
        (false, _) => AfterUnauthorized::Pass,
    }
}

/// The `Authorization` value the provider gets. Every catalogue provider takes a bearer token;
/// a token type of another case (`bearer`) is written the way RFC 6750 spells it.
pub fn authorization(access_token: &str) -> String {
    format!("Bearer {access_token}")
}

/// Why a proxy target was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A byte that has no place in a request path (non-ASCII, space, control, `\`, `#`, `?`).
    Malformed,
    /// An empty segment (`a//b`): some servers merge them, some do not.
    EmptySegment,
    /// A segment that is or decodes to `.` or `..`.
    DotSegment,
    /// A segment that decodes to a slash, backslash or control character.
    EncodedSeparator,
    /// The built URL left the base's origin or path (defence in depth; see the module doc).
    Escapes,
    /// The base URL itself is not a usable http(s) URL without query or fragment.
    BadBase,
}

impl Refusal {
    /// Words for the bot developer.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Malformed => "the proxied path holds a character a request path cannot carry",
            Refusal::EmptySegment => "the proxied path has an empty segment (//)",
            Refusal::DotSegment => "the proxied path has a . or .. segment",
            Refusal::EncodedSeparator => {
                "the proxied path hides a slash, backslash or control character in an encoding"
            }
            Refusal::Escapes => "the proxied path leaves the connection's API base URL",
            Refusal::BadBase => "the connection's API base URL is not usable",
        }
    }
}

/// Decoding rounds before a segment counts as stable; more layers than this are refused as
/// separators would be (nobody encodes a path segment five times for a good reason).
const MAX_DECODE_ROUNDS: usize = 4;

/// The URL a proxied call goes to: `base` (an API base URL that passed the outbound URL rule),
/// `rest` (the request's path after `/proxy/`, still percent-encoded as it arrived) and the
/// request's raw query, if any.
pub fn target(base: &str, rest: &str, query: Option<&str>) -> Result<String, Refusal> {
    let base_url = Url::parse(base).map_err(|_| Refusal::BadBase)?;
    if !matches!(base_url.scheme(), "https" | "http") || base_url.query().is_some() || base_url.fragment().is_some() {
        return Err(Refusal::BadBase);
    }
    let prefix = base_url.as_str().trim_end_matches('/').to_string();
    check_rest(rest)?;
    let mut built = if rest.is_empty() { prefix.clone() } else { format!("{prefix}/{rest}") };
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        if !query.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
            return Err(Refusal::Malformed);
        }
        built.push('?');
        built.push_str(query);
    }
    let read_back = Url::parse(&built).map_err(|_| Refusal::Malformed)?;
    if !stays_under(&base_url, &read_back) {
        return Err(Refusal::Escapes);
    }
    Ok(read_back.into())
}

fn check_rest(rest: &str) -> Result<(), Refusal> {
    if !rest.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'\\' | b'#' | b'?')) {
        return Err(Refusal::Malformed);
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            // `a/` (a trailing slash) is meaningful to some APIs; `a//b` and `/a` are not.
            if i == last && i > 0 || rest.is_empty() {
                continue;
            }
            return Err(Refusal::EmptySegment);
        }
        check_segment(segment)?;
    }
    Ok(())
}

fn check_segment(raw: &str) -> Result<(), Refusal> {
    let mut current = raw.as_bytes().to_vec();
    for round in 0..=MAX_DECODE_ROUNDS {
        if is_dots(&current) {
            return Err(Refusal::DotSegment);
        }
        if current.iter().any(|b| matches!(b, b'/' | b'\\') || b.is_ascii_control()) {
            return Err(Refusal::EncodedSeparator);
        }
        let next = percent_decode(&current);
        if next == current {
            return Ok(());
        }
        if round == MAX_DECODE_ROUNDS {
            break;
        }
        current = next;
    }
    Err(Refusal::EncodedSeparator)
}

fn is_dots(segment: &[u8]) -> bool {
    segment == b"." || segment == b".."
}

/// One round of percent-decoding; a `%` not followed by two hex digits stays as it is.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (input.get(i + 1).copied().and_then(hex), input.get(i + 2).copied().and_then(hex))
        {
            out.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// Same scheme, host and port as `base`, and a path equal to the base's or under it.
fn stays_under(base: &Url, target: &Url) -> bool {
    let base_path = base.path().trim_end_matches('/');
    let path = target.path();
    base.scheme() == target.scheme()
        && base.host_str() == target.host_str()
        && base.port_or_known_default() == target.port_or_known_default()
        && target.username().is_empty()
        && target.password().is_none()
        && (path == base_path || path.strip_prefix(base_path).is_some_and(|r| r.starts_with('/')))
}

/// Request headers a caller's call does not pass on: its own credentials and cookies (the
/// product adds the provider's credential), hop-by-hop headers (RFC 9110 §7.6.1), what proxies
/// in front of us add about the caller, Cloudflare's own, and the proxy's own controls.
const NOT_FORWARDED: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "forwarded",
    "x-real-ip",
    "true-client-ip",
    "x-token-type",
    "origin",
    "referer",
];

/// Header name prefixes never passed on, for the same reasons.
const NOT_FORWARDED_PREFIXES: &[&str] = &["x-forwarded-", "cf-", "sec-"];

/// Whether a request header goes on to the provider. `connection` is the request's
/// `Connection` header: the names it lists are hop-by-hop too.
pub fn forwards_request_header(name: &str, connection: Option<&str>) -> bool {
    let name = name.to_ascii_lowercase();
    !NOT_FORWARDED.contains(&name.as_str())
        && !NOT_FORWARDED_PREFIXES.iter().any(|p| name.starts_with(p))
        && !listed_in(connection, &name)
}

/// Response headers that do not come back: the provider's cookies (they would be set on the
/// product's origin) and hop-by-hop headers.
const NOT_RETURNED: &[&str] = &[
    "set-cookie",
    "set-cookie2",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Whether a provider's response header goes back to the caller.
pub fn returns_response_header(name: &str, connection: Option<&str>) -> bool {
    let name = name.to_ascii_lowercase();
    !NOT_RETURNED.contains(&name.as_str()) && !listed_in(connection, &name)
}

fn listed_in(connection: Option<&str>, name: &str) -> bool {
    connection.is_some_and(|c| c.split(',').any(|listed| listed.trim().eq_ignore_ascii_case(name)))
}

/// Whether a request of this method, with a body of this declared length, can be sent again
/// after a refresh: no body, or one small enough that the worker kept it (64 KiB).
pub fn replayable(method: &str, body_length: Option<u64>) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "DELETE") && body_length.is_none_or(|n| n == 0)
        || body_length.is_some_and(|n| n <= crate::body::MAX_BODY_BYTES as u64)
}

/// How a proxied call is counted in the audit log: by status class, never by body or query.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAPH: &str = "https://graph.microsoft.com/v1.0";

    #[test]
    fn ordinary_paths_and_queries_reach_the_base() {
        assert_eq!(target(GRAPH, "me", None).as_deref(), Ok("https://graph.microsoft.com/v1.0/me"));
        assert_eq!(
            target(GRAPH, "users/adele@contoso.com/messages", Some("$top=5&$select=subject")).as_deref(),
            Ok("https://graph.microsoft.com/v1.0/users/adele@contoso.com/messages?$top=5&$select=subject")
        );
        assert_eq!(target("https://api.example.com/", "a/b/", None).as_deref(), Ok("https://api.example.com/a/b/"));
        assert_eq!(target(GRAPH, "", None).as_deref(), Ok("https://graph.microsoft.com/v1.0"));
        assert_eq!(
            target(GRAPH, "sites/root:/drive:", None).as_deref(),
            Ok("https://graph.microsoft.com/v1.0/sites/root:/drive:")
        );
        assert_eq!(
            target(GRAPH, "files/a%20b.txt", None).as_deref(),
            Ok("https://graph.microsoft.com/v1.0/files/a%20b.txt")
        );
        assert_eq!(target("http://127.0.0.1:9000/api", "x", None).as_deref(), Ok("http://127.0.0.1:9000/api/x"));
    }

    /// Every trick the issue names and then some: none reaches another path or host.
    #[test]
    fn escapes_are_refused_in_every_encoding() {
        let cases: &[(&str, Refusal)] = &[
            ("..", Refusal::DotSegment),
            ("../admin", Refusal::DotSegment),
            ("a/../../b", Refusal::DotSegment),
            ("./a", Refusal::DotSegment),
            ("%2e%2e/a", Refusal::DotSegment),
            ("%2E%2E/a", Refusal::DotSegment),
            (".%2e/a", Refusal::DotSegment),
            ("%2e./a", Refusal::DotSegment),
            ("%252e%252e/a", Refusal::DotSegment),
            ("%25252e%25252e/a", Refusal::DotSegment),
            ("a/%2e", Refusal::DotSegment),
            ("a%2fb", Refusal::EncodedSeparator),
            ("a%2F..%2Fb", Refusal::EncodedSeparator),
            ("..%2f..%2fetc", Refusal::EncodedSeparator),
            ("%252f", Refusal::EncodedSeparator),
            ("a%5cb", Refusal::EncodedSeparator),
            ("a%5C..%5Cb", Refusal::EncodedSeparator),
            ("a%00b", Refusal::EncodedSeparator),
            ("a%0d%0aHost:%20evil", Refusal::EncodedSeparator),
            ("%25%32%65%25%32%65", Refusal::DotSegment),
            ("%2525252525252e", Refusal::EncodedSeparator),
            ("a\\b", Refusal::Malformed),
            ("..\\..\\b", Refusal::Malformed),
            ("a#frag", Refusal::Malformed),
            ("a?x=1", Refusal::Malformed),
            ("a b", Refusal::Malformed),
            ("caf\u{e9}", Refusal::Malformed),
            ("//evil.example/x", Refusal::EmptySegment),
            ("/evil.example", Refusal::EmptySegment),
            ("a//b", Refusal::EmptySegment),
        ];
        for (rest, why) in cases {
            assert_eq!(target(GRAPH, rest, None), Err(*why), "{rest}");
        }
        assert_eq!(target(GRAPH, "me", Some("a=1#x")), Err(Refusal::Malformed));
        assert_eq!(target(GRAPH, "me", Some("a=1 2")), Err(Refusal::Malformed));
    }

    #[test]
    fn host_tricks_stay_on_the_base_host() {
        for rest in [
            "@evil.example",
            "@evil.example/x",
            "https:/evil.example",
            "https:%2f%2fevil.example",
            "evil.example:443@x",
            "%40evil.example",
            ":@evil.example",
        ] {
            match target(GRAPH, rest, None) {
                Ok(url) => {
                    let url = Url::parse(&url).unwrap();
                    assert_eq!(url.host_str(), Some("graph.microsoft.com"), "{rest}");
                    assert!(url.path().starts_with("/v1.0/"), "{rest}");
                }
                Err(why) => {
                    assert!(matches!(why, Refusal::EncodedSeparator | Refusal::EmptySegment), "{rest}: {why:?}")
                }
            }
        }
    }

    #[test]
    fn the_read_back_is_the_last_word() {
        let base = Url::parse(GRAPH).unwrap();
        let inside = Url::parse("https://graph.microsoft.com/v1.0/me").unwrap();
        assert!(stays_under(&base, &inside));
        for outside in [
            "https://graph.microsoft.com/v1.0evil/me",
            "https://graph.microsoft.com/beta/me",
            "http://graph.microsoft.com/v1.0/me",
            "https://graph.microsoft.com:8443/v1.0/me",
            "https://evil.example/v1.0/me",
            "https://u:p@graph.microsoft.com/v1.0/me",
        ] {
            assert!(!stays_under(&base, &Url::parse(outside).unwrap()), "{outside}");
        }
        assert_eq!(target("ftp://x.example", "a", None), Err(Refusal::BadBase));
        assert_eq!(target("https://x.example/?q=1", "a", None), Err(Refusal::BadBase));
        assert_eq!(target("not a url", "a", None), Err(Refusal::BadBase));
    }

    #[test]
    fn credentials_cookies_and_hop_by_hop_headers_never_cross() {
        for name in [
            "Authorization",
            "cookie",
            "Proxy-Authorization",
            "Connection",
            "Transfer-Encoding",
            "Host",
            "X-Forwarded-For",
            "x-forwarded-host",
            "Forwarded",
            "CF-Connecting-IP",
            "X-Token-Type",
            "Sec-Fetch-Site",
        ] {
            assert!(!forwards_request_header(name, None), "{name}");
        }
        for name in ["Accept", "Content-Type", "If-None-Match", "Prefer", "X-Custom", "ConsistencyLevel"] {
            assert!(forwards_request_header(name, None), "{name}");
        }
        assert!(!forwards_request_header("X-Custom", Some("keep-alive, X-Custom")));
        for name in ["Set-Cookie", "set-cookie2", "Transfer-Encoding", "Connection"] {
            assert!(!returns_response_header(name, None), "{name}");
        }
        for name in ["Content-Type", "ETag", "Retry-After", "WWW-Authenticate", "Location", "X-Request-Id"] {
            assert!(returns_response_header(name, None), "{name}");
        }
        assert!(!returns_response_header("X-Hop", Some("X-Hop")));
    }

    #[test]
    fn the_token_type_header_and_what_follows_a_401() {
        assert_eq!(token_kind(None), Ok(TokenKind::Shared));
        assert_eq!(token_kind(Some(" ")), Ok(TokenKind::Shared));
        assert_eq!(token_kind(Some("User")), Ok(TokenKind::User));
        assert_eq!(token_kind(Some("shared")), Ok(TokenKind::Shared));
        assert_eq!(token_kind(Some("mine")).unwrap_err().code, "unknown_token_type");
        assert_eq!(after_unauthorized(true, true), AfterUnauthorized::Retry);
        assert_eq!(after_unauthorized(true, false), AfterUnauthorized::PassRefreshed);
        assert_eq!(after_unauthorized(false, true), AfterUnauthorized::Pass);
        assert_eq!(after_unauthorized(false, false), AfterUnauthorized::Pass);
        assert_eq!(authorization("abc"), "Bearer abc");
    }

    #[test]
    fn replay_needs_a_kept_body_and_statuses_count_by_class() {
        assert!(replayable("GET", None));
        assert!(replayable("DELETE", Some(0)));
        assert!(replayable("POST", Some(1024)));
        assert!(!replayable("POST", None), "a streamed body of unknown length is not kept");
        assert!(!replayable("PUT", Some(10 * 1024 * 1024)));
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(302), "3xx");
        assert_eq!(status_class(401), "4xx");
        assert_eq!(status_class(503), "5xx");
    }
}
