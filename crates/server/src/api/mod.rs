//! The REST API under `/api/v1`: thin handlers over the ticket store and the catalogue.
//!
//! Every route is registered through [`utoipa_axum`], so the OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the same list as the router and cannot drift from it.

pub mod calendars;
pub mod catalog;
pub mod catalog_file;
pub mod duty;
pub mod escalation;
pub mod intake;
pub mod limits;
pub mod problem;
pub mod reports;
pub mod session;
pub mod tickets;
pub mod webhooks;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sla_clock::Calendar;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
    /// The calendars, by name (replaceable while the server runs: take a
    /// [`snapshot`](crate::calendars::Calendars::snapshot) for the length of a request).
    pub calendars: crate::calendars::Calendars,
    /// Where "now" comes from: the system clock, or a test's.
    pub time: Arc<dyn crate::time::TimeSource>,
    /// Whether the session cookie is marked `Secure`.
    pub secure_cookies: bool,
    /// Timeouts, sign-in throttling and lockout.
    pub limits: Arc<limits::Limits>,
    /// On SQLite, requests that may write take turns here (see [`AppState::new`]).
    pub writes: Option<Arc<tokio::sync::Semaphore>>,
    /// How links in emails are written (the server sets its public URL).
    pub links: crate::app::escalation::Links,
    /// Days before a calendar's published holidays run out that the admin pages warn
    /// (`[sla] coverage_warning_days`, see [`crate::app::coverage`]).
    pub coverage_warning_days: u32,
}

impl AppState {
    /// The state of a server over `db`.
    ///
    /// SQLite lets one transaction write at a time, and a connection that finds the write lock
    /// taken sleeps in SQLite's busy handler (1, 2, 5, … up to 100 ms between tries) rather than
    /// queueing. Under many concurrent writers that wastes most of the time the lock is free and
    /// stretches the tail latency to seconds. So on SQLite, requests that may write (every method
    /// but GET and HEAD, and signing in) take turns on an in-process semaphore, first come first
    /// served, each after its body has arrived; only sign-ins, the background jobs and CLI
    /// commands still meet the busy handler. Reads never wait for it.
    pub fn new(
        db: DatabaseConnection,
        calendars: crate::calendars::Calendars,
        secure_cookies: bool,
        limits: limits::Limits,
    ) -> AppState {
        let writes =
            (db.get_database_backend() == sea_orm::DbBackend::Sqlite).then(|| Arc::new(tokio::sync::Semaphore::new(1)));
        AppState {
            db,
            calendars,
            time: Arc::new(crate::time::SystemTime),
            secure_cookies,
            limits: Arc::new(limits),
            writes,
            coverage_warning_days: crate::app::coverage::DEFAULT_WARNING_DAYS,
            links: crate::app::escalation::Links::new(None, "127.0.0.1:8080", "opsclock.localhost".to_owned()),
        }
    }

    /// The same state with another coverage warning window (`[sla] coverage_warning_days`).
    pub fn with_coverage_warning_days(mut self, days: u32) -> AppState {
        self.coverage_warning_days = days;
        self
    }

    /// The same state writing links with `links` (the server's public URL and mail domain).
    pub fn with_links(mut self, links: crate::app::escalation::Links) -> AppState {
        self.links = links;
        self
    }

    /// The same state with "now" taken from `time` (tests pin it; see [`crate::time`]).
    pub fn with_time(mut self, time: Arc<dyn crate::time::TimeSource>) -> AppState {
        self.time = time;
        self
    }

    /// The current instant, from [`AppState::time`]. Handlers never read the system clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.time.now()
    }

    /// A write transaction (see [`crate::db::begin_write`]).
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, problem::ApiError> {
        crate::db::begin_write(&self.db)
            .await
            .map_err(|e| problem::ApiError::Internal(e.into()))
    }

    /// The calendar called `name`, as the calendars are now.
    pub fn calendar(&self, name: &str) -> Result<CalendarRef, problem::ApiError> {
        calendar_in(self.calendars.snapshot(), name)
    }
}

/// One calendar of a [snapshot](crate::calendars::Calendars::snapshot), usable as a `&Calendar`.
#[derive(Clone)]
pub struct CalendarRef {
    set: Arc<BTreeMap<String, Calendar>>,
    name: String,
}

impl std::ops::Deref for CalendarRef {
    type Target = Calendar;
    fn deref(&self) -> &Calendar {
        // `calendar_in` checked the name, and the set is immutable.
        &self.set[&self.name]
    }
}

/// The calendar called `name` in `set`, or an internal error listing the names there are.
pub fn calendar_in(set: Arc<BTreeMap<String, Calendar>>, name: &str) -> Result<CalendarRef, problem::ApiError> {
    if set.contains_key(name) {
        Ok(CalendarRef {
            set,
            name: name.to_owned(),
        })
    } else {
        Err(problem::ApiError::Internal(anyhow::anyhow!(
            "calendar {name:?} is not loaded; known: {}",
            set.keys().cloned().collect::<Vec<_>>().join(", ")
        )))
    }
}

/// Fails unless the code in a body matches the code in the path (`PUT /things/{code}`).
pub(crate) fn same_code(path: &str, body: &str) -> problem::ApiResult<()> {
    if path == body {
        Ok(())
    } else {
        Err(problem::ApiError::invalid(
            "code",
            format!("{body:?} differs from the path's {path:?}"),
        ))
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "opsclock API",
        description = "Incident and ticket tracker with exact SLA clocks. Errors are application/problem+json (RFC 9457)."
    ),
    servers((url = "/api/v1")),
    components(schemas(problem::Problem)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Errors as the server sends them: every `Problem` answer is `application/problem+json`, and
/// every operation has a `default` response for the errors it does not list one by one (400 on
/// a malformed body, 401, 403, 404, 413, 415, 429, 503 on a timeout …), so that the document
/// describes every answer a client can get.
struct Problems;

impl utoipa::Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
        const PROBLEM: &str = "application/problem+json";
        let problem_content = || {
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for op in operations.into_iter().flatten() {
                for (status, response) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = response {
                        // An error listed without a body still answers with a problem document.
                        if r.content.is_empty() && status.starts_with(['4', '5']) {
                            r.content.insert(PROBLEM.to_owned(), problem_content());
                        }
                        let is_problem = r.content.get("application/json").is_some_and(|c| {
                            matches!(&c.schema, Some(RefOr::Ref(reference)) if reference.ref_location.ends_with("/Problem"))
                        });
                        if is_problem && let Some(c) = r.content.shift_remove("application/json") {
                            r.content.insert(PROBLEM.to_owned(), c);
                        }
                    }
                }
                op.responses.responses.entry("default".to_owned()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description("An error, as an RFC 9457 problem document")
                            .content(PROBLEM, problem_content())
                            .build(),
                    )
                });
            }
        }
    }
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::app::auth::SESSION_COOKIE))),
        );
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("token", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// The `/api/v1` routes and their OpenAPI document.
pub fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(catalog::list_units, catalog::create_unit))
        .routes(routes!(catalog::get_unit, catalog::update_unit))
        .routes(routes!(catalog::list_vendors, catalog::create_vendor))
        .routes(routes!(catalog::get_vendor, catalog::update_vendor))
        .routes(routes!(catalog::list_policies, catalog::create_policy))
        .routes(routes!(catalog::get_policy, catalog::update_policy))
        .routes(routes!(catalog::list_systems, catalog::create_system))
        .routes(routes!(catalog::get_system, catalog::update_system))
        .routes(routes!(tickets::create_ticket, tickets::list_tickets))
        .routes(routes!(tickets::preview_ticket))
        .routes(routes!(tickets::get_ticket))
        .routes(routes!(tickets::act))
        .routes(routes!(catalog_file::export_catalog))
        .routes(routes!(calendars::list_calendars))
        .routes(routes!(calendars::reload_calendars))
        .routes(routes!(escalation::list_ladders))
        .routes(routes!(escalation::put_ladder, escalation::delete_ladder))
        .routes(routes!(escalation::list_outbox))
        .routes(routes!(escalation::get_outbox))
        .routes(routes!(escalation::retry_outbox))
        .routes(routes!(duty::list_rosters))
        .routes(routes!(duty::put_roster, duty::delete_roster))
        .routes(routes!(duty::add_override))
        .routes(routes!(duty::on_duty))
        .routes(routes!(duty::gaps))
        .routes(routes!(duty::shifts_ics))
        .routes(routes!(duty::list_windows))
        .routes(routes!(duty::put_window, duty::delete_window))
        .routes(routes!(duty::window_template))
        .routes(routes!(duty::list_exclusions, duty::create_exclusion))
        .routes(routes!(duty::decide_exclusion))
        .routes(routes!(duty::list_duties))
        .routes(routes!(duty::put_duty, duty::delete_duty))
        .routes(routes!(reports::breaches))
        .routes(routes!(reports::list_contracts))
        .routes(routes!(reports::put_contract))
        .routes(routes!(intake::get_rules, intake::put_rules))
        .routes(routes!(intake::test_rules))
        .routes(routes!(intake::list_sources, intake::create_source))
        .routes(routes!(intake::revoke_source))
        .routes(routes!(intake::list_alerts))
        .routes(routes!(intake::open_alert))
        .routes(routes!(intake::dismiss_alert))
        .routes(routes!(webhooks::list_webhooks))
        .routes(routes!(webhooks::put_webhook, webhooks::delete_webhook))
        .routes(routes!(webhooks::ping_webhook))
        .merge(
            // An Alertmanager group can carry many alerts.
            OpenApiRouter::new()
                .routes(routes!(intake::alertmanager_webhook))
                .routes(routes!(intake::generic_webhook))
                .layer(DefaultBodyLimit::max(intake::INTAKE_LIMIT)),
        )
        .merge(
            // The catalogue file is larger than any JSON body; only this route takes that much.
            OpenApiRouter::new()
                .routes(routes!(catalog_file::import_catalog))
                .layer(DefaultBodyLimit::max(catalog_file::CATALOG_LIMIT)),
        )
        .split_for_parts();
    // After the routes are in: a modifier on `ApiDoc` would run before they were added.
    let mut doc = doc;
    utoipa::Modify::modify(&Problems, &mut doc);
    (router, doc)
}

/// The whole application: `/api/v1/…`, `/api/v1/openapi.json`, `/healthz`.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api_routes();
    let doc = Arc::new(doc);
    Router::new()
        .nest("/api/v1", api)
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(crate::web::routes())
        .fallback(|| async { problem::ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|method: axum::http::Method, uri: axum::http::Uri| async move {
            problem::ApiError::MethodNotAllowed(format!(
                "{} does not take {method}; see /api/v1/openapi.json",
                uri.path()
            ))
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // A bug that panics answers 500 with a problem document and is logged, instead of
        // closing the connection without a word (inside `observe`, so that it is counted).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

/// Answers `[server] request_timeout_secs` late requests with 503, lets writing requests take
/// turns on SQLite (see [`AppState::new`]) and records every request's latency by route pattern
/// for `/metrics`.
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
    let writes = state
        .writes
        .clone()
        .filter(|_| !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD))
        // Signing in spends tens of milliseconds hashing a password before its one insert; it
        // should not hold up ticket writes meanwhile.
        .filter(|_| !matches!(route.as_str(), "/api/v1/session" | "/login"));
    let run = async move {
        let Some(writes) = writes else {
            return next.run(req).await;
        };
        // The body is read before the turn is taken, so that a slow upload does not hold up
        // every other write (the timeout bounds the upload too).
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, catalog_file::CATALOG_LIMIT + 1).await else {
            return problem::ApiError::TooLarge("the request body is too large or was cut off".into()).into_response();
        };
        let _turn = writes.acquire_owned().await.ok();
        next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes)))
            .await
    };
    let res = match tokio::time::timeout(timeout, run).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(%method, %route, secs = timeout.as_secs(), "request timed out");
            problem::ApiError::Timeout(format!(
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
        let given = crate::app::auth::bearer(&headers).unwrap_or_default();
        // Comparing digests leaks nothing about the token through timing.
        if crate::app::auth::secret::secret_hash(given) != crate::app::auth::secret::secret_hash(want) {
            return problem::ApiError::Unauthorized("/metrics needs the metrics token".into()).into_response();
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
        Err(e) => problem::ApiError::Internal(e.into()).into_response(),
    }
}

fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    problem::ApiError::Internal(anyhow::anyhow!("handler panicked: {what}")).into_response()
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
