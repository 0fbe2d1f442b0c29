//! E-mail notifications over SMTP with lettre: one plain-text UTF-8
//! message per delivery (the Japanese subject as an RFC 2047 encoded word,
//! the body base64 or quoted-printable as lettre chooses), sent through the
//! configured server with STARTTLS, implicit TLS or — to a local relay —
//! none. TLS is rustls with the process-wide CRYPTREC provider (installed
//! by [`super::Outbox::new`]) and the system's CA certificates.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncTransport, Tokio1Executor};

use super::config::{SmtpConfig, SmtpTls};
use super::{NotifyError, SendError};

/// The lines every message ends with.
const FOOTER: &str = "\n\n--\nこのメールは kijun（外部サービス管理）から自動で送信しています。\n通知先の変更はテナント管理者に依頼してください。\n";

/// Whether `s` is an e-mail address lettre can send to.
pub fn valid_address(s: &str) -> bool {
    s.len() <= 254 && s.parse::<Address>().is_ok()
}

/// Sends e-mail through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `config`; a malformed sender or TLS setup is an error
    /// here, at start-up.
    pub fn new(config: &SmtpConfig, timeout: Duration) -> Result<Mailer, NotifyError> {
        let from: Mailbox = config.from.parse().map_err(|e| {
            NotifyError::Config(format!(
                "SMTP の送信元 `{}` はメールアドレスとして正しくありません: {e}",
                config.from
            ))
        })?;
        let tls_error = |e: lettre::transport::smtp::Error| {
            NotifyError::Config(format!("SMTP の TLS 設定: {e}"))
        };
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => {
                Tls::Required(TlsParameters::new_rustls(config.host.clone()).map_err(tls_error)?)
            }
            SmtpTls::Tls => {
                Tls::Wrapper(TlsParameters::new_rustls(config.host.clone()).map_err(tls_error)?)
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port())
            .tls(tls)
            .timeout(Some(timeout));
        if let Some(name) = &config.hello_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// The message of one delivery. `message_id` is the delivery's, so a
    /// retried message carries the same `Message-ID`.
    pub fn message(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        delivery_id: &str,
    ) -> Result<Message, SendError> {
        let to: Mailbox = to.parse().map_err(|e| {
            SendError::permanent(format!(
                "宛先 `{to}` はメールアドレスとして正しくありません: {e}"
            ))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!(
                "<{delivery_id}@{}>",
                self.from.email.domain()
            )))
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{}{FOOTER}", body.trim_end()))
            .map_err(|e| SendError::permanent(format!("メールを作れません: {e}")))
    }

    /// Sends one message. A permanent SMTP refusal (5xx, e.g. an unknown
    /// mailbox) is not retried; everything else is.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::permanent(format!(
                "SMTP サーバーが拒否しました: {e}"
            ))),
            Err(e) => Err(SendError::transient(format!("SMTP で送信できません: {e}"))),
        }
    }
}
