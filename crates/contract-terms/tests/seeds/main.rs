//! The shipped contracts (`config/contracts/*.toml`), rule by rule: for each rule a month in which
//! it fires, with the amount worked out by hand from the seed's own figures (quoted with their
//! lines), and the boundaries the contracts' words set (以上 includes the number, "大于…且小于…"
//! excludes both bounds). docs/contracts.md gives each reading.
//!
//! Every rule id of every file must have a test here: [`every_shipped_rule_is_tested`] compares the
//! files with the lists below, so a rule added to a file without a test fails the suite.

use contract_terms::{Assessment, Contract, Metrics, Outcome, Status};
use serde_json::{Value, json};

mod jingban;
mod jingtong;
mod shunyi;
mod sme;
mod zhengwuyun;

pub(crate) const SHUNYI: &str = include_str!("../../../../config/contracts/shunyi-2026.toml");
pub(crate) const SME: &str = include_str!("../../../../config/contracts/sme-platform-2025.toml");
pub(crate) const JINGBAN: &str = include_str!("../../../../config/contracts/jingban-2026.toml");
pub(crate) const JINGTONG: &str = include_str!("../../../../config/contracts/jingtong-2024.toml");
pub(crate) const ZHENGWUYUN: &str = include_str!("../../../../config/contracts/zhengwuyun-2025.toml");

pub(crate) const MINUTE_MS: i64 = 60 * 1000;
pub(crate) const HOUR_MS: i64 = 60 * MINUTE_MS;

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
const JINGTONG_RULES: [&str; 5] = ["10-2", "10-2-arrival", "10-2-termination", "10-3", "8-8"];
const ZHENGWUYUN_RULES: [&str; 4] = ["10-2", "10-2-termination", "10-3", "8-8"];

pub(crate) fn contract(text: &str) -> Contract {
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

pub(crate) fn month(v: Value) -> Metrics {
    serde_json::from_value(v).expect("metrics")
}

pub(crate) fn outcome<'a>(a: &'a Assessment, rule: &str) -> &'a Outcome {
    a.outcomes
        .iter()
        .find(|o| o.rule == rule)
        .unwrap_or_else(|| panic!("no rule {rule} in {}", a.contract))
}

/// Asserts the rule fired for `fen` and returns its outcome.
pub(crate) fn fired<'a>(a: &'a Assessment, rule: &str, fen: i64) -> &'a Outcome {
    let o = outcome(a, rule);
    assert_eq!((o.status, o.amount_fen), (Status::Fired, fen), "{rule}: {o:#?}");
    o
}

pub(crate) fn status(a: &Assessment, rule: &str) -> Status {
    outcome(a, rule).status
}

pub(crate) fn late(clock: &str, ticket: &str, overdue_ms: i64) -> Value {
    json!({"clock": clock, "ticket": ticket, "overdue_wall_ms": overdue_ms})
}

pub(crate) fn finding(id: &str, kind: &str, ticket: Option<&str>) -> Value {
    let mut f = json!({"id": id, "kind": kind, "summary": "认定"});
    if let Some(t) = ticket {
        f["ticket"] = json!(t);
    }
    f
}

pub(crate) fn unattended(id: &str, minutes: f64) -> Value {
    json!({"id": id, "kind": "unattended_site", "summary": "现场无人值守", "minutes": minutes})
}

pub(crate) fn average(clock: &str, kind: &str, count: u64, mean: f64) -> Value {
    json!({"clock": clock, "kind": kind, "count": count, "mean_minutes": mean})
}

pub(crate) fn outage(system: &str, ticket: &str, minutes: f64) -> Value {
    json!({"system": system, "tickets": [ticket], "minutes": minutes})
}

#[test]
fn every_shipped_rule_is_tested() {
    for (text, tested) in [
        (SHUNYI, &SHUNYI_RULES[..]),
        (SME, &SME_RULES[..]),
        (JINGBAN, &JINGBAN_RULES[..]),
        (JINGTONG, &JINGTONG_RULES[..]),
        (ZHENGWUYUN, &ZHENGWUYUN_RULES[..]),
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

/// The satisfaction targets the seeds state, and only those: 001 L667 "系统服务单位满意度 ≥ 90%"
/// (inclusive), 003 L181 "用户满意度超过90%" (超过: strict); 000, 002 and 004's contracts set none
/// (004's "用户满意度≥90%", L14993–14995, is one system's line in the tender's list, not the contract's).
#[test]
fn the_satisfaction_targets_are_the_seeds_own() {
    let jingtong = contract(JINGTONG).satisfaction.expect("001 sets one");
    assert_eq!((jingtong.target_pct, jingtong.strict), (Some(90.0), false));
    assert_eq!(
        (jingtong.meets(9, 10), jingtong.describe().as_deref()),
        (Some(true), Some("≥ 90%"))
    );
    let sme = contract(SME).satisfaction.expect("003 sets one");
    assert_eq!((sme.target_pct, sme.strict), (Some(90.0), true));
    assert_eq!(
        (sme.meets(9, 10), sme.describe().as_deref()),
        (Some(false), Some("> 90%"))
    );
    for text in [SHUNYI, JINGBAN, ZHENGWUYUN] {
        assert_eq!(contract(text).satisfaction, None);
    }
}
