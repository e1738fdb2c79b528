//! The assessment's record (考核, issue 27): the contract names its scheme (checked when the
//! contract is saved, taken by an assessment created without one), and the record as a workbook
//! (`GET /assessments/{id}/record.xlsx`), read back.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// `va-84` (see assessments.rs) naming `scheme`.
async fn with_scheme(t: &Harness, scheme: Value) -> crate::support::Answer {
    let mut c: Value = t.get("admin", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
    c["scheme"] = scheme;
    t.put("admin", "/api/v1/contracts/va-84", c).await
}

both!(
    a_contract_names_its_scheme_and_its_assessments_take_it,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        // Without a scheme in the contract, an assessment has no scored part.
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-10"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(a["scheme"], Value::Null);
        assert_eq!(a["figures"]["scorecard"], Value::Null);

        // A scheme the server does not ship is refused when the contract is saved, naming the
        // field; an empty one too; nothing is stored.
        let answer = with_scheme(&t, json!("003-sme-platfrom")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", answer.body);
        assert_eq!(answer.body["field"], "scheme", "{}", answer.body);
        assert!(
            answer.body["detail"].as_str().unwrap().contains("003-sme-platform"),
            "the schemes there are: {}",
            answer.body
        );
        let answer = with_scheme(&t, json!(" ")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            answer.body["detail"].as_str().unwrap().contains("scheme"),
            "{}",
            answer.body
        );
        let c = t.get("admin", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
        assert_eq!(c.get("scheme"), None, "nothing stored: {c}");

        // Named: the contract keeps it, and an assessment created without one takes it.
        with_scheme(&t, json!("003-sme-platform")).await.expect(StatusCode::OK);
        let c = t.get("vmgr_a", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
        assert_eq!(c["scheme"], "003-sme-platform");
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(a["scheme"], "003-sme-platform");
        assert_eq!(a["figures"]["scorecard"]["entered"], false);
        assert_eq!(a["figures"]["scorecard"]["scheme"], "003-sme-platform");
        // Naming a scheme still wins over the contract's, and is checked the same way.
        t.post(
            "bureau",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": "2026-11", "scheme": "nope"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);

        // Seed 003's contract, as shipped, names 003's scheme.
        let shipped: toml::Table = include_str!("../../../../config/contracts/sme-platform-2025.toml")
            .parse()
            .unwrap();
        assert_eq!(shipped["contracts"][0]["scheme"].as_str(), Some("003-sme-platform"));
    }
);
