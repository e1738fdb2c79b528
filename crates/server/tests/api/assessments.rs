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

both!(
    a_month_is_disputed_revised_agreed_and_signed_by_three_parties,
    |t: Harness| async move {
        setup(&t).await;
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
        // The figures are the month's report for the contract: one late repair, 0.1 % deducted.
        let f = &a["figures"];
        assert_eq!(f["breached"], 1, "{f}");
        assert_eq!(f["deductions"]["assessment"]["total_fen"], 120_000, "{f}");
        // The hash is the SHA-256 of the figures' stored text, which anyone may fetch.
        let text = snapshot(&t, id).await;
        let first_hash = a["content_hash"].as_str().unwrap().to_owned();
        assert_eq!(hex::encode(sha2::Sha256::digest(text.as_bytes())), first_hash);

        // Only the buyer sends; the vendor disputes one point; anyone of the parties replies.
        act(&t, "vmgr_a", id, "send", json!({}))
            .await
            .expect(StatusCode::FORBIDDEN);
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
        let after = t
            .get("vmgr_a", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["content_hash"], a["content_hash"]);
        assert_eq!(after["figures"]["deductions"]["assessment"]["total_fen"], 120_000);
        assert_eq!(snapshot(&t, id).await, before, "byte for byte");

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
        let reopen = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("assessment.reopen"))
            .one(&t.db.db)
            .await
            .unwrap()
            .expect("audited");
        assert!(reopen.detail.to_string().contains("漏计"), "{}", reopen.detail);
        // Revised now, it counts both late repairs.
        let r = act(&t, "mgr_a", id, "revise", json!({})).await.expect(StatusCode::OK);
        assert_eq!(r["figures"]["deductions"]["assessment"]["total_fen"], 240_000);
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
        // An unknown act is 404.
        act(&t, "mgr_a", id, "approve", json!({}))
            .await
            .expect(StatusCode::NOT_FOUND);
    }
);
