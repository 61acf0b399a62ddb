//! The same-origin rule for writes: browsers send `Origin` on every request that is not a GET or
//! HEAD, so a write from a browser without our own origin is a cross-site request (CSRF) and is
//! refused. A bot key authenticates by a header no other site can make a browser send, so a
//! key-authenticated call may omit `Origin`; a foreign one is refused all the same. The router
//! applies this to every route once (`edge/src/router.rs`); routes that scripts reach with a
//! secret of their own (the first-admin bootstrap) are declared as such there.

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossOrigin {
    /// A write with no `Origin` and no bot key.
    Missing,
    /// An `Origin` that is not ours.
    Foreign,
}

/// Whether a request with this method changes state (everything but GET and HEAD counts: an
/// unknown method is treated as a write, so the rule errs on refusing).
pub fn is_write(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD")
}

/// Judge one request (reads always pass). `expected` is the product's public origin (`scheme://host[:port]`);
/// `bearer` says the request presents a bot key whose tag is ours.
pub fn judge(method: &str, origin: Option<&str>, expected: &str, bearer: bool) -> Result<(), CrossOrigin> {
    if !is_write(method) {
        // A cross-site read cannot see the answer (no CORS), and a provider's redirect to the
        // callback is a top-level GET that may carry its own origin.
        return Ok(());
    }
    match origin {
        Some(o) if o.trim_end_matches('/') == expected.trim_end_matches('/') => Ok(()),
        Some(_) => Err(CrossOrigin::Foreign),
        None if bearer => Ok(()),
        None => Err(CrossOrigin::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "https://oauth.example.com";

    #[test]
    fn a_browser_write_needs_our_origin() {
        for method in ["POST", "PUT", "PATCH", "DELETE", "PROPFIND"] {
            assert_eq!(judge(method, Some(OURS), OURS, false), Ok(()), "{method}");
            assert_eq!(judge(method, Some("https://oauth.example.com/"), OURS, false), Ok(()), "{method}");
            assert_eq!(judge(method, None, OURS, false), Err(CrossOrigin::Missing), "{method}");
            assert_eq!(judge(method, Some("https://evil.example"), OURS, false), Err(CrossOrigin::Foreign));
            assert_eq!(judge(method, Some("null"), OURS, false), Err(CrossOrigin::Foreign));
        }
    }

    #[test]
    fn look_alike_origins_are_foreign() {
        for origin in [
            "http://oauth.example.com",
            "https://oauth.example.com:8443",
            "https://oauth.example.com.evil.example",
            "https://sub.oauth.example.com",
            "https://OAUTH.example.com.",
        ] {
            assert_eq!(judge("POST", Some(origin), OURS, false), Err(CrossOrigin::Foreign), "{origin}");
        }
    }

    #[test]
    fn a_bot_key_may_omit_origin_but_not_bring_a_foreign_one() {
        assert_eq!(judge("POST", None, OURS, true), Ok(()));
        assert_eq!(judge("POST", Some("https://evil.example"), OURS, true), Err(CrossOrigin::Foreign));
    }

    #[test]
    fn reads_are_not_judged() {
        assert_eq!(judge("GET", None, OURS, false), Ok(()));
        assert_eq!(judge("HEAD", None, OURS, false), Ok(()));
        assert_eq!(judge("GET", Some("https://idp.example"), OURS, false), Ok(()));
        assert!(!is_write("GET"));
        assert!(is_write("OPTIONS"));
    }
}
