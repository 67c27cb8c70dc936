//! The live stream with a real streaming client: who receives what, and resuming after a
//! disconnect.

use super::support::*;
use futures::StreamExt;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// A subscriber reading the stream as a browser's `EventSource` would.
struct Stream {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, client: &Client, last_event_id: Option<i64>) -> Stream {
        let mut request = client.get(app.url("/api/v1/events"));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let res = request.send().await.expect("the stream answers");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        Stream {
            body: res.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next event's data, skipping heartbeats; panics after five seconds of silence.
    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue;
                }
                return serde_json::from_str(&data.join("\n")).expect("JSON event data");
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.body.next())
                .await
                .expect("an event within five seconds")
                .expect("the stream stays open")
                .expect("a chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event, which must be of `kind`.
    async fn expect(&mut self, kind: &str) -> Value {
        let event = self.next().await;
        assert_eq!(event["kind"], kind, "{event}");
        event
    }
}

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

async fn comment(app: &TestApp, client: &Client, id: i64, body: &str, internal: bool) {
    let (status, res) = app
        .post(
            client,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({ "body": body, "internal": internal }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
}

#[tokio::test]
async fn the_stream_needs_a_signed_in_caller() {
    let app = spawn().await;
    let (status, body) = app.get(&app.client(), "/api/v1/events").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
}

#[tokio::test]
async fn only_the_tickets_org_and_the_provider_receive_its_events() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let mut robs = Stream::open(&app, &rob, None).await;
    let mut beas = Stream::open(&app, &bea, None).await;
    let mut toms = Stream::open(&app, &tom, None).await;

    let acme = file(&app, &rob, "Acme printer").await;
    let birch = file(&app, &bea, "Birch laptop").await;

    let event = robs.expect("ticket.created").await;
    assert_eq!(event["ticket_id"], acme);
    assert_eq!(event["data"]["subject"], "Acme printer");
    // Bea's first event is her own ticket: Acme's never reached her.
    assert_eq!(beas.expect("ticket.created").await["ticket_id"], birch);
    assert_eq!(toms.expect("ticket.created").await["ticket_id"], acme);
    assert_eq!(toms.expect("ticket.created").await["ticket_id"], birch);
}

#[tokio::test]
async fn a_requester_never_receives_an_internal_note_and_staff_do() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "VPN drops").await;
    let mut robs = Stream::open(&app, &rob, None).await;
    let mut toms = Stream::open(&app, &tom, None).await;

    comment(&app, &tom, id, "router password is in the vault", true).await;
    comment(&app, &tom, id, "Please try again now.", false).await;

    let first = robs.expect("ticket.replied").await;
    assert_eq!(first["ticket_id"], id);
    assert!(!first.to_string().contains("vault"));
    toms.expect("ticket.note").await;
    toms.expect("ticket.replied").await;
}

#[tokio::test]
async fn reconnecting_with_last_event_id_replays_exactly_the_missed_events_in_order() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let mut robs = Stream::open(&app, &rob, None).await;
    let id = file(&app, &rob, "Scanner jams").await;
    let seen = robs.expect("ticket.created").await["id"].as_i64().unwrap();
    drop(robs);

    // While Rob is away: a reply, an internal note, an assignment.
    comment(&app, &tom, id, "On my way.", false).await;
    comment(&app, &tom, id, "bring a spare roller", true).await;
    let tom_id = app.user_id(TECH).await;
    let (status, _) = app
        .send(
            &tom,
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            json!({ "assignee_id": tom_id }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut robs = Stream::open(&app, &rob, Some(seen)).await;
    let replied = robs.expect("ticket.replied").await;
    let assigned = robs.expect("ticket.assigned").await;
    assert_eq!(assigned["data"]["assignee_id"], tom_id);
    assert!(replied["id"].as_i64() < assigned["id"].as_i64());
    // And the stream goes on live after the replay.
    comment(&app, &rob, id, "Thanks!", false).await;
    robs.expect("ticket.replied").await;
}

#[tokio::test]
async fn a_client_too_far_behind_is_told_to_resync() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    // More events than a reconnecting client is replayed, written straight to the database
    // (through the API this would take a minute); the next change publishes them all.
    let db = server::db::Db::open(&app.settings.database).await.unwrap();
    let mut tx = db.pool().begin().await.unwrap();
    for _ in 0..server::live::MAX_REPLAY {
        sqlx::query("insert into live_event (kind, created_at) values ('ticket.updated', '')")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    file(&app, &rob, "One more").await;

    let mut robs = Stream::open(&app, &rob, Some(0)).await;

    let resync = robs.expect("resync").await;
    assert!(resync["id"].as_i64().unwrap() > server::live::MAX_REPLAY);
    // After the resync the stream is live again.
    file(&app, &rob, "And another").await;
    robs.expect("ticket.created").await;
}
