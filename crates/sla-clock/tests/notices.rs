//! The real State Council notices (`tests/notices/YYYY.txt`) read into exactly the holidays and
//! make-up days that the shipped `cn-5x8` calendar has for their year, so the reader and the
//! calendar files check each other.

use std::path::{Path, PathBuf};

use chrono::Datelike;
use sla_clock::CalendarSpec;
use sla_clock::calendar::notice::{NoticeError, parse_notice};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn notice_text(year: i32) -> String {
    let path: PathBuf = manifest().join(format!("tests/notices/{year}.txt"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn shipped(name: &str) -> CalendarSpec {
    let path = manifest().join(format!("../../config/calendars/{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    CalendarSpec::from_toml(&text).expect("the shipped calendar is valid")
}

#[test]
fn each_notice_gives_exactly_the_shipped_holidays_and_make_up_days_of_its_year() {
    let cn = shipped("cn-5x8");
    for year in [2024, 2025, 2026] {
        let notice = parse_notice(year, &notice_text(year)).unwrap_or_else(|e| panic!("{year}: {e}"));
        assert_eq!(notice.year, year);

        let from_notice: Vec<_> = notice.holidays.iter().map(|h| h.to_holiday()).collect();
        let in_file: Vec<_> = cn.holidays.iter().filter(|h| h.from.year() == year).cloned().collect();
        assert_eq!(from_notice, in_file, "{year}: holidays");

        let from_notice: Vec<_> = notice
            .makeup_days
            .iter()
            .map(|m| m.to_makeup_day(cn.makeup_days[0].hours.clone()))
            .collect();
        let in_file: Vec<_> = cn
            .makeup_days
            .iter()
            .filter(|m| m.date.year() == year)
            .cloned()
            .collect();
        assert_eq!(from_notice, in_file, "{year}: make-up days");

        // Every entry points back at a numbered line of the notice.
        let text = notice_text(year);
        let lines: Vec<&str> = text.lines().collect();
        for h in &notice.holidays {
            assert_eq!(lines[h.line - 1].trim(), h.source, "{year}: {h:?}");
            assert!(h.source.contains(&h.words), "{year}: {h:?}");
        }
        for m in &notice.makeup_days {
            assert_eq!(lines[m.line - 1].trim(), m.source, "{year}: {m:?}");
        }
    }
}

#[test]
fn each_entry_cites_the_notice_word_for_word() {
    // The comment of each entry in the shipped files is the notice's words for it.
    for (name, year) in ["cn-5x8", "cn-7x24", "cn-5x24"]
        .into_iter()
        .flat_map(|n| [(n, 2024), (n, 2025), (n, 2026)])
    {
        let notice = parse_notice(year, &notice_text(year)).expect("reads");
        let path = manifest().join(format!("../../config/calendars/{name}.toml"));
        let text = std::fs::read_to_string(&path).expect("readable");
        let section = text
            .split(&format!("# ---- {year} "))
            .nth(1)
            .and_then(|s| s.split("# ---- ").next())
            .expect("a section for the year");
        let comments: Vec<&str> = section
            .lines()
            .filter(|l| l.starts_with("name = "))
            .filter_map(|l| l.split_once("# ").map(|(_, c)| c.trim()))
            .collect();
        let mut words: Vec<(usize, u8, &str)> = notice
            .holidays
            .iter()
            .map(|h| (h.line, 0, h.words.as_str()))
            .chain(notice.makeup_days.iter().map(|m| (m.line, 1, m.words.as_str())))
            .collect();
        words.sort_by_key(|(line, kind, _)| (*line, *kind));
        let words: Vec<&str> = words.into_iter().map(|(_, _, w)| w).collect();
        assert_eq!(comments, words, "{name} {year}");
    }
}

#[test]
fn a_notice_read_for_the_wrong_year_is_refused() {
    let err = parse_notice(2027, &notice_text(2026)).unwrap_err();
    assert!(
        matches!(
            err,
            NoticeError::WrongYear {
                found: 2026,
                expected: 2027,
                ..
            }
        ),
        "{err}"
    );
    // Without its title and opening sentence, the weekdays still give it away.
    let items: String = notice_text(2026)
        .lines()
        .filter(|l| l.starts_with(['一', '二', '三']))
        .map(|l| format!("{l}\n"))
        .collect();
    let err = parse_notice(2027, &items).unwrap_err();
    assert!(matches!(err, NoticeError::WrongWeekday { line: 1, .. }), "{err}");
}
