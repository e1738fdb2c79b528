//! The report as tables: fifteen sections (summary, clocks, times, breached clocks, paused
//! clocks, vendors, availability, device KPIs, deductions, corrections, satisfaction, incidents,
//! categories, inspections, periodic reports; [`sections`]), each with Chinese headers, written
//! as CSV (one section), XLSX (one sheet per section) or a printable HTML page (all sections). The report's footnotes
//! ([`footnote_lines`]) follow: the CSV's last rows, a 说明 sheet, a paragraph under the tables.

mod categories;
pub mod csv;
mod device_kpis;
pub mod html;
mod incidents;
mod inspections;
mod periodic;
mod satisfaction;
mod sections;
pub mod xlsx;

pub(crate) use sections::zh;

/// The report's sections, in the order of [`SECTIONS`].
pub fn sections(r: &Report) -> Vec<Section> {
    let mut all = sections::sections(r);
    let at = all
        .iter()
        .position(|s| s.key == "availability")
        .map_or(all.len(), |i| i + 1);
    all.insert(at, device_kpis::section(r));
    all.push(satisfaction::section(r));
    all.push(incidents::section(r));
    all.push(categories::section(r));
    all.push(inspections::section(r));
    all.push(periodic::section(r));
    all
}

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use contract_terms::format_yuan;

use super::Report;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON (the API's default).
    Json,
    /// CSV of one section, UTF-8 with a byte-order mark so that spreadsheet programs read the
    /// Chinese headers.
    Csv,
    /// An Excel workbook, one sheet per section.
    Xlsx,
    /// A printable HTML page.
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "html" => Ok(Format::Html),
            _ => Err(format!(
                "{s:?} is not a report format; expected one of: json, csv, xlsx, html"
            )),
        }
    }
}

impl Format {
    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
        }
    }
}

/// Writes `r` as a file in `format` (CSV of `section`, XLSX or HTML; JSON is not a file) on
/// tokio's blocking pool: building a workbook is CPU work of tens to hundreds of milliseconds,
/// which on the runtime's few worker threads would stall every other request meanwhile.
pub async fn render_file(r: Report, format: Format, section: Option<String>) -> crate::app::AppResult<Vec<u8>> {
    use crate::app::AppError;
    tokio::task::spawn_blocking(move || match format {
        Format::Csv => {
            csv::write(&r, section.as_deref().unwrap_or("breached")).map_err(|e| AppError::invalid("section", e))
        }
        Format::Xlsx => xlsx::write(&r).map_err(|e| AppError::Internal(anyhow::anyhow!("XLSX: {e}"))),
        Format::Html => Ok(html::write(&r).into_bytes()),
        Format::Json => serde_json::to_vec(&r).map_err(|e| AppError::Internal(e.into())),
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("the report's file was not written: {e}")))?
}

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A code (a category's `latent`): text in the files, set as code on the printable page, where
    /// it is an identifier, not a word of the page's language.
    Code(String),
    /// A count.
    Int(i64),
    /// Minutes or another measure, two decimals.
    Num(f64),
    /// A percentage (given in per cent, e.g. 99.95).
    Pct(f64),
    /// Money in fen, shown in yuan.
    Yuan(i64),
    /// An instant, shown in the report's zone.
    When(DateTime<Utc>),
    /// Nothing.
    Empty,
}

impl Cell {
    fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Cell) -> Cell {
        v.map_or(Cell::Empty, f)
    }

    /// The cell as text (CSV and HTML).
    pub fn text(&self, zone: Tz) -> String {
        match self {
            Cell::Text(s) | Cell::Code(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Num(x) => format!("{x:.2}"),
            Cell::Pct(x) => format!("{x:.2}%"),
            Cell::Yuan(f) => format_yuan(*f),
            Cell::When(t) => t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A section of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Stable key (`breached`, …), the `section=` of a CSV export.
    pub key: &'static str,
    /// Sheet and heading title (Chinese).
    pub title: &'static str,
    /// English subtitle.
    pub english: &'static str,
    /// Column headers (Chinese).
    pub headers: Vec<&'static str>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

/// The section keys, in order.
pub const SECTIONS: [&str; 15] = [
    "summary",
    "clocks",
    "latency",
    "breached",
    "paused",
    "vendors",
    "availability",
    "device_kpis",
    "deductions",
    "corrections",
    "satisfaction",
    "incidents",
    "categories",
    "inspections",
    "periodic_reports",
];

/// How a row with a provisional deadline is marked; the footnote starting with `*` explains it.
pub const PROVISIONAL_MARK: &str = "是 *";

/// The report's footnotes as lines, each in Chinese then in English; none when it has none.
pub fn footnote_lines(r: &Report) -> Vec<&str> {
    r.notes.iter().flat_map(|n| [n.zh.as_str(), n.en.as_str()]).collect()
}

/// The zone the report's days are counted in.
pub fn zone(r: &Report) -> Tz {
    r.period.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// A file name for the report: `breaches-2026-03.xlsx`.
pub fn file_name(r: &Report, format: Format) -> String {
    let label: String = r
        .period
        .label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    format!("breaches-{label}.{}", format.extension())
}
