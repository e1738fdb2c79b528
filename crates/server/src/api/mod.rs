//! The REST API under `/api/v1`: thin handlers over the use cases in [`crate::app`].
//!
//! Every route is registered through [`utoipa_axum`], so the OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the same list as the router and cannot drift from it.
//! Every route has a row in [`permissions::ROUTES`], the action of the permission table it needs;
//! [`permissions::guard`] asks it before the handler runs.

pub mod assessments;
pub mod attachments;
pub mod calendars;
pub mod catalog;
pub mod catalog_file;
pub mod devices;
pub mod duty;
pub mod escalation;
pub mod findings;
pub mod inspections;
pub mod intake;
pub mod mail_in;
pub mod periodic_reports;
pub mod permissions;
pub mod problem;
pub mod problems;
pub mod rectification;
pub mod reports;
pub mod session;
pub mod spares;
pub mod surveys;
pub mod tickets;
pub mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The largest body route `path` (under `/api/v1`, as the OpenAPI document writes it) takes: the
/// limit of its `DefaultBodyLimit` layer in [`api_routes`]. A write's body is read up to it, and
/// only once the caller is known (`serve`'s `admit`), so nobody can make the server hold more
/// of a body than the route could take.
pub fn body_limit(path: &str, ctx: &crate::app::Context) -> usize {
    match path {
        "/tickets/{number}/attachments" => ctx.attachments.request_limit(),
        "/catalog/import" => catalog_file::CATALOG_LIMIT,
        "/systems/{code}/devices/import" => devices::DEVICE_FILE_LIMIT,
        "/intake/alertmanager" | "/intake/generic/{source}" => intake::INTAKE_LIMIT,
        "/assessments/{id}/scans" => crate::app::assessments::scans::MAX_BYTES,
        _ => BODY_LIMIT,
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
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::http::extract::SESSION_COOKIE))),
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
        .routes(routes!(session::my_sessions))
        .routes(routes!(session::end_my_session))
        .routes(routes!(session::my_tokens))
        .routes(routes!(session::revoke_my_token))
        .routes(routes!(session::my_notifications, session::set_my_notifications))
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
        .routes(routes!(tickets::incident_report))
        .routes(routes!(tickets::act))
        .routes(routes!(attachments::list_attachments, attachments::upload_attachments))
        .routes(routes!(attachments::download_attachment))
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
        .routes(routes!(reports::get_contract, reports::put_contract))
        .routes(routes!(assessments::list_assessments, assessments::create_assessment))
        .routes(routes!(assessments::get_assessment))
        .routes(routes!(assessments::assessment_snapshot))
        .routes(routes!(assessments::revise_assessment))
        .routes(routes!(assessments::send_assessment))
        .routes(routes!(assessments::maintain_assessment))
        .routes(routes!(assessments::agree_assessment))
        .routes(routes!(assessments::dispute_assessment))
        .routes(routes!(assessments::reply_assessment))
        .routes(routes!(assessments::sign_assessment))
        .routes(routes!(assessments::reopen_assessment))
        .routes(routes!(assessments::assessment_record_xlsx))
        .routes(routes!(assessments::get_scan))
        .routes(routes!(rectification::list_orders, rectification::issue_order))
        .routes(routes!(rectification::get_order))
        .routes(routes!(rectification::submit_order))
        .routes(routes!(rectification::refuse_order))
        .routes(routes!(rectification::accept_order))
        .routes(routes!(rectification::reject_order))
        .routes(routes!(rectification::withdraw_order))
        .routes(routes!(spares::list_items))
        .routes(routes!(spares::load_catalogue))
        .routes(routes!(spares::set_price))
        .routes(routes!(spares::list_movements, spares::record_movement))
        .routes(routes!(spares::ticket_spares))
        .routes(routes!(spares::get_settlement))
        .routes(routes!(spares::get_inventory))
        .routes(routes!(spares::confirm_inventory))
        .routes(routes!(spares::ticket_replacements, spares::request_replacement))
        .routes(routes!(spares::get_replacement))
        .routes(routes!(spares::approve_replacement))
        .routes(routes!(spares::refuse_replacement))
        .routes(routes!(spares::record_replacement))
        .routes(routes!(spares::get_ledger))
        .routes(routes!(spares::ticket_warranty_repairs, spares::send_warranty_repair))
        .routes(routes!(spares::warranty_step))
        .routes(routes!(problems::list_problems))
        .routes(routes!(problems::get_problem, problems::change_problem))
        .routes(routes!(problems::close_problem))
        .routes(routes!(devices::list_devices, devices::create_device))
        .routes(routes!(devices::get_device, devices::change_device))
        .routes(routes!(devices::device_tickets))
        .routes(routes!(devices::name_ticket_devices))
        .routes(routes!(devices::device_availability))
        .routes(routes!(devices::export_devices))
        .routes(routes!(periodic_reports::list_periodic_reports))
        .routes(routes!(
            periodic_reports::get_periodic_report,
            periodic_reports::change_periodic_report
        ))
        .routes(routes!(periodic_reports::submit_periodic_report))
        .routes(routes!(periodic_reports::acknowledge_periodic_report))
        .routes(routes!(periodic_reports::return_periodic_report))
        .routes(routes!(periodic_reports::periodic_report_docx))
        .routes(routes!(inspections::list_inspections))
        .routes(routes!(inspections::get_inspection))
        .routes(routes!(inspections::record_inspection))
        .routes(routes!(surveys::list_surveys, surveys::fill_survey))
        .routes(routes!(surveys::get_survey, surveys::replace_survey))
        .routes(routes!(findings::list_findings, findings::record_finding))
        .routes(routes!(findings::withdraw_finding))
        .routes(routes!(intake::get_rules, intake::put_rules))
        .routes(routes!(intake::test_rules))
        .routes(routes!(intake::list_sources, intake::create_source))
        .routes(routes!(intake::revoke_source))
        .routes(routes!(intake::list_alerts))
        .routes(routes!(intake::open_alert))
        .routes(routes!(intake::dismiss_alert))
        .routes(routes!(mail_in::list_messages))
        .routes(routes!(mail_in::open_message))
        .routes(routes!(mail_in::dismiss_message))
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
            // A scanned signed copy is a file of up to 10 MiB.
            OpenApiRouter::new()
                .routes(routes!(assessments::list_scans, assessments::attach_scan))
                .layer(DefaultBodyLimit::max(crate::app::assessments::scans::MAX_BYTES)),
        )
        .merge(
            // A device list of 10 000 rows is a file of a few MiB.
            OpenApiRouter::new()
                .routes(routes!(devices::import_devices))
                .layer(DefaultBodyLimit::max(devices::DEVICE_FILE_LIMIT)),
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

/// Handlers take the caller as an argument: the one [`permissions::guard`] authenticated, or,
/// outside it, authenticated here; a request without valid credentials answers 401 (see
/// [`crate::http::extract::authenticate`]).
impl axum::extract::FromRequestParts<AppState> for crate::app::auth::Principal {
    type Rejection = problem::ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<crate::app::auth::Principal>() {
            return Ok(p.clone());
        }
        Ok(crate::http::extract::authenticate(parts, state).await?)
    }
}
