//! The clocks in API answers are exactly what `sla-clock` computes for the system's policy.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::json;
use sla_clock::{Clock, SlaDuration};

use crate::both;

both!(
    api_clocks_match_sla_clock_for_the_policy,
    |t: crate::support::Harness| async move {
        // System B runs on cn-5x8. A fault at 15:00 on Wednesday 2026-09-30, before National Day.
        let occurred: DateTime<Utc> = "2026-09-30T15:00:00+08:00".parse().unwrap();
        let cn = &t.state.calendars.snapshot()["cn-5x8"].clone();
        for (severity, response, repair) in [
            ("urgent", "15m", "4h"),
            ("serious", "30m", "8h"),
            ("general", "1h", "2wd"),
            ("minor", "8h", "7wd"),
        ] {
            let v = t
                .post(
                    "eng_b",
                    "/api/v1/tickets",
                    json!({"kind": "fault", "system": "SB", "severity": severity, "title": "t",
                       "occurred_at": occurred, "received_at": occurred}),
                )
                .await
                .expect(StatusCode::CREATED);
            for (i, target) in [(0, response), (1, repair)] {
                let d: SlaDuration = target.parse().unwrap();
                let want = cn.deadline(occurred, d).unwrap();
                let got: DateTime<Utc> = v["clocks"][i]["deadline"].as_str().unwrap().parse().unwrap();
                assert_eq!(got, want, "{severity} clock {i} ({target})");
                assert_eq!(v["clocks"][i]["target"], target);
            }
        }
        // The worked example through the API: 7wd from Thursday 2026-09-24 15:00 → 2026-10-12 17:00.
        let start: DateTime<Utc> = "2026-09-24T15:00:00+08:00".parse().unwrap();
        let v = t
        .post(
            "eng_b",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SB", "severity": "minor", "title": "t", "occurred_at": start, "received_at": start}),
        )
        .await
        .expect(StatusCode::CREATED);
        assert_eq!(v["clocks"][1]["deadline"], "2026-10-12T09:00:00Z");
    }
);

both!(
    a_paused_clock_in_the_api_matches_a_paused_sla_clock,
    |t: crate::support::Harness| async move {
        // Whole seconds: instants are counted to the millisecond.
        let now = chrono::DurationRound::duration_trunc(t.now(), chrono::TimeDelta::seconds(1)).unwrap();
        let start = now - chrono::TimeDelta::hours(3);
        let v = t
        .post(
            "eng_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "serious", "title": "t", "occurred_at": start, "received_at": start}),
        )
        .await
        .expect(StatusCode::CREATED);
        let ack = start + chrono::TimeDelta::minutes(10);
        let pause = start + chrono::TimeDelta::hours(1);
        let resume = start + chrono::TimeDelta::hours(2);
        // Each action recorded when it happened (a back-dated one would wait for the buyer).
        use crate::recorded::act_at;
        let v = act_at(&t, "eng_a", &v, "acknowledge", ack, json!({}))
            .await
            .expect(StatusCode::OK);
        let v = act_at(&t, "eng_a", &v, "start", ack, json!({}))
            .await
            .expect(StatusCode::OK);
        let v = act_at(
            &t,
            "eng_a",
            &v,
            "pause",
            pause,
            json!({"reason": "third_party", "note": "等运营商"}),
        )
        .await
        .expect(StatusCode::OK);
        let v = act_at(&t, "eng_a", &v, "resume", resume, json!({}))
            .await
            .expect(StatusCode::OK);
        // Read now, as the reader would.
        let v = t
            .get("eng_a", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
            .await
            .expect(StatusCode::OK);
        let cal = &t.state.calendars.snapshot()["24x7"].clone();
        let mut clock = Clock::start(start, "8h".parse().unwrap());
        clock.pause(pause, "third_party").unwrap();
        clock.resume(resume).unwrap();
        let want = clock.status(cal, t.now()).unwrap();
        let got = &v["clocks"][2];
        assert_eq!(
            got["deadline"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(),
            want.deadline
        );
        assert_eq!(got["paused_seconds"], 3600);
        assert_eq!(got["state"], "running");
        // 8 h + 1 h paused from the start.
        assert_eq!(want.deadline, start + chrono::TimeDelta::hours(9));
    }
);

both!(
    breached_and_due_before_filters_see_the_clock_now,
    |t: crate::support::Harness| async move {
        let now = t.now();
        let late = now - chrono::TimeDelta::hours(1);
        // Response target 15 min, occurred an hour ago: breached now although nothing was written since.
        t.post(
            "eng_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "late",
        "occurred_at": late, "received_at": late}),
        )
        .await
        .expect(StatusCode::CREATED);
        let fresh = t.open("eng_a", "SA", "fault", "minor").await;
        let breached = t
            .get("admin", "/api/v1/tickets?breached=true")
            .await
            .expect(StatusCode::OK);
        let titles: Vec<&str> = breached["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["late"]);
        let ok = t
            .get("admin", "/api/v1/tickets?breached=false")
            .await
            .expect(StatusCode::OK);
        assert_eq!(ok["items"][0]["number"], fresh["number"]);
        // The minor fault's response (8 h) is due within 9 hours; nothing is due within 1 minute.
        let soon = (now + chrono::TimeDelta::hours(9)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let due = t
            .get("admin", &format!("/api/v1/tickets?due_before={soon}"))
            .await
            .expect(StatusCode::OK);
        assert!(
            due["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["number"] == fresh["number"])
        );
        let minute = (now + chrono::TimeDelta::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let due = t
            .get("admin", &format!("/api/v1/tickets?due_before={minute}"))
            .await
            .expect(StatusCode::OK);
        assert!(
            !due["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["number"] == fresh["number"])
        );
    }
);

both!(lists_page_with_a_cursor, |t: crate::support::Harness| async move {
    for _ in 0..5 {
        t.open("eng_a", "SA", "fault", "minor").await;
    }
    let p1 = t.get("admin", "/api/v1/tickets?limit=2").await.expect(StatusCode::OK);
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let c = p1["next_cursor"].as_str().unwrap();
    let p2 = t
        .get("admin", &format!("/api/v1/tickets?limit=2&cursor={c}"))
        .await
        .expect(StatusCode::OK);
    let c = p2["next_cursor"].as_str().unwrap();
    let p3 = t
        .get("admin", &format!("/api/v1/tickets?limit=2&cursor={c}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(p3["items"].as_array().unwrap().len(), 1);
    assert!(p3["next_cursor"].is_null());
    let mut all: Vec<String> = [&p1, &p2, &p3]
        .iter()
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_str().unwrap().to_owned())
        })
        .collect();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (5, 5));
    let filtered = t
        .get(
            "admin",
            "/api/v1/tickets?system=SA&severity=minor&kind=fault&status=new",
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(filtered["items"].as_array().unwrap().len(), 5);
    let by_unit = t
        .get("admin", &format!("/api/v1/tickets?unit={}", t.ids.unit_b))
        .await
        .expect(StatusCode::OK);
    assert_eq!(by_unit["items"].as_array().unwrap().len(), 0);
    let by_vendor = t
        .get("admin", &format!("/api/v1/tickets?vendor={}", t.ids.vendor_a))
        .await
        .expect(StatusCode::OK);
    assert_eq!(by_vendor["items"].as_array().unwrap().len(), 5);
});

both!(
    a_preview_shows_what_opening_creates_and_opens_nothing,
    |t: crate::support::Harness| async move {
        let occurred: DateTime<Utc> = "2026-09-30T15:00:00+08:00".parse().unwrap();
        let body = json!({"kind": "fault", "system": "SB", "title": "挂号系统无法访问",
            "facts": {"core_function": "down", "users_affected": "many"},
            "occurred_at": occurred, "received_at": occurred});
        let before = t.get("eng_b", "/api/v1/tickets").await.expect(StatusCode::OK);
        let p = t
            .post("eng_b", "/api/v1/tickets/preview", body.clone())
            .await
            .expect(StatusCode::OK);
        let after = t.get("eng_b", "/api/v1/tickets").await.expect(StatusCode::OK);
        assert_eq!(before["items"], after["items"], "a preview opens no ticket");
        assert_eq!(p["severity"], "urgent");
        assert_eq!(p["proposed"], "urgent");
        assert!(p["proposed_reason_zh"].as_str().unwrap().contains("核心"), "{p}");
        // cn-5x8: 15m from Wednesday 15:00 is 15:15; 4h of working time is two hours that day and
        // two after the National Day holiday (1–7 October): Thursday 8 October 11:00.
        assert_eq!(p["clocks"][0]["name"], "response");
        assert_eq!(p["clocks"][0]["deadline"], "2026-09-30T07:15:00Z");
        assert_eq!(p["clocks"][1]["name"], "repair");
        assert_eq!(p["clocks"][1]["deadline"], "2026-10-08T03:00:00Z");
        assert!(!p["clocks"][1]["explanation"].as_str().unwrap().is_empty());
        let v = t
            .post("eng_b", "/api/v1/tickets", body)
            .await
            .expect(StatusCode::CREATED);
        for i in 0..2 {
            assert_eq!(v["clocks"][i]["deadline"], p["clocks"][i]["deadline"], "clock {i}");
        }
        // The countdown's colour instants: 4h of working time, half at 17:00 (the day's end)…
        assert_eq!(v["clocks"][1]["at_50"], "2026-09-30T09:00:00Z");
        // A stated severity that differs from the classifier is recorded as an override.
        let p = t
            .post(
                "eng_b",
                "/api/v1/tickets/preview",
                json!({"kind": "fault", "system": "SB", "title": "t", "severity": "minor",
                    "severity_reason": "只影响一台终端", "facts": {"core_function": "down", "users_affected": "many"}}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(p["severity"], "minor");
        assert!(
            p["severity_reason"]
                .as_str()
                .unwrap()
                .contains("overrides the classifier's urgent"),
            "{p}"
        );
        // Out of scope, like opening: a system that is not yours is not there.
        t.post(
            "eng_a",
            "/api/v1/tickets/preview",
            json!({"kind": "fault", "system": "SB", "title": "t", "severity": "minor"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both!(
    a_scope_of_some_systems_pages_newest_first_across_them,
    |t: crate::support::Harness| async move {
        // Unit A gets a second system: its manager sees SA and SC, not SB, so the list merges
        // the newest of each of the two systems (read.rs `newest`).
        t.post(
            "admin",
            "/api/v1/systems",
            json!({"code": "SC", "name": "System C", "unit_id": t.ids.unit_a, "vendor_ids": [t.ids.vendor_a],
                "policy_id": t.ids.policy, "calendar": "24x7", "service_mode": "on_site"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let mut opened = Vec::new();
        for system in ["SA", "SB", "SC", "SC", "SB", "SA", "SC", "SA", "SB"] {
            let who = if system == "SB" { "eng_b" } else { "eng_a" };
            let view = t.open(who, system, "fault", "minor").await;
            if system != "SB" {
                opened.push(view["number"].as_str().unwrap().to_owned());
            }
        }
        opened.reverse();
        let status_of_first = t
            .act(
                "eng_a",
                &t.get("eng_a", &format!("/api/v1/tickets/{}", opened[1]))
                    .await
                    .expect(StatusCode::OK),
                "acknowledge",
                json!({}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(status_of_first["status"], "acknowledged");
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = t
                .get("mgr_a", &format!("/api/v1/tickets?limit=2{cursor}"))
                .await
                .expect(StatusCode::OK);
            for item in page["items"].as_array().unwrap() {
                seen.push(item["number"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen, opened, "every ticket of SA and SC once, newest first, none of SB");
        // With a filter, the merge keeps it.
        let new_only = t
            .get("mgr_a", "/api/v1/tickets?status=new&limit=50")
            .await
            .expect(StatusCode::OK);
        let numbers: Vec<&str> = new_only["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["number"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = opened.iter().map(String::as_str).filter(|n| *n != opened[1]).collect();
        assert_eq!(numbers, expected);
    }
);
