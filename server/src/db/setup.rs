//! SQL for the admin's setup checklist: what each client organization has of its setup, and
//! how many wiki articles exist.

use super::Db;
use app::error::AppError;
use app::setup::OrgSetup;

impl Db {
    /// Every client organization by name: its accounts (invited ones too), whether its hours
    /// or targets were ever saved (not the defaults a new organization starts with), and
    /// whether it has a contract.
    #[tracing::instrument(skip_all)]
    pub async fn org_setup(&self) -> Result<Vec<OrgSetup>, AppError> {
        let rows: Vec<(i64, String, i64, bool, bool)> = sqlx::query_as(
            "select o.id, o.name, \
                 (select count(*) from account a where a.org_id = o.id), \
                 exists (select 1 from business_hours h \
                         where h.org_id = o.id and h.saved_at is not null), \
                 exists (select 1 from contract c where c.org_id = o.id) \
             from org o where o.kind = 'client' order by o.name_key",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, people, hours_saved, contract)| OrgSetup {
                id,
                name,
                people,
                hours_saved,
                contract,
            })
            .collect())
    }

    /// Wiki articles, drafts included.
    #[tracing::instrument(skip_all)]
    pub async fn article_count(&self) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar("select count(*) from article")
            .fetch_one(&self.pool)
            .await?)
    }
}
