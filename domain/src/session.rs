//! Session lifetime and sign-in throttling as decisions over `now` (seconds since the epoch);
//! the worker stores the numbers and does what these functions say.

/// A session ends after this long without use.
pub const SESSION_IDLE_SECONDS: i64 = 8 * 3600;
/// …and after this long whatever happens.
pub const SESSION_ABSOLUTE_SECONDS: i64 = 7 * 24 * 3600;
/// `last_seen_at` is written at most this often, so reads don't each cost a D1 write.
pub const SESSION_TOUCH_EVERY_SECONDS: i64 = 300;

/// Consecutive failed sign-ins for one account before it is locked.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
/// How long the lock lasts; a success afterwards resets the count.
pub const LOCK_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    /// Valid; `touch` says whether to record `now` as the last use.
    Valid {
        touch: bool,
    },
    Expired,
}

pub fn check_session(created_at: i64, last_seen_at: i64, now: i64) -> SessionCheck {
    if now - created_at >= SESSION_ABSOLUTE_SECONDS || now - last_seen_at >= SESSION_IDLE_SECONDS {
        return SessionCheck::Expired;
    }
    SessionCheck::Valid { touch: now - last_seen_at >= SESSION_TOUCH_EVERY_SECONDS }
}

/// Whether an account may try to sign in now.
pub fn is_locked(locked_until: Option<i64>, now: i64) -> bool {
    locked_until.is_some_and(|until| now < until)
}

/// After a failed attempt: the new failure count and, when it reaches the limit, the lock end.
pub fn after_failure(failed_before: i64, now: i64) -> (i64, Option<i64>) {
    let failed = failed_before + 1;
    if failed >= MAX_FAILED_SIGN_INS { (0, Some(now + LOCK_SECONDS)) } else { (failed, None) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn fresh_session_is_valid_without_touch() {
        assert_eq!(check_session(T0, T0, T0 + 10), SessionCheck::Valid { touch: false });
    }

    #[test]
    fn touch_is_asked_for_after_the_interval() {
        assert_eq!(check_session(T0, T0, T0 + SESSION_TOUCH_EVERY_SECONDS), SessionCheck::Valid { touch: true });
    }

    #[test]
    fn idle_sessions_expire() {
        assert_eq!(check_session(T0, T0, T0 + SESSION_IDLE_SECONDS), SessionCheck::Expired);
        assert!(matches!(check_session(T0, T0, T0 + SESSION_IDLE_SECONDS - 1), SessionCheck::Valid { .. }));
    }

    #[test]
    fn busy_sessions_still_end_at_the_absolute_limit() {
        let now = T0 + SESSION_ABSOLUTE_SECONDS;
        assert_eq!(check_session(T0, now - 1, now), SessionCheck::Expired);
    }

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let mut failed = 0;
        for _ in 0..MAX_FAILED_SIGN_INS - 1 {
            let (next, lock) = after_failure(failed, T0);
            assert_eq!(lock, None);
            failed = next;
        }
        let (count, lock) = after_failure(failed, T0);
        assert_eq!((count, lock), (0, Some(T0 + LOCK_SECONDS)));
        assert!(is_locked(lock, T0 + LOCK_SECONDS - 1));
        assert!(!is_locked(lock, T0 + LOCK_SECONDS));
        assert!(!is_locked(None, T0));
    }
}
