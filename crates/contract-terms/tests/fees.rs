//! Rules charged on the systems' yearly fees (`amount = {of = "fee", pct = …}`): each occurrence
//! on the fee of the system it concerns, once per month each system once, a figure of the whole
//! month on every system covered, and a system without a fee leaves the rule not measured.

use contract_terms::{Contract, Metrics, Status, assess, assess_months};
use serde_json::{Value, json};

const HOUR_MS: i64 = 60 * 60 * 1000;

/// A contract of three systems whose price is their fees summed (illustrative figures: the
/// seeds give no per-system fee), with a rule on each base.
fn contract(rules: Value) -> Contract {
    let c: Contract = serde_json::from_value(json!({
        "code": "fees", "name": "按系统计费", "vendor": "v", "price_fen": 60_000_000, "months": 12,
        "systems": ["sy-1", "sy-2", "sy-3"], "rules": rules
    }))
    .expect("as written");
    c.validate().expect("as written");
    c
}

fn late_repair_on_fees(counts: &str) -> Value {
    json!([{"id": "late-repair", "label": "未按时修复", "counts": counts,
            "when": {"metric": "late", "clock": "repair"}, "amount": {"of": "fee", "pct": 1}}])
}

/// sy-1 pays 120,000.00 a year, sy-2 480,000.00, sy-3 has no fee in the catalogue.
fn metrics(late: &[(&str, &str)]) -> Metrics {
    serde_json::from_value(json!({
        "late": late.iter().map(|(t, _)| json!({"clock": "repair", "ticket": t, "overdue_wall_ms": HOUR_MS}))
            .collect::<Vec<_>>(),
        "ticket_systems": late.iter().map(|(t, s)| (t.to_string(), json!(s))).collect::<serde_json::Map<_, _>>(),
        "fees": [{"system": "sy-1", "fee_fen": 12_000_000}, {"system": "sy-2", "fee_fen": 48_000_000},
                 {"system": "sy-3"}]
    }))
    .expect("as written")
}

#[test]
fn each_late_clock_is_charged_on_its_own_system_s_fee() {
    let c = contract(late_repair_on_fees("per_occurrence"));
    let a = assess(&c, &metrics(&[("INC-1", "sy-1"), ("INC-2", "sy-1"), ("INC-3", "sy-2")]));
    let o = &a.outcomes[0];
    assert_eq!(o.status, Status::Fired, "{o:?}");
    assert_eq!(o.occurrences, 3);
    // 1 % × (120,000.00 + 120,000.00 + 480,000.00) = 7,200.00; on the price it would be 1 % ×
    // 600,000.00 × 3 = 18,000.00.
    assert_eq!(o.amount_fen, 720_000);
    assert_eq!(a.total_fen, 720_000);
    assert!(
        o.notes
            .iter()
            .any(|n| n == "1% of the yearly fee of sy-1 ¥120,000.00, sy-2 ¥480,000.00"),
        "{:?}",
        o.notes
    );
}

#[test]
fn once_per_month_each_system_concerned_counts_once() {
    let c = contract(late_repair_on_fees("per_month"));
    let a = assess(&c, &metrics(&[("INC-1", "sy-1"), ("INC-2", "sy-1"), ("INC-3", "sy-2")]));
    assert_eq!(a.outcomes[0].status, Status::Fired);
    // 1 % × (120,000.00 + 480,000.00).
    assert_eq!(a.outcomes[0].amount_fen, 600_000);
}

#[test]
fn a_system_without_a_fee_is_not_measured_and_says_which() {
    let c = contract(late_repair_on_fees("per_occurrence"));
    let a = assess(&c, &metrics(&[("INC-1", "sy-1"), ("INC-9", "sy-3")]));
    let o = &a.outcomes[0];
    assert_eq!(o.status, Status::NotMeasured, "{o:?}");
    assert_eq!(o.amount_fen, 0);
    assert_eq!(a.total_fen, 0);
    assert_eq!(o.evidence, ["INC-1", "INC-9"]);
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("sy-3 has no fee (fee_fen): not measured")),
        "{:?}",
        o.notes
    );
    assert!(a.notes.iter().any(|n| n.contains("late-repair")), "{:?}", a.notes);
    // The months add up the same way: not measured, no amount.
    let m = assess_months(&c, &[("2026-11".to_owned(), metrics(&[("INC-9", "sy-3")]))]);
    assert_eq!((m.outcomes[0].status, m.total_fen), (Status::NotMeasured, 0));
    assert_eq!(m.outcomes[0].evidence, ["INC-9"]);
}

#[test]
fn a_figure_of_the_whole_month_is_charged_on_every_system_covered() {
    // An average concerns no one system: all three are concerned, and sy-3 has no fee.
    let rules = json!([{"id": "avg", "label": "平均响应时间超过 30 分钟",
        "when": {"metric": "average_time", "clock": "response", "above_minutes": 30},
        "amount": {"of": "fee", "pct": 10}}]);
    let c = contract(rules);
    let mut m: Metrics = serde_json::from_value(json!({
        "averages": [{"clock": "response", "count": 4, "mean_minutes": 45}],
        "fees": [{"system": "sy-1", "fee_fen": 12_000_000}, {"system": "sy-2", "fee_fen": 48_000_000},
                 {"system": "sy-3"}]
    }))
    .expect("as written");
    assert_eq!(assess(&c, &m).outcomes[0].status, Status::NotMeasured);
    // With sy-3's fee (60,000.00) known: 10 % × 660,000.00.
    m.fees[2].fee_fen = Some(6_000_000);
    let a = assess(&c, &m);
    assert_eq!(
        (a.outcomes[0].status, a.outcomes[0].amount_fen),
        (Status::Fired, 6_600_000)
    );
}

#[test]
fn an_outage_is_charged_on_its_system_and_no_fees_at_all_is_not_measured() {
    let rules = json!([{"id": "outage", "label": "中断 2 小时以上", "counts": "per_occurrence",
        "when": {"metric": "outage_longer", "at_least_minutes": 120}, "amount": {"of": "fee", "pct": 5}}]);
    let c = contract(rules);
    let outages = json!([{"system": "sy-2", "tickets": ["INC-5"], "minutes": 150}]);
    let with: Metrics = serde_json::from_value(json!({"outages": outages,
        "fees": [{"system": "sy-2", "fee_fen": 48_000_000}]}))
    .expect("as written");
    assert_eq!(assess(&c, &with).outcomes[0].amount_fen, 2_400_000);
    let without: Metrics = serde_json::from_value(json!({"outages": outages})).expect("as written");
    let o = &assess(&c, &without).outcomes[0];
    assert_eq!(o.status, Status::NotMeasured);
    assert!(o.notes.iter().any(|n| n.contains("sy-2 has no fee")), "{:?}", o.notes);
}

#[test]
fn a_rule_on_the_price_ignores_the_fees() {
    let rules = json!([{"id": "late-repair", "label": "未按时修复", "counts": "per_occurrence",
        "when": {"metric": "late", "clock": "repair"}, "amount": {"of": "price", "pct": 1}}]);
    let c = contract(rules);
    let a = assess(&c, &metrics(&[("INC-1", "sy-1"), ("INC-9", "sy-3")]));
    // 1 % × 600,000.00 × 2, whatever the fees.
    assert_eq!((a.outcomes[0].status, a.total_fen), (Status::Fired, 1_200_000));
    // The amount vocabulary reads and writes `of = "fee"`.
    let back = serde_json::to_value(contract(late_repair_on_fees("per_month"))).expect("as written");
    assert_eq!(back["rules"][0]["amount"], json!({"of": "fee", "pct": 1.0}));
}
