//! Tickets: what an employee files and both sides follow to its end. Shared types, their
//! validation, the rules of who may change what, and the backend contract.

pub mod assignment;
pub mod canned;
pub mod filter;
pub mod list;
pub mod new;
pub mod queue;
pub mod settings;
pub mod view;

use crate::accounts::{Actor, OrgId, Role, UserId};
use crate::error::{AppError, Validator};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

pub use filter::{SavedView, TicketFilter, TicketParams};

pub type TicketId = i64;

/// The categories every client organization starts with; "Other" is the fallback.
pub const DEFAULT_CATEGORIES: [&str; 8] = [
    "Account & password",
    "Hardware",
    "Software",
    "Network & Wi-Fi",
    "Email",
    "Printing",
    "Access request",
    "Other",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    Pending,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Open,
        Status::Pending,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// The status as staff and colleagues read it.
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::Open => "Open",
            Status::Pending => "Waiting on requester",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }

    /// The status as `viewer` reads it: a ticket waiting on its requester is waiting on
    /// them when they are that requester.
    pub fn label_for(self, viewer: UserId, requester: UserId) -> &'static str {
        match self {
            Status::Pending if viewer == requester => "Waiting on you",
            other => other.label(),
        }
    }

    pub fn parse(raw: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or_else(|| "Choose new, open, pending, resolved or closed.".to_string())
    }

    /// Still needs work from someone.
    pub fn is_active(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::Pending)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }

    pub fn parse(raw: &str) -> Result<Priority, String> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or_else(|| "Choose low, normal, high or urgent.".to_string())
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A ticket's one-line summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject(String);

impl Subject {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Subject, String> {
        let subject = raw.trim();
        if subject.is_empty() {
            return Err("Say in a few words what is wrong.".into());
        }
        if subject.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "A subject has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        if subject.chars().any(char::is_control) {
            return Err("A subject is one line of text.".into());
        }
        Ok(Subject(subject.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Markdown text people write: descriptions and replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body(String);

impl Body {
    pub const MAX_CHARS: usize = 20_000;

    pub fn parse(raw: &str, empty_message: &str) -> Result<Body, String> {
        let body = raw.trim();
        if body.is_empty() {
            return Err(empty_message.into());
        }
        if body.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "Keep it under {} characters; attach long logs as files.",
                Self::MAX_CHARS
            ));
        }
        Ok(Body(body.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A ticket as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketSummary {
    pub id: TicketId,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub category: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub requester_id: UserId,
    pub requester_name: String,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity_at: OffsetDateTime,
    /// When provider staff first replied in public.
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_responded_at: Option<OffsetDateTime>,
    /// When the first public reply is due, in the org's business hours.
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_response_due_at: Option<OffsetDateTime>,
    /// When the resolution is due.
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolution_due_at: Option<OffsetDateTime>,
    /// Whether a target was missed (or is missed now).
    pub sla_breached: bool,
}

/// Whether a ticket missed a target: a reply or resolution after its due time, or none yet
/// with the due time past.
pub fn sla_breached(
    now: OffsetDateTime,
    first_response_due: Option<OffsetDateTime>,
    first_responded: Option<OffsetDateTime>,
    resolution_due: Option<OffsetDateTime>,
    resolved: Option<OffsetDateTime>,
) -> bool {
    let missed = |due: Option<OffsetDateTime>, done: Option<OffsetDateTime>| match (due, done) {
        (Some(due), Some(done)) => done > due,
        (Some(due), None) => now > due,
        (None, _) => false,
    };
    missed(first_response_due, first_responded) || missed(resolution_due, resolved)
}

/// One entry of a ticket's timeline: something said, or something changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: i64,
    /// created, comment, note, status, priority, category, assignee, rating
    pub kind: String,
    pub actor_name: Option<String>,
    pub actor_is_staff: bool,
    /// Sanitized HTML of a reply or note.
    pub body_html: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Internal notes and staff-only changes; never sent to requesters.
    pub internal: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Good,
    Bad,
}

impl Rating {
    pub fn parse(raw: &str) -> Result<Rating, String> {
        match raw.trim() {
            "good" => Ok(Rating::Good),
            "bad" => Ok(Rating::Bad),
            _ => Err("Choose good or bad.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Good => "good",
            Rating::Bad => "bad",
        }
    }
}

/// A file attached to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// Shown inline as a thumbnail.
    pub is_image: bool,
    /// Attached with an internal note; never shown to the client's people.
    pub internal: bool,
    pub uploader_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The name a file is shown and downloaded under: a plain name, never a path.
pub fn parse_file_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("The file has no name.".into());
    }
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(format!("\"{name}\" is a path; upload the file itself."));
    }
    if name.chars().any(char::is_control) {
        return Err("A file name cannot contain control characters.".into());
    }
    if name.chars().count() > 200 {
        return Err("A file name has at most 200 characters.".into());
    }
    Ok(name.to_string())
}

/// The content type a file is served with, from its extension: images the browser shows
/// inline; everything else downloads as bytes, so nothing uploaded can run as a page.
pub fn served_content_type(file_name: &str) -> (&'static str, bool) {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "png" => ("image/png", true),
        "jpg" | "jpeg" => ("image/jpeg", true),
        "gif" => ("image/gif", true),
        "webp" => ("image/webp", true),
        "pdf" => ("application/pdf", false),
        "txt" | "log" => ("text/plain; charset=utf-8", false),
        _ => ("application/octet-stream", false),
    }
}

/// A ticket with the conversation the caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketDetail {
    #[serde(flatten)]
    pub summary: TicketSummary,
    /// The description as written (markdown).
    pub body: String,
    /// The description as sanitized HTML.
    pub body_html: String,
    pub timeline: Vec<TimelineEntry>,
    pub attachments: Vec<Attachment>,
    pub rating: Option<Rating>,
    pub rating_comment: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
}

/// A request as filed, already validated.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub subject: Subject,
    pub body: Body,
    pub priority: Priority,
    /// A category name of the requester's organization; `None` means Other.
    pub category: Option<String>,
}

impl NewTicket {
    pub fn parse(
        subject: &str,
        body: &str,
        priority: &str,
        category: Option<&str>,
    ) -> Result<NewTicket, AppError> {
        let mut v = Validator::new();
        let subject = v.check("subject", Subject::parse(subject));
        let body = v.check(
            "body",
            Body::parse(body, "Describe the problem: what you did, what happened."),
        );
        let priority = v.check("priority", Priority::parse(priority));
        let category = category
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        v.finish(|| {
            Some(NewTicket {
                subject: subject?,
                body: body?,
                priority: priority?,
                category,
            })
        })
    }
}

/// A form or query value, `None` when left empty.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A change to a ticket's fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketPatch {
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub category: Option<String>,
    /// `Some(None)` unassigns.
    #[serde(default, with = "double_option")]
    pub assignee_id: Option<Option<UserId>>,
}

impl TicketPatch {
    /// Parses the fields a form or API call sent; empty strings leave a field unchanged.
    pub fn parse(
        status: Option<&str>,
        priority: Option<&str>,
        category: Option<&str>,
        assignee_id: Option<Option<UserId>>,
    ) -> Result<TicketPatch, AppError> {
        let mut v = Validator::new();
        let status = given(status).and_then(|s| v.check("status", Status::parse(s)));
        let priority = given(priority).and_then(|p| v.check("priority", Priority::parse(p)));
        let category = given(category).map(str::to_string);
        v.finish(|| {
            Some(TicketPatch {
                status,
                priority,
                category,
                assignee_id,
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self == &TicketPatch::default()
    }
}

/// Tells a missing field (no change) from an explicit `null` (clear it).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketPage {
    pub tickets: Vec<TicketSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Who may read a ticket: provider staff all; a manager their org's; a requester their own,
/// or their colleagues' where the org shares tickets.
pub fn can_read(actor: &Actor, org_id: OrgId, requester_id: UserId, org_shares: bool) -> bool {
    actor.is_provider_staff()
        || (actor.org_id == org_id
            && (actor.role == Role::Manager || actor.user_id == requester_id || org_shares))
}

/// Who may act on a ticket (change it, reply, attach files, rate it): provider staff, the
/// org's managers and its requester. Colleagues it is shared with only read it.
pub fn can_act(actor: &Actor, org_id: OrgId, requester_id: UserId) -> bool {
    actor.is_provider_staff()
        || (actor.org_id == org_id
            && (actor.role == Role::Manager || actor.user_id == requester_id))
}

/// Whether `actor` (who can read the ticket) may move it from `from` to `to`.
///
/// Staff may set any status but `new`. The people of the client may mark it resolved, and
/// reopen it within the reopen window after resolution.
pub fn may_change_status(actor: &Actor, from: Status, to: Status, reopen_allowed: bool) -> bool {
    if from == to {
        return true;
    }
    if actor.is_provider_staff() {
        return to != Status::New;
    }
    match (from, to) {
        (Status::New | Status::Open | Status::Pending, Status::Resolved) => true,
        (Status::Resolved, Status::Open) => reopen_allowed,
        _ => false,
    }
}

/// The server side of tickets. Every method takes the caller and enforces what they may see
/// and do; server functions and the REST API both go through it.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;

    #[async_trait::async_trait]
    pub trait Tickets: Send + Sync {
        /// Files a request with its attachments, all in one transaction.
        async fn create(
            &self,
            actor: &Actor,
            new: NewTicket,
            files: Vec<Upload>,
        ) -> Result<TicketDetail, AppError>;
        async fn list(&self, actor: &Actor, filter: TicketFilter) -> Result<TicketPage, AppError>;
        /// The built-in views and the caller's own, each with its count (provider staff).
        async fn views(&self, actor: &Actor) -> Result<Vec<SavedView>, AppError>;
        /// Saves the caller's current filters under `name`; the same name replaces a view.
        async fn save_view(
            &self,
            actor: &Actor,
            name: &str,
            params: TicketParams,
        ) -> Result<SavedView, AppError>;
        async fn delete_view(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
        /// Applies one change to several tickets, each in its own transaction and log entry;
        /// checked for every ticket first, so a bad one changes none. Returns how many changed.
        async fn update_many(
            &self,
            actor: &Actor,
            ids: &[TicketId],
            patch: TicketPatch,
        ) -> Result<usize, AppError>;
        async fn get(&self, actor: &Actor, id: TicketId) -> Result<TicketDetail, AppError>;
        /// `get` for a person opening the ticket (its page, or the API): provider staff opening
        /// it are written to the client's access log first; if that fails, so does the open.
        async fn open(
            &self,
            actor: &Actor,
            id: TicketId,
            via: crate::accounts::Via,
        ) -> Result<TicketDetail, AppError>;
        async fn update(
            &self,
            actor: &Actor,
            id: TicketId,
            patch: TicketPatch,
        ) -> Result<TicketDetail, AppError>;
        /// A public reply, or with `internal` an internal note (provider staff only).
        async fn comment(
            &self,
            actor: &Actor,
            id: TicketId,
            body: &str,
            internal: bool,
        ) -> Result<TicketDetail, AppError>;
        async fn rate(
            &self,
            actor: &Actor,
            id: TicketId,
            rating: Rating,
            comment: Option<String>,
        ) -> Result<TicketDetail, AppError>;
        /// What the caller's forms offer: categories of the caller's (or the ticket's) org and
        /// the staff a ticket can be assigned to.
        async fn options(
            &self,
            actor: &Actor,
            org: Option<OrgId>,
        ) -> Result<TicketOptions, AppError>;
        /// Markdown as a ticket would show it, for the form's preview.
        async fn preview(&self, body: &str) -> Result<String, AppError>;
        /// Whether a technician's public reply to, or resolving of, an unassigned ticket
        /// assigns it to them: the team's setting, on unless changed (admins).
        async fn assign_on_work(&self, actor: &Actor) -> Result<bool, AppError>;
        /// Changes that setting (admins); what it is now.
        async fn set_assign_on_work(&self, actor: &Actor, on: bool) -> Result<bool, AppError>;
        /// Attaches files; with `internal`, visible to provider staff only.
        async fn attach(
            &self,
            actor: &Actor,
            id: TicketId,
            files: Vec<Upload>,
            internal: bool,
        ) -> Result<TicketDetail, AppError>;
        /// An attachment the caller may download, and where its bytes are. Provider staff
        /// downloading a client's (not internal) file are written to its access log first.
        async fn attachment(
            &self,
            actor: &Actor,
            id: i64,
            via: crate::accounts::Via,
        ) -> Result<(Attachment, std::path::PathBuf), AppError>;
    }

    /// A file as received, before it is stored.
    pub struct Upload {
        pub file_name: String,
        pub bytes: Vec<u8>,
    }
}

/// Choices for the ticket forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TicketOptions {
    pub categories: Vec<String>,
    /// Provider staff who can be assigned: (id, name). Empty for client people.
    pub assignees: Vec<(UserId, String)>,
    /// The largest file one may attach, in bytes.
    pub max_file_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, org_id: OrgId, user_id: UserId) -> Actor {
        Actor::for_test(role, org_id, user_id)
    }

    #[test]
    fn a_subject_is_one_nonempty_line_of_at_most_200_characters() {
        assert_eq!(
            Subject::parse("  Printer offline ").unwrap().as_str(),
            "Printer offline"
        );
        assert!(Subject::parse("   ").is_err());
        assert!(Subject::parse("a\nb").is_err());
        assert!(Subject::parse(&"x".repeat(201)).is_err());
        assert!(Subject::parse(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn a_pending_ticket_waits_on_you_only_when_you_filed_it() {
        assert_eq!(Status::Pending.label_for(7, 7), "Waiting on you");
        assert_eq!(Status::Pending.label_for(3, 7), "Waiting on requester");
        assert_eq!(Status::Pending.label(), "Waiting on requester");
        assert_eq!(Status::Open.label_for(7, 7), "Open");
    }

    #[test]
    fn a_description_of_megabytes_is_refused_with_advice() {
        let err = Body::parse(&"x".repeat(2_000_000), "empty").unwrap_err();
        assert!(err.contains("attach"), "{err}");
    }

    #[test]
    fn a_new_ticket_reports_every_bad_field() {
        let err = NewTicket::parse("", "", "whenever", None).unwrap_err();
        for field in ["subject", "body", "priority"] {
            assert!(err.field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_new_ticket_without_category_leaves_it_to_the_default() {
        let t = NewTicket::parse("S", "B", "High", Some("  ")).unwrap();
        assert_eq!(t.priority, Priority::High);
        assert_eq!(t.category, None);
    }

    #[test]
    fn requesters_read_their_own_tickets_and_shared_colleagues_only() {
        let rob = actor(Role::Requester, 2, 10);
        assert!(can_read(&rob, 2, 10, false));
        assert!(!can_read(&rob, 2, 11, false));
        assert!(can_read(&rob, 2, 11, true));
        assert!(!can_read(&rob, 3, 12, true));
    }

    #[test]
    fn managers_read_their_orgs_tickets_and_staff_read_all() {
        assert!(can_read(&actor(Role::Manager, 2, 1), 2, 10, false));
        assert!(!can_read(&actor(Role::Manager, 2, 1), 3, 10, false));
        assert!(can_read(&actor(Role::Technician, 1, 1), 3, 10, false));
    }

    #[test]
    fn a_colleague_a_ticket_is_shared_with_reads_it_but_only_its_own_side_acts() {
        let rita = actor(Role::Requester, 2, 11);
        assert!(can_read(&rita, 2, 10, true));
        assert!(!can_act(&rita, 2, 10));
        assert!(can_act(&actor(Role::Requester, 2, 10), 2, 10));
        assert!(can_act(&actor(Role::Manager, 2, 1), 2, 10));
        assert!(!can_act(&actor(Role::Manager, 3, 1), 2, 10));
        assert!(can_act(&actor(Role::Technician, 1, 1), 2, 10));
    }

    #[test]
    fn requesters_resolve_and_reopen_only_within_the_window() {
        let rob = actor(Role::Requester, 2, 10);
        assert!(may_change_status(
            &rob,
            Status::Open,
            Status::Resolved,
            false
        ));
        assert!(may_change_status(
            &rob,
            Status::Resolved,
            Status::Open,
            true
        ));
        assert!(!may_change_status(
            &rob,
            Status::Resolved,
            Status::Open,
            false
        ));
        assert!(!may_change_status(&rob, Status::Open, Status::Closed, true));
        assert!(!may_change_status(
            &rob,
            Status::Open,
            Status::Pending,
            true
        ));
        assert!(!may_change_status(&rob, Status::Closed, Status::Open, true));
    }

    #[test]
    fn staff_set_any_status_but_new() {
        let tom = actor(Role::Technician, 1, 3);
        assert!(may_change_status(&tom, Status::New, Status::Pending, false));
        assert!(may_change_status(&tom, Status::Closed, Status::Open, false));
        assert!(!may_change_status(&tom, Status::Open, Status::New, false));
    }

    #[test]
    fn a_target_is_breached_when_done_late_or_not_done_in_time() {
        use time::macros::datetime;
        let due = Some(datetime!(2026-11-23 10:00 UTC));
        let early = Some(datetime!(2026-11-23 09:00 UTC));
        let late = Some(datetime!(2026-11-23 11:00 UTC));
        let before = datetime!(2026-11-23 09:30 UTC);
        let after = datetime!(2026-11-23 10:30 UTC);
        assert!(!sla_breached(after, due, early, None, None));
        assert!(sla_breached(after, due, late, None, None));
        assert!(!sla_breached(before, due, None, None, None));
        assert!(sla_breached(after, due, None, None, None));
        assert!(sla_breached(after, None, None, due, None));
        assert!(!sla_breached(after, None, None, None, None));
    }

    #[test]
    fn a_file_name_that_is_a_path_is_refused() {
        for bad in [
            "../etc/passwd",
            "C:\\Windows\\x.png",
            "a/b.png",
            "..",
            "",
            "a\u{0}b",
        ] {
            assert!(parse_file_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_file_name(" screenshot.png ").unwrap(),
            "screenshot.png"
        );
    }

    #[test]
    fn only_images_are_served_inline() {
        assert_eq!(served_content_type("Shot.PNG"), ("image/png", true));
        assert_eq!(
            served_content_type("page.html"),
            ("application/octet-stream", false)
        );
        assert_eq!(
            served_content_type("x.svg"),
            ("application/octet-stream", false)
        );
        assert_eq!(
            served_content_type("noext"),
            ("application/octet-stream", false)
        );
    }

    #[test]
    fn a_patch_tells_unassign_from_no_change() {
        let none: TicketPatch = serde_json::from_str("{}").unwrap();
        let clear: TicketPatch = serde_json::from_str(r#"{"assignee_id": null}"#).unwrap();
        let set: TicketPatch = serde_json::from_str(r#"{"assignee_id": 4}"#).unwrap();
        assert_eq!(none.assignee_id, None);
        assert_eq!(clear.assignee_id, Some(None));
        assert_eq!(set.assignee_id, Some(Some(4)));
    }
}
