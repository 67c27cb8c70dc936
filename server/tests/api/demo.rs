//! The demo's past (`--demo-days`): months of tickets at both client offices that every page
//! and report can show, stored as the product stores them, and the same on the same day.

use super::support::{self, ACME_MANAGER, ACME_REQUESTER, ADMIN, TestApp};
use app::reports::Workload;
use app::tickets::{TicketDetail, TicketPage, TicketSummary};
use reqwest::{Client, StatusCode};
use server::accounts::AccountsService;
use server::db::Db;
use sqlx::SqlitePool;

/// A server whose demo has its full past.
async fn lived_in() -> TestApp {
    support::spawn_with(|settings| settings.demo_days = 90).await
}

async fn count(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

/// Every ticket `client` may list, page by page.
async fn all_tickets(app: &TestApp, client: &Client, query: &str) -> Vec<TicketSummary> {
    let mut tickets = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = reqwest::Url::parse(&app.url("/api/v1/tickets")).expect("a url");
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("limit", "200");
            for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
                pairs.append_pair(&key, &value);
            }
            if let Some(cursor) = &cursor {
                pairs.append_pair("cursor", cursor);
            }
        }
        let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
        let (status, page) = app.get_as::<TicketPage>(client, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        tickets.extend(page.tickets);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return tickets,
        }
    }
}

#[tokio::test]
async fn the_lived_in_demo_has_every_kind_of_history_at_both_offices() {
    let app = lived_in().await;
    let pool = app.db.pool();

    for org in ["Acme Dental", "Birch Accounting"] {
        let of_org = format!("(select id from org where name = '{org}')");
        let tickets = count(
            pool,
            &format!("select count(*) from ticket where org_id = {of_org}"),
        )
        .await;
        assert!((100..=250).contains(&tickets), "{org}: {tickets} tickets");
        for status in ["new", "open", "pending", "resolved", "closed"] {
            let n = count(
                pool,
                &format!(
                    "select count(*) from ticket where org_id = {of_org} and status = '{status}'"
                ),
            )
            .await;
            assert!(n > 0, "{org} has a {status} ticket");
        }
        for priority in ["low", "normal", "high", "urgent"] {
            let n = count(
                pool,
                &format!(
                    "select count(*) from ticket where org_id = {of_org} and priority = '{priority}'"
                ),
            )
            .await;
            assert!(n > 0, "{org} has a {priority} ticket");
        }
        let of_tickets = format!("ticket_id in (select id from ticket where org_id = {of_org})");
        for (what, sql) in [
            (
                "internal notes",
                format!("select count(*) from ticket_comment where internal = 1 and {of_tickets}"),
            ),
            (
                "public replies",
                format!("select count(*) from ticket_comment where internal = 0 and {of_tickets}"),
            ),
            (
                "screenshots",
                format!(
                    "select count(*) from attachment where content_type = 'image/png' and {of_tickets}"
                ),
            ),
            (
                "time entries",
                format!("select count(*) from time_entry where org_id = {of_org}"),
            ),
            (
                "ratings",
                format!(
                    "select count(*) from ticket where org_id = {of_org} and rating is not null"
                ),
            ),
            (
                "bad ratings",
                format!("select count(*) from ticket where org_id = {of_org} and rating = 'bad'"),
            ),
            (
                "assigned tickets",
                format!(
                    "select count(*) from ticket where org_id = {of_org} and assignee_id is not null"
                ),
            ),
            (
                "first responses in time",
                format!(
                    "select count(*) from ticket where org_id = {of_org} and first_responded_at <= first_response_due_at"
                ),
            ),
            (
                "first responses late",
                format!(
                    "select count(*) from ticket where org_id = {of_org} and first_responded_at > first_response_due_at"
                ),
            ),
            (
                "resolutions in time",
                format!(
                    "select count(*) from ticket where org_id = {of_org} and resolved_at <= resolution_due_at"
                ),
            ),
            (
                "resolutions late",
                format!(
                    "select count(*) from ticket where org_id = {of_org} and resolved_at > resolution_due_at"
                ),
            ),
            (
                "announced breaches",
                format!(
                    "select count(*) from ticket_event where kind = 'sla_breach' and {of_tickets}"
                ),
            ),
            (
                "deflections",
                format!("select count(*) from deflection where org_id = {of_org}"),
            ),
            (
                "tickets resolved with an article",
                format!(
                    "select count(*) from article_link where kind = 'resolved_with' and {of_tickets}"
                ),
            ),
            (
                "captured articles",
                format!(
                    "select count(*) from article a join article_link l on l.article_id = a.id where a.visibility = 'internal' and a.published = 0 and l.kind = 'resolved_with' and l.{of_tickets}"
                ),
            ),
        ] {
            assert!(count(pool, &sql).await > 0, "{org} has {what}");
        }
        // Targets come from the same calendar as filing's: 9 to 17 UTC on weekdays.
        let out_of_hours = count(
            pool,
            &format!(
                "select count(*) from ticket where org_id = {of_org} and first_response_minutes \
                 > (julianday(first_responded_at) - julianday(created_at)) * 1440 + 1"
            ),
        )
        .await;
        assert_eq!(
            out_of_hours, 0,
            "{org}: business minutes never exceed wall-clock ones"
        );
    }
    assert!(
        count(
            pool,
            "select count(*) from article_revision where number > 1"
        )
        .await
            > 0
    );
    // Nothing of the history is dated today or later.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let future = count(
        pool,
        &format!("select count(*) from ticket_event where created_at >= '{today}'"),
    )
    .await;
    assert_eq!(future, 0);
    // The screenshots are stored where uploads are, and served to whoever may read them.
    let id: i64 =
        sqlx::query_scalar("select id from attachment where internal = 0 order by id limit 1")
            .fetch_one(pool)
            .await
            .expect("a screenshot");
    let admin = app.signed_in(ADMIN).await;
    let res = admin
        .get(app.url(&format!("/api/v1/attachments/{id}")))
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.expect("the file");
    assert!(bytes.starts_with(b"\x89PNG"), "a real PNG");
}

#[tokio::test]
async fn the_reports_say_what_the_tickets_say() {
    let app = lived_in().await;
    let pool = app.db.pool();
    let admin = app.signed_in(ADMIN).await;
    let today = time::OffsetDateTime::now_utc().date();
    let from = today - time::Duration::days(60);
    for org in ["Acme Dental", "Birch Accounting"] {
        let id: i64 = sqlx::query_scalar("select id from org where name = ?")
            .bind(org)
            .fetch_one(pool)
            .await
            .expect("the org");
        let (status, report) = app
            .get_as::<Workload>(
                &admin,
                &format!("/api/v1/reports/workload?org={id}&from={from}&to={today}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        // Counted from the tickets as the technician's list shows them.
        let tickets = all_tickets(&app, &admin, &format!("org={id}")).await;
        let start = from.midnight().assume_utc();
        let filed = tickets.iter().filter(|t| t.created_at >= start).count() as i64;
        assert!(filed > 50, "{org}: {filed} filed in the period");
        assert_eq!(
            report.days.iter().map(|d| d.created).sum::<i64>(),
            filed,
            "{org} filed"
        );
        let open = tickets.iter().filter(|t| t.status.is_active()).count() as i64;
        assert_eq!(
            report.backlog.iter().map(|c| c.count).sum::<i64>(),
            open,
            "{org} open"
        );

        let within = |column: &str| {
            format!(
                "select count(*) from ticket where org_id = {id} and {column} >= '{from}' and {column} < '{tomorrow}'",
                tomorrow = today.next_day().expect("a day")
            )
        };
        let resolved = count(pool, &within("resolved_at")).await;
        assert!(resolved > 0);
        assert_eq!(
            report.days.iter().map(|d| d.resolved).sum::<i64>(),
            resolved,
            "{org} resolved"
        );
        let good = count(
            pool,
            &format!("{} and rating = 'good'", within("resolved_at")),
        )
        .await;
        let bad = count(
            pool,
            &format!("{} and rating = 'bad'", within("resolved_at")),
        )
        .await;
        assert_eq!(
            (report.rating_good, report.rating_bad),
            (good, bad),
            "{org} ratings"
        );

        // Time from the tickets' own time lists.
        let mut minutes = 0;
        for ticket in &tickets {
            let (status, time) = app
                .get_as::<app::reports::TicketTime>(
                    &admin,
                    &format!("/api/v1/tickets/{}/time", ticket.id),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            minutes += time
                .entries
                .iter()
                .filter(|e| e.date.as_str() >= from.to_string().as_str())
                .map(|e| e.minutes)
                .sum::<i64>();
        }
        assert!(minutes > 0);
        assert_eq!(
            report.by_technician.iter().map(|t| t.minutes).sum::<i64>(),
            minutes,
            "{org} minutes"
        );
        let deflections = count(
            pool,
            &format!(
                "select count(*) from deflection where org_id = {id} and created_at >= '{from}'"
            ),
        )
        .await;
        assert!(deflections > 0);
        assert_eq!(report.deflections, deflections, "{org} deflections");
        assert!(report.sla_breaches > 0, "{org} missed targets");
        assert!(report.median_first_response_minutes.is_some());
    }
}

#[tokio::test]
async fn client_people_see_their_own_office_and_no_internal_notes() {
    let app = lived_in().await;
    let pool = app.db.pool();
    let acme: i64 = sqlx::query_scalar("select id from org where name = 'Acme Dental'")
        .fetch_one(pool)
        .await
        .expect("acme");
    let mia = app.signed_in(ACME_MANAGER).await;
    let seen = all_tickets(&app, &mia, "").await;
    let acme_tickets = count(
        pool,
        &format!("select count(*) from ticket where org_id = {acme}"),
    )
    .await;
    assert_eq!(seen.len() as i64, acme_tickets);
    assert!(seen.iter().all(|t| t.org_id == acme));

    let rob = app.signed_in(ACME_REQUESTER).await;
    let rob_id: i64 = sqlx::query_scalar("select id from account where email = ?")
        .bind(ACME_REQUESTER)
        .fetch_one(pool)
        .await
        .expect("rob");
    let own = all_tickets(&app, &rob, "").await;
    assert!(!own.is_empty());
    assert!(own.iter().all(|t| t.requester_id == rob_id));

    // A ticket of Rob's with an internal note: he reads the conversation without it.
    let noted: i64 = sqlx::query_scalar(
        "select t.id from ticket t join ticket_comment c on c.ticket_id = t.id \
         where t.requester_id = ? and c.internal = 1 order by t.id limit 1",
    )
    .bind(rob_id)
    .fetch_one(pool)
    .await
    .expect("a ticket of Rob's with a note");
    let (status, detail) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{noted}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.timeline.iter().any(|e| e.kind == "comment"));
    assert!(
        detail
            .timeline
            .iter()
            .all(|e| !e.internal && e.kind != "note" && e.kind != "time")
    );
    let tom = app.signed_in(support::TECH).await;
    let (_, staff_view) = app
        .get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{noted}"))
        .await;
    assert!(staff_view.timeline.iter().any(|e| e.kind == "note"));

    let birch_ticket: i64 =
        sqlx::query_scalar("select t.id from ticket t join org o on o.id = t.org_id where o.name = 'Birch Accounting' limit 1")
            .fetch_one(pool)
            .await
            .expect("a Birch ticket");
    let res = mia
        .get(app.url(&format!("/api/v1/tickets/{birch_ticket}")))
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Seeds a fresh database in `dir` with `days` of history before `today`.
async fn seed_fresh(dir: &std::path::Path, days: u32, today: time::Date) -> (Db, bool) {
    let db = Db::open(&dir.join("deskside.db"))
        .await
        .expect("a database");
    let accounts = AccountsService::new(db.clone(), 5, 20);
    let history = server::demo::History {
        days,
        data_dir: &dir.join("data"),
        today,
    };
    let seeded = server::demo::seed(&accounts, Some(history))
        .await
        .expect("the demo seeds");
    (db, seeded.is_some_and(|s| s.tickets > 200))
}

type TicketRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
);

async fn ticket_rows(db: &Db) -> Vec<TicketRow> {
    sqlx::query_as(
        "select id, org_id, subject, status, priority, created_at, resolved_at, rating, \
         (select sum(minutes) from time_entry e where e.ticket_id = ticket.id) \
         from ticket order by id",
    )
    .fetch_all(db.pool())
    .await
    .expect("tickets")
}

#[tokio::test]
async fn the_same_day_gives_the_same_demo() {
    let today = time::macros::date!(2026 - 12 - 05);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, _) = seed_fresh(a.path(), 90, today).await;
    let (second, _) = seed_fresh(b.path(), 90, today).await;
    let rows = ticket_rows(&first).await;
    assert!(rows.len() > 200);
    assert_eq!(rows, ticket_rows(&second).await);
    let events = "select ticket_id, kind, actor_id, old_value, new_value, internal, created_at \
                  from ticket_event order by id";
    type EventRow = (
        i64,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        bool,
        String,
    );
    let left: Vec<EventRow> = sqlx::query_as(events)
        .fetch_all(first.pool())
        .await
        .unwrap();
    let right: Vec<EventRow> = sqlx::query_as(events)
        .fetch_all(second.pool())
        .await
        .unwrap();
    assert_eq!(left, right);

    // Another day is another demo, ending the day before it.
    let c = tempfile::tempdir().unwrap();
    let (other, _) = seed_fresh(c.path(), 90, today.next_day().unwrap()).await;
    assert_ne!(rows, ticket_rows(&other).await);
    let latest = count(
        other.pool(),
        "select count(*) from ticket_event where created_at >= '2026-12-06'",
    )
    .await;
    assert_eq!(latest, 0);
}

#[tokio::test]
async fn the_history_leaves_no_mail_to_send_and_no_events_to_replay() {
    let today = time::macros::date!(2026 - 12 - 05);
    let dir = tempfile::tempdir().unwrap();
    let (db, seeded) = seed_fresh(dir.path(), 90, today).await;
    assert!(seeded);
    let pool = db.pool();
    assert!(count(pool, "select count(*) from ticket").await > 200);
    assert_eq!(count(pool, "select count(*) from mail_outbox").await, 0);
    let newest = count(pool, "select coalesce(max(id), 0) from live_event").await;
    let cursor = count(
        pool,
        &format!(
            "select coalesce((select last_id from mail_cursor where name = '{}'), -1)",
            server::mail::notify::CURSOR
        ),
    )
    .await;
    assert!(
        cursor >= newest,
        "the planner starts after every seeded event"
    );
    // The past is not news: the live stream has nothing of it to send a reconnecting client.
    assert_eq!(count(pool, "select count(*) from live_event").await, 0);
    // Nothing is left for the watchers to announce about the past: every target missed before
    // the history ended was announced then.
    let unannounced = count(
        pool,
        "select count(*) from ticket where status in ('new', 'open', 'pending') and \
         ((first_responded_at is null and first_response_due_at < '2026-12-05' \
           and first_response_breach_announced_at is null) or \
          (resolution_due_at < '2026-12-05' and resolution_breach_announced_at is null))",
    )
    .await;
    assert_eq!(unannounced, 0);
    // Nor for the auto-close job: what is resolved was resolved within the week.
    let stale = count(
        pool,
        "select count(*) from ticket where status = 'resolved' and resolved_at < '2026-11-28'",
    )
    .await;
    assert_eq!(stale, 0);
}

#[tokio::test]
async fn a_database_with_an_account_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("deskside.db")).await.unwrap();
    let accounts = AccountsService::new(db.clone(), 5, 20);
    let provider: i64 = sqlx::query_scalar("select id from org where kind = 'provider'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let new = app::accounts::NewUser::parse(
        provider,
        "admin",
        "owner@provider.example",
        "Owner",
        "a long enough password",
    )
    .unwrap();
    accounts.create_account_as_system(new).await.unwrap();
    let history = server::demo::History {
        days: 90,
        data_dir: &dir.path().join("data"),
        today: time::macros::date!(2026 - 12 - 05),
    };
    let seeded = server::demo::seed(&accounts, Some(history)).await.unwrap();
    assert!(seeded.is_none());
    assert_eq!(count(db.pool(), "select count(*) from account").await, 1);
    assert_eq!(count(db.pool(), "select count(*) from ticket").await, 0);
    assert_eq!(count(db.pool(), "select count(*) from article").await, 0);
}

#[tokio::test]
async fn no_demo_days_seed_the_people_without_tickets() {
    let app = support::spawn_with(|settings| settings.demo_days = 0).await;
    let pool = app.db.pool();
    assert!(count(pool, "select count(*) from account").await > 5);
    assert_eq!(count(pool, "select count(*) from ticket").await, 0);
    assert_eq!(count(pool, "select count(*) from deflection").await, 0);
    assert_eq!(
        count(
            pool,
            "select count(*) from article_revision where number > 1"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_main_pages_show_the_history() {
    let app = lived_in().await;
    let pool = app.db.pool();
    let (noted, subject): (i64, String) = sqlx::query_as(
        "select t.id, t.subject from ticket t join attachment f on f.ticket_id = t.id \
         join ticket_comment c on c.ticket_id = t.id and c.internal = 1 order by t.id limit 1",
    )
    .fetch_one(pool)
    .await
    .expect("a ticket with a screenshot and a note");
    let html = |client: Client, path: String| {
        let app = &app;
        async move {
            let res = client
                .get(app.url(&path))
                .header("accept", "text/html")
                .send()
                .await
                .expect("an answer");
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.text().await.expect("a page")
        }
    };
    let tom = app.signed_in(support::TECH).await;
    let queue = html(tom.clone(), "/tickets".into()).await;
    assert!(queue.contains("/tickets/"), "the queue lists tickets");
    let ticket = html(tom.clone(), format!("/tickets/{noted}")).await;
    assert!(ticket.contains(&subject.replace('\'', "&#x27;")) || ticket.contains(&subject));
    assert!(ticket.contains(".png"), "the screenshot is listed");
    let mia = app.signed_in(ACME_MANAGER).await;
    let reports = html(mia.clone(), "/reports".into()).await;
    assert!(
        !reports.contains("Nothing in this period"),
        "the reports have figures"
    );
    let history = html(tom, "/wiki/printer-offline/revisions".into()).await;
    assert!(
        history.contains("/wiki/printer-offline/revisions/2"),
        "{history}"
    );
}
