//! What an `average_time` rule averages: every ticket with a measured time by default (seed 003
//! averages every need raised, L830–833, but clocks only the urgent response, L133–135), or the
//! tickets that ran a target only, with `targeted_only = true`.

use contract_terms::{Average, Contract, Metrics, Status, assess};
use serde_json::json;
use ticket_domain::{ClockName, Kind};

fn contract(targeted_only: bool) -> Contract {
    let c: Contract = serde_json::from_value(json!({
        "code": "003", "name": "averages", "vendor": "v-003",
        "price_fen": 327_800_000, "months": 12,
        "rules": [{
            "id": "a6-7", "label": "运维需求平均故障恢复时间大于 60 分钟且小于 120 分钟",
            "when": {"metric": "average_time", "clock": "repair", "above_minutes": 60,
                     "below_minutes": 120, "kinds": ["fault"], "targeted_only": targeted_only},
            "amount": {"of": "monthly_fee", "pct": 30}, "counts": "per_month"
        }]
    }))
    .expect("contract");
    c.validate().expect("valid");
    c
}

/// One urgent fault with a repair clock (40 min) and three general faults measured without one
/// (100 min each).
fn month() -> Metrics {
    let entry = |count, mean_minutes, untargeted| Average {
        clock: ClockName::Repair,
        count,
        mean_minutes,
        kind: Some(Kind::Fault),
        scheduled: false,
        untargeted,
    };
    Metrics {
        averages: vec![entry(1, 40.0, false), entry(3, 100.0, true)],
        ..Metrics::default()
    }
}

#[test]
fn every_measured_ticket_is_averaged_by_default() {
    // (40 + 3 × 100) / 4 = 85 min, inside "大于 60 分钟且小于 120 分钟": 30 % of 327,800,000 / 12.
    let a = assess(&contract(false), &month());
    let o = &a.outcomes[0];
    assert_eq!((o.status, o.amount_fen), (Status::Fired, 8_195_000));
    assert_eq!(
        o.evidence,
        ["mean 85 min over 4 clocks (fault; scheduled duties left out; tickets without a target measured too)"]
    );
}

#[test]
fn targeted_only_averages_the_clocked_tickets() {
    // The one clocked fault: 40 min, below the band.
    let a = assess(&contract(true), &month());
    let o = &a.outcomes[0];
    assert_eq!(o.status, Status::NotFired);
    assert_eq!(
        o.notes,
        [
            "mean 40 min over 1 clock (fault; scheduled duties left out; tickets with a target only): not strictly between 60 and 120 min"
        ]
    );
}

#[test]
fn targeted_only_round_trips_and_is_left_out_when_false() {
    let text = serde_json::to_string(&contract(true)).unwrap();
    assert!(text.contains("\"targeted_only\":true"), "{text}");
    let back: Contract = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    assert!(
        !serde_json::to_string(&contract(false))
            .unwrap()
            .contains("targeted_only")
    );
}
