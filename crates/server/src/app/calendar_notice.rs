//! Adding a year's State Council holiday notice ([`sla_clock::calendar::notice`]) to a calendar
//! file: the file's new text, and what changes, as a diff for people to check before writing.
//!
//! The file is edited as text, not re-serialised, so its comments, layout and every other byte
//! stay as they were: `covers.to` moves to the end of the new year, and a `# ---- YEAR ----`
//! section with one entry per holiday and make-up day, each citing the notice's words, is appended.
//!
//! ```
//! use opsclock::app::calendar_notice::{apply_notice, diff};
//! use sla_clock::calendar::notice::parse_notice;
//!
//! let file = "name = \"office\"\ncovers = { from = 2026-01-01, to = 2026-12-31 }\nmakeup_hours = [\"09:00-17:00\"]\n\
//!             [week]\nmon = [\"09:00-17:00\"]\n";
//! let notice = parse_notice(2027, "一、元旦：1月1日（周五）至3日（周日）放假，共3天。").unwrap();
//! let new = apply_notice(file, &notice).unwrap();
//! assert!(new.starts_with("name = \"office\"\ncovers = { from = 2026-01-01, to = 2027-12-31 }\n"));
//! assert!(new.ends_with(
//!     "[[holidays]]\nname = \"元旦\"            # 1月1日（周五）至3日（周日）放假，共3天\nfrom = 2027-01-01\nto = 2027-01-03\n"
//! ));
//! // A second import of the same year is refused.
//! assert!(apply_notice(&new, &notice).unwrap_err().to_string().contains("already"));
//! let d = diff("office.toml", file, &new);
//! assert!(d.contains("\n-covers = { from = 2026-01-01, to = 2026-12-31 }\n+covers = { from = 2026-01-01, to = 2027-12-31 }\n"));
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate};
use sla_clock::calendar::notice::Notice;
use sla_clock::{Calendar, CalendarSpec};

/// Width of the section marker line (`# ---- 2026 ----…`), as in the shipped files.
const MARKER_WIDTH: usize = 98;

/// Display column at which an entry's comment starts, as in the shipped files.
const COMMENT_COLUMN: usize = 25;

/// The calendar file `file_text` with `notice`'s year added: `covers.to` extended to 31 December
/// of that year and a section with its holidays and make-up days appended; every other byte stays.
///
/// Refused, with the reason, if the file already has a holiday or make-up day in that year, if the
/// year is not the one right after `covers.to` (which must be a 31 December), or if the result
/// would not be a valid calendar (for example a make-up day without `makeup_hours` to work).
pub fn apply_notice(file_text: &str, notice: &Notice) -> anyhow::Result<String> {
    let spec = CalendarSpec::from_toml(file_text).context("the calendar file is not valid")?;
    let (name, year) = (&spec.name, notice.year);
    if !spec.dated {
        bail!(
            "calendar {name:?} has no `covers`: it follows no published arrangement, so a notice has nothing to add to it"
        );
    }
    if let Some(h) = spec
        .holidays
        .iter()
        .find(|h| h.from.year() == year || h.to.year() == year)
    {
        bail!(
            "calendar {name:?} already has holidays in {year} ({} from {}); the notice for {year} was imported before",
            h.name,
            h.from
        );
    }
    if let Some(m) = spec.makeup_days.iter().find(|m| m.date.year() == year) {
        bail!(
            "calendar {name:?} already has make-up days in {year} ({} on {}); the notice for {year} was imported before",
            m.name,
            m.date
        );
    }
    let covers_to = spec.covers_to;
    if covers_to.year() >= year {
        bail!("calendar {name:?} already covers {year} (covers.to = {covers_to}) without any holiday in it");
    }
    if covers_to.year() + 1 != year {
        bail!(
            "calendar {name:?} covers up to {covers_to}: the notice for {} must be added before the one for {year}",
            covers_to.year() + 1
        );
    }
    let year_end = |y: i32| NaiveDate::from_ymd_opt(y, 12, 31).context("year out of range");
    if covers_to != year_end(covers_to.year())? {
        bail!(
            "calendar {name:?} covers up to {covers_to}, not to the end of {}: complete {} by hand first",
            covers_to.year(),
            covers_to.year()
        );
    }
    let new_to = year_end(year)?;

    let mut text = replace_covers_to(file_text, covers_to, new_to)
        .with_context(|| format!("calendar {name:?}: extend covers.to to {new_to} by hand"))?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&section(notice));

    let cal = Calendar::from_toml(&text)
        .with_context(|| format!("calendar {name:?} with the notice for {year} added would not be valid"))?;
    // The edit must mean exactly what was intended: the old entries, then the notice's.
    let new = cal.spec();
    let expected_holidays: Vec<_> = spec
        .holidays
        .iter()
        .cloned()
        .chain(notice.holidays.iter().map(|h| h.to_holiday()))
        .collect();
    let expected_makeup: Vec<_> = spec
        .makeup_days
        .iter()
        .map(|m| m.date)
        .chain(notice.makeup_days.iter().map(|m| m.date))
        .collect();
    if new.covers_to != new_to
        || new.covers_from != spec.covers_from
        || new.holidays != expected_holidays
        || new.makeup_days.iter().map(|m| m.date).collect::<Vec<_>>() != expected_makeup
    {
        bail!("calendar {name:?}: the edited file does not read as intended; add {year} by hand");
    }
    Ok(text)
}

/// Replaces the `to` date of `covers` (inline `covers = { …, to = … }` or a `[covers]` table).
fn replace_covers_to(text: &str, old: NaiveDate, new: NaiveDate) -> anyhow::Result<String> {
    let old_s = old.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_covers_table = false;
    let mut replaced = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let trimmed = code.trim();
        if trimmed.starts_with('[') {
            in_covers_table = trimmed == "[covers]";
        }
        let key_is = |s: &str, key: &str| {
            s.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        };
        let target = if !in_covers_table && key_is(trimmed, "covers") {
            // Inline table: the date after `to =`.
            find_value_after_key(code, "to", &old_s)
        } else if in_covers_table && key_is(trimmed, "to") {
            find_value_after_key(code, "to", &old_s)
        } else {
            None
        };
        match target {
            Some(at) => {
                out.push_str(&line[..at]);
                out.push_str(&new.to_string());
                out.push_str(&line[at + old_s.len()..]);
                replaced += 1;
            }
            None => out.push_str(line),
        }
    }
    if replaced != 1 {
        bail!("cannot find `to = {old}` of covers in the file");
    }
    Ok(out)
}

/// The byte offset of `value` where it follows `key =` (with `key` a whole word) in `code`.
fn find_value_after_key(code: &str, key: &str, value: &str) -> Option<usize> {
    code.match_indices(value).map(|(at, _)| at).find(|&at| {
        let before = code[..at].trim_end();
        let Some(before) = before.strip_suffix('=') else {
            return false;
        };
        let before = before.trim_end();
        before.ends_with(key)
            && !before[..before.len() - key.len()]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

/// The appended section: a marker line, then each holiday and make-up day in the notice's order.
fn section(notice: &Notice) -> String {
    enum Entry<'a> {
        Holiday(&'a sla_clock::calendar::notice::NoticeHoliday),
        Makeup(&'a sla_clock::calendar::notice::NoticeMakeupDay),
    }
    let mut entries: Vec<(usize, u8, Entry<'_>)> = notice
        .holidays
        .iter()
        .map(|h| (h.line, 0, Entry::Holiday(h)))
        .chain(notice.makeup_days.iter().map(|m| (m.line, 1, Entry::Makeup(m))))
        .collect();
    entries.sort_by_key(|(line, kind, _)| (*line, *kind));

    let mut out = String::new();
    let head = format!("# ---- {} ", notice.year);
    let dashes = MARKER_WIDTH.saturating_sub(head.chars().count());
    let _ = writeln!(out, "\n{head}{}", "-".repeat(dashes));
    for (_, _, entry) in entries {
        match entry {
            Entry::Holiday(h) => {
                let _ = writeln!(out, "\n[[holidays]]\n{}", name_line(&h.name, &h.words));
                let _ = writeln!(out, "from = {}", h.from);
                if h.to != h.from {
                    let _ = writeln!(out, "to = {}", h.to);
                }
            }
            Entry::Makeup(m) => {
                let _ = writeln!(out, "\n[[makeup_days]]\n{}", name_line(&m.name, &m.words));
                let _ = writeln!(out, "date = {}", m.date);
            }
        }
    }
    out
}

/// `name = "春节调休"        # 2月14日（周六）上班`, the comment aligned as in the shipped files.
fn name_line(name: &str, words: &str) -> String {
    let head = format!("name = {}", toml::Value::String(name.to_owned()));
    let width: usize = head.chars().map(display_width).sum();
    let pad = COMMENT_COLUMN.saturating_sub(width).max(2);
    let words = words.replace(['\n', '\r'], " ");
    format!("{head}{}# {words}", " ".repeat(pad))
}

/// Columns a character takes in a terminal: two for CJK ideographs and full-width forms.
fn display_width(c: char) -> usize {
    match c {
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{303E}'
        | '\u{3041}'..='\u{33FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{A000}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}' => 2,
        _ => 1,
    }
}

/// What changes from `old` to `new`, line by line: `--- label` / `+++ label`, then for each
/// changed stretch an `@@ -A,N +B,M @@` header (no context lines) and its `-` and `+` lines.
pub fn diff(label: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common ends first, so the table below covers only what differs.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // Longest common subsequence of the middle parts: lcs[i][j] for am[i..] and bm[j..].
    let mut lcs = vec![vec![0u32; bm.len() + 1]; am.len() + 1];
    for i in (0..am.len()).rev() {
        for j in (0..bm.len()).rev() {
            lcs[i][j] = if am[i] == bm[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = format!("--- {label}\n+++ {label}\n");
    let (mut i, mut j) = (0, 0);
    while i < am.len() || j < bm.len() {
        if i < am.len() && j < bm.len() && am[i] == bm[j] {
            i += 1;
            j += 1;
            continue;
        }
        let (i0, j0) = (i, j);
        while (i < am.len() || j < bm.len()) && !(i < am.len() && j < bm.len() && am[i] == bm[j]) {
            if j < bm.len() && (i == am.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
                j += 1;
            } else {
                i += 1;
            }
        }
        let range = |start: usize, len: usize| match len {
            0 => format!("{start},0"),
            1 => format!("{}", start + 1),
            n => format!("{},{n}", start + 1),
        };
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(prefix + i0, i - i0),
            range(prefix + j0, j - j0)
        );
        for line in &am[i0..i] {
            let _ = writeln!(out, "-{line}");
        }
        for line in &bm[j0..j] {
            let _ = writeln!(out, "+{line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sla_clock::calendar::notice::parse_notice;

    const FILE: &str = "# office\nname = \"office\"   # the name\ncovers = { from = 2026-01-01, to = 2026-12-31 } # published\n\
                        makeup_hours = [\"09:00-17:00\"]\n\n[week]\nmon = [\"09:00-17:00\"]\n";

    /// An illustration, not the real 2027 arrangement (not published when this was written).
    fn notice_2027() -> Notice {
        parse_notice(
            2027,
            "一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。\n二、春节：2月6日（周六）至12日（周五）放假调休，共7天。2月13日（周六）上班。",
        )
        .expect("reads")
    }

    #[test]
    fn appends_the_year_and_keeps_every_other_byte() {
        let new = apply_notice(FILE, &notice_2027()).expect("applies");
        let expected_head = FILE.replace("to = 2026-12-31 }", "to = 2027-12-31 }");
        assert!(new.starts_with(&expected_head), "{new}");
        let tail = &new[expected_head.len()..];
        assert_eq!(
            tail,
            format!(
                "\n# ---- 2027 {}\n\n[[holidays]]\nname = \"元旦\"            # 1月1日（周五）至3日（周日）放假调休，共3天\n\
                 from = 2027-01-01\nto = 2027-01-03\n\n[[holidays]]\nname = \"春节\"            # 2月6日（周六）至12日（周五）放假调休，共7天\n\
                 from = 2027-02-06\nto = 2027-02-12\n\n[[makeup_days]]\nname = \"春节调休\"        # 2月13日（周六）上班\ndate = 2027-02-13\n",
                "-".repeat(86)
            )
        );
        let cal = Calendar::from_toml(&new).expect("valid");
        assert_eq!(cal.covered_dates().1.to_string(), "2027-12-31");
    }

    #[test]
    fn refuses_a_year_already_there_or_not_next() {
        let new = apply_notice(FILE, &notice_2027()).expect("applies");
        let err = apply_notice(&new, &notice_2027()).unwrap_err().to_string();
        assert!(err.contains("already has holidays in 2027"), "{err}");

        let later = parse_notice(2028, "一、元旦：1月1日（周六）放假。").expect("reads");
        let err = apply_notice(FILE, &later).unwrap_err().to_string();
        assert!(
            err.contains("the notice for 2027 must be added before the one for 2028"),
            "{err}"
        );

        let covered = FILE.replace("to = 2026-12-31", "to = 2027-12-31");
        let err = apply_notice(&covered, &notice_2027()).unwrap_err().to_string();
        assert!(err.contains("already covers 2027"), "{err}");

        let half = FILE.replace("to = 2026-12-31", "to = 2026-06-30");
        let err = apply_notice(&half, &parse_notice(2027, "一、元旦：1月1日放假。").expect("reads"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not to the end of 2026"), "{err}");
    }

    #[test]
    fn a_result_that_would_not_be_valid_is_refused() {
        // No makeup_hours: a make-up day would have no hours to work.
        let file = FILE.replace("makeup_hours = [\"09:00-17:00\"]\n", "");
        let err = apply_notice(&file, &notice_2027()).unwrap_err();
        assert!(format!("{err:#}").contains("makeup_days[0].hours: missing"), "{err:#}");
    }

    #[test]
    fn covers_as_a_table_and_without_a_final_newline() {
        let file = "name = \"t\"\nmakeup_hours = [\"09:00-17:00\"]\n[week]\nmon = [\"09:00-17:00\"]\n[covers]\nfrom = 2026-01-01\nto = 2026-12-31";
        let new = apply_notice(file, &notice_2027()).expect("applies");
        assert!(
            new.contains("[covers]\nfrom = 2026-01-01\nto = 2027-12-31\n\n# ---- 2027 "),
            "{new}"
        );
    }

    #[test]
    fn diff_shows_the_changed_covers_line_and_the_added_lines() {
        let new = apply_notice(FILE, &notice_2027()).expect("applies");
        let d = diff("office.toml", FILE, &new);
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines[..2], ["--- office.toml", "+++ office.toml"]);
        assert_eq!(
            lines[2..5],
            [
                "@@ -3 +3 @@",
                "-covers = { from = 2026-01-01, to = 2026-12-31 } # published",
                "+covers = { from = 2026-01-01, to = 2027-12-31 } # published"
            ]
        );
        assert_eq!(lines[5], "@@ -7,0 +8,16 @@");
        assert!(lines[6..].iter().all(|l| l.starts_with('+')), "{d}");
        assert_eq!(lines.len(), 6 + 16);
        assert_eq!(diff("x", "a\nb\n", "a\nb\n"), "--- x\n+++ x\n");
        assert_eq!(diff("x", "a\nb\nc\n", "a\nc\n"), "--- x\n+++ x\n@@ -2 +1,0 @@\n-b\n");
    }
}

/// The calendars a notice goes into when none are named: the shipped CN calendars.
pub const DEFAULT_CALENDARS: [&str; 2] = ["cn-5x8", "cn-7x24"];

/// One calendar file a notice changes: its path, its text before and after.
#[derive(Debug, Clone)]
pub struct FileChange {
    /// `DIR/NAME.toml`.
    pub path: PathBuf,
    /// The text now.
    pub old: String,
    /// The text with the notice's year.
    pub new: String,
}

impl FileChange {
    /// What changes, as lines prefixed `-` and `+` (see [`diff`]).
    pub fn diff(&self) -> String {
        diff(&self.path.display().to_string(), &self.old, &self.new)
    }
}

/// What adding `notice` (for `year`) to the calendars `names` of `dir` would write: every file is
/// read and changed in memory first, so that either all take the notice or the error says which
/// does not and nothing is written.
pub fn plan(dir: &Path, names: &[String], notice: &Notice, year: i32) -> anyhow::Result<Vec<FileChange>> {
    let mut changes = Vec::new();
    for name in names {
        // A calendar's name is its file's stem, so nothing but a plain name may reach the path.
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            bail!("{name:?} is not a calendar name (ASCII letters, digits, '-' and '_')");
        }
        let path = dir.join(format!("{name}.toml"));
        let old = std::fs::read_to_string(&path).with_context(|| format!("cannot read calendar {name:?}"))?;
        let new = apply_notice(&old, notice).with_context(|| format!("cannot add {year} to {}", path.display()))?;
        changes.push(FileChange { path, old, new });
    }
    Ok(changes)
}

/// Writes every change so that readers see all the old files or all the new ones, as nearly as
/// a file system allows: each `NAME.toml.partial` is written and flushed first (a failure there
/// removes them and changes nothing), then each is renamed over its file, then the directory is
/// flushed. A half-applied notice (cn-5x8 with 2027, cn-7x24 without) would otherwise refuse to
/// be applied again.
pub fn write_all(changes: &[FileChange]) -> anyhow::Result<()> {
    let partial_of = |path: &Path| {
        let mut p = path.as_os_str().to_owned();
        p.push(".partial");
        PathBuf::from(p)
    };
    let mut written: Vec<PathBuf> = Vec::new();
    for c in changes {
        let partial = partial_of(&c.path);
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&partial)?;
            f.write_all(c.new.as_bytes())?;
            if let Ok(meta) = std::fs::metadata(&c.path) {
                f.set_permissions(meta.permissions())?;
            }
            f.sync_all()
        };
        if let Err(e) = write() {
            for p in written.iter().chain(std::iter::once(&partial)) {
                let _ = std::fs::remove_file(p);
            }
            return Err(
                anyhow::Error::new(e).context(format!("cannot write {}; nothing was changed", partial.display()))
            );
        }
        written.push(partial);
    }
    for (partial, c) in written.iter().zip(changes) {
        std::fs::rename(partial, &c.path).with_context(|| format!("cannot replace {}", c.path.display()))?;
    }
    // The renames are durable once the directories are.
    for c in changes {
        if let Some(dir) = c.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .with_context(|| format!("cannot flush {}", dir.display()))?;
        }
    }
    Ok(())
}
