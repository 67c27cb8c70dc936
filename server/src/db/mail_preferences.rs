//! SQL for who gets which notification: each person's switches, their one-click unsubscribe
//! tokens, the site's new-ticket setting, and the reads the notification planner batches
//! (people, tickets, replies, digests) so a burst of events costs a few queries, not one each.

use super::batch::Batch;
use super::{Db, now};
use app::accounts::{Actor, OrgId, Role, UserId};
use app::error::AppError;
use app::mail::preferences::{DigestFrequency, Kind, NewTicketMail, ValidUpdate};
use app::tickets::TicketId;
use sqlx::{FromRow, SqliteConnection};
use std::collections::HashMap;

/// Someone mail may go to.
#[derive(Debug, Clone, FromRow)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: String,
    pub org_id: OrgId,
    pub org_name: String,
}

impl Person {
    /// The person as the read rules see them; `None` for a role that does not parse.
    pub fn actor(&self) -> Option<Actor> {
        Some(Actor {
            user_id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            role: Role::parse(&self.role).ok()?,
            org_id: self.org_id,
            org_name: self.org_name.clone(),
        })
    }
}

/// What a notification about a ticket says of it, as it is when the mail is planned.
#[derive(Debug, Clone, FromRow)]
pub struct MailTicket {
    pub id: TicketId,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub requester_id: UserId,
    pub requester_name: String,
    pub assignee_id: Option<UserId>,
    /// The body the requester wrote (Markdown): the client's own words, never internal.
    pub body: String,
}

/// A person's stored mail settings besides the switches.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailProfile {
    pub colleagues: bool,
    pub digest: DigestFrequency,
}

/// One organization's tickets over a digest's period.
#[derive(Debug, Clone, Default, FromRow)]
pub struct DigestCounts {
    pub opened: i64,
    pub resolved: i64,
    pub still_open: i64,
    /// Waiting on the organization's people (pending).
    pub waiting: i64,
}

const PERSON_SELECT: &str = "select a.id, a.name, a.email, a.role, a.org_id, o.name as org_name \
     from account a join org o on o.id = a.org_id";

/// A list of ids as the JSON array `json_each` reads, so one statement takes any number.
fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    serde_json::to_string(&ids.into_iter().collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

/// 128 random bits as 32 hex digits.
pub fn new_unsubscribe_token() -> String {
    use rand::Rng;
    let bits: u128 = rand::thread_rng().r#gen();
    format!("{bits:032x}")
}

impl Db {
    /// The switches `account` changed from their role's defaults, and their other settings.
    #[tracing::instrument(skip_all)]
    pub async fn mail_preferences(
        &self,
        account: UserId,
    ) -> Result<(HashMap<Kind, bool>, MailProfile), AppError> {
        let switches = self.mail_switches(&[account]).await?;
        let profile = self.mail_profiles(&[account]).await?;
        Ok((
            switches.get(&account).cloned().unwrap_or_default(),
            profile.get(&account).copied().unwrap_or_default(),
        ))
    }

    /// The stored switches of `accounts`, by person.
    #[tracing::instrument(skip_all)]
    pub async fn mail_switches(
        &self,
        accounts: &[UserId],
    ) -> Result<HashMap<UserId, HashMap<Kind, bool>>, AppError> {
        let rows: Vec<(i64, String, bool)> = sqlx::query_as(
            "select account_id, kind, enabled from mail_preference \
             where account_id in (select value from json_each(?))",
        )
        .bind(id_list(accounts.iter().copied()))
        .fetch_all(self.pool())
        .await?;
        let mut out: HashMap<UserId, HashMap<Kind, bool>> = HashMap::new();
        for (account, kind, enabled) in rows {
            if let Ok(kind) = Kind::parse(&kind) {
                out.entry(account).or_default().insert(kind, enabled);
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    pub async fn mail_profiles(
        &self,
        accounts: &[UserId],
    ) -> Result<HashMap<UserId, MailProfile>, AppError> {
        let rows: Vec<(i64, bool, String)> = sqlx::query_as(
            "select account_id, colleagues, digest_frequency from mail_profile \
             where account_id in (select value from json_each(?))",
        )
        .bind(id_list(accounts.iter().copied()))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(account, colleagues, digest)| {
                (
                    account,
                    MailProfile {
                        colleagues,
                        digest: DigestFrequency::parse(&digest).unwrap_or_default(),
                    },
                )
            })
            .collect())
    }

    /// Saves a checked update of `account`'s settings in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn save_mail_preferences(
        &self,
        account: UserId,
        update: &ValidUpdate,
    ) -> Result<(), AppError> {
        let at = now();
        let mut tx = self.begin().await?;
        for (kind, enabled) in &update.kinds {
            set_switch(&mut tx, account, *kind, *enabled, &at).await?;
        }
        if update.colleagues_tickets.is_some() || update.digest_frequency.is_some() {
            sqlx::query(
                "insert into mail_profile (account_id, colleagues, digest_frequency, updated_at) \
                 values (?1, coalesce(?2, 0), coalesce(?3, 'weekly'), ?4) \
                 on conflict (account_id) do update set \
                 colleagues = coalesce(?2, colleagues), \
                 digest_frequency = coalesce(?3, digest_frequency), updated_at = ?4",
            )
            .bind(account)
            .bind(update.colleagues_tickets)
            .bind(update.digest_frequency.map(DigestFrequency::as_str))
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The person and kind an unsubscribe token names, with the person's address.
    #[tracing::instrument(skip_all)]
    pub async fn unsubscribe_target(
        &self,
        token: &str,
    ) -> Result<Option<(UserId, String, String)>, AppError> {
        Ok(sqlx::query_as(
            "select u.account_id, u.kind, a.email from mail_unsubscribe u \
             join account a on a.id = u.account_id where u.token = ?",
        )
        .bind(token)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Switches `kind` off for `account`.
    #[tracing::instrument(skip_all)]
    pub async fn switch_off(&self, account: UserId, kind: Kind) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        set_switch(&mut tx, account, kind, false, &now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Which new tickets mail the provider's staff.
    #[tracing::instrument(skip_all)]
    pub async fn new_ticket_mail(&self) -> Result<NewTicketMail, AppError> {
        let raw: Option<String> =
            sqlx::query_scalar("select notify_new_ticket from site_setting where id = 1")
                .fetch_optional(self.pool())
                .await?;
        Ok(raw
            .and_then(|raw| NewTicketMail::parse(&raw).ok())
            .unwrap_or_default())
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_new_ticket_mail(&self, setting: NewTicketMail) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "insert into site_setting (id, notify_new_ticket, updated_at) values (1, ?1, ?2) \
             on conflict (id) do update set notify_new_ticket = ?1, updated_at = ?2",
        )
        .bind(setting.as_str())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Active people among `ids`.
    #[tracing::instrument(skip_all)]
    pub async fn mail_people(&self, ids: &[UserId]) -> Result<Vec<Person>, AppError> {
        Ok(sqlx::query_as(&format!(
            "{PERSON_SELECT} where a.active = 1 and a.id in (select value from json_each(?))"
        ))
        .bind(id_list(ids.iter().copied()))
        .fetch_all(self.pool())
        .await?)
    }

    /// The provider's active staff.
    #[tracing::instrument(skip_all)]
    pub async fn mail_staff(&self) -> Result<Vec<Person>, AppError> {
        Ok(sqlx::query_as(&format!(
            "{PERSON_SELECT} where a.active = 1 and a.role in ('technician', 'admin') \
             order by a.id"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// The active people of `orgs` who asked to hear of colleagues' shared tickets.
    #[tracing::instrument(skip_all)]
    pub async fn mail_colleagues(&self, orgs: &[OrgId]) -> Result<Vec<Person>, AppError> {
        Ok(sqlx::query_as(&format!(
            "{PERSON_SELECT} join mail_profile p on p.account_id = a.id \
             where a.active = 1 and p.colleagues = 1 and a.role in ('requester', 'manager') \
             and a.org_id in (select value from json_each(?)) order by a.id"
        ))
        .bind(id_list(orgs.iter().copied()))
        .fetch_all(self.pool())
        .await?)
    }

    /// The tickets `ids`, as notifications describe them.
    #[tracing::instrument(skip_all)]
    pub async fn mail_tickets(&self, ids: &[TicketId]) -> Result<Vec<MailTicket>, AppError> {
        Ok(sqlx::query_as(
            "select t.id, t.subject, t.status, t.priority, t.org_id, o.name as org_name, \
             t.requester_id, r.name as requester_name, t.assignee_id, t.body \
             from ticket t join org o on o.id = t.org_id join account r on r.id = t.requester_id \
             where t.id in (select value from json_each(?))",
        )
        .bind(id_list(ids.iter().copied()))
        .fetch_all(self.pool())
        .await?)
    }

    /// Comments `ids`: id, author's name, text, and whether it is internal.
    #[tracing::instrument(skip_all)]
    pub async fn mail_comments(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, (String, String, bool)>, AppError> {
        let rows: Vec<(i64, String, String, bool)> = sqlx::query_as(
            "select c.id, a.name, c.body, c.internal from ticket_comment c \
             join account a on a.id = c.author_id \
             where c.id in (select value from json_each(?))",
        )
        .bind(id_list(ids.iter().copied()))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, author, body, internal)| (id, (author, body, internal)))
            .collect())
    }

    /// Active managers whose digest is on at `frequency`.
    #[tracing::instrument(skip_all)]
    pub async fn digest_managers(
        &self,
        frequency: DigestFrequency,
    ) -> Result<Vec<Person>, AppError> {
        Ok(sqlx::query_as(&format!(
            "{PERSON_SELECT} join mail_preference s on s.account_id = a.id \
             and s.kind = 'digest' and s.enabled = 1 \
             left join mail_profile p on p.account_id = a.id \
             where a.active = 1 and a.role = 'manager' \
             and coalesce(p.digest_frequency, 'weekly') = ? order by a.id"
        ))
        .bind(frequency.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    /// What happened to `org`'s tickets from `from` to `to` (stored times), and where they
    /// stand now.
    #[tracing::instrument(skip_all)]
    pub async fn digest_counts(
        &self,
        org: OrgId,
        from: &str,
        to: &str,
    ) -> Result<DigestCounts, AppError> {
        Ok(sqlx::query_as(
            "select \
             coalesce(sum(created_at >= ?2 and created_at < ?3), 0) as opened, \
             coalesce(sum(resolved_at >= ?2 and resolved_at < ?3), 0) as resolved, \
             coalesce(sum(status in ('new', 'open', 'pending')), 0) as still_open, \
             coalesce(sum(status = 'pending'), 0) as waiting \
             from ticket where org_id = ?1",
        )
        .bind(org)
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?)
    }
}

async fn set_switch(
    conn: &mut SqliteConnection,
    account: UserId,
    kind: Kind,
    enabled: bool,
    at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into mail_preference (account_id, kind, enabled, updated_at) values (?1, ?2, ?3, ?4) \
         on conflict (account_id, kind) do update set enabled = ?3, updated_at = ?4",
    )
    .bind(account)
    .bind(kind.as_str())
    .bind(enabled)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The unsubscribe token of (`account`, `kind`), made on first use, in the caller's
/// transaction; the same token every time after.
#[tracing::instrument(skip_all)]
pub async fn unsubscribe_token(
    conn: &mut SqliteConnection,
    account: UserId,
    kind: Kind,
) -> Result<String, AppError> {
    Ok(sqlx::query_scalar(
        "insert into mail_unsubscribe (token, account_id, kind, created_at) values (?, ?, ?, ?) \
         on conflict (account_id, kind) do update set kind = excluded.kind returning token",
    )
    .bind(new_unsubscribe_token())
    .bind(account)
    .bind(kind.as_str())
    .bind(now())
    .fetch_one(&mut *conn)
    .await?)
}

/// The unsubscribe tokens `accounts` have, by person and kind, read in the caller's
/// transaction.
#[tracing::instrument(skip_all)]
pub async fn unsubscribe_tokens(
    conn: &mut SqliteConnection,
    accounts: &[UserId],
) -> Result<HashMap<(UserId, Kind), String>, AppError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "select account_id, kind, token from mail_unsubscribe \
         where account_id in (select value from json_each(?))",
    )
    .bind(id_list(accounts.iter().copied()))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(account, kind, token)| Some(((account, Kind::parse(&kind).ok()?), token)))
        .collect())
}

/// Writes a new token (from [`new_unsubscribe_token`]) of (`account`, `kind`) as one
/// statement of `batch`; the caller read in the same transaction that there is none.
pub fn push_unsubscribe_token<'q>(
    batch: &mut Batch<'q>,
    account: UserId,
    kind: Kind,
    token: &'q str,
    at: &'q str,
) {
    batch
        .push(
            "insert into mail_unsubscribe (token, account_id, kind, created_at) \
             values (?, ?, ?, ?)",
        )
        .bind(token)
        .bind(account)
        .bind(kind.as_str())
        .bind(at);
}

/// Moves the bookkeeping cursor `name` from `expected` to `to` in the caller's transaction;
/// `false` (and nothing changed) when another writer moved it meanwhile.
#[tracing::instrument(skip_all)]
pub async fn advance_cursor(
    conn: &mut SqliteConnection,
    name: &str,
    expected: i64,
    to: i64,
) -> Result<bool, AppError> {
    let current = super::mail::cursor(conn, name).await?;
    if current != expected {
        return Ok(false);
    }
    super::mail::move_cursor(conn, name, to).await?;
    Ok(true)
}
