//! Authentication: password hashing, sign-in throttling, API token secrets, sessions, and the
//! layer that turns a request's cookie or bearer token into the `Actor` every rule checks.

use crate::accounts::AccountsService;
use app::accounts::Actor;
use app::backend::SESSION_USER_KEY;
use app::error::AppError;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header::AUTHORIZATION, request::Parts},
    middleware::Next,
    response::Response,
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tower_sessions::{
    CachingSessionStore, Expiry, Session, SessionManagerLayer, cookie::SameSite,
    session_store::ExpiredDeletion,
};
use tower_sessions_moka_store::MokaStore;
use tower_sessions_sqlx_store::SqliteStore;

/// Hashes `password` with argon2id on the blocking pool, away from the async workers.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing task failed");
        AppError::Internal
    })?
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing failed");
        AppError::Internal
    })
}

/// Checks `password` against a stored hash on the blocking pool. A malformed hash never
/// matches.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password verification task failed");
        AppError::Internal
    })
}

/// A new API token secret: 32 random bytes, recognisable by its prefix.
pub fn new_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("dsk_{}", hex::encode(bytes))
}

/// What we store of a token. Secrets are 256 random bits, so a fast hash is enough.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Counts failed sign-ins per account and per address in a sliding window.
pub struct LoginThrottle {
    window: Duration,
    per_account: u32,
    per_address: u32,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(window: Duration, per_account: u32, per_address: u32) -> Self {
        Self {
            window,
            per_account,
            per_address,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email: &str, from: IpAddr) -> [(String, bool); 2] {
        [
            (format!("account:{}", email.trim().to_lowercase()), true),
            (format!("address:{from}"), false),
        ]
    }

    /// `Err(seconds)` while either the account or the address has used up its failures.
    pub fn check(&self, email: &str, from: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, is_account) in Self::keys(email, from) {
            let limit = if is_account {
                self.per_account
            } else {
                self.per_address
            } as usize;
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= limit
                    && let Some(oldest) = times.first()
                {
                    let wait = self.window.saturating_sub(now.duration_since(*oldest));
                    return Err(wait.as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, email: &str, from: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < self.window));
        }
        for (key, _) in Self::keys(email, from) {
            failures.entry(key).or_default().push(now);
        }
    }

    /// A successful sign-in clears the account's count (not the address's).
    pub fn record_success(&self, email: &str, from: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let [(account, _), _] = Self::keys(email, from);
        failures.remove(&account);
    }
}

/// The sessions kept in memory in front of the database: enough for every person of a
/// small provider's clients signed in on a few devices each. Beyond it, the least used are
/// read from the database again.
const CACHED_SESSIONS: u64 = 20_000;

/// The session store: SQLite, with the sessions in use cached in memory, so a signed-in
/// request does not read its session from the database. Sessions change only through this
/// store (sign-in, sign-out, ending a deactivated account's session), which updates both.
pub type Sessions = CachingSessionStore<MokaStore, SqliteStore>;

/// Server-side sessions in SQLite: the cookie holds only a random id.
pub async fn session_layer(
    pool: sqlx::SqlitePool,
    secure: bool,
) -> Result<SessionManagerLayer<Sessions>, sqlx::Error> {
    let store = SqliteStore::new(pool);
    store.migrate().await?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );
    let store = CachingSessionStore::new(MokaStore::new(Some(CACHED_SESSIONS)), store);
    Ok(SessionManagerLayer::new(store)
        .with_name("deskside_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14))))
}

/// Resolves the caller from a bearer token or the session and puts the `Actor` in the
/// request's extensions. Deactivated or deleted accounts end their session here.
pub async fn resolve_actor(
    State(accounts): State<Arc<AccountsService>>,
    mut request: Request,
    next: Next,
) -> Result<Response, AppError> {
    if request.uri().path().starts_with("/pkg/") {
        return Ok(next.run(request).await);
    }
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    let actor = match bearer {
        Some(value) => {
            let secret = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .ok_or(AppError::Unauthorized)?;
            // A token that does not resolve is an error, never a silent fall-back to the cookie.
            Some(
                accounts
                    .actor_for_token(secret.trim())
                    .await?
                    .ok_or(AppError::Unauthorized)?,
            )
        }
        None => match request.extensions().get::<Session>().cloned() {
            Some(session) => actor_from_session(&accounts, &session).await?,
            None => None,
        },
    };
    if let Some(actor) = actor {
        request.extensions_mut().insert(actor);
    }
    Ok(next.run(request).await)
}

async fn actor_from_session(
    accounts: &AccountsService,
    session: &Session,
) -> Result<Option<Actor>, AppError> {
    let user_id: Option<i64> = session.get(SESSION_USER_KEY).await.map_err(|err| {
        tracing::error!(error = %err, "session store failed");
        AppError::Internal
    })?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    match accounts.active_actor(user_id).await? {
        Some(actor) => Ok(Some(actor)),
        None => {
            app::backend::end_session(session).await?;
            Ok(None)
        }
    }
}

/// The signed-in caller of a REST handler; 401 JSON when there is none.
pub struct Caller(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .map(Caller)
            .ok_or(AppError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn account_is_locked_after_its_failures_and_others_are_not() {
        let t = LoginThrottle::new(Duration::from_secs(60), 3, 100);
        for _ in 0..3 {
            assert!(t.check("a@x.test", HOME).is_ok());
            t.record_failure("a@x.test", HOME);
        }
        assert!(
            t.check("A@x.test ", HOME).is_err(),
            "same account, other spelling"
        );
        assert!(t.check("b@x.test", HOME).is_ok());
    }

    #[test]
    fn address_is_locked_after_failures_across_accounts() {
        let t = LoginThrottle::new(Duration::from_secs(60), 100, 2);
        t.record_failure("a@x.test", HOME);
        t.record_failure("b@x.test", HOME);
        assert!(t.check("c@x.test", HOME).is_err());
        assert!(
            t.check("c@x.test", IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_accounts_failures() {
        let t = LoginThrottle::new(Duration::from_secs(60), 2, 100);
        t.record_failure("a@x.test", HOME);
        t.record_success("a@x.test", HOME);
        t.record_failure("a@x.test", HOME);
        assert!(t.check("a@x.test", HOME).is_ok());
    }

    #[test]
    fn failures_expire_with_the_window() {
        let t = LoginThrottle::new(Duration::from_millis(1), 1, 100);
        t.record_failure("a@x.test", HOME);
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.check("a@x.test", HOME).is_ok());
    }

    #[test]
    fn token_secrets_are_unique_and_only_their_hash_is_kept() {
        let (a, b) = (new_token_secret(), new_token_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("dsk_") && a.len() == 68);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test]
    async fn argon2id_hash_verifies_the_right_password_only() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse".into(), hash).await.unwrap());
        assert!(
            !verify_password("x".into(), "not a hash".into())
                .await
                .unwrap()
        );
    }
}
