//! SMTP settings: the relay Deskside hands its outgoing mail to, how it talks to it (TLS,
//! sign-in, an extra trusted root), checked once at startup; `pool` keeps the connections to it.

pub mod pool;

use lettre::transport::smtp::client::Certificate;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::time::Duration;

/// The SMTP relay, as flags and environment variables name it. Without `--smtp-url` nothing is
/// sent: messages stay in the outbox, where admins read them on the Mail page.
#[derive(Debug, Clone, clap::Args)]
pub struct SmtpSettings {
    /// The SMTP relay: `smtp://host:587?tls=required` (STARTTLS), `smtps://host:465`
    /// (TLS from the first byte), `smtp://127.0.0.1:2525` (plain, for a relay on this machine
    /// only). Unset: mail is kept in the outbox, unsent.
    #[arg(long, env = "DESKSIDE_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The account to sign in to the relay with.
    #[arg(long, env = "DESKSIDE_SMTP_USER")]
    pub smtp_user: Option<String>,

    /// The password (or app password) for `--smtp-user`. Prefer the environment variable: a
    /// flag shows in the process list.
    #[arg(long, env = "DESKSIDE_SMTP_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub smtp_password: Option<SecretString>,

    /// A PEM file of certificates to trust besides the public roots, for a relay whose
    /// certificate an internal authority issued.
    #[arg(long, env = "DESKSIDE_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,

    /// Seconds to wait for the relay to connect or answer a command before trying again later.
    #[arg(long, env = "DESKSIDE_SMTP_TIMEOUT_SECS", default_value_t = 30)]
    pub smtp_timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            smtp_url: None,
            smtp_user: None,
            smtp_password: None,
            smtp_ca_file: None,
            smtp_timeout_secs: 30,
        }
    }
}

/// `raw` with any password in its user part blanked, for error messages.
fn without_password(raw: &str) -> String {
    if let Some((scheme, rest)) = raw.split_once("://") {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if let Some((userinfo, host)) = authority.rsplit_once('@')
            && let Some((user, _)) = userinfo.split_once(':')
        {
            return format!("{scheme}://{user}:***@{host}{tail}");
        }
    }
    raw.to_string()
}

fn secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw))
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// `?tls=required`: STARTTLS, refusing to go on without it (port 587).
    StartTls,
    /// `?tls=opportunistic`: STARTTLS when offered, plain otherwise.
    Opportunistic,
    /// Plain text: only for a relay on this machine or a trusted network.
    None,
}

impl TlsMode {
    /// How the Mail page names it.
    pub fn label(self) -> &'static str {
        match self {
            TlsMode::Implicit => "TLS (smtps)",
            TlsMode::StartTls => "STARTTLS, required",
            TlsMode::Opportunistic => "STARTTLS when offered",
            TlsMode::None => "none (plain text)",
        }
    }
}

/// A relay, checked: where it is, how to reach it, who to sign in as.
#[derive(Debug, Clone)]
pub struct SmtpRelay {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    password: Option<SecretString>,
    /// The extra root certificates' PEM, read at startup so a missing file stops the start.
    extra_roots: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl SmtpRelay {
    /// The relay `settings` name, or `None` when no `--smtp-url` is given. A mistake (a bad
    /// URL, an unreadable CA file) is an error naming the flag, so the server does not start
    /// with mail silently going nowhere.
    pub fn from_settings(settings: &SmtpSettings) -> Result<Option<SmtpRelay>, String> {
        let Some(raw) = settings
            .smtp_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        let shown = without_password(raw);
        let bad = |why: &str| format!("--smtp-url {shown:?}: {why}");
        let url = url::Url::parse(raw).map_err(|err| bad(&err.to_string()))?;
        if url.password().is_some() {
            // A password in the URL would be printed wherever the URL is (logs, the Mail page).
            // Nor is it repeated in this message.
            return Err(
                "--smtp-url: put the password in DESKSIDE_SMTP_PASSWORD (or \
                        --smtp-password), not in the URL"
                    .into(),
            );
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("name the relay's host, e.g. smtp://mail.example.com:587"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tls_query = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        let (tls, default_port) = match (url.scheme(), tls_query.as_deref()) {
            ("smtps", None | Some("wrapper")) => (TlsMode::Implicit, 465),
            ("smtp", Some("required")) => (TlsMode::StartTls, 587),
            ("smtp", Some("opportunistic")) => (TlsMode::Opportunistic, 587),
            ("smtp", None | Some("none")) => (TlsMode::None, 25),
            (scheme, tls) => {
                return Err(bad(&format!(
                    "unknown scheme {scheme:?} or tls={tls:?}; use smtps://, \
                     smtp://…?tls=required, smtp://…?tls=opportunistic or smtp://"
                )));
            }
        };
        let user = settings
            .smtp_user
            .clone()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| {
                let name = url.username();
                (!name.is_empty()).then(|| {
                    percent_encoding::percent_decode_str(name)
                        .decode_utf8_lossy()
                        .into_owned()
                })
            });
        let password = settings
            .smtp_password
            .clone()
            .filter(|p| !p.expose_secret().is_empty());
        if password.is_some() && user.is_none() {
            return Err("--smtp-password is set but --smtp-user is not".into());
        }
        let extra_roots = match &settings.smtp_ca_file {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|err| format!("--smtp-ca-file {}: {err}", path.display()))?;
                Certificate::from_pem(&pem).map_err(|err| {
                    format!(
                        "--smtp-ca-file {}: not PEM certificates: {err}",
                        path.display()
                    )
                })?;
                Some(pem)
            }
            None => None,
        };
        Ok(Some(SmtpRelay {
            host,
            port: url.port().unwrap_or(default_port),
            tls,
            user,
            password,
            extra_roots,
            timeout: Duration::from_secs(settings.smtp_timeout_secs.max(1)),
        }))
    }

    /// What the Mail page shows about the relay: never the password.
    pub fn summary(&self) -> app::mail::SmtpSummary {
        app::mail::SmtpSummary {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls.label().to_string(),
            user: self.user.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(url: &str) -> Result<Option<SmtpRelay>, String> {
        SmtpRelay::from_settings(&SmtpSettings {
            smtp_url: Some(url.into()),
            ..SmtpSettings::default()
        })
    }

    #[test]
    fn the_three_url_forms_give_their_tls_mode_and_default_port() {
        let starttls = relay("smtp://mail.example.com?tls=required")
            .unwrap()
            .unwrap();
        assert_eq!((starttls.tls, starttls.port), (TlsMode::StartTls, 587));
        let implicit = relay("smtps://mail.example.com").unwrap().unwrap();
        assert_eq!((implicit.tls, implicit.port), (TlsMode::Implicit, 465));
        let plain = relay("smtp://127.0.0.1:2525").unwrap().unwrap();
        assert_eq!((plain.tls, plain.port), (TlsMode::None, 2525));
        assert_eq!(plain.host, "127.0.0.1");
    }

    #[test]
    fn no_url_means_not_configured() {
        assert!(relay("").unwrap().is_none());
        assert!(
            SmtpRelay::from_settings(&SmtpSettings::default())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_password_in_the_url_or_an_unknown_scheme_is_refused_with_the_flag_named() {
        let err = relay("smtp://me:secret@mail.example.com").unwrap_err();
        assert!(err.contains("DESKSIDE_SMTP_PASSWORD"), "{err}");
        assert!(!err.contains("secret@"), "{err}");
        let err = relay("smtp://me:secret@[bad host/").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
        let err = relay("http://mail.example.com").unwrap_err();
        assert!(err.contains("--smtp-url"), "{err}");
        assert!(relay("smtp://mail.example.com?tls=maybe").is_err());
    }

    #[test]
    fn the_password_never_shows_in_debug_output_or_the_summary() {
        let settings = SmtpSettings {
            smtp_url: Some("smtp://mail.example.com?tls=required".into()),
            smtp_user: Some("desk@example.com".into()),
            smtp_password: Some(SecretString::from("hunter2-very-secret")),
            ..SmtpSettings::default()
        };
        let relay = SmtpRelay::from_settings(&settings).unwrap().unwrap();
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert!(!format!("{relay:?}").contains("hunter2"));
        let summary = relay.summary();
        assert_eq!(summary.user.as_deref(), Some("desk@example.com"));
        assert!(!format!("{summary:?}").contains("hunter2"));
    }

    #[test]
    fn a_missing_ca_file_stops_the_start() {
        let err = SmtpRelay::from_settings(&SmtpSettings {
            smtp_url: Some("smtps://mail.example.com".into()),
            smtp_ca_file: Some("/nonexistent/ca.pem".into()),
            ..SmtpSettings::default()
        })
        .unwrap_err();
        assert!(err.contains("--smtp-ca-file"), "{err}");
    }
}
