//! 003 中小企业平台: 附件5 重大违约行为, 附件6 一般违约行为
//!
//! "服务费总额为人民币 3,278,000.00 元" (003 L87), 12 months (L77); "违约金=服务合同总金额/服务月数*
//! 违约金取费比例" (L821, L838): the monthly fee is 327 800 000 / 12 = 27 316 666.67 fen, so
//! 100 % = 27 316 667, 200 % = 54 633 333, 60 % = 16 390 000, 50 % = 13 658 333,
//! 40 % = 10 926 667, 30 % = 8 195 000 fen (each rounded once).

use contract_terms::{Metrics, Status, assess, assess_months};
use serde_json::{Value, json};

use crate::{SME, average, contract, finding, fired, month, outage, outcome, status, unattended};

const FEE_100: i64 = 27_316_667;
const FEE_200: i64 = 54_633_333;
const FEE_60: i64 = 16_390_000;
const FEE_50: i64 = 13_658_333;
const FEE_40: i64 = 10_926_667;
const FEE_30: i64 = 8_195_000;

fn major() -> Value {
    finding("F-M", "major_impact", None)
}

fn no_major() -> Value {
    finding("F-N", "no_major_impact", None)
}

#[test]
fn sme_a5_1_availability_below_99_9_with_a_major_loss_owes_a_month() {
    // L808: "所提供的服务可用性低于 99.9%，出现问题并造成重大损失的 100%".
    let a = assess(
        &contract(SME),
        &month(json!({"availability": [{"system": "sme-01", "pct": 99.85}], "findings": [major()]})),
    );
    fired(&a, "a5-1", FEE_100);
    // The major finding rules out 附件6-1's "未造成重大损失".
    assert_eq!(status(&a, "a6-1"), Status::NotFired);
}

#[test]
fn sme_a5_2_data_loss_owes_two_months() {
    // L809: "导致中小企业基础数据库、政策库、重点省市投融资数据丢失，造成重大影响 200%". The only
    // data-loss row: the data_loss finding is read as its fact (a finding rule takes no `needs`).
    let a = assess(
        &contract(SME),
        &month(json!({"findings": [finding("F-1", "data_loss", None)]})),
    );
    let o = fired(&a, "a5-2", FEE_200);
    assert_eq!(o.findings, ["F-1"]);
}

#[test]
fn sme_a5_3_and_a6_4_a_mishandled_rectification_notice_is_told_apart_by_its_impact() {
    // L810 "在安全监管部门已发出整改通知后未正确处置，出现问题并造成重大事故 100%" against L829 "…出现问题
    // 的，未造成重大影响 50%": the fact is one finding, the impact another; each fires one row.
    let c = contract(SME);
    let fact = finding("F-2", "rectification_mishandled", None);
    let a = assess(&c, &month(json!({"findings": [fact.clone(), major()]})));
    let o = fired(&a, "a5-3", FEE_100);
    let mut findings = o.findings.clone();
    findings.sort();
    assert_eq!(
        findings,
        ["F-2", "F-M"],
        "the fact and its impact are the evidence: {o:#?}"
    );
    assert_eq!(status(&a, "a6-4"), Status::NotFired);
    assert_eq!(a.total_fen, FEE_100);
    let a = assess(&c, &month(json!({"findings": [fact.clone(), no_major()]})));
    fired(&a, "a6-4", FEE_50);
    assert_eq!(status(&a, "a5-3"), Status::NotFired);
    // The impact not yet found: both rows wait on it, nothing is charged.
    let a = assess(&c, &month(json!({"findings": [fact]})));
    for rule in ["a5-3", "a6-4"] {
        let o = outcome(&a, rule);
        assert_eq!(o.status, Status::Exposure, "{rule}: {o:#?}");
    }
    assert_eq!(
        outcome(&a, "a5-3").needs,
        Some(contract_terms::FindingKind::MajorImpact)
    );
    assert_eq!(a.total_fen, 0);
}

#[test]
fn sme_a5_8_a5_9_a6_9_a6_10_unattended_site_by_its_length_and_impact() {
    // L815/L816 "现场无人值守超过大于 1 小时且小于 2 小时 / 2 小时且小于 4 小时，造成重大事故 100% / 200%";
    // L834/L835 the same bands "出现问题但未造成重大影响 30% / 50%". Both bounds excluded.
    let c = contract(SME);
    for (minutes, impact, rule, fen) in [
        (90.0, major(), "a5-8", FEE_100),
        (150.0, major(), "a5-9", FEE_200),
        (90.0, no_major(), "a6-9", FEE_30),
        (150.0, no_major(), "a6-10", FEE_50),
    ] {
        let a = assess(&c, &month(json!({"findings": [unattended("F-3", minutes), impact]})));
        fired(&a, rule, fen);
        assert_eq!(a.total_fen, fen, "{minutes} min fires {rule} alone: {a:#?}");
    }
    // Exactly 2 h, exactly 1 h, exactly 4 h: on a bound, in no band.
    for minutes in [60.0, 120.0, 240.0] {
        let a = assess(&c, &month(json!({"findings": [unattended("F-3", minutes), major()]})));
        for rule in ["a5-8", "a5-9"] {
            assert_eq!(status(&a, rule), Status::NotFired, "{minutes} min, {rule}");
        }
    }
}

#[test]
fn sme_a5_4_mean_response_between_15_and_30_min_with_a_major_accident() {
    // L811: "平均响应时间大于 15 分钟且小于 30 分钟，造成重大事故 100%" — every kind.
    let a = assess(
        &contract(SME),
        &month(json!({
            "averages": [average("response", "fault", 4, 20.0), average("response", "request", 4, 25.0)],
            "findings": [major()],
        })),
    );
    fired(&a, "a5-4", FEE_100);
}

#[test]
fn sme_a5_5_and_a6_5_mean_response_to_needs_between_30_and_60_min() {
    // L812: "运维需求平均响应时间大于 30 分钟且小于 60 分钟，造成重大事故 200%";
    // L830: "…出现问题但未造成重大影响 30%". Mean (45 × 2 + 40 × 6) / 8 = 41.25 min.
    let c = contract(SME);
    let averages = json!([
        average("response", "fault", 2, 45.0),
        average("response", "request", 6, 40.0)
    ]);
    let a = assess(&c, &month(json!({"averages": averages, "findings": [major()]})));
    let o = fired(&a, "a5-5", FEE_200);
    assert!(
        o.evidence.iter().any(|e| e.contains("41.25")),
        "faults and requests pooled: {o:#?}"
    );
    assert_eq!(status(&a, "a6-5"), Status::NotFired);
    let a = assess(&c, &month(json!({"averages": averages, "findings": [no_major()]})));
    let o = fired(&a, "a6-5", FEE_30);
    assert!(o.evidence.iter().any(|e| e.contains("41.25")), "{o:#?}");
    // No finding either way: both are exposures, and neither reaches the total.
    let a = assess(&c, &month(json!({"averages": averages})));
    assert_eq!(
        (status(&a, "a5-5"), status(&a, "a6-5")),
        (Status::Exposure, Status::Exposure)
    );
    assert_eq!(a.total_fen, 0);
}

#[test]
fn sme_a5_6_mean_repair_between_30_and_60_min_with_a_major_impact() {
    // L813: "运维需求平均故障恢复时间大于 30 分钟且小于 60 分钟，造成重大影响 100%".
    let a = assess(
        &contract(SME),
        &month(json!({"averages": [average("repair", "fault", 3, 50.0)], "findings": [major()]})),
    );
    fired(&a, "a5-6", FEE_100);
}

#[test]
fn sme_a5_7_mean_repair_between_60_and_120_min_with_a_major_impact() {
    // L814: "运维需求平均故障恢复时间大于 60 分钟且小于 120 分钟，造成重大影响 200%".
    let a = assess(
        &contract(SME),
        &month(json!({"averages": [average("repair", "alarm", 5, 90.0)], "findings": [major()]})),
    );
    fired(&a, "a5-7", FEE_200);
}

#[test]
fn sme_a5_10_three_months_below_60_is_listed_for_assessment_by_hand() {
    // L817: "连续 3 个月考核得分低于 60 分的 100%" — needs the months before.
    let a = assess(
        &contract(SME),
        &month(json!({"findings": [finding("F-6", "low_monthly_score", None)]})),
    );
    assert_eq!(status(&a, "a5-10"), Status::NotMeasured);
}

#[test]
fn sme_a6_1_availability_below_99_9_without_a_major_loss_owes_half_a_month() {
    // L826: "所提供的服务可用性达不到 99.9%，出现问题但未造成重大损失的 50%".
    let a = assess(
        &contract(SME),
        &month(
            json!({"availability": [{"system": "sme-01", "pct": 99.5}, {"system": "sme-02", "pct": 99.0}], "findings": [no_major()]}),
        ),
    );
    // Two systems below the target in one month: once per month.
    fired(&a, "a6-1", FEE_50);
    assert_eq!(status(&a, "a5-1"), Status::NotFired);
}

#[test]
fn sme_a6_2_an_outage_of_exactly_2_hours_fires() {
    // L827: "造成某服务中断 2 小时以上 30%"; 以上 includes the number (民法典 第1259条).
    let c = contract(SME);
    let a = assess(
        &c,
        &month(json!({"outages": [outage("sme-01", "INC-2026-000010", 120.0)]})),
    );
    let o = fired(&a, "a6-2", FEE_30);
    assert_eq!(o.evidence, ["INC-2026-000010"]);
    let a = assess(
        &c,
        &month(json!({"outages": [outage("sme-01", "INC-2026-000010", 119.99)]})),
    );
    assert_eq!(status(&a, "a6-2"), Status::NotFired);
    // Two long outages in one month: once (附件6-3 is the row for repeated outages).
    let a = assess(
        &c,
        &month(
            json!({"outages": [outage("sme-01", "INC-2026-000010", 180.0), outage("sme-02", "INC-2026-000011", 200.0)]}),
        ),
    );
    fired(&a, "a6-2", FEE_30);
}

#[test]
fn sme_a6_3_exactly_3_outages_or_exactly_8_hours_fires() {
    // L828: "造成某服务中断 3 次以上或累计 8 小时以上 60%".
    let c = contract(SME);
    let three = json!([
        outage("sme-01", "INC-2026-000012", 10.0),
        outage("sme-01", "INC-2026-000013", 10.0),
        outage("sme-01", "INC-2026-000014", 10.0),
    ]);
    let a = assess(&c, &month(json!({"outages": three})));
    assert_eq!(fired(&a, "a6-3", FEE_60).evidence, ["sme-01"]);
    // Two outages of one system, and one of another: no system reaches 3.
    let a = assess(
        &c,
        &month(json!({"outages": [
            outage("sme-01", "INC-2026-000012", 10.0),
            outage("sme-01", "INC-2026-000013", 10.0),
            outage("sme-02", "INC-2026-000014", 10.0),
        ]})),
    );
    assert_eq!(status(&a, "a6-3"), Status::NotFired);
    // 200 + 280 = 480 minutes in all: exactly 8 hours.
    let a = assess(
        &c,
        &month(
            json!({"outages": [outage("sme-01", "INC-2026-000015", 200.0), outage("sme-01", "INC-2026-000016", 280.0)]}),
        ),
    );
    fired(&a, "a6-3", FEE_60);
    let a = assess(
        &c,
        &month(
            json!({"outages": [outage("sme-01", "INC-2026-000015", 200.0), outage("sme-01", "INC-2026-000016", 279.5)]}),
        ),
    );
    assert_eq!(status(&a, "a6-3"), Status::NotFired);
}

#[test]
fn sme_a6_6_mean_response_to_needs_between_60_and_120_min() {
    // L831: "运维需求平均响应时间大于 60 分钟且小于 120 分钟，出现问题但未造成重大影响 50%".
    let a = assess(
        &contract(SME),
        &month(json!({"averages": [average("response", "security", 2, 75.0)], "findings": [no_major()]})),
    );
    fired(&a, "a6-6", FEE_50);
}

#[test]
fn sme_a6_7_mean_repair_between_60_and_120_min() {
    // L832: "运维需求平均故障恢复时间大于 60 分钟且小于 120 分钟，出现问题但未造成重大影响 30%".
    let a = assess(
        &contract(SME),
        &month(json!({"averages": [average("repair", "fault", 4, 100.0)], "findings": [no_major()]})),
    );
    fired(&a, "a6-7", FEE_30);
}

#[test]
fn sme_a6_8_mean_repair_between_120_and_240_min() {
    // L833: "运维需求平均故障恢复时间大于 120 分钟且小于 240 分钟，出现问题但未造成重大影响 50%".
    let a = assess(
        &contract(SME),
        &month(json!({"averages": [average("repair", "fault", 4, 180.0)], "findings": [no_major()]})),
    );
    fired(&a, "a6-8", FEE_50);
}

#[test]
fn sme_a6_11_a_monthly_score_below_60_owes_40_pct() {
    // L836: "月考核得分低于 60 分的 40%" — a finding of the month; once per month.
    let a = assess(
        &contract(SME),
        &month(
            json!({"findings": [finding("F-7", "low_monthly_score", None), finding("F-8", "low_monthly_score", None)]}),
        ),
    );
    fired(&a, "a6-11", FEE_40);
}

#[test]
fn sme_14_5_the_annual_score_is_listed_for_assessment_by_hand() {
    // L231: "经甲方年度考核不合格，按照扣分比例乘以合同总额计算违约金" — no fixed percentage.
    let a = assess(&contract(SME), &Metrics::default());
    assert_eq!(status(&a, "14-5-annual"), Status::NotMeasured);
}

#[test]
fn sme_a_mean_of_exactly_30_min_fires_neither_band() {
    // "大于 15 分钟且小于 30 分钟" (L811) and "大于 30 分钟且小于 60 分钟" (L812, L830) both exclude 30.
    let a = assess(
        &contract(SME),
        &month(json!({"averages": [average("response", "fault", 6, 30.0)], "findings": [major(), no_major()]})),
    );
    for rule in ["a5-4", "a5-5", "a6-5", "a6-6"] {
        assert_eq!(status(&a, rule), Status::NotFired, "{rule}");
    }
}

#[test]
fn sme_repair_averages_leave_out_scheduled_duties_and_requests() {
    // "运维需求平均故障恢复时间": faults and alarms, not the scheduled inspections (a few multi-day
    // duty tickets would push the mean out of every band) and not service requests.
    let a = assess(
        &contract(SME),
        &month(json!({
            "averages": [
                average("repair", "fault", 4, 90.0),
                {"clock": "repair", "kind": "request", "count": 3, "mean_minutes": 4000.0, "scheduled": true},
                average("repair", "request", 10, 600.0),
            ],
            "findings": [no_major()],
        })),
    );
    fired(&a, "a6-7", FEE_30);
    assert_eq!(status(&a, "a6-8"), Status::NotFired);
}

#[test]
fn sme_a_quarter_is_assessed_month_by_month() {
    // 附件6-2 in October and December: 2 × 30 % of the monthly fee; a month rule charges each month.
    let c = contract(SME);
    let long = month(json!({"outages": [outage("sme-01", "INC-2026-000020", 150.0)]}));
    let a = assess_months(
        &c,
        &[
            ("2026-10".to_owned(), long.clone()),
            ("2026-11".to_owned(), Metrics::default()),
            ("2026-12".to_owned(), long),
        ],
    );
    let o = fired(&a, "a6-2", 2 * FEE_30);
    assert_eq!(o.months, ["2026-10", "2026-12"]);
}

#[test]
fn sme_the_monthly_fee_is_the_contract_total_over_the_service_months() {
    // 附件5 注2 (L821) and 附件6 注 (L838): "取费基数为月均合同服务费，即违约金=服务合同总金额/服务月数*
    // 违约金取费比例". The file states both terms: price_fen from L87 "本合同项下服务费总额为人民币
    // 3,278,000.00 元", months from L77 "服务期为 自合同签订之日起一年" (12); `monthly_fee` is derived.
    let c = contract(SME);
    assert_eq!((c.price_fen, c.months), (327_800_000, 12));
    let monthly = |c: &contract_terms::Contract, pct: f64| c.amount_fen(contract_terms::Amount::MonthlyFee { pct }, 1);
    // 327 800 000 / 12 = 27 316 666.67 fen: 100 % rounds to 27 316 667, 30 % is 8 195 000.
    assert_eq!(monthly(&c, 100.0), FEE_100);
    assert_eq!(monthly(&c, 30.0), FEE_30);
    // The months are read, not assumed: the same total over 6 months is 54 633 333.33 fen a month
    // (100 % → 54 633 333; 30 % → 327 800 000 × 0.3 / 6 = 16 390 000 exactly).
    let half_year = contract_terms::Contract { months: 6, ..c.clone() };
    assert_eq!(monthly(&half_year, 100.0), 54_633_333);
    assert_eq!(monthly(&half_year, 30.0), 16_390_000);
    // And an occurrence's amount is that base times its count: two months of 附件6-2 (30 %).
    assert_eq!(
        c.amount_fen(contract_terms::Amount::MonthlyFee { pct: 30.0 }, 2),
        2 * FEE_30
    );
}
