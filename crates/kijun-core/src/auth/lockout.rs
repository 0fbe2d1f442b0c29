//! Account lockout after consecutive failed logins, and a keyed
//! sliding-window rate limiter (per account, per source address, …), both as
//! pure state machines: the caller passes the time, stores the state and
//! decides what a key is. No timers, no threads, no clock.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::AuthError;

/// When a tenant's accounts lock. Stored as JSON (durations as ISO 8601,
/// e.g. `{"max_failures":5,"lock_duration":"PT15M"}`; `null` locks until an
/// administrator unlocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Consecutive failures that lock the account; 0 never locks.
    pub max_failures: u32,
    /// How long a lock lasts; `None` until an administrator unlocks.
    pub lock_duration: Option<SignedDuration>,
}

impl Default for LockoutPolicy {
    /// 5 failures lock the account for 15 minutes.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            lock_duration: Some(SignedDuration::from_mins(15)),
        }
    }
}

/// Until when an account is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockedUntil {
    /// Locked before this instant, unlocked from it on.
    Time(Timestamp),
    /// Locked until [`LoginAttempts::unlock`].
    AdministratorUnlock,
}

/// One account's login history, as far as lockout needs it. The caller loads
/// it, asks [`is_locked`](Self::is_locked) *before* checking the password,
/// registers the outcome and stores it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginAttempts {
    /// Failures since the last success, administrator unlock or expired lock.
    pub consecutive_failures: u32,
    /// The current (or last, if expired) lock.
    pub locked_until: Option<LockedUntil>,
    /// When the last failure happened, for the user's "last failed login".
    pub last_failure_at: Option<Timestamp>,
}

impl LoginAttempts {
    /// Whether logins are refused at `now`.
    pub fn is_locked(&self, now: Timestamp) -> bool {
        match self.locked_until {
            None => false,
            Some(LockedUntil::Time(until)) => now < until,
            Some(LockedUntil::AdministratorUnlock) => true,
        }
    }

    /// Records a failed login at `now`. Returns the new lock if this failure
    /// locked the account (for the audit log and a notification), else
    /// `None`. A failure while already locked is counted but does not extend
    /// the lock; the first failure after a timed lock has expired starts a
    /// new count.
    pub fn register_failure(
        &mut self,
        now: Timestamp,
        policy: &LockoutPolicy,
    ) -> Option<LockedUntil> {
        if let Some(LockedUntil::Time(until)) = self.locked_until
            && now >= until
        {
            self.locked_until = None;
            self.consecutive_failures = 0;
        }
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_failure_at = Some(now);
        if self.is_locked(now)
            || policy.max_failures == 0
            || self.consecutive_failures < policy.max_failures
        {
            return None;
        }
        let lock = match policy.lock_duration {
            None => LockedUntil::AdministratorUnlock,
            Some(duration) => {
                LockedUntil::Time(now.saturating_add(duration).unwrap_or(Timestamp::MAX))
            }
        };
        self.locked_until = Some(lock);
        Some(lock)
    }

    /// Records a successful login: the failure count starts again. A lock is
    /// left alone — the caller must not have accepted a login while
    /// [`is_locked`](Self::is_locked), and only [`unlock`](Self::unlock)
    /// lifts an administrator lock.
    pub fn register_success(&mut self) {
        self.consecutive_failures = 0;
    }

    /// An administrator lifts any lock and clears the failure count.
    pub fn unlock(&mut self) {
        self.locked_until = None;
        self.consecutive_failures = 0;
    }
}

/// At most `max_attempts` attempts per key within any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub max_attempts: u32,
    pub window: SignedDuration,
}

/// A refused attempt: the key may try again at `at`, `wait` after now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    pub at: Timestamp,
    pub wait: SignedDuration,
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Round up so "0秒後" is never shown while still refused.
        let secs = self.wait.as_secs() + i64::from(self.wait.subsec_nanos() > 0);
        write!(
            f,
            "試行回数が多すぎます。{secs}秒後に再試行してください (rate limited)"
        )
    }
}

/// Keys are swept for stale entries whenever their number reaches this, or
/// twice the number left after the previous sweep.
const MIN_SWEEP_KEYS: usize = 1024;

/// A sliding-window log per key: an attempt counts against its key for
/// `window` after it was made. Memory is at most `max_attempts` timestamps
/// per key; keys without live attempts are dropped by [`prune`](Self::prune),
/// which also runs by itself as the number of keys grows. Times given for
/// one key are expected not to go backwards.
#[derive(Debug, Clone)]
pub struct RateLimiter<K> {
    limit: RateLimit,
    attempts: HashMap<K, VecDeque<Timestamp>>,
    sweep_at: usize,
}

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    /// A limiter for `limit`, which must allow at least one attempt in a
    /// positive window.
    pub fn new(limit: RateLimit) -> Result<RateLimiter<K>, AuthError> {
        if limit.max_attempts == 0 || !limit.window.is_positive() {
            return Err(AuthError::InvalidRateLimit);
        }
        Ok(RateLimiter {
            limit,
            attempts: HashMap::new(),
            sweep_at: MIN_SWEEP_KEYS,
        })
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Records an attempt by `key` at `now` if the key has fewer than
    /// `max_attempts` attempts in the window ending at `now`; otherwise
    /// records nothing and says when the oldest of them leaves the window.
    pub fn check_and_record(&mut self, key: &K, now: Timestamp) -> Result<(), RetryAfter> {
        let window = self.limit.window;
        let Some(log) = self.attempts.get_mut(key) else {
            self.attempts.insert(key.clone(), VecDeque::from([now]));
            if self.attempts.len() >= self.sweep_at {
                self.prune(now);
                self.sweep_at = MIN_SWEEP_KEYS.max(self.attempts.len().saturating_mul(2));
            }
            return Ok(());
        };
        drop_expired(log, now, window);
        let max = usize::try_from(self.limit.max_attempts).unwrap_or(usize::MAX);
        if log.len() >= max
            && let Some(&oldest) = log.front()
        {
            let at = oldest.saturating_add(window).unwrap_or(Timestamp::MAX);
            return Err(RetryAfter {
                at,
                wait: at.duration_since(now),
            });
        }
        log.push_back(now);
        Ok(())
    }

    /// Forgets `key`'s attempts (e.g. its account's after an administrator
    /// unlock).
    pub fn reset(&mut self, key: &K) {
        self.attempts.remove(key);
    }

    /// Drops every attempt that has left the window at `now`, and every key
    /// left without attempts.
    pub fn prune(&mut self, now: Timestamp) {
        let window = self.limit.window;
        self.attempts.retain(|_, log| {
            drop_expired(log, now, window);
            !log.is_empty()
        });
    }

    /// How many keys have attempts on record.
    pub fn tracked_keys(&self) -> usize {
        self.attempts.len()
    }
}

fn drop_expired(log: &mut VecDeque<Timestamp>, now: Timestamp, window: SignedDuration) {
    while log
        .front()
        .is_some_and(|&oldest| now.duration_since(oldest) >= window)
    {
        log.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::constant(T0 + seconds, 0)
    }

    #[test]
    fn defaults_are_five_failures_and_fifteen_minutes() {
        let policy = LockoutPolicy::default();
        assert_eq!(policy.max_failures, 5);
        assert_eq!(policy.lock_duration, Some(SignedDuration::from_secs(900)));
    }

    #[test]
    fn the_fifth_consecutive_failure_locks_for_fifteen_minutes() {
        let policy = LockoutPolicy::default();
        let mut attempts = LoginAttempts::default();
        for i in 0..4 {
            assert_eq!(attempts.register_failure(at(i), &policy), None);
            assert!(!attempts.is_locked(at(i)));
        }
        let lock = attempts.register_failure(at(10), &policy);
        assert_eq!(lock, Some(LockedUntil::Time(at(10 + 900))));
        assert_eq!(attempts.consecutive_failures, 5);
        assert_eq!(attempts.last_failure_at, Some(at(10)));
        assert!(attempts.is_locked(at(10)));
        assert!(attempts.is_locked(at(10 + 899)));
        assert!(!attempts.is_locked(at(10 + 900)));
    }

    #[test]
    fn failures_while_locked_do_not_extend_the_lock() {
        let policy = LockoutPolicy::default();
        let mut attempts = LoginAttempts::default();
        for i in 0..5 {
            attempts.register_failure(at(i), &policy);
        }
        assert_eq!(attempts.register_failure(at(600), &policy), None);
        assert_eq!(attempts.locked_until, Some(LockedUntil::Time(at(4 + 900))));
        assert_eq!(attempts.consecutive_failures, 6);
        assert_eq!(attempts.last_failure_at, Some(at(600)));
    }

    #[test]
    fn after_a_timed_lock_expires_the_count_starts_again() {
        let policy = LockoutPolicy::default();
        let mut attempts = LoginAttempts::default();
        for i in 0..5 {
            attempts.register_failure(at(i), &policy);
        }
        assert_eq!(attempts.register_failure(at(1_000), &policy), None);
        assert_eq!(attempts.consecutive_failures, 1);
        assert!(!attempts.is_locked(at(1_000)));
        for i in 1..4 {
            assert_eq!(attempts.register_failure(at(1_000 + i), &policy), None);
        }
        assert_eq!(
            attempts.register_failure(at(1_010), &policy),
            Some(LockedUntil::Time(at(1_910)))
        );
    }

    #[test]
    fn success_resets_the_count() {
        let policy = LockoutPolicy::default();
        let mut attempts = LoginAttempts::default();
        for i in 0..4 {
            attempts.register_failure(at(i), &policy);
        }
        attempts.register_success();
        assert_eq!(attempts.consecutive_failures, 0);
        assert_eq!(attempts.last_failure_at, Some(at(3)), "kept for display");
        for i in 10..14 {
            assert_eq!(attempts.register_failure(at(i), &policy), None);
        }
        assert!(!attempts.is_locked(at(14)));
    }

    #[test]
    fn without_a_duration_only_an_administrator_unlocks() {
        let policy = LockoutPolicy {
            max_failures: 3,
            lock_duration: None,
        };
        let mut attempts = LoginAttempts::default();
        attempts.register_failure(at(0), &policy);
        attempts.register_failure(at(1), &policy);
        assert_eq!(
            attempts.register_failure(at(2), &policy),
            Some(LockedUntil::AdministratorUnlock)
        );
        assert!(attempts.is_locked(at(365 * 86_400)));
        attempts.register_success();
        assert!(
            attempts.is_locked(at(365 * 86_400)),
            "success does not unlock"
        );
        attempts.unlock();
        assert!(!attempts.is_locked(at(365 * 86_400)));
        assert_eq!(attempts.consecutive_failures, 0);
    }

    #[test]
    fn zero_max_failures_never_locks() {
        let policy = LockoutPolicy {
            max_failures: 0,
            lock_duration: None,
        };
        let mut attempts = LoginAttempts::default();
        for i in 0..100 {
            assert_eq!(attempts.register_failure(at(i), &policy), None);
        }
        assert!(!attempts.is_locked(at(100)));
        assert_eq!(attempts.consecutive_failures, 100);
    }

    #[test]
    fn policy_and_attempts_round_trip_through_json() -> Result<(), serde_json::Error> {
        let policy = LockoutPolicy::default();
        let json = serde_json::to_string(&policy)?;
        assert_eq!(json, r#"{"max_failures":5,"lock_duration":"PT15M"}"#);
        assert_eq!(serde_json::from_str::<LockoutPolicy>(&json)?, policy);
        let admin: LockoutPolicy = serde_json::from_str(r#"{"lock_duration":null}"#)?;
        assert_eq!(admin.lock_duration, None);
        assert_eq!(admin.max_failures, 5);

        let mut attempts = LoginAttempts::default();
        for i in 0..5 {
            attempts.register_failure(at(i), &policy);
        }
        let json = serde_json::to_string(&attempts)?;
        assert_eq!(serde_json::from_str::<LoginAttempts>(&json)?, attempts);
        Ok(())
    }

    fn limiter(max_attempts: u32, window_secs: i64) -> Result<RateLimiter<String>, AuthError> {
        RateLimiter::new(RateLimit {
            max_attempts,
            window: SignedDuration::from_secs(window_secs),
        })
    }

    #[test]
    fn rate_limiter_allows_max_attempts_per_sliding_window() -> Result<(), AuthError> {
        let mut limiter = limiter(3, 60)?;
        let key = "account:tanaka".to_owned();
        assert_eq!(limiter.check_and_record(&key, at(0)), Ok(()));
        assert_eq!(limiter.check_and_record(&key, at(10)), Ok(()));
        assert_eq!(limiter.check_and_record(&key, at(20)), Ok(()));
        assert_eq!(
            limiter.check_and_record(&key, at(30)),
            Err(RetryAfter {
                at: at(60),
                wait: SignedDuration::from_secs(30)
            })
        );
        // Refused attempts are not recorded, so the window slides as usual.
        assert_eq!(
            limiter.check_and_record(&key, at(59)),
            Err(RetryAfter {
                at: at(60),
                wait: SignedDuration::from_secs(1)
            })
        );
        assert_eq!(limiter.check_and_record(&key, at(60)), Ok(()));
        assert_eq!(
            limiter.check_and_record(&key, at(61)),
            Err(RetryAfter {
                at: at(70),
                wait: SignedDuration::from_secs(9)
            })
        );
        Ok(())
    }

    #[test]
    fn rate_limiter_keys_are_independent_and_resettable() -> Result<(), AuthError> {
        let mut limiter = limiter(1, 60)?;
        let account = "account:tanaka".to_owned();
        let address = "ip:192.0.2.1".to_owned();
        assert_eq!(limiter.check_and_record(&account, at(0)), Ok(()));
        assert_eq!(limiter.check_and_record(&address, at(0)), Ok(()));
        assert!(limiter.check_and_record(&account, at(1)).is_err());
        assert!(limiter.check_and_record(&address, at(1)).is_err());
        limiter.reset(&account);
        assert_eq!(limiter.check_and_record(&account, at(2)), Ok(()));
        assert!(limiter.check_and_record(&address, at(2)).is_err());
        Ok(())
    }

    #[test]
    fn prune_drops_keys_without_live_attempts() -> Result<(), AuthError> {
        let mut limiter = limiter(2, 60)?;
        let (a, b) = ("a".to_owned(), "b".to_owned());
        limiter
            .check_and_record(&a, at(0))
            .map_err(|_| AuthError::InvalidRateLimit)?;
        limiter
            .check_and_record(&b, at(30))
            .map_err(|_| AuthError::InvalidRateLimit)?;
        limiter.prune(at(59));
        assert_eq!(limiter.tracked_keys(), 2);
        limiter.prune(at(60));
        assert_eq!(limiter.tracked_keys(), 1);
        limiter.prune(at(90));
        assert_eq!(limiter.tracked_keys(), 0);
        Ok(())
    }

    #[test]
    fn stale_keys_are_swept_as_the_map_grows() -> Result<(), AuthError> {
        let mut limiter: RateLimiter<u32> = RateLimiter::new(RateLimit {
            max_attempts: 5,
            window: SignedDuration::from_secs(60),
        })?;
        for key in 0..MIN_SWEEP_KEYS as u32 {
            assert_eq!(limiter.check_and_record(&key, at(0)), Ok(()));
        }
        assert_eq!(limiter.tracked_keys(), MIN_SWEEP_KEYS, "all still live");
        for key in 0..MIN_SWEEP_KEYS as u32 {
            assert_eq!(limiter.check_and_record(&(key + 100_000), at(61)), Ok(()));
        }
        assert_eq!(limiter.tracked_keys(), MIN_SWEEP_KEYS, "the old ones swept");
        Ok(())
    }

    #[test]
    fn useless_limits_are_refused() {
        assert!(matches!(limiter(0, 60), Err(AuthError::InvalidRateLimit)));
        assert!(matches!(limiter(5, 0), Err(AuthError::InvalidRateLimit)));
        assert!(matches!(limiter(5, -1), Err(AuthError::InvalidRateLimit)));
    }

    #[test]
    fn retry_after_reads_in_japanese_and_rounds_up() {
        let retry = RetryAfter {
            at: at(60),
            wait: SignedDuration::new(29, 1),
        };
        assert_eq!(
            retry.to_string(),
            "試行回数が多すぎます。30秒後に再試行してください (rate limited)"
        );
    }
}
