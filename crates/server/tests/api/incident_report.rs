//! The incident report (故障处理情况报告) of a ticket: `GET /api/v1/tickets/{number}/incident-report`
//! as JSON, as the printable page and as a Word file read back with python-docx, and the page
//! `/tickets/{number}/incident-report`; a reader who may not read the ticket gets 404.

use axum::http::StatusCode;
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{beijing, post_at, step};
use crate::support::Harness;

const ROOT_CAUSE: &str = "核心交换机光模块老化";
const FIX: &str = "更换光模块并切回主链路";
const FOLLOW_UP: &str = "排查同批次光模块，下月巡检时更换";

/// An urgent fault on SA (24×7, on site: response 15m, arrival 2h, repair 4h) received at 04:00
/// Beijing time: acknowledged at 04:10 (met), arrived at 06:30 (30 min late), a comment, the sweep
/// at 08:30 queueing the escalations, resolved at 09:00 (an hour late). Returns its number.
async fn resolved_late(t: &Harness) -> String {
    let v = post_at(
        t,
        "eng_a",
        "/api/v1/tickets",
        json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "核心业务系统无法访问",
               "description": "全部用户无法登录"}),
        beijing("2026-11-25T04:00:00"),
    )
    .await
    .expect(StatusCode::CREATED);
    let v = step(t, "eng_a", &v, "acknowledge", "2026-11-25T04:10:00", json!({})).await;
    let v = step(t, "eng_a", &v, "arrive", "2026-11-25T06:30:00", json!({})).await;
    let v = step(
        t,
        "eng_a",
        &v,
        "comment",
        "2026-11-25T07:00:00",
        json!({"text": "已联系厂商备件"}),
    )
    .await;
    let now = t.now();
    t.time.set(beijing("2026-11-25T08:30:00"));
    Sweeper {
        db: t.state.db.clone(),
        calendars: t.state.calendars.clone(),
        time: t.time.clone(),
        links: Links::new(None, "127.0.0.1:8080", "ops.test".into()),
        batch: 100,
        notices: Default::default(),
    }
    .sweep()
    .await
    .unwrap();
    t.time.set(now);
    let v = step(
        t,
        "eng_a",
        &v,
        "resolve",
        "2026-11-25T09:00:00",
        json!({"root_cause": ROOT_CAUSE, "fix": FIX, "follow_up": FOLLOW_UP}),
    )
    .await;
    v["number"].as_str().unwrap().to_owned()
}

fn clock<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} clock in {r}"))
}

both!(
    a_resolved_late_ticket_reports_its_clocks_cause_and_notifications,
    |t: Harness| async move {
        let number = resolved_late(&t).await;
        let r = t
            .get("eng_a", &format!("/api/v1/tickets/{number}/incident-report"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["number"], number.as_str());
        assert_eq!(r["system"]["code"], "SA");
        assert_eq!(r["unit"]["name"], "Unit A");
        assert_eq!(r["vendor"]["name"], "Vendor A");
        assert_eq!(r["severity"], "urgent");
        assert_eq!(r["status"], "resolved");
        // The clocks: the response met, the arrival and the repair late by what the contract says.
        let response = clock(&r, "response");
        assert_eq!(response["outcome"], "met");
        assert_eq!(response["target"], "15m");
        let arrival = clock(&r, "arrival");
        assert_eq!(arrival["outcome"], "breached");
        assert_eq!(arrival["deadline"], "2026-11-24T22:00:00Z");
        assert_eq!(arrival["overdue_seconds"], 30 * 60);
        let repair = clock(&r, "repair");
        assert_eq!(repair["outcome"], "breached");
        assert_eq!(repair["calendar"], "24x7");
        assert_eq!(repair["target"], "4h");
        assert_eq!(repair["deadline"], "2026-11-25T00:00:00Z");
        assert_eq!(repair["ended_at"], "2026-11-25T01:00:00Z");
        assert_eq!(repair["overdue_seconds"], 3600);
        assert_eq!(repair["overdue_wall_seconds"], 3600);
        // What caused it and what was done, with the impact window (from the start to the fix).
        let res = &r["resolution"];
        assert_eq!(res["root_cause"], ROOT_CAUSE);
        assert_eq!(res["fix"], FIX);
        assert_eq!(res["follow_up"], FOLLOW_UP);
        assert_eq!(res["impact_seconds"], 5 * 3600);
        assert_eq!(res["by"], "eng_a");
        // Every event with its actor and times; the comment apart too.
        let kinds: Vec<&str> = r["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["opened", "acknowledged", "arrived", "commented", "resolved"]);
        assert_eq!(r["timeline"][1]["actor"], "eng_a");
        assert_eq!(r["timeline"][1]["recorded_at"], "2026-11-24T20:10:00Z");
        assert_eq!(r["comments"][0]["text"], "已联系厂商备件");
        // The escalations the sweep queued, by channel, with their recipients and status.
        let notes = r["notifications"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n["channel"] == "email" && n["clock"] == "repair" && n["step"] == "breach"),
            "{notes:?}"
        );
        // The vendor, the unit and (an enabled supervisor account exists) the supervisor sign.
        let parties: Vec<&str> = r["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["party"].as_str().unwrap())
            .collect();
        assert_eq!(parties, ["vendor", "unit", "supervisor"]);
        assert_eq!(r["signatures"][0]["name"], "Vendor A");

        // The buyer's unit manager reads the same report; a format it does not know is refused.
        t.get("mgr_a", &format!("/api/v1/tickets/{number}/incident-report"))
            .await
            .expect(StatusCode::OK);
        t.get("mgr_a", &format!("/api/v1/tickets/{number}/incident-report?format=pdf"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    }
);

both!(a_reader_who_may_not_read_the_ticket_gets_404, |t: Harness| async move {
    let v = t.open("eng_a", "SA", "fault", "serious").await;
    let number = v["number"].as_str().unwrap();
    for who in ["eng_b", "mgr_b", "nobody"] {
        for format in ["json", "html", "docx"] {
            t.get(
                who,
                &format!("/api/v1/tickets/{number}/incident-report?format={format}"),
            )
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        }
        let (status, _, body) = t.download(who, &format!("/tickets/{number}/incident-report")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        assert!(!String::from_utf8_lossy(&body).contains("故障处理情况报告"));
    }
    t.get("", &format!("/api/v1/tickets/{number}/incident-report"))
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
});

both!(the_printable_report_has_the_signature_blocks, |t: Harness| async move {
    let number = resolved_late(&t).await;
    let (status, kind, body) = t
        .download(
            "mgr_a",
            &format!("/api/v1/tickets/{number}/incident-report?format=html"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("故障处理情况报告") && html.contains(&number));
    for (party, label) in [
        ("vendor", "服务商（乙方）"),
        ("unit", "用户单位"),
        ("supervisor", "监理单位"),
    ] {
        assert!(
            html.contains(&format!(
                r#"<section class="sign" data-party="{party}"><h3>{label}</h3>"#
            )),
            "{party}: {html}"
        );
    }
    assert!(html.contains("签字") && html.contains("盖章") && html.contains("Vendor A"));
    assert!(html.contains(ROOT_CAUSE) && html.contains(FOLLOW_UP));
    assert!(html.contains(r#"data-outcome="breached""#) && html.contains("2026-11-25 08:00"));
    assert!(html.contains("@media print"));

    // The page, from the ticket page's link, in the reader's language.
    let (_, _, ticket) = t.download("eng_a", &format!("/tickets/{number}")).await;
    let link = format!(r#"href="/tickets/{number}/incident-report""#);
    assert!(String::from_utf8(ticket).unwrap().contains(&link));
    let (status, _, page) = t.download("eng_a", &format!("/tickets/{number}/incident-report")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(page).unwrap().contains(r#"data-party="supervisor""#));
    let (_, _, english) = t
        .download(
            "eng_a",
            &format!("/api/v1/tickets/{number}/incident-report?format=html&lang=en"),
        )
        .await;
    let english = String::from_utf8(english).unwrap();
    assert!(english.contains("Incident report") && english.contains("Supervisor"));
});

/// The Word file's text, paragraph by paragraph and cell by cell, as python-docx reads it
/// (Debian's python3-docx under /usr/bin/python3; `./scripts/test` installs it). `None`, and the
/// test skipped with a message, where it is missing outside CI.
pub(crate) fn docx_text(bytes: &[u8], test: &str) -> Option<Vec<String>> {
    let has_module = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import docx"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_module {
        let why = "/usr/bin/python3 with python-docx is not installed (apt-get install python3-docx; ./scripts/test installs it)";
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "CI runs {test}: {why}"
        );
        eprintln!("SKIPPED {test}: {why}");
        return None;
    }
    let file = std::env::temp_dir().join(format!(
        "opsclock-docx-{}-{:?}.docx",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&file, bytes).unwrap();
    let script = r#"
import json, sys, docx
d = docx.Document(sys.argv[1])
out = [p.text for p in d.paragraphs]
for t in d.tables:
    for row in t.rows:
        for c in row.cells:
            out.append(c.text)
fonts = [r.element.rPr.rFonts.get('{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia')
         for p in d.paragraphs for r in p.runs if r.element.rPr is not None and r.element.rPr.rFonts is not None]
out.append('eastAsia=' + ','.join(sorted(set(f for f in fonts if f))))
# A paragraph without a style of its own has none here (the file names no default style).
out.append('headings=' + '|'.join(p.text for p in d.paragraphs if p.style is not None and p.style.name.lower().startswith('heading')))
print(json.dumps(out, ensure_ascii=False))
"#;
    let res = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(&file)
        .output()
        .expect("python3");
    let _ = std::fs::remove_file(&file);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    Some(serde_json::from_slice(&res.stdout).unwrap())
}

both!(
    the_word_file_reads_back_with_the_number_clocks_and_cause,
    |t: Harness| async move {
        let number = resolved_late(&t).await;
        let (status, kind, bytes) = t
            .download(
                "eng_a",
                &format!("/api/v1/tickets/{number}/incident-report?format=docx"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            kind,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert!(bytes.starts_with(b"PK"), "a zip");
        let Some(text) = docx_text(&bytes, "the_word_file_reads_back_with_the_number_clocks_and_cause") else {
            return;
        };
        let all = text.join("\n");
        assert!(all.contains("故障处理情况报告") && all.contains(&number), "{all}");
        // Each clock by its name with its deadline (Beijing time).
        for (name, deadline) in [
            ("响应", "2026-11-25 04:15"),
            ("到场", "2026-11-25 06:00"),
            ("修复", "2026-11-25 08:00"),
        ] {
            assert!(
                text.iter().any(|c| c.starts_with(&format!("{name}\n"))),
                "{name}: {all}"
            );
            assert!(text.iter().any(|c| c == deadline), "{deadline}: {all}");
        }
        assert!(text.iter().any(|c| c == ROOT_CAUSE), "{all}");
        assert!(text.iter().any(|c| c == FOLLOW_UP), "{all}");
        assert!(all.contains("超时完成 1 小时"), "{all}");
        assert!(all.contains("服务商（乙方）") && all.contains("监理单位") && all.contains("盖章"));
        // Chinese is set in 宋体, and the sections are headings.
        assert!(text.contains(&"eastAsia=宋体".to_owned()), "{all}");
        let headings = text.iter().find(|l| l.starts_with("headings=")).unwrap();
        assert!(
            headings.contains("二、服务时限") && headings.contains("八、签字确认"),
            "{headings}"
        );
    }
);

both!(
    the_breach_report_registers_the_periods_incidents,
    |t: Harness| async move {
        let number = resolved_late(&t).await;
        // A request is no incident; an open fault is listed as not restored, lasting till now.
        let request = t.open("eng_a", "SA", "request", "general").await;
        let open = post_at(
            &t,
            "eng_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "general", "title": "接口偶发超时"}),
            beijing("2026-11-25T09:30:00"),
        )
        .await
        .expect(StatusCode::CREATED);
        let period = "/api/v1/reports/breaches?period=2026-11";
        let r = t.get("mgr_a", period).await.expect(StatusCode::OK);
        let incidents = r["incidents"].as_array().unwrap();
        let tickets: Vec<&str> = incidents.iter().map(|i| i["ticket"].as_str().unwrap()).collect();
        assert_eq!(tickets, [number.as_str(), open["number"].as_str().unwrap()]);
        assert!(!tickets.contains(&request["number"].as_str().unwrap()));
        let done = &incidents[0];
        assert_eq!(done["root_cause"], ROOT_CAUSE);
        assert_eq!(done["fix"], FIX);
        assert_eq!(done["duration_min"], 300.0);
        assert_eq!(done["breached"], true);
        assert_eq!(incidents[1]["resolved_at"], Value::Null);
        assert_eq!(incidents[1]["duration_min"], 30.0);

        // The CSV section and the workbook's sheet, in Chinese.
        let (status, _, csv) = t
            .download("mgr_a", &format!("{period}&format=csv&section=incidents"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("故障原因") && csv.contains(ROOT_CAUSE) && csv.contains("未恢复"),
            "{csv}"
        );
        let (_, _, bytes) = t.download("mgr_a", &format!("{period}&format=xlsx")).await;
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("故障记录").unwrap();
        assert_eq!(sheet.get_value((0, 11)).unwrap().to_string(), "故障原因");
        assert_eq!(sheet.get_value((1, 0)).unwrap().to_string(), number);
        assert_eq!(sheet.get_value((1, 11)).unwrap().to_string(), ROOT_CAUSE);
        assert_eq!(sheet.get_value((1, 15)), Some(&calamine::Data::Float(300.0)));
    }
);

both!(
    a_reopened_ticket_an_approved_downgrade_and_control_characters,
    |t: Harness| async move {
        // An urgent fault whose title came from a monitor with a terminal colour code and a
        // vertical tab, received an hour ago: its response clock is breached and still running.
        let title = "CPU 告警\u{1b}[31m 高\u{b}负载";
        let v = post_at(
            &t,
            "eng_a",
            "/api/v1/tickets",
            json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": title}),
            t.now() - chrono::TimeDelta::hours(1),
        )
        .await
        .expect(StatusCode::CREATED);
        let number = v["number"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/tickets/{number}/incident-report");
        let r = t.get("eng_a", &path).await.expect(StatusCode::OK);
        assert_eq!(clock(&r, "response")["outcome"], "breached_running", "{r}");
        // The vendor asks for a downgrade after the breach; the unit's manager approves it. No
        // `regraded` event is written, yet the report names the re-grading and who approved it.
        let v = t
            .act(
                "eng_a",
                &v,
                "regrade",
                json!({"severity": "minor", "reason": "只影响一台终端"}),
            )
            .await
            .expect(StatusCode::OK);
        let seq = v["claims"][0]["seq"].clone();
        let v = t
            .act("mgr_a", &v, "approve", json!({"event": seq}))
            .await
            .expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        let v = t.act("eng_a", &v, "start", json!({})).await.expect(StatusCode::OK);
        let v = t
            .act("eng_a", &v, "resolve", json!({"root_cause": ROOT_CAUSE, "fix": FIX}))
            .await
            .expect(StatusCode::OK);
        t.act("mgr_a", &v, "reopen", json!({"reason": "问题复现"}))
            .await
            .expect(StatusCode::OK);
        let r = t.get("mgr_a", &path).await.expect(StatusCode::OK);
        let regrading = &r["regradings"][0];
        assert_eq!(
            (
                regrading["from"].as_str(),
                regrading["to"].as_str(),
                regrading["actor"].as_str()
            ),
            (Some("urgent"), Some("minor"), Some("mgr_a")),
            "{r}"
        );
        // The last resolution is shown as such: the ticket was reopened since.
        assert_eq!(r["resolution"]["superseded"], true, "{r}");
        assert_eq!(r["resolution"]["root_cause"], ROOT_CAUSE);
        let (_, _, page) = t.download("mgr_a", &format!("{path}?format=html")).await;
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("工单已重新打开，以下为上次解决时的记录"), "{page}");
        // The Word file opens: the control characters are left out of it.
        let (status, _, bytes) = t.download("mgr_a", &format!("{path}?format=docx")).await;
        assert_eq!(status, StatusCode::OK);
        if let Some(text) = docx_text(&bytes, "a_reopened_ticket_an_approved_downgrade_and_control_characters") {
            assert!(text.iter().any(|c| c == "CPU 告警[31m 高负载"), "{text:?}");
        }
        // A language the report has not is refused, not answered in Chinese.
        let d = t
            .get("mgr_a", &format!("{path}?lang=fr"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(d.starts_with("lang: "), "{d}");
        t.get("mgr_a", &format!("{path}?lang=EN")).await.expect(StatusCode::OK);
    }
);
