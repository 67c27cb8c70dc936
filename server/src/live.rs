//! The live event bus: events are written to the database with the change they announce and
//! published after the commit, in id order, to every open stream, each of which passes on only
//! what its subscriber may read.

use crate::db::Db;
use crate::db::live::StoredEvent;
use app::accounts::Actor;
use app::error::AppError;
use app::live::{LiveEvent, may_receive};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{Mutex, broadcast, watch};

/// How many events a stream may fall behind before it is told to `resync` instead.
pub const STREAM_BUFFER: usize = 1024;

/// The most events a reconnecting client is sent to catch up; further behind, it reloads.
pub const MAX_REPLAY: i64 = 1000;

pub struct Bus {
    db: Db,
    sender: broadcast::Sender<Arc<StoredEvent>>,
    /// The highest id published so far. Publishing reads every committed event after it, so
    /// two commits published out of order still go out in id order, without gaps.
    published: Mutex<i64>,
    /// The same, readable without waiting.
    newest: AtomicI64,
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
        let (closing, _) = watch::channel(false);
        Ok(Arc::new(Bus {
            db,
            sender,
            published: Mutex::new(published),
            newest: AtomicI64::new(published),
            closing,
        }))
    }

    /// Publishes every committed event up to `id`. Called after a commit; a failure here is
    /// logged, never returned: the change is saved, and the next publish catches up.
    pub async fn publish(&self, id: i64) {
        let mut published = self.published.lock().await;
        if *published >= id {
            return;
        }
        match self.db.live_events_between(*published, id).await {
            Ok(events) => {
                for event in events {
                    *published = event.event.id;
                    self.newest.store(*published, Ordering::Release);
                    // No subscribers is fine.
                    let _ = self.sender.send(Arc::new(event));
                }
            }
            Err(err) => tracing::error!(error = %err, "cannot publish live events"),
        }
    }

    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    /// The newest id published.
    pub fn newest(&self) -> i64 {
        self.newest.load(Ordering::Acquire)
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
        let newest = self.newest();
        let (backlog, resync, last_sent) = match last {
            Some(last) if newest - last > MAX_REPLAY || last < 0 => (VecDeque::new(), true, newest),
            Some(last) => {
                let events = self.db.live_events_between(last, newest).await?;
                let backlog = events
                    .into_iter()
                    .filter(|e| may_receive(&actor, &e.audience))
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
    backlog: VecDeque<LiveEvent>,
    resync: bool,
    /// The newest event this subscriber has been sent or deliberately skipped.
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
                        if may_receive(&self.actor, &stored.audience) {
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
