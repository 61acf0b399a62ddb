//! Webhook signing secrets and signatures, per Standard Webhooks: a secret is `whsec_` and the
//! base64 of 32 random bytes; a delivery's signature is the base64 HMAC-SHA256, under the
//! decoded bytes, of `msg_id.timestamp.body` (`domain::webhook::signed_content`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use domain::secret::Secret;
use domain::webhook::{SECRET_PREFIX, secret_material, signed_content};

use crate::error::{ApiError, ApiResult};

/// A fresh signing secret.
pub fn new_secret() -> ApiResult<Secret> {
    Ok(secret_from(&crate::crypto::random_bytes::<32>()?))
}

fn secret_from(bytes: &[u8]) -> Secret {
    Secret::new(format!("{SECRET_PREFIX}{}", B64.encode(bytes)))
}

/// The signature (base64, without `v1,`) of one delivery under `secret`.
pub fn sign(secret: &Secret, message_id: &str, timestamp: i64, body: &str) -> ApiResult<String> {
    signature(secret, message_id, timestamp, body)
        .ok_or_else(|| ApiError::internal("a stored webhook secret is not whsec_<base64>"))
}

/// The same; `None` when the secret is not `whsec_<base64>`.
fn signature(secret: &Secret, message_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = secret_material(secret.expose()).and_then(|m| B64.decode(m).ok())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(signed_content(message_id, timestamp, body).as_bytes());
    Some(B64.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The example of the Standard Webhooks specification and its reference libraries.
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signed = signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#);
        assert_eq!(signed.as_deref(), Some("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    #[test]
    fn secrets_are_prefixed_base64_of_32_bytes() {
        let secret = secret_from(&[7u8; 32]);
        let material = secret_material(secret.expose()).unwrap();
        assert_eq!(B64.decode(material).unwrap(), vec![7u8; 32]);
        assert_eq!(signature(&Secret::new("not-a-secret"), "m", 1, "{}"), None);
        assert_eq!(signature(&Secret::new("whsec_***"), "m", 1, "{}"), None);
    }
}
