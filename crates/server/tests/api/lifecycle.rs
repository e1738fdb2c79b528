//! A lifecycle per kind through the API, with the timeline and the audit log.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;

both!(
    a_fault_goes_from_new_to_closed_on_an_on_site_system,
    |t: crate::support::Harness| async move {
        let v = t.open("eng_a", "SA", "fault", "urgent");
        let v = v.await;
        assert_eq!(v["number"].as_str().unwrap().len(), "INC-2026-000001".len());
        assert!(v["number"].as_str().unwrap().starts_with("INC-"));
        assert_eq!(v["status"], "new");
        assert_eq!(v["severity_zh"], "紧急");
        let names: Vec<&str> = v["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["response", "arrival", "repair"]);

        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (v["status"].as_str(), v["version"].as_i64()),
            (Some("acknowledged"), Some(2))
        );
        assert_eq!(v["clocks"][0]["state"], "met");
        let v = t.act("eng_a", &v, "arrive", json!({})).await.expect(StatusCode::OK);
        assert_eq!(v["status"], "on_site");
        assert_eq!(v["clocks"][1]["state"], "met");
        let v = t.act("eng_a", &v, "start", json!({})).await.expect(StatusCode::OK);
        let v = t
            .act(
                "eng_a",
                &v,
                "pause",
                json!({"reason": "awaiting_reporter", "note": "需要报告人提供账号"}),
            )
            .await
            .expect(StatusCode::OK);
        // Awaiting the reporter is the buyer's to confirm: work stops, the clock runs on ...
        assert_eq!(
            (v["status"].as_str(), v["clocks"][2]["state"].as_str()),
            (Some("paused"), Some("running"))
        );
        assert_eq!(v["claims"][0]["kind"], "buyer_pause", "{v}");
        assert_eq!(v["claims"][0]["status"], "pending");
        // ... until the unit's manager confirms it; it counts from when it began.
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act("mgr_a", &v, "approve", json!({"event": seq}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (v["status"].as_str(), v["clocks"][2]["state"].as_str()),
            (Some("paused"), Some("paused"))
        );
        assert_eq!(v["claims"][0]["status"], "approved");
        let v = t.act("eng_a", &v, "resume", json!({})).await.expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "comment", json!({"text": "已更换电源模块"}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act(
                "eng_a",
                &v,
                "resolve",
                json!({"root_cause": "电源模块故障", "fix": "更换电源模块"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (v["status"].as_str(), v["clocks"][2]["state"].as_str()),
            (Some("resolved"), Some("met"))
        );
        let v = t
            .act("mgr_a", &v, "close", json!({"satisfaction": 5}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["status"], "closed");
        assert!(v["closed_at"].is_string());
        assert_eq!(
            v["allowed"],
            json!(["reopen", "comment", "grade_impact", "correct", "categorise"])
        );

        let full = t
            .get("admin", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
            .await
            .expect(StatusCode::OK);
        let types: Vec<&str> = full["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "opened",
                "acknowledged",
                "arrived",
                "started",
                "paused",
                "claimed",
                "decided",
                "resumed",
                "commented",
                "resolved",
                "closed"
            ]
        );
        assert_eq!(full["timeline"][0]["actor"], "eng_a");
        // The pause's claim is the engineer's, its confirmation the unit manager's.
        assert_eq!(full["timeline"][5]["actor"], "eng_a");
        assert_eq!(full["timeline"][6]["actor"], "mgr_a");
        assert_eq!(full["timeline"][10]["actor"], "mgr_a");
        assert_eq!(full["version"], 11);

        // Every write is in the audit log, with who did it.
        use opsclock::db::entities::audit_log;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let audit = audit_log::Entity::find()
            .filter(audit_log::Column::Target.eq(v["number"].as_str().unwrap()))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(audit.len(), 10);
        assert!(audit.iter().all(|a| a.user_id.is_some()));
    }
);

both!(
    requests_start_their_clocks_when_received_and_have_no_arrival,
    |t: crate::support::Harness| async move {
        let v = t
            .post(
                "mgr_a",
                "/api/v1/tickets",
                json!({"kind": "request", "system": "SA", "severity": "general", "title": "开通账号",
                   "occurred_at": "2026-11-23T01:00:00Z", "received_at": "2026-11-23T02:00:00Z"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let names: Vec<&str> = v["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["response", "repair"]);
        // Logged two days after it was received: the unit's claim waits for the vendor, and the
        // clocks start when it was recorded (the harness's now, 02:00Z on the 25th).
        assert_eq!(v["clocks"][0]["deadline"], "2026-11-25T02:30:00Z");
        assert_eq!(v["claims"][0]["kind"], "earlier_time", "{v}");
        assert_eq!(v["claims"][0]["claimed_at"], "2026-11-23T02:00:00Z");
        // The vendor accepts it: 30 minutes from receipt (02:00Z), not from occurrence.
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act("vmgr_a", &v, "approve", json!({"event": seq}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["clocks"][0]["deadline"], "2026-11-23T02:30:00Z");
        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "resolve", json!({"root_cause": "新用户", "fix": "已开通"}))
            .await
            .expect(StatusCode::OK);
        let v = t.act("mgr_a", &v, "close", json!({})).await.expect(StatusCode::OK);
        assert_eq!(v["status"], "closed");
    }
);

both!(
    alarms_and_security_events_start_at_occurrence,
    |t: crate::support::Harness| async move {
        for (kind, severity, response) in [("alarm", "urgent", "15m"), ("security", "serious", "15m")] {
            let v = t
                .post(
                    "eng_b",
                    "/api/v1/tickets",
                    json!({"kind": kind, "system": "SB", "severity": severity, "title": format!("{kind}"),
                       "occurred_at": "2026-11-23T01:00:00Z", "received_at": "2026-11-23T01:10:00Z"}),
                )
                .await
                .expect(StatusCode::CREATED);
            assert!(
                v["number"]
                    .as_str()
                    .unwrap()
                    .starts_with(if kind == "alarm" { "ALM-" } else { "SEC-" })
            );
            assert_eq!(v["clocks"][0]["target"], response);
            // cn-5x8: 01:00Z is 09:00 Shanghai on a Monday → 09:15.
            assert_eq!(v["clocks"][0]["deadline"], "2026-11-23T01:15:00Z");
            // System B is served remotely: no arrival clock, and arriving is refused.
            assert!(v["clocks"].as_array().unwrap().iter().all(|c| c["name"] != "arrival"));
            let v = t
                .act("eng_b", &v, "acknowledge", json!({}))
                .await
                .expect(StatusCode::OK);
            let detail = t
                .act("eng_b", &v, "arrive", json!({}))
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert!(detail.contains("served remotely"), "{detail}");
            // The response was late: the vendor cancelling it asks unit B's manager.
            let v = t
                .act(
                    "eng_b",
                    &v,
                    "cancel",
                    json!({"reason": "duplicate", "note": "与上一单重复"}),
                )
                .await
                .expect(StatusCode::OK);
            assert_eq!(v["status"], "acknowledged");
            assert_eq!(v["claims"][0]["kind"], "cancel", "{v}");
            let seq = v["claims"][0]["seq"].clone();
            let v = t
                .act("mgr_b", &v, "approve", json!({"event": seq}))
                .await
                .expect(StatusCode::OK);
            assert_eq!(v["status"], "cancelled");
            // The response clock ended when acknowledged (late here: breached-met); the rest are cancelled.
            let states: Vec<&str> = v["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["state"].as_str().unwrap())
                .collect();
            assert_eq!(states, ["breached-met", "cancelled"]);
        }
    }
);

both!(
    regrading_and_reopening_move_the_clocks,
    |t: crate::support::Harness| async move {
        let v = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "severity": "general", "title": "慢",
                   "occurred_at": "2026-11-23T00:00:00Z", "received_at": "2026-11-23T00:00:00Z"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(v["clocks"][0]["target"], "1h");
        let v = t
            .act(
                "mgr_a",
                &v,
                "regrade",
                json!({"severity": "urgent", "reason": "影响扩大到全部用户"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["severity"], "urgent");
        // Measured from the original start: 15 minutes after 00:00Z; the old target is kept.
        assert_eq!(v["clocks"][0]["deadline"], "2026-11-23T00:15:00Z");
        assert_eq!(v["clocks"][0]["targets"], json!(["1h", "15m"]));
        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "resolve", json!({"root_cause": "x", "fix": "y"}))
            .await
            .expect(StatusCode::OK);
        let detail = t
            .act("eng_a", &v, "reopen", json!({}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("reason"), "{detail}");
        let v = t
            .act("mgr_a", &v, "reopen", json!({"reason": "问题复现"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["status"], "in_progress");
        assert!(v["resolved_at"].is_null());
        let repair = v["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "repair")
            .unwrap();
        assert!(repair["state"].as_str().unwrap().ends_with("running"), "{repair}");
    }
);

both!(
    assigning_needs_an_existing_user,
    |t: crate::support::Harness| async move {
        let v = t.open("eng_a", "SA", "fault", "minor").await;
        let eng = t.user_ids["eng_a"];
        let v = t
            .act("mgr_a", &v, "assign", json!({"assignee_id": eng}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["assignee_id"], eng);
        let detail = t
            .act("mgr_a", &v, "assign", json!({"assignee_id": 999_999}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("no user 999999"), "{detail}");
        let v = t
            .act("mgr_a", &v, "assign", json!({"assignee_id": null}))
            .await
            .expect(StatusCode::OK);
        assert!(v["assignee_id"].is_null());
        let listed = t
            .get("mgr_a", &format!("/api/v1/tickets?assignee={eng}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    }
);

both!(
    lists_offer_the_same_actions_as_the_ticket_itself,
    |t: crate::support::Harness| async move {
        for system in ["SA", "SB"] {
            let v = t.open("admin", system, "fault", "urgent").await;
            let v = t
                .act("admin", &v, "acknowledge", json!({}))
                .await
                .expect(StatusCode::OK);
            let listed = t
                .get("admin", &format!("/api/v1/tickets?system={system}"))
                .await
                .expect(StatusCode::OK);
            assert_eq!(listed["items"][0]["allowed"], v["allowed"], "{system}");
            // SA is served on site, SB remotely.
            let arrive = v["allowed"].as_array().unwrap().iter().any(|a| a == "arrive");
            assert_eq!(arrive, system == "SA");
        }
    }
);

both!(
    severity_comes_from_the_classifier_or_a_person_with_the_reason_kept,
    |t: crate::support::Harness| async move {
        let v = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "title": "挂号系统无法访问",
                   "facts": {"core_function": "down", "users_affected": "many"}}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(v["severity"], "urgent");
        let full = t
            .get("eng_a", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
            .await
            .expect(StatusCode::OK);
        let reason = full["timeline"][0]["data"]["ticket"]["severity_reason"]
            .as_str()
            .unwrap();
        assert!(
            reason.contains("核心业务功能完全不可用") && reason.contains("core business function"),
            "{reason}"
        );

        // A major-event window raises the proposal one level.
        let v = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "title": "t",
                   "facts": {"core_function": "degraded", "workaround": true, "major_event_window": true}}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(v["severity"], "serious");

        // A stated severity wins over facts; the person's reason and the proposal are both kept.
        let v = t
        .post(
            "mgr_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "title": "t", "severity": "minor", "severity_reason": "仅测试环境",
                   "facts": {"core_function": "down", "users_affected": "many"}}),
        )
        .await
        .expect(StatusCode::CREATED);
        assert_eq!(v["severity"], "minor");
        let full = t
            .get("mgr_a", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
            .await
            .expect(StatusCode::OK);
        let reason = full["timeline"][0]["data"]["ticket"]["severity_reason"]
            .as_str()
            .unwrap();
        assert!(
            reason.starts_with("仅测试环境; overrides the classifier's urgent"),
            "{reason}"
        );
    }
);
