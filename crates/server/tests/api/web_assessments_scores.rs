//! Scores entered on the assessment page (考核评分, issue 27): the contract names seed 003's
//! scheme, so the bureau's assessment of the whole contract takes it; the bureau's page offers
//! a sheet with one row per item and one field per aspect, its maximum shown; a score above its
//! maximum, an item left unscored or a field that is not a number comes back on the same page
//! (422), in Chinese, with what was typed kept and the fields at fault marked, and nothing
//! stored; the scores accepted, the figures show the month's score and grade. The vendor, who
//! may not revise, gets no sheet.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;
use crate::web::{browse, csrf_of, session, submit};

/// The fields of a sheet: every aspect of every item at `full` marks, but those of `except`
/// (item, aspect, text).
fn sheet(except: &[(&str, &str, &str)]) -> Vec<(String, String)> {
    let scheme = opsclock::app::assessments::schemes::get("003-sme-platform").unwrap();
    let mut out = Vec::new();
    for (_, item) in scheme.items() {
        for a in scheme.aspects_of(item) {
            let given = except
                .iter()
                .find(|(i, s, _)| *i == item.id && *s == a.id)
                .map_or_else(|| a.max(item.points).unwrap().to_string(), |(_, _, v)| (*v).to_owned());
            out.push((format!("s.{}.{}", item.id, a.id), given));
        }
    }
    out
}

/// The `value` of the field `name` on the page.
fn value_of(html: &str, name: &str) -> String {
    html.split(&format!(r#"name="{name}" value=""#))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no field {name}"))
        .to_owned()
}

/// Sends the sheet `fields` as `cookie` to assessment `id`; the answer and the page it leads to.
async fn send(t: &Harness, cookie: &str, id: i64, fields: &[(String, String)]) -> (StatusCode, String) {
    let page = format!("/assessments/{id}");
    let csrf = csrf_of(&browse(t, cookie, &page).await.1);
    let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf), ("scores", "1")];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (answer, next) = submit(t, cookie, &format!("{page}/revise"), &all).await;
    if answer.status == StatusCode::SEE_OTHER {
        let (status, html) = browse(t, &next, &page).await;
        assert_eq!(status, StatusCode::OK);
        return (answer.status, html);
    }
    (answer.status, answer.body.as_str().unwrap_or_default().to_owned())
}

both!(
    scores_are_entered_on_the_page_and_refusals_come_back_beside_the_sheet,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        // The contract names its scheme; an assessment created without one takes it.
        let mut contract: Value = t.get("admin", "/api/v1/contracts/va-84").await.expect(StatusCode::OK);
        contract["scheme"] = json!("003-sme-platform");
        t.put("admin", "/api/v1/contracts/va-84", contract)
            .await
            .expect(StatusCode::OK);
        let a = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(a["scheme"], "003-sme-platform");
        let id = a["id"].as_i64().unwrap();
        let page = format!("/assessments/{id}");
        let bureau = session(&t, "bureau").await;
        let vendor = session(&t, "vmgr_a").await;

        // The sheet: each item with its aspects and their maxima (10 points: 3 / 5 / 2), empty.
        let (_, html) = browse(&t, &bureau, &page).await;
        assert!(html.contains(r#"id="scores-form""#), "{html}");
        assert!(html.contains(r#"id="scorecard-empty""#), "not scored yet: {html}");
        assert_eq!(html.matches(r#"<tr data-item=""#).count(), 24);
        assert!(
            html.contains("企业一体化申报运维") && html.contains("完成时效（≤ 3.00）"),
            "{html}"
        );
        assert!(html.contains("完成质量（≤ 5.00）") && html.contains("文档记录（≤ 2.00）"));
        assert!(html.contains("完成时效（≤ 2.10）"), "7 points: 2.10 / 3.50 / 1.40");
        assert_eq!(value_of(&html, "s.a01.timeliness"), "");
        // The vendor may not revise: no sheet.
        let (_, html) = browse(&t, &vendor, &page).await;
        assert!(!html.contains(r#"id="scores-form""#), "{html}");

        // Above the maximum, and an item left unscored: the page again, the reason beside the
        // sheet, what was typed kept, the fields at fault marked, nothing stored.
        let mut fields = sheet(&[("a01", "timeliness", "3.5")]);
        fields.retain(|(k, _)| !k.starts_with("s.a02."));
        let (status, html) = send(&t, &bureau, id, &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        let error = html
            .split(r#"id="scores-error" role="alert">"#)
            .nth(1)
            .and_then(|r| r.split("</p>").next())
            .expect("the reason beside the sheet");
        assert_eq!(
            error,
            "企业一体化申报运维·完成时效：3.50 超过该方面满分 3.00；重点企业特训营管理运维：未评分"
        );
        assert_eq!(value_of(&html, "s.a01.timeliness"), "3.5", "kept as typed");
        assert_eq!(value_of(&html, "s.a01.quality"), "5.00");
        assert!(html.contains(r#"name="s.a01.timeliness" value="3.5" inputmode="decimal" size="5" maxlength="12" data-max="3.00" aria-invalid="true""#));
        assert!(!html.contains(r#"name="s.a01.quality" value="5.00" inputmode="decimal" size="5" maxlength="12" data-max="5.00" aria-invalid"#));
        assert!(html.contains(r#"name="s.a02.quality" value="" inputmode="decimal" size="5" maxlength="12" data-max="5.00" aria-invalid="true""#));
        let stored = t
            .get("bureau", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(stored["figures"]["scorecard"]["entered"], false);
        assert_eq!(stored["version"], a["version"], "nothing was written");

        // Not a number: said so, by name.
        let (status, html) = send(&t, &bureau, id, &sheet(&[("i01", "quality", "三")])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("基础软件日常巡检与监控·完成质量：「三」不是有效的分数（最多两位小数）"),
            "{html}"
        );

        // Accepted: infrastructure loses 基础软件日常巡检与监控 (7 points), so 93; the month is
        // the lower category's (the scheme's reading): 93.00, 优秀.
        let zero = [
            ("i01", "timeliness", "0"),
            ("i01", "quality", "0"),
            ("i01", "documentation", "0"),
        ];
        let (status, html) = send(&t, &bureau, id, &sheet(&zero)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(html.contains("保存评分并重新计算 · A-") && html.contains("✓"), "{html}");
        assert!(html.contains(r#"id="month-score">93.00<"#), "{html}");
        assert!(html.contains(r#"id="month-grade">优秀<"#), "{html}");
        assert!(!html.contains(r#"id="scores-error""#));
        assert_eq!(
            value_of(&html, "s.i01.quality"),
            "0.00",
            "the sheet shows the scores stored"
        );
        let stored = t
            .get("bureau", &format!("/api/v1/assessments/{id}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(stored["figures"]["scorecard"]["score"], "93.00");
        assert_eq!(stored["figures"]["scorecard"]["grade"], "优秀");
        // The vendor reads the score in the figures.
        let (_, html) = browse(&t, &vendor, &page).await;
        assert!(html.contains(r#"id="month-score">93.00<"#));

        // A quarter is scored by its months' final assessments, not by hand: no sheet; its
        // months (none final yet) and their mean in the figures.
        let q = t
            .post(
                "bureau",
                "/api/v1/assessments",
                json!({"contract": "va-84", "period": "2026-Q4"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let (status, html) = browse(&t, &bureau, &format!("/assessments/{}", q["id"])).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(r#"id="scores-form""#), "{html}");
        assert!(
            html.contains(r#"<tr data-month="2026-11">"#) && html.contains(r#"id="period-mean">—<"#),
            "{html}"
        );
    }
);
