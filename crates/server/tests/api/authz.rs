//! Who may do what, where: a role × scope × endpoint matrix.
//!
//! Each test is a table of (user, request, expected answer) rows run in order; every row is
//! checked and the whole matrix is printed, with the wrong rows marked, if any row is wrong.
//! Out of scope is always 404, so nobody learns what exists outside their scope; 403 only where
//! the caller's party and role may not do the thing anywhere (which says nothing about what
//! exists). `permissions.rs` checks every route against the permission table.

use std::collections::BTreeSet;
use std::fmt;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Answer, Harness, policy_targets};

/// Every user of the harness, admin first.
const USERS: [&str; 7] = ["admin", "mgr_a", "eng_a", "viewer_a", "eng_b", "mgr_b", "nobody"];

/// Every ticket action.
const ACTIONS: [&str; 12] = [
    "acknowledge",
    "arrive",
    "start",
    "pause",
    "resume",
    "regrade",
    "resolve",
    "close",
    "reopen",
    "cancel",
    "assign",
    "comment",
];

/// A request.
enum Req {
    Get(String),
    Post(String, Value),
    Patch(String, Value),
    /// An action on a ticket (by number) with extra fields; the version is read just before.
    Act(String, &'static str, Value),
}

impl fmt::Display for Req {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Req::Get(p) => write!(f, "GET   {p}"),
            Req::Post(p, _) => write!(f, "POST  {p}"),
            Req::Patch(p, _) => write!(f, "PATCH {p}"),
            Req::Act(n, a, _) => write!(f, "POST  /api/v1/tickets/{n}/{a}"),
        }
    }
}

/// What a problem's detail must be.
enum Detail {
    Any,
    Has(String),
    Is(String),
}

/// The expected answer.
enum Want {
    /// A success status (the body is not looked at).
    Ok(StatusCode),
    /// 200 and an array whose `code`s are exactly these, in this order.
    Codes(Vec<&'static str>),
    /// 200 and a page whose ticket numbers are exactly these (in any order).
    Tickets(Vec<String>),
    /// A problem document of this status and type.
    Problem(StatusCode, &'static str, Detail),
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Want::Ok(s) => write!(f, "{}", s.as_u16()),
            Want::Codes(c) => write!(f, "200 {c:?}"),
            Want::Tickets(n) => write!(f, "200 tickets {n:?}"),
            Want::Problem(s, slug, d) => {
                write!(f, "{} {slug}", s.as_u16())?;
                match d {
                    Detail::Any => Ok(()),
                    Detail::Has(x) => write!(f, " (detail has {x:?})"),
                    Detail::Is(x) => write!(f, " (detail is {x:?})"),
                }
            }
        }
    }
}

struct Row {
    who: &'static str,
    req: Req,
    want: Want,
}

fn row(who: &'static str, req: Req, want: Want) -> Row {
    Row { who, req, want }
}

fn ok(s: StatusCode) -> Want {
    assert!(s.is_success(), "table error: {s} is not a success; use a problem");
    Want::Ok(s)
}

fn forbidden() -> Want {
    Want::Problem(StatusCode::FORBIDDEN, "forbidden", Detail::Any)
}

fn not_found(detail: String) -> Want {
    Want::Problem(StatusCode::NOT_FOUND, "not-found", Detail::Is(detail))
}

fn name_of(who: &str) -> String {
    format!("renamed by {who}")
}

fn get(p: impl Into<String>) -> Req {
    Req::Get(p.into())
}

/// Checks an answer; `Err` says what is wrong.
fn check(want: &Want, a: &Answer) -> Result<(), String> {
    let got = || format!("got {} {}", a.status.as_u16(), a.body);
    match want {
        Want::Ok(s) => (a.status == *s).then_some(()).ok_or_else(got),
        Want::Codes(codes) => {
            if a.status != StatusCode::OK {
                return Err(got());
            }
            let seen: Option<Vec<&str>> = a
                .body
                .as_array()
                .map(|items| items.iter().filter_map(|i| i["code"].as_str()).collect());
            match seen {
                Some(seen) if seen == *codes => Ok(()),
                Some(seen) => Err(format!("got 200 {seen:?}")),
                None => Err(got()),
            }
        }
        Want::Tickets(numbers) => {
            if a.status != StatusCode::OK {
                return Err(got());
            }
            let Some(items) = a.body["items"].as_array() else {
                return Err(got());
            };
            let seen: BTreeSet<&str> = items.iter().filter_map(|i| i["number"].as_str()).collect();
            let want: BTreeSet<&str> = numbers.iter().map(String::as_str).collect();
            (seen == want && seen.len() == items.len())
                .then_some(())
                .ok_or_else(|| format!("got 200 tickets {seen:?}"))
        }
        Want::Problem(s, slug, detail) => {
            let b = &a.body;
            let d = b["detail"].as_str().unwrap_or("");
            let fine = a.status == *s
                && a.content_type == "application/problem+json"
                && b["type"] == format!("/problems/{slug}")
                && b["status"] == s.as_u16()
                && !d.trim().is_empty()
                && match detail {
                    Detail::Any => true,
                    Detail::Has(x) => d.contains(x.as_str()),
                    Detail::Is(x) => d == x,
                };
            fine.then_some(())
                .ok_or_else(|| format!("got {} [{}] {b}", a.status.as_u16(), a.content_type))
        }
    }
}

/// Runs the rows in order and fails, showing the whole matrix, if any row is wrong.
async fn run(t: &Harness, rows: Vec<Row>) {
    let mut report = Vec::with_capacity(rows.len());
    let mut wrong = 0;
    for r in &rows {
        let a = match &r.req {
            Req::Get(p) => t.get(r.who, p).await,
            Req::Post(p, b) => t.post(r.who, p, b.clone()).await,
            Req::Patch(p, b) => t.patch(r.who, p, b.clone()).await,
            Req::Act(number, action, extra) => {
                // A ticket that does not exist gets version 1.
                let read = t.get("admin", &format!("/api/v1/tickets/{number}")).await;
                let current = if read.status == StatusCode::OK {
                    read.body
                } else {
                    json!({"number": number, "version": 1})
                };
                t.act(r.who, &current, action, extra.clone()).await
            }
        };
        let who = if r.who.is_empty() { "(none)" } else { r.who };
        match check(&r.want, &a) {
            Ok(()) => report.push(format!("   ok  {who:<9} {:<58} → {}", r.req.to_string(), r.want)),
            Err(e) => {
                wrong += 1;
                report.push(format!(
                    "WRONG  {who:<9} {:<58} → want {}; {e}",
                    r.req.to_string(),
                    r.want
                ));
            }
        }
    }
    assert!(
        wrong == 0,
        "{wrong} of {} rows wrong:\n{}",
        rows.len(),
        report.join("\n")
    );
}

both!(catalogue_matrix, |t: crate::support::Harness| async move {
    let mut t = t;
    t.tokens.insert("forged", "ocp_forged-token".to_owned());
    let ids = &t.ids;
    let (ua, ub, va, vb, p, sa, sb) = (
        ids.unit_a,
        ids.unit_b,
        ids.vendor_a,
        ids.vendor_b,
        ids.policy,
        ids.sys_a,
        ids.sys_b,
    );
    let mut rows = Vec::new();

    // Reads: the catalogue is visible to everyone signed in; systems only in scope.
    for who in USERS {
        rows.push(row(who, get("/api/v1/me"), ok(StatusCode::OK)));
        rows.push(row(who, get("/api/v1/units"), Want::Codes(vec!["UA", "UB"])));
        rows.push(row(who, get("/api/v1/vendors"), Want::Codes(vec!["VA", "VB"])));
        rows.push(row(who, get("/api/v1/policies"), Want::Codes(vec!["P"])));
        for path in [
            format!("/api/v1/units/{ua}"),
            format!("/api/v1/units/{ub}"),
            format!("/api/v1/vendors/{va}"),
            format!("/api/v1/vendors/{vb}"),
            format!("/api/v1/policies/{p}"),
        ] {
            rows.push(row(who, get(path), ok(StatusCode::OK)));
        }
        let (sees_a, sees_b) = match who {
            "admin" => (true, true),
            "mgr_a" | "eng_a" | "viewer_a" => (true, false),
            "eng_b" | "mgr_b" => (false, true),
            _ => (false, false),
        };
        let codes = [("SA", sees_a), ("SB", sees_b)]
            .into_iter()
            .filter_map(|(c, s)| s.then_some(c))
            .collect();
        rows.push(row(who, get("/api/v1/systems"), Want::Codes(codes)));
        for (id, sees) in [(sa, sees_a), (sb, sees_b)] {
            let want = if sees {
                ok(StatusCode::OK)
            } else {
                not_found(format!("no system {id}"))
            };
            rows.push(row(who, get(format!("/api/v1/systems/{id}")), want));
        }
    }
    // An id that does not exist answers exactly like one out of scope.
    rows.push(row(
        "admin",
        get("/api/v1/systems/999999"),
        not_found("no system 999999".into()),
    ));

    // Writes: admins only; everyone else 403, whatever their scope.
    for who in USERS {
        let admin = who == "admin";
        let created = || if admin { ok(StatusCode::CREATED) } else { forbidden() };
        let updated = || if admin { ok(StatusCode::OK) } else { forbidden() };
        let code = format!("X-{who}");
        rows.push(row(
            who,
            Req::Post("/api/v1/units".into(), json!({"code": code, "name": "Unit"})),
            created(),
        ));
        rows.push(row(
            who,
            Req::Post("/api/v1/vendors".into(), json!({"code": code, "name": "Vendor"})),
            created(),
        ));
        rows.push(row(
            who,
            Req::Post(
                "/api/v1/policies".into(),
                json!({"code": code, "name": "Policy", "targets": policy_targets()}),
            ),
            created(),
        ));
        rows.push(row(
            who,
            Req::Post(
                "/api/v1/systems".into(),
                json!({"code": code, "name": "System", "unit_id": ub, "vendor_ids": [vb],
                    "policy_id": p, "calendar": "24x7", "service_mode": "remote"}),
            ),
            created(),
        ));
        let name = format!("renamed by {who}");
        for path in [
            format!("/api/v1/units/{ua}"),
            format!("/api/v1/vendors/{va}"),
            format!("/api/v1/policies/{p}"),
        ] {
            rows.push(row(who, Req::Patch(path, json!({"name": name})), updated()));
        }
        // Only the admin's change lands, so version 1 stays the version read for everyone after.
        rows.push(row(
            who,
            Req::Patch(format!("/api/v1/systems/{sa}"), json!({"version": 1, "name": name})),
            updated(),
        ));
    }

    // SLA policies are the buyer's rules: the bureau's managers set them too; the rest of the
    // catalogue stays the admins'.
    rows.push(row(
        "bureau",
        Req::Post(
            "/api/v1/policies".into(),
            json!({"code": "X-bureau", "name": "Policy", "targets": policy_targets()}),
        ),
        ok(StatusCode::CREATED),
    ));
    rows.push(row(
        "bureau",
        Req::Patch(
            format!("/api/v1/policies/{p}"),
            json!({"name": "renamed by the bureau"}),
        ),
        ok(StatusCode::OK),
    ));
    for who in ["bureau", "vmgr_a", "sup"] {
        rows.push(row(
            who,
            Req::Post(
                "/api/v1/units".into(),
                json!({"code": format!("Y-{who}"), "name": "Unit"}),
            ),
            forbidden(),
        ));
    }
    for who in ["vmgr_a", "sup", "ueng_a"] {
        rows.push(row(
            who,
            Req::Patch(format!("/api/v1/policies/{p}"), json!({"name": name_of(who)})),
            forbidden(),
        ));
    }

    // No credentials (or a forged token): 401 everywhere.
    for (who, detail) in [("", "Bearer"), ("forged", "not valid")] {
        let unauthorized = || Want::Problem(StatusCode::UNAUTHORIZED, "unauthorized", Detail::Has(detail.into()));
        rows.push(row(who, get("/api/v1/me"), unauthorized()));
        rows.push(row(
            who,
            Req::Post(
                "/api/v1/me/password".into(),
                json!({"current": "password-of-admin", "new": "a much better one"}),
            ),
            unauthorized(),
        ));
        for (list, one) in [
            ("/api/v1/units", format!("/api/v1/units/{ua}")),
            ("/api/v1/vendors", format!("/api/v1/vendors/{va}")),
            ("/api/v1/policies", format!("/api/v1/policies/{p}")),
            ("/api/v1/systems", format!("/api/v1/systems/{sa}")),
        ] {
            rows.push(row(who, get(list), unauthorized()));
            rows.push(row(who, Req::Post(list.into(), json!({})), unauthorized()));
            rows.push(row(who, get(one.clone()), unauthorized()));
            rows.push(row(who, Req::Patch(one, json!({})), unauthorized()));
        }
    }

    run(&t, rows).await;
});

both!(tickets_matrix, |t: crate::support::Harness| async move {
    let mut t = t;
    t.tokens.insert("forged", "ocp_forged-token".to_owned());
    let number = |v: Value| v["number"].as_str().unwrap().to_owned();
    let ta = number(t.open("eng_a", "SA", "fault", "urgent").await);
    let tb = number(t.open("eng_b", "SB", "fault", "urgent").await);
    let ua = t.ids.unit_a;
    let va = t.ids.vendor_a;
    let mut rows = Vec::new();

    // Lists: exactly the tickets in scope, and filters cannot reach outside it.
    for who in USERS {
        let want = match who {
            "admin" => vec![ta.clone(), tb.clone()],
            "mgr_a" | "eng_a" | "viewer_a" => vec![ta.clone()],
            "eng_b" | "mgr_b" => vec![tb.clone()],
            _ => vec![],
        };
        rows.push(row(who, get("/api/v1/tickets"), Want::Tickets(want)));
    }
    for (who, query) in [
        ("eng_b", "system=SA".to_owned()),
        ("eng_b", format!("vendor={va}")),
        ("mgr_b", format!("unit={ua}")),
        ("mgr_b", "system=SA".to_owned()),
        ("nobody", "system=SA".to_owned()),
    ] {
        rows.push(row(who, get(format!("/api/v1/tickets?{query}")), Want::Tickets(vec![])));
    }

    // One ticket: in scope 200 (viewers too), out of scope 404 like a ticket that does not exist.
    for who in USERS {
        let (sees_a, sees_b) = match who {
            "admin" => (true, true),
            "mgr_a" | "eng_a" | "viewer_a" => (true, false),
            "eng_b" | "mgr_b" => (false, true),
            _ => (false, false),
        };
        for (n, sees) in [(&ta, sees_a), (&tb, sees_b)] {
            let want = if sees {
                ok(StatusCode::OK)
            } else {
                not_found(format!("no ticket {n}"))
            };
            rows.push(row(who, get(format!("/api/v1/tickets/{n}")), want));
        }
    }
    rows.push(row(
        "admin",
        get("/api/v1/tickets/INC-1999-999999"),
        not_found("no ticket INC-1999-999999".into()),
    ));

    // Actions: who may never do an action is refused (403) wherever the ticket is, viewers and
    // accounts of no party every action, a vendor's engineer closing; anyone else out of scope
    // gets 404 before anything else.
    for action in ACTIONS {
        for who in ["eng_b", "mgr_b", "nobody"] {
            let never = who == "nobody" || (who == "eng_b" && action == "close");
            let want = if never {
                forbidden()
            } else {
                not_found(format!("no ticket {ta}"))
            };
            rows.push(row(who, Req::Act(ta.clone(), action, json!({})), want));
        }
        rows.push(row("viewer_a", Req::Act(ta.clone(), action, json!({})), forbidden()));
        rows.push(row("viewer_a", Req::Act(tb.clone(), action, json!({})), forbidden()));
    }
    for who in ["admin", "mgr_a", "eng_a"] {
        rows.push(row(
            who,
            Req::Act(ta.clone(), "comment", json!({"text": format!("from {who}")})),
            ok(StatusCode::OK),
        ));
    }

    // Opening: writers in scope 201; viewers and accounts of no party 403; out of scope 422 that
    // reads exactly like an unknown code.
    let open = |system: &str| {
        Req::Post(
            "/api/v1/tickets".into(),
            json!({"kind": "fault", "system": system, "severity": "general", "title": "matrix"}),
        )
    };
    let not_yours = |code: &str| {
        Want::Problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Detail::Is(format!("system: no system with code {code:?} (or not yours)")),
        )
    };
    for who in USERS {
        let want = match who {
            "admin" | "mgr_a" | "eng_a" => ok(StatusCode::CREATED),
            "viewer_a" | "nobody" => forbidden(),
            _ => not_yours("SA"),
        };
        rows.push(row(who, open("SA"), want));
    }
    rows.push(row("eng_b", open("SB"), ok(StatusCode::CREATED)));
    rows.push(row("mgr_a", open("SB"), not_yours("SB")));
    rows.push(row("admin", open("NOPE"), not_yours("NOPE")));

    // No credentials (or a forged token): 401 everywhere.
    for (who, detail) in [("", "Bearer"), ("forged", "not valid")] {
        let unauthorized = || Want::Problem(StatusCode::UNAUTHORIZED, "unauthorized", Detail::Has(detail.into()));
        rows.push(row(who, get("/api/v1/tickets"), unauthorized()));
        rows.push(row(who, open("SA"), unauthorized()));
        rows.push(row(who, get(format!("/api/v1/tickets/{ta}")), unauthorized()));
        rows.push(row(who, get("/api/v1/tickets/INC-1999-999999"), unauthorized()));
        for action in ACTIONS {
            rows.push(row(who, Req::Act(ta.clone(), action, json!({})), unauthorized()));
        }
        rows.push(row(
            who,
            Req::Act("INC-1999-999999".into(), "no-such-action", json!({})),
            unauthorized(),
        ));
    }
    run(&t, rows).await;
});
