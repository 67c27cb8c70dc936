//! The new request form: what is wrong, how urgent, in which area, in the requester's words.

use super::{Priority, TicketOptions};
use crate::accounts::{Actor, Role};
use crate::auth::Protected;
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// A post of the form the server refused, when the form is rendered again from the post
/// (without JavaScript): the problem, and what was typed, however long. It reaches the page as
/// context on the server and, for hydration, within the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefusedRequest {
    pub error: Option<AppError>,
    /// The form's text fields as sent: subject, body, priority, category.
    pub fields: Vec<(String, String)>,
}

impl RefusedRequest {
    fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    }
}

/// Where this tab keeps the request being typed, so reading an article, or any other page, and
/// coming back loses nothing. Files are not kept: they stay only while the page is open.
#[cfg(feature = "hydrate")]
const DRAFT_KEY: &str = "deskside.new-request";

/// What was typed into the form so far.
#[cfg(feature = "hydrate")]
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Draft {
    subject: String,
    body: String,
    category: String,
    priority: String,
}

#[cfg(feature = "hydrate")]
impl Draft {
    fn is_empty(&self) -> bool {
        self.subject.trim().is_empty() && self.body.trim().is_empty()
    }
}

#[cfg(feature = "hydrate")]
fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

#[cfg(feature = "hydrate")]
fn read_draft() -> Option<Draft> {
    let raw = session_storage()?.get_item(DRAFT_KEY).ok().flatten()?;
    serde_json::from_str::<Draft>(&raw)
        .ok()
        .filter(|d| !d.is_empty())
}

#[cfg(feature = "hydrate")]
fn keep_draft(draft: &Draft) {
    let Some(storage) = session_storage() else {
        return;
    };
    if draft.is_empty() {
        let _ = storage.remove_item(DRAFT_KEY);
    } else if let Ok(raw) = serde_json::to_string(draft) {
        // A full storage keeps the draft only in the page, as without JavaScript.
        let _ = storage.set_item(DRAFT_KEY, &raw);
    }
}

/// Forgets the request kept in this tab: it was sent, or an article solved the problem.
pub fn forget_draft() {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(DRAFT_KEY);
    }
}

#[server]
pub async fn new_ticket_choices() -> Result<TicketOptions, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.tickets.options(&actor, None).await
    })
    .await
}

/// Renders markdown the way the ticket will show it, for the preview.
#[server]
pub async fn preview_markdown(body: String) -> Result<String, AppError> {
    crate::backend::as_caller(|_, backend| async move { backend.tickets.preview(&body).await })
        .await
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

/// The form is a plain multipart post to `/tickets/new`, so it works before the WebAssembly
/// loads (the server redirects to the new ticket, or back here with the problem and what was
/// typed). With JavaScript, files can also be pasted and dropped, and it is sent with a
/// progress bar.
#[component]
fn NewTicketForm() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let refused = StoredValue::new(
        SharedValue::new(|| use_context::<RefusedRequest>().unwrap_or_default()).into_inner(),
    );
    let typed = move |field: &str| {
        refused
            .with_value(|r| r.field(field))
            .or_else(|| query.with_untracked(|q| q.get(field)))
            .unwrap_or_default()
    };
    let failure = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || {
        failure
            .get()
            .or_else(|| refused.with_value(|r| r.error.clone()))
            .or_else(|| {
                query
                    .with(|q| q.get("error"))
                    .and_then(|e| serde_json::from_str::<AppError>(&e).ok())
            })
    });
    let options = Resource::new(|| (), |_| new_ticket_choices());
    let preview = Action::new(|body: &String| preview_markdown(body.clone()));
    let body = RwSignal::new(typed("body"));
    let subject = RwSignal::new(typed("subject"));
    let asked = Signal::derive(move || format!("{} {}", subject.get(), body.get()));
    let chosen_category = typed("category");
    let chosen_priority = Priority::parse(&typed("priority")).unwrap_or(Priority::Normal);
    let category = RwSignal::new(chosen_category.clone());
    let priority = RwSignal::new(chosen_priority.as_str().to_string());
    let subject_ref = NodeRef::<leptos::html::Input>::new();
    // With JavaScript, what is typed is kept in this tab and given back on coming back, unless
    // the address already carries what to show (a refused post, or "Ask IT" from a search).
    #[cfg(feature = "hydrate")]
    {
        let given = refused.with_value(|r| r.error.is_some())
            || query.with_untracked(|q| {
                ["subject", "body", "error"]
                    .iter()
                    .any(|name| q.get(name).is_some())
            });
        let restored = StoredValue::new(false);
        Effect::new(move |_| {
            // The category list must be on the page before its choice can be given back.
            if options.get().is_none() || restored.get_value() {
                return;
            }
            restored.set_value(true);
            let Some(draft) = (!given).then(read_draft).flatten() else {
                return;
            };
            subject.set(draft.subject.clone());
            body.set(draft.body.clone());
            if let Some(input) = subject_ref.get_untracked() {
                input.set_value(&draft.subject);
            }
            for (id, value, signal) in [
                ("ticket-category", draft.category, category),
                ("ticket-priority", draft.priority, priority),
            ] {
                use wasm_bindgen::JsCast;
                let select = document()
                    .get_element_by_id(id)
                    .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok());
                if let (Some(select), false) = (select, value.is_empty()) {
                    select.set_value(&value);
                    signal.set(select.value());
                }
            }
        });
        Effect::new(move |_| {
            let draft = Draft {
                subject: subject.get(),
                body: body.get(),
                category: category.get(),
                priority: priority.get(),
            };
            if restored.get_value() {
                keep_draft(&draft);
            }
        });
    }

    let sending = RwSignal::new(false);
    let progress = RwSignal::new(None::<f64>);
    // Name and size of each file picked, pasted or dropped (with JavaScript).
    let picked_names = RwSignal::new(Vec::<(String, f64)>::new());
    let form_ref = NodeRef::<leptos::html::Form>::new();

    #[cfg(feature = "hydrate")]
    let picked: crate::upload::Picked = StoredValue::new_local(Vec::new());
    #[cfg(feature = "hydrate")]
    let add_files = move |files: Vec<web_sys::File>| {
        let limit = options
            .get_untracked()
            .and_then(Result::ok)
            .map(|o| o.max_file_bytes as f64)
            .unwrap_or(f64::MAX);
        for file in files {
            if file.size() > limit {
                failure.set(Some(AppError::invalid(
                    "file",
                    format!(
                        "\"{}\" is larger than {}.",
                        file.name(),
                        crate::upload::human_size(limit)
                    ),
                )));
                continue;
            }
            picked_names.update(|names| names.push((file.name(), file.size())));
            picked.update_value(|files| files.push(file));
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let paste = window_event_listener(leptos::ev::paste, move |ev| {
            let files = crate::upload::files_of(ev.clipboard_data().and_then(|data| data.files()));
            if !files.is_empty() {
                ev.prevent_default();
                add_files(files);
            }
        });
        on_cleanup(move || paste.remove());
    }
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            let Some(form) = form_ref.get_untracked() else {
                return;
            };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else {
                return;
            };
            // The picked list replaces whatever the file input still holds.
            data.delete("file");
            for file in picked.get_value() {
                if data
                    .append_with_blob_and_filename("file", &file, &file.name())
                    .is_err()
                {
                    failure.set(Some(AppError::invalid(
                        "file",
                        "This browser cannot attach files.",
                    )));
                    return;
                }
            }
            sending.set(true);
            progress.set(Some(0.0));
            failure.set(None);
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                let answer = crate::upload::send("/tickets/new", &data, move |done| {
                    progress.set(Some(done))
                })
                .await;
                sending.set(false);
                progress.set(None);
                match answer {
                    Ok((201, body)) => {
                        forget_draft();
                        let id = serde_json::from_str::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|v| v["id"].as_i64());
                        match id {
                            Some(id) => navigate(&format!("/tickets/{id}"), Default::default()),
                            None => navigate("/tickets", Default::default()),
                        }
                    }
                    Ok((status, body)) => {
                        failure.set(Some(crate::upload::error_from_api(status, &body)))
                    }
                    Err(message) => failure.set(Some(AppError::Request { message })),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_files_chosen = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input = event_target::<web_sys::HtmlInputElement>(&ev);
            add_files(crate::upload::files_of(input.files()));
            // The files are in the picked list now; clear the input so they are not sent twice.
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        add_files(crate::upload::files_of(
            ev.data_transfer().and_then(|d| d.files()),
        ));
    };
    let remove = move |index: usize| {
        picked_names.update(|names| {
            if index < names.len() {
                names.remove(index);
            }
        });
        #[cfg(feature = "hydrate")]
        picked.update_value(|files| {
            if index < files.len() {
                files.remove(index);
            }
        });
    };

    view! {
        <h1>"New request"</h1>
        <p class="lead">"Tell IT what is wrong. Screenshots and exact error messages help most."</p>
        <div class="request-layout">
            <form
                node_ref=form_ref
                id="new-request"
                class="card request-form"
                method="post"
                action="/tickets/new"
                enctype="multipart/form-data"
                on:submit=submit
                on:dragover=|ev| ev.prevent_default()
                on:drop=on_drop
            >
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <div class="field">
                    <label for="ticket-subject">"Subject"</label>
                    <input
                        id="ticket-subject"
                        node_ref=subject_ref
                        name="subject"
                        required
                        maxlength="200"
                        value=typed("subject")
                        on:input=move |ev| subject.set(event_target_value(&ev))
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
                            {
                                let chosen_category = chosen_category.clone();
                                move || {
                                    let chosen_category = chosen_category.clone();
                                    Suspend::new(async move {
                                        match options.await {
                                            Ok(options) => {
                                                view! {
                                                    <CategorySelect
                                                        categories=options.categories
                                                        chosen=chosen_category
                                                        picked=category
                                                    />
                                                }
                                                    .into_any()
                                            }
                                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                                        }
                                    })
                                }
                            }
                        </Transition>
                        <FieldError id="ticket-category-error" field="category" error=error />
                    </div>
                    <div class="field">
                        <label for="ticket-priority">"Urgency"</label>
                        <select
                            id="ticket-priority"
                            name="priority"
                            aria-describedby="ticket-priority-error"
                            on:change=move |ev| priority.set(event_target_value(&ev))
                        >
                            {Priority::ALL
                                .into_iter()
                                .map(|p| {
                                    view! {
                                        <option value=p.as_str() selected=p == chosen_priority>
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
                        prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))
                        inner_html=crate::components::textarea_text(&typed("body"))
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
                <div class="field">
                    <label for="ticket-files">"Attachments"</label>
                    <input
                        id="ticket-files"
                        type="file"
                        name="file"
                        multiple
                        aria-describedby="ticket-files-hint ticket-file-error"
                        on:change=on_files_chosen
                    />
                    <p id="ticket-files-hint" class="muted">
                        {move || {
                            let limit = options
                                .get()
                                .and_then(Result::ok)
                                .map(|o| crate::upload::human_size(o.max_file_bytes as f64))
                                .unwrap_or_else(|| "20 MB".into());
                            format!("Screenshots, logs, documents; up to {limit} each.")
                        }}
                        <span class="js-only">
                            " Paste a screenshot anywhere on this page, or drop files here."
                        </span>
                    </p>
                    <ul class="picked" aria-label="Files to send">
                        {move || {
                            picked_names
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(index, (name, size))| {
                                    let label = format!("Remove {name}");
                                    view! {
                                        <li>
                                            <span>{name}</span>
                                            <span class="muted">
                                                {format!(" {}", crate::upload::human_size(size))}
                                            </span>
                                            <button
                                                type="button"
                                                class="link"
                                                aria-label=label
                                                on:click=move |_| remove(index)
                                            >
                                                "Remove"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <FieldError id="ticket-file-error" field="file" error=error />
                </div>
            </form>
            // Beside the form on a wide screen; on a phone between the description and the
            // button, where they are seen before sending.
            <crate::wiki::help::Suggestions text=asked />
            <div class="request-send">
                {move || {
                    progress
                        .get()
                        .map(|done| {
                            let percent = (done * 100.0).round();
                            view! {
                                <div class="progress" role="status">
                                    <label for="ticket-progress">
                                        {format!("Sending… {percent}%")}
                                    </label>
                                    <progress
                                        id="ticket-progress"
                                        max="100"
                                        value=percent
                                    ></progress>
                                </div>
                            }
                        })
                }}
                <button
                    type="submit"
                    form="new-request"
                    class="primary"
                    disabled=move || sending.get()
                >
                    "Send request"
                </button>
            </div>
        </div>
    }
}

/// The org's categories, with the one chosen before (or Other) selected.
#[component]
fn CategorySelect(
    categories: Vec<String>,
    chosen: String,
    /// The category picked since, for the kept draft.
    picked: RwSignal<String>,
) -> impl IntoView {
    let chosen = if categories.contains(&chosen) {
        chosen
    } else {
        "Other".to_string()
    };
    view! {
        <select
            id="ticket-category"
            name="category"
            aria-describedby="ticket-category-error"
            on:change=move |ev| picked.set(event_target_value(&ev))
        >
            {categories
                .into_iter()
                .map(|c| {
                    let selected = c == chosen;
                    view! {
                        <option value=c.clone() selected=selected>
                            {c.clone()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}
