//! 000 京办: 第十条 违约责任及合同的解除
//!
//! "本合同项下服务费总额为人民币 17,665,000.00 元" (000 L152): 0.1 % a day ("每延迟1日，应向甲方支付
//! 本合同项下服务费总额的0.1%违约金", L290) is 1 766 500 000 × 0.001 = 1 766 500 fen.

use contract_terms::{Metrics, Status, assess};
use serde_json::json;

use crate::{HOUR_MS, JINGBAN, MINUTE_MS, contract, fired, late, month, status};

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
