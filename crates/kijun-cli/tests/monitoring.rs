//! End-to-end test of availability monitoring (稼働監視, issue 6 part 6):
//! the real `kijun serve`, probing every second, watches a small HTTP
//! server run by the test that answers 200, then 500 for a while, then 200
//! again. After three failures in a row an outage record with
//! `detected_by` = `monitoring` exists (starting at the first failed
//! probe), the tenant's webhook gets one notification, later failures of
//! the same run open no second outage, and the first success closes it
//! (its end is that probe's time). Also the access rules of
//! `/api/v1/services/{id}/monitoring`.
//!
//! Server and client helpers: tests/support.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// The server and client helpers: tests/support

mod support;
use support::*;

/// `kijun.toml` for the test: due probes looked for every 0.2 s, probe
/// intervals of 1 s allowed, probes and webhooks to loopback allowed, a
/// notification worker pass every second.
fn config() -> String {
    "[server]\n\
     monitoring_scan_interval = \"PT0.2S\"\n\
     monitoring_min_interval_seconds = 1\n\
     monitoring_allow_private_addresses = true\n\
     alert_scan_interval = \"PT1H\"\n\
     \n[server.notifications]\n\
     worker_interval = \"PT1S\"\n\
     send_timeout = \"PT5S\"\n\
     lease = \"PT30S\"\n\
     webhook_require_https = false\n\
     webhook_allow_private_addresses = true\n"
        .to_owned()
}

// ---------------------------------------------------------------------------
// The monitored service: a small HTTP server on loopback

/// Answers `GET /health` with the current status and records every
/// answer; records the body of every `POST /hook` (the tenant's webhook).
struct Target {
    port: u16,
    status: Arc<AtomicU16>,
    /// (when answered, status) of every `/health` request.
    probes: Arc<Mutex<Vec<(Timestamp, u16)>>>,
    hooks: Arc<Mutex<Vec<Value>>>,
}

fn read_request(s: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return (String::new(), Vec::new());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = s.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    (head, body)
}

impl Target {
    fn start() -> Target {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let status = Arc::new(AtomicU16::new(200));
        let probes = Arc::new(Mutex::new(Vec::new()));
        let hooks = Arc::new(Mutex::new(Vec::new()));
        let (st, pr, hk) = (status.clone(), probes.clone(), hooks.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut s) = conn else { continue };
                let (head, body) = read_request(&mut s);
                let answer = if head.starts_with("GET /health ") {
                    let code = st.load(Ordering::SeqCst);
                    pr.lock().unwrap().push((Timestamp::now(), code));
                    code
                } else if head.starts_with("POST /hook ") {
                    hk.lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                    200
                } else {
                    404
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 {answer} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                );
            }
        });
        Target {
            port,
            status,
            probes,
            hooks,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/health", self.port)
    }

    fn set(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    fn probes(&self) -> Vec<(Timestamp, u16)> {
        self.probes.lock().unwrap().clone()
    }

    fn hooks(&self) -> Vec<Value> {
        self.hooks.lock().unwrap().clone()
    }
}

// ---------------------------------------------------------------------------
// The test

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn ts(v: &Value) -> Timestamp {
    v.as_str().unwrap().parse().unwrap()
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
    let (status, body) = c.call(
        "POST",
        "/api/v1/me/password",
        json!({"current_password": USER_PW, "new_password": NEW_PW}),
    );
    assert_eq!(status, 204, "{body}");
    c
}

fn outages(c: &mut Client, service: &str) -> Vec<Value> {
    let (status, list) = c.get(&format!("/api/v1/services/{service}/outages"));
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

#[test]
fn failures_open_one_outage_and_the_first_success_closes_it() {
    let target = Target::start();
    let s = TestServer::start_with_config(&config());
    let mut admin = s.admin();
    let tenant = create_tenant(&mut admin, "city-a", "A市");
    let other_tenant = create_tenant(&mut admin, "city-b", "B市");
    let (status, org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    assert_eq!(status, 201, "{org}");
    let (status, other_org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "別の株式会社", "kind": "provider"}),
    );
    assert_eq!(status, 201, "{other_org}");
    let mut ta = tenant_user(&s, &mut admin, &tenant, "admin-a", "tenant_admin");
    let (status, ch) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{tenant}/notifications/channels"),
        json!({"type": "webhook", "name": "監視基盤",
               "url": format!("http://127.0.0.1:{}/hook", target.port),
               "secret": "monitoring-webhook-secret-0123456789abcdef", "kinds": []}),
    );
    assert_eq!(status, 201, "{ch}");
    let mut reviewer = tenant_user(&s, &mut admin, &tenant, "reviewer-a", "reviewer");
    let mut viewer = tenant_user(&s, &mut admin, &tenant, "viewer-a", "viewer");
    let mut outsider = tenant_user(&s, &mut admin, &other_tenant, "reviewer-b", "reviewer");
    let mut vendor = vendor_user(&s, &mut admin, &id_of(&org), "vendor-a");
    let mut other_vendor = vendor_user(&s, &mut admin, &id_of(&other_org), "vendor-b");
    let (status, svc) = reviewer.call(
        "POST",
        &format!("/api/v1/tenants/{tenant}/services"),
        json!({"name": "電子申請システム", "purpose": "申請受付", "department": "情報政策課",
               "provider_org_id": id_of(&org)}),
    );
    assert_eq!(status, 201, "{svc}");
    let service = id_of(&svc);
    let path = format!("/api/v1/services/{service}/monitoring");

    // Nothing configured yet.
    let (status, _) = reviewer.get(&path);
    assert_eq!(status, 404);
    // Checked settings.
    let (status, err) = reviewer.call(
        "PUT",
        &path,
        json!({"url": target.url(), "interval_seconds": 0}),
    );
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (400, Some("interval_seconds")),
        "{err}"
    );
    let (status, err) = reviewer.call("PUT", &path, json!({"url": "ftp://127.0.0.1/x"}));
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (400, Some("url")),
        "{err}"
    );
    let settings =
        json!({"url": target.url(), "interval_seconds": 1, "timeout_seconds": 1, "failures": 3});
    // Only tenant staff write; viewers and the service's vendor read;
    // anyone else gets 404.
    let (status, _) = viewer.call("PUT", &path, settings.clone());
    assert_eq!(status, 403);
    let (status, _) = vendor.call("PUT", &path, settings.clone());
    assert_eq!(status, 403);
    let (status, _) = outsider.call("PUT", &path, settings.clone());
    assert_eq!(status, 404);
    let (status, m) = reviewer.call("PUT", &path, settings.clone());
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["settings"]["failures"], 3);
    assert_eq!(m["settings"]["expected_status"], Value::Null);
    for c in [&mut viewer, &mut vendor] {
        let (status, m) = c.get(&path);
        assert_eq!(status, 200, "{m}");
        assert_eq!(m["settings"]["url"], target.url().as_str());
    }
    for c in [&mut outsider, &mut other_vendor] {
        let (status, _) = c.get(&path);
        assert_eq!(status, 404);
    }
    let (status, audit) = admin.get(&format!("/api/v1/audit?tenant_id={tenant}"));
    assert_eq!(status, 200, "{audit}");
    assert!(audit.to_string().contains("monitoring_updated"), "{audit}");

    // Up: probes succeed, no outage.
    wait_for(15, "successful probes", || {
        let (_, m) = reviewer.get(&path);
        (m["state"]["last_status"] == 200 && target.probes().len() >= 2).then_some(())
    });
    assert!(outages(&mut reviewer, &service).is_empty());

    // Down: after three failures in a row, one outage.
    target.set(500);
    let outage = wait_for(20, "the outage", || {
        outages(&mut reviewer, &service).into_iter().next()
    });
    assert_eq!(outage["detected_by"], "monitoring", "{outage}");
    assert_eq!(outage["end"], Value::Null, "{outage}");
    let description = outage["description"].as_str().unwrap();
    assert!(description.contains(&target.url()), "{description}");
    assert!(description.contains("HTTP 500"), "{description}");
    let probes = target.probes();
    let first_failure = probes.iter().find(|(_, s)| *s == 500).unwrap().0;
    let last_success = probes
        .iter()
        .rev()
        .find(|(at, s)| *s == 200 && *at < first_failure)
        .unwrap()
        .0;
    let start = ts(&outage["start"]);
    // The start is the first failed probe's time (taken just before the
    // answer), not a later one.
    assert!(
        start > last_success && start <= first_failure,
        "{start} {last_success} {first_failure}"
    );
    // Not before three failures.
    let created = ts(&outage["created_at"]);
    let failures_before = probes
        .iter()
        .filter(|(at, s)| *s == 500 && *at <= created)
        .count();
    assert!(
        failures_before >= 3,
        "opened after {failures_before} failures: {probes:?}"
    );
    let (_, m) = reviewer.get(&path);
    assert_eq!(m["state"]["open_outage_id"], outage["id"], "{m}");
    assert!(
        m["state"]["consecutive_failures"].as_u64().unwrap() >= 3,
        "{m}"
    );
    // The vendor sees it too (filed by the municipality).
    assert_eq!(outages(&mut vendor, &service).len(), 1);

    // One webhook notification for the outage.
    let hooks = wait_for(10, "the webhook", || {
        let h = target.hooks();
        (!h.is_empty()).then_some(h)
    });
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert!(
        hooks[0]["subject"].as_str().unwrap().contains("稼働監視"),
        "{hooks:?}"
    );
    assert_eq!(hooks[0]["payload"]["outage_id"], outage["id"], "{hooks:?}");

    // Still down for several more probes: no second outage, no second
    // notification.
    let before = target.probes().len();
    wait_for(15, "more failed probes", || {
        (target.probes().len() >= before + 3).then_some(())
    });
    assert_eq!(outages(&mut reviewer, &service).len(), 1);

    // Up again: the first success closes it.
    target.set(200);
    let closed = wait_for(20, "the outage's end", || {
        let list = outages(&mut reviewer, &service);
        list.into_iter()
            .find(|o| o["id"] == outage["id"] && !o["end"].is_null())
    });
    let probes = target.probes();
    let first_success = probes
        .iter()
        .find(|(at, s)| *s == 200 && *at > first_failure)
        .unwrap()
        .0;
    let last_failure = probes
        .iter()
        .rev()
        .find(|(at, s)| *s == 500 && *at < first_success)
        .unwrap()
        .0;
    let end = ts(&closed["end"]);
    assert!(
        end > last_failure && end <= first_success,
        "{end} {last_failure} {first_success}"
    );
    assert_eq!(closed["start"], outage["start"]);
    assert_eq!(closed["detected_by"], "monitoring");
    let (_, m) = reviewer.get(&path);
    assert_eq!(m["state"]["open_outage_id"], Value::Null, "{m}");
    assert_eq!(m["state"]["consecutive_failures"], 0, "{m}");
    // Stays up: still one outage, one notification.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(outages(&mut reviewer, &service).len(), 1);
    assert_eq!(target.hooks().len(), 1, "{:?}", target.hooks());

    // Removing the monitor stops probing; the outage stays.
    let (status, _) = viewer.send("DELETE", &path, None, "");
    assert_eq!(status, 403);
    let (status, _) = reviewer.send("DELETE", &path, None, "");
    assert_eq!(status, 204);
    let (status, _) = reviewer.get(&path);
    assert_eq!(status, 404);
    std::thread::sleep(Duration::from_millis(1500));
    let n = target.probes().len();
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(target.probes().len(), n, "still probing after DELETE");
    assert_eq!(outages(&mut reviewer, &service).len(), 1);
}
