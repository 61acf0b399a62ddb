//! Secrets at rest (ARCHITECTURE.md): AES-256-GCM with a fresh 96-bit nonce per value and
//! AAD = table, row id and column, so a ciphertext moved to another row or column fails to
//! decrypt. Stored as `v1.<key id>.<nonce>.<ciphertext>` (base64url). Keys come from the worker
//! secret `ENCRYPTION_KEYS` (`id:base64,…`); the first encrypts, all decrypt, so a rotation adds a
//! new first key and re-encrypts at leisure.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;

use domain::secret::Secret;

use crate::error::{ApiError, ApiResult};

const VERSION: &str = "v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub enum EnvelopeError {
    #[error("ENCRYPTION_KEYS is missing or empty")]
    NoKeys,
    #[error("ENCRYPTION_KEYS entry {0} is not `id:base64-of-32-bytes`")]
    BadKey(usize),
    #[error("stored value is not a v1 envelope")]
    Malformed,
    #[error("no key {0} in ENCRYPTION_KEYS")]
    UnknownKey(String),
    #[error("the value does not decrypt for this row and column")]
    Rejected,
}

impl From<EnvelopeError> for ApiError {
    fn from(error: EnvelopeError) -> Self {
        ApiError::internal(error)
    }
}

/// Where a value lives: the AAD that binds a ciphertext to its place.
pub struct Place<'a> {
    pub table: &'a str,
    pub row: &'a str,
    pub column: &'a str,
}

impl Place<'_> {
    fn aad(&self) -> Vec<u8> {
        format!("{}\u{1f}{}\u{1f}{}", self.table, self.row, self.column).into_bytes()
    }
}

pub struct KeyRing {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing({} keys, [redacted])", self.keys.len())
    }
}

impl KeyRing {
    pub fn parse(spec: &str) -> Result<KeyRing, EnvelopeError> {
        let mut keys = Vec::new();
        for (index, entry) in spec.split(',').map(str::trim).filter(|e| !e.is_empty()).enumerate() {
            let (id, material) = entry.split_once(':').ok_or(EnvelopeError::BadKey(index))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(material.trim())
                .map_err(|_| EnvelopeError::BadKey(index))?;
            if bytes.len() != 32 || id.is_empty() || id.contains('.') {
                return Err(EnvelopeError::BadKey(index));
            }
            keys.push((id.to_string(), Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes))));
        }
        if keys.is_empty() {
            return Err(EnvelopeError::NoKeys);
        }
        Ok(KeyRing { keys })
    }

    pub fn from_env(env: &worker::Env) -> ApiResult<KeyRing> {
        let spec = env
            .secret("ENCRYPTION_KEYS")
            .map(|s| s.to_string())
            .or_else(|_| env.var("ENCRYPTION_KEYS").map(|v| v.to_string()))
            .unwrap_or_default();
        Ok(KeyRing::parse(&spec)?)
    }

    /// The id of the key that encrypts (the first).
    pub fn active_id(&self) -> Result<&str, EnvelopeError> {
        self.keys.first().map(|(id, _)| id.as_str()).ok_or(EnvelopeError::NoKeys)
    }

    /// The ids of every key that decrypts, the active one first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// Encrypt with the active (first) key and a fresh nonce.
    pub fn seal(&self, plaintext: &str, place: &Place<'_>, nonce: [u8; 12]) -> Result<String, EnvelopeError> {
        let (id, cipher) = self.keys.first().ok_or(EnvelopeError::NoKeys)?;
        let aad = place.aad();
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: &aad })
            .map_err(|_| EnvelopeError::Rejected)?;
        Ok(format!("{VERSION}.{id}.{}.{}", B64URL.encode(nonce), B64URL.encode(sealed)))
    }

    /// The plaintext, typed as a secret: it leaves only through `expose()`.
    pub fn open(&self, envelope: &str, place: &Place<'_>) -> Result<Secret, EnvelopeError> {
        let mut parts = envelope.split('.');
        let (Some(VERSION), Some(id), Some(nonce), Some(sealed), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(EnvelopeError::Malformed);
        };
        let nonce = B64URL.decode(nonce).map_err(|_| EnvelopeError::Malformed)?;
        let sealed = B64URL.decode(sealed).map_err(|_| EnvelopeError::Malformed)?;
        if nonce.len() != 12 {
            return Err(EnvelopeError::Malformed);
        }
        let (_, cipher) =
            self.keys.iter().find(|(k, _)| k == id).ok_or_else(|| EnvelopeError::UnknownKey(id.to_string()))?;
        let aad = place.aad();
        let plain = cipher
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &sealed, aad: &aad })
            .map_err(|_| EnvelopeError::Rejected)?;
        String::from_utf8(plain).map(Secret::new).map_err(|_| EnvelopeError::Rejected)
    }
}

/// The id of the key a stored envelope was sealed under, read without decrypting.
pub fn key_id_of(envelope: &str) -> Option<&str> {
    let mut parts = envelope.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(VERSION), Some(id), Some(_), Some(_), None) if !id.is_empty() => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "k2:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";

    fn place(row: &str) -> Place<'_> {
        Place { table: "connections", row, column: "client_secret" }
    }

    #[test]
    fn seal_and_open_round_trip_without_plaintext() {
        let ring = KeyRing::parse(K1).unwrap();
        let sealed = ring.seal("s3cr3t-value", &place("c1"), [7; 12]).unwrap();
        assert!(sealed.starts_with("v1.k1."));
        assert!(!sealed.contains("s3cr3t"));
        assert_eq!(ring.open(&sealed, &place("c1")).unwrap().expose(), "s3cr3t-value");
    }

    #[test]
    fn a_ciphertext_does_not_open_in_another_row_or_column() {
        let ring = KeyRing::parse(K1).unwrap();
        let sealed = ring.seal("x", &place("c1"), [1; 12]).unwrap();
        assert_eq!(ring.open(&sealed, &place("c2")).map(|s| s.expose().to_string()), Err(EnvelopeError::Rejected));
        let other_column = Place { table: "connections", row: "c1", column: "refresh_token" };
        assert_eq!(ring.open(&sealed, &other_column).map(|s| s.expose().to_string()), Err(EnvelopeError::Rejected));
    }

    #[test]
    fn rotation_old_keys_still_open_new_values_use_the_first() {
        let old = KeyRing::parse(K1).unwrap();
        let sealed_old = old.seal("old", &place("c1"), [2; 12]).unwrap();
        let rotated = KeyRing::parse(&format!("{K2},{K1}")).unwrap();
        assert_eq!(rotated.open(&sealed_old, &place("c1")).unwrap().expose(), "old");
        assert!(rotated.seal("new", &place("c1"), [3; 12]).unwrap().starts_with("v1.k2."));
        let without_old = KeyRing::parse(K2).unwrap();
        assert_eq!(
            without_old.open(&sealed_old, &place("c1")).map(|s| s.expose().to_string()),
            Err(EnvelopeError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn the_key_id_is_read_without_decrypting() {
        let ring = KeyRing::parse(&format!("{K2},{K1}")).unwrap();
        assert_eq!(ring.active_id().unwrap(), "k2");
        assert_eq!(ring.ids().collect::<Vec<_>>(), ["k2", "k1"]);
        let sealed = ring.seal("x", &place("c1"), [5; 12]).unwrap();
        assert_eq!(key_id_of(&sealed), Some("k2"));
        assert_eq!(key_id_of("plaintext"), None);
        assert_eq!(key_id_of("v1..a.b"), None);
        assert_eq!(key_id_of("v2.k1.a.b"), None);
        assert_eq!(key_id_of("v1.k1.a.b.c"), None);
    }

    #[test]
    fn tampering_is_detected() {
        let ring = KeyRing::parse(K1).unwrap();
        let sealed = ring.seal("value", &place("c1"), [4; 12]).unwrap();
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(ring.open(&String::from_utf8(bytes).unwrap(), &place("c1")).is_err());
        assert_eq!(ring.open("plaintext", &place("c1")).map(|s| s.expose().to_string()), Err(EnvelopeError::Malformed));
    }

    #[test]
    fn bad_key_specs_are_refused() {
        assert_eq!(KeyRing::parse("").unwrap_err(), EnvelopeError::NoKeys);
        assert_eq!(KeyRing::parse("k1").unwrap_err(), EnvelopeError::BadKey(0));
        assert_eq!(KeyRing::parse("k1:c2hvcnQ=").unwrap_err(), EnvelopeError::BadKey(0));
        assert_eq!(KeyRing::parse(&format!("{K1},nope:!!")).unwrap_err(), EnvelopeError::BadKey(1));
        assert!(format!("{:?}", KeyRing::parse(K1).unwrap()).contains("redacted"));
    }
}
