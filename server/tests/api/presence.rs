//! Presence on a ticket's page: who may report it, and what each caller is told. What the
//! live stream carries is proven with the stream's tests (`events.rs`).

use super::support::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const OTHER_TECH: &str = "tia@provider.example";

async fn file(app: &TestApp, client: &Client, subject: &str) -> i64 {
    let (status, ticket) = app
        .post(
            client,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": "Details", "priority": "normal" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    ticket["id"].as_i64().unwrap()
}

async fn heartbeat(app: &TestApp, client: &Client, id: i64, typing: Value) -> (StatusCode, Value) {
    app.post(
        client,
        &format!("/api/v1/tickets/{id}/presence"),
        json!({ "typing": typing }),
    )
    .await
}

/// (name, typing) of each viewer listed.
fn viewers(list: &Value) -> Vec<(String, Value)> {
    list["viewers"]
        .as_array()
        .expect("a list of viewers")
        .iter()
        .map(|v| (v["name"].as_str().unwrap().to_string(), v["typing"].clone()))
        .collect()
}

#[tokio::test]
async fn a_technician_viewing_a_ticket_appears_in_presence_for_another_technician() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in(OTHER_TECH).await;
    let id = file(&app, &rob, "Monitor flickers").await;

    let (status, _) = heartbeat(&app, &tom, id, Value::Null).await;
    let (tias_status, list) = heartbeat(&app, &tia, id, json!("reply")).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(tias_status, StatusCode::OK, "{list}");
    assert_eq!(
        viewers(&list),
        [
            ("Tom Technician".to_string(), Value::Null),
            ("Tia Technician".to_string(), json!("reply")),
        ]
    );
    assert_eq!(list["viewers"][0]["user_id"], app.user_id(TECH).await);
}

#[tokio::test]
async fn a_requester_of_another_org_gets_not_found_from_presence() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let id = file(&app, &rob, "Keyboard sticky").await;

    let (status, body) = heartbeat(&app, &bea, id, Value::Null).await;
    let (left, left_body) = app
        .send(
            &bea,
            Method::DELETE,
            &format!("/api/v1/tickets/{id}/presence"),
            json!({}),
        )
        .await;
    let (missing, _) = heartbeat(&app, &bea, 999_999, Value::Null).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    assert_eq!(left, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&left_body), "not_found");
    assert_eq!(missing, StatusCode::NOT_FOUND, "as if it did not exist");
}

#[tokio::test]
async fn presence_needs_a_signed_in_caller() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Mouse lost").await;

    let (status, body) = heartbeat(&app, &app.client(), id, Value::Null).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
}

#[tokio::test]
async fn only_provider_staff_may_report_typing_a_note() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Headset crackles").await;

    let (status, body) = heartbeat(&app, &rob, id, json!("note")).await;
    let (reply, _) = heartbeat(&app, &rob, id, json!("reply")).await;

    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "forbidden");
    assert_eq!(reply, StatusCode::OK);
}

#[tokio::test]
async fn a_requester_never_learns_that_a_note_is_being_typed() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Webcam black").await;

    heartbeat(&app, &tom, id, json!("note")).await;
    let (_, robs) = heartbeat(&app, &rob, id, Value::Null).await;
    let (_, toms) = heartbeat(&app, &tom, id, json!("note")).await;

    assert_eq!(
        viewers(&robs)[0],
        ("Tom Technician".to_string(), Value::Null)
    );
    assert!(!robs.to_string().contains("note"), "{robs}");
    assert_eq!(viewers(&toms)[0].1, json!("note"), "staff see it");
}

#[tokio::test]
async fn leaving_takes_the_caller_off_the_list() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Dock not charging").await;
    heartbeat(&app, &tom, id, Value::Null).await;

    let (left, body) = app
        .send(
            &tom,
            Method::DELETE,
            &format!("/api/v1/tickets/{id}/presence"),
            json!({}),
        )
        .await;
    let (_, list) = heartbeat(&app, &rob, id, Value::Null).await;

    assert_eq!(left, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(viewers(&list), [("Rob Requester".to_string(), Value::Null)]);
}

#[tokio::test]
async fn bad_presence_input_is_answered_with_the_json_error_body() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file(&app, &rob, "Scanner offline").await;

    let (invalid, invalid_body) = heartbeat(&app, &rob, id, json!("singing")).await;
    let malformed = rob
        .post(app.url(&format!("/api/v1/tickets/{id}/presence")))
        .header("content-type", "application/json")
        .body("{\"typing\": ")
        .send()
        .await
        .expect("an answer");
    let (malformed_status, malformed_body) = read(malformed).await;

    assert_eq!(invalid, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&invalid_body), "invalid");
    assert!(invalid_body["error"]["fields"]["typing"].is_array());
    assert_eq!(malformed_status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&malformed_body), "bad_request");
}

#[tokio::test]
async fn the_openapi_document_describes_presence() {
    let app = spawn().await;

    let (status, doc) = app.get(&app.client(), "/api/openapi.json").await;

    assert_eq!(status, StatusCode::OK);
    let path = &doc["paths"]["/api/v1/tickets/{id}/presence"];
    assert!(
        path["post"].is_object() && path["delete"].is_object(),
        "{path}"
    );
    assert!(doc["components"]["schemas"]["PresenceList"].is_object());
}

#[tokio::test]
async fn heartbeats_past_a_persons_budget_are_refused_with_429_and_announce_nothing() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in(OTHER_TECH).await;
    let id = file(&app, &rob, "Headset crackles").await;
    let (toms_id, tias_id) = (app.user_id(TECH).await, app.user_id(OTHER_TECH).await);
    let mut tias = super::events::Stream::open(&app, &tia, None).await;

    // Each heartbeat starts or stops typing, so each one let through is announced.
    let mut allowed = 0;
    let mut refused = None;
    for n in 0..3 * server::presence::HEARTBEAT_BURST {
        let typing = if n % 2 == 0 {
            json!("reply")
        } else {
            Value::Null
        };
        let res = tom
            .post(app.url(&format!("/api/v1/tickets/{id}/presence")))
            .json(&json!({ "typing": typing }))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::OK {
            allowed += 1;
        } else {
            refused = Some((res.headers().get("retry-after").cloned(), read(res).await));
            break;
        }
    }
    let (other_person, _) = heartbeat(&app, &tia, id, Value::Null).await;

    let (retry_after, (status, body)) = refused.expect("a heartbeat past the budget is refused");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "rate_limited");
    assert!(retry_after.is_some(), "it says when to try again");
    assert!(allowed >= server::presence::HEARTBEAT_BURST, "{allowed}");
    assert_eq!(
        other_person,
        StatusCode::OK,
        "the budget is each person's own"
    );
    // Tia hears of each heartbeat let through, then of her own: none of the refused one.
    for n in 0..allowed {
        let event = tias.expect("presence").await;
        assert_eq!(event.actor_id, Some(toms_id), "event {n}");
    }
    let own = tias.expect("presence").await;
    assert_eq!(own.actor_id, Some(tias_id));
}
