//! A connection's **API base URL**: where the token-free proxy (`proxy.rs`) sends its calls. It
//! follows the one outbound URL rule (`endpoint.rs`) like every other endpoint, and has no
//! `?query` or `#fragment` (the proxy appends the caller's path and query). The catalogue's
//! formats use the same `<placeholders>` as the OAuth URLs and one more, `{instance_url}`: the
//! origin a token response named (Salesforce's `instance_url`), known only once a token exists,
//! so it is resolved at call time (`resolve`) and checked by the same rule then.

use crate::endpoint::{self, EndpointPolicy};
use crate::provider;
use crate::validate::FieldError;

/// Stands, at the start of an API base URL, for the token response's `instance_url`.
pub const INSTANCE_URL: &str = "{instance_url}";

/// The wire name of the field.
pub const FIELD: &str = "api_base_url";

/// Check an API base URL as typed (placeholders filled by the caller). Blank is `None`: the
/// connection has no proxy until a manager sets one.
pub fn validate(value: &str, policy: EndpointPolicy) -> Result<Option<String>, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if let Some(p) = provider::unfilled(value) {
        return Err(FieldError::new(FIELD, "placeholder_unfilled", format!("Fill in {} ({}).", p.label, p.token)));
    }
    if value.contains('?') {
        return Err(FieldError::new(FIELD, "invalid_url", "The API base URL must not carry a ?query."));
    }
    if let Some(path) = value.strip_prefix(INSTANCE_URL) {
        // Only a path may follow; it must be one the rule accepts under any public origin.
        if !(path.is_empty() || path.starts_with('/')) || path.contains(INSTANCE_URL) {
            return Err(FieldError::new(
                FIELD,
                "invalid_url",
                "{instance_url} may only stand at the start, followed by a path.",
            ));
        }
        let sample = format!("https://instance.example.com{path}");
        let normal = endpoint::normalise(&sample, EndpointPolicy::PublicOnly)
            .map_err(|e| e.field_error(FIELD, EndpointPolicy::PublicOnly))?;
        let path = normal.trim_start_matches("https://instance.example.com").trim_end_matches('/');
        return Ok(Some(format!("{INSTANCE_URL}{path}")));
    }
    if value.contains(INSTANCE_URL) {
        return Err(FieldError::new(
            FIELD,
            "invalid_url",
            "{instance_url} may only stand at the start, followed by a path.",
        ));
    }
    let normal = endpoint::normalise(value, policy).map_err(|e| e.field_error(FIELD, policy))?;
    Ok(Some(normal))
}

/// Why a stored API base URL could not be resolved for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// It needs `{instance_url}` and the token response carried none.
    NoInstanceUrl,
    /// The resolved URL breaks the outbound URL rule (an `instance_url` on a private host…).
    Refused,
}

impl Unresolved {
    /// Words for the bot developer.
    pub fn message(self) -> &'static str {
        match self {
            Unresolved::NoInstanceUrl => {
                "the API base URL needs the token's instance_url, and the provider sent none: authorize again"
            }
            Unresolved::Refused => "the connection's API base URL is not one the product may call",
        }
    }
}

/// The base a call goes to: `stored` with `{instance_url}` replaced by the token's, then checked
/// by the outbound URL rule (whatever stored it, right before it is used).
pub fn resolve(stored: &str, instance_url: Option<&str>, policy: EndpointPolicy) -> Result<String, Unresolved> {
    let resolved = match stored.strip_prefix(INSTANCE_URL) {
        Some(path) => {
            let origin = instance_url.map(str::trim).filter(|s| !s.is_empty()).ok_or(Unresolved::NoInstanceUrl)?;
            let origin = endpoint::normalise(origin, policy).map_err(|_| Unresolved::Refused)?;
            // An instance URL is an origin; a path or query in it is not used.
            let origin = match origin.find("://").map(|i| i + 3) {
                Some(start) => {
                    let end = origin[start..].find(['/', '?']).map_or(origin.len(), |i| start + i);
                    origin[..end].to_string()
                }
                None => return Err(Unresolved::Refused),
            };
            format!("{origin}{path}")
        }
        None => stored.to_string(),
    };
    let normal = endpoint::normalise(&resolved, policy).map_err(|_| Unresolved::Refused)?;
    if normal.contains('?') {
        return Err(Unresolved::Refused);
    }
    Ok(normal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EndpointPolicy::*;

    #[test]
    fn blank_is_none_and_urls_follow_the_outbound_rule() {
        assert_eq!(validate("  ", PublicOnly), Ok(None));
        assert_eq!(
            validate("https://graph.microsoft.com/v1.0", PublicOnly),
            Ok(Some("https://graph.microsoft.com/v1.0".into()))
        );
        assert_eq!(validate("HTTPS://API.Example.com", PublicOnly), Ok(Some("https://api.example.com/".into())));
        for (bad, reason) in [
            ("http://api.example.com", "insecure_url"),
            ("https://10.0.0.1/api", "not_public_url"),
            ("https://api.example.com/a?b=1", "invalid_url"),
            ("https://api.example.com/#x", "invalid_url"),
            ("https://u:p@api.example.com/", "invalid_url"),
            ("https://<yourinstance>.service-now.com/api", "placeholder_unfilled"),
            ("https://api.example.com/{instance_url}", "invalid_url"),
            ("{instance_url}x", "invalid_url"),
            ("{instance_url}/a/../b", "invalid_url"),
        ] {
            let error = validate(bad, PublicOnly).unwrap_err();
            assert_eq!((error.field.as_str(), error.code.as_str()), (FIELD, reason), "{bad}");
        }
        assert_eq!(validate("http://127.0.0.1:9/api", AllowPrivate), Ok(Some("http://127.0.0.1:9/api".into())));
        assert_eq!(validate("http://127.0.0.1:9/api", PublicOnly).unwrap_err().code, "not_public_url");
    }

    #[test]
    fn instance_url_is_resolved_at_call_time_under_the_same_rule() {
        assert_eq!(validate("{instance_url}", PublicOnly), Ok(Some("{instance_url}".into())));
        assert_eq!(
            validate("{instance_url}/services/data/", PublicOnly),
            Ok(Some("{instance_url}/services/data".into()))
        );
        let base = "{instance_url}/services/data";
        assert_eq!(
            resolve(base, Some("https://acme.my.salesforce.com"), PublicOnly).as_deref(),
            Ok("https://acme.my.salesforce.com/services/data")
        );
        assert_eq!(
            resolve("{instance_url}", Some("https://acme.my.salesforce.com/"), PublicOnly).as_deref(),
            Ok("https://acme.my.salesforce.com/")
        );
        assert_eq!(
            resolve(base, Some("https://acme.my.salesforce.com/x?y=1"), PublicOnly).as_deref(),
            Ok("https://acme.my.salesforce.com/services/data")
        );
        assert_eq!(resolve(base, None, PublicOnly), Err(Unresolved::NoInstanceUrl));
        assert_eq!(resolve(base, Some("https://169.254.169.254"), PublicOnly), Err(Unresolved::Refused));
        assert_eq!(resolve(base, Some("http://acme.example.com"), PublicOnly), Err(Unresolved::Refused));
        assert_eq!(resolve(base, Some("https://evil@acme.example.com"), PublicOnly), Err(Unresolved::Refused));
        assert_eq!(
            resolve(base, Some("http://127.0.0.1:8/"), AllowPrivate).as_deref(),
            Ok("http://127.0.0.1:8/services/data")
        );
        // A stored URL is checked again before use, whatever stored it.
        assert_eq!(resolve("https://10.1.1.1/api", None, PublicOnly), Err(Unresolved::Refused));
        assert_eq!(
            resolve("https://api.example.com/v1", None, PublicOnly).as_deref(),
            Ok("https://api.example.com/v1")
        );
    }
}
