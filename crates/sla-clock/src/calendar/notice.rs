//! The State Council's yearly holiday notice, read into holidays and make-up working days.
//!
//! Each year, usually in November, the State Council General Office publishes
//! 《国务院办公厅关于YYYY年部分节假日安排的通知》. [`parse_notice`] reads its text, as published,
//! into the [`Holiday`]s and [`MakeupDay`]s (调休上班) of a calendar file, each with the line of the
//! notice it came from, so that the file can cite its source. Nothing is guessed: a numbered line
//! that cannot be read, a weekday that disagrees with its date, a day count that disagrees with its
//! range and a notice for another year are all errors that name the line.
//!
//! ```
//! use chrono::NaiveDate;
//! use sla_clock::calendar::notice::parse_notice;
//!
//! let text = "\
//! 国务院办公厅关于2026年部分节假日安排的通知
//! 经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
//! 一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
//! 七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
//! ";
//! let notice = parse_notice(2026, text).unwrap();
//! let d = |s: &str| s.parse::<NaiveDate>().unwrap();
//!
//! let national_day = &notice.holidays[1];
//! assert_eq!(national_day.name, "国庆节");
//! assert_eq!((national_day.from, national_day.to), (d("2026-10-01"), d("2026-10-07")));
//! assert_eq!(national_day.line, 4);
//! assert_eq!(national_day.words, "10月1日（周四）至7日（周三）放假调休，共7天");
//!
//! let dates: Vec<_> = notice.makeup_days.iter().map(|m| (m.name.as_str(), m.date.to_string())).collect();
//! assert_eq!(dates, [
//!     ("元旦调休", "2026-01-04".to_owned()),
//!     ("国庆节调休", "2026-09-20".to_owned()),
//!     ("国庆节调休", "2026-10-10".to_owned()),
//! ]);
//! assert_eq!(notice.makeup_days[2].words, "10月10日（周六）上班");
//! ```
//!
//! # What is read
//!
//! **Only the numbered lines** (`一、` to `十、`, and on) say what is off and what works. Each is
//! `NUMBER、NAME：SENTENCES`. Every other line is skipped, except that a title
//! (`关于YYYY年部分节假日安排`) or an opening sentence (`现将YYYY年…`) naming another year than
//! the one asked for is an error. Lines starting with `#` are comments (for notes about where the
//! text came from).
//!
//! ```
//! # use sla_clock::calendar::notice::{parse_notice, NoticeError};
//! let text = "国务院办公厅关于2025年部分节假日安排的通知\n一、元旦：1月1日（周三）放假1天，不调休。\n";
//! let err = parse_notice(2026, text).unwrap_err();
//! assert!(matches!(err, NoticeError::WrongYear { line: 1, found: 2025, expected: 2026, .. }));
//! assert_eq!(err.to_string(), "line 1: this is the notice for 2025, not for 2026 (\"国务院办公厅关于2025年部分节假日安排的通知\")");
//! // A text without any numbered line is not a notice.
//! assert_eq!(parse_notice(2026, "放假通知\n").unwrap_err(), NoticeError::NoItems);
//! ```
//!
//! **A day off or a run of days off** is a sentence with `放假`: its first day, then, for a run,
//! `至` and the last day (`7日` in the same month, `2月4日` in another). The holiday is named after
//! the line (`国庆节、中秋节` stays one name). The days are taken exactly as given: a one-day
//! holiday next to a weekend ("6月10日放假，与周末连休") is that one day, and a run that includes a
//! weekend lists the weekend too.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! let text = "\
//! 一、元旦：1月1日放假，与周末连休。
//! 二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
//! 六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。
//! ";
//! let n = parse_notice(2025, text).unwrap();
//! let runs: Vec<_> = n.holidays.iter().map(|h| format!("{} {}..{}", h.name, h.from, h.to)).collect();
//! assert_eq!(runs, [
//!     "元旦 2025-01-01..2025-01-01",
//!     "春节 2025-01-28..2025-02-04",
//!     "国庆节、中秋节 2025-10-01..2025-10-08",
//! ]);
//! ```
//!
//! **Make-up working days** are the dates of a sentence ending in `上班`, separated by `、`. Each is
//! named after the first name of its line with `调休`: `春节调休`, and `国庆节调休` on the line
//! `国庆节、中秋节`.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! let n = parse_notice(2024, "四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。").unwrap();
//! let days: Vec<_> = n.makeup_days.iter().map(|m| format!("{} {} {}", m.name, m.date, m.words)).collect();
//! assert_eq!(days, ["劳动节调休 2024-04-28 4月28日（星期日）上班", "劳动节调休 2024-05-11 5月11日（星期六）上班"]);
//! ```
//!
//! **A weekday in parentheses must be the date's weekday**: `周四`, `星期四`, `周日`, `星期天`
//! all count; other words in the parentheses (`农历除夕`) are skipped. A wrong weekday usually means
//! the notice is for another year, so the error says so.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! // The 2026 New Year line read as if it were 2027's.
//! let err = parse_notice(2027, "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "line 1: 2027-01-01 is a Friday (周五), but the notice says 周四: is this the notice for 2027? \
//!      (\"一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。\")"
//! );
//! ```
//!
//! **A day count must match the run**: `共N天` and `放假N天` are checked against the dates.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! let err = parse_notice(2024, "二、春节：2月10日至17日放假调休，共9天。").unwrap_err();
//! assert!(err.to_string().starts_with("line 1: 2024-02-10 to 2024-02-17 is 8 days, but the notice says 共9天"), "{err}");
//! ```
//!
//! **Advice is not a holiday**: a sentence that starts with `鼓励`, `提倡` or `倡导` ("鼓励各单位…
//! 安排职工在除夕（2月9日）休息") is skipped, and so is any sentence without a date.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! let n = parse_notice(2024, "二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。\
//!     鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。").unwrap();
//! assert_eq!((n.holidays.len(), n.makeup_days.len()), (1, 2));
//! ```
//!
//! **Punctuation may be full-width or half-width** (`：` or `:`, `（）` or `()`, `，` or `,`), digits
//! too, and `。` or `;` may end a sentence where a comma stands in the official text.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! let full = parse_notice(2024, "三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。").unwrap();
//! let half = parse_notice(2024, "三、清明节: 4月4日至6日放假调休, 共3天, 4月7日(星期日)上班.").unwrap();
//! assert_eq!(full.holidays[0].to_holiday(), half.holidays[0].to_holiday());
//! assert_eq!(full.makeup_days[0].date, half.makeup_days[0].date);
//! ```
//!
//! **A date may carry its year**, as notices do when New Year's Day starts in late December; such a
//! date may lie in December of the year before, no earlier. Older notices' `补休` (a weekday off in
//! place of a holiday that fell on a weekend) is a day off too.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! let n = parse_notice(2019, "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。").unwrap();
//! assert_eq!((n.holidays[0].from.to_string(), n.makeup_days[0].date.to_string()), ("2018-12-30".into(), "2018-12-29".into()));
//! let n = parse_notice(2015, "三、清明节：4月5日放假，4月6日（星期一）补休。").unwrap();
//! assert_eq!(n.holidays.len(), 2);
//! ```
//!
//! **Anything else on a numbered line is an error** with its line number and text: a date that
//! does not exist, a sentence with a date but neither `放假` nor `上班`, a line without a day off, or
//! two entries on the same day.
//!
//! ```
//! # use sla_clock::calendar::notice::parse_notice;
//! let text = "一、元旦：1月1日放假，与周末连休。\n\n三、清明节：4月4日至6日放加调休，共3天。\n";
//! let err = parse_notice(2024, text).unwrap_err();
//! assert!(err.to_string().starts_with("line 3: cannot read \"三、清明节：4月4日至6日放加调休，共3天。\""), "{err}");
//! ```

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate, Weekday};

use super::spec::{DayInterval, Holiday, MakeupDay};

/// What a notice says about its year, in the order of the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The year the notice arranges.
    pub year: i32,
    /// The days off, one entry per run of days.
    pub holidays: Vec<NoticeHoliday>,
    /// The make-up working days (调休上班).
    pub makeup_days: Vec<NoticeMakeupDay>,
}

/// A run of days off as the notice gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeHoliday {
    /// The name before the colon of its line, e.g. `国庆节` or `国庆节、中秋节`.
    pub name: String,
    /// First day off.
    pub from: NaiveDate,
    /// Last day off (inclusive; `from` for a single day).
    pub to: NaiveDate,
    /// The line number in the notice's text (1 is the first line).
    pub line: usize,
    /// The whole line, as written.
    pub source: String,
    /// The words that give this run, as written, e.g. `10月1日（周四）至7日（周三）放假调休，共7天`.
    pub words: String,
}

/// A make-up working day (调休上班) as the notice gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeMakeupDay {
    /// What it makes up for: the first name of its line with `调休`, e.g. `国庆节调休`.
    pub name: String,
    /// The date.
    pub date: NaiveDate,
    /// The line number in the notice's text (1 is the first line).
    pub line: usize,
    /// The whole line, as written.
    pub source: String,
    /// The words for this day, as written, e.g. `10月10日（周六）上班`.
    pub words: String,
}

impl NoticeHoliday {
    /// The calendar file's form of this run.
    pub fn to_holiday(&self) -> Holiday {
        Holiday {
            name: self.name.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

impl NoticeMakeupDay {
    /// The calendar file's form of this day, working `hours`.
    pub fn to_makeup_day(&self, hours: Vec<DayInterval>) -> MakeupDay {
        MakeupDay {
            name: self.name.clone(),
            date: self.date,
            hours,
        }
    }
}

/// Why a notice could not be read. Every variant but [`NoticeError::NoItems`] names the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// A numbered line says something this reader does not understand.
    #[error("line {line}: cannot read {text:?}: {reason}")]
    Unreadable {
        /// Line number (1 is the first line).
        line: usize,
        /// The line as written.
        text: String,
        /// What was expected.
        reason: String,
    },
    /// A weekday in parentheses is not the weekday of its date in the year asked for.
    #[error(
        "line {line}: {date} is a {} ({}), but the notice says {said}: is this the notice for {year}? \
         ({text:?})", weekday_en(*actual), weekday_zh(*actual)
    )]
    WrongWeekday {
        /// Line number.
        line: usize,
        /// The line as written.
        text: String,
        /// The date as read in `year`.
        date: NaiveDate,
        /// The weekday as written, e.g. `周四`.
        said: String,
        /// The date's real weekday.
        actual: Weekday,
        /// The year asked for.
        year: i32,
    },
    /// The title or the opening sentence names another year.
    #[error("line {line}: this is the notice for {found}, not for {expected} ({text:?})")]
    WrongYear {
        /// Line number.
        line: usize,
        /// The line as written.
        text: String,
        /// The year the notice names.
        found: i32,
        /// The year asked for.
        expected: i32,
    },
    /// `共N天` or `放假N天` disagrees with the run of dates.
    #[error("line {line}: {from} to {to} is {counted} days, but the notice says {said} ({text:?})")]
    WrongCount {
        /// Line number.
        line: usize,
        /// The line as written.
        text: String,
        /// First day of the run.
        from: NaiveDate,
        /// Last day of the run.
        to: NaiveDate,
        /// The count as written, e.g. `共9天`.
        said: String,
        /// The number of days from `from` to `to`.
        counted: i64,
    },
    /// Two entries of the notice fall on the same day.
    #[error("line {line}: {date} is {what}, but it is also {other} (line {other_line})")]
    Clash {
        /// Line number of the later entry.
        line: usize,
        /// The day.
        date: NaiveDate,
        /// The later entry, e.g. `a make-up day (国庆节调休)`.
        what: String,
        /// The earlier entry.
        other: String,
        /// Its line number.
        other_line: usize,
    },
    /// The text has no numbered line at all.
    #[error("no numbered lines such as \"一、元旦：1月1日放假…\": is this the text of a holiday notice?")]
    NoItems,
}

/// Reads the text of the notice for `year` (see the [module documentation](self) for every rule).
///
/// ```
/// use sla_clock::calendar::notice::parse_notice;
/// let n = parse_notice(2024, "五、端午节：6月10日放假，与周末连休。").unwrap();
/// assert_eq!((n.holidays[0].from, n.holidays[0].to), ("2024-06-10".parse().unwrap(), "2024-06-10".parse().unwrap()));
/// assert!(n.makeup_days.is_empty());
/// ```
pub fn parse_notice(year: i32, text: &str) -> Result<Notice, NoticeError> {
    let mut notice = Notice {
        year,
        holidays: Vec::new(),
        makeup_days: Vec::new(),
    };
    let mut items = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = Line::new(i + 1, raw, year);
        if line.norm.iter().all(|c| *c == ' ') || line.starts_with("#") {
            continue;
        }
        match line.item_start() {
            Some(after_number) => {
                items += 1;
                line.read_item(after_number, &mut notice)?;
            }
            None => line.check_year()?,
        }
    }
    if items == 0 {
        return Err(NoticeError::NoItems);
    }
    check_clashes(&notice)?;
    Ok(notice)
}

fn check_clashes(notice: &Notice) -> Result<(), NoticeError> {
    let mut taken: BTreeMap<NaiveDate, (String, usize)> = BTreeMap::new();
    let mut take = |date: NaiveDate, what: String, line: usize| match taken.get(&date) {
        Some((other, other_line)) => Err(NoticeError::Clash {
            line,
            date,
            what: what.clone(),
            other: other.clone(),
            other_line: *other_line,
        }),
        None => {
            taken.insert(date, (what, line));
            Ok(())
        }
    };
    for h in &notice.holidays {
        for date in h.from.iter_days().take_while(|d| *d <= h.to) {
            take(date, format!("a day off ({})", h.name), h.line)?;
        }
    }
    for m in &notice.makeup_days {
        take(m.date, format!("a make-up day ({})", m.name), m.line)?;
    }
    Ok(())
}

fn weekday_en(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn weekday_zh(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "周一",
        Weekday::Tue => "周二",
        Weekday::Wed => "周三",
        Weekday::Thu => "周四",
        Weekday::Fri => "周五",
        Weekday::Sat => "周六",
        Weekday::Sun => "周日",
    }
}

/// Full-width forms (`：（），１`), the ideographic space and the byte-order mark read as their
/// ASCII counterparts, one character for one, so that positions in the normalised text are
/// positions in the original.
fn normalize(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{FEFF}' | '\u{00A0}' | '\t' | '\r' => ' ',
        '\u{FE51}' => '、',
        _ => c,
    }
}

const NUMERALS: &str = "一二三四五六七八九十";

/// Words that start advice rather than an arrangement.
const ADVICE: [&str; 3] = ["鼓励", "提倡", "倡导"];

/// A date as written: `[YYYY年][M月]D日`, with the weekdays its parentheses name.
#[derive(Debug, Clone)]
struct DateTok {
    year: Option<i32>,
    month: Option<u32>,
    day: u32,
    /// `(as written, weekday)` for each `周X` / `星期X` in the parentheses after the date.
    weekdays: Vec<(String, Weekday)>,
    /// The date and its parentheses, in the line.
    span: Range<usize>,
}

#[derive(Debug, Clone)]
enum Tok {
    Date(DateTok),
    Num { value: u32, span: Range<usize> },
    Text(Range<usize>),
}

/// One line of the notice, as written and normalised.
struct Line<'a> {
    number: usize,
    raw: &'a str,
    orig: Vec<char>,
    norm: Vec<char>,
    year: i32,
}

impl<'a> Line<'a> {
    fn new(number: usize, raw: &'a str, year: i32) -> Line<'a> {
        let orig: Vec<char> = raw.chars().collect();
        let norm = orig.iter().map(|c| normalize(*c)).collect();
        Line {
            number,
            raw,
            orig,
            norm,
            year,
        }
    }

    fn text(&self) -> String {
        self.raw.trim().trim_start_matches('\u{FEFF}').to_owned()
    }

    fn unreadable(&self, reason: impl Into<String>) -> NoticeError {
        NoticeError::Unreadable {
            line: self.number,
            text: self.text(),
            reason: reason.into(),
        }
    }

    fn first_non_space(&self) -> usize {
        self.norm.iter().position(|c| *c != ' ').unwrap_or(self.norm.len())
    }

    fn starts_with(&self, prefix: &str) -> bool {
        self.slice_norm(self.first_non_space()..self.norm.len())
            .starts_with(prefix)
    }

    fn slice_norm(&self, r: Range<usize>) -> String {
        self.norm[r].iter().collect()
    }

    /// The original text of `r`, without surrounding spaces.
    fn words(&self, r: Range<usize>) -> String {
        let s: String = self.orig[r].iter().collect();
        s.trim_matches(|c: char| normalize(c) == ' ').to_owned()
    }

    /// Where the text after `一、` starts, if this is a numbered line.
    fn item_start(&self) -> Option<usize> {
        let mut i = self.first_non_space();
        let start = i;
        while i < self.norm.len() && NUMERALS.contains(self.norm[i]) {
            i += 1;
        }
        (i > start && i < self.norm.len() && matches!(self.norm[i], '、' | '.')).then_some(i + 1)
    }

    /// A title or opening sentence that names another year is an error.
    fn check_year(&self) -> Result<(), NoticeError> {
        let text = self.slice_norm(0..self.norm.len());
        for (before, after) in [("关于", "年部分节假日"), ("现将", "年")] {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(before) {
                rest = &rest[at + before.len()..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if digits.len() == 4 && rest[digits.len()..].starts_with(after) {
                    let found: i32 = digits.parse().unwrap_or_default();
                    if found != self.year {
                        return Err(NoticeError::WrongYear {
                            line: self.number,
                            text: self.text(),
                            found,
                            expected: self.year,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads `NAME：SENTENCES` after the number into `notice`.
    fn read_item(&self, start: usize, notice: &mut Notice) -> Result<(), NoticeError> {
        let colon = (start..self.norm.len()).find(|i| self.norm[*i] == ':').ok_or_else(|| {
            self.unreadable("expected the holiday's name and a colon after the number, as in 一、元旦：")
        })?;
        let name = self.words(start..colon);
        if name.is_empty() || name.chars().any(|c| normalize(c).is_ascii_digit()) {
            return Err(self.unreadable(format!("{name:?} is not a holiday's name")));
        }
        let first_name = name.split('、').next().unwrap_or(&name).trim().to_owned();
        let before = notice.holidays.len();
        for sentence in self.split(colon + 1..self.norm.len(), &['。', '.'])? {
            let text = self.slice_norm(sentence.clone());
            let text = text.trim();
            if text.is_empty() || ADVICE.iter().any(|a| text.starts_with(a)) {
                continue;
            }
            for statement in self.statements(sentence)? {
                self.read_statement(statement, &name, &first_name, notice)?;
            }
        }
        if notice.holidays.len() == before {
            return Err(self.unreadable("found no day off in it (a date followed by 放假)"));
        }
        Ok(())
    }

    /// Splits `r` at any of `seps` outside parentheses; the pieces exclude the separators.
    fn split(&self, r: Range<usize>, seps: &[char]) -> Result<Vec<Range<usize>>, NoticeError> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut start = r.start;
        for i in r.clone() {
            match self.norm[i] {
                '(' => depth += 1,
                ')' if depth == 0 => return Err(self.unreadable("a ')' without its '('")),
                ')' => depth -= 1,
                c if depth == 0 && seps.contains(&c) => {
                    out.push(start..i);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if depth > 0 {
            return Err(self.unreadable("a '(' without its ')'"));
        }
        out.push(start..r.end);
        Ok(out)
    }

    /// Groups a sentence's clauses into statements: a clause with a date starts a new statement
    /// once the current one has its 放假 or 上班; clauses without a date (`共8天`, `与周末连休`)
    /// belong to the statement before them.
    fn statements(&self, sentence: Range<usize>) -> Result<Vec<Range<usize>>, NoticeError> {
        let mut out: Vec<Range<usize>> = Vec::new();
        let mut current: Option<Range<usize>> = None;
        for clause in self.split(sentence, &[',', ';'])? {
            let has_date = self.tokens(clause.clone())?.iter().any(|t| matches!(t, Tok::Date(_)));
            current = Some(match current {
                None => clause,
                Some(cur) if has_date && self.keyword(cur.clone()).is_some() => {
                    out.push(cur);
                    clause
                }
                Some(cur) => cur.start..clause.end,
            });
        }
        out.extend(current);
        Ok(out)
    }

    fn keyword(&self, r: Range<usize>) -> Option<&'static str> {
        let text = self.slice_norm(r);
        ["上班", "放假", "补休"].into_iter().find(|k| text.contains(k))
    }

    fn read_statement(
        &self,
        r: Range<usize>,
        name: &str,
        first_name: &str,
        notice: &mut Notice,
    ) -> Result<(), NoticeError> {
        let tokens = self.tokens(r.clone())?;
        let has_date = tokens.iter().any(|t| matches!(t, Tok::Date(_)));
        match self.keyword(r.clone()) {
            Some("上班") => {
                for (date, span) in self.makeup_dates(&tokens)? {
                    notice.makeup_days.push(NoticeMakeupDay {
                        name: format!("{first_name}调休"),
                        date,
                        line: self.number,
                        source: self.text(),
                        words: format!("{}上班", self.words(span)),
                    });
                }
                Ok(())
            }
            Some(_) => {
                let (from, to) = self.days_off(&tokens)?;
                notice.holidays.push(NoticeHoliday {
                    name: name.to_owned(),
                    from,
                    to,
                    line: self.number,
                    source: self.text(),
                    words: self.words(r),
                });
                Ok(())
            }
            None if has_date => Err(self.unreadable(format!(
                "{:?} has a date but neither 放假 (days off) nor 上班 (a make-up working day)",
                self.words(r)
            ))),
            None => Ok(()),
        }
    }

    /// `D1[至D2]放假…[共N天…]` → the run of days off.
    fn days_off(&self, tokens: &[Tok]) -> Result<(NaiveDate, NaiveDate), NoticeError> {
        let mut toks = tokens.iter().filter(|t| !self.is_blank(t)).peekable();
        let Some(Tok::Date(first)) = toks.next() else {
            return Err(self.unreadable("expected the first day off, as in 10月1日, before 放假"));
        };
        if first.month.is_none() {
            return Err(self.unreadable(format!(
                "{} needs its month, as in 10月1日",
                self.words(first.span.clone())
            )));
        }
        let from = self.resolve(first, None)?;
        let mut to = from;
        let range = match toks.peek() {
            Some(Tok::Text(r)) => self.slice_norm(r.clone()).trim().starts_with('至'),
            _ => false,
        };
        if range {
            let to_word = toks.next().map(|t| match t {
                Tok::Text(r) => self.slice_norm(r.clone()),
                _ => String::new(),
            });
            let (Some("至"), Some(Tok::Date(last))) = (to_word.as_deref().map(str::trim), toks.next()) else {
                return Err(self.unreadable("expected the last day off after 至, as in 至7日"));
            };
            to = self.resolve(last, Some(from))?;
            if to < from {
                return Err(self.unreadable(format!("the run of days off ends ({to}) before it starts ({from})")));
            }
        }
        match toks.next() {
            Some(Tok::Text(r))
                if ["放假", "补休"]
                    .iter()
                    .any(|k| self.slice_norm(r.clone()).trim().starts_with(k)) => {}
            _ => return Err(self.unreadable("expected 放假 right after the days off, as in 10月1日至7日放假")),
        }
        let counted = (to - from).num_days() + 1;
        while let Some(t) = toks.next() {
            match t {
                Tok::Date(d) => {
                    return Err(self.unreadable(format!(
                        "a second date ({}) in one run of days off",
                        self.words(d.span.clone())
                    )));
                }
                Tok::Num { value, span } => {
                    let unit = match toks.peek() {
                        Some(Tok::Text(r)) if self.slice_norm(r.clone()).trim_start().starts_with('天') => r.clone(),
                        _ => return Err(self.unreadable(format!("{value} is not a number of days (N天)"))),
                    };
                    if i64::from(*value) != counted {
                        let said_start = if span.start > 0 && self.norm[span.start - 1] == '共' {
                            span.start - 1
                        } else {
                            span.start
                        };
                        return Err(NoticeError::WrongCount {
                            line: self.number,
                            text: self.text(),
                            from,
                            to,
                            said: format!("{}天", self.words(said_start..unit.start)),
                            counted,
                        });
                    }
                }
                Tok::Text(_) => {}
            }
        }
        Ok((from, to))
    }

    /// `D1、D2…上班` → the make-up days, each with the span of its words.
    fn makeup_dates(&self, tokens: &[Tok]) -> Result<Vec<(NaiveDate, Range<usize>)>, NoticeError> {
        let mut out: Vec<(NaiveDate, Range<usize>)> = Vec::new();
        let mut toks = tokens.iter().filter(|t| !self.is_blank(t)).peekable();
        let mut previous: Option<NaiveDate> = None;
        loop {
            let Some(Tok::Date(d)) = toks.next() else {
                return Err(
                    self.unreadable("expected the make-up working days, as in 9月20日（周日）、10月10日（周六）上班")
                );
            };
            // A day without its month (`2月4日、18日`) is in the month of the one before it.
            let date = self.resolve(d, if d.month.is_none() { previous } else { None })?;
            out.push((date, d.span.clone()));
            previous = Some(date);
            match toks.next() {
                Some(Tok::Text(r)) => {
                    let sep = self.slice_norm(r.clone());
                    let sep = sep.trim();
                    if sep == "上班" && toks.peek().is_none() {
                        return Ok(out);
                    }
                    if !["、", ",", "和", "及"].contains(&sep) {
                        return Err(self.unreadable(format!(
                            "expected 、 between make-up days and 上班 after the last, not {sep:?}"
                        )));
                    }
                }
                _ => return Err(self.unreadable("expected 上班 after the make-up working days")),
            }
        }
    }

    fn is_blank(&self, t: &Tok) -> bool {
        matches!(t, Tok::Text(r) if self.norm[r.clone()].iter().all(|c| *c == ' '))
    }

    /// The date a token means: a date without its year is in the notice's year, or in the year of
    /// `after`, the date before it (`2018年12月30日至1月1日` is not read as a run into 2019: write the
    /// year, as the notices do); one without its month is in the month of `after` (`至7日`).
    fn resolve(&self, d: &DateTok, after: Option<NaiveDate>) -> Result<NaiveDate, NoticeError> {
        let written = self.words(d.span.clone());
        let month = match (d.month, after) {
            (Some(m), _) => m,
            (None, Some(a)) => a.month(),
            (None, None) => return Err(self.unreadable(format!("{written} needs its month"))),
        };
        let year = match (d.year, after) {
            (Some(y), _) => y,
            (None, Some(a)) => a.year(),
            (None, None) => self.year,
        };
        let date = NaiveDate::from_ymd_opt(year, month, d.day)
            .ok_or_else(|| self.unreadable(format!("{written} is not a date in {year}")))?;
        let first = NaiveDate::from_ymd_opt(self.year - 1, 12, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(NaiveDate::MAX);
        if date < first || date > last {
            return Err(self.unreadable(format!(
                "{written} ({date}) is not in {} nor in December {}",
                self.year,
                self.year - 1
            )));
        }
        for (said, weekday) in &d.weekdays {
            if date.weekday() != *weekday {
                return Err(NoticeError::WrongWeekday {
                    line: self.number,
                    text: self.text(),
                    date,
                    said: said.clone(),
                    actual: date.weekday(),
                    year: self.year,
                });
            }
        }
        Ok(date)
    }

    /// Dates (with their parentheses), numbers and the text between them.
    fn tokens(&self, r: Range<usize>) -> Result<Vec<Tok>, NoticeError> {
        let mut out = Vec::new();
        let mut text_start: Option<usize> = None;
        let mut i = r.start;
        while i < r.end {
            if !self.norm[i].is_ascii_digit() {
                text_start.get_or_insert(i);
                i += 1;
                continue;
            }
            if let Some(s) = text_start.take() {
                out.push(Tok::Text(s..i));
            }
            match self.date_at(i, r.end)? {
                Some(d) => {
                    i = d.span.end;
                    out.push(Tok::Date(d));
                }
                None => {
                    let (value, end) = self.number_at(i, r.end);
                    out.push(Tok::Num {
                        value: u32::try_from(value).unwrap_or(u32::MAX),
                        span: i..end,
                    });
                    i = end;
                }
            }
        }
        if let Some(s) = text_start {
            out.push(Tok::Text(s..r.end));
        }
        Ok(out)
    }

    fn number_at(&self, mut i: usize, end: usize) -> (u64, usize) {
        let mut value: u64 = 0;
        while i < end && self.norm[i].is_ascii_digit() {
            value = value
                .saturating_mul(10)
                .saturating_add(u64::from(self.norm[i].to_digit(10).unwrap_or(0)));
            i += 1;
        }
        (value, i)
    }

    /// `[YYYY年][M月]D日[（…）]` at `start`, if there is one.
    fn date_at(&self, start: usize, end: usize) -> Result<Option<DateTok>, NoticeError> {
        let mut parts: Vec<(u64, char)> = Vec::new();
        let mut i = start;
        loop {
            if i >= end || !self.norm[i].is_ascii_digit() {
                return Ok(None);
            }
            let (value, after) = self.number_at(i, end);
            let Some(&unit) = self.norm.get(after).filter(|_| after < end) else {
                return Ok(None);
            };
            let expected: &[char] = match parts.len() {
                0 => &['年', '月', '日'],
                1 if parts[0].1 == '年' => &['月'],
                _ => &['日'],
            };
            if !expected.contains(&unit) {
                return Ok(None);
            }
            parts.push((value, unit));
            i = after + 1;
            if unit == '日' {
                break;
            }
        }
        let get = |u: char| parts.iter().find(|(_, c)| *c == u).map(|(v, _)| *v);
        let mut d = DateTok {
            year: get('年').map(|v| i32::try_from(v).unwrap_or(i32::MAX)),
            month: get('月').map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
            day: get('日').map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX)),
            weekdays: Vec::new(),
            span: start..i,
        };
        let mut j = i;
        while j < end && self.norm[j] == ' ' {
            j += 1;
        }
        if j < end && self.norm[j] == '(' {
            let close = (j..end)
                .find(|k| self.norm[*k] == ')')
                .ok_or_else(|| self.unreadable("a '(' without its ')'"))?;
            let inside = self.slice_norm(j + 1..close);
            for part in inside.split(['、', ',', ' ', '/']) {
                let part = part.trim();
                let Some(rest) = ["星期", "礼拜", "周"].iter().find_map(|p| part.strip_prefix(p)) else {
                    continue;
                };
                let weekday = match rest {
                    "一" => Weekday::Mon,
                    "二" => Weekday::Tue,
                    "三" => Weekday::Wed,
                    "四" => Weekday::Thu,
                    "五" => Weekday::Fri,
                    "六" => Weekday::Sat,
                    "日" | "天" => Weekday::Sun,
                    _ => return Err(self.unreadable(format!("{part:?} is not a weekday such as 周日 or 星期日"))),
                };
                d.weekdays.push((self.words_in(j + 1..close, part), weekday));
            }
            d.span = start..close + 1;
        }
        Ok(Some(d))
    }

    /// The original spelling of the normalised `part` found in `r`.
    fn words_in(&self, r: Range<usize>, part: &str) -> String {
        let n = part.chars().count();
        (r.start..r.end.saturating_sub(n) + 1)
            .find(|i| self.norm[*i..*i + n].iter().copied().eq(part.chars()))
            .map_or_else(|| part.to_owned(), |i| self.words(i..i + n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn runs(n: &Notice) -> Vec<String> {
        n.holidays
            .iter()
            .map(|h| format!("{} {}..{}", h.name, h.from, h.to))
            .collect()
    }

    fn makeups(n: &Notice) -> Vec<String> {
        n.makeup_days.iter().map(|m| format!("{} {}", m.name, m.date)).collect()
    }

    #[test]
    fn reads_the_2024_styles_without_weekdays_on_the_runs() {
        let n = parse_notice(
            2024,
            "一、元旦：1月1日放假，与周末连休。\n\
             二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。\n\
             七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。",
        )
        .expect("reads");
        assert_eq!(
            runs(&n),
            [
                "元旦 2024-01-01..2024-01-01",
                "春节 2024-02-10..2024-02-17",
                "国庆节 2024-10-01..2024-10-07"
            ]
        );
        assert_eq!(
            makeups(&n),
            [
                "春节调休 2024-02-04",
                "春节调休 2024-02-18",
                "国庆节调休 2024-09-29",
                "国庆节调休 2024-10-12"
            ]
        );
        assert_eq!(n.holidays[0].words, "1月1日放假，与周末连休");
        assert_eq!(n.holidays[1].line, 2);
        assert_eq!(n.makeup_days[1].words, "2月18日（星期日）上班");
        assert!(n.makeup_days[1].source.starts_with("二、春节："));
    }

    #[test]
    fn reads_cross_month_and_cross_year_runs() {
        let n = parse_notice(2025, "五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。").expect("reads");
        assert_eq!(
            (n.holidays[0].from, n.holidays[0].to),
            (d("2025-05-31"), d("2025-06-02"))
        );
        let n = parse_notice(2020, "六、国庆节、中秋节：9月29日至10月6日放假调休，共8天。").expect("reads");
        assert_eq!(
            (n.holidays[0].from, n.holidays[0].to),
            (d("2020-09-29"), d("2020-10-06"))
        );
        // A run into the next year needs the years written out, as the notices do.
        let err = parse_notice(2011, "一、元旦：12月31日至1月2日放假，共3天。").unwrap_err();
        assert!(
            err.to_string()
                .contains("ends (2011-01-02) before it starts (2011-12-31)"),
            "{err}"
        );
        let n = parse_notice(
            2019,
            "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。",
        )
        .expect("reads");
        assert_eq!(makeups(&n), ["元旦调休 2018-12-29"]);
    }

    #[test]
    fn half_width_and_full_width_digits_and_spaces() {
        let n = parse_notice(
            2026,
            "\u{3000}\u{3000}四、劳动节:５月１日(周五)至5日(周二)放假调休,共5天. 5月9日 (周六) 上班.",
        )
        .expect("reads");
        assert_eq!(runs(&n), ["劳动节 2026-05-01..2026-05-05"]);
        assert_eq!(makeups(&n), ["劳动节调休 2026-05-09"]);
        assert_eq!(n.makeup_days[0].words, "5月9日 (周六)上班");
    }

    #[test]
    fn a_comma_instead_of_a_full_stop_before_the_make_up_days() {
        let n = parse_notice(
            2024,
            "六、中秋节：9月15日至17日放假调休，共3天，9月14日（星期六）上班。",
        )
        .expect("reads");
        assert_eq!(runs(&n), ["中秋节 2024-09-15..2024-09-17"]);
        assert_eq!(makeups(&n), ["中秋节调休 2024-09-14"]);
        // Make-up days separated by commas are one list.
        let n = parse_notice(
            2024,
            "四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日），5月11日（星期六）上班。",
        )
        .expect("reads");
        assert_eq!(makeups(&n), ["劳动节调休 2024-04-28", "劳动节调休 2024-05-11"]);
    }

    #[test]
    fn weekday_checks_catch_a_wrong_year() {
        // The 2025 Spring Festival line, asked for as 2024.
        let err = parse_notice(
            2024,
            "\n二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。",
        )
        .unwrap_err();
        match err {
            NoticeError::WrongWeekday {
                line,
                date,
                said,
                actual,
                ..
            } => {
                assert_eq!(
                    (line, date, said.as_str(), actual),
                    (2, d("2024-01-28"), "周二", Weekday::Sun)
                );
            }
            other => panic!("{other:?}"),
        }
        // The weekday of a make-up day is checked too, in any spelling.
        let err = parse_notice(2024, "三、清明节：4月4日至6日放假调休，共3天。4月7日（星期六）上班。").unwrap_err();
        assert!(matches!(err, NoticeError::WrongWeekday { .. }), "{err}");
        assert!(parse_notice(2024, "三、清明节：4月4日至6日放假调休，共3天。4月7日（星期天）上班。").is_ok());
        let err = parse_notice(2024, "三、清明节：4月4日至6日放假调休，共3天。4月7日（周八）上班。").unwrap_err();
        assert!(err.to_string().contains("\"周八\" is not a weekday"), "{err}");
    }

    #[test]
    fn the_title_and_the_opening_sentence_name_the_year() {
        let text =
            "各省、自治区：\n经国务院批准，现将2025年元旦、春节…通知如下。\n一、元旦：1月1日（周三）放假1天，不调休。";
        let err = parse_notice(2026, text).unwrap_err();
        assert!(
            matches!(
                err,
                NoticeError::WrongYear {
                    line: 2,
                    found: 2025,
                    expected: 2026,
                    ..
                }
            ),
            "{err}"
        );
        // Other years in unnumbered lines (dates of revision, the signature) are not the notice's year.
        let text = "根据2024年11月修订的《全国年节及纪念日放假办法》\n一、元旦：1月1日（周三）放假1天，不调休。\n2024年11月12日";
        assert!(parse_notice(2025, text).is_ok());
    }

    #[test]
    fn counts_are_checked() {
        let err = parse_notice(2025, "一、元旦：1月1日（周三）放假2天，不调休。").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1: 2025-01-01 to 2025-01-01 is 1 days, but the notice says 2天 (\"一、元旦：1月1日（周三）放假2天，不调休。\")"
        );
        let err = parse_notice(2024, "二、春节：2月10日至17日放假调休，共9天。").unwrap_err();
        assert!(matches!(err, NoticeError::WrongCount { counted: 8, .. }), "{err}");
        assert!(err.to_string().contains("the notice says 共9天"), "{err}");
    }

    #[test]
    fn unreadable_numbered_lines_are_errors_with_their_number() {
        for (text, reason) in [
            ("一、元旦 1月1日放假。", "a colon"),
            ("一、元旦：1月1日。", "neither 放假"),
            ("一、元旦：放假一天。", "expected the first day off"),
            ("一、元旦：1月1日（周一）。", "neither 放假"),
            ("一、元旦：1月1日至放假。", "last day off after 至"),
            ("一、元旦：2月30日放假。", "2月30日 is not a date in 2024"),
            ("一、元旦：1月1日（周一放假。", "'(' without"),
            ("一、元旦：1月1日放假1月2日。", "a second date"),
            ("一、元旦：休息。", "no day off"),
            ("一、元旦：3日放假。", "needs its month"),
            ("一、元旦：1月1日放假。1月6日（星期六）上午上班。", "expected 、"),
            ("一、元旦：1月1日放假，共1周。", "not a number of days"),
            ("一、元旦：2022年1月1日放假。", "not in 2024"),
            ("一、元旦：1月3日至1日放假。", "ends"),
            ("一、1月1日：1月1日放假。", "not a holiday's name"),
        ] {
            let err = parse_notice(2024, &format!("标题\n\n{text}")).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("line 3: cannot read {text:?}")) && msg.contains(reason),
                "{text}: {msg}"
            );
        }
    }

    #[test]
    fn clashes_and_empty_texts() {
        let err = parse_notice(2024, "一、元旦：1月1日放假。\n二、又一个元旦：1月1日放假。").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: 2024-01-01 is a day off (又一个元旦), but it is also a day off (元旦) (line 1)"
        );
        let err = parse_notice(2024, "一、元旦：1月1日至3日放假。1月2日（星期二）上班。").unwrap_err();
        assert!(matches!(err, NoticeError::Clash { .. }), "{err}");
        assert_eq!(parse_notice(2024, ""), Err(NoticeError::NoItems));
        assert_eq!(
            parse_notice(2024, "# 一、元旦：1月1日放假。"),
            Err(NoticeError::NoItems)
        );
    }

    #[test]
    fn advice_and_closing_paragraphs_are_skipped() {
        let n = parse_notice(
            2026,
            "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n\
             鼓励单位和个人结合落实带薪年休假等制度，实际形成较长假期，推动错峰出行。\n\
             二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。提倡错峰（2月24日）返程。",
        )
        .expect("reads");
        assert_eq!(runs(&n), ["元旦 2026-01-01..2026-01-03", "春节 2026-02-15..2026-02-23"]);
    }

    #[test]
    fn converts_to_the_calendar_file_shapes() {
        let n = parse_notice(2026, "六、中秋节：9月25日（周五）至27日（周日）放假，共3天。").expect("reads");
        assert_eq!(
            n.holidays[0].to_holiday(),
            Holiday {
                name: "中秋节".into(),
                from: d("2026-09-25"),
                to: d("2026-09-27")
            }
        );
        let n = parse_notice(
            2026,
            "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。",
        )
        .expect("reads");
        let m = n.makeup_days[0].to_makeup_day(vec![DayInterval::WHOLE_DAY]);
        assert_eq!(
            (m.name.as_str(), m.date, m.hours.len()),
            ("元旦调休", d("2026-01-04"), 1)
        );
    }
}
