//! A client organization's ticket settings: whether colleagues see each other's tickets, the
//! categories people file under, the business hours SLA targets count in, and the targets.
//! The types, their checks and who may see or change them; the page is in `page`.

pub mod hours;
pub mod page;

use super::Priority;
use crate::accounts::{Actor, OrgId, Role};
use crate::error::{AppError, Validator};
use hours::BusinessHours;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Category {
    pub id: i64,
    pub name: String,
    /// Archived categories stay on the tickets filed under them but are no longer offered.
    pub archived: bool,
}

/// Business hours as people type them and the settings document carries them;
/// `BusinessHours::parse` says what they mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Hours {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Open days, e.g. `mon,tue,wed,thu,fri`.
    pub weekdays: String,
    /// Opening time, `HH:MM`.
    pub start: String,
    /// Closing time, `HH:MM` (`24:00` for midnight).
    pub end: String,
}

impl From<&BusinessHours> for Hours {
    fn from(hours: &BusinessHours) -> Self {
        Hours {
            time_zone: hours.time_zone.clone(),
            weekdays: hours.weekdays_text(),
            start: hours.start_text(),
            end: hours.end_text(),
        }
    }
}

/// The SLA targets for one priority, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Target {
    pub priority: Priority,
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
}

/// Which of a priority's two targets: named so in the settings form's fields, in the log entry
/// of a missed target and in its live event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTarget {
    FirstResponse,
    Resolution,
}

impl SlaTarget {
    pub const ALL: [SlaTarget; 2] = [SlaTarget::FirstResponse, SlaTarget::Resolution];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "first_response",
            SlaTarget::Resolution => "resolution",
        }
    }
}

/// The longest target one may set: a year of business minutes is already no target at all.
pub const MAX_TARGET_MINUTES: i64 = 525_600;

impl Target {
    pub fn check(self) -> Result<Target, AppError> {
        let mut v = Validator::new();
        let field = |kind: SlaTarget| format!("{}_{}", self.priority.as_str(), kind.as_str());
        for (kind, minutes) in [
            (SlaTarget::FirstResponse, self.first_response_minutes),
            (SlaTarget::Resolution, self.resolution_minutes),
        ] {
            if !(1..=MAX_TARGET_MINUTES).contains(&minutes) {
                v.check::<()>(
                    &field(kind),
                    Err("A target is between 1 minute and a year.".into()),
                );
            }
        }
        if self.first_response_minutes > self.resolution_minutes {
            v.check::<()>(
                &field(SlaTarget::Resolution),
                Err("The resolution target cannot come before the first response.".into()),
            );
        }
        v.finish(|| Some(self))
    }
}

/// A target as typed into the form, in hours (`4`, `1.5`, `0.25`), as minutes.
pub fn parse_target_hours(raw: &str) -> Result<i64, String> {
    let text = raw.trim().replace(',', ".");
    let hours: f64 = text
        .parse()
        .map_err(|_| format!("\"{}\" is not a number of hours.", raw.trim()))?;
    let minutes = (hours * 60.0).round();
    if !hours.is_finite() || !(1.0..=MAX_TARGET_MINUTES as f64).contains(&minutes) {
        return Err("A target is between 1 minute and a year.".into());
    }
    Ok(minutes as i64)
}

/// Minutes shown as hours in the form: `240` → `4`, `90` → `1.5`.
pub fn hours_text(minutes: i64) -> String {
    let hours = minutes as f64 / 60.0;
    let text = format!("{hours:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A category's name: one line, at most 60 characters.
pub fn parse_category_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Name the category.".into());
    }
    if name.chars().count() > 60 {
        return Err("A category name has at most 60 characters.".into());
    }
    if name.chars().any(char::is_control) {
        return Err("A category name is one line of text.".into());
    }
    Ok(name.to_string())
}

/// Everything about one client organization's tickets that can be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrgSettings {
    pub org_id: OrgId,
    pub org_name: String,
    /// Colleagues see each other's tickets.
    pub share_tickets: bool,
    pub categories: Vec<Category>,
    pub business_hours: Hours,
    /// One per priority, most urgent first.
    pub sla: Vec<Target>,
    /// Whether the caller may change hours, targets and categories (admins).
    pub editable: bool,
    /// The IANA time zone names business hours accept, for the time zone picker (filled in
    /// for those who may change the hours; empty otherwise).
    #[serde(default)]
    pub time_zones: Vec<String>,
}

/// A change to an organization's settings; absent parts stay as they are. All or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SettingsChange {
    pub share_tickets: Option<bool>,
    pub business_hours: Option<Hours>,
    pub sla: Option<Vec<Target>>,
}

/// A change to one category: a new name, or archived / restored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CategoryChange {
    pub name: Option<String>,
    pub archived: Option<bool>,
}

/// Who may see an org's settings: admins and technicians for every client org, a manager for
/// their own. Who may change sharing: admins and that manager. Everything else: admins.
pub fn may_read_settings(actor: &Actor, org: OrgId) -> bool {
    actor.is_provider_staff() || (actor.role == Role::Manager && actor.org_id == org)
}

pub fn may_change_sharing(actor: &Actor, org: OrgId) -> bool {
    actor.role == Role::Admin || (actor.role == Role::Manager && actor.org_id == org)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;

    #[async_trait::async_trait]
    pub trait OrgSettingsStore: Send + Sync {
        async fn settings(&self, actor: &Actor, org: OrgId) -> Result<OrgSettings, AppError>;
        async fn change_settings(
            &self,
            actor: &Actor,
            org: OrgId,
            change: SettingsChange,
        ) -> Result<OrgSettings, AppError>;
        async fn add_category(
            &self,
            actor: &Actor,
            org: OrgId,
            name: &str,
        ) -> Result<OrgSettings, AppError>;
        async fn change_category(
            &self,
            actor: &Actor,
            category: i64,
            change: CategoryChange,
        ) -> Result<OrgSettings, AppError>;
    }
}
