//! Uploading files to tickets and downloading them through the REST API.

use super::{ApiPath, ErrorBody, forms::MultipartForm};
use crate::auth::{Caller, SignedInVia};
use crate::state::AppState;
use app::error::AppError;
use app::tickets::TicketDetail;
use axum::{
    Json,
    body::Body,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(download))
}

/// Attach files (multipart: `file`, repeatable; `internal`, staff only).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    request_body(content_type = "multipart/form-data", description = "file (repeatable), internal"),
    responses((status = 201, body = TicketDetail), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    form: MultipartForm,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let internal = form.flag("internal");
    let ticket = state
        .backend
        .tickets
        .attach(&actor, id, form.files, internal)
        .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// Download an attachment the caller may see. Provider staff downloading a client's file (not
/// an internal one) are recorded in that organization's access log first.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
async fn download(
    State(state): State<AppState>,
    Caller(actor): Caller,
    SignedInVia(via): SignedInVia,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    let (attachment, path) = state.backend.tickets.attachment(&actor, id, via).await?;
    let bytes = tokio::fs::read(&path).await.map_err(|err| {
        tracing::error!(error = %err, attachment = id, "attachment bytes missing");
        AppError::NotFound
    })?;
    Ok(file_response(&attachment.file_name, bytes))
}

/// Stored bytes as a download: the content type their name gives (images inline, anything
/// else as an attachment), never sniffed.
pub(super) fn file_response(file_name: &str, bytes: Vec<u8>) -> Response {
    let (content_type, inline) = app::tickets::served_content_type(file_name);
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(file_name, NON_ALPHANUMERIC)
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            // Behind sign-in: no cache, shared or the browser's own, keeps a copy that
            // outlives the session or the right to read it.
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response()
}
