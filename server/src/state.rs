//! The state every handler shares: the services, the live bus and presence, built once at
//! startup and cheap to clone.

use crate::accounts::{AccountsService, two_factor::TwoFactorService};
use crate::db::Db;
use crate::error::StartupError;
use crate::settings::Settings;
use crate::tickets::TicketsService;
use app::backend::{Backend, Services};
use axum::extract::FromRef;
use leptos::prelude::*;
use std::sync::Arc;

/// Everything a handler may need, behind one pointer: every request clones the state several
/// times (each middleware layer, each extractor), and a clone is one reference count, not one
/// per service (it was two dozen, 3% of the server's time when filing tickets).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares; reached through it by `Deref`.
pub struct Shared {
    pub leptos: LeptosOptions,
    pub db: Db,
    pub backend: Backend,
    pub accounts: Arc<AccountsService>,
    pub two_factor: Arc<TwoFactorService>,
    pub tickets: Arc<TicketsService>,
    pub bus: Arc<crate::live::Bus>,
    /// Who is on which ticket's page; in memory only.
    pub presence: Arc<crate::presence::Presence>,
    /// The addresses Deskside's mail comes from and replies go to.
    pub mail: Arc<crate::mail::Addresses>,
    /// Wakes the outbox's sender at once after a commit that wrote mail (it also polls).
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// The running sender, when a relay is configured: whoever serves takes it, to stop it in
    /// order at shutdown.
    pub mail_sender: std::sync::Mutex<Option<crate::mail::outbox::Stopping>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for Arc<AccountsService> {
    fn from_ref(state: &AppState) -> Self {
        state.accounts.clone()
    }
}

impl AppState {
    pub async fn new(settings: &Settings) -> Result<AppState, StartupError> {
        let mail =
            Arc::new(crate::mail::Addresses::new(&settings.mail).map_err(StartupError::Usage)?);
        let db = Db::open(&settings.database).await?;
        let quota =
            crate::tickets::files::UploadQuota::from_megabytes(settings.org_upload_quota_mb);
        let accounts = Arc::new(
            AccountsService::new(
                db.clone(),
                settings.login_failures_per_account,
                settings.login_failures_per_address,
            )
            .with_upload_quota(quota)
            .with_streams_per_person(settings.streams_per_person)
            .with_mail(&settings.base_url, mail.clone()),
        );
        // The demo's people exist before anything runs in the background: mail read from a
        // mailbox at startup is from people the demo makes.
        if settings.demo {
            let history = crate::demo::History {
                days: settings.demo_days,
                data_dir: &settings.data_dir,
                today: time::OffsetDateTime::now_utc().date(),
            };
            crate::demo::seed(&accounts, Some(history)).await?;
        }
        let two_factor = Arc::new(TwoFactorService::new(db.clone(), accounts.clone()));
        let leptos = LeptosOptions::builder()
            .output_name("deskside")
            .site_root(settings.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(settings.bind)
            .build();
        let bus = crate::live::Bus::new(db.clone()).await?;
        let wiki = Arc::new(
            crate::wiki::WikiService::new(
                db.clone(),
                settings.data_dir.clone(),
                settings.max_file_mb * 1024 * 1024,
                bus.clone(),
            )
            .with_upload_quota(quota),
        );
        let tickets = Arc::new(
            TicketsService::new(
                db.clone(),
                settings.reopen_days,
                settings.data_dir.clone(),
                settings.max_file_mb * 1024 * 1024,
                bus.clone(),
            )
            .with_upload_quota(quota)
            .with_suggestions(wiki.clone()),
        );
        let presence = Arc::new(crate::presence::Presence::new(db.clone(), bus.clone()));
        crate::jobs::spawn_all(tickets.clone(), presence.clone(), settings.auto_close_days);
        let inbound = crate::mail::inbound::start(
            &settings.mail.imap,
            &db,
            &tickets,
            &mail,
            settings.max_file_mb.saturating_mul(1024 * 1024),
        )
        .map_err(StartupError::Usage)?;
        let mail_wake = Arc::new(tokio::sync::Notify::new());
        let relay = crate::mail::smtp::SmtpRelay::from_settings(&settings.mail.smtp)
            .map_err(StartupError::Usage)?;
        let mail_sender = match &relay {
            Some(relay) => Some(
                crate::mail::outbox::Sender::new(db.clone(), &mail, relay, mail_wake.clone())
                    .map_err(StartupError::Usage)?
                    .spawn(),
            ),
            None => {
                tracing::info!("no SMTP relay configured: mail stays in the outbox");
                None
            }
        };
        let notifier =
            crate::mail::notify::Notifier::new(db.clone(), mail.clone(), &settings.base_url);
        crate::mail::notify::spawn(notifier, bus.clone());
        let reports: Arc<dyn app::reports::ssr::Reports> =
            Arc::new(crate::reports::ReportsService::new(db.clone(), bus.clone()));
        Ok(AppState(Arc::new(Shared {
            leptos,
            backend: Backend::new(Services {
                accounts: accounts.clone(),
                tickets: tickets.clone(),
                settings: Arc::new(crate::tickets::settings::SettingsService::new(db.clone())),
                canned: Arc::new(crate::tickets::canned::CannedService::new(
                    db.clone(),
                    tickets.clone(),
                )),
                wiki,
                reports: reports.clone(),
                two_factor: two_factor.clone(),
                access: Arc::new(crate::access::AccessService::new(db.clone())),
                inbound,
                mail: Arc::new(crate::mail::service::MailService::new(
                    db.clone(),
                    mail.clone(),
                    relay.as_ref().map(crate::mail::smtp::SmtpRelay::summary),
                    mail_wake.clone(),
                )),
                links: accounts.clone(),
                mail_preferences: Arc::new(crate::mail::preferences::PreferencesService::new(
                    db.clone(),
                )),
                setup: Arc::new(crate::setup::SetupService::new(
                    db.clone(),
                    two_factor.clone(),
                    relay.is_some(),
                    settings.mail.imap.imap_mailboxes.len(),
                )),
                home: Arc::new(crate::home::HomeService::new(
                    db.clone(),
                    tickets.clone(),
                    reports,
                )),
            }),
            db,
            accounts,
            two_factor,
            tickets,
            bus,
            presence,
            mail,
            mail_wake,
            mail_sender: std::sync::Mutex::new(mail_sender),
        })))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
