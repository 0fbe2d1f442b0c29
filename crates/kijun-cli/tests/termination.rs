//! End-to-end tests of the termination API (`/api/v1/services/{id}/
//! termination-cases`, `/api/v1/termination-cases/{id}/…`): the real `kijun
//! serve` on a free port with a fresh data directory, driven over HTTP.
//! A service assessed against the seed catalogs is terminated: every
//! checklist item is submitted with evidence, one is returned and
//! re-submitted, all are signed off, the deletion certificate is recorded
//! and its SHA-256 checked, and the closed case appears in the service's
//! history; the one-month notice rule and the access rules are checked too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{
    Client, TestServer, World, form_post, form_post_with, html, id_of, tenant_user, vendor_user,
    world,
};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A small PDF-looking file (the evidence allow-list checks the magic).
fn pdf(text: &str) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    v.extend_from_slice(text.as_bytes());
    v.extend_from_slice(b"\n%%EOF\n");
    v
}

fn user_id(c: &mut Client) -> String {
    let (status, me) = c.get("/api/v1/me");
    assert_eq!(status, 200, "{me}");
    me["user"]["id"].as_str().unwrap().to_owned()
}

/// Uploads `bytes` as evidence of assessment `a`; returns the record.
fn upload(c: &mut Client, a: &str, name: &str, bytes: Vec<u8>) -> Value {
    let (status, rec) = c.raw(
        &format!("/api/v1/assessments/{a}/evidence?filename={name}"),
        bytes,
        "application/pdf",
    );
    assert_eq!(status, 201, "{rec}");
    rec
}

fn kinds(case: &Value) -> Vec<String> {
    case["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn item<'a>(case: &'a Value, kind: &str) -> &'a Value {
    case["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap_or_else(|| panic!("no item {kind} in {case}"))
}

/// The values (item ids, `certificate`) of a 409 `case_not_closable`.
fn missing(body: &Value) -> Vec<String> {
    assert_eq!(body["error"]["code"], "case_not_closable", "{body}");
    body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_str().unwrap().to_owned())
        .collect()
}

const PROVIDER_ITEMS: [&str; 8] = [
    "migration_method",
    "data_deletion",
    "deletion_method",
    "media_disposal",
    "user_accounts",
    "admin_accounts",
    "special_accounts",
    "deletion_report",
];

/// The world of the tests plus a seed-catalog assessment of the service
/// with the provider's and the integrator's users invited (so they can
/// upload evidence).
struct Setup {
    w: World,
    prov: Client,
    integ: Client,
    assessment: String,
}

fn setup(s: &TestServer) -> Setup {
    let mut w = world(s);
    let mut prov = vendor_user(s, &mut w.admin, &w.provider, "prov-1");
    let mut integ = vendor_user(s, &mut w.admin, &w.integrator, "integ-1");
    let (status, a) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{}/assessments", w.service),
        json!({"phase": "termination", "catalogs": ["seed-000", "seed-003"]}),
    );
    assert_eq!(status, 201, "{a}");
    let assessment = id_of(&a);
    for (c, party) in [(&mut prov, "provider"), (&mut integ, "integrator")] {
        let uid = user_id(c);
        let (status, body) = w.reviewer.call(
            "POST",
            &format!("/api/v1/assessments/{assessment}/invitations"),
            json!({"user_id": uid, "party": party}),
        );
        assert_eq!(status, 204, "{body}");
    }
    Setup {
        w,
        prov,
        integ,
        assessment,
    }
}

#[test]
fn a_termination_case_walks_every_item_to_closure_and_joins_the_service_history() {
    let s = TestServer::start();
    let Setup {
        mut w,
        mut prov,
        mut integ,
        assessment,
    } = setup(&s);
    let svc = w.service.clone();

    // Opening: the notice on the last allowed day is on time.
    let (status, case) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/termination-cases"),
        json!({"announced_on": "2026-04-30", "effective_on": "2026-05-31", "note": "契約満了による終了"}),
    );
    assert_eq!(status, 201, "{case}");
    let id = id_of(&case);
    assert_eq!(case["status"], "open");
    assert_eq!(case["notice"]["deadline"], "2026-04-30");
    assert_eq!(case["notice"]["on_time"], true);
    assert_eq!(kinds(&case).len(), 10);
    assert_eq!(item(&case, "data_deletion")["responsible"], "provider");
    assert_eq!(item(&case, "data_deletion")["due_on"], "2026-05-31");
    assert!(
        item(&case, "deletion_method")["label"]
            .as_str()
            .unwrap()
            .contains("暗号化消去")
    );
    assert_eq!(
        item(&case, "special_accounts")["seed_refs"],
        json!(["seed-003 4-4"])
    );
    assert_eq!(item(&case, "data_return")["responsible"], "integrator");
    assert_eq!(item(&case, "return_receipt")["responsible"], "municipality");
    // A second open case of the same service is refused.
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/termination-cases"),
        json!({"announced_on": "2026-04-01", "effective_on": "2026-06-30"}),
    );
    assert_eq!(status, 409, "{body}");

    // Closing before anything is done names every required item and the
    // certificate.
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/close"),
        json!({}),
    );
    assert_eq!(status, 409, "{body}");
    let m = missing(&body);
    assert_eq!(m.len(), 10, "{m:?}");
    assert!(!m.contains(&"special_accounts".to_owned()), "{m:?}");
    assert_eq!(m.last().map(String::as_str), Some("certificate"));

    // Each vendor sees only its own items.
    let (status, mine) = prov.get(&format!("/api/v1/termination-cases/{id}"));
    assert_eq!(status, 200, "{mine}");
    assert_eq!(kinds(&mine), PROVIDER_ITEMS);
    assert!(mine["closure"].is_null());
    let (_, theirs) = integ.get(&format!("/api/v1/termination-cases/{id}"));
    assert_eq!(kinds(&theirs), ["data_return"]);
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_return/submit"),
        json!({"note": "返還しました"}),
    );
    assert_eq!(status, 404, "another party's item: {body}");
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/review"),
        json!({"decision": "sign_off"}),
    );
    assert_eq!(status, 403, "vendors do not sign off: {body}");

    // The vendors submit their items with evidence.
    let report = upload(
        &mut prov,
        &assessment,
        "report.pdf",
        pdf("廃棄の実施報告書"),
    );
    let report_id = id_of(&report);
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/submit"),
        json!({"note": "本番・バックアップ・レプリカを削除", "evidence_ids": ["no-such-file"]}),
    );
    assert_eq!(status, 400, "unknown evidence: {body}");
    for kind in PROVIDER_ITEMS {
        let (status, body) = prov.call(
            "POST",
            &format!("/api/v1/termination-cases/{id}/items/{kind}/submit"),
            json!({"note": format!("{kind} を実施しました"), "evidence_ids": [report_id], "due_on": "2026-06-15"}),
        );
        assert_eq!(status, 200, "{kind}: {body}");
        let it = item(&body, kind);
        assert_eq!(it["state"], "submitted");
        assert_eq!(it["evidence_ids"], json!([report_id]));
        assert_eq!(it["due_on"], "2026-06-15");
        assert_eq!(it["organisation_id"], json!(w.provider));
    }
    let (status, body) = integ.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_return/submit"),
        json!({"note": "CSV で全件を返還し、受領書を受け取りました"}),
    );
    assert_eq!(status, 200, "{body}");
    // The municipality's own item is submitted by staff.
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/return_receipt/submit"),
        json!({"note": "返還データを受領し、次期システムへ移行済み"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        item(&body, "return_receipt")["organisation_id"],
        Value::Null
    );

    // One item is returned with a comment, then re-submitted.
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/review"),
        json!({"decision": "return"}),
    );
    assert_eq!(status, 400, "a return needs a comment: {body}");
    assert_eq!(body["error"]["field"], "comment");
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/review"),
        json!({"decision": "return", "comment": "バックアップの削除日が記載されていません"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(item(&body, "data_deletion")["state"], "returned");
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/review"),
        json!({"decision": "sign_off"}),
    );
    assert_eq!(status, 409, "a returned item is not signed off: {body}");
    assert_eq!(body["error"]["code"], "invalid_transition");
    let (_, mine) = prov.get(&format!("/api/v1/termination-cases/{id}"));
    assert_eq!(
        item(&mine, "data_deletion")["review_comment"],
        "バックアップの削除日が記載されていません"
    );
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/submit"),
        json!({"note": "本番・バックアップ（2026-05-20 削除）・レプリカを削除", "evidence_ids": [report_id]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(item(&body, "data_deletion")["state"], "submitted");

    // Signing off every item but one: closing names that one and the
    // certificate.
    let all: Vec<String> = kinds(&case);
    for kind in all.iter().filter(|k| *k != "admin_accounts") {
        let (status, body) = w.reviewer.call(
            "POST",
            &format!("/api/v1/termination-cases/{id}/items/{kind}/review"),
            json!({"decision": "sign_off"}),
        );
        assert_eq!(status, 200, "{kind}: {body}");
        assert_eq!(item(&body, kind)["state"], "signed_off");
    }
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/close"),
        json!({}),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(missing(&body), ["admin_accounts", "certificate"]);
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/admin_accounts/review"),
        json!({"decision": "sign_off", "comment": "削除済みを確認"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["closure"]["unsigned_items"], json!([]));
    assert_eq!(body["closure"]["ready"], false);
    // A signed-off item cannot be submitted again.
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/admin_accounts/submit"),
        json!({"note": "再提出"}),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "invalid_transition");
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/close"),
        json!({}),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(missing(&body), ["certificate"]);

    // The certificate request letter.
    let (status, html) = w.reviewer.get(&format!(
        "/api/v1/termination-cases/{id}/certificate-request?format=html"
    ));
    assert_eq!(status, 200);
    let html = html.as_str().unwrap();
    assert!(html.contains("「データ消去証明書」提出依頼書"), "{html}");
    assert!(html.contains("電子申請システム") && html.contains("クラウド株式会社 御中"));
    assert!(html.contains("2026年5月31日"));
    let (status, _) = prov.get(&format!(
        "/api/v1/termination-cases/{id}/certificate-request?format=pdf"
    ));
    assert_eq!(status, 200);

    // The vendor uploads its certificate; the reviewer records it.
    let cert_bytes = pdf("データ消去証明書 2026-06-01 クラウド株式会社");
    let cert = upload(&mut prov, &assessment, "cert.pdf", cert_bytes.clone());
    let (status, body) = prov.call(
        "PUT",
        &format!("/api/v1/termination-cases/{id}/certificate"),
        json!({"evidence_id": id_of(&cert), "issued_on": "2026-06-01"}),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = w.reviewer.call(
        "PUT",
        &format!("/api/v1/termination-cases/{id}/certificate"),
        json!({"evidence_id": id_of(&cert), "issued_on": "2026-06-01"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["certificate"]["sha256"], sha256_hex(&cert_bytes));
    assert_eq!(body["certificate"]["sha256"], cert["sha256"]);
    assert_eq!(body["certificate"]["filename"], "cert.pdf");
    assert_eq!(body["certificate"]["issued_on"], "2026-06-01");
    assert_eq!(body["closure"]["ready"], true);

    // Closing.
    let (status, closed) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/close"),
        json!({}),
    );
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].is_string());
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/close"),
        json!({}),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "invalid_transition");

    // The service's history holds the closed case, in the API and on the
    // service's page.
    let (status, history) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/termination-cases"));
    assert_eq!(status, 200, "{history}");
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["id"], json!(id));
    assert_eq!(history[0]["status"], "closed");
    let (status, page) = w.reviewer.get(&format!("/services/{svc}"));
    assert_eq!(status, 200);
    let page = page.as_str().unwrap();
    assert!(page.contains("終了手続（更改・廃棄）"), "{page}");
    assert!(
        page.contains("完了") && page.contains("2026年5月31日"),
        "{page}"
    );
    assert!(page.contains(&format!("/termination-cases/{id}")), "{page}");

    // Every change is in the audit log.
    let (status, log) = w
        .admin
        .get(&format!("/api/v1/audit?tenant_id={}", w.tenant));
    assert_eq!(status, 200, "{log}");
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .or_else(|| log.as_array())
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "termination_opened",
        "termination_item_submitted",
        "termination_item_reviewed",
        "deletion_certificate_recorded",
        "deletion_certificate_request_exported",
        "termination_closed",
    ] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
}

#[test]
fn a_late_notice_is_flagged_and_access_is_scoped() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    // One day too late: the deadline for 5/31 is 4/30.
    let (status, case) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/termination-cases"),
        json!({"announced_on": "2026-05-01", "effective_on": "2026-05-31"}),
    );
    assert_eq!(status, 201, "{case}");
    let id = id_of(&case);
    assert_eq!(case["notice"]["on_time"], false);
    assert_eq!(case["notice"]["deadline"], "2026-04-30");
    assert!(
        case["notice"]["message"]
            .as_str()
            .unwrap()
            .contains("行われていません")
    );
    // An effective date before the notice is refused.
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/termination-cases"),
        json!({"announced_on": "2026-06-01", "effective_on": "2026-05-31"}),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "effective_on");

    // A vendor of another organisation sees nothing of it.
    let (_, other) = w.admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "他社クラウド株式会社", "kind": "provider"}),
    );
    let mut stranger = vendor_user(&s, &mut w.admin, &id_of(&other), "other-1");
    for path in [
        format!("/api/v1/termination-cases/{id}"),
        format!("/api/v1/services/{svc}/termination-cases"),
        format!("/api/v1/termination-cases/{id}/certificate-request?format=html"),
    ] {
        let (status, body) = stranger.get(&path);
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, body) = stranger.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/submit"),
        json!({"note": "x"}),
    );
    assert_eq!(status, 404, "{body}");
    // The integrator's user may not touch the provider's items (404) nor
    // open a case (403).
    let mut integ = vendor_user(&s, &mut w.admin, &w.integrator, "integ-2");
    let (status, body) = integ.call(
        "POST",
        &format!("/api/v1/termination-cases/{id}/items/data_deletion/submit"),
        json!({"note": "x"}),
    );
    assert_eq!(status, 404, "{body}");
    let (status, body) = integ.call(
        "POST",
        &format!("/api/v1/services/{svc}/termination-cases"),
        json!({"announced_on": "2026-04-01", "effective_on": "2026-06-30"}),
    );
    assert_eq!(status, 403, "{body}");

    // A viewer reads but every write is 403.
    let tenant = w.tenant.clone();
    let mut viewer = tenant_user(&s, &mut w.admin, &tenant, "viewer-a", "viewer");
    let (status, seen) = viewer.get(&format!("/api/v1/termination-cases/{id}"));
    assert_eq!(status, 200, "{seen}");
    assert_eq!(kinds(&seen).len(), 10);
    let writes = [
        (
            "POST",
            format!("/api/v1/services/{svc}/termination-cases"),
            json!({"announced_on": "2026-04-01", "effective_on": "2026-06-30"}),
        ),
        (
            "POST",
            format!("/api/v1/termination-cases/{id}/items/return_receipt/submit"),
            json!({"note": "x"}),
        ),
        (
            "POST",
            format!("/api/v1/termination-cases/{id}/items/return_receipt/review"),
            json!({"decision": "sign_off"}),
        ),
        (
            "PUT",
            format!("/api/v1/termination-cases/{id}/certificate"),
            json!({"evidence_id": "x", "issued_on": "2026-06-01"}),
        ),
        (
            "POST",
            format!("/api/v1/termination-cases/{id}/close"),
            json!({}),
        ),
    ];
    for (method, path, body) in writes {
        let (status, resp) = viewer.call(method, &path, body);
        assert_eq!(status, 403, "{method} {path}: {resp}");
    }
    // Nothing changed.
    let (_, after) = w.reviewer.get(&format!("/api/v1/termination-cases/{id}"));
    assert!(
        after["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["state"] == "pending")
    );
}

#[test]
fn the_case_page_shows_the_checklist_and_its_forms_act_through_the_api_rules() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    // Opening from the service page's form.
    let (status, location) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/termination-cases"),
        &[
            ("announced_on", "2026-05-01"),
            ("effective_on", "2026-05-31"),
            ("note", ""),
        ],
    );
    assert_eq!(status, 303, "{location}");
    let id = location
        .strip_prefix("/termination-cases/")
        .and_then(|l| l.strip_suffix("?done=opened"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    let page_path = format!("/termination-cases/{id}");
    let (status, page) = html(&mut w.reviewer, &format!("{page_path}?done=opened"));
    assert_eq!(status, 200);
    assert!(page.contains("終了手続を開始しました"), "{page}");
    assert!(page.contains("チェックリスト"));
    assert!(page.contains("返還されたデータの受領と次期システムへの移行の確認"));
    assert!(
        page.contains("1 か月前（2026-04-30）までに行われていません"),
        "{page}"
    );
    let submit_action = format!("action=\"/termination-cases/{id}/items/return_receipt/submit\"");
    let review_action = format!("action=\"/termination-cases/{id}/items/return_receipt/review\"");
    assert!(page.contains(&submit_action));
    assert!(!page.contains(&review_action), "nothing to review yet");

    // A form with a wrong CSRF token changes nothing.
    let (status, _) = form_post_with(
        &w.reviewer,
        "wrong-token",
        &format!("/termination-cases/{id}/items/return_receipt/submit"),
        &[("note", "受領済み"), ("evidence_ids", ""), ("due_on", "")],
    );
    assert_eq!(status, 403);
    let (_, case) = w.reviewer.get(&format!("/api/v1/termination-cases/{id}"));
    assert_eq!(item(&case, "return_receipt")["state"], "pending");

    // Submit, a return without a reason (shown as an error), sign-off.
    let (status, location) = form_post(
        &w.reviewer,
        &format!("/termination-cases/{id}/items/return_receipt/submit"),
        &[
            ("note", "返還データを受領しました"),
            ("evidence_ids", ""),
            ("due_on", "2026-06-10"),
        ],
    );
    assert_eq!(
        (status, location.as_str()),
        (303, format!("{page_path}?done=submitted").as_str())
    );
    let (_, page) = html(&mut w.reviewer, &page_path);
    assert!(page.contains(&review_action), "{page}");
    assert!(page.contains("2026年6月10日"));
    let (status, page) = form_post(
        &w.reviewer,
        &format!("/termination-cases/{id}/items/return_receipt/review"),
        &[("decision", "return"), ("comment", "")],
    );
    assert_eq!(status, 400);
    assert!(page.contains("差し戻す場合は理由"), "{page}");
    let (status, _) = form_post(
        &w.reviewer,
        &format!("/termination-cases/{id}/items/return_receipt/review"),
        &[("decision", "sign_off"), ("comment", "")],
    );
    assert_eq!(status, 303);
    let (_, case) = w.reviewer.get(&format!("/api/v1/termination-cases/{id}"));
    assert_eq!(item(&case, "return_receipt")["state"], "signed_off");

    // Closing from the page is refused while items and the certificate are
    // missing, and says so.
    let (status, page) = form_post(&w.reviewer, &format!("/termination-cases/{id}/close"), &[]);
    assert_eq!(status, 409);
    assert!(page.contains("終了手続を完了できません"), "{page}");
    assert!(page.contains("データ消去証明書が記録されていない"));

    // The provider's user sees only its items and no review forms; a viewer
    // sees every item and no forms.
    let mut prov = vendor_user(&s, &mut w.admin, &w.provider, "prov-ui");
    let (status, page) = html(&mut prov, &page_path);
    assert_eq!(status, 200);
    assert!(page.contains("管理者アカウントの削除・返却"));
    assert!(!page.contains("返還されたデータの受領と次期システムへの移行の確認"));
    assert!(page.contains(&format!(
        "action=\"/termination-cases/{id}/items/admin_accounts/submit\""
    )));
    assert!(!page.contains("/review\""));
    assert!(!page.contains(&format!("action=\"/termination-cases/{id}/close\"")));
    let tenant = w.tenant.clone();
    let mut viewer = tenant_user(&s, &mut w.admin, &tenant, "viewer-ui", "viewer");
    let (status, page) = html(&mut viewer, &page_path);
    assert_eq!(status, 200);
    assert!(page.contains("返還されたデータの受領と次期システムへの移行の確認"));
    assert!(
        !page.contains("<form method=\"post\" action=\"/termination-cases/"),
        "{page}"
    );
    let (status, _) = form_post(
        &viewer,
        &format!("/termination-cases/{id}/items/admin_accounts/submit"),
        &[("note", "x"), ("evidence_ids", ""), ("due_on", "")],
    );
    assert_eq!(status, 403);
    // Another vendor gets 404 for the page.
    let (_, other) = w.admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "他社クラウド株式会社", "kind": "provider"}),
    );
    let mut stranger = vendor_user(&s, &mut w.admin, &id_of(&other), "other-ui");
    let (status, _) = html(&mut stranger, &page_path);
    assert_eq!(status, 404);
}
