//! The pages' plain multipart forms, which server functions cannot take: filing a request with
//! its files, and attaching files on the ticket page. Without JavaScript a refused request is
//! answered with its form again, rendered from the post (with the problem and what was typed);
//! the page's script asks for JSON instead and gets the API's answers. And the reply form's
//! "Insert" without JavaScript, answered with the ticket page itself.

use super::ApiPath;
use crate::auth::Caller;
use crate::state::AppState;
use app::error::AppError;
use app::tickets::{NewTicket, new::RefusedRequest, ssr::Upload, view::CannedInsert};
use axum::{
    Form, Json,
    body::Body,
    extract::{FromRequest, Multipart, Request, State, multipart::MultipartError},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::collections::HashMap;

/// A multipart form as received: its files (field `file`, repeatable) and its text fields.
pub struct MultipartForm {
    pub files: Vec<Upload>,
    pub fields: HashMap<String, String>,
}

/// Read whole before the handler runs; a request that is not multipart, or breaks off, is a
/// JSON error like every other.
impl<S: Send + Sync> FromRequest<S> for MultipartForm {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let form = Multipart::from_request(req, state)
            .await
            .map_err(|rejection| AppError::Request {
                message: rejection.body_text(),
            })?;
        MultipartForm::read(form).await
    }
}

impl MultipartForm {
    pub async fn read(mut form: Multipart) -> Result<MultipartForm, AppError> {
        let mut files = Vec::new();
        let mut fields = HashMap::new();
        while let Some(field) = form.next_field().await.map_err(multipart_error)? {
            let Some(name) = field.name().map(str::to_string) else {
                continue;
            };
            if name == "file" {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                // A file input left empty still sends an empty, nameless part.
                if !(file_name.is_empty() && bytes.is_empty()) {
                    files.push(Upload {
                        file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            } else {
                let value = field.text().await.map_err(multipart_error)?;
                fields.insert(name, value);
            }
        }
        Ok(MultipartForm { files, fields })
    }

    pub fn text(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// A checkbox: checked when sent as on, true or 1.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.text(name).trim(), "on" | "true" | "1")
    }
}

fn multipart_error(err: MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge {
            message: "The upload is larger than allowed.".into(),
        }
    } else {
        AppError::Request {
            message: err.body_text(),
        }
    }
}

/// Whether the page's script sent the form and wants JSON back.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// `POST /tickets/new`: the new request form, with its files, filed in one transaction.
/// Refused without JavaScript, the form comes back (422) from the post itself, filled with
/// what was typed: a description of any length, which no address could carry, is never lost.
pub async fn new_request(
    State(state): State<AppState>,
    Caller(actor): Caller,
    request: Request,
) -> Response {
    let json = wants_json(request.headers());
    // The request's parts, kept to render the form again as this person's page.
    let (parts, body) = request.into_parts();
    let form = Multipart::from_request(Request::from_parts(parts.clone(), body), &state).await;
    let mut typed = Vec::new();
    let outcome = async {
        let form = form.map_err(|rejection| AppError::Request {
            message: rejection.body_text(),
        })?;
        let form = MultipartForm::read(form).await?;
        for field in ["subject", "priority", "category", "body"] {
            typed.push((field, form.text(field).to_string()));
        }
        let new = NewTicket::parse(
            form.text("subject"),
            form.text("body"),
            form.text("priority"),
            form.fields.get("category").map(String::as_str),
        )?;
        state.backend.tickets.create(&actor, new, form.files).await
    }
    .await;
    match (outcome, json) {
        (Ok(ticket), true) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "id": ticket.summary.id })),
        )
            .into_response(),
        (Ok(ticket), false) => {
            Redirect::to(&format!("/tickets/{}", ticket.summary.id)).into_response()
        }
        (Err(err), true) => err.into_response(),
        (Err(err), false) => {
            let refused = RefusedRequest {
                error: Some(err),
                fields: typed
                    .into_iter()
                    .map(|(field, value)| (field.to_string(), value))
                    .collect(),
            };
            refused_form(state, parts, refused).await
        }
    }
}

/// The new request page rendered for `refused` from the post's own parts (its session, the
/// address `/tickets/new`), answered as 422.
async fn refused_form(
    state: AppState,
    parts: axum::http::request::Parts,
    refused: RefusedRequest,
) -> Response {
    let mut response = page_from_post(state, parts, refused).await;
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// The page at the post's own address, rendered for the person who posted (the post's parts
/// carry their session) with what the post sent in context, where the page looks for it.
async fn page_from_post<T: Clone + Send + Sync + 'static>(
    state: AppState,
    parts: axum::http::request::Parts,
    sent: T,
) -> Response {
    let backend = state.backend.clone();
    let leptos = state.leptos.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            leptos::prelude::provide_context(backend.clone());
            leptos::prelude::provide_context(sent.clone());
        },
        move || {
            crate::security::set_page_policy();
            app::shell(leptos.clone())
        },
    );
    render(Request::from_parts(parts, Body::empty())).await
}

/// `POST /tickets/{id}`: the reply form's "Insert" without JavaScript. The ticket page is
/// rendered from the post, with the canned reply added to the end of the text sent along, so
/// a half-written reply never goes into an address (a GET would put it in logs and history).
/// The page's own server function checks who may see what, as on a GET.
pub async fn insert_canned(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let insert =
        match Form::<CannedInsert>::from_request(Request::from_parts(parts.clone(), body), &state)
            .await
        {
            Ok(Form(insert)) => insert,
            Err(rejection) => {
                return AppError::Request {
                    message: rejection.body_text(),
                }
                .into_response();
            }
        };
    page_from_post(state, parts, insert).await
}

/// `POST /tickets/{id}/attachments`: the ticket page's upload form; back to the ticket, with
/// the problem in the address if any.
pub async fn attach(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    form: Multipart,
) -> Result<Redirect, AppError> {
    let outcome = match MultipartForm::read(form).await {
        Ok(form) => {
            let internal = form.flag("internal");
            state
                .backend
                .tickets
                .attach(&actor, id, form.files, internal)
                .await
                .map(|_| ())
        }
        Err(err) => Err(err),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/tickets/{id}"))),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => {
            let message = err.field("file").unwrap_or_else(|| err.to_string());
            Ok(Redirect::to(&format!(
                "/tickets/{id}?upload_error={}",
                encode(&message)
            )))
        }
    }
}
