//! REST routes for tickets and their conversation.

use super::{ApiJson, ApiQuery, ErrorBody};
use crate::auth::Caller;
use crate::startup::AppState;
use app::error::AppError;
use app::tickets::{
    NewTicket, Rating, Status, TicketDetail, TicketFilter, TicketPage, TicketPatch,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(add_comment))
        .routes(routes!(rate_ticket))
}

/// Ticket ids that do not parse name nothing that exists.
pub(super) fn ticket_id(raw: &str) -> Result<i64, AppError> {
    raw.trim_start_matches('#')
        .parse()
        .map_err(|_| AppError::NotFound)
}

#[derive(Deserialize, ToSchema)]
pub struct NewTicketRequest {
    /// One line, at most 200 characters.
    subject: String,
    /// Markdown, at most 20,000 characters.
    body: String,
    /// low, normal, high or urgent.
    priority: String,
    /// A category of the caller's organization; defaults to Other.
    category: Option<String>,
}

/// File a request (people of a client organization).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    request_body = NewTicketRequest,
    responses((status = 201, body = TicketDetail), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_ticket(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<NewTicketRequest>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let new = NewTicket::parse(
        &body.subject,
        &body.body,
        &body.priority,
        body.category.as_deref(),
    )?;
    let ticket = state
        .backend
        .tickets
        .create(&actor, new, Vec::new())
        .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

#[derive(Deserialize, IntoParams)]
pub struct TicketQuery {
    /// new, open, pending, resolved or closed.
    status: Option<String>,
    /// Organization id (provider staff).
    org: Option<String>,
    /// Assignee's user id.
    assignee: Option<String>,
    /// Requester's user id.
    requester: Option<String>,
    /// Words in the subject or description.
    q: Option<String>,
    /// From the previous page's `next_cursor`.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<String>,
}

fn number<T: std::str::FromStr>(
    field: &str,
    raw: Option<&str>,
    v: &mut app::error::Validator,
) -> Option<T> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    v.check(
        field,
        raw.parse().map_err(|_| "Expected a number.".to_string()),
    )
}

impl TicketQuery {
    fn into_filter(self) -> Result<TicketFilter, AppError> {
        let mut v = app::error::Validator::new();
        let status = self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| v.check("status", Status::parse(s)));
        let org = number("org", self.org.as_deref(), &mut v);
        let assignee = number("assignee", self.assignee.as_deref(), &mut v);
        let requester = number("requester", self.requester.as_deref(), &mut v);
        let limit = number("limit", self.limit.as_deref(), &mut v);
        v.finish(|| {
            Some(TicketFilter {
                status,
                org,
                assignee,
                requester,
                q: self.q,
                cursor: self.cursor,
                limit,
            })
        })
    }
}

/// Tickets the caller may see, most recent activity first, paginated by cursor.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(TicketQuery),
    responses((status = 200, body = TicketPage), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_tickets(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(query): ApiQuery<TicketQuery>,
) -> Result<Json<TicketPage>, AppError> {
    let filter = query.into_filter()?;
    Ok(Json(state.backend.tickets.list(&actor, filter).await?))
}

/// One ticket with the conversation the caller may see (requesters never see internal notes).
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    responses((status = 200, body = TicketDetail), (status = 404, body = ErrorBody)))]
async fn get_ticket(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketDetail>, AppError> {
    Ok(Json(
        state.backend.tickets.get(&actor, ticket_id(&id)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct TicketPatchRequest {
    status: Option<String>,
    priority: Option<String>,
    category: Option<String>,
    /// A technician's user id; `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    assignee_id: Option<Option<i64>>,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// Change status, priority, category or assignee. Requesters may only resolve or reopen.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    request_body = TicketPatchRequest,
    responses((status = 200, body = TicketDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_ticket(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TicketPatchRequest>,
) -> Result<Json<TicketDetail>, AppError> {
    let patch = TicketPatch::parse(
        body.status.as_deref(),
        body.priority.as_deref(),
        body.category.as_deref(),
        body.assignee_id,
    )?;
    Ok(Json(
        state
            .backend
            .tickets
            .update(&actor, ticket_id(&id)?, patch)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CommentRequest {
    /// Markdown.
    body: String,
    /// An internal note, never shown to the client's people (provider staff only).
    #[serde(default)]
    internal: bool,
}

/// Reply, or add an internal note.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    request_body = CommentRequest,
    responses((status = 201, body = TicketDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_comment(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommentRequest>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let ticket = state
        .backend
        .tickets
        .comment(&actor, ticket_id(&id)?, &body.body, body.internal)
        .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

#[derive(Deserialize, ToSchema)]
pub struct RatingRequest {
    /// good or bad.
    rating: String,
    comment: Option<String>,
}

/// Rate the resolution (the client's people, once resolved).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/rating", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    request_body = RatingRequest,
    responses((status = 200, body = TicketDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rate_ticket(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RatingRequest>,
) -> Result<Json<TicketDetail>, AppError> {
    let rating = Rating::parse(&body.rating).map_err(|m| AppError::invalid("rating", m))?;
    Ok(Json(
        state
            .backend
            .tickets
            .rate(&actor, ticket_id(&id)?, rating, body.comment)
            .await?,
    ))
}
