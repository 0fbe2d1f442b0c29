//! End-to-end test of the monthly service report (サービス実績報告書,
//! `GET /api/v1/services/{id}/monthly-report/{YYYY-MM}`): starts the real
//! `kijun serve`, seeds a month over the API and downloads the report as
//! PDF, HTML and xlsx. The PDF text is checked with `pdftotext` and the
//! workbook converted by LibreOffice; without them those checks are skipped
//! with a message unless `KIJUN_REQUIRE_PDFTOTEXT` /
//! `KIJUN_REQUIRE_LIBREOFFICE` is set. The server helpers are in
//! `tests/support`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use serde_json::json;

mod support;
use support::*;

/// A downloaded file: status, content type and bytes.
fn download(c: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let mut req = ureq::http::Request::builder()
        .method("GET")
        .uri(format!("{}{path}", c.base));
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie.as_str());
    }
    let mut resp = c.agent.run(req.body(()).unwrap()).unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(50 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    (status, content_type, bytes)
}

/// Whether an outside program is on PATH; when it is not, a test that needs
/// it is skipped with a message — unless `require` (set by CI) is set, when
/// the missing program fails the test. (As in `tests/cli.rs`.)
fn outside_tool(program: &str, require: &str) -> bool {
    let flag = if program == "pdftotext" {
        "-v"
    } else {
        "--version"
    };
    let found = Command::new(program)
        .arg(flag)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os(require).is_none(),
            "{program} is required ({require} is set) but not installed"
        );
        eprintln!("SKIPPED: {program} is not installed (set {require}=1 to require it)");
    }
    found
}

/// The text of a PDF file, white space removed (`None`: no pdftotext).
fn pdf_text(dir: &std::path::Path, name: &str) -> Option<String> {
    if !outside_tool("pdftotext", "KIJUN_REQUIRE_PDFTOTEXT") {
        return None;
    }
    let out = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8", name, "-"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    )
}

const SECTIONS: [&str; 7] = [
    "1. 本サービスの実施実績",
    "2. サービス利用状況（稼働状況）",
    "3. 障害・インシデント管理",
    "4. 問合せ管理",
    "5. 課題・リスク管理",
    "6. セキュリティ対策実施計画の実施状況",
    "7. 改善策",
];

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn a_seeded_month_downloads_as_pdf_html_and_xlsx_and_other_vendors_get_404() {
    let s = TestServer::start();
    let mut w = world(&s);
    let svc = w.service.clone();
    let base = format!("/api/v1/services/{svc}");

    // May 2026: a major outage of 7 h (over the 6 h limit), a minor one of
    // 30 min, a justified stop of 1 h, an inquiry answered in 20 h and one
    // answered late, an incident, a risk and a security-plan item.
    for body in [
        json!({"start": "2026-05-10T01:00:00+09:00", "end": "2026-05-10T08:00:00+09:00",
               "major": true, "detected_by": "monitoring", "description": "ストレージ障害で全面停止",
               "cause": "ストレージ装置の故障", "permanent_fix": "冗長構成の見直し"}),
        json!({"start": "2026-05-20T10:00:00+09:00", "end": "2026-05-20T10:30:00+09:00",
               "detected_by": "manual", "description": "一部画面の表示遅延"}),
        json!({"start": "2026-05-25T02:00:00+09:00", "end": "2026-05-25T03:00:00+09:00",
               "justified": true, "detected_by": "manual", "description": "計画メンテナンス"}),
    ] {
        let (status, b) = w.reviewer.call("POST", &format!("{base}/outages"), body);
        assert_eq!(status, 201, "{b}");
    }
    for body in [
        json!({"asked_at": "2026-05-11T10:00:00+09:00", "asked_by": "情報政策課", "content": "障害の原因",
               "first_answered_at": "2026-05-12T06:00:00+09:00", "answered_by": "運用担当", "answer": "調査中"}),
        // Friday 17:00 to Wednesday 17:00: 72 h without the weekend.
        json!({"asked_at": "2026-05-15T17:00:00+09:00", "asked_by": "市民課", "content": "帳票の出力",
               "first_answered_at": "2026-05-20T17:00:00+09:00", "answered_by": "窓口", "answer": "手順を案内"}),
    ] {
        let (status, b) = w.reviewer.call("POST", &format!("{base}/inquiries"), body);
        assert_eq!(status, 201, "{b}");
    }
    let (status, b) = w.reviewer.call(
        "POST",
        &format!("{base}/incidents"),
        json!({"occurred_at": "2026-05-20T09:00:00+09:00", "severity": "medium",
               "description": "不審なログイン試行", "reported_to_municipality_at": "2026-05-20T12:00:00+09:00"}),
    );
    assert_eq!(status, 201, "{b}");
    let (status, b) = w.reviewer.call(
        "POST",
        &format!("{base}/issues"),
        json!({"kind": "risk", "title": "監視の不足", "status": "open", "raised_on": "2026-05-11"}),
    );
    assert_eq!(status, 201, "{b}");
    let (status, item) = w.reviewer.call(
        "POST",
        &format!("{base}/plan-items"),
        json!({"title": "脆弱性診断"}),
    );
    assert_eq!(status, 201, "{item}");
    let (status, b) = w.reviewer.call(
        "POST",
        &format!("{base}/plan-status"),
        json!({"item_id": id_of(&item), "month": "2026-05", "status": "done"}),
    );
    assert_eq!(status, 201, "{b}");
    // The provider files May's report with an improvement plan.
    let mut prov = vendor_user(&s, &mut w.admin, &w.provider, "prov-user");
    let (status, v1) = prov.call(
        "POST",
        &format!("{base}/deliverables/monthly_report/2026-05/versions"),
        // Its own figures: availability and late inquiries disagree with kijun's.
        json!({"note": "5月分", "improvement_plan": "ストレージ監視間隔の短縮",
               "reported_figures": {"availability_percent": "99.95", "major_failures": 1,
                                    "longest_major_recovery_minutes": 420, "late_inquiries": 0,
                                    "major_failures_fiscal_year": 1}}),
    );
    assert_eq!(status, 201, "{v1}");

    // P = 31 × 1440 = 44640 min, J = 60, D = 420 + 30: 44130 / 44580.
    let availability = "98.990%";
    let report = format!("{base}/monthly-report/2026-05");
    let dir = tempfile::tempdir().unwrap();

    // PDF (the default format).
    let (status, ct, pdf) = download(&w.reviewer, &report);
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::write(dir.path().join("report.pdf"), &pdf).unwrap();
    if let Some(text) = pdf_text(dir.path(), "report.pdf") {
        for needle in SECTIONS.iter().copied().chain([
            "サービス実績報告書",
            "電子申請システム",
            "2026年5月",
            availability,
            "未達",
            "重大障害の復旧時間",
            "ストレージ障害で全面停止",
            "不審なログイン試行",
            "監視の不足",
            "脆弱性診断",
            "改善策が必要",
            "ストレージ監視間隔の短縮",
        ]) {
            assert!(
                text.contains(&squeeze(needle)),
                "{needle} not in the PDF: {text}"
            );
        }
    }

    // HTML.
    let (status, ct, html) = download(&w.reviewer, &format!("{report}?format=html"));
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = String::from_utf8(html).unwrap();
    for needle in SECTIONS.iter().copied().chain([
        availability,
        "7時間0分",
        "事業者の報告値との相違",
        "相違 2 項目",
        "99.95%",
        "98.99%",
        "回答期限を超えた問合せ",
    ]) {
        assert!(html.contains(needle), "{needle} not in the HTML");
    }
    // Figures on which the vendor agrees are not listed as differences.
    for agreed in ["重大障害の年度累計", "重大障害の最長復旧時間", "420 分"] {
        assert!(!html.contains(agreed), "{agreed} listed as a difference");
    }

    // xlsx, opened by LibreOffice.
    let (status, ct, xlsx) = download(&w.reviewer, &format!("{report}?format=xlsx"));
    assert_eq!(status, 200);
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.starts_with(b"PK"));
    std::fs::write(dir.path().join("monthly.xlsx"), &xlsx).unwrap();
    if outside_tool("libreoffice", "KIJUN_REQUIRE_LIBREOFFICE") {
        let profile = format!("file://{}", dir.path().join("lo-profile").display());
        let out = Command::new("libreoffice")
            .args([
                &format!("-env:UserInstallation={profile}"),
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                ".",
                "monthly.xlsx",
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "libreoffice failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            dir.path().join("monthly.pdf").exists(),
            "no PDF: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        if let Some(text) = pdf_text(dir.path(), "monthly.pdf") {
            for needle in SECTIONS.iter().copied().chain([availability]) {
                assert!(
                    text.contains(&squeeze(needle)),
                    "{needle} not in the xlsx's PDF: {text}"
                );
            }
        }
    }

    // Who may read it: a viewer and the service's own vendor; a vendor of
    // another organisation gets 404; a bad month is 400.
    let mut viewer = tenant_user(&s, &mut w.admin, &w.tenant, "viewer-a", "viewer");
    assert_eq!(download(&viewer, &format!("{report}?format=html")).0, 200);
    assert_eq!(download(&prov, &format!("{report}?format=html")).0, 200);
    let (status, other) = w.admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "別会社株式会社", "kind": "provider"}),
    );
    assert_eq!(status, 201, "{other}");
    let stranger = vendor_user(&s, &mut w.admin, &id_of(&other), "other-user");
    assert_eq!(download(&stranger, &report).0, 404);
    assert_eq!(download(&stranger, &format!("{report}?format=xlsx")).0, 404);
    assert_eq!(
        download(&w.reviewer, &format!("{base}/monthly-report/2026-5")).0,
        400
    );
    assert!(!w.integrator.is_empty());

    // Every download is audit-logged.
    let (status, log) = w
        .admin
        .get(&format!("/api/v1/audit?tenant_id={}&limit=500", w.tenant));
    assert_eq!(status, 200, "{log}");
    let exports = log.to_string().matches("monthly_report_exported").count();
    assert!(exports >= 5, "{exports} exports logged: {log}");
    let (status, _) = viewer.get(&format!("{base}/sla/2026-05"));
    assert_eq!(status, 200);
}
