//! The command line: ladders from files, escalation roles, the outbox, the monthly summary.

use std::process::Command;

use chrono::{TimeDelta, Utc};
use opsclock::db::testing::Backend;
use sla_clock::Ladder;

use crate::fixture::{World, t0};
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

    // A ticket with due steps; nobody sends them (no mailer runs), so they wait in the outbox. The
    // ticket and the sweep are on the injected clock; the commands below run on the system clock.
    let now = t0();
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
    // The command queued the summary at the system clock's now: the mailer must be there too.
    world.time.set(Utc::now().max(now));
    world.mailer(smtp.port, 3).drain().await.unwrap();
    let summary = smtp
        .messages()
        .into_iter()
        .find(|m| m.message_id.starts_with("summary."))
        .expect("the summary was sent");
    assert_eq!(summary.rcpt, ["head@ops.test", "lead@ops.test"]);
    assert!(summary.subject.contains("工单 1，超时 0"), "{}", summary.subject);
    assert!(summary.text.contains(&format!("/reports/breaches?period={month}")));
    // The unit head sees one unit only: no workbook of the whole install goes to that list.
    assert_eq!(summary.content_type, "multipart/alternative");
    assert!(summary.attachments.is_empty());

    // Readers who all see everything get the month's breach report as a workbook that Excel
    // (here calamine) opens.
    use opsclock::db::entities::{outbox, users};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    users::Entity::update_many()
        .col_expr(users::Column::UnitId, Expr::value(Option::<i64>::None))
        .col_expr(users::Column::VendorId, Expr::value(Option::<i64>::None))
        .filter(users::Column::Username.is_in(["head", "lead"]))
        .exec(&world.db.db)
        .await
        .unwrap();
    outbox::Entity::delete_many()
        .filter(outbox::Column::DedupKey.eq(format!("summary/{month}")))
        .exec(&world.db.db)
        .await
        .unwrap();
    let smtp = SmtpServer::start();
    let (ok, out, _) = opsclock(&["outbox", "summary", "--month", &month], &url);
    assert!(ok && out.contains("queued"), "{out}");
    world.time.set(Utc::now().max(now));
    world.mailer(smtp.port, 3).drain().await.unwrap();
    let summary = smtp
        .messages()
        .into_iter()
        .find(|m| m.message_id.starts_with("summary."))
        .expect("the summary was sent");
    assert_eq!(summary.content_type, "multipart/mixed");
    let [(name, content_type, bytes)] = &summary.attachments[..] else {
        panic!("one attachment expected: {:?}", summary.attachments.len());
    };
    assert_eq!(name, &format!("breaches-{month}.xlsx"));
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let summary_sheet = book.worksheet_range("概况").unwrap();
    assert_eq!(summary_sheet.get_value((1, 1)).unwrap().to_string(), month);
    assert_eq!(
        summary_sheet.get_value((3, 1)),
        Some(&calamine::Data::Float(1.0)),
        "受理工单"
    );

    // The same report from the command line, as the README shows it.
    let file = std::env::temp_dir().join(format!("opsclock-report-{}.xlsx", std::process::id()));
    let (ok, _, err) = opsclock(
        &[
            "report",
            "breaches",
            "--period",
            &month,
            "--format",
            "xlsx",
            "-o",
            file.to_str().unwrap(),
        ],
        &url,
    );
    assert!(ok && err.contains("1 tickets"), "{err}");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    assert_eq!(
        book.sheet_names().len(),
        15,
        "with 满意度, 故障记录, 分类统计, 巡检, 定期报告 and 设备指标"
    );
    assert_eq!(
        book.worksheet_range("概况").unwrap().get_value((3, 1)),
        Some(&calamine::Data::Float(1.0))
    );
    let (ok, out, _) = opsclock(
        &[
            "report",
            "breaches",
            "--period",
            &month,
            "--format",
            "csv",
            "--section",
            "clocks",
            "-o",
            "-",
        ],
        &url,
    );
    assert!(
        ok && out.starts_with("\u{feff}时钟,总数,达标,超时,进行中,已取消,达标率"),
        "{out}"
    );
    let (ok, _, err) = opsclock(&["report", "breaches", "--period", "March"], &url);
    assert!(!ok && err.contains("is not a period"), "{err}");
    // Contracts from a file: the shipped 003 contract needs its vendor first.
    let sme = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/contracts/sme-platform-2025.toml"
    );
    let (ok, _, err) = opsclock(&["contract", "set", sme], &url);
    assert!(!ok && err.contains("no vendor with code \"sme-om\""), "{err}");
    let text = std::fs::read_to_string(sme)
        .unwrap()
        .replace("\"sme-om\"", "\"vendor-a\"");
    let mine = std::env::temp_dir().join(format!("opsclock-contract-{}.toml", std::process::id()));
    std::fs::write(&mine, text).unwrap();
    let (ok, out, err) = opsclock(&["contract", "set", mine.to_str().unwrap()], &url);
    assert!(ok && out.contains("sme-platform-2025: contract set"), "{out}{err}");
    let (ok, out, _) = opsclock(&["contract", "set", mine.to_str().unwrap()], &url);
    assert!(ok && out.contains("unchanged"), "{out}");
    let (ok, out, _) = opsclock(&["contract", "list"], &url);
    assert!(
        ok && out.contains("price ¥3,278,000.00  12 months  22 rule(s)"),
        "{out}"
    );
    let _ = std::fs::remove_file(&mine);
    let _ = std::fs::remove_file(&file);
}
