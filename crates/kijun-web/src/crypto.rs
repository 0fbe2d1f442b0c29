//! The server's symmetric cryptography and randomness: AES-256-GCM sealing
//! of secrets at rest (TOTP secrets) under the master key, random tokens,
//! and SHA-256 digests of bearer secrets (session ids, API tokens, setup
//! tokens) so that the database never holds one in clear. Every algorithm
//! here is on the CRYPTREC list; see `docs/crypto.md`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use sha2::{Digest, Sha256};

/// Errors of sealing and opening.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("乱数を取得できません: {0}")]
    Random(String),
    #[error("暗号文を復号できません（鍵が違うか、改ざんされています） (cannot open sealed value)")]
    Open,
    #[error("暗号文の形式が不正です (malformed sealed value)")]
    Malformed,
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(buf)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// A fresh 256-bit random token, hex encoded (session ids, API tokens).
pub fn random_token() -> Result<String, CryptoError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// SHA-256 of bytes, hex encoded (e.g. an uploaded file, for the audit log).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of a bearer secret, hex encoded: what the database stores.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Seals and opens small secrets with AES-256-GCM under the master key.
/// Output: `v1.<key id>.<nonce hex>.<ciphertext+tag hex>`; the associated
/// data binds each value to its purpose and owner (e.g. `totp:<user id>`),
/// so a sealed value copied to another row does not open.
#[derive(Clone)]
pub struct SecretBox {
    key_id: String,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SecretBox {
    pub fn new(master_key: &[u8; 32]) -> SecretBox {
        SecretBox {
            key_id: hex(&Sha256::digest(master_key)[..4]),
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*master_key)),
        }
    }

    /// A short public fingerprint of the key (first 4 bytes of its SHA-256).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, CryptoError> {
        let nonce_bytes = random_bytes::<12>()?;
        let ct = self
            .cipher
            .encrypt(
                &Nonce::from(nonce_bytes),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)?;
        Ok(format!(
            "v1.{}.{}.{}",
            self.key_id,
            hex(&nonce_bytes),
            hex(&ct)
        ))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, CryptoError> {
        let mut parts = sealed.split('.');
        let (Some("v1"), Some(_key), Some(nonce), Some(ct), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CryptoError::Malformed);
        };
        let nonce = unhex(nonce)
            .and_then(|n| Nonce::try_from(n.as_slice()).ok())
            .ok_or(CryptoError::Malformed)?;
        let ct = unhex(ct).ok_or(CryptoError::Malformed)?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)
    }
}

impl SecretBox {
    /// Opens `sealed` (bound to `context`) with this key and seals it again
    /// with `new`: one value's step of a master key rotation.
    pub fn reseal(
        &self,
        new: &SecretBox,
        sealed: &str,
        context: &str,
    ) -> Result<String, CryptoError> {
        let plain = self.open(sealed, context)?;
        new.seal(&plain, context)
    }
}

/// Rotates the master key of the instance behind `store` from `old` to
/// `new` (see `kijun_store::rotation`): the server must be stopped, since
/// a running server holds the old key.
pub async fn rotate_master_key(
    store: &kijun_store::Store,
    old: &[u8; 32],
    new: &[u8; 32],
    actor_name: &str,
    now: jiff::Timestamp,
) -> Result<kijun_store::rotation::Rotation, kijun_store::evidence::EvidenceError> {
    let (old_box, new_box) = (SecretBox::new(old), SecretBox::new(new));
    let reseal = move |sealed: &str, context: &str| {
        old_box
            .reseal(&new_box, sealed, context)
            .map_err(|e| e.to_string())
    };
    store
        .rotate_master_key(
            &kijun_store::evidence::Vault::new(old),
            &kijun_store::evidence::Vault::new(new),
            &reseal,
            actor_name,
            now,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() -> Result<(), CryptoError> {
        let b = SecretBox::new(&[7u8; 32]);
        let sealed = b.seal(b"JBSWY3DPEHPK3PXP", "totp:u1")?;
        assert!(sealed.starts_with(&format!("v1.{}.", b.key_id())));
        assert_eq!(b.open(&sealed, "totp:u1")?, b"JBSWY3DPEHPK3PXP");
        assert!(matches!(b.open(&sealed, "totp:u2"), Err(CryptoError::Open)));
        let other = SecretBox::new(&[8u8; 32]);
        assert!(matches!(
            other.open(&sealed, "totp:u1"),
            Err(CryptoError::Open)
        ));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(matches!(
            b.open(&tampered, "totp:u1"),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            b.open("v1.x.zz.00", "totp:u1"),
            Err(CryptoError::Malformed)
        ));
        // Fresh nonce each time.
        assert_ne!(b.seal(b"x", "c")?, b.seal(b"x", "c")?);
        Ok(())
    }

    #[test]
    fn digests_and_tokens() -> Result<(), CryptoError> {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let t = random_token()?;
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token()?);
        Ok(())
    }
}
