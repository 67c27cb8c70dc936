//! The admin's setup checklist: each step ticks itself as the data it names appears, over
//! REST and on the home page, and nobody but an admin reads it.

use super::support::*;
use app::accounts::Org;
use app::setup::{SetupChecklist, SetupStep, SetupStepKind};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn step(list: &SetupChecklist, kind: SetupStepKind) -> &SetupStep {
    list.steps
        .iter()
        .find(|s| s.kind == kind)
        .expect("the step")
}

async fn checklist(app: &TestApp, admin: &reqwest::Client) -> SetupChecklist {
    let (status, list) = app.get_as::<SetupChecklist>(admin, "/api/v1/setup").await;
    assert_eq!(status, StatusCode::OK);
    list
}

#[tokio::test]
async fn a_new_organization_reopens_its_steps_until_its_people_hours_and_contract_are_set() {
    // Arrange: the demo's organizations are set up.
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let (_, cedar) = app
        .post_as::<Org>(&admin, "/api/v1/orgs", json!({ "name": "Cedar Law" }))
        .await;

    // Act 1: a new organization with nothing of its own yet.
    let before = checklist(&app, &admin).await;

    // Assert 1: each of its steps waits on it and leads to where it is done.
    assert!(step(&before, SetupStepKind::Organization).done);
    for (kind, href) in [
        (SetupStepKind::People, "/admin#people-heading".to_string()),
        (SetupStepKind::Hours, format!("/admin/orgs/{}", cedar.id)),
        (
            SetupStepKind::Contract,
            format!("/reports?org={}", cedar.id),
        ),
    ] {
        let s = step(&before, kind);
        assert!(!s.done, "{s:?}");
        assert!(s.detail.contains("Cedar Law"), "{s:?}");
        assert_eq!(s.href, href);
    }

    // Act 2: its first person, its hours and its contract.
    let (status, _) = app
        .post(
            &admin,
            "/api/v1/users",
            json!({ "org_id": cedar.id, "role": "manager", "email": "cy@cedar.example",
                    "name": "Cy Cedar" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .send(
            &admin,
            Method::PATCH,
            &format!("/api/v1/orgs/{}/settings", cedar.id),
            json!({ "business_hours": { "time_zone": "Europe/London",
                    "weekdays": "mon,tue,wed,thu,fri", "start": "08:30", "end": "17:30" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .send(
            &admin,
            Method::PUT,
            &format!("/api/v1/orgs/{}/contract", cedar.id),
            json!({ "hours_included": 10, "hourly_rate_cents": 9500 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = checklist(&app, &admin).await;

    // Assert 2: with Cedar Law set up, every organization is.
    for kind in [
        SetupStepKind::People,
        SetupStepKind::Hours,
        SetupStepKind::Contract,
    ] {
        let s = step(&after, kind);
        assert!(s.done, "{s:?}");
        assert_eq!(s.detail, "Done for all 3 client organizations.");
    }
    assert_eq!(after.done(), before.done() + 3);
}

#[tokio::test]
async fn mail_wiki_and_two_factor_steps_follow_the_server_and_the_admin() {
    // Arrange: no relay and no mailbox configured; the demo has articles.
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    // Act
    let list = checklist(&app, &admin).await;

    // Assert
    assert!(!step(&list, SetupStepKind::OutgoingMail).done);
    assert!(!step(&list, SetupStepKind::IncomingMail).done);
    assert!(step(&list, SetupStepKind::Wiki).done);
    assert!(!step(&list, SetupStepKind::TwoFactor).done);
    assert_eq!(list.steps.len(), 8);
    assert!(!list.complete());
}

#[tokio::test]
async fn the_home_page_shows_the_checklist_to_admins_only() {
    // Arrange
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    // Act
    let admin_home = app.page_text(&admin, "/").await;
    let mut others = Vec::new();
    for who in [TECH, ACME_MANAGER, ACME_REQUESTER] {
        let client = app.signed_in(who).await;
        let (status, body) = app.get(&client, "/api/v1/setup").await;
        others.push((
            who,
            status,
            error_code(&body).to_string(),
            app.page_text(&client, "/").await,
        ));
    }

    // Assert
    assert!(admin_home.contains("Set up Deskside"), "{admin_home}");
    assert!(admin_home.contains("of 8 done"), "{admin_home}");
    assert!(
        admin_home.contains("href=\"/profile/two-factor\""),
        "{admin_home}"
    );
    for (who, status, code, home) in others {
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(code, "forbidden", "{who}");
        assert!(!home.contains("Set up Deskside"), "{who}: {home}");
        assert!(home.contains("Hello, "), "{who}: {home}");
    }
}

#[tokio::test]
async fn once_every_step_is_done_the_home_page_folds_the_checklist_into_one_line() {
    // Arrange: a relay and a mailbox configured (neither is reached here), and the admin's
    // authenticator confirmed; the demo's organizations are set up and it has articles.
    let app = spawn_with(|s| {
        s.mail.smtp.smtp_url = Some("smtp://127.0.0.1:9".into());
        s.mail.imap.imap_mailboxes = vec!["imap://help@127.0.0.1:9/INBOX?tls=none".into()];
        s.mail.imap.imap_password = Some("unused".to_string().into());
        s.mail.imap.imap_poll_secs = 3600;
    })
    .await;
    let admin = app.signed_in(ADMIN).await;
    let before = checklist(&app, &admin).await;
    super::two_factor::enrol(&app, &admin).await;

    // Act
    let after = checklist(&app, &admin).await;
    let home = app.page_text(&admin, "/").await;

    // Assert
    assert_eq!(before.done(), 7, "{before:?}");
    assert!(!step(&before, SetupStepKind::TwoFactor).done);
    assert!(after.complete(), "{after:?}");
    assert!(
        home.contains("Deskside is set up: all 8 steps are done."),
        "{home}"
    );
    assert!(
        home.contains("<details class=\"card setup setup-complete\""),
        "{home}"
    );
    assert!(!home.contains("Set up Deskside"), "{home}");
}
