//! REST routes for signing in, the caller, tokens, organizations and people.

use super::{ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::auth::{Caller, SignedInWith};
use crate::state::AppState;
use app::accounts::{
    Actor, ApiToken, CreatedToken, Invitee, NewToken, Org, PasswordChanged, Role, TokenScope, User,
};
use app::backend::ClientIp;
use app::error::AppError;
use app::two_factor::ssr::{PENDING_SECS, SignIn, sign_in};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
}

/// Ids in paths that do not parse name nothing that exists.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// Sign in; sets the session cookie. For an account with two-factor sign-in on, the right
/// password answers 202 and nobody is signed in until `POST /api/v1/auth/two-factor` gets a
/// code, within 5 minutes.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = Actor),
        (status = 202, description = "Password right; a code is needed next",
            body = super::two_factor::TwoFactorRequired),
        (status = 401, description = "Invalid email or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts (`rate_limited`), or too many \
            sign-ins under way (`busy`); `Retry-After` says when to try again", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientIp(from): ClientIp,
    session: Session,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let actor = state
        .backend
        .accounts
        .authenticate(&body.email, &body.password, from)
        .await?;
    signed_in(&state, &session, actor).await
}

/// Signs `actor` in after the right password (or a used mailed link): the person, or 202 when
/// two-factor sign-in still wants its code.
pub(super) async fn signed_in(
    state: &AppState,
    session: &Session,
    actor: Actor,
) -> Result<Response, AppError> {
    Ok(
        match sign_in(
            &*state.backend.two_factor,
            &*state.backend.accounts,
            session,
            actor,
            "/".into(),
        )
        .await?
        {
            SignIn::Done(actor) => Json(actor).into_response(),
            SignIn::SecondStep => (
                StatusCode::ACCEPTED,
                Json(super::two_factor::TwoFactorRequired {
                    two_factor_required: true,
                    expires_in_secs: PENDING_SECS,
                }),
            )
                .into_response(),
        },
    )
}

/// Sign out; ends the session and the live streams it opened.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out")))]
async fn logout(State(state): State<AppState>, session: Session) -> Result<StatusCode, AppError> {
    state.backend.accounts.sign_out(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller, with role and organization.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = Actor),
        (status = 401, body = ErrorBody),
    ))]
async fn me(Caller(actor): Caller) -> Json<Actor> {
    Json(actor)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    current: String,
    /// 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    new: String,
    /// Revoke every one of the caller's API tokens too (and end the live streams they opened).
    #[serde(default)]
    revoke_tokens: bool,
}

/// Change one's password, from a signed-in session (not with a token). Every other session of
/// the caller ends, with the live streams it opened; this session stays signed in. With
/// `revoke_tokens`, every API token of theirs is revoked too.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth",
    request_body = PasswordChange,
    responses((status = 200, body = PasswordChanged),
        (status = 403, description = "Called with an API token", body = ErrorBody),
        (status = 422, description = "Wrong current password, or a new one too short or long",
            body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    Caller(actor): Caller,
    SignedInWith(via): SignedInWith,
    session: Session,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Json<PasswordChanged>, AppError> {
    let changed = state
        .backend
        .accounts
        .change_password(
            &actor,
            &via,
            &session,
            &body.current,
            &body.new,
            body.revoke_tokens,
        )
        .await?;
    Ok(Json(changed))
}

/// The caller's personal API tokens (never their secrets), expired ones included.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiToken>), (status = 401, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<ApiToken>>, AppError> {
    Ok(Json(state.backend.accounts.list_tokens(&actor).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
    /// `read_only` tokens may make GET and HEAD requests only; `read_write` (the default)
    /// whatever their owner may.
    #[schema(value_type = Option<TokenScope>)]
    scope: Option<String>,
    /// Days until the token expires, 1 to 365; 90 when neither this nor `expires_on` is given.
    #[schema(minimum = 1, maximum = 365)]
    expires_in_days: Option<i64>,
    /// The last day (UTC) the token works, `YYYY-MM-DD`, within a year; instead of
    /// `expires_in_days`.
    #[schema(format = Date)]
    expires_on: Option<String>,
}

/// Create a token; the secret is in this response only. Only from a signed-in session: a
/// token cannot create another (403).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens",
    request_body = NewTokenRequest,
    responses((status = 201, body = CreatedToken),
        (status = 403, description = "Called with an API token", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    SignedInWith(via): SignedInWith,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    let days = body.expires_in_days.map(|days| days.to_string());
    let new = NewToken::parse(
        &body.name,
        body.scope.as_deref(),
        days.as_deref(),
        body.expires_on.as_deref(),
        time::OffsetDateTime::now_utc(),
    )?;
    let created = state
        .backend
        .accounts
        .create_token(&actor, &via, new)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke one of the caller's tokens; the live streams it opened end.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.backend.accounts.revoke_token(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Organizations the caller may see: all for provider staff, their own for others.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Org>), (status = 401, body = ErrorBody)))]
async fn list_orgs(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<Org>>, AppError> {
    Ok(Json(state.backend.accounts.list_orgs(&actor).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewOrgRequest {
    name: String,
}

/// Create a client organization (admins).
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", security(("bearer" = [])),
    request_body = NewOrgRequest,
    responses((status = 201, body = Org), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_org(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<NewOrgRequest>,
) -> Result<(StatusCode, Json<Org>), AppError> {
    let org = state
        .backend
        .accounts
        .create_org(&actor, &body.name)
        .await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[derive(Deserialize, IntoParams)]
pub struct UsersQuery {
    /// Only people of this organization.
    org: Option<String>,
}

/// People the caller may see: provider staff everyone, managers their own organization.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(UsersQuery),
    responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> Result<Json<Vec<User>>, AppError> {
    let org = match query
        .org
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| AppError::invalid("org", "An organization id is a number."))?,
        ),
        None => None,
    };
    Ok(Json(state.backend.accounts.list_users(&actor, org).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserRequest {
    /// Defaults to the caller's organization.
    org_id: Option<i64>,
    #[schema(value_type = Role)]
    role: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(min_length = 2, max_length = 100, pattern = r"\S")]
    name: String,
}

/// Invite a person: admins anywhere, managers requesters of their own organization. The
/// account cannot sign in (`invited` is true) until its person follows the link mailed to
/// them, which works once, for 7 days, and chooses a password; nobody else ever knows it.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewUserRequest,
    responses((status = 201, description = "Added, and the invitation is in the outbox",
        body = User), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<User>), AppError> {
    let new = Invitee::parse(
        body.org_id.unwrap_or(actor.org_id),
        &body.role,
        &body.email,
        &body.name,
    )?;
    let user = state.backend.accounts.create_user(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize, ToSchema)]
pub struct UserPatch {
    /// false deactivates the person and ends their sessions; true reactivates them.
    active: bool,
}

/// Deactivate or reactivate a person.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UserPatch,
    responses((status = 200, body = User), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Deactivating yourself", body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserPatch>,
) -> Result<Json<User>, AppError> {
    let user = state
        .backend
        .accounts
        .set_user_active(&actor, id, body.active)
        .await?;
    Ok(Json(user))
}
