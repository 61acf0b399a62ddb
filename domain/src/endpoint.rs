//! The rule for every URL the product calls out to (authorization, token, discovery, revocation,
//! any later one), checked and normalised without the `url` crate. The SPA runs this rule in the
//! wizard; `url` would bring its IDNA and Unicode tables into the SPA's wasm (47 KB brotli,
//! measured), so this is a small strict parser for the URLs providers actually publish: ASCII
//! only, `http(s)://host[:port][/path][?query]`. Where it accepts, it agrees with `url` (WHATWG)
//! exactly, normalised form included — a test checks that over a generated corpus. It refuses
//! what `url` would rewrite (non-ASCII, odd IPv4 spellings, backslashes, dot segments, characters
//! `url` would percent-encode): better a clear message than a silently different URL.
//!
//! Who may be called is decided on the parsed host (`address::classify_host`), never on its
//! text: a deployment calls public hosts over https only; the dev/test opt-in also calls private
//! and loopback hosts, and loopback over plain http.

use std::net::Ipv6Addr;

use serde::{Deserialize, Serialize};

use crate::address::{self, HostClass};
use crate::validate::FieldError;

/// Which hosts an outbound URL may name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointPolicy {
    /// A deployment: public hosts, https only.
    #[default]
    PublicOnly,
    /// Development and tests (an OAuth server on `http://127.0.0.1:PORT`): private, internal and
    /// loopback hosts too, and plain http to loopback hosts.
    AllowPrivate,
}

/// Why an outbound URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointError {
    /// Not an absolute http(s) URL this rule understands.
    Invalid,
    /// Plain http where the policy does not allow it.
    Insecure,
    /// A `#fragment` or `user:password@`.
    FragmentOrCredentials,
    /// The host is loopback, private or internal, and the policy is `PublicOnly`.
    NotPublic,
}

impl EndpointError {
    /// What a person sees under the field: the same words in the SPA and from the worker.
    pub fn field_error(self, field: &str, policy: EndpointPolicy) -> FieldError {
        match (self, policy) {
            (EndpointError::Invalid, _) => FieldError::new(
                field,
                "invalid_url",
                "Enter a full URL (https://…) in plain ASCII: internationalised host names in their xn-- form.",
            ),
            (EndpointError::Insecure, EndpointPolicy::PublicOnly) => {
                FieldError::new(field, "insecure_url", "Use https.")
            }
            (EndpointError::Insecure, EndpointPolicy::AllowPrivate) => {
                FieldError::new(field, "insecure_url", "Use https (plain http only for localhost and 127.0.0.1).")
            }
            (EndpointError::FragmentOrCredentials, _) => {
                FieldError::new(field, "invalid_url", "The URL must not carry a #fragment or credentials.")
            }
            (EndpointError::NotPublic, _) => FieldError::new(
                field,
                "not_public_url",
                "This address is not reachable from the internet (private, loopback or internal addresses are refused).",
            ),
        }
    }
}

/// The URL, normalised (scheme and host lower-cased, default port dropped, empty path as `/`).
pub fn normalise(raw: &str, policy: EndpointPolicy) -> Result<String, EndpointError> {
    // `url` reads a backslash as a slash: `https://evil\@good/` goes to `evil`.
    if !raw.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
        return Err(EndpointError::Invalid);
    }
    let (scheme, rest) = raw.split_once("://").ok_or(EndpointError::Invalid)?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(EndpointError::Invalid),
    };
    if rest.contains('#') {
        return Err(EndpointError::FragmentOrCredentials);
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(EndpointError::FragmentOrCredentials);
    }
    let (host, port) = host_and_port(authority)?;
    admit(&scheme, &host, policy)?;
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    if !path.split('/').skip(1).all(segment_ok) {
        return Err(EndpointError::Invalid);
    }
    if let Some(q) = query
        && !chars_ok(q, b"/?:@!$&'()*+,;=")
    {
        return Err(EndpointError::Invalid);
    }
    let port = port.filter(|p| *p != default_port).map(|p| format!(":{p}")).unwrap_or_default();
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    Ok(format!("{scheme}://{host}{port}{path}{query}"))
}

/// The policy's verdict on a parsed host. A host that is not public is refused first: switching
/// to https would not make it callable.
fn admit(scheme: &str, host: &str, policy: EndpointPolicy) -> Result<(), EndpointError> {
    let class = address::classify_host(host);
    if policy == EndpointPolicy::PublicOnly && class != HostClass::Public {
        return Err(EndpointError::NotPublic);
    }
    let plain_http_ok = policy == EndpointPolicy::AllowPrivate && class == HostClass::Loopback;
    if scheme == "http" && !plain_http_ok {
        return Err(EndpointError::Insecure);
    }
    Ok(())
}

fn host_and_port(authority: &str) -> Result<(String, Option<u16>), EndpointError> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) = inner.split_once(']').ok_or(EndpointError::Invalid)?;
        let ip: Ipv6Addr = v6.parse().map_err(|_| EndpointError::Invalid)?;
        // `url` writes IPv4-mapped addresses in hex, std in dotted form: not worth agreeing on.
        if ip.to_ipv4_mapped().is_some() {
            return Err(EndpointError::Invalid);
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(EndpointError::Invalid)?),
        };
        (format!("[{ip}]"), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        (reg_name(host)?, port)
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| EndpointError::Invalid)?)
        }
        Some(_) => return Err(EndpointError::Invalid),
    };
    Ok((host, port))
}

/// A host name or a dotted-quad IPv4 address, lower-cased. WHATWG reads a host whose last label
/// is numeric as IPv4 (so `127.1` is 127.0.0.1); only the plain dotted quad is accepted here.
fn reg_name(host: &str) -> Result<String, EndpointError> {
    let host = host.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    // One trailing dot is allowed (`example.com.`), as in DNS.
    let named = match labels.split_last() {
        Some((&"", rest)) if !rest.is_empty() => rest,
        _ => &labels[..],
    };
    if host.is_empty() || !named.iter().all(label_ok) {
        return Err(EndpointError::Invalid);
    }
    let last = named.last().copied().unwrap_or_default();
    let numeric = last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x");
    if numeric {
        let quad = named.len() == 4
            && named.iter().all(|l| l.len() <= 3 && !(l.len() > 1 && l.starts_with('0')) && l.parse::<u8>().is_ok());
        if !quad || named.len() != labels.len() {
            return Err(EndpointError::Invalid);
        }
    }
    Ok(host)
}

fn segment_ok(segment: &str) -> bool {
    let dots = segment.to_ascii_lowercase().replace("%2e", ".");
    dots != "." && dots != ".." && chars_ok(segment, b":@!$&'()*+,;=")
}

/// Unreserved characters, `%XX`, and the listed extras; nothing `url` would percent-encode.
fn chars_ok(part: &str, extra: &[u8]) -> bool {
    let bytes = part.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            if i + 2 >= bytes.len() || !(bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b"-._~".contains(&b) || extra.contains(&b)) {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use EndpointError::*;
    use EndpointPolicy::*;

    /// Accepted (whatever the normal form) or the refusal.
    type Verdict = Result<(), EndpointError>;
    const OK: Verdict = Ok(());

    fn verdict(raw: &str, policy: EndpointPolicy) -> Verdict {
        normalise(raw, policy).map(|_| ())
    }

    #[test]
    fn normal_forms() {
        let public = |raw| normalise(raw, PublicOnly).unwrap();
        assert_eq!(public("HTTPS://Login.Example.COM/o/token"), "https://login.example.com/o/token");
        assert_eq!(public("https://a.example"), "https://a.example/");
        assert_eq!(public("https://a.example:443/x"), "https://a.example/x");
        assert_eq!(public("https://a.example:8443/x?y=1&z"), "https://a.example:8443/x?y=1&z");
        assert_eq!(public("https://[64:ff9b::8.8.8.8]/"), "https://[64:ff9b::808:808]/");
        let dev = |raw| normalise(raw, AllowPrivate).unwrap();
        assert_eq!(dev("http://127.0.0.1:9000/token"), "http://127.0.0.1:9000/token");
        assert_eq!(dev("http://[0:0:0:0:0:0:0:1]:3000/"), "http://[::1]:3000/");
        assert_eq!(dev("https://[::127.0.0.1]/"), "https://[::7f00:1]/");
    }

    /// Hostile and borderline URLs, each with its verdict in a deployment (`PublicOnly`) and
    /// under the dev/test opt-in (`AllowPrivate`).
    #[rustfmt::skip]
    const VERDICTS: &[(&str, Verdict, Verdict)] = &[
        // Good public URLs.
        ("https://accounts.google.com/o/oauth2/v2/auth", OK, OK),
        ("https://login.example.com:8443/token", OK, OK),
        ("https://login.example.com./token", OK, OK),
        ("https://xn--80ak6aa92e.com/token", OK, OK),
        ("https://[2001:4860:4860::8888]/token", OK, OK),
        ("https://8.8.8.8/token", OK, OK),
        ("https://ec2-54-12-34-56.compute-1.amazonaws.com/token", OK, OK),
        // A name that starts like an address is a name: public, so https only.
        ("http://127.attacker.example/token", Err(Insecure), Err(Insecure)),
        ("https://127.attacker.example/token", OK, OK),
        ("http://login.example.com/token", Err(Insecure), Err(Insecure)),
        // Loopback: the dev opt-in allows it, over plain http too.
        ("http://127.0.0.1:9000/token", Err(NotPublic), OK),
        ("https://127.0.0.1/token", Err(NotPublic), OK),
        ("http://127.255.255.254/", Err(NotPublic), OK),
        ("http://localhost:3000/", Err(NotPublic), OK),
        ("http://localhost.:3000/", Err(NotPublic), OK),
        ("http://LOCALHOST/", Err(NotPublic), OK),
        ("http://[::1]:9000/", Err(NotPublic), OK),
        ("http://app.localhost/", Err(NotPublic), Err(Insecure)),
        ("https://app.localhost/", Err(NotPublic), OK),
        // Odd IPv4 spellings: `url` would rewrite them, so they are invalid everywhere.
        ("https://2130706433/", Err(Invalid), Err(Invalid)),
        ("http://2130706433/", Err(Invalid), Err(Invalid)),
        ("https://0177.0.0.1/", Err(Invalid), Err(Invalid)),
        ("https://0x7f.1/", Err(Invalid), Err(Invalid)),
        ("https://0x7f000001/", Err(Invalid), Err(Invalid)),
        ("https://0X7F.0.0.1/", Err(Invalid), Err(Invalid)),
        ("https://127.1/", Err(Invalid), Err(Invalid)),
        ("https://10.1/", Err(Invalid), Err(Invalid)),
        ("https://127.0.0.1./", Err(Invalid), Err(Invalid)),
        ("https://1.2.3.04/", Err(Invalid), Err(Invalid)),
        ("https://example.123/", Err(Invalid), Err(Invalid)),
        // Not public addresses: never in a deployment; https only under the opt-in.
        ("https://0.0.0.0/", Err(NotPublic), OK),
        ("http://0.0.0.0/", Err(NotPublic), Err(Insecure)),
        ("https://169.254.169.254/latest/meta-data/", Err(NotPublic), OK),
        ("http://169.254.169.254/latest/meta-data/", Err(NotPublic), Err(Insecure)),
        ("https://100.64.0.1/", Err(NotPublic), OK),
        ("https://10.0.0.5/", Err(NotPublic), OK),
        ("http://10.0.0.5/", Err(NotPublic), Err(Insecure)),
        ("https://172.16.0.1/", Err(NotPublic), OK),
        ("https://172.31.255.255/", Err(NotPublic), OK),
        ("https://172.32.0.1/", OK, OK),
        ("https://192.168.1.1/", Err(NotPublic), OK),
        ("https://255.255.255.255/", Err(NotPublic), OK),
        ("https://224.0.0.1/", Err(NotPublic), OK),
        ("https://192.0.2.10/", Err(NotPublic), OK),
        ("https://198.18.0.1/", Err(NotPublic), OK),
        ("https://240.0.0.1/", Err(NotPublic), OK),
        ("https://[::]/", Err(NotPublic), OK),
        ("http://[::]/", Err(NotPublic), Err(Insecure)),
        ("https://[fd00::1]/", Err(NotPublic), OK),
        ("https://[fe80::1]/", Err(NotPublic), OK),
        ("https://[fec0::1]/", Err(NotPublic), OK),
        ("https://[ff02::1]/", Err(NotPublic), OK),
        ("https://[2001:db8::1]/", Err(NotPublic), OK),
        // IPv6 carrying IPv4: mapped is invalid (`url` writes it differently), the others are
        // judged by the address they lead to, and never count as loopback.
        ("https://[::ffff:127.0.0.1]/", Err(Invalid), Err(Invalid)),
        ("https://[::ffff:7f00:1]/", Err(Invalid), Err(Invalid)),
        ("https://[::127.0.0.1]/", Err(NotPublic), OK),
        ("http://[::127.0.0.1]/", Err(NotPublic), Err(Insecure)),
        ("https://[64:ff9b::10.0.0.1]/", Err(NotPublic), OK),
        ("https://[64:ff9b::8.8.8.8]/", OK, OK),
        ("https://[2002:a00:1::]/", Err(NotPublic), OK),
        ("https://[2002:7f00:1::1]/", Err(NotPublic), OK),
        ("https://[2002:808:808::1]/", OK, OK),
        ("https://[fe80::1%25eth0]/", Err(Invalid), Err(Invalid)),
        // Names that are not public, or that wildcard DNS turns into an address.
        ("https://127.0.0.1.nip.io/", Err(NotPublic), OK),
        ("http://127.0.0.1.nip.io/", Err(NotPublic), Err(Insecure)),
        ("https://10-0-0-5.sslip.io/", Err(NotPublic), OK),
        ("https://app.10.0.0.5.xip.io/", Err(NotPublic), OK),
        ("https://localtest.me/", Err(NotPublic), OK),
        ("http://app.lvh.me/", Err(NotPublic), Err(Insecure)),
        ("https://1-2-3-4.example.com/", Err(NotPublic), OK),
        ("https://build-10-0-0-5.example.com/", Err(NotPublic), OK),
        ("https://printer.local/", Err(NotPublic), OK),
        ("https://db.internal/", Err(NotPublic), OK),
        ("https://nas.home.arpa/", Err(NotPublic), OK),
        ("https://router.lan/", Err(NotPublic), OK),
        ("https://host.localdomain/", Err(NotPublic), OK),
        ("https://metadata/", Err(NotPublic), OK),
        ("https://intranet./", Err(NotPublic), OK),
        // Userinfo, backslashes, encodings, Unicode, fragments, ports.
        ("https://good@evil.example/", Err(FragmentOrCredentials), Err(FragmentOrCredentials)),
        ("https://good.example@127.0.0.1/", Err(FragmentOrCredentials), Err(FragmentOrCredentials)),
        ("https://user:pw@good.example/", Err(FragmentOrCredentials), Err(FragmentOrCredentials)),
        ("https://evil.example\\@good.example/", Err(Invalid), Err(Invalid)),
        ("https://evil.example\\good.example/", Err(Invalid), Err(Invalid)),
        ("https://good.example/a\\b", Err(Invalid), Err(Invalid)),
        ("https://%31%32%37.0.0.1/", Err(Invalid), Err(Invalid)),
        ("https://%6c%6fcalhost/", Err(Invalid), Err(Invalid)),
        ("https://раураl.com/", Err(Invalid), Err(Invalid)),
        ("https://bücher.example/", Err(Invalid), Err(Invalid)),
        ("https://good.example/token#frag", Err(FragmentOrCredentials), Err(FragmentOrCredentials)),
        ("https://good.example:99999/", Err(Invalid), Err(Invalid)),
        ("https://[::1]x/", Err(Invalid), Err(Invalid)),
    ];

    #[test]
    fn hostile_forms_under_both_policies() {
        assert!(VERDICTS.len() >= 40);
        for (raw, public_only, allow_private) in VERDICTS {
            assert_eq!(verdict(raw, PublicOnly), *public_only, "{raw} under PublicOnly");
            assert_eq!(verdict(raw, AllowPrivate), *allow_private, "{raw} under AllowPrivate");
        }
    }

    #[test]
    fn other_refusals() {
        for bad in [
            "ftp://a.example/",
            "a.example/token",
            "https://",
            "https://a..example/",
            "https://a.example/ x",
            "https://a.example/../b",
            "https://a.example/%2E%2e/b",
            "https://a.example/%zz",
            "https://a.example/%4",
        ] {
            assert_eq!(verdict(bad, PublicOnly), Err(Invalid), "{bad}");
            assert_eq!(verdict(bad, AllowPrivate), Err(Invalid), "{bad}");
        }
    }

    #[test]
    fn the_default_policy_is_the_strict_one() {
        assert_eq!(EndpointPolicy::default(), PublicOnly);
        assert_eq!(serde_json::to_string(&AllowPrivate).unwrap(), "\"allow_private\"");
    }

    #[test]
    fn refusals_read_as_field_errors() {
        let error = NotPublic.field_error("token_url", PublicOnly);
        assert_eq!((error.field.as_str(), error.code.as_str()), ("token_url", "not_public_url"));
        assert!(error.message.contains("not reachable from the internet"));
        assert_eq!(Insecure.field_error("token_url", PublicOnly).message, "Use https.");
        assert_eq!(FragmentOrCredentials.field_error("token_url", AllowPrivate).code, "invalid_url");
    }

    /// Wherever this rule accepts, `url` (WHATWG) accepts too and writes the very same string;
    /// over plain inputs, both accept.
    #[test]
    fn agrees_with_the_url_crate() {
        let schemes = ["https", "HTTPS", "http", "ftp"];
        let hosts = [
            "login.example.com",
            "LOGIN.Example.com",
            "localhost",
            "127.0.0.1",
            "10.0.0.1",
            "[::1]",
            "[2001:db8::1]",
            "[::127.0.0.1]",
            "[64:ff9b::8.8.8.8]",
            "a_b.example",
            "x-1.example.",
            "127.1",
            "0x7f.0.0.1",
            "256.1.1.1",
            "01.2.3.4",
            "bücher.example",
            "a..b",
        ];
        let ports = ["", ":443", ":80", ":8080", ":", ":65536", ":0"];
        let paths = ["", "/", "/oauth2/token", "/a/b/", "/%7Euser/x", "/a;b=c/d:e@f", "/a/./b", "/a b", "/ä", "/a\\b"];
        let queries = ["", "?", "?a=1&b=2", "?scope=a+b&x=%20", "?q=/x?y", "?a=\"b\"", "?<x>"];
        let mut checked = 0;
        for scheme in schemes {
            for host in hosts {
                for port in ports {
                    for path in paths {
                        for query in queries {
                            let raw = format!("{scheme}://{host}{port}{path}{query}");
                            for policy in [PublicOnly, AllowPrivate] {
                                if let Ok(ours) = normalise(&raw, policy) {
                                    let theirs =
                                        ::url::Url::parse(&raw).unwrap_or_else(|e| panic!("{raw}: url says {e}"));
                                    assert_eq!(ours, theirs.as_str(), "{raw}");
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "only {checked} accepted inputs compared");
        // The plain inputs both sides must accept.
        for raw in ["https://login.example.com:8080/oauth2/token?a=1&b=2", "http://localhost/", "http://[::1]:80/a/b/"]
        {
            assert!(normalise(raw, AllowPrivate).is_ok(), "{raw}");
        }
    }
}
