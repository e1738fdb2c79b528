//! The page templates (minijinja, compiled into the binary), their filters, and the two static
//! files the pages use.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::{Environment, Value};

/// Every template, by name.
const TEMPLATES: [(&str, &str); 21] = [
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("error.html", include_str!("templates/error.html")),
    ("login.html", include_str!("templates/login.html")),
    ("password.html", include_str!("templates/password.html")),
    ("me_security.html", include_str!("templates/me_security.html")),
    ("board.html", include_str!("templates/board.html")),
    ("ticket.html", include_str!("templates/ticket.html")),
    ("new.html", include_str!("templates/new.html")),
    ("preview.html", include_str!("templates/preview.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("findings.html", include_str!("templates/findings.html")),
    ("catalog.html", include_str!("templates/catalog.html")),
    ("system.html", include_str!("templates/system.html")),
    ("admin_nav.html", include_str!("templates/admin_nav.html")),
    ("admin_users.html", include_str!("templates/admin_users.html")),
    ("admin_user.html", include_str!("templates/admin_user.html")),
    ("admin_calendars.html", include_str!("templates/admin_calendars.html")),
    ("admin_ladders.html", include_str!("templates/admin_ladders.html")),
    ("admin_windows.html", include_str!("templates/admin_windows.html")),
    ("admin_outbox.html", include_str!("templates/admin_outbox.html")),
];

/// The zone times are shown in.
pub const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and checked by this module's tests.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env.add_filter("dt", dt);
        env.add_filter("dur", dur);
        env.add_filter("minutes", minutes);
        env.add_filter("pct", pct);
        env.add_filter("yuan", yuan);
        env.add_filter("level", level);
        env
    })
}

/// Every template's name and source.
pub fn sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    TEMPLATES.into_iter()
}

/// Renders template `name` with `ctx`.
pub fn render(name: &str, ctx: Value) -> Result<String, minijinja::Error> {
    env().get_template(name)?.render(ctx)
}

/// An instant (RFC 3339) as `2026-03-02 10:15` Beijing time; `—` for none.
fn dt(v: Value) -> String {
    v.as_str().and_then(|s| s.parse::<DateTime<Utc>>().ok()).map_or_else(
        || "—".to_owned(),
        |t| t.with_timezone(&ZONE).format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// Seconds as `1d 02h 05m`, `2h 05m` or `5m 10s`.
pub fn dur(seconds: i64) -> String {
    let s = seconds.abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}h {m:02}m")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else {
        format!("{m}m {sec:02}s")
    }
}

/// Minutes (a float, or none) as a duration.
fn minutes(v: Value) -> String {
    match f64::try_from(v) {
        Ok(m) => dur((m * 60.0).round() as i64),
        Err(_) => "—".to_owned(),
    }
}

/// A percentage, or `—`.
fn pct(v: Value) -> String {
    match f64::try_from(v) {
        Ok(p) => format!("{p:.2} %"),
        Err(_) => "—".to_owned(),
    }
}

/// Fen as yuan (`¥88,400.00`).
fn yuan(fen: i64) -> String {
    contract_terms::format_yuan(fen)
}

/// A clock's colour: `done` when stopped, else `breached`, `80`, `50` or `ok` by the share of
/// its budget used.
fn level(c: Value) -> &'static str {
    let get = |k: &str| c.get_attr(k).ok();
    let state = get("state").map(|v| v.to_string()).unwrap_or_default();
    let breached = get("breached").is_some_and(|v| v.is_true());
    let share = get("share_used").and_then(|v| f64::try_from(v).ok()).unwrap_or(0.0);
    match state.as_str() {
        "met" | "breached-met" | "cancelled" => "done",
        _ if breached || state == "breached-running" => "breached",
        _ if share >= 0.8 => "80",
        _ if share >= 0.5 => "50",
        _ => "ok",
    }
}

/// `/assets/app.css` and `/assets/app.js`.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (kind, body) = match file.as_str() {
        "app.css" => ("text/css; charset=utf-8", include_str!("assets/app.css")),
        "app.js" => ("text/javascript; charset=utf-8", include_str!("assets/app.js")),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(dur(0), "0m 00s");
        assert_eq!(dur(75), "1m 15s");
        assert_eq!(dur(2 * 3600 + 5 * 60), "2h 05m");
        assert_eq!(dur(86_400 + 2 * 3600 + 60), "1d 02h 01m");
        assert_eq!(dur(-90), "1m 30s");
    }

    #[test]
    fn instants_are_shown_in_beijing_time() {
        assert_eq!(dt(Value::from("2026-03-02T02:15:00Z")), "2026-03-02 10:15");
        assert_eq!(dt(Value::from(())), "—");
    }
}
