//! The queue: filters, sorting with cursors, full-text search, saved views and bulk changes,
//! and that none of them shows a requester more than a read would.

use super::support::*;
use app::tickets::{SavedView, Status, TicketDetail, TicketPage};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

async fn file(app: &TestApp, client: &Client, subject: &str, body: &str, priority: &str) -> i64 {
    let (status, ticket) = app
        .post_as::<TicketDetail>(
            client,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": body, "priority": priority,
                    "category": "Printing" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket:?}");
    ticket.summary.id
}

async fn list(app: &TestApp, client: &Client, query: &str) -> Vec<i64> {
    let (status, page) = app
        .get_as::<TicketPage>(client, &format!("/api/v1/tickets?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {page:?}");
    ids(&page)
}

fn ids(page: &TicketPage) -> Vec<i64> {
    page.tickets.iter().map(|t| t.id).collect()
}

async fn patch(app: &TestApp, client: &Client, id: i64, body: Value) {
    let (status, ticket) = app
        .send(
            client,
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            body,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
}

#[tokio::test]
async fn filters_combine_status_priority_assignee_and_organization() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let urgent = file(&app, &rob, "Server down", "All of it.", "urgent").await;
    let mine = file(&app, &rob, "Mouse", "Squeaks.", "low").await;
    let closed = file(&app, &rob, "Old", "Done.", "urgent").await;
    let birch = file(&app, &bea, "Ledger", "Slow.", "urgent").await;
    patch(
        &app,
        &tom,
        mine,
        json!({ "assignee_id": app.user_id(TECH).await }),
    )
    .await;
    patch(&app, &tom, closed, json!({ "status": "closed" })).await;
    let acme = app.org_id("Acme Dental").await;

    let unassigned_urgent = list(&app, &tom, "status=active&priority=urgent&assignee=none").await;
    let mine_only = list(&app, &tom, "assignee=me").await;
    let acme_urgent = list(&app, &tom, &format!("priority=urgent&org={acme}")).await;

    assert_eq!(unassigned_urgent, [birch, urgent]);
    assert_eq!(mine_only, [mine]);
    assert_eq!(acme_urgent, [closed, urgent]);
}

#[tokio::test]
async fn every_sort_pages_through_each_ticket_exactly_once_in_order() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let subjects = ["delta", "Alpha", "charlie", "Bravo", "echo", "alpha"];
    let mut filed = Vec::new();
    for (i, subject) in subjects.iter().enumerate() {
        let priority = ["low", "normal", "high", "urgent"][i % 4];
        filed.push(file(&app, &rob, subject, "x", priority).await);
    }

    for sort in [
        "subject",
        "priority",
        "number",
        "due",
        "status",
        "requester",
        "updated",
    ] {
        for dir in ["asc", "desc"] {
            let mut seen = Vec::new();
            let mut cursor = String::new();
            loop {
                let (status, page) = app
                    .get_as::<TicketPage>(
                        &tom,
                        &format!("/api/v1/tickets?sort={sort}&dir={dir}&limit=4&cursor={cursor}"),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{page:?}");
                seen.extend(ids(&page));
                match page.next_cursor {
                    Some(next) => cursor = next,
                    None => break,
                }
            }
            let all = list(&app, &tom, &format!("sort={sort}&dir={dir}&limit=200")).await;
            let mut sorted = seen.clone();
            sorted.sort();
            let mut expected = filed.clone();
            expected.sort();
            assert_eq!(sorted, expected, "{sort} {dir}: each ticket once");
            assert_eq!(seen, all, "{sort} {dir}: pages follow the one-page order");
        }
    }
    let by_subject = list(&app, &tom, "sort=subject&dir=asc").await;
    let names: Vec<&str> = by_subject
        .iter()
        .map(|id| subjects[filed.iter().position(|f| f == id).unwrap()])
        .collect();
    assert_eq!(
        names,
        ["Alpha", "alpha", "Bravo", "charlie", "delta", "echo"]
    );
}

#[tokio::test]
async fn a_cursor_from_another_sort_is_refused_with_a_clear_error() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    for subject in ["a", "b", "c"] {
        file(&app, &rob, subject, "x", "low").await;
    }
    let (_, page) = app
        .get_as::<TicketPage>(&rob, "/api/v1/tickets?sort=subject&limit=1")
        .await;
    let cursor = page.next_cursor.unwrap();

    let (status, body) = app
        .get(
            &rob,
            &format!("/api/v1/tickets?sort=number&cursor={cursor}"),
        )
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "invalid");
    assert!(body["error"]["fields"]["cursor"].is_array(), "{body}");
}

#[tokio::test]
async fn bad_filter_values_are_named_in_the_error() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;

    let (status, body) = app
        .get(
            &tom,
            "/api/v1/tickets?status=lost&sla=late&sort=colour&assignee=you",
        )
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["status", "sla", "sort", "assignee"] {
        assert!(body["error"]["fields"][field].is_array(), "{field}: {body}");
    }
}

#[tokio::test]
async fn search_finds_stemmed_words_in_the_conversation_and_ticket_numbers() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let printer = file(
        &app,
        &rob,
        "Printer offline",
        "The printer on floor 2.",
        "high",
    )
    .await;
    let vpn = file(&app, &rob, "VPN", "Cannot connect from home.", "normal").await;
    app.post(
        &tom,
        &format!("/api/v1/tickets/{vpn}/comments"),
        json!({ "body": "Please reinstall the certificates." }),
    )
    .await;

    assert_eq!(list(&app, &tom, "q=printing").await, [printer]);
    assert_eq!(list(&app, &rob, "q=certificate").await, [vpn]);
    assert_eq!(
        list(&app, &tom, "q=prin").await,
        [printer],
        "prefixes match"
    );
    assert_eq!(list(&app, &tom, &format!("q=%23{vpn}")).await, [vpn]);
    assert_eq!(list(&app, &tom, "q=%22*%3A()").await, Vec::<i64>::new());
}

#[tokio::test]
async fn internal_notes_are_searchable_by_staff_only() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Laptop slow", "Very slow.", "normal").await;
    let (status, _) = app
        .post(
            &tom,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({ "body": "Suspect the xylophone driver.", "internal": true }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    assert_eq!(list(&app, &tom, "q=xylophone").await, [id]);
    assert_eq!(list(&app, &rob, "q=xylophone").await, Vec::<i64>::new());
    assert_eq!(list(&app, &mia, "q=xylophone").await, Vec::<i64>::new());
}

#[tokio::test]
async fn search_and_filters_never_reach_past_the_callers_scope() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let rita = app.signed_in("rita@acme.example").await;
    file(&app, &bea, "Scanner jammed", "Birch scanner.", "urgent").await;
    file(&app, &rita, "Scanner noisy", "Rita's scanner.", "urgent").await;
    let birch = app.org_id("Birch Accounting").await;

    assert_eq!(list(&app, &rob, "q=scanner").await, Vec::<i64>::new());
    assert_eq!(
        list(&app, &rob, "priority=urgent&sla=ok").await,
        Vec::<i64>::new()
    );
    let (status, _) = app.get(&rob, &format!("/api/v1/tickets?org={birch}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_sla_filter_tells_breached_from_due_soon_from_on_track() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let breached = file(&app, &rob, "Late", "x", "normal").await;
    let soon = file(&app, &rob, "Soon", "x", "normal").await;
    let fine = file(&app, &rob, "Fine", "x", "normal").await;
    // Due times written straight to the database, so the test does not depend on the clock
    // falling inside business hours.
    let db = server::db::Db::open(&app.settings.database).await.unwrap();
    let at = |minutes: i64| {
        server::db::timestamp(time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes))
    };
    for (id, due) in [(breached, at(-30)), (soon, at(60)), (fine, at(60 * 24))] {
        sqlx::query(
            "update ticket set first_response_due_at = ?, resolution_due_at = ? where id = ?",
        )
        .bind(&due)
        .bind(at(60 * 48))
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();
    }

    assert_eq!(list(&app, &tom, "sla=breached").await, [breached]);
    assert_eq!(list(&app, &tom, "sla=due_soon").await, [soon]);
    assert_eq!(list(&app, &tom, "sla=ok").await, [fine]);
    assert_eq!(
        list(&app, &tom, "status=active&sort=due").await,
        [breached, soon, fine]
    );
}

#[tokio::test]
async fn a_technician_saves_a_view_and_sees_its_count_beside_the_built_in_ones() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    file(&app, &rob, "One", "x", "urgent").await;
    file(&app, &rob, "Two", "x", "urgent").await;
    file(&app, &rob, "Three", "x", "low").await;

    let (status, saved) = app
        .post_as::<SavedView>(
            &tom,
            "/api/v1/views",
            json!({ "name": "Urgent work", "query": "status=active&priority=urgent&cursor=x" }),
        )
        .await;
    let (_, views) = app.get_as::<Vec<SavedView>>(&tom, "/api/v1/views").await;

    assert_eq!(status, StatusCode::CREATED, "{saved:?}");
    assert_eq!(saved.count, 2);
    assert_eq!(
        saved.query, "status=active&priority=urgent",
        "no page in a view"
    );
    let count_of = |name: &str| views.iter().find(|v| v.name == name).map(|v| v.count);
    assert_eq!(count_of("Unassigned"), Some(3));
    assert_eq!(count_of("Unassigned urgent"), Some(2));
    assert_eq!(count_of("Mine"), Some(0));
    assert_eq!(count_of("Urgent work"), Some(2));
}

#[tokio::test]
async fn views_are_each_technicians_own_and_not_for_the_clients_people() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in("tia@provider.example").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (_, saved) = app
        .post(
            &tom,
            "/api/v1/views",
            json!({ "name": "Mine", "query": "assignee=me" }),
        )
        .await;
    assert_eq!(error_code(&saved), "invalid", "a built-in name is taken");
    let (_, saved) = app
        .post_as::<SavedView>(
            &tom,
            "/api/v1/views",
            json!({ "name": "Tom's", "query": "assignee=me" }),
        )
        .await;
    let id = saved.id.unwrap();

    let (tia_deletes, _) = app
        .send(
            &tia,
            Method::DELETE,
            &format!("/api/v1/views/{id}"),
            Value::Null,
        )
        .await;
    let (_, tia_views) = app.get_as::<Vec<SavedView>>(&tia, "/api/v1/views").await;
    let (rob_lists, _) = app.get(&rob, "/api/v1/views").await;
    let (rob_saves, _) = app
        .post(&rob, "/api/v1/views", json!({ "name": "x", "query": "" }))
        .await;
    let (bad_query, body) = app
        .post(
            &tom,
            "/api/v1/views",
            json!({ "name": "Odd", "query": "status=lost" }),
        )
        .await;
    let (tom_deletes, _) = app
        .send(
            &tom,
            Method::DELETE,
            &format!("/api/v1/views/{id}"),
            Value::Null,
        )
        .await;

    assert_eq!(tia_deletes, StatusCode::NOT_FOUND);
    assert!(
        !tia_views.iter().any(|v| v.name == "Tom's"),
        "{tia_views:?}"
    );
    assert_eq!(rob_lists, StatusCode::FORBIDDEN);
    assert_eq!(rob_saves, StatusCode::FORBIDDEN);
    assert_eq!(bad_query, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(tom_deletes, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_bulk_assignment_changes_every_selected_ticket_and_logs_each() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tom_id = app.user_id(TECH).await;
    let a = file(&app, &rob, "A", "x", "low").await;
    let b = file(&app, &rob, "B", "x", "low").await;

    let (status, body) = app
        .post(
            &tom,
            "/api/v1/tickets/bulk",
            json!({ "ids": [a, b], "assignee_id": tom_id }),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["updated"], 2);
    for id in [a, b] {
        let (_, ticket) = app
            .get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{id}"))
            .await;
        assert_eq!(ticket.summary.assignee_id, Some(tom_id));
        assert!(
            ticket.timeline.iter().any(|e| e.kind == "assignee"),
            "{ticket:?}"
        );
    }
}

#[tokio::test]
async fn a_bulk_change_with_one_bad_ticket_changes_none() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let a = file(&app, &rob, "A", "x", "low").await;

    let (missing, _) = app
        .post(
            &tom,
            "/api/v1/tickets/bulk",
            json!({ "ids": [a, 999_999], "status": "pending" }),
        )
        .await;
    let (bad_priority, _) = app
        .post(
            &tom,
            "/api/v1/tickets/bulk",
            json!({ "ids": [a], "priority": "asap" }),
        )
        .await;
    let (empty, _) = app
        .post(
            &tom,
            "/api/v1/tickets/bulk",
            json!({ "ids": [], "status": "open" }),
        )
        .await;
    let (requester, _) = app
        .post(
            &rob,
            "/api/v1/tickets/bulk",
            json!({ "ids": [a], "status": "resolved" }),
        )
        .await;
    let (_, ticket) = app
        .get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{a}"))
        .await;

    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert_eq!(bad_priority, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(requester, StatusCode::FORBIDDEN);
    assert_eq!(ticket.summary.status, Status::New, "nothing changed");
}

#[tokio::test]
async fn the_queue_page_lists_tickets_for_staff_with_filters_and_views() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    file(&app, &rob, "Toner low", "Cyan.", "urgent").await;
    file(&app, &rob, "Monitor flicker", "Left one.", "low").await;

    let page = tom
        .get(app.url("/tickets?priority=urgent"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rob_page = rob
        .get(app.url("/tickets"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(page.contains("Toner low"), "{page}");
    assert!(!page.contains("Monitor flicker"));
    assert!(page.contains("Unassigned urgent"));
    assert!(page.contains("sort=subject"), "columns sort");
    assert!(
        !rob_page.contains("Unassigned urgent"),
        "requesters get their list"
    );
    assert!(rob_page.contains("Toner low"));
}
