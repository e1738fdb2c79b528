//! Periodic reports (定期报告, issue 28): a contract's `[[contracts.reports]]` owes a 月报 each
//! month. A test month (November 2026) produces it with every section filled from the record,
//! its due date tracked (the first working day after the month); the vendor writes its parts and
//! submits, the bureau acknowledges or returns; a due date missed escalates by mail once and
//! appears in the breach report.

use axum::http::StatusCode;
use opsclock::app::escalation::Links;
use opsclock::db::entities::users;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{open, step};
use crate::rectification::mails;
use crate::support::Harness;

/// Vendor A's contract on System A with a 月报 due the first working day after the month, and
/// the 000 wording's two parts to write.
pub(crate) fn contract() -> Value {
    json!({
        "code": "va-rpt", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
        "systems": ["SA"],
        "reports": [{
            "code": "monthly", "name": "运维月报", "every": "month", "due": {"working_day": 1},
            "narrative": ["服务受理工作进展", "非故障响应支持工作进展"], "source": "as 000 L107, L592, L598"
        }],
        "rules": [
            {"id": "late-repair", "label": "修复超时", "source": "illustrative", "counts": "per_occurrence",
             "when": {"metric": "late", "clock": "repair"}, "amount": {"of": "price", "pct": 0.1}}
        ]
    })
}

/// Gives `who` an address, so that mail to the role reaches someone.
async fn address(t: &Harness, who: &str) {
    let mut u = users::Entity::find_by_id(t.user_ids[who])
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    u.email = Set(Some(format!("{who}@ops.test")));
    u.update(&t.db.db).await.unwrap();
}

pub(crate) async fn sweep(t: &Harness) -> opsclock::app::periodic_reports::schedule::Swept {
    let links = Links::new(None, "127.0.0.1:8080", "ops.test".into());
    opsclock::app::periodic_reports::schedule::sweep(&t.state.db, &t.state.calendars.snapshot(), &links, t.now())
        .await
        .unwrap()
}

/// Vendor A's 月报 contract set now and swept: the number of the month's report (for the tests
/// that visit every page).
pub(crate) async fn one(t: &Harness) -> String {
    t.put("admin", "/api/v1/contracts/va-rpt", contract())
        .await
        .expect(StatusCode::OK);
    assert_eq!(sweep(t).await.created, 1);
    let list = t.get("admin", "/api/v1/periodic-reports").await.expect(StatusCode::OK);
    list[0]["number"].as_str().unwrap().to_owned()
}

/// November 2026 on System A: the contract set on 2 November, an urgent fault breached and
/// resolved, an alarm, a request; returns the report's number.
pub(crate) async fn november(t: &Harness) -> String {
    t.time.set("2026-11-02T01:00:00Z".parse().unwrap());
    t.put("admin", "/api/v1/contracts/va-rpt", contract())
        .await
        .expect(StatusCode::OK);
    for who in ["vmgr_a", "bureau", "eng_a"] {
        address(t, who).await;
    }
    assert_eq!(
        sweep(t).await.created,
        1,
        "the month's report is created once its period holds now"
    );
    assert_eq!(sweep(t).await.created, 0, "and only once");
    // The week's work, recorded on the 7th.
    t.time.set("2026-11-07T00:00:00Z".parse().unwrap());
    let v = open(t, "eng_a", "SA", "fault", "urgent", "2026-11-03T10:00:00").await;
    let v = step(t, "eng_a", &v, "acknowledge", "2026-11-03T10:05:00", json!({})).await;
    let v = step(t, "eng_a", &v, "start", "2026-11-03T10:10:00", json!({})).await;
    step(
        t,
        "eng_a",
        &v,
        "resolve",
        "2026-11-04T10:00:00",
        json!({"root_cause": "电源模块故障", "fix": "更换电源模块"}),
    )
    .await;
    open(t, "eng_a", "SA", "alarm", "serious", "2026-11-05T09:00:00").await;
    open(t, "eng_a", "SA", "request", "general", "2026-11-06T09:00:00").await;
    let list = t.get("vmgr_a", "/api/v1/periodic-reports").await.expect(StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    list[0]["number"].as_str().unwrap().to_owned()
}

fn section<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no section {key} in {r}"))
}

both!(
    a_test_month_produces_the_monthly_report_filled_from_the_record_with_its_due_date,
    |t: Harness| async move {
        let number = november(&t).await;
        t.time.set("2026-11-20T02:00:00Z".parse().unwrap());
        let r = t
            .get("vmgr_a", &format!("/api/v1/periodic-reports/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["period"], "2026-11");
        assert_eq!(r["state"], "open");
        // Due the first working day after November: Tuesday 1 December, by the end of the day.
        assert_eq!(r["due_at"], "2026-12-01T16:00:00Z", "{r}");
        assert_eq!(r["due_provisional"], false);
        assert_eq!(r["due_rule"], "月结束后第 1 个工作日（含当日）");
        // Every section, in order, filled from November's record.
        let keys: Vec<&str> = r["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "tickets",
                "categories",
                "alarms",
                "clocks",
                "breaches",
                "incidents",
                "inspections",
                "inspection_records",
                "duties",
                "major_events",
                "satisfaction",
                "rectifications",
                "problems"
            ]
        );
        let tickets = section(&r, "tickets");
        let total = tickets["rows"].as_array().unwrap().last().unwrap();
        assert_eq!(total[0], "合计");
        assert_eq!(total[1], "3", "three tickets received: {tickets}");
        let alarms = section(&r, "alarms");
        assert_eq!(alarms["rows"], json!([["严重", "1"]]), "{alarms}");
        let incidents = section(&r, "incidents");
        let row = &incidents["rows"][0];
        assert_eq!(row[4], "电源模块故障", "{incidents}");
        assert_eq!(row[5], "更换电源模块");
        let breaches = section(&r, "breaches");
        assert!(
            !breaches["rows"].as_array().unwrap().is_empty(),
            "the urgent fault repaired in 24 h breached: {breaches}"
        );
        let clocks = section(&r, "clocks");
        assert!(
            clocks["rows"].as_array().unwrap().iter().any(|c| c[0] == "修复"),
            "{clocks}"
        );
        assert_eq!(section(&r, "major_events")["note"], "本期重保 0 次。");
        // The narrative parts the contract names, empty until written.
        assert_eq!(
            r["narrative"],
            json!([{"heading": "服务受理工作进展", "text": ""}, {"heading": "非故障响应支持工作进展", "text": ""}])
        );
        // The DOCX carries the sections; read back with python-docx.
        let (status, _, bytes) = t
            .download("vmgr_a", &format!("/api/v1/periodic-reports/{number}/docx"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let Some(lines) = crate::incident_report::docx_text(&bytes, "periodic_reports") else {
            return;
        };
        let text = lines.join("\n");
        for want in [
            "运维月报",
            "工单统计",
            "电源模块故障",
            "更换电源模块",
            "2026-11",
            "服务受理工作进展",
        ] {
            assert!(text.contains(want), "{want:?} not in the DOCX: {text}");
        }
    }
);

both!(
    the_vendor_submits_the_bureau_acknowledges_and_the_sections_are_frozen,
    |t: Harness| async move {
        let number = november(&t).await;
        t.time.set("2026-11-30T08:00:00Z".parse().unwrap());
        let path = format!("/api/v1/periodic-reports/{number}");
        let r = t.get("eng_a", &path).await.expect(StatusCode::OK);
        // Submitting with a part empty is refused, naming it.
        let refused = t
            .post("eng_a", &format!("{path}/submit"), json!({"version": r["version"]}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(refused.contains("服务受理工作进展"), "{refused}");
        // A heading the contract does not name is refused; a unit's manager reads nothing.
        t.patch(
            "eng_a",
            &path,
            json!({"version": r["version"], "narrative": [{"heading": "其他", "text": "x"}]}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        t.get("mgr_a", &path).await.expect(StatusCode::FORBIDDEN);
        // Another vendor's people: as if it did not exist.
        t.get("eng_b", &path).await.expect(StatusCode::NOT_FOUND);
        let r = t
            .patch(
                "eng_a",
                &path,
                json!({"version": r["version"], "narrative": [
                {"heading": "服务受理工作进展", "text": "受理 3 件"},
                {"heading": "非故障响应支持工作进展", "text": "请求 1 件"}]}),
            )
            .await
            .expect(StatusCode::OK);
        // An administrator is on no side: it neither writes nor submits the vendor's report.
        let admin = t
            .post("admin", &format!("{path}/submit"), json!({"version": r["version"]}))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        assert!(admin.contains("管理员"), "{admin}");
        // The bureau cannot submit for the vendor; the vendor cannot acknowledge.
        t.post("bureau", &format!("{path}/submit"), json!({"version": r["version"]}))
            .await
            .expect(StatusCode::FORBIDDEN);
        let r = t
            .post("eng_a", &format!("{path}/submit"), json!({"version": r["version"]}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["state"], "submitted");
        assert_eq!(r["late"], false);
        assert_eq!(r["submitted_by"], "eng_a");
        let sent = mails(&t, &format!("{number}/submit/")).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].1, json!(["bureau@ops.test"]));
        // A ticket opened after the submission does not change what was submitted.
        open(&t, "eng_a", "SA", "alarm", "urgent", "2026-11-30T09:00:00").await;
        let frozen = t.get("bureau", &path).await.expect(StatusCode::OK);
        assert_eq!(
            section(&frozen, "alarms")["rows"],
            json!([["严重", "1"]]),
            "frozen at submission"
        );
        t.post(
            "eng_a",
            &format!("{path}/acknowledge"),
            json!({"version": frozen["version"]}),
        )
        .await
        .expect(StatusCode::FORBIDDEN);
        // Returned without a reason: refused; with one: open again, the mail says why.
        t.post(
            "bureau",
            &format!("{path}/return"),
            json!({"version": frozen["version"]}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let back = t
            .post(
                "bureau",
                &format!("{path}/return"),
                json!({"version": frozen["version"], "note": "请补充告警分析"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(back["state"], "open");
        assert_eq!(back["returned_note"], "请补充告警分析");
        let live = t.get("eng_a", &path).await.expect(StatusCode::OK);
        assert_eq!(
            section(&live, "alarms")["rows"],
            json!([["紧急", "1"], ["严重", "1"]]),
            "live again once returned"
        );
        // Submitted again and acknowledged; a stale version is a conflict.
        let again = t
            .post("eng_a", &format!("{path}/submit"), json!({"version": live["version"]}))
            .await
            .expect(StatusCode::OK);
        t.post(
            "bureau",
            &format!("{path}/acknowledge"),
            json!({"version": live["version"]}),
        )
        .await
        .expect(StatusCode::CONFLICT);
        let done = t
            .post(
                "bureau",
                &format!("{path}/acknowledge"),
                json!({"version": again["version"]}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(done["state"], "acknowledged");
        assert_eq!(done["acknowledged_by"], "bureau");
        // Nothing was late: the breach report has it due in December's first day, on time.
        t.time.set("2026-12-03T02:00:00Z".parse().unwrap());
        assert_eq!(sweep(&t).await.breached, 0);
        let report = t
            .get("bureau", "/api/v1/reports/breaches?period=2026-12")
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            report["periodic_reports"]["per_contract"],
            json!([{"contract": "va-rpt", "due": 1, "on_time": 1, "late": 0, "not_submitted": 0}])
        );
    }
);

both!(
    a_missed_due_date_reminds_then_escalates_once_and_appears_in_the_breach_report,
    |t: Harness| async move {
        let number = november(&t).await;
        // 24 h before the due instant (2026-12-01 24:00 Beijing): the vendor's managers are reminded.
        t.time.set("2026-11-30T17:00:00Z".parse().unwrap());
        let s = sweep(&t).await;
        assert_eq!((s.reminded, s.breached), (1, 0));
        assert_eq!(sweep(&t).await.reminded, 0, "once");
        assert_eq!(
            mails(&t, &format!("{number}/remind")).await,
            [(format!("{number}/remind"), json!(["vmgr_a@ops.test"]))]
        );
        // The due instant passes with nothing submitted: breached, the vendor's and the bureau's
        // managers told, once however many rounds and servers.
        t.time.set("2026-12-01T16:00:01Z".parse().unwrap());
        let (a, b) = tokio::join!(sweep(&t), sweep(&t));
        assert_eq!(a.breached + b.breached, 1);
        let sent = mails(&t, &format!("{number}/breach")).await;
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].1, json!(["vmgr_a@ops.test", "bureau@ops.test"]));
        let r = t
            .get("bureau", &format!("/api/v1/periodic-reports/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!((r["breached"].clone(), r["late"].clone()), (json!(true), json!(true)));
        // In the breach report of the period holding the due instant (December, Beijing time).
        let report = t
            .get("bureau", "/api/v1/reports/breaches?period=2026-12")
            .await
            .expect(StatusCode::OK);
        let late = &report["periodic_reports"]["late"];
        assert_eq!(late.as_array().unwrap().len(), 1, "{report}");
        assert_eq!(late[0]["number"], number.as_str());
        assert_eq!(late[0]["state"], "open");
        assert_eq!(
            report["periodic_reports"]["per_contract"],
            json!([{"contract": "va-rpt", "due": 1, "on_time": 0, "late": 1, "not_submitted": 0}])
        );
        // As a CSV section too.
        let (status, _, csv) = t
            .download(
                "bureau",
                "/api/v1/reports/breaches?period=2026-12&format=csv&section=periodic_reports",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains(&number) && csv.contains("运维月报"), "{csv}");
        // Submitted late: still late, and the breach stays.
        t.time.set("2026-12-02T02:00:00Z".parse().unwrap());
        let path = format!("/api/v1/periodic-reports/{number}");
        let r = t.get("eng_a", &path).await.expect(StatusCode::OK);
        let r = t
            .patch(
                "eng_a",
                &path,
                json!({"version": r["version"], "narrative": [
                {"heading": "服务受理工作进展", "text": "a"}, {"heading": "非故障响应支持工作进展", "text": "b"}]}),
            )
            .await
            .expect(StatusCode::OK);
        let r = t
            .post("eng_a", &format!("{path}/submit"), json!({"version": r["version"]}))
            .await
            .expect(StatusCode::OK);
        assert_eq!((r["late"].clone(), r["breached"].clone()), (json!(true), json!(true)));
        // December's report was created on the first round of December, once.
        let list = t
            .get("bureau", "/api/v1/periodic-reports?contract=va-rpt")
            .await
            .expect(StatusCode::OK);
        let periods: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["period"].as_str().unwrap())
            .collect();
        assert_eq!(periods, ["2026-12", "2026-11"]);
    }
);

both!(
    a_bad_due_rule_is_refused_when_the_contract_is_set,
    |t: Harness| async move {
        let mut c = contract();
        c["reports"][0]["due"] = json!({"day": 1, "working_day": 1});
        let detail = t
            .put("admin", "/api/v1/contracts/va-rpt", c)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(
            detail.contains("reports[0].due: give either day or working_day"),
            "{detail}"
        );
        let mut c = contract();
        c["reports"][0]["sections"] = json!(["tickets", "weather"]);
        let detail = t
            .put("admin", "/api/v1/contracts/va-rpt", c)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("weather"), "{detail}");
        let mut c = contract();
        c["reports"][0]["calendar"] = json!("cn-9x9");
        let detail = t
            .put("admin", "/api/v1/contracts/va-rpt", c)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.contains("cn-9x9"), "{detail}");
    }
);

/// Vendor A's contract with 000's 重保 duties: the preparation before each window (L815 "在每次
/// 重保前执行平台应急演练"), a daily report during it (001 L507 "每日提供详尽的工作日报"), the summary
/// after it (L849 "每次重保完成后，需输出一份重保总结报告").
fn major_event_contract() -> Value {
    let mut c = contract();
    c["reports"] = json!([
        {"code": "zb-prep", "name": "重保前准备", "every": "major_event", "due": {"in": "before", "day": 1},
         "remind_hours": 0, "narrative": ["平台应急演练"], "sections": ["tickets"]},
        {"code": "zb-daily", "name": "重保工作日报", "every": "major_event_day", "due": {"day": 1, "by": "09:00"},
         "remind_hours": 0, "sections": ["tickets", "alarms"]},
        {"code": "zb-summary", "name": "重保总结报告", "every": "major_event", "due": {"day": 5},
         "remind_hours": 0, "sections": ["tickets", "major_events"]}
    ]);
    c
}

both!(
    a_major_event_window_owes_its_preparation_daily_reports_and_summary,
    |t: Harness| async move {
        t.time.set("2026-09-20T02:00:00Z".parse().unwrap());
        t.put("admin", "/api/v1/contracts/va-rpt", major_event_contract())
            .await
            .expect(StatusCode::OK);
        // The National Day window over System A's unit, set ten days ahead; another over unit B only.
        t.put(
            "bureau",
            "/api/v1/windows/guoqing",
            json!({"code": "guoqing", "name": "国庆重保", "units": ["UA"],
               "starts": "2026-10-01T00:00:00+08:00", "ends": "2026-10-04T00:00:00+08:00"}),
        )
        .await
        .expect(StatusCode::OK);
        t.put(
            "bureau",
            "/api/v1/windows/other",
            json!({"code": "other", "name": "其他单位重保", "units": ["UB"],
               "starts": "2026-10-01T00:00:00+08:00", "ends": "2026-10-02T00:00:00+08:00"}),
        )
        .await
        .expect(StatusCode::OK);
        // Seen ahead: the preparation and the summary of the window covering System A, no day yet.
        assert_eq!(sweep(&t).await.created, 2);
        let list = t.get("bureau", "/api/v1/periodic-reports").await.expect(StatusCode::OK);
        let by_duty = |d: &str| -> Value {
            list.as_array()
                .unwrap()
                .iter()
                .find(|r| r["duty"] == d)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let prep = by_duty("zb-prep");
        assert_eq!(prep["period"], "guoqing");
        // By the end of 30 September: before the window opens.
        assert_eq!(prep["due_at"], "2026-09-30T16:00:00Z", "{prep}");
        assert_eq!(prep["due_rule"], "重保开始前第 1 日（含当日）");
        let summary = by_duty("zb-summary");
        // Five days after the window's last day (3 October): 8 October, by its end.
        assert_eq!(summary["due_at"], "2026-10-08T16:00:00Z", "{summary}");
        assert_eq!(by_duty("zb-daily"), Value::Null);
        // The preparation not done by the window's opening is breached.
        t.time.set("2026-09-30T16:00:01Z".parse().unwrap());
        let s = sweep(&t).await;
        assert_eq!(s.breached, 1);
        // Each day of the window owes its daily report, due the next morning at 09:00.
        assert_eq!(s.created, 1, "1 October's daily report");
        t.time.set("2026-10-02T02:00:00Z".parse().unwrap());
        assert_eq!(sweep(&t).await.created, 1, "2 October's");
        assert_eq!(sweep(&t).await.created, 0);
        t.time.set("2026-10-04T02:00:00Z".parse().unwrap());
        assert_eq!(sweep(&t).await.created, 0, "the window has closed");
        let list = t
            .get("bureau", "/api/v1/periodic-reports?contract=va-rpt")
            .await
            .expect(StatusCode::OK);
        let daily: Vec<(&str, &str)> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["duty"] == "zb-daily")
            .map(|r| (r["period"].as_str().unwrap(), r["due_at"].as_str().unwrap()))
            .collect();
        assert_eq!(
            daily,
            [
                ("2026-10-02", "2026-10-03T01:00:00Z"),
                ("2026-10-01", "2026-10-02T01:00:00Z")
            ]
        );
        // The summary covers the window: its 重保 section counts it.
        let summary = t
            .get(
                "bureau",
                &format!(
                    "/api/v1/periodic-reports/{}",
                    by_duty("zb-summary")["number"].as_str().unwrap()
                ),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            section(&summary, "major_events")["note"],
            "本期重保 1 次。",
            "{summary}"
        );
        // The window moved to open a day later: its open reports not yet breached (the summary) are
        // withdrawn, and the moved window owes its own; the breached preparation stays as it was.
        t.time.set("2026-10-02T03:00:00Z".parse().unwrap());
        t.put(
            "bureau",
            "/api/v1/windows/guoqing",
            json!({"code": "guoqing", "name": "国庆重保", "units": ["UA"],
               "starts": "2026-10-02T00:00:00+08:00", "ends": "2026-10-05T00:00:00+08:00"}),
        )
        .await
        .expect(StatusCode::OK);
        sweep(&t).await;
        let list = t
            .get("bureau", "/api/v1/periodic-reports?contract=va-rpt&state=withdrawn")
            .await
            .expect(StatusCode::OK);
        let withdrawn: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["duty"].as_str().unwrap())
            .collect();
        assert_eq!(withdrawn, ["zb-summary"], "{list}");
        // The late preparation is in September's breach report (due 30 September, Beijing).
        let report = t
            .get("bureau", "/api/v1/reports/breaches?period=2026-09")
            .await
            .expect(StatusCode::OK);
        assert_eq!(report["periodic_reports"]["late"][0]["name"], "重保前准备", "{report}");
    }
);

both!(
    an_inspection_report_lists_each_inspection_done_with_its_faults,
    |t: Harness| async move {
        // 001 L645 asks for a 运维巡检月报: here over System SI, whose catalogue owes two a month.
        t.time.set("2026-11-25T02:00:00Z".parse().unwrap());
        crate::recorded::import_catalog(&t, crate::inspections::FILE)
            .await
            .expect(StatusCode::OK);
        crate::inspections::sweep(&t).await;
        let mut c = contract();
        c["systems"] = json!(["SI"]);
        c["reports"] = json!([{"code": "inspection-monthly", "name": "运维巡检月报", "every": "month",
        "due": {"working_day": 1}, "sections": ["inspections", "inspection_records"], "source": "as 001 L645"}]);
        t.put("admin", "/api/v1/contracts/va-rpt", c)
            .await
            .expect(StatusCode::OK);
        assert_eq!(sweep(&t).await.created, 1);
        let due = crate::inspections::list(&t, "eng_a", "?system=SI&state=due").await;
        let id = due.iter().find(|i| i["every"] == "month").unwrap()["id"]
            .as_i64()
            .unwrap();
        t.post(
            "eng_a",
            &format!("/api/v1/inspections/{id}/record"),
            json!({"results": crate::inspections::results("logins", None)}),
        )
        .await
        .expect(StatusCode::OK);
        let list = t.get("eng_a", "/api/v1/periodic-reports").await.expect(StatusCode::OK);
        let number = list[0]["number"].as_str().unwrap().to_owned();
        let r = t
            .get("eng_a", &format!("/api/v1/periodic-reports/{number}"))
            .await
            .expect(StatusCode::OK);
        let keys: Vec<&str> = r["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["inspections", "inspection_records"]);
        let records = section(&r, "inspection_records");
        let rows = records["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{records}");
        assert!(rows[0][0].as_str().unwrap().starts_with("SI "), "{records}");
        assert_eq!(rows[0][3], "eng_a");
        assert_eq!(rows[0][4], "5/6", "five of six items in order");
        assert!(rows[0][5].as_str().unwrap().contains("登录量骤降"), "{records}");
        // No part to write: it is submitted as generated.
        t.post(
            "eng_a",
            &format!("/api/v1/periodic-reports/{number}/submit"),
            json!({"version": r["version"]}),
        )
        .await
        .expect(StatusCode::OK);
    }
);

/// Writes the two parts and submits report `number` as `eng_a`; returns the answer.
async fn write_and_submit(t: &Harness, number: &str) -> Value {
    let path = format!("/api/v1/periodic-reports/{number}");
    let r = t.get("eng_a", &path).await.expect(StatusCode::OK);
    let r = t
        .patch(
            "eng_a",
            &path,
            json!({"version": r["version"], "narrative": [
                {"heading": "服务受理工作进展", "text": "a"}, {"heading": "非故障响应支持工作进展", "text": "b"}]}),
        )
        .await
        .expect(StatusCode::OK);
    t.post("eng_a", &format!("{path}/submit"), json!({"version": r["version"]}))
        .await
        .expect(StatusCode::OK)
}

both!(
    a_report_returned_after_its_due_date_stays_on_time_and_late_ones_filter_before_the_limit,
    |t: Harness| async move {
        let number = november(&t).await;
        t.time.set("2026-11-30T08:00:00Z".parse().unwrap());
        write_and_submit(&t, &number).await;
        // Returned on 3 December, after the due instant (1 December, 24:00): open again, but handed
        // in on time, so not late, never breached, and not mailed as overdue.
        t.time.set("2026-12-03T02:00:00Z".parse().unwrap());
        let path = format!("/api/v1/periodic-reports/{number}");
        let r = t.get("bureau", &path).await.expect(StatusCode::OK);
        let back = t
            .post(
                "bureau",
                &format!("{path}/return"),
                json!({"version": r["version"], "note": "补充"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (back["state"].clone(), back["late"].clone()),
            (json!("open"), json!(false))
        );
        assert_eq!(sweep(&t).await.breached, 0);
        assert!(mails(&t, &format!("{number}/breach")).await.is_empty());
        let again = write_and_submit(&t, &number).await;
        assert_eq!(again["late"], false, "judged on the first submission");
        let report = t
            .get("bureau", "/api/v1/reports/breaches?period=2026-12")
            .await
            .expect(StatusCode::OK);
        assert_eq!(report["periodic_reports"]["per_contract"][0]["late"], 0);
        // December's report, never submitted, is late once January's first working day has passed;
        // the filter finds it in the database, before the list's limit.
        t.time.set("2027-01-06T02:00:00Z".parse().unwrap());
        sweep(&t).await;
        let late = t
            .get("bureau", "/api/v1/periodic-reports?late=true&limit=1")
            .await
            .expect(StatusCode::OK);
        assert_eq!(late.as_array().unwrap().len(), 1, "{late}");
        assert_eq!(late[0]["period"], "2026-12");
        let on_time = t
            .get("bureau", "/api/v1/periodic-reports?late=false")
            .await
            .expect(StatusCode::OK);
        let periods: Vec<&str> = on_time
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["period"].as_str().unwrap())
            .collect();
        assert_eq!(periods, ["2027-01", "2026-11"], "{on_time}");
    }
);

both!(
    a_contract_set_after_the_due_date_owes_the_report_but_it_is_never_late,
    |t: Harness| async move {
        // A quarterly report due by 30 December, its contract set on the 31st.
        t.time.set("2026-12-31T02:00:00Z".parse().unwrap());
        let mut c = contract();
        c["reports"] = json!([{"code": "q", "name": "运维季度报告", "every": "quarter",
        "due": {"in": "last_month", "day": 30}}]);
        t.put("admin", "/api/v1/contracts/va-rpt", c)
            .await
            .expect(StatusCode::OK);
        for who in ["vmgr_a", "bureau"] {
            address(&t, who).await;
        }
        let s = sweep(&t).await;
        assert_eq!((s.created, s.reminded, s.breached), (1, 0, 0));
        let list = t.get("bureau", "/api/v1/periodic-reports").await.expect(StatusCode::OK);
        assert_eq!(list[0]["period"], "2026-Q4");
        assert_eq!(list[0]["late"], false, "{list}");
        assert!(mails(&t, "RPT-").await.is_empty());
    }
);

both!(
    a_dropped_duty_withdraws_its_open_report_and_restoring_it_opens_it_again,
    |t: Harness| async move {
        let number = november(&t).await;
        let path = format!("/api/v1/periodic-reports/{number}");
        let r = t.get("eng_a", &path).await.expect(StatusCode::OK);
        t.patch(
            "eng_a",
            &path,
            json!({"version": r["version"], "narrative": [{"heading": "服务受理工作进展", "text": "写了一半"}]}),
        )
        .await
        .expect(StatusCode::OK);
        // The bureau drops the 月报 from the contract: the open report is withdrawn, not breached.
        let mut without = contract();
        without["reports"] = json!([]);
        t.put("admin", "/api/v1/contracts/va-rpt", without)
            .await
            .expect(StatusCode::OK);
        sweep(&t).await;
        let r = t.get("eng_a", &path).await.expect(StatusCode::OK);
        assert_eq!(
            (r["state"].clone(), r["late"].clone()),
            (json!("withdrawn"), json!(false))
        );
        t.post("eng_a", &format!("{path}/submit"), json!({"version": r["version"]}))
            .await
            .expect(StatusCode::CONFLICT);
        // Restored within the month: the same report is open again, with what was written.
        t.put("admin", "/api/v1/contracts/va-rpt", contract())
            .await
            .expect(StatusCode::OK);
        assert_eq!(sweep(&t).await.created, 0);
        let r = t.get("eng_a", &path).await.expect(StatusCode::OK);
        assert_eq!(r["state"], "open");
        assert_eq!(r["narrative"][0]["text"], "写了一半");
        // Its period kind changed (a 周报 now): the month's report is withdrawn, the week's owed.
        let mut weekly = contract();
        weekly["reports"][0]["every"] = json!("week");
        t.put("admin", "/api/v1/contracts/va-rpt", weekly)
            .await
            .expect(StatusCode::OK);
        assert_eq!(sweep(&t).await.created, 1);
        assert_eq!(t.get("eng_a", &path).await.expect(StatusCode::OK)["state"], "withdrawn");
        let open = t
            .get("eng_a", "/api/v1/periodic-reports?state=open")
            .await
            .expect(StatusCode::OK);
        assert_eq!(open[0]["period"], "2026-W45", "{open}");
    }
);

both!(
    the_monthly_report_counts_each_scheduled_duty_that_ran,
    |t: Harness| async move {
        use opsclock::db::entities::duties;
        use sea_orm::ActiveModelTrait as _;
        let number = november(&t).await;
        t.put(
            "mgr_a",
            "/api/v1/duties/backup-sa",
            json!({"code": "backup-sa", "name": "System A 备份检查", "system": "SA", "schedule": "0 9 * * *",
            "due": "4h", "assignee": "eng_a"}),
        )
        .await
        .expect(StatusCode::OK);
        let row = duties::Entity::find().one(&t.state.db).await.unwrap().unwrap();
        let mut am = row.into_active_model();
        am.next_run_at = Set(Some(t.now() - chrono::TimeDelta::hours(1)));
        am.update(&t.state.db).await.unwrap();
        let opened = opsclock::app::duty::scheduled::run_due(&t.state.db, &t.state.calendars.snapshot(), t.now())
            .await
            .unwrap();
        assert_eq!(opened.len(), 1);
        let r = t
            .get("vmgr_a", &format!("/api/v1/periodic-reports/{number}"))
            .await
            .expect(StatusCode::OK);
        let duties = section(&r, "duties");
        assert_eq!(duties["rows"][0][0], "System A 备份检查", "{duties}");
        assert_eq!(duties["rows"][0][2], "1", "one run in November");
        assert_eq!(
            (&duties["rows"][0][3], &duties["rows"][0][4]),
            (&json!("0"), &json!("1")),
            "its ticket still open"
        );
    }
);
