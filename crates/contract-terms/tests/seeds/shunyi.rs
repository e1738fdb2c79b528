//! 004 顺义: 第六章 八、违约与赔偿责任
//!
//! price_fen = 7713330000: "项目预算金额：7713.33万元" (004 L15). 0.1 % ("本合同总价款百分之零点一
//! （0.1%）", L28614–28615) is 7 713 330 000 × 0.001 = 7 713 330 fen; 0.5 % ("百分之零点五（0.5%）",
//! L28690–28691) is 38 566 650 fen.

use contract_terms::{Counts, FindingKind, Metrics, Status, assess};
use serde_json::{Value, json};

use crate::{HOUR_MS, MINUTE_MS, SHUNYI, contract, finding, fired, late, month, outcome, status};

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
    rule.counts = Some(Counts::PerMonth);
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
    assert_eq!(o.needs, Some(FindingKind::InsufficientCapability));
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
fn shunyi_8_4_one_capability_finding_on_a_late_repair_is_charged_once() {
    // L28658–28664 names "服务能力…不能满足…要求" and "因工作服务能力不足导致故障不能及时排除" as facts
    // of one clause with one 0.1 %: the finding on the late repair's ticket establishes the second
    // (8-4-repair) and 8-4-capability does not charge it again; a finding on a ticket without a late
    // repair is charged by 8-4-capability. 2 × 7 713 330 fen in all, not 3.
    let c = contract(SHUNYI);
    let a = assess(
        &c,
        &month(json!({
            "late": [late("repair", "INC-2026-000006", 2 * HOUR_MS)],
            "findings": [
                finding("F-4", "insufficient_capability", Some("INC-2026-000006")),
                finding("F-5", "insufficient_capability", Some("INC-2026-000007")),
            ],
        })),
    );
    assert_eq!(fired(&a, "8-4-repair", SHUNYI_0_1_PCT).findings, ["F-4"]);
    let o = fired(&a, "8-4-capability", SHUNYI_0_1_PCT);
    assert_eq!(o.findings, ["F-5"]);
    assert!(
        o.notes.iter().any(|n| n.contains("F-4") && n.contains("late-repair")),
        "{o:#?}"
    );
    assert_eq!(a.total_fen, 2 * SHUNYI_0_1_PCT);
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
