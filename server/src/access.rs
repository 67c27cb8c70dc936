//! The access log: recording each time provider staff open a client organization's ticket,
//! file or report, and reading an organization's log (page, REST, CSV).
//!
//! Recording fails closed. The log is what lets an office trust its provider with everything;
//! a log that silently misses entries would tell a manager that nobody looked when someone
//! did. So when the entry cannot be written the read fails too (the cause is logged and the
//! reader gets the generic error), and nothing is shown that was not logged. The write is one
//! statement on the writer connection, run beside the read's own queries where it can be.

use crate::db::Db;
use crate::db::access::NewAccess;
use app::access::{
    AccessEntry, AccessKind, AccessPage, AccessQuery, may_read_access_log, ssr::AccessLog,
};
use app::accounts::{Actor, OrgId, Via};
use app::error::AppError;
use app::reports::csv_line;
use time::OffsetDateTime;

/// At most this many entries in one CSV; a longer log is asked for in shorter periods.
pub const MAX_EXPORT: i64 = 100_000;

/// What a person opened, as the log records it.
pub struct Opened {
    /// The client organization it belongs to; `None` for a report over every client.
    pub org: Option<OrgId>,
    pub kind: AccessKind,
    pub key: String,
    pub object: String,
    pub ticket: Option<i64>,
}

impl Opened {
    pub fn ticket(org: OrgId, id: i64, subject: &str) -> Opened {
        Opened {
            org: Some(org),
            kind: AccessKind::Ticket,
            key: format!("ticket:{id}"),
            object: format!("#{id} {subject}"),
            ticket: Some(id),
        }
    }

    pub fn attachment(org: OrgId, id: i64, file_name: &str, ticket: i64) -> Opened {
        Opened {
            org: Some(org),
            kind: AccessKind::Attachment,
            key: format!("attachment:{id}"),
            object: format!("{file_name} (ticket #{ticket})"),
            ticket: Some(ticket),
        }
    }

    /// A report called `name` over `period`, for one organization or every one.
    pub fn report(org: Option<OrgId>, name: &str, period: &str) -> Opened {
        let whose = if org.is_some() {
            ""
        } else {
            ", every client organization"
        };
        Opened {
            org,
            kind: AccessKind::Report,
            key: format!("report:{name}:{period}:{}", org.is_some()),
            object: format!("{name}{whose}, {period}"),
            ticket: None,
        }
    }
}

/// Writes `opened` to the client's log when `actor` is provider staff; the client's own people
/// reading their organization's data are not logged. Fails (closed) when the write does.
pub async fn record(db: &Db, actor: &Actor, opened: Opened, via: Via) -> Result<(), AppError> {
    if !actor.is_provider_staff() {
        return Ok(());
    }
    let access = NewAccess {
        org: opened.org,
        user: actor.user_id,
        kind: opened.kind,
        key: &opened.key,
        object: &opened.object,
        ticket: opened.ticket,
        via,
        at: OffsetDateTime::now_utc(),
    };
    db.record_access(&access).await.inspect_err(|err| {
        tracing::error!(error = %err, user = actor.user_id, key = %opened.key,
            "cannot write the access log; the read is refused");
    })
}

/// The log as CSV, one entry a line, every field quoted and defused by `csv_line`.
pub fn csv(entries: &[AccessEntry]) -> String {
    let rfc3339 = |at: OffsetDateTime| {
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let mut out = csv_line([
        "first_at", "last_at", "person", "email", "kind", "object", "ticket", "via", "count",
    ]);
    for e in entries {
        out.push_str(&csv_line([
            rfc3339(e.first_at),
            rfc3339(e.last_at),
            e.user_name.clone(),
            e.user_email.clone(),
            e.kind.as_str().to_string(),
            e.object.clone(),
            e.ticket_id.map(|t| t.to_string()).unwrap_or_default(),
            e.via.as_str().to_string(),
            e.count.to_string(),
        ]));
    }
    out
}

pub struct AccessService {
    db: Db,
}

impl AccessService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// `org`'s name, once `actor` may read its log.
    async fn readable(&self, actor: &Actor, org: OrgId) -> Result<String, AppError> {
        may_read_access_log(actor, org)?;
        self.db
            .client_org_name(org)
            .await?
            .ok_or(AppError::NotFound)
    }
}

#[async_trait::async_trait]
impl AccessLog for AccessService {
    #[tracing::instrument(skip_all)]
    async fn log(
        &self,
        actor: &Actor,
        org: OrgId,
        query: AccessQuery,
    ) -> Result<AccessPage, AppError> {
        let org_name = self.readable(actor, org).await?;
        let limit = i64::from(query.limit);
        let (mut entries, people) = tokio::try_join!(
            self.db.access_entries(org, &query, limit + 1),
            self.db.access_people(org),
        )?;
        let next_before = if entries.len() > query.limit as usize {
            entries.truncate(query.limit as usize);
            entries.last().map(|e| e.id)
        } else {
            None
        };
        Ok(AccessPage {
            org_id: org,
            org_name,
            entries,
            next_before,
            people,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn export(
        &self,
        actor: &Actor,
        org: OrgId,
        query: AccessQuery,
    ) -> Result<Vec<AccessEntry>, AppError> {
        self.readable(actor, org).await?;
        let query = AccessQuery {
            before: None,
            ..query
        };
        let entries = self.db.access_entries(org, &query, MAX_EXPORT + 1).await?;
        if entries.len() as i64 > MAX_EXPORT {
            return Err(AppError::invalid(
                "from",
                format!("More than {MAX_EXPORT} entries match; choose a shorter period."),
            ));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::access::AccessEntry;
    use time::macros::datetime;

    #[test]
    fn a_csv_line_quotes_and_defuses_what_people_typed() {
        let entry = AccessEntry {
            id: 1,
            user_id: 2,
            user_name: "=Tom \"TJ\" Tech".into(),
            user_email: "tom@provider.example".into(),
            kind: AccessKind::Ticket,
            object: "#7 =HYPERLINK(\"x\"), printer".into(),
            ticket_id: Some(7),
            via: Via::Api,
            count: 3,
            first_at: datetime!(2026-12-04 10:01:02 UTC),
            last_at: datetime!(2026-12-04 10:08:00 UTC),
        };

        let text = csv(&[entry]);

        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "first_at,last_at,person,email,kind,object,ticket,via,count"
        );
        assert_eq!(
            lines[1],
            "2026-12-04T10:01:02Z,2026-12-04T10:08:00Z,\"'=Tom \"\"TJ\"\" Tech\",\
             tom@provider.example,ticket,\"#7 =HYPERLINK(\"\"x\"\"), printer\",7,api,3"
        );
        assert_eq!(lines[2], "");
    }

    #[test]
    fn a_report_over_every_client_says_so_and_is_kept_apart_from_one_orgs() {
        let all = Opened::report(None, "Workload", "2026-11-01 to 2026-11-30");
        let one = Opened::report(Some(3), "Workload", "2026-11-01 to 2026-11-30");
        assert_eq!(
            all.object,
            "Workload, every client organization, 2026-11-01 to 2026-11-30"
        );
        assert_eq!(one.object, "Workload, 2026-11-01 to 2026-11-30");
        assert_ne!(all.key, one.key);
    }
}
