//! How many bytes of files each organization holds: the attachments of its tickets and the
//! files of its articles, a file of an article for every client counting for the organization
//! of the person who uploaded it (the provider's).

use super::Db;
use app::accounts::OrgId;
use app::error::AppError;
use std::collections::HashMap;

/// One row per file: the organization it counts for, and its size.
const FILES: &str = "select t.org_id as org_id, f.size as size \
     from attachment f join ticket t on t.id = f.ticket_id \
     union all \
     select coalesce(a.org_id, u.org_id) as org_id, f.size as size \
     from article_file f join article a on a.id = f.article_id \
     join account u on u.id = f.uploader_id";

impl Db {
    /// The bytes of files each organization holds; one without files is left out.
    #[tracing::instrument(skip_all)]
    pub async fn file_bytes_by_org(&self) -> Result<HashMap<OrgId, i64>, AppError> {
        let rows: Vec<(OrgId, i64)> = sqlx::query_as(&format!(
            "select org_id, sum(size) from ({FILES}) group by org_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// The bytes of files `org` holds.
    #[tracing::instrument(skip_all)]
    pub async fn file_bytes_of_org(&self, org: OrgId) -> Result<i64, AppError> {
        sqlx::query_scalar(
            "select coalesce((select sum(f.size) from attachment f \
                              join ticket t on t.id = f.ticket_id where t.org_id = ?), 0) \
             + coalesce((select sum(f.size) from article_file f \
                         join article a on a.id = f.article_id \
                         join account u on u.id = f.uploader_id \
                         where coalesce(a.org_id, u.org_id) = ?), 0)",
        )
        .bind(org)
        .bind(org)
        .fetch_one(&self.pool)
        .await
        .map_err(AppError::from)
    }
}
