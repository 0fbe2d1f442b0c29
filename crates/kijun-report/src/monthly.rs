//! The monthly service report (サービス実績報告書, seed 004): per service and
//! month, the sections the seed lists — 実施実績, 稼働状況 (the four SLA
//! figures against their targets, each 達成 or 未達), 障害・インシデント,
//! 問合せ, 課題・リスク and the セキュリティ対策実施計画's status — and, when any
//! target was missed, the improvement plan (改善策) the report must state.
//!
//! Neutral input (no kijun-core types): the caller computes the figures
//! (with `kijun_core::sla`'s exact comparisons) and formats times; this
//! module only lays them out as a [`Document`]. Nothing here reads a clock.

use jiff::ZonedDateTime;

use crate::date::ja_zoned;
use crate::document::{Align, Column, Document, Table};

/// The report title.
pub const TITLE: &str = "サービス実績報告書";

/// The section headings, in order (seed 004 サービス実績報告書).
pub const SECTIONS: [&str; 7] = [
    "1. 本サービスの実施実績",
    "2. サービス利用状況（稼働状況）",
    "3. 障害・インシデント管理",
    "4. 問合せ管理",
    "5. 課題・リスク管理",
    "6. セキュリティ対策実施計画の実施状況",
    "7. 改善策",
];

/// The outcome of one SLA figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaOutcome {
    /// 達成
    Met,
    /// 未達
    Missed,
    /// 集計中: the month is not over (availability is judged on whole
    /// months only), or nothing to judge.
    Pending,
}

impl SlaOutcome {
    /// Japanese name.
    pub fn label(self) -> &'static str {
        match self {
            SlaOutcome::Met => "達成",
            SlaOutcome::Missed => "未達",
            SlaOutcome::Pending => "集計中",
        }
    }
}

/// One SLA item (評価項目) of the month.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaFigure {
    /// サービス稼働率, 重大障害の復旧時間, ….
    pub item: String,
    /// The target as the contract states it (`99.8% 以上`).
    pub target: String,
    /// The month's figure (`99.953%`, `最長 7時間30分`).
    pub actual: String,
    pub outcome: SlaOutcome,
    /// How the figure was obtained (根拠: minutes, counts).
    pub basis: String,
}

/// A vendor-reported figure that disagrees with kijun's computation.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureMismatch {
    pub item: String,
    pub reported: String,
    pub computed: String,
}

/// An outage (障害・停止) of the month.
#[derive(Debug, Clone, PartialEq)]
pub struct OutageRow {
    /// 発生日時.
    pub start: String,
    /// 復旧日時 (`継続中` when ongoing).
    pub end: String,
    /// 重大障害 / 障害 / 正当な理由のある停止.
    pub class: String,
    /// Time to recovery (`2時間15分`).
    pub duration: String,
    pub description: String,
    /// 原因.
    pub cause: String,
    /// 対応 (暫定).
    pub countermeasure: String,
    /// 恒久対策.
    pub permanent_fix: String,
}

/// A security incident (情報セキュリティインシデント) of the month.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub occurred: String,
    pub severity: String,
    pub description: String,
    pub impact: String,
    /// 本市への報告日時.
    pub reported: String,
    /// 完了日時 (`対応中` when open).
    pub closed: String,
}

/// An inquiry (問合せ) of the month.
#[derive(Debug, Clone, PartialEq)]
pub struct InquiryRow {
    pub asked_at: String,
    pub asked_by: String,
    pub content: String,
    pub answered_at: String,
    pub answered_by: String,
    pub answer: String,
    /// Time to the first answer, closed days excluded.
    pub response: String,
    pub outcome: SlaOutcome,
}

/// An issue or risk (課題・リスク) open in or raised in the month.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRow {
    /// 課題 / リスク.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub owner: String,
    pub raised_on: String,
    pub due: String,
}

/// A security-plan item and its status in the month.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub item: String,
    /// 予定 / 実施済み / 遅延 / 未実施 / 未報告.
    pub status: String,
    pub note: String,
}

/// Whether the month needs an improvement plan, and where it stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Improvement {
    /// Any SLA target missed.
    pub required: bool,
    /// The targets missed, one line each.
    pub misses: Vec<String>,
    /// The monthly-report deliverable's state (`提出済み（第2版）`, `未提出`,
    /// `期限 2026年6月12日`), when known.
    pub deliverable: Vec<(String, String)>,
    /// The improvement plan the latest version states.
    pub plan: Option<String>,
}

/// Everything the monthly report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyReport {
    /// The municipality (tenant).
    pub tenant: String,
    pub service_name: String,
    pub provider: String,
    pub integrator: Option<String>,
    /// `2026年5月`.
    pub month_label: String,
    /// `2026年5月1日〜2026年5月31日`.
    pub period: String,
    /// Whether the month is over when the report is made.
    pub complete: bool,
    /// 実施実績: (項目, 内容) pairs (counts of the month).
    pub performance: Vec<(String, String)>,
    pub sla: Vec<SlaFigure>,
    /// Where the vendor's own figures disagree with kijun's.
    pub mismatches: Vec<FigureMismatch>,
    pub outages: Vec<OutageRow>,
    pub incidents: Vec<IncidentRow>,
    pub inquiries: Vec<InquiryRow>,
    pub issues: Vec<IssueRow>,
    pub plan: Vec<PlanRow>,
    pub improvement: Improvement,
    /// When the report was made (given, never read from a clock).
    pub generated_at: ZonedDateTime,
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "－".to_owned()
    } else {
        s.to_owned()
    }
}

/// Builds the monthly report. Every section heading of [`SECTIONS`] is
/// always present; an empty section says so in a sentence.
pub fn monthly_report(r: &MonthlyReport) -> Document {
    let mut doc = Document::new(TITLE, r.generated_at.clone());
    doc.author = Some(r.tenant.clone());
    doc.meta = vec![
        r.tenant.clone(),
        format!("対象月　{}", r.month_label),
        format!("作成日時　{}", ja_zoned(&r.generated_at)),
    ];
    doc.footer = format!("{TITLE}　{}　{}", r.service_name, r.month_label);

    doc.key_values([
        ("サービス名".to_owned(), r.service_name.clone()),
        ("外部サービス提供者".to_owned(), r.provider.clone()),
        (
            "導入事業者".to_owned(),
            r.integrator.clone().unwrap_or_else(|| "－".to_owned()),
        ),
        ("対象期間".to_owned(), r.period.clone()),
    ]);
    if !r.complete {
        doc.paragraph("対象月は終了していません。稼働率は月の終了後に確定します。");
    }

    doc.heading(1, SECTIONS[0]);
    doc.key_values(r.performance.clone());

    doc.heading(1, SECTIONS[1]);
    let mut sla = Table::new(
        "サービスレベルの目標達成状況",
        vec![
            Column::new("評価項目", 3.0),
            Column::new("目標値", 3.0),
            Column::new("実績", 3.0),
            Column::new("判定", 1.2).align(Align::Center),
            Column::new("根拠", 4.5),
        ],
    );
    for f in &r.sla {
        sla.row([
            f.item.clone(),
            f.target.clone(),
            f.actual.clone(),
            f.outcome.label().to_owned(),
            f.basis.clone(),
        ]);
    }
    doc.table(sla);
    if !r.mismatches.is_empty() {
        doc.heading(2, "事業者の報告値との相違");
        let mut t = Table::new(
            "事業者の報告値との相違",
            vec![
                Column::new("評価項目", 3.0),
                Column::new("事業者の報告値", 3.0),
                Column::new("kijun の算出値", 3.0),
            ],
        );
        for m in &r.mismatches {
            t.row([m.item.clone(), m.reported.clone(), m.computed.clone()]);
        }
        doc.table(t);
    }

    doc.heading(1, SECTIONS[2]);
    doc.heading(2, "障害・停止");
    if r.outages.is_empty() {
        doc.paragraph("対象月に発生した障害・停止はありません。");
    } else {
        let mut t = Table::new(
            "障害・停止",
            vec![
                Column::new("発生日時", 2.2),
                Column::new("復旧日時", 2.2),
                Column::new("区分", 1.6),
                Column::new("復旧時間", 1.6),
                Column::new("内容", 3.0),
                Column::new("原因", 2.4),
                Column::new("対応", 2.4),
                Column::new("恒久対策", 2.4),
            ],
        );
        for o in &r.outages {
            t.row([
                o.start.clone(),
                o.end.clone(),
                o.class.clone(),
                o.duration.clone(),
                o.description.clone(),
                or_dash(&o.cause),
                or_dash(&o.countermeasure),
                or_dash(&o.permanent_fix),
            ]);
        }
        doc.table(t);
    }
    doc.heading(2, "情報セキュリティインシデント");
    if r.incidents.is_empty() {
        doc.paragraph("対象月に発生した情報セキュリティインシデントはありません。");
    } else {
        let mut t = Table::new(
            "情報セキュリティインシデント",
            vec![
                Column::new("発生日時", 2.2),
                Column::new("重大度", 1.0).align(Align::Center),
                Column::new("内容", 4.0),
                Column::new("影響範囲", 3.0),
                Column::new("本市への報告", 2.2),
                Column::new("完了", 2.2),
            ],
        );
        for i in &r.incidents {
            t.row([
                i.occurred.clone(),
                i.severity.clone(),
                i.description.clone(),
                or_dash(&i.impact),
                i.reported.clone(),
                i.closed.clone(),
            ]);
        }
        doc.table(t);
    }

    doc.heading(1, SECTIONS[3]);
    if r.inquiries.is_empty() {
        doc.paragraph("対象月の問合せはありません。");
    } else {
        let mut t = Table::new(
            "問合せ",
            vec![
                Column::new("問合せ日時", 2.2),
                Column::new("問合せ者", 1.6),
                Column::new("問合せ内容", 3.0),
                Column::new("回答日時", 2.2),
                Column::new("回答者", 1.6),
                Column::new("回答内容", 3.0),
                Column::new("回答時間", 1.6),
                Column::new("判定", 1.0).align(Align::Center),
            ],
        );
        for q in &r.inquiries {
            t.row([
                q.asked_at.clone(),
                q.asked_by.clone(),
                q.content.clone(),
                q.answered_at.clone(),
                or_dash(&q.answered_by),
                or_dash(&q.answer),
                q.response.clone(),
                q.outcome.label().to_owned(),
            ]);
        }
        doc.table(t);
    }

    doc.heading(1, SECTIONS[4]);
    if r.issues.is_empty() {
        doc.paragraph("対象月の課題・リスクはありません。");
    } else {
        let mut t = Table::new(
            "課題・リスク",
            vec![
                Column::new("区分", 1.0).align(Align::Center),
                Column::new("件名", 2.6),
                Column::new("内容", 4.0),
                Column::new("状況", 1.2).align(Align::Center),
                Column::new("担当", 1.6),
                Column::new("起票日", 1.8),
                Column::new("期限", 1.8),
            ],
        );
        for i in &r.issues {
            t.row([
                i.kind.clone(),
                i.title.clone(),
                or_dash(&i.description),
                i.status.clone(),
                or_dash(&i.owner),
                i.raised_on.clone(),
                i.due.clone(),
            ]);
        }
        doc.table(t);
    }

    doc.heading(1, SECTIONS[5]);
    if r.plan.is_empty() {
        doc.paragraph("セキュリティ対策実施計画の項目が登録されていません。");
    } else {
        let mut t = Table::new(
            "セキュリティ対策実施計画の実施状況",
            vec![
                Column::new("項目", 4.0),
                Column::new("実施状況", 1.6).align(Align::Center),
                Column::new("備考", 5.0),
            ],
        );
        for p in &r.plan {
            t.row([p.item.clone(), p.status.clone(), or_dash(&p.note)]);
        }
        doc.table(t);
    }

    doc.heading(1, SECTIONS[6]);
    if r.improvement.required {
        let mut text = String::from(
            "サービスレベルの目標を達成していない項目があります。本報告書に必要な改善策を記載し、実行してください（別添1 サービスレベルの保証）。",
        );
        for m in &r.improvement.misses {
            text.push_str("\n・");
            text.push_str(m);
        }
        doc.paragraph(text);
    } else {
        doc.paragraph("すべてのサービスレベルの目標を達成しています（改善策の提示は不要です）。");
    }
    if !r.improvement.deliverable.is_empty() {
        doc.key_values(r.improvement.deliverable.clone());
    }
    if r.improvement.required {
        doc.heading(2, "事業者が提示した改善策");
        doc.paragraph(match &r.improvement.plan {
            Some(p) if !p.trim().is_empty() => p.clone(),
            _ => "（未提示）".to_owned(),
        });
    }
    doc
}

/// A sample report (tests and previews): a month with a major failure that
/// missed the recovery target, an answered and a late inquiry, an incident,
/// an issue and plan items.
#[cfg(any(test, feature = "sample"))]
pub fn sample_monthly_report(generated_at: ZonedDateTime) -> MonthlyReport {
    let s = |t: &str| t.to_owned();
    MonthlyReport {
        tenant: s("見本市"),
        service_name: s("電子申請サービス"),
        provider: s("株式会社クラウド見本"),
        integrator: None,
        month_label: s("2026年5月"),
        period: s("2026年5月1日〜2026年5月31日"),
        complete: true,
        performance: vec![
            (s("障害・停止"), s("2 件（うち重大障害 1 件）")),
            (s("情報セキュリティインシデント"), s("1 件")),
            (s("問合せ"), s("2 件（未回答 0 件）")),
        ],
        sla: vec![
            SlaFigure {
                item: s("サービス稼働率"),
                target: s("99.8% 以上"),
                actual: s("99.193%"),
                outcome: SlaOutcome::Missed,
                basis: s("予定 44640 分、正当な停止 60 分、停止 360 分"),
            },
            SlaFigure {
                item: s("重大障害の復旧時間"),
                target: s("6時間以内"),
                actual: s("最長 7時間0分"),
                outcome: SlaOutcome::Missed,
                basis: s("重大障害 1 件"),
            },
            SlaFigure {
                item: s("問合せに係る回答時間"),
                target: s("48時間以内（閉庁日を除く）"),
                actual: s("最長 20時間0分"),
                outcome: SlaOutcome::Met,
                basis: s("問合せ 2 件"),
            },
            SlaFigure {
                item: s("重大障害の発生件数"),
                target: s("3回/年 以内"),
                actual: s("2026年度 1 回"),
                outcome: SlaOutcome::Met,
                basis: s("2026年4月1日から対象月末まで"),
            },
        ],
        mismatches: Vec::new(),
        outages: vec![OutageRow {
            start: s("2026-05-10 01:00"),
            end: s("2026-05-10 08:00"),
            class: s("重大障害"),
            duration: s("7時間0分"),
            description: s("ストレージ障害によりサービス全体が停止"),
            cause: s("ストレージ装置の故障"),
            countermeasure: s("予備系に切替"),
            permanent_fix: s("監視の閾値を見直し"),
        }],
        incidents: vec![IncidentRow {
            occurred: s("2026-05-20 09:00"),
            severity: s("中"),
            description: s("不審なログイン試行"),
            impact: s("なし"),
            reported: s("2026-05-20 12:00"),
            closed: s("2026-05-22 17:00"),
        }],
        inquiries: vec![InquiryRow {
            asked_at: s("2026-05-11 10:00"),
            asked_by: s("情報政策課"),
            content: s("障害の原因について"),
            answered_at: s("2026-05-12 06:00"),
            answered_by: s("運用担当"),
            answer: s("報告書で回答"),
            response: s("20時間0分"),
            outcome: SlaOutcome::Met,
        }],
        issues: vec![IssueRow {
            kind: s("課題"),
            title: s("監視の強化"),
            description: s("ストレージ監視の追加"),
            status: s("対応中"),
            owner: s("運用担当"),
            raised_on: s("2026年5月11日"),
            due: s("2026年6月30日"),
        }],
        plan: vec![PlanRow {
            item: s("脆弱性診断"),
            status: s("実施済み"),
            note: s("5月15日実施"),
        }],
        improvement: Improvement {
            required: true,
            misses: vec![s("サービス稼働率 99.193%（目標 99.8% 以上）")],
            deliverable: vec![(s("提出状況"), s("未提出"))],
            plan: None,
        },
        generated_at,
    }
}
