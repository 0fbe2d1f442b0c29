//! The checklist writer: lays a [`ChecklistDoc`] out as an .xlsx workbook —
//! one protected, print-ready sheet per catalog in the seed sheet's column
//! order, answer cells unlocked with a drop-down for 回答, the hidden item-id
//! column, and the hidden metadata sheet (format, assessment id, fingerprint)
//! that lets the file come back through [`crate::read_checklist`].

use std::collections::HashSet;

use kijun_core::Answer;
use kijun_core::answer::Status;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, Format, FormatAlign,
    FormatBorder, ProtectionOptions, Workbook, Worksheet,
};
use sha2::{Digest, Sha256};

use crate::error::ExchangeError;
use crate::layout::{self, Columns};
use crate::model::{ChecklistDoc, ChecklistRow, ChecklistSheet};

/// Where a cell sits in a requirement's block of rows (one row per party):
/// the block is drawn as one box.
#[derive(Clone, Copy)]
enum Edge {
    Full,
    Top,
    Middle,
    Bottom,
}

impl Edge {
    fn of(index: usize, len: usize) -> Edge {
        match (index == 0, index + 1 == len) {
            (true, true) => Edge::Full,
            (true, false) => Edge::Top,
            (false, true) => Edge::Bottom,
            (false, false) => Edge::Middle,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn apply(self, f: Format) -> Format {
        let f = f
            .set_border_left(FormatBorder::Thin)
            .set_border_right(FormatBorder::Thin);
        match self {
            Edge::Full => f
                .set_border_top(FormatBorder::Thin)
                .set_border_bottom(FormatBorder::Thin),
            Edge::Top => f.set_border_top(FormatBorder::Thin),
            Edge::Middle => f,
            Edge::Bottom => f.set_border_bottom(FormatBorder::Thin),
        }
    }
}

const EDGES: [Edge; 4] = [Edge::Full, Edge::Top, Edge::Middle, Edge::Bottom];

/// Every format of a checklist, built once per workbook (not per row).
struct Formats {
    title: Format,
    info: Format,
    note: Format,
    header: Format,
    phase: Format,
    category: Format,
    /// Requirement cells (left aligned, wrapped), per [`Edge`].
    text: [Format; 4],
    /// Level cells (centred), per [`Edge`].
    center: [Format; 4],
    check_mark: Format,
    check_other: Format,
    input: Format,
    input_due: Format,
    comment: Format,
    id: Format,
    meta: Format,
}

fn base() -> Format {
    Format::new()
        .set_font_name(layout::FONT)
        .set_font_charset(128)
        .set_font_size(10)
}

impl Formats {
    fn new() -> Formats {
        let thin = |f: Format| f.set_border(FormatBorder::Thin);
        let wrap_top = base().set_text_wrap().set_align(FormatAlign::Top);
        let center = base()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let input_fill = Color::RGB(0xFF_F9_DB);
        Formats {
            title: base().set_font_size(14).set_bold(),
            info: base(),
            note: base().set_text_wrap().set_align(FormatAlign::Top),
            header: thin(
                base()
                    .set_bold()
                    .set_text_wrap()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_background_color(Color::RGB(0xD9_E1_F2)),
            ),
            phase: thin(
                base()
                    .set_bold()
                    .set_font_size(11)
                    .set_background_color(Color::RGB(0xB4_C6_E7)),
            ),
            category: thin(
                base()
                    .set_bold()
                    .set_background_color(Color::RGB(0xE7_EC_F6)),
            ),
            text: EDGES.map(|e| e.apply(wrap_top.clone())),
            center: EDGES.map(|e| e.apply(center.clone())),
            check_mark: thin(center.clone().set_bold()),
            check_other: thin(center.clone().set_background_color(Color::RGB(0xF2_F2_F2))),
            input: thin(
                wrap_top
                    .clone()
                    .set_unlocked()
                    .set_background_color(input_fill),
            ),
            input_due: thin(
                base()
                    .set_align(FormatAlign::Top)
                    .set_num_format("yyyy-mm-dd")
                    .set_unlocked()
                    .set_background_color(input_fill),
            ),
            comment: thin(wrap_top.set_background_color(Color::RGB(0xF2_F2_F2))),
            id: base().set_font_size(8),
            meta: base(),
        }
    }
}

/// Writes `doc` as an .xlsx workbook.
pub fn write_checklist(doc: &ChecklistDoc) -> Result<Vec<u8>, ExchangeError> {
    check(doc)?;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    workbook.set_default_format(
        &Format::new()
            .set_font_name(layout::FONT)
            .set_font_size(11)
            .set_font_charset(128),
        18,
        72,
    )?;
    workbook.set_properties(&DocProperties::new().set_title(doc.title.as_str()));

    let names = sheet_names(doc);
    for (sheet, name) in doc.sheets.iter().zip(&names) {
        let ws = workbook.add_worksheet();
        ws.set_name(name.as_str())?;
        write_sheet(ws, doc, sheet, &formats)?;
    }

    let meta = workbook.add_worksheet();
    meta.set_name(layout::META_SHEET)?;
    let mut entries: Vec<(&str, String, Option<String>)> = vec![
        (layout::KEY_FORMAT, layout::FORMAT.to_owned(), None),
        (
            layout::KEY_ASSESSMENT,
            doc.assessment_id.clone().unwrap_or_default(),
            None,
        ),
        (layout::KEY_FINGERPRINT, fingerprint(doc), None),
        (layout::KEY_TITLE, doc.title.clone(), None),
        (
            layout::KEY_PARTIES,
            doc.parties
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
            None,
        ),
    ];
    for (sheet, name) in doc.sheets.iter().zip(&names) {
        entries.push((
            layout::KEY_SHEET,
            name.clone(),
            Some(sheet.catalog_id.clone()),
        ));
    }
    for (i, (key, value, extra)) in entries.iter().enumerate() {
        let row = i as u32;
        meta.write_string_with_format(row, 0, *key, &formats.meta)?;
        meta.write_string_with_format(row, 1, value.as_str(), &formats.meta)?;
        if let Some(extra) = extra {
            meta.write_string_with_format(row, 2, extra.as_str(), &formats.meta)?;
        }
    }
    meta.set_column_width(0, 16)?;
    meta.set_column_width(1, 40)?;
    meta.set_hidden(true);
    meta.protect();

    Ok(workbook.save_to_buffer()?)
}

/// Refuses a document the reader could not take back.
fn check(doc: &ChecklistDoc) -> Result<(), ExchangeError> {
    if doc.parties.is_empty() {
        return Err(ExchangeError::NoParties);
    }
    for (i, p) in doc.parties.iter().enumerate() {
        if doc.parties[..i].contains(p) {
            return Err(ExchangeError::DuplicateParty(*p));
        }
    }
    if doc.sheets.is_empty() {
        return Err(ExchangeError::NoSheets);
    }
    let mut seen = HashSet::new();
    for sheet in &doc.sheets {
        for (index, row) in sheet.rows.iter().enumerate() {
            if row.item_id.trim().is_empty() {
                return Err(ExchangeError::EmptyItemId {
                    sheet: sheet.catalog_id.clone(),
                    index: index + 1,
                });
            }
            if !doc.parties.contains(&row.party) {
                return Err(ExchangeError::PartyNotIncluded {
                    item_id: row.item_id.clone(),
                    party: row.party,
                });
            }
            if !seen.insert(row.item_id.as_str()) {
                return Err(ExchangeError::DuplicateItemId(row.item_id.clone()));
            }
        }
    }
    Ok(())
}

/// Sheet names: the catalog id, made valid for Excel (31 characters, no
/// `[]:*?/\`) and unique, never the metadata sheet's name.
fn sheet_names(doc: &ChecklistDoc) -> Vec<String> {
    let mut used: Vec<String> = vec![layout::META_SHEET.to_lowercase()];
    let mut names = Vec::new();
    for sheet in &doc.sheets {
        let clean: String = sheet
            .catalog_id
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let clean = clean.trim_matches('\'').to_owned();
        let clean = if clean.is_empty() {
            "checklist".to_owned()
        } else {
            clean
        };
        let mut candidate: String = clean.chars().take(31).collect();
        let mut n = 2;
        while used.contains(&candidate.to_lowercase()) {
            let suffix = format!(" ({n})");
            candidate = clean.chars().take(31 - suffix.chars().count()).collect();
            candidate.push_str(&suffix);
            n += 1;
        }
        used.push(candidate.to_lowercase());
        names.push(candidate);
    }
    names
}

/// SHA-256 over what the file asks: assessment, parties, and each item's
/// id, text and levels. Identical documents give identical fingerprints.
pub fn fingerprint(doc: &ChecklistDoc) -> String {
    let mut h = Sha256::new();
    h.update(layout::FORMAT.as_bytes());
    h.update(b"\n");
    h.update(doc.assessment_id.as_deref().unwrap_or("").as_bytes());
    for p in &doc.parties {
        h.update(b"\x1f");
        h.update(p.as_str().as_bytes());
    }
    for sheet in &doc.sheets {
        h.update(b"\x1e");
        h.update(sheet.catalog_id.as_bytes());
        for r in &sheet.rows {
            h.update(b"\x1d");
            for field in [
                r.item_id.as_str(),
                r.text.as_str(),
                level_label(r.levels.integrator),
                level_label(r.levels.provider),
            ] {
                h.update(field.as_bytes());
                h.update(b"\x1f");
            }
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn level_label(level: Option<kijun_core::Level>) -> &'static str {
    level.map_or(layout::NOT_ASKED, |l| l.label())
}

/// 説明: the reason of a 該当なし answer (then its comment), else the comment.
pub(crate) fn explanation(answer: &Answer) -> String {
    let parts: Vec<&str> = if answer.status == Status::NotApplicable {
        [answer.reason.as_deref(), answer.comment.as_deref()]
            .into_iter()
            .flatten()
            .collect()
    } else {
        answer.comment.as_deref().into_iter().collect()
    };
    parts.join("\n")
}

fn write_sheet(
    ws: &mut Worksheet,
    doc: &ChecklistDoc,
    sheet: &ChecklistSheet,
    f: &Formats,
) -> Result<(), ExchangeError> {
    let cols = Columns::new(&doc.parties);
    let last = cols.last_visible();
    for (col, width) in cols.widths() {
        ws.set_column_width(col, width)?;
    }
    ws.set_column_hidden(cols.id)?;

    // Title block.
    ws.merge_range(
        layout::TITLE_ROW,
        0,
        layout::TITLE_ROW,
        last,
        &doc.title,
        &f.title,
    )?;
    ws.set_row_height(layout::TITLE_ROW, 22)?;
    let mut info = Vec::new();
    if let Some(s) = &doc.service_name {
        info.push(format!("対象サービス: {s}"));
    }
    info.push(format!(
        "基準: {}（{}）",
        sheet.catalog_title, sheet.catalog_id
    ));
    if let Some(a) = &doc.assessment_id {
        info.push(format!("審査 ID: {a}"));
    }
    let answerers: Vec<&str> = doc.parties.iter().map(|p| p.label()).collect();
    info.push(format!("回答者: {}", answerers.join("・")));
    ws.merge_range(
        layout::INFO_ROW,
        0,
        layout::INFO_ROW,
        last,
        &info.join("　／　"),
        &f.info,
    )?;
    ws.merge_range(
        layout::NOTE_ROW,
        0,
        layout::NOTE_ROW,
        last,
        "黄色の欄（回答・説明・根拠資料・是正計画・期限）に記入してください。回答は一覧から選びます。\
         「該当なし」は説明欄に理由が必要です。「一部適合」で是正の予定があるときは是正計画と期限（例: 2027-03-31）を記入してください。\
         根拠資料は1行に1件書いてください。行の追加・削除や要求事項の編集はしないでください。",
        &f.note,
    )?;
    ws.set_row_height(layout::NOTE_ROW, 40)?;

    // Header rows: single columns span both rows, groups have one sub-heading per party.
    let (h, s) = (layout::HEADER_ROW, layout::SUBHEADER_ROW);
    for (col, heading) in [
        (cols.no, layout::H_NO),
        (cols.title, layout::H_TITLE),
        (cols.text, layout::H_TEXT),
        (cols.examples, layout::H_EXAMPLES),
        (cols.status, layout::H_STATUS),
        (cols.explanation, layout::H_EXPLANATION),
        (cols.evidence, layout::H_EVIDENCE),
        (cols.plan, layout::H_PLAN),
        (cols.due, layout::H_DUE),
        (cols.comment, layout::H_COMMENT),
        (cols.id, layout::H_ID),
    ] {
        ws.merge_range(h, col, s, col, heading, &f.header)?;
    }
    let n = doc.parties.len() as u16;
    for (first, heading) in [
        (cols.levels, layout::H_LEVELS),
        (cols.checks, layout::H_CHECK),
    ] {
        if n > 1 {
            ws.merge_range(h, first, h, first + n - 1, heading, &f.header)?;
        } else {
            ws.write_string_with_format(h, first, heading, &f.header)?;
        }
        for (i, p) in doc.parties.iter().enumerate() {
            ws.write_string_with_format(s, first + i as u16, layout::party_heading(*p), &f.header)?;
        }
    }
    ws.set_row_height(s, 40)?;

    // Rows: group headings, then one block per requirement.
    let mut row = layout::FIRST_DATA_ROW;
    let mut phase: Option<&str> = None;
    let mut category: Option<&str> = None;
    let rows = &sheet.rows;
    let mut i = 0;
    while i < rows.len() {
        let first = &rows[i];
        if phase != Some(first.phase.as_str()) {
            ws.merge_range(row, 0, row, last, &first.phase, &f.phase)?;
            row += 1;
            phase = Some(first.phase.as_str());
            category = None;
        }
        if let Some(c) = first.category.as_deref()
            && category != Some(c)
        {
            ws.merge_range(row, 0, row, last, c, &f.category)?;
            row += 1;
            category = Some(c);
        }
        let mut end = i + 1;
        while end < rows.len() && same_block(first, &rows[end]) {
            end += 1;
        }
        let block = &rows[i..end];
        for (k, r) in block.iter().enumerate() {
            write_row(ws, &cols, f, row, r, k, block.len())?;
            row += 1;
        }
        i = end;
    }

    if row > layout::FIRST_DATA_ROW {
        let last_row = row - 1;
        let status = DataValidation::new()
            .allow_list_strings(&[
                Status::Conforms.label(),
                Status::Partial.label(),
                Status::DoesNotConform.label(),
                Status::NotApplicable.label(),
            ])?
            .set_input_title("回答")?
            .set_input_message("適合／一部適合／不適合／該当なし から選んでください")?
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_error_title("回答")?
            .set_error_message("一覧の 適合／一部適合／不適合／該当なし から選んでください")?;
        ws.add_data_validation(
            layout::FIRST_DATA_ROW,
            cols.status,
            last_row,
            cols.status,
            &status,
        )?;
        let reason = DataValidation::new()
            .allow_any_value()
            .set_input_title("説明")?
            .set_input_message("「該当なし」の場合は該当しない理由を必ず記入してください")?;
        ws.add_data_validation(
            layout::FIRST_DATA_ROW,
            cols.explanation,
            last_row,
            cols.explanation,
            &reason,
        )?;
        let due = DataValidation::new()
            .allow_any_value()
            .set_input_title("期限")?
            .set_input_message("是正の完了予定日を 2027-03-31 の形式で記入してください")?;
        ws.add_data_validation(layout::FIRST_DATA_ROW, cols.due, last_row, cols.due, &due)?;
    }

    ws.set_freeze_panes(layout::FIRST_DATA_ROW, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(layout::HEADER_ROW, layout::SUBHEADER_ROW)?;
    ws.set_header(format!("&L{}&R&A", doc.title.replace('&', "&&")));
    ws.set_footer("&C&P / &N");
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    Ok(())
}

/// Whether `b` continues the block of `a`: the same requirement shown the
/// same way (then only the party cells of `b` are written).
fn same_block(a: &ChecklistRow, b: &ChecklistRow) -> bool {
    a.requirement_id == b.requirement_id
        && a.phase == b.phase
        && a.category == b.category
        && a.number == b.number
        && a.title == b.title
        && a.text == b.text
        && a.examples == b.examples
        && a.levels == b.levels
}

fn write_row(
    ws: &mut Worksheet,
    cols: &Columns,
    f: &Formats,
    row: u32,
    r: &ChecklistRow,
    index: usize,
    len: usize,
) -> Result<(), ExchangeError> {
    let edge = Edge::of(index, len).index();
    let (text, center) = (&f.text[edge], &f.center[edge]);
    if index == 0 {
        ws.write_string_with_format(row, cols.no, &r.number, text)?;
        ws.write_string_with_format(row, cols.title, &r.title, text)?;
        ws.write_string_with_format(row, cols.text, &r.text, text)?;
        ws.write_string_with_format(row, cols.examples, &r.examples, text)?;
        for (i, p) in cols.parties.iter().enumerate() {
            ws.write_string_with_format(
                row,
                cols.levels + i as u16,
                level_label(r.levels.get(*p)),
                center,
            )?;
        }
    } else {
        for col in [cols.no, cols.title, cols.text, cols.examples] {
            ws.write_blank(row, col, text)?;
        }
        for i in 0..cols.parties.len() as u16 {
            ws.write_blank(row, cols.levels + i, center)?;
        }
    }
    for (i, p) in cols.parties.iter().enumerate() {
        let col = cols.checks + i as u16;
        if *p == r.party {
            ws.write_string_with_format(row, col, layout::CHECK_MARK, &f.check_mark)?;
        } else {
            ws.write_blank(row, col, &f.check_other)?;
        }
    }

    match &r.answer {
        Some(a) => {
            ws.write_string_with_format(row, cols.status, a.status.label(), &f.input)?;
            write_text_or_blank(ws, row, cols.explanation, &explanation(a), &f.input)?;
            write_text_or_blank(ws, row, cols.evidence, &a.evidence.join("\n"), &f.input)?;
            match &a.remediation {
                Some(rem) => {
                    write_text_or_blank(ws, row, cols.plan, &rem.plan, &f.input)?;
                    ws.write_number_with_format(
                        row,
                        cols.due,
                        crate::grid::excel_serial(rem.due),
                        &f.input_due,
                    )?;
                }
                None => {
                    ws.write_blank(row, cols.plan, &f.input)?;
                    ws.write_blank(row, cols.due, &f.input_due)?;
                }
            }
        }
        None => {
            for col in [cols.status, cols.explanation, cols.evidence, cols.plan] {
                ws.write_blank(row, col, &f.input)?;
            }
            ws.write_blank(row, cols.due, &f.input_due)?;
        }
    }
    write_text_or_blank(
        ws,
        row,
        cols.comment,
        r.reviewer_comment.as_deref().unwrap_or(""),
        &f.comment,
    )?;
    ws.write_string_with_format(row, cols.id, &r.item_id, &f.id)?;
    Ok(())
}

fn write_text_or_blank(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
) -> Result<(), ExchangeError> {
    if text.is_empty() {
        ws.write_blank(row, col, format)?;
    } else {
        ws.write_string_with_format(row, col, text, format)?;
    }
    Ok(())
}
