//! The write turn on SQLite: one per database file in the process, shared by the requests, the
//! group commits and the jobs.
//!
//! SQLite lets one transaction write at a time. A connection that finds the lock taken does not
//! queue: it sleeps in SQLite's busy handler (1, 2, 5, 10 … 100 ms) and tries again, however
//! soon the lock is free. Two writers that both hold the lock in turn without queueing thus
//! lose up to 100 ms at a time — an acknowledgement waiting behind the notice sweep's
//! transaction took seconds at 64 clients. So every writer of the process takes the same turn
//! first: a [`tokio::sync::Semaphore`] of one, fair (first come, first served), found by the
//! database's file name ([`for_db`]).
//!
//! - A request admitted to write takes it for the whole request (`serve::admit`), and runs
//!   [`holding`] the turn.
//! - A group of ticket creations takes it for the group ([`crate::app::group_commit`]).
//! - A job takes it for each of its write transactions ([`take`]), so requests get the
//!   database between two of them.
//!
//! [`take`] inside [`holding`] takes nothing: the turn is not reentrant, and the task has it.
//! On PostgreSQL there is no turn: rows are locked one by one.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

tokio::task_local! {
    /// Set while the task holds the write turn ([`holding`]).
    static HOLDS_TURN: bool;
}

/// The write turn of the SQLite database `db` in this process: the same for every connection
/// pool opened on its file (a second `Context`, a job's pool); `None` on PostgreSQL. An
/// in-memory database (tests) gets a turn of its own each time.
pub fn for_db(db: &DatabaseConnection) -> Option<Arc<Semaphore>> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    static TURNS: Mutex<Option<HashMap<PathBuf, Weak<Semaphore>>>> = Mutex::new(None);
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" {
        return Some(Arc::new(Semaphore::new(1)));
    }
    let file = std::fs::canonicalize(&file).unwrap_or(file);
    let mut turns = TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let turns = turns.get_or_insert_with(HashMap::new);
    if let Some(turn) = turns.get(&file).and_then(Weak::upgrade) {
        return Some(turn);
    }
    turns.retain(|_, t| t.strong_count() > 0);
    let turn = Arc::new(Semaphore::new(1));
    turns.insert(file, Arc::downgrade(&turn));
    Some(turn)
}

/// Runs `fut` as holding the write turn: a [`take`] inside it takes nothing, and a ticket
/// creation inside it writes in a transaction of its own instead of queueing for a group
/// (which would wait for this turn).
pub async fn holding<F: Future>(fut: F) -> F::Output {
    HOLDS_TURN.scope(true, fut).await
}

/// Whether this task holds the write turn ([`holding`]).
pub fn held() -> bool {
    HOLDS_TURN.try_with(|held| *held).unwrap_or(false)
}

/// Waits for the write turn of `db` (SQLite) and holds it until the returned permit is dropped:
/// take it before a job's write transaction begins and drop it after the commit. `None` on
/// PostgreSQL, or when this task holds the turn already ([`holding`]).
pub async fn take(db: &DatabaseConnection) -> Option<OwnedSemaphorePermit> {
    if held() {
        return None;
    }
    for_db(db)?.acquire_owned().await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pools_on_one_file_share_one_turn_and_a_holder_takes_none() {
        let dir = std::env::temp_dir().join(format!("opsclock-turn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = |name: &str| format!("sqlite://{}/{name}?mode=rwc", dir.display());
        let a = sea_orm::Database::connect(url("t.db")).await.unwrap();
        let b = sea_orm::Database::connect(url("t.db")).await.unwrap();
        let other = sea_orm::Database::connect(url("u.db")).await.unwrap();
        let (ta, tb) = (for_db(&a).unwrap(), for_db(&b).unwrap());
        assert!(Arc::ptr_eq(&ta, &tb), "two pools on one file share one turn");
        assert!(!Arc::ptr_eq(&ta, &for_db(&other).unwrap()));
        // A job's take waits while a request holds the turn; inside `holding` it takes nothing.
        let permit = take(&a).await.expect("the turn");
        assert_eq!(ta.available_permits(), 0);
        assert!(holding(take(&b)).await.is_none());
        drop(permit);
        assert_eq!(ta.available_permits(), 1);
        std::fs::remove_dir_all(&dir).ok();
    }
}
