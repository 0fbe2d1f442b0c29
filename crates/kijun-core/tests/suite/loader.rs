//! Loader errors: every problem is reported as `file:line:column: message`.

use kijun_core::answer::AnswerSet;
use kijun_core::catalog::Catalog;

use crate::{builtin, controls};

const HEADER: &str = r#"[catalog]
id = "c1"
title = "t"
issuer = "i"
version = "1"
source = "s"
"#;

fn load(body: &str) -> Result<Catalog, String> {
    Catalog::from_toml("custom.toml", &format!("{HEADER}{body}"), &controls())
        .map_err(|e| e.to_string())
}

fn requirement(id: &str, extra: &str) -> String {
    format!(
        "\n[[requirements]]\nid = \"{id}\"\nphase = \"selection\"\ntext = \"本文\"\nobligations = [{{ provider = \"required\" }}]\ncontrols = [\"mfa\"]\n{extra}"
    )
}

#[test]
fn a_valid_custom_catalog_loads() {
    let c = load(&requirement("R-1", "")).unwrap();
    assert_eq!(c.requirements.len(), 1);
}

#[test]
fn bad_toml_is_located() {
    let err = load("\n[[requirements]\nid = 1\n").unwrap_err();
    assert!(err.starts_with("custom.toml:8:"), "{err}");
}

#[test]
fn unknown_key_is_located() {
    let err = load(&requirement("R-1", "colour = \"red\"\n")).unwrap_err();
    assert!(
        err.starts_with("custom.toml:14:1: unknown field `colour`"),
        "{err}"
    );
}

#[test]
fn unknown_phase_is_located() {
    let body = requirement("R-1", "").replace("\"selection\"", "\"maintenance\"");
    let err = load(&body).unwrap_err();
    assert!(err.starts_with("custom.toml:10:9: "), "{err}");
    assert!(err.contains("maintenance"), "{err}");
}

#[test]
fn duplicate_requirement_id_is_located_at_the_second() {
    let body = format!("{}{}", requirement("R-1", ""), requirement("R-1", ""));
    let err = load(&body).unwrap_err();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("custom.toml:16:6: 要求事項 id `R-1` が重複しています"),
        "{err}"
    );
}

#[test]
fn unknown_attribute_in_a_condition_points_into_the_expression() {
    let body = requirement("R-1", "").replace(
        "obligations = [{ provider = \"required\" }]",
        "obligations = [{ when = \"gov_cloud or ismap\", provider = \"required\" }]",
    );
    let err = load(&body).unwrap_err();
    // line 12: `obligations = [{ when = "gov_cloud or ismap", ...`; `ismap` is at column 39
    assert!(
        err.starts_with("custom.toml:12:39: 条件式: 不明な属性または条件 `ismap`"),
        "{err}"
    );
}

#[test]
fn ill_typed_condition_is_an_error() {
    let body = requirement("R-1", "").replace(
        "obligations = [{ provider = \"required\" }]",
        "obligations = [{ when = \"service_model == \\\"cloud\\\"\", provider = \"required\" }]",
    );
    let err = load(&body).unwrap_err();
    assert!(err.starts_with("custom.toml:12:"), "{err}");
    assert!(err.contains("型が合いません"), "{err}");
}

#[test]
fn named_conditions_must_be_defined_before_use() {
    let body = format!(
        "\n[[conditions]]\nid = \"a\"\nlabel = \"A\"\nwhen = \"b\"\n\n[[conditions]]\nid = \"b\"\nlabel = \"B\"\nwhen = \"gov_cloud\"\n{}",
        requirement("R-1", "")
    );
    let err = load(&body).unwrap_err();
    assert!(
        err.starts_with("custom.toml:11:9: 条件式: 不明な属性または条件 `b`"),
        "{err}"
    );
}

#[test]
fn unknown_control_and_bad_parameter_are_all_reported_at_once() {
    let body = requirement(
        "R-1",
        "parameters = [{ key = \"x\", label = \"X\", unit = \"hour\" }]\n",
    )
    .replace(
        "controls = [\"mfa\"]",
        "controls = [\"mfa\", \"telepathy\"]",
    );
    let err = load(&body).unwrap_err();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("custom.toml:13:20: 不明な共通管理策 `telepathy`"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("custom.toml:14:15: パラメータ `x` に value がありません"),
        "{err}"
    );
}

#[test]
fn time_window_and_date_parameters_are_checked() {
    let bad_time = requirement(
        "R-1",
        "parameters = [{ key = \"w\", label = \"W\", unit = \"time_window\", days = \"weekdays\", start = \"9:00\", end = \"17:00\" }]\n",
    );
    let err = load(&bad_time).unwrap_err();
    assert!(err.contains("HH:MM"), "{err}");
    let bad_date = requirement(
        "R-1",
        "parameters = [{ key = \"d\", label = \"D\", unit = \"date\", date = 2023-01-16T10:00:00 }]\n",
    );
    let err = load(&bad_date).unwrap_err();
    assert!(err.contains("時刻なしの日付"), "{err}");
}

fn answers(text: &str) -> Result<AnswerSet, String> {
    let (controls, set) = builtin();
    AnswerSet::from_toml("answers.toml", text, &set, &controls).map_err(|e| e.to_string())
}

#[test]
fn not_applicable_without_reason_is_located() {
    let err = answers(
        "[[answers]]\ncatalog = \"seed-000\"\nrequirement = \"SEL-13\"\nparty = \"integrator\"\nstatus = \"not_applicable\"\n",
    )
    .unwrap_err();
    assert!(err.starts_with("answers.toml:1:1: seed-000/SEL-13 (導入事業者): 該当なし (not_applicable) には理由 (reason) が必要です"), "{err}");
    let ok = answers(
        "[[answers]]\ncatalog = \"seed-000\"\nrequirement = \"SEL-13\"\nparty = \"integrator\"\nstatus = \"not_applicable\"\nreason = \"再委託しない\"\n",
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn answer_references_and_values_are_checked() {
    let err = answers(
        r#"[[answers]]
catalog = "seed-000"
requirement = "SEL-99"
party = "integrator"
status = "conforms"

[[answers]]
catalog = "seed-999"
requirement = "SEL-01"
party = "provider"
status = "conforms"

[[control_answers]]
control = "telepathy"
party = "provider"
status = "conforms"

[[answers]]
catalog = "seed-000"
requirement = "SEL-01"
party = "provider"
status = "partial"
plan = "取得予定"
"#,
    )
    .unwrap_err();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines[0]
            .starts_with("answers.toml:3:15: カタログ `seed-000` に要求事項 `SEL-99` はありません"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("answers.toml:8:11: 不明なカタログ `seed-999`"),
        "{err}"
    );
    assert!(
        lines[2].starts_with("answers.toml:14:11: 不明な共通管理策 `telepathy`"),
        "{err}"
    );
    assert!(lines[3].starts_with("answers.toml:18:1: "), "{err}");
    assert!(lines[3].contains("是正計画 (plan) と期限 (due)"), "{err}");

    let err = answers("[[answers]]\ncatalog = \"seed-000\"\nrequirement = \"SEL-01\"\nparty = \"integrator\"\nstatus = \"fine\"\n").unwrap_err();
    assert!(err.starts_with("answers.toml:5:10: "), "{err}");

    let dup = "[[answers]]\ncatalog = \"seed-000\"\nrequirement = \"SEL-01\"\nparty = \"integrator\"\nstatus = \"conforms\"\n";
    let err = answers(&format!("{dup}\n{dup}")).unwrap_err();
    assert!(
        err.starts_with("answers.toml:7:1: seed-000/SEL-01 (導入事業者) への回答が重複しています"),
        "{err}"
    );
}
