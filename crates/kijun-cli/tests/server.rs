//! End-to-end tests of `kijun serve`: each test starts the real binary on a
//! free port with a fresh data directory and drives it over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kijun_core::auth::{Totp, TotpAlgorithm, TotpSecret};
use serde_json::{Value, json};

/// Kills a server process when the test ends, also when it fails.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Reaper {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Reaper {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// A running `kijun serve`.
struct TestServer {
    child: Child,
    base: String,
    setup_token: String,
    dir: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestServer {
    fn start() -> TestServer {
        TestServer::start_with_config("")
    }

    /// Starts with `config` as the `kijun.toml` of its working directory.
    fn start_with_config(config: &str) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kijun.toml"), config).unwrap();
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
            // Keep draining after the test stops listening.
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
            dir,
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
            bearer: None,
        }
    }

    /// Creates the first administrator and signs it in with MFA.
    fn admin(&self) -> (Client, TotpSecret) {
        let c = self.client();
        let (status, body) = c.post(
            "/api/v1/setup",
            json!({"token": self.setup_token, "username": "admin", "display_name": "管理者", "password": ADMIN_PW}),
        );
        assert_eq!(status, 201, "{body}");
        sign_in_enrolling(c, "admin", ADMIN_PW)
    }
}

const ADMIN_PW: &str = "Kanri-Sha#2026-Pass";

struct Client {
    agent: ureq::Agent,
    base: String,
    cookie: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
}

impl Client {
    fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<String>,
        content_type: &str,
        csrf: bool,
    ) -> (u16, Value) {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c.as_str());
        }
        if csrf && let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t.as_str());
        }
        if let Some(b) = &self.bearer {
            req = req.header("authorization", format!("Bearer {b}"));
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
        self.send("GET", path, None, "", true)
    }

    fn post(&self, path: &str, body: Value) -> (u16, Value) {
        // A fresh borrow-free variant for anonymous calls.
        let mut c = Client {
            agent: self.agent.clone(),
            base: self.base.clone(),
            cookie: self.cookie.clone(),
            csrf: self.csrf.clone(),
            bearer: self.bearer.clone(),
        };
        c.send(
            "POST",
            path,
            Some(body.to_string()),
            "application/json",
            true,
        )
    }

    fn call(&mut self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(
            method,
            path,
            Some(body.to_string()),
            "application/json",
            true,
        )
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

/// Logs in, enrols TOTP, and returns the signed-in client and its secret.
fn sign_in_enrolling(mut c: Client, username: &str, password: &str) -> (Client, TotpSecret) {
    let (status, body) = c.login(username, password);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["next"], "mfa_enrollment");
    let (status, e) = c.call("POST", "/api/v1/auth/mfa/enroll", json!({}));
    assert_eq!(status, 200, "{e}");
    assert!(
        e["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(e["qr_svg"].as_str().unwrap().contains("<svg"));
    let secret = TotpSecret::from_base32(e["secret"].as_str().unwrap()).unwrap();
    let (status, done) = c.call(
        "POST",
        "/api/v1/auth/mfa/enroll/confirm",
        json!({"enrollment_token": e["enrollment_token"], "code": code(&secret, Timestamp::now())}),
    );
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["recovery_codes"].as_array().unwrap().len(), 10);
    (c, secret)
}

fn audit_actions(c: &mut Client, query: &str) -> Vec<String> {
    let (status, entries) = c.get(&format!("/api/v1/audit{query}"));
    assert_eq!(status, 200, "{entries}");
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn first_admin_setup_then_login_with_password_and_totp() {
    let s = TestServer::start();
    let mut anon = s.client();
    assert_eq!(anon.get("/healthz"), (200, Value::String("ok".into())));
    assert_eq!(anon.get("/readyz").0, 200);

    let (status, body) = anon.post("/api/v1/setup", json!({"token": "wrong", "username": "admin", "display_name": "管理者", "password": ADMIN_PW}));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("invalid_setup_token"))
    );
    let (status, body) = anon.post("/api/v1/setup", json!({"token": s.setup_token, "username": "admin", "display_name": "管理者", "password": "short"}));
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("password")),
        "{body}"
    );

    let (mut admin, secret) = s.admin();
    let (status, _) = anon.post("/api/v1/setup", json!({"token": s.setup_token, "username": "x2", "display_name": "x", "password": ADMIN_PW}));
    assert_eq!(status, 409, "setup works once");

    let (status, me) = admin.get("/api/v1/me");
    assert_eq!(status, 200, "{me}");

    // The built-in catalogs are loaded.
    let (status, cats) = admin.get("/api/v1/catalogs");
    assert_eq!(status, 200);
    let ids: Vec<&str> = cats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["seed-000", "seed-001", "seed-003", "seed-004"]);
    assert_eq!(cats[0]["requirement_count"], 33);
    let (status, sla) = admin.get("/api/v1/catalogs/seed-004");
    assert_eq!(status, 200);
    assert!(
        sla["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "SLA")
    );
    assert_eq!(admin.get("/api/v1/catalogs/seed-999").0, 404);
    assert_eq!(s.client().get("/api/v1/catalogs").0, 401);
    assert_eq!(me["user"]["role"], "system_admin");
    assert_eq!(me["user"]["mfa_enrolled"], true);

    // Wrong password and unknown account: the same generic answer.
    let (s1, b1) = s.client().login("admin", "Wrong-Password#1");
    let (s2, b2) = s.client().login("nobody", "Wrong-Password#1");
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(b1["error"], b2["error"]);

    // Log out; the session is gone.
    assert_eq!(admin.call("POST", "/api/v1/auth/logout", json!({})).0, 204);
    assert_eq!(admin.get("/api/v1/me").0, 401);

    // Log in again: password, then a TOTP code (the next step: the enrolment used this one).
    let mut c = s.client();
    let (status, body) = c.login("admin", ADMIN_PW);
    assert_eq!((status, body["next"].as_str()), (200, Some("mfa")));
    let (status, me) = c.get("/api/v1/me");
    assert_eq!(
        (status, me["error"]["code"].as_str()),
        (401, Some("mfa_required"))
    );
    assert_eq!(
        c.get("/api/v1/tenants").0,
        401,
        "nothing works before the second factor"
    );
    let replay = code(&secret, Timestamp::now() - SignedDuration::from_secs(30));
    let (status, _) = c.call("POST", "/api/v1/auth/mfa", json!({"code": replay}));
    assert_eq!(status, 401, "an earlier step is refused");
    let next = code(&secret, Timestamp::now() + SignedDuration::from_secs(30));
    let (status, body) = c.call("POST", "/api/v1/auth/mfa", json!({"code": next}));
    assert_eq!(
        (status, body["next"].as_str()),
        (200, Some("done")),
        "{body}"
    );
    assert_eq!(c.get("/api/v1/me").0, 200);

    let actions = audit_actions(&mut c, "");
    for a in [
        "setup_admin_created",
        "login_password_ok",
        "mfa_enrolled",
        "login",
        "logout",
        "login_failed",
        "mfa_failed",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    let metrics = anon.get("/metrics").1;
    assert!(
        metrics.as_str().unwrap().contains("kijun_logins_total 2"),
        "{metrics}"
    );

    // The audit chain written by the server verifies.
    let out = Command::new(env!("CARGO_BIN_EXE_kijun"))
        .args(["audit", "verify", "--data-dir"])
        .arg(s.dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn recovery_codes_work_once() {
    let s = TestServer::start();
    let c = s.client();
    c.post("/api/v1/setup", json!({"token": s.setup_token, "username": "admin", "display_name": "管理者", "password": ADMIN_PW}));
    let mut c = s.client();
    c.login("admin", ADMIN_PW);
    let (_, e) = c.call("POST", "/api/v1/auth/mfa/enroll", json!({}));
    let secret = TotpSecret::from_base32(e["secret"].as_str().unwrap()).unwrap();
    let (_, done) = c.call(
        "POST",
        "/api/v1/auth/mfa/enroll/confirm",
        json!({"enrollment_token": e["enrollment_token"], "code": code(&secret, Timestamp::now())}),
    );
    let recovery = done["recovery_codes"][0].as_str().unwrap().to_owned();
    for (attempt, expected) in [(1, 200), (2, 401)] {
        let mut c = s.client();
        assert_eq!(c.login("admin", ADMIN_PW).0, 200);
        let (status, body) = c.call(
            "POST",
            "/api/v1/auth/mfa",
            json!({"recovery_code": recovery.to_uppercase()}),
        );
        assert_eq!(status, expected, "attempt {attempt}: {body}");
    }
}

#[test]
fn accounts_lock_after_repeated_failures() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    for _ in 0..5 {
        assert_eq!(s.client().login("admin", "Wrong-Password#1").0, 401);
    }
    let (status, body) = s.client().login("admin", ADMIN_PW);
    assert_eq!(status, 401, "locked even with the right password: {body}");
    assert_eq!(
        body["error"]["code"], "login_failed",
        "the same generic answer"
    );
    let actions = audit_actions(&mut admin, "");
    assert!(actions.iter().any(|a| a == "account_locked"), "{actions:?}");
    assert!(actions.iter().any(|a| a == "login_refused"), "{actions:?}");
    let metrics = s.client().get("/metrics").1;
    assert!(
        metrics
            .as_str()
            .unwrap()
            .contains("kijun_account_lockouts_total 1")
    );
}

const USER_PW: &str = "Shokiki-Pass#2026";
const NEW_PW: &str = "Atarashii-Pass#2027";

/// Admin creates a tenant user; the user signs in, enrols MFA and changes
/// the initial password as required.
fn tenant_user(
    s: &TestServer,
    admin: &mut Client,
    tenant: &str,
    username: &str,
    role: &str,
) -> (Client, String) {
    let (status, u) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{tenant}/users"),
        json!({"username": username, "display_name": username, "role": role, "initial_password": USER_PW}),
    );
    assert_eq!(status, 201, "{u}");
    assert_eq!(u["must_change_password"], true);
    let (mut c, _) = sign_in_enrolling(s.client(), username, USER_PW);
    let (status, body) = c.get("/api/v1/tenants");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let (status, body) = c.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": USER_PW}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("password_policy")),
        "reuse refused"
    );
    let (status, body) = c.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": NEW_PW}),
    );
    assert_eq!(status, 204, "{body}");
    (c, u["id"].as_str().unwrap().to_owned())
}

#[test]
fn tenants_are_isolated_tokens_are_scoped_and_suspension_is_immediate() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (status, a) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    assert_eq!(status, 201, "{a}");
    let (_, b) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-b", "name": "B市"}),
    );
    let (a, b) = (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    );

    let (mut rev_a, rev_a_id) = tenant_user(&s, &mut admin, &a, "reviewer-a", "reviewer");
    let (_, u_b) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{b}/users"),
        json!({"username": "reviewer-b", "display_name": "B審査", "role": "reviewer", "initial_password": USER_PW}),
    );
    let b_user = u_b["id"].as_str().unwrap().to_owned();

    // Tenant A's reviewer sees its own tenant and gets 404 for every object of B.
    assert_eq!(rev_a.get(&format!("/api/v1/tenants/{a}")).0, 200);
    assert_eq!(rev_a.get(&format!("/api/v1/tenants/{a}/users")).0, 200);
    for path in [
        format!("/api/v1/tenants/{b}"),
        format!("/api/v1/tenants/{b}/users"),
        format!("/api/v1/tenants/{b}/settings"),
        format!("/api/v1/users/{b_user}"),
    ] {
        let (status, body) = rev_a.get(&path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.to_string().contains("B市"), "no data leaks: {body}");
    }
    let (status, body) = rev_a.call("POST", &format!("/api/v1/tenants/{b}/users"), json!({"username": "x-b", "display_name": "x", "role": "viewer", "initial_password": USER_PW}));
    assert_eq!(status, 404, "{body}");
    let (_, list) = rev_a.get("/api/v1/tenants");
    assert_eq!(list.as_array().unwrap().len(), 1);
    // A reviewer is not an administrator.
    let (status, _) = rev_a.call(
        "POST",
        &format!("/api/v1/users/{b_user}/suspend"),
        json!({}),
    );
    assert_eq!(status, 404);

    // CSRF: a state-changing request with the session cookie but no token.
    let (status, body) = rev_a.send(
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": "x", "expires_in_days": 1}).to_string()),
        "application/json",
        false,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("csrf"))
    );

    // API tokens are scoped: a viewer token of tenant A reads A, cannot write, cannot see B.
    let (status, tok) = rev_a.call(
        "POST",
        "/api/v1/tokens",
        json!({"name": "集計用", "expires_in_days": 30, "role": "viewer"}),
    );
    assert_eq!(status, 201, "{tok}");
    let (status, body) = rev_a.call(
        "POST",
        "/api/v1/tokens",
        json!({"name": "x", "expires_in_days": 30, "role": "tenant_admin"}),
    );
    assert_eq!(status, 400, "no token stronger than its user: {body}");
    let mut bot = s.client();
    bot.bearer = Some(tok["token"].as_str().unwrap().to_owned());
    assert_eq!(bot.get(&format!("/api/v1/tenants/{a}")).0, 200);
    assert_eq!(bot.get(&format!("/api/v1/tenants/{b}")).0, 404);
    assert_eq!(
        bot.get(&format!("/api/v1/tenants/{a}/users")).0,
        403,
        "viewer may not list users"
    );
    let (status, _) = bot.call("POST", &format!("/api/v1/tenants/{a}/users"), json!({"username": "x-a", "display_name": "x", "role": "viewer", "initial_password": USER_PW}));
    assert_eq!(status, 403);
    assert_eq!(
        bot.call(
            "POST",
            "/api/v1/tokens",
            json!({"name": "y", "expires_in_days": 1})
        )
        .0,
        403
    );

    // Suspension takes effect on the next request, for the session and the token.
    let (status, body) = admin.call(
        "POST",
        &format!("/api/v1/users/{rev_a_id}/suspend"),
        json!({}),
    );
    assert_eq!(
        (status, body["suspended"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    assert_eq!(rev_a.get("/api/v1/me").0, 401);
    assert_eq!(bot.get(&format!("/api/v1/tenants/{a}")).0, 401);
    let (status, _) = s.client().login("reviewer-a", NEW_PW);
    assert_eq!(status, 401, "a suspended account cannot log in");
    let (status, _) = admin.call(
        "POST",
        &format!("/api/v1/users/{rev_a_id}/reactivate"),
        json!({}),
    );
    assert_eq!(status, 200);
    assert_eq!(s.client().login("reviewer-a", NEW_PW).0, 200, "reactivated");
    assert_eq!(
        bot.get(&format!("/api/v1/tenants/{a}")).0,
        401,
        "revoked tokens stay revoked"
    );

    let actions = audit_actions(&mut admin, &format!("?tenant_id={a}"));
    for x in [
        "user_created",
        "mfa_enrolled",
        "password_changed",
        "api_token_created",
        "user_suspended",
        "user_reactivated",
    ] {
        assert!(actions.iter().any(|y| y == x), "{x} missing: {actions:?}");
    }
    let (status, csv) = admin.get(&format!("/api/v1/audit?tenant_id={a}&format=csv"));
    assert_eq!(status, 200);
    assert!(csv.as_str().unwrap().contains("user_suspended"));
}

#[test]
fn bad_requests_get_the_documented_error_body() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    // (method, path, body, status, error code, field)
    type Case = (
        &'static str,
        String,
        String,
        u16,
        &'static str,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/api/v1/tenants".into(),
            "{\"slug\": ".into(),
            400,
            "invalid_json",
            None,
        ),
        (
            "POST",
            "/api/v1/tenants".into(),
            "{\"slug\":\"x1\",\"name\":\"X\",\"extra\":1}".into(),
            400,
            "unknown_field",
            Some("extra"),
        ),
        (
            "POST",
            "/api/v1/tenants".into(),
            "{\"slug\":\"x1\"}".into(),
            400,
            "missing_field",
            Some("name"),
        ),
        (
            "POST",
            "/api/v1/tenants".into(),
            "{\"slug\":\"Bad Slug\",\"name\":\"X\"}".into(),
            400,
            "invalid_field",
            Some("slug"),
        ),
        (
            "POST",
            "/api/v1/tenants".into(),
            format!("{{\"slug\":\"x1\",\"name\":\"{}\"}}", "あ".repeat(400_000)),
            413,
            "payload_too_large",
            None,
        ),
        (
            "GET",
            "/api/v1/users/not-an-id".into(),
            String::new(),
            404,
            "not_found",
            None,
        ),
        (
            "GET",
            "/api/v1/no-such-route".into(),
            String::new(),
            404,
            "not_found",
            None,
        ),
    ];
    for (method, path, body, status, code, field) in cases {
        let (got, value) = if body.is_empty() {
            admin.get(&path)
        } else {
            admin.send(method, &path, Some(body.clone()), "application/json", true)
        };
        assert_eq!(got, status, "{method} {path}: {value}");
        assert_eq!(
            value["error"]["code"].as_str(),
            Some(code),
            "{method} {path}: {value}"
        );
        assert!(
            value["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert_eq!(value["error"]["field"].as_str(), field, "{value}");
    }
    let (status, value) = admin.send(
        "POST",
        "/api/v1/tenants",
        Some("slug=x".into()),
        "application/x-www-form-urlencoded",
        true,
    );
    assert_eq!(
        (status, value["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    for query in ["from=yesterday", "limit=many", "colour=red"] {
        let (status, value) = admin.send("GET", &format!("/api/v1/audit?{query}"), None, "", true);
        assert_eq!(
            (status, value["error"]["code"].as_str()),
            (400, Some("invalid_field")),
            "{query}: {value}"
        );
    }
    let (status, _) = admin.send("GET", "/api/v1/openapi.json", None, "", true);
    assert_eq!(status, 200);
}

#[test]
fn the_server_keeps_serving_when_its_output_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Reaper(
        Command::new(env!("CARGO_BIN_EXE_kijun"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(b) = line.strip_prefix("kijun: listening on ") {
            break b.trim().to_owned();
        }
    };
    drop(lines); // the operator's terminal goes away before the setup lines are printed
    std::thread::sleep(Duration::from_millis(300));
    let mut c = Client {
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into(),
        base,
        cookie: None,
        csrf: None,
        bearer: None,
    };
    assert_eq!(c.get("/healthz").0, 200);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn serve_with_builtin_tls() {
    let has = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !has("openssl") || !has("curl") {
        eprintln!("SKIP serve_with_builtin_tls: openssl or curl missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // A wrong key path stops the start with a message naming the file.
    let out = Command::new(env!("CARGO_BIN_EXE_kijun"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--tls-cert")
        .arg(&cert)
        .args(["--tls-key", "/nonexistent/key.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/key.pem"));

    let mut child = Reaper(
        Command::new(env!("CARGO_BIN_EXE_kijun"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--tls-cert")
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(b) = line.strip_prefix("kijun: listening on ") {
            break b.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    assert!(base.starts_with("https://"), "{base}");
    let out = Command::new("curl")
        .args(["-sk", "--tlsv1.2", &format!("{base}/healthz")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok");
    let plain = base.replace("https://", "http://");
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", &format!("{plain}/healthz")])
        .output()
        .unwrap();
    assert_ne!(
        String::from_utf8_lossy(&out.stdout),
        "ok",
        "plain HTTP is not served on the TLS port"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn mfa_exemption_needs_a_closed_network_deployment_and_tenant_consent() {
    // An internet deployment refuses the exemption.
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (_, u) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{t}/users"),
        json!({"username": "viewer-a", "display_name": "閲覧", "role": "viewer", "initial_password": USER_PW}),
    );
    let u = u["id"].as_str().unwrap().to_owned();
    let (status, body) = admin.call(
        "PUT",
        &format!("/api/v1/users/{u}/mfa-exempt"),
        json!({"exempt": true}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("mfa_exemption_not_allowed"))
    );
    let (status, body) = admin.call(
        "PUT",
        &format!("/api/v1/tenants/{t}/settings"),
        json!({"mfa_exempt_allowed": true}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("mfa_exemption_not_allowed"))
    );
    drop(s);

    // A closed-network deployment allows it once the tenant consents.
    let s = TestServer::start_with_config("[server]\nclosed_network = true\n");
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (_, u) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{t}/users"),
        json!({"username": "viewer-a", "display_name": "閲覧", "role": "viewer", "initial_password": USER_PW}),
    );
    let u = u["id"].as_str().unwrap().to_owned();
    let (status, _) = admin.call(
        "PUT",
        &format!("/api/v1/users/{u}/mfa-exempt"),
        json!({"exempt": true}),
    );
    assert_eq!(status, 400, "not before the tenant allows it");
    let (status, body) = admin.call(
        "PUT",
        &format!("/api/v1/tenants/{t}/settings"),
        json!({"mfa_exempt_allowed": true}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = admin.call(
        "PUT",
        &format!("/api/v1/users/{u}/mfa-exempt"),
        json!({"exempt": true}),
    );
    assert_eq!(
        (status, body["mfa_exempt"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let mut c = s.client();
    let (status, body) = c.login("viewer-a", USER_PW);
    assert_eq!(
        (status, body["next"].as_str()),
        (200, Some("password_change")),
        "no second factor: {body}"
    );
    let (status, _) = c.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": NEW_PW}),
    );
    assert_eq!(status, 204);
    assert_eq!(c.get(&format!("/api/v1/tenants/{t}")).0, 200);
}

#[test]
fn vendor_users_see_no_tenant_data() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (status, body) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "株式会社クラウド", "kind": "vendor"}),
    );
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("kind"))
    );
    let (status, org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "株式会社クラウド", "kind": "provider"}),
    );
    assert_eq!(status, 201, "{org}");
    let (_, other) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "導入株式会社", "kind": "integrator"}),
    );
    let org_id = org["id"].as_str().unwrap().to_owned();
    let (status, u) = admin.call(
        "POST",
        &format!("/api/v1/organisations/{org_id}/users"),
        json!({"username": "vendor1", "display_name": "提供者 一郎", "initial_password": USER_PW}),
    );
    assert_eq!(status, 201, "{u}");
    assert_eq!(u["role"], "vendor");
    assert_eq!(
        admin
            .call(
                "POST",
                "/api/v1/organisations/nope/users",
                json!({"username": "v2", "display_name": "x", "initial_password": USER_PW})
            )
            .0,
        404
    );

    let (mut vendor, _) = sign_in_enrolling(s.client(), "vendor1", USER_PW);
    let (status, _) = vendor.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": NEW_PW}),
    );
    assert_eq!(status, 204);
    let (status, tenants) = vendor.get("/api/v1/tenants");
    assert_eq!((status, tenants.as_array().map(Vec::len)), (200, Some(0)));
    assert_eq!(vendor.get(&format!("/api/v1/tenants/{t}")).0, 404);
    assert_eq!(vendor.get(&format!("/api/v1/tenants/{t}/users")).0, 404);
    let (_, orgs) = vendor.get("/api/v1/organisations");
    let names: Vec<&str> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["株式会社クラウド"],
        "only its own organisation, not {}",
        other["name"]
    );
    assert_eq!(
        vendor
            .call(
                "POST",
                "/api/v1/organisations",
                json!({"name": "x", "kind": "provider"})
            )
            .0,
        403
    );
    assert_eq!(vendor.get("/api/v1/catalogs").0, 200);
    assert_eq!(vendor.get("/api/v1/audit").0, 403);
}

#[test]
fn idle_sessions_expire() {
    let s = TestServer::start_with_config("[server]\nsession_idle_timeout = \"PT2S\"\n");
    let (mut admin, _) = s.admin();
    assert_eq!(admin.get("/api/v1/me").0, 200);
    std::thread::sleep(Duration::from_millis(2500));
    let (status, body) = admin.get("/api/v1/me");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("session_expired")),
        "{body}"
    );
    assert_eq!(admin.get("/api/v1/me").0, 401, "the session is gone");
}

#[test]
fn active_sessions_outlive_the_idle_timeout() {
    let s = TestServer::start_with_config("[server]\nsession_idle_timeout = \"PT2S\"\n");
    let (mut admin, _) = s.admin();
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(900));
        assert_eq!(
            admin.get("/api/v1/me").0,
            200,
            "activity keeps the session alive"
        );
    }
}

/// Signs a vendor user in (MFA enrolment, forced password change).
fn vendor_session(
    s: &TestServer,
    admin: &mut Client,
    org: &str,
    username: &str,
) -> (Client, String) {
    let (status, u) = admin.call(
        "POST",
        &format!("/api/v1/organisations/{org}/users"),
        json!({"username": username, "display_name": username, "initial_password": USER_PW}),
    );
    assert_eq!(status, 201, "{u}");
    let (mut c, _) = sign_in_enrolling(s.client(), username, USER_PW);
    let (status, _) = c.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": NEW_PW}),
    );
    assert_eq!(status, 204);
    (c, u["id"].as_str().unwrap().to_owned())
}

fn item_path(a: &str, item: &Value) -> String {
    format!(
        "/api/v1/assessments/{a}/items/{}/{}/{}",
        item["catalog_id"].as_str().unwrap(),
        item["requirement_id"].as_str().unwrap(),
        item["party"].as_str().unwrap()
    )
}

#[test]
fn an_assessment_cycle_over_http_agrees_with_kijun_assess() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, ta) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let (_, tb) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-b", "name": "B市"}),
    );
    let (ta, tb) = (
        ta["id"].as_str().unwrap().to_owned(),
        tb["id"].as_str().unwrap().to_owned(),
    );
    let (_, prov_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    let (_, int_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "導入株式会社", "kind": "integrator"}),
    );
    let (prov_org, int_org) = (
        prov_org["id"].as_str().unwrap().to_owned(),
        int_org["id"].as_str().unwrap().to_owned(),
    );

    let (mut reviewer, _) = tenant_user(&s, &mut admin, &ta, "reviewer-a", "reviewer");
    let (mut outsider, _) = tenant_user(&s, &mut admin, &tb, "reviewer-b", "reviewer");
    let (mut integ, integ_id) = vendor_session(&s, &mut admin, &int_org, "integ1");
    let (mut prov, prov_id) = vendor_session(&s, &mut admin, &prov_org, "prov1");
    let (mut stranger, _) = vendor_session(&s, &mut admin, &prov_org, "prov2");

    // Register a service (not ISMAP-registered, SaaS) with its subcontractor chain.
    let profile = json!({"ismap_registered": false, "service_model": "saas", "subcontracting": true, "network_segment": "internet"});
    let (status, body) = reviewer.call(
        "POST",
        &format!("/api/v1/tenants/{ta}/services"),
        json!({
            "name": "電子申請システム", "purpose": "住民からの申請受付", "department": "情報政策課",
            "provider_org_id": prov_org, "integrator_org_id": int_org, "profile": {"ismap": true}
        }),
    );
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("profile.ismap")),
        "{body}"
    );
    let (status, service) = reviewer.call("POST", &format!("/api/v1/tenants/{ta}/services"), json!({
        "name": "電子申請システム", "purpose": "住民からの申請受付", "department": "情報政策課",
        "provider_org_id": prov_org, "integrator_org_id": int_org, "profile": profile,
        "details": {"contract_start": "2026-04-01", "contract_end": "2031-03-31", "data_locations": ["日本"],
                    "governing_law": "日本法", "court": "東京地方裁判所",
                    "subcontractors": [{"name": "保守株式会社", "work": "運用", "security_officer": "山田", "personal_info_manager": "佐藤",
                                        "subcontractors": [{"name": "監視株式会社", "work": "監視", "security_officer": "鈴木", "personal_info_manager": "高橋"}]}]}
    }));
    assert_eq!(status, 201, "{service}");
    let service_id = service["id"].as_str().unwrap().to_owned();
    assert_eq!(
        outsider.get(&format!("/api/v1/services/{service_id}")).0,
        404
    );

    // Open an assessment against two seed catalogs.
    let (status, a) = reviewer.call(
        "POST",
        &format!("/api/v1/services/{service_id}/assessments"),
        json!({"phase": "selection", "catalogs": ["seed-000", "seed-003"]}),
    );
    assert_eq!(status, 201, "{a}");
    let a = a["id"].as_str().unwrap().to_owned();
    let (_, all_items) = reviewer.get(&format!("/api/v1/assessments/{a}/items"));
    let all_items = all_items.as_array().unwrap().clone();
    let count = |party: &str, cat: &str| {
        all_items
            .iter()
            .filter(|i| i["party"] == party && i["catalog_id"] == cat)
            .count()
    };
    assert_eq!(count("integrator", "seed-000"), 29);
    assert_eq!(count("provider", "seed-000"), 31);

    // Invite the integrator's and the provider's users (each for its own organisation only).
    let (status, _) = reviewer.call(
        "POST",
        &format!("/api/v1/assessments/{a}/invitations"),
        json!({"user_id": prov_id, "party": "integrator"}),
    );
    assert_eq!(
        status, 400,
        "a provider user cannot answer for the integrator"
    );
    assert_eq!(
        reviewer
            .call(
                "POST",
                &format!("/api/v1/assessments/{a}/invitations"),
                json!({"user_id": integ_id, "party": "integrator"})
            )
            .0,
        204
    );
    assert_eq!(
        reviewer
            .call(
                "POST",
                &format!("/api/v1/assessments/{a}/invitations"),
                json!({"user_id": prov_id, "party": "provider"})
            )
            .0,
        204
    );

    // Each vendor sees only its own party's items.
    let (_, mine) = integ.get(&format!("/api/v1/assessments/{a}/items"));
    let integ_items = mine.as_array().unwrap().clone();
    assert!(!integ_items.is_empty() && integ_items.iter().all(|i| i["party"] == "integrator"));
    let (_, mine) = prov.get(&format!("/api/v1/assessments/{a}/items"));
    let prov_items = mine.as_array().unwrap().clone();
    assert!(prov_items.iter().all(|i| i["party"] == "provider"));
    assert!(
        prov_items[0]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "requirement text shown"
    );

    // Submitting with unanswered items is refused.
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/assessments/{a}/submit"),
        json!({}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("unanswered_items"))
    );

    // Authorisation: 404 for the other party's items, for an assessment one is not invited to, and for another tenant.
    let integ_item = item_path(&a, &integ_items[0]);
    assert_eq!(
        prov.call("PUT", &integ_item, json!({"status": "conforms"}))
            .0,
        404
    );
    assert_eq!(
        prov.call(
            "POST",
            &format!("{integ_item}/review"),
            json!({"decision": "accept"})
        )
        .0,
        404
    );
    for (who, c) in [
        ("not invited", &mut stranger),
        ("other tenant", &mut outsider),
    ] {
        for path in [
            format!("/api/v1/assessments/{a}"),
            format!("/api/v1/assessments/{a}/items"),
            format!("/api/v1/assessments/{a}/evaluation"),
            format!("/api/v1/assessments/{a}/history"),
        ] {
            assert_eq!(c.get(&path).0, 404, "{who}: GET {path}");
        }
        assert_eq!(
            c.call("PUT", &integ_item, json!({"status": "conforms"})).0,
            404,
            "{who}"
        );
        assert_eq!(
            c.call(
                "POST",
                &format!("/api/v1/assessments/{a}/submit"),
                json!({})
            )
            .0,
            404,
            "{who}"
        );
        assert_eq!(
            c.call(
                "POST",
                &format!("/api/v1/assessments/{a}/invitations"),
                json!({"user_id": integ_id, "party": "integrator"})
            )
            .0,
            404,
            "{who}"
        );
        assert_eq!(
            c.call(
                "POST",
                &format!("/api/v1/assessments/{a}/verdict"),
                json!({"verdict": "rejected", "note": "x"})
            )
            .0,
            404,
            "{who}"
        );
        assert_eq!(
            c.call(
                "POST",
                &format!("{integ_item}/review"),
                json!({"decision": "accept"})
            )
            .0,
            404,
            "{who}"
        );
    }
    assert_eq!(
        prov.get(&format!("/api/v1/assessments/{a}/evaluation")).0,
        404,
        "vendors do not see the evaluation"
    );

    // Answers: everything conforms except one partial with a plan (integrator) and one not-applicable (provider).
    let (status, body) = integ.call(
        "PUT",
        &integ_item,
        json!({"status": "partial", "plan": "ISMS 認証を取得する"}),
    );
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("plan"))
    );
    for (i, item) in integ_items.iter().enumerate() {
        let answer = if i == 0 {
            json!({"status": "partial", "comment": "取得手続中", "plan": "ISMS 認証を取得する", "due": "2027-03-31"})
        } else {
            json!({"status": "conforms", "comment": "対応済み", "evidence": [format!("doc-{i}.pdf")]})
        };
        let (status, body) = integ.call("PUT", &item_path(&a, item), answer);
        assert_eq!(status, 200, "{body}");
    }
    for (i, item) in prov_items.iter().enumerate() {
        let answer = if item["requirement_id"] == "1-8" {
            json!({"status": "not_applicable", "reason": "再委託先の情報は契約時に提出済み"})
        } else {
            json!({"status": "conforms", "evidence": [format!("p-{i}.pdf")]})
        };
        assert_eq!(prov.call("PUT", &item_path(&a, item), answer).0, 200);
    }
    assert_eq!(
        integ
            .call(
                "POST",
                &format!("/api/v1/assessments/{a}/submit"),
                json!({})
            )
            .0,
        200
    );
    assert_eq!(
        prov.call(
            "POST",
            &format!("/api/v1/assessments/{a}/submit"),
            json!({})
        )
        .0,
        200
    );
    let (status, body) = integ.call("PUT", &integ_item, json!({"status": "conforms"}));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("not_editable")),
        "submitted items are frozen"
    );

    // Review: one item returned with a comment, re-answered, re-submitted, then accepted.
    let returned = item_path(&a, &integ_items[1]);
    let (status, _) = reviewer.call(
        "POST",
        &format!("{returned}/review"),
        json!({"decision": "return"}),
    );
    assert_eq!(status, 400, "a return needs a comment");
    let (status, _) = reviewer.call(
        "POST",
        &format!("{returned}/review"),
        json!({"decision": "return", "comment": "根拠資料を追加してください"}),
    );
    assert_eq!(status, 200);
    let (_, mine) = integ.get(&format!("/api/v1/assessments/{a}/items"));
    let back = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["requirement_id"] == integ_items[1]["requirement_id"]
                && i["catalog_id"] == integ_items[1]["catalog_id"]
        })
        .unwrap()
        .clone();
    assert_eq!(
        (back["state"].as_str(), back["review_comment"].as_str()),
        (Some("returned"), Some("根拠資料を追加してください"))
    );
    assert_eq!(
        integ
            .call(
                "PUT",
                &returned,
                json!({"status": "conforms", "evidence": ["doc-1.pdf", "doc-1b.pdf"]})
            )
            .0,
        200
    );
    let (_, sub) = integ.call(
        "POST",
        &format!("/api/v1/assessments/{a}/submit"),
        json!({}),
    );
    assert_eq!(sub["submitted"], 1);

    let (_, status_now) = reviewer.get(&format!("/api/v1/assessments/{a}"));
    assert_eq!(
        status_now["counts"]["submitted"].as_u64().unwrap() as usize,
        all_items.len()
    );
    let (status, body) = reviewer.call(
        "POST",
        &format!("/api/v1/assessments/{a}/verdict"),
        json!({"verdict": "conditional", "note": "x"}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("review_incomplete"))
    );
    for item in &all_items {
        assert_eq!(
            reviewer
                .call(
                    "POST",
                    &format!("{}/review", item_path(&a, item)),
                    json!({"decision": "accept"})
                )
                .0,
            200
        );
    }
    let (status, body) = reviewer.call(
        "POST",
        &format!("/api/v1/assessments/{a}/verdict"),
        json!({"verdict": "approved", "note": "問題なし"}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("verdict_not_supported")),
        "{body}"
    );
    let (status, decision) = reviewer.call(
        "POST",
        &format!("/api/v1/assessments/{a}/verdict"),
        json!({
            "verdict": "conditional", "note": "ISMS 認証取得を条件に承認する",
            "conditions": [{"text": "認証取得後に登録証を提出", "due": "2027-04-30"}]
        }),
    );
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["computed_verdict"], "conditional");
    let conditions = decision["conditions"].as_array().unwrap();
    assert!(
        conditions
            .iter()
            .any(|c| c["due"] == "2027-03-31" && c["source"] == "answer")
    );
    assert!(
        conditions
            .iter()
            .any(|c| c["due"] == "2027-04-30" && c["source"] == "reviewer")
    );
    assert_eq!(
        reviewer
            .call(
                "POST",
                &format!("/api/v1/assessments/{a}/verdict"),
                json!({"verdict": "rejected", "note": "x"})
            )
            .0,
        409,
        "decided once"
    );

    // The same answers through `kijun assess` give the same verdicts and gaps.
    let (_, evaluation) = reviewer.get(&format!("/api/v1/assessments/{a}/evaluation"));
    let mut answers = String::new();
    let (_, items_now) = reviewer.get(&format!("/api/v1/assessments/{a}/items"));
    for now in items_now.as_array().unwrap() {
        let ans = &now["answer"];
        answers.push_str(&format!(
            "[[answers]]\ncatalog = \"{}\"\nrequirement = \"{}\"\nparty = \"{}\"\nstatus = \"{}\"\n",
            now["catalog_id"].as_str().unwrap(),
            now["requirement_id"].as_str().unwrap(),
            now["party"].as_str().unwrap(),
            ans["status"].as_str().unwrap()
        ));
        if let Some(r) = ans["reason"].as_str() {
            answers.push_str(&format!("reason = \"{r}\"\n"));
        }
        if let Some(p) = ans["plan"].as_str() {
            answers.push_str(&format!(
                "plan = \"{p}\"\ndue = {}\n",
                ans["due"].as_str().unwrap()
            ));
        }
        answers.push('\n');
    }
    std::fs::write(s.dir.path().join("answers.toml"), &answers).unwrap();
    std::fs::write(s.dir.path().join("profile.toml"), "ismap_registered = false\nservice_model = \"saas\"\nsubcontracting = true\nnetwork_segment = \"internet\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kijun"))
        .args([
            "assess",
            "--profile",
            "profile.toml",
            "--answers",
            "answers.toml",
            "--catalog",
            "seed-000",
            "--catalog",
            "seed-003",
            "--format",
            "json",
        ])
        .current_dir(s.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (web, cli) in evaluation["catalogs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(cli["catalogs"].as_array().unwrap())
    {
        assert_eq!(web["id"], cli["id"]);
        assert_eq!(web["verdict"], cli["verdict"], "{}", web["id"]);
        assert_eq!(web["gaps"], cli["gaps"], "{}", web["id"]);
        assert_eq!(web["summary"], cli["summary"], "{}", web["id"]);
    }
    assert_eq!(evaluation["verdict"], "conditional");

    // The printable view carries the verdict, the note and the conditions; a vendor's shows its own party only.
    let (status, html) = reviewer.get(&format!("/assessments/{a}/print"));
    let html = html.as_str().unwrap_or_default().to_owned();
    assert_eq!(status, 200);
    assert!(
        html.contains("外部サービス審査結果")
            && html.contains("条件付き承認")
            && html.contains("ISMS 認証取得を条件に承認する")
    );
    assert!(html.contains("認証取得後に登録証を提出") && html.contains("2027-04-30"));
    let (status, html) = prov.get(&format!("/assessments/{a}/print"));
    let html = html.as_str().unwrap_or_default().to_owned();
    assert_eq!(status, 200);
    assert!(
        html.contains("外部サービス提供者・必須") && !html.contains("導入事業者・必須"),
        "a vendor prints only its own party"
    );
    assert!(
        !html.contains("ISMS 認証取得を条件に承認する"),
        "nor the reviewer's note"
    );

    // The whole cycle is in the history and the audit log.
    let (_, hist) = reviewer.get(&format!("/api/v1/assessments/{a}/history"));
    let events: Vec<&str> = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for e in [
        "opened",
        "invited",
        "answered",
        "submitted",
        "returned",
        "accepted",
        "decided",
    ] {
        assert!(events.contains(&e), "{e} missing from history");
    }
    let (_, prov_hist) = prov.get(&format!("/api/v1/assessments/{a}/history"));
    assert!(
        prov_hist
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["item"].as_str().is_none_or(|i| i.ends_with("/provider")))
    );
    let actions = audit_actions(&mut admin, &format!("?tenant_id={ta}"));
    for x in [
        "service_created",
        "assessment_opened",
        "assessment_invited",
        "assessment_answered",
        "assessment_submitted",
        "assessment_item_returned",
        "assessment_decided",
    ] {
        assert!(
            actions.iter().any(|y| y == x),
            "{x} missing from the audit log"
        );
    }
}

/// Starts `kijun serve` with extra arguments and environment, returning the
/// process and its base URL (without waiting for a setup token).
fn spawn_serve(args: &[&std::ffi::OsStr], envs: &[(&str, &str)]) -> (Reaper, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kijun"));
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd.env_remove("KIJUN_MASTER_KEY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = Reaper(cmd.spawn().unwrap());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(b) = line.strip_prefix("kijun: listening on ") {
            break b.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

fn upload(c: &mut Client, path: &str, content_type: &str, bytes: &[u8]) -> (u16, Value) {
    let mut req = ureq::http::Request::builder()
        .method("POST")
        .uri(format!("{}{path}", c.base))
        .header("content-type", content_type);
    if let Some(k) = &c.cookie {
        req = req.header("cookie", k.as_str());
    }
    if let Some(t) = &c.csrf {
        req = req.header("x-csrf-token", t.as_str());
    }
    let mut resp = c.agent.run(req.body(bytes.to_vec()).unwrap()).unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn download(c: &mut Client, path: &str) -> (u16, Vec<u8>, Option<String>) {
    let mut req = ureq::http::Request::builder()
        .method("GET")
        .uri(format!("{}{path}", c.base));
    if let Some(k) = &c.cookie {
        req = req.header("cookie", k.as_str());
    }
    let mut resp = c.agent.run(req.body(()).unwrap()).unwrap();
    let sha = resp
        .headers()
        .get("x-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_vec().unwrap_or_default(),
        sha,
    )
}

#[test]
fn evidence_is_encrypted_scoped_to_the_party_and_fails_closed_on_a_wrong_master_key() {
    use sha2::Digest;
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, ta) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let ta = ta["id"].as_str().unwrap().to_owned();
    let (_, prov_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    let (_, int_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "導入株式会社", "kind": "integrator"}),
    );
    let (prov_org, int_org) = (
        prov_org["id"].as_str().unwrap().to_owned(),
        int_org["id"].as_str().unwrap().to_owned(),
    );
    let (mut prov, prov_id) = vendor_session(&s, &mut admin, &prov_org, "prov1");
    let (mut integ, integ_id) = vendor_session(&s, &mut admin, &int_org, "integ1");
    let (_, service) = admin.call("POST", &format!("/api/v1/tenants/{ta}/services"), json!({
        "name": "電子申請", "purpose": "申請", "department": "情報政策課", "provider_org_id": prov_org, "integrator_org_id": int_org
    }));
    let (_, a) = admin.call(
        "POST",
        &format!(
            "/api/v1/services/{}/assessments",
            service["id"].as_str().unwrap()
        ),
        json!({"phase": "selection", "catalogs": ["seed-004"]}),
    );
    let a = a["id"].as_str().unwrap().to_owned();
    admin.call(
        "POST",
        &format!("/api/v1/assessments/{a}/invitations"),
        json!({"user_id": prov_id, "party": "provider"}),
    );
    admin.call(
        "POST",
        &format!("/api/v1/assessments/{a}/invitations"),
        json!({"user_id": integ_id, "party": "integrator"}),
    );

    let pdf: Vec<u8> = [
        b"%PDF-1.7\n".as_slice(),
        "情報セキュリティ基本方針 — 機密の証跡".as_bytes(),
        &vec![b'x'; 150_000],
    ]
    .concat();
    let (status, rec) = upload(
        &mut prov,
        &format!("/api/v1/assessments/{a}/evidence?filename=%E6%96%B9%E9%87%9D.pdf"),
        "application/pdf",
        &pdf,
    );
    assert_eq!(status, 201, "{rec}");
    let expected: String = sha2::Sha256::digest(&pdf)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(rec["sha256"], expected.as_str());
    assert_eq!(rec["filename"], "方針.pdf");
    let id = rec["id"].as_str().unwrap().to_owned();
    let (status, rec2) = upload(
        &mut prov,
        &format!("/api/v1/assessments/{a}/evidence?filename=copy.pdf"),
        "application/pdf",
        &pdf,
    );
    assert_eq!(status, 201);
    // Larger than the 1 MiB limit of JSON bodies: evidence has its own limit.
    let big: Vec<u8> = [b"%PDF-1.4\n".as_slice(), &vec![b'y'; 2 * 1024 * 1024]].concat();
    let (status, big_rec) = upload(
        &mut integ,
        &format!("/api/v1/assessments/{a}/evidence?filename=big.pdf"),
        "application/pdf",
        &big,
    );
    assert_eq!(status, 201, "{big_rec}");

    // On disk: neither the plaintext nor the same bytes twice.
    let blobs: Vec<Vec<u8>> = walk(&s.dir.path().join("data/blobs"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(blobs.len(), 3);
    for b in &blobs {
        assert!(
            !b.windows(9).any(|w| w == b"%PDF-1.7\n"),
            "plaintext header on disk"
        );
        assert!(
            !b.windows(30).any(|w| w == &pdf[9..39]),
            "plaintext on disk"
        );
    }
    let small: Vec<&Vec<u8>> = blobs.iter().filter(|b| b.len() < 1024 * 1024).collect();
    assert_eq!(small.len(), 2);
    assert_ne!(
        small[0], small[1],
        "the same file encrypts differently each time"
    );

    // Download: the same bytes, the recorded SHA-256, audit-logged; the other party and a wrong type are refused.
    let (status, bytes, sha) = download(&mut prov, &format!("/api/v1/evidence/{id}"));
    assert_eq!((status, sha.as_deref()), (200, Some(expected.as_str())));
    assert_eq!(bytes, pdf);
    assert_eq!(
        download(&mut integ, &format!("/api/v1/evidence/{id}")).0,
        404,
        "the other party's file"
    );
    let (_, listed) = integ.get(&format!("/api/v1/assessments/{a}/evidence"));
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["filename"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["big.pdf"],
        "a vendor lists only its own party's files"
    );
    assert_eq!(
        download(
            &mut admin,
            &format!("/api/v1/evidence/{}", rec2["id"].as_str().unwrap())
        )
        .0,
        200,
        "tenant staff see all"
    );
    let (status, body) = upload(
        &mut integ,
        &format!("/api/v1/assessments/{a}/evidence?filename=a.png"),
        "image/png",
        &pdf,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_evidence")),
        "a PDF declared as PNG"
    );
    let (status, _) = upload(
        &mut integ,
        &format!("/api/v1/assessments/{a}/evidence?filename=x.exe"),
        "application/pdf",
        b"MZ\x90\x00rest",
    );
    assert_eq!(status, 400);
    let actions = audit_actions(&mut admin, &format!("?tenant_id={ta}"));
    assert!(
        actions.iter().any(|x| x == "evidence_downloaded")
            && actions.iter().any(|x| x == "evidence_uploaded")
    );

    // Restart on the same data with another master key: downloads fail closed with a clear error.
    let data = s.dir.path().join("data");
    let cookie = admin.cookie.clone();
    drop(admin);
    let wrong = "11".repeat(32);
    let mut s = s;
    let _ = s.child.kill();
    let _ = s.child.wait();
    let (mut child, base) = spawn_serve(
        &[std::ffi::OsStr::new("--data-dir"), data.as_os_str()],
        &[("KIJUN_MASTER_KEY", &wrong)],
    );
    let mut c = Client {
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into(),
        base,
        cookie,
        csrf: None,
        bearer: None,
    };
    let mut req = ureq::http::Request::builder()
        .method("GET")
        .uri(format!("{}/api/v1/evidence/{id}", c.base));
    if let Some(k) = &c.cookie {
        req = req.header("cookie", k.as_str());
    }
    let mut resp = c.agent.run(req.body(()).unwrap()).unwrap();
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap_or_default())
        .unwrap_or(Value::Null);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("master_key_mismatch")),
        "{body}"
    );
    let _ = c.get("/healthz");
    let _ = child.kill();
    let _ = child.wait();
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_dashboard_shows_what_needs_attention() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, ta) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let ta = ta["id"].as_str().unwrap().to_owned();
    let (_, prov_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    let prov_org = prov_org["id"].as_str().unwrap().to_owned();
    let (mut prov, prov_id) = vendor_session(&s, &mut admin, &prov_org, "prov1");
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap())
        .date();
    let soon = today
        .checked_add(jiff::Span::new().days(30))
        .unwrap()
        .to_string();
    let expired = today
        .checked_sub(jiff::Span::new().days(1))
        .unwrap()
        .to_string();
    let (status, service) = admin.call("POST", &format!("/api/v1/tenants/{ta}/services"), json!({
        "name": "電子申請", "purpose": "申請", "department": "情報政策課", "provider_org_id": prov_org,
        "profile": {"remote_maintenance": false},
        "details": {"ismap": {"number": "C21-0001", "valid_until": soon},
                    "certifications": [{"name": "ISO/IEC 27017", "issuer": "JQA", "valid_until": expired}]}
    }));
    assert_eq!(status, 201, "{service}");
    admin.call(
        "POST",
        &format!("/api/v1/tenants/{ta}/services"),
        json!({"name": "未審査のサービス", "purpose": "x", "department": "y"}),
    );
    let (_, a) = admin.call(
        "POST",
        &format!(
            "/api/v1/services/{}/assessments",
            service["id"].as_str().unwrap()
        ),
        json!({"phase": "operation", "catalogs": ["seed-004"]}),
    );
    let a = a["id"].as_str().unwrap().to_owned();
    admin.call(
        "POST",
        &format!("/api/v1/assessments/{a}/invitations"),
        json!({"user_id": prov_id, "party": "provider"}),
    );

    let (_, d) = admin.get(&format!("/api/v1/tenants/{ta}/dashboard"));
    assert_eq!(d["services_by_status"]["審査中"], 1, "{d}");
    assert_eq!(d["services_by_status"]["未審査"], 1);
    assert_eq!(d["waiting"][0]["with_vendors"], 36);
    let expiring: Vec<(&str, i64)> = d["expiring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["what"].as_str().unwrap(),
                e["days_left"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(expiring, [("ISO/IEC 27017", -1), ("ISMAP 登録", 30)]);
    let due: Vec<&str> = d["reassessment_due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["service"].as_str().unwrap())
        .collect();
    assert_eq!(
        due,
        ["未審査のサービス"],
        "the service under assessment is not due"
    );

    // The provider answers (one partial with a plan already overdue), the reviewer accepts all and approves with conditions.
    let (_, items) = prov.get(&format!("/api/v1/assessments/{a}/items"));
    for (i, item) in items.as_array().unwrap().iter().enumerate() {
        let answer = if i == 0 {
            json!({"status": "partial", "plan": "月次報告の様式を整備", "due": "2020-01-01"})
        } else {
            json!({"status": "conforms"})
        };
        assert_eq!(prov.call("PUT", &item_path(&a, item), answer).0, 200);
    }
    prov.call(
        "POST",
        &format!("/api/v1/assessments/{a}/submit"),
        json!({}),
    );
    let (_, d) = admin.get(&format!("/api/v1/tenants/{ta}/dashboard"));
    assert_eq!(
        (
            d["waiting"][0]["to_review"].as_i64(),
            d["waiting"][0]["with_vendors"].as_i64()
        ),
        (Some(36), Some(0))
    );
    for item in items.as_array().unwrap() {
        admin.call(
            "POST",
            &format!("{}/review", item_path(&a, item)),
            json!({"decision": "accept"}),
        );
    }
    let (status, body) = admin.call(
        "POST",
        &format!("/api/v1/assessments/{a}/verdict"),
        json!({"verdict": "conditional", "note": "様式整備を条件に承認"}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, d) = admin.get(&format!("/api/v1/tenants/{ta}/dashboard"));
    assert_eq!(d["services_by_status"]["条件付き承認"], 1, "{d}");
    assert_eq!(d["overdue_conditions"].as_array().unwrap().len(), 1);
    assert_eq!(d["overdue_conditions"][0]["due"], "2020-01-01");
    assert!(d["waiting"].as_array().unwrap().is_empty());
    // Vendors have no dashboard; another tenant's is 404.
    assert_eq!(prov.get(&format!("/api/v1/tenants/{ta}/dashboard")).0, 404);

    // The condition is met: recorded once, then no longer overdue.
    let met = format!("/api/v1/assessments/{a}/conditions/0/met");
    assert_eq!(
        prov.call("POST", &met, json!({"note": "様式を整備した"})).0,
        403
    );
    let (status, body) = admin.call("POST", &met, json!({"note": " "}));
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("note"))
    );
    let (status, decision) = admin.call("POST", &met, json!({"note": "月次報告の様式を受領"}));
    assert_eq!(status, 200, "{decision}");
    assert_eq!(
        decision["conditions"][0]["met_note"],
        "月次報告の様式を受領"
    );
    assert!(decision["conditions"][0]["met_at"].is_string());
    assert_eq!(admin.call("POST", &met, json!({"note": "再度"})).0, 409);
    assert_eq!(
        admin
            .call(
                "POST",
                &format!("/api/v1/assessments/{a}/conditions/9/met"),
                json!({"note": "x"})
            )
            .0,
        404
    );
    let (_, d) = admin.get(&format!("/api/v1/tenants/{ta}/dashboard"));
    assert!(
        d["overdue_conditions"].as_array().unwrap().is_empty(),
        "{d}"
    );
    let (_, history) = admin.get(&format!("/api/v1/assessments/{a}/history"));
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["event"] == "condition_met"),
        "{history}"
    );
    let (_, page) = html(&mut admin, &format!("/assessments/{a}"));
    assert!(
        page.contains("達成済み") && page.contains("月次報告の様式を受領"),
        "{page}"
    );
}

#[test]
fn answers_once_prefill_across_assessments_and_tenants_only_with_consent() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, ta) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let (_, tb) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-b", "name": "B市"}),
    );
    let (ta, tb) = (
        ta["id"].as_str().unwrap().to_owned(),
        tb["id"].as_str().unwrap().to_owned(),
    );
    let (_, org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    let org = org["id"].as_str().unwrap().to_owned();
    let (mut prov, prov_id) = vendor_session(&s, &mut admin, &org, "prov1");
    let open = |admin: &mut Client, tenant: &str, catalogs: Value| -> String {
        let (_, svc) = admin.call("POST", &format!("/api/v1/tenants/{tenant}/services"), json!({
            "name": "電子申請", "purpose": "申請", "department": "情報政策課", "provider_org_id": org, "profile": {"remote_maintenance": false}
        }));
        let (_, a) = admin.call(
            "POST",
            &format!(
                "/api/v1/services/{}/assessments",
                svc["id"].as_str().unwrap()
            ),
            json!({"phase": "selection", "catalogs": catalogs}),
        );
        let a = a["id"].as_str().unwrap().to_owned();
        assert_eq!(
            admin
                .call(
                    "POST",
                    &format!("/api/v1/assessments/{a}/invitations"),
                    json!({"user_id": prov_id, "party": "provider"})
                )
                .0,
            204
        );
        a
    };

    // Tenant A: the provider answers everything once.
    let a1 = open(&mut admin, &ta, json!(["seed-004"]));
    let (_, items) = prov.get(&format!("/api/v1/assessments/{a1}/items"));
    let n = items.as_array().unwrap().len();
    for item in items.as_array().unwrap() {
        assert_eq!(
            prov.call(
                "PUT",
                &item_path(&a1, item),
                json!({"status": "conforms", "comment": "全社規程に基づき対応"})
            )
            .0,
            200
        );
    }
    let (_, lib) = prov.get("/api/v1/library");
    assert_eq!(
        lib.as_array().unwrap().len(),
        n,
        "every answer is kept in the library"
    );

    // A second assessment in the same tenant is pre-filled at invitation, marked, and must be confirmed.
    let a2 = open(&mut admin, &ta, json!(["seed-004"]));
    let (_, items2) = prov.get(&format!("/api/v1/assessments/{a2}/items"));
    let items2 = items2.as_array().unwrap().clone();
    assert!(
        items2
            .iter()
            .all(|i| i["prefilled"] == true && i["answer"]["comment"] == "全社規程に基づき対応")
    );
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/assessments/{a2}/submit"),
        json!({}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("unconfirmed_prefill"))
    );
    for item in &items2 {
        prov.call("PUT", &item_path(&a2, item), item["answer"].clone());
    }
    assert_eq!(
        prov.call(
            "POST",
            &format!("/api/v1/assessments/{a2}/submit"),
            json!({})
        )
        .0,
        200
    );

    // Tenant B: nothing crosses over without consent.
    let b1 = open(&mut admin, &tb, json!(["seed-004"]));
    let (_, items_b) = prov.get(&format!("/api/v1/assessments/{b1}/items"));
    assert!(
        items_b
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["answer"].is_null() && i["prefilled"] == false)
    );
    assert_eq!(
        prov.call(
            "POST",
            "/api/v1/library/consents",
            json!({"tenant_id": "not-a-tenant"})
        )
        .0,
        404
    );
    // Consent is the organisation's: a colleague never invited anywhere may
    // give it; a user of an organisation that does not work for B may not.
    let (mut colleague, _) = vendor_session(&s, &mut admin, &org, "prov-colleague");
    assert_eq!(
        colleague
            .call("POST", "/api/v1/library/consents", json!({"tenant_id": tb}))
            .0,
        204
    );
    let (_, other_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "無関係株式会社", "kind": "provider"}),
    );
    let (mut unrelated, _) = vendor_session(
        &s,
        &mut admin,
        other_org["id"].as_str().unwrap(),
        "unrelated1",
    );
    assert_eq!(
        unrelated
            .call("POST", "/api/v1/library/consents", json!({"tenant_id": tb}))
            .0,
        404
    );
    assert_eq!(
        prov.call("POST", "/api/v1/library/consents", json!({"tenant_id": tb}))
            .0,
        204
    );
    let (_, filled) = prov.call(
        "POST",
        &format!("/api/v1/assessments/{b1}/prefill"),
        json!({}),
    );
    assert_eq!(filled["prefilled"].as_u64().unwrap() as usize, n);
    // Revoked: the next assessment in B starts empty again.
    assert_eq!(
        prov.call(
            "DELETE",
            &format!("/api/v1/library/consents/{tb}"),
            json!({})
        )
        .0,
        204
    );
    let b2 = open(&mut admin, &tb, json!(["seed-004"]));
    let (_, filled) = prov.call(
        "POST",
        &format!("/api/v1/assessments/{b2}/prefill"),
        json!({}),
    );
    assert_eq!(filled["prefilled"], 0);

    // A control-level answer pre-fills every requirement tagged with it, in another catalog too.
    let (status, body) = prov.call("PUT", "/api/v1/library", json!({"scope": "control", "key": "mfa", "party": "provider", "answer": {"status": "conforms", "comment": "TOTP 必須"}}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(prov.call("PUT", "/api/v1/library", json!({"scope": "control", "key": "telepathy", "party": "provider", "answer": {"status": "conforms"}})).0, 400);
    // Entries written in the library directly come from no tenant: they too need the tenant's consent.
    let mfa_item = |prov: &mut Client, a: &str| -> Value {
        let (_, items) = prov.get(&format!("/api/v1/assessments/{a}/items"));
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| {
                i["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("多要素認証")
            })
            .unwrap()
            .clone()
    };
    let a3 = open(&mut admin, &ta, json!(["seed-001"]));
    assert_eq!(mfa_item(&mut prov, &a3)["prefilled"], false);
    assert_eq!(
        prov.call("POST", "/api/v1/library/consents", json!({"tenant_id": ta}))
            .0,
        204
    );
    prov.call(
        "POST",
        &format!("/api/v1/assessments/{a3}/prefill"),
        json!({}),
    );
    let mfa = mfa_item(&mut prov, &a3);
    assert_eq!(
        (
            mfa["prefilled"].as_bool(),
            mfa["answer"]["comment"].as_str()
        ),
        (Some(true), Some("TOTP 必須"))
    );
    // Staff cannot use a vendor's library.
    assert_eq!(admin.get("/api/v1/library").0, 403);
}

#[test]
fn oversized_evidence_gets_the_json_error() {
    let s = TestServer::start_with_config("[server]\nmax_evidence_bytes = 1000\n");
    let (mut admin, _) = s.admin();
    let (_, ta) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let (_, svc) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{}/services", ta["id"].as_str().unwrap()),
        json!({"name": "x", "purpose": "y", "department": "z"}),
    );
    let (_, a) = admin.call(
        "POST",
        &format!(
            "/api/v1/services/{}/assessments",
            svc["id"].as_str().unwrap()
        ),
        json!({"phase": "selection", "catalogs": ["seed-004"]}),
    );
    let a = a["id"].as_str().unwrap().to_owned();
    let big: Vec<u8> = [b"%PDF-1.4\n".as_slice(), &[b'z'; 5000]].concat();
    let (status, body) = upload(
        &mut admin,
        &format!("/api/v1/assessments/{a}/evidence?filename=big.pdf"),
        "application/pdf",
        &big,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    let (status, _) = upload(
        &mut admin,
        &format!("/api/v1/assessments/{a}/evidence?filename=ok.pdf"),
        "application/pdf",
        b"%PDF-1.4\nsmall",
    );
    assert_eq!(status, 201);
}

#[test]
fn the_assessment_list_filters_by_due_date() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, ta) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let ta = ta["id"].as_str().unwrap().to_owned();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap())
        .date();
    for (name, due) in [
        ("期限切れサービス", "2020-01-01".to_owned()),
        (
            "まもなく期限サービス",
            today
                .checked_add(jiff::Span::new().days(3))
                .unwrap()
                .to_string(),
        ),
    ] {
        let (_, svc) = admin.call(
            "POST",
            &format!("/api/v1/tenants/{ta}/services"),
            json!({"name": name, "purpose": "y", "department": "z"}),
        );
        let (status, _) = admin.call(
            "POST",
            &format!(
                "/api/v1/services/{}/assessments",
                svc["id"].as_str().unwrap()
            ),
            json!({"phase": "selection", "catalogs": ["seed-004"], "due_date": due}),
        );
        assert_eq!(status, 201);
    }
    let page = |admin: &mut Client, q: &str| {
        admin
            .get(&format!("/assessments?{q}"))
            .1
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let overdue = page(&mut admin, "due=overdue");
    assert!(overdue.contains("期限切れサービス") && !overdue.contains("まもなく期限サービス"));
    let soon = page(&mut admin, "due=soon");
    assert!(soon.contains("まもなく期限サービス") && !soon.contains("期限切れサービス"));
    let all = page(&mut admin, "");
    assert!(
        all.contains("まもなく期限サービス")
            && all.contains("期限切れサービス")
            && all.contains("2020-01-01")
    );
}

#[test]
fn reassessment_cycle_is_checked() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, ta) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let ta = ta["id"].as_str().unwrap().to_owned();
    let (status, body) = admin.call(
        "PUT",
        &format!("/api/v1/tenants/{ta}/settings"),
        json!({"reassessment_months": 0}),
    );
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("reassessment_months"))
    );
    let (status, body) = admin.call(
        "PUT",
        &format!("/api/v1/tenants/{ta}/settings"),
        json!({"reassessment_months": 24}),
    );
    assert_eq!(
        (status, body["reassessment_months"].as_u64()),
        (200, Some(24))
    );
}

// ---------------------------------------------------------------------------
// The service record through the UI's forms (ui_services.rs)

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Posts an HTML form as the browser does (`csrf_token` as the hidden
/// field, no CSRF header) without following the redirect: the status and
/// the `Location` (after a success) or the page (otherwise).
fn form_post_with(c: &Client, csrf: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut body = format!("csrf_token={}", urlencode(csrf));
    for (k, v) in fields {
        body.push_str(&format!("&{}={}", urlencode(k), urlencode(v)));
    }
    let mut req = ureq::http::Request::builder()
        .method("POST")
        .uri(format!("{}{path}", c.base))
        .header("content-type", "application/x-www-form-urlencoded");
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

/// A form's fields, as posted.
type Fields<'a> = &'a [(&'a str, &'a str)];

fn form_post(c: &Client, path: &str, fields: Fields) -> (u16, String) {
    form_post_with(c, c.csrf.as_deref().unwrap(), path, fields)
}

/// The `value` of the form control named `name` in a page.
fn form_value(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

fn html(c: &mut Client, path: &str) -> (u16, String) {
    let (status, body) = c.get(path);
    (status, body.as_str().unwrap_or_default().to_owned())
}

/// The version hidden in the edit form at `path` (the service's last update).
fn form_version(c: &mut Client, path: &str) -> String {
    let (status, page) = html(c, path);
    assert_eq!(status, 200, "{path}: {page}");
    form_value(&page, "version")
}

fn stored_details(c: &mut Client, id: &str) -> Value {
    let (status, s) = c.get(&format!("/api/v1/services/{id}"));
    assert_eq!(status, 200, "{s}");
    s["details"]["details"].clone()
}

/// Every profile attribute as the basic form posts it (checkboxes only
/// when checked).
fn profile_fields(ismap: bool) -> Vec<(&'static str, &'static str)> {
    let mut f = vec![
        ("attr_service_model", "saas"),
        ("attr_confidentiality_class", "2"),
        ("attr_network_segment", "lgwan"),
        ("attr_handles_personal_info", "true"),
        ("attr_subcontracting", "true"),
    ];
    if ismap {
        f.push(("attr_ismap_registered", "true"));
    }
    f
}

#[test]
fn a_reviewer_edits_the_service_record_through_the_ui_forms() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (mut rev, _) = tenant_user(&s, &mut admin, &t, "reviewer-a", "reviewer");

    // Registered from the register's form, then shown with its notice.
    let (status, location) = form_post(
        &rev,
        "/services",
        &[
            ("name", "電子申請システム"),
            ("purpose", "住民からの申請受付"),
            ("department", "情報政策課"),
            ("provider_org_id", ""),
            ("integrator_org_id", ""),
            ("service_model", "saas"),
            ("confidentiality_class", "2"),
            ("network_segment", "internet"),
            ("subcontracting", "true"),
        ],
    );
    assert_eq!(status, 303, "{location}");
    let id = location
        .strip_prefix("/services/")
        .and_then(|r| r.strip_suffix("?done=created"))
        .unwrap()
        .to_owned();
    let svc = format!("/services/{id}");
    let (status, page) = html(&mut rev, &format!("{svc}?done=created"));
    assert_eq!(status, 200);
    assert!(page.contains("サービスを登録しました"), "{page}");
    let mut saves = 0;

    // Contract period, data locations, governing law and court.
    let version = form_version(&mut rev, &format!("{svc}/contract"));
    let (status, location) = form_post(
        &rev,
        &format!("{svc}/contract"),
        &[
            ("version", &version),
            ("contract_start", "2026-04-01"),
            ("contract_end", "2031-03-31"),
            (
                "data_locations",
                "日本（東京リージョン）\r\n\r\n 日本（大阪リージョン） ",
            ),
            ("governing_law", "日本法"),
            ("court", "東京地方裁判所"),
        ],
    );
    assert_eq!(
        (status, location.as_str()),
        (303, format!("{svc}?done=contract#contract").as_str())
    );
    saves += 1;
    let d = stored_details(&mut rev, &id);
    assert_eq!(d["contract_start"], "2026-04-01");
    assert_eq!(d["contract_end"], "2031-03-31");
    assert_eq!(
        d["data_locations"],
        json!(["日本（東京リージョン）", "日本（大阪リージョン）"])
    );
    assert_eq!(
        (d["governing_law"].as_str(), d["court"].as_str()),
        (Some("日本法"), Some("東京地方裁判所"))
    );
    let (_, page) = html(&mut rev, &format!("{svc}?done=contract"));
    assert!(page.contains("契約・データの所在を保存しました"));
    assert!(
        page.contains("2026年4月1日 から 2031年3月31日 まで"),
        "{page}"
    );

    // A stale form (the service changed since it was shown) is refused.
    let (status, page) = form_post(
        &rev,
        &format!("{svc}/contract"),
        &[("version", &version), ("contract_start", "2020-01-01")],
    );
    assert_eq!(status, 409, "{page}");
    assert_eq!(
        stored_details(&mut rev, &id)["contract_start"],
        "2026-04-01"
    );
    // So is a wrong CSRF token.
    let version = form_version(&mut rev, &format!("{svc}/contract"));
    let (status, _) = form_post_with(
        &rev,
        "not-the-token",
        &format!("{svc}/contract"),
        &[("version", &version), ("contract_start", "2020-01-01")],
    );
    assert_eq!(status, 403);
    assert_eq!(
        stored_details(&mut rev, &id)["contract_start"],
        "2026-04-01"
    );

    // Registrations: ISMAP with its validity, LGWAN-ASP without one.
    let version = form_version(&mut rev, &format!("{svc}/registrations"));
    let (status, location) = form_post(
        &rev,
        &format!("{svc}/registrations"),
        &[
            ("version", &version),
            ("ismap_number", "C21-0001-1"),
            ("ismap_valid_until", "2027-03-31"),
            ("ismap_liu_number", ""),
            ("ismap_liu_valid_until", ""),
            ("lgwan_asp_number", "LGWAN-ASP-0123"),
            ("lgwan_asp_valid_until", ""),
        ],
    );
    assert_eq!(
        (status, location.contains("done=registrations")),
        (303, true)
    );
    saves += 1;
    let d = stored_details(&mut rev, &id);
    assert_eq!(
        d["ismap"],
        json!({"number": "C21-0001-1", "valid_until": "2027-03-31"})
    );
    assert_eq!(d["ismap_liu"], Value::Null);
    assert_eq!(
        d["lgwan_asp"],
        json!({"number": "LGWAN-ASP-0123", "valid_until": null})
    );

    // Certifications: add, edit (to one outside the list), add, remove.
    let cert = |rev: &mut Client, path: &str, fields: &[(&str, &str)]| {
        let version = form_version(rev, &format!("{svc}/certifications/new"));
        let mut all = vec![("version", version.as_str())];
        all.extend_from_slice(fields);
        form_post(rev, path, &all)
    };
    let (status, location) = cert(
        &mut rev,
        &format!("{svc}/certifications"),
        &[
            ("kind", "ISO/IEC 27001"),
            ("other_name", ""),
            ("issuer", "JQA"),
            ("scope", "クラウドサービスの提供"),
            ("valid_until", "2027-06-30"),
        ],
    );
    assert_eq!(
        (status, location.contains("done=cert_added")),
        (303, true),
        "{location}"
    );
    let (status, page) = html(&mut rev, &format!("{svc}/certifications/1"));
    assert_eq!(status, 200);
    assert!(
        page.contains("<option value=\"ISO/IEC 27001\" selected>"),
        "{page}"
    );
    let (status, location) = cert(
        &mut rev,
        &format!("{svc}/certifications/1"),
        &[
            ("kind", "other"),
            ("other_name", "ISO/IEC 27701"),
            ("issuer", "BSI"),
            ("scope", ""),
            ("valid_until", ""),
        ],
    );
    assert_eq!(
        (status, location.contains("done=cert_saved")),
        (303, true),
        "{location}"
    );
    let (status, _) = cert(
        &mut rev,
        &format!("{svc}/certifications"),
        &[
            ("kind", "SOC 2"),
            ("issuer", "監査法人"),
            ("valid_until", "2026-12-31"),
        ],
    );
    assert_eq!(status, 303);
    saves += 3;
    assert_eq!(
        stored_details(&mut rev, &id)["certifications"],
        json!([
            {"name": "ISO/IEC 27701", "issuer": "BSI", "scope": "", "valid_until": null},
            {"name": "SOC 2", "issuer": "監査法人", "scope": "", "valid_until": "2026-12-31"},
        ])
    );
    let (status, location) = cert(&mut rev, &format!("{svc}/certifications/1/delete"), &[]);
    assert_eq!(
        (status, location.contains("done=cert_removed")),
        (303, true),
        "{location}"
    );
    saves += 1;
    assert_eq!(
        stored_details(&mut rev, &id)["certifications"],
        json!([{"name": "SOC 2", "issuer": "監査法人", "scope": "", "valid_until": "2026-12-31"}])
    );
    assert_eq!(
        html(&mut rev, &format!("{svc}/certifications/2")).0,
        404,
        "no second row any more"
    );

    // Subcontractors, nested: a chain three tiers deep, then one edited.
    for (parent, name, work) in [
        ("", "保守株式会社", "運用保守"),
        ("1", "孫請株式会社", "監視"),
        ("1.1", "ひ孫請株式会社", "夜間監視"),
        ("", "開発株式会社", "機能追加"),
    ] {
        let new = if parent.is_empty() {
            format!("{svc}/subcontractors/new")
        } else {
            format!("{svc}/subcontractors/new?parent={parent}")
        };
        let version = form_version(&mut rev, &new);
        let (status, location) = form_post(
            &rev,
            &format!("{svc}/subcontractors"),
            &[
                ("version", &version),
                ("parent", parent),
                ("name", name),
                ("work", work),
                ("security_officer", "山田"),
                ("personal_info_manager", "佐藤"),
                ("staff", "3名"),
            ],
        );
        assert_eq!(
            (status, location.contains("done=sub_added")),
            (303, true),
            "{location}"
        );
        saves += 1;
    }
    let version = form_version(&mut rev, &format!("{svc}/subcontractors/1.1"));
    let (status, _) = form_post(
        &rev,
        &format!("{svc}/subcontractors/1.1"),
        &[
            ("version", &version),
            ("name", "孫請株式会社"),
            ("work", "監視（24時間）"),
            ("security_officer", "鈴木"),
            ("personal_info_manager", "高橋"),
            ("staff", ""),
        ],
    );
    assert_eq!(status, 303);
    saves += 1;
    let d = stored_details(&mut rev, &id);
    assert_eq!(d["subcontractors"][0]["name"], "保守株式会社");
    assert_eq!(d["subcontractors"][1]["name"], "開発株式会社");
    let second = &d["subcontractors"][0]["subcontractors"][0];
    assert_eq!(
        (
            second["name"].as_str(),
            second["work"].as_str(),
            second["security_officer"].as_str(),
            second["staff"].as_str()
        ),
        (
            Some("孫請株式会社"),
            Some("監視（24時間）"),
            Some("鈴木"),
            Some("")
        )
    );
    assert_eq!(second["subcontractors"][0]["name"], "ひ孫請株式会社");
    let (_, page) = html(&mut rev, &svc);
    assert!(page.contains(">1.1.1 ひ孫請株式会社</h5>"), "{page}");
    assert!(page.contains(">2 開発株式会社</h3>"), "{page}");

    // Basic information and profile: the details stay as they are.
    let version = form_version(&mut rev, &format!("{svc}/basic"));
    let mut fields = vec![
        ("version", version.as_str()),
        ("name", "電子申請システム（更新）"),
        ("purpose", "住民・事業者からの申請受付"),
        ("department", "デジタル推進課"),
        ("provider_org_id", ""),
        ("integrator_org_id", ""),
    ];
    fields.extend(profile_fields(true));
    let (status, location) = form_post(&rev, &format!("{svc}/basic"), &fields);
    assert_eq!(
        (status, location.contains("done=basic")),
        (303, true),
        "{location}"
    );
    saves += 1;
    let (_, record) = rev.get(&format!("/api/v1/services/{id}"));
    assert_eq!(
        (record["name"].as_str(), record["department"].as_str()),
        (Some("電子申請システム（更新）"), Some("デジタル推進課"))
    );
    let profile = &record["details"]["profile"];
    assert_eq!(
        (
            profile["ismap_registered"].as_bool(),
            profile["network_segment"].as_str(),
            profile["remote_maintenance"].as_bool()
        ),
        (Some(true), Some("lgwan"), Some(false))
    );
    assert_eq!(record["details"]["details"], d, "the details are kept");

    // Removing a tier that has tiers below it needs the confirmation.
    let version = form_version(&mut rev, &format!("{svc}/subcontractors/1"));
    let (status, page) = form_post(
        &rev,
        &format!("{svc}/subcontractors/1/delete"),
        &[("version", &version)],
    );
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("id=\"confirm_subtree-error\""), "{page}");
    let (status, _) = form_post(
        &rev,
        &format!("{svc}/subcontractors/1/delete"),
        &[("version", &version), ("confirm_subtree", "true")],
    );
    assert_eq!(status, 303);
    saves += 1;
    let subs = stored_details(&mut rev, &id)["subcontractors"].clone();
    assert_eq!(subs.as_array().map(Vec::len), Some(1));
    assert_eq!(subs[0]["name"], "開発株式会社");

    // Every save was one `service_updated` entry, as an API update is.
    let actions = audit_actions(&mut admin, &format!("?tenant_id={t}"));
    assert_eq!(
        actions.iter().filter(|a| *a == "service_updated").count(),
        saves,
        "{actions:?}"
    );
}

#[test]
fn the_subcontractor_chain_stops_at_the_core_depth_limit() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (_, svc) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{t}/services"),
        json!({"name": "x", "purpose": "y", "department": "z"}),
    );
    let id = svc["id"].as_str().unwrap().to_owned();
    let mut parent = String::new();
    for depth in 1..=10 {
        let version = form_version(
            &mut admin,
            &format!("/services/{id}/subcontractors/new?parent={parent}"),
        );
        let (status, location) = form_post(
            &admin,
            &format!("/services/{id}/subcontractors"),
            &[
                ("version", &version),
                ("parent", &parent),
                ("name", &format!("第{depth}層株式会社")),
                ("work", "保守"),
            ],
        );
        assert_eq!(status, 303, "depth {depth}: {location}");
        parent = if parent.is_empty() {
            "1".into()
        } else {
            format!("{parent}.1")
        };
    }
    let (status, page) = html(
        &mut admin,
        &format!("/services/{id}/subcontractors/new?parent={parent}"),
    );
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("10階層まで"), "{page}");
    let (_, page) = html(&mut admin, &format!("/services/{id}"));
    assert_eq!(
        page.matches("この再委託先の下に追加").count(),
        9,
        "no add action on the tenth tier"
    );
    assert!(
        page.contains("aria-level=\"12\""),
        "deep tiers stay headings: {page}"
    );
}

#[test]
fn service_edit_forms_refuse_exactly_as_the_api_does() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let mut tenant = |slug: &str| {
        let (_, t) = admin.call(
            "POST",
            "/api/v1/tenants",
            json!({"slug": slug, "name": slug}),
        );
        t["id"].as_str().unwrap().to_owned()
    };
    let (ta, tb) = (tenant("city-a"), tenant("city-b"));
    let (mut rev_a, _) = tenant_user(&s, &mut admin, &ta, "reviewer-a", "reviewer");
    let (mut viewer, _) = tenant_user(&s, &mut admin, &ta, "viewer-a", "viewer");
    let (mut rev_b, _) = tenant_user(&s, &mut admin, &tb, "reviewer-b", "reviewer");
    let (_, org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    let (mut vendor, _) = vendor_session(&s, &mut admin, org["id"].as_str().unwrap(), "vendor1");

    let input = json!({
        "name": "電子申請システム", "purpose": "申請受付", "department": "情報政策課",
        "provider_org_id": org["id"],
        "details": {
            "contract_start": "2026-04-01",
            "ismap": {"number": "C21-0001-1", "valid_until": "2027-03-31"},
            "certifications": [{"name": "ISO/IEC 27001", "issuer": "JQA", "scope": "全社", "valid_until": "2027-06-30"}],
            "subcontractors": [{"name": "保守株式会社", "work": "運用保守", "security_officer": "山田", "personal_info_manager": "佐藤"}]
        }
    });
    let (status, svc) = rev_a.call(
        "POST",
        &format!("/api/v1/tenants/{ta}/services"),
        input.clone(),
    );
    assert_eq!(status, 201, "{svc}");
    let id = svc["id"].as_str().unwrap().to_owned();
    let (_, before) = rev_a.get(&format!("/api/v1/services/{id}"));
    let version = form_version(&mut rev_a, &format!("/services/{id}/contract"));

    // The viewer reads everything, and gets no edit links.
    let (status, page) = html(&mut viewer, &format!("/services/{id}"));
    assert_eq!(status, 200);
    for shown in [
        "C21-0001-1",
        "2027年3月31日",
        "ISO/IEC 27001",
        "JQA",
        "保守株式会社",
        "運用保守",
        "2026年4月1日",
    ] {
        assert!(page.contains(shown), "{shown} shown read-only: {page}");
    }
    assert!(
        !page.contains(&format!("/services/{id}/contract")),
        "{page}"
    );
    assert!(!page.contains("この再委託先の下に追加"), "{page}");

    let gets = [
        "basic",
        "contract",
        "registrations",
        "certifications/new",
        "certifications/1",
        "subcontractors/new",
        "subcontractors/new?parent=1",
        "subcontractors/1",
    ];
    let posts: [(&str, Fields); 9] = [
        (
            "basic",
            &[
                ("name", "乗っ取り"),
                ("purpose", "x"),
                ("department", "x"),
                ("provider_org_id", ""),
                ("integrator_org_id", ""),
                ("attr_service_model", "saas"),
                ("attr_confidentiality_class", "1"),
                ("attr_network_segment", "internet"),
            ],
        ),
        (
            "contract",
            &[
                ("contract_start", "2020-01-01"),
                ("contract_end", ""),
                ("data_locations", "x"),
                ("governing_law", "x"),
                ("court", "x"),
            ],
        ),
        ("registrations", &[("ismap_number", "X-1")]),
        ("certifications", &[("kind", "SOC 3"), ("issuer", "x")]),
        ("certifications/1", &[("kind", "SOC 3"), ("issuer", "x")]),
        ("certifications/1/delete", &[]),
        (
            "subcontractors",
            &[("parent", ""), ("name", "x"), ("work", "x")],
        ),
        ("subcontractors/1", &[("name", "x"), ("work", "x")]),
        ("subcontractors/1/delete", &[]),
    ];
    for (who, c, expected) in [
        ("vendor", &mut vendor, 404),
        ("another tenant's reviewer", &mut rev_b, 404),
        ("viewer", &mut viewer, 403),
    ] {
        // The API's answer…
        let (status, body) = c.call("PUT", &format!("/api/v1/services/{id}"), input.clone());
        assert_eq!(status, expected, "{who}: API PUT: {body}");
        // …is the UI's, for every edit page and every form.
        for g in gets {
            let (status, page) = html(c, &format!("/services/{id}/{g}"));
            assert_eq!(status, expected, "{who}: GET {g}: {page}");
        }
        for (path, fields) in posts {
            let mut all = vec![("version", version.as_str())];
            all.extend_from_slice(fields);
            let (status, page) = form_post(c, &format!("/services/{id}/{path}"), &all);
            assert_eq!(status, expected, "{who}: POST {path}: {page}");
        }
    }
    assert_eq!(vendor.get(&format!("/api/v1/services/{id}")).0, 404);
    assert_eq!(html(&mut vendor, &format!("/services/{id}")).0, 404);
    assert_eq!(html(&mut rev_b, &format!("/services/{id}")).0, 404);
    let (_, after) = rev_a.get(&format!("/api/v1/services/{id}"));
    assert_eq!(after, before, "nothing changed");
    let actions = audit_actions(&mut admin, &format!("?tenant_id={ta}"));
    assert!(
        !actions.iter().any(|a| a == "service_updated"),
        "{actions:?}"
    );
}

#[test]
fn invalid_service_forms_show_the_field_errors_and_change_nothing() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "city-a", "name": "A市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (mut rev, _) = tenant_user(&s, &mut admin, &t, "reviewer-a", "reviewer");
    let (status, svc) = rev.call(
        "POST",
        &format!("/api/v1/tenants/{t}/services"),
        json!({"name": "電子申請システム", "purpose": "申請受付", "department": "情報政策課",
               "details": {"contract_start": "2026-04-01", "contract_end": "2031-03-31",
                           "certifications": [{"name": "SOC 2", "issuer": "監査法人", "valid_until": null}],
                           "subcontractors": [{"name": "保守株式会社", "work": "運用保守", "security_officer": "", "personal_info_manager": "",
                                               "subcontractors": [{"name": "孫請株式会社", "work": "監視", "security_officer": "", "personal_info_manager": ""}]}]}}),
    );
    assert_eq!(status, 201, "{svc}");
    let id = svc["id"].as_str().unwrap().to_owned();
    let (_, before) = rev.get(&format!("/api/v1/services/{id}"));
    let version = form_version(&mut rev, &format!("/services/{id}/contract"));
    // (form, fields, the field at fault, its message)
    let cases: [(&str, Fields, &str, &str); 10] = [
        (
            "contract",
            &[
                ("contract_start", "2026-04-01"),
                ("contract_end", "2025-03-31"),
                ("governing_law", "日本法"),
            ],
            "contract_end",
            "契約終了日は契約開始日（2026年4月1日）以降の日付にしてください",
        ),
        (
            "contract",
            &[("contract_start", "2026-02-30")],
            "contract_start",
            "契約開始日は実在する日付を",
        ),
        (
            "registrations",
            &[("ismap_number", ""), ("ismap_valid_until", "2027-03-31")],
            "ismap_number",
            "ISMAP の有効期限を入力する場合は登録番号も入力してください",
        ),
        (
            "certifications",
            &[("kind", ""), ("issuer", "JQA")],
            "kind",
            "認証の種類を一覧から選んでください",
        ),
        (
            "certifications/1",
            &[("kind", "other"), ("other_name", ""), ("issuer", "JQA")],
            "other_name",
            "認証の名称を入力してください",
        ),
        (
            "certifications/1",
            &[("kind", "SOC 3"), ("issuer", "")],
            "issuer",
            "認証機関を入力してください",
        ),
        (
            "subcontractors",
            &[("parent", "1"), ("name", " "), ("work", "保守")],
            "name",
            "再委託先事業者名を入力してください",
        ),
        (
            "subcontractors/1.1",
            &[("name", "孫請株式会社"), ("work", "")],
            "work",
            "再委託内容を入力してください",
        ),
        (
            "basic",
            &[
                ("name", ""),
                ("purpose", "x"),
                ("department", "x"),
                ("provider_org_id", ""),
                ("integrator_org_id", ""),
                ("attr_service_model", "mainframe"),
                ("attr_confidentiality_class", "2"),
                ("attr_network_segment", "internet"),
            ],
            "name",
            "サービス名を入力してください",
        ),
        (
            "subcontractors/1/delete",
            &[],
            "confirm_subtree",
            "下にある再委託先 1 件も削除されます",
        ),
    ];
    for (path, fields, field, message) in cases {
        let mut all = vec![("version", version.as_str())];
        all.extend_from_slice(fields);
        let (status, page) = form_post(&rev, &format!("/services/{id}/{path}"), &all);
        assert_eq!(status, 400, "{path}: {page}");
        // The message sits with its field (and in the summary, linked to it).
        let at = page
            .find(&format!("<p class=\"error\" id=\"{field}-error\">"))
            .unwrap_or_else(|| panic!("{path}: no error for {field}: {page}"));
        assert!(
            page[at..].split("</p>").next().unwrap().contains(message),
            "{path}: {page}"
        );
        assert!(
            page.contains(&format!("<a href=\"#{field}\">")),
            "{path}: {page}"
        );
        assert!(page.contains("aria-invalid=\"true\""), "{path}");
        assert!(page.contains("登録内容は変更されていません"), "{path}");
    }
    // The basic form also names the bad attribute.
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(&[
        ("name", "x"),
        ("purpose", "x"),
        ("department", "x"),
        ("provider_org_id", "no-such-org"),
        ("integrator_org_id", ""),
        ("attr_service_model", "mainframe"),
        ("attr_confidentiality_class", "9"),
        ("attr_network_segment", "internet"),
    ]);
    let (status, page) = form_post(&rev, &format!("/services/{id}/basic"), &all);
    assert_eq!(status, 400);
    for field in [
        "provider_org_id",
        "attr_service_model",
        "attr_confidentiality_class",
    ] {
        assert!(
            page.contains(&format!("id=\"{field}-error\"")),
            "{field}: {page}"
        );
    }
    let (_, after) = rev.get(&format!("/api/v1/services/{id}"));
    assert_eq!(after, before, "nothing saved");
    let actions = audit_actions(&mut admin, &format!("?tenant_id={t}"));
    assert!(
        !actions.iter().any(|a| a == "service_updated"),
        "{actions:?}"
    );
}

/// A tenant with a reviewer, both vendors invited to a seed-000 assessment
/// of a non-ISMAP service: (reviewer, integrator, provider, assessment id,
/// tenant id).
fn invited_assessment(
    s: &TestServer,
    admin: &mut Client,
    slug: &str,
) -> (Client, Client, Client, String, String) {
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": slug, "name": format!("{slug}市")}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (_, prov_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": format!("{slug} クラウド株式会社"), "kind": "provider"}),
    );
    let (_, int_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": format!("{slug} 導入株式会社"), "kind": "integrator"}),
    );
    let (prov_org, int_org) = (
        prov_org["id"].as_str().unwrap().to_owned(),
        int_org["id"].as_str().unwrap().to_owned(),
    );
    let (mut reviewer, _) = tenant_user(s, admin, &t, &format!("{slug}-reviewer"), "reviewer");
    let (integ, integ_id) = vendor_session(s, admin, &int_org, &format!("{slug}-integ"));
    let (prov, prov_id) = vendor_session(s, admin, &prov_org, &format!("{slug}-prov"));
    let (status, service) = reviewer.call(
        "POST",
        &format!("/api/v1/tenants/{t}/services"),
        json!({"name": "文書管理サービス", "purpose": "文書の保存", "department": "総務課",
               "provider_org_id": prov_org, "integrator_org_id": int_org,
               "profile": {"ismap_registered": false}}),
    );
    assert_eq!(status, 201, "{service}");
    let (status, a) = reviewer.call(
        "POST",
        &format!(
            "/api/v1/services/{}/assessments",
            service["id"].as_str().unwrap()
        ),
        json!({"phase": "selection", "catalogs": ["seed-000"]}),
    );
    assert_eq!(status, 201, "{a}");
    let a = a["id"].as_str().unwrap().to_owned();
    for (user, party) in [(&integ_id, "integrator"), (&prov_id, "provider")] {
        let (status, body) = reviewer.call(
            "POST",
            &format!("/api/v1/assessments/{a}/invitations"),
            json!({"user_id": user, "party": party}),
        );
        assert_eq!(status, 204, "{body}");
    }
    (reviewer, integ, prov, a, t)
}

fn item_ids(c: &mut Client, a: &str) -> Vec<String> {
    let (status, items) = c.get(&format!("/api/v1/assessments/{a}/items"));
    assert_eq!(status, 200, "{items}");
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}/{}/{}",
                i["catalog_id"].as_str().unwrap(),
                i["requirement_id"].as_str().unwrap(),
                i["party"].as_str().unwrap()
            )
        })
        .collect()
}

fn answers_of(c: &mut Client, a: &str) -> Vec<Value> {
    let (_, items) = c.get(&format!("/api/v1/assessments/{a}/items"));
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["answer"].clone())
        .collect()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[test]
fn checklists_go_out_as_xlsx_and_come_back_all_or_nothing() {
    use kijun_exchange::layout::{H_EXPLANATION, H_STATUS};
    use kijun_exchange::testing::fill_items;
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (mut reviewer, _integ, mut prov, a, _) = invited_assessment(&s, &mut admin, "xl");
    let checklist = format!("/api/v1/assessments/{a}/checklist");

    // The provider downloads its own party's workbook; not the integrator's.
    let (status, file, _) = download(&mut prov, &format!("{checklist}?format=xlsx"));
    assert_eq!(status, 200);
    assert!(file.starts_with(b"PK"), "an xlsx (zip) file");
    assert_eq!(
        download(
            &mut prov,
            &format!("{checklist}?format=xlsx&party=integrator")
        )
        .0,
        404
    );
    let ids = item_ids(&mut prov, &a);
    assert!(ids.len() > 10 && ids.iter().all(|i| i.ends_with("/provider")));

    // Filled in as a person would: every row 適合, one 該当なし with a reason.
    let mut edits: Vec<(&str, &str, &str)> =
        ids.iter().map(|i| (i.as_str(), H_STATUS, "適合")).collect();
    edits[1] = (ids[1].as_str(), H_STATUS, "該当なし");
    edits.push((
        ids[1].as_str(),
        H_EXPLANATION,
        "データセンターを持たないため",
    ));
    edits.push((ids[0].as_str(), H_EXPLANATION, "ISMS 認証を取得済み"));
    let filled = fill_items(&file, &edits);

    // A bad copy first: two problems, both reported, nothing stored.
    let bad = fill_items(
        &filled,
        &[
            (ids[1].as_str(), H_EXPLANATION, ""),
            (ids[2].as_str(), H_STATUS, "たぶん"),
        ],
    );
    let (status, body) = upload(&mut prov, &checklist, XLSX, &bad);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_checklist")),
        "{body}"
    );
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{body}");
    for p in problems {
        assert!(
            p["sheet"].is_string() && p["row"].is_u64() && p["column"].is_string(),
            "{p}"
        );
    }
    assert!(problems.iter().any(|p| p["value"] == "たぶん"), "{body}");
    assert!(
        answers_of(&mut prov, &a).iter().all(Value::is_null),
        "nothing stored"
    );

    // The good file: every answer stored, exactly as written.
    let (status, outcome) = upload(&mut prov, &checklist, XLSX, &filled);
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["changed"], json!(ids.len()), "{outcome}");
    let (_, items) = prov.get(&format!("/api/v1/assessments/{a}/items"));
    for (n, item) in items.as_array().unwrap().iter().enumerate() {
        let expected = match n {
            0 => {
                json!({"status": "conforms", "comment": "ISMS 認証を取得済み", "evidence": [], "reason": null, "plan": null, "due": null})
            }
            1 => {
                json!({"status": "not_applicable", "comment": null, "evidence": [], "reason": "データセンターを持たないため", "plan": null, "due": null})
            }
            _ => {
                json!({"status": "conforms", "comment": null, "evidence": [], "reason": null, "plan": null, "due": null})
            }
        };
        assert_eq!(item["answer"], expected, "item {n}");
    }
    // The same file again changes nothing (and logs no second import).
    let (status, again) = upload(&mut prov, &checklist, XLSX, &filled);
    assert_eq!(
        (status, again["changed"].as_u64()),
        (200, Some(0)),
        "{again}"
    );
    let (status, history) = reviewer.get(&format!("/api/v1/assessments/{a}/history"));
    assert_eq!(status, 200);
    let answered = history
        .as_array()
        .or_else(|| history["entries"].as_array())
        .unwrap()
        .iter()
        .filter(|h| h["event"] == "answered")
        .count();
    assert_eq!(
        answered,
        ids.len(),
        "one history row per answer, none for the re-import"
    );

    // A file of another assessment is refused.
    let (_, _, mut prov2, a2, _) = invited_assessment(&s, &mut admin, "xm");
    let (status, body) = upload(
        &mut prov2,
        &format!("/api/v1/assessments/{a2}/checklist"),
        XLSX,
        &filled,
    );
    assert_eq!(status, 400, "{body}");
    let message = body["error"]["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("別の審査") && message.contains(&a) && message.contains(&a2),
        "{body}"
    );
    // …and nobody outside the assessment gets anything.
    assert_eq!(upload(&mut prov2, &checklist, XLSX, &filled).0, 404);
    assert_eq!(
        download(&mut prov2, &format!("{checklist}?format=xlsx")).0,
        404
    );

    // Staff import on a vendor's behalf only naming the party.
    let (status, body) = upload(&mut reviewer, &checklist, XLSX, &filled);
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("party")),
        "{body}"
    );
    let (status, body) = upload(
        &mut reviewer,
        &format!("{checklist}?party=provider"),
        XLSX,
        &filled,
    );
    assert_eq!((status, body["changed"].as_u64()), (200, Some(0)), "{body}");

    // Submitted answers are frozen: a changed file is refused as a whole.
    let (status, body) = prov.call(
        "POST",
        &format!("/api/v1/assessments/{a}/submit"),
        json!({}),
    );
    assert_eq!(status, 200, "{body}");
    let changed = fill_items(&filled, &[(ids[3].as_str(), H_STATUS, "不適合")]);
    let (status, body) = upload(&mut prov, &checklist, XLSX, &changed);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("not_editable")),
        "{body}"
    );
    assert_eq!(answers_of(&mut prov, &a)[3]["status"], "conforms");
}

#[test]
fn reports_render_as_pdf_and_html_for_the_right_people() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (mut reviewer, _integ, mut prov, a, t) = invited_assessment(&s, &mut admin, "rp");
    let (status, pdf, _) = download(
        &mut reviewer,
        &format!("/api/v1/assessments/{a}/report?format=pdf"),
    );
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let (status, page) = html(
        &mut reviewer,
        &format!("/api/v1/assessments/{a}/report?format=html"),
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("審査結果報告書")
            && page.contains("文書管理サービス")
            && page.contains("未判定"),
        "{page}"
    );
    // Vendors never see the reviewer's report; they do get their checklist.
    assert_eq!(
        download(&mut prov, &format!("/api/v1/assessments/{a}/report")).0,
        404
    );
    let (status, pdf, _) = download(
        &mut prov,
        &format!("/api/v1/assessments/{a}/checklist?format=pdf"),
    );
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let (status, page) = html(
        &mut prov,
        &format!("/api/v1/assessments/{a}/checklist?format=html"),
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("外部サービス提供者") && !page.contains("<script"),
        "{page}"
    );
    let (status, body) = reviewer.get(&format!("/api/v1/assessments/{a}/report?format=docx"));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_field")),
        "{body}"
    );
    let actions = audit_actions(&mut admin, &format!("?tenant_id={t}"));
    for action in ["assessment_report_exported", "checklist_report_exported"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[test]
fn ui_forms_need_a_completed_mfa_sign_in() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_reviewer, _integ, _prov, a, _) = invited_assessment(&s, &mut admin, "mf");
    // A vendor who typed the password but not the TOTP code yet.
    let mut half = s.client();
    let (status, body) = half.login("mf-prov", NEW_PW);
    assert_eq!(
        (status, body["next"].as_str()),
        (200, Some("mfa")),
        "{body}"
    );
    let (status, location) = form_post(&half, &format!("/assessments/{a}/submit"), &[]);
    assert_eq!((status, location.as_str()), (303, "/mfa"));
    let (status, location) = form_post(&half, &format!("/assessments/{a}/prefill"), &[]);
    assert_eq!((status, location.as_str()), (303, "/mfa"));
}

/// `kijun …` against the test server's data directory (the host operator's
/// commands, run while the server is up).
fn operator(s: &TestServer, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kijun"))
        .args(args)
        .arg("--data-dir")
        .arg(s.dir.path().join("data"))
        .current_dir(s.dir.path())
        .env_remove("KIJUN_DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn the_operator_cli_exports_imports_and_reports_a_stored_assessment() {
    use kijun_exchange::layout::H_STATUS;
    use kijun_exchange::testing::fill_items;
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_reviewer, mut integ, _prov, a, t) = invited_assessment(&s, &mut admin, "op");
    let out_dir = s.dir.path();

    let out = operator(
        &s,
        &[
            "export",
            "checklist",
            "--assessment",
            &a,
            "--party",
            "integrator",
            "--out",
            "i.xlsx",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::fs::read(out_dir.join("i.xlsx")).unwrap();
    let meta = kijun_exchange::read_checklist_meta(&file).unwrap();
    assert_eq!(meta.assessment_id.as_deref(), Some(a.as_str()));
    assert_eq!(meta.parties, [kijun_core::Party::Integrator]);

    // Filled in; one bad row first: exit 2, every problem named, nothing stored.
    let ids = item_ids(&mut integ, &a);
    let edits: Vec<(&str, &str, &str)> =
        ids.iter().map(|i| (i.as_str(), H_STATUS, "適合")).collect();
    let filled = fill_items(&file, &edits);
    std::fs::write(out_dir.join("filled.xlsx"), &filled).unwrap();
    std::fs::write(
        out_dir.join("bad.xlsx"),
        fill_items(&filled, &[(ids[0].as_str(), H_STATUS, "まあまあ")]),
    )
    .unwrap();
    let out = operator(
        &s,
        &[
            "import",
            "answers",
            "bad.xlsx",
            "--assessment",
            &a,
            "--party",
            "integrator",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("まあまあ") && stderr.contains("行"),
        "{stderr}"
    );
    assert!(answers_of(&mut integ, &a).iter().all(Value::is_null));

    let out = operator(
        &s,
        &[
            "import",
            "answers",
            "filled.xlsx",
            "--assessment",
            &a,
            "--party",
            "integrator",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("{} 件を保存しました", ids.len())),
        "{stdout}"
    );
    assert!(
        answers_of(&mut integ, &a)
            .iter()
            .all(|v| v["status"] == "conforms")
    );
    let out = operator(
        &s,
        &[
            "import",
            "answers",
            "filled.xlsx",
            "--assessment",
            &a,
            "--party",
            "integrator",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 件を保存しました"));

    for (kind, file) in [("assessment", "r.pdf"), ("checklist", "c.pdf")] {
        let out = operator(&s, &["report", kind, &a, "--format", "pdf", "--out", file]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::read(out_dir.join(file))
                .unwrap()
                .starts_with(b"%PDF-")
        );
    }
    let out = operator(
        &s,
        &["report", "assessment", "no-such-id", "--out", "x.pdf"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-id"));

    // Every operator action is in the tenant's audit chain, as the CLI operator.
    let actions = audit_actions(&mut admin, &format!("?tenant_id={t}"));
    for action in [
        "checklist_exported",
        "checklist_imported",
        "assessment_report_exported",
        "checklist_report_exported",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

/// Posts a multipart form as a browser does (CSRF token as a field), without
/// following the redirect: the status and the `Location` or the page.
fn multipart_post(c: &Client, path: &str, fields: &[(&str, &str)], file: &[u8]) -> (u16, String) {
    let boundary = "kijun-test-boundary-7d3f";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"filled.xlsx\"\r\nContent-Type: {XLSX}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
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
fn a_filled_checklist_is_uploaded_from_the_checklist_page() {
    use kijun_exchange::layout::H_STATUS;
    use kijun_exchange::testing::fill_items;
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_reviewer, mut integ, _prov, a, _) = invited_assessment(&s, &mut admin, "up");
    let (_, file, _) = download(
        &mut integ,
        &format!("/api/v1/assessments/{a}/checklist?format=xlsx"),
    );
    let ids = item_ids(&mut integ, &a);
    let csrf = integ.csrf.clone().unwrap();
    let page = format!("/assessments/{a}/checklist");
    // A bad row: the page lists the problem with its place; nothing stored.
    let bad = fill_items(&file, &[(ids[0].as_str(), H_STATUS, "だいたい")]);
    let (status, html_page) = multipart_post(&integ, &page, &[("csrf_token", &csrf)], &bad);
    assert_eq!(status, 200);
    assert!(
        html_page.contains("だいたい") && html_page.contains("行"),
        "{html_page}"
    );
    assert!(answers_of(&mut integ, &a).iter().all(Value::is_null));
    // A wrong CSRF token is refused.
    let edits: Vec<(&str, &str, &str)> =
        ids.iter().map(|i| (i.as_str(), H_STATUS, "適合")).collect();
    let good = fill_items(&file, &edits);
    assert_eq!(
        multipart_post(&integ, &page, &[("csrf_token", "x")], &good).0,
        403
    );
    let (status, location) = multipart_post(&integ, &page, &[("csrf_token", &csrf)], &good);
    assert_eq!(
        (status, location),
        (303, format!("/assessments/{a}?done=imported"))
    );
    assert!(
        answers_of(&mut integ, &a)
            .iter()
            .all(|v| v["status"] == "conforms")
    );
}

/// Runs `kijun` with `args`; (exit code, stdout + stderr).
fn kijun(args: &[&std::ffi::OsStr], envs: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kijun"));
    cmd.args(args)
        .env_remove("KIJUN_DATABASE_URL")
        .env_remove("KIJUN_MASTER_KEY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every file under `dir` (relative path → bytes) but the manifest and
/// its signature.
fn export_files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .filter(|(p, _)| p != "manifest.json" && p != "manifest.sig")
        .collect()
}

#[test]
fn a_tenant_exports_imports_elsewhere_identically_and_purges_without_trace() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (mut reviewer, _integ, mut prov, a, tenant) = invited_assessment(&s, &mut admin, "narita");
    // The other tenant must survive the purge untouched.
    let (_, _, _, other_a, other) = invited_assessment(&s, &mut admin, "sakura");
    // Some of everything: an answer, an evidence file, an oversight record.
    let (_, items) = prov.get(&format!("/api/v1/assessments/{a}/items"));
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["party"] == "provider")
        .unwrap()
        .clone();
    let (status, body) = prov.call(
        "PUT",
        &item_path(&a, &item),
        json!({"status": "conforms", "comment": "ISMS 認証を取得済み"}),
    );
    assert_eq!(status, 200, "{body}");
    let pdf = [b"%PDF-1.7\n".as_slice(), "消去対象の証跡".as_bytes()].concat();
    let (status, evidence) = upload(
        &mut prov,
        &format!("/api/v1/assessments/{a}/evidence?filename=policy.pdf"),
        "application/pdf",
        &pdf,
    );
    assert_eq!(status, 201, "{evidence}");
    let (_, assessment) = reviewer.get(&format!("/api/v1/assessments/{a}"));
    let service = assessment["assessment"]["service_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = reviewer.call(
        "POST",
        &format!("/api/v1/services/{service}/outages"),
        json!({"start": "2026-05-10T01:00:00+09:00", "detected_by": "manual", "description": "停止"}),
    );
    assert_eq!(status, 201, "{body}");

    let work = tempfile::tempdir().unwrap();
    let data = s.dir.path().join("data");
    let key = work.path().join("signing.key");
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    let out1 = work.path().join("export1");
    let os = |s: &str| std::ffi::OsString::from(s);
    let export = |from: &std::path::Path, out: &std::path::Path| {
        kijun(
            &[
                &os("tenant"),
                &os("export"),
                &os("narita"),
                &os("--data-dir"),
                from.as_os_str(),
                &os("--out"),
                out.as_os_str(),
                &os("--signing-key"),
                key.as_os_str(),
            ],
            &[],
        )
    };
    // Exported while the server runs.
    let (code, text) = export(&data, &out1);
    assert_eq!(code, 0, "{text}");
    let files = export_files(&out1);
    let evidence_id = evidence["id"].as_str().unwrap();
    assert_eq!(
        files[&format!("evidence/{evidence_id}")],
        pdf,
        "decrypted file"
    );
    assert!(
        files["data/assessment_items.jsonl"]
            .windows("ISMS 認証を取得済み".len())
            .any(|w| w == "ISMS 認証を取得済み".as_bytes())
    );
    assert!(files["csv/services.csv"].starts_with("\u{feff}id,".as_bytes()));
    assert!(
        !files
            .keys()
            .any(|k| k.contains("tenant_keys") || k.contains("sessions"))
    );
    let users = String::from_utf8(files["data/users.jsonl"].clone()).unwrap();
    assert!(
        users.contains("narita-reviewer") && !users.contains("totp_secret"),
        "{users}"
    );
    assert!(
        !users.contains("sakura"),
        "another tenant's users are not exported"
    );

    // Another instance (its own master key) takes it only with the signing key.
    let elsewhere = work.path().join("elsewhere");
    let import = |dir: &std::path::Path, with_key: bool| {
        let mut args = vec![
            os("tenant"),
            os("import"),
            dir.as_os_str().to_owned(),
            os("--data-dir"),
            elsewhere.as_os_str().to_owned(),
        ];
        if with_key {
            args.push(os("--signing-key"));
            args.push(key.as_os_str().to_owned());
        }
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        kijun(&refs, &[])
    };
    let (code, text) = import(&out1, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("署名が一致しません"), "{text}");
    // A tampered file is refused before anything is stored.
    let tampered = work.path().join("tampered");
    copy_dir(&out1, &tampered);
    let rows = tampered.join("data/services.jsonl");
    let mut bytes = std::fs::read(&rows).unwrap();
    bytes.extend_from_slice(b"{}\n");
    std::fs::write(&rows, bytes).unwrap();
    let (code, text) = import(&tampered, true);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("services.jsonl") && text.contains("SHA-256"),
        "{text}"
    );
    let (code, text) = import(&out1, true);
    assert_eq!(code, 0, "{text}");
    let out2 = work.path().join("export2");
    let (code, text) = export(&elsewhere, &out2);
    assert_eq!(code, 0, "{text}");
    let again = export_files(&out2);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        again.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &files {
        assert!(again[path] == *bytes, "{path} differs after import");
    }
    assert_ne!(
        std::fs::read(elsewhere.join("master.key")).unwrap(),
        std::fs::read(data.join("master.key")).unwrap()
    );
    // A second import of the same tenant is refused.
    let (code, text) = import(&out1, true);
    assert_eq!(code, 1, "{text}");
    let (code, text) = kijun(
        &[
            &os("audit"),
            &os("verify"),
            &os("--data-dir"),
            elsewhere.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");

    // A write after the export makes it stale: the purge refuses.
    let (status, _) = reviewer.call(
        "POST",
        &format!("/api/v1/services/{service}/outages"),
        json!({"start": "2026-05-11T01:00:00+09:00", "detected_by": "manual", "description": "再停止"}),
    );
    assert_eq!(status, 201);
    let certificate = work.path().join("certificate.pdf");
    let purge = |extra: &[&std::ffi::OsStr]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            std::ffi::OsStr::new("tenant"),
            std::ffi::OsStr::new("purge"),
            std::ffi::OsStr::new("narita"),
            std::ffi::OsStr::new("--data-dir"),
            data.as_os_str(),
            std::ffi::OsStr::new("--signing-key"),
            key.as_os_str(),
            std::ffi::OsStr::new("--certificate"),
            certificate.as_os_str(),
        ];
        args.extend_from_slice(extra);
        kijun(&args, &[])
    };
    let (code, text) = purge(&[&os("--confirm"), &os("narita")]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("--without-export"), "{text}");
    let (code, text) = purge(&[
        &os("--confirm"),
        &os("sakura"),
        &os("--export"),
        out1.as_os_str(),
    ]);
    assert_eq!(code, 1, "{text}");
    let (code, text) = purge(&[
        &os("--confirm"),
        &os("narita"),
        &os("--export"),
        out1.as_os_str(),
    ]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("エクスポート後にデータが変わっています"),
        "{text}"
    );
    drop(reviewer);
    drop(prov);

    // Re-export, keep a copy of the blob aside (an old backup), purge.
    let out3 = work.path().join("export3");
    let (code, text) = export(&data, &out3);
    assert_eq!(code, 0, "{text}");
    let blob = data.join(format!("blobs/evidence/{tenant}/{evidence_id}"));
    let copy = std::fs::read(&blob).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let open_store = || async {
        kijun_store::Store::connect(&format!(
            "sqlite://{}",
            data.join("kijun.sqlite3").display()
        ))
        .await
        .unwrap()
    };
    let vault = {
        let hex = std::fs::read_to_string(data.join("master.key")).unwrap();
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex.trim()[2 * i..2 * i + 2], 16).unwrap();
        }
        kijun_store::evidence::Vault::new(&k)
    };
    let blobs = kijun_store::evidence::FsBlobStore::new(data.join("blobs"));
    // Before the purge the record decrypts (so the check below can fail).
    let record = rt.block_on(async {
        let store = open_store().await;
        let record = store.evidence(evidence_id).await.unwrap().unwrap();
        assert_eq!(
            store.read_evidence(&vault, &blobs, &record).await.unwrap(),
            pdf
        );
        store.close().await;
        record
    });
    let (code, text) = purge(&[
        &os("--confirm"),
        &os("narita"),
        &os("--export"),
        out3.as_os_str(),
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(std::fs::read(&certificate).unwrap().starts_with(b"%PDF-"));
    assert!(!blob.exists(), "blob deleted");

    rt.block_on(async {
        let store = open_store().await;
        let left: Vec<_> = store
            .tenant_row_counts(&tenant)
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect();
        assert!(left.is_empty(), "rows of the purged tenant left: {left:?}");
        let other_rows: i64 = store
            .tenant_row_counts(&other)
            .await
            .unwrap()
            .iter()
            .map(|(_, n)| n)
            .sum();
        assert!(other_rows > 10, "the other tenant keeps its data");
        // The copy kept aside cannot be decrypted: no key is left for it.
        assert!(store.tenant_key(&tenant).await.unwrap().is_none());
        use kijun_store::evidence::BlobStore;
        blobs.put(&record.blob_key, copy).await.unwrap();
        assert!(store.read_evidence(&vault, &blobs, &record).await.is_err());
        // The certificate is in the system chain, which verifies.
        let system = store
            .audit_entries(&kijun_store::AuditFilter::default())
            .await
            .unwrap();
        let cert = system
            .iter()
            .find(|e| e.action == "tenant_purged")
            .expect("certificate entry");
        let details: Value = serde_json::from_str(&cert.details).unwrap();
        assert_eq!(details["tenant"]["slug"], "narita");
        assert_eq!(details["files"][0]["sha256"], record.sha256.as_str());
        store.close().await;
    });
    let (code, text) = kijun(
        &[
            &os("audit"),
            &os("verify"),
            &os("--data-dir"),
            data.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    // The other tenant's assessment is still served.
    let (status, _) = admin.get(&format!("/api/v1/assessments/{other_a}"));
    assert_eq!(status, 200);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for p in walk(from) {
        let target = to.join(p.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&p, &target).unwrap();
    }
}

/// A tenant with a reviewer and an evidence file uploaded by the reviewer
/// (through an assessment): (tenant id, reviewer client, evidence id, bytes).
fn tenant_with_evidence(
    s: &TestServer,
    admin: &mut Client,
    slug: &str,
) -> (String, Client, String, Vec<u8>) {
    let (reviewer, _integ, mut prov, a, tenant) = invited_assessment(s, admin, slug);
    let pdf = [
        b"%PDF-1.7\n".as_slice(),
        format!("{slug} の証跡").as_bytes(),
        &[b'z'; 70_000],
    ]
    .concat();
    let (status, rec) = upload(
        &mut prov,
        &format!("/api/v1/assessments/{a}/evidence?filename=e.pdf"),
        "application/pdf",
        &pdf,
    );
    assert_eq!(status, 201, "{rec}");
    (
        tenant,
        reviewer,
        rec["id"].as_str().unwrap().to_owned(),
        pdf,
    )
}

#[test]
fn backups_taken_under_writes_verify_restore_and_only_administrators_take_them() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (tenant, mut reviewer, _, _) = tenant_with_evidence(&s, &mut admin, "togane");
    let data = s.dir.path().join("data");
    let os = |s: &str| std::ffi::OsString::from(s);

    // Only a system administrator takes a backup through the API.
    let (mut tadmin, _) = tenant_user(&s, &mut admin, &tenant, "togane-admin", "tenant_admin");
    for c in [&mut reviewer, &mut tadmin] {
        assert_eq!(c.call("POST", "/api/v1/admin/backups", json!({})).0, 403);
        assert_eq!(c.get("/api/v1/admin/backups").0, 403);
    }
    let (status, api_backup) = admin.call("POST", "/api/v1/admin/backups", json!({}));
    assert_eq!(status, 201, "{api_backup}");
    let (_, listed) = admin.get("/api/v1/admin/backups");
    assert_eq!(listed[0]["name"], api_backup["name"]);
    // The reported size and SHA-256 are the file's.
    let taken = std::fs::read(
        s.dir
            .path()
            .join("data/backups")
            .join(api_backup["name"].as_str().unwrap()),
    )
    .unwrap();
    assert_eq!(api_backup["size"], taken.len() as u64);
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&taken)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(api_backup["sha256"], digest.as_str());
    assert!(
        !std::fs::read_dir(s.dir.path().join("data/backups"))
            .unwrap()
            .flatten()
            .any(|e| e
                .file_name()
                .to_string_lossy()
                .starts_with(".kijun-backup-")),
        "no scratch directory left behind"
    );
    assert!(audit_actions(&mut admin, "").contains(&"backup_created".to_owned()));

    // Writers keep going while the CLI takes its backup.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (_, services) = reviewer.get(&format!("/api/v1/tenants/{tenant}/services"));
    let service = services[0]["id"].as_str().unwrap().to_owned();
    let writer = {
        let stop = stop.clone();
        let mut c = s.client();
        c.cookie = reviewer.cookie.clone();
        c.csrf = reviewer.csrf.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, body) = c.call(
                    "POST",
                    &format!("/api/v1/services/{service}/outages"),
                    json!({"start": "2026-05-10T01:00:00+09:00", "detected_by": "manual", "description": format!("停止 {n}")}),
                );
                assert_eq!(status, 201, "{body}");
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let file = s.dir.path().join("under-load.kjbk");
    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("create"),
            &os("--data-dir"),
            data.as_os_str(),
            &os("--out"),
            file.as_os_str(),
        ],
        &[],
    );
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(writes > 3, "writes went on during the backup: {writes}");
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.windows(9).any(|w| w == b"SQLite fo"),
        "the database is not in the clear"
    );

    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("verify"),
            &os("--data-dir"),
            data.as_os_str(),
            file.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("証跡ファイル 1 件"), "{text}");
    // Restored elsewhere: consistent, the audit chains verify, the evidence decrypts.
    let restored = s.dir.path().join("restored");
    let key = data.join("master.key");
    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("restore"),
            &os("--data-dir"),
            restored.as_os_str(),
            &os("--master-key-file"),
            key.as_os_str(),
            file.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = kijun(
        &[
            &os("audit"),
            &os("verify"),
            &os("--data-dir"),
            restored.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    // Not over an existing instance.
    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("restore"),
            &os("--data-dir"),
            restored.as_os_str(),
            file.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("空のデータディレクトリ"), "{text}");
    // The restored instance serves: the outages recorded before the snapshot are there.
    let (_server, base) = spawn_serve(&[&os("--data-dir"), restored.as_os_str()], &[]);
    let mut c = s.client();
    c.base = base;
    let (status, body) = c.login("admin", ADMIN_PW);
    assert_eq!(
        (status, body["next"].as_str()),
        (200, Some("mfa")),
        "{body}"
    );

    // A flipped byte, or another master key, is caught.
    let mut tampered = bytes.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x40;
    let bad = s.dir.path().join("tampered.kjbk");
    std::fs::write(&bad, &tampered).unwrap();
    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("verify"),
            &os("--data-dir"),
            data.as_os_str(),
            bad.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("改ざん"), "{text}");
    let other_key = s.dir.path().join("other.key");
    std::fs::write(&other_key, "11".repeat(32)).unwrap();
    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("verify"),
            &os("--master-key-file"),
            other_key.as_os_str(),
            file.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("wrong master key"), "{text}");
}

#[test]
fn key_rotation_keeps_every_blob_and_totp_secret_readable() {
    let s = TestServer::start();
    let (mut admin, secret) = s.admin();
    let (_, _, evidence, pdf) = tenant_with_evidence(&s, &mut admin, "choshi");
    let (_, _, evidence2, pdf2) = tenant_with_evidence(&s, &mut admin, "asahi");
    let data = s.dir.path().join("data");
    let old_key = std::fs::read_to_string(data.join("master.key")).unwrap();
    let new_key = s.dir.path().join("new.key");
    std::fs::write(&new_key, format!("{}\n", "c3".repeat(32))).unwrap();
    drop(admin);
    // Stop the server, rotate.
    let mut s = s;
    let _ = s.child.kill();
    let _ = s.child.wait();
    let os = |s: &str| std::ffi::OsString::from(s);
    let (code, text) = kijun(
        &[
            &os("key"),
            &os("rotate"),
            &os("--data-dir"),
            data.as_os_str(),
            &os("--new-key-file"),
            new_key.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("データ鍵 2 件"), "{text}");
    assert_eq!(
        std::fs::read_to_string(data.join("master.key"))
            .unwrap()
            .trim(),
        "c3".repeat(32)
    );
    let retired: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("master.key.retired-")
        })
        .collect();
    assert_eq!(retired.len(), 1);
    assert_eq!(std::fs::read_to_string(retired[0].path()).unwrap(), old_key);
    // The blobs on disk were not rewritten, yet everything reads under the new key.
    let (_server, base) = spawn_serve(&[&os("--data-dir"), data.as_os_str()], &[]);
    let mut c = s.client();
    c.base = base;
    let (status, body) = c.login("admin", ADMIN_PW);
    assert_eq!(
        (status, body["next"].as_str()),
        (200, Some("mfa")),
        "{body}"
    );
    let next = self::code(&secret, Timestamp::now() + SignedDuration::from_secs(30));
    let (status, body) = c.call("POST", "/api/v1/auth/mfa", json!({"code": next}));
    assert_eq!(
        (status, body["next"].as_str()),
        (200, Some("done")),
        "the TOTP secret was re-sealed: {body}"
    );
    for (id, bytes) in [(&evidence, &pdf), (&evidence2, &pdf2)] {
        let (status, got, _) = download(&mut c, &format!("/api/v1/evidence/{id}"));
        assert_eq!(status, 200);
        assert!(got == *bytes, "evidence {id} reads back after the rotation");
    }
    let entries = audit_actions(&mut c, "");
    assert!(
        entries.contains(&"master_key_rotated".to_owned()),
        "{entries:?}"
    );
    // The old key no longer opens anything: a server on it fails closed.
    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("create"),
            &os("--data-dir"),
            data.as_os_str(),
            &os("--out"),
            s.dir.path().join("b.kjbk").as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = kijun(
        &[
            &os("backup"),
            &os("verify"),
            &os("--master-key-file"),
            retired[0].path().as_os_str(),
            s.dir.path().join("b.kjbk").as_os_str(),
        ],
        &[],
    );
    assert_eq!(
        code, 1,
        "a backup after the rotation needs the new key: {text}"
    );
}

#[test]
fn a_disposed_account_keeps_its_name_in_the_audit_trail_and_loses_every_credential() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "ichikawa", "name": "市川市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let (mut leaver, leaver_id) = tenant_user(&s, &mut admin, &t, "leaver", "reviewer");
    let (status, token) = leaver.call(
        "POST",
        "/api/v1/tokens",
        json!({"name": "連携", "expires_in_days": 30}),
    );
    assert_eq!(status, 201, "{token}");
    let (status, _) = leaver.call(
        "POST",
        &format!("/api/v1/tenants/{t}/services"),
        json!({"name": "電子申請", "purpose": "申請", "department": "情報政策課"}),
    );
    assert_eq!(status, 201);
    // Not by the user itself, nor by a reviewer.
    assert_eq!(
        leaver
            .call("DELETE", &format!("/api/v1/users/{leaver_id}"), json!({}))
            .0,
        403
    );
    let (status, body) = admin.call("DELETE", &format!("/api/v1/users/{leaver_id}"), json!({}));
    assert_eq!(status, 204, "{body}");
    assert_eq!(admin.get(&format!("/api/v1/users/{leaver_id}")).0, 404);
    assert_eq!(
        admin
            .call("DELETE", &format!("/api/v1/users/{leaver_id}"), json!({}))
            .0,
        404
    );
    // The session, the password and the API token are gone.
    assert_eq!(leaver.get("/api/v1/me").0, 401);
    assert_eq!(s.client().login("leaver", NEW_PW).0, 401);
    let mut bearer = s.client();
    bearer.bearer = token["token"].as_str().map(str::to_owned);
    assert_eq!(bearer.get("/api/v1/me").0, 401);
    // The audit trail still names who did what.
    let (_, entries) = admin.get(&format!("/api/v1/audit?tenant_id={t}"));
    let by_leaver: Vec<&Value> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_id"] == leaver_id.as_str())
        .collect();
    assert!(
        by_leaver
            .iter()
            .any(|e| e["action"] == "service_created" && e["actor_name"] == "leaver"),
        "{entries}"
    );
    assert!(
        entries
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "user_disposed")
    );
    // In the database: the row stays, every credential is empty.
    let db = s.dir.path().join("data/kijun.sqlite3");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let row: (Option<String>, Option<String>, Option<String>, Option<String>, String) = sqlx::query_as(
            "SELECT password_hash, totp_secret, email, deleted_at, display_name FROM users WHERE id = $1",
        )
        .bind(&leaver_id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!((row.0, row.1, row.2), (None, None, None));
        assert!(row.3.is_some());
        assert_eq!(row.4, "leaver");
        for table in ["sessions", "recovery_codes", "password_history", "api_tokens"] {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1")))
                .bind(&leaver_id)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
    });
}

/// `kijun_dashboard_builds_total` from `/metrics`.
fn dashboard_builds(s: &TestServer) -> u64 {
    let metrics = s.client().get("/metrics").1;
    metrics
        .as_str()
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("kijun_dashboard_builds_total "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn concurrent_dashboard_readers_share_one_computation_and_a_write_refreshes_it() {
    let s = TestServer::start();
    let (mut admin, _) = s.admin();
    let (_, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": "urayasu", "name": "浦安市"}),
    );
    let t = t["id"].as_str().unwrap().to_owned();
    let service = json!({"name": "電子申請", "purpose": "申請", "department": "情報政策課"});
    assert_eq!(
        admin
            .call(
                "POST",
                &format!("/api/v1/tenants/{t}/services"),
                service.clone()
            )
            .0,
        201
    );
    let path = format!("/api/v1/tenants/{t}/dashboard");
    let before = dashboard_builds(&s);
    let (status, d) = admin.get(&path);
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["services_by_status"]["未審査"], 1, "{d}");
    assert_eq!(dashboard_builds(&s), before + 1);
    // Twelve readers at once, nothing written: they share that computation.
    let readers: Vec<_> = (0..12)
        .map(|_| {
            let mut c = s.client();
            c.cookie = admin.cookie.clone();
            c.csrf = admin.csrf.clone();
            let path = path.clone();
            std::thread::spawn(move || c.get(&path))
        })
        .collect();
    for r in readers {
        let (status, d) = r.join().unwrap();
        assert_eq!(
            (status, &d["services_by_status"]["未審査"]),
            (200, &json!(1))
        );
    }
    let shared = dashboard_builds(&s);
    assert!(
        shared <= before + 2,
        "computed {} times for 13 readers",
        shared - before
    );
    // A write through the server shows at once.
    assert_eq!(
        admin
            .call("POST", &format!("/api/v1/tenants/{t}/services"), service)
            .0,
        201
    );
    let (_, d) = admin.get(&path);
    assert_eq!(d["services_by_status"]["未審査"], 2, "{d}");
    assert_eq!(dashboard_builds(&s), shared + 1);
}
