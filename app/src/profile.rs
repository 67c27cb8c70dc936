//! One's own account: name, password, two-factor sign-in and personal API tokens.

use crate::accounts::{Actor, ApiToken, CreatedToken, NewToken, PasswordChanged, TokenScope};
use crate::auth::{Protected, anyone, use_auth};
use crate::clock::{OnDate, When};
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use time::OffsetDateTime;

#[server]
pub async fn rename_self(name: String) -> Result<Actor, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.accounts.rename_self(&actor, &name).await
    })
    .await
}

/// Changes the password; every other session ends, and with `revoke_tokens` (a checkbox)
/// every API token too.
#[server]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
    revoke_tokens: Option<String>,
) -> Result<PasswordChanged, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        if new != confirm {
            return Err(AppError::invalid(
                "confirm",
                "The two new passwords differ.",
            ));
        }
        let via = crate::backend::require_credential()?;
        let session = crate::backend::session()?;
        backend
            .accounts
            .change_password(
                &actor,
                &via,
                &session,
                &current,
                &new,
                revoke_tokens.is_some(),
            )
            .await
    })
    .await
}

#[server]
pub async fn list_tokens() -> Result<Vec<ApiToken>, AppError> {
    crate::backend::as_caller(
        |actor, backend| async move { backend.accounts.list_tokens(&actor).await },
    )
    .await
}

/// Creates a token. `expires_in_days` is a number of days, or `date` for the end of the day
/// `expires_on`.
#[server]
pub async fn create_token(
    name: String,
    scope: String,
    expires_in_days: String,
    expires_on: Option<String>,
) -> Result<CreatedToken, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let (days, on) = if expires_in_days.trim() == "date" {
            (None, expires_on.as_deref().or(Some("")))
        } else {
            (Some(expires_in_days.as_str()), None)
        };
        let new = match (days, on) {
            // "On a date" with the date left empty.
            (None, Some(on)) if on.trim().is_empty() => {
                return Err(AppError::invalid("expires_on", "Choose the date."));
            }
            (days, on) => crate::accounts::NewToken::parse(
                &name,
                Some(&scope),
                days,
                on,
                OffsetDateTime::now_utc(),
            )?,
        };
        let via = crate::backend::require_credential()?;
        let created = backend.accounts.create_token(&actor, &via, new).await?;
        if crate::backend::plain_form() {
            // The redirect back to the page cannot carry the secret; the page takes it from
            // the session, once.
            crate::backend::session()?
                .insert(CREATED_TOKEN_KEY, &created)
                .await
                .map_err(crate::session::session_error)?;
        }
        Ok(created)
    })
    .await
}

/// Where a token made by a plain form post (no JavaScript) waits for the page to show it.
#[cfg(feature = "ssr")]
const CREATED_TOKEN_KEY: &str = "created_token";

/// The token just made by a plain form post, taken from the session so it is shown once.
#[server]
pub async fn take_created_token() -> Result<Option<CreatedToken>, AppError> {
    crate::backend::as_caller(|_, _| async move {
        crate::backend::require_credential()?.require_session("Showing a new token's secret")?;
        crate::backend::session()?
            .remove::<CreatedToken>(CREATED_TOKEN_KEY)
            .await
            .map_err(crate::session::session_error)
    })
    .await
}

#[server]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.accounts.revoke_token(&actor, id).await
    })
    .await
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Your account" />
        <Protected
            allow=anyone
            render=|me: Actor| {
                view! {
                    <h1>"Your account"</h1>
                    <p class="muted">
                        {me.email.clone()} " · " {me.role.label()} " · " {me.org_name.clone()}
                    </p>
                    <NameForm current=me.name.clone() />
                    <PasswordForm />
                    <crate::two_factor::page::TwoFactorCard />
                    <Tokens />
                    <crate::mail::preferences::section::NotificationsSection me=me.clone() />
                    <crate::theme::ThemeForm />
                    <crate::clock::TimeZoneForm />
                }
            }
        />
    }
}

#[component]
fn NameForm(current: String) -> impl IntoView {
    let auth = use_auth();
    let rename = ServerAction::<RenameSelf>::new();
    let error = Signal::derive(move || rename.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(_)) = rename.value().get() {
            auth.refresh();
        }
    });
    view! {
        <section class="card" aria-labelledby="name-heading">
            <h2 id="name-heading">"Name"</h2>
            <ActionForm action=rename>
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <p class="success" role="status">
                    {move || {
                        matches!(rename.value().get(), Some(Ok(_))).then_some("Name saved.")
                    }}
                </p>
                <div class="field">
                    <label for="profile-name">"Your name"</label>
                    <input
                        id="profile-name"
                        name="name"
                        value=current
                        required
                        aria-describedby="profile-name-error"
                    />
                    <FieldError id="profile-name-error" field="name" error=error />
                </div>
                <button type="submit" class="primary">
                    "Save name"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <ActionForm action=change>
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <p class="success" role="status">
                    {move || { change.value().get().and_then(Result::ok).map(password_changed) }}
                </p>
                <div class="field">
                    <label for="password-current">"Current password"</label>
                    <input
                        id="password-current"
                        name="current"
                        type="password"
                        autocomplete="current-password"
                        required
                        aria-describedby="password-current-error"
                    />
                    <FieldError id="password-current-error" field="current" error=error />
                </div>
                <div class="field">
                    <label for="password-new">"New password"</label>
                    <input
                        id="password-new"
                        name="new"
                        type="password"
                        autocomplete="new-password"
                        required
                        aria-describedby="password-new-error"
                    />
                    <FieldError id="password-new-error" field="new" error=error />
                </div>
                <div class="field">
                    <label for="password-confirm">"Repeat the new password"</label>
                    <input
                        id="password-confirm"
                        name="confirm"
                        type="password"
                        autocomplete="new-password"
                        required
                        aria-describedby="password-confirm-error"
                    />
                    <FieldError id="password-confirm-error" field="confirm" error=error />
                </div>
                <p class="muted">
                    "Your other sessions, on other devices and browsers, are signed out; this one stays signed in."
                </p>
                <div class="field checkbox">
                    <input id="password-revoke-tokens" type="checkbox" name="revoke_tokens" />
                    <label for="password-revoke-tokens">"Also revoke all my API tokens"</label>
                </div>
                <button type="submit" class="primary">
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}

/// What the password form says once the password is changed.
fn password_changed(changed: PasswordChanged) -> String {
    match changed.tokens_revoked {
        0 => "Password changed. Your other sessions are signed out.".into(),
        1 => "Password changed. Your other sessions are signed out and your API token is revoked."
            .into(),
        n => format!(
            "Password changed. Your other sessions are signed out and your {n} API tokens are revoked."
        ),
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let created_before = Resource::new(|| (), |_| take_created_token());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="muted">
                "Scripts use a token as " <code>"Authorization: Bearer …"</code>
                ". A token acts as you: a read-only one may only read, a read-and-write one may do "
                "whatever you may. Every token expires; revoke it sooner when it is no longer needed. "
                "Tokens are made here only: a token cannot make another."
            </p>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|created| view! { <NewSecret created /> })
            }}
            // Made without JavaScript: the form's post came back here by a redirect.
            <Suspense>
                {move || Suspend::new(async move {
                    match created_before.await {
                        Ok(Some(created)) if create.value().get().is_none() => {
                            Some(view! { <NewSecret created /> })
                        }
                        _ => None,
                    }
                })}
            </Suspense>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No tokens yet."</p> }.into_any()
                        }
                        Ok(list) => view! { <TokenTable tokens=list revoke=revoke /> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=create attr:class="inline-form">
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <div class="field">
                    <label for="token-name">"Token name"</label>
                    <input
                        id="token-name"
                        name="name"
                        required
                        aria-describedby="token-name-error"
                    />
                    <FieldError id="token-name-error" field="name" error=error />
                </div>
                <div class="field">
                    <label for="token-scope">"Access"</label>
                    <select id="token-scope" name="scope" aria-describedby="token-scope-error">
                        {TokenScope::ALL
                            .into_iter()
                            .map(|scope| {
                                view! {
                                    <option
                                        value=scope.as_str()
                                        selected=scope == TokenScope::ReadOnly
                                    >
                                        {scope.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError id="token-scope-error" field="scope" error=error />
                </div>
                <div class="field">
                    <label for="token-expires">"Expires"</label>
                    <select
                        id="token-expires"
                        name="expires_in_days"
                        aria-describedby="token-expires-error"
                    >
                        {NewToken::OFFERED_DAYS
                            .into_iter()
                            .map(|days| {
                                view! {
                                    <option
                                        value=days.to_string()
                                        selected=days == NewToken::DEFAULT_DAYS
                                    >
                                        {format!("In {days} days")}
                                    </option>
                                }
                            })
                            .collect_view()}
                        <option value="date">"On the date below"</option>
                    </select>
                    <FieldError id="token-expires-error" field="expires_in_days" error=error />
                </div>
                <div class="field">
                    <label for="token-expires-on">"Expiry date (when \"On the date below\")"</label>
                    <input
                        id="token-expires-on"
                        name="expires_on"
                        type="date"
                        aria-describedby="token-expires-on-error"
                    />
                    <FieldError id="token-expires-on-error" field="expires_on" error=error />
                </div>
                <button type="submit" class="primary">
                    "Create token"
                </button>
            </ActionForm>
        </section>
    }
}

/// A new token's secret, shown this once.
#[component]
fn NewSecret(created: CreatedToken) -> impl IntoView {
    view! {
        <div class="notice" role="status">
            <p>
                {format!(
                    "Copy the new token \"{}\" now; it will not be shown again:",
                    created.token.name,
                )}
            </p>
            <code class="secret">{created.secret}</code>
        </div>
    }
}

#[component]
fn TokenTable(tokens: Vec<ApiToken>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <table>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Access"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">
                        <span class="visually-hidden">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|token| {
                        view! {
                            <tr>
                                <td>{token.name.clone()}</td>
                                <td>{token.scope.label()}</td>
                                <td>
                                    <OnDate at=token.created_at />
                                </td>
                                <td>
                                    {token
                                        .is_expired(OffsetDateTime::now_utc())
                                        .then_some("expired ")} <OnDate at=token.expires_at />
                                </td>
                                <td>
                                    {match token.last_used_at {
                                        Some(at) => view! { <When at /> }.into_any(),
                                        None => "never".into_any(),
                                    }}
                                </td>
                                <td>
                                    <ActionForm action=revoke attr:class="inline">
                                        <input type="hidden" name="id" value=token.id />
                                        <button
                                            type="submit"
                                            class="link"
                                            aria-label=format!("Revoke {}", token.name)
                                        >
                                            "Revoke"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
