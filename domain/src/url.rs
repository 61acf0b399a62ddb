//! URL rules: where the product lives and the callback URL derived from it. URLs the product
//! calls out to (token, discovery, revocation…) follow `endpoint::normalise` instead.

use url::Url;

use crate::CALLBACK_PATH;
use crate::address::{self, HostClass};

/// Why a URL of our own (the public origin, the callback) is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not an absolute URL.
    #[error("not a valid absolute URL")]
    Invalid,
    /// Plain http on a host that is not loopback.
    #[error("only https URLs are accepted, or http on a loopback host")]
    InsecureScheme,
}

/// The public origin of the product: the configured one when set (behind a proxy the request URL
/// may not be what browsers see), otherwise the origin of the incoming request.
pub fn public_origin(configured: Option<&str>, request_url: &str) -> Result<Url, UrlError> {
    let raw = configured.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(request_url);
    let url = Url::parse(raw).map_err(|_| UrlError::Invalid)?;
    require_secure(&url)?;
    let origin = url.origin();
    if !origin.is_tuple() {
        return Err(UrlError::Invalid);
    }
    Url::parse(&origin.ascii_serialization()).map_err(|_| UrlError::Invalid)
}

/// The OAuth redirect URI for a public origin.
pub fn callback_url(origin: &Url) -> Url {
    let mut url = origin.clone();
    url.set_path(CALLBACK_PATH);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// https everywhere, plain http only for loopback hosts (local development and tests). This is the
/// rule for the product's own origin, whose host may be private; it does not say a URL may be
/// called: outbound URLs go through `endpoint::normalise` with the deployment's policy.
pub fn require_secure(url: &Url) -> Result<(), UrlError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(UrlError::InsecureScheme),
        _ => Err(UrlError::Invalid),
    }
}

/// RFC 9207: the `iss` a provider sends back must name the issuer we talk to. Without a stored
/// issuer identifier, the token endpoint must live under it: same origin, and the token URL's
/// path starts with the issuer's path.
pub fn issuer_matches(iss: &str, token_url: &str) -> bool {
    let (Ok(iss), Ok(token)) = (Url::parse(iss), Url::parse(token_url)) else { return false };
    let base = iss.path().trim_end_matches('/');
    iss.origin() == token.origin()
        && iss.query().is_none()
        && (token.path() == base || token.path().starts_with(&format!("{base}/")))
}

/// The same loopback decision as for outbound URLs, on the host `url` parsed.
fn is_loopback(url: &Url) -> bool {
    let class = match url.host() {
        Some(url::Host::Domain(name)) => address::classify_host(name),
        Some(url::Host::Ipv4(ip)) => address::classify_ip(ip.into()),
        Some(url::Host::Ipv6(ip)) => address::classify_ip(ip.into()),
        None => return false,
    };
    class == HostClass::Loopback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_url_comes_from_the_request_origin() {
        let origin = public_origin(None, "http://127.0.0.1:8787/api/v1/config?x=1").unwrap();
        assert_eq!(callback_url(&origin).as_str(), "http://127.0.0.1:8787/oauth/callback");
    }

    #[test]
    fn configured_origin_wins_over_the_request() {
        let origin = public_origin(Some("https://oauth.example.com/ignored/path"), "http://127.0.0.1:8787/").unwrap();
        assert_eq!(callback_url(&origin).as_str(), "https://oauth.example.com/oauth/callback");
    }

    #[test]
    fn blank_configuration_falls_back_to_the_request() {
        let origin = public_origin(Some("  "), "https://a.example/x").unwrap();
        assert_eq!(origin.as_str(), "https://a.example/");
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        assert_eq!(public_origin(None, "http://example.com/"), Err(UrlError::InsecureScheme));
        assert_eq!(public_origin(Some("http://10.0.0.1/"), "https://a.example/"), Err(UrlError::InsecureScheme));
        assert!(public_origin(None, "http://localhost:3000/").is_ok());
        assert!(public_origin(None, "http://[::1]:3000/").is_ok());
    }

    /// The loopback decision is the one outbound URLs get: on the parsed host, `localhost.`
    /// included, a name that merely starts with `127.` excluded.
    #[test]
    fn loopback_is_the_address_rule() {
        for origin in
            ["http://localhost.:3000/", "http://127.9.9.9/", "http://[0:0:0:0:0:0:0:1]/", "http://2130706433/"]
        {
            assert!(public_origin(None, origin).is_ok(), "{origin}");
        }
        for origin in
            ["http://127.attacker.example/", "http://app.localhost/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/"]
        {
            assert_eq!(public_origin(None, origin), Err(UrlError::InsecureScheme), "{origin}");
        }
    }

    #[test]
    fn issuers_must_own_the_token_endpoint() {
        assert!(issuer_matches("http://127.0.0.1:9000", "http://127.0.0.1:9000/token"));
        assert!(issuer_matches(
            "https://login.example.com/tenant/v2.0/",
            "https://login.example.com/tenant/v2.0/token"
        ));
        assert!(!issuer_matches("https://evil.example.com", "https://login.example.com/token"));
        assert!(!issuer_matches("http://127.0.0.1:9001", "http://127.0.0.1:9000/token"));
        assert!(!issuer_matches("https://login.example.com/other", "https://login.example.com/tenant/token"));
        assert!(!issuer_matches("https://login.example.com/ten", "https://login.example.com/tenant/token"));
        assert!(!issuer_matches("garbage", "https://login.example.com/token"));
    }

    #[test]
    fn other_schemes_and_garbage_are_invalid() {
        assert_eq!(public_origin(None, "ftp://example.com/"), Err(UrlError::Invalid));
        assert_eq!(public_origin(None, "not a url"), Err(UrlError::Invalid));
    }
}
