//! Corrections: every claim, request, cancellation and direct change of the record on the
//! period's tickets (and those recorded in the period on earlier tickets), with who made it,
//! what it claimed against what was recorded, and who approved or rejected it.
//!
//! A figure of the report changes after the fact only through one of these: a back-dated action
//! the other party approved, a pause the buyer confirmed, a downgrade or cancellation the buyer
//! approved (see `ticket_domain::evidence`). The signed report lists them all, decided or not,
//! so that the attempts are on record too.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;
use ticket_domain::Event;
use utoipa::ToSchema;

use super::sql::{Scope, Sql};
use crate::app::tickets::Loaded;
use crate::app::tickets::evidence::{claims_of, side_of_user};
use crate::db::entities::{ticket_events, users};

/// One claim, request or cancellation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Correction {
    /// Ticket number.
    pub ticket: String,
    /// When the ticket was received: before the report's period for a correction recorded in
    /// the period on an earlier ticket.
    pub ticket_received_at: DateTime<Utc>,
    /// System code.
    pub system: String,
    /// Requests and claims, which wait for the other party: `earlier_time`, `buyer_pause`,
    /// `regrade`, `cancel`, `system`. Changes that took effect at once: `cancelled`, `regraded`,
    /// `system_changed`, `corrected` (title or description), `impact_graded`, `categorised` (a
    /// category set or changed after the opening: it decides recurring faults). And `contested`
    /// (the other party disputes a cancellation; the assessment settles it). A reassignment is
    /// not a correction: it changes who works on, not what was recorded.
    pub kind: String,
    /// What it asks or did, in Chinese.
    pub summary: String,
    /// The party that made it: `buyer`, `vendor`, `supervisor`, or `system` (a job or the
    /// alert intake).
    pub by: String,
    /// The person who made it (login name).
    pub actor: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// For `earlier_time`: the instant claimed.
    pub claimed_at: Option<DateTime<Utc>>,
    /// `pending`, `approved`, `rejected`; `done` for a change that needed nobody's approval;
    /// `disputed` for a contest.
    pub status: String,
    /// The party that decided it.
    pub decided_by: Option<String>,
    /// The person who decided it.
    pub decider: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The decision's note, or the cancellation's.
    pub note: Option<String>,
}

/// The event kinds that put a ticket in this section.
const KINDS: &str = "'claimed', 'requested', 'decided', 'cancelled', 'contested', 'regraded', \
                     'system_changed', 'corrected', 'impact_graded', 'categorised'";

/// The corrections of the scope's tickets, by ticket then in the order they were recorded; then
/// those recorded in the period on earlier tickets.
///
/// A report files tickets by when they were received, but a correction is filed by when it was
/// made too: November's ticket re-graded in December, or a November claim the buyer approved in
/// December, is listed in November's report (all of its corrections, whenever made) and in
/// December's (only what was recorded or decided in December, with the ticket's
/// `ticket_received_at` saying it belongs to an earlier period). A signed November report that a
/// December approval changed is therefore visible from December's.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Correction>, DbErr> {
    let mut own = Sql::new(db);
    own.push("SELECT t.number").from_scope(scope).push(&format!(
        " AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind IN ({KINDS})) \
         ORDER BY t.received_at, t.number"
    ));
    let mut earlier = Sql::new(db);
    earlier.push("SELECT t.number FROM tickets t");
    if scope.unit.is_some() {
        earlier.push(" JOIN systems s ON s.id = t.system_id");
    }
    earlier
        .push(" WHERE t.received_at < ")
        .bind(scope.from)
        .push(&format!(
            " AND t.id IN (SELECT e.ticket_id FROM ticket_events e WHERE e.kind IN ({KINDS}) AND e.recorded_at >= "
        ))
        .bind(scope.from)
        .push(" AND e.recorded_at < ")
        .bind(scope.to)
        .push(")");
    earlier.filters(scope).push(" ORDER BY t.received_at, t.number");
    let (own, earlier) = (own.all(db).await?, earlier.all(db).await?);
    if own.is_empty() && earlier.is_empty() {
        return Ok(Vec::new());
    }
    let systems = crate::app::catalog::export::system_codes(db).await?;
    let names = super::categories::Names::load(db).await?;
    let people: BTreeMap<i64, users::Model> = users::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let in_period = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= scope.from && t < scope.to);
    let mut out = Vec::new();
    for (rows, whole) in [(own, true), (earlier, false)] {
        for row in rows {
            let number: String = row.try_get("", "number")?;
            let Some(loaded) = crate::app::tickets::load(db, &number)
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?
            else {
                continue;
            };
            let system = systems.get(&loaded.row.system_id).cloned().unwrap_or_default();
            out.extend(
                of_ticket(&loaded, &system, &people, &names)
                    .into_iter()
                    .filter(|c| whole || in_period(Some(c.recorded_at)) || in_period(c.decided_at)),
            );
        }
    }
    Ok(out)
}

/// Every correction of one ticket, in the order recorded; a category is named as the ticket's
/// system's policy names it (`names`).
fn of_ticket(
    loaded: &Loaded,
    system: &str,
    people: &BTreeMap<i64, users::Model>,
    names: &super::categories::Names,
) -> Vec<Correction> {
    let person = |id: Option<i64>| id.and_then(|id| people.get(&id));
    // A change made by nobody in person (a job, the alert intake) is the system's.
    let side = |u: Option<&users::Model>| u.map_or("system", |u| side_of_user(u).key()).to_owned();
    let entry = |r: &ticket_events::Model, kind: &str, summary: String, note: Option<String>| {
        let actor = person(r.actor_id);
        Correction {
            ticket: loaded.row.number.clone(),
            ticket_received_at: loaded.row.received_at,
            system: system.to_owned(),
            kind: kind.into(),
            summary,
            by: side(actor),
            actor: actor.map(|u| u.username.clone()),
            recorded_at: r.recorded_at.unwrap_or(r.at),
            claimed_at: None,
            status: if kind == "contested" { "disputed" } else { "done" }.into(),
            decided_by: None,
            decider: None,
            decided_at: None,
            note,
        }
    };
    let mut out: Vec<(i32, Correction)> = claims_of(&loaded.ticket)
        .into_iter()
        .map(|c| {
            // The decision is the entry that names this one. Both are filed by when the server
            // wrote them (the claim's own instant may be stated earlier, within the tolerance).
            let decision = loaded.events.iter().find_map(|(r, e)| match e {
                Event::Decided { on, .. } if *on as i32 + 1 == c.seq => Some(r),
                _ => None,
            });
            let decider = decision.and_then(|r| person(r.actor_id));
            let row = loaded.events.get(c.seq as usize - 1).map(|(r, _)| r);
            let actor = row.and_then(|r| person(r.actor_id));
            let written = |r: Option<&ticket_events::Model>| r.and_then(|r| r.recorded_at);
            let correction = Correction {
                ticket: loaded.row.number.clone(),
                ticket_received_at: loaded.row.received_at,
                system: system.to_owned(),
                kind: c.kind,
                summary: c.summary,
                by: c.by,
                actor: actor.map(|u| u.username.clone()),
                recorded_at: written(row).unwrap_or(c.recorded_at),
                claimed_at: c.claimed_at,
                status: c.status,
                decided_by: c.decided_by,
                decider: decider.map(|u| u.username.clone()),
                decided_at: written(decision).or(c.decided_at),
                note: c.note,
            };
            (c.seq, correction)
        })
        .collect();
    let mut title = String::new();
    for (r, e) in &loaded.events {
        let direct = match e {
            Event::Opened { ticket, .. } => {
                title = ticket.title.clone();
                None
            }
            Event::Contested { reason, .. } => Some(entry(r, "contested", format!("对作废提出异议：{reason}"), None)),
            // (An approved request to cancel is a `decided` entry, listed with its request.)
            Event::Cancelled { reason, note, .. } => Some(entry(
                r,
                "cancelled",
                format!("作废工单（{}）", reason.label_zh()),
                note.clone(),
            )),
            Event::Regraded { from, to, reason, .. } => Some(entry(
                r,
                "regraded",
                format!(
                    "{} {} → {}：{reason}",
                    if to > from { "降级" } else { "升级" },
                    from.label_zh(),
                    to.label_zh()
                ),
                None,
            )),
            Event::SystemChanged { system, reason, .. } => {
                Some(entry(r, "system_changed", format!("改到系统 {system}：{reason}"), None))
            }
            Event::Corrected {
                title: new_title,
                description,
                reason,
                ..
            } => {
                let mut what = Vec::new();
                if let Some(t) = new_title {
                    what.push(format!("标题「{title}」→「{t}」"));
                    title = t.clone();
                }
                if description.is_some() {
                    what.push("描述已更正（原文见工单时间线）".to_owned());
                }
                Some(entry(r, "corrected", format!("{}：{reason}", what.join("；")), None))
            }
            Event::ImpactGraded { from, to, reason, .. } => Some(entry(
                r,
                "impact_graded",
                format!(
                    "影响定级 {} → {}：{reason}",
                    from.map_or("无", |f| f.label_zh()),
                    to.label_zh()
                ),
                None,
            )),
            Event::Categorised { from, to, reason, .. } => {
                let named = |c: &Option<String>| {
                    c.as_deref()
                        .map_or_else(|| "未分类".to_owned(), |c| names.labelled(loaded.row.system_id, c))
                };
                Some(entry(
                    r,
                    "categorised",
                    format!(
                        "分类 {} → {}{}",
                        named(from),
                        named(to),
                        reason.as_ref().map(|r| format!("：{r}")).unwrap_or_default()
                    ),
                    None,
                ))
            }
            _ => None,
        };
        if let Some(c) = direct {
            out.push((r.seq, c));
        }
    }
    out.sort_by_key(|(seq, _)| *seq);
    out.into_iter().map(|(_, c)| c).collect()
}
