//! A system's service dates and yearly fee set and cleared by hand — `PATCH /api/v1/systems/{id}`
//! and the system's page — checked as the catalogue import checks them, audited with the values
//! before and after, and in effect at once: a ticket opened outside the new dates gets no clocks.

use axum::http::{Method, StatusCode};
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

async fn system(t: &Harness) -> Value {
    t.get("admin", &format!("/api/v1/systems/{}", t.ids.sys_a))
        .await
        .expect(StatusCode::OK)
}

async fn patch(t: &Harness, who: &str, body: Value) -> crate::support::Answer {
    t.patch(who, &format!("/api/v1/systems/{}", t.ids.sys_a), body).await
}

/// The details of the `system.update` entries for SA, oldest first, with who made them.
async fn audited(t: &Harness) -> Vec<(Option<i64>, Value)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("system.update"))
        .filter(audit_log::Column::Target.eq("SA"))
        .order_by_asc(audit_log::Column::Id)
        .all(&t.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.user_id, e.detail))
        .collect()
}

fn clock_names(ticket: &Value) -> usize {
    ticket["clocks"].as_array().map_or(0, Vec::len)
}

both!(
    service_dates_and_fee_are_set_and_cleared_through_the_api_and_gate_the_next_ticket,
    |t: Harness| async move {
        let before = system(&t).await;
        assert_eq!(
            (&before["service_start"], &before["service_end"], &before["fee_fen"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        // The harness's clock stands at 25 November 2026: a start on 1 December leaves today
        // outside the service.
        let v = patch(
            &t,
            "admin",
            json!({"version": before["version"], "service_start": "2026-12-01", "fee_fen": 36_500_000}),
        )
        .await
        .expect(StatusCode::OK);
        assert_eq!(v["service_start"], "2026-12-01");
        assert_eq!(v["service_end"], Value::Null);
        assert_eq!(v["fee_fen"], 36_500_000);
        assert_eq!(v["version"], before["version"].as_i64().unwrap() + 1);
        assert_eq!(system(&t).await["fee_fen"], 36_500_000);

        let early = t.open("eng_a", "SA", "fault", "urgent").await;
        assert_eq!(clock_names(&early), 0, "{early}");
        let full = t
            .get(
                "admin",
                &format!("/api/v1/tickets/{}", early["number"].as_str().unwrap()),
            )
            .await
            .expect(StatusCode::OK);
        assert!(
            full["timeline"]
                .to_string()
                .contains("早于本系统运维服务开始日期 2026-12-01，不计合同时限"),
            "{}",
            full["timeline"]
        );

        // Clearing the start (null) serves it from the beginning again; absent fields stay.
        let v = patch(&t, "admin", json!({"version": v["version"], "service_start": null}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["service_start"], Value::Null);
        assert_eq!(v["fee_fen"], 36_500_000, "an absent field is left as it was");
        let served = t.open("eng_a", "SA", "fault", "urgent").await;
        assert_eq!(clock_names(&served), 3, "urgent 15m/2h/4h: {served}");

        // An end before today: after it, no clocks again.
        let v = patch(&t, "admin", json!({"version": v["version"], "service_end": "2026-10"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["service_end"], "2026-10");
        let late = t.open("eng_a", "SA", "fault", "urgent").await;
        assert_eq!(clock_names(&late), 0, "{late}");

        // The audit log: who, and each field before and after.
        let admin = t.user_ids["admin"];
        let entries = audited(&t).await;
        assert_eq!(entries.len(), 3, "{entries:?}");
        assert!(entries.iter().all(|(who, _)| *who == Some(admin)));
        assert_eq!(
            entries[0].1["changes"],
            json!([
                {"field": "service_start", "from": null, "to": "2026-12-01"},
                {"field": "fee_fen", "from": null, "to": 36_500_000}
            ])
        );
        assert_eq!(
            entries[1].1["changes"],
            json!([{"field": "service_start", "from": "2026-12-01", "to": null}])
        );
        assert_eq!(
            entries[2].1["changes"],
            json!([{"field": "service_end", "from": null, "to": "2026-10"}])
        );
    }
);

both!(
    bad_dates_and_fees_are_422_and_only_admins_may_change_them,
    |t: Harness| async move {
        let v = patch(
            &t,
            "admin",
            json!({"version": system(&t).await["version"], "service_start": "2026-09-15"}),
        )
        .await
        .expect(StatusCode::OK);
        let version = v["version"].clone();
        for (body, field, says) in [
            (
                json!({"version": version, "service_end": "2026-09-14"}),
                "service_end",
                "before service_start 2026-09-15",
            ),
            (
                json!({"version": version, "service_end": "2026-08"}),
                "service_end",
                "2026-08-31 is before service_start",
            ),
            (json!({"version": version, "fee_fen": -1}), "fee_fen", "negative"),
            (
                json!({"version": version, "service_start": "2026年9月"}),
                "service_start",
                "is not a date like",
            ),
            (
                json!({"version": version, "service_start": "2026-02-30"}),
                "service_start",
                "is not a date like",
            ),
        ] {
            let a = patch(&t, "admin", body.clone()).await;
            assert_eq!(a.body["field"], field, "{body}: {}", a.body);
            let detail = a.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert!(detail.contains(says), "{body}: {detail}");
        }
        // A fee that is not a whole number of fen does not fit the body.
        patch(&t, "admin", json!({"version": version, "fee_fen": 10.5}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        // Nothing was written.
        let after = system(&t).await;
        assert_eq!(after["version"], version);
        assert_eq!(
            (&after["service_start"], &after["service_end"], &after["fee_fen"]),
            (&json!("2026-09-15"), &Value::Null, &Value::Null)
        );
        // The vendor's engineer and manager, and a unit's manager, may not.
        for who in ["eng_a", "vmgr_a", "mgr_a"] {
            patch(&t, who, json!({"version": version, "fee_fen": 1}))
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        assert_eq!(system(&t).await["fee_fen"], Value::Null);
        assert_eq!(audited(&t).await.len(), 1);
    }
);

/// Sends the system page's service form as a browser does: the session cookie, the page's token
/// and `sec-fetch-site: same-origin`.
async fn post_form(t: &Harness, cookie: &str, fields: &[(&str, &str)]) -> crate::support::Answer {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    t.with_headers(
        "",
        Method::POST,
        "/catalog/SA/service",
        Some("application/x-www-form-urlencoded"),
        &[("cookie", cookie), ("sec-fetch-site", "same-origin")],
        body.into_bytes(),
    )
    .await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn version_on(html: &str) -> String {
    html.split(r#"name="version" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the service form's version")
        .to_owned()
}

both!(
    the_system_page_shows_the_dates_and_fee_and_its_form_changes_them,
    |t: Harness| async move {
        let cookie = crate::web::session(&t, "admin").await;
        let (status, page) = crate::web::browse(&t, &cookie, "/catalog/SA").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("运维服务开始日期") && page.contains("年度运维费（元）"),
            "{page}"
        );
        assert!(page.contains(r#"action="/catalog/SA/service""#));
        let csrf = crate::web::csrf_of(&page);
        let version = version_on(&page);

        let a = post_form(
            &t,
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("service_start", ""),
                ("service_end", "2026-11-20"),
                ("fee_yuan", "365,000.50"),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let v = system(&t).await;
        assert_eq!(v["service_end"], "2026-11-20");
        assert_eq!(v["fee_fen"], 36_500_050, "yuan on the page, fen in the API");
        assert_eq!(v["service_start"], Value::Null);
        let flash = a.set_cookie.unwrap();
        let (_, page) = crate::web::browse(
            &t,
            &format!("{cookie}; {}", flash.split(';').next().unwrap()),
            "/catalog/SA",
        )
        .await;
        assert!(page.contains("已保存运维服务期限与费用"), "{page}");
        assert!(page.contains("¥365000.50") && page.contains("2026-11-20"), "{page}");
        // Today (25 November) is after the new end: a new ticket has no clocks.
        let after_end = t.open("eng_a", "SA", "fault", "urgent").await;
        assert_eq!(clock_names(&after_end), 0, "{after_end}");
        assert_eq!(audited(&t).await.len(), 1);

        // A bad amount or an end before the start comes back as a message; nothing changes.
        let version = version_on(&page);
        for (fee, end, says) in [
            ("12.345", "2026-11-20", "is not an amount in yuan"),
            ("-5", "2026-11-20", "negative"),
            ("1", "2026-13-01", "is not a date like"),
        ] {
            let a = post_form(
                &t,
                &cookie,
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("service_start", ""),
                    ("service_end", end),
                    ("fee_yuan", fee),
                ],
            )
            .await;
            assert_eq!(a.status, StatusCode::SEE_OTHER);
            let flash = a.set_cookie.unwrap();
            let (_, page) = crate::web::browse(
                &t,
                &format!("{cookie}; {}", flash.split(';').next().unwrap()),
                "/catalog/SA",
            )
            .await;
            assert!(page.contains("✗") && page.contains(says), "{fee} {end}: {page}");
        }
        assert_eq!(system(&t).await["fee_fen"], 36_500_050);
        assert_eq!(audited(&t).await.len(), 1);

        // A stale form (the version read before the change) changes nothing either.
        let a = post_form(
            &t,
            &cookie,
            &[("csrf", &csrf), ("version", "1"), ("service_end", ""), ("fee_yuan", "")],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert_eq!(system(&t).await["fee_fen"], 36_500_050);

        // Clearing everything through the form.
        let a = post_form(
            &t,
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("service_start", ""),
                ("service_end", ""),
                ("fee_yuan", ""),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let v = system(&t).await;
        assert_eq!((&v["service_end"], &v["fee_fen"]), (&Value::Null, &Value::Null));
        assert_eq!(clock_names(&t.open("eng_a", "SA", "fault", "urgent").await), 3);

        // The vendor's engineer sees the dates but no form, and the post is refused.
        let eng = crate::web::session(&t, "eng_a").await;
        let (status, page) = crate::web::browse(&t, &eng, "/catalog/SA").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("运维服务结束日期") && !page.contains("/catalog/SA/service"));
        let eng_csrf = crate::web::csrf_of(&page);
        let a = post_form(
            &t,
            &eng,
            &[("csrf", &eng_csrf), ("version", &version), ("fee_yuan", "1")],
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(system(&t).await["fee_fen"], Value::Null);
    }
);

both!(
    a_rule_on_the_system_fee_waits_for_the_fee_then_charges_its_share,
    |t: Harness| async move {
        // A contract whose rule is charged on the fee of the late ticket's system (docs/contracts.md
        // "What the percentage is of"); the figures are illustrative.
        t.put(
            "admin",
            "/api/v1/contracts/va-fee",
            json!({"code": "va-fee", "name": "Vendor A by system", "vendor": "VA", "price_fen": 60_000_000,
                   "months": 12, "systems": ["SA"], "rules": [
                {"id": "late-repair", "label": "未按时修复", "counts": "per_occurrence",
                 "when": {"metric": "late", "clock": "repair"}, "amount": {"of": "fee", "pct": 1}}]}),
        )
        .await
        .expect(StatusCode::OK);
        // An urgent fault on SA received 2 Nov 10:00 and restored 16:00: its 4 h repair is late.
        let v = crate::recorded::open(&t, "eng_a", "SA", "fault", "urgent", "2026-11-02T10:00:00").await;
        let number = v["number"].as_str().unwrap().to_owned();
        let mut v = v;
        for (action, at, extra) in [
            ("acknowledge", "2026-11-02T10:05:00", json!({})),
            ("arrive", "2026-11-02T11:00:00", json!({})),
            ("start", "2026-11-02T11:00:00", json!({})),
            ("resolve", "2026-11-02T16:00:00", json!({"root_cause": "c", "fix": "f"})),
        ] {
            v = crate::recorded::step(&t, "eng_a", &v, action, at, extra).await;
        }
        let outcome = |r: Value| {
            r["deductions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["contract"] == "va-fee")
                .unwrap()["assessment"]["outcomes"][0]
                .clone()
        };
        let november = "/api/v1/reports/breaches?period=2026-11";
        // No fee for SA yet: not measured, and the note says whose fee is missing.
        let o = outcome(t.get("admin", november).await.expect(StatusCode::OK));
        assert_eq!(
            (o["status"].as_str(), o["amount_fen"].as_i64()),
            (Some("not_measured"), Some(0)),
            "{o}"
        );
        assert_eq!(o["evidence"], json!([number]));
        assert!(o["notes"].to_string().contains("SA has no fee (fee_fen)"), "{o}");
        // SA's fee set on the system (120,000.00 元 a year): 1 % of it, not 1 % of the price.
        let version = system(&t).await["version"].clone();
        patch(&t, "admin", json!({"version": version, "fee_fen": 12_000_000}))
            .await
            .expect(StatusCode::OK);
        let o = outcome(t.get("admin", november).await.expect(StatusCode::OK));
        assert_eq!(
            (o["status"].as_str(), o["amount_fen"].as_i64()),
            (Some("fired"), Some(120_000)),
            "{o}"
        );
        assert!(
            o["notes"]
                .to_string()
                .contains("1% of the yearly fee of SA ¥120,000.00"),
            "{o}"
        );
    }
);
