//! Prometheus metrics: a few counters kept in atomics and rendered in the
//! text exposition format at `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    pub http_requests: AtomicU64,
    pub http_client_errors: AtomicU64,
    pub http_server_errors: AtomicU64,
    pub logins: AtomicU64,
    pub login_failures: AtomicU64,
    pub lockouts: AtomicU64,
    pub mfa_failures: AtomicU64,
    /// Tenant dashboards computed (not served from the cache).
    pub dashboard_builds: AtomicU64,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &AtomicU64); 8] = [
            (
                "kijun_http_requests_total",
                "HTTP requests served",
                &self.http_requests,
            ),
            (
                "kijun_http_client_errors_total",
                "HTTP responses with a 4xx status",
                &self.http_client_errors,
            ),
            (
                "kijun_http_server_errors_total",
                "HTTP responses with a 5xx status",
                &self.http_server_errors,
            ),
            (
                "kijun_logins_total",
                "successful password logins",
                &self.logins,
            ),
            (
                "kijun_login_failures_total",
                "failed logins",
                &self.login_failures,
            ),
            (
                "kijun_account_lockouts_total",
                "accounts locked after repeated failures",
                &self.lockouts,
            ),
            (
                "kijun_mfa_failures_total",
                "failed second-factor checks",
                &self.mfa_failures,
            ),
            (
                "kijun_dashboard_builds_total",
                "tenant dashboards computed (concurrent readers share one)",
                &self.dashboard_builds,
            ),
        ];
        let mut out = String::new();
        for (name, help, value) in rows {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        out
    }
}
