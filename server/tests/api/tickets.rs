//! Tickets: filing, following and working them, and who sees what of them.

use super::support::*;
use app::tickets::{Priority, Rating, Status, TicketDetail, TicketPage};
use reqwest::{Client, Method, StatusCode};
use serde_json::json;
use server::calendar::BusinessCalendar;
use time::OffsetDateTime;

async fn file(app: &TestApp, client: &Client, subject: &str) -> TicketDetail {
    let (status, ticket) = app
        .post_as(
            client,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": "It says **offline**.", "priority": "high",
                    "category": "Printing" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket:?}");
    ticket
}

fn kinds(ticket: &TicketDetail) -> Vec<&str> {
    ticket.timeline.iter().map(|e| e.kind.as_str()).collect()
}

#[tokio::test]
async fn a_requester_files_a_request_and_sees_it_as_new_with_a_friendly_number() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let ticket = file(&app, &rob, "Printer offline").await;

    assert!(ticket.summary.id > 1000);
    assert_eq!(ticket.summary.status, Status::New);
    assert_eq!(ticket.summary.priority, Priority::High);
    assert_eq!(ticket.summary.category, "Printing");
    assert_eq!(ticket.summary.org_name, "Acme Dental");
    assert_eq!(ticket.summary.requester_name, "Rob Requester");
    assert!(ticket.body_html.contains("<strong>offline</strong>"));
    assert_eq!(kinds(&ticket), ["created"]);
}

#[tokio::test]
async fn the_answer_to_filing_is_the_ticket_as_reading_it_back_shows_it() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    // Acme has SLA targets, so the answer carries due times too.
    let filed = file(&app, &rob, "Printer offline on the second floor").await;
    let (status, read) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{}", filed.summary.id))
        .await;

    assert_eq!(status, StatusCode::OK);
    assert!(filed.summary.first_response_due_at.is_some(), "{filed:?}");
    assert_eq!(filed, read);
}

#[tokio::test]
async fn the_category_defaults_to_other() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let (_, ticket) = app
        .post_as::<TicketDetail>(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": "S", "body": "B", "priority": "low" }),
        )
        .await;

    assert_eq!(ticket.summary.category, "Other");
}

#[tokio::test]
async fn bad_input_is_explained_per_field_and_nothing_is_saved() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let cases = [
        (
            json!({ "subject": "", "body": "B", "priority": "low" }),
            "subject",
        ),
        (
            json!({ "subject": "x".repeat(201), "body": "B", "priority": "low" }),
            "subject",
        ),
        (
            json!({ "subject": "S", "body": "x".repeat(2_000_000), "priority": "low" }),
            "body",
        ),
        (
            json!({ "subject": "S", "body": "B", "priority": "whenever" }),
            "priority",
        ),
        (
            json!({ "subject": "S", "body": "B", "priority": "low", "category": "Coffee" }),
            "category",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = app.post(&rob, "/api/v1/tickets", body).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::PAYLOAD_TOO_LARGE,
            "{field}: {status}"
        );
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(
                error["error"]["fields"][field].is_array(),
                "{field}: {error}"
            );
        }
    }
    let (_, page) = app.get_as::<TicketPage>(&rob, "/api/v1/tickets").await;
    assert_eq!(page.tickets.len(), 0);
}

#[tokio::test]
async fn colleagues_and_other_orgs_get_404_while_managers_and_staff_see_the_ticket() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Printer offline").await.summary.id;
    let path = format!("/api/v1/tickets/{id}");

    let colleague = app.signed_in("rita@acme.example").await;
    let other_manager = app.signed_in(BIRCH_MANAGER).await;
    let other_requester = app.signed_in(BIRCH_REQUESTER).await;
    for client in [&colleague, &other_manager, &other_requester] {
        let (status, body) = app.get(client, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error_code(&body), "not_found");
    }
    for who in [ACME_MANAGER, TECH, ADMIN] {
        let client = app.signed_in(who).await;
        assert_eq!(app.get(&client, &path).await.0, StatusCode::OK, "{who}");
    }
    let (_, colleague_list) = app
        .get_as::<TicketPage>(&colleague, "/api/v1/tickets")
        .await;
    assert_eq!(colleague_list.tickets.len(), 0);
    let (_, manager_list) = app
        .get_as::<TicketPage>(&app.signed_in(ACME_MANAGER).await, "/api/v1/tickets")
        .await;
    assert_eq!(manager_list.tickets.len(), 1);
    let (_, other_list) = app
        .get_as::<TicketPage>(&other_manager, "/api/v1/tickets")
        .await;
    assert_eq!(other_list.tickets.len(), 0);
}

#[tokio::test]
async fn internal_notes_reach_staff_and_never_the_requester_or_their_manager() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "VPN drops").await.summary.id;
    let tom = app.signed_in(TECH).await;

    let (status, staff_view) = app
        .post(
            &tom,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({ "body": "Secret: the firewall password is hunter2", "internal": true }),
        )
        .await;

    // The secret is looked for in the whole JSON text, fields the type may not know included.
    assert_eq!(status, StatusCode::CREATED);
    assert!(staff_view.to_string().contains("hunter2"));
    assert!(kinds(&typed(&staff_view)).contains(&"note"));
    for who in [&rob, &app.signed_in(ACME_MANAGER).await] {
        let (_, view) = app.get(who, &format!("/api/v1/tickets/{id}")).await;
        assert!(!view.to_string().contains("hunter2"), "{view}");
        assert!(!kinds(&typed(&view)).contains(&"note"));
        let (_, search) = app
            .get_as::<TicketPage>(who, "/api/v1/tickets?q=hunter2")
            .await;
        assert_eq!(search.tickets.len(), 0);
    }
    assert_eq!(
        app.get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{id}"))
            .await
            .1
            .summary
            .status,
        Status::New,
        "a note is no response"
    );
}

#[tokio::test]
async fn a_requester_cannot_write_internal_notes() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "VPN drops").await.summary.id;

    let (status, _) = app
        .post(
            &rob,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({ "body": "psst", "internal": true }),
        )
        .await;

    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_staff_reply_opens_a_new_ticket_and_a_requester_reply_reopens_a_pending_one() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Outlook crashes").await.summary.id;
    let tom = app.signed_in(TECH).await;
    let comments = format!("/api/v1/tickets/{id}/comments");

    let (_, ticket) = app
        .post_as::<TicketDetail>(&tom, &comments, json!({ "body": "Which version?" }))
        .await;
    assert_eq!(ticket.summary.status, Status::Open);
    let (_, ticket) = app
        .patch_as::<TicketDetail>(
            &tom,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "pending" }),
        )
        .await;
    assert_eq!(ticket.summary.status, Status::Pending);

    let (_, ticket) = app
        .post_as::<TicketDetail>(&rob, &comments, json!({ "body": "Version 2405." }))
        .await;

    assert_eq!(ticket.summary.status, Status::Open);
    assert_eq!(
        kinds(&ticket),
        [
            "created", "comment", "status", "assignee", "status", "comment", "status"
        ]
    );
    let last = ticket.timeline.last().unwrap();
    assert_eq!(
        (last.old_value.as_deref(), last.new_value.as_deref()),
        (Some("pending"), Some("open"))
    );
}

#[tokio::test]
async fn a_requester_resolves_reopens_and_rates_but_changes_nothing_else() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Screen flickers").await.summary.id;
    let path = format!("/api/v1/tickets/{id}");

    let (status, body) = app
        .send(&rob, Method::PATCH, &path, json!({ "priority": "urgent" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .send(&rob, Method::PATCH, &path, json!({ "status": "closed" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["status"].is_array());
    let (status, _) = app
        .post(&rob, &format!("{path}/rating"), json!({ "rating": "good" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not resolved yet");

    let (_, ticket) = app
        .patch_as::<TicketDetail>(&rob, &path, json!({ "status": "resolved" }))
        .await;
    assert_eq!(ticket.summary.status, Status::Resolved);
    let (status, ticket) = app
        .post_as::<TicketDetail>(
            &rob,
            &format!("{path}/rating"),
            json!({ "rating": "bad", "comment": "Took long" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ticket.rating, Some(Rating::Bad));
    assert_eq!(ticket.rating_comment.as_deref(), Some("Took long"));
    let (_, ticket) = app
        .patch_as::<TicketDetail>(&rob, &path, json!({ "status": "open" }))
        .await;
    assert_eq!(
        ticket.summary.status,
        Status::Open,
        "reopened within the window"
    );

    let tom = app.signed_in(TECH).await;
    let (status, _) = app
        .post(&tom, &format!("{path}/rating"), json!({ "rating": "good" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_ticket_past_a_one_day_reopen_window_says_one_day_not_one_days() {
    let app = spawn_with(|s| s.reopen_days = 1).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Resolved long ago").await.summary.id;
    let path = format!("/api/v1/tickets/{id}");
    app.patch_as::<TicketDetail>(&rob, &path, json!({ "status": "resolved" }))
        .await;
    let db = server::db::Db::open(&app.settings.database).await.unwrap();
    sqlx::query("update ticket set resolved_at = '2000-01-03T09:00:00.000Z' where id = ?")
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();

    let (status, body) = app
        .send(&rob, Method::PATCH, &path, json!({ "status": "open" }))
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string()
            .contains("A resolved ticket can be reopened for 1 day; please file a new request."),
        "{body}"
    );
}

#[tokio::test]
async fn staff_assign_to_technicians_only_and_the_requester_sees_who_is_on_it() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "New laptop").await.summary.id;
    let path = format!("/api/v1/tickets/{id}");
    let tom = app.signed_in(TECH).await;
    let mia = app.user_id(ACME_MANAGER).await;
    let tia = app.user_id("tia@provider.example").await;

    let (status, body) = app
        .send(&tom, Method::PATCH, &path, json!({ "assignee_id": mia }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["assignee"].is_array());

    let (status, ticket) = app
        .patch_as::<TicketDetail>(
            &tom,
            &path,
            json!({ "assignee_id": tia, "priority": "urgent", "category": "hardware" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket:?}");
    assert_eq!(
        ticket.summary.assignee_name.as_deref(),
        Some("Tia Technician")
    );
    assert_eq!(ticket.summary.priority, Priority::Urgent);
    assert_eq!(ticket.summary.category, "Hardware");

    let (_, seen) = app.get_as::<TicketDetail>(&rob, &path).await;
    assert_eq!(
        seen.summary.assignee_name.as_deref(),
        Some("Tia Technician")
    );
    let (_, ticket) = app
        .patch_as::<TicketDetail>(&tom, &path, json!({ "assignee_id": null }))
        .await;
    assert_eq!(ticket.summary.assignee_name, None);
}

#[tokio::test]
async fn a_technicians_public_reply_puts_an_unassigned_ticket_on_them_as_an_assignment_would() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Printer offline").await.summary.id;
    let tom = app.signed_in(TECH).await;
    let tom_id = app.user_id(TECH).await;
    let mut stream = super::events::Stream::open(&app, &rob, None).await;

    let (status, ticket) = app
        .post_as::<TicketDetail>(
            &tom,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({ "body": "Looking at it now." }),
        )
        .await;

    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(ticket.summary.assignee_id, Some(tom_id));
    assert_eq!(
        ticket.summary.assignee_name.as_deref(),
        Some("Tom Technician")
    );
    assert_eq!(kinds(&ticket), ["created", "comment", "status", "assignee"]);
    let entry = ticket.timeline.last().unwrap();
    assert_eq!(
        (entry.old_value.as_deref(), entry.new_value.as_deref()),
        (None, Some("Tom Technician"))
    );
    stream.expect("ticket.replied").await;
    let assigned = stream.expect("ticket.assigned").await;
    assert_eq!(assigned.data["assignee_id"], tom_id);
    assert_eq!(assigned.ticket_id, Some(id));
}

#[tokio::test]
async fn a_requesters_reply_and_a_technicians_internal_note_leave_a_ticket_unassigned() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Printer offline").await.summary.id;
    let tom = app.signed_in(TECH).await;
    let comments = format!("/api/v1/tickets/{id}/comments");

    let (_, after_reply) = app
        .post_as::<TicketDetail>(&rob, &comments, json!({ "body": "Still offline." }))
        .await;
    // A note is an aside between colleagues (asking someone else to look, say), not taking
    // the ticket on.
    let (_, after_note) = app
        .post_as::<TicketDetail>(
            &tom,
            &comments,
            json!({ "body": "Tia, is this your printer?", "internal": true }),
        )
        .await;

    assert_eq!(after_reply.summary.assignee_id, None);
    assert_eq!(after_note.summary.assignee_id, None);
    assert!(!kinds(&after_note).contains(&"assignee"));
}

#[tokio::test]
async fn resolving_an_unassigned_ticket_credits_the_technician_who_resolved_it() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Password reset").await.summary.id;
    let tom = app.signed_in(TECH).await;
    let tom_id = app.user_id(TECH).await;
    let mut stream = super::events::Stream::open(&app, &tom, None).await;

    let (status, ticket) = app
        .patch_as::<TicketDetail>(
            &tom,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "resolved" }),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{ticket:?}");
    assert_eq!(ticket.summary.status, Status::Resolved);
    assert_eq!(ticket.summary.assignee_id, Some(tom_id));
    assert_eq!(kinds(&ticket), ["created", "status", "assignee"]);
    let assigned = stream.expect("ticket.assigned").await;
    assert_eq!(
        (
            &assigned.data["assignee_id"],
            &assigned.data["status"],
            &assigned.data["from"]
        ),
        (&json!(tom_id), &json!("resolved"), &json!("new"))
    );
}

#[tokio::test]
async fn an_assigned_ticket_stays_with_its_assignee_when_someone_else_replies_or_resolves() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Monitor flickers").await.summary.id;
    let path = format!("/api/v1/tickets/{id}");
    let tom = app.signed_in(TECH).await;
    let tia = app.user_id("tia@provider.example").await;
    let (status, _) = app
        .send(&tom, Method::PATCH, &path, json!({ "assignee_id": tia }))
        .await;
    assert_eq!(status, StatusCode::OK);

    app.post_as::<TicketDetail>(&tom, &format!("{path}/comments"), json!({ "body": "Hi" }))
        .await;
    let (_, ticket) = app
        .patch_as::<TicketDetail>(&tom, &path, json!({ "status": "resolved" }))
        .await;

    assert_eq!(ticket.summary.status, Status::Resolved);
    assert_eq!(ticket.summary.assignee_id, Some(tia));
    assert_eq!(
        kinds(&ticket)
            .iter()
            .filter(|kind| **kind == "assignee")
            .count(),
        1,
        "only the assignment to Tia"
    );
}

#[tokio::test]
async fn a_requester_resolving_their_own_unassigned_ticket_assigns_nobody() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Fixed itself").await.summary.id;

    let (_, ticket) = app
        .patch_as::<TicketDetail>(
            &rob,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "resolved" }),
        )
        .await;

    assert_eq!(ticket.summary.status, Status::Resolved);
    assert_eq!(ticket.summary.assignee_id, None);
}

#[tokio::test]
async fn lists_page_by_cursor_without_gaps_or_repeats() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    for n in 0..5 {
        file(&app, &rob, &format!("Ticket {n}")).await;
    }

    let (_, first) = app
        .get_as::<TicketPage>(&rob, "/api/v1/tickets?limit=2")
        .await;
    let cursor = first.next_cursor.clone().unwrap();
    let (_, second) = app
        .get_as::<TicketPage>(&rob, &format!("/api/v1/tickets?limit=2&cursor={cursor}"))
        .await;
    let cursor = second.next_cursor.clone().unwrap();
    let (_, third) = app
        .get_as::<TicketPage>(&rob, &format!("/api/v1/tickets?limit=2&cursor={cursor}"))
        .await;

    let subjects: Vec<&str> = [&first, &second, &third]
        .iter()
        .flat_map(|p| &p.tickets)
        .map(|t| t.subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        ["Ticket 4", "Ticket 3", "Ticket 2", "Ticket 1", "Ticket 0"]
    );
    assert_eq!(third.next_cursor, None);
}

#[tokio::test]
async fn filters_by_status_and_search_and_rejects_nonsense_filters() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    file(&app, &rob, "Printer offline").await;
    let id = file(&app, &rob, "Wi-Fi slow").await.summary.id;
    app.send(
        &rob,
        Method::PATCH,
        &format!("/api/v1/tickets/{id}"),
        json!({ "status": "resolved" }),
    )
    .await;

    let (_, resolved) = app
        .get_as::<TicketPage>(&rob, "/api/v1/tickets?status=resolved")
        .await;
    let (_, search) = app
        .get_as::<TicketPage>(&rob, "/api/v1/tickets?q=printer")
        .await;
    let (status, bad) = app
        .get(&rob, "/api/v1/tickets?status=sleeping&limit=x")
        .await;

    assert_eq!(resolved.tickets[0].subject, "Wi-Fi slow");
    assert_eq!(resolved.tickets.len(), 1);
    assert_eq!(search.tickets[0].subject, "Printer offline");
    assert_eq!(search.tickets.len(), 1);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad["error"]["fields"]["status"].is_array() && bad["error"]["fields"]["limit"].is_array()
    );
}

#[tokio::test]
async fn a_manager_filtering_by_another_org_gets_404() {
    let app = spawn().await;
    let birch = app.org_id("Birch Accounting").await;
    let mia = app.signed_in(ACME_MANAGER).await;

    let (status, _) = app.get(&mia, &format!("/api/v1/tickets?org={birch}")).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_event_log_is_append_only() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    file(&app, &rob, "Printer offline").await;
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", app.settings.database.display()))
        .await
        .unwrap();

    let update = sqlx::query("update ticket_event set kind = 'forged'")
        .execute(&db)
        .await;
    let delete = sqlx::query("delete from ticket_event").execute(&db).await;

    assert!(update.is_err() && delete.is_err());
    let count: i64 = sqlx::query_scalar("select count(*) from ticket_event")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn unknown_tickets_and_malformed_numbers_are_404() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    for path in ["/api/v1/tickets/999999", "/api/v1/tickets/abc"] {
        let (status, body) = app.get(&tom, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        error_code(&body);
    }
}

#[tokio::test]
async fn resolved_tickets_close_by_themselves_after_the_waiting_period() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let resolved = file(&app, &rob, "Old issue").await.summary.id;
    let open = file(&app, &rob, "Still open").await.summary.id;
    app.send(
        &rob,
        Method::PATCH,
        &format!("/api/v1/tickets/{resolved}"),
        json!({ "status": "resolved" }),
    )
    .await;
    let state = server::state::AppState::new(&app.settings).await.unwrap();

    let kept = state
        .tickets
        .close_resolved(time::Duration::days(7))
        .await
        .unwrap();
    let closed = state
        .tickets
        .close_resolved(time::Duration::ZERO)
        .await
        .unwrap();

    assert_eq!((kept, closed), (0, 1));
    let (_, ticket) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{resolved}"))
        .await;
    assert_eq!(ticket.summary.status, Status::Closed);
    let last = ticket.timeline.last().unwrap();
    assert_eq!(last.actor_name, None, "closed by the system");
    assert_eq!(
        app.get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{open}"))
            .await
            .1
            .summary
            .status,
        Status::New
    );
    let (status, _) = app
        .send(
            &rob,
            Method::PATCH,
            &format!("/api/v1/tickets/{resolved}"),
            json!({ "status": "open" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a closed ticket stays closed"
    );
}

/// A due time as the business-hours clock counts it.
fn at(due: Option<OffsetDateTime>) -> jiff::Timestamp {
    let due = due.expect("a timestamp");
    jiff::Timestamp::from_nanosecond(due.unix_timestamp_nanos()).expect("in range")
}

#[tokio::test]
async fn due_times_follow_the_orgs_policy_in_business_hours_and_move_with_priority() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let office = app::tickets::settings::hours::BusinessHours::default_office();
    let (_, ticket) = app
        .post_as::<TicketDetail>(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": "Server down", "body": "B", "priority": "urgent" }),
        )
        .await;
    let ticket = ticket.summary;
    let id = ticket.id;
    let opened = at(Some(ticket.created_at));

    // Acme has the default policy: urgent 60 / 240 business minutes, Mon–Fri 09–17 UTC.
    let first = office.business_minutes_between(opened, at(ticket.first_response_due_at));
    let resolve = office.business_minutes_between(opened, at(ticket.resolution_due_at));
    assert_eq!((first, resolve), (60, 240));
    assert!(!ticket.sla_breached);

    let tom = app.signed_in(TECH).await;
    let (_, lowered) = app
        .patch_as::<TicketDetail>(
            &tom,
            &format!("/api/v1/tickets/{id}"),
            json!({ "priority": "low" }),
        )
        .await;
    let lowered = lowered.summary;
    let first = office.business_minutes_between(opened, at(lowered.first_response_due_at));
    let resolve = office.business_minutes_between(opened, at(lowered.resolution_due_at));
    assert_eq!((first, resolve), (960, 4800));
}

#[tokio::test]
async fn a_ticket_knows_when_it_breached() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Late one").await.summary.id;
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", app.settings.database.display()))
        .await
        .unwrap();
    sqlx::query(
        "update ticket set first_response_due_at = '2020-01-01T00:00:00.000Z' where id = ?",
    )
    .bind(id)
    .execute(&db)
    .await
    .unwrap();

    let (_, ticket) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{id}"))
        .await;

    assert!(ticket.summary.sla_breached);
}

#[tokio::test]
async fn an_empty_change_changes_nothing_and_logs_nothing() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let before = file(&app, &rob, "Quiet one").await;
    let id = before.summary.id;
    let tom = app.signed_in(TECH).await;

    let (status, after) = app
        .patch_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{id}"), json!({}))
        .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        after.summary.last_activity_at,
        before.summary.last_activity_at
    );
    assert_eq!(kinds(&after), ["created"]);
}

#[tokio::test]
async fn with_sharing_on_a_colleague_reads_a_ticket_but_only_its_requester_and_manager_act() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
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
    let rob = app.signed_in(ACME_REQUESTER).await;
    let rita = app.signed_in("rita@acme.example").await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let id = file(&app, &rob, "Scanner jams").await.summary.id;
    let path = format!("/api/v1/tickets/{id}");

    let (read, _) = app.get(&rita, &path).await;
    let (reply, body) = app
        .post(
            &rita,
            &format!("{path}/comments"),
            json!({ "body": "Same here", "internal": false }),
        )
        .await;
    let (resolve, _) = app
        .send(&rita, Method::PATCH, &path, json!({ "status": "resolved" }))
        .await;
    let (managers_reply, _) = app
        .post(
            &mia,
            &format!("{path}/comments"),
            json!({ "body": "On it", "internal": false }),
        )
        .await;
    let (robs_resolve, _) = app
        .send(&rob, Method::PATCH, &path, json!({ "status": "resolved" }))
        .await;
    let (rate, _) = app
        .post(&rita, &format!("{path}/rating"), json!({ "rating": "bad" }))
        .await;
    let (robs_rate, _) = app
        .post(&rob, &format!("{path}/rating"), json!({ "rating": "good" }))
        .await;
    let (_, ticket) = app.get_as::<TicketDetail>(&rob, &path).await;

    assert_eq!(read, StatusCode::OK, "sharing lets her see it");
    assert_eq!(reply, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    assert_eq!(resolve, StatusCode::FORBIDDEN);
    assert_eq!(rate, StatusCode::FORBIDDEN);
    assert_eq!(managers_reply, StatusCode::CREATED);
    assert_eq!(robs_resolve, StatusCode::OK);
    assert_eq!(robs_rate, StatusCode::OK);
    assert_eq!(
        ticket.rating,
        Some(Rating::Good),
        "Rita's rating was not kept"
    );
    assert!(
        !ticket.timeline.iter().any(|e| e
            .body_html
            .as_deref()
            .is_some_and(|h| h.contains("Same here"))),
        "{:?}",
        ticket.timeline
    );
}

#[tokio::test]
async fn internal_notes_and_files_never_move_the_last_update_the_client_sees() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let tom = app.signed_in(TECH).await;
    let older = file(&app, &rob, "Older request").await.summary;
    let newer = file(&app, &rob, "Newer request").await.summary;
    let path = format!("/api/v1/tickets/{}", older.id);

    let (status, _) = app
        .post(
            &tom,
            &format!("{path}/comments"),
            json!({ "body": "Requester is VIP", "internal": true }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"quote".to_vec()).file_name("quote.txt"),
        )
        .text("internal", "true");
    let res = tom
        .post(app.url(&format!("{path}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    let (_, robs) = app.get_as::<TicketDetail>(&rob, &path).await;
    let (_, toms) = app.get_as::<TicketDetail>(&tom, &path).await;
    let (_, robs_list) = app.get_as::<TicketPage>(&rob, "/api/v1/tickets").await;
    let (_, mias_list) = app.get_as::<TicketPage>(&mia, "/api/v1/tickets").await;
    let (_, toms_list) = app
        .get_as::<TicketPage>(&tom, &format!("/api/v1/tickets?org={}", older.org_id))
        .await;
    let order = |page: &TicketPage| page.tickets.iter().map(|t| t.id).collect::<Vec<_>>();

    assert_eq!(robs.summary.last_activity_at, older.last_activity_at);
    assert!(toms.summary.last_activity_at > older.last_activity_at);
    for (who, page) in [("rob", &robs_list), ("mia", &mias_list)] {
        assert_eq!(
            order(page),
            [newer.id, older.id],
            "{who}'s order is unmoved"
        );
        assert_eq!(page.tickets[1].last_activity_at, older.last_activity_at);
    }
    assert_eq!(
        order(&toms_list),
        [older.id, newer.id],
        "staff see the true order"
    );

    // A public reply is activity the client sees.
    let (status, _) = app
        .post(
            &tom,
            &format!("{path}/comments"),
            json!({ "body": "Looking into it", "internal": false }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, robs) = app.get_as::<TicketDetail>(&rob, &path).await;
    let (_, robs_list) = app.get_as::<TicketPage>(&rob, "/api/v1/tickets").await;
    assert!(robs.summary.last_activity_at > toms.summary.last_activity_at);
    assert_eq!(order(&robs_list), [older.id, newer.id]);
}

#[tokio::test]
async fn with_the_team_setting_off_replying_and_resolving_leave_a_ticket_unassigned() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Printer offline").await.summary.id;
    let tom = app.signed_in(TECH).await;
    let ada = app.signed_in(ADMIN).await;
    let setting = "/api/v1/settings/assignment";
    let (status, on) = app.get(&ada, setting).await;
    assert_eq!(
        (status, &on["assign_on_work"]),
        (StatusCode::OK, &json!(true))
    );

    let (status, off) = app
        .send(
            &ada,
            Method::PUT,
            setting,
            json!({ "assign_on_work": false }),
        )
        .await;
    let (_, replied) = app
        .post_as::<TicketDetail>(
            &tom,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({ "body": "Looking at it now." }),
        )
        .await;
    let (_, resolved) = app
        .patch_as::<TicketDetail>(
            &tom,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "resolved" }),
        )
        .await;

    assert_eq!(
        (status, &off["assign_on_work"]),
        (StatusCode::OK, &json!(false))
    );
    assert_eq!(replied.summary.assignee_id, None);
    assert_eq!(resolved.summary.status, Status::Resolved);
    assert_eq!(resolved.summary.assignee_id, None);
    assert!(!kinds(&resolved).contains(&"assignee"));
}

#[tokio::test]
async fn only_admins_read_or_change_the_assignment_setting() {
    let app = spawn().await;
    let setting = "/api/v1/settings/assignment";
    for email in [TECH, ACME_MANAGER, ACME_REQUESTER] {
        let client = app.signed_in(email).await;
        let (status, _) = app.get(&client, setting).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email} reads");
        let (status, _) = app
            .send(
                &client,
                Method::PUT,
                setting,
                json!({ "assign_on_work": false }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email} writes");
    }
    let ada = app.signed_in(ADMIN).await;
    let (_, now) = app.get(&ada, setting).await;
    assert_eq!(now["assign_on_work"], json!(true));
}

/// An article Tom writes for the resolve tests; its address.
async fn scanner_article(app: &TestApp, tom: &Client) -> String {
    let (status, article) = app
        .post(
            tom,
            "/api/v1/articles",
            json!({ "slug": "scanner-offline", "title": "Scanner shows offline",
                    "body": "Check the cable.", "visibility": "internal", "tags": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    article["slug"].as_str().unwrap().to_string()
}

/// Sends the staff form's fields to the update server function as the page's script does.
async fn update_form(
    app: &TestApp,
    client: &Client,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    use leptos::server_fn::ServerFn;
    let res = client
        .post(app.url(app::tickets::view::UpdateTicket::PATH))
        .form(form)
        .send()
        .await
        .expect("an answer");
    (res.status(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn resolving_with_what_fixed_it_adds_the_fix_to_the_chosen_article() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Scanner offline").await.summary.id;
    let tom = app.signed_in(TECH).await;
    let slug = scanner_article(&app, &tom).await;
    let id_text = id.to_string();

    let (status, body) = update_form(
        &app,
        &tom,
        &[
            ("id", &id_text),
            ("status", "resolved"),
            ("fix", "Reinstalled the TWAIN driver."),
            ("fix_article", &slug),
        ],
    )
    .await;

    assert!(status.is_success(), "{status} {body}");
    let (_, ticket) = app
        .get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{id}"))
        .await;
    assert_eq!(ticket.summary.status, Status::Resolved);
    let (_, article) = app.get(&tom, &format!("/api/v1/articles/{slug}")).await;
    let text = article["body"].as_str().unwrap();
    assert!(text.starts_with("Check the cable."), "{text}");
    assert!(text.contains("Reinstalled the TWAIN driver."), "{text}");
    let (_, linked) = app
        .get(&tom, &format!("/api/v1/tickets/{id}/articles"))
        .await;
    assert!(linked.to_string().contains(&slug), "{linked}");
}

#[tokio::test]
async fn a_new_draft_near_an_existing_articles_title_waits_for_a_second_yes() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Scanner offline").await.summary.id;
    let tom = app.signed_in(TECH).await;
    scanner_article(&app, &tom).await;
    let id_text = id.to_string();
    let form = [
        ("id", id_text.as_str()),
        ("status", "resolved"),
        ("fix", "Reinstalled the TWAIN driver."),
        ("fix_article", "new"),
    ];

    let (status, body) = update_form(&app, &tom, &form).await;
    let (_, unchanged) = app
        .get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{id}"))
        .await;
    let mut anyway = form.to_vec();
    anyway.push(("fix_new_anyway", "on"));
    let (second, _) = update_form(&app, &tom, &anyway).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("fix_article") && body.contains("Scanner shows offline"),
        "{body}"
    );
    assert_eq!(unchanged.summary.status, Status::New, "nothing saved");
    assert!(second.is_success());
    let (_, linked) = app
        .get(&tom, &format!("/api/v1/tickets/{id}/articles"))
        .await;
    assert!(linked.to_string().contains("resolved_with"), "{linked}");
}

#[tokio::test]
async fn the_client_never_sees_or_saves_what_fixed_it() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Scanner offline").await.summary.id;
    let tom = app.signed_in(TECH).await;
    scanner_article(&app, &tom).await;
    let id_text = id.to_string();

    let staff_page = app.page_text(&tom, &format!("/tickets/{id}")).await;
    let requester_page = app.page_text(&rob, &format!("/tickets/{id}")).await;
    let (status, _) = update_form(
        &app,
        &rob,
        &[
            ("id", &id_text),
            ("status", "resolved"),
            ("fix", "It fixed itself."),
        ],
    )
    .await;

    assert!(staff_page.contains("What fixed it?"));
    assert!(
        staff_page.contains("Add to “Scanner shows offline”"),
        "the near article"
    );
    assert!(!requester_page.contains("What fixed it?"));
    assert!(!requester_page.contains("Scanner shows offline"));
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, ticket) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{id}"))
        .await;
    assert_eq!(ticket.summary.status, Status::New);
}
