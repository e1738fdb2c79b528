//! The server's scheduled jobs, run by `tokio-cron-scheduler`:
//!
//! | job | when | what |
//! |---|---|---|
//! | sweep | every `[escalation] sweep_every_secs` (30 s) and at start | open the tickets of due scheduled duties ([`crate::app::duty::scheduled`]), create the inspections owed and mark the overdue ones missed ([`crate::app::inspections::schedule`]), create the periodic reports owed and send their reminders and breach notices ([`crate::app::periodic_reports::schedule`]), then queue due ladder steps ([`crate::app::escalation::sweep`]) |
//! | mailer | every `[mail] every_secs` (10 s), and right after a sweep queued something | send due outbox messages ([`crate::mail::Mailer`]) |
//! | webhooks | every `[webhooks] every_secs` (5 s) | post due webhook rows ([`crate::app::webhooks::sender`]) |
//! | sms | every `[sms] every_secs` (5 s), when `[sms] provider` is set | send due SMS rows through the gateway ([`crate::app::sms::sender`]) |
//! | summary | `[escalation] summary_cron` (08:00 on the 1st) | queue last month's summary ([`crate::app::escalation::summary`]) |
//! | retention | at start and every 24 h | purge the audit log, outbox and alerts past `[retention]` ([`crate::app::retention`]) |
//! | auto-close | every hour, and at start | close, as the system and without a rating, tickets resolved longer than `[sla] auto_close_after` ago that nobody closed or reopened ([`crate::app::tickets::evidence::auto_close`]) |
//! | coverage | daily at 09:00 in `[escalation] summary_timezone` | queue this ISO week's email to admins about calendars whose published holidays run out within `[sla] coverage_warning_days` ([`crate::app::coverage::queue_weekly`]; once per calendar per week) |
//! | mail in | one task per `[[mail_in]]` mailbox, waiting in IMAP IDLE (or polling every `poll_secs`) | turn new mail into tickets, comments and acknowledgements ([`crate::mail::imap`], [`crate::app::mail_in`]) |
//!
//! A job still running when its next turn comes skips that turn, so runs never pile up.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono_tz::Tz;
use tokio::sync::{Mutex, Notify};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::app::escalation::summary::{self, Month};
use crate::app::escalation::sweep::Sweeper;
use crate::mail::{MailSettings, Mailer};

/// What the jobs need besides the sweeper.
pub struct JobOptions {
    /// Time between sweeps.
    pub sweep_every: Duration,
    /// The mail settings (no host: the mailer does not run).
    pub mail: MailSettings,
    /// The summary's schedule, or `None` for no summary.
    pub summary_cron: Option<String>,
    /// The summary's zone.
    pub summary_zone: Tz,
    /// Whether the summary attaches the month's breach report (XLSX).
    pub summary_attach: bool,
    /// The webhook sender's settings.
    pub webhooks: crate::app::webhooks::sender::WebhookSettings,
    /// The SMS gateway and the SMS sender's settings (no provider: the sender does not run).
    pub sms: crate::app::sms::settings::SmsSettings,
    /// What outbound HTTP may reach (`[outbound]`).
    pub outbound: crate::app::outbound::Outbound,
    /// How long records that are not tickets are kept.
    pub retention: crate::app::retention::Retention,
    /// Days before a calendar's published holidays run out that admins are mailed weekly.
    pub coverage_warning_days: u32,
    /// The two parties' rules (`[sla]`): the auto-close job closes resolved tickets after
    /// `auto_close_after`.
    pub evidence: crate::app::tickets::evidence::Rules,
    /// The `[[mail_in]]` mailboxes: one worker each, started by `serve`
    /// ([`crate::mail::imap::run`]).
    pub mail_in: Vec<crate::mail::inbound::MailInSettings>,
}

/// When the coverage job runs (in the summary's zone): every day at 09:00. It queues a calendar's
/// email once per ISO week, so running daily only catches a week whose first run was missed.
pub const COVERAGE_CRON: &str = "0 0 9 * * *";

/// Starts the jobs; they run until the returned scheduler is shut down (or the process ends).
pub async fn start(sweeper: Sweeper, opts: JobOptions) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let wake_mailer = Arc::new(Notify::new());

    let sweep_once = {
        let sweeper = sweeper.clone();
        let wake = wake_mailer.clone();
        let busy = Arc::new(Mutex::new(()));
        move || {
            let (sweeper, wake, busy) = (sweeper.clone(), wake.clone(), busy.clone());
            async move {
                let Ok(_running) = busy.try_lock() else { return };
                let started = std::time::Instant::now();
                // Scheduled duties first, so that a ticket they open is swept in the same round.
                match crate::app::duty::scheduled::run_due(
                    &sweeper.db,
                    &sweeper.calendars.snapshot(),
                    sweeper.time.now(),
                )
                .await
                {
                    Ok(opened) if !opened.is_empty() => tracing::info!(tickets = ?opened, "scheduled duties"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "scheduled duties failed; trying again next round"),
                }
                // Inspections owed by the catalogue's cadences: created once, missed when overdue.
                match crate::app::inspections::schedule::sweep(
                    &sweeper.db,
                    &sweeper.calendars.snapshot(),
                    sweeper.time.now(),
                )
                .await
                {
                    Ok(s) if s.created > 0 || s.missed > 0 => {
                        tracing::info!(created = s.created, missed = s.missed, "inspections")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "inspections failed; trying again next round"),
                }
                // Periodic reports owed by the contracts: created once, reminded, breached.
                match crate::app::periodic_reports::schedule::sweep(
                    &sweeper.db,
                    &sweeper.calendars.snapshot(),
                    &sweeper.links,
                    sweeper.time.now(),
                )
                .await
                {
                    Ok(s) if s.created > 0 || s.reminded > 0 || s.breached > 0 => {
                        tracing::info!(
                            created = s.created,
                            reminded = s.reminded,
                            breached = s.breached,
                            "periodic reports"
                        )
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "periodic reports failed; trying again next round"),
                }
                let swept = sweeper.sweep().await;
                // A round another replica held the lock for is not a success of this one; a round
                // with clocks that failed is a failure.
                match &swept {
                    Ok(r) if r.skipped => {}
                    Ok(r) => crate::metrics::REGISTRY.sweep(started.elapsed(), r.failed == 0, sweeper.time.now()),
                    Err(_) => crate::metrics::REGISTRY.sweep(started.elapsed(), false, sweeper.time.now()),
                }
                match swept {
                    Ok(r) if r.queued > 0 || r.failed > 0 => {
                        tracing::info!(
                            clocks = r.clocks,
                            queued = r.queued,
                            failed = r.failed,
                            ms = started.elapsed().as_millis() as u64,
                            "sweep"
                        );
                        wake.notify_one();
                    }
                    Ok(r) => tracing::debug!(clocks = r.clocks, skipped = r.skipped, "sweep"),
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "sweep failed; trying again next round"),
                }
            }
        }
    };
    tokio::spawn(sweep_once()); // catch up at start: steps that fell due while opsclock was down
    let job = sweep_once.clone();
    scheduler
        .add(Job::new_repeated_async(opts.sweep_every, move |_, _| Box::pin(job()))?)
        .await?;

    if opts.mail.host.is_some() {
        let mailer = Arc::new(Mailer::new(
            sweeper.db.clone(),
            opts.mail.clone(),
            sweeper.time.clone(),
        )?);
        let busy = Arc::new(Mutex::new(()));
        let drain = move || {
            let (mailer, busy) = (mailer.clone(), busy.clone());
            async move {
                let Ok(_running) = busy.try_lock() else { return };
                match mailer.drain().await {
                    Ok(r) if r.sent + r.retrying + r.failed > 0 => {
                        tracing::info!(sent = r.sent, retrying = r.retrying, failed = r.failed, "mailer")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "mailer failed; trying again next round"),
                }
            }
        };
        let job = drain.clone();
        scheduler
            .add(Job::new_repeated_async(opts.mail.every, move |_, _| Box::pin(job()))?)
            .await?;
        let wake = wake_mailer.clone();
        tokio::spawn(async move {
            loop {
                drain().await;
                wake.notified().await;
            }
        });
    } else {
        tracing::warn!("[mail] host is not set: escalation emails are queued in the outbox but not sent");
    }

    let poster = Arc::new(crate::app::webhooks::sender::sender(
        sweeper.db.clone(),
        opts.webhooks,
        &opts.outbound,
        sweeper.time.clone(),
        sweeper.links.clone(),
    )?);
    let busy = Arc::new(Mutex::new(()));
    let post = move || {
        let (poster, busy) = (poster.clone(), busy.clone());
        async move {
            let Ok(_running) = busy.try_lock() else { return };
            match poster.drain().await {
                Ok(r) if r.sent + r.retrying + r.failed > 0 => {
                    tracing::info!(sent = r.sent, retrying = r.retrying, failed = r.failed, "webhooks")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %format!("{e:#}"), "webhook sender failed; trying again next round"),
            }
        }
    };
    tokio::spawn(post());
    scheduler
        .add(Job::new_repeated_async(opts.webhooks.every, move |_, _| {
            Box::pin(post())
        })?)
        .await?;

    if let Some(gateway) = opts.sms.gateway.clone() {
        let sms = Arc::new(crate::app::sms::sender::sender(
            sweeper.db.clone(),
            &opts.sms,
            gateway,
            &opts.outbound,
            sweeper.time.clone(),
        )?);
        let busy = Arc::new(Mutex::new(()));
        let send = move || {
            let (sms, busy) = (sms.clone(), busy.clone());
            async move {
                let Ok(_running) = busy.try_lock() else { return };
                match sms.drain().await {
                    Ok(r) if r.sent + r.retrying + r.failed > 0 => {
                        tracing::info!(sent = r.sent, retrying = r.retrying, failed = r.failed, "sms")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "sms sender failed; trying again next round"),
                }
            }
        };
        tokio::spawn(send());
        scheduler
            .add(Job::new_repeated_async(opts.sms.every, move |_, _| Box::pin(send()))?)
            .await?;
    } else {
        tracing::info!("[sms] provider is not set: SMS are queued in the outbox but not sent");
    }

    let (db, retention, time) = (sweeper.db.clone(), opts.retention, sweeper.time.clone());
    let purge = move || {
        let (db, time) = (db.clone(), time.clone());
        async move {
            match crate::app::retention::purge(&db, retention, time.now()).await {
                Ok(p) => tracing::info!(
                    audit = p.audit,
                    outbox = p.outbox,
                    emptied = p.emptied,
                    alerts = p.alerts,
                    sessions = p.sessions,
                    links = p.links,
                    mail_in = p.mail_in,
                    "retention purge"
                ),
                Err(e) => tracing::error!(error = %e, "retention purge failed; trying again tomorrow"),
            }
        }
    };
    tokio::spawn(purge());
    scheduler
        .add(Job::new_repeated_async(Duration::from_secs(24 * 3600), move |_, _| {
            Box::pin(purge())
        })?)
        .await?;

    if let Some(after) = opts.evidence.auto_close_after {
        let (db, calendars, time) = (sweeper.db.clone(), sweeper.calendars.clone(), sweeper.time.clone());
        let close = move || {
            let (db, calendars, time) = (db.clone(), calendars.clone(), time.clone());
            async move {
                match crate::app::tickets::evidence::auto_close(&db, &calendars, after, time.now(), 500).await {
                    Ok(closed) if closed.is_empty() => {}
                    Ok(closed) => tracing::info!(?closed, "resolved tickets closed by themselves"),
                    Err(e) => tracing::error!(error = %e, "auto-close failed; trying again in an hour"),
                }
            }
        };
        tokio::spawn(close());
        scheduler
            .add(Job::new_repeated_async(Duration::from_secs(3600), move |_, _| {
                Box::pin(close())
            })?)
            .await?;
    }

    let (db, links, time, calendars, window) = (
        sweeper.db.clone(),
        sweeper.links.clone(),
        sweeper.time.clone(),
        sweeper.calendars.clone(),
        opts.coverage_warning_days,
    );
    let coverage = Job::new_async_tz(COVERAGE_CRON, opts.summary_zone, move |_, _| {
        let (db, links, time, calendars) = (db.clone(), links.clone(), time.clone(), calendars.clone());
        Box::pin(async move {
            match crate::app::coverage::queue_weekly(&db, &calendars.snapshot(), window, &links, time.now()).await {
                Ok(keys) if !keys.is_empty() => {
                    tracing::warn!(?keys, "calendar coverage warning queued for the admins")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "cannot queue the calendar coverage warning; trying again tomorrow")
                }
            }
        })
    })?;
    scheduler.add(coverage).await?;

    if let Some(cron) = opts.summary_cron {
        let (db, links, zone, time) = (
            sweeper.db.clone(),
            sweeper.links.clone(),
            opts.summary_zone,
            sweeper.time.clone(),
        );
        let calendars = opts.summary_attach.then(|| sweeper.calendars.clone());
        let job = Job::new_async_tz(cron.as_str(), zone, move |_, _| {
            let (db, links, time, calendars) = (db.clone(), links.clone(), time.clone(), calendars.clone());
            Box::pin(async move {
                let now = time.now();
                let month = Month::previous(now, zone);
                match summary::queue(
                    &db,
                    month,
                    zone,
                    &links,
                    now,
                    calendars.as_ref().map(|c| c.snapshot()).as_deref(),
                )
                .await
                {
                    Ok(true) => tracing::info!(%month, "monthly summary queued"),
                    Ok(false) => tracing::info!(%month, "monthly summary already queued or nobody to send it to"),
                    Err(e) => tracing::error!(%month, error = %e, "cannot queue the monthly summary"),
                }
            })
        })
        .with_context(|| format!("[escalation] summary_cron = {cron:?} is not a cron expression with seconds"))?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}
