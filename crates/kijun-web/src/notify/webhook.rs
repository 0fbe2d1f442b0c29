//! Webhooks: the signed JSON POST of a notification, and the small HTTP/1.1
//! client that sends it.
//!
//! The body is `{id, tenant, kind, subject, body, created_at, payload}`;
//! `X-Kijun-Signature: sha256=<hex>` is HMAC-SHA256 under the webhook's
//! secret of `"<X-Kijun-Timestamp>.<body>"`, `X-Kijun-Delivery` the delivery
//! id (the same on every retry, for the receiver to deduplicate).
//!
//! The client is hyper's HTTP/1.1 connection API over a socket this module
//! opens itself, so it can refuse what a general client would do silently:
//! the host name is resolved here and every address is checked (no
//! loopback, private, link-local or otherwise non-public address unless the
//! operator allows them — SSRF), the connection goes to an address that
//! passed, redirects are never followed (3xx is a failed attempt), and the
//! whole attempt has one timeout. HTTPS uses rustls with the CRYPTREC
//! provider of [`crate::tls::crypto_provider`] and the system's CA
//! certificates.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, Uri, header};
use hmac::{Hmac, KeyInit, Mac};
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use kijun_store::notify::Notification;
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncWrite};

use super::SendError;
use crate::crypto::hex;

/// `sha256=<hex>`: HMAC-SHA256 under `secret` of `"<timestamp>.<body>"`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// The JSON body of a notification's webhook POST.
pub fn body(n: &Notification) -> Vec<u8> {
    serde_json::json!({
        "id": n.id,
        "tenant": n.tenant_id,
        "kind": n.kind,
        "subject": n.subject,
        "body": n.body,
        "created_at": n.created_at,
        "payload": n.payload,
    })
    .to_string()
    .into_bytes()
}

/// Whether `ip` is an ordinary public address: not loopback, private,
/// link-local, shared (CGN), documentation, benchmarking, multicast,
/// unspecified, reserved or an IPv4-mapped/-compatible form of one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64
                || (s[0] == 0x2002) // 6to4 (embeds any IPv4)
                || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible, ::
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF 192.0.0/24
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240) // reserved
}

/// The webhook rules of the deployment.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub require_https: bool,
    pub allow_private: bool,
}

/// A webhook URL taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Host name or IP address (without IPv6 brackets).
    pub host: String,
    pub port: u16,
    /// `host[:port]` as written, for the Host header.
    pub authority: String,
    /// Path and query.
    pub path: String,
}

/// Why a webhook URL is refused (Japanese, for the API's message).
pub fn parse_url(url: &str, rules: Rules) -> Result<Target, String> {
    if url.len() > 2000 {
        return Err("URL は 2000 文字以内で指定してください".into());
    }
    if url.contains('#') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("URL に空白・制御文字・フラグメント (#) は使えません".into());
    }
    let uri: Uri = url
        .parse()
        .map_err(|_| "URL の形式が正しくありません".to_owned())?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") if !rules.require_https => false,
        Some("http") => {
            return Err(
                "Webhook の URL は https:// で指定してください（このサーバーは http を許可していません）"
                    .into(),
            );
        }
        _ => return Err("URL は https:// で始めてください".into()),
    };
    let authority = uri
        .authority()
        .ok_or_else(|| "URL にホスト名がありません".to_owned())?;
    if authority.as_str().contains('@') {
        return Err("URL に利用者名・パスワード (user@) は含められません".into());
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host.is_empty() {
        return Err("URL にホスト名がありません".into());
    }
    if !rules.allow_private {
        if let Ok(ip) = host.parse::<IpAddr>()
            && !is_public(ip)
        {
            return Err(format!(
                "宛先 {ip} は内部向けのアドレスです（このサーバーは内部アドレスへの Webhook を許可していません）"
            ));
        }
        if host == "localhost" || host.ends_with(".localhost") {
            return Err("宛先 localhost は許可されていません".into());
        }
    }
    Ok(Target {
        https,
        port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
        authority: authority.as_str().to_owned(),
        path: uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        host,
    })
}

/// The origin (`scheme://host:port`) of a URL, for the audit log: webhook
/// URLs of chat services carry their credential in the path.
pub fn origin(url: &str) -> String {
    match url.parse::<Uri>() {
        Ok(u) => format!(
            "{}://{}",
            u.scheme_str().unwrap_or("?"),
            u.authority().map_or("?", |a| a.as_str())
        ),
        Err(_) => "?".into(),
    }
}

/// Sends webhook POSTs.
#[derive(Clone)]
pub struct Client {
    tls: tokio_rustls::TlsConnector,
    rules: Rules,
    timeout: Duration,
}

impl Client {
    /// A client with the CRYPTREC TLS provider and `roots`.
    pub fn new(
        roots: rustls::RootCertStore,
        rules: Rules,
        timeout: Duration,
    ) -> Result<Client, String> {
        let mut config =
            rustls::ClientConfig::builder_with_provider(Arc::new(crate::tls::crypto_provider()))
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Client {
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            rules,
            timeout,
        })
    }

    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// POSTs notification `n` to `url`, signed with `secret`, as delivery
    /// `delivery_id` at `now`. A 2xx answer is success; anything else,
    /// including a redirect, is a failed attempt.
    pub async fn send(
        &self,
        url: &str,
        secret: &[u8],
        n: &Notification,
        delivery_id: &str,
        now: Timestamp,
    ) -> Result<(), SendError> {
        let target = parse_url(url, self.rules).map_err(SendError::permanent)?;
        let body = body(n);
        let timestamp = now.as_second();
        let request = Request::builder()
            .method("POST")
            .uri(&target.path)
            .header(header::HOST, &target.authority)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header(
                header::USER_AGENT,
                concat!("kijun/", env!("CARGO_PKG_VERSION")),
            )
            .header("x-kijun-timestamp", timestamp.to_string())
            .header("x-kijun-signature", signature(secret, timestamp, &body))
            .header("x-kijun-delivery", delivery_id)
            .body(Body::from(body))
            .map_err(|e| SendError::permanent(format!("要求を作れません: {e}")))?;
        let status = tokio::time::timeout(self.timeout, self.exchange(&target, request))
            .await
            .map_err(|_| {
                SendError::transient(format!(
                    "{} 秒以内に応答がありません (timeout)",
                    self.timeout.as_secs()
                ))
            })??;
        if status.is_success() {
            Ok(())
        } else if status.is_redirection() {
            Err(SendError::transient(format!(
                "HTTP {}: リダイレクトには従いません。Webhook の URL を確認してください",
                status.as_u16()
            )))
        } else {
            Err(SendError::transient(format!("HTTP {}", status.as_u16())))
        }
    }

    async fn exchange(
        &self,
        target: &Target,
        request: Request<Body>,
    ) -> Result<StatusCode, SendError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|e| {
                SendError::transient(format!("{} を名前解決できません: {e}", target.host))
            })?
            .collect();
        if addrs.is_empty() {
            return Err(SendError::transient(format!(
                "{} を名前解決できません",
                target.host
            )));
        }
        if !self.rules.allow_private
            && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
        {
            return Err(SendError::transient(format!(
                "{} は内部向けのアドレス {} を指しています（許可されていません）",
                target.host,
                bad.ip()
            )));
        }
        let mut last_error = String::new();
        for addr in &addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(tcp) => {
                    let _ = tcp.set_nodelay(true);
                    return if target.https {
                        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                            .map_err(|e| {
                                SendError::permanent(format!("ホスト名が不正です: {e}"))
                            })?;
                        let tls = self.tls.connect(name, tcp).await.map_err(|e| {
                            SendError::transient(format!("TLS 接続に失敗しました: {e}"))
                        })?;
                        round_trip(tls, request).await
                    } else {
                        round_trip(tcp, request).await
                    };
                }
                Err(e) => last_error = format!("{addr} に接続できません: {e}"),
            }
        }
        Err(SendError::transient(last_error))
    }
}

/// One request over a fresh HTTP/1.1 connection; the status of the answer.
async fn round_trip<S>(io: S, request: Request<Body>) -> Result<StatusCode, SendError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| SendError::transient(format!("HTTP の接続に失敗しました: {e}")))?;
    let driver = tokio::spawn(connection);
    let result = sender
        .send_request(request)
        .await
        .map(|response| response.status())
        .map_err(|e| SendError::transient(format!("HTTP の送信に失敗しました: {e}")));
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // The HMAC-SHA256 itself: RFC 4231 test case 2.
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe") {
            Ok(m) => m,
            Err(_) => return,
        };
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // The signed string is "<timestamp>.<body>".
        let sig = signature(b"secret", 1_775_000_000, b"{\"a\":1}");
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(b"secret") {
            Ok(m) => m,
            Err(_) => return,
        };
        mac.update(b"1775000000.{\"a\":1}");
        assert_eq!(sig, format!("sha256={}", hex(&mac.finalize().into_bytes())));
        assert_ne!(sig, signature(b"secret", 1_775_000_001, b"{\"a\":1}"));
        assert_ne!(sig, signature(b"other", 1_775_000_000, b"{\"a\":1}"));
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "2002:7f00:1::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(!is_public(ip), "{ip}");
        }
        for ip in ["8.8.8.8", "203.0.114.1", "2400:2410::1", "::ffff:8.8.8.8"] {
            let ip: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(is_public(ip), "{ip}");
        }
        assert!(!is_public(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    }

    #[test]
    fn urls_are_checked() {
        let strict = Rules {
            require_https: true,
            allow_private: false,
        };
        let open = Rules {
            require_https: false,
            allow_private: true,
        };
        let t = parse_url("https://hooks.example.jp:8443/a/b?c=d", strict);
        assert_eq!(
            t,
            Ok(Target {
                https: true,
                host: "hooks.example.jp".into(),
                port: 8443,
                authority: "hooks.example.jp:8443".into(),
                path: "/a/b?c=d".into(),
            })
        );
        for bad in [
            "http://hooks.example.jp/",
            "ftp://hooks.example.jp/",
            "https://user:pw@hooks.example.jp/",
            "https://127.0.0.1/",
            "https://[::1]:8080/",
            "https://10.0.0.5/x",
            "https://localhost/",
            "https://hooks.example.jp/#frag",
            "https://hooks.example.jp/a b",
            "/relative",
        ] {
            assert!(parse_url(bad, strict).is_err(), "{bad}");
        }
        let local = parse_url("http://127.0.0.1:9/hook", open);
        assert_eq!(local.map(|t| (t.https, t.port)), Ok((false, 9)));
        assert_eq!(
            parse_url("https://[::1]/", open).map(|t| t.host),
            Ok("::1".to_owned())
        );
        assert_eq!(
            origin("https://hooks.slack.example/services/T/B/secret"),
            "https://hooks.slack.example"
        );
    }
}
