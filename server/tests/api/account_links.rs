//! Invitations and password resets by mailed link: what the outbox gets, links that work
//! once and expire, the same answer for every address, other sessions ended, two-factor
//! sign-in kept, the rate limit, and the pages with JavaScript off.

use super::support::*;
use app::accounts::User;
use app::accounts::links::RESET_SENT;
use leptos::server_fn::ServerFn;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// One message in the outbox, as the sender will deliver it.
#[derive(Debug, sqlx::FromRow)]
pub struct Mail {
    pub account_id: Option<i64>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub sensitive: bool,
    pub status: String,
}

/// The outbox's messages of `kind` to `to`, oldest first.
pub async fn outbox(app: &TestApp, kind: &str, to: &str) -> Vec<Mail> {
    sqlx::query_as(
        "select account_id, subject, body_text, body_html, sensitive, status \
         from mail_outbox where kind = ? and to_address = ? order by id",
    )
    .bind(kind)
    .bind(to)
    .fetch_all(app.db.pool())
    .await
    .expect("the outbox")
}

/// The secret in a message's link (`…/invite/SECRET` or `…/reset/SECRET`).
fn secret_in(text: &str) -> String {
    let start = ["/invite/", "/reset/"]
        .iter()
        .find_map(|page| text.find(page).map(|at| at + page.len()))
        .unwrap_or_else(|| panic!("a link in {text:?}"));
    text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// The secret of the newest link of `kind` mailed to `to`.
pub async fn link_token(app: &TestApp, kind: &str, to: &str) -> String {
    let mail = outbox(app, kind, to).await;
    secret_in(&mail.last().expect("a message").body_text)
}

/// Posts a mailed link's password form at `page_path` as a browser without JavaScript would.
async fn set_password_by_form(
    app: &TestApp,
    client: &Client,
    page_path: &str,
    purpose: &str,
    token: &str,
    password: &str,
    confirm: &str,
) -> reqwest::Response {
    app.post_form(
        client,
        app::accounts::links::page::UseMailedLink::PATH,
        page_path,
        &[
            ("purpose", purpose),
            ("token", token),
            ("password", password),
            ("confirm", confirm),
        ],
    )
    .await
}

/// Invites a requester to Acme as its manager; the new person.
async fn invite(app: &TestApp, email: &str) -> User {
    let manager = app.signed_in(ACME_MANAGER).await;
    let (status, user) = app
        .post_as::<User>(
            &manager,
            "/api/v1/users",
            json!({ "role": "requester", "email": email, "name": "Nia New" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    user
}

async fn accept(
    app: &TestApp,
    client: &Client,
    token: &str,
    password: &str,
) -> (StatusCode, Value) {
    app.post(
        client,
        &format!("/api/v1/invitations/{token}"),
        json!({ "password": password }),
    )
    .await
}

async fn forgot(app: &TestApp, email: &str) -> (StatusCode, Value) {
    app.post(
        &app.client(),
        "/api/v1/auth/forgot",
        json!({ "email": email }),
    )
    .await
}

async fn reset(app: &TestApp, client: &Client, token: &str, password: &str) -> (StatusCode, Value) {
    app.post(
        client,
        "/api/v1/auth/reset",
        json!({ "token": token, "password": password }),
    )
    .await
}

#[tokio::test]
async fn an_invitation_goes_to_the_outbox_as_a_sensitive_link_and_accepting_it_signs_the_person_in()
{
    let app = spawn().await;

    let user = invite(&app, "nia@acme.example").await;

    let mail = outbox(&app, "invitation", "nia@acme.example").await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let mail = &mail[0];
    assert_eq!(mail.account_id, Some(user.id));
    assert!(mail.sensitive, "a link to set a password is a secret");
    assert_eq!(mail.status, "queued");
    assert_eq!(mail.subject, "You're invited to Acme Dental's help desk");
    assert!(
        mail.body_text.contains("Mia Manager invited you"),
        "{}",
        mail.body_text
    );
    let token = secret_in(&mail.body_text);
    assert_eq!(token.len(), 64);
    assert!(mail.body_text.contains(&format!("/invite/{token}")));
    assert!(
        mail.body_html.contains(&format!("/invite/{token}\"")),
        "{}",
        mail.body_html
    );
    assert!(
        !mail.body_text.to_lowercase().contains("password:"),
        "{}",
        mail.body_text
    );
    let stored: i64 = sqlx::query_scalar("select count(*) from account_link where token_hash = ?")
        .bind(&token)
        .fetch_one(app.db.pool())
        .await
        .expect("a count");
    assert_eq!(stored, 0, "only the secret's hash is stored");

    let client = app.client();
    let (status, target) = app
        .get(&client, &format!("/api/v1/invitations/{token}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{target}");
    assert_eq!(target["email"], "nia@acme.example");
    assert_eq!(target["org_name"], "Acme Dental");
    let (status, me) = accept(&app, &client, &token, "nias own password").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "nia@acme.example");
    let (status, me) = app.get(&client, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "signed in by accepting: {me}");
    let res = app
        .login(&app.client(), "nia@acme.example", "nias own password")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let admin = app.signed_in(ADMIN).await;
    let (_, users) = app.get_as::<Vec<User>>(&admin, "/api/v1/users").await;
    let nia = users.iter().find(|u| u.id == user.id).expect("Nia");
    assert!(!nia.invited, "accepted: {nia:?}");
}

#[tokio::test]
async fn an_invited_person_cannot_sign_in_and_is_answered_exactly_as_a_wrong_password() {
    let app = spawn().await;
    invite(&app, "nia@acme.example").await;

    let pending = read(app.login(&app.client(), "nia@acme.example", "").await).await;
    let guessed = read(
        app.login(&app.client(), "nia@acme.example", "any guess at all")
            .await,
    )
    .await;
    let wrong = read(
        app.login(&app.client(), ACME_REQUESTER, "a wrong password")
            .await,
    )
    .await;
    let unknown = read(
        app.login(&app.client(), "nobody@acme.example", "a wrong password")
            .await,
    )
    .await;

    assert_eq!(pending.0, StatusCode::UNAUTHORIZED);
    assert_eq!(pending, wrong);
    assert_eq!(guessed, wrong);
    assert_eq!(unknown, wrong);
}

#[tokio::test]
async fn an_invitation_link_works_once() {
    let app = spawn().await;
    invite(&app, "nia@acme.example").await;
    let token = link_token(&app, "invitation", "nia@acme.example").await;
    let (status, _) = accept(&app, &app.client(), &token, "nias own password").await;
    assert_eq!(status, StatusCode::OK);

    let (again, body) = accept(&app, &app.client(), &token, "someone elses password").await;
    let (read_again, _) = app
        .get(&app.client(), &format!("/api/v1/invitations/{token}"))
        .await;

    assert_eq!(again, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(read_again, StatusCode::UNPROCESSABLE_ENTITY);
    let message = body["error"]["fields"]["token"][0]
        .as_str()
        .expect("a message");
    assert!(message.contains("expired or was already used"), "{message}");
    let res = app
        .login(&app.client(), "nia@acme.example", "someone elses password")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_invitation_link_is_refused_with_a_clear_message_on_the_page_too() {
    let app = spawn().await;
    invite(&app, "nia@acme.example").await;
    let token = link_token(&app, "invitation", "nia@acme.example").await;
    sqlx::query("update account_link set expires_at = '2000-01-01T00:00:00.000Z'")
        .execute(app.db.pool())
        .await
        .expect("the link expired");

    let (status, body) = accept(&app, &app.client(), &token, "nias own password").await;
    let page = app
        .page_text(&app.client(), &format!("/invite/{token}"))
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["token"][0]
            .as_str()
            .is_some_and(|m| m.contains("Ask whoever invited you to send a new invitation")),
        "{body}"
    );
    assert!(page.contains("This link no longer works"), "{page}");
    assert!(page.contains("send a new invitation"), "{page}");
    assert!(
        !page.contains("name=\"password\""),
        "no form for a dead link"
    );
}

#[tokio::test]
async fn resending_an_invitation_ends_the_old_link_and_is_refused_once_accepted() {
    let app = spawn().await;
    let user = invite(&app, "nia@acme.example").await;
    let old = link_token(&app, "invitation", "nia@acme.example").await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let (status, body) = app
        .post(
            &manager,
            &format!("/api/v1/users/{}/invitation", user.id),
            json!({}),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        outbox(&app, "invitation", "nia@acme.example").await.len(),
        2
    );
    let new = link_token(&app, "invitation", "nia@acme.example").await;
    assert_ne!(new, old);
    let (status, _) = accept(&app, &app.client(), &old, "nias own password").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old link ended"
    );
    let (status, _) = accept(&app, &app.client(), &new, "nias own password").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            &manager,
            &format!("/api/v1/users/{}/invitation", user.id),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn a_manager_invites_and_reinvites_only_in_their_own_org_and_technicians_and_requesters_not_at_all()
 {
    let app = spawn().await;
    let birch = app.org_id("Birch Accounting").await;
    let admin = app.signed_in(ADMIN).await;
    let (status, bob) = app
        .post_as::<User>(
            &admin,
            "/api/v1/users",
            json!({ "org_id": birch, "role": "requester", "email": "bob@birch.example",
                    "name": "Bob New" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let resend = format!("/api/v1/users/{}/invitation", bob.id);
    let person = |org: i64| {
        json!({ "org_id": org, "role": "requester",
                                    "email": "x@example.com", "name": "X" })
    };
    let acme = app.org_id("Acme Dental").await;

    let acme_manager = app.signed_in(ACME_MANAGER).await;
    let (other_org_invite, _) = app
        .post(&acme_manager, "/api/v1/users", person(birch))
        .await;
    let (other_org_resend, _) = app.post(&acme_manager, &resend, json!({})).await;
    let birch_manager = app.signed_in(BIRCH_MANAGER).await;
    let (own_org_resend, _) = app.post(&birch_manager, &resend, json!({})).await;
    let tech = app.signed_in(TECH).await;
    let (tech_invite, _) = app.post(&tech, "/api/v1/users", person(acme)).await;
    let (tech_resend, _) = app.post(&tech, &resend, json!({})).await;
    let requester = app.signed_in(BIRCH_REQUESTER).await;
    let (requester_invite, _) = app.post(&requester, "/api/v1/users", person(birch)).await;
    let (requester_resend, _) = app.post(&requester, &resend, json!({})).await;

    assert_eq!(other_org_invite, StatusCode::NOT_FOUND);
    assert_eq!(other_org_resend, StatusCode::NOT_FOUND);
    assert_eq!(own_org_resend, StatusCode::OK);
    assert_eq!(tech_invite, StatusCode::FORBIDDEN);
    assert_eq!(tech_resend, StatusCode::FORBIDDEN);
    assert_eq!(requester_invite, StatusCode::FORBIDDEN);
    assert_eq!(requester_resend, StatusCode::FORBIDDEN);
    assert_eq!(outbox(&app, "invitation", "x@example.com").await.len(), 0);
    assert_eq!(
        outbox(&app, "invitation", "bob@birch.example").await.len(),
        2
    );
}

#[tokio::test]
async fn forgot_answers_alike_for_known_unknown_and_deactivated_addresses_and_mails_only_the_known_active()
 {
    let app = spawn().await;
    let raj = app.user_id("raj@acme.example").await;
    let admin = app.signed_in(ADMIN).await;
    let (status, _) = app
        .send(
            &admin,
            Method::PATCH,
            &format!("/api/v1/users/{raj}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let known = forgot(&app, "Rob@Acme.example").await;
    let unknown = forgot(&app, "nobody@acme.example").await;
    let deactivated = forgot(&app, "raj@acme.example").await;

    assert_eq!(known.0, StatusCode::ACCEPTED);
    assert_eq!(known.1["message"], RESET_SENT);
    assert_eq!(unknown, known);
    assert_eq!(deactivated, known);
    let rob = outbox(&app, "password_reset", ACME_REQUESTER).await;
    assert_eq!(rob.len(), 1);
    assert!(rob[0].sensitive);
    assert_eq!(rob[0].subject, "Reset your Deskside password");
    assert!(rob[0].body_text.contains("/reset/"), "{}", rob[0].body_text);
    assert!(
        outbox(&app, "password_reset", "nobody@acme.example")
            .await
            .is_empty()
    );
    assert!(
        outbox(&app, "password_reset", "raj@acme.example")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_reset_ends_every_other_session_and_its_link_works_once() {
    let app = spawn().await;
    let old_session = app.signed_in(ACME_REQUESTER).await;
    forgot(&app, ACME_REQUESTER).await;
    let token = link_token(&app, "password_reset", ACME_REQUESTER).await;
    let client = app.client();

    let (status, me) = reset(&app, &client, &token, "a brand new password").await;

    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], ACME_REQUESTER);
    assert_eq!(app.get(&client, "/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(
        app.get(&old_session, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the session signed in with the old password ended"
    );
    let old = app
        .login(&app.client(), ACME_REQUESTER, DEMO_PASSWORD)
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = app
        .login(&app.client(), ACME_REQUESTER, "a brand new password")
        .await;
    assert_eq!(new.status(), StatusCode::OK);
    let (again, body) = reset(&app, &app.client(), &token, "yet another password").await;
    assert_eq!(again, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn a_reset_keeps_two_factor_sign_in_and_ends_a_sign_in_waiting_for_its_code() {
    let app = spawn().await;
    let owner = app.signed_in(ACME_MANAGER).await;
    let (_, recovery) = super::two_factor::enrol(&app, &owner).await;
    let waiting = app.client();
    let res = app.login(&waiting, ACME_MANAGER, DEMO_PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::ACCEPTED,
        "the old password's sign-in waits for a code"
    );
    forgot(&app, ACME_MANAGER).await;
    let token = link_token(&app, "password_reset", ACME_MANAGER).await;
    let client = app.client();

    let (status, body) = reset(&app, &client, &token, "a brand new password").await;

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["two_factor_required"], true);
    assert_eq!(
        app.get(&client, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .post(
            &waiting,
            "/api/v1/auth/two-factor",
            json!({ "code": recovery[0] }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the waiting sign-in ended with the reset"
    );
    let (status, body) = app
        .post(
            &client,
            "/api/v1/auth/two-factor",
            json!({ "code": recovery[1] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.get(&client, "/api/v1/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn asking_for_reset_links_too_often_is_refused_with_what_to_do() {
    let app = spawn().await;
    for _ in 0..3 {
        assert_eq!(forgot(&app, ACME_REQUESTER).await.0, StatusCode::ACCEPTED);
    }

    let (status, body) = forgot(&app, ACME_REQUESTER).await;
    let res = app
        .post_form(
            &app.client(),
            app::accounts::links::page::RequestReset::PATH,
            "/forgot",
            &[("email", ACME_REQUESTER)],
        )
        .await;
    let location = res.headers()["location"]
        .to_str()
        .expect("a location")
        .to_string();
    let page = app
        .page_text(&app.client(), location.trim_start_matches(&app.base))
        .await;

    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "rate_limited");
    assert_eq!(
        outbox(&app, "password_reset", ACME_REQUESTER).await.len(),
        3
    );
    assert!(
        page.contains("Too many reset links were asked for"),
        "{page}"
    );
}

#[tokio::test]
async fn without_javascript_the_sign_in_page_links_to_forgot_which_answers_on_the_page() {
    let app = spawn().await;
    let login = app.page_text(&app.client(), "/login").await;
    assert!(login.contains("href=\"/forgot\""), "{login}");

    let res = app
        .post_form(
            &app.client(),
            app::accounts::links::page::RequestReset::PATH,
            "/forgot",
            &[("email", "nobody@acme.example")],
        )
        .await;

    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/forgot?sent=1");
    let page = app.page_text(&app.client(), "/forgot?sent=1").await;
    assert!(page.contains("If an account uses that address"), "{page}");
}

#[tokio::test]
async fn without_javascript_an_invitation_is_accepted_on_its_page_and_mismatched_passwords_are_told()
 {
    let app = spawn().await;
    invite(&app, "nia@acme.example").await;
    let token = link_token(&app, "invitation", "nia@acme.example").await;
    let page_path = format!("/invite/{token}");
    let client = app.client();
    let page = app.page_text(&client, &page_path).await;
    assert!(page.contains("Nia New"), "{page}");
    assert!(page.contains("nia@acme.example"), "{page}");

    let differ = set_password_by_form(
        &app,
        &client,
        &page_path,
        "invitation",
        &token,
        "nias own password",
        "nias own passwort",
    )
    .await;
    let location = differ.headers()["location"]
        .to_str()
        .expect("a location")
        .to_string();
    let again = app
        .page_text(&client, location.trim_start_matches(&app.base))
        .await;
    assert!(again.contains("The two passwords differ."), "{again}");

    let res = set_password_by_form(
        &app,
        &client,
        &page_path,
        "invitation",
        &token,
        "nias own password",
        "nias own password",
    )
    .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/");
    let home = app.page_text(&client, "/").await;
    assert!(home.contains("Hello, Nia New"), "{home}");
}

#[tokio::test]
async fn an_invitations_link_posted_as_a_reset_sets_no_password() {
    let app = spawn().await;
    invite(&app, "nia@acme.example").await;
    let token = link_token(&app, "invitation", "nia@acme.example").await;
    let page_path = format!("/reset/{token}");
    let client = app.client();

    let res = set_password_by_form(
        &app,
        &client,
        &page_path,
        "password_reset",
        &token,
        "nias own password",
        "nias own password",
    )
    .await;

    let location = res.headers()["location"]
        .to_str()
        .expect("a location")
        .to_string();
    assert_ne!(location, "/", "the wrong purpose signed nobody in");
    let again = app
        .page_text(&client, location.trim_start_matches(&app.base))
        .await;
    assert!(again.contains("This reset link has expired"), "{again}");
    let invitation = app.page_text(&client, &format!("/invite/{token}")).await;
    assert!(
        invitation.contains("Choose a password for"),
        "the invitation still works: {invitation}"
    );
}

#[tokio::test]
async fn the_people_page_shows_who_is_invited_and_not_yet_accepted() {
    let app = spawn().await;
    invite(&app, "nia@acme.example").await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let page = app.page_text(&manager, "/people").await;

    assert!(page.contains("Invited, not yet accepted"), "{page}");
    assert!(page.contains("Resend invitation"), "{page}");
    assert!(!page.contains("Initial password"), "{page}");
}
