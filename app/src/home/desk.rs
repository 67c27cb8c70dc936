//! The provider's desk on the home page: the queue's counts, the caller's own tickets by the
//! next target due, and what others did on them since the caller last marked it seen.

use super::{Change, Desk};
use crate::clock::{Stamp, When};
use crate::components::form_error;
use crate::error::AppError;
use crate::tickets::TicketSummary;
use leptos::prelude::*;

/// Marks the caller's changes seen through event `through`, the newest the page showed.
#[server]
pub async fn mark_desk_seen(through: i64) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.home.mark_seen(&actor, through).await
    })
    .await
}

#[component]
pub fn DeskView(desk: Desk, seen: ServerAction<MarkDeskSeen>) -> impl IntoView {
    view! {
        <nav class="desk-counts" aria-label="The queue">
            <ul>
                {desk
                    .views
                    .iter()
                    .map(|view| {
                        let class = if view.count > 0 && view.name == "SLA breached" {
                            "count alert"
                        } else {
                            "count"
                        };
                        view! {
                            <li class=class>
                                <a href=format!("/tickets?{}", view.query)>
                                    <strong>{view.count_text()}</strong>
                                    " "
                                    <span>{view.name.clone()}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <div class="desk-columns">
            <Mine tickets=desk.mine more=desk.more_mine />
            <Changes changes=desk.changes more=desk.more_changes since=desk.since seen />
        </div>
    }
}

/// The caller's open tickets, the next target due first.
#[component]
fn Mine(tickets: Vec<TicketSummary>, more: bool) -> impl IntoView {
    view! {
        <section class="card mine" aria-labelledby="mine-heading">
            <h2 id="mine-heading">"Your tickets, next due first"</h2>
            {if tickets.is_empty() {
                view! {
                    <p class="empty">
                        "Nothing is assigned to you. "
                        <a href="/tickets?status=active&assignee=none&sort=due">
                            "Take one from the unassigned"
                        </a> "."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="desk-tickets">
                        {tickets
                            .into_iter()
                            .map(|t| {
                                view! {
                                    <li>
                                        <a href=format!(
                                            "/tickets/{}",
                                            t.id,
                                        )>{format!("#{} {}", t.id, t.subject)}</a>
                                        <span class="muted">
                                            {format!(" · {} · {}", t.org_name, t.priority.label())}
                                        </span>
                                        <br />
                                        <crate::tickets::queue::SlaCountdown ticket=t.clone() />
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    {more
                        .then(|| {
                            view! {
                                <p>
                                    <a href="/tickets?status=active&assignee=me&sort=due">
                                        "All your tickets"
                                    </a>
                                </p>
                            }
                        })}
                }
                    .into_any()
            }}
        </section>
    }
}

/// "Since you last looked": others' replies, notes and changes on the caller's tickets.
#[component]
fn Changes(
    changes: Vec<Change>,
    more: bool,
    since: time::OffsetDateTime,
    seen: ServerAction<MarkDeskSeen>,
) -> impl IntoView {
    let through = changes.iter().map(|c| c.entry.id).max();
    let error = move || form_error(seen.value().get().and_then(Result::err));
    view! {
        <section class="card changes" aria-labelledby="changes-heading">
            <h2 id="changes-heading">"Since you last looked"</h2>
            <p class="error" role="alert">
                {error}
            </p>
            {match through {
                None => {
                    view! {
                        <p class="empty">
                            "Nothing new on your tickets since " <Stamp at=since until=None /> "."
                        </p>
                    }
                        .into_any()
                }
                Some(through) => {
                    view! {
                        <p class="muted">
                            "On your tickets since " <Stamp at=since until=None /> ":"
                        </p>
                        <ul class="change-list">
                            {changes
                                .into_iter()
                                .map(|change| {
                                    let note = change.entry.internal;
                                    view! {
                                        <li class:note=note>
                                            <a href=format!(
                                                "/tickets/{}",
                                                change.ticket_id,
                                            )>{format!("#{} {}", change.ticket_id, change.subject)}</a>
                                            <br />
                                            {note
                                                .then(|| {
                                                    view! {
                                                        <span class="badge internal">"Internal"</span>
                                                        " "
                                                    }
                                                })}
                                            {crate::tickets::view::describe(&change.entry)}
                                            " · "
                                            <When at=change.entry.at />
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                        {more
                            .then(|| {
                                view! { <p class="muted">"Older changes are not listed."</p> }
                            })}
                        <ActionForm action=seen>
                            <input type="hidden" name="through" value=through />
                            <button type="submit">"Mark all as seen"</button>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
