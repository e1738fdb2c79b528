//! Group commit under SIGKILL: 64 clients create tickets at once, so that creations share
//! transactions ([`opsclock::app::group_commit`]); one request in nine names a system that does
//! not exist, refused from its plan before it reaches a group (the savepoint undo of a write
//! that fails inside a group is `tests/api/group_commit.rs`). The server is killed while groups
//! of several creations are being committed, then restarted on the same database.
//!
//! - every creation answered 2xx is stored, and every one refused is not;
//! - no ticket is half-stored: each stored one has its first event, its clocks and its audit
//!   entry, and the counter is exactly the number of tickets (a group that did not commit took
//!   back every number it had given);
//! - groups of more than one write were committed before the kill (read from `/metrics`), and
//!   requests were still unanswered when it came.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use opsclock::db::entities::{api_tokens, policies, tickets};
use opsclock::db::testing::Backend;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set};
use serde_json::json;

use crate::fixture::World;
use crate::processes::{Server, scratch, wait_for, write_config};
use crate::smtp::free_port;

/// What one client saw: numbers answered 2xx, titles refused, requests the kill left unanswered.
#[derive(Default)]
struct Seen {
    created: Vec<String>,
    refused: Vec<String>,
    unanswered: usize,
}

/// The counter `name` of `/metrics` (0 when absent).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0.0)
}

async fn sigkill_during_group_commit_loses_no_answered_ticket(backend: Backend) {
    let world = World::new(backend).await;
    let db = &world.db.db;
    // Two clocks on every ticket, as in the crash test.
    let policy = policies::Entity::find().one(db).await.unwrap().unwrap();
    let mut p = policy.into_active_model();
    p.targets = Set(json!({"fault": {"urgent": {"response": "15m", "repair": "4h"}}}));
    p.update(db).await.unwrap();
    let token = "ocp_group-kill-token";
    api_tokens::ActiveModel {
        user_id: Set(world.engineer),
        name: Set("group".into()),
        token_hash: Set(opsclock::app::auth::secret::secret_hash(token)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let dir = scratch(&format!("group-kill-{backend:?}"));
    // No mail is sent here: the port is only there for the configuration.
    let config = write_config(&dir, "group", free_port());
    let listen = format!("127.0.0.1:{}", free_port());
    let mut first = Server::start_on(&world.db.url, &config, "first", &listen);
    let base = format!("http://{listen}");
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    wait_for("the server to answer", Duration::from_secs(30), || async {
        http.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;

    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..64 {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let title = format!("group {c}-{i}");
                let system = if (c + i).is_multiple_of(9) {
                    "sy-nowhere"
                } else {
                    "sy-900"
                };
                let body = json!({"kind": "fault", "system": system, "severity": "urgent", "title": title});
                let sent = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(token)
                    .json(&body)
                    .timeout(Duration::from_secs(30))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => match r.json::<serde_json::Value>().await {
                        Ok(v) => seen.created.push(v["number"].as_str().unwrap().to_owned()),
                        // The answer was cut by the kill: unanswered.
                        Err(_) => seen.unanswered += 1,
                    },
                    Ok(r) if r.status() == 422 || r.status() == 400 => {
                        assert_eq!(system, "sy-nowhere", "refused a good ticket: {}", r.status());
                        seen.refused.push(title);
                    }
                    // A write that could not be served in time (a loaded machine): unanswered
                    // as far as the test knows, like one cut by the kill.
                    Ok(r) if r.status().is_server_error() => seen.unanswered += 1,
                    Ok(r) => panic!("unexpected answer {} before the kill", r.status()),
                    Err(_) => {
                        seen.unanswered += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
            seen
        }));
    }
    // Groups of several creations are being committed (the mean group size is over one), and
    // enough tickets exist for the kill to land among them.
    let metrics = |http: reqwest::Client, base: String| async move {
        http.get(format!("{base}/metrics"))
            .bearer_auth(token)
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()
    };
    let sizes = Arc::new(std::sync::Mutex::new((0.0, 0.0)));
    wait_for("groups of several creations", Duration::from_secs(300), || {
        let (http, base, sizes) = (http.clone(), base.clone(), sizes.clone());
        async move {
            let Some(text) = metrics(http, base).await else {
                return false;
            };
            let (groups, writes) = (
                metric(&text, "opsclock_group_commits_total"),
                metric(&text, "opsclock_group_commit_writes_total"),
            );
            *sizes.lock().unwrap() = (groups, writes);
            groups > 0.0 && writes / groups > 1.5 && tickets::Entity::find().count(db).await.unwrap() > 300
        }
    })
    .await;
    first.kill9();
    stop.store(true, Ordering::Relaxed);
    let mut seen = Seen::default();
    for c in clients {
        let s = c.await.unwrap();
        seen.created.extend(s.created);
        seen.refused.extend(s.refused);
        seen.unanswered += s.unanswered;
    }
    let (groups, writes) = *sizes.lock().unwrap();
    eprintln!(
        "{backend:?}: {groups} groups held {writes} creations before the kill; {} answered, {} refused, {} unanswered",
        seen.created.len(),
        seen.refused.len(),
        seen.unanswered
    );
    assert!(
        seen.unanswered >= 2,
        "the kill came while creations were waiting for their group"
    );
    assert!(!seen.refused.is_empty(), "the refused requests were answered");

    let rows = tickets::Entity::find().all(db).await.unwrap();
    let stored: BTreeSet<String> = rows.iter().map(|t| t.number.clone()).collect();
    let missing: Vec<_> = seen.created.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(missing.is_empty(), "answered 2xx but not stored: {missing:?}");
    let titles: BTreeSet<&str> = rows.iter().map(|t| t.title.as_str()).collect();
    let undone: Vec<_> = seen.refused.iter().filter(|t| titles.contains(t.as_str())).collect();
    assert!(undone.is_empty(), "refused but stored: {undone:?}");
    crate::crash::assert_none_half_stored(db, &rows, 2..=2).await;

    // Restarted on the same database: creation goes on from the next number.
    let second = Server::start_on(&world.db.url, &config, "second", &listen);
    wait_for("the server to answer again", Duration::from_secs(30), || async {
        http.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;
    let after = http
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(token)
        .json(&json!({"kind": "fault", "system": "sy-900", "severity": "urgent", "title": "after the kill"}))
        .send()
        .await
        .unwrap();
    assert!(after.status().is_success(), "{}\n{}", after.status(), second.log());
    assert_eq!(
        tickets::Entity::find().count(db).await.unwrap() as usize,
        rows.len() + 1
    );
    drop(second);
    let _ = std::fs::remove_dir_all(dir);
}

crate::both_backends!(
    sigkill_during_group_commit,
    sigkill_during_group_commit_loses_no_answered_ticket
);
