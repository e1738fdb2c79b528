//! A ticket whose repair clock crosses 50 %, 80 %, breach and two repeats produces exactly those
//! five steps' emails, each once, to the right people, with the right words and threading headers:
//! in Chinese, and with the English copy below for the one reader who asked for it (a second
//! message per step, `….en@`, to that reader alone).

use chrono::TimeDelta;
use opsclock::db::testing::Backend;

use crate::both_backends;
use crate::fixture::{World, at, t0};
use crate::smtp::SmtpServer;

async fn five_steps_five_emails(backend: Backend) {
    let world = World::new(backend).await;
    let smtp = SmtpServer::start();
    let mailer = world.mailer(smtp.port, 8);
    // The vendor's project manager reads the English copy; everyone else Chinese alone.
    {
        use opsclock::db::entities::users;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let updated = users::Entity::update_many()
            .col_expr(users::Column::MailEnglish, Expr::value(true))
            .filter(users::Column::Email.eq("pm@ops.test"))
            .exec(&world.db.db)
            .await
            .unwrap();
        assert_eq!(updated.rows_affected, 1);
    }
    // Urgent fault at 10:00 Beijing, 4 h to repair on 7×24: half at 12:00, 80 % at 13:12,
    // breach just after 14:00, reminders at 14:30 and 15:00.
    let number = world.open(t0(), "4h", t0()).await;
    assert_eq!(number, "INC-2026-000001");

    let script: [(&str, usize); 11] = [
        ("2026-11-23T10:00:00+08:00", 0),
        ("2026-11-23T11:59:59+08:00", 0),
        ("2026-11-23T12:00:00+08:00", 1), // half (the engineer only: one message)
        ("2026-11-23T12:30:00+08:00", 1),
        ("2026-11-23T13:12:00+08:00", 3), // warning (and its English copy for the pm)
        ("2026-11-23T14:00:00+08:00", 3), // the deadline itself is not yet a breach
        ("2026-11-23T14:00:01+08:00", 5), // breach
        ("2026-11-23T14:30:01+08:00", 7), // overdue 1
        ("2026-11-23T14:45:00+08:00", 7),
        ("2026-11-23T15:00:01+08:00", 9), // overdue 2, the last
        ("2026-11-23T20:00:00+08:00", 9),
    ];
    for (when, expected) in script {
        let (_, drained) = world.tick(at(when), &mailer).await;
        assert_eq!(drained.retrying + drained.failed, 0, "at {when}: {drained:?}");
        assert_eq!(smtp.messages().len(), expected, "emails received by {when}");
    }
    // Sweeping and draining again, much later, sends nothing more.
    let (sweep, drained) = world.tick(t0() + TimeDelta::days(2), &mailer).await;
    assert_eq!((sweep.queued, drained.sent), (0, 0));

    let mails = smtp.messages();
    let ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "INC-2026-000001.repair.breach.0.en@ops.test",
            "INC-2026-000001.repair.breach.0@ops.test",
            "INC-2026-000001.repair.half.0@ops.test",
            "INC-2026-000001.repair.overdue.1.en@ops.test",
            "INC-2026-000001.repair.overdue.1@ops.test",
            "INC-2026-000001.repair.overdue.2.en@ops.test",
            "INC-2026-000001.repair.overdue.2@ops.test",
            "INC-2026-000001.repair.warning.0.en@ops.test",
            "INC-2026-000001.repair.warning.0@ops.test",
        ]
    );
    // The Chinese message of a step, and its English copy.
    let by = |step: &str| {
        mails
            .iter()
            .find(|m| m.message_id.contains(step) && !m.message_id.ends_with(".en@ops.test"))
            .unwrap()
    };
    let in_english = |step: &str| {
        mails
            .iter()
            .find(|m| m.message_id.contains(step) && m.message_id.ends_with(".en@ops.test"))
            .unwrap()
    };

    // Recipients by role: the engineer is assignee and on duty (one address); other-pm holds
    // the roles for another vendor and never appears. The pm, who asked for English, gets the
    // copy with it, and not the Chinese one besides.
    let rcpt = |step: &str| by(step).rcpt.clone();
    assert_eq!(rcpt(".half."), ["eng@ops.test"]);
    assert_eq!(rcpt(".warning."), ["eng@ops.test"]);
    assert_eq!(rcpt(".breach."), ["eng@ops.test", "head@ops.test"]);
    for step in [".overdue.1", ".overdue.2"] {
        assert_eq!(rcpt(step), ["duty-desk@bureau.test", "head@ops.test", "lead@ops.test"]);
        assert_eq!(by(step).to, rcpt(step), "To matches the envelope");
    }
    for step in [".warning.", ".breach.", ".overdue.1", ".overdue.2"] {
        assert_eq!(in_english(step).rcpt, ["pm@ops.test"]);
        assert_eq!(in_english(step).subject, by(step).subject, "one subject, in Chinese");
    }

    // Subjects: number, severity, system, the time left or overdue, and the step.
    assert_eq!(
        by(".half.").subject,
        "[紧急] INC-2026-000001 sy-900 数字城管平台：修复 2 小时后超时（时限已用 50%）"
    );
    assert_eq!(
        by(".warning.").subject,
        "[紧急] INC-2026-000001 sy-900 数字城管平台：修复 48 分钟后超时（时限已用 80%）"
    );
    assert!(by(".breach.").subject.ends_with("修复已超时"));
    assert!(
        by(".overdue.1")
            .subject
            .ends_with("修复已超时 30 分钟（第 1/2 次提醒）")
    );
    assert!(by(".overdue.2").subject.ends_with("修复已超时 1 小时（第 2/2 次提醒）"));

    for m in &mails {
        // One thread per ticket.
        assert_eq!(
            m.in_reply_to.as_deref(),
            Some("INC-2026-000001@ops.test"),
            "{}",
            m.message_id
        );
        assert_eq!(m.references, ["INC-2026-000001@ops.test"]);
        // Plain text and HTML alternatives, Chinese first, the deadline in Beijing time, a link.
        assert_eq!(m.content_type, "multipart/alternative");
        let english = m.message_id.ends_with(".en@ops.test");
        let (zh, en) = m.text.split_once("-- English --").unwrap_or((&m.text, ""));
        assert!(zh.contains("截止 2026-11-23 14:00（Asia/Shanghai，日历 24x7）"), "{zh}");
        assert_eq!(
            en.contains("due 2026-11-23 14:00 (Asia/Shanghai, calendar 24x7)"),
            english,
            "{}: {en}",
            m.message_id
        );
        assert_eq!(m.html.contains("lang=\"en\""), english, "{}", m.message_id);
        // The link opens the ticket's page, not the API (lines end in CRLF on the wire).
        let text = m.text.replace("\r\n", "\n");
        let zh = text.split("-- English --").next().unwrap();
        assert!(
            text.contains("https://opsclock.test/tickets/INC-2026-000001\n"),
            "{text}"
        );
        assert!(
            m.html
                .contains("href=\"https://opsclock.test/tickets/INC-2026-000001\"")
        );
        assert!(!m.text.contains("/api/v1/"), "{}", m.text);
        // What to do, who works on it and who is on duty (no roster: the on_duty role's holder
        // for this system's vendor, never the other vendor's).
        assert!(
            zh.contains("请尽快恢复服务") || zh.contains("已超时，请立即恢复服务"),
            "{zh}"
        );
        assert!(zh.contains("处理人：eng（eng@ops.test）\n"), "{zh}");
        assert!(zh.contains("值班联系人：eng（eng@ops.test）\n"), "{zh}");
        assert!(!m.text.contains("other-pm"), "{}", m.text);
        assert!(m.html.contains("name=\"viewport\""));
        assert!(m.html.contains("数字城管平台"));
    }
    assert!(
        by(".warning.")
            .text
            .replace("\r\n", "\n")
            .contains("升级步骤：时限已用 80%\n")
    );
    assert!(in_english(".warning.").text.contains("warning (80% of the time used)"));
    assert!(
        in_english(".overdue.2")
            .text
            .contains("overdue (every 30m after breach, reminder 2 of 2)")
    );

    // The outbox recorded each step once, sent, with the SMTP server's answer.
    let rows = world.outbox().await;
    assert_eq!(rows.len(), 9);
    for r in &rows {
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 1), "{}", r.dedup_key);
        let detail = opsclock::app::outbox::get(&world.db.db, r.id).await.unwrap().unwrap();
        assert!(detail.attempts_log[0].ok && detail.attempts_log[0].response.starts_with("250"));
    }
}
both_backends!(five_steps, five_steps_five_emails);

/// A ticket resolved before its 80 % step hears nothing more; one paused stops escalating.
async fn a_resolved_ticket_stops_escalating(backend: Backend) {
    use ticket_domain::{Command, Resolution};
    let world = World::new(backend).await;
    let smtp = SmtpServer::start();
    let mailer = world.mailer(smtp.port, 8);
    let number = world.open(t0(), "4h", t0()).await;
    world.tick(at("2026-11-23T12:00:00+08:00"), &mailer).await;
    assert_eq!(smtp.messages().len(), 1);

    // Acknowledge, start and resolve at 12:30.
    let now = at("2026-11-23T12:30:00+08:00");
    for command in [
        Command::Acknowledge { at: now },
        Command::Start { at: now },
        Command::Resolve {
            at: now,
            resolution: Resolution {
                root_cause: "进程挂起".into(),
                fix: "重启服务".into(),
                impact_from: t0(),
                impact_to: now,
                follow_up: None,
            },
        },
    ] {
        world.act(&number, command, now).await;
    }
    for t in [
        "2026-11-23T13:12:00+08:00",
        "2026-11-23T14:00:01+08:00",
        "2026-11-24T10:00:00+08:00",
    ] {
        let (sweep, _) = world.tick(at(t), &mailer).await;
        assert_eq!(sweep.queued, 0, "at {t}");
    }
    assert_eq!(smtp.messages().len(), 1);
}
both_backends!(resolved_ticket, a_resolved_ticket_stops_escalating);

/// A ladder changed while a ticket is open applies at the next sweep: a new step already past is
/// sent (late rather than never), steps already sent are not sent again.
async fn a_changed_ladder_applies_to_open_tickets(backend: Backend) {
    use opsclock::app::escalation::ladders::{self, Scope};
    let world = World::new(backend).await;
    let smtp = SmtpServer::start();
    let mailer = world.mailer(smtp.port, 8);
    world.open(t0(), "4h", t0()).await;
    world.tick(at("2026-11-23T12:00:00+08:00"), &mailer).await;
    // A sweep long before the 80 % step: the clock is not due again until 13:12.
    let (sweep, _) = world.tick(at("2026-11-23T12:10:00+08:00"), &mailer).await;
    assert_eq!(sweep.clocks, 0, "an idle clock is not looked at");

    let mut steps = crate::fixture::test_ladder().steps().to_vec();
    steps.insert(
        0,
        sla_clock::LadderStep {
            id: "early".into(),
            when: "25%".parse().unwrap(),
            notify: vec!["lead@ops.test".parse().unwrap()],
            channels: sla_clock::Channel::default_set(),
        },
    );
    let ladder = sla_clock::Ladder::new(steps).unwrap();
    let changed = ladders::set(
        &world.db.db,
        &world.calendars,
        &Scope::Policy("p-test".into()),
        Some(&ladder),
        t0(),
    )
    .await
    .unwrap();
    assert!(changed);
    let (sweep, drained) = world.tick(at("2026-11-23T12:11:00+08:00"), &mailer).await;
    assert_eq!((sweep.queued, drained.sent), (1, 1));
    let mails = smtp.messages();
    let ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "INC-2026-000001.repair.early.0@ops.test",
            "INC-2026-000001.repair.half.0@ops.test"
        ]
    );
}
both_backends!(changed_ladder, a_changed_ladder_applies_to_open_tickets);

/// A resume dated a minute ahead of when it was written (the API allows a little clock skew)
/// counts in the sweep as it does in the ticket write: the clock is running, not paused.
async fn a_resume_dated_ahead_still_escalates(backend: Backend) {
    use ticket_domain::{Command, PauseReason};
    let world = World::new(backend).await;
    let smtp = SmtpServer::start();
    let mailer = world.mailer(smtp.port, 8);
    let number = world.open(t0(), "4h", t0()).await;
    let at11 = at("2026-11-23T11:00:00+08:00");
    world.act(&number, Command::Acknowledge { at: at11 }, at11).await;
    world.act(&number, Command::Start { at: at11 }, at11).await;
    let pause = Command::Pause {
        at: at11,
        reason: PauseReason::AwaitingReporter,
        note: None,
    };
    world.act(&number, pause, at11).await;
    // Resumed at 12:01, written at 12:00; the paused hour moves the 50 % step to 13:01.
    let (noon, resumed) = (at("2026-11-23T12:00:00+08:00"), at("2026-11-23T12:01:00+08:00"));
    world.act(&number, Command::Resume { at: resumed }, noon).await;
    // Something wakes the clock at noon (here: the ladder is set again, changed).
    let mut ladder = crate::fixture::test_ladder().steps().to_vec();
    ladder[0].notify.push("noc@ops.test".parse().unwrap());
    let ladder = sla_clock::Ladder::new(ladder).unwrap();
    opsclock::app::escalation::ladders::set(
        &world.db.db,
        &world.calendars,
        &opsclock::app::escalation::ladders::Scope::Policy("p-test".into()),
        Some(&ladder),
        noon,
    )
    .await
    .unwrap();
    world.tick(noon, &mailer).await;
    let (_, drained) = world.tick(at("2026-11-23T13:01:00+08:00"), &mailer).await;
    assert_eq!(drained.sent, 1, "the 50 % step after the pause");
    assert_eq!(smtp.messages()[0].rcpt, ["eng@ops.test", "noc@ops.test"]);
}
both_backends!(resume_ahead, a_resume_dated_ahead_still_escalates);
