//! The work the server does on its own clock: closing resolved tickets after the waiting
//! period, announcing missed service-level targets, and forgetting viewers whose pages went
//! quiet. Each job is a method of the service it belongs to; this module only runs them.

use crate::presence::Presence;
use crate::tickets::TicketsService;
use std::sync::Arc;
use std::time::Duration;

/// How often resolved tickets are looked at for closing.
const AUTO_CLOSE_EVERY: Duration = Duration::from_secs(600);
/// How often the breach watcher looks; an announcement comes at most this late.
const BREACH_WATCH_EVERY: Duration = Duration::from_secs(30);

/// Starts every background job; they run for as long as the server does.
pub fn spawn_all(tickets: Arc<TicketsService>, presence: Arc<Presence>, auto_close_days: u32) {
    spawn_auto_close(tickets.clone(), auto_close_days);
    spawn_breach_watch(tickets);
    spawn_presence_sweep(presence);
}

/// Closes tickets resolved more than `after_days` ago.
fn spawn_auto_close(tickets: Arc<TicketsService>, after_days: u32) {
    let after = time::Duration::days(i64::from(after_days));
    tokio::spawn(async move {
        let mut every = tokio::time::interval(AUTO_CLOSE_EVERY);
        loop {
            every.tick().await;
            match tickets.close_resolved(after).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(closed = n, "closed resolved tickets"),
                Err(err) => tracing::error!(error = %err, "auto-close failed"),
            }
        }
    });
}

/// Announces each missed first-response or resolution target once.
fn spawn_breach_watch(tickets: Arc<TicketsService>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(BREACH_WATCH_EVERY);
        loop {
            every.tick().await;
            match tickets.announce_breaches().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(announced = n, "announced missed targets"),
                Err(err) => tracing::error!(error = %err, "announcing missed targets failed"),
            }
            match tickets.announce_warnings().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(warned = n, "warned of targets about to be missed"),
                Err(err) => tracing::error!(error = %err, "warning of targets failed"),
            }
        }
    });
}

/// Forgets viewers whose heartbeats stopped, so nobody shows as "on this page" for long after
/// they left.
fn spawn_presence_sweep(presence: Arc<Presence>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::presence::SWEEP);
        loop {
            every.tick().await;
            presence.sweep();
        }
    });
}
