//! Each role's home page: an employee's open requests with where each stands (never an
//! internal note), the provider's desk (their tickets by the next target due, what others did
//! since they last looked, marked seen over REST and by a form without JavaScript), and an
//! office manager's month, which agrees with the report it links to.

use super::notifications::{file, patch, reply};
use super::support::*;
use app::home::{Home, MonthGlance};
use app::reports::Workload;
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode};
use serde_json::json;

async fn home(app: &TestApp, client: &Client) -> Home {
    let (status, home) = app.get_as::<Home>(client, "/api/v1/home").await;
    assert_eq!(status, StatusCode::OK);
    home
}

#[tokio::test]
async fn an_employee_sees_where_each_open_request_stands_and_never_an_internal_note() {
    // Arrange: Rob's request, answered by Tom in public and then in a note.
    let app = spawn().await;
    let (rob, tom) = (
        app.signed_in(ACME_REQUESTER).await,
        app.signed_in(TECH).await,
    );
    let printer = file(&app, &rob, "Home printer jams", "normal").await;
    let resolved = file(&app, &rob, "Home mouse missing", "low").await;
    reply(&app, &tom, printer, "Try turning it off and on.", false).await;
    reply(&app, &tom, printer, "Probably the fuser.", true).await;
    patch(&app, &tom, resolved, json!({ "status": "resolved" })).await;

    // Act
    let before = home(&app, &rob).await;

    // Assert: the public reply is the latest he may know of; the resolved request is gone.
    assert!(before.desk.is_none() && before.month.is_none());
    let requests = before.requests.expect("an employee's own requests");
    let standing = requests
        .open
        .iter()
        .find(|s| s.ticket.id == printer)
        .expect("the open request is listed");
    let latest = standing.latest.as_ref().expect("something happened on it");
    assert_eq!(latest.kind, "comment");
    assert!(!latest.internal);
    assert!(latest.actor_is_staff);
    assert!(!standing.latest_by_caller);
    assert!(requests.open.iter().all(|s| s.ticket.id != resolved));
    let rob_id = app.user_id(ACME_REQUESTER).await;
    assert!(
        requests
            .open
            .iter()
            .all(|s| s.ticket.requester_id == rob_id)
    );

    // Act 2: Rob answers.
    reply(&app, &rob, printer, "Still jammed.", false).await;
    let after = home(&app, &rob).await.requests.unwrap();

    // Assert 2: his own reply is the latest, and his request comes first.
    assert_eq!(after.open[0].ticket.id, printer);
    assert!(after.open[0].latest_by_caller);

    // And nobody of another organization, nor a colleague, sees it on their home.
    for other in [BIRCH_REQUESTER, BIRCH_MANAGER] {
        let theirs = home(&app, &app.signed_in(other).await).await;
        let open = theirs.requests.expect("their own requests").open;
        assert!(open.iter().all(|s| s.ticket.id != printer), "{other}");
    }
}

#[tokio::test]
async fn the_employees_home_page_opens_with_the_search_and_their_requests_without_javascript() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let printer = file(&app, &rob, "Printer on floor 2 jams", "normal").await;
    reply(&app, &tom, printer, "On my way.", false).await;
    reply(&app, &tom, printer, "zqxnoteonhome", true).await;

    let page = app.page_text(&rob, "/").await;

    assert!(page.contains("What do you need help with?"), "{page}");
    assert!(page.contains(r#"action="/wiki""#) && page.contains(r#"name="q""#));
    assert!(page.contains("Your open requests"));
    assert!(page.contains(&format!("#{printer} Printer on floor 2 jams")));
    assert!(page.contains("replied"));
    assert!(!page.contains("zqxnoteonhome"));
    assert!(!page.contains("Since you last looked"));
}

#[tokio::test]
async fn a_technicians_desk_lists_their_tickets_next_due_first_and_what_others_did_since_they_looked()
 {
    // Arrange: two of Rob's requests on Tom's desk, the urgent one due first.
    let app = spawn().await;
    let (rob, tom) = (
        app.signed_in(ACME_REQUESTER).await,
        app.signed_in(TECH).await,
    );
    let tom_id = app.user_id(TECH).await;
    let low = file(&app, &rob, "Desk low", "low").await;
    let urgent = file(&app, &rob, "Desk urgent", "urgent").await;
    for id in [low, urgent] {
        patch(&app, &tom, id, json!({ "assignee_id": tom_id })).await;
    }
    reply(&app, &rob, low, "Any news?", false).await;

    // Act
    let desk = home(&app, &tom).await.desk.expect("staff have a desk");

    // Assert: both are his, the urgent one first; the queue's counts are there.
    let mine: Vec<i64> = desk.mine.iter().map(|t| t.id).collect();
    let (u, l) = (
        mine.iter()
            .position(|id| *id == urgent)
            .expect("urgent is listed"),
        mine.iter()
            .position(|id| *id == low)
            .expect("low is listed"),
    );
    assert!(u < l, "{mine:?}");
    assert!(desk.mine.iter().all(|t| t.assignee_id == Some(tom_id)));
    let names: Vec<&str> = desk.views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Open work",
            "Unassigned",
            "Unassigned urgent",
            "Mine",
            "SLA breached"
        ]
    );
    let mine_count = desk.views.iter().find(|v| v.name == "Mine").unwrap().count;
    assert!(mine_count >= 2);
    // Rob's reply is news; Tom's own assignments are not.
    let reply_change = desk
        .changes
        .iter()
        .find(|c| c.ticket_id == low && c.entry.kind == "comment")
        .expect("Rob's reply is listed");
    assert_eq!(
        reply_change.entry.actor_name.as_deref(),
        Some("Rob Requester")
    );
    assert!(desk.changes.iter().all(|c| c.entry.kind != "assignee"));

    // Act 2: Tom marks it seen; then Rob writes again.
    let through = desk.changes.iter().map(|c| c.entry.id).max().unwrap();
    let (status, body) = app
        .post(&tom, "/api/v1/home/seen", json!({ "through": through }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let seen = home(&app, &tom).await.desk.unwrap();
    reply(&app, &rob, urgent, "It is getting worse.", false).await;
    let later = home(&app, &tom).await.desk.unwrap();

    // Assert 2: nothing is new until Rob's second reply, which alone is listed.
    assert!(seen.changes.is_empty(), "{:?}", seen.changes);
    assert!(seen.since > desk.since);
    assert!(
        later.changes.iter().all(|c| c.entry.id > through),
        "{:?}",
        later.changes
    );
    assert!(
        later
            .changes
            .iter()
            .any(|c| c.ticket_id == urgent && c.entry.kind == "comment")
    );
}

#[tokio::test]
async fn marking_seen_never_hides_what_comes_later_and_refuses_nonsense() {
    let app = spawn().await;
    let (rob, tom) = (
        app.signed_in(ACME_REQUESTER).await,
        app.signed_in(TECH).await,
    );
    let tom_id = app.user_id(TECH).await;
    let id = file(&app, &rob, "Seen later", "normal").await;
    patch(&app, &tom, id, json!({ "assignee_id": tom_id })).await;

    // A mark far beyond the newest event stops at it.
    let (status, _) = app
        .post(&tom, "/api/v1/home/seen", json!({ "through": i64::MAX }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    reply(&app, &rob, id, "After the mark.", false).await;
    let desk = home(&app, &tom).await.desk.unwrap();
    assert!(
        desk.changes.iter().any(|c| c.entry.kind == "comment"),
        "{:?}",
        desk.changes
    );
    assert!(desk.changes.iter().all(|c| c.entry.kind != "assignee"));

    // An older mark does not bring back what was marked seen.
    let (status, _) = app
        .post(&tom, "/api/v1/home/seen", json!({ "through": 0 }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(home(&app, &tom).await.desk.unwrap().changes, desk.changes);

    // Nonsense is refused at the field; the client's people have no desk to mark.
    let (status, body) = app
        .post(&tom, "/api/v1/home/seen", json!({ "through": -1 }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("through"), "{body}");
    let (status, _) = app
        .post(&rob, "/api/v1/home/seen", json!({ "through": 1 }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn without_javascript_the_desk_is_marked_seen_by_its_form() {
    let app = spawn().await;
    let (rob, tom) = (
        app.signed_in(ACME_REQUESTER).await,
        app.signed_in(TECH).await,
    );
    let tom_id = app.user_id(TECH).await;
    let id = file(&app, &rob, "Form marked", "normal").await;
    patch(&app, &tom, id, json!({ "assignee_id": tom_id })).await;
    reply(&app, &rob, id, "zqxformreply", false).await;
    let page = app.page_text(&tom, "/").await;
    assert!(page.contains("Since you last looked") && page.contains("Mark all as seen"));
    assert!(page.contains(&format!("#{id} Form marked")));
    let through = home(&app, &tom).await.desk.unwrap().changes[0].entry.id;

    let res = app
        .post_form(
            &tom,
            app::home::desk::MarkDeskSeen::PATH,
            "/",
            &[("through", &through.to_string())],
        )
        .await;

    assert_eq!(res.status(), StatusCode::FOUND);
    let page = app.page_text(&tom, "/").await;
    assert!(page.contains("Nothing new on your tickets since"), "{page}");
}

#[tokio::test]
async fn a_managers_month_agrees_with_the_report_it_links_to() {
    // Arrange: a request filed this month at Acme.
    let app = spawn().await;
    let (rob, mia) = (
        app.signed_in(ACME_REQUESTER).await,
        app.signed_in(ACME_MANAGER).await,
    );
    file(&app, &rob, "Month glance", "high").await;

    // Act
    let home = home(&app, &mia).await;
    let month = home.month.expect("a manager's month");
    let (status, workload) = app
        .get_as::<Workload>(
            &mia,
            &format!(
                "/api/v1/reports/workload?org={}&from={}&to={}",
                app.org_id("Acme Dental").await,
                month.from,
                month.to
            ),
        )
        .await;

    // Assert: the glance is the report's own figures, and links to it.
    assert_eq!(status, StatusCode::OK);
    assert_eq!(month, MonthGlance::of(&workload));
    assert!(month.open >= 1 && month.filed >= 1);
    assert!(month.from.ends_with("-01"));
    assert!(home.requests.is_some() && home.desk.is_none());
    let page = app.page_text(&mia, "/").await;
    assert!(page.contains("This month at a glance"));
    assert!(page.contains(&month.report_href.replace('&', "&amp;")));
}

#[tokio::test]
async fn an_empty_list_says_what_to_do_next() {
    let app = spawn().await;
    let (rob, tom) = (
        app.signed_in(ACME_REQUESTER).await,
        app.signed_in(TECH).await,
    );

    let mine = app.page_text(&rob, "/tickets?q=zqxnothinglikethis").await;
    let queue = app.page_text(&tom, "/tickets?q=zqxnothinglikethis").await;
    let wiki_reader = app.page_text(&rob, "/wiki?space=zqxnospace").await;
    let wiki_writer = app.page_text(&tom, "/wiki?space=zqxnospace").await;

    assert!(
        mine.contains("No ticket matches the search or status."),
        "{mine}"
    );
    assert!(mine.contains(r#"<a href="/tickets">Show them all</a>"#));
    assert!(queue.contains("No tickets match these filters."), "{queue}");
    assert!(queue.contains("Show all open work"));
    assert!(wiki_reader.contains("No articles here yet.") && wiki_reader.contains("ask for it"));
    assert!(!wiki_reader.contains("Write the first"));
    assert!(wiki_writer.contains("Write the first"), "{wiki_writer}");
}
