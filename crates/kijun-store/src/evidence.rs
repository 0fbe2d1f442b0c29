//! Evidence files (証跡ファイル) attached to assessments: where their bytes
//! live ([`BlobStore`], with [`FsBlobStore`] for a local directory), the
//! per-tenant data keys wrapped by the master key ([`Vault`], table
//! `tenant_keys`), the chunked AES-256-GCM blob format, the content-type
//! allow-list checked by content rather than by name, and the evidence
//! register (table `evidence`). See `docs/crypto.md` §6 for the scheme.
//!
//! Key hierarchy: the master key (32 bytes, kept in a key file or an
//! environment variable, never in the database) wraps one random 256-bit
//! data key per tenant; the data key encrypts that tenant's files in 64 KiB
//! chunks, each with a fresh random 96-bit nonce and associated data that
//! binds tenant, evidence id, format, chunk index and the final-chunk flag.
//! Reading verifies every chunk, the size and the plaintext SHA-256, and
//! fails closed on any mismatch.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{Store, StoreError, on_pool};
use crate::time;

// ---------------------------------------------------------------------------
// Errors

/// Errors of a [`BlobStore`].
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error(
        "ブロブのキー `{0}` が不正です（英数字・`-`・`_` を `/` で区切ったものだけ使えます） (invalid blob key)"
    )]
    InvalidKey(String),
    #[error("証跡ファイルの実体 `{0}` が見つかりません (blob not found)")]
    NotFound(String),
    #[error("証跡ファイルの実体 `{key}` を読み書きできません: {source} (blob I/O error)")]
    Io {
        key: String,
        #[source]
        source: std::io::Error,
    },
    #[error("ブロブストアのエラー: {0} (blob store error)")]
    Backend(String),
}

/// Errors of storing and reading evidence.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("ファイルが空です。内容のあるファイルを選んでください (empty file)")]
    Empty,
    #[error(
        "ファイルが大きすぎます（{size} バイト、上限 {max} バイト）。分割するか小さくしてください (file too large)"
    )]
    TooLarge { size: u64, max: u64 },
    #[error(
        "この種類のファイルは登録できません（申告された種類: {declared}）。登録できるのは PDF, PNG, JPEG, Word/Excel/PowerPoint (.docx/.xlsx/.pptx), テキスト・CSV (UTF-8) です (file type not allowed)"
    )]
    NotAllowed { declared: String },
    #[error(
        "ファイルの内容 ({detected}) が申告された種類 ({declared}) と一致しません。正しいファイルを選んでいるか確認してください (content does not match the declared type)"
    )]
    ContentType { declared: String, detected: String },
    #[error(
        "マスター鍵が一致しません（テナント鍵はマスター鍵 ID {stored} で保護されていますが、設定されたマスター鍵の ID は {configured} です）。鍵ファイルまたは環境変数のマスター鍵を確認してください (master key mismatch)"
    )]
    MasterKeyMismatch { stored: String, configured: String },
    #[error(
        "テナント {tenant_id} のデータ鍵を復号できません。保存された鍵が壊れているか改ざんされています (cannot unwrap the tenant data key)"
    )]
    KeyUnwrap { tenant_id: String },
    #[error(
        "証跡ファイル {evidence_id} の暗号鍵 {key_id} がテナントの鍵と一致しません (evidence key not found)"
    )]
    UnknownKey { evidence_id: String, key_id: String },
    #[error(
        "証跡ファイル {evidence_id} が改ざんされているか壊れています: {reason} (evidence tampered or corrupt)"
    )]
    Tampered { evidence_id: String, reason: String },
    #[error("乱数を取得できません: {0} (no randomness)")]
    Random(String),
    #[error("暗号化に失敗しました: {0} (encryption failed)")]
    Encrypt(&'static str),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for EvidenceError {
    fn from(e: sqlx::Error) -> Self {
        EvidenceError::Store(StoreError::Database(e))
    }
}

// ---------------------------------------------------------------------------
// Blob stores

/// The future a [`BlobStore`] method returns.
pub type BlobFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BlobError>> + Send + 'a>>;

/// Where encrypted evidence blobs live: a directory ([`FsBlobStore`]) now,
/// an S3-compatible object store later.
///
/// The methods return boxed futures rather than being `async fn`s so that
/// the trait is object-safe: the server picks the store from its
/// configuration at start-up and holds an `Arc<dyn BlobStore>`, and the
/// store methods take `&dyn BlobStore`. (`async fn` in traits is not
/// dyn-compatible, and could not promise `Send` futures to callers without
/// extra bounds.) The cost is one allocation per call, nothing next to the
/// I/O; no `async-trait` dependency is needed.
///
/// Keys are made by the server (`evidence/<tenant id>/<evidence id>`), never
/// taken from user input; implementations still refuse anything but
/// `[A-Za-z0-9_-]` segments separated by `/`.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing any previous blob, atomically:
    /// a reader sees the old blob or the new one, never a partial one.
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BlobFuture<'a, ()>;
    /// The blob under `key`; [`BlobError::NotFound`] if there is none.
    fn get<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Vec<u8>>;
    /// Removes the blob under `key`; removing a missing blob succeeds.
    fn delete<'a>(&'a self, key: &'a str) -> BlobFuture<'a, ()>;
}

/// Whether `key` is a well-formed blob key: 1–255 bytes of `[A-Za-z0-9_-]`
/// segments separated by single `/` (no `.`, so no `..`, no absolute path,
/// and no clash with the store's temporary files).
pub fn is_valid_blob_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 255
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Blobs as files under a root directory: key `a/b/c` is the file
/// `<root>/a/b/c`. Writes go to a temporary file in the same directory,
/// are flushed to disk, then renamed over the target (atomic on POSIX), and
/// the directory is synced; directories are created as needed.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    pub root: PathBuf,
}

impl FsBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> FsBlobStore {
        FsBlobStore { root: root.into() }
    }

    /// The file that holds `key`.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        if !is_valid_blob_key(key) {
            return Err(BlobError::InvalidKey(key.to_owned()));
        }
        Ok(key.split('/').fold(self.root.clone(), |p, seg| p.join(seg)))
    }
}

fn io_error(key: &str) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        key: key.to_owned(),
        source,
    }
}

/// Runs blocking file work off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Backend(format!("ファイル操作のタスクが失敗しました: {e}")))?
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("blob path has no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename itself durable.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

impl BlobStore for FsBlobStore {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            let owned_key = key.to_owned();
            blocking(move || write_atomically(&path, &bytes).map_err(io_error(&owned_key))).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            let owned_key = key.to_owned();
            blocking(move || match std::fs::read(&path) {
                Ok(bytes) => Ok(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(BlobError::NotFound(owned_key))
                }
                Err(e) => Err(io_error(&owned_key)(e)),
            })
            .await
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            let owned_key = key.to_owned();
            blocking(move || match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error(&owned_key)(e)),
            })
            .await
        })
    }
}

// ---------------------------------------------------------------------------
// Keys

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
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

fn random<const N: usize>() -> Result<[u8; N], EvidenceError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| EvidenceError::Random(e.to_string()))?;
    Ok(buf)
}

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const WRAPPED_KEY_LEN: usize = NONCE_LEN + 32 + TAG_LEN;

/// The associated data of a wrapped data key: `kijun-dek:v1:<tenant>:<key id>`.
fn dek_aad(tenant_id: &str, key_id: &str) -> String {
    format!("kijun-dek:v1:{tenant_id}:{key_id}")
}

/// Holds the master key (as an AES-256-GCM key schedule, not the raw bytes)
/// and wraps and unwraps the tenants' data keys with it.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    master_key_id: String,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("master_key_id", &self.master_key_id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A vault over `master_key` (from the key file or the environment).
    pub fn new(master_key: &[u8; 32]) -> Vault {
        Vault {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*master_key)),
            master_key_id: master_key_id(master_key),
        }
    }

    /// The master key's public fingerprint: the first 8 hex digits of its
    /// SHA-256, stored with every key it wraps.
    pub fn master_key_id(&self) -> &str {
        &self.master_key_id
    }

    pub(crate) fn wrap(
        &self,
        tenant_id: &str,
        key_id: &str,
        key: &[u8; 32],
    ) -> Result<String, EvidenceError> {
        let nonce = random::<NONCE_LEN>()?;
        let aad = dek_aad(tenant_id, key_id);
        let ct = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: key,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| EvidenceError::Encrypt("data key wrapping"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(hex(&out))
    }

    pub(crate) fn unwrap_key(&self, row: &TenantKeyRow) -> Result<DataKey, EvidenceError> {
        if row.master_key_id != self.master_key_id {
            return Err(EvidenceError::MasterKeyMismatch {
                stored: row.master_key_id.clone(),
                configured: self.master_key_id.clone(),
            });
        }
        let unwrap_error = || EvidenceError::KeyUnwrap {
            tenant_id: row.tenant_id.clone(),
        };
        let wrapped = unhex(&row.wrapped_key)
            .filter(|w| w.len() == WRAPPED_KEY_LEN)
            .ok_or_else(unwrap_error)?;
        let (nonce, ct) = wrapped.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| unwrap_error())?;
        let aad = dek_aad(&row.tenant_id, &row.key_id);
        let key = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| unwrap_error())?;
        let key: [u8; 32] = key.as_slice().try_into().map_err(|_| unwrap_error())?;
        Ok(DataKey {
            key_id: row.key_id.clone(),
            key,
        })
    }
}

fn master_key_id(master_key: &[u8; 32]) -> String {
    hex(&Sha256::digest(master_key)[..4])
}

/// A tenant's unwrapped data key. It never leaves this module as bytes:
/// only its id is readable, and two keys compare (in constant time) equal
/// only if they are the same key.
pub struct DataKey {
    key_id: String,
    key: [u8; 32],
}

impl DataKey {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.key))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.key
    }
}

/// A new random data key with a new id (not stored).
pub(crate) fn new_data_key() -> Result<DataKey, EvidenceError> {
    Ok(DataKey {
        key: random::<32>()?,
        key_id: uuid::Uuid::new_v4().to_string(),
    })
}

/// Encrypts `plaintext` as the blob of evidence `evidence_id` of
/// `tenant_id` under `key` (for restoring exported files).
pub(crate) fn seal_blob(
    key: &DataKey,
    tenant_id: &str,
    evidence_id: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, EvidenceError> {
    encrypt_blob(key, tenant_id, evidence_id, plaintext)
}

impl PartialEq for DataKey {
    fn eq(&self, other: &DataKey) -> bool {
        let diff = self
            .key
            .iter()
            .zip(other.key.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff == 0 && self.key_id == other.key_id
    }
}

impl Eq for DataKey {}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A tenant's data key as stored, without the wrapped key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantKey {
    pub tenant_id: String,
    pub key_id: String,
    /// The id of the master key that wraps it.
    pub master_key_id: String,
    pub created_at: Timestamp,
}

pub(crate) struct TenantKeyRow {
    pub(crate) tenant_id: String,
    pub(crate) key_id: String,
    pub(crate) master_key_id: String,
    pub(crate) wrapped_key: String,
    pub(crate) created_at: String,
}

// ---------------------------------------------------------------------------
// Blob format

/// The plaintext size of every chunk but the last (which holds 1 byte up to
/// this much; an empty plaintext is one empty final chunk).
pub const CHUNK_SIZE: usize = 64 * 1024;
/// The blob header: magic `KJEV`, format version (1 byte), chunk size
/// (u32, big-endian).
pub const BLOB_HEADER_LEN: usize = 9;
/// What each chunk adds to its plaintext: a 12-byte nonce before it and a
/// 16-byte authentication tag after it.
pub const CHUNK_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

const MAGIC: &[u8; 4] = b"KJEV";
const FORMAT_VERSION: u8 = 1;
const AAD_LABEL: &[u8] = b"kijun-evidence";

/// The associated data of one chunk: the label `kijun-evidence`, format
/// version (1 byte), chunk size (u32 BE), tenant id and evidence id (each
/// as a u32 BE length then the UTF-8 bytes), the chunk index (u64 BE) and
/// the final-chunk flag (1 byte: 1 for the last chunk, else 0).
fn chunk_aad(
    chunk_size: u32,
    tenant_id: &str,
    evidence_id: &str,
    index: u64,
    last: bool,
) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + 22 + tenant_id.len() + evidence_id.len());
    aad.extend_from_slice(AAD_LABEL);
    aad.push(FORMAT_VERSION);
    aad.extend_from_slice(&chunk_size.to_be_bytes());
    for part in [tenant_id, evidence_id] {
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        aad.extend_from_slice(&len.to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

/// Encrypts `plaintext` into the blob format under `key`.
fn encrypt_blob(
    key: &DataKey,
    tenant_id: &str,
    evidence_id: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, EvidenceError> {
    let cipher = key.cipher();
    let chunk_size = u32::try_from(CHUNK_SIZE).unwrap_or(u32::MAX);
    let chunks = plaintext.len().div_ceil(CHUNK_SIZE).max(1);
    let mut blob = Vec::with_capacity(BLOB_HEADER_LEN + plaintext.len() + chunks * CHUNK_OVERHEAD);
    blob.extend_from_slice(MAGIC);
    blob.push(FORMAT_VERSION);
    blob.extend_from_slice(&chunk_size.to_be_bytes());
    let mut pieces: Vec<&[u8]> = plaintext.chunks(CHUNK_SIZE).collect();
    if pieces.is_empty() {
        pieces.push(&[]);
    }
    let count = pieces.len();
    for (i, piece) in pieces.into_iter().enumerate() {
        let last = i + 1 == count;
        let index = u64::try_from(i).unwrap_or(u64::MAX);
        let aad = chunk_aad(chunk_size, tenant_id, evidence_id, index, last);
        let nonce = random::<NONCE_LEN>()?;
        let ct = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: piece,
                    aad: &aad,
                },
            )
            .map_err(|_| EvidenceError::Encrypt("evidence chunk"))?;
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ct);
    }
    Ok(blob)
}

/// Decrypts a blob made by [`encrypt_blob`], verifying every chunk: a
/// flipped byte, reordered, dropped or appended chunks, a cut last chunk,
/// or a blob of another evidence or tenant all fail.
fn decrypt_blob(
    key: &DataKey,
    tenant_id: &str,
    evidence_id: &str,
    blob: &[u8],
) -> Result<Vec<u8>, EvidenceError> {
    let tampered = |reason: String| EvidenceError::Tampered {
        evidence_id: evidence_id.to_owned(),
        reason,
    };
    let (header, mut rest) = blob
        .split_at_checked(BLOB_HEADER_LEN)
        .ok_or_else(|| tampered("ヘッダーが短すぎます (header truncated)".into()))?;
    if header.get(..4) != Some(MAGIC.as_slice()) {
        return Err(tampered(
            "証跡ファイルの形式ではありません (bad magic)".into(),
        ));
    }
    if header.get(4) != Some(&FORMAT_VERSION) {
        return Err(tampered(format!(
            "未知の形式バージョン {:?} です (unknown format version)",
            header.get(4)
        )));
    }
    let chunk_size = header
        .get(5..9)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| tampered("ヘッダーが不正です (bad header)".into()))?;
    // The chunk size is authenticated (it is in every chunk's AAD); bound it
    // only so that a forged header cannot make us misbehave before that.
    let plain_chunk = usize::try_from(chunk_size)
        .ok()
        .filter(|n| (1..=16 * 1024 * 1024).contains(n))
        .ok_or_else(|| {
            tampered(format!(
                "チャンクサイズ {chunk_size} が不正です (bad chunk size)"
            ))
        })?;
    let full = plain_chunk + CHUNK_OVERHEAD;
    let cipher = key.cipher();
    let mut plaintext = Vec::with_capacity(rest.len());
    let mut index: u64 = 0;
    loop {
        let last = rest.len() <= full;
        let (chunk, tail) = if last {
            (rest, &[][..])
        } else {
            rest.split_at(full)
        };
        if chunk.len() < CHUNK_OVERHEAD {
            return Err(tampered(format!(
                "チャンク {index} が途中で切れています (chunk truncated)"
            )));
        }
        let (nonce, ct) = chunk.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce)
            .map_err(|_| tampered(format!("チャンク {index} が不正です (bad chunk)")))?;
        let aad = chunk_aad(chunk_size, tenant_id, evidence_id, index, last);
        let piece = cipher
            .decrypt(&nonce, Payload { msg: ct, aad: &aad })
            .map_err(|_| {
                tampered(format!(
                    "チャンク {index} の認証に失敗しました（書き換え・並べ替え・切り詰め、または別のファイルの実体） (chunk {index} failed authentication)"
                ))
            })?;
        plaintext.extend_from_slice(&piece);
        if last {
            return Ok(plaintext);
        }
        rest = tail;
        index += 1;
    }
}

// ---------------------------------------------------------------------------
// Content checks

/// The content types evidence may have, as stored in `evidence.content_type`.
pub const ALLOWED_CONTENT_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    DOCX,
    XLSX,
    PPTX,
    "text/plain",
    "text/csv",
];

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
/// What [`detect_content_type`] reports for any valid UTF-8 text without NUL.
const TEXT: &str = "text/plain";

fn le16(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([*s.first()?, *s.get(1)?])))
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(s)).ok()
}

/// The entry names of a ZIP archive, read from its central directory
/// (the names in local headers may be followed by data of unknown length).
/// `None` if the archive is malformed or ZIP64.
fn zip_entry_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    const EOCD: &[u8; 4] = b"PK\x05\x06";
    const CENTRAL: &[u8; 4] = b"PK\x01\x02";
    let last_start = bytes.len().checked_sub(22)?;
    let first_start = last_start.saturating_sub(0xFFFF);
    let eocd = (first_start..=last_start)
        .rev()
        .find(|&i| bytes.get(i..i + 4) == Some(EOCD.as_slice()))?;
    let entries = le16(bytes, eocd + 10)?;
    let mut at = le32(bytes, eocd + 16)?;
    let mut names = Vec::with_capacity(entries.min(4096));
    for _ in 0..entries {
        if bytes.get(at..at.checked_add(4)?)? != CENTRAL.as_slice() {
            return None;
        }
        let name_len = le16(bytes, at + 28)?;
        let extra_len = le16(bytes, at + 30)?;
        let comment_len = le16(bytes, at + 32)?;
        let name_start = at.checked_add(46)?;
        names.push(bytes.get(name_start..name_start.checked_add(name_len)?)?);
        at = name_start
            .checked_add(name_len)?
            .checked_add(extra_len)?
            .checked_add(comment_len)?;
    }
    Some(names)
}

/// Which Office Open XML document a ZIP archive is: it must hold a
/// `[Content_Types].xml` entry and parts of exactly one of Word (`word/`),
/// Excel (`xl/`) or PowerPoint (`ppt/`), and no VBA project (macros).
fn ooxml_type(bytes: &[u8]) -> Option<&'static str> {
    let names = zip_entry_names(bytes)?;
    if !names.iter().any(|n| *n == b"[Content_Types].xml") {
        return None;
    }
    if names.iter().any(|n| n.ends_with(b"vbaProject.bin")) {
        return None;
    }
    let has = |prefix: &[u8]| names.iter().any(|n| n.starts_with(prefix));
    match (has(b"word/"), has(b"xl/"), has(b"ppt/")) {
        (true, false, false) => Some(DOCX),
        (false, true, false) => Some(XLSX),
        (false, false, true) => Some(PPTX),
        _ => None,
    }
}

/// The content type of `bytes` judged by their content alone, if it is one
/// of the allowed kinds: PDF (`%PDF-`), PNG, JPEG, Office Open XML
/// (.docx/.xlsx/.pptx), or text (valid UTF-8 without NUL, reported as
/// `text/plain`). `None` for anything else.
pub fn detect_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") {
        ooxml_type(bytes)
    } else if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        Some(TEXT)
    } else {
        None
    }
}

/// Checks `bytes` against the declared content type (parameters such as
/// `; charset=utf-8` and case are ignored) and returns the type to record.
/// Text may be declared `text/plain` or `text/csv`; other `text/*` types
/// (e.g. `text/html`) are refused, as they would be dangerous to serve back.
pub fn check_content_type(declared: &str, bytes: &[u8]) -> Result<&'static str, EvidenceError> {
    let normalised = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some(detected) = detect_content_type(bytes) else {
        return Err(EvidenceError::NotAllowed {
            declared: declared.to_owned(),
        });
    };
    let accepted = if detected == TEXT {
        ["text/plain", "text/csv"]
            .into_iter()
            .find(|t| *t == normalised)
    } else {
        (detected == normalised).then_some(detected)
    };
    accepted.ok_or_else(|| EvidenceError::ContentType {
        declared: declared.to_owned(),
        detected: detected.to_owned(),
    })
}

/// The longest filename kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 200;

/// Bidirectional-text controls, which can disguise an extension
/// (`report\u{202E}fdp.exe`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The filename to keep for display: the last path component (`/` or `\`),
/// without control or bidi characters, trimmed, at most
/// [`MAX_FILENAME_CHARS`] characters (a long name keeps its extension);
/// `evidence` if nothing is left. It never names a file on disk.
pub fn display_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return "evidence".to_owned();
    }
    let count = trimmed.chars().count();
    if count <= MAX_FILENAME_CHARS {
        return trimmed.to_owned();
    }
    let extension = trimmed
        .rsplit_once('.')
        .map(|(stem, ext)| (stem, ext.chars().count()))
        .filter(|(stem, len)| !stem.is_empty() && (1..=16).contains(len))
        .map(|(stem, _)| &trimmed[stem.len()..]);
    match extension {
        Some(ext) => {
            let keep = MAX_FILENAME_CHARS - ext.chars().count();
            let stem: String = trimmed.chars().take(keep).collect();
            format!("{}{ext}", stem.trim_end())
        }
        None => trimmed.chars().take(MAX_FILENAME_CHARS).collect(),
    }
}

// ---------------------------------------------------------------------------
// The register

/// One evidence file as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceRecord {
    pub id: String,
    pub tenant_id: String,
    pub owner_user_id: String,
    /// For display only (see [`display_filename`]).
    pub filename: String,
    /// One of [`ALLOWED_CONTENT_TYPES`], checked against the content.
    pub content_type: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// The tenant data key it is encrypted under.
    pub key_id: String,
    #[serde(skip)]
    pub blob_key: String,
    pub created_at: Timestamp,
}

const EVIDENCE_COLUMNS: &str = "SELECT id, tenant_id, owner_user_id, filename, content_type, size, sha256, key_id, blob_key, created_at FROM evidence";

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl Store {
    async fn tenant_key_row(&self, tenant_id: &str) -> Result<Option<TenantKeyRow>, StoreError> {
        let row: Option<(String, String, String, String)> = on_pool!(self, pool => sqlx::query(
            "SELECT key_id, master_key_id, wrapped_key, created_at FROM tenant_keys WHERE tenant_id = $1",
        )
        .bind(tenant_id)
        .fetch_optional(pool)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((
            r.try_get("key_id")?, r.try_get("master_key_id")?, r.try_get("wrapped_key")?, r.try_get("created_at")?,
        )))
        .transpose()?);
        Ok(row.map(
            |(key_id, master_key_id, wrapped_key, created_at)| TenantKeyRow {
                tenant_id: tenant_id.to_owned(),
                key_id,
                master_key_id,
                wrapped_key,
                created_at,
            },
        ))
    }

    /// A tenant's data key as stored (ids and creation time only), if it
    /// has one yet.
    pub async fn tenant_key(&self, tenant_id: &str) -> Result<Option<TenantKey>, StoreError> {
        self.tenant_key_row(tenant_id)
            .await?
            .map(|row| {
                Ok(TenantKey {
                    created_at: time::parse(&row.created_at)?,
                    tenant_id: row.tenant_id,
                    key_id: row.key_id,
                    master_key_id: row.master_key_id,
                })
            })
            .transpose()
    }

    /// The tenant's data key, unwrapped with `vault`'s master key; created
    /// (random, wrapped, stored) the first time. Concurrent first calls
    /// agree on one key. A key wrapped by another master key fails with
    /// [`EvidenceError::MasterKeyMismatch`] and no new key is made.
    pub async fn tenant_data_key(
        &self,
        vault: &Vault,
        tenant_id: &str,
        now: Timestamp,
    ) -> Result<DataKey, EvidenceError> {
        if let Some(row) = self.tenant_key_row(tenant_id).await? {
            return vault.unwrap_key(&row);
        }
        let key = random::<32>()?;
        let key_id = uuid::Uuid::new_v4().to_string();
        let wrapped = vault.wrap(tenant_id, &key_id, &key)?;
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO tenant_keys (tenant_id, key_id, master_key_id, wrapped_key, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(tenant_id)
        .bind(&key_id)
        .bind(vault.master_key_id())
        .bind(&wrapped)
        .bind(time::format(now))
        .execute(pool)
        .await
        .map(|_| ()))?;
        // Whoever inserted first wins; everyone uses the stored key.
        let row = self
            .tenant_key_row(tenant_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("created tenant key not found".into()))?;
        vault.unwrap_key(&row)
    }

    /// Checks, encrypts and stores an evidence file: refuses an empty file,
    /// one over `max_size` bytes, and content that is not on the allow-list
    /// or does not match `declared_content_type` — all before any key or
    /// blob is made. The blob is written first and the row second; if the
    /// row cannot be written the blob is removed again.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_evidence(
        &self,
        vault: &Vault,
        blobs: &dyn BlobStore,
        tenant_id: &str,
        owner_user_id: &str,
        filename: &str,
        declared_content_type: &str,
        bytes: &[u8],
        max_size: u64,
        now: Timestamp,
    ) -> Result<EvidenceRecord, EvidenceError> {
        if bytes.is_empty() {
            return Err(EvidenceError::Empty);
        }
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > max_size {
            return Err(EvidenceError::TooLarge {
                size,
                max: max_size,
            });
        }
        let content_type = check_content_type(declared_content_type, bytes)?;
        let key = self.tenant_data_key(vault, tenant_id, now).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let created_at = time::format(now);
        let record = EvidenceRecord {
            blob_key: format!("evidence/{tenant_id}/{id}"),
            id,
            tenant_id: tenant_id.to_owned(),
            owner_user_id: owner_user_id.to_owned(),
            filename: display_filename(filename),
            content_type: content_type.to_owned(),
            size,
            sha256: sha256_hex(bytes),
            key_id: key.key_id().to_owned(),
            // As it reads back: the stored form keeps microseconds.
            created_at: time::parse(&created_at)?,
        };
        let blob = encrypt_blob(&key, tenant_id, &record.id, bytes)?;
        blobs.put(&record.blob_key, blob).await?;
        let size_column = i64::try_from(record.size).unwrap_or(i64::MAX);
        let _gate = self.write_gate().await;
        let inserted = on_pool!(self, pool => sqlx::query(
            "INSERT INTO evidence (id, tenant_id, owner_user_id, filename, content_type, size, sha256, key_id, blob_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&record.id)
        .bind(&record.tenant_id)
        .bind(&record.owner_user_id)
        .bind(&record.filename)
        .bind(&record.content_type)
        .bind(size_column)
        .bind(&record.sha256)
        .bind(&record.key_id)
        .bind(&record.blob_key)
        .bind(&created_at)
        .execute(pool)
        .await
        .map(|_| ()));
        if let Err(e) = inserted {
            let _ = blobs.delete(&record.blob_key).await;
            return Err(e.into());
        }
        Ok(record)
    }

    async fn select_evidence(
        &self,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<EvidenceRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{EVIDENCE_COLUMNS} WHERE {filter} ORDER BY created_at, id"
        ));
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            (String, String, String, String, String),
            (i64, String, String, String, String),
        )> = on_pool!(self, pool => sqlx::query(sql)
            .bind(arg.to_owned())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok::<_, sqlx::Error>((
                (r.try_get("id")?, r.try_get("tenant_id")?, r.try_get("owner_user_id")?, r.try_get("filename")?,
                 r.try_get("content_type")?),
                (r.try_get("size")?, r.try_get("sha256")?, r.try_get("key_id")?, r.try_get("blob_key")?,
                 r.try_get("created_at")?),
            )))
            .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(
                |(
                    (id, tenant_id, owner_user_id, filename, content_type),
                    (size, sha256, key_id, blob_key, created_at),
                )| {
                    Ok(EvidenceRecord {
                        id,
                        tenant_id,
                        owner_user_id,
                        filename,
                        content_type,
                        size: u64::try_from(size)
                            .map_err(|_| StoreError::Corrupt(format!("evidence size {size}")))?,
                        sha256,
                        key_id,
                        blob_key,
                        created_at: time::parse(&created_at)?,
                    })
                },
            )
            .collect()
    }

    /// One evidence record by id.
    pub async fn evidence(&self, id: &str) -> Result<Option<EvidenceRecord>, StoreError> {
        Ok(self.select_evidence("id = $1", id).await?.pop())
    }

    /// A tenant's evidence records, oldest first.
    pub async fn evidence_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<EvidenceRecord>, StoreError> {
        self.select_evidence("tenant_id = $1", tenant_id).await
    }

    /// Reads and decrypts an evidence file, verifying every chunk, the size
    /// and the SHA-256 recorded at upload. Any mismatch is an error; no
    /// partial or unverified plaintext is ever returned.
    pub async fn read_evidence(
        &self,
        vault: &Vault,
        blobs: &dyn BlobStore,
        record: &EvidenceRecord,
    ) -> Result<Vec<u8>, EvidenceError> {
        let row = self.tenant_key_row(&record.tenant_id).await?;
        let row =
            row.filter(|r| r.key_id == record.key_id)
                .ok_or_else(|| EvidenceError::UnknownKey {
                    evidence_id: record.id.clone(),
                    key_id: record.key_id.clone(),
                })?;
        let key = vault.unwrap_key(&row)?;
        let blob = blobs.get(&record.blob_key).await?;
        let plaintext = decrypt_blob(&key, &record.tenant_id, &record.id, &blob)?;
        let tampered = |reason: &str| EvidenceError::Tampered {
            evidence_id: record.id.clone(),
            reason: reason.to_owned(),
        };
        if u64::try_from(plaintext.len()).ok() != Some(record.size) {
            return Err(tampered("サイズが記録と一致しません (size mismatch)"));
        }
        if sha256_hex(&plaintext) != record.sha256 {
            return Err(tampered("SHA-256 が記録と一致しません (digest mismatch)"));
        }
        Ok(plaintext)
    }
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8, id: &str) -> DataKey {
        DataKey {
            key_id: id.to_owned(),
            key: [byte; 32],
        }
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn chunk_format_round_trips_at_the_boundaries() -> Result<(), EvidenceError> {
        let k = key(7, "k1");
        for (len, chunks) in [
            (0, 1),
            (1, 1),
            (CHUNK_SIZE - 1, 1),
            (CHUNK_SIZE, 1),
            (CHUNK_SIZE + 1, 2),
            (2 * CHUNK_SIZE, 2),
            (200 * 1024, 4),
        ] {
            let plain = pattern(len);
            let blob = encrypt_blob(&k, "t1", "e1", &plain)?;
            assert_eq!(
                blob.len(),
                BLOB_HEADER_LEN + len + chunks * CHUNK_OVERHEAD,
                "length for {len}"
            );
            assert_eq!(&blob[..4], b"KJEV");
            assert_eq!(
                decrypt_blob(&k, "t1", "e1", &blob)?,
                plain,
                "round trip {len}"
            );
        }
        Ok(())
    }

    #[test]
    fn chunks_are_bound_to_key_tenant_evidence_and_position() -> Result<(), EvidenceError> {
        let k = key(7, "k1");
        let plain = pattern(CHUNK_SIZE * 2 + 10);
        let blob = encrypt_blob(&k, "t1", "e1", &plain)?;
        assert!(
            decrypt_blob(&key(8, "k1"), "t1", "e1", &blob).is_err(),
            "other key"
        );
        assert!(decrypt_blob(&k, "t2", "e1", &blob).is_err(), "other tenant");
        assert!(
            decrypt_blob(&k, "t1", "e2", &blob).is_err(),
            "other evidence"
        );
        let full = CHUNK_SIZE + CHUNK_OVERHEAD;
        // Dropping the last chunk makes the middle chunk last: refused.
        let cut = &blob[..BLOB_HEADER_LEN + 2 * full];
        assert!(matches!(
            decrypt_blob(&k, "t1", "e1", cut),
            Err(EvidenceError::Tampered { .. })
        ));
        // Appending a copy of a chunk makes the old last chunk non-final.
        let mut longer = blob.clone();
        longer.extend_from_slice(&blob[BLOB_HEADER_LEN..BLOB_HEADER_LEN + full]);
        assert!(decrypt_blob(&k, "t1", "e1", &longer).is_err(), "appended");
        // Header fields are authenticated through the AAD.
        let mut other_size = blob.clone();
        other_size[8] ^= 1;
        assert!(
            decrypt_blob(&k, "t1", "e1", &other_size).is_err(),
            "chunk size"
        );
        let mut other_version = blob.clone();
        other_version[4] = 2;
        assert!(
            decrypt_blob(&k, "t1", "e1", &other_version).is_err(),
            "version"
        );
        assert!(
            decrypt_blob(&k, "t1", "e1", &blob[..5]).is_err(),
            "header only"
        );
        assert!(
            decrypt_blob(&k, "t1", "e1", &blob[..BLOB_HEADER_LEN]).is_err(),
            "no chunk"
        );
        Ok(())
    }

    #[test]
    fn nonces_are_fresh() -> Result<(), EvidenceError> {
        let k = key(1, "k");
        let a = encrypt_blob(&k, "t", "e", b"same")?;
        let b = encrypt_blob(&k, "t", "e", b"same")?;
        assert_ne!(a, b);
        Ok(())
    }

    #[test]
    fn wrapped_keys_open_only_under_their_master_key_and_binding() -> Result<(), EvidenceError> {
        let vault = Vault::new(&[1; 32]);
        let wrapped = vault.wrap("t1", "k1", &[9; 32])?;
        let row = |tenant: &str, key_id: &str, master: &str| TenantKeyRow {
            tenant_id: tenant.into(),
            key_id: key_id.into(),
            master_key_id: master.into(),
            wrapped_key: wrapped.clone(),
            created_at: String::new(),
        };
        let id = vault.master_key_id().to_owned();
        assert_eq!(id.len(), 8);
        assert_eq!(vault.unwrap_key(&row("t1", "k1", &id))?, key(9, "k1"));
        assert!(matches!(
            vault.unwrap_key(&row("t2", "k1", &id)),
            Err(EvidenceError::KeyUnwrap { .. })
        ));
        assert!(matches!(
            vault.unwrap_key(&row("t1", "k2", &id)),
            Err(EvidenceError::KeyUnwrap { .. })
        ));
        let other = Vault::new(&[2; 32]);
        assert!(matches!(
            other.unwrap_key(&row("t1", "k1", &id)),
            Err(EvidenceError::MasterKeyMismatch { .. })
        ));
        Ok(())
    }

    #[test]
    fn filenames_are_for_display_only() {
        assert_eq!(display_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            display_filename("C:\\Users\\監査\\報告書.pdf"),
            "報告書.pdf"
        );
        assert_eq!(display_filename("a\u{0}b\r\nc\u{7f}.txt"), "abc.txt");
        assert_eq!(display_filename("report\u{202E}fdp.exe"), "reportfdp.exe");
        assert_eq!(display_filename("dir/"), "evidence");
        assert_eq!(display_filename(".."), "evidence");
        let long = format!("{}.xlsx", "長".repeat(300));
        let kept = display_filename(&long);
        assert_eq!(kept.chars().count(), MAX_FILENAME_CHARS);
        assert!(kept.ends_with(".xlsx"));
        assert_eq!(
            display_filename(&"x".repeat(250)).chars().count(),
            MAX_FILENAME_CHARS
        );
    }

    #[test]
    fn blob_keys_are_restricted() {
        assert!(is_valid_blob_key("evidence/abc-1/def_2"));
        for bad in [
            "", "/a", "a/", "a//b", "../a", "a/./b", "a b", "a\\b", ".tmp-x",
        ] {
            assert!(!is_valid_blob_key(bad), "{bad:?}");
        }
    }
}
