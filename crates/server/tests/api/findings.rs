//! Findings (认定): recorded and withdrawn by the buyer's managers, read by the parties they
//! concern, audited; and the contract rules that need them — a late repair counted under 004
//! 八-4 only once the buyer finds the cause was insufficient service capability — fire from
//! them, turn back into an exposure when they are withdrawn, and a quarter charges a
//! once-per-month rule in each of its months.

use axum::http::StatusCode;
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{open, step};
use crate::support::Harness;

/// An urgent fault on System A received 2 Nov 2026 10:00, acknowledged 10:05, on site 11:00 and
/// restored 16:00: its 4 h repair is 2 h late, its response and arrival are on time.
async fn late_repair(t: &Harness) -> String {
    let v = open(t, "eng_a", "SA", "fault", "urgent", "2026-11-02T10:00:00").await;
    let v = step(t, "eng_a", &v, "acknowledge", "2026-11-02T10:05:00", json!({})).await;
    let v = step(t, "eng_a", &v, "arrive", "2026-11-02T11:00:00", json!({})).await;
    let v = step(t, "eng_a", &v, "start", "2026-11-02T11:00:00", json!({})).await;
    let v = step(
        t,
        "eng_a",
        &v,
        "resolve",
        "2026-11-02T16:00:00",
        json!({"root_cause": "c", "fix": "f"}),
    )
    .await;
    v["number"].as_str().unwrap().to_owned()
}

/// A request on System A received at `at` and acknowledged 50 minutes later: its 30-minute
/// response is 20 minutes late.
async fn late_response(t: &Harness, at: &str) -> String {
    let v = open(t, "eng_a", "SA", "request", "general", at).await;
    let ack = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S").unwrap() + chrono::TimeDelta::minutes(50);
    step(
        t,
        "eng_a",
        &v,
        "acknowledge",
        &ack.format("%Y-%m-%dT%H:%M:%S").to_string(),
        json!({}),
    )
    .await;
    v["number"].as_str().unwrap().to_owned()
}

async fn set_contract(t: &Harness, c: Value) {
    let code = c["code"].as_str().unwrap().to_owned();
    t.put("admin", &format!("/api/v1/contracts/{code}"), c)
        .await
        .expect(StatusCode::OK);
}

/// Vendor A's contract with 004 八-4's late-repair clause (seed 004 L28658–28664: "出现因工作服务能力
/// 不足导致故障不能及时排除 … 本合同总价款百分之零点一（0.1%）"), on an illustrative price of
/// 1,200,000.00 yuan: 0.1 % is 120,000 fen.
fn capability_contract() -> Value {
    json!({
        "code": "va-84", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
        "rules": [
            {"id": "8-4-repair", "label": "因工作服务能力不足导致故障不能及时排除", "source": "004 八、4",
             "counts": "per_occurrence",
             "when": {"metric": "late", "clock": "repair", "needs": "insufficient_capability"},
             "amount": {"of": "price", "pct": 0.1}}
        ]
    })
}

/// The one outcome of the November report's one contract.
async fn november(t: &Harness) -> (Value, Value) {
    let r = t
        .get("admin", "/api/v1/reports/breaches?period=2026-11")
        .await
        .expect(StatusCode::OK);
    let a = r["deductions"][0]["assessment"].clone();
    (a["outcomes"][0].clone(), a)
}

fn record_body(kind: &str, ticket: &str) -> Value {
    json!({"contract": "va-84", "kind": kind, "ticket": ticket, "summary": "技术能力不足，修复超时",
           "evidence": "2026-11-05 运维例会纪要", "facts": {"people_affected": 120}})
}

both!(
    a_finding_decides_a_late_repair_and_its_withdrawal_undoes_it,
    |t: Harness| async move {
        set_contract(&t, capability_contract()).await;
        let number = late_repair(&t).await;

        // Without a finding: the late repair holds on the metric, the cause is not found yet.
        let (o, a) = november(&t).await;
        assert_eq!(o["status"], "exposure", "{o}");
        assert_eq!(o["needs"], "insufficient_capability");
        assert_eq!(o["evidence"], json!([number]));
        assert_eq!(o["amount_fen"], 120_000);
        assert_eq!(o["counts"], "per_occurrence");
        assert!(
            o["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n == "需认定：因工作服务能力不足 (insufficient_capability)"),
            "{o}"
        );
        assert_eq!(
            (a["total_fen"].as_i64(), a["exposure_fen"].as_i64()),
            (Some(0), Some(120_000))
        );

        // The vendor may not record a finding against itself; unit B's manager cannot reach unit
        // A's ticket.
        for who in ["eng_a", "vmgr_a", "ueng_a", "sup"] {
            t.post(who, "/api/v1/findings", record_body("insufficient_capability", &number))
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        let detail = t
            .post(
                "mgr_b",
                "/api/v1/findings",
                record_body("insufficient_capability", &number),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.starts_with("ticket: "), "{detail}");

        // Unit A's manager records it.
        let f = t
            .post(
                "mgr_a",
                "/api/v1/findings",
                record_body("insufficient_capability", &number),
            )
            .await
            .expect(StatusCode::CREATED);
        let code = f["code"].as_str().unwrap().to_owned();
        assert_eq!(
            (
                f["kind"].as_str(),
                f["kind_label"].as_str(),
                f["month"].as_str(),
                f["ticket"].as_str()
            ),
            (
                Some("insufficient_capability"),
                Some("因工作服务能力不足"),
                Some("2026-11"),
                Some(number.as_str())
            )
        );
        assert_eq!(
            (f["recorded_by"].as_str(), f["facts"]["people_affected"].as_i64()),
            (Some("mgr_a"), Some(120))
        );
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("finding.record"))
            .filter(audit_log::Column::Target.eq(code.as_str()))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0].user_id, Some(t.user_ids["mgr_a"]));

        // Now the rule fires, with the ticket and the finding as evidence.
        let (o, a) = november(&t).await;
        assert_eq!(o["status"], "fired", "{o}");
        assert_eq!(o["evidence"], json!([number, format!("{code} ({number})")]));
        assert_eq!(o["findings"], json!([code]));
        assert_eq!(o["months"], json!(["2026-11"]));
        assert!(o["needs"].is_null());
        assert_eq!(
            (a["total_fen"].as_i64(), a["exposure_fen"].as_i64()),
            (Some(120_000), Some(0))
        );

        // Who reads it: the buyer, the vendor it is against, the supervisor; not vendor B, not unit B.
        let seen = |who: &'static str| {
            let t = &t;
            async move {
                t.get(who, "/api/v1/findings?contract=va-84")
                    .await
                    .expect(StatusCode::OK)
                    .as_array()
                    .unwrap()
                    .len()
            }
        };
        for who in ["admin", "bureau", "mgr_a", "viewer_a", "vmgr_a", "eng_a", "sup"] {
            assert_eq!(seen(who).await, 1, "{who}");
        }
        for who in ["eng_b", "mgr_b"] {
            assert_eq!(seen(who).await, 0, "{who}");
        }
        let by_ticket = t
            .get("vmgr_a", &format!("/api/v1/findings?ticket={number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(by_ticket[0]["code"], code.as_str());
        t.get("nobody", "/api/v1/findings")
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");

        // Withdrawn (never edited or deleted), with a reason, once, audited.
        let id = f["id"].as_i64().unwrap();
        t.post(
            "vmgr_a",
            &format!("/api/v1/findings/{id}/withdraw"),
            json!({"reason": "x"}),
        )
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
        t.post(
            "mgr_b",
            &format!("/api/v1/findings/{id}/withdraw"),
            json!({"reason": "x"}),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
        let a = t
            .post(
                "mgr_a",
                &format!("/api/v1/findings/{id}/withdraw"),
                json!({"reason": "  "}),
            )
            .await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
        );
        let w = t
            .post(
                "mgr_a",
                &format!("/api/v1/findings/{code}/withdraw"),
                json!({"reason": "复核后认定为第三方原因"}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (w["withdrawn_by"].as_str(), w["withdraw_reason"].as_str()),
            (Some("mgr_a"), Some("复核后认定为第三方原因"))
        );
        assert!(w["withdrawn_at"].is_string());
        t.post(
            "mgr_a",
            &format!("/api/v1/findings/{id}/withdraw"),
            json!({"reason": "again"}),
        )
        .await
        .problem(StatusCode::CONFLICT, "conflict");
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("finding.withdraw"))
            .filter(audit_log::Column::Target.eq(code.as_str()))
            .all(&t.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1);
        // Still listed, as withdrawn; the rule is an exposure again.
        let listed = t
            .get("mgr_a", "/api/v1/findings?contract=va-84&month=2026-11")
            .await
            .expect(StatusCode::OK);
        assert_eq!(listed[0]["withdrawn_at"], w["withdrawn_at"]);
        let (o, a) = november(&t).await;
        assert_eq!(
            (o["status"].as_str(), o["needs"].as_str()),
            (Some("exposure"), Some("insufficient_capability"))
        );
        assert_eq!(
            (a["total_fen"].as_i64(), a["exposure_fen"].as_i64()),
            (Some(0), Some(120_000))
        );
    }
);

both!(bad_findings_are_refused_naming_the_field, |t: Harness| async move {
    set_contract(&t, capability_contract()).await;
    let number = late_repair(&t).await;
    // A ticket of System B (vendor B) is not one of vendor A's contract's.
    let other = open(&t, "eng_b", "SB", "fault", "general", "2026-11-03T10:00:00").await;
    let other = other["number"].as_str().unwrap();
    let cases = [
        (
            json!({"contract": "va-84", "kind": "incapable", "ticket": number, "summary": "s"}),
            "kind",
        ),
        (
            json!({"contract": "va-84", "kind": "wage_arrears", "month": "2026-13", "summary": "s"}),
            "month",
        ),
        (
            json!({"contract": "va-84", "kind": "wage_arrears", "month": "202611", "summary": "s"}),
            "month",
        ),
        (
            json!({"contract": "va-84", "kind": "wage_arrears", "summary": "s"}),
            "month",
        ),
        (
            json!({"contract": "va-84", "kind": "data_loss", "ticket": number, "month": "2026-10", "summary": "s"}),
            "month",
        ),
        (
            json!({"contract": "va-84", "kind": "data_loss", "ticket": other, "summary": "s"}),
            "ticket",
        ),
        (
            json!({"contract": "va-84", "kind": "data_loss", "ticket": "INC-2026-999999", "summary": "s"}),
            "ticket",
        ),
        (
            json!({"contract": "nope", "kind": "data_loss", "month": "2026-11", "summary": "s"}),
            "contract",
        ),
        (
            json!({"contract": "va-84", "kind": "data_loss", "month": "2026-11", "summary": " "}),
            "summary",
        ),
        (
            json!({"contract": "va-84", "kind": "data_loss", "month": "2026-11", "summary": "a\u{0}b"}),
            "summary",
        ),
        (
            json!({"contract": "va-84", "kind": "unattended_site", "month": "2026-11", "summary": "s"}),
            "facts.minutes",
        ),
        (
            json!({"contract": "va-84", "kind": "data_loss", "month": "2026-11", "summary": "s",
                "facts": {"economic_loss_fen": -1}}),
            "facts.economic_loss_fen",
        ),
    ];
    for (body, field) in cases {
        let a = t.post("bureau", "/api/v1/findings", body.clone()).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", a.body);
        assert_eq!(a.body["field"].as_str(), Some(field), "{body}: {}", a.body);
    }
    // A finding about the month, in Chinese, with its minutes.
    let f = t
        .post(
            "bureau",
            "/api/v1/findings",
            json!({"contract": "va-84", "kind": "现场无人值守", "month": "2026-11", "summary": "夜间无人值守",
                   "facts": {"minutes": 90}, "serious": true}),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        (f["kind"].as_str(), f["ticket"].as_str(), f["serious"].as_bool()),
        (Some("unattended_site"), None, Some(true))
    );
    // Unit B's manager may not record about a month of a contract that covers none of unit B's
    // systems.
    t.post(
        "mgr_b",
        "/api/v1/findings",
        json!({"contract": "va-84", "kind": "wage_arrears", "month": "2026-11", "summary": "s"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
});

both!(
    a_quarter_charges_a_monthly_rule_in_each_month,
    |t: Harness| async move {
        // 1,200,000.00 yuan over 12 months: the monthly fee is 10,000,000 fen.
        set_contract(
            &t,
            json!({
                "code": "va-q", "name": "Vendor A quarter", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
                "rules": [
                    {"id": "month", "label": "响应超时（每月一次）", "counts": "per_month",
                     "when": {"metric": "late", "clock": "response"}, "amount": {"of": "monthly_fee", "pct": 10}},
                    {"id": "each", "label": "响应超时（每次）", "counts": "per_occurrence",
                     "when": {"metric": "late", "clock": "response"}, "amount": {"of": "price", "pct": 0.1}}
                ]
            }),
        )
        .await;
        // Two late responses in October, one in November, none in December.
        late_response(&t, "2026-10-12T10:00:00").await;
        late_response(&t, "2026-10-20T10:00:00").await;
        late_response(&t, "2026-11-09T10:00:00").await;
        let r = t
            .get("admin", "/api/v1/reports/breaches?period=2026-Q4")
            .await
            .expect(StatusCode::OK);
        let a = &r["deductions"][0]["assessment"];
        let month = &a["outcomes"][0];
        // 10 % of the monthly fee in October and in November: 2 × 1,000,000 fen.
        assert_eq!(
            (
                month["status"].as_str(),
                month["occurrences"].as_u64(),
                month["amount_fen"].as_i64()
            ),
            (Some("fired"), Some(2), Some(2_000_000))
        );
        assert_eq!(month["months"], json!(["2026-10", "2026-11"]));
        assert_eq!(month["counts"], "per_month");
        // 0.1 % of the price for each of the three.
        let each = &a["outcomes"][1];
        assert_eq!(
            (each["occurrences"].as_u64(), each["amount_fen"].as_i64()),
            (Some(3), Some(360_000))
        );
        let months: Vec<(String, i64)> = a["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["month"].as_str().unwrap().to_owned(),
                    m["total_fen"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            months,
            [
                ("2026-10".to_owned(), 1_240_000),
                ("2026-11".to_owned(), 1_120_000),
                ("2026-12".to_owned(), 0)
            ]
        );
        assert_eq!(a["total_fen"], 2_360_000);
        // The CSV says how each rule counts and in which months.
        let (status, _, bytes) = t
            .download(
                "admin",
                "/api/v1/reports/breaches?period=2026-Q4&format=csv&section=deductions",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains(",每月一次,") && !text.contains("once per month"),
            "{text}"
        );
        assert!(text.contains("2026-10 2026-11"), "{text}");
    }
);

both!(a_consortium_counts_every_members_tickets, |t: Harness| async move {
    let contract = |members: Value| {
        json!({
            "code": "joint", "name": "联合体运维", "vendor": "VA", "members": members,
            "price_fen": 120_000_000, "months": 12,
            "rules": [{"id": "late", "label": "响应超时", "when": {"metric": "late", "clock": "response"},
                       "amount": {"of": "price", "pct": 0.1}}]
        })
    };
    late_response(&t, "2026-11-09T10:00:00").await;
    // Vendor B's general fault on System B (cn-5x8), Monday 16 Nov 10:00, acknowledged at 12:00:
    // two working hours against a 1 h response.
    let b = open(&t, "eng_b", "SB", "fault", "general", "2026-11-16T10:00:00").await;
    step(&t, "eng_b", &b, "acknowledge", "2026-11-16T12:00:00", json!({})).await;
    set_contract(&t, contract(json!([]))).await;
    assert_eq!(late_in_november(&t).await, 1);
    set_contract(&t, contract(json!(["VB"]))).await;
    assert_eq!(late_in_november(&t).await, 2);
    // A member that is no vendor, or the vendor itself, is refused.
    for bad in [json!(["nope"]), json!(["VA"])] {
        let a = t.put("admin", "/api/v1/contracts/joint", contract(bad.clone())).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", a.body);
    }
});

/// The first rule's occurrences in November's report.
async fn late_in_november(t: &Harness) -> u64 {
    let r = t
        .get("admin", "/api/v1/reports/breaches?period=2026-11")
        .await
        .expect(StatusCode::OK);
    r["deductions"][0]["assessment"]["outcomes"][0]["occurrences"]
        .as_u64()
        .unwrap()
}

both!(findings_on_the_pages, |t: Harness| async move {
    use crate::web::{browse, csrf_of, session, submit};
    set_contract(&t, capability_contract()).await;
    let number = late_repair(&t).await;
    let ticket_page = format!("/tickets/{number}");

    // The report page says which finding would decide the exposure, with a link to record it.
    let admin = session(&t, "admin").await;
    let (status, dash) = browse(&t, &admin, "/dashboard?period=2026-11").await;
    assert_eq!(status, StatusCode::OK);
    assert!(dash.contains("需认定：因工作服务能力不足"), "{dash}");
    assert!(
        dash.contains("/findings?contract=va-84&amp;month=2026-11&amp;kind=insufficient_capability"),
        "{dash}"
    );
    assert!(dash.contains("<span class=\"counts\">每次</span>"), "{dash}");
    assert!(!dash.contains("per occurrence"), "{dash}");

    // Unit A's manager sees the 认定 section with the form, and records from it.
    let mgr = session(&t, "mgr_a").await;
    let (status, page) = browse(&t, &mgr, &ticket_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"id="findings""#) && page.contains(r#"action="/findings""#),
        "{page}"
    );
    assert!(
        page.contains(r#"<option value="insufficient_capability" >因工作服务能力不足</option>"#),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let back = format!("{ticket_page}#findings");
    let (a, next) = submit(
        &t,
        &mgr,
        "/findings",
        &[
            ("csrf", &csrf),
            ("back", &back),
            ("contract", "va-84"),
            ("kind", "insufficient_capability"),
            ("ticket", &number),
            ("summary", "工程师技术能力不足，修复超时"),
            ("people_affected", "30"),
            ("economic_loss_yuan", "1234.5"),
            ("evidence", "例会纪要"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
    let (_, page) = browse(&t, &next, &ticket_page).await;
    assert!(
        page.contains("工程师技术能力不足，修复超时") && page.contains("¥1,234.50"),
        "{page}"
    );
    let listed = t
        .get("mgr_a", "/api/v1/findings?contract=va-84")
        .await
        .expect(StatusCode::OK);
    let code = listed[0]["code"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["facts"]["economic_loss_fen"], 123_450);

    // The vendor's manager reads it on the ticket, with no form to record or withdraw.
    let vendor = session(&t, "vmgr_a").await;
    let (_, page) = browse(&t, &vendor, &ticket_page).await;
    assert!(page.contains("工程师技术能力不足，修复超时"), "{page}");
    assert!(
        !page.contains(r#"action="/findings""#) && !page.contains("/withdraw"),
        "{page}"
    );

    // The report page now shows the finding as the rule's evidence.
    let (_, dash) = browse(&t, &admin, "/dashboard?period=2026-11").await;
    assert!(
        dash.contains("认定依据：") && dash.contains(&format!(">{code}</a>")),
        "{dash}"
    );

    // /findings lists the month and withdraws with a reason.
    let (status, list) = browse(&t, &mgr, "/findings?contract=va-84&month=2026-11").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&code) && list.contains(r#"id="record""#), "{list}");
    let id = &code[2..];
    let (a, next) = submit(
        &t,
        &mgr,
        &format!("/findings/{id}/withdraw"),
        &[
            ("csrf", &csrf_of(&list)),
            ("back", "/findings?contract=va-84"),
            ("reason", "复核撤回"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let (_, list) = browse(&t, &next, "/findings?contract=va-84").await;
    assert!(list.contains("已撤回") && list.contains("复核撤回"), "{list}");
});
