//! 001 京通: 第十条 违约责任及合同的解除 and 第八条 8
//!
//! "本合同项下服务费总额为人民币 ¥7,500,000.00 元" (001 L132): 0.1 % a day ("每延迟1日，应向甲方支付
//! 本合同项下服务费总额的0.1%违约金", L206) is 750 000 000 × 0.001 = 750 000 fen (7,500.00 元).

use contract_terms::{Metrics, Status, assess};
use serde_json::json;

use crate::{HOUR_MS, JINGTONG, MINUTE_MS, contract, finding, fired, late, month, status};

const JINGTONG_DAY: i64 = 750_000;

#[test]
fn jingtong_10_2_each_day_of_a_late_response_owes_0_1_pct() {
    // L342 "严重问题不超过 30 分钟响应"; L206 "出现延迟不足1日的，按1日计算". A response one minute
    // late is 1 day; one 25 hours late is 2 days: 3 × 750 000 = 2 250 000 fen. 001 sets no repair
    // period ("远程故障恢复" without one, L342): a late repair clock does not count.
    let a = assess(
        &contract(JINGTONG),
        &month(json!({"late": [
            late("response", "INC-2024-000001", MINUTE_MS),
            late("response", "SEC-2024-000002", 25 * HOUR_MS),
            late("repair", "INC-2024-000003", 3 * 24 * HOUR_MS),
        ]})),
    );
    let o = fired(&a, "10-2", 3 * JINGTONG_DAY);
    assert_eq!(o.occurrences, 3);
    assert_eq!(o.evidence, ["INC-2024-000001", "SEC-2024-000002"]);
    assert_eq!(status(&a, "10-2-arrival"), Status::NotFired);
    assert_eq!(a.total_fen, 3 * JINGTONG_DAY);
}

#[test]
fn jingtong_10_2_arrival_a_late_arrival_owes_0_1_pct_a_day() {
    // L453 "紧急事件 30 分钟内响应，2 小时内到达现场": on site 2 h 1 min after the event is 1 minute
    // late, 1 day; exactly 24 h late is still 1 day, 24 h and 1 minute 2: 4 × 750 000 fen.
    let a = assess(
        &contract(JINGTONG),
        &month(json!({"late": [
            late("arrival", "INC-2024-000004", MINUTE_MS),
            late("arrival", "INC-2024-000005", 24 * HOUR_MS),
            late("arrival", "INC-2024-000006", 24 * HOUR_MS + MINUTE_MS),
        ]})),
    );
    let o = fired(&a, "10-2-arrival", 4 * JINGTONG_DAY);
    assert_eq!(o.occurrences, 4);
    assert_eq!(status(&a, "10-2"), Status::NotFired);
}

#[test]
fn jingtong_10_2_more_than_30_days_lets_the_buyer_terminate() {
    // L206: "累计延迟超过30日的，甲方有权解除本合同": 31 days is over, 30 is not.
    let a = assess(
        &contract(JINGTONG),
        &month(json!({"late": [late("response", "INC-2024-000007", 31 * 24 * HOUR_MS)]})),
    );
    fired(&a, "10-2", 31 * JINGTONG_DAY);
    assert!(
        a.notes.iter().any(|n| n.contains("terminate") && n.contains("10-2")),
        "{:?}",
        a.notes
    );
    let a = assess(
        &contract(JINGTONG),
        &month(json!({"late": [late("arrival", "INC-2024-000008", 30 * 24 * HOUR_MS)]})),
    );
    fired(&a, "10-2-arrival", 30 * JINGTONG_DAY);
    assert!(!a.notes.iter().any(|n| n.contains("terminate")), "{:?}", a.notes);
}

#[test]
fn jingtong_8_8_a_confidentiality_breach_owes_10_pct_of_the_fee() {
    // L194 "如损失数额无法确定的，联合体各方同意按照服务费总额 10%赔偿甲方的损失": 10 % of 750 000 000
    // = 75 000 000 fen (750,000.00 元) for each breach the buyer finds.
    let a = assess(
        &contract(JINGTONG),
        &month(json!({"findings": [finding("F-1", "confidentiality_breach", None)]})),
    );
    let o = fired(&a, "8-8", 75_000_000);
    assert_eq!(o.occurrences, 1);
    assert_eq!(a.total_fen, 75_000_000);
    // No finding, no amount.
    let a = assess(&contract(JINGTONG), &Metrics::default());
    assert_eq!(status(&a, "8-8"), Status::NotFired);
}

#[test]
fn jingtong_the_consortium_shares_one_fee() {
    // L676 "联合体各方共同与采购人签订合同"; L132 one 服务费总额 and the four shares.
    let c = contract(JINGTONG);
    assert_eq!(c.vendor, "ant-yunchuang");
    assert_eq!(c.members, ["tencent-cloud", "baidu-netcom", "bjca"]);
    assert_eq!(c.price_fen, (3_222_000 + 1_500_000 + 1_310_000 + 1_468_000) * 100);
    assert_eq!(c.months, 12);
}

#[test]
fn jingtong_termination_and_acceptance_are_listed_for_assessment_by_hand() {
    // L206 "并向甲方支付服务费总额10%的违约金" on termination; L208–210 "经二次验收仍未通过 … 10 %".
    let a = assess(&contract(JINGTONG), &Metrics::default());
    for rule in ["10-2-termination", "10-3"] {
        assert_eq!(status(&a, rule), Status::NotMeasured, "{rule}");
    }
}
