//! Property tests of contract deductions: caps hold, amounts are never negative, more lateness
//! never costs less, delay days are ⌈overdue / 24 h⌉ summed, memo rules never reach the total, and
//! the total and exposure add up to the outcomes.

use contract_terms::{
    Amount, Assessment, Availability, Average, Condition, Contract, Counts, Finding, FindingKind, Impact, Late,
    Metrics, Outage, Rule, Status, assess,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use ticket_domain::{ClockName, Kind};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn config() -> Config {
    let default = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            256
        },
        failure_persistence: None,
        ..default
    }
}

const SYSTEMS: [&str; 4] = ["sy-a", "sy-b", "sy-c", "sy-d"];

fn clock() -> impl Strategy<Value = ClockName> {
    select(ClockName::ALL.to_vec())
}

fn impact() -> impl Strategy<Value = Impact> {
    select(vec![Impact::Any, Impact::Major, Impact::NoMajor])
}

fn finding_kind() -> impl Strategy<Value = FindingKind> {
    select(FindingKind::ALL.to_vec())
}

fn needs() -> impl Strategy<Value = Option<FindingKind>> {
    option::of(finding_kind())
}

/// `impact` and `needs` that do not contradict each other (validate refuses those that do).
fn impact_and_needs() -> impl Strategy<Value = (Impact, Option<FindingKind>)> {
    (impact(), needs()).prop_map(|(impact, needs)| match (impact.needs(), needs) {
        (Some(a), Some(b)) if a != b => (impact, None),
        _ => (impact, needs),
    })
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        (
            clock(),
            0.0..120.0f64,
            option::of(1.0..120.0f64),
            impact_and_needs(),
            vec(select(Kind::ALL.to_vec()), 0..2),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(
                |(clock, above, width, (impact, needs), kinds, include_scheduled, targeted_only)| {
                    Condition::AverageTime {
                        clock,
                        above_minutes: above,
                        below_minutes: width.map(|w| above + w),
                        kinds,
                        include_scheduled,
                        targeted_only,
                        impact,
                        needs,
                    }
                }
            ),
        (90.0..=100.0f64, impact_and_needs()).prop_map(|(below_pct, (impact, needs))| Condition::Availability {
            below_pct,
            impact,
            needs
        }),
        (
            clock(),
            1u32..4,
            option::of((1u32..5, vec(clock(), 0..2), needs())),
            needs()
        )
            .prop_map(|(clock, from_count, serious, needs)| {
                let (serious_from, mut serious_clocks, serious_needs) = match serious {
                    Some((f, c, n)) => (Some(f), c, n),
                    None => (None, Vec::new(), None),
                };
                serious_clocks.dedup();
                Condition::Late {
                    clock,
                    from_count,
                    serious_from,
                    serious_clocks,
                    serious_needs,
                    needs,
                }
            }),
        (0.0..600.0f64, any::<bool>(), needs()).prop_map(|(minutes, inclusive, needs)| Condition::OutageLonger {
            at_least_minutes: inclusive.then_some(minutes),
            over_minutes: (!inclusive).then_some(minutes),
            needs,
        }),
        (
            option::of(0u32..5),
            option::of(0.0..1000.0f64),
            any::<bool>(),
            any::<bool>(),
            needs()
        )
            .prop_filter("a bound", |(c, t, ..)| c.is_some() || t.is_some())
            .prop_map(|(count, total, count_incl, total_incl, needs)| Condition::OutageTotal {
                count_over: count.filter(|_| !count_incl),
                total_minutes_over: total.filter(|_| !total_incl),
                count_at_least: count.filter(|_| count_incl).map(|c| c + 1),
                total_minutes_at_least: total.filter(|_| total_incl),
                needs,
            }),
        (clock(), option::of(0u32..60), needs()).prop_map(|(clock, terminate_after_days, needs)| Condition::Delay {
            clock,
            terminate_after_days,
            needs,
        }),
        (
            finding_kind(),
            option::of((0.0..120.0f64, 1.0..240.0f64)),
            needs(),
            option::of(clock())
        )
            .prop_map(|(kind, band, needs, except_late)| {
                let band = band.filter(|_| kind == FindingKind::UnattendedSite);
                Condition::Finding {
                    kind,
                    above_minutes: band.map(|(a, _)| a),
                    below_minutes: band.map(|(a, w)| a + w),
                    needs: needs.filter(|n| *n != kind),
                    except_late,
                }
            }),
        Just(Condition::Manual),
    ]
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        (0.0..300.0f64).prop_map(|pct| Amount::MonthlyFee { pct }),
        (0.0..5.0f64).prop_map(|pct| Amount::Price { pct }),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        condition(),
        amount(),
        any::<bool>(),
        option::of(0.0..10.0f64),
        option::of(select(vec![Counts::PerOccurrence, Counts::PerMonth])),
    )
        .prop_map(|(when, amount, memo, cap, counts)| Rule {
            id: String::new(),
            label: "rule".into(),
            source: None,
            when,
            amount,
            memo,
            cap_pct_of_price: cap,
            counts,
        })
}

fn contract() -> impl Strategy<Value = Contract> {
    (
        0i64..10_000_000_000,
        1u32..37,
        vec(rule(), 1..8),
        option::of(0.0..20.0f64),
        vec(select(SYSTEMS.to_vec()), 0..3),
    )
        .prop_map(|(price_fen, months, mut rules, cap, systems)| {
            for (i, r) in rules.iter_mut().enumerate() {
                r.id = format!("r{i}");
            }
            Contract {
                code: "c".into(),
                name: "contract".into(),
                vendor: "v".into(),
                members: Vec::new(),
                overdue_rectification_is_refusal: false,
                price_fen,
                months,
                systems: systems.into_iter().map(String::from).collect(),
                source: None,
                cap_pct_of_price: cap,
                claim_tolerance_min: None,
                scheme: None,
                satisfaction: None,
                reports: Vec::new(),
                rules,
            }
        })
}

fn late_entry() -> impl Strategy<Value = Late> {
    (clock(), 0u32..20, -DAY_MS..40 * DAY_MS).prop_map(|(clock, t, overdue_wall_ms)| Late {
        clock,
        ticket: format!("INC-{t}"),
        overdue_wall_ms,
    })
}

fn finding() -> impl Strategy<Value = Finding> {
    (
        0u32..100,
        finding_kind(),
        option::of(0u32..20),
        option::of(0.0..300.0f64),
        any::<bool>(),
    )
        .prop_map(|(id, kind, ticket, minutes, serious)| Finding {
            id: format!("F-{id}"),
            kind,
            ticket: ticket.map(|t| format!("INC-{t}")),
            summary: "finding".into(),
            minutes,
            serious,
        })
}

fn metrics() -> impl Strategy<Value = Metrics> {
    (
        vec(
            (
                clock(),
                0u64..50,
                0.0..200.0f64,
                option::of(select(Kind::ALL.to_vec())),
                any::<bool>(),
                any::<bool>(),
            ),
            0..4,
        ),
        vec(late_entry(), 0..12),
        vec((select(SYSTEMS.to_vec()), 95.0..=100.0f64), 0..5),
        vec((select(SYSTEMS.to_vec()), 0u32..20, 0.0..600.0f64), 0..8),
        vec(finding(), 0..6),
    )
        .prop_map(|(averages, late, availability, outages, findings)| Metrics {
            averages: averages
                .into_iter()
                .map(|(clock, count, mean_minutes, kind, scheduled, untargeted)| Average {
                    clock,
                    count,
                    mean_minutes,
                    kind,
                    scheduled,
                    untargeted,
                })
                .collect(),
            findings,
            late,
            availability: availability
                .into_iter()
                .map(|(s, pct)| Availability { system: s.into(), pct })
                .collect(),
            outages: outages
                .into_iter()
                .map(|(s, t, minutes)| Outage {
                    system: s.into(),
                    tickets: vec![format!("INC-{t}")],
                    minutes,
                })
                .collect(),
            ..Metrics::default()
        })
}

/// `pct` per cent of the price, computed here independently of the crate.
fn cap_fen(price_fen: i64, pct: f64) -> i64 {
    (price_fen as f64 * pct / 100.0).round() as i64
}

/// The outcomes' amounts, pending parts included.
fn outcome_sum(a: &Assessment) -> i64 {
    a.outcomes
        .iter()
        .map(|o| o.amount_fen + o.pending.as_ref().map_or(0, |p| p.amount_fen))
        .sum()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_contracts_are_valid(c in contract()) {
        prop_assert_eq!(c.validate(), Ok(()));
    }

    /// (1) The total never exceeds the contract's cap, nor an outcome its rule's cap.
    #[test]
    fn caps_hold(c in contract(), m in metrics()) {
        let a = assess(&c, &m);
        if let Some(pct) = c.cap_pct_of_price {
            prop_assert!(a.total_fen <= cap_fen(c.price_fen, pct), "{} > cap", a.total_fen);
        }
        for (rule, o) in c.rules.iter().zip(&a.outcomes) {
            prop_assert_eq!(&o.rule, &rule.id);
            if let Some(pct) = rule.cap_pct_of_price {
                prop_assert!(o.amount_fen <= cap_fen(c.price_fen, pct), "{:?}", o);
            }
            if o.capped {
                prop_assert!(rule.cap_pct_of_price.is_some());
            }
        }
        prop_assert_eq!(a.capped, c.cap_pct_of_price.is_some_and(|p| {
            let fired: i64 = a.outcomes.iter().filter(|o| o.status == Status::Fired).map(|o| o.amount_fen).sum();
            fired > cap_fen(c.price_fen, p)
        }));
    }

    /// (2) No amount is negative; rules that neither fired nor are exposures owe nothing.
    #[test]
    fn amounts_are_never_negative(c in contract(), m in metrics()) {
        let a = assess(&c, &m);
        prop_assert!(a.total_fen >= 0 && a.exposure_fen >= 0);
        for o in &a.outcomes {
            prop_assert!(o.amount_fen >= 0, "{:?}", o);
            if matches!(o.status, Status::NotFired | Status::NotMeasured) {
                prop_assert_eq!((o.amount_fen, o.occurrences), (0, 0));
                prop_assert!(o.evidence.is_empty());
            }
        }
    }

    /// (3) One more late clock never lowers a Late or Delay rule's amount or multiplier,
    /// counting what waits for a finding with what fired: a rule that `needs` a finding moves
    /// from an exposure (every late clock pending) to fired (the clock with a finding) plus the
    /// rest pending, and neither half alone need grow.
    #[test]
    fn more_lateness_never_costs_less(c in contract(), m in metrics(), extra in late_entry()) {
        let before = assess(&c, &m);
        let mut more = m.clone();
        more.late.push(extra);
        let after = assess(&c, &more);
        let whole = |o: &contract_terms::Outcome| {
            let (amount, occurrences) = o.pending.as_ref().map_or((0, 0), |p| (p.amount_fen, p.occurrences));
            (o.amount_fen + amount, o.occurrences + occurrences)
        };
        for ((rule, b), a) in c.rules.iter().zip(&before.outcomes).zip(&after.outcomes) {
            if matches!(rule.when, Condition::Late { .. } | Condition::Delay { .. }) {
                let ((a_fen, a_n), (b_fen, b_n)) = (whole(a), whole(b));
                prop_assert!(a_fen >= b_fen, "{:?} then {:?}", b, a);
                prop_assert!(a_n >= b_n, "{:?} then {:?}", b, a);
            }
        }
    }

    /// (4) A Delay rule's days are the sum of ⌈overdue / 24 h⌉ over its clock's late entries, and
    /// its amount is pct of the price per day.
    #[test]
    fn delay_days_are_ceiled_and_summed(
        clock in clock(),
        m in metrics(),
        pct in 0.0..1.0f64,
        price_fen in 0i64..10_000_000_000,
    ) {
        let c = Contract {
            code: "000".into(),
            name: "delay".into(),
            vendor: "v".into(),
            members: Vec::new(),
            overdue_rectification_is_refusal: false,
            price_fen,
            months: 12,
            systems: Vec::new(),
            source: None,
            cap_pct_of_price: None,
            claim_tolerance_min: None,
            scheme: None,
            satisfaction: None,
            reports: Vec::new(),
            rules: vec![Rule {
                id: "d".into(),
                label: "每延迟1日 0.1%".into(),
                source: None,
                when: Condition::Delay { clock, terminate_after_days: Some(30), needs: None },
                amount: Amount::Price { pct },
                memo: false,
                cap_pct_of_price: None,
                counts: None,
            }],
        };
        let days: u64 = m
            .late
            .iter()
            .filter(|l| l.clock == clock && l.overdue_wall_ms > 0)
            .map(|l| (l.overdue_wall_ms as f64 / DAY_MS as f64).ceil() as u64)
            .sum();
        let a = assess(&c, &m);
        let o = &a.outcomes[0];
        prop_assert_eq!(o.occurrences, days);
        prop_assert_eq!(o.status, if days > 0 { Status::Fired } else { Status::NotFired });
        let expected = (price_fen as f64 * pct * days as f64 / 100.0).round() as i64;
        prop_assert!((o.amount_fen - expected).abs() <= 1, "{} vs {}", o.amount_fen, expected);
        prop_assert_eq!(a.notes.iter().any(|n| n.contains("may terminate")), days > 30);
    }

    /// (5) Memo rules are never fired and never change the total.
    #[test]
    fn memo_rules_never_reach_the_total(c in contract(), m in metrics()) {
        let a = assess(&c, &m);
        for (rule, o) in c.rules.iter().zip(&a.outcomes) {
            if rule.memo {
                prop_assert_ne!(o.status, Status::Fired);
            }
        }
        let without = Contract { rules: c.rules.iter().filter(|r| !r.memo).cloned().collect(), ..c.clone() };
        prop_assert_eq!(assess(&without, &m).total_fen, a.total_fen);
    }

    /// (6) Without the contract's cap, total and exposure add up to the outcomes' amounts.
    #[test]
    fn total_and_exposure_add_up(c in contract(), m in metrics()) {
        let uncapped = Contract { cap_pct_of_price: None, ..c.clone() };
        let a = assess(&uncapped, &m);
        prop_assert!(!a.capped);
        prop_assert_eq!(a.total_fen + a.exposure_fen, outcome_sum(&a));
        let a = assess(&c, &m);
        if !a.capped {
            prop_assert_eq!(a.total_fen + a.exposure_fen, outcome_sum(&a));
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// (7) Every condition, rule and metrics survive a JSON round trip unchanged.
    #[test]
    fn serde_round_trips(c in contract(), m in metrics()) {
        for r in &c.rules {
            let json = serde_json::to_value(&r.when).expect("ser");
            prop_assert_eq!(&serde_json::from_value::<Condition>(json.clone()).expect("de"), &r.when, "{}", json);
        }
        let back: Contract = serde_json::from_value(serde_json::to_value(&c).expect("ser")).expect("de");
        prop_assert_eq!(back, c);
        let back: Metrics = serde_json::from_value(serde_json::to_value(&m).expect("ser")).expect("de");
        prop_assert_eq!(back, m);
    }
}
