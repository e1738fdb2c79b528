//! Crash safety: `opsclock serve` is killed with SIGKILL in the middle of a write load (eight
//! clients creating tickets as fast as it answers), then restarted on the same database.
//!
//! - every creation answered 2xx is in the database;
//! - no ticket is half-written: each has its `created` event, its clocks and its audit entry,
//!   and the ticket counter is past every number;
//! - the escalation outbox resumes: every message queued before or after the kill is delivered
//!   (or parked when nobody holds its step's roles), each sent message id arrives, and a message arrives twice only if it was being sent at the kill
//!   (the at-least-once window between the SMTP server's "250" and the row being marked sent).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use opsclock::db::entities::{api_tokens, audit_log, clocks, policies, ticket_counters, ticket_events, tickets};
use opsclock::db::testing::Backend;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use crate::fixture::World;
use crate::processes::{Server, scratch, wait_for, write_config_with_notices};
use crate::smtp::{SmtpServer, free_port};

async fn sigkill_under_write_load_loses_nothing(backend: Backend) {
    let world = World::new(backend).await;
    let db = &world.db.db;
    let policy = policies::Entity::find().one(db).await.unwrap().unwrap();
    let mut p = policy.into_active_model();
    p.targets = Set(json!({"fault": {"urgent": {"response": "15m", "repair": "4h"}}}));
    p.update(db).await.unwrap();
    let token = "ocp_crash-test-token";
    api_tokens::ActiveModel {
        user_id: Set(world.engineer),
        name: Set("crash".into()),
        token_hash: Set(opsclock::app::auth::secret::secret_hash(token)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();

    let dir = scratch(&format!("crash-{backend:?}"));
    let smtp = SmtpServer::start();
    // With the built-in event notices: each urgent ticket also queues its notices, which must
    // survive the kill like the ladder's steps.
    let config = write_config_with_notices(&dir, "crash", smtp.port);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut first = Server::start_on(&world.db.url, &config, "first", &listen);
    let base = format!("http://{listen}");
    let http = reqwest::Client::new();
    wait_for("the server to answer", Duration::from_secs(30), || async {
        http.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;

    // Eight clients create tickets until the server dies; one in 25 is backdated five hours, so
    // its escalation steps are due and queued by the sweep while the load runs.
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut confirmed = Vec::new();
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let mut body = json!({"kind": "fault", "system": "sy-900", "severity": "urgent",
                    "title": format!("crash {c}-{i}")});
                if i.is_multiple_of(25) {
                    // Five hours before the server's clock, the system's (sy-900 is 24x7: wall
                    // time, the same in any year).
                    body["received_at"] = json!(Utc::now() - TimeDelta::hours(5));
                }
                let sent = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(token)
                    .json(&body)
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        if let Ok(v) = r.json::<serde_json::Value>().await
                            && let Some(n) = v["number"].as_str()
                        {
                            confirmed.push(n.to_owned());
                        }
                    }
                    Ok(r) => panic!("unexpected answer {} before the kill", r.status()),
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            confirmed
        }));
    }
    // Let the load and at least one sweep and mail round run, then kill mid-stream. A debug
    // build on two cores shared with a compiler makes 300 tickets slowly: the wait is generous,
    // as nothing here is about speed.
    wait_for("tickets and queued escalations", Duration::from_secs(300), || async {
        tickets::Entity::find().count(db).await.unwrap() > 300
            && opsclock::db::entities::outbox::Entity::find().count(db).await.unwrap() > 0
    })
    .await;
    first.kill9();
    let killed_at = Utc::now();
    stop.store(true, Ordering::Relaxed);
    let mut confirmed = BTreeSet::new();
    for c in clients {
        confirmed.extend(c.await.unwrap());
    }
    let in_flight: Vec<String> = world
        .outbox()
        .await
        .into_iter()
        .filter(|r| r.status == "sending")
        .map(|r| r.message_id)
        .collect();

    // Every 2xx is stored; nothing is half-written.
    let rows = tickets::Entity::find().all(db).await.unwrap();
    let stored: BTreeSet<String> = rows.iter().map(|t| t.number.clone()).collect();
    let missing: Vec<_> = confirmed.difference(&stored).collect();
    assert!(missing.is_empty(), "answered 2xx but not stored: {missing:?}");
    // Over 300 were stored before the kill; up to eight were in flight, unanswered.
    assert!(
        confirmed.len() >= 250,
        "the load was real: {} confirmed",
        confirmed.len()
    );
    assert_none_half_stored(db, &rows, 2..=u64::MAX).await;

    // Restarted: the outbox resumes and drains; new writes are accepted.
    let second = Server::start_on(&world.db.url, &config, "second", &listen);
    wait_for("the server to answer again", Duration::from_secs(30), || async {
        http.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;
    let after = http
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(token)
        .json(&json!({"kind": "fault", "system": "sy-900", "severity": "urgent", "title": "after the crash"}))
        .send()
        .await
        .unwrap();
    assert!(after.status().is_success(), "{}", after.status());
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let rows = world.outbox().await;
        // Settled: sent, or parked for a reason of its own (a step whose roles nobody holds).
        if rows.iter().any(|r| r.status == "sent") && rows.iter().all(|r| r.status == "sent" || r.status == "failed") {
            break;
        }
        if std::time::Instant::now() > deadline {
            let mut by: std::collections::BTreeMap<String, usize> = Default::default();
            for r in &rows {
                *by.entry(format!("{} {:?}", r.status, r.last_error)).or_default() += 1;
            }
            panic!("the outbox did not settle: {by:?}\nlog:\n{}", second.log());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rows = world.outbox().await;
    for r in rows.iter().filter(|r| r.status == "failed") {
        assert_eq!(r.last_error.as_deref(), Some("无收件人：该步骤的角色无人担任"), "{r:?}");
    }
    let queued: BTreeSet<String> = rows
        .iter()
        .filter(|r| r.status == "sent")
        .map(|r| r.message_id.clone())
        .collect();
    let mails = smtp.messages();
    let received: BTreeSet<String> = mails.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(received, queued, "every queued message arrived; log:\n{}", second.log());
    // The urgent tickets' event notices were queued and delivered like the ladder's steps, and
    // none is left waiting in the queue.
    assert!(
        rows.iter().any(|r| r.kind == "notice" && r.status == "sent"),
        "no notice was sent"
    );
    let waiting = opsclock::db::entities::notice_queue::Entity::find()
        .count(db)
        .await
        .unwrap();
    assert_eq!(waiting, 0, "ticket events still waiting for their notices");
    let twice = mails.len() - received.len();
    assert!(
        twice <= in_flight.len(),
        "{twice} messages arrived twice, but only {} were being sent at the kill ({killed_at})",
        in_flight.len()
    );
    drop(second);
    let _ = std::fs::remove_dir_all(dir);
}

/// Each of `rows` (every ticket stored) is whole: its first event, a number of clocks in
/// `clocks`, an audit entry; and the tickets' counter (problem records, PRB-…, number in the same
/// table) is exactly the number of tickets, so no number was given to a ticket not stored.
pub(crate) async fn assert_none_half_stored(
    db: &sea_orm::DatabaseConnection,
    rows: &[tickets::Model],
    clocks: std::ops::RangeInclusive<u64>,
) {
    for t in rows {
        let first_event = ticket_events::Entity::find()
            .filter(ticket_events::Column::TicketId.eq(t.id))
            .filter(ticket_events::Column::Seq.eq(1))
            .count(db)
            .await
            .unwrap();
        assert_eq!(first_event, 1, "{} has no first event", t.number);
        let n_clocks = clocks::Entity::find()
            .filter(clocks::Column::TicketId.eq(t.id))
            .count(db)
            .await
            .unwrap();
        assert!(clocks.contains(&n_clocks), "{} has {n_clocks} clocks", t.number);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Target.eq(t.number.as_str()))
            .count(db)
            .await
            .unwrap();
        assert!(audited >= 1, "{} has no audit entry", t.number);
    }
    let counter = ticket_counters::Entity::find()
        .filter(ticket_counters::Column::Key.not_like("PRB-%"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        counter.last_value as usize,
        rows.len(),
        "the counter matches the tickets"
    );
}

crate::both_backends!(sigkill_under_write_load, sigkill_under_write_load_loses_nothing);
