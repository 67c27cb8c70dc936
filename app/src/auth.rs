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
            use crate::backend::{backend, client_ip, session};
            use crate::two_factor::{SECOND_STEP_PATH, setup_path, ssr};
            let backend = backend()?;
            let actor = backend
                .accounts
                .authenticate(&email, &password, client_ip())
                .await?;
            let next = safe_next(next.as_deref());
            let to = match ssr::sign_in(
                &*backend.two_factor,
                &*backend.accounts,
                &session()?,
                actor,
                next.clone(),
            )
            .await?
            {
                ssr::SignIn::SecondStep => SECOND_STEP_PATH.to_string(),
                ssr::SignIn::Done(actor) if backend.two_factor.must_set_up(&actor).await? => {
                    setup_path(&next)
                }
                ssr::SignIn::Done(_) => next,
            };
            leptos_axum::redirect(&to);
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

/// Where to go after signing in: a path of this site, never another site. `next` is read
/// as a browser would read it from this site (tabs and newlines dropped, `\\` as `/`), and
/// only a path (with its query) of this same origin is kept; anything else, and the sign-in
/// page itself, goes home.
#[cfg(any(feature = "ssr", test))]
pub fn safe_next(next: Option<&str>) -> String {
    // Any origin of our own does: only whether `next` stays on it matters.
    const HERE: &str = "http://deskside.invalid/";
    let home = "/".to_string();
    let Some(next) = next.filter(|n| n.starts_with('/')) else {
        return home;
    };
    let (Ok(here), Ok(there)) = (
        url::Url::parse(HERE),
        url::Url::parse(HERE).and_then(|h| h.join(next)),
    ) else {
        return home;
    };
    let path = there.path();
    if there.origin() != here.origin() || path.starts_with("//") || path.starts_with("/login") {
        return home;
    }
    match there.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
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
    let location = leptos_router::hooks::use_location();
    let here = match location.search.get_untracked() {
        search if search.is_empty() => location.pathname.get_untracked(),
        search => format!("{}?{search}", location.pathname.get_untracked()),
    };
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
            Ok(None) => view! { <Redirect path=login_path(&here) /> }.into_any(),
            Err(err) => view! { <ErrorNotice error=err /> }.into_any(),
        }
    });
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>{page}</Suspense>
    }
}

/// The sign-in page, coming back to `here` (a path with its query) after signing in; the
/// sign-in checks `next` again ([`safe_next`]), whoever made the link.
pub fn login_path(here: &str) -> String {
    if here.is_empty() || here == "/" || here.starts_with("/login") {
        return "/login".to_string();
    }
    format!("/login?next={}", crate::tickets::filter::encode(here))
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
                            .map(|e| view! { <p class="error">{login_message(&e)}</p> })
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
            <p>
                <a href="/forgot">"Forgot your password?"</a>
            </p>
        </section>
    }
}

/// What the sign-in form says when it is refused: who is refused for guessing or for a busy
/// server is told plainly what to do, in minutes rather than hundreds of seconds.
pub fn login_message(error: &AppError) -> String {
    match error {
        AppError::RateLimited { retry_after_secs } => format!(
            "Too many sign-in attempts. To protect the account, please wait {} before trying \
             again.",
            in_words(*retry_after_secs)
        ),
        AppError::Busy { .. } => {
            "Many people are signing in right now. Please try again in a few seconds.".into()
        }
        other => other.to_string(),
    }
}

fn in_words(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".into(),
        2..=59 => format!("{seconds} seconds"),
        60 => "a minute".into(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
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
    use super::{login_message, safe_next};
    use crate::error::AppError;

    #[test]
    fn a_refused_sign_in_says_what_to_do() {
        let limited = |retry_after_secs| login_message(&AppError::RateLimited { retry_after_secs });
        assert_eq!(
            limited(900),
            "Too many sign-in attempts. To protect the account, please wait 15 minutes before \
             trying again."
        );
        assert!(limited(30).contains("wait 30 seconds"));
        assert!(limited(60).contains("wait a minute"));
        assert!(
            limited(61).contains("wait 2 minutes"),
            "rounded up, never too soon"
        );
        assert!(
            login_message(&AppError::Busy {
                retry_after_secs: 1
            })
            .contains("try again in a few seconds")
        );
        assert_eq!(
            login_message(&AppError::InvalidCredentials),
            "Invalid email or password."
        );
    }

    #[test]
    fn a_signed_out_visit_signs_in_towards_the_page_asked_for() {
        assert_eq!(
            super::login_path("/tickets/12?tab=files"),
            "/login?next=%2Ftickets%2F12%3Ftab%3Dfiles"
        );
        assert_eq!(super::login_path("/"), "/login");
        assert_eq!(super::login_path("/login?next=/x"), "/login");
    }

    #[test]
    fn next_keeps_local_paths() {
        assert_eq!(safe_next(Some("/admin?x=1")), "/admin?x=1");
    }

    #[test]
    fn next_refuses_other_sites_and_the_login_page_itself() {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/.//evil.example",
            "/..//evil.example",
            "javascript:alert(1)",
            "/login",
            "/login?next=//evil.example",
            "%2F%2Fevil.example",
            "https:%2F%2Fevil.example",
            "admin",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn next_keeps_the_path_and_query_only() {
        assert_eq!(
            safe_next(Some("/tickets?status=open#top")),
            "/tickets?status=open"
        );
        assert_eq!(safe_next(Some("/a b")), "/a%20b");
        assert_eq!(
            safe_next(Some("/%09/evil.example")),
            "/%09/evil.example",
            "still encoded, a browser reads it as a path here, not as another site"
        );
        for encoded in [
            "/%2F%2Fevil.example",
            "/%5Cevil.example",
            "/%5C%5Cevil.example",
        ] {
            assert_eq!(
                safe_next(Some(encoded)),
                encoded,
                "a path here, not another site"
            );
        }
    }
}
