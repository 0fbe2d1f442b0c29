//! A service's SLA settings: the contract's targets (overriding seed 004's
//! defaults), the planned operating schedule, the tenant's extra closed
//! days, and when monthly reports are due. Stored per service as one JSON
//! document; everything left out takes its default.

use serde::{Deserialize, Serialize};

use super::{FieldError, Month};
use crate::calendar::{CalendarError, ClosedDayCalendar, TenantClosedDay};
use crate::sla::{OperatingSchedule, Percent, ServiceWindow, SlaTargets};

/// The default business day of the next month a monthly report is due on.
pub const DEFAULT_MONTHLY_REPORT_OPEN_DAY: u8 = 10;

/// The longest time limit accepted for recovery and first answers.
const MAX_LIMIT_HOURS: i64 = 31 * 24;

fn always() -> OperatingSchedule {
    OperatingSchedule::Always
}

fn default_open_day() -> u8 {
    DEFAULT_MONTHLY_REPORT_OPEN_DAY
}

/// A service's SLA settings. JSON:
/// `{"targets": {"availability": {"numerator": 499, "denominator": 5},
/// "max_recovery": "PT6H", …}, "schedule": {"kind": "always"},
/// "closed_days": [], "monthly_report_open_day": 10, "reports_from": null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    /// The SLA levels; seed 004's annex by default (99.8 %, 6 h, 48 h
    /// excluding closed days, 3 major failures a fiscal year).
    #[serde(default)]
    pub targets: SlaTargets,
    /// When the service is promised (当初予定した稼働時間); 24 h a day by
    /// default.
    #[serde(default = "always")]
    pub schedule: OperatingSchedule,
    /// The tenant's own closed days (条例), beside weekends, national
    /// holidays and 12/29–1/3; they stop the inquiry clock and, with
    /// `skip_closed_days`, the schedule.
    #[serde(default)]
    pub closed_days: Vec<TenantClosedDay>,
    /// The monthly report (サービス実績報告書) of a month is due on this
    /// business day (開庁日) of the next month: 1–20, 10 by default.
    #[serde(default = "default_open_day")]
    pub monthly_report_open_day: u8,
    /// The first month a monthly report is expected for; the contract
    /// start's month when `null`.
    #[serde(default)]
    pub reports_from: Option<Month>,
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaSettings {
            targets: SlaTargets::default(),
            schedule: OperatingSchedule::Always,
            closed_days: Vec::new(),
            monthly_report_open_day: DEFAULT_MONTHLY_REPORT_OPEN_DAY,
            reports_from: None,
        }
    }
}

impl SlaSettings {
    /// Checks what serde cannot; the error names the field
    /// (`targets.availability`, `schedule.windows`, `closed_days`, …).
    pub fn validate(&self) -> Result<(), FieldError> {
        let t = &self.targets;
        if t.availability > Percent::HUNDRED {
            return Err(FieldError::new(
                "targets.availability",
                "稼働率の目標 (targets.availability) は 100 % 以下にしてください",
            ));
        }
        for (field, label, limit) in [
            ("targets.max_recovery", "復旧時間の上限", t.max_recovery),
            (
                "targets.first_answer_limit",
                "一次回答時間の上限",
                t.first_answer_limit,
            ),
        ] {
            if limit.is_negative() || limit > jiff::SignedDuration::from_hours(MAX_LIMIT_HOURS) {
                return Err(FieldError::new(
                    field,
                    format!("{label} ({field}) は 0〜{MAX_LIMIT_HOURS} 時間にしてください"),
                ));
            }
        }
        if let OperatingSchedule::Weekly { windows, .. } = &self.schedule {
            for (i, w) in windows.iter().enumerate() {
                ServiceWindow::new(w.weekday, w.start, w.end)
                    .map_err(|e| FieldError::new(format!("schedule.windows.{i}"), e.to_string()))?;
            }
        }
        self.calendar()
            .map_err(|e| FieldError::new("closed_days", e.to_string()))?;
        if !(1..=20).contains(&self.monthly_report_open_day) {
            return Err(FieldError::new(
                "monthly_report_open_day",
                "月次報告の提出期限 (monthly_report_open_day) は翌月の第1〜第20開庁日で指定してください",
            ));
        }
        Ok(())
    }

    /// The closed-day calendar: the national one plus [`closed_days`].
    ///
    /// [`closed_days`]: SlaSettings::closed_days
    pub fn calendar(&self) -> Result<ClosedDayCalendar, CalendarError> {
        ClosedDayCalendar::with_tenant_days(self.closed_days.iter().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_seed_004_and_everything_is_optional() -> Result<(), serde_json::Error> {
        let s: SlaSettings = serde_json::from_str("{}")?;
        assert_eq!(s, SlaSettings::default());
        assert_eq!(s.targets, SlaTargets::default());
        assert_eq!(s.monthly_report_open_day, 10);
        assert_eq!(s.validate(), Ok(()));
        let json = serde_json::to_value(&s)?;
        assert_eq!(json["schedule"]["kind"], "always");
        assert_eq!(serde_json::from_value::<SlaSettings>(json)?, s);
        assert!(serde_json::from_str::<SlaSettings>(r#"{"target": {}}"#).is_err());
        Ok(())
    }

    #[test]
    fn bad_settings_name_their_field() -> Result<(), serde_json::Error> {
        let field = |json: &str| -> Result<Option<String>, serde_json::Error> {
            let s: SlaSettings = serde_json::from_str(json)?;
            Ok(s.validate().err().map(|e| e.field))
        };
        assert_eq!(
            field(r#"{"targets": {"availability": {"numerator": 101, "denominator": 1}}}"#)?,
            Some("targets.availability".into())
        );
        assert_eq!(
            field(r#"{"targets": {"max_recovery": "-PT1H"}}"#)?,
            Some("targets.max_recovery".into())
        );
        assert_eq!(
            field(
                r#"{"schedule": {"kind": "weekly", "skip_closed_days": true, "windows": [{"weekday": "monday", "start": "17:00:00", "end": "09:00:00"}]}}"#
            )?,
            Some("schedule.windows.0".into())
        );
        assert_eq!(
            field(
                r#"{"closed_days": [{"kind": "annual", "month": 6, "day": 23, "name": "慰霊の日"}, {"kind": "annual", "month": 6, "day": 23, "name": "慰霊の日"}]}"#
            )?,
            Some("closed_days".into())
        );
        assert_eq!(
            field(r#"{"monthly_report_open_day": 0}"#)?,
            Some("monthly_report_open_day".into())
        );
        Ok(())
    }
}
