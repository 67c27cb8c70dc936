//! SQL for the home pages: the last thing a requester may see on each of their requests, what
//! others did on a technician's tickets, and how far the technician has read it.

use super::{Db, timestamp};
use app::accounts::UserId;
use app::error::AppError;
use app::home::Change;
use app::tickets::{TicketId, TimelineEntry};
use sqlx::{FromRow, QueryBuilder, Sqlite};
use std::collections::HashMap;
use time::OffsetDateTime;

#[derive(FromRow)]
struct EventRow {
    ticket_id: i64,
    subject: String,
    id: i64,
    kind: String,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    actor_role: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
    internal: bool,
    created_at: OffsetDateTime,
}

impl EventRow {
    fn entry(self) -> (TicketId, String, Option<UserId>, TimelineEntry) {
        let entry = TimelineEntry {
            id: self.id,
            kind: self.kind,
            actor_name: self.actor_name,
            actor_is_staff: matches!(self.actor_role.as_deref(), Some("technician" | "admin")),
            body_html: None,
            old_value: self.old_value,
            new_value: self.new_value,
            internal: self.internal,
            at: self.created_at,
        };
        (self.ticket_id, self.subject, self.actor_id, entry)
    }
}

const EVENT_SELECT: &str = "select e.ticket_id, t.subject, e.id, e.kind, e.actor_id, \
     a.name as actor_name, a.role as actor_role, e.old_value, e.new_value, e.internal, \
     e.created_at \
     from ticket_event e join ticket t on t.id = e.ticket_id \
     left join account a on a.id = e.actor_id";

impl Db {
    /// The last public message on each of `tickets`: the request itself or a reply (never an
    /// internal note), with who wrote it. Changes of status show as the status itself; the
    /// assignment a reply makes, say, would hide the reply.
    #[tracing::instrument(skip_all)]
    pub async fn latest_public_events(
        &self,
        tickets: &[TicketId],
    ) -> Result<HashMap<TicketId, (Option<UserId>, TimelineEntry)>, AppError> {
        if tickets.is_empty() {
            return Ok(HashMap::new());
        }
        let mut qb = QueryBuilder::<Sqlite>::new(EVENT_SELECT);
        qb.push(
            " where e.id in (select max(x.id) from ticket_event x \
             where x.internal = 0 and x.kind in ('created', 'comment') and x.ticket_id in (",
        );
        let mut ids = qb.separated(", ");
        for id in tickets {
            ids.push_bind(*id);
        }
        qb.push(") group by x.ticket_id)");
        let rows: Vec<EventRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(EventRow::entry)
            .map(|(ticket, _, actor, entry)| (ticket, (actor, entry)))
            .collect())
    }

    /// What others (or the clock) did on the tickets assigned to `user`, newest first: events
    /// after `after_event`, and (when given) after `after_time`; at most `limit`. Logged time
    /// is left out: it is bookkeeping, not news.
    #[tracing::instrument(skip_all)]
    pub async fn desk_changes(
        &self,
        user: UserId,
        after_event: i64,
        after_time: Option<OffsetDateTime>,
        limit: usize,
    ) -> Result<Vec<Change>, AppError> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "{EVENT_SELECT} where t.assignee_id = ?1 and e.id > ?2 \
             and (?3 is null or e.created_at > ?3) \
             and (e.actor_id is null or e.actor_id <> ?1) and e.kind <> 'time' \
             order by e.id desc limit ?4"
        ))
        .bind(user)
        .bind(after_event)
        .bind(after_time.map(timestamp))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(EventRow::entry)
            .map(|(ticket_id, subject, _, entry)| Change {
                ticket_id,
                subject,
                entry,
            })
            .collect())
    }

    /// How far `user` has read their desk: the last event they marked seen, and when.
    #[tracing::instrument(skip_all)]
    pub async fn desk_seen(&self, user: UserId) -> Result<Option<(i64, OffsetDateTime)>, AppError> {
        Ok(
            sqlx::query_as("select event_id, seen_at from desk_seen where account_id = ?")
                .bind(user)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Marks `user`'s desk read through event `through`, never past the newest event there is
    /// and never back before what they marked earlier.
    #[tracing::instrument(skip_all)]
    pub async fn mark_desk_seen(&self, user: UserId, through: i64) -> Result<(), AppError> {
        sqlx::query(
            "insert into desk_seen (account_id, event_id, seen_at) \
             values (?1, min(?2, (select coalesce(max(id), 0) from ticket_event)), ?3) \
             on conflict (account_id) do update set \
             event_id = max(desk_seen.event_id, excluded.event_id), seen_at = excluded.seen_at",
        )
        .bind(user)
        .bind(through)
        .bind(super::now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
