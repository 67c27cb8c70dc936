//! One's own account: name, password, two-factor sign-in and personal API tokens.

use crate::accounts::{Actor, ApiToken, CreatedToken};
use crate::auth::{Protected, anyone, use_auth};
use crate::components::{ErrorNotice, FieldError, form_error, short_date};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn rename_self(name: String) -> Result<Actor, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.accounts.rename_self(&actor, &name).await
    })
    .await
}

#[server]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<(), AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        if new != confirm {
            return Err(AppError::invalid(
                "confirm",
                "The two new passwords differ.",
            ));
        }
        backend
            .accounts
            .change_password(&actor, &current, &new)
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

#[server]
pub async fn create_token(name: String) -> Result<CreatedToken, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.accounts.create_token(&actor, &name).await
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
                    {move || {
                        matches!(change.value().get(), Some(Ok(()))).then_some("Password changed.")
                    }}
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
                <button type="submit" class="primary">
                    "Change password"
                </button>
            </ActionForm>
        </section>
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
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="muted">
                "Scripts use a token as " <code>"Authorization: Bearer …"</code>
                ". A token acts as you; revoke it when it is no longer needed."
            </p>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|created| {
                        view! {
                            <div class="notice" role="status">
                                <p>"Copy the new token now; it will not be shown again:"</p>
                                <code class="secret">{created.secret}</code>
                            </div>
                        }
                    })
            }}
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
                <button type="submit" class="primary">
                    "Create token"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn TokenTable(tokens: Vec<ApiToken>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <table>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Created"</th>
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
                                <td>{short_date(token.created_at)}</td>
                                <td>
                                    {token
                                        .last_used_at
                                        .map(short_date)
                                        .unwrap_or_else(|| "never".into())}
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
