//! Workload: who may read which figures, time logged on tickets and the timer, contracts and
//! invoicing. Pages, server functions and the REST API all go through here.

pub mod csv;

use crate::db::Db;
use crate::db::reports::{self as sql, OpenCount, Period, ResolvedCount, StoppedTimer};
use crate::db::tickets::TicketWrite;
use app::accounts::{Actor, OrgId, Role, UserId};
use app::clock::Zone;
use app::error::AppError;
use app::reports::ssr::Reports;
use app::reports::{
    BacklogCell, BurnDay, Contract, Count, Day, Month, NewTime, RunningTimer, TechnicianLoad,
    TicketTime, TimeEntry, TimeInput, Workload, format_date,
};
use app::tickets::{Priority, Status, TicketId};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// The statuses of open tickets, in the order the backlog lists them.
const OPEN: [Status; 3] = [Status::New, Status::Open, Status::Pending];

pub struct ReportsService {
    db: Db,
    /// Where committed changes are announced.
    bus: Arc<crate::live::Bus>,
}

impl ReportsService {
    pub fn new(db: Db, bus: Arc<crate::live::Bus>) -> Self {
        Self { db, bus }
    }

    /// The client org a report or list is for, as `actor` may see it: a manager always their
    /// own (another is `NotFound`), staff the one asked for or all (`None`); requesters none.
    async fn scope(&self, actor: &Actor, org: Option<OrgId>) -> Result<Option<OrgId>, AppError> {
        let org = match actor.role {
            Role::Requester => return Err(AppError::Forbidden),
            Role::Manager => match org {
                None => Some(actor.org_id),
                Some(org) if org == actor.org_id => Some(org),
                Some(_) => return Err(AppError::NotFound),
            },
            Role::Technician | Role::Admin => org,
        };
        if let Some(org) = org
            && self.db.client_org_name(org).await?.is_none()
        {
            return Err(AppError::NotFound);
        }
        Ok(org)
    }

    /// A ticket provider staff log time on: it must exist.
    async fn staff_ticket(&self, actor: &Actor, ticket: TicketId) -> Result<(), AppError> {
        staff_only(actor)?;
        self.db.ticket(ticket).await.map(|_| ())
    }

    /// Changes an entry the caller may change: their own (admins any), not billed yet.
    async fn change_time(
        &self,
        actor: &Actor,
        id: i64,
        time: Option<&NewTime>,
    ) -> Result<(), AppError> {
        staff_only(actor)?;
        let at = crate::db::now();
        let mut tx = self.db.begin().await?;
        let owner = sql::time_owner(&mut tx, id).await?;
        if owner.user_id != actor.user_id && !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        if let Some(month) = owner.billed_month {
            return Err(AppError::conflict(format!(
                "This time was billed for {month} and is locked."
            )));
        }
        let old = minutes_text(owner.minutes);
        let new = time.map(|t| minutes_text(t.minutes));
        match time {
            Some(time) => sql::update_time(&mut tx, id, time, &at).await?,
            None => sql::delete_time(&mut tx, id).await?,
        }
        let mut write = TicketWrite::at(&mut tx, owner.ticket_id, Some(actor.user_id), at);
        write
            .event("time", Some(&old), new.as_deref(), None, true)
            .await?;
        let event = write
            .live(
                "ticket.time_logged",
                true,
                json!({ "entry_id": id, "minutes": time.map(|t| t.minutes),
                        "change": if time.is_some() { "changed" } else { "deleted" } }),
            )
            .await?;
        tx.commit().await?;
        self.bus.publish(event).await;
        Ok(())
    }
}

fn staff_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_provider_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// How a change of time reads in the ticket's (internal) log.
pub(crate) fn minutes_text(minutes: i64) -> String {
    format!("{minutes} min")
}

/// Whole minutes a timer ran: started minutes count in full, at least one, at most a day.
pub fn timer_minutes(started: OffsetDateTime, stopped: OffsetDateTime) -> i64 {
    let seconds = (stopped - started).whole_seconds().max(0);
    ((seconds + 59) / 60).clamp(1, TimeInput::MAX_MINUTES)
}

/// The median of values given as (value, how many), smallest value first. For an even count
/// it is the lower of the two middle values, so it is always a value that occurred.
pub fn lower_median(counts: &[(i64, i64)]) -> Option<i64> {
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let middle = (total - 1) / 2;
    let mut seen = 0;
    for (value, n) in counts {
        seen += n;
        if seen > middle {
            return Some(*value);
        }
    }
    None
}

/// Logs the time of a stopped timer (on the day it started in `zone`) in the stopping transaction;
/// returns the entry's id and the live event to publish after the commit.
async fn log_timer(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    user: UserId,
    stopped: StoppedTimer,
    now: OffsetDateTime,
    zone: &Zone,
) -> Result<(i64, i64), AppError> {
    let at = crate::db::timestamp(now);
    let time = NewTime {
        minutes: timer_minutes(stopped.started_at, now),
        note: String::new(),
        billable: true,
        date: zone.local(stopped.started_at).date(),
    };
    let id = sql::insert_time(tx, stopped.ticket_id, user, &time, &at).await?;
    let mut write = TicketWrite::at(tx, stopped.ticket_id, Some(user), at);
    write
        .event("time", None, Some(&minutes_text(time.minutes)), None, true)
        .await?;
    let event = write
        .live(
            "ticket.time_logged",
            true,
            json!({ "entry_id": id, "minutes": time.minutes, "change": "logged" }),
        )
        .await?;
    Ok((id, event))
}

/// What the workload queries return, put together as the dashboard shows it.
struct Figures {
    open: Vec<OpenCount>,
    created: Vec<(String, i64)>,
    resolved: Vec<ResolvedCount>,
    first_response: Vec<(i64, i64)>,
    resolution: Vec<(i64, i64)>,
    people: Vec<(UserId, String, bool)>,
    minutes: Vec<(UserId, i64)>,
    billable: Vec<(String, i64)>,
}

impl Figures {
    fn backlog(&self) -> Vec<BacklogCell> {
        let mut cells = Vec::new();
        for status in OPEN {
            for priority in Priority::ALL.into_iter().rev() {
                let count = self
                    .open
                    .iter()
                    .filter(|(_, _, p, s, _)| p == priority.as_str() && s == status.as_str())
                    .map(|row| row.4)
                    .sum();
                cells.push(BacklogCell {
                    status,
                    priority,
                    count,
                });
            }
        }
        cells
    }

    fn ageing(&self) -> [i64; 4] {
        let mut ageing = [0; 4];
        for (age, _, _, _, n) in &self.open {
            if let Some(bucket) = usize::try_from(*age).ok().and_then(|a| ageing.get_mut(a)) {
                *bucket += n;
            }
        }
        ageing
    }

    fn days(&self, from: time::Date, to: time::Date) -> Vec<Day> {
        let created: HashMap<&str, i64> =
            self.created.iter().map(|(d, n)| (d.as_str(), *n)).collect();
        let mut resolved: HashMap<&str, i64> = HashMap::new();
        for (day, _, n, _, _) in &self.resolved {
            *resolved.entry(day.as_str()).or_default() += n;
        }
        let mut days = Vec::new();
        let mut day = Some(from);
        while let Some(d) = day.filter(|d| *d <= to) {
            let date = format_date(d);
            days.push(Day {
                created: created.get(date.as_str()).copied().unwrap_or(0),
                resolved: resolved.get(date.as_str()).copied().unwrap_or(0),
                date,
            });
            day = d.next_day();
        }
        days
    }

    fn technicians(&self) -> Vec<TechnicianLoad> {
        let mut open: HashMap<UserId, i64> = HashMap::new();
        for (_, assignee, _, _, n) in &self.open {
            if let Some(user) = assignee {
                *open.entry(*user).or_default() += n;
            }
        }
        let mut resolved: HashMap<UserId, i64> = HashMap::new();
        for (_, assignee, n, _, _) in &self.resolved {
            if let Some(user) = assignee {
                *resolved.entry(*user).or_default() += n;
            }
        }
        let minutes: HashMap<UserId, i64> = self.minutes.iter().copied().collect();
        self.people
            .iter()
            .map(|(id, name, active)| {
                let load = TechnicianLoad {
                    name: name.clone(),
                    open_assigned: open.get(id).copied().unwrap_or(0),
                    resolved: resolved.get(id).copied().unwrap_or(0),
                    minutes: minutes.get(id).copied().unwrap_or(0),
                };
                (load, *active)
            })
            // Former staff appear only for what they did in the period.
            .filter(|(load, active)| {
                *active || load.open_assigned + load.resolved + load.minutes > 0
            })
            .map(|(load, _)| load)
            .collect()
    }

    fn burn(&self, month: Month, to: time::Date) -> Vec<BurnDay> {
        let per_day: HashMap<&str, i64> = self
            .billable
            .iter()
            .map(|(d, n)| (d.as_str(), *n))
            .collect();
        let mut burn = Vec::new();
        let mut total = 0;
        let mut day = Some(month.first_day());
        while let Some(d) = day.filter(|d| *d <= to) {
            let date = format_date(d);
            total += per_day.get(date.as_str()).copied().unwrap_or(0);
            burn.push(BurnDay {
                date,
                cumulative_minutes: total,
            });
            day = d.next_day();
        }
        burn
    }

    fn ratings(&self) -> (i64, i64) {
        self.resolved
            .iter()
            .fold((0, 0), |(good, bad), row| (good + row.3, bad + row.4))
    }
}

#[async_trait::async_trait]
impl Reports for ReportsService {
    #[tracing::instrument(skip_all)]
    async fn workload(
        &self,
        actor: &Actor,
        query: app::reports::ReportQuery,
        via: app::accounts::Via,
    ) -> Result<Workload, AppError> {
        let org = self.scope(actor, query.org).await?;
        let period = format!("{} to {}", format_date(query.from), format_date(query.to));
        let opened = crate::access::Opened::report(org, "Workload report", &period);
        crate::access::record(&self.db, actor, opened, via).await?;
        let org_name = match org {
            Some(org) => self.db.client_org_name(org).await?,
            None => None,
        };
        let staff = actor.is_provider_staff();
        let now = OffsetDateTime::now_utc();
        let period = Period::new(query.from, query.to);
        let month = Month::of(query.to);
        let (month_first, to_date) = (format_date(month.first_day()), format_date(query.to));
        let ages = [1, 3, 7].map(|days| crate::db::timestamp(now - Duration::days(days)));
        let now_at = crate::db::timestamp(now);
        let db = &self.db;
        // Independent reads, run side by side on the reading connections.
        let (open, created, resolved, first_response, resolution, sla_breaches) = tokio::try_join!(
            db.open_counts(org, &ages),
            db.created_per_day(org, &period),
            db.resolved_per_day(org, &period),
            db.first_response_minutes(org, &period),
            db.resolution_minutes(org, &period),
            db.sla_breaches(org, &period, &now_at),
        )?;
        let (by_category, by_requester, people, minutes, billable, deflections, contract) = tokio::try_join!(
            db.top_categories(org, &period),
            async {
                match org {
                    Some(_) => db.top_requesters(org, &period).await,
                    None => Ok(Vec::new()),
                }
            },
            async {
                if staff {
                    db.provider_staff().await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if staff {
                    db.minutes_per_person(org, &period.from_date, &period.to_date)
                        .await
                } else {
                    Ok(Vec::new())
                }
            },
            db.billable_per_day(org, &month_first, &to_date),
            db.deflections(org, &period),
            async {
                match org {
                    Some(org) => db.contract(org).await,
                    None => Ok(None),
                }
            },
        )?;
        let figures = Figures {
            open,
            created,
            resolved,
            first_response,
            resolution,
            people,
            minutes,
            billable,
        };
        let (rating_good, rating_bad) = figures.ratings();
        let counts = |rows: Vec<(String, i64)>| {
            rows.into_iter()
                .map(|(name, count)| Count { name, count })
                .collect()
        };
        Ok(Workload {
            org_id: org,
            org_name,
            from: format_date(query.from),
            to: format_date(query.to),
            backlog: figures.backlog(),
            days: figures.days(query.from, query.to),
            ageing: figures.ageing(),
            median_first_response_minutes: lower_median(&figures.first_response),
            median_resolution_minutes: lower_median(&figures.resolution),
            sla_breaches,
            by_category: counts(by_category),
            by_requester: counts(by_requester),
            by_technician: figures.technicians(),
            month: month.to_string(),
            contract,
            burn: figures.burn(month, query.to),
            deflections,
            rating_good,
            rating_bad,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn ticket_time(&self, actor: &Actor, ticket: TicketId) -> Result<TicketTime, AppError> {
        self.staff_ticket(actor, ticket).await?;
        let entries = self.db.ticket_time(ticket).await?;
        Ok(TicketTime {
            total_minutes: entries.iter().map(|e| e.minutes).sum(),
            entries,
            timer: self.db.running_timer(actor.user_id).await?,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn log_time(
        &self,
        actor: &Actor,
        ticket: TicketId,
        time: NewTime,
    ) -> Result<TimeEntry, AppError> {
        self.staff_ticket(actor, ticket).await?;
        let at = crate::db::now();
        let mut tx = self.db.begin().await?;
        let id = sql::insert_time(&mut tx, ticket, actor.user_id, &time, &at).await?;
        let mut write = TicketWrite::at(&mut tx, ticket, Some(actor.user_id), at);
        write
            .event("time", None, Some(&minutes_text(time.minutes)), None, true)
            .await?;
        let event = write
            .live(
                "ticket.time_logged",
                true,
                json!({ "entry_id": id, "minutes": time.minutes, "change": "logged" }),
            )
            .await?;
        tx.commit().await?;
        self.bus.publish(event).await;
        self.db.time_entry(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_time(
        &self,
        actor: &Actor,
        id: i64,
        time: NewTime,
    ) -> Result<TimeEntry, AppError> {
        self.change_time(actor, id, Some(&time)).await?;
        self.db.time_entry(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_time(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        self.change_time(actor, id, None).await
    }

    #[tracing::instrument(skip_all)]
    async fn start_timer(
        &self,
        actor: &Actor,
        ticket: TicketId,
        zone: &Zone,
    ) -> Result<RunningTimer, AppError> {
        self.staff_ticket(actor, ticket).await?;
        let now = OffsetDateTime::now_utc();
        let mut tx = self.db.begin().await?;
        let logged = match sql::take_timer(&mut tx, actor.user_id).await? {
            Some(stopped) => Some(log_timer(&mut tx, actor.user_id, stopped, now, zone).await?),
            None => None,
        };
        sql::insert_timer(&mut tx, actor.user_id, ticket, &crate::db::timestamp(now)).await?;
        tx.commit().await?;
        if let Some((_, event)) = logged {
            self.bus.publish(event).await;
        }
        self.db
            .running_timer(actor.user_id)
            .await?
            .ok_or(AppError::Internal)
    }

    #[tracing::instrument(skip_all)]
    async fn stop_timer(&self, actor: &Actor, zone: &Zone) -> Result<Option<TimeEntry>, AppError> {
        staff_only(actor)?;
        let mut tx = self.db.begin().await?;
        let Some(stopped) = sql::take_timer(&mut tx, actor.user_id).await? else {
            return Ok(None);
        };
        let (id, event) = log_timer(
            &mut tx,
            actor.user_id,
            stopped,
            OffsetDateTime::now_utc(),
            zone,
        )
        .await?;
        tx.commit().await?;
        self.bus.publish(event).await;
        self.db.time_entry(id).await.map(Some)
    }

    #[tracing::instrument(skip_all)]
    async fn timer(&self, actor: &Actor) -> Result<Option<RunningTimer>, AppError> {
        staff_only(actor)?;
        self.db.running_timer(actor.user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn time_entries(
        &self,
        actor: &Actor,
        org: Option<OrgId>,
        month: Month,
        via: app::accounts::Via,
    ) -> Result<Vec<TimeEntry>, AppError> {
        let org = self.scope(actor, org).await?;
        let opened = crate::access::Opened::report(org, "Time entries", &month.to_string());
        crate::access::record(&self.db, actor, opened, via).await?;
        let last = month.end().previous_day().unwrap_or(month.first_day());
        self.db
            .time_entries(org, &format_date(month.first_day()), &format_date(last))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn mark_billed(
        &self,
        actor: &Actor,
        org: OrgId,
        month: Month,
    ) -> Result<usize, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        self.scope(actor, Some(org)).await?;
        let last = month.end().previous_day().unwrap_or(month.first_day());
        let marked = self
            .db
            .mark_billed(
                org,
                &month.to_string(),
                &format_date(month.first_day()),
                &format_date(last),
            )
            .await?;
        usize::try_from(marked).map_err(|_| AppError::Internal)
    }

    /// An org without a contract has none included and no rate: zeros.
    #[tracing::instrument(skip_all)]
    async fn contract(&self, actor: &Actor, org: OrgId) -> Result<Contract, AppError> {
        self.scope(actor, Some(org)).await?;
        Ok(self.db.contract(org).await?.unwrap_or(Contract {
            org_id: org,
            hours_included: 0,
            hourly_rate_cents: 0,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn set_contract(&self, actor: &Actor, contract: Contract) -> Result<Contract, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        let contract = contract.validate()?;
        self.scope(actor, Some(contract.org_id)).await?;
        self.db.set_contract(&contract).await?;
        self.contract(actor, contract.org_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_median_of_an_even_count_is_the_lower_middle_value() {
        assert_eq!(lower_median(&[]), None);
        assert_eq!(lower_median(&[(5, 1)]), Some(5));
        assert_eq!(lower_median(&[(1, 1), (2, 1), (9, 1)]), Some(2));
        assert_eq!(lower_median(&[(1, 1), (2, 1), (8, 1), (9, 1)]), Some(2));
        assert_eq!(lower_median(&[(1, 3), (100, 2)]), Some(1));
        assert_eq!(lower_median(&[(1, 2), (100, 3)]), Some(100));
    }

    #[test]
    fn a_timer_counts_started_minutes_from_one_to_a_whole_day() {
        let start = datetime!(2026-11-24 10:00 UTC);
        assert_eq!(timer_minutes(start, start), 1);
        assert_eq!(timer_minutes(start, start + Duration::seconds(60)), 1);
        assert_eq!(timer_minutes(start, start + Duration::seconds(61)), 2);
        assert_eq!(timer_minutes(start, start - Duration::minutes(5)), 1);
        assert_eq!(timer_minutes(start, start + Duration::days(3)), 1_440);
    }
}
