//! Charts as inline SVG, drawn on the server: no script, printable, readable without colour
//! (every bar carries its number).

use std::fmt::Write;

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One month's bar: all tickets, and the breached part of them.
pub struct Stack<'a> {
    /// The label under the bar.
    pub label: &'a str,
    /// The whole bar.
    pub total: i64,
    /// The part drawn in red.
    pub part: i64,
}

/// Vertical bars, each with its breached part, labelled with both numbers.
pub fn stacked_bars(bars: &[Stack<'_>], total_label: &str, part_label: &str) -> String {
    let (w, h, top, bottom, left) = (720.0, 220.0, 20.0, 36.0, 8.0);
    let max = bars.iter().map(|b| b.total).max().unwrap_or(0).max(1) as f64;
    let slot = (w - left) / bars.len().max(1) as f64;
    let bw = (slot * 0.6).max(4.0);
    let plot = h - top - bottom;
    let mut s = format!(
        r##"<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}">"##,
        esc(total_label)
    );
    for (i, b) in bars.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bw) / 2.0;
        let th = plot * b.total as f64 / max;
        let ph = plot * b.part as f64 / max;
        let _ = write!(
            s,
            r##"<g data-month="{label}"><title>{label}: {total_label} {t}, {part_label} {p}</title><rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{th:.1}" fill="#b0bec5"/><rect x="{x:.1}" y="{py:.1}" width="{bw:.1}" height="{ph:.1}" fill="#c62828"/><text x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{t}</text><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle">{label}</text>{red}</g>"##,
            label = esc(b.label),
            total_label = esc(total_label),
            part_label = esc(part_label),
            t = b.total,
            p = b.part,
            y = top + plot - th,
            py = top + plot - ph,
            cx = x + bw / 2.0,
            ty = top + plot - th - 4.0,
            ly = h - bottom + 16.0,
            red = if b.part > 0 {
                format!(
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#c62828">{}</text>"##,
                    x + bw / 2.0,
                    h - bottom + 30.0,
                    b.part
                )
            } else {
                String::new()
            },
        );
    }
    let _ = write!(
        s,
        r##"<g><rect x="{lx}" y="2" width="10" height="10" fill="#b0bec5"/><text x="{tx}" y="11">{}</text><rect x="{lx2}" y="2" width="10" height="10" fill="#c62828"/><text x="{tx2}" y="11">{}</text></g></svg>"##,
        esc(total_label),
        esc(part_label),
        lx = w - 260.0,
        tx = w - 246.0,
        lx2 = w - 130.0,
        tx2 = w - 116.0,
    );
    s
}

/// One row of a horizontal bar chart.
pub struct Row<'a> {
    /// The label on the left.
    pub label: &'a str,
    /// The value, per cent (none: nothing to show).
    pub pct: Option<f64>,
    /// A target to mark, per cent.
    pub target: Option<f64>,
}

/// Horizontal bars from `floor` % to 100 %, each with its value and, if given, a target mark;
/// bars under their target (or under 90 % without one) are red.
/// `width` is the drawing's own width: smaller for a chart in half a page, so that its text
/// is not scaled down as far.
pub fn percent_bars(rows: &[Row<'_>], floor: f64, width: f64, empty: &str) -> String {
    if rows.is_empty() {
        return format!(r#"<p class="muted">{}</p>"#, esc(empty));
    }
    let (w, row_h, label_w, value_w) = (width, 22.0, width * 0.3, 70.0);
    let h = row_h * rows.len() as f64 + 6.0;
    let span = w - label_w - value_w;
    let x_of = |p: f64| label_w + span * ((p - floor) / (100.0 - floor)).clamp(0.0, 1.0);
    let mut s = format!(r##"<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img">"##);
    for (i, r) in rows.iter().enumerate() {
        let y = 3.0 + row_h * i as f64;
        // A CJK character is about 12 units wide at this size.
        let short: String = r.label.chars().take(((label_w - 8.0) / 12.0) as usize).collect();
        let _ = write!(
            s,
            r##"<g data-row="{label}"><title>{label}</title><text x="0" y="{ty:.1}">{short}</text><rect x="{label_w}" y="{y:.1}" width="{span}" height="{bh:.1}" fill="#eceff1"/>"##,
            label = esc(r.label),
            short = esc(&short),
            ty = y + row_h * 0.65,
            bh = row_h - 6.0,
        );
        if let Some(p) = r.pct {
            let bad = p < r.target.unwrap_or(90.0);
            let _ = write!(
                s,
                r##"<rect x="{label_w}" y="{y:.1}" width="{bw:.1}" height="{bh:.1}" fill="{fill}"/><text x="{vx:.1}" y="{ty:.1}">{p:.2} %</text>"##,
                bw = x_of(p) - label_w,
                bh = row_h - 6.0,
                fill = if bad { "#c62828" } else { "#2e7d32" },
                vx = label_w + span + 6.0,
                ty = y + row_h * 0.65,
            );
        } else {
            let _ = write!(
                s,
                r##"<text x="{vx:.1}" y="{ty:.1}">—</text>"##,
                vx = label_w + span + 6.0,
                ty = y + row_h * 0.65
            );
        }
        if let Some(t) = r.target {
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{y0:.1}" y2="{y1:.1}" stroke="#263238" stroke-width="2"><title>{t} %</title></line>"##,
                x = x_of(t),
                y0 = y - 1.0,
                y1 = y + row_h - 5.0,
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_numbers_shown() {
        let svg = stacked_bars(
            &[
                Stack {
                    label: "2026-03",
                    total: 6,
                    part: 2,
                },
                Stack {
                    label: "<x>",
                    total: 0,
                    part: 0,
                },
            ],
            "受理",
            "超时",
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(">6</text>") && svg.contains(">2</text>"));
        assert!(svg.contains("&lt;x&gt;") && !svg.contains("<x>"));
    }

    #[test]
    fn bars_under_target_are_red_and_marked() {
        let svg = percent_bars(
            &[
                Row {
                    label: "HIS",
                    pct: Some(98.1183),
                    target: Some(99.9),
                },
                Row {
                    label: "OA",
                    pct: Some(100.0),
                    target: Some(99.0),
                },
                Row {
                    label: "none",
                    pct: None,
                    target: None,
                },
            ],
            90.0,
            720.0,
            "",
        );
        assert!(svg.contains("98.12 %") && svg.contains("100.00 %"));
        assert_eq!(svg.matches("#c62828").count(), 1, "only HIS is under its target");
        assert_eq!(svg.matches("<line").count(), 2);
        assert!(percent_bars(&[], 0.0, 480.0, "nothing").contains("nothing"));
    }
}
