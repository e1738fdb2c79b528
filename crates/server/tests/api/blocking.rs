//! Issue 25, blocking work: CPU-heavy work of a request runs on tokio's blocking pool, not on
//! the runtime's few worker threads that every other request needs.

use crate::support::Harness;

/// A report's workbook is written on the blocking pool, not on the runtime thread that serves
/// requests: on a single-threaded runtime, another task gets to run while it is written.
#[tokio::test(flavor = "current_thread")]
async fn the_workbook_is_written_off_the_async_threads() {
    use opsclock::app::reports::{self, export};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

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
    for format in [export::Format::Xlsx, export::Format::Csv, export::Format::Html] {
        let other = Arc::new(AtomicBool::new(false));
        let flag = other.clone();
        // Ready at once, but it runs only when the test's thread is free.
        tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
        let bytes = export::render_file(report.clone(), format, None).await.unwrap();
        assert!(!bytes.is_empty());
        assert!(
            other.load(Ordering::SeqCst),
            "{format:?}: the file was written on the runtime's thread, holding up every other task"
        );
    }
}

/// The catalogue export's file is serialised on the blocking pool too.
#[tokio::test(flavor = "current_thread")]
async fn the_catalogue_file_is_written_off_the_async_threads() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let t = Harness::new(opsclock::db::testing::Backend::Sqlite).await;
    let file = opsclock::app::catalog::export::export(&t.state.db).await.unwrap();
    let other = Arc::new(AtomicBool::new(false));
    let flag = other.clone();
    tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
    let text = opsclock::app::catalog::to_toml_off_thread(file).await.unwrap();
    assert!(text.contains("code = \"SA\""), "{text}");
    assert!(
        other.load(Ordering::SeqCst),
        "the catalogue file was written on the runtime's thread, holding up every other task"
    );
}
