//! The configuration cache: what a request reads of the read-mostly configuration (tokens,
//! people, systems and their vendors, policies, windows, rosters, contracts, ladders, exclusions,
//! webhook subscriptions) kept in memory for as long as the database says nothing changed.
//!
//! # How it stays right
//!
//! The database keeps one number, the **configuration epoch** (`config_epoch.stamp`, migration
//! 66, drawn at random with every change).
//! Triggers on every table the cache keeps ([`migration::EPOCH_TABLES`]) move it on in the same
//! transaction as the change, whoever makes it: this server, another replica, `opsclock catalog
//! import` from the command line, a hand-written `UPDATE`. A use case that wants cached reads
//! reads the epoch first (one statement) and runs inside [`ConfigCache::reading`]; every
//! [`cached`] lookup inside it is then served from memory if it was read at that same epoch,
//! else read from the database and kept:
//!
//! ```text
//! request A   epoch = 7   policy 3? not kept: read it, keep it as of 7
//! request B   epoch = 7   policy 3? kept as of 7: no statement
//! admin       UPDATE policies …          (the trigger: epoch = 8, in the same commit)
//! request C   epoch = 8   policy 3? kept as of 7 only: everything is dropped, read, kept as of 8
//! ```
//!
//! What a lookup returns is what a read at the moment of the epoch's read would have returned:
//! a row kept as of epoch 7 was read after somebody saw 7, and nothing it depends on changed
//! while the epoch stayed 7. A lookup that loaded a row as of 7 and finds the cache moved on to
//! 8 meanwhile hands its row to its own caller only; it keeps nothing.
//!
//! # Where it is used
//!
//! Only where it is asked for. Outside [`ConfigCache::reading`] (the jobs, the CLI, every use
//! case that writes the configuration), [`cached`] reads the database each time, as before.
//! A use case that writes one of those tables must not run inside `reading`: its own later reads
//! would be served as of the epoch it read before its write. The scopes today:
//!
//! - authentication of an API token ([`crate::app::auth::tokens::authenticate`]);
//! - planning a new ticket ([`crate::app::tickets::open`]), outside any transaction, and
//!   listing tickets: at the epoch the request's authentication read, if it read one
//!   ([`ConfigCache::read_at`]);
//! - each group of [`crate::app::group_commit`], at the epoch read inside its transaction (on
//!   SQLite the transaction's own snapshot: exact);
//! - each notification of alert intake ([`crate::app::intake`]).
//!
//! A key's value is whatever its loader returns; a loader reads only tables of
//! [`migration::EPOCH_TABLES`] (`tests/repo.rs` keeps that list and the triggers in step).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// At most this many entries are kept; past it, the cache starts afresh (a district has some
/// hundreds of systems, people and tokens; this bounds a catalogue many times that).
pub const MAX_ENTRIES: usize = 20_000;

/// The configuration cache of one database (shared by a context's clones).
#[derive(Default)]
pub struct ConfigCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The epoch the entries were read at.
    epoch: i64,
    entries: HashMap<(&'static str, String), Arc<dyn Any + Send + Sync>>,
    /// Lookups served from memory, and read from the database (`/metrics`).
    hits: u64,
    misses: u64,
}

tokio::task_local! {
    static READING: Reading;
}

#[derive(Clone)]
struct Reading {
    epoch: i64,
    cache: Arc<ConfigCache>,
}

impl ConfigCache {
    /// An empty cache.
    pub fn new() -> Arc<ConfigCache> {
        Arc::default()
    }

    /// The configuration epoch as the database says now: one statement. It is the random stamp
    /// drawn with the last change (migration 66), not the count of changes, so that a database
    /// restored from a backup cannot come back to an epoch it had for another configuration.
    pub async fn epoch(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT stamp FROM config_epoch WHERE id = 1",
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("config_epoch has no row 1".into()))?;
        row.try_get::<i64>("", "stamp")
    }

    /// Runs `f` with [`cached`] lookups served as of `epoch` (read with [`ConfigCache::epoch`]
    /// just before).
    pub async fn reading<F: Future>(self: &Arc<Self>, epoch: i64, f: F) -> F::Output {
        READING
            .scope(
                Reading {
                    epoch,
                    cache: self.clone(),
                },
                f,
            )
            .await
    }

    /// Reads the epoch on `db` and runs `f` as [`ConfigCache::reading`] does; if the epoch
    /// cannot be read, `f` runs without the cache (every lookup reads the database).
    pub async fn read_now<F: Future>(self: &Arc<Self>, db: &impl ConnectionTrait, f: F) -> F::Output {
        // Not written as `read_now_saying(..).await.1`: one more level of future around a use
        // case's (the intake's is large) overflowed a debug build's worker stack.
        match ConfigCache::epoch_or_warn(db).await {
            Some(epoch) => self.reading(epoch, f).await,
            None => f.await,
        }
    }

    /// [`ConfigCache::read_now`], saying the epoch `f` read as of (`None`: without the cache),
    /// for a caller that passes it on ([`crate::app::auth::Principal::epoch`]).
    pub async fn read_now_saying<F: Future>(
        self: &Arc<Self>,
        db: &impl ConnectionTrait,
        f: F,
    ) -> (Option<i64>, F::Output) {
        let epoch = ConfigCache::epoch_or_warn(db).await;
        let out = match epoch {
            Some(epoch) => self.reading(epoch, f).await,
            None => f.await,
        };
        (epoch, out)
    }

    /// The epoch, or `None` (logged) if it cannot be read: the caller reads without the cache.
    async fn epoch_or_warn(db: &impl ConnectionTrait) -> Option<i64> {
        match ConfigCache::epoch(db).await {
            Ok(epoch) => Some(epoch),
            Err(e) => {
                tracing::warn!(error = %e, "configuration epoch not read; reading without the cache");
                None
            }
        }
    }

    /// [`ConfigCache::reading`] at `epoch` if it was read at most [`ConfigCache::FRESH`] ago
    /// (by the same request: [`crate::app::auth::Principal::epoch`]), else
    /// [`ConfigCache::read_now`]. A request whose body came slowly reads the epoch again, so
    /// that what it plans from is as recent as if it had read it itself, and the shared cache is
    /// not sent back to an older epoch.
    pub async fn read_at<F: Future>(
        self: &Arc<Self>,
        epoch: Option<(i64, std::time::Instant)>,
        db: &impl ConnectionTrait,
        f: F,
    ) -> F::Output {
        match epoch {
            Some((epoch, at)) if at.elapsed() <= ConfigCache::FRESH => self.reading(epoch, f).await,
            _ => self.read_now(db, f).await,
        }
    }

    /// How old an epoch read by a request's authentication may be for its use case to read as
    /// of it ([`ConfigCache::read_at`]).
    pub const FRESH: std::time::Duration = std::time::Duration::from_millis(100);

    /// Lookups served from memory and read from the database since the start.
    pub fn counted(&self) -> (u64, u64) {
        let s = self.state.lock().expect("cache lock");
        (s.hits, s.misses)
    }

    fn get<T: Clone + 'static>(&self, epoch: i64, key: &(&'static str, String)) -> Option<T> {
        let mut s = self.state.lock().expect("cache lock");
        if s.epoch != epoch {
            // The database moved on (or, after a restore, back): nothing kept counts.
            s.entries.clear();
            s.epoch = epoch;
        }
        let found = s.entries.get(key).and_then(|v| v.downcast_ref::<T>()).cloned();
        let counter = if found.is_some() {
            s.hits += 1;
            &HITS
        } else {
            s.misses += 1;
            &MISSES
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        found
    }

    fn put<T: Send + Sync + 'static>(&self, epoch: i64, key: (&'static str, String), value: T) {
        let mut s = self.state.lock().expect("cache lock");
        // Read as of an epoch the cache has left: handed to its caller only.
        if s.epoch != epoch {
            return;
        }
        if s.entries.len() >= MAX_ENTRIES {
            s.entries.clear();
        }
        s.entries.insert(key, Arc::new(value));
    }
}

static HITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static MISSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Lookups of every cache of this process served from memory, and read from the database
/// (`/metrics`: `opsclock_config_cache_hits_total`, `opsclock_config_cache_misses_total`).
pub fn counted_all() -> (u64, u64) {
    (
        HITS.load(std::sync::atomic::Ordering::Relaxed),
        MISSES.load(std::sync::atomic::Ordering::Relaxed),
    )
}

/// The value of `(kind, key)`: kept, inside [`ConfigCache::reading`] at the epoch it was read
/// at; else `load`ed (and kept). `kind` names what `load` reads (`"policy"`), `key` which one.
///
/// ```ignore
/// let policy = cached("policy", system.policy_id, || policies::Entity::find_by_id(id).one(db)).await?;
/// ```
pub async fn cached<T, E, Fut>(kind: &'static str, key: impl ToString, load: impl FnOnce() -> Fut) -> Result<T, E>
where
    T: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>>,
{
    cached_if(kind, key, |_| true, load).await
}

/// [`cached`], keeping only a value `keep` says yes to: an unknown API token is not kept, so
/// that requests with made-up tokens cannot fill the cache.
pub async fn cached_if<T, E, Fut>(
    kind: &'static str,
    key: impl ToString,
    keep: impl FnOnce(&T) -> bool,
    load: impl FnOnce() -> Fut,
) -> Result<T, E>
where
    T: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>>,
{
    let Ok(reading) = READING.try_with(Reading::clone) else {
        return load().await;
    };
    let key = (kind, key.to_string());
    if let Some(v) = reading.cache.get::<T>(reading.epoch, &key) {
        return Ok(v);
    }
    let v = load().await?;
    if keep(&v) {
        reading.cache.put(reading.epoch, key, v.clone());
    }
    Ok(v)
}

/// Whether the caller runs inside [`ConfigCache::reading`] (a test's question).
pub fn in_reading() -> bool {
    READING.try_with(|_| ()).is_ok()
}

/// The epoch the lookups of this task are served at, inside [`ConfigCache::reading`]: what a
/// ticket made ready in a request compares with its group's, to see whether the configuration
/// it read has changed since ([`crate::app::tickets::fresh`]).
pub fn reading_epoch() -> Option<i64> {
    READING.try_with(|r| r.epoch).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn load(n: &std::sync::atomic::AtomicU32, v: &str) -> Result<String, DbErr> {
        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(v.to_owned())
    }

    #[tokio::test]
    async fn a_value_is_read_once_per_epoch_and_never_outside_a_reading() {
        let cache = ConfigCache::new();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let get = |v: &'static str| cached("policy", 3, || load(&loads, v));
        // Outside a reading: the database each time.
        assert_eq!(get("a").await.unwrap(), "a");
        assert_eq!(get("b").await.unwrap(), "b");
        assert_eq!(loads.load(std::sync::atomic::Ordering::Relaxed), 2);
        // At epoch 7: read once, then kept.
        let (x, y) = cache.reading(7, async { (get("c").await, get("d").await) }).await;
        assert_eq!((x.unwrap(), y.unwrap()), ("c".to_owned(), "c".to_owned()));
        assert_eq!(loads.load(std::sync::atomic::Ordering::Relaxed), 3);
        // Epoch 8: what was kept as of 7 is dropped.
        assert_eq!(cache.reading(8, get("e")).await.unwrap(), "e");
        // A reader still at 7 gets a fresh read and keeps nothing that 8's readers would see.
        assert_eq!(cache.reading(7, get("f")).await.unwrap(), "f");
        assert_eq!(cache.reading(8, get("g")).await.unwrap(), "g");
        assert_eq!(cache.reading(8, get("h")).await.unwrap(), "g");
        assert_eq!(cache.counted(), (2, 4));
    }

    #[tokio::test]
    async fn a_value_keep_refuses_is_read_each_time() {
        let cache = ConfigCache::new();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let unknown = || {
            cached_if(
                "api_token",
                "made-up",
                |v: &Option<String>| v.is_some(),
                || async {
                    loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Ok::<_, DbErr>(None)
                },
            )
        };
        let (a, b) = cache.reading(1, async { (unknown().await, unknown().await) }).await;
        assert_eq!((a.unwrap(), b.unwrap()), (None, None));
        assert_eq!(loads.load(std::sync::atomic::Ordering::Relaxed), 2);
        assert!(cache.state.lock().unwrap().entries.is_empty());
    }

    #[tokio::test]
    async fn a_value_read_while_the_epoch_moved_on_is_not_kept() {
        let cache = ConfigCache::new();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let c2 = cache.clone();
        let v = cache
            .reading(
                7,
                cached("system", "sy-001", || async {
                    // Another request saw epoch 8 while this one was reading.
                    c2.reading(8, async { assert!(in_reading()) }).await;
                    let _ = c2.get::<String>(8, &("system", "sy-001".into()));
                    load(&loads, "old").await
                }),
            )
            .await
            .unwrap();
        assert_eq!(v, "old");
        let fresh = cache
            .reading(8, cached("system", "sy-001", || load(&loads, "new")))
            .await;
        assert_eq!(fresh.unwrap(), "new");
    }
}
