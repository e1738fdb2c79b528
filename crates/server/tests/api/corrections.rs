//! The report's record of changes (issue 23): every correction listed with who made it, filed by
//! when it was made as well as by the ticket's period; every paused clock with its paused time;
//! a stated start that cannot leave a major-event window.
//!
//! The harness: System A (unit A, vendor A, 24x7, on site), urgent faults 15m / 2h / 4h; the clock
//! stands at Wednesday 2026-11-25 10:00 Beijing (02:00Z).

use axum::http::{Method, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

const NOVEMBER: &str = "/api/v1/reports/breaches?period=2026-11";
const DECEMBER: &str = "/api/v1/reports/breaches?period=2026-12";

fn kinds(report: &Value) -> Vec<String> {
    report["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_owned())
        .collect()
}

both!(
    every_direct_change_is_listed_and_filed_when_it_was_made,
    |t: Harness| async move {
        let received = t.now();
        let v = t.open("mgr_a", "SA", "fault", "general").await;
        let v = t
            .act(
                "mgr_a",
                &v,
                "regrade",
                json!({"severity": "serious", "reason": "影响扩大到全楼"}),
            )
            .await
            .expect(StatusCode::OK);
        let v = t
            .act(
                "mgr_a",
                &v,
                "correct",
                json!({"title": "三楼交换机宕机", "reason": "标题不清"}),
            )
            .await
            .expect(StatusCode::OK);
        let v = t
            .act(
                "eng_a",
                &v,
                "grade_impact",
                json!({"severity": "general", "reason": "半小时恢复"}),
            )
            .await
            .expect(StatusCode::OK);
        let november = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
        assert_eq!(
            kinds(&november),
            ["regraded", "corrected", "impact_graded"],
            "{november}"
        );
        let c = &november["corrections"];
        assert_eq!(
            (c[0]["by"].as_str(), c[0]["actor"].as_str(), c[0]["status"].as_str()),
            (Some("buyer"), Some("mgr_a"), Some("done"))
        );
        assert_eq!(c[0]["summary"], "升级 一般 → 严重：影响扩大到全楼");
        assert_eq!(c[1]["summary"], "标题「fault on SA」→「三楼交换机宕机」：标题不清");
        assert_eq!(
            (c[2]["by"].as_str(), c[2]["actor"].as_str()),
            (Some("vendor"), Some("eng_a"))
        );
        assert_eq!(c[0]["ticket_received_at"], json!(received));

        // A week later, in December, the buyer re-grades the November ticket again.
        t.time.set("2026-12-02T02:00:00Z".parse::<DateTime<Utc>>().unwrap());
        t.act(
            "mgr_a",
            &v,
            "regrade",
            json!({"severity": "urgent", "reason": "核心业务中断"}),
        )
        .await
        .expect(StatusCode::OK);
        // December's report counts no November ticket, but lists the change made in December,
        // saying which period the ticket belongs to.
        let december = t.get("admin", DECEMBER).await.expect(StatusCode::OK);
        assert_eq!(december["tickets"]["received"], 0, "{december}");
        assert_eq!(kinds(&december), ["regraded"], "{december}");
        let c = &december["corrections"][0];
        assert_eq!(c["ticket"], v["number"]);
        assert_eq!(c["ticket_received_at"], json!(received));
        assert_eq!(c["summary"], "升级 严重 → 紧急：核心业务中断");
        // November's, run again, has all four.
        let november = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
        assert_eq!(
            kinds(&november),
            ["regraded", "corrected", "impact_graded", "regraded"],
            "{november}"
        );
        // Out of scope, nothing: unit B's manager sees none of it.
        let december_b = t.get("mgr_b", DECEMBER).await.expect(StatusCode::OK);
        assert_eq!(kinds(&december_b), Vec::<String>::new(), "{december_b}");
        // The CSV section says when the ticket was received.
        let (status, _, bytes) = t
            .download("admin", &format!("{DECEMBER}&format=csv&section=corrections"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        assert_eq!(&reader.headers().unwrap()[1], "工单受理时间");
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!((&row[1], &row[3]), ("2026-11-25 10:00", "改级"));
    }
);

both!(every_paused_clock_shows_its_paused_time, |t: Harness| async move {
    let v = t.open("mgr_a", "SA", "fault", "urgent").await;
    let v = t
        .act("eng_a", &v, "acknowledge", json!({}))
        .await
        .expect(StatusCode::OK);
    let v = t.act("eng_a", &v, "start", json!({})).await.expect(StatusCode::OK);
    let pause = json!({"reason": "third_party", "note": "等运营商抢修光缆"});
    t.time.advance(TimeDelta::minutes(10));
    let v = t.act("eng_a", &v, "pause", pause.clone()).await.expect(StatusCode::OK);
    t.time.advance(TimeDelta::minutes(60));
    let v = t.act("eng_a", &v, "resume", json!({})).await.expect(StatusCode::OK);
    t.time.advance(TimeDelta::minutes(10));
    t.act("eng_a", &v, "pause", pause).await.expect(StatusCode::OK);
    // Still paused, 30 minutes on: the report counts the running pause to its instant.
    t.time.advance(TimeDelta::minutes(30));
    let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
    let paused = r["paused"].as_array().unwrap();
    assert_eq!(paused.len(), 1, "{r}");
    let p = &paused[0];
    assert_eq!(
        (p["clock"].as_str(), p["state"].as_str(), p["pauses"].as_i64()),
        (Some("repair"), Some("paused"), Some(2)),
        "{p}"
    );
    assert_eq!(p["reasons"], json!(["等待第三方"]));
    assert_eq!(p["paused_min"], 90.0);
    // The same in the export's own sheet.
    let (status, _, bytes) = t
        .download("admin", &format!("{NOVEMBER}&format=csv&section=paused"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(&reader.headers().unwrap()[7], "暂停(工作分钟)");
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!((&row[3], &row[5], &row[7]), ("修复", "2", "90.00"));
    // A pause for the reporter, which the buyer has not confirmed, took no time: not listed.
    let v = t
        .get("admin", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
        .await
        .expect(StatusCode::OK);
    let v = t.act("eng_a", &v, "resume", json!({})).await.expect(StatusCode::OK);
    t.time.advance(TimeDelta::minutes(10));
    let v = t
        .act(
            "eng_a",
            &v,
            "pause",
            json!({"reason": "awaiting_reporter", "note": "联系不上报告人"}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(v["claims"][0]["kind"], "buyer_pause", "{v}");
    t.time.advance(TimeDelta::minutes(30));
    let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
    let p = &r["paused"][0];
    assert_eq!(
        (p["state"].as_str(), p["pauses"].as_i64(), p["paused_min"].as_f64()),
        (Some("running"), Some(2), Some(90.0)),
        "{p}"
    );
    assert_eq!(p["reasons"], json!(["等待第三方"]));
});

both!(
    a_start_stated_before_a_major_event_window_does_not_leave_it,
    |t: Harness| async move {
        // The bureau's window began at 09:00 today, with a 10-minute response.
        t.raw(
            "bureau",
            Method::PUT,
            "/api/v1/windows/hw",
            Some("application/json"),
            json!({"code": "hw", "name": "护网行动", "units": ["UA"], "calendar": "24x7",
                   "starts": "2026-11-25T09:00:00+08:00", "ends": "2026-11-26T09:00:00+08:00",
                   "targets": {"response": "10m"}})
            .to_string()
            .into_bytes(),
        )
        .await
        .expect(StatusCode::OK);
        // At 10:00 the vendor's engineer logs a fault, saying it began at 08:30: that start
        // would take it out of the window, so it waits for the buyer, and the clocks start at
        // the recording, inside the window, with its 10 minutes.
        let v = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "x",
                       "occurred_at": "2026-11-25T08:30:00+08:00", "received_at": "2026-11-25T08:30:00+08:00"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = v["number"].as_str().unwrap();
        let read = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(read["major_event"]["code"], "hw", "{read}");
        let response = &read["clocks"][0];
        assert_eq!(
            (response["name"].as_str(), response["target"].as_str()),
            (Some("response"), Some("10m"))
        );
        assert_eq!(response["deadline"], json!("2026-11-25T02:10:00Z"), "{read}");
        assert_eq!(
            (read["claims"][0]["kind"].as_str(), read["claims"][0]["by"].as_str()),
            (Some("earlier_time"), Some("vendor")),
            "{read}"
        );
        // A start before the window that the vendor states within the tolerance, or on a system
        // no window covers, counts at once as before (it can only hurt the vendor): see the
        // evidence tests. A move into the window's unit does not skip it either.
        let elsewhere = t.open("mgr_b", "SB", "fault", "urgent").await;
        let detail = t
            .act("admin", &elsewhere, "correct", json!({"system": "SA", "reason": "x"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("major-event window"), "{detail}");
    }
);
