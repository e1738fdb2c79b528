//! Write statements sent together: on SQLite in one round trip to the connection's thread.
//!
//! sqlx runs a SQLite connection on a thread of its own; each statement is a command sent to
//! it and an answer sent back, and under load most of a statement's time is the two threads
//! being woken in turn, not SQLite's work. A group commit's transaction is a chain of such
//! round trips that nothing else can shorten, so the writes that need no answer (inserts
//! without `RETURNING`, claims) are sent as one command: the statements joined by `;`, their
//! values in order (sqlx binds a multi-statement query's `?`s one statement after the other).
//! SQLite runs them in order, in the same transaction, and stops at the first that fails, whose
//! error is returned: the same as sending them one by one, minus the waiting.
//!
//! sqlx documents running several statements in one query string as SQLite's alone and
//! deprecated (its `query()` docs; launchbadge/sqlx#3108 removed `execute_many`); its SQLite
//! driver still runs them all through `execute`, which is what this uses, and `raw_sql` is the
//! replacement that takes no bound values. If a later sqlx ran only the first, or refused, the
//! rows after the first statement would be missing, not wrong: `problems_batch` compares a
//! batch's audit entries (the last statement of its send) with one-by-one detection's and would
//! fail, as would every test that reads a new ticket's clocks. Upgrade sqlx with that in mind.
//!
//! On PostgreSQL (numbered placeholders, and prepared statements of one statement each) they are
//! sent one by one, as before.
//!
//! ```ignore
//! let mut w = Together::new(txn);
//! w.push(ticket_events::Entity::insert_many(events));
//! w.push(audit_log::Entity::insert_many(entries));
//! w.run(txn).await?; // SQLite: one round trip for both
//! ```

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryTrait, Statement, Values};

/// Statements to run in order, together where the backend allows it.
pub struct Together {
    backend: DbBackend,
    statements: Vec<Statement>,
}

impl Together {
    /// An empty list for `db`'s backend.
    pub fn new(db: &impl ConnectionTrait) -> Together {
        Together {
            backend: db.get_database_backend(),
            statements: Vec::new(),
        }
    }

    /// Appends `query` (an insert, update or delete whose answer is not needed).
    pub fn push(&mut self, query: impl QueryTrait) -> &mut Together {
        self.statements.push(query.build(self.backend));
        self
    }

    /// Runs them in order; the first error stops the rest and is returned.
    pub async fn run(self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        match self.backend {
            DbBackend::Sqlite if self.statements.len() > 1 => {
                let mut sql = String::new();
                let mut values = Vec::new();
                for s in self.statements {
                    sql.push_str(&s.sql);
                    sql.push_str(";\n");
                    values.extend(s.values.map(|v| v.0).unwrap_or_default());
                }
                db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, Values(values)))
                    .await?;
            }
            _ => {
                for s in self.statements {
                    db.execute_raw(s).await?;
                }
            }
        }
        Ok(())
    }
}
