//! kijun-report: printable reports, pure data in and bytes or text out.
//!
//! Where things live:
//! - [`document`]: the neutral document model every report is built from
//!   (title, metadata lines, headings, paragraphs, key-value blocks, tables
//!   whose header rows repeat on every page, page breaks with orientation).
//! - [`html`]: the HTML backend — one self-contained page with print CSS.
//! - [`pdf`]: the PDF backend — A4 layout with the embedded IPAex Gothic
//!   font (subset, with a ToUnicode map), line wrapping, page numbers.
//! - [`wrap`]: Japanese line breaking (break between CJK characters, keep
//!   Latin words whole, rough kinsoku shori).
//! - [`assessment`]: the assessment result report (審査結果報告書).
//! - [`checklist`]: the printable checklist (チェックリスト).
//! - [`monthly`]: the monthly service report (サービス実績報告書).
//! - [`date`]: Japanese date forms (`2026年5月1日`).
//! - `sample` (feature `sample`, and in tests): sample reports.
//!
//! Nothing here reads the clock, a file or the network: dates are given, the
//! font is compiled in.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod assessment;
pub mod checklist;
pub mod date;
pub mod document;
mod font;
pub mod html;
mod layout;
pub mod monthly;
pub mod pdf;
#[cfg(any(test, feature = "sample"))]
pub mod sample;
pub mod wrap;

pub use assessment::{
    AssessmentReport, CatalogResult, ConditionRow, GapRow, ItemCounts, Verdict, assessment_report,
};
pub use checklist::{
    ChecklistCategory, ChecklistPhase, ChecklistReport, ChecklistRow, PartyCell, checklist_report,
};
pub use document::{Align, Block, Column, Document, Orientation, Row, Table};
pub use html::render_html;
pub use monthly::{
    FigureMismatch, Improvement, IncidentRow, InquiryRow, IssueRow, MonthlyReport, OutageRow,
    PlanRow, SlaFigure, SlaOutcome, monthly_report,
};
pub use pdf::{PdfOptions, render_pdf, render_pdf_with};

/// What can go wrong while rendering a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The embedded font could not be read (a build defect, not user data).
    #[error("埋め込みフォントを読み込めません")]
    Font,
    /// A table row has a different number of cells than the table has columns.
    #[error("表「{table}」の {row} 行目のセル数 {cells} が列数 {columns} と一致しません")]
    TableShape {
        table: String,
        row: usize,
        cells: usize,
        columns: usize,
    },
    /// A table has no columns.
    #[error("表「{table}」に列がありません")]
    NoColumns { table: String },
    /// The PDF writer refused the document (e.g. a PDF/A rule was violated).
    #[error("PDF を生成できません: {0}")]
    Pdf(String),
}

/// A party an item binds (the same two as in kijun-core).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Party {
    /// 導入事業者
    Integrator,
    /// 外部サービス提供者
    Provider,
}

impl Party {
    /// Japanese name.
    pub fn label(self) -> &'static str {
        match self {
            Party::Integrator => "導入事業者",
            Party::Provider => "外部サービス提供者",
        }
    }
}

/// How strongly a requirement binds a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 必須
    Required,
    /// 推奨
    Recommended,
}

impl Level {
    /// Japanese name.
    pub fn label(self) -> &'static str {
        match self {
            Level::Required => "必須",
            Level::Recommended => "推奨",
        }
    }
}

/// The status of an answer as the reports show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerStatus {
    /// 適合
    Conforms,
    /// 一部適合
    Partial,
    /// 不適合
    DoesNotConform,
    /// 該当なし
    NotApplicable,
    /// 未回答
    Unanswered,
}

impl AnswerStatus {
    /// Japanese name.
    pub fn label(self) -> &'static str {
        match self {
            AnswerStatus::Conforms => "適合",
            AnswerStatus::Partial => "一部適合",
            AnswerStatus::DoesNotConform => "不適合",
            AnswerStatus::NotApplicable => "該当なし",
            AnswerStatus::Unanswered => "未回答",
        }
    }
}
