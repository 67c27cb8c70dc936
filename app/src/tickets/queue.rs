//! The technicians' queue: every client's tickets with filters, sorting, search, saved views,
//! bulk changes and keyboard control, kept current by the live stream.

use super::filter::{SlaState, SortKey, next_due};
use super::{Priority, SavedView, Status, TicketPage, TicketParams, TicketSummary};
use crate::accounts::{OrgId, UserId};
use crate::clock::When;
use crate::components::ErrorNotice;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Everything the queue shows, loaded together so the page renders and hydrates as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueData {
    pub page: TicketPage,
    pub views: Vec<SavedView>,
    pub orgs: Vec<(OrgId, String)>,
    pub categories: Vec<String>,
    pub assignees: Vec<(UserId, String)>,
}

#[server]
pub async fn load_queue(
    // An unfiltered queue has no fields to encode; the argument must still arrive.
    #[server(default)] params: TicketParams,
) -> Result<QueueData, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        let filter = params.parse()?;
        let page = backend.tickets.list(&actor, filter).await?;
        let views = backend.tickets.views(&actor).await?;
        let options = backend.tickets.options(&actor, None).await?;
        let orgs = backend
            .accounts
            .list_orgs(&actor)
            .await?
            .into_iter()
            .filter(|org| org.kind == crate::accounts::OrgKind::Client)
            .map(|org| (org.id, org.name))
            .collect();
        Ok(QueueData {
            page,
            views,
            orgs,
            categories: options.categories,
            assignees: options.assignees,
        })
    })
    .await
}

#[server]
pub async fn save_view(name: String, query: String) -> Result<SavedView, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend
            .tickets
            .save_view(&actor, &name, TicketParams::from_query_string(&query))
            .await
    })
    .await
}

#[server]
pub async fn delete_view(id: i64) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.tickets.delete_view(&actor, id).await
    })
    .await
}

/// What a bulk change does, as the form's `action` value names it.
#[cfg(any(feature = "ssr", test))]
fn bulk_patch(action: &str, me: UserId) -> Result<super::TicketPatch, AppError> {
    use super::TicketPatch;
    let invalid = || AppError::invalid("action", "Choose what to change.");
    let patch = match action.split_once(':') {
        None if action == "assign_me" => TicketPatch {
            assignee_id: Some(Some(me)),
            ..Default::default()
        },
        None if action == "unassign" => TicketPatch {
            assignee_id: Some(None),
            ..Default::default()
        },
        Some(("status", status)) => TicketPatch {
            status: Some(Status::parse(status).map_err(|_| invalid())?),
            ..Default::default()
        },
        Some(("priority", priority)) => TicketPatch {
            priority: Some(Priority::parse(priority).map_err(|_| invalid())?),
            ..Default::default()
        },
        Some(("assign", user)) => TicketPatch {
            assignee_id: Some(Some(user.parse().map_err(|_| invalid())?)),
            ..Default::default()
        },
        _ => return Err(invalid()),
    };
    Ok(patch)
}

/// Changes the selected tickets; `ids` is absent when nothing was ticked.
#[server]
pub async fn bulk_update(ids: Option<Vec<i64>>, action: String) -> Result<usize, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let patch = bulk_patch(&action, actor.user_id)?;
        backend
            .tickets
            .update_many(&actor, &ids.unwrap_or_default(), patch)
            .await
    })
    .await
}

/// The queue, for provider staff.
#[component]
pub fn Queue() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        let map = query.read();
        TicketParams::from_lookup(|name| map.get(name))
    });
    let live = crate::live::use_live();
    let changed = live.any_version();
    let save = ServerAction::<SaveView>::new();
    let delete = ServerAction::<DeleteView>::new();
    let bulk = ServerAction::<BulkUpdate>::new();
    let data = Resource::new(
        move || {
            (
                params.get(),
                changed.get(),
                save.version().get(),
                delete.version().get(),
                bulk.version().get(),
            )
        },
        |(params, ..)| load_queue(params),
    );
    let flash = flash_changed_rows(live);
    let now = ticking_clock();
    let current = keyboard(data, bulk);
    // The keys work only once the page's script runs: their hints wait for it (and CSS hides
    // them on touch screens, which have no keys to press).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <div class="page-head">
            <h1>"Queue"</h1>
            {move || {
                hydrated
                    .get()
                    .then(|| {
                        view! {
                            <p class="muted keys">
                                "Keys: " <kbd>"j"</kbd> " / " <kbd>"k"</kbd> " move · "
                                <kbd>"Enter"</kbd> " opens · " <kbd>"a"</kbd> " assigns to me · "
                                <kbd>"/"</kbd> " searches"
                            </p>
                        }
                    })
            }}
        </div>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                let params = params.get_untracked();
                match data.await {
                    Ok(data) => {
                        view! { <QueueBody data params save delete bulk flash now current /> }
                            .into_any()
                    }
                    Err(e) => {
                        view! {
                            <QueueFilters
                                params
                                orgs=Vec::new()
                                categories=Vec::new()
                                assignees=Vec::new()
                            />
                            <ErrorNotice error=e />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn QueueBody(
    data: QueueData,
    params: TicketParams,
    save: ServerAction<SaveView>,
    delete: ServerAction<DeleteView>,
    bulk: ServerAction<BulkUpdate>,
    flash: RwSignal<Vec<i64>>,
    now: RwSignal<OffsetDateTime>,
    current: RwSignal<usize>,
) -> impl IntoView {
    let QueueData {
        page,
        views,
        orgs,
        categories,
        assignees,
    } = data;
    view! {
        <ViewTabs views params=params.clone() delete />
        <QueueFilters params=params.clone() orgs categories assignees=assignees.clone() />
        <SaveViewForm save params=params.clone() />
        <BulkForm bulk assignees page params flash now current />
    }
}

/// The saved views as tabs, each with its count; the one matching the filters is current.
#[component]
fn ViewTabs(
    views: Vec<SavedView>,
    params: TicketParams,
    delete: ServerAction<DeleteView>,
) -> impl IntoView {
    let here = params.for_view().to_query_string();
    view! {
        <nav class="views" aria-label="Views">
            <ul>
                {views
                    .into_iter()
                    .map(|view| {
                        let href = format!("/tickets?{}", view.query);
                        let current = format!("?{}", view.query) == here;
                        let count = view.count_text();
                        let label = format!(
                            "{}, {count} {}",
                            view.name,
                            crate::words::noun(view.count, "ticket", "tickets"),
                        );
                        // The space makes the visible text "Mine 3", which the label contains
                        // word for word (WCAG 2.5.3, label in name); the flex gap draws it.
                        view! {
                            <li>
                                <a
                                    href=href
                                    aria-current=current.then_some("page")
                                    aria-label=label
                                >
                                    {view.name.clone()}
                                    " "
                                    <span class="count">{count}</span>
                                </a>
                                {view
                                    .id
                                    .map(|id| {
                                        view! {
                                            <ActionForm action=delete attr:class="inline">
                                                <input type="hidden" name="id" value=id />
                                                <button
                                                    type="submit"
                                                    class="link"
                                                    aria-label=format!("Delete view {}", view.name)
                                                >
                                                    "×"
                                                </button>
                                            </ActionForm>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// One `<select>` of the filter form.
#[component]
fn Choice(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    selected: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is = value == selected;
                        view! {
                            <option value=value selected=is>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

fn any(label: &str) -> (String, String) {
    (String::new(), label.to_string())
}

#[component]
fn QueueFilters(
    params: TicketParams,
    orgs: Vec<(OrgId, String)>,
    categories: Vec<String>,
    assignees: Vec<(UserId, String)>,
) -> impl IntoView {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut statuses = vec![
        any("Any"),
        ("active".into(), "Needs work (new, open, waiting)".into()),
    ];
    statuses.extend(
        Status::ALL
            .into_iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string())),
    );
    let mut priorities = vec![any("Any")];
    priorities.extend(
        Priority::ALL
            .into_iter()
            .rev()
            .map(|p| (p.as_str().to_string(), p.label().to_string())),
    );
    let mut org_options = vec![any("Every organization")];
    org_options.extend(orgs.into_iter().map(|(id, name)| (id.to_string(), name)));
    let mut category_options = vec![any("Any")];
    category_options.extend(categories.into_iter().map(|c| (c.clone(), c)));
    let mut assignee_options = vec![
        any("Anyone"),
        ("me".into(), "Me".into()),
        ("none".into(), "Unassigned".into()),
    ];
    assignee_options.extend(
        assignees
            .into_iter()
            .map(|(id, name)| (id.to_string(), name)),
    );
    let mut sla_options = vec![any("Any")];
    sla_options.extend(
        SlaState::ALL
            .into_iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string())),
    );
    view! {
        <form
            method="get"
            action="/tickets"
            class="filters"
            role="search"
            aria-label="Find tickets"
        >
            <div class="field">
                <label for="queue-search">"Search"</label>
                <input
                    id="queue-search"
                    type="search"
                    name="q"
                    value=value(&params.q)
                    placeholder="Words or #number"
                />
            </div>
            <Choice
                id="queue-status"
                name="status"
                label="Status"
                selected=value(&params.status)
                options=statuses
            />
            <Choice
                id="queue-priority"
                name="priority"
                label="Priority"
                selected=value(&params.priority)
                options=priorities
            />
            <Choice
                id="queue-org"
                name="org"
                label="Organization"
                selected=value(&params.org)
                options=org_options
            />
            <Choice
                id="queue-category"
                name="category"
                label="Category"
                selected=value(&params.category)
                options=category_options
            />
            <Choice
                id="queue-assignee"
                name="assignee"
                label="Assignee"
                selected=value(&params.assignee)
                options=assignee_options
            />
            <Choice
                id="queue-sla"
                name="sla"
                label="SLA"
                selected=value(&params.sla)
                options=sla_options
            />
            <input type="hidden" name="sort" value=value(&params.sort) />
            <input type="hidden" name="dir" value=value(&params.dir) />
            <button type="submit">"Filter"</button>
        </form>
    }
}

/// Saves the filters on screen as a named view.
#[component]
fn SaveViewForm(save: ServerAction<SaveView>, params: TicketParams) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let query = params
        .for_view()
        .to_query_string()
        .trim_start_matches('?')
        .to_string();
    view! {
        <details class="save-view">
            <summary>"Save these filters as a view"</summary>
            <ActionForm action=save>
                <input type="hidden" name="query" value=query />
                <div class="field">
                    <label for="view-name">"View name"</label>
                    <input
                        id="view-name"
                        name="name"
                        maxlength="60"
                        aria-describedby="view-name-error"
                    />
                    <crate::components::FieldError id="view-name-error" field="name" error />
                </div>
                <button type="submit">"Save view"</button>
            </ActionForm>
        </details>
    }
}

/// The selectable table and what to do with the selection.
#[component]
fn BulkForm(
    bulk: ServerAction<BulkUpdate>,
    assignees: Vec<(UserId, String)>,
    page: TicketPage,
    params: TicketParams,
    flash: RwSignal<Vec<i64>>,
    now: RwSignal<OffsetDateTime>,
    current: RwSignal<usize>,
) -> impl IntoView {
    let error = move || {
        bulk.value().get().and_then(Result::err).map(|e| {
            e.field("ids")
                .or(e.field("action"))
                .unwrap_or(e.to_string())
        })
    };
    let done = move || {
        bulk.value()
            .get()
            .and_then(Result::ok)
            .map(|n| format!("Changed {}.", crate::words::count(n, "ticket", "tickets")))
    };
    let mut actions = vec![
        ("assign_me".to_string(), "Assign to me".to_string()),
        ("unassign".to_string(), "Unassign".to_string()),
    ];
    actions.extend(
        assignees
            .into_iter()
            .map(|(id, name)| (format!("assign:{id}"), format!("Assign to {name}"))),
    );
    actions.extend(
        [
            Status::Open,
            Status::Pending,
            Status::Resolved,
            Status::Closed,
        ]
        .into_iter()
        .map(|s| {
            (
                format!("status:{}", s.as_str()),
                format!("Set status: {}", s.label()),
            )
        }),
    );
    let next = page.next_cursor.clone().map(|cursor| {
        format!(
            "/tickets{}",
            params.with("cursor", &cursor).to_query_string()
        )
    });
    let empty = page.tickets.is_empty();
    view! {
        <ActionForm action=bulk attr:class="bulk">
            <div class="bulk-bar">
                <label for="bulk-action">"With the selected tickets"</label>
                <select id="bulk-action" name="action">
                    {actions
                        .into_iter()
                        .map(|(value, text)| view! { <option value=value>{text}</option> })
                        .collect_view()}
                </select>
                <button type="submit">"Apply"</button>
                <span class="field-error" role="alert">
                    {error}
                </span>
                <span class="muted" role="status">
                    {done}
                </span>
            </div>
            {if empty {
                view! {
                    <p class="empty">
                        "No tickets match these filters. "
                        <a href="/tickets?status=active&sort=due">"Show all open work"</a>
                    </p>
                }
                    .into_any()
            } else {
                view! { <QueueTable tickets=page.tickets params flash now current /> }.into_any()
            }}
        </ActionForm>
        {next
            .map(|href| {
                view! {
                    <a class="more" href=href>
                        "Next page"
                    </a>
                }
            })}
    }
}

/// A column header that sorts by its column; a second click reverses the order.
fn sort_header(params: &TicketParams, key: SortKey, label: &'static str) -> impl IntoView + use<> {
    let filter = params.parse().unwrap_or_default();
    let active = filter.sort.key == key && params.sort.is_some();
    let descending = if active {
        !filter.sort.descending
    } else {
        key.natural_descending()
    };
    let href = format!(
        "/tickets{}",
        params
            .with("sort", key.as_str())
            .with("dir", if descending { "desc" } else { "asc" })
            .to_query_string()
    );
    let aria_sort = active.then_some(if filter.sort.descending {
        "descending"
    } else {
        "ascending"
    });
    view! {
        <th scope="col" aria-sort=aria_sort>
            <a href=href>{label}</a>
        </th>
    }
}

#[component]
fn QueueTable(
    tickets: Vec<TicketSummary>,
    params: TicketParams,
    flash: RwSignal<Vec<i64>>,
    now: RwSignal<OffsetDateTime>,
    current: RwSignal<usize>,
) -> impl IntoView {
    let headers = [
        (SortKey::Number, "#"),
        (SortKey::Subject, "Subject"),
        (SortKey::Org, "Organization"),
        (SortKey::Requester, "Requester"),
        (SortKey::Status, "Status"),
        (SortKey::Priority, "Priority"),
        (SortKey::Assignee, "Assignee"),
        (SortKey::Due, "SLA due"),
        (SortKey::Updated, "Updated"),
    ];
    view! {
        <table class="tickets queue stack">
            <thead>
                <tr>
                    <th scope="col">
                        <span class="visually-hidden">"Select"</span>
                    </th>
                    {headers
                        .into_iter()
                        .map(|(key, label)| sort_header(&params, key, label))
                        .collect_view()}
                </tr>
            </thead>
            <tbody>
                {tickets
                    .into_iter()
                    .enumerate()
                    .map(|(index, t)| view! { <QueueRow t index flash now current /> })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn QueueRow(
    t: TicketSummary,
    index: usize,
    flash: RwSignal<Vec<i64>>,
    now: RwSignal<OffsetDateTime>,
    current: RwSignal<usize>,
) -> impl IntoView {
    let id = t.id;
    let class = move || {
        let mut class = String::from("queue-row");
        if flash.read().contains(&id) {
            class.push_str(" flash");
        }
        if current.get() == index {
            class.push_str(" current");
        }
        class
    };
    // The countdown, with the exact deadline in the viewer's zone on hover.
    let due = {
        let t = t.clone();
        match next_due(&t) {
            Some(at) => crate::clock::moment(at, move |_| due_text(&t, now.get())).into_any(),
            None => (move || due_text(&t, now.get())).into_any(),
        }
    };
    let sla_class = {
        let t = t.clone();
        move || format!("sla sla-{}", SlaState::of(&t, now.get()).as_str())
    };
    view! {
        <tr class=class data-ticket=id>
            <td class="select">
                <input
                    type="checkbox"
                    name="ids[]"
                    value=id
                    aria-label=format!("Select ticket {id}")
                />
            </td>
            <td data-label="#">{id}</td>
            <td data-label="Subject">
                <a href=format!("/tickets/{id}")>{t.subject.clone()}</a>
            </td>
            <td data-label="Organization">{t.org_name.clone()}</td>
            <td data-label="Requester">{t.requester_name.clone()}</td>
            <td class="status" data-label="Status">
                <span class=format!("badge status-{}", t.status.as_str())>{t.status.label()}</span>
            </td>
            <td class=format!("priority-{}", t.priority.as_str()) data-label="Priority">
                {t.priority.label()}
            </td>
            <td data-label="Assignee">{t.assignee_name.clone().unwrap_or_else(|| "—".into())}</td>
            <td class=sla_class data-label="SLA due">
                {due}
            </td>
            <td data-label="Updated">
                <When at=t.last_activity_at />
            </td>
        </tr>
    }
}

/// How long until (or since) the next target, as a countdown reads.
pub fn due_text(t: &TicketSummary, now: OffsetDateTime) -> String {
    if !t.status.is_active() {
        return if t.sla_breached {
            "Breached".into()
        } else {
            "—".into()
        };
    }
    let Some(due) = next_due(t) else {
        return if t.sla_breached {
            "Breached".into()
        } else {
            "—".into()
        };
    };
    let minutes = (due - now).whole_minutes();
    if minutes < 0 {
        format!("Overdue {}", span(-minutes))
    } else if t.sla_breached {
        format!("Breached · next in {}", span(minutes))
    } else {
        format!("In {}", span(minutes))
    }
}

/// A ticket's countdown to its next target, ticking in the browser.
#[component]
pub fn SlaCountdown(ticket: TicketSummary) -> impl IntoView {
    let now = ticking_clock();
    let class = {
        let t = ticket.clone();
        move || format!("sla sla-{}", SlaState::of(&t, now.get()).as_str())
    };
    view! { <span class=class>"Next target: " {move || due_text(&ticket, now.get())}</span> }
}

/// Minutes as "3d 4h", "2h 05m" or "12m".
fn span(minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins:02}m")
    } else {
        format!("{mins}m")
    }
}

/// Rows the live stream just changed, highlighted for a moment.
fn flash_changed_rows(live: crate::live::Live) -> RwSignal<Vec<i64>> {
    let flash = RwSignal::new(Vec::<i64>::new());
    Effect::new(move |_| {
        let Some(id) = live
            .last
            .get()
            .filter(|event| !event.is_ephemeral())
            .and_then(|event| event.ticket_id)
        else {
            return;
        };
        flash.update(|ids| ids.push(id));
        set_timeout(
            move || flash.update(|ids| ids.retain(|i| *i != id)),
            std::time::Duration::from_secs(3),
        );
    });
    flash
}

/// The current time, moving every 30 seconds in the browser so countdowns count down.
fn ticking_clock() -> RwSignal<OffsetDateTime> {
    let now = RwSignal::new(OffsetDateTime::now_utc());
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || now.set(OffsetDateTime::now_utc()),
            std::time::Duration::from_secs(30),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    now
}

/// j / k move the current row, Enter opens it, `a` assigns it to me, `/` goes to search.
/// Keys typed into a field are left alone, and Enter on a link or button keeps its meaning.
/// The cursor follows its ticket when the list reloads (a claim with `a` can move it up), and
/// stays on the row that took its place when the ticket left the list.
fn keyboard(
    data: Resource<Result<QueueData, AppError>>,
    bulk: ServerAction<BulkUpdate>,
) -> RwSignal<usize> {
    let current = RwSignal::new(0usize);
    #[cfg(feature = "hydrate")]
    {
        // The ticket under the cursor, once a key has moved it.
        let on = StoredValue::new(None::<i64>);
        Effect::new(move |_| {
            let Some(Ok(data)) = data.get() else {
                return;
            };
            let tickets = &data.page.tickets;
            match on
                .get_value()
                .and_then(|id| tickets.iter().position(|t| t.id == id))
            {
                Some(row) => current.set(row),
                None => {
                    let row = current.get_untracked().min(tickets.len().saturating_sub(1));
                    current.set(row);
                    on.set_value(tickets.get(row).map(|t| t.id));
                }
            }
        });
        use wasm_bindgen::JsCast;
        let navigate = leptos_router::hooks::use_navigate();
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let tag = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .map(|el| el.tag_name())
                .unwrap_or_default();
            if matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT") {
                return;
            }
            let ids: Vec<i64> = match data.get_untracked() {
                Some(Ok(data)) => data.page.tickets.iter().map(|t| t.id).collect(),
                _ => return,
            };
            let Some(last) = ids.len().checked_sub(1) else {
                return;
            };
            let at = current.get_untracked().min(last);
            match ev.key().as_str() {
                "j" => current.set((at + 1).min(last)),
                "k" => current.set(at.saturating_sub(1)),
                "Enter" if !matches!(tag.as_str(), "A" | "BUTTON") => {
                    ev.prevent_default();
                    navigate(&format!("/tickets/{}", ids[at]), Default::default());
                }
                "a" => {
                    bulk.dispatch(BulkUpdate {
                        ids: Some(vec![ids[at]]),
                        action: "assign_me".into(),
                    });
                }
                "/" => {
                    ev.prevent_default();
                    if let Some(search) = document().get_element_by_id("queue-search")
                        && let Ok(search) = search.dyn_into::<web_sys::HtmlElement>()
                        && let Err(err) = search.focus()
                    {
                        leptos::logging::warn!("cannot focus the search box: {err:?}");
                    }
                }
                _ => return,
            }
            let row = ids[current.get_untracked().min(last)];
            on.set_value(Some(row));
            if let Ok(Some(row)) = document().query_selector(&format!("tr[data-ticket=\"{row}\"]"))
            {
                row.scroll_into_view_with_bool(false);
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (data, bulk);
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ticket() -> TicketSummary {
        let at = datetime!(2026-11-23 09:00 UTC);
        TicketSummary {
            id: 1001,
            subject: "Printer".into(),
            status: Status::Open,
            priority: Priority::Normal,
            category: "Printing".into(),
            org_id: 2,
            org_name: "Acme".into(),
            requester_id: 10,
            requester_name: "Rob".into(),
            assignee_id: None,
            assignee_name: None,
            created_at: at,
            last_activity_at: at,
            first_responded_at: None,
            first_response_due_at: Some(datetime!(2026-11-23 10:00 UTC)),
            resolution_due_at: Some(datetime!(2026-11-25 10:00 UTC)),
            sla_breached: false,
        }
    }

    #[test]
    fn the_countdown_reads_the_next_target() {
        let t = ticket();
        assert_eq!(due_text(&t, datetime!(2026-11-23 09:15 UTC)), "In 45m");
        assert_eq!(due_text(&t, datetime!(2026-11-23 08:00 UTC)), "In 2h 00m");
        let answered = TicketSummary {
            first_responded_at: Some(datetime!(2026-11-23 09:30 UTC)),
            ..t.clone()
        };
        assert_eq!(
            due_text(&answered, datetime!(2026-11-23 09:30 UTC)),
            "In 2d 0h"
        );
        let late = TicketSummary {
            sla_breached: true,
            ..t
        };
        assert_eq!(
            due_text(&late, datetime!(2026-11-23 10:20 UTC)),
            "Overdue 20m"
        );
    }

    #[test]
    fn due_soon_means_within_two_hours_and_not_yet_missed() {
        let t = ticket();
        assert_eq!(
            SlaState::of(&t, datetime!(2026-11-23 09:00 UTC)),
            SlaState::DueSoon
        );
        assert_eq!(
            SlaState::of(&t, datetime!(2026-11-23 07:00 UTC)),
            SlaState::Ok
        );
    }

    #[test]
    fn bulk_actions_name_one_change_each() {
        assert_eq!(
            bulk_patch("assign_me", 7).unwrap().assignee_id,
            Some(Some(7))
        );
        assert_eq!(bulk_patch("unassign", 7).unwrap().assignee_id, Some(None));
        assert_eq!(
            bulk_patch("status:closed", 7).unwrap().status,
            Some(Status::Closed)
        );
        assert_eq!(
            bulk_patch("assign:12", 7).unwrap().assignee_id,
            Some(Some(12))
        );
        for bad in ["", "status:lost", "assign:x", "explode"] {
            assert!(bulk_patch(bad, 7).is_err(), "{bad}");
        }
    }
}
