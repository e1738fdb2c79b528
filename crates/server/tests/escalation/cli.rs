//! The command line: ladders from files, escalation roles, the outbox, the monthly summary.

use std::process::Command;

use chrono::{TimeDelta, Utc};
use opsclock::db::testing::Backend;
use sla_clock::Ladder;

use crate::fixture::World;
use crate::smtp::SmtpServer;

fn opsclock(args: &[&str], database: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .args(args)
        .args(["--database", database])
        .env(
            "OPSCLOCK_CONFIG",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/opsclock.toml"),
        )
        .output()
        .expect("running opsclock");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DEFAULT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/ladders/default.toml");

#[test]
fn the_shipped_ladder_file_is_the_built_in_default() {
    let text = std::fs::read_to_string(DEFAULT_FILE).unwrap();
    let ladder: Ladder = toml::from_str(&text).unwrap();
    assert_eq!(ladder, Ladder::default_ladder());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ladders_roles_outbox_and_summary_from_the_command_line() {
    let world = World::new(Backend::Sqlite).await;
    let url = world.db.url.clone();

    let (ok, out, _) = opsclock(&["ladder", "show", "default"], &url);
    assert!(ok);
    assert_eq!(toml::from_str::<Ladder>(&out).unwrap(), Ladder::default_ladder());
    let (ok, out, _) = opsclock(&["ladder", "set", "p-test:urgent", DEFAULT_FILE], &url);
    assert!(ok && out.contains("ladder set"), "{out}");
    let (ok, out, _) = opsclock(&["ladder", "set", "p-test:urgent", DEFAULT_FILE], &url);
    assert!(ok && out.contains("unchanged"), "{out}");
    let (ok, out, _) = opsclock(&["ladder", "list"], &url);
    assert!(
        ok && out.contains("p-test:urgent") && out.contains("every 1h after breach, 8 times"),
        "{out}"
    );
    let (ok, _, err) = opsclock(&["ladder", "set", "nope", DEFAULT_FILE], &url);
    assert!(!ok && err.contains("no policy with code \"nope\""), "{err}");
    let (ok, out, _) = opsclock(&["ladder", "remove", "p-test:urgent"], &url);
    assert!(ok && out.contains("removed"), "{out}");

    let (ok, out, _) = opsclock(
        &[
            "user",
            "notify",
            "head",
            "--role",
            "unit_head",
            "--role",
            "buyer_ops_lead",
        ],
        &url,
    );
    assert!(
        ok && out.contains("head <head@ops.test> holds: unit_head, buyer_ops_lead"),
        "{out}"
    );
    let (ok, _, err) = opsclock(&["user", "notify", "head", "--email", "not an address"], &url);
    assert!(!ok && err.contains("not an email address"), "{err}");

    // A ticket with due steps; nobody sends them (no mailer runs), so they wait in the outbox.
    let now = Utc::now();
    world.open(now - TimeDelta::hours(3), "4h", now).await;
    world.time.set(now);
    world.sweeper().sweep().await.unwrap();
    let (ok, out, _) = opsclock(&["outbox", "list"], &url);
    assert!(ok && out.starts_with("outbox: pending 1"), "{out}");
    assert!(out.contains("INC-2026-000001/repair/half/0"), "{out}");
    let (ok, out, _) = opsclock(&["outbox", "retry", "--all-failed"], &url);
    assert!(ok && out.starts_with("0 failed"), "{out}");

    // The month's summary is queued once, however often asked, and reaches the managers.
    let month = now
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m")
        .to_string();
    let (ok, out, _) = opsclock(&["outbox", "summary", "--month", &month], &url);
    assert!(ok && out.contains("queued"), "{out}");
    let (ok, out, _) = opsclock(&["outbox", "summary", "--month", &month], &url);
    assert!(ok && out.contains("not queued"), "{out}");
    let smtp = SmtpServer::start();
    world.time.set(Utc::now());
    world.mailer(smtp.port, 3).drain().await.unwrap();
    let summary = smtp
        .messages()
        .into_iter()
        .find(|m| m.message_id.starts_with("summary."))
        .expect("the summary was sent");
    assert_eq!(summary.rcpt, ["head@ops.test", "lead@ops.test"]);
    assert!(summary.subject.contains("工单 1，超时 0"), "{}", summary.subject);
    assert!(summary.text.contains(&format!("/reports/breaches?period={month}")));
}
