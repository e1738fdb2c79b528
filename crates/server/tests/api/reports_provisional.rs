//! Provisional deadlines in the breach report: a repair opened on System B (cn-5x8, published to
//! 2026-12-31) at 16:00 on 31 December 2026 runs its seven working days into 2027, counted with
//! the weekly schedule alone. The report marks the breach provisional, counts such clocks apart,
//! marks the deduction that rests on it, and every printed form carries the footnote; a month with
//! only final deadlines has none of it.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A minor fault on System B received (and begun) at `received`, as vendor B's engineer.
async fn open_sb(t: &Harness, received: &str) -> Value {
    t.post(
        "eng_b",
        "/api/v1/tickets",
        json!({"kind": "fault", "system": "SB", "severity": "minor", "title": "打印服务中断",
               "occurred_at": received, "received_at": received}),
    )
    .await
    .expect(StatusCode::CREATED)
}

fn clock<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} clock: {view}"))
}

/// Vendor B's contract: each late repair 0.1 % of the price, each day of repair delay 0.1 %.
fn contract() -> Value {
    json!({
        "code": "vb-2026", "name": "Vendor B O&M", "vendor": "VB", "price_fen": 120_000_000, "months": 12,
        "rules": [
            {"id": "late-repair", "label": "修复超时 每次 0.1%", "when": {"metric": "late", "clock": "repair"},
             "amount": {"of": "price", "pct": 0.1}},
            {"id": "late-response", "label": "响应超时 每次 0.1%", "when": {"metric": "late", "clock": "response"},
             "amount": {"of": "price", "pct": 0.1}},
            {"id": "delay", "label": "每延迟1日 0.1%", "when": {"metric": "delay", "clock": "repair"},
             "amount": {"of": "price", "pct": 0.1}}
        ]
    })
}

fn outcome<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["deductions"][0]["assessment"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == rule)
        .unwrap_or_else(|| panic!("no rule {rule}: {report}"))
}

// Reports are judged at 10:00 on Wednesday 20 January 2027 (Beijing), explicitly.
const AS_OF: &str = "as_of=2027-01-20T02:00:00Z";

both!(
    a_deadline_past_the_published_year_is_provisional_in_the_report,
    |t: Harness| async move {
        let published = t.state.calendars.snapshot()["cn-5x8"].covered_dates().1;
        assert_eq!(
            published.to_string(),
            "2026-12-31",
            "this test needs cn-5x8 published to 2026-12-31 (it opens a repair that runs into 2027)"
        );
        // The server's clock stands after every instant the test uses.
        t.time.set(at("2027-02-01T10:00:00+08:00"));
        t.put("admin", "/api/v1/contracts/vb-2026", contract())
            .await
            .expect(StatusCode::OK);

        // November: Monday 2 November 10:00, never acknowledged: response (8 h) and repair (7 wd)
        // both late, on deadlines inside 2026: final.
        let nov = open_sb(&t, "2026-11-02T10:00:00+08:00").await;
        assert_eq!(clock(&nov, "repair")["provisional"], false, "{nov}");

        // December: Thursday 31 December 16:00. Acknowledged at 16:20 (response met). The repair's
        // seven working days run into 2027, which cn-5x8 does not publish: provisional.
        let dec = open_sb(&t, "2026-12-31T16:00:00+08:00").await;
        let at = "2026-12-31T16:20:00+08:00".parse().unwrap();
        let dec = crate::recorded::act_at(&t, "eng_b", &dec, "acknowledge", at, json!({}))
            .await
            .expect(StatusCode::OK);
        let number = dec["number"].as_str().unwrap().to_owned();
        let repair = clock(&dec, "repair");
        assert_eq!(repair["provisional"], true, "{dec}");
        let deadline = repair["deadline"].as_str().unwrap().to_owned();
        assert!(deadline.starts_with("2027-01-"), "{deadline}");
        // The response stopped in 2026, but its deadline (had it run on) is in 2027: provisional too.
        assert_eq!(clock(&dec, "response")["provisional"], true, "{dec}");

        // The December report as of 20 January: the repair is late, provisionally.
        let december = format!("/api/v1/reports/breaches?period=2026-12&{AS_OF}");
        let r = t.get("admin", &december).await.expect(StatusCode::OK);
        let rows = r["breached"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{r}");
        assert_eq!(
            (
                rows[0]["ticket"].as_str(),
                rows[0]["clock"].as_str(),
                rows[0]["state"].as_str(),
                rows[0]["deadline"].as_str(),
                &rows[0]["provisional"]
            ),
            (
                Some(number.as_str()),
                Some("repair"),
                Some("breached-running"),
                Some(deadline.as_str()),
                &json!(true)
            ),
            "{r}"
        );
        // Counted as they stand and apart: the response met and the repair late, both provisional;
        // no final clock was decided, so there is no final compliance.
        assert_eq!(
            r["clocks"],
            json!([
                {"clock": "response", "total": 1, "met": 1, "breached": 0, "pending": 0, "cancelled": 0,
                 "compliance_pct": 100.0, "provisional": 1, "provisional_met": 1},
                {"clock": "repair", "total": 1, "met": 0, "breached": 1, "pending": 0, "cancelled": 0,
                 "compliance_pct": 0.0, "provisional": 1, "provisional_breached": 1}
            ]),
            "{r}"
        );
        // The footnote, in Chinese and English, with the figures.
        let notes = r["notes"].as_array().unwrap();
        assert_eq!(notes.len(), 1, "{r}");
        let (zh, en) = (notes[0]["zh"].as_str().unwrap(), notes[0]["en"].as_str().unwrap());
        assert!(
        zh.starts_with(
            "* 暂定：2 个时限（其中 1 个已超时）的截止时间跨入尚未发布节假日安排的年份（cn-5x8 已发布至 2026-12-31），\
             按每周工作安排暂算；导入国务院通知后会重新计算"
        ),
        "{zh}"
    );
        assert!(
            en.starts_with(
                "* Provisional: 2 deadlines (1 of them breached) run into a year whose holidays are not published"
            ),
            "{en}"
        );
        // The deductions resting on the provisional breach say so; the rule that did not fire does not.
        let d = &r["deductions"][0];
        assert_eq!(d["provisional_rules"], json!(["late-repair", "delay"]), "{d}");
        for rule in ["late-repair", "delay"] {
            let o = outcome(&r, rule);
            assert_eq!(o["status"], "fired", "{o}");
            // The notes in English, and beside them the same notes in Chinese, one for one.
            assert_eq!(
                o["notes"].as_array().unwrap().len(),
                o["notes_zh"].as_array().unwrap().len(),
                "{o}"
            );
            let (zh, en) = (o["notes_zh"].to_string(), o["notes"].to_string());
            assert!(zh.contains("暂定：其中 1 个超时时限") && zh.contains(&number), "{zh}");
            assert!(
                en.contains("provisional: 1 of the late clocks") && !en.contains("暂定"),
                "{en}"
            );
        }
        assert_eq!(outcome(&r, "late-repair")["notes"][0], "1 late repair");
        assert_eq!(outcome(&r, "late-repair")["notes_zh"][0], "1 次修复超时");
        assert_eq!(outcome(&r, "late-response")["status"], "not_fired");
        assert!(!outcome(&r, "late-response")["notes"].to_string().contains("暂定"));
        assert!(
            d["assessment"]["notes"]
                .to_string()
                .contains("provisional: late-repair, delay"),
            "{d}"
        );
        assert!(
            d["assessment"]["notes_zh"]
                .to_string()
                .contains("暂定：late-repair、delay 依据暂定截止时间"),
            "{d}"
        );
        // A filtered report (its contracts measured afresh) marks them alike.
        let minor = t
            .get("admin", &format!("{december}&severity=minor"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(minor["deductions"], r["deductions"]);

        // CSV: the row says 暂定, and the footnote is the last two rows, as wide as the header.
        let (status, _, bytes) = t.download("admin", &format!("{december}&format=csv")).await;
        assert_eq!(status, StatusCode::OK);
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let headers = reader.headers().unwrap().clone();
        assert_eq!(
            (&headers[15], &headers[16], &headers[17]),
            ("超时(自然分钟)", "暂停(工作分钟)", "暂定")
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 3, "{records:?}");
        assert_eq!((&records[0][0], &records[0][17]), (number.as_str(), "是 *"));
        assert_eq!(&records[1][0], zh);
        assert_eq!(&records[2][0], en);
        assert!(records[1].iter().skip(1).all(str::is_empty));
        // Every section carries it.
        let (_, _, bytes) = t
            .download("admin", &format!("{december}&format=csv&section=clocks"))
            .await;
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains(zh) && text.contains(en), "{text}");

        // XLSX: the row, the counts, and a 说明 sheet last.
        let (status, _, bytes) = t.download("admin", &format!("{december}&format=xlsx")).await;
        assert_eq!(status, StatusCode::OK);
        use calamine::{Data, Reader as _};
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names().last().map(String::as_str), Some("说明"));
        let notes_sheet = book.worksheet_range("说明").unwrap();
        assert_eq!(notes_sheet.get_value((1, 0)), Some(&Data::String(zh.to_owned())));
        assert_eq!(notes_sheet.get_value((2, 0)), Some(&Data::String(en.to_owned())));
        // The deductions sheet is Chinese: how the rule counts, and its notes under 说明.
        let deductions = book.worksheet_range("违约扣款").unwrap();
        let cell = |row, col| match deductions.get_value((row, col)) {
            Some(Data::String(s)) => s.clone(),
            Some(Data::Empty) | None => String::new(),
            other => panic!("({row}, {col}): {other:?}"),
        };
        assert_eq!((cell(0, 5), cell(0, 15)), ("计法".into(), "说明".into()));
        assert_eq!((cell(1, 2), cell(1, 5)), ("late-repair".into(), "每次".into()));
        let note = cell(1, 15);
        assert!(
            note.starts_with(&format!(
                "1 次修复超时；暂定：其中 1 个超时时限（{number}）的截止时间为暂定"
            )),
            "{note}"
        );
        for row in 1..deductions.height() as u32 {
            let note = cell(row, 15).replace(&number, "");
            let note = ["late-repair", "delay"].iter().fold(note, |n, id| n.replace(id, ""));
            assert!(!note.chars().any(|c| c.is_ascii_alphabetic()), "row {row}: {note}");
        }
        let late = book.worksheet_range("超时明细").unwrap();
        assert_eq!(late.get_value((0, 17)), Some(&Data::String("暂定".into())));
        assert_eq!(late.get_value((1, 17)), Some(&Data::String("是 *".into())));
        let clocks = book.worksheet_range("时限达标").unwrap();
        assert_eq!(clocks.get_value((0, 7)), Some(&Data::String("暂定".into())));
        // Repair (row 2): 1 provisional, 0 of them met, 1 late.
        let counts: Vec<Option<&Data>> = (7..10).map(|c| clocks.get_value((2, c))).collect();
        assert_eq!(
            counts,
            vec![
                Some(&Data::Float(1.0)),
                Some(&Data::Float(0.0)),
                Some(&Data::Float(1.0))
            ]
        );

        // HTML: the printable page and the page route.
        let (status, _, bytes) = t.download("admin", &format!("{december}&format=html")).await;
        assert_eq!(status, StatusCode::OK);
        let page = String::from_utf8(bytes).unwrap();
        for needle in ["id=\"notes\"", "* 暂定：2 个时限", "是 *", "暂定时限（见说明）"] {
            assert!(page.contains(needle), "{needle} missing: {page}");
        }
        // The printable record is in Chinese only (docs/web.md, one vocabulary), the rules' notes
        // and how they count too.
        assert!(!page.contains("* Provisional: 2 deadlines"), "{page}");
        for needle in ["1 次修复超时", "累计延迟", "暂定：late-repair、delay", "<td>每次</td>"] {
            assert!(page.contains(needle), "{needle} missing: {page}");
        }
        for english in ["late repair", "per occurrence", "provisional:", "of delay"] {
            assert!(!page.contains(english), "{english} on the printable page: {page}");
        }
        // The footnote comes after the tables, before the signatures.
        assert!(page.find("id=\"notes\"") > page.find("id=\"deductions\""));
        assert!(page.find("id=\"notes\"") < page.find("class=\"sign\""));

        // The dashboard (judged now, 1 February) marks the deadline and shows the footnote.
        let (status, _, bytes) = t.download("admin", "/dashboard?period=2026-12").await;
        assert_eq!(status, StatusCode::OK);
        let dash = String::from_utf8(bytes).unwrap();
        assert!(dash.contains("class=\"provisional\""), "{dash}");
        assert!(dash.contains("* 暂定：2 个时限（其中 1 个已超时）"), "{dash}");
        assert!(
            dash.contains("<span class=\"counts\">每次</span>") && !dash.contains("per occurrence"),
            "{dash}"
        );

        // November: final deadlines only — no mark, no separate counts, no footnote anywhere.
        let november = format!("/api/v1/reports/breaches?period=2026-11&{AS_OF}");
        let r = t.get("admin", &november).await.expect(StatusCode::OK);
        let rows = r["breached"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{r}");
        assert!(rows.iter().all(|b| b["provisional"] == false), "{r}");
        assert_eq!(r["notes"], json!([]));
        for c in r["clocks"].as_array().unwrap() {
            for key in [
                "provisional",
                "provisional_met",
                "provisional_breached",
                "final_compliance_pct",
            ] {
                assert!(c.get(key).is_none(), "{key} in {c}");
            }
        }
        assert!(r["deductions"][0].get("provisional_rules").is_none(), "{r}");
        assert_eq!(outcome(&r, "late-repair")["status"], "fired");
        assert!(!r["deductions"].to_string().contains("暂定"), "{r}");
        let (_, _, bytes) = t.download("admin", &format!("{november}&format=csv")).await;
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("暂定：") && !text.contains("* Provisional"), "{text}");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|r| r[17].is_empty()));
        let (_, _, bytes) = t.download("admin", &format!("{november}&format=xlsx")).await;
        let book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names().len(), opsclock::app::reports::export::SECTIONS.len());
        assert!(!book.sheet_names().iter().any(|s| s == "说明"));
        let (_, _, bytes) = t.download("admin", &format!("{november}&format=html")).await;
        let page = String::from_utf8(bytes).unwrap();
        assert!(
            !page.contains("id=\"notes\"") && !page.contains("暂定：") && !page.contains("暂定时限"),
            "{page}"
        );
    }
);
