//! Each person's notification switches (their own, on their account page and the API), the
//! one-click unsubscribe a message's link names, and the site's choice of which new tickets
//! mail staff.

use crate::db::Db;
use app::accounts::Actor;
use app::error::AppError;
use app::mail::preferences::{
    Kind, KindSetting, NewTicketMail, NotificationPreferences, PreferencesUpdate, Unsubscription,
    ssr::MailPreferences,
};

pub struct PreferencesService {
    db: Db,
}

impl PreferencesService {
    pub fn new(db: Db) -> PreferencesService {
        PreferencesService { db }
    }

    /// The person and kind `token` names; only tokens of the right shape are looked up.
    async fn target(&self, token: &str) -> Result<(i64, Kind, String), AppError> {
        let token = token.trim();
        if token.len() != 32 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AppError::NotFound);
        }
        let (account, kind, email) = self
            .db
            .unsubscribe_target(&token.to_ascii_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let kind = Kind::parse(&kind).map_err(|_| AppError::NotFound)?;
        Ok((account, kind, email))
    }
}

#[async_trait::async_trait]
impl MailPreferences for PreferencesService {
    async fn preferences(&self, actor: &Actor) -> Result<NotificationPreferences, AppError> {
        let (switches, profile) = self.db.mail_preferences(actor.user_id).await?;
        Ok(NotificationPreferences {
            kinds: Kind::for_role(actor.role)
                .map(|kind| KindSetting {
                    kind,
                    label: kind.label().into(),
                    enabled: switches
                        .get(&kind)
                        .copied()
                        .unwrap_or_else(|| kind.default_on(actor.role)),
                })
                .collect(),
            colleagues_tickets: profile.colleagues,
            digest_frequency: profile.digest,
        })
    }

    async fn update(
        &self,
        actor: &Actor,
        update: &PreferencesUpdate,
    ) -> Result<NotificationPreferences, AppError> {
        let valid = update.parse(actor.role)?;
        self.db.save_mail_preferences(actor.user_id, &valid).await?;
        self.preferences(actor).await
    }

    async fn unsubscription(&self, token: &str) -> Result<Unsubscription, AppError> {
        let (_, kind, email) = self.target(token).await?;
        Ok(Unsubscription { kind, email })
    }

    async fn unsubscribe(&self, token: &str) -> Result<Unsubscription, AppError> {
        let (account, kind, email) = self.target(token).await?;
        self.db.switch_off(account, kind).await?;
        tracing::info!(
            account,
            kind = kind.as_str(),
            "unsubscribed by a mail's link"
        );
        Ok(Unsubscription { kind, email })
    }

    async fn new_ticket_mail(&self, actor: &Actor) -> Result<NewTicketMail, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        self.db.new_ticket_mail().await
    }

    async fn set_new_ticket_mail(
        &self,
        actor: &Actor,
        setting: NewTicketMail,
    ) -> Result<NewTicketMail, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        self.db.set_new_ticket_mail(setting).await?;
        Ok(setting)
    }
}
