//! `kijun audit …`: operator commands on the audit log.

use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use kijun_store::Store;

use crate::cli::{DbArgs, Format};

/// Opens the existing database named by `db` (never creates one).
pub async fn open_existing(db: &DbArgs) -> Result<Store> {
    let url = match &db.database_url {
        Some(url) => url.clone(),
        None => {
            let path = db.data_dir.join("kijun.sqlite3");
            if !path.exists() {
                bail!(
                    "{}: データベースがありません。--data-dir か --database-url を確認してください (no database)",
                    path.display()
                );
            }
            format!("sqlite://{}", path.display())
        }
    };
    Store::connect(&url)
        .await
        .with_context(|| "データベースに接続できません (cannot connect)".to_owned())
}

/// Verifies every chain; exit code 3 if any is broken.
pub async fn verify(db: &DbArgs, format: Format) -> Result<ExitCode> {
    let store = open_existing(db).await?;
    let report = store.verify_audit().await?;
    let tenants = store.tenants().await.unwrap_or_default();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => {
            for c in &report.chains {
                let name = tenants
                    .iter()
                    .find(|t| t.id == c.chain)
                    .map_or_else(|| c.chain.clone(), |t| format!("{}（{}）", t.slug, t.name));
                match &c.problem {
                    None => println!("{name}: {} 件、正常 (intact)", c.entries),
                    Some(p) => println!(
                        "{name}: {} 件、改ざんを検出: {} (broken at #{})",
                        c.entries,
                        p.message(),
                        p.seq()
                    ),
                }
            }
            if report.chains.is_empty() {
                println!("監査ログは空です (empty)");
            }
        }
    }
    store.close().await;
    Ok(if report.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// Applies every tenant's retention period now.
pub async fn prune(db: &DbArgs) -> Result<ExitCode> {
    let store = open_existing(db).await?;
    let pruned = kijun_web::retention::apply(&store, jiff::Timestamp::now()).await?;
    if pruned.is_empty() {
        println!("保存期間を過ぎた監査ログはありません (nothing to prune)");
    }
    for (tenant, n) in pruned {
        println!("{tenant}: {n} 件削除 (pruned)");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
