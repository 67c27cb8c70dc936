//! Uploading files to tickets and downloading them, for the REST API and for the ticket
//! page's plain form.

use super::{ErrorBody, tickets::ticket_id};
use crate::auth::Caller;
use crate::startup::AppState;
use app::error::AppError;
use app::tickets::{TicketDetail, ssr::Upload};
use axum::{
    Json,
    body::Body,
    extract::{Multipart, Path, State, multipart::MultipartError},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(download))
}

fn multipart_error(err: MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge {
            message: "The upload is larger than allowed.".into(),
        }
    } else {
        AppError::Request {
            message: err.body_text(),
        }
    }
}

/// The files (field `file`, repeatable) and the `internal` flag of a multipart form.
async fn read_form(mut form: Multipart) -> Result<(Vec<Upload>, bool), AppError> {
    let mut files = Vec::new();
    let mut internal = false;
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("file") => {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                // A file input left empty still sends an empty, nameless part.
                if !(file_name.is_empty() && bytes.is_empty()) {
                    files.push(Upload {
                        file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            Some("internal") => {
                let value = field.text().await.map_err(multipart_error)?;
                internal = matches!(value.trim(), "on" | "true" | "1");
            }
            _ => {}
        }
    }
    Ok((files, internal))
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
    Path(id): Path<String>,
    form: Multipart,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let id = ticket_id(&id)?;
    let (files, internal) = read_form(form).await?;
    let ticket = state
        .backend
        .tickets
        .attach(&actor, id, files, internal)
        .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// The ticket page's upload form: back to the ticket, with the problem in the address if any.
pub async fn upload_from_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Redirect, AppError> {
    let id = ticket_id(&id)?;
    let outcome = match read_form(form).await {
        Ok((files, internal)) => state
            .backend
            .tickets
            .attach(&actor, id, files, internal)
            .await
            .map(|_| ()),
        Err(err) => Err(err),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/tickets/{id}"))),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => {
            let message = err.field("file").unwrap_or_else(|| err.to_string());
            Ok(Redirect::to(&format!(
                "/tickets/{id}?upload_error={}",
                utf8_percent_encode(&message, NON_ALPHANUMERIC)
            )))
        }
    }
}

/// Download an attachment the caller may see.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
async fn download(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    let (attachment, path) = state.backend.tickets.attachment(&actor, id).await?;
    let bytes = tokio::fs::read(&path).await.map_err(|err| {
        tracing::error!(error = %err, attachment = id, "attachment bytes missing");
        AppError::NotFound
    })?;
    let (content_type, inline) = app::tickets::served_content_type(&attachment.file_name);
    let ascii: String = attachment
        .file_name
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
        utf8_percent_encode(&attachment.file_name, NON_ALPHANUMERIC)
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response())
}
