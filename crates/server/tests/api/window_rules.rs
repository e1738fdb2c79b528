//! A setting that parses but cannot be applied (issue 25): refused when it is saved, with a 422
//! naming the field; and one stored anyway (saved before the check, or a calendar changed since)
//! never stops a ticket from opening: the ticket opens on the usual targets and says why.

use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Answer, Harness};

async fn put(t: &Harness, who: &str, path: &str, body: Value) -> Answer {
    t.raw(
        who,
        Method::PUT,
        path,
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await
}

/// A window over unit A around the harness's "now" whose repair target is `repair`; far beyond
/// what any calendar counts (the built-in ones go provisionally up to 2031).
fn window(repair: &str) -> Value {
    json!({"code": "long", "name": "年终重保", "units": ["UA"],
        "starts": "2026-11-20T00:00:00+08:00", "ends": "2026-12-05T00:00:00+08:00",
        "targets": {"response": "10m", "repair": repair}})
}

both!(
    a_window_target_that_cannot_be_counted_is_refused_and_never_stops_an_opening,
    |t: Harness| async move {
        let answer = put(&t, "mgr_a", "/api/v1/windows/long", window("3000d")).await;
        assert_eq!(answer.body["field"], "targets.repair", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("3000d"), "{detail}");

        // Stored without the check (as before it existed): tickets in its scope still open, on
        // the usual targets, and say why.
        let doc: opsclock::app::duty::windows::WindowDoc = serde_json::from_value(window("3000d")).unwrap();
        opsclock::db::entities::major_events::ActiveModel {
            code: Set(doc.code.clone()),
            name: Set(doc.name.clone()),
            starts_at: Set(doc.starts),
            ends_at: Set(doc.ends),
            document: Set(serde_json::to_value(&doc).unwrap()),
            updated_at: Set(t.now()),
            ..Default::default()
        }
        .insert(&t.state.db)
        .await
        .unwrap();
        let opened = t
            .post(
                "mgr_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "断网"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let targets: Vec<String> = opened["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c["name"].as_str().unwrap(), c["target"].as_str().unwrap()))
            .collect();
        assert_eq!(targets, ["response=15m", "arrival=2h", "repair=4h"], "{opened}");
        let read = t
            .get(
                "mgr_a",
                &format!("/api/v1/tickets/{}", opened["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(read["major_event"]["code"], "long", "{read}");
        let reason = read["major_event"]["reason"].as_str().unwrap();
        assert!(
            reason.contains("could not be applied") && reason.contains("usual targets"),
            "{reason}"
        );
        // Other systems are not in its scope and open as ever.
        t.post(
            "mgr_b",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SB", "severity": "urgent", "title": "x"}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
);

both!(
    a_policy_target_that_cannot_be_counted_is_refused,
    |t: Harness| async move {
        let mut targets = crate::support::policy_targets();
        targets["fault"]["minor"]["repair"] = json!("3000d");
        let path = format!("/api/v1/policies/{}", t.ids.policy);
        let answer = t.patch("admin", &path, json!({ "targets": targets })).await;
        assert_eq!(answer.body["field"], "targets.fault.minor.repair", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("3000d"), "{detail}");
        // Nothing changed: the policy's tickets still open.
        t.post(
            "mgr_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "minor", "title": "x"}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
);

both!(
    a_window_s_immediate_response_is_a_zero_minute_clock_as_in_the_catalogue,
    |t: Harness| async move {
        // "立即" in a window reads as a catalogue tier reads it (docs/catalog.md "Durations and
        // immediate"): a 0m target, due when the clocks start — stricter than the usual 15 min.
        let mut w = window("2h");
        w["targets"]["response"] = json!("立即");
        put(&t, "mgr_a", "/api/v1/windows/long", w).await.expect(StatusCode::OK);
        let opened = t.open("mgr_a", "SA", "fault", "urgent").await;
        let targets: Vec<String> = opened["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c["name"].as_str().unwrap(), c["target"].as_str().unwrap()))
            .collect();
        assert_eq!(targets, ["response=0m", "arrival=2h", "repair=2h"], "{opened}");
        // A repair "at once" is refused, as the catalogue refuses it.
        let mut w = window("immediate");
        w["code"] = json!("later");
        let answer = put(&t, "mgr_a", "/api/v1/windows/later", w).await;
        assert_eq!(answer.body["field"], "targets.repair", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            detail.contains("only response and arrival may be immediate"),
            "{detail}"
        );
    }
);
