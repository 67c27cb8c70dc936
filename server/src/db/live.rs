//! SQL for the live stream's events.

use super::Db;
use super::batch::{Batch, RowRef};
use app::error::AppError;
use app::live::{Audience, LiveEvent, may_receive};
use app::wiki::Visibility;
use sqlx::{FromRow, Sqlite, Transaction};

/// An event with the audience it is for.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub event: LiveEvent,
    pub audience: Audience,
    /// For an event about an article: who could read the article as it was saved.
    pub article: Option<ArticleAudience>,
}

/// An article's readers when an event about it was recorded.
#[derive(Debug, Clone, Copy)]
pub struct ArticleAudience {
    /// `None` when the stored audience no longer parses: then staff only.
    pub audience: Option<app::wiki::Audience>,
    pub published: bool,
}

impl StoredEvent {
    /// The read rule of what the event is about, applied to the stream.
    pub fn may_receive(&self, actor: &app::accounts::Actor) -> bool {
        match self.article {
            Some(article) => match article.audience {
                Some(audience) => app::wiki::may_read(actor, audience, article.published),
                None => actor.is_provider_staff(),
            },
            None => may_receive(actor, &self.audience),
        }
    }
}

#[derive(FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    ticket_id: Option<i64>,
    org_id: Option<i64>,
    requester_id: Option<i64>,
    org_shares: bool,
    internal: bool,
    actor_id: Option<i64>,
    data: String,
    article_id: Option<i64>,
    article_visibility: Option<String>,
    article_published: Option<bool>,
}

impl From<EventRow> for StoredEvent {
    fn from(row: EventRow) -> Self {
        let article = row.article_id.map(|_| ArticleAudience {
            audience: row
                .article_visibility
                .as_deref()
                .and_then(|v| Visibility::parse(v).ok())
                .and_then(|v| app::wiki::Audience::from_parts(v, row.org_id)),
            published: row.article_published.unwrap_or(false),
        });
        StoredEvent {
            article,
            event: LiveEvent {
                id: row.id,
                kind: row.kind,
                ticket_id: row.ticket_id,
                actor_id: row.actor_id,
                data: serde_json::from_str(&row.data).unwrap_or_default(),
            },
            audience: Audience {
                org_id: row.org_id,
                requester_id: row.requester_id,
                org_shares: row.org_shares,
                internal: row.internal,
            },
        }
    }
}

/// The newest event's id (0 before the first), read on `conn`: inside a transaction, the
/// newest that transaction sees.
pub async fn newest_event_id(conn: &mut sqlx::SqliteConnection) -> Result<i64, AppError> {
    sqlx::query_scalar("select coalesce(max(id), 0) from live_event")
        .fetch_one(conn)
        .await
        .map_err(AppError::from)
}

impl Db {
    #[tracing::instrument(skip_all)]
    pub async fn last_live_event_id(&self) -> Result<i64, AppError> {
        sqlx::query_scalar("select coalesce(max(id), 0) from live_event")
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
    }

    /// Events with `after < id <= up_to`, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn live_events_between(
        &self,
        after: i64,
        up_to: i64,
    ) -> Result<Vec<StoredEvent>, AppError> {
        Ok(sqlx::query_as::<_, EventRow>(
            "select id, kind, ticket_id, org_id, requester_id, org_shares, internal, actor_id, \
             data, article_id, article_visibility, article_published \
             from live_event where id > ? and id <= ? order by id",
        )
        .bind(after)
        .bind(up_to)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(StoredEvent::from)
        .collect())
    }
}

impl Db {
    /// At most `limit` events after `after`, oldest first: a reader's next batch.
    #[tracing::instrument(skip_all)]
    pub async fn live_events_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, AppError> {
        Ok(sqlx::query_as::<_, EventRow>(
            "select id, kind, ticket_id, org_id, requester_id, org_shares, internal, actor_id, \
             data, article_id, article_visibility, article_published \
             from live_event where id > ? order by id limit ?",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(StoredEvent::from)
        .collect())
    }
}

/// Records an event about `ticket` in the change's transaction, with the ticket's audience as
/// it is then; sends back the event's id, to publish after the commit.
pub fn append_live_event<'q>(
    batch: &mut Batch<'q>,
    kind: &'q str,
    ticket: RowRef,
    actor: Option<i64>,
    internal: bool,
    data: &serde_json::Value,
    at: &'q str,
) {
    batch
        .push_about(
            ticket,
            "insert into live_event (kind, ticket_id, org_id, requester_id, org_shares, \
             internal, actor_id, data, created_at) \
             select ?, t.id, t.org_id, t.requester_id, o.share_tickets, ?, ?, ?, ? \
             from about join ticket t on t.id = about.id join org o on o.id = t.org_id \
             returning id",
        )
        .bind(kind)
        .bind(internal)
        .bind(actor)
        .bind(data.to_string())
        .bind(at);
}

/// Records an event about `article` in the change's transaction, with the article's audience
/// as it is now; returns the event's id, to publish after the commit.
pub async fn record_article(
    tx: &mut Transaction<'static, Sqlite>,
    kind: &str,
    article: i64,
    actor: Option<i64>,
    data: &serde_json::Value,
    at: &str,
) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "insert into live_event (kind, org_id, internal, actor_id, data, created_at, \
         article_id, article_visibility, article_published) \
         select ?1, a.org_id, a.visibility = 'internal', ?2, ?3, ?4, a.id, a.visibility, \
         a.published from article a where a.id = ?5 returning id",
    )
    .bind(kind)
    .bind(actor)
    .bind(data.to_string())
    .bind(at)
    .bind(article)
    .fetch_one(&mut **tx)
    .await
    .map_err(AppError::from)
}
