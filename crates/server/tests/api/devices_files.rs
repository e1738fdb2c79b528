//! What an imported device list may hold (review of issue 30, H2, L5): a workbook with a cell far
//! out of the list's rows or columns is refused at once, naming the cell, never spread into a
//! grid; a code in use on a system the importer cannot see is said to be in use, the system not
//! named.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::support::{Answer, Harness};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER: &str = "设备编号 code,类型 type,型号 model,序列号 serial,位置 location,纬度 latitude,经度 longitude,\
主要设备 main,安装日期 installed_on,拆除日期 removed_on,保修方 warranty_by,保修截止 warranty_until,状态 status";

async fn import(t: &Harness, who: &str, media: &str, body: Vec<u8>) -> Answer {
    t.raw(
        who,
        Method::POST,
        "/api/v1/systems/SA/devices/import",
        Some(media),
        body,
    )
    .await
}

/// A workbook of the header, one device, and `far` (0-based row and column) holding "x".
fn workbook(far: (u32, u16)) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (i, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, i as u16, h).unwrap();
    }
    sheet.write_string(1, 0, "CAM-1").unwrap();
    sheet.write_string(1, 1, "摄像机").unwrap();
    sheet.write_string(far.0, far.1, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// Imports `far`'s workbook: refused 422 quickly with one problem, which is returned.
async fn refused(t: &Harness, far: (u32, u16)) -> serde_json::Value {
    let file = workbook(far);
    assert!(file.len() < 10_000, "a small file: {} bytes", file.len());
    let started = Instant::now();
    let answer = import(t, "mgr_a", XLSX, file).await;
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let problems = answer.body["problems"].clone();
    let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-file");
    assert!(detail.contains("nothing was imported"), "{detail}");
    t.get("mgr_a", "/api/v1/devices/CAM-1")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    assert_eq!(problems.as_array().map(Vec::len), Some(1), "{problems}");
    problems[0].clone()
}

both!(
    a_tiny_workbook_with_a_cell_at_xfd1048576_is_refused_naming_it,
    |t: Harness| async move {
        // The last cell of a sheet: as a grid from A1, 1 048 576 × 16 384 cells.
        let p = refused(&t, (1_048_575, 16_383)).await;
        assert_eq!((p["line"].clone(), p["path"].clone()), (json!(1_048_576), json!("row")));
        let message = p["message"].as_str().unwrap();
        assert!(
            message.contains("XFD1048576") && message.contains("split the file"),
            "{message}"
        );
    }
);

both!(
    a_cell_past_the_last_row_or_column_a_list_may_have_is_refused,
    |t: Harness| async move {
        // Row 100 002: below the header and 100 000 devices.
        let p = refused(&t, (100_001, 0)).await;
        assert_eq!((p["line"].clone(), p["path"].clone()), (json!(100_002), json!("row")));
        assert!(p["message"].as_str().unwrap().starts_with("cell A100002 "), "{p}");
        // Column BL (the 64th): past the 13 fixed columns and 50 attr: ones.
        let p = refused(&t, (1, 63)).await;
        assert_eq!((p["line"].clone(), p["path"].clone()), (json!(2), json!("BL")));
        let message = p["message"].as_str().unwrap();
        assert!(
            message.contains("cell BL2") && message.contains("right of column BK (63)"),
            "{message}"
        );
        // The last row and column a list may have are read (and their cells checked as usual).
        let answer = import(&t, "mgr_a", XLSX, workbook((1, 62))).await;
        let problems = answer.body["problems"].clone();
        answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-file");
        assert_eq!(
            (problems[0]["line"].clone(), problems[0]["message"].clone()),
            (json!(2), json!("has cells beyond the header's 13 columns")),
            "{problems}"
        );
    }
);

both!(
    a_code_in_use_on_a_system_the_importer_cannot_see_is_not_named,
    |t: Harness| async move {
        t.post(
            "admin",
            "/api/v1/systems/SB/devices",
            json!({"code": "SB-CAM", "type": "摄像机"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let file = format!("{HEADER}\nSB-CAM,摄像机,,,,,,否,,,,,\n").into_bytes();
        // Vendor A's manager serves SA only: SB is not named.
        let answer = import(&t, "vmgr_a", "text/csv", file.clone()).await;
        let problems = answer.body["problems"].clone();
        let detail = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-file");
        let message = problems[0]["message"].as_str().unwrap();
        assert_eq!(
            message,
            "\"SB-CAM\" is already in use; a code is unique across the installation"
        );
        assert!(!detail.contains("SB ") && !detail.contains("system"), "{detail}");
        // The bureau's manager sees both, and is told where the code is.
        let answer = import(&t, "bureau", "text/csv", file).await;
        let problems = answer.body["problems"].clone();
        answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-file");
        assert!(
            problems[0]["message"]
                .as_str()
                .unwrap()
                .contains("a device of system SB"),
            "{problems}"
        );
    }
);
