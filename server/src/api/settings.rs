//! REST routes for a client organization's ticket settings and categories.

use super::{ApiJson, ApiPath, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::tickets::settings::{CategoryChange, OrgSettings, SettingsChange};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, change_settings))
        .routes(routes!(add_category))
        .routes(routes!(change_category))
}

/// Ids that do not parse name nothing that exists.
/// An organization's ticket settings (provider staff; a manager for their own org).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/settings", tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = OrgSettings), (status = 404, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(org): ApiPath<i64>,
) -> Result<Json<OrgSettings>, AppError> {
    let settings = state.backend.settings.settings(&actor, org).await?;
    Ok(Json(settings))
}

/// Change sharing (admins; the org's manager), business hours and SLA targets (admins). Checked
/// whole: a bad part changes nothing. New due times apply to tickets filed or re-prioritized
/// afterwards.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}/settings", tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    request_body = SettingsChange,
    responses((status = 200, body = OrgSettings), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(org): ApiPath<i64>,
    ApiJson(change): ApiJson<SettingsChange>,
) -> Result<Json<OrgSettings>, AppError> {
    let settings = state
        .backend
        .settings
        .change_settings(&actor, org, change)
        .await?;
    Ok(Json(settings))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCategory {
    /// One line, at most 60 characters; an archived category of that name is restored.
    name: String,
}

/// Add a category (admins).
#[utoipa::path(post, path = "/api/v1/orgs/{id}/categories", tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    request_body = NewCategory,
    responses((status = 201, body = OrgSettings), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_category(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(org): ApiPath<i64>,
    ApiJson(body): ApiJson<NewCategory>,
) -> Result<(StatusCode, Json<OrgSettings>), AppError> {
    let settings = state
        .backend
        .settings
        .add_category(&actor, org, &body.name)
        .await?;
    Ok((StatusCode::CREATED, Json(settings)))
}

/// Rename, archive or restore a category (admins). Tickets keep their category.
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    request_body = CategoryChange,
    responses((status = 200, body = OrgSettings), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_category(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(category): ApiPath<i64>,
    ApiJson(change): ApiJson<CategoryChange>,
) -> Result<Json<OrgSettings>, AppError> {
    let settings = state
        .backend
        .settings
        .change_category(&actor, category, change)
        .await?;
    Ok(Json(settings))
}
