//! The live stream: what an event looks like to the browser, who may receive it, and (in the
//! browser) the one `EventSource` the pages listen to.

use crate::accounts::{Actor, OrgId, UserId};
use crate::tickets::TicketId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One committed change, as the stream sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LiveEvent {
    /// Increases with every event; the stream's `id:`, resent as `Last-Event-ID`.
    pub id: i64,
    /// `ticket.created`, `ticket.updated`, `ticket.assigned`, `ticket.replied`,
    /// `ticket.note`, `ticket.attached`, `ticket.rated`; `resync` when the client must reload.
    pub kind: String,
    pub ticket_id: Option<TicketId>,
    pub actor_id: Option<UserId>,
    /// Small details: the new status, the assignee's id, the subject of a new ticket.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub data: serde_json::Value,
}

impl LiveEvent {
    pub const RESYNC: &'static str = "resync";

    pub fn is_resync(&self) -> bool {
        self.kind == Self::RESYNC
    }
}

/// Who an event is for: the ticket's audience when the change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub org_id: Option<OrgId>,
    pub requester_id: Option<UserId>,
    pub org_shares: bool,
    pub internal: bool,
}

/// The read rule, applied to the stream: staff receive everything; the client's people
/// receive events of tickets they may read, never internal ones.
pub fn may_receive(actor: &Actor, audience: &Audience) -> bool {
    if actor.is_provider_staff() {
        return true;
    }
    if audience.internal {
        return false;
    }
    match (audience.org_id, audience.requester_id) {
        (Some(org), Some(requester)) => {
            crate::tickets::can_read(actor, org, requester, audience.org_shares)
        }
        _ => false,
    }
}

/// Whether the stream is connected, as the header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    Off,
    Connecting,
    Live,
    Reconnecting,
}

/// What pages read from the stream: the latest event and a counter that moves with each
/// (and on `resync`), to key resources on.
#[derive(Clone, Copy)]
pub struct Live {
    pub state: RwSignal<LiveState>,
    pub last: RwSignal<Option<LiveEvent>>,
    pub version: RwSignal<u64>,
}

impl Live {
    /// A counter that moves when something about the ticket `id` names changed, or on resync.
    pub fn ticket_version(
        self,
        id: impl Fn() -> Option<TicketId> + Send + Sync + 'static,
    ) -> Memo<u64> {
        Memo::new(move |previous: Option<&u64>| {
            let count = previous.copied().unwrap_or(0);
            match self.last.get() {
                Some(event)
                    if event.is_resync()
                        || (event.ticket_id.is_some() && event.ticket_id == id()) =>
                {
                    count + 1
                }
                _ => count,
            }
        })
    }

    /// A counter that moves with every ticket event and on resync, for lists.
    pub fn any_version(self) -> Memo<u64> {
        Memo::new(move |_| self.version.get())
    }
}

/// The stream for this page; pages call `use_live()`.
pub fn provide_live() -> Live {
    let live = Live {
        state: RwSignal::new(LiveState::Off),
        last: RwSignal::new(None),
        version: RwSignal::new(0),
    };
    provide_context(live);
    live
}

pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or_else(provide_live)
}

/// Opens the stream in the browser once someone is signed in; the browser's `EventSource`
/// reconnects by itself and sends `Last-Event-ID`, so nothing is missed.
#[cfg(feature = "hydrate")]
pub fn connect(live: Live) {
    use wasm_bindgen::{JsCast, closure::Closure};
    if live.state.get_untracked() != LiveState::Off {
        return;
    }
    let Ok(source) = web_sys::EventSource::new("/api/v1/events") else {
        return;
    };
    live.state.set(LiveState::Connecting);
    let on_open = Closure::<dyn FnMut()>::new(move || live.state.set(LiveState::Live));
    let on_error = Closure::<dyn FnMut()>::new(move || live.state.set(LiveState::Reconnecting));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            if let Ok(event) = serde_json::from_str::<LiveEvent>(&text) {
                live.last.set(Some(event));
                live.version.update(|n| *n += 1);
            }
        });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The stream lives as long as the page: the callbacks must too.
    on_open.forget();
    on_error.forget();
    on_message.forget();
}

/// The small live / reconnecting mark in the header.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = use_live();
    view! {
        <span class="live" role="status" aria-live="polite">
            {move || match live.state.get() {
                LiveState::Off => "",
                LiveState::Connecting => "Connecting…",
                LiveState::Live => "● Live",
                LiveState::Reconnecting => "Reconnecting…",
            }}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    fn actor(role: Role, org_id: OrgId, user_id: UserId) -> Actor {
        Actor::for_test(role, org_id, user_id)
    }

    fn audience(org: OrgId, requester: UserId, internal: bool) -> Audience {
        Audience {
            org_id: Some(org),
            requester_id: Some(requester),
            org_shares: false,
            internal,
        }
    }

    #[test]
    fn staff_receive_every_event_including_internal_ones() {
        let tom = actor(Role::Technician, 1, 3);
        assert!(may_receive(&tom, &audience(2, 10, true)));
        assert!(may_receive(&tom, &audience(3, 11, false)));
    }

    #[test]
    fn a_requester_receives_their_own_tickets_events_but_never_internal_ones() {
        let rob = actor(Role::Requester, 2, 10);
        assert!(may_receive(&rob, &audience(2, 10, false)));
        assert!(!may_receive(&rob, &audience(2, 10, true)));
        assert!(!may_receive(&rob, &audience(2, 11, false)));
        assert!(!may_receive(&rob, &audience(3, 12, false)));
    }

    #[test]
    fn a_manager_receives_their_orgs_events_only() {
        let mia = actor(Role::Manager, 2, 1);
        assert!(may_receive(&mia, &audience(2, 10, false)));
        assert!(!may_receive(&mia, &audience(3, 10, false)));
    }
}
