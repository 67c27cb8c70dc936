//! Canned replies: kept and used by the provider's staff, filled in from the ticket, invisible
//! to everyone else.

use super::support::*;
use app::tickets::TicketDetail;
use app::tickets::canned::CannedReply;
use leptos::server_fn::ServerFn;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

const PATH: &str = "/api/v1/canned-replies";

async fn rob_files_a_ticket(app: &TestApp) -> i64 {
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (_, ticket) = app
        .post_as::<TicketDetail>(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": "Outlook asks for a password", "body": "Every hour", "priority": "normal" }),
        )
        .await;
    ticket.summary.id
}

/// The id of the demo's "Password reset" reply, as `client` lists them.
async fn password_reset_id(app: &TestApp, client: &Client) -> i64 {
    let (_, list) = app.get_as::<Vec<CannedReply>>(client, PATH).await;
    list.iter()
        .find(|r| r.title == "Password reset")
        .expect("the demo's reply")
        .id
}

#[tokio::test]
async fn staff_add_change_list_and_delete_canned_replies() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;

    let (status, created) = app
        .post_as::<CannedReply>(
            &tom,
            PATH,
            json!({ "title": "VPN setup", "body": "Install the client." }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created:?}");
    let path = format!("{PATH}/{}", created.id);
    let (status, changed) = app
        .send_as::<CannedReply>(
            &tom,
            Method::PUT,
            &path,
            json!({ "title": "VPN setup", "body": "Use the app." }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed.body, "Use the app.");
    assert_eq!(changed.updated_by, "Tom Technician");
    let (_, list) = app.get_as::<Vec<CannedReply>>(&tom, PATH).await;
    assert!(list.iter().any(|r| r.title == "VPN setup"));

    let (status, _) = app.send(&tom, Method::DELETE, &path, json!(null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&tom, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_duplicate_or_empty_title_is_refused_next_to_the_field() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;

    // "Password reset" is one of the demo replies.
    let (status, body) = app
        .post(
            &tom,
            PATH,
            json!({ "title": "password RESET", "body": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["title"].is_array(), "{body}");
    let (status, body) = app
        .post(&tom, PATH, json!({ "title": " ", "body": " " }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["body"].is_array(), "{body}");
}

#[tokio::test]
async fn a_canned_reply_is_filled_in_for_the_ticket() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let (_, created) = app
        .post_as::<CannedReply>(
            &tom,
            PATH,
            json!({ "title": "Hello", "body": "Hi {{requester_first_name}}, #{{ticket_number}} is done. {{technician_first_name}}" }),
        )
        .await;

    // The filled-in reply is the server's own `{ "body": ... }`; no app type to read it as.
    let (status, expanded) = app
        .get(
            &tom,
            &format!("/api/v1/tickets/{id}/canned-replies/{}", created.id),
        )
        .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(expanded["body"], format!("Hi Rob, #{id} is done. Tom"));
}

#[tokio::test]
async fn the_clients_people_cannot_see_or_use_canned_replies() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let (_, list) = app.get_as::<Vec<CannedReply>>(&tom, PATH).await;
    let canned = list[0].id;

    for email in [ACME_REQUESTER, ACME_MANAGER] {
        let client = app.signed_in(email).await;
        let (status, _) = app.get(&client, PATH).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email} lists");
        let (status, _) = app.get(&client, &format!("{PATH}/{canned}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email} reads");
        let (status, _) = app
            .post(&client, PATH, json!({ "title": "Mine", "body": "x" }))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email} writes");
        let (status, _) = app
            .get(
                &client,
                &format!("/api/v1/tickets/{id}/canned-replies/{canned}"),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email} expands");
    }
}

/// What the reply form's "Insert" button sends without JavaScript: a post to the ticket page.
async fn insert(app: &TestApp, client: &Client, id: i64, form: &[(&str, &str)]) -> String {
    let page = format!("/tickets/{id}");
    let res = app.post_form(client, &page, &page, form).await;
    assert_eq!(res.status(), StatusCode::OK, "{page}");
    res.text().await.expect("the whole page arrives")
}

/// The text of the reply box in a rendered ticket page.
fn reply_box(page: &str) -> &str {
    let from = page.split("id=\"reply-body\"").nth(1).expect("a reply box");
    let text = &from[from.find('>').expect("the tag closes") + 1..];
    &text[..text.find("</textarea>").expect("the box closes")]
}

#[tokio::test]
async fn without_javascript_a_chosen_canned_reply_fills_the_reply_box_for_staff_only() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let reset = password_reset_id(&app, &tom).await.to_string();
    let form = [
        ("id", id.to_string()),
        ("canned", reset),
        ("body", String::new()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let staff_page = insert(&app, &tom, id, &form).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let requester_page = insert(&app, &rob, id, &form).await;

    let text = reply_box(&staff_page);
    assert!(text.contains("Hi Rob,"), "{text}");
    assert!(text.contains(&format!("#{id}")), "{text}");
    assert!(
        requester_page.contains("id=\"reply-body\""),
        "the requester's own page"
    );
    assert!(!requester_page.contains("I have reset your password"));
    assert!(!requester_page.contains("Canned reply"));
}

#[tokio::test]
async fn without_javascript_insert_adds_the_canned_reply_after_what_was_typed_and_keeps_the_mode() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let reset = password_reset_id(&app, &tom).await.to_string();
    let id_text = id.to_string();

    let staff_page = insert(
        &app,
        &tom,
        id,
        &[
            ("id", &id_text),
            ("internal", "on"),
            ("canned", &reset),
            ("body", "Checked the logs.\r\nSee below."),
        ],
    )
    .await;

    let text = reply_box(&staff_page);
    let typed = text
        .find("Checked the logs.\nSee below.")
        .expect("the typed text");
    let canned = text.find("Hi Rob,").expect("the canned reply");
    assert!(typed < canned, "appended, not replacing: {text}");
    let note = staff_page
        .split("id=\"reply-mode-note\"")
        .nth(1)
        .expect("the note mode");
    assert!(
        note[..note.find('>').unwrap()].contains("checked"),
        "{note}"
    );
}

#[tokio::test]
async fn the_ticket_page_fills_nothing_from_its_address() {
    // The insert used to be a GET, which put the half-written reply in the address; such an
    // address now shows the bare ticket.
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let reset = password_reset_id(&app, &tom).await;

    let page = app
        .page_text(
            &tom,
            &format!("/tickets/{id}?canned={reset}&body=Secret%20draft"),
        )
        .await;

    let text = reply_box(&page);
    assert!(!text.contains("Secret draft"), "{text}");
    assert!(!text.contains("Hi Rob,"), "{text}");
}

#[tokio::test]
async fn insert_without_a_chosen_reply_keeps_the_text_and_says_so_beside_the_picker() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let id_text = id.to_string();

    for (canned, message) in [
        ("", "Choose a canned reply to insert."),
        (
            "999999",
            "That canned reply is no longer there; choose another.",
        ),
    ] {
        let page = insert(
            &app,
            &tom,
            id,
            &[
                ("id", &id_text),
                ("canned", canned),
                ("body", "Half a reply"),
            ],
        )
        .await;

        assert_eq!(reply_box(&page), "Half a reply");
        let picker = page
            .split("id=\"canned-pick-error\"")
            .nth(1)
            .expect("the picker's message");
        assert!(picker[..200].contains(message), "{picker}");
    }
}

#[tokio::test]
async fn a_reply_sent_without_javascript_after_an_insert_comes_back_to_an_empty_box() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let id_text = id.to_string();
    let from = format!("/tickets/{id}");

    let res = app
        .post_form(
            &tom,
            app::tickets::view::AddComment::PATH,
            &from,
            &[
                ("id", &id_text),
                ("body", "Hello, done."),
                ("internal", "off"),
            ],
        )
        .await;

    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap();
    assert_eq!(location, format!("/tickets/{id}"));
}
