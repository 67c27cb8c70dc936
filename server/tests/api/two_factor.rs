//! Two-factor sign-in: setting it up, the second step of signing in (REST and the sign-in
//! form), recovery codes, replayed and wrong codes, and the admin's requirement for staff.

use super::support::*;
use leptos::server_fn::ServerFn;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The code an authenticator app shows for `secret` (as the setup shows it) `steps` time
/// steps from now.
fn code(secret: &str, steps: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("a generator");
    let at = now().saturating_add_signed(steps * 30);
    totp.generate(at).to_string()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Waits, if need be, until the current 30-second step has a few seconds left, so the codes a
/// test computes are checked in the step they were computed for.
async fn early_in_a_step() {
    let into = now() % 30;
    if into > 24 {
        tokio::time::sleep(Duration::from_secs(31 - into)).await;
    }
}

/// Sets two-factor sign-in up for the client's account through the REST API; answers the
/// secret and the recovery codes. The confirming code is the previous step's, so the steps
/// now and next remain for signing in.
pub async fn enrol(app: &TestApp, client: &Client) -> (String, Vec<String>) {
    early_in_a_step().await;
    let (status, setup) = app
        .post(client, "/api/v1/me/two-factor/setup", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let secret = setup["secret"].as_str().expect("a secret").to_string();
    let (status, codes) = app
        .post(
            client,
            "/api/v1/me/two-factor/confirm",
            json!({ "code": code(&secret, -1) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{codes}");
    let codes = codes["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_string())
        .collect();
    (secret, codes)
}

async fn second_step(app: &TestApp, client: &Client, code: &str) -> (StatusCode, Value) {
    app.post(client, "/api/v1/auth/two-factor", json!({ "code": code }))
        .await
}

/// Signs in with the password; asserts the answer asks for the second step.
async fn password_step(app: &TestApp, client: &Client, email: &str) {
    let (status, body) = read(app.login(client, email, DEMO_PASSWORD).await).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["two_factor_required"], true);
}

/// Calls a server function as the app does; status and JSON.
async fn call(
    app: &TestApp,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    read(
        client
            .post(app.url(path))
            .form(form)
            .send()
            .await
            .expect("an answer"),
    )
    .await
}

#[tokio::test]
async fn two_factor_is_switched_on_only_by_a_current_code_and_then_shows_ten_recovery_codes() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (status, setup) = app
        .post(&rob, "/api/v1/me/two-factor/setup", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let secret = setup["secret"].as_str().unwrap();
    assert!(
        setup["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Deskside:")
    );
    assert!(
        setup["qr_code"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml,")
    );

    let (status, wrong) = app
        .post(
            &rob,
            "/api/v1/me/two-factor/confirm",
            json!({ "code": "000000" }),
        )
        .await;
    let (_, still_off) = app.get(&rob, "/api/v1/me/two-factor").await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&wrong), "invalid");
    assert!(wrong["error"]["fields"]["code"].is_array(), "{wrong}");
    assert_eq!(still_off["enabled"], false);
    assert_eq!(still_off["setup"]["secret"], secret, "the setup waits");

    early_in_a_step().await;
    let (status, codes) = app
        .post(
            &rob,
            "/api/v1/me/two-factor/confirm",
            json!({ "code": code(secret, 0) }),
        )
        .await;
    let (_, on) = app.get(&rob, "/api/v1/me/two-factor").await;

    assert_eq!(status, StatusCode::OK, "{codes}");
    let codes = codes["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(on["enabled"], true);
    assert_eq!(on["recovery_codes_left"], 10);
    assert!(on["setup"].is_null());
    assert!(
        !on.to_string().contains(codes[0].as_str().unwrap()),
        "codes are shown once"
    );
    let (status, again) = app
        .post(&rob, "/api/v1/me/two-factor/setup", json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a setup never replaces a working app: {again}"
    );
}

#[tokio::test]
async fn with_two_factor_on_the_password_alone_signs_nobody_in() {
    let app = spawn().await;
    let (secret, _) = enrol(&app, &app.signed_in(ACME_MANAGER).await).await;
    let client = app.client();

    password_step(&app, &client, ACME_MANAGER).await;
    let (before, _) = app.get(&client, "/api/v1/me").await;
    let (wrong, body) = second_step(&app, &client, "123456").await;
    let (right, me) = second_step(&app, &client, &code(&secret, 0)).await;
    let (after, _) = app.get(&client, "/api/v1/me").await;

    assert_eq!(before, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["fields"]["code"][0],
        "That code is not right."
    );
    assert_eq!(right, StatusCode::OK, "{me}");
    assert_eq!(me["email"], ACME_MANAGER);
    assert_eq!(after, StatusCode::OK);
}

#[tokio::test]
async fn a_code_is_accepted_once_even_within_its_time_step() {
    let app = spawn().await;
    let (secret, _) = enrol(&app, &app.signed_in(ACME_MANAGER).await).await;
    let first = app.client();
    password_step(&app, &first, ACME_MANAGER).await;
    let (status, _) = second_step(&app, &first, &code(&secret, 0)).await;
    assert_eq!(status, StatusCode::OK);

    let second = app.client();
    password_step(&app, &second, ACME_MANAGER).await;
    let (status, body) = second_step(&app, &second, &code(&secret, 0)).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["fields"]["code"][0]
            .as_str()
            .unwrap()
            .contains("used already")
    );
    let (status, _) = app.get(&second, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_recovery_code_signs_in_once() {
    let app = spawn().await;
    let (_, codes) = enrol(&app, &app.signed_in(ACME_REQUESTER).await).await;
    let first = app.client();
    password_step(&app, &first, ACME_REQUESTER).await;
    // People type codes loosely: case, spaces and dashes do not matter.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let (status, _) = second_step(&app, &first, &typed).await;
    assert_eq!(status, StatusCode::OK);
    let (_, status_now) = app.get(&first, "/api/v1/me/two-factor").await;
    assert_eq!(status_now["recovery_codes_left"], 9);

    let second = app.client();
    password_step(&app, &second, ACME_REQUESTER).await;
    let (reused, _) = second_step(&app, &second, &codes[3]).await;
    let (other, _) = second_step(&app, &second, &codes[4]).await;

    assert_eq!(reused, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other, StatusCode::OK);
}

#[tokio::test]
async fn five_wrong_codes_end_the_pending_sign_in() {
    let app = spawn().await;
    let (secret, _) = enrol(&app, &app.signed_in(BIRCH_REQUESTER).await).await;
    let client = app.client();
    password_step(&app, &client, BIRCH_REQUESTER).await;
    for _ in 0..5 {
        let (status, _) = second_step(&app, &client, "000000").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    let (status, body) = second_step(&app, &client, &code(&secret, 0)).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED, "start over: {body}");
    password_step(&app, &client, BIRCH_REQUESTER).await;
    let (status, _) = second_step(&app, &client, &code(&secret, 0)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_second_step_without_the_password_first_signs_nobody_in() {
    let app = spawn().await;
    let (secret, _) = enrol(&app, &app.signed_in(ACME_MANAGER).await).await;
    let stranger = app.client();

    let (status, body) = second_step(&app, &stranger, &code(&secret, 0)).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
}

#[tokio::test]
async fn turning_two_factor_off_takes_the_password_and_new_recovery_codes_replace_the_old() {
    let app = spawn().await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let (_, old_codes) = enrol(&app, &mia).await;

    let (status, body) = app
        .post(
            &mia,
            "/api/v1/me/two-factor/recovery-codes",
            json!({ "password": "wrong password" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["password"].is_array(), "{body}");
    let (status, fresh) = app
        .post(
            &mia,
            "/api/v1/me/two-factor/recovery-codes",
            json!({ "password": DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fresh["codes"].as_array().unwrap().len(), 10);
    let client = app.client();
    password_step(&app, &client, ACME_MANAGER).await;
    let (status, _) = second_step(&app, &client, &old_codes[0]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "old codes stop working"
    );

    let (status, _) = app
        .post(
            &mia,
            "/api/v1/me/two-factor/disable",
            json!({ "password": "wrong password" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .post(
            &mia,
            "/api/v1/me/two-factor/disable",
            json!({ "password": DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let res = app.login(&app.client(), ACME_MANAGER, DEMO_PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the password alone signs in again"
    );
}

#[tokio::test]
async fn staff_required_to_use_two_factor_can_use_nothing_but_its_setup_until_they_do() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let tom = app.signed_in(TECH).await;
    let (_, token) = app
        .post(&tom, "/api/v1/tokens", json!({ "name": "script" }))
        .await;
    let secret_token = token["secret"].as_str().unwrap().to_string();
    let rob = app.signed_in(ACME_REQUESTER).await;

    let (status, settings) = app
        .send(
            &admin,
            Method::PUT,
            "/api/v1/settings",
            json!({ "require_staff_two_factor": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["require_staff_two_factor"], true);

    let (status, body) = app.get(&tom, "/api/v1/tickets").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "two_factor_required");
    let by_token = reqwest::Client::new()
        .get(app.url("/api/v1/tickets"))
        .bearer_auth(&secret_token)
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), StatusCode::FORBIDDEN, "tokens too");
    let (status, _) = app.get(&tom, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "who they are still answers");
    let page = tom
        .get(app.url("/tickets?status=open"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.headers()["location"],
        "/profile/two-factor?next=%2Ftickets%3Fstatus%3Dopen",
        "the page asked for comes with them"
    );
    let setup_page = tom
        .get(app.url("/profile/two-factor"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        setup_page.status(),
        StatusCode::OK,
        "the setup page itself opens"
    );
    assert!(
        setup_page
            .text()
            .await
            .unwrap()
            .contains("Your provider requires two-factor sign-in for its staff.")
    );
    let list = <app::tickets::list::ListTickets as ServerFn>::PATH;
    let (status, _) = call(&app, &tom, list, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "server functions too");
    let (status, _) = app.get(&rob, "/api/v1/tickets").await;
    assert_eq!(status, StatusCode::OK, "the client's people are not staff");
    let signing_in = app
        .post_form(
            &app.client(),
            <app::auth::Login as ServerFn>::PATH,
            "/login",
            &[
                ("email", TECH),
                ("password", DEMO_PASSWORD),
                ("next", "/tickets"),
            ],
        )
        .await;
    assert_eq!(
        signing_in.headers()["location"],
        "/profile/two-factor?next=%2Ftickets",
        "signing in leads to the setup, on the way to the page asked for"
    );
    let before = app
        .page_text(&tom, "/profile/two-factor?next=%2Ftickets")
        .await;
    assert!(
        !before.contains("Continue where you were going"),
        "not before it is set up"
    );

    let (secret, _) = enrol(&app, &tom).await;
    let after = app
        .page_text(&tom, "/profile/two-factor?next=%2Ftickets%3Fstatus%3Dopen")
        .await;
    assert!(
        after.contains(r#"<a href="/tickets?status=open">Continue where you were going"#),
        "set up, the way on: {after}"
    );
    for elsewhere in ["https://evil.example/", "//evil.example/x", "/login"] {
        let encoded: String = url::form_urlencoded::byte_serialize(elsewhere.as_bytes()).collect();
        let page = app
            .page_text(&tom, &format!("/profile/two-factor?next={encoded}"))
            .await;
        assert!(
            !page.contains("Continue where you were going"),
            "never off this site or back to signing in: {elsewhere}"
        );
    }
    let (status, _) = app.get(&tom, "/api/v1/tickets").await;
    assert_eq!(status, StatusCode::OK, "set up, Tom works again");
    let (status, body) = app
        .post(
            &tom,
            "/api/v1/me/two-factor/disable",
            json!({ "code": code(&secret, 0) }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "required means it stays on: {body}"
    );
}

#[tokio::test]
async fn the_sign_in_form_asks_for_the_code_when_the_password_was_right() {
    let app = spawn().await;
    let (secret, _) = enrol(&app, &app.signed_in(ACME_MANAGER).await).await;
    let browser = app.client();
    let login = <app::auth::Login as ServerFn>::PATH;
    let verify = <app::two_factor::page::VerifyTwoFactor as ServerFn>::PATH;
    const STEP: &str = "/login/two-factor";

    let res = app
        .post_form(
            &browser,
            login,
            "/login",
            &[
                ("email", ACME_MANAGER),
                ("password", DEMO_PASSWORD),
                ("next", "/tickets"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/login/two-factor");
    let (status, _) = app.get(&browser, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let wrong = app
        .post_form(&browser, verify, STEP, &[("code", "000000")])
        .await;
    let back = wrong.headers()["location"].to_str().unwrap().to_string();
    let page = browser
        .get(back.clone())
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(back.contains("/login/two-factor?"), "{back}");
    assert!(
        page.contains("That code is not right."),
        "a wrong code comes back with its message"
    );
    let res = app
        .post_form(&browser, verify, STEP, &[("code", &code(&secret, 0))])
        .await;

    assert_eq!(
        res.headers()["location"],
        "/tickets",
        "where they were going"
    );
    let (status, me) = app.get(&browser, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], ACME_MANAGER);
}

#[tokio::test]
async fn the_account_page_sets_two_factor_up_and_shows_the_recovery_codes_once() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let view = <app::two_factor::page::TwoFactorView as ServerFn>::PATH;
    let begin = <app::two_factor::page::BeginTwoFactor as ServerFn>::PATH;
    let confirm = <app::two_factor::page::ConfirmTwoFactor as ServerFn>::PATH;

    let res = app.post_form(&rob, begin, "/profile/two-factor", &[]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let (_, shown) = call(&app, &rob, view, &[]).await;
    let secret = shown["status"]["setup"]["secret"]
        .as_str()
        .expect("the key")
        .to_string();
    let page = app.page_text(&rob, "/profile/two-factor").await;
    assert!(page.contains(&secret), "the page shows the key as text");
    assert!(
        page.contains("src=\"data:image/svg+xml,"),
        "and as a QR code"
    );

    let (status, wrong) = call(&app, &rob, confirm, &[("code", "000000")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
    early_in_a_step().await;
    let res = app
        .post_form(
            &rob,
            confirm,
            "/profile/two-factor",
            &[("code", &code(&secret, 0))],
        )
        .await;
    assert!(res.status().is_redirection());
    let (_, first) = call(&app, &rob, view, &[]).await;
    let (_, second) = call(&app, &rob, view, &[]).await;

    assert_eq!(first["status"]["enabled"], true);
    assert_eq!(first["new_codes"].as_array().map(Vec::len), Some(10));
    assert!(second["new_codes"].is_null(), "shown once: {second}");
}

#[tokio::test]
async fn only_admins_see_and_change_the_requirement_and_the_admin_page_offers_it() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let admin = app.signed_in(ADMIN).await;
    let save = <app::two_factor::page::SaveSiteSettings as ServerFn>::PATH;

    let (status, _) = call(&app, &tom, save, &[("require_staff_two_factor", "on")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, settings) = app.get(&admin, "/api/v1/settings").await;
    assert_eq!(settings["require_staff_two_factor"], false);
    let page = app.page_text(&admin, "/admin").await;
    assert!(page.contains("Require two-factor sign-in for provider staff"));

    let (status, saved) = call(&app, &admin, save, &[("require_staff_two_factor", "on")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved["require_staff_two_factor"], true);
    let (status, body) = app.get(&admin, "/api/v1/settings").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the admin is staff too");
    assert_eq!(error_code(&body), "two_factor_required");
}
