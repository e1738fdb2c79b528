//! The engineer's board: my open tickets and the on-duty queue, most urgent first (by the
//! earliest deadline of a clock still counting), with live countdowns, one-click actions (those
//! the reader may take) and a mark on tickets with a claim or request awaiting a decision.

use std::collections::{BTreeSet, HashMap, HashSet};

use axum::extract::State;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Viewer, WebResult};
use crate::app::AppError;
use crate::app::reports::sql::Sql;
use crate::db::entities::{systems, ticket_events, tickets, users};
use crate::http::AppState;

/// At most this many tickets on the board.
const LIMIT: i64 = 200;

/// The actions the board offers as one click (the others need a form: the ticket page).
const ONE_CLICK: [&str; 4] = ["acknowledge", "arrive", "start", "resume"];

/// Which of the tickets `ids` have a claim or request not decided yet: a `claimed` or
/// `requested` entry that no `decided` entry names (`on` is its position, counting from 0).
async fn pending(state: &AppState, ids: &[i64]) -> crate::app::AppResult<HashSet<i64>> {
    let rows = ticket_events::Entity::find()
        .filter(ticket_events::Column::TicketId.is_in(ids.to_vec()))
        .filter(ticket_events::Column::Kind.is_in(["claimed", "requested", "decided"]))
        .all(&state.db)
        .await?;
    let mut open: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for r in rows.iter().filter(|r| r.kind != "decided") {
        open.entry(r.ticket_id).or_default().insert(i64::from(r.seq));
    }
    for r in rows.iter().filter(|r| r.kind == "decided") {
        if let (Some(set), Some(on)) = (open.get_mut(&r.ticket_id), r.data["on"].as_i64()) {
            set.remove(&(on + 1));
        }
    }
    Ok(open
        .into_iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(t, _)| t)
        .collect())
}

/// `GET /board`.
pub async fn page(State(state): State<AppState>, v: Viewer) -> WebResult {
    let now = state.now();
    let visible = crate::app::scope::visible_system_ids(&state.db, &v.p).await?;
    // Open tickets by the earliest deadline of a clock still counting; those with none (no
    // targets, or every clock stopped) after them.
    let mut q = Sql::new(&state.db);
    q.push("SELECT t.id AS id FROM tickets t LEFT JOIN clocks c ON c.ticket_id = t.id")
        .push(" AND c.state IN ('running', 'breached-running', 'paused')")
        .push(" WHERE t.status IN ('new', 'acknowledged', 'on_site', 'in_progress', 'paused')");
    if let Some(ids) = &visible {
        q.push(" AND t.system_id IN (-1");
        for id in ids {
            q.push(", ").bind(*id);
        }
        q.push(")");
    }
    q.push(" GROUP BY t.id ORDER BY CASE WHEN MIN(c.deadline) IS NULL THEN 1 ELSE 0 END, MIN(c.deadline), t.id")
        .push(" LIMIT ")
        .bind(LIMIT + 1);
    let mut ids: Vec<i64> = q
        .all(&state.db)
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<_, _>>()?;
    let truncated = ids.len() as i64 > LIMIT;
    ids.truncate(LIMIT as usize);
    let mut rows = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(ids.clone()))
        .all(&state.db)
        .await?;
    let rank: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| rank.get(&r.id).copied());
    let names = Names::load(&state, &rows).await?;
    let pending = pending(&state, &ids).await?;
    let facts: Vec<(bool, bool, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.assignee_id == Some(v.p.user_id),
                r.vendor_id.is_some(),
                pending.contains(&r.id),
            )
        })
        .collect();
    let views = crate::app::tickets::views::views_of(&state, rows, now).await?;
    let (mut mine, mut queue) = (Vec::new(), Vec::new());
    for (view, (is_mine, has_vendor, waits)) in views.into_iter().zip(facts) {
        let mut item = names.decorate(&view)?;
        // The one-click actions allowed now that this reader may take.
        let actions: Vec<&String> = view
            .allowed
            .iter()
            .filter(|a| ONE_CLICK.contains(&a.as_str()) && super::ticket::permitted(&v, a, has_vendor))
            .collect();
        item["actions"] = serde_json::json!(actions);
        item["pending"] = waits.into();
        if is_mine { mine.push(item) } else { queue.push(item) }
    }
    let orders = super::rectification::card(&state, &v).await?;
    super::page(
        &v,
        "board.html",
        ctx! {
            orders => orders,
            sections => vec![
                ctx! { id => "mine", title => "board_mine", tickets => mine },
                ctx! { id => "queue", title => "board_queue", tickets => queue },
            ],
            truncated => truncated,
        },
    )
}

/// System and user names for a page of tickets.
pub struct Names {
    systems: HashMap<i64, (String, String)>,
    users: HashMap<i64, String>,
}

impl Names {
    /// The names the tickets in `rows` refer to.
    pub async fn load(state: &AppState, rows: &[tickets::Model]) -> crate::app::AppResult<Names> {
        let systems = systems::Entity::find()
            .filter(systems::Column::Id.is_in(rows.iter().map(|r| r.system_id).collect::<Vec<_>>()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|s| (s.id, (s.code, s.name)))
            .collect();
        let users = users::Entity::find()
            .filter(users::Column::Id.is_in(rows.iter().filter_map(|r| r.assignee_id).collect::<Vec<_>>()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(Names { systems, users })
    }

    /// The ticket's view with `system_code`, `system_name` and `assignee` (a name) added.
    pub fn decorate(&self, t: &crate::app::tickets::views::TicketView) -> crate::app::AppResult<serde_json::Value> {
        let mut v = serde_json::to_value(t).map_err(|e| AppError::Internal(e.into()))?;
        let (code, name) = self.systems.get(&t.system_id).cloned().unwrap_or_default();
        v["system_code"] = code.into();
        v["system_name"] = name.into();
        v["assignee"] = t.assignee_id.and_then(|a| self.users.get(&a).cloned()).into();
        Ok(v)
    }
}
