//! End-to-end tests of the oversight API (`/api/v1/services/{id}/…`):
//! each test starts the real `kijun serve` on a free port with a fresh data
//! directory and drives it over HTTP with the helpers of `tests/support`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};

mod support;
use support::*;

fn alerts_of(c: &mut Client, path: &str) -> Vec<Value> {
    let (status, list) = c.get(path);
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

#[test]
fn an_incident_investigated_after_25_hours_is_an_alert_of_the_service_and_the_tenant() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    // Investigation 25 h after the occurrence; the municipality told in 2 h.
    let (status, late) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/incidents"),
        json!({
            "occurred_at": "2026-06-01T10:00:00+09:00",
            "reported_to_municipality_at": "2026-06-01T12:00:00+09:00",
            "investigation_started_at": "2026-06-02T11:00:00+09:00",
            "severity": "high",
            "description": "管理画面への不正ログインの疑い",
        }),
    );
    assert_eq!(status, 201, "{late}");
    assert_eq!(late["occurred_at"], "2026-06-01T01:00:00Z");
    assert_eq!(late["organisation_id"], Value::Null);
    let late_id = id_of(&late);
    // Exactly 24 h: on time, no alert.
    let (status, on_time) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/incidents"),
        json!({
            "occurred_at": "2026-07-01T10:00:00+09:00",
            "reported_to_municipality_at": "2026-07-02T10:00:00+09:00",
            "investigation_started_at": "2026-07-02T10:00:00+09:00",
            "severity": "low",
            "description": "誤送信",
        }),
    );
    assert_eq!(status, 201, "{on_time}");

    let service_alerts = alerts_of(&mut w.reviewer, &format!("/api/v1/services/{svc}/alerts"));
    let mine: Vec<&Value> = service_alerts
        .iter()
        .filter(|a| a["kind"] == "incident_investigation_late")
        .collect();
    assert_eq!(mine.len(), 1, "{service_alerts:?}");
    let alert = mine[0];
    assert_eq!(alert["status"], "breached");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["service_id"], svc.as_str());
    assert_eq!(alert["subject"], json!({"kind": "incident", "id": late_id}));
    assert_eq!(alert["deadline"], "2026-06-02T01:00:00Z");
    assert_eq!(alert["fulfilled_at"], "2026-06-02T02:00:00Z");
    assert!(alert["source"].as_str().unwrap().contains("seed-003"));
    assert!(
        alert["message"]
            .as_str()
            .unwrap()
            .contains("2026-06-02 10:00"),
        "{alert}"
    );
    assert!(
        !service_alerts
            .iter()
            .any(|a| a["kind"] == "incident_report_late"),
        "{service_alerts:?}"
    );

    // The tenant's alerts hold the same alert, same dedupe key.
    let tenant_alerts = alerts_of(
        &mut w.reviewer,
        &format!("/api/v1/tenants/{}/alerts", w.tenant),
    );
    assert!(
        tenant_alerts
            .iter()
            .any(|a| a["dedupe_key"] == alert["dedupe_key"] && a["kind"] == alert["kind"]),
        "{tenant_alerts:?}"
    );
    // Filters.
    let filtered = alerts_of(
        &mut w.reviewer,
        &format!(
            "/api/v1/tenants/{}/alerts?kind=incident_investigation_late&status=pending",
            w.tenant
        ),
    );
    assert!(filtered.is_empty(), "{filtered:?}");
    let (status, body) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/alerts?kind=late"));
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("kind"))
    );

    // The record, its change and the log.
    let (status, got) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/incidents/{late_id}"));
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["description"], "管理画面への不正ログインの疑い");
    let mut fixed = got.clone();
    for meta in [
        "id",
        "service_id",
        "organisation_id",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ] {
        fixed.as_object_mut().unwrap().remove(meta);
    }
    fixed["investigation_started_at"] = json!("2026-06-02T10:00:00+09:00");
    let (status, updated) = w.reviewer.call(
        "PUT",
        &format!("/api/v1/services/{svc}/incidents/{late_id}"),
        fixed,
    );
    assert_eq!(status, 200, "{updated}");
    let after = alerts_of(
        &mut w.reviewer,
        &format!("/api/v1/services/{svc}/alerts?kind=incident_investigation_late"),
    );
    assert!(
        after.is_empty(),
        "exactly 24 h after the correction: {after:?}"
    );
    let (status, entries) = w
        .admin
        .get(&format!("/api/v1/audit?tenant_id={}", w.tenant));
    assert_eq!(status, 200, "{entries}");
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("oversight_"))
            .collect::<Vec<_>>(),
        [
            &"oversight_record_created",
            &"oversight_record_created",
            &"oversight_record_updated"
        ]
    );
    // Bad times name their field.
    let (status, body) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/incidents"),
        json!({"occurred_at": "2026-06-01T10:00:00+09:00", "closed_at": "2026-06-01T09:00:00+09:00",
               "severity": "low", "description": "x"}),
    );
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("closed_at")),
        "{body}"
    );
}

/// A valid body of a record of the collection `coll` (`item`: a plan
/// item's id, for plan statuses).
fn record_body(coll: &str, item: &str) -> Value {
    match coll {
        "outages" => {
            json!({"start": "2026-05-10T01:00:00+09:00", "detected_by": "manual", "description": "停止"})
        }
        "inquiries" => {
            json!({"asked_at": "2026-05-10T10:00:00+09:00", "asked_by": "情報政策課", "content": "質問"})
        }
        "incidents" => {
            json!({"occurred_at": "2026-05-10T01:00:00+09:00", "severity": "low", "description": "x"})
        }
        "notices" => {
            json!({"kind": "change", "announced_on": "2026-04-01", "effective_on": "2026-05-01", "content": "x"})
        }
        "plan-items" => json!({"title": "脆弱性診断"}),
        "plan-status" => json!({"item_id": item, "month": "2026-05", "status": "done"}),
        _ => json!({"kind": "risk", "title": "x", "status": "open", "raised_on": "2026-05-01"}),
    }
}

/// Every oversight operation of a service with a valid request body, its
/// path filled in: `(method, path, body)`. Imports send CSV.
fn service_operations(
    svc: &str,
    rid_of: &dyn Fn(&str) -> String,
) -> Vec<(String, String, Option<Value>)> {
    let collections = [
        "outages",
        "inquiries",
        "incidents",
        "notices",
        "plan-items",
        "plan-status",
        "issues",
    ];
    let mut out = Vec::new();
    for (method, path) in kijun_web::openapi::operations() {
        let Some(rest) = path.strip_prefix("/api/v1/services/{id}/") else {
            continue;
        };
        let coll = rest.split('/').next().unwrap_or_default();
        let oversight = collections.contains(&coll)
            || ["deliverables", "sla-settings", "sla", "alerts"].contains(&coll);
        if !oversight {
            continue;
        }
        let filled = path
            .replace("{id}", svc)
            .replace("{rid}", &rid_of(coll))
            .replace("{kind}", "monthly_report")
            .replace("{period}", "2026-05")
            .replace("{version}", "1")
            .replace("{month}", "2026-05");
        let body = match method {
            "GET" | "DELETE" => None,
            _ if rest.ends_with("/import") => Some(Value::String("x".into())),
            _ if rest.ends_with("/review") => Some(json!({"decision": "accept"})),
            _ if rest.ends_with("/versions") => Some(json!({"note": "第1版"})),
            _ if coll == "deliverables" => Some(json!({"due": "2026-06-30"})),
            _ if coll == "sla-settings" => Some(json!({})),
            _ => Some(record_body(coll, &rid_of("plan-items"))),
        };
        out.push((method.to_owned(), filled, body));
    }
    out
}

fn send_op(c: &mut Client, method: &str, path: &str, body: &Option<Value>) -> (u16, Value) {
    match body {
        Some(Value::String(_)) if path.ends_with("/import") => c.csv(
            path,
            "start,detected_by,description\n2026-05-10 01:00,manual,停止\n",
        ),
        Some(b) => c.call(method, path, b.clone()),
        None => c.send(method, path, None, ""),
    }
}

#[test]
fn vendors_of_other_organisations_get_404_and_viewers_403_on_writes() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let (_, other) = w.admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "別会社", "kind": "provider"}),
    );
    let other = id_of(&other);
    let mut prov = vendor_user(&s, &mut w.admin, &w.provider, "prov1");
    let mut integ = vendor_user(&s, &mut w.admin, &w.integrator, "integ1");
    let mut stranger = vendor_user(&s, &mut w.admin, &other, "other1");
    let mut viewer = tenant_user(&s, &mut w.admin, &w.tenant, "viewer-a", "viewer");

    // One record of every kind, by staff; the provider files an outage.
    let mut ids: std::collections::HashMap<String, String> = Default::default();
    for coll in [
        "outages",
        "inquiries",
        "incidents",
        "notices",
        "plan-items",
        "issues",
        "plan-status",
    ] {
        let item = ids.get("plan-items").cloned().unwrap_or_default();
        let body = record_body(coll, &item);
        let (status, r) = w
            .reviewer
            .call("POST", &format!("/api/v1/services/{svc}/{coll}"), body);
        assert_eq!(status, 201, "{coll}: {r}");
        ids.insert(coll.to_owned(), id_of(&r));
    }
    let (status, outage) = prov.call(
        "POST",
        &format!("/api/v1/services/{svc}/outages"),
        json!({"start": "2026-05-20T01:00:00+09:00", "end": "2026-05-20T02:00:00+09:00",
               "detected_by": "monitoring", "description": "提供者が記録した停止"}),
    );
    assert_eq!(status, 201, "{outage}");
    assert_eq!(outage["organisation_id"], w.provider.as_str());
    let prov_outage = id_of(&outage);
    let rid_of = |coll: &str| ids.get(coll).cloned().unwrap_or_else(|| "none".into());

    // A vendor of another organisation: 404 on every operation.
    let ops = service_operations(&svc, &rid_of);
    assert!(ops.len() >= 50, "{}", ops.len());
    for (method, path, body) in &ops {
        let (status, resp) = send_op(&mut stranger, method, path, body);
        assert_eq!(status, 404, "{method} {path}: {resp}");
        assert_eq!(resp["error"]["code"], "not_found");
    }
    assert_eq!(
        stranger
            .get(&format!("/api/v1/tenants/{}/alerts", w.tenant))
            .0,
        404
    );

    // A viewer reads everything and gets 403 on every write.
    for (method, path, body) in &ops {
        let (status, resp) = send_op(&mut viewer, method, path, body);
        if method == "GET" {
            assert_eq!(status, 200, "{method} {path}: {resp}");
        } else {
            assert_eq!(status, 403, "{method} {path}: {resp}");
        }
    }
    assert_eq!(
        viewer
            .get(&format!("/api/v1/tenants/{}/alerts", w.tenant))
            .0,
        200
    );

    // The integrator sees the staff's records, not the provider's, and
    // cannot change the municipality's records.
    let (status, list) = integ.get(&format!("/api/v1/services/{svc}/outages"));
    assert_eq!(status, 200);
    let seen: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(seen, [ids["outages"].as_str()]);
    assert_eq!(
        integ
            .get(&format!("/api/v1/services/{svc}/outages/{prov_outage}"))
            .0,
        404
    );
    let (status, _) = integ.call(
        "PUT",
        &format!("/api/v1/services/{svc}/outages/{}", ids["outages"]),
        json!({"start": "2026-05-10T01:00:00+09:00", "detected_by": "manual", "description": "書き換え"}),
    );
    assert_eq!(status, 403, "staff records are read-only to vendors");
    let (status, _) = integ.call(
        "POST",
        &format!("/api/v1/services/{svc}/notices"),
        json!({"kind": "change", "announced_on": "2026-04-01", "effective_on": "2026-05-01", "content": "x"}),
    );
    assert_eq!(status, 403, "notices are kept by the municipality");
    assert_eq!(
        integ.get(&format!("/api/v1/tenants/{}/alerts", w.tenant)).0,
        404
    );

    // The provider edits its own outage but deletes nothing.
    let (status, edited) = prov.call(
        "PUT",
        &format!("/api/v1/services/{svc}/outages/{prov_outage}"),
        json!({"start": "2026-05-20T01:00:00+09:00", "end": "2026-05-20T03:00:00+09:00",
               "detected_by": "monitoring", "description": "提供者が記録した停止", "permanent_fix": "冗長化"}),
    );
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["permanent_fix"], "冗長化");
    assert_eq!(
        prov.send(
            "DELETE",
            &format!("/api/v1/services/{svc}/outages/{prov_outage}"),
            None,
            ""
        )
        .0,
        403
    );

    // Deliverables: the provider submits a version, cannot accept it; the
    // reviewer accepts it.
    let report = format!("/api/v1/services/{svc}/deliverables/monthly_report/2026-05");
    let (status, v1) = prov.call(
        "POST",
        &format!("{report}/versions"),
        json!({"note": "5月分", "checklist": {"usage": true}, "improvement_plan": "監視間隔の短縮"}),
    );
    assert_eq!(status, 201, "{v1}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["data"]["checklist"]["inquiries"], false);
    let review = format!("{report}/versions/1/review");
    assert_eq!(
        prov.call("POST", &review, json!({"decision": "accept"})).0,
        403
    );
    let (status, body) = w
        .reviewer
        .call("POST", &review, json!({"decision": "return"}));
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("comment"))
    );
    let (status, accepted) = w
        .reviewer
        .call("POST", &review, json!({"decision": "accept"}));
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["state"], "accepted");
    let (status, d) = prov.get(&report);
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["state"], "accepted");
    assert_eq!(d["versions"].as_array().unwrap().len(), 1);
    let (status, d) = integ.get(&report);
    assert_eq!(status, 200);
    assert!(
        d["versions"].as_array().unwrap().is_empty(),
        "the integrator does not see the provider's versions"
    );
    let (status, bad) = prov.call(
        "POST",
        &format!("/api/v1/services/{svc}/deliverables/audit_report/2026-05/versions"),
        json!({}),
    );
    assert_eq!(
        (status, bad["error"]["field"].as_str()),
        (400, Some("period"))
    );
    assert_eq!(
        prov.call(
            "POST",
            &format!("/api/v1/services/{svc}/deliverables/nonsense/once/versions"),
            json!({})
        )
        .0,
        404
    );

    // Another tenant's reviewer: 404.
    let (_, tb) = w.admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-b", "name": "B市"}),
    );
    let mut outsider = tenant_user(&s, &mut w.admin, &id_of(&tb), "reviewer-b", "reviewer");
    for (method, path, body) in ops.iter().take(12) {
        assert_eq!(send_op(&mut outsider, method, path, body).0, 404, "{path}");
    }
    assert_eq!(
        outsider
            .get(&format!("/api/v1/tenants/{}/alerts", w.tenant))
            .0,
        404
    );
}

#[test]
fn a_csv_import_with_bad_rows_reports_each_row_and_column_and_stores_nothing() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let import = format!("/api/v1/services/{svc}/outages/import");
    let bad = "発生日時,復旧日時,重大障害,検知,内容\n\
               2026-05-10 01:00,2026-05-10 07:00,はい,監視,全機能停止\n\
               2026-05-32 01:00,,いいえ,監視,画面の遅延\n\
               2026-05-12 09:00,2026-05-12 08:00,x,電話,\n";
    let (status, body) = w.reviewer.csv(&import, bad);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_csv");
    let problems: Vec<(i64, &str, &str, &str)> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap_or(""),
                p["heading"].as_str().unwrap_or(""),
                p["value"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (3, "A", "start", "2026-05-32 01:00"),
            (4, "C", "major", "x"),
            (4, "D", "detected_by", "電話"),
            (4, "E", "description", ""),
        ],
        "{body}"
    );
    // Nothing was stored, nothing logged.
    let (status, list) = w.reviewer.get(&format!("/api/v1/services/{svc}/outages"));
    assert_eq!((status, list), (200, json!([])));
    let (_, entries) = w
        .admin
        .get(&format!("/api/v1/audit?tenant_id={}", w.tenant));
    assert!(
        !entries
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "oversight_records_imported")
    );
    // A cross-field problem names its column too.
    let (status, body) = w.reviewer.csv(
        &import,
        "start,end,detected_by,description\n2026-05-12 09:00,2026-05-12 08:00,manual,逆転\n",
    );
    assert_eq!(status, 400);
    assert_eq!(body["error"]["problems"][0]["row"], 2);
    assert_eq!(body["error"]["problems"][0]["heading"], "end");
    // Not CSV, not UTF-8.
    let (status, _) = w
        .reviewer
        .send("POST", &import, Some("start\n".into()), "application/json");
    assert_eq!(status, 415);
    let mut latin1 = Vec::from(&b"start,detected_by,description\n2026-05-10 01:00,manual,"[..]);
    latin1.push(0xe9);
    let (status, body) = w.reviewer.raw(&import, latin1, "text/csv");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_csv");
    assert!(
        body["error"]["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8"),
        "{body}"
    );

    // The good file: every row in one go.
    let good = "start,end,major,detected_by,description\n\
                2026-05-10 01:00,2026-05-10 07:00,true,monitoring,全機能停止\n\
                2026-05-12T09:00:00+09:00,,false,manual,\"画面の遅延, 一部\"\n";
    let (status, body) = w.reviewer.csv(&import, good);
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["imported"], 2);
    let (_, list) = w.reviewer.get(&format!("/api/v1/services/{svc}/outages"));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["start"], "2026-05-09T16:00:00Z");
    assert_eq!(list[1]["description"], "画面の遅延, 一部");
    let (_, open) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/outages?open=true"));
    assert_eq!(open.as_array().unwrap().len(), 1);

    // Plan statuses name their item by title; a duplicate month is a row problem.
    let (_, item) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/plan-items"),
        json!({"title": "脆弱性診断"}),
    );
    let status_import = format!("/api/v1/services/{svc}/plan-status/import");
    let (status, body) = w.reviewer.csv(
        &status_import,
        "項目,対象月,実施状況\n脆弱性診断,2026-04,実施済み\n脆弱性診断,2026/4,遅延\n不明な項目,2026-05,予定\n",
    );
    assert_eq!(status, 400, "{body}");
    let rows: Vec<i64> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4], "{body}");
    let (status, body) = w.reviewer.csv(
        &status_import,
        "item_id,month,status\n脆弱性診断,2026-04,done\n",
    );
    assert_eq!(status, 201, "{body}");
    let (_, statuses) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/plan-status"));
    assert_eq!(statuses[0]["item_id"], item["id"]);
    // The item cannot be deleted while a status refers to it.
    let (status, _) = w.reviewer.send(
        "DELETE",
        &format!(
            "/api/v1/services/{svc}/plan-items/{}",
            item["id"].as_str().unwrap()
        ),
        None,
        "",
    );
    assert_eq!(status, 409);

    // The month's SLA: 6 h exactly is on time.
    let (status, may) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/sla/2026-05"));
    assert_eq!(status, 200, "{may}");
    assert_eq!(may["complete"], true);
    // 6 h exactly is on time; only availability was missed.
    let targets: Vec<&str> = may["misses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["availability"], "{may}");
    let (_, entries) = w
        .admin
        .get(&format!("/api/v1/audit?tenant_id={}", w.tenant));
    assert_eq!(
        entries
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "oversight_records_imported")
            .count(),
        2
    );
}

#[test]
fn sla_settings_and_deliverable_due_dates_drive_the_alerts() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let (status, defaults) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/sla-settings"));
    assert_eq!(status, 200);
    assert_eq!(
        defaults["targets"]["availability"],
        json!({"numerator": 499, "denominator": 5})
    );
    assert_eq!(defaults["monthly_report_open_day"], 10);
    let (status, body) = w.reviewer.call(
        "PUT",
        &format!("/api/v1/services/{svc}/sla-settings"),
        json!({"monthly_report_open_day": 30}),
    );
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("monthly_report_open_day"))
    );
    let (status, body) = w.reviewer.call(
        "PUT",
        &format!("/api/v1/services/{svc}/sla-settings"),
        json!({"targets": {"max_recovery": "PT4H"}, "closed_days": [{"kind": "annual", "month": 6, "day": 23, "name": "慰霊の日"}]}),
    );
    assert_eq!(status, 200, "{body}");
    // A 5-hour major failure misses the 4-hour target: May's report needs
    // an improvement plan (May 2026's report is due 2026-06-12, long past).
    let (status, _) = w.reviewer.call(
        "POST",
        &format!("/api/v1/services/{svc}/outages"),
        json!({"start": "2026-05-10T01:00:00+09:00", "end": "2026-05-10T06:00:00+09:00", "major": true,
               "detected_by": "monitoring", "description": "DB 障害"}),
    );
    assert_eq!(status, 201);
    let plans = alerts_of(
        &mut w.reviewer,
        &format!("/api/v1/services/{svc}/alerts?kind=improvement_plan_required"),
    );
    assert_eq!(plans.len(), 1, "{plans:?}");
    assert_eq!(plans[0]["status"], "breached");
    assert_eq!(plans[0]["deadline_date"], "2026-06-12");
    assert!(
        plans[0]["details"]["misses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["target"] == "recovery"),
        "{plans:?}"
    );
    // The reviewer sets a concrete due date; a report with a plan clears it.
    let report = format!("/api/v1/services/{svc}/deliverables/monthly_report/2026-05");
    let (status, d) = w.reviewer.call(
        "PUT",
        &report,
        json!({"due": "2026-06-05", "note": "契約の期日"}),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        (d["due"].as_str(), d["due_set_by_reviewer"].as_bool()),
        (Some("2026-06-05"), Some(true))
    );
    assert_eq!(d["state"], "missing");
    let missing = alerts_of(
        &mut w.reviewer,
        &format!("/api/v1/services/{svc}/alerts?kind=deliverable_missing"),
    );
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["subject"]["id"], "monthly_report/2026-05");
    let (status, v) = w.reviewer.call(
        "POST",
        &format!("{report}/versions"),
        json!({"improvement_plan": "フェイルオーバー手順の見直し"}),
    );
    assert_eq!(status, 201, "{v}");
    let after = alerts_of(&mut w.reviewer, &format!("/api/v1/services/{svc}/alerts"));
    let kinds: Vec<&str> = after.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["deliverable_late"], "{after:?}");
    let (status, list) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/deliverables"));
    assert_eq!(status, 200);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "implementation_plan"
                && d["checklist"].as_array().unwrap().len() == 11),
        "{list}"
    );
}

#[test]
fn an_excel_import_is_checked_like_csv_and_stored_all_or_nothing() {
    use kijun_exchange::testing::{TestCell as C, workbook};
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let import = format!("/api/v1/services/{svc}/outages/import");
    let header = || {
        vec![
            C::Text("発生日時"),
            C::Text("復旧日時"),
            C::Text("重大障害"),
            C::Text("検知"),
            C::Text("内容"),
        ]
    };
    // Real Excel date-time cells, a boolean cell, Japanese labels; row 3 is
    // bad (recovered before it started) and row 4 has an unknown choice.
    let bad = workbook(
        "障害記録",
        &[
            header(),
            vec![
                C::DateTime("2026-05-10 01:00:00"),
                C::DateTime("2026-05-10 07:00:00"),
                C::Bool(true),
                C::Text("監視"),
                C::Text("全機能停止"),
            ],
            vec![
                C::DateTime("2026-05-12 09:00:00"),
                C::DateTime("2026-05-12 08:00:00"),
                C::Bool(false),
                C::Text("電話連絡"),
                C::Text("逆転"),
            ],
        ],
    );
    let (status, body) = w
        .reviewer
        .raw(&import, bad, kijun_exchange::XLSX_MEDIA_TYPE);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_csv");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .all(|p| p["sheet"] == "障害記録" && p["row"] == 3),
        "{body}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p["heading"] == "detected_by" && p["value"] == "電話連絡"),
        "{body}"
    );
    let (_, list) = w.reviewer.get(&format!("/api/v1/services/{svc}/outages"));
    assert_eq!(list, json!([]), "nothing stored");
    // Not a workbook at all.
    let (status, body) = w.reviewer.raw(
        &import,
        b"start\n".to_vec(),
        kijun_exchange::XLSX_MEDIA_TYPE,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_csv")),
        "{body}"
    );

    let good = workbook(
        "障害記録",
        &[
            header(),
            vec![
                C::DateTime("2026-05-10 01:00:00"),
                C::DateTime("2026-05-10 07:00:00"),
                C::Bool(true),
                C::Text("監視"),
                C::Text("全機能停止"),
            ],
            vec![
                C::DateTime("2026-05-12 09:00:00"),
                C::Empty,
                C::Number(0.0),
                C::Text("manual"),
                C::Text("画面の遅延"),
            ],
        ],
    );
    let (status, body) = w
        .reviewer
        .raw(&import, good, kijun_exchange::XLSX_MEDIA_TYPE);
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["imported"], 2);
    let (_, list) = w.reviewer.get(&format!("/api/v1/services/{svc}/outages"));
    let list = list.as_array().unwrap();
    // Excel keeps no zone: the cells are Japan time.
    assert_eq!(list[0]["start"], "2026-05-09T16:00:00Z");
    assert_eq!(list[0]["end"], "2026-05-09T22:00:00Z");
    assert_eq!(list[0]["major"], true);
    assert_eq!(list[1]["major"], false);
    assert_eq!(list[1]["end"], Value::Null);
}
