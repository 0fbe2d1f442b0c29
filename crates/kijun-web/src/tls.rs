//! Optional built-in TLS for the HTTP server: the rustls crypto provider
//! restricted to algorithms on the CRYPTREC 電子政府推奨暗号リスト
//! (`crypto_provider`), loading the server certificate chain and private key
//! from PEM files (`server_config`), and the HTTPS accept loop that serves an
//! axum `Router` over it with graceful shutdown (`serve_tls`). Operators who
//! terminate TLS at a reverse proxy do not use this module; the proxy must
//! then use the same settings. See `docs/crypto.md`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::ServerConfig;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{InconsistentKeys, SignatureScheme};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::{Service, ServiceExt};
use webpki::ring as alg;

/// The only ALPN protocol offered: the server speaks HTTP/1.1.
const ALPN_HTTP11: &[u8] = b"http/1.1";

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after an accept error that is not about one connection (for example
/// too many open files), so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Errors of loading the certificate and private key.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "TLS のファイル {} がありません（証明書・秘密鍵のパスを確認してください） (file not found)",
        .path.display()
    )]
    NotFound { path: PathBuf },
    #[error(
        "TLS のファイル {} を読めません: {source}（ファイルの種類と読み取り権限を確認してください） (cannot read file)",
        .path.display()
    )]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "{} を PEM として読めません: {detail}（-----BEGIN ...----- で始まる PEM ファイルを指定してください） (malformed PEM)",
        .path.display()
    )]
    Pem { path: PathBuf, detail: String },
    #[error(
        "証明書ファイル {} に証明書 (-----BEGIN CERTIFICATE-----) がありません（サーバー証明書、続けて中間証明書を PEM で入れてください） (no certificate in file)",
        .path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error(
        "証明書ファイル {} の先頭の証明書を解析できません: {detail}（サーバー証明書を先頭に置いた PEM を指定してください） (invalid certificate)",
        .path.display()
    )]
    InvalidCertificate { path: PathBuf, detail: String },
    #[error(
        "秘密鍵ファイル {} に秘密鍵がありません（暗号化されていない PKCS#8 \"PRIVATE KEY\"、SEC1 \"EC PRIVATE KEY\" または \"RSA PRIVATE KEY\" の PEM を指定してください） (no private key in file)",
        .path.display()
    )]
    NoKey { path: PathBuf },
    #[error(
        "秘密鍵ファイル {} の鍵は使えません: {detail}（ECDSA P-256/P-384、RSA 2048 ビット以上、Ed25519 のいずれかにしてください） (unsupported private key)",
        .path.display()
    )]
    UnsupportedKey { path: PathBuf, detail: String },
    #[error(
        "秘密鍵 {} が証明書 {} の公開鍵と対になっていません（同じ組の証明書と秘密鍵を指定してください） (private key does not match certificate)",
        .key_path.display(),
        .cert_path.display()
    )]
    KeyMismatch {
        cert_path: PathBuf,
        key_path: PathBuf,
    },
    #[error("TLS の設定を作れません: {0} (cannot build TLS configuration)")]
    Config(String),
}

/// Signature verification algorithms: ECDSA P-256/P-384 with SHA-256/384,
/// Ed25519, RSA-PSS and RSA PKCS#1 v1.5 with SHA-256/384/512 (RSA keys of
/// 2048 to 8192 bits). Listed here rather than taken from the provider's
/// defaults so that a rustls upgrade cannot add an algorithm silently.
static SIGNATURE_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        alg::ECDSA_P256_SHA256,
        alg::ECDSA_P256_SHA384,
        alg::ECDSA_P384_SHA256,
        alg::ECDSA_P384_SHA384,
        alg::ED25519,
        alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        alg::RSA_PKCS1_2048_8192_SHA256,
        alg::RSA_PKCS1_2048_8192_SHA384,
        alg::RSA_PKCS1_2048_8192_SHA512,
        alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        // In TLS 1.3 the scheme fixes the curve; TLS 1.2 does not, hence the
        // second entry for each ECDSA scheme.
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[alg::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[alg::RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[alg::RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[alg::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

/// The rustls crypto provider (*ring*) restricted to the CRYPTREC-listed
/// algorithms: AES-GCM and ChaCha20-Poly1305 suites with ECDHE over P-256 and
/// P-384 only (no X25519), and the signature algorithms above. The random
/// source and the private-key loader are *ring*'s.
pub fn crypto_provider() -> CryptoProvider {
    use ring::cipher_suite as cs;
    CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_AES_128_GCM_SHA256,
            cs::TLS13_AES_256_GCM_SHA384,
            cs::TLS13_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
        kx_groups: vec![ring::kx_group::SECP256R1, ring::kx_group::SECP384R1],
        signature_verification_algorithms: SIGNATURE_ALGORITHMS,
        ..ring::default_provider()
    }
}

/// The server configuration: TLS 1.3 and 1.2 only, `crypto_provider()`, no
/// client certificates, ALPN `http/1.1`, and the certificate chain and
/// private key read from the two PEM files. The first certificate in
/// `cert_pem_path` must be the server's own; intermediates follow it.
pub fn server_config(
    cert_pem_path: &Path,
    key_pem_path: &Path,
) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = load_certificates(cert_pem_path)?;
    let key = load_private_key(key_pem_path)?;
    let provider = Arc::new(crypto_provider());
    let signing_key =
        provider
            .key_provider
            .load_private_key(key)
            .map_err(|e| TlsError::UnsupportedKey {
                path: key_pem_path.to_path_buf(),
                detail: e.to_string(),
            })?;
    let certified = CertifiedKey::new(certs, signing_key);
    match certified.keys_match() {
        // `Unknown`: the key cannot tell its public key; rustls accepts it
        // too (`CertifiedKey::from_der`). The ring keys always can.
        Ok(()) | Err(rustls::Error::InconsistentKeys(InconsistentKeys::Unknown)) => {}
        Err(rustls::Error::InconsistentKeys(_)) => {
            return Err(TlsError::KeyMismatch {
                cert_path: cert_pem_path.to_path_buf(),
                key_path: key_pem_path.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(TlsError::InvalidCertificate {
                path: cert_pem_path.to_path_buf(),
                detail: e.to_string(),
            });
        }
    }
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
    config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
    Ok(Arc::new(config))
}

/// Maps a PEM reading error to the error naming `path`; `NoItemsFound`
/// becomes `missing`.
fn pem_error(path: &Path, error: pem::Error, missing: TlsError) -> TlsError {
    match error {
        pem::Error::NoItemsFound => missing,
        pem::Error::Io(source) if source.kind() == io::ErrorKind::NotFound => TlsError::NotFound {
            path: path.to_path_buf(),
        },
        pem::Error::Io(source) => TlsError::Read {
            path: path.to_path_buf(),
            source,
        },
        other => TlsError::Pem {
            path: path.to_path_buf(),
            detail: other.to_string(),
        },
    }
}

fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let no_certificate = || TlsError::NoCertificate {
        path: path.to_path_buf(),
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e, no_certificate()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e, no_certificate()))?;
    if certs.is_empty() {
        return Err(no_certificate());
    }
    Ok(certs)
}

fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        pem_error(
            path,
            e,
            TlsError::NoKey {
                path: path.to_path_buf(),
            },
        )
    })
}

/// Serves `app` over TLS on `listener` until `shutdown` completes, then
/// stops accepting, lets the open connections finish their requests and
/// returns `Ok(())`. Each connection runs in its own task; one whose
/// handshake fails or times out is logged to stderr once and dropped, the
/// loop goes on. Handlers see the peer address as
/// `ConnectInfo<SocketAddr>`, as with axum's
/// `into_make_service_with_connect_info::<SocketAddr>()`.
pub async fn serve_tls(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    serve_tls_with(
        listener,
        config,
        app,
        shutdown,
        ServeOptions {
            handshake_timeout: HANDSHAKE_TIMEOUT,
            log: Arc::new(|line: String| crate::log::error(&line)),
        },
    )
    .await
}

/// What `serve_tls` fixes and the tests vary.
struct ServeOptions {
    handshake_timeout: Duration,
    log: Arc<dyn Fn(String) + Send + Sync>,
}

async fn serve_tls_with(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    // Connections after their handshake: asked to finish at shutdown.
    let graceful = GracefulShutdown::new();
    // Connections still in their handshake: dropped at shutdown.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    (options.log)(format!("接続を受け付けられません: {e} (accept failed)"));
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = match ServiceExt::<SocketAddr>::ready(&mut make_service).await {
            Ok(ready) => ready.call(peer).await,
            Err(e) => Err(e),
        }
        .unwrap_or_else(|never| match never {});
        let service = TowerToHyperService::new(service);
        let acceptor = acceptor.clone();
        let watcher = graceful.watcher();
        let mut stop = stop_rx.clone();
        let log = Arc::clone(&options.log);
        let handshake_timeout = options.handshake_timeout;
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(handshake_timeout, acceptor.accept(tcp));
            let tls = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        log(format!("TLS ハンドシェイクに失敗しました ({peer}): {e} (TLS handshake failed)"));
                        return;
                    }
                    Err(_) => {
                        log(format!(
                            "TLS ハンドシェイクが {} 秒以内に終わりませんでした ({peer}) (TLS handshake timed out)",
                            handshake_timeout.as_secs_f32()
                        ));
                        return;
                    }
                },
                _ = stop.changed() => return,
            };
            let connection = http1::Builder::new().serve_connection(TokioIo::new(tls), service);
            // Errors after the handshake (a client that resets, a malformed
            // request) concern that client only; hyper has answered what it
            // could.
            let _ = watcher.watch(connection).await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(());
    graceful.shutdown().await;
    Ok(())
}

/// Accept errors that concern one connection only: go on at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;
    use axum::routing::get;
    use rustls::client::ClientConfig;
    use rustls::crypto::SupportedKxGroup;
    use rustls::pki_types::{ServerName, alg_id};
    use rustls::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, RootCertStore};
    use rustls::{SupportedCipherSuite, SupportedProtocolVersion};
    use std::sync::Mutex;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::client::TlsStream;

    /// A 2048-bit RSA key made with `openssl genpkey` for these tests only
    /// (the *ring* backend of rcgen cannot generate RSA keys). Not a secret.
    const RSA_TEST_KEY_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIIEuwIBADANBgkqhkiG9w0BAQEFAASCBKUwggShAgEAAoIBAQDXDCT2pXU73Ebg
vKx3Xx1ueyobJWQdluaYAJn2vndHIsXp3xha0OvNnVXR+I3GYDz6eAa5WBGjSxLt
c9SLa09wDO32H3ueqM6xc+tFyCtG41qIy7Bc5clMWk97pGOvg/hhBijU51YrmfqL
g/RDDV4G4h+E8o6VWuc4iHi0RPlh8THUA3uelh4rkzRNwoayAKpvLDutG+h9pYiN
oEhUtkqyquSVssV0NCW9YW1/H2CennnBCVq1z+A7AyhhpWYRkfNpSwbUevx/dW7a
Qv1f1aQBHRiGeS8wS118IHIOZVVCPcNUuEsPLPLz4u6cSIjI0uQ1Yc+cyGMpITNQ
Ado+lDPlAgMBAAECgf9q0nLfZ6ap6uyftm6gMsnr7O0oOZVXHXPDuIjCiNph+7lU
SKilyXdY1qRK06zuszTsi7LLXslkKWa9jUwx9UcAjMD9VvuRVJ6tMhKCF2y9Sd0v
FqoE0MsC99mDvE/IX/CBlw2xXzjuxQ4v6jGWco1tMzt0+bLaKM2yx20uHxUXZk7l
Mr9vxZoQbEJ1p+nJjvHKTAM1z0ZPBPIiGAC4wb54KTLeutzxvdCLfij/LBLYAycm
qs4ZdmzN60h0CSIeEpa8nCqY1YMYH1g86YQsZ7r5LnK8S0y3t6eZz/HyICKCRTFs
qgtVUFWx8tOqsSZdIjo5AmG8nRnyGWnXw+eWgyECgYEA+tLhiapBL+5NFl98eerO
xQtN+kaQkzO5RUrHiXzjzuhECesY71FabguMi8Cnuoa/pRvKEBqI/c6SZ1lKVSkY
ljdRiSoDm1iY4R2EPIMaSp1YeHOincO5cAkH5a4ZPqYAWkXqEzd6wZnYBrH+3nsu
YezOjMUI5jlIYLHUJp+8atUCgYEA23xBMho0pMFrCwr2c+Vy2vVVFxxq0YcQ/ixJ
ionLgbXKgAOoIUbgPf8Ngc6TBQM7GsZ9c1agwQFjfi+kCOIFMfYwCiqiGyxLZcGY
qd/o1nJfdPV+7VUMpgPFP1vLFlb6kkUcdOltvpYzdZtnOXT/lghZrWCl+qLx70Dh
YF9DDNECgYAWZZY2ELnZadIAWW5oBIuKFMRVwM9QFaJJia/fmwNMinjo2dFULVOB
2A4ovH89rKKYP67/WR86aqOwDs0QZacIYtApC1NfH74m+9e+/4Xte7dWqhyvMbbx
Rh0qaS1f5rrJVMzeAmo3t2EO1/4GJ8GwhNC8yStOQ3cvCzICcOkGMQKBgGYVyvUU
vzuKQtFmDe8l31/8D9GqA/zkh4DQ9HudT6xK857LFJ41qwLq6Eth23vPXuQ7Qgot
VqOuk6oTWoZPKf9s9DcmUTO2THNNskYAwPlNRRzPOnQExNdKlam8dh8z4WO7BVtT
XxnwHosq9r4ArwgHZj5/33NN6p1PXgRHCpahAoGBAMK8R3dgVccUqcKODkUECAiF
h+E37u05Myl7oGu+2jbBH/LYBL0tN8kzRuV2tUx1zI3sKt17eHvYJmxA+GLzOvNk
z6Ki5GOrvdzwv1FdveYo5+4duOVvvDCuamyRUhPDQiiEUXu5tt6J/MGCPIiRn2q8
LFE5T+1kLlZgg675eNxZ
-----END PRIVATE KEY-----
";

    /// The server's key type in a test.
    #[derive(Clone, Copy, Debug)]
    enum KeyKind {
        EcdsaP256,
        EcdsaP384,
        Ed25519,
        Rsa2048,
    }

    /// A self-signed certificate for `localhost` and its key, as PEM.
    struct TestCert {
        cert_pem: String,
        key_pem: String,
        cert_der: CertificateDer<'static>,
    }

    fn make_cert(kind: KeyKind) -> TestCert {
        let key = match kind {
            KeyKind::EcdsaP256 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            KeyKind::EcdsaP384 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            KeyKind::Ed25519 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519),
            KeyKind::Rsa2048 => rcgen::KeyPair::from_pem(RSA_TEST_KEY_PKCS8),
        }
        .unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        TestCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
        }
    }

    /// Writes the certificate and key to `dir`; returns their paths.
    fn write_pair(dir: &Path, cert: &TestCert) -> (PathBuf, PathBuf) {
        let cert_path = dir.join("cert.pem");
        let key_path = dir.join("key.pem");
        std::fs::write(&cert_path, &cert.cert_pem).unwrap();
        std::fs::write(&key_path, &cert.key_pem).unwrap();
        (cert_path, key_path)
    }

    /// Lets a test hold a request inside its handler: `/gate` signals
    /// `entered`, then waits for a permit of `open`.
    #[derive(Clone)]
    struct Gate {
        entered: Arc<tokio::sync::Notify>,
        open: Arc<tokio::sync::Semaphore>,
    }

    fn app(gate: Gate) -> axum::Router {
        axum::Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/peer",
                get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
            )
            .route(
                "/gate",
                get(|| async move {
                    gate.entered.notify_one();
                    let _permit = gate.open.acquire().await;
                    "gate ok"
                }),
            )
    }

    /// A running `serve_tls_with` and what the tests need of it.
    struct Server {
        addr: SocketAddr,
        cert: TestCert,
        logs: Arc<Mutex<Vec<String>>>,
        gate: Gate,
        stop: Option<oneshot::Sender<()>>,
        task: JoinHandle<io::Result<()>>,
        _dir: tempfile::TempDir,
    }

    impl Server {
        async fn start(kind: KeyKind) -> Server {
            Server::start_with(kind, HANDSHAKE_TIMEOUT).await
        }

        async fn start_with(kind: KeyKind, handshake_timeout: Duration) -> Server {
            let dir = tempfile::tempdir().unwrap();
            let cert = make_cert(kind);
            let (cert_path, key_path) = write_pair(dir.path(), &cert);
            let config = server_config(&cert_path, &key_path).unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let logs = Arc::new(Mutex::new(Vec::new()));
            let sink = Arc::clone(&logs);
            let (stop, stopped) = oneshot::channel::<()>();
            let gate = Gate {
                entered: Arc::new(tokio::sync::Notify::new()),
                open: Arc::new(tokio::sync::Semaphore::new(0)),
            };
            let task = tokio::spawn(serve_tls_with(
                listener,
                config,
                app(gate.clone()),
                async move {
                    let _ = stopped.await;
                },
                ServeOptions {
                    handshake_timeout,
                    log: Arc::new(move |line| sink.lock().unwrap().push(line)),
                },
            ));
            Server {
                addr,
                cert,
                logs,
                gate,
                stop: Some(stop),
                task,
                _dir: dir,
            }
        }

        fn logs(&self) -> Vec<String> {
            self.logs.lock().unwrap().clone()
        }

        /// Completes the shutdown future and waits for `serve_tls`.
        async fn stop(mut self) -> io::Result<()> {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            tokio::time::timeout(Duration::from_secs(5), self.task)
                .await
                .expect("serve_tls did not return after shutdown")
                .unwrap()
        }
    }

    /// A client that trusts `cert` and uses `provider` and `versions`.
    fn client_config(
        provider: CryptoProvider,
        versions: &[&'static SupportedProtocolVersion],
        cert: &CertificateDer<'static>,
    ) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots.add(cert.clone()).unwrap();
        let mut config = ClientConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        Arc::new(config)
    }

    fn restricted_client(
        versions: &[&'static SupportedProtocolVersion],
        cert: &CertificateDer<'static>,
    ) -> Arc<ClientConfig> {
        client_config(crypto_provider(), versions, cert)
    }

    async fn connect(
        addr: SocketAddr,
        config: Arc<ClientConfig>,
    ) -> io::Result<TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(addr).await?;
        let name = ServerName::try_from("localhost").unwrap();
        tokio::time::timeout(
            Duration::from_secs(5),
            TlsConnector::from(config).connect(name, tcp),
        )
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "handshake timed out"))?
    }

    /// Sends a raw `GET path HTTP/1.1` and reads one response; returns the
    /// status line and the body.
    async fn request(
        stream: &mut TlsStream<TcpStream>,
        path: &str,
        close: bool,
    ) -> (String, String) {
        let connection = if close { "close" } else { "keep-alive" };
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: {connection}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        let (head_end, length) = loop {
            let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
                .await
                .expect("response timed out")
                .unwrap();
            assert!(n > 0, "connection closed before a full response: {buf:?}");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .expect("response without content-length");
                if buf.len() >= end + 4 + length {
                    break (end, length);
                }
            }
        };
        let text = String::from_utf8_lossy(&buf).to_string();
        let status = text.lines().next().unwrap_or_default().to_string();
        let body = text[head_end + 4..head_end + 4 + length].to_string();
        (status, body)
    }

    /// The rustls error behind a failed client handshake.
    fn tls_error(e: &io::Error) -> Option<&rustls::Error> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    }

    /// Waits until the server has logged `n` lines, then a little longer
    /// to see that no more come.
    async fn logs_settled(server: &Server, n: usize) -> Vec<String> {
        for _ in 0..100 {
            if server.logs().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        server.logs()
    }

    fn provider_with(
        suites: Vec<SupportedCipherSuite>,
        groups: Vec<&'static dyn SupportedKxGroup>,
    ) -> CryptoProvider {
        CryptoProvider {
            cipher_suites: suites,
            kx_groups: groups,
            ..ring::default_provider()
        }
    }

    // --- the provider ---

    #[test]
    fn provider_offers_only_the_listed_suites_groups_and_signatures() {
        let p = crypto_provider();
        let suites: Vec<CipherSuite> = p.cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(
            suites,
            vec![
                CipherSuite::TLS13_AES_128_GCM_SHA256,
                CipherSuite::TLS13_AES_256_GCM_SHA384,
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
        );
        let groups: Vec<NamedGroup> = p.kx_groups.iter().map(|g| g.name()).collect();
        assert_eq!(groups, vec![NamedGroup::secp256r1, NamedGroup::secp384r1]);

        let schemes = p.signature_verification_algorithms.supported_schemes();
        assert_eq!(
            schemes,
            vec![
                SignatureScheme::ECDSA_NISTP384_SHA384,
                SignatureScheme::ECDSA_NISTP256_SHA256,
                SignatureScheme::ED25519,
                SignatureScheme::RSA_PSS_SHA512,
                SignatureScheme::RSA_PSS_SHA384,
                SignatureScheme::RSA_PSS_SHA256,
                SignatureScheme::RSA_PKCS1_SHA512,
                SignatureScheme::RSA_PKCS1_SHA384,
                SignatureScheme::RSA_PKCS1_SHA256,
            ]
        );
        // Certificate signatures: (public key algorithm, signature algorithm).
        let allowed = [
            (alg_id::ECDSA_P256, alg_id::ECDSA_SHA256),
            (alg_id::ECDSA_P256, alg_id::ECDSA_SHA384),
            (alg_id::ECDSA_P384, alg_id::ECDSA_SHA256),
            (alg_id::ECDSA_P384, alg_id::ECDSA_SHA384),
            (alg_id::ED25519, alg_id::ED25519),
            (alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA256),
            (alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA384),
            (alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA512),
            (alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA256),
            (alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA384),
            (alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA512),
        ];
        for a in p.signature_verification_algorithms.all {
            let (pk, sig) = (a.public_key_alg_id(), a.signature_alg_id());
            // The *_ABSENT_PARAMS variants are the same RSA PKCS#1
            // algorithms with the NULL parameter left out of the encoding.
            let absent_params = [
                alg_id::RSA_PKCS1_SHA256,
                alg_id::RSA_PKCS1_SHA384,
                alg_id::RSA_PKCS1_SHA512,
            ]
            .iter()
            .any(|with_null| {
                with_null.as_ref().strip_suffix(&[0x05, 0x00][..]) == Some(sig.as_ref())
            });
            assert!(
                allowed.contains(&(pk, sig)) || (pk == alg_id::RSA_ENCRYPTION && absent_params),
                "unexpected signature algorithm {a:?}"
            );
        }
        // Every mapped verifier is one of `all`.
        for (_, verifiers) in p.signature_verification_algorithms.mapping {
            for v in *verifiers {
                assert!(p.signature_verification_algorithms.all.iter().any(|a| {
                    a.public_key_alg_id() == v.public_key_alg_id()
                        && a.signature_alg_id() == v.signature_alg_id()
                }));
            }
        }
    }

    #[test]
    fn server_config_uses_the_restricted_provider_and_alpn_http11() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write_pair(dir.path(), &make_cert(KeyKind::EcdsaP256));
        let config = server_config(&cert, &key).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        assert_eq!(
            config.crypto_provider().kx_groups.len(),
            2,
            "server_config must use crypto_provider()"
        );
    }

    // --- handshakes ---

    /// (a) TLS 1.3 with the restricted client: handshake, raw GET, `ok`;
    /// ALPN http/1.1 negotiated; the handler sees the client's address.
    #[tokio::test]
    async fn tls13_handshake_serves_healthz_and_peer_address() {
        let server = Server::start(KeyKind::EcdsaP256).await;
        let client = restricted_client(&[&rustls::version::TLS13], &server.cert.cert_der);

        let mut tls = connect(server.addr, Arc::clone(&client)).await.unwrap();
        let (_, conn) = tls.get_ref();
        assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_3));
        assert_eq!(conn.alpn_protocol(), Some(&b"http/1.1"[..]));
        let (status, body) = request(&mut tls, "/healthz", true).await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(body, "ok");

        let mut tls = connect(server.addr, client).await.unwrap();
        let local = tls.get_ref().0.local_addr().unwrap();
        let (_, body) = request(&mut tls, "/peer", true).await;
        assert_eq!(body, local.to_string());

        assert!(server.logs().is_empty(), "{:?}", server.logs());
        server.stop().await.unwrap();
    }

    /// Every allowed TLS 1.3 suite and group, with each key type the
    /// server can hold (ECDSA P-256/P-384, Ed25519, RSA).
    #[tokio::test]
    async fn every_allowed_tls13_suite_group_and_key_type_works() {
        use ring::cipher_suite as cs;
        use ring::kx_group as kx;
        for kind in [
            KeyKind::EcdsaP256,
            KeyKind::EcdsaP384,
            KeyKind::Ed25519,
            KeyKind::Rsa2048,
        ] {
            let server = Server::start(kind).await;
            for suite in [
                cs::TLS13_AES_128_GCM_SHA256,
                cs::TLS13_AES_256_GCM_SHA384,
                cs::TLS13_CHACHA20_POLY1305_SHA256,
            ] {
                for group in [kx::SECP256R1, kx::SECP384R1] {
                    let client = client_config(
                        provider_with(vec![suite], vec![group]),
                        &[&rustls::version::TLS13],
                        &server.cert.cert_der,
                    );
                    let mut tls = connect(server.addr, client).await.unwrap_or_else(|e| {
                        panic!("{kind:?} {:?} {:?}: {e}", suite.suite(), group.name())
                    });
                    let (_, conn) = tls.get_ref();
                    assert_eq!(conn.negotiated_cipher_suite(), Some(suite));
                    assert_eq!(
                        conn.negotiated_key_exchange_group().map(|g| g.name()),
                        Some(group.name())
                    );
                    assert_eq!(request(&mut tls, "/healthz", true).await.1, "ok");
                }
            }
            server.stop().await.unwrap();
        }
    }

    /// (b) TLS 1.2-only clients succeed with each ECDHE-ECDSA suite (ECDSA
    /// certificate) and each ECDHE-RSA suite (RSA certificate).
    #[tokio::test]
    async fn tls12_only_clients_succeed_with_ecdhe_suites() {
        use ring::cipher_suite as cs;
        let cases = [
            (
                KeyKind::EcdsaP256,
                [
                    cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                    cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                    cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                ],
            ),
            (
                KeyKind::Rsa2048,
                [
                    cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                    cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                    cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                ],
            ),
        ];
        for (kind, suites) in cases {
            let server = Server::start(kind).await;
            for suite in suites {
                let client = client_config(
                    provider_with(vec![suite], vec![ring::kx_group::SECP256R1]),
                    &[&rustls::version::TLS12],
                    &server.cert.cert_der,
                );
                let mut tls = connect(server.addr, client)
                    .await
                    .unwrap_or_else(|e| panic!("{kind:?} {:?}: {e}", suite.suite()));
                let (_, conn) = tls.get_ref();
                assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
                assert_eq!(conn.negotiated_cipher_suite(), Some(suite));
                assert_eq!(request(&mut tls, "/healthz", true).await.1, "ok");
            }
            server.stop().await.unwrap();
        }
    }

    /// (c) A client that offers only X25519 is refused with a handshake
    /// failure, logged once; the loop goes on serving others.
    #[tokio::test]
    async fn x25519_only_client_is_refused_and_logged_once() {
        let server = Server::start(KeyKind::EcdsaP256).await;
        for versions in [&rustls::version::TLS13, &rustls::version::TLS12] {
            let client = client_config(
                provider_with(
                    ring::default_provider().cipher_suites,
                    vec![ring::kx_group::X25519],
                ),
                &[versions],
                &server.cert.cert_der,
            );
            let err = connect(server.addr, client)
                .await
                .expect_err("X25519-only client must be refused");
            assert_eq!(
                tls_error(&err),
                Some(&rustls::Error::AlertReceived(
                    AlertDescription::HandshakeFailure
                )),
                "{err}"
            );
        }
        let logs = logs_settled(&server, 2).await;
        assert_eq!(logs.len(), 2, "one line per failed connection: {logs:?}");
        assert!(
            logs.iter()
                .all(|l| l.contains("TLS handshake failed") && l.contains("127.0.0.1")),
            "{logs:?}"
        );

        // The loop survived.
        let client = restricted_client(&[&rustls::version::TLS13], &server.cert.cert_der);
        let mut tls = connect(server.addr, client).await.unwrap();
        assert_eq!(request(&mut tls, "/healthz", true).await.1, "ok");
        server.stop().await.unwrap();
    }

    /// A client that offers only `h2` gets no application protocol; the
    /// server speaks HTTP/1.1 only.
    #[tokio::test]
    async fn h2_only_alpn_is_refused() {
        let server = Server::start(KeyKind::EcdsaP256).await;
        let mut config =
            (*restricted_client(&[&rustls::version::TLS13], &server.cert.cert_der)).clone();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let err = connect(server.addr, Arc::new(config))
            .await
            .expect_err("h2-only client must be refused");
        assert_eq!(
            tls_error(&err),
            Some(&rustls::Error::AlertReceived(
                AlertDescription::NoApplicationProtocol
            )),
            "{err}"
        );
        server.stop().await.unwrap();
    }

    /// A client that never sends a ClientHello is dropped after the
    /// handshake timeout, with one log line.
    #[tokio::test]
    async fn silent_client_is_dropped_after_the_handshake_timeout() {
        let server = Server::start_with(KeyKind::EcdsaP256, Duration::from_millis(200)).await;
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
            .await
            .expect("server kept a silent connection open");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        let logs = logs_settled(&server, 1).await;
        assert_eq!(logs.len(), 1, "{logs:?}");
        assert!(logs[0].contains("timed out"), "{logs:?}");
        server.stop().await.unwrap();
    }

    #[test]
    fn only_per_connection_accept_errors_are_retried_at_once() {
        for kind in [
            io::ErrorKind::ConnectionRefused,
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::ConnectionReset,
        ] {
            assert!(is_connection_error(&io::Error::from(kind)));
        }
        // EMFILE and the like: pause before accepting again.
        assert!(!is_connection_error(&io::Error::from_raw_os_error(24)));
        assert!(!is_connection_error(&io::Error::from(
            io::ErrorKind::OutOfMemory
        )));
    }

    // --- the openssl command-line client, when installed ---

    fn openssl_available() -> bool {
        std::process::Command::new("openssl")
            .arg("version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Runs `openssl s_client` against `addr` with `args`; returns whether
    /// it exited successfully and its stdout and stderr together.
    async fn s_client(addr: SocketAddr, args: &[&str]) -> (bool, String) {
        let mut command = std::process::Command::new("openssl");
        command
            .args([
                "s_client",
                "-connect",
                &addr.to_string(),
                "-servername",
                "localhost",
            ])
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while child.try_wait().unwrap().is_none() {
                if std::time::Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("openssl s_client did not finish");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let out = child.wait_with_output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (out.status.success(), text)
        })
        .await
        .unwrap()
    }

    /// (d) Cipher suites outside the set (rustls cannot even offer them):
    /// openssl offering only CBC suites is refused, while the same client
    /// with an allowed suite succeeds. Also refuses TLS 1.1.
    #[tokio::test]
    async fn openssl_client_with_suites_outside_the_set_is_refused() {
        if !openssl_available() {
            println!(
                "SKIP openssl_client_with_suites_outside_the_set_is_refused: openssl not on PATH"
            );
            return;
        }
        let server = Server::start(KeyKind::EcdsaP256).await;

        // Control: an allowed suite works with this client.
        let (ok, out) = s_client(
            server.addr,
            &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
        )
        .await;
        assert!(
            ok && out.contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"),
            "{out}"
        );

        for cipher in [
            // RSA key transport, CBC, SHA-1: no forward secrecy.
            "AES128-SHA",
            // ECDHE but CBC mode.
            "ECDHE-ECDSA-AES128-SHA256",
            "ECDHE-ECDSA-AES256-SHA384",
        ] {
            let (ok, out) = s_client(server.addr, &["-tls1_2", "-cipher", cipher]).await;
            assert!(
                !ok && out.contains("handshake failure") && out.contains("Cipher is (NONE)"),
                "{cipher} was not refused: {out}"
            );
        }

        // TLS 1.1 (openssl needs security level 0 to offer it at all).
        let (ok, out) = s_client(server.addr, &["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]).await;
        assert!(
            !ok && out.contains("SSL alert number") && out.contains("Cipher is (NONE)"),
            "TLS 1.1 was not refused: {out}"
        );
        // Each refusal came from the server, which logged it once.
        let logs = logs_settled(&server, 4).await;
        assert_eq!(logs.len(), 4, "{logs:?}");
        server.stop().await.unwrap();
    }

    // --- shutdown ---

    /// (f) After the shutdown future completes, serve_tls returns Ok and
    /// the port no longer accepts connections.
    #[tokio::test]
    async fn shutdown_returns_ok_and_stops_accepting() {
        let server = Server::start(KeyKind::EcdsaP256).await;
        let addr = server.addr;
        server.stop().await.unwrap();
        assert!(TcpStream::connect(addr).await.is_err());
    }

    /// A request in flight at shutdown is answered; an idle keep-alive
    /// connection is closed; serve_tls returns Ok after both.
    #[tokio::test]
    async fn shutdown_finishes_requests_in_flight() {
        let mut server = Server::start(KeyKind::EcdsaP256).await;
        let client = restricted_client(&[&rustls::version::TLS13], &server.cert.cert_der);

        let mut idle = connect(server.addr, Arc::clone(&client)).await.unwrap();
        assert_eq!(request(&mut idle, "/healthz", false).await.1, "ok");

        let mut busy = connect(server.addr, client).await.unwrap();
        let in_flight = tokio::spawn(async move { request(&mut busy, "/gate", false).await });
        server.gate.entered.notified().await;
        let _ = server.stop.take().unwrap().send(());

        // The idle keep-alive connection is closed at once...
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf))
            .await
            .expect("idle keep-alive connection was not closed");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        // ...but serve_tls waits for the request in flight.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !server.task.is_finished(),
            "returned before the request finished"
        );
        assert!(!in_flight.is_finished());

        server.gate.open.add_permits(1);
        let (status, body) = in_flight.await.unwrap();
        assert_eq!(
            (status.as_str(), body.as_str()),
            ("HTTP/1.1 200 OK", "gate ok")
        );
        server.stop().await.unwrap();
    }

    /// A connection still in its handshake does not hold shutdown up to
    /// the handshake timeout.
    #[tokio::test]
    async fn shutdown_does_not_wait_for_pending_handshakes() {
        let server = Server::start_with(KeyKind::EcdsaP256, Duration::from_secs(60)).await;
        let _silent = TcpStream::connect(server.addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        server.stop().await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    // --- loading the certificate and key ---

    /// A PKCS#8 key re-encoded as its inner key (SEC1 `ECPrivateKey` or
    /// PKCS#1 `RSAPrivateKey`): the OCTET STRING after the version and the
    /// algorithm identifier.
    fn pkcs8_inner(der: &[u8]) -> Vec<u8> {
        /// (tag, content start, content end) of the element at `at`.
        fn element(der: &[u8], at: usize) -> (u8, usize, usize) {
            let tag = der[at];
            let first = der[at + 1] as usize;
            let (len, start) = if first < 0x80 {
                (first, at + 2)
            } else {
                let n = first & 0x7f;
                let len = der[at + 2..at + 2 + n]
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | *b as usize);
                (len, at + 2 + n)
            };
            (tag, start, start + len)
        }
        let (tag, start, _) = element(der, 0);
        assert_eq!(tag, 0x30);
        let (tag, _, version_end) = element(der, start);
        assert_eq!(tag, 0x02);
        let (tag, _, alg_end) = element(der, version_end);
        assert_eq!(tag, 0x30);
        let (tag, key_start, key_end) = element(der, alg_end);
        assert_eq!(tag, 0x04);
        der[key_start..key_end].to_vec()
    }

    fn to_pem(label: &str, der: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut b64 = String::new();
        for chunk in der.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    b64.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    b64.push('=');
                }
            }
        }
        let body: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            body.join("\n")
        )
    }

    #[test]
    fn loads_pkcs8_sec1_and_pkcs1_keys() {
        let dir = tempfile::tempdir().unwrap();
        for (kind, label) in [
            (KeyKind::EcdsaP256, "EC PRIVATE KEY"),
            (KeyKind::EcdsaP384, "EC PRIVATE KEY"),
            (KeyKind::Rsa2048, "RSA PRIVATE KEY"),
        ] {
            let cert = make_cert(kind);
            let (cert_path, key_path) = write_pair(dir.path(), &cert);
            server_config(&cert_path, &key_path).unwrap_or_else(|e| panic!("{kind:?} PKCS#8: {e}"));

            let pkcs8 =
                rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(cert.key_pem.as_bytes())
                    .unwrap();
            let inner = to_pem(label, &pkcs8_inner(pkcs8.secret_pkcs8_der()));
            std::fs::write(&key_path, &inner).unwrap();
            assert!(matches!(
                PrivateKeyDer::from_pem_file(&key_path).unwrap(),
                PrivateKeyDer::Sec1(_) | PrivateKeyDer::Pkcs1(_)
            ));
            server_config(&cert_path, &key_path)
                .unwrap_or_else(|e| panic!("{kind:?} {label}: {e}"));
        }
    }

    #[test]
    fn loads_a_chain_with_the_server_certificate_first() {
        let dir = tempfile::tempdir().unwrap();
        let cert = make_cert(KeyKind::EcdsaP256);
        let other = make_cert(KeyKind::EcdsaP256);
        let (cert_path, key_path) = write_pair(dir.path(), &cert);
        std::fs::write(&cert_path, format!("{}{}", cert.cert_pem, other.cert_pem)).unwrap();
        server_config(&cert_path, &key_path).unwrap();

        // The other order puts a certificate of another key first.
        std::fs::write(&cert_path, format!("{}{}", other.cert_pem, cert.cert_pem)).unwrap();
        assert!(matches!(
            server_config(&cert_path, &key_path),
            Err(TlsError::KeyMismatch { .. })
        ));
    }

    /// (e) Each failure names the file it is about.
    #[test]
    fn load_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cert = make_cert(KeyKind::EcdsaP256);
        let (cert_path, key_path) = write_pair(dir.path(), &cert);
        let missing = dir.path().join("missing.pem");
        let shown = |e: &TlsError, path: &Path| {
            let text = e.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains(" ("), "no English hint: {text}");
        };

        let e = server_config(&missing, &key_path).unwrap_err();
        assert!(
            matches!(&e, TlsError::NotFound { path } if *path == missing),
            "{e:?}"
        );
        shown(&e, &missing);
        let e = server_config(&cert_path, &missing).unwrap_err();
        assert!(
            matches!(&e, TlsError::NotFound { path } if *path == missing),
            "{e:?}"
        );
        shown(&e, &missing);

        // A directory exists but cannot be read as a file.
        let e = server_config(dir.path(), &key_path).unwrap_err();
        assert!(matches!(&e, TlsError::Read { .. }), "{e:?}");
        shown(&e, dir.path());

        // The key file given as the certificate: no certificate in it.
        let e = server_config(&key_path, &key_path).unwrap_err();
        assert!(
            matches!(&e, TlsError::NoCertificate { path } if *path == key_path),
            "{e:?}"
        );
        shown(&e, &key_path);

        // The certificate given as the key: no key in it.
        let e = server_config(&cert_path, &cert_path).unwrap_err();
        assert!(
            matches!(&e, TlsError::NoKey { path } if *path == cert_path),
            "{e:?}"
        );
        shown(&e, &cert_path);

        // An encrypted key is not read either.
        let encrypted = dir.path().join("encrypted.pem");
        std::fs::write(&encrypted, to_pem("ENCRYPTED PRIVATE KEY", b"whatever")).unwrap();
        let e = server_config(&cert_path, &encrypted).unwrap_err();
        assert!(matches!(&e, TlsError::NoKey { .. }), "{e:?}");

        // Broken PEM.
        let broken = dir.path().join("broken.pem");
        std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\n!!!!\n").unwrap();
        let e = server_config(&broken, &key_path).unwrap_err();
        assert!(
            matches!(&e, TlsError::Pem { path, .. } if *path == broken),
            "{e:?}"
        );
        shown(&e, &broken);

        // A CERTIFICATE block that is not a certificate.
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, to_pem("CERTIFICATE", b"not a certificate")).unwrap();
        let e = server_config(&garbage, &key_path).unwrap_err();
        assert!(
            matches!(&e, TlsError::InvalidCertificate { path, .. } if *path == garbage),
            "{e:?}"
        );
        shown(&e, &garbage);

        // A key block that no algorithm can use.
        let junk_key = dir.path().join("junk-key.pem");
        std::fs::write(&junk_key, to_pem("PRIVATE KEY", b"not a key")).unwrap();
        let e = server_config(&cert_path, &junk_key).unwrap_err();
        assert!(
            matches!(&e, TlsError::UnsupportedKey { path, .. } if *path == junk_key),
            "{e:?}"
        );
        shown(&e, &junk_key);

        // A key of another pair.
        let other_key = dir.path().join("other-key.pem");
        std::fs::write(&other_key, make_cert(KeyKind::EcdsaP256).key_pem).unwrap();
        let e = server_config(&cert_path, &other_key).unwrap_err();
        assert!(
            matches!(&e, TlsError::KeyMismatch { cert_path: c, key_path: k }
                if *c == cert_path && *k == other_key),
            "{e:?}"
        );
        shown(&e, &cert_path);
        shown(&e, &other_key);
    }
}
