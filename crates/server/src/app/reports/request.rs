//! A report as a reader asks for it: the query, checked against who is asking, and the report
//! in the format asked for. The API and the pages both come here.

use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::auth::{Principal, Role, Scope};
use crate::app::permissions::{self, Action};
use crate::app::reports::export::{self, Format};
use crate::app::reports::{self as report, Filters, Period, Report};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::vendors;

/// The query of `GET /reports/breaches`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreachQuery {
    /// The period: `2026-03`, `2026-Q1`, `2026` or `2026-03-01..2026-03-15`.
    pub period: String,
    /// Only this unit (code).
    pub unit: Option<String>,
    /// Only this vendor (code).
    pub vendor: Option<String>,
    /// Only this system (code).
    pub system: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only this category (分类), by code; empty (`category=`) for the tickets not sorted yet.
    pub category: Option<String>,
    /// `json` (default), `csv`, `xlsx` or `html`.
    pub format: Option<String>,
    /// For CSV: the section (summary, clocks, latency, breached, paused, vendors, availability,
    /// deductions, corrections, satisfaction, incidents, categories, inspections; default breached).
    pub section: Option<String>,
    /// The zone days are counted in (default Asia/Shanghai).
    pub timezone: Option<String>,
    /// Report as of this instant (default now; never later than now).
    pub as_of: Option<DateTime<Utc>>,
}

/// A report ready to send: the JSON document, or a file's bytes with its type and disposition.
#[derive(Debug)]
pub enum Rendered {
    /// The report as data (the JSON format).
    Json(Box<Report>),
    /// CSV, XLSX or HTML.
    File {
        /// Its media type.
        content_type: String,
        /// `inline` for HTML, else `attachment; filename="…"`.
        disposition: String,
        /// The file.
        bytes: Vec<u8>,
    },
}

/// A report request, checked against the caller: the period, the filters (a vendor's people
/// get their own vendor's), the systems they see, and whether contract deductions are theirs.
pub struct Authorized {
    /// The period.
    pub period: Period,
    /// The filters.
    pub filters: Filters,
    /// The systems the caller sees (`None`: all).
    pub visible: Option<Vec<i64>>,
    /// The instant judged.
    pub as_of: chrono::DateTime<Utc>,
    /// Whether the deductions section is for this reader.
    pub with_deductions: bool,
}

/// Checks `q` for `p` (see [`Authorized`]).
pub async fn authorize(ctx: &Context, p: &Principal, q: &BreachQuery) -> AppResult<Authorized> {
    permissions::check(p, Action::ReportRead)?;
    let zone: chrono_tz::Tz = match &q.timezone {
        Some(z) => z
            .parse()
            .map_err(|_| AppError::invalid("timezone", format!("{z:?} is not an IANA time zone")))?,
        None => chrono_tz::Asia::Shanghai,
    };
    let period = Period::parse(&q.period, zone).map_err(|e| AppError::invalid("period", e))?;
    let mut filters = Filters {
        unit: q.unit.clone(),
        vendor: q.vendor.clone(),
        system: q.system.clone(),
        kind: q.kind.clone(),
        severity: q.severity.clone(),
        category: q.category.clone(),
    };
    if let Scope::Vendor(own) = p.scope {
        let Some(own) = vendors::Entity::find_by_id(own).one(&ctx.db).await?.map(|v| v.code) else {
            return Err(AppError::Forbidden("your vendor no longer exists".into()));
        };
        match &filters.vendor {
            Some(asked) if *asked != own => {
                return Err(AppError::Forbidden(format!(
                    "you may read only your own vendor's report ({own})"
                )));
            }
            _ => filters.vendor = Some(own),
        }
    }
    if p.role != Role::Admin && period.to - period.from > chrono::TimeDelta::days(366) {
        return Err(AppError::invalid(
            "period",
            "at most a year at a time (admins may ask for more, or use opsclock report)",
        ));
    }
    // Contract prices and deduction evidence span all of a contract's systems: for those who may
    // read contracts and see every system (the bureau, the supervisor) or their own vendor's.
    let with_deductions = permissions::may(p, Action::ContractRead) && matches!(p.scope, Scope::All | Scope::Vendor(_));
    let visible = crate::app::scope::visible_system_ids(&ctx.db, p).await?;
    let now = ctx.now();
    Ok(Authorized {
        period,
        filters,
        visible,
        as_of: q.as_of.map_or(now, |t| t.min(now)),
        with_deductions,
    })
}

/// The breach report `q` asks for, for `p`, in the format asked for (`default` when none is).
pub async fn breach_report(ctx: &Context, p: &Principal, q: BreachQuery, default: Format) -> AppResult<Rendered> {
    let format: Format = match &q.format {
        Some(f) => f.parse().map_err(|e: String| AppError::invalid("format", e))?,
        None => default,
    };
    let a = authorize(ctx, p, &q).await?;
    let r = report::breaches(
        &ctx.db,
        &ctx.calendars.snapshot(),
        a.period,
        a.filters,
        a.visible,
        a.as_of,
        a.with_deductions,
    )
    .await?;
    if format == Format::Json {
        return Ok(Rendered::Json(Box::new(r)));
    }
    let disposition = if format == Format::Html {
        "inline".to_owned()
    } else {
        format!("attachment; filename=\"{}\"", export::file_name(&r, format))
    };
    let bytes = export::render_file(r, format, q.section).await?;
    Ok(Rendered::File {
        content_type: format.content_type().to_owned(),
        disposition,
        bytes,
    })
}
