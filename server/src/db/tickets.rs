//! SQL for tickets, their conversation and their event log.

use super::batch::{Batch, RowRef};
use super::{Db, now};
use crate::calendar::{BusinessCalendar, parse_hours};
use app::accounts::{OrgId, UserId};
use app::error::AppError;
use app::tickets::settings::hours::BusinessHours;
use app::tickets::{Priority, Rating, Status, TicketId, TicketSummary, TimelineEntry};
use sqlx::{FromRow, Sqlite, Transaction};
use time::OffsetDateTime;

/// What the rules need to know about a ticket besides its summary.
#[derive(Debug, Clone)]
pub struct TicketRecord {
    pub summary: TicketSummary,
    pub body: String,
    pub org_shares: bool,
    pub category_id: i64,
    pub rating: Option<Rating>,
    pub rating_comment: Option<String>,
    pub first_responded_at: Option<OffsetDateTime>,
    pub resolved_at: Option<OffsetDateTime>,
    /// The last activity the client's people may know of: none of an internal note or file.
    pub client_activity_at: OffsetDateTime,
}

impl TicketRecord {
    /// The ticket as the provider's `staff` or the client's people see it: the client's see
    /// the last activity they can see, not the true one.
    pub fn seen_by(mut self, staff: bool) -> TicketRecord {
        if !staff {
            self.summary.last_activity_at = self.client_activity_at;
        }
        self
    }
}

/// Which tickets a caller may list, decided by the rules before any SQL runs.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    All,
    Org(OrgId),
    /// A requester: their own tickets, and their org's when it shares tickets.
    Requester {
        org: OrgId,
        user: UserId,
    },
}

#[derive(FromRow)]
pub(super) struct TicketRow {
    id: i64,
    subject: String,
    status: String,
    priority: String,
    category: String,
    category_id: i64,
    org_id: i64,
    org_name: String,
    org_shares: bool,
    requester_id: i64,
    requester_name: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    body: String,
    rating: Option<String>,
    rating_comment: Option<String>,
    first_responded_at: Option<OffsetDateTime>,
    resolved_at: Option<OffsetDateTime>,
    first_response_due_at: Option<OffsetDateTime>,
    resolution_due_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    last_activity_at: OffsetDateTime,
    client_activity_at: OffsetDateTime,
}

/// "HH:MM" for minutes after midnight, as business hours are written.
fn minutes_text(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn corrupt(column: &str, value: &str) -> AppError {
    tracing::error!(column, value, "unexpected value in the database");
    AppError::Internal
}

impl TryFrom<TicketRow> for TicketRecord {
    type Error = AppError;

    fn try_from(row: TicketRow) -> Result<Self, AppError> {
        let status =
            Status::parse(&row.status).map_err(|_| corrupt("ticket.status", &row.status))?;
        let priority = Priority::parse(&row.priority)
            .map_err(|_| corrupt("ticket.priority", &row.priority))?;
        let rating = match row.rating.as_deref() {
            Some(raw) => Some(Rating::parse(raw).map_err(|_| corrupt("ticket.rating", raw))?),
            None => None,
        };
        Ok(TicketRecord {
            summary: TicketSummary {
                id: row.id,
                subject: row.subject,
                status,
                priority,
                category: row.category,
                org_id: row.org_id,
                org_name: row.org_name,
                requester_id: row.requester_id,
                requester_name: row.requester_name,
                assignee_id: row.assignee_id,
                assignee_name: row.assignee_name,
                created_at: row.created_at,
                last_activity_at: row.last_activity_at,
                first_responded_at: row.first_responded_at,
                first_response_due_at: row.first_response_due_at,
                resolution_due_at: row.resolution_due_at,
                sla_breached: app::tickets::sla_breached(
                    OffsetDateTime::now_utc(),
                    row.first_response_due_at,
                    row.first_responded_at,
                    row.resolution_due_at,
                    row.resolved_at,
                ),
            },
            body: row.body,
            org_shares: row.org_shares,
            category_id: row.category_id,
            rating,
            rating_comment: row.rating_comment,
            first_responded_at: row.first_responded_at,
            resolved_at: row.resolved_at,
            client_activity_at: row.client_activity_at,
        })
    }
}

pub(super) const TICKET_SELECT: &str = "select t.id, t.subject, t.status, t.priority, c.name as category, \
     t.category_id, t.org_id, o.name as org_name, o.share_tickets as org_shares, t.requester_id, \
     r.name as requester_name, t.assignee_id, a.name as assignee_name, t.body, t.rating, \
     t.rating_comment, t.first_responded_at, t.resolved_at, t.first_response_due_at, \
     t.resolution_due_at, t.created_at, t.last_activity_at, \
     coalesce(t.client_activity_at, t.created_at) as client_activity_at \
     from ticket t \
     join org o on o.id = t.org_id \
     join account r on r.id = t.requester_id \
     join category c on c.id = t.category_id \
     left join account a on a.id = t.assignee_id";

#[derive(FromRow)]
struct TimelineRow {
    id: i64,
    kind: String,
    actor_name: Option<String>,
    actor_role: Option<String>,
    body: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
    internal: bool,
    created_at: OffsetDateTime,
}

/// A field change to log: kind, old value, new value.
pub struct Change {
    pub kind: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Business hours and targets (first response, resolution; in business minutes).
#[derive(Clone)]
pub struct SlaPolicy {
    pub hours: BusinessHours,
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
}

#[derive(FromRow)]
struct SlaRow {
    time_zone: Option<String>,
    weekdays: Option<String>,
    start_minute: Option<i64>,
    end_minute: Option<i64>,
    first_response_minutes: Option<i64>,
    resolution_minutes: Option<i64>,
}

/// The category a new ticket is filed under, and the SLA it is due under.
#[derive(Clone)]
pub struct FilingTarget {
    pub category_id: i64,
    pub category_name: String,
    pub policy: Option<SlaPolicy>,
}

#[derive(FromRow)]
struct FilingRow {
    category_id: i64,
    category_name: String,
    #[sqlx(flatten)]
    sla: SlaRow,
}

impl SlaRow {
    fn policy(self) -> Result<Option<SlaPolicy>, AppError> {
        let (Some(zone), Some(days), Some(start), Some(end), Some(first), Some(resolve)) = (
            self.time_zone,
            self.weekdays,
            self.start_minute,
            self.end_minute,
            self.first_response_minutes,
            self.resolution_minutes,
        ) else {
            return Ok(None);
        };
        let hours = parse_hours(&zone, &days, &minutes_text(start), &minutes_text(end))
            .map_err(|err| corrupt("business_hours", &err.to_string()))?;
        Ok(Some(SlaPolicy {
            hours,
            first_response_minutes: first,
            resolution_minutes: resolve,
        }))
    }
}

/// How a category name is matched: trimmed, any case; none given means Other.
pub fn category_key(name: Option<&str>) -> String {
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("Other")
        .to_lowercase()
}

impl Db {
    #[tracing::instrument(skip_all)]
    pub async fn ticket(&self, id: TicketId) -> Result<TicketRecord, AppError> {
        sqlx::query_as::<_, TicketRow>(&format!("{TICKET_SELECT} where t.id = ?"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_into()
    }

    /// The timeline, without internal entries unless `with_internal`; each entry with its
    /// comment's markdown, for the caller to render off the request runtime.
    #[tracing::instrument(skip_all)]
    pub async fn timeline(
        &self,
        ticket: TicketId,
        with_internal: bool,
    ) -> Result<Vec<(TimelineEntry, Option<String>)>, AppError> {
        let rows = sqlx::query_as::<_, TimelineRow>(
            "select e.id, e.kind, a.name as actor_name, a.role as actor_role, c.body, \
             e.old_value, e.new_value, e.internal, e.created_at \
             from ticket_event e \
             left join account a on a.id = e.actor_id \
             left join ticket_comment c on c.id = e.comment_id \
             where e.ticket_id = ? and (? or e.internal = 0) \
             order by e.id",
        )
        .bind(ticket)
        .bind(with_internal)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let entry = TimelineEntry {
                    id: row.id,
                    kind: row.kind,
                    actor_name: row.actor_name,
                    actor_is_staff: matches!(
                        row.actor_role.as_deref(),
                        Some("technician" | "admin")
                    ),
                    body_html: None,
                    old_value: row.old_value,
                    new_value: row.new_value,
                    internal: row.internal,
                    at: row.created_at,
                };
                (entry, row.body)
            })
            .collect())
    }

    /// The active category of `org` named `name` (any case), or its "Other".
    #[tracing::instrument(skip_all)]
    pub async fn category_id(
        &self,
        org: OrgId,
        name: Option<&str>,
    ) -> Result<Option<i64>, AppError> {
        sqlx::query_scalar(
            "select id from category where org_id = ? and name_key = ? and archived_at is null",
        )
        .bind(org)
        .bind(category_key(name))
        .fetch_optional(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// What filing a ticket needs, in one query: the category (`None` when `org` has no such
    /// active category) and the org's business hours and targets for `priority`.
    #[tracing::instrument(skip_all)]
    pub async fn filing(
        &self,
        org: OrgId,
        category: Option<&str>,
        priority: Priority,
    ) -> Result<Option<FilingTarget>, AppError> {
        let row: Option<FilingRow> = sqlx::query_as(
            "select c.id as category_id, c.name as category_name, h.time_zone, h.weekdays, h.start_minute, \
             h.end_minute, p.first_response_minutes, p.resolution_minutes \
             from category c \
             left join business_hours h on h.org_id = c.org_id \
             left join sla_policy p on p.org_id = c.org_id and p.priority = ? \
             where c.org_id = ? and c.name_key = ? and c.archived_at is null",
        )
        .bind(priority.as_str())
        .bind(org)
        .bind(category_key(category))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(FilingTarget {
                category_id: row.category_id,
                category_name: row.category_name,
                policy: row.sla.policy()?,
            })
        })
        .transpose()
    }

    /// Every active category name of the client organizations, once each.
    #[tracing::instrument(skip_all)]
    pub async fn category_names(&self) -> Result<Vec<String>, AppError> {
        sqlx::query_scalar(
            "select min(name) from category where archived_at is null \
             group by name_key order by min(position), name_key",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all)]
    pub async fn categories(&self, org: OrgId) -> Result<Vec<String>, AppError> {
        sqlx::query_scalar(
            "select name from category where org_id = ? and archived_at is null \
             order by position, name_key",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Active provider staff, who tickets can be assigned to.
    #[tracing::instrument(skip_all)]
    pub async fn assignable_staff(&self) -> Result<Vec<(UserId, String)>, AppError> {
        sqlx::query_as(
            "select a.id, a.name from account a \
             where a.role in ('technician', 'admin') and a.active = 1 order by a.name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Resolved tickets whose resolution is older than `before`.
    #[tracing::instrument(skip_all)]
    pub async fn resolved_before(&self, before: &str) -> Result<Vec<TicketId>, AppError> {
        sqlx::query_scalar(
            "select id from ticket where status = 'resolved' and resolved_at < ? order by id",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// The business hours and the targets of `org` for `priority`; `None` where the org has
    /// no policy (the provider).
    #[tracing::instrument(skip_all)]
    pub async fn sla_policy(
        &self,
        org: OrgId,
        priority: Priority,
    ) -> Result<Option<SlaPolicy>, AppError> {
        let row: Option<SlaRow> = sqlx::query_as(
            "select h.time_zone, h.weekdays, h.start_minute, h.end_minute, \
             p.first_response_minutes, p.resolution_minutes \
             from sla_policy p join business_hours h on h.org_id = p.org_id \
             where p.org_id = ? and p.priority = ?",
        )
        .bind(org)
        .bind(priority.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.policy()).transpose()?.flatten())
    }

    /// The writer connection itself, for a caller that runs its transaction's statements
    /// together with its `begin` and `commit` (and so must end the transaction itself).
    pub async fn writer(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>, AppError> {
        self.writer.acquire().await.map_err(AppError::from)
    }

    /// A write transaction, on the writer connection. `IMMEDIATE` takes the write lock at
    /// the start: a deferred transaction that reads first and then writes fails with
    /// `SQLITE_BUSY_SNAPSHOT` (which no busy timeout retries) when another connection
    /// committed in between.
    pub async fn begin(&self) -> Result<Transaction<'static, Sqlite>, AppError> {
        self.writer
            .begin_with("begin immediate")
            .await
            .map_err(AppError::from)
    }
}

/// Writes inside one transaction: a ticket change is all or nothing.
pub struct TicketWrite<'a> {
    pub tx: &'a mut Transaction<'static, Sqlite>,
    pub ticket: TicketId,
    pub actor: Option<UserId>,
    pub at: String,
}

impl<'a> TicketWrite<'a> {
    /// Changes to `ticket` by `actor` (`None`: the system), all stamped with the same time.
    pub fn new(
        tx: &'a mut Transaction<'static, Sqlite>,
        ticket: TicketId,
        actor: Option<UserId>,
    ) -> Self {
        Self::at(tx, ticket, actor, now())
    }

    /// Changes stamped with a time chosen by the caller.
    pub fn at(
        tx: &'a mut Transaction<'static, Sqlite>,
        ticket: TicketId,
        actor: Option<UserId>,
        at: String,
    ) -> Self {
        TicketWrite {
            tx,
            ticket,
            actor,
            at,
        }
    }

    /// Appends to the event log.
    pub async fn event(
        &mut self,
        kind: &str,
        old: Option<&str>,
        new: Option<&str>,
        comment: Option<i64>,
        internal: bool,
    ) -> Result<(), AppError> {
        let mut batch = Batch::default();
        insert_event(
            &mut batch,
            RowRef::Id(self.ticket),
            NewEvent {
                actor: self.actor,
                kind,
                old,
                new,
                comment,
                internal,
                at: &self.at,
            },
        );
        batch.execute(self.tx).await
    }

    pub async fn comment(
        &mut self,
        author: UserId,
        body: &str,
        internal: bool,
    ) -> Result<i64, AppError> {
        let id: i64 = sqlx::query_scalar(
            "insert into ticket_comment (ticket_id, author_id, body, internal, created_at, \
             updated_at) values (?, ?, ?, ?, ?, ?) returning id",
        )
        .bind(self.ticket)
        .bind(author)
        .bind(body)
        .bind(internal)
        .bind(&self.at)
        .bind(&self.at)
        .fetch_one(&mut **self.tx)
        .await?;
        Ok(id)
    }

    /// Sets a text column of the ticket (or clears it).
    pub async fn set(
        &mut self,
        column: TicketColumn,
        value: Option<String>,
    ) -> Result<(), AppError> {
        self.set_value(column, ColumnValue::Text(value)).await
    }

    /// Sets an id column of the ticket (or clears it).
    pub async fn set_id(
        &mut self,
        column: TicketColumn,
        value: Option<i64>,
    ) -> Result<(), AppError> {
        self.set_value(column, ColumnValue::Id(value)).await
    }

    /// `column` is one of a fixed set, never user input.
    async fn set_value(
        &mut self,
        column: TicketColumn,
        value: ColumnValue,
    ) -> Result<(), AppError> {
        let sql = format!(
            "update ticket set {} = ?, updated_at = ? where id = ?",
            column.name()
        );
        let query = sqlx::query(&sql);
        let query = match value {
            ColumnValue::Text(text) => query.bind(text),
            ColumnValue::Id(id) => query.bind(id),
        };
        query
            .bind(&self.at)
            .bind(self.ticket)
            .execute(&mut **self.tx)
            .await?;
        Ok(())
    }

    /// Records a live event about this ticket in the transaction; returns its id, which the
    /// caller publishes once the transaction has committed.
    pub async fn live(
        &mut self,
        kind: &str,
        internal: bool,
        data: serde_json::Value,
    ) -> Result<i64, AppError> {
        let mut batch = Batch::default();
        super::live::append_live_event(
            &mut batch,
            kind,
            RowRef::Id(self.ticket),
            self.actor,
            internal,
            &data,
            &self.at,
        );
        batch.fetch_id(self.tx).await
    }

    /// Marks activity (lists sort by it); activity that is not `internal` is also activity
    /// the client's people see.
    pub async fn touch(&mut self, internal: bool) -> Result<(), AppError> {
        let at = self.at.clone();
        self.set(TicketColumn::LastActivityAt, Some(at.clone()))
            .await?;
        if !internal {
            self.set(TicketColumn::ClientActivityAt, Some(at)).await?;
        }
        Ok(())
    }

    /// Business minutes from the ticket's filing to this write's time, in its org's business
    /// hours (the default office hours where the org has set none), as reports count them.
    pub async fn business_minutes_since_filed(&mut self) -> Result<i64, AppError> {
        let row: HoursRow = sqlx::query_as(
            "select t.created_at, h.time_zone, h.weekdays, h.start_minute, h.end_minute \
             from ticket t left join business_hours h on h.org_id = t.org_id where t.id = ?",
        )
        .bind(self.ticket)
        .fetch_one(&mut **self.tx)
        .await?;
        let hours = match (
            row.time_zone,
            row.weekdays,
            row.start_minute,
            row.end_minute,
        ) {
            (Some(zone), Some(days), Some(start), Some(end)) => {
                parse_hours(&zone, &days, &minutes_text(start), &minutes_text(end))
                    .map_err(|err| corrupt("business_hours", &err.to_string()))?
            }
            _ => BusinessHours::default_office(),
        };
        let now = OffsetDateTime::parse(&self.at, &time::format_description::well_known::Rfc3339)
            .map_err(|_| corrupt("ticket write time", &self.at))?;
        Ok(hours.business_minutes_between(instant(row.created_at)?, instant(now)?))
    }
}

#[derive(FromRow)]
struct HoursRow {
    created_at: OffsetDateTime,
    time_zone: Option<String>,
    weekdays: Option<String>,
    start_minute: Option<i64>,
    end_minute: Option<i64>,
}

/// A stored time as the business-hours arithmetic takes it.
fn instant(at: OffsetDateTime) -> Result<jiff::Timestamp, AppError> {
    jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos()).map_err(|err| {
        tracing::error!(error = %err, "ticket time out of range");
        AppError::Internal
    })
}

/// A value for one ticket column.
enum ColumnValue {
    Text(Option<String>),
    Id(Option<i64>),
}

/// The ticket columns a change may set.
#[derive(Debug, Clone, Copy)]
pub enum TicketColumn {
    Status,
    Priority,
    CategoryId,
    AssigneeId,
    FirstRespondedAt,
    FirstResponseMinutes,
    FirstResponseDueAt,
    ResolutionDueAt,
    ResolvedAt,
    ResolutionMinutes,
    ClosedAt,
    LastActivityAt,
    ClientActivityAt,
    Rating,
    RatingComment,
}

impl TicketColumn {
    fn name(self) -> &'static str {
        match self {
            TicketColumn::Status => "status",
            TicketColumn::Priority => "priority",
            TicketColumn::CategoryId => "category_id",
            TicketColumn::AssigneeId => "assignee_id",
            TicketColumn::FirstRespondedAt => "first_responded_at",
            TicketColumn::FirstResponseMinutes => "first_response_minutes",
            TicketColumn::FirstResponseDueAt => "first_response_due_at",
            TicketColumn::ResolutionDueAt => "resolution_due_at",
            TicketColumn::ResolvedAt => "resolved_at",
            TicketColumn::ResolutionMinutes => "resolution_minutes",
            TicketColumn::ClosedAt => "closed_at",
            TicketColumn::LastActivityAt => "last_activity_at",
            TicketColumn::ClientActivityAt => "client_activity_at",
            TicketColumn::Rating => "rating",
            TicketColumn::RatingComment => "rating_comment",
        }
    }
}

#[derive(FromRow)]
struct AttachmentRow {
    id: i64,
    ticket_id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    internal: bool,
    uploader_name: String,
    created_at: OffsetDateTime,
}

impl AttachmentRow {
    fn into_parts(self) -> (app::tickets::Attachment, TicketId, String) {
        let is_image = app::tickets::served_content_type(&self.file_name).1;
        (
            app::tickets::Attachment {
                id: self.id,
                file_name: self.file_name,
                content_type: self.content_type,
                size: self.size,
                is_image,
                internal: self.internal,
                uploader_name: self.uploader_name,
                created_at: self.created_at,
            },
            self.ticket_id,
            self.sha256,
        )
    }
}

const ATTACHMENT_SELECT: &str = "select f.id, f.ticket_id, f.file_name, f.content_type, f.size, \
     f.sha256, f.internal, a.name as uploader_name, f.created_at \
     from attachment f join account a on a.id = f.uploader_id";

impl Db {
    /// A ticket's attachments, without internal ones unless `with_internal`.
    #[tracing::instrument(skip_all)]
    pub async fn attachments(
        &self,
        ticket: TicketId,
        with_internal: bool,
    ) -> Result<Vec<app::tickets::Attachment>, AppError> {
        Ok(sqlx::query_as::<_, AttachmentRow>(&format!(
            "{ATTACHMENT_SELECT} where f.ticket_id = ? and (? or f.internal = 0) order by f.id"
        ))
        .bind(ticket)
        .bind(with_internal)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| row.into_parts().0)
        .collect())
    }

    /// One attachment with its ticket and content hash.
    #[tracing::instrument(skip_all)]
    pub async fn attachment(
        &self,
        id: i64,
    ) -> Result<(app::tickets::Attachment, TicketId, String), AppError> {
        sqlx::query_as::<_, AttachmentRow>(&format!("{ATTACHMENT_SELECT} where f.id = ?"))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
            .map(AttachmentRow::into_parts)
    }
}

impl TicketWrite<'_> {
    pub async fn attachment(
        &mut self,
        uploader: UserId,
        file_name: &str,
        content_type: &str,
        size: i64,
        sha256: &str,
        internal: bool,
    ) -> Result<(), AppError> {
        let mut batch = Batch::default();
        insert_attachment(
            &mut batch,
            RowRef::Id(self.ticket),
            NewAttachment {
                uploader,
                file_name,
                content_type,
                size,
                sha256,
                internal,
                at: &self.at,
            },
        );
        batch.execute(self.tx).await
    }
}

// The one place each of these tables is inserted into. Each function appends its statement
// to a batch: a single change runs a batch of one, filing runs a whole group of new tickets
// as one batch (see `tickets::filing`).

/// The ticket `insert_ticket` put in the same batch, before its number is known.
pub const NEW_TICKET: RowRef = RowRef::Newest("ticket");

/// A new ticket's row.
pub struct NewTicket<'a> {
    pub org: OrgId,
    pub requester: UserId,
    pub category: i64,
    pub subject: &'a str,
    pub body: &'a str,
    pub priority: Priority,
    pub first_response_due: Option<&'a str>,
    pub resolution_due: Option<&'a str>,
    /// The filing time, as stored text.
    pub at: &'a str,
}

/// Files a new ticket, status new; sends back its number.
pub fn insert_ticket<'q>(batch: &mut Batch<'q>, ticket: NewTicket<'q>) {
    batch
        .push(
            "insert into ticket (org_id, requester_id, category_id, subject, body, status, \
             priority, first_response_due_at, resolution_due_at, last_activity_at, \
             client_activity_at, created_at, updated_at) \
             values (?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?) returning id",
        )
        .bind(ticket.org)
        .bind(ticket.requester)
        .bind(ticket.category)
        .bind(ticket.subject)
        .bind(ticket.body)
        .bind(ticket.priority.as_str())
        .bind(ticket.first_response_due)
        .bind(ticket.resolution_due)
        .bind(ticket.at)
        .bind(ticket.at)
        .bind(ticket.at)
        .bind(ticket.at);
}

/// An entry of a ticket's event log.
pub struct NewEvent<'a> {
    /// `None`: the system.
    pub actor: Option<UserId>,
    pub kind: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub comment: Option<i64>,
    pub internal: bool,
    pub at: &'a str,
}

/// Appends an entry to `ticket`'s event log; sends back the entry's id.
pub fn insert_event<'q>(batch: &mut Batch<'q>, ticket: RowRef, event: NewEvent<'q>) {
    batch
        .push_about(
            ticket,
            "insert into ticket_event (ticket_id, actor_id, kind, old_value, new_value, \
             comment_id, internal, created_at) \
             select about.id, ?, ?, ?, ?, ?, ?, ? from about returning id",
        )
        .bind(event.actor)
        .bind(event.kind)
        .bind(event.old)
        .bind(event.new)
        .bind(event.comment)
        .bind(event.internal)
        .bind(event.at);
}

/// A file stored already, to record on a ticket.
pub struct NewAttachment<'a> {
    pub uploader: UserId,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub internal: bool,
    pub at: &'a str,
}

/// Records a file on `ticket` (its log entry is the caller's, with `insert_event`).
pub fn insert_attachment<'q>(batch: &mut Batch<'q>, ticket: RowRef, file: NewAttachment<'q>) {
    batch
        .push_about(
            ticket,
            "insert into attachment (ticket_id, uploader_id, file_name, content_type, size, \
             sha256, internal, created_at, updated_at) \
             select about.id, ?, ?, ?, ?, ?, ?, ?, ? from about",
        )
        .bind(file.uploader)
        .bind(file.file_name)
        .bind(file.content_type)
        .bind(file.size)
        .bind(file.sha256)
        .bind(file.internal)
        .bind(file.at)
        .bind(file.at);
}

/// A ticket as it stands after a life already lived (the demo's history): every column the
/// changes of that life would have set, so the reports' per-day counts, which triggers keep
/// from these columns, come out as if each change had happened in turn.
pub struct PastTicket<'a> {
    pub new: NewTicket<'a>,
    pub status: Status,
    pub assignee: Option<UserId>,
    pub first_responded_at: Option<&'a str>,
    pub first_response_minutes: Option<i64>,
    pub resolved_at: Option<&'a str>,
    pub resolution_minutes: Option<i64>,
    pub closed_at: Option<&'a str>,
    pub rating: Option<Rating>,
    pub rating_comment: Option<&'a str>,
    /// When each target's coming breach was warned of and its breach announced, as the
    /// watcher would have marked them.
    pub first_response_warned_at: Option<&'a str>,
    pub first_response_breach_at: Option<&'a str>,
    pub resolution_warned_at: Option<&'a str>,
    pub resolution_breach_at: Option<&'a str>,
    pub last_activity_at: &'a str,
    pub client_activity_at: &'a str,
}

/// Files a ticket with its whole past at once (see [`PastTicket`]).
pub fn insert_past_ticket<'q>(batch: &mut Batch<'q>, ticket: PastTicket<'q>) {
    let new = ticket.new;
    batch
        .push(
            "insert into ticket (org_id, requester_id, category_id, subject, body, status, \
             priority, first_response_due_at, resolution_due_at, assignee_id, \
             first_responded_at, first_response_minutes, resolved_at, resolution_minutes, \
             closed_at, rating, rating_comment, first_response_warning_announced_at, \
             first_response_breach_announced_at, resolution_warning_announced_at, \
             resolution_breach_announced_at, last_activity_at, client_activity_at, \
             created_at, updated_at) \
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new.org)
        .bind(new.requester)
        .bind(new.category)
        .bind(new.subject)
        .bind(new.body)
        .bind(ticket.status.as_str())
        .bind(new.priority.as_str())
        .bind(new.first_response_due)
        .bind(new.resolution_due)
        .bind(ticket.assignee)
        .bind(ticket.first_responded_at)
        .bind(ticket.first_response_minutes)
        .bind(ticket.resolved_at)
        .bind(ticket.resolution_minutes)
        .bind(ticket.closed_at)
        .bind(ticket.rating.map(Rating::as_str))
        .bind(ticket.rating_comment)
        .bind(ticket.first_response_warned_at)
        .bind(ticket.first_response_breach_at)
        .bind(ticket.resolution_warned_at)
        .bind(ticket.resolution_breach_at)
        .bind(ticket.last_activity_at)
        .bind(ticket.client_activity_at)
        .bind(new.at)
        .bind(ticket.last_activity_at);
}

/// A reply or internal note on `ticket` with its log entry (`comment` or `note`), the entry
/// pointing at the comment just inserted.
pub fn insert_comment<'q>(
    batch: &mut Batch<'q>,
    ticket: RowRef,
    author: UserId,
    body: &'q str,
    internal: bool,
    at: &'q str,
) {
    batch
        .push_about(
            ticket,
            "insert into ticket_comment (ticket_id, author_id, body, internal, created_at, \
             updated_at) select about.id, ?, ?, ?, ?, ? from about",
        )
        .bind(author)
        .bind(body)
        .bind(internal)
        .bind(at)
        .bind(at);
    batch
        .push_about(
            ticket,
            "insert into ticket_event (ticket_id, actor_id, kind, comment_id, internal, \
             created_at) select about.id, ?, ?, last_insert_rowid(), ?, ? from about",
        )
        .bind(author)
        .bind(if internal { "note" } else { "comment" })
        .bind(internal)
        .bind(at);
}
