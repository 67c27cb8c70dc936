//! Sessions, tokens and live streams (issue #16): a password change ends one's other sessions
//! (and tokens, when asked); tokens expire and are read-only or read-write and never make
//! tokens; ending a session, token or person ends their live streams at once; and one person
//! holds only so many streams open.

use super::events::Stream;
use super::support::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;

const NEW_PASSWORD: &str = "a much better password";

/// A client that sends `secret` as its bearer token with every request, as a script does.
fn script(secret: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse().expect("a header value"),
    );
    Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

/// Creates a token from `session` with the fields of `body`; the whole answer.
async fn create_token(app: &TestApp, session: &Client, body: Value) -> Value {
    let (status, created) = app.post(session, "/api/v1/tokens", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

/// A new token's secret and id.
async fn token(app: &TestApp, session: &Client, scope: &str) -> (String, i64) {
    let created = create_token(app, session, json!({ "name": "script", "scope": scope })).await;
    (
        created["secret"].as_str().expect("a secret").to_string(),
        created["token"]["id"].as_i64().expect("an id"),
    )
}

/// Asks for a stream that must be refused: its status and error body (a stream that opens is
/// not read, as it never ends).
async fn refused_stream(app: &TestApp, client: &Client) -> (StatusCode, Value) {
    let res = client
        .get(app.url("/api/v1/events"))
        .send()
        .await
        .expect("an answer");
    if res.status().is_success() {
        return (res.status(), Value::Null);
    }
    read(res).await
}

async fn me(app: &TestApp, client: &Client) -> StatusCode {
    app.get(client, "/api/v1/me").await.0
}

fn time(value: &Value) -> OffsetDateTime {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a time, got {value}"));
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|err| panic!("{text}: {err}"))
}

// ---------------------------------------------------------------------------------------------
// 1. A password change ends one's other sessions, and tokens when asked.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn changing_the_password_ends_every_other_session_and_this_one_stays_signed_in() {
    let app = spawn().await;
    let laptop = app.signed_in(BIRCH_REQUESTER).await;
    let phone = app.signed_in(BIRCH_REQUESTER).await;
    let (secret, _) = token(&app, &laptop, "read_write").await;
    let colleague = app.signed_in(BIRCH_MANAGER).await;

    let (status, changed) = app
        .post(
            &laptop,
            "/api/v1/me/password",
            json!({ "current": DEMO_PASSWORD, "new": NEW_PASSWORD }),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["tokens_revoked"], 0);
    assert_eq!(
        me(&app, &laptop).await,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(me(&app, &phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &script(&secret)).await,
        StatusCode::OK,
        "tokens stay unless asked"
    );
    assert_eq!(me(&app, &colleague).await, StatusCode::OK, "only hers end");
    let (status, _) = app.get(&laptop, "/api/v1/tickets").await;
    assert_eq!(status, StatusCode::OK, "and it stays signed in after");
}

#[tokio::test]
async fn changing_the_password_with_revoke_tokens_revokes_every_token_too() {
    let app = spawn().await;
    let session = app.signed_in(BIRCH_REQUESTER).await;
    let (first, _) = token(&app, &session, "read_write").await;
    let (second, _) = token(&app, &session, "read_only").await;

    let (status, changed) = app
        .post(
            &session,
            "/api/v1/me/password",
            json!({ "current": DEMO_PASSWORD, "new": NEW_PASSWORD, "revoke_tokens": true }),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["tokens_revoked"], 2);
    for secret in [first, second] {
        assert_eq!(me(&app, &script(&secret)).await, StatusCode::UNAUTHORIZED);
    }
    let (_, listed) = app.get(&session, "/api/v1/tokens").await;
    assert_eq!(listed, json!([]));
    assert_eq!(me(&app, &session).await, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_ends_nothing() {
    let app = spawn().await;
    let laptop = app.signed_in(BIRCH_REQUESTER).await;
    let phone = app.signed_in(BIRCH_REQUESTER).await;

    let (status, body) = app
        .post(
            &laptop,
            "/api/v1/me/password",
            json!({ "current": "not my password", "new": NEW_PASSWORD, "revoke_tokens": true }),
        )
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["current"].is_array(), "{body}");
    assert_eq!(me(&app, &phone).await, StatusCode::OK);
}

#[tokio::test]
async fn a_token_can_neither_change_the_password_nor_create_tokens() {
    let app = spawn().await;
    let session = app.signed_in(TECH).await;
    let (secret, _) = token(&app, &session, "read_write").await;
    let script = script(&secret);

    let (password, refused) = app
        .post(
            &script,
            "/api/v1/me/password",
            json!({ "current": DEMO_PASSWORD, "new": NEW_PASSWORD }),
        )
        .await;
    let (created, body) = app
        .post(&script, "/api/v1/tokens", json!({ "name": "successor" }))
        .await;

    assert_eq!(password, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(error_code(&refused), "forbidden");
    assert_eq!(created, StatusCode::FORBIDDEN, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("signed-in session"), "{message}");
    let (_, listed) = app.get(&session, "/api/v1/tokens").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "no token was made");
    let old = app.login(&app.client(), TECH, DEMO_PASSWORD).await;
    assert_eq!(old.status(), StatusCode::OK, "the password is unchanged");
}

// ---------------------------------------------------------------------------------------------
// 2. Tokens expire, and are read-only or read-write.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_token_expires_in_90_days_unless_its_creator_chooses_days_or_a_date() {
    let app = spawn().await;
    let session = app.signed_in(TECH).await;

    let plain = create_token(&app, &session, json!({ "name": "plain" })).await;
    let month = create_token(
        &app,
        &session,
        json!({ "name": "month", "expires_in_days": 30, "scope": "read_only" }),
    )
    .await;
    let last_day = (OffsetDateTime::now_utc() + time::Duration::days(200)).date();
    let dated = create_token(
        &app,
        &session,
        json!({ "name": "dated", "expires_on": last_day.to_string() }),
    )
    .await;

    let lasts = |created: &Value| {
        time(&created["token"]["expires_at"]) - time(&created["token"]["created_at"])
    };
    let near = |lasted: time::Duration, days: i64| {
        (lasted - time::Duration::days(days)).abs() < time::Duration::minutes(1)
    };
    assert!(near(lasts(&plain), 90), "{plain}");
    assert_eq!(plain["token"]["scope"], "read_write");
    assert!(near(lasts(&month), 30), "{month}");
    assert_eq!(month["token"]["scope"], "read_only");
    let expires = time(&dated["token"]["expires_at"]);
    assert_eq!(expires.date(), last_day, "it works all of its last day");
    assert_eq!((expires.hour(), expires.minute()), (23, 59));
    let (_, listed) = app.get(&session, "/api/v1/tokens").await;
    let month_listed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "month")
        .expect("the month token");
    assert_eq!(month_listed["scope"], "read_only");
    assert_eq!(month_listed["expires_at"], month["token"]["expires_at"]);
}

#[tokio::test]
async fn a_token_lasting_too_long_or_of_an_unknown_scope_is_a_field_error() {
    let app = spawn().await;
    let session = app.signed_in(TECH).await;

    let (status, body) = app
        .post(
            &session,
            "/api/v1/tokens",
            json!({ "name": "x", "scope": "admin", "expires_in_days": 3650 }),
        )
        .await;
    let (both, both_body) = app
        .post(
            &session,
            "/api/v1/tokens",
            json!({ "name": "x", "expires_in_days": 30, "expires_on": "2030-01-01" }),
        )
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &body["error"]["fields"];
    assert!(fields["scope"].is_array(), "{body}");
    assert!(fields["expires_in_days"].is_array(), "{body}");
    assert_eq!(both, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(both_body["error"]["fields"]["expires_on"].is_array());
    let (_, listed) = app.get(&session, "/api/v1/tokens").await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn an_expired_token_is_refused_with_401() {
    let app = spawn().await;
    let session = app.signed_in(TECH).await;
    let (secret, id) = token(&app, &session, "read_write").await;
    assert_eq!(me(&app, &script(&secret)).await, StatusCode::OK);

    sqlx::query("update api_token set expires_at = '2020-01-01T00:00:00.000Z' where id = ?")
        .bind(id)
        .execute(app.db.pool())
        .await
        .expect("the token expired");

    let (status, body) = app.get(&script(&secret), "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
    let (_, listed) = app.get(&session, "/api/v1/tokens").await;
    assert_eq!(
        listed[0]["expires_at"], "2020-01-01T00:00:00Z",
        "still listed, to be revoked"
    );
}

#[tokio::test]
async fn a_read_only_token_reads_anything_its_owner_may_and_writes_nothing() {
    let app = spawn().await;
    let session = app.signed_in(ACME_REQUESTER).await;
    let (secret, _) = token(&app, &session, "read_only").await;
    let reader = script(&secret);

    let (read, tickets) = app.get(&reader, "/api/v1/tickets").await;
    let head = reader
        .head(app.url("/api/v1/tickets"))
        .send()
        .await
        .expect("an answer");
    let (write, body) = app
        .post(
            &reader,
            "/api/v1/tickets",
            json!({ "subject": "From a script", "body": "B", "priority": "low" }),
        )
        .await;
    let (revoke, _) = app
        .send(&reader, Method::DELETE, "/api/v1/tokens/1", json!(null))
        .await;

    assert_eq!(read, StatusCode::OK, "{tickets}");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(write, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("read-only"), "{message}");
    assert_eq!(revoke, StatusCode::FORBIDDEN);
    let (_, after) = app.get(&session, "/api/v1/tickets").await;
    assert_eq!(after, tickets, "nothing was filed");
}

#[tokio::test]
async fn a_read_write_token_writes_what_its_owner_may() {
    let app = spawn().await;
    let session = app.signed_in(ACME_REQUESTER).await;
    let (secret, id) = token(&app, &session, "read_write").await;
    let writer = script(&secret);

    let (status, ticket) = app
        .post(
            &writer,
            "/api/v1/tickets",
            json!({ "subject": "From a script", "body": "B", "priority": "low" }),
        )
        .await;
    let (revoked, _) = app
        .send(
            &writer,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            json!(null),
        )
        .await;

    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    assert_eq!(revoked, StatusCode::NO_CONTENT, "a token may revoke itself");
    assert_eq!(me(&app, &writer).await, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------------------------------------
// 3. Ending a session, a token or a person's access ends their streams at once.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn signing_out_ends_that_sessions_streams_and_no_others() {
    let app = spawn().await;
    let laptop = app.signed_in(ACME_REQUESTER).await;
    let phone = app.signed_in(ACME_REQUESTER).await;
    let ending = Stream::open(&app, &laptop, None).await;
    let mut going_on = Stream::open(&app, &phone, None).await;

    let (status, _) = app.post(&laptop, "/api/v1/auth/logout", json!({})).await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    ending.ends().await;
    let (_, ticket) = app
        .post(
            &phone,
            "/api/v1/tickets",
            json!({ "subject": "Still live", "body": "B", "priority": "low" }),
        )
        .await;
    let event = going_on.expect("ticket.created").await;
    assert_eq!(event.ticket_id, ticket["id"].as_i64());
}

#[tokio::test]
async fn signing_out_on_the_page_ends_that_sessions_streams() {
    let app = spawn().await;
    let session = app.signed_in(ACME_REQUESTER).await;
    let stream = Stream::open(&app, &session, None).await;

    let path = <app::auth::Logout as leptos::server_fn::ServerFn>::PATH;
    let res = session
        .post(app.url(path))
        .header("accept", "text/html")
        .form(&Vec::<(String, String)>::new())
        .send()
        .await
        .expect("an answer");

    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    stream.ends().await;
}

#[tokio::test]
async fn revoking_a_token_ends_its_streams() {
    let app = spawn().await;
    let session = app.signed_in(TECH).await;
    let (secret, id) = token(&app, &session, "read_only").await;
    let stream = Stream::open(&app, &script(&secret), None).await;

    let (status, _) = app
        .send(
            &session,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            json!(null),
        )
        .await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    stream.ends().await;
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_revoked_tokens_streams_not_this_ones() {
    let app = spawn().await;
    let laptop = app.signed_in(BIRCH_REQUESTER).await;
    let phone = app.signed_in(BIRCH_REQUESTER).await;
    let (secret, _) = token(&app, &laptop, "read_only").await;
    let mut this_one = Stream::open(&app, &laptop, None).await;
    let other_session = Stream::open(&app, &phone, None).await;
    let tokens = Stream::open(&app, &script(&secret), None).await;

    let (status, body) = app
        .post(
            &laptop,
            "/api/v1/me/password",
            json!({ "current": DEMO_PASSWORD, "new": NEW_PASSWORD, "revoke_tokens": true }),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    other_session.ends().await;
    tokens.ends().await;
    let (_, ticket) = app
        .post(
            &laptop,
            "/api/v1/tickets",
            json!({ "subject": "Still live", "body": "B", "priority": "low" }),
        )
        .await;
    let event = this_one.expect("ticket.created").await;
    assert_eq!(event.ticket_id, ticket["id"].as_i64());
}

#[tokio::test]
async fn deactivating_a_person_ends_their_streams_at_once() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (secret, _) = token(&app, &rob, "read_only").await;
    let sessions = Stream::open(&app, &rob, None).await;
    let tokens = Stream::open(&app, &script(&secret), None).await;
    let rob_id = app.user_id(ACME_REQUESTER).await;
    let manager = app.signed_in(ACME_MANAGER).await;
    let mut managers = Stream::open(&app, &manager, None).await;

    let (status, _) = app
        .send(
            &manager,
            Method::PATCH,
            &format!("/api/v1/users/{rob_id}"),
            json!({ "active": false }),
        )
        .await;

    assert_eq!(status, StatusCode::OK);
    sessions.ends().await;
    tokens.ends().await;
    let (_, ticket) = app
        .post(
            &manager,
            "/api/v1/tickets",
            json!({ "subject": "Still live", "body": "B", "priority": "low" }),
        )
        .await;
    let event = managers.expect("ticket.created").await;
    assert_eq!(event.ticket_id, ticket["id"].as_i64());
}

// ---------------------------------------------------------------------------------------------
// 4. One person holds only so many streams open.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_stream_beyond_a_persons_share_is_refused_with_429_until_one_ends() {
    let app = spawn().await;
    let share = app.settings.streams_per_person;
    let laptop = app.signed_in(ACME_REQUESTER).await;
    let phone = app.signed_in(ACME_REQUESTER).await;
    let mut open = Vec::new();
    for n in 0..share {
        let device = if n % 2 == 0 { &laptop } else { &phone };
        open.push(Stream::open(&app, device, None).await);
    }
    let tom = app.signed_in(TECH).await;

    let (refused, body) = refused_stream(&app, &laptop).await;
    let _toms = Stream::open(&app, &tom, None).await;
    let (status, _) = app.post(&phone, "/api/v1/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let _again = Stream::open(&app, &laptop, None).await;

    assert_eq!(refused, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "limit_reached");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(&share.to_string()), "{message}");
}
