//! Entry point: parse the command line, then serve or run one command.

use clap::Parser;
use server::settings::{Cli, Command};
use server::{cli, startup::Application};
use std::process::ExitCode;

/// mimalloc serves every allocation, the server's and (its `override` feature replaces
/// `malloc` for the whole process) SQLite's. Under glibc's allocator, allocating and freeing
/// took 16% of the server's time filing tickets, half of it on the database's threads, which
/// free what the runtime's thread allocated. Measured with `BENCH_ONLY=creation make bench`,
/// three runs each, glibc → mimalloc: server CPU per filed ticket at 32 clients 694 → 519 µs,
/// tickets filed 2,080 → 2,768/s, public replies 718 → 853/s. It costs about 10 MB more
/// when idle (42 MB against 32 MB with the bare demo), with `give_back_freed_memory` below.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// One runtime thread: Leptos' reactive graph can deadlock when one page's server render and
// its resources run on two worker threads at once (seen here as a server that stopped
// accepting connections, both workers parked on the graph's locks; leptos-rs/leptos#4673).
// Database work still runs on sqlx's own threads, and password hashing and CPU-heavy work
// (Markdown, diffs; see `server::blocking`) on the blocking pool, so little is lost.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    give_back_freed_memory();
    let Cli { settings, command } = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&settings.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let outcome = match command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::CreateOrg { name } => cli::create_org(&settings, &name).await.map(print),
        Command::CreateUser {
            org,
            role,
            email,
            name,
        } => match cli::read_password(std::io::stdin().lock()) {
            Ok(password) => cli::create_user(&settings, &org, &role, &email, &name, password)
                .await
                .map(print),
            Err(err) => Err(err),
        },
        Command::Backup { path } => cli::backup(&settings, &path).await.map(print),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn print(message: String) {
    println!("{message}");
}

async fn serve(settings: server::settings::Settings) -> Result<(), server::error::StartupError> {
    let app = Application::build(&settings).await?;
    tracing::info!(address = %app.local_addr(), "Deskside is serving");
    app.serve().await?;
    Ok(())
}

/// mimalloc hands memory back to the system a second after it was freed, but only while
/// some thread is allocating: after a burst of sign-ins the hashing threads fall idle holding
/// their 19 MiB blocks, and an idle server kept twice the memory it needs (74 MB where glibc
/// kept 32). Each second, the runtime's thread asks it to give back what has waited its delay
/// (`mi_collect` without `force` does only that, which costs microseconds).
fn give_back_freed_memory() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            // SAFETY: `mi_collect` only frees memory no allocation is using; any thread may
            // call it at any time.
            unsafe { libmimalloc_sys::mi_collect(false) };
        }
    });
}
