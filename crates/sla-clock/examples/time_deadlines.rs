//! Times the deadline arithmetic alone on cases read from stdin, for `benches/pandas_compare.py`.
//!
//! Input: JSON lines `{"start": RFC3339, "duration": DUR}`. The lines are parsed first, untimed;
//! then every deadline is computed in `cn-5x8` (or the calendar named by the first argument)
//! inside the timed loop. Prints one line: `cases <n> seconds <s>`.
//!
//! `cargo run --release -p sla-clock --example time_deadlines -- cn-5x8 < cases.jsonl`

use std::io::BufRead;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Utc};
use sla_clock::SlaDuration;

#[derive(serde::Deserialize)]
struct Case {
    start: DateTime<FixedOffset>,
    duration: SlaDuration,
}

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "cn-5x8".to_owned());
    let cal = sla_clock::builtin::calendar(&name).unwrap_or_else(|| panic!("no built-in calendar {name:?}"));
    let cases: Vec<(DateTime<Utc>, SlaDuration)> = std::io::stdin()
        .lock()
        .lines()
        .map(|l| {
            let c: Case = serde_json::from_str(&l.expect("stdin is readable")).expect("a case per line");
            (c.start.to_utc(), c.duration)
        })
        .collect();
    let t0 = Instant::now();
    let mut last = DateTime::<Utc>::MIN_UTC;
    for &(start, d) in &cases {
        last = last.max(cal.deadline(start, d).expect("covered"));
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("cases {} seconds {secs:.6} latest {last}", cases.len());
}
