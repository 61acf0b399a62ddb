//! Device cookies in the worker (format and trust rule: `domain::device`): read one from a
//! request, keep it only when its MAC is ours for the account's current password, and issue a new
//! one after a sign-in. The MAC covers an epoch derived from the password hash, so a password
//! change (after an incident, say) ends the trust of every browser that signed in before.

use domain::device::{DEVICE_COOKIE, DEVICE_COOKIE_SECONDS, DeviceCookie};
use worker::Request;

use crate::auth;
use crate::crypto;
use crate::error::ApiResult;
use crate::mac::{MacKey, Purpose};

/// A well-formed device cookie as a request presents it; its MAC is checked once the account
/// (and so its epoch) is known.
pub struct Presented {
    cookie: DeviceCookie,
    tag: String,
}

impl Presented {
    /// The cookie, if its MAC is ours for this account's `epoch`.
    pub fn verified(self, mac: &MacKey, epoch: &str) -> Option<DeviceCookie> {
        mac.verify(Purpose::Device, &signed(&self.cookie, epoch), &self.tag).then_some(self.cookie)
    }
}

/// The request's device cookie, when it is well formed.
pub fn from_request(req: &Request) -> ApiResult<Option<Presented>> {
    let Some(value) = auth::cookie(req, DEVICE_COOKIE)? else { return Ok(None) };
    Ok(DeviceCookie::parse(&value).map(|(cookie, tag)| Presented { cookie, tag: tag.to_string() }))
}

/// The account's device epoch: changes with its password.
pub fn epoch(password_hash: &str) -> String {
    crypto::sha256_hex(password_hash.as_bytes()).chars().take(16).collect()
}

fn signed(cookie: &DeviceCookie, epoch: &str) -> String {
    format!("{}.{epoch}", cookie.signed_text())
}

/// A new device cookie for `user_id`, as a `Set-Cookie` value: HttpOnly (scripts never see it),
/// SameSite=Strict (no other site's request carries it), long-lived.
pub fn issue(mac: &MacKey, user_id: &str, epoch: &str, now: i64) -> ApiResult<String> {
    let cookie = DeviceCookie {
        user_id: user_id.to_string(),
        nonce: domain::api_key::hex(&crypto::random_bytes::<16>()?),
        issued_at: now,
    };
    let tag = domain::api_key::hex(&mac.tag(Purpose::Device, &signed(&cookie, epoch))?);
    Ok(format!(
        "{DEVICE_COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={DEVICE_COOKIE_SECONDS}",
        cookie.value(&tag)
    ))
}
