//! Criterion benchmarks: one deadline in `cn-5x8` across a holiday, per unit.
//!
//! Run with `cargo bench -p sla-clock --bench deadline`; figures go in `docs/benchmarks.md`.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use sla_clock::SlaDuration;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("valid instant")
}

fn deadlines(c: &mut Criterion) {
    let cn = sla_clock::builtin::calendar("cn-5x8").expect("shipped");
    let cases: [(&str, &str, &str); 4] = [
        // 2 h on 30 September, National Day 1–7 October, 2 h on the 8th.
        ("4h across National Day", "2026-09-30T15:00:00+08:00", "4h"),
        // The worked example: Mid-Autumn, National Day and a make-up Saturday.
        (
            "7wd across Mid-Autumn and National Day",
            "2026-09-24T15:00:00+08:00",
            "7wd",
        ),
        ("3d onto a holiday", "2026-09-24T10:00:00+08:00", "3d"),
        ("30m across the Spring Festival", "2026-02-13T16:50:00+08:00", "30m"),
    ];
    let mut group = c.benchmark_group("cn-5x8 deadline");
    for (name, start, d) in cases {
        let start = at(start);
        let d: SlaDuration = d.parse().expect("valid duration");
        group.bench_function(name, |b| b.iter(|| cn.deadline(black_box(start), black_box(d))));
    }
    group.finish();

    let from = at("2026-01-05T10:00:00+08:00");
    let to = at("2026-12-20T10:00:00+08:00");
    c.bench_function("cn-5x8 elapsed over a year", |b| {
        b.iter(|| cn.elapsed(black_box(from), black_box(to)))
    });
}

criterion_group!(benches, deadlines);
criterion_main!(benches);
