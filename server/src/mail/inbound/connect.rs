//! Opening a mailbox: TCP, TLS (implicit or STARTTLS, with Mozilla's roots and an optional
//! extra PEM root), the server's greeting, and signing in with a password or XOAUTH2.

use super::{Auth, MailboxAddress, Tls};
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;

/// A connection to an IMAP server, encrypted or (loopback only) not.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

pub type Session = async_imap::Session<Box<dyn Io>>;

/// How long connecting, the TLS handshake and signing in may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The TLS settings every mailbox uses: Mozilla's roots, and those in `ca_file`.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    let Some(path) = ca_file else {
        return crate::mail::tls::client_config(None);
    };
    let flag = format!("--imap-ca-file {}", path.display());
    let pem = std::fs::read(path).map_err(|err| format!("{flag}: {err}"))?;
    crate::mail::tls::client_config(Some((&flag, &pem)))
}

/// What signing in needs: a password, or an OAuth2 access token.
pub enum Secret {
    Password(SecretString),
    AccessToken(SecretString),
}

/// Connects to `mailbox` and signs in.
pub async fn open(
    mailbox: &MailboxAddress,
    tls: &Arc<ClientConfig>,
    secret: Secret,
) -> Result<Session, String> {
    tokio::time::timeout(CONNECT_TIMEOUT, open_unbounded(mailbox, tls, secret))
        .await
        .map_err(|_| format!("no answer within {} seconds", CONNECT_TIMEOUT.as_secs()))?
}

async fn open_unbounded(
    mailbox: &MailboxAddress,
    tls: &Arc<ClientConfig>,
    secret: Secret,
) -> Result<Session, String> {
    let tcp = TcpStream::connect((mailbox.host.as_str(), mailbox.port))
        .await
        .map_err(|err| format!("cannot connect to {}:{}: {err}", mailbox.host, mailbox.port))?;
    let server_name = rustls_pki_types::ServerName::try_from(mailbox.host.clone())
        .map_err(|err| format!("{}: {err}", mailbox.host))?;
    let connector = TlsConnector::from(tls.clone());
    let handshake = |err: std::io::Error| format!("TLS with {}: {err}", mailbox.host);
    let stream: Box<dyn Io> = match mailbox.tls {
        Tls::Implicit => Box::new(
            connector
                .connect(server_name, tcp)
                .await
                .map_err(handshake)?,
        ),
        Tls::StartTls => {
            let mut plain = async_imap::Client::new(tcp);
            greeting(&mut plain).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|err| format!("STARTTLS refused: {err}"))?;
            Box::new(
                connector
                    .connect(server_name, plain.into_inner())
                    .await
                    .map_err(handshake)?,
            )
        }
        Tls::None => Box::new(tcp),
    };
    let mut client = async_imap::Client::new(stream);
    if mailbox.tls != Tls::StartTls {
        greeting(&mut client).await?;
    }
    let signed_in = match (mailbox.auth, secret) {
        (Auth::Password, Secret::Password(password)) => {
            client.login(&mailbox.user, password.expose_secret()).await
        }
        (Auth::XOAuth2, Secret::AccessToken(token)) => {
            client
                .authenticate(
                    "XOAUTH2",
                    XOAuth2 {
                        user: mailbox.user.clone(),
                        token,
                    },
                )
                .await
        }
        _ => return Err("the mailbox's sign-in and its secret do not match".into()),
    };
    // The server's answer says why signing in failed; it never echoes the secret.
    signed_in.map_err(|(err, _)| format!("signing in as {} failed: {err}", mailbox.user))
}

async fn greeting<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug>(
    client: &mut async_imap::Client<T>,
) -> Result<(), String> {
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the server closed the connection before greeting".into()),
        Err(err) => Err(format!("reading the server's greeting: {err}")),
    }
}

/// SASL XOAUTH2 (Google, Microsoft 365): the user and a bearer token.
struct XOAuth2 {
    user: String,
    token: SecretString,
}

impl async_imap::Authenticator for XOAuth2 {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        format!(
            "user={}\x01auth=Bearer {}\x01\x01",
            self.user,
            self.token.expose_secret()
        )
    }
}
