//! The monthly summary email: on the first day of each month (by default 08:00 in
//! `[escalation] summary_timezone`) managers receive the previous month's headline numbers and a link to the breach report.
//!
//! Recipients are the enabled users with an address who are managers or hold `buyer_ops_lead`.
//! The message is queued in the outbox under `summary/YYYY-MM`, so however many replicas run the
//! job, and however often it is run by hand (`opsclock outbox summary --month 2026-10`), a month is
//! summarised once.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use sla_clock::Role;

use super::message::escape;
use super::message::{EnglishCopy, Rendered};
use super::recipients::held_roles;
use super::{Links, NewMessage, enqueue};
use crate::db::entities::{outbox, tickets, users};
use sla_clock::Calendar;
use std::collections::BTreeMap;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a month; write YYYY-MM, e.g. 2026-10");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        let (year, month) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        Ok(Month { year, month })
    }
}

impl Month {
    /// The month before the one containing `at` in `zone`.
    pub fn previous(at: DateTime<Utc>, zone: Tz) -> Month {
        let local = at.with_timezone(&zone);
        match local.month() {
            1 => Month {
                year: local.year() - 1,
                month: 12,
            },
            m => Month {
                year: local.year(),
                month: m - 1,
            },
        }
    }

    /// The first instant of the month and of the next one, in `zone`.
    pub fn bounds(self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |y: i32, m: u32| {
            NaiveDate::from_ymd_opt(y, m, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|t| t.and_local_timezone(zone).earliest())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        let (ny, nm) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        (start(self.year, self.month), start(ny, nm))
    }
}

/// The month's headline numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headline {
    /// Tickets received in the month.
    pub received: u64,
    /// Of those, tickets that breached at least one deadline.
    pub breached: u64,
    /// Tickets resolved in the month.
    pub resolved: u64,
}

impl Headline {
    /// Share of the month's tickets that met every deadline, in per cent (one decimal).
    pub fn compliance(&self) -> Option<f64> {
        (self.received > 0)
            .then(|| ((self.received - self.breached) as f64 * 1000.0 / self.received as f64).round() / 10.0)
    }
}

/// Counts the month's tickets.
pub async fn headline(db: &impl ConnectionTrait, month: Month, zone: Tz) -> Result<Headline, DbErr> {
    let (from, to) = month.bounds(zone);
    let received = || {
        tickets::Entity::find()
            .filter(tickets::Column::ReceivedAt.gte(from))
            .filter(tickets::Column::ReceivedAt.lt(to))
    };
    Ok(Headline {
        received: received().count(db).await?,
        breached: received().filter(tickets::Column::Breached.eq(true)).count(db).await?,
        resolved: tickets::Entity::find()
            .filter(tickets::Column::ResolvedAt.gte(from))
            .filter(tickets::Column::ResolvedAt.lt(to))
            .count(db)
            .await?,
    })
}

/// The month's breach report as an XLSX attachment.
async fn workbook(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    month: Month,
    zone: Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<crate::mail::Attachment> {
    let period = crate::app::reports::Period::month(month, zone);
    let report = crate::app::reports::breaches(db, calendars, period, Default::default(), None, now, true)
        .await
        .map_err(|e| anyhow::anyhow!("the breach report of {month}: {e}"))?;
    let format = crate::app::reports::export::Format::Xlsx;
    Ok(crate::mail::Attachment::new(
        crate::app::reports::export::file_name(&report, format),
        format.content_type(),
        &crate::app::reports::export::xlsx::write(&report)?,
    ))
}

/// Queues the summary of `month`; returns whether a message was queued (false if it already was,
/// or nobody is to receive it). With `attach` (the calendars), the month's breach report is
/// attached as an XLSX workbook.
pub async fn queue(
    db: &impl ConnectionTrait,
    month: Month,
    zone: Tz,
    links: &Links,
    now: DateTime<Utc>,
    attach: Option<&BTreeMap<String, Calendar>>,
) -> anyhow::Result<bool> {
    let key = format!("summary/{month}");
    let managers = users::Entity::find()
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::Email.is_not_null())
        .all(db)
        .await?;
    let readers: Vec<&users::Model> = managers
        .iter()
        .filter(|u| *u.role == crate::app::auth::Role::Manager || held_roles(u).contains(&Role::BuyerOpsLead))
        .filter(|u| u.email.is_some())
        .collect();
    // The workbook holds every unit's tickets and every contract's deductions: it goes only to
    // a list of readers who all see the whole install. Others follow the link, which shows each
    // reader what they may see.
    let all_see_everything = readers.iter().all(|u| u.unit_id.is_none() && u.vendor_id.is_none());
    let mut to: Vec<String> = readers.iter().filter_map(|u| u.email.clone()).collect();
    to.sort();
    to.dedup();
    if to.is_empty() {
        tracing::warn!(%month, "no manager has an email address; the monthly summary is not queued");
        return Ok(false);
    }
    let key_taken = outbox::Entity::find()
        .filter(outbox::Column::DedupKey.eq(&key))
        .count(db)
        .await?
        > 0;
    if key_taken {
        return Ok(false);
    }
    let h = headline(db, month, zone).await?;
    let mut attachments = Vec::new();
    match attach {
        Some(_) if !all_see_everything => {
            tracing::info!(%month, "some recipients see only their unit or vendor: the summary links to the report, no workbook attached");
        }
        Some(calendars) => match workbook(db, calendars, month, zone, now).await {
            Ok(file) => attachments.push(file),
            // The summary still goes out; the link still works.
            Err(e) => tracing::error!(%month, error = %e, "cannot attach the breach report to the summary"),
        },
        None => {}
    }
    let link = format!("{}/reports/breaches?period={month}", links.public_url);
    let compliance = h.compliance().map_or("-".to_owned(), |c| format!("{c:.1}%"));
    let subject = format!(
        "[opsclock] {month} 月度运维报告：工单 {}，超时 {}",
        h.received, h.breached
    );
    let text = format!(
        "{month} 月度运维摘要\n受理工单：{r}\n超时工单：{b}\n按时率：{compliance}\n已解决：{s}\n违约报告：{link}\n",
        r = h.received,
        b = h.breached,
        s = h.resolved,
    );
    let english = EnglishCopy {
        text: format!(
            "Summary of {month}\nTickets received: {r}\nTickets that breached a deadline: {b}\n\
             Met every deadline: {compliance}\nResolved: {s}\nBreach report: {link}\n",
            r = h.received,
            b = h.breached,
            s = h.resolved,
        ),
        html: format!(
            "<h2>Summary of {month}</h2><table cellpadding=\"4\">\
             <tr><th align=\"left\">Received</th><td>{r}</td></tr>\
             <tr><th align=\"left\">Breached</th><td>{b}</td></tr>\
             <tr><th align=\"left\">Met every deadline</th><td>{compliance}</td></tr>\
             <tr><th align=\"left\">Resolved</th><td>{s}</td></tr></table>\
             <p><a href=\"{l}\">Breach report</a></p>",
            r = h.received,
            b = h.breached,
            s = h.resolved,
            l = escape(&link),
        ),
    };
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title></head><body>\
         <h2>{month} 月度运维摘要</h2><table cellpadding=\"4\">\
         <tr><th align=\"left\">受理工单</th><td>{r}</td></tr>\
         <tr><th align=\"left\">超时工单</th><td>{b}</td></tr>\
         <tr><th align=\"left\">按时率</th><td>{compliance}</td></tr>\
         <tr><th align=\"left\">已解决</th><td>{s}</td></tr></table>\
         <p><a href=\"{l}\">违约报告</a></p></body></html>",
        t = escape(&subject),
        r = h.received,
        b = h.breached,
        s = h.resolved,
        l = escape(&link),
    );
    let message = NewMessage {
        key,
        kind: "summary",
        step: None,
        due_at: month.bounds(zone).1,
        recipients: to,
        note: None,
        mail: Rendered {
            subject,
            text,
            html,
            english: Some(english),
        },
        thread_id: None,
        attachments,
    };
    Ok(enqueue(db, links, message, now).await? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_bound_in_the_zone() {
        let m: Month = "2026-10".parse().unwrap();
        let (a, b) = m.bounds(chrono_tz::Asia::Shanghai);
        assert_eq!(a.to_rfc3339(), "2026-09-30T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert!("2026-13".parse::<Month>().is_err());
        let jan: DateTime<Utc> = "2027-01-01T08:00:00+08:00".parse().unwrap();
        assert_eq!(Month::previous(jan, chrono_tz::Asia::Shanghai).to_string(), "2026-12");
        let h = Headline {
            received: 3,
            breached: 1,
            resolved: 2,
        };
        assert_eq!(h.compliance(), Some(66.7));
    }
}
