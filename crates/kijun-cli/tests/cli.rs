//! End-to-end tests of the `kijun` binary: real process, real files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn kijun(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kijun"))
        .args(args)
        .current_dir(cwd)
        .env_remove("KIJUN_CATALOG_DIR")
        .env_remove("KIJUN_CONFIG")
        .output()
        .expect("run kijun")
}

fn ok(args: &[&str], cwd: &Path) -> String {
    let out = kijun(args, cwd);
    assert!(
        out.status.success(),
        "kijun {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str], cwd: &Path) -> Value {
    serde_json::from_str(&ok(args, cwd)).unwrap()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const CUSTOM: &str = r#"[catalog]
id = "city-x"
title = "X市外部サービス選定基準"
issuer = "X市"
version = "1"
source = "X市対策基準"

[[requirements]]
id = "R-1"
phase = "selection"
text = "多要素認証を提供すること"
obligations = [{ provider = "required" }]
controls = ["mfa"]
"#;

#[test]
fn catalog_list_shows_the_four_builtins() {
    let d = tmp();
    let list = json(&["catalog", "list", "--format", "json"], d.path());
    let rows = list.as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["seed-000", "seed-001", "seed-003", "seed-004"]);
    for r in rows {
        assert!(r["title"].is_string() && r["source"].as_str().unwrap().ends_with(".txt"));
        assert!(r["requirement_count"].as_u64().unwrap() > 20);
    }
    let text = ok(&["catalog", "list"], d.path());
    assert!(
        text.contains("seed-003     船橋市外部サービス選定基準"),
        "{text}"
    );
}

#[test]
fn catalog_show_json_has_the_documented_shape() {
    let d = tmp();
    let c = json(
        &["catalog", "show", "seed-000", "--format", "json"],
        d.path(),
    );
    assert_eq!(c["id"], "seed-000");
    let reqs = c["requirements"].as_array().unwrap();
    assert_eq!(reqs.len(), 33);
    let first = &reqs[0];
    assert_eq!(first["id"], "SEL-01");
    assert_eq!(first["phase"], "selection");
    assert_eq!(first["category"], "認証要件");
    assert!(
        first["text"]
            .as_str()
            .unwrap()
            .starts_with("当局が指定する公的認証資格")
    );
    assert_eq!(first["controls"][0], "certification");
    let rules = first["obligations"].as_array().unwrap();
    assert_eq!(rules[0]["when"], "ismap_listed");
    assert_eq!(rules[0]["integrator"], "required");
    assert_eq!(rules[1]["provider"], "recommended");

    let text = ok(&["catalog", "show", "seed-004"], d.path());
    assert!(text.contains("数値: サービス稼働率 = 99.8%以上"), "{text}");
    let out = kijun(&["catalog", "show", "seed-999"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("カタログ `seed-999` はありません"));
}

#[test]
fn catalog_validate_reports_locations_and_exits_2() {
    let d = tmp();
    std::fs::write(d.path().join("good.toml"), CUSTOM).unwrap();
    let out = ok(&["catalog", "validate", "good.toml"], d.path());
    assert!(out.contains("good.toml: OK — city-x"), "{out}");

    let bad = CUSTOM
        .replace("controls = [\"mfa\"]", "controls = [\"mfa\", \"nope\"]")
        .replace(
            "obligations = [{ provider = \"required\" }]",
            "obligations = [{ when = \"ismap\", provider = \"required\" }]",
        );
    std::fs::write(d.path().join("bad.toml"), bad).unwrap();
    std::fs::write(d.path().join("broken.toml"), "[catalog\n").unwrap();
    let out = kijun(
        &[
            "catalog",
            "validate",
            "good.toml",
            "bad.toml",
            "broken.toml",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("bad.toml:12:26: 条件式: 不明な属性または条件 `ismap`")),
        "{err}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("bad.toml:13:20: 不明な共通管理策 `nope`")),
        "{err}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("broken.toml:1:")),
        "{err}"
    );

    // A custom catalog may not take a built-in id.
    std::fs::write(
        d.path().join("clash.toml"),
        CUSTOM.replace("city-x", "seed-000"),
    )
    .unwrap();
    let out = kijun(&["catalog", "validate", "clash.toml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("clash.toml:1:1: カタログ id `seed-000` は")
    );
}

#[test]
fn custom_catalogs_load_from_catalog_dir_or_config() {
    let d = tmp();
    std::fs::create_dir(d.path().join("cats")).unwrap();
    std::fs::write(d.path().join("cats/x.toml"), CUSTOM).unwrap();
    let list = json(
        &[
            "--catalog-dir",
            "cats",
            "catalog",
            "list",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert_eq!(list[4]["id"], "city-x");
    assert_eq!(list[4]["builtin"], false);

    std::fs::write(d.path().join("kijun.toml"), "catalog_dir = \"cats\"\n").unwrap();
    let list = json(&["catalog", "list", "--format", "json"], d.path());
    assert_eq!(list[4]["id"], "city-x");

    std::fs::write(
        d.path().join("kijun.toml"),
        "catalog_directory = \"cats\"\n",
    )
    .unwrap();
    let out = kijun(&["catalog", "list"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kijun.toml:1:1:"));
    std::fs::remove_file(d.path().join("kijun.toml")).unwrap();

    std::fs::write(d.path().join("cats/y.toml"), CUSTOM).unwrap();
    let out = kijun(&["--catalog-dir", "cats", "catalog", "list"], d.path());
    assert_eq!(
        out.status.code(),
        Some(2),
        "duplicate custom ids are refused"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("y.toml:1:1: カタログ id `city-x` は既に読み込まれています")
    );
}

#[test]
fn crosswalk_links_requirements_of_several_catalogs() {
    let d = tmp();
    let rows = json(&["catalog", "crosswalk", "--format", "json"], d.path());
    let mfa = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "mfa")
        .unwrap();
    let refs: Vec<String> = mfa["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["catalog"].as_str().unwrap(),
                e["requirement"].as_str().unwrap()
            )
        })
        .collect();
    assert!(refs.contains(&"seed-000/BLD-01".to_owned()), "{refs:?}");
    assert!(refs.iter().any(|r| r.starts_with("seed-001/")), "{refs:?}");
    let text = ok(&["catalog", "crosswalk"], d.path());
    assert!(text.contains("多要素認証（mfa）"), "{text}");
}

#[test]
fn profile_template_is_complete_and_loads_back() {
    let d = tmp();
    let t = ok(&["template", "profile"], d.path());
    for key in [
        "ismap_registered = false",
        "ismap_liu_registered = false",
        "lgwan_asp = false",
        "gov_cloud = false",
        "service_model = \"saas\"",
        "handles_personal_info = true",
        "confidentiality_class = 2",
        "network_segment = \"internet\"",
        "subcontracting = true",
        "remote_maintenance = true",
    ] {
        assert!(t.contains(key), "{key} missing:\n{t}");
    }
    std::fs::write(d.path().join("p.toml"), &t).unwrap();
    let ev = json(
        &[
            "assess",
            "--profile",
            "p.toml",
            "--catalog",
            "seed-000",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(ev["profile"]["ismap_registered"], false);
}

fn count(items: &Value, party: &str, level: &str) -> usize {
    items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["party"] == party && i["level"] == level)
        .count()
}

#[test]
fn assess_applies_seed_000_by_ismap_registration() {
    let d = tmp();
    let t = ok(&["template", "profile"], d.path());
    std::fs::write(
        d.path().join("ismap.toml"),
        t.replace("ismap_registered = false", "ismap_registered = true"),
    )
    .unwrap();
    std::fs::write(d.path().join("plain.toml"), &t).unwrap();

    let ev = json(
        &[
            "assess",
            "--profile",
            "ismap.toml",
            "--catalog",
            "seed-000",
            "--format",
            "json",
        ],
        d.path(),
    );
    let cat = &ev["catalogs"][0];
    assert_eq!(cat["id"], "seed-000");
    assert_eq!(cat["verdict"], "rejected");
    assert_eq!(count(&cat["items"], "integrator", "required"), 29);
    assert_eq!(
        count(&cat["items"], "provider", "required")
            + count(&cat["items"], "provider", "recommended"),
        0
    );
    let item = &cat["items"][0];
    for key in ["requirement_id", "party", "level", "status"] {
        assert!(item.get(key).is_some(), "item lacks {key}: {item}");
    }
    assert_eq!(item["status"], "unanswered");
    assert_eq!(cat["gaps"].as_array().unwrap().len(), 29);

    let ev = json(
        &[
            "assess",
            "--profile",
            "plain.toml",
            "--catalog",
            "seed-000",
            "--format",
            "json",
        ],
        d.path(),
    );
    let items = &ev["catalogs"][0]["items"];
    assert_eq!(count(items, "provider", "required"), 27);
    assert_eq!(count(items, "provider", "recommended"), 4);

    // Without --catalog every loaded catalog is evaluated.
    let ev = json(
        &["assess", "--profile", "plain.toml", "--format", "json"],
        d.path(),
    );
    assert_eq!(ev["catalogs"].as_array().unwrap().len(), 4);
}

#[test]
fn answer_template_filled_in_round_trips_to_a_verdict() {
    let d = tmp();
    std::fs::write(
        d.path().join("p.toml"),
        ok(&["template", "profile"], d.path()),
    )
    .unwrap();
    let t = ok(
        &[
            "template",
            "answers",
            "--catalog",
            "seed-000",
            "--profile",
            "p.toml",
        ],
        d.path(),
    );
    assert_eq!(t.matches("[[answers]]").count(), 60);
    // The bare template is all unanswered.
    std::fs::write(d.path().join("a.toml"), &t).unwrap();
    let ev = json(
        &[
            "assess",
            "--profile",
            "p.toml",
            "--answers",
            "a.toml",
            "--catalog",
            "seed-000",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(ev["catalogs"][0]["verdict"], "rejected");

    // Everything conforms: approved.
    let all = t.replace("# status = \"conforms\"", "status = \"conforms\"");
    std::fs::write(d.path().join("a.toml"), &all).unwrap();
    let ev = json(
        &[
            "assess",
            "--profile",
            "p.toml",
            "--answers",
            "a.toml",
            "--catalog",
            "seed-000",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(ev["catalogs"][0]["verdict"], "approved");
    assert_eq!(ev["catalogs"][0]["gaps"].as_array().unwrap().len(), 0);

    // One required item partial with a plan: conditional, with its due date.
    let partial = all.replacen(
        "status = \"conforms\"",
        "status = \"partial\"\nplan = \"ISMS認証を取得する\"\ndue = 2027-03-31",
        1,
    );
    std::fs::write(d.path().join("a.toml"), &partial).unwrap();
    let ev = json(
        &[
            "assess",
            "--profile",
            "p.toml",
            "--answers",
            "a.toml",
            "--catalog",
            "seed-000",
            "--format",
            "json",
        ],
        d.path(),
    );
    let cat = &ev["catalogs"][0];
    assert_eq!(cat["verdict"], "conditional");
    assert_eq!(cat["gaps"][0]["severity"], "condition");
    assert_eq!(cat["gaps"][0]["due"], "2027-03-31");
    let text = ok(
        &[
            "assess",
            "--profile",
            "p.toml",
            "--answers",
            "a.toml",
            "--catalog",
            "seed-000",
        ],
        d.path(),
    );
    assert!(text.contains("判定 条件付き承認"), "{text}");
}

#[test]
fn control_answers_prefill_across_catalogs_from_the_cli() {
    let d = tmp();
    std::fs::write(
        d.path().join("p.toml"),
        ok(&["template", "profile"], d.path()),
    )
    .unwrap();
    std::fs::write(
        d.path().join("a.toml"),
        "[[control_answers]]\ncontrol = \"mfa\"\nparty = \"provider\"\nstatus = \"conforms\"\ncomment = \"TOTP\"\n",
    )
    .unwrap();
    let ev = json(
        &[
            "assess",
            "--profile",
            "p.toml",
            "--answers",
            "a.toml",
            "--format",
            "json",
        ],
        d.path(),
    );
    let mut hits = 0;
    for cat in ev["catalogs"].as_array().unwrap() {
        for item in cat["items"].as_array().unwrap() {
            if item["source"]["kind"] == "control" {
                assert_eq!(item["source"]["control"], "mfa");
                assert_eq!(item["answer"]["comment"], "TOTP");
                hits += 1;
            }
        }
    }
    assert!(hits >= 2, "{hits}");
}

#[test]
fn bad_inputs_to_assess_exit_2_with_locations() {
    let d = tmp();
    std::fs::write(d.path().join("p.toml"), "ismap_registered = \"yes\"\n").unwrap();
    let out = kijun(&["assess", "--profile", "p.toml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("p.toml:1:20: 属性 `ismap_registered`")
    );

    std::fs::write(d.path().join("p.toml"), "").unwrap();
    std::fs::write(
        d.path().join("a.toml"),
        "[[answers]]\ncatalog = \"seed-000\"\nrequirement = \"SEL-13\"\nparty = \"integrator\"\nstatus = \"not_applicable\"\n",
    )
    .unwrap();
    let out = kijun(
        &["assess", "--profile", "p.toml", "--answers", "a.toml"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("a.toml:1:1: seed-000/SEL-13 (導入事業者): 該当なし")
    );

    let out = kijun(&["assess", "--profile", "missing.toml"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml: ファイルを読めません"));
}

#[test]
fn help_is_bilingual() {
    let d = tmp();
    let help = ok(&["--help"], d.path());
    assert!(
        help.contains("基準カタログ") && help.contains("list, show, validate"),
        "{help}"
    );
}

/// A profile file (all defaults: not ISMAP registered) in `d`.
fn default_profile(d: &Path) {
    std::fs::write(d.join("p.toml"), ok(&["template", "profile"], d)).unwrap();
}

#[test]
fn export_checklist_writes_a_workbook_for_the_profile_and_party() {
    let d = tmp();
    default_profile(d.path());
    let out = ok(
        &[
            "export",
            "checklist",
            "--catalog",
            "seed-000",
            "--catalog",
            "seed-004",
            "--profile",
            "p.toml",
            "--party",
            "provider",
            "--out",
            "vendor.xlsx",
        ],
        d.path(),
    );
    assert!(
        out.contains("vendor.xlsx: チェックリストを出力しました（2 シート"),
        "{out}"
    );
    let bytes = std::fs::read(d.path().join("vendor.xlsx")).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let meta = kijun_exchange::read_checklist_meta(&bytes).unwrap();
    assert_eq!(meta.parties, [kijun_core::Party::Provider]);
    let sheets: Vec<&str> = meta.sheets.iter().map(|s| s.catalog_id.as_str()).collect();
    assert_eq!(sheets, ["seed-000", "seed-004"]);
    assert_eq!(meta.assessment_id, None);
    assert_eq!(meta.title, "外部サービス選定基準 チェックリスト");

    let out = kijun(
        &[
            "export",
            "checklist",
            "--catalog",
            "seed-999",
            "--profile",
            "p.toml",
            "--out",
            "x.xlsx",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("カタログ `seed-999` はありません"));
    assert!(!d.path().join("x.xlsx").exists());
    // --catalog is required.
    let out = kijun(
        &[
            "export",
            "checklist",
            "--profile",
            "p.toml",
            "--out",
            "x.xlsx",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

/// The seed-000 checklist for the default profile with every item answered
/// `conforms`, except that `change` may alter an item's answer.
fn filled_checklist(change: impl Fn(&str, &mut kijun_core::Answer)) -> Vec<u8> {
    let controls = kijun_core::ControlVocabulary::builtin().unwrap();
    let set = kijun_core::CatalogSet::builtin(&controls).unwrap();
    let cat = set.get("seed-000").unwrap();
    let profile = kijun_core::Profile::default();
    let mut doc = kijun_exchange::ChecklistDoc::from_catalogs(
        "外部サービス選定基準 チェックリスト",
        &[cat],
        &profile,
        &kijun_core::Party::ALL,
    );
    for row in &mut doc.sheets[0].rows {
        let mut a = kijun_core::Answer::new(kijun_core::Status::Conforms);
        change(&row.item_id, &mut a);
        row.answer = Some(a);
    }
    kijun_exchange::write_checklist(&doc).unwrap()
}

#[test]
fn assess_accepts_a_filled_in_checklist_as_answers() {
    let d = tmp();
    default_profile(d.path());
    let assess = |answers: &str| {
        json(
            &[
                "assess",
                "--profile",
                "p.toml",
                "--answers",
                answers,
                "--catalog",
                "seed-000",
                "--format",
                "json",
            ],
            d.path(),
        )
    };
    // The blank checklist the CLI exports: every item unanswered.
    ok(
        &[
            "export",
            "checklist",
            "--catalog",
            "seed-000",
            "--profile",
            "p.toml",
            "--out",
            "blank.xlsx",
        ],
        d.path(),
    );
    let ev = assess("blank.xlsx");
    assert_eq!(ev["catalogs"][0]["verdict"], "rejected");
    assert_eq!(ev["catalogs"][0]["summary"]["unanswered"], 60);

    // Every item conforms: approved. The file is recognised by its content
    // even without the .xlsx extension.
    std::fs::write(d.path().join("filled.bin"), filled_checklist(|_, _| {})).unwrap();
    let ev = assess("filled.bin");
    assert_eq!(ev["catalogs"][0]["verdict"], "approved");
    assert_eq!(ev["catalogs"][0]["summary"]["conforms"], 60);

    // One required item partial with a plan: conditional, with its due date.
    let partial = filled_checklist(|id, a| {
        if id == "seed-000/SEL-01/integrator" {
            *a = kijun_core::Answer::new(kijun_core::Status::Partial);
            a.remediation = Some(kijun_core::answer::Remediation {
                plan: "ISMS認証を取得する".into(),
                due: kijun_core::catalog::Date {
                    year: 2027,
                    month: 3,
                    day: 31,
                },
            });
        }
    });
    std::fs::write(d.path().join("partial.xlsx"), partial).unwrap();
    let ev = assess("partial.xlsx");
    let cat = &ev["catalogs"][0];
    assert_eq!(cat["verdict"], "conditional");
    assert_eq!(cat["gaps"][0]["requirement_id"], "SEL-01");
    assert_eq!(cat["gaps"][0]["due"], "2027-03-31");

    // A 該当なし without a reason: exit 2, the sheet, row and column named.
    let bad = filled_checklist(|id, a| {
        if id == "seed-000/SEL-13/provider" {
            *a = kijun_core::Answer::new(kijun_core::Status::NotApplicable);
            a.reason = None;
        }
    });
    std::fs::write(d.path().join("bad.xlsx"), bad).unwrap();
    let out = kijun(
        &["assess", "--profile", "p.toml", "--answers", "bad.xlsx"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("bad.xlsx: シート「seed-000」 ")
            && line.contains("行 J列（説明）: 「該当なし」には理由が必要です"),
        "{err}"
    );
    assert!(
        err.contains("エラー: 入力ファイルに問題があります"),
        "{err}"
    );

    // A checklist exported for an ISMAP-registered service does not fit a
    // profile where the provider is asked too: the extra rows are unknown.
    std::fs::write(
        d.path().join("ismap.toml"),
        ok(&["template", "profile"], d.path())
            .replace("ismap_registered = false", "ismap_registered = true"),
    )
    .unwrap();
    let out = kijun(
        &[
            "assess",
            "--profile",
            "ismap.toml",
            "--answers",
            "filled.bin",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("列（項目ID）"), "{err}");
    assert!(
        err.contains("同じプロファイル (--profile) を指定してください"),
        "{err}"
    );

    // Not a workbook although named .xlsx.
    std::fs::write(d.path().join("fake.xlsx"), "status = 1\n").unwrap();
    let out = kijun(
        &["assess", "--profile", "p.toml", "--answers", "fake.xlsx"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("fake.xlsx: xlsx ファイルとして読めません")
    );
}

#[test]
fn import_catalog_turns_a_criteria_sheet_into_a_valid_catalog() {
    let d = tmp();
    std::fs::create_dir(d.path().join("cats")).unwrap();
    std::fs::write(
        d.path().join("city.txt"),
        include_str!("../../../catalogs/sources/000_53826eb87d7469aa.txt"),
    )
    .unwrap();
    let out = ok(
        &[
            "import",
            "catalog",
            "city.txt",
            "--id",
            "my-city",
            "--issuer",
            "〇〇市",
            "--out",
            "cats/my-city.toml",
        ],
        d.path(),
    );
    assert!(
        out.contains("カタログ my-city「外部サービス選定基準」を作成しました（要求事項 33 件）"),
        "{out}"
    );
    let out = ok(&["catalog", "validate", "cats/my-city.toml"], d.path());
    assert!(out.contains("cats/my-city.toml: OK — my-city"), "{out}");
    let mine = json(
        &[
            "--catalog-dir",
            "cats",
            "catalog",
            "show",
            "my-city",
            "--format",
            "json",
        ],
        d.path(),
    );
    let builtin = json(
        &["catalog", "show", "seed-000", "--format", "json"],
        d.path(),
    );
    assert_eq!(mine["issuer"], "〇〇市");
    let reqs = mine["requirements"].as_array().unwrap();
    assert_eq!(reqs.len(), 33);
    for (a, b) in reqs.iter().zip(builtin["requirements"].as_array().unwrap()) {
        for key in [
            "id",
            "phase",
            "category",
            "subcategory",
            "text",
            "examples",
            "obligations",
            "controls",
        ] {
            assert_eq!(a[key], b[key], "{key} of {}", b["id"]);
        }
    }

    // A workbook works the same way: an exported checklist read as a criteria sheet.
    default_profile(d.path());
    ok(
        &[
            "export",
            "checklist",
            "--catalog",
            "seed-000",
            "--profile",
            "p.toml",
            "--out",
            "list.xlsx",
        ],
        d.path(),
    );
    ok(
        &["import", "catalog", "list.xlsx", "--out", "list.toml"],
        d.path(),
    );
    let out = ok(&["catalog", "validate", "list.toml"], d.path());
    assert!(
        out.contains("list.toml: OK — list 「外部サービス選定基準 チェックリスト」 要求事項 33 件"),
        "{out}"
    );

    // Problems: exit 2, each at its row and column.
    std::fs::write(
        d.path().join("bad.tsv"),
        "ID\t要求事項\t導入事業者\t外部サービス提供者\n\
         R-1\t多要素認証を提供すること\t任意\t必須\n\
         R-2\t\t必須\t必須\n",
    )
    .unwrap();
    let out = kijun(
        &["import", "catalog", "bad.tsv", "--out", "bad.toml"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "bad.tsv: 2行 C列（導入事業者）: 必須/推奨の値「任意」は読めません。必須／推奨／-（対象外）のいずれかを記入してください",
            "bad.tsv: 3行 B列（要求事項）: 要求事項の欄が空です。要求事項を記入するか、行を空にしてください",
        ],
        "{err}"
    );
    assert!(!d.path().join("bad.toml").exists());

    // A built-in id is refused before anything is written.
    let out = kijun(
        &[
            "import", "catalog", "city.txt", "--id", "seed-000", "--out", "x.toml",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("カタログ id `seed-000` は既に読み込まれています")
    );
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn audit_verify_reports_tampering_with_exit_code_3() {
    use jiff::ToSpan;
    let d = tmp();
    let data = d.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let url = format!("sqlite://{}", data.join("kijun.sqlite3").display());
    block_on(async {
        let store = kijun_store::Store::open(&url).await.unwrap();
        let t0: jiff::Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
        for i in 0..5 {
            let e = kijun_store::NewAuditEntry {
                action: format!("login_{i}"),
                details: serde_json::json!({}),
                ..Default::default()
            };
            store.append_audit(&e, t0 + i.minutes()).await.unwrap();
        }
        store.close().await;
    });
    let out = ok(&["audit", "verify", "--data-dir", "data"], d.path());
    assert!(out.contains("system: 5 件、正常"), "{out}");
    let report = json(
        &["audit", "verify", "--data-dir", "data", "--format", "json"],
        d.path(),
    );
    assert_eq!(report["chains"][0]["problem"], Value::Null);

    block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET action = 'logout' WHERE seq = 3;",
        )
        .execute(&mut c)
        .await
        .unwrap();
    });
    let out = kijun(&["audit", "verify", "--data-dir", "data"], d.path());
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("エントリ #3 の内容が改ざんされています"),
        "{text}"
    );
    let out = kijun(
        &["audit", "verify", "--data-dir", "data", "--format", "json"],
        d.path(),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["chains"][0]["problem"]["kind"], "modified");
    assert_eq!(report["chains"][0]["problem"]["seq"], 3);

    let out = kijun(&["audit", "verify", "--data-dir", "nowhere"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("データベースがありません"));
    assert!(
        !d.path().join("nowhere").exists(),
        "verify never creates a database"
    );
}

#[test]
fn audit_prune_applies_tenant_retention() {
    use jiff::ToSpan;
    let d = tmp();
    let data = d.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let url = format!("sqlite://{}", data.join("kijun.sqlite3").display());
    block_on(async {
        let store = kijun_store::Store::open(&url).await.unwrap();
        let now = jiff::Timestamp::now();
        let keep = store.create_tenant("keep", "保存市", now).await.unwrap();
        let short = store.create_tenant("short", "短期市", now).await.unwrap();
        store
            .set_tenant_settings(&short.id, &serde_json::json!({"audit_retention_days": 30}))
            .await
            .unwrap();
        for t in [&keep, &short] {
            for age in [60, 45, 1] {
                let e = kijun_store::NewAuditEntry {
                    tenant_id: Some(t.id.clone()),
                    action: format!("age_{age}"),
                    details: serde_json::json!({}),
                    ..Default::default()
                };
                store
                    .append_audit(&e, now - (age * 24).hours())
                    .await
                    .unwrap();
            }
        }
        store.close().await;
    });
    let out = ok(&["audit", "prune", "--data-dir", "data"], d.path());
    assert!(out.contains("short: 2 件削除"), "{out}");
    assert!(
        !out.contains("keep"),
        "no retention set, nothing pruned: {out}"
    );
    let out = ok(&["audit", "prune", "--data-dir", "data"], d.path());
    assert!(out.contains("nothing to prune"), "{out}");
    let out = ok(&["audit", "verify", "--data-dir", "data"], d.path());
    assert!(out.contains("short（短期市）: 2 件、正常"), "{out}");
    assert!(out.contains("keep（保存市）: 3 件、正常"), "{out}");
}

/// Whether an outside program is on PATH; when it is not, a test that needs
/// it is skipped with a message — unless `require` (set by CI) is set, when
/// the missing program fails the test.
fn outside_tool(program: &str, require: &str) -> bool {
    // `pdftotext` answers `-v`, LibreOffice `--version`.
    let flag = if program == "pdftotext" {
        "-v"
    } else {
        "--version"
    };
    let found = Command::new(program)
        .arg(flag)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os(require).is_none(),
            "{program} is required ({require} is set) but not installed"
        );
        eprintln!("SKIPPED: {program} is not installed (set {require}=1 to require it)");
    }
    found
}

/// A real outside client opens kijun's Excel checklist: LibreOffice converts
/// it to PDF without error, and the PDF holds the Japanese requirement texts
/// it read from the workbook.
#[test]
fn an_exported_checklist_opens_in_libreoffice() {
    if !outside_tool("libreoffice", "KIJUN_REQUIRE_LIBREOFFICE")
        || !outside_tool("pdftotext", "KIJUN_REQUIRE_PDFTOTEXT")
    {
        return;
    }
    let d = tmp();
    default_profile(d.path());
    ok(
        &[
            "export",
            "checklist",
            "--catalog",
            "seed-000",
            "--profile",
            "p.toml",
            "--out",
            "checklist.xlsx",
        ],
        d.path(),
    );
    // A private profile directory: no clash with another LibreOffice.
    let profile = format!("file://{}", d.path().join("lo-profile").display());
    let out = Command::new("libreoffice")
        .args([
            &format!("-env:UserInstallation={profile}"),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            ".",
            "checklist.xlsx",
        ])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libreoffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = d.path().join("checklist.pdf");
    assert!(
        pdf.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = Command::new("pdftotext")
        .args(["-layout", "checklist.pdf", "-"])
        .current_dir(d.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).replace([' ', '\n'], "");
    for needle in ["外部サービス選定基準", "要求事項", "公的認証資格"] {
        assert!(text.contains(needle), "{needle} not in the PDF: {text}");
    }
}

// -- kijun sla ----------------------------------------------------------------

/// The ```json block after `<!-- example: {name} -->` in docs/sla.md: the
/// documented example input and output are the ones tested here.
fn sla_doc_example(name: &str) -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sla.md"))
            .unwrap();
    let marker = format!("<!-- example: {name} -->");
    let after = &doc[doc.find(&marker).expect("example marker") + marker.len()..];
    let start = after.find("```json\n").expect("json block") + "```json\n".len();
    let end = after[start..].find("```").expect("end of block");
    after[start..start + end].to_owned()
}

fn sla_report(input: &[u8], month: &str, format: &str) -> (Output, tempfile::TempDir) {
    let d = tmp();
    std::fs::write(d.path().join("in.json"), input).unwrap();
    let out = kijun(
        &[
            "sla", "report", "--input", "in.json", "--month", month, "--format", format,
        ],
        d.path(),
    );
    (out, d)
}

#[test]
fn sla_report_gives_the_documented_figures() {
    let input = sla_doc_example("sla-input");
    let (out, _d) = sla_report(input.as_bytes(), "2026-05", "json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    // By hand (docs/sla.md §7): May 2026, Mon–Fri 08:00–22:00 without
    // closed days: 21 weekdays − 5/4, 5/5, 5/6, 5/15 = 17 × 840 = 14,280;
    // justified 5/12 20:00–22:00 = 120; down 5/1 08:00–08:20 (20) + 5/7
    // 09:10–09:40:30 (31 touched minutes) + 5/28 14:00–14:45 (45) = 96;
    // (14,280 − 120 − 96) / (14,280 − 120) = 99.3220338… %.
    let expected = serde_json::json!({
        "month": "2026-05",
        "availability": {
            "planned_minutes": 14_280,
            "justified_stop_minutes": 120,
            "down_minutes": 96,
            "percent": 99.322033,
            "target": 99.8,
            "met": false,
        },
        "major_failures": [{
            "start": "2026-05-07T09:10:00+09:00",
            "end": "2026-05-07T09:40:30+09:00",
            "recovery_hours": 0.508334,
            "met": true,
        }],
        "major_failures_fiscal_year": {"fiscal_year": 2026, "count": 2, "target": 3, "met": true},
        "inquiries": [
            {"id": "Q-002", "response_hours": 19.0, "met": true},
            {"id": "Q-003", "response_hours": 41.5, "met": true},
            {"id": "Q-004", "response_hours": 41.0, "met": true},
            {"id": "Q-005", "response_hours": 48.000278, "met": false},
        ],
        "met": false,
    });
    assert_eq!(got, expected);
    let documented: Value = serde_json::from_str(&sla_doc_example("sla-output")).unwrap();
    assert_eq!(got, documented, "docs/sla.md shows another output");
    // The keys come out in the documented order.
    let text = String::from_utf8(out.stdout).unwrap();
    let order = [
        "\"month\"",
        "\"availability\"",
        "\"major_failures\"",
        "\"major_failures_fiscal_year\"",
        "\"inquiries\"",
        "\"met\": false\n}",
    ];
    let positions: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");

    // April: the night-batch failure started on 4/30 and took 8 h 50 min.
    let (out, _d) = sla_report(input.as_bytes(), "2026-04", "json");
    let april: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(april["availability"]["planned_minutes"], 21 * 840);
    assert_eq!(april["major_failures"][0]["recovery_hours"], 8.833334);
    assert_eq!(april["major_failures"][0]["met"], false);
    assert_eq!(april["inquiries"][0]["id"], "Q-001");
    assert_eq!(april["inquiries"][0]["response_hours"], 43.0);
}

#[test]
fn sla_report_text_reads_in_japanese() {
    let input = sla_doc_example("sla-input");
    let (out, _d) = sla_report(input.as_bytes(), "2026-05", "text");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "SLA 月次報告 2026-05（2026-05-01〜2026-05-31、日本時間）",
        "総合判定: 未達成",
        "■ 稼働率: 99.322 %（目標 99.8 % 以上） … 未達成",
        "  (14,280 − 120 − 96) / (14,280 − 120) × 100 = 99.322033… %",
        "  2026-05-07 09:10 〜 2026-05-07 09:40:30  0 時間 30 分 30 秒  … 達成  認証基盤の障害",
        "■ 重大障害の件数: 2026年度（4 月 1 日〜当月末）2 件（目標 3 件以内） … 達成",
        "  Q-004  受付 2026-05-14 17:00  回答 2026-05-19 10:00  41 時間 00 分（期限 2026-05-19 17:00） … 達成",
        "  Q-005  受付 2026-05-25 09:00  回答 2026-05-27 09:00:01  48 時間 00 分 01 秒（期限 2026-05-27 09:00） … 未達成",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn sla_report_rejects_invalid_input_with_exit_2_naming_record_and_field() {
    let input = sla_doc_example("sla-input");
    let cases: &[(&str, &str, &str)] = &[
        // (replace, with, expected in stderr)
        (
            "\"start\": \"2026-05-07T09:10:00+09:00\"",
            "\"start\": \"2026-05-07 09:10\"",
            ": outages[3].start: 時刻 \"2026-05-07 09:10\" に時差がありません。末尾に +09:00（日本時間）か Z（協定世界時）を付けてください",
        ),
        (
            "\"end\": \"2026-05-28T05:45:00Z\"",
            "\"end\": \"2026-05-28T04:45:00Z\"",
            ": outages[5].end: 終了が開始より前です（開始 2026-05-28T14:00:00+09:00、終了 2026-05-28T13:45:00+09:00）。終了を開始以降の時刻にしてください",
        ),
        (
            "\"type\": \"weekly\"",
            "\"type\": \"daily\"",
            ": schedule.type: 運用スケジュールの種類 \"daily\" は使えません。\"always\"（24 時間 365 日）か \"weekly\"（曜日ごとの時間帯）にしてください",
        ),
        (
            "\"thu\":",
            "\"thur\":",
            ": schedule.hours.thur: 曜日 \"thur\" は使えません。mon, tue, wed, thu, fri, sat, sun のいずれかにしてください",
        ),
        (
            "\"mon\": [[\"08:00\"",
            "\"mon\": [[\"8:00\"",
            ": schedule.hours.mon[0][0]: 時刻 \"8:00\" を読めません。\"08:00\" のように HH:MM",
        ),
        (
            "\"reason\"",
            "\"reasons\"",
            ": justified_stops[0].reasons: 不明な項目です。正当停止 (justified_stops の要素) に書ける項目は start, end, reason です",
        ),
        (
            "\"first_answered_at\": \"2026-05-12T17:30:00+09:00\"",
            "\"first_answered_at\": \"2026-05-09T17:30:00+09:00\"",
            ": inquiries[2].first_answered_at: 一次回答が受付より前です",
        ),
        (
            "\"2026-05-15\"",
            "\"2026-5-15\"",
            ": extra_closed_days[0]: 日付 \"2026-5-15\" を読めません",
        ),
        (
            "\"major_failures_per_year\": 3",
            "\"major_failures_per_year\": -3",
            ": targets.major_failures_per_year: 年度あたりの重大障害の上限件数は 0 以上の整数で書いてください",
        ),
        (
            "\"reason\": \"定期保守（契約別紙 3.2）\"}",
            "\"reason\": \"定期保守（契約別紙 3.2）\"},",
            ": JSON として読めません (trailing comma)",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(input.contains(from), "the example has no {from}");
        let bad = input.replacen(from, to, 1);
        let (out, _d) = sla_report(bad.as_bytes(), "2026-05", "json");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{from} → {to}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr.contains(expected) && stderr.starts_with("in.json:"),
            "{from} → {to}: expected {expected:?} in\n{stderr}"
        );
        assert!(
            stderr.contains("エラー: 入力ファイルに問題があります"),
            "{stderr}"
        );
    }

    // Located exactly, every problem at once.
    let (out, _d) = sla_report(
        br#"{"schedule": {"type": "always"},
 "outages": [{"start": "2026-05-01T10:00:00+09:00", "end": "2026-05-01T09:00:00+09:00", "major": true},
             {"start": "2026-05-01T10:00:00+09:00", "end": "2026-05-01T11:00:00+09:00"}]}"#,
        "2026-05",
        "text",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "in.json:2:60: outages[0].end: 終了が開始より前です（開始 2026-05-01T10:00:00+09:00、終了 2026-05-01T09:00:00+09:00）。終了を開始以降の時刻にしてください",
            "in.json:3:14: outages[1].major: 必須の項目がありません。重大障害なら true、そうでなければ false を書いてください",
            "エラー: 入力ファイルに問題があります (invalid input)",
        ]
    );

    // Not UTF-8 (e.g. Shift_JIS).
    let (out, _d) = sla_report(b"{\"schedule\": \"\x82\xa0\"}", "2026-05", "json");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("in.json:1:1: UTF-8 のテキストとして読めません")
    );

    // The month is checked by the argument parser: exit 2, naming --month.
    for month in ["2026-13", "2026-00", "2026-5", "2100-01", "1954-12"] {
        let (out, _d) = sla_report(input.as_bytes(), month, "json");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{month}: {stderr}");
        assert!(
            stderr.contains("--month")
                && stderr.contains(&format!("集計月 `{month}` を使えません")),
            "{stderr}"
        );
    }

    // A missing file is not an invalid input: exit 1.
    let d = tmp();
    let out = kijun(
        &[
            "sla",
            "report",
            "--input",
            "none.json",
            "--month",
            "2026-05",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("none.json: ファイルを読めません"));
}

#[test]
fn sla_bench_prints_its_figures() {
    let d = tmp();
    let got = json(
        &[
            "sla",
            "bench",
            "--samples",
            "20160",
            "--iterations",
            "3",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(got["samples"], 20_160);
    assert_eq!(got["iterations"], 3);
    assert_eq!(got["period"]["start"], "2026-01-01T00:00:00+09:00");
    assert_eq!(got["period"]["end"], "2026-01-15T00:00:00+09:00");
    // 1/1–1/14 2026, Mon–Fri 08:00–22:00 without closed days: 1/1 and 1/2
    // are year-end, 1/12 is 成人の日 → 1/5–1/9, 1/13, 1/14 = 7 days.
    assert_eq!(got["availability"]["planned_minutes"], 7 * 840);
    assert_eq!(got["availability"]["unsampled_minutes"], 0);
    assert!(got["availability"]["percent"].is_f64());
    let ms = |k: &str| got["wall_ms"][k].as_f64().unwrap();
    assert!(ms("min") <= ms("median") && ms("median") <= ms("max"));
    let text = ok(
        &["sla", "bench", "--samples", "1440", "--iterations", "1"],
        d.path(),
    );
    assert!(text.contains("計算時間 (1 回): 最小 "), "{text}");
}

#[test]
fn bench_xlsx_writes_and_reads_back_every_row() {
    let d = tmp();
    let out = ok(
        &["bench", "xlsx", "--rows", "300", "--iterations", "2"],
        d.path(),
    );
    assert!(out.contains("300 行（2 当事者、回答済み）、2 回"), "{out}");
    assert!(
        out.contains("エクスポート (write)") && out.contains("インポート (read+check)"),
        "{out}"
    );
}
