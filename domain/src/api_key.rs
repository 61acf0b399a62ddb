//! The bot API key format: `eoc_<8 hex prefix>_<64 hex secret>_<32 hex tag>`. The prefix is
//! readable and listed; the tag is a MAC of everything before it under the worker's `MAC_KEY`
//! (computed and checked by the worker: this crate does no crypto), so a key the product never
//! issued is refused before any storage or object is touched. The whole key is stored only as
//! a SHA-256 hash.

/// What every key starts with, so scanners and people can tell it apart.
pub const KEY_PREFIX: &str = "eoc_";
/// Bytes of the tag: HMAC-SHA256 truncated to 128 bits, which leaves forgery at 2^-128 per try
/// while keeping the key short enough to paste.
pub const TAG_BYTES: usize = 16;

/// Live (unrevoked) keys one person may hold. Each key is a gate object and a row every
/// revocation sweep reads, so a person cannot mint them without end; 100 leaves room for a
/// fleet of bots per person (the bench's growth section uses 100 each).
pub const MAX_LIVE_KEYS_PER_PERSON: i64 = 100;

/// The part of a new key that the tag covers (the caller supplies the random bytes).
pub fn unsigned_key(prefix_bytes: [u8; 4], secret_bytes: [u8; 32]) -> String {
    format!("{KEY_PREFIX}{}_{}", hex(&prefix_bytes), hex(&secret_bytes))
}

/// The full key: the unsigned part and its tag.
pub fn signed_key(unsigned: &str, tag: &[u8; TAG_BYTES]) -> String {
    format!("{unsigned}_{}", hex(tag))
}

/// A well-formed key taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyParts<'a> {
    /// `eoc_1a2b3c4d`, the listed prefix.
    pub prefix: &'a str,
    /// What the tag covers: `eoc_<prefix>_<secret>`.
    pub unsigned: &'a str,
    /// The tag, lower-case hex.
    pub tag: &'a str,
}

/// The parts of a well-formed key, or `None` for anything else (keys of the earlier format
/// without a tag included).
pub fn parse(key: &str) -> Option<KeyParts<'_>> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let mut parts = rest.split('_');
    let (prefix, secret, tag) = (parts.next()?, parts.next()?, parts.next()?);
    let is_hex =
        |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if parts.next().is_some() || !is_hex(prefix, 8) || !is_hex(secret, 64) || !is_hex(tag, 2 * TAG_BYTES) {
        return None;
    }
    let unsigned_len = KEY_PREFIX.len() + 8 + 1 + 64;
    Some(KeyParts { prefix: &key[..KEY_PREFIX.len() + 8], unsigned: &key[..unsigned_len], tag })
}

/// The listed prefix of a well-formed key (`eoc_1a2b3c4d`), or `None` for anything else.
pub fn key_prefix(key: &str) -> Option<&str> {
    parse(key).map(|p| p.prefix)
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

/// The bytes of lower- or upper-case hex, or `None` when it is not hex of whole bytes.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes.chunks(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        signed_key(&unsigned_key([0x1a, 0x2b, 0x3c, 0x4d], [0xff; 32]), &[0x07; TAG_BYTES])
    }

    #[test]
    fn keys_have_a_readable_prefix_and_a_tag_over_the_rest() {
        let key = key();
        assert_eq!(key.len(), 4 + 8 + 1 + 64 + 1 + 32);
        assert_eq!(key_prefix(&key), Some("eoc_1a2b3c4d"));
        let parts = parse(&key).unwrap();
        assert_eq!(parts.unsigned, unsigned_key([0x1a, 0x2b, 0x3c, 0x4d], [0xff; 32]));
        assert_eq!(parts.tag, "07".repeat(TAG_BYTES));
    }

    #[test]
    fn malformed_keys_have_no_parts() {
        let good = key();
        assert!(parse(&good).is_some());
        assert_eq!(parse(&good.to_uppercase()), None);
        assert_eq!(parse(&good[..good.len() - 1]), None);
        assert_eq!(parse(&format!("{good}0")), None);
        assert_eq!(parse(&format!("{good}_00")), None);
        assert_eq!(parse(&good.replacen("eoc_", "xyz_", 1)), None);
        assert_eq!(parse("eoc_"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn keys_of_the_untagged_format_are_not_keys_any_more() {
        let old = unsigned_key([1; 4], [2; 32]);
        assert_eq!(parse(&old), None);
        assert_eq!(key_prefix(&old), None);
    }

    #[test]
    fn hex_is_lowercase_and_complete() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn unhex_reverses_hex_and_refuses_the_rest() {
        assert_eq!(unhex("000fa0ff"), Some(vec![0x00, 0x0f, 0xa0, 0xff]));
        assert_eq!(unhex("A0"), Some(vec![0xa0]));
        assert_eq!(unhex(""), Some(vec![]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
