//! Ladders and the outbox over HTTP: who may read and change them, what bad input gets.

use axum::http::{Method, StatusCode};
use chrono::TimeDelta;
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::users;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

async fn put(t: &Harness, who: &str, path: &str, body: Value) -> crate::support::Answer {
    t.raw(
        who,
        Method::PUT,
        path,
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await
}

fn ladder() -> Value {
    json!({"steps": [
        {"id": "warn", "when": "75%", "notify": ["assignee", "vendor_manager"]},
        {"id": "late", "when": "breach", "notify": ["unit_head", "noc@bureau.test"]},
        {"id": "again", "when": "every 2h after breach, 3 times", "notify": ["buyer_ops_lead"]}
    ]})
}

both!(
    admins_set_and_remove_ladders_everyone_reads_them,
    |t: Harness| async move {
        let all = t.get("eng_a", "/api/v1/ladders").await.expect(StatusCode::OK);
        assert_eq!(all["stored"], json!([]));
        let builtin: Vec<&str> = all["builtin_default"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["when"].as_str().unwrap())
            .collect();
        assert_eq!(builtin, ["50%", "80%", "breach", "every 1h after breach, 8 times"]);

        put(&t, "eng_a", "/api/v1/ladders/P", ladder())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let set = put(&t, "admin", "/api/v1/ladders/P:urgent", ladder())
            .await
            .expect(StatusCode::OK);
        assert_eq!(set["scope"], "P:urgent");
        // Shown with each step's channels: email alone where none were given.
        let mut shown = ladder();
        for step in shown["steps"].as_array_mut().unwrap() {
            step["channels"] = json!(["email"]);
        }
        assert_eq!(set["ladder"], shown);
        put(&t, "admin", "/api/v1/ladders/default", ladder())
            .await
            .expect(StatusCode::OK);
        let all = t.get("mgr_a", "/api/v1/ladders").await.expect(StatusCode::OK);
        let scopes: Vec<&str> = all["stored"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["scope"].as_str().unwrap())
            .collect();
        assert_eq!(scopes, ["P:urgent", "default"]);

        // Bad input says what is wrong.
        let bad = json!({"steps": [{"id": "x", "when": "120%", "notify": ["assignee"]}]});
        let detail = put(&t, "admin", "/api/v1/ladders/P", bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("1 to 100"), "{detail}");
        let bad = json!({"steps": [{"id": "x", "when": "breach", "notify": ["the boss"]}]});
        let detail = put(&t, "admin", "/api/v1/ladders/P", bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("neither a role"), "{detail}");
        let detail = put(&t, "admin", "/api/v1/ladders/P:fatal", ladder())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("fatal"), "{detail}");
        let detail = put(&t, "admin", "/api/v1/ladders/NOPE", ladder())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("NOPE"), "{detail}");

        let gone = t
            .raw("admin", Method::DELETE, "/api/v1/ladders/P:urgent", None, vec![])
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        let again = t
            .raw("admin", Method::DELETE, "/api/v1/ladders/P:urgent", None, vec![])
            .await;
        again.problem(StatusCode::NOT_FOUND, "not-found");
    }
);

both!(admins_see_the_outbox_and_retry_failed_mail, |t: Harness| async move {
    // An urgent fault that began an hour ago on a system whose people have no addresses: its
    // response steps are due at once and have nobody to go to, so they are parked as failed.
    let occurred = t.now() - TimeDelta::hours(1);
    let ticket = t
        .post(
            "eng_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "down", "occurred_at": occurred}),
        )
        .await
        .expect(StatusCode::CREATED);
    assert!(
        ticket.get("escalations").is_none(),
        "only a single ticket's view lists them"
    );
    let sweeper = Sweeper {
        db: t.state.db.clone(),
        calendars: t.state.calendars.clone(),
        time: t.time.clone(),
        links: Links::new(None, "127.0.0.1:8080", "ops.test".into()),
        batch: 100,
        notices: Default::default(),
    };
    let report = sweeper.sweep().await.unwrap();
    assert!(report.queued >= 3, "{report:?}");

    // The ticket lists its escalations, by when they fell due.
    let number = ticket["number"].as_str().unwrap();
    let one = t
        .get("eng_a", &format!("/api/v1/tickets/{number}"))
        .await
        .expect(StatusCode::OK);
    let steps: Vec<String> = one["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}/{}/{}:{}",
                e["clock"].as_str().unwrap(),
                e["step"].as_str().unwrap(),
                e["repeat"],
                e["status"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        steps.len() == report.queued && steps.contains(&"response/breach/0:failed".to_owned()),
        "{steps:?}"
    );

    t.get("mgr_a", "/api/v1/outbox")
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let list = t
        .get("admin", "/api/v1/outbox?status=failed")
        .await
        .expect(StatusCode::OK);
    assert_eq!(list["counts"]["failed"].as_u64(), Some(report.queued as u64));
    let messages = list["messages"].as_array().unwrap();
    let first = messages
        .iter()
        .find(|m| m["key"].as_str().unwrap().ends_with("/response/breach/0"))
        .expect("the response breach step");
    assert_eq!(first["last_error"], "无收件人：该步骤的角色无人担任");
    assert!(first["note"].as_str().unwrap().starts_with("nobody holds:"), "{first}");
    let id = first["id"].as_i64().unwrap();

    // The unit's head gets an address and the role: a retry reaches them.
    let mut head = users::Entity::find_by_id(t.user_ids["mgr_a"])
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    head.email = Set(Some("mgr_a@ops.test".into()));
    head.notify_roles = Set(Some(json!(["unit_head"])));
    head.update(&t.db.db).await.unwrap();

    let one = t
        .get("admin", &format!("/api/v1/outbox/{id}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(one["key"], first["key"]);
    assert_eq!(one["attempts_log"], json!([]));
    let retried = t
        .post("admin", &format!("/api/v1/outbox/{id}/retry"), json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(retried["status"], "pending");
    assert_eq!(retried["recipients"], json!(["mgr_a@ops.test"]));
    assert_eq!(retried["note"], "nobody holds: assignee, vendor_manager");
    let detail = t
        .post("admin", &format!("/api/v1/outbox/{id}/retry"), json!({}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(detail.contains("only failed messages"), "{detail}");
    t.post("admin", "/api/v1/outbox/999999/retry", json!({}))
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    t.get("admin", "/api/v1/outbox?status=lost")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    // A second sweep queues nothing more: each step is in the outbox once.
    assert_eq!(sweeper.sweep().await.unwrap().queued, 0);
});
