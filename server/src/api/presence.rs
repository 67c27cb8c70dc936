//! `/api/v1/tickets/{id}/presence`: a ticket page's heartbeats, saying who is on it and what
//! they are typing, for the others on the page.

use super::{ApiJson, ApiPath, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::live::{PresenceList, Typing};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(heartbeat, leave))
}

#[derive(Deserialize, ToSchema)]
pub struct HeartbeatRequest {
    /// `"reply"`, `"note"` (provider staff) or `null` when not typing.
    #[serde(default)]
    #[schema(value_type = Option<Typing>)]
    typing: Option<String>,
}

/// Say the caller is on the ticket's page, typing or not. Pages send this every 15 seconds
/// and when typing starts or stops; a viewer is forgotten 40 seconds after the last. Changes
/// go out as `presence` events on the live stream. Answers who is there, the caller included.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/presence", tag = "live",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    request_body = HeartbeatRequest,
    responses((status = 200, body = PresenceList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Heartbeats past the caller's budget; `Retry-After` says \
            when to send the next", body = ErrorBody)))]
async fn heartbeat(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HeartbeatRequest>,
) -> Result<Json<PresenceList>, AppError> {
    let typing = body
        .typing
        .as_deref()
        .map(Typing::parse)
        .transpose()
        .map_err(|m| AppError::invalid("typing", m))?;
    Ok(Json(state.presence.heartbeat(&actor, id, typing).await?))
}

/// Say the caller left the ticket's page.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/presence", tag = "live",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    responses((status = 204), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn leave(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.presence.leave(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
