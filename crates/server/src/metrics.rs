//! `/metrics` in the Prometheus text exposition format (version 0.0.4).
//!
//! Two kinds of figures:
//!
//! - **Read from the database at each scrape**, so every replica reports the same numbers and
//!   nothing is lost on restart: open tickets by severity, running clocks at risk (deadline within
//!   the next hour) and overdue, breached clocks, outbox depth and parked (failed) messages by
//!   channel. Each is one indexed query.
//! - **Computed from the calendars at each scrape** (the set in use now: calendars can be
//!   reloaded while the server runs): the days left of each dated calendar's published holidays
//!   ([`crate::app::coverage`]), negative once past.
//! - **Counted in this process** since it started: HTTP request latency by route (the route
//!   pattern, never the raw path, so ticket numbers do not explode the label set), sweep duration
//!   and failures, resident memory.
//!
//! ```text
//! # HELP opsclock_tickets_open Tickets not yet resolved, closed or cancelled.
//! # TYPE opsclock_tickets_open gauge
//! opsclock_tickets_open{severity="urgent"} 3
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;
use sla_clock::Severity;
use ticket_domain::Status;

use crate::app::reports::sql::Sql;

/// Upper bounds of the latency buckets, in seconds.
const BOUNDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How close to its deadline a running clock counts as at risk.
pub const AT_RISK: TimeDelta = TimeDelta::hours(1);

/// A latency histogram with fixed buckets; lock-free.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BOUNDS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos
            .fetch_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, n) in BOUNDS.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let braces = |l: &str| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{{{l}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {count}", braces(labels));
    }
}

/// What this process has counted since it started.
#[derive(Default)]
pub struct Registry {
    http: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    sweep: Histogram,
    sweep_failures: AtomicU64,
    sweep_last_success: AtomicI64,
}

/// The process's registry.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::default);

impl Registry {
    /// Records one HTTP request: its method (a standard one, else `OTHER`, so that made-up
    /// methods cannot grow the label set), route pattern (or `unmatched`) and status.
    pub fn http(&self, method: &str, route: &str, status: u16, took: Duration) {
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
            _ => "OTHER",
        };
        let mut map = self.http.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = map.get(&(method.to_owned(), route.to_owned(), status)) {
            h.observe(took);
        } else {
            let h = Histogram::default();
            h.observe(took);
            map.insert((method.to_owned(), route.to_owned(), status), h);
        }
    }

    /// Records one sweep round.
    pub fn sweep(&self, took: Duration, ok: bool, at: DateTime<Utc>) {
        self.sweep.observe(took);
        if ok {
            self.sweep_last_success.store(at.timestamp(), Ordering::Relaxed);
        } else {
            self.sweep_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn write(&self, out: &mut String) {
        header(
            out,
            "opsclock_http_request_duration_seconds",
            "histogram",
            "HTTP requests served by this process, by method, route pattern and status.",
        );
        let map = self.http.lock().unwrap_or_else(|e| e.into_inner());
        for ((method, route, status), h) in map.iter() {
            let labels = format!(
                "method=\"{}\",route=\"{}\",status=\"{status}\"",
                escape(method),
                escape(route)
            );
            h.write(out, "opsclock_http_request_duration_seconds", &labels);
        }
        drop(map);
        header(
            out,
            "opsclock_sweep_duration_seconds",
            "histogram",
            "Escalation sweep rounds run by this process (scheduled duties included).",
        );
        self.sweep.write(out, "opsclock_sweep_duration_seconds", "");
        single(
            out,
            "opsclock_sweep_failures_total",
            "counter",
            "Sweep rounds that failed in this process.",
            self.sweep_failures.load(Ordering::Relaxed),
        );
        single(
            out,
            "opsclock_sweep_last_success_timestamp_seconds",
            "gauge",
            "When this process last finished a sweep (0: not yet).",
            self.sweep_last_success.load(Ordering::Relaxed),
        );
        let (groups, writes) = crate::app::group_commit::counted();
        single(
            out,
            "opsclock_group_commits_total",
            "counter",
            "Group commits of ticket creations by this process (each one transaction).",
            groups,
        );
        single(
            out,
            "opsclock_group_commit_writes_total",
            "counter",
            "Ticket creations kept in those groups (over the groups: the mean group size).",
            writes,
        );
        let (hits, misses) = crate::app::cache::counted_all();
        single(
            out,
            "opsclock_config_cache_hits_total",
            "counter",
            "Configuration lookups this process served from its cache.",
            hits,
        );
        single(
            out,
            "opsclock_config_cache_misses_total",
            "counter",
            "Configuration lookups this process read from the database (not kept, or the epoch moved).",
            misses,
        );
    }
}

/// Renders every metric (`mismatched`: the calendars whose file here differs from the last
/// announced reload's): the database's figures as of `now`, the coverage of `calendars` on
/// `now`'s date, then this process's.
pub async fn render(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, sla_clock::Calendar>,
    mismatched: &[String],
    now: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    let mut out = String::with_capacity(16 * 1024);
    let mut q = Sql::new(db);
    q.push("SELECT severity, COUNT(*) FROM tickets WHERE status IN (");
    let open = Status::ALL
        .iter()
        .filter(|s| !matches!(s, Status::Resolved | Status::Closed | Status::Cancelled));
    for (i, s) in open.enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(s.key());
    }
    let by_severity = counts(db, 1, q.push(") GROUP BY severity")).await?;
    header(
        &mut out,
        "opsclock_tickets_open",
        "gauge",
        "Tickets not yet resolved, closed or cancelled, by severity.",
    );
    for s in Severity::ALL {
        let n = by_severity.get(&vec![s.key().to_owned()]).copied().unwrap_or(0);
        let _ = writeln!(out, "opsclock_tickets_open{{severity=\"{}\"}} {n}", s.key());
    }

    let running = crate::app::tickets::running_state();
    let at_risk = counts(
        db,
        1,
        Sql::new(db)
            .push("SELECT name, COUNT(*) FROM clocks WHERE state = ")
            .bind(running.clone())
            .push(" AND deadline > ")
            .bind(now)
            .push(" AND deadline <= ")
            .bind(now + AT_RISK)
            .push(" GROUP BY name"),
    )
    .await?;
    // A clock written after its deadline is stored as breached-running.
    let overdue = counts(
        db,
        1,
        Sql::new(db)
            .push("SELECT name, COUNT(*) FROM clocks WHERE state IN (")
            .bind(running)
            .push(", ")
            .bind("breached-running")
            .push(") AND deadline <= ")
            .bind(now)
            .push(" GROUP BY name"),
    )
    .await?;
    let breached = counts(
        db,
        1,
        Sql::new(db)
            .push("SELECT name, COUNT(*) FROM clocks WHERE breached = ")
            .bind(true)
            .push(" GROUP BY name"),
    )
    .await?;
    for (name, help, rows) in [
        (
            "opsclock_clocks_at_risk",
            "Running clocks whose deadline falls within the next hour, by clock.",
            &at_risk,
        ),
        (
            "opsclock_clocks_overdue",
            "Running clocks past their deadline (breached, not yet stopped), by clock.",
            &overdue,
        ),
        (
            "opsclock_clocks_breached",
            "Clocks recorded as breached, stopped or running, by clock.",
            &breached,
        ),
    ] {
        header(&mut out, name, "gauge", help);
        for clock in ticket_domain::ClockName::ALL {
            let n = rows.get(&vec![clock.key().to_owned()]).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}{{clock=\"{}\"}} {n}", clock.key());
        }
    }

    let outbox = counts(
        db,
        2,
        Sql::new(db)
            .push("SELECT channel, status, COUNT(*) FROM outbox WHERE status IN (")
            .bind("pending")
            .push(", ")
            .bind("failed")
            .push(") GROUP BY channel, status"),
    )
    .await?;
    for (name, status, help) in [
        (
            "opsclock_outbox_pending",
            "pending",
            "Outbox messages waiting to be delivered (or retried), by channel (email, webhook, sms).",
        ),
        (
            "opsclock_outbox_failed",
            "failed",
            "Outbox messages parked after failing for good, by channel; retry them by hand.",
        ),
    ] {
        header(&mut out, name, "gauge", help);
        for channel in ["email", "webhook", "sms"] {
            let n = outbox
                .get(&vec![channel.to_owned(), status.to_owned()])
                .copied()
                .unwrap_or(0);
            let _ = writeln!(out, "{name}{{channel=\"{channel}\"}} {n}");
        }
    }

    header(
        &mut out,
        "opsclock_calendar_coverage_days_left",
        "gauge",
        "Days from today (in the calendar's zone) to the last date whose holidays a dated calendar has \
         published; negative once past, when deadlines after it are provisional.",
    );
    for c in crate::app::coverage::all(calendars, now) {
        let _ = writeln!(
            out,
            "opsclock_calendar_coverage_days_left{{calendar=\"{}\"}} {}",
            escape(&c.calendar),
            c.days_left
        );
    }

    header(
        &mut out,
        "opsclock_calendar_file_mismatch",
        "gauge",
        "1 for a calendar whose file on this replica differs from the one the last reload read on \
         another replica: deploy the same calendar files everywhere and reload.",
    );
    for name in mismatched {
        let _ = writeln!(
            out,
            "opsclock_calendar_file_mismatch{{calendar=\"{}\"}} 1",
            escape(name)
        );
    }

    REGISTRY.write(&mut out);
    single(
        &mut out,
        "opsclock_process_resident_memory_bytes",
        "gauge",
        "Resident memory of this process.",
        resident_bytes(),
    );
    header(
        &mut out,
        "opsclock_build_info",
        "gauge",
        "The opsclock version running.",
    );
    let _ = writeln!(
        out,
        "opsclock_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    Ok(out)
}

/// Rows of `labels` label columns then a count, as a map from the labels to the count.
async fn counts(db: &DatabaseConnection, labels: usize, q: &Sql) -> Result<BTreeMap<Vec<String>, i64>, sea_orm::DbErr> {
    let mut out = BTreeMap::new();
    for row in q.all(db).await? {
        let mut key = Vec::with_capacity(labels);
        for i in 0..labels {
            key.push(row.try_get_by_index::<String>(i)?);
        }
        out.insert(key, row.try_get_by_index::<i64>(labels)?);
    }
    Ok(out)
}

/// A metric with one sample and no labels.
fn single(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    header(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Resident set size from `/proc/self/statm` (0 where there is no such file).
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_with_sum_and_count() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(20));
        let mut out = String::new();
        h.write(&mut out, "x", "route=\"/a\"");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{route=\"/a\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_sum{route=\"/a\"} 20.0033\n"), "{out}");
        assert!(out.contains("x_count{route=\"/a\"} 3\n"), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
