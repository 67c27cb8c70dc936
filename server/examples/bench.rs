//! `make bench`: starts the release server on a temporary database, measures it from this
//! process over loopback, prints one table beside the previous run's figures and adds the run
//! to `bench/results.json`, which keeps every earlier run.
//!
//! Each figure stands beside its ceiling where one exists (the bare health check for request
//! handling, raw SQLite inserts for writes), so ratios hold on a noisy machine.
//!
//! `BENCH_ONLY=creation` stops after the ticket-creation and reply rows and skips Lighthouse, so a
//! change to the write path is measured in a minute, without Chromium; it prints the table
//! and leaves `bench/results.json` as it was. `BENCH_ONLY=mail` likewise runs only the mail
//! rows (against the SMTP sink of `end2end/mailservers.py`; `make mail-servers`).

#[path = "bench/lighthouse.rs"]
mod lighthouse;
#[path = "../tests/mail_servers/mail_servers.rs"]
mod mail_servers;

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Serialize, Deserialize)]
struct Row {
    metric: String,
    value: f64,
    unit: String,
}

/// One run of `make bench`, as `bench/results.json` keeps it.
#[derive(Serialize, Deserialize)]
struct Run {
    /// When it ran (UTC, RFC 3339).
    at: String,
    /// The commit measured, with `+` when the work tree had changes.
    commit: String,
    rows: Vec<Row>,
}

/// Every earlier run, oldest first. A file in the format before runs were kept (one list of
/// rows) becomes one run of unknown date; a file that does not parse is set aside, not lost.
fn earlier_runs(path: &std::path::Path) -> Vec<Run> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    if let Ok(runs) = serde_json::from_str::<Vec<Run>>(&text) {
        return runs;
    }
    if let Ok(rows) = serde_json::from_str::<Vec<Row>>(&text) {
        return vec![Run {
            at: "unknown".into(),
            commit: "unknown".into(),
            rows,
        }];
    }
    let aside = path.with_extension("json.unreadable");
    eprintln!(
        "{} does not parse; moved to {}",
        path.display(),
        aside.display()
    );
    if let Err(err) = std::fs::rename(path, &aside) {
        eprintln!("could not move it: {err}");
    }
    Vec::new()
}

/// Where every run is kept (not in version control: the figures are this machine's).
fn results_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results.json")
}

/// The commit being measured, marked `+` when the work tree differs from it.
fn commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(head) => match git(&["status", "--porcelain", "--untracked-files=no"]) {
            Some(changes) if !changes.is_empty() => format!("{head}+"),
            _ => head,
        },
        None => "unknown".into(),
    }
}

struct Bench {
    rows: Vec<Row>,
}

impl Bench {
    fn add(&mut self, metric: impl Into<String>, value: f64, unit: &'static str) {
        let metric = metric.into();
        eprintln!("  {metric}: {value:.2} {unit}");
        self.rows.push(Row {
            metric,
            value,
            unit: unit.into(),
        });
    }
}

/// The server process; killed when dropped, so a failed run leaves nothing behind.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(err) = self.child.kill() {
            eprintln!("could not stop the server: {err}");
        }
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_server(dir: &std::path::Path) -> (Server, Duration) {
    start_server_with(dir, &[]).await
}

/// Like [`start_server`], with further command-line arguments.
async fn start_server_with(dir: &std::path::Path, extra: &[&str]) -> (Server, Duration) {
    let exe = std::env::current_exe().expect("own path");
    let server_bin = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|release| release.join("server"))
        .expect("target/release");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let child = Command::new(&server_bin)
        .args(["--database", &dir.join("bench.db").to_string_lossy()])
        .args(["--data-dir", &dir.join("files").to_string_lossy()])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        // The rows below measure the demo's people on their own, as before it had a past.
        .args(["--log", "warn", "--demo", "--demo-days", "0"])
        // The sign-in burst names its clients the way a reverse proxy on loopback would.
        .args(["--trusted-proxies", "127.0.0.1"])
        // The fan-out row opens a thousand streams as one technician, past what one person
        // may hold and near the default connection cap: it measures the bus, not the caps.
        .args(["--streams-per-person", "2000", "--max-connections", "4000"])
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", server_bin.display()));
    let server = Server { child, base };
    let client = reqwest::Client::new();
    loop {
        if let Ok(res) = client.get(format!("{}/healthz", server.base)).send().await
            && res.status().is_success()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (server, started.elapsed())
}

/// Requests per second and latency percentiles for `concurrency` clients looping over
/// `request` for `duration`.
async fn throughput<F, Fut>(
    concurrency: usize,
    duration: Duration,
    request: F,
) -> (f64, Vec<Duration>)
where
    F: Fn(reqwest::Client) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            while started.elapsed() < duration {
                let t = Instant::now();
                assert!(request(client.clone()).await, "a request failed");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a load task"));
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (rate, all)
}

async fn raw_insert_rate(dir: &std::path::Path, duration: Duration) -> f64 {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(server::db::connect_options(&dir.join("raw.db")))
        .await
        .expect("raw database");
    sqlx::query("create table raw (id integer primary key, subject text not null, body text not null, created_at text not null)")
        .execute(&pool)
        .await
        .expect("raw table");
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < duration {
        sqlx::query("insert into raw (subject, body, created_at) values (?, ?, ?)")
            .bind("Printer offline on the second floor")
            .bind("It says offline since this morning; restarted it twice.")
            .bind(server::db::now())
            .execute(&pool)
            .await
            .expect("insert");
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// The demo's 90 days of history seeded into a fresh database (the people's password hashes
/// not counted), and its ceiling: as many bare rows as the history wrote, inserted one
/// statement each in one transaction. Both in milliseconds, with the rows.
async fn demo_seeding(dir: &std::path::Path) -> (f64, f64, i64) {
    let demo = dir.join("demo");
    let db = server::db::Db::open(&demo.join("demo.db"))
        .await
        .expect("demo database");
    let accounts = server::accounts::AccountsService::new(db.clone(), 5, 20);
    let history = server::demo::History {
        days: 90,
        data_dir: &demo.join("files"),
        today: time::OffsetDateTime::now_utc().date(),
    };
    let seeded = server::demo::seed(&accounts, Some(history))
        .await
        .expect("the demo seeds")
        .expect("a fresh database");
    let rows: i64 = sqlx::query_scalar(
        "select (select count(*) from ticket) + (select count(*) from ticket_event) \
         + (select count(*) from ticket_comment) + (select count(*) from attachment) \
         + (select count(*) from time_entry) + (select count(*) from article_link) \
         + (select count(*) from deflection)",
    )
    .fetch_one(db.pool())
    .await
    .expect("rows");
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(server::db::connect_options(&demo.join("bare.db")))
        .await
        .expect("bare database");
    sqlx::query(
        "create table bare (id integer primary key, body text not null, created_at text not null)",
    )
    .execute(&pool)
    .await
    .expect("bare table");
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("a transaction");
    for _ in 0..rows {
        sqlx::query("insert into bare (body, created_at) values (?, ?)")
            .bind("The printer at reception shows offline.")
            .bind(server::db::now())
            .execute(&mut *tx)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    let ceiling = started.elapsed().as_secs_f64() * 1000.0;
    (seeded.history.as_secs_f64() * 1000.0, ceiling, rows)
}

/// Tickets filed per second by `clients` looping over `POST /api/v1/tickets` as one requester.
async fn create_tickets(
    requester: &reqwest::Client,
    base: &str,
    clients: usize,
    window: Duration,
) -> (f64, Vec<Duration>) {
    let (requester, create) = (requester.clone(), format!("{base}/api/v1/tickets"));
    throughput(clients, window, move |_: reqwest::Client| {
        let (client, url) = (requester.clone(), create.clone());
        async move {
            client
                .post(&url)
                .json(&json!({ "subject": "Printer offline", "priority": "normal",
                               "body": "It says offline since this morning; restarted it twice." }))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await
}

/// Public replies posted per second by `clients` looping over
/// `POST /api/v1/tickets/{id}/comments` as one technician, round the 50 newest tickets; each
/// reply mails its requester.
async fn post_replies(
    tech: &reqwest::Client,
    base: &str,
    clients: usize,
    window: Duration,
) -> (f64, Vec<Duration>) {
    let listed: serde_json::Value = tech
        .get(format!("{base}/api/v1/tickets?limit=50"))
        .send()
        .await
        .expect("the ticket list answers")
        .json()
        .await
        .expect("the ticket list");
    let ids: Vec<i64> = listed["tickets"]
        .as_array()
        .expect("a page of tickets")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert!(!ids.is_empty(), "tickets to reply to");
    let urls: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
        ids.iter()
            .map(|id| format!("{base}/api/v1/tickets/{id}/comments"))
            .collect(),
    );
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tech = tech.clone();
    throughput(clients, window, move |_: reqwest::Client| {
        let (client, urls, next) = (tech.clone(), urls.clone(), next.clone());
        async move {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            client
                .post(&urls[n % urls.len()])
                .json(
                    &json!({ "body": "Restarted the spooler; please try printing again.",
                               "internal": false }),
                )
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await
}

/// A client with a session for `email` (demo password).
async fn signed_in(base: &str, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("a client");
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": server::demo::DEMO_PASSWORD }))
        .send()
        .await
        .expect("login answers");
    assert!(res.status().is_success(), "{email} signs in");
    client
}

/// A ticket whose timeline has `entries` entries; returns its page's URL.
async fn ticket_with_timeline(base: &str, entries: usize) -> String {
    let requester = signed_in(base, "rita@acme.example").await;
    let tech = signed_in(base, "tia@provider.example").await;
    let ticket: serde_json::Value = requester
        .post(format!("{base}/api/v1/tickets"))
        .json(&json!({ "subject": "Laptop slow", "priority": "high",
                       "body": "Takes **ten minutes** to start. Fan is loud." }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("ticket json");
    let id = ticket["id"].as_i64().expect("ticket id");
    let mut count = ticket["timeline"].as_array().map_or(0, Vec::len);
    let mut n = 0;
    while count < entries {
        let (client, internal) = if n % 3 == 2 {
            (&requester, false)
        } else {
            (&tech, n % 3 == 1)
        };
        let after: serde_json::Value = client
            .post(format!("{base}/api/v1/tickets/{id}/comments"))
            .json(
                &json!({ "body": format!("Step {n}: checked the `disk` and **memory**."),
                           "internal": internal }),
            )
            .send()
            .await
            .expect("comment")
            .json()
            .await
            .expect("ticket json");
        count = after["timeline"].as_array().map_or(count, Vec::len);
        n += 1;
    }
    format!("{base}/tickets/{id}")
}

/// How fast a committed change reaches `subscribers` open streams: latency from the change's
/// request to each stream's receipt (p50, p99), and resident memory per idle stream.
async fn live_fan_out(
    base: &str,
    pid: u32,
    subscribers: usize,
    changes: usize,
) -> (Vec<Duration>, f64) {
    use futures::StreamExt;
    let tech = signed_in(base, "tom@provider.example").await;
    let requester = signed_in(base, "rob@acme.example").await;
    let ticket: serde_json::Value = requester
        .post(format!("{base}/api/v1/tickets"))
        .json(&json!({ "subject": "Live bench", "priority": "low", "body": "Fan-out." }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("ticket json");
    let id = ticket["id"].as_i64().expect("ticket id");

    let before = rss_mb(pid).unwrap_or(f64::NAN);
    let (arrived, mut arrivals) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    let (ready, mut readies) = tokio::sync::mpsc::unbounded_channel::<()>();
    for _ in 0..subscribers {
        let (tech, url, arrived, ready) = (
            tech.clone(),
            format!("{base}/api/v1/events"),
            arrived.clone(),
            ready.clone(),
        );
        tokio::spawn(async move {
            let res = tech.get(&url).send().await.expect("a stream");
            assert!(res.status().is_success(), "stream: {}", res.status());
            let _ = ready.send(());
            let mut body = res.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    for data in block.lines().filter_map(|l| l.strip_prefix("data:")) {
                        let event: serde_json::Value =
                            serde_json::from_str(data.trim()).unwrap_or_default();
                        if event["kind"] == "ticket.replied" {
                            let _ =
                                arrived.send((event["id"].as_i64().unwrap_or(0), Instant::now()));
                        }
                    }
                }
            }
        });
    }
    for _ in 0..subscribers {
        readies.recv().await.expect("every stream opens");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_mb(pid).unwrap_or(f64::NAN);

    let mut latencies = Vec::with_capacity(subscribers * changes);
    for n in 0..changes {
        let sent = Instant::now();
        let res = tech
            .post(format!("{base}/api/v1/tickets/{id}/comments"))
            .json(&json!({ "body": format!("change {n}"), "internal": false }))
            .send()
            .await
            .expect("comment");
        assert!(res.status().is_success(), "comment: {}", res.status());
        let mut got = 0;
        while got < subscribers {
            match tokio::time::timeout(Duration::from_secs(10), arrivals.recv()).await {
                Ok(Some((_, at))) => {
                    latencies.push(at - sent);
                    got += 1;
                }
                _ => panic!("only {got} of {subscribers} streams received change {n}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    latencies.sort();
    (latencies, (idle - before) * 1024.0 / subscribers as f64)
}

/// Fills the database with `count` tickets spread over the client organizations: one in
/// twenty still open (new, open or waiting), the rest resolved or closed; due times spread
/// around now. Written straight to SQLite in one transaction, as an import would.
async fn seed_tickets(database: &std::path::Path, count: i64) {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(server::db::connect_options(database))
        .await
        .expect("bench database");
    let mut tx = pool.begin().await.expect("a transaction");
    sqlx::query(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?1), \
         requester as (select a.id, a.org_id, row_number() over (order by a.id) - 1 as k \
             from account a join org o on o.id = a.org_id where o.kind = 'client'), \
         requesters as (select count(*) as c from requester), \
         cat as (select id, org_id, row_number() over (partition by org_id order by position) - 1 \
             as k, count(*) over (partition by org_id) as c from category) \
         insert into ticket (org_id, requester_id, category_id, subject, body, status, priority, \
             first_response_due_at, resolution_due_at, first_responded_at, last_activity_at, \
             created_at, updated_at) \
         select r.org_id, r.id, cat.id, \
             'Seeded ticket ' || n.i || ': printer offline on floor ' || (n.i % 7), \
             'The printer in room ' || (n.i % 50) || ' shows error ' || (n.i % 13) || '.', \
             case when n.i % 20 = 0 then 'new' when n.i % 20 = 1 then 'open' \
                  when n.i % 20 = 2 then 'pending' when n.i % 3 = 0 then 'resolved' \
                  else 'closed' end, \
             case n.i % 4 when 0 then 'low' when 1 then 'normal' when 2 then 'high' \
                  else 'urgent' end, \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ((n.i % 97) - 48) || ' hours'), \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ((n.i % 97) + 24) || ' hours'), \
             case when n.i % 2 = 0 then strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours') end, \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || n.i || ' minutes'), \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || n.i || ' minutes'), \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || n.i || ' minutes') \
         from n join requesters join requester r on r.k = n.i % requesters.c \
             join cat on cat.org_id = r.org_id and cat.k = n.i % cat.c",
    )
    .bind(count)
    .execute(&mut *tx)
    .await
    .expect("seeded tickets");
    tx.commit().await.expect("commit");
    pool.close().await;
}

/// Gives the seeded tickets what reports read: an assignee, a resolution time, business
/// minutes to the first response and to the resolution, and a rating for one in three of the
/// resolved; then logs `entries` time entries by the staff on them, spread over the last year.
/// Written straight to SQLite in one transaction.
async fn seed_report_data(database: &std::path::Path, entries: i64) {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(server::db::connect_options(database))
        .await
        .expect("bench database");
    let mut tx = pool.begin().await.expect("a transaction");
    sqlx::query(
        "with staff as (select id, row_number() over (order by id) - 1 as k, \
             count(*) over () as c from account where role in ('technician', 'admin')) \
         update ticket set \
             assignee_id = (select s.id from staff s where s.k = ticket.id % s.c), \
             resolved_at = case when status in ('resolved', 'closed') then min( \
                 strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+' || (id % 4000) || ' minutes'), \
                 strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) end, \
             resolution_minutes = case when status in ('resolved', 'closed') \
                 then id % 2400 end, \
             rating = case when status in ('resolved', 'closed') then \
                 case id % 10 when 0 then 'good' when 1 then 'good' when 2 then 'bad' end end, \
             first_response_minutes = case when first_responded_at is not null \
                 then id % 480 end \
         where subject like 'Seeded ticket %'",
    )
    .execute(&mut *tx)
    .await
    .expect("seeded report columns");
    sqlx::query(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?1), \
         staff as (select id, row_number() over (order by id) - 1 as k, count(*) over () as c \
             from account where role in ('technician', 'admin')), \
         bounds as (select min(id) as lo, max(id) - min(id) + 1 as c from ticket \
             where subject like 'Seeded ticket %') \
         insert into time_entry (ticket_id, org_id, user_id, minutes, note, billable, \
             work_date, created_at, updated_at) \
         select t.id, t.org_id, s.id, 5 + n.i % 120, 'Seeded work ' || n.i, n.i % 5 <> 0, \
             date('now', '-' || (n.i % 365) || ' days'), \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         from n join bounds join staff s on s.k = n.i % s.c \
             join ticket t on t.id = bounds.lo + (n.i * 7919) % bounds.c",
    )
    .bind(entries)
    .execute(&mut *tx)
    .await
    .expect("seeded time entries");
    tx.commit().await.expect("commit");
    pool.close().await;
}

/// Fills the wiki with `count` articles on a handful of recurring problems: most for every
/// client, one in ten internal, one in ten for Acme alone, one in 25 a draft. Written straight
/// to SQLite in one transaction (the search index follows by its triggers).
async fn seed_articles(database: &std::path::Path, count: i64) {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(server::db::connect_options(database))
        .await
        .expect("bench database");
    let mut tx = pool.begin().await.expect("a transaction");
    sqlx::query(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?1), \
         author as (select min(id) as id from account where role = 'technician'), \
         acme as (select id from org where name = 'Acme Dental') \
         insert into article (slug, title, body, space, visibility, org_id, published, revision, \
             created_by, updated_by, created_at, updated_at) \
         select 'seeded-' || n.i, \
             case n.i % 5 \
                 when 0 then 'Printer ' || n.i || ' shows offline on floor ' || (n.i % 7) \
                 when 1 then 'VPN drops on laptop ' || n.i \
                 when 2 then 'Outlook asks for the password again, case ' || n.i \
                 when 3 then 'Scanner ' || n.i || ' cannot send to email' \
                 else 'Wi-Fi slow in meeting room ' || (n.i % 40) end, \
             case n.i % 5 \
                 when 0 then 'When the printer shows offline, open the print queue, clear Use \
                     printer offline and cancel stuck jobs. Printing a test page confirms it.' \
                 when 1 then 'Reconnect the VPN client, check the clock and sign in again with \
                     the authenticator app.' \
                 when 2 then 'Remove the saved credentials in Credential Manager, then restart \
                     Outlook and sign in once.' \
                 when 3 then 'Check the scanner address book and the mailbox size limit; large \
                     scans need a lower resolution.' \
                 else 'Move closer to the access point or use the 5 GHz network; report the \
                     room number if it stays slow.' end \
                 || ' Case ' || n.i || ', seen on floor ' || (n.i % 7) || '.', \
             case n.i % 3 when 0 then 'Runbooks' else 'How-to' end, \
             case n.i % 10 when 0 then 'internal' when 1 then 'org' else 'all_clients' end, \
             case n.i % 10 when 1 then acme.id end, \
             case when n.i % 25 = 0 then 0 else 1 end, 1, author.id, author.id, \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || n.i || ' minutes'), \
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || n.i || ' minutes') \
         from n join author join acme",
    )
    .bind(count)
    .execute(&mut *tx)
    .await
    .expect("seeded articles");
    sqlx::query(
        "insert into article_revision (article_id, number, title, body, author_id, created_at) \
         select id, 1, title, body, created_by, created_at from article \
         where slug like 'seeded-%'",
    )
    .execute(&mut *tx)
    .await
    .expect("seeded revisions");
    tx.commit().await.expect("commit");
    pool.close().await;
}

/// Latency percentiles of `samples` sequential JSON requests to `url`.
async fn api_latency(client: &reqwest::Client, url: &str, samples: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let res = client.get(url).send().await.expect("the API answers");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        res.bytes().await.expect("a body");
        latencies.push(t.elapsed());
    }
    latencies.sort();
    latencies
}

/// Latency percentiles of `samples` sequential page loads, then the rate of `clients` loading
/// it for `window`.
async fn page_load(
    client: &reqwest::Client,
    url: &str,
    samples: usize,
    window: Duration,
) -> (Vec<Duration>, f64) {
    let mut loads = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let res = client
            .get(url)
            .header("accept", "text/html")
            .send()
            .await
            .expect("page answers");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        res.bytes().await.expect("page body");
        loads.push(t.elapsed());
    }
    loads.sort();
    let (client, url) = (client.clone(), url.to_string());
    let (rate, _) = throughput(4, window, move |_: reqwest::Client| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            match client.get(&url).header("accept", "text/html").send().await {
                Ok(res) if res.status().is_success() => res.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await;
    (loads, rate)
}

/// What a burst of `count` sign-ins at once does to the server: each for a made-up account
/// from its own address (as a trusted proxy on loopback reports it, in the benchmarking range
/// 198.18.0.0/15), so none is throttled and every one asks for password hashing. Returns how
/// far resident memory rose above idle at its peak (MB), how many were checked, how many
/// were refused at once as busy, and how long the whole burst took. Each `burst` uses
/// addresses and accounts of its own.
async fn sign_in_burst(
    base: &str,
    pid: u32,
    count: usize,
    burst: usize,
) -> (f64, usize, usize, Duration) {
    let idle = rss_mb(pid).unwrap_or(f64::NAN);
    // Resets the peak (VmHWM) to the present size, so the peak read afterwards is the burst's.
    if let Err(err) = std::fs::write(format!("/proc/{pid}/clear_refs"), "5") {
        eprintln!("cannot reset the peak, so it includes the start: {err}");
    }
    let client = reqwest::Client::new();
    let started = Instant::now();
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let (client, url) = (client.clone(), format!("{base}/api/v1/auth/login"));
            tokio::spawn(async move {
                client
                    .post(&url)
                    .header(
                        "x-forwarded-for",
                        format!("198.18.{}.{}", burst * 2 + i / 250, i % 250 + 1),
                    )
                    .json(&json!({ "email": format!("burst{burst}-{i}@bench.example"),
                                   "password": "not the password" }))
                    .send()
                    .await
                    .map_or(0, |res| res.status().as_u16())
            })
        })
        .collect();
    let (mut checked, mut busy) = (0, 0);
    for task in tasks {
        match task.await.expect("a sign-in task") {
            401 => checked += 1,
            429 => busy += 1,
            other => panic!("a sign-in of the burst answered {other}"),
        }
    }
    let took = started.elapsed();
    let peak = peak_rss_mb(pid).unwrap_or(f64::NAN);
    (peak - idle, checked, busy, took)
}

/// The CPU time `pid` has used so far, every thread's, user and system, from
/// `/proc/<pid>/stat` (in clock ticks of 1/100 s, as Linux reports them to processes).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The server's CPU time per request over a load phase, in microseconds: `before` is its
/// CPU time when the phase began. It waits out the work a phase leaves queued behind it (the
/// mail planner gathers for a fifth of a second before planning) so that work is counted
/// with its phase, not with the next.
async fn cpu_per_request(pid: u32, before: Option<Duration>, requests: usize) -> f64 {
    tokio::time::sleep(Duration::from_secs(1)).await;
    match (before, cpu_time(pid)) {
        (Some(before), Some(after)) if requests > 0 => {
            (after - before).as_secs_f64() * 1e6 / requests as f64
        }
        _ => f64::NAN,
    }
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Messages each mail row sends.
const MAIL_MESSAGES: usize = 2000;

/// The outbox row of bench message `n`: a typical notification, text and HTML.
fn bench_mail(n: usize, run: u64) -> server::db::mail::NewMail {
    server::db::mail::NewMail {
        kind: "public_reply".into(),
        to: format!("requester{}@acme.example", n % 50),
        subject: format!("[#{n}] Printer offline on the second floor"),
        text: "Tom Technician replied:\n\nThe spooler is restarted; please try again.\n\n\
               Reply to this message to answer.\n"
            .into(),
        html: "<p>Tom Technician replied:</p><p>The spooler is restarted; please try \
               again.</p><p>Reply to this message to answer.</p>"
            .into(),
        message_id: format!("deskside.bench.{run:x}.{n}@bench.example"),
        in_reply_to: Some(format!("deskside.t{n}.root@bench.example")),
        references: vec![format!("deskside.t{n}.root@bench.example")],
        reply_to: Some("Help <help+token@bench.example>".into()),
        ..Default::default()
    }
}

/// The bench's message `n` as the sender builds it from its outbox row.
fn bench_message(n: usize) -> lettre::Message {
    let from: lettre::message::Mailbox = "Deskside <deskside@bench.example>"
        .parse()
        .expect("an address");
    let mail = bench_mail(n, 0);
    let row = server::db::mail::OutgoingMail {
        id: n as i64,
        to_address: mail.to,
        subject: mail.subject,
        body_text: mail.text,
        body_html: mail.html,
        message_id: mail.message_id,
        in_reply_to: mail.in_reply_to,
        refs: Some(mail.references.join(" ")),
        reply_to: mail.reply_to,
        unsubscribe_url: None,
        attempts: 1,
    };
    server::mail::outbox::build_message(&from, &row).expect("a message")
}

/// The SMTP sink's rate fed directly, with the sender's parallelism and the same messages but
/// no outbox: through the connections the sender uses (the ceiling of the delivery row), and
/// through lettre's own pooled transport, whose sockets keep Nagle's algorithm on.
async fn direct_rates(smtp: std::net::SocketAddr, messages: usize) -> (f64, f64) {
    use futures::StreamExt;
    use lettre::AsyncTransport;
    let parallel = server::mail::outbox::PARALLEL;
    let relay = server::mail::smtp::SmtpRelay::from_settings(&server::mail::smtp::SmtpSettings {
        smtp_url: Some(format!("smtp://{smtp}")),
        ..Default::default()
    })
    .expect("the sink's URL")
    .expect("a relay");
    let pool = server::mail::smtp::pool::Pool::new(&relay, parallel).expect("the connections");
    let started = Instant::now();
    futures::stream::iter(0..messages)
        .map(|n| {
            let message = bench_message(n);
            let pool = &pool;
            async move {
                pool.send(message.envelope(), &message.formatted())
                    .await
                    .expect("the sink accepts")
            }
        })
        .buffer_unordered(parallel)
        .for_each(|_| async {})
        .await;
    let ours = messages as f64 / started.elapsed().as_secs_f64();

    let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(
        smtp.ip().to_string(),
    )
    .port(smtp.port())
    .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(parallel as u32))
    .build();
    // A tenth as many: at 40 ms a message per connection, enough to show the rate.
    let few = messages / 10;
    let started = Instant::now();
    futures::stream::iter(0..few)
        .map(|n| {
            let message = bench_message(n);
            let transport = &transport;
            async move { transport.send(message).await.expect("the sink accepts") }
        })
        .buffer_unordered(parallel)
        .for_each(|_| async {})
        .await;
    let lettre = few as f64 / started.elapsed().as_secs_f64();
    (ours, lettre)
}

/// Notifications delivered per second by Deskside's sender to a local SMTP server, beside
/// the same server fed directly by lettre; and how long a message waits from being written
/// to the outbox (an admin's test message, through the REST API, 100 a second) until the
/// server accepted it.
async fn mail_rows(bench: &mut Bench, dir: &std::path::Path) {
    let sink = mail_servers::MailServers::sink()
        .await
        .unwrap_or_else(|e| panic!("the SMTP sink: {e}"));
    let smtp = sink.smtp_addr();
    let (ceiling, lettre) = direct_rates(smtp, MAIL_MESSAGES).await;
    bench.add(
        "SMTP sink fed directly through the sender's connections (TCP_NODELAY), 8 at once \
         (mail ceiling)",
        ceiling,
        "messages/s",
    );
    bench.add(
        "SMTP sink fed directly by lettre's pooled transport (Nagle on), 8 connections",
        lettre,
        "messages/s",
    );

    let mail_dir = dir.join("mail");
    std::fs::create_dir_all(&mail_dir).expect("a folder for the mail server");
    let url = format!("smtp://{smtp}");
    let (server, _) = start_server_with(&mail_dir, &["--smtp-url", &url]).await;
    let db = server::db::Db::open(&mail_dir.join("bench.db"))
        .await
        .expect("the mail server's database");
    let sent = |kind: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from mail_outbox where status = 'sent' and kind = ?",
            )
            .bind(kind)
            .fetch_one(db.pool())
            .await
            .expect("a count")
        }
    };

    // A burst of notifications written in one transaction, as a busy planner would.
    let run = rand::random::<u64>();
    let mut tx = db.begin().await.expect("a transaction");
    for n in 0..MAIL_MESSAGES {
        server::db::mail::enqueue(&mut tx, &bench_mail(n, run))
            .await
            .expect("enqueued");
    }
    tx.commit().await.expect("committed");
    let started = Instant::now();
    while (sent("public_reply").await as usize) < MAIL_MESSAGES {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the outbox did not drain"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let rate = MAIL_MESSAGES as f64 / started.elapsed().as_secs_f64();
    bench.add(
        "notifications delivered per second to a local SMTP server (goal >= 200/s)",
        rate,
        "messages/s",
    );
    bench.add(
        "notification delivery / SMTP sink ceiling",
        rate / ceiling * 100.0,
        "%",
    );

    // A steady stream, half the goal's rate: the time from commit to the server's 250.
    let admin = signed_in(&server.base, "admin@provider.example").await;
    let test = format!("{}/api/v1/mail/test", server.base);
    let steady = 500;
    let mut every = tokio::time::interval(Duration::from_millis(10));
    let mut posts = Vec::new();
    for n in 0..steady {
        every.tick().await;
        let (admin, test) = (admin.clone(), test.clone());
        posts.push(tokio::spawn(async move {
            let res = admin
                .post(&test)
                .json(&json!({ "to": format!("watcher{n}@acme.example") }))
                .send()
                .await
                .expect("the test message is written");
            assert!(res.status().is_success(), "test message: {}", res.status());
        }));
    }
    for post in posts {
        post.await.expect("a post");
    }
    let started = Instant::now();
    while (sent("test").await as usize) < steady {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "test messages were not delivered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waits: Vec<(time::OffsetDateTime, time::OffsetDateTime)> =
        sqlx::query_as("select created_at, sent_at from mail_outbox where kind = 'test'")
            .fetch_all(db.pool())
            .await
            .expect("the test messages");
    let mut waits: Vec<Duration> = waits
        .into_iter()
        .map(|(written, accepted)| Duration::try_from(accepted - written).unwrap_or(Duration::ZERO))
        .collect();
    waits.sort();
    bench.add(
        "mail: enqueue to accepted by the SMTP server, 100 messages/s, p50",
        percentile(&waits, 0.50),
        "ms",
    );
    bench.add(
        "mail: enqueue to accepted by the SMTP server, 100 messages/s, p99 (goal <= 1000 ms)",
        percentile(&waits, 0.99),
        "ms",
    );
    let accepted = sink.count().await.expect("the sink's count").messages as usize;
    bench.add(
        "mail: messages the SMTP server accepted twice",
        accepted.saturating_sub(2 * MAIL_MESSAGES + MAIL_MESSAGES / 10 + steady) as f64,
        "messages",
    );
    drop(server);
}

/// The run's rows, each beside the same metric's value in `previous` (the last full run).
fn print_table(rows: &[Row], previous: Option<&Run>) {
    let label = previous.map_or("-".to_string(), |run| {
        format!("{} ({})", run.commit, run.at)
    });
    println!();
    println!("| metric | value | previous run: {label} | unit |");
    println!("| --- | ---: | ---: | --- |");
    for row in rows {
        let before = previous
            .and_then(|run| run.rows.iter().find(|r| r.metric == row.metric))
            .map_or("-".to_string(), |r| format!("{:.2}", r.value));
        println!(
            "| {} | {:.2} | {before} | {} |",
            row.metric, row.value, row.unit
        );
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut bench = Bench { rows: Vec::new() };
    let window = Duration::from_secs(5);
    let only_creation = std::env::var("BENCH_ONLY").is_ok_and(|only| only == "creation");
    if std::env::var("BENCH_ONLY").is_ok_and(|only| only == "mail") {
        mail_rows(&mut bench, dir.path()).await;
        print_table(&bench.rows, earlier_runs(&results_path()).last());
        return;
    }

    eprintln!("starting the release server…");
    let (server, cold) = start_server(dir.path()).await;
    bench.add(
        "cold start to first answered request (demo seed included)",
        cold.as_secs_f64() * 1000.0,
        "ms",
    );
    // Past the allocator's one-second delay before freed memory goes back to the system (the
    // demo's password hashes), and its next collection (`main.rs`).
    tokio::time::sleep(Duration::from_secs(3)).await;
    bench.add(
        "server resident memory, idle after start, bare demo (goal <= 60 MB)",
        rss_mb(server.child.id()).unwrap_or(f64::NAN),
        "MB",
    );

    // Lighthouse first, while the database holds only the demo data: it measures what a
    // browser downloads and draws, not how the server copes with the bulk seeded below.
    if !only_creation {
        eprintln!("running lighthouse…");
        let base = server.base.clone();
        let rows = tokio::task::spawn_blocking(move || lighthouse::measure(&base))
            .await
            .expect("the lighthouse task")
            .unwrap_or_else(|e| panic!("lighthouse: {e}"));
        for (metric, value, unit) in rows {
            bench.add(metric, value, unit);
        }
    }

    let health = format!("{}/healthz", server.base);
    let pid = server.child.id();
    let cpu_before = cpu_time(pid);
    let (rate, lat) = throughput(32, window, move |c: reqwest::Client| {
        let url = health.clone();
        async move {
            c.get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    bench.add(
        "health check throughput, 32 connections (ceiling)",
        rate,
        "req/s",
    );
    bench.add("health check latency p50", percentile(&lat, 0.50), "ms");
    bench.add("health check latency p99", percentile(&lat, 0.99), "ms");
    // What the server spends on a request that does nothing: the floor of the CPU rows below,
    // which hold on a busy machine where throughput does not.
    let health_cpu = cpu_per_request(pid, cpu_before, lat.len()).await;
    bench.add(
        "server CPU per health check, 32 connections (floor)",
        health_cpu,
        "µs",
    );

    // Early, while the server is near idle: the peak it measures is the burst's alone. Twice:
    // the first burst would also show what the allocator keeps for reuse afterwards (before
    // the server returned large blocks to the system, 19 MiB per hashing thread and more:
    // +114 MB the first time, +38 MB the second), the second what a later burst costs.
    for (burst, label) in [(0, "first"), (1, "again")] {
        let (growth, checked, busy, took) =
            sign_in_burst(&server.base, server.child.id(), 400, burst).await;
        let goal = if burst == 0 { " (goal <= 50 MB)" } else { "" };
        bench.add(
            format!("400 parallel sign-ins, {label}: peak memory above idle{goal}"),
            growth,
            "MB",
        );
        bench.add(
            format!("400 parallel sign-ins, {label}: passwords checked"),
            checked as f64,
            "sign-ins",
        );
        bench.add(
            format!("400 parallel sign-ins, {label}: refused at once as busy (429)"),
            busy as f64,
            "sign-ins",
        );
        bench.add(
            format!("400 parallel sign-ins, {label}: all answered"),
            took.as_secs_f64() * 1000.0,
            "ms",
        );
    }

    let login = format!("{}/api/v1/auth/login", server.base);
    let client = reqwest::Client::new();
    let mut logins = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        let res = client
            .post(&login)
            .json(&json!({ "email": "tom@provider.example", "password": server::demo::DEMO_PASSWORD }))
            .send()
            .await
            .expect("login answers");
        assert!(res.status().is_success(), "login failed: {}", res.status());
        logins.push(t.elapsed());
    }
    logins.sort();
    bench.add(
        "login latency p50 (argon2id)",
        percentile(&logins, 0.50),
        "ms",
    );
    bench.add(
        "login latency p99 (argon2id)",
        percentile(&logins, 0.99),
        "ms",
    );

    let raw = raw_insert_rate(dir.path(), window).await;
    bench.add(
        "raw SQLite insert rate, WAL + synchronous=NORMAL (write ceiling)",
        raw,
        "rows/s",
    );

    let (seeding, bare, rows) = demo_seeding(dir.path()).await;
    bench.add("demo seeding, 90 days", seeding, "ms");
    eprintln!("  (the demo's history wrote {rows} rows)");
    bench.add(
        "bare inserts of as many rows, one transaction (demo seeding ceiling)",
        bare,
        "ms",
    );

    // Creation at two loads: 8 clients, and 32 like the health check ceiling above. Under 8
    // the server still has idle time between requests; 32 keep it busy, which is what its
    // sustained capacity means.
    let requester = signed_in(&server.base, "rob@acme.example").await;
    for clients in [8, 32] {
        let cpu_before = cpu_time(pid);
        let (rate, lat) = create_tickets(&requester, &server.base, clients, window).await;
        bench.add(
            format!("ticket creation via REST, {clients} clients, sustained"),
            rate,
            "tickets/s",
        );
        bench.add(
            format!(
                "server CPU per filed ticket, {clients} clients (its receipt's planning included)"
            ),
            cpu_per_request(pid, cpu_before, lat.len()).await,
            "µs",
        );
        bench.add(
            format!("ticket creation / raw insert ceiling, {clients} clients"),
            rate / raw * 100.0,
            "%",
        );
        bench.add(
            format!("ticket creation latency p99, {clients} clients"),
            percentile(&lat, 0.99),
            "ms",
        );
    }
    let replier = signed_in(&server.base, "tom@provider.example").await;
    let (rate, lat) = post_replies(&replier, &server.base, 32, window).await;
    bench.add(
        "public replies via REST, 32 clients, sustained",
        rate,
        "replies/s",
    );
    bench.add(
        "public replies / raw insert ceiling, 32 clients",
        rate / raw * 100.0,
        "%",
    );
    bench.add(
        "public reply latency p99, 32 clients",
        percentile(&lat, 0.99),
        "ms",
    );
    if only_creation {
        print_table(&bench.rows, earlier_runs(&results_path()).last());
        return;
    }

    let page = ticket_with_timeline(&server.base, 50).await;
    let tech = signed_in(&server.base, "tom@provider.example").await;
    let mut renders = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let res = tech
            .get(&page)
            .header("accept", "text/html")
            .send()
            .await
            .expect("ticket page answers");
        assert!(res.status().is_success(), "ticket page: {}", res.status());
        res.bytes().await.expect("page body");
        renders.push(t.elapsed());
    }
    renders.sort();
    bench.add(
        "ticket page SSR, 50-entry timeline, p50",
        percentile(&renders, 0.50),
        "ms",
    );
    bench.add(
        "ticket page SSR, 50-entry timeline, p99",
        percentile(&renders, 0.99),
        "ms",
    );

    seed_tickets(&dir.path().join("bench.db"), 100_000).await;
    for (name, path) in [
        ("open work by SLA due", "/tickets?status=active&sort=due"),
        ("every ticket, latest first", "/tickets"),
        ("search \"printer\"", "/tickets?q=printer"),
    ] {
        let url = format!("{}{path}", server.base);
        let (loads, rate) = page_load(&tech, &url, 100, window).await;
        bench.add(
            format!("queue page SSR, 100,000 tickets, {name}, p50"),
            percentile(&loads, 0.50),
            "ms",
        );
        bench.add(
            format!("queue page SSR, 100,000 tickets, {name}, p99"),
            percentile(&loads, 0.99),
            "ms",
        );
        bench.add(
            format!("queue page SSR, 100,000 tickets, {name}, 4 clients"),
            rate,
            "req/s",
        );
    }

    seed_report_data(&dir.path().join("bench.db"), 200_000).await;
    let acme = {
        let admin = signed_in(&server.base, "admin@provider.example").await;
        let orgs: serde_json::Value = admin
            .get(format!("{}/api/v1/orgs", server.base))
            .send()
            .await
            .expect("orgs answer")
            .json()
            .await
            .expect("orgs json");
        orgs.as_array()
            .and_then(|orgs| orgs.iter().find(|o| o["name"] == "Acme Dental"))
            .and_then(|o| o["id"].as_i64())
            .expect("Acme Dental")
    };
    for (name, path) in [
        (
            "one org (Acme)",
            format!("/api/v1/reports/workload?org={acme}"),
        ),
        ("all orgs", "/api/v1/reports/workload".to_string()),
    ] {
        let url = format!("{}{path}", server.base);
        let latencies = api_latency(&tech, &url, 200).await;
        bench.add(
            format!("workload dashboard, 100,000 tickets + 200,000 time entries, {name}, p50"),
            percentile(&latencies, 0.50),
            "ms",
        );
        bench.add(
            format!(
                "workload dashboard, 100,000 tickets + 200,000 time entries, {name}, p99 \
                 (goal <= 50 ms)"
            ),
            percentile(&latencies, 0.99),
            "ms",
        );
    }

    seed_articles(&dir.path().join("bench.db"), 10_000).await;
    let rob = signed_in(&server.base, "rob@acme.example").await;
    for (name, path) in [
        (
            "wiki search \"printer offline\"",
            "/api/v1/articles/search?q=printer%20offline",
        ),
        (
            "wiki suggest \"printer offl\"",
            "/api/v1/articles/suggest?q=printer%20offl",
        ),
    ] {
        let url = format!("{}{path}", server.base);
        let latencies = api_latency(&rob, &url, 300).await;
        bench.add(
            format!("{name}, 10,000 articles, as a requester, p50"),
            percentile(&latencies, 0.50),
            "ms",
        );
        bench.add(
            format!("{name}, 10,000 articles, as a requester, p99 (goal <= 10 ms)"),
            percentile(&latencies, 0.99),
            "ms",
        );
    }

    let (latencies, per_stream_kb) = live_fan_out(&server.base, server.child.id(), 1000, 20).await;
    bench.add(
        "live: change to delivery, 1,000 streams, p50",
        percentile(&latencies, 0.50),
        "ms",
    );
    bench.add(
        "live: change to delivery, 1,000 streams, p99 (goal <= 50 ms)",
        percentile(&latencies, 0.99),
        "ms",
    );
    bench.add("live: memory per idle stream", per_stream_kb, "KB");

    if let Some(mb) = peak_rss_mb(server.child.id()) {
        bench.add("server peak resident memory", mb, "MB");
    }
    drop(server);

    mail_rows(&mut bench, dir.path()).await;

    let out = results_path();
    let mut runs = earlier_runs(&out);
    print_table(&bench.rows, runs.last());
    runs.push(Run {
        at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| "unknown".into()),
        commit: commit(),
        rows: bench.rows,
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).expect("bench folder");
    }
    std::fs::write(&out, serde_json::to_string_pretty(&runs).expect("json"))
        .expect("write results");
    println!("\nadded to bench/results.json ({} runs kept)", runs.len());
}
