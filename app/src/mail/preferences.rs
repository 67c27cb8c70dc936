//! Which notifications a person gets by mail: the kinds, their labels, the defaults of each
//! role, what a person may switch, and the server functions of the account page's section.

pub mod new_ticket;
pub mod section;

use crate::accounts::Role;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A kind of notification mail; the string is `mail_outbox.kind` and the preference's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The requester's receipt: the ticket's number and link.
    RequestReceived,
    /// A public reply by someone else, with its text.
    PublicReply,
    /// The ticket waits on the requester, or was resolved.
    StatusChanged,
    Closed,
    /// Staff: a new ticket (all, or urgent ones only: the site's setting).
    NewTicket,
    AssignedToMe,
    /// Staff: the client's side replied on a ticket assigned to them.
    RequesterReplied,
    /// Staff: a target of a ticket assigned to them is about to be missed.
    SlaWarning,
    SlaMissed,
    /// Managers: their organization's tickets, daily or weekly.
    Digest,
}

/// Who a kind is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client's people, about their tickets.
    Client,
    /// The provider's staff.
    Staff,
    /// A client organization's managers.
    Managers,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::RequestReceived,
        Kind::PublicReply,
        Kind::StatusChanged,
        Kind::Closed,
        Kind::NewTicket,
        Kind::AssignedToMe,
        Kind::RequesterReplied,
        Kind::SlaWarning,
        Kind::SlaMissed,
        Kind::Digest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RequestReceived => "request_received",
            Kind::PublicReply => "public_reply",
            Kind::StatusChanged => "status_changed",
            Kind::Closed => "closed",
            Kind::NewTicket => "new_ticket",
            Kind::AssignedToMe => "assigned_to_me",
            Kind::RequesterReplied => "requester_replied",
            Kind::SlaWarning => "sla_warning",
            Kind::SlaMissed => "sla_missed",
            Kind::Digest => "digest",
        }
    }

    pub fn parse(raw: &str) -> Result<Kind, String> {
        let raw = raw.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| format!("{raw:?} is no kind of notification."))
    }

    /// The checkbox's label on the account page.
    pub fn label(self) -> &'static str {
        match self {
            Kind::RequestReceived => "My request was received",
            Kind::PublicReply => "A reply on my request",
            Kind::StatusChanged => "My request waits on me, or was resolved",
            Kind::Closed => "My request was closed",
            Kind::NewTicket => "A new ticket was filed (all, or urgent only: the site's setting)",
            Kind::AssignedToMe => "A ticket was assigned to me",
            Kind::RequesterReplied => "The requester replied on a ticket assigned to me",
            Kind::SlaWarning => "A target of my ticket is about to be missed",
            Kind::SlaMissed => "A target of my ticket was missed",
            Kind::Digest => "A digest of my organization's tickets",
        }
    }

    pub fn side(self) -> Side {
        match self {
            Kind::RequestReceived | Kind::PublicReply | Kind::StatusChanged | Kind::Closed => {
                Side::Client
            }
            Kind::NewTicket
            | Kind::AssignedToMe
            | Kind::RequesterReplied
            | Kind::SlaWarning
            | Kind::SlaMissed => Side::Staff,
            Kind::Digest => Side::Managers,
        }
    }

    /// Whether someone with `role` can get this kind at all (and so may switch it).
    pub fn applies_to(self, role: Role) -> bool {
        match self.side() {
            Side::Client => !role.is_provider_staff(),
            Side::Staff => role.is_provider_staff(),
            Side::Managers => role == Role::Manager,
        }
    }

    /// On until switched off, for those it applies to; the digest is asked for.
    pub fn default_on(self, role: Role) -> bool {
        self.applies_to(role) && self != Kind::Digest
    }

    /// The kinds someone with `role` may switch, in the page's order.
    pub fn for_role(role: Role) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| k.applies_to(role))
    }
}

/// How often a manager's digest comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DigestFrequency {
    Daily,
    #[default]
    Weekly,
}

impl DigestFrequency {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestFrequency::Daily => "daily",
            DigestFrequency::Weekly => "weekly",
        }
    }

    pub fn parse(raw: &str) -> Result<DigestFrequency, String> {
        match raw.trim() {
            "daily" => Ok(DigestFrequency::Daily),
            "weekly" => Ok(DigestFrequency::Weekly),
            _ => Err("Choose daily or weekly.".into()),
        }
    }
}

/// Which new tickets mail the provider's staff: a setting of the whole installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NewTicketMail {
    All,
    /// Urgent tickets only: a burst of filed tickets does not flood every technician.
    #[default]
    Urgent,
    None,
}

impl NewTicketMail {
    pub const ALL: [NewTicketMail; 3] = [
        NewTicketMail::All,
        NewTicketMail::Urgent,
        NewTicketMail::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NewTicketMail::All => "all",
            NewTicketMail::Urgent => "urgent",
            NewTicketMail::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Result<NewTicketMail, String> {
        match raw.trim() {
            "all" => Ok(NewTicketMail::All),
            "urgent" => Ok(NewTicketMail::Urgent),
            "none" => Ok(NewTicketMail::None),
            _ => Err("Choose all, urgent or none.".into()),
        }
    }

    /// The radio button's label on the Mail page.
    pub fn label(self) -> &'static str {
        match self {
            NewTicketMail::All => "Every new ticket",
            NewTicketMail::Urgent => "Urgent tickets only (the default)",
            NewTicketMail::None => "No new tickets",
        }
    }
}

/// One switch as the account page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KindSetting {
    pub kind: Kind,
    pub label: String,
    pub enabled: bool,
}

/// A person's mail notifications: a switch per kind their role gets, whether they also hear
/// of colleagues' tickets their organization shares (client people), the digest's frequency
/// (managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationPreferences {
    pub kinds: Vec<KindSetting>,
    pub colleagues_tickets: bool,
    pub digest_frequency: DigestFrequency,
}

/// A change to one's preferences; what is left out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreferencesUpdate {
    /// Kind → on or off, e.g. `{"public_reply": false}`.
    #[serde(default)]
    pub kinds: std::collections::BTreeMap<String, bool>,
    #[serde(default)]
    pub colleagues_tickets: Option<bool>,
    #[serde(default)]
    pub digest_frequency: Option<String>,
}

/// A checked update: only kinds the person's role gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUpdate {
    pub kinds: Vec<(Kind, bool)>,
    pub colleagues_tickets: Option<bool>,
    pub digest_frequency: Option<DigestFrequency>,
}

impl PreferencesUpdate {
    /// Checks the update for someone with `role`.
    pub fn parse(&self, role: Role) -> Result<ValidUpdate, AppError> {
        let mut kinds = Vec::new();
        for (raw, on) in &self.kinds {
            let kind = Kind::parse(raw).map_err(|m| AppError::invalid("kinds", m))?;
            if !kind.applies_to(role) {
                return Err(AppError::invalid(
                    "kinds",
                    format!("{raw:?} is not sent to a {}.", role.label().to_lowercase()),
                ));
            }
            kinds.push((kind, *on));
        }
        if self.colleagues_tickets.is_some() && role.is_provider_staff() {
            return Err(AppError::invalid(
                "colleagues_tickets",
                "The provider's staff have no colleagues' tickets to follow.",
            ));
        }
        let digest_frequency = match self.digest_frequency.as_deref() {
            Some(raw) => Some(
                DigestFrequency::parse(raw)
                    .map_err(|m| AppError::invalid("digest_frequency", m))?,
            ),
            None => None,
        };
        Ok(ValidUpdate {
            kinds,
            colleagues_tickets: self.colleagues_tickets,
            digest_frequency,
        })
    }
}

/// What the unsubscribe page shows before the button is pressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsubscription {
    pub kind: Kind,
    pub email: String,
}

/// The server side of preferences and one-click unsubscribing.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;

    #[async_trait::async_trait]
    pub trait MailPreferences: Send + Sync {
        async fn preferences(&self, actor: &Actor) -> Result<NotificationPreferences, AppError>;
        async fn update(
            &self,
            actor: &Actor,
            update: &PreferencesUpdate,
        ) -> Result<NotificationPreferences, AppError>;
        /// Which kind and address `token` unsubscribes; `NotFound` for an unknown token.
        async fn unsubscription(&self, token: &str) -> Result<Unsubscription, AppError>;
        /// Turns off the kind `token` names, for its person, without signing in.
        async fn unsubscribe(&self, token: &str) -> Result<Unsubscription, AppError>;
        async fn new_ticket_mail(&self, actor: &Actor) -> Result<NewTicketMail, AppError>;
        async fn set_new_ticket_mail(
            &self,
            actor: &Actor,
            setting: NewTicketMail,
        ) -> Result<NewTicketMail, AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_string() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Ok(kind));
        }
        assert!(Kind::parse("invitation").is_err());
    }

    #[test]
    fn every_new_ticket_setting_reads_back_from_its_string_and_others_are_refused() {
        for setting in NewTicketMail::ALL {
            assert_eq!(NewTicketMail::parse(setting.as_str()), Ok(setting));
        }
        assert_eq!(NewTicketMail::default(), NewTicketMail::Urgent);
        assert!(NewTicketMail::parse("sometimes").is_err());
    }

    #[test]
    fn each_role_gets_the_kinds_of_its_side_and_the_digest_is_asked_for() {
        let requester: Vec<_> = Kind::for_role(Role::Requester).collect();
        assert_eq!(
            requester,
            [
                Kind::RequestReceived,
                Kind::PublicReply,
                Kind::StatusChanged,
                Kind::Closed
            ]
        );
        assert!(Kind::Digest.applies_to(Role::Manager));
        assert!(!Kind::Digest.default_on(Role::Manager));
        assert!(Kind::NewTicket.default_on(Role::Technician));
        assert!(!Kind::PublicReply.applies_to(Role::Admin));
    }

    #[test]
    fn an_update_refuses_a_kind_the_role_does_not_get() {
        let update = PreferencesUpdate {
            kinds: [("new_ticket".to_string(), false)].into(),
            ..PreferencesUpdate::default()
        };
        assert!(update.parse(Role::Requester).is_err());
        assert_eq!(
            update.parse(Role::Technician).unwrap().kinds,
            [(Kind::NewTicket, false)]
        );
    }
}
