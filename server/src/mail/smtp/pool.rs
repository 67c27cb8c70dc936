//! Connections to the relay, opened by Deskside and spoken over with lettre's SMTP client, kept
//! open between messages.
//!
//! lettre's own pooled transport opens its sockets with Nagle's algorithm on (lettre 0.11.23;
//! fixed upstream by lettre/lettre#1159, not released yet). Its client writes a message's body
//! and the closing `.` as two writes before it waits for the answer, so the closing five bytes
//! wait for the relay's delayed acknowledgement of the body: 40 ms per message on Linux, which
//! held one connection to 22 messages a second. Here the socket is opened with `TCP_NODELAY`
//! and handed to lettre (`AsyncSmtpConnection::connect_with_transport`), which still speaks
//! every word of SMTP, STARTTLS and authentication. Once a lettre release sets `TCP_NODELAY`
//! itself, this module can give way to `AsyncSmtpTransport` again.

use super::{SmtpRelay, TlsMode};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use secrecy::ExposeSecret;
use std::fmt;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A connection idle this long is closed rather than used: relays drop quiet clients after a
/// few minutes (Postfix after five), and a message should not be the one to find out.
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// A connection idle this long is asked `NOOP` before it carries a message.
const CHECK_AFTER: Duration = Duration::from_secs(5);

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The relay refused it for good (a 5xx answer): trying again would not help.
    Permanent(String),
    /// Anything else (no connection, a timeout, a 4xx answer): worth trying again later.
    Transient(String),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Permanent(why) | SendError::Transient(why) => f.write_str(why),
        }
    }
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(err: lettre::transport::smtp::Error) -> SendError {
        if err.is_permanent() {
            SendError::Permanent(err.to_string())
        } else {
            SendError::Transient(err.to_string())
        }
    }
}

/// How a new connection is protected, prepared once.
enum Protection {
    Plain,
    /// TLS from the first byte, by rustls with the relay's name.
    Implicit(TlsConnector, rustls_pki_types::ServerName<'static>),
    /// STARTTLS, by lettre; `required` refuses a relay that does not offer it.
    StartTls {
        params: TlsParameters,
        required: bool,
    },
}

/// The relay's connections: up to `keep` idle ones are kept for the next messages.
pub struct Pool {
    host: String,
    port: u16,
    timeout: Duration,
    protection: Protection,
    credentials: Option<Credentials>,
    hello: ClientId,
    keep: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Pool {
    /// The connections to `relay`, keeping up to `keep` open between messages.
    pub fn new(relay: &SmtpRelay, keep: usize) -> Result<Pool, String> {
        let extra_roots = relay
            .extra_roots
            .as_deref()
            .map(|pem| ("--smtp-ca-file", pem));
        let protection = match relay.tls {
            TlsMode::None => Protection::Plain,
            TlsMode::Implicit => {
                let config = crate::mail::tls::client_config(extra_roots)?;
                let name = rustls_pki_types::ServerName::try_from(relay.host.clone())
                    .map_err(|err| format!("--smtp-url: the host {:?}: {err}", relay.host))?;
                Protection::Implicit(TlsConnector::from(config), name)
            }
            mode => {
                let mut params = TlsParameters::builder(relay.host.clone());
                if let Some((_, pem)) = extra_roots {
                    let roots = Certificate::from_pem(pem).map_err(|err| err.to_string())?;
                    params = params.add_root_certificate(roots);
                }
                Protection::StartTls {
                    params: params.build_rustls().map_err(|err| err.to_string())?,
                    required: mode == TlsMode::StartTls,
                }
            }
        };
        let credentials = match (&relay.user, &relay.password) {
            (Some(user), Some(password)) => Some(Credentials::new(
                user.clone(),
                password.expose_secret().to_string(),
            )),
            _ => None,
        };
        Ok(Pool {
            host: relay.host.clone(),
            port: relay.port,
            timeout: relay.timeout,
            protection,
            credentials,
            hello: ClientId::default(),
            keep: keep.max(1),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Hands `message` to the relay and answers its reply. The connection goes back to the
    /// pool only after a clean exchange; after any error lettre has closed it.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<Response, SendError> {
        let mut conn = self.connection().await?;
        match tokio::time::timeout(self.timeout, conn.send(envelope, message)).await {
            Ok(Ok(response)) => {
                self.put_back(conn);
                Ok(response)
            }
            Ok(Err(err)) => Err(err.into()),
            Err(_) => {
                conn.abort().await;
                Err(SendError::Transient(format!(
                    "the relay did not answer within {} s",
                    self.timeout.as_secs()
                )))
            }
        }
    }

    /// An idle connection that still answers, or a new one.
    async fn connection(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let taken = self.take_idle();
            let Some((mut conn, since)) = taken else {
                break;
            };
            if since.elapsed() >= IDLE_LIMIT {
                let _ = tokio::time::timeout(self.timeout, conn.quit()).await;
                continue;
            }
            if since.elapsed() < CHECK_AFTER
                || tokio::time::timeout(self.timeout, conn.test_connected())
                    .await
                    .unwrap_or(false)
            {
                return Ok(conn);
            }
        }
        match tokio::time::timeout(self.timeout, self.connect()).await {
            Ok(conn) => conn,
            Err(_) => Err(SendError::Transient(format!(
                "no connection to {}:{} within {} s",
                self.host,
                self.port,
                self.timeout.as_secs()
            ))),
        }
    }

    fn take_idle(&self) -> Option<(AsyncSmtpConnection, Instant)> {
        self.idle.lock().ok()?.pop()
    }

    fn put_back(&self, conn: AsyncSmtpConnection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.keep
        {
            idle.push((conn, Instant::now()));
        }
    }

    /// Connects, protects and signs in, the way `--smtp-url` and the user ask.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|err| {
                SendError::Transient(format!("connecting to {}:{}: {err}", self.host, self.port))
            })?;
        tcp.set_nodelay(true)
            .map_err(|err| SendError::Transient(format!("setting TCP_NODELAY: {err}")))?;
        let mut conn = match &self.protection {
            Protection::Implicit(connector, name) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|err| SendError::Transient(format!("TLS with the relay: {err}")))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(Tls(tls)), &self.hello).await?
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?,
        };
        if let Protection::StartTls { params, required } = &self.protection
            && (*required || conn.can_starttls())
        {
            conn.starttls(params.clone(), &self.hello).await?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }
}

/// A TLS stream over TCP, as lettre's client takes a stream it did not open.
struct Tls(TlsStream<TcpStream>);

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls")
    }
}

impl AsyncRead for Tls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Tls {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}
