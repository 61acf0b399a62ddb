//! Session lifetime and sign-in throttling as decisions over `now` (seconds since the epoch);
//! the worker stores the numbers and does what these functions say.

/// A session ends after this long without use.
pub const SESSION_IDLE_SECONDS: i64 = 8 * 3600;
/// …and after this long whatever happens.
pub const SESSION_ABSOLUTE_SECONDS: i64 = 7 * 24 * 3600;
/// `last_seen_at` is written at most this often, so reads don't each cost a D1 write.
pub const SESSION_TOUCH_EVERY_SECONDS: i64 = 300;

/// What a session's times say about it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    /// Valid; `touch` says whether to record `now` as the last use.
    Valid {
        /// `last_seen_at` is `SESSION_TOUCH_EVERY_SECONDS` old or more: write `now`.
        touch: bool,
    },
    /// Idle too long or too old: the session ends.
    Expired,
}

/// Judge a session created at `created_at` and last used at `last_seen_at` (seconds since the
/// epoch) against the idle and absolute limits.
pub fn check_session(created_at: i64, last_seen_at: i64, now: i64) -> SessionCheck {
    if now - created_at >= SESSION_ABSOLUTE_SECONDS || now - last_seen_at >= SESSION_IDLE_SECONDS {
        return SessionCheck::Expired;
    }
    SessionCheck::Valid { touch: now - last_seen_at >= SESSION_TOUCH_EVERY_SECONDS }
}

/// Failed sign-ins within one window before a lock. Counted twice over, separately: per
/// account for browsers without a device cookie for it ("untrusted clients"), and per device
/// cookie for browsers that have one (`device.rs`). A stranger can thus lock out only other
/// strangers: the owner's browser keeps its own count (OWASP's device-cookie scheme).
pub const MAX_FAILED_SIGN_INS: i64 = 5;
/// Failures older than this stop counting, so a typo a week does not add up to a lock.
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;
/// How long a lock lasts. With the window, online guessing at one account from untrusted
/// clients is bounded to `MAX_FAILED_SIGN_INS` per `LOCK_SECONDS`, whatever the addresses.
pub const LOCK_SECONDS: i64 = 15 * 60;

/// One failure counter (an account's untrusted clients, or one device cookie), as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// Failures in the current window.
    pub count: i64,
    /// When the current window began (its first failure); meaningless while `count` is 0.
    pub since: i64,
    /// Attempts are refused until this time (seconds since the epoch); `None` when never locked.
    pub locked_until: Option<i64>,
}

impl Failures {
    /// Whether this counter refuses attempts now.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// The counter after one more failure: a new window when the last one is over; a lock
    /// (and a fresh count) when the window reaches the limit.
    pub fn after_failure(self, now: i64) -> Failures {
        let (count, since) = if self.count == 0 || now - self.since >= FAILURE_WINDOW_SECONDS {
            (1, now)
        } else {
            (self.count + 1, self.since)
        };
        if count >= MAX_FAILED_SIGN_INS {
            Failures { count: 0, since: now, locked_until: Some(now + LOCK_SECONDS) }
        } else {
            Failures { count, since, locked_until: self.locked_until.filter(|until| now < *until) }
        }
    }

    /// Whether this failure is the one that locked the counter (for the audit row).
    pub fn just_locked(&self, now: i64) -> bool {
        self.locked_until == Some(now + LOCK_SECONDS)
    }
}

crate::text_enum! {
    /// Which counter judges a sign-in attempt (whether a device cookie vouches: `device.rs`); its
    /// text goes into the audit row.
    pub enum Judge {
        /// A browser with a good device cookie for the account: that cookie's own counter.
        Device = "device",
        /// Anyone else: the account's counter for untrusted clients.
        Untrusted = "untrusted",
    }
}

impl Judge {
    /// `Device` when a device cookie vouches for the account, else `Untrusted`.
    pub fn of(device_vouches: bool) -> Judge {
        if device_vouches { Judge::Device } else { Judge::Untrusted }
    }

    /// Whether a successful sign-in clears the account's untrusted-clients counter. Only one
    /// from an untrusted client does: the owner signing in from their own browser must not hand
    /// a guesser a fresh count, nor lift the lock the guesser earned.
    pub fn success_clears_untrusted(self) -> bool {
        self == Judge::Untrusted
    }
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

    fn fail(times: i64, start: Failures, now: i64) -> Failures {
        (0..times).fold(start, |f, _| f.after_failure(now))
    }

    #[test]
    fn the_fifth_failure_in_a_window_locks_for_fifteen_minutes() {
        let four = fail(MAX_FAILED_SIGN_INS - 1, Failures::default(), T0);
        assert_eq!(four.count, MAX_FAILED_SIGN_INS - 1);
        assert!(!four.is_locked(T0));
        let locked = four.after_failure(T0 + 10);
        assert!(locked.just_locked(T0 + 10));
        assert!(locked.is_locked(T0 + 10 + LOCK_SECONDS - 1));
        assert!(!locked.is_locked(T0 + 10 + LOCK_SECONDS));
        assert!(!Failures::default().is_locked(T0));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let four = fail(MAX_FAILED_SIGN_INS - 1, Failures::default(), T0);
        let later = four.after_failure(T0 + FAILURE_WINDOW_SECONDS);
        assert_eq!((later.count, later.since, later.locked_until), (1, T0 + FAILURE_WINDOW_SECONDS, None));
    }

    #[test]
    fn failures_after_a_lock_count_afresh_and_do_not_extend_it() {
        let locked = fail(MAX_FAILED_SIGN_INS, Failures::default(), T0);
        let until = locked.locked_until;
        // A failure during the lock (the worker refuses before checking, but a race may count
        // one) keeps the same end.
        let during = locked.after_failure(T0 + 1);
        assert_eq!(during.locked_until, until);
        assert!(!during.just_locked(T0 + 1));
        // After the lock, the old lock is dropped as the count restarts.
        let after = locked.after_failure(T0 + LOCK_SECONDS);
        assert_eq!((after.count, after.locked_until), (1, None));
    }

    #[test]
    fn only_an_untrusted_success_clears_the_untrusted_count() {
        assert_eq!(Judge::of(true), Judge::Device);
        assert_eq!(Judge::of(false), Judge::Untrusted);
        assert!(!Judge::Device.success_clears_untrusted());
        assert!(Judge::Untrusted.success_clears_untrusted());
    }

    #[test]
    fn bounded_guessing_five_per_lock_period() {
        // However fast a guesser goes, one counter lets through at most MAX per LOCK_SECONDS.
        let mut f = Failures::default();
        let mut tried = 0;
        for second in 0..LOCK_SECONDS {
            if !f.is_locked(T0 + second) {
                tried += 1;
                f = f.after_failure(T0 + second);
            }
        }
        assert_eq!(tried, MAX_FAILED_SIGN_INS);
    }
}
