//! The built-in catalogs: counts, first and last texts, verbatim fidelity to
//! the seed documents, and the obligations the seeds state.

use kijun_core::catalog::{Bound, Catalog, Party, Unit};
use kijun_core::evaluate::applicable_items;
use kijun_core::profile::Value;
use kijun_core::{Level, Profile};

use crate::builtin;

const SOURCES: &[(&str, &str)] = &[
    (
        "000_53826eb87d7469aa.txt",
        include_str!("../../../../catalogs/sources/000_53826eb87d7469aa.txt"),
    ),
    (
        "001_cc569e9e9d31f0a1.txt",
        include_str!("../../../../catalogs/sources/001_cc569e9e9d31f0a1.txt"),
    ),
    (
        "003_41127e358d9b7906.txt",
        include_str!("../../../../catalogs/sources/003_41127e358d9b7906.txt"),
    ),
    (
        "004_403b7b2f474b7f10.txt",
        include_str!("../../../../catalogs/sources/004_403b7b2f474b7f10.txt"),
    ),
];

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn profile(pairs: &[(&str, Value)]) -> Profile {
    let mut p = Profile::default();
    for (k, v) in pairs {
        p.set(k, v.clone()).unwrap();
    }
    p
}

fn count(catalog: &Catalog, profile: &Profile, party: Party, level: Level) -> usize {
    applicable_items(catalog, profile)
        .iter()
        .filter(|a| a.party == party && a.level == level)
        .count()
}

#[test]
fn four_builtins_with_pinned_counts_and_first_and_last_texts() {
    let (_, set) = builtin();
    let expected: &[(&str, usize, &str, &str)] = &[
        (
            "seed-000",
            33,
            "当局が指定する公的認証資格を保有していること または同程度の水準のセキュリティ対策を実施していること",
            "管理者アカウントを削除・返却できること",
        ),
        (
            "seed-001",
            40,
            "情報セキュリティについての基本的な方針を定めた文書（情報セキュリティポリシー等）を作成すること。",
            "検知した情報セキュリティインシデントを速やかに調査し、調査結果の詳細を本市に報告すること。",
        ),
        (
            "seed-003",
            21,
            "日本の法令の範囲内で運用できるサービスであること。また、日本国内の裁判所を合意管轄裁判所とすること。",
            "外部サービス利用者の各アカウント以外に特殊なアカウント（ストレージアカウントなど）がある場合は、関連情報（資格情報等）含めて廃棄可能であること。",
        ),
        (
            "seed-004",
            37,
            "乙は、令和5年1月16日までに、次の事項が記載されたサービス実施計画書を甲に提出すること（内容に変更があった場合は、その都度、速やかに変更後の計画書を提出すること。）。",
            "サービス利用終了時等において、次期システムへのデータ移行等を行えるよう、甲のデータをスムーズに回収できる方法等が措置されていること。",
        ),
    ];
    assert_eq!(set.len(), 4);
    for (id, n, first, last) in expected {
        let c = set.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(c.requirements.len(), *n, "{id} requirement count");
        assert_eq!(
            c.requirements.first().map(|r| r.text.as_str()),
            Some(*first),
            "{id} first"
        );
        assert_eq!(
            c.requirements.last().map(|r| r.text.as_str()),
            Some(*last),
            "{id} last"
        );
    }
}

#[test]
fn every_text_is_verbatim_from_its_seed_and_in_source_order() {
    let (_, set) = builtin();
    for c in set.iter() {
        let (_, source) = SOURCES
            .iter()
            .find(|(name, _)| *name == c.source)
            .unwrap_or_else(|| panic!("{}: source {} not in catalogs/sources", c.id, c.source));
        let source = squash(source);
        let mut cursor = 0;
        for r in &c.requirements {
            let text = squash(&r.text);
            let at = source[cursor..].find(&text).unwrap_or_else(|| {
                panic!(
                    "{}/{}: text not verbatim or out of order: {}",
                    c.id, r.id, r.text
                )
            });
            cursor += at + text.len();
            for item in &r.items {
                for part in [Some(&item.text), item.target.as_ref(), item.method.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    assert!(
                        source.contains(&squash(part)),
                        "{}/{}: item not verbatim: {part}",
                        c.id,
                        r.id
                    );
                }
            }
            for e in &r.examples {
                assert!(
                    source.contains(&squash(e.text())),
                    "{}/{}: example not verbatim: {}",
                    c.id,
                    r.id,
                    e.text()
                );
            }
            // PDF line breaks are joined: no requirement text keeps one.
            assert!(
                !r.text.contains('\n'),
                "{}/{}: text keeps a line break",
                c.id,
                r.id
            );
        }
    }
}

#[test]
fn every_requirement_is_tagged_and_every_control_id_is_known() {
    let (controls, set) = builtin();
    for c in set.iter() {
        for r in &c.requirements {
            assert!(!r.controls.is_empty(), "{}/{} has no control", c.id, r.id);
            for id in &r.controls {
                assert!(
                    controls.contains(id),
                    "{}/{}: unknown control {id}",
                    c.id,
                    r.id
                );
            }
        }
    }
}

#[test]
fn seed_000_ismap_column_binds_only_the_integrator() {
    let (_, set) = builtin();
    let c = set.get("seed-000").unwrap();
    for listed in ["ismap_registered", "gov_cloud", "lgwan_asp"] {
        let p = profile(&[(listed, Value::Bool(true))]);
        assert_eq!(
            count(c, &p, Party::Integrator, Level::Required),
            29,
            "{listed}"
        );
        assert_eq!(
            count(c, &p, Party::Integrator, Level::Recommended),
            0,
            "{listed}"
        );
        assert_eq!(
            count(c, &p, Party::Provider, Level::Required),
            0,
            "{listed}"
        );
        assert_eq!(
            count(c, &p, Party::Provider, Level::Recommended),
            0,
            "{listed}"
        );
    }
    let p = Profile::default();
    assert_eq!(count(c, &p, Party::Integrator, Level::Required), 29);
    assert_eq!(count(c, &p, Party::Provider, Level::Required), 27);
    assert_eq!(count(c, &p, Party::Provider, Level::Recommended), 4);
    // The data-centre rows bind only a non-ISMAP provider.
    for id in ["SEL-19", "SEL-20", "SEL-21"] {
        let r = c.requirement(id).unwrap();
        assert_eq!(r.category.as_deref(), Some("データセンター要件"));
        assert_eq!(
            r.obligations.level(&p, Party::Provider),
            Some(Level::Required)
        );
        assert_eq!(r.obligations.level(&p, Party::Integrator), None);
        let ismap = profile(&[("ismap_registered", Value::Bool(true))]);
        assert_eq!(r.obligations.level(&ismap, Party::Provider), None);
    }
    // ISMAP-LIU is not the ISMAP list of the seed's column header.
    let liu = profile(&[("ismap_liu_registered", Value::Bool(true))]);
    assert_eq!(count(c, &liu, Party::Provider, Level::Required), 27);
}

#[test]
fn seed_000_numbers_are_parameters() {
    let (_, set) = builtin();
    let c = set.get("seed-000").unwrap();
    let param = |req: &str, key: &str| {
        c.requirement(req)
            .and_then(|r| r.parameter(key))
            .unwrap_or_else(|| panic!("{req} {key}"))
            .clone()
    };
    let incident = param("SEL-06", "incident_first_report");
    assert_eq!(
        (incident.number(), incident.unit, incident.bound),
        (Some(24.0), Unit::Hour, Bound::Max)
    );
    let hours = param("SEL-04", "support_hours");
    assert_eq!(hours.describe(), "平日 09:00〜17:00");
    let audit = param("SEL-17", "audit_frequency");
    assert_eq!(audit.describe(), "1回/年以上");
}

#[test]
fn seed_001_mfa_is_exempt_on_closed_networks() {
    let (_, set) = builtin();
    let c = set.get("seed-001").unwrap();
    let mfa = c
        .requirements
        .iter()
        .find(|r| r.text.contains("多要素認証"))
        .unwrap();
    assert!(mfa.controls.iter().any(|c| c == "mfa"));
    let internet = Profile::default();
    assert_eq!(
        mfa.obligations.level(&internet, Party::Provider),
        Some(Level::Required)
    );
    for seg in ["lgwan", "closed"] {
        let p = profile(&[("network_segment", Value::Str(seg.into()))]);
        assert_eq!(mfa.obligations.level(&p, Party::Provider), None, "{seg}");
    }
    let password = c
        .requirements
        .iter()
        .find(|r| r.text.contains("パスワードの桁数"))
        .unwrap();
    assert!(password.controls.iter().any(|c| c == "password_policy"));
}

#[test]
fn seed_003_items_and_conditions() {
    let (_, set) = builtin();
    let c = set.get("seed-003").unwrap();
    let sub = c.requirement("1-8").unwrap();
    let items: Vec<&str> = sub.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        items,
        [
            "再委託先事業者情報",
            "再委託内容",
            "再委託先の情報セキュリティ責任者",
            "再委託先の個人情報管理者",
            "再委託先の従事者の情報"
        ]
    );
    let incident = c.requirement("1-6").unwrap();
    assert_eq!(incident.items.len(), 6);
    assert_eq!(
        incident
            .parameter("incident_investigation_start")
            .and_then(|p| p.number()),
        Some(24.0)
    );
    let notice = c
        .requirement("1-3")
        .unwrap()
        .parameter("change_notice_lead_time")
        .unwrap();
    assert_eq!(
        (notice.number(), notice.unit, notice.bound),
        (Some(1.0), Unit::Month, Bound::Min)
    );
    let passwords = c.requirement("3-1").unwrap();
    assert_eq!(passwords.items.len(), 5);
    assert!(
        passwords.items[2]
            .text
            .contains("アルファベットの大文字及び小文字")
    );
    // 2.(3): for SaaS the VM measures are the provider's alone.
    let vm = c.requirement("2-3").unwrap();
    let saas = Profile::default();
    let iaas = profile(&[("service_model", Value::Str("iaas".into()))]);
    assert_eq!(vm.obligations.level(&saas, Party::Integrator), None);
    assert_eq!(
        vm.obligations.level(&saas, Party::Provider),
        Some(Level::Required)
    );
    assert_eq!(
        vm.obligations.level(&iaas, Party::Integrator),
        Some(Level::Required)
    );
    // Subcontractor duties apply only when there is subcontracting.
    let none = profile(&[("subcontracting", Value::Bool(false))]);
    assert_eq!(sub.obligations.level(&none, Party::Provider), None);
    assert_eq!(
        sub.obligations.level(&saas, Party::Provider),
        Some(Level::Required)
    );
}

#[test]
fn seed_004_sla_table_certifications_and_reports() {
    let (_, set) = builtin();
    let c = set.get("seed-004").unwrap();
    let sla = c.requirement("SLA").unwrap();
    let rows: Vec<(&str, Option<&str>)> = sla
        .items
        .iter()
        .map(|i| (i.text.as_str(), i.target.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("サービス稼働率", Some("99.8%以上")),
            ("重大障害の復旧時間", Some("6時間以内")),
            (
                "問合せに係る回答時間",
                Some("48時間（2日）以内 （閉庁日を除く。）")
            ),
            ("重大障害の発生件数", Some("3回/年")),
        ]
    );
    let p = |k: &str| sla.parameter(k).unwrap_or_else(|| panic!("{k}"));
    assert_eq!(p("sla.availability").describe(), "99.8%以上");
    assert_eq!(p("sla.major_failure_recovery").describe(), "6時間以内");
    assert_eq!(
        p("sla.inquiry_first_answer").describe(),
        "48時間以内（閉庁日を除く）"
    );
    assert_eq!(p("sla.major_failures_per_year").describe(), "3回/年以内");
    let cert = c.requirement("CERT").unwrap();
    assert_eq!(cert.items.len(), 5);
    assert_eq!(cert.items[0].text, "ISO/IEC 27017");
    assert_eq!(c.requirement("PLAN").unwrap().items.len(), 11);
    assert_eq!(c.requirement("REPORT-MONTHLY").unwrap().items.len(), 7);
    // Remote-maintenance line duty applies only when maintenance is remote.
    let remote = c
        .requirements
        .iter()
        .find(|r| r.text.contains("遠隔で行う場合"))
        .unwrap();
    let local = profile(&[("remote_maintenance", Value::Bool(false))]);
    assert_eq!(remote.obligations.level(&local, Party::Provider), None);
    assert_eq!(
        remote
            .obligations
            .level(&Profile::default(), Party::Provider),
        Some(Level::Required)
    );
}
