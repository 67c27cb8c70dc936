//! Secrets at rest: argon2id password hashes (computed on a small bounded pool, off the async
//! runtime) and API token secrets with the fast hash stored for them.

use app::error::AppError;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// How many argon2id computations run at once. Each holds 19 MiB (argon2's default memory
/// cost) while it runs, so two keep a burst of sign-ins within 50 MB of the idle server.
const MAX_WORKERS: usize = 2;

/// How many more may wait for a worker; past that a sign-in is answered at once, not queued.
const QUEUE_PER_WORKER: usize = 4;

/// Password hashing and verification on a small bounded pool, away from the async workers.
/// Unbounded, a burst of sign-ins would start one 19 MiB computation per request on the
/// blocking pool (up to 512 threads). Here a fixed few threads hash, `queue` more may wait,
/// and anyone beyond is told at once that the server is busy. The threads are the pool's own
/// rather than the blocking pool's: the allocator keeps each thread's freed 19 MiB for reuse,
/// so a changing crowd of blocking threads kept hundreds of megabytes after one burst
/// (measured: +190 MB per burst of 400), where two fixed threads keep two blocks.
pub struct HashPool {
    /// Running and waiting together; taken without waiting, so a full pool refuses at once.
    places: Arc<Semaphore>,
    threads: rayon::ThreadPool,
}

impl HashPool {
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            places: Arc::new(Semaphore::new(workers + queue)),
            threads: threads(workers),
        }
    }

    /// One worker per core, at most [`MAX_WORKERS`].
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = cores.min(MAX_WORKERS);
        Self::new(workers, workers * QUEUE_PER_WORKER)
    }

    /// A pool with no room left, as a burst leaves it.
    #[cfg(test)]
    pub fn full() -> Self {
        Self {
            places: Arc::new(Semaphore::new(0)),
            threads: threads(1),
        }
    }

    /// Whether a sign-in would be refused as busy right now; lets one be refused before it
    /// reads the database.
    pub fn is_full(&self) -> bool {
        self.places.available_permits() == 0
    }

    /// Runs `job` on the pool's threads once one is free, or answers `Busy` at once when every
    /// thread and waiting place is taken. The place is held until the job ends, even if the
    /// caller stops waiting, so abandoned requests cannot pile computations up.
    async fn run<T, F>(&self, job: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let place = self
            .places
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Busy {
                retry_after_secs: 1,
            })?;
        let (done, result) = tokio::sync::oneshot::channel();
        self.threads.spawn(move || {
            let result = job();
            drop(place);
            // The caller may have stopped waiting; the result then has no one to go to.
            let _ = done.send(result);
        });
        result.await.map_err(|_| {
            tracing::error!("password hashing task failed");
            AppError::Internal
        })
    }

    /// Hashes `password` with argon2id.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
        })
        .await?
        .map_err(|err| {
            tracing::error!(error = %err, "password hashing failed");
            AppError::Internal
        })
    }

    /// Checks `password` against a stored hash. A malformed hash never matches.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AppError> {
        self.run(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
    }
}

/// The hashing threads. A job that panics is logged and its caller told of an internal
/// error (its answer channel is dropped); the process goes on.
fn threads(workers: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("argon2-{i}"))
        .panic_handler(|_| tracing::error!("password hashing panicked"))
        .build()
        .expect("the password hashing threads start")
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};

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
        let pool = HashPool::new(1, 0);
        let hash = pool.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            pool.verify("correct horse".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!pool.verify("wrong horse".into(), hash).await.unwrap());
        assert!(!pool.verify("x".into(), "not a hash".into()).await.unwrap());
    }

    /// A job that waits until the test opens the gate, counting how many run at once.
    struct Gate {
        open: Mutex<bool>,
        opened: Condvar,
        running: AtomicUsize,
        most: AtomicUsize,
    }

    impl Gate {
        fn job(gate: &Arc<Gate>) -> impl FnOnce() + Send + 'static {
            let gate = gate.clone();
            move || {
                let now = gate.running.fetch_add(1, Ordering::SeqCst) + 1;
                gate.most.fetch_max(now, Ordering::SeqCst);
                let mut open = gate.open.lock().unwrap();
                while !*open {
                    open = gate.opened.wait(open).unwrap();
                }
                gate.running.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_workers_hash_at_once_and_a_full_pool_refuses_at_once() {
        let pool = Arc::new(HashPool::new(2, 1));
        let gate = Arc::new(Gate {
            open: Mutex::new(false),
            opened: Condvar::new(),
            running: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
        });
        let accepted: Vec<_> = (0..3)
            .map(|_| {
                let (pool, job) = (pool.clone(), Gate::job(&gate));
                tokio::spawn(async move { pool.run(job).await })
            })
            .collect();
        while gate.running.load(Ordering::SeqCst) < 2 || !pool.is_full() {
            tokio::task::yield_now().await;
        }

        let refused = pool.run(Gate::job(&gate)).now_or_never();

        assert!(
            matches!(refused, Some(Err(AppError::Busy { .. }))),
            "a fourth job is refused without waiting: {refused:?}"
        );
        assert_eq!(
            gate.running.load(Ordering::SeqCst),
            2,
            "the third one waits"
        );
        *gate.open.lock().unwrap() = true;
        gate.opened.notify_all();
        for job in accepted {
            assert_eq!(job.await.unwrap(), Ok(()), "the waiting job runs too");
        }
        assert_eq!(gate.most.load(Ordering::SeqCst), 2);
        assert!(pool.run(|| ()).await.is_ok(), "places are given back");
    }
}
