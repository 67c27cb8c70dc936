//! Each role's home page: what a person needs first when they open Deskside. An employee
//! searches the wiki and sees where their requests stand; provider staff see their desk (their
//! tickets by the next target due, the queue's counts, what changed since they last looked);
//! an office manager sees this month at a glance. Shared types and the backend contract.

pub mod desk;
pub mod month;
pub mod page;

use crate::reports::{Contract, Workload};
use crate::tickets::{SavedView, TicketId, TicketSummary, TimelineEntry};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How many of the caller's own open requests, or of their tickets, the page lists.
pub const LISTED: usize = 10;
/// How many changes "since you last looked" lists.
pub const CHANGES_LISTED: usize = 20;
/// With nothing marked seen yet, changes this far back count as new.
pub const FIRST_LOOK_HOURS: i64 = 24;

/// What the caller's home page shows; a section is absent when it is not part of their role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Home {
    /// The caller's own open requests (everyone who files requests: employees, managers).
    pub requests: Option<MyRequests>,
    /// The provider's staff: their desk.
    pub desk: Option<Desk>,
    /// Office managers: their organization this month.
    pub month: Option<MonthGlance>,
}

/// The caller's own requests that still need work, most recently active first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MyRequests {
    pub open: Vec<Standing>,
    /// More are open than listed.
    pub more: bool,
}

/// One request and where it stands: its status, and the last public message on it (the
/// request itself or a reply; never an internal note), which says who spoke last and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Standing {
    pub ticket: TicketSummary,
    pub latest: Option<TimelineEntry>,
    /// The caller wrote the latest message themselves.
    pub latest_by_caller: bool,
}

/// A technician's or admin's desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Desk {
    /// The queue's built-in views with their counts: open work, unassigned, unassigned
    /// urgent, mine, SLA breached.
    pub views: Vec<SavedView>,
    /// The caller's open tickets, the next target due first.
    pub mine: Vec<TicketSummary>,
    /// More are assigned to the caller than listed.
    pub more_mine: bool,
    /// What others did on the caller's tickets since they last marked it seen, newest first.
    pub changes: Vec<Change>,
    /// More changed than listed.
    pub more_changes: bool,
    /// Changes after this instant are listed: when the caller last marked them seen, or a
    /// day back at first.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// Something another person (or the clock, for a missed target) did on one of the caller's
/// tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Change {
    pub ticket_id: TicketId,
    pub subject: String,
    pub entry: TimelineEntry,
}

/// "Mark as seen": changes up to and including event `through` (the newest the page showed)
/// stop being new; anything that arrived since stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SeenInput {
    pub through: i64,
}

/// An office manager's month so far: each figure the reports page shows for the same period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MonthGlance {
    /// `2026-12`.
    pub month: String,
    /// The period, `2026-12-01` to today.
    pub from: String,
    pub to: String,
    /// Requests that still need work, now.
    pub open: i64,
    pub filed: i64,
    pub resolved: i64,
    /// Tickets that missed a response or resolution target this month.
    pub targets_missed: i64,
    /// Billable minutes logged this month.
    pub minutes_used: i64,
    /// The contract's hours for the month, if there is a contract.
    pub hours_included: Option<i64>,
    /// Questions the wiki answered before anyone filed a ticket.
    pub answered_by_wiki: i64,
    /// The reports page for the same organization and period.
    pub report_href: String,
}

impl MonthGlance {
    /// The glance at `workload`, a report on one organization from the first of the month.
    pub fn of(workload: &Workload) -> MonthGlance {
        let org = workload.org_id.map(|id| id.to_string()).unwrap_or_default();
        MonthGlance {
            month: workload.month.clone(),
            from: workload.from.clone(),
            to: workload.to.clone(),
            open: workload.backlog.iter().map(|cell| cell.count).sum(),
            filed: workload.days.iter().map(|day| day.created).sum(),
            resolved: workload.days.iter().map(|day| day.resolved).sum(),
            targets_missed: workload.sla_breaches,
            minutes_used: workload.burn.last().map_or(0, |day| day.cumulative_minutes),
            hours_included: workload
                .contract
                .as_ref()
                .map(|c: &Contract| c.hours_included),
            answered_by_wiki: workload.deflections,
            report_href: format!(
                "/reports?org={org}&from={}&to={}",
                workload.from, workload.to
            ),
        }
    }

    /// "12 h 30 min of 20 h", or just the hours used without a contract.
    pub fn hours_text(&self) -> String {
        let used = crate::reports::time_panel::duration_text(self.minutes_used);
        match self.hours_included {
            Some(hours) => format!("{used} of {hours} h"),
            None => used,
        }
    }

    /// How much of the contract's hours is used, 0 to 100 and beyond; none without a contract
    /// or with no hours included.
    pub fn percent_used(&self) -> Option<i64> {
        self.hours_included
            .filter(|hours| *hours > 0)
            .map(|hours| self.minutes_used * 100 / (hours * 60))
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;
    use crate::error::AppError;

    #[async_trait::async_trait]
    pub trait HomeBackend: Send + Sync {
        /// The caller's home page: the sections of their role. `today` is the day it is in the
        /// caller's time zone (a manager's month ends there).
        async fn home(&self, actor: &Actor, today: time::Date) -> Result<Home, AppError>;
        /// Marks the caller's desk seen through event `through` (provider staff only).
        async fn mark_seen(&self, actor: &Actor, through: i64) -> Result<(), AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::{BacklogCell, BurnDay, Day};
    use crate::tickets::{Priority, Status};

    fn workload() -> Workload {
        Workload {
            org_id: Some(7),
            org_name: Some("Acme".into()),
            from: "2026-12-01".into(),
            to: "2026-12-04".into(),
            backlog: vec![
                BacklogCell {
                    status: Status::New,
                    priority: Priority::Normal,
                    count: 3,
                },
                BacklogCell {
                    status: Status::Pending,
                    priority: Priority::Urgent,
                    count: 2,
                },
            ],
            days: vec![
                Day {
                    date: "2026-12-01".into(),
                    created: 4,
                    resolved: 1,
                },
                Day {
                    date: "2026-12-02".into(),
                    created: 2,
                    resolved: 3,
                },
            ],
            ageing: [0; 4],
            median_first_response_minutes: None,
            median_resolution_minutes: None,
            sla_breaches: 1,
            by_category: vec![],
            by_requester: vec![],
            by_technician: vec![],
            month: "2026-12".into(),
            contract: Some(Contract {
                org_id: 7,
                hours_included: 10,
                hourly_rate_cents: 9_000,
            }),
            burn: vec![
                BurnDay {
                    date: "2026-12-01".into(),
                    cumulative_minutes: 60,
                },
                BurnDay {
                    date: "2026-12-02".into(),
                    cumulative_minutes: 150,
                },
            ],
            deflections: 5,
            rating_good: 0,
            rating_bad: 0,
        }
    }

    #[test]
    fn the_glance_adds_up_the_reports_figures_for_the_month() {
        let glance = MonthGlance::of(&workload());
        assert_eq!(glance.open, 5);
        assert_eq!(glance.filed, 6);
        assert_eq!(glance.resolved, 4);
        assert_eq!(glance.targets_missed, 1);
        assert_eq!(glance.minutes_used, 150);
        assert_eq!(glance.hours_included, Some(10));
        assert_eq!(glance.answered_by_wiki, 5);
        assert_eq!(
            glance.report_href,
            "/reports?org=7&from=2026-12-01&to=2026-12-04"
        );
        assert_eq!(glance.hours_text(), "2 h 30 min of 10 h");
        assert_eq!(glance.percent_used(), Some(25));
    }

    #[test]
    fn without_a_contract_the_glance_shows_hours_used_alone() {
        let mut workload = workload();
        workload.contract = None;
        workload.burn.clear();
        let glance = MonthGlance::of(&workload);
        assert_eq!(glance.minutes_used, 0);
        assert_eq!(glance.hours_text(), "0 min");
        assert_eq!(glance.percent_used(), None);
    }
}
