//! `kijun bench xlsx`: export and import time of a large Excel checklist,
//! on one core, without a server or database — the figures issue 5 asks
//! for (target: each under 1 s for 10,000 rows). The rows are the built-in
//! catalogs' real requirements (both parties, answered), repeated with
//! distinct ids until there are `--rows` of them.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use kijun_core::{Answer, Party, Status};
use kijun_exchange::{ChecklistDoc, ImportExpectation, read_checklist, write_checklist};

use crate::context::Context;

/// A checklist of exactly `rows` answered rows built from `ctx`'s catalogs.
fn big_checklist(ctx: &Context, rows: usize) -> Result<ChecklistDoc> {
    let catalogs: Vec<&kijun_core::catalog::Catalog> = ctx.catalogs.iter().collect();
    let profile = kijun_core::Profile::default();
    let one =
        ChecklistDoc::from_catalogs("性能計測用チェックリスト", &catalogs, &profile, &Party::ALL);
    let template: Vec<_> = one
        .rows()
        .map(|(sheet, r)| {
            let mut r = r.clone();
            r.requirement_id = format!("{}-{}", sheet.catalog_id, r.requirement_id);
            r
        })
        .collect();
    if template.is_empty() {
        bail!("カタログに適用される項目がありません (no applicable items)");
    }
    let mut sheet = one.sheets[0].clone();
    sheet.catalog_id = "bench".into();
    sheet.catalog_title = "性能計測用".into();
    sheet.rows = (0..rows)
        .map(|i| {
            let mut r = template[i % template.len()].clone();
            let round = i / template.len();
            r.requirement_id = format!("{}-{round}", r.requirement_id);
            r.number = r.requirement_id.clone();
            r.item_id = kijun_exchange::item_id("bench", &r.requirement_id, r.party);
            let mut a = Answer::new(match i % 10 {
                0 => Status::Partial,
                7 => Status::NotApplicable,
                _ => Status::Conforms,
            });
            a.comment = Some(format!("対応済み（計測 {i}）"));
            r.answer = Some(a);
            r
        })
        .collect();
    Ok(ChecklistDoc {
        assessment_id: Some("bench-assessment".into()),
        title: one.title,
        service_name: Some("性能計測サービス".into()),
        parties: Party::ALL.to_vec(),
        sheets: vec![sheet],
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs the measurement and prints the figures.
pub fn run(ctx: &Context, rows: usize, iterations: usize) -> Result<ExitCode> {
    let doc = big_checklist(ctx, rows)?;
    let expectation = ImportExpectation::from_doc(&doc, &Party::ALL);
    let (mut writes, mut reads) = (Vec::new(), Vec::new());
    let mut size = 0;
    let mut answers = 0;
    for _ in 0..iterations.max(1) {
        let t = Instant::now();
        let bytes = write_checklist(&doc)?;
        writes.push(t.elapsed());
        size = bytes.len();
        let t = Instant::now();
        let read = read_checklist(&bytes, &expectation);
        reads.push(t.elapsed());
        match read {
            Ok(a) => answers = a.len(),
            Err(e) => bail!("読み戻しに失敗しました (read back failed): {e}"),
        }
    }
    if answers != rows {
        bail!("読み戻した回答 {answers} 件が行数 {rows} と一致しません");
    }
    let target = Duration::from_secs(1);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "kijun bench xlsx — {} 行（{} 当事者、回答済み）、{} 回、1 スレッド",
        rows,
        doc.parties.len(),
        writes.len()
    );
    let _ = writeln!(o, "ファイルの大きさ: {size} バイト");
    for (label, v) in [
        ("エクスポート (write)", &writes),
        ("インポート (read+check)", &reads),
    ] {
        let med = median(v.clone());
        let min = v.iter().min().copied().unwrap_or_default();
        let max = v.iter().max().copied().unwrap_or_default();
        let _ = writeln!(
            o,
            "  {label:<24} 最小 {:>8.1} ms  中央値 {:>8.1} ms  最大 {:>8.1} ms  目標 < 1000 ms → {}",
            ms(min),
            ms(med),
            ms(max),
            if med < target {
                "達成 (met)"
            } else {
                "未達 (missed)"
            }
        );
    }
    print!("{o}");
    Ok(ExitCode::SUCCESS)
}
