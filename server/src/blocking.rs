//! CPU-heavy work (rendering Markdown, diffs, large CSV files) off the request runtime, a few
//! jobs at a time.
//!
//! The server answers every request on one runtime thread (see `main.rs`), so a render that
//! takes a second there stalls every other request, health checks included, for that second.
//! Tokio's blocking pool takes the work instead; the semaphore keeps the jobs to one per core,
//! because that pool grows to hundreds of threads, and a burst of huge renders would otherwise
//! starve the database's and password hashing's threads of the same cores.

use app::error::AppError;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(2, |cores| cores.get()))
});

/// Runs `work` on the blocking pool once a slot is free, and returns what it returns.
pub async fn run<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let _slot = SLOTS.acquire().await.map_err(|err| {
        tracing::error!(error = %err, "the blocking slots are closed");
        AppError::Internal
    })?;
    tokio::task::spawn_blocking(work).await.map_err(|err| {
        tracing::error!(error = %err, "a blocking task failed");
        AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[tokio::test]
    async fn the_runtime_keeps_answering_while_a_job_runs() {
        let (release, wait) = mpsc::channel::<()>();
        // The job holds its thread until the runtime, meanwhile, has done other work.
        let job = tokio::spawn(run(move || wait.recv().is_ok()));
        let other = tokio::spawn(async { "answered" });

        let answered = other.await.expect("the other task runs");
        release.send(()).expect("the job is waiting");

        assert_eq!(answered, "answered");
        assert!(job.await.expect("the job runs").expect("a slot"));
    }
}
