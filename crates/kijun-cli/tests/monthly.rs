//! End-to-end test of the monthly service report (サービス実績報告書,
//! `GET /api/v1/services/{id}/monthly-report/{YYYY-MM}`): starts the real
//! `kijun serve`, seeds a month over the API and downloads the report as
//! PDF, HTML and xlsx. The PDF text is checked with `pdftotext` and the
//! workbook converted by LibreOffice; without them those checks are skipped
//! with a message unless `KIJUN_REQUIRE_PDFTOTEXT` /
//! `KIJUN_REQUIRE_LIBREOFFICE` is set. The server helpers are copied from
//! `tests/oversight.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use jiff::Timestamp;
use kijun_core::auth::{Totp, TotpAlgorithm, TotpSecret};
use serde_json::{Value, json};

/// A running `kijun serve`.
struct TestServer {
    child: Child,
    base: String,
    setup_token: String,
    _dir: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestServer {
    fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kijun.toml"), "").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kijun"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .current_dir(dir.path())
            .env_remove("KIJUN_DATABASE_URL")
            .env_remove("KIJUN_MASTER_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let (mut base, mut token) = (None, None);
        while base.is_none() || token.is_none() {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("server output");
            if let Some(b) = line.strip_prefix("kijun: listening on ") {
                base = Some(b.trim().to_owned());
            }
            if let Some(t) = line.strip_prefix("kijun: setup token: ") {
                token = Some(t.trim().to_owned());
            }
        }
        TestServer {
            child,
            base: base.unwrap(),
            setup_token: token.unwrap(),
            _dir: dir,
        }
    }

    fn client(&self) -> Client {
        Client {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into(),
            base: self.base.clone(),
            cookie: None,
            csrf: None,
        }
    }

    /// Creates the first administrator and signs it in with MFA.
    fn admin(&self) -> Client {
        let mut c = self.client();
        let (status, body) = c.call(
            "POST",
            "/api/v1/setup",
            json!({"token": self.setup_token, "username": "admin", "display_name": "管理者", "password": ADMIN_PW}),
        );
        assert_eq!(status, 201, "{body}");
        sign_in_enrolling(c, "admin", ADMIN_PW)
    }
}

const ADMIN_PW: &str = "Kanri-Sha#2026-Pass";
const USER_PW: &str = "Shokiki-Pass#2026";
const NEW_PW: &str = "Atarashii-Pass#2027";

struct Client {
    agent: ureq::Agent,
    base: String,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Client {
    fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<String>,
        content_type: &str,
    ) -> (u16, Value) {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c.as_str());
        }
        if let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t.as_str());
        }
        let mut resp = match body {
            Some(b) => self
                .agent
                .run(req.header("content-type", content_type).body(b).unwrap())
                .unwrap(),
            None => self.agent.run(req.body(()).unwrap()).unwrap(),
        };
        if let Some(sc) = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
        {
            let pair = sc.split(';').next().unwrap_or_default().to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    fn get(&mut self, path: &str) -> (u16, Value) {
        self.send("GET", path, None, "")
    }

    fn call(&mut self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(method, path, Some(body.to_string()), "application/json")
    }

    fn login(&mut self, username: &str, password: &str) -> (u16, Value) {
        let (status, body) = self.call(
            "POST",
            "/api/v1/auth/login",
            json!({"username": username, "password": password}),
        );
        if status == 200 {
            self.csrf = body["csrf_token"].as_str().map(str::to_owned);
        }
        (status, body)
    }
}

fn code(secret: &TotpSecret, at: Timestamp) -> String {
    Totp::new(secret.clone(), TotpAlgorithm::Sha256)
        .unwrap()
        .code_at(at)
        .unwrap()
}

/// Logs in and enrols TOTP.
fn sign_in_enrolling(mut c: Client, username: &str, password: &str) -> Client {
    let (status, body) = c.login(username, password);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["next"], "mfa_enrollment");
    let (status, e) = c.call("POST", "/api/v1/auth/mfa/enroll", json!({}));
    assert_eq!(status, 200, "{e}");
    let secret = TotpSecret::from_base32(e["secret"].as_str().unwrap()).unwrap();
    let (status, done) = c.call(
        "POST",
        "/api/v1/auth/mfa/enroll/confirm",
        json!({"enrollment_token": e["enrollment_token"], "code": code(&secret, Timestamp::now())}),
    );
    assert_eq!(status, 200, "{done}");
    c
}

fn change_password(c: &mut Client) {
    let (status, body) = c.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": NEW_PW}),
    );
    assert_eq!(status, 204, "{body}");
}

/// A tenant user signed in with MFA and a changed password.
fn tenant_user(
    s: &TestServer,
    admin: &mut Client,
    tenant: &str,
    username: &str,
    role: &str,
) -> Client {
    let (status, u) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{tenant}/users"),
        json!({"username": username, "display_name": username, "role": role, "initial_password": USER_PW}),
    );
    assert_eq!(status, 201, "{u}");
    let mut c = sign_in_enrolling(s.client(), username, USER_PW);
    change_password(&mut c);
    c
}

/// A vendor user of `org`, signed in.
fn vendor_user(s: &TestServer, admin: &mut Client, org: &str, username: &str) -> Client {
    let (status, u) = admin.call(
        "POST",
        &format!("/api/v1/organisations/{org}/users"),
        json!({"username": username, "display_name": username, "initial_password": USER_PW}),
    );
    assert_eq!(status, 201, "{u}");
    let mut c = sign_in_enrolling(s.client(), username, USER_PW);
    change_password(&mut c);
    c
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A tenant, a provider and an integrator organisation, a reviewer and a
/// service of that provider and integrator.
struct World {
    admin: Client,
    tenant: String,
    provider: String,
    integrator: String,
    reviewer: Client,
    service: String,
}

fn world(s: &TestServer) -> World {
    let mut admin = s.admin();
    let (status, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    assert_eq!(status, 201, "{t}");
    let tenant = id_of(&t);
    let (_, p) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    let (_, i) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "導入株式会社", "kind": "integrator"}),
    );
    let (provider, integrator) = (id_of(&p), id_of(&i));
    let mut reviewer = tenant_user(s, &mut admin, &tenant, "reviewer-a", "reviewer");
    let (status, svc) = reviewer.call(
        "POST",
        &format!("/api/v1/tenants/{tenant}/services"),
        json!({"name": "電子申請システム", "purpose": "申請受付", "department": "情報政策課",
               "provider_org_id": provider, "integrator_org_id": integrator}),
    );
    assert_eq!(status, 201, "{svc}");
    World {
        admin,
        tenant,
        provider,
        integrator,
        reviewer,
        service: id_of(&svc),
    }
}

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
