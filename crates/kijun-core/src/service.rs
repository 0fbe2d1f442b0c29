//! The service register's record of one external service: contract,
//! registrations (ISMAP, ISMAP-LIU, LGWAN-ASP), certifications and the
//! nested subcontractor chain (再委託, seed 003 1.(8)). Stored as one JSON
//! document beside the service's name and organisations.

use serde::{Deserialize, Serialize};

use crate::catalog::Date;

/// A `YYYY-MM-DD` date as it appears in service records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordDate(pub Date);

impl Serialize for RecordDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RecordDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_date(&text).map(RecordDate).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "日付 `{text}` は YYYY-MM-DD で指定してください (invalid date)"
            ))
        })
    }
}

/// Parses `YYYY-MM-DD` (a real calendar date).
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (year, month, day): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days)
        .contains(&day)
        .then_some(Date { year, month, day })
}

/// A registration with a number and a validity end (ISMAP, ISMAP-LIU, LGWAN-ASP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub number: String,
    #[serde(default)]
    pub valid_until: Option<RecordDate>,
}

/// A certification held (ISO/IEC 27001, 27017, 27018, SOC 2, SOC 3,
/// FedRAMP, CS ゴールドマーク, プライバシーマーク, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    pub name: String,
    pub issuer: String,
    #[serde(default)]
    pub scope: String,
    pub valid_until: Option<RecordDate>,
}

/// A subcontractor (再委託先), with its own subcontractors to any depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subcontractor {
    /// 再委託先事業者情報
    pub name: String,
    /// 再委託内容
    pub work: String,
    /// 再委託先の情報セキュリティ責任者
    pub security_officer: String,
    /// 再委託先の個人情報管理者
    pub personal_info_manager: String,
    /// 再委託先の従事者の情報
    #[serde(default)]
    pub staff: String,
    #[serde(default)]
    pub subcontractors: Vec<Subcontractor>,
}

impl Subcontractor {
    /// The depth of the chain below and including this one.
    pub fn depth(&self) -> usize {
        1 + self
            .subcontractors
            .iter()
            .map(Subcontractor::depth)
            .max()
            .unwrap_or(0)
    }
}

/// Everything the register keeps about a service beyond its name,
/// purpose, department and vendor organisations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceDetails {
    pub contract_start: Option<RecordDate>,
    pub contract_end: Option<RecordDate>,
    /// Where the data is kept (countries, regions, data centres).
    pub data_locations: Vec<String>,
    /// 準拠法
    pub governing_law: String,
    /// 管轄裁判所
    pub court: String,
    pub ismap: Option<Registration>,
    pub ismap_liu: Option<Registration>,
    pub lgwan_asp: Option<Registration>,
    pub certifications: Vec<Certification>,
    pub subcontractors: Vec<Subcontractor>,
}

/// Why service details were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("契約終了日が契約開始日より前です (contract ends before it starts)")]
    ContractPeriod,
    #[error(
        "再委託の階層が深すぎます（{0} 階層）。10 階層までにしてください (subcontractor chain too deep)"
    )]
    TooDeep(usize),
    #[error("{0} が空です (empty field)")]
    Empty(&'static str),
}

impl ServiceDetails {
    /// Checks what serde cannot: the contract period's order, the chain's
    /// depth, required names.
    pub fn validate(&self) -> Result<(), ServiceError> {
        if let (Some(s), Some(e)) = (self.contract_start, self.contract_end)
            && e < s
        {
            return Err(ServiceError::ContractPeriod);
        }
        let depth = self
            .subcontractors
            .iter()
            .map(Subcontractor::depth)
            .max()
            .unwrap_or(0);
        if depth > 10 {
            return Err(ServiceError::TooDeep(depth));
        }
        fn names(list: &[Subcontractor]) -> Result<(), ServiceError> {
            for s in list {
                if s.name.trim().is_empty() {
                    return Err(ServiceError::Empty("再委託先の名称"));
                }
                names(&s.subcontractors)?;
            }
            Ok(())
        }
        names(&self.subcontractors)?;
        if self.certifications.iter().any(|c| c.name.trim().is_empty()) {
            return Err(ServiceError::Empty("認証の名称"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(
            parse_date("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("2026/01/01"), None);
    }

    #[test]
    fn details_round_trip_and_validate() {
        let json = serde_json::json!({
            "contract_start": "2026-04-01",
            "contract_end": "2031-03-31",
            "data_locations": ["日本（東京リージョン）"],
            "governing_law": "日本法",
            "court": "東京地方裁判所",
            "ismap": {"number": "C21-0001-1", "valid_until": "2027-03-31"},
            "certifications": [{"name": "ISO/IEC 27017", "issuer": "JQA", "scope": "クラウドサービス", "valid_until": "2027-06-30"}],
            "subcontractors": [{"name": "保守株式会社", "work": "運用保守", "security_officer": "山田", "personal_info_manager": "佐藤",
                "subcontractors": [{"name": "孫請株式会社", "work": "監視", "security_officer": "鈴木", "personal_info_manager": "高橋"}]}]
        });
        let d: ServiceDetails = serde_json::from_value(json.clone()).unwrap_or_default();
        assert_eq!(d.subcontractors[0].depth(), 2);
        assert_eq!(d.validate(), Ok(()));
        assert_eq!(
            serde_json::to_value(&d)
                .ok()
                .map(|v| v["ismap"]["valid_until"].clone()),
            Some(serde_json::json!("2027-03-31"))
        );
        let mut bad = d.clone();
        bad.contract_end = Some(RecordDate(Date {
            year: 2025,
            month: 1,
            day: 1,
        }));
        assert_eq!(bad.validate(), Err(ServiceError::ContractPeriod));
        let unknown: Result<ServiceDetails, _> =
            serde_json::from_value(serde_json::json!({"contract": "x"}));
        assert!(unknown.is_err());
        let bad_date: Result<ServiceDetails, _> =
            serde_json::from_value(serde_json::json!({"contract_start": "2026-02-30"}));
        assert!(
            bad_date
                .map_err(|e| e.to_string())
                .err()
                .is_some_and(|m| m.contains("YYYY-MM-DD"))
        );
    }
}
