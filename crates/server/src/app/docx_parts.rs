//! The parts every Word file opsclock writes is made of (DOCX, by `docx-rs`): A4 portrait with
//! 2 cm margins, a title, headings, tables with a header row on the pages' blue.
//!
//! Chinese must render wherever the file is opened: every run names an East Asian font, 宋体
//! (SimSun, on every Chinese Windows and Office), and a Latin one, Times New Roman, with the
//! East Asian hint, so that Word takes 宋体 for the Chinese and LibreOffice substitutes the
//! machine's CJK serif (e.g. Noto Serif CJK) when 宋体 is not installed.

use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading, Style, StyleType,
    Table, TableCell, TableLayoutType, TableRow, WidthType,
};

use crate::app::{AppError, AppResult};

/// A4 in twentieths of a point, with 2 cm margins: the width a table may take.
pub(crate) const PAGE: (u32, u32) = (11_906, 16_838);
pub(crate) const MARGIN: i32 = 1_134;
pub(crate) const WIDTH: usize = 11_906 - 2 * 1_134;

/// The fonts of every run: 宋体 for Chinese, Times New Roman for Latin letters.
pub(crate) fn fonts() -> RunFonts {
    RunFonts::new()
        .east_asia("宋体")
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
        .cs("Times New Roman")
        .hint("eastAsia")
}

/// A run of `text` (10.5 pt, 五号), its lines broken where the text breaks them.
pub(crate) fn run(text: &str) -> Run {
    sized(text, 21)
}

/// `text` as XML 1.0 may carry it: a tab becomes a space, a carriage return (of a CRLF) goes,
/// and the control characters it forbids
/// (a terminal's colour codes in a monitor's alert, a vertical tab pasted from Word) and the
/// non-characters U+FFFE and U+FFFF are left out, or the file would not open.
///
/// ```text
/// "CPU\u{1b}[31m 告警\u{b}" → "CPU[31m 告警"
/// ```
pub(crate) fn xml_safe(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => None,
            _ => Some(c),
        })
        .collect()
}

/// A run of `text` in `half_points`, its lines broken where the text breaks them.
pub(crate) fn sized(text: &str, half_points: usize) -> Run {
    let mut r = Run::new().fonts(fonts()).size(half_points);
    let text = xml_safe(text);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(line);
    }
    r
}

pub(crate) fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

pub(crate) fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .style("Heading2")
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(240).after(80))
        .add_run(run(text).bold().size(28))
}

/// A cell of `width` twips (9 pt, 小五, so that an instant fits on one line); a header cell is
/// bold on the pages' blue.
pub(crate) fn cell(text: &str, width: usize, header: bool) -> TableCell {
    let mut r = sized(text, 18);
    if header {
        r = r.bold();
    }
    let c = TableCell::new()
        .width(width, WidthType::Dxa)
        .add_paragraph(Paragraph::new().add_run(r));
    if header {
        c.shading(Shading::new().fill("DDEBF7"))
    } else {
        c
    }
}

/// A table of `headers` over `rows`, its columns `shares` of the page's width; one row saying
/// `none` when there are no rows.
pub(crate) fn table(headers: &[String], shares: &[usize], rows: &[Vec<String>], none: &str) -> Table {
    let total: usize = shares.iter().sum();
    let widths: Vec<usize> = shares.iter().map(|s| WIDTH * s / total).collect();
    let mut out =
        vec![TableRow::new(headers.iter().zip(&widths).map(|(h, w)| cell(h, *w, true)).collect()).cant_split()];
    if rows.is_empty() {
        out.push(TableRow::new(vec![cell(none, WIDTH, false).grid_span(headers.len())]));
    }
    for row in rows {
        out.push(TableRow::new(row.iter().zip(&widths).map(|(t, w)| cell(t, *w, false)).collect()).cant_split());
    }
    Table::new(out)
        .set_grid(widths)
        .width(WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// A two-column table of label and value.
pub(crate) fn facts(pairs: &[(String, String)]) -> Table {
    let rows: Vec<Vec<String>> = pairs.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    let widths = [WIDTH / 5, WIDTH - WIDTH / 5];
    let out = rows
        .iter()
        .map(|r| TableRow::new(vec![cell(&r[0], widths[0], true), cell(&r[1], widths[1], false)]).cant_split())
        .collect();
    Table::new(out)
        .set_grid(widths.to_vec())
        .width(WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// A new A4 document with the styles the parts use, opening with `title` centred and, under it,
/// `subtitle`.
pub(crate) fn document(title: &str, subtitle: &str) -> Docx {
    Docx::new()
        .page_size(PAGE.0, PAGE.1)
        .page_margin(PageMargin {
            top: MARGIN,
            left: MARGIN,
            bottom: MARGIN,
            right: MARGIN,
            header: 567,
            footer: 567,
            gutter: 0,
        })
        .default_fonts(fonts())
        .default_size(21)
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .bold()
                .size(28)
                .fonts(fonts()),
        )
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .bold()
                .size(36)
                .fonts(fonts())
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .style("Title")
                .align(AlignmentType::Center)
                .add_run(run(title).bold().size(36)),
        )
        .add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(run(subtitle)))
}

/// The file's bytes.
pub(crate) fn pack(doc: Docx) -> AppResult<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("DOCX: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_do_not_reach_the_file() {
        assert_eq!(
            super::xml_safe("CPU\u{1b}[31m 告警\u{b}\t完\n毕\u{ffff}"),
            "CPU[31m 告警 完\n毕"
        );
    }
}
