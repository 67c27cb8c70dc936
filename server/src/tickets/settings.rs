//! The rules for a client organization's ticket settings: who may read and change them, and
//! that a change is checked whole before any of it is written.

use crate::calendar::parse_hours;
use crate::db::Db;
use crate::db::settings::{mark_hours_saved, set_hours, set_sharing, set_target};
use app::accounts::{Actor, OrgId, Role};
use app::error::{AppError, Validator};
use app::tickets::settings::{
    CategoryChange, OrgSettings, SettingsChange, may_change_sharing, may_read_settings,
    parse_category_name, ssr::OrgSettingsStore,
};

/// An organization's ticket settings: categories, business hours, SLA targets and sharing.
pub struct SettingsService {
    db: Db,
}

impl SettingsService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    async fn readable_settings(&self, actor: &Actor, org: OrgId) -> Result<OrgSettings, AppError> {
        if !may_read_settings(actor, org) {
            return Err(AppError::NotFound);
        }
        let mut settings = self.db.org_settings(org).await?.ok_or(AppError::NotFound)?;
        settings.editable = actor.role == Role::Admin;
        if settings.editable {
            settings.time_zones = app::clock::zone_names();
        }
        Ok(settings)
    }

    fn require_admin(actor: &Actor) -> Result<(), AppError> {
        if actor.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

#[async_trait::async_trait]
impl OrgSettingsStore for SettingsService {
    #[tracing::instrument(skip_all)]
    async fn settings(&self, actor: &Actor, org: OrgId) -> Result<OrgSettings, AppError> {
        self.readable_settings(actor, org).await
    }

    #[tracing::instrument(skip_all)]
    async fn change_settings(
        &self,
        actor: &Actor,
        org: OrgId,
        change: SettingsChange,
    ) -> Result<OrgSettings, AppError> {
        self.readable_settings(actor, org).await?;
        if change.share_tickets.is_some() && !may_change_sharing(actor, org) {
            return Err(AppError::Forbidden);
        }
        if change.business_hours.is_some() || change.sla.is_some() {
            Self::require_admin(actor)?;
        }
        let mut v = Validator::new();
        let hours = change.business_hours.as_ref().and_then(|h| {
            match parse_hours(&h.time_zone, &h.weekdays, &h.start, &h.end) {
                Ok(hours) => Some(hours),
                Err(err) => v.check(err.field(), Err(err.to_string())),
            }
        });
        let mut targets = Vec::new();
        for target in change.sla.iter().flatten() {
            match target.check() {
                Ok(t) => targets.push(t),
                Err(AppError::Invalid { fields }) => {
                    for (field, messages) in fields {
                        for message in messages {
                            v.check::<()>(&field, Err(message));
                        }
                    }
                }
                Err(other) => return Err(other),
            }
        }
        v.finish(|| Some(()))?;

        let mut tx = self.db.begin().await?;
        if let Some(share) = change.share_tickets {
            set_sharing(&mut tx, org, share).await?;
        }
        if let Some(hours) = &hours {
            set_hours(&mut tx, org, hours).await?;
        }
        for target in &targets {
            set_target(&mut tx, org, target).await?;
        }
        if hours.is_some() || !targets.is_empty() {
            mark_hours_saved(&mut tx, org).await?;
        }
        tx.commit().await?;
        self.db.settings_changed();
        self.readable_settings(actor, org).await
    }

    #[tracing::instrument(skip_all)]
    async fn add_category(
        &self,
        actor: &Actor,
        org: OrgId,
        name: &str,
    ) -> Result<OrgSettings, AppError> {
        self.readable_settings(actor, org).await?;
        Self::require_admin(actor)?;
        let name = parse_category_name(name).map_err(|m| AppError::invalid("name", m))?;
        self.db.add_category(org, &name).await?;
        self.readable_settings(actor, org).await
    }

    #[tracing::instrument(skip_all)]
    async fn change_category(
        &self,
        actor: &Actor,
        category: i64,
        change: CategoryChange,
    ) -> Result<OrgSettings, AppError> {
        let row = self.db.category(category).await?;
        self.readable_settings(actor, row.org_id).await?;
        Self::require_admin(actor)?;
        let name = change
            .name
            .as_deref()
            .map(parse_category_name)
            .transpose()
            .map_err(|m| AppError::invalid("name", m))?;
        // Other is where requests without a category go; it must always be there.
        if row.name == "Other"
            && (name.as_deref().is_some_and(|n| n != "Other") || change.archived == Some(true))
        {
            return Err(AppError::invalid(
                "name",
                "Other is where uncategorized requests go; it cannot be renamed or archived.",
            ));
        }
        self.db
            .set_category(category, name.as_deref(), change.archived)
            .await?;
        self.readable_settings(actor, row.org_id).await
    }
}
