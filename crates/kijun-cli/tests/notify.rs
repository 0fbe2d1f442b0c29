//! End-to-end tests of notifications: the real `kijun serve` sends e-mail to
//! a real SMTP server (Python's aiosmtpd, started by the test) and signed
//! webhooks to a small HTTP receiver in the test, retries, deduplicates and
//! logs every attempt; tenant administrators see only their own channels.
//! One test drives `AppState::notify` — what alert rules call — in process.
//!
//! Needs `python3` with aiosmtpd: `python3 -m pip install aiosmtpd`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------
// The server and client helpers: tests/support

mod support;
use support::*;

fn audit_actions(c: &mut Client, tenant: &str) -> Vec<String> {
    let (status, entries) = c.get(&format!("/api/v1/audit?tenant_id={tenant}"));
    assert_eq!(status, 200, "{entries}");
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// `kijun.toml` for a test: e-mail through the SMTP server on
/// `smtp_port` (plain, on loopback), a worker pass every second, retries
/// after one second, webhooks to loopback over plain HTTP allowed.
fn config(smtp_port: Option<u16>) -> String {
    let mut c = String::from(
        "[server.notifications]\n\
         worker_interval = \"PT1S\"\n\
         retry_backoff = [\"PT1S\", \"PT1S\"]\n\
         send_timeout = \"PT5S\"\n\
         lease = \"PT30S\"\n\
         webhook_require_https = false\n\
         webhook_allow_private_addresses = true\n",
    );
    if let Some(port) = smtp_port {
        c.push_str(&format!(
            "\n[server.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"kijun 通知 <kijun@city-a.example.lg.jp>\"\n"
        ));
    }
    c
}

// ---------------------------------------------------------------------------
// A real SMTP server: Python's aiosmtpd

/// The SMTP server as a child process; each message it receives is written
/// to its directory as JSON, decoded by Python's `email` package.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SMTP_SCRIPT: &str = r#"
import asyncio, email, email.policy, json, os, sys
from aiosmtpd.smtp import SMTP

outdir = sys.argv[1]
count = 0

class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        raw = envelope.content.decode("ascii", "replace")
        headers = raw.split("\r\n\r\n", 1)[0]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": msg.get_body(preferencelist=("plain",)).get_content(),
            "raw_headers": headers,
        }
        tmp = os.path.join(outdir, "%04d.tmp" % count)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(outdir, "%04d.json" % count))
        return "250 OK"

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Handler()), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"#;

impl SmtpServer {
    fn start() -> SmtpServer {
        let probe = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output();
        match probe {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "the notification tests need Python's aiosmtpd as a real SMTP server; install it with \
                 `python3 -m pip install aiosmtpd` ({})",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!(
                "the notification tests need python3 with aiosmtpd (`python3 -m pip install aiosmtpd`): {e}"
            ),
        }
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .args(["-c", SMTP_SCRIPT])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("aiosmtpd did not print its port: {line:?}"));
        SmtpServer { child, port, dir }
    }

    /// The messages received so far, in order.
    fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files.iter().map(|p| read_json(p)).collect()
    }

    fn wait_for_messages(&self, n: usize) -> Vec<Value> {
        wait_for(30, &format!("{n} e-mail message(s)"), || {
            let m = self.messages();
            (m.len() >= n).then_some(m)
        })
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// A webhook receiver: answers 500 to the first request, 200 afterwards

#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn webhook_receiver(fail_first: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/hooks/kijun?src=test",
        listener.local_addr().unwrap()
    );
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.push((k.trim().to_owned(), v.trim().to_owned()));
                }
            }
            headers.push(("x-request-line".into(), request_line.trim().to_owned()));
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let n = {
                let mut log = log.lock().unwrap();
                log.push(Received { headers, body });
                log.len()
            };
            let response = if n <= fail_first {
                "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\nconnection: close\r\n\r\nerror"
            } else {
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, received)
}

/// HMAC-SHA256 (RFC 2104) written out here, independent of the server's.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `r` is signed with `secret` as documented.
fn signed_with(r: &Received, secret: &str) -> bool {
    let ts = r.header("x-kijun-timestamp").unwrap_or_default();
    let mut signed = ts.as_bytes().to_vec();
    signed.push(b'.');
    signed.extend_from_slice(&r.body);
    r.header("x-kijun-signature")
        == Some(&format!(
            "sha256={}",
            hmac_sha256(secret.as_bytes(), &signed)
        ))
}

fn deliveries(c: &mut Client, tenant: &str, query: &str) -> Vec<Value> {
    let (status, log) = c.get(&format!(
        "/api/v1/tenants/{tenant}/notifications/deliveries{query}"
    ));
    assert_eq!(status, 200, "{log}");
    log.as_array().unwrap().clone()
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn hmac_in_the_test_matches_rfc_4231() {
    assert_eq!(
        hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn a_test_email_reaches_a_real_smtp_server_in_japanese() {
    let smtp = SmtpServer::start();
    let s = TestServer::start_with_config(&config(Some(smtp.port)));
    let mut admin = s.admin();
    let a = create_tenant(&mut admin, "city-a", "A市");
    let mut ta = tenant_user(&s, &mut admin, &a, "admin-a", "tenant_admin");

    let (status, ch) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/channels"),
        json!({"type": "email", "name": "情報政策課", "address": "joho@city-a.example.lg.jp",
               "kinds": ["improvement_plan_required", "expiring"]}),
    );
    assert_eq!(status, 201, "{ch}");
    assert_eq!(ch["type"], "email");
    assert_eq!(ch["address"], "joho@city-a.example.lg.jp");
    assert_eq!(ch["has_secret"], false);
    let (status, err) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/channels"),
        json!({"type": "email", "name": "x", "address": "not an address"}),
    );
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (400, Some("address")),
        "{err}"
    );
    let (status, err) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/channels"),
        json!({"type": "email", "name": "x", "address": "a@example.lg.jp", "kinds": ["no_such_kind"]}),
    );
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (400, Some("kinds")),
        "{err}"
    );

    let (status, q) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/test"),
        json!({"channel_id": ch["id"]}),
    );
    assert_eq!(status, 202, "{q}");
    assert_eq!(
        (q["deliveries"].as_u64(), q["duplicate"].as_bool()),
        (Some(1), Some(false))
    );

    let m = smtp.wait_for_messages(1);
    let m = &m[0];
    assert_eq!(m["rcpt_tos"], json!(["joho@city-a.example.lg.jp"]));
    assert_eq!(m["mail_from"], "kijun@city-a.example.lg.jp");
    assert_eq!(m["subject"], "【kijun】テスト通知");
    assert_eq!(m["from"], "kijun 通知 <kijun@city-a.example.lg.jp>");
    assert_eq!(
        (m["content_type"].as_str(), m["charset"].as_str()),
        (Some("text/plain"), Some("utf-8"))
    );
    let body = m["body"].as_str().unwrap();
    assert!(body.contains("kijun からのテスト通知です。"), "{body}");
    assert!(body.contains("テナント: A市"), "{body}");
    // On the wire the headers are 7-bit: the Japanese subject is an RFC 2047
    // encoded word, decoded above by Python's email package.
    let raw = m["raw_headers"].as_str().unwrap();
    assert!(raw.is_ascii() && raw.contains("Subject: =?utf-8?"), "{raw}");

    let log = wait_for(10, "the delivery to be logged as sent", || {
        let log = deliveries(&mut ta, &a, "");
        (log.len() == 1 && log[0]["status"] == "sent").then_some(log)
    });
    let d = &log[0];
    assert_eq!(d["channel"], "email");
    assert_eq!(d["target"], "joho@city-a.example.lg.jp");
    assert_eq!(d["kind"], "test");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["history"].as_array().unwrap().len(), 1);
    assert_eq!(d["history"][0]["ok"], true);
    assert!(
        m["message_id"]
            .as_str()
            .unwrap()
            .contains(d["id"].as_str().unwrap()),
        "the Message-ID names the delivery: {}",
        m["message_id"]
    );

    let actions = audit_actions(&mut admin, &a);
    for x in ["notification_channel_created", "notification_test_sent"] {
        assert!(actions.iter().any(|y| y == x), "{x} missing: {actions:?}");
    }
}

#[test]
fn a_webhook_is_signed_retried_after_a_failure_and_logged() {
    let (url, received) = webhook_receiver(1);
    let s = TestServer::start_with_config(&config(None));
    let mut admin = s.admin();
    let a = create_tenant(&mut admin, "city-a", "A市");
    let mut ta = tenant_user(&s, &mut admin, &a, "admin-a", "tenant_admin");
    let secret = "hook-secret-0123456789";

    let channels = format!("/api/v1/tenants/{a}/notifications/channels");
    let (status, err) = ta.call(
        "POST",
        &channels,
        json!({"type": "webhook", "name": "監視", "url": url}),
    );
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (400, Some("secret")),
        "{err}"
    );
    let (status, ch) = ta.call(
        "POST",
        &channels,
        json!({"type": "webhook", "name": "監視基盤", "url": url, "secret": secret, "kinds": []}),
    );
    assert_eq!(status, 201, "{ch}");
    assert_eq!(
        (ch["url"].as_str(), ch["has_secret"].as_bool()),
        (Some(url.as_str()), Some(true))
    );
    let id = ch["id"].as_str().unwrap().to_owned();
    // The secret is write-only.
    for (status, body) in [ta.get(&channels), ta.get(&format!("{channels}/{id}"))] {
        assert_eq!(status, 200);
        assert!(!body.to_string().contains(secret), "secret leaked: {body}");
    }

    let (status, q) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/test"),
        json!({}),
    );
    assert_eq!(status, 202, "{q}");
    let notification_id = q["notification_id"].as_str().unwrap().to_owned();

    let log = wait_for(30, "the retried webhook delivery", || {
        let log = deliveries(&mut ta, &a, "");
        (log.len() == 1 && log[0]["status"] == "sent").then_some(log)
    });
    let d = &log[0];
    assert_eq!(d["channel"], "webhook");
    assert_eq!(d["target"], id);
    assert_eq!(d["attempts"], 2);
    let history: Vec<(i64, bool, Option<&str>)> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["attempt"].as_i64().unwrap(),
                h["ok"].as_bool().unwrap(),
                h["error"].as_str(),
            )
        })
        .collect();
    assert_eq!(history, [(1, false, Some("HTTP 500")), (2, true, None)]);

    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "one failure, one retry");
    for r in &got {
        assert!(signed_with(r, secret), "signature: {r:?}");
        assert!(
            !signed_with(r, "another-secret-0000"),
            "a wrong key does not verify"
        );
        assert_eq!(r.header("x-kijun-delivery"), d["id"].as_str());
        assert!(
            r.header("x-kijun-timestamp")
                .unwrap()
                .parse::<i64>()
                .is_ok()
        );
        assert_eq!(
            r.header("x-request-line"),
            Some("POST /hooks/kijun?src=test HTTP/1.1")
        );
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["id"], notification_id.as_str());
        assert_eq!(body["tenant"], a.as_str());
        assert_eq!(body["kind"], "test");
        assert_eq!(body["subject"], "【kijun】テスト通知");
        assert!(body["body"].as_str().unwrap().contains("テスト通知"));
        assert_eq!(body["payload"]["test"], true);
        assert!(
            body["created_at"]
                .as_str()
                .unwrap()
                .parse::<Timestamp>()
                .is_ok()
        );
    }
    // A signature over a changed body does not verify.
    let mut forged = got[1].clone();
    forged.body.push(b' ');
    assert!(!signed_with(&forged, secret));

    // Filters of the log.
    assert_eq!(
        deliveries(&mut ta, &a, "?status=sent&channel=webhook&kind=test").len(),
        1
    );
    assert_eq!(deliveries(&mut ta, &a, "?status=failed").len(), 0);
    assert_eq!(deliveries(&mut ta, &a, "?channel=email").len(), 0);
    assert_eq!(
        deliveries(&mut ta, &a, &format!("?notification_id={notification_id}")).len(),
        1
    );
    let (status, err) = ta.get(&format!(
        "/api/v1/tenants/{a}/notifications/deliveries?status=lost"
    ));
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (400, Some("status"))
    );

    // A new secret signs the next delivery; the old one no longer verifies.
    let new_secret = "rotated-secret-9876543210";
    let (status, ch2) = ta.call(
        "PUT",
        &format!("{channels}/{id}"),
        json!({"name": "監視基盤", "url": url, "secret": new_secret}),
    );
    assert_eq!(status, 200, "{ch2}");
    let (status, _) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/test"),
        json!({"channel_id": id}),
    );
    assert_eq!(status, 202);
    let third = wait_for(30, "the third webhook request", || {
        received.lock().unwrap().get(2).cloned()
    });
    assert!(signed_with(&third, new_secret) && !signed_with(&third, secret));

    let actions = audit_actions(&mut admin, &a);
    for x in [
        "notification_channel_created",
        "notification_channel_updated",
        "notification_test_sent",
    ] {
        assert!(actions.iter().any(|y| y == x), "{x} missing: {actions:?}");
    }
    let (_, entries) = admin.get(&format!("/api/v1/audit?tenant_id={a}"));
    assert!(
        !entries.to_string().contains(secret),
        "no secret in the audit log"
    );
}

#[test]
fn the_same_dedupe_key_is_sent_once() {
    let smtp = SmtpServer::start();
    let s = TestServer::start_with_config(&config(Some(smtp.port)));
    let mut admin = s.admin();
    let a = create_tenant(&mut admin, "city-a", "A市");
    let mut ta = tenant_user(&s, &mut admin, &a, "admin-a", "tenant_admin");
    let (status, ch) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/channels"),
        json!({"type": "email", "name": "情報政策課", "address": "joho@city-a.example.lg.jp"}),
    );
    assert_eq!(status, 201, "{ch}");
    let test = format!("/api/v1/tenants/{a}/notifications/test");
    let (status, first) = ta.call("POST", &test, json!({"idempotency_key": "2026-04-01 確認"}));
    assert_eq!(status, 202, "{first}");
    assert_eq!(
        (first["duplicate"].as_bool(), first["deliveries"].as_u64()),
        (Some(false), Some(1))
    );
    let (status, second) = ta.call("POST", &test, json!({"idempotency_key": "2026-04-01 確認"}));
    assert_eq!(status, 202, "{second}");
    assert_eq!(
        (second["duplicate"].as_bool(), second["deliveries"].as_u64()),
        (Some(true), Some(0))
    );
    assert!(second["notification_id"].is_null());

    smtp.wait_for_messages(1);
    // Give the worker several more passes: still one message.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(deliveries(&mut ta, &a, "").len(), 1);
    // Another key is another notification.
    let (_, third) = ta.call("POST", &test, json!({"idempotency_key": "2026-04-02"}));
    assert_eq!(third["duplicate"], false);
    smtp.wait_for_messages(2);
}

#[test]
fn tenant_admins_cannot_see_or_change_another_tenants_channels_or_log() {
    let (url, _received) = webhook_receiver(0);
    let s = TestServer::start_with_config(&config(None));
    let mut admin = s.admin();
    let a = create_tenant(&mut admin, "city-a", "A市");
    let b = create_tenant(&mut admin, "city-b", "B市");
    let mut ta = tenant_user(&s, &mut admin, &a, "admin-a", "tenant_admin");
    let mut reviewer = tenant_user(&s, &mut admin, &a, "reviewer-a", "reviewer");

    // The system administrator sets up B's webhook and sends a test.
    let (status, ch) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{b}/notifications/channels"),
        json!({"type": "webhook", "name": "B市監視", "url": url, "secret": "b-city-secret-000000"}),
    );
    assert_eq!(status, 201, "{ch}");
    let bid = ch["id"].as_str().unwrap().to_owned();
    let (status, _) = admin.call(
        "POST",
        &format!("/api/v1/tenants/{b}/notifications/test"),
        json!({}),
    );
    assert_eq!(status, 202);
    let (status, own) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{a}/notifications/channels"),
        json!({"type": "email", "name": "A市", "address": "a@city-a.example.lg.jp"}),
    );
    assert_eq!(status, 201, "{own}");

    let update = json!({"name": "乗っ取り", "url": "http://127.0.0.1:9/x", "secret": "attacker-secret-0000"});
    let probes: Vec<(&str, String, Option<Value>)> = vec![
        (
            "GET",
            format!("/api/v1/tenants/{b}/notifications/channels"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/tenants/{b}/notifications/channels"),
            Some(json!({"type": "email", "name": "x", "address": "x@example.lg.jp"})),
        ),
        (
            "GET",
            format!("/api/v1/tenants/{b}/notifications/channels/{bid}"),
            None,
        ),
        (
            "PUT",
            format!("/api/v1/tenants/{b}/notifications/channels/{bid}"),
            Some(update.clone()),
        ),
        (
            "DELETE",
            format!("/api/v1/tenants/{b}/notifications/channels/{bid}"),
            None,
        ),
        (
            "GET",
            format!("/api/v1/tenants/{b}/notifications/deliveries"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/tenants/{b}/notifications/test"),
            Some(json!({})),
        ),
        // B's channel through A's path: not A's, so not found either.
        (
            "GET",
            format!("/api/v1/tenants/{a}/notifications/channels/{bid}"),
            None,
        ),
        (
            "PUT",
            format!("/api/v1/tenants/{a}/notifications/channels/{bid}"),
            Some(update.clone()),
        ),
        (
            "DELETE",
            format!("/api/v1/tenants/{a}/notifications/channels/{bid}"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/tenants/{a}/notifications/test"),
            Some(json!({"channel_id": bid})),
        ),
    ];
    for (method, path, body) in &probes {
        let (status, answer) = match body {
            Some(b) => ta.call(method, path, b.clone()),
            None => ta.send(method, path, None, ""),
        };
        assert_eq!(status, 404, "{method} {path}: {answer}");
        let text = answer.to_string();
        assert!(
            !text.contains("B市") && !text.contains(&url),
            "leak: {text}"
        );
    }
    // A's own list holds A's channel only.
    let (status, list) = ta.get(&format!("/api/v1/tenants/{a}/notifications/channels"));
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(deliveries(&mut ta, &a, "").len(), 0);
    // A reviewer of A is not an administrator: 403 on its own tenant.
    for path in [
        format!("/api/v1/tenants/{a}/notifications/channels"),
        format!("/api/v1/tenants/{a}/notifications/deliveries"),
    ] {
        assert_eq!(reviewer.get(&path).0, 403, "{path}");
    }
    assert_eq!(
        reviewer
            .get(&format!("/api/v1/tenants/{b}/notifications/channels"))
            .0,
        404
    );
    // B's channel is untouched and B's log is B's.
    let (status, still) = admin.get(&format!("/api/v1/tenants/{b}/notifications/channels/{bid}"));
    assert_eq!((status, still["name"].as_str()), (200, Some("B市監視")));
    assert_eq!(
        wait_for(30, "B's delivery", || {
            let log = deliveries(&mut admin, &b, "?status=sent");
            (!log.is_empty()).then_some(log.len())
        }),
        1
    );
    // The system administrator deletes it: 204, then 404.
    let path = format!("/api/v1/tenants/{b}/notifications/channels/{bid}");
    assert_eq!(admin.send("DELETE", &path, None, "").0, 204);
    assert_eq!(admin.get(&path).0, 404);
    let actions = audit_actions(&mut admin, &b);
    assert!(
        actions.iter().any(|x| x == "notification_channel_deleted"),
        "{actions:?}"
    );
}

/// `AppState::notify` — what alert rules call — in process: the alert goes
/// to the channels that want its kind, once per dedupe key, and the worker
/// pass delivers it through the real SMTP server.
#[test]
fn app_state_notify_matches_kinds_and_deduplicates() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = kijun_web::ServerConfig {
        data_dir: dir.path().to_path_buf(),
        smtp: Some(kijun_web::notify::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(smtp.port),
            tls: kijun_web::notify::config::SmtpTls::None,
            username: None,
            password: None,
            from: "kijun@city-a.example.lg.jp".into(),
            hello_name: Some("kijun.test".into()),
        }),
        ..kijun_web::ServerConfig::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = kijun_web::Server::prepare(config, kijun_core::CatalogSet::default())
            .await
            .unwrap();
        let state = server.state;
        let now = state.now();
        let tenant = state
            .store
            .create_tenant("city-a", "A市", now)
            .await
            .unwrap();
        let audit = kijun_store::NewAuditEntry {
            tenant_id: Some(tenant.id.clone()),
            action: "notification_channel_created".into(),
            ..Default::default()
        };
        for (address, kinds) in [
            (
                "sla@city-a.example.lg.jp",
                vec!["improvement_plan_required"],
            ),
            ("notice@city-a.example.lg.jp", vec!["notice_too_late"]),
            ("all@city-a.example.lg.jp", vec![]),
        ] {
            state
                .store
                .create_notification_channel(
                    &kijun_store::notify::NewChannel {
                        id: kijun_store::notify::new_id(),
                        tenant_id: tenant.id.clone(),
                        channel: kijun_store::notify::ChannelKind::Email,
                        name: address.into(),
                        target: address.into(),
                        secret: None,
                        kinds: kinds.into_iter().map(str::to_owned).collect(),
                    },
                    &audit,
                    now,
                )
                .await
                .unwrap();
        }
        let payload = json!({"service_id": "s-1", "month": "2026-03", "availability": "99.12"});
        let alert = kijun_web::notify::Alert {
            tenant_id: &tenant.id,
            kind: "improvement_plan_required",
            subject: "【kijun】SLA 目標の未達: 住民情報システム",
            body: "2026年3月の稼働率 99.12% が目標 99.9% を下回りました。",
            payload: &payload,
            dedupe_key: "improvement_plan_required:s-1:2026-03",
        };
        let first = state.notify(&alert, now).await.unwrap().expect("new");
        assert_eq!(
            first.deliveries.len(),
            2,
            "the improvement_plan_required and the every-kind channels"
        );
        assert!(
            state.notify(&alert, now).await.unwrap().is_none(),
            "deduplicated"
        );
        assert_eq!(kijun_web::notify::run_once(&state, now).await.unwrap(), 2);
        assert_eq!(
            kijun_web::notify::run_once(&state, state.now())
                .await
                .unwrap(),
            0
        );
        let mut to: Vec<String> = smtp
            .wait_for_messages(2)
            .iter()
            .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
            .collect();
        to.sort();
        assert_eq!(to, ["all@city-a.example.lg.jp", "sla@city-a.example.lg.jp"]);
        let m = &smtp.messages()[0];
        assert_eq!(m["subject"], "【kijun】SLA 目標の未達: 住民情報システム");
        assert!(
            m["body"]
                .as_str()
                .unwrap()
                .contains("99.12% が目標 99.9% を下回りました")
        );
        let log = state
            .store
            .delivery_log(&tenant.id, &Default::default())
            .await
            .unwrap();
        assert!(
            log.iter()
                .all(|d| d.delivery.status == kijun_store::notify::DeliveryStatus::Sent)
        );
        state.store.close().await;
    });
}
