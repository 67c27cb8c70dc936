//! The admin section for mail read into tickets (`InboundMailSection`, placed on the Mail page
//! at `/admin/mail`): mailboxes, held messages, problems and mail domains, with its server
//! functions.

use super::{InboundMessage, InboundOverview};
use crate::accounts::OrgId;
use crate::clock::When;
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use crate::tickets::TicketId;
use leptos::prelude::*;

#[server]
pub async fn load_inbound_mail() -> Result<InboundOverview, AppError> {
    crate::backend::as_caller(
        |actor, backend| async move { backend.inbound.overview(&actor).await },
    )
    .await
}

/// Files a held message as a ticket of a requester of `org_id`.
#[server]
pub async fn accept_held_mail(id: i64, org_id: OrgId) -> Result<TicketId, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.inbound.accept(&actor, id, org_id).await
    })
    .await
}

#[server]
pub async fn reject_held_mail(id: i64) -> Result<(), AppError> {
    crate::backend::as_caller(
        |actor, backend| async move { backend.inbound.reject(&actor, id).await },
    )
    .await
}

#[server]
pub async fn add_mail_domain(org_id: OrgId, domain: String) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend
            .inbound
            .add_domain(&actor, org_id, &domain)
            .await
            .map(|_| ())
    })
    .await
}

#[server]
pub async fn remove_mail_domain(domain: String) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.inbound.remove_domain(&actor, &domain).await
    })
    .await
}

#[component]
pub fn InboundMailSection() -> impl IntoView {
    let accept = ServerAction::<AcceptHeldMail>::new();
    let reject = ServerAction::<RejectHeldMail>::new();
    let add = ServerAction::<AddMailDomain>::new();
    let remove = ServerAction::<RemoveMailDomain>::new();
    let overview = Resource::new(
        move || {
            (
                accept.version().get(),
                reject.version().get(),
                add.version().get(),
                remove.version().get(),
            )
        },
        |_| load_inbound_mail(),
    );
    let accept_error = Signal::derive(move || accept.value().get().and_then(Result::err));
    let add_error = Signal::derive(move || add.value().get().and_then(Result::err));
    view! {
        <section aria-labelledby="inbound-heading" class="inbound-mail">
            <h2 id="inbound-heading">"Mail to tickets"</h2>
            <p class="error" role="alert">
                {move || form_error(accept_error.get())}
                {move || form_error(reject.value().get().and_then(Result::err))}
                {move || form_error(remove.value().get().and_then(Result::err))}
            </p>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => {
                            view! {
                                <Mailboxes overview=o.clone() />
                                <Held overview=o.clone() accept reject accept_error />
                                <Entries
                                    title="Problems"
                                    empty="No message has caused trouble."
                                    entries=o.problems.clone()
                                />
                                <Entries
                                    title="Ignored automatic mail"
                                    empty="No automatic mail was ignored."
                                    entries=o.ignored.clone()
                                />
                                <Domains overview=o add remove add_error />
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Mailboxes(overview: InboundOverview) -> impl IntoView {
    let when = |at: Option<time::OffsetDateTime>| match at {
        Some(at) => view! { <When at /> }.into_any(),
        None => "never".into_any(),
    };
    view! {
        <h3>"Mailboxes"</h3>
        {if overview.mailboxes.is_empty() {
            view! {
                <p class="muted">
                    "No mailbox is read. Start the server with --imap-mailbox to turn mail into tickets."
                </p>
            }
                .into_any()
        } else {
            view! {
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"Mailbox"</th>
                            <th scope="col">"Last read"</th>
                            <th scope="col">"Last error"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {overview
                            .mailboxes
                            .into_iter()
                            .map(|m| {
                                let error = match m.last_error.clone() {
                                    Some(e) => {
                                        view! {
                                            {e}
                                            " ("
                                            {when(m.last_error_at)}
                                            ")"
                                        }
                                            .into_any()
                                    }
                                    None => "none".into_any(),
                                };
                                view! {
                                    <tr>
                                        <td>{m.mailbox}</td>
                                        <td>{when(m.last_success_at)}</td>
                                        <td>{error}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
    }
}

#[component]
fn Held(
    overview: InboundOverview,
    accept: ServerAction<AcceptHeldMail>,
    reject: ServerAction<RejectHeldMail>,
    accept_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let orgs = overview.orgs.clone();
    view! {
        <h3>"Held for an admin"</h3>
        {if overview.held.is_empty() {
            view! { <p class="muted">"Nothing is waiting."</p> }.into_any()
        } else {
            view! {
                <ul class="held-mail">
                    {overview
                        .held
                        .into_iter()
                        .map(|m| {
                            let orgs = orgs.clone();
                            let org_id = format!("held-{}-org", m.id);
                            let error_id = format!("held-{}-error", m.id);
                            let label = format!("Accept \"{}\" from {}", m.subject, m.from_address);
                            view! {
                                <li class="card">
                                    <MessageSummary message=m.clone() />
                                    {match m.sender.clone() {
                                        Some(sender) if !sender.can_file => {
                                            // A person's request can only file in their own
                                            // organization: no choice to offer.
                                            view! {
                                                <p class="muted">
                                                    {format!(
                                                        "{} is {} of {}, who cannot file requests (deactivated or provider staff).",
                                                        m.from_address,
                                                        sender.name,
                                                        sender.org_name,
                                                    )}
                                                </p>
                                            }
                                                .into_any()
                                        }
                                        Some(sender) => {
                                            view! {
                                                <ActionForm action=accept attr:class="inline">
                                                    <input type="hidden" name="id" value=m.id />
                                                    <input type="hidden" name="org_id" value=sender.org_id />
                                                    <span>
                                                        {format!("Files as {} of {}", sender.name, sender.org_name)}
                                                    </span>
                                                    <button
                                                        type="submit"
                                                        aria-label=label
                                                        aria-describedby=error_id.clone()
                                                    >
                                                        "Accept"
                                                    </button>
                                                    <FieldError id=error_id field="org_id" error=accept_error />
                                                </ActionForm>
                                            }
                                                .into_any()
                                        }
                                        None => {
                                            view! {
                                                <ActionForm action=accept attr:class="inline">
                                                    <input type="hidden" name="id" value=m.id />
                                                    <label for=org_id.clone()>"File in"</label>
                                                    <select
                                                        id=org_id
                                                        name="org_id"
                                                        aria-describedby=error_id.clone()
                                                    >
                                                        {orgs
                                                            .into_iter()
                                                            .map(|(id, name)| {
                                                                view! { <option value=id>{name}</option> }
                                                            })
                                                            .collect_view()}
                                                    </select>
                                                    <button type="submit" aria-label=label>
                                                        "Accept"
                                                    </button>
                                                    <FieldError id=error_id field="org_id" error=accept_error />
                                                </ActionForm>
                                            }
                                                .into_any()
                                        }
                                    }}
                                    <ActionForm action=reject attr:class="inline">
                                        <input type="hidden" name="id" value=m.id />
                                        <button
                                            type="submit"
                                            aria-label=format!("Reject \"{}\"", m.subject)
                                        >
                                            "Reject"
                                        </button>
                                    </ActionForm>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

#[component]
fn MessageSummary(message: InboundMessage) -> impl IntoView {
    let from = if message.from_name.is_empty() {
        message.from_address.clone()
    } else {
        format!("{} <{}>", message.from_name, message.from_address)
    };
    let subject = if message.subject.is_empty() {
        "(no subject)".to_string()
    } else {
        message.subject.clone()
    };
    let reason = [message.reason.clone(), message.problem.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <p>
            <strong>{subject}</strong>
            " from "
            {from}
            ", received "
            <When at=message.received_at />
            {message
                .ticket_id
                .map(|id| {
                    view! {
                        " — "
                        <a href=format!("/tickets/{id}")>{format!("ticket #{id}")}</a>
                    }
                })}
        </p>
        <p class="muted">{reason}</p>
    }
}

#[component]
fn Entries(
    title: &'static str,
    empty: &'static str,
    entries: Vec<InboundMessage>,
) -> impl IntoView {
    view! {
        <h3>{title}</h3>
        {if entries.is_empty() {
            view! { <p class="muted">{empty}</p> }.into_any()
        } else {
            view! {
                <ul>
                    {entries
                        .into_iter()
                        .map(|m| {
                            view! {
                                <li>
                                    <MessageSummary message=m />
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

#[component]
fn Domains(
    overview: InboundOverview,
    add: ServerAction<AddMailDomain>,
    remove: ServerAction<RemoveMailDomain>,
    add_error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <h3>"Mail domains"</h3>
        <p class="muted">
            "Mail from an unknown sender of one of these domains files a request as a new requester of its organization; any other unknown sender is held above."
        </p>
        <ul>
            {overview
                .domains
                .into_iter()
                .map(|d| {
                    let label = format!("Remove {}", d.domain);
                    view! {
                        <li>
                            {format!("{} — {}", d.domain, d.org_name)}
                            <ActionForm action=remove attr:class="inline">
                                <input type="hidden" name="domain" value=d.domain.clone() />
                                <button type="submit" aria-label=label>
                                    "Remove"
                                </button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <ActionForm action=add>
            <label for="mail-domain-org">"Organization"</label>
            <select id="mail-domain-org" name="org_id">
                {overview
                    .orgs
                    .into_iter()
                    .map(|(id, name)| view! { <option value=id>{name}</option> })
                    .collect_view()}
            </select>
            <label for="mail-domain">"Domain"</label>
            <input
                id="mail-domain"
                name="domain"
                placeholder="acme.example"
                aria-describedby="mail-domain-error"
                required
            />
            <FieldError id="mail-domain-error" field="domain" error=add_error />
            <button type="submit">"Add domain"</button>
        </ActionForm>
    }
}
