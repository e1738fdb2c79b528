//! Finding calendars: a directory of `NAME.toml` files, or the ones compiled into the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sla_clock::Calendar;

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
