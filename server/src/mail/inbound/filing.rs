//! What a message read from a mailbox becomes, written once: a new ticket or a reply (through
//! the same service functions the portal uses, with the message recorded in the same
//! transaction), or a recorded message that files nothing: ignored, held or a problem.

use super::decide;
use super::message::{self, Incoming};
use crate::db::Db;
use crate::db::mail_inbound::{InboundMark, NewInbound};
use crate::mail::Addresses;
use crate::tickets::TicketsService;
use app::accounts::{Actor, Email, OrgId, OrgKind, PersonName, Role, User};
use app::error::AppError;
use app::tickets::{Body, NewTicket, Priority, Subject, TicketId, ssr::Upload};
use std::sync::Arc;

/// The password hash of an account made for a sender: none yet, as for an invited person, so
/// signing in answers as a wrong password does until they set one (an invitation an admin
/// sends them, or "Forgot your password?"), and the people pages list them as invited.
pub const NO_PASSWORD: &str = "";

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Filed(TicketId),
    Replied(TicketId),
    Ignored(String),
    Held(String),
    Problem(String),
    /// Recorded before (read again after a crash, or delivered twice): nothing to do.
    AlreadyRead,
}

/// Files messages.
pub struct Filer {
    db: Db,
    tickets: Arc<TicketsService>,
    addresses: Arc<Addresses>,
    tickets_per_hour: u32,
    max_file_bytes: usize,
    /// One message decided and filed at a time, across every mailbox's reader: the hourly
    /// limit is counted and then filed against, and two readers at once could both pass it.
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl Filer {
    pub fn new(
        db: Db,
        tickets: Arc<TicketsService>,
        addresses: Arc<Addresses>,
        tickets_per_hour: u32,
        max_file_bytes: usize,
    ) -> Filer {
        Filer {
            db,
            tickets,
            addresses,
            tickets_per_hour,
            max_file_bytes,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Records a message too big to read; `false` when recorded before.
    pub async fn too_big(
        &self,
        mailbox: &str,
        headers: &[u8],
        size: u64,
        max: u64,
    ) -> Result<bool, AppError> {
        let (message_id, from, subject) = message::parse_headers(headers);
        let key = message::dedupe_key(message_id.as_deref(), headers);
        self.db
            .record_inbound(&NewInbound {
                mailbox: mailbox.into(),
                dedupe_key: key,
                message_id,
                from_address: from,
                subject,
                outcome: "problem",
                reason: Some(format!(
                    "The message is {} MB, more than the {} MB read (--imap-max-message-mb); \
                     it was left unread in the mailbox.",
                    size.div_ceil(1024 * 1024),
                    max / (1024 * 1024)
                )),
                ..NewInbound::default()
            })
            .await
    }

    /// Files `raw`, read from `mailbox`. An error means nothing was recorded and the message
    /// should be read again later (the database was unavailable, say).
    pub async fn process(&self, mailbox: &str, raw: &[u8]) -> Result<Outcome, AppError> {
        let incoming = match message::parse(raw) {
            Ok(incoming) => incoming,
            Err(unreadable) => {
                let new = NewInbound {
                    mailbox: mailbox.into(),
                    dedupe_key: message::hash_key(raw),
                    from_address: unreadable.from,
                    subject: unreadable.subject,
                    outcome: "problem",
                    reason: Some(unreadable.reason.clone()),
                    ..NewInbound::default()
                };
                return Ok(if self.db.record_inbound(&new).await? {
                    Outcome::Problem(unreadable.reason)
                } else {
                    Outcome::AlreadyRead
                });
            }
        };
        let _one = self.one_at_a_time.lock().await;
        if self.db.inbound_seen(&incoming.dedupe_key).await? {
            return Ok(Outcome::AlreadyRead);
        }
        let record = |outcome: &'static str, reason: Option<String>| NewInbound {
            mailbox: mailbox.into(),
            dedupe_key: incoming.dedupe_key.clone(),
            message_id: incoming.message_id.clone(),
            from_address: incoming.from.clone().unwrap_or_default(),
            from_name: incoming.from_name.clone(),
            subject: incoming.subject.clone(),
            outcome,
            reason,
            problem: (!incoming.notes.is_empty()).then(|| incoming.notes.join(" ")),
            raw: None,
        };

        if let Some(reason) = decide::noise(&incoming, &self.addresses) {
            return self
                .keep(
                    record("ignored", Some(reason.clone())),
                    Outcome::Ignored(reason),
                )
                .await;
        }
        let from = incoming.from.clone().unwrap_or_default();
        let account = self.db.account_by_email(&from).await?.map(|a| a.user);
        let hold = |reason: String| {
            let mut held = record("held", Some(reason.clone()));
            held.raw = Some(raw.to_vec());
            (held, Outcome::Held(reason))
        };

        if let Some(ticket) = self.ticket_replied_to(&incoming, account.as_ref()).await? {
            let Some(user) = account.as_ref().filter(|u| u.active) else {
                let (held, outcome) = hold(format!(
                    "A reply to ticket #{ticket} from an address that is not an active account."
                ));
                return self.keep(held, outcome).await;
            };
            let actor = actor_of(user);
            let (files, left_out) = self.fitting(&incoming);
            let body = with_left_out(&decide::ticket_body(&incoming.body), &left_out);
            let mut mark = record("replied", None);
            mark.problem = join_problem(mark.problem, &left_out);
            let result = self
                .tickets
                .comment_recorded(
                    &actor,
                    ticket,
                    &body,
                    false,
                    files,
                    Some(InboundMark::New(Box::new(mark.clone()))),
                )
                .await;
            let result = match result {
                // The organization's room for files is used up: the reply without them.
                Err(AppError::Invalid { fields }) if fields.contains_key("file") => {
                    let note = "Its attachments were left out: the organization's file quota is \
                                used up.";
                    mark.problem = join_problem(mark.problem, note);
                    self.tickets
                        .comment_recorded(
                            &actor,
                            ticket,
                            &format!("{body}\n\n({note})"),
                            false,
                            Vec::new(),
                            Some(InboundMark::New(Box::new(mark))),
                        )
                        .await
                }
                other => other,
            };
            return match result {
                Ok(_) => Ok(Outcome::Replied(ticket)),
                Err(AppError::Conflict { .. }) => Ok(Outcome::AlreadyRead),
                Err(AppError::NotFound | AppError::Forbidden) => {
                    let (held, outcome) = hold(format!(
                        "A reply to ticket #{ticket} from {from}, who may not act on it."
                    ));
                    self.keep(held, outcome).await
                }
                Err(AppError::Invalid { fields }) => {
                    let why = fields
                        .values()
                        .flatten()
                        .next()
                        .cloned()
                        .unwrap_or_default();
                    let (held, outcome) =
                        hold(format!("A reply to ticket #{ticket} was not taken: {why}"));
                    self.keep(held, outcome).await
                }
                Err(err) => Err(err),
            };
        }

        // A new request.
        let user = match account {
            Some(user) if !user.active => {
                let (held, outcome) = hold(format!("{from} is a deactivated account."));
                return self.keep(held, outcome).await;
            }
            Some(user) if user.role.is_provider_staff() => {
                let (held, outcome) = hold(format!(
                    "{from} is the provider's staff, who file no requests; a reply needs the \
                     ticket's reply address."
                ));
                return self.keep(held, outcome).await;
            }
            Some(user) => user,
            None => {
                let org = match decide::domain_of(&from) {
                    Some(domain) => self.db.org_of_domain(&domain).await?,
                    None => None,
                };
                let Some(org) = org else {
                    let (held, outcome) = hold(format!(
                        "{from} is not a known person, and their domain belongs to no \
                         organization."
                    ));
                    return self.keep(held, outcome).await;
                };
                if let Some(outcome) = self.rate_limited(&incoming, &hold).await? {
                    return Ok(outcome);
                }
                self.requester_for(org, &from, &incoming.from_name).await?
            }
        };
        if let Some(outcome) = self.rate_limited(&incoming, &hold).await? {
            return Ok(outcome);
        }
        match self
            .file_new(
                &user,
                &incoming,
                InboundMark::New(Box::new(record("filed", None))),
            )
            .await
        {
            Ok(id) => Ok(Outcome::Filed(id)),
            Err(AppError::Conflict { .. }) => Ok(Outcome::AlreadyRead),
            Err(err) if self.db.inbound_seen(&incoming.dedupe_key).await? => {
                tracing::debug!(error = %err, "a message was filed by another reader first");
                Ok(Outcome::AlreadyRead)
            }
            Err(AppError::Invalid { fields }) => {
                let why = fields
                    .values()
                    .flatten()
                    .next()
                    .cloned()
                    .unwrap_or_default();
                let (held, outcome) = hold(format!("The request could not be filed: {why}"));
                self.keep(held, outcome).await
            }
            Err(err) => Err(err),
        }
    }

    /// Files `incoming` as a new ticket of `user`, recording `mark` with it.
    pub async fn file_new(
        &self,
        user: &User,
        incoming: &Incoming,
        mark: InboundMark,
    ) -> Result<TicketId, AppError> {
        let actor = actor_of(user);
        let (files, left_out) = self.fitting(incoming);
        let mark = match mark {
            InboundMark::New(mut new) => {
                new.problem = join_problem(new.problem, &left_out);
                InboundMark::New(new)
            }
            other => other,
        };
        let subject = Subject::parse(&decide::ticket_subject(&incoming.subject))
            .map_err(|m| AppError::invalid("subject", m))?;
        let body = with_left_out(&decide::ticket_body(&incoming.body), &left_out);
        let new = || -> Result<NewTicket, AppError> {
            Ok(NewTicket {
                subject: subject.clone(),
                body: Body::parse(&body, "(no text)").map_err(|m| AppError::invalid("body", m))?,
                priority: Priority::Normal,
                category: None,
            })
        };
        match self
            .tickets
            .create_recorded(&actor, new()?, files, Some(mark.clone()))
            .await
        {
            // The organization's room for files is used up: the request without them.
            Err(AppError::Invalid { fields }) if fields.contains_key("file") => {
                let note = "Its attachments were left out: the organization's file quota is used \
                            up.";
                let mark = match mark {
                    InboundMark::New(mut new) => {
                        new.problem = join_problem(new.problem, note);
                        InboundMark::New(new)
                    }
                    other => other,
                };
                let mut ticket = new()?;
                ticket.body = Body::parse(&format!("{body}\n\n({note})"), "(no text)")
                    .map_err(|m| AppError::invalid("body", m))?;
                Ok(self
                    .tickets
                    .create_recorded(&actor, ticket, Vec::new(), Some(mark))
                    .await?
                    .summary
                    .id)
            }
            other => Ok(other?.summary.id),
        }
    }

    /// The ticket a message replies to: its reply token, then the ids it refers to, then a
    /// `[#123]` in its subject when the sender may act on that ticket.
    async fn ticket_replied_to(
        &self,
        incoming: &Incoming,
        sender: Option<&User>,
    ) -> Result<Option<TicketId>, AppError> {
        if let Some(token) = decide::reply_token(incoming, &self.addresses)
            && let Some(ticket) = self.db.ticket_of_reply_token(token).await?
        {
            return Ok(Some(ticket));
        }
        if !incoming.refs.is_empty()
            && let Some(ticket) = self.db.ticket_of_message_ids(&incoming.refs).await?
        {
            return Ok(Some(ticket));
        }
        if let (Some(number), Some(user)) = (decide::subject_ticket(&incoming.subject), sender)
            && user.active
        {
            match self.db.ticket(number).await {
                Ok(record) => {
                    let s = &record.summary;
                    if app::tickets::can_act(&actor_of(user), s.org_id, s.requester_id) {
                        return Ok(Some(number));
                    }
                }
                Err(AppError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(None)
    }

    /// Held, with the reason, when the sender filed their hour's share of tickets already.
    async fn rate_limited(
        &self,
        incoming: &Incoming,
        hold: &impl Fn(String) -> (NewInbound, Outcome),
    ) -> Result<Option<Outcome>, AppError> {
        let from = incoming.from.as_deref().unwrap_or_default();
        let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        let filed = self.db.inbound_filed_since(from, since).await?;
        if filed < i64::from(self.tickets_per_hour) {
            return Ok(None);
        }
        let (held, outcome) = hold(format!(
            "{from} filed {filed} requests by mail in the last hour, the most allowed \
             (--imap-sender-tickets-per-hour)."
        ));
        self.keep(held, outcome).await.map(Some)
    }

    /// A requester account of `org` for an unknown sender, without a password.
    pub async fn requester_for(
        &self,
        org: OrgId,
        address: &str,
        name: &str,
    ) -> Result<User, AppError> {
        if let Some(existing) = self.db.account_by_email(address).await? {
            return Ok(existing.user);
        }
        let org_record = self.db.org(org).await?;
        if org_record.kind != OrgKind::Client {
            return Err(AppError::invalid("org_id", "Choose a client organization."));
        }
        let email = Email::parse(address).map_err(|m| AppError::invalid("email", m))?;
        let fallback = address.split('@').next().unwrap_or(address).to_string();
        let name = PersonName::parse(name)
            .or_else(|_| PersonName::parse(&fallback))
            .map_err(|m| AppError::invalid("name", m))?;
        self.db
            .insert_account(org, Role::Requester, &email, &name, NO_PASSWORD)
            .await
    }

    /// The attachments that fit the per-file limit, and what was left out, said in words.
    fn fitting(&self, incoming: &Incoming) -> (Vec<Upload>, String) {
        let mut files = Vec::new();
        let mut left_out = Vec::new();
        for attachment in &incoming.attachments {
            let name = app::tickets::parse_file_name(&attachment.name)
                .unwrap_or_else(|_| "attachment".into());
            if attachment.bytes.len() > self.max_file_bytes {
                left_out.push(format!(
                    "\"{name}\" (larger than {} MB)",
                    self.max_file_bytes / (1024 * 1024)
                ));
            } else {
                files.push(Upload {
                    file_name: name,
                    bytes: attachment.bytes.clone(),
                });
            }
        }
        let left_out = if left_out.is_empty() {
            String::new()
        } else {
            format!("Attachments left out: {}.", left_out.join(", "))
        };
        (files, left_out)
    }

    /// Records a message that files nothing and answers `outcome`, or `AlreadyRead`.
    async fn keep(&self, new: NewInbound, outcome: Outcome) -> Result<Outcome, AppError> {
        Ok(if self.db.record_inbound(&new).await? {
            outcome
        } else {
            Outcome::AlreadyRead
        })
    }
}

fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role,
        org_id: user.org_id,
        org_name: user.org_name.clone(),
    }
}

fn with_left_out(body: &str, left_out: &str) -> String {
    if left_out.is_empty() {
        body.to_string()
    } else {
        format!("{body}\n\n({left_out})")
    }
}

fn join_problem(problem: Option<String>, more: &str) -> Option<String> {
    match (problem, more.is_empty()) {
        (p, true) => p,
        (Some(p), false) => Some(format!("{p} {more}")),
        (None, false) => Some(more.to_string()),
    }
}

/// Re-reads a held message's raw bytes for filing on an admin's word.
pub fn reread(raw: &[u8]) -> Result<Incoming, AppError> {
    message::parse(raw).map_err(|unreadable| AppError::invalid("message", unreadable.reason))
}
