//! Times measured without a target (issue 24): seed 003 sets one per-ticket deadline, the urgent
//! 30-minute response (L133–135), but its penalty tables charge the month's MEAN response and
//! repair times over every need raised (附件6 L830–833). With the shipped SME catalogue and
//! contract, a month of general faults that run no clock at all still fires the mean-time rows.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{act_at, beijing, import_catalog};
use crate::support::Harness;

const SME: &str = include_str!("../../../../config/catalogs/sme-platform-2025.toml");
const SME_CONTRACT: &str = include_str!("../../../../config/contracts/sme-platform-2025.toml");

/// The shipped 003 contract as `PUT /api/v1/contracts/{code}` takes it, its vendor as written
/// (`sme-om`, which the catalogue creates).
fn sme_contract() -> Value {
    #[derive(serde::Deserialize)]
    struct File {
        contracts: Vec<contract_terms::Contract>,
    }
    let file: File = toml::from_str(SME_CONTRACT).unwrap();
    serde_json::to_value(file.contracts.into_iter().next().unwrap()).unwrap()
}

/// A fault on 一网通办 (`sme-ythsb`) reported at `at` (Beijing time), acknowledged `ack` minutes and
/// resolved `fix` minutes later, by the admin; returns the ticket as read back.
async fn fault(t: &Harness, severity: &str, at: &str, ack: i64, fix: i64) -> Value {
    let at = beijing(at);
    t.time.set(at);
    let v = t
        .post(
            "bureau",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "sme-ythsb", "severity": severity, "title": "页面打不开"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let minutes = |m| at + chrono::TimeDelta::minutes(m);
    let v = act_at(t, "admin", &v, "acknowledge", minutes(ack), json!({}))
        .await
        .expect(StatusCode::OK);
    act_at(
        t,
        "admin",
        &v,
        "resolve",
        minutes(fix),
        json!({"root_cause": "c", "fix": "f"}),
    )
    .await
    .expect(StatusCode::OK);
    t.get("admin", &format!("/api/v1/tickets/{}", v["number"].as_str().unwrap()))
        .await
        .expect(StatusCode::OK)
}

async fn november(t: &Harness) -> Value {
    let r = t
        .get("admin", "/api/v1/reports/breaches?period=2026-11")
        .await
        .expect(StatusCode::OK);
    r["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["contract"] == "sme-platform-2025")
        .unwrap_or_else(|| panic!("no sme-platform-2025 in {}", r["deductions"]))["assessment"]
        .clone()
}

fn outcome(a: &Value, rule: &str) -> (String, i64, Value) {
    let o = a["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == rule)
        .unwrap_or_else(|| panic!("no rule {rule}"))
        .clone();
    (
        o["status"].as_str().unwrap().to_owned(),
        o["amount_fen"].as_i64().unwrap(),
        o["evidence"].clone(),
    )
}

both!(
    mean_times_of_unclocked_faults_fire_the_sme_bands,
    |t: Harness| async move {
        import_catalog(&t, SME).await.expect(StatusCode::OK);
        t.put("admin", "/api/v1/contracts/sme-platform-2025", sme_contract())
            .await
            .expect(StatusCode::OK);
        // Two general faults: the SME policy gives them no clock (L133–135 has a figure for the
        // urgent case alone), and one urgent fault, whose response clock runs 30 minutes.
        let a = fault(&t, "general", "2026-11-02T10:00:00", 40, 90).await;
        assert_eq!(a["clocks"], json!([]), "{a}");
        fault(&t, "general", "2026-11-03T14:00:00", 50, 100).await;
        let c = fault(&t, "urgent", "2026-11-04T09:00:00", 20, 80).await;
        assert_eq!(c["clocks"].as_array().unwrap().len(), 1, "{c}");

        // Means over the three faults, on cn-7x24 from the report (clock_start = "reported"):
        // response (40 + 50 + 20) / 3 = 36.67 min, repair (90 + 100 + 80) / 3 = 90 min. Before
        // any finding, the rows that need one are exposures.
        let month = november(&t).await;
        let (status, _, evidence) = outcome(&month, "a6-7");
        assert_eq!(status, "exposure", "{month}");
        assert_eq!(
            evidence,
            json!([
                "mean 90 min over 3 clocks (fault, alarm; scheduled duties left out; tickets without a target measured too)"
            ])
        );
        // The same, as the Chinese report's 依据 column prints it.
        let a67 = month["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["rule"] == "a6-7")
            .unwrap();
        assert_eq!(
            a67["evidence_zh"],
            json!(["3 个计时平均 90 分钟（故障、监控告警；不含定期任务；无时限的工单也计入）"]),
            "{a67}"
        );

        t.post(
            "bureau",
            "/api/v1/findings",
            json!({"contract": "sme-platform-2025", "kind": "no_major_impact", "month": "2026-11",
                   "summary": "出现问题但未造成重大影响", "evidence": "2026-11 月度考核记录"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let month = november(&t).await;
        // 附件6-5 (L830) "运维需求平均响应时间大于 30 分钟且小于 60 分钟，出现问题但未造成重大影响 30%"
        // and 附件6-7 (L832) "运维需求平均故障恢复时间大于 60 分钟且小于 120 分钟 … 30%": each 30 % of
        // the monthly fee, 327,800,000 fen / 12 months (L102, 附件6 表头) = 8,195,000 fen.
        assert_eq!(outcome(&month, "a6-5").0, "fired", "{month}");
        assert_eq!(outcome(&month, "a6-5").1, 8_195_000);
        assert_eq!(outcome(&month, "a6-7").0, "fired", "{month}");
        assert_eq!(outcome(&month, "a6-7").1, 8_195_000);
        // Neither mean is in the next band (L831 60–120 response, L833 120–240 repair), and the
        // 附件5 rows need a major impact, which the finding says there was not.
        for rule in ["a6-6", "a6-8", "a5-5", "a5-6", "a5-7"] {
            assert_eq!(outcome(&month, rule).0, "not_fired", "{rule}: {month}");
        }
        assert_eq!(month["total_fen"].as_i64(), Some(2 * 8_195_000), "{month}");
    }
);

both!(
    a_reopened_fault_is_measured_again_at_its_second_resolution,
    |t: Harness| async move {
        import_catalog(&t, SME).await.expect(StatusCode::OK);
        t.put("admin", "/api/v1/contracts/sme-platform-2025", sme_contract())
            .await
            .expect(StatusCode::OK);
        // Resolved after 50 minutes, reopened 1 h later, resolved again 100 minutes after that:
        // the repair time is 50 + 100 = 150 min (the hour between counts for nothing), in
        // 附件6-8's band (L833, 120–240), not 6-7's.
        let v = fault(&t, "minor", "2026-11-10T08:00:00", 10, 50).await;
        let at = beijing("2026-11-10T09:50:00");
        let v = act_at(&t, "admin", &v, "reopen", at, json!({"reason": "又打不开了"}))
            .await
            .expect(StatusCode::OK);
        act_at(
            &t,
            "admin",
            &v,
            "resolve",
            at + chrono::TimeDelta::minutes(100),
            json!({"root_cause": "c", "fix": "f"}),
        )
        .await
        .expect(StatusCode::OK);
        let month = november(&t).await;
        let (_, _, evidence) = outcome(&month, "a6-8");
        assert_eq!(
            evidence,
            json!([
                "mean 150 min over 1 clock (fault, alarm; scheduled duties left out; tickets without a target measured too)"
            ])
        );
    }
);

both!(
    tickets_stored_before_measured_times_are_measured_once_at_start_up,
    |t: Harness| async move {
        use sea_orm::ConnectionTrait;
        import_catalog(&t, SME).await.expect(StatusCode::OK);
        t.put("admin", "/api/v1/contracts/sme-platform-2025", sme_contract())
            .await
            .expect(StatusCode::OK);
        fault(&t, "general", "2026-11-02T10:00:00", 40, 90).await;
        fault(&t, "general", "2026-11-03T14:00:00", 50, 100).await;
        // As a database upgraded from before migration 000040 holds them: no times for tickets
        // that ran no clock (the migration takes only stopped clocks' times).
        t.db.db
            .execute_unprepared("UPDATE tickets SET response_ms = NULL, repair_ms = NULL")
            .await
            .unwrap();
        let (_, _, evidence) = outcome(&november(&t).await, "a6-7");
        assert_eq!(evidence, json!([]), "no times, no mean");
        // Start-up measures them (the test clock's November is before the migration was applied).
        let calendars = t.state.calendars.snapshot();
        let measured = opsclock::app::tickets::measures::measure_stored(&t.db.db, &calendars, t.now())
            .await
            .unwrap();
        assert_eq!(measured, 2);
        let (_, _, evidence) = outcome(&november(&t).await, "a6-7");
        assert_eq!(
            evidence,
            json!([
                "mean 95 min over 2 clocks (fault, alarm; scheduled duties left out; tickets without a target measured too)"
            ])
        );
        // Once: the second start finds nothing left.
        let again = opsclock::app::tickets::measures::measure_stored(&t.db.db, &calendars, t.now())
            .await
            .unwrap();
        assert_eq!(again, 0);
    }
);
