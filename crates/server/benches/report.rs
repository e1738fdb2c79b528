//! The monthly breach report over a year of 1 000 000 tickets: how long `reports::breaches` takes
//! for one month (about 83 000 tickets, 200 000 clocks) and for the whole year.
//!
//! `cargo bench -p opsclock --bench report` (SQLite file `target/bench-report-<n>.sqlite`, built
//! once and reused); `OPSCLOCK_BENCH_PG=1` also runs it on PostgreSQL (database
//! `opsclock_bench_report_<n>` at 127.0.0.1, built once). `OPSCLOCK_BENCH_TICKETS=n` changes the
//! size (the files are per size); `OPSCLOCK_BENCH_YEAR=1` also times the whole year. Figures:
//! docs/benchmarks.md.
//!
//! The year is generated straight into the tables (bulk inserts of what the projection writes),
//! over the 154 systems of the Shunyi catalogue with the demo's vendor and contract: 60 % faults,
//! 25 % requests, 10 % alarms, 5 % security events; 2 % urgent, 8 % serious, 50 % general, 40 %
//! minor; about one clock in ten late; 1 % still open. Clocks are real `sla-clock` clocks (their
//! events are what the report replays for the open ones).
#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use opsclock::app::reports::{self, Filters, Period};
use opsclock::db::entities::{systems, vendors};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Statement, Value,
};
use sla_clock::{Calendar, Clock};

fn calendars() -> BTreeMap<String, Calendar> {
    sla_clock::builtin::calendars()
        .into_iter()
        .map(|c| (c.name().to_owned(), c))
        .collect()
}

/// splitmix64: a deterministic stream without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Insert {
    backend: DbBackend,
    head: String,
    width: usize,
    rows: Vec<Vec<Value>>,
}

impl Insert {
    fn new(backend: DbBackend, table: &str, columns: &[&str]) -> Insert {
        Insert {
            backend,
            head: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            width: columns.len(),
            rows: Vec::new(),
        }
    }

    /// Rows per statement.
    fn capacity(&self) -> usize {
        20_000 / self.width
    }

    async fn push(&mut self, db: &impl ConnectionTrait, row: Vec<Value>) {
        assert_eq!(row.len(), self.width);
        self.rows.push(row);
        if self.rows.len() >= self.capacity() {
            self.flush(db).await;
        }
    }

    async fn flush(&mut self, db: &impl ConnectionTrait) {
        if self.rows.is_empty() {
            return;
        }
        let mut sql = self.head.clone();
        let mut values = Vec::with_capacity(self.rows.len() * self.width);
        for (i, row) in self.rows.drain(..).enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for (j, v) in row.into_iter().enumerate() {
                values.push(v);
                if j > 0 {
                    sql.push_str(", ");
                }
                match self.backend {
                    DbBackend::Postgres => sql.push_str(&format!("${}", values.len())),
                    _ => sql.push('?'),
                }
            }
            sql.push(')');
        }
        db.execute_raw(Statement::from_sql_and_values(self.backend, sql, values))
            .await
            .unwrap();
    }
}

const TICKET_COLUMNS: [&str; 22] = [
    "id",
    "number",
    "kind",
    "status",
    "severity",
    "system_id",
    "title",
    "description",
    "reporter_id",
    "assignee_id",
    "version",
    "occurred_at",
    "received_at",
    "acknowledged_at",
    "on_site_at",
    "resolved_at",
    "closed_at",
    "breached",
    "created_at",
    "updated_at",
    "vendor_id",
    "major_event_id",
];

const CLOCK_COLUMNS: [&str; 17] = [
    "ticket_id",
    "name",
    "calendar",
    "events",
    "state",
    "deadline",
    "breached",
    "next_due_at",
    "updated_at",
    "started_at",
    "ended_at",
    "target",
    "budget_ms",
    "consumed_ms",
    "wall_ms",
    "overdue_ms",
    "overdue_wall_ms",
];

fn year_start() -> DateTime<Utc> {
    "2026-01-01T00:00:00+08:00".parse().unwrap()
}

/// Fills an empty, migrated database with the demo and `n` tickets over 2026.
async fn generate(db: &DatabaseConnection, n: u64) {
    let cals = calendars();
    // The demo as of the year's first hour, whatever the real date: its two tickets are part of the year.
    opsclock::app::demo::load(db, &cals, &Default::default(), year_start() + TimeDelta::hours(1))
        .await
        .unwrap();
    let vendor = vendors::Entity::find()
        .filter(vendors::Column::Code.eq("shunyi-om"))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    // In id order, so that both backends draw the same year.
    let systems: Vec<(i64, bool)> = systems::Entity::find()
        .order_by_asc(systems::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.service_mode != "remote"))
        .collect();
    let backend = db.get_database_backend();
    let mut rng = Rng(7);
    let started = Instant::now();
    let year = TimeDelta::days(365).num_milliseconds() as f64;
    let txn = opsclock::db::begin_write(db).await.unwrap();
    let mut tickets = Insert::new(backend, "tickets", &TICKET_COLUMNS);
    let mut clocks = Insert::new(backend, "clocks", &CLOCK_COLUMNS);
    let calendar = &cals["24x7"];
    for i in 0..n {
        let id = 100_000 + i as i64;
        let at = year_start() + TimeDelta::milliseconds((i as f64 * year / n as f64) as i64);
        let (system, on_site) = systems[(rng.next() % systems.len() as u64) as usize];
        let k = rng.unit();
        let kind = if k < 0.60 {
            "fault"
        } else if k < 0.85 {
            "request"
        } else if k < 0.95 {
            "alarm"
        } else {
            "security"
        };
        let s = rng.unit();
        let severity = match (kind, s) {
            ("request", s) if s < 0.5 => "general",
            ("request", _) => "minor",
            (_, s) if s < 0.02 => "urgent",
            (_, s) if s < 0.10 => "serious",
            (_, s) if s < 0.60 => "general",
            _ => "minor",
        };
        let (response, arrival, repair) = match severity {
            "urgent" => ("15m", Some("2h"), "4h"),
            "serious" => ("30m", Some("4h"), "8h"),
            "general" => ("1h", None, "48h"),
            _ => ("8h", None, "168h"),
        };
        let open = rng.unit() < 0.01;
        let mut any_late = false;
        let mut ends = Vec::new();
        let mut rows = Vec::new();
        let mut plan = vec![("response", response), ("repair", repair)];
        if let (Some(a), true) = (arrival, on_site) {
            plan.insert(1, ("arrival", a));
        }
        for (name, target) in plan {
            let target: sla_clock::SlaDuration = target.parse().unwrap();
            let mut clock = Clock::start(at, target);
            let budget = calendar.deadline(at, target).unwrap() - at;
            // Mostly within the budget; about one in ten late.
            let used = TimeDelta::milliseconds((budget.num_milliseconds() as f64 * (0.05 + rng.unit() * 1.03)) as i64);
            let end = at + used;
            let still_open = open && name == "repair";
            if !still_open {
                clock.stop(end).unwrap();
            }
            let status = clock
                .status(calendar, if still_open { end } else { end.max(at) })
                .unwrap();
            any_late |= status.breached;
            ends.push(end);
            let ms = |d: TimeDelta| Value::BigInt(Some(d.num_milliseconds()));
            rows.push(vec![
                id.into(),
                name.into(),
                "24x7".into(),
                Value::Json(Some(Box::new(serde_json::to_value(&clock).unwrap()))),
                status.state.to_string().into(),
                Some(status.deadline).into(),
                status.breached.into(),
                Option::<DateTime<Utc>>::None.into(),
                end.into(),
                Some(at).into(),
                status.ended_at.into(),
                Some(target.to_string()).into(),
                ms(status.budget),
                ms(status.consumed),
                ms(used),
                ms(status.overdue),
                ms(status.overdue_wall),
            ]);
        }
        let resolved = (!open).then(|| ends.iter().max().copied().unwrap_or(at));
        tickets
            .push(
                &txn,
                vec![
                    id.into(),
                    format!("B-{i:07}").into(),
                    kind.into(),
                    if open { "in_progress" } else { "resolved" }.into(),
                    severity.into(),
                    system.into(),
                    "bench".into(),
                    "".into(),
                    Option::<i64>::None.into(),
                    Option::<i64>::None.into(),
                    1i64.into(),
                    at.into(),
                    at.into(),
                    Some(ends[0]).into(),
                    Option::<DateTime<Utc>>::None.into(),
                    resolved.into(),
                    Option::<DateTime<Utc>>::None.into(),
                    any_late.into(),
                    at.into(),
                    at.into(),
                    Some(vendor).into(),
                    Option::<i64>::None.into(),
                ],
            )
            .await;
        // The ticket before its clocks: a full clock batch is flushed with its tickets first.
        if clocks.rows.len() + rows.len() >= clocks.capacity() {
            tickets.flush(&txn).await;
        }
        for row in rows {
            clocks.push(&txn, row).await;
        }
        if i % 100_000 == 99_999 {
            eprintln!("  {} tickets ({:.0} s)", i + 1, started.elapsed().as_secs_f64());
        }
    }
    // Tickets first: clocks reference them.
    tickets.flush(&txn).await;
    clocks.flush(&txn).await;
    txn.commit().await.unwrap();
    if backend == DbBackend::Sqlite {
        // One transaction of a gigabyte leaves a gigabyte of WAL; fold it into the file.
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
    }
    // Statistics for the planner, as autovacuum (PostgreSQL) or `ANALYZE` would gather them in
    // a database that grew over a year; without them PostgreSQL scans every clock.
    db.execute_unprepared("ANALYZE").await.unwrap();
    eprintln!("generated {n} tickets in {:.0} s", started.elapsed().as_secs_f64());
}

async fn prepared(url: &str, n: u64) -> DatabaseConnection {
    let db = opsclock::db::connect(url).await.unwrap();
    opsclock::db::migrate(&db).await.unwrap();
    let have = opsclock::db::entities::tickets::Entity::find()
        .count(&db)
        .await
        .unwrap();
    if have < n {
        assert!(
            have == 0,
            "{url} holds {have} tickets, not {n}: delete it and run again"
        );
        eprintln!("generating {n} tickets into {url} (once)…");
        generate(&db, n).await;
    }
    db
}

/// Times each part of the report once, so a slow one stands out.
async fn sections(db: &DatabaseConnection, cals: &BTreeMap<String, Calendar>, p: &Period, as_of: DateTime<Utc>) {
    use opsclock::app::reports::{availability, breached, counts, deductions, latency, scorecard};
    let scope = reports::Scope {
        from: p.from,
        to: p.to,
        as_of,
        ..reports::Scope::default()
    };
    let mut line = String::new();
    let mut lap = Instant::now();
    let mut mark = |what: &str| {
        line.push_str(&format!(" {what} {} ms,", lap.elapsed().as_millis()));
        lap = Instant::now();
    };
    let tickets = counts::ticket_rows(db, &scope).await.unwrap();
    mark("tickets");
    let clocks = counts::clock_rows(db, &scope).await.unwrap();
    mark("clocks");
    latency::latencies(db, &scope).await.unwrap();
    mark("latency");
    let breached = breached::list(db, cals, &scope).await.unwrap();
    mark("breached");
    scorecard::vendors(db, &tickets, &clocks).await.unwrap();
    mark("vendors");
    let availability = availability::systems(db, &scope).await.unwrap();
    mark("availability");
    let measured = deductions::Measured {
        breached: &breached,
        availability: &availability,
    };
    deductions::assess(db, cals, &scope, p, measured).await.unwrap();
    mark("deductions");
    eprintln!("  {}:{line}", p.label);
}

fn bench(c: &mut Criterion) {
    let n: u64 = std::env::var("OPSCLOCK_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target");
    let mut backends = vec![("sqlite", format!("sqlite://{target}/bench-report-{n}.sqlite?mode=rwc"))];
    if std::env::var("OPSCLOCK_BENCH_PG").is_ok() {
        let name = format!("opsclock_bench_report_{n}");
        rt.block_on(async {
            let admin = opsclock::db::connect(opsclock::db::testing::DEFAULT_PG_URL)
                .await
                .unwrap();
            let exists = admin
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .unwrap()
                .is_some();
            if !exists {
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
            }
        });
        backends.push(("postgres", format!("postgres://postgres@127.0.0.1:5432/{name}")));
    }
    let cals = calendars();
    let zone = chrono_tz::Asia::Shanghai;
    let as_of: DateTime<Utc> = "2027-01-01T00:00:00+08:00".parse().unwrap();
    let mut group = c.benchmark_group("report");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, url) in backends {
        let db = rt.block_on(prepared(&url, n));
        // The year too with OPSCLOCK_BENCH_YEAR=1 (12 times the work; slow at a million).
        let periods: &[&str] = if std::env::var("OPSCLOCK_BENCH_YEAR").is_ok() {
            &["2026-03", "2026"]
        } else {
            &["2026-03"]
        };
        for &period in periods {
            let p = Period::parse(period, zone).unwrap();
            let once = rt
                .block_on(reports::breaches(
                    &db,
                    &cals,
                    p.clone(),
                    Filters::default(),
                    None,
                    as_of,
                    true,
                ))
                .unwrap();
            eprintln!(
                "{name} {period}: {} tickets, {} breached clocks, {} systems, {} contract(s)",
                once.tickets.received,
                once.breached.len(),
                once.availability.len(),
                once.deductions.len()
            );
            rt.block_on(sections(&db, &cals, &p, as_of));
            group.bench_function(format!("{name}/{n}/{period}"), |b| {
                b.iter(|| {
                    rt.block_on(reports::breaches(
                        &db,
                        &cals,
                        p.clone(),
                        Filters::default(),
                        None,
                        as_of,
                        true,
                    ))
                    .unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
