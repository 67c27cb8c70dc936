//! The live event bus: events are written to the database with the change they announce and
//! published after the commit, in id order, to every open stream, each of which passes on only
//! what its subscriber may read. Beside them run ephemeral events (presence), sent once to
//! whoever listens and never stored. Who holds which stream open: `streams`.

pub mod streams;

use crate::db::Db;
use crate::db::live::StoredEvent;
use app::accounts::Actor;
use app::error::AppError;
use app::live::{Audience, LiveEvent, may_receive};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{Mutex, broadcast, watch};

/// How many events a stream may fall behind before it is told to `resync` instead.
pub const STREAM_BUFFER: usize = 1024;

/// The most events a reconnecting client is sent to catch up; further behind, it reloads.
pub const MAX_REPLAY: i64 = 1000;

/// An event that is not stored: it has no id to resume from, and a client that missed it is
/// brought up to date by the next one rather than by a replay.
#[derive(Debug, Clone)]
pub struct EphemeralEvent {
    pub audience: Audience,
    /// What the provider's staff receive.
    pub event: LiveEvent,
    /// What the client's people receive: the same, less what only staff may know; `None`
    /// when nothing they may know changed, since an event that says nothing new would still
    /// tell them when a member of staff started or stopped writing an internal note.
    pub redacted: Option<LiveEvent>,
}

pub struct Bus {
    db: Db,
    sender: broadcast::Sender<Arc<StoredEvent>>,
    ephemeral: broadcast::Sender<Arc<EphemeralEvent>>,
    /// The highest id published so far. Publishing reads every committed event after it, so
    /// two commits published out of order still go out in id order, without gaps.
    published: Mutex<i64>,
    /// The same, readable without waiting.
    newest: AtomicI64,
    /// The same again, for a task woken when events were published that reads them itself (the
    /// mail planner): one wake for a group of commits, and nothing copied or filtered per event.
    progress: watch::Sender<i64>,
    closing: watch::Sender<bool>,
}

impl Bus {
    pub async fn new(db: Db) -> Result<Arc<Bus>, AppError> {
        Self::with_buffer(db, STREAM_BUFFER).await
    }

    /// A bus whose streams may fall `buffer` events behind before they must resync.
    pub async fn with_buffer(db: Db, buffer: usize) -> Result<Arc<Bus>, AppError> {
        let published = db.last_live_event_id().await?;
        let (sender, _) = broadcast::channel(buffer);
        let (ephemeral, _) = broadcast::channel(buffer);
        let (closing, _) = watch::channel(false);
        let (progress, _) = watch::channel(published);
        Ok(Arc::new(Bus {
            db,
            sender,
            ephemeral,
            published: Mutex::new(published),
            newest: AtomicI64::new(published),
            progress,
            closing,
        }))
    }

    /// Publishes every committed event, at least up to `id`. Called after a commit; a failure is
    /// logged, never returned: the change is saved, and the next publish catches up.
    pub async fn publish(&self, id: i64) {
        let mut published = self.published.lock().await;
        if *published >= id {
            return;
        }
        // Everything committed, not only up to `id`: the write lock hands out ids in commit
        // order, so what a reader sees is always a gapless run, and the first of a group of
        // commits to get here publishes the whole group in one read.
        match self.db.live_events_between(*published, i64::MAX).await {
            Ok(events) => {
                for event in events {
                    *published = event.event.id;
                    self.newest.store(*published, Ordering::Release);
                    // No subscribers is fine.
                    let _ = self.sender.send(Arc::new(event));
                }
                self.progress.send_if_modified(|newest| {
                    let moved = *newest != *published;
                    *newest = *published;
                    moved
                });
            }
            Err(err) => tracing::error!(error = %err, "cannot publish live events"),
        }
    }

    /// Sends an ephemeral event to every open stream; nothing is kept for later ones.
    pub fn publish_ephemeral(&self, event: EphemeralEvent) {
        // No subscribers is fine.
        let _ = self.ephemeral.send(Arc::new(event));
    }

    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    /// The newest id published.
    pub fn newest(&self) -> i64 {
        self.newest.load(Ordering::Acquire)
    }

    /// The newest id published, changing as events are published, for a reader of every event
    /// that fetches them itself; each change may stand for many events.
    pub fn progress(&self) -> watch::Receiver<i64> {
        self.progress.subscribe()
    }

    /// Turns true when the server shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A stream of what `actor` may read, resuming after `last` when given: every missed
    /// event in order, or one `resync` when the client is too far behind to catch up.
    pub async fn subscribe(
        self: &Arc<Self>,
        actor: Actor,
        last: Option<i64>,
    ) -> Result<Subscription, AppError> {
        // Subscribe before reading the backlog, so nothing falls between the two.
        let receiver = self.sender.subscribe();
        let ephemeral = self.ephemeral.subscribe();
        let newest = self.newest();
        let (backlog, resync, last_sent) = match last {
            Some(last) if newest - last > MAX_REPLAY || last < 0 => (VecDeque::new(), true, newest),
            Some(last) => {
                let events = self.db.live_events_between(last, newest).await?;
                let backlog = events
                    .into_iter()
                    .filter(|e| e.may_receive(&actor))
                    .map(|e| e.event)
                    .collect();
                (backlog, false, newest.max(last))
            }
            None => (VecDeque::new(), false, newest),
        };
        Ok(Subscription {
            actor,
            bus: self.clone(),
            closing: self.closing.subscribe(),
            receiver,
            ephemeral,
            backlog,
            resync,
            last_sent,
        })
    }
}

/// One subscriber's position in the stream.
pub struct Subscription {
    actor: Actor,
    bus: Arc<Bus>,
    closing: watch::Receiver<bool>,
    receiver: broadcast::Receiver<Arc<StoredEvent>>,
    ephemeral: broadcast::Receiver<Arc<EphemeralEvent>>,
    backlog: VecDeque<LiveEvent>,
    resync: bool,
    /// The newest stored event this subscriber has been sent or deliberately skipped;
    /// ephemeral events leave it alone.
    last_sent: i64,
}

impl Subscription {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The next event for this subscriber; `None` when the server shuts down. Cancel-safe:
    /// nothing is lost when a `select!` drops the future.
    pub async fn next(&mut self) -> Option<LiveEvent> {
        if std::mem::take(&mut self.resync) {
            return Some(self.resync_event());
        }
        if let Some(event) = self.backlog.pop_front() {
            return Some(event);
        }
        loop {
            tokio::select! {
                _ = self.closing.changed() => return None,
                received = self.receiver.recv() => match received {
                    Ok(stored) => {
                        if stored.event.id <= self.last_sent {
                            continue;
                        }
                        self.last_sent = stored.event.id;
                        if stored.may_receive(&self.actor) {
                            return Some(stored.event.clone());
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Too slow to keep up: rather than hold back everyone else, tell this
                        // client to reload, and carry on from the newest event.
                        self.last_sent = self.bus.newest();
                        return Some(self.resync_event());
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                received = self.ephemeral.recv() => match received {
                    Ok(ephemeral) => {
                        if !may_receive(&self.actor, &ephemeral.audience) {
                            continue;
                        }
                        if self.actor.is_provider_staff() {
                            return Some(ephemeral.event.clone());
                        }
                        if let Some(redacted) = &ephemeral.redacted {
                            return Some(redacted.clone());
                        }
                    }
                    // Nothing stored was missed: the pages' own heartbeats, whose answers
                    // tell the whole presence, set things right within seconds.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }

    fn resync_event(&self) -> LiveEvent {
        LiveEvent {
            id: self.last_sent,
            kind: LiveEvent::RESYNC.into(),
            ticket_id: None,
            actor_id: None,
            data: serde_json::json!({}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::accounts::Role;

    fn technician() -> Actor {
        Actor {
            user_id: 1,
            name: "Tom".into(),
            email: "tom@provider.example".into(),
            role: Role::Technician,
            org_id: 1,
            org_name: "IT Provider".into(),
        }
    }

    async fn insert_events(db: &Db, count: usize) -> i64 {
        let mut last = 0;
        for _ in 0..count {
            last = sqlx::query_scalar(
                "insert into live_event (kind, created_at) values ('ticket.updated', '') \
                 returning id",
            )
            .fetch_one(db.pool())
            .await
            .expect("an event row");
        }
        last
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_gets_resync_and_then_carries_on() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("live.db"))
            .await
            .expect("a database");
        let bus = Bus::with_buffer(db.clone(), 4).await.expect("a bus");
        let mut slow = bus
            .subscribe(technician(), None)
            .await
            .expect("a subscription");

        // Ten events published while the subscriber reads nothing: more than its buffer.
        let last = insert_events(&db, 10).await;
        bus.publish(last).await;
        let resync = slow.next().await.expect("an event");
        let after = insert_events(&db, 1).await;
        bus.publish(after).await;
        let next = slow.next().await.expect("an event");

        assert!(resync.is_resync(), "{resync:?}");
        assert_eq!(resync.id, last);
        assert_eq!(next.id, after, "the stream goes on after the resync");
    }

    fn requester() -> Actor {
        Actor {
            user_id: 10,
            name: "Rob".into(),
            email: "rob@acme.example".into(),
            role: Role::Requester,
            org_id: 2,
            org_name: "Acme Dental".into(),
        }
    }

    fn presence(ticket: i64, audience: Audience, typing: &str) -> EphemeralEvent {
        let event = |typing: serde_json::Value| LiveEvent {
            id: 0,
            kind: LiveEvent::PRESENCE.into(),
            ticket_id: Some(ticket),
            actor_id: Some(1),
            data: serde_json::json!({ "viewers": [{ "user_id": 1, "name": "Tom", "typing": typing }] }),
        };
        EphemeralEvent {
            audience,
            event: event(typing.into()),
            redacted: Some(event(serde_json::Value::Null)),
        }
    }

    fn robs_ticket() -> Audience {
        Audience {
            org_id: Some(2),
            requester_id: Some(10),
            org_shares: false,
            internal: false,
        }
    }

    #[tokio::test]
    async fn an_ephemeral_event_between_stored_ones_loses_and_repeats_nothing() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("live.db"))
            .await
            .expect("a database");
        let bus = Bus::new(db.clone()).await.expect("a bus");
        let mut sub = bus
            .subscribe(technician(), None)
            .await
            .expect("a subscription");

        let first = insert_events(&db, 1).await;
        bus.publish(first).await;
        let first_seen = sub.next().await.expect("first");
        bus.publish_ephemeral(presence(1001, robs_ticket(), "note"));
        let ephemeral = sub.next().await.expect("presence");
        let second = insert_events(&db, 1).await;
        bus.publish(second).await;
        let second_seen = sub.next().await.expect("second");

        assert_eq!(first_seen.id, first);
        assert!(ephemeral.is_ephemeral());
        assert_eq!(
            ephemeral.data["viewers"][0]["typing"], "note",
            "staff see notes"
        );
        assert_eq!(second_seen.id, second);
        assert_eq!(sub.last_sent, second);
    }

    #[tokio::test]
    async fn the_clients_people_get_the_redacted_ephemeral_event_of_tickets_they_may_read() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("live.db"))
            .await
            .expect("a database");
        let bus = Bus::new(db.clone()).await.expect("a bus");
        let mut rob = bus
            .subscribe(requester(), None)
            .await
            .expect("a subscription");
        let other_org = Audience {
            org_id: Some(3),
            requester_id: Some(12),
            ..robs_ticket()
        };

        bus.publish_ephemeral(presence(1002, other_org, "reply"));
        bus.publish_ephemeral(presence(1001, robs_ticket(), "note"));
        let received = rob.next().await.expect("an event");

        assert_eq!(received.ticket_id, Some(1001));
        assert_eq!(
            received.data["viewers"][0]["typing"],
            serde_json::Value::Null,
            "{received:?}"
        );
        assert_eq!(
            rob.last_sent, 0,
            "an ephemeral event is no place to resume from"
        );
    }

    #[tokio::test]
    async fn events_published_out_of_order_are_delivered_in_id_order() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("live.db"))
            .await
            .expect("a database");
        let bus = Bus::new(db.clone()).await.expect("a bus");
        let mut sub = bus
            .subscribe(technician(), None)
            .await
            .expect("a subscription");

        let last = insert_events(&db, 3).await;
        // The last commit is published first; the earlier ones must not be lost or reordered.
        bus.publish(last).await;
        bus.publish(last - 2).await;
        let ids = [
            sub.next().await.expect("first").id,
            sub.next().await.expect("second").id,
            sub.next().await.expect("third").id,
        ];

        assert_eq!(ids, [last - 2, last - 1, last]);
    }
}
