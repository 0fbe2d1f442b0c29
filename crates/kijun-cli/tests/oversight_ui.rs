//! End-to-end tests of the oversight screens (`/services/{id}/oversight`
//! and a deliverable's page): the real `kijun serve` on a free port with a
//! fresh data directory, driven over HTTP with plain form posts as a
//! browser sends them (the hidden CSRF token, no CSRF header). Records of
//! every kind created through the forms appear on the page and equal what
//! the API returns; the update forms close an outage, answer an inquiry
//! and record an incident's times; an invalid form is shown again with the
//! error at its field and stores nothing; viewers get no forms and 403,
//! vendors file only what the API lets them, strangers get 404; a wrong
//! CSRF token is refused; deliverable versions are submitted, returned and
//! accepted through the forms.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{
    Client, TestServer, form_post, form_post_with, html, id_of, tenant_user, vendor_user, world,
};

/// The service's records of a kind, as the API lists them.
fn api_list(c: &mut Client, svc: &str, collection: &str) -> Vec<Value> {
    let (status, list) = c.get(&format!("/api/v1/services/{svc}/{collection}"));
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

/// Posts a create form and expects the redirect back to the page.
fn create(c: &Client, svc: &str, collection: &str, fields: &[(&str, &str)]) {
    let (status, location) = form_post(
        c,
        &format!("/services/{svc}/oversight/{collection}"),
        fields,
    );
    assert_eq!(status, 303, "{collection}: {location}");
    assert_eq!(
        location,
        format!("/services/{svc}/oversight?done=created&kind={collection}#{collection}")
    );
}

/// The only record of a kind, after checking there is exactly one.
fn only(c: &mut Client, svc: &str, collection: &str) -> Value {
    let list = api_list(c, svc, collection);
    assert_eq!(list.len(), 1, "{collection}: {list:?}");
    list[0].clone()
}

/// A GET without following the redirect: the status and `Location`.
fn redirect_of(c: &Client, path: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut req = ureq::http::Request::builder().uri(format!("{}{path}", c.base));
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie.as_str());
    }
    let resp = agent.run(req.body(()).unwrap()).unwrap();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (resp.status().as_u16(), location)
}

#[test]
fn records_created_and_updated_through_the_forms_equal_the_api_and_show_on_the_page() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let page_path = format!("/services/{svc}/oversight");

    // The service page links to the oversight page.
    let (status, service_page) = html(&mut w.reviewer, &format!("/services/{svc}"));
    assert_eq!(status, 200);
    assert!(
        service_page.contains(&format!("href=\"{page_path}\"")),
        "{service_page}"
    );

    let (status, page) = html(&mut w.reviewer, &page_path);
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<h1>運用監督: 電子申請システム</h1>"),
        "{page}"
    );
    for c in [
        "outages",
        "inquiries",
        "incidents",
        "notices",
        "plan-items",
        "issues",
    ] {
        assert!(
            page.contains(&format!("action=\"/services/{svc}/oversight/{c}\"")),
            "create form of {c}"
        );
    }
    // No plan status form before there is a plan item.
    assert!(!page.contains(&format!("action=\"/services/{svc}/oversight/plan-status\"")));
    assert!(page.contains("先にセキュリティ対策実施計画の項目を登録してください"));
    assert!(page.contains("現在のアラートはありません"));

    // Outage (Asia/Tokyo local times from datetime-local controls).
    create(
        &w.reviewer,
        &svc,
        "outages",
        &[
            ("start", "2026-05-11T01:00"),
            ("end", ""),
            ("major", "true"),
            ("cause", ""),
            ("countermeasure", ""),
            ("permanent_fix", ""),
            ("detected_by", "monitoring"),
            ("description", "全機能停止"),
        ],
    );
    let outage = only(&mut w.reviewer, &svc, "outages");
    assert_eq!(outage["start"], "2026-05-10T16:00:00Z");
    assert_eq!(outage["end"], Value::Null);
    assert_eq!(outage["major"], true);
    assert_eq!(outage["justified"], false);
    assert_eq!(outage["detected_by"], "monitoring");
    assert_eq!(outage["description"], "全機能停止");
    assert_eq!(outage["organisation_id"], Value::Null);

    // Inquiry, incident, notice, plan item, issue.
    create(
        &w.reviewer,
        &svc,
        "inquiries",
        &[
            ("asked_at", "2026-05-12T09:30:15"),
            ("asked_by", "情報政策課 山田"),
            ("content", "ログの保存期間は？"),
            ("first_answered_at", ""),
            ("answered_by", ""),
            ("answer", ""),
        ],
    );
    let inquiry = only(&mut w.reviewer, &svc, "inquiries");
    assert_eq!(inquiry["asked_at"], "2026-05-12T00:30:15Z");
    assert_eq!(inquiry["asked_by"], "情報政策課 山田");
    assert_eq!(inquiry["first_answered_at"], Value::Null);
    create(
        &w.reviewer,
        &svc,
        "incidents",
        &[
            ("occurred_at", "2026-05-01T10:00"),
            ("detected_at", "2026-05-01T11:00"),
            ("suspicion_reported_at", ""),
            ("reported_to_municipality_at", ""),
            ("investigation_started_at", "2026-05-03T10:00"),
            ("contained_at", ""),
            ("recovered_at", ""),
            ("closed_at", ""),
            ("severity", "high"),
            ("impact", "管理画面"),
            ("description", "不正ログインの疑い"),
        ],
    );
    let incident = only(&mut w.reviewer, &svc, "incidents");
    assert_eq!(incident["occurred_at"], "2026-05-01T01:00:00Z");
    assert_eq!(incident["investigation_started_at"], "2026-05-03T01:00:00Z");
    assert_eq!(incident["severity"], "high");
    assert_eq!(incident["logs_provided"], false);
    create(
        &w.reviewer,
        &svc,
        "notices",
        &[
            ("kind", "change"),
            ("announced_on", "2026-05-20"),
            ("effective_on", "2026-06-01"),
            ("content", "画面の変更"),
            ("method", "メール"),
        ],
    );
    let notice = only(&mut w.reviewer, &svc, "notices");
    assert_eq!(notice["announced_on"], "2026-05-20");
    assert_eq!(notice["effective_on"], "2026-06-01");
    assert_eq!(notice["kind"], "change");
    create(
        &w.reviewer,
        &svc,
        "plan-items",
        &[("title", "脆弱性診断"), ("description", "年2回")],
    );
    let item = only(&mut w.reviewer, &svc, "plan-items");
    assert_eq!(item["title"], "脆弱性診断");
    let item_id = id_of(&item);
    let (_, page) = html(&mut w.reviewer, &page_path);
    assert!(
        page.contains(&format!("<option value=\"{item_id}\">脆弱性診断</option>")),
        "{page}"
    );
    create(
        &w.reviewer,
        &svc,
        "plan-status",
        &[
            ("item_id", &item_id),
            ("month", "2026-05"),
            ("status", "delayed"),
            ("note", "6月に延期"),
        ],
    );
    let status_rec = only(&mut w.reviewer, &svc, "plan-status");
    assert_eq!(status_rec["item_id"], item_id.as_str());
    assert_eq!(status_rec["month"], "2026-05");
    assert_eq!(status_rec["status"], "delayed");
    create(
        &w.reviewer,
        &svc,
        "issues",
        &[
            ("kind", "risk"),
            ("title", "担当者の退職"),
            ("description", ""),
            ("status", "open"),
            ("owner", "情報政策課"),
            ("due", "2026-07-31"),
            ("raised_on", "2026-05-15"),
        ],
    );
    let issue = only(&mut w.reviewer, &svc, "issues");
    assert_eq!(issue["kind"], "risk");
    assert_eq!(issue["due"], "2026-07-31");
    assert_eq!(issue["raised_on"], "2026-05-15");

    // Every record is on the page, with its API id and Japanese dates.
    let (status, page) = html(
        &mut w.reviewer,
        &format!("{page_path}?done=created&kind=issues"),
    );
    assert_eq!(status, 200);
    assert!(page.contains("課題・リスクを登録しました"), "{page}");
    for r in [
        &outage,
        &inquiry,
        &incident,
        &notice,
        &item,
        &status_rec,
        &issue,
    ] {
        assert!(page.contains(&format!("id=\"record-{}\"", id_of(r))), "{r}");
    }
    for text in [
        "2026年5月11日 01:00",
        "全機能停止",
        "継続中",
        "2026年5月12日 09:30",
        "未回答",
        "不正ログインの疑い",
        "2026年5月20日",
        "2026年6月1日",
        "<th scope=\"row\">変更</th>",
        "pre-line;\">2026年5月</td>",
        "pre-line;\">遅延</td>",
        "担当者の退職",
        "<th scope=\"row\">リスク</th>",
        "2026年7月31日",
        "pre-line;\">監視</td>",
        "pre-line;\">高</td>",
    ] {
        assert!(page.contains(text), "{text} missing");
    }
    // The plan item's row and its status's row (the item by its title).
    assert_eq!(page.matches("<th scope=\"row\">脆弱性診断</th>").count(), 2);
    // The incident's investigation started more than 24 hours late: the
    // alert is at the top.
    assert!(page.contains("インシデントの調査開始の遅れ"), "{page}");
    assert!(page.contains("期限超過"));
    // Update forms for the outage, inquiry and incident, filled in.
    for (c, r) in [
        ("outages", &outage),
        ("inquiries", &inquiry),
        ("incidents", &incident),
    ] {
        assert!(
            page.contains(&format!(
                "action=\"/services/{svc}/oversight/{c}/{}\"",
                id_of(r)
            )),
            "update form of {c}"
        );
    }
    assert!(
        page.contains("value=\"2026-05-03T10:00:00\""),
        "incident time in the form"
    );

    // Closing the outage, answering the inquiry, closing the incident.
    let oid = id_of(&outage);
    let (status, location) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/outages/{oid}"),
        &[
            ("end", "2026-05-11T07:00"),
            ("cause", "ディスク障害"),
            ("countermeasure", "交換"),
            ("permanent_fix", "監視の強化"),
        ],
    );
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        location,
        format!("/services/{svc}/oversight?done=updated&kind=outages#outages")
    );
    let closed = only(&mut w.reviewer, &svc, "outages");
    assert_eq!(closed["end"], "2026-05-10T22:00:00Z");
    assert_eq!(closed["cause"], "ディスク障害");
    assert_eq!(closed["start"], outage["start"], "other fields kept");
    assert_eq!(closed["major"], true);
    assert_eq!(closed["description"], "全機能停止");
    let qid = id_of(&inquiry);
    let (status, _) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/inquiries/{qid}"),
        &[
            ("first_answered_at", "2026-05-12T10:00"),
            ("answered_by", "クラウド株式会社 佐藤"),
            ("answer", "1年間です"),
        ],
    );
    assert_eq!(status, 303);
    let answered = only(&mut w.reviewer, &svc, "inquiries");
    assert_eq!(answered["first_answered_at"], "2026-05-12T01:00:00Z");
    assert_eq!(answered["answer"], "1年間です");
    assert_eq!(answered["asked_at"], inquiry["asked_at"], "seconds kept");
    let iid = id_of(&incident);
    let (status, _) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/incidents/{iid}"),
        &[
            ("detected_at", "2026-05-01T11:00:00"),
            ("suspicion_reported_at", ""),
            ("reported_to_municipality_at", "2026-05-01T12:00"),
            ("investigation_started_at", "2026-05-03T10:00:00"),
            ("contained_at", "2026-05-04T10:00"),
            ("recovered_at", "2026-05-05T10:00"),
            ("closed_at", "2026-05-06T10:00"),
            ("logs_provided", "true"),
        ],
    );
    assert_eq!(status, 303);
    let done = only(&mut w.reviewer, &svc, "incidents");
    assert_eq!(done["closed_at"], "2026-05-06T01:00:00Z");
    assert_eq!(done["reported_to_municipality_at"], "2026-05-01T03:00:00Z");
    assert_eq!(done["logs_provided"], true);
    assert_eq!(done["severity"], "high", "other fields kept");
    let (_, page) = html(&mut w.reviewer, &page_path);
    for text in [
        "復旧済み",
        "回答済み",
        "ディスク障害",
        "1年間です",
        "2026年5月6日 10:00",
    ] {
        assert!(page.contains(text), "{text} missing");
    }
    assert!(!page.contains("継続中"));
    assert!(!page.contains("未回答"));

    // Invalid forms are shown again with the error at the field, keep what
    // was entered and store nothing.
    let (status, page) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/outages"),
        &[
            ("start", "2026-06-01T10:00"),
            ("end", "2026-06-01T09:00"),
            ("detected_by", "manual"),
            ("description", "二件目の停止"),
        ],
    );
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("id=\"new-outages-end-error\""), "{page}");
    assert!(page.contains("復旧日時 (end) が発生日時 (start) より前です"));
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("二件目の停止"), "what was entered is kept");
    assert_eq!(api_list(&mut w.reviewer, &svc, "outages").len(), 1);
    let (status, page) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/inquiries"),
        &[
            ("asked_at", "2026-06-01T10:00"),
            ("asked_by", ""),
            ("content", "質問"),
        ],
    );
    assert_eq!(status, 400);
    assert!(
        page.contains("id=\"new-inquiries-asked_by-error\""),
        "{page}"
    );
    assert!(page.contains("問合せ者を入力してください"));
    assert_eq!(api_list(&mut w.reviewer, &svc, "inquiries").len(), 1);
    let (status, page) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/notices"),
        &[
            ("kind", "termination"),
            ("announced_on", "2026-02-30"),
            ("effective_on", "2026-06-01"),
            ("content", "終了"),
        ],
    );
    assert_eq!(status, 400);
    assert!(
        page.contains("id=\"new-notices-announced_on-error\""),
        "{page}"
    );
    assert_eq!(api_list(&mut w.reviewer, &svc, "notices").len(), 1);
    // The same plan item and month twice: the API's conflict.
    let (status, page) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/plan-status"),
        &[
            ("item_id", &item_id),
            ("month", "2026-05"),
            ("status", "done"),
        ],
    );
    assert_eq!(status, 409, "{page}");
    assert_eq!(api_list(&mut w.reviewer, &svc, "plan-status").len(), 1);
    // An update that breaks the order of times changes nothing.
    let (status, page) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/outages/{oid}"),
        &[("end", "2026-05-10T07:00"), ("cause", "別の原因")],
    );
    assert_eq!(status, 400);
    assert!(
        page.contains(&format!("id=\"edit-{oid}-end-error\"")),
        "{page}"
    );
    assert!(page.contains("<details open>"));
    let unchanged = only(&mut w.reviewer, &svc, "outages");
    assert_eq!(unchanged["end"], "2026-05-10T22:00:00Z");
    assert_eq!(unchanged["cause"], "ディスク障害");

    // A wrong CSRF token is refused and stores nothing.
    let (status, _) = form_post_with(
        &w.reviewer,
        "wrong-token",
        &format!("/services/{svc}/oversight/issues"),
        &[
            ("kind", "issue"),
            ("title", "CSRF"),
            ("status", "open"),
            ("raised_on", "2026-05-15"),
        ],
    );
    assert_eq!(status, 403);
    assert_eq!(api_list(&mut w.reviewer, &svc, "issues").len(), 1);
    let (status, _) = form_post_with(
        &w.reviewer,
        "wrong-token",
        &format!("/services/{svc}/oversight/outages/{oid}"),
        &[("end", ""), ("cause", "")],
    );
    assert_eq!(status, 403);
    assert_eq!(
        only(&mut w.reviewer, &svc, "outages")["end"],
        "2026-05-10T22:00:00Z"
    );

    // Removal (staff): a plan item with a status is refused as by the API;
    // the issue is removed.
    let (_, page) = html(&mut w.reviewer, &page_path);
    let issue_delete = format!("/services/{svc}/oversight/issues/{}/delete", id_of(&issue));
    assert!(
        page.contains(&format!("action=\"{issue_delete}\"")),
        "{page}"
    );
    let (status, page) = form_post(
        &w.reviewer,
        &format!("/services/{svc}/oversight/plan-items/{item_id}/delete"),
        &[],
    );
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("実施状況が 1 件登録されています"), "{page}");
    assert_eq!(api_list(&mut w.reviewer, &svc, "plan-items").len(), 1);
    let (status, _) = form_post_with(&w.reviewer, "wrong-token", &issue_delete, &[]);
    assert_eq!(status, 403);
    assert_eq!(api_list(&mut w.reviewer, &svc, "issues").len(), 1);
    let (status, location) = form_post(&w.reviewer, &issue_delete, &[]);
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        location,
        format!("/services/{svc}/oversight?done=deleted&kind=issues#issues")
    );
    assert!(api_list(&mut w.reviewer, &svc, "issues").is_empty());
}

#[test]
fn viewers_read_vendors_file_their_own_and_strangers_get_404() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let page_path = format!("/services/{svc}/oversight");
    let tenant = w.tenant.clone();
    create(
        &w.reviewer,
        &svc,
        "outages",
        &[
            ("start", "2026-05-11T01:00"),
            ("detected_by", "manual"),
            ("description", "市が記録した停止"),
        ],
    );
    let staff_outage = id_of(&only(&mut w.reviewer, &svc, "outages"));
    let form_action = format!("action=\"/services/{svc}/oversight");

    // A viewer reads everything, sees no form and gets 403 on a post.
    let mut viewer = tenant_user(&s, &mut w.admin, &tenant, "viewer-o", "viewer");
    let (status, page) = html(&mut viewer, &page_path);
    assert_eq!(status, 200);
    assert!(page.contains("市が記録した停止"));
    assert!(!page.contains(&form_action), "{page}");
    let (status, _) = form_post(
        &viewer,
        &format!("/services/{svc}/oversight/outages"),
        &[
            ("start", "2026-05-12T01:00"),
            ("detected_by", "manual"),
            ("description", "閲覧者"),
        ],
    );
    assert_eq!(status, 403);
    let (status, _) = form_post(
        &viewer,
        &format!("/services/{svc}/oversight/outages/{staff_outage}"),
        &[("end", "2026-05-11T02:00")],
    );
    assert_eq!(status, 403);
    // Even an invalid form is 403 first.
    let (status, _) = form_post(&viewer, &format!("/services/{svc}/oversight/outages"), &[]);
    assert_eq!(status, 403);
    assert_eq!(api_list(&mut w.reviewer, &svc, "outages").len(), 1);

    // The provider's user files outages for its organisation, not notices,
    // and cannot change the municipality's record.
    let mut prov = vendor_user(&s, &mut w.admin, &w.provider, "prov-o");
    // The vendor finds the service in its list (the register is staff's).
    let (status, list_page) = html(&mut prov, "/oversight");
    assert_eq!(status, 200);
    assert!(
        list_page.contains(&format!("<a href=\"{page_path}\">電子申請システム</a>")),
        "{list_page}"
    );
    assert!(list_page.contains("<td>A市</td><td>外部サービス提供者</td>"));
    let (_, list_page) = html(&mut viewer, "/oversight");
    assert!(
        list_page.contains("<td>A市</td><td>閲覧</td>"),
        "{list_page}"
    );
    let (status, page) = html(&mut prov, &page_path);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!("action=\"/services/{svc}/oversight/outages\"")));
    assert!(!page.contains(&format!("action=\"/services/{svc}/oversight/notices\"")));
    assert!(!page.contains(&format!("action=\"/services/{svc}/oversight/plan-items\"")));
    assert!(
        !page.contains(&format!("oversight/outages/{staff_outage}\"")),
        "no edit form"
    );
    create(
        &prov,
        &svc,
        "outages",
        &[
            ("start", "2026-05-13T01:00"),
            ("detected_by", "monitoring"),
            ("description", "事業者が記録した停止"),
        ],
    );
    let list = api_list(&mut w.reviewer, &svc, "outages");
    let mine = list
        .iter()
        .find(|r| r["description"] == "事業者が記録した停止")
        .unwrap();
    assert_eq!(mine["organisation_id"], w.provider.as_str());
    let (_, page) = html(&mut prov, &page_path);
    assert!(
        page.contains("クラウド株式会社"),
        "filed by the organisation"
    );
    assert!(
        page.contains(&format!("oversight/outages/{}\"", id_of(mine))),
        "own edit form"
    );
    let (status, _) = form_post(
        &prov,
        &format!("/services/{svc}/oversight/notices"),
        &[
            ("kind", "change"),
            ("announced_on", "2026-05-20"),
            ("effective_on", "2026-06-01"),
            ("content", "事業者"),
        ],
    );
    assert_eq!(status, 403);
    let (status, _) = form_post(
        &prov,
        &format!("/services/{svc}/oversight/outages/{staff_outage}"),
        &[("end", "2026-05-11T02:00")],
    );
    assert_eq!(status, 403);
    assert!(api_list(&mut w.reviewer, &svc, "notices").is_empty());
    // Only staff remove records, not even a vendor's own.
    assert!(
        !page.contains("/delete\""),
        "no removal buttons for vendors"
    );
    let (status, _) = form_post(
        &prov,
        &format!("/services/{svc}/oversight/outages/{}/delete", id_of(mine)),
        &[],
    );
    assert_eq!(status, 403);
    let (status, _) = form_post(
        &viewer,
        &format!("/services/{svc}/oversight/outages/{}/delete", id_of(mine)),
        &[],
    );
    assert_eq!(status, 403);
    assert_eq!(api_list(&mut w.reviewer, &svc, "outages").len(), 2);
    // The integrator does not see the provider's record (404 to change it).
    let mut integ = vendor_user(&s, &mut w.admin, &w.integrator, "integ-o");
    let (status, page) = html(&mut integ, &page_path);
    assert_eq!(status, 200);
    assert!(!page.contains("事業者が記録した停止"));
    let (status, _) = form_post(
        &integ,
        &format!("/services/{svc}/oversight/outages/{}", id_of(mine)),
        &[("end", "2026-05-13T02:00")],
    );
    assert_eq!(status, 404);

    // An unrelated vendor and another tenant's reviewer: 404.
    let (_, other) = w.admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "他社クラウド株式会社", "kind": "provider"}),
    );
    let mut stranger = vendor_user(&s, &mut w.admin, &id_of(&other), "other-o");
    let (_, t2) = w.admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-b", "name": "B市"}),
    );
    let mut other_reviewer = tenant_user(&s, &mut w.admin, &id_of(&t2), "reviewer-b", "reviewer");
    for c in [&mut stranger, &mut other_reviewer] {
        let (status, _) = html(c, &page_path);
        assert_eq!(status, 404);
        let (status, list_page) = html(c, "/oversight");
        assert_eq!(status, 200);
        assert!(!list_page.contains("電子申請システム"), "{list_page}");
        assert!(list_page.contains("対象のサービスはありません"));
        let (status, _) = form_post(
            c,
            &format!("/services/{svc}/oversight/outages"),
            &[
                ("start", "2026-05-14T01:00"),
                ("detected_by", "manual"),
                ("description", "他者"),
            ],
        );
        assert_eq!(status, 404);
        let (status, _) = html(
            c,
            &format!("{page_path}/deliverables/implementation_plan/once"),
        );
        assert_eq!(status, 404);
    }
    assert_eq!(api_list(&mut w.reviewer, &svc, "outages").len(), 2);
}

#[test]
fn deliverable_versions_are_submitted_returned_and_accepted_through_the_forms() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let tenant = w.tenant.clone();
    let page_path = format!("/services/{svc}/oversight/deliverables/implementation_plan/once");
    let api_path = format!("/api/v1/services/{svc}/deliverables/implementation_plan/once");

    let (status, page) = html(&mut w.reviewer, &format!("/services/{svc}/oversight"));
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"{page_path}\"")), "{page}");
    assert!(page.contains("サービス実施計画書"));

    // The provider submits the first version.
    let mut prov = vendor_user(&s, &mut w.admin, &w.provider, "prov-d");
    let (status, page) = html(&mut prov, &page_path);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!("action=\"{page_path}/versions\"")));
    assert!(!page.contains("/review\""), "vendors do not review");
    assert!(
        !page.contains(&format!("action=\"{page_path}\"")),
        "nor set due dates"
    );
    let (status, location) = form_post(
        &prov,
        &format!("{page_path}/versions"),
        &[
            ("note", "初版"),
            ("evidence_ids", ""),
            ("contacts", "true"),
            ("security_plan", "true"),
        ],
    );
    assert_eq!(status, 303, "{location}");
    assert_eq!(location, format!("{page_path}?done=submitted"));
    let (_, d) = w.reviewer.get(&api_path);
    assert_eq!(d["state"], "submitted", "{d}");
    assert_eq!(d["latest_version"], 1);
    let v1 = &d["versions"][0];
    assert_eq!(v1["data"]["note"], "初版");
    assert_eq!(v1["data"]["checklist"]["contacts"], true);
    assert_eq!(v1["data"]["checklist"]["security_plan"], true);
    assert_eq!(v1["data"]["checklist"]["audit"], false);
    assert_eq!(v1["organisation_id"], w.provider.as_str());

    // A return without a reason is shown as an error and changes nothing.
    let (status, page) = html(&mut w.reviewer, &page_path);
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("action=\"{page_path}/versions/1/review\"")),
        "{page}"
    );
    assert!(page.contains("確認待ち"));
    assert!(page.contains("連絡体制"), "checklist shown");
    let (status, page) = form_post(
        &w.reviewer,
        &format!("{page_path}/versions/1/review"),
        &[("decision", "return"), ("comment", "")],
    );
    assert_eq!(status, 400);
    assert!(page.contains("差し戻す場合は理由"), "{page}");
    assert!(page.contains("id=\"review-comment-error\""));
    let (_, d) = w.reviewer.get(&api_path);
    assert_eq!(d["versions"][0]["state"], "submitted");
    // The vendor may not review.
    let (status, _) = form_post(
        &prov,
        &format!("{page_path}/versions/1/review"),
        &[("decision", "accept"), ("comment", "")],
    );
    assert_eq!(status, 403);
    // Returned with a reason, submitted again, accepted.
    let (status, location) = form_post(
        &w.reviewer,
        &format!("{page_path}/versions/1/review"),
        &[
            ("decision", "return"),
            ("comment", "監査の記載がありません"),
        ],
    );
    assert_eq!(status, 303, "{location}");
    let (_, d) = w.reviewer.get(&api_path);
    assert_eq!(d["state"], "returned");
    assert_eq!(d["versions"][0]["review_comment"], "監査の記載がありません");
    let (status, _) = form_post(
        &prov,
        &format!("{page_path}/versions"),
        &[("note", "第2版"), ("audit", "true")],
    );
    assert_eq!(status, 303);
    let (status, _) = form_post(
        &w.reviewer,
        &format!("{page_path}/versions/2/review"),
        &[("decision", "accept"), ("comment", "")],
    );
    assert_eq!(status, 303);
    let (_, d) = w.reviewer.get(&api_path);
    assert_eq!(d["state"], "accepted");
    assert_eq!(d["latest_version"], 2);
    let (_, page) = html(&mut w.reviewer, &format!("{page_path}?done=reviewed"));
    assert!(page.contains("確認を記録しました"));
    assert!(page.contains("第2版"));
    assert!(page.contains("受理"));
    assert!(page.contains("差戻し"));
    assert!(page.contains("監査の記載がありません"));

    // The due date, set by a reviewer; an impossible date is refused.
    let (status, page) = form_post(
        &w.reviewer,
        &page_path,
        &[("due", "2026-02-30"), ("required", "true"), ("note", "")],
    );
    assert_eq!(status, 400);
    assert!(page.contains("id=\"settings-due-error\""), "{page}");
    let (status, _) = form_post(
        &w.reviewer,
        &page_path,
        &[
            ("due", "2026-06-30"),
            ("required", "true"),
            ("note", "契約書第5条"),
        ],
    );
    assert_eq!(status, 303);
    let (_, d) = w.reviewer.get(&api_path);
    assert_eq!(d["due"], "2026-06-30");
    assert_eq!(d["note"], "契約書第5条");
    let (_, page) = html(&mut w.reviewer, &page_path);
    assert!(page.contains("2026年6月30日"));
    assert!(
        !page.contains("monthly-report"),
        "no monthly report for a plan"
    );
    let (status, page) = html(
        &mut w.reviewer,
        &format!("/services/{svc}/oversight/deliverables/monthly_report/2026-05"),
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!(
        "href=\"/api/v1/services/{svc}/monthly-report/2026-05?format=pdf\""
    )));

    // A viewer reads the page without forms and gets 403 on a post.
    let mut viewer = tenant_user(&s, &mut w.admin, &tenant, "viewer-d", "viewer");
    let (status, page) = html(&mut viewer, &page_path);
    assert_eq!(status, 200);
    assert!(page.contains("第2版"));
    assert!(!page.contains(&format!("action=\"{page_path}")), "{page}");
    let (status, _) = form_post(&viewer, &format!("{page_path}/versions"), &[("note", "x")]);
    assert_eq!(status, 403);
    let (_, d) = w.reviewer.get(&api_path);
    assert_eq!(d["latest_version"], 2);
}

#[test]
fn the_monthly_report_form_takes_the_vendors_own_figures() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let page_path = format!("/services/{svc}/oversight/deliverables/monthly_report/2026-05");
    let api_path = format!("/api/v1/services/{svc}/deliverables/monthly_report/2026-05");
    let mut prov = vendor_user(&s, &mut w.admin, &w.provider, "prov-m");
    let (status, page) = html(&mut prov, &page_path);
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("name=\"reported_figures.availability_percent\""),
        "{page}"
    );
    // A count that is not a number is refused at its field; nothing stored.
    let (status, page) = form_post(
        &prov,
        &format!("{page_path}/versions"),
        &[
            ("note", "5月分"),
            ("reported_figures.major_failures", "一件"),
        ],
    );
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("0 以上の整数"), "{page}");
    let (_, d) = w.reviewer.get(&api_path);
    assert_eq!(d["latest_version"], Value::Null, "{d}");
    let (status, location) = form_post(
        &prov,
        &format!("{page_path}/versions"),
        &[
            ("note", "5月分"),
            ("reported_figures.availability_percent", "99.95"),
            ("reported_figures.major_failures", "0"),
            ("reported_figures.late_inquiries", ""),
        ],
    );
    assert_eq!(status, 303, "{location}");
    let (_, d) = w.reviewer.get(&api_path);
    let figures = &d["versions"][0]["data"]["reported_figures"];
    assert_eq!(figures["availability_percent"], "99.95", "{d}");
    assert_eq!(figures["major_failures"], 0);
    assert_eq!(
        figures.get("late_inquiries"),
        None,
        "an empty field is not reported"
    );
}

#[test]
fn sla_settings_and_monitoring_are_set_through_the_forms_as_the_api_checks_them() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let tenant = w.tenant.clone();
    let page_path = format!("/services/{svc}/oversight/settings");
    let api_path = format!("/api/v1/services/{svc}/sla-settings");

    let (_, page) = html(&mut w.reviewer, &format!("/services/{svc}/oversight"));
    assert!(page.contains(&format!("href=\"{page_path}\"")), "{page}");
    let (status, page) = html(&mut w.reviewer, &page_path);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("99.8 % 以上"), "defaults shown");
    assert!(page.contains("稼働監視は設定されていません"));
    assert!(page.contains(&format!("action=\"{page_path}\"")));

    let sla = |tuesday: &'static str, availability: &'static str| {
        vec![
            ("targets.availability", availability),
            ("targets.max_recovery", "4:30"),
            ("targets.first_answer_limit", "24"),
            ("targets.max_major_failures_per_fiscal_year", "2"),
            ("schedule.kind", "weekly"),
            ("schedule.skip_closed_days", "true"),
            ("schedule.windows.monday", "09:00-17:00"),
            ("schedule.windows.tuesday", tuesday),
            ("schedule.windows.friday", "09:00-12:00, 13:00-24:00"),
            ("closed_days", "06-23 慰霊の日\r\n2026-08-14 夏季休庁日"),
            ("monthly_report_open_day", "5"),
            ("reports_from", "2026-04"),
        ]
    };
    let (status, location) = form_post(&w.reviewer, &page_path, &sla("", "99.5"));
    assert_eq!(status, 303, "{location}");
    assert_eq!(location, format!("{page_path}?done=sla"));
    let (_, saved) = w.reviewer.get(&api_path);
    let t = &saved["targets"];
    assert_eq!(
        t["availability"],
        json!({"numerator": 199, "denominator": 2}),
        "{saved}"
    );
    assert_eq!(t["max_recovery"], "PT4H30M");
    assert_eq!(t["first_answer_limit"], "PT24H");
    assert_eq!(t["max_major_failures_per_fiscal_year"], 2);
    assert_eq!(
        saved["schedule"],
        json!({"kind": "weekly", "skip_closed_days": true, "windows": [
            {"weekday": "monday", "start": "09:00:00", "end": "17:00:00"},
            {"weekday": "friday", "start": "09:00:00", "end": "12:00:00"},
            {"weekday": "friday", "start": "13:00:00", "end": "00:00:00"}]})
    );
    assert_eq!(
        saved["closed_days"],
        json!([{"kind": "annual", "month": 6, "day": 23, "name": "慰霊の日"},
               {"kind": "date", "date": "2026-08-14", "name": "夏季休庁日"}])
    );
    assert_eq!(saved["monthly_report_open_day"], 5);
    assert_eq!(saved["reports_from"], "2026-04");
    let (_, page) = html(&mut w.reviewer, &format!("{page_path}?done=sla"));
    assert!(page.contains("SLA 設定を保存しました"));
    assert!(page.contains("99.5 % 以上"));
    assert!(
        page.contains("value=\"4:30\""),
        "the form shows the saved values"
    );
    assert!(page.contains("value=\"09:00-12:00, 13:00-24:00\""));

    // The API's checks, shown at the field; nothing saved.
    let (status, page) = form_post(&w.reviewer, &page_path, &sla("17:00-09:00", "99.5"));
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("id=\"sla-schedule.windows.tuesday-error\""),
        "{page}"
    );
    let (status, page) = form_post(&w.reviewer, &page_path, &sla("", "100.5"));
    assert_eq!(status, 400);
    assert!(
        page.contains("id=\"sla-targets.availability-error\""),
        "{page}"
    );
    assert!(page.contains("100 % 以下"));
    let (status, page) = form_post(&w.reviewer, &page_path, &sla("9時から", "99.5"));
    assert_eq!(status, 400);
    assert!(
        page.contains("id=\"sla-schedule.windows.tuesday-error\""),
        "{page}"
    );
    let (_, after) = w.reviewer.get(&api_path);
    assert_eq!(after, saved);

    // Monitoring: a loopback address is refused by the API's rule; a valid
    // probe is saved, shown and removed.
    let monitor_path = format!("/services/{svc}/oversight/monitoring");
    let probe = |url: &'static str| {
        vec![
            ("url", url),
            ("interval_seconds", "60"),
            ("expected_status", ""),
            ("timeout_seconds", "10"),
            ("failures", "3"),
        ]
    };
    let (status, page) = form_post(&w.reviewer, &monitor_path, &probe("http://127.0.0.1/x"));
    assert_eq!(status, 400);
    assert!(page.contains("id=\"monitoring-url-error\""), "{page}");
    let (status, _) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/monitoring"));
    assert_eq!(status, 404);
    let (status, location) = form_post(
        &w.reviewer,
        &monitor_path,
        &probe("https://status.example.jp/health"),
    );
    assert_eq!(status, 303, "{location}");
    let (status, m) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/monitoring"));
    assert_eq!(status, 200);
    assert_eq!(m["settings"]["url"], "https://status.example.jp/health");
    assert_eq!(m["settings"]["expected_status"], Value::Null);
    let (_, page) = html(&mut w.reviewer, &page_path);
    assert!(
        page.contains("<td>https://status.example.jp/health</td>"),
        "{page}"
    );
    assert!(page.contains(&format!("action=\"{monitor_path}/delete\"")));

    // Viewers and vendors read without forms and get 403.
    let mut viewer = tenant_user(&s, &mut w.admin, &tenant, "viewer-s", "viewer");
    let mut prov = vendor_user(&s, &mut w.admin, &w.provider, "prov-s");
    for c in [&mut viewer, &mut prov] {
        let (status, page) = html(c, &page_path);
        assert_eq!(status, 200);
        assert!(page.contains("99.5 % 以上"));
        assert!(page.contains("https://status.example.jp/health"));
        assert!(
            !page.contains(&format!("action=\"/services/{svc}/oversight")),
            "{page}"
        );
        let (status, _) = form_post(c, &page_path, &sla("", "90"));
        assert_eq!(status, 403);
        let (status, _) = form_post(c, &format!("{monitor_path}/delete"), &[]);
        assert_eq!(status, 403);
    }
    let (_, after) = w.reviewer.get(&api_path);
    assert_eq!(after, saved);

    let (status, _) = form_post(&w.reviewer, &format!("{monitor_path}/delete"), &[]);
    assert_eq!(status, 303);
    let (status, _) = w
        .reviewer
        .get(&format!("/api/v1/services/{svc}/monitoring"));
    assert_eq!(status, 404);
}

#[test]
fn notification_channels_are_managed_by_tenant_administrators_without_showing_secrets() {
    let s = TestServer::start();
    let mut w = world(&s);
    let tenant = w.tenant.clone();
    let page_path = format!("/admin/tenants/{tenant}/notifications");
    let api_path = format!("/api/v1/tenants/{tenant}/notifications/channels");
    let mut ta = tenant_user(&s, &mut w.admin, &tenant, "tadmin-n", "tenant_admin");

    // The menu's page leads to the administrator's tenant.
    assert_eq!(
        redirect_of(&ta, "/admin/notifications"),
        (303, page_path.clone())
    );
    let (status, page) = html(&mut ta, &page_path);
    assert_eq!(status, 200);
    assert!(page.contains("<h1>通知先: A市</h1>"), "{page}");
    assert!(page.contains("通知先はありません"));

    let (status, location) = form_post(
        &ta,
        &format!("{page_path}/channels"),
        &[
            ("type", "email"),
            ("name", "情報政策課"),
            ("address", "joho@city.example.lg.jp"),
            ("url", ""),
            ("secret", ""),
            ("kind_incident_report_late", "true"),
            ("kind_deliverable_missing", "true"),
        ],
    );
    assert_eq!(status, 303, "{location}");
    assert_eq!(location, format!("{page_path}?done=created"));
    let secret = "kijun-webhook-secret-0123456789";
    let (status, _) = form_post(
        &ta,
        &format!("{page_path}/channels"),
        &[
            ("type", "webhook"),
            ("name", "監視基盤"),
            ("address", ""),
            ("url", "https://hooks.example.lg.jp/kijun"),
            ("secret", secret),
        ],
    );
    assert_eq!(status, 303);
    let (status, list) = ta.get(&api_path);
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    let mail = list.iter().find(|c| c["type"] == "email").unwrap();
    assert_eq!(mail["address"], "joho@city.example.lg.jp");
    assert_eq!(
        mail["kinds"],
        json!(["incident_report_late", "deliverable_missing"])
    );
    let hook = list.iter().find(|c| c["type"] == "webhook").unwrap();
    assert_eq!(hook["url"], "https://hooks.example.lg.jp/kijun");
    assert_eq!(hook["has_secret"], true);
    assert_eq!(hook["kinds"], json!([]));
    let (_, page) = html(&mut ta, &format!("{page_path}?done=created"));
    assert!(page.contains("通知先を追加しました"));
    assert!(page.contains(&format!("id=\"channel-{}\"", id_of(mail))));
    assert!(page.contains("joho@city.example.lg.jp"));
    assert!(page.contains("設定済み（表示しません）"));
    assert!(page.contains("すべての種類"));
    assert!(!page.contains(secret), "the secret is never shown");
    assert!(
        page.contains("<td>https://hooks.example.lg.jp/…</td>"),
        "{page}"
    );
    assert!(!page.contains("/kijun"), "only the webhook's origin");

    // Invalid forms: the error at its field, the secret not echoed, nothing
    // stored.
    let short = "short-secret";
    let (status, page) = form_post(
        &ta,
        &format!("{page_path}/channels"),
        &[
            ("type", "webhook"),
            ("name", "短い鍵"),
            ("url", "https://hooks.example.lg.jp/other"),
            ("secret", short),
        ],
    );
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("id=\"channel-secret-error\""), "{page}");
    assert!(page.contains("value=\"短い鍵\""), "the name is kept");
    assert!(!page.contains(short), "the secret is not echoed");
    let (status, page) = form_post(
        &ta,
        &format!("{page_path}/channels"),
        &[
            ("type", "email"),
            ("name", "誤り"),
            ("address", "not-an-address"),
        ],
    );
    assert_eq!(status, 400);
    assert!(page.contains("id=\"channel-address-error\""), "{page}");
    // A wrong CSRF token.
    let (status, _) = form_post_with(
        &ta,
        "wrong-token",
        &format!("{page_path}/channels"),
        &[
            ("type", "email"),
            ("name", "CSRF"),
            ("address", "a@example.jp"),
        ],
    );
    assert_eq!(status, 403);
    let (_, list) = ta.get(&api_path);
    assert_eq!(list.as_array().unwrap().len(), 2);

    // A reviewer of the tenant: 403; another tenant's administrator: 404.
    let mut reviewer_page = html(&mut w.reviewer, &page_path);
    assert_eq!(reviewer_page.0, 403, "{}", reviewer_page.1);
    reviewer_page = form_post(
        &w.reviewer,
        &format!("{page_path}/channels/{}/delete", id_of(hook)),
        &[],
    );
    assert_eq!(reviewer_page.0, 403);
    let (_, t2) = w.admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-b", "name": "B市"}),
    );
    let mut other = tenant_user(&s, &mut w.admin, &id_of(&t2), "tadmin-b", "tenant_admin");
    let (status, _) = html(&mut other, &page_path);
    assert_eq!(status, 404);
    let (status, _) = form_post(
        &other,
        &format!("{page_path}/channels/{}/delete", id_of(hook)),
        &[],
    );
    assert_eq!(status, 404);

    // Removing one.
    let (status, location) = form_post(
        &ta,
        &format!("{page_path}/channels/{}/delete", id_of(hook)),
        &[],
    );
    assert_eq!(status, 303, "{location}");
    let (_, list) = ta.get(&api_path);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["type"], "email");
}

/// Posts a multipart form with a CSV file as a browser does, without
/// following the redirect: the status and the `Location` or the page.
fn csv_upload(c: &Client, csrf: &str, path: &str, csv: &str) -> (u16, String) {
    file_upload(c, csrf, path, "records.csv", "text/csv", csv.as_bytes())
}

/// Posts the import form with `bytes` as its file.
fn file_upload(
    c: &Client,
    csrf: &str,
    path: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let boundary = "----kijun-test-boundary-7d1f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = ureq::http::Request::builder()
        .method("POST")
        .uri(format!("{}{path}", c.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        );
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie.as_str());
    }
    let mut resp = agent.run(req.body(body).unwrap()).unwrap();
    let status = resp.status().as_u16();
    if let Some(location) = resp.headers().get("location") {
        return (status, location.to_str().unwrap().to_owned());
    }
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}

#[test]
fn csv_files_are_imported_from_the_page_all_or_nothing() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let tenant = w.tenant.clone();
    let csrf = w.reviewer.csrf.clone().unwrap();
    let import = format!("/services/{svc}/oversight/outages/import");

    let (_, page) = html(&mut w.reviewer, &format!("/services/{svc}/oversight"));
    assert!(page.contains(&format!("action=\"{import}\"")), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""));

    let good = "発生日時,復旧日時,重大障害,検知,内容\r\n\
                2026-05-10 01:00,2026-05-10 07:00,はい,監視,全機能停止\r\n\
                2026/5/20 9:00,,いいえ,手動,画面の遅延\r\n";
    let (status, location) = csv_upload(&w.reviewer, &csrf, &import, good);
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        location,
        format!("/services/{svc}/oversight?done=imported&kind=outages&n=2#outages")
    );
    let list = api_list(&mut w.reviewer, &svc, "outages");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["start"], "2026-05-09T16:00:00Z");
    assert_eq!(list[0]["major"], true);
    assert_eq!(list[1]["description"], "画面の遅延");
    assert_eq!(list[1]["end"], Value::Null);
    let (_, page) = html(&mut w.reviewer, &location);
    assert!(
        page.contains("障害・停止を CSV から 2 件取り込みました"),
        "{page}"
    );
    assert!(page.contains("2026年5月20日 09:00"));

    // A bad row: every problem listed with its row and column, nothing stored.
    let bad = "発生日時,復旧日時,重大障害,検知,内容\n\
               2026-06-01 01:00,,いいえ,監視,一件目\n\
               2026-05-32 01:00,,いいえ,監視,二件目\n\
               2026-06-03 01:00,2026-06-02 01:00,いいえ,監視,三件目\n";
    let (status, page) = csv_upload(&w.reviewer, &csrf, &import, bad);
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("CSV ファイルに 2 件の問題があります"),
        "{page}"
    );
    assert!(page.contains("id=\"csv-problems\""));
    assert!(
        page.contains("<th scope=\"row\">3</th><td>A</td><td>start</td><td>2026-05-32 01:00</td>"),
        "{page}"
    );
    assert!(
        page.contains("<th scope=\"row\">4</th><td>B</td><td>end</td>"),
        "{page}"
    );
    assert_eq!(api_list(&mut w.reviewer, &svc, "outages").len(), 2);

    // A wrong CSRF token; a viewer; a vendor for a kind it may not file.
    let (status, _) = csv_upload(&w.reviewer, "wrong-token", &import, good);
    assert_eq!(status, 403);
    let viewer = tenant_user(&s, &mut w.admin, &tenant, "viewer-c", "viewer");
    let (status, _) = csv_upload(&viewer, viewer.csrf.as_deref().unwrap(), &import, good);
    assert_eq!(status, 403);
    assert_eq!(api_list(&mut w.reviewer, &svc, "outages").len(), 2);
    let prov = vendor_user(&s, &mut w.admin, &w.provider, "prov-c");
    let notices = "種別,告知日,実施日,内容\n変更,2026-05-01,2026-06-01,画面の変更\n";
    let (status, _) = csv_upload(
        &prov,
        prov.csrf.as_deref().unwrap(),
        &format!("/services/{svc}/oversight/notices/import"),
        notices,
    );
    assert_eq!(status, 403);
    assert!(api_list(&mut w.reviewer, &svc, "notices").is_empty());
    let (status, _) = csv_upload(
        &w.reviewer,
        &csrf,
        &format!("/services/{svc}/oversight/notices/import"),
        notices,
    );
    assert_eq!(status, 303);
    assert_eq!(api_list(&mut w.reviewer, &svc, "notices").len(), 1);

    // The same form takes an Excel workbook, with real date-time cells.
    use kijun_exchange::testing::{TestCell as C, workbook};
    let xlsx = workbook(
        "告知",
        &[
            vec![
                C::Text("種別"),
                C::Text("告知日"),
                C::Text("実施日"),
                C::Text("内容"),
            ],
            vec![
                C::Text("終了"),
                C::DateTime("2026-07-01 00:00:00"),
                C::DateTime("2026-09-30 00:00:00"),
                C::Text("サービス終了"),
            ],
        ],
    );
    let (status, location) = file_upload(
        &w.reviewer,
        &csrf,
        &format!("/services/{svc}/oversight/notices/import"),
        "告知.xlsx",
        kijun_exchange::XLSX_MEDIA_TYPE,
        &xlsx,
    );
    assert_eq!(status, 303, "{location}");
    let notices = api_list(&mut w.reviewer, &svc, "notices");
    assert_eq!(notices.len(), 2);
    assert!(
        notices
            .iter()
            .any(|n| n["kind"] == "termination" && n["effective_on"] == "2026-09-30"),
        "{notices:?}"
    );
}
