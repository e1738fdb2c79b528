//! Which ratings a survey stands in for, and when a survey may be filled or replaced (issue 27,
//! docs/satisfaction.md): a survey replaces the unit's ticket ratings of its own period only;
//! one survey per unit, contract and month; a quarter's from its last month on; an assessment
//! counts its own contract's tickets and surveys; a final assessment's period is closed to new
//! or replaced surveys; a replacement names the version it read.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;
use crate::surveys::{contract, fig, rated, set_contract, setup, survey};

async fn rate_of(t: &Harness, period: &str) -> Value {
    t.get("bureau", &format!("/api/v1/reports/breaches?period={period}"))
        .await
        .expect(StatusCode::OK)["satisfaction_rate"]
        .clone()
}

both!(
    a_survey_stands_in_for_its_own_months_tickets_only,
    |t: Harness| async move {
        t.time.set("2026-12-02T02:00:00Z".parse().unwrap());
        set_contract(&t, json!({"target_pct": 60})).await;
        // October: 5 and 3. November: 2 and 2.
        for (date, rating) in [
            ("2026-10-05", 5),
            ("2026-10-06", 3),
            ("2026-11-02", 2),
            ("2026-11-03", 2),
        ] {
            rated(&t, date, rating).await;
        }
        // Tickets alone over the quarter: 1 of 4.
        assert_eq!(fig(&rate_of(&t, "2026-Q4").await["combined"]), (4, 1, Some(25.0)));
        // Unit A rates November 5 (非常满意): it stands in for November's two ratings only, and
        // October's 5 and 3 still count: 2 of 3, 66.7 %, which meets 60 %.
        t.post("mgr_a", "/api/v1/surveys", survey(5))
            .await
            .expect(StatusCode::CREATED);
        let r = rate_of(&t, "2026-Q4").await;
        let row = &r["rows"][0];
        assert_eq!(fig(&row["combined"]), (3, 2, Some(66.7)), "{r}");
        assert_eq!((row["replaced"].as_i64(), row["met"].as_bool()), (Some(2), Some(true)));
        // The ticket ratings are still shown apart, all four.
        assert_eq!(fig(&row["tickets"]).0, 4);
        // November alone: the survey speaks for the month.
        assert_eq!(fig(&rate_of(&t, "2026-11").await["combined"]), (1, 1, Some(100.0)));
        // October alone: no survey of October, the tickets.
        assert_eq!(fig(&rate_of(&t, "2026-10").await["combined"]), (2, 1, Some(50.0)));
    }
);

both!(
    one_survey_per_unit_contract_and_month_and_quarters_from_their_last_month,
    |t: Harness| async move {
        t.time.set("2026-11-20T02:00:00Z".parse().unwrap());
        set_contract(&t, json!({"target_pct": 90})).await;
        let mut q4 = survey(4);
        q4["period"] = json!("2026-Q4");
        // 20 November: the quarter's last month has not begun.
        let d = t
            .post("mgr_a", "/api/v1/surveys", q4.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(d.starts_with("period: 2026-Q4 is rated from its last month on"), "{d}");
        let nov = t
            .post("mgr_a", "/api/v1/surveys", survey(5))
            .await
            .expect(StatusCode::CREATED);
        // 1 December (Shanghai): it has, but November is rated already.
        t.time.set("2026-11-30T16:00:00Z".parse().unwrap());
        let d = t
            .post("mgr_a", "/api/v1/surveys", q4.clone())
            .await
            .problem(StatusCode::CONFLICT, "duplicate");
        assert!(
            d.starts_with(&format!(
                "{}: unit UA has rated contract va-sat for 2026-11 already, which 2026-Q4 overlaps",
                nov["number"].as_str().unwrap()
            )),
            "{d}"
        );
        // December is a month of its own.
        let mut dec = survey(3);
        dec["period"] = json!("2026-12");
        t.post("mgr_a", "/api/v1/surveys", dec)
            .await
            .expect(StatusCode::CREATED);
        // Another contract's survey is another matter: va-sat2 serves the same unit.
        let mut other = contract(json!({"target_pct": 90}));
        other["code"] = json!("va-sat2");
        t.put("admin", "/api/v1/contracts/va-sat2", other)
            .await
            .expect(StatusCode::OK);
        q4["contract"] = json!("va-sat2");
        t.post("mgr_a", "/api/v1/surveys", q4.clone())
            .await
            .expect(StatusCode::CREATED);
        // And the other way round: a month of a rated quarter.
        let mut oct = survey(2);
        (oct["contract"], oct["period"]) = (json!("va-sat2"), json!("2026-10"));
        let d = t
            .post("mgr_a", "/api/v1/surveys", oct)
            .await
            .problem(StatusCode::CONFLICT, "duplicate");
        assert!(d.contains("for 2026-Q4 already, which 2026-10 overlaps"), "{d}");
        assert_eq!(
            t.get("bureau", "/api/v1/surveys")
                .await
                .expect(StatusCode::OK)
                .as_array()
                .unwrap()
                .len(),
            3
        );
        // October's page: va-sat's form to fill; va-sat2's October is the quarter's, named with a
        // link and no form (replacing the quarter from a month's page would be wrong).
        let cookies = crate::web::session(&t, "mgr_a").await;
        let (_, page) = crate::web::browse(&t, &cookies, "/surveys?period=2026-10").await;
        assert_eq!(page.matches(r#"name="overall""#).count(), 1, "{page}");
        assert!(page.contains("本期已由其他期间的调查涵盖"), "{page}");
        assert!(page.contains(r#"<a href="/surveys?period=2026-Q4">MY-"#), "{page}");
        assert!(!page.contains(r#"name="replace""#), "{page}");
    }
);

both!(a_replacement_names_the_version_it_read, |t: Harness| async move {
    setup(&t).await;
    let s = t
        .post("mgr_a", "/api/v1/surveys", survey(5))
        .await
        .expect(StatusCode::CREATED);
    let path = format!("/api/v1/surveys/{}", s["number"].as_str().unwrap());
    t.put("mgr_a", &path, json!({"overall": 4, "version": 1}))
        .await
        .expect(StatusCode::OK);
    // A second manager's page still shows version 1: refused, nothing replaced.
    let d = t
        .put("mgr_a", &path, json!({"overall": 1, "version": 1}))
        .await
        .problem(StatusCode::CONFLICT, "version-conflict");
    assert!(d.contains("is at version 2, not 1"), "{d}");
    let now = t.get("bureau", &path).await.expect(StatusCode::OK);
    assert_eq!((now["overall"].as_i64(), now["version"].as_i64()), (Some(4), Some(2)));
});

/// Unit A's November assessment of `code`, created by its manager, taken to final.
async fn final_assessment(t: &Harness, code: &str) -> Value {
    let a = t
        .post(
            "mgr_a",
            "/api/v1/assessments",
            json!({"contract": code, "period": "2026-11"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = a["id"].as_i64().unwrap();
    let act = |who: &'static str, name: &'static str, body: Value| async move {
        t.post(who, &format!("/api/v1/assessments/{id}/{name}"), body)
            .await
            .expect(StatusCode::OK)
    };
    act("mgr_a", "send", json!({})).await;
    act("vmgr_a", "agree", json!({})).await;
    let hash = a["content_hash"].as_str().unwrap().to_owned();
    let mut last = Value::Null;
    for who in ["mgr_a", "vmgr_a", "bureau"] {
        last = act(who, "sign", json!({"hash": hash})).await;
    }
    assert_eq!(last["state"], json!("final"), "{last}");
    last
}

both!(
    a_final_assessments_period_takes_no_new_or_replaced_survey,
    |t: Harness| async move {
        setup(&t).await;
        let s = t
            .post("mgr_a", "/api/v1/surveys", survey(5))
            .await
            .expect(StatusCode::CREATED);
        let a = final_assessment(&t, "va-sat").await;
        let code = a["code"].as_str().unwrap();
        let d = t
            .put("mgr_a", &format!("/api/v1/surveys/{}", s["id"]), json!({"overall": 1}))
            .await
            .problem(StatusCode::CONFLICT, "invalid-transition");
        assert!(d.starts_with(&format!("{code} (2026-11) is final")), "{d}");
        // Nor a quarter's holding the month (on 1 December, when a Q4 survey may be filled): it
        // would overlap November's anyway, so make it another contract's, which the same unit's
        // final assessment of that contract closes.
        let mut other = contract(json!({"target_pct": 90}));
        other["code"] = json!("va-sat2");
        t.put("admin", "/api/v1/contracts/va-sat2", other)
            .await
            .expect(StatusCode::OK);
        final_assessment(&t, "va-sat2").await;
        let mut q4 = survey(4);
        (q4["contract"], q4["period"]) = (json!("va-sat2"), json!("2026-Q4"));
        t.post("mgr_a", "/api/v1/surveys", q4.clone())
            .await
            .problem(StatusCode::CONFLICT, "invalid-transition");
        // December, which no final assessment covers, is open.
        q4["period"] = json!("2026-12");
        t.post("mgr_a", "/api/v1/surveys", q4).await.expect(StatusCode::CREATED);
        // The signed figures are as they were: the survey of 5 stands.
        let again = t
            .get("bureau", &format!("/api/v1/surveys/{}", s["id"]))
            .await
            .expect(StatusCode::OK);
        assert_eq!(again["overall"], json!(5));
    }
);

both!(
    an_assessment_counts_its_own_contracts_tickets_and_surveys,
    |t: Harness| async move {
        // va-sat (≥ 95 %) and its renewal va-sat2 (≥ 70 %) cover the same systems and vendor.
        setup(&t).await;
        set_contract(&t, json!({"target_pct": 95})).await;
        let mut renewal = contract(json!({"target_pct": 70}));
        renewal["code"] = json!("va-sat2");
        t.put("admin", "/api/v1/contracts/va-sat2", renewal)
            .await
            .expect(StatusCode::OK);
        // Unit A rated the old contract's November 1 (很不满意).
        t.post("mgr_a", "/api/v1/surveys", survey(1))
            .await
            .expect(StatusCode::CREATED);
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-sat2", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let s = &a["figures"]["satisfaction_rate"];
        // The renewal's own row: the tickets 5 5 4 3 (75 %) under its 70 % target, the old
        // contract's survey not counted.
        let rows = s["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{s}");
        assert_eq!(rows[0]["contract"], json!("va-sat2"));
        assert_eq!((fig(&s["combined"]), fig(&s["surveys"]).0), ((4, 3, Some(75.0)), 0));
        assert_eq!(
            (s["target"]["text"].as_str(), s["met"].as_bool()),
            (Some("≥ 70%"), Some(true))
        );
        // The old contract's assessment counts its survey, under its own target.
        let old = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                json!({"contract": "va-sat", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let s = &old["figures"]["satisfaction_rate"];
        assert_eq!(
            (fig(&s["combined"]), s["met"].as_bool()),
            ((1, 0, Some(0.0)), Some(false))
        );
    }
);

both!(the_survey_page_speaks_the_readers_language, |t: Harness| async move {
    t.time.set("2026-11-20T02:00:00Z".parse().unwrap());
    set_contract(&t, json!({"target_pct": 90})).await;
    let cookies = crate::web::session(&t, "mgr_a").await;
    // A quarter too early: no form, and why.
    let (_, page) = crate::web::browse(&t, &cookies, "/surveys?period=2026-Q4").await;
    assert!(!page.contains(r#"name="overall""#), "{page}");
    assert!(
        page.contains("本期不能填写调查：2026-Q4 自季度最后一个月起方可填写"),
        "{page}"
    );
    // A refusal from the form, in Chinese.
    let (_, page) = crate::web::browse(&t, &cookies, "/surveys?period=2026-11").await;
    let csrf = crate::web::csrf_of(&page);
    let form = |csrf: &str, overall: &'static str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("contract", "va-sat".to_owned()),
            ("period", "2026-11".to_owned()),
            ("overall", overall.to_owned()),
            ("back", "/surveys?period=2026-11".to_owned()),
        ]
    };
    fn fields<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        f.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
    let f = form(&csrf, "5");
    let (a, next) = crate::web::submit(&t, &cookies, "/surveys", &fields(&f)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let (_, page) = crate::web::browse(&t, &next, "/surveys?period=2026-11").await;
    assert!(page.contains(r#"name="version" value="1""#), "{page}");
    let f = form(&crate::web::csrf_of(&page), "5");
    let (_, next) = crate::web::submit(&t, &cookies, "/surveys", &fields(&f)).await;
    let (_, page) = crate::web::browse(&t, &next, "/surveys?period=2026-11").await;
    assert!(page.contains("每个单位、合同、月份只填一份"), "{page}");
    assert!(!page.contains("one survey per unit"), "{page}");
});
