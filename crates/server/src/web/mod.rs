//! The web pages: server-rendered HTML for the on-duty engineer and the manager, served by the
//! same binary as the API, with one small script of our own (no CDN, nothing to build).
//!
//! Pages are thin: each one calls the same use cases in [`crate::app`] as the API does, never an
//! API handler (so the same scope checks, the same validation, the same audit records), and
//! renders the answer with a template from [`templates`]. Forms post
//! `application/x-www-form-urlencoded` with a CSRF token ([`csrf`]); errors come back as a message
//! on the page, never as a stack trace. Every page asks the permission table before its handler
//! runs ([`permissions`]: one row per page route, like the API's).
//!
//! | page | for |
//! |---|---|
//! | `/board` | my tickets and the on-duty queue, by time to breach, with live countdowns |
//! | `/tickets/new` | logging a fault: system search, the classifier's questions, a preview |
//! | `/tickets/{number}` | clocks, timeline, the actions allowed now |
//! | `/tickets/{number}/incident-report` | the ticket's incident report (故障处理情况报告), to print and sign |
//! | `/dashboard` | trend, compliance by vendor and unit, availability, device KPIs against targets, deductions |
//! | `/findings` | findings (认定) of a contract's month, and recording one |
//! | `/catalog/{code}/devices`, `/devices/{device}` | a system's devices (一机一档) with the month's main-device availability, export links and the import form; one device with its tickets and availability |
//! | `/problem-records` | problem records (问题单): a system's recurring class of fault, its tickets, the vendor's analysis and plan |
//! | `/inspections` | inspections (巡检) from the catalogue's cadence: the list, due first; one with its checklist and the vendor's recording form |
//! | `/periodic-reports` | periodic reports (定期报告: 月报, 季度报告…): the list with due dates and late marks; one with its tables, the vendor's form for its written parts and submission, the bureau's managers' acknowledgement or return, its Word file |
//! | `/surveys` | satisfaction surveys (满意度调查): the list, and a unit's managers' form for the period |
//! | `/assessments` | assessments (考核): the list, one with its figures, thread and forms, its printable record |
//! | `/rectifications` | rectification orders (整改通知): the list, issuing one, one with its clock, history and forms |
//! | `/spares` | spare parts (备品备件): a contract's lines, stock and movements, the form that records one; `/spares/settlement` the settlement by actual use and the inventory the supervisor confirms |
//! | `/mail-in` | mail taken in from the `[[mail_in]]` mailboxes with what became of it; the triage queue (open as a ticket on a system, dismiss) |
//! | `/catalog` | systems and their policies; a system's service dates and fee |
//! | `/admin/…` | users and tokens, calendars, ladders, windows, the outbox |

/// A template context: `ctx! { key => value, … }` with any serializable values.
macro_rules! ctx {
    ($($key:ident => $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut m = std::collections::BTreeMap::<&str, minijinja::Value>::new();
        $( m.insert(stringify!($key), minijinja::Value::from(minijinja::value::Serde(&$value))); )*
        minijinja::Value::from(minijinja::value::Serde(&m))
    }};
}

mod account;
mod admin;
mod assessments;
mod attachments;
mod board;
mod catalog;
pub mod csrf;
mod dashboard;
mod devices;
pub mod errors;
mod findings;
pub mod i18n;
mod inspections;
mod login;
mod mail_in;
mod new_ticket;
mod notifications;
mod periodic_reports;
pub mod permissions;
mod problems;
mod rectification;
pub mod resume;
mod spares;
mod surveys;
mod svg;
pub mod templates;
mod ticket;
mod users;
mod wording;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use minijinja::Value;

use crate::app::AppError;
use crate::app::auth::{Principal, Role, Scope};
use crate::http::AppState;
use crate::http::extract::SESSION_COOKIE;
pub use i18n::Lang;

/// A posted form, field by field.
pub type Fields = axum::Form<std::collections::HashMap<String, String>>;

/// Form field `k`, trimmed; `None` when absent or blank.
pub(crate) fn field<'a>(f: &'a std::collections::HashMap<String, String>, k: &str) -> Option<&'a str> {
    f.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Name of the cookie that carries a one-shot message to the next page.
const FLASH_COOKIE: &str = "opsclock_flash";

/// A page route: its method, its path as the router writes it, and its handler.
type PageRoute = (&'static str, &'static str, MethodRouter<AppState>);

fn at_get<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> PageRoute {
    ("GET", path, get(handler))
}

fn at_post<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> PageRoute {
    ("POST", path, post(handler))
}

/// Every page route. The router is built from this list alone and [`route_list`] reads it, so a
/// route cannot be added without the test that compares the list with
/// [`permissions::PAGES`] seeing it.
fn pages() -> Vec<PageRoute> {
    let mut list = vec![
        at_get("/", || async { Redirect::to("/board") }),
        at_get("/login", login::form),
        at_post("/login", login::submit),
        at_post("/logout", login::logout),
        at_get("/me/password", login::password_form),
        at_post("/me/password", login::password_submit),
        at_get("/me/security", account::page),
        at_post("/me/sessions/{id}/end", account::end_session),
        at_post("/me/tokens/{id}/revoke", account::revoke_token),
        at_get("/me/notifications", notifications::page),
        at_post("/me/notifications", notifications::save),
        at_get("/a/{token}", notifications::show),
        at_post("/a/{token}", notifications::act),
        at_get("/lang", i18n::switch),
        at_get("/board", board::page),
        at_get("/tickets/new", new_ticket::new_form),
        at_post("/tickets/new", new_ticket::create),
        at_post("/tickets/new/preview", new_ticket::preview),
        at_get("/tickets/{number}", ticket::page),
        at_get("/tickets/{number}/incident-report", ticket::incident_report),
        at_post("/tickets/{number}/act/{action}", ticket::act),
        at_post("/tickets/{number}/attachments", attachments::upload),
        at_get("/dashboard", dashboard::page),
        at_get("/reports/breaches", dashboard::printable),
        at_get("/findings", findings::page),
        at_post("/findings", findings::record),
        at_post("/findings/{id}/withdraw", findings::withdraw),
        at_get("/problem-records", problems::list),
        at_get("/problem-records/{number}", problems::page),
        at_post("/problem-records/{number}", problems::submit),
        at_get("/surveys", surveys::page),
        at_post("/surveys", surveys::submit),
    ];
    list.extend(assessments::routes());
    list.extend(rectification::routes());
    list.extend(spares::routes());
    list.extend(inspections::routes());
    list.extend(periodic_reports::routes());
    list.extend([
        at_get("/catalog", catalog::list),
        at_get("/catalog/{code}", catalog::system),
        at_get("/catalog/{code}/devices", devices::list),
        at_post("/catalog/{code}/devices/import", devices::upload),
        at_get("/devices/{device}", devices::page),
        at_post("/tickets/{number}/devices", devices::name_on_ticket),
        at_post("/catalog/{code}/service", catalog::set_service),
        at_get("/admin", || async { Redirect::to("/admin/users") }),
        at_get("/admin/users", admin::users),
        at_post("/admin/users", users::add),
        at_get("/admin/users/{username}", users::page),
        at_post("/admin/users/{username}/password", users::reset_password),
        at_post("/admin/users/{username}/disable", users::disable),
        at_post("/admin/users/{username}/enable", users::enable),
        at_post("/admin/users/{username}/role", users::set_role),
        at_post("/admin/users/{username}/notify", users::set_notify),
        at_post("/admin/tokens", admin::create_token),
        at_post("/admin/tokens/{id}/revoke", admin::revoke_token),
        at_get("/admin/calendars", admin::calendars),
        at_post("/admin/calendars/reload", admin::reload_calendars),
        at_post("/admin/calendars/notice", admin::import_notice),
        at_get("/admin/ladders", admin::ladders),
        at_get("/admin/windows", admin::windows),
        at_get("/mail-in", mail_in::list),
        at_post("/mail-in/{id}/open", mail_in::open),
        at_post("/mail-in/{id}/dismiss", mail_in::dismiss),
        at_get("/admin/outbox", admin::outbox),
        at_post("/admin/outbox/{id}/retry", admin::retry),
        at_get("/assets/{file}", templates::asset),
        at_get("/favicon.ico", templates::favicon),
    ]);
    list
}

/// The largest body page route `route` (as the router writes it) takes, where it takes more than
/// a form does: the scan upload's file. `serve`'s `admit` reads a write's body up to it; beyond,
/// it hands the route [`BodyTooLarge`](crate::http::limits::BodyTooLarge) and no body, and the
/// route answers on the page, not with the API's problem document.
pub fn body_limit(route: &str, ctx: &crate::app::Context) -> Option<usize> {
    match route {
        "/assessments/{id}/scans" => Some(assessments::scans::FORM_LIMIT),
        "/catalog/{code}/devices/import" => Some(devices::FORM_LIMIT),
        "/tickets/{number}/attachments" => Some(ctx.attachments.request_limit()),
        _ => None,
    }
}

/// Every page route the router has, as (method, path as the router writes it): what
/// `tests/api/page_permissions.rs` holds against the page table.
pub fn route_list() -> &'static [(&'static str, &'static str)] {
    static LIST: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| pages().into_iter().map(|(method, path, _)| (method, path)).collect())
}

/// The page routes, each behind [`permissions::guard`], which asks the permission table before
/// the page's handler runs.
///
/// A route that takes a file ([`body_limit`]) reads its body up to that limit, not to the
/// server's 64 KiB for everything else: without its own `DefaultBodyLimit` the page's upload of a
/// 0.5 MiB device list or photo was refused as too large.
pub fn routes(state: AppState) -> Router<AppState> {
    pages()
        .into_iter()
        .fold(Router::new(), |router, (_, path, route)| {
            let route = match body_limit(path, &state) {
                Some(limit) => route.layer(axum::extract::DefaultBodyLimit::max(limit)),
                None => route,
            };
            router.route(path, route)
        })
        .route_layer(axum::middleware::from_fn_with_state(state, permissions::guard))
        .layer(axum::middleware::from_fn(errors::localize))
}

/// The signed-in reader of a page: who, their CSRF token, their language, and the message the
/// previous page left.
pub struct Viewer {
    /// Who.
    pub p: Principal,
    /// The token every form of theirs carries.
    pub csrf: String,
    /// Chinese unless they switched.
    pub lang: Lang,
    /// A one-shot message from the previous request.
    pub flash: Option<String>,
    /// The page's path and query (for "back" links and the language switch).
    pub path: String,
    /// The server's "now" as the page was made: the countdowns count from it, so that a phone
    /// whose clock is off still shows the time left the server measures.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Viewer {
    /// Whether they may see the dashboard (the table's `dashboard`: admins and the parties'
    /// managers), so that the pages link to it only for them.
    pub fn is_manager(&self) -> bool {
        crate::app::permissions::may_at_all(&self.p, crate::app::permissions::Action::Dashboard)
    }

    /// Whether they may change tickets.
    pub fn can_write(&self) -> bool {
        self.p.role != Role::Viewer
    }

    /// Fails unless the form's `csrf` field is their token (see [`Viewer::check_csrf`]).
    pub fn check_form(&self, form: &std::collections::HashMap<String, String>) -> Result<(), WebError> {
        self.check_csrf(form.get("csrf").map(String::as_str))
    }

    /// The parts of an upload form (`multipart/form-data`, as `headers` says) once its `csrf`
    /// part is their token: a body that is no such form is a bad request, a wrong token is
    /// refused as [`Viewer::check_csrf`] refuses it.
    pub fn upload_parts<'a>(
        &self,
        headers: &axum::http::HeaderMap,
        body: &'a [u8],
    ) -> Result<Vec<crate::http::multipart::Part<'a>>, WebError> {
        use crate::http::multipart::{boundary, parts};
        let content_type = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let parts = boundary(content_type)
            .and_then(|b| parts(body, &b))
            .ok_or_else(|| WebError::BadRequest("the upload form could not be read (multipart/form-data)".into()))?;
        let csrf = parts
            .iter()
            .find(|p| p.name == "csrf")
            .and_then(|p| std::str::from_utf8(p.data).ok());
        self.check_csrf(csrf)?;
        Ok(parts)
    }

    /// Fails with a friendly page unless the form's token is theirs.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), WebError> {
        if csrf::matches(&self.csrf, sent) {
            Ok(())
        } else {
            Err(WebError::App(AppError::Forbidden(
                "the form has expired or did not come from this site; reload the page and try again".into(),
            )))
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(&parts.headers);
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        // The reader [`permissions::guard`] authenticated, or, without one, authenticated here.
        let signed_in = match parts.extensions.get::<Principal>() {
            Some(p) => Ok(p.clone()),
            None => crate::http::extract::authenticate(parts, state).await,
        };
        let p = match signed_in {
            Ok(p) => p,
            // Not signed in, or the session ran out: sign in, then back. A form posted meanwhile
            // goes back to its page with the action to confirm, never to a GET on itself.
            Err(AppError::Unauthorized(_)) => {
                let value_of = |h| parts.headers.get(h).and_then(|v| v.to_str().ok());
                let next = resume::after_sign_in(
                    parts.method.as_str(),
                    &path,
                    value_of(header::REFERER),
                    value_of(header::HOST),
                );
                let posted = !matches!(parts.method.as_str(), "GET" | "HEAD");
                return Err(WebError::Redirect(format!(
                    "/login?next={}{}",
                    encode(&next),
                    if posted { "&resume=1" } else { "" }
                )));
            }
            // Signed in with a one-time password: set one's own first, then on to the page
            // (the ticket a mail linked to) that was asked for.
            Err(AppError::Forbidden(m)) if m.contains("one-time password") => {
                let value_of = |h| parts.headers.get(h).and_then(|v| v.to_str().ok());
                let next = resume::after_sign_in(
                    parts.method.as_str(),
                    &path,
                    value_of(header::REFERER),
                    value_of(header::HOST),
                );
                return Err(WebError::Redirect(match next.as_str() {
                    "/board" => "/me/password".to_owned(),
                    _ => format!("/me/password?next={}", encode(&next)),
                }));
            }
            Err(e) => return Err(WebError::App(e)),
        };
        let csrf = crate::http::extract::cookie(&parts.headers, SESSION_COOKIE)
            .map(|t| csrf::for_session(&t))
            .unwrap_or_default();
        let flash = crate::http::extract::cookie(&parts.headers, FLASH_COOKIE).and_then(|v| flash_decode(&v));
        Ok(Viewer {
            p,
            csrf,
            lang,
            flash,
            path,
            now: state.now(),
        })
    }
}

/// What a page can fail with.
#[derive(Debug)]
pub enum WebError {
    /// Go elsewhere (sign in, set a password).
    Redirect(String),
    /// A use case failed: shown as a friendly page with the status
    /// [`status_of`](crate::http::status_of) gives it.
    App(AppError),
    /// The form or the address could not be read (400).
    BadRequest(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError::App(e)
    }
}

impl From<sea_orm::DbErr> for WebError {
    fn from(e: sea_orm::DbErr) -> Self {
        WebError::App(e.into())
    }
}

/// A page's result.
pub type WebResult<T = Response> = Result<T, WebError>;

impl IntoResponse for WebError {
    /// The error page ([`errors`]): in Chinese here, said again in English by
    /// [`errors::localize`] for a reader who chose English.
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            WebError::Redirect(to) => return Redirect::to(&to).into_response(),
            WebError::BadRequest(detail) => (StatusCode::BAD_REQUEST, Some(detail)),
            WebError::App(e) => {
                let status = crate::http::status_of(&e);
                // Internal errors are logged in full; the page says only that they were.
                if status.is_server_error() && !matches!(e, AppError::Busy { .. }) {
                    tracing::error!(error = %e, "page failed");
                    (status, None)
                } else {
                    (status, Some(e.detail()))
                }
            }
        };
        errors::render(status, detail.as_deref(), Lang::Zh)
    }
}

/// Renders page `name` for `v` with `ctx`, plus what every page has: the user, the CSRF token,
/// the language and its words, the flash message (then cleared).
pub fn page(v: &Viewer, name: &str, ctx: Value) -> WebResult {
    let me = ctx! {
        username => v.p.username.clone(),
        role => v.p.role.key(),
        manager => v.is_manager(),
        admin => v.p.role == Role::Admin,
        writer => v.can_write(),
        opener => crate::app::permissions::may(&v.p, crate::app::permissions::Action::TicketOpen),
        assessor => crate::app::permissions::may_at_all(&v.p, crate::app::permissions::Action::AssessmentRead),
        rectifier => crate::app::permissions::may_at_all(&v.p, crate::app::permissions::Action::RectificationRead),
        inspector => crate::app::permissions::may_at_all(&v.p, crate::app::permissions::Action::InspectionRead),
        reporter => crate::app::permissions::may_at_all(&v.p, crate::app::permissions::Action::PeriodicReportRead),
        vendor => matches!(v.p.scope, Scope::Vendor(_)),
        spares => crate::app::permissions::may_at_all(&v.p, crate::app::permissions::Action::SpareRead),
        mail_triager => crate::app::permissions::may(&v.p, crate::app::permissions::Action::MailInTriage),
    };
    let common = ctx! {
        me => me,
        csrf => v.csrf.clone(),
        lang => v.lang.key(),
        tr => i18n::words(v.lang),
        flash => v.flash.clone(),
        path => v.path.clone(),
        server_now => v.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let mut res = html(name, minijinja::context! { ..common, ..ctx })?;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if v.flash.is_some() {
        set_cookie(&mut res, "opsclock_flash=; Path=/; Max-Age=0; SameSite=Lax");
    }
    Ok(res)
}

/// Template `name` rendered with `ctx` alone (no page context), as an HTML response.
pub fn html(name: &str, ctx: Value) -> WebResult {
    let html =
        templates::render(name, ctx).map_err(|e| AppError::Internal(anyhow::anyhow!("template {name}: {e:#}")))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// Adds a `Set-Cookie` header to `res` (our cookies are ASCII; one that is not is left out).
pub fn set_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A redirect to `to` that keeps the cookies `answer` sets (the sign-in and sign-out both HTTP
/// doors share, [`crate::http::session`]).
pub fn redirect_keeping_cookies(to: &str, answer: &Response) -> Response {
    let mut out = Redirect::to(to).into_response();
    for c in answer.headers().get_all(header::SET_COOKIE) {
        out.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    out
}

/// A redirect (303, so the browser follows with GET) that leaves `message` for the next page.
pub fn redirect_with(to: &str, message: &str) -> Response {
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    let cookie = format!(
        "{FLASH_COOKIE}={}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax",
        flash_encode(message)
    );
    set_cookie(&mut res, &cookie);
    res
}

/// A local path to go back to: only our own absolute paths (not `//elsewhere`).
pub fn local_path(to: Option<&str>, default: &str) -> String {
    match to {
        // Printable ASCII only: browsers drop tabs and newlines from a URL, so `/\t/host` would
        // become `//host`, another site.
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            p.to_owned()
        }
        _ => default.to_owned(),
    }
}

fn flash_encode(message: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(message.as_bytes())
}

fn flash_decode(v: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v).ok()?;
    String::from_utf8(bytes).ok().filter(|s| !s.is_empty())
}

/// Percent-encodes `s` for a query string (everything but unreserved characters).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/tickets/INC-1"), "/board"), "/tickets/INC-1");
        assert_eq!(local_path(Some("//evil.example/"), "/board"), "/board");
        assert_eq!(local_path(Some("https://evil.example/"), "/board"), "/board");
        assert_eq!(local_path(Some("/\\evil.example"), "/board"), "/board");
        assert_eq!(local_path(None, "/board"), "/board");
        assert_eq!(local_path(Some("/\t/evil.example"), "/board"), "/board");
        assert_eq!(local_path(Some("/\r\nSet-Cookie:x"), "/board"), "/board");
        assert_eq!(local_path(Some("/board?period=2026-03"), "/x"), "/board?period=2026-03");
    }

    #[test]
    fn flash_messages_survive_the_cookie() {
        let m = "已响应 INC-2026-000001; done";
        assert_eq!(flash_decode(&flash_encode(m)).as_deref(), Some(m));
        assert_eq!(flash_decode("%%%"), None);
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(encode("/board?x=1&y=中"), "/board%3Fx%3D1%26y%3D%E4%B8%AD");
    }
}
