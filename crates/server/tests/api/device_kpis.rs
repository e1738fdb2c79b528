//! Device KPIs against their targets (issue 30): main-device availability, online rate and filing
//! rate (一机一档备案率) per system and per contract, in the report (JSON, CSV, XLSX), on the
//! dashboard, on the devices page and in an assessment's figures; the targets in the catalogue,
//! checked, imported and exported. The month is the one `devices.rs` works by hand.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use opsclock::db::entities::systems;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

const MARCH: &str = "/api/v1/reports/breaches?period=2026-03";

fn beijing(at: &str) -> DateTime<Utc> {
    format!("{at}+08:00").parse().unwrap()
}

/// A ticket on `system`'s `devices` from `began` to `restored` (Beijing time), by `who`.
async fn outage(t: &Harness, who: &str, system: &str, severity: &str, devices: &[&str], began: &str, restored: &str) {
    let at = format!("{began}+08:00");
    let v = t
        .post(
            who,
            "/api/v1/tickets",
            json!({"kind": "fault", "system": system, "severity": severity, "title": "设备故障",
                   "occurred_at": at, "received_at": at}),
        )
        .await
        .expect(StatusCode::CREATED);
    let number = v["number"].as_str().unwrap().to_owned();
    t.put(
        who,
        &format!("/api/v1/tickets/{number}/devices"),
        json!({"devices": devices}),
    )
    .await
    .expect(StatusCode::OK);
    let v = crate::recorded::act_at(t, who, &v, "acknowledge", beijing(began), json!({}))
        .await
        .expect(StatusCode::OK);
    crate::recorded::act_at(
        t,
        who,
        &v,
        "resolve",
        beijing(restored),
        json!({"root_cause": "c", "fix": "f"}),
    )
    .await
    .expect(StatusCode::OK);
}

/// Sets system `id`'s contract facts (as a catalogue import stores them).
async fn facts(t: &Harness, id: i64, profile: Value) {
    let mut s = systems::Entity::find_by_id(id)
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    s.profile = Set(Some(profile));
    s.update(&t.db.db).await.unwrap();
}

/// March 2026 (744 h) on System A as `devices.rs` works it, with records, and on System B one
/// camera; a contract over both.
///
/// | device | main | outage | filed |
/// |---|---|---|---|
/// | SA CAM-1 | yes | 30 h (36 h, 6 h in approved maintenance) | yes |
/// | SA CAM-2 | yes | 6 h (two tickets on one outage) | yes |
/// | SA CAM-3 | yes, from 16 Mar (384 h) | 12 h | no model, serial, location |
/// | SA SW-1 | no | 4 h | nothing |
/// | SB CAM-B | yes | 30 h | yes |
async fn march(t: &Harness) {
    let full = json!({"model": "DS-2CD", "serial": "S1", "location": "路口", "installed_on": "2025-06-01"});
    for (system, code, main, extra) in [
        ("SA", "CAM-1", true, full.clone()),
        ("SA", "CAM-2", true, full.clone()),
        ("SA", "CAM-3", true, json!({"installed_on": "2026-03-16"})),
        ("SA", "SW-1", false, json!({})),
        ("SB", "CAM-B", true, full.clone()),
    ] {
        let mut body = json!({"code": code, "type": "摄像机", "main": main});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        t.post("admin", &format!("/api/v1/systems/{system}/devices"), body)
            .await
            .expect(StatusCode::CREATED);
    }
    t.post(
        "mgr_a",
        "/api/v1/exclusions",
        json!({"system": "SA", "kind": "maintenance", "starts": "2026-03-10T00:00:00+08:00",
               "ends": "2026-03-10T06:00:00+08:00", "reason": "年度检修"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let a = |sev, d: &'static [&'static str], b: &'static str, e: &'static str| outage(t, "eng_a", "SA", sev, d, b, e);
    a("general", &["CAM-1"], "2026-03-03T08:00:00", "2026-03-03T20:00:00").await;
    a("minor", &["CAM-1"], "2026-03-10T00:00:00", "2026-03-11T00:00:00").await;
    a(
        "urgent",
        &["CAM-2", "SW-1"],
        "2026-03-05T10:00:00",
        "2026-03-05T14:00:00",
    )
    .await;
    a("serious", &["CAM-2"], "2026-03-05T12:00:00", "2026-03-05T16:00:00").await;
    a("serious", &["CAM-3"], "2026-03-20T00:00:00", "2026-03-20T12:00:00").await;
    outage(
        t,
        "eng_b",
        "SB",
        "urgent",
        &["CAM-B"],
        "2026-03-07T00:00:00",
        "2026-03-08T06:00:00",
    )
    .await;
    // SA's targets: main devices 97.5 %, online 98 %, filing 100 %; SB's: online 95 %.
    facts(
        t,
        t.ids.sys_a,
        json!({"main_device_availability_target": 97.5, "online_rate_target": 98.0, "filing_rate_target": 100.0}),
    )
    .await;
    facts(t, t.ids.sys_b, json!({"online_rate_target": 95.0})).await;
    let contract = json!({"code": "dev-26", "name": "视频运维", "vendor": "VA", "members": ["VB"],
                          "price_fen": 120_000_000, "months": 12, "systems": ["SA", "SB"],
                          "rules": [{"id": "late-repair", "label": "修复超时", "source": "illustrative",
                                     "counts": "per_occurrence", "when": {"metric": "late", "clock": "repair"},
                                     "amount": {"of": "price", "pct": 0.1}}]});
    t.put("admin", "/api/v1/contracts/dev-26", contract)
        .await
        .expect(StatusCode::OK);
}

/// `(kpi, value, target, met)` of a KPI list.
fn kpis(v: &Value) -> Vec<(String, Value, Value, Value)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kpi"].as_str().unwrap().to_owned(),
                k["value_pct"].clone(),
                k["target_pct"].clone(),
                k["met"].clone(),
            )
        })
        .collect()
}

fn k(kpi: &str, value: Value, target: Value, met: Value) -> (String, Value, Value, Value) {
    (kpi.to_owned(), value, target, met)
}

both!(
    a_month_of_device_kpis_per_system_and_contract_by_hand,
    |t: Harness| async move {
        march(&t).await;
        let r = t.get("admin", MARCH).await.expect(StatusCode::OK);
        let d = &r["device_kpis"];
        let sa = &d["systems"][0];
        assert_eq!(sa["system"], "SA");
        assert_eq!(
            (
                sa["main_devices"].as_u64(),
                sa["devices"].as_u64(),
                sa["filed"].as_u64()
            ),
            (Some(3), Some(4), Some(2))
        );
        assert_eq!(
            kpis(&sa["kpis"]),
            [
                // 1 − 48/1 872 = 97.4359 % < 97.5: not met.
                k("main_device_availability", json!(97.4359), json!(97.5), json!(false)),
                // Every device: 1 − (48 + 4)/(1 872 + 744) = 1 − 52/2 616 = 98.0122 % ≥ 98.
                k("online_rate", json!(98.0122), json!(98.0), json!(true)),
                // CAM-1 and CAM-2 filed of four: 50 % < 100.
                k("filing_rate", json!(50.0), json!(100.0), json!(false)),
            ]
        );
        // SB: 30 h of 744 h: 1 − 30/744 = 95.9677 % for both, online ≥ 95; one filed of one.
        let sb = &d["systems"][1];
        assert_eq!(sb["system"], "SB");
        assert_eq!(
            kpis(&sb["kpis"]),
            [
                k("main_device_availability", json!(95.9677), Value::Null, Value::Null),
                k("online_rate", json!(95.9677), json!(95.0), json!(true)),
                k("filing_rate", json!(100.0), Value::Null, Value::Null),
            ]
        );
        // The contract pools both: main 1 − 78/2 616 = 97.0183 %, missed because SA missed its
        // own; online 1 − 82/3 360 = 97.5595 %, met because each system met its own; filing 3 of
        // 5 = 60 %, missed by SA. No target is shown: SA's and SB's differ or SB has none.
        let c = &d["contracts"][0];
        assert_eq!(c["contract"], "dev-26");
        assert_eq!(c["systems"], json!(["SA", "SB"]));
        assert_eq!(
            kpis(&c["kpis"]),
            [
                k("main_device_availability", json!(97.0183), Value::Null, json!(false)),
                k("online_rate", json!(97.5595), Value::Null, json!(true)),
                k("filing_rate", json!(60.0), Value::Null, json!(false)),
            ]
        );
        // A unit's manager sees its own system, and the contract over it alone.
        let mine = t.get("mgr_a", MARCH).await.expect(StatusCode::OK);
        assert_eq!(mine["device_kpis"]["systems"].as_array().unwrap().len(), 1);
        assert_eq!(mine["device_kpis"]["contracts"][0]["systems"], json!(["SA"]));
        assert_eq!(mine["device_kpis"]["contracts"][0]["kpis"][1]["value_pct"], 98.0122);

        // The system's device availability says the same, and what each record lacks.
        let a = t
            .get(
                "viewer_a",
                "/api/v1/systems/SA/device-availability?from=2026-03-01&to=2026-04-01",
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(a["kpis"], sa["kpis"]);
        assert_eq!(a["devices"][2]["missing"], json!(["model", "serial", "location"]));
        assert_eq!(a["devices"][0]["missing"], json!([]));

        // The CSV section: a row per system and KPI, then per contract.
        let (status, _, bytes) = t
            .download("admin", &format!("{MARCH}&format=csv&section=device_kpis"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(bytes).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert!(
            rows[0].contains("范围,编码,名称,指标,主要设备数,设备数,已建档设备数,目标,实际,是否达标"),
            "{text}"
        );
        assert!(
            rows.contains(&"系统,SA,System A,一机一档备案率,3,4,2,100.00%,50.00%,未达标"),
            "{text}"
        );
        assert!(
            rows.contains(&"合同,dev-26,视频运维,设备在线率,4,5,3,,97.56%,达标"),
            "{text}"
        );

        // The dashboard: the contract and SA (each with a miss) before SB.
        let cookies = crate::web::session(&t, "admin").await;
        let (_, page) = crate::web::browse(&t, &cookies, "/dashboard?period=2026-03").await;
        let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} in {page}"));
        assert!(page.contains("设备指标（对照目标）"));
        assert!(at(r#"data-code="dev-26""#) < at(r#"data-code="SB""#));
        assert!(at(r#"data-code="SA""#) < at(r#"data-code="SB""#));
        // The devices page shows the KPIs and what a record lacks.
        let (_, page) = crate::web::browse(&t, &cookies, "/catalog/SA/devices?month=2026-03").await;
        assert!(page.contains(r#"data-kpi="filing_rate""#), "{page}");
        assert!(page.contains("缺 型号、序列号、位置"), "{page}");
        // The system's page states its targets.
        let (_, page) = crate::web::browse(&t, &cookies, "/catalog/SA").await;
        assert!(page.contains(r#"id="target-online_rate">98.0 %"#), "{page}");
        assert!(page.contains("一机一档备案率 · 目标"), "{page}");
    }
);

both!(
    an_assessment_carries_the_contracts_device_kpis,
    |t: Harness| async move {
        march(&t).await;
        let a = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "dev-26", "period": "2026-03"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let f = &a["figures"]["device_kpis"];
        assert_eq!(f["contracts"][0]["kpis"][0]["value_pct"], 97.0183);
        assert_eq!(f["contracts"][0]["kpis"][0]["met"], false);
        assert_eq!(f["systems"][0]["kpis"][2]["value_pct"], 50.0);
        let cookies = crate::web::session(&t, "bureau").await;
        let id = a["id"].as_i64().unwrap();
        let (_, page) = crate::web::browse(&t, &cookies, &format!("/assessments/{id}")).await;
        assert!(page.contains(r#"class="fig-device-kpis""#), "{page}");
        assert!(page.contains("一机一档备案率"), "{page}");
    }
);

both!(
    the_catalogue_keeps_device_targets_and_refuses_bad_ones,
    |t: Harness| async move {
        use opsclock::app::demo::SHUNYI_CATALOG;
        let upload = |text: String| {
            let t = &t;
            async move {
                t.raw(
                    "admin",
                    axum::http::Method::POST,
                    "/api/v1/catalog/import",
                    Some("application/toml"),
                    text.into_bytes(),
                )
                .await
            }
        };
        // A target over 100 % and a field no record has: nothing imported, each named.
        let bad = SHUNYI_CATALOG
            .replacen("online_rate_target = 98.0", "online_rate_target = 198.0", 1)
            .replacen(
                "filing_rate_target = 100.0",
                "filing_rate_target = 100.0\nfiling_fields = [\"model\", \"colour\"]",
                1,
            );
        let e = upload(bad).await;
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", e.body);
        let problems = e.body["problems"].to_string();
        assert!(
            problems.contains("contract.online_rate_target")
                && problems.contains("198 is not a percentage in (0, 100]"),
            "{problems}"
        );
        assert!(
            problems.contains("contract.filing_fields[1]") && problems.contains("\\\"colour\\\" is not a device field"),
            "{problems}"
        );
        // The shipped file: sy-129's targets (L23410, L23416) go in and come back out.
        upload(SHUNYI_CATALOG.to_owned()).await.expect(StatusCode::OK);
        let export = t.get("admin", "/api/v1/catalog/export").await;
        let text = export
            .body
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| export.body.to_string());
        let file: toml::Value = toml::from_str(&text).unwrap();
        let sy129 = file["systems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"].as_str() == Some("sy-129"))
            .unwrap();
        assert_eq!(sy129["contract"]["online_rate_target"].as_float(), Some(98.0));
        assert_eq!(sy129["contract"]["filing_rate_target"].as_float(), Some(100.0));
        assert_eq!(sy129["contract"]["availability_target"].as_float(), Some(98.0));
    }
);
