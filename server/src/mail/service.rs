//! Who may see and do what about outgoing mail: the setup, the outbox and test messages are
//! the provider admins'; what was sent about a ticket is provider staff's, never the client's
//! people's (they must not learn who else was mailed).

use super::Addresses;
use crate::db::Db;
use crate::db::mail::NewMail;
use app::accounts::Actor;
use app::error::AppError;
use app::mail::{MailSetup, OutboxEntry, OutboxPage, OutboxQuery, SmtpSummary, ssr::Mail};
use app::tickets::TicketId;
use std::sync::Arc;
use tokio::sync::Notify;

pub struct MailService {
    db: Db,
    addresses: Arc<Addresses>,
    /// The relay as admins may see it; `None` when mail stays in the outbox.
    relay: Option<SmtpSummary>,
    /// Wakes the sender for a message written here.
    wake: Arc<Notify>,
}

impl MailService {
    pub fn new(
        db: Db,
        addresses: Arc<Addresses>,
        relay: Option<SmtpSummary>,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            db,
            addresses,
            relay,
            wake,
        }
    }
}

fn admins_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The test message's text, plain and HTML.
fn test_message(actor: &Actor, setup: &str) -> (String, String) {
    let text = format!(
        "This is a test message from Deskside, sent by {name} from the Mail page.\n\n\
         If you are reading it, mail from Deskside reaches this address.\n\n{setup}\n",
        name = actor.name,
    );
    let html = format!(
        "<p>This is a test message from Deskside, sent by {name} from the Mail page.</p>\
         <p>If you are reading it, mail from Deskside reaches this address.</p><p>{setup}</p>",
        name = ammonia::clean_text(&actor.name),
        setup = ammonia::clean_text(setup),
    );
    (text, html)
}

#[async_trait::async_trait]
impl Mail for MailService {
    #[tracing::instrument(skip_all)]
    async fn mail_setup(&self, actor: &Actor) -> Result<MailSetup, AppError> {
        admins_only(actor)?;
        Ok(MailSetup {
            smtp: self.relay.clone(),
            from: self.addresses.from.to_string(),
            reply_to: self.addresses.reply_base.to_string(),
        })
    }

    #[tracing::instrument(skip_all)]
    async fn outbox(&self, actor: &Actor, query: OutboxQuery) -> Result<OutboxPage, AppError> {
        admins_only(actor)?;
        self.db.outbox_page(query).await
    }

    #[tracing::instrument(skip_all)]
    async fn send_test(&self, actor: &Actor, to: &str) -> Result<OutboxEntry, AppError> {
        admins_only(actor)?;
        let to = app::mail::parse_test_address(to)?;
        // The shared check is lenient; the address must also be one SMTP can carry.
        to.parse::<lettre::Address>().map_err(|_| {
            AppError::invalid("to", "Enter an email address like name@example.com.")
        })?;
        let setup = match &self.relay {
            Some(relay) => format!(
                "Sent through {}:{} ({}).",
                relay.host, relay.port, relay.tls
            ),
            None => "No SMTP server is configured: this message stays in the outbox.".into(),
        };
        let (text, html) = test_message(actor, &setup);
        let mail = NewMail {
            kind: "test".into(),
            account: Some(actor.user_id),
            to,
            subject: "Deskside test message".into(),
            text,
            html,
            message_id: self.addresses.message_id("test"),
            ..NewMail::default()
        };
        let id = self
            .db
            .enqueue_mail(&mail)
            .await?
            .ok_or_else(|| AppError::conflict("That test message is already in the outbox."))?;
        self.wake.notify_one();
        self.db.outbox_entry(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn ticket_mail(
        &self,
        actor: &Actor,
        ticket: TicketId,
    ) -> Result<Vec<OutboxEntry>, AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::NotFound);
        }
        self.db
            .mail_of_ticket(ticket)
            .await?
            .ok_or(AppError::NotFound)
    }
}
