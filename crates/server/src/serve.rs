//! `opsclock serve`: open the database, migrate, load the demo on a fresh install, listen.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;

use crate::api::{self, AppState};
use crate::app::escalation::Links;
use crate::app::escalation::sweep::Sweeper;
use crate::calendars::{CalendarSource, Calendars};
use crate::time::{SystemTime, TimeSource};

/// What `serve` needs.
pub struct ServeOptions {
    /// Database URL.
    pub database: String,
    /// Address to listen on.
    pub listen: String,
    /// Where calendars come from.
    pub calendars: CalendarSource,
    /// Load the demo into an empty database.
    pub demo: bool,
    /// Mark the session cookie Secure.
    pub secure_cookies: bool,
    /// Timeouts, sign-in throttling and lockout, the metrics token.
    pub limits: crate::api::limits::Limits,
    /// The address users open opsclock at (for links in emails) [default http://LISTEN].
    pub public_url: Option<String>,
    /// The alert mapping rules file (`[intake] rules_file`), if the rules are kept in a file.
    pub intake_rules: Option<std::path::PathBuf>,
    /// The escalation sweep, the mailer and the monthly summary.
    pub jobs: crate::jobs::JobOptions,
}

/// Opens (creating if needed) and migrates the database.
pub async fn open_database(url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = crate::db::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", crate::db::redact_url(url)))?;
    crate::db::migrate(&db).await.context("cannot migrate the database")?;
    Ok(db)
}

/// Runs the server until SIGTERM or ctrl-c.
pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    let db = open_database(&opts.database).await?;
    let calendars = Calendars::load(opts.calendars.clone())?;
    let loaded = calendars.snapshot();
    // The server runs on the system clock (a test runs the whole binary under faketime).
    let measured = crate::app::reports::backfill(&db, &loaded, SystemTime.now())
        .await
        .context("cannot measure the clocks of tickets written before reports existed")?;
    if measured > 0 {
        println!("Measured {measured} ticket(s) written before reports existed.");
    }
    if opts.demo && crate::app::demo::is_empty(&db).await? {
        let logins = crate::app::demo::load(&db, &loaded, SystemTime.now())
            .await
            .context("cannot load the demo data")?;
        println!("Loaded demo data. One-time passwords (shown once; change them after signing in):");
        for l in logins {
            println!("  {:<10} {:<9} {}", l.username, l.role, l.password);
        }
    }
    let rules = crate::app::intake::store::load_at_start(&db, opts.intake_rules.as_deref(), SystemTime.now()).await?;
    if let Some(file) = &opts.intake_rules {
        println!("Loaded {rules} alert mapping rule(s) from {}.", file.display());
    }
    let state = AppState::new(db, calendars, opts.secure_cookies, opts.limits)
        .with_coverage_warning_days(opts.jobs.coverage_warning_days);
    // Calendars whose published holidays run out soon (or have): said now, and on the admin
    // pages, in /metrics and in a weekly email while the server runs.
    for c in crate::app::coverage::warnings(&state.calendars.snapshot(), state.now(), state.coverage_warning_days) {
        println!("警告 Warning: {}\n  {}", c.message_zh(), c.message_en());
        tracing::warn!(
            calendar = %c.calendar,
            published_to = %c.published_to,
            days_left = c.days_left,
            "{}",
            c.message_en()
        );
    }
    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    let sweeper = Sweeper {
        db: state.db.clone(),
        calendars: state.calendars.clone(),
        time: Arc::new(SystemTime),
        links: Links::new(opts.public_url.as_deref(), &addr.to_string(), opts.jobs.mail.domain()),
        batch: 500,
    };
    let state = state.with_links(sweeper.links.clone());
    // Calendar files may have gained a year while the server was down: settle what they publish
    // (with the links of the address now bound, for the mails of moved deadlines).
    match crate::app::calendar_reload::remeasure_all(&state.db, &state.calendars, &state.links, None, state.now()).await
    {
        Ok(r) if !r.moved.is_empty() || r.settled > 0 => println!(
            "Measured {} provisional deadline(s) again: {} moved, {} final now.",
            r.clocks,
            r.moved.len(),
            r.settled
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e.detail(), "cannot measure the provisional deadlines again"),
    }
    follow_calendar_reloads(&state);
    let mut scheduler = crate::jobs::start(sweeper, opts.jobs).await?;
    let app: Router = api::app(state);
    println!(
        "opsclock is running: open http://{addr}/  (database {})",
        crate::db::redact_url(&opts.database)
    );
    tracing::info!(%addr, "listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = scheduler.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// Reloads the calendars on SIGHUP, and when another replica did (checked every minute); either
/// way the provisional deadlines are measured again (see [`crate::app::calendar_reload::reload`]).
fn follow_calendar_reloads(state: &AppState) {
    let f = crate::app::calendar_reload::Follower::default();
    let s = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            match f.follow(&s.db, &s.calendars, &s.links, s.now()).await {
                Ok(Some(r)) => tracing::info!(
                    changed = r.changed.len(),
                    remeasured = r.remeasured.clocks,
                    moved = r.remeasured.moved.len(),
                    "calendars reloaded after another replica did"
                ),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e.detail(), "cannot follow the calendar reloads"),
            }
        }
    });
    #[cfg(unix)]
    {
        let s = state.clone();
        tokio::spawn(async move {
            let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
                return;
            };
            while hup.recv().await.is_some() {
                // Logged, not printed: stdout may be long gone (a pipe closed after start-up).
                match crate::app::calendar_reload::reload(&s.db, &s.calendars, &s.links, None, s.now(), true).await {
                    Ok(r) => {
                        let changed: Vec<&str> = r.changed.iter().map(|c| c.name.as_str()).collect();
                        tracing::info!(
                            changed = changed.join(","),
                            remeasured = r.remeasured.clocks,
                            moved = r.remeasured.moved.len(),
                            "SIGHUP: calendars reloaded"
                        );
                        for m in &r.remeasured.moved {
                            tracing::info!(ticket = %m.ticket, clock = %m.clock, before = %m.before, after = %m.after, "deadline moved");
                        }
                    }
                    Err(e) => tracing::error!(error = %e.detail(), "SIGHUP: calendars not reloaded"),
                }
            }
        });
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
