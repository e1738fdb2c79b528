//! The catalogues of seeds 002 (`config/catalogs/zhengwuyun-2025.toml`, 政务云综合监管) and 003
//! (`config/catalogs/sme-platform-2025.toml`, 中小企业公共服务平台), imported through the API into a
//! database that holds none of their codes, and tickets on their systems getting the deadlines
//! the seeds state — and none where a seed states none. Also the 002 contract
//! (`config/contracts/zhengwuyun-2025.toml`) set as shipped and firing on a finding.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{beijing, import_catalog};
use crate::support::Harness;

const ZHENGWUYUN: &str = include_str!("../../../../config/catalogs/zhengwuyun-2025.toml");
const SME: &str = include_str!("../../../../config/catalogs/sme-platform-2025.toml");
const ZHENGWUYUN_CONTRACT: &str = include_str!("../../../../config/contracts/zhengwuyun-2025.toml");

/// Imports a catalogue file as the admin; returns the number of entries created.
async fn import(t: &Harness, text: &str) -> u64 {
    let r = import_catalog(t, text).await.expect(StatusCode::OK);
    assert_eq!(r["changed"], 0, "{r}");
    r["created"].as_u64().unwrap()
}

/// Opens a ticket as the bureau (the buyer over every unit) at `at`, Beijing time, on the test
/// clock: it is received and begins then.
async fn open_at(t: &Harness, system: &str, kind: &str, severity: &str, at: &str) -> Value {
    t.time.set(beijing(at));
    t.post(
        "bureau",
        "/api/v1/tickets",
        json!({"kind": kind, "system": system, "severity": severity, "title": format!("{kind} {severity}")}),
    )
    .await
    .expect(StatusCode::CREATED)
}

async fn reread(t: &Harness, v: &Value) -> Value {
    t.get("admin", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
        .await
        .expect(StatusCode::OK)
}

/// `(name, target, calendar, deadline)` of each clock.
fn clocks(v: &Value) -> Vec<(String, String, String, DateTime<Utc>)> {
    v["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["target"].as_str().unwrap().to_owned(),
                c["calendar"].as_str().unwrap().to_owned(),
                c["deadline"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

both!(
    the_sme_catalogue_gives_an_urgent_fault_its_30_minutes_on_7x24,
    |t: Harness| async move {
        // 1 unit, 1 vendor, 3 policies, 14 systems.
        assert_eq!(import(&t, SME).await, 1 + 1 + 3 + 14);
        // 003 第八条（四） L133–135: "正常情况下，乙方应向甲方提供7×24小时技术支持服务；在可能导致甲方系统
        // 瘫痪等不可挽回的损失时，乙方响应甲方服务要求的时间不得超过30 分钟". An urgent fault on 企业一体化
        // 申报 at Saturday 23:50: due Sunday 00:20 — 7×24, the night and the weekend count.
        let v = open_at(&t, "sme-ythsb", "fault", "urgent", "2026-11-21T23:50:00").await;
        assert_eq!(
            clocks(&v),
            [(
                "response".to_owned(),
                "30m".to_owned(),
                "cn-7x24".to_owned(),
                beijing("2026-11-22T00:20:00")
            )],
            "no repair time is given, so only the response runs: {v}"
        );
        // Unanswered at 00:21, it is breached.
        t.time.advance(chrono::TimeDelta::minutes(31));
        let later = reread(&t, &v).await;
        assert_eq!(later["clocks"][0]["breached"], true, "{later}");
        // The 30 minutes answer a request of the buyer too ("响应甲方服务要求").
        let r = open_at(&t, "sme-ythsb", "request", "urgent", "2026-11-23T10:00:00").await;
        assert_eq!(clocks(&r)[0].3, beijing("2026-11-23T10:30:00"));
        // "正常情况下" has no figure: a serious fault runs no clock.
        let s = open_at(&t, "sme-ythsb", "fault", "serious", "2026-11-23T10:00:00").await;
        assert_eq!(s["clocks"], json!([]), "{s}");
        // The infrastructure objects have the same 30 minutes (L133–135 is about every 甲方系统).
        let b = open_at(&t, "sme-base", "alarm", "urgent", "2026-11-23T10:00:00").await;
        assert_eq!(clocks(&b)[0].3, beijing("2026-11-23T10:30:00"));
    }
);

both!(
    a_device_fault_in_the_sme_service_hall_is_due_at_once,
    |t: Harness| async move {
        import(&t, SME).await;
        // 003 附件3 二、6 L745: "针对大屏设备、打印机、投影机等设备故障，立即启动维修流程": a zero-minute
        // response, for every severity, due the instant the fault is logged.
        let v = open_at(&t, "sme-hall", "fault", "minor", "2026-11-22T15:00:00").await;
        let c = clocks(&v);
        assert_eq!(c.len(), 1, "{v}");
        assert_eq!((c[0].0.as_str(), c[0].3), ("response", beijing("2026-11-22T15:00:00")));
        // Unanswered a minute later, it is late by that minute.
        t.time.advance(chrono::TimeDelta::minutes(1));
        let later = reread(&t, &v).await;
        assert_eq!(later["clocks"][0]["breached"], true, "{later}");
        // The clause is about device faults: a service request in the hall runs no clock.
        let r = open_at(&t, "sme-hall", "request", "general", "2026-11-22T15:00:00").await;
        assert_eq!(r["clocks"], json!([]), "{r}");
    }
);

both!(
    the_zhengwuyun_catalogue_runs_no_clocks_and_serves_one_year_from_signing,
    |t: Harness| async move {
        // 1 unit, 4 vendors, 1 policy, 9 systems.
        assert_eq!(import(&t, ZHENGWUYUN).await, 1 + 4 + 1 + 9);
        // 002 states no time for a fault: "遇到设施设备报修事件后及时响应" (L415), "当出现故障时，及时
        // 进行处置" (L933). An urgent fault on the 办公云 platform inside the service year runs no
        // clock, and says nothing about service dates.
        let v = open_at(&t, "zwy-office-cloud", "fault", "urgent", "2026-03-10T09:00:00").await;
        assert_eq!(v["clocks"], json!([]), "{v}");
        assert!(!reread(&t, &v).await["timeline"].to_string().contains("不计合同时限"));
        // "自合同签订之日起一年" (L98), signed 2025.7.31 (L264): 2025-08-01 to 2026-07-31
        // (民法典 第二百零一条: the day of signing is not counted).
        let before = open_at(&t, "zwy-idc", "fault", "urgent", "2025-07-31T12:00:00").await;
        let said = reread(&t, &before).await["timeline"].to_string();
        assert!(said.contains("早于本系统运维服务开始日期 2025-08-01"), "{said}");
        let after = open_at(&t, "zwy-idc", "fault", "urgent", "2026-08-01T00:00:00").await;
        let said = reread(&t, &after).await["timeline"].to_string();
        assert!(said.contains("晚于本系统运维服务结束日期 2026-07-31"), "{said}");
    }
);

/// The shipped 002 contract as `PUT /api/v1/contracts/{code}` takes it, vendors as written.
fn zhengwuyun_contract() -> Value {
    #[derive(serde::Deserialize)]
    struct File {
        contracts: Vec<contract_terms::Contract>,
    }
    let file: File = toml::from_str(ZHENGWUYUN_CONTRACT).unwrap();
    serde_json::to_value(file.contracts.into_iter().next().unwrap()).unwrap()
}

both!(
    the_zhengwuyun_contract_loads_on_its_catalogue_and_fires_on_a_confidentiality_finding,
    |t: Harness| async move {
        import(&t, ZHENGWUYUN).await;
        // The contract names the catalogue's four vendors (lead and members) as they are.
        t.put("admin", "/api/v1/contracts/zhengwuyun-2025", zhengwuyun_contract())
            .await
            .expect(StatusCode::OK);
        t.post(
            "bureau",
            "/api/v1/findings",
            json!({"contract": "zhengwuyun-2025", "kind": "confidentiality_breach", "month": "2026-03",
                   "summary": "泄露项目信息，损失数额无法确定", "evidence": "2026-03-20 保密检查记录"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let r = t
            .get("admin", "/api/v1/reports/breaches?period=2026-03")
            .await
            .expect(StatusCode::OK);
        let a = r["deductions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["contract"] == "zhengwuyun-2025")
            .unwrap_or_else(|| panic!("no zhengwuyun-2025 in {}", r["deductions"]))["assessment"]
            .clone();
        let rule = |id: &str| {
            a["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["rule"] == id)
                .unwrap_or_else(|| panic!("no rule {id}"))
                .clone()
        };
        // 002 第八条 8 (L199): "如损失数额无法确定的，乙、丙、丁、戊各方同意按照合同金额的10%赔偿甲方的
        // 损失": 10 % of 24,742,400.00 元 (L102) = 247,424,000 fen.
        let o = rule("8-8");
        assert_eq!(
            (o["status"].as_str(), o["amount_fen"].as_i64()),
            (Some("fired"), Some(247_424_000)),
            "{o}"
        );
        // No duty ran late: 第十条 2's days of delay (L211) owe nothing.
        assert_eq!(rule("10-2")["status"], "not_fired");
        assert_eq!(a["total_fen"].as_i64(), Some(247_424_000));
    }
);

both!(
    the_zhengwuyun_catalogue_shares_the_buyer_and_capinfo_cloud_with_the_jingban_one,
    |t: Harness| async move {
        // Seeds 000 and 002 have one buyer, 北京市大数据中心 (000 L9, 002 L9), and one common vendor,
        // 首信云技术有限公司 (000 丁方 L15, 002 丙方 L13): after the 京办 catalogue, the 政务云 one finds
        // both as they are and creates the rest (4 − 1 vendors, 1 policy, 9 systems).
        import(&t, include_str!("../../../../config/catalogs/jingban-2026.toml")).await;
        assert_eq!(import(&t, ZHENGWUYUN).await, 3 + 1 + 9);
        // The contract names only its own systems. The 京办 mail system that 首信云 also serves is
        // not served before 2026-04-06 (000 L148); unscoped, the 政务云 contract's March report would
        // list it under 核减. Scoped, every system of it is served all March: no line.
        t.put("admin", "/api/v1/contracts/zhengwuyun-2025", zhengwuyun_contract())
            .await
            .expect(StatusCode::OK);
        let r = t
            .get("admin", "/api/v1/reports/breaches?period=2026-03")
            .await
            .expect(StatusCode::OK);
        let d = r["deductions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["contract"] == "zhengwuyun-2025")
            .unwrap_or_else(|| panic!("{}", r["deductions"]))
            .clone();
        assert_eq!(d["service_reductions"], json!([]), "{d}");
    }
);
