//! Duty rosters, major-event windows, exclusion windows and scheduled duties over HTTP.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, TimeDelta, Utc};
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::{audit_log, duties, outbox, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
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

fn roster() -> Value {
    json!({
        "code": "va-duty", "name": "Vendor A 值班", "vendor": "VA", "calendar": "cn-5x8",
        "shifts": [
            {"name": "day", "start": "08:00", "end": "20:00", "anchor": "2026-11-02",
             "members": ["eng_a", "eng_a2"]},
            {"name": "night", "start": "20:00", "end": "08:00", "anchor": "2026-11-02",
             "members": ["eng_a3"]}
        ],
        "staffing": [{"team": "ops", "min": 2}]
    })
}

/// The iCalendar text read back by Python's `icalendar` (Debian's python3-icalendar): one
/// `[uid, start, end, summary]` per event, times in UTC.
fn parse_ics(text: &str) -> Vec<Vec<String>> {
    let file = std::env::temp_dir().join(format!(
        "opsclock-shifts-{}-{:?}.ics",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&file, text).unwrap();
    let script = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
assert cal['VERSION'] == '2.0', cal['VERSION']
out = []
for e in cal.walk('VEVENT'):
    out.append([str(e['UID']), e['DTSTART'].dt.isoformat(), e['DTEND'].dt.isoformat(), str(e['SUMMARY'])])
print(json.dumps(out))
"#;
    let res = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(&file)
        .output()
        .expect("python3 (apt-get install -y python3-icalendar; ./scripts/test installs it)");
    let _ = std::fs::remove_file(&file);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    serde_json::from_slice(&res.stdout).unwrap()
}

both!(
    rosters_answer_who_is_on_duty_assign_tickets_report_gaps_and_export_ics,
    |mut t: Harness| async move {
        let va = t.ids.vendor_a;
        t.add_user("eng_a2", "engineer", None, Some(va)).await;
        t.add_user("eng_a3", "engineer", None, Some(va)).await;
        // Engineers may not set rosters; members must work for the vendor.
        put(&t, "eng_a", "/api/v1/rosters/va-duty", roster())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let mut bad = roster();
        bad["shifts"][0]["members"] = json!(["eng_a", "eng_b"]);
        let detail = put(&t, "mgr_a", "/api/v1/rosters/va-duty", bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("\"eng_b\" does not work for vendor \"VA\""), "{detail}");
        let mut bad = roster();
        bad["shifts"][0]["start"] = json!("8am");
        put(&t, "mgr_a", "/api/v1/rosters/va-duty", bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        put(&t, "mgr_a", "/api/v1/rosters/va-duty", roster())
            .await
            .expect(StatusCode::OK);

        // Day shifts rotate daily from Monday 2 Nov: eng_a, eng_a2, eng_a, …; nights are eng_a3's.
        let who = |at: &'static str| {
            let t = &t;
            async move {
                let a = t
                    .get(
                        "mgr_a",
                        &format!("/api/v1/on-duty?system=SA&at={}", at.replace('+', "%2B")),
                    )
                    .await
                    .expect(StatusCode::OK);
                assert_eq!(a["covered"], true);
                a["on_duty"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["username"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(who("2026-11-02T10:00:00+08:00").await, ["eng_a"]);
        assert_eq!(who("2026-11-03T10:00:00+08:00").await, ["eng_a2"]);
        assert_eq!(who("2026-11-03T23:00:00+08:00").await, ["eng_a3"]);
        // System B's vendor has no roster: not covered.
        let b = t.get("admin", "/api/v1/on-duty?system=SB").await.expect(StatusCode::OK);
        assert_eq!(b["covered"], false);

        // A new ticket without an assignee goes to whoever is on duty when it is received.
        let open = |received: &'static str| {
            let t = &t;
            async move {
                t.post(
                    "mgr_a",
                    "/api/v1/tickets",
                    json!({"kind": "fault", "system": "SA", "severity": "general",
                "title": "交换机端口故障", "received_at": received}),
                )
                .await
                .expect(StatusCode::CREATED)
            }
        };
        assert_eq!(
            open("2026-11-03T10:00:00+08:00").await["assignee_id"],
            t.user_ids["eng_a2"]
        );
        assert_eq!(
            open("2026-11-03T21:00:00+08:00").await["assignee_id"],
            t.user_ids["eng_a3"]
        );
        let on_b = t
            .post(
                "mgr_b",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SB", "severity": "general", "title": "x"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(on_b["assignee_id"], Value::Null, "no roster, nobody assigned");

        // An override: eng_a covers eng_a2's day shift on 3 Nov.
        let o = json!({"line": "day", "date": "2026-11-03", "off": "eng_a2", "on": "eng_a", "reason": "eng_a2 sick"});
        t.post("eng_a", "/api/v1/rosters/va-duty/overrides", o.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let mut bad = o.clone();
        bad["line"] = json!("evening");
        let detail = t
            .post("mgr_a", "/api/v1/rosters/va-duty/overrides", bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("it has: day, night"), "{detail}");
        t.post("mgr_a", "/api/v1/rosters/va-duty/overrides", o)
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(who("2026-11-03T10:00:00+08:00").await, ["eng_a"]);

        // Gaps: the rule asks for two ops people; one holds each shift.
        let gaps = t
            .get(
                "mgr_a",
                "/api/v1/rosters/gaps?from=2026-11-02T08:00:00%2B08:00&to=2026-11-03T08:00:00%2B08:00",
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            gaps,
            json!([{"source": "va-duty", "vendor": "VA", "gap": {"team": "ops",
        "from": "2026-11-02T00:00:00Z", "to": "2026-11-03T00:00:00Z", "have": 1, "need": 2}}])
        );
        // A window asking for two security people on duty shows their absence too, for its span only.
        // (Over every system: the bureau's to set, not a unit's.)
        put(
            &t,
            "bureau",
            "/api/v1/windows/drill",
            json!({"code": "drill", "name": "护网演练",
        "starts": "2026-11-02T12:00:00+08:00", "ends": "2026-11-02T14:00:00+08:00",
        "staffing": [{"team": "security", "min": 2, "vendor": "VA"}]}),
        )
        .await
        .expect(StatusCode::OK);
        let gaps = t
            .get(
                "mgr_a",
                "/api/v1/rosters/gaps?from=2026-11-02T08:00:00%2B08:00&to=2026-11-03T08:00:00%2B08:00",
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            gaps[1],
            json!({"source": "window:drill", "vendor": "VA", "gap": {"team": "security",
        "from": "2026-11-02T04:00:00Z", "to": "2026-11-02T06:00:00Z", "have": 0, "need": 2}})
        );

        // eng_a's week as iCalendar, read back by a real parser: day shifts on 2, 3 (override), 4, 6, 8 Nov.
        let ics = t
            .get(
                "eng_a",
                "/api/v1/users/eng_a/shifts.ics?from=2026-11-02T00:00:00%2B08:00&to=2026-11-09T00:00:00%2B08:00",
            )
            .await;
        assert_eq!(ics.content_type, "text/calendar; charset=utf-8");
        let events = parse_ics(ics.body.as_str().unwrap());
        let starts: Vec<&str> = events.iter().map(|e| e[1].as_str()).collect();
        assert_eq!(
            starts,
            [
                "2026-11-02T00:00:00+00:00",
                "2026-11-03T00:00:00+00:00",
                "2026-11-04T00:00:00+00:00",
                "2026-11-06T00:00:00+00:00",
                "2026-11-08T00:00:00+00:00"
            ]
        );
        assert_eq!(events[0][2], "2026-11-02T12:00:00+00:00");
        assert_eq!(events[0][0], "va-duty-day-20261102-eng_a@opsclock");
        assert!(events[0][3].contains("Vendor A 值班"), "{:?}", events[0]);
        t.get("eng_b", "/api/v1/users/eng_a/shifts.ics")
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");

        // The escalation role on_duty means who is on duty now, not everyone holding the role.
        for (name, roles) in [
            ("eng_a", json!(["on_duty"])),
            ("eng_a2", json!(["on_duty"])),
            ("eng_a3", json!(["on_duty"])),
        ] {
            let u = users::Entity::find_by_id(t.user_ids[name])
                .one(&t.state.db)
                .await
                .unwrap()
                .unwrap();
            let mut am = u.into_active_model();
            am.email = Set(Some(format!("{name}@va.test")));
            am.notify_roles = Set(Some(roles));
            am.update(&t.state.db).await.unwrap();
        }
        put(
            &t,
            "admin",
            "/api/v1/ladders/default",
            json!({"steps": [{"id": "now", "when": "1%", "notify": ["on_duty"]}]}),
        )
        .await
        .expect(StatusCode::OK);
        let now = t.now();
        // Logged two hours ago, when it was received (a back-dated opening would wait for the vendor).
        let ticket = crate::recorded::post_at(
            &t,
            "mgr_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "general",
        "title": "late", "assignee_id": t.user_ids["eng_a"], "received_at": now - TimeDelta::hours(2)}),
            now - TimeDelta::hours(2),
        )
        .await
        .expect(StatusCode::CREATED);
        let sweeper = Sweeper {
            db: t.state.db.clone(),
            calendars: t.state.calendars.clone(),
            time: t.time.clone(),
            links: Links::new(None, "127.0.0.1:8080", "ops.test".into()),
            batch: 100,
            notices: Default::default(),
        };
        sweeper.sweep().await.unwrap();
        let on_duty_now: Vec<String> =
            t.get("mgr_a", "/api/v1/on-duty?system=SA").await.expect(StatusCode::OK)["on_duty"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| format!("{}@va.test", p["username"].as_str().unwrap()))
                .collect();
        assert_eq!(on_duty_now.len(), 1, "one person holds each shift: {on_duty_now:?}");
        let mail = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("escalation"))
            .all(&t.state.db)
            .await
            .unwrap();
        assert!(!mail.is_empty(), "{ticket}");
        for m in mail {
            let to: Vec<String> = serde_json::from_value(m.recipients).unwrap();
            assert_eq!(to, on_duty_now);
        }
    }
);

both!(
    a_major_event_window_tightens_tickets_opened_inside_and_leaves_open_ones_alone,
    |t: Harness| async move {
        let window = json!({"code": "guoqing", "name": "国庆重保", "units": ["UA"], "calendar": "24x7",
        "starts": "2026-10-01T00:00:00+08:00", "ends": "2026-10-08T00:00:00+08:00",
        "targets": {"response": "10m", "arrival": "3h", "repair": "2h"}});
        put(&t, "eng_a", "/api/v1/windows/guoqing", window.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let mut bad = window.clone();
        bad["ends"] = json!("2026-09-30T00:00:00+08:00");
        put(&t, "mgr_a", "/api/v1/windows/guoqing", bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        // Opened before the window is stored: the ticket keeps the usual targets whatever comes later.
        let open = |system: &'static str, kind: &'static str, sev: &'static str, at: &'static str| {
            let t = &t;
            async move {
                let who = if system == "SA" { "mgr_a" } else { "mgr_b" };
                // Logged when it happened.
                crate::recorded::post_at(
                    t,
                    who,
                    "/api/v1/tickets",
                    json!({"kind": kind, "system": system, "severity": sev, "title": "x",
                "occurred_at": at, "received_at": at}),
                    at.parse().unwrap(),
                )
                .await
                .expect(StatusCode::CREATED)
            }
        };
        let targets = |v: &Value| -> Vec<String> {
            v["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| format!("{}={}", c["name"].as_str().unwrap(), c["target"].as_str().unwrap()))
                .collect()
        };
        let before = open("SA", "fault", "urgent", "2026-09-30T23:00:00+08:00").await;
        put(&t, "mgr_a", "/api/v1/windows/guoqing", window)
            .await
            .expect(StatusCode::OK);
        let inside = open("SA", "fault", "urgent", "2026-10-02T10:00:00+08:00").await;
        let other_unit = open("SB", "fault", "urgent", "2026-10-02T10:00:00+08:00").await;
        let request = open("SA", "request", "general", "2026-10-02T10:00:00+08:00").await;
        assert_eq!(targets(&before), ["response=15m", "arrival=2h", "repair=4h"]);
        // Stricter where the window is stricter; the usual arrival (2h) where the window's (3h) is looser.
        assert_eq!(targets(&inside), ["response=10m", "arrival=2h", "repair=2h"]);
        assert_eq!(targets(&other_unit), ["response=15m", "repair=4h"]);
        assert_eq!(targets(&request), ["response=30m", "repair=3d"]);
        // The ticket says why.
        let read = t
            .get(
                "mgr_a",
                &format!("/api/v1/tickets/{}", inside["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        let reason = read["major_event"]["reason"].as_str().unwrap();
        assert!(reason.contains("response 10m (window; usual 15m)"), "{reason}");
        assert!(
            reason.contains("arrival 2h (usual; window 3h is not stricter)"),
            "{reason}"
        );
        assert_eq!(read["major_event"]["code"], "guoqing");
        let read_before = t
            .get(
                "mgr_a",
                &format!("/api/v1/tickets/{}", before["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        assert!(read_before.get("major_event").is_none(), "{read_before}");
        // The window calendar: 24x7, so the repair deadline is two wall-clock hours.
        let repair = read["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "repair")
            .unwrap();
        assert_eq!(repair["deadline"], "2026-10-02T04:00:00Z");
        assert_eq!(repair["calendar"], "24x7");
        // Re-graded under the window: general has no arrival target of its own, so the window's 3h
        // holds; response and repair are the window's.
        let regraded = t
            .act(
                "mgr_a",
                &inside,
                "regrade",
                json!({"severity": "general", "reason": "workaround found"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(targets(&regraded), ["response=10m", "arrival=3h", "repair=2h"]);

        // Next year's windows are offered from the calendar's holidays.
        let tpl = t
            .get("mgr_a", "/api/v1/windows/template?year=2026")
            .await
            .expect(StatusCode::OK);
        let guoqing = tpl
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["code"] == "guoqing-2026")
            .unwrap();
        assert_eq!(
            (guoqing["starts"].as_str(), guoqing["ends"].as_str()),
            (Some("2026-09-30T16:00:00Z"), Some("2026-10-07T16:00:00Z"))
        );
        assert_eq!(tpl.as_array().unwrap().len(), 7, "{tpl}");
        t.get("mgr_a", "/api/v1/windows/template?year=2031")
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let listed = t.get("viewer_a", "/api/v1/windows").await.expect(StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 1);
    }
);

both!(
    an_approved_exclusion_moves_deadlines_and_every_step_is_audited,
    |t: Harness| async move {
        let start = t.now() - TimeDelta::hours(3);
        let ticket = crate::recorded::post_at(
            &t,
            "mgr_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "urgent",
        "title": "down", "received_at": start}),
            start,
        )
        .await
        .expect(StatusCode::CREATED);
        let number = ticket["number"].as_str().unwrap().to_owned();
        let repair = |v: &Value| {
            v["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == "repair")
                .unwrap()
                .clone()
        };
        let deadline = |v: &Value| {
            repair(v)["deadline"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap()
        };
        let original = deadline(&ticket);
        let window = json!({"system": "SA", "kind": "maintenance", "starts": start + TimeDelta::hours(1),
        "ends": start + TimeDelta::hours(2), "reason": "批准的计划检修 #2026-118"});
        // Engineers propose; nothing changes until a manager approves.
        let proposed = t
            .post("eng_a", "/api/v1/exclusions", window)
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(proposed["status"], "proposed");
        let read = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(deadline(&read), original);
        let id = proposed["id"].as_i64().unwrap();
        t.post("eng_a", &format!("/api/v1/exclusions/{id}/approve"), json!({}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let approved = t
            .post(
                "mgr_a",
                &format!("/api/v1/exclusions/{id}/approve"),
                json!({"note": "ok"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(approved["status"], "approved");
        let read = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            deadline(&read),
            original + Duration::hours(1),
            "the excluded hour moves the deadline"
        );
        assert_eq!(repair(&read)["paused_seconds"], 3600);
        // Approving twice is a conflict with the state; revoking needs a reason.
        t.post("mgr_a", &format!("/api/v1/exclusions/{id}/approve"), json!({}))
            .await
            .problem(StatusCode::CONFLICT, "invalid-transition");
        t.post("mgr_a", &format!("/api/v1/exclusions/{id}/revoke"), json!({}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        // Force majeure is a manager's call.
        let fm = json!({"system": "SA", "kind": "force_majeure", "starts": start, "ends": start + TimeDelta::minutes(30), "reason": "暴雨断电"});
        t.post("eng_a", "/api/v1/exclusions", fm.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let fm = t
            .post("mgr_a", "/api/v1/exclusions", fm)
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(fm["status"], "approved");
        let read = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(deadline(&read), original + Duration::minutes(90));
        t.post(
            "mgr_a",
            &format!("/api/v1/exclusions/{id}/revoke"),
            json!({"note": "检修未实施"}),
        )
        .await
        .expect(StatusCode::OK);
        let read = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(deadline(&read), original + Duration::minutes(30));
        let listed = t
            .get("mgr_a", "/api/v1/exclusions?system=SA&status=revoked")
            .await
            .expect(StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let audited: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::Action.starts_with("exclusion."))
            .all(&t.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert_eq!(
            audited,
            [
                "exclusion.record",
                "exclusion.approve",
                "exclusion.record",
                "exclusion.revoke"
            ]
        );

        // Other units and vendors cannot see, record or decide on System A's exclusions.
        let other = json!({"system": "SA", "kind": "maintenance", "starts": start,
            "ends": start + TimeDelta::minutes(5), "reason": "x"});
        t.post("eng_b", "/api/v1/exclusions", other)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        t.post(
            "mgr_b",
            &format!("/api/v1/exclusions/{id}/revoke"),
            json!({"note": "x"}),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(
            t.get("mgr_b", "/api/v1/exclusions").await.expect(StatusCode::OK),
            json!([])
        );

        // A window still to come: the clock runs until it starts, and the sweep is told to look
        // again when it does (not to read the clock at the window's end).
        let now = t.now();
        let soon = json!({"system": "SA", "kind": "maintenance", "starts": now + TimeDelta::minutes(10),
            "ends": now + TimeDelta::minutes(20), "reason": "planned"});
        t.post("mgr_a", "/api/v1/exclusions", soon)
            .await
            .expect(StatusCode::CREATED);
        let read = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(repair(&read)["state"], "running");
        // A clock's status knows only what happened by now: the deadline moves when the window begins.
        assert_eq!(deadline(&read), original + Duration::minutes(30));
        let row = opsclock::db::entities::clocks::Entity::find()
            .filter(opsclock::db::entities::clocks::Column::Name.eq("repair"))
            .one(&t.state.db)
            .await
            .unwrap()
            .unwrap();
        let next = row.next_due_at.expect("a next look");
        assert!(
            next <= now + TimeDelta::minutes(10) + TimeDelta::seconds(1),
            "{next} vs {now}"
        );
    }
);

both!(
    scheduled_duties_open_request_tickets_once_and_count_quotas,
    |t: Harness| async move {
        let duty = json!({"code": "inspect-sa", "name": "System A 日巡检", "system": "SA", "schedule": "0 9 * * *",
        "due": "4h", "assignee": "eng_a", "quota": {"count": 40, "per": "month"}});
        put(&t, "eng_a", "/api/v1/duties/inspect-sa", duty.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let mut bad = duty.clone();
        bad["schedule"] = json!("every morning");
        let detail = put(&t, "mgr_a", "/api/v1/duties/inspect-sa", bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("not a cron rule"), "{detail}");
        put(&t, "mgr_a", "/api/v1/duties/inspect-sa", duty)
            .await
            .expect(StatusCode::OK);
        let listed = t.get("mgr_a", "/api/v1/duties").await.expect(StatusCode::OK);
        let next: DateTime<Utc> = listed[0]["next_run_at"].as_str().unwrap().parse().unwrap();
        assert!(next > t.now() && next <= t.now() + TimeDelta::days(1), "{next}");
        assert_eq!(
            next.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%H:%M")
                .to_string(),
            "09:00",
            "09:00 in the calendar's zone (24x7 is Beijing time)"
        );

        // The servers were down for three days: each missed occurrence opens its own ticket, dated
        // at its occurrence, once however often (and however many servers) run the scheduler.
        let first = next - TimeDelta::days(3);
        let row = duties::Entity::find().one(&t.state.db).await.unwrap().unwrap();
        let mut am = row.into_active_model();
        am.next_run_at = Set(Some(first));
        am.update(&t.state.db).await.unwrap();
        let now = t.now();
        let calendars = t.state.calendars.snapshot();
        let (a, b) = tokio::join!(
            opsclock::app::duty::scheduled::run_due(&t.state.db, &calendars, now),
            opsclock::app::duty::scheduled::run_due(&t.state.db, &calendars, now),
        );
        let mut opened = a.unwrap();
        opened.extend(b.unwrap());
        assert_eq!(opened.len(), 3, "{opened:?}");
        assert!(
            opsclock::app::duty::scheduled::run_due(&t.state.db, &t.state.calendars.snapshot(), now)
                .await
                .unwrap()
                .is_empty()
        );
        opened.sort();
        let mut received = Vec::new();
        for n in &opened {
            let v = t
                .get("mgr_a", &format!("/api/v1/tickets/{n}"))
                .await
                .expect(StatusCode::OK);
            assert_eq!(v["kind"], "request");
            assert_eq!(v["duty"], "inspect-sa");
            assert_eq!(v["assignee_id"], t.user_ids["eng_a"]);
            let repair = &v["clocks"][0];
            assert_eq!(
                (repair["name"].as_str(), repair["target"].as_str()),
                (Some("repair"), Some("4h"))
            );
            received.push(v["received_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap());
            // A missed duty is a breach like any other: the first two are long overdue.
            if received.len() < 3 {
                assert_eq!(v["clocks"][0]["state"], "breached-running", "{v}");
            }
        }
        received.sort();
        assert_eq!(
            received,
            [first, first + TimeDelta::days(1), first + TimeDelta::days(2)]
        );

        // A quota counts the duty's resolved tickets this month, including ones logged by hand.
        put(
            &t,
            "mgr_a",
            "/api/v1/duties/pentest",
            json!({"code": "pentest", "name": "渗透测试", "system": "SA",
        "quota": {"count": 4, "per": "year"}}),
        )
        .await
        .expect(StatusCode::OK);
        let manual = t
            .post(
                "mgr_a",
                "/api/v1/tickets",
                json!({"kind": "request", "system": "SA", "severity": "general",
        "title": "Q4 渗透测试", "duty": "pentest"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let acked = t
            .act("eng_a", &manual, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        t.act(
            "eng_a",
            &acked,
            "resolve",
            json!({"root_cause": "scheduled", "fix": "done, report filed"}),
        )
        .await
        .expect(StatusCode::OK);
        let listed = t.get("mgr_a", "/api/v1/duties").await.expect(StatusCode::OK);
        let pentest = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["duty"]["code"] == "pentest")
            .unwrap();
        assert_eq!(pentest["quota"]["done"], 1);
        assert_eq!(pentest["quota"]["required"], 4);
        assert_eq!(pentest["quota"]["met"], false);
        assert_eq!(
            pentest["quota"]["period"],
            t.now()
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y")
                .to_string()
        );
        let bad = t
            .post(
                "mgr_a",
                "/api/v1/tickets",
                json!({"kind": "request", "system": "SA", "severity": "general",
        "title": "x", "duty": "nope"}),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(bad.contains("no duty"), "{bad}");
    }
);

both!(
    a_scheduled_duty_opens_its_ticket_through_the_one_opening_and_is_audited,
    |t: Harness| async move {
        // A roster-less duty with a named assignee, due now.
        put(
            &t,
            "mgr_a",
            "/api/v1/duties/backup-sa",
            json!({"code": "backup-sa", "name": "System A 备份检查", "system": "SA", "schedule": "0 9 * * *",
                "due": "4h", "assignee": "eng_a"}),
        )
        .await
        .expect(StatusCode::OK);
        let row = duties::Entity::find().one(&t.state.db).await.unwrap().unwrap();
        let mut am = row.into_active_model();
        am.next_run_at = Set(Some(t.now() - TimeDelta::hours(1)));
        am.update(&t.state.db).await.unwrap();
        let opened = opsclock::app::duty::scheduled::run_due(&t.state.db, &t.state.calendars.snapshot(), t.now())
            .await
            .unwrap();
        assert_eq!(opened.len(), 1, "{opened:?}");

        // Opened like a ticket from the API: one `ticket.open` entry naming the system, by no
        // user (the schedule opened it) and from no address.
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Target.eq(opened[0].as_str()))
            .all(&t.state.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1, "{audited:?}");
        assert_eq!(audited[0].action, "ticket.open");
        assert_eq!(audited[0].user_id, None);
        assert_eq!(audited[0].remote_addr, None);
        assert_eq!(audited[0].detail["system"], "SA");
        let v = t
            .get("mgr_a", &format!("/api/v1/tickets/{}", opened[0]))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["duty"], "backup-sa");
        assert_eq!(v["assignee_id"], t.user_ids["eng_a"]);
    }
);
