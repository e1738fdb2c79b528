//! The report's SQL: one `WHERE` for "the tickets of this scope", written once for SQLite and
//! PostgreSQL (only the placeholders differ), and aggregates cast so that both return the same
//! Rust types (`SUM` and `AVG` are `numeric` on PostgreSQL).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use ticket_domain::Status;

use crate::db::key::StoredKey;

/// What a report covers: the tickets received in `[from, to)` that pass the filters, measured as
/// of `as_of`.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The first instant.
    pub from: DateTime<Utc>,
    /// The first instant after.
    pub to: DateTime<Utc>,
    /// The instant the report describes (running clocks past their deadline count as breached).
    pub as_of: DateTime<Utc>,
    /// Only these systems (`None`: all; an empty list: none).
    pub systems: Option<Vec<i64>>,
    /// Only systems of this unit.
    pub unit: Option<i64>,
    /// Only tickets counted against this vendor.
    pub vendor: Option<i64>,
    /// Only tickets counted against one of these vendors (a consortium contract's members).
    pub vendors: Option<Vec<i64>>,
    /// Only this kind (`fault`, `request`, …).
    pub kind: Option<String>,
    /// Only this severity (`urgent`, …).
    pub severity: Option<String>,
    /// Only this category, by code; empty: the tickets not sorted yet.
    pub category: Option<String>,
    /// The contract the report is about (an assessment's, by code): a ticket two contracts cover
    /// is counted under this one, and only its surveys count. It narrows no ticket: `systems`
    /// and `vendors` do.
    pub contract: Option<String>,
}

/// A statement under construction: text with placeholders in the backend's style, and values.
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// An empty statement for `db`'s backend.
    pub fn new(db: &impl ConnectionTrait) -> Sql {
        Sql {
            backend: db.get_database_backend(),
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends `values` as a list of SQL string literals, `'resolved', 'closed'`, for `IN (…)`:
    /// the stored keys of typed values (statuses, kinds, severities), which are fixed identifiers
    /// of our own types (only [`StoredKey`]s, whose keys are `&'static str` constants), so a literal
    /// is safe and lets the planner use it.
    ///
    /// `keys(&[Status::Resolved, Status::Closed])` appends `'resolved', 'closed'`.
    pub fn keys<T: StoredKey>(&mut self, values: &[T]) -> &mut Sql {
        let list: Vec<String> = values.iter().map(|v| format!("'{}'", v.stored_key())).collect();
        self.text.push_str(&list.join(", "));
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// `FROM tickets t WHERE <scope>` (with `systems s` joined when a unit filter needs it).
    pub fn from_scope(&mut self, scope: &Scope) -> &mut Sql {
        self.push(" FROM tickets t");
        self.scope_where(scope)
    }

    /// `FROM tickets t JOIN clocks c … WHERE <scope>`: the clocks of the scope's tickets.
    pub fn from_clocks(&mut self, scope: &Scope) -> &mut Sql {
        self.push(" FROM tickets t JOIN clocks c ON c.ticket_id = t.id");
        self.scope_where(scope)
    }

    /// `FROM clocks c CROSS JOIN tickets t … WHERE <scope> AND c.provisional`: the scope's clocks
    /// whose deadline is provisional. `CROSS JOIN` keeps SQLite's join order: the provisional
    /// clocks first (by their index), then each one's ticket; PostgreSQL plans it as any join.
    pub fn from_provisional_clocks(&mut self, scope: &Scope) -> &mut Sql {
        self.push(" FROM clocks c CROSS JOIN tickets t");
        self.scope_where(scope)
            .push(" AND t.id = c.ticket_id AND c.provisional = ")
            .bind(true)
    }

    /// The same with each clock's unit as `u` (through the ticket's system, `us`).
    pub fn from_clocks_by_unit(&mut self, scope: &Scope) -> &mut Sql {
        self.push(" FROM tickets t JOIN clocks c ON c.ticket_id = t.id")
            .push(" JOIN systems us ON us.id = t.system_id JOIN units u ON u.id = us.unit_id");
        self.scope_where(scope)
    }

    /// `FROM tickets t JOIN systems us … WHERE <scope>`: the scope's tickets with their system
    /// as `us` (its unit is `us.unit_id`).
    pub fn from_tickets_by_unit(&mut self, scope: &Scope) -> &mut Sql {
        self.push(" FROM tickets t JOIN systems us ON us.id = t.system_id");
        self.scope_where(scope)
    }

    /// The condition "ticket `t` has a clock that counts as breached at `as_of`". Only tickets
    /// marked breached, or open (running past a deadline the sweep has not seen), can: the
    /// subquery runs for those alone.
    pub fn ticket_breached(&mut self, as_of: DateTime<Utc>) -> &mut Sql {
        self.push("((t.breached = ")
            .bind(true)
            .push(" OR t.status NOT IN (")
            .keys(&[Status::Resolved, Status::Closed, Status::Cancelled])
            .push(")) AND EXISTS (SELECT 1 FROM clocks c ")
            .push("WHERE c.ticket_id = t.id AND ")
            .breached(as_of)
            .push("))")
    }

    fn scope_where(&mut self, scope: &Scope) -> &mut Sql {
        if scope.unit.is_some() {
            self.push(" JOIN systems s ON s.id = t.system_id");
        }
        self.push(" WHERE t.received_at >= ")
            .bind(scope.from)
            .push(" AND t.received_at < ")
            .bind(scope.to);
        self.filters(scope)
    }

    /// The scope's filters other than the period, each as ` AND …` (a unit filter needs `s`).
    pub fn filters(&mut self, scope: &Scope) -> &mut Sql {
        if let Some(ids) = &scope.systems {
            // `+`: not an index choice; the period's index is the one to scan.
            self.push(" AND +t.system_id IN (-1");
            for id in ids {
                self.push(", ").bind(*id);
            }
            self.push(")");
        }
        if let Some(u) = scope.unit {
            self.push(" AND s.unit_id = ").bind(u);
        }
        if let Some(v) = scope.vendor {
            self.push(" AND t.vendor_id = ").bind(v);
        }
        if let Some(vs) = &scope.vendors {
            self.push(" AND t.vendor_id IN (-1");
            for v in vs {
                self.push(", ").bind(*v);
            }
            self.push(")");
        }
        if let Some(k) = &scope.kind {
            self.push(" AND t.kind = ").bind(k.clone());
        }
        if let Some(sev) = &scope.severity {
            self.push(" AND t.severity = ").bind(sev.clone());
        }
        match scope.category.as_deref() {
            Some("") => {
                self.push(" AND t.category IS NULL");
            }
            Some(c) => {
                self.push(" AND t.category = ").bind(c.to_owned());
            }
            None => {}
        }
        self
    }

    /// `1` when clock alias `c` counts as breached at `as_of`, else `0`.
    pub fn breached_case(&mut self, as_of: DateTime<Utc>) -> &mut Sql {
        self.push("(CASE WHEN ").breached(as_of).push(" THEN 1 ELSE 0 END)")
    }

    /// The condition "clock `c` of ticket `t` counts as breached at `as_of`": marked breached
    /// or still running past its deadline (the sweep has not looked yet); neither the clock nor
    /// the ticket cancelled (a duplicate or withdrawn ticket breaches nothing).
    pub fn breached(&mut self, as_of: DateTime<Utc>) -> &mut Sql {
        self.push("(c.state <> 'cancelled' AND t.status NOT IN (")
            .keys(&[Status::Cancelled])
            .push(") AND (c.breached = ")
            .bind(true)
            .push(" OR (c.state = 'running' AND c.deadline < ")
            .bind(as_of)
            .push(")))")
    }

    /// Runs the statement.
    pub async fn all(&self, db: &impl ConnectionTrait) -> Result<Vec<QueryResult>, DbErr> {
        db.query_all_raw(Statement::from_sql_and_values(
            self.backend,
            self.text.clone(),
            self.values.clone(),
        ))
        .await
    }
}

/// Column `col` of `row` as an integer (0 when NULL).
pub fn int(row: &QueryResult, col: &str) -> Result<i64, DbErr> {
    Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0))
}

/// Column `col` of `row` as a float, if not NULL.
pub fn float(row: &QueryResult, col: &str) -> Result<Option<f64>, DbErr> {
    row.try_get::<Option<f64>>("", col)
}

/// Milliseconds to minutes, rounded to a hundredth.
pub fn minutes(ms: f64) -> f64 {
    (ms / 600.0).round() / 100.0
}
