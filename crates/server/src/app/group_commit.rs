//! Group commit: concurrent writes share one transaction and one commit.
//!
//! A write that goes through [`GroupCommit::run`] does not begin a transaction of its own. It is
//! queued; one task takes what is queued (up to [`GroupCommit::MAX`]), begins one write
//! transaction ([`crate::db::begin_write`], on SQLite after taking the process's
//! [write turn](crate::app::Context::turn)), and runs each write in a savepoint of its own:
//!
//! ```text
//! BEGIN IMMEDIATE
//!   SAVEPOINT a   … write a …   RELEASE a        a succeeded: kept, not yet answered
//!   SAVEPOINT b   … write b …   ROLLBACK TO b    b failed: undone alone, answered at once
//!   SAVEPOINT c   … write c …   RELEASE c
//! COMMIT                                          a and c answered now, after the commit
//! ```
//!
//! So the writes of a burst cost one `BEGIN` and one `COMMIT` (on PostgreSQL one WAL flush, on
//! SQLite one append to the WAL) between them, and take the ticket counter's lock once, instead
//! of once each. What each write promised alone still holds:
//!
//! - **answered only after its commit.** A write that succeeded in its savepoint is answered
//!   when the group's `COMMIT` has returned; a caller never hears "created" for something a
//!   crash could still take back.
//! - **a failure fails only its own write.** A write that returns an error (a refusal, a
//!   conflict, a unique violation) is rolled back to its savepoint and the others go on; it is
//!   answered with its error after the commit too, so that its caller then sees what the others
//!   wrote (of a form sent twice in one group, the second send finds the ticket the first
//!   opened). A write that panics is rolled back the same way and answered with an internal
//!   error.
//! - **nothing half-stored.** Each write's rows are inside its savepoint and the group's one
//!   transaction: a crash before `COMMIT` loses the whole group, unanswered; after it, the whole
//!   group is stored. If the `COMMIT` itself fails, every write that was waiting is answered with
//!   that error, and none is stored.
//! - **the database can be left unsure.** After a write fails with an internal (database)
//!   error, SQLite may have rolled the whole transaction back by itself (a full disk, an I/O
//!   error); no more writes join that group — the group commits (or fails) with what it has and
//!   the rest wait for the next.
//!
//! A write whose caller has stopped waiting (its request timed out, its client went away) is not
//! run, or, if it has run, is undone before the group commits: a request answered 503 does not
//! open a ticket later.
//!
//! A write runs while the writes before it in the group wait, so what it does inside is the
//! transaction's work only: reads and writes on the transaction it is handed. A group is never
//! longer than [`GroupCommit::MAX`] writes, so a write waits at most that many others.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use futures::FutureExt;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::app::{AppError, AppResult};

/// A future borrowing the group's transaction for `'t`.
pub type TxnFuture<'t, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 't>>;

/// What a queued write does after the group's commit: answers its caller with the outcome.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;

/// One queued write: runs in the savepoint it is handed and says whether the group can go on
/// (`false` after a database error: see the module's docs), and how to answer after the commit.
type Job = Box<
    dyn for<'t> FnOnce(&'t DatabaseTransaction) -> Pin<Box<dyn Future<Output = (bool, Option<Finish>)> + Send + 't>>
        + Send,
>;

/// The group committer of one database (cheap to clone). Its task starts with the first write.
#[derive(Clone)]
pub struct GroupCommit {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    turn: Option<Arc<Semaphore>>,
    queue: OnceLock<mpsc::UnboundedSender<Job>>,
    /// Writes queued and not yet taken into a group.
    waiting: AtomicUsize,
    /// Groups committed, and the writes run in them.
    groups: AtomicU64,
    writes: AtomicU64,
}

impl GroupCommit {
    /// The most writes in one group.
    pub const MAX: usize = 64;

    /// The committer of `db`, taking `turn` (SQLite's write turn) for each group.
    pub fn new(db: DatabaseConnection, turn: Option<Arc<Semaphore>>) -> GroupCommit {
        GroupCommit {
            inner: Arc::new(Inner {
                db,
                turn,
                queue: OnceLock::new(),
                waiting: AtomicUsize::new(0),
                groups: AtomicU64::new(0),
                writes: AtomicU64::new(0),
            }),
        }
    }

    /// Runs `write` in a group's transaction (in a savepoint of its own) and returns its result
    /// once the group has committed; on an error of `write`, its writes are undone and the
    /// error is returned once the group has committed the others'.
    ///
    /// ```ignore
    /// let row = ctx.group.run(move |txn| Box::pin(async move { insert(txn, body).await })).await?;
    /// ```
    pub async fn run<T, F>(&self, write: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> TxnFuture<'t, T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<AppResult<T>>();
        let job: Job = Box::new(move |outer| {
            Box::pin(async move {
                // Its caller gave up (a request timed out, a client went away): not run.
                if tx.is_closed() {
                    return (true, None);
                }
                let savepoint = match outer.begin().await {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tx.send(Err(e.into()));
                        return (false, None);
                    }
                };
                let done = AssertUnwindSafe(write(&savepoint)).catch_unwind().await;
                let done = match done {
                    Ok(done) => done,
                    Err(_) => Err(AppError::Internal(anyhow::anyhow!("the write panicked; it was undone"))),
                };
                match done {
                    // Nobody is waiting for it any more: undone rather than stored unheard of (its
                    // caller may still go away between here and the commit, as after any commit).
                    Ok(_) if tx.is_closed() => {
                        let _ = savepoint.rollback().await;
                        (true, None)
                    }
                    Ok(value) => match savepoint.commit().await {
                        Ok(()) => {
                            let finish: Finish = Box::new(move |outcome| {
                                let _ = tx.send(match outcome {
                                    Ok(()) => Ok(value),
                                    Err(why) => Err(AppError::Internal(anyhow::anyhow!(
                                        "the transaction was not committed: {why}"
                                    ))),
                                });
                            });
                            (true, Some(finish))
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.into()));
                            (false, None)
                        }
                    },
                    Err(e) => {
                        let database = matches!(e, AppError::Internal(_));
                        let _ = savepoint.rollback().await;
                        // Answered after the commit too, so that its caller sees the others'
                        // writes (a form sent twice finds the ticket the first send opened).
                        let finish: Finish = Box::new(move |_| {
                            let _ = tx.send(Err(e));
                        });
                        (!database, Some(finish))
                    }
                }
            })
        });
        self.inner.waiting.fetch_add(1, Ordering::Relaxed);
        self.queue()
            .send(job)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the group committer has stopped")))?;
        rx.await.map_err(|_| {
            AppError::Internal(anyhow::anyhow!(
                "the write was not run: no transaction could be begun (see the server's log)"
            ))
        })?
    }

    /// Writes queued and not yet taken into a group.
    pub fn waiting(&self) -> usize {
        self.inner.waiting.load(Ordering::Relaxed)
    }

    /// Groups this committer has committed, and the writes run in them.
    pub fn committed(&self) -> (u64, u64) {
        (
            self.inner.groups.load(Ordering::Relaxed),
            self.inner.writes.load(Ordering::Relaxed),
        )
    }

    fn queue(&self) -> &mpsc::UnboundedSender<Job> {
        self.inner.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_groups(self.inner.clone(), rx));
            tx
        })
    }
}

/// Groups committed by this process, and the writes in them (`/metrics`:
/// `opsclock_group_commits_total`, `opsclock_group_commit_writes_total`): their ratio is the
/// mean group size.
pub fn counted() -> (u64, u64) {
    (GROUPS.load(Ordering::Relaxed), WRITES.load(Ordering::Relaxed))
}

static GROUPS: AtomicU64 = AtomicU64::new(0);
static WRITES: AtomicU64 = AtomicU64::new(0);

/// The committer's task: a group per round, while anybody can still queue.
async fn run_groups(inner: Arc<Inner>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let take = |job| {
        inner.waiting.fetch_sub(1, Ordering::Relaxed);
        job
    };
    while let Some(first) = rx.recv().await {
        let _turn = match &inner.turn {
            Some(t) => t.clone().acquire_owned().await.ok(),
            None => None,
        };
        let first = take(first);
        let txn = match crate::db::begin_write(&inner.db).await {
            Ok(txn) => txn,
            Err(e) => {
                // Nothing can be written now: this write is dropped unrun (its caller hears
                // so), and the next ones try again in the next round.
                tracing::error!(error = %e, "group commit: cannot begin a transaction");
                drop(first);
                continue;
            }
        };
        let mut finishes = Vec::new();
        let mut next = Some(first);
        let mut count = 0;
        while let Some(job) = next.take() {
            count += 1;
            let (go_on, finish) = job(&txn).await;
            finishes.extend(finish);
            if go_on && count < GroupCommit::MAX {
                next = rx.try_recv().ok().map(take);
            }
        }
        let outcome = txn.commit().await.map_err(|e| e.to_string());
        if outcome.is_ok() {
            for (groups, writes) in [(&GROUPS, &WRITES), (&inner.groups, &inner.writes)] {
                groups.fetch_add(1, Ordering::Relaxed);
                writes.fetch_add(count as u64, Ordering::Relaxed);
            }
        }
        if let Err(why) = &outcome {
            tracing::error!(error = %why, writes = finishes.len(), "group commit failed; none of its writes is stored");
        }
        for finish in finishes {
            finish(outcome.clone());
        }
    }
}
