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

/// The clock `name` of ticket view `v`: (target, calendar, deadline).
fn clock(v: &serde_json::Value, name: &str) -> (String, String, String) {
    let c = v["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} clock in {v}"));
    let text = |k: &str| c[k].as_str().unwrap_or_else(|| panic!("{name}.{k} in {v}")).to_owned();
    (text("target"), text("calendar"), text("deadline"))
}

fn owned(target: &str, calendar: &str, deadline: &str) -> (String, String, String) {
    (target.to_owned(), calendar.to_owned(), deadline.to_owned())
}

/// Opens a fault on `system` as the admin with the harness's clock set to `at` (Beijing time),
/// so the clocks start at `at`.
async fn open_at(t: &Harness, system: &str, severity: &str, at: &str) -> serde_json::Value {
    t.time.set(at.parse::<chrono::DateTime<chrono::Utc>>().expect("a time"));
    t.open("admin", system, "fault", severity).await
}

both!(
    the_corrected_shunyi_rows_get_the_deadlines_their_seed_lines_give,
    |t: Harness| async move {
        upload(&t, "admin", "", "application/toml", SHUNYI_CATALOG)
            .await
            .expect(StatusCode::OK);
        // Every fault below is reported on Saturday 2026-11-21 (Beijing).

        // sy-129 (policy shunyi-e), L23401-23403: "设备无法正常使用时，单次维修周期不超过 24 小时" —
        // a repair clock of 24 h wall-clock time on cn-7x24 (before issue 24 it had none).
        let v = open_at(&t, "sy-129", "minor", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "arrival"), owned("2h", "cn-7x24", "2026-11-21T04:00:00Z"));
        assert_eq!(clock(&v, "repair"), owned("24h", "cn-7x24", "2026-11-22T02:00:00Z"));

        // sy-126, L22794-22954: "四级故障 属于紧急问题…工程师立即响应；业务应在 4 小时内恢复正常" —
        // the immediate response is measured: due at the start itself, breached by any delay.
        let v = open_at(&t, "sy-126", "urgent", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("0m", "cn-7x24", "2026-11-21T02:00:00Z"));
        assert_eq!(clock(&v, "repair"), owned("4h", "cn-7x24", "2026-11-21T06:00:00Z"));
        t.time.set("2026-11-21T10:01:00+08:00".parse().unwrap());
        let number = v["number"].as_str().unwrap();
        let later = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let response = later["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "response")
            .unwrap();
        assert_eq!(response["breached"], true, "{later}");
        assert_eq!(response["overdue_seconds"], 60, "{later}");

        // sy-050, L10765-10766: "提供每周 7 天，每天 12 小时的系统运行服务(技术支持和故障响应)" on
        // cn-7x12 (08:00-20:00, a reading); 紧急 "15 分钟内响应，4 小时内修复". At 19:50 ten
        // minutes remain on Saturday; the rest counts from Sunday 08:00.
        let v = open_at(&t, "sy-050", "urgent", "2026-11-21T19:50:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("15m", "cn-7x12", "2026-11-22T00:05:00Z"));
        assert_eq!(clock(&v, "repair"), owned("4h", "cn-7x12", "2026-11-22T03:50:00Z"));

        // sy-027, L7084: "远程支持（电话 7x8）" on cn-7x8 (09:00-17:00, a reading); 严重 "1小时内响应，
        // 12 小时内修复" (L7102-7106). From Saturday 16:30: response Sunday 09:30, repair Monday 12:30.
        let v = open_at(&t, "sy-027", "serious", "2026-11-21T16:30:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("1h", "cn-7x8", "2026-11-22T01:30:00Z"));
        assert_eq!(clock(&v, "repair"), owned("12h", "cn-7x8", "2026-11-23T04:30:00Z"));

        // sy-070, L14241: "工作日 5*24 小时咨询服务" on cn-5x24; 严重 "1 小时内响应，24 小时内修复"
        // (L14258-14261). A Saturday fault counts from Monday 00:00: response 01:00, repair 24:00.
        let v = open_at(&t, "sy-070", "serious", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("1h", "cn-5x24", "2026-11-22T17:00:00Z"));
        assert_eq!(clock(&v, "repair"), owned("24h", "cn-5x24", "2026-11-23T16:00:00Z"));

        // sy-038, L8998-9006: "远程提供 7x24 小时远程响应，5x8 小时远程故障解决支持。出现故障时在
        // 1小时内响应" — the response on cn-7x24 that Saturday, the repair (一般故障 "1 个工作日") and
        // the on-site arrival (4 h, "现场提供 5x8 小时技术支持") on cn-5x8 from Monday.
        let v = open_at(&t, "sy-038", "general", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("1h", "cn-7x24", "2026-11-21T03:00:00Z"));
        assert_eq!(clock(&v, "arrival"), owned("4h", "cn-5x8", "2026-11-23T05:00:00Z"));
        assert_eq!(clock(&v, "repair"), owned("1wd", "cn-5x8", "2026-11-23T09:00:00Z"));

        // sy-088, L17474-17492: "工作日期间 … 响应时间不得多于 2 小时" on cn-5x8, "48 小时内解决故障"
        // in wall-clock hours on cn-7x24: Monday 10:00 and Monday 10:00.
        let v = open_at(&t, "sy-088", "general", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("2h", "cn-5x8", "2026-11-23T03:00:00Z"));
        assert_eq!(clock(&v, "repair"), owned("48h", "cn-7x24", "2026-11-23T02:00:00Z"));

        // sy-057, L11984-11989: "乙方于甲方提出请求后 4 小时内提供现场(上门)技术支持服务" — no
        // arrival clock until the buyer asks; then 4 h from the request.
        let v = open_at(&t, "sy-057", "general", "2026-11-21T10:00:00+08:00").await;
        assert!(
            v["clocks"].as_array().unwrap().iter().all(|c| c["name"] != "arrival"),
            "{v}"
        );
        t.time.set("2026-11-21T15:00:00+08:00".parse().unwrap());
        let v = t
            .act("admin", &v, "request_visit", serde_json::json!({}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(clock(&v, "arrival"), owned("4h", "cn-7x24", "2026-11-21T11:00:00Z"));
    }
);

both!(shunyi_e_counts_from_the_notice_of_the_fault, |t: Harness| async move {
    upload(&t, "admin", "", "application/toml", SHUNYI_CATALOG)
        .await
        .expect(StatusCode::OK);
    // sy-129 (shunyi-e), L23390-23392: "日常维护期间：接到故障通知后，现场实质响应时间不超过 2 小时":
    // a camera that failed at 06:00 and was reported at 09:00 is due on site at 11:00.
    t.time.set("2026-11-23T09:00:00+08:00".parse().unwrap());
    let v = t
        .post(
            "admin",
            "/api/v1/tickets",
            serde_json::json!({"kind": "fault", "system": "sy-129", "severity": "general", "title": "摄像机离线",
                       "occurred_at": "2026-11-23T06:00:00+08:00", "received_at": "2026-11-23T09:00:00+08:00"}),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(clock(&v, "arrival"), owned("2h", "cn-7x24", "2026-11-23T03:00:00Z"));
    assert_eq!(clock(&v, "repair"), owned("24h", "cn-7x24", "2026-11-24T01:00:00Z"));
});

both!(
    the_reread_shunyi_rows_count_each_clock_on_the_hours_they_name,
    |t: Harness| async move {
        upload(&t, "admin", "", "application/toml", SHUNYI_CATALOG)
            .await
            .expect(StatusCode::OK);
        // Issue 24 re-read (docs/shunyi-reread.md); every fault below is reported on Saturday
        // 2026-11-21 (Beijing).

        // sy-014, L5091-5095: "现场服务（7*8小时服务现场维修、技术支持）、远程支持（ 7*24 小时电话技术
        // 支持服务）"; 严重 "1小时内响应，24 小时内修复" (L5117-5119). The response on cn-7x24 at 17:30
        // that Saturday; the repair on cn-7x8 (09:00-17:00 every day): 0.5 h on Saturday, 8 h on
        // Sunday and on Monday, the last 7.5 h on Tuesday until 16:30.
        let v = open_at(&t, "sy-014", "serious", "2026-11-21T16:30:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("1h", "cn-7x24", "2026-11-21T09:30:00Z"));
        assert_eq!(clock(&v, "repair"), owned("24h", "cn-7x8", "2026-11-24T08:30:00Z"));

        // sy-062, L12886-12902: "驻场服务 5*8 小时" … "以及工作时间外的 7*24 小时响应服务"; 紧急
        // "5 分钟内响应，2 小时内修复" (L12926-12930). The response at 10:05 that Saturday, the repair
        // on cn-5x8 from Monday 09:00: 11:00.
        let v = open_at(&t, "sy-062", "urgent", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("5m", "cn-7x24", "2026-11-21T02:05:00Z"));
        assert_eq!(clock(&v, "repair"), owned("2h", "cn-5x8", "2026-11-23T03:00:00Z"));

        // sy-100, L19357: "在工作日内 7x24 小时的即时响应" on cn-5x24; 紧急 "15 分钟内响应，4 小时内
        // 修复" (L19385-19387). A Saturday fault counts from Monday 00:00: 00:15 and 04:00.
        let v = open_at(&t, "sy-100", "urgent", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("15m", "cn-5x24", "2026-11-22T16:15:00Z"));
        assert_eq!(clock(&v, "repair"), owned("4h", "cn-5x24", "2026-11-22T20:00:00Z"));

        // sy-075, L15171: "驻场人员服务时间：5*8 小时", the only hours the row names, on cn-5x8; 紧急
        // "15 分钟内响应，4 小时内修复" (L15167-15169): Monday 09:15 and 13:00.
        let v = open_at(&t, "sy-075", "urgent", "2026-11-21T10:00:00+08:00").await;
        assert_eq!(clock(&v, "response"), owned("15m", "cn-5x8", "2026-11-23T01:15:00Z"));
        assert_eq!(clock(&v, "repair"), owned("4h", "cn-5x8", "2026-11-23T05:00:00Z"));
    }
);
