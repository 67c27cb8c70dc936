//! Canned replies: kept and used by the provider's staff, filled in from the ticket, invisible
//! to everyone else.

use super::support::*;
use app::tickets::TicketDetail;
use app::tickets::canned::CannedReply;
use leptos::server_fn::ServerFn;
use reqwest::{Method, StatusCode};
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

#[tokio::test]
async fn without_javascript_a_chosen_canned_reply_fills_the_reply_box_for_staff_only() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let (_, list) = app.get_as::<Vec<CannedReply>>(&tom, PATH).await;
    let reset = list
        .iter()
        .find(|r| r.title == "Password reset")
        .unwrap()
        .id;
    let page = format!("/tickets/{id}?canned={reset}");

    let staff_page = app.page_text(&tom, &page).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let requester_page = app.page_text(&rob, &page).await;

    let reply_box = staff_page
        .split("id=\"reply-body\"")
        .nth(1)
        .expect("a reply box");
    assert!(reply_box[..600].contains("Hi Rob,"), "{reply_box}");
    assert!(reply_box[..600].contains(&format!("#{id}")), "{reply_box}");
    assert!(!requester_page.contains("I have reset your password"));
    assert!(!requester_page.contains("Canned reply"));
}

#[tokio::test]
async fn without_javascript_insert_adds_the_canned_reply_after_what_was_typed_and_keeps_the_mode() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let (_, list) = app.get_as::<Vec<CannedReply>>(&tom, PATH).await;
    let reset = list
        .iter()
        .find(|r| r.title == "Password reset")
        .unwrap()
        .id;
    // What the reply form's "Insert" button sends (by GET, to the ticket page).
    let page = format!(
        "/tickets/{id}?id={id}&internal=on&canned={reset}&body=Checked%20the%20logs.%0D%0ASee%20below."
    );

    let staff_page = app.page_text(&tom, &page).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let requester_page = app.page_text(&rob, &page).await;

    let reply_box = staff_page
        .split("id=\"reply-body\"")
        .nth(1)
        .expect("a reply box");
    let text = &reply_box[..reply_box.find("</textarea>").expect("the box closes")];
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
    assert!(!requester_page.contains("Checked the logs."));
    assert!(!requester_page.contains("I have reset your password"));
}

#[tokio::test]
async fn a_reply_sent_without_javascript_after_an_insert_comes_back_to_an_empty_box() {
    let app = spawn().await;
    let id = rob_files_a_ticket(&app).await;
    let tom = app.signed_in(TECH).await;
    let id_text = id.to_string();
    let from = format!("/tickets/{id}?id={id}&internal=off&canned=1&body=Hello");

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
