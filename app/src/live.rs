//! The live stream: what an event looks like to the browser, who may receive it, and (in the
//! browser) the one `EventSource` the pages listen to.

pub mod notifications;

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
    /// `ticket.note`, `ticket.attached`, `ticket.rated`, `ticket.sla_warning` (a target about to
    /// be missed), `ticket.sla_breached`; `resync` when
    /// the client must reload; `presence` (never stored, id 0) when who is on a ticket's page,
    /// or what they are typing, changed.
    pub kind: String,
    pub ticket_id: Option<TicketId>,
    pub actor_id: Option<UserId>,
    /// Small details: the new status, the assignee's id, the subject of a new ticket.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub data: serde_json::Value,
}

impl LiveEvent {
    pub const RESYNC: &'static str = "resync";
    pub const PRESENCE: &'static str = "presence";

    pub fn is_resync(&self) -> bool {
        self.kind == Self::RESYNC
    }

    /// Whether the event is sent once and never stored, so it has no place in the stream to
    /// resume from and says nothing about the ticket itself.
    pub fn is_ephemeral(&self) -> bool {
        self.kind == Self::PRESENCE
    }

    /// The viewers a `presence` event lists.
    pub fn presence(&self) -> Option<PresenceList> {
        if self.kind != Self::PRESENCE {
            return None;
        }
        serde_json::from_value(self.data.clone()).ok()
    }
}

/// What someone on a ticket's page is writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Typing {
    Reply,
    /// An internal note: only the provider's staff may know of it.
    Note,
}

impl Typing {
    pub fn parse(raw: &str) -> Result<Typing, String> {
        match raw.trim() {
            "reply" => Ok(Typing::Reply),
            "note" => Ok(Typing::Note),
            _ => Err("Expected \"reply\", \"note\" or null.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Typing::Reply => "reply",
            Typing::Note => "note",
        }
    }
}

/// Someone on a ticket's page, as the others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Viewer {
    pub user_id: UserId,
    pub name: String,
    /// `null` when not typing, and for the client's people when a note is being written.
    pub typing: Option<Typing>,
}

/// Who is on a ticket's page, in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PresenceList {
    pub viewers: Vec<Viewer>,
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

/// What pages read from the stream: the latest event, and a counter that moves with each
/// change (and on `resync`, but not with presence), to key resources on.
#[derive(Clone, Copy)]
pub struct Live {
    pub state: RwSignal<LiveState>,
    pub last: RwSignal<Option<LiveEvent>>,
    pub version: RwSignal<u64>,
}

impl Live {
    /// A counter that moves when something about the ticket `id` names changed, or on resync;
    /// not when someone comes, goes or types, which changes nothing to reload.
    pub fn ticket_version(
        self,
        id: impl Fn() -> Option<TicketId> + Send + Sync + 'static,
    ) -> Memo<u64> {
        Memo::new(move |previous: Option<&u64>| {
            let count = previous.copied().unwrap_or(0);
            match self.last.get() {
                Some(event) if event.is_ephemeral() => count,
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

    /// A counter that moves when a wiki article is saved, and on resync, for wiki pages.
    pub fn article_version(self) -> Memo<u64> {
        Memo::new(move |previous: Option<&u64>| {
            let count = previous.copied().unwrap_or(0);
            match self.last.get() {
                Some(event) if event.is_resync() || event.kind.starts_with("article.") => count + 1,
                _ => count,
            }
        })
    }

    /// A counter that moves with every ticket change and on resync, for lists.
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
                let changed = !event.is_ephemeral();
                live.last.set(Some(event));
                if changed {
                    live.version.update(|n| *n += 1);
                }
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

/// How often a ticket page says it is still open; the server forgets it 40 s after the last.
#[cfg(feature = "hydrate")]
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(15);

/// Tells the server this page is open on ticket `id`, and what is being typed there: every
/// 15 s, and at once when either changes; and that it left, when the page goes away. The
/// answers fill in `viewers` until the stream's presence events take over.
#[cfg(feature = "hydrate")]
pub fn keep_presence(
    id: Memo<Option<TicketId>>,
    typing: Memo<Option<Typing>>,
    viewers: RwSignal<Vec<Viewer>>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    // The ticket this page last said it is on (0: none), for leaving it.
    let current = Arc::new(AtomicI64::new(0));
    let on = current.clone();
    Effect::new(move |_| {
        let id = id.get();
        let typing = typing.get();
        let previous = on.swap(id.unwrap_or(0), Ordering::Relaxed);
        if previous != 0 && Some(previous) != id {
            leave_presence(previous);
            viewers.set(Vec::new());
        }
        if let Some(id) = id {
            leptos::task::spawn_local(send_heartbeat(id, typing, viewers));
        }
    });
    let beat = set_interval_with_handle(
        move || {
            if let (Some(Some(id)), Some(typing)) =
                (id.try_get_untracked(), typing.try_get_untracked())
            {
                leptos::task::spawn_local(send_heartbeat(id, typing, viewers));
            }
        },
        HEARTBEAT,
    );
    let beat = match beat {
        Ok(handle) => Some(handle),
        Err(err) => {
            leptos::logging::warn!("cannot schedule presence heartbeats: {err:?}");
            None
        }
    };
    let on = current.clone();
    let hide = window_event_listener_untyped("pagehide", move |_| {
        let id = on.load(Ordering::Relaxed);
        if id != 0 {
            leave_presence(id);
        }
    });
    on_cleanup(move || {
        if let Some(beat) = beat {
            beat.clear();
        }
        hide.remove();
        let id = current.swap(0, Ordering::Relaxed);
        if id != 0 {
            leave_presence(id);
        }
    });
}

/// One heartbeat; the answer says who is on the page now. A lost heartbeat is made up by the
/// next, so failures are only logged.
#[cfg(feature = "hydrate")]
async fn send_heartbeat(id: TicketId, typing: Option<Typing>, viewers: RwSignal<Vec<Viewer>>) {
    let body = serde_json::json!({ "typing": typing.map(Typing::as_str) });
    let request = match gloo_net::http::Request::post(&format!("/api/v1/tickets/{id}/presence"))
        .json(&body)
    {
        Ok(request) => request,
        Err(err) => {
            leptos::logging::warn!("cannot build a presence heartbeat: {err}");
            return;
        }
    };
    match request.send().await {
        Ok(response) if response.ok() => match response.json::<PresenceList>().await {
            Ok(list) => {
                viewers.try_set(list.viewers);
            }
            Err(err) => leptos::logging::warn!("unexpected presence answer: {err}"),
        },
        Ok(response) => {
            leptos::logging::warn!("presence heartbeat answered {}", response.status())
        }
        // Offline: the stream shows it is reconnecting; the next heartbeat tries again.
        Err(_) => {}
    }
}

/// Says this page left ticket `id`, with `fetch(…, {keepalive: true})` so the request
/// outlives a closing page (gloo-net's requests cannot ask for that). Best effort: a page
/// that cannot say so is forgotten 40 s after its last heartbeat.
#[cfg(feature = "hydrate")]
fn leave_presence(id: TicketId) {
    use wasm_bindgen::JsCast;
    let window = window();
    let init = js_sys::Object::new();
    let options = [("method", "DELETE".into()), ("keepalive", true.into())];
    for (key, value) in options {
        if js_sys::Reflect::set(&init, &key.into(), &value).is_err() {
            return;
        }
    }
    let url = wasm_bindgen::JsValue::from(format!("/api/v1/tickets/{id}/presence"));
    match js_sys::Reflect::get(&window, &"fetch".into()).map(|f| f.dyn_into::<js_sys::Function>()) {
        Ok(Ok(fetch)) => {
            if let Err(err) = fetch.call2(&window, &url, &init) {
                leptos::logging::warn!("cannot leave the ticket's presence: {err:?}");
            }
        }
        _ => leptos::logging::warn!("this browser has no fetch"),
    }
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
    fn typing_parses_reply_and_note_only() {
        assert_eq!(Typing::parse("reply"), Ok(Typing::Reply));
        assert_eq!(Typing::parse(" note "), Ok(Typing::Note));
        assert!(Typing::parse("shouting").is_err());
        assert!(Typing::parse("").is_err());
    }

    #[test]
    fn presence_events_are_ephemeral_and_list_their_viewers() {
        let event = LiveEvent {
            id: 0,
            kind: LiveEvent::PRESENCE.into(),
            ticket_id: Some(1001),
            actor_id: Some(3),
            data: serde_json::json!({ "viewers": [
                { "user_id": 3, "name": "Tom", "typing": "reply" },
                { "user_id": 4, "name": "Tia", "typing": null },
            ] }),
        };
        let list = event.presence().expect("a presence list");
        assert!(event.is_ephemeral());
        assert_eq!(list.viewers.len(), 2);
        assert_eq!(list.viewers[0].typing, Some(Typing::Reply));
        assert_eq!(list.viewers[1].typing, None);
    }

    #[test]
    fn a_manager_receives_their_orgs_events_only() {
        let mia = actor(Role::Manager, 2, 1);
        assert!(may_receive(&mia, &audience(2, 10, false)));
        assert!(!may_receive(&mia, &audience(3, 10, false)));
    }
}
