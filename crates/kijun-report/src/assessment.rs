//! The assessment result report (外部サービス審査結果報告書): what was
//! assessed against which catalogs, the verdict per catalog and overall, the
//! item counts, the approval conditions with their due dates, the items not
//! met, the reasoned note and who decided when. Neutral input (no kijun-core
//! types), turned into a [`Document`] for either backend.

use jiff::ZonedDateTime;
use jiff::civil::Date;

use crate::date::{ja_date, ja_date_or_dash, ja_zoned};
use crate::document::{Align, Column, Document, Table};
use crate::{AnswerStatus, Level, Party};

/// A verdict, on one catalog or overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// 承認
    Approved,
    /// 条件付き承認
    Conditional,
    /// 不承認 (the word kijun uses everywhere else for a rejection)
    Rejected,
    /// 未判定: not decided yet (a draft report).
    Undecided,
}

impl Verdict {
    /// Japanese name.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Approved => "承認",
            Verdict::Conditional => "条件付き承認",
            Verdict::Rejected => "不承認",
            Verdict::Undecided => "未判定",
        }
    }
}

/// Counts of applicable items by level and answer status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ItemCounts {
    pub required: usize,
    pub recommended: usize,
    pub conforms: usize,
    pub partial: usize,
    pub does_not_conform: usize,
    pub not_applicable: usize,
    pub unanswered: usize,
}

/// One catalog the service was assessed against, with its result.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogResult {
    pub id: String,
    pub title: String,
    pub verdict: Verdict,
    pub counts: ItemCounts,
}

/// An item that is not fully met.
#[derive(Debug, Clone, PartialEq)]
pub struct GapRow {
    /// The catalog's id (e.g. `seed-000`).
    pub catalog: String,
    /// The requirement's number as the catalog shows it (e.g. `2-(1)-ア`).
    pub requirement_no: String,
    /// The requirement's title or text.
    pub requirement: String,
    pub party: Party,
    pub level: Level,
    pub status: AnswerStatus,
    /// The reviewer's finding or the vendor's explanation.
    pub comment: String,
    /// Remediation due date, when one was agreed.
    pub due: Option<Date>,
}

/// A condition attached to a conditional approval.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionRow {
    pub text: String,
    /// Who must fulfil it, if one party.
    pub party: Option<Party>,
    pub due: Option<Date>,
}

/// Everything the assessment result report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentReport {
    /// The municipality (tenant) that assessed the service.
    pub tenant: String,
    pub service_name: String,
    /// 外部サービス提供者
    pub provider: String,
    /// 導入事業者, when there is one.
    pub integrator: Option<String>,
    /// The service profile in short, as (項目, 内容) pairs.
    pub profile: Vec<(String, String)>,
    /// The phase the assessment belongs to (選定, 更改, …).
    pub phase: String,
    pub catalogs: Vec<CatalogResult>,
    pub overall: Verdict,
    pub gaps: Vec<GapRow>,
    pub conditions: Vec<ConditionRow>,
    /// The reasoned note of the decision (判定理由).
    pub note: String,
    pub reviewer: Option<String>,
    pub decided_on: Option<Date>,
    /// When the report was made (the PDF creation date).
    pub generated_at: ZonedDateTime,
}

/// The report title.
pub const TITLE: &str = "外部サービス審査結果報告書";

/// Builds the assessment result report.
pub fn assessment_report(report: &AssessmentReport) -> Document {
    let mut doc = Document::new(TITLE, report.generated_at.clone());
    doc.author = Some(report.tenant.clone());
    doc.meta = vec![
        report.tenant.clone(),
        format!("作成日時　{}", ja_zoned(&report.generated_at)),
    ];
    doc.footer = format!("{TITLE}　{}", report.service_name);

    doc.heading(1, "1. 審査の対象");
    let mut subject = vec![
        ("サービス名".to_owned(), report.service_name.clone()),
        ("外部サービス提供者".to_owned(), report.provider.clone()),
        (
            "導入事業者".to_owned(),
            report.integrator.clone().unwrap_or_else(|| "－".to_owned()),
        ),
        ("審査の段階".to_owned(), report.phase.clone()),
    ];
    subject.push((
        "適用した基準".to_owned(),
        report
            .catalogs
            .iter()
            .map(|c| format!("{}（{}）", c.title, c.id))
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    doc.key_values(subject);
    if !report.profile.is_empty() {
        doc.heading(2, "サービスの概要");
        doc.key_values(report.profile.clone());
    }

    doc.heading(1, "2. 審査の結果");
    doc.key_values([
        ("総合判定".to_owned(), report.overall.label().to_owned()),
        ("判定日".to_owned(), ja_date_or_dash(report.decided_on)),
        (
            "審査者".to_owned(),
            report.reviewer.clone().unwrap_or_else(|| "－".to_owned()),
        ),
    ]);
    let count = |n: usize| n.to_string();
    let mut results = Table::new(
        "基準ごとの判定",
        vec![
            Column::new("基準", 5.0),
            Column::new("判定", 2.2).align(Align::Center),
            Column::new("必須", 1.0).align(Align::Right),
            Column::new("推奨", 1.0).align(Align::Right),
            Column::new("適合", 1.0).align(Align::Right),
            Column::new("一部適合", 1.3).align(Align::Right),
            Column::new("不適合", 1.2).align(Align::Right),
            Column::new("該当なし", 1.3).align(Align::Right),
            Column::new("未回答", 1.2).align(Align::Right),
        ],
    );
    for c in &report.catalogs {
        results.row([
            format!("{}\n（{}）", c.title, c.id),
            c.verdict.label().to_owned(),
            count(c.counts.required),
            count(c.counts.recommended),
            count(c.counts.conforms),
            count(c.counts.partial),
            count(c.counts.does_not_conform),
            count(c.counts.not_applicable),
            count(c.counts.unanswered),
        ]);
    }
    doc.table(results);

    doc.heading(1, "3. 承認の条件");
    if report.conditions.is_empty() {
        doc.paragraph("承認の条件はありません。");
    } else {
        let mut conditions = Table::new(
            "承認の条件",
            vec![
                Column::new("No.", 0.6).align(Align::Center),
                Column::new("条件", 7.0),
                Column::new("対象", 2.2),
                Column::new("期限", 2.0).align(Align::Center),
            ],
        );
        for (i, c) in report.conditions.iter().enumerate() {
            conditions.row([
                (i + 1).to_string(),
                c.text.clone(),
                c.party.map_or("－", Party::label).to_owned(),
                ja_date_or_dash(c.due),
            ]);
        }
        doc.table(conditions);
    }

    doc.heading(1, "4. 基準を満たしていない項目");
    if report.gaps.is_empty() {
        doc.paragraph("基準を満たしていない項目はありません。");
    } else {
        let mut gaps = Table::new(
            "基準を満たしていない項目",
            vec![
                Column::new("基準", 1.5),
                Column::new("項番", 1.3),
                Column::new("要求事項", 4.0),
                Column::new("対象", 1.8),
                Column::new("区分", 0.9).align(Align::Center),
                Column::new("回答", 1.3).align(Align::Center),
                Column::new("指摘・コメント", 3.0),
                Column::new("期限", 2.5).align(Align::Center),
            ],
        );
        for g in &report.gaps {
            gaps.row([
                g.catalog.clone(),
                g.requirement_no.clone(),
                g.requirement.clone(),
                g.party.label().to_owned(),
                g.level.label().to_owned(),
                g.status.label().to_owned(),
                g.comment.clone(),
                ja_date_or_dash(g.due),
            ]);
        }
        doc.table(gaps);
    }

    doc.heading(1, "5. 判定の理由");
    doc.paragraph(if report.note.trim().is_empty() {
        "（記載なし）"
    } else {
        &report.note
    });
    if let (Some(reviewer), Some(date)) = (&report.reviewer, report.decided_on) {
        doc.paragraph(format!("{}　審査者　{reviewer}", ja_date(date)));
    }
    doc
}
