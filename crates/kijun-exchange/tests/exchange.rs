//! Tests of the Excel exchange on real workbooks: export → fill in (by
//! editing the sheet XML inside the zip, as Excel would store a typed value)
//! → import; every bad input with its location; the seed-000 criteria sheet
//! imported as a catalog equal to the built-in one; 10,000 rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Write};
use std::time::Instant;

use calamine::{Reader, Xlsx};
use kijun_core::answer::{Remediation, Status};
use kijun_core::catalog::{Catalog, Date, Example, Level, LevelSpec, Phase};
use kijun_core::profile::Value;
use kijun_core::{Answer, CatalogSet, ControlVocabulary, Party, Profile};
use kijun_exchange::testing::{cell_ref, cells, col, fill, part};
use kijun_exchange::{
    ChecklistDoc, ChecklistRow, ChecklistSheet, CriteriaOptions, ImportErrorKind,
    ImportExpectation, ImportedAnswer, PartyLevels, layout, read_checklist, read_checklist_meta,
    read_criteria_sheet, write_checklist,
};
use kijun_exchange::{error::column_letter, testing};

const SEED_000: &str = include_str!("../../../catalogs/sources/000_53826eb87d7469aa.txt");

fn controls() -> ControlVocabulary {
    ControlVocabulary::builtin().unwrap()
}

fn builtin() -> CatalogSet {
    CatalogSet::builtin(&controls()).unwrap()
}

fn profile(ismap: bool) -> Profile {
    let mut p = Profile::default();
    p.set("ismap_registered", Value::Bool(ismap)).unwrap();
    p.name = Some("〇〇市 電子申請サービス".into());
    p
}

fn seed_doc(parties: &[Party]) -> ChecklistDoc {
    let set = builtin();
    let cat = set.get("seed-000").unwrap();
    ChecklistDoc::from_catalogs(
        "外部サービス選定チェックリスト",
        &[cat],
        &profile(false),
        parties,
    )
}

fn get(grid: &[Vec<String>], r: usize, c: usize) -> &str {
    grid.get(r)
        .and_then(|row| row.get(c))
        .map_or("", String::as_str)
}

/// The 0-based row holding `item_id` in the hidden column.
fn row_of(grid: &[Vec<String>], item_id: &str) -> usize {
    testing::row_of(grid, item_id).unwrap_or_else(|| panic!("no row for {item_id}"))
}

fn date(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

#[test]
fn exported_checklist_has_the_documented_layout() {
    let doc = seed_doc(&Party::ALL);
    let xlsx = write_checklist(&doc).unwrap();
    assert!(xlsx.starts_with(b"PK"));

    let book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.as_slice())).unwrap();
    let sheets = book.sheets_metadata().to_vec();
    assert_eq!(sheets.len(), 2);
    assert_eq!(sheets[0].name, "seed-000");
    assert_eq!(sheets[0].visible, calamine::SheetVisible::Visible);
    assert_eq!(sheets[1].name, layout::META_SHEET);
    assert_ne!(sheets[1].visible, calamine::SheetVisible::Visible);

    let g = cells(&xlsx, "seed-000");
    assert_eq!(get(&g, 0, 0), "外部サービス選定チェックリスト");
    assert!(get(&g, 1, 0).contains("対象サービス: 〇〇市 電子申請サービス"));
    let h = layout::HEADER_ROW as usize;
    let headings: Vec<&str> = g[h].iter().map(String::as_str).collect();
    assert_eq!(
        headings,
        [
            "No",
            "項目",
            "要求事項",
            "実施基準・実施例",
            "必須/推奨",
            "",
            "チェック",
            "",
            "回答",
            "説明",
            "根拠資料",
            "是正計画",
            "期限",
            "指摘・コメント",
            "項目ID"
        ]
    );
    assert_eq!(
        &g[h + 1][4..8],
        [
            "導入事業者",
            "外部サービス提供者",
            "導入事業者",
            "外部サービス提供者"
        ]
    );
    // Group headings: the phase, then the category, then the first requirement
    // with one row per party (the text on the first row only).
    let d = layout::FIRST_DATA_ROW as usize;
    assert_eq!(get(&g, d, 0), "選定基準 (一般的な情報セキュリティ要件)");
    assert_eq!(get(&g, d + 1, 0), "認証要件");
    assert_eq!(get(&g, d + 2, 0), "SEL-01");
    assert_eq!(get(&g, d + 2, 1), "公的認証資格");
    assert!(get(&g, d + 2, 2).starts_with("当局が指定する公的認証資格"));
    assert_eq!(
        get(&g, d + 2, 3),
        "(導入事業者)\n・プライバシーマーク\n・ISMS/JIS Q 27001\n(外部サービス提供者)\n・ISMS/JIS Q 27017"
    );
    assert_eq!((get(&g, d + 2, 4), get(&g, d + 2, 5)), ("必須", "推奨"));
    assert_eq!((get(&g, d + 2, 6), get(&g, d + 2, 7)), ("対象", ""));
    assert_eq!(get(&g, d + 2, 14), "seed-000/SEL-01/integrator");
    assert_eq!(get(&g, d + 3, 2), "");
    assert_eq!((get(&g, d + 3, 6), get(&g, d + 3, 7)), ("", "対象"));
    assert_eq!(get(&g, d + 3, 14), "seed-000/SEL-01/provider");
    // SEL-12 binds only the integrator: one row.
    let sel12 = row_of(&g, "seed-000/SEL-12/integrator");
    assert_eq!(get(&g, sel12, 0), "SEL-12");
    assert_eq!((get(&g, sel12, 4), get(&g, sel12, 5)), ("必須", "-"));
    assert_eq!(get(&g, sel12 + 1, 0), "SEL-13");
    // 更改・廃棄 has no category row in the source: the phase heading is
    // followed directly by the requirement.
    let trm = row_of(&g, "seed-000/TRM-01/integrator");
    assert_eq!(get(&g, trm - 1, 0), "更改・廃棄時の要件");

    let meta = read_checklist_meta(&xlsx).unwrap();
    assert_eq!(meta.format, layout::FORMAT);
    assert_eq!(meta.assessment_id, None);
    assert_eq!(meta.parties, Party::ALL.to_vec());
    assert_eq!(meta.sheets.len(), 1);
    assert_eq!(meta.sheets[0].catalog_id, "seed-000");
    assert_eq!(meta.fingerprint, kijun_exchange::fingerprint(&doc));
    assert_eq!(meta.fingerprint.len(), 64);

    // What calamine does not expose, from the sheet XML.
    let xml = part(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains("<pane ySplit=\"5\" topLeftCell=\"A6\""),
        "frozen header"
    );
    assert!(xml.contains("<sheetProtection"), "protected");
    assert!(xml.contains("formatRows=\"0\""), "rows may be resized");
    assert!(xml.contains("orientation=\"landscape\""));
    assert!(xml.contains("paperSize=\"9\""), "A4");
    assert!(xml.contains("fitToWidth=\"1\"") || xml.contains("<pageSetUpPr fitToPage=\"1\"/>"));
    assert!(xml.contains("fitToHeight=\"0\""));
    assert!(xml.contains("<dataValidation type=\"list\""));
    assert!(xml.contains("\"適合,一部適合,不適合,該当なし\""));
    assert!(xml.contains("hidden=\"1\""), "hidden id column");
    assert!(xml.contains("<col min=\"3\" max=\"3\" width=\""));
    let wb = part(&xlsx, "xl/workbook.xml");
    assert!(
        wb.contains("_xlnm.Print_Titles") && wb.contains("$4:$5"),
        "header rows repeated on every page: {wb}"
    );
    let styles = part(&xlsx, "xl/styles.xml");
    assert!(styles.contains("ＭＳ Ｐゴシック"));
    assert!(styles.contains("locked=\"0\""), "answer cells unlocked");
    assert!(styles.contains("wrapText=\"1\""));
}

/// The answer cells of one item, as a person would type them.
struct Typed<'a> {
    item: &'a str,
    status: &'a str,
    explanation: &'a str,
    evidence: &'a str,
    plan: &'a str,
    due: &'a str,
}

fn typed_edits(xlsx: &[u8], sheet: &str, typed: &[Typed<'_>]) -> Vec<(String, String)> {
    let g = cells(xlsx, sheet);
    let mut edits = Vec::new();
    for t in typed {
        let r = row_of(&g, t.item);
        for (heading, value) in [
            (layout::H_STATUS, t.status),
            (layout::H_EXPLANATION, t.explanation),
            (layout::H_EVIDENCE, t.evidence),
            (layout::H_PLAN, t.plan),
            (layout::H_DUE, t.due),
        ] {
            if !value.is_empty() {
                edits.push((cell_ref(r, col(&g, heading)), value.to_owned()));
            }
        }
    }
    edits
}

fn answer(status: Status) -> Answer {
    Answer {
        status,
        comment: None,
        evidence: Vec::new(),
        reason: None,
        remediation: None,
    }
}

#[test]
fn round_trip_export_fill_import() {
    let doc = seed_doc(&Party::ALL);
    let xlsx = write_checklist(&doc).unwrap();
    let typed = [
        Typed {
            item: "seed-000/SEL-01/integrator",
            status: "適合",
            explanation: "プライバシーマーク取得済み",
            evidence: "pmark.pdf\nisms-certificate.pdf",
            plan: "",
            due: "",
        },
        Typed {
            item: "seed-000/SEL-01/provider",
            status: "一部適合",
            explanation: "ISMS クラウドセキュリティ認証を申請中",
            evidence: "",
            plan: "ISO/IEC 27017 認証を取得する",
            due: "2027/3/31",
        },
        Typed {
            item: "seed-000/SEL-13/provider",
            status: "該当なし",
            explanation: "再委託を行わない",
            evidence: "",
            plan: "",
            due: "",
        },
        Typed {
            item: "seed-000/BLD-01/provider",
            status: "不適合",
            explanation: "",
            evidence: "",
            plan: "",
            due: "",
        },
        Typed {
            item: "seed-000/TRM-03/integrator",
            status: " 適合 ",
            explanation: "",
            evidence: "",
            plan: "",
            due: "",
        },
    ];
    let filled = fill(&xlsx, 1, &typed_edits(&xlsx, "seed-000", &typed));
    let expectation = ImportExpectation::from_doc(&doc, &Party::ALL);
    let got = read_checklist(&filled, &expectation).unwrap();

    let summary: Vec<(&str, &Answer)> = got
        .iter()
        .map(|a| (a.item_id.as_str(), &a.answer))
        .collect();
    let mut sel01 = answer(Status::Conforms);
    sel01.comment = Some("プライバシーマーク取得済み".into());
    sel01.evidence = vec!["pmark.pdf".into(), "isms-certificate.pdf".into()];
    let mut sel01p = answer(Status::Partial);
    sel01p.comment = Some("ISMS クラウドセキュリティ認証を申請中".into());
    sel01p.remediation = Some(Remediation {
        plan: "ISO/IEC 27017 認証を取得する".into(),
        due: date(2027, 3, 31),
    });
    let mut sel13 = answer(Status::NotApplicable);
    sel13.reason = Some("再委託を行わない".into());
    assert_eq!(
        summary,
        vec![
            ("seed-000/SEL-01/integrator", &sel01),
            ("seed-000/SEL-01/provider", &sel01p),
            ("seed-000/SEL-13/provider", &sel13),
            ("seed-000/BLD-01/provider", &answer(Status::DoesNotConform)),
            ("seed-000/TRM-03/integrator", &answer(Status::Conforms)),
        ]
    );
    let first = &got[0];
    assert_eq!(
        (
            first.catalog_id.as_str(),
            first.requirement_id.as_str(),
            first.party,
            first.sheet.as_str()
        ),
        ("seed-000", "SEL-01", Party::Integrator, "seed-000")
    );
    assert_eq!(first.row, layout::FIRST_DATA_ROW + 3);

    // Reading the same file again gives the same answers.
    assert_eq!(read_checklist(&filled, &expectation).unwrap(), got);

    // Answers already in the document are written and read back unchanged,
    // reviewer comments are shown but not read.
    let mut with_answers = doc.clone();
    with_answers.assessment_id = Some("A-2026-0042".into());
    for a in &got {
        let row = with_answers.sheets[0]
            .rows
            .iter_mut()
            .find(|r| r.item_id == a.item_id)
            .unwrap();
        row.answer = Some(a.answer.clone());
        row.reviewer_comment = Some("証跡の有効期限を確認してください".into());
    }
    let again = write_checklist(&with_answers).unwrap();
    let g = cells(&again, "seed-000");
    let r = row_of(&g, "seed-000/SEL-01/provider");
    assert_eq!(get(&g, r, col(&g, layout::H_STATUS)), "一部適合");
    assert_eq!(
        get(&g, r, col(&g, layout::H_COMMENT)),
        "証跡の有効期限を確認してください"
    );
    let back = read_checklist(
        &again,
        &ImportExpectation::from_doc(&with_answers, &Party::ALL),
    )
    .unwrap();
    let strip = |v: &[ImportedAnswer]| -> Vec<(String, Answer)> {
        v.iter()
            .map(|a| (a.item_id.clone(), a.answer.clone()))
            .collect()
    };
    assert_eq!(strip(&back), strip(&got));
}

/// An error as (row, column, heading, value, kind).
type Listed<'a> = (
    Option<u32>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a ImportErrorKind,
);

#[test]
fn bad_rows_are_all_reported_with_sheet_row_column_and_value() {
    let doc = seed_doc(&Party::ALL);
    let xlsx = write_checklist(&doc).unwrap();
    let g = cells(&xlsx, "seed-000");
    let status = col(&g, layout::H_STATUS);
    let text = col(&g, layout::H_TEXT);
    let id = col(&g, layout::H_ID);
    let due = col(&g, layout::H_DUE);
    let r_bad_status = row_of(&g, "seed-000/SEL-02/provider");
    let r_no_reason = row_of(&g, "seed-000/SEL-03/provider");
    let r_other_party = row_of(&g, "seed-000/SEL-04/integrator");
    let r_text = row_of(&g, "seed-000/SEL-05/integrator");
    let r_unknown = row_of(&g, "seed-000/SEL-06/provider");
    let r_dup = row_of(&g, "seed-000/SEL-07/provider");
    let r_date = row_of(&g, "seed-000/SEL-08/provider");
    let r_no_status = row_of(&g, "seed-000/SEL-09/provider");
    let r_good = row_of(&g, "seed-000/SEL-10/provider");
    let mut edits = vec![
        (cell_ref(r_bad_status, status), "てきごう".to_owned()),
        (cell_ref(r_no_reason, status), "該当なし".to_owned()),
        (cell_ref(r_other_party, status), "適合".to_owned()),
        (
            cell_ref(r_text, text),
            "取り扱い情報の目的外利用が許可されていること".to_owned(),
        ),
        (
            cell_ref(r_unknown, id),
            "seed-000/SEL-99/provider".to_owned(),
        ),
        (cell_ref(r_unknown, status), "適合".to_owned()),
        (cell_ref(r_dup, id), "seed-000/SEL-02/provider".to_owned()),
        (cell_ref(r_date, status), "一部適合".to_owned()),
        (cell_ref(r_date, due), "来年3月".to_owned()),
        (
            cell_ref(r_no_status, col(&g, layout::H_EVIDENCE)),
            "資料.pdf".to_owned(),
        ),
        (cell_ref(r_good, status), "適合".to_owned()),
    ];
    edits.sort();
    let filled = fill(&xlsx, 1, &edits);
    // The vendor is the provider: it may not answer integrator rows.
    let expectation = ImportExpectation::from_doc(&doc, &[Party::Provider]);
    let errors = read_checklist(&filled, &expectation).unwrap_err();
    let listed: Vec<Listed<'_>> = errors
        .iter()
        .map(|e| {
            assert_eq!(e.sheet.as_deref(), Some("seed-000"));
            (
                e.row,
                e.column.as_deref(),
                e.heading.as_deref(),
                e.value.as_deref(),
                &e.kind,
            )
        })
        .collect();
    let row = |r: usize| Some(r as u32 + 1);
    let letter = |c: usize| column_letter(c as u32);
    let (ls, lt, li, ld) = (letter(status), letter(text), letter(id), letter(due));
    let (le, lp) = (
        letter(col(&g, layout::H_EXPLANATION)),
        letter(col(&g, layout::H_PLAN)),
    );
    assert_eq!(
        listed,
        vec![
            (
                row(r_bad_status),
                Some(ls.as_str()),
                Some("回答"),
                Some("てきごう"),
                &ImportErrorKind::UnknownStatus {
                    value: "てきごう".into()
                }
            ),
            (
                row(r_no_reason),
                Some(le.as_str()),
                Some("説明"),
                None,
                &ImportErrorKind::MissingReason
            ),
            (
                row(r_other_party),
                Some(ls.as_str()),
                Some("回答"),
                Some("適合"),
                &ImportErrorKind::PartyNotAllowed {
                    party: "導入事業者".into(),
                    allowed: "外部サービス提供者".into()
                }
            ),
            (
                row(r_text),
                Some(lt.as_str()),
                Some("要求事項"),
                Some("取り扱い情報の目的外利用が許可されていること"),
                &ImportErrorKind::TextChanged {
                    expected: "取り扱い情報の目的外利用が禁止されていること".into()
                }
            ),
            (
                row(r_unknown),
                Some(li.as_str()),
                Some("項目ID"),
                Some("seed-000/SEL-99/provider"),
                &ImportErrorKind::UnknownItem {
                    item_id: "seed-000/SEL-99/provider".into()
                }
            ),
            (
                row(r_dup),
                Some(li.as_str()),
                Some("項目ID"),
                Some("seed-000/SEL-02/provider"),
                &ImportErrorKind::DuplicateItem {
                    item_id: "seed-000/SEL-02/provider".into(),
                    first: format!("シート「seed-000」 {}行", r_bad_status + 1),
                }
            ),
            (
                row(r_date),
                Some(ld.as_str()),
                Some("期限"),
                Some("来年3月"),
                &ImportErrorKind::BadDate {
                    value: "来年3月".into()
                }
            ),
            (
                row(r_date),
                Some(lp.as_str()),
                Some("是正計画"),
                None,
                &ImportErrorKind::IncompleteRemediation
            ),
            (
                row(r_no_status),
                Some(ls.as_str()),
                Some("回答"),
                None,
                &ImportErrorKind::MissingStatus
            ),
        ]
    );
    // The message says where, what was found and what to do, in Japanese.
    let text = errors.to_string();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "シート「seed-000」 {}行 {ls}列（回答）: 回答「てきごう」は選択肢にありません。適合／一部適合／不適合／該当なし のいずれかを選んでください",
            r_bad_status + 1
        )
    );
    assert!(
        text.contains("記入されている値: 「取り扱い情報の目的外利用が許可されていること」"),
        "{text}"
    );
}

#[test]
fn a_file_for_another_assessment_is_refused() {
    let mut doc = seed_doc(&[Party::Provider]);
    doc.assessment_id = Some("A-1".into());
    let xlsx = write_checklist(&doc).unwrap();
    let mut other = ImportExpectation::from_doc(&doc, &[Party::Provider]);
    other.assessment_id = Some("A-2".into());
    let errors = read_checklist(&xlsx, &other).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors.0[0].kind,
        ImportErrorKind::AssessmentMismatch {
            expected: "A-2".into(),
            found: "A-1".into()
        }
    );
    assert!(errors.to_string().contains("別の審査のチェックリストです"));
    // The right assessment: nothing answered, no error.
    let same = ImportExpectation::from_doc(&doc, &[Party::Provider]);
    assert_eq!(read_checklist(&xlsx, &same).unwrap(), vec![]);
}

#[test]
fn what_is_not_a_checklist_is_refused() {
    let expectation = ImportExpectation::default();
    let e = read_checklist(b"No\tItem\n1\tx\n", &expectation).unwrap_err();
    assert!(
        matches!(e.0[0].kind, ImportErrorKind::NotXlsx { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("xlsx ファイルとして読めません"));

    // A zip that is not a workbook.
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    z.start_file("hello.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"hello").unwrap();
    let not_xlsx = z.finish().unwrap().into_inner();
    let e = read_checklist(&not_xlsx, &expectation).unwrap_err();
    assert!(
        matches!(e.0[0].kind, ImportErrorKind::NotXlsx { .. }),
        "{e}"
    );

    // A workbook kijun did not write.
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "回答").unwrap();
    let plain = wb.save_to_buffer().unwrap();
    let e = read_checklist(&plain, &expectation).unwrap_err();
    assert_eq!(
        e.0[0].kind,
        ImportErrorKind::NotAChecklist {
            meta_sheet: "kijun".into()
        }
    );
}

#[test]
fn rows_of_other_parties_left_empty_are_fine_and_write_errors_are_typed() {
    // A provider-only file has no integrator rows at all.
    let doc = seed_doc(&[Party::Provider]);
    assert!(doc.rows().all(|(_, r)| r.party == Party::Provider));
    let xlsx = write_checklist(&doc).unwrap();
    let g = cells(&xlsx, "seed-000");
    assert_eq!(
        get(&g, layout::SUBHEADER_ROW as usize, 4),
        "外部サービス提供者"
    );
    assert_eq!(get(&g, layout::HEADER_ROW as usize, 5), "チェック");
    assert_eq!(get(&g, layout::HEADER_ROW as usize, 6), "回答");

    let mut bad = seed_doc(&[Party::Provider]);
    bad.parties = vec![];
    assert!(matches!(
        write_checklist(&bad),
        Err(kijun_exchange::ExchangeError::NoParties)
    ));
    let mut bad = seed_doc(&Party::ALL);
    bad.parties = vec![Party::Integrator];
    assert!(matches!(
        write_checklist(&bad),
        Err(kijun_exchange::ExchangeError::PartyNotIncluded { .. })
    ));
    let mut bad = seed_doc(&Party::ALL);
    let first = bad.sheets[0].rows[0].item_id.clone();
    bad.sheets[0].rows[1].item_id = first;
    assert!(matches!(
        write_checklist(&bad),
        Err(kijun_exchange::ExchangeError::DuplicateItemId(_))
    ));
}

#[test]
fn rows_of_other_parties_may_show_their_exported_answers() {
    // The integrator's answers are shown to the provider, who answers its own rows.
    let mut doc = seed_doc(&Party::ALL);
    for row in &mut doc.sheets[0].rows {
        if row.party == Party::Integrator {
            let mut a = answer(Status::Partial);
            a.comment = Some("取得予定".into());
            a.evidence = vec!["計画書.pdf".into(), "見積.pdf".into()];
            a.remediation = Some(Remediation {
                plan: "認証を取得する".into(),
                due: date(2027, 3, 31),
            });
            row.answer = Some(a);
        }
    }
    let xlsx = write_checklist(&doc).unwrap();
    let expectation = ImportExpectation::from_doc(&doc, &[Party::Provider]);
    let typed = [Typed {
        item: "seed-000/SEL-02/provider",
        status: "適合",
        explanation: "",
        evidence: "",
        plan: "",
        due: "",
    }];
    let filled = fill(&xlsx, 1, &typed_edits(&xlsx, "seed-000", &typed));
    let got = read_checklist(&filled, &expectation).unwrap();
    let ids: Vec<&str> = got.iter().map(|a| a.item_id.as_str()).collect();
    assert_eq!(ids, ["seed-000/SEL-02/provider"]);

    // Changing one of them is refused.
    let g = cells(&filled, "seed-000");
    let r = row_of(&g, "seed-000/SEL-02/integrator");
    let changed = fill(
        &filled,
        1,
        &[(cell_ref(r, col(&g, layout::H_STATUS)), "適合".to_owned())],
    );
    let errors = read_checklist(&changed, &expectation).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.0[0].row, Some(r as u32 + 1));
    assert!(matches!(
        errors.0[0].kind,
        ImportErrorKind::PartyNotAllowed { .. }
    ));
}

/// Writes the seed's tab-separated sheet into a workbook the way it looks in
/// Excel: merged headings, bullets on their own lines.
fn seed_000_as_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("選定基準").unwrap();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let lines: Vec<&str> = SEED_000.lines().collect();
    let hr = lines.iter().position(|l| l.starts_with("No\t")).unwrap() as u32;
    let merged = [
        (hr, 4, hr, 7),
        (hr, 8, hr, 9),
        (hr + 1, 4, hr + 1, 5),
        (hr + 1, 6, hr + 1, 7),
    ];
    for (r, line) in lines.iter().enumerate() {
        let r = r as u32;
        let cells: Vec<&str> = line.split('\t').collect();
        let heading_row = r > hr + 2 && cells.iter().filter(|c| !c.is_empty()).count() == 1;
        for (c, value) in cells.iter().enumerate() {
            let c = c as u16;
            if value.is_empty() {
                continue;
            }
            if let Some(&(r0, c0, r1, c1)) =
                merged.iter().find(|(r0, c0, _, _)| *r0 == r && *c0 == c)
            {
                ws.merge_range(r0, c0, r1, c1, value, &wrap).unwrap();
            } else if heading_row {
                ws.merge_range(r, 0, r, 9, value, &wrap).unwrap();
            } else if c == 3 {
                let v = value
                    .replace(" ・", "\n・")
                    .replace(" (外部サービス提供者)", "\n(外部サービス提供者)");
                ws.write_string_with_format(r, c, v, &wrap).unwrap();
            } else {
                ws.write_string(r, c, *value).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn assert_same_requirements(imported: &Catalog, builtin: &Catalog) {
    assert_eq!(imported.title, builtin.title);
    assert_eq!(imported.phase_labels, builtin.phase_labels);
    let conds = |c: &Catalog| -> Vec<(String, String, String)> {
        c.conditions
            .iter()
            .map(|x| (x.id.clone(), x.label.clone(), x.when.clone()))
            .collect()
    };
    assert_eq!(conds(imported), conds(builtin));
    assert_eq!(imported.requirements.len(), builtin.requirements.len());
    let ismap = profile(true);
    let plain = profile(false);
    for (a, b) in imported.requirements.iter().zip(&builtin.requirements) {
        let what = &b.id;
        assert_eq!(a.id, b.id, "ids follow the built-in scheme");
        assert_eq!(a.phase, b.phase, "{what}");
        assert_eq!(a.category, b.category, "{what}");
        assert_eq!(a.subcategory, b.subcategory, "{what}");
        assert_eq!(a.text, b.text, "{what}");
        assert_eq!(a.examples, b.examples, "{what}");
        let rules = |r: &kijun_core::Requirement| -> Vec<(Option<String>, LevelSpec, LevelSpec)> {
            r.obligations
                .rules
                .iter()
                .map(|x| (x.when.clone(), x.integrator, x.provider))
                .collect()
        };
        assert_eq!(rules(a), rules(b), "{what}");
        for p in [&ismap, &plain] {
            for party in Party::ALL {
                assert_eq!(
                    a.obligations.level(p, party),
                    b.obligations.level(p, party),
                    "{what} {party}"
                );
            }
        }
        assert_eq!(
            a.controls, b.controls,
            "{what}: controls from the built-in text"
        );
    }
}

#[test]
fn seed_000_criteria_sheet_imports_as_the_builtin_catalog() {
    let set = builtin();
    let vocab = controls();
    let seed = set.get("seed-000").unwrap();
    let mut options = CriteriaOptions::new("my-city", "000_53826eb87d7469aa.txt", &vocab);
    options.reference = set.iter().collect();

    // As tab-separated text (a sheet copied out of Excel).
    let from_text = read_criteria_sheet(SEED_000.as_bytes(), &options).unwrap();
    assert_same_requirements(&from_text.catalog, seed);
    assert_eq!(from_text.catalog.id, "my-city");
    assert!(from_text.warnings.is_empty(), "{:?}", from_text.warnings);
    // The TOML is a valid catalog file by itself.
    let reloaded = Catalog::from_toml("my-city.toml", &from_text.toml, &vocab).unwrap();
    assert_eq!(reloaded, from_text.catalog);

    // As a workbook with merged headings and multi-line cells.
    let xlsx = seed_000_as_xlsx();
    let from_xlsx = read_criteria_sheet(&xlsx, &options).unwrap();
    assert_same_requirements(&from_xlsx.catalog, seed);
    assert_eq!(
        from_xlsx.catalog.requirements[0].source_ref.as_deref(),
        Some("シート「選定基準」10行目")
    );

    // Without reference catalogs the controls are guessed, and said so.
    let bare = CriteriaOptions::new("my-city", "seed.txt", &vocab);
    let guessed = read_criteria_sheet(SEED_000.as_bytes(), &bare).unwrap();
    assert_eq!(guessed.warnings.len(), 33);
    assert!(guessed.warnings[0].contains("共通管理策を文言から"));
    assert!(
        guessed
            .catalog
            .requirements
            .iter()
            .all(|r| r.note.is_some())
    );
    let access = guessed.catalog.requirement("BLD-01").unwrap();
    assert_eq!(access.controls, ["access_control"]);
}

const SIMPLE: &str = "〇〇市 外部サービス選定基準\n\
ID\t段階\t区分\t項目\t要求事項\t実施基準・実施例\t導入事業者\t外部サービス提供者\t管理策\n\
A-1\t選定\t認証要件\t公的認証\tISMAP に登録されていること\t・ISMAP 登録簿の写し\t-\t必須\tcertification\n\
A-2\t運用・保守\t\t報告\t毎月の稼働率を報告すること\t\t推奨\t必須\tservice_report, SLA（サービスレベル合意）\n";

#[test]
fn simple_layout_with_phase_category_and_control_columns() {
    let vocab = controls();
    let options = CriteriaOptions::new("city-x", "x.tsv", &vocab);
    let simple = SIMPLE.replace("SLA（サービスレベル合意）", "サービスレベル合意（SLA）");
    let got = read_criteria_sheet(simple.as_bytes(), &options).unwrap();
    let c = &got.catalog;
    assert_eq!(c.title, "〇〇市 外部サービス選定基準");
    assert!(c.conditions.is_empty());
    let a1 = c.requirement("A-1").unwrap();
    assert_eq!(a1.phase, Phase::Selection);
    assert_eq!(a1.category.as_deref(), Some("認証要件"));
    assert_eq!(
        a1.examples,
        vec![Example::Text("ISMAP 登録簿の写し".into())]
    );
    assert_eq!(a1.controls, ["certification"]);
    let p = Profile::default();
    assert_eq!(a1.obligations.level(&p, Party::Integrator), None);
    assert_eq!(
        a1.obligations.level(&p, Party::Provider),
        Some(Level::Required)
    );
    let a2 = c.requirement("A-2").unwrap();
    assert_eq!(a2.phase, Phase::Operation);
    assert_eq!(
        a2.category.as_deref(),
        Some("認証要件"),
        "区分 carries down"
    );
    assert_eq!(a2.controls, ["service_report", "sla"], "by id and by name");
    assert!(got.warnings.is_empty());

    // Every problem at once, each at its cell.
    let bad = SIMPLE
        .replace("\t-\t必須\t", "\t任意\t必須\t")
        .replace("運用・保守", "そのうち")
        .replace("SLA（サービスレベル合意）", "なんとか管理");
    let errors = read_criteria_sheet(bad.as_bytes(), &options).unwrap_err();
    let listed: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        listed,
        vec![
            "3行 G列（導入事業者）: 必須/推奨の値「任意」は読めません。必須／推奨／-（対象外）のいずれかを記入してください",
            "4行 B列（段階）: 段階「そのうち」は読めません。選定／導入・構築／運用・保守／更改・廃棄／契約・報告 のいずれかを記入してください",
            "4行 I列（管理策）: 共通管理策「なんとか管理」はありません。`kijun catalog controls` の id か名称を記入してください",
        ]
    );
}

#[test]
fn condition_headings_need_an_expression() {
    let vocab = controls();
    let sheet = "No\t項目\t要求事項\t実施基準・実施例\t必須/推奨\t\t\t\n\
\t\t\t\tSaaS の場合\t\tそれ以外\t\n\
\t\t\t\t導入事業者\t外部サービス提供者\t導入事業者\t外部サービス提供者\n\
選定基準\n\
\t認証\t多要素認証を提供すること\t\t-\t必須\t必須\t-\n";
    let options = CriteriaOptions::new("city-y", "y.tsv", &vocab);
    let errors = read_criteria_sheet(sheet.as_bytes(), &options).unwrap_err();
    let kinds: Vec<(Option<u32>, Option<&str>, &ImportErrorKind)> = errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), &e.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (
                Some(2),
                Some("E"),
                &ImportErrorKind::UnknownCondition {
                    label: "SaaS の場合".into()
                }
            ),
            (
                Some(2),
                Some("G"),
                &ImportErrorKind::UnknownCondition {
                    label: "それ以外".into()
                }
            ),
        ]
    );

    let mut options = CriteriaOptions::new("city-y", "y.tsv", &vocab);
    options.conditions = vec![
        ("SaaS の場合".into(), "service_model == \"saas\"".into()),
        ("それ以外".into(), "not cond_1".into()),
    ];
    let got = read_criteria_sheet(sheet.as_bytes(), &options).unwrap();
    let r = &got.catalog.requirements[0];
    let mut saas = Profile::default();
    saas.set("service_model", Value::Str("saas".into()))
        .unwrap();
    let mut iaas = Profile::default();
    iaas.set("service_model", Value::Str("iaas".into()))
        .unwrap();
    assert_eq!(
        r.obligations.level(&saas, Party::Provider),
        Some(Level::Required)
    );
    assert_eq!(r.obligations.level(&saas, Party::Integrator), None);
    assert_eq!(
        r.obligations.level(&iaas, Party::Integrator),
        Some(Level::Required)
    );
    assert_eq!(r.obligations.level(&iaas, Party::Provider), None);

    // The same expressions from a 条件 sheet of the workbook, located on error.
    let workbook = |second_when: &str| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("基準").unwrap();
        for (r, line) in sheet.lines().enumerate() {
            for (c, v) in line.split('\t').enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
        }
        let cs = wb.add_worksheet();
        cs.set_name("条件").unwrap();
        for (r, (a, b)) in [
            ("見出し", "条件式"),
            ("SaaS の場合", "service_model == \"saas\""),
            ("それ以外", second_when),
        ]
        .iter()
        .enumerate()
        {
            cs.write_string(r as u32, 0, *a).unwrap();
            cs.write_string(r as u32, 1, *b).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let plain = CriteriaOptions::new("city-y", "y.xlsx", &vocab);
    let got = read_criteria_sheet(&workbook("not cond_1"), &plain).unwrap();
    let r = &got.catalog.requirements[0];
    assert_eq!(
        r.obligations.level(&iaas, Party::Integrator),
        Some(Level::Required)
    );
    assert_eq!(
        r.obligations.level(&saas, Party::Provider),
        Some(Level::Required)
    );
    assert_eq!(got.catalog.conditions[1].when, "not cond_1");
    let errors = read_criteria_sheet(&workbook("not cond_9"), &plain).unwrap_err();
    assert_eq!(errors.len(), 1);
    let e = &errors.0[0];
    assert_eq!(
        (e.sheet.as_deref(), e.row, e.column.as_deref()),
        (Some("条件"), Some(3), Some("B"))
    );
    assert!(e.to_string().contains("条件式「not cond_9」"), "{e}");

    options.conditions[0].1 = "service_model == \"paas2\"".into();
    let errors = read_criteria_sheet(sheet.as_bytes(), &options).unwrap_err();
    assert!(
        matches!(&errors.0[0].kind, ImportErrorKind::BadCondition { value, .. } if value == "service_model == \"paas2\""),
        "{errors}"
    );
}

/// A checklist of `n` rows over synthetic requirements.
fn big_doc(n: usize) -> ChecklistDoc {
    let rows = (0..n)
        .map(|i| {
            let party = if i % 2 == 0 {
                Party::Integrator
            } else {
                Party::Provider
            };
            let req = format!("R-{:05}", i / 2);
            ChecklistRow {
                item_id: kijun_exchange::item_id("big", &req, party),
                requirement_id: req.clone(),
                party,
                phase: format!("段階 {}", i / 2000),
                category: Some(format!("区分 {}", i / 200)),
                number: req,
                title: "事業者体制".into(),
                text: format!("当局が指定する要求事項 {} を満たすこと。情報セキュリティ対策の履行状況を確認できること", i / 2),
                examples: "・実施例その一\n・実施例その二".into(),
                levels: PartyLevels {
                    integrator: Some(Level::Required),
                    provider: Some(Level::Recommended),
                },
                answer: Some(Answer {
                    status: Status::Conforms,
                    comment: Some(format!("対応済み {i}")),
                    evidence: vec!["証跡.pdf".into()],
                    reason: None,
                    remediation: None,
                }),
                reviewer_comment: None,
            }
        })
        .collect();
    ChecklistDoc {
        assessment_id: Some("A-big".into()),
        title: "大規模チェックリスト".into(),
        service_name: None,
        parties: Party::ALL.to_vec(),
        sheets: vec![ChecklistSheet {
            catalog_id: "big".into(),
            catalog_title: "大規模".into(),
            rows,
        }],
    }
}

#[test]
fn ten_thousand_rows_export_and_import() {
    let doc = big_doc(10_000);
    let t = Instant::now();
    let xlsx = write_checklist(&doc).unwrap();
    let write = t.elapsed();
    let expectation = ImportExpectation::from_doc(&doc, &Party::ALL);
    let t = Instant::now();
    let answers = read_checklist(&xlsx, &expectation).unwrap();
    let read = t.elapsed();
    eprintln!(
        "10,000 rows: write {write:?}, read {read:?}, {} bytes",
        xlsx.len()
    );
    assert_eq!(answers.len(), 10_000);
    assert_eq!(
        answers[9_999].answer.comment.as_deref(),
        Some("対応済み 9999")
    );
    // The target is for an optimised build on one core.
    if !cfg!(debug_assertions) {
        assert!(write.as_secs_f64() < 1.0, "write took {write:?}");
        assert!(read.as_secs_f64() < 1.0, "read took {read:?}");
    }
}
