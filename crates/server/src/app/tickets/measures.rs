//! Measuring the tickets stored before measured times existed (migration
//! `m20261207_000040_measures`): the migration took each ticket's times from its stopped clocks,
//! but a ticket that ran no clock of a name has no time until it is projected again. The server
//! projects each such ticket once at start-up, so that the averages of a month already closed
//! count every ticket of it ([`crate::app::reports::contract_months::averages`]) and do not drift
//! as old tickets happen to be written.
//!
//! Only tickets not projected since the migration was applied are taken (their `updated_at` is
//! older than the migration's `applied_at`), and each is projected in its own transaction, so
//! that a second start, or a second replica, finds nothing left to do; a ticket whose time is
//! legitimately absent (outside the days of service, a repair never done) is not taken again.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use sla_clock::Calendar;

use crate::app::AppError;

/// The migration whose tickets are measured.
const MIGRATION: &str = "m20261207_000040_measures";

/// [`measure_stored`] as `opsclock serve` runs it when it starts: says how many tickets it
/// measured, and logs a failure without stopping the server (the next start tries again).
pub async fn at_start_up(db: &DatabaseConnection, calendars: &BTreeMap<String, Calendar>, now: DateTime<Utc>) {
    match measure_stored(db, calendars, now).await {
        Ok(0) => {}
        Ok(n) => println!("Measured the response and repair times of {n} ticket(s) stored before measured times."),
        Err(e) => tracing::error!(error = %e.detail(), "cannot measure the stored tickets' times"),
    }
}

/// Projects again every ticket acknowledged or resolved without a measured time, stored before
/// [`MIGRATION`]; returns how many were projected.
pub async fn measure_stored(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    use crate::app::reports::sql::Sql;
    let mut q = Sql::new(db);
    q.push("SELECT applied_at FROM seaql_migrations WHERE version = ")
        .bind(MIGRATION);
    let Some(applied) = q.all(db).await?.into_iter().next() else {
        return Ok(0);
    };
    let applied: i64 = applied.try_get("", "applied_at")?;
    let Some(applied) = DateTime::<Utc>::from_timestamp(applied, 0) else {
        return Ok(0);
    };
    // By id, from where the last batch ended: a ticket that cannot be projected (logged and
    // left as it was) is not taken again in this pass, and does not stop the others.
    let (mut done, mut after) = (0, 0i64);
    loop {
        let mut q = Sql::new(db);
        q.push("SELECT id, number FROM tickets WHERE updated_at < ")
            .bind(applied)
            .push(" AND id > ")
            .bind(after)
            .push(
                " AND ((acknowledged_at IS NOT NULL AND response_ms IS NULL) OR \
                 (resolved_at IS NOT NULL AND repair_ms IS NULL)) ORDER BY id LIMIT 200",
            );
        let rows = q.all(db).await?;
        if rows.is_empty() {
            return Ok(done);
        }
        for row in rows {
            let number: String = row.try_get("", "number")?;
            after = row.try_get("", "id")?;
            let txn = crate::db::begin_write(db)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            match super::store::refresh(&txn, calendars, &number, now).await {
                Ok(()) => {
                    txn.commit().await?;
                    done += 1;
                }
                Err(e) => tracing::warn!(ticket = %number, error = %e.detail(), "time not measured; left as it was"),
            }
        }
    }
}
