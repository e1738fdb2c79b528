//! The permission table, route by route: every route of the OpenAPI document has a rule, every
//! party and role is refused exactly where the table refuses it, `docs/permissions.md` prints the
//! table the code enforces, and the holes of issue 23 stay closed.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use opsclock::api::permissions::{self as routes, Need};
use opsclock::app::auth::Principal;
use opsclock::app::permissions::{self, Action};
use opsclock::db::entities::users;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// Every persona of the matrix: admin; the bureau's manager; unit A's manager, engineer and
/// viewer; vendor A's manager and engineer; the supervisor; an account of no party.
const PERSONAS: [&str; 9] = [
    "admin", "bureau", "mgr_a", "ueng_a", "viewer_a", "vmgr_a", "eng_a", "sup", "nobody",
];

/// The policy as issue 23 and `docs/permissions.md` state it, written out by hand persona by
/// persona, not read from the code: the matrix below expects exactly this, so a change of the
/// table the guard asks (a vendor given the buyer's windows, say) fails here, naming the cell,
/// until this is changed too. Scope (own unit, own vendor, own contract) is the use cases' and is
/// tried by the scenario tests; this is "may this party and role do it at all".
pub(crate) fn policy(action: &str) -> &'static [&'static str] {
    const EVERYONE: &[&str] = &[
        "admin", "bureau", "mgr_a", "ueng_a", "viewer_a", "vmgr_a", "eng_a", "sup", "nobody",
    ];
    // Every party's people (an account of no party reads nothing of these).
    const PARTIES: &[&str] = &[
        "admin", "bureau", "mgr_a", "ueng_a", "viewer_a", "vmgr_a", "eng_a", "sup",
    ];
    // Who works on tickets: the vendor's people, and the buyer's (on tickets with no vendor).
    const WORKERS: &[&str] = &["admin", "bureau", "mgr_a", "ueng_a", "vmgr_a", "eng_a"];
    // The buyer's managers: the rules are the buyer's.
    const BUYER_MANAGERS: &[&str] = &["admin", "bureau", "mgr_a"];
    const MANAGERS: &[&str] = &["admin", "bureau", "mgr_a", "vmgr_a"];
    const ADMIN: &[&str] = &["admin"];
    match action {
        // Reading the catalogue and tickets: everyone, each within their scope (nobody's is empty).
        "own" | "catalog.read" | "ticket.read" => EVERYONE,
        "calendar.read" | "ladder.read" | "duty.read" | "report.read" => PARTIES,
        "catalog.write" | "catalog.file" | "calendar.change" | "outbox" => ADMIN,
        // The bureau's rules over every unit.
        "policy.write" | "ladder.write" | "contract.write" => &["admin", "bureau"],
        // Placing mail no rule placed: the bureau's, over every unit.
        "mail_in.triage" => &["admin", "bureau"],
        "ticket.open"
        | "ticket.acknowledge"
        | "ticket.arrive"
        | "ticket.start"
        | "ticket.pause"
        | "ticket.resume"
        | "ticket.regrade"
        | "ticket.resolve"
        | "ticket.reopen"
        | "ticket.cancel"
        | "ticket.assign"
        | "ticket.grade_impact"
        | "ticket.categorise"
        | "ticket.correct"
        | "ticket.contest"
        | "exclusion.propose" => WORKERS,
        // Closing (and the satisfaction it carries) is the reporter's side, the buyer; so is asking
        // for a visit, which starts an arrival clock the vendor is charged on.
        "ticket.close" | "ticket.request_visit" => &["admin", "bureau", "mgr_a", "ueng_a"],
        // The supervisor does no work but may remark.
        "ticket.comment" | "ticket.attach" => &["admin", "bureau", "mgr_a", "ueng_a", "vmgr_a", "eng_a", "sup"],
        // The other party's managers, or the supervisor, decide a claim or request.
        "ticket.decide" => &["admin", "bureau", "mgr_a", "vmgr_a", "sup"],
        // A vendor's manager keeps its own rosters; the buyer's managers see every roster.
        "roster.write" | "shifts.others" | "dashboard" => MANAGERS,
        "window.write" | "exclusion.decide" | "duty.write" => BUYER_MANAGERS,
        "roster.remove" | "window.remove" | "duty.remove" => ADMIN,
        // A vendor's manager reads its own contracts; the supervisor reads all.
        "contract.read" => &["admin", "bureau", "mgr_a", "vmgr_a", "sup"],
        // Findings (认定): the buyer's managers record them (a unit's on its own); every party
        // reads those that concern it.
        "finding.read" => PARTIES,
        "finding.write" => BUYER_MANAGERS,
        // Assessments (考核): read by the parties' managers and the supervisor's people; written
        // by the buyer's managers, answered by the vendor's, replied to and signed by each
        // party's managers (the supervisor's where asked: its managers, not `sup`, an engineer);
        // reopened by admins.
        "assessment.read" => &["admin", "bureau", "mgr_a", "vmgr_a", "sup"],
        "assessment.write" => BUYER_MANAGERS,
        "assessment.answer" => &["admin", "vmgr_a"],
        "assessment.reply" | "assessment.sign" => MANAGERS,
        // A scanned signed copy is attached by a party's managers (the use case then asks that
        // they act for a party of that assessment: the supervisor only where it signs).
        "assessment.attach" => MANAGERS,
        "assessment.reopen" => ADMIN,
        // Rectification orders (整改通知): read by every party's people (each its own); issued,
        // accepted, rejected and withdrawn by the buyer's managers (a unit's on its own systems);
        // reported done or refused by the vendor's people.
        "rectification.read" => PARTIES,
        "rectification.issue" => BUYER_MANAGERS,
        "rectification.answer" => &["admin", "vmgr_a", "eng_a"],
        // A refusal is the vendor's decision, priced by 八-7: its managers'.
        "rectification.refuse" => &["admin", "vmgr_a"],
        // Satisfaction surveys (满意度调查): read by every party's people (each its own); filled
        // by a unit's managers only, for their unit (the survey speaks for the unit; its
        // engineers rate the tickets they close).
        "survey.read" => PARTIES,
        // Inspections (巡检): read by every party's people (each the systems it sees); recorded
        // by the people of a vendor serving the system, never by the buyer, who reviews them.
        "inspection.read" => PARTIES,
        "inspection.record" => &["admin", "vmgr_a", "eng_a"],
        "survey.write" => &["admin", "mgr_a"],
        // Problem records (问题单): read by every party's people (each the systems it sees); the
        // analysis and plan are the vendor's work (the buyer's where no vendor serves the
        // system); closing is the buyer's managers', who rely on them.
        "problem.read" => PARTIES,
        "problem.write" => WORKERS,
        "problem.close" => BUYER_MANAGERS,
        // Devices (一机一档): read by every party's people (each the systems it sees); kept by
        // the buyer's managers and the managers of the system's vendor; a ticket's devices are
        // named by whoever works on tickets.
        "device.read" => PARTIES,
        "device.write" => MANAGERS,
        "ticket.devices" => WORKERS,
        // Periodic reports (定期报告): a contract's reports cover every unit's systems, so the
        // bureau, the supervisor and the contract's vendor read them, a unit's people do not; the
        // vendor's people write and submit them; the bureau's managers acknowledge or return.
        "periodic_report.read" => &["admin", "bureau", "vmgr_a", "eng_a", "sup"],
        "periodic_report.write" => &["admin", "vmgr_a", "eng_a"],
        "periodic_report.acknowledge" => &["admin", "bureau"],
        // Spares (备品备件): read by every party's people (a vendor its own contracts'); the list
        // and its prices are the bureau's; the warehouse is the vendor's; the inventory is
        // confirmed by the supervisor. A replacement is asked for by whoever works on the ticket
        // and approved by the buyer's managers and by the supervisor, each for their side.
        "spare.read" => PARTIES,
        "spare.catalogue" => &["admin", "bureau"],
        "spare.move" => &["admin", "vmgr_a", "eng_a"],
        "spare.confirm" => &["admin", "sup"],
        "replacement.request" => WORKERS,
        "replacement.decide" => &["admin", "bureau", "mgr_a", "sup"],
        "intake.manage" | "intake.triage" | "webhooks" | "user.manage" | "token.manage" | "administer" => ADMIN,
        other => panic!(
            "action {other:?} has no written expectation: add it to policy() in tests/api/permissions.rs, \
             saying who may do it"
        ),
    }
}

/// Whether `who` may do `action` at all by [`policy`]; unit B's manager and vendor B's engineer
/// hold the roles of their unit A and vendor A namesakes.
pub(crate) fn may(who: &str, action: Action) -> bool {
    let like = match who {
        "mgr_b" => "mgr_a",
        "eng_b" => "eng_a",
        other => other,
    };
    policy(action.key()).contains(&like)
}

/// Every name a ticket action's `{action}` segment can take.
const TICKET_ACTIONS: &[&str] = &opsclock::app::tickets::actions::ACTIONS;

/// Every (method, path) operation of an OpenAPI document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The operations of the document the router was built with (the same list as the router:
/// every route is registered through utoipa-axum; see `openapi.rs`).
fn documented() -> BTreeSet<(String, String)> {
    let (_, doc) = opsclock::api::api_routes();
    operations(&serde_json::to_value(doc).expect("the document as JSON"))
}

#[test]
fn every_route_has_a_rule_and_every_rule_a_route() {
    let documented = documented();
    let missing: Vec<String> = documented
        .iter()
        .filter(|(m, p)| routes::need(m, p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a permission rule (add a row to ROUTES in crates/server/src/api/permissions.rs):\n  {}",
        missing.join("\n  ")
    );
    let stale: Vec<String> = routes::ROUTES
        .iter()
        .filter(|r| !documented.contains(&(r.method.to_owned(), r.path.to_owned())))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist:\n  {}",
        stale.join("\n  ")
    );
    let unruled: Vec<&str> = TICKET_ACTIONS
        .iter()
        .copied()
        .filter(|name| Action::for_ticket_action(name).is_none())
        .collect();
    assert!(
        unruled.is_empty(),
        "ticket actions without a permission rule (add them to Action::for_ticket_action and the table in \
         crates/server/src/app/permissions.rs): {unruled:?}"
    );
    let mut seen = BTreeSet::new();
    for r in routes::ROUTES {
        assert!(seen.insert((r.method, r.path)), "two rules for {} {}", r.method, r.path);
    }
}

both!(
    the_table_grants_what_the_written_policy_says,
    |t: crate::support::Harness| async move {
        let mut wrong = Vec::new();
        for who in PERSONAS {
            let p = principal(&t, who).await;
            for a in Action::ALL {
                let (table, written) = (permissions::may_at_all(&p, *a), policy(a.key()).contains(&who));
                if table != written {
                    wrong.push(format!(
                        "{who} {}: the table says {table}, the policy {written}",
                        a.key()
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
);

#[test]
fn every_action_has_one_row_in_order() {
    let rows: Vec<Action> = permissions::TABLE.iter().map(|r| r.action).collect();
    assert_eq!(rows, permissions::Action::ALL, "one row per Action, in its order");
}

/// The text between `<!-- BEGIN name -->` and `<!-- END name -->` in `doc`.
fn section<'a>(doc: &'a str, name: &str) -> &'a str {
    let (from, to) = section_at(doc, name);
    &doc[from..to]
}

/// Where [`section`] is in `doc`.
fn section_at(doc: &str, name: &str) -> (usize, usize) {
    let begin = format!(
        "<!-- BEGIN {name} (generated: OPSCLOCK_BLESS=1 cargo test -p opsclock --test api docs_permissions) -->\n"
    );
    let end = format!("<!-- END {name} -->");
    let from = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("docs/permissions.md has no line {begin:?}"))
        + begin.len();
    let to = doc[from..]
        .find(&end)
        .unwrap_or_else(|| panic!("docs/permissions.md has no line {end:?}"))
        + from;
    (from, to)
}

/// `docs/permissions.md` prints the tables the code enforces. `OPSCLOCK_BLESS=1` rewrites its
/// generated sections instead of comparing them.
#[test]
fn docs_permissions_md_prints_the_tables_the_code_enforces() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/permissions.md");
    let mut doc = std::fs::read_to_string(file).expect("docs/permissions.md");
    let generated = [
        ("actions", permissions::markdown()),
        ("routes", routes::markdown()),
        ("pages", opsclock::web::permissions::markdown()),
    ];
    if std::env::var_os("OPSCLOCK_BLESS").is_some() {
        for (name, text) in &generated {
            let (from, to) = section_at(&doc, name);
            doc.replace_range(from..to, text);
        }
        std::fs::write(file, &doc).expect("write docs/permissions.md");
        return;
    }
    for (name, text) in &generated {
        assert_eq!(
            section(&doc, name),
            text,
            "docs/permissions.md's {name} table differs from the code; run OPSCLOCK_BLESS=1 cargo test -p opsclock \
             --test api docs_permissions and read the change"
        );
    }
}

/// `path` with its parameters filled in for `who`: ids and codes that do not exist, the
/// caller's own user name, `approve` for a decision.
fn concrete(path: &str, who: &str, ticket_action: &str) -> String {
    let path = path
        .replace("{id}", "999999")
        .replace("{code}", "nope")
        .replace("{scope}", "nope")
        .replace("{name}", "nope")
        .replace("{source}", "nope")
        .replace("{number}", "INC-2099-999999")
        .replace("{username}", who)
        .replace("{decision}", "approve")
        .replace("{action}", ticket_action);
    format!("/api/v1{path}")
}

async fn principal(t: &Harness, who: &str) -> Principal {
    let user = users::Entity::find_by_id(t.user_ids[who])
        .one(&t.state.db)
        .await
        .unwrap()
        .unwrap();
    Principal::of(&user).unwrap()
}

both!(
    every_route_refuses_exactly_whom_the_table_refuses,
    |t: crate::support::Harness| async move {
        let doc = t.get("", "/api/v1/openapi.json").await.expect(StatusCode::OK);
        let ops = operations(&doc);
        assert!(ops.len() > 60, "{} operations", ops.len());
        let mut report = Vec::new();
        let mut wrong = 0;
        let mut refused = 0;
        for who in PERSONAS {
            for (method, path) in &ops {
                let need = routes::need(method, path).unwrap_or_else(|| panic!("no rule for {method} {path}"));
                let cases: Vec<(String, Option<Action>)> = match need {
                    Need::Public(_) => vec![(concrete(path, who, ""), None)],
                    Need::Act(a) => vec![(concrete(path, who, ""), Some(a))],
                    Need::TicketAction => TICKET_ACTIONS
                        .iter()
                        .map(|name| (concrete(path, who, name), Action::for_ticket_action(name)))
                        .collect(),
                };
                for (uri, action) in cases {
                    let allowed = action.is_none_or(|a| may(who, a));
                    let m: Method = method.parse().unwrap();
                    let body = if m == Method::GET { None } else { Some(b"{}".to_vec()) };
                    let a = t
                        .raw(
                            who,
                            m,
                            &uri,
                            body.as_ref().map(|_| "application/json"),
                            body.unwrap_or_default(),
                        )
                        .await;
                    let fine = if allowed {
                        a.status != StatusCode::FORBIDDEN && !a.status.is_server_error()
                    } else {
                        refused += 1;
                        a.status == StatusCode::FORBIDDEN
                            && a.body["type"] == "/problems/forbidden"
                            && a.body["detail"].as_str().is_some_and(|d| d.contains("only "))
                    };
                    let want = if allowed { "not 403" } else { "403" };
                    let line = format!(
                        "{who:<9} {method:<6} {uri:<52} want {want:<7} got {}",
                        a.status.as_u16()
                    );
                    if fine {
                        report.push(format!("   ok  {line}"));
                    } else {
                        wrong += 1;
                        report.push(format!("WRONG  {line} {}", a.body));
                    }
                }
            }
        }
        assert!(refused > 100, "the matrix refuses only {refused} requests");
        assert!(wrong == 0, "{wrong} of {} wrong:\n{}", report.len(), report.join("\n"));
    }
);

both!(
    a_ticket_out_of_scope_is_absent_on_every_route_and_in_scope_reached,
    |t: crate::support::Harness| async move {
        // Unit A's ticket, which vendor A serves: unit B's manager and vendor B's engineer, and
        // an account of no party, find nothing on any route that names it; those in scope reach
        // it (a version that is never the ticket's: nothing the matrix sends changes it).
        let ticket = t.open("mgr_a", "SA", "fault", "urgent").await;
        let number = ticket["number"].as_str().unwrap();
        // A file attached to it, for the download's route.
        let boundary = "b0undary";
        let form = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nlog\r\n--{boundary}--\r\n"
        );
        let attached = t
            .raw(
                "mgr_a",
                Method::POST,
                &format!("/api/v1/tickets/{number}/attachments"),
                Some(&format!("multipart/form-data; boundary={boundary}")),
                form.into_bytes(),
            )
            .await
            .expect(StatusCode::CREATED);
        let file = attached[0]["id"].to_string();
        let ops: Vec<(String, String)> = documented()
            .into_iter()
            .filter(|(_, p)| p.starts_with("/tickets/{number}"))
            .collect();
        assert_eq!(
            ops.len(),
            12,
            "reading, the incident report, acting, attachments, devices, spares, replacements and warranty repairs: {ops:?}"
        );
        let mut report = Vec::new();
        let mut wrong = 0;
        for who in [
            "admin", "bureau", "mgr_a", "ueng_a", "vmgr_a", "eng_a", "sup", "mgr_b", "eng_b", "nobody",
        ] {
            let in_scope = !matches!(who, "mgr_b" | "eng_b" | "nobody");
            for (method, path) in &ops {
                let names: Vec<&str> = if path.contains("{action}") {
                    TICKET_ACTIONS.to_vec()
                } else {
                    vec![""]
                };
                for name in names {
                    let uri = format!(
                        "/api/v1{}",
                        path.replace("{number}", number)
                            .replace("{action}", name)
                            .replace("{id}", &file)
                    );
                    let action = match routes::need(method, path) {
                        Some(Need::Act(a)) => Some(a),
                        Some(Need::TicketAction) => Action::for_ticket_action(name),
                        _ => None,
                    };
                    // The vendor's work on a ticket the vendor serves is not the buyer's.
                    // Asking for a device's replacement is too (the buyer approves it).
                    let vendors_work = (matches!(
                        name,
                        "acknowledge" | "arrive" | "start" | "pause" | "resume" | "resolve"
                    ) || (method == "POST"
                        && (path.ends_with("/replacements") || path.ends_with("/warranty-repairs"))))
                        && matches!(who, "bureau" | "mgr_a" | "ueng_a");
                    let allowed = action.is_none_or(|a| may(who, a)) && !vendors_work;
                    let m: Method = method.parse().unwrap();
                    let body = (m != Method::GET).then(|| b"{\"version\": 999999}".to_vec());
                    let a = t
                        .raw(
                            who,
                            m,
                            &uri,
                            body.as_ref().map(|_| "application/json"),
                            body.unwrap_or_default(),
                        )
                        .await;
                    let (fine, want) = match (allowed, in_scope) {
                        (false, _) => (a.status == StatusCode::FORBIDDEN, "403"),
                        (true, false) => (a.status == StatusCode::NOT_FOUND, "404"),
                        (true, true) => (
                            !matches!(a.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                                && !a.status.is_server_error(),
                            "reached",
                        ),
                    };
                    let line = format!(
                        "{who:<7} {method:<5} {uri:<48} want {want:<7} got {}",
                        a.status.as_u16()
                    );
                    if fine {
                        report.push(format!("   ok  {line}"));
                    } else {
                        wrong += 1;
                        report.push(format!("WRONG  {line} {}", a.body));
                    }
                }
            }
        }
        assert!(wrong == 0, "{wrong} of {} wrong:\n{}", report.len(), report.join("\n"));
        // Nothing of it changed.
        let after = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["version"], ticket["version"]);
    }
);

both!(
    a_refusal_says_who_may_and_who_you_are,
    |t: crate::support::Harness| async move {
        let window = json!({"code": "w", "name": "w", "starts": "2026-12-01T00:00:00+08:00",
            "ends": "2026-12-02T00:00:00+08:00"});
        let detail = t
            .put("vmgr_a", "/api/v1/windows/w", window)
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(
            detail,
            "only admins, the bureau's managers and a unit's managers (own unit only) may set a major-event \
             window; you are a vendor manager"
        );
        let detail = t
            .post("eng_a", "/api/v1/tickets/INC-2099-999999/close", json!({"version": 1}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        assert!(detail.contains("close a ticket"), "{detail}");
        assert!(detail.ends_with("you are a vendor engineer"), "{detail}");
    }
);

/// A window over every system, as the buyer sets it.
fn guoqing(name: &str) -> Value {
    json!({"code": "guoqing", "name": name, "calendar": "24x7",
        "starts": "2026-10-01T00:00:00+08:00", "ends": "2026-10-08T00:00:00+08:00",
        "targets": {"response": "10m", "arrival": "1h", "repair": "2h"}})
}

both!(
    a_vendor_manager_cannot_overwrite_the_buyers_window,
    |t: crate::support::Harness| async move {
        t.put("bureau", "/api/v1/windows/guoqing", guoqing("国庆重保"))
            .await
            .expect(StatusCode::OK);
        for who in ["vmgr_a", "eng_a", "sup", "viewer_a", "ueng_a"] {
            t.put(who, "/api/v1/windows/guoqing", guoqing("loosened"))
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        // A unit's manager may not either: a window over every system is the bureau's.
        t.put("mgr_a", "/api/v1/windows/guoqing", guoqing("loosened"))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let listed = t.get("vmgr_a", "/api/v1/windows").await.expect(StatusCode::OK);
        assert_eq!(listed[0]["name"], "国庆重保", "{listed}");
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        // Over their own unit, a unit's manager may; over another unit's, not.
        let mut own = guoqing("UA 重保");
        own["code"] = json!("ua-guoqing");
        own["units"] = json!(["UA"]);
        t.put("mgr_a", "/api/v1/windows/ua-guoqing", own.clone())
            .await
            .expect(StatusCode::OK);
        t.put("mgr_b", "/api/v1/windows/ua-guoqing", {
            let mut o = own.clone();
            o["units"] = json!(["UB"]);
            o
        })
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
        let mut theirs = own;
        theirs["code"] = json!("ub-guoqing");
        theirs["units"] = json!([]);
        theirs["systems"] = json!(["SB"]);
        t.put("mgr_a", "/api/v1/windows/ub-guoqing", theirs)
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
);

/// A daily check of `system`, done by `assignee`.
fn duty(code: &str, system: &str, assignee: &str) -> Value {
    json!({"code": code, "name": "日巡检", "system": system, "schedule": "0 9 * * *", "due": "4h",
        "assignee": assignee, "quota": {"count": 20, "per": "month"}})
}

both!(
    scheduled_duties_are_the_buyers_and_only_in_its_scope,
    |t: crate::support::Harness| async move {
        // Not the vendor's, nor the supervisor's.
        for who in ["vmgr_a", "eng_a", "sup", "ueng_a"] {
            t.put(who, "/api/v1/duties/inspect-sa", duty("inspect-sa", "SA", "eng_a"))
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        // A unit's manager: not on another unit's system (it reads as unknown, like opening a
        // ticket there), and not over a duty of that code the other unit has.
        let detail = t
            .put("mgr_a", "/api/v1/duties/inspect-sb", duty("inspect-sb", "SB", "eng_b"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("not yours"), "{detail}");
        t.put("mgr_b", "/api/v1/duties/inspect-sb", duty("inspect-sb", "SB", "eng_b"))
            .await
            .expect(StatusCode::OK);
        t.put("mgr_a", "/api/v1/duties/inspect-sb", duty("inspect-sb", "SA", "eng_a"))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        // The assignee must see the system: not another vendor's engineer.
        let detail = t
            .put("bureau", "/api/v1/duties/inspect-sa", duty("inspect-sa", "SA", "eng_b"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("cannot see system"), "{detail}");
        t.put("mgr_a", "/api/v1/duties/inspect-sa", duty("inspect-sa", "SA", "eng_a"))
            .await
            .expect(StatusCode::OK);
        t.put(
            "bureau",
            "/api/v1/duties/inspect-sa",
            duty("inspect-sa", "SA", "ueng_a"),
        )
        .await
        .expect(StatusCode::OK);
        let listed = t.get("sup", "/api/v1/duties").await.expect(StatusCode::OK);
        let mut assignees: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["duty"]["assignee"].as_str().unwrap())
            .collect();
        assignees.sort_unstable();
        assert_eq!(assignees, ["eng_b", "ueng_a"], "{listed}");
    }
);

/// A contract of `vendor` with one rule.
fn contract(code: &str, vendor: &str) -> Value {
    json!({"code": code, "name": format!("{vendor} O&M"), "vendor": vendor, "price_fen": 120_000_000,
        "months": 12, "rules": [{"id": "late-repair", "label": "修复超时 每次 0.1%",
        "when": {"metric": "late", "clock": "repair"}, "amount": {"of": "price", "pct": 0.1}}]})
}

both!(
    a_vendor_reads_only_its_own_contracts,
    |t: crate::support::Harness| async move {
        t.put("bureau", "/api/v1/contracts/va-2026", contract("va-2026", "VA"))
            .await
            .expect(StatusCode::OK);
        t.put("admin", "/api/v1/contracts/vb-2026", contract("vb-2026", "VB"))
            .await
            .expect(StatusCode::OK);
        for who in ["vmgr_a", "mgr_a", "sup", "eng_a"] {
            t.put(who, "/api/v1/contracts/vb-2026", contract("vb-2026", "VB"))
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        let codes = |v: Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].as_str().unwrap().to_owned())
                .collect()
        };
        let listed = t.get("vmgr_a", "/api/v1/contracts").await.expect(StatusCode::OK);
        assert_eq!(codes(listed), ["va-2026"]);
        for who in ["bureau", "mgr_a", "sup", "admin"] {
            let listed = t.get(who, "/api/v1/contracts").await.expect(StatusCode::OK);
            assert_eq!(codes(listed), ["va-2026", "vb-2026"], "{who}");
        }
        let own = t
            .get("vmgr_a", "/api/v1/contracts/va-2026")
            .await
            .expect(StatusCode::OK);
        assert_eq!(own["vendor"], "VA");
        let detail = t
            .get("vmgr_a", "/api/v1/contracts/vb-2026")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(detail, "no contract \"vb-2026\"");
        assert_eq!(
            detail,
            t.get("vmgr_a", "/api/v1/contracts/nope")
                .await
                .problem(StatusCode::NOT_FOUND, "not-found")
                .replace("nope", "vb-2026")
        );
        // A vendor's engineers and the buyer's viewers read no contract.
        for who in ["eng_a", "viewer_a", "ueng_a", "nobody"] {
            t.get(who, "/api/v1/contracts")
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
    }
);

both!(parties_are_told_by_me, |t: crate::support::Harness| async move {
    let ua = t.ids.unit_a;
    let va = t.ids.vendor_a;
    for (who, party, scope) in [
        ("bureau", json!({"kind": "bureau"}), json!({"kind": "all"})),
        ("sup", json!({"kind": "supervisor"}), json!({"kind": "all"})),
        (
            "mgr_a",
            json!({"kind": "unit", "id": ua}),
            json!({"kind": "unit", "id": ua}),
        ),
        (
            "vmgr_a",
            json!({"kind": "vendor", "id": va}),
            json!({"kind": "vendor", "id": va}),
        ),
        ("admin", json!({"kind": "bureau"}), json!({"kind": "all"})),
        ("nobody", Value::Null, json!({"kind": "nothing"})),
    ] {
        let me = t.get(who, "/api/v1/me").await.expect(StatusCode::OK);
        assert_eq!((&me["party"], &me["scope"]), (&party, &scope), "{who}: {me}");
    }
});

/// Runs `opsclock` with `args` and the harness's database; returns (success, stdout, stderr).
fn opsclock(t: &Harness, args: &[&str]) -> (bool, String, String) {
    let dir = std::env::temp_dir();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .current_dir(dir)
        .env_remove("OPSCLOCK_CONFIG")
        .env_remove("OPSCLOCK_DATABASE_URL")
        .args(args)
        .args(["--database", &t.db.url])
        .output()
        .expect("run opsclock");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn user(t: &Harness, name: &str) -> users::Model {
    use sea_orm::{ColumnTrait, QueryFilter};
    users::Entity::find()
        .filter(users::Column::Username.eq(name))
        .one(&t.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {name}"))
}

both!(
    the_bureaus_and_the_supervisors_people_are_added_with_their_party_and_nobody_else_has_one,
    |t: crate::support::Harness| async move {
        use opsclock::app::auth::{Party, PartyKind};
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let (ok, out, err) = opsclock(
            &t,
            &["user", "add", "li", "--role", "engineer", "--party", "supervisor"],
        );
        assert!(ok && out.contains("(engineer, supervisor)"), "{out}{err}");
        assert_eq!(Party::of(&user(&t, "li").await), Some(Party::Supervisor));
        let (ok, _, err) = opsclock(
            &t,
            &[
                "user", "add", "wang", "--role", "manager", "--party", "bureau", "--unit", "UA",
            ],
        );
        assert!(!ok && err.contains("cannot be used with"), "{err}");
        // An admin acts as the bureau: not tied to a vendor, a unit or the supervisor.
        for tie in [["--vendor", "VA"], ["--unit", "UA"], ["--party", "supervisor"]] {
            let (ok, _, err) = opsclock(&t, &["user", "add", "root2", "--role", "admin", tie[0], tie[1]]);
            assert!(!ok && err.contains("an admin acts as the bureau"), "{tie:?}: {err}");
        }
        let (ok, out, err) = opsclock(&t, &["user", "add", "root3", "--role", "admin"]);
        assert!(ok, "{out}{err}");
        // The database keeps a party off an account with a unit or a vendor, and keeps it to the
        // bureau and the supervisor.
        for (who, party) in [
            ("mgr_a", PartyKind::Bureau),
            ("eng_a", PartyKind::Supervisor),
            ("nobody", PartyKind::Unit),
        ] {
            let mut am = user(&t, who).await.into_active_model();
            am.party = Set(Some(opsclock::db::Key(party)));
            assert!(am.update(&t.state.db).await.is_err(), "{who} took party {party}");
        }
        let mut am = user(&t, "nobody").await.into_active_model();
        am.party = Set(Some(opsclock::db::Key(PartyKind::Bureau)));
        let nobody = am.update(&t.state.db).await.unwrap();
        assert_eq!(Party::of(&nobody), Some(Party::Bureau));
    }
);

both!(
    a_vendor_sees_only_its_own_rosters_gaps_and_people,
    |t: crate::support::Harness| async move {
        let roster = |code: &str, vendor: &str, member: &str| {
            json!({"code": code, "name": code, "vendor": vendor, "calendar": "cn-5x8",
                "shifts": [{"name": "day", "start": "08:00", "end": "20:00", "anchor": "2026-11-02",
                            "members": [member]}],
                "staffing": [{"team": "ops", "min": 2}]})
        };
        t.put("admin", "/api/v1/rosters/va-duty", roster("va-duty", "VA", "eng_a"))
            .await
            .expect(StatusCode::OK);
        t.put("admin", "/api/v1/rosters/vb-duty", roster("vb-duty", "VB", "eng_b"))
            .await
            .expect(StatusCode::OK);
        let codes = |v: &Value, key: &str| -> BTreeSet<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| r[key].as_str().unwrap().to_owned())
                .collect()
        };
        let gaps = "/api/v1/rosters/gaps?from=2026-11-02T08:00:00%2B08:00&to=2026-11-03T08:00:00%2B08:00";
        // Vendor A's people: their own vendor's roster, gaps and people only.
        for who in ["vmgr_a", "eng_a"] {
            let listed = t.get(who, "/api/v1/rosters").await.expect(StatusCode::OK);
            assert_eq!(codes(&listed, "code"), BTreeSet::from(["va-duty".to_owned()]), "{who}");
            let g = t.get(who, gaps).await.expect(StatusCode::OK);
            assert_eq!(codes(&g, "vendor"), BTreeSet::from(["VA".to_owned()]), "{who}: {g}");
        }
        t.get("vmgr_a", "/api/v1/users/eng_b/shifts.ics")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(
            t.get("vmgr_a", "/api/v1/users/eng_a/shifts.ics").await.status,
            StatusCode::OK
        );
        // The buyer and the supervisor see every vendor's.
        for who in ["bureau", "mgr_a", "sup", "admin"] {
            let listed = t.get(who, "/api/v1/rosters").await.expect(StatusCode::OK);
            assert_eq!(listed.as_array().unwrap().len(), 2, "{who}");
            let g = t.get(who, gaps).await.expect(StatusCode::OK);
            assert_eq!(codes(&g, "vendor").len(), 2, "{who}: {g}");
        }
        assert_eq!(
            t.get("mgr_a", "/api/v1/users/eng_b/shifts.ics").await.status,
            StatusCode::OK
        );
    }
);
