//! `GET /api/v1/events`: the live stream of committed changes, as server-sent events, each
//! delivered only to a subscriber who may read it.

use super::{ApiQuery, ErrorBody};
use crate::auth::{Caller, SignedInWith};
use crate::state::AppState;
use app::error::AppError;
use app::live::LiveEvent;
use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use serde::Deserialize;
use std::{convert::Infallible, time::Duration};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Idle streams get a comment this often, so proxies keep them open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// How often a stream checks that its subscriber is still an active account and its token
/// has not expired. Signing out, revoking a token, a password change and deactivation end
/// streams at once (see `live::streams`); this catches a token's expiry and what changed
/// behind the server's back (the command line).
const RECHECK: Duration = Duration::from_secs(60);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

#[derive(Deserialize, IntoParams)]
pub struct EventsQuery {
    /// Resume after this event id (the `Last-Event-ID` header, which browsers send on
    /// reconnect, takes precedence).
    last_event_id: Option<String>,
}

/// The live stream. Each event's `data` is a JSON `LiveEvent`; its `id` resumes the stream.
/// `presence` events are not stored and carry no `id`: they are never replayed.
/// Reconnect with `Last-Event-ID` to receive every missed event in order; a client too far
/// behind, or too slow to keep up, receives one `resync` event and should reload its data.
/// The stream ends as soon as the session or token that opened it ends (signing out,
/// revoking the token, a password change) or its person is deactivated. One person may hold
/// a limited number of streams open at once (8 unless configured); one more is refused.
#[utoipa::path(get, path = "/api/v1/events", tag = "live", security(("bearer" = [])),
    params(EventsQuery),
    responses((status = 200, content_type = "text/event-stream", body = LiveEvent,
            description = "Server-sent events"),
        (status = 401, body = ErrorBody),
        (status = 429, description = "The caller holds as many streams open as one person \
            may; close one first", body = ErrorBody)))]
async fn events(
    State(state): State<AppState>,
    Caller(actor): Caller,
    SignedInWith(via): SignedInWith,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(query.last_event_id)
        .and_then(|id| id.trim().parse::<i64>().ok());
    let open = state.accounts.streams().open(actor.user_id, via)?;
    let subscription = state.bus.subscribe(actor, last).await?;
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.reset();
    let feed = (subscription, open, recheck, state.accounts.clone());
    let stream = futures::stream::unfold(
        feed,
        |(mut subscription, mut open, mut recheck, accounts)| async move {
            loop {
                tokio::select! {
                    event = subscription.next() => {
                        return event.map(|event| {
                            (Ok(sse(&event)), (subscription, open, recheck, accounts))
                        });
                    }
                    () = open.closed() => return None,
                    _ = recheck.tick() => {
                        // The stream ends when its next request would fail: the account was
                        // deactivated, or the token expired.
                        match accounts.stream_may_go_on(open.user(), open.via()).await {
                            Ok(true) => {}
                            Ok(false) => return None,
                            Err(err) => tracing::warn!(error = %err, "cannot recheck a subscriber"),
                        }
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT)))
}

fn sse(event: &LiveEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    let sse = Event::default().data(data);
    if event.is_ephemeral() {
        // Without an `id:` line the browser keeps the last id it had, so a reconnect resumes
        // after the last stored event, which is all there is to replay.
        sse
    } else {
        sse.id(event.id.to_string())
    }
}
