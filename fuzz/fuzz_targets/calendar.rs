//! The calendar file parser: never panics, and a calendar it accepts answers deadline and
//! elapsed-time questions without panicking, with deadlines never before their start.
#![no_main]

use chrono::{DateTime, TimeDelta, Utc};
use libfuzzer_sys::fuzz_target;
use sla_clock::Calendar;

fuzz_target!(|text: &str| {
    let Ok(cal) = Calendar::from_toml(text) else { return };
    let (first, _) = cal.covered_dates();
    let Some(start) = first.and_hms_opt(10, 30, 0).map(|t| DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)) else {
        return;
    };
    for d in ["30m", "4h", "3d", "2wd", "7wd"] {
        let d = d.parse().expect("a duration");
        if let Ok(end) = cal.deadline(start, d) {
            assert!(end >= start, "{d} from {start} ends at {end}");
            let used = cal.elapsed(start, end).expect("elapsed within the calendar");
            assert!(used >= TimeDelta::zero());
        }
    }
});
