//! The document, the layout every page shares, the navigation each role gets, and the routes.

use crate::accounts::{Actor, Role};
use crate::admin::{AdminPage, PeoplePage};
use crate::auth::{Auth, LoginPage, LogoutButton, Protected, anyone};
use crate::profile::ProfilePage;
use crate::reports::dashboard::ReportsPage;
use crate::tickets::canned::CannedRepliesPage;
use crate::tickets::settings::page::{OrgSettingsPage, OwnSettingsPage};
use crate::tickets::{list::TicketsPage, new::NewTicketPage, view::TicketPage};
use crate::wiki::edit::{EditArticlePage, NewArticlePage};
use crate::wiki::pages::{ArticlePage, DiffPage, RevisionPage, RevisionsPage, WikiPage};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{A, Route, Router, Routes},
    path,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth = Auth::provide();
    let header_me = auth.another();
    crate::live::provide_live();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/deskside.css" />
        <Title formatter=document_title />
        <Router>
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <header class="topbar">
                <a class="brand" href="/">
                    "Deskside"
                </a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        header_me.await.ok().flatten().map(|me| view! { <Nav me /> })
                    })}
                </Transition>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orgs/:id") view=OrgSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=OwnSettingsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/canned-replies")
                        view=CannedRepliesPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/people") view=PeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/tickets") view=TicketsPage ssr=SsrMode::Async />
                    <Route path=path!("/tickets/new") view=NewTicketPage ssr=SsrMode::Async />
                    <Route path=path!("/tickets/:id") view=TicketPage ssr=SsrMode::Async />
                    <Route path=path!("/reports") view=ReportsPage ssr=SsrMode::Async />
                    <Route path=path!("/wiki") view=WikiPage ssr=SsrMode::Async />
                    <Route path=path!("/wiki/new") view=NewArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/wiki/:slug") view=ArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/wiki/:slug/edit") view=EditArticlePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/wiki/:slug/revisions")
                        view=RevisionsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/wiki/:slug/revisions/:number")
                        view=RevisionPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/wiki/:slug/diff") view=DiffPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// The document's title for a page's own, e.g. a ticket's subject.
///
/// `leptos_meta` 0.8 writes the title into the server's HTML as it is, so a subject such as
/// `</title><script>…` would end the element and inject markup; on the server it is escaped
/// here. In the browser it becomes `document.title`, which is text, so it stays as it is.
fn document_title(page: String) -> String {
    let title = if page.is_empty() {
        "Deskside".to_string()
    } else {
        format!("{page} · Deskside")
    };
    if cfg!(feature = "ssr") {
        escape_html_text(&title)
    } else {
        title
    }
}

/// `text` as HTML text content: the characters that could start markup or an entity escaped.
fn escape_html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Marks the body once the WebAssembly has taken over, so browser tests (and styles) can tell
/// a hydrated page from server HTML. Effects never run on the server.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body()
            && let Err(err) = body.set_attribute("data-hydrated", "true")
        {
            leptos::logging::warn!("cannot mark the page hydrated: {err:?}");
        }
    });
}

/// A navigation entry and the roles that see it.
struct NavItem {
    href: &'static str,
    label: &'static str,
    roles: &'static [Role],
}

const NAV: &[NavItem] = &[
    NavItem {
        href: "/",
        label: "Home",
        roles: &Role::ALL,
    },
    NavItem {
        href: "/tickets",
        label: "My tickets",
        roles: &[Role::Requester],
    },
    NavItem {
        href: "/tickets",
        label: "Tickets",
        roles: &[Role::Manager],
    },
    NavItem {
        href: "/tickets",
        label: "Queue",
        roles: &[Role::Technician, Role::Admin],
    },
    NavItem {
        href: "/tickets/new",
        label: "New request",
        roles: &[Role::Requester, Role::Manager],
    },
    NavItem {
        href: "/wiki",
        label: "Wiki",
        roles: &Role::ALL,
    },
    NavItem {
        href: "/reports",
        label: "Reports",
        roles: &[Role::Manager, Role::Technician, Role::Admin],
    },
    NavItem {
        href: "/canned-replies",
        label: "Canned replies",
        roles: &[Role::Technician, Role::Admin],
    },
    NavItem {
        href: "/people",
        label: "People",
        roles: &[Role::Manager],
    },
    NavItem {
        href: "/settings",
        label: "Settings",
        roles: &[Role::Manager],
    },
    NavItem {
        href: "/admin",
        label: "Admin",
        roles: &[Role::Admin],
    },
];

/// The entries `role` sees, in order.
fn nav_for(role: Role) -> impl Iterator<Item = &'static NavItem> {
    NAV.iter().filter(move |item| item.roles.contains(&role))
}

#[component]
fn Nav(me: Actor) -> impl IntoView {
    view! {
        <nav aria-label="Main">
            <ul>
                {nav_for(me.role)
                    .map(|item| {
                        view! {
                            <li>
                                <A href=item.href exact=true>
                                    {item.label}
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <form
            class="shell-search"
            method="get"
            action="/wiki"
            role="search"
            aria-label="Quick wiki search"
        >
            <label for="shell-q" class="visually-hidden">
                "Search the wiki"
            </label>
            <input id="shell-q" type="search" name="q" placeholder="Search the wiki" />
        </form>
        <LiveStream me=me.clone() />
        <div class="account">
            <crate::live::LiveIndicator />
            <A href="/profile">{me.name.clone()}</A>
            <span class="muted">{format!(" · {}", me.org_name)}</span>
            <LogoutButton />
        </div>
    }
}

/// Whether desktop notifications may be shown, as far as the page knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only the browser learns which it is; the server renders every page as `Unavailable`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum DesktopNotifications {
    /// On the server, before hydration, or a browser without them.
    Unavailable,
    /// The person has not decided yet: the page may ask.
    Ask,
    Granted,
    Denied,
}

/// Opens the live stream for the signed-in person and shows its toasts, and with permission
/// desktop notifications too: a new ticket for the provider's staff, a ticket assigned to me,
/// and for staff a missed target on a ticket assigned to me.
#[component]
fn LiveStream(me: Actor) -> impl IntoView {
    let live = crate::live::use_live();
    let toasts = RwSignal::new(Vec::<(i64, String)>::new());
    let desktop = RwSignal::new(DesktopNotifications::Unavailable);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        crate::live::connect(live);
        desktop.set(desktop::state());
    });
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();
    let staff = me.is_provider_staff();
    let my_id = me.user_id;
    Effect::new(move |_| {
        let Some(event) = live.last.get() else {
            return;
        };
        if event.actor_id == Some(my_id) {
            return;
        }
        let ticket = event.ticket_id.unwrap_or_default();
        let text = match event.kind.as_str() {
            "ticket.created" if staff => Some(format!(
                "New ticket #{ticket}: {}",
                event.data["subject"].as_str().unwrap_or_default()
            )),
            "ticket.assigned" if event.data["assignee_id"].as_i64() == Some(my_id) => {
                Some(format!("Ticket #{ticket} was assigned to you"))
            }
            "ticket.sla_breached" if staff && event.data["assignee_id"].as_i64() == Some(my_id) => {
                Some(match event.data["target"].as_str() {
                    Some("first_response") => {
                        format!("Ticket #{ticket} missed its first response target")
                    }
                    _ => format!("Ticket #{ticket} missed its resolution target"),
                })
            }
            _ => None,
        };
        if let Some(text) = text {
            let key = event.id;
            #[cfg(feature = "hydrate")]
            if desktop.get_untracked() == DesktopNotifications::Granted {
                let navigate = navigate.clone();
                let path = format!("/tickets/{ticket}");
                desktop::show(&text, &format!("deskside-{key}"), move || {
                    navigate(&path, Default::default())
                });
            }
            toasts.update(|list| list.push((key, text)));
            set_timeout(
                move || toasts.update(|list| list.retain(|(k, _)| *k != key)),
                std::time::Duration::from_secs(8),
            );
        }
    });
    let enable = move |_| {
        #[cfg(feature = "hydrate")]
        desktop::ask(desktop);
    };
    view! {
        {move || {
            (desktop.get() == DesktopNotifications::Ask)
                .then(|| {
                    view! {
                        <button type="button" class="enable-notifications" on:click=enable>
                            "Enable desktop notifications"
                        </button>
                    }
                })
        }}
        <div class="toasts" role="status" aria-live="polite">
            {move || {
                toasts
                    .get()
                    .into_iter()
                    .map(|(_, text)| view! { <p class="toast">{text}</p> })
                    .collect_view()
            }}
        </div>
    }
}

/// The browser's desktop notifications.
#[cfg(feature = "hydrate")]
mod desktop {
    use super::DesktopNotifications;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{Notification, NotificationOptions, NotificationPermission};

    /// What the browser allows now.
    pub fn state() -> DesktopNotifications {
        // Some browsers (iOS Safari outside the home screen, embedded views) have no
        // `Notification` at all, and touching it there throws.
        match js_sys::Reflect::has(&window(), &"Notification".into()) {
            Ok(true) => {}
            _ => return DesktopNotifications::Unavailable,
        }
        match Notification::permission() {
            NotificationPermission::Granted => DesktopNotifications::Granted,
            NotificationPermission::Denied => DesktopNotifications::Denied,
            _ => DesktopNotifications::Ask,
        }
    }

    /// Asks for permission (the browser shows its prompt), then records the answer.
    pub fn ask(desktop: RwSignal<DesktopNotifications>) {
        let promise = match Notification::request_permission() {
            Ok(promise) => promise,
            Err(err) => {
                leptos::logging::warn!("cannot ask for notifications: {err:?}");
                return;
            }
        };
        leptos::task::spawn_local(async move {
            if let Err(err) = wasm_bindgen_futures::JsFuture::from(promise).await {
                leptos::logging::warn!("asking for notifications failed: {err:?}");
            }
            desktop.try_set(state());
        });
    }

    /// Shows `text`; `on_click` runs when the person clicks it. Notifications with the same
    /// `tag` replace each other, so a person with several tabs open sees one.
    pub fn show(text: &str, tag: &str, on_click: impl FnOnce() + 'static) {
        let options = NotificationOptions::new();
        options.set_body(text);
        options.set_tag(tag);
        let notification = match Notification::new_with_options("Deskside", &options) {
            Ok(notification) => notification,
            Err(err) => {
                leptos::logging::warn!("cannot show a notification: {err:?}");
                return;
            }
        };
        let shown = notification.clone();
        // Freed when called; one never clicked stays, which is a few bytes per notification.
        let click = Closure::once_into_js(move || {
            if let Err(err) = window().focus() {
                leptos::logging::warn!("cannot focus the window: {err:?}");
            }
            shown.close();
            on_click();
        });
        notification.set_onclick(Some(click.unchecked_ref()));
    }
}

#[component]
fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <Protected
            allow=anyone
            render=|me: Actor| {
                let intro = match me.role {
                    Role::Requester => "Your IT provider's help portal.",
                    Role::Manager => "Manage who in your office can ask IT for help.",
                    Role::Technician => "The provider's workspace for every client organization.",
                    Role::Admin => "Manage client organizations, people and settings.",
                };
                view! {
                    <h1>{format!("Hello, {}", me.name)}</h1>
                    <p class="lead">{intro}</p>
                    <ul class="tiles">
                        {nav_for(me.role)
                            .filter(|item| item.href != "/")
                            .map(|item| {
                                view! {
                                    <li>
                                        <a href=item.href>{item.label}</a>
                                    </li>
                                }
                            })
                            .collect_view()} <li>
                            <a href="/profile">"Your account"</a>
                        </li>
                    </ul>
                }
            }
        />
    }
}

#[component]
fn NotFound() -> impl IntoView {
    crate::components::not_found_status();
    view! {
        <Title text="Not found" />
        <section class="card">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to the start page"</a>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped_so_it_cannot_end_the_title() {
        assert_eq!(
            escape_html_text("</title><script>x && y</script>"),
            "&lt;/title&gt;&lt;script&gt;x &amp;&amp; y&lt;/script&gt;"
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_server_writes_a_title_that_cannot_end_its_element() {
        assert_eq!(
            document_title("#7 </title><b>".into()),
            "#7 &lt;/title&gt;&lt;b&gt; · Deskside"
        );
        assert_eq!(document_title(String::new()), "Deskside");
    }

    #[test]
    fn admins_see_admin_managers_see_people_requesters_neither() {
        let labels = |role| nav_for(role).map(|i| i.label).collect::<Vec<_>>();
        assert_eq!(
            labels(Role::Admin),
            [
                "Home",
                "Queue",
                "Wiki",
                "Reports",
                "Canned replies",
                "Admin"
            ]
        );
        assert_eq!(
            labels(Role::Manager),
            [
                "Home",
                "Tickets",
                "New request",
                "Wiki",
                "Reports",
                "People",
                "Settings"
            ]
        );
        assert_eq!(
            labels(Role::Requester),
            ["Home", "My tickets", "New request", "Wiki"]
        );
        assert_eq!(
            labels(Role::Technician),
            ["Home", "Queue", "Wiki", "Reports", "Canned replies"]
        );
    }
}
