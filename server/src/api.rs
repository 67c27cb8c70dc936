//! The REST API under `/api/v1`: JSON in and out, the same rules as the pages, and an OpenAPI
//! document generated from the handlers.

pub mod access;
pub mod account_links;
pub mod accounts;
pub mod attachments;
pub mod canned;
pub mod events;
pub mod forms;
pub mod home;
pub mod mail;
pub mod mail_inbound;
pub mod notifications;
pub mod presence;
pub mod reports;
pub mod settings;
pub mod setup;
pub mod tickets;
pub mod two_factor;
pub mod wiki;

use crate::security;
use crate::state::AppState;
use app::error::AppError;
use axum::{
    Json, Router,
    extract::DefaultBodyLimit,
    extract::{
        FromRequest, FromRequestParts, Path, Query, Request, State,
        path::ErrorKind,
        rejection::{JsonRejection, PathRejection},
    },
    http::StatusCode,
    http::request::Parts,
    middleware,
    response::IntoResponse,
    routing::get,
};
use serde::{Serialize, de::DeserializeOwned};
use utoipa::openapi::{
    ContentBuilder, Ref, RefOr, ResponseBuilder,
    path::{Operation, ParameterIn},
};
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
    // Only these routes give a signed-in caller's slow upload more time than anything else.
    let upload_time = || middleware::from_fn(security::upload_time);
    let uploads = attachments::router()
        .merge(wiki::uploads())
        .layer(DefaultBodyLimit::max(max_upload_bytes))
        .layer(upload_time());
    let (routes, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(accounts::router())
        .merge(account_links::router())
        .merge(two_factor::router())
        .merge(tickets::router())
        .merge(settings::router())
        .merge(events::router())
        .merge(presence::router())
        .merge(canned::router())
        .merge(wiki::router())
        .merge(reports::router())
        .merge(access::router())
        .merge(mail_inbound::router())
        .merge(mail::router())
        .merge(notifications::router())
        .merge(setup::router())
        .merge(home::router())
        .merge(uploads)
        .split_for_parts();
    let mut openapi = openapi;
    declare_common_errors(&mut openapi);
    let doc = openapi.clone();
    let routes = routes
        .route("/api/openapi.json", get(move || async move { Json(doc) }))
        // The routes so far, all under `/api/`; the page forms below keep axum's plain answer.
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .route("/healthz", get(health))
        .merge(notifications::pages())
        .route(
            "/tickets/{id}/attachments",
            axum::routing::post(forms::attach)
                .layer(DefaultBodyLimit::max(max_upload_bytes))
                .layer(upload_time()),
        )
        // The reply form's "Insert" without JavaScript: the ticket page, rendered from a post.
        .route("/tickets/{id}", axum::routing::post(forms::insert_canned))
        .route(
            "/tickets/new",
            axum::routing::post(forms::new_request)
                .layer(DefaultBodyLimit::max(max_upload_bytes))
                .layer(upload_time()),
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

/// An error an operation may answer with whatever its own annotation lists, declared once as a
/// shared response.
struct CommonError {
    status: &'static str,
    name: &'static str,
    description: &'static str,
    /// Whether it applies to an operation; the flag says the operation writes.
    applies: fn(&Operation, bool) -> bool,
}

/// The errors every operation they apply to can answer with, so the document declares every
/// status the API can send.
const COMMON_ERRORS: [CommonError; 8] = [
    CommonError {
        status: "400",
        name: "BadRequest",
        description: "The request does not parse: its JSON body, query string or form is \
                      malformed or of the wrong type.",
        applies: |op, _| op.request_body.is_some() || takes_parameters(op, ParameterIn::Query),
    },
    CommonError {
        status: "401",
        name: "Unauthorized",
        description: "No signed-in caller, or an `Authorization` header that names no active \
                      token (checked on every route).",
        applies: |_, _| true,
    },
    CommonError {
        status: "403",
        name: "CrossSite",
        description: "A write whose `Origin` (or `Sec-Fetch-Site`) names another site than the \
                      one it was sent to; such writes are refused before anything is read. Also \
                      `two_factor_required`: provider staff who must use two-factor sign-in and \
                      have not set it up reach only `/api/v1/auth/*`, `/api/v1/me` and \
                      `/api/v1/me/two-factor/*`.",
        applies: |_, write| write,
    },
    CommonError {
        status: "403",
        name: "TwoFactorSetupRequired",
        description: "`two_factor_required`: the caller is provider staff, an admin requires \
                      two-factor sign-in of staff, and the caller has not set it up; only \
                      `/api/v1/auth/*`, `/api/v1/me` and `/api/v1/me/two-factor/*` answer until \
                      they do.",
        applies: |_, write| !write,
    },
    CommonError {
        status: "404",
        name: "NotFound",
        description: "Nothing the caller may see has that id, or the id does not parse.",
        applies: |op, _| takes_parameters(op, ParameterIn::Path),
    },
    CommonError {
        status: "413",
        name: "TooLarge",
        description: "The request body is larger than allowed.",
        applies: |op, _| op.request_body.is_some(),
    },
    CommonError {
        status: "500",
        name: "Internal",
        description: "Something went wrong on the server; the cause is logged, never sent.",
        applies: |_, _| true,
    },
    CommonError {
        status: "503",
        name: "Timeout",
        description: "The server took longer than its time limit to answer (30 seconds by \
                      default; a signed-in caller's upload gets a second more per 64 KiB of the \
                      body it announces). Nothing is half saved, but a write \
                      already being committed may still take effect: look before repeating it.",
        applies: |_, _| true,
    },
];

fn takes_parameters(op: &Operation, place: ParameterIn) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == place)
}

/// Adds the shared error responses (`components/responses`, each an `ErrorBody`) to every
/// operation they apply to and that does not declare that status itself.
fn declare_common_errors(openapi: &mut utoipa::openapi::OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    for error in &COMMON_ERRORS {
        let response = ResponseBuilder::new()
            .description(error.description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        components
            .responses
            .insert(error.name.into(), response.into());
    }
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            (false, &mut item.get),
            (true, &mut item.put),
            (true, &mut item.post),
            (true, &mut item.delete),
            (true, &mut item.patch),
        ];
        for (write, op) in operations {
            let Some(op) = op else { continue };
            for error in &COMMON_ERRORS {
                if (error.applies)(op, write) {
                    op.responses
                        .responses
                        .entry(error.status.into())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(error.name)));
                }
            }
        }
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

/// The caller's time zone as the pages use it (the zone chosen on the account page, else the
/// browser's, from their cookies; UTC without them): what "today" means when a date is left
/// out.
pub struct CallerZone(pub app::clock::Zone);

impl<S: Send + Sync> FromRequestParts<S> for CallerZone {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(CallerZone(app::clock::from_cookies(&parts.headers).0))
    }
}

/// Path parameters whose rejections are JSON errors like every other: a value that does not
/// decode names nothing that exists.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(err))
                if !matches!(
                    err.kind(),
                    ErrorKind::WrongNumberOfParameters { .. } | ErrorKind::UnsupportedType { .. }
                ) =>
            {
                Err(AppError::NotFound)
            }
            Err(rejection) => {
                // The route and its extractor disagree: our bug, not the caller's.
                tracing::error!(error = %rejection.body_text(), "path parameters do not fit the route");
                Err(AppError::Internal)
            }
        }
    }
}

/// Unknown `/api/` paths answer in JSON rather than with the HTML not-found page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
