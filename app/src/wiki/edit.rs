//! Writing the wiki: the editor with its live preview, for a new article or a new revision,
//! and the conflict shown when someone saved in between.

// The editor's form posts one field per argument, and the macro-generated client function
// repeats them, out of reach of an attribute on the function.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use super::ArticleInput;
use super::{Article, DEFAULT_SPACES, Visibility};
use crate::accounts::{Actor, Org, Role};
#[cfg(feature = "ssr")]
use crate::accounts::{OrgId, OrgKind};
use crate::auth::Protected;
use crate::components::{ErrorNotice, FieldError, form_error, not_found_status};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Creates an article, or with `original_slug` and `base_revision` saves a new revision of
/// one; on success, goes to the article.
#[server]
pub async fn save_article(
    original_slug: Option<String>,
    base_revision: Option<i64>,
    slug: Option<String>,
    title: String,
    body: String,
    tags: Option<String>,
    space: Option<String>,
    visibility: String,
    org_id: Option<String>,
    published: Option<String>,
) -> Result<Article, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let org_id = match org_id.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(raw) => Some(raw.parse::<OrgId>().map_err(|_| {
                AppError::invalid("visibility", "Choose the organization that may read it.")
            })?),
            None => None,
        };
        let input = ArticleInput {
            slug: original_slug.clone().or(slug).unwrap_or_default(),
            title,
            body,
            tags: tags
                .unwrap_or_default()
                .split(',')
                .map(str::to_string)
                .collect(),
            space: space.unwrap_or_default(),
            visibility,
            org_id,
            published: Some(published.is_some()),
        };
        let article = input.parse()?;
        let wiki = backend.wiki.clone();
        let saved = match original_slug {
            Some(slug) => {
                wiki.update(&actor, &slug, article, base_revision.unwrap_or(0))
                    .await?
            }
            None => wiki.create(&actor, article).await?,
        };
        leptos_axum::redirect(&format!("/wiki/{}", saved.slug));
        Ok(saved)
    })
    .await
}

#[server]
pub async fn preview_article(body: String) -> Result<String, AppError> {
    crate::backend::as_caller(|_, backend| async move { backend.wiki.preview(&body).await }).await
}

/// The client organizations an editor may publish to: every one for provider staff, their
/// own for a manager.
#[server]
pub async fn article_orgs() -> Result<Vec<Org>, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let orgs = backend.accounts.list_orgs(&actor).await?;
        Ok(orgs
            .into_iter()
            .filter(|o| o.kind == OrgKind::Client)
            .collect())
    })
    .await
}

fn editors(role: Role) -> bool {
    !matches!(role, Role::Requester)
}

/// `/wiki/new`.
#[component]
pub fn NewArticlePage() -> impl IntoView {
    view! {
        <Title text="New article" />
        <Protected allow=editors render=|me: Actor| view! { <NewArticle me /> } />
    }
}

#[component]
fn NewArticle(me: Actor) -> impl IntoView {
    let orgs = Resource::new(|| (), |_| article_orgs());
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || {
                let me = me.clone();
                Suspend::new(async move {
                    match orgs.await {
                        Ok(orgs) => view! { <Editor me article=None orgs /> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// `/wiki/:slug/edit`.
#[component]
pub fn EditArticlePage() -> impl IntoView {
    view! {
        <Title text="Edit article" />
        <Protected allow=editors render=|me: Actor| view! { <EditExisting me /> } />
    }
}

#[component]
fn EditExisting(me: Actor) -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    // One resource for everything the editor shows, so the page hydrates from one piece of
    // data.
    let data = Resource::new(
        move || slug.get(),
        |slug| async move {
            let article = super::pages::get_article(slug).await?;
            let orgs = article_orgs().await?;
            Ok::<_, AppError>((article, orgs))
        },
    );
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || {
                let me = me.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok((article, orgs)) if article.can_edit => {
                            view! { <Editor me article=Some(article) orgs /> }.into_any()
                        }
                        Ok(_) => {
                            crate::components::forbidden_status();
                            view! {
                                <p class="error" role="alert">
                                    "You may read this article but not edit it."
                                </p>
                            }
                                .into_any()
                        }
                        Err(AppError::NotFound) => {
                            not_found_status();
                            view! { <p>"No such article."</p> }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The editor. For an existing article it carries the revision it started from; when the
/// save is refused because someone saved since, it shows their version beside this one and
/// moves the base forward, so the next save is a deliberate choice.
#[component]
fn Editor(me: Actor, article: Option<Article>, orgs: Vec<Org>) -> impl IntoView {
    let save = ServerAction::<SaveArticle>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let preview = Action::new(|body: &String| preview_article(body.clone()));
    let existing = article.clone();
    let original_slug = article.as_ref().map(|a| a.slug.clone());
    let base = RwSignal::new(article.as_ref().map_or(0, |a| a.revision));
    let body = RwSignal::new(article.as_ref().map(|a| a.body.clone()).unwrap_or_default());
    let visibility = RwSignal::new(article.as_ref().map(|a| a.visibility).unwrap_or(
        if me.role == Role::Manager {
            Visibility::Org
        } else {
            Visibility::AllClients
        },
    ));
    let chosen_org = article.as_ref().and_then(|a| a.org_id).unwrap_or(me.org_id);
    // Someone else's newer version, fetched when the save was refused as a conflict; the
    // base moves to it, so the next save replaces it knowingly.
    let theirs = Action::new(|slug: &String| super::pages::get_article(slug.clone()));
    Effect::new(move |_| {
        if let Some(Err(AppError::Conflict { .. })) = save.value().get()
            && let Some(slug) = original_slug.clone()
        {
            theirs.dispatch(slug);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(current)) = theirs.value().get() {
            base.set(current.revision);
        }
    });
    let (title, slug, space, tags, published) = match &article {
        Some(a) => (
            a.title.clone(),
            a.slug.clone(),
            a.space.clone(),
            a.tags.join(", "),
            a.published,
        ),
        None => (
            String::new(),
            String::new(),
            DEFAULT_SPACES[0].to_string(),
            String::new(),
            true,
        ),
    };
    let is_new = article.is_none();
    let heading = article
        .as_ref()
        .map_or("New article".to_string(), |a| format!("Edit “{}”", a.title));
    let manager = me.role == Role::Manager;

    view! {
        <h1>{heading}</h1>
        <ActionForm action=save attr:class="card editor">
            {existing
                .as_ref()
                .map(|a| {
                    view! {
                        <input type="hidden" name="original_slug" value=a.slug.clone() />
                        <input type="hidden" name="base_revision" value=move || base.get() />
                    }
                })}
            <p class="error" role="alert">
                {move || form_error(error.get())}
            </p>
            {move || {
                theirs
                    .value()
                    .get()
                    .map(|result| match result {
                        Ok(current) => {
                            view! {
                                <section class="card conflict" aria-label="Their version">
                                    <h2>
                                        {format!(
                                            "{} saved revision {} while you were editing",
                                            current.updated_by,
                                            current.revision,
                                        )}
                                    </h2>
                                    <p>
                                        "Nothing was overwritten. Their version is below; yours is still in the editor. Merge what you need and save again to replace theirs."
                                    </p>
                                    <div class="markdown" inner_html=current.html></div>
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    })
            }}
            <div class="field">
                <label for="article-title">"Title"</label>
                <input
                    id="article-title"
                    name="title"
                    required
                    maxlength="200"
                    value=title
                    aria-describedby="article-title-error"
                />
                <FieldError id="article-title-error" field="title" error=error />
            </div>
            {is_new
                .then(|| {
                    view! {
                        <div class="field">
                            <label for="article-slug">"Address"</label>
                            <input
                                id="article-slug"
                                name="slug"
                                maxlength="80"
                                value=slug.clone()
                                placeholder="made from the title, e.g. printer-offline"
                                aria-describedby="article-slug-hint article-slug-error"
                            />
                            <p id="article-slug-hint" class="muted">
                                "Lowercase words and dashes; it never changes once saved."
                            </p>
                            <FieldError id="article-slug-error" field="slug" error=error />
                        </div>
                    }
                })}
            <div class="field-row">
                <div class="field">
                    <label for="article-space">"Space"</label>
                    <input
                        id="article-space"
                        name="space"
                        list="article-spaces"
                        value=space
                        aria-describedby="article-space-error"
                    />
                    <datalist id="article-spaces">
                        {DEFAULT_SPACES.map(|s| view! { <option value=s></option> }).collect_view()}
                    </datalist>
                    <FieldError id="article-space-error" field="space" error=error />
                </div>
                <div class="field">
                    <label for="article-tags">"Tags"</label>
                    <input
                        id="article-tags"
                        name="tags"
                        value=tags
                        placeholder="printing, hp"
                        aria-describedby="article-tags-hint article-tags-error"
                    />
                    <p id="article-tags-hint" class="muted">
                        "Separated by commas."
                    </p>
                    <FieldError id="article-tags-error" field="tags" error=error />
                </div>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="article-visibility">"Who may read it"</label>
                    <select
                        id="article-visibility"
                        name="visibility"
                        aria-describedby="article-visibility-error"
                        on:change=move |ev| {
                            if let Ok(v) = Visibility::parse(&event_target_value(&ev)) {
                                visibility.set(v);
                            }
                        }
                    >
                        {Visibility::ALL
                            .into_iter()
                            .filter(|v| !manager || *v == Visibility::Org)
                            .map(|v| {
                                view! {
                                    <option
                                        value=v.as_str()
                                        selected=move || visibility.get_untracked() == v
                                    >
                                        {v.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError id="article-visibility-error" field="visibility" error=error />
                </div>
                <div class="field">
                    <label for="article-org">"Organization"</label>
                    <select id="article-org" name="org_id" aria-describedby="article-org-hint">
                        {orgs
                            .into_iter()
                            .map(|o| {
                                view! {
                                    <option value=o.id selected=o.id == chosen_org>
                                        {o.name}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p id="article-org-hint" class="muted">
                        "Used when one client organization may read it."
                    </p>
                </div>
            </div>
            <div class="field">
                <label for="article-body">"Article"</label>
                <textarea
                    id="article-body"
                    name="body"
                    rows="16"
                    required
                    aria-describedby="article-body-hint article-body-error"
                    prop:value=move || body.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        body.set(text.clone());
                        preview.dispatch(text);
                    }
                    inner_html=crate::components::textarea_text(&body.get_untracked())
                ></textarea>
                <p id="article-body-hint" class="muted">
                    "Markdown: headings, lists, tables, code blocks, task lists ("
                    <code>"- [ ] step"</code>
                    ")."
                </p>
                <FieldError id="article-body-error" field="body" error=error />
            </div>
            {existing.as_ref().map(|a| view! { <InsertImage slug=a.slug.clone() body preview /> })}
            <section class="preview js-only" aria-label="Preview" aria-live="polite">
                <h2>"Preview"</h2>
                {move || {
                    preview
                        .value()
                        .get()
                        .map(|result| match result {
                            Ok(html) => {
                                view! { <div class="markdown" inner_html=html></div> }.into_any()
                            }
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </section>
            <div class="field checkbox">
                <input id="article-published" type="checkbox" name="published" checked=published />
                <label for="article-published">
                    "Published (unticked: a draft only editors see)"
                </label>
            </div>
            <button type="submit" class="primary">
                {if is_new { "Create article" } else { "Save" }}
            </button>
        </ActionForm>
    }
}

/// Uploads images or files for the article and appends the markdown that shows them to the
/// text being edited. A file input inside the editor's form: with JavaScript it is sent on its
/// own as soon as it is chosen; without, it is hidden (the REST API takes files too).
#[component]
fn InsertImage(
    slug: String,
    body: RwSignal<String>,
    preview: Action<String, Result<String, AppError>>,
) -> impl IntoView {
    let failure = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input = event_target::<web_sys::HtmlInputElement>(&ev);
            let files = crate::upload::files_of(input.files());
            input.set_value("");
            if files.is_empty() {
                return;
            }
            let Ok(data) = web_sys::FormData::new() else {
                return;
            };
            for file in &files {
                if data
                    .append_with_blob_and_filename("file", file, &file.name())
                    .is_err()
                {
                    failure.set(Some("This browser cannot attach files.".into()));
                    return;
                }
            }
            let url = format!("/api/v1/articles/{slug}/files");
            sending.set(true);
            failure.set(None);
            leptos::task::spawn_local(async move {
                let answer = crate::upload::send(&url, &data, |_| ()).await;
                sending.set(false);
                match answer {
                    Ok((201, text)) => {
                        let files: Vec<super::ArticleFile> =
                            serde_json::from_str(&text).unwrap_or_default();
                        let mut added = String::new();
                        for file in files {
                            added.push_str("\n\n");
                            added.push_str(&file.markdown);
                        }
                        body.update(|b| b.push_str(&added));
                        preview.dispatch(body.get_untracked());
                    }
                    Ok((status, text)) => failure.set(Some(
                        crate::upload::error_from_api(status, &text).to_string(),
                    )),
                    Err(message) => failure.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &slug, body, preview);
    };
    view! {
        <div class="field js-only">
            <label for="article-image">"Insert images or files"</label>
            <input id="article-image" type="file" multiple on:change=on_change />
            {move || sending.get().then(|| view! { <p role="status">"Uploading…"</p> })}
            <p class="error" role="alert">
                {move || failure.get()}
            </p>
        </div>
    }
}
