//! The second factor: RFC 6238 time-based one-time passwords with replay
//! protection, the `otpauth://` URI and its QR code for enrolment, and
//! single-use recovery codes stored hashed.
//!
//! HMAC-SHA-256 is the default (HMAC and SHA-256 are on the CRYPTREC
//! 電子政府推奨暗号リスト). HMAC-SHA-1 is selectable only because some
//! authenticator apps ignore the `algorithm` parameter and always use SHA-1;
//! SHA-1 is on the 運用監視暗号リスト (legacy), so it is never the default.
//! The RFC 4226 truncation and HMAC come from the `totp-rs` crate; the step
//! window, replay rule and URI format are kijun's.

use std::fmt;

use jiff::Timestamp;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuthError;

/// Minimum secret length in bytes: 160 bits, as RFC 4226 §4 recommends
/// (it requires at least 128).
pub const MIN_SECRET_LEN: usize = 20;
/// Code length used for enrolment.
pub const DEFAULT_DIGITS: u8 = 6;
/// Step length in seconds (RFC 6238 §5.2 recommends 30).
pub const PERIOD_SECONDS: u64 = 30;
/// Steps of clock skew accepted either side of the current one.
pub const SKEW_STEPS: u16 = 1;
/// The issuer shown in authenticator apps.
pub const DEFAULT_ISSUER: &str = "kijun";

/// The HMAC hash function of a TOTP credential.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TotpAlgorithm {
    /// HMAC-SHA-256 (default; CRYPTREC 電子政府推奨暗号).
    #[default]
    Sha256,
    /// HMAC-SHA-1, for authenticator apps that support nothing else.
    /// Legacy: SHA-1 is on the CRYPTREC 運用監視暗号リスト.
    Sha1,
}

impl TotpAlgorithm {
    /// The name used in `otpauth://` URIs: `SHA256` or `SHA1`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TotpAlgorithm::Sha256 => "SHA256",
            TotpAlgorithm::Sha1 => "SHA1",
        }
    }

    fn to_totp_rs(self) -> totp_rs::Algorithm {
        match self {
            TotpAlgorithm::Sha256 => totp_rs::Algorithm::SHA256,
            TotpAlgorithm::Sha1 => totp_rs::Algorithm::SHA1,
        }
    }
}

/// A shared TOTP secret of at least [`MIN_SECRET_LEN`] random bytes from the
/// caller's CSPRNG. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A secret from raw random bytes.
    pub fn new(bytes: &[u8]) -> Result<TotpSecret, AuthError> {
        if bytes.len() < MIN_SECRET_LEN {
            return Err(AuthError::TotpSecretTooShort { len: bytes.len() });
        }
        Ok(TotpSecret(bytes.to_vec()))
    }

    /// A secret from its RFC 4648 base32 form (upper case, no padding), as
    /// stored or shown to the user for manual entry.
    pub fn from_base32(text: &str) -> Result<TotpSecret, AuthError> {
        let secret = totp_rs::Secret::try_from_base32(text.trim())
            .map_err(|_| AuthError::TotpSecretEncoding)?;
        TotpSecret::new(secret.as_bytes())
    }

    /// The RFC 4648 base32 form, upper case, without padding.
    pub fn to_base32(&self) -> String {
        totp_rs::Secret::from(self.0.as_slice()).to_base32()
    }

    /// The raw bytes (for encryption at rest by the store).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TotpSecret({} bytes, redacted)", self.0.len())
    }
}

/// A TOTP credential: secret, algorithm and code length, with the 30-second
/// step and ±1 step of skew fixed.
#[derive(Clone)]
pub struct Totp {
    secret: TotpSecret,
    algorithm: TotpAlgorithm,
    inner: totp_rs::Totp,
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("secret", &self.secret)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits())
            .finish()
    }
}

impl Totp {
    /// A credential with 6-digit codes.
    pub fn new(secret: TotpSecret, algorithm: TotpAlgorithm) -> Result<Totp, AuthError> {
        Totp::with_digits(secret, algorithm, DEFAULT_DIGITS)
    }

    /// A credential with `digits` (6 to 8) digits per code.
    pub fn with_digits(
        secret: TotpSecret,
        algorithm: TotpAlgorithm,
        digits: u8,
    ) -> Result<Totp, AuthError> {
        if !(6..=8).contains(&digits) {
            return Err(AuthError::TotpDigits(digits));
        }
        let inner = totp_rs::Builder::new()
            .with_algorithm(algorithm.to_totp_rs())
            .with_digits(digits)
            .with_skew(SKEW_STEPS)
            .with_step_duration(PERIOD_SECONDS)
            .with_secret(secret.as_bytes())
            .build()
            .map_err(|e| match e {
                totp_rs::TotpError::InvalidDigits { digits } => AuthError::TotpDigits(digits),
                _ => AuthError::TotpSecretTooShort {
                    len: secret.as_bytes().len(),
                },
            })?;
        Ok(Totp {
            secret,
            algorithm,
            inner,
        })
    }

    pub fn secret(&self) -> &TotpSecret {
        &self.secret
    }

    pub fn algorithm(&self) -> TotpAlgorithm {
        self.algorithm
    }

    pub fn digits(&self) -> u8 {
        self.inner.digits()
    }

    /// The step number (`floor(unix seconds / 30)`) that `time` falls in.
    pub fn step_at(time: Timestamp) -> Result<u64, AuthError> {
        Ok(unix_seconds(time)? / PERIOD_SECONDS)
    }

    /// The code for the step that `time` falls in, zero-padded.
    pub fn code_at(&self, time: Timestamp) -> Result<String, AuthError> {
        Ok(self.inner.generate(unix_seconds(time)?).to_string())
    }

    /// Checks `code` at `now`, accepting the current step and one step
    /// either side. Returns the step the code belongs to, which the caller
    /// stores as the new `last_used_step`; `None` if the code is wrong, is
    /// not exactly [`digits`](Self::digits) ASCII digits (spaces are ignored),
    /// or belongs to `last_used_step` or an earlier step (a replay, RFC 6238
    /// §5.2). Comparison is constant-time (done by `totp-rs`).
    pub fn verify(&self, code: &str, now: Timestamp, last_used_step: Option<u64>) -> Option<u64> {
        let time = unix_seconds(now).ok()?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        // `check` scans the window oldest first and returns the first step
        // whose code matches; equal codes in two adjacent steps (chance
        // 10^-digits) can only make a valid code be refused, never a replay
        // be accepted.
        let step = self.inner.check(&code, time)?;
        match last_used_step {
            Some(last) if step <= last => None,
            _ => Some(step),
        }
    }

    /// The `otpauth://totp/` URI for authenticator apps (Google Authenticator
    /// Key URI format): label `issuer:account`, then `secret` (base32 without
    /// padding), `issuer`, `algorithm`, `digits` and `period`. Issuer and
    /// account are percent-encoded and may not be empty or contain `:`.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<String, AuthError> {
        for part in [issuer, account] {
            if part.trim().is_empty() || part.contains(':') {
                return Err(AuthError::OtpauthLabel(part.to_owned()));
            }
        }
        let issuer = percent_encode(issuer);
        Ok(format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm={algorithm}&digits={digits}&period={PERIOD_SECONDS}",
            account = percent_encode(account),
            secret = self.secret.to_base32(),
            algorithm = self.algorithm.as_str(),
            digits = self.digits(),
        ))
    }
}

fn unix_seconds(time: Timestamp) -> Result<u64, AuthError> {
    u64::try_from(time.as_second()).map_err(|_| AuthError::TimeBeforeEpoch)
}

/// RFC 3986 percent-encoding of everything but the unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), byte by byte over UTF-8.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An SVG image of the QR code for `uri` (error correction level M, quiet
/// zone included, at least 200×200 px), to show at enrolment.
pub fn qr_svg(uri: &str) -> Result<String, AuthError> {
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)
        .map_err(|e| AuthError::QrCode(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// How many recovery codes a user gets.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters in a recovery code, without hyphens (12 × 5 bits = 60 bits).
pub const RECOVERY_CODE_LEN: usize = 12;
/// Random bytes [`generate_recovery_codes`] needs: one per character.
pub const RECOVERY_CODES_RANDOM_LEN: usize = RECOVERY_CODE_COUNT * RECOVERY_CODE_LEN;

/// Crockford's base32 alphabet in lower case: no `i`, `l`, `o` or `u`, so a
/// code read aloud or typed from paper is unambiguous.
const RECOVERY_ALPHABET: [u8; 32] = *b"0123456789abcdefghjkmnpqrstvwxyz";

/// Ten recovery codes `xxxx-xxxx-xxxx` made from `random` (from the caller's
/// CSPRNG). Each character uses the low 5 bits of one byte, so every
/// character is uniform over the 32-letter alphabet (60 bits per code). Show
/// them once and store only [`hash_recovery_code`] of each.
pub fn generate_recovery_codes(random: &[u8; RECOVERY_CODES_RANDOM_LEN]) -> Vec<String> {
    random
        .chunks_exact(RECOVERY_CODE_LEN)
        .map(|chunk| {
            let mut code = String::with_capacity(RECOVERY_CODE_LEN + 2);
            for (i, byte) in chunk.iter().enumerate() {
                if i > 0 && i % 4 == 0 {
                    code.push('-');
                }
                code.push(char::from(RECOVERY_ALPHABET[usize::from(byte & 0x1f)]));
            }
            code
        })
        .collect()
}

/// The canonical form of a typed recovery code: hyphens and whitespace
/// removed, lower case, and the look-alikes `o`→`0`, `i`/`l`→`1` mapped as
/// Crockford's base32 does. `None` if it is not a well-formed code.
fn normalise_recovery_code(input: &str) -> Option<String> {
    let mut code = String::with_capacity(RECOVERY_CODE_LEN);
    for c in input.chars() {
        let c = match c.to_ascii_lowercase() {
            '-' => continue,
            c if c.is_whitespace() => continue,
            'o' => '0',
            'i' | 'l' => '1',
            c if c.is_ascii() && RECOVERY_ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        code.push(c);
    }
    (code.chars().count() == RECOVERY_CODE_LEN).then_some(code)
}

/// The value to store for a recovery code: SHA-256 of its normalised form,
/// in lower-case hex. A plain hash without salt or stretching is enough here
/// because a code carries 60 bits of CSPRNG entropy, so the stored hash
/// cannot be reversed by guessing (unlike a password); the login rate limit
/// bounds online guessing. Input that is not a well-formed code is hashed
/// as typed, so it can never match a generated code's hash.
pub fn hash_recovery_code(code: &str) -> String {
    let canonical = normalise_recovery_code(code).unwrap_or_else(|| code.to_owned());
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The index in `hashes` of the stored recovery code that `input` matches,
/// ignoring case, hyphens and spaces. The caller removes that hash: each
/// code works once. Every stored hash is compared, without early exit.
pub fn verify_recovery_code(input: &str, hashes: &[String]) -> Option<usize> {
    let canonical = normalise_recovery_code(input)?;
    let candidate = hash_recovery_code(&canonical);
    let mut found = None;
    for (i, stored) in hashes.iter().enumerate() {
        if constant_time_eq(candidate.as_bytes(), stored.as_bytes()) && found.is_none() {
            found = Some(i);
        }
    }
    found
}

/// Equality whose time depends only on the lengths, not on where the inputs
/// first differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SHA1_SEED: &[u8] = b"12345678901234567890";
    const RFC_SHA256_SEED: &[u8] = b"12345678901234567890123456789012";

    fn at(seconds: i64) -> Timestamp {
        Timestamp::constant(seconds, 0)
    }

    fn credential(algorithm: TotpAlgorithm) -> Result<Totp, AuthError> {
        Totp::new(TotpSecret::new(RFC_SHA256_SEED)?, algorithm)
    }

    #[test]
    fn rfc6238_appendix_b_vectors() -> Result<(), AuthError> {
        // (time, SHA-1 code, SHA-256 code), 8 digits, T0 = 0, X = 30.
        let vectors = [
            (59, "94287082", "46119246"),
            (1_111_111_109, "07081804", "68084774"),
            (1_111_111_111, "14050471", "67062674"),
            (1_234_567_890, "89005924", "91819424"),
            (2_000_000_000, "69279037", "90698825"),
            (20_000_000_000, "65353130", "77737706"),
        ];
        let sha1 = Totp::with_digits(TotpSecret::new(RFC_SHA1_SEED)?, TotpAlgorithm::Sha1, 8)?;
        let sha256 =
            Totp::with_digits(TotpSecret::new(RFC_SHA256_SEED)?, TotpAlgorithm::Sha256, 8)?;
        for (time, sha1_code, sha256_code) in vectors {
            assert_eq!(sha1.code_at(at(time))?, sha1_code, "SHA-1 at {time}");
            assert_eq!(sha256.code_at(at(time))?, sha256_code, "SHA-256 at {time}");
            assert_eq!(
                sha256.verify(sha256_code, at(time), None),
                Some(Totp::step_at(at(time))?)
            );
        }
        Ok(())
    }

    #[test]
    fn six_digit_codes_are_the_last_six_of_the_truncation() -> Result<(), AuthError> {
        // The RFC 4226 dynamic truncation mod 10^6 is the 8-digit value's
        // last six digits.
        let totp = credential(TotpAlgorithm::Sha256)?;
        assert_eq!(totp.digits(), 6);
        assert_eq!(totp.code_at(at(59))?, "119246");
        assert_eq!(totp.code_at(at(1_111_111_109))?, "084774");
        Ok(())
    }

    #[test]
    fn one_step_of_skew_either_side_is_accepted() -> Result<(), AuthError> {
        let totp = credential(TotpAlgorithm::Sha256)?;
        let now = at(1_700_000_010);
        let step = Totp::step_at(now)?;
        let code_at_step = |s: u64| totp.code_at(at(s as i64 * 30));
        assert_eq!(totp.verify(&code_at_step(step)?, now, None), Some(step));
        assert_eq!(
            totp.verify(&code_at_step(step - 1)?, now, None),
            Some(step - 1)
        );
        assert_eq!(
            totp.verify(&code_at_step(step + 1)?, now, None),
            Some(step + 1)
        );
        assert_eq!(totp.verify(&code_at_step(step - 2)?, now, None), None);
        assert_eq!(totp.verify(&code_at_step(step + 2)?, now, None), None);
        Ok(())
    }

    #[test]
    fn a_used_step_cannot_be_replayed() -> Result<(), AuthError> {
        let totp = credential(TotpAlgorithm::Sha256)?;
        let now = at(1_700_000_010);
        let code = totp.code_at(now)?;
        let step = Totp::step_at(now)?;
        assert_eq!(totp.verify(&code, now, None), Some(step));
        assert_eq!(totp.verify(&code, now, Some(step)), None, "same code again");
        assert_eq!(
            totp.verify(&code, at(1_700_000_045), Some(step)),
            None,
            "next step, old code still within skew"
        );
        // The previous step's code is older than the last used one.
        let previous = totp.code_at(at(1_700_000_010 - 30))?;
        assert_eq!(totp.verify(&previous, now, Some(step)), None);
        // The next step's code is still fine once it is current.
        let later = at(1_700_000_040);
        assert_eq!(
            totp.verify(&totp.code_at(later)?, later, Some(step)),
            Some(step + 1)
        );
        Ok(())
    }

    #[test]
    fn wrong_or_malformed_codes_fail() -> Result<(), AuthError> {
        let totp = credential(TotpAlgorithm::Sha256)?;
        let now = at(1_700_000_010);
        let code = totp.code_at(now)?;
        let mut wrong = code.clone().into_bytes();
        wrong[0] = if wrong[0] == b'9' { b'0' } else { wrong[0] + 1 };
        let wrong = String::from_utf8(wrong).unwrap_or_default();
        assert_eq!(totp.verify(&wrong, now, None), None);
        assert_eq!(totp.verify("", now, None), None);
        assert_eq!(totp.verify("12345", now, None), None);
        assert_eq!(totp.verify(&format!("{code}0"), now, None), None);
        assert_eq!(totp.verify(&format!("+{}", &code[1..]), now, None), None);
        assert_eq!(totp.verify("１２３４５６", now, None), None);
        // Spaces are ignored: "123 456" as printed by some apps.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(totp.verify(&spaced, now, None).is_some());
        Ok(())
    }

    #[test]
    fn sha1_and_sha256_give_different_codes() -> Result<(), AuthError> {
        let now = at(1_700_000_010);
        let sha1 = credential(TotpAlgorithm::Sha1)?;
        let sha256 = credential(TotpAlgorithm::Sha256)?;
        assert_ne!(sha1.code_at(now)?, sha256.code_at(now)?);
        assert_eq!(sha1.verify(&sha256.code_at(now)?, now, None), None);
        assert_eq!(TotpAlgorithm::default(), TotpAlgorithm::Sha256);
        Ok(())
    }

    #[test]
    fn times_before_the_epoch_are_errors() -> Result<(), AuthError> {
        let totp = credential(TotpAlgorithm::Sha256)?;
        assert_eq!(totp.code_at(at(-1)), Err(AuthError::TimeBeforeEpoch));
        assert_eq!(totp.verify("000000", at(-1), None), None);
        Ok(())
    }

    #[test]
    fn secrets_must_be_long_enough_and_round_trip_through_base32() -> Result<(), AuthError> {
        assert_eq!(
            TotpSecret::new(&[7; 19]),
            Err(AuthError::TotpSecretTooShort { len: 19 })
        );
        let secret = TotpSecret::new(RFC_SHA1_SEED)?;
        // RFC 4648 base32 of "12345678901234567890".
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::from_base32(&secret.to_base32())?, secret);
        assert_eq!(
            TotpSecret::from_base32("not base32!"),
            Err(AuthError::TotpSecretEncoding)
        );
        assert!(matches!(
            TotpSecret::from_base32("GEZDGNBV"),
            Err(AuthError::TotpSecretTooShort { len: 5 })
        ));
        assert!(!format!("{secret:?}").contains("GEZ"));
        assert!(!format!("{secret:?}").contains("49"));
        Ok(())
    }

    #[test]
    fn digits_outside_six_to_eight_are_refused() -> Result<(), AuthError> {
        for digits in [0, 5, 9, 10] {
            assert_eq!(
                Totp::with_digits(TotpSecret::new(RFC_SHA1_SEED)?, TotpAlgorithm::Sha1, digits)
                    .map(|_| ()),
                Err(AuthError::TotpDigits(digits))
            );
        }
        Ok(())
    }

    #[test]
    fn otpauth_uri_has_the_standard_shape() -> Result<(), AuthError> {
        let totp = credential(TotpAlgorithm::Sha256)?;
        assert_eq!(
            totp.otpauth_uri(DEFAULT_ISSUER, "tanaka@example.jp")?,
            "otpauth://totp/kijun:tanaka%40example.jp?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=kijun&algorithm=SHA256&digits=6&period=30"
        );
        let sha1 = Totp::new(TotpSecret::new(RFC_SHA1_SEED)?, TotpAlgorithm::Sha1)?;
        assert_eq!(
            sha1.otpauth_uri("kijun 本番", "山田 太郎")?,
            "otpauth://totp/kijun%20%E6%9C%AC%E7%95%AA:%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=kijun%20%E6%9C%AC%E7%95%AA&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            totp.otpauth_uri("kijun", "a:b"),
            Err(AuthError::OtpauthLabel("a:b".to_owned()))
        );
        assert_eq!(
            totp.otpauth_uri("", "tanaka"),
            Err(AuthError::OtpauthLabel(String::new()))
        );
        Ok(())
    }

    #[test]
    fn qr_svg_renders_the_uri() -> Result<(), AuthError> {
        let uri = credential(TotpAlgorithm::Sha256)?.otpauth_uri("kijun", "tanaka@example.jp")?;
        let image = qr_svg(&uri)?;
        assert!(image.starts_with("<?xml"), "{image}");
        assert!(image.contains("<svg") && image.ends_with("</svg>"));
        assert!(image.contains(r##"fill="#000000""##));
        // Deterministic, and different data gives a different picture.
        assert_eq!(qr_svg(&uri)?, image);
        assert_ne!(qr_svg(&uri.replace("tanaka", "suzuki"))?, image);
        // The module grid is the one the encoder chose for this URI.
        let modules = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)
            .map_err(|e| AuthError::QrCode(e.to_string()))?
            .width();
        assert!(modules >= 37, "a ~150-byte URI needs version 5 or more");
        assert!(matches!(
            qr_svg(&"x".repeat(5_000)),
            Err(AuthError::QrCode(_))
        ));
        Ok(())
    }

    /// Deterministic stand-in for CSPRNG output: SHA-256 of a counter.
    fn random() -> [u8; RECOVERY_CODES_RANDOM_LEN] {
        let mut bytes = [0u8; RECOVERY_CODES_RANDOM_LEN];
        for (i, chunk) in bytes.chunks_mut(32).enumerate() {
            let block = Sha256::digest((i as u64).to_be_bytes());
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        bytes
    }

    #[test]
    fn recovery_codes_have_the_documented_shape() {
        let codes = generate_recovery_codes(&random());
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        for code in &codes {
            assert_eq!(code.len(), 14, "{code}");
            let parts: Vec<&str> = code.split('-').collect();
            assert_eq!(parts.len(), 3, "{code}");
            assert!(parts.iter().all(|p| p.len() == 4));
            assert!(
                code.chars()
                    .all(|c| c == '-' || RECOVERY_ALPHABET.contains(&(c as u8))),
                "{code}"
            );
            assert!(!code.contains(['i', 'l', 'o', 'u']));
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODE_COUNT);
        // Byte values only matter through their low 5 bits.
        let zeros = generate_recovery_codes(&[0; RECOVERY_CODES_RANDOM_LEN]);
        assert_eq!(zeros[0], "0000-0000-0000");
        assert_eq!(
            generate_recovery_codes(&[0xff; RECOVERY_CODES_RANDOM_LEN])[9],
            "zzzz-zzzz-zzzz"
        );
        assert_eq!(generate_recovery_codes(&random()), codes, "deterministic");
    }

    #[test]
    fn recovery_codes_verify_once_stored_hashed() {
        let codes = generate_recovery_codes(&random());
        let hashes: Vec<String> = codes.iter().map(|c| hash_recovery_code(c)).collect();
        assert!(hashes.iter().all(|h| h.len() == 64));
        assert!(
            !hashes
                .iter()
                .any(|h| codes.iter().any(|c| h.contains(c.as_str())))
        );
        for (i, code) in codes.iter().enumerate() {
            assert_eq!(verify_recovery_code(code, &hashes), Some(i));
        }
        // Case, hyphens, spaces and Crockford look-alikes are forgiven.
        let typed = format!(" {} ", codes[3].to_uppercase().replace('-', " "));
        assert_eq!(verify_recovery_code(&typed, &hashes), Some(3));
        let zero = vec![hash_recovery_code("0000-0000-0000")];
        assert_eq!(verify_recovery_code("oOoO-0000 0000", &zero), Some(0));
        let one = hash_recovery_code("1111-1111-1111");
        assert_eq!(verify_recovery_code("iIlL11111111", &[one]), Some(0));
        // A damaged stored hash matches nothing.
        let truncated = vec![hashes[3][..63].to_owned()];
        assert_eq!(verify_recovery_code(&codes[3], &truncated), None);
        // A used code, once its hash is removed, no longer works.
        let mut remaining = hashes.clone();
        remaining.remove(3);
        assert_eq!(verify_recovery_code(&codes[3], &remaining), None);
        // Wrong, short, long and foreign input.
        assert_eq!(verify_recovery_code("0000-0000-0001", &zero), None);
        assert_eq!(verify_recovery_code("0000-0000-000", &zero), None);
        assert_eq!(verify_recovery_code("0000-0000-00000", &zero), None);
        assert_eq!(verify_recovery_code("0000-0000-000u", &zero), None);
        assert_eq!(verify_recovery_code("０000-0000-0000", &zero), None);
        assert_eq!(verify_recovery_code("", &hashes), None);
    }

    #[test]
    fn recovery_hash_is_sha256_of_the_normalised_code() {
        // sha256("0123456789ab")
        assert_eq!(
            hash_recovery_code("0123-4567-89AB"),
            "d407ad901895723f32d31e6515f5284beb4c01e70e56720d65099da4771f3193"
        );
        assert_eq!(
            hash_recovery_code("0123 4567 89ab"),
            hash_recovery_code("0123-4567-89AB")
        );
    }
}
