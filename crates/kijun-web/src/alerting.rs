//! Alerts sent as notifications (issue 6 part 5): a background task that,
//! every `alert_scan_interval` (`[server]`, default 5 minutes), computes
//! every tenant's alerts as of now — the same code as
//! `GET /api/v1/tenants/{id}/alerts`
//! ([`crate::routes::oversight::tenant_alerts_at`]) — and hands each
//! breached alert, and each pending one due within a day, to
//! [`AppState::notify`] with the alert's `dedupe_key`, so each is sent
//! once (and once more when a pending one becomes breached: the status is
//! part of the key). Several instances may scan at once: the outbox keeps
//! one notification per tenant and key (`UNIQUE (tenant_id, dedupe_key)`).
//!
//! Also the Japanese wording shared with the dashboard: kind and status
//! labels, the subject of an alert and deadlines written
//! `2026年5月1日 09:30` (Asia/Tokyo). Nothing here reads the clock: `now`
//! is a parameter, read by [`spawn`]'s loop at the edge.

use std::collections::HashMap;
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::{TimeZone, offset};
use jiff::{SignedDuration, Timestamp};
use kijun_core::oversight::alerts::{Alert, AlertKind, AlertStatus, Subject};
use serde_json::json;

use crate::error::ApiError;
use crate::log;
use crate::notify::{self, NotifyError};
use crate::state::AppState;

/// A pending alert whose deadline is at most this far ahead is sent too.
pub const DUE_SOON: SignedDuration = SignedDuration::from_hours(24);

/// The shortest scan interval the task accepts (shorter is raised to it).
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// A short Japanese label of an alert kind (dashboard, e-mail subject).
pub fn kind_label(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::IncidentInvestigationLate => "インシデントの調査開始の遅れ",
        AlertKind::IncidentReportLate => "インシデントの本市への報告の遅れ",
        AlertKind::NoticeTooLate => "変更・終了の告知の遅れ",
        AlertKind::Expiring => "登録・認証・契約の期限",
        AlertKind::DeliverableMissing => "提出物の未提出",
        AlertKind::DeliverableLate => "提出物の提出の遅れ",
        AlertKind::ImprovementPlanRequired => "SLA 未達の改善策なし",
    }
}

/// `期限超過` (breached) or `期限間近` (pending).
pub fn status_label(status: AlertStatus) -> &'static str {
    match status {
        AlertStatus::Breached => "期限超過",
        AlertStatus::Pending => "期限前",
    }
}

/// What an alert is about, in Japanese: `インシデント（ID abc）`.
pub fn subject_label(subject: &Subject) -> String {
    let what = match subject.kind.as_str() {
        "incident" => "インシデント",
        "notice" => "変更・終了の告知",
        "deliverable" => "提出物",
        "registration" => "登録",
        "certification" => "認証",
        "contract" => "契約",
        other => other,
    };
    format!("{what}（{}）", subject.id)
}

fn tokyo() -> TimeZone {
    TimeZone::fixed(offset(9))
}

/// `2026年5月1日`.
pub fn date_text(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `2026年5月1日 09:30`, Asia/Tokyo (UTC+9, no summer time).
pub fn datetime_text(ts: Timestamp) -> String {
    let dt = tokyo().to_datetime(ts);
    format!(
        "{} {:02}:{:02}",
        date_text(dt.date()),
        dt.hour(),
        dt.minute()
    )
}

/// An alert's deadline for people: the due date of a date duty
/// (`2026年5月1日`, on time through that day), else the instant
/// (`2026年5月1日 09:30`).
pub fn deadline_text(alert: &Alert) -> String {
    match alert.deadline_date {
        Some(d) => date_text(d),
        None => datetime_text(alert.deadline),
    }
}

/// Whether the task sends `alert` at `now`: breached, or pending with its
/// deadline within [`DUE_SOON`].
pub fn to_send(alert: &Alert, now: Timestamp) -> bool {
    match alert.status {
        AlertStatus::Breached => true,
        AlertStatus::Pending => now
            .checked_add(DUE_SOON)
            .is_ok_and(|soon| alert.deadline <= soon),
    }
}

/// The e-mail subject: `【kijun】期限超過: インシデントの調査開始の遅れ（電子申請システム）`.
pub fn subject_line(alert: &Alert, service: &str) -> String {
    format!(
        "【kijun】{}: {}（{service}）",
        status_label(alert.status),
        kind_label(alert.kind)
    )
}

/// The plain-text body: service, record, deadline, what happened and why
/// it is a duty.
pub fn body(alert: &Alert, service: &str) -> String {
    let mut text = format!(
        "サービス「{service}」について、対応が必要な事柄があります。\n\n\
         種類: {}（{}）\n\
         サービス: {service}（ID {}）\n\
         対象: {}\n\
         期限: {}\n",
        kind_label(alert.kind),
        status_label(alert.status),
        alert.service_id,
        subject_label(&alert.subject),
        deadline_text(alert),
    );
    if let Some(at) = alert.fulfilled_at {
        text.push_str(&format!("実施: {}\n", datetime_text(at)));
    }
    text.push_str(&format!(
        "内容: {}\n根拠: {}\n",
        alert.message, alert.source
    ));
    text
}

/// Errors of one tenant's scan.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{}", .0.message)]
    Api(ApiError),
    #[error("{0}")]
    Notify(#[from] NotifyError),
    #[error("{0}")]
    Store(#[from] kijun_store::StoreError),
}

impl From<ApiError> for ScanError {
    fn from(e: ApiError) -> Self {
        ScanError::Api(e)
    }
}

/// One tenant's scan at `now`: enqueues the alerts to send. Returns how
/// many were new (not already sent under their dedupe key).
pub async fn scan_tenant(
    state: &AppState,
    tenant_id: &str,
    now: Timestamp,
) -> Result<usize, ScanError> {
    let alerts = crate::routes::oversight::tenant_alerts_at(state, tenant_id, now).await?;
    if !alerts.iter().any(|a| to_send(a, now)) {
        return Ok(0);
    }
    let names: HashMap<String, String> = state
        .store
        .services_in_tenant(tenant_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut new = 0;
    for alert in alerts.iter().filter(|a| to_send(a, now)) {
        let service = names
            .get(&alert.service_id)
            .map_or(alert.service_id.as_str(), String::as_str);
        let subject = subject_line(alert, service);
        let body = body(alert, service);
        let payload = json!({
            "alert": alert,
            "service_name": service,
            "kind_label": kind_label(alert.kind),
            "deadline_text": deadline_text(alert),
        });
        let queued = state
            .notify(
                &notify::Alert {
                    tenant_id,
                    kind: alert.kind.as_str(),
                    subject: &subject,
                    body: &body,
                    payload: &payload,
                    dedupe_key: &alert.dedupe_key,
                },
                now,
            )
            .await?;
        if queued.is_some() {
            new += 1;
        }
    }
    Ok(new)
}

/// Every tenant's scan at `now`; a failing tenant is logged and skipped.
/// Returns how many notifications were new.
pub async fn scan(state: &AppState, now: Timestamp) -> Result<usize, ScanError> {
    let mut new = 0;
    for tenant in state.store.tenants().await? {
        match scan_tenant(state, &tenant.id, now).await {
            Ok(n) => new += n,
            Err(e) => log::error(&format!(
                "alerts: scanning tenant {} failed: {e}",
                tenant.slug
            )),
        }
    }
    Ok(new)
}

/// The scan interval of the configuration, at least [`MIN_INTERVAL`].
pub fn interval(configured: SignedDuration) -> Duration {
    Duration::try_from(configured)
        .unwrap_or(MIN_INTERVAL)
        .max(MIN_INTERVAL)
}

/// Starts the task: a scan at once, then every `alert_scan_interval`.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = interval(state.config.alert_scan_interval);
        loop {
            match scan(&state, state.now()).await {
                Ok(0) => {}
                Ok(n) => log::info(&format!("alerts: {n} new notification(s) enqueued")),
                Err(e) => log::error(&format!("alerts: scan failed: {e}")),
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn alert(status: AlertStatus, deadline: Timestamp, date: Option<Date>) -> Alert {
        Alert {
            kind: AlertKind::IncidentInvestigationLate,
            severity: kijun_core::oversight::alerts::AlertSeverity::Critical,
            status,
            service_id: "svc".into(),
            subject: Subject {
                kind: "incident".into(),
                id: "inc1".into(),
            },
            message: "インシデントの調査着手が期限に遅れました".into(),
            deadline,
            deadline_date: date,
            fulfilled_at: None,
            source: AlertKind::IncidentInvestigationLate.source(),
            dedupe_key: "k".into(),
            details: serde_json::Value::Null,
        }
    }

    #[test]
    fn every_alert_kind_can_be_subscribed_to() {
        for k in AlertKind::ALL {
            assert!(notify::known_kind(k.as_str()), "{k}");
        }
    }

    #[test]
    fn deadlines_are_written_in_japan_time() {
        let ts: Timestamp = "2026-05-01T00:30:00Z".parse().unwrap();
        assert_eq!(datetime_text(ts), "2026年5月1日 09:30");
        let d = Date::new(2026, 5, 1).unwrap();
        let a = alert(AlertStatus::Pending, ts, Some(d));
        assert_eq!(deadline_text(&a), "2026年5月1日");
        let a = alert(AlertStatus::Pending, ts, None);
        assert_eq!(deadline_text(&a), "2026年5月1日 09:30");
    }

    #[test]
    fn breached_and_pending_within_a_day_are_sent() {
        let now: Timestamp = "2026-05-01T00:00:00Z".parse().unwrap();
        let h = |n: i64| now + SignedDuration::from_hours(n);
        assert!(to_send(&alert(AlertStatus::Breached, h(-1), None), now));
        assert!(to_send(&alert(AlertStatus::Pending, h(24), None), now));
        assert!(!to_send(&alert(AlertStatus::Pending, h(25), None), now));
    }

    #[test]
    fn the_mail_names_the_service_the_record_and_the_deadline() {
        let ts: Timestamp = "2026-05-01T00:30:00Z".parse().unwrap();
        let a = alert(AlertStatus::Breached, ts, None);
        let s = subject_line(&a, "電子申請システム");
        assert!(
            s.contains("電子申請システム") && s.contains("調査開始"),
            "{s}"
        );
        let b = body(&a, "電子申請システム");
        assert!(b.contains("インシデント（inc1）"), "{b}");
        assert!(b.contains("期限: 2026年5月1日 09:30"), "{b}");
    }

    #[test]
    fn the_interval_has_a_floor() {
        assert_eq!(interval(SignedDuration::from_millis(10)), MIN_INTERVAL);
        assert_eq!(interval(SignedDuration::from_secs(-5)), MIN_INTERVAL);
        assert_eq!(
            interval(SignedDuration::from_mins(5)),
            Duration::from_secs(300)
        );
    }
}
