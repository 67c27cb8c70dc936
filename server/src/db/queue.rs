//! SQL for ticket lists and the queue: filters, full-text search, any sort with keyset
//! cursors, bounded counts, and technicians' saved views.

use super::tickets::{Scope, TICKET_SELECT, TicketRecord, TicketRow};
use super::{Db, is_unique_violation, timestamp};
use app::accounts::UserId;
use app::error::AppError;
use app::tickets::filter::{
    AssigneeFilter, DUE_SOON_MINUTES, SlaState, Sort, SortKey, StatusFilter, next_due,
};
use app::tickets::{TicketFilter, TicketSummary};
use sqlx::{QueryBuilder, Sqlite};
use time::OffsetDateTime;

/// The next unmet target's due time, or a sentinel after every real time, so the sort key is
/// never null and compares as text.
const NEXT_DUE: &str = "coalesce(case when t.first_responded_at is null \
     then t.first_response_due_at end, t.resolution_due_at, '9999-12-31T23:59:59.999Z')";
const NO_DUE: &str = "9999-12-31T23:59:59.999Z";

/// The SQL expression a sort key orders by for the provider's `staff` or the client's people,
/// and whether it is a number. The client's people sort by the last activity they can see: an
/// order by the true one would tell them when an internal note was written.
fn sort_expression(key: SortKey, staff: bool) -> (&'static str, bool) {
    match key {
        SortKey::Number => ("t.id", true),
        SortKey::Subject => ("t.subject collate nocase", false),
        SortKey::Org => ("o.name collate nocase", false),
        SortKey::Requester => ("r.name collate nocase", false),
        SortKey::Status => (
            "(case t.status when 'new' then 0 when 'open' then 1 when 'pending' then 2 \
             when 'resolved' then 3 else 4 end)",
            true,
        ),
        SortKey::Priority => (
            "(case t.priority when 'low' then 0 when 'normal' then 1 when 'high' then 2 \
             else 3 end)",
            true,
        ),
        SortKey::Assignee => ("coalesce(a.name, '') collate nocase", false),
        SortKey::Due => (NEXT_DUE, false),
        SortKey::Updated if staff => ("t.last_activity_at", false),
        SortKey::Updated => ("coalesce(t.client_activity_at, t.created_at)", false),
    }
}

/// A ticket's value of the sort key, as the SQL expression computes it.
fn sort_value(key: SortKey, t: &TicketSummary) -> SortValue {
    let rank = |ranks: &[&str], value: &str| {
        ranks
            .iter()
            .position(|r| *r == value)
            .map_or(ranks.len() as i64, |p| p as i64)
    };
    match key {
        SortKey::Number => SortValue::Number(t.id),
        SortKey::Subject => SortValue::Text(t.subject.clone()),
        SortKey::Org => SortValue::Text(t.org_name.clone()),
        SortKey::Requester => SortValue::Text(t.requester_name.clone()),
        SortKey::Status => SortValue::Number(rank(
            &["new", "open", "pending", "resolved"],
            t.status.as_str(),
        )),
        SortKey::Priority => {
            SortValue::Number(rank(&["low", "normal", "high"], t.priority.as_str()))
        }
        SortKey::Assignee => SortValue::Text(t.assignee_name.clone().unwrap_or_default()),
        SortKey::Due => SortValue::Text(next_due(t).map_or_else(|| NO_DUE.into(), timestamp)),
        SortKey::Updated => SortValue::Text(timestamp(t.last_activity_at)),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum SortValue {
    Number(i64),
    Text(String),
}

/// Where the next page starts: the sort it belongs to, and the last row's key and number.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    sort: Sort,
    value: SortValue,
    id: i64,
}

fn invalid_cursor() -> AppError {
    AppError::invalid("cursor", "This page link is no longer valid; start again.")
}

/// The cursor after `last` under `sort`: `key.dir.value.id`, the value hex-encoded so any
/// text survives a URL.
pub fn cursor_after(sort: Sort, last: &TicketSummary) -> String {
    let value = match sort_value(sort.key, last) {
        SortValue::Number(n) => format!("n{n}"),
        SortValue::Text(text) => format!("t{}", hex::encode(text)),
    };
    let dir = if sort.descending { "desc" } else { "asc" };
    format!("{}.{dir}.{value}.{}", sort.key.as_str(), last.id)
}

fn parse_cursor(raw: &str, sort: Sort) -> Result<Cursor, AppError> {
    let mut parts = raw.split('.');
    let (Some(key), Some(dir), Some(value), Some(id), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(invalid_cursor());
    };
    let key = SortKey::parse(key).map_err(|_| invalid_cursor())?;
    let descending = match dir {
        "asc" => false,
        "desc" => true,
        _ => return Err(invalid_cursor()),
    };
    // A cursor belongs to the order it was made in; under another it would skip rows.
    if key != sort.key || descending != sort.descending {
        return Err(invalid_cursor());
    }
    let value = match (value.get(..1), value.get(1..)) {
        (Some("n"), Some(n)) => SortValue::Number(n.parse().map_err(|_| invalid_cursor())?),
        (Some("t"), Some(text)) => SortValue::Text(
            hex::decode(text)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(invalid_cursor)?,
        ),
        _ => return Err(invalid_cursor()),
    };
    let (numeric, text) = (
        sort_expression(key, true).1,
        matches!(value, SortValue::Text(_)),
    );
    if numeric == text {
        return Err(invalid_cursor());
    }
    Ok(Cursor {
        sort,
        value,
        id: id.parse().map_err(|_| invalid_cursor())?,
    })
}

/// A full-text query from what a person typed: each word a prefix, all of them required.
/// `None` when nothing searchable is left (only punctuation).
pub fn match_expression(q: &str, with_notes: bool) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    if words.is_empty() {
        return None;
    }
    let words = words.join(" ");
    Some(if with_notes {
        words
    } else {
        // Internal notes are a column of their own; the client's people never search it.
        format!("{{subject body replies}} : ({words})")
    })
}

/// A ticket number typed into search: `1234` or `#1234`.
fn ticket_number(q: &str) -> Option<i64> {
    q.trim().trim_start_matches('#').parse().ok()
}

/// Appends the `where` clause for `scope` and `filter` (a filter's "me" already resolved).
fn push_where(
    qb: &mut QueryBuilder<'_, Sqlite>,
    scope: Scope,
    filter: &TicketFilter,
    me: UserId,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let now_text = timestamp(now);
    qb.push(" where 1 = 1");
    match scope {
        Scope::All => {}
        Scope::Org(org) => {
            qb.push(" and t.org_id = ").push_bind(org);
        }
        Scope::Requester { org, user } => {
            qb.push(" and t.org_id = ")
                .push_bind(org)
                .push(" and (t.requester_id = ")
                .push_bind(user)
                .push(" or o.share_tickets = 1)");
        }
    }
    match filter.status {
        Some(StatusFilter::Active) => {
            qb.push(" and t.status in ('new', 'open', 'pending')");
        }
        Some(StatusFilter::Is(status)) => {
            qb.push(" and t.status = ").push_bind(status.as_str());
        }
        None => {}
    }
    if let Some(priority) = filter.priority {
        qb.push(" and t.priority = ").push_bind(priority.as_str());
    }
    if let Some(org) = filter.org {
        qb.push(" and t.org_id = ").push_bind(org);
    }
    if let Some(category) = &filter.category {
        qb.push(" and c.name_key = ")
            .push_bind(category.trim().to_lowercase());
    }
    match filter.assignee {
        Some(AssigneeFilter::Me) => {
            qb.push(" and t.assignee_id = ").push_bind(me);
        }
        Some(AssigneeFilter::User(user)) => {
            qb.push(" and t.assignee_id = ").push_bind(user);
        }
        Some(AssigneeFilter::Nobody) => {
            qb.push(" and t.assignee_id is null");
        }
        None => {}
    }
    if let Some(requester) = filter.requester {
        qb.push(" and t.requester_id = ").push_bind(requester);
    }
    if let Some(sla) = filter.sla {
        let soon = timestamp(now + time::Duration::minutes(DUE_SOON_MINUTES));
        // Missed a target, by the rule of `app::tickets::sla_breached`.
        qb.push(match sla {
            SlaState::Breached => " and ",
            SlaState::DueSoon | SlaState::Ok => " and not ",
        });
        qb.push("((t.first_response_due_at is not null and coalesce(t.first_responded_at, ")
            .push_bind(now_text.clone())
            .push(
                ") > t.first_response_due_at) or (t.resolution_due_at is not null \
                   and coalesce(t.resolved_at, ",
            )
            .push_bind(now_text.clone())
            .push(") > t.resolution_due_at))");
        match sla {
            SlaState::Breached => {}
            SlaState::DueSoon => {
                qb.push(" and t.status in ('new', 'open', 'pending') and ")
                    .push(NEXT_DUE)
                    .push(" <= ")
                    .push_bind(soon);
            }
            SlaState::Ok => {
                qb.push(" and not (t.status in ('new', 'open', 'pending') and ")
                    .push(NEXT_DUE)
                    .push(" <= ")
                    .push_bind(soon)
                    .push(")");
            }
        }
    }
    if let Some(q) = &filter.q {
        let staff = matches!(scope, Scope::All);
        match (match_expression(q, staff), ticket_number(q)) {
            (Some(expression), number) => {
                qb.push(
                    " and (t.id in (select rowid from ticket_search where ticket_search match ",
                )
                .push_bind(expression)
                .push(")");
                if let Some(number) = number {
                    qb.push(" or t.id = ").push_bind(number);
                }
                qb.push(")");
            }
            // Nothing searchable was typed: nothing matches.
            (None, _) => {
                qb.push(" and 0");
            }
        }
    }
    Ok(())
}

impl Db {
    /// One page of tickets in `scope`, in the filter's order.
    #[tracing::instrument(skip_all)]
    pub async fn tickets(
        &self,
        scope: Scope,
        filter: &TicketFilter,
        me: UserId,
        limit: u32,
    ) -> Result<Vec<TicketSummary>, AppError> {
        let cursor = filter
            .cursor
            .as_deref()
            .map(|raw| parse_cursor(raw, filter.sort))
            .transpose()?;
        let mut qb = QueryBuilder::<Sqlite>::new(TICKET_SELECT);
        push_where(&mut qb, scope, filter, me, OffsetDateTime::now_utc())?;
        let staff = matches!(scope, Scope::All);
        let (expression, _) = sort_expression(filter.sort.key, staff);
        let (after, dir) = if filter.sort.descending {
            ("<", "desc")
        } else {
            (">", "asc")
        };
        if let Some(cursor) = cursor {
            let bind = |qb: &mut QueryBuilder<'_, Sqlite>| match &cursor.value {
                SortValue::Number(n) => {
                    qb.push_bind(*n);
                }
                SortValue::Text(text) => {
                    qb.push_bind(text.clone());
                }
            };
            qb.push(format!(" and ({expression} {after} "));
            bind(&mut qb);
            qb.push(format!(" or ({expression} = "));
            bind(&mut qb);
            qb.push(format!(" and t.id {after} "))
                .push_bind(cursor.id)
                .push("))");
            debug_assert_eq!(cursor.sort, filter.sort);
        }
        qb.push(format!(" order by {expression} {dir}, t.id {dir} limit "))
            .push_bind(i64::from(limit));
        let rows: Vec<TicketRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|row| TicketRecord::try_from(row).map(|r| r.seen_by(staff).summary))
            .collect()
    }

    /// How many tickets match, counting no further than `cap`.
    #[tracing::instrument(skip_all)]
    pub async fn count_tickets(
        &self,
        scope: Scope,
        filter: &TicketFilter,
        me: UserId,
        cap: i64,
    ) -> Result<i64, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select count(*) from (select 1 from ticket t \
             join org o on o.id = t.org_id \
             join account r on r.id = t.requester_id \
             join category c on c.id = t.category_id \
             left join account a on a.id = t.assignee_id",
        );
        push_where(&mut qb, scope, filter, me, OffsetDateTime::now_utc())?;
        qb.push(" limit ").push_bind(cap).push(")");
        qb.build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
    }

    /// `account`'s saved views, by name: (id, name, query string).
    #[tracing::instrument(skip_all)]
    pub async fn saved_views(
        &self,
        account: UserId,
    ) -> Result<Vec<(i64, String, String)>, AppError> {
        sqlx::query_as(
            "select id, name, query from saved_view where account_id = ? order by name_key",
        )
        .bind(account)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Saves a view, replacing `account`'s view of the same name (any case); returns its id.
    #[tracing::instrument(skip_all)]
    pub async fn save_view(
        &self,
        account: UserId,
        name: &str,
        query: &str,
    ) -> Result<i64, AppError> {
        let now = super::now();
        sqlx::query_scalar(
            "insert into saved_view (account_id, name, name_key, query, created_at, updated_at) \
             values (?1, ?2, ?3, ?4, ?5, ?5) \
             on conflict (account_id, name_key) do update set name = excluded.name, \
             query = excluded.query, updated_at = excluded.updated_at returning id",
        )
        .bind(account)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(query)
        .bind(now)
        .fetch_one(&self.writer)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                AppError::conflict("You already have a view of that name.")
            } else {
                AppError::from(err)
            }
        })
    }

    /// Deletes `account`'s view `id`; `NotFound` when it is not theirs.
    #[tracing::instrument(skip_all)]
    pub async fn delete_view(&self, account: UserId, id: i64) -> Result<(), AppError> {
        let deleted = sqlx::query("delete from saved_view where id = ? and account_id = ?")
            .bind(id)
            .bind(account)
            .execute(&self.writer)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::tickets::{Priority, Status};

    fn ticket(id: i64, subject: &str) -> TicketSummary {
        let at = time::macros::datetime!(2026-11-23 10:00 UTC);
        TicketSummary {
            id,
            subject: subject.into(),
            status: Status::Open,
            priority: Priority::High,
            category: "Printing".into(),
            org_id: 2,
            org_name: "Acme".into(),
            requester_id: 10,
            requester_name: "Rob".into(),
            assignee_id: None,
            assignee_name: None,
            created_at: at,
            last_activity_at: at,
            first_responded_at: None,
            first_response_due_at: Some(at),
            resolution_due_at: None,
            sla_breached: false,
        }
    }

    #[test]
    fn a_cursor_reads_back_under_the_sort_it_was_made_in() {
        let sort = Sort {
            key: SortKey::Subject,
            descending: false,
        };
        let raw = cursor_after(sort, &ticket(1042, "Printer.offline_again"));
        let cursor = parse_cursor(&raw, sort).unwrap();
        assert_eq!(cursor.id, 1042);
        assert_eq!(
            cursor.value,
            SortValue::Text("Printer.offline_again".into())
        );
    }

    #[test]
    fn a_cursor_of_another_sort_or_tampered_with_is_refused() {
        let by_subject = Sort {
            key: SortKey::Subject,
            descending: false,
        };
        let raw = cursor_after(by_subject, &ticket(1, "x"));
        assert!(parse_cursor(&raw, Sort::default()).is_err());
        for bad in [
            "",
            "subject.asc.zz.1",
            "subject.asc.n5.1",
            "due.up.t00.1",
            "a.b.c.d.e",
        ] {
            assert!(parse_cursor(bad, by_subject).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_due_key_is_the_next_unmet_target() {
        let t = ticket(1, "x");
        assert_eq!(
            sort_value(SortKey::Due, &t),
            SortValue::Text("2026-11-23T10:00:00.000Z".into())
        );
        let answered = TicketSummary {
            first_responded_at: Some(t.created_at),
            ..t
        };
        assert_eq!(
            sort_value(SortKey::Due, &answered),
            SortValue::Text(NO_DUE.into())
        );
    }

    #[test]
    fn search_words_become_required_prefixes_and_punctuation_alone_finds_nothing() {
        assert_eq!(
            match_expression("printer  off-line", true).as_deref(),
            Some("\"printer\"* \"off\"* \"line\"*")
        );
        assert_eq!(
            match_expression("vpn", false).as_deref(),
            Some("{subject body replies} : (\"vpn\"*)")
        );
        assert_eq!(match_expression("\"*:()^-", true), None);
        assert_eq!(match_expression("", false), None);
    }
}
