//! Device cookies in the worker (format and trust rule: `domain::device`): read one from a
//! request, keeping it only when its MAC is ours, and issue a new one after a sign-in.

use domain::device::{DEVICE_COOKIE, DEVICE_COOKIE_SECONDS, DeviceCookie};
use worker::Request;

use crate::auth;
use crate::crypto;
use crate::error::ApiResult;
use crate::mac::{MacKey, Purpose};

/// The request's device cookie, when it is well formed and carries our MAC.
pub fn from_request(req: &Request, mac: &MacKey) -> ApiResult<Option<DeviceCookie>> {
    let Some(value) = auth::cookie(req, DEVICE_COOKIE)? else { return Ok(None) };
    Ok(DeviceCookie::parse(&value)
        .filter(|(cookie, tag)| mac.verify(Purpose::Device, &cookie.signed_text(), tag))
        .map(|(cookie, _)| cookie))
}

/// A new device cookie for `user_id`, as a `Set-Cookie` value: HttpOnly (scripts never see it),
/// SameSite=Strict (no other site's request carries it), long-lived.
pub fn issue(mac: &MacKey, user_id: &str, now: i64) -> ApiResult<String> {
    let cookie = DeviceCookie {
        user_id: user_id.to_string(),
        nonce: domain::api_key::hex(&crypto::random_bytes::<16>()?),
        issued_at: now,
    };
    let tag = domain::api_key::hex(&mac.tag(Purpose::Device, &cookie.signed_text())?);
    Ok(format!(
        "{DEVICE_COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={DEVICE_COOKIE_SECONDS}",
        cookie.value(&tag)
    ))
}
