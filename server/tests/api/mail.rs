//! Outgoing mail against real mail servers (`mail_servers`): the sender delivers the outbox
//! with every header the contract lists into a real IMAP inbox, waits out an SMTP outage and a
//! 451 without losing or doubling a message, gives up on a 550 with the server's answer; the
//! admin Mail page and its test message; the staff-only list of a ticket's mail; and an
//! installation without SMTP that keeps everything in the outbox for admins to read.

use super::support::*;
use crate::mail_servers::{MailServers, PASSWORD};
use app::mail::{MailSetup, MailStatus, OutboxEntry, OutboxPage};
use reqwest::StatusCode;
use serde_json::json;
use server::db::mail::NewMail;
use std::time::Duration;

const FROM: &str = "IT Help <help@provider.example>";

async fn servers() -> MailServers {
    MailServers::start().await.unwrap_or_else(|e| panic!("{e}"))
}

/// A server with the demo data whose mail goes to `mail`'s plain SMTP port.
async fn spawn_sending_to(mail: &MailServers) -> TestApp {
    let url = format!("smtp://{}", mail.smtp_addr());
    spawn_with(|s| {
        s.mail.mail_from = FROM.into();
        s.mail.smtp.smtp_url = Some(url);
        s.mail.smtp.smtp_timeout_secs = 5;
    })
    .await
}

fn message(to: &str, id: &str) -> NewMail {
    NewMail {
        kind: "public_reply".into(),
        to: to.into(),
        subject: format!("[#1] Printer offline ({id})"),
        text: "Tom replied: the printer is back.".into(),
        html: "<p>Tom replied: the printer is <b>back</b>.</p>".into(),
        message_id: format!("{id}@provider.example"),
        ..NewMail::default()
    }
}

/// Waits (up to half a minute) until outbox message `id` satisfies `done`.
async fn outbox_entry_when(
    app: &TestApp,
    id: i64,
    done: impl Fn(&OutboxEntry) -> bool,
) -> OutboxEntry {
    let mut last = None;
    for _ in 0..300 {
        let entry = app.db.outbox_entry(id).await.expect("the message is there");
        if done(&entry) {
            return entry;
        }
        last = Some(entry);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the message never got there: {last:?}");
}

/// Makes a message waiting to be tried again due now, as if its back-off had passed.
async fn due_now(app: &TestApp, id: i64) {
    sqlx::query("update mail_outbox set next_attempt_at = '2000-01-01T00:00:00.000Z' where id = ?")
        .bind(id)
        .execute(app.db.pool())
        .await
        .expect("the message is made due");
}

/// How many messages in `user`'s inbox carry `message_id`.
async fn copies(mail: &MailServers, user: &str, message_id: &str) -> usize {
    let needle = format!("Message-ID: <{message_id}>");
    mail.mailbox(user)
        .await
        .expect("the inbox reads")
        .iter()
        .filter(|m| m.text().contains(&needle))
        .count()
}

#[tokio::test]
async fn a_queued_message_arrives_in_the_recipients_inbox_with_every_header_the_contract_lists() {
    let mail = servers().await;
    let app = spawn_sending_to(&mail).await;
    let row = NewMail {
        in_reply_to: Some("deskside.t1.root@provider.example".into()),
        references: vec!["deskside.t1.root@provider.example".into()],
        reply_to: Some("IT Help <help+abc234xyz@provider.example>".into()),
        unsubscribe_url: Some("http://127.0.0.1/unsubscribe/tok".into()),
        ..message("rob@acme.example", "headers")
    };

    let id = app.db.enqueue_mail(&row).await.unwrap().unwrap();
    let sent = outbox_entry_when(&app, id, |e| e.status == MailStatus::Sent).await;

    assert!(sent.sent_at.is_some());
    assert!(
        sent.last_reply
            .as_deref()
            .is_some_and(|r| r.starts_with("250")),
        "{sent:?}"
    );
    let inbox = mail.mailbox("rob@acme.example").await.unwrap();
    assert_eq!(inbox.len(), 1);
    let raw = inbox[0].text();
    for header in [
        "From: \"IT Help\" <help@provider.example>",
        "To: rob@acme.example",
        "Subject: [#1] Printer offline (headers)",
        "Message-ID: <headers@provider.example>",
        "In-Reply-To: <deskside.t1.root@provider.example>",
        "References: <deskside.t1.root@provider.example>",
        "Reply-To: \"IT Help\" <help+abc234xyz@provider.example>",
        "Auto-Submitted: auto-generated",
        "List-Unsubscribe: <http://127.0.0.1/unsubscribe/tok>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "Content-Type: multipart/alternative",
        "Content-Type: text/plain",
        "Content-Type: text/html",
    ] {
        assert!(raw.contains(header), "{header} missing in\n{raw}");
    }
    assert!(raw.contains("the printer is back."), "{raw}");
}

#[tokio::test]
async fn while_smtp_is_down_a_message_waits_with_the_reason_and_arrives_once_when_it_is_back() {
    let mail = servers().await;
    let app = spawn_sending_to(&mail).await;
    mail.smtp_down().await.unwrap();

    let id = app
        .db
        .enqueue_mail(&message("rob@acme.example", "outage"))
        .await
        .unwrap()
        .unwrap();
    let waiting = outbox_entry_when(&app, id, |e| e.last_reply.is_some()).await;
    mail.smtp_up().await.unwrap();
    due_now(&app, id).await;
    let sent = outbox_entry_when(&app, id, |e| e.status == MailStatus::Sent).await;

    assert_eq!(waiting.status, MailStatus::Queued, "{waiting:?}");
    assert_eq!(waiting.attempts, 1);
    assert!(waiting.next_attempt_at > waiting.created_at, "{waiting:?}");
    assert_eq!(sent.attempts, 2);
    assert_eq!(
        copies(&mail, "rob@acme.example", "outage@provider.example").await,
        1
    );
}

#[tokio::test]
async fn a_451_is_tried_again_and_a_550_fails_with_the_servers_answer_on_the_mail_page() {
    let mail = servers().await;
    let app = spawn_sending_to(&mail).await;
    let admin = app.signed_in(ADMIN).await;

    mail.reject_next(1, 451).await.unwrap();
    let later = app
        .db
        .enqueue_mail(&message("rob@acme.example", "later"))
        .await
        .unwrap()
        .unwrap();
    let deferred = outbox_entry_when(&app, later, |e| e.last_reply.is_some()).await;
    due_now(&app, later).await;
    let delivered = outbox_entry_when(&app, later, |e| e.status == MailStatus::Sent).await;

    mail.reject_next(1, 550).await.unwrap();
    let never = app
        .db
        .enqueue_mail(&message("bea@birch.example", "never"))
        .await
        .unwrap()
        .unwrap();
    let failed = outbox_entry_when(&app, never, |e| e.status != MailStatus::Queued).await;
    let (status, page) = app
        .get_as::<OutboxPage>(&admin, "/api/v1/mail/outbox?status=failed")
        .await;

    assert_eq!(deferred.status, MailStatus::Queued);
    assert!(
        deferred.last_reply.as_deref().unwrap().contains("451"),
        "{deferred:?}"
    );
    assert_eq!(delivered.attempts, 2);
    assert_eq!(
        copies(&mail, "rob@acme.example", "later@provider.example").await,
        1
    );
    assert_eq!(failed.status, MailStatus::Failed);
    assert_eq!(failed.attempts, 1);
    assert!(
        failed.last_reply.as_deref().unwrap().contains("550"),
        "{failed:?}"
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.counts.failed, 1);
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].id, never);
    assert_eq!(page.entries[0].last_reply, failed.last_reply);
    assert!(mail.mailbox("bea@birch.example").await.unwrap().is_empty());
}

#[tokio::test]
async fn an_admins_test_message_goes_through_the_outbox_and_arrives_over_starttls_with_sign_in() {
    let mail = servers().await;
    let url = format!("smtp://localhost:{}?tls=required", mail.smtp_addr().port());
    let ca = mail.ca_file().to_path_buf();
    let app = spawn_with(|s| {
        s.mail.mail_from = FROM.into();
        s.mail.smtp.smtp_url = Some(url);
        s.mail.smtp.smtp_user = Some("help@provider.example".into());
        s.mail.smtp.smtp_password = Some(PASSWORD.into());
        s.mail.smtp.smtp_ca_file = Some(ca);
        s.mail.smtp.smtp_timeout_secs = 5;
    })
    .await;
    let admin = app.signed_in(ADMIN).await;

    let (setup_status, setup) = app.get_as::<MailSetup>(&admin, "/api/v1/mail/setup").await;
    let (status, queued) = app
        .post_as::<OutboxEntry>(
            &admin,
            "/api/v1/mail/test",
            json!({ "to": "Mia@Acme.example" }),
        )
        .await;
    let sent = outbox_entry_when(&app, queued.id, |e| e.status == MailStatus::Sent).await;

    assert_eq!(setup_status, StatusCode::OK);
    let smtp = setup.smtp.expect("SMTP is configured");
    assert_eq!(smtp.host, "localhost");
    assert_eq!(smtp.user.as_deref(), Some("help@provider.example"));
    assert!(smtp.tls.contains("STARTTLS"), "{smtp:?}");
    assert_eq!(setup.from, FROM);
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(queued.kind, "test");
    assert_eq!(queued.to, "mia@acme.example");
    assert!(sent.last_reply.unwrap().starts_with("250"));
    let inbox = mail.mailbox("mia@acme.example").await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].text().contains("Subject: Deskside test message"));
}

#[tokio::test]
async fn implicit_tls_delivers_too() {
    let mail = servers().await;
    let url = format!("smtps://localhost:{}", mail.smtps_addr().port());
    let ca = mail.ca_file().to_path_buf();
    let app = spawn_with(|s| {
        s.mail.smtp.smtp_url = Some(url);
        s.mail.smtp.smtp_ca_file = Some(ca);
        s.mail.smtp.smtp_timeout_secs = 5;
    })
    .await;

    let id = app
        .db
        .enqueue_mail(&message("rob@acme.example", "wrapped"))
        .await
        .unwrap()
        .unwrap();
    outbox_entry_when(&app, id, |e| e.status == MailStatus::Sent).await;

    assert_eq!(
        copies(&mail, "rob@acme.example", "wrapped@provider.example").await,
        1
    );
}

#[tokio::test]
async fn a_test_message_to_a_bad_address_is_refused_at_the_field_with_and_without_javascript() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;

    let (status, body) = app
        .post(
            &admin,
            "/api/v1/mail/test",
            json!({ "to": "not an address" }),
        )
        .await;
    let form = app
        .post_form(
            &admin,
            <app::mail::page::SendTestMail as leptos::server_fn::ServerFn>::PATH,
            "/admin/mail",
            &[("to", "not an address")],
        )
        .await;
    let back = form
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let page = app.page_text(&admin, &back.replace(&app.base, "")).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "invalid");
    assert!(body["error"]["fields"]["to"].is_array(), "{body}");
    assert!(form.status().is_redirection(), "{}", form.status());
    assert!(back.contains("/admin/mail"), "{back}");
    assert!(
        page.contains("Enter an email address like name@example.com."),
        "{page}"
    );
    assert_eq!(app.db.mail_counts().await.unwrap().queued, 0);
}

#[tokio::test]
async fn without_smtp_mail_stays_queued_and_admins_read_it_on_the_mail_page() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    app.db
        .enqueue_mail(&NewMail {
            kind: "password_reset".into(),
            sensitive: true,
            text: "Your link: http://127.0.0.1/reset/SECRET-TOKEN".into(),
            ..message("rob@acme.example", "reset")
        })
        .await
        .unwrap();

    // The test message, sent from the page's form as a browser without JavaScript posts it.
    let form = app
        .post_form(
            &admin,
            <app::mail::page::SendTestMail as leptos::server_fn::ServerFn>::PATH,
            "/admin/mail",
            &[("to", "rob@acme.example")],
        )
        .await;
    let (_, setup) = app.get_as::<MailSetup>(&admin, "/api/v1/mail/setup").await;
    let (_, outbox) = app
        .get_as::<OutboxPage>(&admin, "/api/v1/mail/outbox")
        .await;
    let html = app.page_text(&admin, "/admin/mail").await;

    assert!(form.status().is_redirection(), "{}", form.status());
    assert!(setup.smtp.is_none());
    assert_eq!(outbox.counts.queued, 2);
    assert_eq!(outbox.entries[0].kind, "test");
    assert_eq!(outbox.entries[0].to, "rob@acme.example");
    assert_eq!(outbox.entries[0].status, MailStatus::Queued);
    assert_eq!(outbox.entries[0].attempts, 0);
    assert!(
        outbox.entries[0]
            .body_text
            .as_deref()
            .unwrap()
            .contains("test message")
    );
    assert!(outbox.entries[1].sensitive);
    assert_eq!(outbox.entries[1].body_text, None);
    assert!(html.contains("No SMTP server is configured"), "{html}");
    assert!(html.contains("Deskside test message"), "{html}");
    assert!(html.contains("sent by Ada"), "{html}");
    assert!(html.contains("it contains a sign-in link"), "{html}");
    assert!(!html.contains("SECRET-TOKEN"), "{html}");
    assert!(html.contains("Mail to tickets"), "{html}");
}

#[tokio::test]
async fn the_mail_page_and_its_routes_are_for_admins_only() {
    let app = spawn().await;
    let tech = app.signed_in(TECH).await;
    let manager = app.signed_in(ACME_MANAGER).await;

    let (tech_status, _) = app.get(&tech, "/api/v1/mail/outbox").await;
    let (manager_status, _) = app
        .post(
            &manager,
            "/api/v1/mail/test",
            json!({ "to": "x@example.com" }),
        )
        .await;
    let html = app.page_text(&tech, "/admin/mail").await;

    assert_eq!(tech_status, StatusCode::FORBIDDEN);
    assert_eq!(manager_status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("This page is not part of your role."),
        "{html}"
    );
    assert!(!html.contains("Outbox"), "{html}");
}

#[tokio::test]
async fn staff_see_what_was_mailed_about_a_ticket_and_its_requester_never_does() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tech = app.signed_in(TECH).await;
    let (_, ticket) = app
        .post(
            &rob,
            "/api/v1/tickets",
            json!({ "subject": "Printer offline", "body": "Again.", "priority": "normal" }),
        )
        .await;
    let id = ticket["id"].as_i64().unwrap();
    app.db
        .enqueue_mail(&NewMail {
            ticket: Some(id),
            ..message("colleague-watcher@acme.example", "about-ticket")
        })
        .await
        .unwrap();

    let (staff_status, list) = app
        .get_as::<Vec<OutboxEntry>>(&tech, &format!("/api/v1/tickets/{id}/mail"))
        .await;
    let (rob_status, _) = app.get(&rob, &format!("/api/v1/tickets/{id}/mail")).await;
    let (missing, _) = app.get(&tech, "/api/v1/tickets/999999/mail").await;
    let staff_page = app.page_text(&tech, &format!("/tickets/{id}")).await;
    let rob_page = app.page_text(&rob, &format!("/tickets/{id}")).await;

    assert_eq!(staff_status, StatusCode::OK);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].to, "colleague-watcher@acme.example");
    assert_eq!(list[0].status, MailStatus::Queued);
    assert_eq!(list[0].body_text, None);
    assert_eq!(rob_status, StatusCode::NOT_FOUND);
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert!(staff_page.contains("ticket-mail-heading"), "{staff_page}");
    assert!(staff_page.contains("colleague-watcher@acme.example"));
    assert!(rob_page.contains("Printer offline"), "{rob_page}");
    assert!(!rob_page.contains("ticket-mail-heading"));
    assert!(!rob_page.contains("colleague-watcher"));
}
