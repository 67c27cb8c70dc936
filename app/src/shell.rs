//! The document, the layout every page shares, the navigation each role gets, and the routes.

use crate::access::page::AccessLogPage;
use crate::accounts::links::page::{ForgotPage, InvitePage, ResetPage};
use crate::accounts::{Actor, Role};
use crate::admin::{AdminPage, PeoplePage};
use crate::auth::{Auth, LoginPage, LogoutButton};
use crate::home::page::HomePage;
use crate::live::notifications::{Desktop, EnableNotificationsItem, LiveStream};
use crate::mail::page::MailPage;
use crate::profile::ProfilePage;
use crate::reports::dashboard::ReportsPage;
use crate::tickets::canned::page::CannedRepliesPage;
use crate::tickets::settings::page::{OrgSettingsPage, OwnSettingsPage};
use crate::tickets::{list::TicketsPage, new::NewTicketPage, view::TicketPage};
use crate::two_factor::page::{SecondStepPage, TwoFactorPage};
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
    // The colours this browser chose, declared before anything is drawn (see `theme`).
    let theme = crate::theme::current();
    // The time zone this page's times are drawn in, which hydration starts from (see `clock`).
    let (zone, zone_source) = crate::clock::requested();
    view! {
        <!DOCTYPE html>
        <html
            lang="en"
            data-theme=theme.as_str()
            data-time-zone=zone.name().to_string()
            data-time-zone-source=zone_source.as_str()
        >
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content=theme.color_scheme() />
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
    crate::clock::Clock::provide();
    crate::reports::time_panel::SharedTimer::provide();
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
                <crate::reports::time_panel::HeaderTimer />
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/login/two-factor") view=SecondStepPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot") view=ForgotPage ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async />
                    <Route path=path!("/reset/:token") view=ResetPage ssr=SsrMode::Async />
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orgs/:id") view=OrgSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/mail") view=MailPage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=OwnSettingsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/canned-replies")
                        view=CannedRepliesPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/people") view=PeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/profile/two-factor")
                        view=TwoFactorPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/tickets") view=TicketsPage ssr=SsrMode::Async />
                    <Route path=path!("/tickets/new") view=NewTicketPage ssr=SsrMode::Async />
                    <Route path=path!("/tickets/:id") view=TicketPage ssr=SsrMode::Async />
                    <Route path=path!("/reports") view=ReportsPage ssr=SsrMode::Async />
                    <Route path=path!("/access") view=AccessLogPage ssr=SsrMode::Async />
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
        href: "/access",
        label: "Access log",
        roles: &[Role::Manager, Role::Admin],
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

/// The header's links for `role`, one list item each.
fn nav_links(role: Role) -> impl IntoView {
    nav_for(role)
        .map(|item| {
            view! {
                <li>
                    <A href=item.href exact=true>
                        {item.label}
                    </A>
                </li>
            }
        })
        .collect_view()
}

/// The header of a signed-in person. A wide screen shows the links, the wiki search and the
/// account menu in a row; a phone folds the links and the account's items into one **Menu**
/// (a disclosure, so it opens without JavaScript too). Only one of the two is displayed at
/// any width, so the page has one main navigation for assistive technology.
#[component]
fn Nav(me: Actor) -> impl IntoView {
    let desktop = Desktop::new();
    let menu = NodeRef::<leptos::html::Details>::new();
    let phone_menu = NodeRef::<leptos::html::Details>::new();
    close_on_navigation(menu);
    close_on_navigation(phone_menu);
    view! {
        <nav aria-label="Main" class="wide-only">
            <ul>{nav_links(me.role)}</ul>
        </nav>
        <form
            class="shell-search wide-only"
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
        <LiveStream me=me.clone() desktop />
        <div class="account">
            <crate::live::LiveIndicator />
            <details class="account-menu wide-only" node_ref=menu>
                <summary>{me.name.clone()}</summary>
                <ul>
                    <li class="muted">{me.org_name.clone()}</li>
                    <li>
                        <A href="/profile">"Profile and security"</A>
                    </li>
                    <EnableNotificationsItem desktop />
                </ul>
            </details>
            <span class="wide-only">
                <LogoutButton />
            </span>
        </div>
        <details class="phone-menu" node_ref=phone_menu>
            <summary>"Menu"</summary>
            <div class="phone-menu-panel">
                <nav aria-label="Main">
                    <ul>{nav_links(me.role)}</ul>
                </nav>
                <ul class="phone-account">
                    <li class="muted">{format!("{} · {}", me.name, me.org_name)}</li>
                    <li>
                        <A href="/profile">"Profile and security"</A>
                    </li>
                    <EnableNotificationsItem desktop />
                    <li>
                        <LogoutButton />
                    </li>
                </ul>
            </div>
        </details>
    }
}

/// Closes a header menu once its link (or any other) has led to another page, which with
/// JavaScript is the same document; without it every page arrives with the menu closed.
fn close_on_navigation(menu: NodeRef<leptos::html::Details>) {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        Effect::new(move |_| {
            location.pathname.track();
            if let Some(menu) = menu.get_untracked()
                && let Err(err) = menu.remove_attribute("open")
            {
                leptos::logging::warn!("cannot close the account menu: {err:?}");
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = menu;
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
                "Access log",
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
                "Settings",
                "Access log"
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
