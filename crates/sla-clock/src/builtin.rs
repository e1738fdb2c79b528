//! The calendars opsclock ships, compiled into the binary so that it works with no files around.
//!
//! The same files live in `config/calendars/`; a deployment that edits them (for example to add
//! next year's State Council arrangement) points `--calendar-dir` at its copy.
//!
//! ```
//! let names: Vec<String> = sla_clock::builtin::calendars().iter().map(|c| c.name().to_owned()).collect();
//! assert_eq!(names, ["24x7", "cn-5x24", "cn-5x8", "cn-7x12", "cn-7x24", "cn-7x8"]);
//! assert!(sla_clock::builtin::calendar("mars-time").is_none());
//! ```

use crate::calendar::Calendar;

/// `(file name, TOML text)` of each shipped calendar.
pub const FILES: [(&str, &str); 6] = [
    ("24x7.toml", include_str!("../../../config/calendars/24x7.toml")),
    ("cn-5x24.toml", include_str!("../../../config/calendars/cn-5x24.toml")),
    ("cn-5x8.toml", include_str!("../../../config/calendars/cn-5x8.toml")),
    ("cn-7x12.toml", include_str!("../../../config/calendars/cn-7x12.toml")),
    ("cn-7x24.toml", include_str!("../../../config/calendars/cn-7x24.toml")),
    ("cn-7x8.toml", include_str!("../../../config/calendars/cn-7x8.toml")),
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
    fn cn_7x24_and_cn_5x24_have_the_same_holidays_and_makeup_days_as_cn_5x8() {
        // The calendar format has no include: the copies in cn-7x24.toml and cn-5x24.toml are
        // held to cn-5x8's here.
        let a = super::calendar("cn-5x8").unwrap();
        for name in ["cn-7x24", "cn-5x24"] {
            let b = super::calendar(name).unwrap();
            assert_eq!(a.spec().holidays, b.spec().holidays, "{name}");
            let dates = |c: &crate::Calendar| c.spec().makeup_days.iter().map(|m| m.date).collect::<Vec<_>>();
            assert_eq!(dates(&a), dates(&b), "{name}");
            assert_eq!(
                (a.spec().covers_from, a.spec().covers_to),
                (b.spec().covers_from, b.spec().covers_to),
                "{name}"
            );
        }
    }

    #[test]
    fn the_seven_day_shapes_serve_every_day_at_their_hours() {
        // cn-7x8 (seed 004 L7084 "电话 7x8") and cn-7x12 (L10765 "每周 7 天，每天 12 小时"): no
        // holidays, the same hours every day; the hours are readings (the seed gives none).
        for (name, hours) in [("cn-7x8", (540, 1020)), ("cn-7x12", (480, 1200))] {
            let c = super::calendar(name).unwrap();
            assert!(
                c.spec().holidays.is_empty() && c.spec().makeup_days.is_empty(),
                "{name}"
            );
            for day in &c.spec().week {
                let got: Vec<(u16, u16)> = day.iter().map(|i| (i.start, i.end)).collect();
                assert_eq!(got, [hours], "{name}");
            }
        }
    }
}
