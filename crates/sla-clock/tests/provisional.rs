//! Properties of counting past a calendar's published years.
//!
//! A calendar published to the end of year Y counts Y+1 with its weekly schedule alone and marks
//! such answers provisional. Publishing Y+1 (holidays, make-up days) must then:
//!
//! 1. leave every answer that was *final* exactly as it was — a deadline opsclock told both
//!    parties was final never moves — as long as the year's entries lie in that year (a notice
//!    that also changes the last days of the year before, as 2019's did, is handled by the
//!    server measuring every deadline from the first changed day again);
//! 2. give the same answers as before when the year is published with no holidays at all — the
//!    provisional count is exactly "the weekly schedule, as if nothing were declared";
//! 3. turn provisional answers that now rest on published days into final ones.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use sla_clock::{Calendar, SlaDuration};

const WEEK: &str = r#"
[week]
mon = ["09:00-12:00", "13:00-17:00"]
tue = ["09:00-12:00", "13:00-17:00"]
wed = ["09:00-12:00", "13:00-17:00"]
thu = ["09:00-12:00", "13:00-17:00"]
fri = ["09:00-12:00", "13:00-17:00"]
"#;

/// Published to 2026, with 2026's National Day.
fn published_2026(all_hours: bool) -> Calendar {
    Calendar::from_toml(&format!(
        "name = \"p\"\nall_hours = {all_hours}\nmakeup_hours = [\"09:00-17:00\"]\n\
         covers = {{ from = 2026-01-01, to = 2026-12-31 }}\n{WEEK}\n\
         [[holidays]]\nname = \"国庆节\"\nfrom = 2026-10-01\nto = 2026-10-07\n"
    ))
    .unwrap()
}

/// The same calendar with 2027 published: `holidays` as `(month, day, days)` runs and make-up
/// Saturdays/Sundays as `(month, day)`.
fn published_2027(all_hours: bool, holidays: &[(u32, u32, u32)], makeup: &[(u32, u32)]) -> Calendar {
    let mut text = format!(
        "name = \"p\"\nall_hours = {all_hours}\nmakeup_hours = [\"09:00-17:00\"]\n\
         covers = {{ from = 2026-01-01, to = 2027-12-31 }}\n{WEEK}\n\
         [[holidays]]\nname = \"国庆节\"\nfrom = 2026-10-01\nto = 2026-10-07\n"
    );
    let mut off = std::collections::BTreeSet::new();
    for &(m, d, n) in holidays {
        let from = chrono::NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        let to = from + Duration::days(i64::from(n) - 1);
        if to.format("%Y").to_string() != "2027" || (0..n).any(|k| off.contains(&(from + Duration::days(i64::from(k)))))
        {
            continue;
        }
        for k in 0..n {
            off.insert(from + Duration::days(i64::from(k)));
        }
        text.push_str(&format!("[[holidays]]\nname = \"h\"\nfrom = {from}\nto = {to}\n"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for &(m, d) in makeup {
        let date = chrono::NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        if off.contains(&date) || !seen.insert(date) {
            continue;
        }
        text.push_str(&format!("[[makeup_days]]\nname = \"m\"\ndate = {date}\n"));
    }
    Calendar::from_toml(&text).unwrap()
}

/// Instants from October 2026 to the end of February 2027, on the minute.
fn start() -> impl Strategy<Value = DateTime<Utc>> {
    let from = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    (0i64..(151 * 24 * 60)).prop_map(move |m| from + Duration::minutes(m))
}

fn duration() -> impl Strategy<Value = SlaDuration> {
    prop_oneof![
        (1u32..600).prop_map(|n| format!("{n}m").parse().unwrap()),
        (1u32..80).prop_map(|n| format!("{n}h").parse().unwrap()),
        (0u32..20).prop_map(|n| format!("{n}d").parse().unwrap()),
        (0u32..20).prop_map(|n| format!("{n}wd").parse().unwrap()),
    ]
}

fn holidays() -> impl Strategy<Value = Vec<(u32, u32, u32)>> {
    prop::collection::vec((1u32..=12, 1u32..=28, 1u32..=8), 0..6)
}

fn makeup() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((1u32..=12, 1u32..=28), 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_final_deadline_never_moves_when_the_next_year_is_published(
        all_hours in any::<bool>(),
        start in start(),
        d in duration(),
        hol in holidays(),
        mk in makeup(),
    ) {
        let before = published_2026(all_hours);
        let after = published_2027(all_hours, &hol, &mk);
        let a = before.explain_deadline(start, d).unwrap();
        let b = after.explain_deadline(start, d).unwrap();
        if !a.provisional {
            prop_assert_eq!(a.at, b.at, "{} from {}: a final deadline moved", d, start);
        }
        // Every answer in the published year is final.
        prop_assert!(!b.provisional || b.at > Utc.with_ymd_and_hms(2027, 12, 31, 16, 0, 0).unwrap());
    }

    #[test]
    fn a_provisional_deadline_is_the_weekly_schedule_as_if_nothing_were_declared(
        all_hours in any::<bool>(),
        start in start(),
        d in duration(),
    ) {
        let before = published_2026(all_hours);
        let empty_2027 = published_2027(all_hours, &[], &[]);
        let a = before.explain_deadline(start, d).unwrap();
        let b = empty_2027.explain_deadline(start, d).unwrap();
        prop_assert_eq!(a.at, b.at, "{} from {}", d, start);
        prop_assert!(!b.provisional, "published: final");
        // Provisional exactly when the answer lies past 2026 and rests on which days work.
        let past = a.at > Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap();
        let by_days = matches!(d.unit(), sla_clock::DurationUnit::Days | sla_clock::DurationUnit::WorkingDays);
        prop_assert_eq!(a.provisional, past && (by_days || !all_hours), "{} from {} due {}", d, start, a.at);
    }
}
