//! Issue 25, large catalogue files: checked in linear time, capped, cancelled with their request,
//! and a dry run does not hold up the writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use opsclock::app::catalog::{self, check};

use crate::both;
use crate::support::Harness;

/// A catalogue of `n` vendors and `n` systems (each system under its own vendor), valid on the
/// harness's built-in calendars.
fn generated(n: usize) -> String {
    let mut text = String::from(
        "format = 1\n\n[[units]]\ncode = \"gu\"\nname = \"生成的单位\"\n\n[[policies]]\ncode = \"gp\"\nname = \"生成的策略\"\n\n\
         [[policies.tiers]]\nlabel = \"紧急故障\"\nseverity = \"urgent\"\nresponse = \"30m\"\nrepair = \"8h\"\n",
    );
    for i in 0..n {
        text.push_str(&format!("\n[[vendors]]\ncode = \"gv-{i}\"\nname = \"服务商 {i}\"\n"));
    }
    for i in 0..n {
        text.push_str(&format!(
            "\n[[systems]]\ncode = \"gs-{i}\"\nname = \"系统 {i}\"\nunit = \"gu\"\nvendors = [\"gv-{i}\"]\n\
             policy = \"gp\"\ncalendar = \"24x7\"\nservice_mode = \"remote\"\n"
        ));
    }
    text
}

fn known() -> catalog::Known {
    catalog::Known {
        calendars: ["24x7".to_owned()].into(),
        ..Default::default()
    }
}

/// The fastest of three checks of a parsed file (the parse is not timed).
fn check_time(text: &str) -> Duration {
    let file = catalog::parse(text).unwrap();
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let cat = check::check(&file, text, &known()).unwrap();
            assert_eq!(cat.systems.len(), file.systems.len());
            started.elapsed()
        })
        .min()
        .unwrap()
}

/// Four times the entries take about four times as long to check, not sixteen (a ratio, so
/// that a slow machine does not fail it; counting newlines from the top for each entry, as the
/// check did, made this about 16).
#[test]
fn the_check_is_linear_in_the_size_of_the_file() {
    let (small, large) = (generated(1_500), generated(6_000));
    let (t_small, t_large) = (check_time(&small), check_time(&large));
    let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 8.0,
        "4× the entries took {ratio:.1}× as long ({t_small:?} → {t_large:?}): not linear"
    );
}

/// The check stops at the next entry once its future is dropped (a request that timed out or
/// whose client went away).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_import_stops_the_check() {
    let n = 10_000;
    let text = generated(n);
    let progress = Arc::new(check::Progress::default());
    let mut load = Box::pin(catalog::load_with(&text, known(), progress.clone()));
    // Run it until the check is under way.
    loop {
        tokio::select! {
            done = &mut load => panic!("the check finished before it could be dropped: {:?}", done.err()),
            () = tokio::time::sleep(Duration::from_millis(1)) => {}
        }
        if progress.examined.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            break;
        }
    }
    drop(load);
    // Wait for the blocking thread to return, however it ends.
    let started = Instant::now();
    while !progress.finished.load(std::sync::atomic::Ordering::Relaxed) {
        assert!(started.elapsed() < Duration::from_secs(300), "the check never returned");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last = progress.examined.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        last < n,
        "the check went on after its request was dropped: {last} of {} entries examined",
        2 * n + 2
    );
}

both!(a_file_over_the_entry_cap_is_refused, |t: Harness| async move {
    let text = generated(check::MAX_ENTRIES / 2 + 1);
    let answer = t
        .raw(
            "admin",
            Method::POST,
            "/api/v1/catalog/import?dry_run=true",
            Some("application/toml"),
            text.into_bytes(),
        )
        .await;
    let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-file");
    assert!(detail.contains(&format!("at most {}", check::MAX_ENTRIES)), "{detail}");
    assert_eq!(
        t.get("admin", "/api/v1/vendors")
            .await
            .expect(StatusCode::OK)
            .as_array()
            .map(Vec::len),
        Some(2),
        "nothing was imported"
    );
});

/// On SQLite writes take turns; a dry run of the import only reads, so it does not wait for (or
/// hold) a turn while it checks the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_does_not_wait_for_the_write_turn() {
    let t = Harness::new(opsclock::db::testing::Backend::Sqlite).await;
    let text = generated(50);
    let upload = |query: &'static str| {
        let (t, text) = (&t, text.clone());
        async move {
            t.raw(
                "admin",
                Method::POST,
                &format!("/api/v1/catalog/import{query}"),
                Some("application/toml"),
                text.into_bytes(),
            )
            .await
        }
    };
    let turn = t
        .state
        .turn
        .clone()
        .expect("SQLite takes turns")
        .acquire_owned()
        .await
        .unwrap();
    // A real import waits for the turn someone else holds ...
    assert!(
        tokio::time::timeout(Duration::from_millis(500), upload(""))
            .await
            .is_err(),
        "the real import did not wait for the write turn"
    );
    // ... a dry run does not.
    let dry = tokio::time::timeout(Duration::from_secs(20), upload("?dry_run=true"))
        .await
        .expect("the dry run waited for the write turn")
        .expect(StatusCode::OK);
    assert_eq!(dry["created"].as_u64(), Some(102), "{dry}");
    drop(turn);
    let done = upload("").await.expect(StatusCode::OK);
    assert_eq!(done["created"].as_u64(), Some(102), "{done}");
}
