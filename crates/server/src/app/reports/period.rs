//! Report periods: a month (`2026-03`), a quarter (`2026-Q1`), a year (`2026`) or a custom range
//! of dates (`2026-03-01..2026-03-15`, both days included), bounded in a time zone.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// A period of whole days in a zone: `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// As written (normalised): `2026-03`, `2026-Q1`, `2026`, `2026-03-01..2026-03-15`.
    pub label: String,
    /// The first instant.
    pub from: DateTime<Utc>,
    /// The first instant after it.
    pub to: DateTime<Utc>,
    /// The zone its days are counted in.
    pub timezone: String,
}

impl Period {
    /// Reads `text` as a period in `zone`.
    ///
    /// ```
    /// # use opsclock::app::reports::period::Period;
    /// let q = Period::parse("2026-Q1", chrono_tz::Asia::Shanghai).unwrap();
    /// assert_eq!(q.from.to_rfc3339(), "2025-12-31T16:00:00+00:00");
    /// assert_eq!(q.to.to_rfc3339(), "2026-03-31T16:00:00+00:00");
    /// let days = Period::parse("2026-03-01..2026-03-15", chrono_tz::Asia::Shanghai).unwrap();
    /// assert_eq!(days.to.to_rfc3339(), "2026-03-15T16:00:00+00:00");
    /// assert!(Period::parse("2026-13", chrono_tz::Asia::Shanghai).is_err());
    /// ```
    pub fn parse(text: &str, zone: Tz) -> Result<Period, String> {
        let text = text.trim();
        let bad = || {
            format!(
                "{text:?} is not a period; write a month (2026-03), a quarter (2026-Q1), a year (2026) \
                 or two dates (2026-03-01..2026-03-15)"
            )
        };
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad());
        let (first, after, label) = if let Some((a, b)) = text.split_once("..") {
            let (a, b) = (date(a)?, date(b)?);
            if b < a {
                return Err(format!("{text:?}: the last day is before the first"));
            }
            (a, b.succ_opt().ok_or_else(bad)?, format!("{a}..{b}"))
        } else if let Some((y, q)) = text.split_once("-Q").or_else(|| text.split_once("-q")) {
            let (y, q): (i32, u32) = (y.parse().map_err(|_| bad())?, q.parse().map_err(|_| bad())?);
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            let a = NaiveDate::from_ymd_opt(y, 3 * q - 2, 1).ok_or_else(bad)?;
            (a, next_month(a, 3).ok_or_else(bad)?, format!("{y:04}-Q{q}"))
        } else if let Some((y, m)) = text.split_once('-') {
            let a = NaiveDate::from_ymd_opt(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, 1)
                .ok_or_else(bad)?;
            (
                a,
                next_month(a, 1).ok_or_else(bad)?,
                format!("{:04}-{:02}", a.year(), a.month()),
            )
        } else {
            let y: i32 = text.parse().map_err(|_| bad())?;
            let a = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(bad)?;
            (a, next_month(a, 12).ok_or_else(bad)?, format!("{y:04}"))
        };
        Ok(Period {
            label,
            from: midnight(first, zone).ok_or_else(bad)?,
            to: midnight(after, zone).ok_or_else(bad)?,
            timezone: zone.name().to_owned(),
        })
    }

    /// The calendar month (`YYYY-MM`) of a month period.
    pub fn month(month: crate::app::escalation::summary::Month, zone: Tz) -> Period {
        let (from, to) = month.bounds(zone);
        Period {
            label: month.to_string(),
            from,
            to,
            timezone: zone.name().to_owned(),
        }
    }
}

fn next_month(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    d.checked_add_months(chrono::Months::new(months))
}

fn midnight(d: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(zone)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_of_every_shape() {
        let z = chrono_tz::Asia::Shanghai;
        let m = Period::parse("2026-3", z).unwrap();
        assert_eq!(
            (m.label.as_str(), m.from.to_rfc3339()),
            ("2026-03", "2026-02-28T16:00:00+00:00".into())
        );
        assert_eq!(m.to.to_rfc3339(), "2026-03-31T16:00:00+00:00");
        let y = Period::parse("2026", z).unwrap();
        assert_eq!(y.to.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        assert_eq!(
            Period::parse("2026-q4", z).unwrap().to.to_rfc3339(),
            "2026-12-31T16:00:00+00:00"
        );
        for bad in [
            "",
            "2026-Q5",
            "2026-00",
            "x",
            "2026-03-10..2026-03-01",
            "2026-02-30..2026-03-01",
        ] {
            assert!(Period::parse(bad, z).is_err(), "{bad}");
        }
    }
}
