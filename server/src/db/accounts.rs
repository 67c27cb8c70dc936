//! SQL for organizations, accounts and API tokens.

use super::{Db, is_unique_violation, now, timestamp};
use app::accounts::{
    ApiToken, Email, NewToken, Org, OrgId, OrgKind, PersonName, Role, TokenScope, User, UserId,
};
use app::error::AppError;
use sqlx::FromRow;
use time::OffsetDateTime;

/// An account with what authentication needs besides the public view.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    pub user: User,
    pub org_kind: OrgKind,
    /// `None` until the person accepts their invitation and chooses a password.
    pub password_hash: Option<String>,
    /// Moved on by every password change; sessions signed in at another are ended.
    pub session_epoch: i64,
}

/// An unexpired token's owner, as a request made with it acts.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: i64,
    pub scope: TokenScope,
    pub account: AccountRecord,
}

#[derive(FromRow)]
struct AccountRow {
    id: i64,
    org_id: i64,
    org_name: String,
    org_kind: String,
    role: String,
    email: String,
    name: String,
    active: bool,
    password_hash: String,
    session_epoch: i64,
    created_at: OffsetDateTime,
}

impl TryFrom<AccountRow> for AccountRecord {
    type Error = AppError;

    fn try_from(row: AccountRow) -> Result<Self, AppError> {
        let role = Role::parse(&row.role).map_err(|_| corrupt("account.role", &row.role))?;
        let org_kind =
            OrgKind::parse(&row.org_kind).ok_or_else(|| corrupt("org.kind", &row.org_kind))?;
        // See the account_link migration: the empty hash is an invitation not yet accepted.
        let password_hash = Some(row.password_hash).filter(|hash| !hash.is_empty());
        Ok(AccountRecord {
            user: User {
                id: row.id,
                org_id: row.org_id,
                org_name: row.org_name,
                role,
                email: row.email,
                name: row.name,
                active: row.active,
                invited: password_hash.is_none(),
                created_at: row.created_at,
            },
            org_kind,
            password_hash,
            session_epoch: row.session_epoch,
        })
    }
}

#[derive(FromRow)]
struct OrgRow {
    id: i64,
    name: String,
    kind: String,
    created_at: OffsetDateTime,
}

impl TryFrom<OrgRow> for Org {
    type Error = AppError;

    fn try_from(row: OrgRow) -> Result<Self, AppError> {
        Ok(Org {
            kind: OrgKind::parse(&row.kind).ok_or_else(|| corrupt("org.kind", &row.kind))?,
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            files: None,
        })
    }
}

#[derive(FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    scope: String,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = AppError;

    fn try_from(row: TokenRow) -> Result<Self, AppError> {
        Ok(ApiToken {
            scope: TokenScope::parse(&row.scope)
                .map_err(|_| corrupt("api_token.scope", &row.scope))?,
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        })
    }
}

const TOKEN_COLUMNS: &str = "id, name, scope, created_at, expires_at, last_used_at";

fn corrupt(column: &str, value: &str) -> AppError {
    tracing::error!(column, value, "unexpected value in the database");
    AppError::Internal
}

const ACCOUNT_SELECT: &str = "select a.id, a.org_id, o.name as org_name, o.kind as org_kind, \
     a.role, a.email, a.name, a.active, a.password_hash, a.session_epoch, a.created_at \
     from account a join org o on o.id = a.org_id";

/// Targets a new client organization starts with: priority, first response and resolution
/// in business minutes (the same the SLA migration gave existing organizations).
const DEFAULT_SLA: [(&str, i64, i64); 4] = [
    ("urgent", 60, 240),
    ("high", 240, 960),
    ("normal", 480, 2400),
    ("low", 960, 4800),
];

const ORG_SELECT: &str = "select id, name, kind, created_at from org";

impl Db {
    #[tracing::instrument(skip_all)]
    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountRecord>, AppError> {
        sqlx::query_as::<_, AccountRow>(&format!("{ACCOUNT_SELECT} where a.email = ?"))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?
            .map(AccountRecord::try_from)
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    pub async fn account(&self, id: UserId) -> Result<AccountRecord, AppError> {
        sqlx::query_as::<_, AccountRow>(&format!("{ACCOUNT_SELECT} where a.id = ?"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_into()
    }

    /// The unexpired token with `token_hash` and its account; marks the token used (at most
    /// once a minute, so reads stay reads).
    #[tracing::instrument(skip_all)]
    pub async fn account_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<TokenRecord>, AppError> {
        let current = OffsetDateTime::now_utc();
        let found: Option<(i64, i64, String)> = sqlx::query_as(
            "select id, account_id, scope from api_token where token_hash = ? and expires_at > ?",
        )
        .bind(token_hash)
        .bind(timestamp(current))
        .fetch_optional(&self.pool)
        .await?;
        let Some((token_id, account_id, scope)) = found else {
            return Ok(None);
        };
        let scope = TokenScope::parse(&scope).map_err(|_| corrupt("api_token.scope", &scope))?;
        sqlx::query(
            "update api_token set last_used_at = ?1, updated_at = ?1 \
             where id = ?2 and (last_used_at is null or last_used_at < ?3)",
        )
        .bind(timestamp(current))
        .bind(token_id)
        .bind(timestamp(current - time::Duration::minutes(1)))
        .execute(&self.pool)
        .await?;
        Ok(Some(TokenRecord {
            id: token_id,
            scope,
            account: self.account(account_id).await?,
        }))
    }

    #[tracing::instrument(skip_all)]
    pub async fn orgs(&self) -> Result<Vec<Org>, AppError> {
        sqlx::query_as::<_, OrgRow>(&format!("{ORG_SELECT} order by kind desc, name_key"))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Org::try_from)
            .collect()
    }

    #[tracing::instrument(skip_all)]
    pub async fn org(&self, id: OrgId) -> Result<Org, AppError> {
        sqlx::query_as::<_, OrgRow>(&format!("{ORG_SELECT} where id = ?"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_into()
    }

    #[tracing::instrument(skip_all)]
    pub async fn org_by_name(&self, name: &str) -> Result<Option<Org>, AppError> {
        sqlx::query_as::<_, OrgRow>(&format!("{ORG_SELECT} where name_key = ?"))
            .bind(name.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?
            .map(Org::try_from)
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    /// A new client organization with the default ticket categories, in one transaction.
    pub async fn insert_client_org(&self, name: &str) -> Result<Org, AppError> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "insert into org (name, name_key, kind) values (?, ?, 'client') returning id",
        )
        .bind(name)
        .bind(name.to_lowercase())
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                AppError::invalid("name", "An organization with this name exists already.")
            } else {
                AppError::from(err)
            }
        })?;
        for (position, category) in app::tickets::DEFAULT_CATEGORIES.iter().enumerate() {
            sqlx::query(
                "insert into category (org_id, name, name_key, position) values (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(*category)
            .bind(category.to_lowercase())
            .bind(position as i64 + 1)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "insert into business_hours (org_id, time_zone, weekdays, start_minute, end_minute) \
             values (?, 'UTC', 'mon,tue,wed,thu,fri', 540, 1020)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        for (priority, first, resolve) in DEFAULT_SLA {
            sqlx::query(
                "insert into sla_policy (org_id, priority, first_response_minutes, \
                 resolution_minutes) values (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(priority)
            .bind(first)
            .bind(resolve)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.org(id).await
    }

    /// People of one organization, or of all when `org` is `None`.
    #[tracing::instrument(skip_all)]
    pub async fn users(&self, org: Option<OrgId>) -> Result<Vec<User>, AppError> {
        sqlx::query_as::<_, AccountRow>(&format!(
            "{ACCOUNT_SELECT} where (?1 is null or a.org_id = ?1) order by o.name_key, a.name"
        ))
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| AccountRecord::try_from(row).map(|r| r.user))
        .collect()
    }

    #[tracing::instrument(skip_all)]
    pub async fn insert_account(
        &self,
        org: OrgId,
        role: Role,
        email: &Email,
        name: &PersonName,
        password_hash: &str,
    ) -> Result<User, AppError> {
        let id: i64 = sqlx::query_scalar(
            "insert into account (org_id, role, email, name, password_hash) \
             values (?, ?, ?, ?, ?) returning id",
        )
        .bind(org)
        .bind(role.as_str())
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(password_hash)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                AppError::invalid("email", "Someone with this email exists already.")
            } else {
                AppError::from(err)
            }
        })?;
        Ok(self.account(id).await?.user)
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_account_active(&self, id: UserId, active: bool) -> Result<(), AppError> {
        sqlx::query("update account set active = ?, updated_at = ? where id = ?")
            .bind(active)
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.account_changed();
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn rename_account(&self, id: UserId, name: &PersonName) -> Result<(), AppError> {
        sqlx::query("update account set name = ?, updated_at = ? where id = ?")
            .bind(name.as_str())
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.account_changed();
        Ok(())
    }

    /// Sets a new password hash and moves the account's session epoch on, ending its
    /// sessions; with `revoke_tokens`, deletes its tokens too, in the same transaction.
    /// The new epoch and the ids of the tokens deleted.
    #[tracing::instrument(skip_all)]
    pub async fn set_password_hash(
        &self,
        id: UserId,
        hash: &str,
        revoke_tokens: bool,
    ) -> Result<(i64, Vec<i64>), AppError> {
        let mut tx = self.pool.begin().await?;
        let epoch: i64 = sqlx::query_scalar(
            "update account set password_hash = ?, session_epoch = session_epoch + 1, \
             updated_at = ? where id = ? returning session_epoch",
        )
        .bind(hash)
        .bind(now())
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let revoked = if revoke_tokens {
            sqlx::query_scalar("delete from api_token where account_id = ? returning id")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        self.account_changed();
        Ok((epoch, revoked))
    }

    #[tracing::instrument(skip_all)]
    pub async fn count_accounts(&self) -> Result<i64, AppError> {
        sqlx::query_scalar("select count(*) from account")
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
    }

    /// `account`'s tokens, expired ones included, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn tokens(&self, account: UserId) -> Result<Vec<ApiToken>, AppError> {
        sqlx::query_as::<_, TokenRow>(&format!(
            "select {TOKEN_COLUMNS} from api_token \
             where account_id = ? order by created_at desc, id desc"
        ))
        .bind(account)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(ApiToken::try_from)
        .collect()
    }

    #[tracing::instrument(skip_all)]
    pub async fn insert_token(
        &self,
        account: UserId,
        new: &NewToken,
        token_hash: &str,
    ) -> Result<ApiToken, AppError> {
        sqlx::query_as::<_, TokenRow>(&format!(
            "insert into api_token (account_id, name, token_hash, scope, expires_at) \
             values (?, ?, ?, ?, ?) returning {TOKEN_COLUMNS}"
        ))
        .bind(account)
        .bind(&new.name)
        .bind(token_hash)
        .bind(new.scope.as_str())
        .bind(timestamp(new.expires_at))
        .fetch_one(&self.pool)
        .await?
        .try_into()
    }

    /// Whether token `id` exists and has not expired.
    #[tracing::instrument(skip_all)]
    pub async fn token_is_live(&self, id: i64) -> Result<bool, AppError> {
        let live: Option<i64> =
            sqlx::query_scalar("select 1 from api_token where id = ? and expires_at > ?")
                .bind(id)
                .bind(now())
                .fetch_optional(&self.pool)
                .await?;
        Ok(live.is_some())
    }

    /// Deletes one of `account`'s tokens; `NotFound` when it has no such token.
    #[tracing::instrument(skip_all)]
    pub async fn delete_token(&self, account: UserId, id: i64) -> Result<(), AppError> {
        let done = sqlx::query("delete from api_token where id = ? and account_id = ?")
            .bind(id)
            .bind(account)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            Err(AppError::NotFound)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::migrate::Migrator;

    /// The migration that gave tokens an expiry and a scope.
    const EXPIRY_AND_SCOPE: i64 = 20261204000002;

    #[tokio::test]
    async fn tokens_from_before_expiry_and_scope_keep_working_read_write_for_90_days() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("old.db");
        let pool = sqlx::SqlitePool::connect_with(crate::db::connect_options(&path))
            .await
            .expect("a database");
        let all = sqlx::migrate!("./migrations");
        let before = Migrator {
            migrations: all
                .migrations
                .iter()
                .filter(|m| m.version < EXPIRY_AND_SCOPE)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..Migrator::DEFAULT
        };
        before.run(&pool).await.expect("the earlier migrations");
        let account: i64 = sqlx::query_scalar(
            "insert into account (org_id, role, email, name, password_hash) \
             values (1, 'admin', 'old@provider.example', 'Old', 'x') returning id",
        )
        .fetch_one(&pool)
        .await
        .expect("an account");
        sqlx::query("insert into api_token (account_id, name, token_hash) values (?, 'old', 'h')")
            .bind(account)
            .execute(&pool)
            .await
            .expect("a token from before");
        pool.close().await;

        let migrated_at = OffsetDateTime::now_utc();
        let db = Db::open(&path).await.expect("every migration");

        let tokens = db.tokens(account).await.expect("the tokens");
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].scope, TokenScope::ReadWrite);
        let lasts = tokens[0].expires_at - migrated_at;
        assert!(
            (lasts - time::Duration::days(90)).abs() < time::Duration::minutes(1),
            "{lasts}"
        );
        let found = db.account_by_token("h").await.expect("a lookup");
        assert_eq!(found.map(|t| t.account.user.id), Some(account));
    }

    #[tokio::test]
    async fn a_token_is_live_until_it_expires_or_is_revoked() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("tokens.db"))
            .await
            .expect("a database");
        let account: i64 = sqlx::query_scalar(
            "insert into account (org_id, role, email, name, password_hash) \
             values (1, 'admin', 'a@provider.example', 'A', 'x') returning id",
        )
        .fetch_one(db.pool())
        .await
        .expect("an account");
        let now = OffsetDateTime::now_utc();
        let token = |name: &str, expires_at| NewToken {
            name: name.into(),
            scope: TokenScope::ReadOnly,
            expires_at,
        };
        let live = db
            .insert_token(account, &token("live", now + time::Duration::days(1)), "a")
            .await
            .expect("a token");
        let expired = db
            .insert_token(
                account,
                &token("old", now - time::Duration::seconds(1)),
                "b",
            )
            .await
            .expect("a token");

        assert!(db.token_is_live(live.id).await.expect("a lookup"));
        assert!(!db.token_is_live(expired.id).await.expect("a lookup"));
        assert!(db.account_by_token("b").await.expect("a lookup").is_none());
        db.delete_token(account, live.id).await.expect("revoked");
        assert!(!db.token_is_live(live.id).await.expect("a lookup"));
    }
}
