//! REST routes for an organization's access log: a page of it as JSON, or all of it as CSV.

use super::{ApiPath, ApiQuery, ErrorBody, reports::csv_response};
use crate::auth::Caller;
use crate::state::AppState;
use app::access::{AccessPage, AccessParams};
use app::error::AppError;
use axum::{Json, extract::State, response::Response};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(access_log))
        .routes(routes!(access_log_csv))
}

/// Who of the provider's staff opened the organization's tickets, files and reports, newest
/// first: one entry per person, thing and way (`page` or `api`) in each ten-minute window,
/// with a count. Filter by `person` and a period of UTC days; page with `before`. The
/// organization's manager and admins only: technicians are refused (403), requesters too,
/// anyone of another organization is told it does not exist (404).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/access-log", tag = "access",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id"), AccessParams),
    responses((status = 200, body = AccessPage), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn access_log(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<AccessParams>,
) -> Result<Json<AccessPage>, AppError> {
    let query = params.parse()?;
    Ok(Json(state.backend.access.log(&actor, id, query).await?))
}

/// Every entry matching the filters (`before` and `limit` do not apply) as CSV, newest first:
/// `first_at,last_at,person,email,kind,object,ticket,via,count`. At most 100,000 entries;
/// more is 422, asking for a shorter period.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/access-log.csv", tag = "access",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id"), AccessParams),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn access_log_csv(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<AccessParams>,
) -> Result<Response, AppError> {
    let query = params.parse()?;
    let entries = state.backend.access.export(&actor, id, query).await?;
    Ok(csv_response(
        &format!("access-log-{id}.csv"),
        crate::access::csv(&entries),
    ))
}
