//! Termination of an overseen service over HTTP (更改・廃棄, issue 7): open a
//! termination case for a service with the notice dates (the response
//! carries the one-month notice check), list a service's cases (its
//! termination history), read a case, submit a checklist item (note,
//! evidence ids from the evidence upload, due date), sign it off or return
//! it with a comment, record the vendor's deletion certificate (an evidence
//! file: its name and SHA-256 as uploaded, the issue date), print the
//! 「データ消去証明書」提出依頼書 (PDF/HTML), and close the case — refused
//! (409 `case_not_closable`, every missing item listed) until every required
//! item is signed off and the certificate is recorded.
//!
//! Who may do what, on every request: tenant staff (system and tenant
//! administrators, reviewers) do everything; viewers read (writes 403);
//! users of the service's provider or integrator organisation read the
//! case and the items whose responsible party is theirs, and submit those
//! items — other items and other services answer 404; signing off,
//! returning, the certificate and closing are 403 for them. The rules
//! themselves are `kijun_core::termination`; every change is one store
//! transaction with its audit entry.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use kijun_core::oversight::parse_day;
use kijun_core::termination::{
    self, ItemAction, ItemFacts, ItemKind, ItemState, NoticeCheck, ResponsibleParty,
    TerminationError,
};
use kijun_report::date::ja_date;
use kijun_report::{Column, Document, Table};
use kijun_store::assessment::{Actor, ServiceRecord};
use kijun_store::termination::{
    CloseOutcome, ItemSubmission, NewTerminationItem, TerminationCase, TerminationItem,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit_log::Event;
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::principal::Principal;
use crate::routes::oversight::{OversightAccess, check_evidence, service_access};
use crate::routes::reports::{ReportQuery, render};
use crate::state::AppState;

// ---------------------------------------------------------------------------
// Access

/// The parties a principal answers for on a service: every party for
/// staff; for a vendor user, the roles its organisation holds.
fn parties_of(service: &ServiceRecord, access: &OversightAccess) -> BTreeSet<ResponsibleParty> {
    match access {
        OversightAccess::Manage | OversightAccess::Read => {
            ResponsibleParty::ALL.into_iter().collect()
        }
        OversightAccess::Vendor(org) => {
            let mut out = BTreeSet::new();
            if service.provider_org_id.as_ref() == Some(org) {
                out.insert(ResponsibleParty::Provider);
            }
            if service.integrator_org_id.as_ref() == Some(org) {
                out.insert(ResponsibleParty::Integrator);
            }
            out
        }
    }
}

fn sees_item(parties: &BTreeSet<ResponsibleParty>, item: &TerminationItem) -> bool {
    ResponsibleParty::parse(&item.responsible).is_some_and(|p| parties.contains(&p))
}

/// Case `id`, its service and the principal's access, or 404.
async fn case_access(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(TerminationCase, ServiceRecord, OversightAccess), ApiError> {
    let c = state
        .store
        .termination_case(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (service, access) = service_access(state, p, &c.service_id).await?;
    Ok((c, service, access))
}

fn actor(p: &Principal) -> Actor {
    Actor {
        id: Some(p.user.id.clone()),
        name: Some(p.user.display_name.clone()),
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("stored {what} unreadable: {e}"))
}

fn stored_day(text: &str) -> Result<Date, ApiError> {
    parse_day(text).ok_or_else(|| corrupt("termination date", text))
}

fn invalid_transition(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "invalid_transition", message)
}

fn rule_error(e: TerminationError) -> ApiError {
    match e {
        TerminationError::CommentRequired => {
            ApiError::bad_request("invalid_field", e.to_string()).with_field("comment")
        }
        TerminationError::EffectiveBeforeNotice { .. } => {
            ApiError::bad_request("invalid_field", e.to_string()).with_field("effective_on")
        }
        TerminationError::InvalidTransition { .. } | TerminationError::CaseClosed => {
            invalid_transition(e.to_string())
        }
        TerminationError::Date(e) => ApiError::internal(e),
    }
}

fn stale() -> ApiError {
    invalid_transition(
        "ほかの操作で状態が変わったため反映できませんでした。最新の状態を確認してください (state changed meanwhile)",
    )
}

fn checked_text(text: &str, field: &str, max: usize) -> Result<String, ApiError> {
    let t = text.trim();
    if t.chars().count() > max {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("{field} は {max} 文字以内で入力してください"),
        )
        .with_field(field));
    }
    Ok(t.to_owned())
}

// ---------------------------------------------------------------------------
// Views

fn facts(c: &TerminationCase) -> Vec<ItemFacts> {
    c.items
        .iter()
        .filter_map(|i| {
            Some(ItemFacts {
                kind: ItemKind::parse(&i.kind)?,
                required: i.required,
                state: ItemState::parse(&i.state)?,
            })
        })
        .collect()
}

fn notice_of(c: &TerminationCase) -> Result<NoticeCheck, ApiError> {
    termination::notice_check(stored_day(&c.announced_on)?, stored_day(&c.effective_on)?)
        .map_err(|e| corrupt("termination notice", e))
}

/// A case as the API shows it: the stored case, each visible item with its
/// label and seed references, the notice check and (for staff and
/// viewers) the closure check with what is missing.
pub fn case_view(
    c: &TerminationCase,
    service: &ServiceRecord,
    access: &OversightAccess,
) -> Result<Value, ApiError> {
    let parties = parties_of(service, access);
    let mut v = serde_json::to_value(c).map_err(ApiError::internal)?;
    let items: Vec<Value> = c
        .items
        .iter()
        .filter(|i| sees_item(&parties, i))
        .map(|i| {
            let kind = ItemKind::parse(&i.kind);
            let mut iv = serde_json::to_value(i).map_err(ApiError::internal)?;
            iv["label"] = json!(kind.map(ItemKind::label));
            iv["seed_refs"] = json!(kind.map(ItemKind::seed_refs));
            Ok(iv)
        })
        .collect::<Result<_, ApiError>>()?;
    v["items"] = Value::Array(items);
    let notice = notice_of(c)?;
    v["notice"] = json!({
        "announced_on": notice.announced_on.to_string(),
        "effective_on": notice.effective_on.to_string(),
        "deadline": notice.deadline.to_string(),
        "on_time": notice.on_time,
        "message": notice.message(),
    });
    if matches!(access, OversightAccess::Vendor(_)) {
        v["closure"] = Value::Null;
    } else {
        let closure = termination::closure(&facts(c), c.certificate.is_some());
        v["closure"] = json!({
            "ready": closure.ready(),
            "unsigned_items": closure.unsigned_items,
            "certificate_recorded": closure.certificate_recorded,
            "missing": closure.missing(),
        });
    }
    Ok(v)
}

// ---------------------------------------------------------------------------
// Opening and listing

/// What opening a case takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    /// The day the termination was announced to the municipality.
    #[serde(with = "kijun_core::oversight::day")]
    pub announced_on: Date,
    /// The day the service ends.
    #[serde(with = "kijun_core::oversight::day")]
    pub effective_on: Date,
    /// Every item's due date; `null`: the effective date.
    #[serde(default, with = "kijun_core::oversight::opt_day")]
    pub due_on: Option<Date>,
    #[serde(default)]
    pub note: String,
}

/// `POST /services/{id}/termination-cases` (tenant staff): opens a case
/// with the whole checklist; one open case per service.
pub async fn open_case(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OpenCase>,
) -> Result<Response, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    access.require_manage()?;
    let notice =
        termination::notice_check(input.announced_on, input.effective_on).map_err(rule_error)?;
    let note = checked_text(&input.note, "note", 2000)?;
    let existing = state
        .store
        .termination_cases_of_service(&service.id)
        .await?;
    if existing.iter().any(|c| c.status == "open") {
        return Err(ApiError::conflict(
            "このサービスには完了していない終了手続があります (an open case exists)",
        ));
    }
    let due = input.due_on.unwrap_or(input.effective_on).to_string();
    let items: Vec<NewTerminationItem> = ItemKind::ALL
        .iter()
        .map(|k| NewTerminationItem {
            kind: k.as_str().to_owned(),
            position: i64::try_from(k.position()).unwrap_or(0),
            responsible: k.default_party().as_str().to_owned(),
            required: k.required(),
            due_on: Some(due.clone()),
        })
        .collect();
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "termination_opened",
            tenant_id: Some(&service.tenant_id),
            target: None,
            details: json!({"service_id": service.id, "announced_on": notice.announced_on.to_string(),
                            "effective_on": notice.effective_on.to_string(), "notice_on_time": notice.on_time}),
        },
    );
    let c = state
        .store
        .open_termination_case(
            &service.tenant_id,
            &service.id,
            &notice.announced_on.to_string(),
            &notice.effective_on.to_string(),
            &note,
            &items,
            &actor(&p),
            &audit,
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(case_view(&c, &service, &access)?)).into_response())
}

/// `GET /services/{id}/termination-cases`: the service's cases, oldest
/// first (its termination history).
pub async fn list_cases(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let cases = state
        .store
        .termination_cases_of_service(&service.id)
        .await?;
    Ok(Json(
        cases
            .iter()
            .map(|c| case_view(c, &service, &access))
            .collect::<Result<_, _>>()?,
    ))
}

/// `GET /termination-cases/{id}`.
pub async fn get_case(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (c, service, access) = case_access(&state, &p, &id).await?;
    Ok(Json(case_view(&c, &service, &access)?))
}

// ---------------------------------------------------------------------------
// Items

/// The item `kind` of case `c` visible to `access`, or 404.
fn visible_item<'a>(
    c: &'a TerminationCase,
    service: &ServiceRecord,
    access: &OversightAccess,
    kind: &str,
) -> Result<(ItemKind, &'a TerminationItem), ApiError> {
    let k = ItemKind::parse(kind).ok_or_else(ApiError::not_found)?;
    let item = c
        .items
        .iter()
        .find(|i| i.kind == kind)
        .ok_or_else(ApiError::not_found)?;
    if !sees_item(&parties_of(service, access), item) {
        return Err(ApiError::not_found());
    }
    Ok((k, item))
}

/// A submission of an item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitItem {
    /// What was done and how (e.g. the erasure method and its scope).
    pub note: String,
    /// Evidence files (uploaded with the evidence API).
    #[serde(default)]
    pub evidence_ids: Vec<String>,
    /// A new due date; `null` keeps the current one.
    #[serde(default, with = "kijun_core::oversight::opt_day")]
    pub due_on: Option<Date>,
}

/// `POST /termination-cases/{id}/items/{kind}/submit`: tenant staff, or a
/// vendor user for an item whose responsible party is its organisation's.
pub async fn submit_item(
    State(state): State<AppState>,
    p: Principal,
    Path((id, kind)): Path<(String, String)>,
    ApiJson(input): ApiJson<SubmitItem>,
) -> Result<Json<Value>, ApiError> {
    let (c, service, access) = case_access(&state, &p, &id).await?;
    let (k, item) = visible_item(&c, &service, &access, &kind)?;
    let org = match &access {
        OversightAccess::Manage => None,
        OversightAccess::Read => return Err(ApiError::forbidden()),
        OversightAccess::Vendor(org) => Some(org.clone()),
    };
    termination::ensure_open(c.status != "open").map_err(rule_error)?;
    let from = ItemState::parse(&item.state).ok_or_else(|| corrupt("item state", &item.state))?;
    termination::transition(k, from, ItemAction::Submit).map_err(rule_error)?;
    let note = checked_text(&input.note, "note", 4000)?;
    if note.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_field",
            "実施内容 (note) を入力してください (note required)",
        )
        .with_field("note"));
    }
    if input.evidence_ids.len() > 50 {
        return Err(
            ApiError::bad_request("invalid_field", "証跡ファイルは 50 件までです")
                .with_field("evidence_ids"),
        );
    }
    check_evidence(&state, &service, &access, &input.evidence_ids).await?;
    let due = input.due_on.map(|d| d.to_string());
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "termination_item_submitted",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("termination:{}", c.id)),
            details: json!({"kind": k, "from": from.as_str(), "note": note, "evidence_ids": input.evidence_ids,
                            "due_on": due, "organisation_id": org}),
        },
    );
    let submission = ItemSubmission {
        note,
        evidence_ids: input.evidence_ids,
        due_on: due,
        organisation_id: org,
    };
    let updated = state
        .store
        .submit_termination_item(
            &c.id,
            k.as_str(),
            from.as_str(),
            &submission,
            &actor(&p),
            &audit,
            state.now(),
        )
        .await?
        .ok_or_else(stale)?;
    Ok(Json(case_view(&updated, &service, &access)?))
}

/// A reviewer's decision on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    SignOff,
    Return,
}

/// What a reviewer sends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewItem {
    pub decision: Decision,
    /// The reason for a return (required then); a remark on a sign-off.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /termination-cases/{id}/items/{kind}/review` (tenant staff): sign
/// a submitted item off, or return it with a comment.
pub async fn review_item(
    State(state): State<AppState>,
    p: Principal,
    Path((id, kind)): Path<(String, String)>,
    ApiJson(input): ApiJson<ReviewItem>,
) -> Result<Json<Value>, ApiError> {
    let (c, service, access) = case_access(&state, &p, &id).await?;
    let (k, item) = visible_item(&c, &service, &access, &kind)?;
    access.require_manage()?;
    termination::ensure_open(c.status != "open").map_err(rule_error)?;
    let comment = input
        .comment
        .as_deref()
        .map(|t| checked_text(t, "comment", 2000))
        .transpose()?
        .filter(|t| !t.is_empty());
    let action = match input.decision {
        Decision::SignOff => ItemAction::SignOff,
        Decision::Return => ItemAction::Return,
    };
    let from = ItemState::parse(&item.state).ok_or_else(|| corrupt("item state", &item.state))?;
    let to = termination::review(k, from, action, comment.as_deref()).map_err(rule_error)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "termination_item_reviewed",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("termination:{}", c.id)),
            details: json!({"kind": k, "decision": to.as_str(), "comment": comment}),
        },
    );
    let updated = state
        .store
        .review_termination_item(
            &c.id,
            k.as_str(),
            to.as_str(),
            comment.as_deref(),
            &actor(&p),
            &audit,
            state.now(),
        )
        .await?
        .ok_or_else(stale)?;
    Ok(Json(case_view(&updated, &service, &access)?))
}

// ---------------------------------------------------------------------------
// The deletion certificate

/// The vendor's certificate as a reviewer records it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateInput {
    /// The uploaded certificate file (evidence of the service's tenant).
    pub evidence_id: String,
    /// The date on the certificate.
    #[serde(with = "kijun_core::oversight::day")]
    pub issued_on: Date,
}

/// `PUT /termination-cases/{id}/certificate` (tenant staff): records the
/// deletion certificate: the evidence file's name and SHA-256 as uploaded,
/// and the issue date.
pub async fn record_certificate(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CertificateInput>,
) -> Result<Json<Value>, ApiError> {
    let (c, service, access) = case_access(&state, &p, &id).await?;
    access.require_manage()?;
    termination::ensure_open(c.status != "open").map_err(rule_error)?;
    let ids = [input.evidence_id.clone()];
    check_evidence(&state, &service, &access, &ids)
        .await
        .map_err(|e| e.with_field("evidence_id"))?;
    let ev = state
        .store
        .evidence(&input.evidence_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let issued = input.issued_on.to_string();
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "deletion_certificate_recorded",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("termination:{}", c.id)),
            details: json!({"evidence_id": ev.id, "filename": ev.filename, "sha256": ev.sha256, "issued_on": issued}),
        },
    );
    let updated = state
        .store
        .record_deletion_certificate(
            &c.id,
            &ev.id,
            &ev.filename,
            &ev.sha256,
            &issued,
            &actor(&p),
            &audit,
            state.now(),
        )
        .await?
        .ok_or_else(stale)?;
    Ok(Json(case_view(&updated, &service, &access)?))
}

const REQUEST_TITLE: &str = "「データ消去証明書」提出依頼書";

/// The 「データ消去証明書」提出依頼書 of a case as a printable document.
pub fn certificate_request_document(
    c: &TerminationCase,
    tenant: &str,
    service: &str,
    provider: &str,
    created: jiff::ZonedDateTime,
) -> Result<Document, ApiError> {
    let effective = stored_day(&c.effective_on)?;
    let today = created.date();
    let mut doc = Document::new(REQUEST_TITLE, created);
    doc.author = Some(tenant.to_owned());
    doc.meta = vec![
        format!("{} 御中", provider),
        tenant.to_owned(),
        format!("作成日: {}", ja_date(today)),
    ];
    doc.footer = format!("{REQUEST_TITLE}　{service}");
    doc.paragraph(format!(
        "{service} の利用終了（{}）にあたり、外部サービスで取り扱った本市の全ての情報資産について、\
         複製（バックアップ等）を含め再利用が不可能な方法で削除したことを証明する「データ消去証明書」の提出を依頼します。\
         （seed-001 情報資産 ②、seed-003 4.(1)・(3)、seed-004 提供された情報の返還等）",
        ja_date(effective)
    ));
    doc.heading(1, "対象");
    doc.key_values([
        ("サービス", service.to_owned()),
        ("外部サービス提供者", provider.to_owned()),
        ("終了日", ja_date(effective)),
        ("告知日", ja_date(stored_day(&c.announced_on)?)),
        ("終了手続 ID", c.id.clone()),
    ]);
    doc.heading(1, "証明書に記載いただく事項");
    let mut t = Table::new(
        "データ消去証明書の記載事項",
        vec![
            Column::new("No.", 1.0),
            Column::new("記載事項", 8.0),
            Column::new("根拠", 4.0),
        ],
    );
    let rows: [(&str, &str); 6] = [
        (
            "削除した情報の範囲（バックアップ・複製を含む全ての情報）",
            "seed-003 4-1、seed-001 AST-01 ②",
        ),
        (
            "削除の方法（暗号鍵の削除（暗号化消去）等、復元困難な状態とした方法）",
            "seed-003 4-1",
        ),
        ("削除を実施した日・実施者", "seed-003 4-3"),
        (
            "記憶媒体・機器の処分の方法（該当する場合）",
            "seed-003 4-2、seed-001 AST-02",
        ),
        (
            "利用者・管理者・特殊アカウント（資格情報を含む）の廃棄",
            "seed-000 TRM-02・TRM-03、seed-003 4-4",
        ),
        ("証明書の発行日と発行者（記名）", "seed-001 AST-01 ②"),
    ];
    for (i, (what, source)) in rows.iter().enumerate() {
        t.row([
            (i + 1).to_string(),
            (*what).to_owned(),
            (*source).to_owned(),
        ]);
    }
    doc.table(t);
    doc.heading(1, "終了手続のチェックリスト");
    let mut items = Table::new(
        "終了手続のチェックリスト",
        vec![
            Column::new("項目", 8.0),
            Column::new("担当", 3.0),
            Column::new("期限", 3.0),
            Column::new("状態", 3.0),
        ],
    );
    for i in &c.items {
        let label =
            ItemKind::parse(&i.kind).map_or_else(|| i.kind.clone(), |k| k.label().to_owned());
        let party = ResponsibleParty::parse(&i.responsible).map_or("", ResponsibleParty::label);
        let due = i
            .due_on
            .as_deref()
            .and_then(parse_day)
            .map_or_else(|| "－".to_owned(), ja_date);
        let state = ItemState::parse(&i.state).map_or("", ItemState::label);
        let required = if i.required {
            ""
        } else {
            "（該当する場合）"
        };
        items.row([
            format!("{label}{required}"),
            party.to_owned(),
            due,
            state.to_owned(),
        ]);
    }
    doc.table(items);
    doc.paragraph(
        "証明書は PDF 等の電子ファイルで提出してください。受領時にファイルの SHA-256 を記録します。",
    );
    Ok(doc)
}

/// `GET /termination-cases/{id}/certificate-request?format=pdf|html`.
pub async fn certificate_request(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let (c, service, _access) = case_access(&state, &p, &id).await?;
    let tenant = state
        .store
        .tenant(&service.tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    let orgs = state.store.organisations().await?;
    let provider = service
        .provider_org_id
        .as_ref()
        .and_then(|id| orgs.iter().find(|o| &o.id == id))
        .map_or_else(|| "外部サービス提供者".to_owned(), |o| o.name.clone());
    let tz = TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC);
    let created = state.now().to_zoned_datetime(tz);
    let doc = certificate_request_document(&c, &tenant, &service.name, &provider, created)?;
    let format = match q.format {
        crate::routes::reports::ReportFormat::Pdf => "pdf",
        crate::routes::reports::ReportFormat::Html => "html",
    };
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "deletion_certificate_request_exported",
                tenant_id: Some(&service.tenant_id),
                target: Some(format!("termination:{}", c.id)),
                details: json!({"format": format}),
            },
        )
        .await?;
    render(
        doc,
        q.format,
        &format!("deletion-certificate-request-{}", c.id),
    )
    .await
}

// ---------------------------------------------------------------------------
// Closing

fn not_closable(c: &TerminationCase) -> ApiError {
    let closure = termination::closure(&facts(c), c.certificate.is_some());
    let mut problems: Vec<Problem> = closure
        .unsigned_items
        .iter()
        .map(|k| Problem {
            sheet: None,
            row: None,
            column: None,
            heading: Some(k.label().to_owned()),
            value: Some(k.as_str().to_owned()),
            message: "確認済み（signed_off）になっていません".to_owned(),
        })
        .collect();
    if !closure.certificate_recorded {
        problems.push(Problem {
            sheet: None,
            row: None,
            column: None,
            heading: Some("データ消去証明書".to_owned()),
            value: Some("certificate".to_owned()),
            message: "データ消去証明書が記録されていません".to_owned(),
        });
    }
    ApiError::new(
        StatusCode::CONFLICT,
        "case_not_closable",
        format!(
            "終了手続を完了できません。未了 {} 件: {} (required items not signed off or certificate missing)",
            problems.len(),
            closure.missing().join("、")
        ),
    )
    .with_problems(problems)
}

/// `POST /termination-cases/{id}/close` (tenant staff): closes the case
/// when every required item is signed off and the certificate recorded.
pub async fn close_case(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (c, service, access) = case_access(&state, &p, &id).await?;
    access.require_manage()?;
    termination::ensure_open(c.status != "open").map_err(rule_error)?;
    if !termination::closure(&facts(&c), c.certificate.is_some()).ready() {
        return Err(not_closable(&c));
    }
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "termination_closed",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("termination:{}", c.id)),
            details: json!({"service_id": service.id}),
        },
    );
    match state
        .store
        .close_termination_case(&c.id, &actor(&p), &audit, state.now())
        .await?
    {
        CloseOutcome::Closed(closed) => Ok(Json(case_view(&closed, &service, &access)?)),
        CloseOutcome::NotOpen => Err(rule_error(TerminationError::CaseClosed)),
        CloseOutcome::NotReady => {
            let now = state
                .store
                .termination_case(&c.id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            Err(not_closable(&now))
        }
    }
}

/// One line of a service's termination history (the service page).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub id: String,
    pub status: &'static str,
    pub announced_on: Option<Date>,
    pub effective_on: Option<Date>,
    pub notice_on_time: bool,
    pub closed_at: Option<jiff::Timestamp>,
    pub signed_off: usize,
    pub total: usize,
}

/// A service's cases as history rows, oldest first.
pub fn history_rows(cases: &[TerminationCase]) -> Vec<HistoryRow> {
    cases
        .iter()
        .map(|c| {
            let announced = parse_day(&c.announced_on);
            let effective = parse_day(&c.effective_on);
            let on_time = match (announced, effective) {
                (Some(a), Some(e)) => termination::notice_check(a, e).is_ok_and(|n| n.on_time),
                _ => false,
            };
            HistoryRow {
                id: c.id.clone(),
                status: if c.status == "closed" {
                    "完了"
                } else {
                    "手続中"
                },
                announced_on: announced,
                effective_on: effective,
                notice_on_time: on_time,
                closed_at: c.closed_at,
                signed_off: c.items.iter().filter(|i| i.state == "signed_off").count(),
                total: c.items.len(),
            }
        })
        .collect()
}
