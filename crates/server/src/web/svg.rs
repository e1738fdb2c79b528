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

/// The red line for a row without a target of its own: bars under 90 % are red.
const DEFAULT_TARGET: f64 = 90.0;

/// Horizontal bars from `floor` % to 100 %, each with its value and, if given, a target mark
/// labelled in the value column (`target_word`: 目标 or target); bars under their target (or
/// under 90 % without one) are red. An axis under the bars labels where they start and end.
/// `width` is the drawing's own width: smaller for a chart in half a page, so that its text
/// is not scaled down as far.
///
/// A value under `floor` lowers the axis to the next 5 % below it rather than vanishing: with
/// floor 90 and a system at 89.03 %, the axis runs from 85 % and the bar is a fifth of the way
/// along, red, with 「89.03 %」 beside it. Every value keeps at least a 2-unit stub, so that a bar
/// at the axis start is still seen.
pub fn percent_bars(title: &str, rows: &[Row<'_>], floor: f64, width: f64, empty: &str, target_word: &str) -> String {
    if rows.is_empty() {
        return format!(r#"<p class="muted">{}</p>"#, esc(empty));
    }
    let lowest = rows
        .iter()
        .flat_map(|r| [r.pct, r.target])
        .flatten()
        .fold(floor, f64::min);
    let floor = if lowest < floor {
        ((lowest / 5.0).floor() * 5.0).max(0.0)
    } else {
        floor
    };
    let targeted = rows.iter().any(|r| r.target.is_some());
    let value_w = if targeted { 150.0 } else { 70.0 };
    let (w, row_h, label_w) = (width, 22.0, width * 0.3);
    let axis_h = 18.0;
    let h = row_h * rows.len() as f64 + 6.0 + axis_h;
    let span = w - label_w - value_w;
    let x_of = |p: f64| label_w + span * ((p - floor) / (100.0 - floor)).clamp(0.0, 1.0);
    let mut s = format!(
        r##"<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{}">"##,
        esc(title)
    );
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
        // Full-width brackets around a Chinese word, ASCII ones around an English one.
        let target = r
            .target
            .map(|t| {
                if target_word.is_ascii() {
                    format!(" ({} {t} %)", esc(target_word))
                } else {
                    format!("（{} {t} %）", esc(target_word))
                }
            })
            .unwrap_or_default();
        if let Some(p) = r.pct {
            let bad = p < r.target.unwrap_or(DEFAULT_TARGET);
            let _ = write!(
                s,
                r##"<rect x="{label_w}" y="{y:.1}" width="{bw:.1}" height="{bh:.1}" fill="{fill}"/><text x="{vx:.1}" y="{ty:.1}">{p:.2} %{target}</text>"##,
                bw = (x_of(p) - label_w).max(2.0),
                bh = row_h - 6.0,
                fill = if bad { "#c62828" } else { "#2e7d32" },
                vx = label_w + span + 6.0,
                ty = y + row_h * 0.65,
            );
        } else {
            let _ = write!(
                s,
                r##"<text x="{vx:.1}" y="{ty:.1}">—{target}</text>"##,
                vx = label_w + span + 6.0,
                ty = y + row_h * 0.65
            );
        }
        if let Some(t) = r.target {
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{y0:.1}" y2="{y1:.1}" stroke="#263238" stroke-width="2"><title>{word} {t} %</title></line>"##,
                word = esc(target_word),
                x = x_of(t),
                y0 = y - 1.0,
                y1 = y + row_h - 5.0,
            );
        }
        s.push_str("</g>");
    }
    // The axis: where the bars start (not always 0 %) and end.
    let ay = row_h * rows.len() as f64 + 4.0;
    let _ = write!(
        s,
        r##"<g class="axis"><line x1="{label_w}" x2="{end:.1}" y1="{ay:.1}" y2="{ay:.1}" stroke="#90a4ae"/><text x="{label_w}" y="{ty:.1}" data-axis="start">{floor} %</text><text x="{end:.1}" y="{ty:.1}" text-anchor="end" data-axis="end">100 %</text></g>"##,
        end = label_w + span,
        ty = ay + 14.0,
    );
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
            "图",
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
            "目标",
        );
        assert!(svg.contains("98.12 %（目标 99.9 %）") && svg.contains("100.00 %（目标 99 %）"));
        assert_eq!(svg.matches("#c62828").count(), 1, "only HIS is under its target");
        assert_eq!(svg.matches("<line").count(), 3, "two targets and the axis");
        assert!(svg.contains(r#"data-axis="start">90 %"#), "{svg}");
        assert!(percent_bars("图", &[], 0.0, 480.0, "nothing", "目标").contains("nothing"));
        let english = percent_bars(
            "chart",
            &[Row {
                label: "HIS",
                pct: Some(99.5),
                target: Some(99.0),
            }],
            90.0,
            720.0,
            "",
            "Target",
        );
        assert!(english.contains("99.50 % (Target 99 %)"), "{english}");
    }

    #[test]
    fn a_value_under_the_axis_start_lowers_the_axis_and_keeps_its_bar() {
        let svg = percent_bars(
            "图",
            &[Row {
                label: "sy-006",
                pct: Some(89.03),
                target: None,
            }],
            90.0,
            720.0,
            "",
            "目标",
        );
        // From 85 %: 4.03 of 15 points of the 434-unit span.
        assert!(svg.contains(r#"data-axis="start">85 %"#), "{svg}");
        assert!(svg.contains(r#"width="116.6""#) && svg.contains("89.03 %"), "{svg}");
        assert_eq!(svg.matches("#c62828").count(), 1, "under 90 %: red");
    }
}
