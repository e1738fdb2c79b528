//! Importing a system's device list from CSV or XLSX: all or nothing. Every row is checked
//! before anything is written; a file with any problem answers [`AppError::InvalidFile`] listing
//! each (its row as the spreadsheet numbers it, the header 1, and the column's header) and writes
//! nothing. A good file upserts by code in one transaction: new codes are inserted many rows to
//! a statement, changed devices updated, the same left alone; `device.import` records the codes
//! created and, per device changed, the fields before and after.
//!
//! A row is held to what its importer may change ([`super::guard`]): a vendor's row that sets
//! `main`, a day in service or a removal, and anyone's row that would bring a removed device
//! back into service (an old export imported again), is a problem of that row and column.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use utoipa::ToSchema;

use super::record::{ATTR_PREFIX, COLUMNS, Record};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::catalog::Problem;
use crate::app::permissions::{self, Action};
use crate::app::reports::export::csv::unquote_formula;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{devices, systems};

/// The largest file, in bytes (10 000 devices are about 1.5 MiB of CSV, 0.6 MiB of XLSX).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// The most rows a file may hold.
pub const MAX_ROWS: usize = 100_000;
/// The most problems an answer lists.
pub const MAX_PROBLEMS: usize = 200;
/// Rows per INSERT statement (17 values a row, under SQLite's and PostgreSQL's bind limits).
const ROWS_PER_INSERT: usize = 1000;

/// The two forms a list comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated UTF-8 text (a byte-order mark is allowed).
    Csv,
    /// An Excel workbook; its first sheet is read.
    Xlsx,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceImportReport {
    /// Rows read.
    pub rows: usize,
    /// Devices created.
    pub created: usize,
    /// Devices changed.
    pub changed: usize,
    /// Devices the file holds as they were.
    pub unchanged: usize,
}

/// A file read into cells: the header and each row with its spreadsheet row number.
struct Sheet {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn problem(line: Option<usize>, path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        line,
        path: path.into(),
        message: message.into(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, Problem> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| problem(Some(i + 1), "file", format!("not CSV text in UTF-8: {e}")))?;
        // The export quotes text a spreadsheet would run as a formula; the quote is not the text.
        let cells = rec.iter().map(|c| unquote_formula(c).to_owned()).collect::<Vec<_>>();
        rows.push((i + 1, cells));
    }
    split(rows)
}

/// A cell of a workbook as text: text as it is, a whole number without a decimal point, a date
/// as `2026-03-01`.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => super::record::flag_text(*b).to_owned(),
        Data::DateTime(d) => {
            // Excel counts days from 1899-12-30.
            let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
            base.checked_add_signed(chrono::TimeDelta::days(d.as_f64().floor() as i64))
                .map(|d| d.to_string())
                .unwrap_or_default()
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The column letters of 0-based column `col` (`0` → `A`, `16383` → `XFD`).
fn column_letters(col: u32) -> String {
    let mut n = col as usize + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

/// Reads the first sheet cell by cell, keeping only the cells that hold something. A cell with a
/// value past the header and [`MAX_ROWS`] rows, or past the 13 fixed columns and
/// [`MAX_ATTRIBUTES`](super::record::MAX_ATTRIBUTES) attribute columns, is the file's problem,
/// named by its row and column. Neither the sheet's declared dimension nor the span between its
/// first and last cell is ever allocated: a few hundred bytes with cells in `A1` and
/// `XFD1048576` would otherwise ask for 1.7·10¹⁰ cells.
fn read_xlsx(bytes: &[u8]) -> Result<Sheet, Problem> {
    use calamine::Reader as _;
    let unreadable = |e: String| problem(None, "file", format!("not an XLSX workbook: {e}"));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| unreadable(e.to_string()))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| unreadable("it has no sheet".into()))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(e.to_string()))?;
    let (max_rows, max_cols) = (MAX_ROWS + 1, COLUMNS.len() + super::record::MAX_ATTRIBUTES);
    let mut rows: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(e.to_string()))? {
        let text = cell_text(&calamine::Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        let (line, col) = (row as usize + 1, col as usize);
        let name = format!("{}{line}", column_letters(cell.get_position().1));
        if line > max_rows {
            return Err(problem(
                Some(line),
                "row",
                format!(
                    "cell {name} holds a value below row {max_rows}: a list holds at most {MAX_ROWS} devices under its header; split the file"
                ),
            ));
        }
        if col >= max_cols {
            return Err(problem(
                Some(line),
                column_letters(cell.get_position().1),
                format!(
                    "cell {name} holds a value right of column {} ({max_cols}): a list has the {} fixed columns and at most {} attr: columns",
                    column_letters(max_cols as u32 - 1),
                    COLUMNS.len(),
                    super::record::MAX_ATTRIBUTES
                ),
            ));
        }
        let cells = rows.entry(line).or_default();
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
    }
    split(rows.into_iter().collect())
}

fn split(mut rows: Vec<(usize, Vec<String>)>) -> Result<Sheet, Problem> {
    rows.retain(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    if rows.is_empty() {
        return Err(problem(
            Some(1),
            "header",
            "the file is empty; the first row is the header",
        ));
    }
    let (_, header) = rows.remove(0);
    Ok(Sheet { header, rows })
}

/// Whether header cell `cell` names fixed column `i`: the whole header (`设备编号 code`), or its
/// Chinese or its English part alone.
fn names(cell: &str, i: usize) -> bool {
    let (full, key) = COLUMNS[i];
    let zh = full.split(' ').next().unwrap_or(full);
    let c = cell.trim();
    c == full || c == key || c == zh
}

/// Reads and checks every row: the records, or every problem.
fn check(sheet: &Sheet) -> Result<Vec<(usize, Record)>, Vec<Problem>> {
    let mut problems = Vec::new();
    for (i, (full, _)) in COLUMNS.iter().enumerate() {
        let cell = sheet.header.get(i).map(String::as_str).unwrap_or("");
        if !names(cell, i) {
            problems.push(problem(
                Some(1),
                *full,
                format!(
                    "column {} of the header is {cell:?}; expected {:?} (the columns are fixed, in order; \
                 custom attributes follow as attr:名称)",
                    i + 1,
                    full
                ),
            ));
        }
    }
    let mut attrs: Vec<String> = Vec::new();
    for (j, cell) in sheet.header.iter().enumerate().skip(COLUMNS.len()) {
        match cell.trim().strip_prefix(ATTR_PREFIX).map(super::record::attribute_name) {
            Some(Ok(name)) if !attrs.contains(&name) => attrs.push(name),
            Some(Ok(name)) => problems.push(problem(
                Some(1),
                cell.clone(),
                format!("attribute {name:?} has two columns"),
            )),
            Some(Err(e)) => problems.push(problem(Some(1), cell.clone(), e)),
            None => problems.push(problem(
                Some(1),
                cell.clone(),
                format!("column {} is neither a fixed column nor attr:名称", j + 1),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if sheet.rows.len() > MAX_ROWS {
        return Err(vec![problem(
            None,
            "file",
            format!("more than {MAX_ROWS} rows; split the file"),
        )]);
    }
    let width = COLUMNS.len() + attrs.len();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(sheet.rows.len());
    for (line, cells) in &sheet.rows {
        if cells.iter().skip(width).any(|c| !c.trim().is_empty()) {
            problems.push(problem(
                Some(*line),
                "row",
                format!("has cells beyond the header's {width} columns"),
            ));
            continue;
        }
        let get = |key: &str| {
            COLUMNS
                .iter()
                .position(|(_, k)| *k == key)
                .and_then(|i| cells.get(i).cloned())
                .unwrap_or_default()
        };
        let attributes = attrs
            .iter()
            .enumerate()
            .map(|(j, a)| (a.clone(), cells.get(COLUMNS.len() + j).cloned().unwrap_or_default()))
            .collect();
        match Record::from_fields(get, attributes) {
            Ok(r) => {
                if let Some(first) = seen.insert(r.code.clone(), *line) {
                    problems.push(problem(
                        Some(*line),
                        COLUMNS[0].0,
                        format!("{:?} is also on row {first}", r.code),
                    ));
                }
                out.push((*line, r));
            }
            Err(errors) => {
                for (key, message) in errors {
                    problems.push(problem(Some(*line), column_of(key), message));
                }
            }
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

fn invalid(mut problems: Vec<Problem>) -> AppError {
    let n = problems.len();
    problems.truncate(MAX_PROBLEMS);
    AppError::InvalidFile {
        detail: format!(
            "the device list has {n} problem(s); nothing was imported. First: {}",
            problems.first().map(ToString::to_string).unwrap_or_default()
        ),
        problems,
    }
}

/// Imports `bytes` as system `system`'s device list (see the module's text).
pub async fn import(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    system: &str,
    format: Format,
    bytes: &[u8],
) -> AppResult<DeviceImportReport> {
    import_by(ctx, p, audit::Actor::Person(p), from, system, format, bytes).await
}

/// [`import`] audited as `actor` (`opsclock devices import` is the operator's, with every
/// system in its scope).
pub async fn import_by(
    ctx: &Context,
    p: &Principal,
    actor: audit::Actor<'_>,
    from: &ClientAddr,
    system: &str,
    format: Format,
    bytes: &[u8],
) -> AppResult<DeviceImportReport> {
    permissions::check(p, Action::DeviceWrite)?;
    // Reading and checking 100 000 rows is work for a blocking thread, not a runtime worker.
    let bytes = bytes.to_vec();
    let records = tokio::task::spawn_blocking(move || {
        let sheet = match format {
            Format::Csv => read_csv(&bytes),
            Format::Xlsx => read_xlsx(&bytes),
        }
        .map_err(|e| invalid(vec![e]))?;
        check(&sheet).map_err(invalid)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))??;
    let txn = ctx.begin_write().await?;
    let s = crate::app::scope::system_in_scope(&txn, p, system).await?;
    let keeper = super::guard::Keeper::of(p);
    let (report, created, changed) = write(&txn, p, &s, keeper, records, ctx.now()).await?;
    let detail = serde_json::json!({
        "rows": report.rows, "created": created, "changed": changed, "unchanged": report.unchanged,
    });
    audit::record_by(
        &txn,
        actor,
        "device.import",
        &format!("system:{}", s.code),
        detail,
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}

/// The fields `before` and `after` differ in, each side's values (as `device.update` writes them).
fn diff(code: &str, before: &Record, after: &Record) -> serde_json::Value {
    let (b, a) = (super::audit_json(before), super::audit_json(after));
    let (mut was, mut is) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
        for (key, old) in b {
            let new = a.get(key).cloned().unwrap_or_default();
            if *old != new {
                was.insert(key.clone(), old.clone());
                is.insert(key.clone(), new);
            }
        }
    }
    serde_json::json!({"code": code, "before": was, "after": is})
}

/// The header of the column of field `key`.
fn column_of(key: &str) -> String {
    COLUMNS
        .iter()
        .find(|(_, k)| *k == key)
        .map_or_else(|| format!("{ATTR_PREFIX}…"), |(h, _)| (*h).to_owned())
}

/// Writes checked records into system `s` as `keeper` may: the report, the codes created and
/// each change (the code, the fields before and after).
async fn write(
    db: &impl ConnectionTrait,
    p: &Principal,
    s: &systems::Model,
    keeper: super::guard::Keeper,
    records: Vec<(usize, Record)>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<(DeviceImportReport, Vec<String>, Vec<serde_json::Value>)> {
    // The devices the file's codes name already, wherever they are, read under their row locks
    // (`FOR UPDATE` on PostgreSQL; SQLite's write transaction holds the database): a replacement
    // recorded meanwhile is seen, not written over. Locked in the order of their codes, so two
    // imports of overlapping lists wait for each other rather than deadlock.
    let mut existing: BTreeMap<String, devices::Model> = BTreeMap::new();
    let mut codes: Vec<String> = records.iter().map(|(_, r)| r.code.clone()).collect();
    codes.sort_unstable();
    for chunk in codes.chunks(5000) {
        for d in devices::Entity::find()
            .filter(devices::Column::Code.is_in(chunk.to_vec()))
            .order_by_asc(devices::Column::Code)
            .lock_exclusive()
            .all(db)
            .await?
        {
            existing.insert(d.code.clone(), d);
        }
    }
    let removed: Vec<i64> = existing
        .values()
        .filter(|d| *d.status == devices::Status::Removed)
        .map(|d| d.id)
        .collect();
    let replaced = super::replaced(db, &removed).await?;
    let mut problems = Vec::new();
    let (mut fresh, mut created, mut changed, mut updates) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut unchanged = 0;
    let rows = records.len();
    // The code of each other system a file's code is a device of, when the importer may see it.
    let mut system_codes: BTreeMap<i64, Option<String>> = BTreeMap::new();
    for (line, r) in records {
        let before = existing
            .get(&r.code)
            .filter(|d| d.system_id == s.id)
            .map(super::record_of);
        let elsewhere = existing.get(&r.code).is_some_and(|d| d.system_id != s.id);
        if !elsewhere && before.as_ref() != Some(&r) {
            let was_replaced = existing.get(&r.code).is_some_and(|d| replaced.contains(&d.id));
            for (key, why) in super::guard::refusals(keeper, before.as_ref(), &r, was_replaced) {
                problems.push(problem(Some(line), column_of(key), why));
            }
        }
        match existing.get(&r.code) {
            None => {
                created.push(r.code.clone());
                let mut a = super::active(&r, s.id, now);
                a.created_at = Set(now);
                fresh.push(a);
            }
            Some(d) if d.system_id != s.id => {
                let other = match system_codes.get(&d.system_id) {
                    Some(c) => c.clone(),
                    None => {
                        let c = if crate::app::scope::can_see_system(db, p, d.system_id).await? {
                            systems::Entity::find_by_id(d.system_id).one(db).await?.map(|x| x.code)
                        } else {
                            None
                        };
                        system_codes.insert(d.system_id, c.clone());
                        c
                    }
                };
                // A system the importer cannot see is not named: the code is only said to be taken.
                let message = match other {
                    Some(other) => format!(
                        "{:?} is a device of system {other}; a code is unique across the installation",
                        r.code
                    ),
                    None => format!(
                        "{:?} is already in use; a code is unique across the installation",
                        r.code
                    ),
                };
                problems.push(problem(Some(line), COLUMNS[0].0, message));
            }
            Some(_) if before.as_ref() == Some(&r) => unchanged += 1,
            Some(d) => {
                changed.push(diff(&r.code, &super::record_of(d), &r));
                let mut a = super::active(&r, s.id, now);
                a.id = Set(d.id);
                updates.push(a);
            }
        }
    }
    if !problems.is_empty() {
        // Nothing is written.
        return Err(invalid(problems));
    }
    for a in updates {
        a.update(db).await?;
    }
    let mut fresh = fresh.into_iter().peekable();
    while fresh.peek().is_some() {
        let chunk: Vec<_> = fresh.by_ref().take(ROWS_PER_INSERT).collect();
        devices::Entity::insert_many(chunk).exec(db).await?;
    }
    let report = DeviceImportReport {
        rows,
        created: created.len(),
        changed: changed.len(),
        unchanged,
    };
    Ok((report, created, changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_row_is_named_by_its_row_and_column() {
        let header = COLUMNS.iter().map(|(h, _)| *h).collect::<Vec<_>>().join(",");
        let text = format!(
            "{header},attr:像素\nCAM-1,摄像机,,,,40.1,116.6,是,2025-01-01,,,,in_service,400万\n\
             CAM-2,摄像机,,,,91,116.6,是,,,,,in_service,\nCAM-1,摄像机,,,,,,否,,,,,,\n"
        );
        let sheet = read_csv(text.as_bytes()).unwrap();
        let problems = check(&sheet).unwrap_err();
        let got: Vec<(Option<usize>, &str)> = problems.iter().map(|p| (p.line, p.path.as_str())).collect();
        assert_eq!(got, [(Some(3), "纬度 latitude"), (Some(4), "设备编号 code")]);
    }

    #[test]
    fn a_wrong_header_is_named_before_any_row() {
        let sheet = read_csv("code,kind\nA,b\n".as_bytes()).unwrap();
        let problems = check(&sheet).unwrap_err();
        assert_eq!(problems[0].path, "类型 type");
        assert!(problems.iter().all(|p| p.line == Some(1)));
    }
}
