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
