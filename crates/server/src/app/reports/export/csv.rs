//! One section of the report as CSV, UTF-8 with a byte-order mark (so that Excel and WPS read the
//! Chinese headers) and CRLF line ends. The report's footnotes, if any, are the last rows: the
//! text in the first cell (starting with `*`), the other cells empty so that every row has as
//! many fields as the header.

use super::{Section, zone};
use crate::app::reports::Report;

/// What a spreadsheet reads a formula from when it starts a cell (CSV injection).
pub const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text as a CSV cell no spreadsheet runs as a formula: text starting with one of
/// [`FORMULA_LEADS`] gets a leading `'`, and so does text starting with `'` itself, so that
/// [`unquote_formula`] gives back exactly the text (`=SUM(A1)` → `'=SUM(A1)`, `'x` → `''x`).
pub fn quote_formula(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_LEADS) || text.starts_with('\'') {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Undoes [`quote_formula`]: a cell `'` followed by a formula's lead or another `'` loses its
/// first `'`; any other cell is the text (a hand-written `'0012` stays `'0012`).
pub fn unquote_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_LEADS) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

/// A report's text and codes are quoted ([`quote_formula`]): a ticket title is data, never a
/// formula. Numbers are left alone.
fn defuse(cell: &super::Cell, text: String) -> String {
    match cell {
        super::Cell::Text(_) | super::Cell::Code(_) => quote_formula(&text).into_owned(),
        _ => text,
    }
}

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
        w.write_record(row.iter().map(|c| defuse(c, c.text(z)))).map_err(fail)?;
    }
    for line in super::footnote_lines(r) {
        let mut record = vec![line];
        record.resize(section.headers.len().max(1), "");
        w.write_record(&record).map_err(fail)?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::Cell;
    use super::defuse;

    #[test]
    fn text_that_looks_like_a_formula_is_quoted() {
        let t = |s: &str| defuse(&Cell::Text(s.into()), s.into());
        assert_eq!(t("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(t("+1"), "'+1");
        assert_eq!(t("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(t("数据库告警"), "数据库告警");
        assert_eq!(defuse(&Cell::Num(-3.0), "-3.00".into()), "-3.00");
    }

    #[test]
    fn quoting_undoes_exactly() {
        use super::{quote_formula, unquote_formula};
        for text in [
            "=1+1", "+86 10", "-", "@x", "\tx", "'=x", "'", "''", "'0012", "数据", "",
        ] {
            assert_eq!(unquote_formula(&quote_formula(text)), text, "{text:?}");
            assert!(!quote_formula(text).starts_with(super::FORMULA_LEADS), "{text:?}");
        }
        assert_eq!(unquote_formula("'0012"), "'0012", "a hand-written quote stays");
    }
}
