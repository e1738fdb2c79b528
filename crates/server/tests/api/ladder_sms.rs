//! Ladder steps by SMS (`channels = ["email", "sms"]`): the step's text reaches the on-duty
//! engineer's phone through a real Kannel, once, beside the step's email; a bad channel is
//! refused naming its field; a step without `channels` sends no text, as before.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::TimeDelta;
use opsclock::app::audit::{Actor, ClientAddr};
use opsclock::app::auth::accounts;
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::app::sms;
use opsclock::delivery::DrainReport;
use serde_json::{Value, json};

use crate::both;
use crate::sms::kannel_and_sender;
use crate::support::Harness;

async fn put_ladder(t: &Harness, scope: &str, body: Value) -> crate::support::Answer {
    t.raw(
        "admin",
        Method::PUT,
        &format!("/api/v1/ladders/{scope}"),
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await
}

/// eng_a is on duty for SA with an address and a mobile number; vmgr_a manages vendor A with
/// an address only.
async fn people(t: &Harness) {
    let by = Actor::Operator("test");
    let from = ClientAddr(Some("cli".into()));
    let notify = |phone: Option<&str>, email: &str, role| accounts::Notify {
        phone: phone.map(str::to_owned),
        email: Some(email.to_owned()),
        roles: Some(vec![role]),
        ..Default::default()
    };
    let eng = notify(Some("13800138000"), "eng_a@ops.test", sla_clock::Role::OnDuty);
    accounts::set_notify(&t.state, by, &from, "eng_a", eng).await.unwrap();
    let mgr = notify(None, "vmgr_a@ops.test", sla_clock::Role::VendorManager);
    accounts::set_notify(&t.state, by, &from, "vmgr_a", mgr).await.unwrap();
}

/// The sweep, with no event notices: what is queued is the ladder's alone.
fn sweeper(t: &Harness) -> Sweeper {
    Sweeper {
        db: t.state.db.clone(),
        calendars: t.state.calendars.clone(),
        time: t.time.clone(),
        links: Links::new(Some("https://ops.test"), "127.0.0.1:8080", "ops.test".into()),
        batch: 100,
        notices: Arc::new(opsclock::app::notices::Rules {
            rules: vec![],
            link_valid: TimeDelta::hours(24),
        }),
    }
}

/// The outbox's messages about ladder steps.
async fn escalations(t: &Harness) -> Vec<Value> {
    let all = t.get("admin", "/api/v1/outbox").await.expect(StatusCode::OK);
    all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "escalation")
        .cloned()
        .collect()
}

both!(
    a_ladder_step_by_sms_reaches_the_on_duty_engineers_phone_through_kannel_once,
    |t: Harness| async move {
        people(&t).await;
        // General faults of policy P: at half their response time (1 h on SA's 24×7 calendar),
        // the on-duty people, the vendor's manager and the NOC, by email and SMS.
        let ladder = json!({"steps": [
            {"id": "half", "when": "50%", "notify": ["on_duty", "vendor_manager", "noc@bureau.test"],
             "channels": ["email", "sms"]},
            {"id": "late", "when": "breach", "notify": ["on_duty"]}
        ]});
        let set = put_ladder(&t, "P:general", ladder).await.expect(StatusCode::OK);
        assert_eq!(set["ladder"]["steps"][0]["channels"], json!(["email", "sms"]));
        assert_eq!(
            set["ladder"]["steps"][1]["channels"],
            json!(["email"]),
            "email alone by default"
        );
        let all = t.get("mgr_a", "/api/v1/ladders").await.expect(StatusCode::OK);
        assert_eq!(all["stored"][0]["ladder"], set["ladder"]);
        let admin = crate::web::session(&t, "admin").await;
        let (_, html) = crate::web::browse(&t, &admin, "/admin/ladders").await;
        assert!(
            html.contains("<td>邮件、短信</td>"),
            "the page shows the step's channels: {html}"
        );

        let (kannel, sender) = kannel_and_sender(&t).await;
        let ticket = t.open("ueng_a", "SA", "fault", "general").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        let sweeper = sweeper(&t);
        assert_eq!(sweeper.sweep().await.unwrap().queued, 0, "nothing is due yet");

        // Half the response time has gone: the step is due.
        t.time.advance(TimeDelta::minutes(31));
        let report = sweeper.sweep().await.unwrap();
        assert_eq!((report.queued, report.failed), (2, 0), "{report:?}");
        let rows = escalations(&t).await;
        let key = format!("{number}/response/half/0");
        let email = rows
            .iter()
            .find(|r| r["key"] == key.as_str())
            .expect("the step's email");
        assert_eq!(email["channel"], "email");
        assert_eq!(
            email["recipients"],
            json!(["eng_a@ops.test", "noc@bureau.test", "vmgr_a@ops.test"]),
            "the email as before"
        );
        assert_eq!(
            email["note"], "no sms: noc@bureau.test, vmgr_a",
            "who got no text, and why"
        );
        let texts: Vec<&Value> = rows.iter().filter(|r| r["channel"] == "sms").collect();
        assert_eq!(texts.len(), 1, "one text, to the one person with a number: {texts:?}");
        let eng_a = t.user_ids["eng_a"];
        assert_eq!(texts[0]["key"], format!("{key}/sms/u{eng_a}/13800138000"));
        assert_eq!(texts[0]["recipients"], json!(["13800138000"]));

        assert_eq!(
            sender.drain().await.unwrap(),
            DrainReport {
                sent: 1,
                ..DrainReport::default()
            }
        );
        let k = kannel.clone();
        let got = tokio::task::spawn_blocking(move || k.wait_for(1)).await.unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        let (phone, text) = &got[0];
        println!("the text: {text}");
        assert_eq!(phone, "13800138000");
        // The title cut to keep one segment beside the link (and its 12-character token).
        assert!(
            text.starts_with(&format!("[一般]响应将超时 {number} fault on… 确认:https://ops.test/a/")),
            "{text}"
        );
        assert_eq!(text.rsplit("/a/").next().unwrap().len(), 12, "{text}");
        assert_eq!(sms::text::segments(text).count, 1, "one segment: {text}");

        // The link acknowledges as eng_a, as a notice's does.
        let token = text.rsplit("/a/").next().unwrap().to_owned();
        let done = opsclock::app::action_links::acknowledge(&t.state, &ClientAddr(Some("phone".into())), &token)
            .await
            .unwrap();
        assert_eq!(done.state, opsclock::app::action_links::LinkState::Done, "{done:?}");
        assert_eq!(done.acknowledged_by.as_deref(), Some("eng_a"));

        // Later sweeps send nothing more: the acknowledged response clock is done, and the
        // step's text was queued once.
        t.time.advance(TimeDelta::minutes(40));
        let again = sweeper.sweep().await.unwrap();
        assert_eq!((again.queued, again.failed), (0, 0), "{again:?}");
        assert_eq!(sender.drain().await.unwrap(), DrainReport::default());
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert_eq!(kannel.received().len(), 1, "nothing more reached the SMSC");
        assert_eq!(
            escalations(&t).await.iter().filter(|r| r["channel"] == "sms").count(),
            1
        );
        drop(kannel);
    }
);

both!(
    a_ladder_step_with_a_channel_that_is_not_one_is_refused_naming_it_sms,
    |t: Harness| async move {
        let step = |id: &str, channels: Value| json!({"id": id, "when": "breach", "notify": ["assignee"], "channels": channels});
        let refused = |channels: Value| {
            let ladder = json!({"steps": [
                {"id": "half", "when": "50%", "notify": ["assignee"]},
                step("late", channels)
            ]});
            put_ladder(&t, "P", ladder)
        };
        let answer = refused(json!(["email", "fax"])).await;
        assert_eq!(answer.body["field"], "steps[1].channels[1]", "{}", answer.body);
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(
            detail,
            r#"steps[1].channels[1]: "fax" is not a channel; expected one of: email, sms"#
        );
        let answer = refused(json!(["sms", "sms"])).await;
        assert_eq!(answer.body["field"], "steps[1].channels[1]", "{}", answer.body);
        assert!(
            answer
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .contains("given twice")
        );
        let answer = refused(json!([])).await;
        assert_eq!(answer.body["field"], "steps[1].channels", "{}", answer.body);
        assert!(
            answer
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .contains("no channel")
        );
        // Nothing was stored.
        let all = t.get("admin", "/api/v1/ladders").await.expect(StatusCode::OK);
        assert_eq!(all["stored"], json!([]));
    }
);

both!(a_ladder_step_without_channels_sends_no_sms, |t: Harness| async move {
    people(&t).await;
    let ladder = json!({"steps": [{"id": "half", "when": "50%", "notify": ["on_duty", "vendor_manager"]}]});
    put_ladder(&t, "P", ladder).await.expect(StatusCode::OK);
    let ticket = t.open("ueng_a", "SA", "fault", "general").await;
    let number = ticket["number"].as_str().unwrap().to_owned();
    t.time.advance(TimeDelta::minutes(31));
    let report = sweeper(&t).sweep().await.unwrap();
    assert_eq!((report.queued, report.failed), (1, 0), "{report:?}");
    let rows = escalations(&t).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["key"], format!("{number}/response/half/0"));
    assert_eq!(rows[0]["channel"], "email");
    assert_eq!(rows[0]["note"], Value::Null, "no word of texts: none were asked for");
});

both!(
    a_warning_held_for_quiet_hours_is_not_sent_once_the_ticket_is_acknowledged,
    |t: Harness| async move {
        people(&t).await;
        // eng_a's texts wait from 10:20 to 10:45 (Beijing); the ticket opens at 10:00, its
        // response is due at 11:00, the step at half time (10:30) is held until 10:45.
        t.put(
            "eng_a",
            "/api/v1/me/notifications",
            json!({"quiet_hours": {"sms": {"from": "10:20", "to": "10:45"}}}),
        )
        .await
        .expect(StatusCode::OK);
        let ladder = json!({"steps": [
            {"id": "half", "when": "50%", "notify": ["on_duty"], "channels": ["email", "sms"]}
        ]});
        put_ladder(&t, "P:general", ladder).await.expect(StatusCode::OK);
        let (kannel, sender) = kannel_and_sender(&t).await;
        let ticket = t.open("ueng_a", "SA", "fault", "general").await;
        let sweeper = sweeper(&t);
        t.time.advance(TimeDelta::minutes(31));
        sweeper.sweep().await.unwrap();
        let held: Vec<Value> = escalations(&t)
            .await
            .into_iter()
            .filter(|r| r["channel"] == "sms")
            .collect();
        assert_eq!(held.len(), 1, "{held:?}");
        assert!(
            held[0]["note"].as_str().unwrap().contains("quiet hours: held until"),
            "{held:?}"
        );
        assert_eq!(sender.drain().await.unwrap(), DrainReport::default(), "held");

        // Acknowledged at 10:35; at 10:46 the text would say the deadline nears: it is parked.
        t.time.advance(TimeDelta::minutes(4));
        let current = t
            .get(
                "eng_a",
                &format!("/api/v1/tickets/{}", ticket["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        t.act("eng_a", &current, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        t.time.advance(TimeDelta::minutes(11));
        assert_eq!(
            sender.drain().await.unwrap(),
            DrainReport {
                failed: 1,
                ..DrainReport::default()
            }
        );
        let parked: Vec<Value> = escalations(&t)
            .await
            .into_iter()
            .filter(|r| r["channel"] == "sms")
            .collect();
        assert_eq!(parked[0]["status"], "failed", "{parked:?}");
        assert!(
            parked[0]["last_error"].as_str().unwrap().starts_with("no longer due"),
            "{parked:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(kannel.received().is_empty(), "nothing reached the phone");
    }
);
