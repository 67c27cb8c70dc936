//! Organizations and people: who may see and change whom.

use super::support::*;
use app::accounts::{Org, OrgKind, User};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_manager_gets_404_for_another_orgs_people() {
    let app = spawn().await;
    let birch = app.org_id("Birch Accounting").await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let (status, body) = app
        .get(&manager, &format!("/api/v1/users?org={birch}"))
        .await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
}

#[tokio::test]
async fn a_manager_sees_exactly_their_own_orgs_people() {
    let app = spawn().await;
    let manager = app.signed_in(BIRCH_MANAGER).await;

    let (status, users) = app.get_as::<Vec<User>>(&manager, "/api/v1/users").await;

    assert_eq!(status, StatusCode::OK);
    let orgs: Vec<_> = users.iter().map(|u| u.org_name.as_str()).collect();
    assert_eq!(orgs.len(), 4);
    assert!(orgs.iter().all(|o| *o == "Birch Accounting"), "{orgs:?}");
    let (_, orgs) = app.get_as::<Vec<Org>>(&manager, "/api/v1/orgs").await;
    assert_eq!(orgs.len(), 1, "only their own org: {orgs:?}");
}

#[tokio::test]
async fn provider_staff_see_every_organization_and_person() {
    let app = spawn().await;
    let tech = app.signed_in(TECH).await;

    let (_, orgs) = app.get_as::<Vec<Org>>(&tech, "/api/v1/orgs").await;
    let (_, users) = app.get_as::<Vec<User>>(&tech, "/api/v1/users").await;

    assert_eq!(orgs.len(), 3);
    assert_eq!(users.len(), 11);
}

#[tokio::test]
async fn a_requester_may_not_list_people() {
    let app = spawn().await;
    let requester = app.signed_in(ACME_REQUESTER).await;

    let (status, body) = app.get(&requester, "/api/v1/users").await;

    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "forbidden");
}

#[tokio::test]
async fn a_manager_invites_a_requester_to_their_own_org_who_can_sign_in_once_they_accept() {
    let app = spawn().await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let (status, user) = app
        .post_as::<User>(
            &manager,
            "/api/v1/users",
            json!({ "role": "requester", "email": "New@Acme.example", "name": "Nia New" }),
        )
        .await;

    assert_eq!(status, StatusCode::CREATED, "{user:?}");
    assert_eq!(user.email, "new@acme.example");
    assert_eq!(user.org_name, "Acme Dental");
    assert!(user.invited, "{user:?}");
    let token = super::account_links::link_token(&app, "invitation", "new@acme.example").await;
    let (status, body) = app
        .post(
            &app.client(),
            &format!("/api/v1/invitations/{token}"),
            json!({ "password": "welcome to acme" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let res = app
        .login(&app.client(), "new@acme.example", "welcome to acme")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_manager_cannot_add_staff_roles_or_people_to_another_org() {
    let app = spawn().await;
    let birch = app.org_id("Birch Accounting").await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let (status, body) = app
        .post(
            &manager,
            "/api/v1/users",
            json!({ "role": "manager", "email": "boss@acme.example", "name": "B" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["role"].is_array());

    let (status, _) = app
        .post(
            &manager,
            "/api/v1/users",
            json!({ "org_id": birch, "role": "requester", "email": "spy@birch.example",
                    "name": "Spy" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_cannot_deactivate_people_of_another_org_or_their_own_manager_peers() {
    let app = spawn().await;
    let bea = app.user_id(BIRCH_REQUESTER).await;
    let mia = app.user_id(ACME_MANAGER).await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let (status, _) = app
        .send(
            &manager,
            Method::PATCH,
            &format!("/api/v1/users/{bea}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = app
        .send(
            &manager,
            Method::PATCH,
            &format!("/api/v1/users/{mia}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.login(&app.client(), BIRCH_REQUESTER, DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_admin_creates_client_orgs_with_unique_names() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    let (status, org) = app
        .post_as::<Org>(&admin, "/api/v1/orgs", json!({ "name": " Cedar Law " }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(org.name, "Cedar Law");
    assert_eq!(org.kind, OrgKind::Client);

    let (status, body) = app
        .post(&admin, "/api/v1/orgs", json!({ "name": "cedar law" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["name"][0]
            .as_str()
            .unwrap()
            .contains("exists")
    );
}

#[tokio::test]
async fn only_admins_create_organizations() {
    let app = spawn().await;
    for who in [TECH, ACME_MANAGER, ACME_REQUESTER] {
        let client = app.signed_in(who).await;
        let (status, _) = app
            .post(&client, "/api/v1/orgs", json!({ "name": "Sneaky" }))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
}

#[tokio::test]
async fn an_admin_puts_staff_roles_in_the_provider_and_client_roles_in_clients_only() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let admin = app.signed_in(ADMIN).await;

    let (status, body) = app
        .post(
            &admin,
            "/api/v1/users",
            json!({ "org_id": acme, "role": "technician", "email": "t@acme.example",
                    "name": "T" }),
        )
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["role"].is_array());
    let (status, _) = app
        .post(
            &admin,
            "/api/v1/users",
            json!({ "role": "technician", "email": "newtech@provider.example",
                    "name": "New Tech" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "defaults to the admin's own org"
    );
}

#[tokio::test]
async fn a_duplicate_email_is_a_field_error_and_nothing_changes() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    let (status, body) = app
        .post(
            &admin,
            "/api/v1/users",
            json!({ "role": "admin", "email": "TOM@provider.example", "name": "Tom Again" }),
        )
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["email"].is_array());
    let (_, users) = app.get_as::<Vec<User>>(&admin, "/api/v1/users").await;
    assert_eq!(users.len(), 11);
}
