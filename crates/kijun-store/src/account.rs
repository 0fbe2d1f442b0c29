//! Accounts: vendor organisations, users (with their password, TOTP and
//! lockout state), password history, recovery codes, sessions, API tokens,
//! one-time setup tokens and per-tenant settings. Secrets are stored only in
//! the form the caller hands over (hashes, sealed TOTP secrets); this module
//! never sees a password or a session id in clear.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::db::{Store, StoreError, begin_write, on_pool};
use crate::time;

/// A role, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// システム管理者: the deployment; no tenant.
    SystemAdmin,
    /// テナント管理者
    TenantAdmin,
    /// 審査担当者
    Reviewer,
    /// 閲覧者
    Viewer,
    /// 事業者（導入事業者・外部サービス提供者）の利用者
    Vendor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::SystemAdmin,
        Role::TenantAdmin,
        Role::Reviewer,
        Role::Viewer,
        Role::Vendor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::TenantAdmin => "tenant_admin",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
            Role::Vendor => "vendor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Japanese name.
    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "システム管理者",
            Role::TenantAdmin => "テナント管理者",
            Role::Reviewer => "審査担当者",
            Role::Viewer => "閲覧者",
            Role::Vendor => "事業者",
        }
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub tenant_id: Option<String>,
    pub organisation_id: Option<String>,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub password_changed_at: Option<Timestamp>,
    pub must_change_password: bool,
    /// Sealed (encrypted) TOTP secret.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub mfa_exempt: bool,
    pub failed_logins: i32,
    pub locked_until: Option<Timestamp>,
    pub suspended_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl User {
    pub fn mfa_enrolled(&self) -> bool {
        self.totp_secret.is_some()
    }
}

/// What a new user needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub tenant_id: Option<String>,
    pub organisation_id: Option<String>,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
}

/// A server-side session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub mfa_verified: bool,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub source_addr: Option<String>,
}

/// An API token (its secret is stored hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub tenant_id: Option<String>,
    pub role: Role,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

/// A vendor organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    /// `integrator` or `provider`.
    pub kind: String,
    pub created_at: Timestamp,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn opt_time(s: Option<String>) -> Result<Option<Timestamp>, StoreError> {
    s.as_deref().map(time::parse).transpose()
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A session, its user and the user's tenant settings document, as
/// [`Store::session_with_user`] reads them.
#[derive(Debug, Clone)]
pub struct SessionLookup {
    pub session: Session,
    pub user: User,
    pub tenant_settings: Option<serde_json::Value>,
}

const USER_COLUMNS: &str = "SELECT id, tenant_id, organisation_id, username, display_name, email, role, \
    password_hash, password_changed_at, must_change_password, totp_secret, totp_last_step, mfa_exempt, \
    failed_logins, locked_until, suspended_at, created_at FROM users";

/// Stored columns of a user, before parsing.
type UserRow = (
    (
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<String>,
        String,
    ),
    (
        Option<String>,
        Option<String>,
        bool,
        Option<String>,
        Option<i64>,
        bool,
    ),
    (i32, Option<String>, Option<String>, String),
);

macro_rules! user_rows {
    ($rows:expr) => {
        $rows
            .iter()
            .map(|r| {
                Ok::<UserRow, sqlx::Error>((
                    (
                        r.try_get("id")?,
                        r.try_get("tenant_id")?,
                        r.try_get("organisation_id")?,
                        r.try_get("username")?,
                        r.try_get("display_name")?,
                        r.try_get("email")?,
                        r.try_get("role")?,
                    ),
                    (
                        r.try_get("password_hash")?,
                        r.try_get("password_changed_at")?,
                        r.try_get("must_change_password")?,
                        r.try_get("totp_secret")?,
                        r.try_get("totp_last_step")?,
                        r.try_get("mfa_exempt")?,
                    ),
                    (
                        r.try_get("failed_logins")?,
                        r.try_get("locked_until")?,
                        r.try_get("suspended_at")?,
                        r.try_get("created_at")?,
                    ),
                ))
            })
            .collect::<Result<Vec<UserRow>, sqlx::Error>>()
    };
}

fn to_user(row: UserRow) -> Result<User, StoreError> {
    let ((id, tenant_id, organisation_id, username, display_name, email, role), a, b) = row;
    let (
        password_hash,
        password_changed_at,
        must_change_password,
        totp_secret,
        totp_last_step,
        mfa_exempt,
    ) = a;
    let (failed_logins, locked_until, suspended_at, created_at) = b;
    Ok(User {
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role `{role}`")))?,
        id,
        tenant_id,
        organisation_id,
        username,
        display_name,
        email,
        password_hash,
        password_changed_at: opt_time(password_changed_at)?,
        must_change_password,
        totp_secret,
        totp_last_step,
        mfa_exempt,
        failed_logins,
        locked_until: opt_time(locked_until)?,
        suspended_at: opt_time(suspended_at)?,
        created_at: time::parse(&created_at)?,
    })
}

impl Store {
    async fn select_users(
        &self,
        filter: &'static str,
        arg: Option<&str>,
    ) -> Result<Vec<User>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{USER_COLUMNS} WHERE deleted_at IS NULL {filter} ORDER BY username"
        ));
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query(sql);
            if let Some(a) = arg {
                q = q.bind(a.to_owned());
            }
            let rows = q.fetch_all(pool).await?;
            user_rows!(rows)?
        });
        rows.into_iter().map(to_user).collect()
    }

    /// Creates a user; a taken username is a [`StoreError::Conflict`]. The
    /// initial password hash (if any) also starts the password history.
    pub async fn create_user(&self, new: &NewUser, now: Timestamp) -> Result<User, StoreError> {
        let id = new_id();
        let at = time::format(now);
        let changed = new.password_hash.as_ref().map(|_| at.clone());
        let result = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let inserted = sqlx::query(
                "INSERT INTO users (id, tenant_id, organisation_id, username, display_name, email, role, \
                 password_hash, password_changed_at, must_change_password, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&id)
            .bind(&new.tenant_id)
            .bind(&new.organisation_id)
            .bind(&new.username)
            .bind(&new.display_name)
            .bind(&new.email)
            .bind(new.role.as_str())
            .bind(&new.password_hash)
            .bind(&changed)
            .bind(new.must_change_password)
            .bind(&at)
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(e) => Err(e),
                Ok(_) => {
                    if let Some(h) = &new.password_hash {
                        sqlx::query("INSERT INTO password_history (user_id, hash, changed_at) VALUES ($1, $2, $3)")
                            .bind(&id)
                            .bind(h)
                            .bind(&at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await
                }
            }
        });
        match result {
            Ok(()) => self
                .user(&id)
                .await?
                .ok_or_else(|| StoreError::Corrupt("created user not found".into())),
            Err(e) if unique_violation(&e) => Err(StoreError::Conflict(format!(
                "ユーザー名 `{}`",
                new.username
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The (not deleted) user with `id`.
    pub async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        Ok(self.select_users("AND id = $1", Some(id)).await?.pop())
    }

    /// The (not deleted) user called `username`.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .select_users("AND username = $1", Some(username))
            .await?
            .pop())
    }

    /// The users of a tenant, by username.
    pub async fn users_in_tenant(&self, tenant_id: &str) -> Result<Vec<User>, StoreError> {
        self.select_users("AND tenant_id = $1", Some(tenant_id))
            .await
    }

    /// Every user, by username.
    pub async fn all_users(&self) -> Result<Vec<User>, StoreError> {
        self.select_users("", None).await
    }

    /// The number of (not deleted) users.
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL")
            .fetch_one(pool)
            .await)?;
        Ok(n)
    }

    /// The last `n` password hashes of a user, newest first.
    pub async fn password_history(&self, user_id: &str, n: i64) -> Result<Vec<String>, StoreError> {
        let hashes: Vec<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT hash FROM password_history WHERE user_id = $1 ORDER BY changed_at DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(n)
        .fetch_all(pool)
        .await)?;
        Ok(hashes)
    }

    /// Sets a new password hash (recorded in the history). `changed` says
    /// whether this is a new password (history, change time) or the same
    /// password re-hashed with new parameters (neither).
    pub async fn set_password_hash(
        &self,
        user_id: &str,
        hash: &str,
        changed: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let at = time::format(now);
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            if changed {
                sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = FALSE WHERE id = $3")
                    .bind(hash)
                    .bind(&at)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO password_history (user_id, hash, changed_at) VALUES ($1, $2, $3)")
                    .bind(user_id)
                    .bind(hash)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Stores the sealed TOTP secret and the hashed recovery codes (replacing
    /// any earlier ones); `None` removes MFA.
    pub async fn set_mfa(
        &self,
        user_id: &str,
        sealed_secret: Option<&str>,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE id = $2")
                .bind(sealed_secret)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            for h in recovery_hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user_id)
                    .bind(h)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records the TOTP step just used, refusing a step not after the last
    /// one (a replay, also across app instances). Returns whether it took.
    pub async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let _gate = self.write_gate().await;
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The unused recovery-code hashes of a user.
    pub async fn recovery_codes(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let hashes: Vec<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY code_hash",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)?;
        Ok(hashes)
    }

    /// Marks a recovery code used; false if it was already used.
    pub async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let _gate = self.write_gate().await;
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(&at)
        .bind(user_id)
        .bind(code_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Stores the lockout state after a login attempt.
    pub async fn set_login_state(
        &self,
        user_id: &str,
        failed_logins: i32,
        locked_until: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let until = locked_until.map(time::format);
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
            .bind(failed_logins)
            .bind(&until)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Suspends (`Some(now)`) or reactivates (`None`) an account. Suspension
    /// ends every session and revokes every API token of the user in the
    /// same transaction, so they stop working on the next request.
    pub async fn set_suspended(
        &self,
        user_id: &str,
        suspended_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let at = suspended_at.map(time::format);
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query("UPDATE users SET suspended_at = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                .bind(&at)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if let Some(at) = &at {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(at)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Disposes of an account (アカウントの廃棄): the row stays, so the
    /// audit trail, invitations and history keep naming who acted (id,
    /// username and display name frozen), but every credential goes in one
    /// transaction — password hash and history, TOTP secret, recovery
    /// codes, sessions, API tokens — with the e-mail address. The account
    /// is marked deleted and no longer appears anywhere. Returns false if
    /// there was no such (undeleted) user.
    pub async fn dispose_user(&self, user_id: &str, now: Timestamp) -> Result<bool, StoreError> {
        let at = time::format(now);
        let disposed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query(
                "UPDATE users SET password_hash = NULL, password_changed_at = NULL, must_change_password = FALSE, \
                 totp_secret = NULL, totp_last_step = NULL, email = NULL, failed_logins = 0, locked_until = NULL, \
                 suspended_at = COALESCE(suspended_at, $1), deleted_at = $1 \
                 WHERE id = $2 AND deleted_at IS NULL",
            )
            .bind(&at)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            for table in ["sessions", "recovery_codes", "password_history", "api_tokens"] {
                let sql = sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1"));
                sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            n == 1
        });
        Ok(disposed)
    }

    /// Exempts a user from MFA (closed-network deployments only; the
    /// caller checks that) or lifts the exemption.
    pub async fn set_mfa_exempt(&self, user_id: &str, exempt: bool) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("UPDATE users SET mfa_exempt = $1 WHERE id = $2")
            .bind(exempt)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Changes a user's role.
    pub async fn set_role(&self, user_id: &str, role: Role) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    // -- sessions ---------------------------------------------------------

    pub async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, mfa_verified, created_at, last_seen_at, source_addr) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(s.mfa_verified)
        .bind(time::format(s.created_at))
        .bind(time::format(s.last_seen_at))
        .bind(&s.source_addr)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT id_hash, user_id, csrf_token, mfa_verified, created_at, last_seen_at, source_addr \
                 FROM sessions WHERE id_hash = $1",
            )
            .bind(id_hash)
            .fetch_optional(pool)
            .await?;
            match row {
                None => None,
                Some(r) => Some((
                    r.try_get::<String, _>("id_hash")?,
                    r.try_get::<String, _>("user_id")?,
                    r.try_get::<String, _>("csrf_token")?,
                    r.try_get::<bool, _>("mfa_verified")?,
                    r.try_get::<String, _>("created_at")?,
                    r.try_get::<String, _>("last_seen_at")?,
                    r.try_get::<Option<String>, _>("source_addr")?,
                )),
            }
        });
        row.map(
            |(id_hash, user_id, csrf_token, mfa_verified, created, seen, source_addr)| {
                Ok(Session {
                    id_hash,
                    user_id,
                    csrf_token,
                    mfa_verified,
                    created_at: time::parse(&created)?,
                    last_seen_at: time::parse(&seen)?,
                    source_addr,
                })
            },
        )
        .transpose()
    }

    /// A session with its (not deleted) user and the user's tenant
    /// settings, in one query: what every authenticated request needs.
    /// `None` if there is no such session or its user is deleted.
    pub async fn session_with_user(
        &self,
        id_hash: &str,
    ) -> Result<Option<SessionLookup>, StoreError> {
        let user_columns = USER_COLUMNS
            .trim_start_matches("SELECT ")
            .trim_end_matches(" FROM users")
            .split(", ")
            .map(|c| format!("u.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {user_columns}, s.csrf_token AS s_csrf_token, s.mfa_verified AS s_mfa_verified, \
             s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.source_addr AS s_source_addr, \
             ts.settings AS s_tenant_settings \
             FROM sessions s JOIN users u ON u.id = s.user_id AND u.deleted_at IS NULL \
             LEFT JOIN tenant_settings ts ON ts.tenant_id = u.tenant_id WHERE s.id_hash = $1"
        ));
        let row = on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(id_hash).fetch_all(pool).await?;
            let users = user_rows!(rows)?;
            match (rows.first(), users.into_iter().next()) {
                (Some(r), Some(user)) => Some((
                    user,
                    r.try_get::<String, _>("s_csrf_token")?,
                    r.try_get::<bool, _>("s_mfa_verified")?,
                    r.try_get::<String, _>("s_created_at")?,
                    r.try_get::<String, _>("s_last_seen_at")?,
                    r.try_get::<Option<String>, _>("s_source_addr")?,
                    r.try_get::<Option<String>, _>("s_tenant_settings")?,
                )),
                _ => None,
            }
        });
        let Some((user, csrf_token, mfa_verified, created, seen, source_addr, settings)) = row
        else {
            return Ok(None);
        };
        let user = to_user(user)?;
        let tenant_settings = settings
            .map(|t| {
                serde_json::from_str(&t)
                    .map_err(|e| StoreError::Corrupt(format!("tenant settings: {e}")))
            })
            .transpose()?;
        Ok(Some(SessionLookup {
            session: Session {
                id_hash: id_hash.to_owned(),
                user_id: user.id.clone(),
                csrf_token,
                mfa_verified,
                created_at: time::parse(&created)?,
                last_seen_at: time::parse(&seen)?,
                source_addr,
            },
            user,
            tenant_settings,
        }))
    }

    pub async fn touch_session(&self, id_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(time::format(now))
            .bind(id_hash)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn set_session_mfa_verified(&self, id_hash: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("UPDATE sessions SET mfa_verified = TRUE WHERE id_hash = $1")
            .bind(id_hash)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    // -- API tokens -------------------------------------------------------

    pub async fn create_api_token(&self, t: &ApiToken) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO api_tokens (id, user_id, tenant_id, role, name, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&t.id)
        .bind(&t.user_id)
        .bind(&t.tenant_id)
        .bind(t.role.as_str())
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(time::format(t.created_at))
        .bind(time::format(t.expires_at))
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    async fn select_tokens(
        &self,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<ApiToken>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, user_id, tenant_id, role, name, token_hash, created_at, expires_at, revoked_at, last_used_at \
             FROM api_tokens WHERE {filter} ORDER BY created_at"
        ));
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            String,
            String,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        )> = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(arg.to_owned())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        r.try_get("id")?,
                        r.try_get("user_id")?,
                        r.try_get("tenant_id")?,
                        r.try_get("role")?,
                        r.try_get("name")?,
                        r.try_get("token_hash")?,
                        r.try_get("created_at")?,
                        r.try_get("expires_at")?,
                        r.try_get("revoked_at")?,
                        r.try_get("last_used_at")?,
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(
                |(
                    id,
                    user_id,
                    tenant_id,
                    role,
                    name,
                    token_hash,
                    created,
                    expires,
                    revoked,
                    used,
                )| {
                    Ok(ApiToken {
                        role: Role::parse(&role)
                            .ok_or_else(|| StoreError::Corrupt(format!("role `{role}`")))?,
                        id,
                        user_id,
                        tenant_id,
                        name,
                        token_hash,
                        created_at: time::parse(&created)?,
                        expires_at: time::parse(&expires)?,
                        revoked_at: opt_time(revoked)?,
                        last_used_at: opt_time(used)?,
                    })
                },
            )
            .collect()
    }

    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        Ok(self
            .select_tokens("token_hash = $1", token_hash)
            .await?
            .pop())
    }

    pub async fn api_token(&self, id: &str) -> Result<Option<ApiToken>, StoreError> {
        Ok(self.select_tokens("id = $1", id).await?.pop())
    }

    pub async fn api_tokens_of_user(&self, user_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        self.select_tokens("user_id = $1", user_id).await
    }

    pub async fn revoke_api_token(&self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(time::format(now))
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn touch_api_token(&self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(time::format(now))
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    // -- setup tokens -----------------------------------------------------

    pub async fn create_setup_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
            .bind(token_hash)
            .bind(time::format(now))
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Consumes a setup token; false if unknown or already used.
    pub async fn consume_setup_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let _gate = self.write_gate().await;
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(time::format(now))
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    // -- organisations and tenant settings ---------------------------------

    pub async fn create_organisation(
        &self,
        name: &str,
        kind: &str,
        now: Timestamp,
    ) -> Result<Organisation, StoreError> {
        let org = Organisation {
            id: new_id(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            created_at: now,
        };
        let _gate = self.write_gate().await;
        let r = on_pool!(self, pool => sqlx::query("INSERT INTO organisations (id, name, kind, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&org.id)
            .bind(&org.name)
            .bind(&org.kind)
            .bind(time::format(now))
            .execute(pool)
            .await
            .map(|_| ()));
        match r {
            Ok(()) => Ok(org),
            Err(e) if unique_violation(&e) => Err(StoreError::Conflict(format!("組織 `{name}`"))),
            Err(e) => Err(e.into()),
        }
    }

    /// Every vendor organisation, by name.
    pub async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<(String, String, String, String)> = on_pool!(self, pool => {
            sqlx::query("SELECT id, name, kind, created_at FROM organisations ORDER BY name")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("name")?, r.try_get("kind")?, r.try_get("created_at")?)))
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(|(id, name, kind, at)| {
                Ok(Organisation {
                    id,
                    name,
                    kind,
                    created_at: time::parse(&at)?,
                })
            })
            .collect()
    }

    /// The users of a vendor organisation, by username.
    pub async fn users_in_organisation(
        &self,
        organisation_id: &str,
    ) -> Result<Vec<User>, StoreError> {
        self.select_users("AND organisation_id = $1", Some(organisation_id))
            .await
    }

    /// A tenant's settings document (JSON), if set.
    pub async fn tenant_settings(
        &self,
        tenant_id: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = on_pool!(self, pool => sqlx::query_scalar("SELECT settings FROM tenant_settings WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(pool)
            .await)?;
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError::Corrupt(format!("tenant settings: {e}")))
        })
        .transpose()
    }

    pub async fn set_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO tenant_settings (tenant_id, settings) VALUES ($1, $2) \
             ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings",
        )
        .bind(tenant_id)
        .bind(settings.to_string())
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
