//! kijun-store: persistence for kijun.
//!
//! One [`Store`] over two backends — embedded SQLite (the default, zero
//! setup) and PostgreSQL (shared deployments with several app instances).
//! Every query is written once in portable SQL (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`) and run on whichever pool the store holds
//! (see `db.rs`); each backend has its own versioned migrations under
//! `migrations/<backend>/` with the same version numbers.
//!
//! - [`db`]: connecting, migrations, the backend switch.
//! - [`audit`]: the append-only, SHA-256 hash-chained audit log and its
//!   verification.
//! - [`tenant`]: tenants (municipalities).
//! - [`assessment`]: services, assessments, items, invitations, reviews,
//!   verdicts and their history.
//! - [`library`]: the vendors' answer library and cross-tenant consents.
//! - [`account`]: users, roles, sessions, API tokens, setup tokens, settings.
//! - [`evidence`]: evidence files (証跡ファイル): the blob store, per-tenant
//!   data keys wrapped by the master key, chunked AES-256-GCM encryption and
//!   the content-type allow-list.
//! - [`oversight`]: a service in operation — its records (outages,
//!   inquiries, incidents, notices, security plan, issues), contract
//!   deliverables and their versions, SLA settings.
//! - [`tenant_data`]: every table of a tenant's data, and the whole-tenant
//!   export snapshot, import and purge (crypto-shredding) built on it.
//! - [`backup`]: encrypted online backups of the database and blobs,
//!   their verification and restore.
//! - [`rotation`]: master key rotation (re-wrapping data keys, re-sealing
//!   secrets) without re-encrypting blobs.
//! - [`termination`]: termination cases of services (更改・廃棄) — the
//!   checklist items with their submissions and sign-offs, the deletion
//!   certificate, closing.
//! - [`time`]: the one text representation of UTC timestamps.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod account;
// `audit` and `library` come before `assessment`: their `*_in_tx!` macros
// are used there too.
#[macro_use]
pub mod audit;
#[macro_use]
pub mod library;
pub mod assessment;
pub mod backup;
pub mod db;
pub mod evidence;
pub mod monitoring;
pub mod notify;
pub mod oversight;
pub mod rotation;
pub mod tenant;
pub mod tenant_data;
pub mod termination;
pub mod time;

pub use account::{ApiToken, NewUser, Organisation, Role, Session, User};
pub use audit::{AuditEntry, AuditFilter, AuditProblem, ChainReport, NewAuditEntry, Verification};
pub use db::{Backend, Store, StoreError};
pub use tenant::Tenant;
