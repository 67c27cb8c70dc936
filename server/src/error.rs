//! Errors that stop the server or a command from starting, each with its cause.

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    App(#[from] app::error::AppError),
    #[error("{0}")]
    Usage(String),
}
