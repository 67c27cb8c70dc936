//! Two-factor sign-in: codes from an authenticator app (TOTP) with one-time recovery codes,
//! the session state of a sign-in waiting for its second step, and the admin's choice to
//! require it of the provider's staff. The types and the backend contract; the pages and their
//! server functions are in `page`.

pub mod page;

use crate::accounts::Actor;
#[cfg(feature = "ssr")]
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Where a person sets two-factor sign-in up; provider staff who must and have not are sent
/// here and can reach nothing else.
pub const SETUP_PATH: &str = "/profile/two-factor";

/// The second step of signing in.
pub const SECOND_STEP_PATH: &str = "/login/two-factor";

/// Where the setup page offers to continue once two-factor sign-in is on: `next` when it is
/// a page of this site (checked by [`crate::auth::safe_next`]) other than home and the setup.
#[cfg(any(feature = "ssr", test))]
pub fn onward(next: &str) -> Option<String> {
    Some(crate::auth::safe_next(Some(next))).filter(|to| to != "/" && !to.starts_with(SETUP_PATH))
}

/// The setup page for someone on their way to `next`: it carries [`onward`]'s answer as
/// `?next=`, or nothing when there is nowhere on to go.
#[cfg(any(feature = "ssr", test))]
pub fn setup_path(next: &str) -> String {
    match onward(next) {
        Some(to) => {
            let encoded: String = url::form_urlencoded::byte_serialize(to.as_bytes()).collect();
            format!("{SETUP_PATH}?next={encoded}")
        }
        None => SETUP_PATH.to_string(),
    }
}

/// One person's two-factor sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TwoFactorStatus {
    /// Whether signing in asks for a code after the password.
    pub enabled: bool,
    /// Whether an admin requires it of this person (provider staff, when the setting is on).
    pub required: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
    /// A setup started and not yet confirmed with a code.
    pub setup: Option<TwoFactorSetup>,
}

/// A setup waiting for its first code: what the authenticator app needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TwoFactorSetup {
    /// The secret in base32, for typing into the app by hand.
    pub secret: String,
    /// The `otpauth://totp/...` address the QR code holds.
    pub otpauth_url: String,
    /// The QR code as an SVG image in a `data:` URL.
    pub qr_code: String,
}

/// New recovery codes, shown once: each signs in once in place of an app's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// Settings of the whole installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SiteSettings {
    /// Technicians and admins must use two-factor sign-in: one who has not set it up can do
    /// nothing but set it up.
    pub require_staff_two_factor: bool,
}

/// The two-factor page's data: the status, and recovery codes just made (shown this once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorPageData {
    pub status: TwoFactorStatus,
    pub new_codes: Option<Vec<String>>,
    /// The page the person was on their way to when sent here (`?next=`), checked to be one
    /// of this site's; offered once two-factor sign-in is on.
    pub continue_to: Option<String>,
}

/// Proof that the person at the keyboard is the account's owner: the password, or else a
/// current code (from the app or a recovery code).
#[derive(Debug, Clone, Default)]
pub struct Proof {
    pub password: String,
    pub code: String,
}

/// Codes as people type them: spaces and dashes do not count, nor does case.
pub fn normalize_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The server side of two-factor sign-in, and the session state of a sign-in half done.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::{UserId, ssr::Accounts};
    use crate::session::{SESSION_USER_KEY, session_error, start_session};

    #[async_trait::async_trait]
    pub trait TwoFactor: Send + Sync {
        async fn status(&self, actor: &Actor) -> Result<TwoFactorStatus, AppError>;
        /// Starts (or starts over) a setup with a new secret.
        async fn begin_setup(&self, actor: &Actor) -> Result<TwoFactorSetup, AppError>;
        /// Switches two-factor sign-in on when `code` fits the setup's secret.
        async fn confirm_setup(&self, actor: &Actor, code: &str)
        -> Result<RecoveryCodes, AppError>;
        async fn turn_off(&self, actor: &Actor, proof: &Proof) -> Result<(), AppError>;
        async fn new_recovery_codes(
            &self,
            actor: &Actor,
            proof: &Proof,
        ) -> Result<RecoveryCodes, AppError>;
        /// Whether signing in as `user` takes a code after the password.
        async fn is_on(&self, user: UserId) -> Result<bool, AppError>;
        /// Accepts a current code from the app (each time step once) or an unused recovery
        /// code (using it up); wrong codes are limited per account.
        async fn check_code(&self, user: UserId, code: &str) -> Result<(), AppError>;
        /// Whether `actor` must set two-factor sign-in up before doing anything else.
        async fn must_set_up(&self, actor: &Actor) -> Result<bool, AppError>;
        async fn site_settings(&self, actor: &Actor) -> Result<SiteSettings, AppError>;
        async fn save_site_settings(
            &self,
            actor: &Actor,
            settings: SiteSettings,
        ) -> Result<SiteSettings, AppError>;
    }

    /// How long the second step may wait after the password.
    pub const PENDING_SECS: i64 = 300;
    /// Wrong codes one pending sign-in may try; then it starts over with the password.
    pub const PENDING_ATTEMPTS: u32 = 5;

    const PENDING_KEY: &str = "two_factor_pending";
    const NEW_CODES_KEY: &str = "two_factor_new_codes";

    /// A sign-in whose password was right, waiting for its second factor.
    #[derive(Serialize, Deserialize)]
    struct PendingSignIn {
        actor: Actor,
        /// Unix seconds.
        started: i64,
        failures: u32,
        next: String,
        /// The account's session epoch when the password was right: a password set since
        /// (a reset, a change) ends the waiting sign-in, as it ends sessions. Sign-ins from
        /// before this was kept hold none.
        #[serde(default)]
        epoch: Option<i64>,
    }

    /// How signing in went after the right password.
    pub enum SignIn {
        /// Signed in.
        Done(Actor),
        /// The session waits for the second factor.
        SecondStep,
    }

    fn unix_now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    /// Signs `actor` in after the right password, or, with two-factor sign-in on, leaves the
    /// session waiting for the second step (a new session id, and nobody signed in yet).
    pub async fn sign_in(
        two_factor: &dyn TwoFactor,
        accounts: &dyn Accounts,
        session: &tower_sessions::Session,
        actor: Actor,
        next: String,
    ) -> Result<SignIn, AppError> {
        if !two_factor.is_on(actor.user_id).await? {
            session
                .remove_value(PENDING_KEY)
                .await
                .map_err(session_error)?;
            start_session(session, &actor, accounts).await?;
            return Ok(SignIn::Done(actor));
        }
        session.cycle_id().await.map_err(session_error)?;
        session
            .remove_value(SESSION_USER_KEY)
            .await
            .map_err(session_error)?;
        let epoch = accounts.session_epoch(actor.user_id).await?;
        let pending = PendingSignIn {
            actor,
            started: unix_now(),
            failures: 0,
            next,
            epoch: Some(epoch),
        };
        session
            .insert(PENDING_KEY, pending)
            .await
            .map_err(session_error)?;
        Ok(SignIn::SecondStep)
    }

    /// The second step: signs the pending person in when `code` is right; answers where they
    /// were going. Without a pending sign-in (none, expired, or too many wrong codes) the
    /// answer is `Unauthorized`: start over with the password.
    pub async fn second_step(
        two_factor: &dyn TwoFactor,
        accounts: &dyn Accounts,
        session: &tower_sessions::Session,
        code: &str,
    ) -> Result<(Actor, String), AppError> {
        let pending: Option<PendingSignIn> =
            session.get(PENDING_KEY).await.map_err(session_error)?;
        let Some(mut pending) = pending.filter(|p| unix_now() - p.started < PENDING_SECS) else {
            session
                .remove_value(PENDING_KEY)
                .await
                .map_err(session_error)?;
            return Err(AppError::Unauthorized);
        };
        if let Some(epoch) = pending.epoch
            && accounts.session_epoch(pending.actor.user_id).await? != epoch
        {
            session
                .remove_value(PENDING_KEY)
                .await
                .map_err(session_error)?;
            return Err(AppError::Unauthorized);
        }
        match two_factor.check_code(pending.actor.user_id, code).await {
            Ok(()) => {
                session
                    .remove_value(PENDING_KEY)
                    .await
                    .map_err(session_error)?;
                start_session(session, &pending.actor, accounts).await?;
                Ok((pending.actor, pending.next))
            }
            Err(err @ AppError::Invalid { .. }) => {
                pending.failures += 1;
                if pending.failures >= PENDING_ATTEMPTS {
                    session
                        .remove_value(PENDING_KEY)
                        .await
                        .map_err(session_error)?;
                    return Err(AppError::invalid(
                        "code",
                        "Too many wrong codes. Sign in again with your password.",
                    ));
                }
                session
                    .insert(PENDING_KEY, pending)
                    .await
                    .map_err(session_error)?;
                Err(err)
            }
            Err(other) => Err(other),
        }
    }

    /// Keeps new recovery codes in the (server-side) session until the page has shown them
    /// once, so a plain form post, which only gets a redirect back, shows them too.
    pub async fn keep_new_codes(
        session: &tower_sessions::Session,
        codes: &RecoveryCodes,
    ) -> Result<(), AppError> {
        session
            .insert(NEW_CODES_KEY, codes.codes.clone())
            .await
            .map_err(session_error)
    }

    pub async fn take_new_codes(
        session: &tower_sessions::Session,
    ) -> Result<Option<Vec<String>>, AppError> {
        session.remove(NEW_CODES_KEY).await.map_err(session_error)
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_code;

    #[test]
    fn codes_ignore_spaces_dashes_and_case() {
        assert_eq!(normalize_code(" 123 456 "), "123456");
        assert_eq!(normalize_code("ABCD-efgh-2345-6789"), "abcdefgh23456789");
    }
}
