//! Mail under SIGKILL, against real mail servers (`mail_servers`): the server binary killed at
//! random while it sends a burst of notifications through an SMTP relay into Dovecot, and
//! while it reads a mailbox into tickets.
//!
//! - Outbound: after restarts by SIGKILL and SIGTERM, every message of the outbox reaches its
//!   inbox. A SIGTERM repeats nothing: the server waits for the mail on its way. After a
//!   SIGKILL, a message arrives twice only if it was on its way at the kill (claimed, its
//!   outcome not yet written: the relay may have taken it the instant before), and then with
//!   the same Message-ID. SMTP cannot tell a sender whether a message whose answer it never
//!   read was taken (RFC 1047); sending it again is what keeps it from being lost.
//! - Inbound: every message in the mailbox files exactly one ticket, however the kills fall
//!   between reading, filing and marking it seen.

use super::support::*;
use crate::mail_servers::{MailServers, PASSWORD};
use rand::Rng;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The relay timeout the server runs with: a claimed message's lease is ten of them, so a
/// message on its way at a kill goes again 30 s after it.
const SMTP_TIMEOUT_SECS: &str = "3";
/// The help desk's mailbox that inbound mail is read from.
const DESK: &str = "help@desk.example";

async fn mail_servers() -> MailServers {
    MailServers::start().await.unwrap_or_else(|e| panic!("{e}"))
}

/// Waits (up to `limit`) until `check` answers something.
async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The Message-ID of a raw message, without angle brackets.
fn message_id(raw: &str) -> Option<String> {
    raw.lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("message-id").then(|| {
                value
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
}

/// Employees file requests, round the clock, until `stop` is set or the server stops
/// answering; answers the requests acknowledged.
fn file_continuously(
    server: &Server,
    tokens: &[String],
    stop: Arc<AtomicBool>,
    cycle: usize,
) -> tokio::task::JoinSet<Vec<Filed>> {
    let url = server.url("/api/v1/tickets");
    let mut clients = tokio::task::JoinSet::new();
    for (c, token) in tokens.iter().enumerate() {
        let (client, url, stop) = (bearer(token), url.clone(), stop.clone());
        clients.spawn(async move {
            let mut filed = Vec::new();
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let subject = format!("Mail crash {cycle}.{c}.{n}");
                match file(&client, &url, subject, "The printer is offline.".into()).await {
                    Filing::Acknowledged(f) => filed.push(f),
                    Filing::Refused(status, body) => panic!("refused: {status} {body}"),
                    Filing::Unanswered => break,
                }
                // A steady office rather than a flood: the relay, not the filing, is what this
                // test keeps busy.
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            filed
        });
    }
    clients
}

/// The outbox's messages that were on their way when the server died: claimed (an attempt
/// counted) and neither sent nor refused. With a relay that accepts everything, nothing else
/// is queued with an attempt behind it.
async fn on_their_way(database: &Path) -> BTreeSet<String> {
    let pool = open(database).await;
    let ids: Vec<String> = sqlx::query_scalar(
        "select message_id from mail_outbox where status = 'queued' and attempts > 0",
    )
    .fetch_all(&pool)
    .await
    .expect("the outbox reads");
    pool.close().await;
    ids.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_notification_is_lost_to_a_stop_mid_burst_and_only_a_sigkill_sends_any_twice() {
    let (seed, mut rng) = seeded("mail sending");
    let kills = size(3, 8);
    let mail = mail_servers().await;
    let flags = [
        "--smtp-url".to_string(),
        format!("smtp://{}", mail.smtp_addr()),
        "--smtp-timeout-secs".into(),
        SMTP_TIMEOUT_SECS.into(),
        "--mail-from".into(),
        "IT Help <help@provider.example>".into(),
    ];
    let (dir, database) = workdir();
    let mut server = Server::start_with(dir.path(), &database, &flags).await;
    let mut tokens = Vec::new();
    for email in &EMPLOYEES[..4] {
        tokens.push(server.token(email).await);
    }
    let mut filed: Vec<Filed> = Vec::new();
    let mut may_repeat: BTreeSet<String> = BTreeSet::new();

    for cycle in 0..kills {
        if cycle > 0 {
            server = Server::start_with(dir.path(), &database, &flags).await;
        }
        // Kill once the relay has taken this many more, while filing keeps mail coming.
        let before = mail.count().await.expect("the relay counts").messages;
        let kill_at = before + rng.gen_range(20..=120);
        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = file_continuously(&server, &tokens, stop.clone(), cycle);
        eventually("the relay takes mail", Duration::from_secs(120), || async {
            let counts = mail.count().await.expect("the relay counts");
            (counts.messages >= kill_at).then_some(())
        })
        .await;
        // Every other stop is a SIGTERM, as a restart or a deploy stops the server.
        let sigkill = cycle % 2 == 0;
        if sigkill {
            server.kill();
        } else {
            server.terminate().await;
        }
        stop.store(true, Ordering::SeqCst);
        while let Some(done) = clients.join_next().await {
            filed.extend(done.expect("a client runs to the end"));
        }
        let on_the_way = on_their_way(&database).await;
        // An earlier SIGKILL's messages stay on their way until their lease runs out.
        let new: Vec<&String> = on_the_way.difference(&may_repeat).collect();
        eprintln!(
            "{} {cycle} (seed {seed}): after the relay's message {kill_at}; {} more on their way",
            if sigkill { "SIGKILL" } else { "SIGTERM" },
            new.len()
        );
        if sigkill {
            assert!(
                new.len() <= 8,
                "at most the sender's eight at once are on their way: {new:?}"
            );
            may_repeat.extend(on_the_way);
        } else {
            assert!(
                new.is_empty(),
                "a SIGTERM waits for every message on its way: {new:?}"
            );
        }
    }

    // Act: a last restart, and time for the leases of the messages on their way to run out.
    let server = Server::start_with(dir.path(), &database, &flags).await;
    let pool = open(&database).await;
    eventually(
        "every ticket's mail is planned and sent",
        Duration::from_secs(180),
        || async {
            let (unsent, behind): (i64, i64) = sqlx::query_as(
                "select (select count(*) from mail_outbox where status != 'sent'), \
                 (select count(*) from live_event where id > \
                   coalesce((select last_id from mail_cursor where name = 'notify'), 0))",
            )
            .fetch_one(&pool)
            .await
            .expect("the outbox reads");
            (unsent == 0 && behind == 0).then_some(())
        },
    )
    .await;
    let outbox: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(
        "select message_id, to_address, kind, ticket_id from mail_outbox order by id",
    )
    .fetch_all(&pool)
    .await
    .expect("the outbox reads");
    let roots: HashMap<i64, String> =
        sqlx::query_as("select ticket_id, root_message_id from mail_thread")
            .fetch_all(&pool)
            .await
            .expect("the threads read")
            .into_iter()
            .collect();
    let tickets: Vec<(i64, String)> =
        sqlx::query_as("select id, subject from ticket where subject like 'Mail crash %'")
            .fetch_all(&pool)
            .await
            .expect("the tickets read");
    pool.close().await;
    drop(server);

    // What reached each recipient's inbox, by Message-ID.
    let mut arrived: HashMap<String, usize> = HashMap::new();
    let recipients: BTreeSet<&str> = outbox.iter().map(|(_, to, _, _)| to.as_str()).collect();
    for to in recipients {
        for message in mail.mailbox(to).await.expect("the inbox reads") {
            let id = message_id(&message.text()).expect("a Message-ID");
            *arrived.entry(id).or_default() += 1;
        }
    }

    // Assert: nothing lost...
    let lost: Vec<&String> = outbox
        .iter()
        .map(|(id, _, _, _)| id)
        .filter(|id| !arrived.contains_key(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} messages never arrived (seed {seed}), e.g. {:?}",
        lost.len(),
        outbox.len(),
        lost.first()
    );
    // ...nothing twice but what was on its way at a kill...
    let twice: Vec<(&String, &usize)> = arrived.iter().filter(|(_, n)| **n > 1).collect();
    for (id, n) in &twice {
        assert!(
            may_repeat.contains(*id),
            "{id} arrived {n} times though it was not on its way at a kill (seed {seed})"
        );
    }
    assert_eq!(
        arrived.len(),
        outbox.len(),
        "only the outbox's messages arrived"
    );
    // ...every acknowledged request has its one receipt, opening its ticket's thread.
    let by_subject: HashMap<&str, i64> = tickets.iter().map(|(id, s)| (s.as_str(), *id)).collect();
    let mut receipts: HashMap<i64, Vec<&String>> = HashMap::new();
    for (id, _, kind, ticket) in &outbox {
        if let (Some(ticket), "request_received") = (ticket, kind.as_str()) {
            receipts.entry(*ticket).or_default().push(id);
        }
    }
    for request in &filed {
        let ticket = by_subject[request.subject.as_str()];
        let ids = receipts.get(&ticket).cloned().unwrap_or_default();
        assert_eq!(ids.len(), 1, "#{ticket}'s receipts (seed {seed})");
        assert_eq!(Some(ids[0]), roots.get(&ticket), "#{ticket}'s thread");
    }
    eprintln!(
        "{} requests, {} messages, {} on their way at a kill, {} of them arrived twice",
        filed.len(),
        outbox.len(),
        may_repeat.len(),
        twice.len()
    );
}

/// A message an employee writes to the help desk.
fn employee_mail(n: usize, seed: u64) -> Vec<u8> {
    let from = EMPLOYEES[n % EMPLOYEES.len()];
    format!(
        "From: <{from}>\r\nTo: <{DESK}>\r\nSubject: Inbound {n}\r\n\
         Message-ID: <inbound.{n}.{seed}@example.com>\r\n\
         Date: Sun, 06 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\
         \r\nThe printer on floor {n} is offline again.\r\n"
    )
    .into_bytes()
}

/// How many tickets mail has filed, read while the server is down (none before its first
/// start).
async fn filed_by_mail(database: &Path) -> usize {
    if !database.exists() {
        return 0;
    }
    let pool = open(database).await;
    let count: i64 =
        sqlx::query_scalar("select count(*) from ticket where subject like 'Inbound %'")
            .fetch_one(&pool)
            .await
            .expect("the tickets count");
    pool.close().await;
    usize::try_from(count).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mail_files_one_ticket_after_sigkill_during_reading() {
    let (seed, mut rng) = seeded("mail reading");
    let kills = size(3, 10);
    let mail = mail_servers().await;
    let flags = [
        "--mail-from".to_string(),
        format!("IT Help <{DESK}>"),
        "--imap-mailbox".into(),
        format!(
            "imap://help%40desk.example@127.0.0.1:{}/INBOX?tls=none",
            mail.imap_addr().port()
        ),
        "--imap-password".into(),
        PASSWORD.into(),
        // Many requests from each person: the hourly limit is not what this test is about.
        "--imap-sender-tickets-per-hour".into(),
        "100000".into(),
    ];
    let (dir, database) = workdir();
    let mut written = 0;
    let mut write = async |count: usize| {
        for n in written..written + count {
            mail.append(DESK, &employee_mail(n, seed))
                .await
                .expect("the mail is delivered");
        }
        written += count;
        written
    };
    let mut total = write(size(40, 200)).await;

    for cycle in 0..kills {
        let left = total - filed_by_mail(&database).await;
        let server = Server::start_with(dir.path(), &database, &flags).await;
        let kill_after = rng.gen_range(1..=left.min(size(30, 150)));
        eventually("mail is filed", Duration::from_secs(120), || async {
            let filed = server.log().matches("mail filed a ticket").count();
            (filed >= kill_after).then_some(())
        })
        .await;
        drop(server);
        eprintln!("kill {cycle} (seed {seed}): after {kill_after} filed by this run");
        // More arrives while the server is down.
        total = write(size(10, 40)).await;
    }

    // Act: a last restart, which reads whatever is left.
    let server = Server::start_with(dir.path(), &database, &flags).await;
    let pool = open(&database).await;
    let tickets: Vec<(String, String, i64)> =
        eventually("every mail is filed", Duration::from_secs(120), || async {
            let rows: Vec<(String, String, i64)> = sqlx::query_as(
                "select t.subject, a.email, count(*) from ticket t \
                 join account a on a.id = t.requester_id \
                 where t.subject like 'Inbound %' group by t.subject, a.email",
            )
            .fetch_all(&pool)
            .await
            .expect("the tickets read");
            (rows.len() >= total).then_some(rows)
        })
        .await;
    let unseen = eventually(
        "every mail is marked seen",
        Duration::from_secs(60),
        || async {
            let inbox = mail.mailbox(DESK).await.expect("the inbox reads");
            let unseen = inbox
                .iter()
                .filter(|m| !m.flags.iter().any(|f| f == "\\Seen"))
                .count();
            (unseen == 0).then_some(unseen)
        },
    )
    .await;
    let recorded: i64 = sqlx::query_scalar(
        "select count(*) from mail_inbound where subject like 'Inbound %' and outcome = 'filed'",
    )
    .fetch_one(&pool)
    .await
    .expect("the inbound record reads");
    pool.close().await;
    drop(server);

    // Assert: one ticket per message, each for the person who wrote it.
    assert_eq!(unseen, 0);
    assert_eq!(
        tickets.len(),
        total,
        "one subject per message (seed {seed})"
    );
    for (subject, requester, count) in &tickets {
        assert_eq!(*count, 1, "{subject:?} filed {count} times (seed {seed})");
        let n: usize = subject["Inbound ".len()..].parse().expect("a number");
        assert_eq!(requester, EMPLOYEES[n % EMPLOYEES.len()], "{subject:?}");
    }
    assert_eq!(recorded, total as i64, "each message recorded once");
    eprintln!("{total} messages, {kills} kills, {} tickets", tickets.len());
}
