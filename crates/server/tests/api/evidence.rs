//! Two parties, one record (issue 23): the scenarios in which the measured vendor, or the buyer,
//! could rewrite the evidence a report is signed on. Each checks the month's report before and
//! after: no figure moves without the other party's approval, and the attempt is listed.
//!
//! The harness: System A (unit A, vendor A, 24x7, on site), urgent faults 15m / 2h / 4h;
//! `eng_a` and `vmgr_a` are vendor A's, `mgr_a` is unit A's manager. The clock stands at
//! Wednesday 2026-11-25 10:00 Beijing (02:00Z).

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

const NOVEMBER: &str = "/api/v1/reports/breaches?period=2026-11";

/// The report's response-clock figures: (met, breached).
async fn response_figures(t: &Harness) -> (i64, i64, Value) {
    let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
    let c = r["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clock"] == "response")
        .cloned()
        .unwrap_or(json!({"met": 0, "breached": 0}));
    (c["met"].as_i64().unwrap(), c["breached"].as_i64().unwrap(), r)
}

/// An urgent fault on System A opened by unit A's manager now, then 30 minutes pass: the
/// response (15 minutes) is breached.
async fn breached_fault(t: &Harness) -> Value {
    let v = t.open("mgr_a", "SA", "fault", "urgent").await;
    t.time.advance(TimeDelta::minutes(30));
    v
}

both!(
    a_back_dated_acknowledgement_does_not_erase_the_breach_until_the_buyer_approves,
    |t: Harness| async move {
        let v = breached_fault(&t).await;
        let opened = t.now() - TimeDelta::minutes(30);
        // 30 minutes late, the engineer acknowledges "at 10:05".
        let v = t
            .act(
                "eng_a",
                &v,
                "acknowledge",
                json!({"at": opened + TimeDelta::minutes(5)}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["acknowledged_at"], json!(t.now()), "counted when recorded: {v}");
        assert_eq!(v["clocks"][0]["state"], "breached-met");
        assert_eq!(v["claims"][0]["kind"], "earlier_time");
        assert_eq!(v["claims"][0]["status"], "pending");
        let (met, breached, report) = response_figures(&t).await;
        assert_eq!((met, breached), (0, 1), "{report}");
        let c = &report["corrections"][0];
        assert_eq!(
            (c["kind"].as_str(), c["status"].as_str(), c["actor"].as_str()),
            (Some("earlier_time"), Some("pending"), Some("eng_a")),
            "{report}"
        );

        // The vendor cannot approve its own claim, not even its manager.
        let seq = v["claims"][0]["seq"].clone();
        let detail = t
            .act("vmgr_a", &v, "approve", json!({"event": seq}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("the other party"), "{detail}");
        // The buyer rejects it, saying why: still breached, and the report says who and why.
        let detail = t
            .act("mgr_a", &v, "reject", json!({"event": seq}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("note"), "{detail}");
        t.act(
            "mgr_a",
            &v,
            "reject",
            json!({"event": seq, "note": "值班电话记录 10:30 才回复"}),
        )
        .await
        .expect(StatusCode::OK);
        let (met, breached, report) = response_figures(&t).await;
        assert_eq!((met, breached), (0, 1));
        let c = &report["corrections"][0];
        assert_eq!(
            (c["status"].as_str(), c["decider"].as_str(), c["decided_by"].as_str()),
            (Some("rejected"), Some("mgr_a"), Some("buyer"))
        );
        assert_eq!(c["note"], "值班电话记录 10:30 才回复");
    }
);

both!(
    an_approved_claim_moves_the_figure_and_stays_listed,
    |t: Harness| async move {
        let v = breached_fault(&t).await;
        let opened = t.now() - TimeDelta::minutes(30);
        let v = t
            .act(
                "eng_a",
                &v,
                "acknowledge",
                json!({"at": opened + TimeDelta::minutes(5)}),
            )
            .await
            .expect(StatusCode::OK);
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act(
                "mgr_a",
                &v,
                "approve",
                json!({"event": seq, "note": "工程师 10:05 已电话响应"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["clocks"][0]["state"], "met", "{v}");
        assert_eq!(v["acknowledged_at"], json!(opened + TimeDelta::minutes(5)));
        let (met, breached, report) = response_figures(&t).await;
        assert_eq!((met, breached), (1, 0));
        assert_eq!(report["corrections"][0]["status"], "approved");
    }
);

both!(
    a_downgrade_after_the_breach_is_a_request_the_buyer_decides,
    |t: Harness| async move {
        let v = breached_fault(&t).await;
        let v = t
            .act(
                "eng_a",
                &v,
                "regrade",
                json!({"severity": "minor", "reason": "只影响一台终端"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["severity"], "urgent", "nothing changed: {v}");
        assert_eq!(v["clocks"][0]["state"], "breached-running");
        assert_eq!(v["claims"][0]["kind"], "regrade");
        let (_, breached, report) = response_figures(&t).await;
        assert_eq!(breached, 1);
        assert_eq!(report["corrections"][0]["kind"], "regrade");
        // An upgrade needs nobody.
        let other = t.open("eng_a", "SA", "fault", "minor").await;
        let other = t
            .act(
                "eng_a",
                &other,
                "regrade",
                json!({"severity": "serious", "reason": "影响扩大"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(other["severity"], "serious");
        // The unit's manager approves the downgrade: now the figure moves.
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act("mgr_a", &v, "approve", json!({"event": seq}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["severity"], "minor");
        let (_, breached, _) = response_figures(&t).await;
        assert_eq!(breached, 0);
    }
);

both!(pauses_closing_and_work_belong_to_their_party, |t: Harness| async move {
    let v = t.open("mgr_a", "SA", "fault", "urgent").await;
    // The buyer does not record the vendor's response for it.
    let detail = t
        .act("mgr_a", &v, "acknowledge", json!({}))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    assert!(detail.contains("acknowledge"), "{detail}");
    let v = t
        .act("eng_a", &v, "acknowledge", json!({}))
        .await
        .expect(StatusCode::OK);
    let v = t.act("eng_a", &v, "arrive", json!({})).await.expect(StatusCode::OK);
    let v = t.act("eng_a", &v, "start", json!({})).await.expect(StatusCode::OK);
    // A pause needs a reason and a note.
    let detail = t
        .act("eng_a", &v, "pause", json!({"reason": "awaiting_reporter"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(detail.contains("note"), "{detail}");
    let v = t
        .act(
            "eng_a",
            &v,
            "pause",
            json!({"reason": "awaiting_reporter", "note": "等用户开门"}),
        )
        .await
        .expect(StatusCode::OK);
    // Two hours unconfirmed: the repair clock ran on, and the report counts no pause.
    t.time.advance(TimeDelta::hours(2));
    let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
    assert_eq!(r["corrections"][0]["kind"], "buyer_pause", "{r}");
    let number = v["number"].as_str().unwrap().to_owned();
    let got = t
        .get("mgr_a", &format!("/api/v1/tickets/{number}"))
        .await
        .expect(StatusCode::OK);
    let repair = &got["clocks"][2];
    assert_eq!(
        (repair["state"].as_str(), repair["paused_seconds"].as_i64()),
        (Some("running"), Some(0))
    );
    // Past `pause_confirm_within` (24 h) the buyer's confirmation comes too late.
    t.time.advance(TimeDelta::hours(23));
    let seq = got["claims"][0]["seq"].clone();
    let detail = t
        .act("mgr_a", &got, "approve", json!({"event": seq}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(detail.contains("does not count"), "{detail}");
    let v = t.act("eng_a", &got, "resume", json!({})).await.expect(StatusCode::OK);
    let v = t
        .act("eng_a", &v, "resolve", json!({"root_cause": "电源", "fix": "更换"}))
        .await
        .expect(StatusCode::OK);
    // Closing and the satisfaction score are the buyer's.
    t.act("eng_a", &v, "close", json!({"satisfaction": 5}))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let v = t
        .act("mgr_a", &v, "close", json!({"satisfaction": 4}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(v["status"], "closed");
});

both!(
    cancelling_needs_a_note_and_a_breached_one_the_buyers_word,
    |t: Harness| async move {
        let v = breached_fault(&t).await;
        let detail = t
            .act("eng_a", &v, "cancel", json!({"reason": "duplicate"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("note"), "{detail}");
        let v = t
            .act("eng_a", &v, "cancel", json!({"reason": "duplicate", "note": "重复"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["status"], "new", "a request, nothing cancelled: {v}");
        let (_, breached, report) = response_figures(&t).await;
        assert_eq!(breached, 1);
        assert_eq!(report["corrections"][0]["kind"], "cancel");
        // A cancellation the buyer makes takes effect, and is listed too.
        let other = t.open("mgr_a", "SA", "fault", "minor").await;
        t.act(
            "mgr_a",
            &other,
            "cancel",
            json!({"reason": "withdrawn", "note": "用户撤回"}),
        )
        .await
        .expect(StatusCode::OK);
        let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
        let kinds: Vec<&str> = r["corrections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["cancel", "cancelled"], "{r}");
    }
);

both!(
    a_ticket_back_dated_into_a_reported_month_stays_out_of_it_until_the_vendor_accepts,
    |t: Harness| async move {
        let october = "/api/v1/reports/breaches?period=2026-10";
        let before = t.get("admin", october).await.expect(StatusCode::OK);
        let v = t
            .post(
                "mgr_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "补录",
                       "occurred_at": "2026-10-20T10:00:00+08:00", "received_at": "2026-10-20T10:00:00+08:00"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(v["clocks"][0]["state"], "running", "born breached no more: {v}");
        assert_eq!(v["clocks_from"], json!(t.now()));
        let after = t.get("admin", october).await.expect(StatusCode::OK);
        assert_eq!(after["tickets"], before["tickets"], "October unchanged");
        assert_eq!(after["clocks"], before["clocks"]);
        assert_eq!(
            after["availability"], before["availability"],
            "no October outage either"
        );
        let (_, _, november) = response_figures(&t).await;
        assert_eq!(november["corrections"][0]["claimed_at"], "2026-10-20T02:00:00Z");
        // The vendor's manager accepts the stated start: the ticket moves to October, breached.
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act("vmgr_a", &v, "approve", json!({"event": seq}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["received_at"], "2026-10-20T02:00:00Z");
        let october_now = t.get("admin", october).await.expect(StatusCode::OK);
        let response = october_now["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clock"] == "response")
            .unwrap()
            .clone();
        assert_eq!(response["breached"], 1, "{october_now}");
    }
);

both!(
    a_ticket_is_assigned_only_to_someone_who_can_see_it,
    |t: Harness| async move {
        let v = t.open("mgr_a", "SA", "fault", "minor").await;
        let detail = t
            .act("mgr_a", &v, "assign", json!({"assignee_id": t.user_ids["eng_b"]}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("cannot see"), "{detail}");
        t.act("mgr_a", &v, "assign", json!({"assignee_id": t.user_ids["eng_a"]}))
            .await
            .expect(StatusCode::OK);
    }
);

both!(
    a_resolved_ticket_nobody_closes_closes_by_itself_without_a_rating,
    |t: Harness| async move {
        let v = t.open("mgr_a", "SA", "fault", "minor").await;
        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "resolve", json!({"root_cause": "配置", "fix": "已修正"}))
            .await
            .expect(StatusCode::OK);
        let rules = t.state.evidence;
        let after = rules.auto_close_after.expect("on by default");
        assert_eq!(after, TimeDelta::days(7));
        let close = |now| opsclock::app::tickets::evidence::auto_close(&t.db.db, &t.state.calendars, after, now, 100);
        // Six days on: not yet.
        assert!(close(t.now() + TimeDelta::days(6)).await.unwrap().is_empty());
        t.time.advance(TimeDelta::days(7) + TimeDelta::minutes(1));
        let closed = close(t.now()).await.unwrap();
        assert_eq!(closed, [v["number"].as_str().unwrap()]);
        let number = v["number"].as_str().unwrap();
        let got = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(got["status"], "closed");
        let last = got["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["type"].as_str(), last["actor"].as_str()), (Some("closed"), None));
        assert_eq!(last["data"]["satisfaction"], Value::Null);
        assert_eq!(last["data"]["note"], opsclock::app::tickets::evidence::AUTO_CLOSE_NOTE);
        // Run again: nothing more.
        assert!(close(t.now()).await.unwrap().is_empty());
    }
);

both!(
    the_impact_grade_and_corrections_keep_their_own_history,
    |t: Harness| async move {
        let v = t.open("eng_a", "SA", "security", "serious").await;
        // 事后定级: the impact grade moves no clock and leaves the SLA severity alone.
        let v = t
            .act(
                "eng_a",
                &v,
                "grade_impact",
                json!({"severity": "urgent", "reason": "泄露 2 万条记录"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (v["severity"].as_str(), v["impact"].as_str()),
            (Some("serious"), Some("urgent"))
        );
        let v = t
            .act(
                "mgr_a",
                &v,
                "correct",
                json!({"title": "门户网站数据泄露", "reason": "标题写错系统"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["title"], "门户网站数据泄露");
        let detail = t
            .act("mgr_a", &v, "correct", json!({"reason": "无"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("nothing to correct"), "{detail}");
        let number = v["number"].as_str().unwrap();
        let got = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let kinds: Vec<&str> = got["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["opened", "impact_graded", "corrected"]);
        // The old title stays in the opening entry.
        assert_eq!(got["timeline"][0]["data"]["ticket"]["title"], "security on SA");
    }
);

both!(
    the_other_party_contests_a_cancellation_and_the_report_lists_it,
    |t: Harness| async move {
        let v = t.open("mgr_a", "SA", "fault", "minor").await;
        let v = t
            .act(
                "mgr_a",
                &v,
                "cancel",
                json!({"reason": "withdrawn", "note": "用户撤回"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["status"], "cancelled");
        // The buyer does not contest its own cancellation; the vendor may.
        let detail = t
            .act("mgr_a", &v, "contest", json!({"reason": "x"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("other party"), "{detail}");
        let v = t
            .act(
                "eng_a",
                &v,
                "contest",
                json!({"reason": "已到场处理 2 小时，工作量应计入"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["status"], "cancelled");
        // One contest stands: not offered again, and refused if sent (by its manager too).
        assert!(!v["allowed"].as_array().unwrap().contains(&json!("contest")), "{v}");
        let detail = t
            .act("vmgr_a", &v, "contest", json!({"reason": "再次申诉"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("already contested"), "{detail}");
        let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
        let kinds: Vec<&str> = r["corrections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["cancelled", "contested"], "{r}");
        assert_eq!(r["corrections"][1]["by"], "vendor");
    }
);

both!(a_contract_sets_its_own_claim_tolerance, |t: Harness| async move {
    // Default 5 minutes: an acknowledgement dated 30 minutes back waits for the buyer.
    let v = t.open("mgr_a", "SA", "fault", "minor").await;
    let opened = t.now();
    t.time.advance(TimeDelta::minutes(40));
    let v = t
        .act(
            "eng_a",
            &v,
            "acknowledge",
            json!({"at": opened + TimeDelta::minutes(10)}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(v["claims"][0]["status"], "pending", "{v}");
    // Vendor A's contract allows an hour: the same claim counts at once.
    t.put(
        "bureau",
        "/api/v1/contracts/va-2026",
        json!({"code": "va-2026", "name": "VA O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
                   "claim_tolerance_min": 60,
                   "rules": [{"id": "late-repair", "label": "修复超时 每次 0.1%",
                              "when": {"metric": "late", "clock": "repair"}, "amount": {"of": "price", "pct": 0.1}}]}),
    )
    .await
    .expect(StatusCode::OK);
    let w = t.open("mgr_a", "SA", "fault", "minor").await;
    let opened = t.now();
    t.time.advance(TimeDelta::minutes(40));
    let w = t
        .act(
            "eng_a",
            &w,
            "acknowledge",
            json!({"at": opened + TimeDelta::minutes(10)}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(w["claims"], json!([]), "{w}");
    assert_eq!(w["acknowledged_at"], json!(opened + TimeDelta::minutes(10)));
    // A stored document this version cannot read (an older schema) does not stop work on the
    // system's tickets, nor loosen them: no tolerance, the claim waits.
    use sea_orm::{ConnectionTrait, Statement};
    let db = &t.state.db;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "UPDATE contracts SET document = '{\"rules\": \"not a list\"}' WHERE code = 'va-2026'",
    ))
    .await
    .unwrap();
    let x = t.open("mgr_a", "SA", "fault", "minor").await;
    let opened = t.now();
    t.time.advance(TimeDelta::minutes(40));
    let x = t
        .act(
            "eng_a",
            &x,
            "acknowledge",
            json!({"at": opened + TimeDelta::minutes(10)}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(x["claims"][0]["status"], "pending", "{x}");
});

both!(
    a_ticket_moves_to_the_right_system_and_its_clocks_follow,
    |t: Harness| async move {
        let (ua, va, p) = (t.ids.unit_a, t.ids.vendor_a, t.ids.policy);
        t.post(
            "admin",
            "/api/v1/systems",
            json!({"code": "SA2", "name": "System A2", "unit_id": ua, "vendor_ids": [va],
                   "policy_id": p, "calendar": "cn-5x8", "service_mode": "on_site"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let v = t.open("mgr_a", "SA", "fault", "urgent").await;
        let calendars = |v: &Value| -> Vec<String> {
            v["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["calendar"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(calendars(&v), ["24x7"; 3]);
        // The unit's manager moves it while it is new: at once, measured in the new calendar.
        let v = t
            .act("mgr_a", &v, "correct", json!({"system": "SA2", "reason": "报错了系统"}))
            .await
            .expect(StatusCode::OK);
        let sa2 = v["system_id"].as_i64().unwrap();
        assert_ne!(sa2, t.ids.sys_a);
        assert_eq!(calendars(&v), ["cn-5x8"; 3], "{v}");
        // Not to a system served otherwise.
        let detail = t
            .act("admin", &v, "correct", json!({"system": "SB", "reason": "x"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("served remotely"), "{detail}");
        // The vendor, once it acknowledged, asks; the buyer approves.
        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act(
                "eng_a",
                &v,
                "correct",
                json!({"system": "SA", "reason": "实际是 System A"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["system_id"], sa2, "a request, nothing moved: {v}");
        assert_eq!(v["claims"][0]["kind"], "system");
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act("mgr_a", &v, "approve", json!({"event": seq}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["system_id"], t.ids.sys_a);
        assert_eq!(calendars(&v), ["24x7"; 3], "{v}");
        let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
        // The unit manager's own move, then the vendor's approved request.
        assert_eq!(r["corrections"][0]["kind"], "system_changed", "{r}");
        assert_eq!(r["corrections"][1]["kind"], "system", "{r}");
    }
);

both!(
    the_vendor_voids_or_downgrades_only_with_the_buyers_word_even_before_a_breach,
    |t: Harness| async move {
        // Not breached yet: the vendor's voiding still asks (it would leave every figure).
        let v = t.open("mgr_a", "SA", "fault", "urgent").await;
        let v = t
            .act(
                "eng_a",
                &v,
                "cancel",
                json!({"reason": "withdrawn", "note": "用户说好了"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (v["status"].as_str(), v["claims"][0]["kind"].as_str()),
            (Some("new"), Some("cancel"))
        );
        // Acknowledged in time; a downgrade afterwards asks too, and a stale one is refused.
        let w = t.open("mgr_a", "SA", "fault", "serious").await;
        let w = t
            .act("eng_a", &w, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let w = t
            .act(
                "eng_a",
                &w,
                "regrade",
                json!({"severity": "general", "reason": "影响小"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (w["severity"].as_str(), w["claims"][0]["kind"].as_str()),
            (Some("serious"), Some("regrade"))
        );
        let seq = w["claims"][0]["seq"].clone();
        let w = t
            .act(
                "mgr_a",
                &w,
                "regrade",
                json!({"severity": "urgent", "reason": "全部用户受影响"}),
            )
            .await
            .expect(StatusCode::OK);
        let detail = t
            .act("mgr_a", &w, "approve", json!({"event": seq}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("changed since the request"), "{detail}");
    }
);

both!(
    a_pending_request_holds_the_closing_and_the_vendor_does_not_reopen_a_closed_ticket,
    |t: Harness| async move {
        let v = t.open("mgr_a", "SA", "fault", "general").await;
        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "resolve", json!({"root_cause": "c", "fix": "f"}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "regrade", json!({"severity": "minor", "reason": "影响小"}))
            .await
            .expect(StatusCode::OK);
        let detail = t
            .act("mgr_a", &v, "close", json!({"satisfaction": 2}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("decide it before closing"), "{detail}");
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act("mgr_a", &v, "reject", json!({"event": seq, "note": "影响面大"}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("mgr_a", &v, "close", json!({"satisfaction": 2}))
            .await
            .expect(StatusCode::OK);
        // Reopening would clear the buyer's rating: the vendor may not.
        t.act("eng_a", &v, "reopen", json!({"reason": "再看看"}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
);

both!(
    a_vendor_hands_work_only_to_its_own_people_on_a_shared_system,
    |t: Harness| async move {
        let (ua, va, vb, p) = (t.ids.unit_a, t.ids.vendor_a, t.ids.vendor_b, t.ids.policy);
        t.post(
            "admin",
            "/api/v1/systems",
            json!({"code": "SAB", "name": "Shared", "unit_id": ua, "vendor_ids": [va, vb],
                   "policy_id": p, "calendar": "24x7", "service_mode": "on_site"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let v = t.open("mgr_a", "SAB", "fault", "minor").await;
        let v = t
            .act("mgr_a", &v, "assign", json!({"assignee_id": t.user_ids["eng_a"]}))
            .await
            .expect(StatusCode::OK);
        let detail = t
            .act("eng_a", &v, "assign", json!({"assignee_id": t.user_ids["eng_b"]}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("not of your vendor"), "{detail}");
        // Vendor B does not act on vendor A's ticket either.
        t.act("eng_b", &v, "acknowledge", json!({}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
);
