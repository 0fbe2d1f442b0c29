//! Configuration of notifications: the SMTP server (`[server.smtp]`, with
//! `KIJUN_SMTP_*` environment overrides) and the outbox worker, retries and
//! webhook rules (`[server.notifications]`). Documented in
//! `docs/configuration.md` and `docs/notifications.md`.

use jiff::SignedDuration;
use serde::Deserialize;

use super::NotifyError;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (only to a relay on the same host or a closed network).
    None,
    /// SMTP, then STARTTLS, which must succeed (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465 by default).
    Tls,
}

impl SmtpTls {
    pub fn parse(s: &str) -> Option<SmtpTls> {
        match s {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::Starttls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }

    /// The usual port for the mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The SMTP server e-mail notifications go through.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default: 25, 587 or 465 by `tls`.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    /// Authenticate (AUTH PLAIN/LOGIN) when both are set.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The sender, e.g. `kijun <kijun@city.example.lg.jp>`.
    pub from: String,
    /// The name announced in EHLO (default `localhost`).
    #[serde(default)]
    pub hello_name: Option<String>,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("hello_name", &self.hello_name)
            .finish()
    }
}

/// The environment variables that override `[server.smtp]`.
pub const SMTP_ENV: [&str; 6] = [
    "KIJUN_SMTP_HOST",
    "KIJUN_SMTP_PORT",
    "KIJUN_SMTP_TLS",
    "KIJUN_SMTP_USERNAME",
    "KIJUN_SMTP_PASSWORD",
    "KIJUN_SMTP_FROM",
];

/// `file` with the `KIJUN_SMTP_*` variables (read through `var`) applied
/// on top. Setting `KIJUN_SMTP_HOST` without a `[server.smtp]` section
/// enables e-mail; `KIJUN_SMTP_FROM` is then required.
pub fn smtp_with_env(
    file: Option<SmtpConfig>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<SmtpConfig>, NotifyError> {
    let get = |k: &str| var(k).filter(|v| !v.is_empty());
    let mut smtp = match (file, get("KIJUN_SMTP_HOST")) {
        (Some(s), _) => s,
        (None, Some(host)) => SmtpConfig {
            host,
            port: None,
            tls: SmtpTls::default(),
            username: None,
            password: None,
            from: String::new(),
            hello_name: None,
        },
        (None, None) => {
            if let Some(k) = SMTP_ENV.iter().find(|k| get(k).is_some()) {
                return Err(NotifyError::Config(format!(
                    "{k} を使うには KIJUN_SMTP_HOST（または [server.smtp] の host）も指定してください"
                )));
            }
            return Ok(None);
        }
    };
    if let Some(v) = get("KIJUN_SMTP_HOST") {
        smtp.host = v;
    }
    if let Some(v) = get("KIJUN_SMTP_PORT") {
        smtp.port = Some(v.parse().map_err(|_| {
            NotifyError::Config(format!(
                "KIJUN_SMTP_PORT `{v}` はポート番号 (1〜65535) ではありません"
            ))
        })?);
    }
    if let Some(v) = get("KIJUN_SMTP_TLS") {
        smtp.tls = SmtpTls::parse(&v).ok_or_else(|| {
            NotifyError::Config(format!(
                "KIJUN_SMTP_TLS `{v}` は none / starttls / tls のいずれかで指定してください"
            ))
        })?;
    }
    if let Some(v) = get("KIJUN_SMTP_USERNAME") {
        smtp.username = Some(v);
    }
    if let Some(v) = get("KIJUN_SMTP_PASSWORD") {
        smtp.password = Some(v);
    }
    if let Some(v) = get("KIJUN_SMTP_FROM") {
        smtp.from = v;
    }
    if smtp.from.trim().is_empty() {
        return Err(NotifyError::Config(
            "SMTP の送信元 (from / KIJUN_SMTP_FROM) を指定してください".into(),
        ));
    }
    if smtp.port == Some(0) {
        return Err(NotifyError::Config(
            "SMTP のポート番号は 1〜65535 で指定してください".into(),
        ));
    }
    Ok(Some(smtp))
}

/// The outbox worker, retries and webhook rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// How often the worker looks for due deliveries (it also wakes at
    /// once when something is enqueued on this instance).
    pub worker_interval: SignedDuration,
    /// The waits after the 1st, 2nd, … failed attempt; after the last one
    /// the next failure gives up. `len() + 1` attempts in all.
    pub retry_backoff: Vec<SignedDuration>,
    /// Deliveries claimed per pass.
    pub batch_size: u32,
    /// How long a claimed delivery stays with its worker; past it another
    /// instance may take it (a worker that died). Longer than
    /// `send_timeout`.
    pub lease: SignedDuration,
    /// Longest time for one SMTP or webhook attempt.
    pub send_timeout: SignedDuration,
    /// Webhook URLs must be `https://`.
    pub webhook_require_https: bool,
    /// Webhooks may go to loopback, private (10/8, 172.16/12, 192.168/16,
    /// fc00::/7), link-local (including 169.254.169.254) and other
    /// non-public addresses. Off by default against SSRF; a deployment on a
    /// closed network whose receivers have private addresses turns it on.
    pub webhook_allow_private_addresses: bool,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            worker_interval: SignedDuration::from_secs(5),
            retry_backoff: vec![
                SignedDuration::from_mins(1),
                SignedDuration::from_mins(5),
                SignedDuration::from_mins(30),
                SignedDuration::from_hours(2),
                SignedDuration::from_hours(6),
            ],
            batch_size: 20,
            lease: SignedDuration::from_mins(5),
            send_timeout: SignedDuration::from_secs(30),
            webhook_require_https: true,
            webhook_allow_private_addresses: false,
        }
    }
}

impl NotificationsConfig {
    /// Refuses settings the worker cannot run with.
    pub fn check(&self) -> Result<(), NotifyError> {
        let positive = |d: SignedDuration| d > SignedDuration::ZERO;
        if self.worker_interval < SignedDuration::from_millis(100) {
            return Err(NotifyError::Config(
                "notifications.worker_interval は 0.1 秒以上にしてください".into(),
            ));
        }
        if !positive(self.send_timeout) || self.lease <= self.send_timeout {
            return Err(NotifyError::Config(
                "notifications.send_timeout は正の値、lease は send_timeout より長くしてください"
                    .into(),
            ));
        }
        if !self.retry_backoff.iter().all(|d| positive(*d)) {
            return Err(NotifyError::Config(
                "notifications.retry_backoff の各値は正の期間にしてください".into(),
            ));
        }
        if !(1..=1000).contains(&self.batch_size) {
            return Err(NotifyError::Config(
                "notifications.batch_size は 1〜1000 にしてください".into(),
            ));
        }
        Ok(())
    }

    /// When to try again after attempt number `attempt` (1 for the first)
    /// failed at `now`; `None`: give up.
    pub fn retry_at(&self, attempt: i64, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
        let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
        self.retry_backoff
            .get(index)
            .and_then(|wait| now.checked_add(*wait).ok())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn environment_overrides_the_file() -> Result<(), NotifyError> {
        assert_eq!(smtp_with_env(None, env(&[]))?, None);
        let file = SmtpConfig {
            host: "mail.example.lg.jp".into(),
            port: None,
            tls: SmtpTls::Starttls,
            username: Some("kijun".into()),
            password: Some("from-file".into()),
            from: "kijun@example.lg.jp".into(),
            hello_name: None,
        };
        let same = smtp_with_env(Some(file.clone()), env(&[]))?;
        assert_eq!(same.as_ref().map(SmtpConfig::port), Some(587));
        let s = smtp_with_env(
            Some(file),
            env(&[
                ("KIJUN_SMTP_PORT", "2525"),
                ("KIJUN_SMTP_TLS", "none"),
                ("KIJUN_SMTP_PASSWORD", "from-env"),
            ]),
        )?
        .ok_or_else(|| NotifyError::Config("none".into()))?;
        assert_eq!((s.port(), s.tls), (2525, SmtpTls::None));
        assert_eq!(s.password.as_deref(), Some("from-env"));
        assert!(!format!("{s:?}").contains("from-env"), "password redacted");
        let only_env = smtp_with_env(
            None,
            env(&[
                ("KIJUN_SMTP_HOST", "127.0.0.1"),
                ("KIJUN_SMTP_FROM", "kijun@example.lg.jp"),
                ("KIJUN_SMTP_TLS", "tls"),
            ]),
        )?;
        assert_eq!(only_env.map(|s| s.port()), Some(465));
        for bad in [
            &[("KIJUN_SMTP_HOST", "h")][..],
            &[("KIJUN_SMTP_FROM", "a@b")][..],
            &[
                ("KIJUN_SMTP_HOST", "h"),
                ("KIJUN_SMTP_FROM", "a@b"),
                ("KIJUN_SMTP_PORT", "x"),
            ][..],
            &[
                ("KIJUN_SMTP_HOST", "h"),
                ("KIJUN_SMTP_FROM", "a@b"),
                ("KIJUN_SMTP_TLS", "ssl"),
            ][..],
        ] {
            assert!(smtp_with_env(None, env(bad)).is_err(), "{bad:?}");
        }
        Ok(())
    }

    #[test]
    fn backoff_follows_the_schedule_then_gives_up() -> Result<(), Box<dyn std::error::Error>> {
        let c = NotificationsConfig::default();
        c.check()?;
        let t0: jiff::Timestamp = "2026-04-01T00:00:00Z".parse()?;
        let waits: Vec<Option<i64>> = (0..=6)
            .map(|n| c.retry_at(n, t0).map(|t| t.duration_since(t0).as_secs()))
            .collect();
        assert_eq!(
            waits,
            [
                None,
                Some(60),
                Some(300),
                Some(1800),
                Some(7200),
                Some(21600),
                None
            ]
        );
        let bad = NotificationsConfig {
            lease: SignedDuration::from_secs(10),
            ..NotificationsConfig::default()
        };
        assert!(bad.check().is_err(), "lease shorter than the send timeout");
        Ok(())
    }
}
