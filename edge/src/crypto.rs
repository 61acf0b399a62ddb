//! Randomness, hashing and password storage.
//!
//! Passwords: argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1). WebCrypto PBKDF2 would be
//! cheaper in CPU, but workerd caps PBKDF2 at 100,000 iterations, a sixth of OWASP's 600,000 for
//! PBKDF2-SHA256; argon2id reaches the recommended strength within Workers' CPU limits (paid
//! plan; `cargo xtask bench` measures one verification).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use domain::secret::Secret;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

pub fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(bytes)
}

/// A new opaque id: a millisecond timestamp then randomness, so ids sort by creation.
pub fn new_id() -> ApiResult<String> {
    let millis = worker::Date::now().as_millis();
    Ok(format!("{millis:012x}{}", domain::api_key::hex(&random_bytes::<8>()?)))
}

pub fn sha256_hex(data: &[u8]) -> String {
    domain::api_key::hex(&Sha256::digest(data))
}

fn argon2() -> ApiResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(ApiError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(password: &Secret) -> ApiResult<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(ApiError::internal)?;
    Ok(argon2()?.hash_password(password.expose().as_bytes(), &salt).map_err(ApiError::internal)?.to_string())
}

pub fn verify_password(password: &Secret, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    argon2().is_ok_and(|a| a.verify_password(password.expose().as_bytes(), &parsed).is_ok())
}

/// Spend what one verification costs, for sign-ins with an unknown email, so timing does not
/// reveal which emails have accounts.
pub fn burn_password_check(password: &Secret) {
    let _ = hash_password(password);
}
