//! Missed service-level targets, announced once each: a watcher finds active tickets whose
//! first response or resolution came due unmet, and records each in the ticket's log and on
//! the live stream.

use super::TicketsService;
use crate::db::tickets::TicketWrite;
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
