//! Evaluating one [`Condition`] against a month's metrics within the contract's scope: whether it
//! holds on the metric, and if so its occurrences (each with its weight, evidence and the tickets
//! whose findings decide it). Whether the findings the rule needs were made is decided after, in
//! `decide`.

use std::collections::BTreeSet;

use ticket_domain::{ClockName, Kind};

use crate::clauses::{Condition, Contract};
use crate::findings::{Finding, FindingKind};
use crate::metrics::{Availability, Average, Late, Metrics, MissedInspection, Outage};
use crate::text::{Note, num, plural};

/// Milliseconds in a day of delay.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub(crate) fn clock_noun(clock: ClockName) -> &'static str {
    match clock {
        ClockName::Response => "response",
        ClockName::Arrival => "arrival",
        ClockName::Repair => "repair",
    }
}

/// The clock as the contracts name it: 响应, 到场, 修复.
pub(crate) fn clock_noun_zh(clock: ClockName) -> &'static str {
    match clock {
        ClockName::Response => "响应",
        ClockName::Arrival => "到场",
        ClockName::Repair => "修复",
    }
}

/// `n` late clocks of one clock, in both languages: `3 次到场超时`, `3 late arrivals`.
fn late_count(n: u64, clock: ClockName) -> Note {
    Note::new(
        format!("{n} 次{}超时", clock_noun_zh(clock)),
        plural(
            n,
            &format!("late {}", clock_noun(clock)),
            &format!("late {}s", clock_noun(clock)),
        ),
    )
}

/// `n` missed inspections, in both languages: `2 次漏检`, `2 missed inspections`.
fn missed_count(n: u64) -> Note {
    Note::new(
        format!("{n} 次漏检"),
        plural(n, "missed inspection", "missed inspections"),
    )
}

/// Pushes `s` unless it is already there.
pub(crate) fn push_unique(out: &mut Vec<String>, s: &str) {
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

/// One occurrence of a condition that holds on the metric.
#[derive(Debug, Clone)]
pub(crate) struct Occurrence {
    /// What shows it: ticket numbers, system codes, the measured mean, finding ids.
    pub(crate) evidence: Vec<String>,
    /// The same in Chinese notes (the mean, a finding about the month say it in Chinese).
    pub(crate) evidence_zh: Vec<String>,
    /// The tickets whose findings decide it; empty for a figure of the whole month (an average,
    /// an availability), which any finding of the month decides.
    pub(crate) tickets: Vec<String>,
    /// Its multiplier under [`crate::Counts::PerOccurrence`]: 1, or its days of delay.
    pub(crate) weight: u64,
    /// The findings it is (for [`Condition::Finding`]).
    pub(crate) findings: Vec<String>,
    /// The systems it is about, where the metric names them (an outage, an availability figure);
    /// else its tickets' systems are looked up (for [`crate::Amount::Fee`]).
    pub(crate) systems: Vec<String>,
}

impl Occurrence {
    fn of_tickets(tickets: Vec<String>, weight: u64) -> Self {
        Occurrence {
            evidence: tickets.clone(),
            evidence_zh: tickets.clone(),
            tickets,
            weight,
            findings: Vec::new(),
            systems: Vec::new(),
        }
    }
}

/// A condition that holds on the metric.
pub(crate) struct Measured {
    pub(crate) occurrences: Vec<Occurrence>,
    /// The fewest occurrences that fire the rule (`from_count`, else 1).
    pub(crate) gate: u64,
    pub(crate) notes: Vec<Note>,
}

/// What a condition gives: it holds, it fails (with the reasons), or opsclock does not measure it.
pub(crate) enum Eval {
    Holds(Measured),
    Fails(Vec<Note>),
    NotMeasured,
}

/// The metrics within the contract's scope.
pub(crate) struct Scoped<'a> {
    metrics: &'a Metrics,
    availability: Vec<&'a Availability>,
    outages: Vec<&'a Outage>,
    missed_inspections: Vec<&'a MissedInspection>,
}

impl<'a> Scoped<'a> {
    pub(crate) fn new(contract: &Contract, metrics: &'a Metrics) -> Self {
        let systems: BTreeSet<&str> = contract.systems.iter().map(String::as_str).collect();
        let in_scope = |s: &str| systems.is_empty() || systems.contains(s);
        Scoped {
            metrics,
            availability: metrics.availability.iter().filter(|a| in_scope(&a.system)).collect(),
            outages: metrics.outages.iter().filter(|o| in_scope(&o.system)).collect(),
            missed_inspections: metrics
                .missed_inspections
                .iter()
                .filter(|i| in_scope(&i.system))
                .collect(),
        }
    }

    pub(crate) fn late(&self, clock: ClockName) -> impl Iterator<Item = &'a Late> {
        self.metrics
            .late
            .iter()
            .filter(move |l| l.clock == clock && l.overdue_wall_ms > 0)
    }

    /// The month's findings of one kind.
    pub(crate) fn findings(&self, kind: FindingKind) -> impl Iterator<Item = &'a Finding> {
        self.metrics.findings.iter().filter(move |f| f.kind == kind)
    }
}

fn holds(occurrences: Vec<Occurrence>, notes: Vec<Note>) -> Eval {
    Eval::Holds(Measured {
        occurrences,
        gate: 1,
        notes,
    })
}

/// What the averaged entries cover, when the caller split them by kind or source or the rule
/// picks kinds: ` (request; scheduled duties left out)`, in Chinese `（服务请求；不含定期任务）`.
fn coverage(averages: &[Average], kinds: &[Kind], include_scheduled: bool, targeted_only: bool) -> Note {
    let split = averages.iter().any(|a| a.kind.is_some() || a.scheduled || a.untargeted);
    if !split && kinds.is_empty() && !targeted_only {
        return Note::new("", "");
    }
    let (kinds_zh, kinds) = if kinds.is_empty() {
        ("所有类别".to_owned(), "every kind".to_owned())
    } else {
        (
            kinds.iter().map(|k| k.label_zh()).collect::<Vec<_>>().join("、"),
            kinds.iter().map(|k| k.key()).collect::<Vec<_>>().join(", "),
        )
    };
    let (scheduled_zh, scheduled) = if include_scheduled {
        ("含定期任务", "scheduled duties included")
    } else {
        ("不含定期任务", "scheduled duties left out")
    };
    let (targets_zh, targets) = if targeted_only {
        ("；仅计有时限的工单", "; tickets with a target only")
    } else if averages.iter().any(|a| a.untargeted) {
        ("；无时限的工单也计入", "; tickets without a target measured too")
    } else {
        ("", "")
    };
    Note::new(
        format!("（{kinds_zh}；{scheduled_zh}{targets_zh}）"),
        format!(" ({kinds}; {scheduled}{targets})"),
    )
}

fn average_time(
    m: &Scoped<'_>,
    clock: ClockName,
    above_minutes: f64,
    below_minutes: Option<f64>,
    kinds: &[Kind],
    include_scheduled: bool,
    targeted_only: bool,
) -> Eval {
    let (count, sum) = m
        .metrics
        .averages
        .iter()
        .filter(|a| a.clock == clock && a.count > 0 && a.mean_minutes.is_finite())
        .filter(|a| kinds.is_empty() || a.kind.is_some_and(|k| kinds.contains(&k)))
        .filter(|a| include_scheduled || !a.scheduled)
        .filter(|a| !targeted_only || !a.untargeted)
        .fold((0u64, 0.0), |(c, s), a| {
            (c.saturating_add(a.count), s + a.mean_minutes * a.count as f64)
        });
    let covers = coverage(&m.metrics.averages, kinds, include_scheduled, targeted_only);
    if count == 0 {
        return Eval::Fails(vec![Note::new(
            format!("本期无已停止的{}计时{}", clock_noun_zh(clock), covers.zh),
            format!("no stopped {} clocks in the period{}", clock_noun(clock), covers.en),
        )]);
    }
    let mean = sum / count as f64;
    let evidence = format!(
        "mean {} min over {}{}",
        num(mean, 2),
        plural(count, "clock", "clocks"),
        covers.en
    );
    let evidence_zh = format!("{} 个计时平均 {} 分钟{}", count, num(mean, 2), covers.zh);
    if mean > above_minutes && below_minutes.is_none_or(|b| mean < b) {
        holds(
            vec![Occurrence {
                evidence: vec![evidence],
                evidence_zh: vec![evidence_zh],
                tickets: Vec::new(),
                weight: 1,
                findings: Vec::new(),
                systems: Vec::new(),
            }],
            Vec::new(),
        )
    } else {
        let (band_zh, band) = match below_minutes {
            Some(b) => (
                format!("大于 {} 分钟且小于 {} 分钟", num(above_minutes, 3), num(b, 3)),
                format!("strictly between {} and {} min", num(above_minutes, 3), num(b, 3)),
            ),
            None => (
                format!("大于 {} 分钟", num(above_minutes, 3)),
                format!("strictly above {} min", num(above_minutes, 3)),
            ),
        };
        Eval::Fails(vec![Note::new(
            format!("{evidence_zh}：不在“{band_zh}”之内"),
            format!("{evidence}: not {band}"),
        )])
    }
}

/// "以上" (the number included) or "超过" (excluded), for notes.
fn bound_word(inclusive: bool) -> &'static str {
    if inclusive {
        "at least (以上)"
    } else {
        "more than (超过)"
    }
}

/// A bound of `outage_total` in Chinese: `中断 3 次以上`, `累计超过 480 分钟`.
fn bound_zh(inclusive: bool, what: &str, figure: &str, unit: &str) -> String {
    if inclusive {
        format!("{what} {figure} {unit}以上")
    } else {
        format!("{what}超过 {figure} {unit}")
    }
}

pub(crate) fn evaluate(when: &Condition, m: &Scoped<'_>) -> Eval {
    match *when {
        Condition::AverageTime {
            clock,
            above_minutes,
            below_minutes,
            ref kinds,
            include_scheduled,
            targeted_only,
            ..
        } => average_time(
            m,
            clock,
            above_minutes,
            below_minutes,
            kinds,
            include_scheduled,
            targeted_only,
        ),
        Condition::Availability { below_pct, .. } => {
            let mut seen: Vec<&str> = Vec::new();
            let mut occurrences = Vec::new();
            let mut values = Vec::new();
            for a in m.availability.iter().filter(|a| a.pct < below_pct) {
                if !seen.contains(&a.system.as_str()) {
                    seen.push(&a.system);
                    occurrences.push(Occurrence {
                        evidence: vec![a.system.clone()],
                        evidence_zh: vec![a.system.clone()],
                        tickets: Vec::new(),
                        weight: 1,
                        findings: Vec::new(),
                        systems: vec![a.system.clone()],
                    });
                    values.push(format!("{} {}%", a.system, num(a.pct, 3)));
                }
            }
            if occurrences.is_empty() {
                let why = if m.availability.is_empty() {
                    Note::new("未计量可用性", "no availability measured")
                } else {
                    Note::new(
                        format!("所有系统的可用性均不低于 {}%", num(below_pct, 3)),
                        format!("every system at or above {}%", num(below_pct, 3)),
                    )
                };
                return Eval::Fails(vec![why]);
            }
            holds(
                occurrences,
                vec![Note::new(
                    format!("可用性低于 {}%：{}", num(below_pct, 3), values.join("、")),
                    format!("below {}%: {}", num(below_pct, 3), values.join(", ")),
                )],
            )
        }
        Condition::Late { clock, from_count, .. } => {
            let occurrences: Vec<Occurrence> = m
                .late(clock)
                .map(|l| Occurrence::of_tickets(vec![l.ticket.clone()], 1))
                .collect();
            let n = occurrences.len() as u64;
            let what = late_count(n, clock);
            if n == 0 || n < u64::from(from_count) {
                return Eval::Fails(vec![Note::new(
                    format!("{}；本条满 {from_count} 次起扣款", what.zh),
                    format!("{}; the rule fires from {from_count}", what.en),
                )]);
            }
            Eval::Holds(Measured {
                occurrences,
                gate: u64::from(from_count),
                notes: vec![what],
            })
        }
        Condition::OutageLonger {
            at_least_minutes,
            over_minutes,
            ..
        } => {
            let (inclusive, minutes) = match (at_least_minutes, over_minutes) {
                (Some(m), _) => (true, m),
                (None, Some(m)) => (false, m),
                (None, None) => return Eval::Fails(vec![Note::new("未给出时长界限", "no threshold given")]),
            };
            let long: Vec<&Outage> = m
                .outages
                .iter()
                .copied()
                .filter(|o| {
                    if inclusive {
                        o.minutes >= minutes
                    } else {
                        o.minutes > minutes
                    }
                })
                .collect();
            let word = if inclusive {
                "of at least (以上)"
            } else {
                "longer than (超过)"
            };
            let long_zh = if inclusive {
                format!("{} 分钟以上的中断", num(minutes, 3))
            } else {
                format!("超过 {} 分钟的中断", num(minutes, 3))
            };
            if long.is_empty() {
                return Eval::Fails(vec![Note::new(
                    format!("未发生{}{long_zh}", if inclusive { " " } else { "" }),
                    format!("no outage {word} {} min", num(minutes, 3)),
                )]);
            }
            let list: Vec<String> = long
                .iter()
                .map(|o| format!("{} {} min", o.system, num(o.minutes, 2)))
                .collect();
            let list_zh: Vec<String> = long
                .iter()
                .map(|o| format!("{} {} 分钟", o.system, num(o.minutes, 2)))
                .collect();
            let note = Note::new(
                format!("{long_zh} {} 次：{}", long.len(), list_zh.join("、")),
                format!(
                    "{} {word} {} min: {}",
                    plural(long.len() as u64, "outage", "outages"),
                    num(minutes, 3),
                    list.join(", ")
                ),
            );
            let occurrences = long
                .iter()
                .map(|o| Occurrence {
                    systems: vec![o.system.clone()],
                    ..Occurrence::of_tickets(o.tickets.clone(), 1)
                })
                .collect();
            holds(occurrences, vec![note])
        }
        Condition::OutageTotal {
            count_over,
            total_minutes_over,
            count_at_least,
            total_minutes_at_least,
            ..
        } => outage_total(
            m,
            count_over,
            total_minutes_over,
            count_at_least,
            total_minutes_at_least,
        ),
        Condition::Delay { clock, .. } => {
            let occurrences: Vec<Occurrence> = m
                .late(clock)
                .map(|l| Occurrence::of_tickets(vec![l.ticket.clone()], delay_days(l.overdue_wall_ms)))
                .collect();
            let days: u64 = occurrences.iter().map(|o| o.weight).fold(0, u64::saturating_add);
            if days == 0 {
                return Eval::Fails(vec![Note::new(
                    format!("无{}超时", clock_noun_zh(clock)),
                    format!("no late {}s", clock_noun(clock)),
                )]);
            }
            let what = late_count(occurrences.len() as u64, clock);
            let note = Note::new(
                format!("{}，累计延迟 {days} 日（不足1日按1日计算）", what.zh),
                format!(
                    "{}, {} of delay in all (a part-day counts as a day, 不足1日按1日)",
                    what.en,
                    plural(days, "day", "days")
                ),
            );
            holds(occurrences, vec![note])
        }
        Condition::Finding {
            kind,
            above_minutes,
            below_minutes,
            except_late,
            ..
        } => {
            let bounded = above_minutes.is_some() || below_minutes.is_some();
            let mut occurrences = Vec::new();
            let mut notes = Vec::new();
            for f in m.findings(kind) {
                if let Some(clock) = except_late {
                    let late: Vec<&str> = m
                        .late(clock)
                        .filter(|l| f.covers(std::slice::from_ref(&l.ticket)))
                        .map(|l| l.ticket.as_str())
                        .collect();
                    if !late.is_empty() {
                        notes.push(Note::new(
                            format!(
                                "{}：已由{}超时条款扣款（{}），此处不再重复扣款",
                                f.id,
                                clock_noun_zh(clock),
                                late.join("、")
                            ),
                            format!(
                                "{}: charged by the late-{} rule ({}), not again here",
                                f.id,
                                clock_noun(clock),
                                late.join(", ")
                            ),
                        ));
                        continue;
                    }
                }
                if bounded {
                    let Some(minutes) = f.minutes else {
                        notes.push(Note::new(
                            format!("{}：未记录分钟数，不计入", f.id),
                            format!("{}: no minutes recorded, not counted", f.id),
                        ));
                        continue;
                    };
                    if !(above_minutes.is_none_or(|a| minutes > a) && below_minutes.is_none_or(|b| minutes < b)) {
                        notes.push(Note::new(
                            format!("{}：{} 分钟，不在条款的时长区间内", f.id, num(minutes, 2)),
                            format!("{}: {} min is outside the band", f.id, num(minutes, 2)),
                        ));
                        continue;
                    }
                }
                if f.serious {
                    notes.push(Note::new(
                        format!("{}：甲方认定情节严重", f.id),
                        format!("{}: the buyer found it serious (情节严重)", f.id),
                    ));
                }
                occurrences.push(Occurrence {
                    evidence: vec![f.evidence()],
                    evidence_zh: vec![f.evidence_zh()],
                    tickets: f.ticket.iter().cloned().collect(),
                    weight: 1,
                    findings: vec![f.id.clone()],
                    systems: Vec::new(),
                });
            }
            if occurrences.is_empty() {
                notes.insert(
                    0,
                    Note::new(
                        format!("本月无“{}”的认定", kind.label_zh()),
                        format!("no finding of {} in the month", kind.needed_note()),
                    ),
                );
                return Eval::Fails(notes);
            }
            notes.insert(
                0,
                Note::new(
                    format!("认定“{}” {} 项", kind.label_zh(), occurrences.len()),
                    format!(
                        "{} of {} ({})",
                        plural(occurrences.len() as u64, "finding", "findings"),
                        kind.label_zh(),
                        kind.key()
                    ),
                ),
            );
            holds(occurrences, notes)
        }
        Condition::MissedInspection { from_count, .. } => {
            let occurrences: Vec<Occurrence> = m
                .missed_inspections
                .iter()
                .map(|i| Occurrence {
                    evidence: vec![i.evidence()],
                    evidence_zh: vec![i.evidence()],
                    tickets: Vec::new(),
                    weight: 1,
                    findings: Vec::new(),
                    systems: vec![i.system.clone()],
                })
                .collect();
            let n = occurrences.len() as u64;
            let what = missed_count(n);
            if n == 0 || n < u64::from(from_count) {
                return Eval::Fails(vec![Note::new(
                    format!("{}；本条满 {from_count} 次起扣款", what.zh),
                    format!("{}; the rule fires from {from_count}", what.en),
                )]);
            }
            Eval::Holds(Measured {
                occurrences,
                gate: u64::from(from_count),
                notes: vec![what],
            })
        }
        Condition::Manual => Eval::NotMeasured,
    }
}

fn outage_total(
    m: &Scoped<'_>,
    count_over: Option<u32>,
    total_minutes_over: Option<f64>,
    count_at_least: Option<u32>,
    total_minutes_at_least: Option<f64>,
) -> Eval {
    // Per system: outages, minutes, tickets.
    let mut systems: Vec<(&str, u64, f64, Vec<String>)> = Vec::new();
    for o in &m.outages {
        let entry = match systems.iter().position(|(s, ..)| *s == o.system) {
            Some(i) => &mut systems[i],
            None => {
                systems.push((&o.system, 0, 0.0, Vec::new()));
                systems.last_mut().expect("just pushed")
            }
        };
        entry.1 += 1;
        entry.2 += o.minutes;
        for t in &o.tickets {
            push_unique(&mut entry.3, t);
        }
    }
    let over = |n: u64, total: f64| {
        count_over.is_some_and(|c| n > u64::from(c))
            || count_at_least.is_some_and(|c| n >= u64::from(c))
            || total_minutes_over.is_some_and(|t| total > t)
            || total_minutes_at_least.is_some_and(|t| total >= t)
    };
    let hit: Vec<&(&str, u64, f64, Vec<String>)> = systems.iter().filter(|(_, n, total, _)| over(*n, *total)).collect();
    if hit.is_empty() {
        return Eval::Fails(vec![if systems.is_empty() {
            Note::new("无中断", "no outages")
        } else {
            Note::new(
                "没有系统的中断次数或累计时长超过界限",
                "no system over the count or total",
            )
        }]);
    }
    let mut notes: Vec<Note> = hit
        .iter()
        .map(|(s, n, total, _)| {
            Note::new(
                format!("{s}：中断 {n} 次，累计 {} 分钟", num(*total, 2)),
                format!(
                    "{s}: {}, {} min in all",
                    plural(*n, "outage", "outages"),
                    num(*total, 2)
                ),
            )
        })
        .collect();
    {
        let mut bounds = Vec::new();
        let mut bounds_zh = Vec::new();
        if let Some(c) = count_at_least {
            bounds.push(format!("{} {c} outages", bound_word(true)));
            bounds_zh.push(bound_zh(true, "中断", &c.to_string(), "次"));
        }
        if let Some(c) = count_over {
            bounds.push(format!("{} {c} outages", bound_word(false)));
            bounds_zh.push(bound_zh(false, "中断", &c.to_string(), "次"));
        }
        if let Some(t) = total_minutes_at_least {
            bounds.push(format!("{} {} min in all", bound_word(true), num(t, 3)));
            bounds_zh.push(bound_zh(true, "累计", &num(t, 3), "分钟"));
        }
        if let Some(t) = total_minutes_over {
            bounds.push(format!("{} {} min in all", bound_word(false), num(t, 3)));
            bounds_zh.push(bound_zh(false, "累计", &num(t, 3), "分钟"));
        }
        notes.push(Note::new(
            format!("界限：{}", bounds_zh.join("或")),
            format!("bounds: {}", bounds.join(" or ")),
        ));
    }
    let occurrences = hit
        .iter()
        .map(|(s, _, _, tickets)| Occurrence {
            evidence: vec![(*s).to_owned()],
            evidence_zh: vec![(*s).to_owned()],
            tickets: tickets.clone(),
            weight: 1,
            findings: Vec::new(),
            systems: vec![(*s).to_owned()],
        })
        .collect();
    holds(occurrences, notes)
}

/// The 情节严重 reading of a `late` rule: how many breaches of its serious clocks the month had,
/// and whether the finding it needs was made. `None` when the rule sets no `serious_from` or the
/// count is not reached; otherwise the note and whether the buyer may terminate.
pub(crate) fn serious(when: &Condition, m: &Scoped<'_>) -> Option<(Note, bool)> {
    let Condition::Late {
        clock,
        serious_from: Some(from),
        ref serious_clocks,
        serious_needs,
        ..
    } = *when
    else {
        return None;
    };
    let clocks: Vec<ClockName> = if serious_clocks.is_empty() {
        vec![clock]
    } else {
        serious_clocks.clone()
    };
    let n = clocks.iter().map(|&c| m.late(c).count() as u64).sum::<u64>();
    if n < u64::from(from) {
        return None;
    }
    let what = if clocks == [clock] {
        late_count(n, clock)
    } else {
        let names: Vec<&str> = clocks.iter().map(|&c| clock_noun(c)).collect();
        let names_zh: Vec<&str> = clocks.iter().map(|&c| clock_noun_zh(c)).collect();
        Note::new(
            format!("超时 {n} 次（{}）", names_zh.join("、")),
            format!("{n} late clocks ({})", names.join(", ")),
        )
    };
    let serious_zh = format!("合同规定满 {from} 次即属情节严重，甲方有权终止合同");
    match serious_needs {
        None => Some((
            Note::new(
                format!("{}：{serious_zh}", what.zh),
                format!(
                    "{}: from {from} the contract calls it serious (情节严重); the buyer may terminate",
                    what.en
                ),
            ),
            true,
        )),
        Some(kind) => {
            let found: Vec<&Finding> = m.findings(kind).collect();
            if found.is_empty() {
                Some((
                    Note::new(
                        format!(
                            "{}，已达情节严重的次数（{from} 次），另{}",
                            what.zh,
                            kind.needed_note_zh()
                        ),
                        format!(
                            "{} reach the count of 情节严重 ({from}), which also needs a finding: {}",
                            what.en,
                            kind.needed_note()
                        ),
                    ),
                    false,
                ))
            } else {
                let en: Vec<String> = found.iter().map(|f| f.evidence()).collect();
                let zh: Vec<String> = found.iter().map(|f| f.evidence_zh()).collect();
                Some((
                    Note::new(
                        format!("{}，且有认定 {}：{serious_zh}", what.zh, zh.join("、")),
                        format!(
                            "{} and {}: from {from} the contract calls it serious (情节严重); the buyer may terminate",
                            what.en,
                            en.join(", ")
                        ),
                    ),
                    true,
                ))
            }
        }
    }
}
