//! The signed-in session as the session store keeps it: which account it belongs to, the
//! account's session epoch it was started in, and starting, keeping and ending it.

use crate::accounts::{Actor, ssr::Accounts};
use crate::error::AppError;

/// Where the signed-in user's id lives in the session.
pub const SESSION_USER_KEY: &str = "user_id";

/// Where the session keeps its account's session epoch as of signing in: a password change
/// moves the account's on, which ends every session still holding the old one. Sessions from
/// before epochs existed hold none, which counts as 0, the first epoch.
pub const SESSION_EPOCH_KEY: &str = "epoch";

/// Starts a fresh session for `actor`: a new id, so a session fixed before sign-in is useless.
pub async fn start_session(
    session: &tower_sessions::Session,
    actor: &Actor,
    accounts: &dyn Accounts,
) -> Result<(), AppError> {
    let epoch = accounts.session_epoch(actor.user_id).await?;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER_KEY, actor.user_id)
        .await
        .map_err(session_error)?;
    keep_session(session, epoch).await
}

/// Keeps `session` signed in through a change of its account's session epoch to `epoch`.
pub async fn keep_session(session: &tower_sessions::Session, epoch: i64) -> Result<(), AppError> {
    session
        .insert(SESSION_EPOCH_KEY, epoch)
        .await
        .map_err(session_error)
}

/// Ends the session and removes it from the store.
pub async fn end_session(session: &tower_sessions::Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

pub fn session_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store failed");
    AppError::Internal
}
