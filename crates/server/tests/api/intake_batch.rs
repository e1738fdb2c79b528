//! A notification's alerts are taken in together, in one transaction with a savepoint per alert
//! (issue 31, the alert storm): an alert that fails is rolled back alone and parked, the others
//! commit; what is read once for the whole notification does not hide what its earlier alerts
//! wrote; two notifications carrying the same alerts at once still open each ticket once.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::both;
use crate::intake::{notification, rules, source};
use crate::support::{Answer, Harness};
use opsclock::db::entities::{audit_log, tickets};

async fn deliver(t: &Harness, token: &str, body: &Value) -> Answer {
    let bearer = format!("Bearer {token}");
    t.with_headers(
        "",
        Method::POST,
        "/api/v1/intake/alertmanager",
        Some("application/json"),
        &[("authorization", &bearer)],
        body.to_string().into_bytes(),
    )
    .await
}

/// One alert as Alertmanager writes it in a notification.
fn alert(fingerprint: &str, firing: bool, system: &str, starts: DateTime<Utc>, ends: Option<DateTime<Utc>>) -> Value {
    let labels = json!({"alertname": format!("Down-{fingerprint}"), "system": system, "severity": "critical"});
    notification(fingerprint, firing, labels, starts, ends)["alerts"][0].clone()
}

/// A notification of `alerts`.
fn of(alerts: Vec<Value>) -> Value {
    let mut body = notification("x", true, json!({}), Utc::now(), None);
    body["alerts"] = json!(alerts);
    body
}

fn outcomes(report: &Value) -> Vec<(String, Option<String>)> {
    report["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["outcome"].as_str().unwrap().to_owned(),
                r["ticket"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The sequence number at the end of a ticket number (`…-000012` → 12).
fn seq(number: &str) -> u64 {
    number.rsplit('-').next().unwrap().parse().unwrap()
}

fn at_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap()
}

both!(
    a_notification_commits_together_and_an_alert_that_fails_is_rolled_back_alone,
    |t: Harness| async move {
        let token = source(&t, "prom", "alertmanager").await;
        rules(
            &t,
            json!([
                {"name": "system-a", "matchers": ["system=\"a\""], "system": "SA"},
                {"name": "system-b", "matchers": ["system=\"b\""], "system": "SB"}
            ]),
        )
        .await;
        let starts = at_millis(t.now() - TimeDelta::minutes(10));
        let later = at_millis(t.now() - TimeDelta::minutes(5));
        // System B's calendar (cn-5x8) publishes nothing for 2001: that alert's ticket is begun
        // (numbered, written) and then cannot be, so its savepoint is rolled back.
        let ancient: DateTime<Utc> = "2001-03-01T02:00:00Z".parse().unwrap();

        let first = deliver(&t, &token, &of(vec![alert("fp-open", true, "a", starts, None)]))
            .await
            .expect(StatusCode::OK);
        let open = outcomes(&first)[0].1.clone().unwrap();

        let report = deliver(
            &t,
            &token,
            &of(vec![
                alert("fp-b", true, "b", starts, None),
                alert("fp-open", true, "a", starts, None),
                alert("fp-2001", true, "b", ancient, None),
                alert("fp-open", true, "a", later, None),
                alert("fp-a", true, "a", starts, None),
                // The same alert again within the notification: it joins the ticket its first
                // notification just opened, and its resolution is recorded there.
                alert("fp-a", true, "a", starts, None),
                alert("fp-a", false, "a", starts, Some(later)),
                alert("fp-c", true, "b", starts, None),
            ]),
        )
        .await
        .expect(StatusCode::OK);
        let got = outcomes(&report);
        let kinds: Vec<&str> = got.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "opened", "repeated", "triage", "added", "opened", "repeated", "resolved", "opened"
            ],
            "{report}"
        );
        assert!(
            report["received"][2]["reason"].as_str().unwrap().contains("2001"),
            "{report}"
        );
        let (b, a, c) = (
            got[0].1.clone().unwrap(),
            got[4].1.clone().unwrap(),
            got[7].1.clone().unwrap(),
        );
        assert_eq!((got[1].1.as_deref(), got[3].1.as_deref()), (Some(&*open), Some(&*open)));
        assert_eq!((got[5].1.as_deref(), got[6].1.as_deref()), (Some(&*a), Some(&*a)));

        // Nothing of the failed alert is left: its ticket number was handed out again (the
        // numbers run on without a gap), no ticket row or audit entry remains of it.
        assert_eq!(
            [seq(&b), seq(&a), seq(&c)],
            [seq(&open) + 1, seq(&open) + 2, seq(&open) + 3],
            "{open} {b} {a} {c}"
        );
        assert_eq!(tickets::Entity::find().count(&t.db.db).await.unwrap(), 4);
        let opened: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("ticket.open"))
            .order_by_asc(audit_log::Column::Id)
            .all(&t.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.target)
            .collect();
        assert_eq!(opened, [open.clone(), b, a.clone(), c], "one audit entry per ticket");

        // The failed alert waits in triage; the others are on their tickets.
        let queue = t
            .get("admin", "/api/v1/intake/alerts?triage=true")
            .await
            .expect(StatusCode::OK);
        let queue = queue.as_array().unwrap();
        assert_eq!(queue.len(), 1, "{queue:?}");
        assert_eq!(queue[0]["fingerprint"], "fp-2001");
        let ticket = t
            .get("admin", &format!("/api/v1/tickets/{a}"))
            .await
            .expect(StatusCode::OK);
        let resolved =
            ticket["timeline"].as_array().unwrap().iter().any(|e| {
                e["type"] == "commented" && e["data"]["text"].as_str().unwrap_or_default().contains("告警已恢复")
            });
        assert!(resolved, "{}", ticket["timeline"]);
        let episodes = t
            .get("admin", &format!("/api/v1/intake/alerts?ticket={a}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(episodes.as_array().unwrap().len(), 1, "{episodes}");
        assert_eq!(episodes[0]["notifications"], 3, "{episodes}");
        assert_eq!(episodes[0]["status"], "resolved", "{episodes}");

        // Alertmanager repeats the whole notification: counted, nothing new.
        let again = deliver(&t, &token, &of(vec![alert("fp-b", true, "b", starts, None)]))
            .await
            .expect(StatusCode::OK);
        assert_eq!(outcomes(&again)[0].0, "repeated", "{again}");
        assert_eq!(tickets::Entity::find().count(&t.db.db).await.unwrap(), 4);
    }
);

both!(
    notifications_carrying_the_same_alerts_at_once_open_each_ticket_once,
    |t: Harness| async move {
        let token = source(&t, "prom", "alertmanager").await;
        rules(
            &t,
            json!([{"name": "system-a", "matchers": ["system=\"a\""], "system": "SA"}]),
        )
        .await;
        let starts = at_millis(t.now() - TimeDelta::minutes(10));
        let fingerprints: Vec<String> = (0..12).map(|i| format!("fp-{i:02}")).collect();
        let forward: Vec<Value> = fingerprints.iter().map(|f| alert(f, true, "a", starts, None)).collect();
        let backward: Vec<Value> = forward.iter().rev().cloned().collect();
        // Two monitors (or one retrying) send the same alerts at once, in opposite orders: on
        // PostgreSQL each notification locks all its fingerprints, so they wait for each other
        // instead of deadlocking.
        let (forward, backward) = (of(forward), of(backward));
        let (one, two, three) = tokio::join!(
            deliver(&t, &token, &forward),
            deliver(&t, &token, &backward),
            deliver(&t, &token, &forward),
        );
        let reports = [
            one.expect(StatusCode::OK),
            two.expect(StatusCode::OK),
            three.expect(StatusCode::OK),
        ];
        let mut opened = Vec::new();
        for report in &reports {
            for (outcome, ticket) in outcomes(report) {
                match outcome.as_str() {
                    "opened" => opened.push(ticket.unwrap()),
                    "repeated" => assert!(ticket.is_some(), "{report}"),
                    other => panic!("{other}: {report}"),
                }
            }
        }
        opened.sort();
        opened.dedup();
        assert_eq!(opened.len(), fingerprints.len(), "{reports:?}");
        assert_eq!(
            tickets::Entity::find().count(&t.db.db).await.unwrap(),
            fingerprints.len() as u64
        );
        let queue = t
            .get("admin", "/api/v1/intake/alerts?triage=true")
            .await
            .expect(StatusCode::OK);
        assert_eq!(queue.as_array().unwrap().len(), 0, "{queue}");
        let rows = t
            .get("admin", "/api/v1/intake/alerts?limit=1000")
            .await
            .expect(StatusCode::OK);
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), fingerprints.len(), "one row per alert: {rows:?}");
        assert!(rows.iter().all(|r| r["notifications"] == 3), "{rows:?}");
    }
);
