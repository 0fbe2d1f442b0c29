//! The vendor's own SLA figures in a monthly report (seed 004: the
//! サービス実績報告書 states the month's figures) and where they disagree
//! with kijun's computation. A vendor files them with a version of the
//! month's `monthly_report` deliverable; the monthly report lists every
//! figure that differs, both values side by side.
//!
//! Comparison rules: the availability is compared at the precision the
//! vendor gave (kijun's exact value truncated to as many decimals, as the
//! report shows it: 99.9537 % matches "99.95" but not "99.96"); counts and
//! minutes are compared exactly.

use serde::{Deserialize, Serialize};

use super::FieldError;
use crate::sla::Percent;

/// The figures a vendor reports for a month (each optional: a vendor may
/// report only some).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedFigures {
    /// サービス稼働率 (%) as a decimal text, e.g. `"99.95"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_percent: Option<String>,
    /// 重大障害の件数 in the month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_failures: Option<u32>,
    /// 重大障害の最長復旧時間 in whole minutes (0 without major failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longest_major_recovery_minutes: Option<u32>,
    /// 問合せのうち回答期限を超えた件数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_inquiries: Option<u32>,
    /// 年度（4月〜）の重大障害の累計件数 through the month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_failures_fiscal_year: Option<u32>,
}

impl ReportedFigures {
    /// Checks the availability text: 0 to 100 with at most 4 decimals.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(text) = &self.availability_percent {
            let ok = decimals(text).is_some_and(|d| d <= 4)
                && text
                    .parse::<f64>()
                    .is_ok_and(|v| (0.0..=100.0).contains(&v));
            if !ok {
                return Err(FieldError::new(
                    "reported_figures.availability_percent",
                    format!(
                        "稼働率 `{text}` は 0〜100 の数を小数第4位までで書いてください（例: 99.95）"
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        *self == ReportedFigures::default()
    }
}

/// The number of decimals of a plain decimal text (`"99.95"` → 2), or
/// `None` if it is not one.
fn decimals(text: &str) -> Option<usize> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 3 || !digits(whole) || !digits(fraction) {
        return None;
    }
    if text.contains('.') && fraction.is_empty() {
        return None;
    }
    Some(fraction.len())
}

/// kijun's figures for the same month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputedFigures {
    /// `None`: no planned minutes in the month (or the month is not over).
    pub availability: Option<Percent>,
    pub major_failures: u32,
    pub longest_major_recovery_minutes: u32,
    pub late_inquiries: u32,
    pub major_failures_fiscal_year: u32,
}

/// One figure on which the vendor and kijun disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FigureDifference {
    /// Stable key (`availability_percent`, …).
    pub key: &'static str,
    /// The figure's name in the report.
    pub label: &'static str,
    pub reported: String,
    pub computed: String,
}

/// Every reported figure that differs from kijun's, in report order.
pub fn differences(
    reported: &ReportedFigures,
    computed: &ComputedFigures,
) -> Vec<FigureDifference> {
    let mut out = Vec::new();
    if let Some(text) = &reported.availability_percent {
        let d = decimals(text).unwrap_or(0);
        let ours = computed
            .availability
            .map(|p| p.display(u8::try_from(d).unwrap_or(4)));
        if ours.as_deref() != Some(text.as_str()) {
            out.push(FigureDifference {
                key: "availability_percent",
                label: "サービス稼働率",
                reported: format!("{text}%"),
                computed: ours.map_or_else(
                    || "算出できません（対象時間なし）".to_owned(),
                    |p| format!("{p}%"),
                ),
            });
        }
    }
    let counts: [(&'static str, &'static str, Option<u32>, u32, &str); 4] = [
        (
            "major_failures",
            "重大障害の件数",
            reported.major_failures,
            computed.major_failures,
            "件",
        ),
        (
            "longest_major_recovery_minutes",
            "重大障害の最長復旧時間",
            reported.longest_major_recovery_minutes,
            computed.longest_major_recovery_minutes,
            "分",
        ),
        (
            "late_inquiries",
            "回答期限を超えた問合せ",
            reported.late_inquiries,
            computed.late_inquiries,
            "件",
        ),
        (
            "major_failures_fiscal_year",
            "重大障害の年度累計",
            reported.major_failures_fiscal_year,
            computed.major_failures_fiscal_year,
            "件",
        ),
    ];
    for (key, label, theirs, ours, unit) in counts {
        if let Some(theirs) = theirs
            && theirs != ours
        {
            out.push(FigureDifference {
                key,
                label,
                reported: format!("{theirs} {unit}"),
                computed: format!("{ours} {unit}"),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn computed() -> Result<ComputedFigures, crate::sla::SlaError> {
        // 44130 / 44580 = 98.9905…%
        Ok(ComputedFigures {
            availability: Some(Percent::new(4_413_000, 44_580)?),
            major_failures: 1,
            longest_major_recovery_minutes: 420,
            late_inquiries: 1,
            major_failures_fiscal_year: 2,
        })
    }

    #[test]
    fn availability_is_compared_at_the_vendors_precision() -> Result<(), crate::sla::SlaError> {
        let c = computed()?;
        for (text, agrees) in [
            ("98.99", true),
            ("98.990", true),
            ("98.9905", true),
            ("99", false),
            ("98.98", false),
            ("99.00", false),
        ] {
            let r = ReportedFigures {
                availability_percent: Some(text.into()),
                ..Default::default()
            };
            assert_eq!(differences(&r, &c).is_empty(), agrees, "{text}");
        }
        let d = differences(
            &ReportedFigures {
                availability_percent: Some("99.95".into()),
                ..Default::default()
            },
            &c,
        );
        assert_eq!(d[0].reported, "99.95%");
        assert_eq!(d[0].computed, "98.99%");
        Ok(())
    }

    #[test]
    fn counts_and_minutes_are_exact_and_unreported_figures_are_not_compared()
    -> Result<(), crate::sla::SlaError> {
        let c = computed()?;
        let r = ReportedFigures {
            major_failures: Some(1),
            longest_major_recovery_minutes: Some(360),
            late_inquiries: Some(0),
            ..Default::default()
        };
        let d = differences(&r, &c);
        let keys: Vec<&str> = d.iter().map(|x| x.key).collect();
        assert_eq!(keys, ["longest_major_recovery_minutes", "late_inquiries"]);
        assert_eq!(
            (d[0].reported.as_str(), d[0].computed.as_str()),
            ("360 分", "420 分")
        );
        assert!(differences(&ReportedFigures::default(), &c).is_empty());
        Ok(())
    }

    #[test]
    fn bad_availability_texts_are_refused() {
        for text in [
            "", "abc", "100.5", "99.", ".5", "99.12345", "1000", "-1", "99,9",
        ] {
            let r = ReportedFigures {
                availability_percent: Some(text.into()),
                ..Default::default()
            };
            assert!(r.validate().is_err(), "{text}");
        }
        for text in ["100", "0", "99.9", "99.8000"] {
            let r = ReportedFigures {
                availability_percent: Some(text.into()),
                ..Default::default()
            };
            assert!(r.validate().is_ok(), "{text}");
        }
    }
}
