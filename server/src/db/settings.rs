//! SQL for a client organization's ticket settings: sharing, categories, business hours and
//! SLA targets.

use super::{Db, is_unique_violation, now};
use app::accounts::OrgId;
use app::error::AppError;
use app::tickets::Priority;
use app::tickets::settings::hours::{BusinessHours, clock_text};
use app::tickets::settings::{Category, Hours, OrgSettings, Target};
use sqlx::{Sqlite, Transaction};

/// A category with the organization it belongs to.
pub struct CategoryRow {
    pub org_id: OrgId,
    pub name: String,
}

impl Db {
    /// The settings of client org `org`; `None` when there is no such client org.
    #[tracing::instrument(skip_all)]
    pub async fn org_settings(&self, org: OrgId) -> Result<Option<OrgSettings>, AppError> {
        let head: Option<(String, bool)> =
            sqlx::query_as("select name, share_tickets from org where id = ? and kind = 'client'")
                .bind(org)
                .fetch_optional(&self.pool)
                .await?;
        let Some((org_name, share_tickets)) = head else {
            return Ok(None);
        };
        let categories = sqlx::query_as::<_, (i64, String, bool)>(
            "select id, name, archived_at is not null from category where org_id = ? \
             order by archived_at is not null, position, name_key",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(id, name, archived)| Category { id, name, archived })
        .collect();
        let hours: Option<(String, String, i64, i64)> = sqlx::query_as(
            "select time_zone, weekdays, start_minute, end_minute from business_hours \
             where org_id = ?",
        )
        .bind(org)
        .fetch_optional(&self.pool)
        .await?;
        let business_hours = match hours {
            Some((time_zone, weekdays, start, end)) => Hours {
                time_zone,
                weekdays,
                start: clock_text(start),
                end: clock_text(end),
            },
            None => Hours::from(&BusinessHours::default_office()),
        };
        let mut sla = Vec::new();
        for (priority, first, resolution) in sqlx::query_as::<_, (String, i64, i64)>(
            "select priority, first_response_minutes, resolution_minutes from sla_policy \
             where org_id = ?",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        {
            let priority = Priority::parse(&priority).map_err(|_| {
                tracing::error!(priority, "unknown priority in sla_policy");
                AppError::Internal
            })?;
            sla.push(Target {
                priority,
                first_response_minutes: first,
                resolution_minutes: resolution,
            });
        }
        sla.sort_by_key(|t| std::cmp::Reverse(t.priority));
        Ok(Some(OrgSettings {
            org_id: org,
            org_name,
            share_tickets,
            categories,
            business_hours,
            sla,
            editable: false,
            time_zones: Vec::new(),
        }))
    }

    #[tracing::instrument(skip_all)]
    pub async fn category(&self, id: i64) -> Result<CategoryRow, AppError> {
        sqlx::query_as::<_, (OrgId, String)>("select org_id, name from category where id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
            .map(|(org_id, name)| CategoryRow { org_id, name })
    }

    /// Adds a category to `org`, or restores an archived one of the same name.
    #[tracing::instrument(skip_all)]
    pub async fn add_category(&self, org: OrgId, name: &str) -> Result<(), AppError> {
        let key = name.to_lowercase();
        let archived: Option<i64> = sqlx::query_scalar(
            "select id from category where org_id = ? and name_key = ? \
             and archived_at is not null",
        )
        .bind(org)
        .bind(&key)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(id) = archived {
            return self.set_category(id, None, Some(false)).await;
        }
        sqlx::query(
            "insert into category (org_id, name, name_key, position, created_at, updated_at) \
             values (?1, ?2, ?3, (select coalesce(max(position), 0) + 1 from category \
             where org_id = ?1), ?4, ?4)",
        )
        .bind(org)
        .bind(name)
        .bind(&key)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(duplicate_name)?;
        self.settings_changed();
        Ok(())
    }

    /// Renames and/or archives (or restores) a category.
    #[tracing::instrument(skip_all)]
    pub async fn set_category(
        &self,
        id: i64,
        name: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), AppError> {
        let at = now();
        sqlx::query(
            "update category set \
             name = coalesce(?1, name), name_key = coalesce(lower(?1), name_key), \
             archived_at = case when ?2 is null then archived_at when ?2 then coalesce(archived_at, ?3) else null end, \
             updated_at = ?3 where id = ?4",
        )
        .bind(name)
        .bind(archived)
        .bind(&at)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(duplicate_name)?;
        self.settings_changed();
        Ok(())
    }
}

fn duplicate_name(err: sqlx::Error) -> AppError {
    if is_unique_violation(&err) {
        AppError::invalid(
            "name",
            "This organization has a category of that name already.",
        )
    } else {
        AppError::from(err)
    }
}

/// Settings writes inside one transaction.
pub async fn set_sharing(
    tx: &mut Transaction<'static, Sqlite>,
    org: OrgId,
    share: bool,
) -> Result<(), AppError> {
    sqlx::query("update org set share_tickets = ? where id = ?")
        .bind(share)
        .bind(org)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records that `org`'s hours or targets were saved by someone, so they are no longer the
/// defaults every new organization starts with.
pub async fn mark_hours_saved(
    tx: &mut Transaction<'static, Sqlite>,
    org: OrgId,
) -> Result<(), AppError> {
    sqlx::query("update business_hours set saved_at = ?1, updated_at = ?1 where org_id = ?2")
        .bind(now())
        .bind(org)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_hours(
    tx: &mut Transaction<'static, Sqlite>,
    org: OrgId,
    hours: &BusinessHours,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into business_hours (org_id, time_zone, weekdays, start_minute, end_minute, \
         created_at, updated_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
         on conflict (org_id) do update set time_zone = ?2, weekdays = ?3, start_minute = ?4, \
         end_minute = ?5, updated_at = ?6",
    )
    .bind(org)
    .bind(&hours.time_zone)
    .bind(hours.weekdays_text())
    .bind(i64::from(hours.start_minute))
    .bind(i64::from(hours.end_minute))
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_target(
    tx: &mut Transaction<'static, Sqlite>,
    org: OrgId,
    target: &Target,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into sla_policy (org_id, priority, first_response_minutes, resolution_minutes, \
         created_at, updated_at) values (?1, ?2, ?3, ?4, ?5, ?5) \
         on conflict (org_id, priority) do update set first_response_minutes = ?3, \
         resolution_minutes = ?4, updated_at = ?5",
    )
    .bind(org)
    .bind(target.priority.as_str())
    .bind(target.first_response_minutes)
    .bind(target.resolution_minutes)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Db {
    /// The team's setting: whether replying to or resolving an unassigned ticket assigns it
    /// to the technician doing it. On when the installation has no settings row.
    #[tracing::instrument(skip_all)]
    pub async fn assign_on_work(&self) -> Result<bool, AppError> {
        let on: Option<bool> =
            sqlx::query_scalar("select assign_on_work from site_setting where id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(on.unwrap_or(true))
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_assign_on_work(&self, on: bool) -> Result<(), AppError> {
        sqlx::query(
            "insert into site_setting (id, assign_on_work, updated_at) values (1, ?1, ?2) \
             on conflict (id) do update set assign_on_work = ?1, updated_at = ?2",
        )
        .bind(on)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
