//! A person's shifts as an iCalendar file (RFC 5545) for their phone's calendar.
//!
//! Every shift is one `VEVENT` with times in UTC (`…Z`, which every client shows in its own zone),
//! a `UID` stable across exports (roster, line, day, person), so a re-import updates events
//! instead of duplicating them, and lines folded at 75 octets with CRLF endings.

use chrono::{DateTime, Utc};

use super::rosters::UserShift;

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so that no line exceeds 75 octets (never inside a UTF-8
/// character).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for ch in content.chars() {
        let n = ch.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += n;
    }
    out.push_str("\r\n");
}

/// The calendar of `username`'s `shifts`; `domain` makes the UIDs globally unique, `now` is the
/// `DTSTAMP`.
pub fn render(username: &str, shifts: &[UserShift], domain: &str, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//opsclock//duty roster//ZH");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(&format!("值班 {username}"))));
    for s in shifts {
        line(&mut out, "BEGIN:VEVENT");
        line(
            &mut out,
            &format!(
                "UID:{}-{}-{}-{}@{domain}",
                s.roster,
                s.line,
                s.date.format("%Y%m%d"),
                username
            ),
        );
        line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
        line(&mut out, &format!("DTSTART:{}", stamp(s.start)));
        line(&mut out, &format!("DTEND:{}", stamp(s.end)));
        line(
            &mut out,
            &format!(
                "SUMMARY:{}",
                text(&format!("值班 {} · {} ({})", s.roster_name, s.line, s.team))
            ),
        );
        line(
            &mut out,
            &format!(
                "DESCRIPTION:{}",
                text(&format!(
                    "roster {}, line {}, on duty: {}",
                    s.roster,
                    s.line,
                    s.members.join(", ")
                ))
            ),
        );
        line(&mut out, &format!("CATEGORIES:{}", text(&s.team)));
        line(&mut out, "TRANSP:OPAQUE");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "值".repeat(40));
        line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
