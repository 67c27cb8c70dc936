//! Mail read into tickets: the IMAP settings and mailboxes (`--imap-mailbox`), and the
//! reader that files what arrives (`reader`), by the rules in `decide`, through `filing`.

pub mod admin;
pub mod connect;
pub mod decide;
pub mod filing;
pub mod message;
pub mod oauth;
pub mod reader;

use secrecy::SecretString;
use std::path::PathBuf;

/// How Deskside reads its mailboxes.
#[derive(Debug, Clone, clap::Args)]
pub struct ImapSettings {
    /// A mailbox to read, repeatable: `imaps://user@host:993/INBOX`,
    /// `imap://user@host:143/INBOX?tls=starttls`, `imap://user@127.0.0.1:1143/INBOX?tls=none`
    /// (no TLS on loopback only). `?auth=xoauth2` signs in with OAuth2 (Microsoft 365,
    /// Google); `?password_env=NAME` reads this mailbox's password from the variable NAME.
    #[arg(
        long = "imap-mailbox",
        env = "DESKSIDE_IMAP_MAILBOXES",
        value_delimiter = ','
    )]
    pub imap_mailboxes: Vec<String>,

    /// The password of the mailboxes without a `password_env` of their own.
    #[arg(long, env = "DESKSIDE_IMAP_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub imap_password: Option<SecretString>,

    /// A PEM file of extra root certificates to trust (a private CA, a self-signed server).
    #[arg(long, env = "DESKSIDE_IMAP_CA_FILE")]
    pub imap_ca_file: Option<PathBuf>,

    /// OAuth2 token endpoint, e.g.
    /// `https://login.microsoftonline.com/TENANT/oauth2/v2.0/token` or
    /// `https://oauth2.googleapis.com/token`.
    #[arg(long, env = "DESKSIDE_IMAP_OAUTH_TOKEN_URL")]
    pub imap_oauth_token_url: Option<String>,

    #[arg(long, env = "DESKSIDE_IMAP_OAUTH_CLIENT_ID")]
    pub imap_oauth_client_id: Option<String>,

    #[arg(long, env = "DESKSIDE_IMAP_OAUTH_CLIENT_SECRET", hide_env_values = true, value_parser = secret)]
    pub imap_oauth_client_secret: Option<SecretString>,

    /// The refresh token the mailbox's owner granted; access tokens are fetched with it.
    #[arg(long, env = "DESKSIDE_IMAP_OAUTH_REFRESH_TOKEN", hide_env_values = true, value_parser = secret)]
    pub imap_oauth_refresh_token: Option<SecretString>,

    /// How often a mailbox whose server offers no IDLE is looked at, in seconds.
    #[arg(long, env = "DESKSIDE_IMAP_POLL_SECS", default_value_t = 60)]
    pub imap_poll_secs: u64,

    /// The largest message read, in megabytes; a bigger one becomes an entry on the Mail page.
    #[arg(long, env = "DESKSIDE_IMAP_MAX_MESSAGE_MB", default_value_t = 25)]
    pub imap_max_message_mb: u64,

    /// How many new tickets one sender may file by mail in an hour; more are held.
    #[arg(
        long,
        env = "DESKSIDE_IMAP_SENDER_TICKETS_PER_HOUR",
        default_value_t = 20
    )]
    pub imap_sender_tickets_per_hour: u32,

    /// Crash points tests set; never from the command line.
    #[arg(skip)]
    pub test_hooks: reader::TestHooks,
}

fn secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw.to_string()))
}

impl Default for ImapSettings {
    fn default() -> Self {
        ImapSettings {
            imap_mailboxes: Vec::new(),
            imap_password: None,
            imap_ca_file: None,
            imap_oauth_token_url: None,
            imap_oauth_client_id: None,
            imap_oauth_client_secret: None,
            imap_oauth_refresh_token: None,
            imap_poll_secs: 60,
            imap_max_message_mb: 25,
            imap_sender_tickets_per_hour: 20,
            test_hooks: reader::TestHooks::default(),
        }
    }
}

/// How a mailbox's connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// TLS from the first byte (`imaps://`, port 993).
    Implicit,
    /// Plain, then `STARTTLS` before signing in.
    StartTls,
    /// None at all: loopback only, for a local test server.
    None,
}

/// How a mailbox signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Password,
    XOAuth2,
}

/// One mailbox to read, from its `--imap-mailbox` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxAddress {
    /// The address as shown (never with a password).
    pub label: String,
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub auth: Auth,
    pub user: String,
    pub folder: String,
    /// The environment variable holding this mailbox's password, if not the shared one.
    pub password_env: Option<String>,
}

impl MailboxAddress {
    /// Reads an `imap://` or `imaps://` address; says what is wrong with a bad one.
    pub fn parse(raw: &str) -> Result<MailboxAddress, String> {
        // The address as shown in an error: never with a password someone put in it.
        let shown = match url::Url::parse(raw.trim()) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(None);
                url.to_string()
            }
            Ok(_) => raw.trim().to_string(),
            Err(_) => "(unreadable address)".to_string(),
        };
        let bad = |why: &str| format!("--imap-mailbox {shown:?}: {why}");
        let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        let implicit = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            _ => return Err(bad("use imaps:// or imap://")),
        };
        if url.password().is_some() {
            return Err(bad(
                "put the password in --imap-password or ?password_env=NAME, not in the address",
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("the address names no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let user = percent_encoding::percent_decode_str(url.username())
            .decode_utf8_lossy()
            .to_string();
        if user.is_empty() {
            return Err(bad("name the mailbox's user: imaps://user@host/INBOX"));
        }
        let mut tls = if implicit {
            Tls::Implicit
        } else {
            Tls::StartTls
        };
        let mut auth = Auth::Password;
        let mut password_env = None;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "starttls") if !implicit => tls = Tls::StartTls,
                ("tls", "none") if !implicit => tls = Tls::None,
                ("tls", "implicit") => tls = Tls::Implicit,
                ("auth", "password") => auth = Auth::Password,
                ("auth", "xoauth2") => auth = Auth::XOAuth2,
                ("password_env", name) if !name.is_empty() => password_env = Some(name.to_string()),
                (key, value) => return Err(bad(&format!("unknown option {key}={value}"))),
            }
        }
        if tls == Tls::None && !is_loopback(&host) {
            return Err(bad(
                "tls=none is allowed for a loopback server only; use imaps:// or tls=starttls",
            ));
        }
        let port = url
            .port()
            .unwrap_or(if tls == Tls::Implicit { 993 } else { 143 });
        let folder = percent_encoding::percent_decode_str(url.path().trim_start_matches('/'))
            .decode_utf8_lossy()
            .to_string();
        let folder = if folder.is_empty() {
            "INBOX".to_string()
        } else {
            folder
        };
        let scheme = if implicit { "imaps" } else { "imap" };
        let shown_host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        Ok(MailboxAddress {
            label: format!("{scheme}://{user}@{shown_host}:{port}/{folder}"),
            host,
            port,
            tls,
            auth,
            user,
            folder,
            password_env,
        })
    }
}

/// Starts a reader for each configured mailbox and answers the admin service; refuses bad
/// settings at startup with the reason. Attachments are held to `max_file_bytes`, the
/// portal's limit.
pub fn start(
    settings: &ImapSettings,
    db: &crate::db::Db,
    tickets: &std::sync::Arc<crate::tickets::TicketsService>,
    addresses: &std::sync::Arc<crate::mail::Addresses>,
    max_file_bytes: usize,
) -> Result<std::sync::Arc<admin::InboundService>, String> {
    let filer = std::sync::Arc::new(filing::Filer::new(
        db.clone(),
        tickets.clone(),
        addresses.clone(),
        settings.imap_sender_tickets_per_hour,
        max_file_bytes,
    ));
    let labels = reader::spawn_all(settings, filer.clone())?;
    Ok(std::sync::Arc::new(admin::InboundService::new(
        filer, labels,
    )))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl ImapSettings {
    /// Every configured mailbox, checked at startup.
    pub fn mailboxes(&self) -> Result<Vec<MailboxAddress>, String> {
        let mailboxes: Vec<MailboxAddress> = self
            .imap_mailboxes
            .iter()
            .filter(|m| !m.trim().is_empty())
            .map(|m| MailboxAddress::parse(m))
            .collect::<Result<_, _>>()?;
        if mailboxes.iter().any(|m| m.auth == Auth::XOAuth2)
            && (self.imap_oauth_token_url.is_none()
                || self.imap_oauth_client_id.is_none()
                || self.imap_oauth_refresh_token.is_none())
        {
            return Err(
                "a mailbox signs in with auth=xoauth2: set --imap-oauth-token-url, \
                 --imap-oauth-client-id and --imap-oauth-refresh-token"
                    .into(),
            );
        }
        if let Some(url) = &self.imap_oauth_token_url
            && !url.starts_with("https://")
            && !url.starts_with("http://127.0.0.1")
            && !url.starts_with("http://localhost")
        {
            return Err(format!(
                "--imap-oauth-token-url {url:?}: use an https:// address"
            ));
        }
        Ok(mailboxes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_addresses_read_their_parts_and_defaults() {
        let m = MailboxAddress::parse("imaps://help%40acme.example@mail.example/INBOX").unwrap();
        assert_eq!(m.user, "help@acme.example");
        assert_eq!(
            (m.host.as_str(), m.port, m.tls),
            ("mail.example", 993, Tls::Implicit)
        );
        assert_eq!(m.folder, "INBOX");
        assert_eq!(m.auth, Auth::Password);
        assert_eq!(m.label, "imaps://help@acme.example@mail.example:993/INBOX");

        let m = MailboxAddress::parse("imap://u@mail.example/Support?tls=starttls&auth=xoauth2")
            .unwrap();
        assert_eq!((m.port, m.tls, m.auth), (143, Tls::StartTls, Auth::XOAuth2));
        assert_eq!(m.folder, "Support");

        let m = MailboxAddress::parse("imap://u@127.0.0.1:1143/INBOX?tls=none&password_env=PW")
            .unwrap();
        assert_eq!((m.port, m.tls), (1143, Tls::None));
        assert_eq!(m.password_env.as_deref(), Some("PW"));
    }

    #[test]
    fn unsafe_or_broken_mailbox_addresses_are_refused_with_the_reason() {
        for (raw, says) in [
            ("imap://u@mail.example/INBOX?tls=none", "loopback"),
            ("imaps://u:secret@mail.example/INBOX", "password"),
            ("pop3://u@mail.example", "imaps://"),
            ("imaps://mail.example/INBOX", "user"),
            ("imaps://u@mail.example/INBOX?x=y", "unknown"),
        ] {
            let err = MailboxAddress::parse(raw).unwrap_err();
            assert!(err.contains(says), "{raw}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
    }

    #[test]
    fn xoauth2_needs_its_token_settings() {
        let settings = ImapSettings {
            imap_mailboxes: vec!["imaps://u@mail.example/INBOX?auth=xoauth2".into()],
            ..ImapSettings::default()
        };
        assert!(settings.mailboxes().unwrap_err().contains("oauth"));
    }
}
