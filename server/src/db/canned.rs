//! SQL for canned replies.

use super::{Db, is_unique_violation, now};
use app::accounts::UserId;
use app::error::AppError;
use app::tickets::canned::{CannedDraft, CannedReply};

const SELECT: &str = "select c.id, c.title, c.body, a.name as updated_by from canned_reply c \
     join account a on a.id = c.updated_by";

fn duplicate_title(err: sqlx::Error) -> AppError {
    if is_unique_violation(&err) {
        AppError::invalid("title", "A canned reply with this title exists already.")
    } else {
        AppError::from(err)
    }
}

type Row = (i64, String, String, String);

fn reply((id, title, body, updated_by): Row) -> CannedReply {
    CannedReply {
        id,
        title,
        body,
        updated_by,
    }
}

impl Db {
    #[tracing::instrument(skip_all)]
    pub async fn canned_replies(&self) -> Result<Vec<CannedReply>, AppError> {
        Ok(
            sqlx::query_as::<_, Row>(&format!("{SELECT} order by c.title_key"))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(reply)
                .collect(),
        )
    }

    #[tracing::instrument(skip_all)]
    pub async fn canned_reply(&self, id: i64) -> Result<CannedReply, AppError> {
        sqlx::query_as::<_, Row>(&format!("{SELECT} where c.id = ?"))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
            .map(reply)
    }

    #[tracing::instrument(skip_all)]
    pub async fn insert_canned(&self, by: UserId, draft: &CannedDraft) -> Result<i64, AppError> {
        sqlx::query_scalar(
            "insert into canned_reply (title, title_key, body, created_by, updated_by, \
             created_at, updated_at) values (?1, ?2, ?3, ?4, ?4, ?5, ?5) returning id",
        )
        .bind(&draft.title)
        .bind(draft.title.to_lowercase())
        .bind(&draft.body)
        .bind(by)
        .bind(now())
        .fetch_one(&self.writer)
        .await
        .map_err(duplicate_title)
    }

    #[tracing::instrument(skip_all)]
    pub async fn update_canned(
        &self,
        id: i64,
        by: UserId,
        draft: &CannedDraft,
    ) -> Result<(), AppError> {
        let done = sqlx::query(
            "update canned_reply set title = ?, title_key = ?, body = ?, updated_by = ?, \
             updated_at = ? where id = ?",
        )
        .bind(&draft.title)
        .bind(draft.title.to_lowercase())
        .bind(&draft.body)
        .bind(by)
        .bind(now())
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(duplicate_title)?;
        if done.rows_affected() == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn delete_canned(&self, id: i64) -> Result<(), AppError> {
        let done = sqlx::query("delete from canned_reply where id = ?")
            .bind(id)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    }
}
