//! The page templates (minijinja, compiled into the binary), their filters, and the two static
//! files the pages use.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::{Environment, State, Value};

use crate::app::vocab::{Lang, duration, labels};

/// Every template, by name.
const TEMPLATES: [(&str, &str); 44] = [
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("error.html", include_str!("templates/error.html")),
    ("login.html", include_str!("templates/login.html")),
    ("password.html", include_str!("templates/password.html")),
    ("me_security.html", include_str!("templates/me_security.html")),
    ("me_notifications.html", include_str!("templates/me_notifications.html")),
    ("action_link.html", include_str!("templates/action_link.html")),
    ("board.html", include_str!("templates/board.html")),
    ("rectifications.html", include_str!("templates/rectifications.html")),
    ("rectification.html", include_str!("templates/rectification.html")),
    (
        "rectification_card.html",
        include_str!("templates/rectification_card.html"),
    ),
    ("ticket.html", include_str!("templates/ticket.html")),
    ("spares.html", include_str!("templates/spares.html")),
    (
        "spares_settlement.html",
        include_str!("templates/spares_settlement.html"),
    ),
    ("spares_ledger.html", include_str!("templates/spares_ledger.html")),
    ("spares_ticket.html", include_str!("templates/spares_ticket.html")),
    ("new.html", include_str!("templates/new.html")),
    ("preview.html", include_str!("templates/preview.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("findings.html", include_str!("templates/findings.html")),
    ("surveys.html", include_str!("templates/surveys.html")),
    ("problems.html", include_str!("templates/problems.html")),
    ("problem.html", include_str!("templates/problem.html")),
    ("devices.html", include_str!("templates/devices.html")),
    ("device.html", include_str!("templates/device.html")),
    ("inspections.html", include_str!("templates/inspections.html")),
    ("inspection.html", include_str!("templates/inspection.html")),
    ("periodic_reports.html", include_str!("templates/periodic_reports.html")),
    ("periodic_report.html", include_str!("templates/periodic_report.html")),
    ("assessments.html", include_str!("templates/assessments.html")),
    ("assessment.html", include_str!("templates/assessment.html")),
    (
        "assessment_figures.html",
        include_str!("templates/assessment_figures.html"),
    ),
    ("assessment_print.html", include_str!("templates/assessment_print.html")),
    ("catalog.html", include_str!("templates/catalog.html")),
    ("system.html", include_str!("templates/system.html")),
    ("admin_nav.html", include_str!("templates/admin_nav.html")),
    ("admin_users.html", include_str!("templates/admin_users.html")),
    ("admin_user.html", include_str!("templates/admin_user.html")),
    ("admin_calendars.html", include_str!("templates/admin_calendars.html")),
    ("admin_ladders.html", include_str!("templates/admin_ladders.html")),
    ("admin_windows.html", include_str!("templates/admin_windows.html")),
    ("admin_outbox.html", include_str!("templates/admin_outbox.html")),
    ("mail_in.html", include_str!("templates/mail_in.html")),
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
        env.add_filter("sla", sla);
        env.add_filter("word", word);
        env
    })
}

/// Every template's name and source.
pub fn sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    TEMPLATES.into_iter()
}

/// A page's own `(key, 中文, English)` table, in Chinese when `chinese`, by key (the `sw`, `pw`,
/// … its template reads; [`words_used`] and [`check_words`] keep the table and the template in
/// step).
pub(super) fn pick(
    table: &'static [(&'static str, &'static str, &'static str)],
    chinese: bool,
) -> std::collections::BTreeMap<&'static str, &'static str> {
    table
        .iter()
        .map(|(k, zh, en)| (*k, if chinese { *zh } else { *en }))
        .collect()
}

/// The words a page table's templates use: every `{var}.key` in the templates whose names start
/// with one of `templates`, as (template, key). The pages' word tables are each tested with it:
/// a key a template uses and the table lacks renders as nothing.
#[cfg(test)]
pub(super) fn words_used(templates: &[&str], var: &str) -> Vec<(&'static str, String)> {
    let marker = format!("{var}.");
    let mut out = Vec::new();
    for (name, source) in sources().filter(|(n, _)| templates.iter().any(|t| n.starts_with(t))) {
        for (i, _) in source.match_indices(&marker) {
            // `aw.` inside a longer name (`raw.`) is not this table's.
            if source[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let key: String = source[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !key.is_empty() {
                out.push((name, key));
            }
        }
    }
    out
}

/// Checks a page's word table: each key once, both languages given, and every key `used` there.
#[cfg(test)]
pub(super) fn check_words(table: &[(&str, &str, &str)], used: &[(&'static str, String)]) {
    let mut seen = std::collections::BTreeSet::new();
    for (k, zh, en) in table {
        assert!(seen.insert(*k), "{k} twice");
        assert!(!zh.is_empty() && !en.is_empty(), "{k}");
    }
    for (name, key) in used {
        assert!(seen.contains(key.as_str()), "{name}: no word {key}");
    }
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

/// The page's language, from the `lang` the page context carries (Chinese without one).
fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().map(Lang::from_key))
        .unwrap_or_default()
}

/// Seconds as a span in the page's language (`1 天 7 小时`, `1d 07h 00m`;
/// [`crate::app::vocab::duration::span`]).
fn dur(state: &State, seconds: i64) -> String {
    duration::span(seconds, lang_of(state))
}

/// Minutes (a float, or none) as a span.
fn minutes(state: &State, v: Value) -> String {
    match f64::try_from(v) {
        Ok(m) => duration::minutes(m, lang_of(state)),
        Err(_) => "—".to_owned(),
    }
}

/// A contract duration (`30m`, `7wd`) in the page's language (`30 分钟`, `7 个工作日`;
/// [`crate::app::vocab::duration::sla`]); other text as it is.
fn sla(state: &State, v: Value) -> String {
    match v.as_str() {
        Some(s) => duration::sla_text(s, lang_of(state)),
        None => "—".to_owned(),
    }
}

/// A word of the product's vocabulary under a prefix (`"remote" | word("mode_")` → 远程), in
/// the page's language; a value it does not know as it is.
fn word(state: &State, v: Value, prefix: &str) -> String {
    let value = v.to_string();
    labels::word(&format!("{prefix}{value}"), lang_of(state)).map_or(value, str::to_owned)
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

/// `/favicon.ico`: a clock face in the brand's blue, so that no page asks the browser for a
/// missing file (and logs a 404 in its console).
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_bytes!("favicon.ico").as_slice(),
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

    /// The filters speak the page's language: a template that says `{{ s | dur }}` and
    /// `{{ t | sla }}` reads 1 天 7 小时 and 7 个工作日 on a Chinese page, the canonical forms on
    /// an English one.
    #[test]
    fn durations_follow_the_page_language() {
        let mut env = Environment::new();
        env.add_filter("dur", dur);
        env.add_filter("sla", sla);
        env.add_filter("word", word);
        env.add_filter("minutes", minutes);
        env.add_template(
            "t",
            "{{ s | dur }}|{{ t | sla }}|{{ m | word('mode_') }}|{{ a | minutes }}",
        )
        .unwrap();
        let out = |lang: Option<&str>| {
            let ctx = minijinja::context! { lang => lang, s => 111_600, t => "7wd", m => "remote", a => 95.5 };
            env.get_template("t").unwrap().render(ctx).unwrap()
        };
        assert_eq!(out(Some("zh")), "1 天 7 小时|7 个工作日|远程|1 小时 35 分");
        assert_eq!(out(None), "1 天 7 小时|7 个工作日|远程|1 小时 35 分");
        assert_eq!(out(Some("en")), "1d 07h 00m|7wd|remote|1h 35m");
    }

    #[test]
    fn instants_are_shown_in_beijing_time() {
        assert_eq!(dt(Value::from("2026-03-02T02:15:00Z")), "2026-03-02 10:15");
        assert_eq!(dt(Value::from(())), "—");
    }
}
