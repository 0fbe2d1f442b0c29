//! The printable checklist (チェックリスト): every applicable requirement of
//! one catalog for one service, grouped by phase (a section each) and by
//! category (a shaded row), with the level, answer and state per party, the
//! vendor's explanation and the reviewer's comment. A4 landscape. Neutral
//! input, turned into a [`Document`] for either backend.

use jiff::ZonedDateTime;

use crate::date::ja_zoned;
use crate::document::{Align, Column, Document, Orientation, Table};
use crate::{AnswerStatus, Level};

/// One party's side of a checklist row.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyCell {
    pub level: Level,
    pub answer: AnswerStatus,
    /// The item's state in the review (提出済, 確認済, 差戻し, …).
    pub state: String,
}

/// One requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistRow {
    pub no: String,
    /// 項目
    pub item: String,
    /// 要求事項
    pub requirement: String,
    /// 実施基準・実施例
    pub examples: String,
    /// `None`: the requirement does not bind the integrator (－).
    pub integrator: Option<PartyCell>,
    /// `None`: the requirement does not bind the provider (－).
    pub provider: Option<PartyCell>,
    /// The vendors' explanation (回答の説明).
    pub explanation: String,
    /// The reviewer's comment.
    pub reviewer_comment: String,
}

/// The rows of one category (分類).
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistCategory {
    pub label: String,
    pub rows: Vec<ChecklistRow>,
}

/// The categories of one phase (選定, 導入・構築, …).
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistPhase {
    pub label: String,
    pub categories: Vec<ChecklistCategory>,
}

/// Everything the printable checklist shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistReport {
    pub tenant: String,
    pub service_name: String,
    pub catalog_id: String,
    pub catalog_title: String,
    pub phases: Vec<ChecklistPhase>,
    pub generated_at: ZonedDateTime,
}

/// The report title.
pub const TITLE: &str = "外部サービス チェックリスト";

fn party_cell(cell: &Option<PartyCell>) -> String {
    match cell {
        None => "－".to_owned(),
        Some(c) if c.state.is_empty() => format!("{}\n{}", c.level.label(), c.answer.label()),
        Some(c) => format!("{}\n{}\n（{}）", c.level.label(), c.answer.label(), c.state),
    }
}

/// Builds the printable checklist (A4 landscape).
pub fn checklist_report(report: &ChecklistReport) -> Document {
    let mut doc = Document::new(TITLE, report.generated_at.clone());
    doc.orientation = Orientation::Landscape;
    doc.author = Some(report.tenant.clone());
    doc.meta = vec![
        format!("{}　{}", report.tenant, report.service_name),
        format!("{}（{}）", report.catalog_title, report.catalog_id),
        format!("作成日時　{}", ja_zoned(&report.generated_at)),
    ];
    doc.footer = format!("{TITLE}　{}　{}", report.service_name, report.catalog_id);
    if report.phases.iter().all(|p| p.categories.is_empty()) {
        doc.paragraph("適用される要求事項はありません。");
    }
    for phase in &report.phases {
        if phase.categories.is_empty() {
            continue;
        }
        doc.heading(1, &phase.label);
        let mut table = Table::new(
            phase.label.clone(),
            vec![
                Column::new("No", 0.7).align(Align::Center),
                Column::new("項目", 1.6),
                Column::new("要求事項", 4.0),
                Column::new("実施基準・実施例", 4.0),
                Column::new("導入事業者", 1.4).align(Align::Center),
                Column::new("外部サービス提供者", 1.4).align(Align::Center),
                Column::new("説明", 3.0),
                Column::new("確認コメント", 2.4),
            ],
        );
        for category in &phase.categories {
            table.group(&category.label);
            for row in &category.rows {
                table.row([
                    row.no.clone(),
                    row.item.clone(),
                    row.requirement.clone(),
                    row.examples.clone(),
                    party_cell(&row.integrator),
                    party_cell(&row.provider),
                    row.explanation.clone(),
                    row.reviewer_comment.clone(),
                ]);
            }
        }
        doc.table(table);
    }
    doc
}
