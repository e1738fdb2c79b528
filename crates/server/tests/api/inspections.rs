//! Inspections (巡检) from the catalogue's cadence: created once per period by the sweep, recorded
//! item by item by the vendor's engineer, missed when the period ends undone, listed in the breach
//! report (docs/inspections.md).

use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{beijing, import_catalog};
use crate::support::Harness;

/// SI: twice a month (any mode) and weekly remote, the software checklist, served since January.
/// SJ: monthly, no checklist named (generic), served only from 2027. Both of unit A, vendor A.
pub(crate) const FILE: &str = r#"format = 1

[[systems]]
code = "SI"
name = "审批平台"
unit = "UA"
vendors = ["VA"]
policy = "P"
calendar = "24x7"
service_mode = "remote"

[systems.contract]
service_start = "2026-01-01"
inspection = [{ every = "month", times = 2 }, { every = "week", mode = "remote" }]
checklist = "software"

[[systems]]
code = "SJ"
name = "监控系统"
unit = "UA"
vendors = ["VA"]
policy = "P"
calendar = "24x7"
service_mode = "on_site"

[systems.contract]
service_start = "2027-01-01"
inspection = [{ every = "month" }]
"#;

/// Imports [`FILE`], sweeps, and returns the id of an inspection vendor A's engineer may record.
pub(crate) async fn one(t: &Harness) -> i64 {
    import_catalog(t, FILE).await.expect(StatusCode::OK);
    sweep(t).await;
    list(t, "eng_a", "?system=SI&state=due").await[0]["id"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn sweep(t: &Harness) -> opsclock::app::inspections::schedule::Swept {
    opsclock::app::inspections::schedule::sweep(&t.state.db, &t.state.calendars.snapshot(), t.now())
        .await
        .unwrap()
}

pub(crate) async fn list(t: &Harness, who: &str, query: &str) -> Vec<Value> {
    t.get(who, &format!("/api/v1/inspections{query}"))
        .await
        .expect(StatusCode::OK)
        .as_array()
        .unwrap()
        .clone()
}

fn summary(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|i| {
            format!(
                "{} {} {} {}/{} {}",
                i["system"].as_str().unwrap(),
                i["period"].as_str().unwrap(),
                i["every"].as_str().unwrap(),
                i["seq"],
                i["times"],
                i["state"].as_str().unwrap()
            )
        })
        .collect()
}

/// Every item of the software checklist in order, but `not_ok` with a remark (and `ticket`).
pub(crate) fn results(not_ok: &str, ticket: Option<Value>) -> Value {
    let items = [
        "interfaces",
        "functions",
        "processes",
        "key_functions",
        "logins",
        "processing",
    ];
    json!(
        items
            .iter()
            .map(|k| if *k == not_ok {
                json!({"item": k, "ok": false, "remark": "登录量骤降，统一认证接口超时", "ticket": ticket})
            } else {
                json!({"item": k, "ok": true})
            })
            .collect::<Vec<_>>()
    )
}

both!(
    a_cadence_owes_its_inspections_once_per_period_from_the_day_it_is_seen,
    |t: Harness| async move {
        import_catalog(&t, FILE).await.expect(StatusCode::OK);
        // Wednesday 25 November 2026: November's two and week 48's one; nothing for January to
        // October (the cadence is seen today), nothing for SJ (its service starts in 2027).
        assert_eq!(sweep(&t).await.created, 3);
        assert_eq!(sweep(&t).await, Default::default(), "a second round creates nothing");
        let due = list(&t, "eng_a", "").await;
        assert_eq!(
            summary(&due),
            [
                "SI 2026-W48 week 1/1 due",
                "SI 2026-11 month 1/2 due",
                "SI 2026-11 month 2/2 due"
            ]
        );
        assert_eq!(
            due[0]["due_at"], "2026-11-29T16:00:00Z",
            "Monday 30 November, 00:00 in Beijing"
        );
        assert_eq!(due[0]["mode"], "remote");
        assert_eq!(due[1]["due_at"], "2026-11-30T16:00:00Z", "1 December, 00:00 in Beijing");
        assert_eq!(due[1]["checklist"], "software");
        assert_eq!(due[1]["items"][4]["zh"], "软件系统的业务质量：登录量");
        // Another vendor's engineer sees none of them, and not one by its id.
        assert!(list(&t, "eng_b", "").await.is_empty());
        let id = due[1]["id"].as_i64().unwrap();
        t.get("eng_b", &format!("/api/v1/inspections/{id}"))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");

        // Wednesday 2 December: November's three are missed; December's two and week 49's one
        // are created, once, however many servers sweep.
        t.time.set(beijing("2026-12-02T10:00:00"));
        let (a, b) = tokio::join!(sweep(&t), sweep(&t));
        assert_eq!(a.created + b.created, 3);
        assert_eq!(a.missed + b.missed, 3);
        let missed = list(&t, "mgr_a", "?state=missed&period=2026-11").await;
        assert_eq!(
            summary(&missed),
            [
                "SI 2026-11 month 2/2 missed",
                "SI 2026-11 month 1/2 missed",
                "SI 2026-W48 week 1/1 missed"
            ]
        );
        assert_eq!(list(&t, "mgr_a", "?system=SI&state=due").await.len(), 3);
        t.get("mgr_a", "/api/v1/inspections?state=late")
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");

        // SJ's service starts on 1 January 2027: January is owed, on the generic checklist.
        t.time.set(beijing("2027-01-04T10:00:00"));
        sweep(&t).await;
        let sj = list(&t, "eng_a", "?system=SJ").await;
        assert_eq!(summary(&sj), ["SJ 2027-01 month 1/1 due"]);
        assert_eq!(sj[0]["checklist"], "generic");
        assert_eq!(sj[0]["items"][3]["zh"], "硬件设备的运行状态和健康度");
        // Nothing is made up for the weeks no server saw (W50 to W53): an inspection nobody could
        // record in opsclock is not a missed one. What was owed and not done is missed.
        let mut weeks: Vec<String> = summary(&list(&t, "eng_a", "?system=SI&limit=100").await)
            .into_iter()
            .filter(|s| s.contains(" week "))
            .collect();
        weeks.sort();
        assert_eq!(
            weeks,
            [
                "SI 2026-W48 week 1/1 missed",
                "SI 2026-W49 week 1/1 missed",
                "SI 2027-W01 week 1/1 due"
            ]
        );
    }
);

both!(
    an_engineer_records_an_inspection_item_by_item_and_a_finding_opens_a_ticket,
    |t: Harness| async move {
        import_catalog(&t, FILE).await.expect(StatusCode::OK);
        sweep(&t).await;
        let due = list(&t, "eng_a", "?system=SI&state=due").await;
        let id = due[1]["id"].as_i64().unwrap();
        let path = format!("/api/v1/inspections/{id}/record");
        let post = |who: &'static str, body: Value| {
            let (t, path) = (&t, path.clone());
            async move { t.post(who, &path, body).await }
        };

        // The buyer reviews, it does not inspect; another vendor does not see it.
        post("mgr_a", json!({"results": results("logins", None)}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        post("eng_b", json!({"results": results("logins", None)}))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        // Nor does an administrator, who is on no side (as with a rectification order's acts).
        let admin = post("admin", json!({"results": results("logins", None)}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        assert!(admin.contains("管理员不代表服务商"), "{admin}");
        // An unknown item, an item left out, a finding without a remark, a ticket for an item
        // in order, a bad severity: each refused naming the field, nothing stored.
        let mut unknown = results("", None);
        unknown[0]["item"] = json!("disk");
        let answer = post("eng_a", json!({"results": unknown})).await;
        assert_eq!(answer.body["field"], "results[0].item", "{}", answer.body);
        assert!(
            answer
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .contains("interfaces, functions")
        );
        let mut short = results("", None);
        short.as_array_mut().unwrap().pop();
        let answer = post("eng_a", json!({"results": short})).await;
        assert_eq!(answer.body["field"], "results");
        assert!(
            answer
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .contains("missing: processing")
        );
        let mut silent = results("logins", None);
        silent[4]["remark"] = json!(" ");
        let answer = post("eng_a", json!({"results": silent})).await;
        assert_eq!(answer.body["field"], "results[4].remark");
        let mut ok_ticket = results("", None);
        ok_ticket[0]["ticket"] = json!({"severity": "general"});
        let answer = post("eng_a", json!({"results": ok_ticket})).await;
        assert_eq!(answer.body["field"], "results[0].ticket");
        let answer = post(
            "eng_a",
            json!({"results": results("logins", Some(json!({"severity": "huge"})))}),
        )
        .await;
        assert_eq!(answer.body["field"], "results[4].ticket.severity", "{}", answer.body);
        assert_eq!(
            t.get("admin", "/api/v1/tickets").await.expect(StatusCode::OK)["items"],
            json!([])
        );

        // The record: done, the finding's ticket opened with it, audited.
        let done = post(
            "eng_a",
            json!({"results": results("logins", Some(json!({"severity": "general"}))), "note": "月度巡检"}),
        )
        .await
        .expect(StatusCode::OK);
        assert_eq!(done["state"], "done");
        assert_eq!(done["done_by"], "eng_a");
        assert_eq!(done["note"], "月度巡检");
        assert_eq!(done["items"][0]["ok"], true);
        assert_eq!(done["items"][4]["ok"], false);
        assert_eq!(done["items"][4]["remark"], "登录量骤降，统一认证接口超时");
        let number = done["items"][4]["ticket"].as_str().unwrap().to_owned();
        let ticket = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(ticket["kind"], "fault");
        assert_eq!(ticket["severity"], "general");
        assert_eq!(ticket["title"], "巡检发现：软件系统的业务质量：登录量");
        assert!(
            ticket["description"]
                .as_str()
                .unwrap()
                .contains(&format!("巡检 {id}（2026-11）"))
        );
        use opsclock::db::entities::audit_log;
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("inspection.record"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(audited.target, format!("inspection:{id}"));
        assert_eq!(audited.detail["not_ok"], json!(["logins"]));
        assert_eq!(audited.detail["tickets"], json!([number]));

        // Once only; and a missed one stays missed.
        post("eng_a", json!({"results": results("", None)}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        let other = due[2]["id"].as_i64().unwrap();
        t.time.set(beijing("2026-12-01T00:00:00"));
        let answer = t
            .post(
                "eng_a",
                &format!("/api/v1/inspections/{other}/record"),
                json!({"results": results("", None)}),
            )
            .await;
        assert!(answer.problem(StatusCode::CONFLICT, "conflict").contains("missed"));
        let row = t
            .get("eng_a", &format!("/api/v1/inspections/{other}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            row["state"], "due",
            "the sweep has not run: still due in the store, refused all the same"
        );
    }
);

both!(
    missed_inspections_are_listed_and_counted_in_the_breach_report,
    |t: Harness| async move {
        import_catalog(&t, FILE).await.expect(StatusCode::OK);
        sweep(&t).await;
        let due = list(&t, "eng_a", "?system=SI&state=due").await;
        let id = due[1]["id"].as_i64().unwrap();
        t.post(
            "eng_a",
            &format!("/api/v1/inspections/{id}/record"),
            json!({"results": results("", None)}),
        )
        .await
        .expect(StatusCode::OK);
        t.time.set(beijing("2026-12-02T10:00:00"));
        sweep(&t).await;

        let period = "/api/v1/reports/breaches?period=2026-11";
        let r = t.get("mgr_a", period).await.expect(StatusCode::OK);
        let missed = r["inspections"]["missed"].as_array().unwrap();
        let seen: Vec<String> = missed
            .iter()
            .map(|m| {
                format!(
                    "{} {} {} {}/{}",
                    m["system"].as_str().unwrap(),
                    m["period"].as_str().unwrap(),
                    m["every"].as_str().unwrap(),
                    m["seq"],
                    m["times"]
                )
            })
            .collect();
        assert_eq!(seen, ["SI 2026-W48 week 1/1", "SI 2026-11 month 2/2"]);
        assert_eq!(
            r["inspections"]["per_system"],
            json!([{"system": "SI", "system_name": "审批平台", "unit": "Unit A", "owed": 3, "done": 1, "missed": 2}])
        );
        // Unit B's manager reads a report without them.
        let b = t.get("mgr_b", period).await.expect(StatusCode::OK);
        assert_eq!(b["inspections"]["missed"], json!([]));

        let (status, _, csv) = t
            .download("mgr_a", &format!("{period}&format=csv&section=inspections"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("巡检频次") && csv.contains("每周远程") && csv.contains("2026-11") && csv.contains("漏检合计"),
            "{csv}"
        );
        let (_, _, bytes) = t.download("mgr_a", &format!("{period}&format=xlsx")).await;
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("巡检").unwrap();
        assert_eq!(sheet.get_value((1, 0)).unwrap().to_string(), "SI");
        assert_eq!(sheet.get_value((3, 3)).unwrap().to_string(), "漏检合计");
        assert_eq!(sheet.get_value((3, 9)), Some(&calamine::Data::Float(2.0)));
        let (_, _, html) = t.download("mgr_a", &format!("{period}&format=html")).await;
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("<h2 id=\"inspections\">巡检</h2>"), "{html}");
    }
);

both!(
    a_contract_rule_on_missed_inspections_charges_each_one_missed_in_the_month,
    |t: Harness| async move {
        // An illustrative rule (no seed contract prices a missed inspection): 0.1 % of a
        // 1,200,000.00 yuan price for each, per occurrence; 120,000 fen each.
        t.put(
            "admin",
            "/api/v1/contracts/va-mi",
            json!({
                "code": "va-mi", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
                "rules": [{"id": "missed", "label": "漏检", "source": "illustrative",
                           "counts": "per_occurrence", "when": {"metric": "missed_inspection"},
                           "amount": {"of": "price", "pct": 0.1}}]
            }),
        )
        .await
        .expect(StatusCode::OK);
        import_catalog(&t, FILE).await.expect(StatusCode::OK);
        sweep(&t).await;
        // November's 1/2 is recorded; its 2/2 and week 48's are not, and are missed on 2 December.
        let id = list(&t, "eng_a", "?system=SI&state=due").await[1]["id"]
            .as_i64()
            .unwrap();
        t.post(
            "eng_a",
            &format!("/api/v1/inspections/{id}/record"),
            json!({"results": results("", None)}),
        )
        .await
        .expect(StatusCode::OK);
        // While they are only due, nothing is owed.
        let a = assessed(&t, "2026-11").await;
        assert_eq!(
            (&a["outcomes"][0]["status"], &a["total_fen"]),
            (&json!("not_fired"), &json!(0)),
            "{a}"
        );
        t.time.set(beijing("2026-12-02T10:00:00"));
        sweep(&t).await;
        let a = assessed(&t, "2026-11").await;
        let o = &a["outcomes"][0];
        assert_eq!(o["status"], "fired", "{o}");
        assert_eq!(o["occurrences"], 2);
        assert_eq!(o["evidence"], json!(["SI 2026-W48 1/1", "SI 2026-11 2/2"]));
        assert_eq!(o["notes_zh"], json!(["2 次漏检"]));
        assert_eq!((&o["amount_fen"], &a["total_fen"]), (&json!(240_000), &json!(240_000)));
        // December's report does not count November's misses again.
        let december = assessed(&t, "2026-12").await;
        assert_eq!(december["total_fen"], 0, "{december}");
    }
);

/// The breach report's assessment of its one contract over `period`.
async fn assessed(t: &Harness, period: &str) -> Value {
    let r = t
        .get("admin", &format!("/api/v1/reports/breaches?period={period}"))
        .await
        .expect(StatusCode::OK);
    r["deductions"][0]["assessment"].clone()
}

both!(
    the_pages_list_inspections_due_first_and_record_one_through_its_form,
    |t: Harness| async move {
        use crate::web::{browse, csrf_of, session, submit};
        import_catalog(&t, FILE).await.expect(StatusCode::OK);
        sweep(&t).await;
        let engineer = session(&t, "eng_a").await;
        let (status, html) = browse(&t, &engineer, "/inspections").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let states: Vec<&str> = html
            .split(r#"data-state=""#)
            .skip(1)
            .map(|r| r.split('"').next().unwrap())
            .collect();
        assert_eq!(states, ["due", "due", "due"]);
        assert!(
            html.contains("审批平台") && html.contains("每周远程") && html.contains("2026-W48"),
            "{html}"
        );
        let id = list(&t, "eng_a", "?system=SI").await[1]["id"].as_i64().unwrap();
        let path = format!("/inspections/{id}");

        // The unit's manager reads it but gets no form: the vendor inspects.
        let manager = session(&t, "mgr_a").await;
        let (_, html) = browse(&t, &manager, &path).await;
        assert!(
            html.contains("软件系统的业务质量：登录量") && !html.contains(r#"id="inspection-form""#),
            "{html}"
        );

        let (_, html) = browse(&t, &engineer, &path).await;
        assert!(html.contains(r#"id="inspection-form""#), "{html}");
        let csrf = csrf_of(&html);
        let mut fields = vec![("csrf", csrf.as_str()), ("note", "现场巡检")];
        for k in ["interfaces", "functions", "processes", "key_functions", "processing"] {
            fields.push((Box::leak(format!("ok:{k}").into_boxed_str()), "ok"));
        }
        fields.extend([
            ("ok:logins", "not_ok"),
            ("remark:logins", "登录量骤降"),
            ("ticket:logins", "serious"),
        ]);
        let (answer, next) = submit(&t, &engineer, &format!("{path}/record"), &fields).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let (_, html) = browse(&t, &next, &path).await;
        assert!(html.contains(r#"data-state="done""#), "{html}");
        assert!(html.contains("✓ INC-"), "the message names the ticket: {html}");
        assert!(
            html.contains(r#"data-item="logins" data-ok="false""#) && html.contains("登录量骤降"),
            "{html}"
        );
        let done = t
            .get("eng_a", &format!("/api/v1/inspections/{id}"))
            .await
            .expect(StatusCode::OK);
        let number = done["items"][4]["ticket"].as_str().unwrap();
        assert!(html.contains(&format!(r#"href="/tickets/{number}""#)));
        let ticket = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(ticket["severity"], "serious");

        // A second send of the form is refused on the page, in the reader's language.
        let (answer, next) = submit(&t, &engineer, &format!("{path}/record"), &fields).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let (_, html) = browse(&t, &next, &path).await;
        assert!(
            html.contains("✗") && html.contains("该巡检已填写，不能重复填写"),
            "{html}"
        );
        assert!(!html.contains("a second record is not taken"), "{html}");
    }
);

both!(
    the_command_line_lists_inspections_and_refuses_a_broken_checklist_directory,
    |t: Harness| async move {
        import_catalog(&t, FILE).await.expect(StatusCode::OK);
        sweep(&t).await;
        let (ok, out, err) = crate::support::opsclock(&t, &["inspection", "list", "--system", "SI"]);
        assert!(ok, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert!(
            lines[0].contains("SI 审批平台  2026-W48  1/1  每周远程  due 2026-11-30 00:00  待巡检  —"),
            "{out}"
        );
        assert!(
            lines[1].contains("2026-11  1/2  每月  due 2026-12-01 00:00  待巡检"),
            "{out}"
        );
        assert_eq!(lines[3], "3 inspection(s)");
        let (ok, _, err) = crate::support::opsclock(&t, &["inspection", "list", "--state", "late"]);
        assert!(!ok && err.contains("state"), "{err}");

        // A deployment's checklist directory that does not read stops the command, naming the
        // file and what is wrong (here: no `generic`, the checklist of every system naming none).
        let bad = crate::support::scratch(
            "mine.toml",
            "[[checklists]]\ncode = \"ups\"\nname = \"UPS\"\nname_en = \"UPS\"\n\
             [[checklists.items]]\nkey = \"battery\"\nzh = \"电池内阻\"\nen = \"Battery resistance\"\n",
        );
        let dir = std::path::Path::new(bad.path()).parent().unwrap().display().to_string();
        let config = crate::support::scratch("opsclock.toml", &format!("[inspections]\nchecklist_dir = {dir:?}\n"));
        let (ok, _, err) = crate::support::opsclock(&t, &["--config", config.path(), "inspection", "list"]);
        assert!(!ok, "refused");
        assert!(
            err.contains("inspection checklists") && err.contains("no checklist \"generic\""),
            "{err}"
        );
    }
);

both!(
    the_shunyi_catalogue_owes_its_inspections_without_a_duty_file,
    |t: Harness| async move {
        use opsclock::app::demo::SHUNYI_CATALOG;
        import_catalog(&t, SHUNYI_CATALOG).await.expect(StatusCode::OK);
        let swept = sweep(&t).await;
        // What the file says is owed on Wednesday 25 November 2026: for each cadence of each
        // system served by then, `times` for the period holding that day.
        let file = opsclock::app::catalog::parse(SHUNYI_CATALOG).unwrap();
        let mut expected = 0;
        let mut systems = std::collections::BTreeSet::new();
        for s in file.systems.iter().map(|s| s.get_ref()) {
            let Some(c) = &s.contract else { continue };
            let start = c
                .service_start
                .as_deref()
                .and_then(|d| opsclock::app::catalog::service::parse_date(d, false));
            if c.inspection.is_empty() || start.is_some_and(|d| d > "2026-11-25".parse().unwrap()) {
                continue;
            }
            systems.insert(s.code.clone());
            expected += c.inspection.iter().map(|i| u64::from(i.times)).sum::<u64>();
        }
        assert!(systems.len() > 100, "{}", systems.len());
        assert_eq!(swept.created, expected);
        let all = list(&t, "admin", "?limit=1000").await;
        let seen: std::collections::BTreeSet<String> =
            all.iter().map(|i| i["system"].as_str().unwrap().to_owned()).collect();
        assert_eq!(seen, systems);
        let sy054 = list(&t, "admin", "?system=sy-054").await;
        assert_eq!(summary(&sy054), ["sy-054 2026-11 month 1/1 due"]);
        assert_eq!(sy054[0]["checklist"], "software");
        // A row whose wording no shipped list quotes whole takes the tender's general one.
        let sy129 = list(&t, "admin", "?system=sy-129").await;
        assert_eq!(sy129[0]["checklist"], "generic");
    }
);

both!(
    a_catalogue_naming_a_checklist_the_server_has_not_loaded_is_refused_whole,
    |t: Harness| async move {
        // Over the API (real and dry run): the problem names the system and the loaded codes.
        let typo = FILE.replace("checklist = \"software\"", "checklist = \"sofware\"");
        for query in ["", "?dry_run=true"] {
            let answer = t
                .raw(
                    "admin",
                    axum::http::Method::POST,
                    &format!("/api/v1/catalog/import{query}"),
                    Some("application/toml"),
                    typo.as_bytes().to_vec(),
                )
                .await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
            assert_eq!(answer.body["type"], "/problems/invalid-file");
            let problems = answer.body["problems"].as_array().unwrap();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(
                (&problems[0]["path"], &problems[0]["message"]),
                (
                    &json!("systems[0].contract.checklist"),
                    &json!(
                        "system \"SI\" names checklist \"sofware\", which the server has not loaded \
                         (config/checklists); known: generic, software, video"
                    )
                )
            );
        }
        // Nothing imported: neither system, though SJ names no checklist.
        let systems = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
        assert!(
            systems
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["code"] != "SI" && s["code"] != "SJ"),
            "{systems}"
        );

        // The command line checks against the checklists its configuration loads: a directory
        // without `software` refuses the file that names it, and imports nothing.
        let mine = crate::support::scratch(
            "mine.toml",
            "[[checklists]]\ncode = \"generic\"\nname = \"通用\"\nname_en = \"Generic\"\n\
             [[checklists.items]]\nkey = \"config\"\nzh = \"软件的管理配置\"\nen = \"Configuration\"\n",
        );
        let dir = std::path::Path::new(mine.path())
            .parent()
            .unwrap()
            .display()
            .to_string();
        let config = crate::support::scratch("opsclock.toml", &format!("[inspections]\nchecklist_dir = {dir:?}\n"));
        let file = crate::support::scratch("catalog.toml", FILE);
        let import = |extra: &[&str]| {
            let mut args = extra.to_vec();
            args.extend(["import", "catalog", file.path()]);
            crate::support::opsclock(&t, &args)
        };
        let (ok, out, err) = import(&["--config", config.path()]);
        assert!(!ok, "refused: {out}");
        assert!(
            err.contains(
                "systems[0].contract.checklist: system \"SI\" names checklist \"software\", which the \
                 server has not loaded (config/checklists); known: generic"
            ) && err.contains("nothing was imported"),
            "{err}"
        );
        let systems = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
        assert!(systems.as_array().unwrap().iter().all(|s| s["code"] != "SI"));
        // With the shipped checklists the same file imports.
        let (ok, out, err) = import(&[]);
        assert!(ok, "{out}{err}");
        let systems = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
        assert!(systems.as_array().unwrap().iter().any(|s| s["code"] == "SI"));
    }
);

both!(
    a_missed_inspection_of_a_system_another_contracts_vendor_also_serves_is_not_charged,
    |t: Harness| async move {
        t.put(
            "admin",
            "/api/v1/contracts/va-mi",
            json!({
                "code": "va-mi", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
                "rules": [{"id": "missed", "label": "漏检", "source": "illustrative",
                           "counts": "per_occurrence", "when": {"metric": "missed_inspection"},
                           "amount": {"of": "price", "pct": 0.1}}]
            }),
        )
        .await
        .expect(StatusCode::OK);
        import_catalog(&t, FILE).await.expect(StatusCode::OK);
        sweep(&t).await;
        // Vendor B serves SI too: whose inspection it was is not known, so neither contract is
        // charged for it (each would be, for the same miss); the report still lists it.
        let systems = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
        let si = systems
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == "SI")
            .unwrap()
            .clone();
        t.patch(
            "admin",
            &format!("/api/v1/systems/{}", si["id"]),
            json!({"vendor_ids": [t.ids.vendor_a, t.ids.vendor_b], "version": si["version"]}),
        )
        .await
        .expect(StatusCode::OK);
        t.time.set(beijing("2026-12-02T10:00:00"));
        sweep(&t).await;
        let r = t
            .get("admin", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            r["inspections"]["missed"].as_array().unwrap().len(),
            3,
            "{}",
            r["inspections"]
        );
        let a = &r["deductions"][0]["assessment"];
        assert_eq!(
            (&a["outcomes"][0]["status"], &a["total_fen"]),
            (&json!("not_fired"), &json!(0)),
            "{a}"
        );
    }
);
