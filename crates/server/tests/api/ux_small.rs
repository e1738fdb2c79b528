//! The smaller points of issue 26, each as the reader meets it on a page: a unit manager's
//! signable report says deductions are not shown to that role (never 「无」), the availability
//! chart draws its target and labels its axis, the new password is typed twice, long
//! descriptions fold away so the clocks stay on screen, and every action card has a title.

use axum::http::StatusCode;

use crate::both;
use crate::web::{browse, csrf_of, session, submit};

/// The deductions section of the printable report: from its heading to the end of its table.
fn deductions_section(page: &str) -> &str {
    let from = page.find(r#"<h2 id="deductions">"#).expect("a deductions section");
    let rest = &page[from..];
    &rest[..rest.find("</table>").expect("its table")]
}

const WITHHELD: &str = "扣款由采购方（区局）管理人员查看，本角色不显示";

both!(
    a_unit_managers_report_says_deductions_are_not_shown_rather_than_none,
    |t: crate::support::Harness| async move {
        t.time.set("2026-12-02T02:00:00Z".parse().unwrap());
        // A unit's manager may not see deductions: the page the manager signs says so.
        let cookies = session(&t, "mgr_a").await;
        let (status, page) = browse(&t, &cookies, "/reports/breaches?period=2026-11").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let section = deductions_section(&page);
        assert!(section.contains(WITHHELD), "{section}");
        assert!(!section.contains(">无<"), "{section}");
        // So does the dashboard, and the JSON says why the list is empty.
        let (status, dash) = browse(&t, &cookies, "/dashboard?period=2026-11").await;
        assert_eq!(status, StatusCode::OK);
        assert!(dash.contains(WITHHELD), "{dash}");
        let r = t
            .get("mgr_a", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["deductions_withheld"], true, "{r}");
        // The XLSX sheet says it under its header.
        let (status, _, bytes) = t
            .download("mgr_a", "/api/v1/reports/breaches?period=2026-11&format=xlsx")
            .await;
        assert_eq!(status, StatusCode::OK);
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("违约扣款").unwrap();
        assert_eq!(sheet.get_value((1, 0)).unwrap().to_string(), WITHHELD);

        // The bureau's manager reads every unit and the deductions: here no contract applies,
        // so the section truly has none, and says 「无」.
        let cookies = session(&t, "bureau").await;
        let (status, page) = browse(&t, &cookies, "/reports/breaches?period=2026-11").await;
        assert_eq!(status, StatusCode::OK);
        let section = deductions_section(&page);
        assert!(section.contains(">无<") && !section.contains(WITHHELD), "{section}");
        let r = t
            .get("bureau", "/api/v1/reports/breaches?period=2026-11")
            .await
            .expect(StatusCode::OK);
        assert_eq!(r["deductions_withheld"], false, "{r}");
    }
);

both!(
    the_new_password_is_typed_twice_and_a_mismatch_saves_nothing,
    |t: crate::support::Harness| async move {
        let cookies = session(&t, "eng_a").await;
        let (status, form) = browse(&t, &cookies, "/me/password").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            form.contains("确认新密码") && form.contains(r#"name="confirm""#),
            "{form}"
        );
        let csrf = csrf_of(&form);
        let (a, _) = submit(
            &t,
            &cookies,
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current", "password-of-eng_a"),
                ("new", "a-new-password-1"),
                ("confirm", "a-new-password-2"),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::OK);
        let page = a.body.as_str().unwrap_or_default();
        assert!(page.contains("两次输入的新密码不一致，密码未修改"), "{page}");
        // Nothing was saved: the old password still signs in.
        session(&t, "eng_a").await;
        // Typed the same twice, it is saved.
        let (a, _) = submit(
            &t,
            &cookies,
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current", "password-of-eng_a"),
                ("new", "a-new-password-1"),
                ("confirm", "a-new-password-1"),
            ],
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
        let old = t
            .post(
                "",
                "/api/v1/session",
                serde_json::json!({"username": "eng_a", "password": "password-of-eng_a"}),
            )
            .await;
        assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    }
);

both!(
    a_long_description_folds_away_and_every_action_card_has_a_title,
    |t: crate::support::Harness| async move {
        t.time.set("2026-11-25T02:00:00Z".parse().unwrap());
        let long = "数据库连接池耗尽，应用日志持续报错。".repeat(250);
        assert!(long.chars().count() > 4000);
        let opened = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                serde_json::json!({"kind": "fault", "system": "SA", "severity": "serious",
                       "title": "长描述", "description": long}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = opened["number"].as_str().unwrap().to_owned();
        let cookies = session(&t, "eng_a").await;
        let (status, page) = browse(&t, &cookies, &format!("/tickets/{number}")).await;
        assert_eq!(status, StatusCode::OK);
        // Folded: the first 300 characters and 展开全文, the whole text inside the <details>.
        let folded = page
            .split(r#"<details class="long-description" id="description">"#)
            .nth(1)
            .expect("a folded description");
        assert!(folded.contains("展开全文（4500 字）"), "{folded}");
        assert!(page.find(r#"id="description""#) < page.find(r#"id="clocks""#));
        // A short description is shown as it is.
        let short = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                serde_json::json!({"kind": "fault", "system": "SA", "severity": "serious",
                       "title": "短描述", "description": "接口超时"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let (_, short_page) = browse(&t, &cookies, &format!("/tickets/{}", short["number"].as_str().unwrap())).await;
        assert!(
            short_page.contains(r#"<p class="pre">接口超时</p>"#) && !short_page.contains("long-description"),
            "{short_page}"
        );

        // Each action form opens with its title.
        let forms: Vec<&str> = page.split(r#"<form method="post" action="/tickets/"#).skip(1).collect();
        assert!(forms.len() >= 3, "{page}");
        for form in forms {
            let form = &form[..form.find("</form>").unwrap()];
            if form.contains("/act/") {
                assert!(form.contains(r#"<h3 class="action-title">"#), "{form}");
            }
        }
        assert!(page.contains(r#"<h3 class="action-title">响应工单</h3>"#), "{page}");
    }
);

both!(
    the_availability_chart_labels_its_axis,
    |t: crate::support::Harness| async move {
        t.time.set("2026-12-02T02:00:00Z".parse().unwrap());
        let cookies = session(&t, "bureau").await;
        let (status, dash) = browse(&t, &cookies, "/dashboard?period=2026-11").await;
        assert_eq!(status, StatusCode::OK);
        let chart = dash
            .split(r#"id="chart-availability">"#)
            .nth(1)
            .and_then(|c| c.split("</svg>").next())
            .expect("the availability chart");
        // Both systems served the whole month: the axis starts at 90 % and says so.
        assert!(chart.contains(r#"data-row="System A""#), "{chart}");
        assert!(
            chart.contains(r#"data-axis="start">90 %"#) && chart.contains(r#"data-axis="end">100 %"#),
            "{chart}"
        );
    }
);
