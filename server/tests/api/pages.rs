//! Server-rendered pages and the plain form posts that work before any WebAssembly loads.

use super::support::*;
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode};

async fn html(app: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let res = browser_get(app, client, path).await;
    (res.status(), res.text().await.unwrap())
}

/// A page request as a browser makes it: asking for HTML.
async fn browser_get(app: &TestApp, client: &Client, path: &str) -> reqwest::Response {
    client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
}

/// Posts a form the way a browser without JavaScript does.
async fn post_form(
    app: &TestApp,
    client: &Client,
    path: &str,
    from: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .header("accept", "text/html")
        .header("referer", app.url(from))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_login_page_is_a_plain_html_form() {
    let app = spawn().await;

    let (status, page) = html(&app, &app.client(), "/login").await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<form"), "{page}");
    assert!(page.contains(&format!("action=\"{}\"", app::auth::Login::PATH)));
    assert!(page.contains("<label for=\"login-email\">Email</label>"));
    assert!(page.contains("<label for=\"login-password\">Password</label>"));
}

#[tokio::test]
async fn pages_send_anonymous_visitors_to_the_login_page() {
    let app = spawn().await;
    for path in ["/", "/admin", "/profile", "/people"] {
        let res = browser_get(&app, &app.client(), path).await;
        assert_eq!(res.status(), StatusCode::FOUND, "{path}");
        assert_eq!(res.headers()["location"], "/login", "{path}");
    }
}

#[tokio::test]
async fn signing_in_without_javascript_redirects_home_with_a_session() {
    let app = spawn().await;
    let client = app.client();

    let res = post_form(
        &app,
        &client,
        app::auth::Login::PATH,
        "/login",
        &[
            ("email", ACME_MANAGER),
            ("password", DEMO_PASSWORD),
            ("next", ""),
        ],
    )
    .await;

    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/");
    let (status, home) = html(&app, &client, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Hello, Mia Manager"), "{home}");
}

#[tokio::test]
async fn a_wrong_password_without_javascript_comes_back_to_the_form_with_the_message() {
    let app = spawn().await;
    let client = app.client();

    let res = post_form(
        &app,
        &client,
        app::auth::Login::PATH,
        "/login",
        &[("email", ACME_MANAGER), ("password", "wrong"), ("next", "")],
    )
    .await;

    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("/login?") && location.contains("__err="),
        "{location}"
    );
    let (_, page) = html(&app, &client, location.trim_start_matches(&app.base)).await;
    assert!(page.contains("Invalid email or password."), "{page}");
}

#[tokio::test]
async fn navigation_depends_on_the_role() {
    let app = spawn().await;
    let cases = [
        (ADMIN, true, false),
        (ACME_MANAGER, false, true),
        (ACME_REQUESTER, false, false),
        (TECH, false, false),
    ];
    for (who, admin_link, people_link) in cases {
        let client = app.signed_in(who).await;
        let (_, page) = html(&app, &client, "/").await;
        let nav = page
            .split("aria-label=\"Main\"")
            .nth(1)
            .expect("a main navigation");
        assert_eq!(nav.contains("href=\"/admin\""), admin_link, "{who}");
        assert_eq!(nav.contains("href=\"/people\""), people_link, "{who}");
    }
}

#[tokio::test]
async fn the_admin_page_lists_organizations_for_admins_and_refuses_others() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let (status, page) = html(&app, &admin, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Acme Dental") && page.contains("Birch Accounting"));

    let requester = app.signed_in(ACME_REQUESTER).await;
    let (_, page) = html(&app, &requester, "/admin").await;
    assert!(page.contains("This page is not part of your role."));
    assert!(!page.contains("Birch Accounting"));
}

#[tokio::test]
async fn a_managers_people_page_shows_only_their_org() {
    let app = spawn().await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let (_, page) = html(&app, &manager, "/people").await;

    assert!(page.contains("Rob Requester"));
    assert!(!page.contains("Bea Bookkeeper"));
}

#[tokio::test]
async fn a_field_error_without_javascript_shows_next_to_its_field() {
    let app = spawn().await;
    let client = app.signed_in(ACME_REQUESTER).await;

    let res = post_form(
        &app,
        &client,
        app::profile::RenameSelf::PATH,
        "/profile",
        &[("name", "   ")],
    )
    .await;

    let location = res.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = html(&app, &client, location.trim_start_matches(&app.base)).await;
    let field = page
        .split("id=\"profile-name-error\"")
        .nth(1)
        .expect("the name's error slot");
    assert!(field[..200].contains("Enter a name."), "{field}");
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = spawn().await;
    let (status, page) = html(&app, &app.client(), "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Page not found"));
}

#[tokio::test]
async fn a_server_function_called_by_the_app_answers_with_the_errors_status_not_500() {
    let app = spawn().await;
    let client = app.signed_in(ACME_REQUESTER).await;

    let res = client
        .post(app.url(app::profile::RenameSelf::PATH))
        .form(&[("name", "   ")])
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: app::error::AppError = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(error.field("name").as_deref(), Some("Enter a name."));
}

#[tokio::test]
async fn a_request_filed_without_javascript_lands_on_its_ticket_page() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let res = post_form(
        &app,
        &rob,
        app::tickets::new::CreateTicket::PATH,
        "/tickets/new",
        &[
            ("subject", "Scanner jams"),
            ("body", "Every *third* page."),
            ("priority", "normal"),
            ("category", "Hardware"),
        ],
    )
    .await;

    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/tickets/"), "{location}");
    let (status, page) = html(&app, &rob, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Scanner jams"));
    assert!(
        page.contains("<em>third</em>"),
        "the description is rendered markdown"
    );
}

#[tokio::test]
async fn an_internal_note_is_in_the_staff_page_and_never_in_the_requesters() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (_, ticket) = app
        .post(
            &rob,
            "/api/v1/tickets",
            serde_json::json!({ "subject": "VPN", "body": "Drops", "priority": "low" }),
        )
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let tom = app.signed_in(TECH).await;
    let id_text = id.to_string();

    post_form(
        &app,
        &tom,
        app::tickets::view::AddComment::PATH,
        &format!("/tickets/{id}"),
        &[
            ("id", id_text.as_str()),
            ("body", "router admin pw is in the vault"),
            ("internal", "on"),
        ],
    )
    .await;

    let (_, staff_page) = html(&app, &tom, &format!("/tickets/{id}")).await;
    let (_, requester_page) = html(&app, &rob, &format!("/tickets/{id}")).await;
    let (_, manager_page) = html(
        &app,
        &app.signed_in(ACME_MANAGER).await,
        &format!("/tickets/{id}"),
    )
    .await;
    assert!(staff_page.contains("router admin pw is in the vault"));
    assert!(
        !requester_page.contains("router admin pw"),
        "{requester_page}"
    );
    assert!(!manager_page.contains("router admin pw"));
    assert!(
        !requester_page.contains("Internal note (only"),
        "no note box for requesters"
    );
}

#[tokio::test]
async fn another_orgs_ticket_page_says_not_found() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (_, ticket) = app
        .post(
            &rob,
            "/api/v1/tickets",
            serde_json::json!({ "subject": "Private matter", "body": "B", "priority": "low" }),
        )
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let bea = app.signed_in(BIRCH_REQUESTER).await;

    let (status, page) = html(&app, &bea, &format!("/tickets/{id}")).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Ticket not found"));
    assert!(!page.contains("Private matter"));
}
