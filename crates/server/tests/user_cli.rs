//! Every `opsclock user …` change is in the audit log, with the operator as the actor, on SQLite
//! and on PostgreSQL (issue 25): the real binary against a migrated database of its own.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

use opsclock::db::entities::{api_tokens, audit_log, sessions, users};
use opsclock::db::testing::{Backend, TestDb, test_now};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

/// Runs `opsclock user ARGS --database URL` as operator `ops-alice`; its stdout.
fn user(url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .env_remove("OPSCLOCK_CONFIG")
        .env_remove("OPSCLOCK_DATABASE_URL")
        .env_remove("SUDO_USER")
        .env("USER", "ops-alice")
        .arg("user")
        .args(args)
        .args(["--database", url])
        .output()
        .expect("opsclock runs");
    assert!(
        out.status.success(),
        "opsclock user {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn every_user_command_is_audited(backend: Backend) {
    let t = TestDb::migrated(backend).await;
    let url = t.url.clone();
    let out = user(
        &url,
        &[
            "add",
            "zhang",
            "--role",
            "admin",
            "--email",
            "zhang@example.com",
            "--phone",
            "138 0013 8000",
        ],
    );
    assert!(out.contains("one-time password: "), "{out}");
    let zhang = users::Entity::find()
        .filter(users::Column::Username.eq("zhang"))
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    // A phone number that is not a mobile one is refused, naming the field; nothing is written.
    let refused = Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .env_remove("OPSCLOCK_CONFIG")
        .env_remove("OPSCLOCK_DATABASE_URL")
        .args([
            "user",
            "notify",
            "zhang",
            "--phone",
            "010 6512 3456",
            "--database",
            &url,
        ])
        .output()
        .expect("opsclock runs");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("phone") && said.contains("not a mainland mobile number"),
        "{said}"
    );
    let out = user(
        &url,
        &[
            "notify",
            "zhang",
            "--role",
            "buyer_ops_lead",
            "--phone",
            "+44 7700 900123",
        ],
    );
    assert!(out.contains("zhang gets SMS at +447700900123"), "{out}");
    let token = user(&url, &["token", "zhang", "--name", "backup", "--expires-in-days", "30"]);
    assert!(token.trim().starts_with("ocp_"), "{token}");
    let issued = api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(zhang.id))
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let valid = issued.expires_at.expect("an expiry") - issued.created_at;
    assert!(
        (valid - chrono::TimeDelta::days(30)).num_seconds().abs() < 60,
        "{valid:?}"
    );
    // A session to be ended by the reset.
    sessions::ActiveModel {
        user_id: Set(zhang.id),
        token_hash: Set("f".repeat(64)),
        created_at: Set(test_now()),
        expires_at: Set(chrono::Utc::now() + chrono::TimeDelta::hours(12)),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    user(&url, &["passwd", "zhang"]);
    assert!(
        sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(zhang.id))
            .one(&t.db)
            .await
            .unwrap()
            .is_none(),
        "the reset ends the user's sessions"
    );
    user(&url, &["revoke-token", &issued.id.to_string()]);
    // The only admin cannot be disabled: nobody could administer opsclock afterwards.
    let refused = Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .env_remove("OPSCLOCK_CONFIG")
        .env_remove("OPSCLOCK_DATABASE_URL")
        .args(["user", "disable", "zhang", "--database", &url])
        .output()
        .expect("opsclock runs");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("the last enabled admin cannot be disabled"), "{said}");
    user(&url, &["add", "li", "--role", "engineer", "--party", "bureau"]);
    assert!(user(&url, &["disable", "li"]).contains("disabled li"));
    user(&url, &["enable", "li"]);

    let log = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&t.db)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log.iter().map(|e| (e.action.as_str(), e.target.as_str())).collect();
    let revoked = issued.id.to_string();
    assert_eq!(
        actions,
        [
            ("user.add", "zhang"),
            ("user.notify", "zhang"),
            ("token.create", "zhang"),
            ("user.reset_password", "zhang"),
            ("token.revoke", revoked.as_str()),
            ("user.add", "li"),
            ("user.disable", "li"),
            ("user.enable", "li"),
        ]
    );
    for e in &log {
        assert_eq!(e.user_id, None, "{e:?}");
        assert_eq!(e.remote_addr.as_deref(), Some("cli"), "{e:?}");
        assert_eq!(e.detail["by"], "cli:ops-alice", "{e:?}");
    }
    assert_eq!(log[0].detail["role"], "admin");
    assert_eq!(log[0].detail["phone"], "13800138000");
    assert_eq!(log[1].detail["phone"], "+447700900123");
    assert_eq!(log[2].detail["name"], "backup");
    assert_eq!(log[3].detail["sessions_ended"], json!(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_user_command_is_audited_on_sqlite() {
    every_user_command_is_audited(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_user_command_is_audited_on_postgres() {
    every_user_command_is_audited(Backend::Postgres).await;
}

/// OWASP ASVS 2.5.1: a one-time password goes to the operator's terminal and nowhere else. The
/// user has an e-mail address, yet nothing waits in the outbox (no mail, no webhook); neither the
/// audit log nor any user row holds it, and on SQLite neither does the database file.
async fn one_time_passwords_go_to_the_operators_terminal_only(backend: Backend) {
    let t = TestDb::migrated(backend).await;
    let url = t.url.clone();
    let added = user(
        &url,
        &[
            "add",
            "li",
            "--role",
            "engineer",
            "--party",
            "bureau",
            "--email",
            "li@example.com",
        ],
    );
    let reset = user(&url, &["passwd", "li"]);
    let first = added
        .split("one-time password: ")
        .nth(1)
        .expect("printed")
        .trim()
        .to_owned();
    let second = reset
        .split("new one-time password for li: ")
        .nth(1)
        .expect("printed")
        .trim()
        .to_owned();
    assert_eq!((first.len(), second.len()), (16, 16), "{added}{reset}");
    assert_ne!(first, second);
    let outbox = opsclock::db::entities::outbox::Entity::find().all(&t.db).await.unwrap();
    assert!(outbox.is_empty(), "{outbox:?}");
    let rows = format!(
        "{:?}{:?}",
        audit_log::Entity::find().all(&t.db).await.unwrap(),
        users::Entity::find().all(&t.db).await.unwrap()
    );
    assert!(rows.contains("li@example.com"), "the rows were read: {rows}");
    for password in [&first, &second] {
        assert!(!rows.contains(password.as_str()), "{password} is stored: {rows}");
    }
    if backend == Backend::Sqlite {
        let file = url.strip_prefix("sqlite://").expect("a SQLite URL");
        let mut bytes = std::fs::read(file).unwrap();
        bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
        assert!(bytes.windows(11).any(|w| w == b"li@example."), "the file was read");
        for password in [&first, &second] {
            assert!(
                !bytes.windows(password.len()).any(|w| w == password.as_bytes()),
                "{password} is in the database file"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_time_passwords_go_to_the_operators_terminal_only_on_sqlite() {
    one_time_passwords_go_to_the_operators_terminal_only(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_time_passwords_go_to_the_operators_terminal_only_on_postgres() {
    one_time_passwords_go_to_the_operators_terminal_only(Backend::Postgres).await;
}
