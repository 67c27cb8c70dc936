//! Time on a ticket, for provider staff: the timer, time logged by hand, and what is logged.

use super::TicketTime;
use crate::components::{FieldError, form_error};
use crate::error::AppError;
use crate::tickets::TicketId;
use leptos::prelude::*;
use time::OffsetDateTime;

#[server]
pub async fn log_time(
    ticket: TicketId,
    minutes: String,
    note: Option<String>,
    billable: Option<String>,
    date: Option<String>,
) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let minutes = minutes.trim().parse::<i64>().map_err(|_| {
            AppError::invalid("minutes", "Give the time in whole minutes, e.g. 15.")
        })?;
        let time = super::TimeInput {
            minutes,
            note: note.unwrap_or_default(),
            billable: Some(billable.is_some()),
            date,
        }
        .parse(crate::clock::requested().0.today())?;
        backend.reports.log_time(&actor, ticket, time).await?;
        Ok(())
    })
    .await
}

#[server]
pub async fn start_timer(ticket: TicketId) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let (zone, _) = crate::clock::requested();
        backend.reports.start_timer(&actor, ticket, &zone).await?;
        Ok(())
    })
    .await
}

#[server]
pub async fn stop_timer() -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let (zone, _) = crate::clock::requested();
        backend.reports.stop_timer(&actor, &zone).await?;
        Ok(())
    })
    .await
}

#[server]
pub async fn delete_time(id: i64) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.reports.delete_time(&actor, id).await
    })
    .await
}

/// The caller's running timer, for the header on every page: `None` when none runs, and for
/// anyone but provider staff (who alone keep time) or no one signed in, so the header asks
/// without knowing who is there and a signed-out page is not answered 401.
#[server]
pub async fn load_header_timer() -> Result<Option<super::RunningTimer>, AppError> {
    let Some(actor) = crate::backend::current_actor().filter(|a| a.is_provider_staff()) else {
        return Ok(None);
    };
    crate::backend::with_status(
        async move { crate::backend::backend()?.reports.timer(&actor).await }.await,
    )
}

/// Starting and stopping the timer, one pair of actions for the header and a ticket's time
/// panel: a timer started on a ticket shows in the header at once, and a Stop in either
/// refreshes both.
#[derive(Clone, Copy)]
pub struct SharedTimer {
    pub start: ServerAction<StartTimer>,
    pub stop: ServerAction<StopTimer>,
}

impl SharedTimer {
    /// Made once, by the shell, for every page.
    pub fn provide() {
        provide_context(SharedTimer {
            start: ServerAction::new(),
            stop: ServerAction::new(),
        });
    }
}

/// "0:07", "1:42": hours and minutes a timer has run, counting started minutes as the timer
/// does when it logs them.
pub fn elapsed_text(started: OffsetDateTime, now: OffsetDateTime) -> String {
    let minutes = ((now - started).whole_seconds().max(0) + 59) / 60;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// A running timer in the header: where it runs (a link back to its ticket), how long, and
/// Stop. Timers are kept in the database, so the server renders it on every page, without
/// JavaScript too (Stop is a plain form then); with it, the minutes tick on.
#[component]
pub fn HeaderTimer() -> impl IntoView {
    let shared = use_context::<SharedTimer>();
    let location = leptos_router::hooks::use_location();
    let timer = Resource::new(
        move || {
            (
                location.pathname.get(),
                shared.map(|s| s.start.version().get() + s.stop.version().get()),
            )
        },
        |_| load_header_timer(),
    );
    let stop = shared.map_or_else(ServerAction::new, |s| s.stop);
    let now = RwSignal::new(OffsetDateTime::now_utc());
    #[cfg(feature = "hydrate")]
    {
        // The server's minutes are as old as the page: count from the browser's clock.
        Effect::new(move |_| now.set(OffsetDateTime::now_utc()));
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(OffsetDateTime::now_utc()),
            std::time::Duration::from_secs(20),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                timer
                    .await
                    .ok()
                    .flatten()
                    .map(|t| {
                        let started = t.started_at;
                        view! {
                            <div class="header-timer" role="group" aria-label="Running timer">
                                <a href=format!("/tickets/{}", t.ticket_id) title=t.ticket_subject>
                                    <span aria-hidden="true">"⏱ "</span>
                                    <span class="visually-hidden">"Timer running on "</span>
                                    {format!("#{}", t.ticket_id)}
                                    " "
                                    <span class="elapsed">
                                        {move || elapsed_text(started, now.get())}
                                    </span>
                                </a>
                                <ActionForm action=stop attr:class="inline">
                                    <button type="submit" class="link">
                                        "Stop"
                                    </button>
                                </ActionForm>
                            </div>
                        }
                    })
            })}
        </Transition>
    }
}

/// The time actions of a ticket page; the page reloads its data when any of them moves.
#[derive(Clone, Copy)]
pub struct TimeActions {
    pub log: ServerAction<LogTime>,
    pub start: ServerAction<StartTimer>,
    pub stop: ServerAction<StopTimer>,
    pub delete: ServerAction<DeleteTime>,
}

impl TimeActions {
    pub fn new() -> TimeActions {
        let shared = use_context::<SharedTimer>();
        TimeActions {
            log: ServerAction::new(),
            start: shared.map_or_else(ServerAction::new, |s| s.start),
            stop: shared.map_or_else(ServerAction::new, |s| s.stop),
            delete: ServerAction::new(),
        }
    }

    /// Moves whenever one of the actions completes.
    pub fn version(self) -> usize {
        self.log.version().get()
            + self.start.version().get()
            + self.stop.version().get()
            + self.delete.version().get()
    }
}

impl Default for TimeActions {
    fn default() -> Self {
        Self::new()
    }
}

/// "1 h 05 min", "25 min".
pub fn duration_text(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

#[component]
pub fn TimePanel(id: TicketId, time: TicketTime, actions: TimeActions) -> impl IntoView {
    let log_error = Signal::derive(move || actions.log.value().get().and_then(Result::err));
    let other_error = move || {
        [
            actions.start.value().get().and_then(Result::err),
            actions.stop.value().get().and_then(Result::err),
            actions.delete.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    };
    let timer = time.timer.clone();
    // The day it is where the person is: the zone the page is drawn in.
    let today = super::format_date(
        crate::clock::Clock::get()
            .zone
            .with_untracked(crate::clock::Zone::today),
    );
    let timer_view = match &timer {
        Some(t) if t.ticket_id == id => {
            let started = t.started_at;
            view! {
                <p role="status">"Timer running since " <crate::clock::TimeOfDay at=started /></p>
                <ActionForm action=actions.stop attr:class="inline">
                    <button type="submit" class="primary">
                        "Stop timer"
                    </button>
                </ActionForm>
            }
            .into_any()
        }
        other => {
            let elsewhere = other.as_ref().map(|t| {
                format!(
                    "Your timer runs on #{} {}; starting here stops it and logs its time.",
                    t.ticket_id, t.ticket_subject
                )
            });
            view! {
                {elsewhere.map(|text| view! { <p class="muted">{text}</p> })}
                <ActionForm action=actions.start attr:class="inline">
                    <input type="hidden" name="ticket" value=id />
                    <button type="submit">"Start timer"</button>
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <section class="card time-panel" aria-labelledby="time-heading">
            <h2 id="time-heading">"Time"</h2>
            <p>{format!("Logged: {}", duration_text(time.total_minutes))}</p>
            {timer_view}
            <p class="error" role="alert">
                {other_error}
            </p>
            <details open=move || log_error.get().is_some()>
                <summary>"Log time by hand"</summary>
                <ActionForm action=actions.log>
                    <input type="hidden" name="ticket" value=id />
                    <p class="error" role="alert">
                        {move || form_error(log_error.get())}
                    </p>
                    <div class="field-row">
                        <div class="field">
                            <label for="time-minutes">"Minutes"</label>
                            <input
                                id="time-minutes"
                                name="minutes"
                                inputmode="numeric"
                                aria-describedby="time-minutes-error"
                            />
                            <FieldError id="time-minutes-error" field="minutes" error=log_error />
                        </div>
                        <div class="field">
                            <label for="time-date">"Date"</label>
                            <input
                                id="time-date"
                                name="date"
                                type="date"
                                value=today
                                aria-describedby="time-date-error"
                            />
                            <FieldError id="time-date-error" field="date" error=log_error />
                        </div>
                    </div>
                    <div class="field">
                        <label for="time-note">"Note"</label>
                        <input id="time-note" name="note" aria-describedby="time-note-error" />
                        <FieldError id="time-note-error" field="note" error=log_error />
                    </div>
                    <div class="check">
                        <input id="time-billable" type="checkbox" name="billable" checked=true />
                        <label for="time-billable">"Billable"</label>
                    </div>
                    <button type="submit">"Log time"</button>
                </ActionForm>
            </details>
            {(!time.entries.is_empty())
                .then(|| {
                    view! {
                        <table class="time-entries">
                            <caption class="visually-hidden">"Time logged on this ticket"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Date"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"Time"</th>
                                    <th scope="col">"Note"</th>
                                    <th scope="col">
                                        <span class="visually-hidden">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {time
                                    .entries
                                    .into_iter()
                                    .map(|e| {
                                        let label = format!(
                                            "Delete {} on {}",
                                            duration_text(e.minutes),
                                            e.date,
                                        );
                                        let locked = e.billed_month.clone();
                                        view! {
                                            <tr>
                                                <td>{e.date.clone()}</td>
                                                <td>{e.user_name.clone()}</td>
                                                <td>
                                                    {duration_text(e.minutes)}
                                                    {(!e.billable).then_some(" (not billable)")}
                                                </td>
                                                <td>{e.note.clone()}</td>
                                                <td>
                                                    {match locked {
                                                        Some(month) => {
                                                            view! {
                                                                <span class="muted">{format!("Billed {month}")}</span>
                                                            }
                                                                .into_any()
                                                        }
                                                        None => {
                                                            view! {
                                                                <ActionForm action=actions.delete attr:class="inline">
                                                                    <input type="hidden" name="id" value=e.id />
                                                                    <button type="submit" class="link" aria-label=label>
                                                                        "Delete"
                                                                    </button>
                                                                </ActionForm>
                                                            }
                                                                .into_any()
                                                        }
                                                    }}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_timer_reads_in_started_minutes() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let at = |secs| elapsed_text(start, start + time::Duration::seconds(secs));
        assert_eq!(at(0), "0:00");
        assert_eq!(at(1), "0:01");
        assert_eq!(at(7 * 60), "0:07");
        assert_eq!(at(102 * 60 + 5), "1:43");
        assert_eq!(at(-30), "0:00");
    }

    #[test]
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(duration_text(5), "5 min");
        assert_eq!(duration_text(60), "1 h");
        assert_eq!(duration_text(65), "1 h 05 min");
    }
}
