//! Files of a stored assessment, for the host operator: `kijun export
//! checklist --assessment`, `kijun import answers` and `kijun report
//! assessment|checklist`. They open the database directly (like `kijun
//! audit verify`) and use the same functions as the server's API, so a file
//! made here is the file the server would make; each run is audit-logged as
//! the CLI operator. Long steps show a spinner on a terminal.

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use kijun_core::Party;
use kijun_store::assessment::{Actor, AssessmentRecord};
use kijun_store::{NewAuditEntry, Store};
use kijun_web::error::ApiError;
use kijun_web::routes::exchange::{ImportBy, checklist_doc, import_checklist_file};
use kijun_web::routes::reports::{assessment_report_data, checklist_report_data, concat, names};
use serde_json::json;

use crate::cli::{
    DbArgs, ExportChecklistArgs, ImportAnswersArgs, PartyArg, ReportArgs, ReportFormatArg,
};
use crate::context::Context;

/// The name the CLI's actions carry in histories and the audit log.
const OPERATOR: &str = "kijun CLI（ホスト運用者）";

/// A spinner on stderr while `step` runs (nothing when stderr is not a
/// terminal, e.g. in scripts and tests).
fn spinner(message: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// An API error as the CLI reports it: the message, then every problem.
fn api(e: ApiError) -> anyhow::Error {
    let mut text = e.message;
    for p in &e.problems {
        text.push_str("\n  ");
        text.push_str(&p.message);
    }
    anyhow!(text)
}

async fn assessment(store: &Store, id: &str) -> Result<AssessmentRecord> {
    store.assessment(id).await?.ok_or_else(|| {
        anyhow!("審査 {id} がありません。審査 ID を確認してください (no such assessment)")
    })
}

fn audit_entry(a: &AssessmentRecord, action: &str, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry {
        tenant_id: Some(a.tenant_id.clone()),
        actor_id: None,
        actor_name: Some(OPERATOR.to_owned()),
        action: action.to_owned(),
        target: Some(format!("assessment:{}", a.id)),
        source_addr: None,
        details,
    }
}

fn parties(arg: PartyArg) -> Vec<Party> {
    match arg {
        PartyArg::Integrator => vec![Party::Integrator],
        PartyArg::Provider => vec![Party::Provider],
        PartyArg::Both => Party::ALL.to_vec(),
    }
}

fn write(out: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(out, bytes).with_context(|| {
        format!(
            "{}: ファイルに書き込めません (cannot write file)",
            out.display()
        )
    })
}

async fn open(db: &DbArgs) -> Result<Store> {
    crate::audit::open_existing(db).await
}

/// `kijun export checklist --assessment ID`: the workbook the server's
/// `GET …/checklist?format=xlsx` gives, with the answers so far.
pub async fn export_checklist(
    ctx: &Context,
    args: &ExportChecklistArgs,
    id: &str,
) -> Result<ExitCode> {
    let store = open(&args.db).await?;
    let a = assessment(&store, id).await?;
    let bar = spinner("チェックリストを作成しています…");
    let (_, service, _, _) = names(&store, &a).await.map_err(api)?;
    let items = store.items(&a.id, None).await?;
    let parties = parties(args.party);
    let doc = checklist_doc(&ctx.catalogs, &a, &service, &items, &parties).map_err(api)?;
    let bytes = kijun_exchange::write_checklist(&doc)?;
    write(&args.out, &bytes)?;
    store
        .append_audit(
            &audit_entry(
                &a,
                "checklist_exported",
                json!({"format": "xlsx", "parties": parties.iter().map(|p| p.as_str()).collect::<Vec<_>>()}),
            ),
            jiff::Timestamp::now(),
        )
        .await?;
    bar.finish_and_clear();
    println!(
        "{}: 審査 {} のチェックリストを出力しました（{} シート、{} 項目）",
        args.out.display(),
        a.id,
        doc.sheets.len(),
        doc.rows().count()
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `kijun import answers FILE --assessment ID --party P`: a vendor's filled
/// checklist into the database, all or nothing.
pub async fn import_answers(ctx: &Context, args: &ImportAnswersArgs) -> Result<ExitCode> {
    let bytes = fs::read(&args.file).with_context(|| {
        format!(
            "{}: ファイルを読めません (cannot read file)",
            args.file.display()
        )
    })?;
    let store = open(&args.db).await?;
    let a = assessment(&store, &args.assessment).await?;
    if a.status != "open" {
        bail!(
            "審査 {} は判定済みです。回答は取り込めません (decided)",
            a.id
        );
    }
    let party = match args.party {
        crate::cli::OnePartyArg::Integrator => Party::Integrator,
        crate::cli::OnePartyArg::Provider => Party::Provider,
    };
    let bar = spinner("チェックリストを検査して取り込んでいます…");
    let by = ImportBy {
        actor: Actor {
            id: None,
            name: Some(OPERATOR.to_owned()),
        },
        audit: audit_entry(
            &a,
            "checklist_imported",
            json!({"party": party, "file": args.file.display().to_string()}),
        ),
        remember: &|_, _, _| None,
    };
    let outcome = import_checklist_file(
        &store,
        &ctx.catalogs,
        &a,
        party,
        &bytes,
        &by,
        jiff::Timestamp::now(),
    )
    .await;
    bar.finish_and_clear();
    store.close().await;
    match outcome {
        Ok(o) => {
            println!(
                "{}: {} 件の回答を読み、{} 件を保存しました（SHA-256 {}）",
                args.file.display(),
                o.answers,
                o.changed,
                o.sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if !e.problems.is_empty() => {
            for p in &e.problems {
                eprintln!("{}: {}", args.file.display(), p.message);
            }
            eprintln!("エラー: {}", e.message);
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(api(e)),
    }
}

/// `kijun report assessment|checklist ID --format pdf|html --out FILE`.
pub async fn report(ctx: &Context, args: &ReportArgs, checklist: bool) -> Result<ExitCode> {
    let store = open(&args.db).await?;
    let a = assessment(&store, &args.id).await?;
    let bar = spinner("報告書を作成しています…");
    let now = jiff::Timestamp::now();
    let doc = if checklist {
        let (tenant, service, _, _) = names(&store, &a).await.map_err(api)?;
        let items = store.items(&a.id, None).await?;
        let docs = a
            .catalogs
            .iter()
            .filter_map(|c| ctx.catalogs.get(c))
            .map(|c| {
                kijun_report::checklist_report(&checklist_report_data(
                    c, &items, None, &tenant, &service, now,
                ))
            })
            .collect();
        concat(docs).ok_or_else(|| anyhow!("審査 {} のカタログが読み込まれていません", a.id))?
    } else {
        let data = assessment_report_data(&store, &ctx.catalogs, &a, now)
            .await
            .map_err(api)?;
        kijun_report::assessment_report(&data)
    };
    let (bytes, format) = match args.format {
        ReportFormatArg::Pdf => (kijun_report::render_pdf(&doc)?, "pdf"),
        ReportFormatArg::Html => (kijun_report::render_html(&doc).into_bytes(), "html"),
    };
    write(&args.out, &bytes)?;
    let action = if checklist {
        "checklist_report_exported"
    } else {
        "assessment_report_exported"
    };
    store
        .append_audit(&audit_entry(&a, action, json!({"format": format})), now)
        .await?;
    bar.finish_and_clear();
    println!(
        "{}: 出力しました（{} バイト）",
        args.out.display(),
        bytes.len()
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
