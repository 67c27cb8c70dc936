//! Sign-in under attack: guesses counted before they are checked, limits that slow guessing
//! without locking the owner out, and client addresses behind a trusted reverse proxy.

use super::support::*;
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode};
use server::settings::Settings;

/// Where the guessing comes from, and where the owner is, as the proxy reports them.
const GUESSER: &str = "203.0.113.66";
const OWNER: &str = "198.51.100.20";

/// The server sits behind a reverse proxy on this machine.
fn behind_proxy(settings: &mut Settings) {
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a range")];
}

#[tokio::test]
async fn parallel_wrong_passwords_for_one_account_get_only_five_checked() {
    let app = spawn().await;
    let client = app.client();

    let guesses: Vec<String> = (0..200).map(|i| format!("guess {i}")).collect();

    let answers = futures::future::join_all(
        guesses
            .iter()
            .map(|guess| app.login(&client, ACME_REQUESTER, guess)),
    )
    .await;

    let checked = answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    let refused: Vec<_> = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        checked <= 5,
        "{checked} of 200 parallel guesses were checked"
    );
    assert_eq!(checked + refused.len(), 200, "the others are refused");
    assert!(
        refused
            .iter()
            .all(|r| r.headers().contains_key("retry-after")),
        "every refusal says when to come back"
    );
}

#[tokio::test]
async fn someone_guessing_does_not_keep_the_owner_out() {
    let app = spawn_with(behind_proxy).await;
    let client = app.client();
    for _ in 0..5 {
        let res = app
            .login_from(&client, GUESSER, ACME_REQUESTER, "a wrong guess")
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }

    let guesser = app
        .login_from(&client, GUESSER, ACME_REQUESTER, DEMO_PASSWORD)
        .await;
    let owner = app
        .login_from(&client, OWNER, ACME_REQUESTER, DEMO_PASSWORD)
        .await;

    assert_eq!(
        guesser.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "where the guessing came from, even the right password waits"
    );
    assert_eq!(
        owner.status(),
        StatusCode::OK,
        "the owner, elsewhere, gets in"
    );
}

#[tokio::test]
async fn guesses_from_many_addresses_are_few_and_the_owner_still_gets_in_from_home() {
    let app = spawn_with(behind_proxy).await;
    let client = app.client();
    let home = app
        .login_from(&client, OWNER, ACME_REQUESTER, DEMO_PASSWORD)
        .await;
    assert_eq!(home.status(), StatusCode::OK);

    let mut checked = 0;
    for n in 1..=30 {
        let res = app
            .login_from(
                &client,
                &format!("203.0.113.{n}"),
                ACME_REQUESTER,
                "a wrong guess",
            )
            .await;
        match res.status() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(res.headers().contains_key("retry-after"));
            }
            other => panic!("guess from address {n}: {other}"),
        }
    }
    let owner = app
        .login_from(&client, OWNER, ACME_REQUESTER, DEMO_PASSWORD)
        .await;

    assert!(
        checked <= 11,
        "five failures, five from clean addresses, one spaced; not {checked} of 30"
    );
    assert_eq!(
        owner.status(),
        StatusCode::OK,
        "the owner signs in from where they did before"
    );
}

#[tokio::test]
async fn forwarding_headers_are_ignored_without_trusted_proxies() {
    let app = spawn().await;
    let client = app.client();
    for i in 0..20 {
        let res = app
            .login_from(
                &client,
                &format!("203.0.113.{i}"),
                &format!("guess{i}@acme.example"),
                "x",
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }

    let res = app
        .login_from(&client, OWNER, ACME_MANAGER, DEMO_PASSWORD)
        .await;

    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "every guess came from this one connecting address"
    );
}

/// Fails twenty sign-ins on made-up accounts from `address`, using up its allowance.
async fn use_up(app: &TestApp, client: &Client, address: &str) {
    for i in 0..20 {
        let res = app
            .login_from(client, address, &format!("guess{i}@acme.example"), "x")
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limits_and_cannot_hide_behind_another() {
    let app = spawn_with(behind_proxy).await;
    let client = app.client();
    use_up(&app, &client, GUESSER).await;

    let guesser = app
        .login_from(&client, GUESSER, ACME_MANAGER, DEMO_PASSWORD)
        .await;
    let spoofed = app
        .login_from(
            &client,
            &format!("{OWNER}, {GUESSER}"),
            ACME_MANAGER,
            DEMO_PASSWORD,
        )
        .await;
    let owner = app
        .login_from(&client, OWNER, ACME_MANAGER, DEMO_PASSWORD)
        .await;

    assert_eq!(guesser.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        spoofed.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "an address the client wrote in front of its own is not believed"
    );
    assert_eq!(owner.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_form_sign_in_reads_the_client_address_the_same_way() {
    let app = spawn_with(behind_proxy).await;
    let client = app.client();
    use_up(&app, &client, GUESSER).await;
    let form_post = |address: &'static str| {
        client
            .post(app.url(app::auth::Login::PATH))
            .header("accept", "text/html")
            .header("referer", app.url("/login"))
            .header("x-forwarded-for", address)
            .form(&[
                ("email", ACME_MANAGER),
                ("password", DEMO_PASSWORD),
                ("next", ""),
            ])
            .send()
    };

    let refused = form_post(GUESSER).await.expect("an answer");
    let signed_in = form_post(OWNER).await.expect("an answer");

    let back = refused.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("/login?"), "back to the form: {back}");
    let page = client
        .get(app.url(back.trim_start_matches(&app.base)))
        .header("accept", "text/html")
        .send()
        .await
        .expect("the page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("Too many sign-in attempts. To protect the account, please wait"),
        "{page}"
    );
    assert_eq!(signed_in.status(), StatusCode::FOUND);
    assert_eq!(signed_in.headers()["location"], "/");
}
