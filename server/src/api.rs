//! The REST API under `/api/v1`: JSON in and out, the same rules as the pages, and an OpenAPI
//! document generated from the handlers.

pub mod accounts;
pub mod attachments;
pub mod canned;
pub mod events;
pub mod forms;
pub mod presence;
pub mod reports;
pub mod settings;
pub mod tickets;
pub mod wiki;

use crate::startup::AppState;
use app::error::AppError;
use axum::{
    Json, Router,
    extract::DefaultBodyLimit,
    extract::{FromRequest, FromRequestParts, Query, Request, State, rejection::JsonRejection},
    http::StatusCode,
    http::request::Parts,
    response::IntoResponse,
    routing::get,
};
use serde::{Serialize, de::DeserializeOwned};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Deskside API",
        description = "The help portal a business shares with its IT provider. Authenticate with \
                       the session cookie from `POST /api/v1/auth/login` or with \
                       `Authorization: Bearer <token>`. Every error is \
                       `{\"error\": {\"code\", \"message\", \"fields\"}}`."
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The error body every failing API call returns.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid`, `not_found`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// Field name → messages, for `invalid`.
    pub fields: std::collections::BTreeMap<String, Vec<String>>,
}

/// The API routes and the OpenAPI document describing them.
pub fn router(max_upload_bytes: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let uploads = attachments::router()
        .merge(wiki::uploads())
        .layer(DefaultBodyLimit::max(max_upload_bytes));
    let (routes, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(accounts::router())
        .merge(tickets::router())
        .merge(settings::router())
        .merge(events::router())
        .merge(presence::router())
        .merge(canned::router())
        .merge(wiki::router())
        .merge(reports::router())
        .merge(uploads)
        .split_for_parts();
    let doc = openapi.clone();
    let routes = routes
        .route("/api/openapi.json", get(move || async move { Json(doc) }))
        .route("/healthz", get(health))
        .route(
            "/tickets/{id}/attachments",
            axum::routing::post(forms::attach).layer(DefaultBodyLimit::max(max_upload_bytes)),
        )
        .route(
            "/tickets/new",
            axum::routing::post(forms::new_request).layer(DefaultBodyLimit::max(max_upload_bytes)),
        );
    (routes, openapi)
}

async fn health(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, Json(serde_json::json!({ "status": "ok" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "database unavailable" })),
        )
    }
}

/// JSON request bodies whose rejections are JSON errors like every other.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::BytesRejection(_)) => Err(AppError::TooLarge {
                message: "The request body is too large.".into(),
            }),
            Err(rejection) => Err(AppError::Request {
                message: rejection.body_text(),
            }),
        }
    }
}

/// Query strings whose rejections are JSON errors like every other.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| AppError::Request {
                message: rejection.body_text(),
            })
    }
}

/// Unknown `/api/` paths answer in JSON rather than with the HTML not-found page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
