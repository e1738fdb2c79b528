//! Findings deciding rules: `needs` turns an exposure into a fired amount, 造成重大影响 and
//! 未造成重大影响 exclude each other, 情节严重 waits on its finding, `finding` rules count
//! findings, and contracts stored before these fields assess as they did.

use contract_terms::{
    Condition, Contract, Counts, Finding, FindingKind, Late, Metrics, Status, assess, assess_months, format_yuan,
};
use serde_json::json;
use ticket_domain::ClockName;

const HOUR_MS: i64 = 60 * 60 * 1000;

/// 004 八-4 (seed 004 L28658–28664): "出现因工作服务能力不足导致故障不能及时排除，视为乙方违约，乙方应承担
/// 本合同总价款百分之零点一（0.1%）的金额作为违约金"; 情节严重 (2) (L28670–28672): "出现多次（例如两次及
/// 以上）无法按约定时间到场维护、远程响应明显滞后，影响甲方或用户单位正常业务运行的". The price is
/// illustrative (the tender leaves it blank): 5,000,000.00 yuan.
fn c004() -> Contract {
    let c: Contract = serde_json::from_value(json!({
        "code": "004", "name": "顺义统一运维", "vendor": "v-004", "price_fen": 500_000_000, "months": 12,
        "rules": [
            {"id": "8-4-repair", "label": "因工作服务能力不足导致故障不能及时排除", "source": "八、4",
             "counts": "per_occurrence",
             "when": {"metric": "late", "clock": "repair", "needs": "insufficient_capability"},
             "amount": {"of": "price", "pct": 0.1}},
            {"id": "8-4-arrival", "label": "不能及时到达现场进行维护的", "source": "八、4",
             "counts": "per_month",
             "when": {"metric": "late", "clock": "arrival", "serious_from": 2,
                      "serious_clocks": ["arrival", "response"], "serious_needs": "business_impact"},
             "amount": {"of": "price", "pct": 0.1}}
        ]
    }))
    .expect("004");
    c.validate().expect("valid");
    c
}

fn late(clock: ClockName, ticket: &str) -> Late {
    Late {
        clock,
        ticket: ticket.into(),
        overdue_wall_ms: HOUR_MS,
    }
}

fn finding(id: &str, kind: FindingKind, ticket: Option<&str>) -> Finding {
    Finding {
        id: id.into(),
        kind,
        ticket: ticket.map(Into::into),
        summary: "认定".into(),
        minutes: None,
        serious: false,
    }
}

fn repairs(tickets: &[&str], findings: Vec<Finding>) -> Metrics {
    Metrics {
        late: tickets.iter().map(|t| late(ClockName::Repair, t)).collect(),
        findings,
        ..Metrics::default()
    }
}

#[test]
fn a_late_repair_without_the_finding_is_an_exposure_naming_it() {
    let a = assess(&c004(), &repairs(&["INC-1"], Vec::new()));
    let o = &a.outcomes[0];
    assert_eq!(o.status, Status::Exposure);
    assert_eq!(o.needs, Some(FindingKind::InsufficientCapability));
    assert!(
        o.notes
            .iter()
            .any(|n| n == "需认定：因工作服务能力不足 (insufficient_capability)"),
        "{:?}",
        o.notes
    );
    assert_eq!(o.evidence, ["INC-1"]);
    // 0.1 % of 5,000,000.00 yuan.
    assert_eq!((a.total_fen, a.exposure_fen), (0, 500_000));
}

#[test]
fn the_finding_on_the_ticket_fires_it_with_the_finding_as_evidence() {
    let m = repairs(
        &["INC-1", "INC-2"],
        vec![finding("F-7", FindingKind::InsufficientCapability, Some("INC-1"))],
    );
    let a = assess(&c004(), &m);
    let o = &a.outcomes[0];
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.occurrences, 1);
    assert_eq!(o.evidence, ["INC-1", "F-7 (INC-1)"]);
    assert_eq!(o.findings, ["F-7"]);
    assert_eq!(o.counts, Counts::PerOccurrence);
    // INC-2 holds on the metric but has no finding yet: the pending part.
    let p = o.pending.as_ref().expect("pending");
    assert_eq!(
        (p.occurrences, p.evidence.as_slice(), p.amount_fen),
        (1, &["INC-2".to_owned()][..], 500_000)
    );
    assert_eq!(o.needs, Some(FindingKind::InsufficientCapability));
    assert_eq!((a.total_fen, a.exposure_fen), (500_000, 500_000));
}

#[test]
fn a_finding_about_the_month_decides_every_occurrence() {
    let m = repairs(
        &["INC-1", "INC-2"],
        vec![finding("F-8", FindingKind::InsufficientCapability, None)],
    );
    let o = assess(&c004(), &m).outcomes[0].clone();
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.occurrences, 2);
    assert_eq!(o.evidence, ["INC-1", "INC-2", "F-8 (本月 / the month)"]);
    assert_eq!(o.pending, None);
    assert_eq!(o.needs, None);
    // A finding of another kind, or on another ticket, decides nothing.
    let m = repairs(
        &["INC-1"],
        vec![
            finding("F-9", FindingKind::BusinessImpact, Some("INC-1")),
            finding("F-10", FindingKind::InsufficientCapability, Some("INC-5")),
        ],
    );
    assert_eq!(assess(&c004(), &m).outcomes[0].status, Status::Exposure);
}

/// 003 附件5 第1项 / 附件6 第1项 (seed 003 L808, L826): "可用性低于 99.9%，出现问题并造成重大损失的
/// 100%" and "可用性达不到 99.9%，出现问题但未造成重大损失的 50%": the two findings exclude each other.
#[test]
fn major_and_no_major_findings_exclude_each_other() {
    let c: Contract = serde_json::from_value(json!({
        "code": "003", "name": "中小企业公共服务平台", "vendor": "v-003", "price_fen": 327_800_000, "months": 12,
        "rules": [
            {"id": "a5-1", "label": "可用性低于 99.9%，出现问题并造成重大损失的",
             "when": {"metric": "availability", "below_pct": 99.9, "needs": "major_impact"},
             "amount": {"of": "monthly_fee", "pct": 100}},
            {"id": "a6-1", "label": "可用性达不到 99.9%，出现问题但未造成重大损失的",
             "when": {"metric": "availability", "below_pct": 99.9, "impact": "no_major"},
             "amount": {"of": "monthly_fee", "pct": 50}}
        ]
    }))
    .expect("003");
    c.validate().expect("valid");
    let metrics = |findings: Vec<Finding>| -> Metrics {
        serde_json::from_value(json!({
            "availability": [{"system": "sy-a", "pct": 99.5}], "findings": findings
        }))
        .expect("metrics")
    };
    // No finding: both are exposures, alternatives.
    let a = assess(&c, &metrics(Vec::new()));
    assert_eq!(a.outcomes[0].status, Status::Exposure);
    assert_eq!(a.outcomes[1].status, Status::Exposure);
    assert!(a.notes.iter().any(|n| n.contains("alternatives")), "{:?}", a.notes);
    // A major-impact finding fires 附件5 and rules 附件6 out.
    let a = assess(&c, &metrics(vec![finding("F-1", FindingKind::MajorImpact, None)]));
    assert_eq!(a.outcomes[0].status, Status::Fired);
    assert_eq!(a.outcomes[0].amount_fen, 27_316_667);
    assert_eq!(a.outcomes[1].status, Status::NotFired);
    assert_eq!(a.outcomes[1].amount_fen, 0);
    assert!(
        a.outcomes[1]
            .notes
            .iter()
            .any(|n| n.contains("F-1 found 造成重大影响") && n.contains("rules out")),
        "{:?}",
        a.outcomes[1].notes
    );
    // And the other way round.
    let a = assess(&c, &metrics(vec![finding("F-2", FindingKind::NoMajorImpact, None)]));
    assert_eq!(a.outcomes[0].status, Status::NotFired);
    assert_eq!(a.outcomes[1].status, Status::Fired);
    assert_eq!(a.total_fen, 13_658_333);
    // Both: contradictory findings decide nothing until one is withdrawn.
    let a = assess(
        &c,
        &metrics(vec![
            finding("F-1", FindingKind::MajorImpact, None),
            finding("F-2", FindingKind::NoMajorImpact, None),
        ]),
    );
    assert_eq!(a.total_fen, 0);
    assert!(
        a.outcomes[0].notes.iter().any(|n| n.contains("withdraw one")),
        "{:?}",
        a.outcomes[0].notes
    );
}

#[test]
fn serious_needs_its_count_and_its_finding() {
    let arrivals = |findings: Vec<Finding>| Metrics {
        late: vec![late(ClockName::Arrival, "INC-1"), late(ClockName::Response, "INC-2")],
        findings,
        ..Metrics::default()
    };
    // One late arrival and one late response reach the count of 2, but no business impact yet.
    let a = assess(&c004(), &arrivals(Vec::new()));
    let o = &a.outcomes[1];
    assert_eq!(o.status, Status::Fired);
    assert!(
        o.notes.iter().any(|n| n
            == "2 late clocks (arrival, response) reach the count of 情节严重 (2), which also needs a finding: 需认定：影响甲方或用户单位正常业务运行 (business_impact)"),
        "{:?}",
        o.notes
    );
    assert!(!a.notes.iter().any(|n| n.contains("may terminate")), "{:?}", a.notes);
    // With the finding, the buyer may terminate.
    let a = assess(
        &c004(),
        &arrivals(vec![finding("F-3", FindingKind::BusinessImpact, Some("INC-2"))]),
    );
    assert!(
        a.outcomes[1]
            .notes
            .iter()
            .any(|n| n.contains("F-3 (INC-2): from 2 the contract calls it serious")),
        "{:?}",
        a.outcomes[1].notes
    );
    assert!(
        a.notes
            .iter()
            .any(|n| n == "the buyer may terminate the contract: 8-4-arrival"),
        "{:?}",
        a.notes
    );
    // One breach is below the count: no serious note at all.
    let one = Metrics {
        late: vec![late(ClockName::Arrival, "INC-1")],
        findings: vec![finding("F-3", FindingKind::BusinessImpact, None)],
        ..Metrics::default()
    };
    assert!(
        !assess(&c004(), &one).outcomes[1]
            .notes
            .iter()
            .any(|n| n.contains("情节严重"))
    );
}

/// 003 附件5 第8项 (seed 003 L815): "现场无人值守超过大于 1 小时且小于 2 小时，造成重大事故 100%":
/// strict on both sides.
#[test]
fn unattended_site_findings_count_strictly_inside_their_band() {
    let c: Contract = serde_json::from_value(json!({
        "code": "003", "name": "中小企业公共服务平台", "vendor": "v-003", "price_fen": 327_800_000, "months": 12,
        "rules": [{"id": "a5-8", "label": "现场无人值守超过大于 1 小时且小于 2 小时",
                   "when": {"metric": "finding", "kind": "unattended_site", "above_minutes": 60, "below_minutes": 120},
                   "amount": {"of": "monthly_fee", "pct": 100}}]
    }))
    .expect("003");
    c.validate().expect("valid");
    let site = |id: &str, minutes: Option<f64>| Finding {
        minutes,
        ..finding(id, FindingKind::UnattendedSite, None)
    };
    let m = Metrics {
        findings: vec![
            site("F-1", Some(60.0)),
            site("F-2", Some(90.0)),
            site("F-3", Some(120.0)),
            site("F-4", None),
        ],
        ..Metrics::default()
    };
    let o = assess(&c, &m).outcomes[0].clone();
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.occurrences, 1);
    assert_eq!(o.evidence, ["F-2 (本月 / the month)"]);
    assert_eq!(o.findings, ["F-2"]);
    assert_eq!(format_yuan(o.amount_fen), "¥273,166.67");
    assert!(
        o.notes.iter().any(|n| n == "F-4: no minutes recorded, not counted"),
        "{:?}",
        o.notes
    );
    assert_eq!(assess(&c, &Metrics::default()).outcomes[0].status, Status::NotFired);
}

#[test]
fn averages_cover_the_kinds_and_sources_the_rule_names() {
    let c: Contract = serde_json::from_value(json!({
        "code": "003", "name": "中小企业公共服务平台", "vendor": "v-003", "price_fen": 327_800_000, "months": 12,
        "rules": [{"id": "a6-7", "label": "运维需求平均故障恢复时间大于 60 分钟且小于 120 分钟",
                   "when": {"metric": "average_time", "clock": "repair", "above_minutes": 60, "below_minutes": 120,
                            "kinds": ["fault"]},
                   "amount": {"of": "monthly_fee", "pct": 30}}]
    }))
    .expect("003");
    // Faults average 90 min; two multi-day scheduled inspections would push the pool out of the band.
    let m: Metrics = serde_json::from_value(json!({"averages": [
        {"clock": "repair", "count": 4, "mean_minutes": 90, "kind": "fault"},
        {"clock": "repair", "count": 2, "mean_minutes": 4000, "kind": "fault", "scheduled": true},
        {"clock": "repair", "count": 3, "mean_minutes": 10, "kind": "request"}
    ]}))
    .expect("metrics");
    let o = assess(&c, &m).outcomes[0].clone();
    assert_eq!(o.status, Status::Fired);
    assert_eq!(
        o.evidence,
        ["mean 90 min over 4 clocks (fault; scheduled duties left out)"]
    );
    let mut with = c.clone();
    if let Condition::AverageTime { include_scheduled, .. } = &mut with.rules[0].when {
        *include_scheduled = true;
    }
    let o = assess(&with, &m).outcomes[0].clone();
    assert_eq!(o.status, Status::NotFired);
    assert_eq!(
        o.notes,
        ["mean 1393.33 min over 6 clocks (fault; scheduled duties included): not strictly between 60 and 120 min"]
    );
}

/// A contract stored before findings, counts and 以上 existed deserialises with today's meaning:
/// `minutes` is strict, `impact` is a needed finding, late and delay count per occurrence and the
/// rest once per month.
#[test]
fn contracts_stored_before_keep_their_meaning() {
    let stored = json!({
        "code": "003", "name": "old", "vendor": "v-003", "price_fen": 327_800_000, "months": 12,
        "rules": [
            {"id": "a6-2", "label": "", "when": {"metric": "outage_longer", "minutes": 120},
             "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "a6-5", "label": "", "when": {"metric": "average_time", "clock": "response",
              "above_minutes": 30, "below_minutes": 60, "impact": "no_major"},
             "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "a6-3", "label": "", "when": {"metric": "outage_total", "count_over": 2},
             "amount": {"of": "monthly_fee", "pct": 60}},
            {"id": "l", "label": "", "when": {"metric": "late", "clock": "arrival"},
             "amount": {"of": "price", "pct": 0.1}},
            {"id": "d", "label": "", "when": {"metric": "delay", "clock": "repair"},
             "amount": {"of": "price", "pct": 0.1}}
        ]
    });
    let c: Contract = serde_json::from_value(stored).expect("old contract");
    c.validate().expect("valid");
    assert_eq!(
        c.rules[0].when,
        Condition::OutageLonger {
            at_least_minutes: None,
            over_minutes: Some(120.0),
            needs: None
        }
    );
    assert_eq!(c.rules[1].when.needs(), Some(FindingKind::NoMajorImpact));
    let counts: Vec<Counts> = c.rules.iter().map(|r| r.counts()).collect();
    assert_eq!(
        counts,
        [
            Counts::PerMonth,
            Counts::PerMonth,
            Counts::PerMonth,
            Counts::PerOccurrence,
            Counts::PerOccurrence
        ]
    );
    let m: Metrics = serde_json::from_value(json!({
        "averages": [{"clock": "response", "count": 8, "mean_minutes": 42.5}],
        "outages": [
            {"system": "sy-a", "tickets": ["INC-1"], "minutes": 120},
            {"system": "sy-a", "tickets": ["INC-2"], "minutes": 150},
            {"system": "sy-a", "tickets": ["INC-3"], "minutes": 150}
        ],
        "late": [
            {"clock": "arrival", "ticket": "INC-4", "overdue_wall_ms": 3_600_000},
            {"clock": "arrival", "ticket": "INC-5", "overdue_wall_ms": 3_600_000},
            {"clock": "repair", "ticket": "INC-6", "overdue_wall_ms": 90_000_000}
        ]
    }))
    .expect("metrics");
    let a = assess(&c, &m);
    let got: Vec<(Status, u64, Vec<String>, i64)> = a
        .outcomes
        .iter()
        .map(|o| (o.status, o.occurrences, o.evidence.clone(), o.amount_fen))
        .collect();
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            // Exactly 120 min is not "longer than" 120; the two longer ones fire once.
            (Status::Fired, 1, s(&["INC-2", "INC-3"]), 8_195_000),
            (Status::Exposure, 1, s(&["mean 42.5 min over 8 clocks"]), 8_195_000),
            (Status::Fired, 1, s(&["sy-a"]), 16_390_000),
            // 0.1 % of 3,278,000.00 yuan, twice.
            (Status::Fired, 2, s(&["INC-4", "INC-5"]), 655_600),
            // 25 h late: 2 days.
            (Status::Fired, 2, s(&["INC-6"]), 655_600),
        ]
    );
    assert_eq!(a.total_fen, 8_195_000 + 16_390_000 + 655_600 + 655_600);
    assert_eq!(a.exposure_fen, 8_195_000);
    // Saved again, `minutes` is written as what it means.
    let saved = serde_json::to_value(&c.rules[0].when).expect("ser");
    assert_eq!(saved, json!({"metric": "outage_longer", "over_minutes": 120.0}));
}

#[test]
fn a_quarter_sums_months_and_turns_exposure_months_into_the_pending_part() {
    let quarter = vec![
        ("2026-10".to_owned(), repairs(&["INC-1"], Vec::new())),
        (
            "2026-11".to_owned(),
            repairs(
                &["INC-2"],
                vec![finding("F-1", FindingKind::InsufficientCapability, Some("INC-2"))],
            ),
        ),
        ("2026-12".to_owned(), Metrics::default()),
    ];
    let a = assess_months(&c004(), &quarter);
    let o = &a.outcomes[0];
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.months, ["2026-10", "2026-11"]);
    assert_eq!((o.occurrences, o.amount_fen), (1, 500_000));
    assert_eq!(o.evidence, ["INC-2", "F-1 (INC-2)"]);
    let p = o.pending.as_ref().expect("pending");
    assert_eq!((p.occurrences, p.evidence.as_slice()), (1, &["INC-1".to_owned()][..]));
    assert!(
        o.notes.iter().any(|n| n.starts_with("2026-10: 需认定")),
        "{:?}",
        o.notes
    );
    assert_eq!((a.total_fen, a.exposure_fen), (500_000, 500_000));
    let months: Vec<(&str, i64, i64)> = a
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.total_fen, m.exposure_fen))
        .collect();
    assert_eq!(
        months,
        [("2026-10", 0, 500_000), ("2026-11", 500_000, 0), ("2026-12", 0, 0)]
    );
}

#[test]
fn the_contract_cap_holds_per_month() {
    let mut c = c004();
    c.cap_pct_of_price = Some(0.1);
    let two = |m: &str| {
        (
            m.to_owned(),
            repairs(
                &["INC-1", "INC-2"],
                vec![finding("F", FindingKind::InsufficientCapability, None)],
            ),
        )
    };
    let a = assess_months(&c, &[two("2026-10"), two("2026-11")]);
    // Each month owes 0.2 %, capped at 0.1 %: 0.1 % twice.
    assert_eq!(a.total_fen, 1_000_000);
    assert!(a.capped);
    assert!(a.months.iter().all(|m| m.capped && m.total_fen == 500_000));
}

#[test]
fn problems_name_contradictions() {
    let c: Contract = serde_json::from_value(json!({
        "code": "x", "name": "", "vendor": "v", "members": ["w", "w", "v"], "price_fen": 1, "months": 1,
        "rules": [
            {"id": "a", "label": "", "when": {"metric": "outage_longer", "at_least_minutes": 120, "over_minutes": 120},
             "amount": {"of": "price", "pct": 1}},
            {"id": "b", "label": "", "when": {"metric": "outage_longer"}, "amount": {"of": "price", "pct": 1}},
            {"id": "c", "label": "", "when": {"metric": "outage_total", "count_over": 2, "count_at_least": 3,
              "total_minutes_over": 1, "total_minutes_at_least": 1}, "amount": {"of": "price", "pct": 1}},
            {"id": "d", "label": "", "when": {"metric": "availability", "below_pct": 99, "impact": "major",
              "needs": "no_major_impact"}, "amount": {"of": "price", "pct": 1}},
            {"id": "e", "label": "", "when": {"metric": "late", "clock": "arrival", "serious_needs": "business_impact"},
             "amount": {"of": "price", "pct": 1}},
            {"id": "f", "label": "", "when": {"metric": "finding", "kind": "data_loss", "above_minutes": 1},
             "amount": {"of": "price", "pct": 1}}
        ]
    }))
    .expect("parses");
    let p = c.problems();
    for want in [
        "members[1]: \"w\" is also members[0]",
        "members[2]: \"v\" is the vendor itself",
        "rules[0].when.over_minutes: give at_least_minutes (以上) or over_minutes (超过), not both",
        "rules[1].when: give at_least_minutes (以上, the number included) or over_minutes (超过, excluded)",
        "rules[2].when.count_at_least: give count_at_least (以上) or count_over (超过), not both",
        "rules[2].when.total_minutes_at_least: give total_minutes_at_least (以上) or total_minutes_over (超过), not both",
        "rules[3].when.needs: no_major_impact contradicts impact (which means major_impact); drop impact",
        "rules[4].when.serious_from: give it, or drop serious_clocks and serious_needs (they qualify it)",
        "rules[5].when.above_minutes: minutes bound only unattended_site findings, not data_loss",
    ] {
        assert!(p.iter().any(|s| s == want), "missing {want:?} in {p:#?}");
    }
    assert_eq!(p.len(), 9, "{p:#?}");
    // Unknown finding kinds are refused by name.
    let bad = json!({"metric": "late", "clock": "repair", "needs": "incapable"});
    assert!(serde_json::from_value::<Condition>(bad).is_err());
    assert_eq!(
        "因工作服务能力不足".parse::<FindingKind>(),
        Ok(FindingKind::InsufficientCapability)
    );
    assert!(
        "incapable"
            .parse::<FindingKind>()
            .unwrap_err()
            .to_string()
            .contains("insufficient_capability")
    );
}

#[test]
fn counts_labels_say_how_a_rule_counts() {
    assert_eq!(Counts::PerOccurrence.label(), "每次 / per occurrence");
    assert_eq!(Counts::PerMonth.label(), "每月一次 / once per month");
    for k in FindingKind::ALL {
        assert_eq!(k.key().parse::<FindingKind>(), Ok(*k));
        assert_eq!(serde_json::to_value(k).expect("ser"), json!(k.key()));
    }
}
