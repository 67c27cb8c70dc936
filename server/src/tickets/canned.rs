//! The rules for canned replies: the provider's staff keep them and use them; nobody else
//! learns they exist.

use super::TicketsService;
use crate::db::Db;
use app::accounts::Actor;
use app::error::AppError;
use app::tickets::TicketId;
use app::tickets::canned::{
    CannedDraft, CannedReply, PlaceholderValues, expand, ssr::CannedReplies,
};
use std::sync::Arc;

/// The library of canned replies. Filling one in reads the ticket through the tickets' own
/// read rule, so a reply never reveals a ticket its user may not see.
pub struct CannedService {
    db: Db,
    tickets: Arc<TicketsService>,
}

impl CannedService {
    pub fn new(db: Db, tickets: Arc<TicketsService>) -> Self {
        Self { db, tickets }
    }
}

fn staff_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_provider_staff() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[async_trait::async_trait]
impl CannedReplies for CannedService {
    #[tracing::instrument(skip_all)]
    async fn list_canned(&self, actor: &Actor) -> Result<Vec<CannedReply>, AppError> {
        staff_only(actor)?;
        self.db.canned_replies().await
    }

    #[tracing::instrument(skip_all)]
    async fn get_canned(&self, actor: &Actor, id: i64) -> Result<CannedReply, AppError> {
        staff_only(actor)?;
        self.db.canned_reply(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_canned(
        &self,
        actor: &Actor,
        draft: CannedDraft,
    ) -> Result<CannedReply, AppError> {
        staff_only(actor)?;
        let id = self.db.insert_canned(actor.user_id, &draft).await?;
        self.db.canned_reply(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_canned(
        &self,
        actor: &Actor,
        id: i64,
        draft: CannedDraft,
    ) -> Result<CannedReply, AppError> {
        staff_only(actor)?;
        self.db.update_canned(id, actor.user_id, &draft).await?;
        self.db.canned_reply(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_canned(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        staff_only(actor)?;
        self.db.delete_canned(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn expand_canned(
        &self,
        actor: &Actor,
        id: i64,
        ticket: TicketId,
    ) -> Result<String, AppError> {
        staff_only(actor)?;
        let canned = self.db.canned_reply(id).await?;
        let record = self.tickets.readable(actor, ticket).await?;
        let s = record.summary;
        Ok(expand(
            &canned.body,
            &PlaceholderValues {
                requester_name: s.requester_name,
                ticket_number: s.id,
                ticket_subject: s.subject,
                technician_name: actor.name.clone(),
                org_name: s.org_name,
            },
        ))
    }
}
