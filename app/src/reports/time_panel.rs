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
        .parse(OffsetDateTime::now_utc().date())?;
        backend.reports.log_time(&actor, ticket, time).await?;
        Ok(())
    })
    .await
}

#[server]
pub async fn start_timer(ticket: TicketId) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.reports.start_timer(&actor, ticket).await?;
        Ok(())
    })
    .await
}

#[server]
pub async fn stop_timer() -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.reports.stop_timer(&actor).await?;
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
        TimeActions {
            log: ServerAction::new(),
            start: ServerAction::new(),
            stop: ServerAction::new(),
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
    let today = super::format_date(OffsetDateTime::now_utc().date());
    let timer_view = match &timer {
        Some(t) if t.ticket_id == id => {
            let started = t.started_at;
            view! {
                <p role="status">
                    {format!(
                        "Timer running since {:02}:{:02} UTC",
                        started.hour(),
                        started.minute(),
                    )}
                </p>
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
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(duration_text(5), "5 min");
        assert_eq!(duration_text(60), "1 h");
        assert_eq!(duration_text(65), "1 h 05 min");
    }
}
