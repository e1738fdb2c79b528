//! What a ticket keeps from its opening (issue 24): the calendar of each clock, pinned by name
//! when it opens or moves; where its clocks start under a major-event window ("在接到故障通知或
//! 发现故障问题后", seed 004 L27561); and a "立即" target that counts from the report — on SQLite
//! and PostgreSQL.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{beijing, import_catalog as import, post_at};
use crate::support::Harness;

/// SP and SQ count 1 h / 8 h on cn-5x8; SW 30 min / 8 h with 重保 targets of 1 h / 2 h (seed 004
/// L27561), SO the same with `clock_start = "occurred"` on its 重保 targets; S126 is sy-126's
/// urgent tier, "工程师立即响应；业务应在 4 小时内恢复正常" (L22948–22951), counted from the fault.
const FILE: &str = r#"format = 1

[[policies]]
code = "PP"
name = "1h response, 8h repair"

[[policies.tiers]]
label = "故障"
severity = ["urgent", "serious", "general", "minor"]
response = "1h"
repair = "8h"

[[policies]]
code = "PW"
name = "30m / 8h; 重保 1h / 2h"

[[policies.tiers]]
label = "故障"
severity = ["urgent", "serious", "general", "minor"]
response = "30m"
repair = "8h"

[policies.major_event]
response = "1h"
repair = "2h"
note = "L27561"

[[policies]]
code = "PO"
name = "30m / 8h; 重保 1h / 2h from the occurrence"

[[policies.tiers]]
label = "故障"
severity = ["urgent", "serious", "general", "minor"]
response = "30m"
repair = "8h"

[policies.major_event]
response = "1h"
repair = "2h"
clock_start = "occurred"

[[policies]]
code = "P126"
name = "sy-126 四级故障"

[[policies.tiers]]
label = "四级故障"
severity = ["urgent", "serious", "general", "minor"]
response = "立即"
repair = "4h"

[[systems]]
code = "SP"
name = "System P"
unit = "UA"
vendors = ["VA"]
policy = "PP"
calendar = "cn-5x8"
service_mode = "remote"

[[systems]]
code = "SQ"
name = "System Q"
unit = "UA"
vendors = ["VA"]
policy = "PP"
calendar = "cn-5x8"
service_mode = "remote"

[[systems]]
code = "SW"
name = "System W"
unit = "UA"
vendors = ["VA"]
policy = "PW"
calendar = "24x7"
service_mode = "remote"

[[systems]]
code = "SO"
name = "System O"
unit = "UA"
vendors = ["VA"]
policy = "PO"
calendar = "24x7"
service_mode = "remote"

[[systems]]
code = "S126"
name = "海关辅助监管系统"
unit = "UA"
vendors = ["VA"]
policy = "P126"
calendar = "cn-7x24"
service_mode = "remote"
"#;

/// Opens a ticket of `kind` on `system` as the vendor's engineer, recorded at `received`
/// (Beijing time): an earlier start stated by the vendor counts at once.
async fn open(t: &Harness, kind: &str, system: &str, occurred: &str, received: &str) -> Value {
    open_as(t, "eng_a", kind, system, occurred, received).await
}

/// [`open`] as `who`; the server's clock stays at `received`.
async fn open_as(t: &Harness, who: &str, kind: &str, system: &str, occurred: &str, received: &str) -> Value {
    t.time.set(beijing(received));
    t.post(
        who,
        "/api/v1/tickets",
        json!({"kind": kind, "system": system, "severity": "urgent", "title": "故障",
               "occurred_at": format!("{occurred}+08:00"), "received_at": format!("{received}+08:00")}),
    )
    .await
    .expect(StatusCode::CREATED)
}

fn clock<'a>(ticket: &'a Value, name: &str) -> &'a Value {
    ticket["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} clock in {ticket}"))
}

fn deadline(ticket: &Value, name: &str) -> DateTime<Utc> {
    clock(ticket, name)["deadline"].as_str().unwrap().parse().unwrap()
}

async fn read(t: &Harness, ticket: &Value) -> Value {
    t.get(
        "mgr_a",
        &format!("/api/v1/tickets/{}", ticket["number"].as_str().unwrap()),
    )
    .await
    .expect(StatusCode::OK)
}

/// A remark, so that the ticket is measured again with the calendars it counts in now.
async fn remark(t: &Harness, ticket: &Value) -> Value {
    let now = read(t, ticket).await;
    t.act("mgr_a", &now, "comment", json!({"text": "跟进"}))
        .await
        .expect(StatusCode::OK)
}

async fn set_calendar(t: &Harness, system: &str, calendar: &str) {
    let systems = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
    let id = systems
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == system)
        .unwrap()
        .clone();
    let path = format!("/api/v1/systems/{}", id["id"]);
    t.patch("admin", &path, json!({"calendar": calendar, "version": id["version"]}))
        .await
        .expect(StatusCode::OK);
}

both!(a_ticket_keeps_the_calendars_it_opened_with, |t: Harness| async move {
    import(&t, FILE).await.expect(StatusCode::OK);
    // Friday 27 November 16:30 on cn-5x8: 30 working minutes on Friday, 30 on Monday.
    let old = open(&t, "fault", "SP", "2026-11-27T16:30:00", "2026-11-27T16:30:00").await;
    assert_eq!(deadline(&old, "response"), beijing("2026-11-30T09:30:00"), "{old}");
    assert_eq!(deadline(&old, "repair"), beijing("2026-11-30T16:30:00"), "{old}");

    // The system is switched to cn-7x24 at 16:35.
    t.time.set(beijing("2026-11-27T16:35:00"));
    set_calendar(&t, "SP", "cn-7x24").await;

    // A new ticket counts on cn-7x24: its hour ends that Friday.
    let new = open(&t, "fault", "SP", "2026-11-27T16:40:00", "2026-11-27T16:40:00").await;
    assert_eq!(deadline(&new, "response"), beijing("2026-11-27T17:40:00"), "{new}");
    assert_eq!(clock(&new, "response")["calendar"], "cn-7x24");

    // The old one, measured again (a remark at 16:45), keeps its cn-5x8 deadlines.
    t.time.set(beijing("2026-11-27T16:45:00"));
    let again = remark(&t, &old).await;
    assert_eq!(deadline(&again, "response"), beijing("2026-11-30T09:30:00"), "{again}");
    assert_eq!(deadline(&again, "repair"), beijing("2026-11-30T16:30:00"), "{again}");
    assert_eq!(clock(&again, "response")["calendar"], "cn-5x8");
    assert_eq!(clock(&read(&t, &old).await, "repair")["calendar"], "cn-5x8");
});

both!(
    a_moved_ticket_keeps_the_calendars_of_its_move,
    |t: Harness| async move {
        import(&t, FILE).await.expect(StatusCode::OK);
        t.time.set(beijing("2026-11-27T16:00:00"));
        set_calendar(&t, "SP", "cn-7x24").await;
        // Logged on SQ (cn-5x8) at 16:50, moved to SP (now cn-7x24) at 16:55: 1 h from 16:50.
        let logged = open(&t, "fault", "SQ", "2026-11-27T16:50:00", "2026-11-27T16:50:00").await;
        assert_eq!(
            deadline(&logged, "response"),
            beijing("2026-11-30T09:50:00"),
            "{logged}"
        );
        t.time.set(beijing("2026-11-27T16:55:00"));
        let moved = t
            .act(
                "mgr_a",
                &logged,
                "correct",
                json!({"system": "SP", "reason": "登记错了系统"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(deadline(&moved, "response"), beijing("2026-11-27T17:50:00"), "{moved}");
        // SP goes back to cn-5x8 at 17:00: the moved ticket keeps cn-7x24.
        t.time.set(beijing("2026-11-27T17:00:00"));
        set_calendar(&t, "SP", "cn-5x8").await;
        t.time.set(beijing("2026-11-27T17:05:00"));
        let again = remark(&t, &moved).await;
        assert_eq!(deadline(&again, "response"), beijing("2026-11-27T17:50:00"), "{again}");
        assert_eq!(clock(&again, "response")["calendar"], "cn-7x24");
    }
);

/// A window over SW and SO on Friday 27 November from 08:00, with the policies' 重保 targets.
fn window(clock_start: Option<&str>) -> Value {
    let mut w = json!({"code": "w", "name": "重大活动", "systems": ["SW", "SO"], "calendar": "24x7",
        "starts": "2026-11-27T08:00:00+08:00", "ends": "2026-11-28T00:00:00+08:00"});
    if let Some(s) = clock_start {
        w["clock_start"] = json!(s);
    }
    w
}

both!(a_window_counts_its_clocks_from_the_report, |t: Harness| async move {
    // "重大活动期间，投标人在接到故障通知或发现故障问题后，1小时内响应，2小时内修复" (seed 004 L27561).
    import(&t, FILE).await.expect(StatusCode::OK);
    t.time.set(beijing("2026-11-27T07:00:00"));
    t.put("mgr_a", "/api/v1/windows/w", window(None))
        .await
        .expect(StatusCode::OK);
    // Began at 07:40, before the window; reported at 08:30, inside it: the window holds, and
    // every clock counts from the report — the usual 30 min (stricter than 1 h) to 09:00, the
    // window's 2 h (stricter than 8 h) to 10:30.
    let early = open(&t, "fault", "SW", "2026-11-27T07:40:00", "2026-11-27T08:30:00").await;
    assert_eq!(deadline(&early, "response"), beijing("2026-11-27T09:00:00"), "{early}");
    assert_eq!(deadline(&early, "repair"), beijing("2026-11-27T10:30:00"), "{early}");
    let early = read(&t, &early).await;
    assert_eq!(early["major_event"]["code"], "w", "{early}");
    let reason = early["major_event"]["reason"].as_str().unwrap();
    assert!(reason.contains("clocks from the report"), "{reason}");
    // Began at 09:00, reported at 09:20: 2 h from 09:20.
    let inside = open(&t, "fault", "SW", "2026-11-27T09:00:00", "2026-11-27T09:20:00").await;
    assert_eq!(deadline(&inside, "repair"), beijing("2026-11-27T11:20:00"), "{inside}");
    // An alarm is the discovery itself ("或发现故障问题后"): it counts from its firing.
    let alarm = open(&t, "alarm", "SW", "2026-11-27T09:00:00", "2026-11-27T09:20:00").await;
    assert_eq!(deadline(&alarm, "repair"), beijing("2026-11-27T11:00:00"), "{alarm}");
    // A policy whose 重保 targets say `clock_start = "occurred"` keeps the occurrence.
    let occurred = open(&t, "fault", "SO", "2026-11-27T09:00:00", "2026-11-27T09:20:00").await;
    assert_eq!(
        deadline(&occurred, "repair"),
        beijing("2026-11-27T11:00:00"),
        "{occurred}"
    );
    // So does the window when it says so, over its targets' word.
    t.put("mgr_a", "/api/v1/windows/w", window(Some("occurred")))
        .await
        .expect(StatusCode::OK);
    let said = open(&t, "fault", "SW", "2026-11-27T09:30:00", "2026-11-27T09:50:00").await;
    assert_eq!(deadline(&said, "repair"), beijing("2026-11-27T11:30:00"), "{said}");
    // …and a fault that began before it is then not under it: the usual 30 min / 8 h (logged by
    // the buyer: the vendor's earlier start that escapes a window in force waits for the buyer).
    let before = open_as(&t, "mgr_a", "fault", "SW", "2026-11-27T07:40:00", "2026-11-27T10:00:00").await;
    let before = read(&t, &before).await;
    assert!(before.get("major_event").is_none_or(Value::is_null), "{before}");
    assert_eq!(clock(&before, "response")["target"], "30m", "{before}");
    assert_eq!(clock(&before, "repair")["target"], "8h", "{before}");
    // A window that says `reported` over SO's `occurred` targets wins.
    t.put("mgr_a", "/api/v1/windows/w", window(Some("reported")))
        .await
        .expect(StatusCode::OK);
    let over = open(&t, "fault", "SO", "2026-11-27T10:00:00", "2026-11-27T10:20:00").await;
    assert_eq!(deadline(&over, "repair"), beijing("2026-11-27T12:20:00"), "{over}");
    // The window reads back with what it says.
    let listed = t.get("mgr_a", "/api/v1/windows").await.expect(StatusCode::OK);
    assert_eq!(listed[0]["clock_start"], "reported", "{listed}");
});

both!(an_immediate_response_counts_from_the_report, |t: Harness| async move {
    // sy-126 (seed 004 L22948–22951) "工程师立即响应；业务应在 4 小时内恢复正常", on a policy that
    // counts from the fault. Began at 08:00, reported at 08:30: the response is due at 08:30 —
    // nobody can answer before being told — and the 4 h repair at 12:00, from the fault.
    import(&t, FILE).await.expect(StatusCode::OK);
    let preview = post_at(
        &t,
        "eng_a",
        "/api/v1/tickets/preview",
        json!({"kind": "fault", "system": "S126", "severity": "urgent", "title": "业务停止",
               "occurred_at": "2026-11-27T08:00:00+08:00", "received_at": "2026-11-27T08:30:00+08:00"}),
        beijing("2026-11-27T08:30:00"),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        deadline(&preview, "response"),
        beijing("2026-11-27T08:30:00"),
        "{preview}"
    );
    assert_eq!(
        deadline(&preview, "repair"),
        beijing("2026-11-27T12:00:00"),
        "{preview}"
    );
    let v = open(&t, "fault", "S126", "2026-11-27T08:00:00", "2026-11-27T08:30:00").await;
    assert_eq!(clock(&v, "response")["target"], "0m", "{v}");
    assert_eq!(deadline(&v, "response"), beijing("2026-11-27T08:30:00"), "{v}");
    assert_eq!(deadline(&v, "repair"), beijing("2026-11-27T12:00:00"), "{v}");
    // Answered in the minute it was reported: met, not 30 minutes late.
    let acked = crate::recorded::act_at(
        &t,
        "eng_a",
        &v,
        "acknowledge",
        beijing("2026-11-27T08:30:00"),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(clock(&acked, "response")["breached"], false, "{acked}");
    // Answered 7 minutes after the report: 7 minutes late.
    let late = open(&t, "fault", "S126", "2026-11-27T08:00:00", "2026-11-27T08:30:00").await;
    let acked = crate::recorded::act_at(
        &t,
        "eng_a",
        &late,
        "acknowledge",
        beijing("2026-11-27T08:37:00"),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(clock(&acked, "response")["breached"], true, "{acked}");
    assert_eq!(clock(&acked, "response")["overdue_seconds"], 7 * 60, "{acked}");
});
