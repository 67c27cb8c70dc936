//! REST routes for the home page: the caller's sections, and marking the desk's changes seen.

use super::{ApiJson, CallerZone, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::home::{Home, SeenInput};
use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(mark_seen))
}

/// The caller's home page: `requests` (their own open requests, each with the last public
/// message on it: the request or a reply, never an internal note) for employees and office managers; `desk` (the queue's counts,
/// their tickets by the next target due, what others did on them since they last marked it
/// seen) for the provider's staff; `month` (this month so far, as the reports page counts
/// it) for office managers. A section not part of the caller's role is null.
#[utoipa::path(get, path = "/api/v1/home", tag = "home",
    security(("bearer" = [])),
    responses((status = 200, body = Home), (status = 401, body = ErrorBody)))]
async fn home(
    State(state): State<AppState>,
    Caller(actor): Caller,
    CallerZone(zone): CallerZone,
) -> Result<Json<Home>, AppError> {
    Ok(Json(state.backend.home.home(&actor, zone.today()).await?))
}

/// Marks the desk's changes seen through event `through` (the newest the caller was shown);
/// anything newer stays listed. Provider staff only.
#[utoipa::path(post, path = "/api/v1/home/seen", tag = "home",
    security(("bearer" = [])), request_body = SeenInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_seen(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<SeenInput>,
) -> Result<StatusCode, AppError> {
    state.backend.home.mark_seen(&actor, body.through).await?;
    Ok(StatusCode::NO_CONTENT)
}
