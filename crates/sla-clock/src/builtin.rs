//! The calendars opsclock ships, compiled into the binary so that it works with no files around.
//!
//! The same files live in `config/calendars/`; a deployment that edits them (for example to add
//! next year's State Council arrangement) points `--calendar-dir` at its copy.
//!
//! ```
//! let names: Vec<String> = sla_clock::builtin::calendars().iter().map(|c| c.name().to_owned()).collect();
//! assert_eq!(names, ["24x7", "cn-5x8", "cn-7x24"]);
//! assert!(sla_clock::builtin::calendar("mars-time").is_none());
//! ```

use crate::calendar::Calendar;

/// `(file name, TOML text)` of each shipped calendar.
pub const FILES: [(&str, &str); 3] = [
    ("24x7.toml", include_str!("../../../config/calendars/24x7.toml")),
    ("cn-5x8.toml", include_str!("../../../config/calendars/cn-5x8.toml")),
    ("cn-7x24.toml", include_str!("../../../config/calendars/cn-7x24.toml")),
];

/// Every shipped calendar, by name.
pub fn calendars() -> Vec<Calendar> {
    FILES
        .iter()
        .map(|(file, text)| {
            // The shipped files are checked by this crate's tests; failing here is a build defect.
            Calendar::from_toml(text).unwrap_or_else(|e| panic!("shipped calendar {file} is invalid: {e}"))
        })
        .collect()
}

/// The shipped calendar called `name`, if there is one.
pub fn calendar(name: &str) -> Option<Calendar> {
    calendars().into_iter().find(|c| c.name() == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_calendars_are_valid_and_named_after_their_files() {
        for (file, text) in super::FILES {
            let cal = crate::Calendar::from_toml(text).unwrap();
            assert_eq!(format!("{}.toml", cal.name()), file);
        }
    }

    #[test]
    fn cn_7x24_has_the_same_holidays_and_makeup_days_as_cn_5x8() {
        let a = super::calendar("cn-5x8").unwrap();
        let b = super::calendar("cn-7x24").unwrap();
        assert_eq!(a.spec().holidays, b.spec().holidays);
        let dates = |c: &crate::Calendar| c.spec().makeup_days.iter().map(|m| m.date).collect::<Vec<_>>();
        assert_eq!(dates(&a), dates(&b));
        assert_eq!(
            (a.spec().covers_from, a.spec().covers_to),
            (b.spec().covers_from, b.spec().covers_to)
        );
    }
}
