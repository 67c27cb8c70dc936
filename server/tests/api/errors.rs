//! Every error has the JSON shape and the right status; bad input never yields a 500.

use super::support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn invalid_fields_are_all_reported_with_422() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    let (status, body) = app
        .post(
            &admin,
            "/api/v1/users",
            json!({ "role": "owner", "email": "nope", "name": "" }),
        )
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "invalid");
    for field in ["role", "email", "name"] {
        assert!(
            body["error"]["fields"][field][0].is_string(),
            "{field}: {body}"
        );
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_json_error() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    let res = admin
        .post(app.url("/api/v1/orgs"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&read(res).await.1), "bad_request");
}

#[tokio::test]
async fn a_missing_field_or_wrong_type_is_a_4xx_json_error() {
    let app = spawn().await;
    let client = app.client();
    for body in [
        json!({ "email": "a@b.example" }),
        json!({ "email": 3, "password": [] }),
    ] {
        let (status, body) = app.post(&client, "/api/v1/auth/login", body).await;
        assert!(status.is_client_error(), "{status}");
        error_code(&body);
    }
}

#[tokio::test]
async fn unknown_api_paths_and_ids_are_404_json() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v1/users/abc",
        "/api/v1/users/99999",
    ] {
        let (status, body) = app
            .send(
                &admin,
                reqwest::Method::PATCH,
                path,
                json!({ "active": true }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(&body), "not_found");
    }
}

#[tokio::test]
async fn every_api_route_needs_a_signed_in_caller() {
    let app = spawn().await;
    let anonymous = app.client();
    for path in [
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/orgs",
        "/api/v1/users",
    ] {
        let (status, body) = app.get(&anonymous, path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_code(&body), "unauthorized");
    }
}

#[tokio::test]
async fn health_answers_while_the_database_does() {
    let app = spawn().await;
    let (status, body) = app.get(&app.client(), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes() {
    let app = spawn().await;

    let (status, doc) = app.get(&app.client(), "/api/openapi.json").await;

    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/orgs",
        "/api/v1/users",
        "/api/v1/users/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
}

#[tokio::test]
async fn every_operation_declares_the_shared_errors_it_can_answer_with() {
    let app = spawn().await;

    let (_, doc) = app.get(&app.client(), "/api/openapi.json").await;

    let shared = &doc["components"]["responses"];
    for name in [
        "BadRequest",
        "Unauthorized",
        "NotFound",
        "TooLarge",
        "Internal",
        "CrossSite",
        "Timeout",
    ] {
        assert_eq!(
            shared[name]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{name}"
        );
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let declared = |status: &str| op["responses"][status].is_object();
            let has_body = op["requestBody"].is_object();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let takes = |place: &str| params.iter().any(|p| p["in"] == place);
            let what = format!("{method} {path}");
            assert!(
                declared("401") && declared("500") && declared("503"),
                "{what}"
            );
            assert!(method == "get" || declared("403"), "{what}: 403");
            assert!(!takes("path") || declared("404"), "{what}: 404");
            assert!(!has_body || (declared("400") && declared("413")), "{what}");
            assert!(!takes("query") || declared("400"), "{what}: 400");
        }
    }
}

#[tokio::test]
async fn an_upload_that_is_not_multipart_is_a_400_json_error() {
    let app = spawn().await;
    let requester = app.signed_in(ACME_REQUESTER).await;
    let (_, ticket) = app
        .post(
            &requester,
            "/api/v1/tickets",
            json!({ "subject": "Printer", "body": "Offline.", "priority": "normal" }),
        )
        .await;
    let id = ticket["id"].as_i64().unwrap();

    let res = requester
        .post(app.url(&format!("/api/v1/tickets/{id}/attachments")))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();

    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_request");
}

#[tokio::test]
async fn a_path_segment_that_does_not_decode_is_a_404_json_error() {
    let app = spawn().await;
    let tech = app.signed_in(TECH).await;

    for path in ["/api/v1/articles/%FF", "/api/v1/articles/%C3/revisions/1"] {
        let (status, body) = app.get(&tech, path).await;

        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(&body), "not_found");
    }
}

#[tokio::test]
async fn a_method_an_api_address_does_not_take_is_a_405_json_error() {
    let app = spawn().await;
    let tech = app.signed_in(TECH).await;

    for path in ["/api/v1/me", "/api/openapi.json"] {
        let res = tech.put(app.url(path)).send().await.unwrap();

        assert!(res.headers().contains_key("allow"), "{path}");
        let (status, body) = read(res).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(error_code(&body), "method_not_allowed");
    }
}
