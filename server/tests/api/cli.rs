//! The command line: creating organizations and people, and online backups.

use super::support::*;
use reqwest::StatusCode;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn server(settings: &server::settings::Settings, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("DESKSIDE_DATABASE", &settings.database)
        .env("DESKSIDE_LOG", "warn")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn create_org_and_create_user_set_up_a_person_who_can_sign_in() {
    let app = spawn().await;

    let org = server(&app.settings, &["create-org", "Cedar Law"], "");
    assert!(
        org.status.success(),
        "{}",
        String::from_utf8_lossy(&org.stderr)
    );
    let user = server(
        &app.settings,
        &[
            "create-user",
            "--org",
            "cedar law",
            "--role",
            "manager",
            "--email",
            "carl@cedar.example",
            "--name",
            "Carl Cedar",
        ],
        "from stdin, secret\n",
    );
    assert!(
        user.status.success(),
        "{}",
        String::from_utf8_lossy(&user.stderr)
    );
    assert!(!String::from_utf8_lossy(&user.stdout).contains("secret"));

    let res = app
        .login(&app.client(), "carl@cedar.example", "from stdin, secret")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(read(res).await.1["org_name"], "Cedar Law");
}

#[tokio::test]
async fn create_user_explains_bad_input_and_creates_nothing() {
    let app = spawn().await;

    let out = server(
        &app.settings,
        &[
            "create-user",
            "--org",
            "Acme Dental",
            "--role",
            "admin",
            "--email",
            "x@acme.example",
            "--name",
            "X",
        ],
        "short\n",
    );

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("password: A password has at least 10 characters."),
        "{stderr}"
    );
    let missing = server(
        &app.settings,
        &[
            "create-user",
            "--org",
            "Nowhere",
            "--role",
            "requester",
            "--email",
            "y@n.example",
            "--name",
            "Y",
        ],
        "long enough password\n",
    );
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no organization is named"));
    let admin = app.signed_in(ADMIN).await;
    let (_, users) = app.get(&admin, "/api/v1/users").await;
    assert_eq!(users.as_array().unwrap().len(), 11);
}

#[tokio::test]
async fn backup_while_serving_copies_everything_committed_before_it() {
    let app = spawn().await;
    let admin = app.signed_in(ADMIN).await;
    let (status, _) = app
        .post(
            &admin,
            "/api/v1/orgs",
            serde_json::json!({ "name": "Before Backup" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let target = app.settings.database.with_file_name("copy.db");

    let out = server(&app.settings, &["backup", target.to_str().unwrap()], "");

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = sqlx::SqlitePool::connect(&format!("sqlite:{}", target.display()))
        .await
        .unwrap();
    let check: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(&copy)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let orgs: i64 = sqlx::query_scalar("select count(*) from org where name = 'Before Backup'")
        .fetch_one(&copy)
        .await
        .unwrap();
    assert_eq!(orgs, 1);
    let again = server(&app.settings, &["backup", target.to_str().unwrap()], "");
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
}

#[test]
fn version_names_the_release_and_the_commit_it_was_built_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--version")
        .output()
        .expect("the server binary runs");
    assert!(out.status.success());
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git runs");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    assert_eq!(head.len(), 12, "a commit to compare with");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("server {} (commit {head})", env!("CARGO_PKG_VERSION"))
    );
}
