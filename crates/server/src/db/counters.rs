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
    let mut numbers = next_ticket_numbers(db, prefix, year, 1).await?;
    numbers.pop().ok_or_else(|| DbError::CounterNoValue {
        key: format!("{prefix}-{year}"),
    })
}

/// The next `n` numbers of the series `<prefix>-<year>`, in order, allocated by one statement
/// (the counter moves by `n`): for the tickets a group commit opens together.
///
/// ```text
/// last_value 122, n = 3  →  INC-2026-000123, INC-2026-000124, INC-2026-000125; last_value 125
/// ```
pub async fn next_ticket_numbers<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
    year: i32,
    n: usize,
) -> Result<Vec<String>, DbError> {
    let key = format!("{prefix}-{year}");
    let step = n as i64;
    let stmt = Query::insert()
        .into_table(Entity)
        .columns([Column::Key, Column::LastValue])
        // Two columns, two values: cannot panic.
        .values_panic([key.clone().into(), step.into()])
        .on_conflict(
            OnConflict::column(Column::Key)
                .value(Column::LastValue, Expr::col((Entity, Column::LastValue)).add(step))
                .to_owned(),
        )
        .returning_col(Column::LastValue)
        .to_owned();
    let row = db
        .query_one(&stmt)
        .await?
        .ok_or_else(|| DbError::CounterNoValue { key: key.clone() })?;
    let last: i64 = row.try_get_by_index(0)?;
    Ok((last - step + 1..=last)
        .map(|value| format!("{key}-{value:06}"))
        .collect())
}
