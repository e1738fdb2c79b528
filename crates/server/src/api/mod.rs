//! The REST API under `/api/v1`: thin handlers over the ticket store and the catalogue.
//!
//! Every route is registered through [`utoipa_axum`], so the OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the same list as the router and cannot drift from it.

pub mod catalog;
pub mod catalog_file;
pub mod duty;
pub mod escalation;
pub mod intake;
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
    /// The calendars, by name.
    pub calendars: Arc<BTreeMap<String, Calendar>>,
    /// Whether the session cookie is marked `Secure`.
    pub secure_cookies: bool,
}

impl AppState {
    /// A write transaction (see [`crate::db::begin_write`]).
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, problem::ApiError> {
        crate::db::begin_write(&self.db)
            .await
            .map_err(|e| problem::ApiError::Internal(e.into()))
    }

    /// The calendar called `name`.
    pub fn calendar(&self, name: &str) -> Result<&Calendar, problem::ApiError> {
        self.calendars.get(name).ok_or_else(|| {
            problem::ApiError::Internal(anyhow::anyhow!(
                "calendar {name:?} is not loaded; known: {}",
                self.calendars.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
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
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
        );
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("token", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// The `/api/v1` routes and their OpenAPI document.
pub fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
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
        .split_for_parts()
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
        .merge(crate::web::routes())
        .fallback(|| async { problem::ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|method: axum::http::Method, uri: axum::http::Uri| async move {
            problem::ApiError::MethodNotAllowed(format!(
                "{} does not take {method}; see /api/v1/openapi.json",
                uri.path()
            ))
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
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

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}
