//! Headers every response carries, the cross-site write check, and request size limits.

use super::support::*;
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} is set"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn a_page_allows_only_its_own_scripts_and_the_nonce_it_carries() {
    let app = spawn().await;
    let client = app.signed_in(ACME_REQUESTER).await;

    let res = client
        .get(app.url("/tickets"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::OK);
    let policy = header(&res, "content-security-policy").to_string();
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "x-frame-options"), "DENY");
    assert_eq!(header(&res, "referrer-policy"), "same-origin");
    let html = res.text().await.unwrap();
    let nonce = html
        .split("<script type=\"module\" nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the hydration script carries a nonce");
    assert!(nonce.len() >= 16, "a nonce of 128 bits: {nonce}");
    assert!(
        policy.contains(&format!(
            "script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval';"
        )),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("'unsafe-inline'"), "{policy}");
    let again = client
        .get(app.url("/tickets"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        !header(&again, "content-security-policy").contains(nonce),
        "every response has a fresh nonce"
    );
}

#[tokio::test]
async fn json_answers_forbid_running_anything_and_missing_pages_keep_the_page_policy() {
    let app = spawn().await;
    let client = app.signed_in(ACME_REQUESTER).await;

    for path in [
        "/api/v1/tickets",
        "/api/v1/nothing-here",
        "/api/openapi.json",
    ] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            header(&res, "content-security-policy"),
            "default-src 'none'; frame-ancestors 'none'; sandbox",
            "{path}"
        );
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
    }
    let missing = client
        .get(app.url("/no/such/page"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(header(&missing, "content-security-policy").contains("'nonce-"));
}

#[tokio::test]
async fn a_write_from_another_site_is_refused_and_saves_nothing() {
    let app = spawn().await;
    let client = app.signed_in(ACME_REQUESTER).await;
    let host = app.base.trim_start_matches("http://").to_string();

    let res = client
        .post(app.url("/api/v1/tickets"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({ "subject": "Planted", "body": "x", "priority": "low" }))
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "forbidden");

    let form = client
        .post(app.url(app::profile::RenameSelf::PATH))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Pwned")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);

    let (_, tickets) = app.get(&client, "/api/v1/tickets?q=Planted").await;
    assert_eq!(
        tickets["tickets"].as_array().map(Vec::len),
        Some(0),
        "{tickets}"
    );
    let (_, me) = app.get(&client, "/api/v1/me").await;
    assert_ne!(me["name"], "Pwned");

    let same = client
        .post(app.url("/api/v1/tickets"))
        .header("origin", format!("http://{host}"))
        .json(&serde_json::json!({ "subject": "Legit", "body": "x", "priority": "low" }))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_the_upload_limit_is_refused_before_it_is_read() {
    let app = spawn().await;
    let client = app.signed_in(ACME_REQUESTER).await;
    let limit = app.settings.max_upload_mb * 1024 * 1024;

    let res = client
        .post(app.url(app::profile::RenameSelf::PATH))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; limit + 1])
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (_, me) = app.get(&client, "/api/v1/me").await;
    assert_eq!(me["email"], ACME_REQUESTER);
}

#[tokio::test]
async fn behind_an_https_address_every_answer_tells_browsers_to_keep_to_https() {
    let app = spawn_with(|settings| settings.base_url = "https://help.example.com".into()).await;
    let plain = spawn().await;
    let client = app.client();

    let page = client
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let refused = client.get(app.url("/api/v1/me")).send().await.unwrap();
    let missing = client.get(app.url("/api/v1/nothing")).send().await.unwrap();
    let over_http = plain
        .client()
        .get(plain.url("/login"))
        .send()
        .await
        .unwrap();

    for res in [&page, &refused, &missing] {
        assert_eq!(
            header(res, "strict-transport-security"),
            "max-age=31536000; includeSubDomains",
            "{} {}",
            res.url(),
            res.status()
        );
    }
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        over_http
            .headers()
            .get("strict-transport-security")
            .is_none(),
        "plain http installs are left reachable"
    );
}
