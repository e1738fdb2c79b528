//! Quiet hours: per person and channel, the hours of the day during which a non-urgent notice
//! waits. An urgent ticket's notices go at once, whatever the hour; an escalation (the ladder)
//! is not held back either — a breach does not wait for the morning.
//!
//! The hours are China time (Asia/Shanghai), `from` inclusive and `to` exclusive, and may run
//! past midnight:
//!
//! ```
//! use opsclock::app::notices::quiet::Window;
//! let night = Window::new("22:00", "07:00").unwrap();
//! let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
//! // 23:30 in Beijing: quiet until 07:00 the next morning.
//! assert_eq!(night.release_at(at("2026-12-03T23:30:00+08:00")), Some(at("2026-12-04T07:00:00+08:00")));
//! // 06:59: quiet one more minute.
//! assert_eq!(night.release_at(at("2026-12-04T06:59:00+08:00")), Some(at("2026-12-04T07:00:00+08:00")));
//! // 07:00 and 21:59: not quiet.
//! assert_eq!(night.release_at(at("2026-12-04T07:00:00+08:00")), None);
//! assert_eq!(night.release_at(at("2026-12-04T21:59:00+08:00")), None);
//! let lunch = Window::new("12:00", "13:30").unwrap();
//! assert_eq!(lunch.release_at(at("2026-12-04T12:10:00+08:00")), Some(at("2026-12-04T13:30:00+08:00")));
//! assert!(Window::new("08:00", "08:00").is_err());
//! assert!(Window::new("25:00", "08:00").is_err());
//! ```

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Channel;

/// The zone quiet hours are read in.
pub const ZONE: chrono_tz::Tz = crate::app::catalog::service::ZONE;

/// A daily window, `HH:MM` to `HH:MM` China time (past midnight if `to` is earlier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Start, inclusive (`22:00`).
    #[schema(example = "22:00")]
    pub from: String,
    /// End, exclusive (`07:00`).
    #[schema(example = "07:00")]
    pub to: String,
}

fn time_of(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| format!("{s:?} is not a time of day HH:MM"))
}

impl Window {
    /// The window from `from` to `to`, or why not.
    pub fn new(from: &str, to: &str) -> Result<Window, String> {
        let w = Window {
            from: from.trim().to_owned(),
            to: to.trim().to_owned(),
        };
        w.check()?;
        Ok(w)
    }

    /// What is wrong with the window, if anything.
    pub fn check(&self) -> Result<(), String> {
        let (from, to) = (time_of(&self.from)?, time_of(&self.to)?);
        if from == to {
            return Err(format!(
                "from and to are both {}; a window needs two different times",
                self.from
            ));
        }
        Ok(())
    }

    /// If `at` falls in the window, the instant it ends; else `None`.
    pub fn release_at(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (Ok(from), Ok(to)) = (time_of(&self.from), time_of(&self.to)) else {
            return None;
        };
        let local = at.with_timezone(&ZONE);
        let (day, t) = (local.date_naive(), local.time());
        let end_day = if from < to {
            (from <= t && t < to).then_some(day)?
        } else if t >= from {
            day.succ_opt()?
        } else if t < to {
            day
        } else {
            return None;
        };
        ZONE.from_local_datetime(&end_day.and_time(to))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    }
}

/// A person's quiet hours, per channel (`users.quiet_hours`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// For email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Window>,
    /// For SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<Window>,
}

impl QuietHours {
    /// The stored value of a user (none if absent or unreadable).
    pub fn of(stored: Option<&serde_json::Value>) -> QuietHours {
        stored
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// The window of `channel`.
    pub fn window(&self, channel: Channel) -> Option<&Window> {
        match channel {
            Channel::Email => self.email.as_ref(),
            Channel::Sms => self.sms.as_ref(),
        }
    }

    /// When a non-urgent notice by `channel` at `at` may go: `None` = at once.
    pub fn hold_until(&self, channel: Channel, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.window(channel).and_then(|w| w.release_at(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn each_channel_has_its_own_hours() {
        let q = QuietHours {
            email: None,
            sms: Some(Window::new("21:00", "08:00").unwrap()),
        };
        let late = at("2026-12-05T22:00:00+08:00");
        assert_eq!(q.hold_until(Channel::Email, late), None);
        assert_eq!(q.hold_until(Channel::Sms, late), Some(at("2026-12-06T08:00:00+08:00")));
        let stored = serde_json::to_value(&q).unwrap();
        assert_eq!(stored, serde_json::json!({"sms": {"from": "21:00", "to": "08:00"}}));
        assert_eq!(QuietHours::of(Some(&stored)), q);
        assert_eq!(QuietHours::of(None), QuietHours::default());
    }

    #[test]
    fn every_minute_of_a_day_is_either_quiet_until_the_end_or_free() {
        let w = Window::new("22:30", "06:15").unwrap();
        let start = at("2026-12-31T00:00:00+08:00");
        for m in 0..(24 * 60) {
            let t = start + chrono::TimeDelta::minutes(m);
            let local = t.with_timezone(&ZONE).time();
            let quiet = local >= NaiveTime::from_hms_opt(22, 30, 0).unwrap()
                || local < NaiveTime::from_hms_opt(6, 15, 0).unwrap();
            match w.release_at(t) {
                Some(end) => {
                    assert!(quiet, "{t}");
                    assert!(end > t && end - t <= chrono::TimeDelta::hours(8), "{t} → {end}");
                    assert_eq!(
                        end.with_timezone(&ZONE).time(),
                        NaiveTime::from_hms_opt(6, 15, 0).unwrap()
                    );
                }
                None => assert!(!quiet, "{t}"),
            }
        }
    }
}
