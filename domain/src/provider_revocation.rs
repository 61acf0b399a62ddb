//! Revocation at the provider (RFC 7009): when the product drops a token (a connection deleted,
//! a person forgetting their token, a destination change, a person losing access, a
//! client-credentials connection's new secret or scopes), it tells the
//! provider's revocation endpoint too. This module decides which token is sent, how an answer is
//! read and when to try again; the worker sends (`edge/src/provider_revocation.rs`).
//!
//! Not to be confused with `edge/src/revocation.rs`, which resets the product's own objects after
//! an access change.

crate::text_enum! {
    /// Why a token was dropped (the audit detail of `token.revoke`).
    pub enum DropReason {
        /// The connection was deleted.
        ConnectionDeleted = "connection_deleted",
        /// A person forgot their own token.
        TokenForgotten = "token_forgotten",
        /// The connection now sends credentials elsewhere: tokens issued for the old place go.
        DestinationChanged = "destination_changed",
        /// The token's person may no longer use the connection.
        AccessLost = "access_lost",
        /// A client-credentials connection's secret or scopes changed: its token is fetched anew.
        CredentialsChanged = "credentials_changed",
    }
}

crate::text_enum! {
    /// The `token_type_hint` sent with the token (RFC 7009 §2.1).
    pub enum TokenHint {
        /// A refresh token: revoking it ends the grant at most providers.
        RefreshToken = "refresh_token",
        /// An access token, when the set has no refresh token.
        AccessToken = "access_token",
    }
}

/// The refresh token when the set has one (revoking it ends the grant and, at most providers,
/// its access tokens), else the access token.
pub fn token_to_send<T>(refresh_token: Option<T>, access_token: T) -> (T, TokenHint) {
    match refresh_token {
        Some(refresh) => (refresh, TokenHint::RefreshToken),
        None => (access_token, TokenHint::AccessToken),
    }
}

/// How long a revocation is retried after the token was dropped: a day, then given up.
pub const RETRY_WINDOW_SECONDS: i64 = 24 * 3600;

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: one minute, doubling,
/// at most four hours (the cron runs every five minutes, so short waits round up to it).
pub fn backoff_seconds(attempts: u32) -> i64 {
    60i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(8)).min(4 * 3600)
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The provider answered 200: revoked (RFC 7009 §2.2 answers 200 for an unknown token too).
    Revoked,
    /// Worth another try at this time (seconds since the epoch).
    RetryAt(i64),
    /// No further try: the provider refused the request (a 4xx other than 429: retrying would
    /// get the same answer), or the retry window is over.
    GiveUp,
}

/// Judge an attempt: `status` is the provider's HTTP status (`None`: no answer, a timeout or a
/// network error), `attempts` how many were made including this one, `dropped_at` when the
/// token was dropped.
pub fn after_attempt(status: Option<u16>, attempts: u32, dropped_at: i64, now: i64) -> Verdict {
    match status {
        Some(200) => Verdict::Revoked,
        Some(s) if (400..500).contains(&s) && s != 429 => Verdict::GiveUp,
        _ => {
            let at = now + backoff_seconds(attempts);
            if at > dropped_at + RETRY_WINDOW_SECONDS { Verdict::GiveUp } else { Verdict::RetryAt(at) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn the_refresh_token_goes_when_there_is_one() {
        assert_eq!(token_to_send(Some("r"), "a"), ("r", TokenHint::RefreshToken));
        assert_eq!(token_to_send(None, "a"), ("a", TokenHint::AccessToken));
    }

    #[test]
    fn success_refusal_and_transient_failures() {
        assert_eq!(after_attempt(Some(200), 1, T0, T0), Verdict::Revoked);
        for refused in [400, 401, 403, 404] {
            assert_eq!(after_attempt(Some(refused), 1, T0, T0), Verdict::GiveUp, "{refused}");
        }
        for transient in [None, Some(429), Some(500), Some(502), Some(503), Some(301)] {
            assert_eq!(after_attempt(transient, 1, T0, T0), Verdict::RetryAt(T0 + 60), "{transient:?}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_a_ceiling_and_stops_after_a_day() {
        assert_eq!((1..=6).map(backoff_seconds).collect::<Vec<_>>(), vec![60, 120, 240, 480, 960, 1920]);
        assert_eq!(backoff_seconds(30), 4 * 3600);
        assert_eq!(backoff_seconds(0), 60);
        let late = T0 + RETRY_WINDOW_SECONDS - 30;
        assert_eq!(after_attempt(Some(503), 12, T0, late), Verdict::GiveUp);
        assert!(matches!(after_attempt(Some(503), 12, T0, T0 + 3600), Verdict::RetryAt(_)));
    }

    #[test]
    fn stored_names_are_stable() {
        assert_eq!(
            DropReason::ALL.map(DropReason::as_str),
            ["connection_deleted", "token_forgotten", "destination_changed", "access_lost", "credentials_changed"]
        );
        assert_eq!(TokenHint::ALL.map(TokenHint::as_str), ["refresh_token", "access_token"]);
    }
}
