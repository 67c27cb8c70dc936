//! Tickets: the rules for filing, following and working requests, enforced for pages, server
//! functions and the REST API alike.

pub mod breach;
pub mod canned;
pub mod files;
pub mod filing;
pub mod settings;

use crate::calendar::BusinessCalendar;
use crate::db::Db;
use crate::db::queue::cursor_after;
use crate::db::tickets::{FilingTarget, Scope, SlaPolicy, TicketColumn, TicketRecord, TicketWrite};
use crate::tickets::files::StoredFile;
use app::accounts::{Actor, OrgId, Role};
use app::error::AppError;
use app::tickets::filter::{BUILT_IN_VIEWS, COUNT_CAP, parse_view_name};
use app::tickets::{
    Body, NewTicket, Priority, Rating, SavedView, Status, TicketDetail, TicketFilter, TicketId,
    TicketOptions, TicketPage, TicketParams, TicketPatch, can_act, can_read, may_change_status,
    ssr::{Tickets, Upload},
};
use app::wiki::ArticleId;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

pub struct TicketsService {
    pub(crate) db: Db,
    /// Where attachment bytes are kept.
    data_dir: std::path::PathBuf,
    /// The largest file one may attach.
    max_file_bytes: usize,
    /// The most the files of one organization may take together.
    upload_quota: files::UploadQuota,
    /// How long after resolution the people of the client may reopen a ticket.
    reopen_window: Duration,
    /// Where committed changes are announced.
    bus: std::sync::Arc<crate::live::Bus>,
    /// Suggests articles for a new request, which the ticket is then tied to.
    wiki: Option<std::sync::Arc<crate::wiki::WikiService>>,
    /// Writes new tickets, many to a transaction.
    filing: filing::FilingQueue,
    /// What filing needs of an org's settings, remembered.
    filing_targets: Mutex<FilingTargets>,
}

/// Filing targets by org, category key and priority, with the settings count each was read at.
type FilingTargets = HashMap<(OrgId, String, Priority), (u64, FilingTarget)>;

impl TicketsService {
    pub fn new(
        db: Db,
        reopen_days: u32,
        data_dir: std::path::PathBuf,
        max_file_bytes: usize,
        bus: std::sync::Arc<crate::live::Bus>,
    ) -> Self {
        Self {
            filing: filing::FilingQueue::start(db.clone()),
            db,
            bus,
            data_dir,
            max_file_bytes,
            reopen_window: Duration::days(i64::from(reopen_days)),
            upload_quota: files::UploadQuota::DEFAULT,
            wiki: None,
            filing_targets: Mutex::new(HashMap::new()),
        }
    }

    /// Ties each new ticket to the articles the wiki suggests for it.
    /// Holds each organization's files to `quota` (5 GiB unless set).
    pub fn with_upload_quota(mut self, quota: files::UploadQuota) -> Self {
        self.upload_quota = quota;
        self
    }

    pub fn with_suggestions(mut self, wiki: std::sync::Arc<crate::wiki::WikiService>) -> Self {
        self.wiki = Some(wiki);
        self
    }

    /// The articles suggested for a new request's words, as the requester may read them, to
    /// tie the ticket to. Suggestions are a help, not part of the request: a failure is
    /// logged and files the ticket without them.
    async fn suggested_articles(&self, actor: &Actor, new: &NewTicket) -> Vec<ArticleId> {
        let Some(wiki) = &self.wiki else {
            return Vec::new();
        };
        let text = format!("{} {}", new.subject.as_str(), new.body.as_str());
        wiki.suggested_ids(actor, &text, 3)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(error = %err, "cannot suggest articles for a new ticket");
                Vec::new()
            })
    }

    /// The category and SLA a new ticket of `org` is filed under, from memory while the org's
    /// settings are unchanged. An unknown category is not remembered.
    async fn filing_target(
        &self,
        org: OrgId,
        category: Option<&str>,
        priority: Priority,
    ) -> Result<Option<FilingTarget>, AppError> {
        let key = (org, crate::db::tickets::category_key(category), priority);
        let seen = self.db.settings_changes();
        if let Some((at, target)) = self.cached_targets().get(&key)
            && *at == seen
        {
            return Ok(Some(target.clone()));
        }
        let target = self.db.filing(org, category, priority).await?;
        if let Some(target) = &target {
            self.cached_targets().insert(key, (seen, target.clone()));
        }
        Ok(target)
    }

    fn cached_targets(&self) -> std::sync::MutexGuard<'_, FilingTargets> {
        self.filing_targets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The ticket if `actor` may read it; `NotFound` otherwise, so its existence stays hidden.
    async fn readable(&self, actor: &Actor, id: TicketId) -> Result<TicketRecord, AppError> {
        let record = self.db.ticket(id).await?;
        let s = &record.summary;
        if can_read(actor, s.org_id, s.requester_id, record.org_shares) {
            Ok(record.seen_by(actor.is_provider_staff()))
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The ticket if `actor` may act on it: `NotFound` when they may not even read it,
    /// `Forbidden` when it is only shared with them.
    async fn actionable(&self, actor: &Actor, id: TicketId) -> Result<TicketRecord, AppError> {
        let record = self.readable(actor, id).await?;
        let s = &record.summary;
        if can_act(actor, s.org_id, s.requester_id) {
            Ok(record)
        } else {
            Err(AppError::Forbidden)
        }
    }

    async fn detail(&self, actor: &Actor, record: TicketRecord) -> Result<TicketDetail, AppError> {
        let timeline = self
            .db
            .timeline(record.summary.id, actor.is_provider_staff())
            .await?;
        let body = record.body.clone();
        let (body_html, timeline) = crate::blocking::run(move || {
            let timeline: Vec<_> = timeline
                .into_iter()
                .map(|(mut entry, markdown)| {
                    entry.body_html = markdown.as_deref().map(crate::markdown::render);
                    entry
                })
                .collect();
            (crate::markdown::render(&body), timeline)
        })
        .await?;
        let attachments = self
            .db
            .attachments(record.summary.id, actor.is_provider_staff())
            .await?;
        Ok(TicketDetail {
            attachments,
            body_html,
            body: record.body,
            timeline,
            rating: record.rating,
            rating_comment: record.rating_comment,
            resolved_at: record.resolved_at,
            summary: record.summary,
        })
    }

    fn reopen_allowed(&self, record: &TicketRecord) -> bool {
        record
            .resolved_at
            .is_some_and(|at| OffsetDateTime::now_utc() - at <= self.reopen_window)
    }

    /// Closes tickets resolved more than `after` ago, each in its own transaction with a
    /// system entry in its log. Returns how many were closed.
    pub async fn close_resolved(&self, after: Duration) -> Result<usize, AppError> {
        let cutoff = crate::db::timestamp(OffsetDateTime::now_utc() - after);
        let ids = self.db.resolved_before(&cutoff).await?;
        for id in &ids {
            let mut tx = self.db.begin().await?;
            let mut write = TicketWrite::new(&mut tx, *id, None);
            enter_status(&mut write, Status::Resolved, Status::Closed).await?;
            let event = write
                .live(
                    "ticket.updated",
                    false,
                    json!({ "status": "closed", "from": "resolved" }),
                )
                .await?;
            tx.commit().await?;
            self.bus.publish(event).await;
        }
        Ok(ids.len())
    }

    async fn store_files(&self, files: Vec<Upload>) -> Result<Vec<StoredFile>, AppError> {
        files::check_and_store(&self.data_dir, self.max_file_bytes, files).await
    }

    /// Whether `actor` may move the ticket to `to`, with the reason they may not.
    fn check_status(
        &self,
        actor: &Actor,
        record: &TicketRecord,
        to: Status,
    ) -> Result<(), AppError> {
        let from = record.summary.status;
        if may_change_status(actor, from, to, self.reopen_allowed(record)) {
            return Ok(());
        }
        let message = match (from, to) {
            (Status::Resolved, Status::Open) => format!(
                "A resolved ticket can be reopened for {}; please file a new request.",
                app::words::count(self.reopen_window.whole_days(), "day", "days")
            ),
            (_, Status::New) => "A ticket cannot go back to new.".to_string(),
            _ => {
                "You can mark your ticket resolved, or reopen it after it was resolved.".to_string()
            }
        };
        Err(AppError::invalid("status", message))
    }

    /// A view with its current count for `actor`.
    async fn counted_view(
        &self,
        actor: &Actor,
        id: Option<i64>,
        name: String,
        query: String,
    ) -> Result<SavedView, AppError> {
        let count = match TicketParams::from_query_string(&query).parse() {
            Ok(filter) => {
                self.db
                    .count_tickets(Self::scope(actor), &filter, actor.user_id, COUNT_CAP)
                    .await?
            }
            // A view saved before a filter changed meaning counts nothing rather than failing
            // the whole queue.
            Err(_) => 0,
        };
        Ok(SavedView {
            id,
            name,
            query,
            count,
        })
    }

    fn scope(actor: &Actor) -> Scope {
        match actor.role {
            Role::Technician | Role::Admin => Scope::All,
            Role::Manager => Scope::Org(actor.org_id),
            Role::Requester => Scope::Requester {
                org: actor.org_id,
                user: actor.user_id,
            },
        }
    }
}

/// The due times for a ticket of `org` at `priority` opened at `opened`, as stored text.
async fn due_times(
    db: &Db,
    org: OrgId,
    priority: app::tickets::Priority,
    opened: OffsetDateTime,
) -> Result<(Option<String>, Option<String>), AppError> {
    due_under(db.sla_policy(org, priority).await?.as_ref(), opened)
}

/// The due times under `policy` (none without one) for a ticket opened at `opened`.
fn due_under(
    policy: Option<&SlaPolicy>,
    opened: OffsetDateTime,
) -> Result<(Option<String>, Option<String>), AppError> {
    let Some(policy) = policy else {
        return Ok((None, None));
    };
    // To the nanosecond: a due time cut to whole seconds would give a ticket opened at
    // 10:00:00.500 a target half a second short.
    let start = jiff::Timestamp::from_nanosecond(opened.unix_timestamp_nanos()).map_err(|err| {
        tracing::error!(error = %err, "ticket time out of range");
        AppError::Internal
    })?;
    let due = |minutes: i64| {
        let at = policy.hours.add_business_minutes(start, minutes);
        OffsetDateTime::from_unix_timestamp_nanos(at.as_nanosecond())
            .map(crate::db::timestamp)
            .map_err(|err| {
                tracing::error!(error = %err, "due time out of range");
                AppError::Internal
            })
    };
    Ok((
        Some(due(policy.first_response_minutes)?),
        Some(due(policy.resolution_minutes)?),
    ))
}

/// A ticket just filed by `actor`, without files, as `get` would read it back.
async fn filed_detail(
    actor: &Actor,
    filing: filing::Filing,
    category: String,
    filed: filing::Filed,
) -> Result<TicketDetail, AppError> {
    let stored = |text: &str| {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(|err| {
            tracing::error!(error = %err, text, "a stored time does not parse");
            AppError::Internal
        })
    };
    let at = stored(&filing.at)?;
    let first_response_due_at = filing
        .first_response_due
        .as_deref()
        .map(stored)
        .transpose()?;
    let resolution_due_at = filing.resolution_due.as_deref().map(stored).transpose()?;
    Ok(TicketDetail {
        summary: app::tickets::TicketSummary {
            id: filed.id,
            subject: filing.subject.clone(),
            status: Status::New,
            priority: filing.priority,
            category,
            org_id: actor.org_id,
            org_name: actor.org_name.clone(),
            requester_id: actor.user_id,
            requester_name: actor.name.clone(),
            assignee_id: None,
            assignee_name: None,
            created_at: at,
            last_activity_at: at,
            first_responded_at: None,
            first_response_due_at,
            resolution_due_at,
            sla_breached: app::tickets::sla_breached(
                OffsetDateTime::now_utc(),
                first_response_due_at,
                None,
                resolution_due_at,
                None,
            ),
        },
        body_html: crate::markdown::render_off_thread(filing.body.clone()).await?,
        body: filing.body,
        timeline: vec![app::tickets::TimelineEntry {
            id: filed.entry,
            kind: "created".into(),
            actor_name: Some(actor.name.clone()),
            actor_is_staff: false,
            body_html: None,
            old_value: None,
            new_value: Some(filing.subject),
            internal: false,
            at,
        }],
        attachments: Vec::new(),
        rating: None,
        rating_comment: None,
        resolved_at: None,
    })
}

/// Records stored files on the ticket being written, each with its log entry.
async fn record_files(
    write: &mut TicketWrite<'_>,
    uploader: app::accounts::UserId,
    files: &[StoredFile],
    internal: bool,
) -> Result<(), AppError> {
    for file in files {
        let content_type = app::tickets::served_content_type(&file.name).0;
        write
            .attachment(
                uploader,
                &file.name,
                content_type,
                file.size,
                &file.sha256,
                internal,
            )
            .await?;
        write
            .event("attachment", None, Some(&file.name), None, internal)
            .await?;
    }
    Ok(())
}

/// Status side effects: the timestamps that go with entering a status.
async fn enter_status(
    write: &mut TicketWrite<'_>,
    from: Status,
    to: Status,
) -> Result<(), AppError> {
    if from == to {
        return Ok(());
    }
    write
        .set(TicketColumn::Status, Some(to.as_str().into()))
        .await?;
    write
        .event(
            "status",
            Some(from.as_str()),
            Some(to.as_str()),
            None,
            false,
        )
        .await?;
    let at = write.at.clone();
    match to {
        Status::Resolved => {
            write.set(TicketColumn::ResolvedAt, Some(at)).await?;
            let minutes = write.business_minutes_since_filed().await?;
            write
                .set_id(TicketColumn::ResolutionMinutes, Some(minutes))
                .await?;
        }
        Status::Closed => write.set(TicketColumn::ClosedAt, Some(at)).await?,
        Status::New | Status::Open | Status::Pending => {
            write.set(TicketColumn::ResolvedAt, None).await?;
            write.set_id(TicketColumn::ResolutionMinutes, None).await?;
            write.set(TicketColumn::ClosedAt, None).await?;
        }
    }
    Ok(())
}

impl TicketsService {
    /// Files a new ticket as `create` does, recording with it in the same transaction the
    /// mail it came from (`inbound`), so a message read twice never files twice.
    pub async fn create_recorded(
        &self,
        actor: &Actor,
        new: NewTicket,
        files: Vec<Upload>,
        inbound: Option<crate::db::mail_inbound::InboundMark>,
    ) -> Result<TicketDetail, AppError> {
        if actor.is_provider_staff() {
            return Err(AppError::invalid(
                "subject",
                "Requests are filed by the people of a client organization.",
            ));
        }
        let target = self
            .filing_target(actor.org_id, new.category.as_deref(), new.priority)
            .await?
            .ok_or_else(|| AppError::invalid("category", "Choose one of the listed categories."))?;
        self.upload_quota
            .check(&self.db, actor.org_id, &files)
            .await?;
        let files = self.store_files(files).await?;
        let with_files = !files.is_empty();
        let articles = self.suggested_articles(actor, &new).await;
        let opened = OffsetDateTime::now_utc();
        let (first_response_due, resolution_due) = due_under(target.policy.as_ref(), opened)?;
        let filing = filing::Filing {
            org: actor.org_id,
            requester: actor.user_id,
            category: target.category_id,
            subject: new.subject.as_str().to_string(),
            body: new.body.as_str().to_string(),
            priority: new.priority,
            first_response_due,
            resolution_due,
            at: crate::db::timestamp(opened),
            files,
            articles,
            inbound,
        };
        let filed = self.filing.file(filing.clone()).await?;
        self.bus.publish(filed.event).await;
        if with_files {
            return self.get(actor, filed.id).await;
        }
        // Nothing about the new ticket is unknown here, so it is answered without reading it
        // back; a test holds this answer equal to what reading it gives.
        filed_detail(actor, filing, target.category_name, filed).await
    }

    /// Adds a reply or note as `comment` does, with `files` attached in the same
    /// transaction, and recording with it the mail it came from (`inbound`).
    pub async fn comment_recorded(
        &self,
        actor: &Actor,
        id: TicketId,
        body: &str,
        internal: bool,
        files: Vec<Upload>,
        inbound: Option<crate::db::mail_inbound::InboundMark>,
    ) -> Result<TicketDetail, AppError> {
        let record = self.actionable(actor, id).await?;
        let staff = actor.is_provider_staff();
        if internal && !staff {
            return Err(AppError::Forbidden);
        }
        let body =
            Body::parse(body, "Write a reply first.").map_err(|m| AppError::invalid("body", m))?;
        let status = record.summary.status;
        if status == Status::Closed && !staff {
            return Err(AppError::invalid(
                "body",
                "This ticket is closed; please file a new request.",
            ));
        }
        self.upload_quota
            .check(&self.db, record.summary.org_id, &files)
            .await?;
        let files = self.store_files(files).await?;
        // Read before the write begins; the team may have switched claiming off.
        let claims = staff
            && !internal
            && record.summary.assignee_id.is_none()
            && self.db.assign_on_work().await?;
        let mut tx = self.db.begin().await?;
        let mut write = TicketWrite::new(&mut tx, id, Some(actor.user_id));
        let comment = write
            .comment(actor.user_id, body.as_str(), internal)
            .await?;
        write
            .event(
                if internal { "note" } else { "comment" },
                None,
                None,
                Some(comment),
                internal,
            )
            .await?;
        if !internal {
            if staff {
                if record.first_responded_at.is_none() {
                    let at = write.at.clone();
                    write.set(TicketColumn::FirstRespondedAt, Some(at)).await?;
                    let minutes = write.business_minutes_since_filed().await?;
                    write
                        .set_id(TicketColumn::FirstResponseMinutes, Some(minutes))
                        .await?;
                }
                if status == Status::New {
                    enter_status(&mut write, status, Status::Open).await?;
                }
            } else if matches!(status, Status::Pending | Status::Resolved) {
                enter_status(&mut write, status, Status::Open).await?;
            }
        }
        // The first technician to answer an unassigned ticket publicly is on it, as if they
        // had assigned it to themselves: the queue stops showing it as nobody's, and reports
        // credit them. An internal note is a colleague's aside, not taking the ticket. A team
        // that hands tickets out itself switches this off (`assign_on_work`).
        let claimed = claims;
        if claimed {
            write
                .set_id(TicketColumn::AssigneeId, Some(actor.user_id))
                .await?;
            write
                .event("assignee", None, Some(&actor.name), None, false)
                .await?;
        }
        record_files(&mut write, actor.user_id, &files, internal).await?;
        write.touch(internal).await?;
        let mut event = if internal {
            write
                .live("ticket.note", true, json!({ "comment_id": comment }))
                .await?
        } else {
            write
                .live("ticket.replied", false, json!({ "comment_id": comment }))
                .await?
        };
        if claimed {
            // As `update` announces an assignment; the status moved with the reply, if at all.
            let now = if status == Status::New {
                Status::Open
            } else {
                status
            };
            event = write
                .live(
                    "ticket.assigned",
                    false,
                    json!({ "status": now.as_str(), "from": now.as_str(),
                            "assignee_id": actor.user_id }),
                )
                .await?;
        }
        if let Some(mark) = &inbound {
            crate::db::mail_inbound::mark(&mut tx, id, mark).await?;
        }
        tx.commit().await?;
        self.bus.publish(event).await;
        self.get(actor, id).await
    }
}

#[async_trait::async_trait]
impl Tickets for TicketsService {
    #[tracing::instrument(skip_all)]
    async fn create(
        &self,
        actor: &Actor,
        new: NewTicket,
        files: Vec<Upload>,
    ) -> Result<TicketDetail, AppError> {
        self.create_recorded(actor, new, files, None).await
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, actor: &Actor, filter: TicketFilter) -> Result<TicketPage, AppError> {
        if let Some(org) = filter.org
            && !actor.can_see_org(org)
        {
            return Err(AppError::NotFound);
        }
        let limit = filter.limit.unwrap_or(50).clamp(1, 200);
        let mut tickets = self
            .db
            .tickets(Self::scope(actor), &filter, actor.user_id, limit + 1)
            .await?;
        let next_cursor = if tickets.len() > limit as usize {
            tickets.truncate(limit as usize);
            tickets.last().map(|last| cursor_after(filter.sort, last))
        } else {
            None
        };
        Ok(TicketPage {
            tickets,
            next_cursor,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn views(&self, actor: &Actor) -> Result<Vec<SavedView>, AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        let mut views = Vec::new();
        for (name, query) in BUILT_IN_VIEWS {
            views.push(
                self.counted_view(actor, None, name.into(), query.into())
                    .await?,
            );
        }
        for (id, name, query) in self.db.saved_views(actor.user_id).await? {
            views.push(self.counted_view(actor, Some(id), name, query).await?);
        }
        Ok(views)
    }

    #[tracing::instrument(skip_all)]
    async fn save_view(
        &self,
        actor: &Actor,
        name: &str,
        params: TicketParams,
    ) -> Result<SavedView, AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        let name = parse_view_name(name).map_err(|m| AppError::invalid("name", m))?;
        if BUILT_IN_VIEWS
            .iter()
            .any(|(built_in, _)| built_in.eq_ignore_ascii_case(&name))
        {
            return Err(AppError::invalid(
                "name",
                "That name belongs to a built-in view; choose another.",
            ));
        }
        let params = params.for_view();
        // Only a view that lists something valid is kept.
        params.parse()?;
        let query = params.to_query_string().trim_start_matches('?').to_string();
        let id = self.db.save_view(actor.user_id, &name, &query).await?;
        self.counted_view(actor, Some(id), name, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_view(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        self.db.delete_view(actor.user_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_many(
        &self,
        actor: &Actor,
        ids: &[TicketId],
        patch: TicketPatch,
    ) -> Result<usize, AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        if ids.is_empty() {
            return Err(AppError::invalid("ids", "Select at least one ticket."));
        }
        if ids.len() > 200 {
            return Err(AppError::invalid(
                "ids",
                "Change at most 200 tickets at once.",
            ));
        }
        if patch.is_empty() {
            return Err(AppError::invalid("action", "Choose what to change."));
        }
        // Every ticket is checked before any is changed.
        for id in ids {
            let record = self.readable(actor, *id).await?;
            if let Some(to) = patch.status {
                self.check_status(actor, &record, to)?;
            }
        }
        for id in ids {
            self.update(actor, *id, patch.clone()).await?;
        }
        Ok(ids.len())
    }

    #[tracing::instrument(skip_all)]
    async fn get(&self, actor: &Actor, id: TicketId) -> Result<TicketDetail, AppError> {
        let record = self.readable(actor, id).await?;
        self.detail(actor, record).await
    }

    #[tracing::instrument(skip_all)]
    async fn open(
        &self,
        actor: &Actor,
        id: TicketId,
        via: app::accounts::Via,
    ) -> Result<TicketDetail, AppError> {
        let record = self.readable(actor, id).await?;
        let s = &record.summary;
        let opened = crate::access::Opened::ticket(s.org_id, s.id, &s.subject);
        // Written while the conversation is read; the ticket is shown only once both succeeded.
        let (detail, ()) = tokio::try_join!(
            self.detail(actor, record),
            crate::access::record(&self.db, actor, opened, via),
        )?;
        Ok(detail)
    }

    #[tracing::instrument(skip_all)]
    async fn update(
        &self,
        actor: &Actor,
        id: TicketId,
        patch: TicketPatch,
    ) -> Result<TicketDetail, AppError> {
        let record = self.actionable(actor, id).await?;
        if patch.is_empty() {
            // Nothing to change: no log entry, and the ticket keeps its place in lists.
            return self.detail(actor, record).await;
        }
        let current = &record.summary;
        let staff = actor.is_provider_staff();
        let mut patch = patch;
        // Whoever resolves an unassigned ticket worked it: they are credited as its assignee
        // (reports count resolutions by assignee), unless the change itself names one or the
        // team has switched this off.
        if staff
            && patch.assignee_id.is_none()
            && current.assignee_id.is_none()
            && patch.status == Some(Status::Resolved)
            && current.status != Status::Resolved
            && self.db.assign_on_work().await?
        {
            patch.assignee_id = Some(Some(actor.user_id));
        }
        if !staff
            && (patch.priority.is_some() || patch.category.is_some() || patch.assignee_id.is_some())
        {
            return Err(AppError::Forbidden);
        }
        if let Some(to) = patch.status {
            self.check_status(actor, &record, to)?;
        }
        let category = match patch.category.as_deref() {
            Some(name) => Some(
                self.db
                    .category_id(current.org_id, Some(name))
                    .await?
                    .ok_or_else(|| {
                        AppError::invalid("category", "Choose one of the listed categories.")
                    })?,
            ),
            None => None,
        };
        let assignee = match patch.assignee_id {
            Some(Some(user)) => {
                let staff = self.db.assignable_staff().await?;
                let name = staff
                    .into_iter()
                    .find(|(id, _)| *id == user)
                    .map(|(_, name)| name)
                    .ok_or_else(|| {
                        AppError::invalid("assignee", "Assign the ticket to an active technician.")
                    })?;
                Some(Some((user, name)))
            }
            Some(None) => Some(None),
            None => None,
        };

        let mut tx = self.db.begin().await?;
        let mut write = TicketWrite::new(&mut tx, id, Some(actor.user_id));
        if let Some(to) = patch.status {
            enter_status(&mut write, current.status, to).await?;
        }
        if let Some(priority) = patch.priority
            && priority != current.priority
        {
            write
                .set(TicketColumn::Priority, Some(priority.as_str().into()))
                .await?;
            let (first_due, resolution_due) =
                due_times(&self.db, current.org_id, priority, current.created_at).await?;
            write
                .set(TicketColumn::FirstResponseDueAt, first_due)
                .await?;
            write
                .set(TicketColumn::ResolutionDueAt, resolution_due)
                .await?;
            write
                .event(
                    "priority",
                    Some(current.priority.as_str()),
                    Some(priority.as_str()),
                    None,
                    false,
                )
                .await?;
        }
        if let (Some(category_id), Some(name)) = (category, patch.category.as_deref())
            && category_id != record.category_id
        {
            write
                .set_id(TicketColumn::CategoryId, Some(category_id))
                .await?;
            write
                .event(
                    "category",
                    Some(&current.category),
                    Some(name.trim()),
                    None,
                    false,
                )
                .await?;
        }
        let reassigned = assignee
            .as_ref()
            .is_some_and(|a| a.as_ref().map(|a| a.0) != current.assignee_id);
        if let Some(assignee) = assignee
            && assignee.as_ref().map(|a| a.0) != current.assignee_id
        {
            write
                .set_id(TicketColumn::AssigneeId, assignee.as_ref().map(|a| a.0))
                .await?;
            write
                .event(
                    "assignee",
                    current.assignee_name.as_deref(),
                    assignee.as_ref().map(|a| a.1.as_str()),
                    None,
                    false,
                )
                .await?;
        }
        write.touch(false).await?;
        let assignee_id = match patch.assignee_id {
            Some(assignee) => assignee,
            None => current.assignee_id,
        };
        let event = write
            .live(
                if reassigned {
                    "ticket.assigned"
                } else {
                    "ticket.updated"
                },
                false,
                json!({ "status": patch.status.unwrap_or(current.status).as_str(),
                        "from": current.status.as_str(),
                        "assignee_id": assignee_id }),
            )
            .await?;
        tx.commit().await?;
        self.bus.publish(event).await;
        self.get(actor, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn comment(
        &self,
        actor: &Actor,
        id: TicketId,
        body: &str,
        internal: bool,
    ) -> Result<TicketDetail, AppError> {
        self.comment_recorded(actor, id, body, internal, Vec::new(), None)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn rate(
        &self,
        actor: &Actor,
        id: TicketId,
        rating: Rating,
        comment: Option<String>,
    ) -> Result<TicketDetail, AppError> {
        let record = self.actionable(actor, id).await?;
        if actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        if !matches!(record.summary.status, Status::Resolved | Status::Closed) {
            return Err(AppError::invalid(
                "rating",
                "You can rate a ticket once it is resolved.",
            ));
        }
        let comment = comment
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
            return Err(AppError::invalid(
                "comment",
                "A rating comment has at most 2000 characters.",
            ));
        }
        let mut tx = self.db.begin().await?;
        let mut write = TicketWrite::new(&mut tx, id, Some(actor.user_id));
        write
            .set(TicketColumn::Rating, Some(rating.as_str().into()))
            .await?;
        write
            .set(TicketColumn::RatingComment, comment.clone())
            .await?;
        write
            .event(
                "rating",
                record.rating.map(Rating::as_str),
                Some(rating.as_str()),
                None,
                false,
            )
            .await?;
        let event = write
            .live("ticket.rated", false, json!({ "rating": rating.as_str() }))
            .await?;
        tx.commit().await?;
        self.bus.publish(event).await;
        self.get(actor, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn assign_on_work(&self, actor: &Actor) -> Result<bool, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        self.db.assign_on_work().await
    }

    #[tracing::instrument(skip_all)]
    async fn set_assign_on_work(&self, actor: &Actor, on: bool) -> Result<bool, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        self.db.set_assign_on_work(on).await?;
        self.db.assign_on_work().await
    }

    async fn preview(&self, body: &str) -> Result<String, AppError> {
        let body = Body::parse(body, "Nothing to preview yet.")
            .map_err(|m| AppError::invalid("body", m))?;
        crate::markdown::render_off_thread(body.as_str().to_string()).await
    }

    #[tracing::instrument(skip_all)]
    async fn attach(
        &self,
        actor: &Actor,
        id: TicketId,
        files: Vec<Upload>,
        internal: bool,
    ) -> Result<TicketDetail, AppError> {
        let record = self.actionable(actor, id).await?;
        if internal && !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        if files.is_empty() {
            return Err(AppError::invalid("file", "Choose a file to attach."));
        }
        self.upload_quota
            .check(&self.db, record.summary.org_id, &files)
            .await?;
        let files = self.store_files(files).await?;
        let mut tx = self.db.begin().await?;
        let mut write = TicketWrite::new(&mut tx, id, Some(actor.user_id));
        record_files(&mut write, actor.user_id, &files, internal).await?;
        write.touch(internal).await?;
        let event = write.live("ticket.attached", internal, json!({})).await?;
        tx.commit().await?;
        self.bus.publish(event).await;
        self.get(actor, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn attachment(
        &self,
        actor: &Actor,
        id: i64,
        via: app::accounts::Via,
    ) -> Result<(app::tickets::Attachment, std::path::PathBuf), AppError> {
        let (attachment, ticket, sha256) = self.db.attachment(id).await?;
        let record = self.readable(actor, ticket).await?;
        if attachment.internal && !actor.is_provider_staff() {
            return Err(AppError::NotFound);
        }
        // Internal files are the provider's own working papers, which the client never sees:
        // their downloads are not the client's to audit, and their names must not reach it.
        if !attachment.internal {
            let opened = crate::access::Opened::attachment(
                record.summary.org_id,
                id,
                &attachment.file_name,
                ticket,
            );
            crate::access::record(&self.db, actor, opened, via).await?;
        }
        Ok((attachment, files::path_for(&self.data_dir, &sha256)))
    }

    #[tracing::instrument(skip_all)]
    async fn options(&self, actor: &Actor, org: Option<OrgId>) -> Result<TicketOptions, AppError> {
        // Staff asking for no org in particular get every client's categories, for filters.
        let categories = match org {
            None if actor.is_provider_staff() => self.db.category_names().await?,
            org => {
                let org = org.unwrap_or(actor.org_id);
                if !actor.can_see_org(org) {
                    return Err(AppError::NotFound);
                }
                self.db.categories(org).await?
            }
        };
        Ok(TicketOptions {
            categories,
            assignees: if actor.is_provider_staff() {
                self.db.assignable_staff().await?
            } else {
                Vec::new()
            },
            max_file_bytes: self.max_file_bytes as u64,
        })
    }
}
