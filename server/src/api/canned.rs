//! REST routes for canned replies (provider staff).

use super::{ApiJson, ApiPath, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::tickets::canned::{CannedDraft, CannedReply};
use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(expanded))
}

#[derive(Deserialize, ToSchema)]
pub struct CannedRequest {
    /// One line, at most 100 characters, unique.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    title: String,
    /// Markdown with placeholders such as `{{requester_first_name}}`, `{{ticket_number}}`.
    body: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExpandedReply {
    /// The reply with its placeholders filled in.
    body: String,
}

/// Every canned reply.
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "canned replies",
    security(("bearer" = [])),
    responses((status = 200, body = [CannedReply]), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<CannedReply>>, AppError> {
    Ok(Json(state.backend.canned.list_canned(&actor).await?))
}

/// Add a canned reply.
#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "canned replies",
    security(("bearer" = [])), request_body = CannedRequest,
    responses((status = 201, body = CannedReply), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<CannedRequest>,
) -> Result<(StatusCode, Json<CannedReply>), AppError> {
    let draft = CannedDraft::parse(&body.title, &body.body)?;
    let reply = state.backend.canned.create_canned(&actor, draft).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

/// One canned reply.
#[utoipa::path(get, path = "/api/v1/canned-replies/{id}", tag = "canned replies",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Canned reply id")),
    responses((status = 200, body = CannedReply), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(raw): ApiPath<i64>,
) -> Result<Json<CannedReply>, AppError> {
    Ok(Json(state.backend.canned.get_canned(&actor, raw).await?))
}

/// Change a canned reply.
#[utoipa::path(put, path = "/api/v1/canned-replies/{id}", tag = "canned replies",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Canned reply id")),
    request_body = CannedRequest,
    responses((status = 200, body = CannedReply), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(raw): ApiPath<i64>,
    ApiJson(body): ApiJson<CannedRequest>,
) -> Result<Json<CannedReply>, AppError> {
    let id = raw;
    let draft = CannedDraft::parse(&body.title, &body.body)?;
    Ok(Json(
        state
            .backend
            .canned
            .update_canned(&actor, id, draft)
            .await?,
    ))
}

/// Delete a canned reply.
#[utoipa::path(delete, path = "/api/v1/canned-replies/{id}", tag = "canned replies",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Canned reply id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(raw): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.backend.canned.delete_canned(&actor, raw).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A canned reply filled in for one ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/canned-replies/{canned_id}",
    tag = "canned replies", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number"),
        ("canned_id" = i64, Path, description = "Canned reply id")),
    responses((status = 200, body = ExpandedReply), (status = 404, body = ErrorBody)))]
async fn expanded(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath((ticket, canned)): ApiPath<(i64, i64)>,
) -> Result<Json<ExpandedReply>, AppError> {
    let body = state
        .backend
        .canned
        .expand_canned(&actor, canned, ticket)
        .await?;
    Ok(Json(ExpandedReply { body }))
}
