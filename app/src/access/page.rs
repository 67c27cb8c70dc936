//! `/access`: an organization's access log as its manager (or an admin) reads it, newest first,
//! filtered by person and period with a plain GET form, paged by links, downloadable as CSV.

use super::{AccessEntry, AccessPage, AccessParams};
use crate::accounts::{Actor, Org, OrgId, Role};
use crate::auth::Protected;
use crate::clock::Stamp;
use crate::components::{ErrorNotice, OrgFilter};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// What the page shows: the chosen organization's log (none until an admin chooses one), and
/// for admins the client organizations to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessScreen {
    pub log: Option<AccessPage>,
    pub orgs: Vec<Org>,
}

#[server]
pub async fn load_access_log(
    org: Option<String>,
    // Every field may be absent; the argument must still arrive.
    #[server(default)] params: AccessParams,
) -> Result<AccessScreen, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let query = params.parse()?;
        let org =
            match org.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
                Some(raw) => Some(raw.parse::<OrgId>().map_err(|_| {
                    AppError::invalid("org", "Choose an organization from the list.")
                })?),
                // A manager's log is their own organization's; an admin chooses.
                None if !actor.is_admin() => Some(actor.org_id),
                None => None,
            };
        let log = match org {
            Some(org) => Some(backend.access.log(&actor, org, query).await?),
            None => None,
        };
        let orgs = if actor.is_admin() {
            backend
                .accounts
                .list_orgs(&actor)
                .await?
                .into_iter()
                .filter(|o| o.kind == crate::accounts::OrgKind::Client)
                .collect()
        } else {
            Vec::new()
        };
        Ok(AccessScreen { log, orgs })
    })
    .await
}

fn log_readers(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

#[component]
pub fn AccessLogPage() -> impl IntoView {
    view! {
        <Title text="Access log" />
        <Protected allow=log_readers render=|me: Actor| view! { <AccessView me /> } />
    }
}

#[component]
fn AccessView(me: Actor) -> impl IntoView {
    let query = use_query_map();
    let request = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("org"),
                AccessParams {
                    person: q.get("person"),
                    from: q.get("from"),
                    to: q.get("to"),
                    before: q.get("before"),
                    limit: q.get("limit"),
                },
            )
        })
    });
    let data = Resource::new(
        move || request.get(),
        |(org, params)| load_access_log(org, params),
    );
    let admin = me.is_admin();
    view! {
        <h1>"Access log"</h1>
        <p class="lead">
            "Every time someone of your IT provider opened one of your organization's tickets, "
            "downloaded one of its files or read a report about it. Opens of the same thing "
            "within ten minutes are one line with a count."
        </p>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                let (_, params) = request.get_untracked();
                match data.await {
                    Ok(screen) => view! { <LogView screen params admin /> }.into_any(),
                    Err(AppError::Invalid { fields }) => {
                        let text = fields.into_values().flatten().collect::<Vec<_>>().join(" ");
                        view! {
                            <p class="error" role="alert">
                                {text}
                            </p>
                            <p>
                                <a href="/access">"Show the whole log"</a>
                            </p>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound) => {
                        crate::components::not_found_status();
                        view! {
                            <p class="error" role="alert">
                                "There is no such organization among yours."
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LogView(screen: AccessScreen, params: AccessParams, admin: bool) -> impl IntoView {
    let org = screen.log.as_ref().map(|l| l.org_id);
    let filters = params.filter_query();
    view! {
        <Filters screen=screen.clone() params=params.clone() admin />
        {match screen.log {
            None => {
                view! { <p class="muted">"Choose an organization to read its log."</p> }.into_any()
            }
            Some(log) => {
                let csv = with_query(
                    &format!("/api/v1/orgs/{}/access-log.csv", log.org_id),
                    &filters,
                );
                let older = log
                    .next_before
                    .map(|before| {
                        let mut q = page_query(org, admin, &filters);
                        if let Some(limit) = params.limit.as_deref().filter(|l| !l.is_empty()) {
                            q.push(format!("limit={}", super::encode(limit)));
                        }
                        q.push(format!("before={before}"));
                        format!("/access?{}", q.join("&"))
                    });
                let newest = format!("/access?{}", page_query(org, admin, &filters).join("&"));
                let paged = params.before.as_deref().is_some_and(|b| !b.trim().is_empty());
                view! {
                    <p class="actions">
                        <a href=csv download>
                            "Download this log (CSV)"
                        </a>
                    </p>
                    <Entries entries=log.entries />
                    <p class="actions">
                        {paged.then(|| view! { <a href=newest.clone()>"Newest entries"</a> })}
                        {(paged && older.is_some()).then_some(" · ")}
                        {older.map(|href| view! { <a href=href>"Older entries"</a> })}
                    </p>
                }
                    .into_any()
            }
        }}
    }
}

/// `path` with `query` appended, when there is one.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The query parts that keep the page's organization (admins) and filters.
fn page_query(org: Option<OrgId>, admin: bool, filters: &str) -> Vec<String> {
    let mut q = Vec::new();
    if admin && let Some(org) = org {
        q.push(format!("org={org}"));
    }
    if !filters.is_empty() {
        q.push(filters.to_string());
    }
    q
}

#[component]
fn Filters(screen: AccessScreen, params: AccessParams, admin: bool) -> impl IntoView {
    let org = screen.log.as_ref().map(|l| l.org_id);
    let people = screen.log.map(|l| l.people).unwrap_or_default();
    let person = params.person.clone().unwrap_or_default();
    view! {
        <form class="filters" method="get" action="/access">
            {admin
                .then(|| {
                    view! {
                        <OrgFilter
                            id="access-org"
                            orgs=screen.orgs.clone()
                            selected=org
                            blank="Choose…"
                        />
                    }
                })}
            <div class="field">
                <label for="access-person">"Person"</label>
                <select id="access-person" name="person">
                    <option value="" selected=person.is_empty()>
                        "Everyone"
                    </option>
                    {people
                        .into_iter()
                        .map(|p| {
                            let selected = person == p.id.to_string();
                            view! {
                                <option value=p.id selected=selected>
                                    {p.name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="access-from">"From"</label>
                <input
                    id="access-from"
                    type="date"
                    name="from"
                    value=params.from.clone().unwrap_or_default()
                />
            </div>
            <div class="field">
                <label for="access-to">"To"</label>
                <input
                    id="access-to"
                    type="date"
                    name="to"
                    value=params.to.clone().unwrap_or_default()
                />
            </div>
            <button type="submit">"Show"</button>
        </form>
    }
}

#[component]
fn Entries(entries: Vec<AccessEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"Nobody of your IT provider opened anything here yet."</p> }
            .into_any();
    }
    // Times in the viewer's zone, named once in the heading (and on each card on a phone).
    let zone = crate::clock::zone_label();
    let when_heading = move || format!("When ({})", zone());
    view! {
        <table class="access-log stack" aria-label="Access log entries">
            <thead>
                <tr>
                    <th scope="col">{when_heading}</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"How"</th>
                    <th scope="col">"Times"</th>
                </tr>
            </thead>
            <tbody>
                {entries
                    .into_iter()
                    .map(|e| {
                        let what = match e.ticket_id {
                            Some(ticket) => {
                                view! {
                                    <a href=format!("/tickets/{ticket}")>{e.object.clone()}</a>
                                }
                                    .into_any()
                            }
                            None => e.object.clone().into_any(),
                        };
                        view! {
                            <tr>
                                <td data-label=when_heading>
                                    <Stamp at=e.first_at until=(e.count > 1).then_some(e.last_at) />
                                </td>
                                <td data-label="Who">{e.user_name.clone()}</td>
                                <td data-label="What">{format!("{}: ", e.kind.label())} {what}</td>
                                <td data-label="How">{e.via.label()}</td>
                                <td data-label="Times">{e.count}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
