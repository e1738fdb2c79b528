//! Ladders, rosters, exclusions and scheduled duties (issue 25): a setting that would break what
//! uses it is refused when it is saved, with a 422 naming the field; and one stored anyway (saved
//! before the check, or gone bad since) never stops a ticket from opening, the escalation sweep
//! or the duty job: what uses it carries on with the others and says why.

use axum::http::{Method, StatusCode};
use chrono::TimeDelta;
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::{duties, escalation_ladders, outbox, rosters};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Answer, Harness, opsclock, scratch};

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

fn sweeper(t: &Harness) -> Sweeper {
    Sweeper {
        db: t.state.db.clone(),
        calendars: t.state.calendars.clone(),
        time: t.time.clone(),
        links: Links::new(None, "127.0.0.1:8080", "ops.test".into()),
        batch: 100,
        notices: Default::default(),
    }
}

/// The timeline entries of ticket `number` of type `kind`.
async fn timeline(t: &Harness, number: &str, kind: &str) -> Vec<Value> {
    let v = t
        .get("admin", &format!("/api/v1/tickets/{number}"))
        .await
        .expect(StatusCode::OK);
    v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .cloned()
        .collect()
}

/// A ladder whose second step repeats once, 12 000 working hours after the deadline: six years
/// of a 5×8 calendar's working time, past the years cn-5x8 counts (to 2031).
fn long_ladder() -> Value {
    json!({"steps": [
        {"id": "half", "when": "50%", "notify": ["noc@ops.test"]},
        {"id": "yearly", "when": "every 12000h after breach, 1 times", "notify": ["noc@ops.test"]}
    ]})
}

both!(
    a_ladder_step_that_cannot_be_computed_is_refused,
    |t: Harness| async move {
        let answer = put(&t, "admin", "/api/v1/ladders/P", long_ladder()).await;
        assert_eq!(answer.body["field"], "steps[1].when", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("\"yearly\"") && detail.contains("cn-5x8"), "{detail}");
        // The same ladder on a severity whose targets are all short is refused too: the repeat
        // itself reaches past the calendar.
        put(&t, "admin", "/api/v1/ladders/P:urgent", long_ladder())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            escalation_ladders::Entity::find()
                .all(&t.state.db)
                .await
                .unwrap()
                .is_empty(),
            "nothing stored"
        );
    }
);

both!(
    a_stored_ladder_step_that_cannot_be_computed_is_skipped_and_the_others_escalate,
    |t: Harness| async move {
        // Stored without the check (as before it existed): tickets on its systems still open,
        // and the sweep sends the step it can compute and skips the one it cannot.
        escalation_ladders::ActiveModel {
            scope: Set("P".into()),
            policy_id: Set(Some(t.ids.policy)),
            severity: Set(None),
            steps: Set(long_ladder()),
            updated_at: Set(t.now()),
            ..Default::default()
        }
        .insert(&t.state.db)
        .await
        .unwrap();
        // System B counts in cn-5x8: opening evaluates the ladder on every clock.
        let opened = t
            .post(
                "mgr_b",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SB", "severity": "urgent", "title": "断网"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = opened["number"].as_str().unwrap().to_owned();
        // Ten minutes on, half of the 15-minute response has passed.
        t.time.advance(TimeDelta::minutes(10));
        let report = sweeper(&t).sweep().await.unwrap();
        assert_eq!(report.failed, 0, "{report:?}");
        assert!(report.steps_skipped >= 1, "{report:?}");
        let keys: Vec<String> = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("escalation"))
            .all(&t.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.dedup_key)
            .collect();
        assert!(keys.contains(&format!("{number}/response/half/0")), "{keys:?}");
        // The ticket's actions still work (each write evaluates the ladder again).
        t.act("eng_b", &opened, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
    }
);

/// A roster of vendor A with one line in turn between `members`.
fn roster(code: &str, days: &str, anchor: &str, members: &[&str]) -> Value {
    json!({"code": code, "name": "值班", "vendor": "VA", "calendar": "cn-5x8",
        "shifts": [{"name": "all", "start": "00:00", "end": "00:00", "days": days,
                    "anchor": anchor, "members": members}],
        "staffing": [{"team": "ops", "min": 2}]})
}

both!(a_roster_that_cannot_answer_is_refused, |t: Harness| async move {
    // Turns follow cn-5x8's working days from 2020, before the years it covers (2024 on).
    let before = roster("early", "workdays", "2020-01-06", &["eng_a"]);
    let answer = put(&t, "mgr_a", "/api/v1/rosters/early", before).await;
    assert_eq!(answer.body["field"], "shifts[0].anchor", "{}", answer.body);
    let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(detail.contains("2020") && detail.contains("cn-5x8"), "{detail}");
    // An anchor past the years the calendar counts at all: the line would never hold a shift.
    put(
        &t,
        "mgr_a",
        "/api/v1/rosters/late",
        roster("late", "all", "2040-01-02", &["eng_a"]),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
});

both!(
    a_stored_roster_that_cannot_answer_is_left_out_and_the_others_answer,
    |t: Harness| async move {
        put(
            &t,
            "mgr_a",
            "/api/v1/rosters/good",
            roster("good", "all", "2026-11-02", &["eng_a"]),
        )
        .await
        .expect(StatusCode::OK);
        let before = roster("early", "workdays", "2020-01-06", &["eng_a"]);
        // Stored without the checks: the early one, and one whose document cannot be read (a
        // format this version does not know).
        let mut unreadable = roster("unreadable", "all", "2026-11-02", &["eng_a"]);
        unreadable["shifts"][0]["rotation"] = json!("fortnightly");
        for (code, doc) in [("early", before), ("unreadable", unreadable)] {
            rosters::ActiveModel {
                code: Set(code.into()),
                name: Set("值班".into()),
                vendor_id: Set(t.ids.vendor_a),
                calendar: Set("cn-5x8".into()),
                systems: Set(json!([])),
                document: Set(doc),
                updated_at: Set(t.now()),
                ..Default::default()
            }
            .insert(&t.state.db)
            .await
            .unwrap();
        }
        // A ticket of vendor A's system still goes to whoever the good roster has on duty.
        let opened = t
            .post(
                "mgr_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "severity": "general", "title": "端口故障"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(opened["assignee_id"], t.user_ids["eng_a"], "{opened}");
        let who = t.get("mgr_a", "/api/v1/on-duty?system=SA").await.expect(StatusCode::OK);
        assert_eq!(who["on_duty"][0]["roster"], "good", "{who}");
        // The gaps and a person's shifts come from the rosters that can answer.
        let gaps = t.get("mgr_a", "/api/v1/rosters/gaps").await.expect(StatusCode::OK);
        let sources: Vec<&str> = gaps
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["source"].as_str().unwrap())
            .collect();
        assert!(sources.contains(&"good") && !sources.contains(&"early"), "{gaps}");
        let (status, _, ics) = t.download("eng_a", "/api/v1/users/eng_a/shifts.ics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8(ics).unwrap().contains("BEGIN:VEVENT"));
        let listed = t.get("mgr_a", "/api/v1/rosters").await.expect(StatusCode::OK);
        assert!(
            listed.as_array().unwrap().iter().any(|r| r["code"] == "good"),
            "{listed}"
        );
        // The escalation sweep asks who is on duty too.
        t.time.advance(TimeDelta::hours(2));
        assert_eq!(sweeper(&t).sweep().await.unwrap().failed, 0);
    }
);

both!(
    an_exclusion_outside_what_the_calendar_counts_is_refused,
    |t: Harness| async move {
        let exclusion = |starts: &str, ends: &str| {
            json!({"system": "SB", "kind": "maintenance", "starts": starts, "ends": ends,
                "reason": "机房搬迁"})
        };
        for (starts, ends, field) in [
            // cn-5x8 counts from 2024 to 2031.
            ("2026-12-01T00:00:00+08:00", "2040-01-01T00:00:00+08:00", "ends"),
            ("2020-01-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00", "starts"),
            // Inverted.
            ("2026-12-02T00:00:00+08:00", "2026-12-01T00:00:00+08:00", "ends"),
        ] {
            let answer = t.post("mgr_b", "/api/v1/exclusions", exclusion(starts, ends)).await;
            assert_eq!(answer.body["field"], field, "{starts}–{ends}: {}", answer.body);
            answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        }
        // An unknown system is named too.
        let mut unknown = exclusion("2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00");
        unknown["system"] = json!("NOPE");
        let answer = t.post("admin", "/api/v1/exclusions", unknown).await;
        assert_eq!(answer.body["field"], "system", "{}", answer.body);
        // Up to the last day it counts (provisionally), and from its first, is fine.
        let whole = t
            .post(
                "mgr_b",
                "/api/v1/exclusions",
                exclusion("2024-01-01T00:00:00+08:00", "2032-01-01T00:00:00+08:00"),
            )
            .await
            .expect(StatusCode::CREATED);
        t.post(
            "mgr_b",
            &format!("/api/v1/exclusions/{}/revoke", whole["id"]),
            json!({"note": "录错了"}),
        )
        .await
        .expect(StatusCode::OK);
    }
);

both!(
    a_stored_exclusion_outside_what_the_calendar_counts_stops_nothing,
    |t: Harness| async move {
        // Stored without the check, approved: one running into 2040 and one wholly past what
        // cn-5x8 counts. The system's tickets still open, act and escalate: a clock paused by an
        // exclusion counts its deadline from the instant asked, never from the exclusion's end.
        use opsclock::db::entities::exclusions;
        for (starts, ends) in [
            ("2026-11-25T11:00:00+08:00", "2040-01-01T00:00:00+08:00"),
            ("2035-01-01T00:00:00+08:00", "2036-01-01T00:00:00+08:00"),
        ] {
            exclusions::ActiveModel {
                system_id: Set(t.ids.sys_b),
                kind: Set("maintenance".into()),
                starts_at: Set(starts.parse().unwrap()),
                ends_at: Set(ends.parse().unwrap()),
                reason: Set("机房搬迁".into()),
                status: Set(opsclock::db::Key(exclusions::Status::Approved)),
                requested_by: Set(None),
                decided_by: Set(None),
                decided_at: Set(None),
                decision_note: Set(None),
                created_at: Set(t.now()),
                ..Default::default()
            }
            .insert(&t.state.db)
            .await
            .unwrap();
        }
        let opened = t
            .post(
                "mgr_b",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SB", "severity": "urgent", "title": "x"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(opened["clocks"][0]["state"], "running", "{opened}");
        t.time.advance(TimeDelta::hours(3));
        assert_eq!(sweeper(&t).sweep().await.unwrap().failed, 0);
        let read = t
            .get(
                "mgr_b",
                &format!("/api/v1/tickets/{}", opened["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(read["clocks"][0]["state"], "paused", "{read}");
        t.act("eng_b", &read, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        t.get("admin", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
    }
);

/// A duty of system B (which counts in cn-5x8) due at 09:00 daily, `due` after each occurrence.
fn duty(code: &str, due: &str) -> Value {
    json!({"code": code, "name": "System B 日巡检", "system": "SB", "schedule": "0 9 * * *",
        "due": due, "assignee": "eng_b"})
}

both!(
    a_duty_that_cannot_open_its_tickets_is_refused,
    |t: Harness| async move {
        let answer = put(&t, "mgr_b", "/api/v1/duties/long", duty("long", "3000d")).await;
        assert_eq!(answer.body["field"], "due", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("3000d"), "{detail}");
        // 30 February never comes.
        let mut never = duty("never", "4h");
        never["schedule"] = json!("0 9 30 2 *");
        let answer = put(&t, "mgr_b", "/api/v1/duties/never", never).await;
        assert_eq!(answer.body["field"], "schedule", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("never occurs"), "{detail}");
    }
);

both!(
    a_stored_duty_that_cannot_be_counted_opens_its_occurrence_with_the_reason,
    |t: Harness| async move {
        put(&t, "mgr_b", "/api/v1/duties/good", duty("good", "4h"))
            .await
            .expect(StatusCode::OK);
        // Stored without the checks: the long one, due now, and one that cannot be read.
        let due_at = t.now() - TimeDelta::hours(1);
        let mut unreadable = duty("unreadable", "4h");
        unreadable["every"] = json!("day");
        for (code, doc) in [("long", duty("long", "3000d")), ("unreadable", unreadable)] {
            duties::ActiveModel {
                code: Set(code.into()),
                name: Set("System B 日巡检".into()),
                system_id: Set(t.ids.sys_b),
                document: Set(doc),
                next_run_at: Set(Some(due_at)),
                updated_at: Set(t.now()),
                ..Default::default()
            }
            .insert(&t.state.db)
            .await
            .unwrap();
        }
        let good = duties::Entity::find()
            .filter(duties::Column::Code.eq("good"))
            .one(&t.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut am: duties::ActiveModel = good.into();
        am.next_run_at = Set(Some(due_at));
        am.update(&t.state.db).await.unwrap();

        // The duty job opens the good one's ticket and the long one's, on the targets that can be
        // counted, with the reason on its timeline; the unreadable one is logged and waits.
        let mut opened = opsclock::app::duty::scheduled::run_due(&t.state.db, &t.state.calendars.snapshot(), t.now())
            .await
            .unwrap();
        opened.sort();
        assert_eq!(opened.len(), 2, "{opened:?}");
        let mut by_duty = std::collections::BTreeMap::new();
        for n in &opened {
            let v = t
                .get("mgr_b", &format!("/api/v1/tickets/{n}"))
                .await
                .expect(StatusCode::OK);
            by_duty.insert(v["duty"].as_str().unwrap().to_owned(), v);
        }
        assert_eq!(by_duty["good"]["clocks"][0]["target"], "4h");
        let long = &by_duty["long"];
        assert_eq!(long["clocks"], json!([]), "{long}");
        let said = timeline(&t, long["number"].as_str().unwrap(), "commented").await;
        let text = said[0]["data"]["text"].as_str().unwrap();
        assert!(
            text.contains("定期任务 long") && text.contains("3000d") && text.contains("此时钟未启动"),
            "{text}"
        );
        // The list shows the duties that can be read.
        let listed = t.get("mgr_b", "/api/v1/duties").await.expect(StatusCode::OK);
        let codes: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["duty"]["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["good", "long"], "{listed}");
    }
);

both!(the_command_line_refuses_the_same_settings, |t: Harness| async move {
    let ladder = scratch(
        "ladder.toml",
        "[[steps]]\nid = \"half\"\nwhen = \"50%\"\nnotify = [\"assignee\"]\n\n[[steps]]\nid = \"yearly\"\n\
             when = \"every 12000h after breach, 1 times\"\nnotify = [\"unit_head\"]\n",
    );
    let (ok, _, err) = opsclock(&t, &["ladder", "set", "P", ladder.path()]);
    assert!(
        !ok && err.contains("steps[1].when") && err.contains("\"yearly\""),
        "{err}"
    );
    // TOML reads "\u0000" as a NUL byte, which no text may hold.
    let nul = scratch(
        "nul-ladder.toml",
        "[[steps]]\nid = \"half\\u0000\"\nwhen = \"50%\"\nnotify = [\"assignee\"]\n",
    );
    let (ok, _, err) = opsclock(&t, &["ladder", "set", "P", nul.path()]);
    assert!(!ok && err.contains("steps[0].id: holds a NUL byte"), "{err}");
    let duty = scratch(
        "duty.toml",
        "[[duties]]\ncode = \"long\"\nname = \"巡检\"\nsystem = \"SB\"\nschedule = \"0 9 * * *\"\ndue = \"3000d\"\n",
    );
    let (ok, _, err) = opsclock(&t, &["duty", "set", duty.path()]);
    assert!(!ok && err.contains("long: due: 3000d cannot be counted"), "{err}");
    let roster = scratch(
        "roster.json",
        &roster("early", "workdays", "2020-01-06", &["eng_a"]).to_string(),
    );
    let (ok, _, err) = opsclock(&t, &["roster", "set", roster.path()]);
    assert!(!ok && err.contains("early: shifts[0].anchor"), "{err}");
    assert!(
        escalation_ladders::Entity::find()
            .all(&t.state.db)
            .await
            .unwrap()
            .is_empty()
    );
});
