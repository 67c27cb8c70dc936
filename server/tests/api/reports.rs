//! Workload through the REST API: every dashboard figure against a hand-computed value, who
//! reads which org's figures and time, time kept from the client's people, billed time locked,
//! the timer, CSV downloads, and bad input.

use super::support::*;
use app::reports::{
    BurnDay, Contract, Count, RunningTimer, TechnicianLoad, TicketTime, TimeEntry, Workload,
};
use app::tickets::{Priority, Status, TicketDetail};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use server::db::timestamp;
use sqlx::SqlitePool;
use time::{Date, Duration, OffsetDateTime, Time};

async fn db(app: &TestApp) -> SqlitePool {
    SqlitePool::connect(&format!("sqlite:{}", app.settings.database.display()))
        .await
        .expect("the test database")
}

async fn file(
    app: &TestApp,
    client: &Client,
    subject: &str,
    priority: &str,
    category: &str,
) -> i64 {
    let (status, body) = app
        .post_as::<TicketDetail>(
            client,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": "Details.", "priority": priority,
                    "category": category }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    body.summary.id
}

async fn log(app: &TestApp, client: &Client, ticket: i64, time: Value) -> TimeEntry {
    let (status, body) = app
        .post_as(client, &format!("/api/v1/tickets/{ticket}/time"), time)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    body
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn day(days_ago: i64) -> Date {
    today() - Duration::days(days_ago)
}

fn date_text(d: Date) -> String {
    app::reports::format_date(d)
}

/// `days_ago` days before today at `hour`:00 UTC, as stored.
fn at(days_ago: i64, hour: u8) -> String {
    let time = Time::from_hms(hour, 0, 0).expect("an hour");
    timestamp(day(days_ago).with_time(time).assume_utc())
}

/// Rewrites a ticket's history; `None` leaves a column empty.
#[allow(clippy::too_many_arguments)]
async fn history(
    db: &SqlitePool,
    id: i64,
    status: &str,
    created: String,
    first_responded: Option<(String, i64)>,
    resolved: Option<(String, i64)>,
    due: (Option<String>, Option<String>),
    assignee: Option<i64>,
    rating: Option<&str>,
) {
    sqlx::query(
        "update ticket set status = ?, created_at = ?, first_responded_at = ?, \
         first_response_minutes = ?, resolved_at = ?, resolution_minutes = ?, \
         first_response_due_at = ?, resolution_due_at = ?, assignee_id = ?, rating = ? \
         where id = ?",
    )
    .bind(status)
    .bind(created)
    .bind(first_responded.as_ref().map(|f| f.0.clone()))
    .bind(first_responded.as_ref().map(|f| f.1))
    .bind(resolved.as_ref().map(|r| r.0.clone()))
    .bind(resolved.as_ref().map(|r| r.1))
    .bind(due.0)
    .bind(due.1)
    .bind(assignee)
    .bind(rating)
    .bind(id)
    .execute(db)
    .await
    .expect("history rewritten");
}

fn cell(workload: &Workload, status: Status, priority: Priority) -> i64 {
    workload
        .backlog
        .iter()
        .find(|c| c.status == status && c.priority == priority)
        .map(|c| c.count)
        .unwrap_or_else(|| panic!("no cell {status:?}/{priority:?}"))
}

fn count(name: &str, count: i64) -> Count {
    Count {
        name: name.to_string(),
        count,
    }
}

/// The known tickets of the dashboard test; see its comments for the figures they give.
struct Scenario {
    acme: i64,
    period: String,
    /// (date, billable minutes) logged on Acme's tickets.
    billable: Vec<(Date, i64)>,
}

async fn scenario(app: &TestApp) -> Scenario {
    let db = db(app).await;
    let acme = app.org_id("Acme Dental").await;
    let (tom_id, tia_id) = (
        app.user_id(TECH).await,
        app.user_id("tia@provider.example").await,
    );
    let rob = app.signed_in(ACME_REQUESTER).await;
    let rita = app.signed_in("rita@acme.example").await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;

    // T1: filed 6 days ago, answered an hour later though due in 30 minutes (breach), resolved
    // the next day by Tom, rated good.
    let t1 = file(app, &rob, "Printer jams", "high", "Printing").await;
    history(
        &db,
        t1,
        "resolved",
        at(6, 12),
        Some((at(6, 13), 60)),
        Some((at(5, 12), 240)),
        (
            Some(at(6, 12).replace("T12:00", "T12:30")),
            Some(at(-2, 12)),
        ),
        Some(tom_id),
        Some("good"),
    )
    .await;
    // T2 (Rita): filed 4 days ago, answered in time, open with Tom, resolution due 3 days ago
    // (breach).
    let t2 = file(app, &rita, "Screen flickers", "urgent", "Hardware").await;
    history(
        &db,
        t2,
        "open",
        at(4, 12),
        Some((at(4, 12).replace("T12:00", "T12:10"), 10)),
        None,
        (Some(at(4, 13)), Some(at(3, 12))),
        Some(tom_id),
        None,
    )
    .await;
    // T3: filed at midnight today, nobody answered yet, nothing due yet.
    let t3 = file(app, &rob, "Toner low", "normal", "Printing").await;
    history(
        &db,
        t3,
        "new",
        at(0, 0),
        None,
        None,
        (Some(at(-1, 12)), Some(at(-3, 12))),
        None,
        None,
    )
    .await;
    // T4: filed 10 days ago (before the period), answered 9 days ago, waiting with Tia; its
    // resolution came due 2 days ago (breach).
    let t4 = file(app, &rob, "VPN drops", "low", "Other").await;
    history(
        &db,
        t4,
        "pending",
        at(10, 12),
        Some((at(9, 12), 30)),
        None,
        (None, Some(at(2, 12))),
        Some(tia_id),
        None,
    )
    .await;
    // T5: filed 2 days ago, answered in 20 minutes, resolved yesterday by Tia, closed, rated
    // bad; no targets.
    let t5 = file(app, &rob, "Keyboard dead", "normal", "Hardware").await;
    history(
        &db,
        t5,
        "closed",
        at(2, 12),
        Some((at(2, 12).replace("T12:00", "T12:20"), 20)),
        Some((at(1, 12), 480)),
        (None, None),
        Some(tia_id),
        Some("bad"),
    )
    .await;
    // B1: Birch's, filed 3 days ago; never in Acme's figures.
    let b1 = file(app, &bea, "Ledger slow", "normal", "Software").await;
    history(
        &db,
        b1,
        "new",
        at(3, 12),
        None,
        None,
        (None, None),
        None,
        None,
    )
    .await;

    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in("tia@provider.example").await;
    log(
        app,
        &tom,
        t1,
        json!({ "minutes": 60, "date": date_text(day(5)) }),
    )
    .await;
    log(
        app,
        &tom,
        t2,
        json!({ "minutes": 30, "date": date_text(day(1)) }),
    )
    .await;
    log(
        app,
        &tia,
        t5,
        json!({ "minutes": 45, "date": date_text(day(2)), "billable": false }),
    )
    .await;
    log(
        app,
        &tom,
        b1,
        json!({ "minutes": 15, "date": date_text(day(1)) }),
    )
    .await;
    // Outside the period: counted nowhere but in the month's burn when in this month.
    log(
        app,
        &tom,
        t4,
        json!({ "minutes": 20, "date": date_text(day(9)) }),
    )
    .await;

    let (status, _) = app
        .post(&rob, "/api/v1/articles/printer-offline/deflect", json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .post(&bea, "/api/v1/articles/printer-offline/deflect", json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    Scenario {
        acme,
        period: format!("from={}&to={}", date_text(day(6)), date_text(today())),
        billable: vec![(day(5), 60), (day(1), 30), (day(9), 20)],
    }
}

#[tokio::test]
async fn every_figure_of_one_orgs_dashboard_matches_the_hand_count() {
    // Arrange
    let app = spawn().await;
    let s = scenario(&app).await;
    let tom = app.signed_in(TECH).await;

    // Act
    let (status, w) = app
        .get_as::<Workload>(
            &tom,
            &format!("/api/v1/reports/workload?org={}&{}", s.acme, s.period),
        )
        .await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{w:?}");
    assert_eq!(w.org_id, Some(s.acme));
    assert_eq!(w.org_name.as_deref(), Some("Acme Dental"));
    assert_eq!(w.from, date_text(day(6)));
    assert_eq!(w.to, date_text(today()));
    // Open now: T3 new/normal, T2 open/urgent, T4 pending/low; every other cell zero.
    assert_eq!(cell(&w, Status::New, Priority::Normal), 1);
    assert_eq!(cell(&w, Status::Open, Priority::Urgent), 1);
    assert_eq!(cell(&w, Status::Pending, Priority::Low), 1);
    let backlog: i64 = w.backlog.iter().map(|c| c.count).sum();
    assert_eq!(backlog, 3);
    assert_eq!(w.backlog.len(), 12);
    // Seven days, zeros included: filed T1 (6), T2 (4), T5 (2), T3 (0); resolved T1 (5), T5 (1).
    let days: Vec<(String, i64, i64)> = w
        .days
        .iter()
        .map(|d| (d.date.clone(), d.created, d.resolved))
        .collect();
    let expected: Vec<(String, i64, i64)> = [
        (6, 1, 0),
        (5, 0, 1),
        (4, 1, 0),
        (3, 0, 0),
        (2, 1, 0),
        (1, 0, 1),
        (0, 1, 0),
    ]
    .into_iter()
    .map(|(ago, c, r)| (date_text(day(ago)), c, r))
    .collect();
    assert_eq!(days, expected);
    // T3 under a day, T2 (about 4 days) 3–7, T4 (10 days) 7 or more.
    assert_eq!(w.ageing, [1, 0, 1, 1]);
    // First answered in the period: 60, 10, 20 → 20. Resolved: 240, 480 → the lower, 240.
    assert_eq!(w.median_first_response_minutes, Some(20));
    assert_eq!(w.median_resolution_minutes, Some(240));
    // T1 answered late, T2 and T4 not resolved by their due times in the period.
    assert_eq!(w.sla_breaches, 3);
    assert_eq!(w.by_category, [count("Hardware", 2), count("Printing", 2)]);
    assert_eq!(
        w.by_requester,
        [count("Rob Requester", 3), count("Rita Reception", 1)]
    );
    let load = |name: &str, open_assigned, resolved, minutes| TechnicianLoad {
        name: name.to_string(),
        open_assigned,
        resolved,
        minutes,
    };
    assert_eq!(
        w.by_technician,
        [
            load("Ada Admin", 0, 0, 0),
            load("Tia Technician", 1, 1, 45),
            load("Tom Technician", 1, 1, 90),
        ]
    );
    let month = app::reports::Month::of(today());
    assert_eq!(w.month, month.to_string());
    assert_eq!(
        w.contract,
        Some(Contract {
            org_id: s.acme,
            hours_included: 10,
            hourly_rate_cents: 9500
        })
    );
    let mut burn = Vec::new();
    let mut d = month.first_day();
    while d <= today() {
        let total: i64 = s
            .billable
            .iter()
            .filter(|(on, _)| *on >= month.first_day() && *on <= d)
            .map(|(_, m)| m)
            .sum();
        burn.push(BurnDay {
            date: date_text(d),
            cumulative_minutes: total,
        });
        d = d.next_day().expect("a next day");
    }
    assert_eq!(w.burn, burn);
    assert_eq!(w.deflections, 1);
    assert_eq!((w.rating_good, w.rating_bad), (1, 1));
}

#[tokio::test]
async fn staff_see_every_org_together_and_a_manager_their_own_without_technicians() {
    // Arrange
    let app = spawn().await;
    let s = scenario(&app).await;
    let tom = app.signed_in(TECH).await;
    let mia = app.signed_in(ACME_MANAGER).await;

    // Act
    let (_, all) = app
        .get_as::<Workload>(&tom, &format!("/api/v1/reports/workload?{}", s.period))
        .await;
    let (status, own) = app
        .get_as::<Workload>(&mia, &format!("/api/v1/reports/workload?{}", s.period))
        .await;

    // Assert: B1 joins the backlog and the days; lists per requester and contract are per org.
    assert_eq!(all.org_id, None);
    assert_eq!(all.contract, None);
    assert_eq!(cell(&all, Status::New, Priority::Normal), 2);
    let created: i64 = all.days.iter().map(|d| d.created).sum();
    assert_eq!(created, 5);
    assert_eq!(all.by_requester, Vec::<Count>::new());
    assert_eq!(all.deflections, 2);
    let tom_row = &all.by_technician[2];
    assert_eq!(
        (tom_row.name.as_str(), tom_row.minutes),
        ("Tom Technician", 105)
    );

    assert_eq!(status, StatusCode::OK, "{own:?}");
    assert_eq!(own.org_id, Some(s.acme));
    assert_eq!(own.by_technician, Vec::<TechnicianLoad>::new());
    assert_eq!(own.by_requester[0].name, "Rob Requester");
    assert_eq!(own.sla_breaches, 3);
    assert_eq!(own.contract.map(|c| c.hours_included), Some(10));
}

#[tokio::test]
async fn a_manager_cannot_read_another_orgs_figures_or_time_and_a_requester_reads_none() {
    // Arrange
    let app = spawn().await;
    let (acme, birch) = (
        app.org_id("Acme Dental").await,
        app.org_id("Birch Accounting").await,
    );
    let ben = app.signed_in(BIRCH_MANAGER).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let month = app::reports::Month::of(today());

    for path in [
        format!("/api/v1/reports/workload?org={acme}"),
        format!("/api/v1/reports/workload.csv?org={acme}"),
        format!("/api/v1/time-entries?org={acme}&month={month}"),
        format!("/api/v1/time-entries.csv?org={acme}&month={month}"),
        format!("/api/v1/orgs/{acme}/contract"),
    ] {
        // Act
        let (status, body) = app.get(&ben, &path).await;
        // Assert
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(error_code(&body), "not_found");
    }
    for path in [
        "/api/v1/reports/workload".to_string(),
        format!("/api/v1/reports/workload?org={acme}"),
        format!("/api/v1/reports/workload.csv?org={acme}"),
        "/api/v1/time-entries".to_string(),
        format!("/api/v1/time-entries.csv?org={acme}"),
        format!("/api/v1/orgs/{acme}/contract"),
        "/api/v1/timer".to_string(),
    ] {
        let (status, body) = app.get(&rob, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let (status, own) = app
        .get_as::<Workload>(&ben, "/api/v1/reports/workload")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own.org_id, Some(birch));
    let (status, contract) = app
        .get_as::<Contract>(&ben, &format!("/api/v1/orgs/{birch}/contract"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contract.hourly_rate_cents, 11000);
    let (status, _) = app
        .send(
            &ben,
            Method::PUT,
            &format!("/api/v1/orgs/{birch}/contract"),
            json!({ "hours_included": 99, "hourly_rate_cents": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn requesters_never_see_time_and_managers_see_only_their_orgs_totals() {
    // Arrange
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Mouse broken", "normal", "Hardware").await;

    // Act
    log(
        &app,
        &tom,
        id,
        json!({ "minutes": 25, "note": "Swapped the secret spare mouse" }),
    )
    .await;

    // Assert: the client's people's views are searched as JSON text, fields the types may
    // not know included.
    let (_, ticket) = app.get(&rob, &format!("/api/v1/tickets/{id}")).await;
    let timeline = ticket["timeline"].to_string();
    assert!(!timeline.contains("\"time\""), "{timeline}");
    assert!(!ticket.to_string().contains("secret spare"), "{ticket}");
    let (_, as_manager) = app.get(&mia, &format!("/api/v1/tickets/{id}")).await;
    assert!(!as_manager["timeline"].to_string().contains("\"time\""));
    let (_, as_staff) = app
        .get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{id}"))
        .await;
    let time_entry = as_staff
        .timeline
        .iter()
        .find(|e| e.kind == "time")
        .expect("a time entry in the staff's timeline");
    assert_eq!(
        (time_entry.internal, time_entry.new_value.as_deref()),
        (true, Some("25 min"))
    );
    for client in [&rob, &mia] {
        let (status, _) = app.get(client, &format!("/api/v1/tickets/{id}/time")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .post(
                client,
                &format!("/api/v1/tickets/{id}/time"),
                json!({ "minutes": 5 }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, entries) = app
        .get_as::<Vec<TimeEntry>>(&mia, "/api/v1/time-entries")
        .await;
    assert_eq!(status, StatusCode::OK, "{entries:?}");
    assert_eq!(entries[0].minutes, 25);
    let (_, time) = app
        .get_as::<TicketTime>(&tom, &format!("/api/v1/tickets/{id}/time"))
        .await;
    assert_eq!(time.total_minutes, 25);
    assert_eq!(time.entries[0].user_name, "Tom Technician");
}

#[tokio::test]
async fn billed_time_is_locked_and_only_admins_bill_or_change_others_time() {
    // Arrange
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in("tia@provider.example").await;
    let admin = app.signed_in(ADMIN).await;
    let id = file(&app, &rob, "Backup failed", "high", "Software").await;
    let billed = log(&app, &tom, id, json!({ "minutes": 30 })).await;
    let month = app::reports::Month::of(today()).to_string();
    let bill = json!({ "org_id": acme, "month": month });

    // Act
    let (by_tech, _) = app
        .post(&tom, "/api/v1/time-entries/billed", bill.clone())
        .await;
    let (status, result) = app
        .post(&admin, "/api/v1/time-entries/billed", bill.clone())
        .await;
    let open = log(&app, &tom, id, json!({ "minutes": 10 })).await;

    // Assert
    assert_eq!(by_tech, StatusCode::FORBIDDEN);
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["billed"], 1);
    let path = format!("/api/v1/time-entries/{}", billed.id);
    let (status, body) = app
        .send(&tom, Method::PATCH, &path, json!({ "minutes": 45 }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"]["message"],
        format!("This time was billed for {month} and is locked.")
    );
    let (status, _) = app.send(&admin, Method::DELETE, &path, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, again) = app.post(&admin, "/api/v1/time-entries/billed", bill).await;
    assert_eq!(again["billed"], 1, "only the entry logged since");

    let open_path = format!("/api/v1/time-entries/{}", open.id);
    sqlx::query("update time_entry set billed_month = null where id = ?")
        .bind(open.id)
        .execute(&db(&app).await)
        .await
        .expect("unbilled again");
    let (status, _) = app
        .send(&tia, Method::PATCH, &open_path, json!({ "minutes": 5 }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not Tia's entry");
    let (status, changed) = app
        .patch_as::<TimeEntry>(
            &tom,
            &open_path,
            json!({ "minutes": 12, "note": "Checked logs" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed:?}");
    assert_eq!(
        (changed.minutes, changed.note.as_str()),
        (12, "Checked logs")
    );
    let (status, _) = app
        .send(&admin, Method::DELETE, &open_path, json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, time) = app
        .get_as::<TicketTime>(&tom, &format!("/api/v1/tickets/{id}/time"))
        .await;
    assert_eq!(time.total_minutes, 30);
}

#[tokio::test]
async fn one_timer_runs_per_technician_and_survives_a_restart() {
    // Arrange
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in("tia@provider.example").await;
    let first = file(&app, &rob, "Phone dead", "high", "Hardware").await;
    let second = file(&app, &rob, "Fax dead", "low", "Hardware").await;
    let db = db(&app).await;

    // Act: start on the first, pretend it ran 9½ minutes, then start on the second.
    let (status, timer) = app
        .post_as::<RunningTimer>(&tom, "/api/v1/timer", json!({ "ticket_id": first }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{timer:?}");
    assert_eq!(timer.ticket_id, first);
    let (status, _) = app
        .post(&tia, "/api/v1/timer", json!({ "ticket_id": first }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    sqlx::query("update running_timer set started_at = ? where ticket_id = ?")
        .bind(timestamp(
            OffsetDateTime::now_utc() - Duration::seconds(570),
        ))
        .bind(first)
        .execute(&db)
        .await
        .expect("an older start");
    let (status, timer) = app
        .post_as::<RunningTimer>(&tom, "/api/v1/timer", json!({ "ticket_id": second }))
        .await;

    // Assert: the first timer logged its 10 started minutes; one timer runs, now on the second.
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(timer.ticket_id, second);
    let (_, time) = app
        .get_as::<TicketTime>(&tom, &format!("/api/v1/tickets/{first}/time"))
        .await;
    assert_eq!(time.total_minutes, 10, "{time:?}");
    assert_eq!(time.timer.map(|t| t.ticket_id), Some(second));
    let rows: i64 = sqlx::query_scalar("select count(*) from running_timer")
        .fetch_one(&db)
        .await
        .expect("timers");
    assert_eq!(rows, 2, "Tom's and Tia's");

    // A restarted server still knows the timer.
    let restarted = server::startup::Application::build(&app.settings)
        .await
        .expect("the server starts again");
    let base = format!("http://{}", restarted.local_addr());
    tokio::spawn(restarted.serve());
    let res = tom
        .get(format!("{base}/api/v1/timer"))
        .send()
        .await
        .expect("an answer");
    let (status, running) = read_as::<Option<RunningTimer>>(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(running.map(|t| t.ticket_id), Some(second));

    // Stopping logs at least a minute; stopping again finds nothing.
    let res = tom
        .delete(format!("{base}/api/v1/timer"))
        .send()
        .await
        .expect("an answer");
    let (status, entry) = read_as::<TimeEntry>(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((entry.ticket_id, entry.minutes), (second, 1));
    let res = tom
        .delete(app.url("/api/v1/timer"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, none) = app
        .get_as::<Option<RunningTimer>>(&tom, "/api/v1/timer")
        .await;
    assert_eq!(none, None);
    let (_, tias) = app
        .get_as::<Option<RunningTimer>>(&tia, "/api/v1/timer")
        .await;
    assert_eq!(tias.map(|t| t.ticket_id), Some(first));
}

/// A client that signs its requests with an API token of `email` and sends the time zone
/// cookie the account page sets, naming `zone`.
async fn in_zone(app: &TestApp, email: &str, zone: &str) -> Client {
    let session = app.signed_in(email).await;
    let (status, created) = app
        .post(&session, "/api/v1/tokens", json!({ "name": "time zone" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("a secret");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse().expect("a header"),
    );
    headers.insert(
        reqwest::header::COOKIE,
        format!("{}={zone}", app::clock::CHOSEN_COOKIE)
            .parse()
            .expect("a header"),
    );
    Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

#[tokio::test]
async fn time_is_dated_on_the_persons_day_not_utcs() {
    // Two zones without daylight saving, 25 hours apart: at any hour, the day in at least one
    // of them is not UTC's.
    for (zone, hours) in [("Pacific/Kiritimati", 14), ("Pacific/Pago_Pago", -11)] {
        // Arrange
        let app = spawn().await;
        let rob = app.signed_in(ACME_REQUESTER).await;
        let ticket = file(&app, &rob, "Phone dead", "high", "Hardware").await;
        let tom = in_zone(&app, TECH, zone).await;
        let there = |at: OffsetDateTime| date_text((at + Duration::hours(hours)).date());
        let started = OffsetDateTime::now_utc();

        // Act: time logged without a date, and a timer started and stopped.
        let logged = log(&app, &tom, ticket, json!({ "minutes": 15 })).await;
        let (status, _) = app
            .post(&tom, "/api/v1/timer", json!({ "ticket_id": ticket }))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let res = tom
            .delete(app.url("/api/v1/timer"))
            .send()
            .await
            .expect("an answer");
        let (status, timed) = read_as::<TimeEntry>(res).await;
        let stopped = OffsetDateTime::now_utc();

        // Assert: both on the day it is in the person's zone (the day may turn meanwhile).
        assert_eq!(status, StatusCode::OK);
        let days = [there(started), there(stopped)];
        assert!(days.contains(&logged.date), "{zone}: {logged:?}, {days:?}");
        assert!(days.contains(&timed.date), "{zone}: {timed:?}, {days:?}");
        // A manager's default report period ends on that day too.
        let (status, workload) = app
            .get_as::<Workload>(
                &in_zone(&app, ACME_MANAGER, zone).await,
                "/api/v1/reports/workload",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            days.contains(&workload.to),
            "{zone}: {}, {days:?}",
            workload.to
        );
    }
}

#[tokio::test]
async fn the_first_reply_and_the_resolution_count_business_minutes() {
    // Arrange: Acme works 9–17 UTC, Monday to Friday (the default hours).
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Scanner offline", "normal", "Hardware").await;
    let db = db(&app).await;
    sqlx::query("update ticket set created_at = '2026-11-20T16:00:00.000Z' where id = ?")
        .bind(id)
        .execute(&db)
        .await
        .expect("filed on a Friday at 16:00");

    // Act: the first reply on Monday at 10:00, written as the reply path writes it.
    let mut tx = db.begin().await.expect("a transaction");
    let mut write = server::db::tickets::TicketWrite::at(
        &mut tx,
        id,
        None,
        "2026-11-23T10:00:00.000Z".to_string(),
    );
    let minutes = write.business_minutes_since_filed().await.expect("minutes");
    drop(tx);

    // Assert: 16:00–17:00 on Friday and 9:00–10:00 on Monday.
    assert_eq!(minutes, 120);

    // Arrange: open around the clock, filed two hours ago.
    sqlx::query(
        "insert into business_hours (org_id, time_zone, weekdays, start_minute, end_minute) \
         select org_id, 'UTC', 'mon,tue,wed,thu,fri,sat,sun', 0, 1440 from ticket where id = ?1 \
         on conflict (org_id) do update set weekdays = excluded.weekdays, \
         start_minute = excluded.start_minute, end_minute = excluded.end_minute",
    )
    .bind(id)
    .execute(&db)
    .await
    .expect("hours set");
    sqlx::query("update ticket set created_at = ? where id = ?")
        .bind(timestamp(
            OffsetDateTime::now_utc() - Duration::minutes(120),
        ))
        .bind(id)
        .execute(&db)
        .await
        .expect("filed two hours ago");

    // Act: a staff reply, then the resolution, through the API.
    let (status, _) = app
        .post(
            &tom,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({ "body": "On it.", "internal": false }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .send(
            &tom,
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Assert
    let (first, resolution): (Option<i64>, Option<i64>) = sqlx::query_as(
        "select first_response_minutes, resolution_minutes from ticket where id = ?",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .expect("the minutes");
    assert!(matches!(first, Some(120 | 121)), "{first:?}");
    assert!(matches!(resolution, Some(120 | 121)), "{resolution:?}");

    // Reopened, the ticket is no longer resolved, and neither are its minutes.
    let (status, _) = app
        .send(
            &tom,
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "open" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let resolution: Option<i64> =
        sqlx::query_scalar("select resolution_minutes from ticket where id = ?")
            .bind(id)
            .fetch_one(&db)
            .await
            .expect("the minutes");
    assert_eq!(resolution, None);
}

#[tokio::test]
async fn csv_downloads_are_attachments_with_formulas_defused() {
    // Arrange
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Printer, upstairs", "normal", "Printing").await;
    log(
        &app,
        &tom,
        id,
        json!({ "minutes": 90, "note": "=HYPERLINK(\"http://x\")" }),
    )
    .await;
    let month = app::reports::Month::of(today());
    let (from, to) = (date_text(day(2)), date_text(today()));

    // Act
    let time = tom
        .get(app.url(&format!(
            "/api/v1/time-entries.csv?org={acme}&month={month}"
        )))
        .send()
        .await
        .expect("an answer");
    let work = tom
        .get(app.url(&format!(
            "/api/v1/reports/workload.csv?org={acme}&from={from}&to={to}"
        )))
        .send()
        .await
        .expect("an answer");

    // Assert
    for (res, name) in [
        (&time, format!("time-acme-dental-{month}.csv")),
        (&work, format!("workload-acme-dental-{from}-{to}.csv")),
    ] {
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap_or_default(),
            format!("attachment; filename=\"{name}\"")
        );
    }
    let time = time.text().await.expect("a body");
    let lines: Vec<&str> = time.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "date,ticket,subject,organization,technician,minutes,hours,billable,billed_month,note"
    );
    assert_eq!(
        lines[1],
        format!(
            "{},{id},\"Printer, upstairs\",Acme Dental,Tom Technician,90,1.50,yes,,\"'=HYPERLINK(\"\"http://x\"\")\"",
            date_text(today())
        )
    );
    assert_eq!(lines[2], "total,,,,,90,1.50,,,");
    assert_eq!(lines[3], "billable total,,,,,90,1.50,,,");
    let work = work.text().await.expect("a body");
    assert!(work.starts_with("section,name,measure,value\r\n"), "{work}");
    assert!(work.contains("\r\nbacklog,new,normal,1\r\n"), "{work}");
    assert!(
        work.contains(&format!("\r\ndays,{to},created,1\r\n")),
        "{work}"
    );
    assert!(
        work.contains("\r\nby_category,Printing,tickets,1\r\n"),
        "{work}"
    );
    assert!(
        work.contains("\r\nby_technician,Tom Technician,minutes,90\r\n"),
        "{work}"
    );
    assert!(
        work.contains("\r\ncontract,") && work.contains(",hours_included,10\r\n"),
        "{work}"
    );
    assert!(work.ends_with("\r\nratings,bad,tickets,0\r\n"), "{work}");
}

#[tokio::test]
async fn time_csv_hours_are_rounded_once_and_totals_add_up_to_the_rows_shown() {
    // Arrange: two 25-minute entries, 0.4166… hours each.
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Scanner", "normal", "Hardware").await;
    for _ in 0..2 {
        log(&app, &tom, id, json!({ "minutes": 25, "note": "" })).await;
    }
    let month = app::reports::Month::of(today());

    // Act
    let csv = tom
        .get(app.url(&format!(
            "/api/v1/time-entries.csv?org={acme}&month={month}"
        )))
        .send()
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a body");

    // Assert
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[1].contains(",25,0.42,yes,"), "{csv}");
    assert!(lines[2].contains(",25,0.42,yes,"), "{csv}");
    assert_eq!(lines[3], "total,,,,,50,0.84,,,");
    assert_eq!(lines[4], "billable total,,,,,50,0.84,,,");
}

#[tokio::test]
async fn bad_input_is_422_with_the_field_at_fault() {
    // Arrange
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let admin = app.signed_in(ADMIN).await;
    let id = file(&app, &rob, "Monitor", "normal", "Hardware").await;

    for (path, field) in [
        ("/api/v1/reports/workload?org=acme", "org"),
        ("/api/v1/reports/workload.csv?org=1x", "org"),
        ("/api/v1/reports/workload?from=2026-13-01", "from"),
        ("/api/v1/reports/workload?to=yesterday", "to"),
        (
            "/api/v1/reports/workload?from=2026-11-20&to=2026-11-01",
            "from",
        ),
        (
            "/api/v1/reports/workload?from=2024-01-01&to=2026-11-01",
            "from",
        ),
        ("/api/v1/time-entries?month=2026-13", "month"),
        ("/api/v1/time-entries.csv?org=x", "org"),
    ] {
        // Act
        let (status, body) = app.get(&tom, path).await;
        // Assert
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert!(body["error"]["fields"][field].is_array(), "{path}: {body}");
    }
    let (status, body) = app
        .post(
            &tom,
            &format!("/api/v1/tickets/{id}/time"),
            json!({ "minutes": 0 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["minutes"].is_array(), "{body}");
    let (status, body) = app
        .send(
            &admin,
            Method::PUT,
            &format!("/api/v1/orgs/{acme}/contract"),
            json!({ "hours_included": 20000, "hourly_rate_cents": -1 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &body["error"]["fields"];
    assert!(
        fields["hours_included"].is_array() && fields["hourly_rate_cents"].is_array(),
        "{body}"
    );
    let (status, body) = app
        .post(
            &admin,
            "/api/v1/time-entries/billed",
            json!({ "org_id": acme, "month": "Nov" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["month"].is_array(), "{body}");
    let (status, contract) = app
        .send_as::<Contract>(
            &admin,
            Method::PUT,
            &format!("/api/v1/orgs/{acme}/contract"),
            json!({ "hours_included": 12, "hourly_rate_cents": 10000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contract.hours_included, 12);
}

#[tokio::test]
async fn the_api_document_lists_the_workload_routes() {
    let app = spawn().await;
    let (_, doc) = app.get(&app.client(), "/api/openapi.json").await;
    for path in [
        "/api/v1/reports/workload",
        "/api/v1/reports/workload.csv",
        "/api/v1/tickets/{id}/time",
        "/api/v1/time-entries/{id}",
        "/api/v1/time-entries",
        "/api/v1/time-entries.csv",
        "/api/v1/time-entries/billed",
        "/api/v1/timer",
        "/api/v1/orgs/{id}/contract",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}

/// The per-day counts the dashboard reads must equal the same counts taken from the tickets.
async fn assert_rollup_agrees(db: &SqlitePool, after: &str) {
    let filed: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
        "select org_id, day, category_id, requester_id, filed from ticket_filed_day \
         where filed <> 0 order by 1, 2, 3, 4",
    )
    .fetch_all(db)
    .await
    .expect("filed counts");
    let direct: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
        "select org_id, substr(created_at, 1, 10), category_id, requester_id, count(*) \
         from ticket group by 1, 2, 3, 4 order by 1, 2, 3, 4",
    )
    .fetch_all(db)
    .await
    .expect("tickets filed");
    assert_eq!(filed, direct, "filed per day after {after}");

    type Resolved = (i64, String, Option<i64>, i64, i64, i64);
    let resolved: Vec<Resolved> = sqlx::query_as(
        "select org_id, day, assignee_id, sum(resolved), sum(rated_good), sum(rated_bad) \
         from ticket_resolved_day group by 1, 2, 3 \
         having sum(resolved) <> 0 or sum(rated_good) <> 0 or sum(rated_bad) <> 0 \
         order by 1, 2, 3",
    )
    .fetch_all(db)
    .await
    .expect("resolved counts");
    let direct: Vec<Resolved> = sqlx::query_as(
        "select org_id, substr(resolved_at, 1, 10), assignee_id, count(*), \
         count(case when rating = 'good' then 1 end), count(case when rating = 'bad' then 1 end) \
         from ticket where resolved_at is not null group by 1, 2, 3 order by 1, 2, 3",
    )
    .fetch_all(db)
    .await
    .expect("tickets resolved");
    assert_eq!(resolved, direct, "resolved per day after {after}");
}

#[tokio::test]
async fn the_per_day_counts_follow_every_change_to_a_ticket() {
    // Arrange: the dashboard's tickets, with history rewritten across days.
    let app = spawn().await;
    let db = db(&app).await;
    scenario(&app).await;
    assert_rollup_agrees(&db, "filing and rewritten history").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tia = app.user_id("tia@provider.example").await;
    let id = file(&app, &rob, "Mouse lost", "low", "Other").await;
    let path = format!("/api/v1/tickets/{id}");
    let patch = |body: Value| {
        let (app, tom, path) = (&app, &tom, &path);
        async move {
            let (status, ticket) = app.send(tom, Method::PATCH, path, body).await;
            assert_eq!(status, StatusCode::OK, "{ticket}");
        }
    };

    // Act and assert: each change, one at a time.
    patch(json!({ "category": "hardware", "priority": "urgent" })).await;
    assert_rollup_agrees(&db, "a category and priority change").await;
    patch(json!({ "status": "resolved" })).await;
    assert_rollup_agrees(&db, "resolving unassigned").await;
    let (status, body) = app
        .post(&rob, &format!("{path}/rating"), json!({ "rating": "good" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_rollup_agrees(&db, "a good rating").await;
    let (status, body) = app
        .post(&rob, &format!("{path}/rating"), json!({ "rating": "bad" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_rollup_agrees(&db, "the rating changed to bad").await;
    patch(json!({ "assignee_id": tia })).await;
    assert_rollup_agrees(&db, "assigning a resolved ticket").await;
    patch(json!({ "status": "open" })).await;
    assert_rollup_agrees(&db, "reopening").await;
    patch(json!({ "status": "resolved" })).await;
    assert_rollup_agrees(&db, "resolving again").await;
    sqlx::query("update ticket set created_at = ?, resolved_at = ? where id = ?")
        .bind(at(8, 9))
        .bind(at(7, 9))
        .bind(id)
        .execute(&db)
        .await
        .expect("history moved");
    assert_rollup_agrees(&db, "moving the ticket to other days").await;
    // An import writes resolved, rated tickets at once; nothing references the copy, so it
    // can be deleted again.
    let copy: i64 = sqlx::query_scalar(
        "insert into ticket (org_id, requester_id, assignee_id, category_id, subject, body, \
         status, priority, resolved_at, rating, created_at) \
         select org_id, requester_id, assignee_id, category_id, subject, body, status, \
         priority, resolved_at, rating, created_at from ticket where id = ? returning id",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .expect("ticket imported");
    assert_rollup_agrees(&db, "importing a resolved ticket").await;
    sqlx::query("delete from ticket where id = ?")
        .bind(copy)
        .execute(&db)
        .await
        .expect("ticket deleted");
    assert_rollup_agrees(&db, "deleting the ticket").await;
}

#[tokio::test]
async fn a_ticket_a_technician_resolves_without_being_assigned_counts_as_theirs() {
    // Arrange: nobody is assigned; Tom only resolves it.
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Toner smears", "normal", "Printing").await;
    let tom = app.signed_in(TECH).await;
    let acme = app.org_id("Acme Dental").await;
    let period = format!("from={}&to={}", date_text(day(1)), date_text(today()));
    let resolved_by = |w: &Workload, name: &str| {
        w.by_technician
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.resolved)
    };
    let path = format!("/api/v1/reports/workload?org={acme}&{period}");
    let (_, before) = app.get_as::<Workload>(&tom, &path).await;

    // Act
    let (status, ticket) = app
        .patch_as::<TicketDetail>(
            &tom,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "resolved" }),
        )
        .await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{ticket:?}");
    let (status, after) = app.get_as::<Workload>(&tom, &path).await;
    assert_eq!(status, StatusCode::OK, "{after:?}");
    assert_eq!(
        resolved_by(&after, "Tom Technician"),
        resolved_by(&before, "Tom Technician") + 1
    );
    let resolved_today: i64 = after.days.iter().map(|d| d.resolved).sum();
    assert_eq!(
        resolved_today,
        before.days.iter().map(|d| d.resolved).sum::<i64>() + 1
    );
}
