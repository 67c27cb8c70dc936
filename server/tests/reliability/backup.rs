//! Online backups: `server backup` run while requests are being filed writes a copy that
//! passes the integrity check, holds everything acknowledged before the backup began, and
//! serves.

use super::support::*;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests filed at once while the backups run.
const WRITERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_holds_everything_acknowledged_before_it_began() {
    let (seed, mut rng) = seeded("backup");
    let backups = size(2, 10);
    let (dir, database) = workdir();
    let server = Server::start(dir.path(), &database).await;
    let staff = bearer(&server.token(TECH).await);
    let filed: Arc<Mutex<Vec<Filed>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for (w, email) in EMPLOYEES.iter().enumerate().take(WRITERS) {
        let client = bearer(&server.token(email).await);
        let (url, filed, stop) = (server.url("/api/v1/tickets"), filed.clone(), stop.clone());
        let mut rng = derived(seed, w);
        writers.spawn(async move {
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let subject = format!("Backup {w}.{n}");
                let max_words = rng.gen_range(1..=400);
                let body = text(&mut rng, max_words);
                match file(&client, &url, subject, body).await {
                    Filing::Acknowledged(one) => filed.lock().expect("the list").push(one),
                    // A backup must never make filing fail.
                    Filing::Refused(status, body) => panic!("refused: {status} {body}"),
                    Filing::Unanswered => panic!("the server stopped answering"),
                }
            }
        });
    }

    for b in 0..backups {
        let wait_for = filed.lock().expect("the list").len() + rng.gen_range(10..=size(100, 1000));
        while filed.lock().expect("the list").len() < wait_for {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let target = dir.path().join(format!("backup-{b}.db"));
        let before = filed.lock().expect("the list").clone();

        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .arg("--database")
            .arg(&database)
            .args(["--log", "warn", "backup"])
            .arg(&target)
            .output()
            .await
            .expect("the backup command runs");

        let during = filed.lock().expect("the list").len() - before.len();
        eprintln!(
            "backup {b}: {} acknowledged before it, {during} while it ran",
            before.len()
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let copied = assert_intact(&target, &before, &format!("backup {b} (seed {seed})")).await;
        eprintln!("backup {b}: {copied} tickets copied");
        // The copy serves: a ticket filed before the backup reads back through the API.
        let copy_dir = dir.path().join(format!("served-{b}"));
        std::fs::create_dir_all(&copy_dir).expect("a folder");
        let copy = Server::start(&copy_dir, &target).await;
        let sample = &before[rng.gen_range(0..before.len())];
        let id = sample.id.expect("an acknowledged id");
        let res = staff
            .get(copy.url(&format!("/api/v1/tickets/{id}")))
            .send()
            .await
            .expect("an answer");
        assert_eq!(res.status(), StatusCode::OK);
        let ticket: Value = res.json().await.expect("a ticket");
        assert_eq!(ticket["subject"], sample.subject.as_str());
        assert_eq!(ticket["body"], sample.body.as_str());
    }
    stop.store(true, Ordering::SeqCst);
    while let Some(done) = writers.join_next().await {
        done.expect("a writer runs to the end");
    }
}
