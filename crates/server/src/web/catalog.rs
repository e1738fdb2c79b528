//! The catalogue: the systems the reader sees, and one system's policy, clock by clock.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;
use sla_clock::Severity;
use ticket_domain::{Kind, Policy};

use super::{Viewer, WebResult};
use crate::app::AppError;
use crate::db::entities::{policies, system_vendors, systems};
use crate::http::AppState;

/// The list's search.
#[derive(Debug, Deserialize)]
pub struct Search {
    /// Words that code, name, unit or vendor must all contain.
    q: Option<String>,
}

/// Names of units, vendors and policies, and each system's vendors.
struct Lookup {
    units: BTreeMap<i64, String>,
    vendors: BTreeMap<i64, String>,
    policies: HashMap<i64, policies::Model>,
    system_vendors: HashMap<i64, Vec<i64>>,
}

impl Lookup {
    async fn load(state: &AppState) -> crate::app::AppResult<Lookup> {
        let mut system_vendors: HashMap<i64, Vec<i64>> = HashMap::new();
        for sv in system_vendors::Entity::find().all(&state.db).await? {
            system_vendors.entry(sv.system_id).or_default().push(sv.vendor_id);
        }
        Ok(Lookup {
            units: crate::app::catalog::export::unit_names(&state.db).await?,
            vendors: crate::app::catalog::export::vendor_names(&state.db).await?,
            policies: policies::Entity::find()
                .all(&state.db)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect(),
            system_vendors,
        })
    }

    fn describe(&self, s: &systems::Model) -> serde_json::Value {
        let policy = self.policies.get(&s.policy_id);
        json!({
            "code": s.code,
            "name": s.name,
            "unit": self.units.get(&s.unit_id).cloned().unwrap_or_default(),
            "vendors": self.system_vendors.get(&s.id).into_iter().flatten()
                .filter_map(|v| self.vendors.get(v).cloned()).collect::<Vec<_>>(),
            "policy": policy.map(|p| p.code.clone()),
            "policy_name": policy.map(|p| p.name.clone()),
            "calendar": s.calendar,
            "clock_calendars": crate::app::tickets::calendars::named(s.clock_calendars.as_ref())
                .into_iter()
                .map(|(clock, calendar)| json!({"clock": clock.key(), "calendar": calendar}))
                .collect::<Vec<_>>(),
            "service_mode": s.service_mode,
            "availability_target": s.profile.as_ref().and_then(|p| p.get("availability_target")).cloned(),
        })
    }
}

/// `GET /catalog?q=…`.
pub async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<Search>) -> WebResult {
    let mut find = systems::Entity::find().order_by_asc(systems::Column::Code);
    if let Some(ids) = crate::app::scope::visible_system_ids(&state.db, &v.p).await? {
        find = find.filter(systems::Column::Id.is_in(ids));
    }
    let lookup = Lookup::load(&state).await?;
    let words: Vec<String> =
        q.q.as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
    let systems: Vec<serde_json::Value> = find
        .all(&state.db)
        .await?
        .iter()
        .map(|s| lookup.describe(s))
        .filter(|d| {
            let hay = d.to_string().to_lowercase();
            words.iter().all(|w| hay.contains(w))
        })
        .collect();
    super::page(&v, "catalog.html", ctx! { systems => systems, q => q.q })
}

/// `GET /catalog/{code}`.
pub async fn system(State(state): State<AppState>, v: Viewer, Path(code): Path<String>) -> WebResult {
    let s = crate::app::scope::system_in_scope(&state.db, &v.p, &code)
        .await
        .map_err(|_| AppError::NotFound(format!("no system {code}")))?;
    let lookup = Lookup::load(&state).await?;
    let policy: Policy = match lookup.policies.get(&s.policy_id) {
        Some(p) => serde_json::from_value(p.targets.clone())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("policy {}: {e}", p.code)))?,
        None => return Err(AppError::Internal(anyhow::anyhow!("system {code} has no policy")).into()),
    };
    let mut targets = Vec::new();
    for kind in Kind::ALL {
        for severity in Severity::ALL {
            let t = policy.targets(*kind, severity);
            if t.response.is_none() && t.arrival.is_none() && t.repair.is_none() {
                continue;
            }
            targets.push(json!({
                "kind": kind.key(), "severity": severity.key(),
                "response": t.response.map(|d| d.to_string()),
                "arrival": t.arrival.map(|d| d.to_string()),
                "repair": t.repair.map(|d| d.to_string()),
                "repair_from_arrival": t.repair_from_arrival,
                "arrival_from_visit_request": t.arrival_from_visit_request,
            }));
        }
    }
    let clock_start = Kind::ALL
        .iter()
        .map(|k| policy.start(*k))
        .max()
        .unwrap_or_default()
        .key();
    super::page(
        &v,
        "system.html",
        ctx! { s => lookup.describe(&s), targets => targets, clock_start => clock_start },
    )
}
