//! The shipped contracts (`config/contracts/*.toml`), rule by rule: for each rule a month in which
//! it fires, with the amount worked out by hand from the seed's own figures (quoted with their
//! lines), and the boundaries the contracts' words set (以上 includes the number, "大于…且小于…"
//! excludes both bounds). docs/contracts.md gives each reading.
//!
//! Every rule id of every file must have a test here: [`every_shipped_rule_is_tested`] compares the
//! files with the lists below, so a rule added to a file without a test fails the suite.

use contract_terms::{Assessment, Contract, Metrics, Outcome, Status, assess, assess_months};
use serde_json::{Value, json};

const SHUNYI: &str = include_str!("../../../config/contracts/shunyi-2026.toml");
const SME: &str = include_str!("../../../config/contracts/sme-platform-2025.toml");
const JINGBAN: &str = include_str!("../../../config/contracts/jingban-2026.toml");

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// The rules each test below covers, per file.
const SHUNYI_RULES: [&str; 11] = [
    "8-1",
    "8-2",
    "8-3",
    "8-4-capability",
    "8-4-arrival",
    "8-4-repair",
    "8-5-memo",
    "8-6",
    "8-7",
    "8-8",
    "8-9",
];
const SME_RULES: [&str; 22] = [
    "a5-1",
    "a5-2",
    "a5-3",
    "a5-4",
    "a5-5",
    "a5-6",
    "a5-7",
    "a5-8",
    "a5-9",
    "a5-10",
    "a6-1",
    "a6-2",
    "a6-3",
    "a6-4",
    "a6-5",
    "a6-6",
    "a6-7",
    "a6-8",
    "a6-9",
    "a6-10",
    "a6-11",
    "14-5-annual",
];
const JINGBAN_RULES: [&str; 4] = ["10-2", "10-2-termination", "10-3", "8-8"];

fn contract(text: &str) -> Contract {
    #[derive(serde::Deserialize)]
    struct File {
        contracts: Vec<Contract>,
    }
    let file: File = toml::from_str(text).expect("the shipped contract parses");
    assert_eq!(file.contracts.len(), 1, "one contract per file");
    let c = file.contracts.into_iter().next().expect("one contract");
    c.validate().expect("the shipped contract is valid");
    c
}

fn month(v: Value) -> Metrics {
    serde_json::from_value(v).expect("metrics")
}

fn outcome<'a>(a: &'a Assessment, rule: &str) -> &'a Outcome {
    a.outcomes
        .iter()
        .find(|o| o.rule == rule)
        .unwrap_or_else(|| panic!("no rule {rule} in {}", a.contract))
}

/// Asserts the rule fired for `fen` and returns its outcome.
fn fired<'a>(a: &'a Assessment, rule: &str, fen: i64) -> &'a Outcome {
    let o = outcome(a, rule);
    assert_eq!((o.status, o.amount_fen), (Status::Fired, fen), "{rule}: {o:#?}");
    o
}

fn status(a: &Assessment, rule: &str) -> Status {
    outcome(a, rule).status
}

fn late(clock: &str, ticket: &str, overdue_ms: i64) -> Value {
    json!({"clock": clock, "ticket": ticket, "overdue_wall_ms": overdue_ms})
}

fn finding(id: &str, kind: &str, ticket: Option<&str>) -> Value {
    let mut f = json!({"id": id, "kind": kind, "summary": "认定"});
    if let Some(t) = ticket {
        f["ticket"] = json!(t);
    }
    f
}

fn unattended(id: &str, minutes: f64) -> Value {
    json!({"id": id, "kind": "unattended_site", "summary": "现场无人值守", "minutes": minutes})
}

fn average(clock: &str, kind: &str, count: u64, mean: f64) -> Value {
    json!({"clock": clock, "kind": kind, "count": count, "mean_minutes": mean})
}

fn outage(system: &str, ticket: &str, minutes: f64) -> Value {
    json!({"system": system, "tickets": [ticket], "minutes": minutes})
}

#[test]
fn every_shipped_rule_is_tested() {
    for (text, tested) in [
        (SHUNYI, &SHUNYI_RULES[..]),
        (SME, &SME_RULES[..]),
        (JINGBAN, &JINGBAN_RULES[..]),
    ] {
        let c = contract(text);
        let ids: Vec<&str> = c.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, tested, "{}: the rules and their tests", c.code);
        for r in &c.rules {
            let source = r.source.as_deref().unwrap_or_default();
            let names_a_line = source
                .split('L')
                .skip(1)
                .any(|rest| rest.starts_with(|ch: char| ch.is_ascii_digit()));
            assert!(
                names_a_line,
                "{} {}: the source names the seed line: {source:?}",
                c.code, r.id
            );
        }
    }
}

// ---- 004 顺义: 第六章 八、违约与赔偿责任 --------------------------------------------------------
//
// price_fen = 7713330000: "项目预算金额：7713.33万元" (004 L15). 0.1 % ("本合同总价款百分之零点一
// （0.1%）", L28614–28615) is 7 713 330 000 × 0.001 = 7 713 330 fen; 0.5 % ("百分之零点五（0.5%）",
// L28690–28691) is 38 566 650 fen.

const SHUNYI_0_1_PCT: i64 = 7_713_330;
const SHUNYI_0_5_PCT: i64 = 38_566_650;

#[test]
fn shunyi_8_1_a_confidentiality_breach_owes_0_1_pct_of_the_price() {
    // L28611–28615: "违反本合同所规定的保密义务的 … 另行支付本合同总价款百分之零点一（0.1%）".
    let a = assess(
        &contract(SHUNYI),
        &month(json!({"findings": [finding("F-1", "confidentiality_breach", None)]})),
    );
    let o = fired(&a, "8-1", SHUNYI_0_1_PCT);
    assert_eq!(o.findings, ["F-1"]);
    assert_eq!(a.total_fen, SHUNYI_0_1_PCT, "no other rule fires on it");
}

#[test]
fn shunyi_8_2_wage_arrears_owe_0_1_pct_each() {
    // L28617–28621: "拖欠工作人员工资 … 导致 … 讨薪 … 承担本合同总价款百分之零点一（0.1%）"; two
    // findings are two breaches: 2 × 7 713 330.
    let a = assess(
        &contract(SHUNYI),
        &month(json!({"findings": [
            finding("F-1", "wage_arrears", None),
            finding("F-2", "wage_arrears", None),
        ]})),
    );
    assert_eq!(fired(&a, "8-2", 2 * SHUNYI_0_1_PCT).occurrences, 2);
}

#[test]
fn shunyi_8_3_a_sanction_of_the_buyer_owes_0_1_pct() {
    // L28636–28640: "受到上级处罚（通报、整改等）… 承担本合同总价款百分之零点一（0.1%）".
    let a = assess(
        &contract(SHUNYI),
        &month(json!({"findings": [finding("F-7", "external_sanction", None)]})),
    );
    fired(&a, "8-3", SHUNYI_0_1_PCT);
}

#[test]
fn shunyi_8_4_capability_not_meeting_the_requirements_owes_0_1_pct() {
    // L28658–28664: "服务能力 … 不能满足甲方或用户单位的要求 … 承担本合同总价款百分之零点一（0.1%）".
    let a = assess(
        &contract(SHUNYI),
        &month(json!({"findings": [finding("F-3", "insufficient_capability", None)]})),
    );
    fired(&a, "8-4-capability", SHUNYI_0_1_PCT);
}

#[test]
fn shunyi_8_4_each_late_arrival_owes_0_1_pct() {
    // L28660: "或不能及时到达现场进行维护的"; read per occurrence (docs/contracts.md): three late
    // arrivals, 3 × 7 713 330 = 23 139 990 fen (231,399.90 元).
    let c = contract(SHUNYI);
    let a = assess(
        &c,
        &month(json!({"late": [
            late("arrival", "INC-2026-000001", 10 * MINUTE_MS),
            late("arrival", "INC-2026-000002", HOUR_MS),
            late("arrival", "INC-2026-000003", 1),
        ]})),
    );
    let o = fired(&a, "8-4-arrival", 3 * SHUNYI_0_1_PCT);
    assert_eq!(o.evidence, ["INC-2026-000001", "INC-2026-000002", "INC-2026-000003"]);
    // The other reading, once per month, is one word away.
    let mut once = c.clone();
    let rule = once.rules.iter_mut().find(|r| r.id == "8-4-arrival").unwrap();
    rule.counts = Some(contract_terms::Counts::PerMonth);
    let a = assess(
        &once,
        &month(json!({"late": [
            late("arrival", "INC-2026-000001", 10 * MINUTE_MS),
            late("arrival", "INC-2026-000002", HOUR_MS),
        ]})),
    );
    fired(&a, "8-4-arrival", SHUNYI_0_1_PCT);
}

#[test]
fn shunyi_8_4_two_late_clocks_with_business_impact_are_serious() {
    // 情节严重 (2), L28670–28674: "出现多次（例如两次及以上）无法按约定时间到场维护、远程响应明显滞后，
    // 影响甲方或用户单位正常业务运行的" — one late arrival and one late response, with the finding
    // that business was affected: the buyer may terminate (L28664), the money stays 0.1 % each.
    let c = contract(SHUNYI);
    let metrics = |findings: Value| {
        month(json!({
            "late": [
                late("arrival", "INC-2026-000004", 30 * MINUTE_MS),
                late("response", "INC-2026-000005", 5 * MINUTE_MS),
            ],
            "findings": findings,
        }))
    };
    let a = assess(
        &c,
        &metrics(json!([finding("F-9", "business_impact", Some("INC-2026-000004"))])),
    );
    let o = fired(&a, "8-4-arrival", SHUNYI_0_1_PCT);
    assert!(o.notes.iter().any(|n| n.contains("情节严重")), "{o:#?}");
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("terminate") && n.contains("8-4-arrival")),
        "{:?}",
        a.notes
    );
    // Without the finding the count alone is not serious.
    let a = assess(&c, &metrics(json!([])));
    fired(&a, "8-4-arrival", SHUNYI_0_1_PCT);
    assert!(
        !a.notes
            .iter()
            .any(|n| n.contains("terminate") && n.contains("8-4-arrival")),
        "{:?}",
        a.notes
    );
}

#[test]
fn shunyi_8_4_a_late_repair_owes_0_1_pct_only_with_the_cause_found() {
    // L28660–28662: "或出现因工作服务能力不足导致故障不能及时排除".
    let c = contract(SHUNYI);
    let repair = late("repair", "INC-2026-000006", 2 * HOUR_MS);
    // No finding yet: an exposure naming the finding that would decide it.
    let a = assess(&c, &month(json!({"late": [repair]})));
    let o = outcome(&a, "8-4-repair");
    assert_eq!((o.status, o.amount_fen), (Status::Exposure, SHUNYI_0_1_PCT), "{o:#?}");
    assert_eq!(o.needs, Some(contract_terms::FindingKind::InsufficientCapability));
    assert_eq!(a.total_fen, 0);
    // The cause found on another ticket decides nothing here.
    let a = assess(
        &c,
        &month(
            json!({"late": [repair], "findings": [finding("F-4", "insufficient_capability", Some("INC-2026-000099"))]}),
        ),
    );
    assert_eq!(status(&a, "8-4-repair"), Status::Exposure);
    // Found on its ticket: fired.
    let a = assess(
        &c,
        &month(
            json!({"late": [repair], "findings": [finding("F-4", "insufficient_capability", Some("INC-2026-000006"))]}),
        ),
    );
    let o = fired(&a, "8-4-repair", SHUNYI_0_1_PCT);
    assert_eq!(o.findings, ["F-4"]);
}

#[test]
fn shunyi_8_5_late_responses_are_left_to_the_memo() {
    // L28683–28685: "对运行维护质量未达要求的，按管理备忘录和相应处理规则处理" — never fired, the
    // memos' figures are not in the tender (amount 0), the late responses are the evidence.
    let a = assess(
        &contract(SHUNYI),
        &month(json!({"late": [late("response", "INC-2026-000008", 20 * MINUTE_MS)]})),
    );
    let o = outcome(&a, "8-5-memo");
    assert_eq!((o.status, o.amount_fen), (Status::Exposure, 0), "{o:#?}");
    assert_eq!(o.evidence, ["INC-2026-000008"]);
    assert_eq!(a.total_fen, 0);
}

#[test]
fn shunyi_8_6_refusing_the_handover_owes_0_5_pct() {
    // L28689–28691: "拒不移交或不予配合的 … 承担本合同总价款百分之零点五（0.5%）": 38 566 650 fen.
    let a = assess(
        &contract(SHUNYI),
        &month(json!({"findings": [finding("F-5", "refused_handover", None)]})),
    );
    fired(&a, "8-6", SHUNYI_0_5_PCT);
}

#[test]
fn shunyi_8_7_refusing_rectification_owes_0_5_pct() {
    // L28693–28697: "乙方拒不整改的，甲方有权单方终止合同，并要求乙方支付本合同总价款百分之零点五（0.5%）".
    let a = assess(
        &contract(SHUNYI),
        &month(json!({"findings": [finding("F-6", "refused_rectification", None)]})),
    );
    fired(&a, "8-7", SHUNYI_0_5_PCT);
}

#[test]
fn shunyi_8_8_and_8_9_are_listed_for_assessment_by_hand() {
    // L28705–28707 "就扩大的损失承担赔偿责任"; L28709–28717 "应根据相应文件要求承担违约和赔偿责任":
    // damages with no figure.
    let a = assess(&contract(SHUNYI), &Metrics::default());
    assert_eq!(status(&a, "8-8"), Status::NotMeasured);
    assert_eq!(status(&a, "8-9"), Status::NotMeasured);
    assert!(
        a.notes.iter().any(|n| n.contains("8-8") && n.contains("8-9")),
        "{:?}",
        a.notes
    );
}

#[test]
fn shunyi_a_month_with_nothing_owes_nothing() {
    let a = assess(&contract(SHUNYI), &Metrics::default());
    assert_eq!((a.total_fen, a.exposure_fen), (0, 0));
}

// ---- 003 中小企业平台: 附件5 重大违约行为, 附件6 一般违约行为 ---------------------------------------
//
// "服务费总额为人民币 3,278,000.00 元" (003 L87), 12 months (L77); "违约金=服务合同总金额/服务月数*
// 违约金取费比例" (L821, L838): the monthly fee is 327 800 000 / 12 = 27 316 666.67 fen, so
// 100 % = 27 316 667, 200 % = 54 633 333, 60 % = 16 390 000, 50 % = 13 658 333,
// 40 % = 10 926 667, 30 % = 8 195 000 fen (each rounded once).

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
fn sme_rows_told_apart_only_by_the_impact_of_a_finding_are_assessed_by_hand() {
    // L810 "在安全监管部门已发出整改通知后未正确处置，出现问题并造成重大事故 100%" against L829 "…未造成
    // 重大影响 50%"; L815/L816 "现场无人值守超过大于 1 小时且小于 2 小时 / 2 小时且小于 4 小时，造成重大事故"
    // against L834/L835 "…出现问题但未造成重大影响". A finding rule cannot need the impact finding, so a
    // finding would fire both tables' rows: each is listed, not measured, whatever was found.
    let a = assess(
        &contract(SME),
        &month(json!({"findings": [
            finding("F-2", "rectification_mishandled", None),
            unattended("F-3", 90.0),
            unattended("F-4", 150.0),
            major(),
        ]})),
    );
    for rule in ["a5-3", "a6-4", "a5-8", "a5-9", "a6-9", "a6-10"] {
        let o = outcome(&a, rule);
        assert_eq!((o.status, o.amount_fen), (Status::NotMeasured, 0), "{rule}");
        assert!(o.label.contains("人工评估"), "{rule}: the label says why: {}", o.label);
    }
    assert_eq!(a.total_fen, 0);
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

// ---- 000 京办: 第十条 违约责任及合同的解除 ------------------------------------------------------
//
// "本合同项下服务费总额为人民币 17,665,000.00 元" (000 L152): 0.1 % a day ("每延迟1日，应向甲方支付
// 本合同项下服务费总额的0.1%违约金", L290) is 1 766 500 000 × 0.001 = 1 766 500 fen.

const JINGBAN_DAY: i64 = 1_766_500;

#[test]
fn jingban_10_2_each_day_of_a_late_response_owes_0_1_pct() {
    // L438: "需在告警发生 15 分钟内启动响应支持"; L290: "出现延迟不足1日的，按1日计算". A response one
    // minute late is 1 day; one 25 hours late is 2 days: 3 × 1 766 500 = 5 299 500 fen. A late
    // repair clock is no period of 000's and does not count.
    let a = assess(
        &contract(JINGBAN),
        &month(json!({"late": [
            late("response", "ALM-2026-000001", MINUTE_MS),
            late("response", "INC-2026-000002", 25 * HOUR_MS),
            late("repair", "INC-2026-000003", 3 * 24 * HOUR_MS),
        ]})),
    );
    let o = fired(&a, "10-2", 3 * JINGBAN_DAY);
    assert_eq!(o.occurrences, 3);
    assert_eq!(o.evidence, ["ALM-2026-000001", "INC-2026-000002"]);
}

#[test]
fn jingban_10_2_more_than_30_days_lets_the_buyer_terminate() {
    // L290: "累计延迟超过30日的，甲方有权解除本合同": 31 days, 31 × 1 766 500 = 54 761 500 fen.
    let a = assess(
        &contract(JINGBAN),
        &month(json!({"late": [late("response", "INC-2026-000004", 31 * 24 * HOUR_MS)]})),
    );
    fired(&a, "10-2", 31 * JINGBAN_DAY);
    assert!(
        a.notes.iter().any(|n| n.contains("terminate") && n.contains("10-2")),
        "{:?}",
        a.notes
    );
    let a = assess(
        &contract(JINGBAN),
        &month(json!({"late": [late("response", "INC-2026-000004", 30 * 24 * HOUR_MS)]})),
    );
    fired(&a, "10-2", 30 * JINGBAN_DAY);
    assert!(!a.notes.iter().any(|n| n.contains("terminate")), "{:?}", a.notes);
}

#[test]
fn jingban_the_consortium_shares_one_fee() {
    // L1148 "联合体各方共同与采购人签订合同"; L152 one 服务费总额; L1165–1172 the four shares.
    let c = contract(JINGBAN);
    assert_eq!(c.vendor, "jdt");
    assert_eq!(c.members, ["seeyon", "capinfo-cloud", "kingsoft-office"]);
    assert_eq!(c.price_fen, (15_595_000 + 990_000 + 490_000 + 590_000) * 100);
}

#[test]
fn jingban_termination_acceptance_and_confidentiality_are_listed_for_assessment_by_hand() {
    // L290 "支付服务费总额10%的违约金" on termination; L292 "经二次验收仍未通过 … 10%"; L266 "按照人民币
    // 10万元赔偿".
    let a = assess(&contract(JINGBAN), &Metrics::default());
    for rule in ["10-2-termination", "10-3", "8-8"] {
        assert_eq!(status(&a, rule), Status::NotMeasured, "{rule}");
    }
}
