//! Slow and greedy clients: half-sent requests, too many connections, bodies announced and not
//! sent, costly searches, uploads over an organization's quota, and long renders.

use super::support::*;
use app::tickets::TicketDetail;
use app::wiki::SearchHit;
use futures::StreamExt;
use reqwest::{StatusCode, header::CONTENT_LENGTH};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than any limit a test sets; reaching it means the server never answered.
const NEVER: Duration = Duration::from_secs(20);

const HEALTH_CHECK: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: deskside.test\r\n\r\n";

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("the server accepts connections")
}

/// Reads one answer to a health check off a kept-alive connection.
async fn read_health(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !answer.ends_with(b"}") {
        let read = tokio::time::timeout(NEVER, stream.read(&mut buf))
            .await
            .expect("the server answers")
            .expect("the connection stays open");
        assert!(
            read > 0,
            "the connection stays open until the answer is read"
        );
        answer.extend_from_slice(&buf[..read]);
    }
    String::from_utf8(answer).expect("an answer in text")
}

#[tokio::test]
async fn a_client_that_stops_halfway_through_its_request_line_is_disconnected() {
    let app = spawn_with(|s| s.header_timeout_secs = 1).await;
    let mut slow = connect(&app).await;

    slow.write_all(b"GET /heal").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(NEVER, slow.read_to_end(&mut rest)).await;

    assert!(
        closed.is_ok(),
        "the server closes a connection whose headers never finish"
    );
    let mut prompt = connect(&app).await;
    prompt.write_all(HEALTH_CHECK).await.unwrap();
    assert!(read_health(&mut prompt).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_unanswered_until_one_closes() {
    let app = spawn_with(|s| s.max_connections = 2).await;
    let mut first = connect(&app).await;
    let second = connect(&app).await;
    let mut third = connect(&app).await;

    third.write_all(HEALTH_CHECK).await.unwrap();
    first.write_all(HEALTH_CHECK).await.unwrap();
    let served = read_health(&mut first).await;
    let early = tokio::time::timeout(Duration::from_millis(500), third.readable()).await;
    drop(second);
    let late = read_health(&mut third).await;

    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    assert!(
        early.is_err(),
        "a connection over the cap is not served while the others stay open"
    );
    assert!(late.starts_with("HTTP/1.1 200"), "{late}");
}

/// Sends a request announcing a large JSON body, sends its first byte only, and waits for the
/// answer.
async fn announce_and_stall(
    client: &reqwest::Client,
    url: String,
) -> (StatusCode, serde_json::Value) {
    let body = futures::stream::once(async { Ok::<_, std::io::Error>(bytes::Bytes::from("{")) })
        .chain(futures::stream::pending());
    let res = tokio::time::timeout(
        NEVER,
        client
            .post(url)
            .header(CONTENT_LENGTH, 40 * 1024 * 1024)
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    )
    .await
    .expect("the server gives up on the body before the test does")
    .expect("an answer");
    read(res).await
}

#[tokio::test]
async fn a_body_announced_and_not_sent_buys_no_time_outside_signed_in_uploads() {
    let app = spawn_with(|s| s.request_timeout_secs = 1).await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let (anonymous, anonymous_body) =
        announce_and_stall(&app.client(), app.url("/api/v1/auth/login")).await;
    let (signed_in, signed_in_body) = announce_and_stall(&rob, app.url("/api/v1/tickets")).await;

    assert_eq!(anonymous, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&anonymous_body), "timeout");
    assert_eq!(signed_in, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&signed_in_body), "timeout");
}

#[tokio::test]
async fn a_signed_in_upload_on_a_slow_line_gets_time_for_its_size() {
    let app = spawn_with(|s| s.request_timeout_secs = 1).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (_, ticket) = app
        .post_as::<TicketDetail>(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": "Scanner", "body": "Log attached", "priority": "normal" }),
        )
        .await;
    let id = ticket.summary.id;
    let boundary = "deskside-test-boundary";
    let mut body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"scan.log\"\r\n\
         content-type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', 1024 * 1024));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let length = body.len();
    let rest = body.split_off(100);
    // Half a second's allowance per 32 KiB: a megabyte buys 16 seconds, the pause takes 3.
    let slow = futures::stream::iter([body, rest]).then(|chunk| async move {
        if chunk.len() > 100 {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        Ok::<_, std::io::Error>(bytes::Bytes::from(chunk))
    });

    let res = rob
        .post(app.url(&format!("/api/v1/tickets/{id}/attachments")))
        .header(CONTENT_LENGTH, length)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(reqwest::Body::wrap_stream(slow))
        .send()
        .await
        .unwrap();

    let (status, answer) = read(res).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

/// Searches `q` through the REST route and through the page's server function, which must
/// agree; the slugs found.
async fn found(app: &TestApp, client: &reqwest::Client, route: &str, q: &str) -> Vec<String> {
    use leptos::server_fn::ServerFn;
    let (status, rest) = app
        .get_as::<Vec<SearchHit>>(client, &format!("/api/v1/articles/{route}?q={q}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{route} {q}");
    let path = match route {
        "search" => app::wiki::pages::SearchArticles::PATH,
        _ => app::wiki::help::SuggestArticles::PATH,
    };
    let res = client
        .post(app.url(path))
        .form(&[("q", q)])
        .send()
        .await
        .unwrap();
    let (status, page) = read_as::<Vec<SearchHit>>(res).await;
    assert_eq!(status, StatusCode::OK, "{route} {q} as a server function");
    let slugs = |hits: Vec<SearchHit>| hits.into_iter().map(|h| h.slug).collect::<Vec<_>>();
    let (rest, page) = (slugs(rest), slugs(page));
    assert_eq!(rest, page, "{route} {q}: the page finds what the API finds");
    rest
}

#[tokio::test]
async fn searches_leave_out_single_letters_and_words_past_the_eighth() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (status, body) = app
        .post(
            &tom,
            "/api/v1/articles",
            json!({ "slug": "jammed-keys", "title": "Jammed keys",
                    "body": "Press x and q together, then the zebrafix latch.",
                    "visibility": "all_clients", "org_id": null, "tags": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ninth = "alpha bravo charlie delta echo foxtrot golf hotel zebrafix";

    let letter_search = found(&app, &rob, "search", "x").await;
    let letters_search = found(&app, &rob, "search", "x q").await;
    let letter_suggest = found(&app, &rob, "suggest", "q").await;
    let ninth_suggest = found(&app, &rob, "suggest", ninth).await;
    let eighth_suggest = found(&app, &rob, "suggest", &ninth.replace("alpha ", "")).await;

    assert!(letter_search.is_empty(), "{letter_search:?}");
    assert!(letters_search.is_empty(), "{letters_search:?}");
    assert!(letter_suggest.is_empty(), "{letter_suggest:?}");
    assert!(
        ninth_suggest.is_empty(),
        "the ninth word is ignored: {ninth_suggest:?}"
    );
    assert_eq!(eighth_suggest, ["jammed-keys"]);
}

#[tokio::test]
async fn a_huge_article_renders_while_the_server_keeps_answering_others() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let (status, body) = app
        .post(
            &tom,
            "/api/v1/articles",
            json!({ "slug": "huge", "title": "Huge", "body": "Soon long.",
                    "visibility": "all_clients", "org_id": null, "tags": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Far past what the editor accepts, written behind its back: seconds of rendering.
    let huge = "Some **bold**, *emphasis*, `code` and [a link](https://example.com/page).\n\n"
        .repeat(60_000);
    sqlx::query("update article set body = ? where slug = 'huge'")
        .bind(&huge)
        .execute(app.db.pool())
        .await
        .unwrap();

    let article = tokio::spawn({
        let (tom, url) = (tom.clone(), app.url("/api/v1/articles/huge"));
        async move { tom.get(url).send().await.map(|res| res.status()) }
    });
    // Let the article's request reach its rendering first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = app.client().get(app.url("/healthz")).send();
    let first = tokio::select! {
        biased;
        answered = health => answered.map(|res| ("health", res.status())),
        answered = article => answered.unwrap().map(|status| ("article", status)),
    }
    .unwrap();

    assert_eq!(
        first,
        ("health", StatusCode::OK),
        "/healthz answers while the article renders"
    );
}

/// Attaches `kib` KiB named `name` to ticket `id`: through the REST API, or as the ticket
/// page's form does without JavaScript.
async fn attach(
    app: &TestApp,
    client: &reqwest::Client,
    path: String,
    name: &str,
    kib: usize,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![b'x'; kib * 1024]).file_name(name.to_string()),
    );
    client
        .post(app.url(&path))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upload_past_the_organizations_quota_is_refused_and_admins_see_each_orgs_use() {
    let app = spawn_with(|s| s.org_upload_quota_mb = 1).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let admin = app.signed_in(ADMIN).await;
    let (_, ticket) = app
        .post_as::<TicketDetail>(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": "Backups", "body": "Logs attached", "priority": "normal" }),
        )
        .await;
    let id = ticket.summary.id;
    let rest = format!("/api/v1/tickets/{id}/attachments");

    let (first, _) = read(attach(&app, &rob, rest.clone(), "first.log", 600).await).await;
    let (second, refusal) = read(attach(&app, &rob, rest, "second.log", 600).await).await;
    let page = attach(
        &app,
        &rob,
        format!("/tickets/{id}/attachments"),
        "third.log",
        600,
    )
    .await;
    let (_, detail) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{id}"))
        .await;
    let (_, orgs) = app
        .get_as::<Vec<app::accounts::Org>>(&admin, "/api/v1/orgs")
        .await;
    let (_, own) = app
        .get_as::<Vec<app::accounts::Org>>(&rob, "/api/v1/orgs")
        .await;
    let admin_page = app.page_text(&admin, "/admin").await;

    assert_eq!(first, StatusCode::CREATED);
    assert_eq!(second, StatusCode::UNPROCESSABLE_ENTITY, "{refusal}");
    let message = refusal["error"]["fields"]["file"][0].as_str().unwrap();
    assert!(message.contains("does not fit"), "{message}");
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let location = page.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("upload_error=This%20upload"),
        "{location}"
    );
    let names: Vec<_> = detail
        .attachments
        .iter()
        .map(|a| a.file_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["first.log"],
        "nothing of a refused upload is recorded"
    );
    let acme = orgs.iter().find(|o| o.name == "Acme Dental").unwrap();
    assert_eq!(
        acme.files,
        Some(app::accounts::FileUsage {
            used_bytes: 600 * 1024,
            quota_bytes: 1024 * 1024
        })
    );
    assert!(
        own.iter().all(|o| o.files.is_none()),
        "only admins see the use"
    );
    assert!(admin_page.contains("600 KB of 1.0 MB"), "{admin_page}");
}
