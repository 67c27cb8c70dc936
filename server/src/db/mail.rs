//! SQL for mail: the outbox every outgoing message is written to, the cursors of the readers
//! that turn events into mail, and each ticket's mail thread.

use super::batch::Batch;
use super::{Db, now, timestamp};
use app::accounts::UserId;
use app::error::AppError;
use app::mail::{MailCounts, MailStatus, OutboxEntry, OutboxPage, OutboxQuery};
use app::tickets::TicketId;
use rand::Rng;
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// A message to send, as the outbox keeps it until it is delivered.
#[derive(Debug, Clone, Default)]
pub struct NewMail {
    /// What kind of message: a notification kind, `invitation`, `password_reset`, `test`.
    pub kind: String,
    pub ticket: Option<TicketId>,
    /// The person it is for, when it is for an account.
    pub account: Option<UserId>,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Already sanitised.
    pub html: String,
    /// Without angle brackets; see `crate::mail::Addresses::message_id`.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// Message-IDs, oldest first, without angle brackets.
    pub references: Vec<String>,
    pub reply_to: Option<String>,
    pub unsubscribe_url: Option<String>,
    /// The live event the message announces.
    pub source_event: Option<i64>,
    /// Carries a secret (a sign-in link): admins do not see its text on the Mail page.
    pub sensitive: bool,
}

/// A ticket's mail thread.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MailThread {
    pub ticket_id: TicketId,
    /// The token in the ticket's reply address.
    pub reply_token: String,
    /// The Message-ID every message about the ticket refers to, without angle brackets.
    pub root_message_id: String,
}

/// The one insert into the outbox; a repeat of an event's message to a recipient is skipped.
const ENQUEUE: &str = "insert into mail_outbox (kind, ticket_id, account_id, to_address, subject, \
     body_text, body_html, message_id, in_reply_to, refs, reply_to, unsubscribe_url, \
     source_event_id, sensitive, next_attempt_at, created_at, updated_at) \
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
     on conflict do nothing returning id";

/// [`enqueue`] as one statement of `batch`, for a writer of many messages at once (the
/// notification planner): the batch sends back the id of each message written.
pub fn push_enqueue<'q>(batch: &mut Batch<'q>, mail: &'q NewMail, at: &'q str) {
    batch
        .push(ENQUEUE)
        .bind(mail.kind.as_str())
        .bind(mail.ticket)
        .bind(mail.account)
        .bind(mail.to.as_str())
        .bind(mail.subject.as_str())
        .bind(mail.text.as_str())
        .bind(mail.html.as_str())
        .bind(mail.message_id.as_str())
        .bind(mail.in_reply_to.as_deref())
        .bind((!mail.references.is_empty()).then(|| mail.references.join(" ")))
        .bind(mail.reply_to.as_deref())
        .bind(mail.unsubscribe_url.as_deref())
        .bind(mail.source_event)
        .bind(mail.sensitive)
        .bind(at)
        .bind(at)
        .bind(at);
}

/// Writes `mail` to the outbox, due now, on the caller's connection, so it commits or rolls
/// back with the caller's change. A message for an event and recipient already written is
/// not written again; answers the new row's id, or `None` for such a repeat.
#[tracing::instrument(skip_all)]
pub async fn enqueue(conn: &mut SqliteConnection, mail: &NewMail) -> Result<Option<i64>, AppError> {
    let at = now();
    let id: Option<i64> = sqlx::query_scalar(ENQUEUE)
        .bind(&mail.kind)
        .bind(mail.ticket)
        .bind(mail.account)
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(&mail.message_id)
        .bind(&mail.in_reply_to)
        .bind((!mail.references.is_empty()).then(|| mail.references.join(" ")))
        .bind(&mail.reply_to)
        .bind(&mail.unsubscribe_url)
        .bind(mail.source_event)
        .bind(mail.sensitive)
        .bind(&at)
        .bind(&at)
        .bind(&at)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(id)
}

/// Where the reader `name` has come to (0 before it started).
#[tracing::instrument(skip_all)]
pub async fn cursor(conn: &mut SqliteConnection, name: &str) -> Result<i64, AppError> {
    let last: Option<i64> = sqlx::query_scalar("select last_id from mail_cursor where name = ?")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(last.unwrap_or(0))
}

/// Moves the reader `name` from `from` on to `to` as a statement of `batch`, which sends back
/// `to` when it did. When another reader moved it meanwhile, the statement fails with a
/// not-null violation (see [`is_cursor_moved`]) and the batch's later statements do not run.
pub fn push_advance_cursor<'q>(batch: &mut Batch<'q>, name: &'q str, from: i64, to: i64) {
    batch
        .push("insert into mail_cursor (name, last_id) values (?, 0) on conflict (name) do nothing")
        .bind(name);
    batch
        .push(
            "update mail_cursor set last_id = case when last_id = ? then ? end where name = ? \
             returning last_id",
        )
        .bind(from)
        .bind(to)
        .bind(name);
}

/// Whether `err` is the failure [`push_advance_cursor`] ends its batch with when another
/// reader moved the cursor first.
pub fn is_cursor_moved(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::NotNullViolation)
}

/// Moves the reader `name` on to `last_id`, in the caller's transaction.
#[tracing::instrument(skip_all)]
pub async fn move_cursor(
    conn: &mut SqliteConnection,
    name: &str,
    last_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into mail_cursor (name, last_id) values (?, ?) \
         on conflict (name) do update set last_id = excluded.last_id",
    )
    .bind(name)
    .bind(last_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const INSERT_THREAD: &str = "insert into mail_thread (ticket_id, reply_token, root_message_id, \
     created_at) values (?, ?, ?, ?)";

impl MailThread {
    /// A new thread of `ticket` (not written yet): a new reply token, and the root Message-ID
    /// `root_id` makes.
    pub fn start(ticket: TicketId, root_id: impl FnOnce(&str) -> String) -> MailThread {
        let token = new_token();
        MailThread {
            ticket_id: ticket,
            root_message_id: root_id(&token),
            reply_token: token,
        }
    }
}

/// The threads `tickets` have already, by ticket.
#[tracing::instrument(skip_all)]
pub async fn threads_of(
    conn: &mut SqliteConnection,
    tickets: &[TicketId],
) -> Result<std::collections::HashMap<TicketId, MailThread>, AppError> {
    let ids = serde_json::to_string(tickets).unwrap_or_else(|_| "[]".into());
    Ok(sqlx::query_as::<_, MailThread>(
        "select ticket_id, reply_token, root_message_id from mail_thread \
         where ticket_id in (select value from json_each(?))",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|t| (t.ticket_id, t))
    .collect())
}

/// Writes a thread made by [`MailThread::start`] as one statement of `batch`.
pub fn push_thread<'q>(batch: &mut Batch<'q>, thread: &'q MailThread, at: &'q str) {
    batch
        .push(INSERT_THREAD)
        .bind(thread.ticket_id)
        .bind(thread.reply_token.as_str())
        .bind(thread.root_message_id.as_str())
        .bind(at);
}

/// The mail thread of `ticket`, started (with a new reply token and root Message-ID made by
/// `root_id`) if the ticket has none yet. Call it in the transaction that writes the mail.
#[tracing::instrument(skip_all)]
pub async fn thread_of(
    conn: &mut SqliteConnection,
    ticket: TicketId,
    root_id: impl FnOnce(&str) -> String,
) -> Result<MailThread, AppError> {
    if let Some(thread) = sqlx::query_as::<_, MailThread>(
        "select ticket_id, reply_token, root_message_id from mail_thread where ticket_id = ?",
    )
    .bind(ticket)
    .fetch_optional(&mut *conn)
    .await?
    {
        return Ok(thread);
    }
    let thread = MailThread::start(ticket, root_id);
    sqlx::query(INSERT_THREAD)
        .bind(thread.ticket_id)
        .bind(&thread.reply_token)
        .bind(&thread.root_message_id)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(thread)
}

/// Twelve lowercase letters and digits: short enough for an address, too many to guess.
fn new_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Db {
    /// Writes `mail` to the outbox on its own (for a message no other change causes, such as
    /// an admin's test message).
    pub async fn enqueue_mail(&self, mail: &NewMail) -> Result<Option<i64>, AppError> {
        let mut tx = self.begin().await?;
        let id = enqueue(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The ticket whose reply address carries `token`.
    #[tracing::instrument(skip_all)]
    pub async fn ticket_of_reply_token(&self, token: &str) -> Result<Option<TicketId>, AppError> {
        Ok(
            sqlx::query_scalar("select ticket_id from mail_thread where reply_token = ?")
                .bind(token.to_ascii_lowercase())
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// The ticket a message refers to by one of `message_ids` (its `In-Reply-To` and
    /// `References`): a thread's root or any message sent about the ticket.
    #[tracing::instrument(skip_all)]
    pub async fn ticket_of_message_ids(
        &self,
        message_ids: &[String],
    ) -> Result<Option<TicketId>, AppError> {
        for id in message_ids.iter().rev() {
            // A thread's root is looked up by the ticket its id names, by key: matching the
            // root's text alone would read every ticket's thread for each message.
            let ticket: Option<TicketId> = sqlx::query_scalar(
                "select ticket_id from mail_thread where ticket_id = ?2 and root_message_id = ?1 \
                 union all select ticket_id from mail_outbox \
                 where message_id = ?1 and ticket_id is not null limit 1",
            )
            .bind(id)
            .bind(ticket_named_in(id))
            .fetch_optional(self.pool())
            .await?;
            if ticket.is_some() {
                return Ok(ticket);
            }
        }
        Ok(None)
    }
}

/// The ticket one of our Message-IDs names (`deskside.t42.<random>@domain`, as
/// `Addresses::message_id` makes them for a ticket), if it names one.
fn ticket_named_in(message_id: &str) -> Option<TicketId> {
    let (number, _) = message_id.strip_prefix("deskside.t")?.split_once('.')?;
    number.parse().ok()
}

/// A message as the sender needs it to build and deliver it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutgoingMail {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// Space-separated Message-IDs, without angle brackets.
    pub refs: Option<String>,
    pub reply_to: Option<String>,
    pub unsubscribe_url: Option<String>,
    /// Attempts started, this one included.
    pub attempts: i64,
}

const ENTRY_COLUMNS: &str = "id, kind, ticket_id, to_address, subject, status, attempts, \
     last_reply, created_at, sent_at, next_attempt_at, sensitive, body_text";

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    kind: String,
    ticket_id: Option<TicketId>,
    to_address: String,
    subject: String,
    status: String,
    attempts: i64,
    last_reply: Option<String>,
    created_at: OffsetDateTime,
    sent_at: Option<OffsetDateTime>,
    next_attempt_at: OffsetDateTime,
    sensitive: bool,
    body_text: String,
}

impl EntryRow {
    /// The entry; its text only when `with_text` and the message carries no secret.
    fn entry(self, with_text: bool) -> Result<OutboxEntry, AppError> {
        let status = MailStatus::parse(&self.status).ok_or_else(|| {
            tracing::error!(value = %self.status, "unexpected mail_outbox.status");
            AppError::Internal
        })?;
        Ok(OutboxEntry {
            id: self.id,
            kind: self.kind,
            ticket_id: self.ticket_id,
            to: self.to_address,
            subject: self.subject,
            status,
            attempts: self.attempts,
            last_reply: self.last_reply,
            created_at: self.created_at,
            sent_at: self.sent_at,
            next_attempt_at: self.next_attempt_at,
            sensitive: self.sensitive,
            body_text: (with_text && !self.sensitive).then_some(self.body_text),
        })
    }
}

impl Db {
    /// Whether a queued message is due: one cheap look at the `(status, next_attempt_at)`
    /// index on a reader, so the sender's frequent polls never touch the writer.
    #[tracing::instrument(skip_all)]
    pub async fn mail_due(&self) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from mail_outbox \
             where status = 'queued' and next_attempt_at <= ?)",
        )
        .bind(now())
        .fetch_one(self.pool())
        .await?)
    }

    /// Takes up to `limit` due messages, oldest due first, for delivery: counts the attempt and
    /// moves their next attempt to `lease_until`, in one statement, so no later claim takes
    /// them again while they are on their way. Should the process die before their outcome is
    /// written, they come due again at `lease_until`.
    #[tracing::instrument(skip_all)]
    pub async fn claim_due_mail(
        &self,
        limit: u32,
        lease_until: OffsetDateTime,
    ) -> Result<Vec<OutgoingMail>, AppError> {
        let at = now();
        Ok(sqlx::query_as(
            "update mail_outbox set attempts = attempts + 1, next_attempt_at = ?1, \
             updated_at = ?2 \
             where id in (select id from mail_outbox where status = 'queued' \
             and next_attempt_at <= ?2 order by next_attempt_at, id limit ?3) \
             returning id, to_address, subject, body_text, body_html, message_id, in_reply_to, \
             refs, reply_to, unsubscribe_url, attempts",
        )
        .bind(timestamp(lease_until))
        .bind(&at)
        .bind(limit)
        .fetch_all(&self.writer)
        .await?)
    }

    /// The relay accepted message `id` with `reply`.
    #[tracing::instrument(skip_all)]
    pub async fn mark_mail_sent(&self, id: i64, reply: &str) -> Result<(), AppError> {
        let at = now();
        sqlx::query(
            "update mail_outbox set status = 'sent', sent_at = ?1, last_reply = ?2, \
             updated_at = ?1 where id = ?3 and status = 'queued'",
        )
        .bind(&at)
        .bind(reply)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Message `id` could not be delivered for now (`why`); it is tried again at `next`.
    #[tracing::instrument(skip_all)]
    pub async fn mark_mail_retry(
        &self,
        id: i64,
        next: OffsetDateTime,
        why: &str,
    ) -> Result<(), AppError> {
        sqlx::query(
            "update mail_outbox set next_attempt_at = ?1, last_reply = ?2, updated_at = ?3 \
             where id = ?4 and status = 'queued'",
        )
        .bind(timestamp(next))
        .bind(why)
        .bind(now())
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Message `id` will not be delivered: the relay refused it for good, or it was tried for
    /// long enough (`why`).
    #[tracing::instrument(skip_all)]
    pub async fn mark_mail_failed(&self, id: i64, why: &str) -> Result<(), AppError> {
        sqlx::query(
            "update mail_outbox set status = 'failed', last_reply = ?1, updated_at = ?2 \
             where id = ?3 and status = 'queued'",
        )
        .bind(why)
        .bind(now())
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// One page of the outbox, newest first, with the text of each message that carries no
    /// secret.
    #[tracing::instrument(skip_all)]
    pub async fn outbox_page(&self, query: OutboxQuery) -> Result<OutboxPage, AppError> {
        let rows: Vec<EntryRow> = sqlx::query_as(&format!(
            "select {ENTRY_COLUMNS} from mail_outbox \
             where (?1 is null or status = ?1) and (?2 is null or id < ?2) \
             order by id desc limit ?3"
        ))
        .bind(query.status.map(MailStatus::as_str))
        .bind(query.before)
        // One more than a page tells whether there is an older page.
        .bind(i64::from(query.limit) + 1)
        .fetch_all(self.pool())
        .await?;
        let more = rows.len() > query.limit as usize;
        let entries = rows
            .into_iter()
            .take(query.limit as usize)
            .map(|row| row.entry(true))
            .collect::<Result<Vec<_>, _>>()?;
        let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
        Ok(OutboxPage {
            counts: self.mail_counts().await?,
            entries,
            next_before,
        })
    }

    /// How many messages are in each state (each counted along the `(status, id)` index).
    #[tracing::instrument(skip_all)]
    pub async fn mail_counts(&self) -> Result<MailCounts, AppError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("select status, count(*) from mail_outbox group by status")
                .fetch_all(self.pool())
                .await?;
        let mut counts = MailCounts::default();
        for (status, n) in rows {
            match MailStatus::parse(&status) {
                Some(MailStatus::Queued) => counts.queued = n,
                Some(MailStatus::Sent) => counts.sent = n,
                Some(MailStatus::Failed) => counts.failed = n,
                None => tracing::error!(value = %status, "unexpected mail_outbox.status"),
            }
        }
        Ok(counts)
    }

    /// One message of the outbox, with its text unless it carries a secret.
    #[tracing::instrument(skip_all)]
    pub async fn outbox_entry(&self, id: i64) -> Result<OutboxEntry, AppError> {
        let row: EntryRow = sqlx::query_as(&format!(
            "select {ENTRY_COLUMNS} from mail_outbox where id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(AppError::NotFound)?;
        row.entry(true)
    }

    /// What was sent (or waits to be) about `ticket`, newest first, without the texts; `None`
    /// when there is no such ticket.
    #[tracing::instrument(skip_all)]
    pub async fn mail_of_ticket(
        &self,
        ticket: TicketId,
    ) -> Result<Option<Vec<OutboxEntry>>, AppError> {
        let mut conn = self.pool().acquire().await?;
        let exists: bool = sqlx::query_scalar("select exists (select 1 from ticket where id = ?)")
            .bind(ticket)
            .fetch_one(&mut *conn)
            .await?;
        if !exists {
            return Ok(None);
        }
        let rows: Vec<EntryRow> = sqlx::query_as(&format!(
            "select {ENTRY_COLUMNS} from mail_outbox where ticket_id = ? order by id desc"
        ))
        .bind(ticket)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|row| row.entry(false))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_twelve_unambiguous_characters_and_differ() {
        let a = new_token();
        assert_eq!(a.len(), 12);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert!(!a.contains(['l', 'o', '0', '1']));
        assert_ne!(a, new_token());
    }

    #[test]
    fn the_ticket_is_read_from_our_message_ids_and_from_nothing_else() {
        let addresses = crate::mail::Addresses::new(&crate::mail::MailSettings {
            mail_from: "IT Help <help@example.com>".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ticket_named_in(&addresses.message_id("t1042")), Some(1042));
        assert_eq!(ticket_named_in("deskside.t7.abc@example.com"), Some(7));
        for other in [
            "deskside.invite.0123@example.com",
            "deskside.t.abc@example.com",
            "deskside.t12x.abc@example.com",
            "t42.abc@example.com",
            "CAF=x@mail.gmail.com",
        ] {
            assert_eq!(ticket_named_in(other), None, "{other}");
        }
    }

    #[tokio::test]
    async fn a_message_for_the_same_event_and_recipient_is_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).await.unwrap();
        let mail = |n: &str| NewMail {
            kind: "ticket.replied".into(),
            to: "a@example.com".into(),
            subject: "s".into(),
            message_id: format!("{n}@example.com"),
            source_event: Some(7),
            ..NewMail::default()
        };
        assert!(db.enqueue_mail(&mail("one")).await.unwrap().is_some());
        assert_eq!(db.enqueue_mail(&mail("two")).await.unwrap(), None);
        let count: i64 = sqlx::query_scalar("select count(*) from mail_outbox")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(count, 1);
    }
}
