//! End-to-end test of alerts sent as notifications and shown on the
//! dashboard (issue 6 part 5): the real `kijun serve`, scanning every
//! second, e-mails a breached incident alert to a real SMTP server
//! (Python's aiosmtpd, started by the test) once — its dedupe key stops a
//! second e-mail on later scans — and lists it on the tenant's dashboard
//! (JSON and HTML).
//!
//! Needs `python3` with aiosmtpd: `python3 -m pip install aiosmtpd`.
//! Server and client helpers: tests/support.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jiff::tz::{TimeZone, offset};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// The server and client helpers: tests/support

mod support;
use support::*;

/// `kijun.toml` for the test: alerts scanned every second, e-mail through
/// the SMTP server on `smtp_port` (plain, on loopback), a worker pass every
/// second.
fn config(smtp_port: u16) -> String {
    format!(
        "[server]\n\
         alert_scan_interval = \"PT1S\"\n\
         \n[server.notifications]\n\
         worker_interval = \"PT1S\"\n\
         retry_backoff = [\"PT1S\", \"PT1S\"]\n\
         send_timeout = \"PT5S\"\n\
         lease = \"PT30S\"\n\
         \n[server.smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\ntls = \"none\"\n\
         from = \"kijun 通知 <kijun@city-a.example.lg.jp>\"\n"
    )
}

// ---------------------------------------------------------------------------
// A real SMTP server: Python's aiosmtpd (copied from tests/notify.rs)

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
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// The test

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// `2026年5月1日 09:30` in Asia/Tokyo, written independently of the server.
fn jst_text(ts: Timestamp) -> String {
    let dt = TimeZone::fixed(offset(9)).to_datetime(ts);
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// A reviewer records an incident of `service` that occurred 25 h before
/// `now` and whose investigation started at `now` (the municipality told
/// an hour after it occurred: only the investigation is late). Returns its
/// id and the investigation's deadline.
fn late_incident(
    reviewer: &mut Client,
    service: &str,
    now: Timestamp,
    what: &str,
) -> (String, Timestamp) {
    let occurred = now - SignedDuration::from_hours(25);
    let (status, inc) = reviewer.call(
        "POST",
        &format!("/api/v1/services/{service}/incidents"),
        json!({
            "occurred_at": occurred.to_string(),
            "reported_to_municipality_at": (occurred + SignedDuration::from_hours(1)).to_string(),
            "investigation_started_at": now.to_string(),
            "severity": "high",
            "description": what,
        }),
    );
    assert_eq!(status, 201, "{inc}");
    (id_of(&inc), occurred + SignedDuration::from_hours(24))
}

#[test]
fn a_late_investigation_is_emailed_once_and_shown_on_the_dashboard() {
    let smtp = SmtpServer::start();
    let s = TestServer::start_with_config(&config(smtp.port));
    let mut admin = s.admin();
    let tenant = create_tenant(&mut admin, "city-a", "A市");
    let (status, org) = admin.call(
        "POST",
        "/api/v1/organisations",
        json!({"name": "クラウド株式会社", "kind": "provider"}),
    );
    assert_eq!(status, 201, "{org}");
    let mut ta = tenant_user(&s, &mut admin, &tenant, "admin-a", "tenant_admin");
    let (status, ch) = ta.call(
        "POST",
        &format!("/api/v1/tenants/{tenant}/notifications/channels"),
        json!({"type": "email", "name": "情報政策課", "address": "joho@city-a.example.lg.jp",
               "kinds": ["incident_investigation_late", "incident_report_late"]}),
    );
    assert_eq!(status, 201, "{ch}");
    let mut reviewer = tenant_user(&s, &mut admin, &tenant, "reviewer-a", "reviewer");
    let (status, svc) = reviewer.call(
        "POST",
        &format!("/api/v1/tenants/{tenant}/services"),
        json!({"name": "電子申請システム", "purpose": "申請受付", "department": "情報政策課",
               "provider_org_id": id_of(&org)}),
    );
    assert_eq!(status, 201, "{svc}");
    let service = id_of(&svc);
    // Nothing is late yet: no e-mail after a couple of scans.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(smtp.messages().len(), 0, "{:?}", smtp.messages());

    let (incident, deadline) = late_incident(
        &mut reviewer,
        &service,
        Timestamp::now(),
        "管理画面への不正ログインの疑い",
    );
    let deadline_text = jst_text(deadline);

    // Within a few seconds (a scan, then a worker pass): one e-mail.
    let messages = wait_for(10, "the alert e-mail", || {
        let m = smtp.messages();
        (!m.is_empty()).then_some(m)
    });
    assert_eq!(messages.len(), 1, "{messages:?}");
    let mail = &messages[0];
    assert_eq!(mail["rcpt_tos"], json!(["joho@city-a.example.lg.jp"]));
    let subject = mail["subject"].as_str().unwrap();
    assert!(subject.contains("電子申請システム"), "{subject}");
    assert!(subject.contains("調査開始"), "{subject}");
    assert!(subject.contains("期限超過"), "{subject}");
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("電子申請システム"), "{body}");
    assert!(body.contains("調査開始"), "{body}");
    assert!(
        body.contains(&format!("インシデント（{incident}）")),
        "{body}"
    );
    assert!(body.contains(&format!("期限: {deadline_text}")), "{body}");

    // The delivery log: one notification of the kind, sent.
    let (status, log) = ta.get(&format!(
        "/api/v1/tenants/{tenant}/notifications/deliveries?kind=incident_investigation_late"
    ));
    assert_eq!(status, 200, "{log}");
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 1, "{log:?}");

    // The dashboard lists the alert (JSON).
    let (status, dash) = reviewer.get(&format!("/api/v1/tenants/{tenant}/dashboard"));
    assert_eq!(status, 200, "{dash}");
    let alerts = dash["alerts"].as_array().unwrap();
    let mine: Vec<&Value> = alerts
        .iter()
        .filter(|a| {
            a["kind"] == "incident_investigation_late" && a["subject"]["id"] == incident.as_str()
        })
        .collect();
    assert_eq!(mine.len(), 1, "{alerts:?}");
    let a = mine[0];
    assert_eq!(a["status"], "breached");
    assert_eq!(a["service"], "電子申請システム");
    assert_eq!(a["service_id"], service.as_str());
    assert_eq!(a["deadline_text"], deadline_text.as_str());
    assert!(
        a["kind_label"].as_str().unwrap().contains("調査開始"),
        "{a}"
    );
    assert!(!a["message"].as_str().unwrap().is_empty(), "{a}");
    // Breached ones come first.
    let first_pending = alerts.iter().position(|a| a["status"] == "pending");
    let last_breached = alerts.iter().rposition(|a| a["status"] == "breached");
    if let (Some(p), Some(b)) = (first_pending, last_breached) {
        assert!(b < p, "{alerts:?}");
    }

    // … and the HTML page, in its captioned table.
    let (status, page) = reviewer.get("/");
    assert_eq!(status, 200);
    let page = page.as_str().unwrap();
    assert!(page.contains("<caption>対応が必要な事柄"), "{page}");
    assert!(page.contains("インシデントの調査開始の遅れ"), "{page}");
    assert!(page.contains(&deadline_text), "{page}");

    // Later scans do not send it again (dedupe key) …
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(smtp.messages().len(), 1, "{:?}", smtp.messages());
    // … while the task still runs: a second late incident is sent, once.
    let (second, _) = late_incident(&mut reviewer, &service, Timestamp::now(), "誤送信");
    let messages = wait_for(10, "the second alert e-mail", || {
        let m = smtp.messages();
        (m.len() >= 2).then_some(m)
    });
    assert!(
        messages[1]["body"].as_str().unwrap().contains(&second),
        "{messages:?}"
    );
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(smtp.messages().len(), 2, "{:?}", smtp.messages());
}
