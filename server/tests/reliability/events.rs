//! No missed live events: a subscriber cut off at random moments while changes stream in, and
//! reconnecting each time with `Last-Event-ID` as a browser does, ends up with exactly the
//! events that were committed, in order, none twice.

use super::support::*;
use futures::StreamExt;
use rand::{Rng, rngs::StdRng};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// The event stream read as `EventSource` reads it.
struct EventStream {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    /// Bytes, not text: a chunk may end inside a character.
    buffer: Vec<u8>,
}

impl EventStream {
    async fn open(server: &Server, client: &Client, last_event_id: i64) -> EventStream {
        let res = client
            .get(server.url("/api/v1/events"))
            .header("last-event-id", last_event_id.to_string())
            .send()
            .await
            .expect("the stream answers");
        assert_eq!(res.status(), StatusCode::OK);
        EventStream {
            body: res.bytes_stream().boxed(),
            buffer: Vec::new(),
        }
    }

    /// The next whole event's `id:` and data, or `None` once `deadline` passes first.
    async fn next_before(&mut self, deadline: Instant) -> Option<(Option<i64>, Value)> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8(block).expect("UTF-8 events");
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue; // a heartbeat
                }
                let id = block
                    .lines()
                    .find_map(|line| line.strip_prefix("id:"))
                    .map(|id| id.trim().parse().expect("a numeric id"));
                let event = serde_json::from_str(&data.join("\n")).expect("JSON event data");
                return Some((id, event));
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()?;
            let chunk = chunk.expect("the stream stays open").expect("a chunk");
            self.buffer.extend_from_slice(&chunk);
        }
    }
}

/// An event as the comparison sees it: every field a client uses.
fn essence(event: &Value) -> Value {
    json!({
        "id": event["id"], "kind": event["kind"], "ticket_id": event["ticket_id"],
        "actor_id": event["actor_id"], "data": event["data"],
    })
}

/// A `live_event` row: id, kind, ticket, actor and the JSON data as stored.
type EventRow = (i64, String, Option<i64>, Option<i64>, String);

/// Every committed event with `after < id <= up_to`, in id order, as the stream sends them.
async fn committed(server_db: &std::path::Path, after: i64, up_to: i64) -> Vec<Value> {
    let pool = open(server_db).await;
    let rows: Vec<EventRow> = sqlx::query_as(
        "select id, kind, ticket_id, actor_id, data from live_event \
         where id > ? and id <= ? order by id",
    )
    .bind(after)
    .bind(up_to)
    .fetch_all(&pool)
    .await
    .expect("the events");
    pool.close().await;
    rows.into_iter()
        .map(|(id, kind, ticket_id, actor_id, data)| {
            let data: Value = serde_json::from_str(&data).expect("JSON data");
            json!({ "id": id, "kind": kind, "ticket_id": ticket_id, "actor_id": actor_id,
                    "data": data })
        })
        .collect()
}

async fn newest_event(database: &std::path::Path) -> i64 {
    let pool = open(database).await;
    let newest = sqlx::query_scalar("select coalesce(max(id), 0) from live_event")
        .fetch_one(&pool)
        .await
        .expect("the newest event");
    pool.close().await;
    newest
}

/// Changes of every kind a ticket has, by a requester and a technician, until `stop`.
async fn make_changes(
    server: Arc<Server>,
    requester: Client,
    technician: Client,
    technician_id: i64,
    mut rng: StdRng,
    stop: Arc<AtomicBool>,
) -> usize {
    let mut tickets: Vec<i64> = Vec::new();
    let mut changes = 0;
    while !stop.load(Ordering::SeqCst) {
        let ticket = tickets.get(rng.gen_range(0..tickets.len().max(1))).copied();
        let (client, method, path, body) = match (ticket, rng.gen_range(0..6)) {
            (None, _) | (_, 0) => (
                &requester,
                Method::POST,
                "/api/v1/tickets".to_string(),
                json!({ "subject": text(&mut rng, 4).replace('\n', " "),
                        "body": text(&mut rng, 30), "priority": "normal" }),
            ),
            (Some(id), 1) => (
                &requester,
                Method::POST,
                format!("/api/v1/tickets/{id}/comments"),
                json!({ "body": text(&mut rng, 20), "internal": false }),
            ),
            (Some(id), kind @ (2 | 3)) => (
                &technician,
                Method::POST,
                format!("/api/v1/tickets/{id}/comments"),
                json!({ "body": text(&mut rng, 20), "internal": kind == 3 }),
            ),
            (Some(id), 4) => {
                let priority = ["low", "normal", "high", "urgent"][rng.gen_range(0..4)];
                (
                    &technician,
                    Method::PATCH,
                    format!("/api/v1/tickets/{id}"),
                    json!({ "priority": priority }),
                )
            }
            (Some(id), _) => (
                &technician,
                Method::PATCH,
                format!("/api/v1/tickets/{id}"),
                json!({ "assignee_id": technician_id, "status": "open" }),
            ),
        };
        let res = client
            .request(method, server.url(&path))
            .json(&body)
            .send()
            .await
            .expect("an answer");
        let status = res.status();
        let answer: Value = res.json().await.expect("a JSON answer");
        assert!(!status.is_client_error(), "{path}: {status} {answer}");
        if status.is_server_error() {
            // Nothing was committed, so there is no event to miss.
            eprintln!("{path}: {status} {answer}");
            continue;
        }
        if path == "/api/v1/tickets" {
            tickets.push(answer["id"].as_i64().expect("a ticket id"));
        }
        changes += 1;
    }
    changes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_cut_off_at_random_ends_with_exactly_the_committed_events_in_order() {
    let (seed, mut rng) = seeded("events");
    let disconnects = size(100, 1000);
    let (dir, database) = workdir();
    let server = Arc::new(Server::start(dir.path(), &database).await);
    let requester = bearer(&server.token(EMPLOYEES[0]).await);
    let technician = bearer(&server.token(TECH).await);
    let me: Value = technician
        .get(server.url("/api/v1/me"))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("the caller");
    // Staff may read every event, so every committed event is theirs to receive.
    let subscriber = bearer(&server.token(TECH).await);
    let start = newest_event(&database).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(make_changes(
        server.clone(),
        requester,
        technician,
        me["user_id"].as_i64().expect("an id"),
        derived(seed, 1),
        stop.clone(),
    ));

    let mut received: Vec<Value> = Vec::new();
    let mut last = start;
    let mut behind = 0;
    for _ in 0..disconnects {
        if newest_event(&database).await > last {
            behind += 1;
        }
        let mut stream = EventStream::open(&server, &subscriber, last).await;
        let cut_off = Instant::now() + Duration::from_millis(rng.gen_range(0..=60));
        while let Some((id, event)) = stream.next_before(cut_off).await {
            assert_eq!(id, event["id"].as_i64(), "seed {seed}: {event}");
            received.push(essence(&event));
            last = id.expect("stored events carry an id");
        }
    }
    stop.store(true, Ordering::SeqCst);
    let changes = writer.await.expect("the writer runs to the end");
    let newest = newest_event(&database).await;
    let mut stream = EventStream::open(&server, &subscriber, last).await;
    while last < newest {
        let (id, event) = stream
            .next_before(Instant::now() + Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("seed {seed}: silence after #{last} of #{newest}"));
        received.push(essence(&event));
        last = id.expect("stored events carry an id");
    }

    let expected = committed(&database, start, last).await;
    eprintln!(
        "{changes} changes, {} events, {disconnects} disconnects, {behind} of them missed events",
        expected.len()
    );
    assert!(changes > 0 && !expected.is_empty(), "changes streamed in");
    let first_difference = expected
        .iter()
        .zip(&received)
        .position(|(e, r)| e != r)
        .unwrap_or(expected.len().min(received.len()));
    assert!(
        expected == received,
        "seed {seed}: {} events committed, {} received; first difference at {first_difference}: \
         committed {:?}, received {:?}",
        expected.len(),
        received.len(),
        expected.get(first_difference),
        received.get(first_difference),
    );
}
