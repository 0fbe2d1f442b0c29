//! An assessment's checklist as an Excel workbook, out to the vendors and
//! back: the export (`GET …/checklist?format=xlsx`, laid out by
//! `kijun-exchange`) and the import of a filled file (`POST …/checklist`),
//! which validates every row and stores all answers in one transaction or
//! none.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kijun_core::Party;
use kijun_core::workflow::AnswerInput;
use kijun_exchange::{
    ChecklistDoc, ChecklistRow, ChecklistSheet, ImportExpectation, ImportedAnswer, PartyLevels,
    item_id,
};
use kijun_store::assessment::{AssessmentRecord, ItemKey, ItemRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit_log::Event;
use crate::error::{ApiError, ApiQuery, Problem};
use crate::principal::Principal;
use crate::routes::assessments::{Access, assessment_access, stored_profile};
use crate::state::AppState;

/// The checked answer of a stored item, if it has a valid one.
fn stored_answer(item: &ItemRecord) -> Option<kijun_core::Answer> {
    let input: AnswerInput = serde_json::from_value(item.answer.clone()?).ok()?;
    input.check().ok()
}

fn parse_party(s: &str) -> Option<Party> {
    match s {
        "integrator" => Some(Party::Integrator),
        "provider" => Some(Party::Provider),
        _ => None,
    }
}

/// The checklist document of an assessment for `parties`: one sheet per
/// catalog, one row per item of those parties in catalog order, with the
/// answers and review comments so far.
pub fn checklist_doc(
    catalogs: &kijun_core::CatalogSet,
    a: &AssessmentRecord,
    service_name: &str,
    items: &[ItemRecord],
    parties: &[Party],
) -> Result<ChecklistDoc, ApiError> {
    let profile = stored_profile(&json!({"profile": a.profile}))?;
    let by_key: std::collections::HashMap<(&str, &str, &str), &ItemRecord> = items
        .iter()
        .map(|i| {
            (
                (
                    i.key.catalog_id.as_str(),
                    i.key.requirement_id.as_str(),
                    i.key.party.as_str(),
                ),
                i,
            )
        })
        .collect();
    let mut sheets = Vec::new();
    for catalog_id in &a.catalogs {
        let Some(catalog) = catalogs.get(catalog_id) else {
            return Err(ApiError::internal(format!(
                "catalog {catalog_id} of assessment {} is no longer loaded",
                a.id
            )));
        };
        let mut rows = Vec::new();
        for r in &catalog.requirements {
            for party in Party::ALL {
                if !parties.contains(&party) {
                    continue;
                }
                let Some(item) = by_key.get(&(catalog.id.as_str(), r.id.as_str(), party.as_str()))
                else {
                    continue;
                };
                let mut levels = PartyLevels::default();
                if let Some(rule) = r.obligations.rule_for(&profile) {
                    levels.integrator = rule.level(Party::Integrator);
                    levels.provider = rule.level(Party::Provider);
                }
                rows.push(ChecklistRow {
                    item_id: item_id(&catalog.id, &r.id, party),
                    requirement_id: r.id.clone(),
                    party,
                    phase: catalog.phase_label(r.phase).to_owned(),
                    category: r.category.clone(),
                    number: r.id.clone(),
                    title: r.subcategory.clone().unwrap_or_default(),
                    text: kijun_exchange::model::requirement_text(r),
                    examples: kijun_exchange::model::examples_text(&r.examples),
                    levels,
                    answer: stored_answer(item),
                    reviewer_comment: item.review_comment.clone(),
                });
            }
        }
        sheets.push(ChecklistSheet {
            catalog_id: catalog.id.clone(),
            catalog_title: catalog.title.clone(),
            rows,
        });
    }
    Ok(ChecklistDoc {
        assessment_id: Some(a.id.clone()),
        title: format!("外部サービス{}チェックリスト", phase_title(&a.phase)),
        service_name: Some(service_name.to_owned()),
        parties: parties.to_vec(),
        sheets,
    })
}

fn phase_title(phase: &str) -> &'static str {
    match phase {
        "selection" => "選定",
        "build" => "導入・構築",
        "operation" => "運用・保守",
        "termination" => "更改・廃棄",
        _ => "",
    }
}

/// Which parties' rows a request may export: a vendor its own; staff
/// either or both (`party` absent or `both`: both).
pub fn export_parties(access: Access, party: Option<&str>) -> Result<Vec<Party>, ApiError> {
    if let Access::Vendor(own) = access {
        return match party {
            None => Ok(vec![own]),
            Some(p) if p == own.as_str() => Ok(vec![own]),
            // Another party's rows are not the vendor's to see.
            Some(_) => Err(ApiError::not_found()),
        };
    }
    match party {
        None | Some("both") => Ok(Party::ALL.to_vec()),
        Some(p) => parse_party(p).map(|p| vec![p]).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_field",
                "party は integrator・provider・both のいずれかを指定してください",
            )
            .with_field("party")
        }),
    }
}

/// The workbook of an assessment's checklist (`party`: see
/// [`export_parties`]); audit-logged.
pub async fn export_xlsx(
    state: &AppState,
    p: &Principal,
    id: &str,
    party: Option<&str>,
) -> Result<Response, ApiError> {
    let (a, access) = assessment_access(state, p, id).await?;
    let parties = export_parties(access, party)?;
    let service = state
        .store
        .service(&a.service_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let items = state.store.items(&a.id, None).await?;
    let doc = checklist_doc(&state.catalogs, &a, &service, &items, &parties)?;
    let bytes = tokio::task::spawn_blocking(move || kijun_exchange::write_checklist(&doc))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    state
        .audit(
            Some(p),
            None,
            Event {
                action: "checklist_exported",
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}", a.id)),
                details: json!({
                    "format": "xlsx",
                    "parties": parties.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                }),
            },
        )
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"checklist-{}.xlsx\"", a.id),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Staff importing a file a vendor mailed: whose answers they are.
    pub party: Option<String>,
}

/// What an import did.
#[derive(Debug, serde::Serialize)]
pub struct ImportOutcome {
    /// Answers read from the file.
    pub answers: usize,
    /// Items whose stored answer changed.
    pub changed: usize,
    /// SHA-256 of the uploaded file, as recorded in the audit log.
    pub sha256: String,
}

/// Imports a filled checklist for `party` (a vendor: its own; staff: the
/// `party` query parameter). Every row is checked first; any problem →
/// 400 `invalid_checklist` with all of them and nothing stored. Answers for
/// items already submitted or accepted → 409 `not_editable`, nothing stored.
/// The same file twice changes nothing the second time.
pub async fn import(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<axum::Json<ImportOutcome>, ApiError> {
    import_file(&state, &p, &id, q.party.as_deref(), &body)
        .await
        .map(axum::Json)
}

/// [`import`] for any caller (the API, the UI form).
pub async fn import_file(
    state: &AppState,
    p: &Principal,
    id: &str,
    party: Option<&str>,
    body: &[u8],
) -> Result<ImportOutcome, ApiError> {
    let (a, access) = assessment_access(state, p, id).await?;
    let party = match access {
        Access::Vendor(own) => {
            if party.is_some_and(|p| p != own.as_str()) {
                return Err(ApiError::not_found());
            }
            own
        }
        Access::Manage => party.and_then(parse_party).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_field",
                "どちらの回答かを party（integrator または provider）で指定してください",
            )
            .with_field("party")
        })?,
        Access::Read => return Err(ApiError::forbidden()),
    };
    let audit = state.audit_entry(
        Some(p),
        None,
        Event {
            action: "checklist_imported",
            tenant_id: Some(&a.tenant_id),
            target: Some(format!("assessment:{}", a.id)),
            details: json!({"party": party}),
        },
    );
    let actor = kijun_store::assessment::Actor {
        id: Some(p.user.id.clone()),
        name: Some(p.user.display_name.clone()),
    };
    let remember = |catalog: &str, requirement: &str, value: &Value| {
        crate::routes::library::remembered(
            state,
            p,
            &a,
            catalog,
            requirement,
            party.as_str(),
            value,
        )
    };
    import_checklist_file(
        &state.store,
        &state.catalogs,
        &a,
        party,
        body,
        &ImportBy {
            actor,
            audit,
            remember: &remember,
        },
        state.now(),
    )
    .await
}

/// Who imports a checklist, for the history, the audit entry (its details
/// get the file's SHA-256 and counts) and the vendor's answer library.
pub struct ImportBy<'a> {
    pub actor: kijun_store::assessment::Actor,
    pub audit: kijun_store::NewAuditEntry,
    /// The library entry an imported answer becomes, if any.
    pub remember:
        &'a (dyn Fn(&str, &str, &Value) -> Option<kijun_store::library::LibraryEntry> + Sync),
}

/// Checks a filled checklist against assessment `a` and stores `party`'s
/// answers from it in one transaction (see [`import`] for the rules). Used
/// by the API, the UI and `kijun import answers`.
pub async fn import_checklist_file(
    store: &kijun_store::Store,
    catalogs: &kijun_core::CatalogSet,
    a: &AssessmentRecord,
    party: Party,
    body: &[u8],
    by: &ImportBy<'_>,
    now: jiff::Timestamp,
) -> Result<ImportOutcome, ApiError> {
    if a.status != "open" {
        return Err(ApiError::conflict("判定済みの審査には回答できません"));
    }
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_checklist",
            "ファイルが空です。記入済みのチェックリスト (.xlsx) を送ってください",
        ));
    }
    let service = store
        .service(&a.service_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let items = store.items(&a.id, None).await?;
    let doc = checklist_doc(catalogs, a, &service, &items, &Party::ALL)?;
    let expectation = ImportExpectation::from_doc(&doc, &[party]);
    let bytes = body.to_vec();
    let read =
        tokio::task::spawn_blocking(move || kijun_exchange::read_checklist(&bytes, &expectation))
            .await
            .map_err(ApiError::internal)?;
    let answers: Vec<ImportedAnswer> = match read {
        Ok(a) => a,
        Err(errors) => {
            let problems: Vec<Problem> = errors
                .0
                .iter()
                .map(|e| Problem {
                    sheet: e.sheet.clone(),
                    row: e.row,
                    column: e.column.clone(),
                    heading: e.heading.clone(),
                    value: e.value.clone(),
                    message: e.to_string(),
                })
                .collect();
            return Err(ApiError::bad_request(
                "invalid_checklist",
                format!(
                    "チェックリストに {} 件の問題があります。すべて直してからもう一度送ってください（何も保存していません）",
                    problems.len()
                ),
            )
            .with_problems(problems));
        }
    };
    let sha256 = crate::crypto::sha256_hex(body);
    let mut writes = Vec::with_capacity(answers.len());
    for ans in answers.iter().filter(|x| x.party == party) {
        let value =
            serde_json::to_value(AnswerInput::of(&ans.answer)).map_err(ApiError::internal)?;
        // Unchanged (even if stored in another spelling): leave it alone, so
        // a file re-sent after submission is not refused.
        let same = items.iter().any(|i| {
            i.key.catalog_id == ans.catalog_id
                && i.key.requirement_id == ans.requirement_id
                && i.key.party == party.as_str()
                && !i.prefilled
                && i.answer.as_ref().and_then(normalised).as_ref() == Some(&value)
        });
        if same {
            continue;
        }
        let library = (by.remember)(&ans.catalog_id, &ans.requirement_id, &value);
        writes.push((
            ItemKey {
                catalog_id: ans.catalog_id.clone(),
                requirement_id: ans.requirement_id.clone(),
                party: party.as_str().to_owned(),
            },
            value,
            library,
        ));
    }
    let mut audit = by.audit.clone();
    if let Value::Object(m) = &mut audit.details {
        m.insert("sha256".into(), json!(sha256));
        m.insert("answers".into(), json!(writes.len()));
    }
    match store
        .import_answers(&a.id, &writes, &audit, now, &by.actor)
        .await?
    {
        Ok(changed) => Ok(ImportOutcome {
            answers: answers.iter().filter(|x| x.party == party).count(),
            changed,
            sha256,
        }),
        Err(frozen) => {
            let problems = frozen
                .iter()
                .map(|k| {
                    let row = answers.iter().find(|x| {
                        x.catalog_id == k.catalog_id && x.requirement_id == k.requirement_id
                    });
                    Problem {
                        sheet: row.map(|r| r.sheet.clone()),
                        row: row.map(|r| r.row),
                        column: None,
                        heading: None,
                        value: Some(k.label()),
                        message: "提出済み・確認済みの項目の回答は変更できません（差戻しされた項目だけ変更できます）".to_owned(),
                    }
                })
                .collect();
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_editable",
                "提出済み・確認済みの項目の回答が変わっています。何も保存していません",
            )
            .with_problems(problems))
        }
    }
}

/// The stored answer JSON in the form an import stores (checked and
/// normalised), to compare with an imported answer.
fn normalised(answer: &Value) -> Option<Value> {
    let input: AnswerInput = serde_json::from_value(answer.clone()).ok()?;
    serde_json::to_value(AnswerInput::of(&input.check().ok()?)).ok()
}
