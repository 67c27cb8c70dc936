//! Entry point: parse the command line, then serve or run one command.

use clap::Parser;
use server::settings::{Cli, Command};
use server::{cli, startup::Application};
use std::process::ExitCode;

// One runtime thread: Leptos' reactive graph can deadlock when one page's server render and
// its resources run on two worker threads at once (seen here as a server that stopped
// accepting connections, both workers parked on the graph's locks; leptos-rs/leptos#4673).
// Database work still runs on sqlx's own threads, and password hashing and CPU-heavy work
// (Markdown, diffs; see `server::blocking`) on the blocking pool, so little is lost.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    return_large_blocks_to_the_system();
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

/// Makes glibc hand every block of 1 MiB or more straight back to the system when freed.
/// By default it raises that threshold to the largest block freed so far, then keeps such
/// blocks in its heaps: each 19 MiB argon2 computation (demo seeding, sign-ins) stayed
/// resident on the thread that ran it. Measured on the release build: idle 208 MB → 33 MB,
/// and a burst of 400 parallel sign-ins +137 MB, kept → +40 MB peak, given back after.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a setting of the allocator; a fixed threshold also turns
    // off its dynamic adjustment.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
