//! A client organization's ticket settings: who may read and change them, and what changing
//! them does to sharing, categories and due times.

use super::support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ACME_COLLEAGUE: &str = "rita@acme.example";

async fn settings_path(app: &TestApp, org: &str) -> String {
    format!("/api/v1/orgs/{}/settings", app.org_id(org).await)
}

async fn file(app: &TestApp, client: &reqwest::Client, body: Value) -> Value {
    let (status, ticket) = app.post(client, "/api/v1/tickets", body).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    ticket
}

/// Files an urgent ticket before settings change, so what filing remembers of the old
/// targets must be let go for the change to show.
async fn file_under_the_old_targets(app: &TestApp, client: &reqwest::Client) {
    let before = file(
        app,
        client,
        json!({ "subject": "Server slow", "body": "Very", "priority": "urgent" }),
    )
    .await;
    assert!(before["first_response_due_at"].is_string(), "{before}");
}

fn minutes_between(from: &Value, to: &Value) -> i64 {
    let parse = |v: &Value| {
        time::OffsetDateTime::parse(
            v.as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    (parse(to) - parse(from)).whole_minutes()
}

#[tokio::test]
async fn a_new_client_org_starts_with_default_categories_hours_and_targets() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    let (status, s) = app
        .get(&admin, &settings_path(&app, "Acme Dental").await)
        .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["share_tickets"], false);
    assert_eq!(s["categories"].as_array().unwrap().len(), 8);
    assert_eq!(
        s["business_hours"],
        json!({ "time_zone": "UTC", "weekdays": "mon,tue,wed,thu,fri", "start": "09:00", "end": "17:00" })
    );
    let urgent = &s["sla"][0];
    assert_eq!(urgent["priority"], "urgent");
    assert_eq!(urgent["first_response_minutes"], 60);
    assert_eq!(s["editable"], true);
}

#[tokio::test]
async fn new_hours_and_targets_set_the_due_times_of_tickets_filed_afterwards() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let path = settings_path(&app, "Acme Dental").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    file_under_the_old_targets(&app, &rob).await;
    let change = json!({
        "business_hours": { "time_zone": "UTC", "weekdays": "mon,tue,wed,thu,fri,sat,sun",
                            "start": "00:00", "end": "24:00" },
        "sla": [{ "priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 90 }]
    });

    let (status, s) = app.send(&admin, Method::PATCH, &path, change).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let ticket = file(
        &app,
        &rob,
        json!({ "subject": "Server down", "body": "All of it", "priority": "urgent" }),
    )
    .await;

    // Around the clock, the targets are plain minutes after filing (filing time is stored
    // to the millisecond, due times to the second).
    let first = minutes_between(&ticket["created_at"], &ticket["first_response_due_at"]);
    let resolution = minutes_between(&ticket["created_at"], &ticket["resolution_due_at"]);
    assert!((29..=30).contains(&first), "{first}");
    assert!((89..=90).contains(&resolution), "{resolution}");
}

#[tokio::test]
async fn a_change_with_one_bad_part_changes_nothing() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let path = settings_path(&app, "Acme Dental").await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    file_under_the_old_targets(&app, &rob).await;
    let change = json!({
        "share_tickets": true,
        "business_hours": { "time_zone": "Mars/Olympus", "weekdays": "mon",
                            "start": "09:00", "end": "17:00" },
        "sla": [{ "priority": "low", "first_response_minutes": 600, "resolution_minutes": 60 }]
    });

    let (status, body) = app.send(&admin, Method::PATCH, &path, change).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "invalid");
    assert!(body["error"]["fields"]["time_zone"].is_array(), "{body}");
    assert!(
        body["error"]["fields"]["low_resolution"].is_array(),
        "{body}"
    );
    let (_, s) = app.get(&admin, &path).await;
    assert_eq!(s["share_tickets"], false);
    assert_eq!(s["business_hours"]["weekdays"], "mon,tue,wed,thu,fri");
}

#[tokio::test]
async fn a_manager_reads_their_org_and_sets_sharing_but_not_hours() {
    let app = spawn().await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let acme = settings_path(&app, "Acme Dental").await;

    let (status, s) = app.get(&mia, &acme).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["editable"], false);
    let (status, _) = app
        .send(&mia, Method::PATCH, &acme, json!({ "share_tickets": true }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let hours = json!({ "business_hours": { "time_zone": "UTC", "weekdays": "mon",
                                            "start": "09:00", "end": "10:00" } });
    let (status, body) = app.send(&mia, Method::PATCH, &acme, hours).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let birch = settings_path(&app, "Birch Accounting").await;
    let (status, body) = app.get(&mia, &birch).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
}

#[tokio::test]
async fn requesters_cannot_read_or_change_settings() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let acme = settings_path(&app, "Acme Dental").await;

    let (status, _) = app.get(&rob, &acme).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .send(&rob, Method::PATCH, &acme, json!({ "share_tickets": true }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sharing_lets_colleagues_see_each_others_tickets_and_unsharing_hides_them_again() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let rita = app.signed_in(ACME_COLLEAGUE).await;
    let ticket = file(
        &app,
        &rob,
        json!({ "subject": "Monitor flickers", "body": "Since Monday", "priority": "low" }),
    )
    .await;
    let path = format!("/api/v1/tickets/{}", ticket["id"]);
    let mia = app.signed_in(ACME_MANAGER).await;
    let settings = settings_path(&app, "Acme Dental").await;

    let (before, _) = app.get(&rita, &path).await;
    app.send(
        &mia,
        Method::PATCH,
        &settings,
        json!({ "share_tickets": true }),
    )
    .await;
    let (shared, _) = app.get(&rita, &path).await;
    let (_, list) = app.get(&rita, "/api/v1/tickets").await;
    app.send(
        &mia,
        Method::PATCH,
        &settings,
        json!({ "share_tickets": false }),
    )
    .await;
    let (after, _) = app.get(&rita, &path).await;

    assert_eq!(before, StatusCode::NOT_FOUND);
    assert_eq!(shared, StatusCode::OK);
    assert_eq!(list["tickets"][0]["subject"], "Monitor flickers");
    assert_eq!(after, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_added_category_is_offered_and_an_archived_one_is_not_but_tickets_keep_it() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let org = app.org_id("Acme Dental").await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let (status, s) = app
        .post(
            &admin,
            &format!("/api/v1/orgs/{org}/categories"),
            json!({ "name": "Phones" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let phones = s["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Phones")
        .unwrap()["id"]
        .clone();
    let ticket = file(
        &app,
        &rob,
        json!({ "subject": "Desk phone dead", "body": "No tone", "priority": "normal",
                "category": "phones" }),
    )
    .await;
    assert_eq!(ticket["category"], "Phones");

    let (status, _) = app
        .send(
            &admin,
            Method::PATCH,
            &format!("/api/v1/categories/{phones}"),
            json!({ "archived": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": "Another phone", "body": "Dead too", "priority": "normal",
                    "category": "Phones" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["category"].is_array(), "{body}");
    let (_, kept) = app
        .get(&rob, &format!("/api/v1/tickets/{}", ticket["id"]))
        .await;
    assert_eq!(kept["category"], "Phones");
}

#[tokio::test]
async fn duplicate_empty_and_other_categories_are_refused_with_a_field_message() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let org = app.org_id("Acme Dental").await;
    let path = format!("/api/v1/orgs/{org}/categories");

    for name in ["hardware", "  ", &"x".repeat(61)] {
        let (status, body) = app.post(&admin, &path, json!({ "name": name })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(body["error"]["fields"]["name"].is_array(), "{body}");
    }
    let (_, s) = app
        .get(&admin, &format!("/api/v1/orgs/{org}/settings"))
        .await;
    let other = s["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Other")
        .unwrap()["id"]
        .clone();
    let (status, _) = app
        .send(
            &admin,
            Method::PATCH,
            &format!("/api/v1/categories/{other}"),
            json!({ "archived": true }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn only_admins_change_categories() {
    let app = spawn().await;
    let org = app.org_id("Acme Dental").await;
    let path = format!("/api/v1/orgs/{org}/categories");

    let tom = app.signed_in(TECH).await;
    let (status, _) = app.post(&tom, &path, json!({ "name": "Phones" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mia = app.signed_in(ACME_MANAGER).await;
    let (status, _) = app.post(&mia, &path, json!({ "name": "Phones" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let ben = app.signed_in(BIRCH_MANAGER).await;
    let (status, _) = app.post(&ben, &path, json!({ "name": "Phones" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
