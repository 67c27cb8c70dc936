//! The admin's side of mail read into tickets: the overview, accepting or rejecting a held
//! message, and organizations' mail domains. Admins only.

use super::decide;
use super::filing::{self, Filer};
use crate::db::mail_inbound::InboundMark;
use app::accounts::{Actor, OrgId, OrgKind};
use app::error::AppError;
use app::mail::inbound::{InboundOverview, OrgDomain, ssr::Inbound};
use app::tickets::TicketId;
use std::sync::Arc;

/// How many entries of each list the overview shows.
const LIST_LIMIT: i64 = 100;

pub struct InboundService {
    filer: Arc<Filer>,
    /// The configured mailboxes, as shown.
    mailboxes: Vec<String>,
    /// One accept at a time, so a held message is never filed twice by two admins.
    accepting: tokio::sync::Mutex<()>,
}

impl InboundService {
    pub fn new(filer: Arc<Filer>, mailboxes: Vec<String>) -> InboundService {
        InboundService {
            filer,
            mailboxes,
            accepting: tokio::sync::Mutex::new(()),
        }
    }
}

fn admin_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[async_trait::async_trait]
impl Inbound for InboundService {
    #[tracing::instrument(skip_all)]
    async fn overview(&self, actor: &Actor) -> Result<InboundOverview, AppError> {
        admin_only(actor)?;
        let db = self.filer.db();
        Ok(InboundOverview {
            mailboxes: db.mailbox_statuses(&self.mailboxes).await?,
            held: db.inbound_messages("held", true, LIST_LIMIT).await?,
            problems: db.inbound_problems(LIST_LIMIT).await?,
            ignored: db.inbound_messages("ignored", false, LIST_LIMIT).await?,
            domains: db.org_domains().await?,
            orgs: db
                .orgs()
                .await?
                .into_iter()
                .filter(|o| o.kind == OrgKind::Client)
                .map(|o| (o.id, o.name))
                .collect(),
        })
    }

    #[tracing::instrument(skip_all)]
    async fn accept(&self, actor: &Actor, id: i64, org: OrgId) -> Result<TicketId, AppError> {
        admin_only(actor)?;
        let _one = self.accepting.lock().await;
        let db = self.filer.db();
        let held = db.held_message(id).await?;
        // A person's request files in their own organization, whatever was chosen: the page
        // offers no choice for them, and a crafted post is told why rather than obeyed.
        if let Some(sender) = &held.message.sender
            && sender.org_id != org
        {
            return Err(AppError::invalid(
                "org_id",
                format!(
                    "{} is {} of {}: their request can only file there.",
                    held.message.from_address, sender.name, sender.org_name
                ),
            ));
        }
        let org_record = db.org(org).await.map_err(|err| match err {
            AppError::NotFound => AppError::invalid("org_id", "No such organization."),
            other => other,
        })?;
        if org_record.kind != OrgKind::Client {
            return Err(AppError::invalid("org_id", "Choose a client organization."));
        }
        let incoming = filing::reread(&held.raw)?;
        let from = incoming.from.clone().unwrap_or_default();
        let user = self
            .filer
            .requester_for(org, &from, &incoming.from_name)
            .await?;
        if !user.active || user.role.is_provider_staff() {
            return Err(AppError::invalid(
                "org_id",
                format!("{from} is an account that cannot file requests."),
            ));
        }
        self.filer
            .file_new(&user, &incoming, InboundMark::Accepted(id))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn reject(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        admin_only(actor)?;
        let _one = self.accepting.lock().await;
        self.filer.db().reject_held(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn add_domain(
        &self,
        actor: &Actor,
        org: OrgId,
        domain: &str,
    ) -> Result<OrgDomain, AppError> {
        admin_only(actor)?;
        let domain = decide::parse_domain(domain).map_err(|m| AppError::invalid("domain", m))?;
        let db = self.filer.db();
        let org_record = db.org(org).await.map_err(|err| match err {
            AppError::NotFound => AppError::invalid("org_id", "No such organization."),
            other => other,
        })?;
        if org_record.kind != OrgKind::Client {
            return Err(AppError::invalid(
                "org_id",
                "Mail domains belong to client organizations.",
            ));
        }
        db.add_org_domain(org, &domain).await?;
        Ok(OrgDomain {
            domain,
            org_id: org,
            org_name: org_record.name,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn remove_domain(&self, actor: &Actor, domain: &str) -> Result<(), AppError> {
        admin_only(actor)?;
        self.filer
            .db()
            .remove_org_domain(&domain.trim().to_lowercase())
            .await
    }
}
