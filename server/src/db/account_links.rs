//! SQL for the links mailed to set a password (invitations and password resets), and for
//! adding an invited person together with their invitation.

use super::mail::{self, NewMail};
use super::{Db, is_unique_violation, now, timestamp};
use app::accounts::links::LinkPurpose;
use app::accounts::{Email, OrgId, PersonName, Role, User, UserId};
use app::error::AppError;
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// A link to store: what it is for, the hash of its secret, until when it works.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub purpose: LinkPurpose,
    pub token_hash: String,
    pub expires_at: OffsetDateTime,
}

/// Ends `account`'s unused links of the link's purpose and stores the new one.
async fn replace(
    conn: &mut SqliteConnection,
    account: UserId,
    link: &NewLink,
) -> Result<(), AppError> {
    sqlx::query(
        "delete from account_link where account_id = ? and purpose = ? and used_at is null",
    )
    .bind(account)
    .bind(link.purpose.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into account_link (account_id, purpose, token_hash, expires_at, created_at) \
         values (?, ?, ?, ?, ?)",
    )
    .bind(account)
    .bind(link.purpose.as_str())
    .bind(&link.token_hash)
    .bind(timestamp(link.expires_at))
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Db {
    /// A new account that cannot sign in yet (no password), its invitation link and the mail
    /// that carries it, in one transaction: nobody is added without being invited, and no
    /// invitation goes out for an account that was not added. `mail` is given the new
    /// account's id.
    #[tracing::instrument(skip_all)]
    pub async fn insert_invited_account(
        &self,
        org: OrgId,
        role: Role,
        email: &Email,
        name: &PersonName,
        link: &NewLink,
        mail: impl FnOnce(UserId) -> NewMail,
    ) -> Result<User, AppError> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "insert into account (org_id, role, email, name, password_hash) \
             values (?, ?, ?, ?, '') returning id",
        )
        .bind(org)
        .bind(role.as_str())
        .bind(email.as_str())
        .bind(name.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                AppError::invalid("email", "Someone with this email exists already.")
            } else {
                AppError::from(err)
            }
        })?;
        replace(&mut tx, id, link).await?;
        mail::enqueue(&mut tx, &mail(id)).await?;
        tx.commit().await?;
        Ok(self.account(id).await?.user)
    }

    /// Stores a new link for `account` and the mail that carries it, in one transaction; the
    /// account's earlier unused links of the same purpose stop working.
    #[tracing::instrument(skip_all)]
    pub async fn replace_link(
        &self,
        account: UserId,
        link: &NewLink,
        mail: &NewMail,
    ) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        replace(&mut tx, account, link).await?;
        mail::enqueue(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account a live link of `purpose` (unused, unexpired) with `token_hash` is for.
    #[tracing::instrument(skip_all)]
    pub async fn account_of_link(
        &self,
        purpose: LinkPurpose,
        token_hash: &str,
    ) -> Result<Option<UserId>, AppError> {
        Ok(sqlx::query_scalar(
            "select account_id from account_link \
             where token_hash = ? and purpose = ? and used_at is null and expires_at > ?",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now())
        .fetch_optional(self.pool())
        .await?)
    }

    /// Uses a live link: marks it used, sets the active account's password hash, moves its
    /// session epoch on (ending its sessions) and ends its other links, all or nothing.
    /// The account and its new epoch; `None` when the link is not live (any more) or the
    /// account was deactivated, and then nothing changes.
    #[tracing::instrument(skip_all)]
    pub async fn use_link(
        &self,
        purpose: LinkPurpose,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<(UserId, i64)>, AppError> {
        let at = now();
        let mut tx = self.begin().await?;
        let used: Option<(i64, UserId)> = sqlx::query_as(
            "update account_link set used_at = ?1 \
             where token_hash = ?2 and purpose = ?3 and used_at is null and expires_at > ?1 \
             returning id, account_id",
        )
        .bind(&at)
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((link, account)) = used else {
            return Ok(None);
        };
        let epoch: Option<i64> = sqlx::query_scalar(
            "update account set password_hash = ?, session_epoch = session_epoch + 1, \
             updated_at = ? where id = ? and active = 1 returning session_epoch",
        )
        .bind(password_hash)
        .bind(&at)
        .bind(account)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(epoch) = epoch else {
            return Ok(None);
        };
        sqlx::query(
            "delete from account_link where account_id = ? and id != ? and used_at is null",
        )
        .bind(account)
        .bind(link)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.account_changed();
        Ok(Some((account, epoch)))
    }
}
