//! Human-facing ticket numbers, `<PREFIX>-<YEAR>-<NNNNNN>`, allocated from per-series counters.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use super::DbError;
use super::entities::ticket_counters::{Column, Entity};

/// Allocates the next number of the series `<prefix>-<year>` and returns it formatted as
/// `<prefix>-<year>-<n>` with `n` zero-padded to six digits, e.g. `INC-2026-000123`.
///
/// The series starts at 1. Allocation is one atomic statement,
/// `INSERT … ON CONFLICT (key) DO UPDATE SET last_value = last_value + 1 RETURNING last_value`,
/// so concurrent callers always get distinct, gap-free numbers (SQLite ≥ 3.35, PostgreSQL). Run
/// it inside the transaction that creates the ticket to give the number back on rollback.
pub async fn next_ticket_number<C: ConnectionTrait>(db: &C, prefix: &str, year: i32) -> Result<String, DbError> {
    let key = format!("{prefix}-{year}");
    let stmt = Query::insert()
        .into_table(Entity)
        .columns([Column::Key, Column::LastValue])
        // Two columns, two values: cannot panic.
        .values_panic([key.clone().into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(Column::Key)
                .value(Column::LastValue, Expr::col((Entity, Column::LastValue)).add(1i64))
                .to_owned(),
        )
        .returning_col(Column::LastValue)
        .to_owned();
    let row = db
        .query_one(&stmt)
        .await?
        .ok_or_else(|| DbError::CounterNoValue { key: key.clone() })?;
    let value: i64 = row.try_get_by_index(0)?;
    Ok(format!("{key}-{value:06}"))
}
