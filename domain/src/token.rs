//! Token decisions for the vault (ARCHITECTURE.md), as functions of `now`: when to refresh, how
//! long a token without `expires_in` lives, which provider errors mean what, how to back off.

crate::text_enum! {
    /// Shared (one per connection) or user-specific (one per connection and person).
    pub enum TokenKind {
        /// The connection's one token, used by every member of its invited roles.
        Shared = "shared",
        /// The caller's own token, from their own consent.
        User = "user",
    }
}

crate::text_enum! {
    /// A stored token's `status` column: the provider's last word on its grant.
    pub enum TokenStatus {
        /// The grant worked the last time it was used.
        Valid = "valid",
        /// A refresh was answered `invalid_grant`: a person must consent again.
        NeedsReauth = "needs_reauth",
    }
}

crate::text_enum! {
    /// How a token's state reads to people (`TokenStatusView`): its stored status and its expiry.
    pub enum TokenState {
        /// Usable now (or without a known expiry).
        Valid = "valid",
        /// Past its `expires_at`; the next token API call for it tries a refresh.
        Expired = "expired",
        /// The provider refused the grant: a person must consent again.
        NeedsReauth = "needs_reauth",
    }
}

/// The vault and the `tokens` row of one token: `<connection>:shared` or `<connection>:user:<user>`.
pub fn token_id(connection_id: &str, kind: TokenKind, user_id: Option<&str>) -> String {
    match (kind, user_id) {
        (TokenKind::User, Some(user)) => format!("{connection_id}:user:{user}"),
        _ => format!("{connection_id}:shared"),
    }
}

/// Callers get a token valid for at least this long unless they ask otherwise.
pub const DEFAULT_MIN_VALID_SECONDS: i64 = 60;
/// A caller may not ask for more than this (a token rarely lives longer).
pub const MAX_MIN_VALID_SECONDS: i64 = 3600;
/// Validity assumed for a token response without `expires_in`.
pub const DEFAULT_TTL_SECONDS: i64 = 3600;
/// Provider calls per refresh before giving up.
pub const MAX_ATTEMPTS: u32 = 3;

/// Whether a token expiring at `expires_at` must be refreshed to be valid for `min_valid` more
/// seconds. A token without a known expiry is refreshed only on request (`force_refresh`).
pub fn needs_refresh(expires_at: Option<i64>, now: i64, min_valid: i64) -> bool {
    expires_at.is_some_and(|at| at - now < min_valid)
}

/// At most one refresh per token per this many seconds, however it is asked for
/// (`force_refresh`, or a `min_valid_seconds` above the token's life): one bot must not burn the
/// provider's rate limit or churn a rotating refresh token for everyone.
pub const MIN_REFRESH_INTERVAL_SECONDS: i64 = 30;

/// What a vault does with the token it holds for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Valid long enough: hand it out.
    Serve,
    /// Refresh first (one refresh for every caller waiting).
    Refresh,
    /// A refresh was asked for, but one ran within the interval and the token is still valid:
    /// hand out that fresh token instead.
    Braked,
}

/// Decide a call. `last_attempt_at` is when this token was last refreshed (or a refresh was
/// tried). An expired token is always refreshed: the brake never leaves a caller without one.
pub fn renewal(
    expires_at: Option<i64>,
    last_attempt_at: Option<i64>,
    now: i64,
    min_valid: i64,
    force: bool,
    interval: i64,
) -> Renewal {
    if !force && !needs_refresh(expires_at, now, min_valid) {
        return Renewal::Serve;
    }
    let recent = last_attempt_at.is_some_and(|at| now - at < interval);
    if recent && still_valid(expires_at, now) { Renewal::Braked } else { Renewal::Refresh }
}

/// Whether the token can still be used at all (the last good token while a refresh fails).
pub fn still_valid(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_none_or(|at| at > now)
}

/// The status stored with a token set the provider just issued (consent, refresh, client
/// credentials): whatever it was, the grant works again.
pub fn status_of_issued() -> TokenStatus {
    TokenStatus::Valid
}

/// The status stored after a failed refresh: `needs_reauth` when the grant is gone; otherwise the
/// stored one stays (`None`): a refusal or an outage says nothing about the grant.
pub fn status_after_failure(failure: FailureKind) -> Option<TokenStatus> {
    match failure {
        FailureKind::ReauthRequired => Some(TokenStatus::NeedsReauth),
        FailureKind::Rejected | FailureKind::Retryable => None,
    }
}

/// How a stored token's state reads to people.
pub fn display_status(stored: TokenStatus, expires_at: Option<i64>, now: i64) -> TokenState {
    match stored {
        TokenStatus::NeedsReauth => TokenState::NeedsReauth,
        TokenStatus::Valid if still_valid(expires_at, now) => TokenState::Valid,
        TokenStatus::Valid => TokenState::Expired,
    }
}

/// When a token issued at `now` expires (seconds since the epoch): `now + expires_in`, or
/// `now + default_ttl` when the provider sent no `expires_in`.
pub fn expires_at(now: i64, expires_in: Option<u64>, default_ttl: i64) -> i64 {
    now + expires_in.map_or(default_ttl, |s| i64::try_from(s).unwrap_or(i64::MAX / 2))
}

/// Clamp a caller's `min_valid_seconds`.
pub fn min_valid(requested: Option<i64>) -> i64 {
    requested.unwrap_or(DEFAULT_MIN_VALID_SECONDS).clamp(0, MAX_MIN_VALID_SECONDS)
}

/// What a failed token request means for the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The grant is gone (revoked, expired, rotated away): a person must consent again.
    ReauthRequired,
    /// The provider refuses our client or request: retrying will not help.
    Rejected,
    /// Worth another try: the provider is down, slow, or answered garbage.
    Retryable,
}

/// Classify an OAuth error code from a token endpoint (RFC 6749 §5.2).
pub fn classify(error_code: &str) -> FailureKind {
    match error_code {
        "invalid_grant" => FailureKind::ReauthRequired,
        "server_error" | "temporarily_unavailable" => FailureKind::Retryable,
        _ => FailureKind::Rejected,
    }
}

/// Milliseconds to wait before attempt `attempt` (1-based; the first has none).
pub fn backoff_ms(attempt: u32) -> u64 {
    match attempt {
        0 | 1 => 0,
        n => 200u64.saturating_mul(1u64 << (n - 2).min(6)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn ids_name_the_token() {
        assert_eq!(token_id("c1", TokenKind::Shared, None), "c1:shared");
        assert_eq!(token_id("c1", TokenKind::Shared, Some("u1")), "c1:shared");
        assert_eq!(token_id("c1", TokenKind::User, Some("u1")), "c1:user:u1");
    }

    #[test]
    fn refresh_happens_inside_the_window_only() {
        assert!(!needs_refresh(Some(NOW + 600), NOW, 60));
        assert!(needs_refresh(Some(NOW + 59), NOW, 60));
        assert!(needs_refresh(Some(NOW - 1), NOW, 0));
        assert!(!needs_refresh(None, NOW, 3600), "unknown expiry: only on force_refresh");
    }

    #[test]
    fn last_good_token_is_valid_until_it_expires() {
        assert!(still_valid(Some(NOW + 1), NOW));
        assert!(!still_valid(Some(NOW), NOW));
        assert!(still_valid(None, NOW));
    }

    #[test]
    fn display_status_reads_expiry() {
        assert_eq!(display_status(TokenStatus::Valid, Some(NOW + 10), NOW), TokenState::Valid);
        assert_eq!(display_status(TokenStatus::Valid, Some(NOW - 10), NOW), TokenState::Expired);
        assert_eq!(display_status(TokenStatus::Valid, None, NOW), TokenState::Valid);
        assert_eq!(display_status(TokenStatus::NeedsReauth, Some(NOW + 10), NOW), TokenState::NeedsReauth);
    }

    #[test]
    fn only_a_gone_grant_marks_the_stored_token() {
        assert_eq!(status_of_issued(), TokenStatus::Valid);
        assert_eq!(status_after_failure(FailureKind::ReauthRequired), Some(TokenStatus::NeedsReauth));
        assert_eq!(status_after_failure(FailureKind::Rejected), None);
        assert_eq!(status_after_failure(FailureKind::Retryable), None);
    }

    #[test]
    fn missing_expires_in_uses_the_default() {
        assert_eq!(expires_at(NOW, Some(120), 3600), NOW + 120);
        assert_eq!(expires_at(NOW, None, 3600), NOW + 3600);
    }

    #[test]
    fn min_valid_is_clamped() {
        assert_eq!(min_valid(None), 60);
        assert_eq!(min_valid(Some(-5)), 0);
        assert_eq!(min_valid(Some(10_000)), 3600);
    }

    #[test]
    fn errors_are_classified() {
        assert_eq!(classify("invalid_grant"), FailureKind::ReauthRequired);
        assert_eq!(classify("temporarily_unavailable"), FailureKind::Retryable);
        assert_eq!(classify("server_error"), FailureKind::Retryable);
        for code in ["invalid_client", "unauthorized_client", "invalid_scope", "unsupported_grant_type", "whatever"] {
            assert_eq!(classify(code), FailureKind::Rejected, "{code}");
        }
    }

    #[test]
    fn backoff_grows() {
        assert_eq!((backoff_ms(1), backoff_ms(2), backoff_ms(3), backoff_ms(4)), (0, 200, 400, 800));
        assert!(backoff_ms(100) <= 200 * 64);
    }

    #[test]
    fn refreshes_are_braked_while_the_token_is_fresh() {
        let (now, i) = (1_000_000, MIN_REFRESH_INTERVAL_SECONDS);
        let expires = Some(now + 3600);
        assert_eq!(renewal(expires, None, now, 60, false, i), Renewal::Serve);
        assert_eq!(renewal(expires, None, now, 60, true, i), Renewal::Refresh);
        assert_eq!(renewal(expires, Some(now - 5), now, 60, true, i), Renewal::Braked);
        assert_eq!(renewal(expires, Some(now - i), now, 60, true, i), Renewal::Refresh);
        // A min_valid_seconds above the token's life is a refresh request like any other.
        assert_eq!(renewal(Some(now + 100), Some(now - 5), now, 600, false, i), Renewal::Braked);
        assert_eq!(renewal(Some(now + 100), Some(now - 31), now, 600, false, i), Renewal::Refresh);
    }

    #[test]
    fn an_expired_token_is_refreshed_whatever_the_brake_says() {
        let now = 1_000_000;
        assert_eq!(renewal(Some(now - 1), Some(now - 1), now, 60, false, 30), Renewal::Refresh);
        assert_eq!(renewal(Some(now), Some(now - 1), now, 0, true, 30), Renewal::Refresh);
    }

    #[test]
    fn no_interval_means_no_brake() {
        let now = 1_000_000;
        assert_eq!(renewal(Some(now + 3600), Some(now), now, 60, true, 0), Renewal::Refresh);
    }
}
