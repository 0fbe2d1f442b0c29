//! `kijun sla`: the SLA figures of one month from a JSON file
//! (`kijun sla report`, offline: no server, no database) and the timing of
//! availability from a year of per-minute probe samples (`kijun sla bench`).
//! The arithmetic and the input checks are `kijun_core::sla`; this module
//! reads the file, reads the clock (bench only) and prints. Input format and
//! definitions: `docs/sla.md`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use jiff::civil::{Date, Time, Weekday, date, time};
use jiff::tz::{self, TimeZone};
use jiff::{SignedDuration, Timestamp};
use kijun_core::LoadError;
use kijun_core::calendar::ClosedDayCalendar;
use kijun_core::error::{Diagnostic, Position};
use kijun_core::sla::report::{
    MonthlyInput, MonthlySla, ReportMonth, compute_month, percent_floor_micro, tokyo_display,
};
use kijun_core::sla::samples::{ProbeSample, availability_from_samples};
use kijun_core::sla::{OperatingSchedule, Outage, Percent, ServiceWindow, tokyo_time};
use serde_json::json;

use crate::cli::{Format, FormatArg};

/// `kijun sla …`.
#[derive(Debug, Args)]
pub struct SlaCommand {
    #[command(subcommand)]
    pub action: SlaAction,
}

#[derive(Debug, Subcommand)]
pub enum SlaAction {
    /// JSON ファイルから 1 か月の SLA を判定（形式は docs/sla.md、入力の誤りは終了コード 2）
    /// / one month's SLA figures from a JSON file (format in docs/sla.md; invalid input: exit code 2)
    Report(ReportArgs),
    /// 1 年分の毎分の死活監視サンプル（決定的に生成）から稼働率を計算する時間を計測
    /// / time availability from a year of per-minute probe samples (generated deterministically)
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// 入力ファイル (JSON、UTF-8) / input file
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// 集計する月（日本時間） / the month (Asia/Tokyo)
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: ReportMonth,
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// サンプル数（毎分 1 件。既定 525,600 = 365 日） / samples, one a minute (default: 365 days)
    #[arg(long, default_value_t = 525_600, value_parser = clap::value_parser!(u32).range(1..=5_270_400))]
    pub samples: u32,
    /// 計測する回数 / timed runs
    #[arg(long, default_value_t = 101, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub iterations: u32,
    #[command(flatten)]
    pub format: FormatArg,
}

fn parse_month(text: &str) -> Result<ReportMonth, String> {
    ReportMonth::parse(text).map_err(|e| e.to_string())
}

pub fn run(command: &SlaCommand) -> Result<ExitCode> {
    match &command.action {
        SlaAction::Report(args) => report(args),
        SlaAction::Bench(args) => bench(args),
    }
}

// ---------------------------------------------------------------------------
// kijun sla report

fn report(args: &ReportArgs) -> Result<ExitCode> {
    let name = args.input.display().to_string();
    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("{name}: ファイルを読めません (cannot read file)"))?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(LoadError {
            diagnostics: vec![Diagnostic {
                file: name,
                position: Position { line: 1, column: 1 },
                message: "UTF-8 のテキストとして読めません。UTF-8 で保存し直してください（Shift_JIS は使えません）"
                    .to_owned(),
            }],
        }
        .into());
    };
    let input = MonthlyInput::from_json(&name, &text)?;
    let calendar = ClosedDayCalendar::japan()?;
    let sla = compute_month(&input, args.month, &calendar)?;
    match args.format.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&sla)?),
        Format::Text => print!("{}", report_text(&sla)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn tokyo() -> TimeZone {
    TimeZone::get("Asia/Tokyo").unwrap_or_else(|_| TimeZone::fixed(tz::offset(9)))
}

/// `2026-04-14 10:00` (seconds only when there are any), Asia/Tokyo.
fn when(ts: Timestamp) -> String {
    let civil = tokyo().to_datetime(ts);
    if civil.second() == 0 && civil.subsec_nanosecond() == 0 {
        civil.strftime("%Y-%m-%d %H:%M").to_string()
    } else {
        civil.strftime("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A limit: `6 時間`, or `1 時間 30 分` when not whole hours.
fn limit(d: SignedDuration) -> String {
    if d.as_nanos() % 3_600_000_000_000 == 0 {
        format!("{} 時間", d.as_hours())
    } else {
        duration(d)
    }
}

/// `42 時間 05 分` (and seconds, rounded up, when there are any).
fn duration(d: SignedDuration) -> String {
    let nanos = d.as_nanos().max(0);
    let secs = (nanos + 999_999_999) / 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if s == 0 {
        format!("{h} 時間 {m:02} 分")
    } else {
        format!("{h} 時間 {m:02} 分 {s:02} 秒")
    }
}

/// `43,200`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A target percentage with as few decimals as it has (`99.8`).
fn exact_percent(p: Percent) -> String {
    (0u8..=6)
        .find(|&k| {
            u128::from(p.numerator()) * 10u128.pow(u32::from(k)) % u128::from(p.denominator()) == 0
        })
        .map_or_else(|| p.display(6), |k| p.display(k))
}

fn verdict(met: bool) -> &'static str {
    if met { "達成" } else { "未達成" }
}

fn report_text(sla: &MonthlySla) -> Result<String> {
    let m = sla.month;
    let a = &sla.availability;
    let t = &sla.targets;
    let mut out = String::new();
    writeln!(
        out,
        "SLA 月次報告 {m}（{}〜{}、日本時間）",
        m.first_day()?,
        m.last_day()?
    )?;
    writeln!(out, "総合判定: {}", verdict(sla.met))?;
    writeln!(out)?;

    let target = exact_percent(a.target);
    match a.percent {
        Some(p) => {
            writeln!(
                out,
                "■ 稼働率: {} %（目標 {target} % 以上） … {}",
                p.display(3),
                verdict(a.met)
            )?;
            let (planned, justified, down) = (
                grouped(a.planned_minutes),
                grouped(a.justified_stop_minutes),
                grouped(a.down_minutes),
            );
            writeln!(
                out,
                "  計画時間 {planned} 分、正当停止 {justified} 分、停止 {down} 分"
            )?;
            writeln!(
                out,
                "  ({planned} − {justified} − {down}) / ({planned} − {justified}) × 100 = {}… %",
                p.display(6)
            )?;
            writeln!(out, "  （表示は切り捨て。判定は丸める前の値で行います）")?;
        }
        None => {
            writeln!(
                out,
                "■ 稼働率: 対象時間なし（目標 {target} % 以上） … {}",
                verdict(a.met)
            )?;
            writeln!(
                out,
                "  計画時間 {} 分、正当停止 {} 分: 約束した時間がないため計算しません",
                grouped(a.planned_minutes),
                grouped(a.justified_stop_minutes)
            )?;
        }
    }
    writeln!(out)?;

    writeln!(
        out,
        "■ 重大障害の復旧時間（目標 {}以内）: 当月に発生 {} 件",
        limit(t.max_recovery),
        sla.major_failures.len()
    )?;
    for f in &sla.major_failures {
        write!(
            out,
            "  {} 〜 {}  {}  … {}",
            when(f.start),
            when(f.end),
            duration(f.recovery),
            verdict(f.met)
        )?;
        if let Some(d) = &f.description {
            write!(out, "  {d}")?;
        }
        writeln!(out)?;
    }
    let fy = &sla.major_failures_fiscal_year;
    writeln!(
        out,
        "■ 重大障害の件数: {}（4 月 1 日〜当月末）{} 件（目標 {} 件以内） … {}",
        fy.fiscal_year,
        fy.count,
        fy.target,
        verdict(fy.met)
    )?;
    writeln!(out)?;

    writeln!(
        out,
        "■ 問合せの一次回答（目標 閉庁日を除き {}以内）: 当月に受付 {} 件",
        limit(t.first_answer_limit),
        sla.inquiries.len()
    )?;
    for q in &sla.inquiries {
        writeln!(
            out,
            "  {}  受付 {}  回答 {}  {}（期限 {}） … {}",
            q.id,
            when(q.asked_at),
            when(q.first_answered_at),
            duration(q.response),
            when(q.deadline),
            verdict(q.met)
        )?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// kijun sla bench

/// xorshift64*: a fixed, dependency-free pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// The benchmark's year: samples, the schedule, the calendar, the
/// justified stops, the period.
struct Workload {
    start: Timestamp,
    end: Timestamp,
    samples: Vec<ProbeSample>,
    down_samples: usize,
    outages: usize,
    justified: Vec<Outage>,
    schedule: OperatingSchedule,
    calendar: ClosedDayCalendar,
}

fn minutes_after(start: Timestamp, minutes: i64, seconds: i64) -> Result<Timestamp> {
    Ok(start.checked_add(SignedDuration::from_secs(minutes * 60 + seconds))?)
}

/// From 2026-01-01 00:00 Asia/Tokyo, one sample a minute at hh:mm:17.
/// Outages: one per 10,000 minutes of 1–180 minutes and one isolated down
/// minute per 5,000, at fixed pseudo-random places. Justified stops: 20:00–
/// 22:00 every 30 days. Schedule: Mon–Fri 08:00–22:00, closed days
/// skipped; 2026-10-01 is an extra closed day.
fn workload(samples: u32) -> Result<Workload> {
    let n = i64::from(samples);
    let start = tokyo_time(date(2026, 1, 1), Time::midnight())?;
    let end = minutes_after(start, n, 0)?;
    let mut down = vec![false; usize::try_from(samples)?];
    let mut rng = Rng(0x6b69_6a75_6e5f_736c);
    let outages = (samples / 10_000).max(1);
    for _ in 0..outages {
        let at = rng.below(u64::from(samples));
        let len = 1 + rng.below(180);
        for m in at..(at + len).min(u64::from(samples)) {
            if let Some(d) = down.get_mut(usize::try_from(m)?) {
                *d = true;
            }
        }
    }
    for _ in 0..samples / 5_000 {
        let at = usize::try_from(rng.below(u64::from(samples)))?;
        if let Some(d) = down.get_mut(at) {
            *d = true;
        }
    }
    let samples: Vec<ProbeSample> = down
        .iter()
        .enumerate()
        .map(|(i, &is_down)| {
            Ok(ProbeSample {
                at: minutes_after(start, i64::try_from(i)?, 17)?,
                up: !is_down,
            })
        })
        .collect::<Result<_>>()?;
    let down_samples = down.iter().filter(|&&d| d).count();
    let mut justified = Vec::new();
    let mut day = 0;
    while day * 1_440 < n {
        let from = minutes_after(start, day * 1_440 + 20 * 60, 0)?;
        justified.push(Outage {
            start: from,
            end: minutes_after(from, 120, 0)?,
            justified: true,
            major: false,
        });
        day += 30;
    }
    let weekday = |w| ServiceWindow::new(w, time(8, 0, 0, 0), time(22, 0, 0, 0));
    let windows = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
    ]
    .into_iter()
    .map(weekday)
    .collect::<Result<Vec<_>, _>>()?;
    let mut calendar = ClosedDayCalendar::japan()?;
    calendar.add_closed_day(Date::new(2026, 10, 1)?, "市制施行記念日")?;
    Ok(Workload {
        start,
        end,
        samples,
        down_samples,
        outages: usize::try_from(outages)?,
        justified,
        schedule: OperatingSchedule::Weekly {
            windows,
            skip_closed_days: true,
        },
        calendar,
    })
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn bench(args: &BenchArgs) -> Result<ExitCode> {
    let w = workload(args.samples)?;
    let run = || {
        availability_from_samples(
            black_box(w.start),
            black_box(w.end),
            black_box(&w.schedule),
            black_box(&w.calendar),
            black_box(&w.samples),
            black_box(&w.justified),
        )
    };
    // One untimed run: the national holiday table is built on first use.
    let result = run()?;
    let mut times = Vec::with_capacity(usize::try_from(args.iterations)?);
    for _ in 0..args.iterations {
        let started = Instant::now();
        let again = black_box(run()?);
        times.push(started.elapsed());
        anyhow::ensure!(
            again == result,
            "結果が実行ごとに変わりました (non-deterministic result)"
        );
    }
    times.sort_unstable();
    let (min, max) = (
        times.first().copied().unwrap_or_default(),
        times.last().copied().unwrap_or_default(),
    );
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let a = result.availability;
    let percent = a.percent.map(|p| p.display(6));
    let percent_number = a.percent.map(percent_floor_micro);
    match args.format.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "period": {
                    "start": tokyo_display(w.start).to_string(),
                    "end": tokyo_display(w.end).to_string(),
                },
                "samples": w.samples.len(),
                "down_samples": w.down_samples,
                "outages": w.outages,
                "justified_stops": w.justified.len(),
                "iterations": args.iterations,
                "availability": {
                    "planned_minutes": a.planned_minutes,
                    "justified_stop_minutes": a.justified_minutes,
                    "down_minutes": a.down_minutes,
                    "unsampled_minutes": result.unsampled_minutes,
                    "percent": percent_number,
                },
                "wall_ms": {"min": millis(min), "median": millis(median), "max": millis(max)},
            }))?
        ),
        Format::Text => {
            println!(
                "SLA: 死活監視サンプルからの稼働率の計算時間 (availability from probe samples)"
            );
            println!(
                "  期間: {} 〜 {}（日本時間、{} 分）",
                when(w.start),
                when(w.end),
                grouped(u64::from(args.samples))
            );
            println!(
                "  サンプル: {} 件（毎分）、うち停止 {} 件（停止 {} 回 + 単発の停止）、正当停止 {} 件",
                grouped(w.samples.len() as u64),
                grouped(w.down_samples as u64),
                w.outages,
                w.justified.len()
            );
            println!(
                "  運用スケジュール: 月〜金 08:00〜22:00、閉庁日を除く（追加の閉庁日 2026-10-01）"
            );
            println!(
                "  結果: 計画 {} 分、正当停止 {} 分、停止 {} 分、サンプルなし {} 分、稼働率 {} %",
                grouped(a.planned_minutes),
                grouped(a.justified_minutes),
                grouped(a.down_minutes),
                grouped(result.unsampled_minutes),
                percent.as_deref().unwrap_or("対象時間なし")
            );
            println!(
                "  計算時間 ({} 回): 最小 {:.3} ms / 中央値 {:.3} ms / 最大 {:.3} ms",
                args.iterations,
                millis(min),
                millis(median),
                millis(max)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
