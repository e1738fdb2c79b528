//! Issue 25, blocking work: CPU-heavy work of a request runs on tokio's blocking pool, not on
//! the runtime's few worker threads that every other request needs.

use std::future::Future;
use std::pin::Pin;

use crate::support::Harness;

/// The work whose thread is in question, made ready by a setup that may take its time.
type Work = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>>>;

/// Runs `work` on a single-threaded runtime whose blocking pool has one thread, held until another
/// task of the runtime has run: work handed to the blocking pool waits in its queue, so the
/// runtime thread is free and the other task runs; work done on the runtime thread itself holds
/// the thread, so the other task has not run when it returns. Returns whether it had.
///
/// Deterministic: no timing decides it (the earlier form raced a quick blocking job against the
/// spawned task and failed about one run in four for a small CSV).
fn other_task_ran_during<F, Fut>(setup: F) -> bool
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Work>,
{
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let work = setup().await;
        let ran = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        // Hold the only blocking thread until the other task has run (or, if the work never
        // yields, until a generous limit, so a failure is an assertion and not a hang).
        let holder = tokio::task::spawn_blocking(move || {
            let _ = rx.recv_timeout(Duration::from_secs(30));
        });
        let flag = ran.clone();
        tokio::spawn(async move {
            flag.store(true, Ordering::SeqCst);
            let _ = tx.send(());
        });
        work().await;
        let ran = ran.load(Ordering::SeqCst);
        holder.await.unwrap();
        ran
    })
}

/// A report's workbook is written on the blocking pool, not on the runtime thread that serves
/// requests: on a single-threaded runtime, another task gets to run while it is written.
#[test]
fn the_workbook_is_written_off_the_async_threads() {
    use opsclock::app::reports::{self, export};

    for format in [export::Format::Xlsx, export::Format::Csv, export::Format::Html] {
        let ran = other_task_ran_during(|| async move {
            let t = Harness::new(opsclock::db::testing::Backend::Sqlite).await;
            t.open("eng_a", "SA", "fault", "urgent").await;
            let period = reports::Period::parse("2026", chrono_tz::Asia::Shanghai).unwrap();
            let report = reports::breaches(
                &t.state.db,
                &t.state.calendars.snapshot(),
                period,
                reports::Filters::default(),
                None,
                t.now(),
                true,
            )
            .await
            .unwrap();
            Box::new(move || {
                Box::pin(async move {
                    let bytes = export::render_file(report, format, None).await.unwrap();
                    assert!(!bytes.is_empty());
                    drop(t);
                }) as Pin<Box<dyn Future<Output = ()>>>
            }) as Work
        });
        assert!(
            ran,
            "{format:?}: the file was written on the runtime's thread, holding up every other task"
        );
    }
}

/// The catalogue export's file is serialised on the blocking pool too.
#[test]
fn the_catalogue_file_is_written_off_the_async_threads() {
    let ran = other_task_ran_during(|| async move {
        let t = Harness::new(opsclock::db::testing::Backend::Sqlite).await;
        let file = opsclock::app::catalog::export::export(&t.state.db).await.unwrap();
        Box::new(move || {
            Box::pin(async move {
                let text = opsclock::app::catalog::to_toml_off_thread(file).await.unwrap();
                assert!(text.contains("code = \"SA\""), "{text}");
                drop(t);
            }) as Pin<Box<dyn Future<Output = ()>>>
        }) as Work
    });
    assert!(
        ran,
        "the catalogue file was written on the runtime's thread, holding up every other task"
    );
}
