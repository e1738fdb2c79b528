//! Devices (一机一档, issue 30 part A): the inventory, its files both ways, tickets naming
//! devices, and a month of device availability worked by hand.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use opsclock::db::entities::{audit_log, devices};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER: &str = "设备编号 code,类型 type,型号 model,序列号 serial,位置 location,纬度 latitude,经度 longitude,\
主要设备 main,安装日期 installed_on,拆除日期 removed_on,保修方 warranty_by,保修截止 warranty_until,状态 status";

async fn import(t: &Harness, who: &str, system: &str, media: &str, body: Vec<u8>) -> crate::support::Answer {
    t.raw(
        who,
        Method::POST,
        &format!("/api/v1/systems/{system}/devices/import"),
        Some(media),
        body,
    )
    .await
}

async fn export(t: &Harness, system: &str, format: &str) -> Vec<u8> {
    let (status, media, bytes) = t
        .download(
            "mgr_a",
            &format!("/api/v1/systems/{system}/devices/export?format={format}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        media.starts_with(if format == "csv" { "text/csv" } else { XLSX }),
        "{media}"
    );
    bytes
}

fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
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

both!(
    a_systems_managers_keep_its_devices_and_its_people_read_them,
    |t: Harness| async move {
        let cam = json!({"code": "CAM-001", "type": "摄像机", "model": "DS-2CD", "latitude": 40.13,
                         "longitude": 116.65, "main": true, "installed_on": "2025-06-01",
                         "attributes": {"像素": "400万"}});
        // Engineers read, they do not keep the list.
        t.post("eng_a", "/api/v1/systems/SA/devices", cam.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let made = t
            .post("mgr_a", "/api/v1/systems/SA/devices", cam.clone())
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(made["system"], "SA");
        assert_eq!(made["type"], "摄像机");
        assert_eq!(made["status"], "in_service");
        assert_eq!(made["latitude"], 40.13);
        // A code is unique across the installation.
        t.post("vmgr_a", "/api/v1/systems/SA/devices", cam.clone())
            .await
            .problem(StatusCode::CONFLICT, "duplicate");
        // The vendor's manager keeps the list of a system it serves; not of another's.
        t.post(
            "vmgr_a",
            "/api/v1/systems/SA/devices",
            json!({"code": "SW-1", "type": "交换机"}),
        )
        .await
        .expect(StatusCode::CREATED);
        t.post(
            "vmgr_a",
            "/api/v1/systems/SB/devices",
            json!({"code": "SW-2", "type": "交换机"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        // Half a coordinate, a removal day on a device in service: refused, naming the field.
        let bad = t
            .patch("mgr_a", "/api/v1/devices/CAM-001", json!({"longitude": ""}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(bad.contains("longitude"), "{bad}");
        let bad = t
            .patch("mgr_a", "/api/v1/devices/CAM-001", json!({"removed_on": "2026-03-01"}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(bad.contains("status"), "{bad}");
        // A removal is a recorded replacement's, or an administrator's correction: not the
        // buyer's by hand (devices_guard.rs has the rules).
        let removal = json!({"status": "removed", "removed_on": "2026-03-01", "location": "顺义区府前街路口"});
        t.patch("mgr_a", "/api/v1/devices/CAM-001", removal.clone())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let changed = t
            .patch("admin", "/api/v1/devices/CAM-001", removal)
            .await
            .expect(StatusCode::OK);
        assert_eq!(changed["status"], "removed");
        assert_eq!(changed["model"], "DS-2CD", "what a change leaves out stays");
        assert_eq!(changed["attributes"], json!({"像素": "400万"}));
        // Everyone who sees the system reads it; vendor B's engineer does not see system A.
        let list = t
            .get("viewer_a", "/api/v1/systems/SA/devices")
            .await
            .expect(StatusCode::OK);
        let codes: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["CAM-001", "SW-1"]);
        let mains = t
            .get("eng_a", "/api/v1/systems/SA/devices?main=true")
            .await
            .expect(StatusCode::OK);
        assert_eq!(mains.as_array().unwrap().len(), 1);
        t.get("eng_b", "/api/v1/devices/CAM-001")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        // Every change is audited, with the fields before and after.
        assert_eq!(audited(&t, "device.create").await.len(), 2);
        let updates = audited(&t, "device.update").await;
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0]["before"]["status"], "in_service");
        assert_eq!(updates[0]["after"]["removed_on"], "2026-03-01");
    }
);

both!(
    an_exported_list_imports_back_unchanged_in_both_forms,
    |t: Harness| async move {
        let csv = format!(
            "{HEADER},attr:像素,attr:杆号\n\
             CAM-001,摄像机,DS-2CD3T46,SN001,\"顺义区府前街, 东口\",40.13,116.654321,是,2025-06-01,,海康威视,2028-05-31,in_service,400万,G-12\n\
             CAM-002,摄像机,,,,,,否,,,,,故障,,\n\
             SW-01,交换机,S5735,SN9,机房A,,,主要 main,,,,,,,\n"
        );
        // 主要 main is no flag: the row and column are named, nothing imported.
        let problem = import(&t, "mgr_a", "SA", "text/csv", csv.clone().into_bytes()).await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem.body["type"], "/problems/invalid-file");
        assert_eq!(problem.body["problems"][0]["line"], 4);
        assert_eq!(problem.body["problems"][0]["path"], "主要设备 main");
        assert_eq!(devices::Entity::find().count(&t.db.db).await.unwrap(), 0);

        let csv = csv.replace("主要 main", "是");
        let report = import(&t, "mgr_a", "SA", "text/csv", csv.into_bytes())
            .await
            .expect(StatusCode::OK);
        assert_eq!(report, json!({"rows": 3, "created": 3, "changed": 0, "unchanged": 0}));
        let cam2 = t.get("eng_a", "/api/v1/devices/CAM-002").await.expect(StatusCode::OK);
        assert_eq!(cam2["status"], "faulty", "故障 reads as faulty");
        assert_eq!(cam2["attributes"], json!({}), "empty cells are no attributes");

        // CSV: export → import → export gives the same bytes.
        let first = export(&t, "SA", "csv").await;
        assert!(first.starts_with("\u{feff}设备编号 code,".as_bytes()));
        let again = import(&t, "vmgr_a", "SA", "text/csv; charset=utf-8", first.clone())
            .await
            .expect(StatusCode::OK);
        assert_eq!(again["unchanged"], 3);
        assert_eq!(export(&t, "SA", "csv").await, first);

        // XLSX: the same cells.
        let book = export(&t, "SA", "xlsx").await;
        let read = cells(&book);
        assert_eq!(read[0][0], "设备编号 code");
        assert_eq!(read[0][13], "attr:像素");
        assert_eq!(read[1][4], "顺义区府前街, 东口");
        assert_eq!(read[1][6], "116.654321");
        let again = import(&t, "mgr_a", "SA", XLSX, book.clone())
            .await
            .expect(StatusCode::OK);
        assert_eq!(again["unchanged"], 3);
        assert_eq!(cells(&export(&t, "SA", "xlsx").await), read);

        // A changed row updates by code; the import is audited with what it did.
        let moved = String::from_utf8(first).unwrap().replace("机房A", "机房B");
        let report = import(&t, "mgr_a", "SA", "text/csv", moved.into_bytes())
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (report["changed"].clone(), report["unchanged"].clone()),
            (json!(1), json!(2))
        );
        let imports = audited(&t, "device.import").await;
        assert_eq!(imports.len(), 4);
        assert_eq!(
            imports[3]["changed"],
            json!([{"code": "SW-01", "before": {"location": "机房A"}, "after": {"location": "机房B"}}])
        );

        // A code of another system is refused, naming its row; nothing of the file is written.
        let other = format!("{HEADER}\nSB-CAM,摄像机,,,,,,否,,,,,\nCAM-001,摄像机,,,,,,否,,,,,\n");
        let problem = import(&t, "admin", "SB", "text/csv", other.into_bytes()).await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem.body["problems"][0]["line"], 3);
        assert!(
            problem.body["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("system SA")
        );
        t.get("admin", "/api/v1/devices/SB-CAM")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        // An engineer may not import; a file of another type is refused.
        import(&t, "eng_a", "SA", "text/csv", b"x".to_vec())
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        import(&t, "mgr_a", "SA", "text/plain", b"x".to_vec())
            .await
            .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }
);

/// Opens a ticket that began at `at` (Beijing time).
async fn open(t: &Harness, kind: &str, severity: &str, at: &str) -> Value {
    let at = format!("{at}+08:00");
    t.post(
        "eng_a",
        "/api/v1/tickets",
        json!({"kind": kind, "system": "SA", "severity": severity, "title": format!("{kind} {severity}"),
               "occurred_at": at, "received_at": at}),
    )
    .await
    .expect(StatusCode::CREATED)
}

fn beijing(at: &str) -> DateTime<Utc> {
    format!("{at}+08:00").parse().unwrap()
}

/// Opens a ticket on `devices` from `began` to `restored` (Beijing time).
async fn outage(t: &Harness, kind: &str, severity: &str, devices: &[&str], began: &str, restored: &str) -> String {
    let v = open(t, kind, severity, began).await;
    let number = v["number"].as_str().unwrap().to_owned();
    t.put(
        "eng_a",
        &format!("/api/v1/tickets/{number}/devices"),
        json!({"devices": devices}),
    )
    .await
    .expect(StatusCode::OK);
    let v = crate::recorded::act_at(t, "eng_a", &v, "acknowledge", beijing(began), json!({}))
        .await
        .expect(StatusCode::OK);
    crate::recorded::act_at(
        t,
        "eng_a",
        &v,
        "resolve",
        beijing(restored),
        json!({"root_cause": "c", "fix": "f"}),
    )
    .await
    .expect(StatusCode::OK);
    number
}

both!(tickets_name_devices_of_their_own_system, |t: Harness| async move {
    for (system, code) in [("SA", "CAM-1"), ("SA", "CAM-2"), ("SB", "CAM-B")] {
        t.post(
            "admin",
            &format!("/api/v1/systems/{system}/devices"),
            json!({"code": code, "type": "摄像机"}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    let v = open(&t, "fault", "general", "2026-11-25T09:00:00").await;
    let number = v["number"].as_str().unwrap();
    let path = format!("/api/v1/tickets/{number}/devices");
    let named = t
        .put("eng_a", &path, json!({"devices": ["CAM-2", "CAM-1", "CAM-1"]}))
        .await
        .expect(StatusCode::OK);
    let codes: Vec<&str> = named
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CAM-1", "CAM-2"]);
    // Another system's device is as if absent.
    let e = t
        .put("eng_a", &path, json!({"devices": ["CAM-B"]}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(e.contains("CAM-B"), "{e}");
    // A viewer names nothing; the supervisor does no work.
    t.put("viewer_a", &path, json!({"devices": []}))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    t.put("sup", &path, json!({"devices": []}))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    // The ticket lists its devices; the device its tickets.
    let ticket = t
        .get("viewer_a", &format!("/api/v1/tickets/{number}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(ticket["devices"][1]["code"], "CAM-2");
    let tickets = t
        .get("viewer_a", "/api/v1/devices/CAM-1/tickets")
        .await
        .expect(StatusCode::OK);
    assert_eq!(tickets[0]["number"], number);
    let audit = audited(&t, "ticket.devices").await;
    assert_eq!(
        audit,
        [json!({"before": [], "after": ["CAM-1", "CAM-2"], "after_resolution": false})]
    );
});

both!(a_month_of_main_device_availability_by_hand, |t: Harness| async move {
    // March 2026 on System A: 31 days = 744 hours = 44 640 minutes per device measured all month.
    let add = |code: &'static str, main: bool, installed: Option<&'static str>| {
        let t = &t;
        async move {
            let mut body = json!({"code": code, "type": "摄像机", "main": main});
            if let Some(d) = installed {
                body["installed_on"] = json!(d);
            }
            t.post("mgr_a", "/api/v1/systems/SA/devices", body)
                .await
                .expect(StatusCode::CREATED);
        }
    };
    add("CAM-1", true, None).await;
    add("CAM-2", true, None).await;
    add("CAM-3", true, Some("2026-03-16")).await;
    add("SW-1", false, None).await;
    // Approved maintenance (a unit manager's own window is approved as recorded): 10 March
    // 00:00–06:00.
    t.post(
        "mgr_a",
        "/api/v1/exclusions",
        json!({"system": "SA", "kind": "maintenance", "starts": "2026-03-10T00:00:00+08:00",
               "ends": "2026-03-10T06:00:00+08:00", "reason": "年度检修"}),
    )
    .await
    .expect(StatusCode::CREATED);
    // CAM-1: a general fault 3 Mar 08:00–20:00 (12 h) and a minor one 10 Mar 00:00 – 11 Mar
    // 00:00 (24 h, 6 h of it in the maintenance): 30 h. 1 − 30/744 = 95.9677 %.
    outage(
        &t,
        "fault",
        "general",
        &["CAM-1"],
        "2026-03-03T08:00:00",
        "2026-03-03T20:00:00",
    )
    .await;
    outage(
        &t,
        "fault",
        "minor",
        &["CAM-1"],
        "2026-03-10T00:00:00",
        "2026-03-11T00:00:00",
    )
    .await;
    // A request naming CAM-1 is no outage.
    outage(
        &t,
        "request",
        "general",
        &["CAM-1"],
        "2026-03-12T00:00:00",
        "2026-03-13T00:00:00",
    )
    .await;
    // CAM-2: an urgent fault 5 Mar 10:00–14:00 (also on SW-1) and a serious alarm 12:00–16:00,
    // one outage of 6 h: 1 − 6/744 = 99.1935 %. SW-1 (4 h) is no main device.
    let t3 = outage(
        &t,
        "fault",
        "urgent",
        &["CAM-2", "SW-1"],
        "2026-03-05T10:00:00",
        "2026-03-05T14:00:00",
    )
    .await;
    let t4 = outage(
        &t,
        "alarm",
        "serious",
        &["CAM-2"],
        "2026-03-05T12:00:00",
        "2026-03-05T16:00:00",
    )
    .await;
    // CAM-3: installed 16 March (16 days, 384 h); a serious fault 20 Mar 00:00–12:00: 1 − 12/384
    // = 96.875 %.
    outage(
        &t,
        "fault",
        "serious",
        &["CAM-3"],
        "2026-03-20T00:00:00",
        "2026-03-20T12:00:00",
    )
    .await;
    // System: (30 + 6 + 12) h of (744 + 744 + 384) h: 1 − 48/1 872 = 97.4359 %.
    let path = "/api/v1/systems/SA/device-availability?from=2026-03-01&to=2026-04-01";
    let a = t.get("viewer_a", path).await.expect(StatusCode::OK);
    assert_eq!(a["main_devices"], 3);
    assert_eq!(a["measured_min"], 1872.0 * 60.0);
    assert_eq!(a["outage_min"], 48.0 * 60.0);
    assert_eq!(a["excluded_min"], 6.0 * 60.0);
    assert_eq!(a["availability_pct"], 97.4359);
    let by: Vec<(&str, f64, f64)> = a["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["outage_min"].as_f64().unwrap(),
                d["availability_pct"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            ("CAM-1", 1800.0, 95.9677),
            ("CAM-2", 360.0, 99.1935),
            ("CAM-3", 720.0, 96.875),
            ("SW-1", 240.0, 99.4624)
        ]
    );
    // Both tickets of the one outage are named (by number).
    assert_eq!(a["devices"][1]["tickets"], json!([t4, t3]));
    // Urgent and serious only: CAM-1's general and minor faults drop out: 18 h of 1 872 h,
    // 1 − 18/1 872 = 99.0385 %.
    let a = t
        .get("viewer_a", &format!("{path}&severities=urgent,serious"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(a["availability_pct"], 99.0385);
    assert_eq!(a["severities"], json!(["urgent", "serious"]));
    // Out of scope: as if absent.
    t.get("eng_b", path)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
});

/// 10 000 devices imported from CSV and from XLSX through the API on SQLite, against a plain
/// multi-row INSERT of the same rows in one transaction, timed in the same run (figures:
/// docs/benchmarks.md). Run with
/// `cargo test -p opsclock --test api devices::import_of_10_000_devices_is_timed -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a timing, not a check; run by hand"]
async fn import_of_10_000_devices_is_timed() {
    use sea_orm::{Set, TransactionTrait};
    use std::time::Instant;
    let t = Harness::new(opsclock::db::testing::Backend::Sqlite).await;
    let n = 10_000;
    let row = |prefix: &str, i: usize| {
        format!(
            "{prefix}{i:05},摄像机,DS-2CD3T46,SN{i},顺义区第{i}号杆,40.{i},116.{i},{},2025-06-01,,海康威视,2028-05-31,in_service,400万,G-{i}",
            if i.is_multiple_of(3) { "是" } else { "否" }
        )
    };
    let csv: String = std::iter::once(format!("{HEADER},attr:像素,attr:杆号"))
        .chain((0..n).map(|i| row("CAM-", i)))
        .collect::<Vec<_>>()
        .join("\n");
    // Baseline: the same rows as plain multi-row INSERTs (1 000 a statement) in one transaction.
    let sb = t.ids.sys_b;
    let now = t.now();
    let models: Vec<devices::ActiveModel> = (0..n)
        .map(|i| devices::ActiveModel {
            code: Set(format!("BASE-{i:05}")),
            system_id: Set(sb),
            kind: Set("摄像机".into()),
            model: Set(Some("DS-2CD3T46".into())),
            serial: Set(Some(format!("SN{i}"))),
            location: Set(Some(format!("顺义区第{i}号杆"))),
            latitude: Set(Some(40.5)),
            longitude: Set(Some(116.5)),
            main: Set(i.is_multiple_of(3)),
            installed_on: Set(chrono::NaiveDate::from_ymd_opt(2025, 6, 1)),
            removed_on: Set(None),
            warranty_by: Set(Some("海康威视".into())),
            warranty_until: Set(chrono::NaiveDate::from_ymd_opt(2028, 5, 31)),
            status: Set(opsclock::db::Key(devices::Status::InService)),
            attributes: Set(json!({"像素": "400万", "杆号": format!("G-{i}")})),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    let started = Instant::now();
    let txn = t.db.db.begin().await.unwrap();
    let mut rest = models.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<_> = rest.by_ref().take(1000).collect();
        devices::Entity::insert_many(chunk).exec(&txn).await.unwrap();
    }
    txn.commit().await.unwrap();
    let baseline = started.elapsed();

    let started = Instant::now();
    let report = import(&t, "mgr_a", "SA", "text/csv", csv.into_bytes())
        .await
        .expect(StatusCode::OK);
    let csv_import = started.elapsed();
    assert_eq!(report["created"], n);
    let started = Instant::now();
    let book = export(&t, "SA", "xlsx").await;
    let xlsx_export = started.elapsed();
    let started = Instant::now();
    let report = import(&t, "mgr_a", "SA", XLSX, book).await.expect(StatusCode::OK);
    let xlsx_again = started.elapsed();
    assert_eq!(report["unchanged"], n);
    let ratio = |d: std::time::Duration| d.as_secs_f64() / baseline.as_secs_f64();
    println!("plain INSERT of {n} rows: {:.0} ms", baseline.as_secs_f64() * 1e3);
    println!(
        "CSV import, {n} new:      {:.0} ms ({:.1}× the INSERT)",
        csv_import.as_secs_f64() * 1e3,
        ratio(csv_import)
    );
    println!(
        "XLSX export:              {:.0} ms ({:.1}×)",
        xlsx_export.as_secs_f64() * 1e3,
        ratio(xlsx_export)
    );
    println!(
        "XLSX import, {n} same:    {:.0} ms ({:.1}×)",
        xlsx_again.as_secs_f64() * 1e3,
        ratio(xlsx_again)
    );
}

both!(
    the_operator_imports_and_exports_a_list_from_the_command_line,
    |t: Harness| async move {
        let good = crate::support::scratch("devices.csv", &format!("{HEADER}\nCAM-9,摄像机,,,,,,是,,,,,\n"));
        let (ok, out, err) = crate::support::opsclock(&t, &["devices", "import", good.path(), "--system", "SA"]);
        assert!(ok, "{err}");
        assert!(out.contains("1 row(s): 1 created"), "{out}");
        let import = &audited(&t, "device.import").await[0];
        assert!(import["by"].as_str().unwrap().starts_with("cli:"), "{import}");
        // A bad row: every problem printed with its row and column, nothing written, exit 1.
        let bad = crate::support::scratch("bad.csv", &format!("{HEADER}\nCAM-10,摄像机,,,,,,是,2026-13-01,,,,\n"));
        let (ok, _, err) = crate::support::opsclock(&t, &["devices", "import", bad.path(), "--system", "SA"]);
        assert!(!ok);
        assert!(err.contains("line 2: 安装日期 installed_on"), "{err}");
        t.get("admin", "/api/v1/devices/CAM-10")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        // Export writes the file the API gives.
        let out_file = crate::support::scratch("out.csv", "");
        let (ok, _, err) = crate::support::opsclock(&t, &["devices", "export", out_file.path(), "--system", "SA"]);
        assert!(ok, "{err}");
        assert_eq!(std::fs::read(out_file.path()).unwrap(), export(&t, "SA", "csv").await);
    }
);

const BOUNDARY: &str = "----opsclockDeviceBoundary";

/// The import form as a browser sends it: the token and the file.
fn form(csrf: &str, file_name: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

both!(
    the_pages_list_import_and_show_devices_in_chinese,
    |t: Harness| async move {
        use crate::web::{browse, csrf_of, session};
        let mgr = session(&t, "mgr_a").await;
        let (status, html) = browse(&t, &mgr, "/catalog/SA/devices?month=2026-11").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("设备清单") && html.contains(r#"id="device-import-form""#),
            "{html}"
        );
        assert!(html.contains("暂无设备"));
        let csrf = csrf_of(&html);
        let file = format!("{HEADER}\nCAM-7,摄像机,,,府前街,,,是,2026-01-01,,,,\n");
        let sent = t
            .with_headers(
                "",
                Method::POST,
                "/catalog/SA/devices/import",
                Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
                &[("cookie", &mgr)],
                form(&csrf, "list.csv", file.as_bytes()),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{:?}", sent.body);
        let flash = sent.set_cookie.as_deref().unwrap().split(';').next().unwrap();
        let (_, html) = browse(&t, &format!("{mgr}; {flash}"), "/catalog/SA/devices?month=2026-11").await;
        assert!(html.contains("导入设备清单 ✓"), "{html}");
        assert!(html.contains(r#"<a href="/devices/CAM-7">CAM-7</a>"#), "{html}");
        // A month with no outage: 100 %, over the one main device.
        assert!(
            html.contains(r#"id="system-device-availability">100%"#)
                || html.contains(r#"id="system-device-availability">100.0%"#),
            "{html}"
        );
        // An engineer reads the list without the import form; the device page lists its tickets.
        let eng = session(&t, "eng_a").await;
        let (_, html) = browse(&t, &eng, "/catalog/SA/devices").await;
        assert!(html.contains("CAM-7") && !html.contains("device-import-form"));
        let v = open(&t, "fault", "general", "2026-11-25T09:00:00").await;
        let number = v["number"].as_str().unwrap();
        t.put(
            "eng_a",
            &format!("/api/v1/tickets/{number}/devices"),
            json!({"devices": ["CAM-7"]}),
        )
        .await
        .expect(StatusCode::OK);
        let (status, html) = browse(&t, &eng, "/devices/CAM-7").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("设备 CAM-7") && html.contains(&format!(r#"href="/tickets/{number}""#)),
            "{html}"
        );
        let (_, html) = browse(&t, &eng, &format!("/tickets/{number}")).await;
        assert!(
            html.contains("涉及设备") && html.contains(r#"href="/devices/CAM-7""#),
            "{html}"
        );
        // Another vendor's engineer finds nothing.
        let (status, _) = browse(&t, &session(&t, "eng_b").await, "/devices/CAM-7").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

both!(
    a_list_larger_than_a_form_comes_in_through_the_page_and_is_shown_a_page_at_a_time,
    |t: Harness| async move {
        use crate::web::{browse, csrf_of, session};
        let mgr = session(&t, "mgr_a").await;
        let (_, html) = browse(&t, &mgr, "/catalog/SA/devices").await;
        let csrf = csrf_of(&html);
        // 2 500 cameras, about 150 KiB: more than the 64 KiB any other form may send.
        let mut file = HEADER.to_owned();
        for i in 1..=2500 {
            let main = if i <= 10 { "是" } else { "否" };
            file.push_str(&format!(
                "\nCAM-{i:05},摄像机,DS-2CD7A47,SN{i:08},府前街 {} 号杆,,,{main},2021-03-15,,海康威视,,在用",
                i % 97
            ));
        }
        assert!(file.len() > 128 * 1024, "{}", file.len());
        let sent = t
            .with_headers(
                "",
                Method::POST,
                "/catalog/SA/devices/import",
                Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
                &[("cookie", &mgr)],
                form(&csrf, "cameras.csv", file.as_bytes()),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{:?}", sent.body);
        let flash = sent.set_cookie.as_deref().unwrap().split(';').next().unwrap();
        let (_, html) = browse(&t, &format!("{mgr}; {flash}"), "/catalog/SA/devices").await;
        assert!(html.contains("导入设备清单 ✓ 已导入 · +2500 ~0 =0"), "{html}");
        // A hundred a page, by code: page 1 of 25 holds CAM-00001…CAM-00100.
        assert!(html.contains(r#"id="device-count">2500<"#), "{html}");
        assert!(html.contains(r#"id="device-page">页 1 / 25<"#), "{html}");
        assert_eq!(html.matches(r#"<tr id="device-"#).count(), 100);
        assert!(html.contains("CAM-00100") && !html.contains("CAM-00101"));
        let (_, html) = browse(&t, &mgr, "/catalog/SA/devices?page=25").await;
        assert!(html.contains("CAM-02500") && html.contains(r#"rel="prev""#) && !html.contains(r#"rel="next""#));
        // Out of range is the first page; a search by location finds its poles on any page.
        let (_, html) = browse(&t, &mgr, "/catalog/SA/devices?page=99").await;
        assert!(html.contains(r#"id="device-page">页 1 / 25<"#), "{html}");
        let (_, html) = browse(&t, &mgr, "/catalog/SA/devices?q=%E5%BA%9C%E5%89%8D%E8%A1%97%2096%20").await;
        // 府前街 96 号杆: i % 97 == 96, i = 96, 193, …, 2424: 25 of them, one page.
        assert!(html.contains(r#"id="device-count">25<"#), "{html}");
        assert!(html.contains("CAM-00096") && html.contains("CAM-02424") && !html.contains(r#"id="device-pages""#));
        let (_, html) = browse(&t, &mgr, "/catalog/SA/devices?q=nothing-like-it").await;
        assert!(html.contains("没有符合条件的设备"), "{html}");
    }
);

both!(
    the_ticket_page_names_its_devices_and_refuses_another_systems,
    |t: Harness| async move {
        use crate::web::{browse, csrf_of, session, submit};
        for (system, code) in [("SA", "CAM-1"), ("SA", "CAM-2"), ("SB", "CAM-B")] {
            t.post(
                "admin",
                &format!("/api/v1/systems/{system}/devices"),
                json!({"code": code, "type": "摄像机", "main": true}),
            )
            .await
            .expect(StatusCode::CREATED);
        }
        let v = open(&t, "fault", "serious", "2026-11-25T09:00:00").await;
        let n = v["number"].as_str().unwrap().to_owned();
        let eng = session(&t, "eng_a").await;
        let (_, html) = browse(&t, &eng, &format!("/tickets/{n}")).await;
        assert!(
            html.contains(r#"id="name-devices""#),
            "the form, before any device is named"
        );
        let csrf = csrf_of(&html);
        let post = async |codes: &str| {
            let (a, next) = submit(
                &t,
                &eng,
                &format!("/tickets/{n}/devices"),
                &[("csrf", &csrf), ("devices", codes)],
            )
            .await;
            assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
            browse(&t, &next, &format!("/tickets/{n}")).await.1
        };
        // Commas, 、 and spaces all separate; the list is replaced.
        let html = post("CAM-1、 CAM-2").await;
        assert!(html.contains("填写涉及设备 ✓ 2"), "{html}");
        assert!(html.contains(r#"href="/devices/CAM-1""#) && html.contains(r#"href="/devices/CAM-2""#));
        // Another system's device is refused with the reason, and the list stays.
        let html = post("CAM-1,CAM-B").await;
        assert!(html.contains("填写涉及设备 ✗"), "{html}");
        let named = t
            .get("eng_a", &format!("/api/v1/tickets/{n}"))
            .await
            .expect(StatusCode::OK);
        let codes: Vec<&str> = named["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["CAM-1", "CAM-2"]);
        // The vendor does not take devices off (they are outages counted against it): refused.
        let html = post("").await;
        assert!(html.contains("填写涉及设备 ✗"), "{html}");
        // The buyer does: an empty field clears the list.
        let mgr = session(&t, "mgr_a").await;
        let (_, page) = browse(&t, &mgr, &format!("/tickets/{n}")).await;
        let (a, next) = submit(
            &t,
            &mgr,
            &format!("/tickets/{n}/devices"),
            &[("csrf", &csrf_of(&page)), ("devices", "")],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
        let (_, html) = browse(&t, &next, &format!("/tickets/{n}")).await;
        assert!(html.contains("填写涉及设备 ✓ 0"), "{html}");
    }
);
