//! The access log (issue #16): provider staff opening a client's tickets, files and reports are
//! recorded, and the client's manager reads it (REST, CSV, the page's server function and the
//! page itself); the client's own reads are not recorded.

use super::support::*;
use app::access::{AccessEntry, AccessKind, AccessPage, window_of};
use app::accounts::Via;
use app::tickets::TicketDetail;
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode, multipart};
use serde_json::json;
use std::collections::BTreeSet;

/// Rob files a ticket with one file and one internal file (added by Tom); its number, the
/// file's id and the internal file's id.
async fn ticket_with_files(app: &TestApp, subject: &str) -> (i64, i64, i64) {
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (_, ticket) = app
        .post_as::<TicketDetail>(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": "Details", "priority": "normal" }),
        )
        .await;
    let id = ticket.summary.id;
    let file = attach(app, &rob, id, "invoice.pdf", false).await;
    let tom = app.signed_in(TECH).await;
    let internal = attach(app, &tom, id, "zqxstaffonly.txt", true).await;
    (id, file, internal)
}

/// Attaches a small file as `client`; the new attachment's id.
async fn attach(app: &TestApp, client: &Client, ticket: i64, name: &str, internal: bool) -> i64 {
    let form = multipart::Form::new()
        .part(
            "file",
            multipart::Part::bytes(b"bytes".to_vec()).file_name(name.to_string()),
        )
        .text("internal", internal.to_string());
    let res = client
        .post(app.url(&format!("/api/v1/tickets/{ticket}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let detail: TicketDetail = typed(&body);
    detail
        .attachments
        .iter()
        .find(|a| a.file_name == name)
        .map(|a| a.id)
        .expect("the file is on the ticket")
}

/// GETs `path` and asserts it succeeded.
async fn open(app: &TestApp, client: &Client, path: &str) {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
}

/// A token for `email`, and a client that sends nothing else.
async fn token(app: &TestApp, email: &str) -> (Client, String) {
    let session = app.signed_in(email).await;
    let (status, created) = app
        .post(&session, "/api/v1/tokens", json!({ "name": "script" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (
        Client::new(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

async fn log_of(app: &TestApp, client: &Client, org: i64, query: &str) -> AccessPage {
    app.get_as::<AccessPage>(client, &format!("/api/v1/orgs/{org}/access-log{query}"))
        .await
        .1
}

/// The entries about `key` (`kind` and object text).
fn about<'a>(page: &'a AccessPage, kind: AccessKind, object: &str) -> Vec<&'a AccessEntry> {
    page.entries
        .iter()
        .filter(|e| e.kind == kind && e.object == object)
        .collect()
}

/// Asserts `entries` record `opens` opens, one entry per ten-minute window they fell in.
fn coalesced(entries: &[&AccessEntry], opens: i64) {
    let windows: BTreeSet<i64> = entries.iter().map(|e| window_of(e.first_at)).collect();
    assert_eq!(
        entries.len(),
        windows.len(),
        "one entry per window: {entries:?}"
    );
    assert_eq!(entries.iter().map(|e| e.count).sum::<i64>(), opens);
}

#[tokio::test]
async fn a_technicians_opens_reach_the_clients_manager_and_no_other_org() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let birch = app.org_id("Birch Accounting").await;
    let tom_id = app.user_id(TECH).await;
    let (id, file, _) = ticket_with_files(&app, "Printer offline").await;
    let tom = app.signed_in(TECH).await;
    let (script, secret) = token(&app, TECH).await;

    // Twice on the page (a browser session), once with a token; the file; a report.
    open(&app, &tom, &format!("/api/v1/tickets/{id}")).await;
    open(&app, &tom, &format!("/api/v1/tickets/{id}")).await;
    let res = script
        .get(app.url(&format!("/api/v1/tickets/{id}")))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    open(&app, &tom, &format!("/api/v1/attachments/{file}")).await;
    open(
        &app,
        &tom,
        &format!("/api/v1/reports/workload?org={acme}&from=2026-11-01&to=2026-11-30"),
    )
    .await;

    let mia = app.signed_in(ACME_MANAGER).await;
    let log = log_of(&app, &mia, acme, "").await;
    assert_eq!(log.org_name, "Acme Dental");
    assert!(log.entries.iter().all(|e| e.user_id == tom_id), "{log:?}");
    let object = format!("#{id} Printer offline");
    let page: Vec<_> = about(&log, AccessKind::Ticket, &object)
        .into_iter()
        .filter(|e| e.via == Via::Page)
        .collect();
    coalesced(&page, 2);
    let api: Vec<_> = about(&log, AccessKind::Ticket, &object)
        .into_iter()
        .filter(|e| e.via == Via::Api)
        .collect();
    coalesced(&api, 1);
    let files = about(
        &log,
        AccessKind::Attachment,
        &format!("invoice.pdf (ticket #{id})"),
    );
    assert_eq!(files.len(), 1, "{log:?}");
    assert_eq!(files[0].ticket_id, Some(id));
    let reports = about(
        &log,
        AccessKind::Report,
        "Workload report, 2026-11-01 to 2026-11-30",
    );
    assert_eq!(reports.len(), 1, "{log:?}");
    // Newest first: the report was read last, the ticket first.
    assert_eq!(log.entries[0].kind, AccessKind::Report);
    assert_eq!(log.people.len(), 1);
    assert_eq!(log.people[0].id, tom_id);

    // Birch's manager reads nothing of it: not Acme's log, and not in Birch's own.
    let ben = app.signed_in(BIRCH_MANAGER).await;
    let (status, body) = app
        .get(&ben, &format!("/api/v1/orgs/{acme}/access-log"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(log_of(&app, &ben, birch, "").await.entries.is_empty());
}

#[tokio::test]
async fn the_clients_own_people_reading_their_data_are_not_logged() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let (id, file, _) = ticket_with_files(&app, "Scanner jams").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mia = app.signed_in(ACME_MANAGER).await;

    for client in [&rob, &mia] {
        open(&app, client, &format!("/api/v1/tickets/{id}")).await;
        open(&app, client, &format!("/api/v1/attachments/{file}")).await;
    }
    open(&app, &mia, "/api/v1/reports/workload").await;
    open(&app, &mia, "/api/v1/time-entries.csv").await;

    let log = log_of(&app, &mia, acme, "").await;
    assert!(log.entries.is_empty(), "{log:?}");
}

#[tokio::test]
async fn an_internal_files_download_is_not_logged_and_its_name_never_reaches_the_client() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let (_, _, internal) = ticket_with_files(&app, "Server room").await;
    let tom = app.signed_in(TECH).await;

    open(&app, &tom, &format!("/api/v1/attachments/{internal}")).await;

    let mia = app.signed_in(ACME_MANAGER).await;
    let res = mia
        .get(app.url(&format!("/api/v1/orgs/{acme}/access-log.csv")))
        .send()
        .await
        .unwrap();
    let csv = res.text().await.unwrap();
    assert!(!csv.contains("zqxstaffonly"), "{csv}");
    assert!(log_of(&app, &mia, acme, "").await.entries.is_empty());
}

#[tokio::test]
async fn a_report_over_every_client_is_in_every_clients_log() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let birch = app.org_id("Birch Accounting").await;
    let tom = app.signed_in(TECH).await;

    open(&app, &tom, "/api/v1/time-entries?month=2026-11").await;

    let admin = app.signed_in(ADMIN).await;
    for org in [acme, birch] {
        let log = log_of(&app, &admin, org, "").await;
        assert_eq!(
            about(
                &log,
                AccessKind::Report,
                "Time entries, every client organization, 2026-11"
            )
            .len(),
            1,
            "{log:?}"
        );
    }
}

#[tokio::test]
async fn the_log_pages_newest_first_and_filters_by_person_and_period() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let (first, _, _) = ticket_with_files(&app, "First").await;
    let (second, _, _) = ticket_with_files(&app, "Second").await;
    let tom = app.signed_in(TECH).await;
    let admin = app.signed_in(ADMIN).await;
    open(&app, &tom, &format!("/api/v1/tickets/{first}")).await;
    open(&app, &admin, &format!("/api/v1/tickets/{second}")).await;
    let mia = app.signed_in(ACME_MANAGER).await;

    let one = log_of(&app, &mia, acme, "?limit=1").await;
    assert_eq!(one.entries.len(), 1);
    assert_eq!(one.entries[0].object, format!("#{second} Second"));
    let before = one.next_before.expect("an older page");
    let older = log_of(&app, &mia, acme, &format!("?limit=1&before={before}")).await;
    assert_eq!(older.entries[0].object, format!("#{first} First"));
    assert_eq!(older.next_before, None);
    // The page links to the older entries without JavaScript.
    let html = app.page_text(&mia, "/access?limit=1").await;
    assert!(
        html.contains(&format!("href=\"/access?limit=1&amp;before={before}\""))
            || html.contains(&format!("href=\"/access?limit=1&before={before}\"")),
        "{html}"
    );

    let tom_id = app.user_id(TECH).await;
    let toms = log_of(&app, &mia, acme, &format!("?person={tom_id}")).await;
    assert_eq!(toms.entries.len(), 1);
    assert_eq!(toms.entries[0].object, format!("#{first} First"));
    assert_eq!(toms.people.len(), 2, "the filter still offers everyone");

    let today = time::OffsetDateTime::now_utc().date();
    let day = |d: time::Date| app::reports::format_date(d);
    let tomorrow = day(today.next_day().unwrap());
    let yesterday = day(today.previous_day().unwrap());
    assert!(
        log_of(&app, &mia, acme, &format!("?from={tomorrow}"))
            .await
            .entries
            .is_empty()
    );
    assert!(
        log_of(&app, &mia, acme, &format!("?to={yesterday}"))
            .await
            .entries
            .is_empty()
    );
    let todays = format!("?from={}&to={}", day(today), day(today));
    assert_eq!(log_of(&app, &mia, acme, &todays).await.entries.len(), 2);
}

#[tokio::test]
async fn bad_filters_are_422_with_the_field_at_fault() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let mia = app.signed_in(ACME_MANAGER).await;

    for (query, field) in [
        ("person=tom", "person"),
        ("from=yesterday", "from"),
        ("from=2026-11-30&to=2026-11-01", "from"),
        ("before=0", "before"),
        ("limit=500", "limit"),
    ] {
        for path in ["access-log", "access-log.csv"] {
            let (status, body) = app
                .get(&mia, &format!("/api/v1/orgs/{acme}/{path}?{query}"))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert!(body["error"]["fields"][field].is_array(), "{query}: {body}");
        }
    }
}

#[tokio::test]
async fn the_csv_has_every_matching_entry_with_fields_quoted() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let (id, _, _) = ticket_with_files(&app, "Printer \"HP\", 2nd floor").await;
    let tom = app.signed_in(TECH).await;
    let admin = app.signed_in(ADMIN).await;
    open(&app, &tom, &format!("/api/v1/tickets/{id}")).await;
    open(&app, &admin, &format!("/api/v1/tickets/{id}")).await;
    let tom_id = app.user_id(TECH).await;
    let mia = app.signed_in(ACME_MANAGER).await;

    let res = mia
        .get(app.url(&format!(
            "/api/v1/orgs/{acme}/access-log.csv?person={tom_id}&limit=1"
        )))
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let text = res.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "first_at,last_at,person,email,kind,object,ticket,via,count"
    );
    assert_eq!(lines.len(), 2, "Tom's one entry, not the admin's: {text}");
    assert!(
        lines[1].contains(&format!(
            ",{TECH},ticket,\"#{id} Printer \"\"HP\"\", 2nd floor\",{id},page,1"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn the_ticket_page_is_logged_and_the_log_page_shows_it_to_the_manager() {
    use app::access::page::LoadAccessLog;
    use app::tickets::view::GetTicket;
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let (id, _, _) = ticket_with_files(&app, "Wifi drops").await;
    let tom = app.signed_in(TECH).await;
    let res = tom
        .post(app.url(GetTicket::PATH))
        .form(&[("id", id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let mia = app.signed_in(ACME_MANAGER).await;
    let res = mia
        .post(app.url(LoadAccessLog::PATH))
        .form(&[("params[person]", "")])
        .send()
        .await
        .unwrap();
    let (status, screen) = read(res).await;
    assert_eq!(status, StatusCode::OK, "{screen}");
    let log: AccessPage = typed(&screen["log"]);
    assert_eq!(log.org_id, acme);
    let seen = about(&log, AccessKind::Ticket, &format!("#{id} Wifi drops"));
    assert_eq!(seen.len(), 1, "{log:?}");
    assert_eq!(seen[0].via, Via::Page);

    // The page itself, as a browser without JavaScript gets it.
    let html = app.page_text(&mia, "/access").await;
    assert!(html.contains("Wifi drops"), "{html}");
    assert!(html.contains(&format!("/api/v1/orgs/{acme}/access-log.csv")));

    // Another org's manager asking the page for Acme is told it does not exist.
    let ben = app.signed_in(BIRCH_MANAGER).await;
    let res = ben
        .post(app.url(LoadAccessLog::PATH))
        .form(&[("org", acme.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_document_lists_the_access_log_routes() {
    let app = spawn().await;
    let (_, doc) = app.get(&app.client(), "/api/openapi.json").await;
    for path in [
        "/api/v1/orgs/{id}/access-log",
        "/api/v1/orgs/{id}/access-log.csv",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["AccessPage"].is_object());
}

#[tokio::test]
async fn a_staff_read_that_cannot_be_logged_fails_and_the_clients_own_reads_go_on() {
    let app = spawn().await;
    let (id, file, _) = ticket_with_files(&app, "Laptop slow").await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    // The log cannot be written any more.
    sqlx::query("drop table access_log")
        .execute(app.db.pool())
        .await
        .unwrap();

    for path in [
        format!("/api/v1/tickets/{id}"),
        format!("/api/v1/attachments/{file}"),
        "/api/v1/reports/workload".to_string(),
    ] {
        let (status, body) = app.get(&tom, &path).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {body}");
        assert!(!body.to_string().contains("Laptop slow"), "{body}");
    }
    open(&app, &rob, &format!("/api/v1/tickets/{id}")).await;
    open(&app, &rob, &format!("/api/v1/attachments/{file}")).await;
}
