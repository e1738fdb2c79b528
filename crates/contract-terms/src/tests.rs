use serde_json::json;
use ticket_domain::ClockName;

use super::*;

const HOUR_MS: i64 = 60 * 60 * 1000;

/// The 003 contract (中小企业公共服务平台 系统运维): 3,278,000.00 yuan over 12 months,
/// 附件5 (重大违约行为) and 附件6 (一般违约行为), per cent of the monthly fee.
fn c003() -> Contract {
    serde_json::from_value(json!({
        "code": "003", "name": "北京市中小企业公共服务平台 系统运维", "vendor": "v-003",
        "price_fen": 327_800_000, "months": 12, "source": "003 第十四条, 附件5/6",
        "rules": [
            {"id": "a5-4", "label": "平均响应时间大于 15 分钟且小于 30 分钟，造成重大事故", "source": "附件5 第4项",
             "when": {"metric": "average_time", "clock": "response",
                      "above_minutes": 15, "below_minutes": 30, "impact": "major"},
             "amount": {"of": "monthly_fee", "pct": 100}},
            {"id": "a6-5", "label": "运维需求平均响应时间大于 30 分钟且小于 60 分钟，出现问题但未造成重大影响",
             "source": "附件6 第5项",
             "when": {"metric": "average_time", "clock": "response",
                      "above_minutes": 30, "below_minutes": 60, "impact": "no_major"},
             "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "a6-2", "label": "因所提供的运维服务出现故障，造成某服务中断 2 小时以上", "source": "附件6 第2项",
             "when": {"metric": "outage_longer", "minutes": 120},
             "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "a6-3", "label": "因所提供的运维服务出现故障，造成某服务中断 3 次以上或累计 8 小时以上",
             "source": "附件6 第3项",
             "when": {"metric": "outage_total", "count_over": 3, "total_minutes_over": 480},
             "amount": {"of": "monthly_fee", "pct": 60}},
            {"id": "a6-1", "label": "所提供的服务可用性达不到 99.9%，出现问题但未造成重大损失的", "source": "附件6 第1项",
             "when": {"metric": "availability", "below_pct": 99.9, "impact": "no_major"},
             "amount": {"of": "monthly_fee", "pct": 50}},
            {"id": "a5-8", "label": "现场无人值守超过大于 1 小时且小于 2 小时，造成重大事故", "source": "附件5 第8项",
             "when": {"metric": "manual"},
             "amount": {"of": "monthly_fee", "pct": 100}}
        ]
    }))
    .expect("003 contract")
}

/// The 000 contract's delay clause, on a 10,000,000.00 yuan price.
fn c000() -> Contract {
    serde_json::from_value(json!({
        "code": "000", "name": "京办 运维", "vendor": "v-000",
        "price_fen": 1_000_000_000, "months": 12, "source": "000 第十条",
        "rules": [
            {"id": "10-2", "label": "每延迟1日，应向甲方支付本合同项下服务费总额的0.1%违约金", "source": "第十条 2",
             "when": {"metric": "delay", "clock": "repair", "terminate_after_days": 30},
             "amount": {"of": "price", "pct": 0.1}}
        ]
    }))
    .expect("000 contract")
}

/// The 004 contract's late-arrival clause, on an illustrative 5,000,000.00 yuan price (the
/// tender leaves the price blank).
fn c004() -> Contract {
    serde_json::from_value(json!({
        "code": "004", "name": "顺义统一运维", "vendor": "v-004",
        "price_fen": 500_000_000, "months": 12, "source": "004 八、违约与赔偿责任",
        "rules": [
            {"id": "8-4", "label": "不能及时到达现场进行维护的 … 本合同总价款百分之零点一（0.1%）", "source": "八、4",
             "when": {"metric": "late", "clock": "arrival", "serious_from": 2},
             "amount": {"of": "price", "pct": 0.1}, "memo": true}
        ]
    }))
    .expect("004 contract")
}

fn avg(mean: f64, count: u64) -> Metrics {
    Metrics {
        averages: vec![Average {
            clock: ClockName::Response,
            count,
            mean_minutes: mean,
            kind: None,
            scheduled: false,
            untargeted: false,
        }],
        ..Metrics::default()
    }
}

fn outage(system: &str, ticket: &str, minutes: f64) -> Outage {
    Outage {
        system: system.into(),
        tickets: vec![ticket.into()],
        minutes,
    }
}

fn late(clock: ClockName, ticket: &str, overdue_wall_ms: i64) -> Late {
    Late {
        clock,
        ticket: ticket.into(),
        overdue_wall_ms,
    }
}

fn outcome<'a>(a: &'a Assessment, id: &str) -> &'a Outcome {
    a.outcomes.iter().find(|o| o.rule == id).expect("rule")
}

#[test]
fn seed_contracts_are_valid() {
    for c in [c003(), c000(), c004()] {
        assert_eq!(c.validate(), Ok(()), "{}", c.code);
    }
}

#[test]
fn average_response_15_to_30_with_major_accident_is_an_exposure() {
    let a = assess(&c003(), &avg(22.5, 8));
    let o = outcome(&a, "a5-4");
    assert_eq!(o.status, Status::Exposure);
    assert_eq!(o.occurrences, 1);
    assert_eq!(o.evidence, ["mean 22.5 min over 8 clocks"]);
    // 100 % of 3,278,000.00 / 12 = 273,166.666…, rounded once.
    assert_eq!(o.amount_fen, 27_316_667);
    assert_eq!(format_yuan(o.amount_fen), "¥273,166.67");
    assert!(
        o.notes
            .iter()
            .any(|n| n == "需认定：造成重大影响（重大事故/重大损失） (major_impact)"),
        "{:?}",
        o.notes
    );
    assert_eq!(o.needs, Some(FindingKind::MajorImpact));
    assert_eq!(outcome(&a, "a6-5").status, Status::NotFired);
    assert_eq!(a.total_fen, 0);
    assert_eq!(a.exposure_fen, 27_316_667);
    assert_eq!(a.outcomes.len(), 6);
}

#[test]
fn average_response_30_to_60_without_major_impact_is_an_exposure() {
    let a = assess(&c003(), &avg(45.0, 3));
    let o = outcome(&a, "a6-5");
    assert_eq!(o.status, Status::Exposure);
    assert_eq!(o.amount_fen, 8_195_000);
    assert!(o.notes.iter().any(|n| n.contains("未造成重大影响")), "{:?}", o.notes);
    assert_eq!(outcome(&a, "a5-4").status, Status::NotFired);
}

#[test]
fn average_bands_are_strict_at_their_bounds() {
    for mean in [15.0, 30.0, 60.0] {
        let a = assess(&c003(), &avg(mean, 10));
        for id in ["a5-4", "a6-5"] {
            assert_eq!(outcome(&a, id).status, Status::NotFired, "mean {mean}, rule {id}");
        }
    }
    let a = assess(&c003(), &avg(30.0, 10));
    assert_eq!(
        outcome(&a, "a5-4").notes,
        ["mean 30 min over 10 clocks: not strictly between 15 and 30 min"]
    );
    assert_eq!(
        outcome(&assess(&c003(), &avg(30.01, 10)), "a6-5").status,
        Status::Exposure
    );
}

#[test]
fn no_stopped_clocks_means_not_fired() {
    for m in [Metrics::default(), avg(22.5, 0)] {
        let a = assess(&c003(), &m);
        assert_eq!(outcome(&a, "a5-4").status, Status::NotFired);
        assert_eq!(outcome(&a, "a5-4").amount_fen, 0);
    }
}

#[test]
fn averages_listed_twice_are_pooled_by_count() {
    let mut m = avg(10.0, 1);
    m.averages.push(Average {
        clock: ClockName::Response,
        count: 3,
        mean_minutes: 50.0,
        kind: None,
        scheduled: false,
        untargeted: false,
    });
    m.averages.push(Average {
        clock: ClockName::Repair,
        count: 100,
        mean_minutes: 500.0,
        kind: None,
        scheduled: false,
        untargeted: false,
    });
    let a = assess(&c003(), &m);
    assert_eq!(outcome(&a, "a6-5").evidence, ["mean 40 min over 4 clocks"]);
}

#[test]
fn an_outage_over_two_hours_fires_once() {
    let m = Metrics {
        outages: vec![
            outage("sy-003", "INC-1", 150.0),
            outage("sy-004", "INC-2", 121.0),
            outage("sy-003", "INC-3", 120.0),
        ],
        ..Metrics::default()
    };
    let a = assess(&c003(), &m);
    let o = outcome(&a, "a6-2");
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.occurrences, 1);
    assert_eq!(o.evidence, ["INC-1", "INC-2"]);
    assert_eq!(o.amount_fen, 8_195_000);
    assert_eq!(a.total_fen, 8_195_000);
    // Exactly 2 hours is not "longer than".
    let m = Metrics {
        outages: vec![outage("sy-003", "INC-3", 120.0)],
        ..Metrics::default()
    };
    assert_eq!(outcome(&assess(&c003(), &m), "a6-2").status, Status::NotFired);
}

#[test]
fn outages_of_one_system_by_count_or_total() {
    let rule = |outages: Vec<Outage>| {
        let a = assess(
            &c003(),
            &Metrics {
                outages,
                ..Metrics::default()
            },
        );
        outcome(&a, "a6-3").clone()
    };
    // Four outages of one system: more than 3.
    let o = rule((1..=4).map(|i| outage("sy-a", &format!("INC-{i}"), 30.0)).collect());
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.evidence, ["sy-a"]);
    assert_eq!(o.amount_fen, 16_390_000);
    assert_eq!(
        o.notes,
        [
            "sy-a: 4 outages, 120 min in all",
            "bounds: more than (超过) 3 outages or more than (超过) 480 min in all"
        ]
    );
    // Three outages, 300 min: neither bound passed.
    assert_eq!(
        rule((1..=3).map(|i| outage("sy-a", &format!("INC-{i}"), 100.0)).collect()).status,
        Status::NotFired
    );
    // Two outages, 500 min in all: more than 8 hours.
    let o = rule(vec![outage("sy-b", "INC-1", 250.0), outage("sy-b", "INC-2", 250.0)]);
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.evidence, ["sy-b"]);
    // Four outages spread over systems: no single system over.
    let o = rule(vec![
        outage("sy-a", "INC-1", 30.0),
        outage("sy-b", "INC-2", 30.0),
        outage("sy-a", "INC-3", 30.0),
        outage("sy-c", "INC-4", 30.0),
    ]);
    assert_eq!(o.status, Status::NotFired);
}

#[test]
fn availability_below_target_names_the_systems() {
    let m = Metrics {
        availability: vec![
            Availability {
                system: "sy-a".into(),
                pct: 99.5,
            },
            Availability {
                system: "sy-b".into(),
                pct: 99.9,
            },
        ],
        ..Metrics::default()
    };
    let a = assess(&c003(), &m);
    let o = outcome(&a, "a6-1");
    assert_eq!(o.status, Status::Exposure);
    assert_eq!(o.evidence, ["sy-a"]);
    assert_eq!(o.amount_fen, 13_658_333);
}

#[test]
fn manual_rules_are_not_measured() {
    let a = assess(&c003(), &avg(22.5, 8));
    let o = outcome(&a, "a5-8");
    assert_eq!(o.status, Status::NotMeasured);
    assert_eq!((o.amount_fen, o.occurrences), (0, 0));
    assert!(a.notes.iter().any(|n| n.contains("a5-8")), "{:?}", a.notes);
}

#[test]
fn delay_counts_part_days_as_whole_days() {
    let days = |overdue: &[i64]| {
        let m = Metrics {
            late: overdue
                .iter()
                .enumerate()
                .map(|(i, &ms)| late(ClockName::Repair, &format!("INC-{i}"), ms))
                .collect(),
            ..Metrics::default()
        };
        outcome(&assess(&c000(), &m), "10-2").clone()
    };
    // 25 hours → 2 days → 0.1 % × 2 of 10,000,000.00 yuan.
    let o = days(&[25 * HOUR_MS]);
    assert_eq!(o.status, Status::Fired);
    assert_eq!(o.occurrences, 2);
    assert_eq!(o.amount_fen, 2_000_000);
    assert_eq!(format_yuan(o.amount_fen), "¥20,000.00");
    assert_eq!(o.evidence, ["INC-0"]);
    assert_eq!(days(&[24 * HOUR_MS]).occurrences, 1);
    assert_eq!(days(&[24 * HOUR_MS + 1]).occurrences, 2);
    assert_eq!(days(&[1]).occurrences, 1);
    assert_eq!(days(&[HOUR_MS, 49 * HOUR_MS]).occurrences, 4);
    assert_eq!(days(&[0, -5]).status, Status::NotFired);
    // Other clocks do not count.
    let m = Metrics {
        late: vec![late(ClockName::Arrival, "INC-9", 5 * 24 * HOUR_MS)],
        ..Metrics::default()
    };
    assert_eq!(outcome(&assess(&c000(), &m), "10-2").status, Status::NotFired);
}

#[test]
fn delay_over_thirty_days_lets_the_buyer_terminate() {
    let m = |days: i64| Metrics {
        late: vec![
            late(ClockName::Repair, "INC-1", 10 * 24 * HOUR_MS),
            late(ClockName::Repair, "INC-2", (days - 10) * 24 * HOUR_MS),
        ],
        ..Metrics::default()
    };
    let a = assess(&c000(), &m(31));
    let o = outcome(&a, "10-2");
    assert_eq!(o.occurrences, 31);
    assert_eq!(o.amount_fen, 31_000_000);
    assert!(
        o.notes.iter().any(|n| n.contains("累计延迟超过 30 日")),
        "{:?}",
        o.notes
    );
    assert!(a.notes.iter().any(|n| n.contains("may terminate")), "{:?}", a.notes);
    let a = assess(&c000(), &m(30));
    assert!(!outcome(&a, "10-2").notes.iter().any(|n| n.contains("terminate")));
    assert!(!a.notes.iter().any(|n| n.contains("terminate")));
}

#[test]
fn late_arrivals_under_a_memo_are_an_exposure_and_serious_from_two() {
    let m = Metrics {
        late: vec![
            late(ClockName::Arrival, "INC-1", HOUR_MS),
            late(ClockName::Arrival, "INC-2", 2 * HOUR_MS),
            late(ClockName::Response, "INC-3", HOUR_MS),
        ],
        ..Metrics::default()
    };
    let a = assess(&c004(), &m);
    let o = outcome(&a, "8-4");
    assert_eq!(o.status, Status::Exposure);
    assert_eq!(o.occurrences, 2);
    assert_eq!(o.evidence, ["INC-1", "INC-2"]);
    // 0.1 % × 2 of 5,000,000.00 yuan.
    assert_eq!(o.amount_fen, 1_000_000);
    assert!(
        o.notes.contains(
            &"2 late arrivals: from 2 the contract calls it serious (情节严重); the buyer may terminate".to_owned()
        ),
        "{:?}",
        o.notes
    );
    assert!(o.notes.iter().any(|n| n.contains("管理备忘录")));
    assert_eq!((a.total_fen, a.exposure_fen), (0, 1_000_000));

    let one = Metrics {
        late: m.late[..1].to_vec(),
        ..Metrics::default()
    };
    let o = outcome(&assess(&c004(), &one), "8-4").clone();
    assert_eq!(o.occurrences, 1);
    assert!(!o.notes.iter().any(|n| n.contains("情节严重")));
}

#[test]
fn late_fires_from_its_count_and_multiplies_by_all_occurrences() {
    let mut c = c004();
    c.rules[0].memo = false;
    c.rules[0].when = Condition::Late {
        clock: ClockName::Arrival,
        from_count: 3,
        serious_from: None,
        serious_clocks: Vec::new(),
        serious_needs: None,
        needs: None,
    };
    let m = |n: usize| Metrics {
        late: (0..n)
            .map(|i| late(ClockName::Arrival, &format!("INC-{i}"), HOUR_MS))
            .collect(),
        ..Metrics::default()
    };
    assert_eq!(assess(&c, &m(2)).outcomes[0].status, Status::NotFired);
    let a = assess(&c, &m(3));
    assert_eq!(a.outcomes[0].status, Status::Fired);
    assert_eq!(a.total_fen, 1_500_000);
}

#[test]
fn caps_limit_a_rule_and_the_total() {
    let mut c = c003();
    c.rules[2].cap_pct_of_price = Some(1.0); // 30 % of a month is 2.5 % of the price
    c.cap_pct_of_price = Some(3.0);
    let m = Metrics {
        outages: (1..=4).map(|i| outage("sy-a", &format!("INC-{i}"), 150.0)).collect(),
        ..Metrics::default()
    };
    let a = assess(&c, &m);
    let o = outcome(&a, "a6-2");
    assert!(o.capped);
    assert_eq!(o.amount_fen, 3_278_000);
    // 1 % + 5 % of the price fired; the contract caps it at 3 %.
    assert_eq!(outcome(&a, "a6-3").amount_fen, 16_390_000);
    assert!(a.capped);
    assert_eq!(a.total_fen, 9_834_000);
    assert!(a.notes[0].contains("capped at ¥98,340.00"), "{:?}", a.notes);
}

#[test]
fn systems_limit_availability_and_outages() {
    let mut c = c003();
    c.systems = vec!["sy-a".into()];
    let m = Metrics {
        outages: vec![outage("sy-b", "INC-1", 600.0)],
        availability: vec![Availability {
            system: "sy-b".into(),
            pct: 50.0,
        }],
        ..Metrics::default()
    };
    let a = assess(&c, &m);
    for id in ["a6-1", "a6-2", "a6-3"] {
        assert_eq!(outcome(&a, id).status, Status::NotFired, "{id}");
    }
}

fn missed(system: &str, period: &str, seq: u32, times: u32) -> MissedInspection {
    MissedInspection {
        system: system.into(),
        period: period.into(),
        seq,
        times,
    }
}

/// A rule on missed inspections (巡检), on the 004 test price (no seed prices one: this is the
/// vocabulary, not a contract's clause).
fn on_missed(when: serde_json::Value, amount: serde_json::Value) -> Contract {
    serde_json::from_value(json!({
        "code": "mi", "name": "巡检", "vendor": "v", "price_fen": 500_000_000, "months": 12,
        "rules": [{"id": "missed", "label": "漏检", "when": when, "amount": amount}]
    }))
    .expect("missed-inspection contract")
}

#[test]
fn missed_inspections_count_per_occurrence_from_their_count() {
    let c = on_missed(
        json!({"metric": "missed_inspection", "from_count": 2}),
        json!({"of": "price", "pct": 0.1}),
    );
    assert_eq!(c.validate(), Ok(()));
    assert_eq!(c.rules[0].counts(), Counts::PerOccurrence);
    // One is below the count: nothing owed, and the note says why.
    let one = Metrics {
        missed_inspections: vec![missed("sy-054", "2026-11", 1, 2)],
        ..Metrics::default()
    };
    let o = assess(&c, &one).outcomes[0].clone();
    assert_eq!((o.status, o.amount_fen), (Status::NotFired, 0));
    assert_eq!(o.notes, ["1 missed inspection; the rule fires from 2"]);
    assert_eq!(o.notes_zh, ["1 次漏检；本条满 2 次起扣款"]);
    // Three: each is one occurrence, 3 × 0.1 % of ¥5,000,000.00.
    let three = Metrics {
        missed_inspections: vec![
            missed("sy-054", "2026-11", 1, 2),
            missed("sy-054", "2026-11", 2, 2),
            missed("sy-001", "2026-W48", 1, 1),
        ],
        ..Metrics::default()
    };
    let a = assess(&c, &three);
    let o = &a.outcomes[0];
    assert_eq!((o.status, o.occurrences, o.amount_fen), (Status::Fired, 3, 1_500_000));
    assert_eq!(
        o.evidence,
        ["sy-054 2026-11 1/2", "sy-054 2026-11 2/2", "sy-001 2026-W48 1/1"]
    );
    assert_eq!(o.notes_zh, ["3 次漏检"]);
    assert_eq!(a.total_fen, 1_500_000);
    // Once per month: charged once however many.
    let mut monthly = c.clone();
    monthly.rules[0].counts = Some(Counts::PerMonth);
    assert_eq!(assess(&monthly, &three).outcomes[0].amount_fen, 500_000);
    // A contract of some systems counts only theirs: one left, below the count.
    let mut scoped = c.clone();
    scoped.systems = vec!["sy-001".into()];
    assert_eq!(assess(&scoped, &three).outcomes[0].status, Status::NotFired);
    // None missed: not fired.
    assert_eq!(
        assess(&c, &Metrics::default()).outcomes[0].notes,
        ["0 missed inspections; the rule fires from 2"]
    );
    // A zero count is refused, naming the field.
    let zero = on_missed(
        json!({"metric": "missed_inspection", "from_count": 0}),
        json!({"of": "price", "pct": 0.1}),
    );
    assert_eq!(zero.problems(), ["rules[0].when.from_count: must be at least 1"]);
}

#[test]
fn a_missed_inspection_is_charged_on_its_system_s_fee_and_may_need_a_finding() {
    // On the fees: each on its own system's.
    let c = on_missed(json!({"metric": "missed_inspection"}), json!({"of": "fee", "pct": 1}));
    let m = Metrics {
        missed_inspections: vec![missed("sy-1", "2026-11", 1, 1), missed("sy-2", "2026-11", 1, 1)],
        fees: vec![
            SystemFee {
                system: "sy-1".into(),
                fee_fen: Some(12_000_000),
            },
            SystemFee {
                system: "sy-2".into(),
                fee_fen: Some(48_000_000),
            },
        ],
        ..Metrics::default()
    };
    assert_eq!(assess(&c, &m).outcomes[0].amount_fen, 600_000);
    // With `needs`: an exposure until the buyer finds it, then fired.
    let c = on_missed(
        json!({"metric": "missed_inspection", "needs": "business_impact"}),
        json!({"of": "price", "pct": 0.5}),
    );
    let o = assess(&c, &m).outcomes[0].clone();
    assert_eq!((o.status, o.amount_fen), (Status::Exposure, 5_000_000));
    assert_eq!(o.needs, Some(FindingKind::BusinessImpact));
    let found = Metrics {
        findings: vec![Finding {
            id: "F-1".into(),
            kind: FindingKind::BusinessImpact,
            ticket: None,
            summary: "影响正常业务运行".into(),
            minutes: None,
            serious: false,
        }],
        ..m
    };
    let o = assess(&c, &found).outcomes[0].clone();
    assert_eq!((o.status, o.amount_fen), (Status::Fired, 5_000_000));
    assert_eq!(o.findings, ["F-1"]);
}

#[test]
fn alternative_findings_are_noted() {
    let mut c = c003();
    c.rules[0].when = Condition::AverageTime {
        clock: ClockName::Response,
        above_minutes: 30.0,
        below_minutes: Some(60.0),
        kinds: Vec::new(),
        include_scheduled: false,
        targeted_only: false,
        impact: Impact::Major,
        needs: None,
    };
    let a = assess(&c, &avg(45.0, 3));
    assert_eq!(a.exposure_fen, 27_316_667 + 8_195_000);
    assert!(a.notes.iter().any(|n| n.contains("alternatives")), "{:?}", a.notes);
}

#[test]
fn problems_name_their_fields() {
    let c: Contract = serde_json::from_value(json!({
        "code": " ", "name": "x", "vendor": "v", "price_fen": -1, "months": 0, "cap_pct_of_price": -1,
        "rules": [
            {"id": "r", "label": "", "when": {"metric": "average_time", "clock": "response",
              "above_minutes": 30, "below_minutes": 30}, "amount": {"of": "price", "pct": -0.1}},
            {"id": "r", "label": "", "when": {"metric": "outage_total"},
             "amount": {"of": "price", "pct": 1}},
            {"id": "", "label": "", "when": {"metric": "late", "clock": "arrival", "from_count": 0},
             "amount": {"of": "price", "pct": 1}},
            {"id": "q", "label": "", "when": {"metric": "availability", "below_pct": 101},
             "amount": {"of": "monthly_fee", "pct": 1}},
            {"id": "s", "label": "", "when": {"metric": "outage_longer", "minutes": -1},
             "amount": {"of": "monthly_fee", "pct": 1}}
        ]
    }))
    .expect("parses");
    let mut c = c;
    c.rules[1].cap_pct_of_price = Some(f64::INFINITY);
    let p = c.problems();
    for want in [
        "code: must not be empty",
        "months: must be at least 1",
        "price_fen: -1 is negative",
        "cap_pct_of_price: -1 is not a finite, non-negative number",
        "rules[0].amount.pct: -0.1 is not a finite, non-negative number",
        "rules[0].when.below_minutes: 30 must be greater than above_minutes (30)",
        "rules[1].id: \"r\" is also the id of rules[0]",
        "rules[1].cap_pct_of_price: inf is not a finite, non-negative number",
        "rules[1].when: give count_over, total_minutes_over, count_at_least or total_minutes_at_least",
        "rules[2].id: must not be empty",
        "rules[2].when.from_count: must be at least 1",
        "rules[3].when.below_pct: 101 is not between 0 and 100",
        "rules[4].when.over_minutes: -1 is not a finite, non-negative number",
    ] {
        assert!(p.iter().any(|s| s == want), "missing {want:?} in {p:#?}");
    }
    assert_eq!(p.len(), 13, "{p:#?}");
    let err = c.validate().expect_err("invalid").to_string();
    assert!(err.starts_with("code: must not be empty; "), "{err}");
    let empty = Contract {
        rules: Vec::new(),
        ..c000()
    };
    assert_eq!(empty.problems(), ["rules: give at least one rule"]);
    // A scheme is named or left out; which codes exist is the server's to say.
    let blank = Contract {
        scheme: Some(" ".into()),
        ..c000()
    };
    assert_eq!(
        blank.problems(),
        ["scheme: must not be empty (leave it out for a contract without a scheme)"]
    );
    let named = Contract {
        scheme: Some("003-sme-platform".into()),
        ..c000()
    };
    assert!(named.problems().is_empty());
}

#[test]
fn serde_forms() {
    let c = c003();
    let back: Contract = serde_json::from_value(serde_json::to_value(&c).expect("ser")).expect("de");
    assert_eq!(back, c);
    // Late defaults from_count to 1.
    assert_eq!(
        c004().rules[0].when,
        Condition::Late {
            clock: ClockName::Arrival,
            from_count: 1,
            serious_from: Some(2),
            serious_clocks: Vec::new(),
            serious_needs: None,
            needs: None,
        }
    );
    // So does missed_inspection.
    assert_eq!(
        serde_json::from_value::<Condition>(json!({"metric": "missed_inspection"})).expect("de"),
        Condition::MissedInspection {
            from_count: 1,
            needs: None
        }
    );
    // Unknown fields are refused, in conditions too.
    let bad = json!({"metric": "outage_longer", "minutes": 120, "minutess": 1});
    assert!(serde_json::from_value::<Condition>(bad).is_err());
    let bad = json!({"averages": [], "lates": []});
    assert!(serde_json::from_value::<Metrics>(bad).is_err());
    assert_eq!(
        serde_json::to_value(Status::NotMeasured).expect("ser"),
        json!("not_measured")
    );
    assert_eq!(serde_json::to_value(Impact::NoMajor).expect("ser"), json!("no_major"));
    let m: Metrics = serde_json::from_value(json!({})).expect("empty metrics");
    assert_eq!(m, Metrics::default());
}

#[test]
fn yuan_formatting() {
    assert_eq!(format_yuan(0), "¥0.00");
    assert_eq!(format_yuan(99), "¥0.99");
    assert_eq!(format_yuan(100_000), "¥1,000.00");
    assert_eq!(format_yuan(99_999), "¥999.99");
    assert_eq!(format_yuan(327_800_000), "¥3,278,000.00");
    assert_eq!(format_yuan(-123_456_789), "-¥1,234,567.89");
    assert_eq!(format_yuan(i64::MIN), "-¥92,233,720,368,547,758.08");
    assert_eq!(format_yuan(i64::MAX), "¥92,233,720,368,547,758.07");
}

#[test]
fn rounding_is_half_away_from_zero_once() {
    // 1 fen × 50 % = 0.5 fen → 1 fen.
    let c = Contract {
        price_fen: 1,
        months: 1,
        ..c000()
    };
    assert_eq!(c.amount_fen(Amount::Price { pct: 50.0 }, 1), 1);
    assert_eq!(c.amount_fen(Amount::Price { pct: 49.0 }, 1), 0);
    // 3 fen / 12 months × 100 % × 2 = 0.5 fen → 1 fen, not 2 × round(0.25) = 0.
    let c = Contract {
        price_fen: 3,
        months: 12,
        ..c000()
    };
    assert_eq!(c.amount_fen(Amount::MonthlyFee { pct: 100.0 }, 2), 1);
    // An invalid contract never gives a negative amount or panics.
    let c = Contract {
        price_fen: -100,
        months: 0,
        ..c000()
    };
    assert_eq!(c.amount_fen(Amount::MonthlyFee { pct: 100.0 }, 1), 0);
    assert_eq!(c.amount_fen(Amount::Price { pct: f64::NAN }, 1), 0);
}

/// The codes a note may name in Latin letters: the contract's rule ids and the metrics' ticket
/// numbers, system codes and finding ids.
fn codes(c: &Contract, m: &Metrics) -> Vec<String> {
    let mut out: Vec<String> = c.rules.iter().map(|r| r.id.clone()).collect();
    out.extend(m.late.iter().map(|l| l.ticket.clone()));
    for o in &m.outages {
        out.push(o.system.clone());
        out.extend(o.tickets.iter().cloned());
    }
    out.extend(m.availability.iter().map(|a| a.system.clone()));
    out.extend(m.fees.iter().map(|f| f.system.clone()));
    for i in &m.missed_inspections {
        out.push(i.system.clone());
        out.push(i.period.clone());
    }
    for f in &m.findings {
        out.push(f.id.clone());
        out.extend(f.ticket.iter().cloned());
    }
    for (t, s) in &m.ticket_systems {
        out.push(t.clone());
        out.push(s.clone());
    }
    // Longest first, so that `INC-10` goes before `INC-1`.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `zh` has no Latin letter but in `codes`.
fn only_codes_latin(zh: &str, codes: &[String]) -> bool {
    let mut bare = zh.to_owned();
    for code in codes {
        bare = bare.replace(code.as_str(), "");
    }
    !bare.chars().any(|c| c.is_ascii_alphabetic())
}

/// Every note of `a` has a Chinese counterpart at the same place, written in Chinese: no Latin
/// letter but in `codes`; and so has every piece of evidence (which may be a bare code).
fn assert_notes_in_chinese(a: &Assessment, codes: &[String], seen: &mut usize) {
    let lists = std::iter::once((&a.notes_zh, &a.notes, "the assessment"))
        .chain(a.outcomes.iter().map(|o| (&o.notes_zh, &o.notes, o.rule.as_str())));
    for (zh, en, whose) in lists {
        assert_eq!(zh.len(), en.len(), "{whose}: {zh:?} against {en:?}");
        for (zh, en) in zh.iter().zip(en) {
            assert!(
                only_codes_latin(zh, codes),
                "{whose}: {zh:?} (for {en:?}) has Latin letters besides codes"
            );
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{whose}: {zh:?} is not Chinese"
            );
            *seen += 1;
        }
    }
    for o in &a.outcomes {
        let pending = o.pending.iter().map(|p| (&p.evidence_zh, &p.evidence));
        for (zh, en) in std::iter::once((&o.evidence_zh, &o.evidence)).chain(pending) {
            assert_eq!(zh.len(), en.len(), "{}: {zh:?} against {en:?}", o.rule);
            for e in zh {
                assert!(only_codes_latin(e, codes), "{}: evidence {e:?}", o.rule);
            }
        }
    }
}

#[test]
fn every_note_has_a_chinese_counterpart_in_the_contracts_words() {
    // Fired, exposed, capped, not measured and failing rules of the three contracts.
    let busy = Metrics {
        outages: (1..=4).map(|i| outage("sy-003", &format!("INC-{i}"), 150.0)).collect(),
        availability: vec![Availability {
            system: "sy-003".into(),
            pct: 99.5,
        }],
        ..avg(22.5, 8)
    };
    let mut capped = c003();
    capped.rules[2].cap_pct_of_price = Some(1.0);
    capped.cap_pct_of_price = Some(3.0);
    let delays = Metrics {
        late: vec![
            late(ClockName::Repair, "INC-1", 10 * 24 * HOUR_MS),
            late(ClockName::Repair, "INC-2", 21 * 24 * HOUR_MS),
        ],
        ..Metrics::default()
    };
    let arrivals = Metrics {
        late: vec![
            late(ClockName::Arrival, "INC-1", HOUR_MS),
            late(ClockName::Arrival, "INC-2", 2 * HOUR_MS),
            late(ClockName::Response, "INC-3", HOUR_MS),
        ],
        ..Metrics::default()
    };
    let mut from_three = c004();
    from_three.rules[0].memo = false;
    from_three.rules[0].when = Condition::Late {
        clock: ClockName::Arrival,
        from_count: 3,
        serious_from: Some(2),
        serious_clocks: vec![ClockName::Arrival, ClockName::Response],
        serious_needs: Some(FindingKind::BusinessImpact),
        needs: None,
    };
    let mut alternatives = c003();
    alternatives.rules[0].when = Condition::AverageTime {
        clock: ClockName::Response,
        above_minutes: 30.0,
        below_minutes: Some(60.0),
        kinds: vec![ticket_domain::Kind::Fault],
        include_scheduled: false,
        targeted_only: true,
        impact: Impact::Major,
        needs: None,
    };
    // Findings: out of the band, without minutes, serious, charged by the late-repair rule, and
    // two that contradict each other; fees, one missing.
    let found: Contract = serde_json::from_value(json!({
        "code": "f-1", "name": "认定", "vendor": "v-1", "price_fen": 100_000_000, "months": 12,
        "rules": [
            {"id": "unattended", "label": "现场无人值守", "when": {"metric": "finding",
             "kind": "unattended_site", "above_minutes": 60, "below_minutes": 120},
             "amount": {"of": "price", "pct": 0.1}},
            {"id": "8-4-capability", "label": "因工作服务能力不足", "when": {"metric": "finding",
             "kind": "insufficient_capability", "except_late": "repair"},
             "amount": {"of": "price", "pct": 0.1}},
            {"id": "late-repair", "label": "修复超时", "when": {"metric": "late", "clock": "repair",
             "needs": "insufficient_capability"}, "amount": {"of": "fee", "pct": 1},
             "cap_pct_of_price": 0.5},
            {"id": "avail", "label": "可用性", "when": {"metric": "availability", "below_pct": 99.9,
             "impact": "no_major"}, "amount": {"of": "monthly_fee", "pct": 50}},
            {"id": "avail-fee", "label": "可用性（服务费）", "when": {"metric": "availability", "below_pct": 99.9},
             "amount": {"of": "fee", "pct": 1}},
            {"id": "longest", "label": "中断 2 小时以上", "when": {"metric": "outage_longer",
             "at_least_minutes": 120}, "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "total", "label": "中断 3 次以上或累计 8 小时以上", "when": {"metric": "outage_total",
             "count_at_least": 3, "total_minutes_at_least": 480}, "amount": {"of": "monthly_fee", "pct": 60}},
            {"id": "delay", "label": "每延迟1日", "when": {"metric": "delay", "clock": "response",
             "terminate_after_days": 1, "needs": "business_impact"}, "amount": {"of": "price", "pct": 0.1}},
            {"id": "refused", "label": "拒不整改", "when": {"metric": "finding", "kind": "refused_rectification"},
             "amount": {"of": "price", "pct": 0.1}}
        ]
    }))
    .expect("contract with findings");
    let findings: Metrics = serde_json::from_value(json!({
        "late": [{"clock": "repair", "ticket": "INC-1", "overdue_wall_ms": HOUR_MS},
                 {"clock": "repair", "ticket": "INC-2", "overdue_wall_ms": HOUR_MS},
                 {"clock": "response", "ticket": "INC-3", "overdue_wall_ms": 50 * HOUR_MS}],
        "availability": [{"system": "sy-1", "pct": 98.0}, {"system": "sy-3", "pct": 97.0}],
        "outages": [{"system": "sy-1", "tickets": ["INC-5"], "minutes": 130}],
        "findings": [
            {"id": "F-1", "kind": "unattended_site", "summary": "30 分钟", "minutes": 30},
            {"id": "F-2", "kind": "unattended_site", "summary": "未记时长"},
            {"id": "F-3", "kind": "unattended_site", "ticket": "INC-9", "summary": "90 分钟",
             "minutes": 90, "serious": true},
            {"id": "F-4", "kind": "insufficient_capability", "ticket": "INC-1", "summary": "能力不足"},
            {"id": "F-5", "kind": "major_impact", "summary": "重大影响"},
            {"id": "F-6", "kind": "no_major_impact", "summary": "未造成重大影响"}
        ],
        "fees": [{"system": "sy-1", "fee_fen": 12_000_000}, {"system": "sy-2", "fee_fen": 6_000_000},
                 {"system": "sy-3"}],
        "ticket_systems": {"INC-1": "sy-1", "INC-2": "sy-2"}
    }))
    .expect("metrics with findings");
    let cases: Vec<(Contract, Metrics)> = vec![
        (c003(), busy.clone()),
        (capped, busy.clone()),
        (c003(), avg(30.0, 10)),
        (c003(), Metrics::default()),
        (c000(), delays.clone()),
        (c000(), Metrics::default()),
        (c004(), arrivals.clone()),
        (from_three.clone(), arrivals.clone()),
        (alternatives, avg(45.0, 3)),
        (found.clone(), findings.clone()),
        (found.clone(), Metrics::default()),
        (
            on_missed(
                json!({"metric": "missed_inspection", "from_count": 2, "needs": "business_impact"}),
                json!({"of": "price", "pct": 0.1}),
            ),
            Metrics {
                missed_inspections: vec![missed("sy-1", "2026-W48", 1, 1), missed("sy-1", "2026-11", 1, 1)],
                ..Metrics::default()
            },
        ),
        (
            on_missed(
                json!({"metric": "missed_inspection"}),
                json!({"of": "price", "pct": 0.1}),
            ),
            Metrics::default(),
        ),
    ];
    let mut seen = 0;
    for (c, m) in &cases {
        assert_notes_in_chinese(&assess(c, m), &codes(c, m), &mut seen);
    }
    // Several months: each note starts with its month.
    let quarter = [
        ("2026-10".to_owned(), findings.clone()),
        ("2026-11".to_owned(), Metrics::default()),
    ];
    let a = assess_months(&found, &quarter);
    assert_notes_in_chinese(&a, &codes(&found, &findings), &mut seen);
    assert!(
        a.notes_zh[0].starts_with("按月评定（2026-10、2026-11）"),
        "{:?}",
        a.notes_zh
    );
    assert!(seen > 60, "only {seen} notes");

    // The Chinese says what the English says, in the contracts' words.
    let a = assess(&c004(), &arrivals);
    let o = outcome(&a, "8-4");
    assert_eq!(
        o.notes_zh,
        [
            "2 次到场超时",
            "合同规定此项扣款按管理备忘录处理",
            "2 次到场超时：合同规定满 2 次即属情节严重，甲方有权终止合同"
        ]
    );
    let o = outcome(&assess(&c003(), &Metrics::default()), "a5-8").clone();
    assert_eq!(o.notes_zh, ["本系统不计量此项，需人工评定"]);
    let a = assess(&from_three, &arrivals);
    assert_eq!(
        a.outcomes[0].notes_zh,
        [
            "2 次到场超时；本条满 3 次起扣款",
            "超时 3 次（到场、响应），已达情节严重的次数（2 次），另需认定：影响甲方或用户单位正常业务运行"
        ]
    );
    let a = assess(&c003(), &avg(30.0, 10));
    assert_eq!(
        outcome(&a, "a5-4").notes_zh,
        ["10 个计时平均 30 分钟：不在“大于 15 分钟且小于 30 分钟”之内"]
    );
    assert_eq!(a.notes_zh, ["未计量，需人工评定：a5-8"]);
    let a = assess(&c003(), &busy);
    assert_eq!(outcome(&a, "a5-4").evidence_zh, ["8 个计时平均 22.5 分钟"]);
}
