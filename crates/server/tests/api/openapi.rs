//! The OpenAPI document describes exactly the routes the router serves.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};

use crate::both;

both!(
    every_documented_operation_is_routed_and_every_route_documented,
    |t: crate::support::Harness| async move {
        let doc = t.get("", "/api/v1/openapi.json").await.expect(StatusCode::OK);
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            doc["openapi"]
        );
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "patch", "put", "delete"].contains(&k.as_str()))
            {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
        let expected: BTreeSet<(String, String)> = [
            ("POST", "/session"),
            ("DELETE", "/session"),
            ("GET", "/me"),
            ("POST", "/me/password"),
            ("GET", "/me/sessions"),
            ("DELETE", "/me/sessions/{id}"),
            ("GET", "/me/tokens"),
            ("DELETE", "/me/tokens/{id}"),
            ("GET", "/me/notifications"),
            ("PUT", "/me/notifications"),
            ("GET", "/units"),
            ("POST", "/units"),
            ("GET", "/units/{id}"),
            ("PATCH", "/units/{id}"),
            ("GET", "/vendors"),
            ("POST", "/vendors"),
            ("GET", "/vendors/{id}"),
            ("PATCH", "/vendors/{id}"),
            ("GET", "/policies"),
            ("POST", "/policies"),
            ("GET", "/policies/{id}"),
            ("PATCH", "/policies/{id}"),
            ("GET", "/systems"),
            ("POST", "/systems"),
            ("GET", "/systems/{id}"),
            ("PATCH", "/systems/{id}"),
            ("POST", "/catalog/import"),
            ("GET", "/catalog/export"),
            ("GET", "/calendars"),
            ("POST", "/calendars/reload"),
            ("GET", "/tickets"),
            ("POST", "/tickets"),
            ("POST", "/tickets/preview"),
            ("GET", "/tickets/{number}"),
            ("GET", "/tickets/{number}/incident-report"),
            ("POST", "/tickets/{number}/{action}"),
            ("GET", "/tickets/{number}/attachments"),
            ("POST", "/tickets/{number}/attachments"),
            ("GET", "/tickets/{number}/attachments/{id}"),
            ("GET", "/ladders"),
            ("PUT", "/ladders/{scope}"),
            ("DELETE", "/ladders/{scope}"),
            ("GET", "/outbox"),
            ("GET", "/outbox/{id}"),
            ("POST", "/outbox/{id}/retry"),
            ("GET", "/rosters"),
            ("PUT", "/rosters/{code}"),
            ("DELETE", "/rosters/{code}"),
            ("POST", "/rosters/{code}/overrides"),
            ("GET", "/rosters/gaps"),
            ("GET", "/on-duty"),
            ("GET", "/users/{username}/shifts.ics"),
            ("GET", "/windows"),
            ("PUT", "/windows/{code}"),
            ("DELETE", "/windows/{code}"),
            ("GET", "/windows/template"),
            ("GET", "/exclusions"),
            ("POST", "/exclusions"),
            ("POST", "/exclusions/{id}/{decision}"),
            ("GET", "/duties"),
            ("PUT", "/duties/{code}"),
            ("DELETE", "/duties/{code}"),
            ("GET", "/reports/breaches"),
            ("GET", "/contracts"),
            ("GET", "/contracts/{code}"),
            ("PUT", "/contracts/{code}"),
            ("GET", "/findings"),
            ("POST", "/findings"),
            ("POST", "/findings/{id}/withdraw"),
            ("GET", "/assessments"),
            ("POST", "/assessments"),
            ("GET", "/assessments/{id}"),
            ("GET", "/assessments/{id}/snapshot"),
            ("POST", "/assessments/{id}/revise"),
            ("POST", "/assessments/{id}/send"),
            ("POST", "/assessments/{id}/maintain"),
            ("POST", "/assessments/{id}/agree"),
            ("POST", "/assessments/{id}/dispute"),
            ("POST", "/assessments/{id}/reply"),
            ("POST", "/assessments/{id}/sign"),
            ("POST", "/assessments/{id}/reopen"),
            ("GET", "/assessments/{id}/record.xlsx"),
            ("GET", "/assessments/{id}/scans"),
            ("POST", "/assessments/{id}/scans"),
            ("GET", "/assessments/{id}/scans/{n}"),
            ("GET", "/inspections"),
            ("GET", "/inspections/{id}"),
            ("POST", "/inspections/{id}/record"),
            ("GET", "/rectifications"),
            ("POST", "/rectifications"),
            ("GET", "/rectifications/{id}"),
            ("POST", "/rectifications/{id}/submit"),
            ("POST", "/rectifications/{id}/refuse"),
            ("POST", "/rectifications/{id}/accept"),
            ("POST", "/rectifications/{id}/reject"),
            ("POST", "/rectifications/{id}/withdraw"),
            ("GET", "/spares/items"),
            ("POST", "/spares/catalogue"),
            ("PUT", "/spares/items/{code}/price"),
            ("GET", "/spares/movements"),
            ("POST", "/spares/movements"),
            ("GET", "/tickets/{number}/spares"),
            ("GET", "/spares/settlement"),
            ("GET", "/spares/inventory"),
            ("POST", "/spares/inventory/confirm"),
            ("GET", "/tickets/{number}/replacements"),
            ("POST", "/tickets/{number}/replacements"),
            ("GET", "/replacements/{id}"),
            ("POST", "/replacements/{id}/approve"),
            ("POST", "/replacements/{id}/refuse"),
            ("POST", "/replacements/{id}/record"),
            ("GET", "/spares/ledger"),
            ("GET", "/tickets/{number}/warranty-repairs"),
            ("POST", "/tickets/{number}/warranty-repairs"),
            ("POST", "/warranty-repairs/{id}/{step}"),
            ("GET", "/surveys"),
            ("POST", "/surveys"),
            ("GET", "/surveys/{id}"),
            ("PUT", "/surveys/{id}"),
            ("GET", "/problems"),
            ("GET", "/problems/{number}"),
            ("PATCH", "/problems/{number}"),
            ("POST", "/problems/{number}/close"),
            ("GET", "/systems/{code}/devices"),
            ("POST", "/systems/{code}/devices"),
            ("GET", "/systems/{code}/devices/export"),
            ("POST", "/systems/{code}/devices/import"),
            ("GET", "/systems/{code}/device-availability"),
            ("GET", "/devices/{code}"),
            ("PATCH", "/devices/{code}"),
            ("GET", "/devices/{code}/tickets"),
            ("PUT", "/tickets/{number}/devices"),
            ("GET", "/periodic-reports"),
            ("GET", "/periodic-reports/{number}"),
            ("PATCH", "/periodic-reports/{number}"),
            ("POST", "/periodic-reports/{number}/submit"),
            ("POST", "/periodic-reports/{number}/acknowledge"),
            ("POST", "/periodic-reports/{number}/return"),
            ("GET", "/periodic-reports/{number}/docx"),
            ("POST", "/intake/alertmanager"),
            ("POST", "/intake/generic/{source}"),
            ("GET", "/intake/rules"),
            ("PUT", "/intake/rules"),
            ("POST", "/intake/rules/test"),
            ("GET", "/intake/sources"),
            ("POST", "/intake/sources"),
            ("DELETE", "/intake/sources/{code}"),
            ("GET", "/intake/alerts"),
            ("POST", "/intake/alerts/{id}/open"),
            ("POST", "/intake/alerts/{id}/dismiss"),
            ("GET", "/mail-in/messages"),
            ("POST", "/mail-in/messages/{id}/open"),
            ("POST", "/mail-in/messages/{id}/dismiss"),
            ("GET", "/webhooks"),
            ("PUT", "/webhooks/{name}"),
            ("DELETE", "/webhooks/{name}"),
            ("POST", "/webhooks/{name}/ping"),
        ]
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
        assert_eq!(documented, expected);
        // Each documented operation is served: the router answers with something other than its
        // "no such route" fallback or 405.
        for (method, path) in &documented {
            let concrete = format!(
                "/api/v1{}",
                path.replace("{id}", "1")
                    .replace("{number}", "INC-2026-000001")
                    .replace("{action}", "comment")
            );
            let a = t
                .raw(
                    "admin",
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    &concrete,
                    Some("application/json"),
                    b"{}".to_vec(),
                )
                .await;
            assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {concrete}");
            assert_ne!(a.body["detail"], "no such route", "{method} {concrete}");
        }
        // Errors are documented as problem documents.
        assert!(doc["components"]["schemas"]["Problem"].is_object());
    }
);

both!(
    unknown_routes_are_problems_too,
    |t: crate::support::Harness| async move {
        let d = t
            .get("admin", "/api/v1/nothing-here")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(d, "no such route");
        let h = t.get("", "/healthz").await;
        assert_eq!(h.status, StatusCode::OK);
    }
);
