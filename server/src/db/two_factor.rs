//! SQL for two-factor sign-in (each account's authenticator secret and recovery codes) and for
//! the installation's own settings row.

use super::{Db, now};
use app::accounts::UserId;
use app::error::AppError;

/// An account's authenticator as stored.
#[derive(Debug, Clone)]
pub struct TwoFactorRow {
    /// Base32, as authenticator apps take it.
    pub secret: String,
    pub enabled: bool,
    pub last_step: Option<i64>,
}

impl Db {
    #[tracing::instrument(skip_all)]
    pub async fn two_factor(&self, account: UserId) -> Result<Option<TwoFactorRow>, AppError> {
        let row: Option<(String, bool, Option<i64>)> = sqlx::query_as(
            "select secret, enabled_at is not null, last_step from two_factor \
             where account_id = ?",
        )
        .bind(account)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(secret, enabled, last_step)| TwoFactorRow {
            secret,
            enabled,
            last_step,
        }))
    }

    /// Starts (or starts over) a setup with a new secret; refused for an account whose
    /// two-factor sign-in is already on, so a setup never replaces a working authenticator.
    #[tracing::instrument(skip_all)]
    pub async fn begin_two_factor(&self, account: UserId, secret: &str) -> Result<bool, AppError> {
        let done = sqlx::query(
            "insert into two_factor (account_id, secret) values (?1, ?2) \
             on conflict (account_id) do update set secret = ?2, last_step = null, \
             updated_at = ?3 where two_factor.enabled_at is null",
        )
        .bind(account)
        .bind(secret)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Switches a confirmed setup on, with the step its confirming code was for and the hashes
    /// of its first recovery codes, in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn enable_two_factor(
        &self,
        account: UserId,
        step: i64,
        code_hashes: &[String],
    ) -> Result<bool, AppError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "update two_factor set enabled_at = ?1, last_step = ?2, updated_at = ?1 \
             where account_id = ?3 and enabled_at is null",
        )
        .bind(now())
        .bind(step)
        .bind(account)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        replace_recovery_codes(&mut tx, account, code_hashes).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Turns two-factor sign-in off: the secret and the recovery codes go.
    #[tracing::instrument(skip_all)]
    pub async fn disable_two_factor(&self, account: UserId) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from two_factor where account_id = ?")
            .bind(account)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from recovery_code where account_id = ?")
            .bind(account)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records `step` as used when it is later than every step used before; `false` when a
    /// code of this step (or a later one) was accepted already. One statement, so two requests
    /// with the same code cannot both pass.
    #[tracing::instrument(skip_all)]
    pub async fn use_two_factor_step(&self, account: UserId, step: i64) -> Result<bool, AppError> {
        let done = sqlx::query(
            "update two_factor set last_step = ?1, updated_at = ?2 \
             where account_id = ?3 and enabled_at is not null \
             and (last_step is null or last_step < ?1)",
        )
        .bind(step)
        .bind(now())
        .bind(account)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uses up the recovery code with this hash; `false` when there is no such unused code.
    #[tracing::instrument(skip_all)]
    pub async fn use_recovery_code(&self, account: UserId, hash: &str) -> Result<bool, AppError> {
        let done = sqlx::query(
            "update recovery_code set used_at = ? \
             where account_id = ? and code_hash = ? and used_at is null",
        )
        .bind(now())
        .bind(account)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() >= 1)
    }

    /// Replaces every recovery code of the account with new ones.
    #[tracing::instrument(skip_all)]
    pub async fn set_recovery_codes(
        &self,
        account: UserId,
        code_hashes: &[String],
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        replace_recovery_codes(&mut tx, account, code_hashes).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn unused_recovery_codes(&self, account: UserId) -> Result<i64, AppError> {
        sqlx::query_scalar(
            "select count(*) from recovery_code where account_id = ? and used_at is null",
        )
        .bind(account)
        .fetch_one(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Whether provider staff must use two-factor sign-in.
    #[tracing::instrument(skip_all)]
    pub async fn staff_two_factor_required(&self) -> Result<bool, AppError> {
        sqlx::query_scalar("select require_staff_two_factor from site_setting where id = 1")
            .fetch_optional(&self.pool)
            .await
            .map(|value: Option<bool>| value.unwrap_or(false))
            .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_staff_two_factor_required(&self, required: bool) -> Result<(), AppError> {
        sqlx::query(
            "insert into site_setting (id, require_staff_two_factor, updated_at) \
             values (1, ?1, ?2) \
             on conflict (id) do update set require_staff_two_factor = ?1, updated_at = ?2",
        )
        .bind(required)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

async fn replace_recovery_codes(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    account: UserId,
    code_hashes: &[String],
) -> Result<(), AppError> {
    sqlx::query("delete from recovery_code where account_id = ?")
        .bind(account)
        .execute(&mut **tx)
        .await?;
    for hash in code_hashes {
        sqlx::query("insert into recovery_code (account_id, code_hash) values (?, ?)")
            .bind(account)
            .bind(hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
