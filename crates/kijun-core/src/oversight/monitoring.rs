//! Availability monitoring (稼働監視, seed 001): a service's optional HTTP(S)
//! probe settings, and the pure state machine that turns the previous
//! probe state and one probe result into the new state and what to do
//! with the service's outage records — open one after `failures` failed
//! probes in a row (starting at the first failure's time), close it at the
//! first success after that. Time is a parameter; nothing here reads a
//! clock or the network.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::FieldError;

/// The shortest probe interval by default, in seconds (a deployment may
/// lower it, e.g. for tests).
pub const DEFAULT_MIN_INTERVAL_SECONDS: u32 = 30;
/// The longest probe interval, in seconds (one day).
pub const MAX_INTERVAL_SECONDS: u32 = 86_400;
/// The longest probe timeout, in seconds.
pub const MAX_TIMEOUT_SECONDS: u32 = 60;
/// The most failures in a row that may be required.
pub const MAX_FAILURES: u32 = 100;

fn default_interval() -> u32 {
    60
}

fn default_timeout() -> u32 {
    10
}

fn default_failures() -> u32 {
    3
}

/// A service's probe: GET `url` every `interval_seconds`; an answer within
/// `timeout_seconds` with `expected_status` (any 2xx when `None`) is a
/// success; `failures` failed probes in a row open an outage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSettings {
    /// `http://` or `https://` URL to GET.
    pub url: String,
    #[serde(default = "default_interval")]
    pub interval_seconds: u32,
    /// The one status that counts as up; `None`: any 2xx.
    #[serde(default)]
    pub expected_status: Option<u16>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
    /// Consecutive failures that open an outage (default 3).
    #[serde(default = "default_failures")]
    pub failures: u32,
}

impl MonitorSettings {
    /// Checks the numbers (the URL is checked by the web layer, which
    /// knows the deployment's address rules); `min_interval` is the
    /// deployment's shortest interval in seconds.
    pub fn validate(&self, min_interval: u32) -> Result<(), FieldError> {
        if self.url.trim().is_empty() {
            return Err(FieldError::new("url", "URL を入力してください"));
        }
        if self.interval_seconds < min_interval || self.interval_seconds > MAX_INTERVAL_SECONDS {
            return Err(FieldError::new(
                "interval_seconds",
                format!("監視の間隔は {min_interval}〜{MAX_INTERVAL_SECONDS} 秒で指定してください"),
            ));
        }
        if self.timeout_seconds == 0
            || self.timeout_seconds > MAX_TIMEOUT_SECONDS
            || self.timeout_seconds > self.interval_seconds.max(1)
        {
            return Err(FieldError::new(
                "timeout_seconds",
                format!(
                    "タイムアウトは 1〜{MAX_TIMEOUT_SECONDS} 秒、かつ監視の間隔以下で指定してください"
                ),
            ));
        }
        if let Some(s) = self.expected_status
            && !(100..=599).contains(&s)
        {
            return Err(FieldError::new(
                "expected_status",
                "期待するステータスコードは 100〜599 で指定してください",
            ));
        }
        if self.failures == 0 || self.failures > MAX_FAILURES {
            return Err(FieldError::new(
                "failures",
                format!("障害とみなす連続失敗回数は 1〜{MAX_FAILURES} で指定してください"),
            ));
        }
        Ok(())
    }

    /// Whether an answer with `status` counts as up.
    pub fn accepts(&self, status: u16) -> bool {
        match self.expected_status {
            Some(s) => s == status,
            None => (200..300).contains(&status),
        }
    }
}

/// What one probe saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeResult {
    /// An HTTP answer with this status.
    Status(u16),
    /// No answer: refused, timed out, TLS or name resolution failed, … (Japanese).
    Error(String),
}

/// The last state of a service's probe (not every sample).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorState {
    /// Failed probes in a row up to the last one.
    pub consecutive_failures: u32,
    /// When the current run of failures began.
    pub first_failure_at: Option<Timestamp>,
    /// The status of the last answer (`None`: the last probe got none).
    pub last_status: Option<u16>,
    /// Why the last probe failed, if it did.
    pub last_error: Option<String>,
    pub last_checked_at: Option<Timestamp>,
    /// The outage record opened for the current run of failures.
    pub open_outage_id: Option<String>,
}

/// What to do with the outage records after a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    /// Open an outage starting at `start` (the run's first failure).
    Open {
        start: Timestamp,
        description: String,
    },
    /// Close outage `outage_id` at `end` (the first success).
    Close {
        outage_id: String,
        end: Timestamp,
    },
}

/// `at` to the microsecond, as records store times.
fn micros(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at)
}

/// Why a probe result is a failure (`None`: a success), in Japanese.
pub fn failure(settings: &MonitorSettings, result: &ProbeResult) -> Option<String> {
    match result {
        ProbeResult::Status(s) if settings.accepts(*s) => None,
        ProbeResult::Status(s) => Some(match settings.expected_status {
            Some(e) => format!("HTTP {s}（期待する応答は {e}）"),
            None => format!("HTTP {s}（期待する応答は 2xx）"),
        }),
        ProbeResult::Error(e) => Some(e.clone()),
    }
}

/// The new state after probe `result` at `at`, and what to do. An outage
/// opens when the failures in a row reach `settings.failures` and none is
/// open for this run; the caller records the new outage's id in
/// `open_outage_id`. A success closes the open one (if any) and resets
/// the run.
pub fn step(
    prev: &MonitorState,
    settings: &MonitorSettings,
    result: &ProbeResult,
    at: Timestamp,
) -> (MonitorState, Action) {
    let at = micros(at);
    let status = match result {
        ProbeResult::Status(s) => Some(*s),
        ProbeResult::Error(_) => None,
    };
    match failure(settings, result) {
        None => {
            let next = MonitorState {
                consecutive_failures: 0,
                first_failure_at: None,
                last_status: status,
                last_error: None,
                last_checked_at: Some(at),
                open_outage_id: None,
            };
            let action = match &prev.open_outage_id {
                Some(id) => Action::Close {
                    outage_id: id.clone(),
                    end: at,
                },
                None => Action::None,
            };
            (next, action)
        }
        Some(error) => {
            let consecutive_failures = prev.consecutive_failures.saturating_add(1);
            let first_failure_at = match prev.first_failure_at {
                Some(t) if prev.consecutive_failures > 0 => t,
                _ => at,
            };
            let next = MonitorState {
                consecutive_failures,
                first_failure_at: Some(first_failure_at),
                last_status: status,
                last_error: Some(error.clone()),
                last_checked_at: Some(at),
                open_outage_id: prev.open_outage_id.clone(),
            };
            let action = if prev.open_outage_id.is_none()
                && consecutive_failures >= settings.failures
            {
                Action::Open {
                    start: first_failure_at,
                    description: format!(
                        "稼働監視: {} への応答確認が {consecutive_failures} 回続けて失敗しました（最後の結果: {error}）",
                        settings.url
                    ),
                }
            } else {
                Action::None
            };
            (next, action)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn settings(failures: u32) -> MonitorSettings {
        MonitorSettings {
            url: "https://svc.example.jp/health".into(),
            interval_seconds: 60,
            expected_status: None,
            timeout_seconds: 10,
            failures,
        }
    }

    fn t(s: &str) -> Result<Timestamp, jiff::Error> {
        s.parse()
    }

    #[test]
    fn defaults_and_checks() -> TestResult {
        let s: MonitorSettings =
            serde_json::from_value(serde_json::json!({"url": "https://a.jp/"}))?;
        assert_eq!(s.interval_seconds, 60);
        assert_eq!(s.failures, 3);
        assert_eq!(s.timeout_seconds, 10);
        assert_eq!(s.expected_status, None);
        assert!(s.validate(DEFAULT_MIN_INTERVAL_SECONDS).is_ok());
        let err = |f: &dyn Fn(&mut MonitorSettings)| {
            let mut s = s.clone();
            f(&mut s);
            s.validate(DEFAULT_MIN_INTERVAL_SECONDS)
                .err()
                .map(|e| e.field)
        };
        assert_eq!(
            err(&|s| s.interval_seconds = 29),
            Some("interval_seconds".into())
        );
        assert_eq!(err(&|s| s.interval_seconds = 30), None);
        assert_eq!(
            err(&|s| s.timeout_seconds = 0),
            Some("timeout_seconds".into())
        );
        assert_eq!(err(&|s| s.failures = 0), Some("failures".into()));
        assert_eq!(
            err(&|s| s.expected_status = Some(99)),
            Some("expected_status".into())
        );
        assert_eq!(err(&|s| s.url = " ".into()), Some("url".into()));
        let mut short = s.clone();
        short.interval_seconds = 1;
        short.timeout_seconds = 1;
        assert!(short.validate(1).is_ok());
        assert!(short.validate(30).is_err());
        Ok(())
    }

    #[test]
    fn expected_status() {
        let mut s = settings(3);
        assert!(s.accepts(200) && s.accepts(204) && !s.accepts(301) && !s.accepts(500));
        s.expected_status = Some(401);
        assert!(s.accepts(401) && !s.accepts(200));
    }

    #[test]
    fn opens_after_n_failures_at_the_first_and_closes_at_the_first_success() -> TestResult {
        let s = settings(3);
        let t0 = t("2026-05-10T01:00:00Z")?;
        let t1 = t("2026-05-10T01:01:00Z")?;
        let t2 = t("2026-05-10T01:02:00Z")?;
        let t3 = t("2026-05-10T01:03:00Z")?;
        let t4 = t("2026-05-10T01:04:00Z")?;
        let ok = ProbeResult::Status(200);
        let (st, a) = step(&MonitorState::default(), &s, &ok, t0);
        assert_eq!(a, Action::None);
        assert_eq!(st.last_status, Some(200));
        let (st, a) = step(&st, &s, &ProbeResult::Status(500), t1);
        assert_eq!(a, Action::None);
        assert_eq!(
            (st.consecutive_failures, st.first_failure_at),
            (1, Some(t1))
        );
        let (st, a) = step(&st, &s, &ProbeResult::Error("接続できません".into()), t2);
        assert_eq!(a, Action::None);
        assert_eq!(st.last_status, None);
        let (mut st, a) = step(&st, &s, &ProbeResult::Status(503), t3);
        let Action::Open { start, description } = a else {
            return Err(format!("expected an open, got {a:?}").into());
        };
        assert_eq!(start, t1);
        assert!(description.contains("https://svc.example.jp/health"));
        assert!(description.contains("HTTP 503"));
        assert_eq!(st.consecutive_failures, 3);
        st.open_outage_id = Some("o1".into());
        // Further failures of the same run open nothing more.
        let (st, a) = step(&st, &s, &ProbeResult::Status(500), t4);
        assert_eq!(a, Action::None);
        assert_eq!(st.open_outage_id.as_deref(), Some("o1"));
        assert_eq!(st.first_failure_at, Some(t1));
        let t5 = t("2026-05-10T01:05:00.123456789Z")?;
        let (st, a) = step(&st, &s, &ok, t5);
        assert_eq!(
            a,
            Action::Close {
                outage_id: "o1".into(),
                end: t("2026-05-10T01:05:00.123456Z")?
            }
        );
        assert_eq!(
            st,
            MonitorState {
                last_status: Some(200),
                last_checked_at: Some(t("2026-05-10T01:05:00.123456Z")?),
                ..MonitorState::default()
            }
        );
        Ok(())
    }

    #[test]
    fn a_short_run_opens_nothing_and_resets() -> TestResult {
        let s = settings(3);
        let at = t("2026-05-10T01:00:00Z")?;
        let (st, _) = step(&MonitorState::default(), &s, &ProbeResult::Status(500), at);
        let (st, _) = step(&st, &s, &ProbeResult::Status(500), at);
        let (st, a) = step(&st, &s, &ProbeResult::Status(200), at);
        assert_eq!(a, Action::None);
        assert_eq!(st.consecutive_failures, 0);
        let later = t("2026-05-10T02:00:00Z")?;
        let (st, a) = step(&st, &s, &ProbeResult::Status(500), later);
        assert_eq!(a, Action::None);
        assert_eq!(st.first_failure_at, Some(later));
        Ok(())
    }

    #[test]
    fn one_failure_is_enough_when_configured() -> TestResult {
        let at = t("2026-05-10T01:00:00Z")?;
        let (_, a) = step(
            &MonitorState::default(),
            &settings(1),
            &ProbeResult::Error("timeout".into()),
            at,
        );
        assert!(matches!(a, Action::Open { start, .. } if start == at));
        Ok(())
    }
}
