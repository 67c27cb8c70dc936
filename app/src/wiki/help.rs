//! Where the wiki meets tickets: articles suggested while a request is typed, the articles
//! tied to a ticket, and "What fixed it?" turning a solved ticket into an article.

use super::{Article, LinkKind, SearchHit, TicketArticle};
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use crate::tickets::{Status, TicketId};
use leptos::prelude::*;

/// How many articles the request form suggests.
pub const SUGGESTIONS: usize = 3;

#[server]
pub async fn suggest_articles(q: String) -> Result<Vec<SearchHit>, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.wiki.suggest(&actor, &q, SUGGESTIONS).await
    })
    .await
}

/// Saves "what fixed it" as a draft article (or onto an existing one) and opens it.
#[server]
pub async fn capture_fix(
    ticket: TicketId,
    symptom: String,
    cause: Option<String>,
    fix: String,
    append_to: Option<String>,
) -> Result<Article, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let capture = super::CaptureInput {
            symptom,
            cause: cause.unwrap_or_default(),
            fix,
            append_to: append_to.unwrap_or_default(),
        }
        .parse()?;
        let article = backend.wiki.capture(&actor, ticket, capture).await?;
        let next = if article.published {
            format!("/wiki/{}", article.slug)
        } else {
            format!("/wiki/{}/edit", article.slug)
        };
        leptos_axum::redirect(&next);
        Ok(article)
    })
    .await
}

/// "Might one of these help?": the best articles for what is typed so far, refreshed a moment
/// after typing pauses. Needs JavaScript; without it the form works as before.
///
/// A suggestion opens in a panel here, beside the request, so nothing typed or pasted is left
/// behind; a click with a modifier key (or "Open in a new tab") opens its page in a new tab.
#[component]
pub fn Suggestions(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let settled = crate::components::settled(text);
    let hits = Resource::new(
        move || settled.get(),
        |q| async move {
            if q.split_whitespace().count() == 0 {
                Ok(Vec::new())
            } else {
                suggest_articles(q).await
            }
        },
    );
    // The article open in the panel, if any.
    let opened = RwSignal::new(None::<String>);
    let article = Resource::new(
        move || opened.get(),
        |slug| async move {
            match slug {
                Some(slug) => super::pages::get_article(slug).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let open = move |ev: leptos::ev::MouseEvent, slug: String| {
        // A click meant for a new tab goes there.
        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        opened.set(Some(slug));
    };
    view! {
        <aside class="card suggestions js-only" aria-label="Might one of these help?">
            <h2>"Might one of these help?"</h2>
            <div aria-live="polite">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match hits.await {
                            Ok(hits) if hits.is_empty() => {
                                view! {
                                    <p class="muted">
                                        "Articles from the wiki appear here as you describe the problem."
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(hits) => {
                                view! {
                                    <ul class="hits">
                                        {hits
                                            .into_iter()
                                            .map(|hit| {
                                                let slug = hit.slug.clone();
                                                view! {
                                                    <li>
                                                        <a
                                                            href=format!("/wiki/{}?from=request", hit.slug)
                                                            on:click=move |ev| open(ev, slug.clone())
                                                        >
                                                            {hit.title}
                                                        </a>
                                                        <p class="snippet" inner_html=hit.snippet></p>
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
                </Transition>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match article.await {
                        Ok(Some(article)) => {
                            view! { <ArticlePanel article close=move || back(opened) /> }.into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

/// Closes the panel and puts the reader back in the description they were writing.
fn back(opened: RwSignal<Option<String>>) {
    opened.set(None);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(description) = document()
            .get_element_by_id("ticket-body")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = description.focus();
        }
    }
}

/// A suggested article read beside the request: "This solved my problem" counts it and files
/// nothing; "Back to my request" closes it, the request as it was.
#[component]
fn ArticlePanel(
    article: Article,
    close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let slug = article.slug.clone();
    let deflect = Action::new(|slug: &String| super::pages::deflect(slug.clone(), Some(true)));
    let solved = move || deflect.value().get().is_some_and(|r| r.is_ok());
    let failed = move || {
        deflect
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let heading = NodeRef::<leptos::html::H3>::new();
    // The panel is where the reader is now.
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    Effect::new(move |_| {
        if solved() {
            crate::tickets::new::forget_draft();
        }
    });
    view! {
        <section class="article-panel" aria-labelledby="article-panel-title">
            <h3 id="article-panel-title" tabindex="-1" node_ref=heading>
                {article.title.clone()}
            </h3>
            <div class="markdown" inner_html=article.html></div>
            <p>
                <a href=format!("/wiki/{}", article.slug) target="_blank" rel="noopener">
                    "Open in a new tab"
                </a>
            </p>
            {move || {
                if solved() {
                    view! {
                        <p class="notice" role="status">
                            "Glad it helped. No ticket was filed; "
                            <a href="/">"back to the start page"</a>
                            "."
                        </p>
                    }
                        .into_any()
                } else {
                    let slug = slug.clone();
                    view! {
                        <div class="actions">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || deflect.pending().get()
                                on:click=move |_| {
                                    deflect.dispatch(slug.clone());
                                }
                            >
                                "This solved my problem"
                            </button>
                            <button type="button" on:click=move |_| close()>
                                "Back to my request"
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
            <p class="error" role="alert">
                {failed}
            </p>
        </section>
    }
}

/// The wiki on a ticket page, for provider staff: the articles tied to it and, once it is
/// resolved, "What fixed it?".
#[component]
pub fn TicketWiki(id: TicketId, status: Status, articles: Vec<TicketArticle>) -> impl IntoView {
    let capture = ServerAction::<CaptureFix>::new();
    let error = Signal::derive(move || capture.value().get().and_then(Result::err));
    let solved = matches!(status, Status::Resolved | Status::Closed);
    view! {
        <section class="card ticket-wiki" aria-label="Wiki">
            <h2>"Wiki"</h2>
            {if articles.is_empty() {
                view! { <p class="muted">"No articles tied to this ticket."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {articles
                            .into_iter()
                            .map(|a| {
                                let kind = match a.kind {
                                    LinkKind::Suggested => "suggested to the requester",
                                    LinkKind::ResolvedWith => "resolved with",
                                };
                                view! {
                                    <li>
                                        <a href=format!("/wiki/{}", a.slug)>{a.title}</a>
                                        <span class="muted">{format!(" · {kind}")}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {solved
                .then(|| {
                    view! {
                        <details class="capture" open=move || error.get().is_some()>
                            <summary>"What fixed it? Write it down for next time"</summary>
                            <ActionForm action=capture>
                                <input type="hidden" name="ticket" value=id />
                                <p class="error" role="alert">
                                    {move || form_error(error.get())}
                                </p>
                                <div class="field">
                                    <label for="capture-symptom">"Symptom"</label>
                                    <textarea
                                        id="capture-symptom"
                                        name="symptom"
                                        rows="2"
                                        aria-describedby="capture-symptom-error"
                                    ></textarea>
                                    <FieldError
                                        id="capture-symptom-error"
                                        field="symptom"
                                        error=error
                                    />
                                </div>
                                <div class="field">
                                    <label for="capture-cause">"Cause"</label>
                                    <textarea
                                        id="capture-cause"
                                        name="cause"
                                        rows="2"
                                        aria-describedby="capture-cause-error"
                                    ></textarea>
                                    <FieldError
                                        id="capture-cause-error"
                                        field="cause"
                                        error=error
                                    />
                                </div>
                                <div class="field">
                                    <label for="capture-fix">"Fix"</label>
                                    <textarea
                                        id="capture-fix"
                                        name="fix"
                                        rows="4"
                                        aria-describedby="capture-fix-error"
                                    ></textarea>
                                    <FieldError id="capture-fix-error" field="fix" error=error />
                                </div>
                                <div class="field">
                                    <label for="capture-append">"Add to article (optional)"</label>
                                    <input
                                        id="capture-append"
                                        name="append_to"
                                        placeholder="its address, e.g. printer-offline"
                                        aria-describedby="capture-append-hint capture-append-error"
                                    />
                                    <p id="capture-append-hint" class="muted">
                                        "Left empty, a new draft article is made from this ticket."
                                    </p>
                                    <FieldError
                                        id="capture-append-error"
                                        field="append_to"
                                        error=error
                                    />
                                </div>
                                <button type="submit">"Save to the wiki"</button>
                            </ActionForm>
                        </details>
                    }
                })}
        </section>
    }
}
