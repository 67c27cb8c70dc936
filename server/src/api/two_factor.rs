//! REST routes for two-factor sign-in: the second step of signing in, one's own setup and
//! recovery codes, and the installation's settings that require it of staff.

use super::{ApiJson, ErrorBody};
use crate::auth::Caller;
use crate::state::AppState;
use app::accounts::Actor;
use app::error::AppError;
use app::two_factor::{
    Proof, RecoveryCodes, SiteSettings, TwoFactorSetup, TwoFactorStatus, ssr::second_step,
};
use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(status))
        .routes(routes!(begin_setup))
        .routes(routes!(confirm_setup))
        .routes(routes!(turn_off))
        .routes(routes!(new_recovery_codes))
        .routes(routes!(site_settings, save_site_settings))
}

/// The answer to the right password when the account uses two-factor sign-in: nobody is signed
/// in yet; the session waits for `POST /api/v1/auth/two-factor`.
#[derive(Serialize, ToSchema)]
pub struct TwoFactorRequired {
    /// Always `true`.
    pub two_factor_required: bool,
    /// Seconds the session waits for the code; then sign in again.
    pub expires_in_secs: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    /// The 6 digits the authenticator app shows, or a recovery code.
    code: String,
}

/// The second step of signing in, after `POST /api/v1/auth/login` answered 202: a code from
/// the app (each accepted once) or a recovery code (each works once). Five wrong codes end the
/// pending sign-in.
#[utoipa::path(post, path = "/api/v1/auth/two-factor", tag = "auth",
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Signed in; sets the session cookie", body = Actor),
        (status = 401, description = "No sign-in waits for a code (none, expired after 5 \
            minutes, or ended by too many wrong codes): sign in again", body = ErrorBody),
        (status = 422, description = "Wrong or used code", body = ErrorBody),
        (status = 429, description = "Too many wrong codes for this account", body = ErrorBody),
    ))]
async fn verify(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Json<Actor>, AppError> {
    let (actor, _) = second_step(
        &*state.backend.two_factor,
        &*state.backend.accounts,
        &session,
        &body.code,
    )
    .await?;
    Ok(Json(actor))
}

/// The caller's two-factor sign-in, with a setup waiting for its first code.
#[utoipa::path(get, path = "/api/v1/me/two-factor", tag = "two-factor", security(("bearer" = [])),
    responses((status = 200, body = TwoFactorStatus)))]
async fn status(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<TwoFactorStatus>, AppError> {
    Ok(Json(state.backend.two_factor.status(&actor).await?))
}

/// Start setting up (or start over): a new secret for the authenticator app.
#[utoipa::path(post, path = "/api/v1/me/two-factor/setup", tag = "two-factor",
    security(("bearer" = [])),
    responses(
        (status = 200, body = TwoFactorSetup),
        (status = 409, description = "Two-factor sign-in is on already", body = ErrorBody),
    ))]
async fn begin_setup(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<TwoFactorSetup>, AppError> {
    Ok(Json(state.backend.two_factor.begin_setup(&actor).await?))
}

/// Switch two-factor sign-in on with a current code; answers the recovery codes, this once.
#[utoipa::path(post, path = "/api/v1/me/two-factor/confirm", tag = "two-factor",
    security(("bearer" = [])),
    request_body = CodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 409, description = "Two-factor sign-in is on already", body = ErrorBody),
        (status = 422, description = "Wrong code, or no setup started", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
async fn confirm_setup(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodes>, AppError> {
    Ok(Json(
        state
            .backend
            .two_factor
            .confirm_setup(&actor, &body.code)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ProofRequest {
    /// The caller's password; or leave it out and give `code`.
    #[serde(default)]
    password: String,
    /// A current code from the app, or a recovery code.
    #[serde(default)]
    code: String,
}

impl From<ProofRequest> for Proof {
    fn from(body: ProofRequest) -> Proof {
        Proof {
            password: body.password,
            code: body.code,
        }
    }
}

/// Turn two-factor sign-in off, confirmed with the password or a current code.
#[utoipa::path(post, path = "/api/v1/me/two-factor/disable", tag = "two-factor",
    security(("bearer" = [])),
    request_body = ProofRequest,
    responses(
        (status = 204, description = "Off; the secret and recovery codes are gone"),
        (status = 409, description = "Required for provider staff", body = ErrorBody),
        (status = 422, description = "Wrong password or code", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
async fn turn_off(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<ProofRequest>,
) -> Result<StatusCode, AppError> {
    state
        .backend
        .two_factor
        .turn_off(&actor, &body.into())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ten new recovery codes in place of the old ones, confirmed with the password or a code.
#[utoipa::path(post, path = "/api/v1/me/two-factor/recovery-codes", tag = "two-factor",
    security(("bearer" = [])),
    request_body = ProofRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 409, description = "Two-factor sign-in is off", body = ErrorBody),
        (status = 422, description = "Wrong password or code", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
async fn new_recovery_codes(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<ProofRequest>,
) -> Result<Json<RecoveryCodes>, AppError> {
    Ok(Json(
        state
            .backend
            .two_factor
            .new_recovery_codes(&actor, &body.into())
            .await?,
    ))
}

/// The installation's settings (admins).
#[utoipa::path(get, path = "/api/v1/settings", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = SiteSettings), (status = 403, body = ErrorBody)))]
async fn site_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<SiteSettings>, AppError> {
    Ok(Json(state.backend.two_factor.site_settings(&actor).await?))
}

/// Change the installation's settings (admins).
#[utoipa::path(put, path = "/api/v1/settings", tag = "settings", security(("bearer" = [])),
    request_body = SiteSettings,
    responses((status = 200, body = SiteSettings), (status = 403, body = ErrorBody)))]
async fn save_site_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<SiteSettings>,
) -> Result<Json<SiteSettings>, AppError> {
    Ok(Json(
        state
            .backend
            .two_factor
            .save_site_settings(&actor, body)
            .await?,
    ))
}
