//! MACs under the worker secret `MAC_KEY` (base64 of 32 random bytes): the tag inside every bot
//! key (so keys the product never issued are refused before any storage or object is touched)
//! and the signature of device cookies. HMAC-SHA256; each use feeds its own label first, so a
//! tag made for one can never pass as the other. Tags are compared in constant time.
//!
//! The key is read, decoded and keyed into HMAC once per isolate (`from_env`), not once per
//! request: a bot key's tag is checked on every call of the hot path. A secret changes only with
//! a new version of the worker, and a new version runs in new isolates.

use std::cell::OnceCell;
use std::rc::Rc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use worker::Env;

use crate::error::{ApiError, ApiResult};

type HmacSha256 = Hmac<Sha256>;

/// What a tag is for; the label is part of what the MAC covers.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    ApiKey,
    Device,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::ApiKey => b"eoc api key\0",
            Purpose::Device => b"eoc device cookie\0",
        }
    }
}

/// The key, as HMAC keyed with it (the state before any input); no `Debug`, so it cannot end up
/// in a log.
pub struct MacKey(HmacSha256);

thread_local! {
    /// This isolate's key, once it was read successfully (a failure is not kept: it is read again).
    static ISOLATE_KEY: OnceCell<Rc<MacKey>> = const { OnceCell::new() };
}

impl MacKey {
    /// `MAC_KEY` from the worker's secrets (or vars, as `wrangler dev --var` passes it), read
    /// once per isolate. Without it nothing that needs it works: no silent fallback to a
    /// guessable key.
    pub fn from_env(env: &Env) -> ApiResult<Rc<MacKey>> {
        if let Some(key) = ISOLATE_KEY.with(|k| k.get().cloned()) {
            return Ok(key);
        }
        let key = Rc::new(MacKey::read(env)?);
        Ok(ISOLATE_KEY.with(|k| k.get_or_init(|| key).clone()))
    }

    fn read(env: &Env) -> ApiResult<MacKey> {
        use base64::Engine;
        let raw = env.secret("MAC_KEY").or_else(|_| env.var("MAC_KEY")).map(|v| v.to_string()).map_err(|_| {
            ApiError::internal(
                "MAC_KEY is not set: bot keys and device cookies cannot be checked. Set it to the base64 of 32 \
                 random bytes (`wrangler secret put MAC_KEY`; `cargo xtask dev` writes one to .dev.vars)",
            )
        })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw.trim())
            .map_err(|e| ApiError::internal(format!("MAC_KEY is not base64: {e}")))?;
        if bytes.len() < 32 {
            return Err(ApiError::internal(format!("MAC_KEY has {} bytes; it needs 32", bytes.len())));
        }
        Ok(MacKey(HmacSha256::new_from_slice(&bytes).map_err(ApiError::internal)?))
    }

    fn mac(&self, purpose: Purpose, text: &str) -> ApiResult<HmacSha256> {
        let mut mac = self.0.clone();
        mac.update(purpose.label());
        mac.update(text.as_bytes());
        Ok(mac)
    }

    /// The full 32-byte tag of `text`.
    pub fn tag(&self, purpose: Purpose, text: &str) -> ApiResult<[u8; 32]> {
        Ok(self.mac(purpose, text)?.finalize().into_bytes().into())
    }

    /// Whether `tag_hex` is the tag of `text`, or its leading bytes when shorter (bot keys carry
    /// 16 of the 32). Constant time in the tag's content; tags under 16 bytes never pass.
    pub fn verify(&self, purpose: Purpose, text: &str, tag_hex: &str) -> bool {
        let Some(tag) = domain::api_key::unhex(tag_hex).filter(|t| (16..=32).contains(&t.len())) else {
            return false;
        };
        self.mac(purpose, text).is_ok_and(|mac| mac.verify_truncated_left(&tag).is_ok())
    }
}
