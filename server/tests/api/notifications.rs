//! Notification mail: who gets which message about what, switched by each person, never to
//! someone who may not read it, never twice; digests and SLA warnings once; one-click
//! unsubscribe. The outbox rows are the output (no SMTP needed).

use super::support::*;
use app::tickets::TicketDetail;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;
use server::mail::notify::Notifier;
use std::sync::Arc;

/// One outbox row, as a test reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub reply_to: Option<String>,
    pub unsubscribe_url: Option<String>,
}

pub fn notifier(app: &TestApp) -> Notifier {
    let addresses = server::mail::Addresses::new(&app.settings.mail).expect("addresses");
    Notifier::new(app.db.clone(), Arc::new(addresses), &app.settings.base_url)
}

/// Plans mail for every event committed so far (whichever planner gets to each batch), and
/// answers the whole outbox.
pub async fn drain(app: &TestApp) -> Vec<Row> {
    notifier(app).catch_up().await.expect("the planner runs");
    outbox(app).await
}

pub async fn outbox(app: &TestApp) -> Vec<Row> {
    sqlx::query_as(
        "select kind, ticket_id, to_address, subject, body_text, body_html, message_id, \
         in_reply_to, reply_to, unsubscribe_url from mail_outbox order by id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("the outbox reads")
}

/// The rows of `ticket` of `kind`, by recipient.
pub fn to_whom(rows: &[Row], ticket: i64, kind: &str) -> Vec<String> {
    let mut to: Vec<String> = rows
        .iter()
        .filter(|r| r.ticket_id == Some(ticket) && r.kind == kind)
        .map(|r| r.to_address.clone())
        .collect();
    to.sort();
    to
}

pub async fn file(app: &TestApp, client: &Client, subject: &str, priority: &str) -> i64 {
    let (status, ticket) = app
        .post_as::<TicketDetail>(
            client,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": "It says **offline**.", "priority": priority }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    ticket.summary.id
}

pub async fn reply(app: &TestApp, client: &Client, ticket: i64, body: &str, internal: bool) {
    let (status, body) = app
        .post(
            client,
            &format!("/api/v1/tickets/{ticket}/comments"),
            json!({ "body": body, "internal": internal }),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
}

pub async fn patch(app: &TestApp, client: &Client, ticket: i64, change: serde_json::Value) {
    let (status, body) = app
        .send(
            client,
            Method::PATCH,
            &format!("/api/v1/tickets/{ticket}"),
            change,
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
}

pub async fn set_prefs(app: &TestApp, client: &Client, update: serde_json::Value) {
    let (status, body) = app
        .send(client, Method::PUT, "/api/v1/me/notifications", update)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_new_request_mails_its_requester_a_threaded_receipt_with_number_and_link() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let id = file(&app, &rob, "Printer offline", "normal").await;
    let rows = drain(&app).await;

    assert_eq!(to_whom(&rows, id, "request_received"), [ACME_REQUESTER]);
    let receipt = rows
        .iter()
        .find(|r| r.kind == "request_received")
        .expect("a receipt");
    assert!(
        receipt.subject.contains(&format!("[#{id}]")),
        "{}",
        receipt.subject
    );
    let link = format!("{}/tickets/{id}", app.settings.base_url);
    assert!(receipt.body_text.contains(&link), "{}", receipt.body_text);
    assert!(receipt.body_html.contains(&link));
    assert!(
        receipt
            .body_text
            .contains("Reply to this email to add to the request")
    );
    assert!(
        receipt.reply_to.as_deref().is_some_and(|r| r.contains('+')),
        "{:?}",
        receipt.reply_to
    );
    assert!(
        receipt
            .unsubscribe_url
            .as_deref()
            .is_some_and(|u| u.contains("/mail/unsubscribe?t=")),
    );
    assert_eq!(
        to_whom(&rows, id, "new_ticket"),
        Vec::<String>::new(),
        "a normal ticket mails no staff by default"
    );
}

#[tokio::test]
async fn an_urgent_request_mails_every_staff_member_and_all_does_for_any() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let admin = app.signed_in(ADMIN).await;

    let urgent = file(&app, &rob, "Server down", "urgent").await;
    let (status, _) = app
        .send(
            &admin,
            Method::PUT,
            "/api/v1/settings/notifications",
            json!({ "new_ticket": "all" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = drain(&app).await;
    let low = file(&app, &rob, "Mouse squeaks", "low").await;
    let rows_after = drain(&app).await;

    let staff = [ADMIN, "tia@provider.example", TECH];
    assert_eq!(to_whom(&rows, urgent, "new_ticket"), staff);
    assert_eq!(to_whom(&rows_after, low, "new_ticket"), staff);
    let message = rows
        .iter()
        .find(|r| r.kind == "new_ticket")
        .expect("a new-ticket message");
    assert!(
        message.body_html.contains("<strong>offline</strong>"),
        "{}",
        message.body_html
    );
}

#[tokio::test]
async fn a_public_reply_mails_the_requester_with_its_text_and_never_its_author() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;

    reply(&app, &tom, id, "Restart the *spooler*, please.", false).await;
    let rows = drain(&app).await;

    assert_eq!(to_whom(&rows, id, "public_reply"), [ACME_REQUESTER]);
    let message = rows
        .iter()
        .find(|r| r.kind == "public_reply")
        .expect("a reply");
    assert!(message.body_text.contains("Restart the *spooler*, please."));
    assert!(message.body_html.contains("<em>spooler</em>"));
    let receipt = rows
        .iter()
        .find(|r| r.kind == "request_received")
        .expect("a receipt");
    assert_eq!(
        message.in_reply_to.as_deref(),
        Some(receipt.message_id.as_str()),
        "the receipt is the thread's root"
    );
    assert!(!rows.iter().any(|r| r.to_address == TECH));
}

#[tokio::test]
async fn an_internal_note_mails_no_client_person() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;
    set_prefs(&app, &mia, json!({ "colleagues_tickets": true })).await;
    let before = drain(&app).await.len();

    reply(
        &app,
        &tom,
        id,
        "SECRET-NOTE-MARKER the client owes us",
        true,
    )
    .await;
    let rows = drain(&app).await;

    assert_eq!(rows.len(), before, "{:?}", &rows[before..]);
    assert!(
        !rows
            .iter()
            .any(|r| r.body_text.contains("SECRET-NOTE-MARKER")
                || r.body_html.contains("SECRET-NOTE-MARKER"))
    );
}

#[tokio::test]
async fn assignment_and_the_requesters_reply_mail_the_assignee_not_the_one_who_acted() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let admin = app.signed_in(ADMIN).await;
    let tom_id = app.user_id(TECH).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;

    patch(&app, &admin, id, json!({ "assignee_id": tom_id })).await;
    reply(&app, &rob, id, "It is still offline.", false).await;
    let rows = drain(&app).await;

    assert_eq!(to_whom(&rows, id, "assigned_to_me"), [TECH]);
    assert_eq!(to_whom(&rows, id, "requester_replied"), [TECH]);
    assert_eq!(
        to_whom(&rows, id, "public_reply"),
        Vec::<String>::new(),
        "Rob is not mailed his own reply"
    );
    assert!(!rows.iter().any(|r| r.to_address == ADMIN));
}

#[tokio::test]
async fn waiting_resolved_and_closed_mail_the_requester() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;

    patch(&app, &tom, id, json!({ "status": "pending" })).await;
    patch(&app, &tom, id, json!({ "priority": "high" })).await;
    patch(&app, &tom, id, json!({ "status": "resolved" })).await;
    patch(&app, &tom, id, json!({ "status": "closed" })).await;
    let rows = drain(&app).await;

    let changes: Vec<&Row> = rows.iter().filter(|r| r.kind == "status_changed").collect();
    assert_eq!(
        changes.len(),
        2,
        "pending and resolved; a priority change is no status change"
    );
    assert!(changes[0].body_text.contains("waits on you"));
    assert!(
        changes[1]
            .body_text
            .contains("reply to this email to reopen")
    );
    assert_eq!(to_whom(&rows, id, "closed"), [ACME_REQUESTER]);
}

#[tokio::test]
async fn a_kind_switched_off_is_not_sent() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    set_prefs(&app, &rob, json!({ "kinds": { "public_reply": false } })).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;

    reply(&app, &tom, id, "Try again.", false).await;
    let rows = drain(&app).await;

    assert_eq!(to_whom(&rows, id, "public_reply"), Vec::<String>::new());
    assert_eq!(to_whom(&rows, id, "request_received"), [ACME_REQUESTER]);
}

#[tokio::test]
async fn a_colleague_hears_of_shared_tickets_only_while_sharing_is_on_and_another_org_never() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let rita = app.signed_in("rita@acme.example").await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let admin = app.signed_in(ADMIN).await;
    set_prefs(&app, &rita, json!({ "colleagues_tickets": true })).await;
    set_prefs(&app, &bea, json!({ "colleagues_tickets": true })).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;

    reply(&app, &tom, id, "First answer.", false).await;
    let unshared = drain(&app).await;
    let acme = app.org_id("Acme Dental").await;
    let (status, _) = app
        .send(
            &admin,
            Method::PATCH,
            &format!("/api/v1/orgs/{acme}/settings"),
            json!({ "share_tickets": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    reply(&app, &tom, id, "Second answer.", false).await;
    let rows = drain(&app).await;

    assert_eq!(to_whom(&unshared, id, "public_reply"), [ACME_REQUESTER]);
    assert_eq!(
        to_whom(&rows, id, "public_reply"),
        ["rita@acme.example", ACME_REQUESTER, ACME_REQUESTER]
    );
    assert!(
        !rows
            .iter()
            .any(|r| r.to_address.ends_with("@birch.example"))
    );
}

#[tokio::test]
async fn planning_the_same_events_again_writes_no_message_twice() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Printer offline", "urgent").await;
    reply(&app, &tom, id, "On it.", false).await;
    let first = drain(&app).await;

    // As after a crash between writing and moving on: the cursor back at the start.
    let mut tx = app.db.begin().await.expect("a transaction");
    server::db::mail::move_cursor(&mut tx, server::mail::notify::CURSOR, 0)
        .await
        .expect("the cursor moves");
    tx.commit().await.expect("commit");
    let again = drain(&app).await;

    assert!(first.len() >= 5, "{first:?}");
    assert_eq!(again.len(), first.len());
}

#[tokio::test]
async fn a_run_stopped_between_its_commits_is_taken_up_where_it_stopped_each_message_once() {
    // Arrange: a burst planned in several commits, then as after a crash following the
    // first commit: the later events' messages unwritten and the cursor after the eighth.
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    for n in 0..20 {
        file(&app, &rob, &format!("Burst {n}"), "normal").await;
    }
    let first = drain(&app).await;
    let events: Vec<i64> =
        sqlx::query_scalar("select id from live_event where kind = 'ticket.created' order by id")
            .fetch_all(app.db.pool())
            .await
            .expect("the events read");
    let stop = events[7];
    let mut tx = app.db.begin().await.expect("a transaction");
    sqlx::query("delete from mail_outbox where source_event_id > ?")
        .bind(stop)
        .execute(&mut *tx)
        .await
        .expect("the later messages go");
    server::db::mail::move_cursor(&mut tx, server::mail::notify::CURSOR, stop)
        .await
        .expect("the cursor moves");
    tx.commit().await.expect("commit");

    // Act
    let again = drain(&app).await;

    // Assert: every receipt once, each ticket still in the thread it started with.
    let receipts = |rows: &[Row]| {
        let mut r: Vec<(Option<i64>, Option<String>)> = rows
            .iter()
            .filter(|r| r.kind == "request_received")
            .map(|r| (r.ticket_id, r.reply_to.clone()))
            .collect();
        r.sort();
        r
    };
    assert_eq!(events.len(), 20);
    assert_eq!(receipts(&first).len(), 20);
    assert_eq!(receipts(&again), receipts(&first));
    assert_eq!(again.len(), first.len());
}

#[tokio::test]
async fn a_receipt_planned_again_after_a_failed_commit_still_opens_its_tickets_thread() {
    // Arrange: a burst whose messages cannot be written yet (a trigger refuses them), so one
    // run will plan all of it; then a trigger that lets the first commit of that run through
    // and fails the second, as a crash between the two would leave things.
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let refuse = |when: String| {
        format!(
            "create trigger stop_here before insert on mail_outbox when {when} \
             begin select raise(abort, 'stopped here (test)'); end"
        )
    };
    sqlx::query(&refuse("1".into()))
        .execute(app.db.pool())
        .await
        .expect("the trigger is made");
    for n in 0..20 {
        file(&app, &rob, &format!("Burst {n}"), "normal").await;
    }
    let events: Vec<i64> =
        sqlx::query_scalar("select id from live_event where kind = 'ticket.created' order by id")
            .fetch_all(app.db.pool())
            .await
            .expect("the events read");
    let mut tx = app.db.begin().await.expect("a transaction");
    for statement in [
        "drop trigger stop_here".to_string(),
        refuse(format!("new.source_event_id > {}", events[7])),
    ] {
        sqlx::query(&statement)
            .execute(&mut *tx)
            .await
            .expect("the trigger changes");
    }
    tx.commit().await.expect("commit");
    let stopped = notifier(&app).catch_up().await;
    assert!(stopped.is_err(), "the second commit fails: {stopped:?}");
    let written: i64 = sqlx::query_scalar("select count(*) from mail_outbox")
        .fetch_one(app.db.pool())
        .await
        .expect("the outbox counts");
    assert!(written > 0, "the first commit went through");

    // Act: the stop is over; planning takes up where it stopped.
    sqlx::query("drop trigger stop_here")
        .execute(app.db.pool())
        .await
        .expect("the trigger goes");
    let rows = drain(&app).await;

    // Assert: each receipt carries the Message-ID its thread is rooted at, so every later
    // message's References name a message the requester has.
    let roots: std::collections::HashMap<i64, String> =
        sqlx::query_as("select ticket_id, root_message_id from mail_thread")
            .fetch_all(app.db.pool())
            .await
            .expect("the threads read")
            .into_iter()
            .collect();
    let receipts: Vec<&Row> = rows
        .iter()
        .filter(|r| r.kind == "request_received" && r.to_address.contains(ACME_REQUESTER))
        .collect();
    assert_eq!(receipts.len(), 20, "{rows:?}");
    for receipt in receipts {
        let ticket = receipt.ticket_id.expect("a ticket");
        assert_eq!(
            Some(&receipt.message_id),
            roots.get(&ticket),
            "#{ticket}'s receipt opens its thread"
        );
        assert_eq!(receipt.in_reply_to, None, "#{ticket}");
    }
}

#[tokio::test]
async fn two_planners_at_once_write_each_message_once_and_both_finish() {
    // Arrange: a burst of tickets, planned in several commits each.
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    for n in 0..30 {
        file(&app, &rob, &format!("Burst {n}"), "normal").await;
    }
    let (first, second) = (notifier(&app), notifier(&app));

    // Act: both start from the same cursor; whichever commits a group second finds the cursor
    // moved and takes up from there.
    let (a, b) = tokio::join!(first.catch_up(), second.catch_up());

    // Assert
    let last: i64 = sqlx::query_scalar("select max(id) from live_event")
        .fetch_one(app.db.pool())
        .await
        .expect("the last event");
    assert_eq!(a.expect("the first planner finishes").1, last);
    assert_eq!(b.expect("the second planner finishes").1, last);
    let rows = outbox(&app).await;
    let mut receipts: Vec<Option<i64>> = rows
        .iter()
        .filter(|r| r.kind == "request_received")
        .map(|r| r.ticket_id)
        .collect();
    receipts.sort();
    let before = receipts.len();
    receipts.dedup();
    assert_eq!(before, 30, "{rows:?}");
    assert_eq!(receipts.len(), 30);
}

#[tokio::test]
async fn a_planner_far_behind_plans_every_event_in_one_catch_up() {
    // Arrange: more events than two batches hold, then the planner put back before all of
    // them, as after a restore, with nothing planned (nothing is published, so the running
    // planner is not woken).
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mut tickets = Vec::new();
    for n in 0..150 {
        tickets.push(file(&app, &rob, &format!("Backlog {n}"), "normal").await);
    }
    drain(&app).await;
    for reset in [
        "delete from mail_outbox",
        "delete from mail_thread",
        "update mail_cursor set last_id = 0",
    ] {
        sqlx::query(reset)
            .execute(app.db.pool())
            .await
            .expect(reset);
    }

    // Act: a run stops at its first batch that is not full, so one call crosses the full ones.
    let (_, at) = notifier(&app).catch_up().await.expect("the planner runs");

    // Assert
    let last: i64 = sqlx::query_scalar("select max(id) from live_event")
        .fetch_one(app.db.pool())
        .await
        .expect("the last event");
    assert_eq!(at, last);
    let mut receipts: Vec<i64> = outbox(&app)
        .await
        .iter()
        .filter(|r| r.kind == "request_received" && r.to_address == ACME_REQUESTER)
        .filter_map(|r| r.ticket_id)
        .collect();
    receipts.sort_unstable();
    tickets.sort_unstable();
    assert_eq!(receipts, tickets);
}

#[tokio::test]
async fn a_managers_digest_is_written_once_per_period() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    file(&app, &rob, "Printer offline", "normal").await;
    set_prefs(
        &app,
        &mia,
        json!({ "kinds": { "digest": true }, "digest_frequency": "daily" }),
    )
    .await;
    let notifier = notifier(&app);
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let digests = |rows: Vec<Row>| rows.into_iter().filter(|r| r.kind == "digest").count();

    // The job may have written today's digest at startup; tomorrow's is what is counted.
    let before = digests(outbox(&app).await);
    notifier.send_digests(tomorrow).await.expect("digests");
    notifier.send_digests(tomorrow).await.expect("digests");
    let once = digests(outbox(&app).await) - before;
    notifier
        .send_digests(tomorrow + time::Duration::days(1))
        .await
        .expect("digests");
    let next_day = digests(outbox(&app).await) - before;

    assert_eq!(once, 1);
    assert_eq!(next_day, 2);
    let digest = outbox(&app)
        .await
        .into_iter()
        .find(|r| r.kind == "digest")
        .expect("a digest");
    assert_eq!(digest.to_address, ACME_MANAGER);
    assert!(
        digest.body_text.contains("Still open: 1"),
        "{}",
        digest.body_text
    );
}

#[tokio::test]
async fn an_sla_target_about_to_be_missed_warns_the_assignee_once() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let admin = app.signed_in(ADMIN).await;
    let tom_id = app.user_id(TECH).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;
    patch(&app, &admin, id, json!({ "assignee_id": tom_id })).await;
    let now = time::OffsetDateTime::now_utc();
    sqlx::query("update ticket set first_response_due_at = ? where id = ?")
        .bind(server::db::timestamp(now + time::Duration::minutes(10)))
        .bind(id)
        .execute(app.db.pool())
        .await
        .expect("the target comes due soon");
    let bus = server::live::Bus::new(app.db.clone()).await.expect("a bus");

    server::tickets::breach::announce_warnings(&app.db, &bus, now)
        .await
        .expect("warnings");
    server::tickets::breach::announce_warnings(&app.db, &bus, now)
        .await
        .expect("warnings");
    let rows = drain(&app).await;

    assert_eq!(to_whom(&rows, id, "sla_warning"), [TECH]);
    let warning = rows
        .iter()
        .find(|r| r.kind == "sla_warning")
        .expect("a warning");
    assert!(
        warning.subject.contains("first response"),
        "{}",
        warning.subject
    );
}

#[tokio::test]
async fn the_unsubscribe_link_shows_a_button_and_its_one_click_post_turns_the_kind_off() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Printer offline", "normal").await;
    reply(&app, &tom, id, "Try again.", false).await;
    let rows = drain(&app).await;
    let link = rows
        .iter()
        .find(|r| r.kind == "public_reply")
        .and_then(|r| r.unsubscribe_url.clone())
        .expect("an unsubscribe link");
    let path = link
        .strip_prefix(&app.settings.base_url)
        .expect("a link to the portal")
        .to_string();
    let stranger = app.client();

    let page = stranger.get(app.url(&path)).send().await.expect("the page");
    let page_status = page.status();
    let page_text = page.text().await.expect("a body");
    let (_, still_on) = app.get(&rob, "/api/v1/me/notifications").await;
    let post = stranger
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("the post");
    let (_, now_off) = app.get(&rob, "/api/v1/me/notifications").await;
    let unknown = stranger
        .post(app.url("/mail/unsubscribe?t=0123456789abcdef0123456789abcdef"))
        .send()
        .await
        .expect("an answer");

    let enabled = |prefs: &serde_json::Value| {
        prefs["kinds"]
            .as_array()
            .and_then(|k| k.iter().find(|k| k["kind"] == "public_reply"))
            .map(|k| k["enabled"].clone())
    };
    assert_eq!(page_status, StatusCode::OK);
    assert!(page_text.contains("<button"), "{page_text}");
    assert_eq!(
        enabled(&still_on),
        Some(json!(true)),
        "opening the page changes nothing"
    );
    assert_eq!(post.status(), StatusCode::OK);
    assert_eq!(enabled(&now_off), Some(json!(false)));
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn preferences_refuse_a_kind_the_role_does_not_get() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let (status, body) = app
        .send(
            &rob,
            Method::PUT,
            "/api/v1/me/notifications",
            json!({ "kinds": { "new_ticket": true } }),
        )
        .await;
    let (_, prefs) = app.get(&rob, "/api/v1/me/notifications").await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let kinds: Vec<&str> = prefs["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .filter_map(|k| k["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "request_received",
            "public_reply",
            "status_changed",
            "closed"
        ]
    );
}

#[tokio::test]
async fn the_account_pages_form_saves_the_switches_without_javascript() {
    use leptos::server_fn::ServerFn;
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let path = <app::mail::preferences::section::SaveNotificationPreferences as ServerFn>::PATH;

    let page = app.page_text(&tom, "/profile").await;
    let res = app
        .post_form(
            &tom,
            path,
            "/profile",
            &[("assigned_to_me", "on"), ("sla_missed", "on")],
        )
        .await;
    let (_, prefs) = app.get(&tom, "/api/v1/me/notifications").await;

    assert!(
        page.contains("Email notifications"),
        "the section is on the page"
    );
    assert!(res.status().is_redirection(), "{}", res.status());
    let on: Vec<&str> = prefs["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .filter(|k| k["enabled"] == true)
        .filter_map(|k| k["kind"].as_str())
        .collect();
    assert_eq!(on, ["assigned_to_me", "sla_missed"]);
}

/// The `<input>` tag whose id is `id` in `page`.
fn input_tag<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let start = page[..at].rfind("<input").expect("an input");
    let end = at + page[at..].find('>').expect("the tag ends");
    &page[start..=end]
}

#[tokio::test]
async fn an_admin_chooses_which_new_tickets_mail_the_staff_on_the_mail_page_without_javascript() {
    use app::mail::preferences::new_ticket::SaveNewTicketMail;
    use leptos::server_fn::ServerFn;
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    const PAGE: &str = "/admin/mail";

    let before = app.page_text(&admin, PAGE).await;
    let res = app
        .post_form(
            &admin,
            SaveNewTicketMail::PATH,
            PAGE,
            &[("new_ticket", "all")],
        )
        .await;
    let (_, setting) = app.get(&admin, "/api/v1/settings/notifications").await;
    let after = app.page_text(&admin, PAGE).await;
    let low = file(&app, &rob, "Mouse squeaks", "low").await;
    let rows = drain(&app).await;

    assert!(
        input_tag(&before, "new-ticket-mail-urgent").contains("checked"),
        "urgent is the default: {before}"
    );
    assert!(res.status().is_redirection(), "{}", res.status());
    let back = res.headers()["location"].to_str().unwrap();
    assert!(!back.contains("__err"), "{back}");
    assert_eq!(setting["new_ticket"], "all");
    assert!(input_tag(&after, "new-ticket-mail-all").contains("checked"));
    assert!(!input_tag(&after, "new-ticket-mail-urgent").contains("checked"));
    assert_eq!(
        to_whom(&rows, low, "new_ticket"),
        [ADMIN, "tia@provider.example", TECH],
        "the page's choice is the one the planner reads"
    );
}

#[tokio::test]
async fn the_new_ticket_mail_form_refuses_a_choice_it_does_not_offer_and_anyone_but_admins() {
    use app::mail::preferences::new_ticket::SaveNewTicketMail;
    use leptos::server_fn::ServerFn;
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let tech = app.signed_in(TECH).await;
    const PAGE: &str = "/admin/mail";

    let odd = app
        .post_form(
            &admin,
            SaveNewTicketMail::PATH,
            PAGE,
            &[("new_ticket", "sometimes")],
        )
        .await;
    let back = odd.headers()["location"].to_str().unwrap().to_string();
    let page = app.page_text(&admin, &back.replace(&app.base, "")).await;
    let by_tech = app
        .post_form(
            &tech,
            SaveNewTicketMail::PATH,
            PAGE,
            &[("new_ticket", "none")],
        )
        .await;
    let tech_back = by_tech.headers()["location"].to_str().unwrap().to_string();
    let (_, setting) = app.get(&admin, "/api/v1/settings/notifications").await;

    assert!(back.contains("__err"), "{back}");
    assert!(page.contains("Choose all, urgent or none."), "{page}");
    // The no-JavaScript error parameter is the error as base64 JSON: {"kind":"forbidden"}.
    assert!(
        tech_back.contains("__err=eyJraW5kIjoiZm9yYmlkZGVuIn0"),
        "{tech_back}"
    );
    assert_eq!(setting["new_ticket"], "urgent", "nothing was changed");
}

#[tokio::test]
async fn a_burst_of_requests_is_planned_together_one_receipt_and_thread_each() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(file(&app, &rob, &format!("Burst {n}"), "normal").await);
    }

    let rows = drain(&app).await;

    let receipts: Vec<&Row> = rows
        .iter()
        .filter(|r| r.kind == "request_received")
        .collect();
    assert_eq!(receipts.len(), ids.len());
    let links: std::collections::HashSet<_> =
        receipts.iter().map(|r| r.unsubscribe_url.clone()).collect();
    assert_eq!(links.len(), 1, "one link per person and kind");
    let threads: std::collections::HashSet<_> = receipts.iter().map(|r| &r.reply_to).collect();
    assert_eq!(threads.len(), ids.len(), "a reply address per ticket");
    assert!(rows.iter().all(|r| r.kind != "new_ticket"));
}
