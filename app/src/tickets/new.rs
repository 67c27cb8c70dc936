//! The new request form: what is wrong, how urgent, in which area, in the requester's words.

use super::{Priority, TicketOptions};
use crate::accounts::{Actor, Role};
use crate::auth::Protected;
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn new_ticket_choices() -> Result<TicketOptions, AppError> {
    crate::backend::with_status(
        async move {
            let actor = crate::backend::require_actor()?;
            crate::backend::backend()?
                .tickets
                .options(&actor, None)
                .await
        }
        .await,
    )
}

#[server]
pub async fn create_ticket(
    subject: String,
    body: String,
    priority: String,
    category: Option<String>,
) -> Result<(), AppError> {
    crate::backend::with_status(
        async move {
            let actor = crate::backend::require_actor()?;
            let new = super::NewTicket::parse(&subject, &body, &priority, category.as_deref())?;
            let ticket = crate::backend::backend()?
                .tickets
                .create(&actor, new)
                .await?;
            leptos_axum::redirect(&format!("/tickets/{}", ticket.summary.id));
            Ok(())
        }
        .await,
    )
}

/// Renders markdown the way the ticket will show it, for the preview.
#[server]
pub async fn preview_markdown(body: String) -> Result<String, AppError> {
    crate::backend::with_status(
        async move {
            crate::backend::require_actor()?;
            crate::backend::backend()?.tickets.preview(&body).await
        }
        .await,
    )
}

#[component]
pub fn NewTicketPage() -> impl IntoView {
    view! {
        <Title text="New request" />
        <Protected
            allow=|role| matches!(role, Role::Requester | Role::Manager)
            render=|_: Actor| view! { <NewTicketForm /> }
        />
    }
}

#[component]
fn NewTicketForm() -> impl IntoView {
    let create = ServerAction::<CreateTicket>::new();
    let options = Resource::new(|| (), |_| new_ticket_choices());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let preview = Action::new(|body: &String| preview_markdown(body.clone()));
    let body = RwSignal::new(String::new());

    view! {
        <h1>"New request"</h1>
        <p class="lead">"Tell IT what is wrong. Screenshots and exact error messages help most."</p>
        <ActionForm action=create attr:class="card">
            <p class="error" role="alert">
                {move || form_error(error.get())}
            </p>
            <div class="field">
                <label for="ticket-subject">"Subject"</label>
                <input
                    id="ticket-subject"
                    name="subject"
                    required
                    maxlength="200"
                    placeholder="e.g. Printer on the 2nd floor is offline"
                    aria-describedby="ticket-subject-error"
                />
                <FieldError id="ticket-subject-error" field="subject" error=error />
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="ticket-category">"Category"</label>
                    <Transition fallback=|| {
                        view! { <p class="muted">"Loading…"</p> }
                    }>
                        {move || Suspend::new(async move {
                            match options.await {
                                Ok(options) => {
                                    view! {
                                        <select
                                            id="ticket-category"
                                            name="category"
                                            aria-describedby="ticket-category-error"
                                        >
                                            {options
                                                .categories
                                                .into_iter()
                                                .map(|c| {
                                                    let selected = c == "Other";
                                                    view! {
                                                        <option value=c.clone() selected=selected>
                                                            {c.clone()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                    }
                                        .into_any()
                                }
                                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                            }
                        })}
                    </Transition>
                    <FieldError id="ticket-category-error" field="category" error=error />
                </div>
                <div class="field">
                    <label for="ticket-priority">"Urgency"</label>
                    <select
                        id="ticket-priority"
                        name="priority"
                        aria-describedby="ticket-priority-error"
                    >
                        {Priority::ALL
                            .into_iter()
                            .map(|p| {
                                view! {
                                    <option value=p.as_str() selected=p == Priority::Normal>
                                        {p.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError id="ticket-priority-error" field="priority" error=error />
                </div>
            </div>
            <div class="field">
                <label for="ticket-body">"Description"</label>
                <textarea
                    id="ticket-body"
                    name="body"
                    rows="8"
                    required
                    aria-describedby="ticket-body-hint ticket-body-error"
                    on:input=move |ev| body.set(event_target_value(&ev))
                ></textarea>
                <p id="ticket-body-hint" class="muted">
                    "Markdown works: **bold**, lists, `code`."
                </p>
                <FieldError id="ticket-body-error" field="body" error=error />
            </div>
            <div class="preview-controls">
                <button
                    type="button"
                    class="link js-only"
                    on:click=move |_| {
                        preview.dispatch(body.get_untracked());
                    }
                >
                    "Preview"
                </button>
            </div>
            {move || {
                preview
                    .value()
                    .get()
                    .map(|result| match result {
                        Ok(html) => {
                            view! {
                                <section class="preview" aria-label="Preview">
                                    <div class="markdown" inner_html=html></div>
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    })
            }}
            <button type="submit" class="primary" disabled=move || create.pending().get()>
                "Send request"
            </button>
        </ActionForm>
    }
}
