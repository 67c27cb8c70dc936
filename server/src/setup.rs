//! The admin's setup checklist: the facts the database and the server's settings hold, read
//! for provider admins only.

use crate::db::Db;
use app::accounts::Actor;
use app::error::AppError;
use app::setup::{SetupChecklist, SetupFacts, checklist, ssr::Setup};
use app::two_factor::ssr::TwoFactor;
use std::sync::Arc;

pub struct SetupService {
    db: Db,
    two_factor: Arc<dyn TwoFactor>,
    smtp_configured: bool,
    mailboxes: usize,
}

impl SetupService {
    /// `smtp_configured` and `mailboxes` as the server was started with.
    pub fn new(
        db: Db,
        two_factor: Arc<dyn TwoFactor>,
        smtp_configured: bool,
        mailboxes: usize,
    ) -> SetupService {
        SetupService {
            db,
            two_factor,
            smtp_configured,
            mailboxes,
        }
    }
}

#[async_trait::async_trait]
impl Setup for SetupService {
    #[tracing::instrument(skip_all)]
    async fn checklist(&self, actor: &Actor) -> Result<SetupChecklist, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        let (orgs, articles, own_two_factor) = tokio::try_join!(
            self.db.org_setup(),
            self.db.article_count(),
            self.two_factor.is_on(actor.user_id),
        )?;
        Ok(checklist(&SetupFacts {
            orgs,
            smtp_configured: self.smtp_configured,
            mailboxes: self.mailboxes,
            articles,
            own_two_factor,
        }))
    }
}
