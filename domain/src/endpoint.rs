//! The rule for an OAuth endpoint URL (authorization URL, token URL), checked and normalised
//! without the `url` crate. The SPA runs this rule in the wizard; `url` would bring its IDNA and
//! Unicode tables into the SPA's wasm (47 KB brotli, measured), so this is a small strict parser
//! for the URLs providers actually publish: ASCII only, `http(s)://host[:port][/path][?query]`.
//! Where it accepts, it agrees with `url` (WHATWG) exactly, normalised form included — a test
//! checks that over a generated corpus. It refuses what `url` would rewrite (non-ASCII, odd IPv4
//! spellings, dot segments, characters `url` would percent-encode): better a clear message than
//! a silently different URL.

use std::net::Ipv6Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointError {
    /// Not an absolute http(s) URL this rule understands.
    Invalid,
    /// Plain http off loopback.
    Insecure,
    /// A `#fragment` or `user:password@`.
    FragmentOrCredentials,
}

/// The URL, normalised (scheme and host lower-cased, default port dropped, empty path as `/`).
pub fn normalise(raw: &str) -> Result<String, EndpointError> {
    if !raw.bytes().all(|b| b.is_ascii_graphic()) {
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
    if scheme == "http" && !is_loopback(&host) {
        return Err(EndpointError::Insecure);
    }
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

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "localhost." || host.starts_with("127.") || host == "[::1]"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms() {
        assert_eq!(normalise("HTTPS://Login.Example.COM/o/token").unwrap(), "https://login.example.com/o/token");
        assert_eq!(normalise("https://a.example").unwrap(), "https://a.example/");
        assert_eq!(normalise("https://a.example:443/x").unwrap(), "https://a.example/x");
        assert_eq!(normalise("https://a.example:8443/x?y=1&z").unwrap(), "https://a.example:8443/x?y=1&z");
        assert_eq!(normalise("http://127.0.0.1:9000/token").unwrap(), "http://127.0.0.1:9000/token");
        assert_eq!(normalise("http://[0:0:0:0:0:0:0:1]:3000/").unwrap(), "http://[::1]:3000/");
    }

    #[test]
    fn refusals() {
        assert_eq!(normalise("http://example.com/token"), Err(EndpointError::Insecure));
        assert_eq!(normalise("http://10.0.0.1/token"), Err(EndpointError::Insecure));
        assert_eq!(normalise("https://a.example/x#frag"), Err(EndpointError::FragmentOrCredentials));
        assert_eq!(normalise("https://user:pw@a.example/x"), Err(EndpointError::FragmentOrCredentials));
        for bad in [
            "ftp://a.example/",
            "a.example/token",
            "https://",
            "https://a..example/",
            "https://bücher.example/",
            "https://a.example/ x",
            "https://127.1/",
            "https://0x7f.0.0.1/",
            "https://a.example/../b",
            "https://a.example/%2E%2e/b",
            "https://a.example:99999/",
            "https://a.example/%zz",
            "https://a.example/%4",
            "https://a.example\\b",
            "https://[::ffff:1.2.3.4]/",
            "https://[::1]x/",
        ] {
            assert_eq!(normalise(bad), Err(EndpointError::Invalid), "{bad}");
        }
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
                            if let Ok(ours) = normalise(&raw) {
                                let theirs = ::url::Url::parse(&raw).unwrap_or_else(|e| panic!("{raw}: url says {e}"));
                                assert_eq!(ours, theirs.as_str(), "{raw}");
                                checked += 1;
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
            assert!(normalise(raw).is_ok(), "{raw}");
        }
    }
}
