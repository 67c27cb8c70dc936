//! Mail read into tickets, against a real Dovecot: a known person's mail files a ticket, a
//! reply lands on its ticket, automatic mail files nothing, unknown senders become requesters
//! or wait for an admin, a message never files twice (delivered twice, or read again after a
//! crash before it was marked seen), hostile mail becomes an entry, IDLE files at once, a
//! sender over the hourly limit is held, `[#123]` in a subject finds its ticket only for those
//! who may act on it, and XOAUTH2 signs in with tokens from a real token endpoint.

use super::support::*;
use crate::mail_servers::{MailServers, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

const DESK: &str = "help@desk.example";

struct Rig {
    mail: MailServers,
    app: TestApp,
    admin: Client,
}

/// Mail servers, and Deskside reading the help desk's inbox from them (IDLE; a poll would
/// take an hour, so nothing here is filed by polling).
async fn rig() -> Rig {
    rig_with(|_| {}).await
}

async fn rig_with(configure: impl FnOnce(&mut server::settings::Settings)) -> Rig {
    let mail = MailServers::start().await.unwrap_or_else(|e| panic!("{e}"));
    let port = mail.imap_addr().port();
    let app = spawn_with(|s| {
        s.mail.mail_from = format!("IT Help <{DESK}>");
        s.mail.imap.imap_mailboxes = vec![format!(
            "imap://help%40desk.example@127.0.0.1:{port}/INBOX?tls=none"
        )];
        s.mail.imap.imap_password = Some(PASSWORD.to_string().into());
        s.mail.imap.imap_poll_secs = 3600;
        configure(s);
    })
    .await;
    let admin = app.signed_in(ADMIN).await;
    Rig { mail, app, admin }
}

/// Waits (up to a minute) until `check` answers something.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Rig {
    async fn overview(&self) -> Value {
        let (status, body) = self.app.get(&self.admin, "/api/v1/mail/inbound").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Waits until the message with `subject` is recorded, and answers its entry (from any
    /// list) or, once filed, the ticket number.
    async fn recorded(&self, subject: &str) -> Value {
        eventually(&format!("{subject} recorded"), || async {
            let row = sqlx::query_as::<_, (String, Option<i64>, Option<String>)>(
                "select outcome, ticket_id, reason from mail_inbound where subject = ?",
            )
            .bind(subject)
            .fetch_optional(self.app.db.pool())
            .await
            .unwrap();
            row.map(|(outcome, ticket, reason)| {
                json!({ "outcome": outcome, "ticket_id": ticket, "reason": reason })
            })
        })
        .await
    }

    /// Waits until the inbox's message with `subject` carries `\Seen`.
    async fn seen(&self, subject: &str) {
        eventually(&format!("{subject} seen"), || async {
            let inbox = self.mail.mailbox(DESK).await.unwrap();
            inbox
                .iter()
                .find(|m| m.text().contains(&format!("Subject: {subject}\r\n")))
                .filter(|m| m.flags.iter().any(|f| f == "\\Seen"))
                .map(|_| ())
        })
        .await
    }

    async fn append(&self, raw: String) {
        self.mail.append(DESK, raw.as_bytes()).await.unwrap();
    }

    async fn ticket(&self, id: i64) -> Value {
        let tech = self.app.signed_in(TECH).await;
        let (status, body) = self.app.get(&tech, &format!("/api/v1/tickets/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn ticket_count(&self) -> i64 {
        sqlx::query_scalar("select count(*) from ticket")
            .fetch_one(self.app.db.pool())
            .await
            .unwrap()
    }

    async fn filed(&self, subject: &str) -> i64 {
        let entry = self.recorded(subject).await;
        assert_eq!(entry["outcome"], "filed", "{entry}");
        entry["ticket_id"].as_i64().expect("a ticket")
    }
}

fn plain(from: &str, subject: &str, id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {DESK}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 1 Dec 2026 10:00:00 +0000\r\n{extra}\r\n{body}\r\n"
    )
}

#[tokio::test]
async fn a_known_persons_mail_files_a_ticket_in_their_org_with_body_trimmed_and_attachment() {
    let rig = rig().await;
    let raw = format!(
        "From: Rob Requester <Rob@Acme.Example>\r\nTo: {DESK}\r\nSubject: Printer jams\r\n\
         Message-ID: <m1@acme.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nIt jams on every page.\r\n\r\n-- \r\nRob\r\nAcme Dental\r\n\
         --b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"log.txt\"\r\n\r\n\
         paper path error\r\n--b--\r\n"
    );

    rig.append(raw).await;

    let id = rig.filed("Printer jams").await;
    let ticket = rig.ticket(id).await;
    assert_eq!(ticket["subject"], "Printer jams");
    assert_eq!(ticket["org_name"], "Acme Dental");
    assert_eq!(ticket["requester_name"], "Rob Requester");
    assert_eq!(ticket["body"], "It jams on every page.");
    assert_eq!(ticket["attachments"][0]["file_name"], "log.txt");
    rig.seen("Printer jams").await;
}

#[tokio::test]
async fn a_reply_by_token_or_by_in_reply_to_lands_on_its_ticket_and_reopens_it() {
    let rig = rig().await;
    rig.append(plain(
        "rob@acme.example",
        "VPN down",
        "v1@acme.example",
        "",
        "No VPN.",
    ))
    .await;
    let id = rig.filed("VPN down").await;
    let thread = {
        let mut tx = rig.app.db.begin().await.unwrap();
        let thread = server::db::mail::thread_of(&mut tx, id, |t| {
            format!("deskside.t{id}.{t}@desk.example")
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        thread
    };
    let tech = rig.app.signed_in(TECH).await;
    let (status, body) = rig
        .app
        .send(
            &tech,
            reqwest::Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // By the reply token in the address.
    rig.append(format!(
        "From: rob@acme.example\r\nTo: IT Help <help+{}@desk.example>\r\n\
         Subject: Re: [#{id}] VPN down\r\nMessage-ID: <v2@acme.example>\r\n\r\n\
         Still down.\r\n\r\nOn Mon, 1 Dec 2026, IT Help <{DESK}> wrote:\r\n> Resolved.\r\n",
        thread.reply_token
    ))
    .await;
    let entry = rig.recorded(&format!("Re: [#{id}] VPN down")).await;
    assert_eq!(entry["outcome"], "replied", "{entry}");
    assert_eq!(entry["ticket_id"], id);
    let ticket = rig.ticket(id).await;
    assert_eq!(ticket["status"], "open");
    let text = ticket["timeline"].to_string();
    assert!(text.contains("Still down."), "{text}");
    assert!(
        !text.contains("Resolved."),
        "quoted history is trimmed: {text}"
    );

    // By In-Reply-To alone, as a manager of the org.
    rig.append(format!(
        "From: mia@acme.example\r\nTo: {DESK}\r\nSubject: about the VPN\r\n\
         Message-ID: <v3@acme.example>\r\nIn-Reply-To: <{}>\r\n\r\nI can confirm.\r\n",
        thread.root_message_id
    ))
    .await;
    let entry = rig.recorded("about the VPN").await;
    assert_eq!(entry["outcome"], "replied", "{entry}");
    assert_eq!(entry["ticket_id"], id);
    assert_eq!(rig.ticket_count().await, 1);
}

#[tokio::test]
async fn automatic_mail_and_our_own_messages_file_nothing_and_are_recorded() {
    let rig = rig().await;
    let ours = "deskside.t1.0123456789abcdef@desk.example";
    for (subject, extra) in [
        ("Out of office", "Auto-Submitted: auto-replied\r\n"),
        ("Undelivered", "Return-Path: <>\r\n"),
        (
            "Newsletter",
            "List-Id: <news.acme.example>\r\nPrecedence: list\r\n",
        ),
        ("Bulk", "Precedence: bulk\r\n"),
    ] {
        rig.append(plain(
            "rob@acme.example",
            subject,
            &format!("{}@acme.example", subject.replace(' ', "")),
            extra,
            "x",
        ))
        .await;
    }
    rig.append(plain("rob@acme.example", "Looped", ours, "", "x"))
        .await;
    rig.append(plain(DESK, "From ourselves", "self1@desk.example", "", "x"))
        .await;

    for subject in [
        "Out of office",
        "Undelivered",
        "Newsletter",
        "Bulk",
        "Looped",
        "From ourselves",
    ] {
        let entry = rig.recorded(subject).await;
        assert_eq!(entry["outcome"], "ignored", "{subject}: {entry}");
        rig.seen(subject).await;
    }
    assert_eq!(rig.ticket_count().await, 0);
    let outbox: i64 = sqlx::query_scalar("select count(*) from mail_outbox")
        .fetch_one(rig.app.db.pool())
        .await
        .unwrap();
    assert_eq!(outbox, 0, "nothing is answered");
    assert_eq!(rig.overview().await["ignored"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn unknown_senders_become_requesters_of_a_listed_domain_or_wait_for_an_admin() {
    let rig = rig().await;
    let acme = rig.app.org_id("Acme Dental").await;
    let (status, body) = rig
        .app
        .post(
            &rig.admin,
            "/api/v1/mail/inbound/domains",
            json!({ "org_id": acme, "domain": "acme.example" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    rig.append(plain(
        "Nina New <nina@acme.example>",
        "New laptop",
        "n1@acme.example",
        "",
        "Please set it up.",
    ))
    .await;
    rig.append(plain(
        "Sam Stranger <sam@elsewhere.example>",
        "Hello there",
        "s1@elsewhere.example",
        "",
        "Can you help?",
    ))
    .await;
    rig.append(plain(
        "spam@elsewhere.example",
        "Buy now",
        "s2@elsewhere.example",
        "",
        "Cheap.",
    ))
    .await;

    let id = rig.filed("New laptop").await;
    let ticket = rig.ticket(id).await;
    assert_eq!(ticket["org_name"], "Acme Dental");
    assert_eq!(ticket["requester_name"], "Nina New");
    let nina = rig
        .app
        .login(&rig.app.client(), "nina@acme.example", "")
        .await;
    assert_ne!(
        nina.status(),
        StatusCode::OK,
        "a new requester has no password"
    );

    assert_eq!(rig.recorded("Hello there").await["outcome"], "held");
    assert_eq!(rig.recorded("Buy now").await["outcome"], "held");
    rig.seen("Hello there").await;
    let held = rig.overview().await["held"].clone();
    let held_id = |subject: &str| {
        held.as_array()
            .unwrap()
            .iter()
            .find(|m| m["subject"] == subject)
            .and_then(|m| m["id"].as_i64())
            .unwrap()
    };
    let (hello, spam) = (held_id("Hello there"), held_id("Buy now"));
    assert_eq!(rig.ticket_count().await, 1, "held mail files nothing");

    let birch = rig.app.org_id("Birch Accounting").await;
    let (status, body) = rig
        .app
        .post(
            &rig.admin,
            &format!("/api/v1/mail/inbound/held/{hello}/accept"),
            json!({ "org_id": birch }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ticket = rig.ticket(body["ticket_id"].as_i64().unwrap()).await;
    assert_eq!(ticket["org_name"], "Birch Accounting");
    assert_eq!(ticket["subject"], "Hello there");
    assert_eq!(ticket["body"], "Can you help?");

    let (status, _) = rig
        .app
        .post(
            &rig.admin,
            &format!("/api/v1/mail/inbound/held/{spam}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(rig.ticket_count().await, 2);
    assert!(rig.overview().await["held"].as_array().unwrap().is_empty());
    // Deciding twice finds nothing held.
    let (status, _) = rig
        .app
        .post(
            &rig.admin,
            &format!("/api/v1/mail/inbound/held/{hello}/accept"),
            json!({ "org_id": birch }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_same_message_delivered_twice_files_once() {
    let rig = rig().await;
    let raw = plain(
        "rob@acme.example",
        "Twice",
        "twice@acme.example",
        "",
        "Once please.",
    );

    rig.mail
        .send("rob@acme.example", &[DESK], raw.as_bytes())
        .await
        .unwrap();
    rig.filed("Twice").await;
    rig.seen("Twice").await;
    rig.append(raw).await;
    rig.append(plain(
        "rob@acme.example",
        "After",
        "after@acme.example",
        "",
        "x",
    ))
    .await;

    rig.filed("After").await;
    assert_eq!(rig.ticket_count().await, 2);
    let inbox = rig.mail.mailbox(DESK).await.unwrap();
    assert!(
        inbox.iter().all(|m| m.flags.iter().any(|f| f == "\\Seen")),
        "the copy is marked seen too"
    );
}

#[tokio::test]
async fn a_reader_stopped_after_the_commit_but_before_marking_seen_files_nothing_twice() {
    let rig = rig_with(|s| {
        s.mail
            .imap
            .test_hooks
            .stop_after_commit
            .store(true, Ordering::SeqCst);
    })
    .await;

    rig.append(plain(
        "rob@acme.example",
        "Crash",
        "crash@acme.example",
        "",
        "x",
    ))
    .await;

    rig.filed("Crash").await;
    // The reader reconnects, reads the message again, finds it filed and marks it seen.
    rig.seen("Crash").await;
    let hooks = &rig.app.settings.mail.imap.test_hooks;
    assert!(
        !hooks.stop_after_commit.load(Ordering::SeqCst),
        "the crash happened"
    );
    assert_eq!(rig.ticket_count().await, 1);
    let status = &rig.overview().await["mailboxes"][0];
    assert!(
        status["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("stopped"),
        "{status}"
    );
}

#[tokio::test]
async fn hostile_mail_becomes_an_entry_and_the_next_good_message_still_files() {
    let rig = rig_with(|s| s.mail.imap.imap_max_message_mb = 1).await;
    rig.append(format!(
        "From: rob@acme.example\r\nTo: {DESK}\r\nSubject: Scripted\r\nMessage-ID: <h1@acme.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n\
         <p>Click</p><script>alert(document.cookie)</script><img src=x onerror=alert(1)>\r\n"
    ))
    .await;
    rig.append(format!(
        "To: {DESK}\r\nSubject: Nobody\r\nMessage-ID: <h2@acme.example>\r\n\
         Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nbroken"
    ))
    .await;
    rig.append(plain(
        "rob@acme.example",
        "Huge",
        "h3@acme.example",
        "",
        &"A".repeat(1_200_000),
    ))
    .await;
    rig.append(plain(
        "rob@acme.example",
        "Good one",
        "h4@acme.example",
        "",
        "Fine.",
    ))
    .await;

    let good = rig.filed("Good one").await;
    assert!(good > 0);
    let scripted = rig.filed("Scripted").await;
    let body = rig.ticket(scripted).await["body"].to_string();
    assert!(
        !body.contains("script") && !body.contains("alert"),
        "{body}"
    );
    assert_eq!(rig.recorded("Nobody").await["outcome"], "problem");
    let huge = rig.recorded("Huge").await;
    assert_eq!(huge["outcome"], "problem");
    assert!(huge["reason"].as_str().unwrap().contains("MB"), "{huge}");
    for subject in ["Scripted", "Nobody", "Huge", "Good one"] {
        rig.seen(subject).await;
    }
    let problems = rig.overview().await["problems"].to_string();
    for subject in ["Scripted", "Nobody", "Huge"] {
        assert!(problems.contains(subject), "{subject}: {problems}");
    }
}

#[tokio::test]
async fn a_message_arriving_while_the_reader_idles_is_filed_without_a_poll() {
    let rig = rig().await;
    // The first round is done once the mailbox reports a success; the reader then idles
    // (the poll interval is an hour).
    eventually("the first round", || async {
        let o = rig.overview().await;
        o["mailboxes"][0]["last_success_at"].as_str().map(|_| ())
    })
    .await;

    rig.mail
        .send(
            "rob@acme.example",
            &[DESK],
            plain(
                "rob@acme.example",
                "While idle",
                "idle@acme.example",
                "",
                "x",
            )
            .as_bytes(),
        )
        .await
        .unwrap();

    rig.filed("While idle").await;
    assert!(rig.overview().await["mailboxes"][0]["last_error"].is_null());
}

#[tokio::test]
async fn the_mailbox_is_read_over_tls_with_the_extra_root_certificate() {
    let mail = MailServers::start().await.unwrap_or_else(|e| panic!("{e}"));
    let port = mail.imaps_addr().port();
    let ca = mail.ca_file().to_path_buf();
    let app = spawn_with(|s| {
        s.mail.mail_from = format!("IT Help <{DESK}>");
        s.mail.imap.imap_mailboxes = vec![format!(
            "imaps://help%40desk.example@127.0.0.1:{port}/INBOX"
        )];
        s.mail.imap.imap_password = Some(PASSWORD.to_string().into());
        s.mail.imap.imap_ca_file = Some(ca);
        s.mail.imap.imap_poll_secs = 3600;
    })
    .await;
    let admin = app.signed_in(ADMIN).await;
    let rig = Rig { mail, app, admin };

    rig.append(plain(
        "rob@acme.example",
        "Over TLS",
        "tls@acme.example",
        "",
        "x",
    ))
    .await;

    rig.filed("Over TLS").await;
    rig.seen("Over TLS").await;
}

#[tokio::test]
async fn only_admins_see_and_decide_incoming_mail() {
    let app = spawn().await;
    let tech = app.signed_in(TECH).await;
    let (status, _) = app.get(&tech, "/api/v1/mail/inbound").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin = app.signed_in(ADMIN).await;
    let (status, body) = app.get(&admin, "/api/v1/mail/inbound").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["mailboxes"].as_array().unwrap().is_empty());
    let acme = app.org_id("Acme Dental").await;
    let (status, body) = app
        .post(
            &admin,
            "/api/v1/mail/inbound/domains",
            json!({ "org_id": acme, "domain": "not a domain" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "invalid");
}

#[tokio::test]
async fn an_admin_adds_and_removes_a_mail_domain_without_javascript() {
    use app::mail::inbound::page::{AddMailDomain, RemoveMailDomain};
    use leptos::server_fn::ServerFn;
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let acme = app.org_id("Acme Dental").await.to_string();
    const PAGE: &str = "/admin/mail";

    let res = app
        .post_form(
            &admin,
            AddMailDomain::PATH,
            PAGE,
            &[("org_id", &acme), ("domain", "Acme.Example")],
        )
        .await;

    assert_eq!(res.status(), StatusCode::FOUND);
    let page = app.page_text(&admin, PAGE).await;
    assert!(page.contains("acme.example — Acme Dental"), "{page}");
    assert!(page.contains("No mailbox is read"), "{page}");

    let res = app
        .post_form(
            &admin,
            RemoveMailDomain::PATH,
            PAGE,
            &[("domain", "acme.example")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let page = app.page_text(&admin, PAGE).await;
    assert!(!page.contains("acme.example — Acme Dental"), "{page}");
}

#[tokio::test]
async fn a_sender_over_the_hourly_limit_is_held_for_an_admin_and_another_sender_still_files() {
    let rig = rig_with(|s| s.mail.imap.imap_sender_tickets_per_hour = 2).await;
    for (n, from) in [
        (1, "rob@acme.example"),
        (2, "rob@acme.example"),
        (3, "rob@acme.example"),
        // The same sender, written otherwise, is still the same sender.
        (4, "Rob Requester <ROB@Acme.Example>"),
    ] {
        rig.append(plain(
            from,
            &format!("Rush {n}"),
            &format!("rush{n}@acme.example"),
            "",
            "Again.",
        ))
        .await;
    }
    rig.append(plain(
        "mia@acme.example",
        "Mia asks",
        "mia1@acme.example",
        "",
        "Mine.",
    ))
    .await;

    rig.filed("Rush 1").await;
    rig.filed("Rush 2").await;
    let third = rig.recorded("Rush 3").await;
    let fourth = rig.recorded("Rush 4").await;
    rig.filed("Mia asks").await;
    rig.seen("Rush 4").await;

    for over in [&third, &fourth] {
        assert_eq!(over["outcome"], "held", "{over}");
        assert!(over["ticket_id"].is_null(), "{over}");
        let reason = over["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("rob@acme.example")
                && reason.contains("--imap-sender-tickets-per-hour"),
            "{reason}"
        );
    }
    assert_eq!(rig.ticket_count().await, 3, "two of Rob's and Mia's");
    let held = rig.overview().await["held"].clone();
    let subjects: Vec<&str> = held
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert_eq!(subjects, ["Rush 3", "Rush 4"]);
    let page = rig.app.page_text(&rig.admin, "/admin/mail").await;
    let held_section = page
        .split("Held for an admin")
        .nth(1)
        .expect("the held section");
    assert!(held_section.contains("Rush 3"), "{held_section}");
    assert!(
        held_section.contains("the most allowed (--imap-sender-tickets-per-hour)"),
        "{held_section}"
    );

    // Rob is a known person: his held mail can only file as him, in Acme Dental. The page
    // says so instead of offering a choice, and a post naming another organization is refused
    // with nothing filed.
    assert!(
        held_section.contains("Files as Rob Requester of Acme Dental"),
        "{held_section}"
    );
    assert!(!held_section.contains("File in"), "{held_section}");
    let acme = rig.app.org_id("Acme Dental").await;
    assert_eq!(held[0]["sender"]["org_id"], acme, "{}", held[0]);
    assert_eq!(held[0]["sender"]["can_file"], true, "{}", held[0]);
    let rush3 = held[0]["id"].as_i64().unwrap();
    let birch = rig.app.org_id("Birch Accounting").await;
    let (status, body) = rig
        .app
        .post(
            &rig.admin,
            &format!("/api/v1/mail/inbound/held/{rush3}/accept"),
            json!({ "org_id": birch }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string()
            .contains("is Rob Requester of Acme Dental: their request can only file there"),
        "{body}"
    );
    assert_eq!(rig.ticket_count().await, 3, "nothing filed in Birch");

    // Nothing is lost: the admin files the held message after all.
    let (status, body) = rig
        .app
        .post(
            &rig.admin,
            &format!("/api/v1/mail/inbound/held/{rush3}/accept"),
            json!({ "org_id": acme }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ticket = rig.ticket(body["ticket_id"].as_i64().unwrap()).await;
    assert_eq!(ticket["subject"], "Rush 3");
    assert_eq!(ticket["requester_name"], "Rob Requester");
}

#[tokio::test]
async fn a_ticket_number_in_the_subject_files_a_reply_only_for_a_sender_who_may_act_on_it() {
    let rig = rig().await;
    rig.append(plain(
        "rob@acme.example",
        "Broken chair",
        "chair1@acme.example",
        "",
        "It wobbles.",
    ))
    .await;
    let id = rig.filed("Broken chair").await;

    // No reply token, no In-Reply-To or References: only the subject's [#id].
    rig.append(plain(
        "mia@acme.example",
        &format!("Re: [#{id}] Broken chair"),
        "chair2@acme.example",
        "",
        "Zebra-mia-marker: it fell over.",
    ))
    .await;
    rig.append(plain(
        "bea@birch.example",
        &format!("Fwd: [#{id}] Broken chair, us too"),
        "chair3@birch.example",
        "",
        "Zebra-bea-marker: ours too.",
    ))
    .await;

    let reply = rig.recorded(&format!("Re: [#{id}] Broken chair")).await;
    let other = rig
        .filed(&format!("Fwd: [#{id}] Broken chair, us too"))
        .await;

    assert_eq!(reply["outcome"], "replied", "{reply}");
    assert_eq!(reply["ticket_id"], id);
    let chair = rig.ticket(id).await;
    let timeline = chair["timeline"].to_string();
    assert!(timeline.contains("Zebra-mia-marker"), "{timeline}");
    assert!(!timeline.contains("Zebra-bea-marker"), "{timeline}");
    assert_ne!(other, id);
    let theirs = rig.ticket(other).await;
    assert_eq!(theirs["org_name"], "Birch Accounting");
    assert_eq!(theirs["requester_name"], "Bea Bookkeeper");
    assert!(
        theirs["body"]
            .as_str()
            .unwrap()
            .contains("Zebra-bea-marker"),
        "{theirs}"
    );
    assert_eq!(rig.ticket_count().await, 2);
}

/// What the token endpoint was posted, one form per call.
type TokenCalls = Arc<StdMutex<Vec<HashMap<String, String>>>>;
/// What the token endpoint answers, in turn.
type TokenAnswers = Arc<Vec<(StatusCode, Value)>>;

/// A tiny OAuth2 token endpoint on 127.0.0.1, served by the test: it answers each refresh
/// with the next of `answers` (the last one again once they run out) and keeps every form it
/// was posted. Its address, and the forms.
async fn token_endpoint(answers: Vec<(StatusCode, Value)>) -> (String, TokenCalls) {
    use axum::{Form, Json, Router, extract::State, routing::post};
    let calls = TokenCalls::default();
    let answers: TokenAnswers = Arc::new(answers);
    let router = Router::new()
        .route(
            "/token",
            post(
                |State((calls, answers)): State<(TokenCalls, TokenAnswers)>,
                 Form(form): Form<HashMap<String, String>>| async move {
                    let mut calls = calls.lock().unwrap();
                    calls.push(form);
                    let (status, body) = answers[(calls.len() - 1).min(answers.len() - 1)].clone();
                    (status, Json(body))
                },
            ),
        )
        .with_state((calls.clone(), answers));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/token"), calls)
}

const CLIENT_ID: &str = "deskside-test-client";
const CLIENT_SECRET: &str = "zq-client-secret";
const REFRESH_TOKEN: &str = "zq-refresh-token";

/// Mail servers, and Deskside reading the inbox with XOAUTH2 and tokens from `token_url`.
async fn oauth_rig(token_url: &str) -> Rig {
    let mail = MailServers::start().await.unwrap_or_else(|e| panic!("{e}"));
    let port = mail.imap_addr().port();
    let app = spawn_with(|s| {
        s.mail.mail_from = format!("IT Help <{DESK}>");
        s.mail.imap.imap_mailboxes = vec![format!(
            "imap://help%40desk.example@127.0.0.1:{port}/INBOX?tls=none&auth=xoauth2"
        )];
        s.mail.imap.imap_oauth_token_url = Some(token_url.to_string());
        s.mail.imap.imap_oauth_client_id = Some(CLIENT_ID.to_string());
        s.mail.imap.imap_oauth_client_secret = Some(CLIENT_SECRET.to_string().into());
        s.mail.imap.imap_oauth_refresh_token = Some(REFRESH_TOKEN.to_string().into());
        s.mail.imap.imap_poll_secs = 3600;
    })
    .await;
    let admin = app.signed_in(ADMIN).await;
    Rig { mail, app, admin }
}

/// The answer of a token endpoint granting `token` for an hour.
fn granted(token: &str) -> (StatusCode, Value) {
    (
        StatusCode::OK,
        json!({ "access_token": token, "token_type": "Bearer", "expires_in": 3600 }),
    )
}

#[tokio::test]
async fn a_mailbox_signs_in_with_xoauth2_using_a_token_refreshed_at_the_endpoint() {
    // The harness's Dovecot takes its one password as the bearer token.
    let (url, calls) = token_endpoint(vec![granted(PASSWORD)]).await;
    let rig = oauth_rig(&url).await;

    rig.append(plain(
        "rob@acme.example",
        "Via OAuth",
        "oauth1@acme.example",
        "",
        "x",
    ))
    .await;

    rig.filed("Via OAuth").await;
    rig.seen("Via OAuth").await;
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "the token is kept: {calls:?}");
    let form = &calls[0];
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    assert_eq!(form["refresh_token"], REFRESH_TOKEN);
}

#[tokio::test]
async fn a_token_the_mail_server_refuses_is_not_offered_again_but_refreshed() {
    let (url, calls) = token_endpoint(vec![granted("zq-revoked-token"), granted(PASSWORD)]).await;
    let rig = oauth_rig(&url).await;

    rig.append(plain(
        "rob@acme.example",
        "After a refusal",
        "oauth2@acme.example",
        "",
        "x",
    ))
    .await;

    rig.filed("After a refusal").await;
    assert_eq!(calls.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_token_endpoint_refusing_the_grant_is_an_error_the_admin_reads_on_the_mail_page() {
    let (url, calls) = token_endpoint(vec![(
        StatusCode::BAD_REQUEST,
        json!({
            "error": "invalid_grant",
            "error_description": "The refresh token has expired."
        }),
    )])
    .await;
    let rig = oauth_rig(&url).await;
    rig.append(plain(
        "rob@acme.example",
        "Waiting",
        "oauth3@acme.example",
        "",
        "x",
    ))
    .await;

    let error = eventually("the mailbox's error", || async {
        rig.overview().await["mailboxes"][0]["last_error"]
            .as_str()
            .map(str::to_string)
    })
    .await;
    // The reader keeps trying, with back-off, and the server keeps answering.
    eventually("a second try", || async {
        (calls.lock().unwrap().len() >= 2).then_some(())
    })
    .await;
    let page = rig.app.page_text(&rig.admin, "/admin/mail").await;

    assert!(
        error.contains("OAuth2") && error.contains("invalid_grant: The refresh token has expired."),
        "{error}"
    );
    assert!(
        !error.contains(REFRESH_TOKEN) && !error.contains(CLIENT_SECRET),
        "{error}"
    );
    assert!(page.contains("invalid_grant"), "{page}");
    assert!(
        rig.overview().await["mailboxes"][0]["last_success_at"].is_null(),
        "never signed in"
    );
    assert_eq!(rig.ticket_count().await, 0);
}

#[tokio::test]
async fn mail_from_a_deactivated_person_is_held_and_cannot_be_filed_as_them() {
    let rig = rig().await;
    let raj = rig.app.user_id("raj@acme.example").await;
    let (status, body) = rig
        .app
        .send(
            &rig.admin,
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{raj}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    rig.append(plain(
        "raj@acme.example",
        "Still here",
        "raj1@acme.example",
        "",
        "Can you restore my account?",
    ))
    .await;
    let held = rig.recorded("Still here").await;
    assert_eq!(held["outcome"], "held", "{held}");

    let entry = rig.overview().await["held"][0].clone();
    assert_eq!(entry["sender"]["name"], "Raj Hygienist", "{entry}");
    assert_eq!(entry["sender"]["can_file"], false, "{entry}");
    let page = rig.app.page_text(&rig.admin, "/admin/mail").await;
    let held_section = page.split("Held for an admin").nth(1).expect("held");
    assert!(
        held_section
            .contains("raj@acme.example is Raj Hygienist of Acme Dental, who cannot file requests"),
        "{held_section}"
    );
    // The page offers no Accept; a crafted one is refused and files nothing.
    let acme = rig.app.org_id("Acme Dental").await;
    let id = entry["id"].as_i64().unwrap();
    let (status, body) = rig
        .app
        .post(
            &rig.admin,
            &format!("/api/v1/mail/inbound/held/{id}/accept"),
            json!({ "org_id": acme }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("cannot file requests"), "{body}");
    assert_eq!(rig.ticket_count().await, 0);
    assert_eq!(rig.overview().await["held"][0]["id"], id, "still held");
}
