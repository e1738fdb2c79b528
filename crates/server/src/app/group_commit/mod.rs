//! Group commit: concurrent writes share one transaction and one commit.
//!
//! A write that goes through [`GroupCommit::run`] does not begin a transaction of its own. It is
//! queued; one task takes what is queued (up to [`GroupCommit::MAX`] savepoints and
//! [`GroupCommit::MAX_WRITES`] writes), begins one write
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
//! - **the database can be left unsure.** After a write fails with a database error, SQLite may
//!   have rolled the whole transaction back by itself (a full disk, an I/O error); no more
//!   writes join that group — the group commits (or fails) with what it has and the rest wait
//!   for the next. If a savepoint cannot even be begun, released or rolled back, what the
//!   transaction holds is not known: the whole group is rolled back and every write in it is
//!   answered with an error (none is stored).
//!
//! Writes that many callers make alike (opening a ticket) can be queued as items of a [`Batch`]
//! ([`GroupCommit::run_batched`]): the items queued one after another are written together, with
//! one statement per table, in one savepoint; if that fails, each is written again alone, as
//! above:
//!
//! ```text
//! BEGIN IMMEDIATE
//!   SAVEPOINT s   … items a, b, c: INSERT … VALUES (a), (b), (c) …   RELEASE s
//! COMMIT                                                           a, b and c answered
//!
//!   SAVEPOINT s   … items d, e: fails (e's token is a duplicate)    ROLLBACK TO s
//!   SAVEPOINT d   … item d …   RELEASE d                            kept
//!   SAVEPOINT e   … item e …   ROLLBACK TO e                        answered with its error
//! ```
//!
//! A caller that holds the write turn itself (a request admitted to write, [`holding_turn`])
//! would wait for the group while the group waits for its turn: its write runs alone, in a
//! transaction of its own, instead.
//!
//! A write whose caller has stopped waiting (its request timed out, its client went away) is not
//! run, or, if it has run, is undone before the group commits: a request answered 503 does not
//! open a ticket later.
//!
//! A write runs while the writes before it in the group wait, so what it does inside is the
//! transaction's work only: reads and writes on the transaction it is handed. A group is never
//! longer than [`GroupCommit::MAX_WRITES`] writes or [`GroupCommit::BUDGET`], so a write waits at most
//! that many others, and the other writers (the sweep, the CLI) get the database in between.

use std::any::{Any, TypeId};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use futures::FutureExt;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::app::{AppError, AppResult};

mod batch;

pub use batch::Batch;
use batch::{Pending, run_many};

/// A future borrowing the group's transaction for `'t`.
pub type TxnFuture<'t, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 't>>;

/// What a queued write does after the group's commit: answers its caller with the outcome.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;

/// One queued write: runs in the savepoint it is handed and says what it did.
type One = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> Pin<Box<dyn Future<Output = Ran> + Send + 't>> + Send>;

/// Runs the queued items of one [`Batch`] together ([`run_many`]), saying what each did.
type RunMany = for<'t> fn(
    &'t DatabaseTransaction,
    Vec<Box<dyn Any + Send>>,
) -> Pin<Box<dyn Future<Output = (Vec<Ran>, bool)> + Send + 't>>;

/// What the committer's queue carries.
enum Job {
    /// A write of its own ([`GroupCommit::run`]).
    One(One),
    /// An item of a [`Batch`] ([`GroupCommit::run_batched`]): the items of one batch queued one
    /// after another are written together.
    Many {
        batch: TypeId,
        item: Box<dyn Any + Send>,
        run: RunMany,
    },
}

/// What a queued write did in its group.
struct Ran {
    /// Whether the group goes on.
    next: Next,
    /// Whether its writes are kept (released into the group's transaction).
    kept: bool,
    /// How to answer its caller once the group's outcome is known.
    finish: Option<Finish>,
}

/// Whether a group goes on after a write.
#[derive(PartialEq, Eq)]
enum Next {
    /// Take the next queued write.
    GoOn,
    /// Commit what the group has and take no more (after a database error).
    Stop,
    /// Commit nothing: a savepoint could not be begun, released or rolled back, so what the
    /// transaction holds is not known. Every write of the group is answered with an error.
    Poisoned,
}

impl Ran {
    fn skipped() -> Ran {
        Ran {
            next: Next::GoOn,
            kept: false,
            finish: None,
        }
    }

    fn poisoned<T: Send + 'static>(tx: oneshot::Sender<AppResult<T>>, e: AppError) -> Ran {
        tracing::error!(error = %e, "group commit: a savepoint failed; the group is rolled back");
        Ran {
            next: Next::Poisoned,
            kept: false,
            finish: Some(Box::new(move |_| {
                let _ = tx.send(Err(e));
            })),
        }
    }
}

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
    /// How long a group goes on taking writes.
    budget: std::time::Duration,
    /// Groups committed, and the writes run in them.
    groups: AtomicU64,
    writes: AtomicU64,
    /// Batches that failed together and were written again item by item.
    fallbacks: AtomicU64,
    /// The configuration cache a group's writes read through, at the epoch read in the group's
    /// transaction ([`crate::app::cache`]).
    cache: Option<Arc<crate::app::cache::ConfigCache>>,
}

impl GroupCommit {
    /// The most savepoints in one group — writes run alone, and batches — under PostgreSQL's 64
    /// cached subtransactions a session keeps before its snapshots slow down.
    pub const MAX: usize = 48;

    /// The most writes in one group, the items of its batches included: a batch is one
    /// savepoint however many items it holds, so 64 clients' creations fit one group. A batch
    /// that fails is written again item by item, each in a savepoint of its own; as each of them
    /// is a write counted here, a group never holds more than 64 savepoints kept, within
    /// PostgreSQL's cache.
    pub const MAX_WRITES: usize = 64;

    /// How long a group goes on taking writes: past it, the group commits what it has.
    pub const BUDGET: std::time::Duration = std::time::Duration::from_millis(250);

    /// The committer of `db`, taking `turn` (SQLite's write turn) for each group.
    pub fn new(db: DatabaseConnection, turn: Option<Arc<Semaphore>>) -> GroupCommit {
        GroupCommit {
            inner: Arc::new(Inner {
                db,
                turn,
                queue: OnceLock::new(),
                waiting: AtomicUsize::new(0),
                budget: GroupCommit::BUDGET,
                groups: AtomicU64::new(0),
                writes: AtomicU64::new(0),
                fallbacks: AtomicU64::new(0),
                cache: None,
            }),
        }
    }

    /// The committer of `db` whose groups go on taking writes for `budget` (instead of
    /// [`GroupCommit::BUDGET`]), e.g. for a test that wants one group of everything queued.
    pub fn with_budget(
        db: DatabaseConnection,
        turn: Option<Arc<Semaphore>>,
        budget: std::time::Duration,
    ) -> GroupCommit {
        let mut inner = Arc::into_inner(GroupCommit::new(db, turn).inner).expect("just made");
        inner.budget = budget;
        GroupCommit { inner: Arc::new(inner) }
    }

    /// This committer, its groups reading the configuration through `cache` (at the epoch read
    /// in each group's transaction, see [`crate::app::cache`]). Called before it is cloned.
    pub fn with_cache(self, cache: Arc<crate::app::cache::ConfigCache>) -> GroupCommit {
        let mut inner = Arc::into_inner(self.inner).expect("with_cache is called before the committer is shared");
        inner.cache = Some(cache);
        GroupCommit { inner: Arc::new(inner) }
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
        // Its caller holds the write turn (a request admitted to write): a group would wait for
        // that turn, and the caller for the group. It writes alone, in a transaction of its own.
        if crate::db::turn::held() {
            let txn = crate::db::begin_write(&self.inner.db)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            let value = write(&txn).await?;
            txn.commit().await?;
            return Ok(value);
        }
        let (tx, rx) = oneshot::channel::<AppResult<T>>();
        let job: One = Box::new(move |outer| {
            Box::pin(async move {
                // Its caller gave up (a request timed out, a client went away): not run.
                if tx.is_closed() {
                    return Ran::skipped();
                }
                let savepoint = match outer.begin().await {
                    Ok(s) => s,
                    Err(e) => return Ran::poisoned(tx, e.into()),
                };
                let done = AssertUnwindSafe(async { write(&savepoint).await }).catch_unwind().await;
                let done = match done {
                    Ok(done) => done,
                    Err(_) => Err(AppError::Internal(anyhow::anyhow!("the write panicked; it was undone"))),
                };
                match done {
                    // Nobody is waiting for it any more: undone rather than stored unheard of (its
                    // caller may still go away between here and the commit, as after any commit).
                    Ok(_) if tx.is_closed() => match savepoint.rollback().await {
                        Ok(()) => Ran::skipped(),
                        Err(e) => Ran::poisoned(tx, e.into()),
                    },
                    Ok(value) => match savepoint.commit().await {
                        Ok(()) => Ran {
                            next: Next::GoOn,
                            kept: true,
                            finish: Some(Box::new(move |outcome| {
                                let _ = tx.send(match outcome {
                                    Ok(()) => Ok(value),
                                    Err(why) => Err(AppError::Internal(anyhow::anyhow!(
                                        "the transaction was not committed: {why}"
                                    ))),
                                });
                            })),
                        },
                        Err(e) => Ran::poisoned(tx, e.into()),
                    },
                    Err(e) => {
                        if let Err(undo) = savepoint.rollback().await {
                            tracing::error!(error = %undo, "group commit: a failed write could not be rolled back");
                            return Ran::poisoned(tx, e);
                        }
                        // A database error (not the request's own mistake, as a date no calendar
                        // answers for is) may have ended the whole transaction on SQLite.
                        let database = matches!(e, AppError::Internal(_)) && e.calendar_not_covered().is_none();
                        Ran {
                            next: if database { Next::Stop } else { Next::GoOn },
                            kept: false,
                            // Answered after the commit too, so that its caller sees the others'
                            // writes (a form sent twice finds the ticket the first send opened).
                            finish: Some(Box::new(move |_| {
                                let _ = tx.send(Err(e));
                            })),
                        }
                    }
                }
            })
        });
        self.send(Job::One(job), rx).await
    }

    /// Queues `item` of batch `B` and returns its answer once the group has committed: the
    /// items of `B` queued one after another are written together ([`Batch`]). A caller that
    /// holds the write turn ([`holding_turn`]) writes its item alone, in a transaction of its
    /// own.
    pub async fn run_batched<B: Batch>(&self, item: B::Item) -> AppResult<B::Out> {
        if crate::db::turn::held() {
            let txn = crate::db::begin_write(&self.inner.db)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            let out = B::write(&txn, std::slice::from_ref(&item)).await?.pop();
            txn.commit().await?;
            return out.ok_or_else(|| AppError::Internal(anyhow::anyhow!("a batch write answered nothing")));
        }
        let (tx, rx) = oneshot::channel::<AppResult<B::Out>>();
        let job = Job::Many {
            batch: TypeId::of::<B>(),
            item: Box::new(Pending::<B> { item, tx }),
            run: |txn, items| Box::pin(run_many::<B>(txn, items)),
        };
        self.send(job, rx).await
    }

    async fn send<T>(&self, job: Job, rx: oneshot::Receiver<AppResult<T>>) -> AppResult<T> {
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

    /// Batches ([`Batch`]) that failed together and were written again item by item: one
    /// item's failure (a duplicate form token), or a caller gone while its batch was written.
    pub fn fallbacks(&self) -> u64 {
        self.inner.fallbacks.load(Ordering::Relaxed)
    }

    fn queue(&self) -> &mpsc::UnboundedSender<Job> {
        self.inner.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_groups(Arc::downgrade(&self.inner), rx));
            tx
        })
    }
}

/// Runs `fut` as holding the write turn ([`crate::db::turn::holding`]): a [`GroupCommit::run`]
/// inside it writes in a transaction of its own instead of queueing for a group (which would
/// wait for the turn).
pub async fn holding_turn<F: Future>(fut: F) -> F::Output {
    crate::db::turn::holding(fut).await
}

/// Groups committed by this process, and the writes kept in them (`/metrics`:
/// `opsclock_group_commits_total`, `opsclock_group_commit_writes_total`): their ratio is the
/// mean group size.
pub fn counted() -> (u64, u64) {
    (GROUPS.load(Ordering::Relaxed), WRITES.load(Ordering::Relaxed))
}

static GROUPS: AtomicU64 = AtomicU64::new(0);
static WRITES: AtomicU64 = AtomicU64::new(0);

/// The committer's task: a group per round, while anybody can still queue (it holds the
/// committer weakly, so that it ends when the last handle, and with it the queue, is dropped).
async fn run_groups(committer: std::sync::Weak<Inner>, mut rx: mpsc::UnboundedReceiver<Job>) {
    // A write taken from the queue as a group closed: it opens the next group.
    let mut carried: Option<Job> = None;
    loop {
        // (A carried write was counted out of `waiting` when it was taken.)
        let (first, counted) = match carried.take() {
            Some(job) => (job, true),
            None => match rx.recv().await {
                Some(job) => (job, false),
                None => return,
            },
        };
        let Some(inner) = committer.upgrade() else { return };
        let take = |job| {
            inner.waiting.fetch_sub(1, Ordering::Relaxed);
            job
        };
        let _turn = match &inner.turn {
            Some(t) => t.clone().acquire_owned().await.ok(),
            None => None,
        };
        let first = if counted { first } else { take(first) };
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
        let (mut next, mut taken, mut kept, mut poisoned) = (Some(first), 0, 0u64, false);
        // Savepoints begun in the group (a batch is one).
        let mut savepoints = 0;
        let started = std::time::Instant::now();
        // The group's writes read the configuration as of its transaction (one statement for
        // the group): on SQLite exactly what they would read themselves.
        let group = async {
            while let Some(job) = next.take() {
                taken += 1;
                savepoints += 1;
                let rans = match job {
                    Job::One(job) => vec![job(&txn).await],
                    Job::Many { batch, item, run } => {
                        // The items of the same batch queued right behind it join it.
                        let mut items = vec![item];
                        while taken < GroupCommit::MAX_WRITES {
                            match rx.try_recv() {
                                Ok(Job::Many { batch: b, item, .. }) if b == batch => {
                                    inner.waiting.fetch_sub(1, Ordering::Relaxed);
                                    items.push(item);
                                    taken += 1;
                                }
                                Ok(other) => {
                                    next = Some(take(other));
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        let (rans, fell_back) = run(&txn, items).await;
                        if fell_back {
                            inner.fallbacks.fetch_add(1, Ordering::Relaxed);
                            // Each item was written again in a savepoint of its own.
                            savepoints += rans.len();
                        }
                        rans
                    }
                };
                let mut go_on = true;
                for ran in rans {
                    finishes.extend(ran.finish);
                    kept += u64::from(ran.kept);
                    poisoned |= ran.next == Next::Poisoned;
                    go_on &= ran.next == Next::GoOn;
                }
                // A group is closed after MAX savepoints, MAX_WRITES writes or BUDGET, whichever
                // comes first, so that other writers (the sweep, the CLI) get the database in
                // between.
                let full = savepoints >= GroupCommit::MAX || taken >= GroupCommit::MAX_WRITES;
                if !go_on || full || started.elapsed() >= inner.budget {
                    // A write already taken (behind a batch) opens the next group.
                    carried = next.take();
                    break;
                }
                if next.is_none() {
                    next = rx.try_recv().ok().map(take);
                }
            }
        };
        match &inner.cache {
            Some(cache) => cache.read_now(&txn, group).await,
            None => group.await,
        }
        let outcome = if poisoned {
            let _ = txn.rollback().await;
            Err("a savepoint of the group failed, so the whole group was rolled back".to_owned())
        } else {
            txn.commit().await.map_err(|e| e.to_string())
        };
        match &outcome {
            // A group whose writes were all refused or given up on kept nothing: not counted.
            Ok(()) if kept == 0 => {}
            Ok(()) => {
                for (groups, writes) in [(&GROUPS, &WRITES), (&inner.groups, &inner.writes)] {
                    groups.fetch_add(1, Ordering::Relaxed);
                    writes.fetch_add(kept, Ordering::Relaxed);
                }
            }
            Err(why) => {
                tracing::error!(error = %why, writes = kept, "group commit failed; none of its writes is stored")
            }
        }
        for finish in finishes {
            finish(outcome.clone());
        }
    }
}
