//! The shipped catalogues of seed 000 (京办, `config/catalogs/jingban-2026.toml`) and seed 001
//! (京通, `config/catalogs/jingtong-2024.toml`): each loads into an empty database, a ticket on one
//! of its systems gets the deadlines its seed states (quoted with their lines), tickets outside a
//! system's service dates get none, and the contract files load with `opsclock contract set` over
//! the catalogue's own vendor codes and charge a late response as the seed's figure says.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use opsclock::app::audit::ClientAddr;
use opsclock::app::catalog::{self, store::Action};
use opsclock::db::testing::{Backend, TestDb};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{beijing, import_catalog};
use crate::support::{Harness, opsclock};

const JINGBAN: &str = include_str!("../../../../config/catalogs/jingban-2026.toml");
const JINGTONG: &str = include_str!("../../../../config/catalogs/jingtong-2024.toml");

fn contract_file(name: &str) -> String {
    format!("{}/../../config/contracts/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn import(t: &Harness, text: &str) -> Value {
    import_catalog(t, text).await.expect(StatusCode::OK)
}

/// Opens a ticket that began and was received at `at` (Beijing time), recorded live then.
async fn open(t: &Harness, system: &str, kind: &str, severity: &str, at: &str) -> Value {
    let at = beijing(at);
    crate::recorded::post_at(
        t,
        "admin",
        "/api/v1/tickets",
        json!({"kind": kind, "system": system, "severity": severity, "title": format!("{kind} {severity}"),
               "occurred_at": at, "received_at": at}),
        at,
    )
    .await
    .expect(StatusCode::CREATED)
}

async fn step(t: &Harness, v: &Value, action: &str, at: &str) -> Value {
    crate::recorded::act_at(t, "admin", v, action, beijing(at), json!({}))
        .await
        .expect(StatusCode::OK)
}

/// The ticket's clocks as (name, deadline in Beijing time).
fn deadlines(v: &Value) -> Vec<(String, String)> {
    v["clocks"]
        .as_array()
        .unwrap_or_else(|| panic!("clocks in {v}"))
        .iter()
        .map(|c| {
            let at: DateTime<Utc> = c["deadline"].as_str().unwrap().parse().unwrap();
            let beijing = at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
            (
                c["name"].as_str().unwrap().to_owned(),
                beijing.format("%Y-%m-%dT%H:%M").to_string(),
            )
        })
        .collect()
}

fn due(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, d)| ((*n).to_owned(), (*d).to_owned())).collect()
}

/// The assessment of contract `code` in `period`.
async fn assessment(t: &Harness, period: &str, code: &str) -> Value {
    let r = t
        .get("admin", &format!("/api/v1/reports/breaches?period={period}"))
        .await
        .expect(StatusCode::OK);
    r["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["contract"] == code)
        .unwrap_or_else(|| panic!("no {code} in {}", r["deductions"]))["assessment"]
        .clone()
}

fn outcome(a: &Value, rule: &str) -> (String, i64, Value) {
    let o = a["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == rule)
        .unwrap_or_else(|| panic!("no rule {rule} in {a}"));
    (
        o["status"].as_str().unwrap().to_owned(),
        o["amount_fen"].as_i64().unwrap(),
        o["evidence"].clone(),
    )
}

/// Imports `text` into `db` as the CLI and the API do; returns (created, unchanged).
async fn import_into(db: &TestDb, text: &str) -> (usize, usize) {
    let calendars = std::sync::Arc::new(
        sla_clock::builtin::calendars()
            .into_iter()
            .map(|c| (c.name().to_owned(), c))
            .collect(),
    );
    let plan = catalog::import(
        &db.db,
        text,
        "seed.toml",
        calendars,
        &Default::default(),
        false,
        None,
        &ClientAddr(None),
        opsclock::db::testing::test_now(),
    )
    .await
    .unwrap_or_else(|e| panic!("the catalogue imports: {e:?}"));
    (plan.count(Action::Create), plan.count(Action::Unchanged))
}

async fn both_load_into_an_empty_database(backend: Backend) {
    // 000: one unit, four vendors, three policies, four systems. 001: one unit, four vendors,
    // three policies, seven systems. A second import of either changes nothing.
    for (text, entries) in [(JINGBAN, 1 + 4 + 3 + 4), (JINGTONG, 1 + 4 + 3 + 7)] {
        let db = TestDb::migrated(backend).await;
        assert_eq!(import_into(&db, text).await, (entries, 0));
        assert_eq!(import_into(&db, text).await, (0, entries));
    }
    // Both into one database: the buyer, 北京市大数据中心 (000 L9, 001 L14), is one unit.
    let db = TestDb::migrated(backend).await;
    import_into(&db, JINGBAN).await;
    assert_eq!(import_into(&db, JINGTONG).await, (14, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_catalogues_load_into_an_empty_database_sqlite() {
    both_load_into_an_empty_database(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_catalogues_load_into_an_empty_database_postgres() {
    both_load_into_an_empty_database(Backend::Postgres).await;
}

both!(
    a_jingban_ticket_gets_the_15_minute_response_on_7x24_and_nothing_else,
    |t: Harness| async move {
        let done = import(&t, JINGBAN).await;
        assert_eq!(
            (done["created"].as_u64(), done["changed"].as_u64()),
            (Some(12), Some(0))
        );
        // 000 L438 "需在告警发生 15 分钟内启动响应支持", on 7×24 ("7*24 小时监测和应急响应服务",
        // L1095): an alarm at 23:50 on 1 May 2026, a public holiday (劳动节), is due at 00:05 the
        // next day. The seed sets no arrival or repair period: the response is the only clock.
        let alarm = open(&t, "jb-platform", "alarm", "urgent", "2026-05-01T23:50:00").await;
        assert_eq!(deadlines(&alarm), due(&[("response", "2026-05-02T00:05")]));
        // L596 "需在收到请求后 15 分钟内启动响应支持": a non-fault request, any severity.
        let request = open(&t, "jb-platform", "request", "minor", "2026-05-01T23:50:00").await;
        assert_eq!(deadlines(&request), due(&[("response", "2026-05-02T00:05")]));
        // The OA of 致远互联 (L981 security alarms, L1096 "应急响应时间不超过 15 分钟"): a fault on a
        // Sunday evening; a request has no figure in its section and runs no clock.
        let fault = open(&t, "jb-oa", "fault", "general", "2026-05-10T20:00:00").await;
        assert_eq!(deadlines(&fault), due(&[("response", "2026-05-10T20:15")]));
        let request = open(&t, "jb-oa", "request", "general", "2026-05-10T20:00:00").await;
        assert_eq!(deadlines(&request), due(&[]));
        // "自 2026 年 4 月 6 日起 12 个月" (L148): the day before, no contract clocks.
        let before = open(&t, "jb-mail", "fault", "urgent", "2026-04-05T23:59:00").await;
        assert_eq!(deadlines(&before), due(&[]));
        let first = open(&t, "jb-mail", "fault", "urgent", "2026-04-06T00:00:00").await;
        assert_eq!(deadlines(&first), due(&[("response", "2026-04-06T00:15")]));
    }
);

both!(
    the_jingban_contract_loads_over_the_catalogue_and_charges_a_members_late_response,
    |t: Harness| async move {
        import(&t, JINGBAN).await;
        // The contract names the catalogue's vendor codes: jdt leads, the mail's capinfo-cloud is a
        // member (L1148 "联合体各方共同与采购人签订合同").
        let (ok, _, err) = opsclock(&t, &["contract", "set", &contract_file("jingban-2026.toml")]);
        assert!(ok, "{err}");
        // A mail alarm on 12 May 2026 at 10:00, answered at 10:20: five minutes late.
        let v = open(&t, "jb-mail", "alarm", "serious", "2026-05-12T10:00:00").await;
        let number = v["number"].as_str().unwrap().to_owned();
        step(&t, &v, "acknowledge", "2026-05-12T10:20:00").await;
        // 第十条 2 (L290): "每延迟1日，应向甲方支付本合同项下服务费总额的0.1%违约金 … 出现延迟不足1日的，
        // 按1日计算": one day, 0.1 % of 17,665,000.00 元 (L152) = 1,766,500 fen.
        let a = assessment(&t, "2026-05", "jingban-2026").await;
        assert_eq!(outcome(&a, "10-2"), ("fired".to_owned(), 1_766_500, json!([number])));
        assert_eq!(a["total_fen"].as_i64(), Some(1_766_500));
    }
);

both!(
    jingtong_tickets_get_the_seeds_deadlines_within_each_ends_service_dates,
    |t: Harness| async move {
        let done = import(&t, JINGTONG).await;
        assert_eq!(
            (done["created"].as_u64(), done["changed"].as_u64()),
            (Some(15), Some(0))
        );
        // 001 L342 "需提供 7*24 小时远程应急响应…严重问题不超过 30 分钟响应；重大问题不超过 2 个小时响应；
        // 轻微问题不超过 4 个小时响应；表面问题不超过 8 个小时响应". Saturday 5 October 2024, 20:00,
        // inside the National Day holiday: on 7×24 every level counts through the night, and the
        // 表面问题's 8 hours end at 04:00 on the 6th. No repair period ("远程故障恢复"): no repair clock.
        for (severity, at) in [
            ("urgent", "2024-10-05T20:30"),
            ("serious", "2024-10-05T22:00"),
            ("general", "2024-10-06T00:00"),
            ("minor", "2024-10-06T04:00"),
        ] {
            let v = open(&t, "jt-support", "fault", severity, "2024-10-05T20:00:00").await;
            assert_eq!(deadlines(&v), due(&[("response", at)]), "{severity}");
        }
        // L453 "紧急事件 30 分钟内响应，2 小时内到达现场", 微信端 served from 2024-10-27 (L124).
        let v = open(&t, "jt-wechat", "security", "urgent", "2024-12-02T10:00:00").await;
        assert_eq!(
            deadlines(&v),
            due(&[("response", "2024-12-02T10:30"), ("arrival", "2024-12-02T12:00")])
        );
        // Only 紧急事件 has figures; the 共性平台 has none at all (L384, L392).
        let v = open(&t, "jt-wechat", "fault", "general", "2024-12-02T10:00:00").await;
        assert_eq!(deadlines(&v), due(&[]));
        let v = open(&t, "jt-common", "fault", "urgent", "2024-12-02T10:00:00").await;
        assert_eq!(deadlines(&v), due(&[]));
        // "丙方负责“京通”小程序微信端5个月的运行维护保障服务，自2024年10月27日开始" (L124): a week
        // before, and the day after the five months, no contract clocks.
        for at in ["2024-10-20T10:00:00", "2025-03-27T10:00:00"] {
            let v = open(&t, "jt-wechat", "security", "urgent", at).await;
            assert_eq!(deadlines(&v), due(&[]), "{at}");
        }
        // 健康服务 "自合同签订之日开始" (L128; 2024-04-22, L260): the 2-hour on-site clock runs.
        let v = open(&t, "jt-health", "fault", "urgent", "2024-04-22T08:00:00").await;
        assert_eq!(
            deadlines(&v),
            due(&[("response", "2024-04-22T08:30"), ("arrival", "2024-04-22T10:00")])
        );
    }
);

both!(
    the_jingtong_contract_loads_and_a_late_response_and_arrival_each_owe_a_day,
    |t: Harness| async move {
        import(&t, JINGTONG).await;
        let (ok, _, err) = opsclock(&t, &["contract", "set", &contract_file("jingtong-2024.toml")]);
        assert!(ok, "{err}");
        let (ok, out, err) = opsclock(&t, &["contract", "list"]);
        assert!(ok, "{err}");
        assert!(
            out.contains("jingtong-2024") && out.contains("consortium members: tencent-cloud, baidu-netcom, bjca"),
            "{out}"
        );
        // A 严重问题 on the 支撑软件 (丙方), 2 December 2024 10:00, answered 10:31: one minute past
        // "严重问题不超过 30 分钟响应" (L342).
        let support = open(&t, "jt-support", "fault", "urgent", "2024-12-02T10:00:00").await;
        step(&t, &support, "acknowledge", "2024-12-02T10:31:00").await;
        // An urgent event on the 百度端 (丁方) — no service dates until the buyer's notice (L126) —
        // answered at 10:10, on site at 12:01: one minute past "2 小时内到达现场" (L453).
        let baidu = open(&t, "jt-baidu", "fault", "urgent", "2024-12-03T10:00:00").await;
        let baidu = step(&t, &baidu, "acknowledge", "2024-12-03T10:10:00").await;
        step(&t, &baidu, "arrive", "2024-12-03T12:01:00").await;
        // 第十条 2 (L206): "每延迟1日，应向甲方支付本合同项下服务费总额的0.1%违约金 … 出现延迟不足1日的，
        // 按1日计算": each is one day, 0.1 % of ¥7,500,000.00 (L132) = 750,000 fen.
        let a = assessment(&t, "2024-12", "jingtong-2024").await;
        assert_eq!(
            outcome(&a, "10-2"),
            ("fired".to_owned(), 750_000, json!([support["number"]]))
        );
        assert_eq!(
            outcome(&a, "10-2-arrival"),
            ("fired".to_owned(), 750_000, json!([baidu["number"]]))
        );
        assert_eq!(outcome(&a, "8-8").0, "not_fired");
        assert_eq!(outcome(&a, "10-3").0, "not_measured");
        assert_eq!(a["total_fen"].as_i64(), Some(1_500_000));
    }
);
