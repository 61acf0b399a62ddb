//! The bot API key format: `eoc_<8 hex prefix>_<64 hex secret>`. The prefix is readable and
//! listed; the whole key is stored only as a SHA-256 hash (by the worker).

pub const KEY_PREFIX: &str = "eoc_";

/// Build a key from random bytes (the caller supplies them: this crate does no I/O).
pub fn format_key(prefix_bytes: [u8; 4], secret_bytes: [u8; 32]) -> String {
    format!("{KEY_PREFIX}{}_{}", hex(&prefix_bytes), hex(&secret_bytes))
}

/// The listed prefix of a well-formed key (`eoc_1a2b3c4d`), or `None` for anything else.
pub fn key_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (prefix, secret) = rest.split_once('_')?;
    let is_hex =
        |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (is_hex(prefix, 8) && is_hex(secret, 64)).then(|| &key[..KEY_PREFIX.len() + 8])
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_a_readable_prefix() {
        let key = format_key([0x1a, 0x2b, 0x3c, 0x4d], [0xff; 32]);
        assert_eq!(key.len(), 4 + 8 + 1 + 64);
        assert_eq!(key_prefix(&key), Some("eoc_1a2b3c4d"));
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        let good = format_key([1; 4], [2; 32]);
        assert!(key_prefix(&good).is_some());
        assert_eq!(key_prefix(&good.to_uppercase()), None);
        assert_eq!(key_prefix(&good[..good.len() - 1]), None);
        assert_eq!(key_prefix(&good.replacen("eoc_", "xyz_", 1)), None);
        assert_eq!(key_prefix("eoc_"), None);
        assert_eq!(key_prefix(""), None);
    }

    #[test]
    fn hex_is_lowercase_and_complete() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
