//! Problem detection for a batch of new tickets ([`opsclock::app::problems::detect_batch`]) gives
//! the answers detecting them one by one gives ([`opsclock::app::problems::detect_new`], each
//! seeing the tickets before it and not those after): the same problems, the same links, for
//! batches drawn at random over a history of linked, unlinked, cancelled tickets and a closed
//! problem, on two systems and three classes; and the same audit entries (each link or opening
//! with the tickets that joined, sent with the links in one round trip on SQLite).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use opsclock::db::entities::{problem_tickets, problems, systems, tickets};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set, TransactionTrait};
use serde_json::json;

use crate::both;
use crate::support::Harness;

/// A small deterministic generator (xorshift), so that a failure names its seed.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What a ticket is drawn as: system (0: SA, 1: SB), class, hours from now, cancelled.
type Shape = (usize, Option<&'static str>, i64, bool);

fn shape(d: &mut Draw) -> Shape {
    let class = [Some("latent"), Some("occasional"), None][d.below(3) as usize];
    (d.below(2) as usize, class, d.below(121) as i64 - 60, d.below(8) == 0)
}

async fn insert(
    db: &impl sea_orm::ConnectionTrait,
    template: &tickets::Model,
    systems: &[systems::Model],
    number: &str,
    (system, class, hours, cancelled): Shape,
    now: DateTime<Utc>,
) -> tickets::Model {
    let mut row: tickets::ActiveModel = template.clone().into();
    row.id = NotSet;
    row.number = Set(number.to_owned());
    row.system_id = Set(systems[system].id);
    row.category = Set(class.map(str::to_owned));
    row.occurred_at = Set(now + TimeDelta::hours(hours));
    if cancelled {
        row.status = Set(opsclock::db::Key(ticket_domain::Status::Cancelled));
    }
    row.insert(db).await.unwrap()
}

/// The problem audit entries after a detection: action, problem, the tickets that joined.
async fn entries(db: &impl sea_orm::ConnectionTrait) -> Vec<(String, String, Vec<String>)> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut out: Vec<(String, String, Vec<String>)> = opsclock::db::entities::audit_log::Entity::find()
        .filter(opsclock::db::entities::audit_log::Column::Action.starts_with("problem."))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let mut joined: Vec<String> = e.detail["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            joined.sort();
            (e.action, e.target, joined)
        })
        .collect();
    out.sort();
    out
}

/// The links in the database after a detection: ticket number → problem number.
async fn links(db: &impl sea_orm::ConnectionTrait) -> BTreeMap<String, String> {
    let problems: BTreeMap<i64, String> = problems::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.number))
        .collect();
    let tickets: BTreeMap<i64, String> = tickets::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect();
    problem_tickets::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (tickets[&l.ticket_id].clone(), problems[&l.problem_id].clone()))
        .collect()
}

both!(a_batch_links_as_one_by_one_would, |t: Harness| async move {
    let policy = format!("/api/v1/policies/{}", t.ids.policy);
    t.patch(
        "admin",
        &policy,
        json!({
            "categories": [
                {"code": "latent", "name": "潜伏故障", "kinds": ["request"]},
                {"code": "occasional", "name": "偶然故障", "kinds": ["request"]},
            ],
            "recurrence": {"count": 3, "within_days": 2},
        }),
    )
    .await
    .expect(axum::http::StatusCode::OK);
    let opened = t
        .post(
            "mgr_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "general", "title": "样板"}),
        )
        .await
        .expect(axum::http::StatusCode::CREATED);
    let db = &t.db.db;
    let template = tickets::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(template.number, opened["number"].as_str().unwrap());
    let systems = vec![
        systems::Entity::find_by_id(t.ids.sys_a).one(db).await.unwrap().unwrap(),
        systems::Entity::find_by_id(t.ids.sys_b).one(db).await.unwrap().unwrap(),
    ];
    let now = t.now();
    // A history: 40 tickets, some in an open problem, some in a closed one.
    let mut d = Draw(0x005e_ed0f_0b5e);
    let mut history = Vec::new();
    for n in 0..40 {
        history.push(insert(db, &template, &systems, &format!("H-{n:03}"), shape(&mut d), now).await);
    }
    // Of the six classes (two systems, three categories): three have an open problem holding
    // their tickets but every fifth, one a closed problem holding all, two none.
    let classes: Vec<(i64, Option<String>)> = systems
        .iter()
        .flat_map(|s| [Some("latent"), Some("occasional"), None].map(|c| (s.id, c.map(str::to_owned))))
        .collect();
    for (c, (system_id, category)) in classes.iter().enumerate().take(4) {
        let state = if c == 3 { "closed" } else { "open" };
        let p = problems::ActiveModel {
            number: Set(format!("PRB-H-{c}")),
            system_id: Set(*system_id),
            category: Set(category.clone()),
            title: Set("history".to_owned()),
            state: Set(state.to_owned()),
            version: Set(1),
            opened_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let members = history
            .iter()
            .filter(|h| h.system_id == *system_id && h.category == *category);
        for (n, h) in members.enumerate() {
            if state == "open" && n % 5 == 4 {
                continue;
            }
            problem_tickets::ActiveModel {
                problem_id: Set(p.id),
                ticket_id: Set(h.id),
                linked_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
    }
    let mut linked_some = 0;
    for seed in 1..=40u64 {
        let mut d = Draw(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let shapes: Vec<Shape> = (0..2 + d.below(14)).map(|_| shape(&mut d)).collect();
        let mut answers = Vec::new();
        for together in [true, false] {
            let txn = db.begin().await.unwrap();
            let mut rows = Vec::new();
            for (n, s) in shapes.iter().enumerate() {
                let s = (s.0, s.1, s.2, false);
                rows.push(insert(&txn, &template, &systems, &format!("B-{seed}-{n:02}"), s, now).await);
            }
            let found = if together {
                let opened: Vec<_> = rows
                    .iter()
                    .map(|r| (r, &systems[usize::from(r.system_id != systems[0].id)], now))
                    .collect();
                opsclock::app::problems::detect_batch(&txn, &opened).await.unwrap()
            } else {
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                let mut found = Vec::new();
                for (k, r) in rows.iter().enumerate() {
                    let system = &systems[usize::from(r.system_id != systems[0].id)];
                    found.push(
                        opsclock::app::problems::detect_new(&txn, r, system, now, &ids[k + 1..])
                            .await
                            .unwrap(),
                    );
                }
                found
            };
            answers.push((found, links(&txn).await, entries(&txn).await));
            txn.rollback().await.unwrap();
        }
        assert_eq!(answers[0], answers[1], "seed {seed}: {shapes:?}");
        linked_some += answers[0].0.iter().filter(|p| p.is_some()).count();
    }
    // The draws exercise the linking, not only the "no recurrence" answer.
    assert!(linked_some > 20, "only {linked_some} tickets linked over the draws");
});
