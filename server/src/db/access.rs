//! SQL for the access log: recording that provider staff opened a client's ticket, file or
//! report (one statement, coalesced per ten minutes), and reading an organization's log.

use super::{Db, timestamp};
use app::access::{AccessEntry, AccessKind, AccessQuery, LogPerson, window_of};
use app::accounts::Via;
use app::accounts::{OrgId, UserId};
use app::error::AppError;
use sqlx::FromRow;
use time::OffsetDateTime;

/// One open to record.
pub struct NewAccess<'a> {
    /// The client organization whose data it is; `None` for every client organization (a
    /// report over all of them).
    pub org: Option<OrgId>,
    pub user: UserId,
    pub kind: AccessKind,
    /// Stable: the same thing opened again has the same key.
    pub key: &'a str,
    /// As people read it, at the time.
    pub object: &'a str,
    pub ticket: Option<i64>,
    pub via: Via,
    pub at: OffsetDateTime,
}

/// Another open of the same thing in the same window counts on the entry already there.
const ON_CONFLICT: &str = "on conflict (org_id, user_id, kind, object_key, via, bucket) \
     do update set count = count + 1, last_at = excluded.last_at, \
     updated_at = excluded.updated_at";

const COLUMNS: &str = "org_id, user_id, kind, object_key, object, ticket_id, via, bucket, \
     first_at, last_at, created_at, updated_at";

#[derive(FromRow)]
struct EntryRow {
    id: i64,
    user_id: i64,
    user_name: String,
    user_email: String,
    kind: String,
    object: String,
    ticket_id: Option<i64>,
    via: String,
    count: i64,
    first_at: OffsetDateTime,
    last_at: OffsetDateTime,
}

impl TryFrom<EntryRow> for AccessEntry {
    type Error = AppError;

    fn try_from(row: EntryRow) -> Result<Self, AppError> {
        let corrupt = |column: &str, value: &str| {
            tracing::error!(column, value, "unexpected value in the database");
            AppError::Internal
        };
        Ok(AccessEntry {
            kind: AccessKind::parse(&row.kind)
                .ok_or_else(|| corrupt("access_log.kind", &row.kind))?,
            via: Via::parse(&row.via).ok_or_else(|| corrupt("access_log.via", &row.via))?,
            id: row.id,
            user_id: row.user_id,
            user_name: row.user_name,
            user_email: row.user_email,
            object: row.object,
            ticket_id: row.ticket_id,
            count: row.count,
            first_at: row.first_at,
            last_at: row.last_at,
        })
    }
}

/// The UTC day after `date`, as the stored text of its midnight.
fn midnight_after(date: time::Date) -> String {
    let next = date.next_day().unwrap_or(date);
    timestamp(next.midnight().assume_utc())
}

impl Db {
    /// Records one open: a new entry, or one more on the entry of the same person, thing, way
    /// and ten-minute window. One statement on the writer, no transaction around it.
    #[tracing::instrument(skip_all)]
    pub async fn record_access(&self, access: &NewAccess<'_>) -> Result<(), AppError> {
        let at = timestamp(access.at);
        let sql = match access.org {
            Some(_) => format!(
                "insert into access_log ({COLUMNS}) \
                 values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?9, ?9) {ON_CONFLICT}"
            ),
            // The select's own `where` keeps SQLite from reading `on` as a join.
            None => format!(
                "insert into access_log ({COLUMNS}) \
                 select id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?9, ?9 from org \
                 where kind = 'client' and ?1 is null {ON_CONFLICT}"
            ),
        };
        sqlx::query(&sql)
            .bind(access.org)
            .bind(access.user)
            .bind(access.kind.as_str())
            .bind(access.key)
            .bind(access.object)
            .bind(access.ticket)
            .bind(access.via.as_str())
            .bind(window_of(access.at))
            .bind(&at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// `org`'s entries matching `query`, newest first; at most `limit`.
    #[tracing::instrument(skip_all)]
    pub async fn access_entries(
        &self,
        org: OrgId,
        query: &AccessQuery,
        limit: i64,
    ) -> Result<Vec<AccessEntry>, AppError> {
        let rows: Vec<EntryRow> = sqlx::query_as(
            "select l.id, l.user_id, a.name as user_name, a.email as user_email, l.kind, \
             l.object, l.ticket_id, l.via, l.count, l.first_at, l.last_at \
             from access_log l join account a on a.id = l.user_id \
             where l.org_id = ?1 and (?2 is null or l.user_id = ?2) \
             and (?3 is null or l.first_at >= ?3) and (?4 is null or l.first_at < ?4) \
             and (?5 is null or l.id < ?5) \
             order by l.id desc limit ?6",
        )
        .bind(org)
        .bind(query.person)
        .bind(query.from.map(|d| timestamp(d.midnight().assume_utc())))
        .bind(query.to.map(midnight_after))
        .bind(query.before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AccessEntry::try_from).collect()
    }

    /// Everyone who appears in `org`'s log, by name.
    #[tracing::instrument(skip_all)]
    pub async fn access_people(&self, org: OrgId) -> Result<Vec<LogPerson>, AppError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "select a.id, a.name from account a \
             where a.id in (select distinct user_id from access_log where org_id = ?) \
             order by a.name, a.id",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| LogPerson { id, name })
            .collect())
    }
}
