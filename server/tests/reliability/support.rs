//! What the reliability tests share: the real server binary as a child process that a test may
//! kill, sizes that `DESKSIDE_SOAK=1` scales up, seeded randomness, API tokens, filing
//! requests, and checking a database file directly.

use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The demo's employees, who file requests.
pub const EMPLOYEES: [&str; 8] = [
    "rob@acme.example",
    "rita@acme.example",
    "raj@acme.example",
    "mia@acme.example",
    "bea@birch.example",
    "bo@birch.example",
    "bree@birch.example",
    "ben@birch.example",
];
pub const TECH: &str = "tom@provider.example";

/// Whether this is a soak run (`make soak`).
pub fn soak() -> bool {
    std::env::var("DESKSIDE_SOAK").is_ok_and(|v| v == "1")
}

/// `normal` in `make test`, `soaked` in `make soak`.
pub fn size(normal: usize, soaked: usize) -> usize {
    if soak() { soaked } else { normal }
}

/// A random generator for `test`. Its seed goes to the test's output, which is shown when the
/// test fails; `DESKSIDE_SEED=<seed>` replays the same choices.
pub fn seeded(test: &str) -> (u64, StdRng) {
    let seed = std::env::var("DESKSIDE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("{test}: seed {seed} (replay with DESKSIDE_SEED={seed})");
    (seed, StdRng::seed_from_u64(seed))
}

/// A generator for one of many concurrent tasks, derived from the test's seed.
pub fn derived(seed: u64, task: usize) -> StdRng {
    StdRng::seed_from_u64(seed ^ (task as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Text a person might write: words, accents, CJK, emoji and blank lines, 1 to ~3,000
/// characters, never starting or ending with whitespace (the server trims).
pub fn text(rng: &mut StdRng, max_words: usize) -> String {
    const WORDS: [&str; 12] = [
        "printer",
        "offline",
        "again",
        "Zoë's",
        "VPN",
        "ユーザー",
        "🙂",
        "<b>bold</b>",
        "`code`",
        "café",
        "100%",
        "\"quoted\"",
    ];
    let count = rng.gen_range(1..=max_words);
    let mut out = String::new();
    for i in 0..count {
        if i > 0 {
            out.push_str(match rng.gen_range(0..12) {
                0 => "\n\n",
                1 => "\n",
                _ => " ",
            });
        }
        out.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
    }
    out
}

/// The server binary, serving on a port of its own.
pub struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    /// Starts the binary on `database` (seeding the demo data if it is new) with its files and
    /// log in `dir`, and waits until `/healthz` answers.
    pub async fn start(dir: &Path, database: &Path) -> Server {
        Server::start_with(dir, database, &[]).await
    }

    /// [`Server::start`] with more flags (`--smtp-url`, `--imap-mailbox`, ...).
    pub async fn start_with(dir: &Path, database: &Path, flags: &[String]) -> Server {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let log = dir.join(format!(
            "server-{}.log",
            STARTS.fetch_add(1, Ordering::Relaxed)
        ));
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .env("NO_COLOR", "1")
            .arg("--database")
            .arg(database)
            .arg("--data-dir")
            .arg(dir.join("files"))
            // Port 0: the address is read back from the log, so no two tests race for a port.
            // The demo's people without their past: the tests count what they file.
            .args([
                "--bind",
                "127.0.0.1:0",
                "--demo",
                "--demo-days",
                "0",
                "--log",
            ])
            // `DESKSIDE_TEST_LOG` widens the log when a failure needs looking into.
            .arg(std::env::var("DESKSIDE_TEST_LOG").unwrap_or("warn,server=info".into()))
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("the server binary runs");
        let mut server = Server {
            child,
            base: String::new(),
            log: log.clone(),
        };
        server.base = format!("http://{}", server.address(&log).await);
        let client = Client::new();
        let started = Instant::now();
        loop {
            if let Ok(res) = client.get(server.url("/healthz")).send().await
                && res.status() == StatusCode::OK
            {
                return server;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "no /healthz");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The address the server announces in its log once it listens.
    async fn address(&mut self, log: &Path) -> String {
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.contains("Deskside is serving")) {
                let (_, rest) = line.split_once("address=").expect("an address field");
                return rest.split_whitespace().next().unwrap_or_default().into();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited with {status}:\n{text}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGKILL: the process ends at once, mid-write, with no chance to clean up.
    pub fn kill(&mut self) {
        // An error means it has exited already, which is all this asks.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as a restart or a deploy stops it: waits (up to a minute) until it has
    /// finished what it was doing and exited.
    pub async fn terminate(&mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "SIGTERM reaches {pid}");
        let started = Instant::now();
        while self.child.try_wait().expect("the child's state").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server stops within a minute of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A personal API token of `email`, signing in with the demo password.
    pub async fn token(&self, email: &str) -> String {
        let client = Client::builder()
            .cookie_store(true)
            .build()
            .expect("a client");
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": server::demo::DEMO_PASSWORD }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(res.status(), StatusCode::OK, "{email} signs in");
        let res = client
            .post(self.url("/api/v1/tokens"))
            .json(&json!({ "name": "reliability" }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(res.status(), StatusCode::CREATED);
        let created: Value = res.json().await.expect("a JSON token");
        created["secret"].as_str().expect("a secret").to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        // A failed test shows what the server logged; the folder goes with the test.
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- {} ---\n{log}", self.log.display());
        }
    }
}

/// A client that sends `token` with every request, on connections of its own.
pub fn bearer(token: &str) -> Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(
        header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("a header value"),
    );
    Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client")
}

/// A request the server acknowledged with a 2xx.
#[derive(Debug, Clone)]
pub struct Filed {
    /// `None` when the answer was cut off after its status: then the subject, which is unique,
    /// names the ticket.
    pub id: Option<i64>,
    pub subject: String,
    pub body: String,
}

/// What came of one attempt to file a request.
pub enum Filing {
    Acknowledged(Filed),
    /// The server answered, but not with a 2xx.
    Refused(StatusCode, String),
    /// No answer: the server is gone.
    Unanswered,
}

pub async fn file(client: &Client, url: &str, subject: String, body: String) -> Filing {
    let res = match client
        .post(url)
        .json(&json!({ "subject": subject, "body": body, "priority": "normal" }))
        .send()
        .await
    {
        Ok(res) => res,
        Err(_) => return Filing::Unanswered,
    };
    let status = res.status();
    let answer = res.bytes().await;
    if !status.is_success() {
        let text = answer.map(|b| String::from_utf8_lossy(&b).into_owned());
        return Filing::Refused(status, text.unwrap_or_default());
    }
    let id = answer
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|ticket| ticket["id"].as_i64());
    Filing::Acknowledged(Filed { id, subject, body })
}

/// A pool on a database file, as a tool (not the server) would open it.
pub async fn open(path: &Path) -> SqlitePool {
    SqlitePool::connect_with(server::db::connect_options(path).create_if_missing(false))
        .await
        .unwrap_or_else(|err| panic!("{} opens: {err}", path.display()))
}

pub async fn integrity_check(pool: &SqlitePool) -> String {
    let rows: Vec<String> = sqlx::query_scalar("pragma integrity_check")
        .fetch_all(pool)
        .await
        .expect("the integrity check runs");
    rows.join("\n")
}

/// Checks that every ticket in `database` is whole (its creation logged and announced, as in
/// one transaction) and that every request in `filed` is there with its subject and body;
/// panics listing what is wrong. Returns how many tickets there are.
pub async fn assert_intact(database: &Path, filed: &[Filed], context: &str) -> usize {
    let pool = open(database).await;
    let tickets: Vec<(i64, String, String)> =
        sqlx::query_as("select id, subject, body from ticket order by id")
            .fetch_all(&pool)
            .await
            .expect("tickets");
    let logged: HashMap<i64, (i64, Option<String>)> = sqlx::query_as(
        "select ticket_id, count(*), max(new_value) from ticket_event \
         where kind = 'created' group by ticket_id",
    )
    .fetch_all(&pool)
    .await
    .expect("creation entries")
    .into_iter()
    .map(|(id, count, subject)| (id, (count, subject)))
    .collect();
    let announced: HashMap<i64, i64> = sqlx::query_as(
        "select ticket_id, count(*) from live_event \
         where kind = 'ticket.created' group by ticket_id",
    )
    .fetch_all(&pool)
    .await
    .expect("creation events")
    .into_iter()
    .collect();
    let check = integrity_check(&pool).await;
    pool.close().await;

    let mut problems = Vec::new();
    for (id, subject, _) in &tickets {
        match logged.get(id) {
            Some((1, Some(logged))) if logged == subject => {}
            other => problems.push(format!("#{id}: creation log entries {other:?}")),
        }
        if announced.get(id) != Some(&1) {
            problems.push(format!(
                "#{id}: ticket.created events {:?}",
                announced.get(id)
            ));
        }
    }
    let by_subject: HashMap<&str, (i64, &str)> = tickets
        .iter()
        .map(|(id, subject, body)| (subject.as_str(), (*id, body.as_str())))
        .collect();
    for filed in filed {
        match by_subject.get(filed.subject.as_str()) {
            None => problems.push(format!(
                "acknowledged {:?} ({:?}) is missing",
                filed.id, filed.subject
            )),
            Some((id, body)) => {
                if filed.id.is_some_and(|filed| filed != *id) {
                    problems.push(format!(
                        "{:?} is #{id}, acknowledged as {:?}",
                        filed.subject, filed.id
                    ));
                }
                if *body != filed.body {
                    problems.push(format!("#{id}: the body differs from what was sent"));
                }
            }
        }
    }
    assert_eq!(check, "ok", "{context}: integrity check");
    assert!(
        problems.is_empty(),
        "{context}: {} problems among {} tickets ({} acknowledged):\n{}",
        problems.len(),
        tickets.len(),
        filed.len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    tickets.len()
}

/// A fresh folder for one test's databases, files and logs.
pub fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = dir.path().join("deskside.db");
    (dir, database)
}
