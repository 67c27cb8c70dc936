//! Two-factor sign-in: codes from an authenticator app (TOTP) with one-time recovery codes,
//! the second step of signing in, the account page that sets it up, and the admin's choice to
//! require it of the provider's staff.

use crate::accounts::Actor;
use crate::auth::{Protected, anyone, use_auth};
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// Where a person sets two-factor sign-in up; provider staff who must and have not are sent
/// here and can reach nothing else.
pub const SETUP_PATH: &str = "/profile/two-factor";

/// The second step of signing in.
pub const SECOND_STEP_PATH: &str = "/login/two-factor";

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
    use crate::accounts::UserId;
    use crate::backend::{Backend, start_session};

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

    fn session_error(err: tower_sessions::session::Error) -> AppError {
        tracing::error!(error = %err, "session store failed");
        AppError::Internal
    }

    /// Signs `actor` in after the right password, or, with two-factor sign-in on, leaves the
    /// session waiting for the second step (a new session id, and nobody signed in yet).
    pub async fn sign_in(
        backend: &Backend,
        session: &tower_sessions::Session,
        actor: Actor,
        next: String,
    ) -> Result<SignIn, AppError> {
        if !backend.two_factor.is_on(actor.user_id).await? {
            session
                .remove_value(PENDING_KEY)
                .await
                .map_err(session_error)?;
            start_session(session, &actor).await?;
            return Ok(SignIn::Done(actor));
        }
        session.cycle_id().await.map_err(session_error)?;
        session
            .remove_value(crate::backend::SESSION_USER_KEY)
            .await
            .map_err(session_error)?;
        let pending = PendingSignIn {
            actor,
            started: unix_now(),
            failures: 0,
            next,
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
        backend: &Backend,
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
        match backend
            .two_factor
            .check_code(pending.actor.user_id, code)
            .await
        {
            Ok(()) => {
                session
                    .remove_value(PENDING_KEY)
                    .await
                    .map_err(session_error)?;
                start_session(session, &pending.actor).await?;
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

#[server]
pub async fn two_factor_view() -> Result<TwoFactorPageData, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let status = backend.two_factor.status(&actor).await?;
        let new_codes = ssr::take_new_codes(&crate::backend::session()?).await?;
        Ok(TwoFactorPageData { status, new_codes })
    })
    .await
}

/// Whether two-factor sign-in is on, for the account page (which leaves new recovery codes
/// to the two-factor page).
#[server]
pub async fn own_two_factor() -> Result<TwoFactorStatus, AppError> {
    crate::backend::as_caller(
        |actor, backend| async move { backend.two_factor.status(&actor).await },
    )
    .await
}

#[server]
pub async fn begin_two_factor() -> Result<TwoFactorSetup, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.two_factor.begin_setup(&actor).await
    })
    .await
}

#[server]
pub async fn confirm_two_factor(code: String) -> Result<RecoveryCodes, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let codes = backend.two_factor.confirm_setup(&actor, &code).await?;
        ssr::keep_new_codes(&crate::backend::session()?, &codes).await?;
        Ok(codes)
    })
    .await
}

#[server]
pub async fn turn_off_two_factor(password: String, code: String) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend
            .two_factor
            .turn_off(&actor, &Proof { password, code })
            .await
    })
    .await
}

#[server]
pub async fn new_recovery_codes(password: String, code: String) -> Result<RecoveryCodes, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let codes = backend
            .two_factor
            .new_recovery_codes(&actor, &Proof { password, code })
            .await?;
        ssr::keep_new_codes(&crate::backend::session()?, &codes).await?;
        Ok(codes)
    })
    .await
}

/// The second step of signing in; sends the person where they were going.
#[server]
pub async fn verify_two_factor(code: String) -> Result<(), AppError> {
    crate::backend::with_status(
        async move {
            use crate::backend::{backend, session};
            let (_, next) = ssr::second_step(&backend()?, &session()?, &code).await?;
            leptos_axum::redirect(&next);
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn load_site_settings() -> Result<SiteSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.two_factor.site_settings(&actor).await
    })
    .await
}

#[server]
pub async fn save_site_settings(
    require_staff_two_factor: Option<String>,
) -> Result<SiteSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let settings = SiteSettings {
            require_staff_two_factor: require_staff_two_factor.is_some(),
        };
        backend
            .two_factor
            .save_site_settings(&actor, settings)
            .await
    })
    .await
}

/// The second step of signing in: a code from the app or a recovery code.
#[component]
pub fn SecondStepPage() -> impl IntoView {
    let auth = use_auth();
    let verify = ServerAction::<VerifyTwoFactor>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = verify.value().get() {
            auth.refresh();
        }
    });
    let error = Signal::derive(move || verify.value().get().and_then(Result::err));
    view! {
        <Title text="Two-factor sign-in" />
        <section class="card narrow">
            <h1>"Enter your code"</h1>
            <p>
                "Open your authenticator app and enter the 6-digit code it shows for Deskside, or one of your recovery codes."
            </p>
            <ActionForm action=verify>
                <div role="alert" aria-live="polite">
                    {move || {
                        form_error(error.get())
                            .map(|message| {
                                view! {
                                    <p class="error">
                                        {message} " " <a href="/login">"Sign in again"</a>
                                    </p>
                                }
                            })
                    }}
                </div>
                <div class="field">
                    <label for="second-step-code">"Code"</label>
                    <input
                        id="second-step-code"
                        name="code"
                        autocomplete="one-time-code"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        aria-describedby="second-step-code-error"
                    />
                    <FieldError id="second-step-code-error" field="code" error=error />
                </div>
                <button type="submit" class="primary" disabled=move || verify.pending().get()>
                    "Verify"
                </button>
            </ActionForm>
        </section>
    }
}

/// Setting two-factor sign-in up, changing recovery codes and turning it off.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    view! {
        <Title text="Two-factor sign-in" />
        <Protected allow=anyone render=|_: Actor| view! { <TwoFactorPanel /> } />
    }
}

#[component]
fn TwoFactorPanel() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let turn_off = ServerAction::<TurnOffTwoFactor>::new();
    let renew = ServerAction::<NewRecoveryCodes>::new();
    let view_data = Resource::new(
        move || {
            (
                begin.version().get(),
                confirm.version().get(),
                turn_off.version().get(),
                renew.version().get(),
            )
        },
        |_| two_factor_view(),
    );
    view! {
        <h1>"Two-factor sign-in"</h1>
        <p>
            <a href="/profile">"Back to your account"</a>
        </p>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => {
                        view! {
                            <TwoFactorBody
                                data=data
                                begin=begin
                                confirm=confirm
                                turn_off=turn_off
                                renew=renew
                            />
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TwoFactorBody(
    data: TwoFactorPageData,
    begin: ServerAction<BeginTwoFactor>,
    confirm: ServerAction<ConfirmTwoFactor>,
    turn_off: ServerAction<TurnOffTwoFactor>,
    renew: ServerAction<NewRecoveryCodes>,
) -> impl IntoView {
    let TwoFactorPageData { status, new_codes } = data;
    let codes = new_codes.map(|codes| {
        view! {
            <div class="notice" role="status">
                <h2>"Your recovery codes"</h2>
                <p>
                    "Keep these somewhere safe; they will not be shown again. Each one signs you in once if you lose your phone."
                </p>
                <ul class="recovery-codes">
                    {codes
                        .into_iter()
                        .map(|code| {
                            view! {
                                <li>
                                    <code>{code}</code>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    });
    let required = status.required.then(|| {
        view! {
            <p class="notice" role="note">
                "Your provider requires two-factor sign-in for its staff."
            </p>
        }
    });
    let renew_error = Signal::derive(move || renew.value().get().and_then(Result::err));
    let off_error = Signal::derive(move || turn_off.value().get().and_then(Result::err));
    let body = if status.enabled {
        view! {
            <section class="card" aria-labelledby="two-factor-on-heading">
                <h2 id="two-factor-on-heading">"Two-factor sign-in is on"</h2>
                <p>
                    "Signing in asks for a code from your authenticator app. Recovery codes left: "
                    {status.recovery_codes_left} "."
                </p>
            </section>
            <section class="card" aria-labelledby="renew-heading">
                <h2 id="renew-heading">"New recovery codes"</h2>
                <p>
                    "Makes 10 new recovery codes; the old ones stop working. Confirm with your password or a code from your app."
                </p>
                <ActionForm action=renew>
                    <ProofFields prefix="renew" error=renew_error />
                    <button type="submit" class="primary">
                        "Make new recovery codes"
                    </button>
                </ActionForm>
            </section>
            {(!status.required)
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="off-heading">
                            <h2 id="off-heading">"Turn two-factor sign-in off"</h2>
                            <p>
                                "Signing in will ask for your password only. Confirm with your password or a code from your app."
                            </p>
                            <ActionForm action=turn_off>
                                <ProofFields prefix="off" error=off_error />
                                <button type="submit" class="primary">
                                    "Turn off two-factor sign-in"
                                </button>
                            </ActionForm>
                        </section>
                    }
                })}
        }
            .into_any()
    } else if let Some(setup) = status.setup {
        view! { <ConfirmSetup setup=setup confirm=confirm begin=begin /> }.into_any()
    } else {
        let error = Signal::derive(move || begin.value().get().and_then(Result::err));
        view! {
            <section class="card" aria-labelledby="two-factor-off-heading">
                <h2 id="two-factor-off-heading">"Two-factor sign-in is off"</h2>
                <p>
                    "With it on, signing in takes your password and a code from an authenticator app on your phone."
                </p>
                <ActionForm action=begin>
                    <p class="error" role="alert">
                        {move || form_error(error.get())}
                    </p>
                    <button type="submit" class="primary">
                        "Set up two-factor sign-in"
                    </button>
                </ActionForm>
            </section>
        }
            .into_any()
    };
    view! {
        {codes}
        {required}
        {body}
    }
}

#[component]
fn ConfirmSetup(
    setup: TwoFactorSetup,
    confirm: ServerAction<ConfirmTwoFactor>,
    begin: ServerAction<BeginTwoFactor>,
) -> impl IntoView {
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="two-factor-setup-heading">
            <h2 id="two-factor-setup-heading">"Set up two-factor sign-in"</h2>
            <ol>
                <li>"Scan this QR code with your authenticator app:"</li>
            </ol>
            <img
                class="qr-code"
                src=setup.qr_code
                width="200"
                height="200"
                alt="QR code for your authenticator app"
            />
            <p>
                "Or type this key into the app: " <code class="secret" id="two-factor-secret">
                    {setup.secret}
                </code>
            </p>
            <ActionForm action=confirm>
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <div class="field">
                    <label for="setup-code">"Code from the app"</label>
                    <input
                        id="setup-code"
                        name="code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        required
                        aria-describedby="setup-code-error"
                    />
                    <FieldError id="setup-code-error" field="code" error=error />
                </div>
                <button type="submit" class="primary">
                    "Turn on two-factor sign-in"
                </button>
            </ActionForm>
            <ActionForm action=begin attr:class="inline">
                <button type="submit" class="link">
                    "Start over with a new key"
                </button>
            </ActionForm>
        </section>
    }
}

/// The password field, or else a code, that a change to two-factor sign-in is confirmed with.
#[component]
fn ProofFields(prefix: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    let id = move |name: &str| format!("{prefix}-{name}");
    view! {
        <p class="error" role="alert">
            {move || form_error(error.get())}
        </p>
        <div class="field">
            <label for=id("password")>"Password"</label>
            <input
                id=id("password")
                name="password"
                type="password"
                autocomplete="current-password"
                aria-describedby=id("password-error")
            />
            <FieldError id=id("password-error") field="password" error=error />
        </div>
        <div class="field">
            <label for=id("code")>"Or a code from your app"</label>
            <input
                id=id("code")
                name="code"
                autocomplete="one-time-code"
                aria-describedby=id("code-error")
            />
            <FieldError id=id("code-error") field="code" error=error />
        </div>
    }
}

/// Two-factor sign-in on the account page: whether it is on, and the way to its page.
#[component]
pub fn TwoFactorCard() -> impl IntoView {
    let status = Resource::new(|| (), |_| own_two_factor());
    view! {
        <section class="card" aria-labelledby="two-factor-heading">
            <h2 id="two-factor-heading">"Two-factor sign-in"</h2>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) if status.enabled => {
                            view! { <p>"On: signing in asks for a code from your app."</p> }
                                .into_any()
                        }
                        Ok(_) => {
                            view! { <p>"Off: signing in asks for your password only."</p> }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <a href=SETUP_PATH>"Manage two-factor sign-in"</a>
        </section>
    }
}

/// The admin's choice to require two-factor sign-in of the provider's staff.
#[component]
pub fn SiteSettingsCard() -> impl IntoView {
    let save = ServerAction::<SaveSiteSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| load_site_settings());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="security-heading">
            <h2 id="security-heading">"Security"</h2>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(current) => {
                            view! {
                                <ActionForm action=save>
                                    <p class="error" role="alert">
                                        {move || form_error(error.get())}
                                    </p>
                                    <p class="success" role="status">
                                        {move || {
                                            matches!(save.value().get(), Some(Ok(_)))
                                                .then_some("Security settings saved.")
                                        }}
                                    </p>
                                    <div class="field">
                                        <label>
                                            <input
                                                type="checkbox"
                                                name="require_staff_two_factor"
                                                checked=current.require_staff_two_factor
                                            />
                                            " Require two-factor sign-in for provider staff (technicians and admins)"
                                        </label>
                                    </div>
                                    <button type="submit" class="primary">
                                        "Save security settings"
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
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
