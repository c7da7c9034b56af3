//! Queries built from optional filters, with numbered placeholders both
//! engines accept.

use sqlx::any::AnyArguments;
use sqlx::Arguments;

use crate::{Result, StoreError};

/// A `WHERE` clause built from optional filters, with numbered placeholders
/// that both engines accept.
pub(crate) struct Filter {
    pub(crate) sql: String,
    args: AnyArguments<'static>,
    n: usize,
}

impl Filter {
    pub(crate) fn new(sql: String, org_id: i64) -> Filter {
        let mut args = AnyArguments::default();
        let _ = args.add(org_id);
        Filter { sql, args, n: 1 }
    }

    /// Appends `clause`, whose every `$?` is this one value.
    pub(crate) fn and<T>(&mut self, clause: &str, value: T) -> Result<()>
    where
        T: 'static + Send + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        self.n += 1;
        self.sql.push_str(&clause.replace("$?", &format!("${}", self.n)));
        self.args.add(value).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Appends `clause`, whose `$?` are these values in order.
    pub(crate) fn and_each(&mut self, clause: &str, values: &[String]) -> Result<()> {
        let mut text = clause.to_string();
        for value in values {
            self.n += 1;
            text = text.replacen("$?", &format!("${}", self.n), 1);
            self.args.add(value.clone()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        self.sql.push_str(&text);
        Ok(())
    }

    /// The SQL so far and its arguments, for a caller that ends it.
    pub(crate) fn finish(self) -> (String, AnyArguments<'static>) {
        (self.sql, self.args)
    }

    pub(crate) async fn fetch(self, pool: &sqlx::AnyPool) -> Result<Vec<sqlx::any::AnyRow>> {
        Ok(sqlx::query_with(&self.sql, self.args).fetch_all(pool).await?)
    }
}
