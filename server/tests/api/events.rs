//! The live stream with a real streaming client: who receives what, and resuming after a
//! disconnect.

use super::support::*;
use app::live::{LiveEvent, Typing};
use app::tickets::TicketDetail;
use futures::StreamExt;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// A subscriber reading the stream as a browser's `EventSource` would.
pub struct Stream {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl Stream {
    pub async fn open(app: &TestApp, client: &Client, last_event_id: Option<i64>) -> Stream {
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

    /// The next event's data as JSON, skipping heartbeats; panics after five seconds of
    /// silence.
    pub async fn next(&mut self) -> Value {
        self.next_json_with_id().await.1
    }

    /// The next event, skipping heartbeats.
    pub async fn next_event(&mut self) -> LiveEvent {
        self.next_with_id().await.1
    }

    /// The next event's SSE `id:` (if it has one) and the event.
    async fn next_with_id(&mut self) -> (Option<i64>, LiveEvent) {
        let (id, event) = self.next_json_with_id().await;
        (id, typed(&event))
    }

    /// The next event's SSE `id:` (if it has one) and data as JSON.
    async fn next_json_with_id(&mut self) -> (Option<i64>, Value) {
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
                let id = block
                    .lines()
                    .find_map(|line| line.strip_prefix("id:"))
                    .map(|id| id.trim().parse().expect("a numeric id"));
                let event = serde_json::from_str(&data.join("\n")).expect("JSON event data");
                return (id, event);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.body.next())
                .await
                .expect("an event within five seconds")
                .expect("the stream stays open")
                .expect("a chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Reads the stream to its end, which must come: the server ends it. Ten seconds of waiting
    /// only guard against a stream that never ends; they time nothing.
    pub async fn ends(mut self) {
        let read_to_end = async {
            while let Some(chunk) = self.body.next().await {
                if chunk.is_err() {
                    // The connection closed mid-chunk: ended all the same.
                    break;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read_to_end)
            .await
            .expect("the server ends the stream");
    }

    /// The next event, which must be of `kind`.
    pub async fn expect(&mut self, kind: &str) -> LiveEvent {
        let event = self.next_event().await;
        assert_eq!(event.kind, kind, "{event:?}");
        event
    }
}

async fn file(app: &TestApp, client: &Client, subject: &str) -> i64 {
    let (status, ticket) = app
        .post_as::<TicketDetail>(
            client,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": "Details", "priority": "normal" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket:?}");
    ticket.summary.id
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
    assert_eq!(event.ticket_id, Some(acme));
    assert_eq!(event.data["subject"], "Acme printer");
    // Bea's first event is her own ticket: Acme's never reached her.
    assert_eq!(beas.expect("ticket.created").await.ticket_id, Some(birch));
    assert_eq!(toms.expect("ticket.created").await.ticket_id, Some(acme));
    assert_eq!(toms.expect("ticket.created").await.ticket_id, Some(birch));
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

    // The secret is looked for in the whole JSON text, fields the type may not know included.
    let first = robs.next().await;
    assert_eq!(first["kind"], "ticket.replied", "{first}");
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
    let seen = robs.expect("ticket.created").await.id;
    drop(robs);

    // While Rob is away: a reply (which puts the ticket on Tom), an internal note, an
    // assignment to Tia.
    comment(&app, &tom, id, "On my way.", false).await;
    comment(&app, &tom, id, "bring a spare roller", true).await;
    let tom_id = app.user_id(TECH).await;
    let tia_id = app.user_id("tia@provider.example").await;
    let (status, _) = app
        .send(
            &tom,
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            json!({ "assignee_id": tia_id }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut robs = Stream::open(&app, &rob, Some(seen)).await;
    let replied = robs.expect("ticket.replied").await;
    let claimed = robs.expect("ticket.assigned").await;
    let assigned = robs.expect("ticket.assigned").await;
    assert_eq!(claimed.data["assignee_id"], tom_id);
    assert_eq!(assigned.data["assignee_id"], tia_id);
    assert!(replied.id < claimed.id && claimed.id < assigned.id);
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
    assert!(resync.id > server::live::MAX_REPLAY);
    // After the resync the stream is live again.
    file(&app, &rob, "And another").await;
    robs.expect("ticket.created").await;
}

const OTHER_TECH: &str = "tia@provider.example";

async fn heartbeat(app: &TestApp, client: &Client, id: i64, typing: Value) {
    let (status, body) = app
        .post(
            client,
            &format!("/api/v1/tickets/{id}/presence"),
            json!({ "typing": typing }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// (name, typing) of each viewer a presence event lists.
fn viewers(event: &LiveEvent) -> Vec<(String, Option<Typing>)> {
    event
        .presence()
        .expect("a list of viewers")
        .viewers
        .into_iter()
        .map(|v| (v.name, v.typing))
        .collect()
}

#[tokio::test]
async fn a_technician_on_a_ticket_page_is_announced_to_another_technician() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in(OTHER_TECH).await;
    let id = file(&app, &rob, "Projector dim").await;
    let mut tias = Stream::open(&app, &tia, None).await;

    heartbeat(&app, &tom, id, Value::Null).await;
    heartbeat(&app, &tom, id, json!("reply")).await;

    let (event_id, arrived) = tias.next_with_id().await;
    let typing = tias.expect("presence").await;
    assert_eq!(arrived.kind, "presence");
    assert_eq!(arrived.ticket_id, Some(id));
    assert_eq!(
        event_id, None,
        "presence events are not a place to resume from"
    );
    assert_eq!(viewers(&arrived), [("Tom Technician".to_string(), None)]);
    assert_eq!(
        viewers(&typing),
        [("Tom Technician".to_string(), Some(Typing::Reply))]
    );
}

#[tokio::test]
async fn a_requester_of_another_org_never_receives_a_tickets_presence_events() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let acme = file(&app, &rob, "Acme phones down").await;
    let mut beas = Stream::open(&app, &bea, None).await;

    heartbeat(&app, &tom, acme, json!("reply")).await;
    heartbeat(&app, &rob, acme, Value::Null).await;
    let birch = file(&app, &bea, "Birch VPN").await;

    // Bea's first event is her own ticket: Acme's presence never reached her.
    let first = beas.next_event().await;
    assert_eq!(first.kind, "ticket.created", "{first:?}");
    assert_eq!(first.ticket_id, Some(birch));
}

#[tokio::test]
async fn a_requester_on_the_stream_never_learns_that_a_note_is_being_typed() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Email bounces").await;
    heartbeat(&app, &rob, id, Value::Null).await;
    let mut robs = Stream::open(&app, &rob, None).await;
    let mut toms = Stream::open(&app, &tom, None).await;

    heartbeat(&app, &tom, id, json!("note")).await;
    heartbeat(&app, &tom, id, json!("reply")).await;

    // Rob's first event is also looked for "note" in its whole JSON text.
    let robs_first = robs.next().await;
    assert_eq!(robs_first["kind"], "presence", "{robs_first}");
    let robs_second = robs.expect("presence").await;
    let toms_first = toms.expect("presence").await;
    assert_eq!(
        viewers(&typed(&robs_first)),
        [
            ("Rob Requester".to_string(), None),
            ("Tom Technician".to_string(), None),
        ]
    );
    assert!(!robs_first.to_string().contains("note"), "{robs_first}");
    assert_eq!(viewers(&robs_second)[1].1, Some(Typing::Reply));
    assert_eq!(
        viewers(&toms_first)[1].1,
        Some(Typing::Note),
        "staff see notes"
    );
}

#[tokio::test]
async fn a_note_started_or_stopped_sends_the_requester_no_event_at_all() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let id = file(&app, &rob, "Calendar sync").await;
    heartbeat(&app, &rob, id, Value::Null).await;
    heartbeat(&app, &tom, id, Value::Null).await;
    let mut robs = Stream::open(&app, &rob, None).await;
    let mut toms = Stream::open(&app, &tom, None).await;

    heartbeat(&app, &tom, id, json!("note")).await;
    heartbeat(&app, &tom, id, Value::Null).await;
    heartbeat(&app, &tom, id, json!("reply")).await;

    // Rob's first event is the reply being typed: the note's start and end sent him nothing,
    // not even an event that looks unchanged.
    let robs_first = robs.expect("presence").await;
    assert_eq!(
        viewers(&robs_first)[1],
        ("Tom Technician".to_string(), Some(Typing::Reply))
    );
    let toms_typing: Vec<Option<Typing>> = [
        toms.expect("presence").await,
        toms.expect("presence").await,
        toms.expect("presence").await,
    ]
    .iter()
    .map(|event| viewers(event)[1].1)
    .collect();
    assert_eq!(toms_typing, [Some(Typing::Note), None, Some(Typing::Reply)]);
}

#[tokio::test]
async fn presence_events_leave_last_event_id_replay_exactly_the_stored_events() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in(OTHER_TECH).await;
    let mut toms = Stream::open(&app, &tom, None).await;
    let id = file(&app, &rob, "Printer offline").await;
    let (created, _) = toms.next_with_id().await;
    heartbeat(&app, &tia, id, Value::Null).await;
    let (presence_id, presence) = toms.next_with_id().await;
    comment(&app, &rob, id, "Still offline.", false).await;
    // A browser resumes from the last `id:` it saw: the reply's, not the presence event's.
    let (replied, replied_event) = toms.next_with_id().await;
    drop(toms);

    // While Tom is away: presence changes, which are not replayed, and stored events (Tia's
    // reply puts the unassigned ticket on her).
    heartbeat(&app, &tia, id, json!("reply")).await;
    comment(&app, &tia, id, "Restarting the spooler.", false).await;
    heartbeat(&app, &tia, id, Value::Null).await;
    comment(&app, &tia, id, "check the toner too", true).await;
    let mut toms = Stream::open(&app, &tom, replied).await;
    let (first_id, first) = toms.next_with_id().await;
    let (_, claimed) = toms.next_with_id().await;
    let (second_id, second) = toms.next_with_id().await;
    comment(&app, &rob, id, "Works now.", false).await;
    let (live_id, live) = toms.next_with_id().await;

    assert_eq!(presence.kind, "presence");
    assert_eq!(presence_id, None);
    assert_eq!(replied_event.kind, "ticket.replied");
    assert!(
        replied > created,
        "the stream goes on after a presence event"
    );
    assert_eq!(
        [&first.kind, &claimed.kind, &second.kind, &live.kind],
        [
            "ticket.replied",
            "ticket.assigned",
            "ticket.note",
            "ticket.replied"
        ]
    );
    assert_eq!(first_id, Some(first.id));
    assert!(first_id > replied && second_id > first_id && live_id > second_id);
}

/// A second instance of the breach watcher on the test server's database, as after a
/// restart; the server's bus publishes what it commits with the server's next change.
async fn watcher(app: &TestApp) -> server::tickets::TicketsService {
    let db = server::db::Db::open(&app.settings.database).await.unwrap();
    let bus = server::live::Bus::new(db.clone()).await.unwrap();
    server::tickets::TicketsService::new(
        db,
        app.settings.reopen_days,
        app.settings.data_dir.clone(),
        1024 * 1024,
        bus,
    )
}

/// Moves a due time of ticket `id` into the past, as waiting would.
async fn due_long_ago(app: &TestApp, id: i64, column: &str) {
    let db = server::db::Db::open(&app.settings.database).await.unwrap();
    sqlx::query(&format!(
        "update ticket set {column} = '2000-01-03T09:00:00.000Z' where id = ?"
    ))
    .bind(id)
    .execute(db.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_missed_target_is_announced_once_even_when_the_watcher_runs_twice() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let tom_id = app.user_id(TECH).await;
    let id = file(&app, &rob, "Server room hot").await;
    let (status, _) = app
        .send(
            &tom,
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            json!({ "assignee_id": tom_id }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut toms = Stream::open(&app, &tom, None).await;
    let mut beas = Stream::open(&app, &bea, None).await;
    // The first response came due long ago; the watcher runs as a second instance.
    let watcher = watcher(&app).await;
    due_long_ago(&app, id, "first_response_due_at").await;

    let first_run = watcher.announce_breaches().await.unwrap();
    let second_run = watcher.announce_breaches().await.unwrap();
    // The server's bus publishes what another process committed with its next change.
    comment(&app, &rob, id, "It is getting warmer.", false).await;
    let breached = toms.expect("ticket.sla_breached").await;
    toms.expect("ticket.replied").await;
    let birch = file(&app, &bea, "Birch printer").await;
    let beas_first = beas.next_event().await;
    let (_, ticket) = app
        .get_as::<TicketDetail>(&tom, &format!("/api/v1/tickets/{id}"))
        .await;
    let entries: Vec<_> = ticket
        .timeline
        .iter()
        .filter(|e| e.kind == "sla_breach")
        .collect();

    assert_eq!((first_run, second_run), (1, 0));
    assert_eq!(breached.ticket_id, Some(id));
    assert_eq!(breached.actor_id, None);
    assert_eq!(breached.data["target"], "first_response");
    assert_eq!(breached.data["assignee_id"], tom_id);
    assert_eq!(entries.len(), 1, "{ticket:?}");
    assert_eq!(entries[0].new_value.as_deref(), Some("first_response"));
    assert_eq!(entries[0].actor_name, None);
    // Bea's first event is her own ticket: Acme's breach never reached her.
    assert_eq!(beas_first.kind, "ticket.created", "{beas_first:?}");
    assert_eq!(beas_first.ticket_id, Some(birch));
}

#[tokio::test]
async fn a_target_met_in_time_or_of_a_resolved_ticket_is_never_announced() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let answered = file(&app, &rob, "Answered in time").await;
    comment(&app, &tom, answered, "Looking now.", false).await;
    let resolved = file(&app, &rob, "Fixed itself").await;
    let (status, _) = app
        .send(
            &rob,
            Method::PATCH,
            &format!("/api/v1/tickets/{resolved}"),
            json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    due_long_ago(&app, answered, "first_response_due_at").await;
    due_long_ago(&app, resolved, "first_response_due_at").await;
    due_long_ago(&app, resolved, "resolution_due_at").await;

    let announced = watcher(&app).await.announce_breaches().await.unwrap();

    assert_eq!(announced, 0);
}
