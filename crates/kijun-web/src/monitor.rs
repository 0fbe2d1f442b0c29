//! Availability monitoring (稼働監視, seed 001): the background task that
//! probes services with HTTP(S) GET and files outages from the results.
//!
//! Every `monitoring_scan_interval` ([`crate::config::ServerConfig`]) the
//! task claims the due monitors with a lease
//! ([`kijun_store::Store::claim_due_monitors`]), probes each, and hands the
//! previous state and the result to the pure state machine
//! ([`kijun_core::oversight::monitoring::step`]). After `failures` failed
//! probes in a row it files an outage record (`detected_by` =
//! `monitoring`, start = the first failed probe's time, the description
//! naming the URL and the last error) and notifies the tenant
//! ([`AppState::notify`], dedupe key `monitoring:outage:<id>`); the first
//! success after that sets the outage's end to that probe's time. The
//! result, the outage change and its audit entry are one transaction
//! written only under the lease ([`kijun_store::Store::record_probe`]), so
//! several instances never open two outages for one run of failures.
//!
//! Probes use the same URL and address rules as webhooks
//! ([`crate::notify::webhook::parse_url`], [`crate::notify::webhook::is_public`]):
//! the host name is resolved here and every address checked (no loopback,
//! private or other non-public address unless
//! `monitoring_allow_private_addresses`), the connection goes to an address
//! that passed, redirects are not followed (a 3xx is the answer), and the
//! whole probe has the configured timeout. HTTPS uses rustls with the
//! CRYPTREC provider and the system's CA certificates.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use hyper_util::rt::TokioIo;
use jiff::{SignedDuration, Timestamp};
use kijun_core::oversight::RecordData;
use kijun_core::oversight::monitoring::{self, Action, MonitorSettings, MonitorState, ProbeResult};
use kijun_core::oversight::records::{DetectedBy, OutageInput};
use kijun_store::monitoring::{ClaimedMonitor, OutageChange, ProbeRecorded, ProbeState};
use kijun_store::oversight::RecordWrite;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::audit_log::Event;
use crate::log;
use crate::notify::{self, webhook};
use crate::state::AppState;

/// The alert kind of an outage found by monitoring (in `ALERT_KINDS`).
pub const ALERT_KIND: &str = "outage_detected";

/// How many due monitors one pass claims.
const BATCH: i64 = 50;

/// The shortest scan interval the task accepts.
const MIN_SCAN: Duration = Duration::from_millis(200);

/// Probes over HTTP(S) with the deployment's address rules.
#[derive(Clone)]
pub struct Prober {
    tls: tokio_rustls::TlsConnector,
    allow_private: bool,
}

impl Prober {
    /// A prober with the CRYPTREC TLS provider and the system's CA
    /// certificates.
    pub fn new(allow_private: bool) -> Result<Prober, String> {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            log::error(
                "monitoring: no CA certificates found in the system store; HTTPS probes will fail",
            );
        }
        let mut config =
            rustls::ClientConfig::builder_with_provider(Arc::new(crate::tls::crypto_provider()))
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Prober {
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            allow_private,
        })
    }

    /// The URL rules of probes: http or https, public addresses unless
    /// private ones are allowed.
    pub fn rules(allow_private: bool) -> webhook::Rules {
        webhook::Rules {
            require_https: false,
            allow_private,
        }
    }

    /// GETs `settings.url` within its timeout: the answer's status, or why
    /// there was none.
    pub async fn probe(&self, settings: &MonitorSettings) -> ProbeResult {
        let timeout = Duration::from_secs(u64::from(settings.timeout_seconds.max(1)));
        match tokio::time::timeout(timeout, self.get(&settings.url)).await {
            Ok(Ok(status)) => ProbeResult::Status(status),
            Ok(Err(e)) => ProbeResult::Error(e),
            Err(_) => ProbeResult::Error(format!(
                "{} 秒以内に応答がありません (timeout)",
                timeout.as_secs()
            )),
        }
    }

    async fn get(&self, url: &str) -> Result<u16, String> {
        let target = webhook::parse_url(url, Prober::rules(self.allow_private))?;
        let request = Request::builder()
            .method("GET")
            .uri(&target.path)
            .header(header::HOST, &target.authority)
            .header(
                header::USER_AGENT,
                concat!("kijun-monitor/", env!("CARGO_PKG_VERSION")),
            )
            .header(header::CONNECTION, "close")
            .body(Body::empty())
            .map_err(|e| format!("要求を作れません: {e}"))?;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|e| format!("{} を名前解決できません: {e}", target.host))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{} を名前解決できません", target.host));
        }
        if !self.allow_private
            && let Some(bad) = addrs.iter().find(|a| !webhook::is_public(a.ip()))
        {
            return Err(format!(
                "{} は内部向けのアドレス {} を指しています（許可されていません）",
                target.host,
                bad.ip()
            ));
        }
        let mut last_error = String::new();
        for addr in &addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(tcp) => {
                    let _ = tcp.set_nodelay(true);
                    return if target.https {
                        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                            .map_err(|e| format!("ホスト名が不正です: {e}"))?;
                        let tls = self
                            .tls
                            .connect(name, tcp)
                            .await
                            .map_err(|e| format!("TLS 接続に失敗しました: {e}"))?;
                        round_trip(tls, request).await
                    } else {
                        round_trip(tcp, request).await
                    };
                }
                Err(e) => last_error = format!("{addr} に接続できません: {e}"),
            }
        }
        Err(last_error)
    }
}

/// One request over a fresh HTTP/1.1 connection; the status of the answer.
async fn round_trip<S>(io: S, request: Request<Body>) -> Result<u16, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP の接続に失敗しました: {e}"))?;
    let driver = tokio::spawn(connection);
    let result = sender
        .send_request(request)
        .await
        .map(|response| response.status().as_u16())
        .map_err(|e| format!("HTTP の送信に失敗しました: {e}"));
    driver.abort();
    result
}

fn to_core(s: &ProbeState) -> MonitorState {
    MonitorState {
        consecutive_failures: u32::try_from(s.consecutive_failures).unwrap_or(u32::MAX),
        first_failure_at: s.first_failure_at,
        last_status: s.last_status.and_then(|v| u16::try_from(v).ok()),
        last_error: s.last_error.clone(),
        last_checked_at: s.last_checked_at,
        open_outage_id: s.open_outage_id.clone(),
    }
}

fn to_store(s: &MonitorState) -> ProbeState {
    ProbeState {
        consecutive_failures: i64::from(s.consecutive_failures),
        first_failure_at: s.first_failure_at,
        last_status: s.last_status.map(i64::from),
        last_error: s.last_error.clone(),
        last_checked_at: s.last_checked_at,
        open_outage_id: s.open_outage_id.clone(),
    }
}

/// `at` plus `seconds`, or `at` if that overflows.
fn after(at: Timestamp, seconds: u32) -> Timestamp {
    at.checked_add(SignedDuration::from_secs(i64::from(seconds)))
        .unwrap_or(at)
}

/// The outage record of a run of failures.
fn outage_write(start: Timestamp, description: &str) -> Result<RecordWrite, String> {
    let mut input = OutageInput {
        start,
        end: None,
        justified: false,
        major: false,
        cause: String::new(),
        countermeasure: String::new(),
        permanent_fix: String::new(),
        detected_by: DetectedBy::Monitoring,
        description: description
            .chars()
            .take(kijun_core::oversight::records::LONG_TEXT)
            .collect(),
    };
    input.normalise();
    input.validate().map_err(|e| e.to_string())?;
    Ok(RecordWrite {
        filed_at: kijun_store::time::format(input.start),
        is_open: input.is_open(),
        ref_id: None,
        data: serde_json::to_value(&input).map_err(|e| e.to_string())?,
    })
}

/// Probes one claimed monitor and records the result.
async fn handle(state: &AppState, prober: &Prober, claimed: ClaimedMonitor) -> Result<(), String> {
    let m = &claimed.monitor;
    let settings: MonitorSettings = match serde_json::from_value(m.settings.clone()) {
        Ok(s) => s,
        Err(e) => {
            // Unreadable settings: try again in an hour, opening nothing.
            let now = state.now();
            let _ = state
                .store
                .record_probe(
                    &m.service_id,
                    &claimed.claim_token,
                    &m.state,
                    after(now, 3600),
                    OutageChange::None,
                    now,
                )
                .await;
            return Err(format!("stored settings unreadable: {e}"));
        }
    };
    let at = state.now();
    let result = prober.probe(&settings).await;
    let (next, action) = monitoring::step(&to_core(&m.state), &settings, &result, at);
    let next_probe_at = after(at, settings.interval_seconds);
    let now = state.now();
    let write;
    let audit;
    let change = match &action {
        Action::None => OutageChange::None,
        Action::Open { start, description } => {
            write = outage_write(*start, description)?;
            audit = state.audit_entry(
                None,
                None,
                Event {
                    action: "oversight_record_created",
                    tenant_id: Some(&m.tenant_id),
                    target: None,
                    details: json!({"kind": "outage", "service_id": m.service_id, "organisation_id": null,
                                    "detected_by": "monitoring", "data": write.data}),
                },
            );
            OutageChange::Open {
                write: &write,
                audit: &audit,
            }
        }
        Action::Close { outage_id, end } => {
            audit = state.audit_entry(
                None,
                None,
                Event {
                    action: "oversight_record_updated",
                    tenant_id: Some(&m.tenant_id),
                    target: None,
                    details: json!({"kind": "outage", "service_id": m.service_id, "id": outage_id,
                                    "detected_by": "monitoring", "end": end}),
                },
            );
            OutageChange::Close {
                outage_id,
                end: *end,
                audit: &audit,
            }
        }
    };
    let recorded = state
        .store
        .record_probe(
            &m.service_id,
            &claimed.claim_token,
            &to_store(&next),
            next_probe_at,
            change,
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    if !matches!(action, Action::None) {
        state.note_write();
    }
    match recorded {
        ProbeRecorded::LeaseLost => log::error(&format!(
            "monitoring: service {}: the probe's lease was lost; its result was not recorded",
            m.service_id
        )),
        ProbeRecorded::Stored {
            opened: Some(id), ..
        } => {
            log::info(&format!(
                "monitoring: service {}: outage {id} opened",
                m.service_id
            ));
            notify_outage(
                state,
                &m.tenant_id,
                &m.service_id,
                &id,
                &settings,
                &action,
                now,
            )
            .await;
        }
        ProbeRecorded::Stored { closed: true, .. } => log::info(&format!(
            "monitoring: service {}: outage closed",
            m.service_id
        )),
        ProbeRecorded::Stored { .. } => {}
    }
    Ok(())
}

/// Notifies the tenant of an outage opened by monitoring.
async fn notify_outage(
    state: &AppState,
    tenant_id: &str,
    service_id: &str,
    outage_id: &str,
    settings: &MonitorSettings,
    action: &Action,
    now: Timestamp,
) {
    let (start, description) = match action {
        Action::Open { start, description } => (*start, description.as_str()),
        _ => return,
    };
    let name = match state.store.service(service_id).await {
        Ok(Some(s)) => s.name,
        _ => service_id.to_owned(),
    };
    let subject = format!("【稼働監視】{name}: 障害を検知しました");
    let start_text = crate::alerting::datetime_text(start);
    let body = format!(
        "サービス「{name}」の稼働監視で障害を検知し、障害・停止の記録（{outage_id}）を登録しました。\n\n\
         監視先: {}\n発生（最初の失敗）: {start_text}\n内容: {description}\n\n\
         復旧すると、最初に成功した確認の時刻で記録を閉じます。",
        settings.url
    );
    let payload = json!({
        "service_id": service_id,
        "outage_id": outage_id,
        "url": settings.url,
        "start": start,
        "detected_by": "monitoring",
    });
    let dedupe_key = format!("monitoring:outage:{outage_id}");
    let alert = notify::Alert {
        tenant_id,
        kind: ALERT_KIND,
        subject: &subject,
        body: &body,
        payload: &payload,
        dedupe_key: &dedupe_key,
    };
    if let Err(e) = state.notify(&alert, now).await {
        log::error(&format!(
            "monitoring: notifying outage {outage_id} failed: {e}"
        ));
    }
}

/// One pass at `now`: claims the due monitors, probes them at once and
/// records the results. Returns how many were probed.
pub async fn run_once(state: &AppState, prober: &Prober, now: Timestamp) -> Result<usize, String> {
    // Longer than the longest probe, so a lease does not run out mid-probe.
    let lease = SignedDuration::from_secs(i64::from(monitoring::MAX_TIMEOUT_SECONDS) + 60);
    let lease_until = now.checked_add(lease).map_err(|e| e.to_string())?;
    let claimed = state
        .store
        .claim_due_monitors(now, lease_until, BATCH)
        .await
        .map_err(|e| e.to_string())?;
    let n = claimed.len();
    let mut tasks = tokio::task::JoinSet::new();
    for c in claimed {
        let state = state.clone();
        let prober = prober.clone();
        tasks.spawn(async move {
            let service = c.monitor.service_id.clone();
            if let Err(e) = handle(&state, &prober, c).await {
                log::error(&format!("monitoring: service {service}: {e}"));
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(n)
}

/// Starts the monitoring task: a pass every `monitoring_scan_interval`.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let prober = match Prober::new(state.config.monitoring_allow_private_addresses) {
            Ok(p) => p,
            Err(e) => {
                log::error(&format!("monitoring: cannot start: {e}"));
                return;
            }
        };
        let interval = Duration::try_from(state.config.monitoring_scan_interval)
            .unwrap_or(Duration::from_secs(5))
            .max(MIN_SCAN);
        loop {
            if let Err(e) = run_once(&state, &prober, state.now()).await {
                log::error(&format!("monitoring: pass failed: {e}"));
            }
            tokio::time::sleep(interval).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    fn settings(url: String) -> MonitorSettings {
        MonitorSettings {
            url,
            interval_seconds: 30,
            expected_status: None,
            timeout_seconds: 5,
            failures: 3,
        }
    }

    /// A one-answer HTTP server on loopback.
    fn server(status: &'static str) -> Result<u16, std::io::Error> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Ok(port)
    }

    #[tokio::test]
    async fn probes_answer_with_the_status_and_refuse_private_addresses()
    -> Result<(), Box<dyn std::error::Error>> {
        let port = server("503 Service Unavailable")?;
        let open = Prober::new(true)?;
        let url = format!("http://127.0.0.1:{port}/health");
        assert_eq!(
            open.probe(&settings(url.clone())).await,
            ProbeResult::Status(503)
        );
        let strict = Prober::new(false)?;
        match strict.probe(&settings(url)).await {
            ProbeResult::Error(e) => assert!(e.contains("内部向け"), "{e}"),
            other => return Err(format!("{other:?}").into()),
        }
        // Nothing listens: an error, not a status.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let r = open
            .probe(&settings(format!("http://127.0.0.1:{closed}/")))
            .await;
        assert!(matches!(r, ProbeResult::Error(_)), "{r:?}");
        Ok(())
    }
}
