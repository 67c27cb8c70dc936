//! REST routes for outgoing mail: the setup, the outbox and a test message (provider admins),
//! and what was sent about a ticket (provider staff).

use super::{ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::mail::{MailSetup, OutboxEntry, OutboxPage, OutboxParams};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(setup))
        .routes(routes!(outbox))
        .routes(routes!(send_test))
        .routes(routes!(ticket_mail))
}

#[derive(Deserialize, ToSchema)]
pub struct TestMailRequest {
    /// The address to send the test message to.
    to: String,
}

/// How outgoing mail is set up: the SMTP relay (`null` when none is configured and mail stays
/// in the outbox), the sender and the reply address. Never the relay's password. Admins only.
#[utoipa::path(get, path = "/api/v1/mail/setup", tag = "mail",
    security(("bearer" = [])),
    responses((status = 200, body = MailSetup), (status = 403, body = ErrorBody)))]
async fn setup(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<MailSetup>, AppError> {
    Ok(Json(state.backend.mail.mail_setup(&actor).await?))
}

/// The outbox, newest first, 50 a page: each message's status (`queued`, `sent`, `failed`),
/// attempts, the relay's last answer and, unless it carries a sign-in link, its text. Filter
/// by `status`; page with `before`. Admins only.
#[utoipa::path(get, path = "/api/v1/mail/outbox", tag = "mail",
    security(("bearer" = [])), params(OutboxParams),
    responses((status = 200, body = OutboxPage), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn outbox(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(params): ApiQuery<OutboxParams>,
) -> Result<Json<OutboxPage>, AppError> {
    let query = params.parse()?;
    Ok(Json(state.backend.mail.outbox(&actor, query).await?))
}

/// Writes a test message to `to` into the outbox; it is delivered like any other message (or
/// stays queued when no relay is configured). Admins only.
#[utoipa::path(post, path = "/api/v1/mail/test", tag = "mail",
    security(("bearer" = [])), request_body = TestMailRequest,
    responses((status = 201, body = OutboxEntry), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn send_test(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<TestMailRequest>,
) -> Result<(StatusCode, Json<OutboxEntry>), AppError> {
    let entry = state.backend.mail.send_test(&actor, &body.to).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// What was sent (or waits to be) about a ticket, newest first: to whom, when, and whether the
/// relay accepted it, with its answer. Provider staff only: to the client's people it does not
/// exist (404), so they never learn who else was mailed.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/mail", tag = "mail",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Ticket number")),
    responses((status = 200, body = [OutboxEntry]), (status = 404, body = ErrorBody)))]
async fn ticket_mail(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<OutboxEntry>>, AppError> {
    Ok(Json(state.backend.mail.ticket_mail(&actor, id).await?))
}
