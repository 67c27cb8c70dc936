//! The mail servers the email tests run against (`tests/mail_servers/mail_servers.rs`) do
//! what those tests rely on: SMTP delivers into IMAP, outages and refusals happen on demand,
//! TLS and the capabilities Deskside looks for are there, and nothing outlives a test.

use crate::mail_servers::{MailError, MailServers};
use tokio::net::TcpStream;

fn message(to: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Rob <rob@acme.example>\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@acme.example>\r\n\r\nThe printer is on fire.\r\n"
    )
    .into_bytes()
}

async fn servers() -> MailServers {
    MailServers::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_message_sent_through_smtp_arrives_in_the_recipients_imap_inbox() {
    let mail = servers().await;

    mail.send(
        "rob@acme.example",
        &["alice@example.com"],
        &message("alice@example.com", "printer"),
    )
    .await
    .expect("SMTP accepts the message");

    let inbox = mail.mailbox("alice@example.com").await.unwrap();
    assert_eq!(inbox.len(), 1);
    let text = inbox[0].text();
    assert!(text.contains("Subject: printer\r\n"), "{text}");
    assert!(text.contains("The printer is on fire."), "{text}");
    assert!(!inbox[0].flags.iter().any(|f| f == "\\Seen"));
    assert!(mail.mailbox("bob@example.com").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_message_to_two_recipients_arrives_in_both_inboxes_once() {
    let mail = servers().await;

    mail.send(
        "rob@acme.example",
        &["alice@example.com", "bob@example.com"],
        &message("alice@example.com, bob@example.com", "both"),
    )
    .await
    .unwrap();

    assert_eq!(mail.mailbox("alice@example.com").await.unwrap().len(), 1);
    assert_eq!(mail.mailbox("bob@example.com").await.unwrap().len(), 1);
    assert_eq!(mail.count().await.unwrap().messages, 1);
}

#[tokio::test]
async fn with_smtp_down_connections_are_refused_and_once_up_mail_flows_again() {
    let mail = servers().await;
    let raw = message("alice@example.com", "outage");

    mail.smtp_down().await.unwrap();
    let connecting = TcpStream::connect(mail.smtp_addr()).await;
    let sending = mail.send("rob@acme.example", &["alice@example.com"], &raw).await;
    mail.smtp_up().await.unwrap();
    let after = mail.send("rob@acme.example", &["alice@example.com"], &raw).await;

    let refused = connecting.expect_err("nothing listens while SMTP is down");
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(matches!(sending, Err(MailError::Refused(_))), "{sending:?}");
    assert_eq!(after, Ok(()));
    assert_eq!(mail.mailbox("alice@example.com").await.unwrap().len(), 1);
}

#[tokio::test]
async fn reject_next_fails_that_many_submissions_with_the_code_then_accepts() {
    let mail = servers().await;
    let raw = message("alice@example.com", "busy");

    mail.reject_next(1, 451).await.unwrap();
    let first = mail.send("rob@acme.example", &["alice@example.com"], &raw).await;
    let second = mail.send("rob@acme.example", &["alice@example.com"], &raw).await;

    assert!(
        matches!(first, Err(MailError::Smtp { code: 451, .. })),
        "{first:?}"
    );
    assert_eq!(second, Ok(()));
    assert_eq!(mail.mailbox("alice@example.com").await.unwrap().len(), 1);
}

#[tokio::test]
async fn imap_offers_idle_starttls_and_xoauth2_and_smtp_offers_starttls_and_auth() {
    let mail = servers().await;

    let caps = mail.capabilities().await.unwrap();

    for wanted in ["IDLE", "STARTTLS", "AUTH=PLAIN", "AUTH=XOAUTH2"] {
        assert!(
            caps.imap_pre_login.iter().any(|c| c == wanted),
            "{wanted} in {:?}",
            caps.imap_pre_login
        );
    }
    assert!(caps.imap.iter().any(|c| c == "IDLE"), "{:?}", caps.imap);
    for wanted in ["STARTTLS", "AUTH", "SMTPUTF8"] {
        assert!(caps.smtp.iter().any(|c| c == wanted), "{:?}", caps.smtp);
    }
}

#[tokio::test]
async fn submissions_over_starttls_and_implicit_tls_with_auth_are_delivered() {
    let mail = servers().await;

    let starttls = mail
        .send_authenticated(
            "deskside",
            "help@provider.example",
            &["alice@example.com"],
            &message("alice@example.com", "starttls"),
        )
        .await;
    let implicit = mail
        .send_implicit_tls(
            "deskside",
            "help@provider.example",
            &["alice@example.com"],
            &message("alice@example.com", "implicit"),
        )
        .await;

    assert_eq!(starttls, Ok(()));
    assert_eq!(implicit, Ok(()));
    assert_eq!(mail.mailbox("alice@example.com").await.unwrap().len(), 2);
    assert!(mail.ca_file().is_file());
}

#[tokio::test]
async fn an_appended_message_keeps_its_odd_bytes_and_flags() {
    let mail = servers().await;
    let raw = b"Subject: =?bogus?= \xff\xfe 8-bit\r\nFrom: <>\r\n\r\n<script>alert(1)</script>\r\n";

    let uid = mail
        .append_with_flags("help@provider.example", raw, &["\\Seen"])
        .await
        .unwrap();

    let inbox = mail.mailbox("help@provider.example").await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].uid, uid);
    assert_eq!(inbox[0].raw, raw);
    assert!(inbox[0].flags.iter().any(|f| f == "\\Seen"), "{:?}", inbox[0].flags);
}

#[tokio::test]
async fn with_imap_down_connections_are_refused_and_once_up_the_mail_is_still_there() {
    let mail = servers().await;
    let raw = message("alice@example.com", "kept");
    mail.send("rob@acme.example", &["alice@example.com"], &raw)
        .await
        .unwrap();

    mail.imap_down().await.unwrap();
    let connecting = TcpStream::connect(mail.imap_addr()).await;
    let delivering = mail.send("rob@acme.example", &["alice@example.com"], &raw).await;
    mail.imap_up().await.unwrap();

    assert!(connecting.is_err(), "nothing listens while IMAP is down");
    assert!(
        matches!(delivering, Err(MailError::Smtp { code: 451, .. })),
        "SMTP cannot deliver without LMTP: {delivering:?}"
    );
    assert_eq!(mail.mailbox("alice@example.com").await.unwrap().len(), 1);
}

#[tokio::test]
async fn two_sets_of_servers_run_side_by_side_with_their_own_mailboxes() {
    let (one, two) = tokio::join!(servers(), servers());

    one.send(
        "rob@acme.example",
        &["alice@example.com"],
        &message("alice@example.com", "one"),
    )
    .await
    .unwrap();

    assert_ne!(one.smtp_addr(), two.smtp_addr());
    assert_ne!(one.dir(), two.dir());
    assert_eq!(one.mailbox("alice@example.com").await.unwrap().len(), 1);
    assert!(two.mailbox("alice@example.com").await.unwrap().is_empty());
}

#[tokio::test]
async fn the_sink_counts_messages_and_sessions_and_has_no_imap() {
    let sink = MailServers::sink().await.unwrap_or_else(|e| panic!("{e}"));

    for n in 0..3 {
        sink.send(
            "help@provider.example",
            &["a@example.com", "b@example.com"],
            &message("a@example.com", &format!("n{n}")),
        )
        .await
        .unwrap();
    }

    let counts = sink.count().await.unwrap();
    assert_eq!(counts.messages, 3);
    assert_eq!(counts.recipients, 6);
    assert_eq!(counts.sessions, 3);
    assert!(sink.capabilities().await.unwrap().imap.is_empty());
}

#[tokio::test]
async fn dropping_the_servers_closes_their_ports_and_removes_their_directory() {
    let mail = servers().await;
    let (smtp, imap, dir) = (mail.smtp_addr(), mail.imap_addr(), mail.dir().to_owned());
    assert!(dir.is_dir());

    drop(mail);

    assert!(!dir.exists(), "{} is left behind", dir.display());
    assert!(TcpStream::connect(smtp).await.is_err());
    assert!(TcpStream::connect(imap).await.is_err());
}
