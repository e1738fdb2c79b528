//! Service dates and fees per system (`[systems.contract]` `service_start`, `service_end`,
//! `fee_fen`): they gate a ticket's clocks, availability and the report's 核减 line, and they
//! round-trip through the catalogue file.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{beijing, import_catalog as import};
use crate::support::Harness;

/// SD starts like sy-127 (config/catalogs/shunyi-2026.toml: `service_start = "2026-09-15"`);
/// SE ends on 20 March 2026 with a yearly fee of 365 000 元.
const FILE: &str = r#"format = 1

[[systems]]
code = "SD"
name = "System D"
unit = "UA"
vendors = ["VA"]
policy = "P"
calendar = "24x7"
service_mode = "on_site"

[systems.contract]
service_start = "2026-09-15"

[[systems]]
code = "SE"
name = "System E"
unit = "UB"
vendors = ["VB"]
policy = "P"
calendar = "24x7"
service_mode = "on_site"

[systems.contract]
service_end = "2026-03-20"
fee_fen = 36500000
"#;

async fn open(t: &Harness, who: &str, system: &str, severity: &str, at: &str) -> Value {
    let at = format!("{at}+08:00");
    t.post(
        who,
        "/api/v1/tickets",
        json!({"kind": "fault", "system": system, "severity": severity, "title": "fault",
               "occurred_at": at, "received_at": at}),
    )
    .await
    .expect(StatusCode::CREATED)
}

async fn timeline(t: &Harness, v: &Value) -> String {
    let full = t
        .get("admin", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
        .await
        .expect(StatusCode::OK);
    full["timeline"].to_string()
}

both!(
    a_ticket_before_the_service_starts_has_no_clocks_and_says_why,
    |t: Harness| async move {
        import(&t, FILE).await.expect(StatusCode::OK);
        // March, months before SD's service starts on 15 September: accepted, no clocks.
        let before = open(&t, "eng_a", "SD", "urgent", "2026-03-10T09:00:00").await;
        assert_eq!(before["clocks"], json!([]), "{before}");
        let said = timeline(&t, &before).await;
        assert!(
            said.contains("故障发生于 2026-03-10，早于本系统运维服务开始日期 2026-09-15，不计合同时限"),
            "{said}"
        );
        // From the first day of service, the policy's clocks run: urgent 15m/2h/4h.
        let served = open(&t, "eng_a", "SD", "urgent", "2026-09-15T00:00:00").await;
        let names: Vec<&str> = served["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(names.len(), 3, "{served}");
        assert!(!timeline(&t, &served).await.contains("不计合同时限"));
        // After SE's last day (20 March): none either.
        let after = open(&t, "eng_b", "SE", "urgent", "2026-03-21T00:00:00").await;
        assert_eq!(after["clocks"], json!([]));
        assert!(
            timeline(&t, &after)
                .await
                .contains("晚于本系统运维服务结束日期 2026-03-20")
        );
        // A re-grade keeps it without clocks.
        let regraded = t
            .act(
                "mgr_a",
                &before,
                "regrade",
                json!({"severity": "serious", "reason": "影响较小"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(regraded["clocks"], json!([]), "{regraded}");
    }
);

both!(
    a_system_that_ends_mid_month_counts_its_days_only_and_is_reduced_for_the_rest,
    |t: Harness| async move {
        import(&t, FILE).await.expect(StatusCode::OK);
        t.raw(
            "admin",
            Method::PUT,
            "/api/v1/contracts/vb-2026",
            Some("application/json"),
            json!({"code": "vb-2026", "name": "Vendor B O&M", "vendor": "VB", "price_fen": 120_000_000,
                   "months": 12, "systems": ["SE"], "rules": [
                {"id": "late-arrival", "label": "未按时到场", "when": {"metric": "late", "clock": "arrival"},
                 "amount": {"of": "price", "pct": 0.1}}]})
            .to_string()
            .into_bytes(),
        )
        .await
        .expect(StatusCode::OK);
        // An urgent fault on SE from 20 March 23:00 to 21 March 02:00: only the hour up to the
        // end of its last day of service is an outage.
        let mut v = open(&t, "eng_b", "SE", "urgent", "2026-03-20T23:00:00").await;
        for (action, at, extra) in [
            ("acknowledge", "2026-03-20T23:05:00", json!({})),
            ("arrive", "2026-03-20T23:30:00", json!({})),
            ("start", "2026-03-20T23:30:00", json!({})),
            ("resolve", "2026-03-21T02:00:00", json!({"root_cause": "c", "fix": "f"})),
        ] {
            v = crate::recorded::act_at(&t, "eng_b", &v, action, beijing(at), extra)
                .await
                .expect(StatusCode::OK);
        }
        let r = t
            .get("admin", "/api/v1/reports/breaches?period=2026-03")
            .await
            .expect(StatusCode::OK);
        let se = r["availability"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["system"] == "SE")
            .expect("SE measured")
            .clone();
        // 1–20 March: 20 × 1440 = 28 800 minutes; 60 of outage: 1 − 60 / 28 800 = 99.7917 %.
        assert_eq!(se["period_min"], 28_800.0, "{se}");
        assert_eq!(se["outage_min"], 60.0, "{se}");
        assert_eq!(se["availability_pct"], 99.7917, "{se}");
        // SD is not served in March at all: no percentage.
        let sd = r["availability"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["system"] == "SD")
            .unwrap()
            .clone();
        assert_eq!(
            (sd["period_min"].as_f64(), sd["availability_pct"].is_null()),
            (Some(0.0), true)
        );
        // 核减 (004 L28733–28735), read pro rata: 21–31 March are 11 days outside service;
        // 36 500 000 fen a year × 11 / 365 = 1 100 000 fen (11 000 元).
        let d = r["deductions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["contract"] == "vb-2026")
            .expect("the contract")
            .clone();
        assert_eq!(d["service_reduction_fen"], 1_100_000, "{d}");
        let line = &d["service_reductions"][0];
        assert_eq!(
            (&line["system"], &line["days_outside"], &line["reduction_fen"]),
            (&json!("SE"), &json!(11), &json!(1_100_000))
        );
        assert!(line["note"].as_str().unwrap().contains("待人工确认"));
        // The printed forms carry it as its own line.
        let (status, _, csv) = t
            .download(
                "admin",
                "/api/v1/reports/breaches?period=2026-03&format=csv&section=deductions",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains("核减,SE 运维服务 ～2026-03-20 外 11 天"), "{csv}");
        assert!(csv.contains("核减合计"), "{csv}");
    }
);

both!(
    service_dates_and_fees_round_trip_and_bad_ones_are_refused_by_field,
    |t: Harness| async move {
        import(&t, FILE).await.expect(StatusCode::OK);
        let export = t.get("admin", "/api/v1/catalog/export").await;
        let text = export.body.as_str().expect("TOML text").to_owned();
        assert!(text.contains("service_end = \"2026-03-20\""), "{text}");
        assert!(text.contains("fee_fen = 36500000"), "{text}");
        let again = import(&t, &text).await.expect(StatusCode::OK);
        assert_eq!(
            (again["created"].as_u64(), again["changed"].as_u64()),
            (Some(0), Some(0))
        );
        let bad = FILE.replacen(
            "service_end = \"2026-03-20\"",
            "service_start = \"2026-04-01\"\nservice_end = \"2026-03-20\"",
            1,
        );
        let answer = import(&t, &bad).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        let problems = answer.body["problems"].as_array().expect("problems");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0]["path"], "systems[1].contract.service_end");
        assert!(
            problems[0]["message"]
                .as_str()
                .unwrap()
                .contains("2026-03-20 is before service_start 2026-04-01")
        );
        let bad = FILE.replacen("fee_fen = 36500000", "fee_fen = -1", 1);
        let answer = import(&t, &bad).await;
        assert_eq!(
            answer.body["problems"][0]["path"], "systems[1].contract.fee_fen",
            "{}",
            answer.body
        );
    }
);
