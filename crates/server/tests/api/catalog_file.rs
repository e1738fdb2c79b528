//! The catalogue file over HTTP: admins upload (dry run or real) and export; others cannot.

use axum::http::{Method, StatusCode};
use opsclock::app::demo::SHUNYI_CATALOG;

use crate::both;
use crate::support::Harness;

async fn upload(t: &Harness, who: &str, query: &str, content_type: &str, text: &str) -> crate::support::Answer {
    t.raw(
        who,
        Method::POST,
        &format!("/api/v1/catalog/import{query}"),
        Some(content_type),
        text.as_bytes().to_vec(),
    )
    .await
}

both!(
    admins_upload_the_shipped_catalogue_and_export_it_back,
    |t: Harness| async move {
        let systems_before = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
        let dry = upload(&t, "admin", "?dry_run=true", "application/toml", SHUNYI_CATALOG)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (dry["dry_run"].as_bool(), dry["created"].as_u64()),
            (Some(true), Some(263))
        );
        assert_eq!(
            t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK),
            systems_before,
            "a dry run writes nothing"
        );

        let done = upload(&t, "admin", "", "application/toml", SHUNYI_CATALOG)
            .await
            .expect(StatusCode::OK);
        assert_eq!(done["created"], 263);
        // The harness's own units, vendors, policies and systems are not in the file: kept.
        assert!(
            done["plan"]["kept"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["entity"] == "system")
        );
        let systems = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
        assert_eq!(
            systems.as_array().unwrap().len(),
            systems_before.as_array().unwrap().len() + 154
        );

        let export = t.get("admin", "/api/v1/catalog/export").await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(
            export.content_type.starts_with("application/toml"),
            "{}",
            export.content_type
        );
        let text = export.body.as_str().expect("TOML text").to_owned();
        assert!(text.contains("name = \"智慧顺义基础地理信息平台\""));
        let again = upload(&t, "admin", "", "application/toml; charset=utf-8", &text)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (again["created"].as_u64(), again["changed"].as_u64()),
            (Some(0), Some(0))
        );
    }
);

both!(
    an_invalid_upload_lists_every_problem_and_writes_nothing,
    |t: Harness| async move {
        let bad = SHUNYI_CATALOG
            .replacen("calendar = \"cn-7x24\"", "calendar = \"mars\"", 1)
            .replacen("unit = \"qjxj\"", "unit = \"nowhere\"", 1);
        let answer = upload(&t, "admin", "", "application/toml", &bad).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert_eq!(answer.body["type"], "/problems/invalid-file");
        let problems = answer.body["problems"].as_array().expect("problems");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|p| p["line"].as_u64().is_some() && p["path"].is_string())
        );
        assert!(
            problems
                .iter()
                .any(|p| p["path"] == "systems[0].calendar" && p["message"].as_str().unwrap().contains("\"mars\""))
        );
        let systems = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
        assert!(systems.as_array().unwrap().iter().all(|s| s["code"] != "sy-001"));
    }
);

both!(
    only_admins_import_or_export_and_only_toml_is_taken,
    |t: Harness| async move {
        for who in ["mgr_a", "eng_a", "viewer_a"] {
            upload(&t, who, "", "application/toml", SHUNYI_CATALOG)
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
            t.get(who, "/api/v1/catalog/export")
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        upload(&t, "", "", "application/toml", SHUNYI_CATALOG)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        upload(&t, "admin", "", "application/json", "{\"format\": 1}")
            .await
            .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
        upload(&t, "admin", "?dry_run=maybe", "application/toml", "format = 1")
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        // Bigger than any JSON body may be, and still taken; beyond the file limit, refused.
        let huge = format!(
            "format = 1\n# {}\n",
            "x".repeat(opsclock::api::catalog_file::CATALOG_LIMIT)
        );
        upload(&t, "admin", "", "application/toml", &huge)
            .await
            .problem(StatusCode::PAYLOAD_TOO_LARGE, "too-large");
    }
);
