//! Who is on a ticket's page and what they are typing: kept in memory only, announced on the
//! live stream whenever it changes, and forgotten once a page stops sending heartbeats.

use crate::db::Db;
use crate::live::{Bus, EphemeralEvent};
use app::accounts::{Actor, UserId};
use app::error::AppError;
use app::live::{Audience, LiveEvent, PresenceList, Typing, Viewer, may_receive};
use app::tickets::TicketId;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A viewer is forgotten this long after their last heartbeat; pages send one every 15 s, so
/// two may be lost before anyone notices.
pub const EXPIRY: Duration = Duration::from_secs(40);

/// How often forgotten viewers are looked for.
pub const SWEEP: Duration = Duration::from_secs(5);

/// How many heartbeats one person may send at once. A page sends one every 15 s and one when
/// typing starts or stops (after a 4 s pause), so a few pages open at once stay well within.
pub const HEARTBEAT_BURST: u32 = 10;

/// How often one more heartbeat is allowed once the burst is spent: 30 a minute. Beyond it a
/// heartbeat is refused and announces nothing, so no one can flood every viewer's stream.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);

/// Heartbeats allowed per person: a token bucket of [`HEARTBEAT_BURST`], one token back every
/// [`HEARTBEAT_EVERY`]. Plain bookkeeping: the clock is handed in.
#[derive(Debug, Default)]
pub struct HeartbeatBudget {
    /// Tokens left and when they were counted, per person.
    people: HashMap<UserId, (u32, Instant)>,
}

impl HeartbeatBudget {
    /// Spends one of `user`'s heartbeats at `now`; when none is left, how long until one is.
    pub fn spend(&mut self, user: UserId, now: Instant) -> Result<(), Duration> {
        let (tokens, since) = self.people.entry(user).or_insert((HEARTBEAT_BURST, now));
        let earned =
            now.saturating_duration_since(*since).as_millis() / HEARTBEAT_EVERY.as_millis();
        if earned > 0 {
            let earned = u32::try_from(earned).unwrap_or(u32::MAX);
            *tokens = tokens.saturating_add(earned).min(HEARTBEAT_BURST);
            *since += HEARTBEAT_EVERY * earned.min(HEARTBEAT_BURST);
            if *tokens == HEARTBEAT_BURST {
                *since = now;
            }
        }
        if *tokens == 0 {
            return Err((*since + HEARTBEAT_EVERY).saturating_duration_since(now));
        }
        *tokens -= 1;
        Ok(())
    }

    /// Forgets whoever has their whole burst back by `now`, so the map holds only people
    /// sending heartbeats lately.
    pub fn forget_rested(&mut self, now: Instant) {
        self.people.retain(|_, (tokens, since)| {
            now.saturating_duration_since(*since) < HEARTBEAT_EVERY * (HEARTBEAT_BURST - *tokens)
        });
    }
}

/// One person on a ticket's page.
#[derive(Debug, Clone)]
struct Present {
    user_id: UserId,
    name: String,
    typing: Option<Typing>,
    expires_at: Instant,
}

/// The people on one ticket's page, in the order they came, and who may hear about them.
#[derive(Debug)]
struct Room {
    audience: Audience,
    viewers: Vec<Present>,
}

/// Every ticket page someone is on. Plain bookkeeping: the clock is handed in.
#[derive(Debug, Default)]
pub struct Registry {
    rooms: HashMap<TicketId, Room>,
}

impl Registry {
    /// Records that `actor` is on the page of `ticket` (whose audience is `audience`), typing
    /// or not, until `EXPIRY` after `now`. Returns whether what the others see changed.
    pub fn heartbeat(
        &mut self,
        ticket: TicketId,
        audience: Audience,
        actor: &Actor,
        typing: Option<Typing>,
        now: Instant,
    ) -> bool {
        let room = self.rooms.entry(ticket).or_insert_with(|| Room {
            audience,
            viewers: Vec::new(),
        });
        // Sharing may have been switched since the page was opened.
        room.audience = audience;
        let expires_at = now + EXPIRY;
        match room.viewers.iter_mut().find(|v| v.user_id == actor.user_id) {
            Some(viewer) => {
                viewer.expires_at = expires_at;
                let changed = viewer.typing != typing || viewer.name != actor.name;
                viewer.typing = typing;
                viewer.name.clone_from(&actor.name);
                changed
            }
            None => {
                room.viewers.push(Present {
                    user_id: actor.user_id,
                    name: actor.name.clone(),
                    typing,
                    expires_at,
                });
                true
            }
        }
    }

    /// Forgets `user` on the page of `ticket`; the ticket's audience when they were there.
    pub fn leave(&mut self, ticket: TicketId, user: UserId) -> Option<Audience> {
        let room = self.rooms.get_mut(&ticket)?;
        let before = room.viewers.len();
        room.viewers.retain(|v| v.user_id != user);
        let left = room.viewers.len() != before;
        let audience = room.audience;
        if room.viewers.is_empty() {
            self.rooms.remove(&ticket);
        }
        left.then_some(audience)
    }

    /// Forgets everyone whose heartbeats stopped before `now`; returns the tickets whose
    /// viewers changed, with their audiences.
    pub fn sweep(&mut self, now: Instant) -> Vec<(TicketId, Audience)> {
        let mut changed = Vec::new();
        self.rooms.retain(|ticket, room| {
            let before = room.viewers.len();
            room.viewers.retain(|v| v.expires_at > now);
            if room.viewers.len() != before {
                changed.push((*ticket, room.audience));
            }
            !room.viewers.is_empty()
        });
        changed.sort_unstable_by_key(|(ticket, _)| *ticket);
        changed
    }

    /// Who is on the page of `ticket`, as the provider's `staff` or the client's people see
    /// them: the client's people never learn that an internal note is being written.
    pub fn viewers(&self, ticket: TicketId, staff: bool) -> PresenceList {
        let viewers = self.rooms.get(&ticket).map_or_else(Vec::new, |room| {
            room.viewers
                .iter()
                .map(|v| Viewer {
                    user_id: v.user_id,
                    name: v.name.clone(),
                    typing: v.typing.filter(|t| staff || *t != Typing::Note),
                })
                .collect()
        });
        PresenceList { viewers }
    }

    /// The event telling who is on the page of `ticket` now, caused by `actor` (`None`: time).
    /// The client's people get theirs only when `for_clients`: when what they see changed.
    fn event(
        &self,
        ticket: TicketId,
        audience: Audience,
        actor: Option<UserId>,
        for_clients: bool,
    ) -> EphemeralEvent {
        let event = |staff: bool| LiveEvent {
            id: 0,
            kind: LiveEvent::PRESENCE.into(),
            ticket_id: Some(ticket),
            actor_id: actor,
            data: presence_json(&self.viewers(ticket, staff)),
        };
        EphemeralEvent {
            audience,
            event: event(true),
            redacted: for_clients.then(|| event(false)),
        }
    }
}

/// The event's data, `{"viewers": [{"user_id", "name", "typing"}]}`.
fn presence_json(list: &PresenceList) -> serde_json::Value {
    let viewers: Vec<serde_json::Value> = list
        .viewers
        .iter()
        .map(|v| json!({ "user_id": v.user_id, "name": v.name, "typing": v.typing.map(Typing::as_str) }))
        .collect();
    json!({ "viewers": viewers })
}

/// The registry behind the presence endpoints, announcing each change on the bus.
pub struct Presence {
    db: Db,
    bus: Arc<Bus>,
    registry: Mutex<Registry>,
    budget: Mutex<HeartbeatBudget>,
}

impl Presence {
    pub fn new(db: Db, bus: Arc<Bus>) -> Self {
        Presence {
            db,
            bus,
            registry: Mutex::new(Registry::default()),
            budget: Mutex::new(HeartbeatBudget::default()),
        }
    }

    /// Records that `actor` is on ticket `id`'s page, typing or not; who is there, as they
    /// may see it.
    #[tracing::instrument(skip_all)]
    pub async fn heartbeat(
        &self,
        actor: &Actor,
        id: TicketId,
        typing: Option<Typing>,
    ) -> Result<PresenceList, AppError> {
        // Spent before anything is read: a refused heartbeat costs nothing and says nothing.
        self.budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .spend(actor.user_id, Instant::now())
            .map_err(|wait| AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            })?;
        let audience = self.audience(actor, id).await?;
        if typing == Some(Typing::Note) && !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        let mut registry = self.registry();
        let clients_saw = registry.viewers(id, false);
        if registry.heartbeat(id, audience, actor, typing, Instant::now()) {
            let for_clients = registry.viewers(id, false) != clients_saw;
            // Sent under the lock, so two changes go out in the order they were made.
            self.bus.publish_ephemeral(registry.event(
                id,
                audience,
                Some(actor.user_id),
                for_clients,
            ));
        }
        Ok(registry.viewers(id, actor.is_provider_staff()))
    }

    /// Records that `actor` left ticket `id`'s page.
    #[tracing::instrument(skip_all)]
    pub async fn leave(&self, actor: &Actor, id: TicketId) -> Result<(), AppError> {
        self.audience(actor, id).await?;
        let mut registry = self.registry();
        if let Some(audience) = registry.leave(id, actor.user_id) {
            // Someone left: everyone who could see them sees it.
            self.bus
                .publish_ephemeral(registry.event(id, audience, Some(actor.user_id), true));
        }
        Ok(())
    }

    /// Forgets the viewers whose pages went quiet, and says so.
    pub fn sweep(&self) {
        let now = Instant::now();
        let mut registry = self.registry();
        for (ticket, audience) in registry.sweep(now) {
            self.bus
                .publish_ephemeral(registry.event(ticket, audience, None, true));
        }
        drop(registry);
        self.budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .forget_rested(now);
    }

    /// The audience of ticket `id` if `actor` may read it; `NotFound` otherwise, so its
    /// existence stays hidden. The stream's read rule: whoever may read the ticket, and
    /// nobody else, hears who is on its page.
    async fn audience(&self, actor: &Actor, id: TicketId) -> Result<Audience, AppError> {
        let record = self.db.ticket(id).await?;
        let audience = Audience {
            org_id: Some(record.summary.org_id),
            requester_id: Some(record.summary.requester_id),
            org_shares: record.org_shares,
            internal: false,
        };
        if may_receive(actor, &audience) {
            Ok(audience)
        } else {
            Err(AppError::NotFound)
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Nothing panics while holding the lock; if something did, the bookkeeping is still
        // whole, and at worst a viewer shows until they expire.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::accounts::Role;

    fn person(user_id: UserId, name: &str, role: Role, org_id: i64) -> Actor {
        Actor {
            user_id,
            name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            role,
            org_id,
            org_name: "Org".into(),
        }
    }

    fn tom() -> Actor {
        person(3, "Tom", Role::Technician, 1)
    }

    fn tia() -> Actor {
        person(4, "Tia", Role::Technician, 1)
    }

    fn rob() -> Actor {
        person(10, "Rob", Role::Requester, 2)
    }

    const TICKET: TicketId = 1001;

    fn audience() -> Audience {
        Audience {
            org_id: Some(2),
            requester_id: Some(10),
            org_shares: false,
            internal: false,
        }
    }

    /// "Tom" or "Tom (reply)" for each viewer listed.
    fn names(list: &PresenceList) -> Vec<String> {
        list.viewers
            .iter()
            .map(|v| match v.typing {
                Some(typing) => format!("{} ({})", v.name, typing.as_str()),
                None => v.name.clone(),
            })
            .collect()
    }

    #[test]
    fn arriving_is_a_change_and_a_repeated_heartbeat_is_not() {
        let mut registry = Registry::default();
        let now = Instant::now();

        let arrived = registry.heartbeat(TICKET, audience(), &tom(), None, now);
        let again = registry.heartbeat(TICKET, audience(), &tom(), None, now + EXPIRY / 2);
        let second = registry.heartbeat(TICKET, audience(), &tia(), None, now);

        assert!(arrived);
        assert!(!again, "a heartbeat that changes nothing announces nothing");
        assert!(second);
        assert_eq!(names(&registry.viewers(TICKET, true)), ["Tom", "Tia"]);
    }

    #[test]
    fn starting_and_stopping_to_type_are_changes() {
        let mut registry = Registry::default();
        let now = Instant::now();
        registry.heartbeat(TICKET, audience(), &tom(), None, now);

        let started = registry.heartbeat(TICKET, audience(), &tom(), Some(Typing::Reply), now);
        let switched = registry.heartbeat(TICKET, audience(), &tom(), Some(Typing::Note), now);
        let kept = registry.heartbeat(TICKET, audience(), &tom(), Some(Typing::Note), now);
        let typing = names(&registry.viewers(TICKET, true));
        let stopped = registry.heartbeat(TICKET, audience(), &tom(), None, now);

        assert!(started && switched && stopped);
        assert!(!kept);
        assert_eq!(typing, ["Tom (note)"]);
        assert_eq!(names(&registry.viewers(TICKET, true)), ["Tom"]);
    }

    #[test]
    fn the_clients_people_see_a_note_being_written_as_not_typing() {
        let mut registry = Registry::default();
        let now = Instant::now();
        registry.heartbeat(TICKET, audience(), &tom(), Some(Typing::Note), now);
        registry.heartbeat(TICKET, audience(), &tia(), Some(Typing::Reply), now);

        let for_rob = registry.viewers(TICKET, false);
        let event = registry.event(TICKET, audience(), Some(3), true);

        assert_eq!(names(&for_rob), ["Tom", "Tia (reply)"]);
        assert_eq!(event.event.data["viewers"][0]["typing"], "note");
        let redacted = event.redacted.expect("the client's people's event");
        assert_eq!(
            redacted.data["viewers"][0]["typing"],
            serde_json::Value::Null
        );
        assert_eq!(redacted.data["viewers"][1]["typing"], "reply");
        assert!(!redacted.data.to_string().contains("note"));
    }

    #[test]
    fn a_viewer_is_forgotten_once_their_heartbeats_stop() {
        let mut registry = Registry::default();
        let start = Instant::now();
        registry.heartbeat(TICKET, audience(), &tom(), Some(Typing::Reply), start);
        registry.heartbeat(TICKET, audience(), &rob(), None, start + EXPIRY / 2);

        let early = registry.sweep(start + EXPIRY - Duration::from_secs(1));
        let expired = registry.sweep(start + EXPIRY);
        let after = names(&registry.viewers(TICKET, true));
        let all_gone = registry.sweep(start + EXPIRY * 2);

        assert!(early.is_empty());
        assert_eq!(expired, [(TICKET, audience())]);
        assert_eq!(after, ["Rob"]);
        assert_eq!(all_gone, [(TICKET, audience())]);
        assert!(registry.viewers(TICKET, true).viewers.is_empty());
        assert!(registry.rooms.is_empty(), "empty pages are forgotten too");
    }

    #[test]
    fn leaving_is_a_change_only_for_someone_who_was_there() {
        let mut registry = Registry::default();
        let now = Instant::now();
        registry.heartbeat(TICKET, audience(), &tom(), None, now);

        let stranger = registry.leave(TICKET, tia().user_id);
        let left = registry.leave(TICKET, tom().user_id);
        let again = registry.leave(TICKET, tom().user_id);

        assert_eq!(stranger, None);
        assert_eq!(left, Some(audience()));
        assert_eq!(again, None);
        assert!(registry.rooms.is_empty());
    }

    #[test]
    fn a_person_gets_a_burst_of_heartbeats_then_one_every_two_seconds() {
        let mut budget = HeartbeatBudget::default();
        let start = Instant::now();

        let burst: Vec<bool> = (0..HEARTBEAT_BURST)
            .map(|_| budget.spend(tom().user_id, start).is_ok())
            .collect();
        let over = budget.spend(tom().user_id, start + Duration::from_millis(500));
        let someone_else = budget.spend(tia().user_id, start);
        let later = budget.spend(tom().user_id, start + HEARTBEAT_EVERY);
        let again = budget.spend(tom().user_id, start + HEARTBEAT_EVERY);

        assert!(burst.iter().all(|ok| *ok));
        assert_eq!(over, Err(HEARTBEAT_EVERY - Duration::from_millis(500)));
        assert!(someone_else.is_ok(), "the budget is per person");
        assert!(later.is_ok(), "one more after two seconds");
        assert!(again.is_err());
    }

    #[test]
    fn a_rested_budget_is_whole_again_and_forgotten() {
        let mut budget = HeartbeatBudget::default();
        let start = Instant::now();
        for _ in 0..HEARTBEAT_BURST {
            budget
                .spend(tom().user_id, start)
                .expect("within the burst");
        }

        let rested = start + HEARTBEAT_EVERY * HEARTBEAT_BURST;
        budget.forget_rested(rested);
        let forgotten = budget.people.is_empty();
        let refilled: Vec<bool> = (0..HEARTBEAT_BURST)
            .map(|_| budget.spend(tom().user_id, rested).is_ok())
            .collect();

        assert!(forgotten);
        assert!(refilled.iter().all(|ok| *ok));
        assert!(budget.spend(tom().user_id, rested).is_err());
    }

    #[test]
    fn a_note_started_or_stopped_is_no_event_for_the_clients_people() {
        let mut registry = Registry::default();
        let now = Instant::now();
        registry.heartbeat(TICKET, audience(), &tom(), None, now);
        let before = registry.viewers(TICKET, false);

        let changed = registry.heartbeat(TICKET, audience(), &tom(), Some(Typing::Note), now);

        assert!(changed, "staff see the note being written");
        assert_eq!(registry.viewers(TICKET, false), before);
    }
}
