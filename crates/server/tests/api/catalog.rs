//! The catalogue: admins create and update; a stale system version gets 409.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;

both!(
    system_updates_check_the_version,
    |t: crate::support::Harness| async move {
        let path = format!("/api/v1/systems/{}", t.ids.sys_a);
        let s = t.get("admin", &path).await.expect(StatusCode::OK);
        assert_eq!(s["version"], 1);
        let s = t
            .patch(
                "admin",
                &path,
                json!({"version": 1, "name": "System A (renamed)", "calendar": "cn-5x8"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (s["version"].as_i64(), s["calendar"].as_str()),
            (Some(2), Some("cn-5x8"))
        );
        let stale = t.patch("admin", &path, json!({"version": 1, "name": "again"})).await;
        assert_eq!(stale.body["current_version"], 2);
        stale.problem(StatusCode::CONFLICT, "version-conflict");
        let d = t
            .patch("admin", &path, json!({"version": 2, "calendar": "mars"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(d.contains("no calendar \"mars\"") && d.contains("cn-5x8"), "{d}");
    }
);

both!(codes_are_unique_and_checked, |t: crate::support::Harness| async move {
    let d = t
        .post("admin", "/api/v1/units", json!({"code": "UA", "name": "again"}))
        .await
        .problem(StatusCode::CONFLICT, "duplicate");
    assert!(d.contains("\"UA\""), "{d}");
    let d = t
        .post("admin", "/api/v1/vendors", json!({"code": "has space", "name": "x"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(d.contains("ASCII letters"), "{d}");
    let d = t
        .post(
            "admin",
            "/api/v1/policies",
            json!({"code": "P2", "name": "x", "targets": {"fault": {"urgent": {"response": "soon"}}}}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(d.contains("\"soon\""), "{d}");
});
