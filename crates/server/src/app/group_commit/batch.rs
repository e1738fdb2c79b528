//! Batches of the group commit ([`Batch`]): the items of one batch queued one after another,
//! written together in one savepoint, or, if that fails, each alone in a savepoint of its own.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use tokio::sync::oneshot;

use super::{Next, Ran, TxnFuture};
use crate::app::{AppError, AppResult};

/// Writes that many callers make alike (opening a ticket): the group writes the items queued
/// one after another with one statement per table instead of one per item, in one savepoint.
///
/// If that fails (one item's unique violation fails the statement it shares with the others),
/// the savepoint is rolled back and each item is written again alone, in a savepoint of its
/// own, as [`GroupCommit::run`] would: so one item's failure fails only that item, and the
/// others are answered as if it had not been there.
pub trait Batch: 'static {
    /// What a caller queues.
    type Item: Send + Sync + 'static;
    /// What the caller is answered, once the group has committed.
    type Out: Send + 'static;
    /// Writes `items` in `txn` and returns each one's answer, in their order.
    fn write<'t>(txn: &'t DatabaseTransaction, items: &'t [Self::Item]) -> TxnFuture<'t, Vec<Self::Out>>;
}

/// An item of batch `B` waiting in the queue, and where its answer goes.
pub(super) struct Pending<B: Batch> {
    pub(super) item: B::Item,
    pub(super) tx: oneshot::Sender<AppResult<B::Out>>,
}

/// How an attempt at writing items in a savepoint of their own failed.
enum Failed {
    /// The write failed and was undone: the transaction goes on.
    Write(AppError),
    /// A savepoint could not be begun, released or rolled back: the group is poisoned.
    Savepoint(AppError),
}

/// Writes `items` in a savepoint of `txn` of their own: kept (released) if the write succeeded
/// and every caller still waits, undone otherwise.
async fn attempt<B: Batch>(
    txn: &DatabaseTransaction,
    items: &[B::Item],
    waiting: impl Fn() -> bool,
) -> Result<Vec<B::Out>, Failed> {
    let savepoint = txn.begin().await.map_err(|e| Failed::Savepoint(e.into()))?;
    let done = AssertUnwindSafe(B::write(&savepoint, items)).catch_unwind().await;
    let done = match done {
        Ok(Ok(outs)) if outs.len() == items.len() && waiting() => Ok(outs),
        Ok(Ok(outs)) if outs.len() == items.len() => Err(AppError::Internal(anyhow::anyhow!(
            "a caller stopped waiting; the batch is written again without it"
        ))),
        Ok(Ok(_)) => Err(AppError::Internal(anyhow::anyhow!(
            "a batch write answered a wrong number of items"
        ))),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(AppError::Internal(anyhow::anyhow!("the write panicked; it was undone"))),
    };
    match done {
        Ok(outs) => match savepoint.commit().await {
            Ok(()) => Ok(outs),
            Err(e) => Err(Failed::Savepoint(e.into())),
        },
        Err(e) => match savepoint.rollback().await {
            Ok(()) => Err(Failed::Write(e)),
            Err(undo) => {
                tracing::error!(error = %undo, "group commit: a failed write could not be rolled back");
                Err(Failed::Savepoint(e))
            }
        },
    }
}

/// Runs the queued items of batch `B` (each a [`Pending`]): together in one savepoint, or, if
/// that fails, each alone in a savepoint of its own, as [`GroupCommit::run`] runs a write.
/// Says too whether the batch fell back to writing its items one by one.
pub(super) async fn run_many<B: Batch>(txn: &DatabaseTransaction, items: Vec<Box<dyn Any + Send>>) -> (Vec<Ran>, bool) {
    let (mut kept, mut txs) = (Vec::with_capacity(items.len()), Vec::with_capacity(items.len()));
    for item in items {
        let Ok(p) = item.downcast::<Pending<B>>() else {
            // Only `run_batched::<B>` queues items under `B`'s type id.
            unreachable!("an item of another batch was queued as this one's");
        };
        // Its caller gave up (a request timed out, a client went away): not run.
        if !p.tx.is_closed() {
            kept.push(p.item);
            txs.push(p.tx);
        }
    }
    let answered = |tx: oneshot::Sender<AppResult<B::Out>>, out: B::Out| Ran {
        next: Next::GoOn,
        kept: true,
        finish: Some(Box::new(move |outcome: Result<(), String>| {
            let _ = tx.send(match outcome {
                Ok(()) => Ok(out),
                Err(why) => Err(AppError::Internal(anyhow::anyhow!(
                    "the transaction was not committed: {why}"
                ))),
            });
        })),
    };
    let fell_back = kept.len() > 1;
    if fell_back {
        match attempt::<B>(txn, &kept, || txs.iter().all(|tx| !tx.is_closed())).await {
            Ok(outs) => {
                return (
                    txs.into_iter().zip(outs).map(|(tx, out)| answered(tx, out)).collect(),
                    false,
                );
            }
            Err(Failed::Savepoint(e)) => return (poison_all(txs, e), false),
            // One by one below: one item's failure (a unique violation shared by the
            // statement) fails only that item.
            Err(Failed::Write(e)) => {
                tracing::warn!(error = %e, items = kept.len(), "a batch write failed; writing each item alone")
            }
        }
    }
    let mut rans = Vec::with_capacity(kept.len());
    let mut txs = txs.into_iter();
    for item in &kept {
        let Some(tx) = txs.next() else { break };
        if tx.is_closed() {
            continue;
        }
        match attempt::<B>(txn, std::slice::from_ref(item), || !tx.is_closed()).await {
            Ok(mut outs) => match outs.pop() {
                Some(out) => rans.push(answered(tx, out)),
                None => rans.push(Ran::skipped()),
            },
            // Its caller went away while it was written: undone, as `run` undoes it.
            Err(Failed::Write(_)) if tx.is_closed() => rans.push(Ran::skipped()),
            Err(Failed::Write(e)) => {
                // A database error (not the request's own mistake) may have ended the whole
                // transaction on SQLite: the group commits what it has after this batch. The
                // batch's other items, already taken, are still tried: if the transaction is
                // gone, their savepoint cannot be begun and the whole group is rolled back.
                let database = matches!(e, AppError::Internal(_)) && e.calendar_not_covered().is_none();
                rans.push(Ran {
                    next: if database { Next::Stop } else { Next::GoOn },
                    kept: false,
                    finish: Some(Box::new(move |_| {
                        let _ = tx.send(Err(e));
                    })),
                });
            }
            Err(Failed::Savepoint(e)) => {
                rans.push(Ran::poisoned(tx, e));
                rans.extend(poison_all(
                    txs.collect(),
                    AppError::Internal(anyhow::anyhow!("a savepoint of the group failed")),
                ));
                break;
            }
        }
    }
    (rans, fell_back)
}

/// Every caller of `txs` answered with an error: the group is rolled back.
fn poison_all<T: Send + 'static>(txs: Vec<oneshot::Sender<AppResult<T>>>, e: AppError) -> Vec<Ran> {
    let why = e.to_string();
    let mut rans = Vec::with_capacity(txs.len());
    let mut first = Some(e);
    for tx in txs {
        let e = first
            .take()
            .unwrap_or_else(|| AppError::Internal(anyhow::anyhow!("{why}")));
        rans.push(Ran::poisoned(tx, e));
    }
    rans
}
