//! REST route for the admin's setup checklist.

use super::ErrorBody;
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::setup::SetupChecklist;
use axum::{Json, extract::State};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(checklist))
}

/// The setup checklist the admin's home page shows: each step (`organization`, `people`,
/// `hours`, `contract`, `outgoing_mail`, `incoming_mail`, `wiki`, `two_factor`), whether it is
/// done, what is left and the page where it is done. Admins only.
#[utoipa::path(get, path = "/api/v1/setup", tag = "setup",
    security(("bearer" = [])),
    responses((status = 200, body = SetupChecklist), (status = 403, body = ErrorBody)))]
async fn checklist(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<SetupChecklist>, AppError> {
    Ok(Json(state.backend.setup.checklist(&actor).await?))
}
