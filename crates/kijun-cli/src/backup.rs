//! `kijun backup create|verify|restore` and `kijun key rotate`: the host
//! operator's side of backups and master keys (docs/operations.md). Every
//! run is recorded in the system audit chain — of the live instance for
//! `create` and `verify`, of the restored one for `restore`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use jiff::Timestamp;
use kijun_store::backup::{self, BackupCheck, BackupKey};
use kijun_store::evidence::Vault;
use kijun_store::{NewAuditEntry, Store};

use crate::cli::DbArgs;
use crate::tenant::{HOST_OPERATOR, read_key_file};

/// The master key of an existing instance: `--master-key-file`, else
/// `KIJUN_MASTER_KEY`, else `DATA_DIR/master.key` (never created here).
fn existing_master_key(db: &DbArgs, file: Option<&Path>) -> Result<[u8; 32]> {
    if let Some(path) = file {
        return read_key_file(path);
    }
    if std::env::var_os("KIJUN_MASTER_KEY").is_some() || db.data_dir.join("master.key").exists() {
        return kijun_web::load_master_key(&db.data_dir).context("マスター鍵を読めません");
    }
    bail!(
        "{}: マスター鍵がありません。取得時のマスター鍵を --master-key-file か KIJUN_MASTER_KEY で指定してください (no master key)",
        db.data_dir.join("master.key").display()
    )
}

fn entry(action: &str, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry {
        tenant_id: None,
        actor_id: None,
        actor_name: Some(HOST_OPERATOR.into()),
        action: action.into(),
        target: None,
        source_addr: None,
        details,
    }
}

fn print_check(check: &BackupCheck) {
    println!(
        "作成日時 {}、スキーマ {}、データベース {} バイト、証跡ファイル {} 件（復号して SHA-256 を照合 {} 件）、監査ログのチェーン {} 本が正常",
        check.manifest.created_at,
        check.manifest.schema_version,
        check.database_bytes,
        check.blobs,
        check.evidence_checked,
        check.audit_chains
    );
}

/// `kijun backup create`.
pub async fn create(db: &DbArgs, out: Option<PathBuf>) -> Result<ExitCode> {
    let store = crate::audit::open_existing(db).await?;
    let key = BackupKey::from_master(&existing_master_key(db, None)?)?;
    let now = Timestamp::now();
    let out = out.unwrap_or_else(|| {
        db.data_dir
            .join("backups")
            .join(format!("kijun-{}.kjbk", now.strftime("%Y%m%dT%H%M%S%.6fZ")))
    });
    let summary = store
        .create_backup(&db.data_dir.join("blobs"), &out, &key, now)
        .await?;
    store
        .append_audit(
            &entry(
                "backup_created",
                serde_json::json!({"file": out.display().to_string(), "size": summary.size,
                                   "sha256": summary.sha256, "blobs": summary.blobs}),
            ),
            now,
        )
        .await?;
    store.close().await;
    println!(
        "バックアップを作成しました: {}（{} バイト、SHA-256 {}、証跡ファイル {} 件）。マスター鍵（ID {}）は別に保管してください (backup created)",
        out.display(),
        summary.size,
        summary.sha256,
        summary.blobs,
        key.master_key_id()
    );
    Ok(ExitCode::SUCCESS)
}

/// `kijun backup verify`: exit 0 when intact, 3 when the archive is
/// damaged or tampered with.
pub async fn verify(db: &DbArgs, file: &Path, master_key_file: Option<&Path>) -> Result<ExitCode> {
    let master = existing_master_key(db, master_key_file)?;
    let key = BackupKey::from_master(&master)?;
    let scratch = std::env::temp_dir();
    let result = backup::verify_backup(file, &key, &Vault::new(&master), &scratch).await;
    // Record the run in the live instance when there is one here.
    if let Ok(store) = crate::audit::open_existing(db).await {
        let details = serde_json::json!({"file": file.display().to_string(), "ok": result.is_ok(),
                                         "error": result.as_ref().err().map(ToString::to_string)});
        store
            .append_audit(&entry("backup_verified", details), Timestamp::now())
            .await?;
        store.close().await;
    }
    match result {
        Ok(check) => {
            println!("{}: 正常です (backup verified)", file.display());
            print_check(&check);
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (backup::BackupError::Corrupt(_) | backup::BackupError::NotABackup(_))) => {
            eprintln!("{}: {e}", file.display());
            Ok(ExitCode::from(3))
        }
        Err(e) => Err(e.into()),
    }
}

/// `kijun backup restore`: into an empty data directory.
pub async fn restore(db: &DbArgs, file: &Path, master_key_file: Option<&Path>) -> Result<ExitCode> {
    if db.database_url.is_some() {
        bail!(
            "PostgreSQL への復元は pg_restore で行ってください（docs/operations.md）。kijun backup restore は組込み SQLite のデータディレクトリに復元します"
        );
    }
    let master = existing_master_key(db, master_key_file)?;
    let key = BackupKey::from_master(&master)?;
    let check = backup::restore_backup(file, &key, &Vault::new(&master), &db.data_dir).await?;
    // The restored instance needs its key where `kijun serve` looks.
    let key_path = db.data_dir.join("master.key");
    if master_key_file.is_some() && !key_path.exists() {
        let hex: String = master.iter().map(|b| format!("{b:02x}")).collect();
        write_private(&key_path, &format!("{hex}\n"))?;
    }
    let store = Store::open(&format!(
        "sqlite://{}",
        db.data_dir.join("kijun.sqlite3").display()
    ))
    .await?;
    store
        .append_audit(
            &entry(
                "backup_restored",
                serde_json::json!({"file": file.display().to_string(),
                                   "created_at": check.manifest.created_at}),
            ),
            Timestamp::now(),
        )
        .await?;
    store.close().await;
    println!(
        "{} を {} に復元しました (restored)",
        file.display(),
        db.data_dir.display()
    );
    print_check(&check);
    Ok(ExitCode::SUCCESS)
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, content: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("{}: 書き込めません", path.display()))?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// `kijun key rotate`: re-wraps every data key and re-seals every secret
/// under the new master key in one transaction, then installs the new key
/// file and keeps the old one as `master.key.retired-<id>` for the operator
/// to destroy. The server must be stopped.
pub async fn rotate(db: &DbArgs, new_key_file: &Path) -> Result<ExitCode> {
    let old = existing_master_key(db, None)?;
    let new = read_key_file(new_key_file)?;
    if old == new {
        bail!("新しいマスター鍵が現在の鍵と同じです (same key)");
    }
    let store = crate::audit::open_existing(db).await?;
    let key_path = db.data_dir.join("master.key");
    let env_key = std::env::var_os("KIJUN_MASTER_KEY").is_some();
    let staged = db.data_dir.join("master.key.new");
    if !env_key {
        // Staged first: if anything stops between the commit and the
        // rename, the new key is on disk beside the old one.
        let hex: String = new.iter().map(|b| format!("{b:02x}")).collect();
        let _ = std::fs::remove_file(&staged);
        write_private(&staged, &format!("{hex}\n"))?;
    }
    let rotation = kijun_web::crypto::rotate_master_key(
        &store,
        &old,
        &new,
        HOST_OPERATOR,
        Timestamp::now(),
    )
    .await
    .context(
        "マスター鍵を更新できませんでした。何も変更していません (rotation failed; nothing changed)",
    );
    store.close().await;
    let rotation = match rotation {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    println!(
        "マスター鍵を更新しました: {} → {}（データ鍵 {} 件を再ラップ、TOTP 秘密 {} 件・Webhook 秘密 {} 件を再暗号化。証跡ファイルは再暗号化不要）",
        rotation.old_master_key_id,
        rotation.new_master_key_id,
        rotation.tenant_keys,
        rotation.totp_secrets,
        rotation.webhook_secrets
    );
    if env_key {
        println!(
            "KIJUN_MASTER_KEY を新しい鍵（{}）に置き換えてからサーバーを起動してください",
            new_key_file.display()
        );
    } else {
        let retired = db
            .data_dir
            .join(format!("master.key.retired-{}", rotation.old_master_key_id));
        std::fs::rename(&key_path, &retired)
            .with_context(|| format!("{}: 移動できません", key_path.display()))?;
        std::fs::rename(&staged, &key_path)
            .with_context(|| format!("{}: 移動できません", staged.display()))?;
        println!(
            "新しい鍵を {} に置きました。古い鍵 {} は、それで取得したバックアップが不要になった時点で安全に破棄してください（破棄すると、それ以前のバックアップは復号できなくなります）",
            key_path.display(),
            retired.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
