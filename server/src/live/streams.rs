//! Who holds which live stream open: each stream is registered under its person and the
//! session or token that opened it, so ending that session or token, or the person's access,
//! ends the stream at once, and one person cannot hold more than their share open.

use app::accounts::{Credential, UserId};
use app::error::AppError;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// How many live streams one person may hold open unless the settings say otherwise: a tab
/// or window of the portal holds one, so this is eight tabs, more than a person reads at once.
pub const DEFAULT_PER_PERSON: usize = 8;

pub struct Streams {
    per_person: usize,
    open: Mutex<HashMap<UserId, Vec<Registered>>>,
    serial: AtomicU64,
}

/// One open stream as the registry knows it. Dropping `_close` (nothing is ever sent on it)
/// ends the stream.
struct Registered {
    serial: u64,
    via: Credential,
    _close: oneshot::Sender<()>,
}

/// A stream's place in the registry, held by the stream for as long as it runs; dropping it
/// gives the place up.
pub struct OpenStream {
    streams: Arc<Streams>,
    user: UserId,
    via: Credential,
    serial: u64,
    closed: oneshot::Receiver<()>,
}

impl Streams {
    pub fn new(per_person: usize) -> Arc<Streams> {
        Arc::new(Streams {
            per_person,
            open: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(0),
        })
    }

    fn open_streams(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Vec<Registered>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a stream `user` opens with `via`; refused when they hold their share already.
    ///
    /// Refused rather than closing their oldest: a browser's `EventSource` reconnects a stream
    /// the server ends, so closing the oldest tab's stream would have it take the place of
    /// another, and tabs would take turns closing each other for as long as they are open. A
    /// refused `EventSource` stops, and the tabs already open stay live.
    pub fn open(self: &Arc<Self>, user: UserId, via: Credential) -> Result<OpenStream, AppError> {
        let mut open = self.open_streams();
        let held = open.entry(user).or_default();
        if held.len() >= self.per_person {
            return Err(AppError::LimitReached {
                message: format!(
                    "You have {} live streams open, the most one person may: close a tab or \
                     window of the portal (or a script's stream) and try again.",
                    held.len()
                ),
            });
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        held.push(Registered {
            serial,
            via: via.clone(),
            _close: close,
        });
        Ok(OpenStream {
            streams: self.clone(),
            user,
            via,
            serial,
            closed,
        })
    }

    /// Ends `user`'s streams opened with a credential `matches` picks; how many it ended.
    pub fn close(&self, user: UserId, matches: impl Fn(&Credential) -> bool) -> usize {
        let mut open = self.open_streams();
        let Some(held) = open.get_mut(&user) else {
            return 0;
        };
        let before = held.len();
        // Dropping a stream's sender wakes the stream, which ends.
        held.retain(|stream| !matches(&stream.via));
        let closed = before - held.len();
        if held.is_empty() {
            open.remove(&user);
        }
        closed
    }

    /// Ends the streams the session `id` opened.
    pub fn close_session(&self, user: UserId, id: &str) -> usize {
        self.close(
            user,
            |via| matches!(via, Credential::Session { id: opened } if opened == id),
        )
    }

    /// Ends the streams the token `id` opened.
    pub fn close_token(&self, user: UserId, id: i64) -> usize {
        self.close(
            user,
            |via| matches!(via, Credential::Token { id: opened, .. } if *opened == id),
        )
    }

    /// How many streams `user` holds open.
    pub fn held(&self, user: UserId) -> usize {
        self.open_streams().get(&user).map_or(0, Vec::len)
    }
}

impl OpenStream {
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The session or token that opened the stream.
    pub fn via(&self) -> &Credential {
        &self.via
    }

    /// Resolves when the stream must end: its session or token ended, or its person lost
    /// access. Cancel-safe; not to be awaited again once it has resolved.
    pub async fn closed(&mut self) {
        // Either way the sender is gone: nothing is ever sent on it.
        let _ = (&mut self.closed).await;
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        let mut open = self.streams.open_streams();
        if let Some(held) = open.get_mut(&self.user) {
            held.retain(|stream| stream.serial != self.serial);
            if held.is_empty() {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::accounts::TokenScope;

    fn session(id: &str) -> Credential {
        Credential::Session { id: id.into() }
    }

    #[tokio::test]
    async fn ending_a_session_ends_its_streams_only() {
        let streams = Streams::new(DEFAULT_PER_PERSON);
        let mut laptop = streams.open(1, session("laptop")).expect("a place");
        let mut phone = streams.open(1, session("phone")).expect("a place");
        let token = Credential::Token {
            id: 7,
            scope: TokenScope::ReadOnly,
        };
        let mut script = streams.open(1, token).expect("a place");

        assert_eq!(streams.close_session(1, "laptop"), 1);
        laptop.closed().await;
        assert_eq!(streams.close_token(1, 7), 1);
        script.closed().await;

        let still_open = tokio::time::timeout(std::time::Duration::ZERO, phone.closed()).await;
        assert!(still_open.is_err(), "the phone's stream goes on");
        assert_eq!(streams.held(1), 1);
    }

    #[test]
    fn a_person_holds_their_share_and_a_closed_stream_frees_its_place() {
        let streams = Streams::new(2);
        let first = streams.open(1, session("a")).expect("a place");
        let _second = streams.open(1, session("a")).expect("a place");

        let refused = streams.open(1, session("a"));
        let someone_else = streams.open(2, session("b"));
        drop(first);
        let again = streams.open(1, session("a"));

        assert!(matches!(refused, Err(AppError::LimitReached { .. })));
        assert!(someone_else.is_ok(), "the share is per person");
        assert!(again.is_ok(), "a closed stream gives its place back");
    }
}
