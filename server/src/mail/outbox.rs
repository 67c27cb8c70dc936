//! The sender: delivers the outbox's due messages through the SMTP relay, a few at a time over
//! pooled connections, and writes each outcome (sent, tried again later, failed) right after
//! the relay's answer.
//!
//! Nothing lost: a message leaves the `queued` state only when the relay has answered 250 (or
//! refused it for good), and that is committed before anything else happens to the message.
//! Nothing twice, with one small window: should the process die after the relay's 250 and
//! before the update that records it (one single-row statement, run at once), the message is
//! claimed again once its lease (`LEASE_TIMEOUTS` relay timeouts) has passed and sent a second
//! time, with the same Message-ID, which mail clients and our own inbound reader treat as
//! the same message. No write transaction is held while talking to the relay: claiming is one
//! statement, each outcome another. A stop by SIGTERM or Ctrl-C (a restart, a deploy) has no
//! such window: the sender stops claiming and the server waits for the messages on their way
//! to be answered and recorded before it exits ([`Stopping::finish`]).

use super::Addresses;
use super::smtp::pool::{Pool, SendError};
use crate::db::Db;
use crate::db::mail::OutgoingMail;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::response::Response;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Messages on their way at once, each on a pooled connection of its own: a local relay
/// accepts a message in a few milliseconds, so eight keep well over 200 a second going.
pub const PARALLEL: usize = 8;
/// How often the sender looks for messages nobody woke it for (retries coming due, rows
/// written by another part of the server without a wake-up).
const POLL: Duration = Duration::from_millis(200);
/// The first retry waits this long; each later one twice as long as the one before...
const FIRST_RETRY: Duration = Duration::from_secs(60);
/// ...up to this.
const LONGEST_RETRY: Duration = Duration::from_secs(3600);
/// Attempts before a message that keeps failing for now is given up as failed: with the
/// back-off above, about a day of trying (6 doublings in the first hour, then hourly).
pub const MAX_ATTEMPTS: i64 = 30;
/// A claimed message is not claimed again for this many relay timeouts: long enough for the
/// connection, TLS, sign-in and the transfer to each take their full timeout.
const LEASE_TIMEOUTS: u32 = 10;

const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");
const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

/// How long to wait before attempt `attempts + 1`, after `attempts` attempts failed for now.
pub fn back_off(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(LONGEST_RETRY)
}

/// The message the outbox row `mail` stands for, with every header the row asks for.
pub fn build_message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, String> {
    let to: Mailbox = mail.to_address.trim().parse().map_err(|err| {
        format!(
            "the recipient {:?} is not an address: {err}",
            mail.to_address
        )
    })?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(angle(&mail.message_id)));
    if let Some(id) = mail
        .in_reply_to
        .as_deref()
        .filter(|id| !id.trim().is_empty())
    {
        builder = builder.in_reply_to(angle(id));
    }
    if let Some(refs) = &mail.refs {
        let refs = refs.split_whitespace().map(angle).collect::<Vec<_>>();
        if !refs.is_empty() {
            builder = builder.references(refs.join(" "));
        }
    }
    if let Some(reply_to) = mail.reply_to.as_deref().filter(|r| !r.trim().is_empty()) {
        let reply_to: Mailbox = reply_to
            .trim()
            .parse()
            .map_err(|err| format!("the Reply-To {reply_to:?} is not an address: {err}"))?;
        builder = builder.reply_to(reply_to);
    }
    // RFC 3834: automatic mail, so out-of-office replies and other robots stay quiet.
    builder = builder.raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".into()));
    if let Some(url) = mail.unsubscribe_url.as_deref().filter(|u| !u.is_empty()) {
        // RFC 8058: one click (a POST from the mail client) turns this kind of message off.
        builder = builder
            .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
            .raw_header(HeaderValue::new(
                LIST_UNSUBSCRIBE_POST,
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    let built = if mail.body_html.trim().is_empty() {
        builder.singlepart(SinglePart::plain(mail.body_text.clone()))
    } else {
        builder.multipart(MultiPart::alternative_plain_html(
            mail.body_text.clone(),
            mail.body_html.clone(),
        ))
    };
    built.map_err(|err| format!("the message cannot be built: {err}"))
}

/// `<id>`, for an id stored without its angle brackets.
fn angle(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}

/// The relay's answer as the outbox keeps it: `250 2.0.0 Ok: queued as …`.
fn answer(response: &Response) -> String {
    let text = response.message().collect::<Vec<_>>().join(" ");
    format!("{} {text}", response.code()).trim().to_string()
}

/// Delivers the outbox; one per server, started when a relay is configured.
pub struct Sender {
    db: Db,
    relay: Pool,
    from: Mailbox,
    lease: Duration,
    wake: Arc<Notify>,
}

impl Sender {
    pub fn new(
        db: Db,
        addresses: &Addresses,
        relay: &super::smtp::SmtpRelay,
        wake: Arc<Notify>,
    ) -> Result<Sender, String> {
        Ok(Sender {
            db,
            relay: Pool::new(relay, PARALLEL)?,
            from: addresses.from.clone(),
            lease: relay.timeout.saturating_mul(LEASE_TIMEOUTS),
            wake,
        })
    }

    /// Runs the sender until the server stops; the answer stops it in order.
    pub fn spawn(self) -> Stopping {
        let stop = Arc::new(Notify::new());
        let running = tokio::spawn(self.run(stop.clone()));
        Stopping { stop, running }
    }

    async fn run(self, stop: Arc<Notify>) {
        let this = Arc::new(self);
        let mut on_the_way = JoinSet::new();
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Whether due messages may be waiting: at the start, after a wake-up, after a claim
        // that filled every free place, and when a poll saw one.
        let mut look = true;
        loop {
            // Topping up when half the places are free claims a few at a time rather than one
            // per finished message.
            if look && on_the_way.len() <= PARALLEL / 2 {
                let free = PARALLEL - on_the_way.len();
                let lease_until = time::OffsetDateTime::now_utc() + this.lease;
                match this.db.claim_due_mail(free as u32, lease_until).await {
                    Ok(claimed) => {
                        look = claimed.len() == free;
                        for mail in claimed {
                            let this = this.clone();
                            on_the_way.spawn(async move { this.deliver(mail).await });
                        }
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "claiming due mail failed");
                        look = false;
                    }
                }
            }
            tokio::select! {
                Some(done) = on_the_way.join_next(), if !on_the_way.is_empty() => {
                    if let Err(err) = done {
                        tracing::error!(error = %err, "a delivery task failed");
                    }
                }
                () = this.wake.notified() => look = true,
                _ = poll.tick(), if !look => {
                    look = this.db.mail_due().await.unwrap_or_else(|err| {
                        tracing::error!(error = %err, "looking for due mail failed");
                        false
                    });
                }
                () = stop.notified() => break,
            }
        }
        // Stopping: nothing more is claimed; what is on its way is answered (each delivery
        // ends within the relay's timeouts) and recorded, so none of it goes again.
        if !on_the_way.is_empty() {
            tracing::info!(
                messages = on_the_way.len(),
                "waiting for the mail on its way before stopping"
            );
        }
        while let Some(done) = on_the_way.join_next().await {
            if let Err(err) = done {
                tracing::error!(error = %err, "a delivery task failed");
            }
        }
    }

    /// Hands `mail` to the relay and records the outcome at once.
    #[tracing::instrument(skip_all, fields(mail = mail.id))]
    async fn deliver(&self, mail: OutgoingMail) {
        let message = match build_message(&self.from, &mail) {
            Ok(message) => message,
            Err(why) => {
                tracing::warn!(%why, "an outbox message cannot be sent");
                self.record(mail.id, Outcome::Failed(why)).await;
                return;
            }
        };
        let sent = self
            .relay
            .send(message.envelope(), &message.formatted())
            .await;
        let outcome = match sent {
            Ok(response) => Outcome::Sent(answer(&response)),
            Err(SendError::Permanent(why)) => Outcome::Failed(why),
            Err(err) if mail.attempts >= MAX_ATTEMPTS => Outcome::Failed(format!(
                "gave up after {} attempts; the last: {err}",
                mail.attempts
            )),
            Err(err) => Outcome::Retry(err.to_string(), back_off(mail.attempts)),
        };
        match &outcome {
            Outcome::Sent(_) => {}
            Outcome::Failed(why) => tracing::warn!(%why, "the relay refused a message"),
            Outcome::Retry(why, after) => {
                tracing::info!(%why, retry_in_secs = after.as_secs(), "mail delivery deferred");
            }
        }
        self.record(mail.id, outcome).await;
    }

    /// Writes an outcome; a database hiccup is retried briefly, since a sent message whose
    /// outcome is lost would be sent again after its lease.
    async fn record(&self, id: i64, outcome: Outcome) {
        for attempt in 0..5u64 {
            let written = match &outcome {
                Outcome::Sent(reply) => self.db.mark_mail_sent(id, reply).await,
                Outcome::Failed(why) => self.db.mark_mail_failed(id, why).await,
                Outcome::Retry(why, after) => {
                    let next = time::OffsetDateTime::now_utc() + *after;
                    self.db.mark_mail_retry(id, next, why).await
                }
            };
            match written {
                Ok(()) => return,
                Err(err) => {
                    tracing::error!(error = %err, mail = id, "recording a delivery failed");
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
            }
        }
    }
}

/// A running sender, to be stopped in order when the server stops.
pub struct Stopping {
    stop: Arc<Notify>,
    running: tokio::task::JoinHandle<()>,
}

impl Stopping {
    /// Stops claiming messages and waits until those on their way have their outcome written.
    pub async fn finish(self) {
        // `notify_one` keeps the permit should the sender not be waiting at this instant.
        self.stop.notify_one();
        if let Err(err) = self.running.await {
            tracing::error!(error = %err, "the mail sender failed");
        }
    }
}

enum Outcome {
    /// The relay's answer.
    Sent(String),
    /// Why; not tried again.
    Failed(String),
    /// Why, and how long to wait.
    Retry(String, Duration),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> OutgoingMail {
        OutgoingMail {
            id: 1,
            to_address: "Rob <rob@acme.example>".into(),
            subject: "[#42] Printer".into(),
            body_text: "Hello".into(),
            body_html: "<p>Hello</p>".into(),
            message_id: "deskside.t42.1@example.com".into(),
            in_reply_to: Some("deskside.t42.root@example.com".into()),
            refs: Some("deskside.t42.root@example.com".into()),
            reply_to: Some("Help <help+abc@example.com>".into()),
            unsubscribe_url: Some("https://help.example.com/unsubscribe/xyz".into()),
            attempts: 1,
        }
    }

    #[test]
    fn the_message_carries_every_header_the_row_asks_for() {
        let from: Mailbox = "Help <help@example.com>".parse().unwrap();
        let raw = String::from_utf8(build_message(&from, &row()).unwrap().formatted()).unwrap();
        for header in [
            "From: Help <help@example.com>",
            "To: Rob <rob@acme.example>",
            "Subject: [#42] Printer",
            "Message-ID: <deskside.t42.1@example.com>",
            "In-Reply-To: <deskside.t42.root@example.com>",
            "References: <deskside.t42.root@example.com>",
            "Reply-To: Help <help+abc@example.com>",
            "Auto-Submitted: auto-generated",
            "List-Unsubscribe: <https://help.example.com/unsubscribe/xyz>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "multipart/alternative",
        ] {
            assert!(raw.contains(header), "{header} missing in\n{raw}");
        }
    }

    #[test]
    fn optional_headers_are_left_out_when_the_row_has_none() {
        let from: Mailbox = "help@example.com".parse().unwrap();
        let mail = OutgoingMail {
            in_reply_to: None,
            refs: None,
            reply_to: None,
            unsubscribe_url: None,
            body_html: String::new(),
            ..row()
        };
        let raw = String::from_utf8(build_message(&from, &mail).unwrap().formatted()).unwrap();
        assert!(!raw.contains("In-Reply-To"));
        assert!(!raw.contains("List-Unsubscribe"));
        assert!(!raw.contains("multipart"));
        assert!(raw.contains("Auto-Submitted: auto-generated"));
    }

    #[test]
    fn a_bad_recipient_is_a_clear_reason_not_a_panic() {
        let from: Mailbox = "help@example.com".parse().unwrap();
        let mail = OutgoingMail {
            to_address: "not an address".into(),
            ..row()
        };
        let err = build_message(&from, &mail).unwrap_err();
        assert!(err.contains("not an address"), "{err}");
    }

    #[test]
    fn retries_wait_a_minute_doubling_up_to_an_hour_for_about_a_day() {
        assert_eq!(back_off(1), Duration::from_secs(60));
        assert_eq!(back_off(2), Duration::from_secs(120));
        assert_eq!(back_off(6), Duration::from_secs(1920));
        assert_eq!(back_off(7), Duration::from_secs(3600));
        assert_eq!(back_off(100), Duration::from_secs(3600));
        let total: Duration = (1..MAX_ATTEMPTS).map(back_off).sum();
        assert!(
            (20 * 3600..=28 * 3600).contains(&total.as_secs()),
            "{total:?}"
        );
    }
}
