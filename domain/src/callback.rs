//! The OAuth callback's decision: given the consent that was started (the transaction the
//! callback consumed with its own session), what the provider sent back, where the person who
//! started it stands now, the connection as it is now, and `now`, either exchange the code or
//! refuse and say why. The worker (`edge/src/routes/oauth.rs::finish`) only reads and writes.
//!
//! The checks run in this order, and the first that fails decides:
//! 1. the consent has not expired (10 minutes);
//! 2. the session that started it is still alive, its person active and still allowed to do
//!    what the consent is for (sign-out, deactivation or a lost right in between end it);
//! 3. the provider did not answer with `error=` (declined, or a provider error);
//! 4. the connection still exists;
//! 5. an `iss` parameter, when sent, names the connection's provider (RFC 9207: a mix-up
//!    attacker's code is never exchanged at our token endpoint): its stored issuer exactly when
//!    it has one, else an issuer the token URL lives under; and when the provider announced that
//!    it always sends `iss` (`iss_required`), an answer without it is refused;
//! 6. there is a `code`;
//! 7. the connection still points where it pointed when the consent started (its destination
//!    epoch): the code of one provider is never exchanged at an endpoint it was re-pointed to.

use crate::consent::ConsentPurpose;
use crate::error::ErrorCode;
use crate::token::TokenKind;

/// The consent that was started, as its transaction row holds it.
#[derive(Debug, Clone, Copy)]
pub struct Started<'a> {
    /// Who started it.
    pub user_id: &'a str,
    /// What it is for.
    pub purpose: ConsentPurpose,
    /// Until when it may finish, seconds since the epoch.
    pub expires_at: i64,
    /// The connection's destination epoch when it started.
    pub destination_version: i64,
}

/// The provider's answer: the redirect's query parameters (blank ones count as absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct Answer<'a> {
    /// `code`.
    pub code: Option<&'a str>,
    /// `iss` (RFC 9207).
    pub iss: Option<&'a str>,
    /// `error`.
    pub error: Option<&'a str>,
    /// `error_description`.
    pub error_description: Option<&'a str>,
}

/// Where the person who started the consent stands now (read by the worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The session is alive, its person active and the same who started the consent, and
    /// still allowed to do what the consent is for.
    Allowed,
    /// The session ended or now belongs to someone else, or the person was deactivated.
    SessionEnded,
    /// The person lost the right (a role or an invite) the consent needs.
    NoLongerAllowed,
}

/// The connection as it is now.
#[derive(Debug, Clone, Copy)]
pub struct Now<'a> {
    /// Its token URL (the issuer check compares against it when no issuer is stored).
    pub token_url: &'a str,
    /// Its stored issuer identifier; empty when none.
    pub issuer: &'a str,
    /// The provider always sends `iss` (RFC 9207, from its metadata).
    pub iss_required: bool,
    /// Its destination epoch.
    pub destination_version: i64,
}

/// Go ahead: exchange `code`, and keep the token set as `keep` (nothing for a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange<'a> {
    /// The authorization code.
    pub code: &'a str,
    /// The token the consent keeps.
    pub keep: Option<TokenKind>,
}

/// Why a callback is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The API error code.
    pub code: ErrorCode,
    /// Words for the person in the popup.
    pub message: String,
    /// Whether the refusal goes to the audit log (and the person's notifications): every
    /// refusal after the consent was known to be alive does; an expired one does not.
    pub recorded: bool,
}

impl Refusal {
    fn new(code: ErrorCode, message: impl Into<String>, recorded: bool) -> Refusal {
        Refusal { code, message: message.into(), recorded }
    }
}

/// Decide a callback (see the module doc for the order of the checks). `connection` is `None`
/// when the connection was deleted meanwhile.
pub fn decide<'a>(
    started: &Started<'_>,
    answer: &Answer<'a>,
    standing: Standing,
    connection: Option<Now<'_>>,
    now: i64,
) -> Result<Exchange<'a>, Refusal> {
    if started.expires_at < now {
        return Err(Refusal::new(
            ErrorCode::StateInvalid,
            "this sign-in took too long and expired: start again",
            false,
        ));
    }
    match standing {
        Standing::Allowed => {}
        Standing::SessionEnded => {
            return Err(Refusal::new(
                ErrorCode::StateInvalid,
                "your session ended or your account changed since this sign-in started: sign in and start again",
                true,
            ));
        }
        Standing::NoLongerAllowed => {
            return Err(Refusal::new(
                ErrorCode::StateInvalid,
                "you are no longer allowed to authorize this connection",
                true,
            ));
        }
    }
    if let Some(error) = answer.error {
        let message = match error {
            "access_denied" => "consent was declined at the provider".to_string(),
            other => format!(
                "the provider answered {other}{}",
                answer.error_description.map(|d| format!(": {d}")).unwrap_or_default()
            ),
        };
        return Err(Refusal::new(ErrorCode::ProviderError, message, true));
    }
    let Some(connection) = connection else {
        return Err(Refusal::new(ErrorCode::NotFound, "the connection was deleted", false));
    };
    match answer.iss {
        Some(iss) if !issuer_ok(iss, &connection) => {
            return Err(Refusal::new(
                ErrorCode::StateInvalid,
                "the answer names another issuer than this connection's provider",
                true,
            ));
        }
        None if connection.iss_required => {
            return Err(Refusal::new(
                ErrorCode::StateInvalid,
                "the answer does not name its issuer, though this provider always does (RFC 9207)",
                true,
            ));
        }
        _ => {}
    }
    let Some(code) = answer.code else {
        return Err(Refusal::new(ErrorCode::StateInvalid, "the provider's answer has no code", true));
    };
    if connection.destination_version != started.destination_version {
        return Err(Refusal::new(
            ErrorCode::StateInvalid,
            "the connection was changed while you were signing in: start again",
            true,
        ));
    }
    Ok(Exchange { code, keep: started.purpose.token_kind() })
}

/// RFC 9207 §2.4: `iss` is compared with the stored issuer (a trailing slash aside); without one,
/// the token URL must live under it.
fn issuer_ok(iss: &str, connection: &Now<'_>) -> bool {
    if connection.issuer.is_empty() {
        crate::url::issuer_matches(iss, connection.token_url)
    } else {
        crate::discovery::same_issuer(iss, connection.issuer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const TOKEN_URL: &str = "https://login.example.com/oauth2/token";

    fn started(purpose: ConsentPurpose) -> Started<'static> {
        Started { user_id: "u1", purpose, expires_at: NOW + 60, destination_version: 3 }
    }

    fn here() -> Option<Now<'static>> {
        Some(Now { token_url: TOKEN_URL, issuer: "", iss_required: false, destination_version: 3 })
    }

    fn good() -> Answer<'static> {
        Answer { code: Some("the-code"), iss: Some("https://login.example.com"), ..Answer::default() }
    }

    fn refusal(result: Result<Exchange<'_>, Refusal>) -> Refusal {
        match result {
            Err(r) => r,
            Ok(e) => panic!("expected a refusal, got {e:?}"),
        }
    }

    #[test]
    fn a_good_answer_exchanges_and_keeps_what_the_purpose_says() {
        for (purpose, keep) in [
            (ConsentPurpose::Test, None),
            (ConsentPurpose::Shared, Some(TokenKind::Shared)),
            (ConsentPurpose::User, Some(TokenKind::User)),
        ] {
            assert_eq!(
                decide(&started(purpose), &good(), Standing::Allowed, here(), NOW),
                Ok(Exchange { code: "the-code", keep })
            );
        }
        // Without `iss` (a provider that does not send it) the answer is good too.
        let no_iss = Answer { iss: None, ..good() };
        assert!(decide(&started(ConsentPurpose::Shared), &no_iss, Standing::Allowed, here(), NOW).is_ok());
        // The last second still counts.
        let edge = Started { expires_at: NOW, ..started(ConsentPurpose::User) };
        assert!(decide(&edge, &good(), Standing::Allowed, here(), NOW).is_ok());
    }

    #[test]
    fn an_expired_consent_is_refused_first_and_not_recorded() {
        let old = Started { expires_at: NOW - 1, ..started(ConsentPurpose::Shared) };
        let r = refusal(decide(&old, &good(), Standing::SessionEnded, None, NOW));
        assert_eq!(r.code, ErrorCode::StateInvalid);
        assert!(r.message.contains("expired"));
        assert!(!r.recorded);
    }

    #[test]
    fn a_dead_session_or_a_lost_right_ends_it_before_anything_the_provider_said() {
        let declined = Answer { error: Some("access_denied"), ..good() };
        let r = refusal(decide(&started(ConsentPurpose::User), &declined, Standing::SessionEnded, here(), NOW));
        assert!(r.message.contains("session ended"), "{}", r.message);
        assert!(r.recorded);
        let r = refusal(decide(&started(ConsentPurpose::Shared), &good(), Standing::NoLongerAllowed, here(), NOW));
        assert!(r.message.contains("no longer allowed"));
        assert_eq!(r.code, ErrorCode::StateInvalid);
    }

    #[test]
    fn provider_errors_are_reported_in_words() {
        let declined = Answer { error: Some("access_denied"), ..good() };
        let r = refusal(decide(&started(ConsentPurpose::Shared), &declined, Standing::Allowed, here(), NOW));
        assert_eq!((r.code, r.message.as_str()), (ErrorCode::ProviderError, "consent was declined at the provider"));
        let other = Answer { error: Some("invalid_scope"), error_description: Some("scope x unknown"), ..good() };
        let r = refusal(decide(&started(ConsentPurpose::Shared), &other, Standing::Allowed, here(), NOW));
        assert_eq!(r.message, "the provider answered invalid_scope: scope x unknown");
        assert!(r.recorded);
    }

    #[test]
    fn a_deleted_connection_a_foreign_issuer_a_missing_code_and_a_moved_destination_are_refused() {
        let r = refusal(decide(&started(ConsentPurpose::Shared), &good(), Standing::Allowed, None, NOW));
        assert_eq!(r.code, ErrorCode::NotFound);
        let mixed_up = Answer { iss: Some("https://evil.example"), ..good() };
        let r = refusal(decide(&started(ConsentPurpose::Shared), &mixed_up, Standing::Allowed, here(), NOW));
        assert!(r.message.contains("another issuer"));
        let no_code = Answer { code: None, ..good() };
        let r = refusal(decide(&started(ConsentPurpose::Shared), &no_code, Standing::Allowed, here(), NOW));
        assert!(r.message.contains("no code"));
        let moved = Some(Now { token_url: TOKEN_URL, issuer: "", iss_required: false, destination_version: 4 });
        let r = refusal(decide(&started(ConsentPurpose::Shared), &good(), Standing::Allowed, moved, NOW));
        assert!(r.message.contains("changed while you were signing in"));
        assert!(r.recorded);
    }

    #[test]
    fn a_stored_issuer_is_matched_exactly_and_a_required_iss_must_come() {
        let stored = Some(Now {
            token_url: "https://api.example.com/oauth/token",
            issuer: "https://login.example.com/tenant",
            iss_required: true,
            destination_version: 3,
        });
        let right = Answer { iss: Some("https://login.example.com/tenant"), ..good() };
        assert!(decide(&started(ConsentPurpose::Shared), &right, Standing::Allowed, stored, NOW).is_ok());
        // The origin of the token URL is not enough once an issuer is stored.
        let origin_only = Answer { iss: Some("https://login.example.com"), ..good() };
        let r = refusal(decide(&started(ConsentPurpose::Shared), &origin_only, Standing::Allowed, stored, NOW));
        assert!(r.message.contains("another issuer"), "{}", r.message);
        let silent = Answer { iss: None, ..good() };
        let r = refusal(decide(&started(ConsentPurpose::Shared), &silent, Standing::Allowed, stored, NOW));
        assert_eq!(r.code, ErrorCode::StateInvalid);
        assert!(r.message.contains("RFC 9207"), "{}", r.message);
        assert!(r.recorded);
        // Without the announcement, a provider that sends no `iss` is fine.
        let optional = stored.map(|n| Now { iss_required: false, ..n });
        assert!(decide(&started(ConsentPurpose::Shared), &silent, Standing::Allowed, optional, NOW).is_ok());
    }

    #[test]
    fn the_issuer_is_checked_before_the_code_is_looked_at() {
        // A mix-up attacker sends its own iss with a code: the iss refusal wins.
        let mixed_up = Answer { iss: Some("https://evil.example"), code: None, ..good() };
        let r = refusal(decide(&started(ConsentPurpose::Shared), &mixed_up, Standing::Allowed, here(), NOW));
        assert!(r.message.contains("another issuer"));
    }
}
