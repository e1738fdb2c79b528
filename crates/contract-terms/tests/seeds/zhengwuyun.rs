//! 002 政务云综合监管: 第十条 违约责任及合同的解除, 第八条 8
//!
//! "本合同项下服务费总额为人民币 24,742,400.00 元" (002 L102): 0.1 % a day ("每延迟1日，应向甲方支付
//! 本合同项下服务费总额的0.1%违约金", L211) is 2 474 240 000 × 0.001 = 2 474 240 fen; 10 % ("按照合同
//! 金额的10%赔偿", L199) is 247 424 000 fen.

use contract_terms::{Counts, Metrics, Status, assess};
use serde_json::json;

use crate::{HOUR_MS, MINUTE_MS, ZHENGWUYUN, contract, finding, fired, late, month, status};

const ZHENGWUYUN_DAY: i64 = 2_474_240;
const ZHENGWUYUN_10_PCT: i64 = 247_424_000;

#[test]
fn zhengwuyun_10_2_each_day_of_a_late_duty_owes_0_1_pct() {
    // L211: "每延迟1日 … 服务费总额的0.1% … 出现延迟不足1日的，按1日计算". 002 sets no fault clock;
    // its periods are periodic work ("每月对云服务商开展云平台漏洞扫描", L828) run as duties whose due
    // is the repair target. A scan one minute late is 1 day; a daily inspection (L800) 25 hours late
    // is 2 days: 3 × 2 474 240 = 7 422 720 fen. A late response clock is no period of 002's.
    let a = assess(
        &contract(ZHENGWUYUN),
        &month(json!({"late": [
            late("repair", "REQ-2026-000001", MINUTE_MS),
            late("repair", "REQ-2026-000002", 25 * HOUR_MS),
            late("response", "INC-2026-000003", 3 * HOUR_MS),
        ]})),
    );
    let o = fired(&a, "10-2", 3 * ZHENGWUYUN_DAY);
    assert_eq!(o.occurrences, 3);
    assert_eq!(o.evidence, ["REQ-2026-000001", "REQ-2026-000002"]);
    assert_eq!(o.counts, Counts::PerOccurrence);
}

#[test]
fn zhengwuyun_10_2_more_than_30_days_lets_the_buyer_terminate() {
    // L211: "累计延迟超过30日的，甲方有权解除本合同": 31 days (31 × 2 474 240 = 76 701 440 fen) do,
    // exactly 30 do not (超过 excludes the number).
    let a = assess(
        &contract(ZHENGWUYUN),
        &month(json!({"late": [late("repair", "REQ-2026-000004", 31 * 24 * HOUR_MS)]})),
    );
    fired(&a, "10-2", 31 * ZHENGWUYUN_DAY);
    assert!(
        a.notes.iter().any(|n| n.contains("terminate") && n.contains("10-2")),
        "{:?}",
        a.notes
    );
    let a = assess(
        &contract(ZHENGWUYUN),
        &month(json!({"late": [late("repair", "REQ-2026-000004", 30 * 24 * HOUR_MS)]})),
    );
    fired(&a, "10-2", 30 * ZHENGWUYUN_DAY);
    assert!(!a.notes.iter().any(|n| n.contains("terminate")), "{:?}", a.notes);
}

#[test]
fn zhengwuyun_8_8_a_confidentiality_breach_owes_10_pct_of_the_price() {
    // L199: "如损失数额无法确定的，乙、丙、丁、戊各方同意按照合同金额的10%赔偿甲方的损失": one finding,
    // 10 % of 2 474 240 000 = 247 424 000 fen (2,474,240.00 元).
    let a = assess(
        &contract(ZHENGWUYUN),
        &month(json!({"findings": [finding("F-1", "confidentiality_breach", None)]})),
    );
    let o = fired(&a, "8-8", ZHENGWUYUN_10_PCT);
    assert_eq!(o.findings, ["F-1"]);
    assert_eq!(a.total_fen, ZHENGWUYUN_10_PCT, "no other rule fires on it");
    // Without the finding nothing is owed.
    let a = assess(&contract(ZHENGWUYUN), &Metrics::default());
    assert_eq!(status(&a, "8-8"), Status::NotFired);
}

#[test]
fn zhengwuyun_the_consortium_shares_one_fee() {
    // 联合协议 二 (L1086) "联合体各方共同与采购人签订合同 … 承担连带责任"; L102 one 服务费总额;
    // L104–110 the four shares; 第四条 (L98) "自合同签订之日起一年".
    let c = contract(ZHENGWUYUN);
    assert_eq!(c.vendor, "chinatelecom-bj");
    assert_eq!(c.members, ["capinfo-cloud", "axtx", "anxinwangdun"]);
    assert_eq!(c.price_fen, (10_666_400 + 8_898_000 + 2_528_000 + 2_650_000) * 100);
    assert_eq!(c.months, 12);
    // The nine systems of config/catalogs/zhengwuyun-2025.toml: 首信云 serves seed 000 too.
    assert_eq!(c.systems.len(), 9);
    assert!(c.systems.iter().all(|s| s.starts_with("zwy-")), "{:?}", c.systems);
}

#[test]
fn zhengwuyun_termination_and_acceptance_are_listed_for_assessment_by_hand() {
    // L211 "并向甲方支付服务费总额10%的违约金" on termination; L213–215 "经二次验收仍未通过 … 10%".
    let a = assess(&contract(ZHENGWUYUN), &Metrics::default());
    for rule in ["10-2-termination", "10-3"] {
        assert_eq!(status(&a, rule), Status::NotMeasured, "{rule}");
    }
}
