//! Rectification orders (整改通知, issue 27): issued by a unit's manager to the vendor serving one
//! of its systems, with a deadline that is a clock like a ticket's: escalated by the ladder at
//! 50 %, breached and reminded exactly once per step, paused while the report waits for the
//! issuer's check, resumed by a rejection, stopped by the acceptance. A refusal records the
//! `refused_rectification` finding 004 八-7 prices; the assessment's figures count the orders.

use axum::http::StatusCode;
use chrono::TimeDelta;
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::{audit_log, outbox, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// Vendor A's contract: it covers System A (Unit A's, served by Vendor A).
pub(crate) async fn setup(t: &Harness) {
    t.time.set("2026-12-02T02:00:00Z".parse().unwrap());
    t.put(
        "admin",
        "/api/v1/contracts/va-zg",
        json!({"code": "va-zg", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
               "rules": [{"id": "refused", "label": "拒不整改", "source": "004 八-7", "counts": "per_occurrence",
                          "when": {"metric": "finding", "kind": "refused_rectification"},
                          "amount": {"of": "price", "pct": 0.5}}]}),
    )
    .await
    .expect(StatusCode::OK);
    // Addresses and roles: the vendor's manager, the unit's head.
    for (who, role) in [
        ("vmgr_a", "vendor_manager"),
        ("mgr_a", "unit_head"),
        ("eng_a", "on_duty"),
    ] {
        let mut u = users::Entity::find_by_id(t.user_ids[who])
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        u.email = Set(Some(format!("{who}@ops.test")));
        u.notify_roles = Set(Some(json!([role])));
        u.update(&t.db.db).await.unwrap();
    }
}

fn sweeper(t: &Harness) -> Sweeper {
    Sweeper {
        db: t.state.db.clone(),
        calendars: t.state.calendars.clone(),
        time: t.time.clone(),
        links: Links::new(None, "127.0.0.1:8080", "ops.test".into()),
        batch: 100,
        notices: Default::default(),
    }
}

/// The outbox rows whose key starts with `prefix`: key → recipients.
pub(crate) async fn mails(t: &Harness, prefix: &str) -> Vec<(String, Value)> {
    let mut rows: Vec<(String, Value)> = outbox::Entity::find()
        .filter(outbox::Column::DedupKey.starts_with(prefix))
        .all(&t.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.dedup_key, r.recipients))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

async fn act(t: &Harness, who: &str, number: &str, name: &str, body: Value) -> crate::support::Answer {
    t.post(who, &format!("/api/v1/rectifications/{number}/{name}"), body)
        .await
}

both!(
    an_order_is_issued_escalated_breached_reported_rejected_and_accepted,
    |t: Harness| async move {
        setup(&t).await;
        let issued_at = t.now();
        let o = t
            .post(
                "mgr_a",
                "/api/v1/rectifications",
                json!({"contract": "va-zg", "system": "SA", "title": "11 月巡检记录缺失",
                       "request": "补齐 11 月巡检记录并提交签字版", "within": "48h"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = o["number"].as_str().unwrap().to_owned();
        assert!(number.starts_with("ZG-"), "{o}");
        assert_eq!(o["state"], "issued");
        assert_eq!(o["issuer_party"], "unit");
        assert_eq!(o["unit"], "UA");
        assert_eq!(o["vendor"], "VA");
        assert_eq!(o["within"], "48h");
        assert_eq!(o["calendar"], "24x7", "the system's repair calendar");
        assert_eq!(o["remaining_minutes"], 48 * 60);
        let deadline = issued_at + TimeDelta::hours(48);
        assert_eq!(o["deadline"], json!(deadline));
        // The vendor's manager hears of it at once.
        let notices = mails(&t, &format!("{number}/issue/")).await;
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].1.to_string().contains("vmgr_a@ops.test"), "{notices:?}");

        // Who reads and who may act.
        t.get("eng_b", &format!("/api/v1/rectifications/{number}"))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        t.get("mgr_b", &format!("/api/v1/rectifications/{number}"))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        t.get("sup", &format!("/api/v1/rectifications/{number}"))
            .await
            .expect(StatusCode::OK);
        act(&t, "sup", &number, "accept", json!({}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        act(&t, "eng_a", &number, "accept", json!({}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        act(&t, "mgr_a", &number, "accept", json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        act(&t, "eng_a", &number, "refuse", json!({"text": "x"}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let list = t.get("eng_b", "/api/v1/rectifications").await.expect(StatusCode::OK);
        assert_eq!(list, json!([]), "another vendor's orders are not listed");
        let list = t
            .get("vmgr_a", "/api/v1/rectifications?open=true")
            .await
            .expect(StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);

        // 25 h in: past half the budget, the ladder's 50 % step is queued, once.
        let s = sweeper(&t);
        s.sweep().await.unwrap();
        t.time.set(issued_at + TimeDelta::hours(25));
        s.sweep().await.unwrap();
        let keys: Vec<String> = mails(&t, &format!("{number}/rectification/"))
            .await
            .into_iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(keys, [format!("{number}/rectification/half/0")]);

        // 49 h in: breached; the breach step reaches the vendor's manager and the unit's head.
        t.time.set(issued_at + TimeDelta::hours(49));
        s.sweep().await.unwrap();
        let steps = mails(&t, &format!("{number}/rectification/")).await;
        let breach = steps
            .iter()
            .find(|m| m.0 == format!("{number}/rectification/breach/0"))
            .unwrap_or_else(|| panic!("no breach step in {steps:?}"));
        let to = breach.1.to_string();
        assert!(to.contains("vmgr_a@ops.test") && to.contains("mgr_a@ops.test"), "{to}");
        assert!(steps.iter().any(|m| m.0 == format!("{number}/rectification/warning/0")));
        let before = steps.len();
        assert_eq!(s.sweep().await.unwrap().queued, 0, "each step once");
        assert_eq!(mails(&t, &format!("{number}/rectification/")).await.len(), before);
        let o = t
            .get("mgr_a", &format!("/api/v1/rectifications/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(o["breached"], true);
        assert_eq!(o["clock"], "breached-running");
        assert_eq!(o["overdue_minutes"], 60);

        // The vendor reports it done (evidence required): the clock pauses.
        let p = act(&t, "eng_a", &number, "submit", json!({"text": "已补齐"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(p.contains("evidence"), "{p}");
        let o = act(
            &t,
            "eng_a",
            &number,
            "submit",
            json!({"text": "已补齐", "evidence": "巡检记录 2026-11（签字扫描件）"}),
        )
        .await
        .expect(StatusCode::OK);
        assert_eq!(o["state"], "submitted");
        assert_eq!(o["clock"], "paused");
        assert_eq!(mails(&t, &format!("{number}/submit/")).await.len(), 1);
        // Two hours of the issuer's check are not the vendor's.
        t.time.set(issued_at + TimeDelta::hours(51));
        let p = act(&t, "mgr_a", &number, "reject", json!({}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(p.contains("text"), "{p}");
        let o = act(&t, "mgr_a", &number, "reject", json!({"text": "缺少 11 月 15 日记录"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(o["state"], "issued");
        assert_eq!(o["clock"], "breached-running");
        assert_eq!(o["overdue_minutes"], 60, "the paused two hours do not count");
        t.time.set(issued_at + TimeDelta::hours(52));
        // An act on the order as it was read before the rejection is refused.
        act(
            &t,
            "eng_a",
            &number,
            "submit",
            json!({"text": "x", "evidence": "y", "version": 2}),
        )
        .await
        .problem(StatusCode::CONFLICT, "conflict");
        act(
            &t,
            "eng_a",
            &number,
            "submit",
            json!({"text": "补充 15 日记录", "evidence": "记录扫描件"}),
        )
        .await
        .expect(StatusCode::OK);
        let o = act(&t, "mgr_a", &number, "accept", json!({}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(o["state"], "accepted");
        assert_eq!(o["clock"], "breached-met");
        assert_eq!(o["overdue_minutes"], 120);
        assert_eq!(o["closed_at"], json!(t.now()));
        act(&t, "mgr_a", &number, "accept", json!({}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        let kinds: Vec<&str> = o["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["issue", "submit", "reject", "submit", "accept"]);
        // A closed order escalates no more.
        t.time.set(issued_at + TimeDelta::hours(60));
        assert_eq!(s.sweep().await.unwrap().queued, 0);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Target.eq(number.as_str()))
            .all(&t.db.db)
            .await
            .unwrap()
            .len();
        assert_eq!(audited, 5);
        // The operator reads it on the command line.
        let (ok, out, err) = crate::support::opsclock(&t, &["rectification", "show", &number]);
        assert!(ok, "{err}");
        assert!(out.starts_with(&format!("{number}  accepted (已验收)")), "{out}");
        assert!(
            out.contains("overdue 120 min") && out.contains("[evidence: 记录扫描件]"),
            "{out}"
        );
        let (ok, out, err) = crate::support::opsclock(&t, &["rectification", "list", "--open"]);
        assert!(ok, "{err}");
        assert_eq!(out.trim(), "0 order(s)", "closed orders are not open");

        // December's assessment of Unit A counts the order: issued, overdue, accepted.
        t.time.set("2027-01-02T02:00:00Z".parse().unwrap());
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-zg", "period": "2026-12"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let r = &a["figures"]["rectification"];
        assert_eq!(
            (&r["issued"], &r["overdue"], &r["accepted"], &r["refused"]),
            (&json!(1), &json!(1), &json!(1), &json!(0)),
            "{r}"
        );
        assert_eq!(r["orders"][0]["number"], json!(number));
    }
);

both!(
    orders_are_checked_refused_into_a_finding_and_withdrawn,
    |t: Harness| async move {
        setup(&t).await;
        let bad = |body: Value, field: &'static str| {
            let t = &t;
            async move {
                let p = t
                    .post("mgr_a", "/api/v1/rectifications", body)
                    .await
                    .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
                assert!(p.contains(field), "{field}: {p}");
            }
        };
        let base = json!({"contract": "va-zg", "system": "SA", "title": "t", "request": "r", "within": "5 个工作日"});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        bad(with("within", json!("soon")), "within").await;
        bad(with("within", json!("立即")), "within").await;
        bad(with("contract", json!("nope")), "contract").await;
        bad(with("system", json!("SB")), "not one contract va-zg covers").await;
        bad(with("title", json!("  ")), "title").await;
        bad(with("source", json!("finding")), "source_ref").await;
        bad(with("calendar", json!("mars")), "calendar").await;
        // Vendors do not issue; a unit issues only on its own systems.
        t.post("eng_a", "/api/v1/rectifications", base.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        t.post("mgr_b", "/api/v1/rectifications", base.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        // An administrator issues for no party.
        t.post("admin", "/api/v1/rectifications", base.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        // Working days are the statutory ones unless a calendar is named (System A's is 24x7).
        let o = t
            .post("mgr_a", "/api/v1/rectifications", with("within", json!("2 个工作日")))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(o["calendar"], "cn-5x8");
        assert_eq!(
            o["deadline"], "2026-12-04T09:00:00Z",
            "Thursday and Friday, to 17:00: {o}"
        );
        act(
            &t,
            "mgr_a",
            o["number"].as_str().unwrap(),
            "withdraw",
            json!({"text": "试下达"}),
        )
        .await
        .expect(StatusCode::OK);

        // From a ticket: the system is the ticket's; counted in working days on the calendar named.
        let ticket = t.open("eng_a", "SA", "fault", "general").await;
        let tn = ticket["number"].as_str().unwrap();
        let o = t
            .post(
                "bureau",
                "/api/v1/rectifications",
                json!({"contract": "va-zg", "source": "ticket", "source_ref": tn, "title": "同类故障反复",
                       "request": "提交根因分析与整改方案", "within": "5 个工作日", "calendar": "cn-5x8"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(o["system"], "SA");
        assert_eq!(o["issuer_party"], "bureau");
        assert_eq!(o["source_label"], "工单");
        // Wednesday 2 December 10:00 in Beijing + 5 working days (the day itself not counted:
        // 3, 4, 7, 8, 9 December) = the end of Wednesday 9 December's working hours, 17:00.
        assert_eq!(o["deadline"], "2026-12-09T09:00:00Z", "{o}");
        assert_eq!(o["within"], "5 个工作日", "as the issuer wrote it");
        let number = o["number"].as_str().unwrap().to_owned();

        // The vendor refuses: a refused_rectification finding is recorded with the order as evidence.
        act(&t, "vmgr_a", &number, "refuse", json!({}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let o = act(&t, "vmgr_a", &number, "refuse", json!({"text": "非我方责任"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(o["state"], "refused");
        let finding = o["finding"].as_str().unwrap().to_owned();
        let found = t
            .get("bureau", "/api/v1/findings?contract=va-zg")
            .await
            .expect(StatusCode::OK);
        let f = found
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == json!(finding))
            .expect("the refusal's finding");
        assert_eq!(f["kind"], "refused_rectification");
        assert!(f["evidence"].as_str().unwrap().contains(&number), "{f}");
        // 八-7 prices it in the report's deductions (0.5 % of the price).
        let report = t
            .get("bureau", "/api/v1/reports/breaches?period=2026-12")
            .await
            .expect(StatusCode::OK);
        let text = report["deductions"].to_string();
        assert!(text.contains("\"refused\"") && text.contains("600000"), "{text}");
        act(&t, "vmgr_a", &number, "submit", json!({"text": "x", "evidence": "y"}))
            .await
            .problem(StatusCode::CONFLICT, "conflict");

        // The issuer withdraws an order: its clock is cancelled, it never breaches.
        let o = t
            .post("mgr_a", "/api/v1/rectifications", base.clone())
            .await
            .expect(StatusCode::CREATED);
        let n2 = o["number"].as_str().unwrap().to_owned();
        act(&t, "mgr_b", &n2, "withdraw", json!({"text": "x"}))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        let o = act(&t, "mgr_a", &n2, "withdraw", json!({"text": "下达有误"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (o["state"].as_str(), o["clock"].as_str()),
            (Some("withdrawn"), Some("cancelled"))
        );
        t.time.set("2026-12-31T02:00:00Z".parse().unwrap());
        sweeper(&t).sweep().await.unwrap();
        let o = t
            .get("mgr_a", &format!("/api/v1/rectifications/{n2}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(o["breached"], false);
        assert!(mails(&t, &format!("{n2}/rectification/")).await.is_empty());
        t.get("mgr_a", "/api/v1/rectifications?state=lost")
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    }
);

both!(
    where_the_contract_reads_a_passed_deadline_as_refusal_the_bureaus_order_records_the_finding_once,
    |t: Harness| async move {
        setup(&t).await;
        let order = |who: &'static str| {
            let t = &t;
            async move {
                let o = t
                    .post(
                        who,
                        "/api/v1/rectifications",
                        json!({"contract": "va-zg", "system": "SA", "title": "备件台账不符",
                               "request": "核对并更正备件台账", "within": "24h"}),
                    )
                    .await
                    .expect(StatusCode::CREATED);
                o["number"].as_str().unwrap().to_owned()
            }
        };
        let read = |number: String| {
            let t = &t;
            async move {
                t.get("bureau", &format!("/api/v1/rectifications/{number}"))
                    .await
                    .expect(StatusCode::OK)
            }
        };
        let refusals = || {
            let t = &t;
            async move {
                let found = t
                    .get("bureau", "/api/v1/findings?contract=va-zg")
                    .await
                    .expect(StatusCode::OK);
                found
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["kind"] == "refused_rectification")
                    .cloned()
                    .collect::<Vec<Value>>()
            }
        };
        // The default reading: late is overdue, not refused.
        let a = order("bureau").await;
        // The other reading, chosen in the contract: the deadline passing is the refusal — for
        // the orders issued from now on, and only the bureau's (八-7 is 甲方's).
        let mut doc = t.get("admin", "/api/v1/contracts/va-zg").await.expect(StatusCode::OK);
        doc["overdue_rectification_is_refusal"] = json!(true);
        t.put("admin", "/api/v1/contracts/va-zg", doc)
            .await
            .expect(StatusCode::OK);
        let b = order("bureau").await;
        let c = order("mgr_a").await;
        let d = order("bureau").await;
        let s = sweeper(&t);
        s.sweep().await.unwrap();
        t.time.set(t.now() + TimeDelta::hours(23));
        s.sweep().await.unwrap();
        assert_eq!(read(b.clone()).await["finding"], Value::Null, "not before the deadline");
        // The sweep looks at the deadline itself, whatever the ladder: two minutes past it, the
        // breach and the finding are recorded.
        t.time.set(t.now() + TimeDelta::minutes(62));
        s.sweep().await.unwrap();
        let (ra, rb, rc) = (read(a.clone()).await, read(b.clone()).await, read(c.clone()).await);
        assert_eq!(
            [&ra["breached"], &rb["breached"], &rc["breached"]],
            [&json!(true), &json!(true), &json!(true)]
        );
        assert_eq!(ra["finding"], Value::Null, "issued under the default reading");
        assert_eq!(rc["finding"], Value::Null, "a unit's order carries no 八-7 penalty");
        let finding = rb["finding"]
            .as_str()
            .expect("the finding the deadline recorded")
            .to_owned();
        assert_eq!(rb["state"], "issued", "still to be rectified");
        // Further sweeps (the ladder's reminders) record nothing more; a refusal now adds none.
        t.time.set(t.now() + TimeDelta::hours(3));
        s.sweep().await.unwrap();
        let refused = act(&t, "vmgr_a", &b, "refuse", json!({"text": "不同意"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (refused["state"].as_str(), refused["finding"].as_str()),
            (Some("refused"), Some(finding.as_str()))
        );
        // Withdrawing an order withdraws the finding its deadline recorded.
        let rd = read(d.clone()).await;
        act(
            &t,
            "bureau",
            &d,
            "withdraw",
            json!({"text": "下达有误", "version": rd["version"]}),
        )
        .await
        .expect(StatusCode::OK);
        let all = refusals().await;
        assert_eq!(all.len(), 2, "B's and D's: {all:?}");
        let fb = all.iter().find(|f| f["code"] == json!(finding)).unwrap();
        assert_eq!(fb["rectification"], json!(b));
        assert_eq!(fb["recorded_by"], "bureau", "in the issuer's name");
        assert_eq!(fb["month"], "2026-12", "the month the deadline passed");
        assert!(fb["withdrawn_at"].is_null());
        let fd = all.iter().find(|f| f["rectification"] == json!(d)).unwrap();
        assert!(fd["withdrawn_at"].is_string(), "{fd}");
        // Only the order's parties read the finding: unit B does not.
        let seen = t
            .get("mgr_b", "/api/v1/findings?contract=va-zg")
            .await
            .expect(StatusCode::OK);
        assert_eq!(seen, json!([]));

        // January: A and C, still open and overdue since December, are overdue in it too.
        t.time.set("2027-02-01T02:00:00Z".parse().unwrap());
        let jan = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-zg", "period": "2027-01"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let r = &jan["figures"]["rectification"];
        let numbers: Vec<&str> = r["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, [a.as_str(), c.as_str()], "{r}");
        assert_eq!((&r["overdue"], &r["issued"]), (&json!(2), &json!(0)));
    }
);

both!(
    a_step_nobody_could_receive_is_readdressed_on_retry_and_a_reload_looks_again,
    |t: Harness| async move {
        use opsclock::db::entities::rectification_orders;
        setup(&t).await;
        // Vendor A's manager has no address yet: the 50 % step reaches nobody.
        let mut u = users::Entity::find_by_id(t.user_ids["vmgr_a"])
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        u.email = Set(None);
        u.update(&t.db.db).await.unwrap();
        let issued_at = t.now();
        let o = t
            .post(
                "mgr_a",
                "/api/v1/rectifications",
                json!({"contract": "va-zg", "system": "SA", "title": "补齐巡检记录", "request": "补齐", "within": "48h"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = o["number"].as_str().unwrap().to_owned();
        let s = sweeper(&t);
        s.sweep().await.unwrap();
        t.time.set(issued_at + TimeDelta::hours(25));
        s.sweep().await.unwrap();
        let half = format!("{number}/rectification/half/0");
        let row = || async {
            outbox::Entity::find()
                .filter(outbox::Column::DedupKey.eq(half.clone()))
                .one(&t.db.db)
                .await
                .unwrap()
                .unwrap()
        };
        assert_eq!(
            (row().await.status.0.key(), row().await.recipients),
            ("failed", json!([]))
        );
        // The admin gives the manager an address and retries: the step now reaches them.
        let mut u = users::Entity::find_by_id(t.user_ids["vmgr_a"])
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        u.email = Set(Some("vmgr_a@ops.test".into()));
        u.update(&t.db.db).await.unwrap();
        let calendars = t.state.calendars.snapshot();
        let retried = opsclock::app::outbox::retry(&t.db.db, &calendars, None, t.now())
            .await
            .unwrap();
        assert!(retried >= 1);
        let r = row().await;
        assert_eq!(
            (r.status.0.key(), r.recipients),
            ("pending", json!(["vmgr_a@ops.test"]))
        );
        // So does the order's own notice (整改通知), which found nobody when it was issued.
        let notice = mails(&t, &format!("{number}/issue/")).await;
        assert_eq!(notice, [(format!("{number}/issue/v1"), json!(["vmgr_a@ops.test"]))]);

        // A start-up (or a reload that changed a calendar) makes every open order due for the
        // sweep at once, which measures its deadline again with the calendars as they are; a
        // reload that changed nothing leaves the next look alone.
        let far = issued_at + TimeDelta::days(30);
        let id: i64 = number.trim_start_matches("ZG-").parse().unwrap();
        let mut am = rectification_orders::Entity::find_by_id(id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        am.next_due_at = Set(Some(far));
        am.update(&t.db.db).await.unwrap();
        let links = Links::new(None, "127.0.0.1:8080", "ops.test".into());
        let reloaded =
            opsclock::app::calendar_reload::reload(&t.db.db, &t.state.calendars, &links, None, t.now(), false)
                .await
                .unwrap();
        assert!(reloaded.changed.is_empty());
        let order = rectification_orders::Entity::find_by_id(id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(order.next_due_at, Some(far));
        opsclock::app::calendar_reload::remeasure_all(&t.db.db, &t.state.calendars, &links, None, t.now())
            .await
            .unwrap();
        let order = rectification_orders::Entity::find_by_id(id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(order.next_due_at, Some(t.now()));
    }
);
