//! The home page, `/`: the sections of the caller's role, loaded once and refreshed by the
//! live stream. An employee's page opens with "What do you need help with?", answered from the
//! wiki as they type, then where each of their open requests stands.

use super::{Home, MyRequests, Standing};
use crate::accounts::{Actor, Role};
use crate::auth::{Protected, anyone};
use crate::clock::{Due, When};
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::tickets::TimelineEntry;
use leptos::prelude::*;
use leptos_meta::Title;
use time::OffsetDateTime;

#[server]
pub async fn load_home() -> Result<Home, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let today = crate::clock::requested().0.today();
        backend.home.home(&actor, today).await
    })
    .await
}

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <Protected allow=anyone render=|me: Actor| view! { <HomeView me /> } />
    }
}

#[component]
fn HomeView(me: Actor) -> impl IntoView {
    let changed = crate::live::use_live().any_version();
    let seen = ServerAction::<super::desk::MarkDeskSeen>::new();
    let home = Resource::new(
        move || (changed.get(), seen.version().get()),
        |_| load_home(),
    );
    let user = me.user_id;
    view! {
        <h1>{format!("Hello, {}", me.name)}</h1>
        {(me.role == Role::Requester).then(|| view! { <Ask /> })}
        {(me.role == Role::Admin).then(|| view! { <crate::setup::page::SetupCard /> })}
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(home) => view! { <Sections home user seen /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Sections(
    home: Home,
    user: crate::accounts::UserId,
    seen: ServerAction<super::desk::MarkDeskSeen>,
) -> impl IntoView {
    view! {
        {home.month.map(|month| view! { <super::month::MonthCard month /> })}
        {home.desk.map(|desk| view! { <super::desk::DeskView desk seen /> })}
        {home.requests.map(|requests| view! { <Requests requests user /> })}
    }
}

/// The search an employee starts from: the wiki's answers as they type (with JavaScript), the
/// wiki's search page without; and a request, with what they typed as its subject, when no
/// answer fits.
#[component]
fn Ask() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let new_request = move || new_request_href(&typed.get());
    view! {
        <form class="ask" role="search" method="get" action="/wiki">
            <label for="ask">"What do you need help with?"</label>
            <input
                type="search"
                id="ask"
                name="q"
                aria-describedby="ask-hint"
                autocomplete="off"
                placeholder="The printer is offline, a new laptop, the VPN…"
                on:input=move |ev| typed.set(event_target_value(&ev))
            />
            <button type="submit">"Search"</button>
        </form>
        <p id="ask-hint" class="muted">
            "The answer may already be in the wiki. If not, "
            <a href=new_request>"ask for help"</a>
            "."
        </p>
        <Answers typed />
    }
}

/// `/tickets/new`, with `typed` as the new request's subject.
pub fn new_request_href(typed: &str) -> String {
    let subject = typed.trim();
    if subject.is_empty() {
        return "/tickets/new".into();
    }
    let subject: String = subject
        .chars()
        .take(crate::tickets::Subject::MAX_CHARS)
        .collect();
    format!(
        "/tickets/new?subject={}",
        crate::tickets::filter::encode(&subject)
    )
}

/// Articles answering what is typed, a moment after typing pauses. Needs JavaScript.
#[component]
fn Answers(typed: RwSignal<String>) -> impl IntoView {
    let settled = crate::components::settled(typed.into());
    let hits = Resource::new(
        move || settled.get(),
        |q| async move {
            if q.split_whitespace().count() == 0 {
                Ok(None)
            } else {
                crate::wiki::help::suggest_articles(q.clone())
                    .await
                    .map(|hits| Some((q, hits)))
            }
        },
    );
    view! {
        <div class="answers js-only" aria-live="polite">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match hits.await {
                        Ok(None) => ().into_any(),
                        Ok(Some((q, hits))) if hits.is_empty() => {
                            view! {
                                <p class="card">
                                    "Nothing in the wiki matches yet. "
                                    <a class="button primary" href=new_request_href(&q)>
                                        "Ask for help"
                                    </a>
                                </p>
                            }
                                .into_any()
                        }
                        Ok(Some((q, hits))) => {
                            view! {
                                <section class="card" aria-labelledby="answers-heading">
                                    <h2 id="answers-heading">"From the wiki"</h2>
                                    <ul class="hits">
                                        {hits
                                            .into_iter()
                                            .map(|hit| {
                                                view! {
                                                    <li>
                                                        <a href=format!(
                                                            "/wiki/{}?from=request",
                                                            hit.slug,
                                                        )>{hit.title}</a>
                                                        <p class="snippet" inner_html=hit.snippet></p>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                    <p>
                                        "Not it? "
                                        <a class="button primary" href=new_request_href(&q)>
                                            "Ask for help"
                                        </a>
                                    </p>
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The caller's open requests and where each stands.
#[component]
fn Requests(requests: MyRequests, user: crate::accounts::UserId) -> impl IntoView {
    let all = format!("/tickets?status=active&requester={user}");
    view! {
        <section class="card requests" aria-labelledby="requests-heading">
            <h2 id="requests-heading">"Your open requests"</h2>
            {if requests.open.is_empty() {
                view! {
                    <p class="empty">
                        "Nothing open. When you ask for help, your request shows here with where it stands: who replied, and what happens next."
                    </p>
                    <p>
                        <a class="button primary" href="/tickets/new">
                            "New request"
                        </a>
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="standings">
                        {requests
                            .open
                            .into_iter()
                            .map(|standing| view! { <StandingItem standing user /> })
                            .collect_view()}
                    </ul>
                    <p class="actions">
                        <a class="button primary" href="/tickets/new">
                            "New request"
                        </a>
                        " "
                        {requests
                            .more
                            .then(|| view! { <a href=all.clone()>"All your open requests"</a> })}
                    </p>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn StandingItem(standing: Standing, user: crate::accounts::UserId) -> impl IntoView {
    let t = &standing.ticket;
    let status = t.status.label_for(user, t.requester_id);
    let line = where_it_stands(&standing);
    view! {
        <li>
            <a href=format!("/tickets/{}", t.id)>{format!("#{} {}", t.id, t.subject)}</a>
            " "
            <span class=format!("badge status-{}", t.status.as_str())>{status}</span>
            <p class="standing muted">
                {line
                    .said
                    .map(|(what, at)| {
                        view! { <span>{what} " " <When at /></span> }
                    })}
                {line
                    .reply_due
                    .map(|at| {
                        view! { <span>"First reply " <Due at /></span> }
                    })} {line.nobody_on_it.then(|| view! { <span>"Nobody is on it yet"</span> })}
            </p>
        </li>
    }
}

/// Where a request stands, in parts the page joins: who spoke last and when, when a first
/// reply is due while nobody has answered, and whether anyone is on it.
#[derive(Debug, PartialEq)]
struct Line {
    said: Option<(String, OffsetDateTime)>,
    reply_due: Option<OffsetDateTime>,
    nobody_on_it: bool,
}

fn where_it_stands(standing: &Standing) -> Line {
    let t = &standing.ticket;
    let said = standing.latest.as_ref().map(|latest| {
        let entry = TimelineEntry {
            actor_name: if standing.latest_by_caller {
                Some("You".into())
            } else {
                latest.actor_name.clone()
            },
            ..latest.clone()
        };
        (crate::tickets::view::describe(&entry), entry.at)
    });
    let reply_due = t
        .first_response_due_at
        .filter(|_| t.first_responded_at.is_none());
    Line {
        said,
        reply_due,
        nobody_on_it: t.assignee_name.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::{Priority, Status, TicketSummary};
    use time::macros::datetime;

    fn ticket() -> TicketSummary {
        TicketSummary {
            id: 7,
            subject: "Printer offline".into(),
            status: Status::Open,
            priority: Priority::Normal,
            category: "Hardware".into(),
            org_id: 1,
            org_name: "Acme".into(),
            requester_id: 3,
            requester_name: "Rob".into(),
            assignee_id: Some(2),
            assignee_name: Some("Tom".into()),
            created_at: datetime!(2026-12-04 08:00 UTC),
            last_activity_at: datetime!(2026-12-04 09:05 UTC),
            first_responded_at: Some(datetime!(2026-12-04 09:05 UTC)),
            first_response_due_at: Some(datetime!(2026-12-04 12:00 UTC)),
            resolution_due_at: None,
            sla_breached: false,
        }
    }

    fn entry(kind: &str, actor: &str) -> TimelineEntry {
        TimelineEntry {
            id: 40,
            kind: kind.into(),
            actor_name: Some(actor.into()),
            actor_is_staff: actor == "Tom",
            body_html: None,
            old_value: None,
            new_value: None,
            internal: false,
            at: datetime!(2026-12-04 09:05 UTC),
        }
    }

    #[test]
    fn a_request_says_who_spoke_last_and_when() {
        let standing = Standing {
            ticket: ticket(),
            latest: Some(entry("comment", "Tom")),
            latest_by_caller: false,
        };
        assert_eq!(
            where_it_stands(&standing),
            Line {
                said: Some(("Tom replied".into(), datetime!(2026-12-04 09:05 UTC))),
                reply_due: None,
                nobody_on_it: false,
            }
        );
    }

    #[test]
    fn the_callers_own_words_read_as_you_and_an_unanswered_request_says_when_a_reply_is_due() {
        let mut ticket = ticket();
        ticket.first_responded_at = None;
        ticket.assignee_name = None;
        let standing = Standing {
            ticket,
            latest: Some(entry("created", "Rob")),
            latest_by_caller: true,
        };
        assert_eq!(
            where_it_stands(&standing),
            Line {
                said: Some((
                    "You filed the request".into(),
                    datetime!(2026-12-04 09:05 UTC)
                )),
                reply_due: Some(datetime!(2026-12-04 12:00 UTC)),
                nobody_on_it: true,
            }
        );
    }

    #[test]
    fn the_request_link_carries_what_was_typed_as_its_subject() {
        assert_eq!(new_request_href("  "), "/tickets/new");
        assert_eq!(
            new_request_href(" VPN & Wi-Fi "),
            "/tickets/new?subject=VPN%20%26%20Wi-Fi"
        );
    }
}
