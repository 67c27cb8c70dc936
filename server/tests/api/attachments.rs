//! Attachments: stored by hash, served only to people who may see the ticket, never as a page.

use super::support::*;
use app::tickets::TicketDetail;
use reqwest::{Client, StatusCode, multipart};
use serde_json::{Value, json};

/// The smallest valid PNG: one transparent pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

async fn ticket(app: &TestApp, client: &Client) -> i64 {
    let (_, t) = app
        .post_as::<TicketDetail>(
            client,
            "/api/v1/tickets",
            json!({ "subject": "Error dialog", "body": "See screenshot", "priority": "normal" }),
        )
        .await;
    t.summary.id
}

async fn upload(
    app: &TestApp,
    client: &Client,
    id: i64,
    name: &str,
    bytes: Vec<u8>,
    internal: bool,
) -> (StatusCode, Value) {
    let form = multipart::Form::new()
        .part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_string()),
        )
        .text("internal", internal.to_string());
    let res = client
        .post(app.url(&format!("/api/v1/tickets/{id}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    read(res).await
}

#[tokio::test]
async fn a_screenshot_is_attached_and_served_inline_with_safe_headers() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = ticket(&app, &rob).await;

    let (status, detail) = upload(&app, &rob, id, "screenshot.png", PNG.to_vec(), false).await;

    assert_eq!(status, StatusCode::CREATED, "{detail}");
    let detail: TicketDetail = typed(&detail);
    let file = &detail.attachments[0];
    assert_eq!(file.file_name, "screenshot.png");
    assert!(file.is_image);
    assert_eq!(file.size, PNG.len() as i64);
    let res = rob
        .get(app.url(&format!("/api/v1/attachments/{}", file.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
}

#[tokio::test]
async fn an_html_file_downloads_as_bytes_never_as_a_page() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = ticket(&app, &rob).await;
    let (_, detail) = upload(
        &app,
        &rob,
        id,
        "evil.html",
        b"<script>alert(1)</script>".to_vec(),
        false,
    )
    .await;

    let file = typed::<TicketDetail>(&detail).attachments[0].id;

    let res = rob
        .get(app.url(&format!("/api/v1/attachments/{file}")))
        .send()
        .await
        .unwrap();

    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
}

#[tokio::test]
async fn files_are_404_for_people_who_may_not_see_the_ticket() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = ticket(&app, &rob).await;
    let (_, detail) = upload(&app, &rob, id, "shot.png", PNG.to_vec(), false).await;
    let file = typed::<TicketDetail>(&detail).attachments[0].id;
    let path = format!("/api/v1/attachments/{file}");

    for who in ["rita@acme.example", BIRCH_MANAGER, BIRCH_REQUESTER] {
        let client = app.signed_in(who).await;
        let (status, body) = app.get(&client, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        error_code(&body);
        let (status, _) = upload(&app, &client, id, "x.png", PNG.to_vec(), false).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} cannot attach either");
    }
    assert_eq!(
        app.get(&app.client(), &path).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_internal_file_never_reaches_the_requester() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = ticket(&app, &rob).await;
    let tom = app.signed_in(TECH).await;

    let (status, staff_view) = upload(
        &app,
        &tom,
        id,
        "firewall-config.txt",
        b"secret".to_vec(),
        true,
    )
    .await;

    assert_eq!(status, StatusCode::CREATED);
    let file_id = typed::<TicketDetail>(&staff_view).attachments[0].id;
    // The requester's view is searched as JSON text, fields the type may not know included.
    let (_, requester_view) = app.get(&rob, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(requester_view["attachments"].as_array().unwrap().len(), 0);
    assert!(
        !requester_view.to_string().contains("firewall-config"),
        "{requester_view}"
    );
    let (status, _) = app
        .get(&rob, &format!("/api/v1/attachments/{file_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = upload(&app, &rob, id, "mine.txt", b"x".to_vec(), true).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "requesters cannot attach internally"
    );
}

#[tokio::test]
async fn a_file_name_that_is_a_path_or_a_file_over_the_limit_is_refused_and_nothing_saved() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = ticket(&app, &rob).await;

    let (status, body) = upload(&app, &rob, id, "../../etc/passwd", b"x".to_vec(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["file"][0]
            .as_str()
            .unwrap()
            .contains("is a path")
    );

    let big = vec![0u8; 21 * 1024 * 1024];
    let (status, body) = upload(&app, &rob, id, "video.bin", big, false).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(error_code(&body), "too_large");

    let (_, detail) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{id}"))
        .await;
    assert_eq!(detail.attachments.len(), 0);
}

#[tokio::test]
async fn the_page_form_uploads_without_javascript_and_returns_to_the_ticket() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let id = ticket(&app, &rob).await;
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(PNG.to_vec()).file_name("shot.png"),
    );

    let res = rob
        .post(app.url(&format!("/tickets/{id}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], format!("/tickets/{id}"));
    let (_, detail) = app
        .get_as::<TicketDetail>(&rob, &format!("/api/v1/tickets/{id}"))
        .await;
    assert_eq!(detail.attachments[0].file_name, "shot.png");
    let empty =
        multipart::Form::new().part("file", multipart::Part::bytes(Vec::new()).file_name(""));
    let res = rob
        .post(app.url(&format!("/tickets/{id}/attachments")))
        .multipart(empty)
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("upload_error="), "{location}");
}
