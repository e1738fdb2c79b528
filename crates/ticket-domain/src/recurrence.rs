//! Recurring faults (同类故障重复发生): when one system fails the same way again and again, the
//! tickets are one problem, whose cause and fix plan the vendor owes the buyer.
//!
//! Seed 004 counts it against the vendor: "因技术能力不足、响应不及时或服务态度问题，导致同类故障连续
//! 发生或重复发生，经甲方书面要求整改仍未达到服务标准的" is 情节严重 (L28666–28670) — the recurrence
//! is the ground, the rectification ordered in writing and not met the trigger — and the vendor
//! must report "频发故障、潜伏故障" with a repair plan per class (L27522–27528). The contract names no number and no period. opsclock reads
//! 重复发生 as **two** tickets of one class (the second is the repetition), and counts them within
//! **30 days** of each other — a setting of its own, not the contract's, which a policy changes
//! with [`Recurrence`].
//!
//! Of one class means: the same system, kinds the rule counts (faults by default; with several,
//! an alarm and a fault of one category are of one class), and the same category ([`crate::Categories`]) — two unsorted tickets are of one class, as a deployment
//! without categories has only the one. Voided tickets never count.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use ticket_domain::recurrence::{Occurrence, Recurrence};
//! use ticket_domain::Kind;
//!
//! let day = |d: i64| Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap() + TimeDelta::days(d);
//! let fault = |d, c: &str| Occurrence { kind: Kind::Fault, category: Some(c.to_owned()), occurred_at: day(d), voided: false };
//! let rule = Recurrence::default(); // 2 within 30 days, faults
//! let earlier = [fault(0, "latent"), fault(3, "occasional")];
//! // A latent fault 29 days after the first: the first recurs.
//! assert_eq!(rule.recurs(&fault(29, "latent"), &earlier), Some(vec![0]));
//! // 31 days after: too late; another class: not the same.
//! assert_eq!(rule.recurs(&fault(31, "latent"), &earlier), None);
//! assert_eq!(rule.recurs(&fault(5, "interference"), &earlier), None);
//! ```

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Kind;

/// A policy's rule for recurring faults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recurrence {
    /// Whether tickets are grouped into problems at all [default: true].
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// How many tickets of one class make a problem, the new one included [default: 2; 重复发生:
    /// it happened again]. At least 2.
    #[serde(default = "two")]
    pub count: u32,
    /// Within how many days of the newest one they began [default: 30; the contracts give none].
    /// At least 1.
    #[serde(default = "thirty")]
    pub within_days: u32,
    /// The kinds counted [default: fault].
    #[serde(default = "faults")]
    pub kinds: Vec<Kind>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn two() -> u32 {
    2
}

fn thirty() -> u32 {
    30
}

fn faults() -> Vec<Kind> {
    vec![Kind::Fault]
}

impl Default for Recurrence {
    fn default() -> Self {
        Recurrence {
            enabled: true,
            count: two(),
            within_days: thirty(),
            kinds: faults(),
        }
    }
}

/// One ticket of a system, as the rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Its kind.
    pub kind: Kind,
    /// Its category, if sorted.
    pub category: Option<String>,
    /// When the problem began.
    pub occurred_at: DateTime<Utc>,
    /// Cancelled (a duplicate, withdrawn): never counted.
    pub voided: bool,
}

impl Recurrence {
    /// What is wrong with the rule, as `(field, message)` pairs.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.count < 2 {
            out.push((
                "count",
                "must be at least 2: a fault recurs when it happens again".to_owned(),
            ));
        }
        if self.within_days == 0 || self.within_days > 3660 {
            out.push(("within_days", "must be 1 to 3660 days".to_owned()));
        }
        if self.kinds.is_empty() {
            out.push((
                "kinds",
                "must name at least one kind (fault, alarm, security, request)".to_owned(),
            ));
        }
        out
    }

    /// The window the rule looks back over.
    pub fn window(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.within_days))
    }

    /// Whether `new` recurs among `earlier` (the system's other tickets that may still count):
    /// the indexes of the earlier tickets of its class that, with `new`, make at least
    /// [`Recurrence::count`] tickets all begun within [`Recurrence::within_days`] of each other
    /// (the window holding `new` with the most of them; the earliest such window on a tie),
    /// oldest first. `None` when there is no such window, the rule is off, or `new` is voided or
    /// of a kind it does not count.
    ///
    /// The window is the span of the whole group, not a distance from `new`: with 7 days, faults
    /// on days 0 and 14 are not one group with a late-logged fault of day 7.
    pub fn recurs(&self, new: &Occurrence, earlier: &[Occurrence]) -> Option<Vec<usize>> {
        if !self.enabled || new.voided || !self.kinds.contains(&new.kind) {
            return None;
        }
        let window = self.window();
        let mut same: Vec<usize> = earlier
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                !o.voided
                    && self.kinds.contains(&o.kind)
                    && o.category == new.category
                    && (o.occurred_at - new.occurred_at).abs() <= window
            })
            .map(|(i, _)| i)
            .collect();
        same.sort_by_key(|i| earlier[*i].occurred_at);
        // Every window [start, start + within] that holds `new`: starting at `new` or at one of
        // the others before it.
        let starts = std::iter::once(new.occurred_at).chain(
            same.iter()
                .map(|i| earlier[*i].occurred_at)
                .filter(|t| *t <= new.occurred_at),
        );
        let best = starts
            .map(|start| {
                let inside: Vec<usize> = same
                    .iter()
                    .copied()
                    .filter(|i| {
                        let t = earlier[*i].occurred_at;
                        t >= start && t - start <= window
                    })
                    .collect();
                (start, inside)
            })
            .filter(|(start, _)| new.occurred_at - *start <= window)
            .max_by(|(sa, a), (sb, b)| a.len().cmp(&b.len()).then(sb.cmp(sa)))?;
        (best.1.len() + 1 >= self.count as usize).then_some(best.1)
    }
}
