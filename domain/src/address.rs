//! What kind of host a URL names: public, loopback, or not public (private, link-local, shared,
//! reserved, internal names, names that wildcard DNS turns into an address). Decided on the
//! parsed address, never on a text prefix, and in this one place for every URL the product checks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of host a URL names, decided on the parsed address (never on its spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostClass {
    /// Reachable from the internet, as far as the written host can tell.
    Public,
    /// This machine: 127.0.0.0/8, `::1`, and the name `localhost` (`localhost.` is the same
    /// name written fully qualified, so it counts too).
    Loopback,
    /// Private, link-local, shared (CGNAT), unique-local, reserved, documentation or multicast
    /// addresses; internal or single-label names; names that embed an address; anything this
    /// module cannot vouch for.
    NonPublic,
}

const V4_LOOPBACK: (Ipv4Addr, u8) = (Ipv4Addr::new(127, 0, 0, 0), 8);

/// IPv4 ranges that are not public (IANA special-purpose registry), loopback aside.
const V4_NON_PUBLIC: [(Ipv4Addr, u8); 14] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"; 0.0.0.0 reaches the local host
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space (CGNAT)
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata services
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation (TEST-NET-1)
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // deprecated 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation (TEST-NET-2)
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation (TEST-NET-3)
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, 255.255.255.255 broadcast included
];

/// Global unicast (2000::/3) is the only IPv6 space with public addresses; every range outside
/// it (`::`, `::a.b.c.d`, `::ffff:a.b.c.d`, 100::/64, fc00::/7, fe80::/10, fec0::/10, ff00::/8…)
/// is reserved or local. These are the non-public ranges inside it.
const V6_GLOBAL_NON_PUBLIC: [(Ipv6Addr, u8); 3] = [
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments (Teredo, benchmarking)
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation
];

const V6_GLOBAL_UNICAST: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);
/// NAT64 well-known prefix: the last 32 bits are an IPv4 address the gateway connects to.
const V6_NAT64: (Ipv6Addr, u8) = (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);
/// 6to4: bits 16..48 are an IPv4 address the relay tunnels to.
const V6_6TO4: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16);

/// Names no public host lives under: RFC 6761 `localhost`, mDNS `local`, RFC 8375 `home.arpa`
/// (with the rest of the infrastructure zone `arpa`), the private-use names RFC 6762 appendix G
/// lists, and `localdomain`, which resolvers map to this machine.
const INTERNAL_ZONES: [&str; 10] =
    ["localhost", "local", "arpa", "internal", "intranet", "private", "corp", "home", "lan", "localdomain"];

/// Public wildcard DNS services that answer with an address read from the name, or with
/// 127.0.0.1 for every name under them.
const ADDRESS_ZONES: [&str; 10] = [
    "nip.io",
    "sslip.io",
    "xip.io",
    "traefik.me",
    "localtest.me",
    "lvh.me",
    "vcap.me",
    "localho.st",
    "local.gd",
    "fuf.me",
];

/// An address as `url` or std parsed it.
pub fn classify_ip(ip: IpAddr) -> HostClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// A host as written in a normalised URL: a name, a dotted quad, or `[v6]`. One trailing dot is
/// the same name fully qualified. Anything else (other IPv4 spellings, non-ASCII, `%`) is
/// `NonPublic`: this module vouches only for what it can read.
pub fn classify_host(host: &str) -> HostClass {
    if let Some(inner) = host.strip_prefix('[') {
        let v6 = inner.strip_suffix(']').and_then(|v6| v6.parse::<Ipv6Addr>().ok());
        return v6.map_or(HostClass::NonPublic, classify_v6);
    }
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    match name.parse::<Ipv4Addr>() {
        Ok(v4) => classify_v4(v4),
        Err(_) => classify_name(&name),
    }
}

fn classify_v4(ip: Ipv4Addr) -> HostClass {
    if in_v4(ip, V4_LOOPBACK) {
        HostClass::Loopback
    } else if V4_NON_PUBLIC.iter().any(|range| in_v4(ip, *range)) {
        HostClass::NonPublic
    } else {
        HostClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> HostClass {
    if ip == Ipv6Addr::LOCALHOST {
        return HostClass::Loopback;
    }
    // NAT64 and 6to4 reach the IPv4 address they carry: public only when that one is. A carried
    // loopback address is not this machine's loopback, so it is only NonPublic.
    if let Some(v4) = embedded_v4(ip) {
        return match classify_v4(v4) {
            HostClass::Public => HostClass::Public,
            _ => HostClass::NonPublic,
        };
    }
    if !in_v6(ip, V6_GLOBAL_UNICAST) || V6_GLOBAL_NON_PUBLIC.iter().any(|range| in_v6(ip, *range)) {
        HostClass::NonPublic
    } else {
        HostClass::Public
    }
}

/// The IPv4 address a NAT64 or 6to4 address leads to.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = ip.to_bits();
    if in_v6(ip, V6_NAT64) {
        Some(Ipv4Addr::from_bits(bits as u32))
    } else if in_v6(ip, V6_6TO4) {
        Some(Ipv4Addr::from_bits((bits >> 80) as u32))
    } else {
        None
    }
}

fn in_v4(ip: Ipv4Addr, (base, len): (Ipv4Addr, u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == base.to_bits() & mask
}

fn in_v6(ip: Ipv6Addr, (base, len): (Ipv6Addr, u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == base.to_bits() & mask
}

/// A lower-case name without its trailing dot.
fn classify_name(name: &str) -> HostClass {
    let labels: Vec<&str> = name.split('.').collect();
    let readable =
        labels.iter().all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    if !readable || reads_as_ipv4_number(&labels) {
        return HostClass::NonPublic;
    }
    if name == "localhost" {
        return HostClass::Loopback;
    }
    let internal = INTERNAL_ZONES.iter().chain(&ADDRESS_ZONES).any(|zone| is_under(name, zone));
    if labels.len() < 2 || internal || embeds_address(&labels) { HostClass::NonPublic } else { HostClass::Public }
}

/// WHATWG reads a host whose last label is a number (`127.1`, `0x7f`, `2130706433`) as IPv4.
fn reads_as_ipv4_number(labels: &[&str]) -> bool {
    labels.last().is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x"))
}

fn is_under(name: &str, zone: &str) -> bool {
    name == zone || name.strip_suffix(zone).is_some_and(|rest| rest.ends_with('.'))
}

/// Wildcard DNS reads an address out of a name: `127.0.0.1.example`, `10-0-0-5.example`,
/// `app-10-0-0-5.example`. Refused: four numeric labels in a row, a label that starts with a
/// dashed quad, and a dashed quad elsewhere in a label when its address is not public (so
/// `ec2-54-12-34-56.compute-1.amazonaws.com` stays public).
fn embeds_address(labels: &[&str]) -> bool {
    labels.windows(4).any(|w| w.iter().all(|l| is_octet(l))) || labels.iter().any(|l| embeds_dashed_quad(l))
}

fn embeds_dashed_quad(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    parts.windows(4).enumerate().any(|(at, quad)| {
        let octets: Option<Vec<u8>> = quad.iter().map(|p| p.parse().ok().filter(|_| is_octet(p))).collect();
        match octets.as_deref() {
            Some(&[a, b, c, d]) => at == 0 || classify_v4(Ipv4Addr::new(a, b, c, d)) != HostClass::Public,
            _ => false,
        }
    })
}

fn is_octet(text: &str) -> bool {
    (1..=3).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) && text.parse::<u8>().is_ok()
}

/// The key a client address is throttled under: an IPv6 address by its /64 (one subscriber gets
/// at least that many addresses, so counting single ones would let it rotate freely), an IPv4
/// address as it is, anything unreadable as itself.
pub fn throttle_key(address: &str) -> String {
    match address.trim().parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HostClass::*;

    #[test]
    fn loopback_is_decided_on_the_address() {
        for host in
            ["127.0.0.1", "127.255.255.254", "[::1]", "[0:0:0:0:0:0:0:1]", "localhost", "localhost.", "LocalHost"]
        {
            assert_eq!(classify_host(host), Loopback, "{host}");
        }
        for host in ["127.attacker.example", "localhost.example.com", "app.localhost", "[::ffff:127.0.0.1]", "127.1"] {
            assert_ne!(classify_host(host), Loopback, "{host}");
        }
    }

    #[test]
    fn ipv4_ranges() {
        let cases = [
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("172.32.0.1", Public),
            ("100.128.0.1", Public),
            ("192.0.3.1", Public),
            ("0.0.0.0", NonPublic),
            ("0.1.2.3", NonPublic),
            ("10.0.0.5", NonPublic),
            ("100.64.0.1", NonPublic),
            ("100.127.255.255", NonPublic),
            ("169.254.169.254", NonPublic),
            ("172.16.0.1", NonPublic),
            ("172.31.255.255", NonPublic),
            ("192.0.0.8", NonPublic),
            ("192.0.2.1", NonPublic),
            ("192.88.99.1", NonPublic),
            ("192.168.1.1", NonPublic),
            ("198.18.0.1", NonPublic),
            ("198.19.255.255", NonPublic),
            ("198.51.100.7", NonPublic),
            ("203.0.113.9", NonPublic),
            ("224.0.0.1", NonPublic),
            ("240.0.0.1", NonPublic),
            ("255.255.255.255", NonPublic),
        ];
        for (host, class) in cases {
            assert_eq!(classify_host(host), class, "{host}");
        }
    }

    #[test]
    fn ipv6_ranges() {
        let cases = [
            ("[2001:4860:4860::8888]", Public),
            ("[2606:4700::1111]", Public),
            ("[64:ff9b::8.8.8.8]", Public),
            ("[2002:808:808::1]", Public),
            ("[::]", NonPublic),
            ("[::ffff:8.8.8.8]", NonPublic),
            ("[::127.0.0.1]", NonPublic),
            ("[::8.8.8.8]", NonPublic),
            ("[64:ff9b::10.0.0.1]", NonPublic),
            ("[64:ff9b::127.0.0.1]", NonPublic),
            ("[64:ff9b:1::1]", NonPublic),
            ("[2002:a00:1::]", NonPublic),
            ("[2002:7f00:1::]", NonPublic),
            ("[2002:a9fe:a9fe::1]", NonPublic),
            ("[2001::1]", NonPublic),
            ("[2001:db8::1]", NonPublic),
            ("[3fff::1]", NonPublic),
            ("[fc00::1]", NonPublic),
            ("[fd12:3456::1]", NonPublic),
            ("[fe80::1]", NonPublic),
            ("[febf::1]", NonPublic),
            ("[fec0::1]", NonPublic),
            ("[ff02::1]", NonPublic),
            ("[100::1]", NonPublic),
            ("[::1", NonPublic),
            ("[fe80::1%25eth0]", NonPublic),
        ];
        for (host, class) in cases {
            assert_eq!(classify_host(host), class, "{host}");
        }
    }

    #[test]
    fn names() {
        let cases = [
            ("login.example.com", Public),
            ("login.example.com.", Public),
            ("127.attacker.example", Public),
            ("ec2-54-12-34-56.compute-1.amazonaws.com", Public),
            ("xn--80ak6aa92e.com", Public),
            ("a_b.example", Public),
            ("app.localhost", NonPublic),
            ("printer.local", NonPublic),
            ("db.internal", NonPublic),
            ("nas.home.arpa", NonPublic),
            ("router.lan", NonPublic),
            ("host.localdomain", NonPublic),
            ("intranet", NonPublic),
            ("metadata", NonPublic),
            ("127.0.0.1.nip.io", NonPublic),
            ("app.10.0.0.5.nip.io", NonPublic),
            ("10-0-0-5.sslip.io", NonPublic),
            ("anything.xip.io", NonPublic),
            ("localtest.me", NonPublic),
            ("app.lvh.me", NonPublic),
            ("1.2.3.4.example.com", NonPublic),
            ("8-8-8-8.example.com", NonPublic),
            ("build-10-0-0-5.example.com", NonPublic),
            ("build-169-254-169-254.example.com", NonPublic),
            ("2130706433", NonPublic),
            ("0x7f.1", NonPublic),
            ("127.1", NonPublic),
            ("example.123", NonPublic),
            ("%31%32%37.0.0.1", NonPublic),
            ("раураl.com", NonPublic),
            ("a..example", NonPublic),
            ("", NonPublic),
        ];
        for (host, class) in cases {
            assert_eq!(classify_host(host), class, "{host}");
        }
    }

    #[test]
    fn lookalike_zones_are_not_internal() {
        // `is_under` matches whole labels: these only end with the same letters.
        for host in ["mylocal.com", "notlocalhost.example", "evilnip.io", "corporate.example"] {
            assert_eq!(classify_host(host), Public, "{host}");
        }
    }

    #[test]
    fn throttle_keys_group_an_ipv6_subscriber() {
        assert_eq!(throttle_key("2001:db8:1:2:aaaa::1"), throttle_key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(throttle_key("2001:db8:1:2::1"), throttle_key("2001:db8:1:3::1"));
        assert_eq!(throttle_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(throttle_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(throttle_key("unknown"), "unknown");
    }
}
