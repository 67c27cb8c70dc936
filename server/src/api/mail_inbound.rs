//! REST routes for mail read into tickets (admins): the overview, held messages accepted or
//! rejected, and organizations' mail domains.

use super::{ApiJson, ApiPath, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::mail::inbound::{InboundOverview, OrgDomain};
use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(add_domain))
        .routes(routes!(remove_domain))
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptRequest {
    /// The client organization the sender becomes a requester of.
    org_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    /// The ticket the message was filed as.
    ticket_id: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct DomainRequest {
    org_id: i64,
    /// A mail domain such as `acme.example`.
    domain: String,
}

/// Mailboxes with their status, held messages, problems, ignored mail and mail domains.
#[utoipa::path(get, path = "/api/v1/mail/inbound", tag = "mail",
    security(("bearer" = [])),
    responses((status = 200, body = InboundOverview), (status = 403, body = ErrorBody)))]
async fn overview(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<InboundOverview>, AppError> {
    Ok(Json(state.backend.inbound.overview(&actor).await?))
}

/// File a held message as a ticket of a (new) requester of the organization.
#[utoipa::path(post, path = "/api/v1/mail/inbound/held/{id}/accept", tag = "mail",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Held message id")),
    request_body = AcceptRequest,
    responses((status = 200, body = Accepted), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn accept(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AcceptRequest>,
) -> Result<Json<Accepted>, AppError> {
    let ticket_id = state
        .backend
        .inbound
        .accept(&actor, id, body.org_id)
        .await?;
    Ok(Json(Accepted { ticket_id }))
}

/// Reject a held message: it files nothing and is not answered.
#[utoipa::path(post, path = "/api/v1/mail/inbound/held/{id}/reject", tag = "mail",
    security(("bearer" = [])), params(("id" = i64, Path, description = "Held message id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.backend.inbound.reject(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a mail domain to a client organization: unknown senders from it become its requesters.
#[utoipa::path(post, path = "/api/v1/mail/inbound/domains", tag = "mail",
    security(("bearer" = [])), request_body = DomainRequest,
    responses((status = 201, body = OrgDomain), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_domain(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<DomainRequest>,
) -> Result<(StatusCode, Json<OrgDomain>), AppError> {
    let domain = state
        .backend
        .inbound
        .add_domain(&actor, body.org_id, &body.domain)
        .await?;
    Ok((StatusCode::CREATED, Json(domain)))
}

/// Remove a mail domain.
#[utoipa::path(delete, path = "/api/v1/mail/inbound/domains/{domain}", tag = "mail",
    security(("bearer" = [])), params(("domain" = String, Path, description = "The domain")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_domain(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(domain): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.backend.inbound.remove_domain(&actor, &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}
