//! SQL for time logged on tickets, running timers, contracts, and the workload figures.
//!
//! Every figure is one grouped query over a covering index led by the org (see the
//! `time_reports` migration), or over the per-day counts the `report_rollup` migration's
//! triggers keep, so the per-day and per-category charts read a few rows per day rather than
//! every ticket of the period. "All client orgs" and "one org" share each statement: `?1` is
//! the org or null, and `ORGS` expands to the client orgs it names, which SQLite turns into one
//! index range scan per org.

use super::Db;
use super::batch::{Batch, RowRef};
use app::accounts::{OrgId, UserId};
use app::error::AppError;
use app::reports::{Contract, NewTime, RunningTimer, TimeEntry, format_date};
use app::tickets::TicketId;
use sqlx::{FromRow, Sqlite, Transaction};
use time::OffsetDateTime;

/// The client orgs `?1` names: that one (if it is a client org), or all when null.
const ORGS: &str = "(select id from org where kind = 'client' and (?1 is null or id = ?1))";

#[derive(FromRow)]
struct TimeRow {
    id: i64,
    ticket_id: i64,
    ticket_subject: String,
    org_id: i64,
    org_name: String,
    user_id: i64,
    user_name: String,
    minutes: i64,
    note: String,
    billable: bool,
    work_date: String,
    billed_month: Option<String>,
    created_at: OffsetDateTime,
}

impl From<TimeRow> for TimeEntry {
    fn from(row: TimeRow) -> Self {
        TimeEntry {
            id: row.id,
            ticket_id: row.ticket_id,
            ticket_subject: row.ticket_subject,
            org_id: row.org_id,
            org_name: row.org_name,
            user_id: row.user_id,
            user_name: row.user_name,
            minutes: row.minutes,
            note: row.note,
            billable: row.billable,
            date: row.work_date,
            billed_month: row.billed_month,
            created_at: row.created_at,
        }
    }
}

const TIME_SELECT: &str = "select e.id, e.ticket_id, t.subject as ticket_subject, e.org_id, \
     o.name as org_name, e.user_id, a.name as user_name, e.minutes, e.note, e.billable, \
     e.work_date, e.billed_month, e.created_at \
     from time_entry e \
     join ticket t on t.id = e.ticket_id \
     join org o on o.id = e.org_id \
     join account a on a.id = e.user_id";

/// Who owns an entry, and whether it is locked, for the rules to decide on.
pub struct TimeOwner {
    pub ticket_id: TicketId,
    pub user_id: UserId,
    pub minutes: i64,
    pub billed_month: Option<String>,
}

/// A timer as it was stopped.
pub struct StoppedTimer {
    pub ticket_id: TicketId,
    pub started_at: OffsetDateTime,
}

/// The period a report covers, as the stored text compares: timestamps from `from` 00:00 UTC
/// up to (not including) the day after `to`, and the same days as `YYYY-MM-DD`.
pub struct Period {
    pub from_at: String,
    pub until_at: String,
    pub from_date: String,
    pub to_date: String,
}

impl Period {
    pub fn new(from: time::Date, to: time::Date) -> Period {
        let midnight = |d: time::Date| format!("{}T00:00:00.000Z", format_date(d));
        Period {
            from_at: midnight(from),
            until_at: midnight(to.next_day().unwrap_or(to)),
            from_date: format_date(from),
            to_date: format_date(to),
        }
    }
}

/// Open tickets counted by age bucket (0–3), assignee, priority and status.
pub type OpenCount = (i64, Option<UserId>, String, String, i64);
/// Tickets resolved on one day by one assignee: day, assignee, count, rated good, rated bad.
pub type ResolvedCount = (String, Option<UserId>, i64, i64, i64);

impl Db {
    #[tracing::instrument(skip_all)]
    pub async fn ticket_time(&self, ticket: TicketId) -> Result<Vec<TimeEntry>, AppError> {
        Ok(sqlx::query_as::<_, TimeRow>(&format!(
            "{TIME_SELECT} where e.ticket_id = ? order by e.work_date, e.id"
        ))
        .bind(ticket)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(TimeEntry::from)
        .collect())
    }

    #[tracing::instrument(skip_all)]
    pub async fn time_entry(&self, id: i64) -> Result<TimeEntry, AppError> {
        sqlx::query_as::<_, TimeRow>(&format!("{TIME_SELECT} where e.id = ?"))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
            .map(TimeEntry::from)
    }

    /// Entries of the client org `org` (all client orgs for `None`) dated from `first` to
    /// `last` (inclusive `YYYY-MM-DD`), oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn time_entries(
        &self,
        org: Option<OrgId>,
        first: &str,
        last: &str,
    ) -> Result<Vec<TimeEntry>, AppError> {
        Ok(sqlx::query_as::<_, TimeRow>(&format!(
            "{TIME_SELECT} where e.org_id in {ORGS} and e.work_date >= ?2 and e.work_date <= ?3 \
             order by e.work_date, e.org_id, e.id"
        ))
        .bind(org)
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(TimeEntry::from)
        .collect())
    }

    #[tracing::instrument(skip_all)]
    pub async fn running_timer(&self, user: UserId) -> Result<Option<RunningTimer>, AppError> {
        let row: Option<(i64, String, OffsetDateTime)> = sqlx::query_as(
            "select r.ticket_id, t.subject, r.started_at from running_timer r \
             join ticket t on t.id = r.ticket_id where r.user_id = ?",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(ticket_id, ticket_subject, started_at)| RunningTimer {
                ticket_id,
                ticket_subject,
                started_at,
            }),
        )
    }

    /// The name of client org `org`; `None` when there is no such client org.
    #[tracing::instrument(skip_all)]
    pub async fn client_org_name(&self, org: OrgId) -> Result<Option<String>, AppError> {
        sqlx::query_scalar("select name from org where id = ? and kind = 'client'")
            .bind(org)
            .fetch_optional(&self.pool)
            .await
            .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all)]
    pub async fn contract(&self, org: OrgId) -> Result<Option<Contract>, AppError> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "select hours_included, hourly_rate_cents from contract where org_id = ?",
        )
        .bind(org)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(hours_included, hourly_rate_cents)| Contract {
            org_id: org,
            hours_included,
            hourly_rate_cents,
        }))
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_contract(&self, contract: &Contract) -> Result<(), AppError> {
        let at = super::now();
        sqlx::query(
            "insert into contract (org_id, hours_included, hourly_rate_cents, created_at, \
             updated_at) values (?1, ?2, ?3, ?4, ?4) \
             on conflict (org_id) do update set hours_included = excluded.hours_included, \
             hourly_rate_cents = excluded.hourly_rate_cents, updated_at = excluded.updated_at",
        )
        .bind(contract.org_id)
        .bind(contract.hours_included)
        .bind(contract.hourly_rate_cents)
        .bind(&at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Locks every unbilled entry of `org` dated `first..=last` as billed in `month`.
    #[tracing::instrument(skip_all)]
    pub async fn mark_billed(
        &self,
        org: OrgId,
        month: &str,
        first: &str,
        last: &str,
    ) -> Result<u64, AppError> {
        sqlx::query(
            "update time_entry set billed_month = ?1, updated_at = ?2 \
             where org_id = ?3 and work_date >= ?4 and work_date <= ?5 and billed_month is null",
        )
        .bind(month)
        .bind(super::now())
        .bind(org)
        .bind(first)
        .bind(last)
        .execute(&self.writer)
        .await
        .map_err(AppError::from)
        .map(|done| done.rows_affected())
    }

    /// Provider staff: id, name, whether active.
    #[tracing::instrument(skip_all)]
    pub async fn provider_staff(&self) -> Result<Vec<(UserId, String, bool)>, AppError> {
        sqlx::query_as(
            "select id, name, active from account where role in ('technician', 'admin') \
             order by name, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Open tickets now, by age (filed after `ages[0]`: 0, after `ages[1]`: 1, after
    /// `ages[2]`: 2, else 3), assignee, priority and status.
    #[tracing::instrument(skip_all)]
    pub async fn open_counts(
        &self,
        org: Option<OrgId>,
        ages: &[String; 3],
    ) -> Result<Vec<OpenCount>, AppError> {
        // Grouped by age first: grouped by status first, SQLite would pick the status index
        // and visit the table for every open ticket.
        sqlx::query_as(&format!(
            "select case when created_at > ?2 then 0 when created_at > ?3 then 1 \
             when created_at > ?4 then 2 else 3 end as age, assignee_id, priority, status, \
             count(*) from ticket \
             where org_id in {ORGS} and status in ('new', 'open', 'pending') \
             group by 1, 2, 3, 4"
        ))
        .bind(org)
        .bind(&ages[0])
        .bind(&ages[1])
        .bind(&ages[2])
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Tickets filed per day (`YYYY-MM-DD`, UTC) in the period.
    #[tracing::instrument(skip_all)]
    pub async fn created_per_day(
        &self,
        org: Option<OrgId>,
        period: &Period,
    ) -> Result<Vec<(String, i64)>, AppError> {
        sqlx::query_as(&format!(
            "select day, sum(filed) from ticket_filed_day \
             where org_id in {ORGS} and day >= ?2 and day <= ?3 \
             group by day having sum(filed) > 0"
        ))
        .bind(org)
        .bind(&period.from_date)
        .bind(&period.to_date)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Tickets resolved in the period, per day and assignee, with their ratings.
    #[tracing::instrument(skip_all)]
    pub async fn resolved_per_day(
        &self,
        org: Option<OrgId>,
        period: &Period,
    ) -> Result<Vec<ResolvedCount>, AppError> {
        sqlx::query_as(&format!(
            "select day, assignee_id, sum(resolved), sum(rated_good), sum(rated_bad) \
             from ticket_resolved_day \
             where org_id in {ORGS} and day >= ?2 and day <= ?3 \
             group by 1, 2 having sum(resolved) > 0"
        ))
        .bind(org)
        .bind(&period.from_date)
        .bind(&period.to_date)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Business minutes to the first response of tickets first answered in the period, as
    /// (minutes, how many tickets), smallest first.
    #[tracing::instrument(skip_all)]
    pub async fn first_response_minutes(
        &self,
        org: Option<OrgId>,
        period: &Period,
    ) -> Result<Vec<(i64, i64)>, AppError> {
        sqlx::query_as(&format!(
            "select first_response_minutes, count(*) from ticket \
             where org_id in {ORGS} and first_responded_at >= ?2 and first_responded_at < ?3 \
             and first_response_minutes is not null group by 1 order by 1"
        ))
        .bind(org)
        .bind(&period.from_at)
        .bind(&period.until_at)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Business minutes to resolution of tickets resolved in the period, as (minutes, how
    /// many tickets), smallest first.
    #[tracing::instrument(skip_all)]
    pub async fn resolution_minutes(
        &self,
        org: Option<OrgId>,
        period: &Period,
    ) -> Result<Vec<(i64, i64)>, AppError> {
        sqlx::query_as(&format!(
            "select resolution_minutes, count(*) from ticket \
             where org_id in {ORGS} and resolved_at >= ?2 and resolved_at < ?3 \
             and resolution_minutes is not null group by 1 order by 1"
        ))
        .bind(org)
        .bind(&period.from_at)
        .bind(&period.until_at)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Tickets with a target missed whose due time falls in the period (and before `now`):
    /// answered or resolved after the due time, or not at all. A ticket missing both targets
    /// counts once.
    #[tracing::instrument(skip_all)]
    pub async fn sla_breaches(
        &self,
        org: Option<OrgId>,
        period: &Period,
        now: &str,
    ) -> Result<i64, AppError> {
        const FIRST_MISSED: &str = "first_response_due_at >= ?2 and first_response_due_at < ?3 \
             and first_response_due_at < ?4 \
             and (first_responded_at is null or first_responded_at > first_response_due_at)";
        sqlx::query_scalar(&format!(
            "select (select count(*) from ticket where org_id in {ORGS} and {FIRST_MISSED}) \
             + (select count(*) from ticket where org_id in {ORGS} \
                and resolution_due_at >= ?2 and resolution_due_at < ?3 \
                and resolution_due_at < ?4 \
                and (resolved_at is null or resolved_at > resolution_due_at) \
                and not coalesce({FIRST_MISSED}, 0))"
        ))
        .bind(org)
        .bind(&period.from_at)
        .bind(&period.until_at)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// The ten categories most tickets were filed under in the period (by name across orgs).
    #[tracing::instrument(skip_all)]
    pub async fn top_categories(
        &self,
        org: Option<OrgId>,
        period: &Period,
    ) -> Result<Vec<(String, i64)>, AppError> {
        sqlx::query_as(&format!(
            "select min(c.name) as name, sum(x.n) as n from \
             (select category_id, sum(filed) as n from ticket_filed_day \
              where org_id in {ORGS} and day >= ?2 and day <= ?3 \
              group by category_id having sum(filed) > 0) x \
             join category c on c.id = x.category_id \
             group by c.name_key order by n desc, name limit 10"
        ))
        .bind(org)
        .bind(&period.from_date)
        .bind(&period.to_date)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// The ten people who filed most tickets in the period.
    #[tracing::instrument(skip_all)]
    pub async fn top_requesters(
        &self,
        org: Option<OrgId>,
        period: &Period,
    ) -> Result<Vec<(String, i64)>, AppError> {
        sqlx::query_as(&format!(
            "select a.name, x.n from \
             (select requester_id, sum(filed) as n from ticket_filed_day \
              where org_id in {ORGS} and day >= ?2 and day <= ?3 \
              group by requester_id having sum(filed) > 0) x \
             join account a on a.id = x.requester_id order by x.n desc, a.name, a.id limit 10"
        ))
        .bind(org)
        .bind(&period.from_date)
        .bind(&period.to_date)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Minutes logged per person on days `first..=last`.
    #[tracing::instrument(skip_all)]
    pub async fn minutes_per_person(
        &self,
        org: Option<OrgId>,
        first: &str,
        last: &str,
    ) -> Result<Vec<(UserId, i64)>, AppError> {
        sqlx::query_as(&format!(
            "select user_id, sum(minutes) from time_entry \
             where org_id in {ORGS} and work_date >= ?2 and work_date <= ?3 group by user_id"
        ))
        .bind(org)
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Billable minutes per day on days `first..=last`.
    #[tracing::instrument(skip_all)]
    pub async fn billable_per_day(
        &self,
        org: Option<OrgId>,
        first: &str,
        last: &str,
    ) -> Result<Vec<(String, i64)>, AppError> {
        sqlx::query_as(&format!(
            "select work_date, sum(minutes) from time_entry \
             where org_id in {ORGS} and work_date >= ?2 and work_date <= ?3 and billable = 1 \
             group by work_date"
        ))
        .bind(org)
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Requests answered by the wiki in the period.
    #[tracing::instrument(skip_all)]
    pub async fn deflections(&self, org: Option<OrgId>, period: &Period) -> Result<i64, AppError> {
        sqlx::query_scalar(&format!(
            "select count(*) from deflection \
             where org_id in {ORGS} and created_at >= ?2 and created_at < ?3"
        ))
        .bind(org)
        .bind(&period.from_at)
        .bind(&period.until_at)
        .fetch_one(&self.pool)
        .await
        .map_err(AppError::from)
    }
}

/// Logs time on `ticket` (its org copied onto the entry); returns the entry's id.
pub async fn insert_time(
    tx: &mut Transaction<'static, Sqlite>,
    ticket: TicketId,
    user: UserId,
    time: &NewTime,
    at: &str,
) -> Result<i64, AppError> {
    let mut batch = Batch::default();
    push_time(&mut batch, RowRef::Id(ticket), user, time, at);
    batch.fetch_id(tx).await
}

/// Appends the logging of time on `ticket` to a batch; the statement sends back the entry's
/// id.
pub fn push_time<'q>(
    batch: &mut Batch<'q>,
    ticket: RowRef,
    user: UserId,
    time: &'q NewTime,
    at: &'q str,
) {
    batch
        .push_about(
            ticket,
            "insert into time_entry (ticket_id, org_id, user_id, minutes, note, billable, \
             work_date, created_at, updated_at) \
             select t.id, t.org_id, ?, ?, ?, ?, ?, ?, ? from about join ticket t on t.id = about.id \
             returning id",
        )
        .bind(user)
        .bind(time.minutes)
        .bind(time.note.as_str())
        .bind(time.billable)
        .bind(format_date(time.date))
        .bind(at)
        .bind(at);
}

/// The owner and lock of entry `id`, read in the transaction that changes it.
pub async fn time_owner(
    tx: &mut Transaction<'static, Sqlite>,
    id: i64,
) -> Result<TimeOwner, AppError> {
    let (ticket_id, user_id, minutes, billed_month) =
        sqlx::query_as::<_, (i64, i64, i64, Option<String>)>(
            "select ticket_id, user_id, minutes, billed_month from time_entry where id = ?",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(TimeOwner {
        ticket_id,
        user_id,
        minutes,
        billed_month,
    })
}

pub async fn update_time(
    tx: &mut Transaction<'static, Sqlite>,
    id: i64,
    time: &NewTime,
    at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "update time_entry set minutes = ?, note = ?, billable = ?, work_date = ?, \
         updated_at = ? where id = ? and billed_month is null",
    )
    .bind(time.minutes)
    .bind(&time.note)
    .bind(time.billable)
    .bind(format_date(time.date))
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete_time(tx: &mut Transaction<'static, Sqlite>, id: i64) -> Result<(), AppError> {
    sqlx::query("delete from time_entry where id = ? and billed_month is null")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes `user`'s running timer, returning what it was.
pub async fn take_timer(
    tx: &mut Transaction<'static, Sqlite>,
    user: UserId,
) -> Result<Option<StoppedTimer>, AppError> {
    let row: Option<(i64, OffsetDateTime)> = sqlx::query_as(
        "delete from running_timer where user_id = ? returning ticket_id, started_at",
    )
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(ticket_id, started_at)| StoppedTimer {
        ticket_id,
        started_at,
    }))
}

pub async fn insert_timer(
    tx: &mut Transaction<'static, Sqlite>,
    user: UserId,
    ticket: TicketId,
    at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into running_timer (user_id, ticket_id, started_at, created_at, updated_at) \
         values (?1, ?2, ?3, ?3, ?3)",
    )
    .bind(user)
    .bind(ticket)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
