//! Shared server state: the store, configuration, the master-key secret box,
//! the login rate limiters and the metrics counters.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use kijun_core::auth::{LockoutPolicy, PasswordPolicy, RateLimiter};
use kijun_store::Store;
use serde::{Deserialize, Serialize};

use crate::config::ServerConfig;
use crate::crypto::SecretBox;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// Per-tenant security settings, stored as JSON in `tenant_settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantSettings {
    pub password_policy: PasswordPolicy,
    /// `None`: the server's default lockout policy.
    pub lockout: Option<LockoutPolicy>,
    /// Users exempt from MFA; only honoured on a closed-network deployment.
    pub mfa_exempt_allowed: bool,
    /// How long audit entries are kept, in days (`None`: for ever).
    pub audit_retention_days: Option<u32>,
    /// Months between two assessments of a service (the dashboard lists
    /// the services past it).
    #[serde(default = "default_reassessment_months")]
    pub reassessment_months: u32,
}

fn default_reassessment_months() -> u32 {
    12
}

impl TenantSettings {
    /// The settings from their stored document (`None`: the defaults).
    pub fn from_document(doc: Option<serde_json::Value>) -> Result<TenantSettings, ApiError> {
        match doc {
            None => Ok(TenantSettings::default()),
            Some(v) => serde_json::from_value(v).map_err(ApiError::internal),
        }
    }
}

impl Default for TenantSettings {
    fn default() -> Self {
        TenantSettings {
            password_policy: PasswordPolicy::default(),
            lockout: None,
            mfa_exempt_allowed: false,
            audit_retention_days: None,
            reassessment_months: default_reassessment_months(),
        }
    }
}

pub struct Limiters {
    pub per_account: RateLimiter<String>,
    pub per_address: RateLimiter<IpAddr>,
}

/// The state every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    pub secrets: SecretBox,
    pub limiters: Arc<Mutex<Limiters>>,
    pub metrics: Arc<Metrics>,
    /// A hash of a random password, verified against when a login names
    /// an unknown account, so both cases take the same time.
    pub dummy_hash: Arc<str>,
    /// The criteria catalogs (built-ins and the operator's custom ones).
    pub catalogs: Arc<kijun_core::CatalogSet>,
    /// Each requirement's catalog fields serialised once, for the item
    /// responses (`item_view`).
    pub requirement_json: Arc<crate::item_view::RequirementJson>,
    /// Wraps tenants' evidence data keys with the master key.
    pub vault: kijun_store::evidence::Vault,
    /// The backup root key (derived from the master key; see
    /// `kijun_store::backup`).
    pub backup_key: kijun_store::backup::BackupKey,
    /// Where encrypted evidence blobs live.
    pub blobs: Arc<dyn kijun_store::evidence::BlobStore>,
    /// Admission for tenant-wide reports (the dashboard) that load every
    /// service and assessment of a tenant: at most [`heavy_permits`] are
    /// built at once, the rest wait their turn, so memory stays bounded
    /// however many reviewers open them together.
    pub heavy: Arc<tokio::sync::Semaphore>,
    /// Notification senders and the worker's wake-up (see `notify`).
    pub outbox: Arc<crate::notify::Outbox>,
    /// Counts the writes this server has made (every non-GET request,
    /// and the monitor's outages): a cached page is reused only while
    /// this count is unchanged.
    pub writes: Arc<std::sync::atomic::AtomicU64>,
    /// Each tenant's dashboard, computed once for concurrent readers
    /// (`routes::dashboard::DashboardCache`).
    pub dashboards: Arc<crate::routes::dashboard::DashboardCache>,
}

/// How many tenant-wide reports are built at once: one per core (they are
/// CPU-bound), at least two.
pub fn heavy_permits() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

impl AppState {
    /// Records that data may have changed (see [`AppState::writes`]).
    pub fn note_write(&self) {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The current write count.
    pub fn write_count(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The current time: the web edge is where the clock is read; the
    /// domain below receives it as a parameter.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// A tenant's settings (defaults if none are stored).
    pub async fn tenant_settings(
        &self,
        tenant_id: Option<&str>,
    ) -> Result<TenantSettings, ApiError> {
        let Some(tenant_id) = tenant_id else {
            return Ok(TenantSettings::default());
        };
        TenantSettings::from_document(self.store.tenant_settings(tenant_id).await?)
    }

    /// The lockout policy for a user of `tenant_id`.
    pub async fn lockout_policy(&self, tenant_id: Option<&str>) -> Result<LockoutPolicy, ApiError> {
        Ok(self
            .tenant_settings(tenant_id)
            .await?
            .lockout
            .unwrap_or(self.config.lockout))
    }
}
