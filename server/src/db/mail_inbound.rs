//! SQL for mail read into tickets: one row per message read (its key keeps it from filing
//! twice), organizations' mail domains, and each mailbox's last success and error.

use super::batch::{Batch, RowRef};
use super::{Db, is_unique_violation, now, timestamp};
use app::accounts::OrgId;
use app::error::AppError;
use app::mail::inbound::{InboundMessage, KnownSender, MailboxStatus, OrgDomain};
use app::tickets::TicketId;
use sqlx::SqliteConnection;

/// A message read, as recorded.
#[derive(Debug, Clone, Default)]
pub struct NewInbound {
    pub mailbox: String,
    pub dedupe_key: String,
    pub message_id: Option<String>,
    pub from_address: String,
    pub from_name: String,
    pub subject: String,
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub problem: Option<String>,
    /// Kept for a held message only.
    pub raw: Option<Vec<u8>>,
}

/// What a ticket filed from mail records with it, in the filing's own transaction.
#[derive(Debug, Clone)]
pub enum InboundMark {
    /// A message just read.
    New(Box<NewInbound>),
    /// A held message an admin accepted.
    Accepted(i64),
}

const COLUMNS: &str = "mailbox, dedupe_key, message_id, from_address, from_name, subject, \
     outcome, reason, problem, raw, received_at, updated_at";

fn bind_new<'q>(batch: &mut Batch<'q>, new: &'q NewInbound, at: String) {
    batch
        .bind(new.mailbox.as_str())
        .bind(new.dedupe_key.as_str())
        .bind(new.message_id.as_deref())
        .bind(new.from_address.as_str())
        .bind(new.from_name.as_str())
        .bind(new.subject.as_str())
        .bind(new.outcome)
        .bind(new.reason.as_deref())
        .bind(new.problem.as_deref())
        .bind(new.raw.as_deref())
        .bind(at.clone())
        .bind(at);
}

/// Records `mark` for the ticket `ticket` (a row of the same batch, or a known one). Sends
/// back no row. A message recorded already fails the statement, and so the filing.
pub fn mark_in_batch<'q>(batch: &mut Batch<'q>, ticket: RowRef, mark: &'q InboundMark) {
    match mark {
        InboundMark::New(new) => {
            batch.push_about(
                ticket,
                &format!(
                    "insert into mail_inbound ({COLUMNS}, ticket_id) \
                     select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, about.id from about"
                ),
            );
            bind_new(batch, new, now());
        }
        InboundMark::Accepted(id) => {
            // The accepting admin's service lets one accept run at a time and checks the
            // row is still held first.
            batch.push_about(
                ticket,
                "update mail_inbound set outcome = 'filed', raw = null, \
                 ticket_id = (select id from about), updated_at = ? where id = ? \
                 and outcome = 'held'",
            );
            batch.bind(now()).bind(*id);
        }
    }
}

/// Records `mark` on the caller's transaction for `ticket`.
pub async fn mark(
    conn: &mut SqliteConnection,
    ticket: TicketId,
    mark: &InboundMark,
) -> Result<(), AppError> {
    match mark {
        InboundMark::New(new) => match insert(conn, new, Some(ticket)).await? {
            Some(_) => Ok(()),
            // Read before and recorded: this change must not commit a second time.
            None => Err(AppError::Conflict {
                message: "This message was filed already.".into(),
            }),
        },
        InboundMark::Accepted(id) => {
            let done = sqlx::query(
                "update mail_inbound set outcome = 'replied', raw = null, ticket_id = ?, \
                 updated_at = ? where id = ? and outcome = 'held'",
            )
            .bind(ticket)
            .bind(now())
            .bind(id)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 1 {
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        }
    }
}

/// Inserts `new` on the caller's connection; `None` when its key was recorded already.
pub async fn insert(
    conn: &mut SqliteConnection,
    new: &NewInbound,
    ticket: Option<TicketId>,
) -> Result<Option<i64>, AppError> {
    let at = now();
    let id = sqlx::query_scalar(&format!(
        "insert into mail_inbound ({COLUMNS}, ticket_id) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         on conflict (dedupe_key) do nothing returning id"
    ))
    .bind(&new.mailbox)
    .bind(&new.dedupe_key)
    .bind(&new.message_id)
    .bind(&new.from_address)
    .bind(&new.from_name)
    .bind(&new.subject)
    .bind(new.outcome)
    .bind(&new.reason)
    .bind(&new.problem)
    .bind(new.raw.as_deref())
    .bind(&at)
    .bind(&at)
    .bind(ticket)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

/// Messages as `m`, with the account their sender address belongs to, if any.
const MESSAGE_SELECT: &str = "select m.id, m.mailbox, m.from_address, m.from_name, m.subject, \
     m.outcome, m.reason, m.problem, m.ticket_id, m.received_at, a.name as sender_name, \
     a.org_id as sender_org_id, o.name as sender_org_name, \
     (a.active = 1 and a.role in ('requester', 'manager')) as sender_can_file \
     from mail_inbound m left join account a on a.email = lower(m.from_address) \
     left join org o on o.id = a.org_id";

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    mailbox: String,
    from_address: String,
    from_name: String,
    subject: String,
    outcome: String,
    reason: Option<String>,
    problem: Option<String>,
    ticket_id: Option<TicketId>,
    received_at: time::OffsetDateTime,
    sender_name: Option<String>,
    sender_org_id: Option<OrgId>,
    sender_org_name: Option<String>,
    sender_can_file: Option<bool>,
}

impl From<MessageRow> for InboundMessage {
    fn from(r: MessageRow) -> Self {
        InboundMessage {
            id: r.id,
            mailbox: r.mailbox,
            from_address: r.from_address,
            from_name: r.from_name,
            subject: r.subject,
            outcome: r.outcome,
            reason: r.reason,
            problem: r.problem,
            ticket_id: r.ticket_id,
            received_at: r.received_at,
            sender: match (r.sender_name, r.sender_org_id, r.sender_org_name) {
                (Some(name), Some(org_id), Some(org_name)) => Some(KnownSender {
                    name,
                    org_id,
                    org_name,
                    can_file: r.sender_can_file.unwrap_or(false),
                }),
                _ => None,
            },
        }
    }
}

/// A held message with its raw bytes.
pub struct Held {
    pub message: InboundMessage,
    pub raw: Vec<u8>,
}

impl Db {
    /// Whether a message with `dedupe_key` was recorded already.
    #[tracing::instrument(skip_all)]
    pub async fn inbound_seen(&self, dedupe_key: &str) -> Result<bool, AppError> {
        let found: Option<i64> =
            sqlx::query_scalar("select id from mail_inbound where dedupe_key = ?")
                .bind(dedupe_key)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    /// Records a message that files nothing (ignored, held, a problem); `false` when it was
    /// recorded already.
    #[tracing::instrument(skip_all)]
    pub async fn record_inbound(&self, new: &NewInbound) -> Result<bool, AppError> {
        let mut tx = self.begin().await?;
        let id = insert(&mut tx, new, None).await?;
        tx.commit().await?;
        Ok(id.is_some())
    }

    /// How many tickets mail from `from` filed since `since`.
    #[tracing::instrument(skip_all)]
    pub async fn inbound_filed_since(
        &self,
        from: &str,
        since: time::OffsetDateTime,
    ) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar(
            "select count(*) from mail_inbound where from_address = ? and received_at >= ? \
             and outcome = 'filed'",
        )
        .bind(from)
        .bind(timestamp(since))
        .fetch_one(self.pool())
        .await?)
    }

    /// Messages with `outcome`, oldest first when `oldest_first`, at most `limit`.
    #[tracing::instrument(skip_all)]
    pub async fn inbound_messages(
        &self,
        outcome: &str,
        oldest_first: bool,
        limit: i64,
    ) -> Result<Vec<InboundMessage>, AppError> {
        let order = if oldest_first { "asc" } else { "desc" };
        Ok(sqlx::query_as::<_, MessageRow>(&format!(
            "{MESSAGE_SELECT} where m.outcome = ? order by m.id {order} limit ?"
        ))
        .bind(outcome)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(InboundMessage::from)
        .collect())
    }

    /// Messages that could not be read, and filed ones with something to know; newest first.
    #[tracing::instrument(skip_all)]
    pub async fn inbound_problems(&self, limit: i64) -> Result<Vec<InboundMessage>, AppError> {
        Ok(sqlx::query_as::<_, MessageRow>(&format!(
            "{MESSAGE_SELECT} where m.outcome = 'problem' or m.problem is not null \
             order by m.id desc limit ?"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(InboundMessage::from)
        .collect())
    }

    /// The held message `id` with its raw bytes.
    #[tracing::instrument(skip_all)]
    pub async fn held_message(&self, id: i64) -> Result<Held, AppError> {
        let row = sqlx::query_as::<_, MessageRow>(&format!(
            "{MESSAGE_SELECT} where m.id = ? and m.outcome = 'held'"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(AppError::NotFound)?;
        let raw: Option<Vec<u8>> = sqlx::query_scalar("select raw from mail_inbound where id = ?")
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(Held {
            message: row.into(),
            raw: raw.unwrap_or_default(),
        })
    }

    /// Rejects the held message `id`: it stays recorded, files nothing, keeps no bytes.
    #[tracing::instrument(skip_all)]
    pub async fn reject_held(&self, id: i64) -> Result<(), AppError> {
        let done = sqlx::query(
            "update mail_inbound set outcome = 'rejected', raw = null, updated_at = ? \
             where id = ? and outcome = 'held'",
        )
        .bind(now())
        .bind(id)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn org_domains(&self) -> Result<Vec<OrgDomain>, AppError> {
        let rows: Vec<(String, OrgId, String)> = sqlx::query_as(
            "select d.domain, d.org_id, o.name from mail_org_domain d \
             join org o on o.id = d.org_id order by o.name_key, d.domain",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(domain, org_id, org_name)| OrgDomain {
                domain,
                org_id,
                org_name,
            })
            .collect())
    }

    /// The client organization whose mail domain `domain` is.
    #[tracing::instrument(skip_all)]
    pub async fn org_of_domain(&self, domain: &str) -> Result<Option<OrgId>, AppError> {
        Ok(
            sqlx::query_scalar("select org_id from mail_org_domain where domain = ?")
                .bind(domain)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    pub async fn add_org_domain(&self, org: OrgId, domain: &str) -> Result<(), AppError> {
        sqlx::query("insert into mail_org_domain (domain, org_id, created_at) values (?, ?, ?)")
            .bind(domain)
            .bind(org)
            .bind(now())
            .execute(self.pool())
            .await
            .map_err(|err| {
                if is_unique_violation(&err) {
                    AppError::invalid("domain", "This domain belongs to an organization already.")
                } else {
                    AppError::from(err)
                }
            })?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn remove_org_domain(&self, domain: &str) -> Result<(), AppError> {
        let done = sqlx::query("delete from mail_org_domain where domain = ?")
            .bind(domain)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Notes a mailbox's successful round (connected and read what was there).
    #[tracing::instrument(skip_all)]
    pub async fn mailbox_succeeded(&self, mailbox: &str) -> Result<(), AppError> {
        let at = now();
        sqlx::query(
            "insert into mail_mailbox_status (mailbox, last_success_at, updated_at) \
             values (?1, ?2, ?2) on conflict (mailbox) do update \
             set last_success_at = ?2, updated_at = ?2",
        )
        .bind(mailbox)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Notes a mailbox's failure.
    #[tracing::instrument(skip_all)]
    pub async fn mailbox_failed(&self, mailbox: &str, error: &str) -> Result<(), AppError> {
        let at = now();
        sqlx::query(
            "insert into mail_mailbox_status (mailbox, last_error, last_error_at, updated_at) \
             values (?1, ?2, ?3, ?3) on conflict (mailbox) do update \
             set last_error = ?2, last_error_at = ?3, updated_at = ?3",
        )
        .bind(mailbox)
        .bind(error)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The recorded status of each mailbox in `mailboxes` (none recorded yet: empty).
    #[tracing::instrument(skip_all)]
    pub async fn mailbox_statuses(
        &self,
        mailboxes: &[String],
    ) -> Result<Vec<MailboxStatus>, AppError> {
        let mut out = Vec::with_capacity(mailboxes.len());
        for mailbox in mailboxes {
            let row: Option<(
                Option<time::OffsetDateTime>,
                Option<String>,
                Option<time::OffsetDateTime>,
            )> = sqlx::query_as(
                "select last_success_at, last_error, last_error_at from mail_mailbox_status \
                 where mailbox = ?",
            )
            .bind(mailbox)
            .fetch_optional(self.pool())
            .await?;
            let (last_success_at, last_error, last_error_at) = row.unwrap_or_default();
            out.push(MailboxStatus {
                mailbox: mailbox.clone(),
                last_success_at,
                last_error,
                last_error_at,
            });
        }
        Ok(out)
    }
}
