//! Device availability, the arithmetic alone (no I/O): a device's outage over a period and a
//! system's main-device availability. Seed 004 L27653–27655: "系统主要设备考核指标，按照运行期间
//! 设备正常运行时间比例进行计算" — the share of normal running time of the main devices over the
//! time they run; outages from road or municipal works, force majeure and buyer-approved
//! maintenance "不视为故障" (L27661–27663), i.e. the approved exclusion windows.
//!
//! - A device is measured over the period cut to its days in service: from the start of its
//!   `installed_on` day to the end of its `removed_on` day (Beijing time); without either, the
//!   whole period.
//! - Its outage is the union of the impact windows of the tickets naming it (from when the fault
//!   began to when service was restored, or the report's instant), cut to its measured time,
//!   minus the approved exclusions of its system. Two tickets on one outage count once.
//! - A device's availability is `1 − outage / measured`.
//! - A system's main-device availability is the total running time of its main devices over
//!   their total measured time: `1 − Σ outage / Σ measured`. While every main device is there
//!   the whole period this is the mean of their availabilities; a device installed or removed
//!   in the period weighs by the time it was there (a camera there for one day of thirty does not
//!   count as much as one there all month).

use chrono::{DateTime, TimeDelta, Utc};

use crate::app::duty::exclusions::{subtract, total};

/// A span of time, `[from, to)`.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// One device's figures over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Uptime {
    /// Time measured (its days in service within the period).
    pub measured: TimeDelta,
    /// Outage counted (after exclusions).
    pub outage: TimeDelta,
    /// Outage that fell in approved exclusions and is not counted.
    pub excluded: TimeDelta,
}

impl Uptime {
    /// `1 − outage / measured`, as a share (none when nothing is measured).
    pub fn share(&self) -> Option<f64> {
        (self.measured > TimeDelta::zero())
            .then(|| 1.0 - self.outage.num_milliseconds() as f64 / self.measured.num_milliseconds() as f64)
    }

    /// Adds another device's figures (a system's total).
    pub fn plus(self, o: Uptime) -> Uptime {
        Uptime {
            measured: self.measured + o.measured,
            outage: self.outage + o.outage,
            excluded: self.excluded + o.excluded,
        }
    }
}

/// A device's figures over `period`, in service during `in_service` (none: the whole period),
/// down during `impacts` (its tickets' impact windows), with its system's approved `exclusions`.
pub fn device(period: Span, in_service: Option<Span>, impacts: &[Span], exclusions: &[Span]) -> Uptime {
    let (a, b) = match in_service {
        Some((x, y)) => (period.0.max(x), period.1.min(y)),
        None => period,
    };
    if a >= b {
        return Uptime::default();
    }
    let clipped: Vec<Span> = impacts
        .iter()
        .map(|&(x, y)| (x.max(a), y.min(b)))
        .filter(|(x, y)| x < y)
        .collect();
    let raw = total(&subtract(&clipped, &[]));
    let outage = total(&subtract(&clipped, exclusions));
    Uptime {
        measured: b - a,
        outage,
        excluded: raw - outage,
    }
}

/// A system's main-device figures: the sum of its main devices' (see the module's text).
pub fn system(devices: impl IntoIterator<Item = Uptime>) -> Uptime {
    devices.into_iter().fold(Uptime::default(), Uptime::plus)
}

/// A share as a percentage with four decimals: 0.997222… → 99.7222.
pub fn pct(share: f64) -> f64 {
    (share * 1_000_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        // Days of March 2026, UTC for simplicity.
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    #[test]
    fn a_month_by_hand() {
        // March 2026: 31 days = 744 hours. Three main devices:
        // - CAM-1, there all month: a fault from 3 March 08:00 to 3 March 20:00 (12 h) and
        //   another from 10 March 00:00 to 11 March 00:00 (24 h), of which 10 March 00:00–06:00
        //   fell in an approved maintenance window (6 h excluded): outage 12 + 18 = 30 h.
        //   Availability 1 − 30/744 = 95.9677 %.
        // - CAM-2, there all month, two tickets on one outage (5 March 10:00–14:00 and
        //   12:00–16:00): counted once, 6 h. 1 − 6/744 = 99.1935 %.
        // - CAM-3, installed 16 March (measured 16 days = 384 h), a fault 20 March 00:00–12:00
        //   (12 h). 1 − 12/384 = 96.875 %.
        // System: Σ outage = 30 + 6 + 12 = 48 h over Σ measured = 744 + 744 + 384 = 1 872 h:
        // 1 − 48/1 872 = 97.4359 %. (The mean of the three would be 97.3454 %: CAM-3 weighs by
        // its 16 days, not as a whole device.)
        let month = (at(1, 0), Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
        let maintenance = [(at(10, 0), at(10, 6))];
        let cam1 = device(
            month,
            None,
            &[(at(3, 8), at(3, 20)), (at(10, 0), at(11, 0))],
            &maintenance,
        );
        assert_eq!(cam1.outage, TimeDelta::hours(30));
        assert_eq!(cam1.excluded, TimeDelta::hours(6));
        assert_eq!(pct(cam1.share().unwrap()), 95.9677);
        let cam2 = device(
            month,
            None,
            &[(at(5, 10), at(5, 14)), (at(5, 12), at(5, 16))],
            &maintenance,
        );
        assert_eq!(cam2.outage, TimeDelta::hours(6));
        assert_eq!(pct(cam2.share().unwrap()), 99.1935);
        let cam3 = device(
            month,
            Some((at(16, 0), month.1)),
            &[(at(20, 0), at(20, 12))],
            &maintenance,
        );
        assert_eq!(cam3.measured, TimeDelta::hours(384));
        assert_eq!(pct(cam3.share().unwrap()), 96.875);
        let all = system([cam1, cam2, cam3]);
        assert_eq!(all.measured, TimeDelta::hours(1872));
        assert_eq!(all.outage, TimeDelta::hours(48));
        assert_eq!(pct(all.share().unwrap()), 97.4359);
    }

    #[test]
    fn a_device_not_in_service_in_the_period_is_not_measured() {
        let month = (at(1, 0), at(31, 0));
        let u = device(month, Some((at(31, 0), at(31, 5))), &[(at(2, 0), at(3, 0))], &[]);
        assert_eq!(u, Uptime::default());
        assert_eq!(u.share(), None);
    }

    proptest! {
        #[test]
        fn outage_is_within_the_measured_time_and_exclusions_only_lower_it(
            spans in proptest::collection::vec((0u32..700, 1u32..100), 0..8),
            ex in proptest::collection::vec((0u32..700, 1u32..100), 0..4),
        ) {
            let base = at(1, 0);
            let h = |x: u32| base + TimeDelta::hours(i64::from(x));
            let month = (base, h(744));
            let impacts: Vec<Span> = spans.iter().map(|&(a, l)| (h(a), h(a + l))).collect();
            let excl: Vec<Span> = ex.iter().map(|&(a, l)| (h(a), h(a + l))).collect();
            let with = device(month, None, &impacts, &excl);
            let without = device(month, None, &impacts, &[]);
            prop_assert!(with.outage <= with.measured);
            prop_assert!(with.outage <= without.outage);
            prop_assert_eq!(with.outage + with.excluded, without.outage);
            let share = with.share().unwrap();
            prop_assert!((0.0..=1.0).contains(&share));
            // The system of one device is that device.
            prop_assert_eq!(system([with]), with);
        }
    }
}
