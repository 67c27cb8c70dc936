//! What the live stream tells a person without them looking: toasts on the page and, with the
//! browser's permission, desktop notifications.

use crate::accounts::Actor;
use leptos::prelude::*;

/// Whether desktop notifications may be shown, shared by the live stream (which shows them)
/// and the account menu (which offers to turn them on).
#[derive(Debug, Clone, Copy)]
pub struct Desktop(RwSignal<DesktopNotifications>);

impl Desktop {
    pub fn new() -> Self {
        Self(RwSignal::new(DesktopNotifications::Unavailable))
    }
}

impl Default for Desktop {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether desktop notifications may be shown, as far as the page knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only the browser learns which it is; the server renders every page as `Unavailable`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum DesktopNotifications {
    /// On the server, before hydration, or a browser without them.
    Unavailable,
    /// The person has not decided yet: the page may ask.
    Ask,
    Granted,
    Denied,
}

/// Opens the live stream for the signed-in person and shows its toasts, and with permission
/// desktop notifications too: a new ticket for the provider's staff, a ticket assigned to me,
/// and for staff a missed target on a ticket assigned to me.
#[component]
pub fn LiveStream(me: Actor, desktop: Desktop) -> impl IntoView {
    let live = crate::live::use_live();
    let toasts = RwSignal::new(Vec::<(i64, String)>::new());
    #[cfg(feature = "hydrate")]
    let desktop = desktop.0;
    #[cfg(not(feature = "hydrate"))]
    let _ = desktop;
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        crate::live::connect(live);
        desktop.set(desktop::state());
    });
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();
    let staff = me.is_provider_staff();
    let my_id = me.user_id;
    Effect::new(move |_| {
        let Some(event) = live.last.get() else {
            return;
        };
        if event.actor_id == Some(my_id) {
            return;
        }
        let ticket = event.ticket_id.unwrap_or_default();
        let text = match event.kind.as_str() {
            "ticket.created" if staff => Some(format!(
                "New ticket #{ticket}: {}",
                event.data["subject"].as_str().unwrap_or_default()
            )),
            "ticket.assigned" if event.data["assignee_id"].as_i64() == Some(my_id) => {
                Some(format!("Ticket #{ticket} was assigned to you"))
            }
            "ticket.sla_breached" if staff && event.data["assignee_id"].as_i64() == Some(my_id) => {
                Some(match event.data["target"].as_str() {
                    Some("first_response") => {
                        format!("Ticket #{ticket} missed its first response target")
                    }
                    _ => format!("Ticket #{ticket} missed its resolution target"),
                })
            }
            _ => None,
        };
        if let Some(text) = text {
            let key = event.id;
            #[cfg(feature = "hydrate")]
            if desktop.get_untracked() == DesktopNotifications::Granted {
                let navigate = navigate.clone();
                let path = format!("/tickets/{ticket}");
                desktop::show(&text, &format!("deskside-{key}"), move || {
                    navigate(&path, Default::default())
                });
            }
            toasts.update(|list| list.push((key, text)));
            set_timeout(
                move || toasts.update(|list| list.retain(|(k, _)| *k != key)),
                std::time::Duration::from_secs(8),
            );
        }
    });
    view! {
        <div class="toasts" role="status" aria-live="polite">
            {move || {
                toasts
                    .get()
                    .into_iter()
                    .map(|(_, text)| view! { <p class="toast">{text}</p> })
                    .collect_view()
            }}
        </div>
    }
}

/// "Enable desktop notifications" as a quiet item of the account menu, offered only while the
/// browser has not been asked (it needs JavaScript, so the server renders nothing).
#[component]
pub fn EnableNotificationsItem(desktop: Desktop) -> impl IntoView {
    let desktop = desktop.0;
    let enable = move |_| {
        #[cfg(feature = "hydrate")]
        desktop::ask(desktop);
    };
    move || {
        (desktop.get() == DesktopNotifications::Ask).then(|| {
            view! {
                <li>
                    <button type="button" class="link" on:click=enable>
                        "Enable desktop notifications"
                    </button>
                </li>
            }
        })
    }
}

/// The browser's desktop notifications.
#[cfg(feature = "hydrate")]
mod desktop {
    use super::DesktopNotifications;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{Notification, NotificationOptions, NotificationPermission};

    /// What the browser allows now.
    pub fn state() -> DesktopNotifications {
        // Some browsers (iOS Safari outside the home screen, embedded views) have no
        // `Notification` at all, and touching it there throws.
        match js_sys::Reflect::has(&window(), &"Notification".into()) {
            Ok(true) => {}
            _ => return DesktopNotifications::Unavailable,
        }
        match Notification::permission() {
            NotificationPermission::Granted => DesktopNotifications::Granted,
            NotificationPermission::Denied => DesktopNotifications::Denied,
            _ => DesktopNotifications::Ask,
        }
    }

    /// Asks for permission (the browser shows its prompt), then records the answer.
    pub fn ask(desktop: RwSignal<DesktopNotifications>) {
        let promise = match Notification::request_permission() {
            Ok(promise) => promise,
            Err(err) => {
                leptos::logging::warn!("cannot ask for notifications: {err:?}");
                return;
            }
        };
        leptos::task::spawn_local(async move {
            if let Err(err) = wasm_bindgen_futures::JsFuture::from(promise).await {
                leptos::logging::warn!("asking for notifications failed: {err:?}");
            }
            desktop.try_set(state());
        });
    }

    /// Shows `text`; `on_click` runs when the person clicks it. Notifications with the same
    /// `tag` replace each other, so a person with several tabs open sees one.
    pub fn show(text: &str, tag: &str, on_click: impl FnOnce() + 'static) {
        let options = NotificationOptions::new();
        options.set_body(text);
        options.set_tag(tag);
        let notification = match Notification::new_with_options("Deskside", &options) {
            Ok(notification) => notification,
            Err(err) => {
                leptos::logging::warn!("cannot show a notification: {err:?}");
                return;
            }
        };
        let shown = notification.clone();
        // Freed when called; one never clicked stays, which is a few bytes per notification.
        let click = Closure::once_into_js(move || {
            if let Err(err) = window().focus() {
                leptos::logging::warn!("cannot focus the window: {err:?}");
            }
            shown.close();
            on_click();
        });
        notification.set_onclick(Some(click.unchecked_ref()));
    }
}
