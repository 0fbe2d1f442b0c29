//! The vendor's answer library (回答マスタ) over HTTP: entries per
//! requirement or per common control, consents per tenant, and pre-filling
//! an assessment's unanswered items from the library.
//!
//! Saving an answer in an assessment also keeps it in the organisation's
//! library (answer once). The library is used in a tenant only for answers
//! that came from that same tenant — or for all of it once the organisation
//! has consented to that tenant (revocable). Pre-filled answers are marked
//! and must be confirmed (saved) by the vendor before submission.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kijun_core::workflow::AnswerInput;
use kijun_store::Role;
use kijun_store::assessment::{Actor, AssessmentRecord};
use kijun_store::library::{Consent, LibraryEntry};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit_log::Event;
use crate::error::{ApiError, ApiJson};
use crate::principal::Principal;
use crate::routes::assessments::{Access, assessment_access};
use crate::state::AppState;

/// The vendor organisation of the principal, or 403.
fn own_org(p: &Principal) -> Result<String, ApiError> {
    match (&p.role, &p.user.organisation_id) {
        (Role::Vendor, Some(org)) => Ok(org.clone()),
        _ => Err(ApiError::forbidden()),
    }
}

pub async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<LibraryEntry>>, ApiError> {
    let org = own_org(&p)?;
    Ok(Json(state.store.library(&org).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryKey {
    #[serde(default)]
    pub product: String,
    /// `requirement` or `control`.
    pub scope: String,
    /// `catalog/requirement` or a control id.
    pub key: String,
    pub party: kijun_core::catalog::Party,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    #[serde(default)]
    pub product: String,
    pub scope: String,
    pub key: String,
    pub party: kijun_core::catalog::Party,
    pub answer: AnswerInput,
}

impl EntryInput {
    fn entry_key(&self) -> EntryKey {
        EntryKey {
            product: self.product.clone(),
            scope: self.scope.clone(),
            key: self.key.clone(),
            party: self.party,
        }
    }
}

fn check_key(state: &AppState, k: &EntryKey) -> Result<(), ApiError> {
    let known = match k.scope.as_str() {
        "requirement" => k.key.split_once('/').is_some_and(|(c, r)| {
            state
                .catalogs
                .get(c)
                .is_some_and(|cat| cat.requirement(r).is_some())
        }),
        "control" => state.catalogs.iter().any(|c| {
            c.requirements
                .iter()
                .any(|r| r.controls.iter().any(|x| x == &k.key))
        }),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "scope は requirement か control です",
            )
            .with_field("scope"));
        }
    };
    if known {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_field",
            format!("`{}` は既知の要求事項・共通管理策ではありません", k.key),
        )
        .with_field("key"))
    }
}

pub async fn put(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<EntryInput>,
) -> Result<Json<LibraryEntry>, ApiError> {
    let org = own_org(&p)?;
    let k = input.entry_key();
    check_key(&state, &k)?;
    input.answer.check().map_err(|e| {
        ApiError::bad_request("invalid_field", e.to_string())
            .with_field(format!("answer.{}", e.field()))
    })?;
    let entry = LibraryEntry {
        organisation_id: org,
        product: k.product.trim().to_owned(),
        scope: k.scope.clone(),
        key: k.key.clone(),
        party: k.party.as_str().to_owned(),
        answer: serde_json::to_value(&input.answer).map_err(ApiError::internal)?,
        origin_tenant_id: None,
        updated_at: state.now(),
    };
    state
        .store
        .upsert_library_entry(&entry, Some(&p.user.id))
        .await?;
    Ok(Json(entry))
}

pub async fn delete(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(k): ApiJson<EntryKey>,
) -> Result<StatusCode, ApiError> {
    let org = own_org(&p)?;
    if state
        .store
        .delete_library_entry(&org, k.product.trim(), &k.scope, &k.key, k.party.as_str())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

pub async fn consents(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<Consent>>, ApiError> {
    let org = own_org(&p)?;
    Ok(Json(state.store.consents(&org).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub tenant_id: String,
}

/// Grants the caller's organisation's consent to use its library in a
/// tenant it works for (see `Store::tenants_of_organisation`).
pub async fn grant(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<ConsentInput>,
) -> Result<StatusCode, ApiError> {
    let org = own_org(&p)?;
    // Any tenant the organisation works for (not only the caller's own
    // invitations): consent is the organisation's.
    if !state
        .store
        .tenants_of_organisation(&org)
        .await?
        .contains(&req.tenant_id)
    {
        return Err(ApiError::not_found().with_field("tenant_id"));
    }
    state
        .store
        .grant_consent(&org, &req.tenant_id, state.now())
        .await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "library_consent_granted",
                tenant_id: Some(&req.tenant_id),
                target: Some(format!("organisation:{org}")),
                details: json!({}),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn revoke(
    State(state): State<AppState>,
    p: Principal,
    Path(tenant_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let org = own_org(&p)?;
    if !state
        .store
        .revoke_consent(&org, &tenant_id, state.now())
        .await?
    {
        return Err(ApiError::not_found());
    }
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "library_consent_revoked",
                tenant_id: Some(&tenant_id),
                target: Some(format!("organisation:{org}")),
                details: json!({}),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The library entry a vendor's saved answer becomes (its organisation's
/// answer for the requirement, origin: the assessment's tenant); `None` for
/// a principal without an organisation. Saved in the answer's transaction.
pub fn remembered(
    state: &AppState,
    p: &Principal,
    a: &AssessmentRecord,
    catalog: &str,
    requirement: &str,
    party: &str,
    answer: &Value,
) -> Option<LibraryEntry> {
    let org = own_org(p).ok()?;
    Some(LibraryEntry {
        organisation_id: org,
        product: String::new(),
        scope: "requirement".into(),
        key: format!("{catalog}/{requirement}"),
        party: party.to_owned(),
        answer: answer.clone(),
        origin_tenant_id: Some(a.tenant_id.clone()),
        updated_at: state.now(),
    })
}

/// Pre-fills `party`'s unanswered open items of `a` from organisation
/// `org`'s library; returns how many were filled.
pub async fn prefill(
    state: &AppState,
    a: &AssessmentRecord,
    party: &str,
    org: &str,
    actor: &Actor,
) -> Result<usize, ApiError> {
    let entries = state.store.library(org).await?;
    let consent = state
        .store
        .consents(org)
        .await?
        .iter()
        .any(|c| c.tenant_id == a.tenant_id && c.revoked_at.is_none());
    let usable: Vec<&LibraryEntry> = entries
        .iter()
        .filter(|e| {
            e.party == party
                && (consent || e.origin_tenant_id.as_deref() == Some(a.tenant_id.as_str()))
        })
        .collect();
    if usable.is_empty() {
        return Ok(0);
    }
    let mut filled = 0;
    for item in state.store.items(&a.id, Some(party)).await? {
        if item.answer.is_some() || item.state != "open" {
            continue;
        }
        let req_key = format!("{}/{}", item.key.catalog_id, item.key.requirement_id);
        let by_requirement = usable
            .iter()
            .find(|e| e.scope == "requirement" && e.key == req_key);
        let by_control = || {
            state
                .catalogs
                .get(&item.key.catalog_id)
                .and_then(|c| c.requirement(&item.key.requirement_id))
                .and_then(|r| {
                    r.controls
                        .iter()
                        .find_map(|c| usable.iter().find(|e| e.scope == "control" && &e.key == c))
                })
        };
        let Some(entry) = by_requirement.or_else(by_control) else {
            continue;
        };
        let source = format!("{}:{}", entry.scope, entry.key);
        if state
            .store
            .prefill_answer(&a.id, &item.key, &entry.answer, &source, state.now(), actor)
            .await?
        {
            filled += 1;
        }
    }
    Ok(filled)
}

/// `POST /assessments/{id}/prefill`: the invited vendor fills its party's
/// unanswered items from its library.
pub async fn prefill_assessment(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    let Access::Vendor(party) = access else {
        return Err(ApiError::forbidden());
    };
    if a.status != "open" {
        return Err(ApiError::conflict("判定済みの審査は補完できません"));
    }
    let org = own_org(&p)?;
    let actor = Actor {
        id: Some(p.user.id.clone()),
        name: Some(p.user.display_name.clone()),
    };
    let n = prefill(&state, &a, party.as_str(), &org, &actor).await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "assessment_prefilled",
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}", a.id)),
                details: json!({"party": party, "items": n}),
            },
        )
        .await?;
    Ok(Json(json!({"prefilled": n})))
}
