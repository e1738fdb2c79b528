//! Staffing gaps: where laid-out shifts leave a [`StaffingRule`] short.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::layout::ShiftInstance;
use crate::roster::StaffingRule;

/// A stretch of time with fewer people on duty than a rule asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The rule's team.
    pub team: String,
    /// When the shortfall begins.
    pub from: DateTime<Utc>,
    /// When it ends (exclusive).
    pub to: DateTime<Utc>,
    /// How many are on duty.
    pub have: u32,
    /// How many the rule asks.
    pub need: u32,
}

/// Where, within `[from, to)`, the `shifts` leave a rule short: for each rule, the maximal
/// stretches with the same shortfall, ordered by team then time.
pub fn gaps(shifts: &[ShiftInstance], rules: &[StaffingRule], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Gap> {
    let mut out = Vec::new();
    for rule in rules {
        let mine: Vec<&ShiftInstance> = shifts.iter().filter(|s| s.team == rule.team).collect();
        let mut cuts: Vec<DateTime<Utc>> = vec![from, to];
        for s in &mine {
            for t in [s.start, s.end] {
                if from < t && t < to {
                    cuts.push(t);
                }
            }
        }
        cuts.sort();
        cuts.dedup();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let mut people: Vec<&String> = mine.iter().filter(|s| s.covers(a)).flat_map(|s| &s.members).collect();
            people.sort();
            people.dedup();
            let have = people.len() as u32;
            if have >= rule.min {
                continue;
            }
            match out.last_mut() {
                Some(Gap { team, to, have: h, .. }) if *team == rule.team && *to == a && *h == have => *to = b,
                _ => out.push(Gap {
                    team: rule.team.clone(),
                    from: a,
                    to: b,
                    have,
                    need: rule.min,
                }),
            }
        }
    }
    out
}
