//! Statements that travel to the database's thread together. Each query is a trip from the
//! runtime to the connection's thread and back, and such a trip costs more than a small
//! insert; a write of many rows builds one `Batch` with the owning modules' statements and
//! runs it once. The same functions fill a one-statement batch for a single write.

use app::error::AppError;
use futures::Stream;
use sqlx::error::BoxDynError;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Encode, Sqlite, SqliteConnection, Type};

/// Statements in order, with the values of their parameters. Parameters are plain `?`,
/// bound in the order they appear: SQLite counts numbered ones (`?3`) from the first
/// statement of the batch, not from their own.
#[derive(Default)]
pub struct Batch<'q> {
    sql: String,
    args: SqliteArguments<'q>,
    /// The first value that could not be bound, reported when the batch runs.
    error: Option<BoxDynError>,
}

/// The row a statement is about.
#[derive(Debug, Clone, Copy)]
pub enum RowRef {
    /// A row whose id is known.
    Id(i64),
    /// The row inserted last into this `autoincrement` table by the same transaction, whose
    /// id was sent back by an earlier statement of the same batch and is not known yet: within
    /// a write transaction, the table's `sqlite_sequence` entry holds the id just given.
    Newest(&'static str),
}

impl<'q> Batch<'q> {
    /// Appends a statement; bind its parameters next, in order.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self.sql.push_str("; ");
        self
    }

    /// Appends a statement about `row`, which reads the row's id as `about.id` from a
    /// one-row table `about`: `insert into t (x_id, y) select about.id, ? from about`.
    pub fn push_about(&mut self, row: RowRef, sql: &str) -> &mut Self {
        match row {
            RowRef::Id(id) => {
                self.sql.push_str("with about(id) as (select ?) ");
                self.bind(id);
            }
            RowRef::Newest(table) => {
                self.sql
                    .push_str("with about(id) as (select seq from sqlite_sequence where name = '");
                self.sql.push_str(table);
                self.sql.push_str("') ");
            }
        }
        self.push(sql)
    }

    /// Binds the next parameter.
    pub fn bind<T: 'q + Encode<'q, Sqlite> + Type<Sqlite>>(&mut self, value: T) -> &mut Self {
        if let Err(err) = self.args.add(value)
            && self.error.is_none()
        {
            self.error = Some(err);
        }
        self
    }

    /// Runs every statement; the rows they send back, in order, are dropped.
    pub async fn execute(self, conn: &mut SqliteConnection) -> Result<(), AppError> {
        let (sql, args) = self.parts()?;
        sqlx::query_with::<Sqlite, _>(&sql, args)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Runs a batch whose statements send back one id between them.
    pub async fn fetch_id(self, conn: &mut SqliteConnection) -> Result<i64, AppError> {
        let (sql, args) = self.parts()?;
        Ok(sqlx::query_scalar_with::<Sqlite, i64, _>(&sql, args)
            .fetch_one(conn)
            .await?)
    }

    /// Runs every statement up to the first that fails: the ids sent back before it, then
    /// that failure. A caller that needs to know how far a batch got reads this.
    pub fn fetch_ids<'c>(
        &'c mut self,
        conn: &'c mut SqliteConnection,
    ) -> Result<impl Stream<Item = Result<i64, sqlx::Error>> + 'c, AppError> {
        if let Some(err) = self.error.take() {
            return Err(unbindable(err));
        }
        let args = std::mem::take(&mut self.args);
        Ok(sqlx::query_scalar_with::<Sqlite, i64, _>(self.sql.as_str(), args).fetch(conn))
    }

    fn parts(self) -> Result<(String, SqliteArguments<'q>), AppError> {
        match self.error {
            Some(err) => Err(unbindable(err)),
            None => Ok((self.sql, self.args)),
        }
    }
}

fn unbindable(err: BoxDynError) -> AppError {
    tracing::error!(error = %err, "a value cannot be bound to a statement");
    AppError::Internal
}
