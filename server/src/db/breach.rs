//! SQL for announcing missed service-level targets.

use super::Db;
use app::accounts::UserId;
use app::error::AppError;
use app::tickets::TicketId;
use app::tickets::settings::SlaTarget;
use sqlx::{Sqlite, Transaction};

impl Db {
    /// Active tickets whose `target` came due by `now` unmet and was not announced yet.
    #[tracing::instrument(skip_all)]
    pub async fn unannounced_breaches(
        &self,
        target: SlaTarget,
        now: &str,
    ) -> Result<Vec<TicketId>, AppError> {
        let sql = match target {
            SlaTarget::FirstResponse => {
                "select id from ticket \
                 where status in ('new', 'open', 'pending') and first_responded_at is null \
                 and first_response_breach_announced_at is null and first_response_due_at <= ? \
                 order by id"
            }
            SlaTarget::Resolution => {
                "select id from ticket \
                 where status in ('new', 'open', 'pending') and resolved_at is null \
                 and resolution_breach_announced_at is null and resolution_due_at <= ? \
                 order by id"
            }
        };
        sqlx::query_scalar(sql)
            .bind(now)
            .fetch_all(&self.pool)
            .await
            .map_err(AppError::from)
    }
}

/// Marks the missed `target` of `ticket` announced at `at`, in the announcing transaction,
/// if it still is missed and unannounced; returns the ticket's assignee then, or `None` when
/// there is nothing (any more) to announce.
pub async fn mark_announced(
    tx: &mut Transaction<'static, Sqlite>,
    ticket: TicketId,
    target: SlaTarget,
    at: &str,
) -> Result<Option<Option<UserId>>, AppError> {
    let sql = match target {
        SlaTarget::FirstResponse => {
            "update ticket set first_response_breach_announced_at = ?1, updated_at = ?1 \
             where id = ?2 and status in ('new', 'open', 'pending') \
             and first_responded_at is null and first_response_breach_announced_at is null \
             and first_response_due_at <= ?1 returning assignee_id"
        }
        SlaTarget::Resolution => {
            "update ticket set resolution_breach_announced_at = ?1, updated_at = ?1 \
             where id = ?2 and status in ('new', 'open', 'pending') \
             and resolved_at is null and resolution_breach_announced_at is null \
             and resolution_due_at <= ?1 returning assignee_id"
        }
    };
    sqlx::query_scalar(sql)
        .bind(at)
        .bind(ticket)
        .fetch_optional(&mut **tx)
        .await
        .map_err(AppError::from)
}

impl Db {
    /// Active tickets whose `target` is unmet, not missed yet at `now`, due by `until`, and
    /// not warned of yet.
    #[tracing::instrument(skip_all)]
    pub async fn unannounced_warnings(
        &self,
        target: SlaTarget,
        now: &str,
        until: &str,
    ) -> Result<Vec<TicketId>, AppError> {
        let sql = match target {
            SlaTarget::FirstResponse => {
                "select id from ticket \
                 where status in ('new', 'open', 'pending') and first_responded_at is null \
                 and first_response_warning_announced_at is null \
                 and first_response_due_at > ? and first_response_due_at <= ? order by id"
            }
            SlaTarget::Resolution => {
                "select id from ticket \
                 where status in ('new', 'open', 'pending') and resolved_at is null \
                 and resolution_warning_announced_at is null \
                 and resolution_due_at > ? and resolution_due_at <= ? order by id"
            }
        };
        sqlx::query_scalar(sql)
            .bind(now)
            .bind(until)
            .fetch_all(&self.pool)
            .await
            .map_err(AppError::from)
    }
}

/// Marks the warning of `ticket`'s `target` given at `at`, in the announcing transaction, if
/// the target is still unmet, due by `until` and not warned of; returns the ticket's assignee
/// and the due time then, or `None` when there is nothing (any more) to warn of.
pub async fn mark_warned(
    tx: &mut Transaction<'static, Sqlite>,
    ticket: TicketId,
    target: SlaTarget,
    at: &str,
    until: &str,
) -> Result<Option<(Option<UserId>, String)>, AppError> {
    let sql = match target {
        SlaTarget::FirstResponse => {
            "update ticket set first_response_warning_announced_at = ?1, updated_at = ?1 \
             where id = ?2 and status in ('new', 'open', 'pending') \
             and first_responded_at is null and first_response_warning_announced_at is null \
             and first_response_due_at > ?1 and first_response_due_at <= ?3 \
             returning assignee_id, first_response_due_at"
        }
        SlaTarget::Resolution => {
            "update ticket set resolution_warning_announced_at = ?1, updated_at = ?1 \
             where id = ?2 and status in ('new', 'open', 'pending') \
             and resolved_at is null and resolution_warning_announced_at is null \
             and resolution_due_at > ?1 and resolution_due_at <= ?3 \
             returning assignee_id, resolution_due_at"
        }
    };
    sqlx::query_as(sql)
        .bind(at)
        .bind(ticket)
        .bind(until)
        .fetch_optional(&mut **tx)
        .await
        .map_err(AppError::from)
}
