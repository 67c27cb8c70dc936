//! The pages a mailed link opens, `/invite/{token}` and `/reset/{token}`, and `/forgot`, where
//! a reset link is asked for; with their server functions.

use super::{LinkPurpose, LinkTarget, RESET_SENT, TOKEN_FIELD, reset_limited_message};
use crate::auth::use_auth;
use crate::components::FieldError;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Who a mailed link of `purpose` is for, or why it no longer works.
#[server]
pub async fn load_link(purpose: LinkPurpose, token: String) -> Result<LinkTarget, AppError> {
    ssr::target(purpose, token).await
}

/// Sets a password through a mailed link (an invitation or a reset) and signs the person in,
/// through their second step when two-factor sign-in is on. The token only works for the
/// purpose it was mailed for.
#[server]
pub async fn use_mailed_link(
    purpose: LinkPurpose,
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    ssr::finish(purpose, token, password, confirm).await
}

/// Mails a reset link if an active account uses `email`; the answer (back to `/forgot` saying
/// so) is the same when none does.
#[server]
pub async fn request_reset(email: String) -> Result<(), AppError> {
    crate::backend::with_status(
        async move {
            let backend = crate::backend::backend()?;
            backend
                .links
                .request_reset(&email, crate::backend::client_ip())
                .await?;
            leptos_axum::redirect(SENT_PATH);
            Ok(())
        }
        .await,
    )
}

/// Where `/forgot` goes once a link is asked for: the page again, saying what happened, which
/// also works without JavaScript.
#[cfg(feature = "ssr")]
const SENT_PATH: &str = "/forgot?sent=1";

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::backend::{backend, session, with_status};
    use crate::two_factor::{SECOND_STEP_PATH, SETUP_PATH, ssr::SignIn, ssr::sign_in};

    pub async fn target(purpose: LinkPurpose, token: String) -> Result<LinkTarget, AppError> {
        with_status(async move { backend()?.links.link_target(purpose, &token).await }.await)
    }

    /// Sets the password through the link, then signs the person in as the sign-in form
    /// would: the second step when two-factor sign-in is on, its setup when their role must
    /// have it.
    pub async fn finish(
        purpose: LinkPurpose,
        token: String,
        password: String,
        confirm: String,
    ) -> Result<(), AppError> {
        with_status(
            async move {
                let password = super::super::parse_new_password(&password, &confirm)?;
                let backend = backend()?;
                let actor = backend.links.use_link(purpose, &token, password).await?;
                let to = match sign_in(
                    &*backend.two_factor,
                    &*backend.accounts,
                    &session()?,
                    actor,
                    "/".into(),
                )
                .await?
                {
                    SignIn::SecondStep => SECOND_STEP_PATH,
                    SignIn::Done(actor) if backend.two_factor.must_set_up(&actor).await? => {
                        SETUP_PATH
                    }
                    SignIn::Done(_) => "/",
                };
                leptos_axum::redirect(to);
                Ok(())
            }
            .await,
        )
    }
}

/// The page's `:token`.
fn token_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("token")).unwrap_or_default())
}

/// `/invite/{token}`: an invited person chooses their password and is signed in.
#[component]
pub fn InvitePage() -> impl IntoView {
    view! { <LinkPage purpose=LinkPurpose::Invitation /> }
}

/// `/reset/{token}`: a new password through a reset link.
#[component]
pub fn ResetPage() -> impl IntoView {
    view! { <LinkPage purpose=LinkPurpose::PasswordReset /> }
}

/// A mailed link's page: who it is for and the form to choose a password, or why the link no
/// longer works.
#[component]
fn LinkPage(purpose: LinkPurpose) -> impl IntoView {
    let token = token_param();
    let target = Resource::new(move || token.get(), move |token| load_link(purpose, token));
    let finish = ServerAction::<UseMailedLink>::new();
    refresh_on_success(Signal::derive(move || {
        matches!(finish.value().get(), Some(Ok(())))
    }));
    let title = match purpose {
        LinkPurpose::Invitation => "Accept your invitation",
        LinkPurpose::PasswordReset => "Choose a new password",
    };
    view! {
        <Title text=title />
        <section class="card narrow">
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match target.await {
                        Ok(target) => {
                            let intro = match purpose {
                                LinkPurpose::Invitation => {
                                    view! {
                                        <h1>"Welcome, " {target.name.clone()}</h1>
                                        <p>
                                            "You are invited to " {target.org_name.clone()}
                                            "'s help desk. Choose a password for "
                                            <strong>{target.email.clone()}</strong>
                                            " to sign in with from now on."
                                        </p>
                                    }
                                        .into_any()
                                }
                                LinkPurpose::PasswordReset => {
                                    view! {
                                        <h1>"Choose a new password"</h1>
                                        <p>
                                            "For " <strong>{target.email.clone()}</strong>
                                            ". Every session signed in with the old password ends; if you use two-factor sign-in, you enter a code next."
                                        </p>
                                    }
                                        .into_any()
                                }
                            };
                            view! {
                                {intro}
                                <ActionForm action=finish>
                                    <input type="hidden" name="purpose" value=purpose.as_str() />
                                    <PasswordFields
                                        error=Signal::derive(move || {
                                            finish.value().get().and_then(Result::err)
                                        })
                                        token=token.get_untracked()
                                        email=target.email
                                    />
                                    <button
                                        type="submit"
                                        class="primary"
                                        disabled=move || finish.pending().get()
                                    >
                                        "Set password and sign in"
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <DeadLink purpose error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// What a used, expired or unknown link shows instead of the form.
#[component]
fn DeadLink(purpose: LinkPurpose, error: AppError) -> impl IntoView {
    let message = error
        .field(TOKEN_FIELD)
        .unwrap_or_else(|| error.to_string());
    view! {
        <h1>"This link no longer works"</h1>
        <p class="error" role="alert">
            {message}
        </p>
        <p>
            {match purpose {
                LinkPurpose::Invitation => view! { <a href="/login">"Sign in"</a> }.into_any(),
                LinkPurpose::PasswordReset => {
                    view! { <a href="/forgot">"Ask for a new reset link"</a> }.into_any()
                }
            }}
        </p>
    }
}

/// Tells the shell who is signed in once the password is set (the person is signed in).
fn refresh_on_success(done: Signal<bool>) {
    let auth = use_auth();
    Effect::new(move |_| {
        if done.get() {
            auth.refresh();
        }
    });
}

/// The fields of both link pages' password form.
#[component]
fn PasswordFields(error: Signal<Option<AppError>>, token: String, email: String) -> impl IntoView {
    view! {
        <div role="alert" aria-live="polite">
            {move || {
                error
                    .get()
                    .and_then(|e| match &e {
                        AppError::Invalid { .. } => e.field(TOKEN_FIELD),
                        other => Some(other.to_string()),
                    })
                    .map(|message| view! { <p class="error">{message}</p> })
            }}
        </div>
        <input type="hidden" name="token" value=token />
        // For password managers: the account the new password belongs to.
        <input type="hidden" autocomplete="username" value=email />
        <div class="field">
            <label for="link-password">"New password"</label>
            <input
                id="link-password"
                name="password"
                type="password"
                autocomplete="new-password"
                required
                aria-describedby="link-password-hint link-password-error"
            />
            <p id="link-password-hint" class="muted">
                "At least 10 characters."
            </p>
            <FieldError id="link-password-error" field="password" error=error />
        </div>
        <div class="field">
            <label for="link-confirm">"Repeat the new password"</label>
            <input
                id="link-confirm"
                name="confirm"
                type="password"
                autocomplete="new-password"
                required
                aria-describedby="link-confirm-error"
            />
            <FieldError id="link-confirm-error" field="confirm" error=error />
        </div>
    }
}

/// `/forgot`: ask for a reset link by email address.
#[component]
pub fn ForgotPage() -> impl IntoView {
    let request = ServerAction::<RequestReset>::new();
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent")).is_some();
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    view! {
        <Title text="Forgot your password?" />
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <p>
                "Enter the email address you sign in with. We send a link to choose a new password to it."
            </p>
            <div role="status" aria-live="polite">
                {move || sent().then(|| view! { <p class="success">{RESET_SENT}</p> })}
            </div>
            <ActionForm action=request>
                <div role="alert" aria-live="polite">
                    {move || {
                        error
                            .get()
                            .and_then(|e| match e {
                                AppError::Invalid { .. } => None,
                                AppError::RateLimited { retry_after_secs } => {
                                    Some(reset_limited_message(retry_after_secs))
                                }
                                other => Some(other.to_string()),
                            })
                            .map(|message| view! { <p class="error">{message}</p> })
                    }}
                </div>
                <div class="field">
                    <label for="forgot-email">"Email"</label>
                    <input
                        id="forgot-email"
                        type="email"
                        name="email"
                        autocomplete="username"
                        required
                        aria-describedby="forgot-email-error"
                    />
                    <FieldError id="forgot-email-error" field="email" error=error />
                </div>
                <button type="submit" class="primary" disabled=move || request.pending().get()>
                    "Send me a link"
                </button>
            </ActionForm>
            <p>
                <a href="/login">"Back to sign in"</a>
            </p>
        </section>
    }
}
