//! Reading the wiki: the front page with search, an article, its revisions and diffs.

use super::{
    Article, ArticleList, LineChange, Revision, RevisionDiff, RevisionSummary, SearchHit,
    Visibility,
};
use crate::accounts::{Actor, Role};
use crate::auth::{Protected, anyone};
use crate::clock::When;
use crate::components::{ErrorNotice, not_found_status};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// How many results a search page shows.
pub const SEARCH_LIMIT: usize = 20;

#[server]
pub async fn list_articles(
    space: Option<String>,
    tag: Option<String>,
) -> Result<ArticleList, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let query = super::ArticleQuery {
            space: space.filter(|s| !s.trim().is_empty()),
            tag: tag.filter(|t| !t.trim().is_empty()),
        };
        backend.wiki.list(&actor, query).await
    })
    .await
}

#[server]
pub async fn search_articles(q: String) -> Result<Vec<SearchHit>, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.wiki.search(&actor, &q, SEARCH_LIMIT).await
    })
    .await
}

#[server]
pub async fn get_article(slug: String) -> Result<Article, AppError> {
    crate::backend::as_caller(|actor, backend| async move { backend.wiki.get(&actor, &slug).await })
        .await
}

/// "This solved my problem": counted for the article, and no ticket is filed. The article's
/// page goes on to say so; the panel beside a request being typed (`stay`) stays where it is.
#[server]
pub async fn deflect(slug: String, stay: Option<bool>) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.wiki.deflect(&actor, &slug).await?;
        if stay != Some(true) {
            leptos_axum::redirect(&format!("/wiki/{slug}?solved=1"));
        }
        Ok(())
    })
    .await
}

#[server]
pub async fn list_revisions(slug: String) -> Result<Vec<RevisionSummary>, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.wiki.revisions(&actor, &slug).await
    })
    .await
}

#[server]
pub async fn get_revision(slug: String, number: i64) -> Result<Revision, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.wiki.revision(&actor, &slug, number).await
    })
    .await
}

#[server]
pub async fn get_diff(slug: String, from: i64, to: i64) -> Result<RevisionDiff, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.wiki.diff(&actor, &slug, from, to).await
    })
    .await
}

#[server]
pub async fn restore_revision(slug: String, number: i64) -> Result<Article, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let article = backend.wiki.restore(&actor, &slug, number).await?;
        leptos_axum::redirect(&format!("/wiki/{slug}"));
        Ok(article)
    })
    .await
}

/// The page's `:slug`.
fn slug_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default())
}

/// A query value, trimmed, `None` when empty.
fn query_value(name: &'static str) -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .with(|q| q.get(name))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    })
}

fn visibility_badge(visibility: Visibility, org_name: Option<String>) -> String {
    match (visibility, org_name) {
        (Visibility::Org, Some(org)) => format!("Only {org}"),
        (visibility, _) => visibility.label().to_string(),
    }
}

fn may_write(actor: &Actor) -> bool {
    !matches!(actor.role, crate::accounts::Role::Requester)
}

/// `/wiki`: search, spaces and tags, and the newest articles.
#[component]
pub fn WikiPage() -> impl IntoView {
    view! {
        <Title text="Wiki" />
        <Protected allow=anyone render=|me: Actor| view! { <WikiFront me /> } />
    }
}

#[component]
fn WikiFront(me: Actor) -> impl IntoView {
    let q = query_value("q");
    // An employee whose search finds nothing is offered to ask IT instead.
    let may_ask = matches!(me.role, Role::Requester | Role::Manager);
    let writer = may_write(&me);
    let space = query_value("space");
    let tag = query_value("tag");
    // Articles others save appear without a reload.
    let saved = crate::live::use_live().article_version();
    let list = Resource::new(
        move || (space.get(), tag.get(), saved.get()),
        |(space, tag, _)| list_articles(space, tag),
    );
    let hits = Resource::new(
        move || (q.get(), saved.get()),
        |(q, _)| async move {
            match q {
                Some(q) => search_articles(q).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <div class="page-head">
            <h1>"Wiki"</h1>
            {may_write(&me)
                .then(|| {
                    view! {
                        <a class="button" href="/wiki/new">
                            "New article"
                        </a>
                    }
                })}
        </div>
        <form
            class="search-form card"
            method="get"
            action="/wiki"
            role="search"
            aria-label="Wiki search"
        >
            <label for="wiki-q">"Search articles"</label>
            <input
                id="wiki-q"
                type="search"
                name="q"
                value=move || q.get().unwrap_or_default()
                placeholder="e.g. printer offline"
            />
            <button type="submit">"Search"</button>
        </form>
        <Transition fallback=|| {
            view! { <p class="muted">"Searching…"</p> }
        }>
            {move || Suspend::new(async move {
                match hits.await {
                    Ok(Some(hits)) => {
                        let asked = q.get_untracked().unwrap_or_default();
                        view! { <SearchResults hits asked may_ask /> }.into_any()
                    }
                    Ok(None) => ().into_any(),
                    Err(e) => {
                        let message = e.field("q").unwrap_or_else(|| e.to_string());
                        // A search stopped for taking too long says why, about the query.
                        view! {
                            <p class="error" role="alert">
                                {message}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <ArticleIndex list writer /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The hits of a search, or when there are none, for an employee, "Ask IT": the new request
/// form with the words searched as its subject.
#[component]
fn SearchResults(hits: Vec<SearchHit>, asked: String, may_ask: bool) -> impl IntoView {
    let count = hits.len();
    let ask = (count == 0 && may_ask).then(|| {
        let subject = asked.trim().chars().take(200).collect::<String>();
        let href = format!(
            "/tickets/new?subject={}",
            crate::tickets::filter::encode(&subject)
        );
        view! {
            <p class="ask-it">
                "Nothing in the wiki about this yet. " <a class="button" href=href>
                    "Ask IT"
                </a>
            </p>
        }
    });
    view! {
        <section class="card" aria-label="Search results">
            <h2>
                {match count {
                    0 => "No article matches".to_string(),
                    n => crate::words::count(n, "article", "articles"),
                }}
            </h2>
            {ask}
            <ol class="hits">
                {hits
                    .into_iter()
                    .map(|hit| {
                        view! {
                            <li>
                                <a href=format!("/wiki/{}", hit.slug)>{hit.title}</a>
                                <p class="snippet" inner_html=hit.snippet></p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn ArticleIndex(list: ArticleList, writer: bool) -> impl IntoView {
    let filters = (!list.spaces.is_empty() || !list.tags.is_empty()).then(|| {
        view! {
            <nav class="card wiki-filters" aria-label="Spaces and tags">
                <h2>"Spaces"</h2>
                <ul class="chips">
                    <li>
                        <a href="/wiki">"All"</a>
                    </li>
                    {list
                        .spaces
                        .into_iter()
                        .map(|s| {
                            view! {
                                <li>
                                    <a href=format!(
                                        "/wiki?space={}",
                                        crate::tickets::filter::encode(&s.name),
                                    )>{format!("{} ({})", s.name, s.count)}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <h2>"Tags"</h2>
                <ul class="chips">
                    {list
                        .tags
                        .into_iter()
                        .map(|t| {
                            view! {
                                <li>
                                    <a href=format!(
                                        "/wiki?tag={}",
                                        crate::tickets::filter::encode(&t.name),
                                    )>{format!("#{} ({})", t.name, t.count)}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        }
    });
    let empty = list.articles.is_empty();
    view! {
        {filters}
        <section aria-label="Articles">
            {empty
                .then(|| {
                    if writer {
                        view! {
                            <p class="empty">
                                "No articles here yet. " <a href="/wiki/new">"Write the first"</a>
                                ": each fix written once answers the next person to ask."
                            </p>
                        }
                            .into_any()
                    } else {
                        view! {
                            <p class="empty">
                                "No articles here yet. If you need help, "
                                <a href="/tickets/new">"ask for it"</a> "."
                            </p>
                        }
                            .into_any()
                    }
                })}
            <ul class="articles">
                {list
                    .articles
                    .into_iter()
                    .map(|a| {
                        view! {
                            <li class="card">
                                <a class="article-link" href=format!("/wiki/{}", a.slug)>
                                    {a.title}
                                </a>
                                {(!a.published)
                                    .then(|| view! { <span class="badge">"Draft"</span> })}
                                <p class="muted">
                                    {format!(
                                        "{} · {} · updated ",
                                        a.space,
                                        visibility_badge(a.visibility, a.org_name),
                                    )} <When at=a.updated_at />
                                </p>
                                <p>{a.excerpt}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// `/wiki/:slug`: the article, how often it helped, and (from a request) "this solved it".
#[component]
pub fn ArticlePage() -> impl IntoView {
    view! { <Protected allow=anyone render=|me: Actor| view! { <ArticleView me /> } /> }
}

#[component]
fn ArticleView(me: Actor) -> impl IntoView {
    let slug = slug_param();
    let from_request = query_value("from");
    let solved = query_value("solved");
    let deflect = ServerAction::<Deflect>::new();
    let saved = crate::live::use_live().article_version();
    let article = Resource::new(
        move || (slug.get(), saved.get()),
        |(slug, _)| get_article(slug),
    );
    let is_requester = !may_write(&me) || me.role == crate::accounts::Role::Manager;
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match article.await {
                    Ok(article) => {
                        let asked = from_request.get().as_deref() == Some("request")
                            && is_requester;
                        let done = solved.get().is_some()
                            || deflect.value().get().is_some_and(|r| r.is_ok());
                        view! { <ArticleBody article asked done deflect /> }.into_any()
                    }
                    Err(AppError::NotFound) => {
                        not_found_status();
                        view! {
                            <Title text="Not found" />
                            <section class="card">
                                <h1>"No such article"</h1>
                                <p>"It does not exist, or it is not shared with you."</p>
                                <a href="/wiki">"Back to the wiki"</a>
                            </section>
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
fn ArticleBody(
    article: Article,
    asked: bool,
    done: bool,
    deflect: ServerAction<Deflect>,
) -> impl IntoView {
    let slug = article.slug.clone();
    let helped = match (article.helped_tickets, article.deflections) {
        (0, 0) => None,
        (tickets, deflections) => Some(format!(
            "Helped with {} and answered {} before a ticket.",
            crate::words::count(tickets, "ticket", "tickets"),
            crate::words::count(deflections, "question", "questions"),
        )),
    };
    let deflect_error = move || {
        deflect
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Title text=article.title.clone() />
        <article class="card wiki-article">
            <header>
                <p class="muted">
                    <a href=format!(
                        "/wiki?space={}",
                        crate::tickets::filter::encode(&article.space),
                    )>{article.space.clone()}</a>
                    {format!(
                        " · {}",
                        visibility_badge(article.visibility, article.org_name.clone()),
                    )}
                </p>
                <h1>{article.title.clone()}</h1>
                {(!article.published)
                    .then(|| {
                        view! {
                            <p class="badge">"Draft: only editors see it until it is published."</p>
                        }
                    })}
                <ul class="chips" aria-label="Tags">
                    {article
                        .tags
                        .iter()
                        .map(|t| {
                            view! {
                                <li>
                                    <a href=format!(
                                        "/wiki?tag={}",
                                        crate::tickets::filter::encode(t),
                                    )>{format!("#{t}")}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </header>
            {done
                .then(|| {
                    view! {
                        <p class="notice" role="status">
                            "Glad it helped. No ticket was filed; "
                            <a href="/tickets/new">"file one"</a>
                            " if the problem comes back."
                        </p>
                    }
                })}
            {(asked && !done)
                .then(|| {
                    let slug = slug.clone();
                    view! {
                        <div class="card deflect">
                            <p>"Did this answer your question?"</p>
                            <ActionForm action=deflect attr:class="inline">
                                <input type="hidden" name="slug" value=slug />
                                <button type="submit" class="primary">
                                    "This solved my problem"
                                </button>
                            </ActionForm>
                            <a class="button" href="/tickets/new">
                                "No, file the request"
                            </a>
                            <p class="error" role="alert">
                                {deflect_error}
                            </p>
                        </div>
                    }
                })}
            <div class="markdown" inner_html=article.html.clone()></div>
            <footer class="muted">
                <p>
                    {format!("Revision {} · updated ", article.revision)}
                    <When at=article.updated_at /> {format!(" by {}", article.updated_by)}
                </p>
                {helped.map(|h| view! { <p>{h}</p> })}
                <p class="actions">
                    {article
                        .can_edit
                        .then(|| {
                            view! {
                                <a class="button" href=format!("/wiki/{}/edit", article.slug)>
                                    "Edit"
                                </a>
                            }
                        })} <a href=format!("/wiki/{}/revisions", article.slug)>"History"</a>
                </p>
            </footer>
        </article>
    }
}

/// `/wiki/:slug/revisions`: every saved version, two to compare, one to restore.
#[component]
pub fn RevisionsPage() -> impl IntoView {
    view! {
        <Title text="History" />
        <Protected allow=anyone render=|_: Actor| view! { <RevisionList /> } />
    }
}

#[component]
fn RevisionList() -> impl IntoView {
    let slug = slug_param();
    let restore = ServerAction::<RestoreRevision>::new();
    let data = Resource::new(
        move || (slug.get(), restore.version().get()),
        |(slug, _)| async move {
            let article = get_article(slug.clone()).await?;
            let revisions = list_revisions(slug).await?;
            Ok::<_, AppError>((article, revisions))
        },
    );
    let restore_error = move || {
        restore
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((article, revisions)) => {
                        let newest = revisions.first().map_or(1, |r| r.number);
                        let older = revisions.get(1).map_or(newest, |r| r.number);
                        let slug = article.slug.clone();
                        view! {
                            <h1>{format!("History of “{}”", article.title)}</h1>
                            <p>
                                <a href=format!("/wiki/{slug}")>"Back to the article"</a>
                            </p>
                            <p class="error" role="alert">
                                {restore_error}
                            </p>
                            <form method="get" action=format!("/wiki/{slug}/diff") class="card">
                                <table class="revisions">
                                    <caption>"Revisions, newest first"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"From"</th>
                                            <th scope="col">"To"</th>
                                            <th scope="col">"Revision"</th>
                                            <th scope="col">"Title"</th>
                                            <th scope="col">"By"</th>
                                            <th scope="col">"Saved"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {revisions
                                            .into_iter()
                                            .map(|r| {
                                                let n = r.number;
                                                view! {
                                                    <tr>
                                                        <td>
                                                            <input
                                                                type="radio"
                                                                name="from"
                                                                value=n
                                                                checked=n == older
                                                                aria-label=format!("Compare from revision {n}")
                                                            />
                                                        </td>
                                                        <td>
                                                            <input
                                                                type="radio"
                                                                name="to"
                                                                value=n
                                                                checked=n == newest
                                                                aria-label=format!("Compare to revision {n}")
                                                            />
                                                        </td>
                                                        <td>
                                                            <a href=format!(
                                                                "/wiki/{slug}/revisions/{n}",
                                                            )>{format!("Revision {n}")}</a>
                                                        </td>
                                                        <td>{r.title}</td>
                                                        <td>{r.author_name}</td>
                                                        <td>
                                                            <When at=r.created_at />
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                                <button type="submit">"Compare"</button>
                            </form>
                            {article
                                .can_edit
                                .then(|| {
                                    view! {
                                        <p class="muted">
                                            "To go back to an older version, open it and restore it."
                                        </p>
                                    }
                                })}
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound) => {
                        not_found_status();
                        view! { <p>"No such article."</p> }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/wiki/:slug/revisions/:number`: one old version, and restoring it.
#[component]
pub fn RevisionPage() -> impl IntoView {
    view! {
        <Title text="Revision" />
        <Protected allow=anyone render=|_: Actor| view! { <OneRevision /> } />
    }
}

#[component]
fn OneRevision() -> impl IntoView {
    let slug = slug_param();
    let params = use_params_map();
    let number = Memo::new(move |_| {
        params
            .with(|p| p.get("number"))
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let restore = ServerAction::<RestoreRevision>::new();
    let data = Resource::new(
        move || (slug.get(), number.get()),
        |(slug, number)| async move {
            let article = get_article(slug.clone()).await?;
            let revision = get_revision(slug, number).await?;
            Ok::<_, AppError>((article, revision))
        },
    );
    let restore_error = move || {
        restore
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((article, revision)) => {
                        let current = revision.number == article.revision;
                        view! {
                            <article class="card wiki-article">
                                <p class="muted">
                                    {format!(
                                        "Revision {} of {} · {} · ",
                                        revision.number,
                                        article.revision,
                                        revision.author_name,
                                    )} <When at=revision.created_at />
                                </p>
                                <h1>{revision.title}</h1>
                                <div class="markdown" inner_html=revision.html></div>
                                <p class="actions">
                                    <a href=format!(
                                        "/wiki/{}/revisions",
                                        article.slug,
                                    )>"All revisions"</a>
                                    {(article.can_edit && !current)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=restore attr:class="inline">
                                                    <input
                                                        type="hidden"
                                                        name="slug"
                                                        value=article.slug.clone()
                                                    />
                                                    <input type="hidden" name="number" value=revision.number />
                                                    <button type="submit">"Restore this revision"</button>
                                                </ActionForm>
                                            }
                                        })}
                                </p>
                                <p class="error" role="alert">
                                    {restore_error}
                                </p>
                            </article>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound) => {
                        not_found_status();
                        view! { <p>"No such revision."</p> }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/wiki/:slug/diff?from=&to=`: what changed between two revisions.
#[component]
pub fn DiffPage() -> impl IntoView {
    view! {
        <Title text="Changes" />
        <Protected allow=anyone render=|_: Actor| view! { <Diff /> } />
    }
}

#[component]
fn Diff() -> impl IntoView {
    let slug = slug_param();
    let from = query_value("from");
    let to = query_value("to");
    let diff = Resource::new(
        move || (slug.get(), from.get(), to.get()),
        |(slug, from, to)| async move {
            let parse = |v: Option<String>| v.and_then(|v| v.parse::<i64>().ok());
            match (parse(from), parse(to)) {
                (Some(from), Some(to)) => get_diff(slug, from, to).await,
                _ => Err(AppError::invalid(
                    "from",
                    "Choose two revisions to compare.",
                )),
            }
        },
    );
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match diff.await {
                    Ok(diff) => {
                        view! {
                            <h1>
                                {format!(
                                    "Changes from revision {} to {}",
                                    diff.from.number,
                                    diff.to.number,
                                )}
                            </h1>
                            <p>
                                <a href=format!(
                                    "/wiki/{}/revisions",
                                    slug.get_untracked(),
                                )>"All revisions"</a>
                            </p>
                            {(diff.from.title != diff.to.title)
                                .then(|| {
                                    view! {
                                        <p>
                                            {format!(
                                                "Title: “{}” → “{}”",
                                                diff.from.title,
                                                diff.to.title,
                                            )}
                                        </p>
                                    }
                                })}
                            <pre class="diff" aria-label="Line by line changes">
                                {diff
                                    .lines
                                    .into_iter()
                                    .map(|line| {
                                        let (class, mark) = match line.change {
                                            LineChange::Same => ("same", "  "),
                                            LineChange::Added => ("added", "+ "),
                                            LineChange::Removed => ("removed", "- "),
                                        };
                                        view! {
                                            <span class=class>{format!("{mark}{}\n", line.text)}</span>
                                        }
                                    })
                                    .collect_view()}
                            </pre>
                        }
                            .into_any()
                    }
                    Err(AppError::Invalid { .. }) => {
                        view! {
                            <p class="error" role="alert">
                                "Choose two revisions to compare."
                            </p>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound) => {
                        not_found_status();
                        view! { <p>"No such revision."</p> }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
