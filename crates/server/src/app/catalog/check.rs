//! From a parsed file to a [`Catalog`]: every value checked, every reference resolved, each
//! policy's tiers compiled into the targets the clocks use. All problems are collected, so one run
//! lists everything wrong with a file. Policies are checked in [`super::tiers`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use sla_clock::{Calendar, SlaDuration};
use ticket_domain::{Kind, ServiceMode};

use super::file::{CatalogFile, FORMAT, OrgEntry};
use super::{Catalog, OrgDef, Problem, SystemDef};

pub use super::tiers::PolicyDocument;

/// What already exists outside the file, for references the file does not define itself.
#[derive(Debug, Default, Clone)]
pub struct Known {
    /// Unit codes in the database.
    pub units: BTreeSet<String>,
    /// Vendor codes in the database.
    pub vendors: BTreeSet<String>,
    /// Policy codes in the database.
    pub policies: BTreeSet<String>,
    /// Calendar names the server has loaded.
    pub calendars: BTreeSet<String>,
    /// The codes of the inspection checklists the server has loaded, which a system's
    /// `checklist` must name; none (a check of the file's form alone): not checked.
    pub checklists: Option<BTreeSet<String>>,
    /// The loaded calendars and "now", to count every policy target in (as a policy saved
    /// through the API is); without them (a check of the file's form alone) targets are read but
    /// not counted.
    pub counting: Option<Counting>,
}

/// What a policy's targets are counted in: every loaded calendar, from now.
#[derive(Clone)]
pub struct Counting {
    /// The loaded calendars, by name.
    pub calendars: Arc<BTreeMap<String, Calendar>>,
    /// The instant each target is counted from.
    pub now: DateTime<Utc>,
}

impl Counting {
    /// Counting in `calendars` from `now`; the calendar names a file's systems may use are theirs.
    pub fn known(calendars: Arc<BTreeMap<String, Calendar>>, now: DateTime<Utc>) -> Counting {
        Counting { calendars, now }
    }
}

impl std::fmt::Debug for Counting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counting")
            .field("calendars", &self.calendars.keys().collect::<Vec<_>>())
            .field("now", &self.now)
            .finish()
    }
}

/// The words a contract uses for "at once": measured with [`IMMEDIATE_TARGET`] (docs/catalog.md).
pub const IMMEDIATE: [&str; 4] = ["immediate", "立即", "立即响应", "即时响应"];

/// An immediate deadline's target: zero minutes, sla-clock's reading of `立即` (due at the start).
pub const IMMEDIATE_TARGET: SlaDuration = SlaDuration::new(0, sla_clock::DurationUnit::Minutes);

/// The kinds a policy's tiers apply to when it does not say.
pub const DEFAULT_KINDS: [Kind; 3] = [Kind::Fault, Kind::Alarm, Kind::Security];

/// The most entries (units, vendors, policies and systems together) one file may hold: 100 times
/// the Shunyi tender's 263, well past any district's catalogue, and small enough that a file is
/// checked in a second or two.
pub const MAX_ENTRIES: usize = 25_000;

/// A check's progress, and the way to stop it: [`super::import`] sets `cancelled` when the request
/// (or command) that asked for it goes away, and the check stops at the next entry.
#[derive(Debug, Default)]
pub struct Progress {
    /// Set to stop the check; it then answers a single "cancelled" problem.
    pub cancelled: AtomicBool,
    /// Entries examined so far.
    pub examined: AtomicUsize,
    /// Set by [`super::load_with`] once the check has returned, whatever it found.
    pub finished: AtomicBool,
}

impl Progress {
    /// Counts an entry; false once the check has been cancelled.
    fn step(&self) -> bool {
        self.examined.fetch_add(1, Ordering::Relaxed);
        !self.cancelled.load(Ordering::Relaxed)
    }
}

/// Where each line of a text starts, to turn byte offsets into line numbers in O(log n) (counting
/// newlines from the top for every entry made a large file quadratic).
#[derive(Debug)]
pub struct Lines {
    starts: Vec<usize>,
    len: usize,
}

impl Lines {
    /// The line starts of `text`.
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines {
            starts,
            len: text.len(),
        }
    }

    /// The 1-based line at which `span` starts (none past the end of the text).
    pub fn of(&self, span: &std::ops::Range<usize>) -> Option<usize> {
        (span.start <= self.len).then(|| self.starts.partition_point(|start| *start <= span.start))
    }
}

pub(super) struct Checker<'a> {
    lines: &'a Lines,
    problems: Vec<Problem>,
    pub(super) counting: Option<&'a Counting>,
    /// Whether the text may hold a NUL byte at all (a `\u0000` escape): only then are the
    /// entries' texts searched for one.
    nul_possible: bool,
}

impl Checker<'_> {
    fn line(&self, span: &std::ops::Range<usize>) -> Option<usize> {
        self.lines.of(span)
    }

    pub(super) fn problem(&mut self, line: Option<usize>, path: String, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            path,
            message: message.into(),
        });
    }

    pub(super) fn code(&mut self, line: Option<usize>, path: &str, code: &str) {
        if !super::is_valid_code(code) {
            self.problem(
                line,
                format!("{path}.code"),
                format!("{code:?} must be 1 to 64 ASCII letters, digits, '-' or '_'"),
            );
        }
    }

    pub(super) fn name(&mut self, line: Option<usize>, path: &str, name: &str) {
        if name.trim().is_empty() || name.trim() != name || name.chars().count() > 200 {
            self.problem(
                line,
                format!("{path}.name"),
                format!("{name:?} must be 1 to 200 characters without leading or trailing spaces"),
            );
        }
    }

    /// A deadline: a duration, or (where `immediate_ok`) one of the words for "at once".
    pub(super) fn deadline(
        &mut self,
        line: Option<usize>,
        path: String,
        text: &Option<String>,
        immediate_ok: bool,
    ) -> Deadline {
        let Some(text) = text else { return Deadline::None };
        if IMMEDIATE.contains(&text.as_str()) {
            if immediate_ok {
                return Deadline::Immediate;
            }
            self.problem(
                line,
                path,
                format!("{text:?}: only response and arrival may be immediate"),
            );
            return Deadline::None;
        }
        match text.parse::<SlaDuration>() {
            Ok(d) => Deadline::Within(d),
            Err(e) => {
                let also = if immediate_ok {
                    "; or \"immediate\" for 立即响应"
                } else {
                    ""
                };
                self.problem(line, path, format!("{e}{also}"));
                Deadline::None
            }
        }
    }

    /// A deadline read at `path` (of `what`, e.g. `policy "p1", tier "紧急故障"`) must be
    /// countable from now in every loaded calendar, when the check knows them.
    pub(super) fn countable(&mut self, line: Option<usize>, path: String, what: &str, d: &Deadline) {
        let (Some(counting), Some(d)) = (self.counting, d.target()) else {
            return;
        };
        if let Err(why) = crate::app::countable::in_every(&counting.calendars, counting.now, d) {
            self.problem(line, path, format!("{what}: {why}"));
        }
    }

    /// An entry whose text holds a NUL byte (`name = "a\u0000"`) is refused naming its field:
    /// PostgreSQL stores no NUL in text, and the import would fail there half-way through.
    fn no_nul(&mut self, line: Option<usize>, path: &str, entry: &impl serde::Serialize) {
        if !self.nul_possible {
            return;
        }
        let field = serde_json::to_value(entry)
            .ok()
            .and_then(|v| crate::app::text::nul_in(&v));
        if let Some(field) = field {
            self.problem(
                line,
                format!("{path}.{field}"),
                "holds a NUL byte (\\u0000); no text may hold one",
            );
        }
    }

    fn unique<'s>(&mut self, what: &str, entries: impl Iterator<Item = (Option<usize>, String, &'s str)>) {
        let mut seen: BTreeMap<&str, String> = BTreeMap::new();
        for (line, path, code) in entries {
            if let Some(first) = seen.insert(code, path.clone()) {
                self.problem(
                    line,
                    format!("{path}.code"),
                    format!("{what} {code:?} is already defined at {first}"),
                );
            }
        }
    }
}

pub(super) enum Deadline {
    None,
    Immediate,
    Within(SlaDuration),
}

impl Deadline {
    pub(super) fn target(&self) -> Option<SlaDuration> {
        match self {
            Deadline::Within(d) => Some(*d),
            Deadline::Immediate => Some(IMMEDIATE_TARGET),
            Deadline::None => None,
        }
    }
}

/// Checks a parsed file against what exists; `text` is the file's text, for line numbers.
pub fn check(file: &CatalogFile, text: &str, known: &Known) -> Result<Catalog, Vec<Problem>> {
    check_with(file, text, known, &Progress::default())
}

/// [`check`], counting its entries in `progress` and stopping when it is cancelled. Linear in the
/// size of the file (and logarithmic in what the database holds); a file of more than
/// [`MAX_ENTRIES`] entries is refused before any is looked at.
pub fn check_with(file: &CatalogFile, text: &str, known: &Known, progress: &Progress) -> Result<Catalog, Vec<Problem>> {
    let entries = file.units.len() + file.vendors.len() + file.policies.len() + file.systems.len();
    if entries > MAX_ENTRIES {
        return Err(vec![Problem {
            line: None,
            path: "(top level)".into(),
            message: format!(
                "the file holds {entries} entries (units, vendors, policies and systems); one import \
                 takes at most {MAX_ENTRIES}: split it (an import never removes what a file leaves out)"
            ),
        }]);
    }
    let cancelled = || {
        Err(vec![Problem {
            line: None,
            path: "(top level)".into(),
            message: "the check was cancelled".into(),
        }])
    };
    let lines = &Lines::new(text);
    let mut c = Checker {
        lines,
        problems: Vec::new(),
        counting: known.counting.as_ref(),
        nul_possible: text.contains('\0') || text.contains("\\u0000") || text.contains("\\U00000000"),
    };
    if file.format != FORMAT {
        c.problem(
            Some(1),
            "format".into(),
            format!(
                "{} is not a format this opsclock reads; expected format = {FORMAT}",
                file.format
            ),
        );
    }
    let Some(units) = orgs(&mut c, "units", &file.units, progress) else {
        return cancelled();
    };
    let Some(vendors) = orgs(&mut c, "vendors", &file.vendors, progress) else {
        return cancelled();
    };
    let mut policies = Vec::new();
    for (i, p) in file.policies.iter().enumerate() {
        if !progress.step() {
            return cancelled();
        }
        let line = c.line(&p.span());
        c.no_nul(line, &format!("policies[{i}]"), p.get_ref());
        if let Some(def) = super::tiers::policy(&mut c, line, &format!("policies[{i}]"), p.get_ref()) {
            policies.push(def);
        }
    }
    c.unique(
        "policy",
        file.policies
            .iter()
            .enumerate()
            .map(|(i, p)| (lines.of(&p.span()), format!("policies[{i}]"), p.get_ref().code.as_str())),
    );

    let defined =
        |defs: &BTreeSet<&str>, known: &BTreeSet<String>, code: &str| defs.contains(code) || known.contains(code);
    let unit_codes: BTreeSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let vendor_codes: BTreeSet<&str> = vendors.iter().map(|u| u.code.as_str()).collect();
    let policy_codes: BTreeSet<&str> = file.policies.iter().map(|p| p.get_ref().code.as_str()).collect();
    // What a missing reference's message lists, made once rather than for every miss.
    let known_units = Hint::new("unit", &unit_codes, &known.units);
    let known_vendors = Hint::new("vendor", &vendor_codes, &known.vendors);
    let known_policies = Hint::new("policy", &policy_codes, &known.policies);
    let calendar_names = known
        .calendars
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut systems = Vec::new();
    for (i, s) in file.systems.iter().enumerate() {
        if !progress.step() {
            return cancelled();
        }
        let line = c.line(&s.span());
        let path = format!("systems[{i}]");
        let s = s.get_ref();
        c.no_nul(line, &path, s);
        c.code(line, &path, &s.code);
        c.name(line, &path, &s.name);
        if !defined(&unit_codes, &known.units, &s.unit) {
            c.problem(line, format!("{path}.unit"), known_units.missing(&s.unit));
        }
        let mut seen = BTreeSet::new();
        for (j, v) in s.vendors.iter().enumerate() {
            if !defined(&vendor_codes, &known.vendors, v) {
                c.problem(line, format!("{path}.vendors[{j}]"), known_vendors.missing(v));
            }
            if !seen.insert(v) {
                c.problem(
                    line,
                    format!("{path}.vendors[{j}]"),
                    format!("vendor {v:?} is listed twice"),
                );
            }
        }
        if !defined(&policy_codes, &known.policies, &s.policy) {
            c.problem(line, format!("{path}.policy"), known_policies.missing(&s.policy));
        }
        if !known.calendars.contains(&s.calendar) {
            c.problem(
                line,
                format!("{path}.calendar"),
                format!("no calendar {:?}; the server has: {calendar_names}", s.calendar),
            );
        }
        for (clock, message) in clock_calendar_problems(&s.clock_calendars, &known.calendars) {
            c.problem(line, format!("{path}.clock_calendars.{clock}"), message);
        }
        if s.service_mode.parse::<ServiceMode>().is_err() {
            c.problem(
                line,
                format!("{path}.service_mode"),
                format!("{:?} is not one of remote, on_site, remote_and_on_site", s.service_mode),
            );
        }
        if let Some(facts) = &s.contract {
            let at = format!("{path}.contract");
            super::facts::check(&mut c, line, &at, &s.code, facts, known.checklists.as_ref());
        }
        systems.push(SystemDef {
            code: s.code.clone(),
            name: s.name.clone(),
            unit: s.unit.clone(),
            vendors: s.vendors.clone(),
            policy: s.policy.clone(),
            calendar: s.calendar.clone(),
            clock_calendars: (!s.clock_calendars.is_empty()).then(|| serde_json::json!(s.clock_calendars)),
            // Stored as its key, whichever form (remote, 远程, …) the file used.
            service_mode: s
                .service_mode
                .parse::<ServiceMode>()
                .map_or_else(|_| s.service_mode.clone(), |m| m.key().to_owned()),
            profile: s
                .contract
                .as_ref()
                .map(|f| serde_json::to_value(f).unwrap_or(serde_json::Value::Null)),
        });
    }
    c.unique(
        "system",
        file.systems
            .iter()
            .enumerate()
            .map(|(i, s)| (lines.of(&s.span()), format!("systems[{i}]"), s.get_ref().code.as_str())),
    );
    if c.problems.is_empty() {
        Ok(Catalog {
            units,
            vendors,
            policies,
            systems,
        })
    } else {
        Err(c.problems)
    }
}

/// What is wrong with a system's `clock_calendars` (clock → calendar name), given the calendars
/// the server has loaded: each (clock, message), in the map's order. The one check for a
/// catalogue file (`systems[i].clock_calendars.CLOCK`) and the systems API (`clock_calendars`).
///
/// Example: with cn-5x8 and cn-7x24 loaded, `{answer = "cn-7x24", repair = "cn-9x9"}` has two
/// problems: `answer` is not a clock (the clocks are response, arrival, repair), and there is no
/// calendar "cn-9x9"; `{response = "cn-7x24"}` has none.
pub fn clock_calendar_problems<'a>(
    map: &'a BTreeMap<String, String>,
    loaded: &BTreeSet<String>,
) -> Vec<(&'a str, String)> {
    let mut out = Vec::new();
    for (clock, name) in map {
        if clock.parse::<ticket_domain::ClockName>().is_err() {
            out.push((
                clock.as_str(),
                format!("{clock:?} is not a clock; the clocks are response, arrival, repair"),
            ));
        }
        if !loaded.contains(name) {
            let names = loaded.iter().map(String::as_str).collect::<Vec<_>>().join(", ");
            out.push((clock.as_str(), format!("no calendar {name:?}; the server has: {names}")));
        }
    }
    out
}

/// The codes a reference could have named, for the message of one that names none of them.
struct Hint {
    what: &'static str,
    shown: String,
    total: usize,
}

impl Hint {
    fn new(what: &'static str, file: &BTreeSet<&str>, known: &BTreeSet<String>) -> Hint {
        let all: BTreeSet<&str> = file.iter().copied().chain(known.iter().map(String::as_str)).collect();
        Hint {
            what,
            shown: all.iter().take(12).copied().collect::<Vec<_>>().join(", "),
            total: all.len(),
        }
    }

    fn missing(&self, code: &str) -> String {
        let what = self.what;
        let shown = self.total.min(12);
        let more = if self.total > shown {
            format!(" and {} more", self.total - shown)
        } else {
            String::new()
        };
        if self.total == 0 {
            format!("no {what} {code:?}: neither the file nor the database defines any {what}")
        } else {
            format!(
                "no {what} {code:?} in the file or the database; known: {}{more}",
                self.shown
            )
        }
    }
}

fn orgs(
    c: &mut Checker<'_>,
    list: &str,
    entries: &[toml::Spanned<OrgEntry>],
    progress: &Progress,
) -> Option<Vec<OrgDef>> {
    let lines = c.lines;
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if !progress.step() {
            return None;
        }
        let line = c.line(&e.span());
        let path = format!("{list}[{i}]");
        let e = e.get_ref();
        c.no_nul(line, &path, e);
        c.code(line, &path, &e.code);
        c.name(line, &path, &e.name);
        out.push(OrgDef {
            code: e.code.clone(),
            name: e.name.clone(),
        });
    }
    let what = if list == "units" { "unit" } else { "vendor" };
    c.unique(
        what,
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| (lines.of(&e.span()), format!("{list}[{i}]"), e.get_ref().code.as_str())),
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{Lines, clock_calendar_problems};

    #[test]
    fn clock_calendars_name_known_clocks_and_loaded_calendars() {
        let loaded = ["cn-5x8".to_owned(), "cn-7x24".to_owned()].into();
        let map = [("answer", "cn-7x24"), ("repair", "cn-9x9"), ("response", "cn-7x24")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        assert_eq!(
            clock_calendar_problems(&map, &loaded),
            [
                (
                    "answer",
                    "\"answer\" is not a clock; the clocks are response, arrival, repair".to_owned()
                ),
                (
                    "repair",
                    "no calendar \"cn-9x9\"; the server has: cn-5x8, cn-7x24".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn lines_are_counted_as_before() {
        let text = "a = 1\n\nb = [\n  2,\n]\n";
        let lines = Lines::new(text);
        for start in 0..=text.len() {
            let counted = text[..start].bytes().filter(|b| *b == b'\n').count() + 1;
            assert_eq!(lines.of(&(start..start)), Some(counted), "at {start}");
        }
        assert_eq!(lines.of(&(text.len() + 1..text.len() + 2)), None);
    }
}
