//! `kijun tenant export|import|purge`: a municipality's data leaving kijun
//! (docs/operations.md).
//!
//! An export is a directory in open formats: `data/<table>.jsonl` (one JSON
//! object per row, keys sorted), `shared/<table>.jsonl` (the vendor
//! organisations and users the tenant refers to), `csv/<table>.csv` for the
//! tables a person opens (UTF-8 with BOM, for Excel), `evidence/<id>` (the
//! evidence files decrypted) with `evidence/SHA256SUMS`, and
//! `manifest.json` listing every file with its SHA-256, signed with
//! HMAC-SHA-256 in `manifest.sig`. The signing key is `--signing-key FILE`
//! (64 hex digits) or, without it, derived from the instance's master key.
//!
//! Which tables and rows belong to a tenant is `kijun_store::tenant_data`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use hmac::{KeyInit, Mac};
use jiff::Timestamp;
use kijun_report::{Column, Document, Table, date};
use kijun_store::Store;
use kijun_store::evidence::{FsBlobStore, Vault};
use kijun_store::tenant_data::{self, Export, PurgeBy, PurgeReport, TableRows, TenantRows};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::cli::DbArgs;

type HmacSha256 = hmac::Hmac<Sha256>;

const FORMAT: &str = "kijun-tenant-export";
const FORMAT_VERSION: u32 = 1;
/// The label the default signing key is derived under (HMAC-SHA-256 of the
/// master key over this label).
const SIGNING_LABEL: &[u8] = b"kijun tenant export manifest v1";
/// Who acts when the host operator runs a command.
pub const HOST_OPERATOR: &str = "ホスト運用者 (CLI)";

/// `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub kijun_version: String,
    /// The schema (latest migration) the rows were read under.
    pub schema_version: i64,
    pub tenant: ManifestTenant,
    pub exported_at: String,
    /// The signing key's id: the first 8 hex digits of its SHA-256.
    pub signing_key_id: String,
    /// Every file of the export but the manifest and its signature, by path.
    pub files: BTreeMap<String, ManifestFile>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestTenant {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub sha256: String,
    pub size: u64,
    /// Rows, for data files.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rows: Option<usize>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex_key(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

/// Reads a key file of 64 hex digits.
pub fn read_key_file(path: &Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: 鍵ファイルを読めません", path.display()))?;
    parse_hex_key(&text).with_context(|| {
        format!(
            "{}: 鍵ファイルの内容が 64 桁の16進数ではありません (bad key file)",
            path.display()
        )
    })
}

/// The master key of the instance (`KIJUN_MASTER_KEY` or `DATA_DIR/master.key`).
pub fn master_key(db: &DbArgs) -> Result<[u8; 32]> {
    // A new instance (import) gets its key file like `kijun serve` makes it.
    std::fs::create_dir_all(&db.data_dir)
        .with_context(|| format!("{}: 作成できません", db.data_dir.display()))?;
    kijun_web::load_master_key(&db.data_dir).context("マスター鍵を読めません (master key)")
}

fn signing_key(db: &DbArgs, file: Option<&Path>) -> Result<[u8; 32]> {
    if let Some(path) = file {
        return read_key_file(path);
    }
    let master = master_key(db)?;
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&master)
        .map_err(|_| anyhow::anyhow!("HMAC key"))?;
    mac.update(SIGNING_LABEL);
    let mut key = [0u8; 32];
    key.copy_from_slice(&mac.finalize().into_bytes());
    Ok(key)
}

fn sign(key: &[u8; 32], manifest: &[u8]) -> Result<String> {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).map_err(|_| anyhow::anyhow!("HMAC key"))?;
    mac.update(manifest);
    Ok(hex(&mac.finalize().into_bytes()))
}

/// Checks `manifest.sig` against `manifest.json` in constant time.
fn verify_signature(key: &[u8; 32], manifest: &[u8], sig_hex: &str) -> Result<()> {
    let sig: Vec<u8> = (0..sig_hex.trim().len() / 2)
        .filter_map(|i| u8::from_str_radix(sig_hex.trim().get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).map_err(|_| anyhow::anyhow!("HMAC key"))?;
    mac.update(manifest);
    mac.verify_slice(&sig).map_err(|_| {
        anyhow::anyhow!(
            "manifest.sig: 署名が一致しません。エクスポートが改ざんされたか、署名鍵が違います（別インスタンスからの取り込みでは、エクスポート時と同じ --signing-key を指定してください） (bad signature)"
        )
    })
}

/// Opens the database named by `db`, creating and migrating it (import
/// into a new instance) or requiring it to exist.
async fn open(db: &DbArgs, create: bool) -> Result<Store> {
    if create {
        let url = match &db.database_url {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&db.data_dir)
                    .with_context(|| format!("{}: 作成できません", db.data_dir.display()))?;
                format!("sqlite://{}", db.data_dir.join("kijun.sqlite3").display())
            }
        };
        return Store::open(&url)
            .await
            .context("データベースを開けません (cannot open database)");
    }
    let store = crate::audit::open_existing(db).await?;
    store
        .migrate()
        .await
        .context("データベースを最新の形式にできません (migration)")?;
    Ok(store)
}

/// The tenant named by id or slug.
async fn resolve(store: &Store, tenant: &str) -> Result<kijun_store::Tenant> {
    store
        .tenants()
        .await?
        .into_iter()
        .find(|t| t.id == tenant || t.slug == tenant)
        .with_context(|| {
            format!(
                "テナント {tenant} がありません（ID かスラッグを指定してください） (no such tenant)"
            )
        })
}

fn blobs(db: &DbArgs) -> FsBlobStore {
    FsBlobStore::new(db.data_dir.join("blobs"))
}

/// CSV text of `rows` (UTF-8 with BOM, RFC 4180 quoting).
fn to_csv(rows: &TableRows) -> String {
    fn field(out: &mut String, text: &str) {
        if text.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&text.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(text);
        }
    }
    let mut out = String::from("\u{feff}");
    for (i, (name, _)) in rows.columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, name);
    }
    out.push_str("\r\n");
    for row in &rows.rows {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match v {
                Value::Null => {}
                Value::String(s) => field(&mut out, s),
                other => field(&mut out, &other.to_string()),
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// The files of an export (path relative to its directory → bytes), and
/// the manifest entries; built in memory so the directory is written only
/// when everything was read and checked.
struct ExportFiles {
    files: BTreeMap<String, Vec<u8>>,
    rows: HashMap<String, usize>,
}

impl ExportFiles {
    fn add(&mut self, path: String, bytes: Vec<u8>, rows: Option<usize>) {
        if let Some(n) = rows {
            self.rows.insert(path.clone(), n);
        }
        self.files.insert(path, bytes);
    }
}

/// Builds every file of the export of `tenant_id` (without the manifest).
async fn export_files(
    store: &Store,
    vault: &Vault,
    blobs: &FsBlobStore,
    tenant_id: &str,
) -> Result<(ExportFiles, TenantRows)> {
    let rows = store.tenant_rows(tenant_id).await?;
    let mut out = ExportFiles {
        files: BTreeMap::new(),
        rows: HashMap::new(),
    };
    for t in &rows.tables {
        out.add(
            format!("data/{}.jsonl", t.table),
            t.to_jsonl().into_bytes(),
            Some(t.rows.len()),
        );
        let listed = tenant_data::TENANT_TABLES
            .iter()
            .any(|spec| spec.name == t.table && spec.csv);
        if listed {
            out.add(format!("csv/{}.csv", t.table), to_csv(t).into_bytes(), None);
        }
    }
    for t in &rows.shared {
        out.add(
            format!("shared/{}.jsonl", t.table),
            t.to_jsonl().into_bytes(),
            Some(t.rows.len()),
        );
    }
    let mut sums = String::new();
    if let Some(evidence) = rows.table("evidence") {
        for row in &evidence.rows {
            let id = evidence
                .get(row, "id")
                .and_then(Value::as_str)
                .context("evidence row without id")?;
            let record = store.evidence(id).await?.with_context(|| {
                format!("証跡 {id} がエクスポート中に削除されました。やり直してください")
            })?;
            let plain = store
                .read_evidence(vault, blobs, &record)
                .await
                .with_context(|| format!("証跡 {id} を復号できません"))?;
            if sha256_hex(&plain) != record.sha256 {
                bail!("証跡 {id} の SHA-256 が記録と一致しません (evidence digest mismatch)");
            }
            sums.push_str(&format!("{}  {id}\n", record.sha256));
            out.add(format!("evidence/{id}"), plain, None);
        }
    }
    out.add("evidence/SHA256SUMS".into(), sums.into_bytes(), None);
    Ok((out, rows))
}

/// `kijun tenant export`.
pub async fn export(
    db: &DbArgs,
    tenant: &str,
    out_dir: &Path,
    signing_key_file: Option<&Path>,
) -> Result<ExitCode> {
    if out_dir.exists()
        && std::fs::read_dir(out_dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{}: 出力先が空ではありません。新しいディレクトリを指定してください (output directory not empty)",
            out_dir.display()
        );
    }
    let store = open(db, false).await?;
    let tenant = resolve(&store, tenant).await?;
    let vault = Vault::new(&master_key(db)?);
    let key = signing_key(db, signing_key_file)?;
    let (files, _) = export_files(&store, &vault, &blobs(db), &tenant.id).await?;
    let now = Timestamp::now();
    let manifest = Manifest {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        kijun_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: kijun_store::db::latest_migration(),
        tenant: ManifestTenant {
            id: tenant.id.clone(),
            slug: tenant.slug.clone(),
            name: tenant.name.clone(),
        },
        exported_at: now.to_string(),
        signing_key_id: sha256_hex(&key)[..8].to_owned(),
        files: files
            .files
            .iter()
            .map(|(path, bytes)| {
                (
                    path.clone(),
                    ManifestFile {
                        sha256: sha256_hex(bytes),
                        size: bytes.len() as u64,
                        rows: files.rows.get(path).copied(),
                    },
                )
            })
            .collect(),
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest)?;
    for (path, bytes) in &files.files {
        let target = out_dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: 作成できません", parent.display()))?;
        }
        std::fs::write(&target, bytes)
            .with_context(|| format!("{}: 書き込めません", target.display()))?;
    }
    std::fs::write(out_dir.join("manifest.json"), &manifest_json)?;
    std::fs::write(
        out_dir.join("manifest.sig"),
        format!("{}\n", sign(&key, &manifest_json)?),
    )?;
    store
        .append_audit(
            &kijun_store::NewAuditEntry {
                tenant_id: None,
                actor_id: None,
                actor_name: Some(HOST_OPERATOR.into()),
                action: "tenant_exported".into(),
                target: Some(format!("tenant:{}", tenant.id)),
                source_addr: None,
                details: serde_json::json!({
                    "tenant": tenant.slug,
                    "manifest_sha256": sha256_hex(&manifest_json),
                    "files": manifest.files.len(),
                }),
            },
            now,
        )
        .await?;
    store.close().await;
    let rows: usize = files.rows.values().sum();
    println!(
        "テナント {}（{}）を {} に書き出しました: ファイル {} 件、行 {rows} 件 (exported)",
        tenant.slug,
        tenant.name,
        out_dir.display(),
        manifest.files.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks an export directory: the signature, then every file
/// against the manifest (and no file beside them).
fn read_export(dir: &Path, key: &[u8; 32]) -> Result<(Manifest, BTreeMap<String, Vec<u8>>)> {
    let manifest_path = dir.join("manifest.json");
    let manifest_bytes = std::fs::read(&manifest_path).with_context(|| {
        format!(
            "{}: マニフェストがありません。kijun tenant export の出力ディレクトリを指定してください",
            manifest_path.display()
        )
    })?;
    let sig = std::fs::read_to_string(dir.join("manifest.sig"))
        .with_context(|| format!("{}: manifest.sig がありません", dir.display()))?;
    verify_signature(key, &manifest_bytes, &sig)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .with_context(|| format!("{}: 形式が不正です", manifest_path.display()))?;
    if manifest.format != FORMAT || manifest.version != FORMAT_VERSION {
        bail!(
            "{}: 未知の形式 {} v{} です",
            manifest_path.display(),
            manifest.format,
            manifest.version
        );
    }
    let mut files = BTreeMap::new();
    for (path, expected) in &manifest.files {
        let full = dir.join(path);
        let bytes =
            std::fs::read(&full).with_context(|| format!("{}: ありません", full.display()))?;
        if sha256_hex(&bytes) != expected.sha256 || bytes.len() as u64 != expected.size {
            bail!(
                "{}: SHA-256 がマニフェストと一致しません（改ざんまたは破損） (digest mismatch)",
                full.display()
            );
        }
        files.insert(path.clone(), bytes);
    }
    for sub in ["data", "shared", "csv", "evidence"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let path = format!("{sub}/{}", e.file_name().to_string_lossy());
            if !manifest.files.contains_key(&path) {
                bail!(
                    "{}: マニフェストにないファイルです。エクスポートに手が加えられています",
                    dir.join(&path).display()
                );
            }
        }
    }
    Ok((manifest, files))
}

/// `kijun tenant import`.
pub async fn import(db: &DbArgs, dir: &Path, signing_key_file: Option<&Path>) -> Result<ExitCode> {
    let key = signing_key(db, signing_key_file)?;
    let (manifest, files) = read_export(dir, &key)?;
    if manifest.schema_version > kijun_store::db::latest_migration() {
        bail!(
            "エクスポートは新しい kijun（スキーマ {}）で作られています。このインスタンス（スキーマ {}）を更新してから取り込んでください",
            manifest.schema_version,
            kijun_store::db::latest_migration()
        );
    }
    let store = open(db, true).await?;
    let read = |path: &str| -> Result<String> {
        let bytes = files
            .get(path)
            .with_context(|| format!("{path}: エクスポートにありません"))?;
        String::from_utf8(bytes.clone()).with_context(|| format!("{path}: UTF-8 ではありません"))
    };
    let mut rows = TenantRows {
        tables: Vec::new(),
        shared: Vec::new(),
    };
    for (list, dir_name, into) in [
        (tenant_data::TENANT_TABLES, "data", &mut rows.tables),
        (tenant_data::SHARED_REFERENCES, "shared", &mut rows.shared),
    ] {
        for t in list {
            if matches!(t.export, Export::Never { .. }) {
                continue;
            }
            let columns = store.export_columns(t).await?;
            let path = format!("{dir_name}/{}.jsonl", t.name);
            let text = read(&path)?;
            into.push(TableRows::from_jsonl(t.name, columns, &text).map_err(anyhow::Error::msg)?);
        }
    }
    let evidence: HashMap<String, Vec<u8>> = files
        .iter()
        .filter_map(|(path, bytes)| {
            path.strip_prefix("evidence/")
                .filter(|id| *id != "SHA256SUMS")
                .map(|id| (id.to_owned(), bytes.clone()))
        })
        .collect();
    let vault = Vault::new(&master_key(db)?);
    let now = Timestamp::now();
    store
        .import_tenant(&rows, &evidence, &vault, &blobs(db), now)
        .await
        .context("取り込みに失敗しました。何も保存していません (import failed; nothing stored)")?;
    store
        .append_audit(
            &kijun_store::NewAuditEntry {
                tenant_id: None,
                actor_id: None,
                actor_name: Some(HOST_OPERATOR.into()),
                action: "tenant_imported".into(),
                target: Some(format!("tenant:{}", manifest.tenant.id)),
                source_addr: None,
                details: serde_json::json!({
                    "tenant": manifest.tenant.slug,
                    "manifest_sha256": sha256_hex(&std::fs::read(dir.join("manifest.json"))?),
                    "exported_at": manifest.exported_at,
                }),
            },
            now,
        )
        .await?;
    store.close().await;
    println!(
        "テナント {}（{}）を取り込みました: 証跡ファイル {} 件。利用者は次回サインイン時に多要素認証を登録し直します。Webhook 通知先には新しい秘密鍵を設定してください (imported)",
        manifest.tenant.slug,
        manifest.tenant.name,
        evidence.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// What `kijun tenant purge` checks before it deletes.
pub struct PurgeArgs<'a> {
    pub tenant: &'a str,
    pub confirm: &'a str,
    pub export: Option<&'a Path>,
    pub without_export: bool,
    pub signing_key: Option<&'a Path>,
    pub certificate: Option<PathBuf>,
}

/// `kijun tenant purge`.
pub async fn purge(db: &DbArgs, args: &PurgeArgs<'_>) -> Result<ExitCode> {
    let store = open(db, false).await?;
    let tenant = resolve(&store, args.tenant).await?;
    if args.confirm != tenant.slug {
        bail!(
            "--confirm にはテナントのスラッグ {} を指定してください（取り消せない操作の確認） (confirmation mismatch)",
            tenant.slug
        );
    }
    let details = match (args.export, args.without_export) {
        (Some(dir), _) => {
            let key = signing_key(db, args.signing_key)?;
            let (manifest, files) = read_export(dir, &key)?;
            if manifest.tenant.id != tenant.id {
                bail!(
                    "{}: 別のテナント（{}）のエクスポートです",
                    dir.display(),
                    manifest.tenant.slug
                );
            }
            // The export must hold what is about to be deleted: the same
            // rows and files as now.
            let vault = Vault::new(&master_key(db)?);
            let (now_files, _) = export_files(&store, &vault, &blobs(db), &tenant.id).await?;
            let changed: Vec<&String> = now_files
                .files
                .iter()
                .filter(|(path, bytes)| {
                    !path.starts_with("csv/") && files.get(*path).is_none_or(|old| old != *bytes)
                })
                .map(|(path, _)| path)
                .collect();
            if !changed.is_empty() {
                bail!(
                    "エクスポート後にデータが変わっています（{}）。もう一度 kijun tenant export を実行してから消去してください (export is stale)",
                    changed
                        .iter()
                        .take(5)
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            serde_json::json!({
                "export_manifest_sha256": sha256_hex(&std::fs::read(dir.join("manifest.json"))?),
                "exported_at": manifest.exported_at,
            })
        }
        (None, true) => serde_json::json!({"export": "waived (--without-export)"}),
        (None, false) => bail!(
            "消去の前にエクスポートが必要です: --export DIR（kijun tenant export の出力）を指定するか、エクスポートせずに消去する場合は --without-export を指定してください"
        ),
    };
    let by = PurgeBy {
        actor_id: None,
        actor_name: HOST_OPERATOR.into(),
        details,
    };
    let now = Timestamp::now();
    let report = store.purge_tenant(&tenant.id, &blobs(db), &by, now).await?;
    store.close().await;
    let pdf = kijun_report::render_pdf(&certificate(&report, now)?)?;
    let path = args.certificate.clone().unwrap_or_else(|| {
        PathBuf::from(format!("kijun-deletion-certificate-{}.pdf", report.slug))
    });
    std::fs::write(&path, pdf).with_context(|| format!("{}: 書き込めません", path.display()))?;
    let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
    println!(
        "テナント {}（{}）を消去しました: 行 {rows} 件、証跡ファイル {} 件、破棄したデータ鍵 {}。消去証明書: {}（監査ログ system #{}） (purged)",
        report.slug,
        report.name,
        report.files.len(),
        report.destroyed_key_id.as_deref().unwrap_or("なし"),
        path.display(),
        report.certificate.seq
    );
    for left in &report.blobs_left {
        eprintln!(
            "警告: 暗号化済みファイル {left} を削除できませんでした（鍵は破棄済みのため復号できません）。手動で削除してください"
        );
    }
    println!(
        "注意: 消去前に取得したバックアップにはこのテナントのデータ鍵が（マスター鍵で保護されて）残ります。バックアップごと復号できなくするには、kijun key rotate でマスター鍵を更新し、古い鍵ファイルを破棄してください (docs/operations.md)"
    );
    Ok(ExitCode::SUCCESS)
}

/// The deletion certificate (データ消去証明書) as a document.
fn certificate(report: &PurgeReport, now: Timestamp) -> Result<Document> {
    let zoned = now.in_tz("Asia/Tokyo")?;
    let mut doc = Document::new("データ消去証明書（テナントデータ）", zoned.clone());
    doc.meta
        .push(format!("作成日時: {}", date::ja_zoned(&zoned)));
    doc.author = Some("kijun".into());
    doc.footer = format!("kijun 監査ログ system #{}", report.certificate.seq);
    doc.paragraph(
        "kijun は、下記テナントのすべてのデータ（バックアップ・複製に残る暗号化ファイルを復号するためのデータ鍵を含む）を、取り消せない方法で消去したことを証明します。",
    );
    doc.key_values([
        ("テナント", format!("{}（{}）", report.name, report.slug)),
        ("テナント ID", report.tenant_id.clone()),
        ("消去日時", date::ja_zoned(&zoned)),
        (
            "実施者",
            report.certificate.actor_name.clone().unwrap_or_default(),
        ),
        (
            "方式",
            "暗号化消去（テナントのデータ鍵を破棄）およびデータベースの全行・暗号化ファイルの削除"
                .into(),
        ),
        (
            "破棄したデータ鍵 ID",
            report
                .destroyed_key_id
                .clone()
                .unwrap_or_else(|| "なし（証跡ファイルなし）".into()),
        ),
        (
            "マスター鍵 ID",
            report.master_key_id.clone().unwrap_or_else(|| "—".into()),
        ),
        (
            "監査ログの記録",
            format!(
                "system チェーン #{}（ハッシュ {}）",
                report.certificate.seq, report.certificate.hash
            ),
        ),
    ]);
    doc.heading(2, "消去したデータ");
    let mut tables = Table::new(
        "テーブル別の消去行数と内容の SHA-256",
        vec![
            Column::new("テーブル", 30.0),
            Column::new("行数", 12.0),
            Column::new("SHA-256（エクスポート形式の行）", 58.0),
        ],
    );
    for t in &report.tables {
        tables.row([
            t.table.clone(),
            t.rows.to_string(),
            t.sha256
                .clone()
                .unwrap_or_else(|| "（認証情報・鍵: 非出力）".into()),
        ]);
    }
    doc.table(tables);
    doc.heading(2, "消去した証跡ファイル");
    let mut files = Table::new(
        "証跡ファイル（平文の SHA-256）",
        vec![
            Column::new("証跡 ID", 36.0),
            Column::new("サイズ（バイト）", 14.0),
            Column::new("SHA-256", 50.0),
        ],
    );
    for f in &report.files {
        files.row([f.evidence_id.clone(), f.size.to_string(), f.sha256.clone()]);
    }
    if report.files.is_empty() {
        files.row(["なし".to_owned(), String::new(), String::new()]);
    }
    doc.table(files);
    Ok(doc)
}
