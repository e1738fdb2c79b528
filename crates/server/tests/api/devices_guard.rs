//! Who may change what of a device (issue 30 review, H1, M4, M5): the vendor keeps the
//! descriptive fields, the buyer the main-device flag and the days in service, a removal is a
//! recorded replacement's or an administrator's; an import is held to the same rules row by row,
//! never brings a removed device back, and is audited device by device; a ticket's devices are
//! the buyer's once it is resolved; the CSV never carries a formula and still round-trips.

use axum::http::{Method, StatusCode};
use opsclock::db::entities::{audit_log, devices};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Answer, Harness};

const HEADER: &str = "设备编号 code,类型 type,型号 model,序列号 serial,位置 location,纬度 latitude,经度 longitude,\
主要设备 main,安装日期 installed_on,拆除日期 removed_on,保修方 warranty_by,保修截止 warranty_until,状态 status";

async fn import(t: &Harness, who: &str, csv: String) -> Answer {
    t.raw(
        who,
        Method::POST,
        "/api/v1/systems/SA/devices/import",
        Some("text/csv"),
        csv.into_bytes(),
    )
    .await
}

async fn export(t: &Harness) -> String {
    let (status, _, bytes) = t
        .download("mgr_a", "/api/v1/systems/SA/devices/export?format=csv")
        .await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(bytes).unwrap()
}

async fn audited(t: &Harness, action: &str) -> Vec<Value> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(&t.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.detail)
        .collect()
}

async fn status_of(t: &Harness, code: &str) -> String {
    devices::Entity::find()
        .filter(devices::Column::Code.eq(code))
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

both!(
    a_vendor_keeps_descriptive_fields_the_buyer_the_kpi_ones_and_removal_is_not_by_hand,
    |t: Harness| async move {
        let cam = json!({"code": "CAM-1", "type": "摄像机", "main": true, "installed_on": "2025-06-01"});
        // The vendor's manager creates descriptive devices only: not a main one, not dated.
        let e = t
            .post("vmgr_a", "/api/v1/systems/SA/devices", cam.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        assert!(e.contains("main"), "{e}");
        t.post("mgr_a", "/api/v1/systems/SA/devices", cam)
            .await
            .expect(StatusCode::CREATED);
        // Descriptive fields, and faulty / in service: the vendor's.
        let d = t
            .patch(
                "vmgr_a",
                "/api/v1/devices/CAM-1",
                json!({"location": "府前街", "model": "DS-2CD", "status": "faulty", "attributes": {"杆号": "G-1"}}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (d["status"].as_str(), d["main"].as_bool()),
            (Some("faulty"), Some(true))
        );
        // The flag and the days: the buyer's. A removal: nobody's by hand but an administrator's.
        for (body, field) in [
            (json!({"main": false}), "main"),
            (json!({"installed_on": "2026-01-01"}), "installed_on"),
            (json!({"installed_on": ""}), "installed_on"),
            (json!({"status": "removed", "removed_on": "2026-03-01"}), "status"),
        ] {
            let e = t
                .patch("vmgr_a", "/api/v1/devices/CAM-1", body.clone())
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
            assert!(e.starts_with(field), "{body}: {e}");
        }
        let d = t
            .patch(
                "mgr_a",
                "/api/v1/devices/CAM-1",
                json!({"main": false, "installed_on": "2025-07-01"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (d["main"].as_bool(), d["installed_on"].as_str()),
            (Some(false), Some("2025-07-01"))
        );
        let removal = json!({"status": "removed", "removed_on": "2026-03-01"});
        for who in ["mgr_a", "bureau"] {
            let e = t
                .patch(who, "/api/v1/devices/CAM-1", removal.clone())
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
            assert!(e.contains("replacement"), "{e}");
        }
        t.patch("admin", "/api/v1/devices/CAM-1", removal)
            .await
            .expect(StatusCode::OK);
        // The buyer corrects the day of a removal, the vendor does not; neither brings it back.
        t.patch("mgr_a", "/api/v1/devices/CAM-1", json!({"removed_on": "2026-03-02"}))
            .await
            .expect(StatusCode::OK);
        t.patch("vmgr_a", "/api/v1/devices/CAM-1", json!({"removed_on": "2026-03-03"}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let back = json!({"status": "in_service", "removed_on": ""});
        for who in ["vmgr_a", "mgr_a"] {
            t.patch(who, "/api/v1/devices/CAM-1", back.clone())
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        assert_eq!(status_of(&t, "CAM-1").await, "removed");
        // An administrator corrects a removal made by mistake (none of a replacement's).
        t.patch("admin", "/api/v1/devices/CAM-1", back)
            .await
            .expect(StatusCode::OK);
        assert_eq!(status_of(&t, "CAM-1").await, "in_service");
        let updates = audited(&t, "device.update").await;
        assert_eq!(updates.len(), 5, "each change that was made, none refused: {updates:?}");
    }
);

both!(
    an_import_is_held_to_the_same_rules_row_by_row_and_audited_device_by_device,
    |t: Harness| async move {
        let file = |cam1: &str, cam2: &str| format!("{HEADER}\n{cam1}\n{cam2}\n");
        let cam1 = "CAM-1,摄像机,,,府前街,,,是,2025-06-01,,,,in_service";
        let cam2 = "CAM-2,摄像机,,,站前街,,,否,,,,,in_service";
        import(&t, "mgr_a", file(cam1, cam2)).await.expect(StatusCode::OK);
        let old = export(&t).await;
        // The vendor's file flips CAM-1's flag and moves CAM-2: refused at row 2, column main;
        // nothing of it written, CAM-2 not moved.
        let e = import(
            &t,
            "vmgr_a",
            file(&cam1.replace(",是,", ",否,"), &cam2.replace("站前街", "光明街")),
        )
        .await;
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (
                e.body["problems"][0]["line"].as_i64(),
                e.body["problems"][0]["path"].as_str()
            ),
            (Some(2), Some("主要设备 main")),
            "{}",
            e.body
        );
        assert_eq!(e.body["problems"].as_array().unwrap().len(), 1);
        let cam = t.get("mgr_a", "/api/v1/devices/CAM-2").await.expect(StatusCode::OK);
        assert_eq!(cam["location"], "站前街");
        // A new row of the vendor's with an installation day; a removal: each named.
        let e = import(
            &t,
            "vmgr_a",
            file(
                "CAM-3,摄像机,,,,,,否,2026-01-01,,,,",
                "CAM-2,摄像机,,,站前街,,,否,,2026-03-01,,,removed",
            ),
        )
        .await;
        let got: Vec<(i64, String)> = e.body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["line"].as_i64().unwrap(), p["path"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            got,
            [(2, "安装日期 installed_on".to_owned()), (3, "状态 status".to_owned())],
            "{}",
            e.body
        );
        assert_eq!(
            t.get("mgr_a", "/api/v1/devices/CAM-3").await.status,
            StatusCode::NOT_FOUND
        );
        // Descriptive changes of the vendor's go in, audited with each field before and after.
        import(&t, "vmgr_a", file(cam1, &cam2.replace("站前街", "光明街")))
            .await
            .expect(StatusCode::OK);
        let imports = audited(&t, "device.import").await;
        assert_eq!(imports[0]["created"], json!(["CAM-1", "CAM-2"]));
        assert_eq!(
            imports[1]["changed"],
            json!([{"code": "CAM-2", "before": {"location": "站前街"}, "after": {"location": "光明街"}}])
        );
        // An old export imported again does not bring a removed device back: refused, named.
        t.patch(
            "admin",
            "/api/v1/devices/CAM-1",
            json!({"status": "removed", "removed_on": "2026-03-01"}),
        )
        .await
        .expect(StatusCode::OK);
        let e = import(&t, "mgr_a", old.clone()).await;
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", e.body);
        assert_eq!(
            (
                e.body["problems"][0]["line"].as_i64(),
                e.body["problems"][0]["path"].as_str()
            ),
            (Some(2), Some("状态 status"))
        );
        assert_eq!(status_of(&t, "CAM-1").await, "removed");
    }
);

both!(
    a_resolved_tickets_devices_are_the_buyers_to_correct,
    |t: Harness| async move {
        for code in ["CAM-1", "CAM-2"] {
            t.post(
                "admin",
                "/api/v1/systems/SA/devices",
                json!({"code": code, "type": "摄像机", "main": true}),
            )
            .await
            .expect(StatusCode::CREATED);
        }
        let v = t.open("eng_a", "SA", "fault", "serious").await;
        let number = v["number"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/tickets/{number}/devices");
        t.put("eng_a", &path, json!({"devices": ["CAM-1"]}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        t.act("eng_a", &v, "resolve", json!({"root_cause": "c", "fix": "f"}))
            .await
            .expect(StatusCode::OK);
        // Resolved: the vendor's people no longer un-name (or re-name) its devices.
        for who in ["eng_a", "vmgr_a"] {
            let e = t
                .put(who, &path, json!({"devices": []}))
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
            assert!(e.contains("resolved"), "{e}");
        }
        // The buyer corrects it, and the audit says so.
        let named = t
            .put("mgr_a", &path, json!({"devices": ["CAM-2"]}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(named[0]["code"], "CAM-2");
        let audit = audited(&t, "ticket.devices").await;
        assert_eq!(
            audit[1],
            json!({"before": ["CAM-1"], "after": ["CAM-2"], "after_resolution": true})
        );
    }
);

both!(
    formula_cells_are_quoted_in_the_csv_and_import_back_exactly,
    |t: Harness| async move {
        t.post(
            "mgr_a",
            "/api/v1/systems/SA/devices",
            json!({"code": "=CMD", "type": "摄像机", "model": "=HYPERLINK(\"http://x\")", "serial": "@SUM(A1)",
                   "location": "+86 顺义", "warranty_by": "'=x", "latitude": -33.5, "longitude": -70.25,
                   "attributes": {"备注": "-1"}}),
        )
        .await
        .expect(StatusCode::CREATED);
        let first = export(&t).await;
        let row = first.lines().nth(1).unwrap();
        // Every text cell a spreadsheet would run is quoted; the coordinates are numbers.
        assert_eq!(
            row,
            "'=CMD,摄像机,\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),'+86 顺义,-33.5,-70.25,否,,,''=x,,in_service,'-1"
        );
        // The import takes the quote off: the same device, the same bytes again.
        let again = import(&t, "mgr_a", first.clone()).await.expect(StatusCode::OK);
        assert_eq!(again["unchanged"], 1, "{again}");
        let d = t.get("mgr_a", "/api/v1/devices/=CMD").await.expect(StatusCode::OK);
        assert_eq!(
            (
                d["model"].as_str(),
                d["warranty_by"].as_str(),
                d["attributes"]["备注"].as_str()
            ),
            (Some("=HYPERLINK(\"http://x\")"), Some("'=x"), Some("-1"))
        );
        assert_eq!(export(&t).await, first);
    }
);

both!(
    two_creations_of_one_code_at_once_are_one_201_and_one_409,
    |t: Harness| async move {
        for round in 0..5 {
            let body = json!({"code": format!("CAM-{round}"), "type": "摄像机"});
            let (a, b) = tokio::join!(
                t.post("mgr_a", "/api/v1/systems/SA/devices", body.clone()),
                t.post("bureau", "/api/v1/systems/SA/devices", body.clone()),
            );
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [StatusCode::CREATED, StatusCode::CONFLICT],
                "round {round}: {} / {}",
                a.body,
                b.body
            );
        }
    }
);
