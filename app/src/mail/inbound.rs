//! Mail read into tickets, as admins see it: each mailbox's status, messages held for an
//! admin to accept or reject, messages that could not be read, and the mail domains whose
//! unknown senders become requesters of an organization.

use crate::accounts::OrgId;
use crate::tickets::TicketId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub mod page;

/// A mailbox Deskside reads, with how its last attempts went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailboxStatus {
    /// The mailbox's address without its password, e.g. `imaps://help@mail.example:993/INBOX`.
    pub mailbox: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_error_at: Option<OffsetDateTime>,
}

/// A message read from a mailbox: held, or one that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboundMessage {
    pub id: i64,
    pub mailbox: String,
    pub from_address: String,
    pub from_name: String,
    pub subject: String,
    /// `filed`, `replied`, `ignored`, `held`, `rejected` or `problem`.
    pub outcome: String,
    /// Why it was held, ignored or could not be read.
    pub reason: Option<String>,
    /// What an admin should know about a message filed all the same.
    pub problem: Option<String>,
    pub ticket_id: Option<TicketId>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The person the sender's address belongs to, when it is someone's: a held message from
    /// them can only file in their own organization.
    #[serde(default)]
    pub sender: Option<KnownSender>,
}

/// The account a message's sender address belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KnownSender {
    pub name: String,
    pub org_id: OrgId,
    pub org_name: String,
    /// Active and a client's person: provider staff and deactivated people file nothing.
    pub can_file: bool,
}

/// A mail domain of a client organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrgDomain {
    pub domain: String,
    pub org_id: OrgId,
    pub org_name: String,
}

/// Everything the admin section shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboundOverview {
    pub mailboxes: Vec<MailboxStatus>,
    /// Waiting for an admin, oldest first.
    pub held: Vec<InboundMessage>,
    /// Messages that could not be read, or were filed with something to know; newest first.
    pub problems: Vec<InboundMessage>,
    /// Automatic mail that was recorded and ignored; newest first.
    pub ignored: Vec<InboundMessage>,
    pub domains: Vec<OrgDomain>,
    /// The client organizations a held message may be accepted into: (id, name).
    pub orgs: Vec<(OrgId, String)>,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;
    use crate::error::AppError;

    /// Mail read into tickets: admins only.
    #[async_trait::async_trait]
    pub trait Inbound: Send + Sync {
        async fn overview(&self, actor: &Actor) -> Result<InboundOverview, AppError>;
        /// Files the held message as a ticket of a requester of `org` (made for its sender
        /// when there is none); answers the new ticket's number.
        async fn accept(&self, actor: &Actor, id: i64, org: OrgId) -> Result<TicketId, AppError>;
        /// Drops the held message: no ticket, no answer.
        async fn reject(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
        async fn add_domain(
            &self,
            actor: &Actor,
            org: OrgId,
            domain: &str,
        ) -> Result<OrgDomain, AppError>;
        async fn remove_domain(&self, actor: &Actor, domain: &str) -> Result<(), AppError>;
    }
}
