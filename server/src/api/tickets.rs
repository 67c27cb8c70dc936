//! REST routes for tickets and their conversation.

use super::{ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::auth::{Caller, SignedInVia};
use crate::state::AppState;
use app::error::AppError;
use app::tickets::{
    NewTicket, Priority, Rating, SavedView, Status, TicketDetail, TicketPage, TicketParams,
    TicketPatch,
};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(add_comment))
        .routes(routes!(rate_ticket))
        .routes(routes!(update_tickets))
        .routes(routes!(list_views, save_view))
        .routes(routes!(delete_view))
        .routes(routes!(assignment_setting, set_assignment_setting))
}

/// The team's assignment setting.
#[derive(Deserialize, serde::Serialize, ToSchema)]
pub struct AssignmentSetting {
    /// Whether a technician's public reply to, or resolving of, an unassigned ticket assigns
    /// it to them. On unless changed.
    assign_on_work: bool,
}

/// Whether replying to or resolving an unassigned ticket assigns it (admins).
#[utoipa::path(get, path = "/api/v1/settings/assignment", tag = "tickets",
    security(("bearer" = [])),
    responses((status = 200, body = AssignmentSetting), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn assignment_setting(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<AssignmentSetting>, AppError> {
    let assign_on_work = state.backend.tickets.assign_on_work(&actor).await?;
    Ok(Json(AssignmentSetting { assign_on_work }))
}

/// Change whether replying to or resolving an unassigned ticket assigns it (admins).
#[utoipa::path(put, path = "/api/v1/settings/assignment", tag = "tickets",
    security(("bearer" = [])), request_body = AssignmentSetting,
    responses((status = 200, body = AssignmentSetting), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_assignment_setting(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<AssignmentSetting>,
) -> Result<Json<AssignmentSetting>, AppError> {
    let assign_on_work = state
        .backend
        .tickets
        .set_assign_on_work(&actor, body.assign_on_work)
        .await?;
    Ok(Json(AssignmentSetting { assign_on_work }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTicketRequest {
    /// One line, at most 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    subject: String,
    /// Markdown, at most 20,000 characters.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    body: String,
    #[schema(value_type = Priority)]
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

/// Tickets the caller may see, filtered and sorted (most recent activity first unless `sort`
/// says otherwise), paginated by cursor. An `org` the caller cannot see is 404, as a ticket of
/// it would be.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(TicketParams),
    responses((status = 200, body = TicketPage), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_tickets(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(query): ApiQuery<TicketParams>,
) -> Result<Json<TicketPage>, AppError> {
    let filter = query.parse()?;
    Ok(Json(state.backend.tickets.list(&actor, filter).await?))
}

/// One ticket with the conversation the caller may see (requesters never see internal notes).
/// Provider staff opening a client's ticket are recorded in that organization's access log
/// (`via` `api` with a token, `page` with a browser session); if that fails, so does the read.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    responses((status = 200, body = TicketDetail), (status = 404, body = ErrorBody)))]
async fn get_ticket(
    State(state): State<AppState>,
    Caller(actor): Caller,
    SignedInVia(via): SignedInVia,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TicketDetail>, AppError> {
    Ok(Json(state.backend.tickets.open(&actor, id, via).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TicketPatchRequest {
    #[schema(value_type = Option<Status>)]
    status: Option<String>,
    #[schema(value_type = Option<Priority>)]
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
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TicketPatchRequest>,
) -> Result<Json<TicketDetail>, AppError> {
    let patch = TicketPatch::parse(
        body.status.as_deref(),
        body.priority.as_deref(),
        body.category.as_deref(),
        body.assignee_id,
    )?;
    Ok(Json(state.backend.tickets.update(&actor, id, patch).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CommentRequest {
    /// Markdown, at most 20,000 characters.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
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
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CommentRequest>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let ticket = state
        .backend
        .tickets
        .comment(&actor, id, &body.body, body.internal)
        .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

#[derive(Deserialize, ToSchema)]
pub struct RatingRequest {
    #[schema(value_type = Rating)]
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
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RatingRequest>,
) -> Result<Json<TicketDetail>, AppError> {
    let rating = Rating::parse(&body.rating).map_err(|m| AppError::invalid("rating", m))?;
    Ok(Json(
        state
            .backend
            .tickets
            .rate(&actor, id, rating, body.comment)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct BulkRequest {
    /// Ticket numbers, 1 to 200.
    #[schema(min_items = 1, max_items = 200)]
    ids: Vec<i64>,
    #[schema(value_type = Option<Status>)]
    status: Option<String>,
    #[schema(value_type = Option<Priority>)]
    priority: Option<String>,
    /// A technician's user id; `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    assignee_id: Option<Option<i64>>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct BulkResponse {
    /// How many tickets changed.
    updated: usize,
}

/// Change status, priority or assignee of several tickets (provider staff). Every ticket is
/// checked first: one the caller may not change changes none.
#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets", security(("bearer" = [])),
    request_body = BulkRequest,
    responses((status = 200, body = BulkResponse), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_tickets(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<BulkRequest>,
) -> Result<Json<BulkResponse>, AppError> {
    let patch = TicketPatch::parse(
        body.status.as_deref(),
        body.priority.as_deref(),
        None,
        body.assignee_id,
    )?;
    let updated = state
        .backend
        .tickets
        .update_many(&actor, &body.ids, patch)
        .await?;
    Ok(Json(BulkResponse { updated }))
}

/// The queue's views for the caller (provider staff): the built-in ones, then their own, each
/// with how many tickets it holds now (counted up to 1,000).
#[utoipa::path(get, path = "/api/v1/views", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = Vec<SavedView>), (status = 403, body = ErrorBody)))]
async fn list_views(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<SavedView>>, AppError> {
    Ok(Json(state.backend.tickets.views(&actor).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ViewRequest {
    /// 1 to 60 characters; saving a name again replaces that view.
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    name: String,
    /// The filters and sort, as the query string of `GET /api/v1/tickets`.
    query: String,
}

/// Save a view of the queue (provider staff).
#[utoipa::path(post, path = "/api/v1/views", tag = "queue", security(("bearer" = [])),
    request_body = ViewRequest,
    responses((status = 201, body = SavedView), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn save_view(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<ViewRequest>,
) -> Result<(StatusCode, Json<SavedView>), AppError> {
    let params = TicketParams::from_query_string(&body.query);
    let view = state
        .backend
        .tickets
        .save_view(&actor, &body.name, params)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Delete one of the caller's saved views.
#[utoipa::path(delete, path = "/api/v1/views/{id}", tag = "queue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "View id")),
    responses((status = 204), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn delete_view(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.backend.tickets.delete_view(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
