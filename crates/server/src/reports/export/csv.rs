//! One section of the report as CSV, UTF-8 with a byte-order mark (so that Excel and WPS read the
//! Chinese headers) and CRLF line ends.

use super::{Section, zone};
use crate::reports::Report;

/// Writes section `key` of `r` (see [`super::SECTIONS`]).
pub fn write(r: &Report, key: &str) -> Result<Vec<u8>, String> {
    let sections = super::sections(r);
    let section: &Section = sections.iter().find(|s| s.key == key).ok_or_else(|| {
        format!(
            "{key:?} is not a report section; expected one of: {}",
            super::SECTIONS.join(", ")
        )
    })?;
    let z = zone(r);
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: ::csv::Error| e.to_string();
    w.write_record(&section.headers).map_err(fail)?;
    for row in &section.rows {
        w.write_record(row.iter().map(|c| c.text(z))).map_err(fail)?;
    }
    w.into_inner().map_err(|e| e.to_string())
}
