//! `opsclock backup` and `opsclock restore` for a SQLite database.
//!
//! A backup is taken with SQLite's [online backup API] in **one step**: the copy reads the whole
//! database inside a single read transaction, so it is a consistent snapshot as of one instant
//! even while the server keeps writing (write-ahead logging lets writers go on while the copy
//! reads). A step-by-step copy would restart every time another connection wrote, and under a
//! steady load might never finish. The copy is written to `PATH.partial`, checked with
//! `PRAGMA integrity_check`, switched to a self-contained rollback-journal file, synced, and only
//! then renamed to `PATH`: a file at `PATH` is always a whole, checked backup.
//!
//! A restore checks the backup the same way, refuses a backup written by a newer opsclock (one
//! with migrations this binary does not know), keeps the current database's files as they are
//! (`DB.before-restore-TIMESTAMP`, with its `-wal` if any; unchecked, since it may be the broken
//! one), and copies the backup into the database with the same API.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump`); see `docs/operations.md`.
//!
//! [online backup API]: https://www.sqlite.org/backup.html

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

/// What a finished backup or restore did.
#[derive(Debug)]
pub struct Copied {
    /// Pages copied.
    pub pages: i32,
    /// Bytes in the resulting file.
    pub bytes: u64,
    /// How long the copy took.
    pub took: Duration,
    /// The newest migration in the copied schema.
    pub schema: String,
}

impl std::fmt::Display for Copied {
    /// `12 pages, 0.1 MiB, schema m2026…, 0.01 s; integrity check ok`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} pages, {:.1} MiB, schema {}, {:.2} s; integrity check ok",
            self.pages,
            self.bytes as f64 / 1_048_576.0,
            self.schema,
            self.took.as_secs_f64()
        )
    }
}

/// The SQLite file a database URL names, or an error saying what to do instead.
pub fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        bail!(
            "{} is a PostgreSQL database: back it up with pg_dump -Fc and restore with pg_restore \
             (see docs/operations.md)",
            crate::db::redact_url(url)
        );
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .with_context(|| format!("{url:?} is not a database URL; expected {}", crate::db::ACCEPTED_URLS))?;
    let file = rest.split_once('?').map_or(rest, |(f, _)| f);
    if file.is_empty() || file == ":memory:" {
        bail!("an in-memory database has nothing to back up");
    }
    Ok(PathBuf::from(file))
}

/// Copies the live database `db` to `dest` (refusing to overwrite unless `force`).
pub fn backup(db: &Path, dest: &Path, force: bool) -> anyhow::Result<Copied> {
    if !db.is_file() {
        bail!("there is no database at {}", db.display());
    }
    if dest.exists() && !force {
        bail!("{} already exists (pass --force to replace it)", dest.display());
    }
    if same_file(db, dest) {
        bail!("{} is the database itself", dest.display());
    }
    let partial = with_suffix(dest, ".partial");
    let _ = std::fs::remove_file(&partial);
    let result = (|| {
        let source = open(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let copied = copy(&source, &partial)?;
        std::fs::rename(&partial, dest)
            .with_context(|| format!("cannot rename {} to {}", partial.display(), dest.display()))?;
        sync_dir(dest);
        Ok(copied)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Replaces the database `db` with the backup `from`; the current database is kept beside it
/// (the returned path) first.
pub fn restore(from: &Path, db: &Path) -> anyhow::Result<(Copied, Option<PathBuf>)> {
    let backup = open(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check(&backup).with_context(|| format!("{} is not a usable backup", from.display()))?;
    let schema = newest_migration(&backup)?;
    let known: Vec<String> = <migration::Migrator as migration::MigratorTrait>::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if !known.contains(&schema) {
        bail!(
            "{} was written by another opsclock version (its schema ends at {schema}, which this \
             binary does not know); restore it with that version",
            from.display()
        );
    }
    let kept = if db.exists() {
        // A plain copy of the files, unchecked: the database being replaced may be the broken one.
        // Named by the system clock: only `opsclock restore` (a CLI command, server stopped) runs this.
        let stamp = chrono::Local::now().format("%Y%m%dT%H%M%S");
        let kept = with_suffix(db, &format!(".before-restore-{stamp}"));
        for suffix in ["", "-wal", "-shm"] {
            let from = with_suffix(db, suffix);
            if from.exists() {
                std::fs::copy(&from, with_suffix(&kept, suffix))
                    .with_context(|| format!("cannot keep the current database as {}", kept.display()))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    let started = Instant::now();
    let mut target = open(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
    let pages = {
        let mut b = Backup::new(&backup, &mut target)?;
        run_one_step(&mut b)?
    };
    check(&target)?;
    let bytes = std::fs::metadata(db)?.len();
    Ok((
        Copied {
            pages,
            bytes,
            took: started.elapsed(),
            schema,
        },
        kept,
    ))
}

/// Copies `source` into a new file `dest` in one step, checks it and makes it self-contained.
fn copy(source: &Connection, dest: &Path) -> anyhow::Result<Copied> {
    let started = Instant::now();
    let mut out = open(dest, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
    let pages = {
        let mut b = Backup::new(source, &mut out)?;
        run_one_step(&mut b)?
    };
    // The copy carries the source's WAL flag; a backup should be one file that opens anywhere.
    let mode: String = out.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        bail!("cannot switch the copy out of {mode} mode");
    }
    check(&out)?;
    let schema = newest_migration(&out)?;
    drop(out);
    std::fs::File::open(dest)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", dest.display()))?;
    Ok(Copied {
        pages,
        bytes: std::fs::metadata(dest)?.len(),
        took: started.elapsed(),
        schema,
    })
}

/// Runs a backup as a single step (one read transaction on the source), waiting while the
/// source or destination is locked.
fn run_one_step(b: &mut Backup<'_, '_>) -> anyhow::Result<i32> {
    let deadline = Instant::now() + crate::db::SQLITE_BUSY_TIMEOUT * 6;
    loop {
        match b.step(-1)? {
            StepResult::Done => return Ok(b.progress().pagecount),
            StepResult::More => continue,
            StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            StepResult::Busy | StepResult::Locked => bail!("the database stayed locked for 30 s"),
            other => bail!("unexpected backup step result {other:?}"),
        }
    }
}

fn open(path: &Path, flags: OpenFlags) -> anyhow::Result<Connection> {
    let c = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {}", path.display()))?;
    c.busy_timeout(crate::db::SQLITE_BUSY_TIMEOUT)?;
    Ok(c)
}

/// `PRAGMA integrity_check` must answer `ok`, and the file must hold an opsclock schema.
fn check(c: &Connection) -> anyhow::Result<()> {
    let answers: Vec<String> = c
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if answers != ["ok"] {
        bail!("integrity check failed: {}", answers.join("; "));
    }
    newest_migration(c)?;
    Ok(())
}

fn newest_migration(c: &Connection) -> anyhow::Result<String> {
    c.query_row("SELECT max(version) FROM seaql_migrations", [], |r| {
        r.get::<_, Option<String>>(0)
    })
    .ok()
    .flatten()
    .context("it holds no opsclock schema (no seaql_migrations table)")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// Makes a rename durable (best effort: not every filesystem lets a directory be opened).
fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_files_or_say_what_to_do() {
        assert_eq!(
            sqlite_file("sqlite://data/opsclock.db?mode=rwc").unwrap(),
            PathBuf::from("data/opsclock.db")
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/opsclock/opsclock.db").unwrap(),
            PathBuf::from("/var/lib/opsclock/opsclock.db")
        );
        let pg = sqlite_file("postgres://ops:pw@db/ops").unwrap_err().to_string();
        assert!(pg.contains("pg_dump") && !pg.contains("pw"), "{pg}");
        assert!(sqlite_file("sqlite::memory:").is_err());
    }
}
