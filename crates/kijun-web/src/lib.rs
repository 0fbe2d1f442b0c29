//! kijun-web: the HTTP face of kijun — the axum router, authentication and
//! authorisation, the JSON API under `/api/v1`, probes and metrics. Handlers
//! are thin: they authorise through [`principal`], call the store and the
//! domain core, and write the audit log.
//!
//! - [`config`]: server configuration and defaults.
//! - [`state`]: shared state and per-tenant security settings.
//! - [`principal`]: sessions, API tokens, CSRF, MFA and suspension checks.
//! - [`routes`]: the handlers.
//! - [`error`]: the API error shape and the JSON body extractor.
//! - [`crypto`]: AES-256-GCM sealing, random tokens, SHA-256 digests.
//! - [`audit_log`]: writing audit entries from requests.
//! - [`metrics`]: Prometheus counters.
//! - [`retention`]: applying tenants' audit retention periods.
//! - [`notify`]: sending notifications (e-mail, signed webhooks) from the
//!   outbox, with retries; the worker started with the server.
//! - [`monitor`]: availability monitoring (稼働監視): HTTP(S) probes that
//!   open and close outage records; the task started with the server.
//! - [`openapi`]: the OpenAPI 3.1 document of the JSON API.
//! - [`log`]: operational log lines that never panic.
//! - [`ui`]: the server-rendered Japanese UI.
//! - [`ui_assessments`]: the UI of assessments.
//! - [`ui_services`]: the UI of the service register: a service's full
//!   record, and its edit forms for staff who may edit services.
//! - [`ui_termination`]: the termination case page (更改・廃棄) and its forms.
//! - [`ui_notify`]: a tenant's notification channels (通知先) page.
//! - [`ui_oversight`]: a service's oversight page (運用監督: alerts,
//!   deliverables, records) and a deliverable's page, with their forms.
//! - [`tls`]: optional built-in TLS restricted to CRYPTREC-listed algorithms.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod alerting;
pub mod audit_log;
pub mod config;
pub mod crypto;
pub mod error;
pub mod item_view;
pub mod log;
pub mod metrics;
pub mod monitor;
pub mod notify;
pub mod openapi;
pub mod principal;
pub mod retention;
pub mod routes;
pub mod state;
pub mod tls;
pub mod ui;
pub mod ui_assessments;
pub mod ui_notify;
pub mod ui_oversight;
pub mod ui_services;
pub mod ui_termination;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use kijun_core::auth::{RateLimiter, hash_password};
use kijun_store::Store;

pub use config::ServerConfig;
use crypto::{SecretBox, digest, random_bytes, random_token};
use error::ApiError;
use metrics::Metrics;
use state::{AppState, Limiters};

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Store(#[from] kijun_store::StoreError),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("マスター鍵が不正です: {0}")]
    MasterKey(String),
    #[error("{0}")]
    Other(String),
}

async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let writes = !req.method().is_safe();
    let response = next.run(req).await;
    if writes {
        // Whatever the outcome: a failed write changed nothing, and a
        // needless recomputation is harmless.
        state.note_write();
    }
    Metrics::inc(&state.metrics.http_requests);
    if response.status().is_client_error() {
        Metrics::inc(&state.metrics.http_client_errors);
    } else if response.status().is_server_error() {
        Metrics::inc(&state.metrics.http_server_errors);
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// The router with every route.
pub fn router(state: AppState) -> Router {
    use routes::{
        admin, assessments, audit, auth, backup, catalogs, dashboard, evidence, exchange, health,
        library, reports,
    };
    let api = Router::new()
        .route("/setup", post(auth::setup))
        .route("/auth/login", post(auth::login))
        .route("/auth/mfa", post(auth::verify_mfa))
        .route("/auth/mfa/enroll", post(auth::enroll_mfa))
        .route("/auth/mfa/enroll/confirm", post(auth::confirm_mfa))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/me/password", post(auth::change_password))
        .route(
            "/tenants",
            get(admin::list_tenants).post(admin::create_tenant),
        )
        .route("/tenants/{id}", get(admin::get_tenant))
        .route(
            "/tenants/{id}/settings",
            get(admin::get_settings).put(admin::put_settings),
        )
        .route(
            "/tenants/{id}/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route(
            "/users/{id}",
            get(admin::get_user).delete(admin::dispose_user),
        )
        .route("/admin/backups", get(backup::list).post(backup::create))
        .route("/users/{id}/suspend", post(admin::suspend_user))
        .route("/users/{id}/reactivate", post(admin::reactivate_user))
        .route("/users/{id}/unlock", post(admin::unlock_user))
        .route("/users/{id}/role", put(admin::set_role))
        .route("/users/{id}/mfa-exempt", put(admin::set_mfa_exempt))
        .route("/tokens", get(admin::list_tokens).post(admin::create_token))
        .route("/tokens/{id}", axum::routing::delete(admin::revoke_token))
        .route("/audit", get(audit::list))
        .route(
            "/organisations",
            get(admin::list_organisations).post(admin::create_organisation),
        )
        .route("/organisations/{id}/users", post(admin::create_vendor_user))
        .route(
            "/tenants/{id}/services",
            get(assessments::list_services).post(assessments::create_service),
        )
        .route(
            "/services/{id}",
            get(assessments::get_service).put(assessments::update_service),
        )
        .route(
            "/services/{id}/assessments",
            post(assessments::open_assessment),
        )
        .route(
            "/tenants/{id}/assessments",
            get(assessments::list_assessments),
        )
        .route("/tenants/{id}/dashboard", get(dashboard::get))
        .route("/me/assessments", get(assessments::my_assessments))
        .route("/assessments/{id}", get(assessments::get_assessment))
        .route("/assessments/{id}/invitations", post(assessments::invite))
        .route("/assessments/{id}/items", get(assessments::list_items))
        .route(
            "/assessments/{id}/items/{catalog}/{requirement}/{party}",
            put(assessments::answer_item),
        )
        .route(
            "/assessments/{id}/items/{catalog}/{requirement}/{party}/review",
            post(assessments::review_item),
        )
        .route("/assessments/{id}/submit", post(assessments::submit))
        .route(
            "/assessments/{id}/evaluation",
            get(assessments::get_evaluation),
        )
        .route(
            "/assessments/{id}/verdict",
            post(assessments::record_verdict),
        )
        .route("/assessments/{id}/history", get(assessments::history))
        .route(
            "/assessments/{id}/conditions/{n}/met",
            post(assessments::condition_met),
        )
        .route("/assessments/{id}/report", get(reports::assessment_report))
        .route(
            "/assessments/{id}/checklist",
            get(reports::checklist_report).post(exchange::import).layer(
                // A filled checklist is a file upload, like evidence.
                DefaultBodyLimit::max(state.config.max_evidence_bytes),
            ),
        )
        .route(
            "/assessments/{id}/evidence",
            get(evidence::list)
                .post(evidence::upload)
                .layer(DefaultBodyLimit::max(state.config.max_evidence_bytes)),
        )
        .route("/evidence/{id}", get(evidence::download))
        .route(
            "/library",
            get(library::list).put(library::put).delete(library::delete),
        )
        .route(
            "/library/consents",
            get(library::consents).post(library::grant),
        )
        .route(
            "/library/consents/{tenant_id}",
            axum::routing::delete(library::revoke),
        )
        .route(
            "/assessments/{id}/prefill",
            post(library::prefill_assessment),
        )
        .route(
            "/tenants/{id}/notifications/channels",
            get(routes::notify::list_channels).post(routes::notify::create_channel),
        )
        .route(
            "/tenants/{id}/notifications/channels/{channel_id}",
            get(routes::notify::get_channel)
                .put(routes::notify::update_channel)
                .delete(routes::notify::delete_channel),
        )
        .route(
            "/tenants/{id}/notifications/deliveries",
            get(routes::notify::deliveries),
        )
        .route(
            "/tenants/{id}/notifications/test",
            post(routes::notify::send_test),
        )
        .route("/catalogs", get(catalogs::list))
        .route("/catalogs/{id}", get(catalogs::show))
        .route("/openapi.json", get(openapi::handler))
        .route(
            "/services/{id}/monthly-report/{month}",
            get(routes::monthly::monthly_report),
        )
        // Oversight of services in operation (routes/oversight.rs).
        .merge(routes::oversight::router(state.config.max_evidence_bytes))
        // Termination of services (routes/termination.rs).
        .route(
            "/services/{id}/termination-cases",
            get(routes::termination::list_cases).post(routes::termination::open_case),
        )
        .route(
            "/termination-cases/{id}",
            get(routes::termination::get_case),
        )
        .route(
            "/termination-cases/{id}/items/{kind}/submit",
            post(routes::termination::submit_item),
        )
        .route(
            "/termination-cases/{id}/items/{kind}/review",
            post(routes::termination::review_item),
        )
        .route(
            "/termination-cases/{id}/certificate",
            put(routes::termination::record_certificate),
        )
        .route(
            "/termination-cases/{id}/certificate-request",
            get(routes::termination::certificate_request),
        )
        .route(
            "/termination-cases/{id}/close",
            post(routes::termination::close_case),
        )
        // Availability monitoring (routes/monitoring.rs, monitor.rs).
        .route(
            "/services/{id}/monitoring",
            get(routes::monitoring::get)
                .put(routes::monitoring::put)
                .delete(routes::monitoring::delete),
        )
        .fallback(not_found);
    Router::new()
        .route("/", get(ui::root))
        .route("/login", get(ui::login_page).post(ui::login_submit))
        .route("/setup", get(ui::setup_page).post(ui::setup_submit))
        .route("/mfa", get(ui::mfa_page).post(ui::mfa_submit))
        .route("/mfa/enroll", get(ui::enroll_page).post(ui::enroll_submit))
        .route(
            "/password",
            get(ui::password_page).post(ui::password_submit),
        )
        .route("/logout", post(ui::logout_submit))
        .route("/admin/users", get(ui::users_page).post(ui::users_create))
        .route("/admin/notifications", get(ui_notify::notifications_home))
        .route(
            "/admin/tenants/{id}/notifications",
            get(ui_notify::notifications_page),
        )
        .route(
            "/admin/tenants/{id}/notifications/channels",
            post(ui_notify::create_channel),
        )
        .route(
            "/admin/tenants/{id}/notifications/channels/{channel_id}/delete",
            post(ui_notify::delete_channel),
        )
        .route("/admin/users/{id}/role", post(ui::user_role))
        .route("/admin/users/{id}/{action}", post(ui::user_action))
        .route(
            "/admin/tenants",
            get(ui::tenants_page).post(ui::tenants_create),
        )
        .route("/audit", get(ui::audit_page))
        .route("/profile", get(ui::profile_page))
        .route(
            "/admin/vendors",
            get(ui_assessments::vendors_page).post(ui_assessments::vendors_create),
        )
        .route(
            "/admin/vendors/users",
            post(ui_assessments::vendor_user_create),
        )
        .route(
            "/services",
            get(ui_services::services_page).post(ui_services::services_create),
        )
        .route("/services/{id}", get(ui_services::service_page))
        // Oversight in operation (ui_oversight.rs).
        .route("/oversight", get(ui_oversight::overseen_page))
        .route(
            "/services/{id}/oversight",
            get(ui_oversight::oversight_page),
        )
        .route(
            "/services/{id}/oversight/settings",
            get(ui_oversight::settings_page).post(ui_oversight::settings_submit),
        )
        .route(
            "/services/{id}/oversight/monitoring",
            post(ui_oversight::monitoring_submit),
        )
        .route(
            "/services/{id}/oversight/monitoring/delete",
            post(ui_oversight::monitoring_delete),
        )
        .route(
            "/services/{id}/oversight/{collection}",
            post(ui_oversight::create_record),
        )
        .route(
            "/services/{id}/oversight/{collection}/{rid}",
            post(ui_oversight::update_record),
        )
        .route(
            "/services/{id}/oversight/{collection}/{rid}/delete",
            post(ui_oversight::delete_record),
        )
        .route(
            "/services/{id}/oversight/{collection}/import",
            post(ui_oversight::import_records).layer(DefaultBodyLimit::max(
                state.config.max_evidence_bytes + 64 * 1024,
            )),
        )
        .route(
            "/services/{id}/oversight/deliverables/{kind}/{period}",
            get(ui_oversight::deliverable_page).post(ui_oversight::put_deliverable),
        )
        .route(
            "/services/{id}/oversight/deliverables/{kind}/{period}/versions",
            post(ui_oversight::submit_version),
        )
        .route(
            "/services/{id}/oversight/deliverables/{kind}/{period}/versions/{version}/review",
            post(ui_oversight::review_version),
        )
        // Termination cases (ui_termination.rs).
        .route(
            "/services/{id}/termination-cases",
            post(ui_termination::open_case),
        )
        .route("/termination-cases/{id}", get(ui_termination::case_page))
        .route(
            "/termination-cases/{id}/items/{kind}/submit",
            post(ui_termination::submit_item),
        )
        .route(
            "/termination-cases/{id}/items/{kind}/review",
            post(ui_termination::review_item),
        )
        .route(
            "/termination-cases/{id}/certificate",
            post(ui_termination::record_certificate),
        )
        .route(
            "/termination-cases/{id}/close",
            post(ui_termination::close_case),
        )
        .route(
            "/services/{id}/basic",
            get(ui_services::basic_page).post(ui_services::basic_submit),
        )
        .route(
            "/services/{id}/contract",
            get(ui_services::contract_page).post(ui_services::contract_submit),
        )
        .route(
            "/services/{id}/registrations",
            get(ui_services::registrations_page).post(ui_services::registrations_submit),
        )
        .route(
            "/services/{id}/certifications",
            post(ui_services::certification_create),
        )
        .route(
            "/services/{id}/certifications/new",
            get(ui_services::certification_new),
        )
        .route(
            "/services/{id}/certifications/{n}",
            get(ui_services::certification_page).post(ui_services::certification_submit),
        )
        .route(
            "/services/{id}/certifications/{n}/delete",
            post(ui_services::certification_delete),
        )
        .route(
            "/services/{id}/subcontractors",
            post(ui_services::subcontractor_create),
        )
        .route(
            "/services/{id}/subcontractors/new",
            get(ui_services::subcontractor_new),
        )
        .route(
            "/services/{id}/subcontractors/{path}",
            get(ui_services::subcontractor_page).post(ui_services::subcontractor_submit),
        )
        .route(
            "/services/{id}/subcontractors/{path}/delete",
            post(ui_services::subcontractor_delete),
        )
        .route(
            "/services/{id}/assessments",
            post(ui_assessments::open_assessment),
        )
        .route("/assessments", get(ui_assessments::assessments_page))
        .route("/assessments/{id}", get(ui_assessments::checklist_page))
        .route("/assessments/{id}/print", get(ui_assessments::print_page))
        .route(
            "/assessments/{id}/evidence",
            post(ui_assessments::upload_evidence).layer(DefaultBodyLimit::max(
                state.config.max_evidence_bytes + 64 * 1024,
            )),
        )
        .route(
            "/assessments/{id}/checklist",
            post(ui_assessments::import_checklist).layer(DefaultBodyLimit::max(
                state.config.max_evidence_bytes + 64 * 1024,
            )),
        )
        .route("/assessments/{id}/submit", post(ui_assessments::submit))
        .route(
            "/assessments/{id}/conditions/{n}/met",
            post(ui_assessments::condition_met),
        )
        .route("/assessments/{id}/prefill", post(ui_assessments::prefill))
        .route(
            "/assessments/{id}/invitations",
            post(ui_assessments::invite),
        )
        .route("/assessments/{id}/verdict", post(ui_assessments::verdict))
        .route(
            "/assessments/{id}/items/{catalog}/{requirement}/{party}",
            post(ui_assessments::answer_item),
        )
        .route(
            "/assessments/{id}/items/{catalog}/{requirement}/{party}/review",
            post(ui_assessments::review_item),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1", api)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

fn io_err(path: &Path, e: std::io::Error) -> ServeError {
    ServeError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The master key: `KIJUN_MASTER_KEY` (64 hex digits) if set, else the key
/// file `DATA_DIR/master.key`, created with 0600 permissions on first run.
pub fn load_master_key(data_dir: &Path) -> Result<[u8; 32], ServeError> {
    if let Ok(hex) = std::env::var("KIJUN_MASTER_KEY") {
        return parse_key(hex.trim()).ok_or_else(|| {
            ServeError::MasterKey("KIJUN_MASTER_KEY は 64 桁の16進数で指定してください".into())
        });
    }
    let path = data_dir.join("master.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
        return parse_key(text.trim()).ok_or_else(|| {
            ServeError::MasterKey(format!(
                "{} の内容が 64 桁の16進数ではありません",
                path.display()
            ))
        });
    }
    let key = random_bytes::<32>().map_err(|e| ServeError::MasterKey(e.to_string()))?;
    write_private(&path, &format!("{}\n", crypto::hex(&key)))?;
    Ok(key)
}

fn parse_key(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

fn write_private(path: &Path, content: &str) -> Result<(), ServeError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| io_err(path, e))?;
    f.write_all(content.as_bytes()).map_err(|e| io_err(path, e))
}

/// A prepared server: state built, database migrated.
pub struct Server {
    pub state: AppState,
}

impl Server {
    /// Creates the data directory, opens and migrates the database, loads
    /// the master key and builds the state. A TLS configuration is checked
    /// here, so a wrong certificate stops the start with a clear message.
    pub async fn prepare(
        config: ServerConfig,
        catalogs: kijun_core::CatalogSet,
    ) -> Result<Server, ServeError> {
        // A wrong certificate or key stops the start with a clear message.
        if let Some(files) = &config.tls {
            tls::server_config(&files.cert, &files.key)
                .map_err(|e| ServeError::Other(e.to_string()))?;
        }
        if config.database_url.is_none() {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| io_err(&config.data_dir, e))?;
        }
        let store = Store::open(&config.database_url()).await?;
        std::fs::create_dir_all(&config.data_dir).map_err(|e| io_err(&config.data_dir, e))?;
        let key = load_master_key(&config.data_dir)?;
        let mut config = config;
        config.smtp = notify::config::smtp_with_env(config.smtp.take(), |k| std::env::var(k).ok())
            .map_err(|e| ServeError::Other(e.to_string()))?;
        let outbox = notify::outbox(config.smtp.as_ref(), config.notifications.clone())
            .map_err(|e| ServeError::Other(e.to_string()))?;
        let blobs_dir = config.data_dir.join("blobs");
        let limiters = Limiters {
            per_account: RateLimiter::new(config.login_rate_per_account)
                .map_err(|e| ServeError::Other(e.to_string()))?,
            per_address: RateLimiter::new(config.login_rate_per_address)
                .map_err(|e| ServeError::Other(e.to_string()))?,
        };
        let dummy_password = random_token().map_err(|e| ServeError::Other(e.to_string()))?;
        let salt = random_bytes::<16>().map_err(|e| ServeError::Other(e.to_string()))?;
        let hash_config = config.password_hash;
        let dummy_hash = tokio::task::spawn_blocking(move || {
            hash_password(&dummy_password, &hash_config, &salt)
        })
        .await
        .map_err(|e| ServeError::Other(e.to_string()))?
        .map_err(|e| ServeError::Other(e.to_string()))?;
        Ok(Server {
            state: AppState {
                store,
                config: Arc::new(config),
                secrets: SecretBox::new(&key),
                limiters: Arc::new(Mutex::new(limiters)),
                metrics: Arc::new(Metrics::default()),
                dummy_hash: dummy_hash.into(),
                requirement_json: Arc::new(
                    item_view::RequirementJson::new(&catalogs)
                        .map_err(|e| ServeError::Other(e.to_string()))?,
                ),
                catalogs: Arc::new(catalogs),
                vault: kijun_store::evidence::Vault::new(&key),
                backup_key: kijun_store::backup::BackupKey::from_master(&key)
                    .map_err(|e| ServeError::Other(e.to_string()))?,
                blobs: Arc::new(kijun_store::evidence::FsBlobStore::new(blobs_dir)),
                heavy: Arc::new(tokio::sync::Semaphore::new(state::heavy_permits())),
                outbox,
                writes: Arc::default(),
                dashboards: Arc::default(),
            },
        })
    }

    /// On a database without users: a new one-time setup token (stored as a
    /// digest) for creating the first administrator. `None` once set up.
    pub async fn setup_token(&self) -> Result<Option<String>, ServeError> {
        if self.state.store.user_count().await? > 0 {
            return Ok(None);
        }
        let token = random_token().map_err(|e| ServeError::Other(e.to_string()))?;
        self.state
            .store
            .create_setup_token(&digest(&token), self.state.now())
            .await?;
        Ok(Some(token))
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let app = router(self.state.clone());
        let store = self.state.store.clone();
        let notifications = notify::spawn_worker(self.state.clone());
        let alerts = alerting::spawn(self.state.clone());
        let monitoring = monitor::spawn(self.state.clone());
        let retention = tokio::spawn(async move {
            loop {
                match retention::apply(&store, jiff::Timestamp::now()).await {
                    Ok(pruned) => {
                        for (tenant, n) in pruned {
                            log::info(&format!("audit retention: {tenant}: {n} entries pruned"));
                        }
                    }
                    Err(e) => log::error(&format!("audit retention failed: {e}")),
                }
                tokio::time::sleep(std::time::Duration::from_secs(6 * 3600)).await;
            }
        });
        match &self.state.config.tls {
            Some(files) => {
                let tls = tls::server_config(&files.cert, &files.key)
                    .map_err(|e| ServeError::Other(e.to_string()))?;
                tls::serve_tls(listener, tls, app, shutdown)
                    .await
                    .map_err(|e| ServeError::Other(e.to_string()))?;
            }
            None => axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| ServeError::Other(e.to_string()))?,
        }
        retention.abort();
        alerts.abort();
        monitoring.abort();
        notifications.abort();
        self.state.store.close().await;
        Ok(())
    }
}
