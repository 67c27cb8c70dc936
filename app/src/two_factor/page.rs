//! The pages of two-factor sign-in and their server functions: the second step of signing in,
//! setting it up (and changing recovery codes, turning it off) from the account page, and the
//! admin's security settings.

use super::*;
use crate::auth::{Protected, anyone, use_auth};
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The page's data; `next` is the page's `?next=`, where the person was going.
#[server]
pub async fn two_factor_view(next: Option<String>) -> Result<TwoFactorPageData, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let status = backend.two_factor.status(&actor).await?;
        let new_codes = super::ssr::take_new_codes(&crate::backend::session()?).await?;
        let continue_to = next.as_deref().and_then(onward);
        Ok(TwoFactorPageData {
            status,
            new_codes,
            continue_to,
        })
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
        super::ssr::keep_new_codes(&crate::backend::session()?, &codes).await?;
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
        super::ssr::keep_new_codes(&crate::backend::session()?, &codes).await?;
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
            let backend = backend()?;
            let (_, next) = super::ssr::second_step(
                &*backend.two_factor,
                &*backend.accounts,
                &session()?,
                &code,
            )
            .await?;
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
    let query = use_query_map();
    let view_data = Resource::new(
        move || {
            (
                begin.version().get(),
                confirm.version().get(),
                turn_off.version().get(),
                renew.version().get(),
                query.with(|q| q.get("next")),
            )
        },
        |(.., next)| two_factor_view(next),
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
    let TwoFactorPageData {
        status,
        new_codes,
        continue_to,
    } = data;
    // Sent here on the way to another page (a forced setup, or a sign-in that led here):
    // once it is on, the way on.
    let onward = continue_to.filter(|_| status.enabled).map(|to| {
        view! {
            <p class="notice" role="status">
                <a href=to>"Continue where you were going"</a>
            </p>
        }
    });
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
        {onward}
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
            <p>"Scan this QR code with your authenticator app:"</p>
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
