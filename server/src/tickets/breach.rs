//! Missed service-level targets, announced once each: a watcher finds active tickets whose
//! first response or resolution came due unmet, and records each in the ticket's log and on
//! the live stream. Targets about to be missed are announced once each too
//! (`ticket.sla_warning`), so the assignee hears of them in time to act.

use super::TicketsService;
use crate::db::Db;
use crate::db::tickets::TicketWrite;
use crate::live::Bus;
use app::error::AppError;
use app::tickets::settings::SlaTarget;
use serde_json::json;

impl TicketsService {
    /// Announces every target missed and not announced yet, each in its own transaction:
    /// marked announced, a system `sla_breach` entry in the ticket's log and a
    /// `ticket.sla_breached` event, published after the commit. Returns how many.
    pub async fn announce_breaches(&self) -> Result<usize, AppError> {
        let now = crate::db::now();
        let mut announced = 0;
        for target in SlaTarget::ALL {
            for ticket in self.db.unannounced_breaches(target, &now).await? {
                let mut tx = self.db.begin().await?;
                let mut write = TicketWrite::at(&mut tx, ticket, None, now.clone());
                // Another run may have announced it meanwhile, or someone answered: then the
                // transaction ends here, having changed nothing.
                let Some(assignee) =
                    crate::db::breach::mark_announced(write.tx, ticket, target, &now).await?
                else {
                    continue;
                };
                write
                    .event("sla_breach", None, Some(target.as_str()), None, false)
                    .await?;
                let event = write
                    .live(
                        "ticket.sla_breached",
                        false,
                        json!({ "target": target.as_str(), "assignee_id": assignee }),
                    )
                    .await?;
                tx.commit().await?;
                self.bus.publish(event).await;
                announced += 1;
            }
        }
        Ok(announced)
    }
}

/// How long before a target comes due its assignee is warned.
pub const SLA_WARNING_LEAD: time::Duration = time::Duration::minutes(30);

impl TicketsService {
    /// Warns of every target due within [`SLA_WARNING_LEAD`] and not warned of yet.
    pub async fn announce_warnings(&self) -> Result<usize, AppError> {
        announce_warnings(&self.db, &self.bus, time::OffsetDateTime::now_utc()).await
    }
}

/// Announces every unmet target due after `now` and within [`SLA_WARNING_LEAD`] of it, once
/// each, in its own transaction: marked warned and a `ticket.sla_warning` event (with the
/// target, the assignee and the due time), published after the commit. Returns how many.
pub async fn announce_warnings(
    db: &Db,
    bus: &Bus,
    now: time::OffsetDateTime,
) -> Result<usize, AppError> {
    let at = crate::db::timestamp(now);
    let until = crate::db::timestamp(now + SLA_WARNING_LEAD);
    let mut announced = 0;
    for target in SlaTarget::ALL {
        for ticket in db.unannounced_warnings(target, &at, &until).await? {
            let mut tx = db.begin().await?;
            let mut write = TicketWrite::at(&mut tx, ticket, None, at.clone());
            let Some((assignee, due)) =
                crate::db::breach::mark_warned(write.tx, ticket, target, &at, &until).await?
            else {
                continue;
            };
            let event = write
                .live(
                    "ticket.sla_warning",
                    false,
                    json!({ "target": target.as_str(), "assignee_id": assignee, "due_at": due }),
                )
                .await?;
            tx.commit().await?;
            bus.publish(event).await;
            announced += 1;
        }
    }
    Ok(announced)
}
