//! The SQLite database: opening it with the settings Deskside relies on, migrations, and the
//! one place database errors become user-facing errors.

pub mod access;
pub mod account_links;
pub mod accounts;
pub mod batch;
pub mod breach;
pub mod canned;
pub mod home;
pub mod live;
pub mod mail;
pub mod mail_inbound;
pub mod mail_preferences;
pub mod queue;
pub mod reports;
pub mod settings;
pub mod setup;
pub mod tickets;
pub mod two_factor;
pub mod usage;
pub mod wiki;

use app::error::AppError;
use sqlx::{
    Sqlite, SqliteConnection, SqlitePool,
    pool::PoolConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::{path::Path, str::FromStr, time::Duration};

/// Handle to the database; cheap to clone.
///
/// Both pools skip sqlx's ping before handing out a connection: a SQLite connection lives in
/// this process and cannot drop like a network socket, and the ping is one more round trip to
/// the connection's thread on every query (sqlx still pings when a connection comes back).
#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
    /// The one connection write transactions use. SQLite has one writer at a time anyway;
    /// queueing for this connection in the pool costs nothing, whereas several connections
    /// racing for the write lock fall back on the busy handler, which sleeps.
    writer: SqlitePool,
    /// Counts committed changes to accounts, so what is cached about them knows when it may
    /// be stale.
    account_changes: Arc<AtomicU64>,
    /// The same for an organization's settings: categories, business hours, targets.
    settings_changes: Arc<AtomicU64>,
    /// Counts the statements and transactions run on the reader pool (each hands a connection
    /// back once), so a test can tell how often a page render reads the database.
    reads: Arc<AtomicU64>,
}

/// The options every connection gets: WAL so readers never wait for the writer, foreign keys
/// enforced, and a busy timeout instead of immediate "database is locked" errors.
pub fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str("sqlite:")
        .expect("a constant URL parses")
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL in WAL mode loses nothing on a process crash; only an OS crash may roll back
        // the last transactions, never corrupt the file.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // Each connection has a page cache of its own (SQLite is built without the shared one,
        // see `.cargo/config.toml`). SQLite's default of 2 MiB made reports and queue pages
        // over 100,000 tickets read pages again from the OS; 16 MiB keeps them in memory.
        .pragma("cache_size", "-16384")
}

impl Db {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Db, sqlx::Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let reads = Arc::new(AtomicU64::new(0));
        let counted = reads.clone();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .after_release(move |_, _| {
                counted.fetch_add(1, Ordering::Relaxed);
                Box::pin(async { Ok(true) })
            })
            .connect_with(connect_options(path))
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(
                connect_options(path)
                    // A savepoint inside a transaction keeps its undo journal in a temporary
                    // file by default: created and deleted again for every group of tickets.
                    .pragma("temp_store", "memory")
                    // A group of new tickets sends back a dozen results each (see
                    // `tickets::filing`); room for a full group lets the connection's thread
                    // run it through without waiting for them to be read.
                    .row_buffer_size(1024),
            )
            .await?;
        Ok(Db {
            pool,
            writer,
            account_changes: Arc::new(AtomicU64::new(0)),
            settings_changes: Arc::new(AtomicU64::new(0)),
            reads,
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// How many changes to accounts this process has committed. Read it before reading an
    /// account: what was read stays current for as long as the count stays the same.
    pub fn account_changes(&self) -> u64 {
        self.account_changes.load(Ordering::Acquire)
    }

    /// Counts a committed change to an account.
    fn account_changed(&self) {
        self.account_changes.fetch_add(1, Ordering::AcqRel);
    }

    /// How many changes to organization settings this process has committed; read it before
    /// reading settings, like `account_changes`.
    pub fn settings_changes(&self) -> u64 {
        self.settings_changes.load(Ordering::Acquire)
    }

    /// Counts a committed change to an organization's settings.
    pub fn settings_changed(&self) {
        self.settings_changes.fetch_add(1, Ordering::AcqRel);
    }

    /// How many times a reader connection has been handed back to the pool: one per query or
    /// transaction run outside the writer. Only differences between two readings mean anything.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        match sqlx::query("select 1").execute(&self.pool).await {
            Ok(_) => true,
            Err(err) => {
                tracing::error!(error = %err, "database ping failed");
                false
            }
        }
    }

    /// Writes a consistent copy of the live database to `target` (which must not exist).
    #[tracing::instrument(skip_all)]
    pub async fn backup_to(&self, target: &Path) -> Result<(), AppError> {
        if target.exists() {
            return Err(AppError::invalid("path", "That file exists already."));
        }
        let target = target
            .to_str()
            .ok_or_else(|| AppError::invalid("path", "The path must be valid UTF-8."))?;
        sqlx::query("vacuum into ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A reader connection on which SQLite stops any statement still running once its time is up,
/// so a costly query answers with an error instead of holding a connection and a thread.
pub struct BoundedConnection {
    connection: PoolConnection<Sqlite>,
    /// Cleared when the caller is done: the handler stays installed on the pooled connection
    /// until the next bounded read replaces it, and must not stop anyone else's statements.
    armed: Arc<AtomicBool>,
}

impl std::ops::Deref for BoundedConnection {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.connection
    }
}

impl std::ops::DerefMut for BoundedConnection {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.connection
    }
}

impl Drop for BoundedConnection {
    fn drop(&mut self) {
        self.armed.store(false, Ordering::Release);
    }
}

/// How many virtual-machine steps SQLite takes between looks at the clock: a few microseconds'
/// work, so a statement overruns its limit by next to nothing.
const STEPS_BETWEEN_CHECKS: i32 = 1_000;

impl Db {
    /// A reader connection whose statements SQLite interrupts after `limit`; see
    /// [`is_interrupted`] for telling that error apart.
    pub async fn bounded(&self, limit: Duration) -> Result<BoundedConnection, AppError> {
        let mut connection = self.pool.acquire().await?;
        let armed = Arc::new(AtomicBool::new(true));
        let deadline = std::time::Instant::now() + limit;
        let flag = armed.clone();
        connection
            .lock_handle()
            .await?
            .set_progress_handler(STEPS_BETWEEN_CHECKS, move || {
                !flag.load(Ordering::Acquire) || std::time::Instant::now() < deadline
            });
        Ok(BoundedConnection { connection, armed })
    }
}

/// Whether `err` is SQLite's answer to a statement stopped by [`Db::bounded`]'s limit
/// (`SQLITE_INTERRUPT`), judged by the driver's error code.
pub fn is_interrupted(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "9")
}

/// Whether `err` is a unique-constraint violation, judged by the driver's error kind.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// A timestamp as the database stores it: UTC, RFC 3339, milliseconds, `Z`: the same text
/// `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` writes, so stored values compare as text.
pub fn timestamp(at: time::OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000Z"))
}

/// Now, as the database stores it.
pub fn now() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_sqlites_own_format() {
        let at = time::macros::datetime!(2026-11-23 19:05:03.123456 +01:00);
        assert_eq!(timestamp(at), "2026-11-23T18:05:03.123Z");
    }

    /// Counts to a hundred million: far longer than any limit below.
    const SLOW: &str = "with recursive n(i) as (select 1 union all select i + 1 from n \
                        where i < 100000000) select count(*) from n";

    #[tokio::test]
    async fn a_bounded_read_is_stopped_when_its_time_is_up_and_the_connection_recovers() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("t.db")).await.expect("database");

        let mut bounded = db
            .bounded(Duration::from_millis(20))
            .await
            .expect("a connection");
        let stopped = sqlx::query_scalar::<_, i64>(SLOW)
            .fetch_one(&mut *bounded)
            .await
            .expect_err("the count is stopped");
        // What the guard's drop does before the connection goes back to the pool.
        bounded.armed.store(false, Ordering::Release);
        let after: i64 = sqlx::query_scalar(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000) \
             select count(*) from n",
        )
        .fetch_one(&mut *bounded)
        .await
        .expect("later statements on the same connection run to the end");

        assert!(is_interrupted(&stopped), "{stopped}");
        assert_eq!(after, 100_000);
    }

    /// `.cargo/config.toml` compiles SQLite without the shared page cache lock and without
    /// allocation counting; a build that lost those flags serializes every connection's reads.
    #[tokio::test]
    async fn sqlite_is_built_with_per_connection_caches() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("t.db")).await.expect("database");
        let options: Vec<String> = sqlx::query_scalar("pragma compile_options")
            .fetch_all(db.pool())
            .await
            .expect("compile options");
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(options.iter().any(|o| o == "ENABLE_FTS5"), "{options:?}");
    }
}
