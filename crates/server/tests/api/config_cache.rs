//! The configuration cache ([`opsclock::app::cache`]): what a request reads of tokens, people,
//! systems and policies is kept while the database's configuration epoch stays put, and a change
//! made behind the server's back (another replica, the command line, a hand-written `UPDATE`)
//! is seen by the very next request.

use axum::http::StatusCode;
use opsclock::app::cache::ConfigCache;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

fn response_target(t: &Value) -> String {
    t["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .find(|c| c["name"] == "response")
        .map(|c| c["target"].as_str().unwrap().to_owned())
        .expect("a response clock")
}

async fn sql(t: &Harness, text: &str) {
    t.db.db.execute_unprepared(text).await.unwrap();
}

/// The count of configuration changes (the cache keys on the random stamp drawn with each).
async fn epoch(t: &Harness) -> i64 {
    let db = &t.db.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT n FROM config_epoch WHERE id = 1",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

both!(
    a_change_behind_the_servers_back_is_seen_by_the_next_request,
    |t: Harness| async move {
        let first = t.open("eng_a", "SA", "fault", "general").await;
        assert_eq!(response_target(&first), "1h");
        // Nothing changed: the next creation reads its token, person, system and policy from
        // memory.
        let (hits, _) = t.state.ctx.cache.counted();
        let second = t.open("eng_a", "SA", "fault", "general").await;
        assert_eq!(response_target(&second), "1h");
        let (hits_after, _) = t.state.ctx.cache.counted();
        assert!(hits_after >= hits + 4, "served from memory: {hits} → {hits_after}");

        // Another process changes the policy: the next ticket opens on the new targets.
        let before = epoch(&t).await;
        let stamp = ConfigCache::epoch(&t.db.db).await.unwrap();
        let mut targets = crate::support::policy_targets();
        targets["fault"]["general"]["response"] = json!("2h");
        let set = Statement::from_sql_and_values(
            t.db.db.get_database_backend(),
            match t.db.db.get_database_backend() {
                DbBackend::Postgres => "UPDATE policies SET targets = $1::jsonb WHERE id = $2",
                _ => "UPDATE policies SET targets = ? WHERE id = ?",
            },
            [targets.to_string().into(), t.ids.policy.into()],
        );
        t.db.db.execute_raw(set).await.unwrap();
        assert!(epoch(&t).await > before, "a changed policy moves the epoch");
        assert_ne!(
            ConfigCache::epoch(&t.db.db).await.unwrap(),
            stamp,
            "and draws a new stamp"
        );
        let third = t.open("eng_a", "SA", "fault", "general").await;
        assert_eq!(response_target(&third), "2h");

        // A token deleted behind the server's back stops working at once; so does a person
        // disabled.
        t.get("eng_b", "/api/v1/tickets").await.expect(StatusCode::OK);
        let eng_b = t.user_ids["eng_b"];
        sql(&t, &format!("DELETE FROM api_tokens WHERE user_id = {eng_b}")).await;
        assert_eq!(t.get("eng_b", "/api/v1/tickets").await.status, StatusCode::UNAUTHORIZED);
        t.get("mgr_a", "/api/v1/tickets").await.expect(StatusCode::OK);
        let mgr_a = t.user_ids["mgr_a"];
        sql(&t, &format!("UPDATE users SET disabled = true WHERE id = {mgr_a}")).await;
        assert_eq!(t.get("mgr_a", "/api/v1/tickets").await.status, StatusCode::UNAUTHORIZED);

        // A system moved to another vendor leaves its old vendor's scope at once.
        let (sys_a, vendor_b) = (t.ids.sys_a, t.ids.vendor_b);
        sql(
            &t,
            &format!("UPDATE system_vendors SET vendor_id = {vendor_b} WHERE system_id = {sys_a}"),
        )
        .await;
        let refused = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "severity": "general", "title": "moved"}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", refused.body);
    }
);

both!(
    what_a_ticket_write_touches_does_not_empty_the_cache,
    |t: Harness| async move {
        t.open("eng_a", "SA", "fault", "urgent").await;
        let before = epoch(&t).await;
        // Tickets, their problem detection's no-op claim on the system, a token's last use: none
        // of them is configuration.
        t.open("eng_a", "SA", "fault", "general").await;
        sql(
            &t,
            &format!("UPDATE systems SET name = name WHERE id = {}", t.ids.sys_a),
        )
        .await;
        sql(&t, "UPDATE api_tokens SET last_used_at = NULL").await;
        assert_eq!(epoch(&t).await, before);
        // A real change of any column does.
        sql(
            &t,
            &format!("UPDATE systems SET name = 'System A2' WHERE id = {}", t.ids.sys_a),
        )
        .await;
        assert_eq!(epoch(&t).await, before + 1);
        sql(&t, "UPDATE api_tokens SET name = 'renamed'").await;
        assert!(epoch(&t).await > before + 1);
    }
);

both!(
    every_cached_table_moves_the_epoch_on_a_change_of_any_of_its_columns,
    |t: Harness| async move {
        let db = &t.db.db;
        let backend = db.get_database_backend();
        for table in migration::EPOCH_TABLES {
            let (sql, compared) = match backend {
                DbBackend::Postgres => (
                    format!(
                        "SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgname = 'opsclock_epoch_{table}_u'"
                    ),
                    "old.{c} IS DISTINCT FROM new.{c}",
                ),
                _ => (
                    format!(
                        "SELECT sql AS def FROM sqlite_master WHERE type = 'trigger' AND name = 'opsclock_epoch_{table}_u'"
                    ),
                    "OLD.{c} IS NOT NEW.{c}",
                ),
            };
            let row = db
                .query_one_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{table} has no epoch trigger"));
            let def: String = row.try_get("", "def").unwrap();
            let def = def.replace('"', "");
            for c in migration::columns_of(db, backend, table).await.unwrap() {
                let skipped = migration::EPOCH_SKIPS.contains(&(table, c.as_str()));
                let wanted = compared.replace("{c}", &c);
                assert_eq!(
                    def.contains(&wanted),
                    !skipped,
                    "{table}.{c}: the epoch trigger must compare every column but the skipped ones \
                     (a migration that adds a column calls migration::epoch_triggers): {def}"
                );
            }
        }
    }
);

/// On PostgreSQL the epoch moves at the commit: two transactions changing the configuration
/// cannot deadlock over it (each would hold its own rows and wait for the epoch's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_configuration_writes_do_not_deadlock_over_the_epoch() {
    use sea_orm::TransactionTrait;
    let t = Harness::new(opsclock::db::testing::Backend::Postgres).await;
    let before = epoch(&t).await;
    let (policy, system) = (t.ids.policy, t.ids.sys_a);
    let a = t.db.db.begin().await.unwrap();
    a.execute_unprepared(&format!("UPDATE policies SET name = 'by a' WHERE id = {policy}"))
        .await
        .unwrap();
    let b = t.db.db.begin().await.unwrap();
    // Had a's change taken the epoch's row, this would wait for a …
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        b.execute_unprepared(&format!("UPDATE systems SET name = 'by b' WHERE id = {system}")),
    )
    .await
    .expect("b's change does not wait for a's")
    .unwrap();
    // … and a, waiting for b's system, would be a deadlock.
    let a_done = tokio::spawn(async move {
        a.execute_unprepared(&format!("UPDATE systems SET name = 'by a' WHERE id = {system}"))
            .await?;
        a.commit().await
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    b.commit().await.unwrap();
    a_done.await.unwrap().expect("a commits after b");
    assert_eq!(epoch(&t).await, before + 2, "each transaction moved the epoch once");
}

both!(
    an_unreadable_window_long_over_stops_no_ticket,
    |t: Harness| async move {
        // A window of last year whose document was edited by hand into nonsense: the cache keeps
        // every window's row, but only those live when a ticket opens are read.
        use opsclock::db::entities::major_events;
        use sea_orm::{ActiveModelTrait, Set};
        let now = t.now();
        major_events::ActiveModel {
            code: Set("old".into()),
            name: Set("last year".into()),
            starts_at: Set(now - chrono::TimeDelta::days(400)),
            ends_at: Set(now - chrono::TimeDelta::days(390)),
            document: Set(json!({"nonsense": true})),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&t.db.db)
        .await
        .unwrap();
        t.open("eng_a", "SA", "fault", "general").await;
        t.open("eng_a", "SA", "fault", "general").await;
    }
);
