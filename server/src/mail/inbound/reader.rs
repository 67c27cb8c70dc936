//! One task per mailbox: connect, sign in, select the folder, file every unseen message
//! (marking it seen only after what it became has committed), then wait with IDLE where the
//! server offers it, or poll. Errors are recorded for the Mail page and the task reconnects
//! with back-off; one mailbox's trouble never touches another's or the server.

use super::connect::{self, Secret, Session};
use super::filing::{Filer, Outcome};
use super::oauth::TokenSource;
use super::{Auth, ImapSettings, MailboxAddress};
use async_imap::types::UnsolicitedResponse;
use futures::TryStreamExt;
use secrecy::SecretString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio_rustls::rustls::ClientConfig;

/// The longest one IDLE lasts before it is renewed (servers end it after 30 minutes).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);
/// The longest wait before reconnecting after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Hooks tests use to stand for a crash.
#[derive(Debug, Clone, Default)]
pub struct TestHooks {
    /// When set, the next message's reader stops right after its ticket committed and before
    /// marking it seen, as a crash there would (the flag clears itself).
    pub stop_after_commit: Arc<AtomicBool>,
}

/// Everything the mailbox tasks share.
pub struct Readers {
    filer: Arc<Filer>,
    tls: Arc<ClientConfig>,
    password: Option<SecretString>,
    oauth: Option<Arc<TokenSource>>,
    poll: Duration,
    max_bytes: u64,
    hooks: TestHooks,
}

/// Starts a task for each configured mailbox; checks the settings first.
pub fn spawn_all(settings: &ImapSettings, filer: Arc<Filer>) -> Result<Vec<String>, String> {
    let mailboxes = settings.mailboxes()?;
    if mailboxes.is_empty() {
        return Ok(Vec::new());
    }
    let readers = Arc::new(Readers {
        filer,
        tls: connect::tls_config(settings.imap_ca_file.as_deref())?,
        password: settings.imap_password.clone(),
        oauth: TokenSource::new(settings)?.map(Arc::new),
        poll: Duration::from_secs(settings.imap_poll_secs.max(1)),
        max_bytes: settings.imap_max_message_mb.saturating_mul(1024 * 1024),
        hooks: settings.test_hooks.clone(),
    });
    let labels = mailboxes.iter().map(|m| m.label.clone()).collect();
    for mailbox in mailboxes {
        let readers = readers.clone();
        tokio::spawn(async move { readers.run(mailbox).await });
    }
    Ok(labels)
}

impl Readers {
    /// Reads `mailbox` for as long as the server runs.
    async fn run(&self, mailbox: MailboxAddress) {
        let mut backoff = Duration::from_secs(1);
        loop {
            let err = self.session(&mailbox, &mut backoff).await;
            tracing::warn!(mailbox = %mailbox.label, error = %err, "mailbox reader stopped");
            if let Err(db) = self.filer.db().mailbox_failed(&mailbox.label, &err).await {
                tracing::error!(error = %db, "cannot record a mailbox's error");
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One connection's life: answers why it ended.
    async fn session(&self, mailbox: &MailboxAddress, backoff: &mut Duration) -> String {
        let secret = match self.secret(mailbox).await {
            Ok(secret) => secret,
            Err(err) => return err,
        };
        let mut session = match connect::open(mailbox, &self.tls, secret).await {
            Ok(session) => session,
            Err(err) => {
                // A refused token must not be offered again until it expires (up to an hour).
                // The error does not say whether the token or the connection failed, so any
                // failure costs a fresh token, one request per reconnect, spaced by the back-off.
                if let (Auth::XOAuth2, Some(source)) = (mailbox.auth, &self.oauth) {
                    source.forget().await;
                }
                return err;
            }
        };
        if let Err(err) = session.select(&mailbox.folder).await {
            return format!("cannot open the folder {:?}: {err}", mailbox.folder);
        }
        let idle = match session.capabilities().await {
            Ok(caps) => caps.has_str("IDLE"),
            Err(err) => return format!("CAPABILITY: {err}"),
        };
        loop {
            if let Err(err) = self.read_unseen(mailbox, &mut session).await {
                return err;
            }
            *backoff = Duration::from_secs(1);
            if let Err(err) = self.filer.db().mailbox_succeeded(&mailbox.label).await {
                tracing::error!(error = %err, "cannot record a mailbox's success");
            }
            session = match self.wait(session, idle).await {
                Ok(session) => session,
                Err(err) => return err,
            };
        }
    }

    async fn secret(&self, mailbox: &MailboxAddress) -> Result<Secret, String> {
        match mailbox.auth {
            Auth::XOAuth2 => {
                let source = self
                    .oauth
                    .as_ref()
                    .ok_or("XOAUTH2 without --imap-oauth-* settings")?;
                Ok(Secret::AccessToken(source.access_token().await?))
            }
            Auth::Password => match &mailbox.password_env {
                Some(name) => std::env::var(name)
                    .map(|p| Secret::Password(SecretString::from(p)))
                    .map_err(|_| format!("the variable {name} holds no password")),
                None => self
                    .password
                    .clone()
                    .map(Secret::Password)
                    .ok_or_else(|| "no password: set --imap-password".to_string()),
            },
        }
    }

    /// Waits for news: IDLE (renewed before servers end it), or the poll interval.
    async fn wait(&self, mut session: Session, idle: bool) -> Result<Session, String> {
        // A message that arrived after the last search is announced (EXISTS, RECENT) between
        // commands or as IDLE begins, and the server does not announce it again while idling:
        // search again at once rather than wait for the next one.
        let announced = session.unsolicited_responses.clone();
        if arrived(|| announced.try_recv().ok()) {
            return Ok(session);
        }
        if !idle {
            tokio::time::sleep(self.poll).await;
            session.noop().await.map_err(|e| format!("NOOP: {e}"))?;
            return Ok(session);
        }
        let mut handle = session.idle();
        handle.init().await.map_err(|e| format!("IDLE: {e}"))?;
        if arrived(|| announced.try_recv().ok()) {
            return handle.done().await.map_err(|e| format!("ending IDLE: {e}"));
        }
        {
            let (news, _stop) = handle.wait_with_timeout(IDLE_RENEW);
            // Keep-alives reset the library's timeout, so the renewal has its own.
            if let Ok(Err(err)) = tokio::time::timeout(IDLE_RENEW, news).await {
                return Err(format!("IDLE: {err}"));
            }
        }
        handle.done().await.map_err(|e| format!("ending IDLE: {e}"))
    }

    /// Files every unseen message, oldest first. A message is marked seen only once what it
    /// became committed; an error leaves it unseen, to be read again.
    async fn read_unseen(
        &self,
        mailbox: &MailboxAddress,
        session: &mut Session,
    ) -> Result<(), String> {
        let mut uids: Vec<u32> = session
            .uid_search("UNSEEN")
            .await
            .map_err(|e| format!("SEARCH UNSEEN: {e}"))?
            .into_iter()
            .collect();
        uids.sort_unstable();
        for uid in uids {
            let size = fetch_one(session, uid, "(UID RFC822.SIZE)")
                .await?
                .and_then(|f| f.size)
                .map_or(0, u64::from);
            let recorded = if size > self.max_bytes {
                let headers = fetch_one(session, uid, "(UID BODY.PEEK[HEADER])")
                    .await?
                    .and_then(|f| f.header().map(<[u8]>::to_vec))
                    .unwrap_or_default();
                self.filer
                    .too_big(&mailbox.label, &headers, size, self.max_bytes)
                    .await
                    .map(|_| ())
            } else {
                let Some(raw) = fetch_one(session, uid, "(UID BODY.PEEK[])")
                    .await?
                    .and_then(|f| f.body().map(<[u8]>::to_vec))
                else {
                    // Expunged meanwhile.
                    continue;
                };
                self.filer
                    .process(&mailbox.label, &raw)
                    .await
                    .map(|outcome| log_outcome(&mailbox.label, uid, &outcome))
            };
            recorded.map_err(|e| format!("filing message {uid}: {e}"))?;
            if self.hooks.stop_after_commit.swap(false, Ordering::SeqCst) {
                return Err(
                    "stopped after a commit, before marking the message seen (test)".into(),
                );
            }
            let _: Vec<_> = session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await
                .map_err(|e| format!("STORE \\Seen: {e}"))?
                .try_collect()
                .await
                .map_err(|e| format!("STORE \\Seen: {e}"))?;
        }
        Ok(())
    }
}

/// Whether the server announced a new message among the responses `next` takes, one by one,
/// from those waiting (the rest are not needed: UNSEEN is searched again).
fn arrived(mut next: impl FnMut() -> Option<UnsolicitedResponse>) -> bool {
    let mut arrived = false;
    while let Some(response) = next() {
        arrived |= matches!(
            response,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        );
    }
    arrived
}

async fn fetch_one(
    session: &mut Session,
    uid: u32,
    what: &str,
) -> Result<Option<async_imap::types::Fetch>, String> {
    let fetched: Vec<_> = session
        .uid_fetch(uid.to_string(), what)
        .await
        .map_err(|e| format!("FETCH {what}: {e}"))?
        .try_collect()
        .await
        .map_err(|e| format!("FETCH {what}: {e}"))?;
    Ok(fetched.into_iter().find(|f| f.uid == Some(uid)))
}

fn log_outcome(mailbox: &str, uid: u32, outcome: &Outcome) {
    match outcome {
        Outcome::Filed(id) => tracing::info!(mailbox, uid, ticket = id, "mail filed a ticket"),
        Outcome::Replied(id) => tracing::info!(mailbox, uid, ticket = id, "mail replied"),
        Outcome::Ignored(why) => tracing::info!(mailbox, uid, why, "mail ignored"),
        Outcome::Held(why) => tracing::info!(mailbox, uid, why, "mail held"),
        Outcome::Problem(why) => tracing::warn!(mailbox, uid, why, "mail unreadable"),
        Outcome::AlreadyRead => tracing::info!(mailbox, uid, "mail read before"),
    }
}
