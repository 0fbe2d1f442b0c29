//! `kijun bench`: a benchmark of the real server, whose figures go into
//! `docs/benchmarks.md`.
//!
//! 1. Creates a fresh database — SQLite in a temporary directory, or a new
//!    database `kijun_bench_<random>` on the PostgreSQL server given with
//!    `--database-url` (dropped again at the end) — and seeds it straight
//!    through `kijun-store`: one tenant, a provider and an integrator
//!    organisation, a reviewer and one vendor user per organisation (password
//!    hashes with the server's default configuration), `--services` services
//!    with varied profiles and `--assessments` assessments over them, items
//!    derived as the API derives them (`applicable_items` on the profile),
//!    some answered, some decided.
//! 2. Starts the real server as a child process (`kijun serve`, this very
//!    executable) on that database and a temporary data directory, on
//!    `127.0.0.1:0`, so the server's peak RSS (`VmHWM` of the child's
//!    `/proc/<pid>/status`) is the server's alone.
//! 3. Drives it over HTTP from client threads (one `ureq` agent per thread):
//!    the dashboard and checklist pages under `--clients` concurrent clients,
//!    then the fixed API workload (a)–(g).
//! 4. Prints every figure next to the targets, as Japanese text or JSON.
//!
//! Sessions: the reviewer enrols TOTP once through the API, then logs in
//! exactly five times, phase (a); each login needs a TOTP step of its own
//! (the replay guard), so the five logins are spread over the run (each just
//! before a phase that uses its session) and the wait for the next step is
//! excluded from the login timings and reported separately. Concurrent
//! client threads share one session cookie (and CSRF token) instead of
//! logging in per thread.
//!
//! Every loop has a count or a deadline, every request a timeout, and all
//! traffic goes to 127.0.0.1.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use jiff::{SignedDuration, Timestamp, ToSpan};
use kijun_core::auth::{Totp, TotpAlgorithm, TotpSecret, hash_password};
use kijun_core::catalog::Catalog;
use kijun_core::evaluate::applicable_items;
use kijun_core::profile::Value as AttrValue;
use kijun_core::service::ServiceDetails;
use kijun_core::workflow::AnswerInput;
use kijun_core::{CatalogSet, ControlVocabulary, Profile, Status};
use kijun_store::assessment::{Actor, AnswerWrite, AssessmentRecord, ItemKey};
use kijun_store::{Backend, NewAuditEntry, NewUser, Role, Store};
use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::{BenchArgs, Format};

/// Longest wait for one HTTP request (a slow page under full load included).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest response body read.
const MAX_BODY: u64 = 64 * 1024 * 1024;
/// Longest wait for the server to start.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Client threads per vendor in phase (d).
const UPDATE_CLIENTS_PER_PARTY: usize = 4;
/// Concurrent clients of phase (g).
const LIST_CLIENTS: usize = 20;
/// Items answered in each answered seeded assessment.
const SEEDED_ANSWERS: usize = 10;
/// Environment variables of `kijun serve` the child must not inherit: it
/// runs with the default configuration on the benchmark's database only.
const CHILD_ENV_CLEARED: &[&str] = &[
    "KIJUN_CONFIG",
    "KIJUN_CATALOG_DIR",
    "KIJUN_DATABASE_URL",
    "KIJUN_DATA_DIR",
    "KIJUN_LISTEN",
    "KIJUN_TLS_CERT",
    "KIJUN_TLS_KEY",
    "KIJUN_MASTER_KEY",
];

// ---------------------------------------------------------------------------
// Entry point

pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    let rt = crate::commands::runtime()?;
    let suffix = kijun_web::crypto::hex(&kijun_web::crypto::random_bytes::<4>()?);
    let work = std::env::temp_dir().join(format!("kijun-bench-{suffix}"));
    let data_dir = work.join("data");
    std::fs::create_dir_all(&data_dir).with_context(|| {
        format!(
            "{}: 一時ディレクトリを作成できません (cannot create temp dir)",
            data_dir.display()
        )
    })?;
    let mut created_db: Option<(String, String)> = None;
    let result = (|| {
        let target = match &args.database_url {
            None => Target {
                backend: Backend::Sqlite,
                url: format!("sqlite://{}", data_dir.join("kijun.sqlite3").display()),
                description: format!("SQLite（一時ディレクトリ {}）", data_dir.display()),
                child_url: None,
            },
            Some(admin) => {
                if !(admin.starts_with("postgres://") || admin.starts_with("postgresql://")) {
                    bail!(
                        "--database-url には postgres://… を指定してください。省略すると一時ディレクトリの SQLite を使います (PostgreSQL URLs only)"
                    );
                }
                let name = format!("kijun_bench_{suffix}");
                let url = with_database(admin, &name)?;
                rt.block_on(create_database(admin, &name))?;
                created_db = Some((admin.clone(), name.clone()));
                Target {
                    backend: Backend::Postgres,
                    description: format!("PostgreSQL（{}、終了時に削除）", redact(&url)),
                    child_url: Some(url.clone()),
                    url,
                }
            }
        };
        bench(&rt, args, &target, &work, &data_dir)
    })();
    if let Some((admin, name)) = &created_db
        && let Err(e) = rt.block_on(drop_database(admin, name))
    {
        eprintln!("警告: データベース {name} を削除できませんでした (could not drop): {e:#}");
    }
    if let Err(e) = std::fs::remove_dir_all(&work) {
        eprintln!(
            "警告: {} を削除できませんでした (could not remove): {e}",
            work.display()
        );
    }
    let report = result?;
    match args.format.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", render_text(&report)),
    }
    let errors = report.errors();
    if errors > 0 {
        eprintln!(
            "エラー: 計測中に {errors} 件のリクエストが失敗しました。該当する数値は有効ではありません (requests failed during the run)"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The database under test.
struct Target {
    backend: Backend,
    /// Where the seeding connects.
    url: String,
    description: String,
    /// `--database-url` for the child (none: the data directory's SQLite).
    child_url: Option<String>,
}

fn progress(msg: &str) {
    eprintln!("bench: {msg}");
}

fn bench(
    rt: &tokio::runtime::Runtime,
    args: &BenchArgs,
    target: &Target,
    work: &Path,
    data_dir: &Path,
) -> Result<Report> {
    let started_at = Timestamp::now();
    let controls = ControlVocabulary::builtin().context("組込み共通管理策の読み込みに失敗")?;
    let catalogs = CatalogSet::builtin(&controls).context("組込みカタログの読み込みに失敗")?;

    progress("データを投入しています (seeding)…");
    let seed_started = Instant::now();
    let password = format!(
        "Bench-{}#Pw",
        kijun_web::crypto::hex(&kijun_web::crypto::random_bytes::<8>()?)
    );
    let hash_config = kijun_web::ServerConfig::default().password_hash;
    let mut hashes = Vec::new();
    for _ in 0..3 {
        let salt = kijun_web::crypto::random_bytes::<16>()?;
        hashes.push(hash_password(&password, &hash_config, &salt)?);
    }
    let seeded = rt
        .block_on(seed(&target.url, &catalogs, args, &hashes))
        .context("投入に失敗しました (seeding failed)")?;
    let seed_seconds = seed_started.elapsed().as_secs_f64();
    progress(&format!(
        "投入完了 (seeded): {seed_seconds:.1} 秒、項目 {} 件",
        seeded.items
    ));

    progress("サーバーを子プロセスで起動しています (starting `kijun serve`)…");
    let server = ChildServer::start(data_dir, target.child_url.as_deref(), work)?;
    let base = server.base.clone();
    progress(&format!("サーバー (server): {base} pid {}", server.pid()));
    let mut probe = RssProbe {
        pid: server.pid(),
        snapshots: Vec::new(),
    };
    probe.snap("起動直後 (after start)");
    let mut measured = measure(&base, args, &seeded, &catalogs, &password, &mut probe)?;
    let last = probe.snap("終了時 (at the end)");
    let rss = Rss {
        source: format!(
            "/proc/{}/status（子プロセス `kijun serve` のみ、クライアントは含まない）",
            server.pid()
        ),
        vm_hwm_kib: last.vm_hwm_kib,
        vm_rss_kib: last.vm_rss_kib,
        by_phase: probe.snapshots,
    };
    drop(server);
    measured.notes.push(
        "サーバーは子プロセス（この実行ファイルの `kijun serve`、既定設定、一時データディレクトリ）。投入はサーバー起動前に kijun-store で直接行った (server = child process; seeded before start)".into(),
    );

    let targets = targets(&measured, &rss);
    Ok(Report {
        started_at: started_at.to_string(),
        started_at_tokyo: tokyo(started_at),
        backend: target.backend.name(),
        database: target.description.clone(),
        cpus: std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        parameters: Parameters {
            services: args.services,
            assessments: args.assessments,
            clients: args.clients,
            seconds: args.seconds,
        },
        server: ServerInfo {
            mode: "child_process",
            address: base,
        },
        seed: SeedReport {
            seconds: seed_seconds,
            tenants: 1,
            organisations: 2,
            users: 3,
            services: seeded.services,
            assessments: seeded.assessments,
            items: seeded.items,
            answered_items: seeded.answered,
            decided_assessments: seeded.decided,
        },
        pages: measured.pages,
        api: measured.api,
        rss,
        targets,
        notes: measured.notes,
    })
}

fn tokyo(t: Timestamp) -> String {
    match t.in_tz("Asia/Tokyo") {
        Ok(z) => z.strftime("%Y-%m-%d %H:%M:%S (JST)").to_string(),
        Err(_) => t.to_string(),
    }
}

// ---------------------------------------------------------------------------
// The report

#[derive(Debug, Serialize)]
struct Report {
    started_at: String,
    started_at_tokyo: String,
    backend: &'static str,
    database: String,
    cpus: usize,
    parameters: Parameters,
    server: ServerInfo,
    seed: SeedReport,
    pages: Pages,
    api: Api,
    rss: Rss,
    targets: Vec<TargetCheck>,
    notes: Vec<String>,
}

impl Report {
    /// Failed requests over every phase.
    fn errors(&self) -> usize {
        let a = &self.api;
        [
            &self.pages.dashboard,
            &self.pages.checklist,
            &a.c_list_items,
            &a.d_update_items,
            &a.e_evaluation.timing,
            &a.g_concurrent_item_list,
        ]
        .iter()
        .map(|t| t.errors)
        .sum()
    }
}

#[derive(Debug, Serialize)]
struct Parameters {
    services: u32,
    assessments: u32,
    clients: u32,
    seconds: u64,
}

#[derive(Debug, Serialize)]
struct ServerInfo {
    mode: &'static str,
    address: String,
}

#[derive(Debug, Serialize)]
struct SeedReport {
    seconds: f64,
    tenants: usize,
    organisations: usize,
    users: usize,
    services: usize,
    assessments: usize,
    items: usize,
    answered_items: usize,
    decided_assessments: usize,
}

#[derive(Debug, Serialize)]
struct Pages {
    /// One request alone, before the load (it also checks the page).
    dashboard_alone_ms: f64,
    dashboard: Timing,
    checklist_alone_ms: f64,
    checklist: Timing,
}

#[derive(Debug, Serialize)]
struct Api {
    a_logins: Logins,
    b_create_assessment: Created,
    c_list_items: Timing,
    d_update_items: Timing,
    d_invitations_seconds: f64,
    e_evaluation: Evaluated,
    f_export_xlsx: Exported,
    g_concurrent_item_list: Timing,
}

/// Latency and throughput of one phase.
#[derive(Debug, Clone, Serialize)]
struct Timing {
    clients: usize,
    /// Successful requests.
    requests: usize,
    errors: usize,
    wall_seconds: f64,
    requests_per_second: f64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    max_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Logins {
    logins: usize,
    /// Two per login: password, then TOTP.
    http_requests: usize,
    /// Time spent in the login requests (TOTP step waits excluded).
    active_seconds: f64,
    logins_per_second: f64,
    requests_per_second: f64,
    /// One whole login (both requests).
    p50_ms: Option<f64>,
    max_ms: Option<f64>,
    /// Waiting for a TOTP step not yet used, before some logins.
    totp_wait_seconds: f64,
}

#[derive(Debug, Serialize)]
struct Created {
    seconds: f64,
    requests_per_second: f64,
    catalogs: Vec<String>,
    items: usize,
    integrator_items: usize,
    provider_items: usize,
}

#[derive(Debug, Serialize)]
struct Evaluated {
    #[serde(flatten)]
    timing: Timing,
    verdict: String,
}

/// One timed download.
#[derive(Debug, Serialize)]
struct Exported {
    seconds: f64,
    bytes: usize,
    /// Checklist rows (items) in the file.
    rows: usize,
}

#[derive(Debug, Serialize)]
struct Rss {
    source: String,
    vm_hwm_kib: Option<u64>,
    vm_rss_kib: Option<u64>,
    /// The server's RSS and peak so far after each phase.
    by_phase: Vec<RssSnapshot>,
}

#[derive(Debug, Clone, Serialize)]
struct RssSnapshot {
    phase: &'static str,
    vm_rss_kib: Option<u64>,
    vm_hwm_kib: Option<u64>,
}

/// Reads the server's memory figures between phases.
struct RssProbe {
    pid: u32,
    snapshots: Vec<RssSnapshot>,
}

impl RssProbe {
    fn snap(&mut self, phase: &'static str) -> RssSnapshot {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok();
        let snapshot = RssSnapshot {
            phase,
            vm_rss_kib: status.as_deref().and_then(|s| status_kib(s, "VmRSS")),
            vm_hwm_kib: status.as_deref().and_then(|s| status_kib(s, "VmHWM")),
        };
        self.snapshots.push(snapshot.clone());
        snapshot
    }
}

#[derive(Debug, Serialize)]
struct TargetCheck {
    name: &'static str,
    target: &'static str,
    measured: String,
    met: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of an ascending list: the smallest value with at
/// least `p` per cent of the list at or below it; `None` for an empty list.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

/// The value, in kB, of `key` (`VmHWM`, `VmRSS`, …) in the text of a
/// `/proc/<pid>/status` file.
pub fn status_kib(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        let mut parts = rest.split_whitespace();
        let value = parts.next()?.parse().ok()?;
        match parts.next() {
            Some("kB") | None => Some(value),
            Some(_) => None,
        }
    })
}

fn timing(
    clients: usize,
    mut latencies: Vec<Duration>,
    errors: usize,
    wall: Duration,
    first_error: Option<String>,
) -> Timing {
    latencies.sort_unstable();
    let secs = wall.as_secs_f64();
    Timing {
        clients,
        requests: latencies.len(),
        errors,
        wall_seconds: secs,
        requests_per_second: if secs > 0.0 {
            latencies.len() as f64 / secs
        } else {
            0.0
        },
        p50_ms: percentile(&latencies, 50.0).map(ms),
        p99_ms: percentile(&latencies, 99.0).map(ms),
        max_ms: latencies.last().copied().map(ms),
        first_error,
    }
}

fn targets(m: &Measured, rss: &Rss) -> Vec<TargetCheck> {
    let g = &m.api.g_concurrent_item_list;
    let d = &m.api.d_update_items;
    let g_p99 = g.p99_ms.unwrap_or(f64::INFINITY);
    let hwm_bytes = rss.vm_hwm_kib.map(|k| k.saturating_mul(1024));
    vec![
        TargetCheck {
            name: "(g) 項目一覧 20 同時 (item list, 20 clients)",
            target: ">= 1,000 req/s かつ p99 < 50 ms",
            measured: format!(
                "{:.1} req/s、p99 {}、エラー {}",
                g.requests_per_second,
                fmt_ms(g.p99_ms),
                g.errors
            ),
            met: g.errors == 0 && g.requests_per_second >= 1000.0 && g_p99 < 50.0,
        },
        TargetCheck {
            name: "(d) 全項目の更新 (update every item)",
            target: ">= 500 更新/s",
            measured: format!("{:.1} 更新/s、エラー {}", d.requests_per_second, d.errors),
            met: d.errors == 0 && d.requests_per_second >= 500.0,
        },
        TargetCheck {
            name: "サーバーのピーク RSS (peak RSS, VmHWM)",
            target: "< 100 MB（10^8 バイト）",
            measured: hwm_bytes.map_or_else(
                || "取得できません (unavailable)".to_owned(),
                |b| format!("{:.1} MB", b as f64 / 1e6),
            ),
            met: hwm_bytes.is_some_and(|b| b < 100_000_000),
        },
    ]
}

fn fmt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.1} ms"))
}

/// Display width of `s` in a terminal: ASCII one column, anything else two.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_owned();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

fn timing_line(label: &str, t: &Timing) -> String {
    let mut line = format!(
        "  {} 同時 {:>3}  件数 {:>7}  {:>8.2} 秒  {:>9.1} req/s  p50 {:>10}  p99 {:>10}  最大 {:>10}  エラー {}",
        pad(label, 38),
        t.clients,
        t.requests,
        t.wall_seconds,
        t.requests_per_second,
        fmt_ms(t.p50_ms),
        fmt_ms(t.p99_ms),
        fmt_ms(t.max_ms),
        t.errors
    );
    if let Some(e) = &t.first_error {
        let _ = write!(line, "（最初のエラー: {e}）");
    }
    line.push('\n');
    line
}

fn render_text(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "kijun bench — {}", r.started_at_tokyo);
    let _ = writeln!(o, "データベース (database): {}", r.database);
    let _ = writeln!(
        o,
        "サーバー (server): 子プロセス `kijun serve` {}（既定設定、組込みカタログ 4 件）",
        r.server.address
    );
    let _ = writeln!(o, "CPU (available_parallelism): {}", r.cpus);
    let _ = writeln!(
        o,
        "条件 (parameters): --services {} --assessments {} --clients {} --seconds {}",
        r.parameters.services, r.parameters.assessments, r.parameters.clients, r.parameters.seconds
    );
    let s = &r.seed;
    let _ = writeln!(o, "\n投入 (seeding, kijun-store 直接)");
    let _ = writeln!(
        o,
        "  {:.2} 秒: テナント {}、組織 {}、利用者 {}、サービス {}（うち計測用 1）、審査 {}、項目 {}（回答済み {}）、判定済み審査 {}",
        s.seconds,
        s.tenants,
        s.organisations,
        s.users,
        s.services,
        s.assessments,
        s.items,
        s.answered_items,
        s.decided_assessments
    );
    let _ = writeln!(o, "\n画面 (pages, HTML)");
    o.push_str(&timing_line("ダッシュボード GET /", &r.pages.dashboard));
    o.push_str(&timing_line(
        "チェックリスト GET /assessments/{id}",
        &r.pages.checklist,
    ));
    let _ = writeln!(
        o,
        "      （負荷前の単独 1 回 (one request alone): ダッシュボード {:.1} ms、チェックリスト {:.1} ms）",
        r.pages.dashboard_alone_ms, r.pages.checklist_alone_ms
    );
    let a = &r.api;
    let _ = writeln!(o, "\nAPI ワークロード (fixed API workload)");
    let l = &a.a_logins;
    let _ = writeln!(
        o,
        "  {} 件数 {} 回（{} リクエスト）  {:.2} 秒（TOTP 待ち {:.1} 秒を除く）  {:.2} ログイン/s  {:.2} req/s  1 回 p50 {}  最大 {}",
        pad("(a) ログイン（パスワード+TOTP）", 38),
        l.logins,
        l.http_requests,
        l.active_seconds,
        l.totp_wait_seconds,
        l.logins_per_second,
        l.requests_per_second,
        fmt_ms(l.p50_ms),
        fmt_ms(l.max_ms)
    );
    let b = &a.b_create_assessment;
    let _ = writeln!(
        o,
        "  {} 1 件  {:.3} 秒  {:.1} req/s  カタログ {}、項目 {}（導入事業者 {}、提供者 {}）",
        pad("(b) 審査の作成 (create)", 38),
        b.seconds,
        b.requests_per_second,
        b.catalogs.join(", "),
        b.items,
        b.integrator_items,
        b.provider_items
    );
    o.push_str(&timing_line(
        "(c) 項目一覧 ×11 (list items)",
        &a.c_list_items,
    ));
    o.push_str(&timing_line(
        "(d) 全項目の回答更新 (update)",
        &a.d_update_items,
    ));
    let _ = writeln!(
        o,
        "      （準備: 事業者 2 名の招待 {:.3} 秒、計測外）",
        a.d_invitations_seconds
    );
    o.push_str(&timing_line(
        "(e) 評価の取得 ×4 (evaluation)",
        &a.e_evaluation.timing,
    ));
    let _ = writeln!(o, "      （判定 verdict: {}）", a.e_evaluation.verdict);
    let _ = writeln!(
        o,
        "  {} 1 回  {:.3} 秒  {} 行、{} バイト",
        pad("(f) xlsx エクスポート (export)", 38),
        a.f_export_xlsx.seconds,
        a.f_export_xlsx.rows,
        a.f_export_xlsx.bytes
    );
    o.push_str(&timing_line(
        "(g) 項目一覧 20 同時 (item list)",
        &a.g_concurrent_item_list,
    ));
    let _ = writeln!(o, "\nメモリ (memory)");
    let kib = |k: Option<u64>| {
        k.map_or_else(
            || "取得できません (unavailable)".to_owned(),
            |k| format!("{k} kB = {:.1} MB", (k * 1024) as f64 / 1e6),
        )
    };
    let _ = writeln!(
        o,
        "  サーバーのピーク RSS (VmHWM): {}",
        kib(r.rss.vm_hwm_kib)
    );
    let _ = writeln!(o, "  終了時の RSS (VmRSS): {}", kib(r.rss.vm_rss_kib));
    let _ = writeln!(o, "  出所 (source): {}", r.rss.source);
    for snap in &r.rss.by_phase {
        let _ = writeln!(
            o,
            "    {}  RSS {}  ピーク {}",
            pad(snap.phase, 44),
            kib(snap.vm_rss_kib),
            kib(snap.vm_hwm_kib)
        );
    }
    let _ = writeln!(o, "\n目標 (targets)");
    for t in &r.targets {
        let _ = writeln!(
            o,
            "  {} 目標 {}  計測 {}  → {}",
            pad(t.name, 44),
            t.target,
            t.measured,
            if t.met {
                "達成 (met)"
            } else {
                "未達 (missed)"
            }
        );
    }
    let _ = writeln!(o, "\n注記 (notes)");
    for n in &r.notes {
        let _ = writeln!(o, "  - {n}");
    }
    o
}

// ---------------------------------------------------------------------------
// Seeding

/// What the seeding made, for the measurements.
struct Seeded {
    reviewer: String,
    provider_vendor: (String, String),
    integrator_vendor: (String, String),
    /// The non-ISMAP service phase (b) opens an assessment on.
    bench_service: String,
    bench_profile: Profile,
    /// A seeded open assessment with every catalog and some answers.
    checklist_assessment: String,
    services: usize,
    assessments: usize,
    items: usize,
    answered: usize,
    decided: usize,
}

/// One seeded assessment, items derived before the database work.
struct PlannedAssessment {
    record: AssessmentRecord,
    items: Vec<(ItemKey, String)>,
    answers: usize,
    decision: Option<(&'static str, Value)>,
}

fn set(profile: &mut Profile, name: &str, value: AttrValue) -> Result<()> {
    profile
        .set(name, value)
        .map_err(|e| anyhow!("profile {name}: {e}"))
}

/// A varied service profile (the i-th of the register).
fn service_profile(i: usize) -> Result<Profile> {
    let models = ["saas", "paas", "iaas"];
    let segments = ["internet", "lgwan", "closed"];
    let mut p = Profile::default();
    set(
        &mut p,
        "ismap_registered",
        AttrValue::Bool(i.is_multiple_of(3)),
    )?;
    set(&mut p, "ismap_liu_registered", AttrValue::Bool(i % 7 == 3))?;
    set(&mut p, "lgwan_asp", AttrValue::Bool(i % 5 == 1))?;
    set(&mut p, "gov_cloud", AttrValue::Bool(i % 11 == 2))?;
    set(
        &mut p,
        "service_model",
        AttrValue::Str(models.get((i / 3) % 3).copied().unwrap_or("saas").into()),
    )?;
    set(&mut p, "handles_personal_info", AttrValue::Bool(i % 4 != 3))?;
    set(
        &mut p,
        "confidentiality_class",
        AttrValue::Int(1 + i64::try_from((i / 2) % 3)?),
    )?;
    set(
        &mut p,
        "network_segment",
        AttrValue::Str(
            segments
                .get((i / 5) % 3)
                .copied()
                .unwrap_or("internet")
                .into(),
        ),
    )?;
    set(
        &mut p,
        "subcontracting",
        AttrValue::Bool(i.is_multiple_of(2)),
    )?;
    set(&mut p, "remote_maintenance", AttrValue::Bool(i % 6 != 5))?;
    set(
        &mut p,
        "provider_assigns_credentials",
        AttrValue::Bool(i % 8 != 7),
    )?;
    set(
        &mut p,
        "provider_key_management",
        AttrValue::Bool(i % 9 != 4),
    )?;
    Ok(p)
}

/// The stored service document (`{"profile": …, "details": …}`), as the
/// API writes it; ISMAP-registered services carry a registration whose
/// expiry is spread over the coming months (some within the dashboard's
/// 90-day window).
fn service_document(i: usize, profile: &Profile, today: jiff::civil::Date) -> Result<Value> {
    let mut details = json!({
        "contract_start": "2026-04-01",
        "contract_end": "2031-03-31",
        "data_locations": ["日本"],
        "governing_law": "日本法",
        "court": "東京地方裁判所",
    });
    if matches!(profile.get("ismap_registered"), Some(AttrValue::Bool(true))) {
        let until = today.checked_add(i64::try_from(i % 400)?.days())?;
        details["ismap"] = json!({"number": format!("C{i:05}"), "valid_until": until.to_string()});
    }
    let details: ServiceDetails = serde_json::from_value(details)?;
    details.validate()?;
    Ok(json!({
        "profile": serde_json::to_value(profile)?,
        "details": serde_json::to_value(&details)?,
    }))
}

fn items_of(catalogs: &[&Catalog], profile: &Profile) -> Vec<(ItemKey, String)> {
    let mut items = Vec::new();
    for c in catalogs {
        for a in applicable_items(c, profile) {
            items.push((
                ItemKey {
                    catalog_id: c.id.clone(),
                    requirement_id: a.requirement.id.clone(),
                    party: a.party.as_str().to_owned(),
                },
                a.level.as_str().to_owned(),
            ));
        }
    }
    items
}

fn uuid_like() -> Result<String> {
    let h = kijun_web::crypto::hex(&kijun_web::crypto::random_bytes::<16>()?);
    let part = |a: usize, b: usize| h.get(a..b).unwrap_or_default().to_owned();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    ))
}

fn seeded_answer(k: usize) -> Result<Value> {
    let input = AnswerInput {
        status: Some(if k % 4 == 3 {
            Status::Partial
        } else {
            Status::Conforms
        }),
        comment: Some("投入データの回答 (seeded)".into()),
        ..AnswerInput::default()
    };
    let input = if k % 4 == 3 {
        AnswerInput {
            plan: Some("次年度に対応".into()),
            due: serde_json::from_value(json!("2027-03-31"))?,
            ..input
        }
    } else {
        input
    };
    Ok(serde_json::to_value(input)?)
}

async fn seed(
    url: &str,
    catalogs: &CatalogSet,
    args: &BenchArgs,
    hashes: &[String],
) -> Result<Seeded> {
    let store = Store::open(url)
        .await
        .context("データベースを開けません (cannot open database)")?;
    let result = seed_into(&store, catalogs, args, hashes).await;
    store.close().await;
    result
}

async fn seed_into(
    store: &Store,
    catalogs: &CatalogSet,
    args: &BenchArgs,
    hashes: &[String],
) -> Result<Seeded> {
    let now = Timestamp::now();
    let today = today(now);
    let tenant = store.create_tenant("bench", "ベンチマーク市", now).await?;
    let provider = store
        .create_organisation("ベンチ提供株式会社", "provider", now)
        .await?;
    let integrator = store
        .create_organisation("ベンチ導入株式会社", "integrator", now)
        .await?;
    let hash = |i: usize| hashes.get(i).cloned();
    let user = |username: &str,
                display: &str,
                role: Role,
                tenant: Option<&str>,
                org: Option<&str>,
                h: Option<String>| NewUser {
        tenant_id: tenant.map(str::to_owned),
        organisation_id: org.map(str::to_owned),
        username: username.to_owned(),
        display_name: display.to_owned(),
        email: None,
        role,
        password_hash: h,
        must_change_password: false,
    };
    let reviewer = store
        .create_user(
            &user(
                "bench-reviewer",
                "審査 太郎",
                Role::Reviewer,
                Some(&tenant.id),
                None,
                hash(0),
            ),
            now,
        )
        .await?;
    let prov = store
        .create_user(
            &user(
                "bench-provider",
                "提供 花子",
                Role::Vendor,
                None,
                Some(&provider.id),
                hash(1),
            ),
            now,
        )
        .await?;
    let integ = store
        .create_user(
            &user(
                "bench-integrator",
                "導入 次郎",
                Role::Vendor,
                None,
                Some(&integrator.id),
                hash(2),
            ),
            now,
        )
        .await?;

    let departments = ["情報政策課", "税務課", "福祉課", "住民課", "教育委員会"];
    let n_services = usize::try_from(args.services)?;
    let mut services: Vec<(String, Profile)> = Vec::with_capacity(n_services);
    for i in 0..n_services {
        let profile = service_profile(i)?;
        let doc = service_document(i, &profile, today)?;
        let s = store
            .create_service(
                &tenant.id,
                &format!("サービス{i:04}"),
                "ベンチマーク用の業務システム",
                departments
                    .get(i % departments.len())
                    .copied()
                    .unwrap_or("情報政策課"),
                Some(&provider.id),
                i.is_multiple_of(2).then_some(integrator.id.as_str()),
                &doc,
                now,
            )
            .await?;
        services.push((s.id, profile));
    }
    // The service phase (b) opens an assessment on: not ISMAP-registered,
    // every other attribute at its demanding default.
    let mut bench_profile = Profile::default();
    set(
        &mut bench_profile,
        "ismap_registered",
        AttrValue::Bool(false),
    )?;
    let bench_doc = service_document(n_services, &bench_profile, today)?;
    let bench_service = store
        .create_service(
            &tenant.id,
            "計測用サービス",
            "ベンチマークの API ワークロード用",
            "情報政策課",
            Some(&provider.id),
            Some(&integrator.id),
            &bench_doc,
            now,
        )
        .await?;

    let all: Vec<&Catalog> = catalogs.iter().collect();
    let odd: Vec<&Catalog> = catalogs.iter().step_by(2).collect();
    let even: Vec<&Catalog> = catalogs.iter().skip(1).step_by(2).collect();
    let phases = ["selection", "build", "operation", "termination"];
    let n_assessments = usize::try_from(args.assessments)?;
    let mut plans = Vec::with_capacity(n_assessments);
    for j in 0..n_assessments {
        let Some((service_id, profile)) = services.get(j % services.len().max(1)) else {
            bail!("サービスがありません (no services)");
        };
        let chosen: &[&Catalog] = match (j / 2) % 3 {
            1 if !odd.is_empty() => &odd,
            2 if !even.is_empty() => &even,
            _ => &all,
        };
        let opened_at = now - SignedDuration::from_mins(i64::try_from(n_assessments - j)?);
        let decision = match j % 10 {
            4 => Some((
                "rejected",
                json!({"verdict": "rejected", "computed_verdict": "rejected", "note": "投入データの判定 (seeded)",
                       "conditions": [], "decided_by": reviewer.display_name, "decided_at": now}),
            )),
            9 => Some((
                "conditional",
                json!({"verdict": "conditional", "computed_verdict": "conditional", "note": "投入データの判定 (seeded)",
                       "conditions": [{"text": "バックアップの復旧訓練を実施すること", "due": "2026-10-01", "source": "reviewer"}],
                       "decided_by": reviewer.display_name, "decided_at": now}),
            )),
            _ => None,
        };
        plans.push(PlannedAssessment {
            record: AssessmentRecord {
                id: uuid_like()?,
                tenant_id: tenant.id.clone(),
                service_id: service_id.clone(),
                phase: phases
                    .get(j % phases.len())
                    .copied()
                    .unwrap_or("selection")
                    .to_owned(),
                catalogs: chosen.iter().map(|c| c.id.clone()).collect(),
                profile: serde_json::to_value(profile)?,
                status: "open".into(),
                due_date: j
                    .is_multiple_of(4)
                    .then(|| today.checked_add(60.days()).ok())
                    .flatten()
                    .map(|d| d.to_string()),
                opened_by: reviewer.id.clone(),
                opened_at,
                verdict: None,
                decision: None,
                updated_at: opened_at,
            },
            items: items_of(chosen, profile),
            answers: if j.is_multiple_of(3) {
                SEEDED_ANSWERS
            } else {
                0
            },
            decision,
        });
    }
    let checklist_assessment = plans
        .first()
        .map(|p| p.record.id.clone())
        .ok_or_else(|| anyhow!("審査がありません (no assessments)"))?;
    let items: usize = plans.iter().map(|p| p.items.len()).sum();
    let answered: usize = plans.iter().map(|p| p.answers.min(p.items.len())).sum();
    let decided = plans.iter().filter(|p| p.decision.is_some()).count();

    // SQLite serialises writers anyway: one worker; PostgreSQL: eight.
    let workers = match store.backend() {
        Backend::Sqlite => 1,
        Backend::Postgres => 8,
    };
    let plans = Arc::new(plans);
    let actors = Arc::new((
        Actor {
            id: Some(reviewer.id.clone()),
            name: Some(reviewer.display_name.clone()),
        },
        Actor {
            id: Some(prov.id.clone()),
            name: Some(prov.display_name.clone()),
        },
        Actor {
            id: Some(integ.id.clone()),
            name: Some(integ.display_name.clone()),
        },
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let (store, plans, actors) = (store.clone(), plans.clone(), actors.clone());
        tasks.spawn(async move {
            for p in plans.iter().skip(w).step_by(workers) {
                store
                    .create_assessment(&p.record, &p.items, &actors.0)
                    .await?;
                for (k, (key, _)) in p.items.iter().take(p.answers).enumerate() {
                    let actor = if key.party == "integrator" {
                        &actors.2
                    } else {
                        &actors.1
                    };
                    let answer = seeded_answer(k)?;
                    let audit = NewAuditEntry {
                        tenant_id: Some(p.record.tenant_id.clone()),
                        actor_id: actor.id.clone(),
                        actor_name: actor.name.clone(),
                        action: "assessment_answered".into(),
                        target: Some(format!("assessment:{}:{}", p.record.id, key.label())),
                        source_addr: None,
                        details: answer.clone(),
                    };
                    let write = AnswerWrite {
                        assessment_id: &p.record.id,
                        key,
                        answer: &answer,
                        library: None,
                        audit: &audit,
                    };
                    store.save_answer(&write, now, actor).await?;
                }
                if let Some((verdict, decision)) = &p.decision {
                    store
                        .record_verdict(&p.record.id, verdict, decision, now, &actors.0)
                        .await?;
                }
            }
            Ok::<(), anyhow::Error>(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| anyhow!("投入タスクが失敗しました (seeding task failed): {e}"))??;
    }
    store
        .append_audit(
            &kijun_store::NewAuditEntry {
                action: "bench_seeded".into(),
                tenant_id: Some(tenant.id.clone()),
                details: json!({"services": n_services + 1, "assessments": n_assessments, "items": items}),
                ..Default::default()
            },
            now,
        )
        .await?;

    Ok(Seeded {
        reviewer: reviewer.username,
        provider_vendor: (prov.username, prov.id),
        integrator_vendor: (integ.username, integ.id),
        bench_service: bench_service.id,
        bench_profile,
        checklist_assessment,
        services: n_services + 1,
        assessments: n_assessments,
        items,
        answered,
        decided,
    })
}

/// Today in Asia/Tokyo.
fn today(now: Timestamp) -> jiff::civil::Date {
    kijun_web::routes::dashboard::tokyo_today(now)
}

// ---------------------------------------------------------------------------
// PostgreSQL: a fresh database per run

async fn create_database(admin_url: &str, name: &str) -> Result<()> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .context("PostgreSQL に接続できません (cannot connect)")?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .with_context(|| format!("データベース {name} を作成できません (cannot create)"))?;
    conn.close().await?;
    Ok(())
}

async fn drop_database(admin_url: &str, name: &str) -> Result<()> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

/// `url` with its database (path) replaced by `name`, query kept.
fn with_database(url: &str, name: &str) -> Result<String> {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let start = main
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| anyhow!("データベース URL を解釈できません (invalid URL)"))?;
    let end = main
        .get(start..)
        .and_then(|rest| rest.find('/'))
        .map_or(main.len(), |i| start + i);
    let mut out = format!("{}/{name}", main.get(..end).unwrap_or(main));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

/// `url` with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = url.get(start..).unwrap_or_default();
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!(
                "{}{user}:***@{host}{}",
                url.get(..start).unwrap_or_default(),
                rest.get(authority.len()..).unwrap_or_default()
            )
        }
        _ => url.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// The server as a child process

struct ChildServer {
    child: Child,
    base: String,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ChildServer {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `kijun serve` (this executable) on `127.0.0.1:0` and waits for
    /// its "listening on" line.
    fn start(data_dir: &Path, database_url: Option<&str>, workdir: &Path) -> Result<ChildServer> {
        let exe: PathBuf =
            std::env::current_exe().context("実行ファイルの場所が分かりません (current_exe)")?;
        let mut cmd = Command::new(exe);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir);
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        for var in CHILD_ENV_CLEARED {
            cmd.env_remove(var);
        }
        cmd.current_dir(workdir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .context("サーバーを起動できません (cannot spawn `kijun serve`)")?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let mut server = ChildServer {
            child,
            base: String::new(),
        };
        let (tx, rx) = mpsc::channel();
        if let Some(out) = stdout {
            std::thread::spawn(move || {
                // Keeps draining after the start, so the server never blocks on a full pipe.
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let tail: Arc<Mutex<VecDeque<String>>> = Arc::default();
        if let Some(err) = stderr {
            let tail = tail.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    if let Ok(mut t) = tail.lock() {
                        if t.len() >= 20 {
                            t.pop_front();
                        }
                        t.push_back(line);
                    }
                }
            });
        }
        let stderr_tail = || {
            tail.lock()
                .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
                .unwrap_or_default()
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!(
                    "サーバーが起動しません (server did not start)\n{}",
                    stderr_tail()
                );
            }
            match rx.recv_timeout(left.min(Duration::from_millis(500))) {
                Ok(line) => {
                    if let Some(b) = line.strip_prefix("kijun: listening on ") {
                        server.base = b.trim().to_owned();
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = server.child.try_wait()? {
                        std::thread::sleep(Duration::from_millis(200));
                        bail!(
                            "サーバーが終了しました (server exited: {status})\n{}",
                            stderr_tail()
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(200));
                    bail!(
                        "サーバーの出力が閉じられました (server output closed)\n{}",
                        stderr_tail()
                    );
                }
            }
        }
        if !server.base.starts_with("http://127.0.0.1:") {
            bail!(
                "想定外の待ち受けアドレスです (unexpected address): {}",
                server.base
            );
        }
        Ok(server)
    }
}

// ---------------------------------------------------------------------------
// HTTP

/// A signed-in session: the cookie pair and the CSRF token.
#[derive(Debug, Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    set_cookie: Option<String>,
}

impl Reply {
    fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "JSON ではない応答 (not JSON): HTTP {} {}",
                self.status,
                self.text(200)
            )
        })
    }

    /// The body as text, cut to `max` characters.
    fn text(&self, max: usize) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(max)
            .collect()
    }

    fn expect(self, status: u16, what: &str) -> Result<Reply> {
        if self.status == status {
            Ok(self)
        } else {
            bail!(
                "{what}: HTTP {}（期待値 {status}）: {}",
                self.status,
                self.text(300)
            )
        }
    }
}

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .proxy(None)
        .build()
        .into()
}

fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    session: Option<&Session>,
    body: Option<&Value>,
) -> Result<Reply> {
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    if let Some(s) = session {
        req = req
            .header("cookie", s.cookie.as_str())
            .header("x-csrf-token", s.csrf.as_str());
    }
    let mut resp = match body {
        Some(b) => agent.run(
            req.header("content-type", "application/json")
                .body(b.to_string())?,
        )?,
        None => agent.run(req.body(())?)?,
    };
    let set_cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()?;
    Ok(Reply {
        status,
        body,
        set_cookie,
    })
}

/// Percent-encodes one path segment.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The password step: a session whose next step the server names.
fn password_step(
    agent: &ureq::Agent,
    base: &str,
    username: &str,
    password: &str,
) -> Result<(Session, String)> {
    let r = send(
        agent,
        "POST",
        &format!("{base}/api/v1/auth/login"),
        None,
        Some(&json!({"username": username, "password": password})),
    )?
    .expect(200, &format!("ログイン (login) {username}"))?;
    let v = r.json()?;
    let csrf = v["csrf_token"]
        .as_str()
        .ok_or_else(|| anyhow!("csrf_token がありません"))?
        .to_owned();
    let cookie = r
        .set_cookie
        .ok_or_else(|| anyhow!("セッション cookie がありません (no session cookie)"))?;
    let next = v["next"].as_str().unwrap_or_default().to_owned();
    Ok((Session { cookie, csrf }, next))
}

/// A TOTP credential and the last step the server has seen used.
struct TotpClock {
    totp: Totp,
    last_step: u64,
}

impl TotpClock {
    /// The code of the next unused step, after waiting (at most one step)
    /// until the server accepts it: the current step and one either side are
    /// valid, a step not after the last used one is a replay.
    fn next_code(&mut self) -> Result<(String, Duration)> {
        let target = self.last_step + 1;
        let started = Instant::now();
        for _ in 0..5 {
            let current = Totp::step_at(Timestamp::now())?;
            if current + 1 >= target {
                break;
            }
            let begins_ms = i64::try_from((target - 1) * 30)? * 1000;
            let wait = begins_ms - Timestamp::now().as_millisecond() + 100;
            std::thread::sleep(Duration::from_millis(
                u64::try_from(wait.clamp(50, 31_000)).unwrap_or(1000),
            ));
        }
        if Totp::step_at(Timestamp::now())? + 1 < target {
            bail!("TOTP ステップを待てません (TOTP step wait failed)");
        }
        let at = Timestamp::from_second(i64::try_from(target * 30)?)?;
        let code = self.totp.code_at(at)?;
        self.last_step = target;
        Ok((code, started.elapsed()))
    }
}

/// Logs `username` in for the first time and enrols TOTP through the API;
/// returns the signed-in session and the credential.
fn enrol(base: &str, username: &str, password: &str) -> Result<(Session, TotpClock)> {
    let agent = new_agent();
    let (session, next) = password_step(&agent, base, username, password)?;
    if next != "mfa_enrollment" {
        bail!("{username}: 多要素認証の登録を求められません (next = {next})");
    }
    let e = send(
        &agent,
        "POST",
        &format!("{base}/api/v1/auth/mfa/enroll"),
        Some(&session),
        Some(&json!({})),
    )?
    .expect(200, "TOTP 登録 (enroll)")?
    .json()?;
    let secret = TotpSecret::from_base32(e["secret"].as_str().unwrap_or_default())?;
    let uri = e["otpauth_uri"].as_str().unwrap_or_default();
    let algorithm = if uri.contains("algorithm=SHA1") {
        TotpAlgorithm::Sha1
    } else {
        TotpAlgorithm::Sha256
    };
    let totp = Totp::new(secret, algorithm)?;
    let now = Timestamp::now();
    let step = Totp::step_at(now)?;
    send(
        &agent,
        "POST",
        &format!("{base}/api/v1/auth/mfa/enroll/confirm"),
        Some(&session),
        Some(&json!({"enrollment_token": e["enrollment_token"], "code": totp.code_at(now)?})),
    )?
    .expect(200, "TOTP 登録の確認 (confirm)")?;
    Ok((
        session,
        TotpClock {
            totp,
            last_step: step,
        },
    ))
}

/// One measured login of phase (a): password, then a TOTP code.
struct LoginRun {
    durations: Vec<Duration>,
    waited: Duration,
}

impl LoginRun {
    fn login(
        &mut self,
        base: &str,
        username: &str,
        password: &str,
        clock: &mut TotpClock,
    ) -> Result<Session> {
        let (code, waited) = clock.next_code()?;
        self.waited += waited;
        let agent = new_agent();
        let started = Instant::now();
        let (session, next) = password_step(&agent, base, username, password)?;
        if next != "mfa" {
            bail!("{username}: TOTP を求められません (next = {next})");
        }
        let v = send(
            &agent,
            "POST",
            &format!("{base}/api/v1/auth/mfa"),
            Some(&session),
            Some(&json!({"code": code})),
        )?
        .expect(200, "TOTP (mfa)")?
        .json()?;
        self.durations.push(started.elapsed());
        if v["next"] != "done" {
            bail!("{username}: ログインが完了しません (next = {})", v["next"]);
        }
        Ok(session)
    }

    fn report(&self) -> Logins {
        let mut sorted = self.durations.clone();
        sorted.sort_unstable();
        let active: f64 = sorted.iter().map(Duration::as_secs_f64).sum();
        let n = sorted.len();
        let per = |k: usize| {
            if active > 0.0 { k as f64 / active } else { 0.0 }
        };
        Logins {
            logins: n,
            http_requests: 2 * n,
            active_seconds: active,
            logins_per_second: per(n),
            requests_per_second: per(2 * n),
            p50_ms: percentile(&sorted, 50.0).map(ms),
            max_ms: sorted.last().copied().map(ms),
            totp_wait_seconds: self.waited.as_secs_f64(),
        }
    }
}

/// What one client thread saw.
#[derive(Default)]
struct Worker {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

impl Worker {
    fn record(&mut self, started: Instant, result: Result<Reply>, ok: u16) {
        let elapsed = started.elapsed();
        match result {
            Ok(r) if r.status == ok => self.latencies.push(elapsed),
            Ok(r) => self.fail(format!("HTTP {}: {}", r.status, r.text(120))),
            Err(e) => self.fail(format!("{e:#}")),
        }
    }

    fn fail(&mut self, msg: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(msg);
        }
    }
}

/// Runs `work` on `n` scoped threads and merges what they saw.
fn threads<F>(n: usize, work: F) -> Result<(Worker, Duration)>
where
    F: Fn(usize) -> Worker + Sync,
{
    let started = Instant::now();
    let results: Vec<std::thread::Result<Worker>> = std::thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = (0..n).map(|i| s.spawn(move || work(i))).collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let wall = started.elapsed();
    let mut all = Worker::default();
    for r in results {
        let w = r.map_err(|_| {
            anyhow!("クライアントスレッドが異常終了しました (client thread failed)")
        })?;
        all.latencies.extend(w.latencies);
        all.errors += w.errors;
        if all.first_error.is_none() {
            all.first_error = w.first_error;
        }
    }
    Ok((all, wall))
}

/// `clients` threads GET `path` until `duration` has passed.
fn load_get(
    base: &str,
    path: &str,
    session: &Session,
    clients: usize,
    duration: Duration,
) -> Result<Timing> {
    let url = format!("{base}{path}");
    let deadline = Instant::now() + duration;
    let (w, wall) = threads(clients, |_| {
        let agent = new_agent();
        let mut w = Worker::default();
        while Instant::now() < deadline {
            let started = Instant::now();
            let r = send(&agent, "GET", &url, Some(session), None);
            w.record(started, r, 200);
        }
        w
    })?;
    Ok(timing(clients, w.latencies, w.errors, wall, w.first_error))
}

/// One GET that must answer 200 with `marker` in the body (the page is
/// the one meant, not a redirect or an error page).
fn check_page(base: &str, path: &str, session: &Session, marker: &str) -> Result<Duration> {
    let started = Instant::now();
    let r = send(
        &new_agent(),
        "GET",
        &format!("{base}{path}"),
        Some(session),
        None,
    )?
    .expect(200, path)?;
    let elapsed = started.elapsed();
    if !String::from_utf8_lossy(&r.body).contains(marker) {
        bail!(
            "{path}: 期待したページではありません (unexpected page): {}",
            r.text(300)
        );
    }
    Ok(elapsed)
}

/// `count` sequential requests.
fn sequential(
    count: usize,
    method: &str,
    url: &str,
    session: &Session,
    body: Option<&Value>,
) -> Result<(Timing, Option<Value>)> {
    let agent = new_agent();
    let mut w = Worker::default();
    let mut last = None;
    let started = Instant::now();
    for _ in 0..count {
        let t = Instant::now();
        let r = send(&agent, method, url, Some(session), body)?;
        if r.status == 200 {
            last = Some(r.json()?);
            w.latencies.push(t.elapsed());
        } else {
            w.fail(format!("HTTP {}: {}", r.status, r.text(200)));
        }
    }
    let wall = started.elapsed();
    Ok((timing(1, w.latencies, w.errors, wall, w.first_error), last))
}

/// A vendor's answer in phase (d), varied: mostly conforms, some partial
/// with a plan, some not applicable with a reason.
fn workload_answer(k: usize) -> Value {
    match k % 20 {
        0 => {
            json!({"status": "partial", "comment": "一部対応（計測）", "plan": "次年度に対応", "due": "2027-03-31"})
        }
        7 => json!({"status": "not_applicable", "reason": "該当する機能がない（計測）"}),
        _ => json!({"status": "conforms", "comment": "対応済み（計測）"}),
    }
}

/// Everything measured over HTTP.
struct Measured {
    pages: Pages,
    api: Api,
    notes: Vec<String>,
}

fn measure(
    base: &str,
    args: &BenchArgs,
    seeded: &Seeded,
    catalogs: &CatalogSet,
    password: &str,
    probe: &mut RssProbe,
) -> Result<Measured> {
    let clients = usize::try_from(args.clients)?;
    let duration = Duration::from_secs(args.seconds);
    let mut notes = Vec::new();

    progress("TOTP を登録しています (enrolling TOTP)…");
    let (_, mut reviewer_totp) = enrol(base, &seeded.reviewer, password)?;
    let (provider, _) = enrol(base, &seeded.provider_vendor.0, password)?;
    let (integrator, _) = enrol(base, &seeded.integrator_vendor.0, password)?;
    probe.snap("TOTP 登録後 (after enrolment)");
    let mut logins = LoginRun {
        durations: Vec::new(),
        waited: Duration::ZERO,
    };

    // Login 1 of 5, then the dashboard under load.
    let s1 = logins.login(base, &seeded.reviewer, password, &mut reviewer_totp)?;
    let dashboard_alone = check_page(base, "/", &s1, "<h1>ダッシュボード</h1>")?;
    progress(&format!(
        "ダッシュボード (dashboard) {clients} 同時 × {} 秒…",
        args.seconds
    ));
    let dashboard = load_get(base, "/", &s1, clients, duration)?;
    probe.snap("ダッシュボード後 (after the dashboard)");

    // Login 2, then the checklist page under load.
    let s2 = logins.login(base, &seeded.reviewer, password, &mut reviewer_totp)?;
    let checklist_path = format!("/assessments/{}", seeded.checklist_assessment);
    let checklist_alone = check_page(base, &checklist_path, &s2, "<h1>審査: ")?;
    progress(&format!(
        "チェックリスト (checklist) {clients} 同時 × {} 秒…",
        args.seconds
    ));
    let checklist = load_get(base, &checklist_path, &s2, clients, duration)?;
    probe.snap("チェックリスト後 (after the checklist)");

    // Login 3, then (b)–(e) as the reviewer and the two vendors.
    let s3 = logins.login(base, &seeded.reviewer, password, &mut reviewer_totp)?;
    progress("API ワークロード (b)〜(f)…");
    let catalog_ids: Vec<String> = catalogs.iter().map(|c| c.id.clone()).collect();
    let all: Vec<&Catalog> = catalogs.iter().collect();
    let expected = items_of(&all, &seeded.bench_profile).len();
    let agent = new_agent();
    let started = Instant::now();
    let created = send(
        &agent,
        "POST",
        &format!(
            "{base}/api/v1/services/{}/assessments",
            segment(&seeded.bench_service)
        ),
        Some(&s3),
        Some(&json!({"phase": "selection", "catalogs": catalog_ids})),
    )?
    .expect(201, "(b) 審査の作成 (create assessment)")?;
    let create_time = started.elapsed();
    let assessment = created.json()?["id"]
        .as_str()
        .ok_or_else(|| anyhow!("(b) 審査 id がありません"))?
        .to_owned();
    let a = segment(&assessment);

    let (c_list, items) = sequential(
        11,
        "GET",
        &format!("{base}/api/v1/assessments/{a}/items"),
        &s3,
        None,
    )?;
    let items: Vec<Value> = items
        .and_then(|v| v.as_array().cloned())
        .ok_or_else(|| anyhow!("(c) 項目一覧を取得できません (no item list)"))?;
    if items.len() != expected {
        bail!(
            "(b) 項目数が一致しません: API {}、applicable_items {expected} (item count mismatch)",
            items.len()
        );
    }
    let party_items = |party: &str| items.iter().filter(|i| i["party"] == party).count();
    let b_create = Created {
        seconds: create_time.as_secs_f64(),
        requests_per_second: 1.0 / create_time.as_secs_f64().max(f64::MIN_POSITIVE),
        catalogs: catalogs.iter().map(|c| c.id.clone()).collect(),
        items: items.len(),
        integrator_items: party_items("integrator"),
        provider_items: party_items("provider"),
    };

    let started = Instant::now();
    for (user_id, party) in [
        (&seeded.provider_vendor.1, "provider"),
        (&seeded.integrator_vendor.1, "integrator"),
    ] {
        send(
            &agent,
            "POST",
            &format!("{base}/api/v1/assessments/{a}/invitations"),
            Some(&s3),
            Some(&json!({"user_id": user_id, "party": party})),
        )?
        .expect(204, "招待 (invite)")?;
    }
    let invitations = started.elapsed();

    // (d): each vendor answers its party's items, UPDATE_CLIENTS_PER_PARTY
    // threads per vendor sharing the vendor's session.
    let mut jobs: Vec<(&Session, Vec<(String, Value)>)> = Vec::new();
    for (party, session) in [("provider", &provider), ("integrator", &integrator)] {
        let mine: Vec<(String, Value)> = items
            .iter()
            .filter(|i| i["party"] == party)
            .enumerate()
            .map(|(k, i)| {
                (
                    format!(
                        "{base}/api/v1/assessments/{a}/items/{}/{}/{}",
                        segment(i["catalog_id"].as_str().unwrap_or_default()),
                        segment(i["requirement_id"].as_str().unwrap_or_default()),
                        party
                    ),
                    workload_answer(k),
                )
            })
            .collect();
        for t in 0..UPDATE_CLIENTS_PER_PARTY {
            let share: Vec<(String, Value)> = mine
                .iter()
                .skip(t)
                .step_by(UPDATE_CLIENTS_PER_PARTY)
                .cloned()
                .collect();
            if !share.is_empty() {
                jobs.push((session, share));
            }
        }
    }
    progress(&format!("(d) 回答の更新 {} 件…", items.len()));
    let (w, wall) = threads(jobs.len(), |i| {
        let agent = new_agent();
        let mut w = Worker::default();
        if let Some((session, share)) = jobs.get(i) {
            for (url, answer) in share {
                let started = Instant::now();
                let r = send(&agent, "PUT", url, Some(session), Some(answer));
                w.record(started, r, 200);
            }
        }
        w
    })?;
    let d_update = timing(jobs.len(), w.latencies, w.errors, wall, w.first_error);

    let (e_timing, evaluation) = sequential(
        4,
        "GET",
        &format!("{base}/api/v1/assessments/{a}/evaluation"),
        &s3,
        None,
    )?;
    let verdict = evaluation
        .as_ref()
        .and_then(|v| v["verdict"].as_str())
        .unwrap_or("-")
        .to_owned();

    // (f) the checklist as xlsx, once (both parties, with every answer).
    progress("(f) xlsx エクスポート…");
    let started = Instant::now();
    let r = send(
        &new_agent(),
        "GET",
        &format!("{base}/api/v1/assessments/{a}/checklist?format=xlsx"),
        Some(&s3),
        None,
    )?
    .expect(200, "checklist.xlsx")?;
    let f_elapsed = started.elapsed();
    if !r.body.starts_with(b"PK") {
        bail!(
            "(f): xlsx ではない応答です (not an xlsx file): {}",
            r.text(200)
        );
    }
    let f_export = Exported {
        seconds: f_elapsed.as_secs_f64(),
        bytes: r.body.len(),
        rows: items.len(),
    };

    probe.snap("(b)〜(f) 後 (after b-f)");

    // Login 4, then (g).
    let s4 = logins.login(base, &seeded.reviewer, password, &mut reviewer_totp)?;
    progress(&format!(
        "(g) 項目一覧 {LIST_CLIENTS} 同時 × {} 秒…",
        args.seconds
    ));
    let g_list = load_get(
        base,
        &format!("/api/v1/assessments/{a}/items"),
        &s4,
        LIST_CLIENTS,
        duration,
    )?;

    probe.snap("(g) 後 (after g)");

    // Login 5: the last of phase (a); its session signs out.
    let s5 = logins.login(base, &seeded.reviewer, password, &mut reviewer_totp)?;
    send(
        &agent,
        "POST",
        &format!("{base}/api/v1/auth/logout"),
        Some(&s5),
        Some(&json!({})),
    )?
    .expect(204, "ログアウト (logout)")?;

    notes.push(
        "セッション: 同時クライアントは 1 つのセッション cookie と CSRF トークンを共有（スレッドごとのログインはしない）。審査担当者は API で TOTP を 1 回登録し、その後ちょうど 5 回ログイン（(a)）。各ログインは各段階の直前に行い、そのセッションを次の段階で使う (threads share one session; 5 logins spread over the run)"
            .into(),
    );
    notes.push(format!(
        "(a) TOTP の再利用防止により 1 ステップ（30 秒）に 1 回しかログインできないため、次のステップを待つ時間（計 {:.1} 秒）はログイン時間から除いた。ログイン時間の大半はパスワードハッシュ（既定 PBKDF2-HMAC-SHA-256 600,000 回）の検証 (the TOTP step wait is excluded)",
        logins.waited.as_secs_f64()
    ));
    notes.push(format!(
        "(d) 提供者・導入事業者の利用者（投入時に作成）を API で招待し、各事業者のセッションを {UPDATE_CLIENTS_PER_PARTY} スレッドで共有して自分の側の項目を 1 回ずつ更新（同時 {} クライアント）。全 {} 項目が対象 (both vendors answer; every item updated once)",
        jobs.len(),
        items.len()
    ));
    notes.push(format!(
        "(g) は {LIST_CLIENTS} クライアントが --seconds（{} 秒）の間、(b) で作成し (d) で全回答済みの審査の項目一覧 ({} 件) を読む (the (b) assessment after (d))",
        args.seconds,
        items.len()
    ));
    notes.push("(f) は (d) で全回答済みの審査のチェックリストを両方の当事者分 xlsx で 1 回取得（GET /api/v1/assessments/{id}/checklist?format=xlsx） (the (b) assessment, both parties, once)".into());
    notes.push("クライアント（ureq、スレッド）とサーバーは同じマシンの CPU を分け合う (clients and server share the CPUs)".into());

    Ok(Measured {
        pages: Pages {
            dashboard_alone_ms: ms(dashboard_alone),
            dashboard,
            checklist_alone_ms: ms(checklist_alone),
            checklist,
        },
        api: Api {
            a_logins: logins.report(),
            b_create_assessment: b_create,
            c_list_items: c_list,
            d_update_items: d_update,
            d_invitations_seconds: invitations.as_secs_f64(),
            e_evaluation: Evaluated {
                timing: e_timing,
                verdict,
            },
            f_export_xlsx: f_export,
            g_concurrent_item_list: g_list,
        },
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms = |n: u64| Duration::from_millis(n);
        let hundred: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&hundred, 50.0), Some(ms(50)));
        assert_eq!(percentile(&hundred, 99.0), Some(ms(99)));
        assert_eq!(percentile(&hundred, 100.0), Some(ms(100)));
        let ten: Vec<Duration> = (1..=10).map(|n| ms(n * 10)).collect();
        assert_eq!(percentile(&ten, 50.0), Some(ms(50)));
        assert_eq!(percentile(&ten, 99.0), Some(ms(100)));
        assert_eq!(percentile(&[ms(7)], 50.0), Some(ms(7)));
        assert_eq!(percentile(&[ms(7)], 99.0), Some(ms(7)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn peak_rss_is_read_from_proc_status() {
        let status = "Name:\tkijun\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t4242\n\
                      VmPeak:\t  812344 kB\nVmSize:\t  748800 kB\nVmLck:\t       0 kB\n\
                      VmHWM:\t   45872 kB\nVmRSS:\t   41236 kB\nThreads:\t5\n";
        assert_eq!(status_kib(status, "VmHWM"), Some(45_872));
        assert_eq!(status_kib(status, "VmRSS"), Some(41_236));
        assert_eq!(status_kib(status, "VmSwap"), None);
        assert_eq!(
            status_kib("VmHWM:\t12 MB\n", "VmHWM"),
            None,
            "unit must be kB"
        );
        assert_eq!(status_kib("VmHWMX:\t12 kB\n", "VmHWM"), None);
    }

    #[test]
    fn database_urls_are_rewritten_and_redacted() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/postgres",
                "kijun_bench_1"
            )
            .ok(),
            Some("postgres://postgres@127.0.0.1:5432/kijun_bench_1".to_owned())
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x").ok(),
            Some("postgres://u:p@h/x?sslmode=disable".to_owned())
        );
        assert_eq!(
            with_database("postgres://h:5432", "x").ok(),
            Some("postgres://h:5432/x".to_owned())
        );
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn seeded_profiles_and_documents_are_valid() -> Result<()> {
        let today = jiff::civil::date(2026, 11, 24);
        for i in 0..40 {
            let p = service_profile(i)?;
            let doc = service_document(i, &p, today)?;
            let details: ServiceDetails = serde_json::from_value(doc["details"].clone())?;
            assert_eq!(details.ismap.is_some(), i.is_multiple_of(3));
        }
        for k in 0..40 {
            let input: AnswerInput = serde_json::from_value(workload_answer(k))?;
            input.check()?;
            let input: AnswerInput = serde_json::from_value(seeded_answer(k)?)?;
            input.check()?;
        }
        Ok(())
    }
}
