//! The SLA duration parser (`30m`, `4 小时`, `7 个工作日`, …): never panics, and whatever it
//! accepts prints as text it reads back as the same duration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sla_clock::SlaDuration;

fuzz_target!(|text: &str| {
    if let Ok(d) = text.parse::<SlaDuration>() {
        let printed = d.to_string();
        let again: SlaDuration = printed.parse().unwrap_or_else(|e| panic!("{printed:?} does not read back: {e}"));
        assert_eq!(again, d, "{text:?} → {printed:?}");
    }
});
