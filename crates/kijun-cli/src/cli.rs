//! Command-line grammar of `kijun` (clap), with Japanese and English help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// kijun（基準）— 外部サービスのセキュリティ選定基準の審査・監督ツール
///
/// kijun (基準) vets external/cloud services against municipal security
/// criteria.
#[derive(Debug, Parser)]
#[command(name = "kijun", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// 組込みカタログに加えて読み込むカスタムカタログのディレクトリ (*.toml)
    /// / directory of custom catalogs loaded beside the built-ins
    #[arg(long, global = true, env = "KIJUN_CATALOG_DIR", value_name = "DIR")]
    pub catalog_dir: Option<PathBuf>,
    /// 設定ファイル (既定: ./kijun.toml があれば使用) / configuration file
    /// (default: ./kijun.toml if present)
    #[arg(long, global = true, env = "KIJUN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Output format of a command that prints data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// 人が読むテキスト（日本語） / human-readable Japanese text
    #[default]
    Text,
    /// 機械可読な JSON（形式は docs/cli.md） / JSON, shapes in docs/cli.md
    Json,
}

#[derive(Debug, Args)]
pub struct FormatArg {
    /// 出力形式 / output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 基準カタログの一覧・表示・検証・対照表 / list, show, validate and crosswalk catalogs
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// 回答ファイル・プロファイルのひな形を出力 / print answer-file and profile templates
    #[command(subcommand)]
    Template(TemplateCommand),
    /// プロファイルと回答から適用項目と判定を算出 / evaluate a service profile and answers
    Assess(AssessArgs),
    /// Excel (.xlsx) の出力（サーバー不要） / export Excel workbooks (offline)
    #[command(subcommand)]
    Export(ExportCommand),
    /// Excel (.xlsx) 等の取り込み（サーバー不要） / import Excel workbooks (offline)
    #[command(subcommand)]
    Import(ImportCommand),
    /// 審査の報告書・印刷用チェックリスト (PDF/HTML) / assessment reports as PDF or HTML
    #[command(subcommand)]
    Report(ReportCommand),
    /// サーバーを起動（既定: 組込み SQLite、127.0.0.1:8080） / start the server (default: embedded SQLite, 127.0.0.1:8080)
    Serve(ServeArgs),
    /// 利用者の管理 / user administration
    #[command(subcommand)]
    Users(UsersCommand),
    /// 監査ログ（ハッシュチェーン）の検証 / audit log (hash chain) verification
    #[command(subcommand)]
    Audit(AuditCommand),
    /// 実サーバーのベンチマーク（一時データベースに投入し子プロセスのサーバーを HTTP で計測）
    /// / benchmark the real server (seeds a fresh database, measures a child server over HTTP)
    Bench(BenchArgs),
    /// SLA の月次判定（JSON ファイルから、サーバー不要）と稼働率計算の計測 / monthly SLA figures from a JSON file (offline) and their benchmark
    Sla(crate::sla::SlaCommand),
    /// テナント（自治体）のデータの書き出し・取り込み・消去（暗号化消去と消去証明書）
    /// / export, import and purge a tenant's data (crypto-shredding, deletion certificate)
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// 暗号化バックアップの作成・検証・復元（データベースと証跡ファイル）
    /// / encrypted backups of the database and evidence files: create, verify, restore
    #[command(subcommand)]
    Backup(BackupCommand),
    /// マスター鍵の更新（データ鍵の再ラップ、証跡ファイルの再暗号化は不要）
    /// / master key rotation (re-wraps data keys; blobs stay as they are)
    #[command(subcommand)]
    Key(KeyCommand),
}

/// What `kijun bench` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum BenchTarget {
    /// 実サーバー（画面・API・メモリ） / the real server: pages, API workload, memory
    #[default]
    Server,
    /// Excel チェックリストの出力・取り込み（1 スレッド、サーバー不要） / checklist xlsx export and import, one thread
    Xlsx,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// 計測対象（既定 server） / what to measure (default server)
    #[arg(value_enum, default_value_t = BenchTarget::Server)]
    pub target: BenchTarget,
    /// xlsx: チェックリストの行数 / xlsx: checklist rows
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub rows: u32,
    /// xlsx: 繰り返し回数 / xlsx: repetitions
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub iterations: u32,
    /// PostgreSQL サーバーの URL（そこに kijun_bench_<乱数> を作成し終了時に削除）。省略時は一時ディレクトリの SQLite
    /// / PostgreSQL server URL (a fresh database kijun_bench_<random> is created and dropped); default: SQLite in a temp dir
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// 投入するサービス数 / services to seed
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub services: u32,
    /// 投入する審査数 / assessments to seed
    #[arg(long, default_value_t = 1500, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub assessments: u32,
    /// 画面の計測の同時クライアント数 / concurrent clients for the page measurements
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub clients: u32,
    /// 負荷をかける各段階の秒数 / seconds of each load phase
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    #[command(flatten)]
    pub format: FormatArg,
}

/// Where the database is.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// データディレクトリ（組込み SQLite の kijun.sqlite3 を置く） / data directory (embedded SQLite)
    #[arg(
        long,
        env = "KIJUN_DATA_DIR",
        value_name = "DIR",
        default_value = "kijun-data"
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL 等のデータベース URL（指定時は data-dir の SQLite より優先）
    /// / database URL, e.g. postgres://… (overrides the data directory's SQLite)
    #[arg(long, env = "KIJUN_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// 稼働中でも一貫したバックアップを作成（既定: DATA_DIR/backups/kijun-<日時>.kjbk）
    /// / take a consistent online backup (default: DATA_DIR/backups/kijun-<time>.kjbk)
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// 出力ファイル / output file
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// バックアップを展開して全件検証（暗号・SHA-256・DB 整合性・監査ログ・証跡の復号）。壊れていれば終了コード 3
    /// / unpack and check everything (exit code 3 when damaged or tampered)
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// バックアップファイル / the backup file
        file: PathBuf,
        /// 取得時のマスター鍵ファイル（既定: DATA_DIR/master.key か KIJUN_MASTER_KEY）
        /// / the master key file it was taken under
        #[arg(long, value_name = "FILE")]
        master_key_file: Option<PathBuf>,
    },
    /// 空のデータディレクトリに復元して検証 / restore into an empty data directory and check it
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// バックアップファイル / the backup file
        file: PathBuf,
        /// 取得時のマスター鍵ファイル（復元先に master.key として置きます）
        /// / the master key file it was taken under (installed as master.key)
        #[arg(long, value_name = "FILE")]
        master_key_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// マスター鍵を新しい鍵に更新（サーバー停止中に実行） / rotate the master key (server stopped)
    Rotate {
        #[command(flatten)]
        db: DbArgs,
        /// 新しいマスター鍵（64 桁の16進数）のファイル / the new master key file (64 hex digits)
        #[arg(long, value_name = "FILE")]
        new_key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// テナントの全データを開いた形式（JSON Lines・CSV・復号した証跡ファイル、署名付きマニフェスト）で書き出す
    /// / write everything of a tenant in open formats with a signed manifest
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// テナントの ID またはスラッグ / tenant id or slug
        tenant: String,
        /// 出力先ディレクトリ（存在しないか空） / output directory (new or empty)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// マニフェスト署名鍵（64 桁の16進数のファイル、既定: マスター鍵から導出）
        /// / manifest signing key file (64 hex digits; default: derived from the master key)
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
    },
    /// kijun tenant export の出力を、このインスタンスの（まだない）テナントとして取り込む（全件か無か）
    /// / restore an export as a new tenant of this instance (all or nothing)
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// kijun tenant export の出力ディレクトリ / the export directory
        dir: PathBuf,
        /// エクスポート時の署名鍵ファイル / the signing key file used by the export
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
    },
    /// テナントのデータ鍵を破棄し全データを削除、消去証明書（PDF と監査ログ）を作成（取り消せません）
    /// / destroy the tenant's data key and delete all its data, with a deletion certificate (irreversible)
    Purge {
        #[command(flatten)]
        db: DbArgs,
        /// テナントの ID またはスラッグ / tenant id or slug
        tenant: String,
        /// 確認のためテナントのスラッグを再入力 / the tenant's slug again, to confirm
        #[arg(long, value_name = "SLUG")]
        confirm: String,
        /// 直前のエクスポート（現在のデータと一致することを確認してから消去）
        /// / the export taken before (checked to hold exactly the current data)
        #[arg(long, value_name = "DIR", conflicts_with = "without_export")]
        export: Option<PathBuf>,
        /// エクスポートせずに消去する / purge without an export
        #[arg(long)]
        without_export: bool,
        /// エクスポートの署名鍵ファイル / the export's signing key file
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// 消去証明書 PDF の出力先（既定: ./kijun-deletion-certificate-<slug>.pdf）
        /// / where to write the deletion certificate PDF
        #[arg(long, value_name = "FILE")]
        certificate: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// 各テナントの保存期間を過ぎた監査ログを削除（削除の記録はチェーンに残る）
    /// / prune audit entries past each tenant's retention period (the prune is itself logged)
    Prune {
        #[command(flatten)]
        db: DbArgs,
    },
    /// すべてのチェーンを検証し、壊れている最初のエントリを報告（改ざん時は終了コード 3）
    /// / verify every chain and report the first broken entry (exit code 3 when tampered)
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// 読み込まれたカタログの一覧 / list the loaded catalogs
    List(FormatArg),
    /// カタログの全要求事項を表示 / show a catalog with every requirement
    Show {
        /// カタログ id（例: seed-000） / catalog id
        id: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// カタログファイルを検証（問題は file:line:column: で表示、終了コード 2）
    /// / validate catalog files (problems as file:line:column:, exit code 2)
    Validate {
        /// 検証するファイル / files to validate
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// 共通管理策ごとに、それを共有する各カタログの要求事項を一覧
    /// / for each common control, the requirements of each catalog sharing it
    Crosswalk(FormatArg),
    /// 共通管理策の一覧 / list the common controls
    Controls(FormatArg),
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// 回答ファイルのひな形 / answer-file skeleton
    Answers {
        /// カタログ id / catalog id
        #[arg(long)]
        catalog: String,
        /// 指定すると、そのプロファイルに適用される項目だけを出力
        /// / only the items that apply to this profile
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
    },
    /// 全属性を既定値で記載したサービスプロファイル / a complete service profile with defaults
    Profile,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// サービスプロファイル (TOML) / service profile
    #[arg(long, value_name = "FILE")]
    pub profile: PathBuf,
    /// 回答ファイル (TOML) または記入済みチェックリスト (.xlsx)。省略するとすべて未回答として評価
    /// / answer file (TOML) or a filled-in checklist (.xlsx); without it every item is unanswered
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// 評価するカタログ id（複数可、省略時はすべて） / catalog ids (repeatable; default all)
    #[arg(long = "catalog", value_name = "ID")]
    pub catalogs: Vec<String>,
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 待ち受けるアドレス:ポート（既定 127.0.0.1:8080） / address:port to listen on
    #[arg(long, env = "KIJUN_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,
    /// データディレクトリ（既定 kijun-data） / data directory
    #[arg(long, env = "KIJUN_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// データベース URL（postgres://…） / database URL
    #[arg(long, env = "KIJUN_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// TLS 証明書 (PEM) / TLS certificate chain (PEM)
    #[arg(
        long,
        env = "KIJUN_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// TLS 秘密鍵 (PEM) / TLS private key (PEM)
    #[arg(
        long,
        env = "KIJUN_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// 最初のシステム管理者を作成（パスワードは標準入力から） / create a system administrator (password from stdin)
    CreateAdmin {
        #[command(flatten)]
        db: DbArgs,
        /// ユーザー名 / user name
        #[arg(long)]
        username: String,
        /// 表示名 / display name
        #[arg(long)]
        display_name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// 回答用チェックリスト (.xlsx) を出力（サーバー・データベース不要。様式は docs/xlsx.md）
    /// / write a blank answer checklist (.xlsx) without a server (layout in docs/xlsx.md)
    Checklist(ExportChecklistArgs),
}

/// Which party columns a checklist has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum PartyArg {
    /// 導入事業者 / the integrator
    Integrator,
    /// 外部サービス提供者 / the service provider
    Provider,
    /// 両方 / both
    #[default]
    Both,
}

#[derive(Debug, Args)]
pub struct ExportChecklistArgs {
    /// カタログ id（複数可。カタログごとに1シート） / catalog ids (repeatable; one sheet each)
    #[arg(
        long = "catalog",
        value_name = "ID",
        required_unless_present = "assessment"
    )]
    pub catalogs: Vec<String>,
    /// サービスプロファイル (TOML)。適用される項目だけを出力 / service profile; only applicable items
    #[arg(long, value_name = "FILE", required_unless_present = "assessment")]
    pub profile: Option<PathBuf>,
    /// データベースの審査 ID: その審査のチェックリストを回答つきで出力（--catalog・--profile の代わり）
    /// / a stored assessment's checklist with its answers so far (instead of --catalog/--profile)
    #[arg(long, value_name = "ID", conflicts_with_all = ["catalogs", "profile", "title"])]
    pub assessment: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
    /// 回答する当事者 / the answering party
    #[arg(long, value_enum, default_value_t = PartyArg::Both)]
    pub party: PartyArg,
    /// 表題（既定: カタログ名＋チェックリスト） / title (default: the catalog title + チェックリスト)
    #[arg(long)]
    pub title: Option<String>,
    /// 出力先 (.xlsx) / output file
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
}

/// One answering party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnePartyArg {
    /// 導入事業者 / the integrator
    Integrator,
    /// 外部サービス提供者 / the service provider
    Provider,
}

#[derive(Debug, Args)]
pub struct ImportAnswersArgs {
    /// 記入済みのチェックリスト (.xlsx) / the filled-in checklist
    pub file: PathBuf,
    /// 取り込み先の審査 ID / the assessment
    #[arg(long, value_name = "ID")]
    pub assessment: String,
    /// どちらの回答か / whose answers these are
    #[arg(long, value_enum)]
    pub party: OnePartyArg,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 審査結果報告書 / the assessment result report
    Assessment(ReportArgs),
    /// 印刷用チェックリスト（両方の当事者） / the printable checklist (both parties)
    Checklist(ReportArgs),
}

/// The format of a report file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ReportFormatArg {
    /// PDF（日本語フォント埋め込み） / PDF with the Japanese font embedded
    #[default]
    Pdf,
    /// 印刷用 CSS つき HTML / HTML with print CSS
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// 審査 ID / the assessment
    pub id: String,
    /// 出力形式 / output format
    #[arg(long, value_enum, default_value_t = ReportFormatArg::Pdf)]
    pub format: ReportFormatArg,
    /// 出力先 / output file
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 自団体の基準表 (.xlsx またはタブ区切りテキスト) からカタログ (TOML) を作成
    /// / turn a criteria sheet (.xlsx or tab-separated text) into a catalog (TOML)
    Catalog(ImportCatalogArgs),
    /// 記入済みチェックリスト (.xlsx) の回答をデータベースの審査に取り込む（全行を検査し、問題があれば何も保存しない）
    /// / import a filled-in checklist into a stored assessment (all rows checked; nothing stored on any problem)
    Answers(ImportAnswersArgs),
}

#[derive(Debug, Args)]
pub struct ImportCatalogArgs {
    /// 基準表のファイル (.xlsx / .tsv / .txt) / the criteria sheet
    pub file: PathBuf,
    /// 出力するカタログファイル (.toml) / catalog file to write
    #[arg(long, value_name = "FILE.toml")]
    pub out: PathBuf,
    /// カタログ id（既定: ファイル名から） / catalog id (default: from the file name)
    #[arg(long)]
    pub id: Option<String>,
    /// カタログの表題（既定: 表の表題行、なければシート名）
    /// / title (default: the sheet's title row, else the sheet name)
    #[arg(long)]
    pub title: Option<String>,
    /// 発行者（既定: 記載なし） / issuer
    #[arg(long)]
    pub issuer: Option<String>,
    /// 版（既定: 1） / version
    #[arg(long)]
    pub version: Option<String>,
    /// 読むシート（既定: 「要求事項」の見出しがある最初のシート） / sheet to read
    #[arg(long)]
    pub sheet: Option<String>,
    /// 条件の見出しと条件式（複数可） / a condition heading and its expression (repeatable)
    #[arg(long = "condition", value_name = "見出し=条件式")]
    pub conditions: Vec<String>,
}
