//! The server-rendered oversight screens of a service in operation (運用監督,
//! `/services/{id}/oversight`): the service's current alerts, its expected
//! deliverables, and its records grouped by kind — outages, inquiries,
//! incidents, change and termination notices, security-plan items and
//! their monthly status, issues and risks — in tables, with a create form
//! per kind and the forms that close or update an outage, answer an
//! inquiry and record an incident's times; and a deliverable's page
//! (`…/oversight/deliverables/{kind}/{period}`) with its versions and the
//! forms to submit a version, accept or return the latest one, and set the
//! due date; and the service's SLA settings and availability monitor
//! (`…/oversight/settings`: targets, operating schedule, closed days, the
//! monthly report's due day; the probe's URL, interval, expected status,
//! timeout and failures, and its removal).
//!
//! Who may do what is decided exactly as in the JSON API: every list and
//! every change goes through the handlers of `routes::oversight` (the same
//! access check `service_access`, the same validation, the same store call
//! and audit entry); a form is turned into the API's JSON body field by
//! field with the CSV importer's cell formats (`kijun_core::oversight::csv`)
//! and handed to the handler. Forms and tables are built from the kind's
//! column list, so they carry exactly the fields the API takes. Tenant
//! staff read and write, viewers read (no forms; a POST is 403), vendor
//! users of the service's organisations file their own organisation's
//! records of the kinds the API lets them, anyone else gets 404. Forms are
//! checked for the session's CSRF token and a completed sign-in by
//! `UiForm`; a valid form redirects back with a `?done=` notice (post,
//! redirect, get), an invalid one re-renders the page with the error next
//! to its field and stores nothing. A CSV file of any kind is imported
//! through the API's import (every row checked, all or nothing), its
//! problems listed by row and column. `/oversight` lists the services whose
//! page the user may open (a vendor's across tenants).

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::{TimeZone, offset};
use kijun_core::oversight::csv::{self, Column, ColumnType};
use kijun_core::oversight::deliverables::{DeliverableKind, DeliverableState, VersionInput};
use kijun_core::oversight::figures::ReportedFigures;
use kijun_core::oversight::records::{
    IncidentInput, InquiryInput, IssueInput, NoticeInput, OutageInput, PlanItemInput,
    PlanStatusInput,
};
use kijun_core::oversight::{AlertStatus, Month, RecordData, RecordKind, parse_day};
use kijun_core::workflow::ReviewDecision;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::principal::Principal;
use crate::routes::oversight::{
    self, AlertQuery, DeliverableInput, DeliverableView, ListQuery, OversightAccess, VersionReview,
};
use crate::state::AppState;
use crate::ui::{CsrfField, Nav, UiForm, UiUser, jp_civil_date, jp_datetime};
use crate::ui::{csrf_of, render, with_status};
use crate::ui_assessments::error_response;

fn tokyo() -> TimeZone {
    TimeZone::fixed(offset(9))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

// ---------------------------------------------------------------------------
// Forms

/// A form as posted: the CSRF token and every other field by name.
#[derive(Deserialize)]
pub struct RawForm {
    csrf_token: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

impl CsrfField for RawForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl RawForm {
    /// The field's value, trimmed, line ends as `\n` ("" when absent).
    fn get(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| v.trim().replace("\r\n", "\n"))
            .unwrap_or_default()
    }
}

/// One form control.
pub struct FormField {
    /// The control's `id` (unique on the page).
    pub id: String,
    /// The control's `name` (the API's field name).
    pub name: &'static str,
    pub label: String,
    /// `text`, `textarea`, `datetime-local`, `date`, `month`, `select` or
    /// `checkbox`.
    pub kind: &'static str,
    pub value: String,
    /// `(value, label)` for a select.
    pub options: Vec<(String, String)>,
    pub hint: String,
    pub error: Option<String>,
    pub required: bool,
    pub checked: bool,
}

impl FormField {
    fn new(form: &str, name: &'static str, label: impl Into<String>, kind: &'static str) -> Self {
        FormField {
            id: format!("{form}-{name}"),
            name,
            label: label.into(),
            kind,
            value: String::new(),
            options: Vec::new(),
            hint: String::new(),
            error: None,
            required: false,
            checked: false,
        }
    }

    /// The ids of the hint and error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// One form on a page.
pub struct FormView {
    /// Which form this is (`new-outages`, `edit-<record id>`): a failed
    /// form is shown again with what was entered.
    pub key: String,
    pub heading: String,
    pub action: String,
    pub submit: String,
    pub fields: Vec<FormField>,
    /// Open the surrounding `<details>` (the form failed).
    pub open: bool,
}

/// A form that failed: which one, what was entered, the field at fault and
/// the message.
struct Failed {
    key: String,
    values: HashMap<String, String>,
    field: Option<String>,
    message: String,
    /// Every problem of a CSV file that was refused.
    problems: Vec<crate::error::Problem>,
}

impl Failed {
    fn of(key: String, form: &RawForm, e: &ApiError) -> Failed {
        Failed {
            key,
            values: form.fields.clone(),
            field: e.field.clone(),
            message: e.message.clone(),
            problems: e.problems.clone(),
        }
    }
}

/// Fills `form` with what was entered and the error, if it is the form
/// that failed.
fn apply_failed(form: &mut FormView, failed: Option<&Failed>) {
    let Some(f) = failed.filter(|f| f.key == form.key) else {
        return;
    };
    form.open = true;
    for field in &mut form.fields {
        let entered = f.values.get(field.name).cloned().unwrap_or_default();
        if field.kind == "checkbox" {
            field.checked = entered == "true";
        } else {
            field.value = entered;
        }
        if f.field.as_deref() == Some(field.name) {
            field.error = Some(f.message.clone());
        }
    }
}

// ---------------------------------------------------------------------------
// Record forms and tables, from the kind's column list

/// The fields of `kind` an update form changes (the rest keep their
/// stored values): closing an outage, answering an inquiry, an incident's
/// handling times.
fn update_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Outage => &["end", "cause", "countermeasure", "permanent_fix"],
        RecordKind::Inquiry => &["first_answered_at", "answered_by", "answer"],
        RecordKind::Incident => &[
            "detected_at",
            "suspicion_reported_at",
            "reported_to_municipality_at",
            "investigation_started_at",
            "contained_at",
            "recovered_at",
            "closed_at",
            "logs_provided",
        ],
        _ => &[],
    }
}

fn update_heading(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Outage => "復旧・対応を記録する",
        RecordKind::Inquiry => "一次回答を記録する",
        _ => "対応の日時を記録する",
    }
}

/// Open and finished state labels of a kind (`None`: never open).
fn state_labels(kind: RecordKind) -> Option<(&'static str, &'static str)> {
    match kind {
        RecordKind::Outage => Some(("継続中", "復旧済み")),
        RecordKind::Inquiry => Some(("未回答", "回答済み")),
        RecordKind::Incident => Some(("対応中", "完了")),
        RecordKind::PlanStatus => Some(("未完了", "実施済み")),
        RecordKind::Issue => Some(("対応中", "完了")),
        RecordKind::Notice | RecordKind::PlanItem => None,
    }
}

/// One-line texts (the others are multi-line).
fn short_text(name: &str) -> bool {
    matches!(
        name,
        "asked_by" | "answered_by" | "method" | "title" | "owner"
    )
}

/// An instant as `<input type="datetime-local">` shows it (Asia/Tokyo).
fn local_input(ts: Timestamp) -> String {
    tokyo()
        .to_datetime(ts)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The form value of a stored field.
fn input_value(c: &Column, v: &Value) -> String {
    match c.ty {
        ColumnType::Instant => v
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .map(local_input)
            .unwrap_or_default(),
        _ => text(v),
    }
}

/// The table text of a stored field.
fn display_value(c: &Column, v: &Value, items: &[(String, String)]) -> String {
    let s = v.as_str().unwrap_or_default();
    match c.ty {
        ColumnType::Instant => s.parse::<Timestamp>().map(jp_datetime).unwrap_or_default(),
        ColumnType::Day => parse_day(s).map(jp_civil_date).unwrap_or_default(),
        ColumnType::Month => Month::parse(s).map(Month::label).unwrap_or_default(),
        ColumnType::Bool => if v == &Value::Bool(true) {
            "はい"
        } else {
            "いいえ"
        }
        .to_owned(),
        ColumnType::Choice(values) => values
            .iter()
            .find(|(value, _)| *value == s)
            .map_or_else(|| s.to_owned(), |(_, l)| (*l).to_owned()),
        ColumnType::Text if c.name == "item_id" => items
            .iter()
            .find(|(id, _)| id == s)
            .map_or_else(|| s.to_owned(), |(_, t)| t.clone()),
        ColumnType::Text => s.to_owned(),
    }
}

/// The control of a column (empty).
fn column_field(form: &str, c: &Column, items: &[(String, String)]) -> FormField {
    let kind = match c.ty {
        ColumnType::Instant => "datetime-local",
        ColumnType::Day => "date",
        ColumnType::Month => "month",
        ColumnType::Bool => "checkbox",
        ColumnType::Choice(_) => "select",
        ColumnType::Text if c.name == "item_id" => "select",
        ColumnType::Text if short_text(c.name) => "text",
        ColumnType::Text => "textarea",
    };
    let mut f = FormField::new(form, c.name, c.label, kind);
    f.required = c.required;
    f.hint = match c.ty {
        ColumnType::Instant => "日本時間（例: 2026-05-10 01:00）".into(),
        ColumnType::Day => "年-月-日（例: 2026-05-10）".into(),
        ColumnType::Month => "年-月（例: 2026-05）".into(),
        _ => String::new(),
    };
    f.options = match c.ty {
        ColumnType::Choice(values) => values
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
            .collect(),
        ColumnType::Text if c.name == "item_id" => items.to_vec(),
        _ => Vec::new(),
    };
    f
}

/// The create form of `kind`.
fn create_form(service_id: &str, kind: RecordKind, items: &[(String, String)]) -> FormView {
    let key = format!("new-{}", kind.collection());
    FormView {
        fields: csv::columns(kind)
            .iter()
            .map(|c| column_field(&key, c, items))
            .collect(),
        heading: format!("{}を登録する", kind.label()),
        action: format!("/services/{service_id}/oversight/{}", kind.collection()),
        submit: "登録する".into(),
        open: false,
        key,
    }
}

/// The update form of a record (its current values filled in).
fn update_form(service_id: &str, kind: RecordKind, record: &Value, summary: &str) -> FormView {
    let rid = text(&record["id"]);
    let key = format!("edit-{rid}");
    let fields = csv::columns(kind)
        .iter()
        .filter(|c| update_fields(kind).contains(&c.name))
        .map(|c| {
            let mut f = column_field(&key, c, &[]);
            f.required = false;
            f.value = input_value(c, &record[c.name]);
            f.checked = record[c.name] == Value::Bool(true);
            f
        })
        .collect();
    FormView {
        heading: format!("{summary}: {}", update_heading(kind)),
        action: format!(
            "/services/{service_id}/oversight/{}/{rid}",
            kind.collection()
        ),
        submit: "更新する".into(),
        fields,
        open: false,
        key,
    }
}

/// The API's JSON fields of `kind` from a form: every column of `names`
/// (all when `None`) read with the CSV importer's cell formats, over
/// `base` (the stored record, for an update).
fn form_record(
    kind: RecordKind,
    names: Option<&[&str]>,
    form: &RawForm,
    mut base: Map<String, Value>,
) -> Result<Value, ApiError> {
    for c in csv::columns(kind)
        .iter()
        .filter(|c| names.is_none_or(|n| n.contains(&c.name)))
    {
        let entered = form.get(c.name);
        let value = if entered.is_empty() {
            if c.required {
                return Err(ApiError::bad_request(
                    "invalid_field",
                    format!("{}を入力してください", c.label),
                )
                .with_field(c.name));
            }
            match c.ty {
                ColumnType::Text => Value::String(String::new()),
                ColumnType::Bool => Value::Bool(false),
                _ => Value::Null,
            }
        } else {
            csv::convert(c.ty, &entered).map_err(|m| {
                ApiError::bad_request("invalid_field", format!("{}: {m}", c.label))
                    .with_field(c.name)
            })?
        };
        base.insert(c.name.to_owned(), value);
    }
    Ok(Value::Object(base))
}

/// The record's own fields (what the API's `record_view` adds removed).
fn record_data(v: &Value) -> Map<String, Value> {
    let mut m = v.as_object().cloned().unwrap_or_default();
    for meta in [
        "id",
        "service_id",
        "organisation_id",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ] {
        m.remove(meta);
    }
    m
}

// ---------------------------------------------------------------------------
// The page

/// One record in a kind's table.
pub struct RecordRow {
    pub id: String,
    /// The removal form's action (tenant staff only).
    pub delete: Option<String>,
    /// What the removal button names.
    pub summary: String,
    pub state: &'static str,
    pub cells: Vec<String>,
    pub filed_by: String,
    pub edit: Option<FormView>,
}

/// A kind's records and form.
pub struct Section {
    pub anchor: &'static str,
    pub heading: &'static str,
    pub headings: Vec<&'static str>,
    pub has_state: bool,
    pub rows: Vec<RecordRow>,
    pub create: Option<FormView>,
    /// Why there is no create form although the user may write.
    pub create_note: String,
    /// The CSV import form's action (`None`: the user may not file).
    pub import_action: Option<String>,
    /// Rows have a removal button (tenant staff).
    pub deletable: bool,
    /// The CSV columns in words, for the import form's hint.
    pub import_columns: String,
}

/// One problem of a refused CSV file.
pub struct ProblemRow {
    pub row: String,
    pub column: String,
    pub heading: String,
    pub value: String,
    pub message: String,
}

pub struct AlertRow {
    pub status: &'static str,
    pub kind: &'static str,
    pub subject: String,
    pub message: String,
    pub deadline: String,
}

pub struct DeliverableRow {
    pub href: String,
    pub label: String,
    pub due: String,
    pub state: &'static str,
    pub latest: String,
    pub on_time: &'static str,
}

#[derive(Template)]
#[template(path = "oversight.html")]
struct OversightPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    id: String,
    service_name: String,
    /// Tenant staff or viewers (who may open the service's page).
    staff: bool,
    read_only: bool,
    alerts: Vec<AlertRow>,
    deliverables: Vec<DeliverableRow>,
    sections: Vec<Section>,
    /// The problems of a CSV file just refused.
    problems: Vec<ProblemRow>,
}

/// `未提出（期限前）` etc.
pub fn deliverable_state_label(s: DeliverableState) -> &'static str {
    match s {
        DeliverableState::NotRequired => "不要",
        DeliverableState::Upcoming => "未提出（期限前）",
        DeliverableState::Missing => "未提出（期限超過）",
        DeliverableState::Submitted => "確認待ち",
        DeliverableState::Accepted => "受理",
        DeliverableState::Returned => "差戻し",
    }
}

fn version_state_label(s: &str) -> &'static str {
    match s {
        "submitted" => "確認待ち",
        "accepted" => "受理",
        "returned" => "差戻し",
        "superseded" => "新しい版に置き換え",
        _ => "",
    }
}

fn on_time_label(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "期限内",
        Some(false) => "期限後",
        None => "",
    }
}

fn deliverable_href(service_id: &str, kind: DeliverableKind, period: &str) -> String {
    format!(
        "/services/{service_id}/oversight/deliverables/{}/{period}",
        kind.as_str()
    )
}

fn deliverable_rows(service_id: &str, list: &[DeliverableView]) -> Vec<DeliverableRow> {
    list.iter()
        .map(|d| {
            let s = &d.status;
            DeliverableRow {
                href: deliverable_href(service_id, s.kind, &s.period.to_string()),
                label: s.label.clone(),
                due: s.due.map(jp_civil_date).unwrap_or_else(|| "未定".into()),
                state: deliverable_state_label(s.state),
                latest: s
                    .latest_version
                    .map(|v| format!("第{v}版"))
                    .unwrap_or_default(),
                on_time: on_time_label(s.on_time),
            }
        })
        .collect()
}

/// The rows and forms of `T`'s kind.
async fn section<T: RecordData>(
    state: &AppState,
    p: &Principal,
    service_id: &str,
    access: &OversightAccess,
    items: &[(String, String)],
    org_names: &HashMap<String, String>,
    failed: Option<&Failed>,
) -> Result<Section, ApiError> {
    let kind = T::KIND;
    let Json(list) = oversight::list_records::<T>(
        State(state.clone()),
        p.clone(),
        Path(service_id.to_owned()),
        ApiQuery(ListQuery {
            from: None,
            until: None,
            open: None,
        }),
    )
    .await?;
    let columns = csv::columns(kind);
    let labels = state_labels(kind);
    let mut rows = Vec::with_capacity(list.len());
    for v in &list {
        let record: T = serde_json::from_value(Value::Object(record_data(v)))
            .map_err(|e| ApiError::internal(format!("stored record unreadable: {e}")))?;
        let cells: Vec<String> = columns
            .iter()
            .map(|c| display_value(c, &v[c.name], items))
            .collect();
        let organisation = v["organisation_id"].as_str();
        let editable =
            !update_fields(kind).is_empty() && access.may_edit_filed_by(organisation, kind).is_ok();
        let edit = editable.then(|| {
            let first = cells.first().cloned().unwrap_or_default();
            let mut form = update_form(service_id, kind, v, &format!("{first} の{}", kind.label()));
            apply_failed(&mut form, failed);
            form
        });
        let first = cells.first().cloned().unwrap_or_default();
        rows.push(RecordRow {
            delete: access.require_manage().is_ok().then(|| {
                format!(
                    "/services/{service_id}/oversight/{}/{}/delete",
                    kind.collection(),
                    text(&v["id"])
                )
            }),
            summary: format!("{first} の{}", kind.label()),
            id: text(&v["id"]),
            state: labels.map_or(
                "",
                |(open, done)| {
                    if record.is_open() { open } else { done }
                },
            ),
            filed_by: organisation.map_or_else(
                || "団体（職員）".to_owned(),
                |o| org_names.get(o).cloned().unwrap_or_else(|| o.to_owned()),
            ),
            cells,
            edit,
        });
    }
    let may_file = access.filing_org(kind).is_ok();
    let mut create_note = String::new();
    let create = if !may_file {
        None
    } else if kind == RecordKind::PlanStatus && items.is_empty() {
        create_note =
            "実施状況を登録するには、先にセキュリティ対策実施計画の項目を登録してください。".into();
        None
    } else {
        let mut form = create_form(service_id, kind, items);
        apply_failed(&mut form, failed);
        Some(form)
    };
    Ok(Section {
        anchor: kind.collection(),
        heading: kind.label(),
        headings: columns.iter().map(|c| c.label).collect(),
        has_state: labels.is_some(),
        rows,
        create,
        create_note,
        deletable: access.require_manage().is_ok(),
        import_action: may_file.then(|| {
            format!(
                "/services/{service_id}/oversight/{}/import",
                kind.collection()
            )
        }),
        import_columns: columns
            .iter()
            .map(|c| {
                format!(
                    "{}（{}）{}",
                    c.name,
                    c.label,
                    if c.required { "*" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The oversight page, with `error` above it and `failed` filled in again.
async fn oversight_view(
    state: &AppState,
    p: &Principal,
    id: &str,
    error: Option<String>,
    notice: Option<String>,
    failed: Option<&Failed>,
) -> Response {
    let build = async {
        let (service, access) = oversight::service_access(state, p, id).await?;
        let Json(alerts) = oversight::service_alerts(
            State(state.clone()),
            p.clone(),
            Path(service.id.clone()),
            ApiQuery(AlertQuery {
                kind: None,
                status: None,
            }),
        )
        .await?;
        let mut alerts = alerts;
        alerts.sort_by_key(|a| (a.status != AlertStatus::Breached, a.deadline));
        let Json(deliverables) =
            oversight::list_deliverables(State(state.clone()), p.clone(), Path(service.id.clone()))
                .await?;
        let org_name: HashMap<String, String> = state
            .store
            .organisations()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let Json(plan_items) = oversight::list_records::<PlanItemInput>(
            State(state.clone()),
            p.clone(),
            Path(service.id.clone()),
            ApiQuery(ListQuery {
                from: None,
                until: None,
                open: None,
            }),
        )
        .await?;
        let items: Vec<(String, String)> = plan_items
            .iter()
            .map(|i| (text(&i["id"]), text(&i["title"])))
            .collect();
        let sid = service.id.as_str();
        let sections = vec![
            section::<OutageInput>(state, p, sid, &access, &items, &org_name, failed).await?,
            section::<InquiryInput>(state, p, sid, &access, &items, &org_name, failed).await?,
            section::<IncidentInput>(state, p, sid, &access, &items, &org_name, failed).await?,
            section::<NoticeInput>(state, p, sid, &access, &items, &org_name, failed).await?,
            section::<PlanItemInput>(state, p, sid, &access, &items, &org_name, failed).await?,
            section::<PlanStatusInput>(state, p, sid, &access, &items, &org_name, failed).await?,
            section::<IssueInput>(state, p, sid, &access, &items, &org_name, failed).await?,
        ];
        Ok::<_, ApiError>(OversightPage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            staff: !matches!(access, OversightAccess::Vendor(_)),
            read_only: access == OversightAccess::Read,
            alerts: alerts
                .iter()
                .map(|a| AlertRow {
                    status: crate::alerting::status_label(a.status),
                    kind: crate::alerting::kind_label(a.kind),
                    subject: crate::alerting::subject_label(&a.subject),
                    message: a.message.clone(),
                    deadline: crate::alerting::deadline_text(a),
                })
                .collect(),
            deliverables: deliverable_rows(&service.id, &deliverables),
            sections,
            problems: failed
                .map(|f| {
                    f.problems
                        .iter()
                        .map(|p| ProblemRow {
                            row: p.row.map(|r| r.to_string()).unwrap_or_default(),
                            column: p.column.clone().unwrap_or_default(),
                            heading: p.heading.clone().unwrap_or_default(),
                            value: p.value.clone().unwrap_or_default(),
                            message: p.message.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            id: service.id,
            service_name: service.name,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    kind: Option<String>,
    /// How many records a CSV import stored.
    n: Option<usize>,
}

fn kind_of(collection: &str) -> Option<RecordKind> {
    RecordKind::ALL
        .into_iter()
        .find(|k| k.collection() == collection)
}

fn done_notice(q: &DoneQuery) -> Option<String> {
    let what = q.kind.as_deref().and_then(kind_of).map(RecordKind::label);
    match (q.done.as_deref()?, what) {
        ("created", Some(w)) => Some(format!("{w}を登録しました")),
        ("updated", Some(w)) => Some(format!("{w}を更新しました")),
        ("deleted", Some(w)) => Some(format!("{w}を削除しました")),
        ("imported", Some(w)) => Some(format!(
            "{w}を CSV から {} 件取り込みました",
            q.n.unwrap_or_default()
        )),
        ("submitted", _) => Some("提出物の版を提出しました".into()),
        ("reviewed", _) => Some("確認を記録しました".into()),
        ("deliverable", _) => Some("提出物の期限・要否を保存しました".into()),
        _ => None,
    }
}

/// `GET /services/{id}/oversight`.
pub async fn oversight_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    oversight_view(&state, &p, &id, None, done_notice(&q), None).await
}

/// A form that failed: 404 and 403 as the error page (as the API answers),
/// anything else on the page again with the error next to its field and
/// the error's status.
async fn failed_page(
    state: &AppState,
    p: &Principal,
    id: &str,
    e: ApiError,
    failed: Failed,
) -> Response {
    if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
        return error_response(e);
    }
    let message = if e.field.is_some() {
        format!(
            "入力内容に誤りがあります。{}（登録内容は変更されていません）",
            e.message
        )
    } else {
        e.message.clone()
    };
    let r = oversight_view(state, p, id, Some(message), None, Some(&failed)).await;
    with_status(r, e.status)
}

async fn create_kind<T: RecordData>(
    state: &AppState,
    p: &Principal,
    id: &str,
    form: &RawForm,
) -> Result<(), ApiError> {
    // Who may file is checked before the form is read, as the API does
    // before it reads the body's meaning.
    let (_, access) = oversight::service_access(state, p, id).await?;
    access.filing_org(T::KIND)?;
    let body = form_record(T::KIND, None, form, Map::new())?;
    let input: T = serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request("invalid_field", format!("入力内容を読み取れません: {e}"))
    })?;
    oversight::create_record::<T>(
        State(state.clone()),
        p.clone(),
        Path(id.to_owned()),
        ApiJson(input),
    )
    .await?;
    Ok(())
}

async fn update_kind<T: RecordData>(
    state: &AppState,
    p: &Principal,
    id: &str,
    rid: &str,
    form: &RawForm,
) -> Result<(), ApiError> {
    let (_, _, before) = oversight::editable_record::<T>(state, p, id, rid).await?;
    let base = before.data.as_object().cloned().unwrap_or_default();
    let body = form_record(T::KIND, Some(update_fields(T::KIND)), form, base)?;
    let input: T = serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request("invalid_field", format!("入力内容を読み取れません: {e}"))
    })?;
    let _updated = oversight::update_record::<T>(
        State(state.clone()),
        p.clone(),
        Path((id.to_owned(), rid.to_owned())),
        ApiJson(input),
    )
    .await?;
    Ok(())
}

/// `POST /services/{id}/oversight/{collection}`: registers a record.
pub async fn create_record(
    State(state): State<AppState>,
    Path((id, collection)): Path<(String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let Some(kind) = kind_of(&collection) else {
        return error_response(ApiError::not_found());
    };
    let (s, pr, form) = (&state, &p, &f);
    let result = match kind {
        RecordKind::Outage => create_kind::<OutageInput>(s, pr, &id, form).await,
        RecordKind::Inquiry => create_kind::<InquiryInput>(s, pr, &id, form).await,
        RecordKind::Incident => create_kind::<IncidentInput>(s, pr, &id, form).await,
        RecordKind::Notice => create_kind::<NoticeInput>(s, pr, &id, form).await,
        RecordKind::PlanItem => create_kind::<PlanItemInput>(s, pr, &id, form).await,
        RecordKind::PlanStatus => create_kind::<PlanStatusInput>(s, pr, &id, form).await,
        RecordKind::Issue => create_kind::<IssueInput>(s, pr, &id, form).await,
    };
    match result {
        Ok(()) => Redirect::to(&format!(
            "/services/{id}/oversight?done=created&kind={collection}#{collection}"
        ))
        .into_response(),
        Err(e) => {
            let failed = Failed::of(format!("new-{collection}"), &f, &e);
            failed_page(&state, &p, &id, e, failed).await
        }
    }
}

/// `POST /services/{id}/oversight/{collection}/{rid}`: closes or updates
/// an outage, answers an inquiry, records an incident's times.
pub async fn update_record(
    State(state): State<AppState>,
    Path((id, collection, rid)): Path<(String, String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let (s, pr, form) = (&state, &p, &f);
    let result = match kind_of(&collection) {
        Some(RecordKind::Outage) => update_kind::<OutageInput>(s, pr, &id, &rid, form).await,
        Some(RecordKind::Inquiry) => update_kind::<InquiryInput>(s, pr, &id, &rid, form).await,
        Some(RecordKind::Incident) => update_kind::<IncidentInput>(s, pr, &id, &rid, form).await,
        _ => Err(ApiError::not_found()),
    };
    match result {
        Ok(()) => Redirect::to(&format!(
            "/services/{id}/oversight?done=updated&kind={collection}#{collection}"
        ))
        .into_response(),
        Err(e) => {
            let failed = Failed::of(format!("edit-{rid}"), &f, &e);
            failed_page(&state, &p, &id, e, failed).await
        }
    }
}

/// The CSV file of a multipart import form, after its CSRF token is
/// checked (as `UiForm` checks a plain form's).
async fn read_csv_upload(
    state: &AppState,
    p: &Principal,
    mut multipart: axum::extract::Multipart,
) -> Result<Vec<u8>, ApiError> {
    let (mut token, mut file) = (String::new(), None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!(
                        "ファイルが大きすぎます（上限 {} バイト）",
                        state.config.max_evidence_bytes
                    ),
                ));
            }
            Err(_) => {
                return Err(ApiError::bad_request(
                    "bad_request",
                    "ファイルを受け取れませんでした",
                ));
            }
        };
        match field.name().unwrap_or_default() {
            "csrf_token" => token = field.text().await.unwrap_or_default(),
            "file" => {
                let bytes = field.bytes().await.map_err(|_| {
                    ApiError::bad_request("bad_request", "ファイルを受け取れませんでした")
                })?;
                file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    let expected = csrf_of(p);
    if expected.is_empty()
        || !crate::principal::constant_time_eq(token.as_bytes(), expected.as_bytes())
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "不正なリクエストです（CSRF トークンが一致しません）。画面を再読み込みしてからやり直してください",
        ));
    }
    file.filter(|f| !f.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            "CSV または Excel のファイルを選んでください",
        )
        .with_field("file")
    })
}

async fn import_kind<T: RecordData>(
    state: &AppState,
    p: &Principal,
    id: &str,
    bytes: Vec<u8>,
) -> Result<Response, ApiError> {
    // A workbook (zip) is read as Excel, anything else as CSV: the API's
    // import checks both the same way.
    let media = if kijun_exchange::looks_like_xlsx(&bytes) {
        kijun_exchange::XLSX_MEDIA_TYPE
    } else {
        "text/csv; charset=utf-8"
    };
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(media),
    );
    oversight::import_records::<T>(
        State(state.clone()),
        p.clone(),
        Path(id.to_owned()),
        headers,
        bytes.into(),
    )
    .await
}

/// `POST /services/{id}/oversight/{collection}/import` (multipart, a CSV
/// file): every row checked and stored in one transaction by the API's
/// import, or nothing stored and every problem listed on the page.
pub async fn import_records(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path((id, collection)): Path<(String, String)>,
    multipart: axum::extract::Multipart,
) -> Response {
    let result = async {
        let bytes = read_csv_upload(&state, &p, multipart).await?;
        let kind = kind_of(&collection).ok_or_else(ApiError::not_found)?;
        let (s, pr) = (&state, &p);
        let resp = match kind {
            RecordKind::Outage => import_kind::<OutageInput>(s, pr, &id, bytes).await,
            RecordKind::Inquiry => import_kind::<InquiryInput>(s, pr, &id, bytes).await,
            RecordKind::Incident => import_kind::<IncidentInput>(s, pr, &id, bytes).await,
            RecordKind::Notice => import_kind::<NoticeInput>(s, pr, &id, bytes).await,
            RecordKind::PlanItem => import_kind::<PlanItemInput>(s, pr, &id, bytes).await,
            RecordKind::PlanStatus => import_kind::<PlanStatusInput>(s, pr, &id, bytes).await,
            RecordKind::Issue => import_kind::<IssueInput>(s, pr, &id, bytes).await,
        }?;
        let body = axum::body::to_bytes(resp.into_body(), 1 << 22)
            .await
            .map_err(ApiError::internal)?;
        let v: Value = serde_json::from_slice(&body).map_err(ApiError::internal)?;
        Ok::<_, ApiError>(v["imported"].as_u64().unwrap_or_default())
    };
    match result.await {
        Ok(n) => Redirect::to(&format!(
            "/services/{id}/oversight?done=imported&kind={collection}&n={n}#{collection}"
        ))
        .into_response(),
        Err(e) => {
            let failed = Failed {
                key: format!("import-{collection}"),
                values: HashMap::new(),
                field: e.field.clone(),
                message: e.message.clone(),
                problems: e.problems.clone(),
            };
            failed_page(&state, &p, &id, e, failed).await
        }
    }
}

async fn delete_kind<T: RecordData>(
    state: &AppState,
    p: &Principal,
    id: &str,
    rid: &str,
) -> Result<(), ApiError> {
    oversight::delete_record::<T>(
        State(state.clone()),
        p.clone(),
        Path((id.to_owned(), rid.to_owned())),
    )
    .await?;
    Ok(())
}

/// `POST /services/{id}/oversight/{collection}/{rid}/delete` (tenant
/// staff): removes a record through the API's `DELETE` (a plan item with
/// statuses is refused, 409).
pub async fn delete_record(
    State(state): State<AppState>,
    Path((id, collection, rid)): Path<(String, String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let (s, pr) = (&state, &p);
    let result = match kind_of(&collection) {
        Some(RecordKind::Outage) => delete_kind::<OutageInput>(s, pr, &id, &rid).await,
        Some(RecordKind::Inquiry) => delete_kind::<InquiryInput>(s, pr, &id, &rid).await,
        Some(RecordKind::Incident) => delete_kind::<IncidentInput>(s, pr, &id, &rid).await,
        Some(RecordKind::Notice) => delete_kind::<NoticeInput>(s, pr, &id, &rid).await,
        Some(RecordKind::PlanItem) => delete_kind::<PlanItemInput>(s, pr, &id, &rid).await,
        Some(RecordKind::PlanStatus) => delete_kind::<PlanStatusInput>(s, pr, &id, &rid).await,
        Some(RecordKind::Issue) => delete_kind::<IssueInput>(s, pr, &id, &rid).await,
        None => Err(ApiError::not_found()),
    };
    match result {
        Ok(()) => Redirect::to(&format!(
            "/services/{id}/oversight?done=deleted&kind={collection}#{collection}"
        ))
        .into_response(),
        Err(e) => {
            let failed = Failed::of(format!("delete-{rid}"), &f, &e);
            failed_page(&state, &p, &id, e, failed).await
        }
    }
}

// ---------------------------------------------------------------------------
// A deliverable's page

pub struct VersionRow {
    pub number: i64,
    pub submitted: String,
    pub submitted_by: String,
    pub state: &'static str,
    pub note: String,
    pub evidence: Vec<String>,
    pub checklist: Vec<String>,
    pub improvement_plan: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "oversight_deliverable.html")]
struct DeliverablePage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    id: String,
    service_name: String,
    label: String,
    source: String,
    due: String,
    due_rule: String,
    state: &'static str,
    on_time: &'static str,
    note: String,
    versions: Vec<VersionRow>,
    /// A monthly report's month (`YYYY-MM`): links to the report kijun
    /// computes from the records.
    report_month: Option<String>,
    submit: Option<FormView>,
    review: Option<FormView>,
    settings: Option<FormView>,
}

fn deliverable_forms(
    path: &str,
    view: &DeliverableView,
    access: &OversightAccess,
    failed: Option<&Failed>,
) -> (Option<FormView>, Option<FormView>, Option<FormView>) {
    let kind = view.status.kind;
    let submit = access.submitting_org().is_ok().then(|| {
        let key = "submit".to_owned();
        let mut fields = Vec::new();
        let mut note = FormField::new(&key, "note", "備考", "textarea");
        note.hint = "提出物の内容の説明など".into();
        fields.push(note);
        let mut ev = FormField::new(&key, "evidence_ids", "証跡ファイル ID", "text");
        ev.hint = "証跡ファイルの登録で得た ID。複数はカンマまたは空白で区切る（50 件まで）".into();
        fields.push(ev);
        for item in kind.checklist() {
            fields.push(FormField::new(
                &key,
                item.key,
                format!("記載事項: {}", item.label),
                "checkbox",
            ));
        }
        if kind == DeliverableKind::MonthlyReport {
            let mut plan = FormField::new(&key, "improvement_plan", "改善策", "textarea");
            plan.hint = "SLA の目標を達成しなかった月は必要な改善策を記載してください".into();
            fields.push(plan);
            for (name, label, hint) in FIGURE_FIELDS {
                let mut f = FormField::new(&key, name, label, "text");
                f.hint = hint.into();
                fields.push(f);
            }
        }
        let mut form = FormView {
            key,
            heading: "版を提出する".into(),
            action: format!("{path}/versions"),
            submit: "提出する".into(),
            fields,
            open: false,
        };
        apply_failed(&mut form, failed);
        form
    });
    let latest = view.versions.last();
    let review = access
        .require_manage()
        .is_ok()
        .then_some(latest)
        .flatten()
        .filter(|v| matches!(v.state.as_str(), "submitted" | "accepted"))
        .map(|v| {
            let key = "review".to_owned();
            let mut decision = FormField::new(&key, "decision", "確認", "select");
            decision.options = vec![
                ("accept".into(), "受理する".into()),
                ("return".into(), "差し戻す".into()),
            ];
            decision.required = true;
            let mut comment = FormField::new(&key, "comment", "コメント", "textarea");
            comment.hint = "差し戻す場合は理由を入力してください（2000 文字以内）".into();
            let mut form = FormView {
                key,
                heading: format!("第{}版を確認する", v.version),
                action: format!("{path}/versions/{}/review", v.version),
                submit: "確認を記録する".into(),
                fields: vec![decision, comment],
                open: false,
            };
            apply_failed(&mut form, failed);
            form
        });
    let settings = access.require_manage().is_ok().then(|| {
        let key = "settings".to_owned();
        let mut due = FormField::new(&key, "due", "期限", "date");
        due.hint = format!("空欄は既定の規則（{}）", view.due_rule);
        if view.status.due_set_by_reviewer {
            due.value = view.status.due.map(|d| d.to_string()).unwrap_or_default();
        }
        let mut required = FormField::new(&key, "required", "この提出物を求める", "checkbox");
        required.checked = view.status.required;
        let mut note = FormField::new(&key, "note", "メモ", "textarea");
        note.value = view.note.clone();
        let mut form = FormView {
            key,
            heading: "期限・要否を設定する".into(),
            action: path.to_owned(),
            submit: "保存する".into(),
            fields: vec![due, required, note],
            open: false,
        };
        apply_failed(&mut form, failed);
        form
    });
    (submit, review, settings)
}

async fn deliverable_view(
    state: &AppState,
    p: &Principal,
    (id, kind, period): (&str, &str, &str),
    error: Option<String>,
    notice: Option<String>,
    failed: Option<&Failed>,
) -> Response {
    let build = async {
        let (service, access) = oversight::service_access(state, p, id).await?;
        let Json(view) = oversight::get_deliverable(
            State(state.clone()),
            p.clone(),
            Path((id.to_owned(), kind.to_owned(), period.to_owned())),
        )
        .await?;
        let orgs = state.store.organisations().await?;
        let checklist = view.status.kind.checklist();
        let versions = view
            .versions
            .iter()
            .map(|v| {
                let data = &v.data;
                VersionRow {
                    number: v.version,
                    submitted: jp_datetime(v.submitted_at),
                    submitted_by: match &v.organisation_id {
                        Some(o) => orgs
                            .iter()
                            .find(|x| &x.id == o)
                            .map_or_else(|| o.clone(), |x| x.name.clone()),
                        None => v.submitted_by_name.clone().unwrap_or_default(),
                    },
                    state: version_state_label(&v.state),
                    note: text(&data["note"]),
                    evidence: data["evidence_ids"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|e| e.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    checklist: checklist
                        .iter()
                        .filter(|i| data["checklist"][i.key] == Value::Bool(true))
                        .map(|i| i.label.to_owned())
                        .collect(),
                    improvement_plan: text(&data["improvement_plan"]),
                    comment: v.review_comment.clone().unwrap_or_default(),
                }
            })
            .collect();
        let path = deliverable_href(
            &service.id,
            view.status.kind,
            &view.status.period.to_string(),
        );
        let (submit, review, settings) = deliverable_forms(&path, &view, &access, failed);
        Ok::<_, ApiError>(DeliverablePage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            id: service.id,
            service_name: service.name,
            label: view.status.label.clone(),
            source: view.status.source.to_owned(),
            due: view
                .status
                .due
                .map(jp_civil_date)
                .unwrap_or_else(|| "未定".into()),
            due_rule: view.due_rule.to_owned(),
            state: deliverable_state_label(view.status.state),
            on_time: on_time_label(view.status.on_time),
            note: view.note.clone(),
            versions,
            report_month: match view.status.period {
                kijun_core::oversight::Period::Month(m) => Some(m.to_string()),
                _ => None,
            },
            submit,
            review,
            settings,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

/// `GET /services/{id}/oversight/deliverables/{kind}/{period}`.
pub async fn deliverable_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path((id, kind, period)): Path<(String, String, String)>,
    Query(q): Query<DoneQuery>,
) -> Response {
    deliverable_view(
        &state,
        &p,
        (&id, &kind, &period),
        None,
        done_notice(&q),
        None,
    )
    .await
}

async fn deliverable_failed(
    state: &AppState,
    p: &Principal,
    at: (&str, &str, &str),
    e: ApiError,
    failed: Failed,
) -> Response {
    if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
        return error_response(e);
    }
    let r = deliverable_view(state, p, at, Some(e.message.clone()), None, Some(&failed)).await;
    with_status(r, e.status)
}

fn deliverable_done(id: &str, kind: &str, period: &str, done: &str) -> Response {
    Redirect::to(&format!(
        "/services/{id}/oversight/deliverables/{kind}/{period}?done={done}"
    ))
    .into_response()
}

/// The vendor's own SLA figures on the monthly report form (all optional;
/// the report shows where they differ from kijun's computation).
const FIGURE_FIELDS: [(&str, &str, &str); 5] = [
    (
        "reported_figures.availability_percent",
        "報告値: サービス稼働率 (%)",
        "例: 99.95（小数第4位まで）",
    ),
    (
        "reported_figures.major_failures",
        "報告値: 重大障害の件数",
        "対象月の件数",
    ),
    (
        "reported_figures.longest_major_recovery_minutes",
        "報告値: 重大障害の最長復旧時間（分）",
        "重大障害がなければ 0",
    ),
    (
        "reported_figures.late_inquiries",
        "報告値: 回答期限を超えた問合せの件数",
        "閉庁日を除く 48 時間を超えた件数",
    ),
    (
        "reported_figures.major_failures_fiscal_year",
        "報告値: 重大障害の年度累計",
        "4 月からの件数",
    ),
];

/// The figures typed into the monthly report form (`None` if none was).
fn reported_figures(f: &RawForm) -> Result<Option<ReportedFigures>, ApiError> {
    let count = |name: &str| -> Result<Option<u32>, ApiError> {
        let text = f.get(name);
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<u32>().map(Some).map_err(|_| {
            ApiError::bad_request(
                "invalid_field",
                format!("`{text}` は 0 以上の整数で入力してください"),
            )
            .with_field(name)
        })
    };
    let availability = f.get(FIGURE_FIELDS[0].0).trim().to_owned();
    let figures = ReportedFigures {
        availability_percent: (!availability.is_empty()).then_some(availability),
        major_failures: count(FIGURE_FIELDS[1].0)?,
        longest_major_recovery_minutes: count(FIGURE_FIELDS[2].0)?,
        late_inquiries: count(FIGURE_FIELDS[3].0)?,
        major_failures_fiscal_year: count(FIGURE_FIELDS[4].0)?,
    };
    Ok((!figures.is_empty()).then_some(figures))
}

/// `POST /services/{id}/oversight/deliverables/{kind}/{period}/versions`.
pub async fn submit_version(
    State(state): State<AppState>,
    Path((id, kind, period)): Path<(String, String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let result = async {
        let (_, access) = oversight::service_access(&state, &p, &id).await?;
        access.submitting_org()?;
        let dk = DeliverableKind::parse(&kind).ok_or_else(ApiError::not_found)?;
        let input = VersionInput {
            note: f.get("note"),
            evidence_ids: f
                .get("evidence_ids")
                .split([',', '\n', ' ', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            checklist: dk
                .checklist()
                .iter()
                .map(|i| (i.key.to_owned(), f.get(i.key) == "true"))
                .collect(),
            improvement_plan: f.get("improvement_plan"),
            reported_figures: if dk == DeliverableKind::MonthlyReport {
                reported_figures(&f)?
            } else {
                None
            },
        };
        oversight::submit_version(
            State(state.clone()),
            p.clone(),
            Path((id.clone(), kind.clone(), period.clone())),
            ApiJson(input),
        )
        .await
    };
    match result.await {
        Ok(_) => deliverable_done(&id, &kind, &period, "submitted"),
        Err(e) => {
            let failed = Failed::of("submit".into(), &f, &e);
            deliverable_failed(&state, &p, (&id, &kind, &period), e, failed).await
        }
    }
}

/// `POST /services/{id}/oversight/deliverables/{kind}/{period}/versions/{n}/review`.
pub async fn review_version(
    State(state): State<AppState>,
    Path((id, kind, period, number)): Path<(String, String, String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let result = async {
        let (_, access) = oversight::service_access(&state, &p, &id).await?;
        access.require_manage()?;
        let decision = match f.get("decision").as_str() {
            "accept" => ReviewDecision::Accept,
            "return" => ReviewDecision::Return,
            _ => {
                return Err(
                    ApiError::bad_request("invalid_field", "確認の内容を選んでください")
                        .with_field("decision"),
                );
            }
        };
        let comment = f.get("comment");
        oversight::review_version(
            State(state.clone()),
            p.clone(),
            Path((id.clone(), kind.clone(), period.clone(), number.clone())),
            ApiJson(VersionReview {
                decision,
                comment: (!comment.is_empty()).then_some(comment),
            }),
        )
        .await
    };
    match result.await {
        Ok(_) => deliverable_done(&id, &kind, &period, "reviewed"),
        Err(e) => {
            let failed = Failed::of("review".into(), &f, &e);
            deliverable_failed(&state, &p, (&id, &kind, &period), e, failed).await
        }
    }
}

/// `POST /services/{id}/oversight/deliverables/{kind}/{period}`: the due
/// date, whether it is required, a note (tenant staff).
pub async fn put_deliverable(
    State(state): State<AppState>,
    Path((id, kind, period)): Path<(String, String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let result = async {
        let (_, access) = oversight::service_access(&state, &p, &id).await?;
        access.require_manage()?;
        let due = f.get("due");
        let due = if due.is_empty() {
            None
        } else {
            Some(parse_day(&due).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    "期限は実在する日付を 2026-05-01 のように年-月-日で入力してください",
                )
                .with_field("due")
            })?)
        };
        oversight::put_deliverable(
            State(state.clone()),
            p.clone(),
            Path((id.clone(), kind.clone(), period.clone())),
            ApiJson(DeliverableInput {
                due,
                required: f.get("required") == "true",
                note: f.get("note"),
            }),
        )
        .await
    };
    match result.await {
        Ok(_) => deliverable_done(&id, &kind, &period, "deliverable"),
        Err(e) => {
            let failed = Failed::of("settings".into(), &f, &e);
            deliverable_failed(&state, &p, (&id, &kind, &period), e, failed).await
        }
    }
}

// ---------------------------------------------------------------------------
// SLA settings and availability monitoring (`/services/{id}/oversight/settings`)

const WEEKDAYS: [(jiff::civil::Weekday, &str, &str); 7] = [
    (
        jiff::civil::Weekday::Monday,
        "schedule.windows.monday",
        "月曜日",
    ),
    (
        jiff::civil::Weekday::Tuesday,
        "schedule.windows.tuesday",
        "火曜日",
    ),
    (
        jiff::civil::Weekday::Wednesday,
        "schedule.windows.wednesday",
        "水曜日",
    ),
    (
        jiff::civil::Weekday::Thursday,
        "schedule.windows.thursday",
        "木曜日",
    ),
    (
        jiff::civil::Weekday::Friday,
        "schedule.windows.friday",
        "金曜日",
    ),
    (
        jiff::civil::Weekday::Saturday,
        "schedule.windows.saturday",
        "土曜日",
    ),
    (
        jiff::civil::Weekday::Sunday,
        "schedule.windows.sunday",
        "日曜日",
    ),
];

/// A percentage as typed (`99.8`): up to six decimals, trailing zeros
/// dropped.
fn percent_input(p: kijun_core::sla::Percent) -> String {
    let text = p.display(6);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A limit as typed: whole hours (`6`) or hours and minutes (`6:30`).
fn hours_input(d: jiff::SignedDuration) -> String {
    let minutes = d.as_secs() / 60;
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        format!("{}:{:02}", minutes / 60, minutes % 60)
    }
}

fn parse_hours(
    text: &str,
    field: &'static str,
    label: &str,
) -> Result<jiff::SignedDuration, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "invalid_field",
            format!("{label}は時間（6）または時間:分（6:30）で入力してください"),
        )
        .with_field(field)
    };
    let (h, m) = text.split_once(':').unwrap_or((text, "0"));
    let h: i64 = h.trim().parse().map_err(|_| bad())?;
    let m: i64 = m.trim().parse().map_err(|_| bad())?;
    if !(0..60).contains(&m) || !(0..=100_000).contains(&h) {
        return Err(bad());
    }
    Ok(jiff::SignedDuration::from_mins(h * 60 + m))
}

fn hhmm(t: jiff::civil::Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `09:00-17:00, 18:00-20:00` for one weekday.
fn windows_input(
    schedule: &kijun_core::sla::OperatingSchedule,
    weekday: jiff::civil::Weekday,
) -> String {
    match schedule {
        kijun_core::sla::OperatingSchedule::Always => String::new(),
        kijun_core::sla::OperatingSchedule::Weekly { windows, .. } => windows
            .iter()
            .filter(|w| w.weekday == weekday)
            .map(|w| {
                let end = if w.end == jiff::civil::Time::midnight() {
                    "24:00".to_owned()
                } else {
                    hhmm(w.end)
                };
                format!("{}-{end}", hhmm(w.start))
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn parse_time(text: &str) -> Option<jiff::civil::Time> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    if h == 24 && m == 0 {
        return Some(jiff::civil::Time::midnight());
    }
    jiff::civil::Time::new(h, m, 0, 0).ok()
}

/// `06-23 慰霊の日` (every year) or `2026-06-23 名称` (one date), a line each.
fn closed_days_input(days: &[kijun_core::calendar::TenantClosedDay]) -> String {
    days.iter()
        .map(|d| match d {
            kijun_core::calendar::TenantClosedDay::Date { date, name } => format!("{date} {name}"),
            kijun_core::calendar::TenantClosedDay::Annual { month, day, name } => {
                format!("{month:02}-{day:02} {name}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_closed_days(text: &str) -> Result<Vec<kijun_core::calendar::TenantClosedDay>, ApiError> {
    use kijun_core::calendar::TenantClosedDay;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = || {
            ApiError::bad_request(
                "invalid_field",
                format!(
                    "{} 行目: 閉庁日は「06-23 慰霊の日」（毎年）または「2026-06-23 名称」（その日だけ）の形で入力してください",
                    i + 1
                ),
            )
            .with_field("closed_days")
        };
        let (when, name) = line.split_once([' ', '\u{3000}']).ok_or_else(bad)?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(bad());
        }
        if let Some(date) = parse_day(when) {
            out.push(TenantClosedDay::Date { date, name });
        } else {
            let (m, d) = when.split_once('-').ok_or_else(bad)?;
            let (month, day): (i8, i8) =
                (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
            out.push(TenantClosedDay::Annual { month, day, name });
        }
    }
    Ok(out)
}

fn text_field(form: &str, name: &'static str, label: &str, value: String, hint: &str) -> FormField {
    let mut f = FormField::new(form, name, label, "text");
    f.value = value;
    f.hint = hint.to_owned();
    f
}

fn sla_form(service_id: &str, s: &kijun_core::oversight::SlaSettings) -> FormView {
    let key = "sla";
    let t = &s.targets;
    let mut fields = vec![
        text_field(
            key,
            "targets.availability",
            "サービス稼働率の目標（%）",
            percent_input(t.availability),
            "例: 99.8（100 以下）",
        ),
        text_field(
            key,
            "targets.max_recovery",
            "重大障害の復旧時間の上限",
            hours_input(t.max_recovery),
            "時間（6）または時間:分（6:30）。0〜744 時間",
        ),
        text_field(
            key,
            "targets.first_answer_limit",
            "問合せへの一次回答の上限（閉庁日を除く）",
            hours_input(t.first_answer_limit),
            "時間（48）または時間:分。0〜744 時間",
        ),
        text_field(
            key,
            "targets.max_major_failures_per_fiscal_year",
            "年度あたりの重大障害の上限（件）",
            t.max_major_failures_per_fiscal_year.to_string(),
            "",
        ),
    ];
    let weekly = matches!(
        s.schedule,
        kijun_core::sla::OperatingSchedule::Weekly { .. }
    );
    let mut kind = FormField::new(key, "schedule.kind", "当初予定した稼働時間", "select");
    kind.options = vec![
        ("always".into(), "24 時間 365 日".into()),
        ("weekly".into(), "曜日ごとの時間帯".into()),
    ];
    kind.value = if weekly { "weekly" } else { "always" }.into();
    fields.push(kind);
    let mut skip = FormField::new(
        key,
        "schedule.skip_closed_days",
        "閉庁日は稼働を予定しない（曜日ごとの時間帯のとき）",
        "checkbox",
    );
    skip.checked = matches!(
        s.schedule,
        kijun_core::sla::OperatingSchedule::Weekly {
            skip_closed_days: true,
            ..
        }
    );
    fields.push(skip);
    for (weekday, name, label) in WEEKDAYS {
        fields.push(text_field(
            key,
            name,
            &format!("{label}の稼働時間帯"),
            windows_input(&s.schedule, weekday),
            "例: 09:00-17:00（複数はカンマで区切る。24:00 まで可。空欄はその曜日は稼働なし）",
        ));
    }
    let mut closed = FormField::new(key, "closed_days", "団体の閉庁日（条例）", "textarea");
    closed.value = closed_days_input(&s.closed_days);
    closed.hint =
        "1 行に 1 日。「06-23 慰霊の日」（毎年）または「2026-06-23 名称」（その日だけ）".into();
    fields.push(closed);
    fields.push(text_field(
        key,
        "monthly_report_open_day",
        "月次報告の提出期限（翌月の第 N 開庁日）",
        s.monthly_report_open_day.to_string(),
        "1〜20",
    ));
    let mut from = FormField::new(key, "reports_from", "月次報告を求める最初の月", "month");
    from.value = s.reports_from.map(|m| m.to_string()).unwrap_or_default();
    from.hint = "年-月（例: 2026-04）。空欄は契約開始の月".into();
    fields.push(from);
    FormView {
        key: key.into(),
        heading: "SLA 設定を変更する".into(),
        action: format!("/services/{service_id}/oversight/settings"),
        submit: "SLA 設定を保存する".into(),
        fields,
        open: false,
    }
}

/// The SLA settings of the form; the handler checks them.
fn form_settings(f: &RawForm) -> Result<kijun_core::oversight::SlaSettings, ApiError> {
    use kijun_core::sla::{OperatingSchedule, Percent, ServiceWindow, SlaTargets};
    let bad = |field: &'static str, message: &str| {
        ApiError::bad_request("invalid_field", message.to_owned()).with_field(field)
    };
    let availability = Percent::parse(&f.get("targets.availability")).map_err(|_| {
        bad(
            "targets.availability",
            "サービス稼働率の目標は 99.8 のように数字で入力してください",
        )
    })?;
    let targets = SlaTargets {
        availability,
        max_recovery: parse_hours(
            &f.get("targets.max_recovery"),
            "targets.max_recovery",
            "重大障害の復旧時間の上限",
        )?,
        first_answer_limit: parse_hours(
            &f.get("targets.first_answer_limit"),
            "targets.first_answer_limit",
            "一次回答の上限",
        )?,
        max_major_failures_per_fiscal_year: f
            .get("targets.max_major_failures_per_fiscal_year")
            .parse()
            .map_err(|_| {
                bad(
                    "targets.max_major_failures_per_fiscal_year",
                    "重大障害の上限は 0 以上の整数で入力してください",
                )
            })?,
    };
    let schedule = match f.get("schedule.kind").as_str() {
        "always" => OperatingSchedule::Always,
        "weekly" => {
            let mut windows = Vec::new();
            for (weekday, name, label) in WEEKDAYS {
                for part in f.get(name).split([',', '、']) {
                    let part = part.trim();
                    if part.is_empty() {
                        continue;
                    }
                    let times = part
                        .split_once(['-', '〜', '~'])
                        .and_then(|(a, b)| Some((parse_time(a)?, parse_time(b)?)));
                    let Some((start, end)) = times else {
                        return Err(ApiError::bad_request(
                            "invalid_field",
                            format!("{label}の稼働時間帯は 09:00-17:00 のように入力してください"),
                        )
                        .with_field(name));
                    };
                    windows.push(ServiceWindow {
                        weekday,
                        start,
                        end,
                    });
                }
            }
            OperatingSchedule::Weekly {
                windows,
                skip_closed_days: f.get("schedule.skip_closed_days") == "true",
            }
        }
        _ => {
            return Err(bad("schedule.kind", "当初予定した稼働時間を選んでください"));
        }
    };
    let reports_from = match f.get("reports_from").as_str() {
        "" => None,
        m => Some(Month::parse(m).ok_or_else(|| {
            bad(
                "reports_from",
                "月次報告を求める最初の月は 2026-04 のように年-月で入力してください",
            )
        })?),
    };
    Ok(kijun_core::oversight::SlaSettings {
        targets,
        schedule,
        closed_days: parse_closed_days(&f.get("closed_days"))?,
        monthly_report_open_day: f.get("monthly_report_open_day").parse().map_err(|_| {
            bad(
                "monthly_report_open_day",
                "月次報告の提出期限は 1〜20 の整数で入力してください",
            )
        })?,
        reports_from,
    })
}

/// The API's field of a settings error as the form's field: a window's
/// index (`schedule.windows.3`) as its weekday's control.
fn settings_field(
    field: Option<&str>,
    schedule: Option<&kijun_core::sla::OperatingSchedule>,
) -> Option<String> {
    let field = field?;
    let index = field
        .strip_prefix("schedule.windows.")
        .and_then(|i| i.parse::<usize>().ok());
    match (index, schedule) {
        (Some(i), Some(kijun_core::sla::OperatingSchedule::Weekly { windows, .. })) => windows
            .get(i)
            .and_then(|w| WEEKDAYS.iter().find(|(d, _, _)| *d == w.weekday))
            .map(|(_, name, _)| (*name).to_owned()),
        _ => Some(field.to_owned()),
    }
}

fn monitoring_form(service_id: &str, settings: Option<&Value>) -> FormView {
    let key = "monitoring";
    let value = |name: &str, default: &str| {
        settings
            .and_then(|s| s.get(name))
            .filter(|v| !v.is_null())
            .map_or_else(
                || default.to_owned(),
                |v| v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
    };
    let mut url = text_field(
        key,
        "url",
        "監視する URL",
        value("url", ""),
        "http:// または https:// の URL（内部向けのアドレスは使えません）",
    );
    url.required = true;
    FormView {
        key: key.into(),
        heading: "稼働監視を設定する".into(),
        action: format!("/services/{service_id}/oversight/monitoring"),
        submit: "稼働監視を保存する".into(),
        fields: vec![
            url,
            text_field(
                key,
                "interval_seconds",
                "確認の間隔（秒）",
                value("interval_seconds", "60"),
                "サーバーの最小間隔（既定 30 秒）以上、86400 以下",
            ),
            text_field(
                key,
                "expected_status",
                "正常とみなすステータスコード",
                value("expected_status", ""),
                "空欄は 2xx すべて",
            ),
            text_field(
                key,
                "timeout_seconds",
                "応答を待つ時間（秒）",
                value("timeout_seconds", "10"),
                "1〜60 秒、かつ間隔以下",
            ),
            text_field(
                key,
                "failures",
                "障害・停止を登録する連続失敗回数",
                value("failures", "3"),
                "1〜100",
            ),
        ],
        open: false,
    }
}

fn form_monitor(
    f: &RawForm,
) -> Result<kijun_core::oversight::monitoring::MonitorSettings, ApiError> {
    fn number<T: std::str::FromStr>(
        f: &RawForm,
        name: &'static str,
        label: &str,
    ) -> Result<T, ApiError> {
        f.get(name).parse().map_err(|_| {
            ApiError::bad_request("invalid_field", format!("{label}は整数で入力してください"))
                .with_field(name)
        })
    }
    let expected = f.get("expected_status");
    Ok(kijun_core::oversight::monitoring::MonitorSettings {
        url: f.get("url"),
        interval_seconds: number(f, "interval_seconds", "確認の間隔")?,
        expected_status: if expected.is_empty() {
            None
        } else {
            Some(number(f, "expected_status", "ステータスコード")?)
        },
        timeout_seconds: number(f, "timeout_seconds", "応答を待つ時間")?,
        failures: number(f, "failures", "連続失敗回数")?,
    })
}

#[derive(Template)]
#[template(path = "oversight_settings.html")]
struct SettingsPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    id: String,
    service_name: String,
    /// `(label, value)` of the settings in force.
    sla: Vec<(String, String)>,
    sla_form: Option<FormView>,
    /// `(label, value)` of the monitor and its last state (empty: none).
    monitor: Vec<(String, String)>,
    monitor_form: Option<FormView>,
    /// A monitor exists and the user may remove it.
    can_delete_monitor: bool,
}

async fn settings_view(
    state: &AppState,
    p: &Principal,
    id: &str,
    error: Option<String>,
    notice: Option<String>,
    failed: Option<&Failed>,
) -> Response {
    let build = async {
        let (service, access) = oversight::service_access(state, p, id).await?;
        let Json(settings) =
            oversight::get_settings(State(state.clone()), p.clone(), Path(service.id.clone()))
                .await?;
        let monitor = match crate::routes::monitoring::get(
            State(state.clone()),
            p.clone(),
            Path(service.id.clone()),
        )
        .await
        {
            Ok(Json(m)) => Some(m),
            Err(e) if e.status == StatusCode::NOT_FOUND => None,
            Err(e) => return Err(e),
        };
        let manage = access.require_manage().is_ok();
        let schedule = match &settings.schedule {
            kijun_core::sla::OperatingSchedule::Always => "24 時間 365 日".to_owned(),
            kijun_core::sla::OperatingSchedule::Weekly {
                skip_closed_days, ..
            } => {
                let days: Vec<String> = WEEKDAYS
                    .iter()
                    .map(|(d, _, label)| {
                        let w = windows_input(&settings.schedule, *d);
                        format!("{label} {}", if w.is_empty() { "なし".into() } else { w })
                    })
                    .collect();
                format!(
                    "{}{}",
                    days.join("、"),
                    if *skip_closed_days {
                        "（閉庁日を除く）"
                    } else {
                        ""
                    }
                )
            }
        };
        let t = &settings.targets;
        let sla = vec![
            (
                "サービス稼働率の目標".into(),
                format!("{} % 以上", percent_input(t.availability)),
            ),
            (
                "重大障害の復旧時間の上限".into(),
                format!("{} 時間", hours_input(t.max_recovery)),
            ),
            (
                "問合せへの一次回答の上限（閉庁日を除く）".into(),
                format!("{} 時間", hours_input(t.first_answer_limit)),
            ),
            (
                "年度あたりの重大障害の上限".into(),
                format!("{} 件", t.max_major_failures_per_fiscal_year),
            ),
            ("当初予定した稼働時間".into(), schedule),
            (
                "団体の閉庁日".into(),
                if settings.closed_days.is_empty() {
                    "なし".into()
                } else {
                    closed_days_input(&settings.closed_days).replace('\n', "、")
                },
            ),
            (
                "月次報告の提出期限".into(),
                format!("翌月の第 {} 開庁日", settings.monthly_report_open_day),
            ),
            (
                "月次報告を求める最初の月".into(),
                settings
                    .reports_from
                    .map_or_else(|| "契約開始の月".into(), Month::label),
            ),
        ];
        let monitor_rows = monitor
            .as_ref()
            .map(|m| {
                let s = &m["settings"];
                let st = &m["state"];
                let at = |v: &Value| {
                    v.as_str()
                        .and_then(|t| t.parse::<Timestamp>().ok())
                        .map(jp_datetime)
                        .unwrap_or_else(|| "—".into())
                };
                vec![
                    ("URL".to_owned(), text(&s["url"])),
                    ("確認の間隔".into(), format!("{} 秒", s["interval_seconds"])),
                    (
                        "正常とみなすステータスコード".into(),
                        s["expected_status"]
                            .as_u64()
                            .map_or_else(|| "2xx".into(), |c| c.to_string()),
                    ),
                    (
                        "応答を待つ時間".into(),
                        format!("{} 秒", s["timeout_seconds"]),
                    ),
                    (
                        "障害・停止を登録する連続失敗回数".into(),
                        format!("{} 回", s["failures"]),
                    ),
                    ("最後の確認".into(), at(&st["last_checked_at"])),
                    (
                        "連続失敗".into(),
                        format!("{} 回", st["consecutive_failures"].as_u64().unwrap_or(0)),
                    ),
                    (
                        "最後の失敗の理由".into(),
                        st["last_error"].as_str().unwrap_or("—").to_owned(),
                    ),
                    ("次の確認".into(), at(&m["next_probe_at"])),
                ]
            })
            .unwrap_or_default();
        let sla_form = manage.then(|| {
            let mut form = sla_form(&service.id, &settings);
            apply_failed(&mut form, failed);
            form
        });
        let monitor_form = manage.then(|| {
            let mut form = monitoring_form(&service.id, monitor.as_ref().map(|m| &m["settings"]));
            apply_failed(&mut form, failed);
            form
        });
        Ok::<_, ApiError>(SettingsPage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            sla,
            sla_form,
            monitor: monitor_rows,
            monitor_form,
            can_delete_monitor: manage && monitor.is_some(),
            id: service.id,
            service_name: service.name,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

#[derive(Deserialize)]
pub struct SettingsDone {
    done: Option<String>,
}

/// `GET /services/{id}/oversight/settings`.
pub async fn settings_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    Query(q): Query<SettingsDone>,
) -> Response {
    let notice = match q.done.as_deref() {
        Some("sla") => Some("SLA 設定を保存しました".to_owned()),
        Some("monitoring") => Some("稼働監視を保存しました".to_owned()),
        Some("monitoring-deleted") => Some("稼働監視を停止しました".to_owned()),
        _ => None,
    };
    settings_view(&state, &p, &id, None, notice, None).await
}

async fn settings_failed(
    state: &AppState,
    p: &Principal,
    id: &str,
    e: ApiError,
    failed: Failed,
) -> Response {
    if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
        return error_response(e);
    }
    let r = settings_view(state, p, id, Some(e.message.clone()), None, Some(&failed)).await;
    with_status(r, e.status)
}

fn settings_done(id: &str, done: &str) -> Response {
    Redirect::to(&format!("/services/{id}/oversight/settings?done={done}")).into_response()
}

/// `POST /services/{id}/oversight/settings`: the SLA settings (tenant
/// staff), through the API's `PUT …/sla-settings`.
pub async fn settings_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let mut schedule = None;
    let result = async {
        let (_, access) = oversight::service_access(&state, &p, &id).await?;
        access.require_manage()?;
        let settings = form_settings(&f)?;
        schedule = Some(settings.schedule.clone());
        oversight::put_settings(
            State(state.clone()),
            p.clone(),
            Path(id.clone()),
            ApiJson(settings),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => settings_done(&id, "sla"),
        Err(mut e) => {
            e.field = settings_field(e.field.as_deref(), schedule.as_ref());
            let failed = Failed::of("sla".into(), &f, &e);
            settings_failed(&state, &p, &id, e, failed).await
        }
    }
}

/// `POST /services/{id}/oversight/monitoring`: the availability monitor
/// (tenant staff), through the API's `PUT …/monitoring`.
pub async fn monitoring_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    let result = async {
        let (_, access) = oversight::service_access(&state, &p, &id).await?;
        access.require_manage()?;
        let settings = form_monitor(&f)?;
        crate::routes::monitoring::put(
            State(state.clone()),
            p.clone(),
            Path(id.clone()),
            ApiJson(settings),
        )
        .await
    };
    match result.await {
        Ok(_) => settings_done(&id, "monitoring"),
        Err(e) => {
            let failed = Failed::of("monitoring".into(), &f, &e);
            settings_failed(&state, &p, &id, e, failed).await
        }
    }
}

/// `POST /services/{id}/oversight/monitoring/delete` (tenant staff).
pub async fn monitoring_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _f): UiForm<RawForm>,
) -> Response {
    match crate::routes::monitoring::delete(State(state.clone()), p.clone(), Path(id.clone())).await
    {
        Ok(_) => settings_done(&id, "monitoring-deleted"),
        Err(e) => {
            let failed = Failed {
                key: String::new(),
                values: HashMap::new(),
                field: None,
                message: e.message.clone(),
                problems: Vec::new(),
            };
            settings_failed(&state, &p, &id, e, failed).await
        }
    }
}

// ---------------------------------------------------------------------------
// The services a user oversees (`/oversight`)

pub struct OverseenRow {
    pub href: String,
    pub name: String,
    pub tenant: String,
    pub relation: &'static str,
}

#[derive(Template)]
#[template(path = "oversight_services.html")]
struct OverseenPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    vendor: bool,
    rows: Vec<OverseenRow>,
}

#[derive(Deserialize)]
pub struct OverseenQuery {
    tenant: Option<String>,
}

/// `GET /oversight`: the services whose oversight page the user may open —
/// a vendor's: those its organisation provides or integrates, in any
/// tenant; staff's and viewers': the tenant's (a system administrator's:
/// `?tenant=` or the first tenant). Each is checked with the API's
/// `service_access`.
pub async fn overseen_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Query(q): Query<OverseenQuery>,
) -> Response {
    let build = async {
        let vendor = p.role == kijun_store::Role::Vendor;
        let candidates = if vendor {
            match &p.user.organisation_id {
                Some(org) => state.store.services_of_organisation(org).await?,
                None => Vec::new(),
            }
        } else {
            match crate::ui_assessments::page_tenant(&state, &p, q.tenant).await? {
                Some(t) => state.store.services_in_tenant(&t).await?,
                None => Vec::new(),
            }
        };
        let tenant_names: HashMap<String, String> = state
            .store
            .tenants()
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let mut rows = Vec::new();
        for s in candidates {
            match oversight::service_access(&state, &p, &s.id).await {
                Ok((service, access)) => rows.push(OverseenRow {
                    href: format!("/services/{}/oversight", service.id),
                    tenant: tenant_names
                        .get(&service.tenant_id)
                        .cloned()
                        .unwrap_or_default(),
                    relation: match &access {
                        OversightAccess::Vendor(org)
                            if service.provider_org_id.as_ref() == Some(org) =>
                        {
                            "外部サービス提供者"
                        }
                        OversightAccess::Vendor(_) => "導入事業者",
                        OversightAccess::Manage => "管理",
                        OversightAccess::Read => "閲覧",
                    },
                    name: service.name,
                }),
                Err(e) if e.status == StatusCode::NOT_FOUND => {}
                Err(e) => return Err(e),
            }
        }
        Ok::<_, ApiError>(OverseenPage {
            nav: Nav::of(&p),
            error: None,
            notice: None,
            vendor,
            rows,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}
