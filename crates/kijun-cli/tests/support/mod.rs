//! Helpers shared by the end-to-end tests that start the real
//! `kijun serve` (used by the oversight, monthly, termination, notify, alerting and monitoring tests): the server on a free
//! port with a fresh data directory, an HTTP client with the session cookie
//! and CSRF header, signing users in with TOTP, and a tenant with a
//! provider, an integrator, a reviewer and a service.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use jiff::Timestamp;
use kijun_core::auth::{Totp, TotpAlgorithm, TotpSecret};
use serde_json::{Value, json};

/// A running `kijun serve`.
pub struct TestServer {
    child: Child,
    pub base: String,
    pub setup_token: String,
    _dir: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with_config("")
    }

    /// Starts with `config` as the `kijun.toml` of its working directory
    /// (and no `KIJUN_*` database, key or SMTP settings from the caller's
    /// environment).
    pub fn start_with_config(config: &str) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kijun.toml"), config).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kijun"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .current_dir(dir.path())
            .env_remove("KIJUN_DATABASE_URL")
            .env_remove("KIJUN_MASTER_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for k in [
            "KIJUN_SMTP_HOST",
            "KIJUN_SMTP_PORT",
            "KIJUN_SMTP_TLS",
            "KIJUN_SMTP_USERNAME",
            "KIJUN_SMTP_PASSWORD",
            "KIJUN_SMTP_FROM",
        ] {
            cmd.env_remove(k);
        }
        let mut child = cmd.spawn().unwrap();
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

    pub fn client(&self) -> Client {
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
    pub fn admin(&self) -> Client {
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

pub const ADMIN_PW: &str = "Kanri-Sha#2026-Pass";
pub const USER_PW: &str = "Shokiki-Pass#2026";
pub const NEW_PW: &str = "Atarashii-Pass#2027";

pub struct Client {
    pub agent: ureq::Agent,
    pub base: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Client {
    pub fn send(
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

    pub fn get(&mut self, path: &str) -> (u16, Value) {
        self.send("GET", path, None, "")
    }

    pub fn call(&mut self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(method, path, Some(body.to_string()), "application/json")
    }

    pub fn csv(&mut self, path: &str, text: &str) -> (u16, Value) {
        self.send(
            "POST",
            path,
            Some(text.to_owned()),
            "text/csv; charset=utf-8",
        )
    }

    /// POSTs raw bytes.
    pub fn raw(&mut self, path: &str, bytes: Vec<u8>, content_type: &str) -> (u16, Value) {
        let mut req = ureq::http::Request::builder()
            .method("POST")
            .uri(format!("{}{path}", self.base))
            .header("content-type", content_type);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c.as_str());
        }
        if let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t.as_str());
        }
        let mut resp = self.agent.run(req.body(bytes).unwrap()).unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub fn login(&mut self, username: &str, password: &str) -> (u16, Value) {
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

pub fn code(secret: &TotpSecret, at: Timestamp) -> String {
    Totp::new(secret.clone(), TotpAlgorithm::Sha256)
        .unwrap()
        .code_at(at)
        .unwrap()
}

/// Logs in and enrols TOTP.
pub fn sign_in_enrolling(mut c: Client, username: &str, password: &str) -> Client {
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

pub fn change_password(c: &mut Client) {
    let (status, body) = c.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": NEW_PW}),
    );
    assert_eq!(status, 204, "{body}");
}

/// A tenant user signed in with MFA and a changed password.
pub fn tenant_user(
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
pub fn vendor_user(s: &TestServer, admin: &mut Client, org: &str, username: &str) -> Client {
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

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A tenant, a provider and an integrator organisation, a reviewer and a
/// service of that provider and integrator.
pub struct World {
    pub admin: Client,
    pub tenant: String,
    pub provider: String,
    pub integrator: String,
    pub reviewer: Client,
    pub service: String,
}

pub fn world(s: &TestServer) -> World {
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

/// Percent-encodes a form value.
pub fn urlencode(s: &str) -> String {
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
/// the `Location` (after a success) or the page (otherwise). Copied from
/// `tests/server.rs`.
pub fn form_post_with(
    c: &Client,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
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

/// [`form_post_with`] with the client's own CSRF token.
pub fn form_post(c: &Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    form_post_with(c, c.csrf.as_deref().unwrap(), path, fields)
}

/// A page's HTML.
pub fn html(c: &mut Client, path: &str) -> (u16, String) {
    let (status, body) = c.get(path);
    (status, body.as_str().unwrap_or_default().to_owned())
}

pub fn create_tenant(admin: &mut Client, slug: &str, name: &str) -> String {
    let (status, t) = admin.call(
        "POST",
        "/api/v1/tenants",
        json!({"slug": slug, "name": name}),
    );
    assert_eq!(status, 201, "{t}");
    t["id"].as_str().unwrap().to_owned()
}

/// Polls `f` until it returns `Some`, for at most `secs` seconds.
pub fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
