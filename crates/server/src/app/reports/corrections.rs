//! Corrections: every claim, request and cancellation on the period's tickets, with who made it,
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
use crate::app::tickets::evidence::{claims_of, side_of_user};
use crate::db::entities::{systems, users};

/// One claim, request or cancellation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Correction {
    /// Ticket number.
    pub ticket: String,
    /// System code.
    pub system: String,
    /// `earlier_time`, `buyer_pause`, `regrade`, `cancel` (a request to cancel), `cancelled`
    /// (a cancellation that took effect at once) or `contested` (the other party disputes a
    /// cancellation; the assessment settles it).
    pub kind: String,
    /// What it asks or did, in Chinese.
    pub summary: String,
    /// The party that made it: `buyer`, `vendor` or `supervisor`.
    pub by: String,
    /// The person who made it (login name).
    pub actor: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// For `earlier_time`: the instant claimed.
    pub claimed_at: Option<DateTime<Utc>>,
    /// `pending`, `approved`, `rejected`; `done` for a cancellation that needed nobody;
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

/// The corrections of the scope's tickets, by ticket then by when they were recorded.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Correction>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT t.number, t.system_id").from_scope(scope).push(
        " AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id \
             AND e.kind IN ('claimed', 'requested', 'cancelled', 'contested')) ORDER BY t.received_at, t.number",
    );
    let rows = q.all(db).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let systems: BTreeMap<i64, String> = systems::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let people: BTreeMap<i64, users::Model> = users::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = Vec::new();
    for row in rows {
        let number: String = row.try_get("", "number")?;
        let system_id: i64 = row.try_get("", "system_id")?;
        let Some(loaded) = crate::app::tickets::load(db, &number)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?
        else {
            continue;
        };
        let system = systems.get(&system_id).cloned().unwrap_or_default();
        let actor_at = |seq: i32| {
            loaded
                .events
                .get(seq as usize - 1)
                .and_then(|(r, _)| r.actor_id)
                .and_then(|id| people.get(&id))
        };
        for c in claims_of(&loaded.ticket) {
            // The decision is the entry that names this one.
            let decider = loaded.events.iter().find_map(|(r, e)| match e {
                Event::Decided { on, .. } if *on as i32 + 1 == c.seq => r.actor_id.and_then(|id| people.get(&id)),
                _ => None,
            });
            out.push(Correction {
                ticket: number.clone(),
                system: system.clone(),
                kind: c.kind,
                summary: c.summary,
                by: c.by,
                actor: actor_at(c.seq).map(|u| u.username.clone()),
                recorded_at: c.recorded_at,
                claimed_at: c.claimed_at,
                status: c.status,
                decided_by: c.decided_by,
                decider: decider.map(|u| u.username.clone()),
                decided_at: c.decided_at,
                note: c.note,
            });
        }
        for (r, e) in &loaded.events {
            if let Event::Contested { at, reason } = e {
                let actor = r.actor_id.and_then(|id| people.get(&id));
                out.push(Correction {
                    ticket: number.clone(),
                    system: system.clone(),
                    kind: "contested".into(),
                    summary: format!("对作废提出异议：{reason}"),
                    by: actor.map_or("buyer", |u| side_of_user(u).key()).into(),
                    actor: actor.map(|u| u.username.clone()),
                    recorded_at: r.recorded_at.unwrap_or(*at),
                    claimed_at: None,
                    status: "disputed".into(),
                    decided_by: None,
                    decider: None,
                    decided_at: None,
                    note: None,
                });
            }
            if let Event::Cancelled { at, reason, note } = e {
                // (An approved request to cancel is a `decided` entry, listed above.)
                let actor = r.actor_id.and_then(|id| people.get(&id));
                out.push(Correction {
                    ticket: number.clone(),
                    system: system.clone(),
                    kind: "cancelled".into(),
                    summary: format!("作废工单（{}）", reason.label_zh()),
                    by: actor.map_or("buyer", |u| side_of_user(u).key()).into(),
                    actor: actor.map(|u| u.username.clone()),
                    recorded_at: r.recorded_at.unwrap_or(*at),
                    claimed_at: None,
                    status: "done".into(),
                    decided_by: None,
                    decider: None,
                    decided_at: None,
                    note: note.clone(),
                });
            }
        }
    }
    Ok(out)
}
