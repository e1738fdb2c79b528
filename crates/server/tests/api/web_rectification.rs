//! The rectification pages (整改通知, issue 27): a unit's manager issues an order through the
//! form; the vendor finds it on the board with its countdown and reports it done through the
//! order's page (refused in Chinese without evidence); the unit's manager accepts it; each reader
//! is offered only the forms of their side.

use axum::http::StatusCode;

use crate::both;
use crate::support::Harness;
use crate::web::{browse, csrf_of, session, submit};

/// The forms of the acts offered on an order page, in order.
fn acts_on(html: &str) -> Vec<String> {
    html.split(r#"class="order-act" id="act-"#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

struct Reader<'a> {
    t: &'a Harness,
    cookie: String,
}

impl Reader<'_> {
    async fn page(&self, path: &str) -> String {
        let (status, html) = browse(self.t, &self.cookie, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        html
    }

    /// Posts `fields` (with the token of page `from`) to `path`; returns `to` (where the
    /// redirect leads) with the message the redirect left.
    async fn post(&self, from: &str, path: &str, fields: &[(&str, &str)], to: &str) -> (String, String) {
        let html = self.page(from).await;
        let csrf = csrf_of(&html);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let (answer, next) = submit(self.t, &self.cookie, path, &all).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}: {:?}", answer.body);
        let (status, html) = browse(self.t, &next, to).await;
        assert_eq!(status, StatusCode::OK, "{to}");
        (to.to_owned(), html)
    }
}

both!(
    an_order_is_issued_reported_and_accepted_through_the_pages,
    |t: Harness| async move {
        crate::rectification::setup(&t).await;
        let unit = Reader {
            t: &t,
            cookie: session(&t, "mgr_a").await,
        };
        let vendor = Reader {
            t: &t,
            cookie: session(&t, "eng_a").await,
        };
        let list = unit.page("/rectifications").await;
        assert!(list.contains(r#"id="order-form""#), "the unit's manager may issue");
        assert!(list.contains(r#"<option value="SA">"#), "its systems are offered");
        assert!(!list.contains(r#"<option value="SB">"#), "another unit's are not");
        let (to, html) = unit
            .post(
                "/rectifications",
                "/rectifications",
                &[
                    ("contract", "va-zg"),
                    ("system", "SA"),
                    ("source", "other"),
                    ("title", "机房巡检记录缺失"),
                    ("request", "补齐巡检记录"),
                    ("within", "3 天"),
                ],
                "/rectifications/ZG-1",
            )
            .await;
        assert_eq!(to, "/rectifications/ZG-1");
        assert!(html.contains("下达整改通知 ZG-1 ✓"), "{html}");
        assert!(html.contains(r#"data-state="issued""#));
        assert_eq!(acts_on(&html), ["withdraw"], "the issuer waits for the report");

        // A bad form comes back with the reason.
        let (to, html) = unit
            .post(
                "/rectifications",
                "/rectifications",
                &[
                    ("contract", "va-zg"),
                    ("system", "SA"),
                    ("title", "x"),
                    ("request", "y"),
                    ("within", "尽快"),
                ],
                "/rectifications",
            )
            .await;
        assert_eq!(to, "/rectifications");
        assert!(html.contains("✗") && html.contains("within"), "{html}");

        // The vendor finds it on its board, and may report it done or refuse.
        let board = vendor.page("/board").await;
        assert!(
            board.contains(r#"id="rectifications""#) && board.contains("ZG-1"),
            "{board}"
        );
        let page = vendor.page("/rectifications/ZG-1").await;
        assert_eq!(acts_on(&page), ["submit"], "a refusal is the vendor manager's");
        let (_, html) = vendor
            .post(
                "/rectifications/ZG-1",
                "/rectifications/ZG-1/submit",
                &[("text", "已补齐")],
                "/rectifications/ZG-1",
            )
            .await;
        assert!(html.contains("✗"), "no evidence, no report: {html}");
        let (_, html) = vendor
            .post(
                "/rectifications/ZG-1",
                "/rectifications/ZG-1/submit",
                &[("text", "已补齐"), ("evidence", "巡检记录扫描件")],
                "/rectifications/ZG-1",
            )
            .await;
        assert!(html.contains(r#"data-state="submitted""#), "{html}");
        assert_eq!(acts_on(&html), Vec::<String>::new());

        let page = unit.page("/rectifications/ZG-1").await;
        assert_eq!(acts_on(&page), ["accept", "reject", "withdraw"]);
        let (_, html) = unit
            .post(
                "/rectifications/ZG-1",
                "/rectifications/ZG-1/accept",
                &[],
                "/rectifications/ZG-1",
            )
            .await;
        assert!(html.contains(r#"data-state="accepted""#), "{html}");
        assert!(html.contains("巡检记录扫描件"), "the history names the evidence");
        // Nothing open: the dashboard's card says none.
        let dash = unit.page("/dashboard").await;
        assert!(dash.contains(r#"id="rectifications""#), "{dash}");
        assert!(!dash.contains(r#"data-order="ZG-1""#));
        // The month's assessment shows the order in its figures, on the page and printed.
        let a = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                serde_json::json!({"contract": "va-zg", "period": "2026-12"}),
            )
            .await
            .expect(StatusCode::CREATED);
        for path in [
            format!("/assessments/{}", a["id"]),
            format!("/assessments/{}/print", a["id"]),
        ] {
            let html = unit.page(&path).await;
            assert!(html.contains(r#"<tr data-order="ZG-1">"#), "{path}: {html}");
            assert!(
                html.contains("本期下达 1 份，验收通过 1 份，拒不整改 0 份，超期 0 份。"),
                "{path}"
            );
        }
        // Another vendor sees none of it.
        let other = Reader {
            t: &t,
            cookie: session(&t, "eng_b").await,
        };
        let (status, _) = browse(&t, &other.cookie, "/rectifications/ZG-1").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);
