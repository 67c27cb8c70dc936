//! Real mail servers for one test or the bench: Dovecot (IMAP, LMTP) behind an aiosmtpd SMTP
//! server, or an SMTP sink, run by `end2end/mailservers.py` in its own temporary directory on
//! 127.0.0.1 and stopped when the [`MailServers`] is dropped.
//!
//! Included by path, not as a crate, so tests and the bench share it without a mail crate in
//! `Cargo.toml`: `#[path = "mail_servers/mail_servers.rs"] mod mail_servers;` from a file in
//! `server/tests/`, `#[path = "../tests/mail_servers/mail_servers.rs"]` from `server/examples/`.
//! Needs `make mail-servers` (Dovecot and `target/mail-venv`); `DESKSIDE_MAIL_PYTHON` names
//! another Python with aiosmtpd.

// Each crate that includes this file uses a different part of it.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Mutex;

/// Every user's password, on IMAP and for SMTP AUTH alike; any user name exists. It is also
/// the bearer token IMAP's XOAUTH2 and OAUTHBEARER accept.
pub const PASSWORD: &str = "secret";

/// How long startup and each command may take before the harness counts as broken.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);
const COMMAND_LIMIT: Duration = Duration::from_secs(60);
/// How much of the harness's stderr an error quotes.
const STDERR_KEPT: usize = 8 * 1024;

/// What went wrong talking to the mail servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailError {
    /// The harness itself failed (not installed, died, answered nonsense): a broken test
    /// setup, never an answer of a mail server.
    Harness(String),
    /// Nothing accepted the connection: the SMTP server is down ([`MailServers::smtp_down`]).
    Refused(String),
    /// The SMTP server answered with this code, e.g. 451 after [`MailServers::reject_next`].
    Smtp { code: u16, message: String },
    /// The SMTP conversation broke off without a code.
    Failed(String),
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailError::Harness(why) => write!(f, "the mail-server harness failed: {why}"),
            MailError::Refused(why) => write!(f, "the SMTP server refused the connection: {why}"),
            MailError::Smtp { code, message } => write!(f, "SMTP {code} {message}"),
            MailError::Failed(why) => write!(f, "the SMTP submission failed: {why}"),
        }
    }
}

impl std::error::Error for MailError {}

/// One message of a mailbox as IMAP returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub uid: u32,
    /// The whole message, headers and body, as Dovecot stores it (Dovecot adds
    /// `Return-Path`, `Delivered-To` and `Received` on LMTP delivery).
    pub raw: Vec<u8>,
    /// IMAP flags such as `\Seen` and `\Recent`.
    pub flags: Vec<String>,
}

impl Message {
    /// The raw message as text, for `contains` checks in tests.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

/// What the SMTP server has seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Messages accepted (answered 250 after DATA).
    pub messages: u64,
    /// Recipients of the accepted messages.
    pub recipients: u64,
    /// SMTP connections accepted.
    pub sessions: u64,
}

/// The capabilities the servers announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// IMAP before login (`STARTTLS`, `AUTH=PLAIN`, `IDLE`, ...); empty for a sink.
    pub imap_pre_login: Vec<String>,
    /// IMAP after login; empty for a sink.
    pub imap: Vec<String>,
    /// The SMTP server's EHLO keywords, upper case (`STARTTLS`, `AUTH`, `SMTPUTF8`, ...).
    pub smtp: Vec<String>,
}

struct Pipes {
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

/// A running set of mail servers; dropping it stops them and removes their directory.
pub struct MailServers {
    smtp: SocketAddr,
    smtps: SocketAddr,
    imap: Option<SocketAddr>,
    imaps: Option<SocketAddr>,
    lmtp: Option<SocketAddr>,
    dir: PathBuf,
    ca: PathBuf,
    pipes: Mutex<Pipes>,
    child: Child,
    stderr: Arc<StdMutex<Vec<u8>>>,
    /// How long startup took, for the bench and the curious.
    pub startup: Duration,
}

impl MailServers {
    /// Dovecot (IMAP with STARTTLS and IDLE, LMTP) and an SMTP server delivering into it.
    pub async fn start() -> Result<MailServers, MailError> {
        Self::launch(&[]).await
    }

    /// Only an SMTP server that accepts and counts messages; no IMAP.
    pub async fn sink() -> Result<MailServers, MailError> {
        Self::launch(&["--sink"]).await
    }

    /// SMTP: plain, STARTTLS offered, AUTH PLAIN/LOGIN optional (any user, [`PASSWORD`]).
    pub fn smtp_addr(&self) -> SocketAddr {
        self.smtp
    }

    /// SMTP with implicit TLS (as on port 465), same certificate and AUTH.
    pub fn smtps_addr(&self) -> SocketAddr {
        self.smtps
    }

    /// IMAP: LOGIN, AUTHENTICATE PLAIN/LOGIN/XOAUTH2/OAUTHBEARER, STARTTLS and IDLE offered.
    /// Panics for a sink, which has none.
    pub fn imap_addr(&self) -> SocketAddr {
        self.imap.expect("a sink has no IMAP server: use MailServers::start()")
    }

    /// IMAP with implicit TLS (as on port 993). Panics for a sink.
    pub fn imaps_addr(&self) -> SocketAddr {
        self.imaps.expect("a sink has no IMAP server: use MailServers::start()")
    }

    /// Dovecot's LMTP. Panics for a sink, which has none.
    pub fn lmtp_addr(&self) -> SocketAddr {
        self.lmtp.expect("a sink has no LMTP server: use MailServers::start()")
    }

    /// The PEM certificate of the CA that signed both servers' certificate (for 127.0.0.1
    /// and localhost): the one trust anchor a client needs for STARTTLS.
    pub fn ca_file(&self) -> &Path {
        &self.ca
    }

    /// The temporary directory; Dovecot's log is `dovecot.log` in it.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Submits a message through the SMTP server as a mail client would (no TLS, no AUTH).
    pub async fn send(&self, from: &str, to: &[&str], raw: &[u8]) -> Result<(), MailError> {
        self.submit(json!({"cmd": "send", "from": from, "to": to, "raw_b64": b64encode(raw)}))
            .await
    }

    /// Like [`MailServers::send`], after STARTTLS (trusting [`MailServers::ca_file`]) and
    /// AUTH as `user` with [`PASSWORD`].
    pub async fn send_authenticated(
        &self,
        user: &str,
        from: &str,
        to: &[&str],
        raw: &[u8],
    ) -> Result<(), MailError> {
        self.submit(json!({
            "cmd": "send", "from": from, "to": to, "raw_b64": b64encode(raw),
            "starttls": true, "user": user, "password": PASSWORD,
        }))
        .await
    }

    /// Like [`MailServers::send_authenticated`], over implicit TLS ([`MailServers::smtps_addr`]).
    pub async fn send_implicit_tls(
        &self,
        user: &str,
        from: &str,
        to: &[&str],
        raw: &[u8],
    ) -> Result<(), MailError> {
        self.submit(json!({
            "cmd": "send", "from": from, "to": to, "raw_b64": b64encode(raw),
            "implicit_tls": true, "user": user, "password": PASSWORD,
        }))
        .await
    }

    /// Every message in `user`'s INBOX, oldest first, read over IMAP without marking any seen.
    pub async fn mailbox(&self, user: &str) -> Result<Vec<Message>, MailError> {
        self.folder(user, "INBOX").await
    }

    /// Like [`MailServers::mailbox`], for another folder of `user` (e.g. one messages are
    /// moved to once handled).
    pub async fn folder(&self, user: &str, folder: &str) -> Result<Vec<Message>, MailError> {
        let answer = self
            .command(json!({"cmd": "mailbox", "user": user, "folder": folder}))
            .await?;
        let messages = answer["messages"]
            .as_array()
            .ok_or_else(|| odd("mailbox", &answer))?;
        messages
            .iter()
            .map(|m| {
                Ok(Message {
                    uid: m["uid"].as_u64().unwrap_or(0) as u32,
                    raw: m["raw_b64"]
                        .as_str()
                        .and_then(b64decode)
                        .ok_or_else(|| odd("mailbox", m))?,
                    flags: strings(&m["flags"]),
                })
            })
            .collect()
    }

    /// Puts a message straight into `user`'s INBOX with IMAP APPEND, bytes as given (for odd
    /// or hostile messages no SMTP client would send). Returns its UID.
    pub async fn append(&self, user: &str, raw: &[u8]) -> Result<u32, MailError> {
        self.append_with_flags(user, raw, &[]).await
    }

    /// Like [`MailServers::append`], with flags such as `\Seen`.
    pub async fn append_with_flags(
        &self,
        user: &str,
        raw: &[u8],
        flags: &[&str],
    ) -> Result<u32, MailError> {
        let answer = self
            .command(json!({"cmd": "append", "user": user, "raw_b64": b64encode(raw), "flags": flags}))
            .await?;
        Ok(answer["uid"].as_u64().unwrap_or(0) as u32)
    }

    /// Stops accepting SMTP and cuts open SMTP connections: new ones are refused.
    pub async fn smtp_down(&self) -> Result<(), MailError> {
        self.command(json!({"cmd": "smtp_down"})).await.map(drop)
    }

    /// Accepts SMTP again, on the same port.
    pub async fn smtp_up(&self) -> Result<(), MailError> {
        self.command(json!({"cmd": "smtp_up"})).await.map(drop)
    }

    /// Answers the DATA of the next `count` messages with `code` (451: try again later,
    /// 554: rejected for good) instead of accepting them.
    pub async fn reject_next(&self, count: u32, code: u16) -> Result<(), MailError> {
        self.command(json!({"cmd": "reject_next", "count": count, "code": code}))
            .await
            .map(drop)
    }

    /// Stops Dovecot (IMAP and LMTP): open IMAP connections break, new ones are refused, and
    /// SMTP answers 451 because it cannot deliver. Mail already delivered stays.
    pub async fn imap_down(&self) -> Result<(), MailError> {
        self.command(json!({"cmd": "imap_down"})).await.map(drop)
    }

    /// Starts Dovecot again on the same ports, with the same mailboxes.
    pub async fn imap_up(&self) -> Result<(), MailError> {
        self.command(json!({"cmd": "imap_up"})).await.map(drop)
    }

    /// Messages and sessions the SMTP server accepted so far.
    pub async fn count(&self) -> Result<Counts, MailError> {
        let answer = self.command(json!({"cmd": "count"})).await?;
        let field = |name: &str| answer[name].as_u64().ok_or_else(|| odd("count", &answer));
        Ok(Counts {
            messages: field("messages")?,
            recipients: field("recipients")?,
            sessions: field("sessions")?,
        })
    }

    /// What IMAP (before and after login) and SMTP (EHLO) announce.
    pub async fn capabilities(&self) -> Result<Capabilities, MailError> {
        let answer = self.command(json!({"cmd": "capabilities"})).await?;
        Ok(Capabilities {
            imap_pre_login: strings(&answer["imap_pre_login"]),
            imap: strings(&answer["imap"]),
            smtp: strings(&answer["smtp"]),
        })
    }

    async fn launch(args: &[&str]) -> Result<MailServers, MailError> {
        let began = Instant::now();
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the server crate sits in the workspace");
        let python = std::env::var_os("DESKSIDE_MAIL_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target/mail-venv/bin/python"));
        if !python.exists() {
            return Err(MailError::Harness(format!(
                "no Python with aiosmtpd at {}: run `make mail-servers` (it installs Dovecot \
                 and that virtual environment), or set DESKSIDE_MAIL_PYTHON",
                python.display()
            )));
        }
        let mut child = Command::new(&python)
            .arg(workspace.join("end2end/mailservers.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so one signal can end it and Dovecot together.
            .process_group(0)
            .spawn()
            .map_err(|e| MailError::Harness(format!("cannot run {}: {e}", python.display())))?;
        let stderr = Arc::new(StdMutex::new(Vec::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let kept = stderr.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = pipe.read(&mut buf).await {
                    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                    kept.extend_from_slice(&buf[..n]);
                    let excess = kept.len().saturating_sub(STDERR_KEPT);
                    kept.drain(..excess);
                }
            });
        }
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut servers = MailServers {
            smtp: SocketAddr::from(([127, 0, 0, 1], 0)),
            smtps: SocketAddr::from(([127, 0, 0, 1], 0)),
            imap: None,
            imaps: None,
            lmtp: None,
            dir: PathBuf::new(),
            ca: PathBuf::new(),
            pipes: Mutex::new(Pipes { stdin, stdout }),
            child,
            stderr,
            startup: Duration::ZERO,
        };
        // From here on, dropping `servers` stops whatever did start.
        let ready = {
            let mut pipes = servers.pipes.lock().await;
            servers.read_answer(&mut pipes, STARTUP_LIMIT).await?
        };
        if let Some(error) = ready["error"].as_str() {
            return Err(MailError::Harness(error.to_owned()));
        }
        let port = |name: &str| {
            ready[name]
                .as_u64()
                .map(|p| SocketAddr::from(([127, 0, 0, 1], p as u16)))
        };
        servers.smtp = port("smtp").ok_or_else(|| odd("startup", &ready))?;
        servers.smtps = port("smtps").ok_or_else(|| odd("startup", &ready))?;
        servers.imap = port("imap");
        servers.imaps = port("imaps");
        servers.lmtp = port("lmtp");
        servers.dir = PathBuf::from(ready["dir"].as_str().unwrap_or_default());
        servers.ca = PathBuf::from(ready["ca"].as_str().unwrap_or_default());
        servers.startup = began.elapsed();
        Ok(servers)
    }

    /// A `send` command's answer as a submission's result.
    async fn submit(&self, request: Value) -> Result<(), MailError> {
        let answer = self.command(request).await?;
        if answer["sent"] == json!(true) {
            return Ok(());
        }
        let message = answer["message"].as_str().unwrap_or_default().to_owned();
        Err(match answer["code"].as_u64() {
            Some(code) => MailError::Smtp {
                code: code as u16,
                message,
            },
            None if answer["refused"] == json!(true) => MailError::Refused(message),
            None => MailError::Failed(message),
        })
    }

    /// Sends one command line and reads its one answer line; `ok: false` becomes an error.
    async fn command(&self, request: Value) -> Result<Value, MailError> {
        let mut pipes = self.pipes.lock().await;
        let stdin = pipes
            .stdin
            .as_mut()
            .ok_or_else(|| MailError::Harness("already stopped".into()))?;
        let mut line = request.to_string();
        line.push('\n');
        let written = async {
            stdin.write_all(line.as_bytes()).await?;
            stdin.flush().await
        };
        if let Err(e) = written.await {
            return Err(self.died(&format!("cannot send it a command ({e})")));
        }
        let answer = self.read_answer(&mut pipes, COMMAND_LIMIT).await?;
        if answer["ok"] == json!(true) {
            Ok(answer)
        } else {
            let cmd = &request["cmd"];
            let error = answer["error"].as_str().unwrap_or("no reason given");
            Err(MailError::Harness(format!("command {cmd} failed: {error}")))
        }
    }

    async fn read_answer(&self, pipes: &mut Pipes, limit: Duration) -> Result<Value, MailError> {
        let mut line = String::new();
        match tokio::time::timeout(limit, pipes.stdout.read_line(&mut line)).await {
            Err(_) => Err(MailError::Harness(format!(
                "no answer within {limit:?}; its stderr:\n{}",
                self.stderr_tail()
            ))),
            Ok(Err(e)) => Err(self.died(&format!("cannot read its answer ({e})"))),
            Ok(Ok(0)) => Err(self.died("it exited")),
            Ok(Ok(_)) => serde_json::from_str(&line)
                .map_err(|e| MailError::Harness(format!("answered {line:?}, not JSON: {e}"))),
        }
    }

    fn died(&self, what: &str) -> MailError {
        MailError::Harness(format!(
            "end2end/mailservers.py: {what}; its stderr:\n{}",
            self.stderr_tail()
        ))
    }

    fn stderr_tail(&self) -> String {
        let kept = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&kept).into_owned()
    }
}

impl Drop for MailServers {
    /// Closing stdin tells the harness to stop Dovecot and remove its directory; this waits
    /// for that (a fraction of a second), so no server outlives its test.
    fn drop(&mut self) {
        self.pipes.get_mut().stdin.take();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // Hung: end its whole process group, Dovecot included.
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        if let Some(pid) = self.child.id() {
            // SAFETY: killpg only sends a signal; the group is still ours because its leader
            // has not been reaped yet.
            unsafe { libc::killpg(pid as libc::pid_t, libc::SIGKILL) };
        }
        let _ = self.child.start_kill();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn odd(what: &str, answer: &Value) -> MailError {
    MailError::Harness(format!("unexpected answer to {what}: {answer}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding: the harness's JSON carries raw messages this way (a
/// dependency for thirty lines would be one more line in `Cargo.toml` to merge).
fn b64encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let value = B64.iter().position(|&b| b == c)? as u32;
            n |= value << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod b64_tests {
    use super::{b64decode, b64encode};

    #[test]
    fn base64_round_trips_every_length_and_matches_the_standard_alphabet() {
        assert_eq!(b64encode(b"Man"), "TWFu");
        assert_eq!(b64encode(b"Ma"), "TWE=");
        assert_eq!(b64encode(b"M"), "TQ==");
        assert_eq!(b64encode(&[0xfb, 0xff]), "+/8=");
        for len in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 250) as u8).collect();
            assert_eq!(b64decode(&b64encode(&bytes)).as_deref(), Some(&bytes[..]));
        }
        assert_eq!(b64decode("not base64!"), None);
    }
}
