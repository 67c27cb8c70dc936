//! Signing in and out, who is signed in, and the guard that keeps pages to the right people.

use crate::accounts::{Actor, Role};
use crate::components::{ErrorNotice, FieldError};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

#[server]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    crate::backend::with_status(
        async move {
            use crate::backend::{backend, client_ip, session, start_session};
            let accounts = backend()?.accounts;
            let actor = accounts
                .authenticate(&email, &password, client_ip())
                .await?;
            start_session(&session()?, &actor, accounts.as_ref()).await?;
            leptos_axum::redirect(&safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn logout() -> Result<(), AppError> {
    crate::backend::with_status(
        async move {
            crate::backend::backend()?
                .accounts
                .sign_out(&crate::backend::session()?)
                .await?;
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn current_user() -> Result<Option<Actor>, AppError> {
    crate::backend::with_status(async move { Ok(crate::backend::current_actor()) }.await)
}

/// Only same-site paths: an attacker's link must not turn our sign-in into a redirect elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with("/login") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Who is signed in, shared by the shell and every page.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: Resource<Result<Option<Actor>, AppError>>,
    version: RwSignal<u32>,
}

impl Auth {
    pub fn provide() -> Auth {
        let version = RwSignal::new(0u32);
        let me = Resource::new(move || version.get(), |_| current_user());
        let auth = Auth { me, version };
        provide_context(auth);
        auth
    }

    /// A resource of its own for one more Suspense boundary (the header's). Leptos' server
    /// render can stall when one resource is read under two boundaries
    /// (leptos-rs/leptos#4851), so each boundary gets its own.
    pub fn another(&self) -> Resource<Result<Option<Actor>, AppError>> {
        let version = self.version;
        Resource::new(move || version.get(), |_| current_user())
    }

    /// Reloads who is signed in, after signing in or out or renaming oneself.
    pub fn refresh(&self) {
        self.version.update(|v| *v += 1);
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Renders `render(me)` for a signed-in person whose role `allow` accepts; sends others to the
/// sign-in page, and tells a signed-in person without the role that the page is not theirs.
///
/// The page is built once per visit: a bare `Suspend` (not one inside a closure) is awaited
/// once, whereas the server renders a closure twice (once to find its resources, once to
/// wait for them), which would build the page, and fetch its data, twice. Signing out
/// leaves the page by the server function's redirect, so nothing here needs to re-run.
#[component]
pub fn Protected<F, IV>(allow: fn(Role) -> bool, render: F) -> impl IntoView
where
    F: FnOnce(Actor) -> IV + Send + 'static,
    IV: IntoView + 'static,
{
    let auth = use_auth();
    let page = Suspend::new(async move {
        match auth.me.await {
            Ok(Some(me)) if allow(me.role) => render(me).into_any(),
            Ok(Some(_)) => {
                crate::components::forbidden_status();
                view! {
                    <section class="card">
                        <h1>"Not available"</h1>
                        <p>"This page is not part of your role."</p>
                        <a href="/">"Back to the start page"</a>
                    </section>
                }
                .into_any()
            }
            Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
            Err(err) => view! { <ErrorNotice error=err /> }.into_any(),
        }
    });
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>{page}</Suspense>
    }
}

pub fn anyone(_: Role) -> bool {
    true
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    Effect::new(move |_| {
        if let Some(Ok(())) = login.value().get() {
            auth.refresh();
        }
    });
    let error = move || login.value().get().and_then(Result::err);

    view! {
        <Title text="Sign in" />
        <section class="card narrow">
            <h1>"Sign in to Deskside"</h1>
            <ActionForm action=login attr:aria-describedby="login-error">
                <div id="login-error" role="alert" aria-live="polite">
                    {move || {
                        error()
                            .filter(|e| e.field("email").is_none() && e.field("password").is_none())
                            .map(|e| view! { <p class="error">{e.to_string()}</p> })
                    }}
                </div>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input
                        id="login-email"
                        type="email"
                        name="email"
                        autocomplete="username"
                        required
                        aria-describedby="login-email-error"
                    />
                    <FieldError id="login-email-error" field="email" error=Signal::derive(error) />
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input
                        id="login-password"
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        aria-describedby="login-password-error"
                    />
                    <FieldError
                        id="login-password-error"
                        field="password"
                        error=Signal::derive(error)
                    />
                </div>
                <button type="submit" class="primary" disabled=move || login.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
        </section>
    }
}

/// The sign-out button in the header: a real form, so it works before the WebAssembly loads.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let auth = use_auth();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            auth.refresh();
        }
    });
    view! {
        <ActionForm action=logout attr:class="inline">
            <button type="submit" class="link">
                "Sign out"
            </button>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_keeps_local_paths() {
        assert_eq!(safe_next(Some("/admin?x=1")), "/admin?x=1");
    }

    #[test]
    fn next_refuses_other_sites_and_the_login_page_itself() {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/login",
            "admin",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
