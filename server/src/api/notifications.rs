//! REST routes for one's own mail notifications and the site's new-ticket mail, and the
//! one-click unsubscribe page a message's `List-Unsubscribe` link opens (no sign-in: the
//! link's random token is the permission).

use super::{ApiJson, ErrorBody};
use crate::auth::Caller;
use crate::mail::render::escape;
use crate::state::AppState;
use app::error::AppError;
use app::mail::preferences::{NewTicketMail, NotificationPreferences, PreferencesUpdate};
use axum::{
    Json, Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preferences, update))
        .routes(routes!(new_ticket_mail, set_new_ticket_mail))
}

/// The unsubscribe page and its one-click post, outside `/api/`.
pub fn pages() -> Router<AppState> {
    Router::new().route("/mail/unsubscribe", get(unsubscribe_page).post(unsubscribe))
}

/// The caller's mail notifications: a switch per kind their role gets.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = NotificationPreferences)))]
async fn preferences(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<NotificationPreferences>, AppError> {
    Ok(Json(
        state.backend.mail_preferences.preferences(&actor).await?,
    ))
}

/// Changes the caller's mail notifications; what is left out stays as it is.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "notifications",
    security(("bearer" = [])),
    request_body = PreferencesUpdate,
    responses(
        (status = 200, body = NotificationPreferences),
        (status = 422, description = "An unknown kind, or one the caller's role is not sent",
            body = ErrorBody),
    ))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<PreferencesUpdate>,
) -> Result<Json<NotificationPreferences>, AppError> {
    Ok(Json(
        state.backend.mail_preferences.update(&actor, &body).await?,
    ))
}

/// Which new tickets mail the provider's staff.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewTicketMailSetting {
    /// `all`, `urgent` (the default) or `none`.
    pub new_ticket: NewTicketMail,
}

/// Which new tickets mail the provider's staff (admins).
#[utoipa::path(get, path = "/api/v1/settings/notifications", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = NewTicketMailSetting)))]
async fn new_ticket_mail(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<NewTicketMailSetting>, AppError> {
    let new_ticket = state
        .backend
        .mail_preferences
        .new_ticket_mail(&actor)
        .await?;
    Ok(Json(NewTicketMailSetting { new_ticket }))
}

/// Sets which new tickets mail the provider's staff (admins).
#[utoipa::path(put, path = "/api/v1/settings/notifications", tag = "notifications",
    security(("bearer" = [])),
    request_body = NewTicketMailSetting,
    responses((status = 200, body = NewTicketMailSetting)))]
async fn set_new_ticket_mail(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<NewTicketMailSetting>,
) -> Result<Json<NewTicketMailSetting>, AppError> {
    let new_ticket = state
        .backend
        .mail_preferences
        .set_new_ticket_mail(&actor, body.new_ticket)
        .await?;
    Ok(Json(NewTicketMailSetting { new_ticket }))
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    t: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Deskside</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em\">\
         <h1>{title}</h1>{body}</body></html>"
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn unknown_link() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Link not recognised",
        "<p>This unsubscribe link is not valid. You can choose which emails you get on your \
         account page.</p>",
    )
}

/// The page an unsubscribe link opens: what it turns off, and a button (a plain form, so it
/// works without JavaScript). Opening it changes nothing: mail scanners follow links.
async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    match state
        .backend
        .mail_preferences
        .unsubscription(&query.t)
        .await
    {
        Ok(target) => page(
            StatusCode::OK,
            "Stop these emails?",
            &format!(
                "<p>Stop emails to <strong>{}</strong> about: {}.</p>\
                 <form method=\"post\" action=\"/mail/unsubscribe?t={}\">\
                 <button type=\"submit\">Unsubscribe</button></form>\
                 <p>You can turn it on again on your account page.</p>",
                escape(&target.email),
                escape(&target.kind.label().to_lowercase()),
                escape(query.t.trim()),
            ),
        ),
        Err(AppError::NotFound) => unknown_link(),
        Err(err) => err.into_response(),
    }
}

/// The button's post, and the one-click post of RFC 8058 (`List-Unsubscribe=One-Click`)
/// a mail client sends: turns the kind off. The body is not read: the token says it all.
async fn unsubscribe(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    match state.backend.mail_preferences.unsubscribe(&query.t).await {
        Ok(target) => page(
            StatusCode::OK,
            "Unsubscribed",
            &format!(
                "<p><strong>{}</strong> no longer gets emails about: {}.</p>\
                 <p>You can turn it on again on your account page.</p>",
                escape(&target.email),
                escape(&target.kind.label().to_lowercase()),
            ),
        ),
        Err(AppError::NotFound) => unknown_link(),
        Err(err) => err.into_response(),
    }
}
