//! Server-rendered pages and the plain form posts that work before any WebAssembly loads.

use super::support::*;
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode};

async fn html(app: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let res = browser_get(app, client, path).await;
    (res.status(), res.text().await.unwrap())
}

/// Files a low-priority request through the REST API as `client`; its number.
async fn file_request(app: &TestApp, client: &Client, subject: &str, body: &str) -> i64 {
    let (status, ticket) = app
        .post(
            client,
            "/api/v1/tickets",
            serde_json::json!({ "subject": subject, "body": body, "priority": "low" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    ticket["id"].as_i64().expect("a ticket number")
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
    for (path, to) in [
        ("/", "/login"),
        ("/admin", "/login?next=%2Fadmin"),
        ("/profile", "/login?next=%2Fprofile"),
        (
            "/tickets/12?from=mail",
            "/login?next=%2Ftickets%2F12%3Ffrom%3Dmail",
        ),
    ] {
        let res = browser_get(&app, &app.client(), path).await;
        assert_eq!(res.status(), StatusCode::FOUND, "{path}");
        assert_eq!(res.headers()["location"], to, "{path}");
    }
}

#[tokio::test]
async fn the_sign_in_page_carries_the_page_asked_for_into_its_form() {
    let app = spawn().await;
    let (_, page) = html(&app, &app.client(), "/login?next=%2Ftickets%2F12").await;
    assert!(
        page.contains("name=\"next\" value=\"/tickets/12\""),
        "{page}"
    );
}

#[tokio::test]
async fn my_tickets_names_the_requester_only_when_others_tickets_are_listed() {
    // Arrange: Birch does not share tickets; Rob's and Rita's Acme does.
    let app = spawn().await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let ben = app.signed_in(BIRCH_MANAGER).await;
    file_request(&app, &bea, "Bea's own scanner", "It beeps.").await;

    // Act
    let (_, mine) = html(&app, &bea, "/tickets").await;
    let (_, managers) = html(&app, &ben, "/tickets").await;

    // Assert
    assert!(
        mine.contains("Bea&#x27;s own scanner") || mine.contains("Bea's own scanner"),
        "{mine}"
    );
    assert!(!mine.contains(">Requester<"), "{mine}");
    assert!(managers.contains(">Requester<"), "{managers}");
}

#[tokio::test]
async fn signing_in_without_javascript_redirects_home_with_a_session() {
    let app = spawn().await;
    let client = app.client();

    let res = app
        .post_form(
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
async fn signing_in_without_javascript_goes_on_to_next_only_within_the_site() {
    let app = spawn().await;
    let cases = [
        ("/tickets?status=active", "/tickets?status=active"),
        // What `/login?next=/%09/evil.example` puts in the form: browsers drop the tab.
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ];
    for (next, expected) in cases {
        let res = app
            .post_form(
                &app.client(),
                app::auth::Login::PATH,
                "/login",
                &[
                    ("email", ACME_MANAGER),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ],
            )
            .await;

        assert_eq!(res.status(), StatusCode::FOUND, "{next:?}");
        assert_eq!(res.headers()["location"], expected, "{next:?}");
    }
}

#[tokio::test]
async fn a_wrong_password_without_javascript_comes_back_to_the_form_with_the_message() {
    let app = spawn().await;
    let client = app.client();

    let res = app
        .post_form(
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
    let (status, page) = html(&app, &requester, "/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
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

    let res = app
        .post_form(
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

/// The new request form as a browser sends it: multipart, with files.
fn request_form(fields: &[(&str, &str)], files: &[(&str, Vec<u8>)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (name, bytes) in files {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    form
}

async fn post_request(
    app: &TestApp,
    client: &Client,
    accept: &str,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    client
        .post(app.url("/tickets/new"))
        .header("accept", accept)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

const SCANNER: [(&str, &str); 4] = [
    ("subject", "Scanner jams"),
    ("body", "Every *third* page."),
    ("priority", "normal"),
    ("category", "Hardware"),
];

#[tokio::test]
async fn a_request_filed_without_javascript_lands_on_its_ticket_page_with_its_files() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let files = [
        ("jam.png", b"\x89PNG not really".to_vec()),
        ("log.txt", b"error 42".to_vec()),
    ];

    let res = post_request(&app, &rob, "text/html", request_form(&SCANNER, &files)).await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/tickets/"), "{location}");
    let (status, page) = html(&app, &rob, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Scanner jams"));
    assert!(
        page.contains("<em>third</em>"),
        "the description is rendered markdown"
    );
    let (_, ticket) = app.get(&rob, &format!("/api/v1{location}")).await;
    let names: Vec<&str> = ticket["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["jam.png", "log.txt"]);
}

#[tokio::test]
async fn a_request_with_a_bad_field_goes_back_to_the_form_with_what_was_typed_and_saves_nothing() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    // Longer than any address carries: it comes back in the page, not in a redirect.
    let long = format!(
        "The screen flickers. {}",
        "It goes dark and back. ".repeat(400)
    );
    let fields = [
        ("subject", "   "),
        ("body", long.as_str()),
        ("priority", "high"),
        ("category", "Hardware"),
    ];

    let res = post_request(
        &app,
        &rob,
        "text/html",
        request_form(&fields, &[("shot.png", b"png".to_vec())]),
    )
    .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("Say in a few words what is wrong."), "{page}");
    assert!(
        page.contains(long.trim_end()),
        "the whole description is kept ({} characters)",
        long.len()
    );
    assert!(
        page.contains("<option value=\"high\" selected"),
        "the urgency is kept"
    );
    assert!(page.contains("New request"), "the form itself: {page}");
    let (_, list) = app.get(&rob, "/api/v1/tickets").await;
    assert_eq!(list["tickets"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_forms_script_gets_json_the_new_ticket_or_the_field_errors() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let created = post_request(&app, &rob, "application/json", request_form(&SCANNER, &[])).await;
    let (status, body) = read(created).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(body["id"].as_i64().is_some(), "{body}");

    let fields = [("subject", "Printer"), ("body", ""), ("priority", "soon")];
    let refused = post_request(&app, &rob, "application/json", request_form(&fields, &[])).await;
    let (status, body) = read(refused).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "invalid");
    assert!(body["error"]["fields"]["body"].is_array(), "{body}");
    assert!(body["error"]["fields"]["priority"].is_array(), "{body}");
}

#[tokio::test]
async fn a_request_with_a_file_over_the_limit_files_nothing() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let big = vec![0u8; app.settings.max_file_mb as usize * 1024 * 1024 + 1];

    let res = post_request(
        &app,
        &rob,
        "application/json",
        request_form(&SCANNER, &[("ok.txt", b"ok".to_vec()), ("huge.bin", big)]),
    )
    .await;

    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("huge.bin"),
        "{body}"
    );
    let (_, list) = app.get(&rob, "/api/v1/tickets").await;
    assert_eq!(list["tickets"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_new_request_form_posts_multipart_to_a_plain_address() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let (status, page) = html(&app, &rob, "/tickets/new").await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("action=\"/tickets/new\""), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("<label for=\"ticket-files\">Attachments</label>"));
}

#[tokio::test]
async fn an_internal_note_is_in_the_staff_page_and_never_in_the_requesters() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file_request(&app, &rob, "VPN", "Drops").await;
    let tom = app.signed_in(TECH).await;
    let id_text = id.to_string();

    app.post_form(
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
    assert!(staff_page.contains("Send reply to Rob") && staff_page.contains("Add internal note"));
    assert!(
        !requester_page.contains("reply-mode-note") && !requester_page.contains("Internal note"),
        "no note mode for requesters"
    );
}

#[tokio::test]
async fn the_reply_mode_off_posts_a_public_reply_and_an_unknown_mode_posts_nothing() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file_request(&app, &rob, "VPN", "Drops").await;
    let tom = app.signed_in(TECH).await;
    let id_text = id.to_string();
    for (body, mode) in [
        ("Restart the client, please.", "off"),
        ("maybe the token expired", "maybe"),
    ] {
        app.post_form(
            &tom,
            app::tickets::view::AddComment::PATH,
            &format!("/tickets/{id}"),
            &[("id", id_text.as_str()), ("body", body), ("internal", mode)],
        )
        .await;
    }

    let (_, requester_page) = html(&app, &rob, &format!("/tickets/{id}")).await;
    let (_, staff_page) = html(&app, &tom, &format!("/tickets/{id}")).await;
    assert!(requester_page.contains("Restart the client, please."));
    assert!(!staff_page.contains("maybe the token expired"));
}

#[tokio::test]
async fn another_orgs_ticket_page_says_not_found() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file_request(&app, &rob, "Private matter", "B").await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;

    let (status, page) = html(&app, &bea, &format!("/tickets/{id}")).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Ticket not found"));
    assert!(!page.contains("Private matter"));
}

#[tokio::test]
async fn an_admin_sets_business_hours_without_javascript_and_a_bad_zone_shows_at_its_field() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let org = app.org_id("Acme Dental").await;
    let page = format!("/admin/orgs/{org}");
    let org_text = org.to_string();
    let mut form = vec![
        ("org_id", org_text.as_str()),
        ("time_zone", "Europe/Berlin"),
        ("start", "08:00"),
        ("end", "16:30"),
        ("mon", "on"),
        ("sat", "on"),
    ];

    let saved = app
        .post_form(
            &admin,
            app::tickets::settings::page::SaveSettings::PATH,
            &page,
            &form,
        )
        .await;
    assert_eq!(saved.status(), StatusCode::FOUND);
    let (_, s) = app
        .get(&admin, &format!("/api/v1/orgs/{org}/settings"))
        .await;
    assert_eq!(s["business_hours"]["weekdays"], "mon,sat");
    assert_eq!(s["business_hours"]["time_zone"], "Europe/Berlin");

    form[1] = ("time_zone", "Nowhere/Special");
    let refused = app
        .post_form(
            &admin,
            app::tickets::settings::page::SaveSettings::PATH,
            &page,
            &form,
        )
        .await;
    let location = refused.headers()["location"].to_str().unwrap().to_string();
    let (_, html_page) = html(&app, &admin, location.trim_start_matches(&app.base)).await;
    let field = html_page
        .split("id=\"hours-zone-error\"")
        .nth(1)
        .expect("the time zone's error slot");
    assert!(field[..200].contains("Unknown time zone"), "{field}");
}

#[tokio::test]
async fn the_settings_page_is_one_form_with_one_save_and_a_time_zone_picker() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let org = app.org_id("Acme Dental").await;

    let (status, page) = html(&app, &admin, &format!("/admin/orgs/{org}")).await;

    assert_eq!(status, StatusCode::OK);
    let main = page.split("<main").nth(1).expect("the page's main part");
    assert_eq!(main.matches("<form").count(), 1, "{main}");
    assert_eq!(main.matches("type=\"submit\"").count(), 1, "{main}");
    assert!(page.contains("list=\"time-zones\""), "{page}");
    assert!(
        page.contains("<option value=\"America/New_York\""),
        "{page}"
    );
    assert!(!page.contains("<option value=\"US/Eastern\""), "{page}");
    // Other takes requests without a category: it is never offered for archiving.
    let other = page.split(">Other<").nth(1).expect("Other is listed");
    let other = &other[..other.find("</li>").expect("its row ends")];
    assert!(!other.contains("archived"), "{other}");
}

#[tokio::test]
async fn one_save_keeps_every_sections_changes_and_a_later_success_clears_the_error() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let org = app.org_id("Acme Dental").await;
    let page = format!("/admin/orgs/{org}");
    let (_, before) = app
        .get(&admin, &format!("/api/v1/orgs/{org}/settings"))
        .await;
    let category = before["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] != "Other")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let org_text = org.to_string();
    let mut form = vec![
        ("org_id", org_text.as_str()),
        ("time_zone", "Eastern Time"),
        ("start", "08:00"),
        ("end", "16:00"),
        ("tue", "on"),
        ("urgent_first_response", "2"),
        ("urgent_resolution", "6"),
        ("categories[0][id]", category.as_str()),
        ("categories[0][name]", "Laptops"),
        ("categories[0][archived]", "on"),
        ("new_category", "Phones"),
    ];

    // A zone people say but the tz database does not know is refused at its field, and
    // nothing of the form is written.
    let refused = app
        .post_form(
            &admin,
            app::tickets::settings::page::SaveSettings::PATH,
            &page,
            &form,
        )
        .await;
    let location = refused.headers()["location"].to_str().unwrap().to_string();
    let (_, html_page) = html(&app, &admin, location.trim_start_matches(&app.base)).await;
    let field = html_page
        .split("id=\"hours-zone-error\"")
        .nth(1)
        .expect("the time zone's error slot");
    assert!(field[..300].contains("Unknown time zone"), "{field}");
    let (_, unchanged) = app
        .get(&admin, &format!("/api/v1/orgs/{org}/settings"))
        .await;
    assert_eq!(unchanged, before);

    form[1] = ("time_zone", "America/New_York");
    let saved = app
        .post_form(
            &admin,
            app::tickets::settings::page::SaveSettings::PATH,
            &page,
            &form,
        )
        .await;
    assert_eq!(saved.status(), StatusCode::FOUND);
    let (_, s) = app
        .get(&admin, &format!("/api/v1/orgs/{org}/settings"))
        .await;
    assert_eq!(s["business_hours"]["time_zone"], "America/New_York");
    assert_eq!(s["business_hours"]["weekdays"], "tue");
    assert_eq!(s["sla"][0]["first_response_minutes"], 120);
    assert_eq!(s["share_tickets"], false);
    let names: Vec<(&str, bool)> = s["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["archived"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(names.contains(&("Laptops", true)), "{names:?}");
    assert!(names.contains(&("Phones", false)), "{names:?}");
    let location = saved.headers()["location"].to_str().unwrap().to_string();
    let (_, after) = html(&app, &admin, location.trim_start_matches(&app.base)).await;
    assert!(!after.contains("Unknown time zone"), "{after}");
}

#[tokio::test]
async fn a_manager_sees_their_settings_page_read_only_but_for_sharing() {
    let app = spawn().await;
    let mia = app.signed_in(ACME_MANAGER).await;

    let (status, page) = html(&app, &mia, "/settings").await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Acme Dental: settings"), "{page}");
    let main = page.split("<main").nth(1).expect("the page's main part");
    assert_eq!(main.matches("type=\"submit\"").count(), 1, "{main}");
    assert!(page.contains("Save settings"));
    // Hours, targets and categories read as the provider's, not as greyed-out fields.
    assert!(page.contains("Set by your IT provider."), "{page}");
    assert!(!page.contains("name=\"time_zone\""), "{page}");
    assert!(!page.contains("<fieldset disabled"), "{page}");
    let admin_page = format!("/admin/orgs/{}", app.org_id("Acme Dental").await);
    let (status, page) = html(&app, &mia, &admin_page).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("This page is not part of your role."));
}

// ---------------------------------------------------------------------------------------------
// A page render loads its data once.
// ---------------------------------------------------------------------------------------------

/// The database's read count once nothing has read for a moment.
async fn quiet_reads(app: &TestApp) -> u64 {
    let mut last = app.db.reads();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let now = app.db.reads();
        if now == last {
            return now;
        }
        last = now;
    }
}

/// The reads `act` causes. The breach watcher reads on its own clock, so the least of three
/// runs is the request's own count.
async fn reads_of<F, Fut>(app: &TestApp, act: F) -> u64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut least = u64::MAX;
    for _ in 0..3 {
        let before = quiet_reads(app).await;
        act().await;
        least = least.min(quiet_reads(app).await - before);
    }
    least
}

/// Calls a server function as the app does, with url-encoded arguments.
async fn call(app: &TestApp, client: &Client, path: &str, form: &[(&str, String)]) {
    let res = client.post(app.url(path)).form(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
}

/// A server function and its url-encoded arguments.
struct ServerCall {
    path: &'static str,
    form: Vec<(&'static str, String)>,
}

impl ServerCall {
    fn new(path: &'static str, form: &[(&'static str, &str)]) -> Self {
        let form = form.iter().map(|(k, v)| (*k, v.to_string())).collect();
        ServerCall { path, form }
    }
}

/// A page as `who` opens it, and the server functions whose data it shows.
struct Page {
    who: &'static str,
    page: String,
    data: Vec<ServerCall>,
}

impl Page {
    fn new(who: &'static str, page: &str, data: Vec<ServerCall>) -> Self {
        Page {
            who,
            page: page.to_string(),
            data,
        }
    }
}

#[tokio::test]
async fn each_main_page_reads_its_data_once_per_server_render() {
    use app::reports::dashboard::LoadDashboard;
    use app::tickets::{list::ListTickets, queue::LoadQueue, view::GetTicket};
    use app::wiki::pages::{GetArticle, ListArticles};
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file_request(&app, &rob, "Screen flickers", "Since Monday")
        .await
        .to_string();
    let ticket_data = || vec![ServerCall::new(GetTicket::PATH, &[("id", &id)])];
    // Staff also get the ticket's "Email" section, which loads on its own.
    let staff_ticket_data = || {
        let mut data = ticket_data();
        data.push(ServerCall::new(
            app::mail::page::LoadTicketMail::PATH,
            &[("id", &id)],
        ));
        data
    };
    let pages = [
        Page::new(TECH, &format!("/tickets/{id}"), staff_ticket_data()),
        Page::new(ACME_REQUESTER, &format!("/tickets/{id}"), ticket_data()),
        Page::new(
            TECH,
            "/tickets",
            vec![ServerCall::new(LoadQueue::PATH, &[])],
        ),
        Page::new(
            ACME_REQUESTER,
            "/tickets",
            vec![ServerCall::new(ListTickets::PATH, &[])],
        ),
        Page::new(
            ACME_MANAGER,
            "/reports",
            vec![ServerCall::new(LoadDashboard::PATH, &[])],
        ),
        Page::new(
            ACME_REQUESTER,
            "/wiki",
            vec![ServerCall::new(ListArticles::PATH, &[])],
        ),
        Page::new(
            ACME_REQUESTER,
            "/wiki/printer-offline",
            vec![ServerCall::new(
                GetArticle::PATH,
                &[("slug", "printer-offline")],
            )],
        ),
    ];
    for Page { who, page, data } in pages {
        let client = app.signed_in(who).await;
        // What every page costs: the shell and the signed-in caller, as on a page with no data.
        let shell = reads_of(&app, || async {
            browser_get(&app, &client, "/no-such-page").await;
        })
        .await;
        let once = reads_of(&app, || async {
            for ServerCall { path, form } in &data {
                call(&app, &client, path, form).await;
            }
        })
        .await;
        let rendered = reads_of(&app, || async {
            let (status, _) = html(&app, &client, &page).await;
            assert_eq!(status, StatusCode::OK, "{page} as {who}");
        })
        .await;

        eprintln!("{who} {page}: shell {shell}, data {once}, page {rendered}");
        assert!(once > 0, "{page}: its data comes from the database");
        assert!(
            rendered <= shell + once,
            "{page} as {who} read the database {rendered} times; its data takes {once} and the \
             shell {shell}: something on the page loads twice"
        );
    }
}

/// Pages render while other applications start in the same process: starting one lists the
/// pages' routes, and a page whose data began loading meanwhile used to wait forever.
#[tokio::test]
async fn pages_render_while_other_applications_start() {
    let app = spawn().await;
    let client = app.signed_in(ACME_REQUESTER).await;
    let starting: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                for _ in 0..3 {
                    let dir = tempfile::tempdir().expect("a temporary directory");
                    let settings = server::settings::Settings::for_dir(dir.path());
                    runtime
                        .block_on(server::startup::Application::build(&settings))
                        .expect("the server starts");
                }
            })
        })
        .collect();
    while !starting.iter().all(|thread| thread.is_finished()) {
        let res = client
            .get(app.url("/tickets"))
            .header("accept", "text/html")
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .expect("the page answers within seconds");
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.expect("the whole page arrives");
        assert!(html.contains("</html>"), "the page is complete");
    }
    for thread in starting {
        thread.join().expect("every application started");
    }
}

#[tokio::test]
async fn the_password_form_without_javascript_ends_other_sessions_and_can_revoke_every_token() {
    let app = spawn().await;
    let laptop = app.signed_in(BIRCH_REQUESTER).await;
    let phone = app.signed_in(BIRCH_REQUESTER).await;
    let (_, token) = app
        .post(
            &laptop,
            "/api/v1/tokens",
            serde_json::json!({ "name": "t" }),
        )
        .await;
    let secret = token["secret"].as_str().expect("a secret").to_string();

    let res = app
        .post_form(
            &laptop,
            app::profile::ChangePassword::PATH,
            "/profile",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "a much better password"),
                ("confirm", "a much better password"),
                ("revoke_tokens", "on"),
            ],
        )
        .await;

    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(!location.contains("__err"), "{location}");
    let (status, page) = html(&app, &laptop, "/profile").await;
    assert_eq!(status, StatusCode::OK, "this session stays signed in");
    assert!(page.contains("Also revoke all my API tokens"), "{page}");
    assert_eq!(
        app.get(&phone, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let script = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_made_without_javascript_has_its_access_and_expiry_and_its_secret_shows_once() {
    let app = spawn().await;
    let client = app.signed_in(TECH).await;
    let last_day = (time::OffsetDateTime::now_utc() + time::Duration::days(40)).date();

    let res = app
        .post_form(
            &client,
            app::profile::CreateToken::PATH,
            "/profile",
            &[
                ("name", "nightly report"),
                ("scope", "read_only"),
                ("expires_in_days", "date"),
                ("expires_on", &last_day.to_string()),
            ],
        )
        .await;

    assert!(res.status().is_redirection(), "{}", res.status());
    let (_, tokens) = app.get(&client, "/api/v1/tokens").await;
    assert_eq!(tokens[0]["scope"], "read_only", "{tokens}");
    let (_, page) = html(&app, &client, "/profile").await;
    let table = page.split("<table").nth(1).expect("the tokens' table");
    assert!(table.contains("Read only"), "{table}");
    assert!(table.contains(&last_day.to_string()), "{table}");
    let notice = page
        .split("Copy the new token")
        .nth(1)
        .expect("the secret is shown");
    let secret = notice
        .split("dsk_")
        .nth(1)
        .map(|rest| format!("dsk_{}", &rest[..64]))
        .expect("the secret");
    let works = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(works.status(), StatusCode::OK);
    let (_, again) = html(&app, &client, "/profile").await;
    assert!(!again.contains(&secret), "shown once only");
}

#[tokio::test]
async fn a_token_on_a_date_left_empty_without_javascript_says_so_at_the_date() {
    let app = spawn().await;
    let client = app.signed_in(TECH).await;

    let res = app
        .post_form(
            &client,
            app::profile::CreateToken::PATH,
            "/profile",
            &[
                ("name", "nightly report"),
                ("scope", "read_write"),
                ("expires_in_days", "date"),
                ("expires_on", ""),
            ],
        )
        .await;

    let location = res.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = html(&app, &client, location.trim_start_matches(&app.base)).await;
    let field = page
        .split("id=\"token-expires-on-error\"")
        .nth(1)
        .expect("the date's error slot");
    assert!(field[..200].contains("Choose the date."), "{field}");
    let (_, tokens) = app.get(&client, "/api/v1/tokens").await;
    assert_eq!(tokens, serde_json::json!([]));
}

#[tokio::test]
async fn a_running_timer_shows_in_the_header_of_every_page_with_its_ticket_and_stop() {
    // Arrange
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = file_request(&app, &rob, "Docking station", "It stays dark").await;
    let tom = app.signed_in(TECH).await;
    let (_, before) = html(&app, &tom, "/wiki").await;
    let (status, _) = app
        .post(
            &tom,
            "/api/v1/timer",
            serde_json::json!({ "ticket_id": id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Act
    let (_, wiki) = html(&app, &tom, "/wiki").await;
    let (_, reports) = html(&app, &tom, "/reports").await;
    let (_, requester) = html(&app, &rob, "/wiki").await;

    // Assert
    assert!(!before.contains("header-timer"), "{before}");
    for page in [&wiki, &reports] {
        let header = page.split("</header>").next().expect("a header");
        let timer = header
            .split("class=\"header-timer\"")
            .nth(1)
            .expect("a timer");
        assert!(
            timer.contains(&format!("href=\"/tickets/{id}\"")),
            "{timer}"
        );
        assert!(timer.contains("Timer running on </span>#"), "{timer}");
        assert!(timer.contains("0:0"), "{timer}");
        let stop = <app::reports::time_panel::StopTimer as ServerFn>::PATH;
        assert!(timer.contains(&format!("action=\"{stop}\"")), "{timer}");
    }
    assert!(!requester.contains("header-timer"));
}

/// The `Set-Cookie` header `res` sets for the theme, if any.
fn theme_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("deskside_theme="))
        .map(String::from)
}

#[tokio::test]
async fn the_chosen_theme_is_remembered_by_the_browser_and_declared_on_every_page() {
    let app = spawn().await;
    let client = app.signed_in("rob@acme.example").await;
    let (_, page) = html(&app, &client, "/profile").await;
    assert!(
        page.contains("<html lang=\"en\" data-theme=\"system\""),
        "{page}"
    );
    assert!(page.contains("<meta name=\"color-scheme\" content=\"light dark\""));

    // The account page's form, posted without JavaScript: back to the page, the cookie set.
    let res = app
        .post_form(
            &client,
            app::theme::ChooseTheme::PATH,
            "/profile",
            &[("theme", "dark")],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let cookie = theme_cookie(&res).expect("the theme's cookie");
    for part in [
        "deskside_theme=dark",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=31536000",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    for path in ["/profile", "/tickets", "/wiki"] {
        let (_, page) = html(&app, &client, path).await;
        assert!(
            page.contains("<html lang=\"en\" data-theme=\"dark\""),
            "{path}: {page}"
        );
        assert!(
            page.contains("<meta name=\"color-scheme\" content=\"dark\""),
            "{path}"
        );
        // The account page's radio shows the choice.
        if path == "/profile" {
            assert!(
                page.contains("id=\"theme-dark\" name=\"theme\" value=\"dark\" checked"),
                "{page}"
            );
        }
    }

    // With JavaScript: the same call answers the choice, and sets the cookie just the same.
    let res = client
        .post(app.url(app::theme::ChooseTheme::PATH))
        .form(&[("theme", "light")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(theme_cookie(&res).is_some_and(|c| c.starts_with("deskside_theme=light;")));
    let (_, page) = html(&app, &client, "/").await;
    assert!(page.contains("data-theme=\"light\""));

    // Anything else is refused with a message, and leaves the choice as it was.
    let res = client
        .post(app.url(app::theme::ChooseTheme::PATH))
        .form(&[("theme", "blue")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(theme_cookie(&res).is_none());
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose light, dark or the same as this device.")
    );
    let (_, page) = html(&app, &client, "/").await;
    assert!(page.contains("data-theme=\"light\""));

    // A cookie someone made up is the device's setting, written nowhere into the page.
    let (_, page) = html(&app, &Client::new(), "/login").await;
    assert!(page.contains("data-theme=\"system\""));
    let res = Client::new()
        .get(app.url("/login"))
        .header("accept", "text/html")
        .header("cookie", "deskside_theme=\"><script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("data-theme=\"system\""));
    assert!(!page.contains("alert(1)"));
}

/// The `Set-Cookie` header `res` sets for the chosen time zone, if any.
fn time_zone_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("deskside_time_zone="))
        .map(String::from)
}

/// The first `<time>` after `marker` in `page`: its `datetime` and its `title`.
fn time_after<'a>(page: &'a str, marker: &str) -> (&'a str, &'a str) {
    let rest = page
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("{marker} in {page}"));
    let tag = rest
        .split("<time ")
        .nth(1)
        .and_then(|t| t.split('>').next())
        .expect("a <time>");
    let attribute = |name: &str| {
        tag.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or_else(|| panic!("{name} in {tag}"))
    };
    (attribute("datetime"), attribute("title"))
}

/// `datetime` as the clocks in `zone` read it: `2026-12-07 18:05`.
fn local(datetime: &str, zone: &str) -> String {
    let at: jiff::Timestamp = datetime.parse().expect("an RFC 3339 time");
    jiff::tz::TimeZone::get(zone)
        .expect("a zone")
        .to_datetime(at)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

#[tokio::test]
async fn times_show_in_the_chosen_zone_else_the_browsers_else_utc() {
    // Arrange: a ticket, read by a browser that has told no zone yet.
    let app = spawn().await;
    // A browser whose cookies the test can add to, as the hydrated page would.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let rob = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = app.login(&rob, ACME_REQUESTER, DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = file_request(&app, &rob, "Monitor flickers", "Since this morning").await;
    let ticket = format!("/tickets/{id}");

    // Nothing known: UTC, said so.
    let (_, page) = html(&app, &rob, &ticket).await;
    assert!(
        page.contains("data-time-zone=\"UTC\" data-time-zone-source=\"default\""),
        "{page}"
    );
    let (at, title) = time_after(&page, "opened ");
    assert_eq!(title, format!("{} UTC", local(at, "UTC")));
    assert!(page.contains("just now"), "{page}");

    // The zone the hydrated page remembered for this browser (Nepal: 5 h 45 min ahead).
    let base: reqwest::Url = app.base.parse().unwrap();
    jar.add_cookie_str("deskside_browser_time_zone=Asia/Kathmandu; Path=/", &base);
    let (_, page) = html(&app, &rob, &ticket).await;
    assert!(page.contains("data-time-zone=\"Asia/Kathmandu\" data-time-zone-source=\"browser\""));
    let (at, title) = time_after(&page, "opened ");
    assert_eq!(
        title,
        format!("{} Asia/Kathmandu", local(at, "Asia/Kathmandu"))
    );

    // Act: a zone chosen on the account page, without JavaScript.
    let res = app
        .post_form(
            &rob,
            app::clock::ChooseTimeZone::PATH,
            "/profile",
            &[("time_zone", " america/new_york ")],
        )
        .await;

    // Assert: the cookie, then every page in that zone, even over the browser's.
    assert!(res.status().is_redirection(), "{}", res.status());
    let cookie = time_zone_cookie(&res).expect("the zone's cookie");
    for part in [
        "deskside_time_zone=America/New_York",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=31536000",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    let (_, page) = html(&app, &rob, &ticket).await;
    assert!(page.contains("data-time-zone=\"America/New_York\" data-time-zone-source=\"chosen\""));
    let (at, title) = time_after(&page, "opened ");
    assert_eq!(
        title,
        format!("{} America/New_York", local(at, "America/New_York"))
    );
    let (_, profile) = html(&app, &rob, "/profile").await;
    assert!(
        profile.contains("data-time-zone-source=\"chosen\""),
        "{profile}"
    );
    assert!(
        profile.contains("name=\"time_zone\" list=\"time-zone-names\" autocomplete=\"off\" value=\"America/New_York\""),
        "{profile}"
    );
    assert!(profile.contains("Times show in America/New_York, chosen here."));

    // A zone that does not exist is refused next to the field, the choice left as it was.
    let res = rob
        .post(app.url(app::clock::ChooseTimeZone::PATH))
        .form(&[("time_zone", "Mars/Olympus_Mons")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(time_zone_cookie(&res).is_none());
    let body = res.text().await.unwrap();
    assert!(
        body.contains("time_zone") && body.contains("Unknown time zone."),
        "{body}"
    );
    let (_, page) = html(&app, &rob, &ticket).await;
    assert!(page.contains("data-time-zone=\"America/New_York\""));

    // Empty goes back to the browser's own zone: the chosen one's cookie is dropped.
    let res = rob
        .post(app.url(app::clock::ChooseTimeZone::PATH))
        .form(&[("time_zone", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = time_zone_cookie(&res).expect("the cookie, dropped");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    let (_, page) = html(&app, &rob, &ticket).await;
    assert!(
        page.contains("data-time-zone=\"Asia/Kathmandu\" data-time-zone-source=\"browser\""),
        "{page}"
    );

    // The form's zones come from the server's tz database.
    let res = rob
        .post(app.url(app::clock::TimeZoneNames::PATH))
        .send()
        .await
        .unwrap();
    let names: Vec<String> = res.json().await.unwrap();
    assert!(names.iter().any(|n| n == "Europe/Berlin") && names.iter().any(|n| n == "UTC"));
}

#[tokio::test]
async fn a_forged_time_zone_cookie_is_utc_and_written_nowhere() {
    let app = spawn().await;
    for cookie in [
        "deskside_time_zone=\"><script>alert(1)</script>",
        "deskside_time_zone=Mars/Base; deskside_browser_time_zone=../../etc/passwd",
    ] {
        let res = Client::new()
            .get(app.url("/login"))
            .header("accept", "text/html")
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let page = res.text().await.unwrap();
        assert!(page.contains("data-time-zone=\"UTC\" data-time-zone-source=\"default\""));
        assert!(
            !page.contains("alert(1)") && !page.contains("Mars/Base") && !page.contains("passwd")
        );
    }
}
