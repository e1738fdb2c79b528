//! Warnings ahead of a calendar's published holidays running out: the `/metrics` gauge, the
//! banner of the admin pages and the weekly email to admins, all at pinned instants (never the
//! real date), over a calendar set whose published coverage ends on 2026-12-31.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use opsclock::app::Context;
use opsclock::app::escalation::Links;
use opsclock::calendars::Calendars;
use opsclock::db::entities::{outbox, users};
use opsclock::http::AppState;
use opsclock::serve::app;
use opsclock::time::ManualTime;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sla_clock::Calendar;

use crate::both;
use crate::support::Harness;

/// A dated 5×8 calendar published up to 2026-12-31.
const CN_5X8: &str = r#"
name = "cn-5x8"
zone = "Asia/Shanghai"
covers = { from = 2026-01-01, to = 2026-12-31 }
[week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

/// The same calendar with 2027 published.
const CN_5X8_2027: &str = r#"
name = "cn-5x8"
zone = "Asia/Shanghai"
covers = { from = 2026-01-01, to = 2027-12-31 }
[week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

/// Undated: nothing to publish, never a warning.
const ALWAYS: &str = r#"
name = "24x7"
zone = "Asia/Shanghai"
[week]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]
"#;

fn set(files: &[&str]) -> BTreeMap<String, Calendar> {
    files
        .iter()
        .map(|f| {
            let c = Calendar::from_toml(f).unwrap();
            (c.name().to_owned(), c)
        })
        .collect()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The harness with these calendars, "now" on `clock`, and its router rebuilt over them.
fn pinned(mut t: Harness, calendars: &Calendars, clock: &Arc<ManualTime>) -> Harness {
    t.state = AppState {
        ctx: Context {
            calendars: calendars.clone(),
            ..t.state.ctx.clone()
        },
        ..t.state.clone()
    }
    .with_time(clock.clone());
    t.router = app(t.state.clone());
    t
}

/// The value of the sample `series` in a Prometheus text page, if there is one.
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map(|v| v.parse().unwrap())
}

async fn metrics(t: &Harness) -> String {
    let (status, _, body) = t.download("", "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(body).unwrap()
}

const GAUGE: &str = "opsclock_calendar_coverage_days_left";

both!(
    metrics_give_the_days_left_of_each_dated_calendar,
    |t: Harness| async move {
        let calendars = Calendars::fixed(set(&[CN_5X8, ALWAYS]));
        // Thursday 3 December 2026, 10:00 in Beijing: 28 days to 31 December.
        let clock = Arc::new(ManualTime::new(at("2026-12-03T10:00:00+08:00")));
        let t = pinned(t, &calendars, &clock);
        let page = metrics(&t).await;
        assert!(page.contains(&format!("# HELP {GAUGE} ")), "{page}");
        assert!(page.contains(&format!("# TYPE {GAUGE} gauge\n")), "{page}");
        assert_eq!(sample(&page, &format!("{GAUGE}{{calendar=\"cn-5x8\"}}")), Some(28.0));
        assert!(
            !page.contains("calendar=\"24x7\""),
            "undated calendars have no coverage: {page}"
        );

        // The last published day is 0; after it, negative. The day is the calendar's (Beijing).
        clock.set(at("2026-12-31T23:59:00+08:00"));
        assert_eq!(
            sample(&metrics(&t).await, &format!("{GAUGE}{{calendar=\"cn-5x8\"}}")),
            Some(0.0)
        );
        clock.set(at("2026-12-31T16:00:00Z"));
        assert_eq!(
            sample(&metrics(&t).await, &format!("{GAUGE}{{calendar=\"cn-5x8\"}}")),
            Some(-1.0)
        );
        clock.set(at("2027-01-05T10:00:00+08:00"));
        assert_eq!(
            sample(&metrics(&t).await, &format!("{GAUGE}{{calendar=\"cn-5x8\"}}")),
            Some(-5.0)
        );

        // Calendars replaced while the server runs: the next scrape counts with the new set.
        calendars.replace(set(&[CN_5X8_2027])).unwrap();
        assert_eq!(
            sample(&metrics(&t).await, &format!("{GAUGE}{{calendar=\"cn-5x8\"}}")),
            Some(360.0)
        );
    }
);

both!(admin_pages_warn_about_calendars_running_out, |t: Harness| async move {
    let calendars = Calendars::fixed(set(&[CN_5X8, ALWAYS]));
    let clock = Arc::new(ManualTime::new(at("2026-12-03T10:00:00+08:00")));
    let t = pinned(t, &calendars, &clock);
    let page = |path: &'static str, lang: &'static str| {
        let t = &t;
        async move {
            let cookie = format!("opsclock_lang={lang}");
            let a = t
                .with_headers("admin", Method::GET, path, None, &[("cookie", cookie.as_str())], vec![])
                .await;
            assert_eq!(a.status, StatusCode::OK, "{path}");
            a.body.as_str().unwrap().to_owned()
        }
    };
    // The landing page (/admin goes to /admin/users) and the calendars, in Chinese by default.
    for path in ["/admin/users", "/admin/calendars", "/admin/outbox"] {
        let html = page(path, "zh").await;
        assert!(html.contains(r#"data-coverage="cn-5x8""#), "{path}: {html}");
        assert!(
            html.contains(
                "日历 cn-5x8 的节假日安排只发布到 2026-12-31，还剩 28 天；\
                     请导入 2027 年的国务院通知 <code>opsclock calendar import-notice --year 2027 FILE</code>"
            ),
            "{path}: {html}"
        );
        assert!(!html.contains(r#"data-coverage="24x7""#));
    }
    // The English switch.
    let html = page("/admin/users", "en").await;
    assert!(
        html.contains("Calendar cn-5x8 has its holidays published only up to 2026-12-31, 28 days left;"),
        "{html}"
    );
    // Past the published days the banner says so.
    clock.set(at("2027-01-05T10:00:00+08:00"));
    let html = page("/admin/calendars", "zh").await;
    assert!(
        html.contains("banner-warn past") && html.contains("已过 5 天"),
        "{html}"
    );

    // Outside the 60-day window (and with a narrower one) there is no banner.
    clock.set(at("2026-10-01T10:00:00+08:00"));
    assert!(!page("/admin/users", "zh").await.contains("data-coverage"));
    clock.set(at("2026-12-03T10:00:00+08:00"));
    let mut narrow = pinned(t, &calendars, &clock);
    narrow.state = narrow.state.clone().with_coverage_warning_days(14);
    narrow.router = app(narrow.state.clone());
    let (status, _, html) = narrow.download("admin", "/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!String::from_utf8(html).unwrap().contains("data-coverage"));
});

/// Gives `name` an address (and perhaps disables them).
async fn address(t: &Harness, name: &str, email: &str, disabled: bool) {
    let u = users::Entity::find_by_id(t.user_ids[name])
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap();
    let mut am: users::ActiveModel = u.into();
    am.email = Set(Some(email.to_owned()));
    am.disabled = Set(disabled);
    am.update(&t.db.db).await.unwrap();
}

async fn coverage_rows(t: &Harness) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("coverage"))
        .order_by_asc(outbox::Column::Id)
        .all(&t.db.db)
        .await
        .unwrap()
}

both!(admins_are_mailed_once_a_week_per_calendar, |t: Harness| async move {
    let mut t = t;
    t.add_user("root", "admin", None, None).await;
    t.add_user("old_admin", "admin", None, None).await;
    address(&t, "admin", "admin@example.gov.cn", false).await;
    address(&t, "root", "root@example.gov.cn", false).await;
    address(&t, "old_admin", "old@example.gov.cn", true).await;
    address(&t, "mgr_a", "mgr@example.gov.cn", false).await;
    let db = &t.db.db;
    let links = Links::new(Some("https://opsclock.example.gov.cn"), "x", "example.gov.cn".into());
    let cals = set(&[CN_5X8, ALWAYS]);
    let queue = |now: &'static str| {
        let (cals, links) = (&cals, &links);
        async move {
            opsclock::app::coverage::queue_weekly(db, cals, 60, links, at(now))
                .await
                .unwrap()
        }
    };

    // Outside the window: nothing.
    assert!(queue("2026-10-01T09:00:00+08:00").await.is_empty());
    // Thursday 3 December (ISO week 49): one email, to the enabled admins with an address.
    assert_eq!(queue("2026-12-03T09:00:00+08:00").await, ["coverage/cn-5x8/2026-W49"]);
    let rows = coverage_rows(&t).await;
    assert_eq!(rows.len(), 1);
    let m = &rows[0];
    assert_eq!(m.dedup_key, "coverage/cn-5x8/2026-W49");
    assert_eq!(
        m.recipients,
        serde_json::json!(["admin@example.gov.cn", "root@example.gov.cn"])
    );
    assert_eq!((m.status.as_str(), m.channel.as_str()), ("pending", "email"));
    assert!(
        m.subject.contains("cn-5x8") && m.subject.contains("还剩 28 天"),
        "{}",
        m.subject
    );
    assert!(
        m.body_text
            .contains("请导入 2027 年的国务院通知 (opsclock calendar import-notice --year 2027 FILE)"),
        "{}",
        m.body_text
    );
    assert!(m.body_html.contains("/admin/calendars?name=cn-5x8"));
    // Chinese only: no admin here asked for the English copy.
    assert!(!m.body_text.contains("28 days left") && !m.body_text.contains("-- English --"));

    // The same week again (a later day, the job run twice): nothing more.
    assert!(queue("2026-12-03T09:00:00+08:00").await.is_empty());
    assert!(queue("2026-12-06T23:30:00+08:00").await.is_empty());
    assert_eq!(coverage_rows(&t).await.len(), 1);

    // Monday 7 December is week 50: once more, even with two replicas running the job at once.
    let (a, b) = tokio::join!(queue("2026-12-07T09:00:00+08:00"), queue("2026-12-07T09:00:00+08:00"));
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
    let keys: Vec<String> = coverage_rows(&t).await.into_iter().map(|m| m.dedup_key).collect();
    assert_eq!(keys, ["coverage/cn-5x8/2026-W49", "coverage/cn-5x8/2026-W50"]);

    // Past the published days it goes on weekly, saying so.
    assert_eq!(queue("2027-01-05T09:00:00+08:00").await, ["coverage/cn-5x8/2027-W01"]);
    let last = coverage_rows(&t).await.pop().unwrap();
    assert!(last.subject.contains("已过 5 天"), "{}", last.subject);

    // An undated calendar never warns, however far on.
    let only_24x7 = set(&[ALWAYS]);
    for now in ["2026-12-03T09:00:00+08:00", "2199-06-01T09:00:00+08:00"] {
        let queued = opsclock::app::coverage::queue_weekly(db, &only_24x7, 60, &links, at(now))
            .await
            .unwrap();
        assert!(queued.is_empty());
    }
    assert_eq!(coverage_rows(&t).await.len(), 3);

    // With no admin address there is nobody to mail: nothing is queued (nor parked).
    for name in ["admin", "root"] {
        let u = users::Entity::find_by_id(t.user_ids[name])
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let mut am: users::ActiveModel = u.into();
        am.email = Set(None);
        am.update(db).await.unwrap();
    }
    assert!(queue("2027-01-12T09:00:00+08:00").await.is_empty());
    assert_eq!(coverage_rows(&t).await.len(), 3);
});
