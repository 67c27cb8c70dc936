//! The one error type that crosses the boundary: server functions, REST responses and pages.

use serde::{Deserialize, Serialize};
use server_fn::{ServerFnError, codec::JsonEncoding, error::FromServerFnError};
use std::collections::BTreeMap;

/// Field name → messages, in a stable order so responses and pages read the same every time.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// What went wrong, in terms a person can act on. Internal causes are logged where they happen
/// and never carried here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthorized,
    #[error("Invalid email or password.")]
    InvalidCredentials,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// Forbidden for a reason the caller can act on, which the message gives.
    #[error("{message}")]
    Refused { message: String },
    #[error("Not found.")]
    NotFound,
    /// The address exists but does not answer to the request's method.
    #[error("This address does not accept that method.")]
    MethodNotAllowed,
    #[error("Please correct the highlighted fields.")]
    Invalid { fields: FieldErrors },
    #[error("{message}")]
    Conflict { message: String },
    #[error("{message}")]
    TooLarge { message: String },
    #[error("Too many attempts. Try again in {}.", wait_words(*.retry_after_secs))]
    RateLimited { retry_after_secs: u64 },
    /// Too much of something expensive (password hashing) is under way; refused at once rather
    /// than queued without end. A 429, not a 503: a burst of refusals is the defence working,
    /// not a server failure to log as one.
    #[error("The server is busy. Please try again in a moment.")]
    Busy { retry_after_secs: u64 },
    /// A limit on what one person may hold at once (not on attempts): waiting does not help,
    /// giving something up does; the message says what.
    #[error("{message}")]
    LimitReached { message: String },
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached our code intact (transport, encoding); carries the framework's
    /// description, which holds no server internals.
    #[error("The request could not be completed: {message}")]
    Request { message: String },
}

impl AppError {
    /// One invalid field with one message.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_string(), vec![message.into()]);
        AppError::Invalid { fields }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
        }
    }

    /// Stable machine-readable code used by the REST API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden | AppError::Refused { .. } => "forbidden",
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict { .. } => "conflict",
            AppError::TooLarge { .. } => "too_large",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Busy { .. } => "busy",
            AppError::LimitReached { .. } => "limit_reached",
            AppError::Internal => "internal",
            AppError::Request { .. } => "bad_request",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden | AppError::Refused { .. } => 403,
            AppError::NotFound => 404,
            AppError::MethodNotAllowed => 405,
            AppError::Invalid { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::TooLarge { .. } => 413,
            AppError::RateLimited { .. }
            | AppError::Busy { .. }
            | AppError::LimitReached { .. } => 429,
            AppError::Internal => 500,
            AppError::Request { .. } => 400,
        }
    }

    /// The messages for one field, for showing next to it.
    /// The same error with the messages about `from` filed under `to`: a shared rule names
    /// its field `name`, a form with several names needs to say which one.
    pub fn renamed_field(self, from: &str, to: &str) -> Self {
        match self {
            AppError::Invalid { mut fields } => {
                if let Some(messages) = fields.remove(from) {
                    fields.entry(to.to_string()).or_default().extend(messages);
                }
                AppError::Invalid { fields }
            }
            other => other,
        }
    }

    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields } => fields.get(name).map(|m| m.join(" ")),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Request {
            message: value.to_string(),
        }
    }
}

impl From<ServerFnError> for AppError {
    fn from(value: ServerFnError) -> Self {
        AppError::Request {
            message: value.to_string(),
        }
    }
}

/// Collects field errors while parsing a whole form, so every problem is reported at once.
#[derive(Debug, Default)]
pub struct Validator {
    fields: FieldErrors,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the parsed value, or records its message under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.fields
                    .entry(field.to_string())
                    .or_default()
                    .push(message);
                None
            }
        }
    }

    /// `Ok(value)` when nothing was recorded; the collected errors otherwise.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, AppError> {
        if self.fields.is_empty() {
            build().ok_or(AppError::Internal)
        } else {
            Err(AppError::Invalid {
                fields: self.fields,
            })
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;
    use axum::{
        Json,
        http::StatusCode,
        response::{IntoResponse, Response},
    };

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let fields = match &self {
                AppError::Invalid { fields } => Some(fields.clone()),
                _ => None,
            };
            let body = serde_json::json!({
                "error": {
                    "code": self.code(),
                    "message": self.to_string(),
                    "fields": fields.unwrap_or_default(),
                }
            });
            let mut response = (status, Json(body)).into_response();
            if let AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } =
                self
                && let Ok(value) = retry_after_secs.to_string().parse()
            {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
    }

    /// The one place a database error becomes an `AppError`, so `?` works on every query: a
    /// missing row is `NotFound`; anything else is logged with its cause and reported as
    /// internal, never shown.
    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match err {
                sqlx::Error::RowNotFound => AppError::NotFound,
                other => {
                    tracing::error!(error = %other, "database error");
                    AppError::Internal
                }
            }
        }
    }
}

/// A wait as a person reads it: "1 second", "40 seconds", "15 minutes".
fn wait_words(secs: u64) -> String {
    match secs {
        0 | 1 => "1 second".into(),
        2..60 => format!("{secs} seconds"),
        _ => match secs.div_ceil(60) {
            1 => "1 minute".into(),
            minutes => format!("{minutes} minutes"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_says_how_long_to_wait_in_words() {
        let message = |secs| {
            AppError::RateLimited {
                retry_after_secs: secs,
            }
            .to_string()
        };
        assert_eq!(message(1), "Too many attempts. Try again in 1 second.");
        assert_eq!(message(40), "Too many attempts. Try again in 40 seconds.");
        assert_eq!(message(61), "Too many attempts. Try again in 2 minutes.");
        assert_eq!(message(900), "Too many attempts. Try again in 15 minutes.");
    }

    #[test]
    fn validator_reports_every_field_that_failed() {
        let mut v = Validator::new();
        let a: Option<u8> = v.check("a", Err("bad a".into()));
        let b: Option<u8> = v.check("b", Ok(2));
        let err = v.finish(|| Some((a?, b?))).unwrap_err();
        assert_eq!(err.field("a").as_deref(), Some("bad a"));
        assert_eq!(err.field("b"), None);
    }

    #[test]
    fn validator_builds_the_value_when_all_fields_parse() {
        let mut v = Validator::new();
        let a = v.check("a", Ok::<_, String>(1));
        assert_eq!(v.finish(|| a), Ok(1));
    }

    #[test]
    fn error_survives_the_server_function_round_trip() {
        let err = AppError::invalid("email", "Enter an email address.");
        let bytes = err.ser();
        assert_eq!(AppError::de(bytes), err);
    }

    #[test]
    fn every_variant_maps_to_a_client_error_status_except_internal() {
        assert_eq!(AppError::NotFound.status(), 404);
        assert_eq!(
            AppError::RateLimited {
                retry_after_secs: 1
            }
            .status(),
            429
        );
        assert_eq!(AppError::Internal.status(), 500);
    }
}
