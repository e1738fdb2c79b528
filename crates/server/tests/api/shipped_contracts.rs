//! The shipped contracts (`config/contracts/*.toml`) in the server's report, on tickets and
//! findings recorded through the API: a Shunyi month with a late arrival and a finding of
//! insufficient capability (issue 24's done-when), an SME outage of exactly two hours, and a late
//! response of a 京办 consortium member counted against the joint fee. Each contract is set with
//! its vendor (and members) renamed to the harness's vendors; every figure is the file's.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{open, step};
use crate::support::Harness;

const NOVEMBER: &str = "/api/v1/reports/breaches?period=2026-11";

/// A shipped contract file as the JSON `PUT /api/v1/contracts/{code}` takes, its vendor renamed.
fn shipped(file: &str, vendor: &str, members: &[&str]) -> Value {
    #[derive(serde::Deserialize)]
    struct File {
        contracts: Vec<contract_terms::Contract>,
    }
    let path = format!("{}/../../config/contracts/{file}", env!("CARGO_MANIFEST_DIR"));
    let file: File = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut c = file.contracts.into_iter().next().unwrap();
    c.vendor = vendor.to_owned();
    c.members = members.iter().map(|m| (*m).to_owned()).collect();
    // The harness's systems stand in for the catalogue's the file names.
    c.systems.clear();
    for d in &mut c.reports {
        d.systems.clear();
    }
    serde_json::to_value(c).unwrap()
}

async fn set_contract(t: &Harness, c: &Value) {
    let code = c["code"].as_str().unwrap().to_owned();
    t.put("admin", &format!("/api/v1/contracts/{code}"), c.clone())
        .await
        .expect(StatusCode::OK);
}

/// The November assessment of contract `code`.
async fn november(t: &Harness, code: &str) -> Value {
    let r = t.get("admin", NOVEMBER).await.expect(StatusCode::OK);
    r["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["contract"] == code)
        .unwrap_or_else(|| panic!("no {code} in {}", r["deductions"]))["assessment"]
        .clone()
}

fn outcome(a: &Value, rule: &str) -> Value {
    a["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == rule)
        .unwrap_or_else(|| panic!("no rule {rule}"))
        .clone()
}

fn brief(a: &Value, rule: &str) -> (String, i64) {
    let o = outcome(a, rule);
    (
        o["status"].as_str().unwrap().to_owned(),
        o["amount_fen"].as_i64().unwrap(),
    )
}

both!(
    a_shunyi_month_with_a_late_arrival_and_a_capability_finding_fires,
    |t: Harness| async move {
        set_contract(&t, &shipped("shunyi-2026.toml", "VA", &[])).await;
        // An urgent fault on System A (24x7; response 15 min, on site 2 h, repair 4 h) received
        // 2 Nov 10:00: acknowledged 10:05, on site 13:00 (an hour late), restored 13:30 (in time).
        let v = open(&t, "eng_a", "SA", "fault", "urgent", "2026-11-02T10:00:00").await;
        let number = v["number"].as_str().unwrap().to_owned();
        let v = step(&t, "eng_a", &v, "acknowledge", "2026-11-02T10:05:00", json!({})).await;
        let v = step(&t, "eng_a", &v, "arrive", "2026-11-02T13:00:00", json!({})).await;
        let v = step(&t, "eng_a", &v, "start", "2026-11-02T13:00:00", json!({})).await;
        step(
            &t,
            "eng_a",
            &v,
            "resolve",
            "2026-11-02T13:30:00",
            json!({"root_cause": "c", "fix": "f"}),
        )
        .await;
        // Unit A's manager finds the vendor's capability did not meet the requirements.
        let f = t
            .post(
                "mgr_a",
                "/api/v1/findings",
                json!({"contract": "shunyi-2026", "kind": "insufficient_capability", "ticket": number,
                       "summary": "技术能力不足，到场超时", "evidence": "2026-11-05 运维例会纪要"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let code = f["code"].as_str().unwrap().to_owned();

        let a = november(&t, "shunyi-2026").await;
        // 004 八-4 (L28658–28664): "服务能力 … 不能满足甲方或用户单位的要求，或不能及时到达现场进行维护的
        // … 承担本合同总价款百分之零点一（0.1%）": 0.1 % of 7,713,330,000 fen (the budget, L15) is
        // 7,713,330 fen for the late arrival and 7,713,330 for the finding.
        let arrival = outcome(&a, "8-4-arrival");
        assert_eq!(
            (arrival["status"].as_str(), arrival["amount_fen"].as_i64()),
            (Some("fired"), Some(7_713_330)),
            "{arrival}"
        );
        assert_eq!(arrival["evidence"], json!([number]));
        assert_eq!(arrival["counts"], "per_occurrence");
        let capability = outcome(&a, "8-4-capability");
        assert_eq!(
            (capability["status"].as_str(), capability["amount_fen"].as_i64()),
            (Some("fired"), Some(7_713_330)),
            "{capability}"
        );
        assert_eq!(capability["evidence"], json!([format!("{code} ({number})")]));
        assert_eq!(capability["findings"], json!([code]));
        // The repair was in time and no response was late: those rules do not fire.
        assert_eq!(brief(&a, "8-4-repair"), ("not_fired".to_owned(), 0));
        assert_eq!(brief(&a, "8-5-memo"), ("not_fired".to_owned(), 0));
        assert_eq!(brief(&a, "8-8"), ("not_measured".to_owned(), 0));
        assert_eq!(
            (a["total_fen"].as_i64(), a["exposure_fen"].as_i64()),
            (Some(2 * 7_713_330), Some(0))
        );
    }
);

both!(
    an_sme_outage_of_exactly_two_hours_fires_the_2_hour_row,
    |t: Harness| async move {
        set_contract(&t, &shipped("sme-platform-2025.toml", "VA", &[])).await;
        // An urgent fault on System A from 2 Nov 10:00 to 12:00: an outage of exactly 120 minutes.
        let v = open(&t, "eng_a", "SA", "fault", "urgent", "2026-11-02T10:00:00").await;
        let v = step(&t, "eng_a", &v, "acknowledge", "2026-11-02T10:05:00", json!({})).await;
        let v = step(&t, "eng_a", &v, "arrive", "2026-11-02T11:00:00", json!({})).await;
        let v = step(&t, "eng_a", &v, "start", "2026-11-02T11:00:00", json!({})).await;
        step(
            &t,
            "eng_a",
            &v,
            "resolve",
            "2026-11-02T12:00:00",
            json!({"root_cause": "c", "fix": "f"}),
        )
        .await;
        let a = november(&t, "sme-platform-2025").await;
        // 003 附件6-2 (L827) "造成某服务中断 2 小时以上 30%", 以上 including the number: 30 % of
        // 327,800,000 / 12 = 8,195,000 fen.
        assert_eq!(brief(&a, "a6-2"), ("fired".to_owned(), 8_195_000));
        // The 120-minute repair is in no band: "大于 60 分钟且小于 120 分钟" (L814, L832) excludes 120.
        for rule in ["a5-7", "a6-7", "a6-8"] {
            assert_eq!(brief(&a, rule), ("not_fired".to_owned(), 0), "{rule}");
        }
        // Availability 1 − 120 / 43,200 = 99.72 % < 99.9 % (L808, L826): an exposure for each
        // table until the buyer finds the impact — 100 % and 50 % of the monthly fee.
        assert_eq!(brief(&a, "a5-1"), ("exposure".to_owned(), 27_316_667));
        assert_eq!(brief(&a, "a6-1"), ("exposure".to_owned(), 13_658_333));
        assert_eq!(
            (a["total_fen"].as_i64(), a["exposure_fen"].as_i64()),
            (Some(8_195_000), Some(27_316_667 + 13_658_333))
        );
    }
);

both!(
    a_consortium_members_late_response_counts_against_the_joint_fee,
    |t: Harness| async move {
        // 000: vendor A as the lead (jdt), vendor B as a member (L1148 "联合体各方共同与采购人签订合同").
        set_contract(&t, &shipped("jingban-2026.toml", "VA", &["VB"])).await;
        // A request on System B (vendor B, cn-5x8), Monday 2 Nov 10:00, acknowledged 10:50: its
        // 30-minute response is 20 minutes late.
        let v = open(&t, "eng_b", "SB", "request", "general", "2026-11-02T10:00:00").await;
        let number = v["number"].as_str().unwrap().to_owned();
        step(&t, "eng_b", &v, "acknowledge", "2026-11-02T10:50:00", json!({})).await;
        let a = november(&t, "jingban-2026").await;
        // 000 第十条 2 (L290): "每延迟1日 … 服务费总额的0.1% … 不足1日的，按1日计算": one day, 0.1 % of
        // 1,766,500,000 fen = 1,766,500.
        let o = outcome(&a, "10-2");
        assert_eq!(
            (
                o["status"].as_str(),
                o["amount_fen"].as_i64(),
                o["occurrences"].as_u64()
            ),
            (Some("fired"), Some(1_766_500), Some(1)),
            "{o}"
        );
        assert_eq!(o["evidence"], json!([number]));
        assert_eq!(a["total_fen"].as_i64(), Some(1_766_500));
    }
);
