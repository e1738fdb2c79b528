//! A storm: many clocks due at once. The sweep escalates a page of them in one transaction with
//! a savepoint per clock, so every due step is queued exactly once (two sweeps at once
//! included), a clock that fails is rolled back alone and tried again next sweep while the
//! others commit, and a due clock costs a few statements, not a transaction's worth of reads.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::TimeDelta;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::{clocks, notice_queue, tickets};
use opsclock::db::testing::Backend;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter};

use crate::both_backends;
use crate::fixture::{World, t0};

/// Opens `n` tickets that began 3 h before [`t0`] with 4 h to repair: at `t0` each one's 50 %
/// step is due (since 09:00), its 80 % step comes at 10:12, its breach at 11:00 and its two
/// reminders at 11:30 and 12:00.
async fn storm(world: &World, n: usize) -> Vec<String> {
    let mut numbers = Vec::new();
    for _ in 0..n {
        numbers.push(world.open(t0() - TimeDelta::hours(3), "4h", t0()).await);
    }
    numbers
}

/// The outbox identities queued, each with how often.
async fn keys(world: &World) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for row in world.outbox().await {
        *out.entry(row.dedup_key).or_default() += 1;
    }
    out
}

/// The identities `steps` of each of `numbers`' repair clocks.
fn expected(numbers: &[String], steps: &[&str]) -> BTreeSet<String> {
    numbers
        .iter()
        .flat_map(|n| steps.iter().map(move |s| format!("{n}/repair/{s}")))
        .collect()
}

fn sweeper(world: &World, batch: u64) -> Sweeper {
    Sweeper {
        batch,
        ..world.sweeper()
    }
}

async fn a_storm_queues_each_step_once(backend: Backend) {
    let world = World::new(backend).await;
    let numbers = storm(&world, 12).await;
    // Pages of five: three transactions.
    let report = sweeper(&world, 5).sweep().await.expect("a sweep");
    assert_eq!((report.clocks, report.queued, report.failed), (12, 12, 0), "{report:?}");
    let queued = keys(&world).await;
    assert!(queued.values().all(|n| *n == 1), "{queued:?}");
    assert_eq!(
        queued.keys().cloned().collect::<BTreeSet<_>>(),
        expected(&numbers, &["half/0"])
    );

    // Two hours on, four more steps each are due; two replicas sweep at once.
    world.time.set(t0() + TimeDelta::hours(2));
    let (a, b) = (sweeper(&world, 5), sweeper(&world, 7));
    let (ra, rb) = tokio::join!(a.sweep(), b.sweep());
    let (ra, rb) = (ra.expect("sweep a"), rb.expect("sweep b"));
    assert_eq!(ra.failed + rb.failed, 0, "{ra:?} {rb:?}");
    assert_eq!(ra.queued + rb.queued, 12 * 4, "{ra:?} {rb:?}");
    let queued = keys(&world).await;
    assert!(queued.values().all(|n| *n == 1), "a step queued twice: {queued:?}");
    assert_eq!(
        queued.keys().cloned().collect::<BTreeSet<_>>(),
        expected(&numbers, &["half/0", "warning/0", "breach/0", "overdue/1", "overdue/2"])
    );
    // Nothing is left due: the ladder is done.
    let again = sweeper(&world, 500).sweep().await.expect("a sweep");
    assert_eq!((again.clocks, again.queued), (0, 0), "{again:?}");
}
both_backends!(storm_once, a_storm_queues_each_step_once);

/// The repair clock of ticket `number`.
async fn clock_of(world: &World, number: &str) -> clocks::Model {
    let ticket = tickets::Entity::find()
        .filter(tickets::Column::Number.eq(number))
        .one(&world.db.db)
        .await
        .unwrap()
        .expect("the ticket");
    clocks::Entity::find()
        .filter(clocks::Column::TicketId.eq(ticket.id))
        .filter(clocks::Column::Name.eq("repair"))
        .one(&world.db.db)
        .await
        .unwrap()
        .expect("its repair clock")
}

/// Makes every update of clock `id` fail in the database, as a broken disk or a constraint
/// would: the clock's outbox insert before it succeeds and must be rolled back with it.
async fn refuse_updates_of_clock(world: &World, id: i64) {
    let db = &world.db.db;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE FUNCTION refuse_clock() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            )
            .await
            .unwrap();
            db.execute_unprepared(&format!(
                "CREATE TRIGGER refuse_clock BEFORE UPDATE ON clocks FOR EACH ROW \
                 WHEN (OLD.id = {id}) EXECUTE FUNCTION refuse_clock()"
            ))
            .await
            .unwrap();
        }
        _ => {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER refuse_clock BEFORE UPDATE ON clocks WHEN OLD.id = {id} \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            ))
            .await
            .unwrap();
        }
    }
}

async fn allow_updates_of_clocks(world: &World) {
    let db = &world.db.db;
    let drop = match db.get_database_backend() {
        DbBackend::Postgres => "DROP TRIGGER refuse_clock ON clocks",
        _ => "DROP TRIGGER refuse_clock",
    };
    db.execute_unprepared(drop).await.unwrap();
}

async fn set_calendar(world: &World, clock: i64, calendar: &str) {
    clocks::Entity::update_many()
        .col_expr(clocks::Column::Calendar, Expr::value(calendar))
        .filter(clocks::Column::Id.eq(clock))
        .exec(&world.db.db)
        .await
        .unwrap();
}

async fn a_failing_clock_is_rolled_back_alone(backend: Backend) {
    let world = World::new(backend).await;
    let numbers = storm(&world, 5).await;
    // In one page: the second clock cannot be evaluated (its calendar is not loaded), the
    // fourth is evaluated, inserts its outbox row, then fails to advance its `next_due_at`.
    let unreadable = clock_of(&world, &numbers[1]).await;
    set_calendar(&world, unreadable.id, "nowhere-calendar").await;
    let refused = clock_of(&world, &numbers[3]).await;
    refuse_updates_of_clock(&world, refused.id).await;

    let sweeper = sweeper(&world, 50);
    let report = sweeper.sweep().await.expect("a sweep");
    assert_eq!((report.clocks, report.queued, report.failed), (5, 3, 2), "{report:?}");
    let ok = [numbers[0].clone(), numbers[2].clone(), numbers[4].clone()];
    assert_eq!(
        keys(&world).await.into_keys().collect::<BTreeSet<_>>(),
        expected(&ok, &["half/0"]),
        "the refused clock's row was rolled back with it"
    );
    for (clock, what) in [(&unreadable, "unreadable"), (&refused, "refused")] {
        let now = clock_of(&world, &numbers[if what == "refused" { 3 } else { 1 }]).await;
        assert_eq!(now.next_due_at, clock.next_due_at, "the {what} clock stays due");
    }
    // Tried again next sweep, failing again the same way, the others untouched.
    let report = sweeper.sweep().await.expect("a sweep");
    assert_eq!((report.clocks, report.queued, report.failed), (2, 0, 2), "{report:?}");

    // Mended, both are queued, once.
    set_calendar(&world, unreadable.id, "24x7").await;
    allow_updates_of_clocks(&world).await;
    let report = sweeper.sweep().await.expect("a sweep");
    assert_eq!((report.clocks, report.queued, report.failed), (2, 2, 0), "{report:?}");
    let queued = keys(&world).await;
    assert!(queued.values().all(|n| *n == 1), "{queued:?}");
    assert_eq!(
        queued.into_keys().collect::<BTreeSet<_>>(),
        expected(&numbers, &["half/0"])
    );
    assert_eq!(sweeper.sweep().await.expect("a sweep").clocks, 0);
}
both_backends!(failing_clock_alone, a_failing_clock_is_rolled_back_alone);

/// The statements a sweep of `due` due clocks runs (sea-orm's count: every query and write,
/// not `BEGIN`, `SAVEPOINT`, `RELEASE` or `COMMIT`), with their SQL.
async fn statements_of_a_sweep(world: &World) -> Vec<String> {
    statements_of_a_sweep_queuing(world, 20).await
}

/// [`statements_of_a_sweep`], which queues `queued` outbox rows.
async fn statements_of_a_sweep_queuing(world: &World, queued: usize) -> Vec<String> {
    // The tickets' own event notices are another sweep's work ([`opsclock::app::notices`]).
    notice_queue::Entity::delete_many().exec(&world.db.db).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut db = world.db.db.clone();
    let log = seen.clone();
    db.set_metric_callback(move |info| log.lock().unwrap().push(info.statement.sql.clone()));
    let sweeper = Sweeper {
        db,
        batch: 500,
        ..world.sweeper()
    };
    let report = sweeper.sweep().await.expect("a sweep");
    assert_eq!((report.queued, report.failed), (queued, 0), "{report:?}");
    seen.lock().unwrap().clone()
}

/// Twenty due clocks on one page: a couple of writes each (the outbox insert and the clock's
/// `next_due_at`) and one read per table for the page. One transaction per clock read the
/// ticket, system, unit, ladder, vendors, assignee and queued identities for each, some
/// fourteen statements a clock.
async fn a_due_clock_costs_a_few_statements(backend: Backend) {
    let world = World::new(backend).await;
    storm(&world, 20).await;
    let statements = statements_of_a_sweep(&world).await;
    println!(
        "{backend:?}: {} statements for 20 due clocks (without BEGIN/SAVEPOINT/RELEASE/COMMIT)",
        statements.len()
    );
    assert!(
        statements.len() <= 3 * 20 + 20,
        "{} statements for 20 due clocks:\n{}",
        statements.len(),
        statements.join("\n")
    );
}
both_backends!(statements_per_clock, a_due_clock_costs_a_few_statements);

/// The same twenty clocks with a first step by email and SMS: the texts go in each clock's one
/// outbox insert, the phones come with the users the sweep reads once, and the acknowledge links
/// the texts carry (the tickets wait to be acknowledged) cost one insert a clock more.
async fn a_due_clock_by_sms_costs_one_statement_more(backend: Backend) {
    use opsclock::app::escalation::ladders::{self, Scope};
    use opsclock::db::entities::users;
    let world = World::new(backend).await;
    users::Entity::update_many()
        .col_expr(users::Column::Phone, Expr::value("13800138000"))
        .filter(users::Column::Username.eq("eng"))
        .exec(&world.db.db)
        .await
        .unwrap();
    let mut steps = crate::fixture::test_ladder().steps().to_vec();
    steps[0].channels = vec![sla_clock::Channel::Email, sla_clock::Channel::Sms];
    let ladder = sla_clock::Ladder::new(steps).unwrap();
    let scope = Scope::Policy("p-test".into());
    ladders::set(&world.db.db, &world.calendars, &scope, Some(&ladder), t0())
        .await
        .unwrap();
    storm(&world, 20).await;
    // An email and a text a clock.
    let statements = statements_of_a_sweep_queuing(&world, 40).await;
    println!(
        "{backend:?}: {} statements for 20 due clocks by email and SMS",
        statements.len()
    );
    // As by email alone: who holds roles (with their phones) once a sweep, then the assignees
    // and the readers of the English copy once a page.
    let user_reads = statements.iter().filter(|s| s.contains(r#"FROM "users""#)).count();
    assert_eq!(user_reads, 3, "users are read per sweep and page, not per clock");
    assert!(
        statements.len() <= 3 * 20 + 20 + 20,
        "{} statements for 20 due clocks:\n{}",
        statements.len(),
        statements.join("\n")
    );
    let texts: Vec<String> = world
        .outbox()
        .await
        .into_iter()
        .filter(|r| r.channel == "sms")
        .map(|r| r.dedup_key)
        .collect();
    assert_eq!(texts.len(), 20, "{texts:?}");
    assert!(
        texts
            .iter()
            .all(|k| k.ends_with(&format!("/repair/half/0/sms/u{}/13800138000", world.engineer))),
        "{texts:?}"
    );
}
both_backends!(statements_per_clock_by_sms, a_due_clock_by_sms_costs_one_statement_more);
