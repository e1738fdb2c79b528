//! A catalogue re-import and the service dates and fees set by hand since the last import
//! (`PATCH /api/v1/systems/{id}`): the import lists each hand-set field whose value differs from
//! the file's, with both values, who set it and when, in the API's plan, the CLI's output and the
//! audit log; by default the file's value replaces it, with `keep_hand_set` / `--keep-hand-set`
//! it stays (docs/catalog.md, "Service dates and fees set by hand").

use axum::http::{Method, StatusCode};
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::import_catalog as import;
use crate::support::{Harness, opsclock, scratch};

/// SH as the contract lists it: served from 1 January 2026, 1 000 元 a year.
const FILE: &str = r#"format = 1

[[systems]]
code = "SH"
name = "System H"
unit = "UA"
vendors = ["VA"]
policy = "P"
calendar = "24x7"
service_mode = "on_site"

[systems.contract]
source = "004:1-2"
service_start = "2026-01-01"
fee_fen = 100000
"#;

async fn import_with(t: &Harness, text: &str, query: &str) -> Value {
    t.raw(
        "admin",
        Method::POST,
        &format!("/api/v1/catalog/import?{query}"),
        Some("application/toml"),
        text.as_bytes().to_vec(),
    )
    .await
    .expect(StatusCode::OK)
}

async fn sh(t: &Harness) -> Value {
    let all = t.get("admin", "/api/v1/systems").await.expect(StatusCode::OK);
    all.as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "SH")
        .cloned()
        .expect("SH is imported")
}

/// The system left the contract on 20 March and its fee was corrected, both by hand.
async fn set_by_hand(t: &Harness) {
    let s = sh(t).await;
    t.patch(
        "admin",
        &format!("/api/v1/systems/{}", s["id"]),
        json!({"version": s["version"], "service_end": "2026-03-20", "fee_fen": 36_500_000}),
    )
    .await
    .expect(StatusCode::OK);
}

/// The plan's hand-set list without the instant (checked apart).
fn listed(report: &Value) -> Vec<Value> {
    report["plan"]["hand_set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            assert_eq!(h["set_at"], "2026-11-25T02:00:00Z", "the harness's pinned clock: {h}");
            json!([
                h["system"],
                h["field"],
                h["hand_set"],
                h["file"],
                h["set_by"],
                h["kept"]
            ])
        })
        .collect()
}

async fn hand_set_audit(t: &Harness) -> Vec<Value> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("catalog.hand_set"))
        .order_by_asc(audit_log::Column::Id)
        .all(&t.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            json!([
                e.target,
                e.detail["field"],
                e.detail["hand_set"],
                e.detail["file"],
                e.detail["kept"]
            ])
        })
        .collect()
}

both!(
    a_reimport_lists_each_hand_set_field_and_keeps_it_only_when_asked,
    |t: Harness| async move {
        let first = import(&t, FILE).await.expect(StatusCode::OK);
        assert_eq!(first["plan"]["hand_set"], json!([]), "{first}");
        set_by_hand(&t).await;

        // A dry run says what the import would override, field by field, with both values.
        let dry = import_with(&t, FILE, "dry_run=true").await;
        let replaced = vec![
            json!(["SH", "service_end", "2026-03-20", null, "admin", false]),
            json!(["SH", "fee_fen", 36_500_000, 100_000, "admin", false]),
        ];
        assert_eq!(listed(&dry), replaced, "{dry}");
        assert_eq!(dry["changed"], 1);

        // Kept: the import changes nothing else, so nothing at all, and the values stay.
        let kept = import_with(&t, FILE, "keep_hand_set=true").await;
        assert_eq!(
            listed(&kept),
            vec![
                json!(["SH", "service_end", "2026-03-20", null, "admin", true]),
                json!(["SH", "fee_fen", 36_500_000, 100_000, "admin", true]),
            ]
        );
        assert_eq!((&kept["created"], &kept["changed"]), (&json!(0), &json!(0)), "{kept}");
        let s = sh(&t).await;
        assert_eq!(
            (&s["service_end"], &s["fee_fen"]),
            (&json!("2026-03-20"), &json!(36_500_000))
        );

        // Kept while the file changes something else: the name changes, the hand-set values stay,
        // and the next import still knows them as set by hand.
        let renamed = FILE.replace("System H", "System H (renamed)");
        let kept = import_with(&t, &renamed, "keep_hand_set=true").await;
        assert_eq!(kept["changed"], 1, "{kept}");
        let s = sh(&t).await;
        assert_eq!(s["name"], "System H (renamed)");
        assert_eq!(
            (&s["service_end"], &s["fee_fen"]),
            (&json!("2026-03-20"), &json!(36_500_000))
        );
        assert_eq!(
            hand_set_audit(&t).await,
            [
                json!(["system:SH", "service_end", "2026-03-20", null, true]),
                json!(["system:SH", "fee_fen", 36_500_000, 100_000, true]),
            ],
            "the first kept import changed nothing and recorded nothing"
        );

        // The default: the file's values replace them, and the plan says which.
        let replacing = import(&t, &renamed).await.expect(StatusCode::OK);
        assert_eq!(listed(&replacing), replaced);
        let s = sh(&t).await;
        assert_eq!((&s["service_end"], &s["fee_fen"]), (&Value::Null, &json!(100_000)));
        assert_eq!(hand_set_audit(&t).await.len(), 4);

        // Once the import has set them, nothing is hand-set any more: a file edited since (a new
        // start date) is an ordinary change.
        let edited = renamed.replace("2026-01-01", "2026-02-01");
        let plain = import(&t, &edited).await.expect(StatusCode::OK);
        assert_eq!(plain["plan"]["hand_set"], json!([]), "{plain}");
        assert_eq!(sh(&t).await["service_start"], "2026-02-01");
    }
);

both!(
    a_hand_set_value_the_file_agrees_with_is_no_conflict,
    |t: Harness| async move {
        import(&t, FILE).await.expect(StatusCode::OK);
        set_by_hand(&t).await;
        // The file is brought up to date with the fee set by hand: only the end is listed.
        let agreed = FILE.replace("fee_fen = 100000", "fee_fen = 36500000");
        let dry = import_with(&t, &agreed, "dry_run=true").await;
        assert_eq!(
            listed(&dry),
            vec![json!(["SH", "service_end", "2026-03-20", null, "admin", false])]
        );
    }
);

both!(
    the_cli_prints_each_hand_set_field_and_keeps_it_with_keep_hand_set,
    |t: Harness| async move {
        import(&t, FILE).await.expect(StatusCode::OK);
        set_by_hand(&t).await;
        let file = scratch("catalog.toml", FILE);
        let (ok, out, err) = opsclock(&t, &["import", "catalog", file.path(), "--keep-hand-set"]);
        assert!(ok, "{err}");
        assert!(
            out.contains(
                "hand-set system SH service_end: \"2026-03-20\" (by admin, 2026-11-25 02:00 UTC) -> file (none): \
                 kept (--keep-hand-set)"
            ),
            "{out}"
        );
        assert!(
            out.contains("hand-set system SH fee_fen: 36500000 (by admin, 2026-11-25 02:00 UTC) -> file 100000: kept"),
            "{out}"
        );
        assert!(out.contains("nothing changed"), "{out}");
        assert_eq!(sh(&t).await["service_end"], "2026-03-20");

        let (ok, out, err) = opsclock(&t, &["import", "catalog", file.path()]);
        assert!(ok, "{err}");
        assert!(
            out.contains("hand-set system SH service_end: \"2026-03-20\" (by admin, 2026-11-25 02:00 UTC) -> file (none): replaced by the file's")
                && out.contains("    contract.service_end: \"2026-03-20\" -> (none)"),
            "{out}"
        );
        assert_eq!(sh(&t).await["service_end"], Value::Null);
    }
);

both!(
    a_kept_start_that_would_follow_the_files_end_is_not_kept,
    |t: Harness| async move {
        import(&t, FILE).await.expect(StatusCode::OK);
        // By hand: served only from 1 September.
        let s = sh(&t).await;
        t.patch(
            "admin",
            &format!("/api/v1/systems/{}", s["id"]),
            json!({"version": s["version"], "service_start": "2026-09-01"}),
        )
        .await
        .expect(StatusCode::OK);
        // The file now ends the service on 30 June: keeping the hand-set start would give a
        // period that starts after it ends, which the file's own check refuses.
        let ended = FILE.replace(
            "service_start = \"2026-01-01\"",
            "service_start = \"2026-01-01\"\nservice_end = \"2026-06-30\"",
        );
        let report = import_with(&t, &ended, "keep_hand_set=true").await;
        let hand_set = report["plan"]["hand_set"].as_array().unwrap();
        assert_eq!(hand_set.len(), 1, "{report}");
        assert_eq!(hand_set[0]["field"], "service_start");
        assert_eq!(hand_set[0]["kept"], false, "{report}");
        let s = sh(&t).await;
        assert_eq!(
            (s["service_start"].as_str(), s["service_end"].as_str()),
            (Some("2026-01-01"), Some("2026-06-30")),
            "{s}"
        );
    }
);
