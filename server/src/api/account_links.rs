//! REST routes for invitations and password resets by mailed link: resending an invitation,
//! reading and accepting one, asking for a reset link and using it.

use super::{ApiJson, ApiPath, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::accounts::links::{LinkPurpose, LinkTarget, RESET_SENT};
use app::accounts::{Actor, Password, User};
use app::backend::ClientIp;
use app::error::AppError;
use axum::{Json, extract::State, http::StatusCode, response::Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(resend_invitation))
        .routes(routes!(invitation, accept_invitation))
        .routes(routes!(forgot))
        .routes(routes!(reset))
}

/// Mail a person who has not accepted their invitation yet a new one; the old link stops
/// working. Admins for anyone, managers for requesters of their own organization.
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "A new invitation is in the outbox", body = User),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Accepted already, or deactivated", body = ErrorBody)))]
async fn resend_invitation(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<User>, AppError> {
    Ok(Json(
        state.backend.accounts.resend_invitation(&actor, id).await?,
    ))
}

/// Whom an invitation link is for, while it works.
#[utoipa::path(get, path = "/api/v1/invitations/{token}", tag = "auth",
    params(("token" = String, Path, description = "The secret from the invitation's link")),
    responses((status = 200, body = LinkTarget),
        (status = 422, description = "Unknown, used or expired (`fields.token` says what to do)",
            body = ErrorBody)))]
async fn invitation(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<LinkTarget>, AppError> {
    Ok(Json(
        state
            .backend
            .links
            .link_target(LinkPurpose::Invitation, &token)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPasswordRequest {
    /// 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    password: String,
}

/// Accept an invitation: set one's password and be signed in (sets the session cookie). The
/// link works once.
#[utoipa::path(post, path = "/api/v1/invitations/{token}", tag = "auth",
    params(("token" = String, Path, description = "The secret from the invitation's link")),
    request_body = NewPasswordRequest,
    responses((status = 200, description = "Password set; signed in", body = Actor),
        (status = 422, description = "A password too short or long, or a link unknown, used or \
            expired", body = ErrorBody)))]
async fn accept_invitation(
    State(state): State<AppState>,
    session: Session,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<NewPasswordRequest>,
) -> Result<Response, AppError> {
    let password = Password::parse(&body.password).map_err(|m| AppError::invalid("password", m))?;
    let actor = state
        .backend
        .links
        .use_link(LinkPurpose::Invitation, &token, password)
        .await?;
    super::accounts::signed_in(&state, &session, actor).await
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
}

/// The answer to a reset request, the same whether or not an account uses the address.
#[derive(Serialize, ToSchema)]
pub struct ForgotAnswer {
    pub message: String,
}

/// Ask for a password reset link. If an active account uses the address, a link that works
/// once, for an hour, is mailed to it; the answer is the same either way. Limited per email
/// address and per client address.
#[utoipa::path(post, path = "/api/v1/auth/forgot", tag = "auth",
    request_body = ForgotRequest,
    responses((status = 202, body = ForgotAnswer),
        (status = 422, description = "Not an email address", body = ErrorBody),
        (status = 429, description = "Asked too often; `Retry-After` says when to try again",
            body = ErrorBody)))]
async fn forgot(
    State(state): State<AppState>,
    ClientIp(from): ClientIp,
    ApiJson(body): ApiJson<ForgotRequest>,
) -> Result<(StatusCode, Json<ForgotAnswer>), AppError> {
    state.backend.links.request_reset(&body.email, from).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ForgotAnswer {
            message: RESET_SENT.to_string(),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    /// The secret from the reset link.
    token: String,
    /// 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    password: String,
}

/// Set a new password with a reset link's token. Every session of the account ends; the caller
/// is signed in, or, with two-factor sign-in on, answered 202 and signed in once
/// `POST /api/v1/auth/two-factor` gets a code.
#[utoipa::path(post, path = "/api/v1/auth/reset", tag = "auth",
    request_body = ResetRequest,
    responses((status = 200, description = "Password set; signed in", body = Actor),
        (status = 202, description = "Password set; a code is needed to sign in",
            body = super::two_factor::TwoFactorRequired),
        (status = 422, description = "A password too short or long, or a link unknown, used or \
            expired", body = ErrorBody)))]
async fn reset(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<Response, AppError> {
    let password = Password::parse(&body.password).map_err(|m| AppError::invalid("password", m))?;
    let actor = state
        .backend
        .links
        .use_link(LinkPurpose::PasswordReset, &body.token, password)
        .await?;
    super::accounts::signed_in(&state, &session, actor).await
}
