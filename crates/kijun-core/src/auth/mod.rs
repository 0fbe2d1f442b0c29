//! The authentication domain: password hashing and policy, TOTP second
//! factor with recovery codes, account lockout and rate limiting.
//!
//! Everything here is pure. The current time (`jiff::Timestamp`) and random
//! bytes are always parameters — nothing reads a clock, the operating
//! system's random source or the network — so every behaviour is
//! deterministic in tests and the web and store layers decide where time and
//! randomness come from (a CSPRNG such as the operating system's).
//!
//! - [`password`]: PHC-string password hashes (PBKDF2-HMAC-SHA-256 by
//!   default, Argon2id selectable), verification, "needs rehash".
//! - [`policy`]: a tenant's password policy, checked all at once.
//! - [`totp`]: RFC 6238 TOTP (HMAC-SHA-256 by default, HMAC-SHA-1 for
//!   legacy authenticator apps), `otpauth://` URIs, QR codes as SVG, and
//!   recovery codes.
//! - [`lockout`]: consecutive-failure account lockout and a keyed
//!   sliding-window rate limiter.
//!
//! The algorithms and where each stands on the CRYPTREC list are in
//! `docs/crypto.md`.

pub mod lockout;
pub mod password;
pub mod policy;
pub mod totp;

pub use lockout::{LockedUntil, LockoutPolicy, LoginAttempts, RateLimit, RateLimiter, RetryAfter};
pub use password::{PasswordHashConfig, SALT_LEN, hash_password, needs_rehash, verify_password};
pub use policy::{PasswordPolicy, PolicyViolation};
pub use totp::{
    Totp, TotpAlgorithm, TotpSecret, generate_recovery_codes, hash_recovery_code, qr_svg,
    verify_recovery_code,
};

/// Everything that can go wrong in [`auth`](self). Wrong passwords, wrong
/// codes and policy violations are not errors: they are `false`, `None` or
/// a list of [`PolicyViolation`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A stored password hash could not be parsed as a PHC string.
    #[error("パスワードハッシュの形式が不正です: {0} (malformed PHC string)")]
    MalformedHash(String),
    /// A stored password hash names an algorithm kijun does not verify.
    #[error("対応していないパスワードハッシュ方式 `{0}` です (unsupported hash algorithm)")]
    UnsupportedAlgorithm(String),
    /// The configured hashing parameters are rejected by the algorithm.
    #[error("パスワードハッシュのパラメータが不正です: {0} (invalid hash parameters)")]
    InvalidHashParameters(String),
    /// The hashing itself failed (e.g. memory for Argon2id).
    #[error("パスワードのハッシュ化に失敗しました: {0} (password hashing failed)")]
    Hashing(String),
    /// A TOTP secret shorter than [`totp::MIN_SECRET_LEN`] bytes.
    #[error(
        "TOTP の秘密鍵が短すぎます ({len} バイト)。{min} バイト以上の乱数を使ってください (TOTP secret too short)",
        min = totp::MIN_SECRET_LEN
    )]
    TotpSecretTooShort { len: usize },
    /// A TOTP secret that is not valid unpadded RFC 4648 base32.
    #[error("TOTP の秘密鍵の Base32 表記が不正です (invalid base32 secret)")]
    TotpSecretEncoding,
    /// A TOTP code length other than 6, 7 or 8.
    #[error("TOTP の桁数 {0} は使えません。6〜8 を指定してください (TOTP digits must be 6 to 8)")]
    TotpDigits(u8),
    /// An issuer or account name that cannot be put into an `otpauth://`
    /// label (empty, or containing `:`).
    #[error(
        "TOTP のラベル `{0}` は使えません。空でなく `:` を含まない名前にしてください (invalid otpauth label)"
    )]
    OtpauthLabel(String),
    /// A time before 1970-01-01T00:00:00Z, where TOTP has no step.
    #[error("1970-01-01 より前の時刻では TOTP を計算できません (time before the Unix epoch)")]
    TimeBeforeEpoch,
    /// The data does not fit in a QR code.
    #[error("QR コードを作れません: {0} (QR encoding failed)")]
    QrCode(String),
    /// A rate limit that allows nothing or forgets at once.
    #[error(
        "回数制限の設定が不正です。max_attempts は 1 以上、window は正の時間にしてください (invalid rate limit)"
    )]
    InvalidRateLimit,
}
