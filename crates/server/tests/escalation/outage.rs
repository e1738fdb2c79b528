//! The SMTP server is down while steps fall due: every attempt is recorded, retried with backoff,
//! and when the server is back each step arrives once. After the last attempt a message is
//! parked as failed, and a retry sends it.

use chrono::TimeDelta;
use opsclock::app::outbox;
use opsclock::db::testing::Backend;

use crate::both_backends;
use crate::fixture::{World, t0};
use crate::smtp::{SmtpServer, free_port};

async fn nothing_lost_while_smtp_is_down(backend: Backend) {
    let world = World::new(backend).await;
    let port = free_port(); // nothing listens here yet
    let mailer = world.mailer(port, 8);
    // A fault that began 5 h ago: all five steps are due at once.
    world.open(t0() - TimeDelta::hours(5), "4h", t0()).await;
    let (sweep, drained) = world.tick(t0(), &mailer).await;
    assert_eq!(sweep.queued, 5);
    assert_eq!((drained.sent, drained.retrying, drained.failed), (0, 5, 0));
    // Backoff: the first retry comes 15-30 s later, not at once.
    let (_, drained) = world.tick(t0() + TimeDelta::seconds(10), &mailer).await;
    assert_eq!(drained.retrying, 0, "no attempt before the backoff");
    let (_, drained) = world.tick(t0() + TimeDelta::seconds(31), &mailer).await;
    assert_eq!(drained.retrying, 5, "second attempt after the backoff");
    for r in world.outbox().await {
        assert_eq!((r.status.as_str(), r.attempts), ("pending", 2));
        let d = outbox::get(&world.db.db, r.id).await.unwrap().unwrap();
        assert_eq!(d.attempts_log.len(), 2);
        assert!(
            d.attempts_log.iter().all(|a| !a.ok && !a.response.is_empty()),
            "{:?}",
            d.attempts_log
        );
    }

    // The server comes back; the next due attempt delivers each step once.
    let smtp = SmtpServer::start_on(port);
    let (_, drained) = world.tick(t0() + TimeDelta::minutes(5), &mailer).await;
    assert_eq!(drained.sent, 5);
    for t in [10, 60, 600] {
        let (sweep, drained) = world.tick(t0() + TimeDelta::minutes(t), &mailer).await;
        assert_eq!((sweep.queued, drained.sent), (0, 0));
    }
    let mails = smtp.messages();
    assert_eq!(mails.len(), 5);
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5, "no step twice");
    assert!(
        world
            .outbox()
            .await
            .iter()
            .all(|r| r.status == "sent" && r.attempts == 3)
    );
}
both_backends!(smtp_down, nothing_lost_while_smtp_is_down);

async fn parked_after_the_last_attempt_and_retried(backend: Backend) {
    let world = World::new(backend).await;
    let port = free_port();
    let mailer = world.mailer(port, 2);
    // 10 h to repair from 8 h 30 min ago: half and warning are due, the breach comes at 11:30.
    world.open(t0() - TimeDelta::minutes(510), "10h", t0()).await;
    world.tick(t0(), &mailer).await;
    let (_, drained) = world.tick(t0() + TimeDelta::hours(1), &mailer).await;
    assert_eq!(drained.failed, 2, "parked after 2 attempts");
    let (_, drained) = world.tick(t0() + TimeDelta::minutes(80), &mailer).await;
    assert_eq!(
        drained,
        Default::default(),
        "parked messages are not retried by themselves"
    );
    let failed = outbox::list(&world.db.db, Some("failed"), 10).await.unwrap();
    assert_eq!(failed.len(), 2);
    assert!(
        failed[0].last_error.as_deref().unwrap_or("").contains("onnection"),
        "{failed:?}"
    );

    let smtp = SmtpServer::start_on(port);
    let now = t0() + TimeDelta::minutes(85);
    assert_eq!(
        outbox::retry(&world.db.db, &world.calendars, Some(&[failed[0].id]), now)
            .await
            .unwrap(),
        1
    );
    let (_, drained) = world.tick(now, &mailer).await;
    assert_eq!(drained.sent, 1);
    assert_eq!(
        outbox::retry(&world.db.db, &world.calendars, None, now).await.unwrap(),
        1,
        "the other one"
    );
    let (_, drained) = world.tick(now, &mailer).await;
    assert_eq!(drained.sent, 1);
    assert_eq!(smtp.messages().len(), 2);
    assert_eq!(
        outbox::retry(&world.db.db, &world.calendars, None, now).await.unwrap(),
        0,
        "sent ones are not retried"
    );
}
both_backends!(parking, parked_after_the_last_attempt_and_retried);
