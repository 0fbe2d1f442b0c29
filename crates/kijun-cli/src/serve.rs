//! `kijun serve` and `kijun users …`: start the server on the configured
//! (or default) database, print the first-run setup link, stop cleanly on
//! Ctrl-C / SIGTERM.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use kijun_core::auth::{PasswordPolicy, hash_password};
use kijun_store::{NewUser, Role, Store};
use kijun_web::{Server, ServerConfig};

use crate::cli::{DbArgs, GlobalArgs, ServeArgs};
use crate::context::load_config;

/// The server configuration: file (`[server]`), then environment and flags.
pub fn server_config(global: &GlobalArgs, args: &ServeArgs) -> Result<ServerConfig> {
    let (config, base) = load_config(global)?;
    let mut server = config.server;
    if server.data_dir.is_relative() && base != std::path::Path::new(".") {
        server.data_dir = base.join(&server.data_dir);
    }
    if let Some(l) = args.listen {
        server.listen = l;
    }
    if let Some(d) = &args.data_dir {
        server.data_dir = d.clone();
    }
    if let Some(u) = &args.database_url {
        server.database_url = Some(u.clone());
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        server.tls = Some(kijun_web::config::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        });
    }
    Ok(server)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

pub async fn serve(global: &GlobalArgs, args: &ServeArgs) -> Result<ExitCode> {
    let config = server_config(global, args)?;
    let listen = config.listen;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let catalogs = crate::context::Context::load(global)?.catalogs;
    let catalog_count = catalogs.len();
    let server = Server::prepare(config, catalogs)
        .await
        .context("起動に失敗しました (startup failed)")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("{listen} で待ち受けできません (cannot listen)"))?;
    let addr = listener.local_addr()?;
    let base = server
        .state
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    kijun_web::log::info(&format!("listening on {scheme}://{addr}"));
    kijun_web::log::info(&format!("database {}", server.state.store.backend().name()));
    kijun_web::log::info(&format!("catalogs {catalog_count}"));
    if let Some(token) = server.setup_token().await? {
        kijun_web::log::info("初期設定 (first-run setup): 最初のシステム管理者を作成してください");
        kijun_web::log::info(&format!("setup token: {token}"));
        kijun_web::log::info(&format!("setup link: {base}/setup?token={token}"));
        kijun_web::log::info(&format!(
            "(API: POST {base}/api/v1/setup, or `kijun users create-admin`)"
        ));
    }
    server.run(listener, shutdown_signal()).await?;
    kijun_web::log::info("stopped");
    Ok(ExitCode::SUCCESS)
}

/// `kijun users create-admin`: a system administrator, password from stdin.
pub async fn create_admin(db: &DbArgs, username: &str, display_name: &str) -> Result<ExitCode> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("標準入力からパスワードを読めません")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    if let Err(violations) = PasswordPolicy::default().check(&password, username, &[]) {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        bail!("パスワードが規則を満たしていません: {}", list.join(" / "));
    }
    let url = match &db.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&db.data_dir)?;
            format!("sqlite://{}", db.data_dir.join("kijun.sqlite3").display())
        }
    };
    let store = Store::open(&url).await?;
    let salt = kijun_web::crypto::random_bytes::<16>()?;
    let hash = hash_password(&password, &Default::default(), &salt)?;
    let now = jiff::Timestamp::now();
    let user = store
        .create_user(
            &NewUser {
                tenant_id: None,
                organisation_id: None,
                username: username.to_owned(),
                display_name: display_name.to_owned(),
                email: None,
                role: Role::SystemAdmin,
                password_hash: Some(hash),
                must_change_password: false,
            },
            now,
        )
        .await?;
    store
        .append_audit(
            &kijun_store::NewAuditEntry {
                action: "admin_created_by_cli".into(),
                target: Some(format!("user:{}", user.id)),
                details: serde_json::json!({"username": user.username}),
                ..Default::default()
            },
            now,
        )
        .await?;
    store.close().await;
    println!("システム管理者 {} を作成しました (created)", user.username);
    Ok(ExitCode::SUCCESS)
}
