//! Server configuration: what `kijun serve` reads from its configuration
//! file and environment (documented in `docs/configuration.md`), with the
//! defaults an operator gets with no configuration at all.

use std::net::SocketAddr;
use std::path::PathBuf;

use jiff::SignedDuration;
use kijun_core::auth::{LockoutPolicy, PasswordHashConfig, RateLimit, TotpAlgorithm};
use serde::Deserialize;

/// TLS certificate and key files.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything `kijun serve` needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Data directory: the embedded SQLite database and the master key.
    pub data_dir: PathBuf,
    /// A `postgres://…` (or `sqlite://…`) URL instead of the data directory's SQLite.
    pub database_url: Option<String>,
    /// The URL people reach kijun at, for the setup link.
    pub public_url: Option<String>,
    /// A session ends after this long without a request.
    pub session_idle_timeout: SignedDuration,
    /// A session ends this long after login, whatever happens.
    pub session_absolute_timeout: SignedDuration,
    /// Account lockout for tenants that set none (and system administrators).
    pub lockout: LockoutPolicy,
    /// Login attempts per account name.
    pub login_rate_per_account: RateLimit,
    /// Login attempts per source address.
    pub login_rate_per_address: RateLimit,
    /// The deployment is used only over a closed network (閉域網): only then
    /// may a tenant exempt users from MFA (seed 001).
    pub closed_network: bool,
    /// How passwords are hashed (PBKDF2-HMAC-SHA-256 by default).
    pub password_hash: PasswordHashConfig,
    /// TOTP algorithm for new enrolments (SHA-256 by default).
    pub totp_algorithm: TotpAlgorithm,
    /// Longest lifetime of an API token, in days.
    pub api_token_max_days: i64,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest evidence file, in bytes.
    pub max_evidence_bytes: usize,
    /// Built-in TLS; without it, run behind a TLS-terminating proxy.
    pub tls: Option<TlsFiles>,
    /// Mark cookies `Secure` even without built-in TLS (behind a TLS proxy).
    pub secure_cookies: bool,
    /// The SMTP server for e-mail notifications (`[server.smtp]`; none: no
    /// e-mail). `KIJUN_SMTP_*` override it (see `notify::config`).
    pub smtp: Option<crate::notify::config::SmtpConfig>,
    /// The notification worker, retries and webhook rules.
    pub notifications: crate::notify::config::NotificationsConfig,
    /// How often every tenant's alerts are computed and the breached ones
    /// (and those due within a day) sent as notifications (`crate::alerting`).
    pub alert_scan_interval: SignedDuration,
    /// Availability monitoring (`crate::monitor`): how often due probes are
    /// looked for.
    pub monitoring_scan_interval: SignedDuration,
    /// The shortest probe interval a reviewer may set, in seconds (30).
    pub monitoring_min_interval_seconds: u32,
    /// Whether probes may target loopback, private and other non-public
    /// addresses (a closed network / LGWAN deployment, tests).
    pub monitoring_allow_private_addresses: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("kijun-data"),
            database_url: None,
            public_url: None,
            session_idle_timeout: SignedDuration::from_mins(30),
            session_absolute_timeout: SignedDuration::from_hours(12),
            lockout: LockoutPolicy::default(),
            login_rate_per_account: RateLimit {
                max_attempts: 10,
                window: SignedDuration::from_mins(15),
            },
            login_rate_per_address: RateLimit {
                max_attempts: 50,
                window: SignedDuration::from_mins(15),
            },
            closed_network: false,
            password_hash: PasswordHashConfig::default(),
            totp_algorithm: TotpAlgorithm::default(),
            api_token_max_days: 365,
            max_body_bytes: 1024 * 1024,
            max_evidence_bytes: 20 * 1024 * 1024,
            tls: None,
            secure_cookies: false,
            smtp: None,
            notifications: crate::notify::config::NotificationsConfig::default(),
            alert_scan_interval: SignedDuration::from_mins(5),
            monitoring_scan_interval: SignedDuration::from_secs(5),
            monitoring_min_interval_seconds:
                kijun_core::oversight::monitoring::DEFAULT_MIN_INTERVAL_SECONDS,
            monitoring_allow_private_addresses: false,
        }
    }
}

impl ServerConfig {
    /// The database URL: the explicit one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!("sqlite://{}", self.data_dir.join("kijun.sqlite3").display())
        })
    }

    /// Whether cookies carry `Secure`.
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies || self.tls.is_some()
    }
}
