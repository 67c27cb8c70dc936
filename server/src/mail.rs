//! Email, both ways: the addresses Deskside writes from and reads replies at, the outbox's
//! sender (`outbox`), the notifications planned from live events (`notify`), and the
//! mailboxes read into tickets (`inbound`).

pub mod inbound;
pub mod notify;
pub mod outbox;
pub mod preferences;
pub mod render;
pub mod service;
pub mod smtp;
pub mod tls;

use lettre::message::Mailbox;
use std::str::FromStr;

/// Mail settings shared by both directions; SMTP and IMAP have their own below.
#[derive(Debug, Clone, clap::Args)]
pub struct MailSettings {
    /// Who Deskside's mail comes from, e.g. `IT Help <help@example.com>`. Replies go to this
    /// address with the ticket's token after a `+` (help+token@example.com), so the mailbox
    /// Deskside reads should receive that (plus-addressing; Microsoft 365, Google and Dovecot
    /// do), unless `--mail-reply-to` names another.
    #[arg(
        long,
        env = "DESKSIDE_MAIL_FROM",
        default_value = "Deskside <deskside@localhost>"
    )]
    pub mail_from: String,

    /// The address replies are written to (its `+token` form), when not the sender's.
    #[arg(long, env = "DESKSIDE_MAIL_REPLY_TO")]
    pub mail_reply_to: Option<String>,

    #[command(flatten)]
    pub smtp: smtp::SmtpSettings,

    #[command(flatten)]
    pub imap: inbound::ImapSettings,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            mail_from: "Deskside <deskside@localhost>".into(),
            mail_reply_to: None,
            imap: inbound::ImapSettings::default(),
            smtp: smtp::SmtpSettings::default(),
        }
    }
}

/// The addresses of Deskside's mail, checked once at startup.
#[derive(Debug, Clone)]
pub struct Addresses {
    pub from: Mailbox,
    /// The address whose `+token` form a ticket's replies go to.
    pub reply_base: Mailbox,
}

impl Addresses {
    pub fn new(settings: &MailSettings) -> Result<Addresses, String> {
        let from = Mailbox::from_str(settings.mail_from.trim())
            .map_err(|err| format!("--mail-from {:?}: {err}", settings.mail_from))?;
        let reply_base = match &settings.mail_reply_to {
            Some(raw) => Mailbox::from_str(raw.trim())
                .map_err(|err| format!("--mail-reply-to {raw:?}: {err}"))?,
            None => from.clone(),
        };
        Ok(Addresses { from, reply_base })
    }

    /// The domain our Message-IDs end in.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }

    /// A new Message-ID of ours (without angle brackets): `deskside.<what>.<random>@domain`.
    /// `what` names its subject (`t42` for a ticket) so a reader of raw mail can tell.
    pub fn message_id(&self, what: &str) -> String {
        use rand::Rng;
        let random: u64 = rand::thread_rng().r#gen();
        format!("deskside.{what}.{random:016x}@{}", self.domain())
    }

    /// Whether `message_id` (with or without angle brackets) is one Deskside made.
    pub fn is_ours(&self, message_id: &str) -> bool {
        let id = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        id.starts_with("deskside.")
            && id
                .rsplit_once('@')
                .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(self.domain()))
    }

    /// The address replies about a ticket go to: the reply base with `+token`.
    pub fn reply_address(&self, token: &str) -> Mailbox {
        let email = &self.reply_base.email;
        let address = format!("{}+{token}@{}", email.user(), email.domain());
        Mailbox::new(
            self.reply_base.name.clone(),
            address.parse().unwrap_or_else(|_| email.clone()),
        )
    }

    /// The reply token in `address` (`help+token@domain`), when it is our reply base's.
    pub fn reply_token<'a>(&self, address: &'a str) -> Option<&'a str> {
        let (local, domain) = address.trim().rsplit_once('@')?;
        let (user, token) = local.split_once('+')?;
        let base = &self.reply_base.email;
        (user.eq_ignore_ascii_case(base.user())
            && domain.eq_ignore_ascii_case(base.domain())
            && !token.is_empty()
            && token.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(from: &str) -> Addresses {
        Addresses::new(&MailSettings {
            mail_from: from.into(),
            ..MailSettings::default()
        })
        .unwrap()
    }

    #[test]
    fn a_reply_address_carries_the_token_and_reads_back() {
        let a = addresses("IT Help <help@example.com>");
        let reply = a.reply_address("abc234xyz");
        assert_eq!(reply.email.to_string(), "help+abc234xyz@example.com");
        assert_eq!(reply.name.as_deref(), Some("IT Help"));
        assert_eq!(
            a.reply_token("HELP+abc234xyz@Example.com"),
            Some("abc234xyz")
        );
        assert_eq!(a.reply_token("help@example.com"), None);
        assert_eq!(a.reply_token("other+abc@example.com"), None);
        assert_eq!(a.reply_token("help+abc@elsewhere.com"), None);
        assert_eq!(a.reply_token("help+a.b@example.com"), None);
    }

    #[test]
    fn our_message_ids_are_told_from_others() {
        let a = addresses("help@example.com");
        let id = a.message_id("t42");
        assert!(id.starts_with("deskside.t42."));
        assert!(id.ends_with("@example.com"));
        assert!(a.is_ours(&id));
        assert!(a.is_ours(&format!("<{id}>")));
        assert!(!a.is_ours("deskside.t42.1@elsewhere.com"));
        assert!(!a.is_ours("CAF=abc@mail.gmail.com"));
        assert_ne!(id, a.message_id("t42"));
    }

    #[test]
    fn a_bad_sender_address_is_refused_with_the_flag_named() {
        let err = Addresses::new(&MailSettings {
            mail_from: "not an address".into(),
            ..MailSettings::default()
        })
        .unwrap_err();
        assert!(err.contains("--mail-from"), "{err}");
    }
}
