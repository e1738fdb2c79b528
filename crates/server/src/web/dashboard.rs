//! The manager's dashboard: a period's figures, the breach trend by month, compliance by vendor
//! and by unit, availability against target, the device KPIs per contract and system against
//! theirs (misses first), and the contract deductions, with the exports.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use chrono::TimeDelta;
use serde::Deserialize;

use super::svg::{self, Row, Stack};
use super::templates::ZONE;
use super::{Viewer, WebError, WebResult};
use crate::app::AppError;
use crate::app::reports::export::Format;
use crate::app::reports::request::{self, BreachQuery};
use crate::app::reports::{self, trend};
use crate::http::AppState;

/// The dashboard's query.
#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    /// `2026-03`, `2026-Q1`, …; default this month.
    period: Option<String>,
}

/// `GET /dashboard?period=2026-03`.
pub async fn page(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<DashboardQuery>, QueryRejection>,
) -> WebResult {
    // A vendor's managers see their own vendor only: the report request scopes it.
    crate::app::permissions::check_at_all(&v.p, crate::app::permissions::Action::Dashboard)?;
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let period = q
        .period
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| state.now().with_timezone(&ZONE).format("%Y-%m").to_string());
    let bq = BreachQuery {
        period,
        ..BreachQuery::default()
    };
    let a = request::authorize(&state, &v.p, &bq).await?;
    let months = trend::months_to(a.period.to - TimeDelta::milliseconds(1), ZONE, 12)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("months: {e}")))?;
    let scope = reports::resolve(&state.db, &a.period, &a.filters, a.visible.clone(), a.as_of).await?;
    let calendars = state.calendars.snapshot();
    let (r, monthly, units) = tokio::try_join!(
        reports::breaches(
            &state.db,
            &calendars,
            a.period.clone(),
            a.filters.clone(),
            a.visible.clone(),
            a.as_of,
            a.with_deductions,
        ),
        async { Ok::<_, AppError>(trend::monthly(&state.db, &scope, &months).await?) },
        async { Ok::<_, AppError>(trend::units(&state.db, &scope).await?) },
    )?;
    let tr = super::i18n::words(v.lang);
    let word = |k: &'static str| tr.get(k).copied().unwrap_or(k);
    let bars: Vec<Stack<'_>> = monthly
        .iter()
        .map(|m| Stack {
            label: &m.month,
            total: m.received,
            part: m.breached,
        })
        .collect();
    let trend_svg = svg::stacked_bars(&bars, word("received"), word("breached_tickets"));
    let vendor_labels: Vec<String> = r
        .vendors
        .iter()
        .map(|s| s.name.clone().or(s.vendor.clone()).unwrap_or_else(|| "—".into()))
        .collect();
    let vendor_rows: Vec<Row<'_>> = r
        .vendors
        .iter()
        .zip(&vendor_labels)
        .map(|(s, label)| {
            let met = s.response.met + s.arrival.met + s.repair.met;
            let breached = s.response.breached + s.arrival.breached + s.repair.breached;
            Row {
                label,
                pct: reports::counts::pct(met, met + breached),
                target: None,
            }
        })
        .collect();
    let unit_rows: Vec<Row<'_>> = units
        .iter()
        .map(|u| Row {
            label: &u.name,
            pct: u.compliance_pct,
            target: None,
        })
        .collect();
    // Systems with an outage or under target first; at most 30 rows.
    let mut avail: Vec<&reports::availability::SystemAvailability> = r.availability.iter().collect();
    avail.sort_by(|a, b| {
        a.availability_pct
            .unwrap_or(100.0)
            .total_cmp(&b.availability_pct.unwrap_or(100.0))
            .then_with(|| a.system.cmp(&b.system))
    });
    let avail_rows: Vec<Row<'_>> = avail
        .iter()
        .take(30)
        .map(|s| Row {
            label: &s.name,
            pct: s.availability_pct,
            target: s.target_pct,
        })
        .collect();
    let device_lines = device_lines(&r.device_kpis);
    let none = word("none_yet");
    let target = word("target");
    let orders = super::rectification::card(&state, &v).await?;
    super::page(
        &v,
        "dashboard.html",
        ctx! {
            orders => orders,
            findings => super::findings::labels(v.lang),
            sw => super::surveys::words(v.lang),
            r => r,
            trend_svg => trend_svg,
            vendors_svg => svg::percent_bars(word("by_vendor"), &vendor_rows, 0.0, 480.0, none, target),
            units_svg => svg::percent_bars(word("by_unit"), &unit_rows, 0.0, 480.0, none, target),
            availability_svg => svg::percent_bars(word("availability"), &avail_rows, 90.0, 720.0, none, target),
            device_lines => device_lines,
        },
    )
}

/// One line of the dashboard's device KPIs: a system or a contract and its KPIs with a target or
/// a figure.
#[derive(Debug, serde::Serialize)]
struct DeviceLine<'a> {
    /// `system` or `contract`.
    scope: &'static str,
    code: &'a str,
    name: &'a str,
    /// Whether a KPI missed its target.
    missed: bool,
    kpis: Vec<&'a crate::app::devices::kpis::Kpi>,
}

/// The report's device KPIs as compact lines: contracts and systems with a missed target first,
/// then those with a target not measured, then the rest; contracts before systems, each by code,
/// within each; at most 40.
fn device_lines(d: &reports::device_kpis::DeviceKpis) -> Vec<DeviceLine<'_>> {
    use crate::app::devices::kpis::misses_first;
    let shown = |k: &&crate::app::devices::kpis::Kpi| k.target_pct.is_some() || k.value_pct.is_some();
    let contracts = d.contracts.iter().map(|c| ("contract", &c.contract, &c.name, &c.kpis));
    let systems = d.systems.iter().map(|s| ("system", &s.system, &s.name, &s.kpis));
    let mut lines: Vec<(u8, DeviceLine<'_>)> = contracts
        .chain(systems)
        .map(|(scope, code, name, kpis)| {
            (
                misses_first(kpis),
                DeviceLine {
                    scope,
                    code,
                    name,
                    missed: kpis.iter().any(|k| k.met == Some(false)),
                    kpis: kpis.iter().filter(shown).collect(),
                },
            )
        })
        .collect();
    lines.sort_by_key(|l| l.0);
    lines.into_iter().map(|l| l.1).take(40).collect()
}

/// `GET /reports/breaches?period=…`: the printable report (the link in the monthly email).
pub async fn printable(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<BreachQuery>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    Ok(request::breach_report(&state, &v.p, q, Format::Html)
        .await?
        .into_response())
}
