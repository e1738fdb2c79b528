//! The report's footnotes: what a reader must know to read its figures, in Chinese and English.
//! Every human-readable form prints them (the page under its tables, the workbook on a sheet of
//! its own, a CSV file in its last rows, the dashboard under the late clocks); the JSON carries
//! them as they are.
//!
//! One today: deadlines that run into a year whose holidays the State Council has not published
//! yet are counted with the calendar's weekly schedule alone and are *provisional* — measured
//! again when the notice is imported, when they may move, and the breaches and deductions that
//! rest on them with them.

use std::collections::BTreeMap;

use serde::Serialize;
use sla_clock::Calendar;
use utoipa::ToSchema;

use super::counts::{ClockCompliance, ProvisionalRow};

/// One footnote, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Footnote {
    /// In Chinese (printed first).
    pub zh: String,
    /// In English.
    pub en: String,
}

/// The footnotes of a report with per-clock `clocks` and the provisional clocks `provisional`
/// (by name and calendar) over `calendars`.
pub fn footnotes(
    clocks: &[ClockCompliance],
    provisional: &[ProvisionalRow],
    calendars: &BTreeMap<String, Calendar>,
) -> Vec<Footnote> {
    let n: i64 = clocks.iter().map(|c| c.provisional).sum();
    if n == 0 {
        return Vec::new();
    }
    let breached: i64 = clocks.iter().map(|c| c.provisional_breached).sum();
    // Which calendars, and up to which date each is published.
    let mut published: Vec<(String, String)> = Vec::new();
    for p in provisional {
        if published.iter().all(|(name, _)| *name != p.calendar) {
            let last = calendars
                .get(&p.calendar)
                .map(|c| c.covered_dates().1.to_string())
                .unwrap_or_default();
            published.push((p.calendar.clone(), last));
        }
    }
    published.sort();
    let zh_cal: Vec<String> = published
        .iter()
        .map(|(name, last)| format!("{name} 已发布至 {last}"))
        .collect();
    let en_cal: Vec<String> = published
        .iter()
        .map(|(name, last)| format!("{name} is published to {last}"))
        .collect();
    let zh_breached = if breached > 0 {
        format!("（其中 {breached} 个已超时）")
    } else {
        String::new()
    };
    let en_breached = if breached > 0 {
        format!(" ({breached} of them breached)")
    } else {
        String::new()
    };
    let (deadlines, run, were, they) = if n == 1 {
        ("deadline", "runs", "was", "it is")
    } else {
        ("deadlines", "run", "were", "they are")
    };
    vec![Footnote {
        zh: format!(
            "* 暂定：{n} 个时限{zh_breached}的截止时间跨入尚未发布节假日安排的年份（{}），按每周工作安排暂算；\
             导入国务院通知后会重新计算，达标率、超时明细和扣款可能随之变化。",
            zh_cal.join("；")
        ),
        en: format!(
            "* Provisional: {n} {deadlines}{en_breached} {run} into a year whose holidays are not published yet \
             ({}) and {were} counted with the weekly schedule alone; {they} measured again when the State \
             Council's notice is imported, and the compliance, the breached clocks and the deductions may change.",
            en_cal.join("; ")
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(name: &str, provisional: i64, breached: i64) -> ClockCompliance {
        ClockCompliance {
            clock: name.into(),
            total: 3,
            met: 1,
            breached: 1,
            pending: 1,
            cancelled: 0,
            compliance_pct: Some(50.0),
            provisional,
            provisional_met: 0,
            provisional_breached: breached,
            final_compliance_pct: None,
        }
    }

    #[test]
    fn none_without_provisional_clocks() {
        assert_eq!(footnotes(&[clock("repair", 0, 0)], &[], &BTreeMap::new()), vec![]);
    }

    #[test]
    fn counts_and_names_the_calendar() {
        let cn = sla_clock::builtin::calendar("cn-5x8").unwrap();
        let last = cn.covered_dates().1;
        let calendars = BTreeMap::from([("cn-5x8".to_owned(), cn)]);
        let row = ProvisionalRow {
            clock: "repair".into(),
            calendar: "cn-5x8".into(),
            total: 2,
            met: 0,
            breached: 1,
        };
        let notes = footnotes(
            &[clock("response", 0, 0), clock("repair", 2, 1)],
            std::slice::from_ref(&row),
            &calendars,
        );
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].zh.starts_with(&format!(
                "* 暂定：2 个时限（其中 1 个已超时）的截止时间跨入尚未发布节假日安排的年份（cn-5x8 已发布至 {last}）"
            )),
            "{}",
            notes[0].zh
        );
        assert!(
            notes[0]
                .en
                .starts_with(&format!("* Provisional: 2 deadlines (1 of them breached) run into a year whose holidays are not published yet (cn-5x8 is published to {last})")),
            "{}",
            notes[0].en
        );
        let one = footnotes(&[clock("repair", 1, 0)], &[row], &calendars);
        assert!(one[0].zh.starts_with("* 暂定：1 个时限的截止时间"), "{}", one[0].zh);
        assert!(
            one[0].en.starts_with("* Provisional: 1 deadline runs into"),
            "{}",
            one[0].en
        );
        assert!(
            one[0]
                .en
                .contains(") and was counted with the weekly schedule alone; it is measured again"),
            "{}",
            one[0].en
        );
    }
}
