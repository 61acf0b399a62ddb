//! The device cookie (OWASP, "Slow down online guessing attacks with device cookies"): after a
//! successful sign-in the browser gets a cookie naming the account, a random id and the time,
//! with a MAC under the worker's `MAC_KEY`. A browser that shows a good one for an account is
//! judged by its own failure count, not by the account's count for strangers, so nobody can
//! lock the owner out by failing on purpose (`session.rs` counts, the worker checks the MAC).

/// `__Host-`: Secure, Path=/ and no Domain, so no other site or subdomain can set it.
pub const DEVICE_COOKIE: &str = "__Host-device";
/// How long a device stays trusted after the sign-in that marked it; each sign-in renews it.
pub const DEVICE_COOKIE_SECONDS: i64 = 180 * 24 * 3600;
/// The format tag, so a later format can be told apart (and old cookies simply ignored).
const VERSION: &str = "d1";

/// A browser's proof that it signed in to one account before (`__Host-device`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCookie {
    /// The account it vouches for.
    pub user_id: String,
    /// Random, 32 hex: the id the device's own failures are counted under.
    pub nonce: String,
    /// When it was issued, seconds since the epoch.
    pub issued_at: i64,
}

impl DeviceCookie {
    /// The text the MAC covers: `d1.<user id>.<nonce>.<issued at>`.
    pub fn signed_text(&self) -> String {
        format!("{VERSION}.{}.{}.{}", self.user_id, self.nonce, self.issued_at)
    }

    /// The cookie value: the signed text, then the MAC in hex.
    pub fn value(&self, mac_hex: &str) -> String {
        format!("{}.{mac_hex}", self.signed_text())
    }

    /// The cookie in a value and the MAC it carries (hex, for the caller to check), or `None`
    /// when the value is not of this format.
    pub fn parse(value: &str) -> Option<(DeviceCookie, &str)> {
        let mut parts = value.split('.');
        let (version, user_id, nonce, issued_at, mac) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let id_like =
            |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        if parts.next().is_some() || version != VERSION || !id_like(user_id) || !hex(nonce, 32) || !hex(mac, 64) {
            return None;
        }
        let issued_at = issued_at.parse::<i64>().ok().filter(|t| *t >= 0)?;
        Some((DeviceCookie { user_id: user_id.to_string(), nonce: nonce.to_string(), issued_at }, mac))
    }

    /// Whether this cookie (its MAC already checked) vouches for a sign-in to `account_id` now:
    /// issued for that account, not from the future, not older than `DEVICE_COOKIE_SECONDS`.
    pub fn vouches_for(&self, account_id: &str, now: i64) -> bool {
        self.user_id == account_id && self.issued_at <= now && now - self.issued_at < DEVICE_COOKIE_SECONDS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    fn cookie() -> DeviceCookie {
        DeviceCookie {
            user_id: "0190abc123def".into(),
            nonce: "0123456789abcdef0123456789abcdef".into(),
            issued_at: T0,
        }
    }

    #[test]
    fn a_value_round_trips_with_its_mac() {
        let mac = "ab".repeat(32);
        let value = cookie().value(&mac);
        assert_eq!(value, format!("d1.0190abc123def.0123456789abcdef0123456789abcdef.{T0}.{mac}"));
        assert_eq!(DeviceCookie::parse(&value), Some((cookie(), mac.as_str())));
    }

    #[test]
    fn malformed_values_are_not_cookies() {
        let mac = "ab".repeat(32);
        let good = cookie().value(&mac);
        for bad in [
            String::new(),
            good.replacen("d1.", "d2.", 1),
            format!("{good}.extra"),
            good[..good.len() - 1].to_string(),
            cookie().value("zz"),
            format!("d1..{}.{T0}.{mac}", cookie().nonce),
            format!("d1.user.{}.-5.{mac}", cookie().nonce),
            format!("d1.us;er.{}.{T0}.{mac}", cookie().nonce),
        ] {
            assert_eq!(DeviceCookie::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_cookie_vouches_only_for_its_account_and_only_while_young() {
        let c = cookie();
        assert!(c.vouches_for("0190abc123def", T0));
        assert!(c.vouches_for("0190abc123def", T0 + DEVICE_COOKIE_SECONDS - 1));
        assert!(!c.vouches_for("0190abc123def", T0 + DEVICE_COOKIE_SECONDS));
        assert!(!c.vouches_for("someone-else", T0));
        assert!(!c.vouches_for("0190abc123def", T0 - 1), "issued in the future");
    }

    #[test]
    fn the_mac_covers_account_nonce_and_time() {
        let base = cookie().signed_text();
        let other_user = DeviceCookie { user_id: "other".into(), ..cookie() };
        let other_time = DeviceCookie { issued_at: T0 + 1, ..cookie() };
        assert_ne!(base, other_user.signed_text());
        assert_ne!(base, other_time.signed_text());
        assert!(base.starts_with("d1."));
    }
}
