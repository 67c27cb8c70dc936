//! One ticket: its description, the timeline, and what the viewer may do with it.
// A server function takes its form's fields as arguments; the staff form has eight.
#![allow(clippy::too_many_arguments)]

use super::{Rating, Status, TicketDetail, TicketId, TicketOptions, TicketSummary, TimelineEntry};
use crate::accounts::{Actor, UserId};
use crate::auth::{Protected, anyone};
use crate::clock::{Due, When};
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use crate::live::{Typing, Viewer};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

pub mod resolve;

/// What the ticket page shows: the ticket, and for staff the canned replies to pick from.
/// One resource, so the page hydrates from one piece of data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TicketScreen {
    pub ticket: TicketDetail,
    /// (id, title) of each canned reply; empty for the client's people.
    pub canned: Vec<(i64, String)>,
    /// Without JavaScript, what the reply box comes back with after an "Insert".
    pub prefill: Option<ReplyPrefill>,
    /// Categories and assignees to choose from (staff).
    pub options: TicketOptions,
    /// Wiki articles tied to the ticket (staff).
    pub articles: Vec<crate::wiki::TicketArticle>,
    /// Time logged on the ticket and the caller's timer (staff).
    pub time: Option<crate::reports::TicketTime>,
    /// The articles "What fixed it?" may be added to while the ticket is resolved (staff,
    /// active tickets).
    pub fixes: Vec<resolve::FixArticle>,
}

/// The reply box as an "Insert" sent without JavaScript leaves it: the text typed so far with
/// the chosen canned reply added to its end, in the mode it was written in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplyPrefill {
    pub text: String,
    /// Written as an internal note.
    pub note: bool,
    /// Why no canned reply was added, shown beside the picker.
    pub error: Option<String>,
}

/// What the reply form's "Insert" sends without JavaScript. `POST /tickets/{id}` renders the
/// ticket page with it as context, so the half-written reply travels in the request's body
/// and never in an address (which logs and the history keep).
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CannedInsert {
    /// The canned reply's id; empty while "Choose…" is selected.
    #[serde(default)]
    pub canned: String,
    #[serde(default)]
    pub body: String,
    /// The reply form's mode, `on` for an internal note.
    #[serde(default)]
    pub internal: Option<String>,
}

#[cfg(feature = "ssr")]
impl CannedInsert {
    /// The reply box it comes back as, for staff of ticket `id`. A canned reply that is not
    /// there is said beside the picker, keeping the text; other failures are the page's.
    async fn prefill(
        self,
        backend: &crate::backend::Backend,
        actor: &Actor,
        id: i64,
    ) -> Result<ReplyPrefill, AppError> {
        // A form sends line breaks as CRLF.
        let typed = self.body.replace("\r\n", "\n");
        let note = self.internal.as_deref() == Some("on");
        let Ok(canned) = self.canned.trim().parse::<i64>() else {
            return Ok(ReplyPrefill {
                text: typed,
                note,
                error: Some("Choose a canned reply to insert.".into()),
            });
        };
        match backend.canned.expand_canned(actor, canned, id).await {
            Ok(reply) => Ok(ReplyPrefill {
                text: super::canned::insert_at(&typed, typed.len(), &reply).0,
                note,
                error: None,
            }),
            Err(AppError::NotFound) => Ok(ReplyPrefill {
                text: typed,
                note,
                error: Some("That canned reply is no longer there; choose another.".into()),
            }),
            Err(e) => Err(e),
        }
    }
}

/// A ticket page's data. Rendered for the reply form's "Insert" without JavaScript, the page
/// has a [`CannedInsert`] in context, and the reply box comes back filled.
#[server]
pub async fn get_ticket(id: i64) -> Result<TicketScreen, AppError> {
    let insert = use_context::<CannedInsert>();
    crate::backend::as_caller(|actor, backend| async move {
        let ticket = backend
            .tickets
            .open(&actor, id, crate::backend::via())
            .await?;
        if !actor.is_provider_staff() {
            return Ok(TicketScreen {
                ticket,
                canned: Vec::new(),
                prefill: None,
                options: TicketOptions::default(),
                articles: Vec::new(),
                time: None,
                fixes: Vec::new(),
            });
        }
        let list = backend
            .canned
            .list_canned(&actor)
            .await?
            .into_iter()
            .map(|r| (r.id, r.title))
            .collect();
        let prefill = match insert {
            Some(insert) => Some(insert.prefill(&backend, &actor, id).await?),
            None => None,
        };
        let options = backend
            .tickets
            .options(&actor, Some(ticket.summary.org_id))
            .await?;
        let articles = backend.wiki.linked(&actor, id).await?;
        let time = Some(backend.reports.ticket_time(&actor, id).await?);
        let fixes = if ticket.summary.status.is_active() {
            let near =
                resolve::ssr::near_articles(&backend, &actor, &ticket.summary.subject).await?;
            resolve::choices(&articles, near)
        } else {
            Vec::new()
        };
        Ok(TicketScreen {
            ticket,
            canned: list,
            prefill,
            options,
            articles,
            time,
            fixes,
        })
    })
    .await
}

/// `internal` is the reply form's mode: `on` for an internal note, `off` (or nothing, as the
/// client's people send) for a public reply.
#[server]
pub async fn add_comment(id: i64, body: String, internal: Option<String>) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let internal = match internal.as_deref() {
            None | Some("off") => false,
            Some("on") => true,
            Some(_) => {
                return Err(AppError::invalid(
                    "internal",
                    "Choose a reply or an internal note.",
                ));
            }
        };
        backend.tickets.comment(&actor, id, &body, internal).await?;
        // Sent without JavaScript, the form goes back to the ticket itself (not to the page
        // it came from, which an "Insert" may have rendered from its own post), so the box
        // comes back empty.
        if crate::backend::plain_form() {
            leptos_axum::redirect(&format!("/tickets/{id}"));
        }
        Ok(())
    })
    .await
}

/// Changes from the staff form or the requester's buttons. `assignee` is empty for no change,
/// `none` to unassign, `me` for the caller, or a user id. Resolving, staff may say what fixed
/// it (`fix`), saved to the wiki: added to the article `fix_article`, or as a new draft
/// (`new`), which waits for `fix_new_anyway` while an article with a near title exists.
#[server]
pub async fn update_ticket(
    id: i64,
    status: Option<String>,
    priority: Option<String>,
    category: Option<String>,
    assignee: Option<String>,
    #[server(default)] fix: Option<String>,
    #[server(default)] fix_article: Option<String>,
    #[server(default)] fix_new_anyway: Option<String>,
) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let assignee = match assignee.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("none") => Some(None),
            Some("me") => Some(Some(actor.user_id)),
            Some(raw) => Some(Some(raw.parse().map_err(|_| {
                AppError::invalid("assignee", "Choose someone from the list.")
            })?)),
        };
        let patch = super::TicketPatch::parse(
            status.as_deref(),
            priority.as_deref(),
            category.as_deref(),
            assignee,
        )?;
        // The fix is checked before anything is saved, so a refused one changes nothing.
        let capture = if patch.status == Some(Status::Resolved) {
            resolve::ssr::prepare(
                &backend,
                &actor,
                id,
                fix,
                fix_article,
                fix_new_anyway.is_some(),
            )
            .await?
        } else {
            None
        };
        backend.tickets.update(&actor, id, patch).await?;
        if let Some(capture) = capture {
            backend.wiki.capture(&actor, id, capture).await?;
        }
        Ok(())
    })
    .await
}

#[server]
pub async fn rate_ticket(id: i64, rating: String, comment: Option<String>) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let rating = Rating::parse(&rating).map_err(|m| AppError::invalid("rating", m))?;
        backend
            .tickets
            .rate(&actor, id, rating, comment)
            .await
            .map(|_| ())
    })
    .await
}

#[component]
pub fn TicketPage() -> impl IntoView {
    // The page's data and what changes it are made here, once, outside the sign-in guard's
    // Suspend: a resource made inside it would be made again, in another place, when the
    // browser hydrates, and load the ticket a second time.
    let controls = TicketControls::new();
    let id = controls.id;
    let live = crate::live::use_live();
    let changed = live.ticket_version(move || id.get());
    let ticket = Resource::new(
        move || {
            (
                id.get(),
                controls.reply.version().get(),
                controls.update.version().get(),
                controls.rate.version().get(),
                controls.uploads.get(),
                changed.get(),
                controls.time_actions.version(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_ticket(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Protected
            allow=anyone
            render=move |me: Actor| view! { <TicketView me ticket controls /> }
        />
    }
}

/// What the ticket page's forms change, and the state that outlives a re-render: made once
/// per visit and handed down.
#[derive(Clone, Copy)]
struct TicketControls {
    /// The ticket number in the address.
    id: Signal<Option<TicketId>>,
    reply: ServerAction<AddComment>,
    update: ServerAction<UpdateTicket>,
    rate: ServerAction<RateTicket>,
    time_actions: crate::reports::time_panel::TimeActions,
    /// Counts uploads, so the page reloads after one.
    uploads: RwSignal<u32>,
    /// What is typed in the reply box outlives the re-render a live change causes.
    draft: RwSignal<String>,
    /// Whether the server's prefill (an "Insert" sent without JavaScript) became the draft:
    /// it does once, not again after that reply is sent and the ticket reloads.
    prefilled: StoredValue<bool>,
    /// What the canned reply picker says went wrong.
    canned_error: RwSignal<Option<String>>,
    /// Set when someone else changes the ticket while a reply is being written.
    changed_meanwhile: RwSignal<bool>,
    /// "What fixed it?" as typed: it outlives the re-render a refused resolve causes.
    fix: RwSignal<String>,
    /// Who else is on this page, from the heartbeats' answers and the stream's presence events.
    viewers: RwSignal<Vec<Viewer>>,
    typist: Typist,
}

impl TicketControls {
    fn new() -> Self {
        let params = use_params_map();
        let typist = Typist::new();
        TicketControls {
            id: Signal::derive(move || {
                params
                    .read()
                    .get("id")
                    .and_then(|raw| raw.parse::<i64>().ok())
            }),
            reply: ServerAction::new(),
            update: ServerAction::new(),
            rate: ServerAction::new(),
            time_actions: crate::reports::time_panel::TimeActions::new(),
            uploads: RwSignal::new(0),
            draft: RwSignal::new(String::new()),
            prefilled: StoredValue::new(false),
            canned_error: RwSignal::new(None),
            changed_meanwhile: RwSignal::new(false),
            fix: RwSignal::new(String::new()),
            viewers: RwSignal::new(Vec::new()),
            typist,
        }
    }
}

#[component]
fn TicketView(
    me: Actor,
    ticket: Resource<Result<TicketScreen, AppError>>,
    controls: TicketControls,
) -> impl IntoView {
    let TicketControls {
        id,
        reply,
        draft,
        prefilled,
        canned_error,
        changed_meanwhile,
        viewers,
        typist,
        update,
        fix,
        ..
    } = controls;
    // A resolve that went through leaves "What fixed it?" empty for the next time.
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            fix.set(String::new());
        }
    });
    let live = crate::live::use_live();
    let my_id = me.user_id;
    Effect::new(move |_| {
        if let Some(event) = live.last.get()
            && !event.is_ephemeral()
            && event.ticket_id == id.get()
            && event.actor_id != Some(my_id)
            && !draft.get_untracked().trim().is_empty()
        {
            changed_meanwhile.set(true);
        }
    });
    Effect::new(move |_| {
        if let Some(event) = live.last.get()
            && event.ticket_id == id.get()
            && let Some(list) = event.presence()
        {
            viewers.set(list.viewers);
        }
    });
    let typing = typist.typing(draft);
    #[cfg(feature = "hydrate")]
    crate::live::keep_presence(Memo::new(move |_| id.get()), typing, viewers);
    #[cfg(not(feature = "hydrate"))]
    let _ = typing;
    // The box empties once a reply is answered only while it still holds what was sent: the
    // live stream can show the reply before its own answer arrives, and whatever was typed
    // (and ticked) for the next one meanwhile must stay.
    let sent = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        if let Some(input) = reply.input().get() {
            sent.set_value(Some(input.body));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = reply.value().get() {
            // A form post may have sent the text's line breaks as CRLF.
            let same =
                |a: &str, b: &str| a.replace("\r\n", "\n").trim() == b.replace("\r\n", "\n").trim();
            let unchanged = sent.with_value(|sent| {
                sent.as_deref()
                    .is_none_or(|sent| draft.with_untracked(|draft| same(draft, sent)))
            });
            if unchanged {
                draft.set(String::new());
                typist.note.set(false);
            }
            changed_meanwhile.set(false);
        }
    });
    view! {
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || {
                let me = me.clone();
                Suspend::new(async move {
                    match ticket.await {
                        Ok(
                            TicketScreen { ticket, canned, prefill, options, articles, time, fixes },
                        ) => {
                            if let Some(prefill) = prefill && !prefilled.get_value()
                                && draft.get_untracked().is_empty()
                            {
                                prefilled.set_value(true);
                                draft.set(prefill.text);
                                typist.note.set(prefill.note);
                                canned_error.set(prefill.error);
                            }
                            // A canned reply filled in by the server becomes the draft, once.
                            view! {
                                <TicketBody
                                    screen=StaffData {
                                        canned,
                                        options,
                                        articles,
                                        time,
                                        fixes,
                                    }
                                    ticket
                                    me
                                    controls
                                />
                            }
                                .into_any()
                        }
                        Err(AppError::NotFound) => {
                            crate::components::not_found_status();
                            view! {
                                <Title text="Not found" />
                                <section class="card">
                                    <h1>"Ticket not found"</h1>
                                    <p>
                                        <a href="/tickets">"Back to the tickets"</a>
                                    </p>
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// What only the provider's staff see beside a ticket.
struct StaffData {
    canned: Vec<(i64, String)>,
    options: TicketOptions,
    articles: Vec<crate::wiki::TicketArticle>,
    time: Option<crate::reports::TicketTime>,
    fixes: Vec<resolve::FixArticle>,
}

#[component]
fn TicketBody(
    ticket: TicketDetail,
    screen: StaffData,
    me: Actor,
    controls: TicketControls,
) -> impl IntoView {
    let s = ticket.summary.clone();
    let viewers = controls.viewers;
    // Erased into AnyView: the whole page as one nested type is too deep for the compiler.
    let acts = super::can_act(&me, s.org_id, s.requester_id);
    let canned = screen.canned.clone();
    let conversation = view! { <Conversation ticket=ticket.clone() staff=me.is_provider_staff() acts canned controls /> }
    .into_any();
    let side = view! { <Side ticket screen me=me.clone() controls /> }.into_any();
    view! {
        <Title text=format!("#{} {}", s.id, s.subject) />
        <article class="ticket">
            <TicketHead s=s.clone() me=me.user_id viewers />
            <div class="grid">{conversation} {side}</div>
        </article>
    }
}

/// The description, the timeline, the files and the forms that add to them.
#[component]
fn Conversation(
    ticket: TicketDetail,
    staff: bool,
    /// Whether the caller may add to the ticket; a colleague it is shared with only reads.
    acts: bool,
    /// The canned replies staff may insert into the reply box.
    canned: Vec<(i64, String)>,
    controls: TicketControls,
) -> impl IntoView {
    let TicketControls {
        reply,
        uploads,
        draft,
        changed_meanwhile,
        canned_error,
        typist,
        ..
    } = controls;
    let s = &ticket.summary;
    view! {
        <div class="conversation">
            <section class="card description" aria-label="Description">
                <div class="markdown" inner_html=ticket.body_html.clone()></div>
            </section>
            <h2>"Timeline"</h2>
            <ol class="timeline">
                {ticket
                    .timeline
                    .iter()
                    .cloned()
                    .map(|entry| view! { <Entry entry /> })
                    .collect_view()}
            </ol>
            <Attachments list=ticket.attachments.clone() />
            {if acts {
                view! {
                    <ReplyForm
                        id=s.id
                        staff
                        requester=super::canned::first_name(&s.requester_name).to_string()
                        canned
                        reply
                        draft
                        changed_meanwhile
                        canned_error
                        typist
                    />
                    <UploadForm id=s.id staff uploads />
                }
                    .into_any()
            } else {
                view! {
                    <p class="muted">
                        "This ticket is shared with you to read; " {s.requester_name.clone()}
                        " and your managers can reply."
                    </p>
                }
                    .into_any()
            }}
        </div>
    }
}

/// The side panel: staff's controls, time and articles, or the requester's actions; rating.
#[component]
fn Side(
    ticket: TicketDetail,
    screen: StaffData,
    me: Actor,
    controls: TicketControls,
) -> impl IntoView {
    let TicketControls {
        update,
        rate,
        time_actions,
        fix,
        ..
    } = controls;
    let StaffData {
        options,
        articles,
        time,
        fixes,
        ..
    } = screen;
    let s = ticket.summary.clone();
    let staff = me.is_provider_staff();
    let update_error = Signal::derive(move || update.value().get().and_then(Result::err));
    let rate_error = Signal::derive(move || rate.value().get().and_then(Result::err));
    let acts = super::can_act(&me, s.org_id, s.requester_id);
    let can_rate = !staff && acts && matches!(s.status, Status::Resolved | Status::Closed);
    view! {
        <aside class="side">
            <p class="error" role="alert">
                {move || form_error(update_error.get())}
            </p>
            <FieldError id="ticket-status-error" field="status" error=update_error />
            {if staff {
                view! {
                    <StaffPanel
                        ticket=ticket.clone()
                        options=options.clone()
                        fixes=fixes.clone()
                        fix
                        update
                        error=update_error
                    />
                    {time
                        .clone()
                        .map(|time| {
                            view! {
                                <crate::reports::time_panel::TimePanel
                                    id=s.id
                                    time
                                    actions=time_actions
                                />
                            }
                        })}
                    <crate::wiki::help::TicketWiki
                        id=s.id
                        status=s.status
                        articles=articles.clone()
                    />
                    <crate::mail::page::TicketMail id=s.id />
                }
                    .into_any()
            } else if acts {
                view! { <RequesterActions id=s.id status=s.status update /> }.into_any()
            } else {
                ().into_any()
            }}
            {(can_rate && ticket.rating.is_none())
                .then(|| view! { <RateForm id=s.id rate error=rate_error /> })}
            {ticket
                .rating
                .map(|rating| {
                    view! {
                        <p class="muted">
                            {match rating {
                                Rating::Good => "Rated: good",
                                Rating::Bad => "Rated: bad",
                            }}
                        </p>
                    }
                })}
        </aside>
    }
}

/// The ticket's number, subject, state and who is on it.
#[component]
fn TicketHead(s: TicketSummary, me: UserId, viewers: RwSignal<Vec<Viewer>>) -> impl IntoView {
    view! {
        <header class="ticket-head">
            <h1>{format!("#{} {}", s.id, s.subject)}</h1>
            <p class="meta">
                <span class=format!(
                    "badge status-{}",
                    s.status.as_str(),
                )>{s.status.label_for(me, s.requester_id)}</span>
                " "
                {format!(
                    "{} priority · {} · {} ({}) · opened ",
                    s.priority.label(),
                    s.category,
                    s.requester_name,
                    s.org_name,
                )}
                <When at=s.created_at />
            </p>
            <p class="meta">
                {s
                    .sla_breached
                    .then(|| {
                        view! {
                            <span class="badge breached">"SLA breached"</span>
                            " "
                        }
                    })}
                // Once answered, the reply target is history: when it was met, not how late.
                {s
                    .first_response_due_at
                    .map(|at| match s.first_responded_at {
                        Some(replied) => {
                            view! {
                                "First reply "
                                <When at=replied />
                                " · "
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                "Reply "
                                <Due at />
                                " · "
                            }
                                .into_any()
                        }
                    })}
                {s
                    .resolution_due_at
                    .filter(|_| s.status.is_active())
                    .map(|at| {
                        view! {
                            "Resolution "
                            <Due at />
                            " · "
                        }
                    })}
                {(s.status.is_active() && s.resolution_due_at.is_some())
                    .then(|| {
                        view! {
                            <super::queue::SlaCountdown ticket=s.clone() />
                            " · "
                        }
                    })}
                {match &s.assignee_name {
                    Some(name) => format!("{name} is on it."),
                    None => "Nobody is on it yet.".to_string(),
                }}
            </p>
            <AlsoHere viewers me />
        </header>
    }
}

/// One timeline entry in words.
pub(crate) fn describe(entry: &TimelineEntry) -> String {
    let who = entry
        .actor_name
        .clone()
        .unwrap_or_else(|| "Deskside".into());
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "nobody".into());
    match entry.kind.as_str() {
        "created" => format!("{who} filed the request"),
        "comment" => format!("{who} replied"),
        "note" => format!("{who} added an internal note"),
        "status" => format!(
            "{who} changed the status from {} to {}",
            status_label(&entry.old_value),
            status_label(&entry.new_value)
        ),
        "assignee" => match &entry.new_value {
            Some(name) => format!("{who} assigned it to {name}"),
            None => format!("{who} unassigned {}", value(&entry.old_value)),
        },
        "priority" => format!(
            "{who} changed the priority from {} to {}",
            value(&entry.old_value),
            value(&entry.new_value)
        ),
        "category" => format!(
            "{who} moved it from {} to {}",
            value(&entry.old_value),
            value(&entry.new_value)
        ),
        "rating" => format!("{who} rated the resolution {}", value(&entry.new_value)),
        "attachment" => format!("{who} attached {}", value(&entry.new_value)),
        "time" => match (&entry.old_value, &entry.new_value) {
            (None, Some(logged)) => format!("{who} logged {logged}"),
            (Some(was), Some(now)) => format!("{who} changed logged time from {was} to {now}"),
            (Some(was), None) => format!("{who} removed {was} of logged time"),
            (None, None) => format!("{who} changed logged time"),
        },
        "sla_breach" => match entry.new_value.as_deref() {
            Some("first_response") => "First response target missed".to_string(),
            Some("resolution") => "Resolution target missed".to_string(),
            _ => "A service-level target was missed".to_string(),
        },
        other => format!("{who}: {other}"),
    }
}

fn status_label(value: &Option<String>) -> &'static str {
    value
        .as_deref()
        .and_then(|v| Status::parse(v).ok())
        .map(Status::label)
        .unwrap_or("unknown")
}

#[component]
fn Entry(entry: TimelineEntry) -> impl IntoView {
    let class = match (entry.kind.as_str(), entry.internal) {
        (_, true) => "entry note",
        ("comment", _) => "entry comment",
        ("sla_breach", _) => "entry change breach",
        _ => "entry change",
    };
    view! {
        <li class=class>
            <p class="entry-head">
                {entry
                    .internal
                    .then(|| {
                        view! {
                            <span class="badge internal">"Internal"</span>
                            " "
                        }
                    })} {describe(&entry)} " · " <When at=entry.at />
            </p>
            {entry.body_html.map(|html| view! { <div class="markdown" inner_html=html></div> })}
        </li>
    }
}

#[component]
fn Attachments(list: Vec<super::Attachment>) -> impl IntoView {
    (!list.is_empty()).then(|| {
        view! {
            <section aria-labelledby="files-heading">
                <h2 id="files-heading">"Files"</h2>
                <ul class="attachments">
                    {list
                        .into_iter()
                        .map(|file| {
                            let href = format!("/api/v1/attachments/{}", file.id);
                            let label = format!(
                                "{} ({} KB, {})",
                                file.file_name,
                                (file.size + 1023) / 1024,
                                file.uploader_name,
                            );
                            view! {
                                <li class:internal=file
                                    .internal>
                                    {file
                                        .is_image
                                        .then(|| {
                                            view! {
                                                <a href=href.clone()>
                                                    <img
                                                        src=href.clone()
                                                        alt=file.file_name.clone()
                                                        class="thumb"
                                                        loading="lazy"
                                                    />
                                                </a>
                                            }
                                        })}
                                    {file
                                        .internal
                                        .then(|| {
                                            view! {
                                                <span class="badge internal">"Internal"</span>
                                                " "
                                            }
                                        })} <a href=href>{label}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

/// Sends files to the ticket from the browser, reporting progress; the problem on failure.
#[cfg(feature = "hydrate")]
async fn send_files(
    id: i64,
    files: Vec<web_sys::File>,
    progress: RwSignal<Option<f64>>,
) -> Result<(), String> {
    const CANNOT: &str = "This browser cannot upload files.";
    let form = web_sys::FormData::new().map_err(|_| CANNOT)?;
    for file in &files {
        form.append_with_blob_and_filename("file", file, &file.name())
            .map_err(|_| CANNOT)?;
    }
    let url = format!("/api/v1/tickets/{id}/attachments");
    let (status, body) =
        crate::upload::send(&url, &form, move |done| progress.set(Some(done))).await?;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let err = crate::upload::error_from_api(status, &body);
    Err(err.field("file").unwrap_or_else(|| err.to_string()))
}

/// A plain multipart form that works without JavaScript (the server redirects back here);
/// with JavaScript, screenshots can also be pasted anywhere on the page or dropped on it.
#[component]
fn UploadForm(id: i64, staff: bool, uploads: RwSignal<u32>) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let sending = RwSignal::new(false);
    let progress = RwSignal::new(None::<f64>);
    let failure = RwSignal::new(None::<String>);
    let error = move || failure.get().or_else(|| query.read().get("upload_error"));
    #[cfg(feature = "hydrate")]
    let send = move |files: Vec<web_sys::File>| {
        if files.is_empty() {
            return;
        }
        sending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let outcome = send_files(id, files, progress).await;
            sending.set(false);
            progress.set(None);
            match outcome {
                Ok(()) => uploads.update(|n| *n += 1),
                Err(message) => failure.set(Some(message)),
            }
        });
    };
    #[cfg(feature = "hydrate")]
    {
        let paste = window_event_listener(leptos::ev::paste, move |ev| {
            let files = crate::upload::files_of(ev.clipboard_data().and_then(|data| data.files()));
            if !files.is_empty() {
                ev.prevent_default();
                send(files);
            }
        });
        on_cleanup(move || paste.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = uploads;
    view! {
        <p class="muted js-only">"Paste a screenshot anywhere on this page, or drop files here."</p>
        <div class="progress" role="status">
            {move || {
                sending
                    .get()
                    .then(|| {
                        let percent = (progress.get().unwrap_or(0.0) * 100.0).round();
                        view! {
                            <label for="upload-progress">
                                {format!("Uploading… {percent}%")}
                            </label>
                            <progress id="upload-progress" max="100" value=percent></progress>
                        }
                    })
            }}
        </div>
        <form
            on:dragover=|ev| ev.prevent_default()
            on:drop=move |ev| {
                ev.prevent_default();
                #[cfg(feature = "hydrate")]
                send(crate::upload::files_of(ev.data_transfer().and_then(|data| data.files())));
            }
            class="card upload"
            method="post"
            enctype="multipart/form-data"
            action=format!("/tickets/{id}/attachments")
        >
            <div class="field">
                <label for="upload-file">"Attach files"</label>
                <input
                    id="upload-file"
                    type="file"
                    name="file"
                    multiple
                    aria-describedby="upload-file-error"
                />
                <p id="upload-file-error" class="field-error" aria-live="polite">
                    {error}
                </p>
            </div>
            {staff
                .then(|| {
                    view! {
                        <div class="check">
                            <input
                                id="upload-internal"
                                type="checkbox"
                                name="internal"
                                value="on"
                            />
                            <label for="upload-internal">
                                "Internal (only the provider's staff see it)"
                            </label>
                        </div>
                    }
                })}
            <button type="submit">"Upload"</button>
        </form>
    }
}

/// How long after the last keystroke someone counts as typing.
const TYPING_PAUSE: std::time::Duration = std::time::Duration::from_secs(4);

/// What the reply box tells the others on the page: whether it holds unsent text edited in
/// the last few seconds, and whether that is an internal note. Like the draft, it outlives
/// the re-render a live change causes.
#[derive(Clone, Copy)]
struct Typist {
    recent: RwSignal<bool>,
    edits: StoredValue<u64>,
    note: RwSignal<bool>,
}

impl Typist {
    fn new() -> Self {
        Typist {
            recent: RwSignal::new(false),
            edits: StoredValue::new(0),
            note: RwSignal::new(false),
        }
    }

    /// The reply box changed: typing, until `TYPING_PAUSE` passes without another change.
    fn edited(self) {
        self.recent.set(true);
        self.edits.update_value(|n| *n += 1);
        let edit = self.edits.get_value();
        set_timeout(
            move || {
                // The page may be gone by now.
                if self.edits.try_get_value() == Some(edit) {
                    self.recent.try_set(false);
                }
            },
            TYPING_PAUSE,
        );
    }

    /// What is being typed, if anything; moves only when that changes.
    fn typing(self, draft: RwSignal<String>) -> Memo<Option<Typing>> {
        Memo::new(move |_| {
            (self.recent.get() && !draft.with(|d| d.trim().is_empty())).then(|| {
                if self.note.get() {
                    Typing::Note
                } else {
                    Typing::Reply
                }
            })
        })
    }
}

/// "Also here: Tom Technician (typing…)": who else has this ticket open. Filled in by the
/// live stream, so it stays empty without JavaScript.
#[component]
fn AlsoHere(viewers: RwSignal<Vec<Viewer>>, me: crate::accounts::UserId) -> impl IntoView {
    let others = move || {
        let names = viewers.with(|list| {
            list.iter()
                .filter(|v| v.user_id != me)
                .map(|v| match v.typing {
                    Some(Typing::Reply) => format!("{} (typing…)", v.name),
                    Some(Typing::Note) => format!("{} (writing a note…)", v.name),
                    None => v.name.clone(),
                })
                .collect::<Vec<_>>()
        });
        (!names.is_empty()).then(|| format!("Also here: {}", names.join(", ")))
    };
    view! {
        <p class="presence" role="status">
            {others}
        </p>
    }
}

/// The reply box. Staff switch it between a reply to the requester and an internal note:
/// two radio buttons sending `internal` as `off` or `on`, and the form's look, hint and
/// button follow the checked one through CSS (`:has`), so it is the same before the
/// WebAssembly loads and after.
#[component]
fn ReplyForm(
    id: i64,
    staff: bool,
    /// The requester's first name, for "Reply to Rob".
    requester: String,
    canned: Vec<(i64, String)>,
    reply: ServerAction<AddComment>,
    draft: RwSignal<String>,
    changed_meanwhile: RwSignal<bool>,
    canned_error: RwSignal<Option<String>>,
    typist: Typist,
) -> impl IntoView {
    let error = Signal::derive(move || reply.value().get().and_then(Result::err));
    let body = NodeRef::<leptos::html::Textarea>::new();
    // Until the box is first focused, a canned reply goes at the end of what it holds.
    let focused = StoredValue::new(false);
    view! {
        <ActionForm action=reply attr:class="card reply">
            <input type="hidden" name="id" value=id />
            <p class="error" role="alert">
                {move || form_error(error.get())}
            </p>
            <p class="warning" role="alert">
                {move || {
                    changed_meanwhile
                        .get()
                        .then_some(
                            "Someone else changed this ticket while you were writing: read the new entries above before you send.",
                        )
                }}
            </p>
            {staff
                .then(|| {
                    view! {
                        <fieldset class="reply-mode">
                            <legend class="visually-hidden">"Write"</legend>
                            <label>
                                <input
                                    id="reply-mode-reply"
                                    type="radio"
                                    name="internal"
                                    value="off"
                                    checked=!typist.note.get_untracked()
                                    prop:checked=move || !typist.note.get()
                                    on:change=move |_| typist.note.set(false)
                                />
                                {format!("Reply to {requester}")}
                            </label>
                            <label>
                                <input
                                    id="reply-mode-note"
                                    type="radio"
                                    name="internal"
                                    value="on"
                                    aria-describedby="reply-note-hint"
                                    checked=typist.note.get_untracked()
                                    prop:checked=move || typist.note.get()
                                    on:change=move |_| typist.note.set(true)
                                />
                                "Internal note"
                            </label>
                        </fieldset>
                        <p id="reply-note-hint" class="note-hint">
                            "Only staff see this."
                        </p>
                        <FieldError id="reply-internal-error" field="internal" error=error />
                    }
                })}
            {(staff && !canned.is_empty())
                .then(|| {
                    view! {
                        <CannedPicker
                            id
                            list=canned
                            body
                            draft
                            focused
                            failure=canned_error
                            typist
                        />
                    }
                })}
            <div class="field">
                <label for="reply-body">
                    {if staff {
                        view! {
                            <span class="for-reply">"Your reply"</span>
                            <span class="for-note">"Your note"</span>
                        }
                            .into_any()
                    } else {
                        "Your reply".into_any()
                    }}
                </label>
                <textarea
                    id="reply-body"
                    name="body"
                    rows="5"
                    required
                    aria-describedby="reply-body-error"
                    node_ref=body
                    on:focus=move |_| focused.set_value(true)
                    prop:value=move || draft.get()
                    on:input=move |ev| {
                        draft.set(event_target_value(&ev));
                        typist.edited();
                    }
                    // The text follows the draft too: this form may be rebuilt (a live
                    // change arriving before the send's answer) while the draft still holds
                    // what was just sent, and stale text would come back on a form reset.
                    inner_html=move || crate::components::textarea_text(&draft.get())
                ></textarea>
                <FieldError id="reply-body-error" field="body" error=error />
            </div>
            <button type="submit" class="primary" disabled=move || reply.pending().get()>
                {if staff {
                    view! {
                        <span class="for-reply">{format!("Send reply to {requester}")}</span>
                        <span class="for-note">"Add internal note"</span>
                    }
                        .into_any()
                } else {
                    "Send".into_any()
                }}
            </button>
        </ActionForm>
    }
}

/// Staff pick a canned reply inside the reply form. With JavaScript, choosing one puts it in
/// the box at the cursor, keeping what was typed, and the cursor lands after it. Without, the
/// "Insert" button posts the form to the ticket page (`POST /tickets/{id}`, never a GET that
/// would put the reply in the address), which comes back with the reply added to the end of
/// the text, in the same mode.
#[component]
fn CannedPicker(
    id: i64,
    list: Vec<(i64, String)>,
    body: NodeRef<leptos::html::Textarea>,
    draft: RwSignal<String>,
    focused: StoredValue<bool>,
    /// What went wrong, inserting here or (without JavaScript) on the server.
    failure: RwSignal<Option<String>>,
    typist: Typist,
) -> impl IntoView {
    let pick = move |ev: leptos::ev::Event| {
        let Ok(canned) = event_target_value(&ev).parse::<i64>() else {
            return;
        };
        // Back to "Choose…", so the same reply can be inserted twice.
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(select) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                select.set_value("");
            }
        }
        leptos::task::spawn_local(async move {
            match super::canned::page::expand_canned_reply(id, canned).await {
                Ok(text) => {
                    failure.set(None);
                    insert_at_cursor(body, draft, focused, &text);
                    typist.edited();
                }
                Err(err) => failure.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <div class="field canned-picker">
            <label for="canned-pick">"Canned reply"</label>
            <select
                id="canned-pick"
                name="canned"
                aria-describedby="canned-pick-error"
                on:change=pick
            >
                <option value="">"Choose…"</option>
                {list
                    .into_iter()
                    .map(|(id, title)| view! { <option value=id>{title}</option> })
                    .collect_view()}
            </select>
            <button
                type="submit"
                class="no-js-only"
                formmethod="post"
                formaction=format!("/tickets/{id}")
                formnovalidate
            >
                "Insert"
            </button>
            <p id="canned-pick-error" class="field-error" aria-live="polite">
                {move || failure.get()}
            </p>
        </div>
    }
}

/// Splices `text` into the reply box at its cursor (or, never focused, at the end) and puts
/// the cursor after it. Browsers count the cursor in UTF-16 units; Rust strings in bytes.
fn insert_at_cursor(
    body: NodeRef<leptos::html::Textarea>,
    draft: RwSignal<String>,
    focused: StoredValue<bool>,
    text: &str,
) {
    let current = draft.get_untracked();
    #[cfg(feature = "hydrate")]
    let area = body.get_untracked();
    #[cfg(feature = "hydrate")]
    let at = area
        .as_ref()
        .filter(|_| focused.get_value())
        .and_then(|area| area.selection_start().ok().flatten())
        .map_or(current.len(), |units| byte_offset(&current, units as usize));
    #[cfg(not(feature = "hydrate"))]
    let at = {
        let _ = (body, focused);
        current.len()
    };
    let (next, cursor) = super::canned::insert_at(&current, at, text);
    draft.set(next.clone());
    // After the box has rendered the new draft (which puts the browser's cursor at the end).
    #[cfg(feature = "hydrate")]
    if let Some(area) = area {
        let units = next[..cursor].encode_utf16().count() as u32;
        focused.set_value(true);
        set_timeout(
            move || {
                // Focus and the cursor are niceties: a browser refusing them changes nothing.
                let _ = area.focus();
                let _ = area.set_selection_range(units, units);
            },
            std::time::Duration::ZERO,
        );
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = cursor;
}

/// The byte offset in `text` of a cursor `units` UTF-16 units in.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn byte_offset(text: &str, units: usize) -> usize {
    let mut seen = 0;
    for (at, c) in text.char_indices() {
        if seen >= units {
            return at;
        }
        seen += c.len_utf16();
    }
    text.len()
}

#[component]
fn StaffPanel(
    ticket: TicketDetail,
    options: TicketOptions,
    /// Articles a fix may be added to; the resolve part shows only on an active ticket.
    fixes: Vec<resolve::FixArticle>,
    fix: RwSignal<String>,
    update: ServerAction<UpdateTicket>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let s = ticket.summary;
    // A resolve refused over its fix comes back still resolving, so the question and its
    // message stay in view.
    let retrying = error
        .get_untracked()
        .is_some_and(|e| e.field("fix").is_some() || e.field("fix_article").is_some());
    let chosen = if retrying && s.status.is_active() {
        Status::Resolved
    } else {
        s.status
    };
    let current_assignee = s.assignee_id;
    let current_category = s.category.clone();
    view! {
        <section class="card" aria-labelledby="manage-heading">
            <h2 id="manage-heading">"Manage"</h2>
            <ActionForm action=update attr:class="inline">
                <input type="hidden" name="id" value=s.id />
                <input type="hidden" name="assignee" value="me" />
                <button type="submit" disabled=current_assignee.is_some()>
                    "Assign to me"
                </button>
            </ActionForm>
            <ActionForm action=update attr:class="manage">
                <input type="hidden" name="id" value=s.id />
                <div class="field">
                    <label for="manage-status">"Status"</label>
                    <select id="manage-status" name="status">
                        {Status::ALL
                            .into_iter()
                            .filter(|st| *st != Status::New || s.status == Status::New)
                            .map(|st| {
                                view! {
                                    <option value=st.as_str() selected=st == chosen>
                                        {st.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="manage-priority">"Priority"</label>
                    <select id="manage-priority" name="priority">
                        {super::Priority::ALL
                            .into_iter()
                            .map(|p| {
                                view! {
                                    <option value=p.as_str() selected=p == s.priority>
                                        {p.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="manage-category">"Category"</label>
                    <select id="manage-category" name="category">
                        {options
                            .categories
                            .into_iter()
                            .map(|c| {
                                let selected = c == current_category;
                                view! {
                                    <option value=c.clone() selected=selected>
                                        {c.clone()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="manage-assignee">"Assignee"</label>
                    <select
                        id="manage-assignee"
                        name="assignee"
                        aria-describedby="manage-assignee-error"
                    >
                        <option value="none" selected=current_assignee.is_none()>
                            "Unassigned"
                        </option>
                        {options
                            .assignees
                            .into_iter()
                            .map(|(id, name)| {
                                view! {
                                    <option value=id selected=current_assignee == Some(id)>
                                        {name}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError id="manage-assignee-error" field="assignee" error=error />
                </div>
                {s
                    .status
                    .is_active()
                    .then(|| view! { <resolve::WhatFixedIt choices=fixes text=fix error /> })}
                <button type="submit" class="primary">
                    "Save changes"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn RequesterActions(id: i64, status: Status, update: ServerAction<UpdateTicket>) -> impl IntoView {
    let (label, to) = match status {
        Status::New | Status::Open | Status::Pending => {
            ("Mark as resolved", Some(Status::Resolved))
        }
        Status::Resolved => ("Reopen", Some(Status::Open)),
        Status::Closed => ("", None),
    };
    to.map(|to| {
        view! {
            <ActionForm action=update>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="status" value=to.as_str() />
                <button type="submit">{label}</button>
            </ActionForm>
        }
    })
}

#[component]
fn RateForm(
    id: i64,
    rate: ServerAction<RateTicket>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="rate-heading">
            <h2 id="rate-heading">"How did we do?"</h2>
            <ActionForm action=rate>
                <input type="hidden" name="id" value=id />
                <fieldset>
                    <legend>"Rate the resolution"</legend>
                    <div class="check">
                        <input id="rate-good" type="radio" name="rating" value="good" required />
                        <label for="rate-good">"Good"</label>
                    </div>
                    <div class="check">
                        <input id="rate-bad" type="radio" name="rating" value="bad" />
                        <label for="rate-bad">"Bad"</label>
                    </div>
                </fieldset>
                <FieldError id="rate-rating-error" field="rating" error=error />
                <div class="field">
                    <label for="rate-comment">"Comment (optional)"</label>
                    <textarea id="rate-comment" name="comment" rows="2"></textarea>
                    <FieldError id="rate-comment-error" field="comment" error=error />
                </div>
                <button type="submit" class="primary">
                    "Send rating"
                </button>
            </ActionForm>
        </section>
    }
}
