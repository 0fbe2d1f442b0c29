//! The checklist reader: takes a filled-in checklist back. Rows are matched
//! by the hidden item id against an [`ImportExpectation`] (the items of the
//! assessment, their texts, and which parties the uploader may answer);
//! every row is checked and every problem is reported at once with its sheet,
//! row, column and value. Empty answer rows are not answered and skipped.

use std::collections::HashMap;

use kijun_core::answer::Status;
use kijun_core::service::RecordDate;
use kijun_core::workflow::{AnswerError, AnswerInput};
use kijun_core::{Answer, Party};

use crate::error::{ImportError, ImportErrorKind, ImportErrors, shorten};
use crate::grid::{self, Book, Grid};
use crate::layout;
use crate::model::ChecklistDoc;

/// One item the importer expects to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedItem {
    /// The id in the hidden column.
    pub item_id: String,
    pub catalog_id: String,
    pub requirement_id: String,
    pub party: Party,
    /// 要求事項 as exported; a row whose text differs is refused.
    pub text: String,
    /// The answer as exported, if any. A row of a party the uploader may not
    /// answer is accepted (and ignored) while it still shows exactly this.
    pub answer: Option<Answer>,
}

/// What an uploaded checklist must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportExpectation {
    /// The assessment the file must belong to (`None`: an offline checklist).
    pub assessment_id: Option<String>,
    /// The parties whose rows the uploader may answer (a vendor: its own).
    pub may_answer: Vec<Party>,
    pub items: Vec<ExpectedItem>,
}

impl ImportExpectation {
    /// The expectation matching a document as it was (or would be) exported.
    pub fn from_doc(doc: &ChecklistDoc, may_answer: &[Party]) -> ImportExpectation {
        ImportExpectation {
            assessment_id: doc.assessment_id.clone(),
            may_answer: may_answer.to_vec(),
            items: doc
                .rows()
                .map(|(sheet, r)| ExpectedItem {
                    item_id: r.item_id.clone(),
                    catalog_id: sheet.catalog_id.clone(),
                    requirement_id: r.requirement_id.clone(),
                    party: r.party,
                    text: r.text.clone(),
                    answer: r.answer.clone(),
                })
                .collect(),
        }
    }
}

/// One answer read from the file, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedAnswer {
    pub item_id: String,
    pub catalog_id: String,
    pub requirement_id: String,
    pub party: Party,
    /// Where it was read (sheet name, row as Excel numbers it).
    pub sheet: String,
    pub row: u32,
    pub answer: Answer,
}

/// A data sheet listed in the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaSheet {
    pub name: String,
    pub catalog_id: String,
}

/// What the hidden metadata sheet says about a checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistMeta {
    pub format: String,
    pub assessment_id: Option<String>,
    /// See [`crate::fingerprint`].
    pub fingerprint: String,
    pub title: String,
    pub parties: Vec<Party>,
    pub sheets: Vec<MetaSheet>,
}

/// Reads only the metadata of a checklist (which assessment, which catalogs).
pub fn read_checklist_meta(bytes: &[u8]) -> Result<ChecklistMeta, ImportErrors> {
    let mut book = grid::open(bytes)?;
    meta_of(&mut book)
}

fn meta_of(book: &mut Book<'_>) -> Result<ChecklistMeta, ImportErrors> {
    use calamine::Reader;
    let not_checklist = || {
        ImportErrors::one(ImportError::file(ImportErrorKind::NotAChecklist {
            meta_sheet: layout::META_SHEET.to_owned(),
        }))
    };
    if !book.sheet_names().iter().any(|n| n == layout::META_SHEET) {
        return Err(not_checklist());
    }
    let g = grid::sheet(book, layout::META_SHEET)?;
    let mut meta = ChecklistMeta {
        format: String::new(),
        assessment_id: None,
        fingerprint: String::new(),
        title: String::new(),
        parties: Vec::new(),
        sheets: Vec::new(),
    };
    for r in 0..g.height() {
        let value = g.get(r, 1).to_owned();
        match g.get(r, 0) {
            layout::KEY_FORMAT => meta.format = value,
            layout::KEY_ASSESSMENT => meta.assessment_id = Some(value).filter(|v| !v.is_empty()),
            layout::KEY_FINGERPRINT => meta.fingerprint = value,
            layout::KEY_TITLE => meta.title = value,
            layout::KEY_PARTIES => {
                meta.parties = value
                    .split(',')
                    .filter_map(|p| Party::ALL.into_iter().find(|x| x.as_str() == p.trim()))
                    .collect();
            }
            layout::KEY_SHEET => meta.sheets.push(MetaSheet {
                name: value,
                catalog_id: g.get(r, 2).to_owned(),
            }),
            _ => {}
        }
    }
    if meta.format.is_empty() {
        return Err(not_checklist());
    }
    if meta.format != layout::FORMAT {
        return Err(ImportErrors::one(ImportError::file(
            ImportErrorKind::UnsupportedFormat { found: meta.format },
        )));
    }
    Ok(meta)
}

/// The status written in a 回答 cell (the Japanese label, or kijun's code).
pub fn parse_status(text: &str) -> Option<Status> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    [
        Status::Conforms,
        Status::Partial,
        Status::DoesNotConform,
        Status::NotApplicable,
    ]
    .into_iter()
    .find(|s| s.label() == t || s.as_str() == t)
}

/// The answer cells (回答, 説明, 根拠資料, 是正計画, 期限) as the writer fills them.
fn exported_cells(answer: Option<&Answer>) -> [String; 5] {
    match answer {
        None => Default::default(),
        Some(a) => [
            a.status.label().to_owned(),
            normalize(&crate::write::explanation(a)),
            normalize(&a.evidence.join("\n")),
            a.remediation
                .as_ref()
                .map_or_else(String::new, |r| normalize(&r.plan)),
            a.remediation
                .as_ref()
                .map_or_else(String::new, |r| r.due.to_string()),
        ],
    }
}

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// Column positions found from the header row of a data sheet.
struct Found {
    header_row: u32,
    text: u32,
    status: u32,
    explanation: u32,
    evidence: u32,
    plan: u32,
    due: u32,
    id: u32,
}

fn find_columns(g: &Grid, errors: &mut Vec<ImportError>) -> Option<Found> {
    let sheet = g.sheet();
    let header_row = (0..g.height().min(40)).find(|&r| {
        let row = g.row(r);
        row.iter().any(|c| c.trim() == layout::H_ID)
            && row.iter().any(|c| c.trim() == layout::H_STATUS)
    });
    let Some(header_row) = header_row else {
        let mut e = ImportError::file(ImportErrorKind::MissingColumn {
            heading: format!("{}・{}", layout::H_STATUS, layout::H_ID),
        });
        e.sheet = sheet.map(str::to_owned);
        errors.push(e);
        return None;
    };
    let row = g.row(header_row);
    let mut missing = false;
    let mut col = |heading: &str| -> u32 {
        match row.iter().position(|c| c.trim() == heading) {
            Some(c) => c as u32,
            None => {
                missing = true;
                errors.push(ImportError::at(
                    sheet,
                    header_row,
                    None,
                    None,
                    None,
                    ImportErrorKind::MissingColumn {
                        heading: heading.to_owned(),
                    },
                ));
                0
            }
        }
    };
    let found = Found {
        header_row,
        text: col(layout::H_TEXT),
        status: col(layout::H_STATUS),
        explanation: col(layout::H_EXPLANATION),
        evidence: col(layout::H_EVIDENCE),
        plan: col(layout::H_PLAN),
        due: col(layout::H_DUE),
        id: col(layout::H_ID),
    };
    (!missing).then_some(found)
}

/// Reads the answers of a filled-in checklist. Every row is checked; on any
/// problem the result is every problem (in sheet and row order) and no
/// answers, so a caller stores all of a file or nothing. The answers come in
/// sheet and row order: the same file always gives the same list.
pub fn read_checklist(
    bytes: &[u8],
    expectation: &ImportExpectation,
) -> Result<Vec<ImportedAnswer>, ImportErrors> {
    use calamine::Reader;
    let mut book = grid::open(bytes)?;
    let meta = meta_of(&mut book)?;
    let expected_id = expectation.assessment_id.as_deref().unwrap_or("");
    let found_id = meta.assessment_id.as_deref().unwrap_or("");
    if expected_id != found_id {
        let none = "（なし: オフラインで出力したもの）";
        return Err(ImportErrors::one(ImportError::file(
            ImportErrorKind::AssessmentMismatch {
                expected: if expected_id.is_empty() {
                    none
                } else {
                    expected_id
                }
                .to_owned(),
                found: if found_id.is_empty() { none } else { found_id }.to_owned(),
            },
        )));
    }

    let expected: HashMap<&str, &ExpectedItem> = expectation
        .items
        .iter()
        .map(|i| (i.item_id.as_str(), i))
        .collect();
    let names = book.sheet_names();
    let mut seen: HashMap<String, (String, u32)> = HashMap::new();
    let mut errors = Vec::new();
    let mut answers = Vec::new();
    for ms in &meta.sheets {
        if !names.contains(&ms.name) {
            errors.push(ImportError::file(ImportErrorKind::MissingSheet {
                sheet: ms.name.clone(),
            }));
            continue;
        }
        let g = match grid::sheet(&mut book, &ms.name) {
            Ok(g) => g,
            Err(e) => {
                errors.extend(e.0);
                continue;
            }
        };
        let Some(cols) = find_columns(&g, &mut errors) else {
            continue;
        };
        read_sheet(
            &g,
            &cols,
            &expected,
            expectation,
            &mut seen,
            &mut errors,
            &mut answers,
        );
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(ImportErrors(errors))
    }
}

fn read_sheet(
    g: &Grid,
    cols: &Found,
    expected: &HashMap<&str, &ExpectedItem>,
    expectation: &ImportExpectation,
    seen: &mut HashMap<String, (String, u32)>,
    errors: &mut Vec<ImportError>,
    answers: &mut Vec<ImportedAnswer>,
) {
    let sheet = g.sheet().unwrap_or("");
    let at = |row: u32, col: u32, heading: &str, value: &str, kind: ImportErrorKind| {
        ImportError::at(
            Some(sheet),
            row,
            Some(col),
            Some(heading),
            (!value.is_empty()).then_some(value),
            kind,
        )
    };
    // The requirement text of the current block and the row it stands on.
    let mut block: Option<(u32, &str)> = None;
    let mut text_reported: Vec<u32> = Vec::new();
    for r in cols.header_row + 1..g.height() {
        let id = g.get(r, cols.id).trim();
        let status_raw = g.get(r, cols.status).trim();
        let explanation = normalize(g.get(r, cols.explanation));
        let evidence_raw = g.get(r, cols.evidence);
        let plan = normalize(g.get(r, cols.plan));
        let due_raw = g.get(r, cols.due).trim();
        let has_content = !status_raw.is_empty()
            || !explanation.is_empty()
            || !evidence_raw.trim().is_empty()
            || !plan.is_empty()
            || !due_raw.is_empty();
        let text_cell = g.get(r, cols.text);
        if id.is_empty() {
            block = None;
            if has_content {
                errors.push(at(
                    r,
                    cols.status,
                    layout::H_STATUS,
                    status_raw,
                    ImportErrorKind::MissingItemId,
                ));
            }
            continue;
        }
        if !text_cell.trim().is_empty() {
            block = Some((r, text_cell));
        }
        let Some(item) = expected.get(id) else {
            errors.push(at(
                r,
                cols.id,
                layout::H_ID,
                id,
                ImportErrorKind::UnknownItem {
                    item_id: id.to_owned(),
                },
            ));
            continue;
        };
        if let Some((first_sheet, first_row)) = seen.get(id) {
            errors.push(at(
                r,
                cols.id,
                layout::H_ID,
                id,
                ImportErrorKind::DuplicateItem {
                    item_id: id.to_owned(),
                    first: format!("シート「{first_sheet}」 {first_row}行"),
                },
            ));
            continue;
        }
        seen.insert(id.to_owned(), (sheet.to_owned(), r + 1));
        let (text_row, found_text) = block.unwrap_or((r, ""));
        let mut row_ok = true;
        if normalize(found_text) != normalize(&item.text) {
            row_ok = false;
            if !text_reported.contains(&text_row) {
                text_reported.push(text_row);
                errors.push(at(
                    text_row,
                    cols.text,
                    layout::H_TEXT,
                    found_text,
                    ImportErrorKind::TextChanged {
                        expected: shorten(&item.text),
                    },
                ));
            }
        }
        if !has_content {
            continue;
        }
        if !expectation.may_answer.contains(&item.party) {
            let found = [
                status_raw.to_owned(),
                explanation.clone(),
                normalize(evidence_raw),
                plan.clone(),
                grid::parse_date(due_raw).map_or_else(|| due_raw.to_owned(), |d| d.to_string()),
            ];
            if found == exported_cells(item.answer.as_ref()) {
                continue;
            }
            let allowed: Vec<&str> = expectation.may_answer.iter().map(|p| p.label()).collect();
            errors.push(at(
                r,
                cols.status,
                layout::H_STATUS,
                status_raw,
                ImportErrorKind::PartyNotAllowed {
                    party: item.party.label().to_owned(),
                    allowed: if allowed.is_empty() {
                        "（なし）".to_owned()
                    } else {
                        allowed.join("・")
                    },
                },
            ));
            continue;
        }
        let status = if status_raw.is_empty() {
            errors.push(at(
                r,
                cols.status,
                layout::H_STATUS,
                "",
                ImportErrorKind::MissingStatus,
            ));
            None
        } else {
            let s = parse_status(status_raw);
            if s.is_none() {
                errors.push(at(
                    r,
                    cols.status,
                    layout::H_STATUS,
                    status_raw,
                    ImportErrorKind::UnknownStatus {
                        value: status_raw.to_owned(),
                    },
                ));
            }
            s
        };
        if status == Some(Status::NotApplicable) && explanation.is_empty() {
            errors.push(at(
                r,
                cols.explanation,
                layout::H_EXPLANATION,
                "",
                ImportErrorKind::MissingReason,
            ));
            row_ok = false;
        }
        let due = if due_raw.is_empty() {
            None
        } else {
            let d = grid::parse_date(due_raw);
            if d.is_none() {
                errors.push(at(
                    r,
                    cols.due,
                    layout::H_DUE,
                    due_raw,
                    ImportErrorKind::BadDate {
                        value: due_raw.to_owned(),
                    },
                ));
                row_ok = false;
            }
            d
        };
        if plan.is_empty() != due_raw.is_empty() {
            let (col, heading) = if plan.is_empty() {
                (cols.plan, layout::H_PLAN)
            } else {
                (cols.due, layout::H_DUE)
            };
            errors.push(at(
                r,
                col,
                heading,
                "",
                ImportErrorKind::IncompleteRemediation,
            ));
            row_ok = false;
        }
        let Some(status) = status else {
            continue;
        };
        if !row_ok {
            continue;
        }
        let not_applicable = status == Status::NotApplicable;
        let explanation = (!explanation.is_empty()).then_some(explanation);
        let input = AnswerInput {
            status: Some(status),
            comment: if not_applicable {
                None
            } else {
                explanation.clone()
            },
            evidence: evidence_raw.lines().map(str::to_owned).collect(),
            reason: if not_applicable { explanation } else { None },
            plan: (!plan.is_empty()).then_some(plan),
            due: due.map(RecordDate),
        };
        match input.check() {
            Ok(answer) => answers.push(ImportedAnswer {
                item_id: item.item_id.clone(),
                catalog_id: item.catalog_id.clone(),
                requirement_id: item.requirement_id.clone(),
                party: item.party,
                sheet: sheet.to_owned(),
                row: r + 1,
                answer,
            }),
            Err(e) => errors.push(at(
                r,
                cols.status,
                layout::H_STATUS,
                status_raw,
                match e {
                    AnswerError::MissingStatus => ImportErrorKind::MissingStatus,
                    AnswerError::MissingReason => ImportErrorKind::MissingReason,
                    AnswerError::IncompleteRemediation => ImportErrorKind::IncompleteRemediation,
                },
            )),
        }
    }
}
