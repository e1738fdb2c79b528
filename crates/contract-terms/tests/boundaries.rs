//! Property tests of the bounds as the contracts word them: 以上 includes the number, 超过 does
//! not (民法典 第1259条), "大于…且小于…" is strict on both sides, and a rule charged once per month
//! charges once in each month of a quarter.

use contract_terms::{Assessment, Contract, Metrics, Outage, Status, assess, assess_months};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::json;

fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

fn contract(rules: serde_json::Value) -> Contract {
    let c: Contract = serde_json::from_value(json!({
        "code": "003", "name": "bounds", "vendor": "v-003",
        "price_fen": 327_800_000, "months": 12, "rules": rules
    }))
    .expect("contract");
    c.validate().expect("valid");
    c
}

fn outages(minutes: &[f64]) -> Metrics {
    Metrics {
        outages: minutes
            .iter()
            .enumerate()
            .map(|(i, &m)| Outage {
                system: "sy-a".into(),
                tickets: vec![format!("INC-{i}")],
                minutes: m,
            })
            .collect(),
        ..Metrics::default()
    }
}

fn status(a: &Assessment, id: &str) -> Status {
    a.outcomes.iter().find(|o| o.rule == id).expect("rule").status
}

proptest! {
    #![proptest_config(config())]

    /// An outage of exactly the threshold is "以上" (at_least_minutes) but not "超过"
    /// (over_minutes); one a minute shorter is neither, one a minute longer both. 003 附件6
    /// 第2项 (seed 003 L827): "造成某服务中断 2 小时以上".
    #[test]
    fn at_least_includes_the_number_over_excludes_it(threshold in 1u32..1000) {
        let t = f64::from(threshold);
        let c = contract(json!([
            {"id": "least", "label": "以上", "when": {"metric": "outage_longer", "at_least_minutes": t},
             "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "over", "label": "超过", "when": {"metric": "outage_longer", "over_minutes": t},
             "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "legacy", "label": "minutes", "when": {"metric": "outage_longer", "minutes": t},
             "amount": {"of": "monthly_fee", "pct": 30}}
        ]));
        let at = assess(&c, &outages(&[t]));
        prop_assert_eq!(status(&at, "least"), Status::Fired);
        prop_assert_eq!(status(&at, "over"), Status::NotFired);
        prop_assert_eq!(status(&at, "legacy"), Status::NotFired);
        let below = assess(&c, &outages(&[t - 1.0]));
        prop_assert_eq!(status(&below, "least"), Status::NotFired);
        let above = assess(&c, &outages(&[t + 1.0]));
        prop_assert_eq!(status(&above, "over"), Status::Fired);
        prop_assert_eq!(status(&above, "legacy"), Status::Fired);
    }

    /// Exactly n outages of one system are "n 次以上" (count_at_least = n) but not more than n
    /// (count_over = n); the same for the total minutes. 003 附件6 第3项 (seed 003 L828):
    /// "中断 3 次以上或累计 8 小时以上".
    #[test]
    fn counts_and_totals_at_least_include_the_number(n in 1u32..8, each in 1u32..300) {
        let total = n * each;
        let c = contract(json!([
            {"id": "count-least", "label": "", "when": {"metric": "outage_total", "count_at_least": n},
             "amount": {"of": "monthly_fee", "pct": 60}},
            {"id": "count-over", "label": "", "when": {"metric": "outage_total", "count_over": n},
             "amount": {"of": "monthly_fee", "pct": 60}},
            {"id": "total-least", "label": "", "when": {"metric": "outage_total", "total_minutes_at_least": total},
             "amount": {"of": "monthly_fee", "pct": 60}},
            {"id": "total-over", "label": "", "when": {"metric": "outage_total", "total_minutes_over": total},
             "amount": {"of": "monthly_fee", "pct": 60}}
        ]));
        // n outages of whole minutes adding up to exactly `total`.
        let minutes = vec![f64::from(each); n as usize];
        let a = assess(&c, &outages(&minutes));
        prop_assert_eq!(status(&a, "count-least"), Status::Fired);
        prop_assert_eq!(status(&a, "count-over"), Status::NotFired);
        prop_assert_eq!(status(&a, "total-least"), Status::Fired);
        prop_assert_eq!(status(&a, "total-over"), Status::NotFired);
        let fewer = assess(&c, &outages(&vec![0.5; n as usize - 1]));
        prop_assert_eq!(status(&fewer, "count-least"), Status::NotFired);
    }

    /// A mean of exactly 30.0 minutes is neither "大于 15 分钟且小于 30 分钟" nor "大于 30 分钟且小于
    /// 60 分钟" (003 附件5 第4项, 附件6 第5项; seed 003 L811, L830), over any number of clocks.
    #[test]
    fn a_mean_on_a_bound_matches_neither_band(count in 1u64..500, bound in prop::sample::select(vec![15.0, 30.0, 60.0])) {
        let c = contract(json!([
            {"id": "15-30", "label": "", "when": {"metric": "average_time", "clock": "response",
              "above_minutes": 15, "below_minutes": 30}, "amount": {"of": "monthly_fee", "pct": 100}},
            {"id": "30-60", "label": "", "when": {"metric": "average_time", "clock": "response",
              "above_minutes": 30, "below_minutes": 60}, "amount": {"of": "monthly_fee", "pct": 30}}
        ]));
        let m: Metrics = serde_json::from_value(json!({
            "averages": [{"clock": "response", "count": count, "mean_minutes": bound}]
        })).expect("metrics");
        let a = assess(&c, &m);
        prop_assert_eq!(status(&a, "15-30"), Status::NotFired);
        prop_assert_eq!(status(&a, "30-60"), Status::NotFired);
    }

    /// A per_month rule that holds in every month of a quarter charges three times what it charges
    /// in one month; a per_occurrence rule charges each month's occurrences.
    #[test]
    fn per_month_over_a_quarter_is_three_months(
        long in prop::collection::vec(prop::collection::vec(120.0..600.0f64, 1..5), 3),
        pct in 1.0..200.0f64,
    ) {
        let c = contract(json!([
            {"id": "month", "label": "", "counts": "per_month",
             "when": {"metric": "outage_longer", "at_least_minutes": 120},
             "amount": {"of": "monthly_fee", "pct": pct}},
            {"id": "each", "label": "", "counts": "per_occurrence",
             "when": {"metric": "outage_longer", "at_least_minutes": 120},
             "amount": {"of": "monthly_fee", "pct": pct}}
        ]));
        let quarter: Vec<(String, Metrics)> = long
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("2026-{:02}", 10 + i), outages(m)))
            .collect();
        let q = assess_months(&c, &quarter);
        let one = assess(&c, &quarter[0].1);
        let per_month = &q.outcomes[0];
        prop_assert_eq!(per_month.status, Status::Fired);
        prop_assert_eq!(per_month.occurrences, 3);
        prop_assert_eq!(per_month.amount_fen, 3 * one.outcomes[0].amount_fen);
        prop_assert_eq!(&per_month.months, &["2026-10", "2026-11", "2026-12"]);
        let n: usize = long.iter().map(Vec::len).sum();
        prop_assert_eq!(q.outcomes[1].occurrences, n as u64);
        let months_sum: i64 = quarter.iter().map(|(_, m)| assess(&c, m).total_fen).sum();
        prop_assert_eq!(q.total_fen, months_sum);
        prop_assert_eq!(q.months.len(), 3);
    }
}
