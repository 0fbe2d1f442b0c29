//! kijun-report integration tests, in one binary: the PDF through
//! `pdftotext` (poppler-utils), the HTML, and errors. Without `pdftotext` the
//! PDF text checks are skipped with a message, unless
//! `KIJUN_REQUIRE_PDFTOTEXT` is set, which turns a missing `pdftotext` into a
//! failure. `KIJUN_REPORT_DUMP=DIR` keeps the PDFs in DIR for a look
//! (`pdftoppm -png`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use kijun_report::sample::{sample_assessment_report, sample_checklist_report, sample_time};
use kijun_report::{
    Column, Document, ReportError, Table, assessment_report, checklist_report, render_html,
    render_pdf,
};

static FILES: AtomicUsize = AtomicUsize::new(0);

/// Writes `pdf` to a scratch file and returns its path.
fn scratch(pdf: &[u8], name: &str) -> PathBuf {
    let n = FILES.fetch_add(1, Ordering::SeqCst);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "kijun-report-{}-{n}-{name}.pdf",
        std::process::id()
    ));
    std::fs::write(&path, pdf).unwrap();
    path
}

/// Keeps `pdf` as `DIR/name.pdf` when `KIJUN_REPORT_DUMP=DIR` is set.
fn dump(name: &str, pdf: &[u8]) {
    if let Some(dir) = std::env::var_os("KIJUN_REPORT_DUMP") {
        std::fs::write(PathBuf::from(dir).join(format!("{name}.pdf")), pdf).unwrap();
    }
}

/// Runs a poppler tool on `pdf`; `None` (test skipped) if it is not
/// installed and `KIJUN_REQUIRE_PDFTOTEXT` is not set.
fn poppler(tool: &str, args: &[&str], pdf: &[u8], name: &str) -> Option<String> {
    let path = scratch(pdf, name);
    let output = Command::new(tool).args(args).arg(&path).arg("-").output();
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var_os("KIJUN_REQUIRE_PDFTOTEXT").is_some() {
                panic!("{tool} is required (KIJUN_REQUIRE_PDFTOTEXT is set) but not installed");
            }
            // Straight to stderr, past the test harness's output capture, so
            // the skip is seen in a normal `cargo test` run.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED ({name}): {tool} not found (apt-get install poppler-utils); \
                 set KIJUN_REQUIRE_PDFTOTEXT=1 to make this a failure"
            );
            let _ = std::fs::remove_file(&path);
            return None;
        }
        Err(e) => panic!("{tool}: {e}"),
    };
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

/// The text of `pdf` in content order, one string per page.
fn pdf_pages(pdf: &[u8], name: &str) -> Option<Vec<String>> {
    let text = poppler("pdftotext", &["-raw", "-enc", "UTF-8"], pdf, name)?;
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Some(pages)
}

/// Text without any white space, so that wrapped lines join again.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn assessment_pdf_has_extractable_japanese_text() {
    let report = sample_assessment_report();
    let pdf = render_pdf(&assessment_report(&report)).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    // The font is embedded as a subset, with a ToUnicode map.
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("+IPAexGothic"), "no subset font name");
    assert!(raw.contains("/FontFile2"), "font not embedded");
    assert!(raw.contains("/ToUnicode"), "no ToUnicode map");
    assert!(raw.contains("/Producer (kijun)"));
    assert!(
        raw.contains("/CreationDate (D:20260501103000+09'00"),
        "creation date"
    );
    assert!(
        pdf.len() < 150_000,
        "PDF is {} bytes: is the whole font embedded?",
        pdf.len()
    );

    dump("assessment", &pdf);
    let Some(pages) = pdf_pages(&pdf, "assessment") else {
        return;
    };
    let text = squeeze(&pages.concat());
    for expected in [
        "外部サービス審査結果報告書",
        "1.審査の対象",
        "2.審査の結果",
        "3.承認の条件",
        "4.基準を満たしていない項目",
        "5.判定の理由",
        "電子申請受付サービス「かんたん申請」",
        "第三者機関のセキュリティ監査を実施していること",
        "当局が指定する公的認証資格を保有していること",
        "条件付き承認",
        "2026年12月25日",
        "2026年4月28日",
        "<script>alert(1)</script>",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "pdftotext output lacks {expected:?}:\n{}",
            pages.concat()
        );
    }
    assert!(squeeze(&pages[0]).contains(&format!("1/{}", pages.len())));
}

#[test]
fn long_table_spans_pages_and_repeats_its_header_row() {
    let mut doc = Document::new("長い表の試験", sample_time());
    doc.footer = "長い表".to_owned();
    let mut table = Table::new(
        "指摘一覧",
        vec![
            Column::new("番号", 1.0),
            Column::new("見出し列ヘッダ", 5.0),
            Column::new("期限", 2.0),
        ],
    );
    for i in 1..=150 {
        table.row([
            format!("No.{i}"),
            "外部サービス提供者は、取り扱い情報の重要性に応じて、通信経路の暗号化を適切に実施すること。"
                .to_owned(),
            "2026年9月30日".to_owned(),
        ]);
    }
    doc.table(table);
    let pdf = render_pdf(&doc).unwrap();
    dump("long", &pdf);
    let Some(pages) = pdf_pages(&pdf, "long-table") else {
        return;
    };
    assert!(pages.len() >= 3, "only {} pages", pages.len());
    let header_count = pages
        .iter()
        .map(|p| p.matches("見出し列ヘッダ").count())
        .collect::<Vec<_>>();
    assert_eq!(
        header_count,
        vec![1; pages.len()],
        "header row once per page"
    );
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("{} / {}", i + 1, pages.len())),
            "page {} has no page number",
            i + 1
        );
    }
    let all = pages.concat();
    let words: Vec<&str> = all.split_whitespace().collect();
    for i in 1..=150 {
        let n = format!("No.{i}");
        let count = words.iter().filter(|w| **w == n).count();
        assert_eq!(count, 1, "row {i} printed {count} times");
    }
}

#[test]
fn checklist_pdf_is_landscape_and_grouped() {
    let doc = checklist_report(&sample_checklist_report(6));
    let pdf = render_pdf(&doc).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("/MediaBox [0 0 841.89 595.276]"),
        "not A4 landscape"
    );
    dump("checklist", &pdf);
    let Some(pages) = pdf_pages(&pdf, "checklist") else {
        return;
    };
    let text = squeeze(&pages.concat());
    for expected in [
        "外部サービスチェックリスト",
        "導入・構築",
        "運用・保守",
        "事業者要件",
        "データ要件",
        "実施基準・実施例",
        "情報セキュリティ対策推進の管理体制が整備されていること",
        "一部適合（差戻し）",
    ] {
        assert!(text.contains(expected), "lacks {expected:?}");
    }
}

#[test]
fn characters_sharing_a_glyph_are_extracted_as_written() {
    // IPAex Gothic draws 〜 (U+301C) and ～ (U+FF5E), - and ‐ (U+2010), and
    // 一 (U+4E00) and the radical ⼀ (U+2F00) with one glyph each.
    let text = "期間は4月～9月、波ダッシュは〜、番号はA-1と A‐2、漢数字は一。";
    let mut doc = Document::new("同じ字形", sample_time());
    doc.paragraph("最初は〜と‐と⼀。");
    doc.paragraph(text);
    let pdf = render_pdf(&doc).unwrap();
    let Some(pages) = pdf_pages(&pdf, "shared-glyphs") else {
        return;
    };
    let extracted = squeeze(&pages.concat());
    assert!(extracted.contains("最初は〜と‐と⼀。"), "{extracted}");
    assert!(extracted.contains(&squeeze(text)), "{extracted}");
}

#[test]
fn same_document_gives_the_same_bytes() {
    let doc = assessment_report(&sample_assessment_report());
    assert_eq!(render_pdf(&doc).unwrap(), render_pdf(&doc).unwrap());
}

#[test]
fn html_escapes_user_text_and_carries_print_css() {
    let html = render_html(&assessment_report(&sample_assessment_report()));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script"), "unescaped script tag");
    assert!(html.contains("@page"));
    assert!(html.contains("size: A4 portrait"));
    assert!(html.contains("thead { display: table-header-group; }"));
    assert!(html.contains("break-inside: avoid"));
    assert!(html.contains("<thead>\n<tr><th scope=\"col\">基準</th>"));
    assert!(html.contains("2026年12月25日"));
    assert!(html.contains("条件付き承認"));
    // No external resources.
    assert!(!html.contains("http://") && !html.contains("https://"));

    let checklist = render_html(&checklist_report(&sample_checklist_report(2)));
    assert!(checklist.contains("<section class=\"landscape\">"));
    assert!(checklist.contains("section.landscape { page: landscape; }"));
    assert!(checklist.contains("<tr class=\"group\"><td colspan=\"8\">事業者要件</td></tr>"));
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_an_error() {
    let mut doc = Document::new("形", sample_time());
    let mut table = Table::new(
        "条件一覧",
        vec![Column::new("a", 1.0), Column::new("b", 1.0)],
    );
    table.row(["1", "2", "3"]);
    doc.table(table);
    let err = render_pdf(&doc).unwrap_err();
    assert!(
        matches!(
            err,
            ReportError::TableShape {
                row: 1,
                cells: 3,
                columns: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn monthly_report_pdf_has_every_section_heading() {
    use kijun_report::monthly::{SECTIONS, TITLE, sample_monthly_report};
    let report = sample_monthly_report(sample_time());
    let doc = kijun_report::monthly_report(&report);
    // Every section is a level-1 heading of the document, in order.
    let headings: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            kijun_report::Block::Heading { level: 1, text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(headings, SECTIONS.to_vec());
    let html = render_html(&doc);
    for s in SECTIONS {
        assert!(html.contains(s), "HTML lacks {s}");
    }
    let pdf = render_pdf(&doc).unwrap();
    dump("monthly", &pdf);
    let Some(pages) = pdf_pages(&pdf, "monthly") else {
        return;
    };
    let text = squeeze(&pages.concat());
    for expected in SECTIONS.iter().copied().chain([
        TITLE,
        "サービス稼働率",
        "99.193%",
        "未達",
        "達成",
        "重大障害の復旧時間",
        "問合せに係る回答時間",
        "重大障害の発生件数",
        "事業者が提示した改善策",
    ]) {
        assert!(
            text.contains(&squeeze(expected)),
            "PDF text lacks {expected:?}:\n{text}"
        );
    }
}

#[test]
fn monthly_report_without_misses_needs_no_improvement_plan() {
    use kijun_report::monthly::sample_monthly_report;
    let mut report = sample_monthly_report(sample_time());
    for f in &mut report.sla {
        f.outcome = kijun_report::SlaOutcome::Met;
    }
    report.improvement = kijun_report::Improvement::default();
    report.outages.clear();
    let html = render_html(&kijun_report::monthly_report(&report));
    assert!(html.contains("改善策の提示は不要"));
    assert!(!html.contains("事業者が提示した改善策"));
    assert!(html.contains("対象月に発生した障害・停止はありません。"));
}
