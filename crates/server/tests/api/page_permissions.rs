//! The pages' permission table, route by route: every route the page router has has a rule in
//! `web/permissions.rs` and every rule a route, and every party and role, signed in with a
//! browser's session, is refused with the 403 page exactly where the written policy
//! (`tests/api/permissions.rs`) refuses it — on things that do not exist, and on unit A's ticket
//! and system, which those out of scope find absent (404) and those in scope reach.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use opsclock::app::permissions::Action;
use opsclock::web::permissions::{self as pages, Need};

use crate::both;
use crate::support::Harness;

/// Every persona of the matrix: admin; the bureau's manager; unit A's manager, engineer and
/// viewer; vendor A's manager and engineer; the supervisor; an account of no party; and unit B's
/// manager and vendor B's engineer, to whom unit A's system and its tickets are out of scope.
const PERSONAS: [&str; 11] = [
    "admin", "bureau", "mgr_a", "ueng_a", "viewer_a", "vmgr_a", "eng_a", "sup", "nobody", "mgr_b", "eng_b",
];

/// Every name a ticket action's `{action}` segment can take.
const TICKET_ACTIONS: &[&str] = &opsclock::app::tickets::actions::ACTIONS;

#[test]
fn every_page_route_has_a_rule_and_every_rule_a_route() {
    let routed = opsclock::web::route_list();
    let missing: Vec<String> = routed
        .iter()
        .filter(|(m, p)| pages::need(m, p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "page routes without a permission rule (add a row to PAGES in crates/server/src/web/permissions.rs):\n  {}",
        missing.join("\n  ")
    );
    let routed_set: BTreeSet<(&str, &str)> = routed.iter().copied().collect();
    assert_eq!(routed_set.len(), routed.len(), "a page route twice: {routed:?}");
    let stale: Vec<String> = pages::PAGES
        .iter()
        .filter(|r| !routed_set.contains(&(r.method, r.path)))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        stale.is_empty(),
        "rules for page routes that do not exist:\n  {}",
        stale.join("\n  ")
    );
    let mut seen = BTreeSet::new();
    for r in pages::PAGES {
        assert!(seen.insert((r.method, r.path)), "two rules for {} {}", r.method, r.path);
    }
    let unruled: Vec<&str> = TICKET_ACTIONS
        .iter()
        .copied()
        .filter(|name| Action::for_ticket_action(name).is_none())
        .collect();
    assert!(
        unruled.is_empty(),
        "ticket actions without a permission rule: {unruled:?}"
    );
}

/// What to put in a route's parameters.
struct Things<'a> {
    number: &'a str,
    /// A problem record's number (the `{number}` of `/problem-records/…`).
    problem: &'a str,
    /// A periodic report's number (the `{number}` of `/periodic-reports/…`).
    report: &'a str,
    code: &'a str,
    file: &'a str,
}

/// Things that do not exist.
const ABSENT: Things<'static> = Things {
    number: "INC-2099-999999",
    problem: "PRB-2099-999999",
    report: "RPT-999999",
    code: "nope",
    file: "nope",
};

/// `path` with its parameters filled in from `things`, the ticket action `action`; ids that do
/// not exist (a token or a message id is never real here: revoking one would change the matrix);
/// and the query a page needs to get past reading it.
fn concrete(path: &str, things: &Things<'_>, action: &str) -> String {
    let query = match path {
        "/reports/breaches" => "?period=2026-11",
        "/lang" => "?to=en&back=/board",
        _ => "",
    };
    let number = if path.starts_with("/problem-records/") {
        things.problem
    } else if path.starts_with("/periodic-reports/") {
        things.report
    } else {
        things.number
    };
    let path = path
        .replace("{number}", number)
        .replace("{code}", things.code)
        .replace("{file}", things.file)
        .replace("{id}", "999999")
        .replace("{action}", action);
    format!("{path}{query}")
}

/// A browser's session for `who` (signed in through the API): the cookie and the form token its
/// pages carry.
async fn session(t: &Harness, who: &str) -> (String, String) {
    let signed_in = t
        .post(
            "",
            "/api/v1/session",
            serde_json::json!({"username": who, "password": format!("password-of-{who}")}),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{who}: {:?}", signed_in.body);
    let cookie = signed_in.set_cookie.expect("a session cookie");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let secret = cookie.split_once('=').unwrap().1;
    let csrf = opsclock::web::csrf::for_session(secret);
    (cookie, csrf)
}

/// One request of the matrix: the method, the path, what the route needs (`None`: it has no
/// rule), and the action the table asks (`None`: a public page, or a ticket action's name that is
/// no action).
struct Case {
    method: &'static str,
    uri: String,
    /// Whether the route names a real thing of unit A (its ticket, its system), not an absent one.
    real: bool,
    need: Option<Need>,
    action: Option<Action>,
}

/// Every route of the page router with absent things, and those with a ticket, a system or a
/// file in them again with real ones (`real`); signing out last, so that the session holds until
/// then.
fn cases(real: &Things<'_>) -> Vec<Case> {
    let mut out = Vec::new();
    for &(method, path) in opsclock::web::route_list() {
        let need = pages::need(method, path);
        let mut sets = vec![&ABSENT];
        if ["{number}", "{code}", "{file}"].iter().any(|p| path.contains(p)) {
            sets.push(real);
        }
        for (i, things) in sets.into_iter().enumerate() {
            let names: Vec<(&str, Option<Action>)> = match need {
                None | Some(Need::Public(_)) => vec![("", None)],
                Some(Need::Act(a)) => vec![("", Some(a))],
                Some(Need::TicketAction) => TICKET_ACTIONS
                    .iter()
                    .map(|name| (*name, Action::for_ticket_action(name)))
                    .collect(),
            };
            for (name, action) in names {
                out.push(Case {
                    method,
                    uri: concrete(path, things, name),
                    real: i == 1,
                    need,
                    action,
                });
            }
        }
    }
    out.sort_by_key(|c| c.uri == "/logout");
    out
}

/// The message a page's redirect carries (its flash cookie), if any.
fn flash(a: &crate::support::Answer) -> Option<String> {
    use base64::Engine;
    let cookie = a.set_cookie.as_deref()?;
    let value = cookie.split(';').next()?.split_once('=')?.1;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).ok()?;
    String::from_utf8(bytes).ok()
}

both!(
    every_page_refuses_exactly_whom_the_table_refuses,
    |t: crate::support::Harness| async move {
        // A ticket of unit A's system, which vendor A serves; the form's version is never the
        // ticket's, so no action the matrix sends changes it.
        let ticket = t.open("mgr_a", "SA", "fault", "urgent").await;
        // A second: a recurrence, and the problem record of unit A's system that holds both.
        let again = t.open("mgr_a", "SA", "fault", "urgent").await;
        // A periodic report of vendor A's contract, which vendor B's people find absent and a
        // unit's people may not read at all.
        let report = crate::periodic_reports::one(&t).await;
        let real = Things {
            number: ticket["number"].as_str().unwrap(),
            problem: again["problem"].as_str().expect("a problem record"),
            report: &report,
            code: "SA",
            file: "app.css",
        };
        let cases = cases(&real);
        assert!(cases.len() > 60, "{} cases", cases.len());
        let mut report = Vec::new();
        let (mut wrong, mut refused) = (0, 0);
        for who in PERSONAS {
            let (cookie, csrf) = session(&t, who).await;
            for c in &cases {
                // The policy as written (tests/api/permissions.rs), and the vendor's work on a
                // ticket the vendor serves is not the buyer's.
                let vendors_work = c.real
                    && ["acknowledge", "arrive", "start", "pause", "resume", "resolve"]
                        .iter()
                        .any(|n| c.uri.ends_with(&format!("/{n}")))
                    && matches!(who, "bureau" | "mgr_a" | "ueng_a");
                let allowed = c.action.is_none_or(|a| crate::permissions::may(who, a)) && !vendors_work;
                // Unit A's ticket and system are out of scope for unit B's and vendor B's people.
                let out_of_scope = c.real && c.action.is_some() && matches!(who, "mgr_b" | "eng_b" | "nobody");
                let method: Method = c.method.parse().unwrap();
                let form = (method == Method::POST).then(|| format!("csrf={csrf}&version=999999"));
                let a = t
                    .with_headers(
                        "",
                        method,
                        &c.uri,
                        form.as_ref().map(|_| "application/x-www-form-urlencoded"),
                        &[("cookie", &cookie)],
                        form.unwrap_or_default().into_bytes(),
                    )
                    .await;
                let page = a.body.as_str().unwrap_or_default();
                let fine = if c.need.is_none() {
                    false
                } else if vendors_work {
                    // The action's own refusal, said on the ticket page it sends back to.
                    a.status == StatusCode::SEE_OTHER
                        && flash(&a).is_some_and(|m| m.contains("✗") && m.contains("only "))
                } else if allowed && out_of_scope {
                    a.status == StatusCode::NOT_FOUND
                } else if allowed {
                    a.status != StatusCode::FORBIDDEN
                        && !a.status.is_server_error()
                        && !(c.real && c.action.is_some() && a.status == StatusCode::NOT_FOUND)
                } else {
                    refused += 1;
                    // The friendly page, saying who may and who the reader is.
                    a.status == StatusCode::FORBIDDEN
                        && a.content_type.starts_with("text/html")
                        && page.contains("; you are ")
                };
                let want = match (c.need, allowed, out_of_scope) {
                    (None, ..) => "a rule",
                    _ if vendors_work => "refusal",
                    (Some(_), true, true) => "404",
                    (Some(_), true, false) => "reached",
                    (Some(_), false, _) => "403",
                };
                let line = format!(
                    "{who:<9} {:<5} {:<44} want {want:<7} got {}",
                    c.method,
                    c.uri,
                    a.status.as_u16()
                );
                if fine {
                    report.push(format!("   ok  {line}"));
                } else {
                    wrong += 1;
                    let shown: String = page.chars().take(600).collect();
                    report.push(format!("WRONG  {line} ({:?}) {shown}", c.need));
                }
            }
        }
        assert!(refused > 150, "the matrix refuses only {refused} requests");
        assert!(wrong == 0, "{wrong} of {} wrong:\n{}", report.len(), report.join("\n"));
    }
);

both!(
    a_stranger_is_sent_to_sign_in_not_refused,
    |t: crate::support::Harness| async move {
        for c in cases(&ABSENT) {
            let method: Method = c.method.parse().unwrap();
            let a = t.raw("", method, &c.uri, None, vec![]).await;
            match c.need.unwrap_or_else(|| panic!("no rule for {} {}", c.method, c.uri)) {
                Need::Public(_) => assert!(
                    a.status != StatusCode::FORBIDDEN && !a.status.is_server_error(),
                    "{} {}: {}",
                    c.method,
                    c.uri,
                    a.status
                ),
                _ => assert_eq!(a.status, StatusCode::SEE_OTHER, "{} {}: {:?}", c.method, c.uri, a.body),
            }
        }
    }
);

both!(
    a_head_asks_what_its_get_asks_and_a_method_no_page_takes_is_405,
    |t: crate::support::Harness| async move {
        let (cookie, _) = session(&t, "eng_a").await;
        let send = |method: Method, path: &'static str| {
            let (t, cookie) = (&t, cookie.clone());
            async move {
                t.with_headers("", method, path, None, &[("cookie", &cookie)], vec![])
                    .await
                    .status
            }
        };
        assert_eq!(send(Method::HEAD, "/board").await, StatusCode::OK);
        assert_eq!(send(Method::HEAD, "/dashboard").await, StatusCode::FORBIDDEN);
        // The method router's own answer, not the 500 of a route without a rule.
        assert_eq!(send(Method::POST, "/board").await, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            send(Method::DELETE, "/tickets/new").await,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
);

both!(
    the_pages_link_to_the_dashboard_for_whom_the_table_lets_in,
    |t: crate::support::Harness| async move {
        for who in PERSONAS {
            let may = crate::permissions::may(who, Action::Dashboard);
            let (status, _, board) = t.download(who, "/board").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            let linked = String::from_utf8(board).unwrap().contains(r#"<a href="/dashboard""#);
            assert_eq!(linked, may, "{who}: the dashboard link");
        }
    }
);
