//! The account page's "Email notifications" section: a checkbox per kind the person's role
//! gets, saved by one form that works before and after the page's script loads.

// A plain form posts each checkbox as a field of its own: the server function takes one
// argument per kind.
#![allow(clippy::too_many_arguments)]

use super::{DigestFrequency, NotificationPreferences};
use crate::accounts::{Actor, Role};
use crate::components::{ErrorNotice, form_error};
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn load_notification_preferences() -> Result<NotificationPreferences, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.mail_preferences.preferences(&actor).await
    })
    .await
}

/// Saves the section's form: a checked box is `on`, an unchecked one is not sent, so every
/// kind the role gets is set from what came.
#[server]
pub async fn save_notification_preferences(
    request_received: Option<String>,
    public_reply: Option<String>,
    status_changed: Option<String>,
    closed: Option<String>,
    new_ticket: Option<String>,
    assigned_to_me: Option<String>,
    requester_replied: Option<String>,
    sla_warning: Option<String>,
    sla_missed: Option<String>,
    digest: Option<String>,
    colleagues_tickets: Option<String>,
    digest_frequency: Option<String>,
) -> Result<NotificationPreferences, AppError> {
    use crate::mail::preferences::{Kind, PreferencesUpdate};
    crate::backend::as_caller(|actor, backend| async move {
        let checked = [
            (Kind::RequestReceived, request_received),
            (Kind::PublicReply, public_reply),
            (Kind::StatusChanged, status_changed),
            (Kind::Closed, closed),
            (Kind::NewTicket, new_ticket),
            (Kind::AssignedToMe, assigned_to_me),
            (Kind::RequesterReplied, requester_replied),
            (Kind::SlaWarning, sla_warning),
            (Kind::SlaMissed, sla_missed),
            (Kind::Digest, digest),
        ];
        let update = PreferencesUpdate {
            kinds: checked
                .into_iter()
                .filter(|(kind, _)| kind.applies_to(actor.role))
                .map(|(kind, value)| (kind.as_str().to_string(), value.is_some()))
                .collect(),
            colleagues_tickets: (!actor.is_provider_staff())
                .then_some(colleagues_tickets.is_some()),
            digest_frequency: (actor.role == Role::Manager)
                .then_some(digest_frequency)
                .flatten(),
        };
        backend.mail_preferences.update(&actor, &update).await
    })
    .await
}

#[component]
pub fn NotificationsSection(me: Actor) -> impl IntoView {
    let save = ServerAction::<SaveNotificationPreferences>::new();
    let current = Resource::new(
        move || save.version().get(),
        |_| load_notification_preferences(),
    );
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let staff = me.is_provider_staff();
    let manager = me.role == Role::Manager;
    view! {
        <section class="card" aria-labelledby="notifications-heading">
            <h2 id="notifications-heading">"Email notifications"</h2>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(prefs) => {
                            let weekly = prefs.digest_frequency == DigestFrequency::Weekly;
                            view! {
                                <ActionForm action=save>
                                    <p class="error" role="alert">
                                        {move || form_error(error.get())}
                                    </p>
                                    <p class="success" role="status">
                                        {move || {
                                            matches!(save.value().get(), Some(Ok(_)))
                                                .then_some("Email notifications saved.")
                                        }}
                                    </p>
                                    <fieldset>
                                        <legend>"Email me when"</legend>
                                        {prefs
                                            .kinds
                                            .into_iter()
                                            .map(|setting| {
                                                let id = format!("notify-{}", setting.kind.as_str());
                                                view! {
                                                    <div class="field checkbox">
                                                        <input
                                                            id=id.clone()
                                                            type="checkbox"
                                                            name=setting.kind.as_str()
                                                            checked=setting.enabled
                                                        />
                                                        <label for=id>{setting.label}</label>
                                                    </div>
                                                }
                                            })
                                            .collect_view()}
                                    </fieldset>
                                    <Show when=move || !staff>
                                        <div class="field checkbox">
                                            <input
                                                id="notify-colleagues"
                                                type="checkbox"
                                                name="colleagues_tickets"
                                                checked=prefs.colleagues_tickets
                                            />
                                            <label for="notify-colleagues">
                                                "Also about colleagues' requests my organization shares"
                                            </label>
                                        </div>
                                    </Show>
                                    <Show when=move || manager>
                                        <div class="field">
                                            <label for="notify-digest-frequency">"Digest"</label>
                                            <select
                                                id="notify-digest-frequency"
                                                name="digest_frequency"
                                            >
                                                <option value="daily" selected=!weekly>
                                                    "Daily"
                                                </option>
                                                <option value="weekly" selected=weekly>
                                                    "Weekly"
                                                </option>
                                            </select>
                                        </div>
                                    </Show>
                                    <button type="submit" class="primary">
                                        "Save email notifications"
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
