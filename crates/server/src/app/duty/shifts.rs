//! Questions asked of every roster at once: a person's shifts across rosters (for their
//! calendar) and where the staffing falls short. A roster that cannot lay out its shifts is left
//! out with the reason logged, and the others still answer.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use duty_roster::{Gap, ShiftInstance, StaffingRule};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Serialize;
use sla_clock::Calendar;
use utoipa::ToSchema;

use super::rosters::{Loaded, list};
use crate::app::AppError;
use crate::db::entities::vendors;

/// A shift of one user, for their calendar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserShift {
    /// The roster's code.
    pub roster: String,
    /// The roster's name.
    pub roster_name: String,
    /// The shift line.
    pub line: String,
    /// The team.
    pub team: String,
    /// The day it begins.
    pub date: NaiveDate,
    /// When it begins.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
    /// Everyone on the shift.
    pub members: Vec<String>,
}

/// Every shift `username` holds in `[from, to)`, across all rosters.
pub async fn shifts_of(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    username: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<UserShift>, AppError> {
    let mut out = Vec::new();
    for r in list(db).await? {
        let Some(instances) = laid_out(&r, calendars, from, to) else {
            continue;
        };
        for s in instances {
            if s.members.iter().any(|m| m == username) {
                out.push(UserShift {
                    roster: r.doc.code.clone(),
                    roster_name: r.doc.name.clone(),
                    line: s.line,
                    team: s.team,
                    date: s.date,
                    start: s.start,
                    end: s.end,
                    members: s.members,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.start, &a.roster).cmp(&(b.start, &b.roster)));
    Ok(out)
}

/// The shifts of roster `r` in `[from, to)`, or `None` (logged) when it cannot lay them out (its
/// calendar does not count those dates, or it was stored before a check it fails): one roster that
/// cannot answer must not hide every other roster's shifts and gaps.
fn laid_out(
    r: &Loaded,
    calendars: &BTreeMap<String, Calendar>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<Vec<ShiftInstance>> {
    match r.instances(calendars, from, to) {
        Ok(shifts) => Some(shifts),
        Err(e) => {
            tracing::error!(roster = %r.doc.code, error = %e, "roster left out: it cannot lay out its shifts");
            None
        }
    }
}

/// A staffing shortfall, and the rule it breaks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffingGap {
    /// The roster's code, or `window:CODE` for a major-event window's rule.
    pub source: String,
    /// The vendor's code.
    pub vendor: String,
    /// The shortfall.
    #[schema(value_type = Object)]
    pub gap: Gap,
}

/// Every staffing shortfall in `[from, to)`: each roster against its own rules, and each vendor
/// against the rules of the major-event windows that overlap the range (counted over all of
/// the vendor's rosters, during the window only).
pub async fn gaps(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StaffingGap>, AppError> {
    let all = list(db).await?;
    let vendor_codes: BTreeMap<i64, String> = vendors::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.code))
        .collect();
    let mut by_vendor: BTreeMap<i64, Vec<ShiftInstance>> = BTreeMap::new();
    let mut out = Vec::new();
    for r in &all {
        let Some(shifts) = laid_out(r, calendars, from, to) else {
            continue;
        };
        let vendor = vendor_codes.get(&r.row.vendor_id).cloned().unwrap_or_default();
        for gap in duty_roster::gaps(&shifts, &r.doc.staffing, from, to) {
            out.push(StaffingGap {
                source: r.doc.code.clone(),
                vendor: vendor.clone(),
                gap,
            });
        }
        by_vendor.entry(r.row.vendor_id).or_default().extend(shifts);
    }
    for w in super::windows::overlapping(db, from, to).await? {
        let (a, b) = (w.row.starts_at.max(from), w.row.ends_at.min(to));
        for rule in &w.doc.staffing {
            let vendors: Vec<i64> = match &rule.vendor {
                Some(code) => vendor_codes
                    .iter()
                    .filter(|(_, c)| *c == code)
                    .map(|(id, _)| *id)
                    .collect(),
                None => by_vendor.keys().copied().collect(),
            };
            for v in vendors {
                let shifts = by_vendor.get(&v).map(Vec::as_slice).unwrap_or_default();
                let r = StaffingRule {
                    team: rule.team.clone(),
                    min: rule.min,
                };
                for gap in duty_roster::gaps(shifts, &[r], a, b) {
                    out.push(StaffingGap {
                        source: format!("window:{}", w.doc.code),
                        vendor: vendor_codes.get(&v).cloned().unwrap_or_default(),
                        gap,
                    });
                }
            }
        }
    }
    Ok(out)
}
