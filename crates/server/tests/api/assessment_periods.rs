//! Quarter and year assessments (issue 27): seed 003's year is the mean of its months, graded
//! (附件7, L906: "全年各月分数平均值即为当年运维评价得分，90 分以上为优秀，80 分到 90 分为良好，60 分到
//! 80 分为及格，60 分以下为不及格"), each month as its final monthly assessment scored it; a month
//! below 60 costs 40 % of its fee (附件6 第11项, L231). Worked by hand: January full marks (100),
//! February every application item's quality 0 (50), March assessed but not final (not
//! counted): the quarter's mean is (100 + 50) / 2 = 75.00, February's decision is a6-11, and
//! the year (January and February final) is 75.00, 及格 (60 to 80).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// The whole contract's `month` scored with `scores`, taken to final if `sign`; its id.
async fn month(t: &Harness, month: &str, scores: &scorecard::Entries, sign: bool) -> i64 {
    let a = t
        .post(
            "bureau",
            "/api/v1/assessments",
            json!({"contract": "va-84", "period": month, "scheme": "003-sme-platform"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = a["id"].as_i64().unwrap();
    let path = |act: &str| format!("/api/v1/assessments/{id}/{act}");
    let r = t
        .post("bureau", &path("revise"), json!({"scores": scores}))
        .await
        .expect(StatusCode::OK);
    if sign {
        let hash = r["content_hash"].as_str().unwrap().to_owned();
        t.post("bureau", &path("send"), json!({})).await.expect(StatusCode::OK);
        t.post("vmgr_a", &path("agree"), json!({})).await.expect(StatusCode::OK);
        for who in ["vmgr_a", "bureau"] {
            t.post(who, &path("sign"), json!({"hash": hash}))
                .await
                .expect(StatusCode::OK);
        }
    }
    id
}

both!(
    a_quarter_and_a_year_are_decided_from_their_final_months,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        let scheme = opsclock::app::assessments::schemes::get("003-sme-platform").unwrap();
        let full = scorecard::Entries::full_marks(&scheme);
        let mut low = full.clone();
        for (category, item) in scheme.items() {
            if category.id == "app" {
                low.set(&item.id, "quality", scorecard::Dec2::ZERO);
            }
        }
        let jan = month(&t, "2026-01", &full, true).await;
        let feb = month(&t, "2026-02", &low, true).await;
        month(&t, "2026-03", &full, false).await;

        let q = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-Q1", "scheme": "003-sme-platform"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(q["period"], "2026-Q1");
        let sc = &q["figures"]["scorecard"];
        assert_eq!(sc["period_kind"], "quarter", "{sc}");
        assert_eq!(sc["mean"], "75.00");
        assert_eq!(sc["missing"], json!(["2026-03"]), "March is not final");
        assert_eq!(sc["from_assessments"], json!([format!("A-{jan}"), format!("A-{feb}")]));
        let decisions: Vec<(&str, &str)> = sc["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["rule"].as_str().unwrap(), d["month"].as_str().unwrap()))
            .collect();
        assert_eq!(decisions, [("a6-11", "2026-02")]);
        assert_eq!(sc["grade"], Value::Null, "a quarter has no grade");
        // The quarter's figures are the quarter's: its tickets, not a month's.
        assert_eq!(q["figures"]["period"], "2026-Q1");

        let y = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026", "scheme": "003-sme-platform"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let sc = &y["figures"]["scorecard"];
        assert_eq!(
            (sc["period_kind"].as_str(), sc["mean"].as_str()),
            (Some("year"), Some("75.00"))
        );
        assert_eq!(sc["grade"]["name"], "及格", "{sc}");
        assert_eq!(sc["missing"].as_array().unwrap().len(), 10);
        // A month is listed by its own period; the periods filter too.
        let listed = t
            .get("bureau", "/api/v1/assessments?period=2026-Q1")
            .await
            .expect(StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 1);
        // Not a period.
        for bad in ["2026-Q5", "2026-13", "26", "2026-1"] {
            t.post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": bad, "scheme": "003-sme-platform"}),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        }
    }
);
