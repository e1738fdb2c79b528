//! The breach report on a hand-built month with known answers: March 2026 on System A (24x7,
//! vendor A) and System B (cn-5x8, vendor B), one force-majeure exclusion, one contract. Every
//! figure below is worked out by hand in the comments.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

const MARCH: &str = "/api/v1/reports/breaches?period=2026-03";

/// Performs `action` at `at` (Beijing time) and returns the new view.
async fn step(t: &Harness, t_view: &Value, action: &str, at: &str, extra: Value) -> Value {
    let at: DateTime<Utc> = format!("{at}+08:00").parse().unwrap();
    crate::recorded::act_at(t, "eng_a", t_view, action, at, extra)
        .await
        .expect(StatusCode::OK)
}

async fn open(t: &Harness, who: &str, system: &str, kind: &str, severity: &str, at: &str) -> Value {
    let at = format!("{at}+08:00");
    t.post(
        who,
        "/api/v1/tickets",
        json!({"kind": kind, "system": system, "severity": severity, "title": format!("{kind} {severity}"),
               "occurred_at": at, "received_at": at}),
    )
    .await
    .expect(StatusCode::CREATED)
}

async fn resolve(t: &Harness, v: &Value, at: &str) -> Value {
    step(t, v, "resolve", at, json!({"root_cause": "c", "fix": "f"})).await
}

/// Builds the month. Policy: fault urgent 15m/2h/4h, serious 30m/4h/8h, general 1h/–/2wd,
/// minor 8h/–/7wd; request general 30m/–/3d.
async fn build_march(t: &Harness) -> [String; 6] {
    // T5: urgent fault that began on 28 Feb 22:00 and was restored 1 Mar 01:30. Received in
    // February: not in March's counts, but 90 minutes of March outage.
    let t5 = open(t, "eng_a", "SA", "fault", "urgent", "2026-02-28T22:00:00").await;
    let v = step(t, &t5, "acknowledge", "2026-02-28T22:05:00", json!({})).await;
    let v = step(t, &v, "arrive", "2026-02-28T23:00:00", json!({})).await;
    let v = step(t, &v, "start", "2026-02-28T23:00:00", json!({})).await;
    resolve(t, &v, "2026-03-01T01:30:00").await;
    // T1: urgent fault 2 Mar 10:00; ack 10:10 (10 min), on site 11:00 (60), restored 13:00.
    // Outage 10:00–13:00; 12:00–12:30 force majeure → repair 150 working / 180 wall; outage 150.
    let t1 = open(t, "eng_a", "SA", "fault", "urgent", "2026-03-02T10:00:00").await;
    let v = step(t, &t1, "acknowledge", "2026-03-02T10:10:00", json!({})).await;
    let v = step(t, &v, "arrive", "2026-03-02T11:00:00", json!({})).await;
    let v = step(t, &v, "start", "2026-03-02T11:00:00", json!({})).await;
    resolve(t, &v, "2026-03-02T13:00:00").await;
    // T2: serious fault 10 Mar 09:00; ack 09:45 (45 > 30: 15 late), on site 12:00 (180 ≤ 240),
    // restored 19:00 (600 > 480: 120 late, deadline 17:00). Outage 600.
    let t2 = open(t, "eng_a", "SA", "fault", "serious", "2026-03-10T09:00:00").await;
    let v = step(t, &t2, "acknowledge", "2026-03-10T09:45:00", json!({})).await;
    let v = step(t, &v, "arrive", "2026-03-10T12:00:00", json!({})).await;
    let v = step(t, &v, "start", "2026-03-10T12:00:00", json!({})).await;
    resolve(t, &v, "2026-03-10T19:00:00").await;
    // T3: general fault 20 Mar 08:00; ack 08:20 (20); restored 21 Mar 08:00 (1440 ≤ 2wd). No outage.
    let t3 = open(t, "eng_a", "SA", "fault", "general", "2026-03-20T08:00:00").await;
    let v = step(t, &t3, "acknowledge", "2026-03-20T08:20:00", json!({})).await;
    resolve(t, &v, "2026-03-21T08:00:00").await;
    // T4: request 25 Mar 10:00; ack 10:50 (50 > 30: 20 late); done 26 Mar 10:00 (1440 ≤ 3d).
    let t4 = open(t, "eng_a", "SA", "request", "general", "2026-03-25T10:00:00").await;
    let v = step(t, &t4, "acknowledge", "2026-03-25T10:50:00", json!({})).await;
    resolve(t, &v, "2026-03-26T10:00:00").await;
    // T6: minor fault on System B (vendor B), Monday 16 Mar 10:00; ack 11:00 (60 working
    // minutes); never resolved: its 7wd repair clock is past its deadline now.
    let t6 = open(t, "eng_b", "SB", "fault", "minor", "2026-03-16T10:00:00").await;
    let at = "2026-03-16T11:00:00+08:00".parse().unwrap();
    crate::recorded::act_at(t, "eng_b", &t6, "acknowledge", at, json!({}))
        .await
        .expect(StatusCode::OK);
    // Force majeure on System A, 2 Mar 12:00–12:30 (a manager's record, approved at once).
    t.post(
        "mgr_a",
        "/api/v1/exclusions",
        json!({"system": "SA", "kind": "force_majeure", "starts": "2026-03-02T12:00:00+08:00",
               "ends": "2026-03-02T12:30:00+08:00", "reason": "市电中断"}),
    )
    .await
    .expect(StatusCode::CREATED);
    [t1, t2, t3, t4, t5, t6].map(|v| v["number"].as_str().unwrap().to_owned())
}

/// Vendor A's contract: price 1,200,000.00 yuan over 12 months (monthly fee 100,000.00).
fn contract() -> Value {
    json!({
        "code": "va-2026", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
        "rules": [
            {"id": "late-arrival", "label": "未按时到场 0.1%", "when": {"metric": "late", "clock": "arrival"},
             "amount": {"of": "price", "pct": 0.1}},
            {"id": "late-response", "label": "响应超时 每次 0.1%",
             "when": {"metric": "late", "clock": "response", "serious_from": 2}, "amount": {"of": "price", "pct": 0.1}},
            {"id": "delay", "label": "每延迟1日 0.1%，不足1日按1日",
             "when": {"metric": "delay", "clock": "repair", "terminate_after_days": 30}, "amount": {"of": "price", "pct": 0.1}},
            {"id": "avg-response", "label": "平均响应 30–60 分钟，未造成重大影响",
             "when": {"metric": "average_time", "clock": "response", "above_minutes": 30, "below_minutes": 60, "impact": "no_major"},
             "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "outage-2h", "label": "服务中断 2 小时以上",
             "when": {"metric": "outage_longer", "minutes": 120}, "amount": {"of": "monthly_fee", "pct": 30}},
            {"id": "outage-3x", "label": "中断 3 次以上或累计 8 小时以上",
             "when": {"metric": "outage_total", "count_over": 2, "total_minutes_over": 480},
             "amount": {"of": "monthly_fee", "pct": 60}, "cap_pct_of_price": 0.4},
            {"id": "availability", "label": "可用性低于 99.9%",
             "when": {"metric": "availability", "below_pct": 99.9}, "amount": {"of": "monthly_fee", "pct": 50}}
        ]
    })
}

both!(a_hand_built_month_gives_the_known_report, |t: Harness| async move {
    let [t1, t2, _t3, t4, t5, t6] = build_march(&t).await;
    t.raw(
        "admin",
        axum::http::Method::PUT,
        "/api/v1/contracts/va-2026",
        Some("application/json"),
        contract().to_string().into_bytes(),
    )
    .await
    .expect(StatusCode::OK);
    let r = t.get("admin", MARCH).await.expect(StatusCode::OK);
    assert_eq!(r["period"]["from"], "2026-02-28T16:00:00Z");
    // Tickets: T1–T4 and T6 were received in March; T2, T4, T6 breached.
    let tk = &r["tickets"];
    assert_eq!(
        (
            tk["received"].as_i64(),
            tk["resolved"].as_i64(),
            tk["open"].as_i64(),
            tk["breached"].as_i64()
        ),
        (Some(5), Some(4), Some(1), Some(3)),
        "{tk}"
    );
    assert_eq!(
        tk["by_severity"],
        json!([{"severity": "urgent", "received": 1, "breached": 0},
                   {"severity": "serious", "received": 1, "breached": 1},
                   {"severity": "general", "received": 2, "breached": 1},
                   {"severity": "minor", "received": 1, "breached": 1}])
    );
    // Compliance: response T1 T3 T6 met, T2 T4 late; arrival T1 T2 met; repair T1 T3 T4 met,
    // T2 late, T6 running past its deadline.
    assert_eq!(
        r["clocks"],
        json!([
            {"clock": "response", "total": 5, "met": 3, "breached": 2, "pending": 0, "cancelled": 0, "compliance_pct": 60.0},
            {"clock": "arrival", "total": 2, "met": 2, "breached": 0, "pending": 0, "cancelled": 0, "compliance_pct": 100.0},
            {"clock": "repair", "total": 5, "met": 3, "breached": 2, "pending": 0, "cancelled": 0, "compliance_pct": 60.0}
        ])
    );
    // MTTA over 10, 45, 20, 50, 60: mean 37, median 45, p90 50 + 0.6 × 10 = 56.
    // Arrival 60, 180: mean 120, p90 60 + 0.9 × 120 = 168.
    // MTTR working 150, 600, 1440, 1440 (the excluded half hour of T1 not counted): mean
    // 907.5, median 1020, p90 1440; wall 180, 600, 1440, 1440: mean 915.
    let stats = |m: f64, md: f64, p: f64| json!({"mean_min": m, "median_min": md, "p90_min": p});
    assert_eq!(
        r["latency"],
        json!([
            {"measure": "MTTA", "clock": "response", "count": 5, "working": stats(37.0, 45.0, 56.0), "wall": stats(37.0, 45.0, 56.0)},
            {"measure": "MTTArrival", "clock": "arrival", "count": 2, "working": stats(120.0, 120.0, 168.0), "wall": stats(120.0, 120.0, 168.0)},
            {"measure": "MTTR", "clock": "repair", "count": 4, "working": stats(907.5, 1020.0, 1440.0), "wall": stats(915.0, 1020.0, 1440.0)}
        ])
    );
    // Breached clocks, oldest ticket first.
    let b = r["breached"].as_array().unwrap();
    let rows: Vec<(String, String)> = b
        .iter()
        .map(|x| {
            (
                x["ticket"].as_str().unwrap().to_owned(),
                x["clock"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pair = |n: &str, c: &str| (n.to_owned(), c.to_owned());
    assert_eq!(
        rows,
        vec![
            pair(&t2, "repair"),
            pair(&t2, "response"),
            pair(&t6, "repair"),
            pair(&t4, "response")
        ]
    );
    assert_eq!(b[0]["deadline"], "2026-03-10T09:00:00Z");
    assert_eq!(b[0]["ended_at"], "2026-03-10T11:00:00Z");
    assert_eq!(
        (b[0]["overdue_min"].as_f64(), b[0]["overdue_wall_min"].as_f64()),
        (Some(120.0), Some(120.0))
    );
    assert_eq!(
        (b[1]["target"].as_str(), b[1]["overdue_min"].as_f64()),
        (Some("30m"), Some(15.0))
    );
    assert_eq!(
        (b[2]["state"].as_str(), b[2]["ended_at"].is_null()),
        (Some("breached-running"), true)
    );
    assert!(b[2]["overdue_wall_min"].as_f64().unwrap() > 0.0);
    assert_eq!(
        (b[3]["unit"].as_str(), b[3]["vendor"].as_str()),
        (Some("Unit A"), Some("VA"))
    );
    // Vendor A: T1–T4; response 2 met / 2 late; repair 3 / 1; MTTA (10+45+20+50)/4.
    let tally = |m: i64, br: i64, p: Value| json!({"met": m, "breached": br, "compliance_pct": p});
    assert_eq!(
        r["vendors"],
        json!([
            {"vendor": "VA", "name": "Vendor A", "tickets": 4, "breached_tickets": 2, "response": tally(2, 2, json!(50.0)),
             "arrival": tally(2, 0, json!(100.0)), "repair": tally(3, 1, json!(75.0)), "mtta_min": 31.25, "mttr_min": 907.5},
            {"vendor": "VB", "name": "Vendor B", "tickets": 1, "breached_tickets": 1, "response": tally(1, 0, json!(100.0)),
             "arrival": tally(0, 0, Value::Null), "repair": tally(0, 1, json!(0.0)), "mtta_min": 60.0, "mttr_min": null}
        ])
    );
    // Availability of System A: 31 × 1440 = 44 640 minutes; outages T5 90 (in March), T1
    // 180 − 30 excluded, T2 600: 840 → 1 − 840 / 44 640 = 98.1183 %.
    let a = &r["availability"][0];
    assert_eq!(a["system"], "SA");
    assert_eq!(
        (
            a["period_min"].as_f64(),
            a["outage_min"].as_f64(),
            a["excluded_min"].as_f64(),
            a["availability_pct"].as_f64()
        ),
        (Some(44640.0), Some(840.0), Some(30.0), Some(98.1183))
    );
    let outages: Vec<(f64, Value)> = a["outages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["minutes"].as_f64().unwrap(), o["tickets"].clone()))
        .collect();
    assert_eq!(
        outages,
        vec![(90.0, json!([t5])), (150.0, json!([t1])), (600.0, json!([t2]))]
    );
    assert_eq!(r["availability"][1]["availability_pct"].as_f64(), Some(100.0));
    // Deductions (fen): 2 late responses × 120 000; T2 late 2 h → 1 day × 120 000; the
    // 31.25-minute average response needs a finding (exposure 30 % of 10 000 000); one
    // outage over 2 h or more (T1 counts 150 minutes, T2 600), once: 30 % × 10 000 000; 3 outages: 60 % capped at 0.4 % of the price
    // (480 000); availability below 99.9: 50 %. Total 8 840 000, exposure 3 000 000.
    let d = &r["deductions"][0];
    assert_eq!(
        (d["contract"].as_str(), d["monthly_fee_fen"].as_i64()),
        (Some("va-2026"), Some(10_000_000))
    );
    let a = &d["assessment"];
    let outcome = |id: &str| {
        a["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["rule"] == id)
            .unwrap()
            .clone()
    };
    let brief = |id: &str| {
        let o = outcome(id);
        (
            o["status"].as_str().unwrap().to_owned(),
            o["occurrences"].as_u64().unwrap(),
            o["amount_fen"].as_i64().unwrap(),
        )
    };
    let s = |x: &str, n: u64, f: i64| (x.to_owned(), n, f);
    assert_eq!(brief("late-arrival"), s("not_fired", 0, 0));
    assert_eq!(brief("late-response"), s("fired", 2, 240_000));
    assert_eq!(outcome("late-response")["evidence"], json!([t2, t4]));
    assert_eq!(brief("delay"), s("fired", 1, 120_000));
    assert_eq!(brief("avg-response"), s("exposure", 1, 3_000_000));
    assert_eq!(brief("outage-2h"), s("fired", 1, 3_000_000));
    assert_eq!(outcome("outage-2h")["evidence"], json!([t1, t2]));
    assert_eq!(brief("outage-3x"), s("fired", 1, 480_000));
    assert_eq!(outcome("outage-3x")["capped"], true);
    assert_eq!(brief("availability"), s("fired", 1, 5_000_000));
    assert_eq!(
        (a["total_fen"].as_i64(), a["exposure_fen"].as_i64()),
        (Some(8_840_000), Some(3_000_000))
    );

    // Filters: vendor B alone; serious faults alone; an unknown unit is refused.
    let vb = t
        .get("admin", &format!("{MARCH}&vendor=VB"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        (
            vb["tickets"]["received"].as_i64(),
            vb["deductions"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0))
    );
    let serious = t
        .get("admin", &format!("{MARCH}&severity=严重&kind=fault"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(serious["tickets"]["received"], 1);
    assert_eq!(serious["breached"].as_array().map(Vec::len), Some(2));
    // A contract is assessed over all of its tickets whatever the filter: measured afresh for a
    // filtered report, taken from the report's own figures for a whole one, alike.
    assert_eq!(serious["deductions"], r["deductions"]);
    t.get("admin", &format!("{MARCH}&unit=nope"))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    t.get("admin", "/api/v1/reports/breaches?period=2026-13")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    // A unit's manager sees the unit's tickets but no contract: its prices and evidence span units.
    let unit = t.get("mgr_a", MARCH).await.expect(StatusCode::OK);
    assert_eq!(
        (unit["tickets"]["received"].as_i64(), unit["deductions"].clone()),
        (Some(4), json!([]))
    );
    // Vendor B's engineer sees only vendor B, and may not ask for vendor A.
    let own = t.get("eng_b", MARCH).await.expect(StatusCode::OK);
    assert_eq!(
        (own["tickets"]["received"].as_i64(), own["filters"]["vendor"].as_str()),
        (Some(1), Some("VB"))
    );
    t.get("eng_b", &format!("{MARCH}&vendor=VA"))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    // A quarter holds the same March tickets (and none from February).
    let q1 = t
        .get("admin", "/api/v1/reports/breaches?period=2026-Q1")
        .await
        .expect(StatusCode::OK);
    assert_eq!(q1["tickets"]["received"], 6);
});

both!(the_report_exports_as_csv_xlsx_and_html, |t: Harness| async move {
    let [_, t2, ..] = build_march(&t).await;
    // CSV: byte-order mark, Chinese headers, one row per breached clock.
    let (status, ct, bytes) = t
        .download("mgr_a", &format!("{MARCH}&format=csv&section=breached"))
        .await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "工单号");
    assert_eq!(&headers[15], "超时(自然分钟)");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // mgr_a sees unit A only: T2's two clocks and T4's response.
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (&rows[0][0], &rows[0][8], &rows[0][11], &rows[0][15]),
        (t2.as_str(), "修复", "2026-03-10 17:00", "120.00")
    );
    for bad in ["format=csv&section=nope", "format=pdf"] {
        let (status, ..) = t.download("mgr_a", &format!("{MARCH}&{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // XLSX: read back with calamine: fifteen sheets with Chinese names, numbers as numbers.
    let (status, ct, bytes) = t.download("mgr_a", &format!("{MARCH}&format=xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml"));
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec![
            "概况",
            "时限达标",
            "时长统计",
            "超时明细",
            "暂停明细",
            "服务商评分",
            "可用性",
            "设备指标",
            "违约扣款",
            "更正与申请",
            "满意度",
            "故障记录",
            "分类统计",
            "巡检",
            "定期报告"
        ]
    );
    let clocks = book.worksheet_range("时限达标").unwrap();
    assert_eq!(clocks.get_value((0, 6)).unwrap().to_string(), "达标率");
    assert_eq!(clocks.get_value((1, 0)).unwrap().to_string(), "响应");
    // Unit A: response T1 T3 met, T2 T4 late → 50 %, stored as the fraction 0.5.
    assert_eq!(clocks.get_value((1, 6)), Some(&calamine::Data::Float(0.5)));
    let avail = book.worksheet_range("可用性").unwrap();
    assert_eq!(avail.get_value((1, 0)).unwrap().to_string(), "SA");
    assert_eq!(avail.get_value((1, 5)), Some(&calamine::Data::Float(840.0)));
    // HTML: printable, with every section and the ticket numbers.
    let (status, ct, bytes) = t.download("mgr_a", &format!("{MARCH}&format=html")).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "text/html; charset=utf-8"));
    let page = String::from_utf8(bytes).unwrap();
    for needle in [
        "超时明细",
        "服务商评分",
        "可用性",
        "违约扣款",
        "@media print",
        t2.as_str(),
        "98.12%",
    ] {
        assert!(page.contains(needle), "{needle} missing");
    }
    // The page route the monthly email links to serves the same page.
    let (status, ct, _) = t.download("mgr_a", "/reports/breaches?period=2026-03").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "text/html; charset=utf-8"));
});

#[test]
fn the_shipped_contracts_parse_and_validate() {
    #[derive(serde::Deserialize)]
    struct File {
        contracts: Vec<contract_terms::Contract>,
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/contracts");
    let (mut files, mut n) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let file: File = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        files += 1;
        for c in file.contracts {
            c.validate().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            n += 1;
        }
    }
    // One contract a file, and at least the five of seeds 000–004 (config/contracts/).
    assert_eq!(n, files, "one contract per file");
    assert!(n >= 5, "{n} shipped contracts");
}

both!(
    clocks_written_before_reports_existed_are_measured_at_start,
    |t: Harness| async move {
        use opsclock::db::entities::clocks;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        build_march(&t).await;
        // As a database migrated from before migration 5 holds them: no measured values.
        clocks::Entity::update_many()
            .col_expr(
                clocks::Column::StartedAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .col_expr(clocks::Column::ConsumedMs, Expr::value(Option::<i64>::None))
            .exec(&t.db.db)
            .await
            .unwrap();
        let before = t.get("admin", MARCH).await.expect(StatusCode::OK);
        assert_eq!(before["latency"], json!([]), "nothing measured yet");
        assert_eq!(
            opsclock::app::reports::backfill(&t.db.db, &t.state.calendars.snapshot(), t.now())
                .await
                .unwrap(),
            6
        );
        assert_eq!(
            opsclock::app::reports::backfill(&t.db.db, &t.state.calendars.snapshot(), t.now())
                .await
                .unwrap(),
            0
        );
        let unmeasured = clocks::Entity::find()
            .filter(clocks::Column::StartedAt.is_null())
            .all(&t.db.db)
            .await
            .unwrap();
        assert!(unmeasured.is_empty());
        let after = t.get("admin", MARCH).await.expect(StatusCode::OK);
        assert_eq!(after["latency"][0]["working"]["mean_min"], 37.0);
    }
);
