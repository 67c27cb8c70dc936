//! `/admin/mail`: how outgoing mail is set up, a test message, which new tickets mail the
//! staff, and the outbox with each message's status, the relay's answer and its text; and the
//! "Email" section of a ticket's page for provider staff.

use super::{MailSetup, MailStatus, OutboxEntry, OutboxPage, OutboxParams};
use crate::accounts::{Actor, Role};
use crate::auth::Protected;
use crate::clock::When;
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use crate::tickets::TicketId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server]
pub async fn load_mail_setup() -> Result<MailSetup, AppError> {
    crate::backend::as_caller(|actor, backend| async move { backend.mail.mail_setup(&actor).await })
        .await
}

#[server]
pub async fn load_outbox(
    // Every field may be absent; the argument must still arrive.
    #[server(default)] params: OutboxParams,
) -> Result<OutboxPage, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let query = params.parse()?;
        backend.mail.outbox(&actor, query).await
    })
    .await
}

#[server]
pub async fn send_test_mail(to: String) -> Result<OutboxEntry, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let to = super::parse_test_address(&to)?;
        backend.mail.send_test(&actor, &to).await
    })
    .await
}

#[server]
pub async fn load_ticket_mail(id: TicketId) -> Result<Vec<OutboxEntry>, AppError> {
    crate::backend::as_caller(
        |actor, backend| async move { backend.mail.ticket_mail(&actor, id).await },
    )
    .await
}

/// `/admin/mail`, for the provider's admins.
#[component]
pub fn MailPage() -> impl IntoView {
    view! {
        <Title text="Mail" />
        <Protected allow=|role| role == Role::Admin render=|_: Actor| view! { <MailView /> } />
    }
}

#[component]
fn MailView() -> impl IntoView {
    let test = ServerAction::<SendTestMail>::new();
    let setup = Resource::new(|| (), |_| load_mail_setup());
    let query = use_query_map();
    let params = Memo::new(move |_| {
        query.with(|q| OutboxParams {
            status: q.get("status"),
            before: q.get("before"),
        })
    });
    let outbox = Resource::new(
        move || (params.get(), test.version().get()),
        |(params, _)| load_outbox(params),
    );
    view! {
        <h1>"Mail"</h1>
        <p class="lead">
            "Every message Deskside sends is written to the outbox first and delivered from there, "
            "with retries while the mail server is away."
        </p>
        <section class="card" aria-labelledby="smtp-heading">
            <h2 id="smtp-heading">"Sending"</h2>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(setup) => view! { <SetupView setup /> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <TestForm action=test />
        </section>
        <crate::mail::preferences::new_ticket::NewTicketMailSection />
        <section class="card" aria-labelledby="outbox-heading">
            <h2 id="outbox-heading">"Outbox"</h2>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    let params = params.get_untracked();
                    match outbox.await {
                        Ok(page) => view! { <OutboxView page params /> }.into_any(),
                        Err(AppError::Invalid { .. }) => {
                            view! {
                                <p class="error" role="alert">
                                    "That filter is not one of the outbox's."
                                </p>
                                <p>
                                    <a href="/admin/mail">"Show every message"</a>
                                </p>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <crate::mail::inbound::page::InboundMailSection />
    }
}

#[component]
fn SetupView(setup: MailSetup) -> impl IntoView {
    let relay = match setup.smtp {
        Some(smtp) => view! {
            <dl class="facts">
                <dt>"SMTP server"</dt>
                <dd>{format!("{}:{}", smtp.host, smtp.port)}</dd>
                <dt>"Encryption"</dt>
                <dd>{smtp.tls}</dd>
                <dt>"Signs in as"</dt>
                <dd>{smtp.user.unwrap_or_else(|| "nobody (no sign-in)".to_string())}</dd>
            </dl>
        }
        .into_any(),
        None => view! {
            <p class="notice" role="status">
                "No SMTP server is configured, so nothing is sent: messages stay in the outbox "
                "below, where you can read exactly what would have gone out. Set "
                <code>"DESKSIDE_SMTP_URL"</code>
                " (and "
                <code>"DESKSIDE_SMTP_USER"</code>
                ", "
                <code>"DESKSIDE_SMTP_PASSWORD"</code>
                ") to send them."
            </p>
        }
        .into_any(),
    };
    view! {
        {relay}
        <dl class="facts">
            <dt>"From"</dt>
            <dd>{setup.from}</dd>
            <dt>"Replies go to"</dt>
            <dd>
                {setup.reply_to} <span class="muted">" (with each ticket's token after a +)"</span>
            </dd>
        </dl>
    }
}

#[component]
fn TestForm(action: ServerAction<SendTestMail>) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let queued = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .map(|entry| format!("A test message to {} is in the outbox.", entry.to))
    };
    view! {
        <ActionForm action=action attr:class="inline-form">
            <h3>"Send a test message"</h3>
            <p class="error" role="alert">
                {move || form_error(error.get())}
            </p>
            <p class="success" role="status">
                {queued}
            </p>
            <div class="field">
                <label for="mail-test-to">"To"</label>
                <input
                    id="mail-test-to"
                    name="to"
                    type="email"
                    required
                    autocomplete="email"
                    aria-describedby="mail-test-to-error"
                />
                <FieldError id="mail-test-to-error" field="to" error=error />
            </div>
            <button type="submit" class="primary">
                "Send test message"
            </button>
        </ActionForm>
    }
}

/// The outbox address with a filter and page.
fn outbox_href(status: Option<MailStatus>, before: Option<i64>) -> String {
    let mut parts = Vec::new();
    if let Some(status) = status {
        parts.push(format!("status={}", status.as_str()));
    }
    if let Some(before) = before {
        parts.push(format!("before={before}"));
    }
    if parts.is_empty() {
        "/admin/mail".to_string()
    } else {
        format!("/admin/mail?{}", parts.join("&"))
    }
}

#[component]
fn OutboxView(page: OutboxPage, params: OutboxParams) -> impl IntoView {
    let chosen = params.status.as_deref().and_then(MailStatus::parse);
    let counts = page.counts;
    let total = counts.queued + counts.sent + counts.failed;
    let filter = |label: String, status: Option<MailStatus>| {
        let current = chosen == status;
        view! {
            <li>
                <a href=outbox_href(status, None) aria-current=current.then_some("page")>
                    {label}
                </a>
            </li>
        }
    };
    let empty = page.entries.is_empty();
    view! {
        <nav aria-label="Outbox filter">
            <ul class="tabs">
                {filter(format!("All ({total})"), None)}
                {MailStatus::ALL
                    .into_iter()
                    .map(|s| filter(format!("{} ({})", s.label(), counts.of(s)), Some(s)))
                    .collect_view()}
            </ul>
        </nav>
        {if empty {
            view! { <p class="muted">"No messages here."</p> }.into_any()
        } else {
            view! {
                <table class="outbox">
                    <thead>
                        <tr>
                            <th scope="col">"Written"</th>
                            <th scope="col">"Kind"</th>
                            <th scope="col">"To"</th>
                            <th scope="col">"Subject"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Attempts"</th>
                            <th scope="col">"Server's answer"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {page
                            .entries
                            .into_iter()
                            .map(|entry| view! { <OutboxRow entry /> })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        {page
            .next_before
            .map(|before| {
                view! {
                    <p>
                        <a href=outbox_href(chosen, Some(before))>"Older messages"</a>
                    </p>
                }
            })}
    }
}

#[component]
fn OutboxRow(entry: OutboxEntry) -> impl IntoView {
    let text = if entry.sensitive {
        view! { <p class="muted">"Not shown: it contains a sign-in link."</p> }.into_any()
    } else {
        view! {
            <details>
                <summary>{entry.subject.clone()}</summary>
                <pre class="mail-text">{entry.body_text.clone().unwrap_or_default()}</pre>
            </details>
        }
        .into_any()
    };
    view! {
        <tr class=format!("mail-{}", entry.status.as_str())>
            <td>
                <When at=entry.created_at />
            </td>
            <td>{entry.kind.clone()}</td>
            <td>{entry.to.clone()}</td>
            <td>
                {entry
                    .ticket_id
                    .map(|id| {
                        view! {
                            <a href=format!("/tickets/{id}")>{format!("#{id}")}</a>
                            " "
                        }
                    })} {text}
            </td>
            <td>
                <StatusText entry=entry.clone() />
            </td>
            <td>{entry.attempts}</td>
            <td>{entry.last_reply.clone()}</td>
        </tr>
    }
}

/// "Delivered 5 min ago", "Queued, next try in 2 min", "Failed".
#[component]
fn StatusText(entry: OutboxEntry) -> impl IntoView {
    let (text, at) = match (entry.status, entry.sent_at) {
        (MailStatus::Sent, Some(at)) => ("Delivered ", Some(at)),
        (MailStatus::Queued, _) if entry.attempts > 0 => {
            ("Queued, next try ", Some(entry.next_attempt_at))
        }
        (status, _) => (status.label(), None),
    };
    view! {
        {text}
        {at.map(|at| view! { <When at /> })}
    }
}

/// The "Email" section of a ticket's page: what was sent about it, to whom, and whether it
/// arrived. Rendered for provider staff only; the server refuses anyone else as well.
#[component]
pub fn TicketMail(id: TicketId) -> impl IntoView {
    let mail = Resource::new(move || id, load_ticket_mail);
    view! {
        <section class="card" aria-labelledby="ticket-mail-heading">
            <h2 id="ticket-mail-heading">"Email"</h2>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match mail.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No mail about this ticket yet."</p> }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul class="ticket-mail">
                                    {list
                                        .into_iter()
                                        .map(|entry| {
                                            view! {
                                                <li>
                                                    <strong>{entry.to.clone()}</strong>
                                                    {format!(" · {} · ", entry.kind)}
                                                    <StatusText entry=entry.clone() />
                                                    <br />
                                                    <span class="muted">
                                                        "Written " <When at=entry.created_at />
                                                    </span>
                                                    {entry
                                                        .last_reply
                                                        .clone()
                                                        .map(|reply| {
                                                            view! {
                                                                <br />
                                                                <span class="muted">{format!("Server: {reply}")}</span>
                                                            }
                                                        })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
