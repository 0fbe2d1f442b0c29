//! Sample reports with realistic content (feature `sample`, and in tests):
//! for previews of the layout and for the test suite. Fixed dates; no clock.

use jiff::ZonedDateTime;
use jiff::civil::date;
use jiff::tz::TimeZone;

use crate::assessment::{
    AssessmentReport, CatalogResult, ConditionRow, GapRow, ItemCounts, Verdict,
};
use crate::checklist::{
    ChecklistCategory, ChecklistPhase, ChecklistReport, ChecklistRow, PartyCell,
};
use crate::{AnswerStatus, Level, Party};

/// 2026-05-01 10:30 in Asia/Tokyo (a fixed +09:00 offset if the time zone
/// database were unavailable; Japan has no daylight saving time).
pub fn sample_time() -> ZonedDateTime {
    let datetime = date(2026, 5, 1).at(10, 30, 0, 0);
    datetime.in_tz("Asia/Tokyo").unwrap_or_else(|_| {
        datetime
            .to_zoned_datetime(TimeZone::fixed(jiff::tz::offset(9)))
            .unwrap_or_else(|_| ZonedDateTime::new(jiff::Timestamp::UNIX_EPOCH, TimeZone::UTC))
    })
}

/// A conditionally approved assessment with gaps and conditions.
pub fn sample_assessment_report() -> AssessmentReport {
    AssessmentReport {
        tenant: "架空市 総務部 情報政策課".to_owned(),
        service_name: "電子申請受付サービス「かんたん申請」".to_owned(),
        provider: "株式会社サンプルクラウド".to_owned(),
        integrator: Some("架空システム株式会社".to_owned()),
        profile: vec![
            ("サービスモデル".to_owned(), "SaaS".to_owned()),
            ("ISMAP 登録".to_owned(), "登録なし".to_owned()),
            ("取り扱う情報".to_owned(), "個人情報を含む（機密性2）".to_owned()),
            ("データの保管場所".to_owned(), "国内（東京・大阪リージョン）".to_owned()),
            ("利用者".to_owned(), "住民、職員".to_owned()),
        ],
        phase: "選定".to_owned(),
        catalogs: vec![
            CatalogResult {
                id: "seed-000".to_owned(),
                title: "外部サービス選定基準".to_owned(),
                verdict: Verdict::Conditional,
                counts: ItemCounts {
                    required: 38,
                    recommended: 12,
                    conforms: 44,
                    partial: 3,
                    does_not_conform: 1,
                    not_applicable: 2,
                    unanswered: 0,
                },
            },
            CatalogResult {
                id: "seed-004".to_owned(),
                title: "情報セキュリティ要件一覧".to_owned(),
                verdict: Verdict::Approved,
                counts: ItemCounts {
                    required: 20,
                    recommended: 5,
                    conforms: 24,
                    partial: 0,
                    does_not_conform: 0,
                    not_applicable: 1,
                    unanswered: 0,
                },
            },
        ],
        overall: Verdict::Conditional,
        gaps: vec![
            GapRow {
                catalog: "seed-000".to_owned(),
                requirement_no: "SEL-01".to_owned(),
                requirement: "当局が指定する公的認証資格を保有していること または同程度の水準のセキュリティ対策を実施していること".to_owned(),
                party: Party::Provider,
                level: Level::Recommended,
                status: AnswerStatus::Partial,
                comment: "ISMS/JIS Q 27017 は取得予定。認証取得までの間は同等の対策内容を示す資料で代替する。".to_owned(),
                due: Some(date(2026, 9, 30)),
            },
            GapRow {
                catalog: "seed-000".to_owned(),
                requirement_no: "SEL-16".to_owned(),
                requirement: "第三者機関のセキュリティ監査を実施していること".to_owned(),
                party: Party::Provider,
                level: Level::Required,
                status: AnswerStatus::Partial,
                comment: "外部監査は年1回実施予定。初回の監査報告書を提出すること。".to_owned(),
                due: Some(date(2026, 12, 25)),
            },
            GapRow {
                catalog: "seed-000".to_owned(),
                requirement_no: "SEL-12".to_owned(),
                requirement: "必要最小限の従事者のみが執務室や保守環境に入室できること".to_owned(),
                party: Party::Integrator,
                level: Level::Recommended,
                status: AnswerStatus::DoesNotConform,
                comment: "保守環境の入室管理が台帳のみ。<script>alert(1)</script> のような入力も文字として表示される。".to_owned(),
                due: None,
            },
        ],
        conditions: vec![
            ConditionRow {
                text: "第三者機関によるセキュリティ監査を実施し、その報告書を提出すること。".to_owned(),
                party: Some(Party::Provider),
                due: Some(date(2026, 12, 25)),
            },
            ConditionRow {
                text: "ISMS/JIS Q 27017 の認証を取得し、登録証の写しを提出すること。".to_owned(),
                party: Some(Party::Provider),
                due: Some(date(2026, 9, 30)),
            },
        ],
        note: "必須項目のうち「第三者機関のセキュリティ監査」が一部適合であるが、実施計画と期限が示されたため、条件付きで承認する。\
               その他の項目は基準を満たしている。条件の履行状況は期限到来時に確認する。"
            .to_owned(),
        reviewer: Some("情報政策課 審査担当 山田 太郎".to_owned()),
        decided_on: Some(date(2026, 4, 28)),
        generated_at: sample_time(),
    }
}

fn row(
    no: usize,
    item: &str,
    requirement: &str,
    examples: &str,
    provider_only: bool,
) -> ChecklistRow {
    let cell = |level, answer, state: &str| {
        Some(PartyCell {
            level,
            answer,
            state: state.to_owned(),
        })
    };
    ChecklistRow {
        no: no.to_string(),
        item: item.to_owned(),
        requirement: requirement.to_owned(),
        examples: examples.to_owned(),
        integrator: if provider_only {
            None
        } else {
            cell(Level::Required, AnswerStatus::Conforms, "確認済")
        },
        provider: cell(Level::Recommended, AnswerStatus::Partial, "差戻し"),
        explanation: "年1回の内部監査と、外部の専門事業者による脆弱性診断を実施している。診断結果は報告書として提出する。".to_owned(),
        reviewer_comment: if no.is_multiple_of(3) {
            "報告書の提出日を明記すること。".to_owned()
        } else {
            String::new()
        },
    }
}

/// A checklist of `rows_per_category` rows in each of two categories of
/// three phases.
pub fn sample_checklist_report(rows_per_category: usize) -> ChecklistReport {
    let phases = ["選定", "導入・構築", "運用・保守"];
    let categories = [
        (
            "事業者要件",
            "情報セキュリティ対策推進の管理体制が整備されていること",
        ),
        (
            "データ要件",
            "取り扱い情報の重要性に応じて、通信経路の暗号化が適切に実施できていること",
        ),
    ];
    let mut no = 0;
    ChecklistReport {
        tenant: "架空市".to_owned(),
        service_name: "電子申請受付サービス「かんたん申請」".to_owned(),
        catalog_id: "seed-000".to_owned(),
        catalog_title: "外部サービス選定基準".to_owned(),
        phases: phases
            .iter()
            .map(|phase| ChecklistPhase {
                label: (*phase).to_owned(),
                categories: categories
                    .iter()
                    .map(|(label, text)| ChecklistCategory {
                        label: (*label).to_owned(),
                        rows: (0..rows_per_category)
                            .map(|_| {
                                no += 1;
                                row(
                                    no,
                                    "管理体制",
                                    text,
                                    "情報セキュリティ委員会の設置、責任者の任命、ISMS/JIS Q 27001 の認証",
                                    no.is_multiple_of(4),
                                )
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        generated_at: sample_time(),
    }
}
