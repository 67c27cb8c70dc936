//! REST routes for the wiki: articles, their history, search and suggestions, files, and the
//! articles tied to a ticket.

use super::{
    ApiJson, ApiPath, ApiQuery, ErrorBody, attachments::file_response, forms::MultipartForm,
};
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::wiki::ssr::ArticleFile;
use app::wiki::{
    Article, ArticleEditInput, ArticleInput, ArticleList, ArticleQuery, CaptureInput, Revision,
    RevisionDiff, RevisionSummary, SearchHit, TicketArticle,
};
use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::Response,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// How many hits a search returns unless asked for fewer or more (at most 50).
const SEARCH_HITS: usize = 20;
/// How many suggestions unless asked otherwise.
const SUGGESTIONS: usize = 3;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        // Literal paths, matched before `{slug}`.
        .routes(routes!(search_articles))
        .routes(routes!(suggest_articles))
        .routes(routes!(get_article, update_article))
        .routes(routes!(list_revisions))
        .routes(routes!(get_revision))
        .routes(routes!(diff_revisions))
        .routes(routes!(restore_revision))
        .routes(routes!(deflect))
        .routes(routes!(download_file))
        .routes(routes!(ticket_articles))
        .routes(routes!(capture))
}

/// The routes that take uploads, for the upload size limit.
pub fn uploads() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_files))
}

/// Revision numbers that do not parse name nothing that exists.
#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only articles of this space.
    space: Option<String>,
    /// Only articles with this tag.
    tag: Option<String>,
}

/// The articles the caller may read, newest first (at most 200), with the spaces and tags
/// among them.
#[utoipa::path(get, path = "/api/v1/articles", tag = "wiki", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ArticleList), (status = 401, body = ErrorBody)))]
async fn list_articles(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<ArticleList>, AppError> {
    let query = ArticleQuery {
        space: query.space,
        tag: query.tag,
    };
    Ok(Json(state.backend.wiki.list(&actor, query).await?))
}

/// Write an article (provider staff anywhere; a manager for their own organization only).
/// An address an article the caller can read holds is refused (422 on `slug`); one held by an
/// article hidden from them is completed with a random tail, so the answer's `slug` (and its
/// `Location`) is the address the article got.
#[utoipa::path(post, path = "/api/v1/articles", tag = "wiki", security(("bearer" = [])),
    request_body = ArticleInput,
    responses((status = 201, body = Article), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_article(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<ArticleInput>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<Article>), AppError> {
    let article = body.parse()?;
    let article = state.backend.wiki.create(&actor, article).await?;
    let location = format!("/api/v1/articles/{}", article.slug);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(article),
    ))
}

/// One article the caller may read.
#[utoipa::path(get, path = "/api/v1/articles/{slug}", tag = "wiki", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address")),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
async fn get_article(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Article>, AppError> {
    Ok(Json(state.backend.wiki.get(&actor, &slug).await?))
}

/// Save a new revision. `base_revision` is the revision the edit started from: when someone
/// saved since, nothing is written and the answer is 409. The address never changes.
#[utoipa::path(put, path = "/api/v1/articles/{slug}", tag = "wiki", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address")),
    request_body = ArticleEditInput,
    responses((status = 200, body = Article), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_article(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(mut body): ApiJson<ArticleEditInput>,
) -> Result<Json<Article>, AppError> {
    body.article.slug = slug.clone();
    let article = body.article.parse()?;
    Ok(Json(
        state
            .backend
            .wiki
            .update(&actor, &slug, article, body.base_revision)
            .await?,
    ))
}

/// Every revision of an article, newest first.
#[utoipa::path(get, path = "/api/v1/articles/{slug}/revisions", tag = "wiki",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address")),
    responses((status = 200, body = Vec<RevisionSummary>), (status = 404, body = ErrorBody)))]
async fn list_revisions(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<RevisionSummary>>, AppError> {
    Ok(Json(state.backend.wiki.revisions(&actor, &slug).await?))
}

/// One revision with its content.
#[utoipa::path(get, path = "/api/v1/articles/{slug}/revisions/{number}", tag = "wiki",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address"),
        ("number" = i64, Path, description = "Revision number")),
    responses((status = 200, body = Revision), (status = 404, body = ErrorBody)))]
async fn get_revision(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath((slug, number)): ApiPath<(String, i64)>,
) -> Result<Json<Revision>, AppError> {
    Ok(Json(
        state.backend.wiki.revision(&actor, &slug, number).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct DiffQuery {
    /// The older revision's number.
    from: i64,
    /// The newer revision's number.
    to: i64,
}

/// What changed between two revisions, line by line.
#[utoipa::path(get, path = "/api/v1/articles/{slug}/diff", tag = "wiki",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address"), DiffQuery),
    responses((status = 200, body = RevisionDiff), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn diff_revisions(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(query): ApiQuery<DiffQuery>,
) -> Result<Json<RevisionDiff>, AppError> {
    Ok(Json(
        state
            .backend
            .wiki
            .diff(&actor, &slug, query.from, query.to)
            .await?,
    ))
}

/// Save an old revision's title and body as the newest revision.
#[utoipa::path(post, path = "/api/v1/articles/{slug}/restore/{number}", tag = "wiki",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address"),
        ("number" = i64, Path, description = "The revision to restore")),
    responses((status = 200, body = Article), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn restore_revision(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath((slug, number)): ApiPath<(String, i64)>,
) -> Result<Json<Article>, AppError> {
    Ok(Json(
        state.backend.wiki.restore(&actor, &slug, number).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// What the person typed: its words (at most 8 of the first 200 characters) are searched.
    q: Option<String>,
    /// How many hits, 1 to 50.
    limit: Option<usize>,
}

/// Full-text search over the articles the caller may read, best first: articles with every
/// word, or when none has them all, with any (more of them first); matches in the title count
/// above matches in the text; "printer" also finds "printing", "wifi" also "Wi-Fi" and
/// "wi fi". The suggestions match the same way. Snippets are HTML, the text as read (no
/// markdown) escaped and the matched words in `<mark>`. A query with no words finds nothing.
#[utoipa::path(get, path = "/api/v1/articles/search", tag = "wiki", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>), (status = 401, body = ErrorBody)))]
async fn search_articles(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, AppError> {
    let q = query.q.unwrap_or_default();
    let limit = query.limit.unwrap_or(SEARCH_HITS);
    Ok(Json(state.backend.wiki.search(&actor, &q, limit).await?))
}

/// The few published articles that best match words still being typed (the last word may be
/// unfinished), for a request form to offer before the request is filed.
#[utoipa::path(get, path = "/api/v1/articles/suggest", tag = "wiki", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>), (status = 401, body = ErrorBody)))]
async fn suggest_articles(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, AppError> {
    let q = query.q.unwrap_or_default();
    let limit = query.limit.unwrap_or(SUGGESTIONS);
    Ok(Json(state.backend.wiki.suggest(&actor, &q, limit).await?))
}

/// Record that the article answered the caller's question, so no request was filed.
#[utoipa::path(post, path = "/api/v1/articles/{slug}/deflect", tag = "wiki",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn deflect(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.backend.wiki.deflect(&actor, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Upload images or files for an article the caller may edit (multipart: `file`,
/// repeatable). Each comes back with the markdown that shows it.
#[utoipa::path(post, path = "/api/v1/articles/{slug}/files", tag = "wiki",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's address")),
    request_body(content_type = "multipart/form-data", description = "file (repeatable)"),
    responses((status = 201, body = Vec<ArticleFile>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn upload_files(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(slug): ApiPath<String>,
    form: MultipartForm,
) -> Result<(StatusCode, Json<Vec<ArticleFile>>), AppError> {
    let files = state.backend.wiki.attach(&actor, &slug, form.files).await?;
    Ok((StatusCode::CREATED, Json(files)))
}

/// Download a file of an article the caller may read.
#[utoipa::path(get, path = "/api/v1/article-files/{id}", tag = "wiki",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "File id")),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
async fn download_file(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    let (file, path) = state.backend.wiki.file(&actor, id).await?;
    let bytes = tokio::fs::read(&path).await.map_err(|err| {
        tracing::error!(error = %err, file = id, "article file bytes missing");
        AppError::NotFound
    })?;
    Ok(file_response(&file.file_name, bytes))
}

/// The articles tied to a ticket: those it was resolved with, and those suggested when it was
/// filed (provider staff).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/articles", tag = "wiki",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    responses((status = 200, body = Vec<TicketArticle>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn ticket_articles(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<TicketArticle>>, AppError> {
    Ok(Json(state.backend.wiki.linked(&actor, id).await?))
}

/// Turn what fixed a ticket into a draft article (internal, in How-to), or add it to an
/// existing article with `append_to`; the article is tied to the ticket as resolved with it.
/// The requester's name and email are replaced by "the employee" (provider staff).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/capture", tag = "wiki",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    request_body = CaptureInput,
    responses((status = 201, body = Article), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn capture(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CaptureInput>,
) -> Result<(StatusCode, Json<Article>), AppError> {
    let capture = body.parse()?;
    let article = state.backend.wiki.capture(&actor, id, capture).await?;
    Ok((StatusCode::CREATED, Json(article)))
}
