//! Filing new tickets in groups. Requests that arrive while one transaction is being written
//! wait for it and go together into the next: many new tickets share one commit (and one
//! flush of the search index), and a request is answered only once its ticket is committed.

use super::record_files;
use crate::db::Db;
use crate::db::tickets::{TicketInsert, TicketWrite};
use crate::tickets::files::StoredFile;
use app::accounts::{OrgId, UserId};
use app::error::AppError;
use app::tickets::{Priority, TicketId};
use app::wiki::{ArticleId, LinkKind};
use serde_json::json;
use sqlx::{Sqlite, Transaction};
use tokio::sync::{mpsc, oneshot};

/// The most tickets one transaction writes; more wait for the next.
const MAX_GROUP: usize = 64;

/// A checked new ticket, ready to write.
pub struct Filing {
    pub org: OrgId,
    pub requester: UserId,
    pub category: i64,
    pub subject: String,
    pub body: String,
    pub priority: Priority,
    pub first_response_due: Option<String>,
    pub resolution_due: Option<String>,
    /// The filing time, as stored text.
    pub at: String,
    /// Files stored already, to record with the ticket.
    pub files: Vec<StoredFile>,
    /// Articles suggested for its words, to tie to it.
    pub articles: Vec<ArticleId>,
}

/// A committed new ticket: its number and the live event that announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filed {
    pub id: TicketId,
    pub event: i64,
}

type Reply = oneshot::Sender<Result<Filed, AppError>>;

/// The queue in front of the one task that writes new tickets.
pub struct FilingQueue {
    sender: mpsc::Sender<(Filing, Reply)>,
}

impl FilingQueue {
    /// Starts the writing task; it ends when the queue is dropped.
    pub fn start(db: Db) -> FilingQueue {
        let (sender, receiver) = mpsc::channel(MAX_GROUP * 4);
        tokio::spawn(write_groups(db, receiver));
        FilingQueue { sender }
    }

    /// Writes `filing` in the next group and waits until it is committed.
    pub async fn file(&self, filing: Filing) -> Result<Filed, AppError> {
        let (reply, answer) = oneshot::channel();
        if self.sender.send((filing, reply)).await.is_err() {
            tracing::error!("the filing task has stopped");
            return Err(AppError::Internal);
        }
        answer.await.unwrap_or_else(|_| {
            tracing::error!("the filing task dropped a request");
            Err(AppError::Internal)
        })
    }
}

async fn write_groups(db: Db, mut receiver: mpsc::Receiver<(Filing, Reply)>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while receiver.recv_many(&mut group, MAX_GROUP).await > 0 {
        let size = group.len();
        let outcomes = write_group(&db, std::mem::take(&mut group)).await;
        tracing::debug!(size, "filed a group of tickets");
        for (reply, outcome) in outcomes {
            // The request may have gone away; its ticket is filed all the same.
            let _ = reply.send(outcome);
        }
    }
}

/// Writes every filing of `group` in one transaction, each behind a savepoint so one that
/// fails (say, its category was deleted a moment ago) leaves the others in. Nothing is
/// reported as filed unless the commit succeeded.
async fn write_group(
    db: &Db,
    group: Vec<(Filing, Reply)>,
) -> Vec<(Reply, Result<Filed, AppError>)> {
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(err) => {
            return group
                .into_iter()
                .map(|(_, reply)| (reply, Err(err.clone())))
                .collect();
        }
    };
    let mut outcomes = Vec::with_capacity(group.len());
    let mut broken = false;
    for (filing, reply) in group {
        if broken {
            outcomes.push((reply, Err(AppError::Internal)));
            continue;
        }
        let outcome = match savepoint(&mut tx, "savepoint filing").await {
            Ok(()) => match write_one(&mut tx, &filing).await {
                Ok(filed) => savepoint(&mut tx, "release filing").await.map(|()| filed),
                Err(err) => {
                    let undone = savepoint(&mut tx, "rollback to filing").await.is_ok()
                        && savepoint(&mut tx, "release filing").await.is_ok();
                    broken = !undone;
                    Err(err)
                }
            },
            Err(err) => {
                broken = true;
                Err(err)
            }
        };
        outcomes.push((reply, outcome));
    }
    if broken {
        // Dropping the transaction rolls it back; nobody was told their ticket is filed.
        return outcomes
            .into_iter()
            .map(|(reply, _)| (reply, Err(AppError::Internal)))
            .collect();
    }
    if let Err(err) = tx.commit().await {
        let err = crate::db::db_error(err);
        return outcomes
            .into_iter()
            .map(|(reply, _)| (reply, Err(err.clone())))
            .collect();
    }
    outcomes
}

async fn savepoint(tx: &mut Transaction<'static, Sqlite>, statement: &str) -> Result<(), AppError> {
    sqlx::query(statement)
        .execute(&mut **tx)
        .await
        .map_err(crate::db::db_error)?;
    Ok(())
}

/// The ticket, its first log entry, its files, its ties to suggested articles and the live
/// event announcing it.
async fn write_one(
    tx: &mut Transaction<'static, Sqlite>,
    filing: &Filing,
) -> Result<Filed, AppError> {
    let id = TicketWrite::insert_ticket(
        tx,
        &TicketInsert {
            org: filing.org,
            requester: filing.requester,
            category: filing.category,
            subject: &filing.subject,
            body: &filing.body,
            priority: filing.priority,
            first_response_due: filing.first_response_due.clone(),
            resolution_due: filing.resolution_due.clone(),
            at: &filing.at,
        },
    )
    .await?;
    let mut write = TicketWrite::at(tx, id, Some(filing.requester), filing.at.clone());
    write
        .event("created", None, Some(&filing.subject), None, false)
        .await?;
    record_files(&mut write, filing.requester, &filing.files, false).await?;
    let event = write
        .live(
            "ticket.created",
            false,
            json!({ "subject": filing.subject, "status": "new",
                    "priority": filing.priority.as_str() }),
        )
        .await?;
    for article in &filing.articles {
        crate::db::wiki::link(tx, id, *article, LinkKind::Suggested).await?;
    }
    Ok(Filed { id, event })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountsService;

    fn filing(org: OrgId, requester: UserId, category: i64, subject: &str) -> Filing {
        Filing {
            org,
            requester,
            category,
            subject: subject.into(),
            body: "Body".into(),
            priority: Priority::Normal,
            first_response_due: None,
            resolution_due: None,
            at: crate::db::now(),
            files: Vec::new(),
            articles: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_group_commits_every_good_filing_and_refuses_only_the_bad_one() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("filing.db"))
            .await
            .expect("a database");
        crate::demo::seed_if_empty(&AccountsService::new(db.clone(), 0, 0))
            .await
            .expect("demo people");
        let (org, requester, category): (i64, i64, i64) = sqlx::query_as(
            "select a.org_id, a.id, c.id from account a join category c on c.org_id = a.org_id \
             where a.email = 'rob@acme.example' limit 1",
        )
        .fetch_one(db.pool())
        .await
        .expect("Rob and a category");
        let queue = std::sync::Arc::new(FilingQueue::start(db.clone()));

        let mut filers = tokio::task::JoinSet::new();
        for n in 0..20 {
            let queue = queue.clone();
            // Ticket 7 names a category that does not exist: its insert breaks a foreign key.
            let category = if n == 7 { i64::MAX } else { category };
            filers.spawn(async move {
                let outcome = queue
                    .file(filing(org, requester, category, &format!("Group {n}")))
                    .await;
                (n, outcome)
            });
        }
        let mut filed = Vec::new();
        while let Some(joined) = filers.join_next().await {
            let (n, outcome) = joined.expect("a filer");
            match outcome {
                Ok(one) => filed.push(one),
                Err(err) => assert_eq!(n, 7, "only the bad filing fails: {err:?}"),
            }
        }

        assert_eq!(filed.len(), 19);
        let stored: Vec<(i64, i64)> = sqlx::query_as(
            "select t.id, (select count(*) from ticket_event e \
             where e.ticket_id = t.id and e.kind = 'created') \
             from ticket t where t.subject like 'Group %' order by t.id",
        )
        .fetch_all(db.pool())
        .await
        .expect("the tickets");
        let mut ids: Vec<i64> = filed.iter().map(|f| f.id).collect();
        ids.sort_unstable();
        assert_eq!(stored.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids);
        assert!(
            stored.iter().all(|(_, created)| *created == 1),
            "{stored:?}"
        );
        let events: i64 = sqlx::query_scalar(
            "select count(*) from live_event where kind = 'ticket.created' and ticket_id in \
             (select id from ticket where subject like 'Group %')",
        )
        .fetch_one(db.pool())
        .await
        .expect("the events");
        assert_eq!(events, 19);
    }
}
