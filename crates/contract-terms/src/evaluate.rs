//! Evaluating one [`Condition`] against the period's metrics within the contract's scope: whether
//! it holds, and if so the multiplier (occurrences or days), the evidence and the notes.

use std::collections::BTreeSet;

use ticket_domain::ClockName;

use crate::clauses::{Condition, Contract};
use crate::metrics::{Availability, Late, Metrics, Outage};
use crate::text::{num, plural};

/// Milliseconds in a day of delay.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn clock_noun(clock: ClockName) -> &'static str {
    match clock {
        ClockName::Response => "response",
        ClockName::Arrival => "arrival",
        ClockName::Repair => "repair",
    }
}

/// Pushes `s` unless it is already there.
fn push_unique(out: &mut Vec<String>, s: &str) {
    if !out.iter().any(|e| e == s) {
        out.push(s.to_owned());
    }
}

/// Days of delay of one breached clock: ⌈overdue / 24 h⌉, 0 if not overdue.
fn delay_days(overdue_wall_ms: i64) -> u64 {
    if overdue_wall_ms <= 0 {
        0
    } else {
        ((overdue_wall_ms - 1) / DAY_MS + 1).unsigned_abs()
    }
}

/// A condition that holds.
pub(crate) struct Hit {
    pub(crate) multiplier: u64,
    pub(crate) evidence: Vec<String>,
    pub(crate) notes: Vec<String>,
    /// The buyer may terminate the contract.
    pub(crate) terminate: bool,
}

/// What a condition gives: it holds, it fails (with the reasons), or opsclock does not measure it.
pub(crate) enum Eval {
    Holds(Hit),
    Fails(Vec<String>),
    NotMeasured,
}

/// The metrics within the contract's scope.
pub(crate) struct Scoped<'a> {
    metrics: &'a Metrics,
    availability: Vec<&'a Availability>,
    outages: Vec<&'a Outage>,
}

impl<'a> Scoped<'a> {
    pub(crate) fn new(contract: &Contract, metrics: &'a Metrics) -> Self {
        let systems: BTreeSet<&str> = contract.systems.iter().map(String::as_str).collect();
        let in_scope = |s: &str| systems.is_empty() || systems.contains(s);
        Scoped {
            metrics,
            availability: metrics.availability.iter().filter(|a| in_scope(&a.system)).collect(),
            outages: metrics.outages.iter().filter(|o| in_scope(&o.system)).collect(),
        }
    }

    fn late(&self, clock: ClockName) -> impl Iterator<Item = &'a Late> {
        self.metrics
            .late
            .iter()
            .filter(move |l| l.clock == clock && l.overdue_wall_ms > 0)
    }
}

pub(crate) fn evaluate(when: &Condition, m: &Scoped<'_>) -> Eval {
    match *when {
        Condition::AverageTime {
            clock,
            above_minutes,
            below_minutes,
            ..
        } => {
            let (count, sum) = m
                .metrics
                .averages
                .iter()
                .filter(|a| a.clock == clock && a.count > 0 && a.mean_minutes.is_finite())
                .fold((0u64, 0.0), |(c, s), a| {
                    (c.saturating_add(a.count), s + a.mean_minutes * a.count as f64)
                });
            if count == 0 {
                return Eval::Fails(vec![format!("no stopped {} clocks in the period", clock_noun(clock))]);
            }
            let mean = sum / count as f64;
            let evidence = format!("mean {} min over {}", num(mean, 2), plural(count, "clock", "clocks"));
            if mean > above_minutes && below_minutes.is_none_or(|b| mean < b) {
                Eval::Holds(Hit {
                    multiplier: 1,
                    evidence: vec![evidence],
                    notes: Vec::new(),
                    terminate: false,
                })
            } else {
                let band = match below_minutes {
                    Some(b) => format!("strictly between {} and {} min", num(above_minutes, 3), num(b, 3)),
                    None => format!("strictly above {} min", num(above_minutes, 3)),
                };
                Eval::Fails(vec![format!("{evidence}: not {band}")])
            }
        }
        Condition::Availability { below_pct, .. } => {
            let mut evidence = Vec::new();
            let mut values = Vec::new();
            for a in m.availability.iter().filter(|a| a.pct < below_pct) {
                if !evidence.contains(&a.system) {
                    evidence.push(a.system.clone());
                    values.push(format!("{} {}%", a.system, num(a.pct, 3)));
                }
            }
            if evidence.is_empty() {
                let why = if m.availability.is_empty() {
                    "no availability measured".to_owned()
                } else {
                    format!("every system at or above {}%", num(below_pct, 3))
                };
                return Eval::Fails(vec![why]);
            }
            Eval::Holds(Hit {
                multiplier: 1,
                evidence,
                notes: vec![format!("below {}%: {}", num(below_pct, 3), values.join(", "))],
                terminate: false,
            })
        }
        Condition::Late {
            clock,
            from_count,
            serious_from,
        } => {
            let mut n = 0u64;
            let mut evidence = Vec::new();
            for l in m.late(clock) {
                n += 1;
                push_unique(&mut evidence, &l.ticket);
            }
            let what = plural(
                n,
                &format!("late {}", clock_noun(clock)),
                &format!("late {}s", clock_noun(clock)),
            );
            if n == 0 || n < u64::from(from_count) {
                return Eval::Fails(vec![format!("{what}; the rule fires from {from_count}")]);
            }
            let serious = serious_from.filter(|&s| n >= u64::from(s));
            let note = match serious {
                Some(s) => {
                    format!("{what}: from {s} the contract calls it serious (情节严重); the buyer may terminate")
                }
                None => what,
            };
            Eval::Holds(Hit {
                multiplier: n,
                evidence,
                notes: vec![note],
                terminate: serious.is_some(),
            })
        }
        Condition::OutageLonger { minutes } => {
            let long: Vec<&Outage> = m.outages.iter().copied().filter(|o| o.minutes > minutes).collect();
            if long.is_empty() {
                return Eval::Fails(vec![format!("no outage longer than {} min", num(minutes, 3))]);
            }
            let mut evidence = Vec::new();
            for t in long.iter().flat_map(|o| &o.tickets) {
                push_unique(&mut evidence, t);
            }
            let list: Vec<String> = long
                .iter()
                .map(|o| format!("{} {} min", o.system, num(o.minutes, 2)))
                .collect();
            Eval::Holds(Hit {
                multiplier: 1,
                evidence,
                notes: vec![format!(
                    "{} longer than {} min (counted once): {}",
                    plural(long.len() as u64, "outage", "outages"),
                    num(minutes, 3),
                    list.join(", ")
                )],
                terminate: false,
            })
        }
        Condition::OutageTotal {
            count_over,
            total_minutes_over,
        } => {
            let mut systems: Vec<(&str, u64, f64)> = Vec::new();
            for o in &m.outages {
                match systems.iter_mut().find(|(s, _, _)| *s == o.system) {
                    Some(entry) => {
                        entry.1 += 1;
                        entry.2 += o.minutes;
                    }
                    None => systems.push((&o.system, 1, o.minutes)),
                }
            }
            let over: Vec<&(&str, u64, f64)> = systems
                .iter()
                .filter(|(_, n, total)| {
                    count_over.is_some_and(|c| *n > u64::from(c)) || total_minutes_over.is_some_and(|t| *total > t)
                })
                .collect();
            if over.is_empty() {
                return Eval::Fails(vec![if systems.is_empty() {
                    "no outages".to_owned()
                } else {
                    "no system over the count or total".to_owned()
                }]);
            }
            Eval::Holds(Hit {
                multiplier: 1,
                evidence: over.iter().map(|(s, _, _)| (*s).to_owned()).collect(),
                notes: over
                    .iter()
                    .map(|(s, n, total)| {
                        format!(
                            "{s}: {}, {} min in all",
                            plural(*n, "outage", "outages"),
                            num(*total, 2)
                        )
                    })
                    .collect(),
                terminate: false,
            })
        }
        Condition::Delay {
            clock,
            terminate_after_days,
        } => {
            let mut clocks = 0u64;
            let mut days = 0u64;
            let mut evidence = Vec::new();
            for l in m.late(clock) {
                clocks += 1;
                days = days.saturating_add(delay_days(l.overdue_wall_ms));
                push_unique(&mut evidence, &l.ticket);
            }
            let what = plural(
                clocks,
                &format!("late {}", clock_noun(clock)),
                &format!("late {}s", clock_noun(clock)),
            );
            if days == 0 {
                return Eval::Fails(vec![format!("no late {}s", clock_noun(clock))]);
            }
            let mut note = format!(
                "{what}, {} of delay in all (a part-day counts as a day, 不足1日按1日)",
                plural(days, "day", "days")
            );
            let terminate = terminate_after_days.is_some_and(|t| days > u64::from(t));
            if let Some(t) = terminate_after_days.filter(|_| terminate) {
                note.push_str(&format!(
                    "; more than {t} days: the buyer may terminate (累计延迟超过 {t} 日)"
                ));
            }
            Eval::Holds(Hit {
                multiplier: days,
                evidence,
                notes: vec![note],
                terminate,
            })
        }
        Condition::Manual => Eval::NotMeasured,
    }
}
