//! The escalation sweep's cost: with nothing due it must not grow with the open tickets (one
//! indexed range query on `clocks.next_due_at`); with work due it grows with the due clocks (one
//! transaction per page of `batch` clocks, four statements a clock: the 200 here are one page).
//!
//! `cargo bench -p opsclock --bench sweep` (SQLite in a temporary directory; set
//! `OPSCLOCK_BENCH_PG=1` to run on PostgreSQL at 127.0.0.1 too). Figures: docs/benchmarks.md.
#![allow(missing_docs)] // criterion_group! generates undocumented functions
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::{clocks, outbox, tickets, users};
use opsclock::db::testing::{Backend, TestDb, seed};
use opsclock::time::ManualTime;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use sla_clock::Severity;
use ticket_domain::{Kind, NewTicket, ServiceMode, Targets};

const IDLE: [usize; 3] = [0, 1_000, 10_000];
const DUE: usize = 200;

fn now() -> DateTime<Utc> {
    "2026-11-23T10:00:00+08:00".parse().expect("an instant")
}

struct Bench {
    db: TestDb,
    sweeper: Sweeper,
    due_tickets: Vec<i64>,
}

/// A database with `idle` open tickets whose next step is hours away and `due` tickets whose
/// first step is due at [`now`].
async fn world(backend: Backend, idle: usize, due: usize) -> Bench {
    let db = TestDb::migrated(backend).await;
    let seeded = seed(&db.db).await;
    tickets::Entity::delete_by_id(seeded.ticket_id)
        .exec(&db.db)
        .await
        .expect("removing the seed ticket");
    let actor = users::ActiveModel {
        username: Set("bench".into()),
        display_name: Set("bench".into()),
        role: Set(opsclock::app::auth::Role::Admin.into()),
        disabled: Set(false),
        must_change_password: Set(false),
        mail_english: Set(false),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .expect("a user")
    .id;
    let calendar = sla_clock::builtin::calendar("24x7").expect("24x7");
    let set = BTreeMap::from([("24x7".to_owned(), calendar.clone())]);
    let calendars = opsclock::app::tickets::calendars::TicketCalendars::all(&set, "24x7").expect("24x7 loaded");
    let mut due_tickets = Vec::new();
    for (count, occurred) in [(idle, now()), (due, now() - TimeDelta::hours(5))] {
        for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
            let txn = opsclock::db::begin_write(&db.db).await.expect("begin");
            for _ in chunk {
                let new = NewTicket {
                    category: None,
                    kind: Kind::Fault,
                    severity: Severity::Serious,
                    severity_reason: None,
                    title: "bench".into(),
                    description: String::new(),
                    occurred_at: occurred,
                    received_at: now(),
                    service_mode: ServiceMode::Remote,
                    targets: Targets {
                        repair: Some("8h".parse().expect("8h")),
                        ..Targets::default()
                    },
                    reporter: None,
                    assignee: None,
                    major_event: None,
                    clocks_from: None,
                    immediate_from_report: true,
                    outside_service: false,
                    calendars: None,
                };
                let (row, _) = opsclock::app::tickets::create(
                    &txn,
                    &calendars,
                    seeded.system_id,
                    new,
                    Some(actor),
                    now(),
                    Default::default(),
                    None,
                    false,
                )
                .await
                .expect("a ticket");
                if occurred < now() {
                    due_tickets.push(row.id);
                }
            }
            txn.commit().await.expect("commit");
        }
    }
    let calendars: BTreeMap<_, _> = [(calendar.name().to_owned(), calendar)].into_iter().collect();
    let sweeper = Sweeper {
        db: db.db.clone(),
        calendars: opsclock::calendars::Calendars::fixed(calendars),
        time: Arc::new(ManualTime::new(now())),
        links: Links::new(None, "127.0.0.1:8080", "bench.test".into()),
        batch: 500,
        notices: Default::default(),
    };
    Bench {
        db,
        sweeper,
        due_tickets,
    }
}

/// Makes the due tickets' steps due again: empties the outbox, rewinds their `next_due_at`.
async fn rearm(b: &Bench) {
    outbox::Entity::delete_many()
        .exec(&b.db.db)
        .await
        .expect("emptying the outbox");
    clocks::Entity::update_many()
        .col_expr(clocks::Column::NextDueAt, Expr::value(now() - TimeDelta::hours(1)))
        .filter(clocks::Column::TicketId.is_in(b.due_tickets.clone()))
        .exec(&b.db.db)
        .await
        .expect("rewinding");
}

fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if std::env::var_os("OPSCLOCK_BENCH_PG").is_some() {
        v.push(Backend::Postgres);
    }
    v
}

fn sweep(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let mut g = c.benchmark_group("sweep");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    for backend in backends() {
        let name = format!("{backend:?}").to_lowercase();
        for idle in IDLE {
            let b = rt.block_on(world(backend, idle, 0));
            g.bench_function(format!("{name}/nothing due, {idle} open tickets"), |bench| {
                bench.iter(|| {
                    let r = rt.block_on(b.sweeper.sweep()).expect("a sweep");
                    assert_eq!(r.queued, 0);
                })
            });
        }
        let b = rt.block_on(world(backend, 10_000, DUE));
        g.bench_function(format!("{name}/{DUE} due clocks, 10000 open tickets"), |bench| {
            bench.iter_batched(
                || rt.block_on(rearm(&b)),
                |()| {
                    let r = rt.block_on(b.sweeper.sweep()).expect("a sweep");
                    assert_eq!(r.queued, DUE);
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
