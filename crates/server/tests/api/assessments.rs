//! Assessments (考核, issue 27): a unit's month of a contract assessed by the unit's manager,
//! disputed by the vendor on one point, revised, agreed and signed by the unit, the vendor and
//! the bureau with their own accounts; final, its figures frozen whatever later happens to the
//! month's tickets, reopened only by an admin with a reason. Every act is in the thread and in
//! the audit log.

use axum::http::{Method, StatusCode};
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Digest;

use crate::both;
use crate::recorded::{open, step};
use crate::support::Harness;

/// Vendor A's contract with 004 八-4's late-repair clause and 八-1's late arrivals, on an
/// illustrative price (see findings.rs).
fn contract() -> Value {
    json!({
        "code": "va-84", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
        "rules": [
            {"id": "late-repair", "label": "修复超时", "source": "illustrative",
             "counts": "per_occurrence",
             "when": {"metric": "late", "clock": "repair"},
             "amount": {"of": "price", "pct": 0.1}}
        ]
    })
}

/// An urgent fault on System A received at `at` (Beijing time) and restored six hours later:
/// its 4 h repair is 2 h late.
async fn late_repair(t: &Harness, at: &str) -> String {
    let start = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S").unwrap();
    let later = |m: i64| {
        (start + chrono::TimeDelta::minutes(m))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    let v = open(t, "eng_a", "SA", "fault", "urgent", at).await;
    let v = step(t, "eng_a", &v, "acknowledge", &later(5), json!({})).await;
    let v = step(t, "eng_a", &v, "arrive", &later(60), json!({})).await;
    let v = step(t, "eng_a", &v, "start", &later(60), json!({})).await;
    let v = step(
        t,
        "eng_a",
        &v,
        "resolve",
        &later(360),
        json!({"root_cause": "c", "fix": "f"}),
    )
    .await;
    v["number"].as_str().unwrap().to_owned()
}

/// Closes ticket `number` as the unit's manager with `rating` (none: unrated).
async fn close(t: &Harness, number: &str, rating: Option<u8>) {
    let v = t
        .get("mgr_a", &format!("/api/v1/tickets/{number}"))
        .await
        .expect(StatusCode::OK);
    let body = match rating {
        Some(r) => json!({"satisfaction": r}),
        None => json!({}),
    };
    step(t, "mgr_a", &v, "close", "2026-11-28T10:00:00", body).await;
}

pub(crate) async fn setup(t: &Harness) {
    t.time.set("2026-12-02T02:00:00Z".parse().unwrap());
    t.put("admin", "/api/v1/contracts/va-84", contract())
        .await
        .expect(StatusCode::OK);
    late_repair(t, "2026-11-02T10:00:00").await;
}

/// The stored figures of assessment `id`, as the API gives them.
async fn snapshot(t: &Harness, id: i64) -> String {
    let a = t
        .raw(
            "admin",
            Method::GET,
            &format!("/api/v1/assessments/{id}/snapshot"),
            None,
            vec![],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    serde_json::to_string(&a.body).unwrap()
}

async fn act(t: &Harness, who: &str, id: i64, name: &str, body: Value) -> crate::support::Answer {
    t.post(who, &format!("/api/v1/assessments/{id}/{name}"), body).await
}

/// Creates November's assessment of Unit A as its manager and takes it to final; returns it.
async fn to_final(t: &Harness) -> Value {
    let a = t
        .post(
            "mgr_a",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-11"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = a["id"].as_i64().unwrap();
    act(t, "mgr_a", id, "send", json!({})).await.expect(StatusCode::OK);
    act(t, "vmgr_a", id, "agree", json!({})).await.expect(StatusCode::OK);
    let hash = a["content_hash"].as_str().unwrap().to_owned();
    for who in ["mgr_a", "vmgr_a", "bureau"] {
        act(t, who, id, "sign", json!({"hash": hash}))
            .await
            .expect(StatusCode::OK);
    }
    t.get("admin", &format!("/api/v1/assessments/{id}"))
        .await
        .expect(StatusCode::OK)
}

/// Gives `who` an address (the harness's users have none).
async fn address(t: &Harness, who: &str) {
    use opsclock::db::entities::users;
    use sea_orm::sea_query::Expr;
    users::Entity::update_many()
        .col_expr(users::Column::Email, Expr::value(format!("{who}@example.gov.cn")))
        .filter(users::Column::Username.eq(who))
        .exec(&t.db.db)
        .await
        .unwrap();
}

both!(
    a_month_is_disputed_revised_agreed_and_signed_by_three_parties,
    |t: Harness| async move {
        setup(&t).await;
        for who in ["mgr_a", "vmgr_a", "bureau", "mgr_b", "eng_a"] {
            address(&t, who).await;
        }
        // The unit's manager assesses their unit: the unit, the vendor and the bureau sign.
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        assert_eq!(
            (a["code"].as_str(), a["unit"].as_str()),
            (Some(format!("A-{id}").as_str()), Some("UA"))
        );
        assert_eq!(a["state"], "draft");
        assert_eq!(a["required"], json!(["unit", "vendor", "bureau"]));
        // The figures are the month's report for the contract's tickets on the unit's systems:
        // one late repair. The deductions are the whole contract's (the bureau's assessment),
        // left out of a unit's as the report withholds them from units.
        let f = &a["figures"];
        assert_eq!(f["breached"], 1, "{f}");
        assert_eq!(f["deductions"], Value::Null, "{f}");
        // The hash is the SHA-256 of the figures' stored text, which anyone may fetch.
        let text = snapshot(&t, id).await;
        let first_hash = a["content_hash"].as_str().unwrap().to_owned();
        assert_eq!(hex::encode(sha2::Sha256::digest(text.as_bytes())), first_hash);

        // Only the buyer sends; the vendor disputes one point; anyone of the parties replies.
        act(&t, "vmgr_a", id, "send", json!({}))
            .await
            .expect(StatusCode::FORBIDDEN);
        // What is sent is what is stored: a hash that is not the figures' is refused.
        act(&t, "mgr_a", id, "send", json!({"hash": "00"}))
            .await
            .expect(StatusCode::CONFLICT);
        act(&t, "mgr_a", id, "send", json!({})).await.expect(StatusCode::OK);
        act(&t, "vmgr_a", id, "dispute", json!({"points": []}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let d = act(
            &t,
            "vmgr_a",
            id,
            "dispute",
            json!({"points": ["INC 修复超时系用户断电所致，不应计入"]}),
        )
        .await
        .expect(StatusCode::OK);
        assert_eq!(d["state"], "disputed");
        act(&t, "mgr_a", id, "reply", json!({"text": "已核实：断电发生在修复期内"}))
            .await
            .expect(StatusCode::OK);
        // Nobody signs a disputed assessment.
        act(&t, "bureau", id, "sign", json!({"hash": first_hash}))
            .await
            .expect(StatusCode::CONFLICT);

        // The buyer revises (the figures measured again), sends again; the vendor agrees.
        t.time.set("2026-12-03T02:00:00Z".parse().unwrap());
        let r = act(&t, "mgr_a", id, "revise", json!({})).await.expect(StatusCode::OK);
        assert_eq!(r["state"], "draft");
        let hash = r["content_hash"].as_str().unwrap().to_owned();
        assert_ne!(hash, first_hash, "measured again, at another instant");
        act(&t, "mgr_a", id, "send", json!({"hash": first_hash}))
            .await
            .expect(StatusCode::CONFLICT);
        act(&t, "mgr_a", id, "send", json!({"hash": hash}))
            .await
            .expect(StatusCode::OK);
        act(&t, "vmgr_a", id, "agree", json!({})).await.expect(StatusCode::OK);

        // Each party signs what it read, with its own account; a stale hash is refused.
        act(&t, "bureau", id, "sign", json!({"hash": first_hash}))
            .await
            .expect(StatusCode::CONFLICT);
        act(&t, "admin", id, "sign", json!({"hash": hash}))
            .await
            .expect(StatusCode::FORBIDDEN);
        act(&t, "mgr_a", id, "sign", json!({"hash": hash}))
            .await
            .expect(StatusCode::OK);
        act(&t, "mgr_a", id, "sign", json!({"hash": hash}))
            .await
            .expect(StatusCode::CONFLICT);
        let v = act(&t, "vmgr_a", id, "sign", json!({"hash": hash}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (v["state"].as_str(), v["awaiting"].clone()),
            (Some("agreed"), json!(["bureau"]))
        );
        let v = act(&t, "bureau", id, "sign", json!({"hash": hash}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(v["state"], "final");
        assert_eq!(v["state_label"], "已定稿");
        assert!(v["final_at"].is_string());
        assert_eq!(v["signed"], json!(["unit", "vendor", "bureau"]));

        // The thread: every act, by whom and for which party.
        let kinds: Vec<&str> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "create", "send", "dispute", "reply", "revise", "send", "agree", "sign", "sign", "sign"
            ]
        );
        let dispute = &v["events"][2];
        assert_eq!(
            (dispute["by"].as_str(), dispute["party"].as_str()),
            (Some("vmgr_a"), Some("vendor"))
        );
        assert!(dispute["text"].as_str().unwrap().contains("用户断电"));
        let signs: Vec<(&str, &str)> = v["events"].as_array().unwrap()[7..]
            .iter()
            .map(|e| (e["party"].as_str().unwrap(), e["content_hash"].as_str().unwrap()))
            .collect();
        assert_eq!(
            signs,
            [
                ("unit", hash.as_str()),
                ("vendor", hash.as_str()),
                ("bureau", hash.as_str())
            ]
        );
        // Whoever must act next was mailed, once per act: the vendor when sent, the buyer when
        // disputed, the vendor when the buyer replied, everyone when the disputed figures were
        // revised (the vendor's answer is void), each signer still to sign, all at the end.
        // Never another unit's manager, never an engineer.
        use opsclock::db::entities::outbox;
        use sea_orm::QueryOrder;
        let mails: Vec<(String, Value)> = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("assessment"))
            .order_by_asc(outbox::Column::Id)
            .all(&t.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.dedup_key, m.recipients))
            .collect();
        let (u, vm, b) = ("mgr_a@example.gov.cn", "vmgr_a@example.gov.cn", "bureau@example.gov.cn");
        let expected: Vec<(String, Value)> = [
            (2, json!([vm])),
            (3, json!([b, u])),
            (4, json!([vm])),
            (5, json!([b, u, vm])),
            (6, json!([vm])),
            (7, json!([b, u, vm])),
            (8, json!([b, vm])),
            (9, json!([b])),
            (10, json!([b, u, vm])),
        ]
        .into_iter()
        .map(|(v, to)| (format!("assessment/A-{id}/v{v}"), to))
        .collect();
        assert_eq!(mails, expected);
        // And the audit log, act by act.
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Target.eq(format!("A-{id}")))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 10);
        assert!(audited.iter().all(|e| e.action.starts_with("assessment.")));
    }
);

both!(
    a_final_assessment_keeps_its_figures_and_only_an_admin_reopens_it,
    |t: Harness| async move {
        setup(&t).await;
        for who in ["mgr_a", "vmgr_a", "bureau"] {
            address(&t, who).await;
        }
        let a = to_final(&t).await;
        let id = a["id"].as_i64().unwrap();
        assert_eq!(a["state"], "final");
        let before = snapshot(&t, id).await;

        // Later, another late repair is logged in November: the month's report changes, the
        // final assessment does not.
        late_repair(&t, "2026-11-20T10:00:00").await;
        let report = t
            .get("admin", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        assert_eq!(report["deductions"][0]["assessment"]["total_fen"], 240_000);
        assert_eq!(report["tickets"]["breached"], 2);
        let after = t
            .get("vmgr_a", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["content_hash"], a["content_hash"]);
        assert_eq!(after["figures"]["breached"], 1);
        assert_eq!(after["figures"]["tickets"]["received"], 1);
        assert_eq!(snapshot(&t, id).await, before, "byte for byte");
        // The operator checks the hash on the command line: the stored text, hashed.
        let (ok, out, err) = crate::support::opsclock(&t, &["assessment", "snapshot", &format!("A-{id}")]);
        assert!(ok, "{err}");
        assert_eq!(
            json!(hex::encode(sha2::Sha256::digest(out.as_bytes()))),
            a["content_hash"],
            "the snapshot printed is what the hash is over"
        );
        let (ok, out, err) = crate::support::opsclock(&t, &["assessment", "show", &id.to_string()]);
        assert!(ok, "{err}");
        assert!(
            out.contains("final (已定稿)") && out.contains("signed: unit, vendor, bureau"),
            "{out}"
        );

        // Final is final: no revising, no signing again; reopening is an admin's, with a reason.
        act(&t, "mgr_a", id, "revise", json!({}))
            .await
            .expect(StatusCode::CONFLICT);
        act(&t, "bureau", id, "reopen", json!({"reason": "更正"}))
            .await
            .expect(StatusCode::FORBIDDEN);
        act(&t, "admin", id, "reopen", json!({"reason": " "}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let r = act(
            &t,
            "admin",
            id,
            "reopen",
            json!({"reason": "11 月漏计一次修复超时，重新考核"}),
        )
        .await
        .expect(StatusCode::OK);
        assert_eq!((r["state"].as_str(), r["signed"].clone()), (Some("draft"), json!([])));
        assert_eq!(r["final_at"], Value::Null, "no longer final");
        let reopen = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("assessment.reopen"))
            .one(&t.db.db)
            .await
            .unwrap()
            .expect("audited");
        assert!(reopen.detail.to_string().contains("漏计"), "{}", reopen.detail);
        // Every party whose signature it voids is told.
        {
            use opsclock::db::entities::outbox;
            let mail = outbox::Entity::find()
                .filter(outbox::Column::DedupKey.eq(format!("assessment/A-{id}/v{}", r["version"])))
                .one(&t.db.db)
                .await
                .unwrap()
                .expect("the reopening is mailed");
            assert_eq!(
                mail.recipients,
                json!(["bureau@example.gov.cn", "mgr_a@example.gov.cn", "vmgr_a@example.gov.cn"])
            );
            assert!(mail.body_text.contains("签字作废"), "{}", mail.body_text);
        }
        // Revised now, it counts both late repairs.
        let r = act(&t, "mgr_a", id, "revise", json!({})).await.expect(StatusCode::OK);
        assert_eq!(r["figures"]["breached"], 2);
        assert_ne!(r["content_hash"], a["content_hash"]);
    }
);

both!(
    assessments_are_read_and_acted_on_only_by_their_parties,
    |t: Harness| async move {
        setup(&t).await;
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        let path = format!("/api/v1/assessments/{id}");
        // Another unit's manager does not see it; another vendor may not read assessments.
        t.get("mgr_b", &path).await.expect(StatusCode::NOT_FOUND);
        t.get("eng_b", &path).await.expect(StatusCode::FORBIDDEN);
        // The supervisor reads; signs only where asked to (not here).
        t.get("sup", &path).await.expect(StatusCode::OK);
        assert_eq!(
            t.get("mgr_b", "/api/v1/assessments").await.expect(StatusCode::OK),
            json!([])
        );
        assert_eq!(
            t.get("vmgr_a", "/api/v1/assessments").await.expect(StatusCode::OK)[0]["id"],
            id
        );
        // One assessment per contract, unit and month.
        t.post(
            "mgr_a",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-11"}),
        )
        .await
        .expect(StatusCode::CONFLICT);
        // A unit's manager assesses only their own unit; a contract covering no system of a
        // unit has no assessment for it; a bad month names its field.
        t.post(
            "mgr_a",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-10", "unit": "UB"}),
        )
        .await
        .expect(StatusCode::FORBIDDEN);
        t.post(
            "bureau",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-10", "unit": "UB"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        t.post(
            "bureau",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-13"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        // The whole contract's month, with the supervisor as a signer.
        let whole = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11", "signers": ["vendor", "bureau", "supervisor"]}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(whole["unit"], Value::Null);
        assert_eq!(whole["required"], json!(["vendor", "bureau", "supervisor"]));
        // The whole contract's carries the deductions: a unit's manager does not read it.
        assert_eq!(whole["figures"]["deductions"]["assessment"]["total_fen"], 120_000);
        let whole_path = format!("/api/v1/assessments/{}", whole["id"]);
        t.get("mgr_a", &whole_path).await.expect(StatusCode::NOT_FOUND);
        t.get("vmgr_a", &whole_path).await.expect(StatusCode::OK);
        // An administrator reads and reopens, and acts for no party.
        t.post(
            "admin",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-09"}),
        )
        .await
        .expect(StatusCode::FORBIDDEN);
        act(&t, "admin", whole["id"].as_i64().unwrap(), "send", json!({}))
            .await
            .expect(StatusCode::FORBIDDEN);
        // An unknown act is 404.
        act(&t, "mgr_a", id, "approve", json!({}))
            .await
            .expect(StatusCode::NOT_FOUND);
    }
);

both!(
    a_scored_month_says_its_score_and_what_a_month_below_sixty_costs,
    |t: Harness| async move {
        setup(&t).await;
        // The whole contract's November, scored by seed 003's scheme (附件 7).
        let a = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11", "scheme": "003-sme-platform"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        assert_eq!(a["scheme"], "003-sme-platform");
        assert_eq!(a["figures"]["scorecard"]["entered"], false);

        // Full marks: 100, nothing follows.
        let scheme = opsclock::app::assessments::schemes::get("003-sme-platform").unwrap();
        let full = scorecard::Entries::full_marks(&scheme);
        let r = act(&t, "bureau", id, "revise", json!({"scores": full}))
            .await
            .expect(StatusCode::OK);
        let sc = &r["figures"]["scorecard"];
        assert_eq!(
            (sc["score"].as_str(), sc["below"].as_bool()),
            (Some("100.00"), Some(false)),
            "{sc}"
        );

        // Every application item's quality (50 % of its points) scored 0: that category makes
        // 50 points, the month's score is the lower category's (the scheme's reading), below 60:
        // 附件6 第11项, 40 % of the monthly fee (1,200,000.00 yuan / 12 months = 100,000.00).
        let mut low = full.clone();
        for (category, item) in scheme.items() {
            if category.id == "app" {
                low.set(&item.id, "quality", scorecard::Dec2::ZERO);
            }
        }
        let r = act(&t, "bureau", id, "revise", json!({"scores": low}))
            .await
            .expect(StatusCode::OK);
        let sc = &r["figures"]["scorecard"];
        assert_eq!(
            (sc["score"].as_str(), sc["below"].as_bool()),
            (Some("50.00"), Some(true)),
            "{sc}"
        );
        assert_eq!(sc["consequences"][0]["rule"], "a6-11");
        assert_eq!(sc["consequences"][0]["amount_fen"], 4_000_000);
        // The scores are kept: revising again (figures measured anew) scores the same.
        let again = act(&t, "bureau", id, "revise", json!({})).await.expect(StatusCode::OK);
        assert_eq!(again["figures"]["scorecard"]["score"], "50.00");

        // An item the scheme lacks, or more than an aspect's share, is refused, naming `scores`.
        let mut bad = full.clone();
        bad.set("no-such-item", "quality", scorecard::Dec2::ZERO);
        let answer = act(&t, "bureau", id, "revise", json!({"scores": bad})).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert!(answer.body.to_string().contains("scores"), "{}", answer.body);
        let mut over = full.clone();
        let (_, first) = scheme.items().next().unwrap();
        over.set(&first.id, "quality", "99".parse().unwrap());
        act(&t, "bureau", id, "revise", json!({"scores": over}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        // Scores go with revising only, and only where a scheme is named.
        act(&t, "bureau", id, "send", json!({"scores": full}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let plain = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        act(
            &t,
            "mgr_a",
            plain["id"].as_i64().unwrap(),
            "revise",
            json!({"scores": full}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        // An unknown scheme names its field.
        t.post(
            "bureau",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-10", "scheme": "nope"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both!(
    the_reporters_satisfaction_is_in_the_report_and_the_assessment,
    |t: Harness| async move {
        setup(&t).await;
        // Three more faults restored in November; closed rated 5 and 3, and one unrated.
        let mut numbers = Vec::new();
        for day in ["05", "06", "07"] {
            numbers.push(late_repair(&t, &format!("2026-11-{day}T10:00:00")).await);
        }
        close(&t, &numbers[0], Some(5)).await;
        close(&t, &numbers[1], Some(3)).await;
        close(&t, &numbers[2], None).await;
        let r = t
            .get("admin", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        let s = &r["satisfaction"];
        assert_eq!(
            (
                s["rated"].as_i64(),
                s["satisfied"].as_i64(),
                s["rate_pct"].as_f64(),
                s["mean"].as_f64()
            ),
            (Some(2), Some(1), Some(50.0), Some(4.0)),
            "{s}"
        );
        assert_eq!(s["by_rating"], json!([0, 0, 1, 0, 1]));
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(a["figures"]["satisfaction"], *s);
        // The dashboard shows the rate.
        let cookies = crate::web::session(&t, "bureau").await;
        let (_, page) = crate::web::browse(&t, &cookies, "/dashboard?period=2026-11").await;
        assert!(
            page.contains(r#"id="kpi-satisfaction">50.0"#) || page.contains(r#"id="kpi-satisfaction">50.00"#),
            "{page}"
        );
    }
);

both!(
    the_vendor_assessed_is_the_lead_vendor_at_creation_and_a_member_only_reads,
    |mut t: Harness| async move {
        let vb = t.ids.vendor_b;
        t.add_user("vmgr_b", "manager", None, Some(vb)).await;
        setup(&t).await;
        // Vendor B joins the contract as a consortium member (联合体).
        let mut doc = t.get("admin", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
        doc["members"] = json!(["VB"]);
        t.put("admin", "/api/v1/contracts/va-84", doc.clone())
            .await
            .expect(StatusCode::OK);
        let a = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        act(&t, "bureau", id, "send", json!({})).await.expect(StatusCode::OK);
        // The member reads it, and answers nothing.
        t.get("vmgr_b", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK);
        act(&t, "vmgr_b", id, "agree", json!({}))
            .await
            .expect(StatusCode::FORBIDDEN);
        // The contract later names vendor B as its lead: the assessment still assesses vendor A.
        doc["vendor"] = json!("VB");
        doc["members"] = json!(["VA"]);
        t.put("admin", "/api/v1/contracts/va-84", doc)
            .await
            .expect(StatusCode::OK);
        act(&t, "vmgr_b", id, "agree", json!({}))
            .await
            .expect(StatusCode::FORBIDDEN);
        act(&t, "vmgr_a", id, "agree", json!({})).await.expect(StatusCode::OK);
    }
);
