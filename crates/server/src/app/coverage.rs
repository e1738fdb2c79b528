//! Warnings ahead of a dated calendar running out of published holidays.
//!
//! A dated calendar (`cn-5x8`, `cn-7x24`) knows the holidays and make-up days up to its last
//! published date ([`Calendar::published_to`], `covers.to` in its file). Past it, it counts with
//! its weekly schedule alone and marks such deadlines provisional until the State Council's notice
//! for the next year is imported (`opsclock calendar import-notice`). This module says, for a
//! snapshot of the calendars and the current instant, how many days each dated calendar has left,
//! and which are within the warning window (`[sla] coverage_warning_days`, default
//! [`DEFAULT_WARNING_DAYS`]) or already past it. Undated calendars (`24x7`) never warn: their
//! weekly schedule is the whole truth.
//!
//! The warnings are shown at start-up, on the admin pages, as the gauge
//! `opsclock_calendar_coverage_days_left` of `/metrics`, and mailed to admins once per ISO week
//! per calendar ([`queue_weekly`]).
//!
//! ```
//! use std::collections::BTreeMap;
//! use chrono::{DateTime, NaiveDate, Utc};
//! use opsclock::app::coverage;
//! use sla_clock::Calendar;
//!
//! let cal = |text: &str| {
//!     let c = Calendar::from_toml(text).unwrap();
//!     (c.name().to_owned(), c)
//! };
//! let calendars: BTreeMap<String, Calendar> = [
//!     cal("name = \"cn-5x8\"\nzone = \"Asia/Shanghai\"\ncovers = { from = 2026-01-01, to = 2026-12-31 }\n[week]\nmon = [\"09:00-17:00\"]\n"),
//!     cal("name = \"24x7\"\n[week]\nmon = [\"00:00-24:00\"]\n"),
//! ]
//! .into();
//! // 3 December 2026, 10:00 in Beijing.
//! let now: DateTime<Utc> = "2026-12-03T10:00:00+08:00".parse().unwrap();
//! let warnings = coverage::warnings(&calendars, now, 60);
//! assert_eq!(warnings.len(), 1, "24x7 never warns");
//! let w = &warnings[0];
//! assert_eq!((w.calendar.as_str(), w.days_left), ("cn-5x8", 28));
//! assert_eq!(w.published_to, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
//! assert_eq!(
//!     w.message_zh(),
//!     "日历 cn-5x8 的节假日安排只发布到 2026-12-31，还剩 28 天；\
//!      请导入 2027 年的国务院通知 (opsclock calendar import-notice --year 2027 FILE)"
//! );
//! // A narrower window does not warn yet; once past, the days left are negative.
//! assert!(coverage::warnings(&calendars, now, 14).is_empty());
//! let later: DateTime<Utc> = "2027-01-05T10:00:00+08:00".parse().unwrap();
//! assert_eq!(coverage::warnings(&calendars, later, 0)[0].days_left, -5);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use sla_clock::Calendar;

use crate::app::auth::Role;
use crate::app::escalation::message::{EnglishCopy, Rendered, escape};
use crate::app::escalation::{Links, NewMessage, enqueue};
use crate::db::Key;
use crate::db::entities::{outbox, users};

/// How many days before a calendar's last published date the warnings start, unless
/// `[sla] coverage_warning_days` says otherwise.
pub const DEFAULT_WARNING_DAYS: u32 = 60;

/// The calendars `opsclock calendar import-notice` changes when no `--calendar` is given (see
/// `cli/calendar.rs`); the advice for any other calendar names it.
const NOTICE_DEFAULT_CALENDARS: [&str; 2] = ["cn-5x8", "cn-7x24"];

/// How much published coverage one dated calendar has left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The calendar's name.
    pub calendar: String,
    /// Its last published date (`covers.to`).
    pub published_to: NaiveDate,
    /// The date it is today in the calendar's zone.
    pub today: NaiveDate,
    /// Days from `today` to `published_to`: 0 on the last published day, negative once past it.
    pub days_left: i64,
}

impl Coverage {
    /// The coverage of `cal` at `now`; `None` for an undated calendar (nothing to publish).
    ///
    /// ```
    /// use opsclock::app::coverage::Coverage;
    /// let undated = sla_clock::Calendar::from_toml("name = \"24x7\"\n[week]\nmon = [\"00:00-24:00\"]\n").unwrap();
    /// assert_eq!(Coverage::of(&undated, "2026-12-03T00:00:00Z".parse().unwrap()), None);
    /// ```
    pub fn of(cal: &Calendar, now: DateTime<Utc>) -> Option<Coverage> {
        let published_to = cal.published_to()?;
        let today = cal.local(now).date_naive();
        Some(Coverage {
            calendar: cal.name().to_owned(),
            published_to,
            today,
            days_left: (published_to - today).num_days(),
        })
    }

    /// Whether it is within a warning window of `window_days` days (or past its coverage).
    pub fn warns(&self, window_days: u32) -> bool {
        self.days_left <= i64::from(window_days)
    }

    /// The year whose notice is missing: the year of the first unpublished date.
    pub fn next_year(&self) -> i32 {
        self.published_to.succ_opt().unwrap_or(self.published_to).year()
    }

    /// The command that adds the missing year.
    pub fn command(&self) -> String {
        let year = self.next_year();
        if NOTICE_DEFAULT_CALENDARS.contains(&self.calendar.as_str()) {
            format!("opsclock calendar import-notice --year {year} FILE")
        } else {
            format!(
                "opsclock calendar import-notice --year {year} --calendar {} FILE",
                self.calendar
            )
        }
    }

    /// The ISO week it is in the calendar's zone, as `2026-W49`: the period of the weekly email.
    pub fn iso_week(&self) -> String {
        let w = self.today.iso_week();
        format!("{}-W{:02}", w.year(), w.week())
    }

    /// The outbox identity of this week's email about the calendar: `coverage/cn-5x8/2026-W49`
    /// (slashes, like `summary/2026-10`, so that the `Message-ID` made from it stays valid).
    pub fn key(&self) -> String {
        format!("coverage/{}/{}", self.calendar, self.iso_week())
    }

    /// The warning in one line, in Chinese.
    pub fn message_zh(&self) -> String {
        let when = match self.days_left {
            d if d > 0 => format!("还剩 {d} 天"),
            0 => "今天是最后一天".to_owned(),
            d => format!("已过 {} 天，此后的截止时间均为暂定", -d),
        };
        format!(
            "日历 {} 的节假日安排只发布到 {}，{when}；请导入 {} 年的国务院通知 ({})",
            self.calendar,
            self.published_to,
            self.next_year(),
            self.command()
        )
    }

    /// The warning in one line, in English.
    pub fn message_en(&self) -> String {
        let when = match self.days_left {
            1 => "1 day left".to_owned(),
            d if d > 0 => format!("{d} days left"),
            0 => "today is the last day".to_owned(),
            -1 => "1 day past it, so deadlines after it are provisional".to_owned(),
            d => format!("{} days past it, so deadlines after it are provisional", -d),
        };
        format!(
            "Calendar {} has its holidays published only up to {}, {when}; import the State Council's notice \
             for {} ({})",
            self.calendar,
            self.published_to,
            self.next_year(),
            self.command()
        )
    }
}

/// The coverage of every dated calendar of `calendars` at `now`, by name.
pub fn all(calendars: &BTreeMap<String, Calendar>, now: DateTime<Utc>) -> Vec<Coverage> {
    calendars.values().filter_map(|c| Coverage::of(c, now)).collect()
}

/// The dated calendars whose published coverage ends within `window_days` days of `now`, or has
/// ended, by name.
pub fn warnings(calendars: &BTreeMap<String, Calendar>, now: DateTime<Utc>, window_days: u32) -> Vec<Coverage> {
    all(calendars, now)
        .into_iter()
        .filter(|c| c.warns(window_days))
        .collect()
}

/// Queues this ISO week's email to the admins (enabled users with role `admin` and an address)
/// for every calendar [`warnings`] names, each under its [`Coverage::key`] through the outbox,
/// which takes a key once: however many replicas run the job and however often, a calendar is
/// mailed about once a week. Returns the keys queued now.
///
/// Cheap when there is nothing new: no query at all outside the window, one when this week's
/// messages are queued already. With no admin address nothing is queued (and a warning logged):
/// the banner and the gauge still warn, and the next run queues the email once someone has one.
pub async fn queue_weekly(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    window_days: u32,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    let due = warnings(calendars, now, window_days);
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let taken: BTreeSet<String> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::DedupKey)
        .filter(outbox::Column::DedupKey.is_in(due.iter().map(Coverage::key)))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let new: Vec<&Coverage> = due.iter().filter(|c| !taken.contains(&c.key())).collect();
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let to = admin_addresses(db).await?;
    if to.is_empty() {
        tracing::warn!(
            calendars = ?new.iter().map(|c| c.calendar.as_str()).collect::<Vec<_>>(),
            "no admin has an email address; the calendar coverage warning is not mailed"
        );
        return Ok(Vec::new());
    }
    let mut queued = Vec::new();
    for c in new {
        let message = NewMessage {
            key: c.key(),
            kind: "coverage",
            step: None,
            due_at: now,
            recipients: to.clone(),
            note: None,
            mail: render(c, links),
            thread_id: None,
            attachments: Vec::new(),
        };
        if enqueue(db, links, message, now).await? > 0 {
            queued.push(c.key());
        }
    }
    Ok(queued)
}

/// The addresses of the enabled admins, sorted, each once.
async fn admin_addresses(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let mut to: Vec<String> = users::Entity::find()
        .filter(users::Column::Role.eq(Key(Role::Admin)))
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::Email.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| u.email)
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect();
    to.sort();
    to.dedup();
    Ok(to)
}

/// The weekly email about one calendar.
fn render(c: &Coverage, links: &Links) -> Rendered {
    let (zh, en) = (c.message_zh(), c.message_en());
    let link = format!("{}/admin/calendars?name={}", links.public_url, c.calendar);
    let (when_zh, when_en) = if c.days_left >= 0 {
        (format!("还剩 {} 天", c.days_left), format!("{} days left", c.days_left))
    } else {
        (
            format!("已过 {} 天", -c.days_left),
            format!("ended {} days ago", -c.days_left),
        )
    };
    let subject = format!(
        "[opsclock] 日历 {} 的节假日安排{when_zh}（至 {}）",
        c.calendar, c.published_to
    );
    let text = format!(
        "{zh}\n\n导入后请让 opsclock 重新读取日历文件（重新加载日历或重启）。日历：{link}\n\n\
         每周一封，直到导入为止。\n"
    );
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title></head><body>\
         <p><strong>{zh}</strong></p><p>导入后请让 opsclock 重新读取日历文件（重新加载日历或重启）。</p>\
         <p><a href=\"{l}\">日历 {name}</a></p>\
         <p style=\"color:#4b5563\">每周一封，直到导入为止。</p>\
         </body></html>",
        t = escape(&subject),
        zh = escape(&zh),
        l = escape(&link),
        name = escape(&c.calendar),
    );
    let english = EnglishCopy {
        text: format!(
            "Calendar coverage: {when_en}.\n{en}\n\nAfter the import, have opsclock read the calendar files again \
             (reload the calendars or restart it). Calendar: {link}\n\nSent once a week until the year is imported.\n"
        ),
        html: format!(
            "<p><strong>Calendar coverage: {w}.</strong></p><p>{en}</p><p>After the import, have opsclock read the \
             calendar files again (reload the calendars or restart it).</p><p><a href=\"{l}\">Calendar {name}</a></p>\
             <p>Sent once a week until the year is imported.</p>",
            w = escape(&when_en),
            en = escape(&en),
            l = escape(&link),
            name = escape(&c.calendar),
        ),
    };
    Rendered {
        subject,
        text,
        html,
        english: Some(english),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(name: &str, days_left: i64) -> Coverage {
        let published_to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        Coverage {
            calendar: name.to_owned(),
            published_to,
            today: published_to - chrono::TimeDelta::days(days_left),
            days_left,
        }
    }

    #[test]
    fn messages_say_how_long_is_left_or_how_long_ago_it_ended() {
        assert!(coverage("cn-5x8", 1).message_en().contains(", 1 day left;"));
        let last = coverage("cn-5x8", 0);
        assert!(
            last.message_zh().contains("，今天是最后一天；"),
            "{}",
            last.message_zh()
        );
        assert!(last.message_en().contains("today is the last day"));
        let past = coverage("cn-7x24", -3);
        assert_eq!(
            past.message_zh(),
            "日历 cn-7x24 的节假日安排只发布到 2026-12-31，已过 3 天，此后的截止时间均为暂定；\
             请导入 2027 年的国务院通知 (opsclock calendar import-notice --year 2027 FILE)"
        );
        assert_eq!(
            past.message_en(),
            "Calendar cn-7x24 has its holidays published only up to 2026-12-31, 3 days past it, so deadlines \
             after it are provisional; import the State Council's notice for 2027 \
             (opsclock calendar import-notice --year 2027 FILE)"
        );
        // A calendar the importer does not change by default is named in the command.
        assert!(
            coverage("office", 10)
                .message_en()
                .ends_with("(opsclock calendar import-notice --year 2027 --calendar office FILE)")
        );
    }

    #[test]
    fn the_window_includes_its_last_day_and_everything_past() {
        assert!(coverage("c", 60).warns(60));
        assert!(!coverage("c", 61).warns(60));
        assert!(coverage("c", -400).warns(0));
        assert!(!coverage("c", 1).warns(0));
    }

    #[test]
    fn weeks_are_iso_weeks_of_the_calendars_day() {
        // Thursday 31 December 2026 is in ISO week 53 of 2026; Friday 1 January 2027 too.
        assert_eq!(coverage("cn-5x8", 0).key(), "coverage/cn-5x8/2026-W53");
        assert_eq!(coverage("cn-5x8", -1).key(), "coverage/cn-5x8/2026-W53");
        assert_eq!(coverage("cn-5x8", -4).key(), "coverage/cn-5x8/2027-W01");
        assert_eq!(coverage("cn-5x8", 28).key(), "coverage/cn-5x8/2026-W49");
    }

    #[test]
    fn days_are_counted_in_the_calendars_zone() {
        let cal = Calendar::from_toml(
            "name = \"c\"\nzone = \"Asia/Shanghai\"\ncovers = { from = 2026-01-01, to = 2026-12-31 }\n[week]\nmon = [\"09:00-17:00\"]\n",
        )
        .unwrap();
        // 31 December 17:00 UTC is already 1 January in Beijing.
        let c = Coverage::of(&cal, "2026-12-31T17:00:00Z".parse().unwrap()).unwrap();
        assert_eq!(
            (c.today, c.days_left),
            (NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), -1)
        );
        let c = Coverage::of(&cal, "2026-12-31T15:59:59Z".parse().unwrap()).unwrap();
        assert_eq!(c.days_left, 0);
    }
}
