//! Encrypted, verifiable backups of a whole instance (docs/operations.md):
//! a consistent online snapshot of the SQLite database (`VACUUM INTO`,
//! taken while the server keeps writing) and the evidence blobs that
//! snapshot refers to, in one archive file.
//!
//! Archive format (version 1): the header — magic `KJBK`, version (1 byte),
//! a random 16-byte salt, the master key id (8 ASCII hex digits) — then the
//! body in chunks, each `u32` BE ciphertext length, 12-byte nonce,
//! AES-256-GCM ciphertext of up to 1 MiB of plaintext. Each chunk's
//! associated data is `kijun-backup`, the header, the chunk index (`u64` BE)
//! and a last-chunk flag, so reordered, dropped, appended or cut chunks
//! fail. The key is HMAC-SHA-256(R, salt) where R, the backup root key, is
//! HMAC-SHA-256(master key, `kijun-backup-v1`) ([`BackupKey`]: the server
//! holds R, never the master key itself).
//! The plaintext is a sequence of entries (`u32` BE name length, name,
//! `u64` BE size, bytes) ending with `backup.json`, the manifest listing
//! every other entry with its SHA-256.
//!
//! The master key is never in the archive: a backup restores only with the
//! key it was taken under. PostgreSQL deployments back up the database with
//! `pg_dump` (see [`BackupError::Postgres`]).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::Mac as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Backend, Store, StoreError, on_pool};
use crate::evidence::{EvidenceError, FsBlobStore, Vault};

const MAGIC: &[u8; 4] = b"KJBK";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 16 + 8;
const CHUNK: usize = 1024 * 1024;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const MANIFEST: &str = "backup.json";
const DATABASE: &str = "kijun.sqlite3";

/// Errors of creating, verifying and restoring backups.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: 読み書きできません: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "PostgreSQL のデータベースは kijun backup の対象外です。pg_dump で取得してください（例: pg_dump -Fc -f kijun.dump \"$KIJUN_DATABASE_URL\"）。証跡ファイル（データディレクトリの blobs/）とマスター鍵は別に保管してください。手順は docs/operations.md にあります (use pg_dump for PostgreSQL)"
    )]
    Postgres,
    #[error("{0}: kijun のバックアップファイルではありません (not a kijun backup)")]
    NotABackup(String),
    #[error(
        "このバックアップはマスター鍵 ID {stored} で暗号化されていますが、指定されたマスター鍵の ID は {configured} です。取得時のマスター鍵を指定してください (wrong master key)"
    )]
    WrongKey { stored: String, configured: String },
    #[error("バックアップが改ざんされているか壊れています: {0} (backup tampered or corrupt)")]
    Corrupt(String),
    #[error(
        "{0} には既にデータベースがあります。空のデータディレクトリに復元してください (target not empty)"
    )]
    TargetNotEmpty(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error("乱数を取得できません: {0}")]
    Random(String),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(StoreError::Database(e))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest entry of one archived file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupEntry {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// `backup.json`: what the archive holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: String,
    pub kijun_version: String,
    pub schema_version: i64,
    pub created_at: String,
    pub master_key_id: String,
    pub entries: Vec<BackupEntry>,
}

/// The result of creating a backup.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub file: PathBuf,
    /// Size of the archive file in bytes.
    pub size: u64,
    /// SHA-256 of the archive file.
    pub sha256: String,
    pub database_bytes: u64,
    pub blobs: usize,
    pub created_at: Timestamp,
}

/// What verification checked.
#[derive(Debug, Clone, Serialize)]
pub struct BackupCheck {
    pub manifest: BackupManifest,
    pub database_bytes: u64,
    pub blobs: usize,
    /// Evidence files decrypted with their tenant's key and matched to
    /// their recorded SHA-256.
    pub evidence_checked: usize,
    pub audit_chains: usize,
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<[u8; 32], BackupError> {
    let mut mac = <hmac::Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .map_err(|_| BackupError::Corrupt("key".into()))?;
    mac.update(data);
    Ok(<[u8; 32]>::from(mac.finalize().into_bytes()))
}

/// The backup root key, derived from the master key, and the master key's
/// id (written into every archive so a wrong key is named as such).
#[derive(Clone)]
pub struct BackupKey {
    root: [u8; 32],
    master_key_id: String,
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupKey")
            .field("master_key_id", &self.master_key_id)
            .finish_non_exhaustive()
    }
}

impl BackupKey {
    pub fn from_master(master: &[u8; 32]) -> Result<BackupKey, BackupError> {
        Ok(BackupKey {
            root: hmac_sha256(master, b"kijun-backup-v1")?,
            master_key_id: hex(&Sha256::digest(master)[..4]),
        })
    }

    pub fn master_key_id(&self) -> &str {
        &self.master_key_id
    }

    fn cipher(&self, salt: &[u8]) -> Result<Aes256Gcm, BackupError> {
        let key = hmac_sha256(&self.root, salt)?;
        Ok(Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)))
    }
}

fn chunk_aad(header: &[u8], index: u64, last: bool) -> Vec<u8> {
    let mut aad = b"kijun-backup".to_vec();
    aad.extend_from_slice(header);
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

/// Encrypts everything written to it into the archive format.
struct ArchiveWriter<W: Write> {
    out: W,
    cipher: Aes256Gcm,
    header: Vec<u8>,
    buf: Vec<u8>,
    index: u64,
}

impl<W: Write> ArchiveWriter<W> {
    fn new(mut out: W, key: &BackupKey) -> Result<Self, BackupError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| BackupError::Random(e.to_string()))?;
        let mut header = MAGIC.to_vec();
        header.push(VERSION);
        header.extend_from_slice(&salt);
        header.extend_from_slice(key.master_key_id.as_bytes());
        out.write_all(&header)
            .map_err(|e| BackupError::Corrupt(e.to_string()))?;
        Ok(ArchiveWriter {
            out,
            cipher: key.cipher(&salt)?,
            header,
            buf: Vec::with_capacity(CHUNK),
            index: 0,
        })
    }

    fn seal(&mut self, last: bool) -> std::io::Result<()> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(std::io::Error::other)?;
        let aad = chunk_aad(&self.header, self.index, last);
        let ct = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &self.buf,
                    aad: &aad,
                },
            )
            .map_err(|_| std::io::Error::other("encryption failed"))?;
        let len = u32::try_from(ct.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&nonce)?;
        self.out.write_all(&ct)?;
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ArchiveWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.seal(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decrypts and authenticates the archive chunk by chunk.
struct ArchiveReader<R: Read> {
    input: R,
    /// The byte read ahead to learn whether a chunk is the last.
    peeked: Option<u8>,
    cipher: Aes256Gcm,
    header: Vec<u8>,
    buf: Vec<u8>,
    pos: usize,
    index: u64,
    done: bool,
}

impl<R: Read> ArchiveReader<R> {
    fn new(mut input: R, key: &BackupKey, name: &str) -> Result<Self, BackupError> {
        let mut header = vec![0u8; HEADER_LEN];
        input
            .read_exact(&mut header)
            .map_err(|_| BackupError::NotABackup(name.to_owned()))?;
        if &header[..4] != MAGIC || header[4] != VERSION {
            return Err(BackupError::NotABackup(name.to_owned()));
        }
        let stored = String::from_utf8_lossy(&header[21..29]).into_owned();
        if stored != key.master_key_id {
            return Err(BackupError::WrongKey {
                stored,
                configured: key.master_key_id.clone(),
            });
        }
        let cipher = key.cipher(&header[5..21])?;
        Ok(ArchiveReader {
            input,
            peeked: None,
            cipher,
            header,
            buf: Vec::new(),
            pos: 0,
            index: 0,
            done: false,
        })
    }

    /// `read_exact` that first hands out the byte read ahead.
    fn read_input(&mut self, out: &mut [u8]) -> std::io::Result<()> {
        let Some((first, rest)) = out.split_first_mut() else {
            return Ok(());
        };
        match self.peeked.take() {
            Some(b) => {
                *first = b;
                self.input.read_exact(rest)
            }
            None => self.input.read_exact(out),
        }
    }

    /// Reads the next chunk; a chunk is the last one when no byte follows.
    fn next_chunk(&mut self) -> std::io::Result<()> {
        let corrupt = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
        let mut len = [0u8; 4];
        self.read_input(&mut len)
            .map_err(|_| corrupt("途中で切れています (truncated)"))?;
        let len = usize::try_from(u32::from_be_bytes(len)).unwrap_or(usize::MAX);
        if !(TAG_LEN..=CHUNK + TAG_LEN).contains(&len) {
            return Err(corrupt("チャンク長が不正です"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        self.read_input(&mut nonce)
            .map_err(|_| corrupt("途中で切れています (truncated)"))?;
        let mut ct = vec![0u8; len];
        self.read_input(&mut ct)
            .map_err(|_| corrupt("途中で切れています (truncated)"))?;
        let mut probe = [0u8; 1];
        let last = loop {
            match self.input.read(&mut probe) {
                Ok(0) => break true,
                Ok(_) => {
                    self.peeked = Some(probe[0]);
                    break false;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        let aad = chunk_aad(&self.header, self.index, last);
        self.buf = self
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &ct,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                corrupt(&format!(
                    "チャンク {} の認証に失敗しました（改ざん・欠落・順序の入れ替え）",
                    self.index
                ))
            })?;
        self.pos = 0;
        self.index += 1;
        self.done = last;
        Ok(())
    }
}

impl<R: Read> Read for ArchiveReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Writes one entry (name, size, bytes from `data`); returns its manifest line.
fn write_entry<W: Write>(
    w: &mut W,
    name: &str,
    size: u64,
    data: &mut dyn Read,
) -> std::io::Result<BackupEntry> {
    let name_len = u32::try_from(name.len()).map_err(std::io::Error::other)?;
    w.write_all(&name_len.to_be_bytes())?;
    w.write_all(name.as_bytes())?;
    w.write_all(&size.to_be_bytes())?;
    let mut hasher = Sha256::new();
    let mut left = size;
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        data.read_exact(&mut buf[..want])?;
        hasher.update(&buf[..want]);
        w.write_all(&buf[..want])?;
        left -= want as u64;
    }
    Ok(BackupEntry {
        name: name.to_owned(),
        size,
        sha256: hex(&hasher.finalize()),
    })
}

/// A name inside the archive must be the database, the manifest, or a
/// well-formed blob key (no `..`, no absolute path).
fn safe_name(name: &str) -> bool {
    name == DATABASE
        || name == MANIFEST
        || name
            .strip_prefix("blobs/")
            .is_some_and(crate::evidence::is_valid_blob_key)
}

/// Reads every entry, handing each to `sink` (name, bytes reader, size),
/// and checks them against the manifest at the end.
fn read_entries<R: Read>(
    mut r: ArchiveReader<R>,
    mut sink: impl FnMut(&str, &mut dyn Read, u64) -> Result<(), BackupError>,
) -> Result<BackupManifest, BackupError> {
    let corrupt = |m: String| BackupError::Corrupt(m);
    let mut seen: Vec<BackupEntry> = Vec::new();
    loop {
        let mut len = [0u8; 4];
        r.read_exact(&mut len)
            .map_err(|e| corrupt(format!("エントリを読めません: {e}")))?;
        let name_len = usize::try_from(u32::from_be_bytes(len)).unwrap_or(usize::MAX);
        if name_len > 1024 {
            return Err(corrupt("エントリ名が長すぎます".into()));
        }
        let mut name = vec![0u8; name_len];
        r.read_exact(&mut name)
            .map_err(|e| corrupt(format!("エントリを読めません: {e}")))?;
        let name = String::from_utf8(name).map_err(|_| corrupt("エントリ名が不正です".into()))?;
        if !safe_name(&name) {
            return Err(corrupt(format!("不正なエントリ名 {name}")));
        }
        let mut size = [0u8; 8];
        r.read_exact(&mut size)
            .map_err(|e| corrupt(format!("エントリを読めません: {e}")))?;
        let size = u64::from_be_bytes(size);
        if name == MANIFEST {
            let mut text = Vec::new();
            (&mut r)
                .take(size)
                .read_to_end(&mut text)
                .map_err(|e| corrupt(e.to_string()))?;
            let manifest: BackupManifest =
                serde_json::from_slice(&text).map_err(|e| corrupt(format!("backup.json: {e}")))?;
            let mut extra = [0u8; 1];
            if r.read(&mut extra).map_err(|e| corrupt(e.to_string()))? != 0 {
                return Err(corrupt("マニフェストの後にデータがあります".into()));
            }
            if manifest.entries != seen {
                return Err(corrupt(
                    "マニフェストと中身（名前・サイズ・SHA-256）が一致しません".into(),
                ));
            }
            return Ok(manifest);
        }
        let mut hashing = HashingReader {
            inner: (&mut r).take(size),
            hasher: Sha256::new(),
            read: 0,
        };
        sink(&name, &mut hashing, size)?;
        // Drain what the sink left, so the digest covers the whole entry.
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| corrupt(e.to_string()))?;
        if hashing.read != size {
            return Err(corrupt(format!("{name}: 途中で切れています")));
        }
        seen.push(BackupEntry {
            name,
            size,
            sha256: hex(&hashing.hasher.finalize()),
        });
    }
}

struct HashingReader<R: Read> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.hasher.update(&out[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

impl Store {
    /// Takes an online backup into the new file `out`: a consistent
    /// snapshot of the database while writers continue, and every
    /// evidence blob the snapshot refers to from `blob_root`, encrypted
    /// under a key derived from `master`.
    pub async fn create_backup(
        &self,
        blob_root: &Path,
        out: &Path,
        key: &BackupKey,
        now: Timestamp,
    ) -> Result<BackupSummary, BackupError> {
        if self.backend() == Backend::Postgres {
            return Err(BackupError::Postgres);
        }
        if out.exists() {
            return Err(BackupError::Io {
                path: out.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "既に存在します (exists)",
                ),
            });
        }
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let work = tempdir_beside(out)?;
        let result = self
            .snapshot_and_write(blob_root, out, key, now, &work)
            .await;
        let _ = std::fs::remove_dir_all(&work);
        if result.is_err() {
            let _ = std::fs::remove_file(out);
        }
        let (database_bytes, blobs) = result?;
        let (size, sha256) = file_digest(out)?;
        Ok(BackupSummary {
            file: out.to_path_buf(),
            size,
            sha256,
            database_bytes,
            blobs,
            created_at: now,
        })
    }

    /// Snapshots the database into `work` and writes the archive `out`:
    /// (database bytes, blobs archived). The caller removes `work`, and
    /// `out` on failure.
    async fn snapshot_and_write(
        &self,
        blob_root: &Path,
        out: &Path,
        key: &BackupKey,
        now: Timestamp,
        work: &Path,
    ) -> Result<(u64, usize), BackupError> {
        let snapshot = work.join(DATABASE);
        let target = snapshot.display().to_string();
        on_pool!(self, pool => sqlx::query("VACUUM INTO $1")
            .bind(&target)
            .execute(pool)
            .await
            .map(|_| ()))?;
        // The blobs the snapshot refers to, read from the snapshot itself.
        let snap = Store::connect(&format!("sqlite://{target}")).await?;
        let keys: Vec<String> = on_pool!(snap, pool => sqlx::query_scalar(
            "SELECT blob_key FROM evidence ORDER BY blob_key",
        )
        .fetch_all(pool)
        .await)?;
        let schema_version = snap
            .applied_migrations()
            .await?
            .last()
            .copied()
            .unwrap_or(0);
        snap.close().await;
        let key = key.clone();
        let out_path = out.to_path_buf();
        let root = FsBlobStore::new(blob_root);
        let created_at = crate::time::format(now);
        tokio::task::spawn_blocking(move || {
            write_archive(
                &out_path,
                &snapshot,
                &root,
                &keys,
                &key,
                schema_version,
                created_at,
            )
        })
        .await
        .map_err(|e| BackupError::Corrupt(e.to_string()))?
    }
}

/// The size and SHA-256 of a file, read in pieces (an archive can be large).
fn file_digest(path: &Path) -> Result<(u64, String), BackupError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1024 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&hasher.finalize())))
}

/// A new private directory next to `file`, for the snapshot.
fn tempdir_beside(file: &Path) -> Result<PathBuf, BackupError> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        .join(format!(".kijun-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    Ok(dir)
}

fn write_archive(
    out: &Path,
    snapshot: &Path,
    blobs: &FsBlobStore,
    keys: &[String],
    key: &BackupKey,
    schema_version: i64,
    created_at: String,
) -> Result<(u64, usize), BackupError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(io(out))?;
    let mut w = ArchiveWriter::new(std::io::BufWriter::new(file), key)?;
    let mut entries = Vec::new();
    let db_size = std::fs::metadata(snapshot).map_err(io(snapshot))?.len();
    let mut db = std::fs::File::open(snapshot).map_err(io(snapshot))?;
    entries.push(write_entry(&mut w, DATABASE, db_size, &mut db).map_err(io(out))?);
    let mut count = 0;
    for key in keys {
        let path = blobs
            .path_of(key)
            .map_err(|e| BackupError::Corrupt(e.to_string()))?;
        // A blob deleted since the snapshot is no longer needed by anyone.
        let Ok(mut f) = std::fs::File::open(&path) else {
            continue;
        };
        let size = f.metadata().map_err(io(&path))?.len();
        entries
            .push(write_entry(&mut w, &format!("blobs/{key}"), size, &mut f).map_err(io(&path))?);
        count += 1;
    }
    let manifest = BackupManifest {
        format: "kijun-backup".into(),
        kijun_version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
        created_at,
        master_key_id: key.master_key_id.clone(),
        entries,
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Corrupt(e.to_string()))?;
    write_entry(&mut w, MANIFEST, json.len() as u64, &mut json.as_slice()).map_err(io(out))?;
    let file = w.finish().map_err(io(out))?;
    file.into_inner()
        .map_err(|e| BackupError::Corrupt(e.to_string()))?
        .sync_all()
        .map_err(io(out))?;
    Ok((db_size, count))
}

/// Unpacks `archive` into `dir` (`kijun.sqlite3` and `blobs/…`) and checks
/// it: every chunk authenticated, every entry against the manifest.
fn unpack(archive: &Path, key: &BackupKey, dir: &Path) -> Result<BackupManifest, BackupError> {
    let file = std::fs::File::open(archive).map_err(io(archive))?;
    let reader = ArchiveReader::new(
        std::io::BufReader::new(file),
        key,
        &archive.display().to_string(),
    )?;
    read_entries(reader, |name, data, _| {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let mut f = std::fs::File::create(&path).map_err(io(&path))?;
        std::io::copy(data, &mut f).map_err(|e| BackupError::Corrupt(format!("{name}: {e}")))?;
        Ok(())
    })
}

/// Checks an unpacked instance: database integrity, every audit chain, and
/// every evidence file decrypting to its recorded SHA-256.
async fn check_unpacked(
    dir: &Path,
    vault: &Vault,
    manifest: BackupManifest,
) -> Result<BackupCheck, BackupError> {
    let db = dir.join(DATABASE);
    let store = Store::connect(&format!("sqlite://{}", db.display())).await?;
    let result = async {
        let integrity: String = on_pool!(store, pool => sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(pool)
            .await)?;
        if integrity != "ok" {
            return Err(BackupError::Corrupt(format!(
                "データベースの整合性検査に失敗しました: {integrity}"
            )));
        }
        let audit = store.verify_audit().await?;
        if !audit.is_intact() {
            return Err(BackupError::Corrupt(format!(
                "監査ログのハッシュチェーンが壊れています: {:?}",
                audit
                    .chains
                    .iter()
                    .filter(|c| c.problem.is_some())
                    .collect::<Vec<_>>()
            )));
        }
        let blobs = FsBlobStore::new(dir.join("blobs"));
        let mut checked = 0;
        for tenant in store.tenants().await? {
            for record in store.evidence_in_tenant(&tenant.id).await? {
                let plain = store.read_evidence(vault, &blobs, &record).await?;
                if hex(&Sha256::digest(&plain)) != record.sha256 {
                    return Err(BackupError::Corrupt(format!(
                        "証跡 {} の SHA-256 が記録と一致しません",
                        record.id
                    )));
                }
                checked += 1;
            }
        }
        Ok(BackupCheck {
            database_bytes: std::fs::metadata(&db).map_err(io(&db))?.len(),
            blobs: manifest
                .entries
                .iter()
                .filter(|e| e.name.starts_with("blobs/"))
                .count(),
            manifest,
            evidence_checked: checked,
            audit_chains: audit.chains.len(),
        })
    }
    .await;
    store.close().await;
    result
}

/// Verifies `archive` completely without touching any instance: unpacks it
/// into a temporary directory under `scratch`, then checks the database,
/// the audit chains and every evidence file.
pub async fn verify_backup(
    archive: &Path,
    key: &BackupKey,
    vault: &Vault,
    scratch: &Path,
) -> Result<BackupCheck, BackupError> {
    let dir = scratch.join(format!(".kijun-verify-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let result = async {
        let (archive_path, key_copy, dir_copy) = (archive.to_path_buf(), key.clone(), dir.clone());
        let manifest =
            tokio::task::spawn_blocking(move || unpack(&archive_path, &key_copy, &dir_copy))
                .await
                .map_err(|e| BackupError::Corrupt(e.to_string()))??;
        check_unpacked(&dir, vault, manifest).await
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Restores `archive` into the data directory `data_dir`, which must hold
/// no database yet; checks the result as [`verify_backup`] does. On failure
/// the files written are removed again.
pub async fn restore_backup(
    archive: &Path,
    key: &BackupKey,
    vault: &Vault,
    data_dir: &Path,
) -> Result<BackupCheck, BackupError> {
    let db = data_dir.join(DATABASE);
    if db.exists() || data_dir.join("blobs").exists() {
        return Err(BackupError::TargetNotEmpty(data_dir.display().to_string()));
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let (archive_path, key_copy, dir_copy) =
        (archive.to_path_buf(), key.clone(), data_dir.to_path_buf());
    let unpacked = tokio::task::spawn_blocking(move || unpack(&archive_path, &key_copy, &dir_copy))
        .await
        .map_err(|e| BackupError::Corrupt(e.to_string()));
    let result = match unpacked {
        Ok(Ok(manifest)) => check_unpacked(data_dir, vault, manifest).await,
        Ok(Err(e)) | Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = std::fs::remove_file(&db);
        let _ = std::fs::remove_dir_all(data_dir.join("blobs"));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(master: &[u8; 32], entries: &[(&str, &[u8])]) -> Result<Vec<u8>, BackupError> {
        let key = BackupKey::from_master(master)?;
        let mut w = ArchiveWriter::new(Vec::new(), &key)?;
        let mut listed = Vec::new();
        for (name, data) in entries {
            let mut d: &[u8] = data;
            listed.push(
                write_entry(&mut w, name, data.len() as u64, &mut d)
                    .map_err(|e| BackupError::Corrupt(e.to_string()))?,
            );
        }
        let manifest = BackupManifest {
            format: "kijun-backup".into(),
            kijun_version: "test".into(),
            schema_version: 1,
            created_at: "2026-11-30T00:00:00.000000Z".into(),
            master_key_id: key.master_key_id.clone(),
            entries: listed,
        };
        let json =
            serde_json::to_vec(&manifest).map_err(|e| BackupError::Corrupt(e.to_string()))?;
        write_entry(&mut w, MANIFEST, json.len() as u64, &mut json.as_slice())
            .map_err(|e| BackupError::Corrupt(e.to_string()))?;
        w.finish().map_err(|e| BackupError::Corrupt(e.to_string()))
    }

    fn read_all(bytes: &[u8], master: &[u8; 32]) -> Result<Vec<(String, Vec<u8>)>, BackupError> {
        let r = ArchiveReader::new(bytes, &BackupKey::from_master(master)?, "test")?;
        let mut got = Vec::new();
        read_entries(r, |name, data, _| {
            let mut v = Vec::new();
            data.read_to_end(&mut v)
                .map_err(|e| BackupError::Corrupt(e.to_string()))?;
            got.push((name.to_owned(), v));
            Ok(())
        })?;
        Ok(got)
    }

    #[test]
    fn archives_round_trip_across_chunk_boundaries_and_detect_tampering() -> Result<(), BackupError>
    {
        let master = [7u8; 32];
        let big: Vec<u8> = (0..(CHUNK * 2 + 17)).map(|i| (i % 251) as u8).collect();
        let bytes = archive(&master, &[(DATABASE, &big), ("blobs/evidence/t/e", b"abc")])?;
        let got = read_all(&bytes, &master)?;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, big);
        assert_eq!(got[1], ("blobs/evidence/t/e".to_owned(), b"abc".to_vec()));
        // The plaintext is nowhere in the file.
        assert!(!bytes.windows(64).any(|w| w == &big[1000..1064]));
        // Wrong key: named as such.
        assert!(matches!(
            read_all(&bytes, &[8u8; 32]),
            Err(BackupError::WrongKey { .. })
        ));
        // A flipped byte, a cut tail and a dropped chunk all fail.
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 1;
        assert!(read_all(&flipped, &master).is_err());
        assert!(read_all(&bytes[..bytes.len() - 100], &master).is_err());
        let first_len = u32::from_be_bytes([
            bytes[HEADER_LEN],
            bytes[HEADER_LEN + 1],
            bytes[HEADER_LEN + 2],
            bytes[HEADER_LEN + 3],
        ]) as usize;
        let chunk = 4 + NONCE_LEN + first_len;
        let mut dropped = bytes[..HEADER_LEN].to_vec();
        dropped.extend_from_slice(&bytes[HEADER_LEN + chunk..]);
        assert!(read_all(&dropped, &master).is_err());
        // Cut exactly at a chunk boundary: the new last chunk was not sealed as last.
        assert!(read_all(&bytes[..HEADER_LEN + chunk], &master).is_err());
        // Not a backup at all.
        assert!(matches!(
            read_all(b"PK\x03\x04 hello, this is not it", &master),
            Err(BackupError::NotABackup(_))
        ));
        Ok(())
    }

    #[test]
    fn entry_names_cannot_escape_the_target() {
        assert!(safe_name("kijun.sqlite3"));
        assert!(safe_name("blobs/evidence/t1/e1"));
        assert!(!safe_name("blobs/../../etc/passwd"));
        assert!(!safe_name("/etc/passwd"));
        assert!(!safe_name("master.key"));
    }
}
