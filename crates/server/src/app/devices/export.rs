//! Exporting a system's device list as CSV or XLSX, in the form [`super::import`] reads: the
//! fixed header row (`设备编号 code`, …), then `attr:名称` for every custom attribute any of the
//! system's devices has (by name), one row per device by code, every cell text. Export, import,
//! export gives the same bytes (CSV) and the same cells (XLSX).
//!
//! A CSV cell of text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a
//! carriage return first) is quoted with a leading `'`, as the reports' CSV is
//! ([`crate::app::reports::export::csv::quote_formula`]); the import takes the quote off, so the
//! round trip stays exact. The coordinates are numbers and are written as they are. An XLSX
//! cell is written as text, which no spreadsheet runs, and is not quoted.

use std::collections::BTreeSet;

use rust_xlsxwriter::{Format as Style, FormatBorder, Workbook};

use super::record::{ATTR_PREFIX, COLUMNS, Record};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::devices;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

pub use super::import::Format;

/// The header and the rows of a device list.
pub fn table(records: &[Record]) -> (Vec<String>, Vec<Vec<String>>) {
    let names: BTreeSet<&String> = records.iter().flat_map(|r| r.attributes.keys()).collect();
    let mut header: Vec<String> = COLUMNS.iter().map(|(h, _)| (*h).to_owned()).collect();
    header.extend(names.iter().map(|n| format!("{ATTR_PREFIX}{n}")));
    let rows = records
        .iter()
        .map(|r| {
            let mut cells = r.cells().to_vec();
            cells.extend(names.iter().map(|n| r.attributes.get(*n).cloned().unwrap_or_default()));
            cells
        })
        .collect();
    (header, rows)
}

/// The columns of a list that hold numbers, not text (the coordinates): never quoted.
const NUMBER_COLUMNS: [&str; 2] = ["latitude", "longitude"];

/// The list as CSV: UTF-8 with a byte-order mark (so that Excel reads the Chinese), CRLF lines,
/// text that would run as a formula quoted.
pub fn csv(records: &[Record]) -> AppResult<Vec<u8>> {
    use crate::app::reports::export::csv::quote_formula;
    let (header, mut rows) = table(records);
    let numbers: Vec<usize> = COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, (_, key))| NUMBER_COLUMNS.contains(key))
        .map(|(i, _)| i)
        .collect();
    for row in &mut rows {
        for (i, cell) in row.iter_mut().enumerate() {
            if !numbers.contains(&i) {
                *cell = quote_formula(cell).into_owned();
            }
        }
    }
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        for row in std::iter::once(&header).chain(rows.iter()) {
            w.write_record(row).map_err(|e| AppError::Internal(e.into()))?;
        }
        w.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(out)
}

/// The list as an XLSX workbook of one sheet, 设备清单, every cell text.
pub fn xlsx(records: &[Record]) -> AppResult<Vec<u8>> {
    let (header, rows) = table(records);
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let bold = Style::new().set_bold().set_border_bottom(FormatBorder::Thin);
        let sheet = book.add_worksheet();
        sheet.set_name("设备清单")?;
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
            sheet.set_column_width(c as u16, 16)?;
        }
        for (i, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(i as u32 + 1, c as u16, cell)?;
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        book.save_to_buffer()
    };
    build().map_err(|e| AppError::Internal(e.into()))
}

/// System `system`'s devices as a file: its name and bytes.
pub async fn export(ctx: &Context, p: &Principal, system: &str, format: Format) -> AppResult<(String, Vec<u8>)> {
    permissions::check(p, Action::DeviceRead)?;
    let s = crate::app::scope::system_in_scope(&ctx.db, p, system).await?;
    let records: Vec<Record> = devices::Entity::find()
        .filter(devices::Column::SystemId.eq(s.id))
        .order_by_asc(devices::Column::Code)
        .all(&ctx.db)
        .await?
        .iter()
        .map(super::record_of)
        .collect();
    let (ext, bytes) = match format {
        Format::Csv => ("csv", csv(&records)?),
        Format::Xlsx => (
            "xlsx",
            tokio::task::spawn_blocking(move || xlsx(&records))
                .await
                .map_err(|e| AppError::Internal(e.into()))??,
        ),
    };
    // The name goes into a header: ASCII only.
    let safe: String = s
        .code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((format!("devices-{safe}.{ext}"), bytes))
}
