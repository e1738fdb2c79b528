//! Finding calendars: a directory of `NAME.toml` files, or the ones compiled into the binary; and
//! [`Calendars`], the set a running server counts with, replaced whole when the files change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::{Context, bail};
use sla_clock::Calendar;

/// The calendars a running server counts with, by name.
///
/// A cheap handle: clones share one set. [`Calendars::snapshot`] gives the set as it is now, for
/// the length of one request or one job; [`Calendars::reload`] reads the source again and replaces
/// the set whole, so a request sees either the old calendars or the new ones, never a mix.
///
/// ```
/// use opsclock::calendars::{CalendarSource, Calendars};
/// let cals = Calendars::load(CalendarSource::Builtin).unwrap();
/// assert!(cals.snapshot().contains_key("cn-5x8"));
/// assert!(cals.reload().unwrap().is_empty(), "nothing changed");
/// ```
#[derive(Clone)]
pub struct Calendars {
    current: Arc<RwLock<Arc<BTreeMap<String, Calendar>>>>,
    source: Option<CalendarSource>,
    /// Calendars whose file here differs from the one the last announced reload read
    /// (see [`crate::app::calendar_reload`]).
    mismatched: Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>,
}

impl std::fmt::Debug for Calendars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendars")
            .field("names", &self.snapshot().keys().collect::<Vec<_>>())
            .field("source", &self.source)
            .finish()
    }
}

/// One calendar that a reload changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarChange {
    /// The calendar's name.
    pub name: String,
    /// Published range before (`None`: the calendar is new).
    pub before: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// Published range after (`None`: the calendar is gone; it stays in use until restart).
    pub after: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// The first date of the old published range that the new calendar answers differently
    /// (`None`: the change only adds days past it, or the calendar is new). A notice can change
    /// the last days of the year before it — 2019's made 29 December 2018 a working day — so
    /// deadlines from that day on, final ones included, must be measured again.
    pub first_changed: Option<chrono::NaiveDate>,
}

/// The first date within `old`'s published range on which `new` answers differently.
///
/// ```
/// use opsclock::calendars::first_difference;
/// let old = sla_clock::Calendar::from_toml(
///     "name = \"c\"\ncovers = { from = 2018-01-01, to = 2018-12-31 }\nmakeup_hours = [\"09:00-17:00\"]\n[week]\nmon = [\"09:00-17:00\"]\n",
/// ).unwrap();
/// // The 2019 notice: Saturday 29 December 2018 worked, 31 December off.
/// let new = sla_clock::Calendar::from_toml(
///     "name = \"c\"\ncovers = { from = 2018-01-01, to = 2019-12-31 }\nmakeup_hours = [\"09:00-17:00\"]\n[week]\nmon = [\"09:00-17:00\"]\n\
///      [[makeup_days]]\nname = \"元旦调休\"\ndate = 2018-12-29\n[[holidays]]\nname = \"元旦\"\nfrom = 2018-12-30\nto = 2019-01-01\n",
/// ).unwrap();
/// assert_eq!(first_difference(&old, &new), Some("2018-12-29".parse().unwrap()));
/// assert_eq!(first_difference(&old, &old), None);
/// ```
pub fn first_difference(old: &Calendar, new: &Calendar) -> Option<chrono::NaiveDate> {
    let (from, to) = old.covered_dates();
    let (a, b) = (old.spec(), new.spec());
    if a.zone != b.zone || a.week != b.week || a.all_hours != b.all_hours {
        return Some(from);
    }
    let dated = a
        .holidays
        .iter()
        .chain(&b.holidays)
        .flat_map(|h| h.from.iter_days().take_while(move |d| *d <= h.to))
        .chain(a.makeup_days.iter().chain(&b.makeup_days).map(|m| m.date));
    dated
        .filter(|d| *d >= from && *d <= to)
        .filter(|d| old.day(*d).ok() != new.day(*d).ok())
        .min()
}

impl Calendars {
    /// Reads every calendar of `source`.
    pub fn load(source: CalendarSource) -> anyhow::Result<Calendars> {
        let all = source.all()?;
        Ok(Calendars {
            current: Arc::new(RwLock::new(Arc::new(all))),
            source: Some(source),
            mismatched: Arc::default(),
        })
    }

    /// A fixed set (tests, benchmarks): [`Calendars::reload`] keeps it as it is.
    pub fn fixed(calendars: BTreeMap<String, Calendar>) -> Calendars {
        Calendars {
            current: Arc::new(RwLock::new(Arc::new(calendars))),
            source: None,
            mismatched: Arc::default(),
        }
    }

    /// The calendars as they are now.
    pub fn snapshot(&self) -> Arc<BTreeMap<String, Calendar>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The calendars whose file here differs from the one the last announced reload read.
    pub fn mismatched(&self) -> Vec<String> {
        self.mismatched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Records which calendars differ from the last announced reload (see [`Calendars::mismatched`]).
    pub fn set_mismatched(&self, names: std::collections::BTreeSet<String>) {
        *self.mismatched.lock().unwrap_or_else(|e| e.into_inner()) = names;
    }

    /// Where the calendars come from (`None` for a fixed set).
    pub fn source(&self) -> Option<&CalendarSource> {
        self.source.as_ref()
    }

    /// Reads the source again and, if every file is valid, replaces the set; returns what changed
    /// (empty if nothing did). An invalid file changes nothing and is the error. A calendar whose
    /// file was removed stays in use, since open clocks may run on it.
    pub fn reload(&self) -> anyhow::Result<Vec<CalendarChange>> {
        let Some(source) = &self.source else {
            return Ok(Vec::new());
        };
        let fresh = source.all()?;
        self.replace(fresh)
    }

    /// Replaces the set with `fresh` (keeping calendars `fresh` lacks); returns what changed.
    pub fn replace(&self, fresh: BTreeMap<String, Calendar>) -> anyhow::Result<Vec<CalendarChange>> {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        let old = guard.clone();
        let mut changes = Vec::new();
        let mut next: BTreeMap<String, Calendar> = (*old).clone();
        for (name, cal) in fresh {
            match old.get(&name) {
                Some(o) if o.spec() == cal.spec() => {}
                o => {
                    changes.push(CalendarChange {
                        name: name.clone(),
                        before: o.map(Calendar::covered_dates),
                        after: Some(cal.covered_dates()),
                        first_changed: o.and_then(|o| first_difference(o, &cal)),
                    });
                    next.insert(name, cal);
                }
            }
        }
        if !changes.is_empty() {
            *guard = Arc::new(next);
        }
        Ok(changes)
    }
}

/// Where calendars come from.
#[derive(Debug, Clone)]
pub enum CalendarSource {
    /// A directory of `NAME.toml` files.
    Dir(PathBuf),
    /// The calendars shipped in the binary (used when the default directory does not exist).
    Builtin,
}

impl CalendarSource {
    /// The directory named on the command line or in the config file (must exist), else the
    /// default `config/calendars` if it exists, else the built-in calendars.
    pub fn choose(explicit: Option<PathBuf>, default: &Path) -> anyhow::Result<CalendarSource> {
        match explicit {
            Some(dir) if dir.is_dir() => Ok(CalendarSource::Dir(dir)),
            Some(dir) => bail!("calendar directory {} does not exist", dir.display()),
            None if default.is_dir() => Ok(CalendarSource::Dir(default.to_owned())),
            None => Ok(CalendarSource::Builtin),
        }
    }

    /// Every calendar, by name.
    pub fn all(&self) -> anyhow::Result<BTreeMap<String, Calendar>> {
        match self {
            CalendarSource::Builtin => Ok(sla_clock::builtin::calendars()
                .into_iter()
                .map(|c| (c.name().to_owned(), c))
                .collect()),
            CalendarSource::Dir(dir) => {
                let mut out = BTreeMap::new();
                for path in toml_files(dir)? {
                    let cal = load_file(&path)?;
                    out.insert(cal.name().to_owned(), cal);
                }
                Ok(out)
            }
        }
    }

    /// The calendar called `name`; the error lists the names there are.
    pub fn get(&self, name: &str) -> anyhow::Result<Calendar> {
        let found = match self {
            CalendarSource::Builtin => sla_clock::builtin::calendar(name),
            CalendarSource::Dir(dir) => {
                let path = dir.join(format!("{name}.toml"));
                if path.is_file() { Some(load_file(&path)?) } else { None }
            }
        };
        match found {
            Some(c) => Ok(c),
            None => {
                let names: Vec<String> = self.names()?;
                bail!("no calendar {name:?} in {self}; there are: {}", names.join(", "))
            }
        }
    }

    fn names(&self) -> anyhow::Result<Vec<String>> {
        Ok(match self {
            CalendarSource::Builtin => sla_clock::builtin::FILES
                .iter()
                .map(|(f, _)| f.trim_end_matches(".toml").to_owned())
                .collect(),
            CalendarSource::Dir(dir) => toml_files(dir)?
                .iter()
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect(),
        })
    }
}

impl std::fmt::Display for CalendarSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalendarSource::Dir(d) => write!(f, "{}", d.display()),
            CalendarSource::Builtin => f.write_str("the built-in calendars"),
        }
    }
}

fn toml_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read calendar directory {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads one calendar file; its name must match the file name so that `--calendar NAME` finds it.
fn load_file(path: &Path) -> anyhow::Result<Calendar> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let cal = Calendar::from_toml(&text).with_context(|| format!("calendar file {} is not valid", path.display()))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    if cal.name() != stem {
        bail!(
            "calendar file {} is called {:?} inside; rename the file to {}.toml or the calendar to {stem:?}",
            path.display(),
            cal.name(),
            cal.name()
        );
    }
    Ok(cal)
}
