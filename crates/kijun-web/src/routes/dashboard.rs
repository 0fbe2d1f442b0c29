//! A tenant's dashboard: services by assessment status, assessments waiting
//! for the reviewer or for a vendor, overdue conditions, certifications and
//! registrations (ISMAP, ISMAP-LIU, LGWAN-ASP) expiring within 90 days, and
//! services whose re-assessment cycle is due, and the tenant's current
//! oversight alerts (those of `GET /tenants/{id}/alerts`, breached first).
//! "Today" is the Asia/Tokyo date and `now` the instant passed in; nothing
//! here reads the clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date as CivilDate;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use kijun_core::catalog::Date;
use kijun_core::oversight::alerts::{Alert, AlertKind, AlertSeverity, AlertStatus, Subject};
use kijun_core::service::ServiceDetails;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::principal::Principal;
use crate::state::AppState;

/// How many alerts the dashboard lists (the most urgent first); a page of
/// thousands helps no one and costs memory under many concurrent readers.
pub const DASHBOARD_ALERTS: usize = 100;

/// How far ahead expiring certifications are listed.
pub const EXPIRY_WINDOW_DAYS: i32 = 90;

#[derive(Debug, Clone, Serialize)]
pub struct WaitingAssessment {
    pub assessment_id: String,
    pub service: String,
    /// Items submitted and waiting for review.
    pub to_review: usize,
    /// Items the vendors still have to answer (open or returned).
    pub with_vendors: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueCondition {
    pub assessment_id: String,
    pub service: String,
    pub text: String,
    pub due: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expiring {
    pub service_id: String,
    pub service: String,
    pub what: String,
    pub valid_until: String,
    /// Negative when already expired.
    pub days_left: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReassessmentDue {
    pub service_id: String,
    pub service: String,
    pub last_decided: Option<String>,
}

/// A current alert of the tenant (see `docs/oversight.md` §5), with its
/// Japanese labels and the service's name.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardAlert {
    pub kind: AlertKind,
    /// The kind in Japanese (`インシデントの調査開始の遅れ`).
    pub kind_label: &'static str,
    pub status: AlertStatus,
    /// `期限超過` or `期限前`.
    pub status_label: &'static str,
    pub severity: AlertSeverity,
    pub service_id: String,
    pub service: String,
    pub subject: Subject,
    /// What the alert is about in Japanese (`インシデント（ID）`).
    pub subject_label: String,
    pub message: String,
    pub deadline: Timestamp,
    /// `2026年5月1日 09:30` (Asia/Tokyo), or `2026年5月1日` for a date duty.
    pub deadline_text: String,
    pub dedupe_key: String,
}

impl DashboardAlert {
    fn new(alert: Alert, service: String) -> DashboardAlert {
        DashboardAlert {
            kind_label: crate::alerting::kind_label(alert.kind),
            status_label: crate::alerting::status_label(alert.status),
            subject_label: crate::alerting::subject_label(&alert.subject),
            deadline_text: crate::alerting::deadline_text(&alert),
            kind: alert.kind,
            status: alert.status,
            severity: alert.severity,
            service_id: alert.service_id,
            service,
            subject: alert.subject,
            message: alert.message,
            deadline: alert.deadline,
            dedupe_key: alert.dedupe_key,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub today: String,
    pub services_by_status: BTreeMap<&'static str, usize>,
    pub waiting: Vec<WaitingAssessment>,
    pub overdue_conditions: Vec<OverdueCondition>,
    pub expiring: Vec<Expiring>,
    pub reassessment_due: Vec<ReassessmentDue>,
    pub reassessment_months: u32,
    /// The tenant's alerts as of now: breached first, then by deadline; at
    /// most [`DASHBOARD_ALERTS`] (the full list: `GET /tenants/{id}/alerts`).
    pub alerts: Vec<DashboardAlert>,
    /// How many alerts there are in all.
    pub alerts_total: usize,
}

fn civil(d: Date) -> Option<CivilDate> {
    CivilDate::new(
        i16::try_from(d.year).ok()?,
        i8::try_from(d.month).ok()?,
        i8::try_from(d.day).ok()?,
    )
    .ok()
}

/// Today in Asia/Tokyo.
pub fn tokyo_today(now: Timestamp) -> CivilDate {
    let tz = TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC);
    now.to_zoned_datetime(tz).date()
}

/// How long a computed dashboard is reused when nothing was written
/// through this server meanwhile: changes made elsewhere (the CLI, other
/// app instances on a shared PostgreSQL) show within this time, and
/// deadlines that pass are seen at most this late.
pub const DASHBOARD_FRESH: jiff::SignedDuration = jiff::SignedDuration::from_secs(5);

/// Each tenant's last dashboard. Concurrent readers of one tenant wait for
/// one computation and share its result, instead of each loading every
/// service, assessment and alert of the tenant at once: the page's cost in
/// memory and CPU no longer grows with the number of readers.
#[derive(Default)]
pub struct DashboardCache {
    slots: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

struct Cached {
    writes: u64,
    computed_at: Timestamp,
    dashboard: Arc<Dashboard>,
}

impl DashboardCache {
    fn slot(&self, tenant_id: &str) -> Arc<tokio::sync::Mutex<Option<Cached>>> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.entry(tenant_id.to_owned()).or_default().clone()
    }
}

/// The dashboard of `tenant_id` as of `now`: the cached one if nothing was
/// written through this server since it was computed and it is younger
/// than [`DASHBOARD_FRESH`], else a new one (computed once however many
/// readers wait for it).
pub async fn current(
    state: &AppState,
    tenant_id: &str,
    now: Timestamp,
) -> Result<Arc<Dashboard>, ApiError> {
    let slot = state.dashboards.slot(tenant_id);
    let mut cached = slot.lock().await;
    let writes = state.write_count();
    if let Some(c) = cached.as_ref()
        && c.writes == writes
        && c.computed_at <= now
        && now.duration_since(c.computed_at) < DASHBOARD_FRESH
    {
        return Ok(c.dashboard.clone());
    }
    let dashboard = Arc::new(build(state, tenant_id, now).await?);
    crate::metrics::Metrics::inc(&state.metrics.dashboard_builds);
    *cached = Some(Cached {
        writes,
        computed_at: now,
        dashboard: dashboard.clone(),
    });
    Ok(dashboard)
}

/// Builds the dashboard of `tenant_id` as of `now` (today: its Asia/Tokyo
/// date).
pub async fn build(
    state: &AppState,
    tenant_id: &str,
    now: Timestamp,
) -> Result<Dashboard, ApiError> {
    let today = tokyo_today(now);
    // Bounded: see `AppState::heavy` — one permit for the whole page.
    let _permit = state.heavy.acquire().await.map_err(ApiError::internal)?;
    let current = crate::routes::oversight::tenant_alerts_unbounded(state, tenant_id, now).await?;
    let settings = state.tenant_settings(Some(tenant_id)).await?;
    let services = state.store.services_in_tenant(tenant_id).await?;
    let assessments = state
        .store
        .assessment_overviews_in_tenant(tenant_id)
        .await?;
    // One grouped query for every open assessment's item states.
    let counts = state.store.open_item_counts(tenant_id).await?;
    let mut by_status: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut waiting = Vec::new();
    let mut overdue = Vec::new();
    let mut expiring = Vec::new();
    let mut due = Vec::new();
    // Each service's assessments, newest first (assessments_in_tenant's order).
    let mut by_service: BTreeMap<&str, Vec<&kijun_store::assessment::AssessmentRecord>> =
        BTreeMap::new();
    for a in &assessments {
        by_service.entry(a.service_id.as_str()).or_default().push(a);
    }
    let none = Vec::new();
    for s in &services {
        let mine = by_service.get(s.id.as_str()).unwrap_or(&none);
        // assessments_in_tenant is newest first.
        let status = match mine.first() {
            None => "未審査",
            Some(a) if a.status == "open" => "審査中",
            Some(a) => match a.verdict.as_deref() {
                Some("approved") => "承認",
                Some("conditional") => "条件付き承認",
                _ => "不承認",
            },
        };
        *by_status.entry(status).or_default() += 1;

        for a in mine {
            if a.status == "open" {
                let n = |state: &str| {
                    counts
                        .get(&a.id)
                        .and_then(|c| c.get(state))
                        .and_then(|v| usize::try_from(*v).ok())
                        .unwrap_or(0)
                };
                let to_review = n("submitted");
                let with_vendors = n("open") + n("returned");
                waiting.push(WaitingAssessment {
                    assessment_id: a.id.clone(),
                    service: s.name.clone(),
                    to_review,
                    with_vendors,
                });
            } else if let Some(conds) = a
                .decision
                .as_ref()
                .and_then(|d| d.get("conditions"))
                .and_then(Value::as_array)
            {
                for c in conds.iter().filter(|c| c.get("met_at").is_none()) {
                    let due_text = c.get("due").and_then(Value::as_str).unwrap_or_default();
                    if let Ok(d) = due_text.parse::<CivilDate>()
                        && d < today
                    {
                        overdue.push(OverdueCondition {
                            assessment_id: a.id.clone(),
                            service: s.name.clone(),
                            text: c
                                .get("text")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            due: due_text.to_owned(),
                        });
                    }
                }
            }
        }

        let details: ServiceDetails = s
            .details
            .get("details")
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .unwrap_or_default();
        let mut validity: Vec<(String, Date)> = Vec::new();
        for (label, reg) in [
            ("ISMAP", &details.ismap),
            ("ISMAP-LIU", &details.ismap_liu),
            ("LGWAN-ASP", &details.lgwan_asp),
        ] {
            if let Some(until) = reg.as_ref().and_then(|r| r.valid_until) {
                validity.push((format!("{label} 登録"), until.0));
            }
        }
        for c in &details.certifications {
            if let Some(until) = c.valid_until {
                validity.push((c.name.clone(), until.0));
            }
        }
        for (what, until) in validity {
            let Some(until_civil) = civil(until) else {
                continue;
            };
            let span_days = today
                .until(until_civil)
                .map(|sp| sp.get_days())
                .unwrap_or(i32::MAX);
            if span_days <= EXPIRY_WINDOW_DAYS {
                expiring.push(Expiring {
                    service_id: s.id.clone(),
                    service: s.name.clone(),
                    what,
                    valid_until: until.to_string(),
                    days_left: span_days,
                });
            }
        }

        let last_decided = mine
            .iter()
            .filter(|a| a.status == "decided")
            .map(|a| a.updated_at)
            .max();
        let has_open = mine.iter().any(|a| a.status == "open");
        let last_date = last_decided.map(tokyo_today);
        let is_due = match last_date {
            None => !has_open,
            Some(d) => {
                !has_open
                    && d.checked_add(i64::from(settings.reassessment_months).months())
                        .is_ok_and(|next| next <= today)
            }
        };
        if is_due {
            due.push(ReassessmentDue {
                service_id: s.id.clone(),
                service: s.name.clone(),
                last_decided: last_date.map(|d| d.to_string()),
            });
        }
    }
    expiring.sort_by_key(|e| e.days_left);
    let names: BTreeMap<&str, &str> = services
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let mut alerts: Vec<DashboardAlert> = current
        .into_iter()
        .map(|a| {
            let name = names
                .get(a.service_id.as_str())
                .copied()
                .unwrap_or_default();
            DashboardAlert::new(a, name.to_owned())
        })
        .collect();
    // Breached first, then the nearest deadline.
    alerts.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then_with(|| a.deadline.cmp(&b.deadline))
            .then_with(|| a.dedupe_key.cmp(&b.dedupe_key))
    });
    let alerts_total = alerts.len();
    alerts.truncate(DASHBOARD_ALERTS);
    Ok(Dashboard {
        today: today.to_string(),
        services_by_status: by_status,
        waiting,
        overdue_conditions: overdue,
        expiring,
        reassessment_due: due,
        reassessment_months: settings.reassessment_months,
        alerts,
        alerts_total,
    })
}

/// `GET /api/v1/tenants/{id}/dashboard` (tenant staff).
pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !p.sees_tenant(&id) || p.role == kijun_store::Role::Vendor {
        return Err(ApiError::not_found());
    }
    state
        .store
        .tenant(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let d = current(&state, &id, state.now()).await?;
    Ok(Json(&*d).into_response())
}
