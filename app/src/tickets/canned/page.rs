//! `/canned-replies`: the provider's library of replies, and the server functions the ticket
//! page and the library call.

use super::{CannedReply, PLACEHOLDERS};
use crate::accounts::{Actor, Role};
use crate::auth::Protected;
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use crate::tickets::TicketId;
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn list_canned_replies() -> Result<Vec<CannedReply>, AppError> {
    crate::backend::as_caller(
        |actor, backend| async move { backend.canned.list_canned(&actor).await },
    )
    .await
}

/// Creates a canned reply, or with `id` changes one.
#[server]
pub async fn save_canned_reply(
    id: Option<i64>,
    title: String,
    body: String,
) -> Result<CannedReply, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let draft = super::CannedDraft::parse(&title, &body)?;
        let canned = backend.canned.clone();
        match id {
            Some(id) => canned.update_canned(&actor, id, draft).await,
            None => canned.create_canned(&actor, draft).await,
        }
    })
    .await
}

#[server]
pub async fn delete_canned_reply(id: i64) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.canned.delete_canned(&actor, id).await
    })
    .await
}

#[server]
pub async fn expand_canned_reply(ticket: TicketId, canned: i64) -> Result<String, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.canned.expand_canned(&actor, canned, ticket).await
    })
    .await
}

/// `/canned-replies`: the provider's library of replies.
#[component]
pub fn CannedRepliesPage() -> impl IntoView {
    view! {
        <Title text="Canned replies" />
        <Protected
            allow=|role| matches!(role, Role::Technician | Role::Admin)
            render=|_: Actor| view! { <CannedLibrary /> }
        />
    }
}

#[component]
fn CannedLibrary() -> impl IntoView {
    let save = ServerAction::<SaveCannedReply>::new();
    let delete = ServerAction::<DeleteCannedReply>::new();
    let replies = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| list_canned_replies(),
    );
    view! {
        <h1>"Canned replies"</h1>
        <p class="lead">"Answers written once, inserted into any ticket's reply."</p>
        <details class="card">
            <summary>"Placeholders"</summary>
            <ul>
                {PLACEHOLDERS
                    .iter()
                    .map(|(name, meaning)| {
                        view! {
                            <li>
                                <code>{format!("{{{{{name}}}}}")}</code>
                                {format!(": {meaning}")}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </details>
        <CannedForm save reply=None delete=None />
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match replies.await {
                    Ok(list) => {
                        list.into_iter()
                            .map(|reply| {
                                view! { <CannedForm save reply=Some(reply) delete=Some(delete) /> }
                            })
                            .collect_view()
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A new canned reply (`reply` is `None`) or an existing one to edit, with its Delete button
/// inside its card.
#[component]
fn CannedForm(
    save: ServerAction<SaveCannedReply>,
    reply: Option<CannedReply>,
    delete: Option<ServerAction<DeleteCannedReply>>,
) -> impl IntoView {
    let key = reply
        .as_ref()
        .map_or("new".to_string(), |r| r.id.to_string());
    let this = reply.as_ref().map(|r| r.id);
    // The new reply's form refreshes the list; each existing reply has its own action, so
    // its errors show next to its own fields.
    let save = if this.is_some() {
        ServerAction::<SaveCannedReply>::new()
    } else {
        save
    };
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let heading = reply
        .as_ref()
        .map_or("New canned reply".to_string(), |r| r.title.clone());
    let (title, body) = reply
        .as_ref()
        .map(|r| (r.title.clone(), r.body.clone()))
        .unwrap_or_default();
    let delete_label = format!("Delete \"{heading}\"");
    let title_id = format!("canned-{key}-title");
    let body_id = format!("canned-{key}-body");
    view! {
        <section class="card" aria-label=heading.clone()>
            <h2>{heading.clone()}</h2>
            <ActionForm action=save>
                {this.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p> <div class="field">
                    <label for=title_id.clone()>"Title"</label>
                    <input
                        id=title_id.clone()
                        name="title"
                        value=title
                        aria-describedby=format!("{title_id}-error")
                    />
                    <FieldError id=format!("{title_id}-error") field="title" error=error />
                </div> <div class="field">
                    <label for=body_id.clone()>"Reply"</label>
                    <textarea
                        id=body_id.clone()
                        name="body"
                        rows="4"
                        aria-describedby=format!("{body_id}-error")
                        inner_html=crate::components::textarea_text(&body)
                    ></textarea>
                    <FieldError id=format!("{body_id}-error") field="body" error=error />
                </div>
                <button type="submit">{if this.is_some() { "Save" } else { "Add reply" }}</button>
            </ActionForm>
            {this
                .zip(delete)
                .map(|(id, delete)| {
                    view! {
                        <ActionForm action=delete attr:class="inline canned-delete">
                            <input type="hidden" name="id" value=id />
                            <button type="submit">{delete_label}</button>
                        </ActionForm>
                    }
                })}
        </section>
    }
}
