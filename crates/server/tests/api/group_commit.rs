//! Group commit of ticket creations ([`opsclock::app::group_commit`]): writes queued together
//! share one transaction; one that fails is undone alone, the others are stored with gap-free
//! numbers, and each is answered after the commit.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use opsclock::app::AppError;
use opsclock::app::group_commit::{Batch, GroupCommit, TxnFuture};
use opsclock::db::entities::{audit_log, ticket_events, tickets};
use opsclock::http::AppState;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::both;
use crate::support::Harness;

both!(
    a_group_keeps_its_good_writes_and_undoes_a_failing_one_alone,
    |t: Harness| async move {
        // A committer of its own whose turn the test holds: every creation below queues, and the
        // whole burst is one group once the turn is let go (on PostgreSQL too, which has no turn of
        // its own).
        let turn = Arc::new(tokio::sync::Semaphore::new(1));
        let held = turn.clone().acquire_owned().await.unwrap();
        let mut ctx = t.state.ctx.clone();
        ctx.turn = Some(turn.clone());
        ctx.group = GroupCommit::with_budget(ctx.db.clone(), Some(turn), Duration::from_secs(120));
        let group = ctx.group.clone();
        let app = opsclock::serve::app(AppState { ctx, ..t.state.clone() });
        let now = t.now();
        let mut sent = Vec::new();
        for i in 0..24 {
            let mut who = "eng_a";
            let mut body =
                json!({"kind": "fault", "system": "SA", "severity": "general", "title": format!("burst {i}")});
            if i % 6 == 5 {
                // System B's calendar (cn-5x8) publishes nothing for 2001: the ticket cannot be
                // measured, which its request finds as it makes the ticket ready, before it
                // queues. It is the request's mistake (422), answered at once.
                who = "eng_b";
                body["system"] = json!("SB");
                body["received_at"] = json!("2001-03-01T02:00:00Z");
                body["title"] = json!(format!("refused {i}"));
            }
            let req = Request::post("/api/v1/tickets")
                .header(header::AUTHORIZATION, format!("Bearer {}", t.tokens[who]))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let app = app.clone();
            sent.push(tokio::spawn(async move {
                let res = app.oneshot(req).await.unwrap();
                let status = res.status();
                let body: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
                (i, status, body)
            }));
        }
        let waited = std::time::Instant::now();
        while group.waiting() < 20 {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "only {} queued",
                group.waiting()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(group.committed(), (0, 0), "nothing is written while the turn is held");
        drop(held);
        let mut created = Vec::new();
        for s in sent {
            let (i, status, body) = s.await.unwrap();
            if i % 6 == 5 {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{i}: {body}");
            } else {
                assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
                // This committer reads no configuration cache, so each ticket is opened afresh in
                // the group (its configuration cannot be known unchanged): its clocks are shown all
                // the same.
                assert!(
                    body["clocks"].as_array().is_some_and(|c| !c.is_empty()),
                    "{i}: no clocks in {body}"
                );
                created.push(body["number"].as_str().unwrap().to_owned());
            }
        }
        // One group held the 20 and kept them; the four refused took no number.
        assert_eq!(group.committed(), (1, 20));
        created.sort();
        let year = now.format("%Y").to_string();
        let expected: Vec<String> = (1..=20).map(|n| format!("INC-{year}-{n:06}")).collect();
        assert_eq!(created, expected, "gap-free numbers");
        let rows = tickets::Entity::find().all(&t.db.db).await.unwrap();
        assert_eq!(rows.len(), 20);
        assert!(
            rows.iter().all(|r| r.title.starts_with("burst ")),
            "a refused write was stored"
        );
        for r in &rows {
            let events = ticket_events::Entity::find()
                .filter(ticket_events::Column::TicketId.eq(r.id))
                .count(&t.db.db)
                .await
                .unwrap();
            assert!(events >= 1, "{} has no events", r.number);
            let audited = audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq("ticket.open"))
                .filter(audit_log::Column::Target.eq(r.number.as_str()))
                .count(&t.db.db)
                .await
                .unwrap();
            assert_eq!(audited, 1, "{} is audited once", r.number);
        }
    }
);

/// A batch whose items each add an audit entry, and fail (all together) if one of them is bad.
struct Flaky;

impl Batch for Flaky {
    type Item = (String, bool);
    type Out = String;

    fn write<'t>(txn: &'t DatabaseTransaction, items: &'t [(String, bool)]) -> TxnFuture<'t, Vec<String>> {
        Box::pin(async move {
            let entries = items.iter().map(|(name, _)| audit_log::ActiveModel {
                at: Set(chrono::Utc::now()),
                action: Set("test.flaky".into()),
                target: Set(name.clone()),
                detail: Set(json!({})),
                ..Default::default()
            });
            audit_log::Entity::insert_many(entries)
                .exec_without_returning(txn)
                .await?;
            if let Some((name, _)) = items.iter().find(|(_, bad)| *bad) {
                return Err(AppError::invalid("item", format!("{name} is bad")));
            }
            Ok(items.iter().map(|(name, _)| name.clone()).collect())
        })
    }
}

both!(
    a_batch_with_a_bad_item_is_written_again_item_by_item_and_only_the_bad_one_fails,
    |t: Harness| async move {
        let turn = Arc::new(tokio::sync::Semaphore::new(1));
        let held = turn.clone().acquire_owned().await.unwrap();
        let group = GroupCommit::with_budget(t.db.db.clone(), Some(turn), Duration::from_secs(120));
        let mut sent = Vec::new();
        for i in 0..24 {
            let group = group.clone();
            let item = (format!("item {i}"), i % 6 == 5);
            sent.push(tokio::spawn(async move { group.run_batched::<Flaky>(item).await }));
        }
        let waited = std::time::Instant::now();
        while group.waiting() < 24 {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "only {} queued",
                group.waiting()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(held);
        for (i, s) in sent.into_iter().enumerate() {
            match s.await.unwrap() {
                Ok(name) => {
                    assert_ne!(i % 6, 5, "item {i} is bad and was answered as written");
                    assert_eq!(name, format!("item {i}"));
                }
                Err(e) => {
                    assert_eq!(i % 6, 5, "item {i} failed: {e}");
                    assert!(e.to_string().contains("is bad"), "{e}");
                }
            }
        }
        // One group, one batch: its 20 good items kept, after the batch failed and each was
        // written again alone.
        assert_eq!(group.committed(), (1, 20));
        assert_eq!(group.fallbacks(), 1);
        let mut stored: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("test.flaky"))
            .all(&t.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.target)
            .collect();
        stored.sort();
        let mut expected: Vec<String> = (0..24).filter(|i| i % 6 != 5).map(|i| format!("item {i}")).collect();
        expected.sort();
        assert_eq!(stored, expected, "exactly the good items are stored, once each");
    }
);

both!(
    a_caller_holding_the_write_turn_writes_alone_instead_of_waiting_for_a_group,
    |t: Harness| async move {
        // The turn is held, as by a request admitted to write: a group could never begin, so a write
        // from inside that request must not queue for one.
        let turn = Arc::new(tokio::sync::Semaphore::new(1));
        let _held = turn.clone().acquire_owned().await.unwrap();
        let group = GroupCommit::new(t.db.db.clone(), Some(turn));
        let write = group.run(|txn| {
            Box::pin(async move {
                use sea_orm::ConnectionTrait;
                txn.execute_unprepared("UPDATE tickets SET title = title WHERE id = -1")
                    .await?;
                Ok(7)
            })
        });
        let written = tokio::time::timeout(
            Duration::from_secs(20),
            opsclock::app::group_commit::holding_turn(write),
        )
        .await
        .expect("a write from a request holding the turn waited for a group: a deadlock");
        assert_eq!(written.unwrap(), 7);
        assert_eq!(group.committed(), (0, 0), "written alone, not in a group");
        assert_eq!(group.waiting(), 0);
    }
);
