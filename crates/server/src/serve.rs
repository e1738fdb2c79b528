//! `opsclock serve`: open the database, migrate, load the demo on a fresh install, listen.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm::ConnectionTrait;

use crate::api::{self, problem::ApiError};
use crate::app::AppError;
use crate::app::escalation::Links;
use crate::app::escalation::sweep::Sweeper;
use crate::calendars::{CalendarSource, Calendars};
use crate::http::AppState;
use crate::time::{SystemTime, TimeSource};

mod admit;

use admit::admit;

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
    pub limits: crate::http::limits::Limits,
    /// The address users open opsclock at (for links in emails) [default http://LISTEN].
    pub public_url: Option<String>,
    /// The alert mapping rules file (`[intake] rules_file`), if the rules are kept in a file.
    pub intake_rules: Option<std::path::PathBuf>,
    /// The escalation sweep, the mailer and the monthly summary.
    pub jobs: crate::jobs::JobOptions,
    /// The inspection checklists (`[inspections] checklist_dir`).
    pub checklists: std::sync::Arc<crate::app::inspections::Checklists>,
    /// The event notice rules (`[notices]`).
    pub notices: std::sync::Arc<crate::app::notices::Rules>,
    /// Where attachments go and their limits (`[attachments]`).
    pub attachments: crate::app::attachments::AttachmentStore,
}

/// The HTTP limits `[server]` asks for (see [`crate::http::limits`]).
pub fn limits(server: &crate::config::ServerConfig) -> anyhow::Result<crate::http::limits::Limits> {
    crate::http::limits::Limits::from_config(server)
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
        let logins = crate::app::demo::load(&db, &loaded, &opts.checklists, SystemTime.now())
            .await
            .context("cannot load the demo data")?;
        println!("Loaded demo data. One-time passwords (shown once; change them after signing in):");
        // A header row: which column is the username, which the role (docs/web.md).
        println!("  {:<16} {:<9} one-time password", "username", "role");
        for l in logins {
            println!("  {:<16} {:<9} {}", l.username, l.role.key(), l.password);
        }
    }
    let rules = crate::app::intake::store::load_at_start(&db, opts.intake_rules.as_deref(), SystemTime.now()).await?;
    if let Some(file) = &opts.intake_rules {
        println!("Loaded {rules} alert mapping rule(s) from {}.", file.display());
    }
    let connections = opts.limits.connections;
    let state = AppState::new(db, calendars, opts.secure_cookies, opts.limits)
        .with_coverage_warning_days(opts.jobs.coverage_warning_days)
        .with_evidence(opts.jobs.evidence)
        .with_outbound(opts.jobs.outbound.clone())
        .with_checklists(opts.checklists.clone())
        .with_attachments(opts.attachments.clone());
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
        notices: opts.notices.clone(),
    };
    // Mail links to the listen address unless told where users open opsclock: said at start-up.
    if let Some(warning) = public_url_warning(opts.jobs.mail.host.as_deref(), opts.public_url.as_deref(), &addr) {
        println!("警告 Warning: {warning}");
        tracing::warn!("{warning}");
    }
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
    // Tickets stored before measured times existed get theirs, once (app::tickets::measures).
    crate::app::tickets::measures::at_start_up(&state.db, &state.calendars.snapshot(), state.now()).await;
    follow_calendar_reloads(&state);
    // Mail in: one worker per mailbox, for as long as the server runs.
    for mailbox in opts.jobs.mail_in.clone() {
        tokio::spawn(crate::mail::imap::run(state.ctx.clone(), mailbox));
    }
    let mut scheduler = crate::jobs::start(sweeper, opts.jobs).await?;
    let app: Router = app(state);
    println!(
        "opsclock is running: open http://{addr}/  (database {})",
        crate::db::redact_url(&opts.database)
    );
    tracing::info!(%addr, "listening");
    serve_connections(listener, app, connections, shutdown_signal()).await;
    let _ = scheduler.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// The start-up warning when mail is sent (`[mail] host`) but `[server] public_url` is not set:
/// every link in a mail then points at the listen address, which a reader elsewhere cannot open
/// (`http://127.0.0.1:8080/tickets/…` on a phone).
///
/// ```
/// let addr: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
/// let w = opsclock::serve::public_url_warning(Some("smtp.example.cn"), None, &addr).unwrap();
/// assert!(w.contains("http://127.0.0.1:8080"));
/// assert!(opsclock::serve::public_url_warning(Some("smtp.example.cn"), Some("https://ops.example.cn"), &addr).is_none());
/// assert!(opsclock::serve::public_url_warning(None, None, &addr).is_none());
/// ```
pub fn public_url_warning(
    mail_host: Option<&str>,
    public_url: Option<&str>,
    addr: &std::net::SocketAddr,
) -> Option<String> {
    (mail_host.is_some() && public_url.is_none_or(|u| u.trim().is_empty())).then(|| {
        format!(
            "mail is configured ([mail] host) but [server] public_url is not set: links in emails will point at \
             http://{addr}, which readers elsewhere may not reach. Set public_url to the address users open \
             opsclock at (docs/operations.md)"
        )
    })
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

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in flight finish
/// (idle connections are closed at once) and returns. Each connection must send a request's head
/// within `limits.header_timeout` (also the idle time between requests), is closed after
/// `limits.idle_timeout` without a byte either way while none of its requests is being handled,
/// and at most `limits.max_connections` are served at once (the next ones wait in the listen
/// queue). Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: crate::http::limits::Connections,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file handles, most likely: wait for some to close rather than spin.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let activity = crate::http::conn::Activity::default();
        let watched = crate::http::conn::Watched::new(stream, activity.clone());
        let (app, busy) = (app.clone(), activity.clone());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            let handling = busy.handling();
            let answer = app.clone().oneshot(req.map(axum::body::Body::new));
            async move {
                let answer = answer.await;
                drop(handling);
                answer
            }
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(watched), service));
        let idle_timeout = limits.idle_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            tokio::select! {
                done = conn => if let Err(e) = done {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                },
                () = activity.idle(idle_timeout) => tracing::debug!(%peer, "idle connection closed"),
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
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

/// The whole application, the one place the doors meet: the API (`/api/v1/…`,
/// `/api/v1/openapi.json`), the pages, `/healthz` and `/metrics`, and around them the
/// timeout, the write turns, panics answered as problems, tracing ([`layered`]).
pub fn app(state: AppState) -> Router {
    let (api, doc) = api::api_routes();
    let doc = Arc::new(doc);
    let routes = Router::new()
        // Every API route asks the permission table before its handler runs.
        .nest(
            "/api/v1",
            api.route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                api::permissions::guard,
            )),
        )
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(crate::web::routes(state.clone()))
        // A browser that mistypes an address gets the 404 page in its language, a program the
        // JSON problem (docs/web.md).
        .fallback(|uri: axum::http::Uri, headers: axum::http::HeaderMap| async move {
            if crate::web::errors::wants_page(&uri, &headers) {
                crate::web::errors::not_found(&headers)
            } else {
                ApiError::from(AppError::NotFound("no such route".into())).into_response()
            }
        })
        .method_not_allowed_fallback(|method: axum::http::Method, uri: axum::http::Uri| async move {
            ApiError::MethodNotAllowed(format!(
                "{} does not take {method}; see /api/v1/openapi.json",
                uri.path()
            ))
        });
    layered(routes, state)
}

/// The span of a request: its method and path, with the token of a notice's link
/// (`/a/{token}`) left out, since the token acts as its recipient and logs are read by others.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let path = req.uri().path();
    let path = if path.starts_with("/a/") { "/a/…" } else { path };
    tracing::info_span!("request", method = %req.method(), uri = %path, version = ?req.version())
}

/// `routes` behind the middleware every answer of the application passes through, innermost
/// first: the body limit, panics answered as a 500 problem, the request timeout and write turns
/// with their metrics ([`observe`]), the NUL and origin checks and the security headers
/// ([`security`]), tracing. [`app`] is `layered` around the real routes; a test puts a route of
/// its own behind the same stack, e.g. one that panics:
///
/// ```no_run
/// use axum::{Router, routing::get};
///
/// async fn boom() -> &'static str {
///     panic!("a bug")
/// }
///
/// # fn f(state: opsclock::http::AppState) {
/// let app = opsclock::serve::layered(Router::new().route("/boom", get(boom)), state);
/// // GET /boom answers 500 application/problem+json, type `/problems/internal`, with the
/// // fixed detail; the panic's message goes to the log only.
/// # }
/// ```
pub fn layered(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .layer(DefaultBodyLimit::max(api::BODY_LIMIT))
        // A bug that panics answers 500 with a problem document and is logged, instead of
        // closing the connection without a word (inside `observe`, so that it is counted).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        // Outside the write turns, so that a forged request never waits for one.
        .layer(axum::middleware::from_fn_with_state(state.clone(), security))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

/// Refuses a NUL byte in a path or query (422; a form's is refused once its body is read, in
/// [`admit`]), and cookie-authenticated API writes that do not come from opsclock's own pages,
/// and adds the security headers to every answer (see [`crate::http::security`]).
async fn security(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::http::security::{add_headers, check_api_request, nul_in};
    let mut res = if let Some(place) = nul_in(req.uri().path(), req.uri().query(), None) {
        nul_refused(place)
    } else {
        match check_api_request(req.method(), req.uri().path(), req.headers(), &state.links.public_url) {
            Ok(()) => next.run(req).await,
            Err(e) => ApiError::from(e).into_response(),
        }
    };
    add_headers(res.headers_mut());
    res
}

fn nul_refused(place: &str) -> axum::response::Response {
    ApiError::from(AppError::invalid(
        place,
        "holds a NUL byte (%00), which no text may hold",
    ))
    .into_response()
}

/// Answers `[server] request_timeout_secs` late requests with 503, admits writes ([`admit`]:
/// the caller first, then the body, then on SQLite a turn) and records every request's latency
/// by route pattern for `/metrics`.
async fn observe(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let timeout = state.limits.request_timeout;
    let res = match tokio::time::timeout(timeout, admit(&state, &route, req, next)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(%method, %route, secs = timeout.as_secs(), "request timed out");
            ApiError::Timeout(format!(
                "the request took longer than {} s and was abandoned; it may or may not have been \
                 applied, so look before repeating it",
                timeout.as_secs()
            ))
            .into_response()
        }
    };
    crate::metrics::REGISTRY.http(&method, &route, res.status().as_u16(), started.elapsed());
    res
}

/// `GET /metrics`: Prometheus text format (see [`crate::metrics`]); with `[server] metrics_token`
/// set, only for `Authorization: Bearer <token>`.
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> axum::response::Response {
    if let Some(want) = &state.limits.metrics_token {
        let given = crate::http::extract::bearer(&headers).unwrap_or_default();
        // Comparing digests leaks nothing about the token through timing.
        if crate::app::auth::secret::secret_hash(given) != crate::app::auth::secret::secret_hash(want) {
            return ApiError::from(AppError::Unauthorized("/metrics needs the metrics token".into())).into_response();
        }
    }
    match crate::metrics::render(
        &state.db,
        &state.calendars.snapshot(),
        &state.calendars.mismatched(),
        state.now(),
    )
    .await
    {
        Ok(text) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => ApiError::from(AppError::Internal(e.into())).into_response(),
    }
}

fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    ApiError::from(AppError::Internal(anyhow::anyhow!("handler panicked: {what}"))).into_response()
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}
