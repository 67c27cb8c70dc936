//! Filing new tickets in groups. Requests that arrive while one transaction is being written
//! wait for it and go together into the next: many new tickets share one commit (and one
//! flush of the search index), and a request is answered only once its ticket is committed.

use crate::db::Db;
use crate::db::batch::Batch;
use crate::db::live::append_live_event;
use crate::db::tickets::{
    NEW_TICKET, NewAttachment, NewEvent, NewTicket, insert_attachment, insert_event, insert_ticket,
};
use crate::db::wiki::insert_links;
use crate::tickets::files::StoredFile;
use app::accounts::{OrgId, UserId};
use app::error::AppError;
use app::tickets::{Priority, TicketId};
use app::wiki::{ArticleId, LinkKind};
use futures::StreamExt;
use serde_json::json;
use sqlx::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

/// The most tickets one transaction writes; more wait for the next.
const MAX_GROUP: usize = 64;

/// A checked new ticket, ready to write.
#[derive(Clone)]
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
    /// The mail it was filed from, recorded with it so the same message never files twice.
    pub inbound: Option<crate::db::mail_inbound::InboundMark>,
}

/// A committed new ticket: its number, its first log entry and the live event announcing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filed {
    pub id: TicketId,
    /// The "created" entry of its log.
    pub entry: i64,
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
/// fails (say, its category was archived a moment ago) leaves the others in. Nothing is
/// reported as filed unless the commit succeeded.
///
/// The transaction travels to the database's thread as one list of statements, `begin` to
/// `commit`: each trip there and back costs more than the inserts it carries. When one
/// filing fails, the statements after it do not run; the rows that came back say which
/// filing it was, that filing alone is undone, and the rest travel again.
async fn write_group(
    db: &Db,
    group: Vec<(Filing, Reply)>,
) -> Vec<(Reply, Result<Filed, AppError>)> {
    let (filings, replies): (Vec<Filing>, Vec<Reply>) = group.into_iter().unzip();
    let outcomes = match write_all(db, &filings).await {
        Ok(outcomes) => outcomes,
        // Nothing was committed, and nobody is told their ticket is filed.
        Err(err) => vec![Err(err); filings.len()],
    };
    replies.into_iter().zip(outcomes).collect()
}

/// Each filing's outcome, once the transaction holding the good ones has committed; an error
/// when nothing was committed.
async fn write_all(db: &Db, filings: &[Filing]) -> Result<Vec<Result<Filed, AppError>>, AppError> {
    let mut conn = db.writer().await?;
    let outcome = write_all_on(&mut conn, filings).await;
    if outcome.is_err() {
        // Whatever the failure left open is rolled back before the connection goes back to
        // the pool; with no transaction open, this fails harmlessly.
        let _ = sqlx::query("rollback").execute(&mut *conn).await;
    }
    outcome
}

async fn write_all_on(
    conn: &mut SqliteConnection,
    filings: &[Filing],
) -> Result<Vec<Result<Filed, AppError>>, AppError> {
    let mut outcomes = Vec::with_capacity(filings.len());
    let mut begun = false;
    loop {
        let rest = &filings[outcomes.len()..];
        let mut batch = Batch::default();
        if !begun {
            // `begin immediate` takes the write lock at once, as `Db::begin` explains.
            batch.push("begin immediate");
        }
        for filing in rest {
            file(&mut batch, filing);
        }
        batch.push("commit");
        let (ids, failure) = run(conn, &mut batch, rest).await?;
        // Whole filings went through: every row each sends back came, its savepoint's 0 last.
        let mut ids = ids.as_slice();
        for filing in rest {
            let Some((filed, after)) = ids.split_at_checked(rows_of(filing)) else {
                break;
            };
            outcomes.push(Ok(Filed {
                id: filed[0],
                entry: filed[1],
                event: filed[filed.len() - 2],
            }));
            ids = after;
        }
        let Some(err) = failure else {
            return Ok(outcomes);
        };
        if outcomes.len() == filings.len() {
            // Every filing went through; the commit did not.
            return Err(err);
        }
        // The filing after the last whole one failed (or, before any, the `begin`). Undo it
        // alone; when there is no savepoint to go back to, nothing can be trusted.
        sqlx::query("rollback to filing; release filing")
            .execute(&mut *conn)
            .await?;
        begun = true;
        outcomes.push(Err(err));
        if outcomes.len() == filings.len() {
            sqlx::query("commit").execute(&mut *conn).await?;
            return Ok(outcomes);
        }
    }
}

/// Runs `batch`, which files `filings`: the ids sent back up to the first failure, and that
/// failure.
async fn run(
    conn: &mut SqliteConnection,
    batch: &mut Batch<'_>,
    filings: &[Filing],
) -> Result<(Vec<i64>, Option<AppError>), AppError> {
    let expected = filings.iter().map(rows_of).sum();
    let mut rows = batch.fetch_ids(conn)?;
    let mut ids = Vec::with_capacity(expected);
    while let Some(row) = rows.next().await {
        match row {
            Ok(id) => ids.push(id),
            Err(err) => return Ok((ids, Some(AppError::from(err)))),
        }
    }
    if ids.len() == expected {
        Ok((ids, None))
    } else {
        tracing::error!(
            rows = ids.len(),
            expected,
            "filing sent back an unexpected number of rows"
        );
        Err(AppError::Internal)
    }
}

/// Appends one filing behind its own savepoint: the ticket, its first log entry, its ties to
/// the articles suggested for it, its files with their log entries, and the live event
/// announcing it, with the ticket's audience. The statements after the ticket's name it as
/// `NEW_TICKET`, since its number comes back only when the batch runs.
fn file<'q>(batch: &mut Batch<'q>, filing: &'q Filing) {
    let at = filing.at.as_str();
    let by = Some(filing.requester);
    batch.push("savepoint filing");
    insert_ticket(
        batch,
        NewTicket {
            org: filing.org,
            requester: filing.requester,
            category: filing.category,
            subject: &filing.subject,
            body: &filing.body,
            priority: filing.priority,
            first_response_due: filing.first_response_due.as_deref(),
            resolution_due: filing.resolution_due.as_deref(),
            at,
        },
    );
    insert_event(
        batch,
        NEW_TICKET,
        NewEvent {
            actor: by,
            kind: "created",
            old: None,
            new: Some(&filing.subject),
            comment: None,
            internal: false,
            at,
        },
    );
    insert_links(batch, NEW_TICKET, &filing.articles, LinkKind::Suggested, at);
    if let Some(mark) = &filing.inbound {
        crate::db::mail_inbound::mark_in_batch(batch, NEW_TICKET, mark);
    }
    // A statement per file: files are rare on new tickets, so batches with none, which are
    // the same text for the same number of filings, stay the common case sqlx has prepared.
    for stored in &filing.files {
        insert_attachment(
            batch,
            NEW_TICKET,
            NewAttachment {
                uploader: filing.requester,
                file_name: &stored.name,
                content_type: app::tickets::served_content_type(&stored.name).0,
                size: stored.size,
                sha256: &stored.sha256,
                internal: false,
                at,
            },
        );
        insert_event(
            batch,
            NEW_TICKET,
            NewEvent {
                actor: by,
                kind: "attachment",
                old: None,
                new: Some(&stored.name),
                comment: None,
                internal: false,
                at,
            },
        );
    }
    append_live_event(
        batch,
        "ticket.created",
        NEW_TICKET,
        by,
        false,
        &json!({ "subject": filing.subject, "status": "new",
                 "priority": filing.priority.as_str() }),
        at,
    );
    batch.push("release filing").push("select 0");
}

/// The rows one filing sends back: its number, its "created" entry's id, each file's entry's
/// id, its live event's id, and 0 once its savepoint is released.
fn rows_of(filing: &Filing) -> usize {
    4 + filing.files.len()
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
            inbound: None,
        }
    }

    async fn demo_db(dir: &tempfile::TempDir) -> (Db, OrgId, UserId, i64) {
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
        (db, org, requester, category)
    }

    #[tokio::test]
    async fn a_filing_writes_every_value_where_it_belongs() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (db, org, requester, category) = demo_db(&dir).await;
        let articles: Vec<ArticleId> =
            sqlx::query_scalar("select id from article order by id limit 2")
                .fetch_all(db.pool())
                .await
                .expect("demo articles");
        assert_eq!(articles.len(), 2);
        let queue = FilingQueue::start(db.clone());
        let mut new = filing(org, requester, category, "Scanner jams");
        new.body = "Every **third** page.".into();
        new.priority = Priority::High;
        new.first_response_due = Some("2026-11-25T10:00:00.000Z".into());
        new.resolution_due = Some("2026-11-26T12:30:00.000Z".into());
        new.articles = articles.clone();
        new.files = vec![
            StoredFile {
                name: "jam.png".into(),
                size: 2048,
                sha256: "a".repeat(64),
            },
            StoredFile {
                name: "log.txt".into(),
                size: 12,
                sha256: "b".repeat(64),
            },
        ];

        let filed = queue.file(new.clone()).await.expect("filed");

        type Ticket = (
            i64,
            i64,
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
        );
        let ticket: Ticket = sqlx::query_as(
            "select org_id, requester_id, category_id, subject, body, status, priority, \
             first_response_due_at, resolution_due_at, created_at from ticket where id = ?",
        )
        .bind(filed.id)
        .fetch_one(db.pool())
        .await
        .expect("the ticket");
        assert_eq!(
            ticket,
            (
                org,
                requester,
                category,
                new.subject.clone(),
                new.body.clone(),
                "new".into(),
                "high".into(),
                "2026-11-25T10:00:00.000Z".into(),
                "2026-11-26T12:30:00.000Z".into(),
                new.at.clone(),
            )
        );
        let entry: (i64, i64, String, Option<String>, String) = sqlx::query_as(
            "select ticket_id, actor_id, kind, new_value, created_at from ticket_event \
             where id = ?",
        )
        .bind(filed.entry)
        .fetch_one(db.pool())
        .await
        .expect("the log entry");
        assert_eq!(
            entry,
            (
                filed.id,
                requester,
                "created".into(),
                Some(new.subject.clone()),
                new.at.clone()
            )
        );
        let event: (String, i64, i64, i64, i64, String, String) = sqlx::query_as(
            "select kind, ticket_id, org_id, requester_id, actor_id, data, created_at \
             from live_event where id = ?",
        )
        .bind(filed.event)
        .fetch_one(db.pool())
        .await
        .expect("the live event");
        let data: serde_json::Value = serde_json::from_str(&event.5).expect("event data");
        assert_eq!(
            (event.0.as_str(), event.1, event.2, event.3, event.4),
            ("ticket.created", filed.id, org, requester, requester)
        );
        assert_eq!(
            data,
            json!({ "subject": "Scanner jams", "status": "new", "priority": "high" })
        );
        assert_eq!(event.6, new.at);
        let links: Vec<(i64, String, String)> = sqlx::query_as(
            "select article_id, kind, created_at from article_link where ticket_id = ? \
             order by article_id",
        )
        .bind(filed.id)
        .fetch_all(db.pool())
        .await
        .expect("the links");
        type File = (i64, String, String, i64, String, bool, String);
        let files: Vec<File> = sqlx::query_as(
            "select uploader_id, file_name, content_type, size, sha256, internal, created_at \
             from attachment where ticket_id = ? order by id",
        )
        .bind(filed.id)
        .fetch_all(db.pool())
        .await
        .expect("the files");
        assert_eq!(
            files,
            [
                ("jam.png", "image/png", 2048, "a"),
                ("log.txt", "text/plain; charset=utf-8", 12, "b")
            ]
            .map(|(name, kind, size, hash)| (
                requester,
                name.to_string(),
                kind.to_string(),
                size,
                hash.repeat(64),
                false,
                new.at.clone()
            ))
        );
        let log: Vec<(String, Option<String>, i64)> = sqlx::query_as(
            "select kind, new_value, actor_id from ticket_event where ticket_id = ? order by id",
        )
        .bind(filed.id)
        .fetch_all(db.pool())
        .await
        .expect("the log");
        assert_eq!(
            log,
            [
                ("created", "Scanner jams"),
                ("attachment", "jam.png"),
                ("attachment", "log.txt")
            ]
            .map(|(kind, value)| (
                kind.to_string(),
                Some(value.to_string()),
                requester
            ))
        );
        assert_eq!(
            links,
            articles
                .iter()
                .map(|id| (*id, "suggested".to_string(), new.at.clone()))
                .collect::<Vec<_>>()
        );
    }

    #[tokio::test]
    async fn a_failed_filing_in_the_middle_of_a_trip_is_undone_alone_and_the_rest_travel_on() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (db, org, requester, category) = demo_db(&dir).await;
        let filings: Vec<Filing> = ["First", "Broken", "Third", "Fourth"]
            .iter()
            .map(|subject| {
                // "Broken" names a category that does not exist: its insert breaks a key.
                let category = if *subject == "Broken" {
                    i64::MAX
                } else {
                    category
                };
                filing(org, requester, category, subject)
            })
            .collect();

        let outcomes = write_all(&db, &filings).await.expect("a commit");

        assert_eq!(
            outcomes.iter().map(Result::is_ok).collect::<Vec<_>>(),
            [true, false, true, true]
        );
        let stored: Vec<(i64, String)> = sqlx::query_as(
            "select t.id, t.subject from ticket t where exists (select 1 from live_event e \
             where e.ticket_id = t.id) and t.subject in ('First', 'Broken', 'Third', 'Fourth') \
             order by t.id",
        )
        .fetch_all(db.pool())
        .await
        .expect("the tickets");
        let filed: Vec<(i64, String)> = outcomes
            .iter()
            .zip(&filings)
            .filter_map(|(outcome, filing)| {
                outcome
                    .as_ref()
                    .ok()
                    .map(|f| (f.id, filing.subject.clone()))
            })
            .collect();
        assert_eq!(stored, filed);
        assert_eq!(
            stored.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
            ["First", "Third", "Fourth"]
        );
    }

    #[tokio::test]
    async fn a_failure_first_or_last_or_everywhere_undoes_only_the_failed_filings() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (db, org, requester, category) = demo_db(&dir).await;
        for (case, bad) in [
            ("first", vec![true, false, false]),
            ("last", vec![false, false, true]),
            ("all", vec![true, true]),
        ] {
            let filings: Vec<Filing> = bad
                .iter()
                .enumerate()
                .map(|(n, bad)| {
                    let category = if *bad { i64::MAX } else { category };
                    filing(org, requester, category, &format!("{case} {n}"))
                })
                .collect();

            let outcomes = write_all(&db, &filings).await.expect("a commit");

            let filed: Vec<bool> = outcomes.iter().map(Result::is_ok).collect();
            assert_eq!(filed, bad.iter().map(|b| !b).collect::<Vec<_>>(), "{case}");
            let stored: i64 =
                sqlx::query_scalar("select count(*) from ticket where subject like ?")
                    .bind(format!("{case} %"))
                    .fetch_one(db.pool())
                    .await
                    .expect("a count");
            assert_eq!(
                stored,
                filed.iter().filter(|f| **f).count() as i64,
                "{case}"
            );
        }
        // The writer is free again: nothing was left open on it.
        let mut tx = db.begin().await.expect("a new transaction");
        sqlx::query("select 1")
            .execute(&mut *tx)
            .await
            .expect("a statement");
        tx.commit().await.expect("a commit");
    }

    #[tokio::test]
    async fn a_group_commits_every_good_filing_and_refuses_only_the_bad_one() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (db, org, requester, category) = demo_db(&dir).await;
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
