//! The supervisor (监理, issue 27): reads everything in its scope, co-approves what the contract
//! says — an assessment that names it as a signer is final only with its manager's signature —
//! and writes nothing else: no assessment, no order, no ticket, no finding, no vendor's answer.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::support::Harness;

both!(
    the_supervisor_co_signs_where_asked_and_writes_nothing_else,
    |mut t: Harness| async move {
        t.add_party_user("sup_mgr", "manager", "supervisor").await;
        crate::assessments::setup(&t).await;
        let a = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11", "signers": ["vendor", "bureau", "supervisor"]}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = a["id"].as_i64().unwrap();
        let hash = a["content_hash"].as_str().unwrap().to_owned();
        let path = |act: &str| format!("/api/v1/assessments/{id}/{act}");
        t.post("bureau", &path("send"), json!({})).await.expect(StatusCode::OK);
        t.post("vmgr_a", &path("agree"), json!({})).await.expect(StatusCode::OK);
        for who in ["vmgr_a", "bureau"] {
            t.post(who, &path("sign"), json!({"hash": hash}))
                .await
                .expect(StatusCode::OK);
        }
        let waiting = t
            .get("sup_mgr", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(waiting["state"], "agreed", "not final without the supervisor");
        assert_eq!(waiting["awaiting"], json!(["supervisor"]));
        // The supervisor's engineer reads but does not sign for it; its manager does.
        t.post("sup", &path("sign"), json!({"hash": hash}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let done = t
            .post("sup_mgr", &path("sign"), json!({"hash": hash}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(done["state"], "final");
        assert_eq!(done["signed"], json!(["vendor", "bureau", "supervisor"]));

        // Reads the orders, the findings, the report; writes none of them.
        crate::rectification::setup(&t).await;
        let order = t
            .post(
                "bureau",
                "/api/v1/rectifications",
                json!({"contract": "va-zg", "system": "SA", "title": "t", "request": "r", "within": "48h"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = order["number"].as_str().unwrap();
        for who in ["sup", "sup_mgr"] {
            t.get(who, &format!("/api/v1/rectifications/{number}"))
                .await
                .expect(StatusCode::OK);
            t.get(who, "/api/v1/findings?contract=va-84")
                .await
                .expect(StatusCode::OK);
            t.get(who, "/api/v1/reports/breaches?period=2026-11")
                .await
                .expect(StatusCode::OK);
            for (path, body) in [
                (
                    "/api/v1/rectifications".to_owned(),
                    json!({"contract": "va-zg", "system": "SA", "title": "t", "request": "r", "within": "48h"}),
                ),
                (
                    format!("/api/v1/rectifications/{number}/submit"),
                    json!({"text": "x", "evidence": "y"}),
                ),
                (format!("/api/v1/rectifications/{number}/accept"), json!({})),
                (
                    "/api/v1/assessments".to_owned(),
                    json!({"contract": "va-84", "period": "2026-10"}),
                ),
                (path("agree"), json!({})),
                (
                    "/api/v1/findings".to_owned(),
                    json!({"contract": "va-84", "kind": "data_loss", "month": "2026-11", "summary": "s"}),
                ),
                (
                    "/api/v1/tickets".to_owned(),
                    json!({"kind": "fault", "system": "SA", "severity": "general", "title": "t"}),
                ),
            ] {
                t.post(who, &path, body)
                    .await
                    .problem(StatusCode::FORBIDDEN, "forbidden");
            }
        }
    }
);
