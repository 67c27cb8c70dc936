//! Outgoing mail as the provider sees it: the relay's settings (never its password), the outbox
//! with each message's status and the relay's last answer, a test message, and what was sent
//! about one ticket. The backend trait is in `ssr`; the Mail page and the ticket's section in
//! `page`.

use crate::error::{AppError, Validator};
use crate::tickets::TicketId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub mod inbound;
pub mod page;
pub mod preferences;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MailStatus {
    /// Not delivered yet: due now, waiting to be tried again, or kept because no SMTP relay
    /// is configured.
    Queued,
    /// The relay accepted it.
    Sent,
    /// The relay refused it for good, or it could not be delivered for a day.
    Failed,
}

impl MailStatus {
    pub const ALL: [MailStatus; 3] = [MailStatus::Queued, MailStatus::Sent, MailStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<MailStatus> {
        MailStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            MailStatus::Queued => "Queued",
            MailStatus::Sent => "Delivered",
            MailStatus::Failed => "Failed",
        }
    }
}

/// The SMTP relay Deskside sends through, as admins may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SmtpSummary {
    pub host: String,
    pub port: u16,
    /// How the connection is protected, in words.
    pub tls: String,
    /// The account Deskside signs in to the relay with, if any.
    pub user: Option<String>,
}

/// How outgoing mail is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailSetup {
    /// The relay; `null` when none is configured, and messages stay in the outbox unsent.
    pub smtp: Option<SmtpSummary>,
    /// The sender of every message.
    pub from: String,
    /// The address replies go to (each ticket's as `local+token@domain`).
    pub reply_to: String,
}

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutboxEntry {
    pub id: i64,
    /// What kind of message: a notification kind, `invitation`, `password_reset`, `test`.
    pub kind: String,
    pub ticket_id: Option<TicketId>,
    pub to: String,
    pub subject: String,
    pub status: MailStatus,
    /// How many times delivery was started.
    pub attempts: i64,
    /// The relay's last answer, or why delivery failed.
    pub last_reply: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    /// When a queued message is tried next.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// It carries a sign-in link, so its text is not shown.
    pub sensitive: bool,
    /// The plain-text body; absent for sensitive messages and in a ticket's list.
    pub body_text: Option<String>,
}

/// How many messages are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

impl MailCounts {
    pub fn of(&self, status: MailStatus) -> i64 {
        match status {
            MailStatus::Queued => self.queued,
            MailStatus::Sent => self.sent,
            MailStatus::Failed => self.failed,
        }
    }
}

/// One page of the outbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutboxPage {
    pub entries: Vec<OutboxEntry>,
    pub counts: MailCounts,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The outbox's filter and page, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct OutboxParams {
    /// `queued`, `sent` or `failed`; empty for every message.
    pub status: Option<String>,
    /// A message id: only older messages (the previous page's `next_before`).
    pub before: Option<String>,
}

/// The outbox's filter and page, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxQuery {
    pub status: Option<MailStatus>,
    pub before: Option<i64>,
    pub limit: u32,
}

impl OutboxParams {
    pub const PAGE_SIZE: u32 = 50;

    pub fn parse(&self) -> Result<OutboxQuery, AppError> {
        let given = |raw: &Option<String>| {
            raw.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut v = Validator::new();
        let status = match given(&self.status) {
            None => Some(None),
            Some(raw) => v.check(
                "status",
                MailStatus::parse(&raw)
                    .map(Some)
                    .ok_or_else(|| "Choose queued, sent or failed.".to_string()),
            ),
        };
        let before = match given(&self.before) {
            None => Some(None),
            Some(raw) => v.check(
                "before",
                raw.parse::<i64>()
                    .map(Some)
                    .map_err(|_| "Use the page links.".to_string()),
            ),
        };
        v.finish(|| {
            Some(OutboxQuery {
                status: status?,
                before: before?,
                limit: Self::PAGE_SIZE,
            })
        })
    }
}

/// The address a test message goes to, checked like every address a person types.
pub fn parse_test_address(raw: &str) -> Result<String, AppError> {
    crate::accounts::Email::parse(raw)
        .map(|email| email.as_str().to_string())
        .map_err(|message| AppError::invalid("to", message))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;

    /// Outgoing mail: the setup, the outbox and test messages are the provider admins'; what
    /// was sent about a ticket is for provider staff (never the client's people: they must not
    /// learn who else was mailed).
    #[async_trait::async_trait]
    pub trait Mail: Send + Sync {
        async fn mail_setup(&self, actor: &Actor) -> Result<MailSetup, AppError>;
        async fn outbox(&self, actor: &Actor, query: OutboxQuery) -> Result<OutboxPage, AppError>;
        /// Writes a test message to `to` into the outbox, delivered like any other.
        async fn send_test(&self, actor: &Actor, to: &str) -> Result<OutboxEntry, AppError>;
        /// What was sent (or is waiting to be) about `ticket`, newest first.
        async fn ticket_mail(
            &self,
            actor: &Actor,
            ticket: TicketId,
        ) -> Result<Vec<OutboxEntry>, AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_filters_take_a_status_and_a_page_and_refuse_anything_else() {
        let q = OutboxParams {
            status: Some("failed".into()),
            before: Some(" 40 ".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(q.status, Some(MailStatus::Failed));
        assert_eq!(q.before, Some(40));
        assert_eq!(OutboxParams::default().parse().unwrap().status, None);
        let err = OutboxParams {
            status: Some("lost".into()),
            before: Some("x".into()),
        }
        .parse()
        .unwrap_err();
        assert!(err.field("status").is_some());
        assert!(err.field("before").is_some());
    }

    #[test]
    fn a_test_address_must_look_like_one() {
        assert_eq!(
            parse_test_address(" Me@Example.com ").unwrap(),
            "me@example.com"
        );
        let err = parse_test_address("not an address").unwrap_err();
        assert!(err.field("to").is_some());
    }
}
