//! Each role's home page, made of what the tickets and reports services already decide: the
//! caller's own open requests with where each stands, the provider's desk, and an office
//! manager's month. Every part goes through the service that owns its rules, so the home page
//! shows nothing the caller could not read on the page it links to.

use crate::db::Db;
use app::accounts::{Actor, Role, Via};
use app::error::AppError;
use app::home::{
    CHANGES_LISTED, Desk, FIRST_LOOK_HOURS, Home, LISTED, MonthGlance, MyRequests, Standing,
    ssr::HomeBackend,
};
use app::reports::{Month, ReportQuery, ssr::Reports};
use app::tickets::filter::{AssigneeFilter, Sort, SortKey, StatusFilter};
use app::tickets::{TicketFilter, ssr::Tickets};
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};

pub struct HomeService {
    db: Db,
    tickets: Arc<dyn Tickets>,
    reports: Arc<dyn Reports>,
}

impl HomeService {
    pub fn new(db: Db, tickets: Arc<dyn Tickets>, reports: Arc<dyn Reports>) -> HomeService {
        HomeService {
            db,
            tickets,
            reports,
        }
    }

    /// The caller's own open requests, most recently active first, each with the last public
    /// message on it.
    async fn requests(&self, actor: &Actor) -> Result<MyRequests, AppError> {
        let page = self
            .tickets
            .list(
                actor,
                TicketFilter {
                    status: Some(StatusFilter::Active),
                    requester: Some(actor.user_id),
                    limit: Some(LISTED as u32),
                    ..TicketFilter::default()
                },
            )
            .await?;
        let ids: Vec<_> = page.tickets.iter().map(|t| t.id).collect();
        let mut latest = self.db.latest_public_events(&ids).await?;
        let open = page
            .tickets
            .into_iter()
            .map(|ticket| {
                let (by, entry) = latest.remove(&ticket.id).unzip();
                Standing {
                    latest_by_caller: by.flatten() == Some(actor.user_id),
                    latest: entry,
                    ticket,
                }
            })
            .collect();
        Ok(MyRequests {
            open,
            more: page.next_cursor.is_some(),
        })
    }

    /// The queue's counts, the caller's tickets by the next target due, and what changed on
    /// them since the caller last marked it seen.
    async fn desk(&self, actor: &Actor) -> Result<Desk, AppError> {
        let mine = TicketFilter {
            status: Some(StatusFilter::Active),
            assignee: Some(AssigneeFilter::Me),
            sort: Sort {
                key: SortKey::Due,
                descending: false,
            },
            limit: Some(LISTED as u32),
            ..TicketFilter::default()
        };
        let (views, mine, seen) = tokio::try_join!(
            self.tickets.views(actor),
            self.tickets.list(actor, mine),
            self.db.desk_seen(actor.user_id),
        )?;
        let (after_event, after_time, since) = match seen {
            Some((event, at)) => (event, None, at),
            None => {
                let day_back = OffsetDateTime::now_utc() - Duration::hours(FIRST_LOOK_HOURS);
                (0, Some(day_back), day_back)
            }
        };
        let mut changes = self
            .db
            .desk_changes(actor.user_id, after_event, after_time, CHANGES_LISTED + 1)
            .await?;
        let more_changes = changes.len() > CHANGES_LISTED;
        changes.truncate(CHANGES_LISTED);
        Ok(Desk {
            // The built-in views; a technician's own saved views stay on the queue.
            views: views.into_iter().filter(|view| view.id.is_none()).collect(),
            more_mine: mine.next_cursor.is_some(),
            mine: mine.tickets,
            changes,
            more_changes,
            since,
        })
    }

    /// The manager's organization from the first of this month to today, as its report.
    async fn month(&self, actor: &Actor, today: Date) -> Result<MonthGlance, AppError> {
        let query = ReportQuery {
            org: Some(actor.org_id),
            from: Month::of(today).first_day(),
            to: today,
        };
        let workload = self.reports.workload(actor, query, Via::Page).await?;
        Ok(MonthGlance::of(&workload))
    }
}

#[async_trait::async_trait]
impl HomeBackend for HomeService {
    #[tracing::instrument(skip_all)]
    async fn home(&self, actor: &Actor, today: Date) -> Result<Home, AppError> {
        Ok(match actor.role {
            Role::Requester => Home {
                requests: Some(self.requests(actor).await?),
                desk: None,
                month: None,
            },
            Role::Manager => {
                let (month, requests) =
                    tokio::try_join!(self.month(actor, today), self.requests(actor))?;
                Home {
                    requests: Some(requests),
                    desk: None,
                    month: Some(month),
                }
            }
            Role::Technician | Role::Admin => Home {
                requests: None,
                desk: Some(self.desk(actor).await?),
                month: None,
            },
        })
    }

    #[tracing::instrument(skip_all)]
    async fn mark_seen(&self, actor: &Actor, through: i64) -> Result<(), AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        if through < 0 {
            return Err(AppError::invalid(
                "through",
                "Give the number of the last change you saw.",
            ));
        }
        self.db.mark_desk_seen(actor.user_id, through).await
    }
}
