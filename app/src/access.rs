//! The access log a client organization reads: who of the provider's staff opened which of its
//! tickets, files and reports, when, and how. Shared types, the query's validation, who may
//! read a log, and the backend contract.

pub mod page;

use crate::accounts::{Actor, OrgId, Role, UserId, Via};
use crate::error::{AppError, Validator};
use crate::reports::parse_date;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// What kind of thing was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    Ticket,
    Attachment,
    Report,
}

impl AccessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::Ticket => "ticket",
            AccessKind::Attachment => "attachment",
            AccessKind::Report => "report",
        }
    }

    pub fn parse(raw: &str) -> Option<AccessKind> {
        match raw {
            "ticket" => Some(AccessKind::Ticket),
            "attachment" => Some(AccessKind::Attachment),
            "report" => Some(AccessKind::Report),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessKind::Ticket => "Ticket",
            AccessKind::Attachment => "File",
            AccessKind::Report => "Report",
        }
    }
}

/// Opens of the same thing by the same person, the same way, within one ten-minute window of
/// the clock (10:00–10:09, 10:10–10:19, …) are one entry with a count. A page that reloads on
/// every live change would otherwise fill the log with copies; an entry still says to within
/// ten minutes when someone was looking.
pub const WINDOW_SECONDS: i64 = 600;

/// The window an open at `at` falls in.
pub fn window_of(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(WINDOW_SECONDS)
}

/// One entry of an organization's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    pub id: i64,
    /// The staff member who opened it.
    pub user_id: UserId,
    pub user_name: String,
    pub user_email: String,
    pub kind: AccessKind,
    /// What was opened, as it was called then: `#12 Printer offline`, a file's name with its
    /// ticket, or a report with its period.
    pub object: String,
    /// The ticket it belongs to; none for reports.
    pub ticket_id: Option<i64>,
    pub via: Via,
    /// How many times it was opened within the entry's ten minutes.
    pub count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub first_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_at: OffsetDateTime,
}

/// Someone who appears in a log, to filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogPerson {
    pub id: UserId,
    pub name: String,
}

/// A page of an organization's log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessPage {
    pub org_id: OrgId,
    pub org_name: String,
    pub entries: Vec<AccessEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
    /// Everyone who appears in this organization's log, by name.
    pub people: Vec<LogPerson>,
}

/// A log's filters and page, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct AccessParams {
    /// A staff member's user id; empty for everyone.
    pub person: Option<String>,
    /// `2026-11-01`: entries from this UTC day on.
    pub from: Option<String>,
    /// `2026-11-30`: entries up to and including this UTC day.
    pub to: Option<String>,
    /// An entry id: only entries older than it (the previous page's `next_before`).
    pub before: Option<String>,
    /// Entries per page, 1 to 200; 50 by default. The CSV has every matching entry.
    pub limit: Option<String>,
}

/// Checked filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccessQuery {
    pub person: Option<UserId>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub before: Option<i64>,
    pub limit: u32,
}

impl AccessParams {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;

    pub fn parse(&self) -> Result<AccessQuery, AppError> {
        let mut v = Validator::new();
        let person = match given(&self.person) {
            None => Some(None),
            Some(raw) => v.check(
                "person",
                raw.parse::<UserId>()
                    .map(Some)
                    .map_err(|_| "Choose a person from the list.".to_string()),
            ),
        };
        let from = match given(&self.from) {
            None => Some(None),
            Some(raw) => v.check("from", parse_date(raw).map(Some)),
        };
        let to = match given(&self.to) {
            None => Some(None),
            Some(raw) => v.check("to", parse_date(raw).map(Some)),
        };
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && from > to
        {
            v.check::<()>("from", Err("The period must start before it ends.".into()));
        }
        let before = match given(&self.before) {
            None => Some(None),
            Some(raw) => v.check(
                "before",
                raw.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .map(Some)
                    .ok_or_else(|| "Follow the link to older entries.".to_string()),
            ),
        };
        let limit = match given(&self.limit) {
            None => Some(Self::DEFAULT_LIMIT),
            Some(raw) => v.check(
                "limit",
                raw.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=Self::MAX_LIMIT).contains(n))
                    .ok_or_else(|| format!("Give a number from 1 to {}.", Self::MAX_LIMIT)),
            ),
        };
        v.finish(|| {
            Some(AccessQuery {
                person: person?,
                from: from?,
                to: to?,
                before: before?,
                limit: limit?,
            })
        })
    }

    /// The query string these filters make (without `before` and `limit`), for links.
    pub fn filter_query(&self) -> String {
        [
            ("person", &self.person),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| given(value).map(|v| format!("{name}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// A query-string value, unless it was left empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Percent-encodes a query value (the filters are digits and dates, but a hand-typed address
/// may hold anything).
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Who may read an organization's access log: its manager, and admins for any organization.
/// Technicians may not: the log is how the client watches the provider's staff, not a way for
/// staff to watch each other, and nothing in a technician's work needs it. The organization's
/// requesters are refused; anyone of another organization is told it does not exist.
pub fn may_read_access_log(actor: &Actor, org: OrgId) -> Result<(), AppError> {
    match actor.role {
        Role::Admin => Ok(()),
        Role::Manager if actor.org_id == org => Ok(()),
        Role::Technician => Err(AppError::Forbidden),
        Role::Requester if actor.org_id == org => Err(AppError::Forbidden),
        Role::Manager | Role::Requester => Err(AppError::NotFound),
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;

    #[async_trait::async_trait]
    pub trait AccessLog: Send + Sync {
        /// A page of `org`'s log, newest first (see `may_read_access_log`). An org that is not
        /// a client organization is `NotFound`.
        async fn log(
            &self,
            actor: &Actor,
            org: OrgId,
            query: AccessQuery,
        ) -> Result<AccessPage, AppError>;
        /// Every entry of `org`'s log that matches the filters (`before` and `limit` aside),
        /// newest first, for the CSV.
        async fn export(
            &self,
            actor: &Actor,
            org: OrgId,
            query: AccessQuery,
        ) -> Result<Vec<AccessEntry>, AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(person: &str, from: &str, to: &str) -> AccessParams {
        AccessParams {
            person: Some(person.into()),
            from: Some(from.into()),
            to: Some(to.into()),
            before: None,
            limit: None,
        }
    }

    #[test]
    fn empty_filters_ask_for_everything_fifty_at_a_time() {
        let q = AccessParams::default().parse().unwrap();
        assert_eq!(q.person, None);
        assert_eq!((q.from, q.to, q.before), (None, None, None));
        assert_eq!(q.limit, 50);
        assert_eq!(params(" ", "", "").parse().unwrap().person, None);
    }

    #[test]
    fn every_bad_filter_is_reported_by_its_field() {
        let err = AccessParams {
            person: Some("tom".into()),
            from: Some("yesterday".into()),
            to: Some("2026-13-01".into()),
            before: Some("-3".into()),
            limit: Some("1000".into()),
        }
        .parse()
        .unwrap_err();
        for field in ["person", "from", "to", "before", "limit"] {
            assert!(err.field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_period_must_start_before_it_ends() {
        let err = params("", "2026-11-30", "2026-11-01").parse().unwrap_err();
        assert!(err.field("from").is_some());
        assert!(params("", "2026-11-01", "2026-11-01").parse().is_ok());
    }

    #[test]
    fn the_filter_query_keeps_what_was_given_and_encodes_it() {
        assert_eq!(
            params("7", "2026-11-01", "").filter_query(),
            "person=7&from=2026-11-01"
        );
        assert_eq!(params("a&b", "", "").filter_query(), "person=a%26b");
    }

    #[test]
    fn opens_ten_minutes_apart_fall_in_different_windows() {
        let at = time::macros::datetime!(2026-12-04 10:00:00 UTC);
        assert_eq!(window_of(at), window_of(at + time::Duration::seconds(599)));
        assert_ne!(window_of(at), window_of(at + time::Duration::seconds(600)));
    }

    #[test]
    fn managers_read_their_own_log_admins_any_technicians_none() {
        let who = |role, org| Actor::for_test(role, org, 1);
        assert_eq!(may_read_access_log(&who(Role::Manager, 2), 2), Ok(()));
        assert_eq!(
            may_read_access_log(&who(Role::Manager, 3), 2),
            Err(AppError::NotFound)
        );
        assert_eq!(may_read_access_log(&who(Role::Admin, 1), 2), Ok(()));
        assert_eq!(
            may_read_access_log(&who(Role::Technician, 1), 2),
            Err(AppError::Forbidden)
        );
        assert_eq!(
            may_read_access_log(&who(Role::Requester, 2), 2),
            Err(AppError::Forbidden)
        );
        assert_eq!(
            may_read_access_log(&who(Role::Requester, 3), 2),
            Err(AppError::NotFound)
        );
    }
}
