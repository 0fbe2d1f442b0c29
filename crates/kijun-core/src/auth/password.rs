//! Password hashes as PHC strings: hashing with a caller-supplied salt,
//! constant-time verification, and "needs rehash" when the configured
//! algorithm or parameters have moved on.
//!
//! The default is PBKDF2-HMAC-SHA-256 with 600,000 iterations
//! (`$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>`): HMAC and SHA-256 are on the
//! CRYPTREC 電子政府推奨暗号リスト. Argon2id (`$argon2id$v=19$m=..,t=..,p=..`)
//! is selectable for operators who prefer a memory-hard function; it is not on
//! the list (see `docs/crypto.md`).

use argon2::Argon2;
use pbkdf2::Pbkdf2;
use pbkdf2::password_hash::phc::PasswordHash;
use pbkdf2::password_hash::{self, PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};

use super::AuthError;

/// Length of the per-user salt in bytes (128 bits, as NIST SP 800-132 and
/// RFC 9106 recommend). The caller draws it from a CSPRNG for every new hash.
pub const SALT_LEN: usize = 16;

/// Length of the stored hash output in bytes (256 bits) for both algorithms.
pub const OUTPUT_LEN: usize = 32;

/// Default PBKDF2-HMAC-SHA-256 iteration count (OWASP Password Storage Cheat
/// Sheet, 2023 onwards).
pub const PBKDF2_DEFAULT_ITERATIONS: u32 = 600_000;

/// The PHC identifier of PBKDF2-HMAC-SHA-256.
const PBKDF2_SHA256_ID: &str = "pbkdf2-sha256";
/// The PHC identifier of Argon2id.
const ARGON2ID_ID: &str = "argon2id";
/// Argon2 version 1.3 (0x13), the only one kijun writes.
const ARGON2_VERSION: u32 = 0x13;

/// Which algorithm new password hashes use, with its cost parameters.
///
/// Stored as JSON per deployment or tenant, e.g.
/// `{"algorithm":"pbkdf2_sha256","iterations":600000}` or
/// `{"algorithm":"argon2id","memory_kib":19456,"iterations":2,"parallelism":1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "algorithm", rename_all = "snake_case", deny_unknown_fields)]
pub enum PasswordHashConfig {
    /// PBKDF2 with HMAC-SHA-256 (the default).
    Pbkdf2Sha256 {
        /// Iteration count `i` (at least 1,000, which the crate enforces).
        iterations: u32,
    },
    /// Argon2id version 1.3.
    Argon2id {
        /// Memory cost `m` in KiB.
        memory_kib: u32,
        /// Time cost `t` (passes over memory).
        iterations: u32,
        /// Degree of parallelism `p` (lanes; computed sequentially here).
        parallelism: u32,
    },
}

impl Default for PasswordHashConfig {
    /// PBKDF2-HMAC-SHA-256 with [`PBKDF2_DEFAULT_ITERATIONS`].
    fn default() -> Self {
        PasswordHashConfig::Pbkdf2Sha256 {
            iterations: PBKDF2_DEFAULT_ITERATIONS,
        }
    }
}

impl PasswordHashConfig {
    /// Argon2id with the OWASP minimum: 19 MiB, 2 passes, 1 lane.
    pub const fn argon2id_recommended() -> Self {
        PasswordHashConfig::Argon2id {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }

    /// The PHC identifier this configuration writes.
    pub const fn algorithm_id(&self) -> &'static str {
        match self {
            PasswordHashConfig::Pbkdf2Sha256 { .. } => PBKDF2_SHA256_ID,
            PasswordHashConfig::Argon2id { .. } => ARGON2ID_ID,
        }
    }
}

/// Hashes `password` with `config` and `salt`, returning a PHC string to
/// store. The salt must come from a CSPRNG and be new for every hash.
pub fn hash_password(
    password: &str,
    config: &PasswordHashConfig,
    salt: &[u8; SALT_LEN],
) -> Result<String, AuthError> {
    let hash = match *config {
        PasswordHashConfig::Pbkdf2Sha256 { iterations } => {
            pbkdf2_hasher(iterations)?.hash_password_with_salt(password.as_bytes(), salt)
        }
        PasswordHashConfig::Argon2id {
            memory_kib,
            iterations,
            parallelism,
        } => argon2_hasher(memory_kib, iterations, parallelism)?
            .hash_password_with_salt(password.as_bytes(), salt),
    }
    .map_err(|e| AuthError::Hashing(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored PHC string `phc`. The comparison of
/// hash outputs is constant-time (done by the `password-hash` crate).
///
/// A wrong password is `Ok(false)`; a string that is not a complete PHC hash
/// of a supported algorithm (PBKDF2-HMAC-SHA-256 or Argon2id) is an error.
pub fn verify_password(password: &str, phc: &str) -> Result<bool, AuthError> {
    let hash = parse(phc)?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(AuthError::MalformedHash(
            "salt or hash output missing".to_owned(),
        ));
    }
    let result = match hash.algorithm.as_str() {
        PBKDF2_SHA256_ID => Pbkdf2::SHA256.verify_password(password.as_bytes(), &hash),
        ARGON2ID_ID => Argon2::default().verify_password(password.as_bytes(), &hash),
        other => return Err(AuthError::UnsupportedAlgorithm(other.to_owned())),
    };
    match result {
        Ok(()) => Ok(true),
        Err(password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(AuthError::MalformedHash(e.to_string())),
    }
}

/// Whether a stored hash should be replaced at the user's next successful
/// login: its algorithm, version or cost parameters differ from `config`,
/// its salt is shorter than [`SALT_LEN`] or its output is not
/// [`OUTPUT_LEN`] bytes. An unparseable string also needs rehashing.
pub fn needs_rehash(phc: &str, config: &PasswordHashConfig) -> bool {
    let Ok(hash) = parse(phc) else {
        return true;
    };
    let salt_ok = hash.salt.as_ref().is_some_and(|s| s.len() >= SALT_LEN);
    let output_ok = hash.hash.as_ref().is_some_and(|h| h.len() == OUTPUT_LEN);
    if !salt_ok || !output_ok || hash.algorithm.as_str() != config.algorithm_id() {
        return true;
    }
    let current = match *config {
        PasswordHashConfig::Pbkdf2Sha256 { iterations } => pbkdf2::Params::try_from(&hash)
            .is_ok_and(|p| p.rounds() == iterations && p.output_len() == OUTPUT_LEN),
        PasswordHashConfig::Argon2id {
            memory_kib,
            iterations,
            parallelism,
        } => {
            hash.version.is_some_and(|v| v == ARGON2_VERSION)
                && argon2::Params::try_from(&hash).is_ok_and(|p| {
                    p.m_cost() == memory_kib
                        && p.t_cost() == iterations
                        && p.p_cost() == parallelism
                })
        }
    };
    !current
}

fn parse(phc: &str) -> Result<PasswordHash, AuthError> {
    PasswordHash::new(phc).map_err(|e| AuthError::MalformedHash(e.to_string()))
}

fn pbkdf2_hasher(iterations: u32) -> Result<Pbkdf2, AuthError> {
    let params = pbkdf2::Params::new_with_output_len(iterations, OUTPUT_LEN).map_err(|e| {
        AuthError::InvalidHashParameters(format!("PBKDF2 iterations={iterations}: {e}"))
    })?;
    Ok(Pbkdf2::new(pbkdf2::Algorithm::Pbkdf2Sha256, params))
}

fn argon2_hasher(
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
) -> Result<Argon2<'static>, AuthError> {
    let params = argon2::Params::new(memory_kib, iterations, parallelism, Some(OUTPUT_LEN))
        .map_err(|e| {
            AuthError::InvalidHashParameters(format!(
                "Argon2id m={memory_kib},t={iterations},p={parallelism}: {e}"
            ))
        })?;
    Ok(Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's minimum, so tests stay fast in debug builds.
    const FAST_PBKDF2: PasswordHashConfig = PasswordHashConfig::Pbkdf2Sha256 { iterations: 1_000 };
    /// The smallest Argon2id the crate accepts for one lane.
    const FAST_ARGON2: PasswordHashConfig = PasswordHashConfig::Argon2id {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    const SALT: [u8; SALT_LEN] = *b"0123456789abcdef";

    #[test]
    fn pbkdf2_round_trip_and_wrong_password() -> Result<(), AuthError> {
        let phc = hash_password("correct horse battery", &FAST_PBKDF2, &SALT)?;
        assert!(phc.starts_with("$pbkdf2-sha256$i=1000,l=32$"), "{phc}");
        assert_eq!(verify_password("correct horse battery", &phc), Ok(true));
        assert_eq!(verify_password("correct horse batterY", &phc), Ok(false));
        assert_eq!(verify_password("", &phc), Ok(false));
        Ok(())
    }

    #[test]
    fn argon2id_round_trip_and_wrong_password() -> Result<(), AuthError> {
        let phc = hash_password("パスワード☃", &FAST_ARGON2, &SALT)?;
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        assert_eq!(verify_password("パスワード☃", &phc), Ok(true));
        assert_eq!(verify_password("パスワード", &phc), Ok(false));
        Ok(())
    }

    #[test]
    fn pbkdf2_matches_an_independent_implementation() -> Result<(), AuthError> {
        // Python: base64(hashlib.pbkdf2_hmac("sha256", b"passwd",
        // b"saltsaltsaltsalt", 1000, 32)) without padding.
        let phc = hash_password("passwd", &FAST_PBKDF2, b"saltsaltsaltsalt")?;
        assert_eq!(
            phc,
            "$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHRzYWx0c2FsdA$n4PA7KayQ8H+KYljp2Dl/38BO3UhEmLfrgsulEpdxsE"
        );
        Ok(())
    }

    #[test]
    fn argon2id_matches_the_reference_implementation() -> Result<(), AuthError> {
        // `echo -n 'パスワード☃' | argon2 saltsaltsaltsalt -id -t 1 -k 64 -p 1 -l 32 -e`
        // (the reference C implementation, Debian package `argon2`).
        let phc = hash_password("パスワード☃", &FAST_ARGON2, b"saltsaltsaltsalt")?;
        assert_eq!(
            phc,
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$1Kxootefs4fNsUt0OXHs8XaeRB2OTDRuREpUQ6SnOPw"
        );
        // A hash with other parameters written by the reference tool verifies.
        let reference = "$argon2id$v=19$m=256,t=2,p=2$c2FsdHNhbHRzYWx0c2FsdA$Nax2nomWktet69BLr04NERUujNr9NOoJe9aB8qbmos0";
        assert_eq!(verify_password("password", reference), Ok(true));
        assert_eq!(verify_password("Password", reference), Ok(false));
        Ok(())
    }

    #[test]
    fn same_password_and_different_salt_give_different_hashes() -> Result<(), AuthError> {
        let a = hash_password("secret", &FAST_PBKDF2, &SALT)?;
        let b = hash_password("secret", &FAST_PBKDF2, b"fedcba9876543210")?;
        assert_ne!(a, b);
        assert_eq!(hash_password("secret", &FAST_PBKDF2, &SALT)?, a);
        Ok(())
    }

    #[test]
    fn default_is_pbkdf2_with_at_least_600000_iterations() -> Result<(), AuthError> {
        let config = PasswordHashConfig::default();
        assert!(matches!(
            config,
            PasswordHashConfig::Pbkdf2Sha256 { iterations } if iterations >= 600_000
        ));
        let phc = hash_password("correct horse battery", &config, &SALT)?;
        assert!(phc.starts_with("$pbkdf2-sha256$i=600000,l=32$"), "{phc}");
        assert!(!needs_rehash(&phc, &config));
        Ok(())
    }

    #[test]
    fn needs_rehash_detects_parameter_and_algorithm_changes() -> Result<(), AuthError> {
        let phc = hash_password("pw", &FAST_PBKDF2, &SALT)?;
        assert!(!needs_rehash(&phc, &FAST_PBKDF2));
        assert!(needs_rehash(
            &phc,
            &PasswordHashConfig::Pbkdf2Sha256 { iterations: 2_000 }
        ));
        assert!(needs_rehash(&phc, &FAST_ARGON2));

        let argon = hash_password("pw", &FAST_ARGON2, &SALT)?;
        assert!(!needs_rehash(&argon, &FAST_ARGON2));
        assert!(needs_rehash(&argon, &FAST_PBKDF2));
        for changed in [
            PasswordHashConfig::Argon2id {
                memory_kib: 128,
                iterations: 1,
                parallelism: 1,
            },
            PasswordHashConfig::Argon2id {
                memory_kib: 64,
                iterations: 2,
                parallelism: 1,
            },
            PasswordHashConfig::Argon2id {
                memory_kib: 64,
                iterations: 1,
                parallelism: 2,
            },
        ] {
            assert!(needs_rehash(&argon, &changed), "{changed:?}");
        }
        Ok(())
    }

    #[test]
    fn needs_rehash_for_short_salt_old_argon2_version_and_garbage() {
        // 8-byte salt ("saltsalt"), otherwise current parameters.
        let short_salt =
            "$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHQ$LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE";
        assert!(needs_rehash(short_salt, &FAST_PBKDF2));
        let v16 = "$argon2id$v=16$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE";
        assert!(needs_rehash(v16, &FAST_ARGON2));
        // 16-byte output (l=16), otherwise current parameters.
        let short_output =
            "$pbkdf2-sha256$i=1000,l=16$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg";
        assert!(needs_rehash(short_output, &FAST_PBKDF2));
        assert!(needs_rehash("not a hash", &FAST_PBKDF2));
        assert!(needs_rehash("", &PasswordHashConfig::default()));
    }

    #[test]
    fn malformed_or_unsupported_hashes_are_errors_not_panics() {
        for phc in [
            "",
            "plaintext",
            "$pbkdf2-sha256$",
            "$pbkdf2-sha256$i=1000,l=32",
            "$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHRzYWx0c2FsdA",
            "$pbkdf2-sha256$i=abc,l=32$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$pbkdf2-sha256$i=1000,l=32$!!!$AAAA",
            "$argon2id$v=19$m=1,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            let result = verify_password("pw", phc);
            assert!(
                matches!(result, Err(AuthError::MalformedHash(_))),
                "{phc}: {result:?}"
            );
        }
        assert_eq!(
            verify_password(
                "pw",
                "$scrypt$ln=4,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            ),
            Err(AuthError::UnsupportedAlgorithm("scrypt".to_owned()))
        );
    }

    #[test]
    fn invalid_parameters_are_errors() {
        let too_few = PasswordHashConfig::Pbkdf2Sha256 { iterations: 10 };
        assert!(matches!(
            hash_password("pw", &too_few, &SALT),
            Err(AuthError::InvalidHashParameters(_))
        ));
        let no_memory = PasswordHashConfig::Argon2id {
            memory_kib: 1,
            iterations: 1,
            parallelism: 1,
        };
        assert!(matches!(
            hash_password("pw", &no_memory, &SALT),
            Err(AuthError::InvalidHashParameters(_))
        ));
    }

    #[test]
    fn config_round_trips_through_json() -> Result<(), serde_json::Error> {
        for config in [
            PasswordHashConfig::default(),
            PasswordHashConfig::argon2id_recommended(),
        ] {
            let json = serde_json::to_string(&config)?;
            assert_eq!(serde_json::from_str::<PasswordHashConfig>(&json)?, config);
        }
        assert_eq!(
            serde_json::to_string(&PasswordHashConfig::default())?,
            r#"{"algorithm":"pbkdf2_sha256","iterations":600000}"#
        );
        Ok(())
    }
}
