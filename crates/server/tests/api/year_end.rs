//! The year turns: a deadline that runs into a year whose holidays are not published yet is
//! provisional, escalates as it stands, and is measured again when the year is imported; an
//! instant no calendar can answer is a clear 422, never a 500.

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::calendars::{CalendarSource, Calendars};
use opsclock::db::entities::{audit_log, outbox, tickets, users};
use opsclock::time::ManualTime;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::support::Harness;

/// A test input, not a published notice: the shape of the State Council's text, with New Year's
/// Day 2027 (a Friday) off and nothing else, so that the expected move is easy to check by hand.
const NOTICE_2027_FOR_THE_TEST: &str = "\
国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A directory of the test's own, removed when dropped.
struct Dir(std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies the shipped calendars (published to 2026) into a directory of the test's own.
fn calendar_dir(tag: &str) -> Dir {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("opsclock-year-end-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/calendars");
    for entry in std::fs::read_dir(shipped).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            // Whatever years the shipped files publish, the copies end with 2026.
            let mut text = std::fs::read_to_string(&path).unwrap();
            if let Some(cut) = text.find("\n# ---- 2027") {
                text.truncate(cut + 1);
            }
            let text = text.replace("to = 2027-12-31 }", "to = 2026-12-31 }");
            std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    Dir(dir)
}

/// Writes the 2027 test notice into the directory's cn-5x8 and cn-7x24, as
/// `opsclock calendar import-notice --year 2027 --yes` does.
fn import_2027(dir: &std::path::Path) {
    let notice = sla_clock::calendar::notice::parse_notice(2027, NOTICE_2027_FOR_THE_TEST).unwrap();
    for name in ["cn-5x8", "cn-7x24"] {
        let path = dir.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let new = opsclock::app::calendar_notice::apply_notice(&text, &notice).unwrap();
        std::fs::write(&path, new).unwrap();
    }
}

mod a_deadline_past_the_published_year_is_provisional_escalates_and_is_measured_again {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::provisional_then_measured_again(opsclock::db::testing::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::provisional_then_measured_again(opsclock::db::testing::Backend::Postgres).await;
    }
}

async fn provisional_then_measured_again(backend: opsclock::db::testing::Backend) {
    let dir = calendar_dir(&format!("{backend:?}"));
    let calendars = Calendars::load(CalendarSource::Dir(dir.0.clone())).unwrap();
    assert_eq!(
        calendars.snapshot()["cn-5x8"].covered_dates().1.to_string(),
        "2026-12-31",
        "the shipped cn-5x8 publishes past 2026: give this test a calendar directory whose last year is 2026"
    );
    let time = Arc::new(ManualTime::new(at("2026-12-31T16:00:00+08:00")));
    let mut t = Harness::with_calendars(backend, calendars.clone(), time.clone()).await;
    // A policy with "3 个工作日内修复" and a system on cn-5x8 under it, for vendor B.
    let policy = t
        .post(
            "admin",
            "/api/v1/policies",
            json!({"code": "P3", "name": "3 working days", "targets":
                    {"fault": {"general": {"response": "1h", "repair": "3wd"}}}}),
        )
        .await
        .expect(StatusCode::CREATED);
    t.post(
        "admin",
        "/api/v1/systems",
        json!({"code": "S3", "name": "System 3", "unit_id": t.ids.unit_b, "vendor_ids": [t.ids.vendor_b],
                "policy_id": policy["id"], "calendar": "cn-5x8", "service_mode": "remote"}),
    )
    .await
    .expect(StatusCode::CREATED);
    t.add_user("eng_b3", "engineer", None, Some(t.ids.vendor_b)).await;

    // Opened at 16:00 on Thursday 31 December 2026: 2027 is not published, so the three
    // working days are Friday 1, Monday 4 and Tuesday 5 January by the weekly schedule.
    let ticket = t
        .post(
            "eng_b",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "S3", "severity": "general", "title": "打印服务中断",
                    "assignee_id": t.user_ids["eng_b"]}),
        )
        .await
        .expect(StatusCode::CREATED);
    let number = ticket["number"].as_str().unwrap().to_owned();
    let repair = &ticket["clocks"][1];
    assert_eq!(repair["name"], "repair", "{ticket}");
    assert_eq!(repair["deadline"], "2027-01-05T09:00:00Z", "{ticket}");
    assert_eq!(repair["provisional"], true, "{ticket}");
    let reason = repair["provisional_reason"].as_str().unwrap();
    assert!(
        reason.contains("cn-5x8 has no published holidays after 2026-12-31"),
        "{reason}"
    );
    // The response clock (1 h, 16:00 to 17:00 the same day) rests on published days only.
    assert_eq!(ticket["clocks"][0]["provisional"], false, "{ticket}");
    // The ticket's page marks the repair deadline 暂定, once (the response clock is final).
    let (status, _, page) = t.download("eng_b", &format!("/tickets/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert_eq!(
        page.matches(r#"<abbr class="provisional""#).count(),
        2,
        "deadline and countdown: {page}"
    );
    assert!(page.contains(">暂定</abbr>"), "{page}");

    // Escalation runs on the provisional deadline: past half the budget (12.5 of 25 working
    // hours, Monday 12:30), a mail is queued.
    time.set(at("2027-01-04T14:00:00+08:00"));
    let sweeper = Sweeper {
        db: t.state.db.clone(),
        calendars: calendars.clone(),
        time: time.clone(),
        links: Links::new(None, "127.0.0.1:8080", "ops.test".into()),
        batch: 100,
        notices: Default::default(),
    };
    sweeper.sweep().await.unwrap();
    let ticket_id = tickets::Entity::find()
        .filter(tickets::Column::Number.eq(number.as_str()))
        .one(&t.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let queued = outbox::Entity::find()
        .filter(outbox::Column::TicketId.eq(ticket_id))
        .filter(outbox::Column::Clock.eq("repair"))
        .all(&t.state.db)
        .await
        .unwrap();
    assert!(!queued.is_empty(), "the repair clock escalated");

    // The 2027 notice arrives: New Year's Day is a holiday. An admin reloads; the repair
    // deadline moves to Wednesday 6 January 17:00 and is final now.
    // The assignee has an address: the move is mailed to them.
    let eng_b = users::Entity::find_by_id(t.user_ids["eng_b"])
        .one(&t.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut am: users::ActiveModel = eng_b.into();
    am.email = sea_orm::Set(Some("eng-b@vendor.example".to_owned()));
    sea_orm::ActiveModelTrait::update(am, &t.state.db).await.unwrap();
    import_2027(&dir.0);
    let reloaded = t
        .post("admin", "/api/v1/calendars/reload", json!({}))
        .await
        .expect(StatusCode::OK);
    let changed: Vec<&str> = reloaded["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["cn-5x8", "cn-7x24"], "{reloaded}");
    let moved = &reloaded["remeasured"]["moved"];
    assert_eq!(
        moved,
        &json!([{"ticket": number, "clock": "repair", "calendar": "cn-5x8",
                "before": "2027-01-05T09:00:00Z", "after": "2027-01-06T09:00:00Z", "provisional": false}]),
        "{reloaded}"
    );
    let now = t
        .get("eng_b", &format!("/api/v1/tickets/{number}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(now["clocks"][1]["deadline"], "2027-01-06T09:00:00Z", "{now}");
    assert_eq!(now["clocks"][1]["provisional"], false, "{now}");
    assert!(now["clocks"][1]["provisional_reason"].is_null(), "{now}");
    // The timeline says what moved, in the calendar's local time.
    let timeline = now["timeline"].to_string();
    assert!(
        timeline.contains("修复 2027-01-05 17:00 → 2027-01-06 17:00"),
        "{timeline}"
    );
    // One audit entry lists the move.
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("calendar.remeasure"))
        .all(&t.state.db)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].detail["moved"][0]["ticket"], number.as_str());
    let mails = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("remeasure"))
        .all(&t.state.db)
        .await
        .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].recipients, json!(["eng-b@vendor.example"]));
    assert!(
        mails[0].body_text.contains("修复 2027-01-05 17:00 → 2027-01-06 17:00"),
        "{}",
        mails[0].body_text
    );
    // Reloading again changes nothing, notes nothing and mails nothing.
    let again = t
        .post("admin", "/api/v1/calendars/reload", json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(again["changed"], json!([]), "{again}");
    assert_eq!(again["remeasured"]["clocks"], 0, "{again}");
    let mails_after = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("remeasure"))
        .all(&t.state.db)
        .await
        .unwrap();
    assert_eq!(mails_after.len(), 1);
    // Only admins reload.
    t.post("eng_b", "/api/v1/calendars/reload", json!({}))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    // The calendars say what they cover.
    let list = t.get("admin", "/api/v1/calendars").await.expect(StatusCode::OK);
    let cn = list.as_array().unwrap().iter().find(|c| c["name"] == "cn-5x8").unwrap();
    assert_eq!(cn["published_to"], "2027-12-31", "{list}");
    assert_eq!(cn["provisional_clocks"], 0, "{list}");
    let always = list.as_array().unwrap().iter().find(|c| c["name"] == "24x7").unwrap();
    assert!(always["published_to"].is_null(), "{list}");
}

crate::both!(
    an_instant_no_calendar_can_answer_is_a_422_naming_the_calendar_and_the_year,
    |t: Harness| async move {
        // Received in 2001: cn-5x8 publishes nothing that early.
        let body = json!({"kind": "fault", "system": "SB", "severity": "minor", "title": "t",
            "received_at": "2001-03-01T10:00:00+08:00", "occurred_at": "2001-03-01T10:00:00+08:00"});
        let detail = t
            .post("eng_b", "/api/v1/tickets/preview", body.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "calendar-not-covered");
        assert!(detail.contains("calendar \"cn-5x8\" has no data for 2001"), "{detail}");
        let detail = t
            .post("eng_b", "/api/v1/tickets", body)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "calendar-not-covered");
        assert!(detail.contains("2001"), "{detail}");
        // Nothing was stored.
        let list = t.get("admin", "/api/v1/tickets").await.expect(StatusCode::OK);
        assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
        // 24x7 has no holidays to publish: any year counts.
        t.post(
            "eng_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "minor", "title": "t",
                "received_at": "2001-03-01T10:00:00+08:00", "occurred_at": "2001-03-01T10:00:00+08:00"}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
);

mod the_admin_page_imports_a_notice_after_showing_what_changes {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::admin_page_imports(opsclock::db::testing::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::admin_page_imports(opsclock::db::testing::Backend::Postgres).await;
    }
}

async fn admin_page_imports(backend: opsclock::db::testing::Backend) {
    use axum::http::Method;
    let dir = calendar_dir(&format!("page-{backend:?}"));
    let calendars = Calendars::load(CalendarSource::Dir(dir.0.clone())).unwrap();
    let time = Arc::new(ManualTime::new(at("2026-12-03T10:00:00+08:00")));
    let t = Harness::with_calendars(backend, calendars, time).await;
    // Page forms carry a token derived from the session cookie: sign in as a browser would.
    let signed_in = t
        .post(
            "",
            "/api/v1/session",
            json!({"username": "admin", "password": "password-of-admin"}),
        )
        .await;
    let cookie = signed_in
        .set_cookie
        .clone()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = |path: String| {
        let (t, cookie) = (&t, cookie.clone());
        async move {
            let a = t
                .with_headers("", Method::GET, &path, None, &[("cookie", cookie.as_str())], vec![])
                .await;
            assert_eq!(a.status, StatusCode::OK, "{path}");
            a.body.as_str().unwrap().to_owned()
        }
    };
    // January 2027 is not published: its days are marked provisional, December's are not.
    let jan = page("/admin/calendars?name=cn-5x8&month=2027-01".into()).await;
    assert!(
        jan.contains(r#"data-date="2027-01-04""#) && jan.contains(r#"class="provisional""#),
        "{jan}"
    );
    assert!(jan.contains("节假日安排已发布至 2026-12-31"), "{jan}");
    let dec = page("/admin/calendars?name=cn-5x8&month=2026-12".into()).await;
    assert!(!dec.contains(r#"<abbr class="provisional""#), "{dec}");
    let csrf = dec
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let form = |fields: &[(&str, &str)]| {
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    };
    let post = |body: Vec<u8>| {
        let (t, cookie) = (&t, cookie.clone());
        async move {
            t.with_headers(
                "",
                Method::POST,
                "/admin/calendars/notice",
                Some("application/x-www-form-urlencoded"),
                &[("cookie", cookie.as_str())],
                body,
            )
            .await
        }
    };
    // A line it cannot read is shown with its number; nothing is written.
    let bad = post(form(&[
        ("csrf", &csrf),
        ("year", "2027"),
        (
            "text",
            "一、元旦：1月1日（周五）至3日放假，共3天。\n二、春节：某日放假。",
        ),
    ]))
    .await;
    assert_eq!(bad.status, StatusCode::OK);
    let html = bad.body.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("line 2"), "{html}");
    // The preview shows the change to both files and writes nothing.
    let preview = post(form(&[
        ("csrf", &csrf),
        ("year", "2027"),
        ("text", NOTICE_2027_FOR_THE_TEST),
    ]))
    .await;
    assert_eq!(preview.status, StatusCode::OK);
    let html = preview.body.as_str().unwrap_or_default().to_owned();
    assert!(
        html.contains("+covers = { from = 2024-01-01, to = 2027-12-31 }"),
        "{html}"
    );
    assert!(
        html.contains("cn-7x24.toml") && html.contains(r#"name="apply""#),
        "{html}"
    );
    let unchanged = std::fs::read_to_string(dir.0.join("cn-5x8.toml")).unwrap();
    assert!(unchanged.contains("to = 2026-12-31 }"));
    // Applying writes both files and reloads: the API says 2027 is published now.
    let applied = post(form(&[
        ("csrf", &csrf),
        ("year", "2027"),
        ("text", NOTICE_2027_FOR_THE_TEST),
        ("apply", "1"),
    ]))
    .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{:?}", applied.body);
    let list = t.get("admin", "/api/v1/calendars").await.expect(StatusCode::OK);
    let cn = list.as_array().unwrap().iter().find(|c| c["name"] == "cn-5x8").unwrap();
    assert_eq!(cn["published_to"], "2027-12-31", "{list}");
    // Without the form's token nothing happens.
    let forged = post(form(&[
        ("year", "2028"),
        ("text", NOTICE_2027_FOR_THE_TEST),
        ("apply", "1"),
    ]))
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

mod a_change_inside_the_published_year_measures_final_deadlines_again {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::change_inside_published(opsclock::db::testing::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::change_inside_published(opsclock::db::testing::Backend::Postgres).await;
    }
}

/// A notice may change the last days of the year before it (2019's made Saturday 29 December
/// 2018 a working day). Then deadlines from the first changed day on, final ones included, are
/// measured again.
async fn change_inside_published(backend: opsclock::db::testing::Backend) {
    let dir = calendar_dir(&format!("inside-{backend:?}"));
    let calendars = Calendars::load(CalendarSource::Dir(dir.0.clone())).unwrap();
    let time = Arc::new(ManualTime::new(at("2026-12-28T10:00:00+08:00")));
    let t = Harness::with_calendars(backend, calendars, time).await;
    // SB is on cn-5x8; a general fault's repair is "2wd": Tuesday 29 and Wednesday 30 December.
    let ticket = t
        .post(
            "eng_b",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SB", "severity": "general", "title": "t"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let number = ticket["number"].as_str().unwrap().to_owned();
    assert_eq!(ticket["clocks"][1]["deadline"], "2026-12-30T09:00:00Z", "{ticket}");
    assert_eq!(
        ticket["clocks"][1]["provisional"], false,
        "final: December 2026 is published"
    );
    // A test input, not a published arrangement: 29 December 2026 declared a day off.
    let path = dir.0.join("cn-5x8.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[[holidays]]\nname = \"测试假日\"\nfrom = 2026-12-29\n");
    std::fs::write(&path, text).unwrap();
    let reloaded = t
        .post("admin", "/api/v1/calendars/reload", json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        reloaded["remeasured"]["moved"],
        json!([{"ticket": number, "clock": "repair", "calendar": "cn-5x8",
            "before": "2026-12-30T09:00:00Z", "after": "2026-12-31T09:00:00Z", "provisional": false}]),
        "{reloaded}"
    );
}

mod replicas_follow_a_reload_and_say_when_their_files_differ {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::replicas_follow(opsclock::db::testing::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::replicas_follow(opsclock::db::testing::Backend::Postgres).await;
    }
}

/// Two replicas over one database, each with its own calendar directory: one reloads after the
/// notice is imported, the other follows; a third whose files were not updated says so.
async fn replicas_follow(backend: opsclock::db::testing::Backend) {
    use opsclock::app::calendar_reload::{Follower, reload};
    let (dir_a, dir_b, dir_c) = (
        calendar_dir(&format!("ra-{backend:?}")),
        calendar_dir(&format!("rb-{backend:?}")),
        calendar_dir(&format!("rc-{backend:?}")),
    );
    let a = Calendars::load(CalendarSource::Dir(dir_a.0.clone())).unwrap();
    let b = Calendars::load(CalendarSource::Dir(dir_b.0.clone())).unwrap();
    let c = Calendars::load(CalendarSource::Dir(dir_c.0.clone())).unwrap();
    let time = Arc::new(ManualTime::new(at("2026-12-31T16:00:00+08:00")));
    let t = Harness::with_calendars(backend, a.clone(), time).await;
    let links = Links::new(None, "127.0.0.1:8080", "ops.test".into());
    let now = at("2026-12-31T16:00:00+08:00");
    let (follow_b, follow_c) = (Follower::default(), Follower::default());
    // Each replica's first look only remembers the generation.
    assert!(follow_b.follow(&t.db.db, &b, &links, now).await.unwrap().is_none());
    assert!(follow_c.follow(&t.db.db, &c, &links, now).await.unwrap().is_none());
    // The notice reaches replicas A and B (a shared or redeployed directory), not C.
    import_2027(&dir_a.0);
    import_2027(&dir_b.0);
    let done = reload(&t.db.db, &a, &links, None, now, true).await.unwrap();
    assert_eq!(done.changed.len(), 2);
    // B follows: it reads its own files, which have 2027 now, and agrees.
    let followed = follow_b.follow(&t.db.db, &b, &links, now).await.unwrap().unwrap();
    assert_eq!(followed.changed.len(), 2);
    assert_eq!(b.snapshot()["cn-5x8"].covered_dates().1.to_string(), "2027-12-31");
    assert!(b.mismatched().is_empty(), "{:?}", b.mismatched());
    // C follows too, but its files still end with 2026: it says so (log and /metrics).
    let followed = follow_c.follow(&t.db.db, &c, &links, now).await.unwrap().unwrap();
    assert!(followed.changed.is_empty());
    assert_eq!(c.mismatched(), ["cn-5x8", "cn-7x24"]);
    // Nothing new: no second reload.
    assert!(follow_b.follow(&t.db.db, &b, &links, now).await.unwrap().is_none());
}
