//! Event notices through a real SMTP server (aiosmtpd): an urgent ticket's people hear of it in
//! the first sweep, each once, with a link that acknowledges as them — once; a minor ticket's
//! notice to someone in their quiet hours waits for the morning; a re-grade and a resolution
//! tell whom the rules say.

use chrono::TimeDelta;
use opsclock::app::audit::ClientAddr;
use opsclock::app::notices::Rules;
use opsclock::db::entities::{outbox, tickets, users};
use opsclock::db::testing::Backend;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::both_backends;
use crate::fixture::{World, at, t0};
use crate::smtp::SmtpServer;

fn context(world: &World) -> opsclock::app::Context {
    let mut ctx = opsclock::app::Context::new(
        world.db.db.clone(),
        opsclock::calendars::Calendars::fixed((*world.calendars).clone()),
    );
    ctx.time = world.time.clone();
    ctx
}

/// The link in a mail's text: `https://opsclock.test/a/TOKEN`.
fn link_token(text: &str) -> Option<String> {
    let i = text.find("https://opsclock.test/a/")?;
    Some(
        text[i + "https://opsclock.test/a/".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

async fn urgent_ticket_tells_its_people_at_once(backend: Backend) {
    let world = World::new(backend).await;
    let smtp = SmtpServer::start();
    let mailer = world.mailer(smtp.port, 8);
    let number = world.open(t0(), "4h", t0()).await;
    // One sweep after the ticket was written: every notice of the rules, each person once.
    let sweeper = world.sweeper_with(Rules::builtin());
    world.time.set(t0() + TimeDelta::seconds(30));
    let swept = sweeper.sweep().await.unwrap();
    let drained = mailer.drain().await.unwrap();
    assert_eq!(drained.failed + drained.retrying, 0, "{drained:?}");
    let mails = smtp.messages();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.rcpt.clone()).collect();
    to.sort();
    // assignee + on duty (eng, once), vendor manager (pm), unit head (head); not the other
    // vendor's pm, not the buyer's ops lead.
    assert_eq!(to, ["eng@ops.test", "head@ops.test", "pm@ops.test"], "{swept:?}");
    for m in &mails {
        assert_eq!(
            m.subject,
            format!("[紧急] 新工单 {number} sy-900 数字城管平台：城管案件上报失败")
        );
        assert!(m.text.contains("级别：紧急"), "{}", m.text);
        assert_eq!(m.in_reply_to.as_deref(), Some(format!("{number}@ops.test").as_str()));
        // No out-of-office answers it (RFC 3834); mail in ignores such answers anyway.
        assert_eq!(m.auto_submitted.as_deref(), Some("auto-generated"));
    }
    // The engineer and the vendor's manager may acknowledge: their mails carry a link; the unit
    // head (buyer side) may not: no link.
    let text_of = |who: &str| {
        mails
            .iter()
            .find(|m| m.rcpt == [who.to_owned()])
            .map(|m| m.text.clone())
            .unwrap()
    };
    assert!(link_token(&text_of("head@ops.test")).is_none());
    let token = link_token(&text_of("eng@ops.test")).expect("the engineer's link");
    assert_eq!(token.len(), 22);
    assert!(link_token(&text_of("pm@ops.test")).is_some());
    // Sweeping again sends nothing more.
    world.time.set(t0() + TimeDelta::seconds(60));
    let again = sweeper.sweep().await.unwrap();
    mailer.drain().await.unwrap();
    assert_eq!(again.queued, 0);
    assert_eq!(smtp.messages().len(), 3);

    // The link: looking changes nothing; the tap acknowledges as the engineer; a replay does
    // nothing and says so.
    let ctx = context(&world);
    let from = ClientAddr(Some("phone".into()));
    use opsclock::app::action_links::{self, LinkState};
    let seen = action_links::peek(&ctx, &token).await.unwrap();
    assert_eq!(seen.state, LinkState::Ready);
    assert_eq!(seen.number, number);
    let row = |n: String| {
        let db = world.db.db.clone();
        async move {
            tickets::Entity::find()
                .filter(tickets::Column::Number.eq(n))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    assert!(row(number.clone()).await.acknowledged_at.is_none());
    // A disabled account's link is refused and stays unused: enabled again, it works.
    let disable = |off: bool| {
        let db = world.db.db.clone();
        async move {
            users::Entity::update_many()
                .col_expr(users::Column::Disabled, Expr::value(off))
                .filter(users::Column::Username.eq("eng"))
                .exec(&db)
                .await
                .unwrap();
        }
    };
    disable(true).await;
    let refused = action_links::acknowledge(&ctx, &from, &token).await.unwrap();
    assert_eq!(refused.state, LinkState::Refused, "{refused:?}");
    assert!(row(number.clone()).await.acknowledged_at.is_none());
    disable(false).await;
    assert_eq!(action_links::peek(&ctx, &token).await.unwrap().state, LinkState::Ready);
    world.time.set(t0() + TimeDelta::minutes(3));
    let done = action_links::acknowledge(&ctx, &from, &token).await.unwrap();
    assert_eq!(done.state, LinkState::Done, "{done:?}");
    assert_eq!(done.acknowledged_by.as_deref(), Some("eng"), "{done:?}");
    let acked = row(number.clone()).await;
    assert_eq!(acked.acknowledged_at, Some(t0() + TimeDelta::minutes(3)));
    let version = acked.version;
    let replay = action_links::acknowledge(&ctx, &from, &token).await.unwrap();
    assert_eq!(replay.state, LinkState::Used);
    assert_eq!(row(number.clone()).await.version, version, "a replay writes nothing");
    // The manager's link, tapped after: the ticket is acknowledged already.
    let pm = link_token(&text_of("pm@ops.test")).unwrap();
    let late = action_links::acknowledge(&ctx, &from, &pm).await.unwrap();
    assert_eq!(late.state, LinkState::AlreadyAcknowledged);
    assert!(late.acknowledged_at.is_some());
    assert_eq!(late.acknowledged_by, None, "nor who acknowledged it");
    assert!(
        late.title.is_empty(),
        "a link that cannot act shows nothing of the ticket"
    );
    // An unknown token is not found.
    assert!(action_links::peek(&ctx, "nonsense").await.is_err());
}
both_backends!(
    an_urgent_ticket_tells_its_people_at_once_and_a_link_acknowledges_once,
    urgent_ticket_tells_its_people_at_once
);

async fn a_link_expires(backend: Backend) {
    use opsclock::app::action_links::{self, LinkState};
    let world = World::new(backend).await;
    let smtp = SmtpServer::start();
    let mailer = world.mailer(smtp.port, 8);
    world.open(t0(), "4h", t0()).await;
    world.time.set(t0() + TimeDelta::seconds(30));
    world.sweeper_with(Rules::builtin()).sweep().await.unwrap();
    mailer.drain().await.unwrap();
    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.rcpt == ["eng@ops.test"])
        .unwrap();
    let token = link_token(&mail.text).unwrap();
    let ctx = context(&world);
    // 24 hours from when the message could go, then no more.
    let sent = t0() + TimeDelta::seconds(30);
    world.time.set(sent + TimeDelta::hours(24) - TimeDelta::seconds(1));
    assert_eq!(action_links::peek(&ctx, &token).await.unwrap().state, LinkState::Ready);
    world.time.set(sent + TimeDelta::hours(24));
    let late = action_links::acknowledge(&ctx, &ClientAddr(None), &token)
        .await
        .unwrap();
    assert_eq!(late.state, LinkState::Expired);
    assert!(late.title.is_empty() && late.person.is_empty());
    let t = tickets::Entity::find().one(&world.db.db).await.unwrap().unwrap();
    assert!(t.acknowledged_at.is_none());
}
both_backends!(a_link_expires_a_day_after_its_message_could_go, a_link_expires);

async fn quiet_hours_hold_what_is_not_urgent(backend: Backend) {
    let world = World::new(backend).await;
    let smtp = SmtpServer::start();
    let mailer = world.mailer(smtp.port, 8);
    // The vendor's manager keeps email quiet from 22:00 to 07:00.
    users::Entity::update_many()
        .col_expr(
            users::Column::QuietHours,
            Expr::value(serde_json::json!({"email": {"from": "22:00", "to": "07:00"}})),
        )
        .filter(users::Column::Username.eq("pm"))
        .exec(&world.db.db)
        .await
        .unwrap();
    // An urgent ticket at 23:00 goes to everyone at once, quiet hours or not.
    let night = at("2026-11-23T23:00:00+08:00");
    world.time.set(night);
    let urgent = world.open(night, "4h", night).await;
    let sweeper = world.sweeper_with(Rules::builtin());
    sweeper.sweep().await.unwrap();
    mailer.drain().await.unwrap();
    assert!(smtp.messages().iter().any(|m| m.rcpt == ["pm@ops.test"]));
    // Re-graded to serious at 23:10: the notice to pm waits until 07:00; the others go.
    world
        .act(
            &urgent,
            ticket_domain::Command::Regrade {
                at: night + TimeDelta::minutes(10),
                severity: sla_clock::Severity::Serious,
                reason: "影响范围小于预估".into(),
                targets: Default::default(),
            },
            night + TimeDelta::minutes(10),
        )
        .await;
    world.time.set(night + TimeDelta::minutes(11));
    sweeper.sweep().await.unwrap();
    mailer.drain().await.unwrap();
    let regrades = |smtp: &SmtpServer| {
        smtp.messages()
            .into_iter()
            .filter(|m| m.subject.contains("重新定级"))
            .flat_map(|m| m.rcpt)
            .collect::<Vec<_>>()
    };
    let mut now_sent = regrades(&smtp);
    now_sent.sort();
    assert_eq!(now_sent, ["eng@ops.test", "head@ops.test"]);
    let held: Vec<outbox::Model> = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("notice"))
        .filter(outbox::Column::Status.eq("pending"))
        .all(&world.db.db)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].next_attempt_at, at("2026-11-24T07:00:00+08:00"));
    assert!(
        held[0]
            .note
            .as_deref()
            .unwrap()
            .contains("quiet hours: held until 2026-11-24 07:00")
    );
    let m = smtp
        .messages()
        .into_iter()
        .find(|m| m.subject.contains("重新定级"))
        .unwrap();
    assert!(
        m.text.contains("级别：紧急 → 严重；原因：影响范围小于预估"),
        "{}",
        m.text
    );
    // At 07:00 it goes.
    world.time.set(at("2026-11-24T07:00:00+08:00"));
    mailer.drain().await.unwrap();
    assert_eq!(regrades(&smtp).len(), 3);
}
both_backends!(
    quiet_hours_hold_a_notice_that_is_not_urgent_until_they_end,
    quiet_hours_hold_what_is_not_urgent
);

/// A world with three urgent tickets opened at t0, their numbers, and the second's row.
async fn three_urgent_tickets(backend: Backend) -> (World, Vec<String>, tickets::Model) {
    let world = World::new(backend).await;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        numbers.push(world.open(t0(), "4h", t0()).await);
    }
    let second = tickets::Entity::find()
        .filter(tickets::Column::Number.eq(numbers[1].clone()))
        .one(&world.db.db)
        .await
        .unwrap()
        .unwrap();
    (world, numbers, second)
}

fn test_links() -> opsclock::app::escalation::Links {
    opsclock::app::escalation::Links::new(Some("https://opsclock.test"), "unused", "ops.test".into())
}

/// The notice sweep's environment in `world`, 30 s after t0.
fn sweep_env<'a>(
    world: &'a World,
    links: &'a opsclock::app::escalation::Links,
    rules: &'a Rules,
) -> opsclock::app::notices::sweep::Env<'a> {
    opsclock::app::notices::sweep::Env {
        db: &world.db.db,
        calendars: &world.calendars,
        links,
        rules,
        now: t0() + TimeDelta::seconds(30),
    }
}

/// A page of notice events commits together, and an event that fails is rolled back alone: the
/// others' messages are queued and their rows taken; it stays queued for the next round.
async fn a_failing_event_is_rolled_back_alone(backend: Backend) {
    use opsclock::app::notices::sweep::run;
    use opsclock::db::entities::notice_queue;
    use sea_orm::{ActiveModelTrait, PaginatorTrait, Set};
    let (world, numbers, second) = three_urgent_tickets(backend).await;
    let bad = notice_queue::ActiveModel {
        ticket_id: Set(second.id),
        seq: Set(99),
        event: Set("nonsense".into()),
        severity: Set("urgent".into()),
        at: Set(t0()),
        created_at: Set(t0()),
        ..Default::default()
    }
    .insert(&world.db.db)
    .await
    .unwrap();
    let (rules, links) = (Rules::builtin(), test_links());
    let env = sweep_env(&world, &links, &rules);
    let report = run(&env, &mut None).await.unwrap();
    assert_eq!((report.events, report.failed), (4, 1), "{report:?}");
    // An event that cannot be planned stays queued without failing its page's write.
    assert_eq!(report.pages_alone, 0, "{report:?}");
    // Each good ticket's three people (engineer, vendor manager, unit head), once.
    assert_eq!(report.queued, 9, "{report:?}");
    let left: Vec<i64> = notice_queue::Entity::find()
        .all(&world.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(left, [bad.id], "only the failing event waits");
    for n in &numbers {
        let t = tickets::Entity::find()
            .filter(tickets::Column::Number.eq(n.clone()))
            .one(&world.db.db)
            .await
            .unwrap()
            .unwrap();
        let queued = outbox::Entity::find()
            .filter(outbox::Column::TicketId.eq(t.id))
            .filter(outbox::Column::Kind.eq("notice"))
            .count(&world.db.db)
            .await
            .unwrap();
        assert_eq!(queued, 3, "{n}");
    }
    // The next round tries it again, and queues nothing twice.
    let again = run(&env, &mut None).await.unwrap();
    assert_eq!((again.events, again.failed, again.queued), (1, 1, 0), "{again:?}");
}
both_backends!(
    a_page_of_notices_commits_together_and_a_failing_event_alone_rolls_back,
    a_failing_event_is_rolled_back_alone
);

/// A row the page cannot read (here a ticket whose stored severity no build knows, as after a
/// downgrade) fails the page's shared reads; its events are then tried one by one, and only the
/// unreadable ticket's waits for the next round.
async fn an_unreadable_ticket_holds_up_only_its_own_notice(backend: Backend) {
    use opsclock::app::notices::sweep::run;
    use opsclock::db::entities::notice_queue;
    let (world, _, second) = three_urgent_tickets(backend).await;
    tickets::Entity::update_many()
        .col_expr(tickets::Column::Severity, Expr::value("catastrophic"))
        .filter(tickets::Column::Id.eq(second.id))
        .exec(&world.db.db)
        .await
        .unwrap();
    let (rules, links) = (Rules::builtin(), test_links());
    let env = sweep_env(&world, &links, &rules);
    let report = run(&env, &mut None).await.unwrap();
    // The other two tickets' three people each (engineer, vendor manager, unit head).
    assert_eq!((report.events, report.failed, report.queued), (3, 1, 6), "{report:?}");
    let left: Vec<i64> = notice_queue::Entity::find()
        .all(&world.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.ticket_id)
        .collect();
    assert_eq!(left, [second.id], "only the unreadable ticket's notice waits");
}
both_backends!(
    an_unreadable_ticket_fails_only_its_own_notice_not_its_page,
    an_unreadable_ticket_holds_up_only_its_own_notice
);

/// A page's messages are written together; when that write fails (here a trigger refuses one
/// ticket's outbox rows), the page's events are written again one by one, and only the event
/// whose write fails waits: the others' messages and acknowledge links are queued.
async fn a_refused_write_holds_up_only_its_own_notice(backend: Backend) {
    use opsclock::app::notices::sweep::run;
    use opsclock::db::entities::{action_links, notice_queue};
    use sea_orm::{ActiveModelTrait, ConnectionTrait, PaginatorTrait, Set};
    let (world, numbers, second) = three_urgent_tickets(backend).await;
    let id = second.id;
    let refuse = match backend {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON outbox WHEN NEW.ticket_id = {id} \
             BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN IF NEW.ticket_id = {id} THEN \
                 RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_one BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_one()".to_owned(),
        ],
    };
    for sql in refuse {
        world.db.db.execute_unprepared(&sql).await.unwrap();
    }
    let (rules, links) = (Rules::builtin(), test_links());
    let env = sweep_env(&world, &links, &rules);
    let report = run(&env, &mut None).await.unwrap();
    // The other two tickets' three people each (engineer, vendor manager, unit head).
    assert_eq!((report.events, report.failed, report.queued), (3, 1, 6), "{report:?}");
    assert_eq!(report.pages_alone, 1, "the page fell back to one event at a time");
    let left: Vec<i64> = notice_queue::Entity::find()
        .all(&world.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.ticket_id)
        .collect();
    assert_eq!(left, [id], "only the refused ticket's notice waits");
    for n in [&numbers[0], &numbers[2]] {
        let t = tickets::Entity::find()
            .filter(tickets::Column::Number.eq(n.clone()))
            .one(&world.db.db)
            .await
            .unwrap()
            .unwrap();
        let queued = outbox::Entity::find()
            .filter(outbox::Column::TicketId.eq(t.id))
            .filter(outbox::Column::Kind.eq("notice"))
            .count(&world.db.db)
            .await
            .unwrap();
        assert_eq!(queued, 3, "{n}");
        let linked = action_links::Entity::find()
            .filter(action_links::Column::TicketId.eq(t.id))
            .count(&world.db.db)
            .await
            .unwrap();
        // The engineer and the vendor manager may acknowledge; the unit head (the buyer's) may not.
        assert_eq!(linked, 2, "{n}: the acknowledge links of its messages");
    }
    let refused_links = action_links::Entity::find()
        .filter(action_links::Column::TicketId.eq(id))
        .count(&world.db.db)
        .await
        .unwrap();
    assert_eq!(refused_links, 0, "no link for a message that was not queued");
    // Once the write is allowed, the next round queues it, and nothing twice.
    world
        .db
        .db
        .execute_unprepared("DROP TRIGGER refuse_one ON outbox")
        .await
        .ok();
    world.db.db.execute_unprepared("DROP TRIGGER refuse_one").await.ok();
    let again = run(&env, &mut None).await.unwrap();
    assert_eq!((again.events, again.failed, again.queued), (1, 0, 3), "{again:?}");
    assert_eq!(again.pages_alone, 0);
    let linked = action_links::Entity::find()
        .filter(action_links::Column::TicketId.eq(id))
        .count(&world.db.db)
        .await
        .unwrap();
    assert_eq!(linked, 2, "its links come with its messages");
    // The same event queued again (as a retried write might): its messages are there already,
    // so nothing is queued and no second link is made.
    notice_queue::ActiveModel {
        ticket_id: Set(id),
        seq: Set(1),
        event: Set(opsclock::app::notices::NoticeEvent::Opened.key().into()),
        severity: Set("urgent".into()),
        at: Set(t0()),
        created_at: Set(t0()),
        ..Default::default()
    }
    .insert(&world.db.db)
    .await
    .unwrap();
    let third = run(&env, &mut None).await.unwrap();
    assert_eq!((third.events, third.failed, third.queued), (1, 0, 0), "{third:?}");
    let linked = action_links::Entity::find()
        .filter(action_links::Column::TicketId.eq(id))
        .count(&world.db.db)
        .await
        .unwrap();
    assert_eq!(linked, 2, "no link for a message queued before");
    assert_eq!(notice_queue::Entity::find().count(&world.db.db).await.unwrap(), 0);
}
both_backends!(
    a_message_that_cannot_be_written_holds_up_only_its_own_event,
    a_refused_write_holds_up_only_its_own_notice
);
