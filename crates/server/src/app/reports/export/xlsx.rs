//! The report as an Excel workbook: one sheet per section, Chinese headers in bold on a shaded,
//! frozen first row, numbers as numbers (minutes to two decimals, percentages, yuan with
//! thousands separators), instants as Excel date-times in the report's zone, and columns wide
//! enough to read. The report's footnotes, if any, on a last sheet, 说明.

use rust_xlsxwriter::{Color, Format as Style, FormatBorder, Workbook, XlsxError};

use chrono_tz::Tz;

use super::{Cell, Section, zone};
use crate::app::reports::Report;

/// Writes the workbook.
pub fn write(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let withheld = r.deductions_withheld;
    workbook(&super::sections(r), zone(r), &super::footnote_lines(r), |section| {
        // Withheld is not none (see html::WITHHELD): the sheet says so under its header.
        (section.key == "deductions" && withheld).then_some(super::html::WITHHELD)
    })
}

/// `sections` as a workbook, one sheet each, instants in zone `z`; `notes`, if any, on a last
/// sheet, 说明; under the header of a section without rows, what `empty` says of it. The report
/// and the assessment's record (`app::assessments::record`) are both written by it.
pub fn workbook(
    sections: &[Section],
    z: Tz,
    notes: &[&str],
    empty: impl Fn(&Section) -> Option<&'static str>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Style::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    let num = Style::new().set_num_format("0.00");
    let pct = Style::new().set_num_format("0.00%");
    let yuan = Style::new().set_num_format("#,##0.00");
    let when = Style::new().set_num_format("yyyy-mm-dd hh:mm");
    for section in sections {
        let sheet = book.add_worksheet();
        sheet.set_name(section.title)?;
        let mut widths: Vec<usize> = section.headers.iter().map(|h| display_width(h)).collect();
        for (c, h) in section.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &header)?;
        }
        for (i, row) in section.rows.iter().enumerate() {
            let row_n = i as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Text(s) | Cell::Code(s) => {
                        sheet.write_string(row_n, col, fit(s))?;
                    }
                    Cell::Int(n) => {
                        sheet.write_number(row_n, col, *n as f64)?;
                    }
                    Cell::Num(x) => {
                        sheet.write_number_with_format(row_n, col, *x, &num)?;
                    }
                    Cell::Pct(x) => {
                        sheet.write_number_with_format(row_n, col, *x / 100.0, &pct)?;
                    }
                    Cell::Yuan(f) => {
                        sheet.write_number_with_format(row_n, col, *f as f64 / 100.0, &yuan)?;
                    }
                    Cell::When(t) => {
                        sheet.write_datetime_with_format(row_n, col, t.with_timezone(&z).naive_local(), &when)?;
                    }
                    Cell::Empty => {}
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(display_width(&cell.text(z)).min(60));
                }
            }
        }
        if section.rows.is_empty()
            && let Some(text) = empty(section)
        {
            sheet.write_string(1, 0, text)?;
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w as f64 + 2.0).max(8.0))?;
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    if !notes.is_empty() {
        let sheet = book.add_worksheet();
        sheet.set_name("说明")?;
        sheet.write_string_with_format(0, 0, "说明 / Notes", &header)?;
        let wrap = Style::new().set_text_wrap();
        for (i, line) in notes.iter().enumerate() {
            sheet.write_string_with_format(i as u32 + 1, 0, *line, &wrap)?;
        }
        sheet.set_column_width(0, 120.0)?;
    }
    book.save_to_buffer()
}

/// At most the 32 767 characters a cell holds (a year's evidence list can be longer).
fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_767;
    if s.chars().count() <= MAX {
        return s.into();
    }
    let kept: String = s.chars().take(MAX - 20).collect();
    format!("{kept} …(truncated)").into()
}

/// Columns a string takes: CJK characters count two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) > 0x2E80 { 2 } else { 1 }).sum()
}
