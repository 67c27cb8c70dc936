//! The tickets list: a requester's own, a manager's org's. Provider staff get the queue.

use super::{Status, TicketPage, TicketParams};
use crate::accounts::{Actor, UserId};
use crate::auth::{Protected, anyone};
use crate::clock::When;
use crate::components::ErrorNotice;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server]
pub async fn list_tickets(
    // An unfiltered list has no fields to encode; the argument must still arrive.
    #[server(default)] params: TicketParams,
) -> Result<TicketPage, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let filter = params.parse()?;
        backend.tickets.list(&actor, filter).await
    })
    .await
}

#[component]
pub fn TicketsPage() -> impl IntoView {
    view! {
        <Title text="Tickets" />
        <Protected
            allow=anyone
            render=|me: Actor| {
                if me.is_provider_staff() {
                    view! { <super::queue::Queue /> }.into_any()
                } else {
                    view! { <TicketList me /> }.into_any()
                }
            }
        />
    }
}

#[component]
fn TicketList(me: Actor) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    // Any change the stream announces may move a row, so the page reloads in place.
    let changed = crate::live::use_live().any_version();
    let page = Resource::new(
        move || {
            let params = TicketParams {
                status: Some(param("status")),
                q: Some(param("q")),
                cursor: Some(param("cursor")),
                ..Default::default()
            };
            (params, changed.get())
        },
        |(params, _)| list_tickets(params),
    );
    let requester = me.role == crate::accounts::Role::Requester;
    let me = me.user_id;
    let heading = if requester { "My tickets" } else { "Tickets" };
    view! {
        <div class="page-head">
            <h1>{heading}</h1>
            <a class="button primary" href="/tickets/new">
                "New request"
            </a>
        </div>
        <form
            method="get"
            action="/tickets"
            class="filters"
            role="search"
            aria-label="Find tickets"
        >
            <div class="field">
                <label for="ticket-search">"Search"</label>
                <input id="ticket-search" type="search" name="q" value=param("q") />
            </div>
            <div class="field">
                <label for="ticket-status">"Status"</label>
                <select id="ticket-status" name="status">
                    <option value="">"Any"</option>
                    {Status::ALL
                        .into_iter()
                        .map(|s| {
                            let selected = param("status") == s.as_str();
                            view! {
                                <option value=s.as_str() selected=selected>
                                    {if requester { s.label_for(me, me) } else { s.label() }}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit">"Filter"</button>
        </form>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.tickets.is_empty() => {
                        let filtered = !param("q").trim().is_empty()
                            || !param("status").trim().is_empty();
                        view! { <NoTickets filtered requester /> }.into_any()
                    }
                    Ok(page) => {
                        let show_requester = !requester
                            || page.tickets.iter().any(|t| t.requester_id != me);
                        // A requester who sees only their own tickets needs no column naming
                        // themselves; one sharing with colleagues, and a manager, do.
                        view! { <TicketTable page me show_requester /> }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// An empty list says why, and what to do next.
#[component]
fn NoTickets(filtered: bool, requester: bool) -> impl IntoView {
    if filtered {
        view! {
            <p class="empty">
                "No ticket matches the search or status. " <a href="/tickets">"Show them all"</a>
            </p>
        }
        .into_any()
    } else if requester {
        view! {
            <p class="empty">
                "You have not asked for help yet. When you do, each request is listed here with where it stands; "
                <a href="/">"search the wiki"</a> " first, the answer may already be there."
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="empty">
                "Nobody in your organization has asked for help yet. Requests appear here as they are filed, by the form or by email."
            </p>
        }
        .into_any()
    }
}

#[component]
fn TicketTable(page: TicketPage, me: UserId, show_requester: bool) -> impl IntoView {
    let query = use_query_map();
    let next = page.next_cursor.map(|cursor| {
        let mut params = query.get_untracked();
        params.replace("cursor", cursor);
        format!("/tickets{}", params.to_query_string())
    });
    view! {
        <table class="tickets stack">
            <thead>
                <tr>
                    <th scope="col">"#"</th>
                    <th scope="col">"Subject"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Priority"</th>
                    {show_requester.then(|| view! { <th scope="col">"Requester"</th> })}
                    <th scope="col">"On it"</th>
                    <th scope="col">"Updated"</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .tickets
                    .into_iter()
                    .map(|t| {
                        view! {
                            <tr>
                                <td data-label="#">{t.id}</td>
                                <td data-label="Subject">
                                    <a href=format!("/tickets/{}", t.id)>{t.subject}</a>
                                </td>
                                <td class="status" data-label="Status">
                                    <span class=format!(
                                        "badge status-{}",
                                        t.status.as_str(),
                                    )>{t.status.label_for(me, t.requester_id)}</span>
                                </td>
                                <td data-label="Priority">{t.priority.label()}</td>
                                {show_requester
                                    .then(|| {
                                        view! { <td data-label="Requester">{t.requester_name}</td> }
                                    })}
                                <td data-label="On it">
                                    {t.assignee_name.clone().unwrap_or_else(|| "—".into())}
                                </td>
                                <td data-label="Updated">
                                    <When at=t.last_activity_at />
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {next
            .map(|href| {
                view! {
                    <a class="more" href=href>
                        "Older tickets"
                    </a>
                }
            })}
    }
}
