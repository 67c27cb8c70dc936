//! Workload: time logged on tickets, each client's contract, and the figures office managers
//! and the provider read. Shared types, their validation, and the backend contract.

pub mod charts;
pub mod dashboard;
pub mod time_panel;

use crate::accounts::{Actor, OrgId, UserId};
use crate::error::{AppError, Validator};
use crate::tickets::{Priority, Status, TicketId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// A calendar month, `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    pub year: i32,
    pub month: time::Month,
}

impl Month {
    pub fn parse(raw: &str) -> Result<Month, String> {
        let bad = || format!("“{}” is not a month like 2026-11.", raw.trim());
        let (year, month) = raw.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u8 = month.parse().map_err(|_| bad())?;
        let month = time::Month::try_from(month).map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    pub fn of(date: Date) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).expect("day 1 exists in every month")
    }

    /// The first day of the next month.
    pub fn end(self) -> Date {
        let next = self.month.next();
        let year = if next == time::Month::January {
            self.year + 1
        } else {
            self.year
        };
        Date::from_calendar_date(year, next, 1).expect("day 1 exists in every month")
    }

    pub fn days(self) -> u8 {
        self.month.length(self.year)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(raw: String) -> Result<Month, String> {
        Month::parse(&raw)
    }
}

impl From<Month> for String {
    fn from(month: Month) -> String {
        month.to_string()
    }
}

/// A date as `2026-11-24`.
pub fn parse_date(raw: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw.trim(), &format).map_err(|_| "Give a date like 2026-11-24.".to_string())
}

pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Time logged on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimeEntry {
    pub id: i64,
    pub ticket_id: TicketId,
    pub ticket_subject: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub user_id: UserId,
    pub user_name: String,
    pub minutes: i64,
    pub note: String,
    pub billable: bool,
    /// The day the work was done, `2026-11-24`.
    pub date: String,
    /// The month it was invoiced in; billed entries are locked.
    pub billed_month: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Time as received from a form or the API, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimeInput {
    /// 1 to 1,440.
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 1440))]
    pub minutes: i64,
    #[serde(default)]
    pub note: String,
    /// Defaults to true.
    #[serde(default)]
    pub billable: Option<bool>,
    /// `2026-11-24`; defaults to today in the caller's time zone.
    #[serde(default)]
    pub date: Option<String>,
}

/// Time, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTime {
    pub minutes: i64,
    pub note: String,
    pub billable: bool,
    pub date: Date,
}

impl TimeInput {
    pub const MAX_MINUTES: i64 = 24 * 60;
    pub const MAX_NOTE_CHARS: usize = 1_000;

    /// Checks every field; `today` bounds the date (no more than a day ahead, a year back).
    pub fn parse(&self, today: Date) -> Result<NewTime, AppError> {
        let mut v = Validator::new();
        let minutes = v.check(
            "minutes",
            if (1..=Self::MAX_MINUTES).contains(&self.minutes) {
                Ok(self.minutes)
            } else {
                Err("Give the time in minutes, from 1 to 1,440 (a whole day).".to_string())
            },
        );
        let note = self.note.trim();
        let note = v.check(
            "note",
            if note.chars().count() > Self::MAX_NOTE_CHARS {
                Err(format!(
                    "Keep the note under {} characters.",
                    Self::MAX_NOTE_CHARS
                ))
            } else {
                Ok(note.to_string())
            },
        );
        let date = match self
            .date
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => Some(today),
            Some(raw) => v.check(
                "date",
                parse_date(raw).and_then(|date| {
                    if date > today.next_day().unwrap_or(today) {
                        Err("Time cannot be logged for a day still to come.".to_string())
                    } else if date < today - time::Duration::days(366) {
                        Err("Time can be logged for up to a year back.".to_string())
                    } else {
                        Ok(date)
                    }
                }),
            ),
        };
        v.finish(|| {
            Some(NewTime {
                minutes: minutes?,
                note: note?,
                billable: self.billable.unwrap_or(true),
                date: date?,
            })
        })
    }
}

/// A technician's running timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunningTimer {
    pub ticket_id: TicketId,
    pub ticket_subject: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

/// The time on one ticket, as its page shows it to provider staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketTime {
    pub entries: Vec<TimeEntry>,
    pub total_minutes: i64,
    /// The caller's running timer, on this ticket or another.
    pub timer: Option<RunningTimer>,
}

/// A client organization's contract: hours included each month, and the rate beyond them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Contract {
    pub org_id: OrgId,
    pub hours_included: i64,
    /// Per hour beyond the included ones, in cents.
    pub hourly_rate_cents: i64,
}

impl Contract {
    pub const MAX_HOURS: i64 = 10_000;
    pub const MAX_RATE_CENTS: i64 = 10_000_000;

    /// Checks the hours (0 to 10,000) and the rate (0 to 100,000.00).
    pub fn validate(self) -> Result<Contract, AppError> {
        let mut v = Validator::new();
        v.check(
            "hours_included",
            if (0..=Self::MAX_HOURS).contains(&self.hours_included) {
                Ok(())
            } else {
                Err("Give the hours included each month, from 0 to 10,000.".to_string())
            },
        );
        v.check(
            "hourly_rate_cents",
            if (0..=Self::MAX_RATE_CENTS).contains(&self.hourly_rate_cents) {
                Ok(())
            } else {
                Err("Give an hourly rate from 0.00 to 100,000.00.".to_string())
            },
        );
        v.finish(|| Some(self))
    }
}

/// A count for one name (a status, a category, a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Count {
    pub name: String,
    pub count: i64,
}

/// Open tickets by status and priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BacklogCell {
    pub status: Status,
    pub priority: Priority,
    pub count: i64,
}

/// Tickets filed and resolved on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Day {
    /// `2026-11-24`.
    pub date: String,
    pub created: i64,
    pub resolved: i64,
}

/// Minutes logged by one day of the month, against the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BurnDay {
    pub date: String,
    /// Billable minutes logged up to and including this day.
    pub cumulative_minutes: i64,
}

/// Per technician: what is on their plate and what they did in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TechnicianLoad {
    pub name: String,
    pub open_assigned: i64,
    pub resolved: i64,
    pub minutes: i64,
}

/// Everything the dashboard shows, for one organization or all, over `from`..=`to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Workload {
    /// `None`: every client organization the caller may see.
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub from: String,
    pub to: String,
    /// Open tickets now, by status and priority.
    pub backlog: Vec<BacklogCell>,
    /// One entry per day of the period, oldest first.
    pub days: Vec<Day>,
    /// Open tickets by age: under a day, 1–3 days, 3–7 days, older.
    pub ageing: [i64; 4],
    /// Median minutes to the first public reply, in the org's business hours, of tickets
    /// first answered in the period.
    pub median_first_response_minutes: Option<i64>,
    /// Median business minutes from filing to resolution, of tickets resolved in the period.
    pub median_resolution_minutes: Option<i64>,
    /// Tickets that missed a target (first response or resolution) in the period.
    pub sla_breaches: i64,
    /// Tickets filed in the period, by category.
    pub by_category: Vec<Count>,
    /// Tickets filed in the period, by requester (managers and staff looking at one org).
    pub by_requester: Vec<Count>,
    /// The provider's technicians (staff only; empty for managers).
    pub by_technician: Vec<TechnicianLoad>,
    /// This month: the contract (one org only) and billable minutes day by day.
    pub month: String,
    pub contract: Option<Contract>,
    pub burn: Vec<BurnDay>,
    /// Requests answered by the wiki without a ticket, in the period.
    pub deflections: i64,
    pub rating_good: i64,
    pub rating_bad: i64,
}

/// The period and organization a report is for, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct ReportParams {
    /// An organization id; empty for all the caller may see.
    pub org: Option<String>,
    /// `2026-10-26`; defaults to 29 days before `to`.
    pub from: Option<String>,
    /// `2026-11-24`; defaults to today in the caller's time zone.
    pub to: Option<String>,
}

/// A checked report period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportQuery {
    pub org: Option<OrgId>,
    pub from: Date,
    pub to: Date,
}

impl ReportParams {
    /// At most this many days in one report.
    pub const MAX_DAYS: i64 = 366;

    pub fn parse(&self, today: Date) -> Result<ReportQuery, AppError> {
        let mut v = Validator::new();
        let org = check_org(&mut v, &self.org);
        let to = match given(&self.to) {
            None => Some(today),
            Some(raw) => v.check("to", parse_date(raw)),
        };
        let from = match (given(&self.from), to) {
            (None, Some(to)) => Some(to - time::Duration::days(29)),
            (None, None) => None,
            (Some(raw), _) => v.check("from", parse_date(raw)),
        };
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                v.check::<()>("from", Err("The period must start before it ends.".into()));
            } else if (to - from).whole_days() >= Self::MAX_DAYS {
                v.check::<()>("from", Err("A report covers at most a year.".into()));
            }
        }
        v.finish(|| {
            Some(ReportQuery {
                org: org?,
                from: from?,
                to: to?,
            })
        })
    }
}

/// The organization and month time entries are listed for, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct TimeParams {
    /// An organization id; empty for every one the caller may see.
    pub org: Option<String>,
    /// `2026-11`; defaults to this month (UTC).
    pub month: Option<String>,
}

impl TimeParams {
    pub fn parse(&self, today: Date) -> Result<(Option<OrgId>, Month), AppError> {
        let mut v = Validator::new();
        let org = check_org(&mut v, &self.org);
        let month = match given(&self.month) {
            None => Some(Month::of(today)),
            Some(raw) => v.check("month", Month::parse(raw)),
        };
        v.finish(|| Some((org?, month?)))
    }
}

/// A query-string value, unless it was left empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The `org` of a report's query: `None` for every organization the caller may see.
fn check_org(v: &mut Validator, raw: &Option<String>) -> Option<Option<OrgId>> {
    match given(raw) {
        None => Some(None),
        Some(raw) => v.check(
            "org",
            raw.parse::<OrgId>()
                .map(Some)
                .map_err(|_| "Choose an organization from the list.".to_string()),
        ),
    }
}

/// Who may read reports: managers their own organization, provider staff any; requesters none.
pub fn may_read_reports(actor: &Actor, org: Option<OrgId>) -> bool {
    use crate::accounts::Role;
    match actor.role {
        Role::Technician | Role::Admin => true,
        Role::Manager => org == Some(actor.org_id),
        Role::Requester => false,
    }
}

/// Quotes a CSV field when it must be (RFC 4180), and defuses spreadsheet formulas: a field
/// starting with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with `'`.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One CSV line (CRLF-terminated) from its fields.
pub fn csv_line<I, S>(fields: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut line = fields
        .into_iter()
        .map(|f| csv_field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;

    #[async_trait::async_trait]
    pub trait Reports: Send + Sync {
        /// The dashboard's figures. A manager asking for another org (or all) is `NotFound`.
        /// Provider staff reading them are written to the access log of the org (or, for all,
        /// of every client org) first.
        async fn workload(
            &self,
            actor: &Actor,
            query: ReportQuery,
            via: crate::accounts::Via,
        ) -> Result<Workload, AppError>;
        /// Time logged on a ticket the caller may see (provider staff only).
        async fn ticket_time(
            &self,
            actor: &Actor,
            ticket: TicketId,
        ) -> Result<TicketTime, AppError>;
        /// Logs time by hand on a ticket (provider staff only).
        async fn log_time(
            &self,
            actor: &Actor,
            ticket: TicketId,
            time: NewTime,
        ) -> Result<TimeEntry, AppError>;
        /// Changes one of the caller's entries; a billed entry is `Conflict`.
        async fn update_time(
            &self,
            actor: &Actor,
            id: i64,
            time: NewTime,
        ) -> Result<TimeEntry, AppError>;
        /// Deletes one of the caller's entries; a billed entry is `Conflict`.
        async fn delete_time(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
        /// Starts the caller's timer on `ticket`; a timer running elsewhere is stopped first
        /// and its time logged. Returns the timer. A timer's time is dated on the day it
        /// started in `zone`, the caller's time zone.
        async fn start_timer(
            &self,
            actor: &Actor,
            ticket: TicketId,
            zone: &crate::clock::Zone,
        ) -> Result<RunningTimer, AppError>;
        /// Stops the caller's timer and logs its time (at least one minute), dated on the day
        /// it started in `zone`; `None` when no timer ran.
        async fn stop_timer(
            &self,
            actor: &Actor,
            zone: &crate::clock::Zone,
        ) -> Result<Option<TimeEntry>, AppError>;
        async fn timer(&self, actor: &Actor) -> Result<Option<RunningTimer>, AppError>;
        /// Time entries of one org (or every org, for staff) dated in `month`. Managers get
        /// their own org's; requesters nothing (`Forbidden`). Logged like `workload`.
        async fn time_entries(
            &self,
            actor: &Actor,
            org: Option<OrgId>,
            month: Month,
            via: crate::accounts::Via,
        ) -> Result<Vec<TimeEntry>, AppError>;
        /// Marks every unbilled entry of `org` dated in `month` as billed (admins); returns how
        /// many. Billed entries cannot change any more.
        async fn mark_billed(
            &self,
            actor: &Actor,
            org: OrgId,
            month: Month,
        ) -> Result<usize, AppError>;
        async fn contract(&self, actor: &Actor, org: OrgId) -> Result<Contract, AppError>;
        /// Sets an org's contract (admins).
        async fn set_contract(
            &self,
            actor: &Actor,
            contract: Contract,
        ) -> Result<Contract, AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn time_params_default_to_this_month_for_every_organization() {
        let parsed = TimeParams::default().parse(date!(2026 - 12 - 04)).unwrap();
        assert_eq!(parsed, (None, Month::of(date!(2026 - 12 - 01))));
    }

    #[test]
    fn time_params_report_a_bad_org_and_month_on_their_fields_together() {
        let err = TimeParams {
            org: Some("acme".into()),
            month: Some("December".into()),
        }
        .parse(date!(2026 - 12 - 04))
        .unwrap_err();
        assert_eq!(
            err.field("org").as_deref(),
            Some("Choose an organization from the list.")
        );
        assert!(err.field("month").is_some());
    }

    #[test]
    fn months_parse_and_know_their_bounds() {
        let m = Month::parse("2026-12").expect("valid");
        assert_eq!(m.to_string(), "2026-12");
        assert_eq!(m.first_day(), date!(2026 - 12 - 01));
        assert_eq!(m.end(), date!(2027 - 01 - 01));
        assert_eq!(Month::parse("2024-02").expect("valid").days(), 29);
        for bad in ["2026-13", "2026", "nov", "1999-01", "2026-00"] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_needs_sensible_minutes_and_a_past_date() {
        let today = date!(2026 - 11 - 24);
        let ok = TimeInput {
            minutes: 30,
            note: " Reset the router ".into(),
            billable: None,
            date: None,
        }
        .parse(today)
        .expect("valid");
        assert_eq!(ok.date, today);
        assert_eq!(ok.note, "Reset the router");
        assert!(ok.billable);
        let bad = TimeInput {
            minutes: 0,
            note: "x".repeat(1_001),
            billable: Some(false),
            date: Some("2026-12-01".into()),
        }
        .parse(today);
        let Err(AppError::Invalid { fields }) = bad else {
            panic!("expected field errors")
        };
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["date", "minutes", "note"]);
    }

    #[test]
    fn a_report_defaults_to_the_last_thirty_days_and_refuses_backwards_periods() {
        let today = date!(2026 - 11 - 24);
        let q = ReportParams::default().parse(today).expect("valid");
        assert_eq!((q.org, q.from, q.to), (None, date!(2026 - 10 - 26), today));
        let backwards = ReportParams {
            org: Some("x".into()),
            from: Some("2026-11-20".into()),
            to: Some("2026-11-01".into()),
        }
        .parse(today);
        let Err(AppError::Invalid { fields }) = backwards else {
            panic!("expected field errors")
        };
        assert!(fields.contains_key("org") && fields.contains_key("from"));
    }

    #[test]
    fn a_contract_needs_hours_and_a_rate_in_range() {
        let ok = Contract {
            org_id: 2,
            hours_included: 10,
            hourly_rate_cents: 9_500,
        };
        assert_eq!(ok.clone().validate(), Ok(ok));
        let Err(AppError::Invalid { fields }) = Contract {
            org_id: 2,
            hours_included: 10_001,
            hourly_rate_cents: -1,
        }
        .validate() else {
            panic!("expected field errors")
        };
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["hourly_rate_cents", "hours_included"]);
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(
            csv_line(["a", "b,c", "say \"hi\"", "=1+1"]),
            "a,\"b,c\",\"say \"\"hi\"\"\",'=1+1\r\n"
        );
    }
}
