//! Which tickets a list shows and in what order: the filters of the queue and of the REST API,
//! parsed once from the query string both use, and the views technicians save.

use super::{Priority, Status, TicketSummary};
use crate::accounts::{OrgId, UserId};
use crate::error::{AppError, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A ticket due within this long is "due soon".
pub const DUE_SOON_MINUTES: i64 = 120;

/// View counts stop at this many, so a badge never counts a whole table.
pub const COUNT_CAP: i64 = 1000;

/// Statuses to show: one, or every status that still needs work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    Active,
    Is(Status),
}

impl StatusFilter {
    pub fn parse(raw: &str) -> Result<StatusFilter, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "active" => Ok(StatusFilter::Active),
            other => Status::parse(other)
                .map(StatusFilter::Is)
                .map_err(|_| "Choose active, new, open, pending, resolved or closed.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Active => "active",
            StatusFilter::Is(status) => status.as_str(),
        }
    }
}

/// Whose tickets: mine, nobody's, or one person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssigneeFilter {
    Me,
    Nobody,
    User(UserId),
}

impl AssigneeFilter {
    pub fn parse(raw: &str) -> Result<AssigneeFilter, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "me" => Ok(AssigneeFilter::Me),
            "none" | "unassigned" => Ok(AssigneeFilter::Nobody),
            other => other
                .parse()
                .map(AssigneeFilter::User)
                .map_err(|_| "Choose me, none, or a person's id.".into()),
        }
    }

    pub fn as_param(self) -> String {
        match self {
            AssigneeFilter::Me => "me".into(),
            AssigneeFilter::Nobody => "none".into(),
            AssigneeFilter::User(id) => id.to_string(),
        }
    }
}

/// Where a ticket stands against its service-level targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaState {
    /// No target missed, none due within `DUE_SOON_MINUTES`.
    Ok,
    DueSoon,
    Breached,
}

impl SlaState {
    pub const ALL: [SlaState; 3] = [SlaState::Ok, SlaState::DueSoon, SlaState::Breached];

    pub fn parse(raw: &str) -> Result<SlaState, String> {
        match raw.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "ok" => Ok(SlaState::Ok),
            "due_soon" => Ok(SlaState::DueSoon),
            "breached" => Ok(SlaState::Breached),
            _ => Err("Choose ok, due_soon or breached.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Ok => "ok",
            SlaState::DueSoon => "due_soon",
            SlaState::Breached => "breached",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SlaState::Ok => "On track",
            SlaState::DueSoon => "Due soon",
            SlaState::Breached => "Breached",
        }
    }

    /// The state of `ticket` at `now`, by the same rule the database filter uses.
    pub fn of(ticket: &TicketSummary, now: OffsetDateTime) -> SlaState {
        if ticket.sla_breached {
            return SlaState::Breached;
        }
        match next_due(ticket) {
            Some(due)
                if ticket.status.is_active()
                    && due <= now + time::Duration::minutes(DUE_SOON_MINUTES) =>
            {
                SlaState::DueSoon
            }
            _ => SlaState::Ok,
        }
    }
}

/// The next target a ticket must meet: its first response until someone answered, then its
/// resolution.
pub fn next_due(ticket: &TicketSummary) -> Option<OffsetDateTime> {
    match ticket.first_responded_at {
        None => ticket.first_response_due_at.or(ticket.resolution_due_at),
        Some(_) => ticket.resolution_due_at,
    }
}

/// A column lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Number,
    Subject,
    Org,
    Requester,
    Status,
    Priority,
    Assignee,
    Due,
    Updated,
}

impl SortKey {
    pub const ALL: [SortKey; 9] = [
        SortKey::Number,
        SortKey::Subject,
        SortKey::Org,
        SortKey::Requester,
        SortKey::Status,
        SortKey::Priority,
        SortKey::Assignee,
        SortKey::Due,
        SortKey::Updated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Number => "number",
            SortKey::Subject => "subject",
            SortKey::Org => "org",
            SortKey::Requester => "requester",
            SortKey::Status => "status",
            SortKey::Priority => "priority",
            SortKey::Assignee => "assignee",
            SortKey::Due => "due",
            SortKey::Updated => "updated",
        }
    }

    pub fn parse(raw: &str) -> Result<SortKey, String> {
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                "Sort by number, subject, org, requester, status, priority, assignee, due or \
                 updated."
                    .into()
            })
    }

    /// The direction a first click sorts in: the most pressing first.
    pub fn natural_descending(self) -> bool {
        matches!(self, SortKey::Priority | SortKey::Updated | SortKey::Number)
    }
}

/// A sort column and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    /// Most recent activity first, as lists have always been ordered.
    fn default() -> Self {
        Sort {
            key: SortKey::Updated,
            descending: true,
        }
    }
}

/// Which tickets to list, validated. `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    pub status: Option<StatusFilter>,
    pub priority: Option<Priority>,
    pub org: Option<OrgId>,
    /// A category name; matched in any case, across organizations.
    pub category: Option<String>,
    pub assignee: Option<AssigneeFilter>,
    pub requester: Option<UserId>,
    pub sla: Option<SlaState>,
    /// Words in the subject, description or conversation (internal notes for staff only),
    /// or a ticket number.
    pub q: Option<String>,
    pub sort: Sort,
    /// Continue after this ticket (from the previous page's `next_cursor`).
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A list's query string as received: every value a string, checked by `parse`. The queue's
/// URL, the REST API's query and a saved view all use it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct TicketParams {
    /// active (new, open or pending), new, open, pending, resolved or closed.
    pub status: Option<String>,
    /// low, normal, high or urgent.
    pub priority: Option<String>,
    /// Organization id (provider staff).
    pub org: Option<String>,
    /// Category name.
    pub category: Option<String>,
    /// me, none, or a user id.
    pub assignee: Option<String>,
    /// Requester's user id.
    pub requester: Option<String>,
    /// ok, due_soon or breached.
    pub sla: Option<String>,
    /// Words in the subject, description or conversation; or a ticket number.
    pub q: Option<String>,
    /// number, subject, org, requester, status, priority, assignee, due or updated.
    pub sort: Option<String>,
    /// asc or desc.
    pub dir: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<String>,
}

/// A query value, `None` when left empty.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn number<T: std::str::FromStr>(field: &str, raw: Option<&str>, v: &mut Validator) -> Option<T> {
    v.check(
        field,
        raw?.parse().map_err(|_| "Expected a number.".to_string()),
    )
}

impl TicketParams {
    /// The names of the parameters, in the order a query string lists them.
    const NAMES: [&'static str; 12] = [
        "status",
        "priority",
        "org",
        "category",
        "assignee",
        "requester",
        "sla",
        "q",
        "sort",
        "dir",
        "cursor",
        "limit",
    ];

    fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "status" => &mut self.status,
            "priority" => &mut self.priority,
            "org" => &mut self.org,
            "category" => &mut self.category,
            "assignee" => &mut self.assignee,
            "requester" => &mut self.requester,
            "sla" => &mut self.sla,
            "q" => &mut self.q,
            "sort" => &mut self.sort,
            "dir" => &mut self.dir,
            "cursor" => &mut self.cursor,
            "limit" => &mut self.limit,
            _ => return None,
        })
    }

    /// Reads the known parameters from `(name, value)` pairs; others are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> TicketParams {
        let mut params = TicketParams::default();
        for (name, value) in pairs {
            if let Some(slot) = params.slot(name) {
                *slot = Some(value.to_string());
            }
        }
        params
    }

    /// Reads the known parameters through `get`, e.g. from the router's query map.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> TicketParams {
        let mut params = TicketParams::default();
        for name in Self::NAMES {
            if let Some(slot) = params.slot(name) {
                *slot = get(name);
            }
        }
        params
    }

    /// The non-empty parameters as `(name, value)` pairs.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut copy = self.clone();
        Self::NAMES
            .into_iter()
            .filter_map(|name| {
                let value = copy.slot(name).and_then(Option::take)?;
                let value = value.trim().to_string();
                (!value.is_empty()).then_some((name, value))
            })
            .collect()
    }

    /// A copy with `name` set to `value` (or removed when empty), starting again at the first
    /// page.
    pub fn with(&self, name: &str, value: &str) -> TicketParams {
        let mut copy = self.clone();
        copy.cursor = None;
        if let Some(slot) = copy.slot(name) {
            *slot = Some(value.to_string()).filter(|v| !v.trim().is_empty());
        }
        copy
    }

    /// What a saved view keeps: the filters and the sort, not the page.
    pub fn for_view(&self) -> TicketParams {
        TicketParams {
            cursor: None,
            limit: None,
            ..self.clone()
        }
    }

    /// Checks every parameter, reporting each bad one by name.
    pub fn parse(&self) -> Result<TicketFilter, AppError> {
        let mut v = Validator::new();
        let status = given(&self.status).and_then(|s| v.check("status", StatusFilter::parse(s)));
        let priority = given(&self.priority).and_then(|p| v.check("priority", Priority::parse(p)));
        let org = number("org", given(&self.org), &mut v);
        let assignee =
            given(&self.assignee).and_then(|a| v.check("assignee", AssigneeFilter::parse(a)));
        let requester = number("requester", given(&self.requester), &mut v);
        let sla = given(&self.sla).and_then(|s| v.check("sla", SlaState::parse(s)));
        let key = given(&self.sort).and_then(|s| v.check("sort", SortKey::parse(s)));
        let descending = given(&self.dir).and_then(|d| {
            v.check(
                "dir",
                match d.to_ascii_lowercase().as_str() {
                    "asc" => Ok(false),
                    "desc" => Ok(true),
                    _ => Err("Choose asc or desc.".to_string()),
                },
            )
        });
        let limit = number("limit", given(&self.limit), &mut v);
        let q = given(&self.q).map(str::to_string);
        if q.as_ref().is_some_and(|q| q.chars().count() > 500) {
            v.check::<()>("q", Err("Search for at most 500 characters.".into()));
        }
        v.finish(|| {
            let sort = match key {
                Some(key) => Sort {
                    key,
                    descending: descending.unwrap_or(key.natural_descending()),
                },
                None => Sort {
                    descending: descending.unwrap_or(true),
                    ..Sort::default()
                },
            };
            Some(TicketFilter {
                status,
                priority,
                org,
                category: given(&self.category).map(str::to_string),
                assignee,
                requester,
                sla,
                q,
                sort,
                cursor: given(&self.cursor).map(str::to_string),
                limit,
            })
        })
    }

    /// `?a=b&…` for a link, or an empty string.
    pub fn to_query_string(&self) -> String {
        let pairs = self.pairs();
        if pairs.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect();
        format!("?{}", encoded.join("&"))
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A view of the queue: a name and its query string. Built-in views have no id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedView {
    pub id: Option<i64>,
    pub name: String,
    /// The view's filters and sort as a query string, e.g. `status=active&assignee=none`.
    pub query: String,
    /// How many tickets the view holds now, up to `COUNT_CAP`.
    pub count: i64,
}

impl SavedView {
    /// The count as a badge shows it: "1000+" past the cap.
    pub fn count_text(&self) -> String {
        if self.count >= COUNT_CAP {
            format!("{COUNT_CAP}+")
        } else {
            self.count.to_string()
        }
    }
}

/// The views every technician starts with: (name, query string).
pub const BUILT_IN_VIEWS: [(&str, &str); 5] = [
    ("Open work", "status=active&sort=due"),
    ("Unassigned", "status=active&assignee=none&sort=due"),
    (
        "Unassigned urgent",
        "status=active&assignee=none&priority=urgent&sort=due",
    ),
    ("Mine", "status=active&assignee=me&sort=due"),
    ("SLA breached", "status=active&sla=breached&sort=due"),
];

/// A view's name: one line, 1 to 60 characters.
pub fn parse_view_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Give the view a name.".into());
    }
    if name.chars().count() > 60 {
        return Err("A view's name has at most 60 characters.".into());
    }
    if name.chars().any(char::is_control) {
        return Err("A view's name is one line of text.".into());
    }
    Ok(name.to_string())
}

/// Splits `a=b&c=d` into decoded pairs, for saved views' query strings.
pub fn parse_query_string(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(raw: &str) -> String {
    fn hex(byte: u8) -> Option<u8> {
        (byte as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl TicketParams {
    /// Parameters from a saved query string.
    pub fn from_query_string(query: &str) -> TicketParams {
        let pairs = parse_query_string(query);
        TicketParams::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> TicketParams {
        TicketParams::from_query_string(query)
    }

    #[test]
    fn every_filter_parses_from_the_query_string() {
        let filter = params(
            "status=active&priority=urgent&org=3&category=Printing&assignee=none&sla=due-soon\
             &q=printer&sort=due&dir=asc",
        )
        .parse()
        .unwrap();
        assert_eq!(filter.status, Some(StatusFilter::Active));
        assert_eq!(filter.priority, Some(Priority::Urgent));
        assert_eq!(filter.org, Some(3));
        assert_eq!(filter.category.as_deref(), Some("Printing"));
        assert_eq!(filter.assignee, Some(AssigneeFilter::Nobody));
        assert_eq!(filter.sla, Some(SlaState::DueSoon));
        assert_eq!(filter.q.as_deref(), Some("printer"));
        assert_eq!(
            filter.sort,
            Sort {
                key: SortKey::Due,
                descending: false
            }
        );
    }

    #[test]
    fn bad_values_are_reported_by_field() {
        let err =
            params("status=lost&priority=asap&assignee=you&sla=late&sort=colour&dir=up&org=x")
                .parse()
                .unwrap_err();
        for field in [
            "status", "priority", "assignee", "sla", "sort", "dir", "org",
        ] {
            assert!(err.field(field).is_some(), "{field}: {err:?}");
        }
    }

    #[test]
    fn empty_values_mean_any_and_the_default_order_is_latest_activity() {
        let filter = params("status=&q=+&sort=").parse().unwrap();
        assert_eq!(filter, TicketFilter::default());
    }

    #[test]
    fn a_sort_column_first_sorts_the_most_pressing_way() {
        let priority = params("sort=priority").parse().unwrap().sort;
        let due = params("sort=due").parse().unwrap().sort;
        assert!(priority.descending);
        assert!(!due.descending);
    }

    #[test]
    fn a_query_string_survives_a_round_trip_with_odd_characters() {
        let original = TicketParams {
            q: Some("a&b=c d%é".into()),
            status: Some("open".into()),
            ..Default::default()
        };
        let again = TicketParams::from_query_string(&original.to_query_string());
        assert_eq!(again, original);
    }

    #[test]
    fn changing_a_filter_starts_again_at_the_first_page() {
        let on_page_two = params("status=open&cursor=abc");
        let changed = on_page_two.with("priority", "high");
        assert_eq!(changed.cursor, None);
        assert_eq!(changed.priority.as_deref(), Some("high"));
        assert_eq!(on_page_two.with("status", "").status, None);
    }

    #[test]
    fn built_in_views_are_valid_queries() {
        for (name, query) in BUILT_IN_VIEWS {
            assert!(params(query).parse().is_ok(), "{name}");
        }
    }

    #[test]
    fn a_view_name_is_one_short_line() {
        assert_eq!(parse_view_name("  Mine, urgent ").unwrap(), "Mine, urgent");
        assert!(parse_view_name(" ").is_err());
        assert!(parse_view_name(&"v".repeat(61)).is_err());
        assert!(parse_view_name("a\nb").is_err());
    }

    #[test]
    fn a_search_of_thousands_of_characters_is_refused() {
        let err = params(&format!("q={}", "x".repeat(10_000)))
            .parse()
            .unwrap_err();
        assert!(err.field("q").is_some());
    }
}
