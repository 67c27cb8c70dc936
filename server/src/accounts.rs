//! The rules for organizations, people and tokens: who may do what, enforced for pages, server
//! functions and the REST API alike.

pub mod credentials;
pub mod links;
pub mod throttle;
pub mod two_factor;

use crate::db::{Db, accounts::AccountRecord};
use crate::live::streams::{self, Streams};
use app::accounts::{
    Actor, ApiToken, CreatedToken, Credential, Invitee, NewToken, NewUser, Org, OrgId, OrgKind,
    OrgName, Password, PasswordChanged, PersonName, Role, User, UserId, ssr::Accounts,
};
use app::error::AppError;
use app::session::{SESSION_USER_KEY, end_session, keep_session, session_error};
use credentials::{HashPool, new_token_secret, token_hash};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::{net::IpAddr, time::Duration};
use throttle::LoginThrottle;
use tokio::sync::OnceCell;

pub struct AccountsService {
    db: Db,
    throttle: LoginThrottle,
    hashing: HashPool,
    /// Verified against when the email is unknown, so the answer takes as long either way.
    dummy_hash: OnceCell<String>,
    /// Active accounts' actors and session epochs, each with the count of account changes it
    /// was read at: every signed-in request needs its actor, and accounts rarely change.
    actors: Mutex<HashMap<UserId, (u64, Actor, i64)>>,
    /// The open live streams, ended here when the session, token or access that opened them
    /// ends.
    streams: Arc<Streams>,
    /// The most the files of one organization may take, shown to admins beside their use.
    upload_quota: crate::tickets::files::UploadQuota,
    /// What invitation and reset mail needs: the portal's address, and how often a reset
    /// may be asked for.
    links: links::LinkMail,
}

/// The person a token stands for, and what the token may do.
pub struct TokenCaller {
    pub actor: Actor,
    pub via: Credential,
}

impl AccountsService {
    pub fn new(db: Db, per_account: u32, per_address: u32) -> Self {
        Self {
            db,
            throttle: LoginThrottle::new(Duration::from_secs(15 * 60), per_account, per_address),
            hashing: HashPool::for_this_machine(),
            dummy_hash: OnceCell::new(),
            actors: Mutex::new(HashMap::new()),
            upload_quota: crate::tickets::files::UploadQuota::DEFAULT,
            streams: Streams::new(streams::DEFAULT_PER_PERSON),
            links: links::LinkMail::new("http://localhost:3000", None),
        }
    }

    /// The same, with links in mail pointing at the portal at `base_url` and Message-IDs in
    /// the domain of `addresses`.
    pub fn with_mail(mut self, base_url: &str, addresses: Arc<crate::mail::Addresses>) -> Self {
        self.links = links::LinkMail::new(base_url, Some(addresses));
        self
    }

    /// The same, with at most `per_person` live streams open per person.
    pub fn with_streams_per_person(mut self, per_person: usize) -> Self {
        self.streams = Streams::new(per_person);
        self
    }

    /// The registry every live stream registers with.
    pub fn streams(&self) -> &Arc<Streams> {
        &self.streams
    }

    /// The same service hashing on `pool`, for tests that need a pool of a given size.
    pub fn with_hash_pool(mut self, pool: HashPool) -> Self {
        self.hashing = pool;
        self
    }

    /// The quota admins see each organization's files against (5 GiB unless set).
    pub fn with_upload_quota(mut self, quota: crate::tickets::files::UploadQuota) -> Self {
        self.upload_quota = quota;
        self
    }

    async fn dummy_hash(&self) -> Result<String, AppError> {
        self.dummy_hash
            .get_or_try_init(|| self.hashing.hash("deskside dummy password".into()))
            .await
            .cloned()
    }

    /// The active account `email` names if `password` is its password.
    async fn check_password(&self, email: &str, password: &str) -> Result<Option<User>, AppError> {
        if self.hashing.is_full() {
            return Err(AppError::Busy {
                retry_after_secs: 1,
            });
        }
        let record = self
            .db
            .account_by_email(&email.trim().to_lowercase())
            .await?;
        // An unknown address and an invitation not yet accepted (no password) are checked
        // against the dummy hash: both take as long as a wrong password and answer the same.
        let hash = match record.as_ref().and_then(|r| r.password_hash.clone()) {
            Some(hash) => hash,
            None => self.dummy_hash().await?,
        };
        let matches = self.hashing.verify(password.to_string(), hash).await?;
        Ok(record
            .filter(|record| matches && record.password_hash.is_some() && record.user.active)
            .map(|record| record.user))
    }

    /// The actor for an active account, `None` for a deactivated or deleted one.
    /// Deactivating or renaming an account counts as a change, so the next request reads it
    /// afresh.
    pub async fn active_actor(&self, id: UserId) -> Result<Option<Actor>, AppError> {
        Ok(self.active_account(id).await?.map(|(actor, _)| actor))
    }

    /// The actor for a session of account `id` signed in at session epoch `epoch`: `None`
    /// when the account is no longer active or its password changed since.
    pub async fn session_actor(&self, id: UserId, epoch: i64) -> Result<Option<Actor>, AppError> {
        Ok(self
            .active_account(id)
            .await?
            .filter(|(_, current)| *current == epoch)
            .map(|(actor, _)| actor))
    }

    /// An active account's actor and session epoch.
    async fn active_account(&self, id: UserId) -> Result<Option<(Actor, i64)>, AppError> {
        let seen = self.db.account_changes();
        if let Some((at, actor, epoch)) = self.cached_actors().get(&id)
            && *at == seen
        {
            return Ok(Some((actor.clone(), *epoch)));
        }
        match self.db.account(id).await {
            Ok(record) if record.user.active => {
                let epoch = record.session_epoch;
                let actor = to_actor(record.user);
                self.cached_actors()
                    .insert(id, (seen, actor.clone(), epoch));
                Ok(Some((actor, epoch)))
            }
            Ok(_) | Err(AppError::NotFound) => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn cached_actors(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, (u64, Actor, i64)>> {
        self.actors.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a live stream `user` opened with `via` may go on: the account is active and a
    /// token has neither expired nor been revoked.
    pub async fn stream_may_go_on(&self, user: UserId, via: &Credential) -> Result<bool, AppError> {
        if self.active_account(user).await?.is_none() {
            return Ok(false);
        }
        match via {
            Credential::Session { .. } => Ok(true),
            Credential::Token { id, .. } => self.db.token_is_live(*id).await,
        }
    }

    /// Who a bearer token stands for, if the token exists, has not expired and its owner is
    /// active.
    pub async fn actor_for_token(&self, secret: &str) -> Result<Option<TokenCaller>, AppError> {
        Ok(self
            .db
            .account_by_token(&token_hash(secret))
            .await?
            .filter(|token| token.account.user.active)
            .map(|token| TokenCaller {
                actor: to_actor(token.account.user),
                via: Credential::Token {
                    id: token.id,
                    scope: token.scope,
                },
            }))
    }

    /// Creates an account for tools (command line, demo data) that act as the system.
    pub async fn create_account_as_system(&self, new: NewUser) -> Result<User, AppError> {
        let org = self.db.org(new.org_id).await.map_err(|err| match err {
            AppError::NotFound => AppError::invalid("org_id", "No such organization."),
            other => other,
        })?;
        check_role_fits_org(new.role, org.kind)?;
        let hash = self.hashing.hash(new.password.expose().to_string()).await?;
        self.db
            .insert_account(org.id, new.role, &new.email, &new.name, &hash)
            .await
    }

    /// Whether `password` is the account's, checked on the bounded hashing pool (busy when
    /// it is full): for confirming the owner before a sensitive change.
    pub async fn password_matches(&self, user: UserId, password: &str) -> Result<bool, AppError> {
        let Some(hash) = self.db.account(user).await?.password_hash else {
            return Ok(false);
        };
        self.hashing.verify(password.to_string(), hash).await
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

fn to_actor(user: User) -> Actor {
    Actor {
        user_id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
        org_id: user.org_id,
        org_name: user.org_name,
    }
}

/// Provider staff live in the provider organization, everyone else in a client organization.
fn check_role_fits_org(role: Role, kind: OrgKind) -> Result<(), AppError> {
    if role.org_kind() == kind {
        Ok(())
    } else if kind == OrgKind::Provider {
        Err(AppError::invalid(
            "role",
            "People of the provider are technicians or admins.",
        ))
    } else {
        Err(AppError::invalid(
            "role",
            "People of a client organization are requesters or managers.",
        ))
    }
}

#[async_trait::async_trait]
impl Accounts for AccountsService {
    #[tracing::instrument(skip_all)]
    async fn authenticate(
        &self,
        email: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<Actor, AppError> {
        let attempt = self
            .throttle
            .reserve(email, from)
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
        match self.check_password(email, password).await {
            Ok(Some(user)) => {
                attempt.succeeded();
                Ok(to_actor(user))
            }
            Ok(None) => {
                attempt.failed();
                Err(AppError::InvalidCredentials)
            }
            Err(err) => {
                attempt.not_checked();
                Err(err)
            }
        }
    }

    #[tracing::instrument(skip_all)]
    async fn list_orgs(&self, actor: &Actor) -> Result<Vec<Org>, AppError> {
        let mut orgs = self.db.orgs().await?;
        orgs.retain(|org| actor.can_see_org(org.id));
        if actor.is_admin() {
            let used = self.db.file_bytes_by_org().await?;
            for org in &mut orgs {
                org.files = Some(app::accounts::FileUsage {
                    used_bytes: used.get(&org.id).copied().unwrap_or(0),
                    quota_bytes: self.upload_quota.bytes,
                });
            }
        }
        Ok(orgs)
    }

    #[tracing::instrument(skip_all)]
    async fn create_org(&self, actor: &Actor, name: &str) -> Result<Org, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        let name = OrgName::parse(name).map_err(|m| AppError::invalid("name", m))?;
        self.db.insert_client_org(name.as_str()).await
    }

    #[tracing::instrument(skip_all)]
    async fn list_users(&self, actor: &Actor, org: Option<OrgId>) -> Result<Vec<User>, AppError> {
        let scope = if actor.is_provider_staff() {
            org
        } else if actor.role == app::accounts::Role::Manager {
            match org {
                Some(id) if id != actor.org_id => return Err(AppError::NotFound),
                _ => Some(actor.org_id),
            }
        } else {
            return Err(AppError::Forbidden);
        };
        self.db.users(scope).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_user(&self, actor: &Actor, new: Invitee) -> Result<User, AppError> {
        if !actor.can_see_org(new.org_id) {
            return Err(AppError::NotFound);
        }
        if !actor.can_manage_people_of(new.org_id) {
            return Err(AppError::Forbidden);
        }
        if !actor.is_admin() && new.role != Role::Requester {
            return Err(AppError::invalid(
                "role",
                "Managers add requesters; ask your provider for other roles.",
            ));
        }
        let org = self.db.org(new.org_id).await.map_err(|err| match err {
            AppError::NotFound => AppError::invalid("org_id", "No such organization."),
            other => other,
        })?;
        check_role_fits_org(new.role, org.kind)?;
        self.invite(actor, &org, new).await
    }

    #[tracing::instrument(skip_all)]
    async fn resend_invitation(&self, actor: &Actor, user: UserId) -> Result<User, AppError> {
        let record = self.db.account(user).await?;
        let target = &record.user;
        if !actor.can_see_org(target.org_id) {
            return Err(AppError::NotFound);
        }
        if !actor.can_manage_people_of(target.org_id) {
            return Err(AppError::Forbidden);
        }
        if !actor.is_admin() && target.role != Role::Requester {
            return Err(AppError::Forbidden);
        }
        if !target.invited {
            return Err(AppError::conflict(format!(
                "{} accepted their invitation already and signs in with their own password.",
                target.name
            )));
        }
        if !target.active {
            return Err(AppError::conflict(format!(
                "{} is deactivated; reactivate them first.",
                target.name
            )));
        }
        self.reinvite(actor, &record.user).await?;
        Ok(record.user)
    }

    #[tracing::instrument(skip_all)]
    async fn set_user_active(
        &self,
        actor: &Actor,
        user: UserId,
        active: bool,
    ) -> Result<User, AppError> {
        let AccountRecord { user: target, .. } = self.db.account(user).await?;
        if !actor.can_see_org(target.org_id) {
            return Err(AppError::NotFound);
        }
        if !actor.can_manage_people_of(target.org_id) {
            return Err(AppError::Forbidden);
        }
        if !actor.is_admin() && target.role != Role::Requester {
            return Err(AppError::Forbidden);
        }
        if target.id == actor.user_id && !active {
            return Err(AppError::conflict("You cannot deactivate yourself."));
        }
        self.db.set_account_active(target.id, active).await?;
        if !active {
            // Their sessions and tokens are refused from the next request on; their streams,
            // which make no more requests, end now.
            self.streams.close(target.id, |_| true);
        }
        Ok(self.db.account(target.id).await?.user)
    }

    #[tracing::instrument(skip_all)]
    async fn rename_self(&self, actor: &Actor, name: &str) -> Result<Actor, AppError> {
        let name = PersonName::parse(name).map_err(|m| AppError::invalid("name", m))?;
        self.db.rename_account(actor.user_id, &name).await?;
        Ok(to_actor(self.db.account(actor.user_id).await?.user))
    }

    #[tracing::instrument(skip_all)]
    async fn session_epoch(&self, user: UserId) -> Result<i64, AppError> {
        Ok(self.db.account(user).await?.session_epoch)
    }

    #[tracing::instrument(skip_all)]
    async fn change_password(
        &self,
        actor: &Actor,
        via: &Credential,
        session: &tower_sessions::Session,
        current: &str,
        new: &str,
        revoke_tokens: bool,
    ) -> Result<PasswordChanged, AppError> {
        via.require_session("Changing your password")?;
        let Credential::Session { id: session_id } = via else {
            return Err(AppError::Internal);
        };
        let new = Password::parse(new).map_err(|m| AppError::invalid("new", m))?;
        if !self.password_matches(actor.user_id, current).await? {
            return Err(AppError::invalid(
                "current",
                "That is not your current password.",
            ));
        }
        let hash = self.hashing.hash(new.expose().to_string()).await?;
        let (epoch, revoked) = self
            .db
            .set_password_hash(actor.user_id, &hash, revoke_tokens)
            .await?;
        // This session moves to the new epoch with the password; every other one is ended at
        // its next request, and its streams now.
        keep_session(session, epoch).await?;
        self.streams.close(actor.user_id, |opened| match opened {
            Credential::Session { id } => id != session_id,
            Credential::Token { id, .. } => revoked.contains(id),
        });
        Ok(PasswordChanged {
            tokens_revoked: revoked.len() as u64,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn list_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, AppError> {
        self.db.tokens(actor.user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_token(
        &self,
        actor: &Actor,
        via: &Credential,
        new: NewToken,
    ) -> Result<CreatedToken, AppError> {
        // A leaked token must not be able to make itself a successor that outlives it.
        via.require_session("Creating an API token")?;
        let secret = new_token_secret();
        let token = self
            .db
            .insert_token(actor.user_id, &new, &token_hash(&secret))
            .await?;
        Ok(CreatedToken { token, secret })
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        self.db.delete_token(actor.user_id, id).await?;
        self.streams.close_token(actor.user_id, id);
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn sign_out(&self, session: &tower_sessions::Session) -> Result<(), AppError> {
        let user: Option<UserId> = session.get(SESSION_USER_KEY).await.map_err(session_error)?;
        if let (Some(user), Some(id)) = (user, session.id()) {
            self.streams.close_session(user, &id.to_string());
        }
        end_session(session).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_account_is_read_afresh_once_it_is_renamed_or_deactivated() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("accounts.db"))
            .await
            .expect("a database");
        let accounts = AccountsService::new(db.clone(), 0, 0);
        crate::demo::seed_if_empty(&accounts)
            .await
            .expect("demo people");
        let rob = db
            .account_by_email("rob@acme.example")
            .await
            .expect("a lookup")
            .expect("Rob")
            .user
            .id;
        let name = |actor: Option<Actor>| actor.map(|a| a.name);
        assert_eq!(
            name(accounts.active_actor(rob).await.expect("Rob")),
            Some("Rob Requester".into())
        );

        db.rename_account(rob, &PersonName::parse("Robert Requester").expect("a name"))
            .await
            .expect("renamed");
        assert_eq!(
            name(accounts.active_actor(rob).await.expect("Rob")),
            Some("Robert Requester".into())
        );

        db.set_account_active(rob, false)
            .await
            .expect("deactivated");
        assert_eq!(name(accounts.active_actor(rob).await.expect("Rob")), None);
    }

    #[tokio::test]
    async fn a_sign_in_refused_while_hashing_is_busy_costs_no_attempt() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("accounts.db"))
            .await
            .expect("a database");
        crate::demo::seed_if_empty(&AccountsService::new(db.clone(), 1, 100))
            .await
            .expect("demo people");
        let busy = AccountsService::new(db, 1, 100).with_hash_pool(HashPool::full());
        let from = IpAddr::from([192, 0, 2, 1]);

        for _ in 0..3 {
            let refused = busy
                .authenticate("rob@acme.example", "a wrong guess", from)
                .await;
            assert!(matches!(refused, Err(AppError::Busy { .. })), "{refused:?}");
        }

        assert!(
            busy.throttle.reserve("rob@acme.example", from).is_ok(),
            "none of the refused attempts used up the one allowed failure"
        );
    }
}
