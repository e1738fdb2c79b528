//! Satisfaction surveys (满意度调查, issue 27): unit A's manager rates vendor A's service under a
//! contract for November; the report, the exports, the dashboard and the assessment's figures
//! combine the survey with the reporters' ticket ratings and judge the rate against the
//! contract's target (seed 001 L667 "≥ 90%", seed 003 L181 "超过90%"); one survey per unit,
//! contract and period; each party reads only its own.

use axum::http::StatusCode;
use opsclock::db::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::recorded::{open, step};
use crate::support::Harness;

/// Vendor A's contract on System A with a satisfaction target of `satisfaction` (illustrative
/// price and rule; the target as 001 and 003 write theirs).
pub(crate) fn contract(satisfaction: Value) -> Value {
    json!({
        "code": "va-sat", "name": "Vendor A O&M", "vendor": "VA", "price_fen": 120_000_000, "months": 12,
        "satisfaction": satisfaction,
        "rules": [
            {"id": "late-repair", "label": "修复超时", "source": "illustrative", "counts": "per_occurrence",
             "when": {"metric": "late", "clock": "repair"}, "amount": {"of": "price", "pct": 0.1}}
        ]
    })
}

pub(crate) async fn set_contract(t: &Harness, satisfaction: Value) {
    t.put("admin", "/api/v1/contracts/va-sat", contract(satisfaction))
        .await
        .expect(StatusCode::OK);
}

/// A general fault on System A received on `date` (`2026-11-02`) at 10:00, repaired within the
/// hour, closed by unit A's manager on 28 November with `rating`.
pub(crate) async fn rated(t: &Harness, date: &str, rating: u8) {
    let at = |time: &str| format!("{date}T{time}");
    let v = open(t, "eng_a", "SA", "fault", "general", &at("10:00:00")).await;
    let v = step(t, "eng_a", &v, "acknowledge", &at("10:05:00"), json!({})).await;
    let v = step(t, "eng_a", &v, "start", &at("10:10:00"), json!({})).await;
    let v = step(
        t,
        "eng_a",
        &v,
        "resolve",
        &at("11:00:00"),
        json!({"root_cause": "c", "fix": "f"}),
    )
    .await;
    step(
        t,
        "mgr_a",
        &v,
        "close",
        "2026-11-28T10:00:00",
        json!({"satisfaction": rating}),
    )
    .await;
}

/// December 2nd, a 90 % target (001's wording), November's tickets rated 5 5 4 3 (75 %).
pub(crate) async fn setup(t: &Harness) {
    t.time.set("2026-12-02T02:00:00Z".parse().unwrap());
    set_contract(t, json!({"target_pct": 90, "source": "illustrative, as 001 L667"})).await;
    for (day, rating) in [("02", 5), ("03", 5), ("04", 4), ("05", 3)] {
        rated(t, &format!("2026-11-{day}"), rating).await;
    }
}

pub(crate) fn survey(overall: i64) -> Value {
    json!({"contract": "va-sat", "period": "2026-11", "overall": overall,
           "aspects": {"响应及时性": 5, "服务态度": 4}, "comment": "响应及时"})
}

/// November's satisfaction rate as `who` reads it in the breach report.
async fn rate(t: &Harness, who: &str) -> Value {
    let r = t
        .get(who, "/api/v1/reports/breaches?period=2026-11")
        .await
        .expect(StatusCode::OK);
    r["satisfaction_rate"].clone()
}

/// (rated, satisfied, rate_pct) of a figure.
pub(crate) fn fig(s: &Value) -> (i64, i64, Option<f64>) {
    (
        s["rated"].as_i64().unwrap(),
        s["satisfied"].as_i64().unwrap(),
        s["rate_pct"].as_f64(),
    )
}

both!(the_rate_against_the_target_by_hand, |t: Harness| async move {
    setup(&t).await;
    // Tickets alone: 3 of 4 rated 4 or 5 = 75.0 %, under "≥ 90%".
    let r = rate(&t, "bureau").await;
    assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
    let row = &r["rows"][0];
    assert_eq!(
        (row["unit"].as_str(), row["contract"].as_str()),
        (Some("UA"), Some("va-sat"))
    );
    assert_eq!(fig(&row["tickets"]), (4, 3, Some(75.0)));
    assert_eq!(fig(&row["surveys"]), (0, 0, None));
    assert_eq!(fig(&row["combined"]), (4, 3, Some(75.0)));
    assert_eq!(
        (row["target"]["text"].as_str(), row["met"].as_bool()),
        (Some("≥ 90%"), Some(false))
    );
    assert_eq!(r["met"], json!(false));

    // Unit A's survey, overall 5 (非常满意): by default the unit's survey speaks for it, 1 of
    // 1 = 100 %, met; the ticket ratings are still shown apart.
    let s = t
        .post("mgr_a", "/api/v1/surveys", survey(5))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        (s["number"].as_str(), s["overall_label"].as_str()),
        (Some("MY-1"), Some("非常满意"))
    );
    assert_eq!(
        s["aspects"],
        json!([{"aspect": "响应及时性", "rating": 5}, {"aspect": "服务态度", "rating": 4},
                   {"aspect": "解决质量", "rating": null}])
    );
    let r = rate(&t, "bureau").await;
    let row = &r["rows"][0];
    assert_eq!(
        (fig(&row["tickets"]), fig(&row["surveys"])),
        ((4, 3, Some(75.0)), (1, 1, Some(100.0)))
    );
    assert_eq!(fig(&row["combined"]), (1, 1, Some(100.0)));
    assert_eq!(
        (row["combine"].as_str(), row["met"].as_bool()),
        (Some("surveys_first"), Some(true))
    );
    assert_eq!(row["survey_ids"], json!(["MY-1"]));
    assert_eq!((r["met"].as_bool(), r["rows_met"].as_i64()), (Some(true), Some(1)));

    // The other reading, every rating one voice: 5 5 4 3 and the survey's 5 = 4 of 5 = 80.0 %,
    // under 90 %. Against 80 %: met when inclusive (≥, 001), not when strict (超过, 003).
    set_contract(&t, json!({"target_pct": 90, "combine": "pooled"})).await;
    let r = rate(&t, "bureau").await;
    assert_eq!(
        (fig(&r["combined"]), r["met"].as_bool()),
        ((5, 4, Some(80.0)), Some(false))
    );
    set_contract(&t, json!({"target_pct": 80, "combine": "pooled"})).await;
    assert_eq!(rate(&t, "bureau").await["met"], json!(true));
    set_contract(&t, json!({"target_pct": 80, "strict": true, "combine": "pooled"})).await;
    let r = rate(&t, "bureau").await;
    assert_eq!(
        (r["target"]["text"].as_str(), r["met"].as_bool()),
        (Some("> 80%"), Some(false))
    );

    // The exports carry it: the CSV section, the workbook's sheet, the printable page.
    let (status, _, bytes) = t
        .download(
            "bureau",
            "/api/v1/reports/breaches?period=2026-11&format=csv&section=satisfaction",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(bytes).unwrap();
    assert!(
        csv.contains("综合满意率") && csv.contains("80.00%") && csv.contains("> 80%"),
        "{csv}"
    );
    assert!(
        csv.contains("未达标") && csv.contains("MY-1") && csv.contains("合计"),
        "{csv}"
    );
    let (_, _, bytes) = t
        .download("bureau", "/api/v1/reports/breaches?period=2026-11&format=html")
        .await;
    assert!(String::from_utf8(bytes).unwrap().contains("满意度"));

    // The dashboard's card: the combined rate and the verdict.
    let cookies = crate::web::session(&t, "bureau").await;
    let (_, page) = crate::web::browse(&t, &cookies, "/dashboard?period=2026-11").await;
    assert!(page.contains(r#"id="kpi-satisfaction-combined">80.00 %"#), "{page}");
    assert!(page.contains(r#"id="kpi-satisfaction-verdict">未达标"#), "{page}");
});

both!(each_party_reads_only_its_own, |t: Harness| async move {
    setup(&t).await;
    let s = t
        .post("mgr_a", "/api/v1/surveys", survey(4))
        .await
        .expect(StatusCode::CREATED);
    let id = s["id"].as_i64().unwrap();
    // Unit A's people, vendor A (the contract's), the bureau and the supervisor read it.
    for who in [
        "mgr_a", "viewer_a", "ueng_a", "vmgr_a", "eng_a", "bureau", "sup", "admin",
    ] {
        t.get(who, &format!("/api/v1/surveys/MY-{id}"))
            .await
            .expect(StatusCode::OK);
        let list = t.get(who, "/api/v1/surveys").await.expect(StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1, "{who}");
    }
    // Unit B and vendor B do not: as if it did not exist.
    for who in ["mgr_b", "eng_b"] {
        t.get(who, &format!("/api/v1/surveys/{id}"))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(
            t.get(who, "/api/v1/surveys").await.expect(StatusCode::OK),
            json!([]),
            "{who}"
        );
        // Nor does it reach their report.
        assert_eq!(rate(&t, who).await["surveys"]["rated"], json!(0), "{who}");
    }
    // Only a unit's managers fill one: not its engineers, not the vendor, not the bureau.
    for who in ["ueng_a", "vmgr_a", "bureau", "sup", "admin"] {
        t.post(who, "/api/v1/surveys", survey(5))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
    // Unit B's manager cannot rate a contract that serves no system of unit B.
    let d = t
        .post("mgr_b", "/api/v1/surveys", survey(5))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(d.starts_with("contract: va-sat covers no system of unit UB"), "{d}");
    // Nor replace unit A's.
    t.put("mgr_b", &format!("/api/v1/surveys/{id}"), json!({"overall": 1}))
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
});

both!(
    one_survey_per_unit_contract_and_period_replaced_with_an_audit,
    |t: Harness| async move {
        setup(&t).await;
        let s = t
            .post("mgr_a", "/api/v1/surveys", survey(5))
            .await
            .expect(StatusCode::CREATED);
        let id = s["id"].as_i64().unwrap();
        let d = t
            .post("mgr_a", "/api/v1/surveys", survey(2))
            .await
            .problem(StatusCode::CONFLICT, "duplicate");
        assert!(
            d.starts_with(&format!(
                "MY-{id}: unit UA has rated contract va-sat for 2026-11 already"
            )),
            "{d}"
        );
        // The quarter holds November: one survey per unit, contract and month.
        let mut q = survey(4);
        q["period"] = json!("2026-Q4");
        let d = t
            .post("mgr_a", "/api/v1/surveys", q)
            .await
            .problem(StatusCode::CONFLICT, "duplicate");
        assert!(
            d.starts_with(&format!(
                "MY-{id}: unit UA has rated contract va-sat for 2026-11 already, which 2026-Q4 overlaps"
            )),
            "{d}"
        );
        // The unit replaces its own: same number, version 2, the audit keeps what it replaced.
        let r = t
            .put(
                "mgr_a",
                &format!("/api/v1/surveys/MY-{id}"),
                json!({"overall": 2, "comment": "复查后下调", "version": 1}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (r["id"].as_i64(), r["overall"].as_i64(), r["version"].as_i64()),
            (Some(id), Some(2), Some(2))
        );
        assert_eq!(
            r["aspects"][0]["rating"],
            Value::Null,
            "the answers are replaced as a whole"
        );
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Target.eq(format!("MY-{id}")))
            .all(&t.db.db)
            .await
            .unwrap();
        let actions: Vec<&str> = audited.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["survey.fill", "survey.replace"]);
        let detail: Value = serde_json::from_str(&audited[1].detail.to_string()).unwrap();
        assert_eq!(detail["replaced"]["overall"], json!(5), "{detail}");
        // The operator lists them on the command line.
        let (ok, out, err) = crate::support::opsclock(&t, &["survey", "list", "--period", "2026-11"]);
        assert!(ok, "{err}");
        assert!(
            out.contains(&format!("MY-{id}  2026-11  UA  va-sat  2 (不满意)")),
            "{out}"
        );
        assert!(out.ends_with("1 survey(s)\n"), "{out}");
        // November counts unit A's one survey, as replaced.
        assert_eq!(fig(&rate(&t, "bureau").await["surveys"]), (1, 0, Some(0.0)));
    }
);

both!(validation_errors_name_the_field, |t: Harness| async move {
    setup(&t).await;
    let cases = [
        (json!({"contract": "va-sat", "period": "2026-11"}), "overall"),
        (
            json!({"contract": "va-sat", "period": "2026-11", "overall": 6}),
            "overall",
        ),
        (
            json!({"contract": "va-sat", "period": "2026-11", "overall": 4, "aspects": {"速度": 5}}),
            "aspects.速度",
        ),
        (
            json!({"contract": "va-sat", "period": "2026-11", "overall": 4, "aspects": {"服务态度": 0}}),
            "aspects.服务态度",
        ),
        (json!({"contract": "va-sat", "period": "2026", "overall": 4}), "period"),
        (
            json!({"contract": "va-sat", "period": "2026-11-01..2026-11-15", "overall": 4}),
            "period",
        ),
        (
            json!({"contract": "va-sat", "period": "2027-01", "overall": 4}),
            "period",
        ),
        (
            json!({"contract": "va-sat", "period": "2026-11", "overall": 4, "comment": "x".repeat(2001)}),
            "comment",
        ),
        (
            json!({"contract": "nope", "period": "2026-11", "overall": 4}),
            "contract",
        ),
    ];
    for (body, field) in cases {
        let a = t.post("mgr_a", "/api/v1/surveys", body.clone()).await;
        let detail = a.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(detail.starts_with(&format!("{field}: ")), "{body}: {detail}");
    }
    t.post(
        "mgr_a",
        "/api/v1/surveys",
        json!({"contract": "va-sat", "period": "2026-11", "overall": 4, "score": 1}),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // A contract's target out of range is refused naming its field.
    let a = t
        .put(
            "admin",
            "/api/v1/contracts/va-sat",
            contract(json!({"target_pct": 190})),
        )
        .await;
    let detail = a.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(
        detail.contains("satisfaction.target_pct: 190 is not a share between 0 and 100"),
        "{detail}"
    );
    // Nothing was filled.
    assert_eq!(
        t.get("bureau", "/api/v1/surveys").await.expect(StatusCode::OK),
        json!([])
    );
});

both!(the_rate_is_in_the_assessments_figures, |t: Harness| async move {
    setup(&t).await;
    t.post("mgr_a", "/api/v1/surveys", survey(5))
        .await
        .expect(StatusCode::CREATED);
    let a = t
        .post(
            "mgr_a",
            "/api/v1/assessments",
            json!({"contract": "va-sat", "period": "2026-11"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let s = &a["figures"]["satisfaction_rate"];
    assert_eq!(
        (fig(&s["tickets"]), fig(&s["combined"])),
        ((4, 3, Some(75.0)), (1, 1, Some(100.0))),
        "{s}"
    );
    assert_eq!(
        (s["target"]["text"].as_str(), s["met"].as_bool()),
        (Some("≥ 90%"), Some(true))
    );
    assert_eq!(s["rows"][0]["survey_ids"], json!(["MY-1"]));
    // The ticket ratings' figure is there as before.
    assert_eq!(fig(&a["figures"]["satisfaction"]), (4, 3, Some(75.0)));
});

both!(the_page_lists_and_fills_the_periods_survey, |t: Harness| async move {
    setup(&t).await;
    let cookies = crate::web::session(&t, "mgr_a").await;
    let (status, page) = crate::web::browse(&t, &cookies, "/surveys?period=2026-11").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("满意度调查") && page.contains("合同目标 ≥ 90%"), "{page}");
    assert!(page.contains(r#"<label>总体评价 <select name="overall""#), "{page}");
    let csrf = crate::web::csrf_of(&page);
    let (a, next) = crate::web::submit(
        &t,
        &cookies,
        "/surveys",
        &[
            ("csrf", &csrf),
            ("contract", "va-sat"),
            ("period", "2026-11"),
            ("overall", "4"),
            ("aspect:服务态度", "5"),
            ("aspect:解决质量", ""),
            ("comment", "良好"),
            ("back", "/surveys?period=2026-11"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let (_, page) = crate::web::browse(&t, &next, "/surveys?period=2026-11").await;
    assert!(
        page.contains("MY-1") && page.contains("4 · 满意") && page.contains("服务态度 5"),
        "{page}"
    );
    // Filled: the form now replaces it.
    assert!(page.contains(r#"name="replace" value="1""#), "{page}");
    // Unit B's manager sees neither the survey nor a form for this contract.
    let other = crate::web::session(&t, "mgr_b").await;
    let (_, page) = crate::web::browse(&t, &other, "/surveys?period=2026-11").await;
    assert!(!page.contains("MY-1") && !page.contains(r#"name="overall""#), "{page}");
});
