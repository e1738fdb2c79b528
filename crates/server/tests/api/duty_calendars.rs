//! A scheduled duty's due period is its tickets' repair target, so it must be countable in the
//! calendar the system's repair clock counts in (`clock_calendars`), not in the system's calendar;
//! an exclusion must be countable in every calendar the system's clocks count in.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

async fn set_calendars(t: &Harness, calendar: &str, clock_calendars: Value) {
    let path = format!("/api/v1/systems/{}", t.ids.sys_a);
    let s = t.get("admin", &path).await.expect(StatusCode::OK);
    t.patch(
        "admin",
        &path,
        json!({"version": s["version"], "calendar": calendar, "clock_calendars": clock_calendars}),
    )
    .await
    .expect(StatusCode::OK);
}

/// A daily duty on SA with `due`: 3000 days is countable in 24x7 (every date to 2199) and not in
/// cn-5x8, whose holidays are published for a few years only.
fn duty(due: &str) -> Value {
    json!({"code": "inspect-sa", "name": "System A 日巡检", "system": "SA", "schedule": "0 9 * * *", "due": due})
}

both!(
    a_duty_due_is_counted_in_the_repair_clocks_calendar,
    |t: Harness| async move {
        // SA on 24x7 with its repair clock on cn-5x8: the duty's 3000 days cannot be counted
        // where its tickets' repair clock counts them.
        set_calendars(&t, "24x7", json!({"repair": "cn-5x8"})).await;
        let a = t.put("mgr_a", "/api/v1/duties/inspect-sa", duty("3000d")).await;
        assert_eq!(a.body["field"], "due", "{}", a.body);
        let detail = a.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            detail.contains("3000d cannot be counted in calendar \"cn-5x8\""),
            "{detail}"
        );
        // Its response on another calendar changes nothing for a duty (it has no response clock).
        set_calendars(&t, "24x7", json!({"response": "cn-5x8"})).await;
        t.put("mgr_a", "/api/v1/duties/inspect-sa", duty("3000d"))
            .await
            .expect(StatusCode::OK);

        // The other way round: SA on cn-5x8 with its repair on 24x7 takes the 3000 days.
        set_calendars(&t, "cn-5x8", json!({"repair": "24x7"})).await;
        t.put("mgr_a", "/api/v1/duties/inspect-sa", duty("3000d"))
            .await
            .expect(StatusCode::OK);
        // And with every clock on cn-5x8, it does not.
        set_calendars(&t, "cn-5x8", json!({})).await;
        t.put("mgr_a", "/api/v1/duties/inspect-sa", duty("3000d"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    }
);

both!(
    an_exclusion_must_be_countable_in_every_clocks_calendar,
    |t: Harness| async move {
        // Until 2040: 24x7 answers for it, cn-5x8 does not.
        let window = json!({"system": "SA", "kind": "maintenance", "starts": "2026-11-26T02:00:00Z",
            "ends": "2040-01-01T00:00:00Z", "reason": "批准的长期停用"});
        set_calendars(&t, "24x7", json!({"response": "cn-5x8"})).await;
        let a = t.post("mgr_a", "/api/v1/exclusions", window.clone()).await;
        assert_eq!(a.body["field"], "ends", "{}", a.body);
        let detail = a.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("calendar \"cn-5x8\" cannot count"), "{detail}");
        // With every clock on 24x7 it is taken.
        set_calendars(&t, "24x7", json!({})).await;
        t.post("mgr_a", "/api/v1/exclusions", window)
            .await
            .expect(StatusCode::CREATED);
    }
);
