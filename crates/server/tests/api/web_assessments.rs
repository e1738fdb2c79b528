//! The assessment pages (考核, issue 27): a unit's month walked through the forms by three
//! accounts — the unit's manager creates and sends it, the vendor's manager disputes it, the unit
//! revises and sends again, the vendor agrees, the unit, the vendor and the bureau sign — each
//! reader offered only the forms the rulebook allows them now; a signature on figures that are
//! not the current ones is refused in Chinese; the printed record has one signature block per
//! required party, with who signed, and the full content hash.

use axum::http::StatusCode;
use serde_json::Value;

use crate::both;
use crate::support::Harness;
use crate::web::{browse, csrf_of, session, submit};

/// The forms of the acts offered on an assessment page, in order.
fn acts_on(html: &str) -> Vec<String> {
    html.split(r#"class="assessment-act" id="act-"#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// The hidden `hash` of the form of `act`.
fn hash_in(html: &str, act: &str) -> String {
    let form = html
        .split(&format!(r#"id="act-{act}""#))
        .nth(1)
        .unwrap_or_else(|| panic!("no form {act}"));
    form.split(r#"name="hash" value=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a hash field")
        .to_owned()
}

/// A reader of the pages: their session cookie.
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

    /// Posts the form `fields` (with the page's token) to `path`; returns the page the redirect
    /// leads to (`back`), with the message it left.
    async fn post(&self, from: &str, path: &str, fields: &[(&str, &str)], back: &str) -> String {
        let html = self.page(from).await;
        let csrf = csrf_of(&html);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let (answer, next) = submit(self.t, &self.cookie, path, &all).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}: {:?}", answer.body);
        let (status, html) = browse(self.t, &next, back).await;
        assert_eq!(status, StatusCode::OK);
        html
    }
}

both!(
    a_month_is_assessed_disputed_revised_and_signed_through_the_pages,
    |t: Harness| async move {
        crate::assessments::setup(&t).await;
        let unit = Reader {
            t: &t,
            cookie: session(&t, "mgr_a").await,
        };
        let vendor = Reader {
            t: &t,
            cookie: session(&t, "vmgr_a").await,
        };
        let bureau = Reader {
            t: &t,
            cookie: session(&t, "bureau").await,
        };
        let admin = Reader {
            t: &t,
            cookie: session(&t, "admin").await,
        };

        // The list: the nav link for readers of assessments, the form for the buyer's managers.
        let html = unit.page("/assessments").await;
        assert!(html.contains(r#"id="nav-assessments""#) && html.contains(r#"id="assessment-form""#));
        assert!(html.contains(r#"<option value="va-84">"#), "{html}");
        let html = vendor.page("/assessments").await;
        assert!(html.contains(r#"id="nav-assessments""#) && !html.contains(r#"id="assessment-form""#));
        let eng = session(&t, "eng_a").await;
        assert_eq!(browse(&t, &eng, "/assessments").await.0, StatusCode::FORBIDDEN);
        assert!(!browse(&t, &eng, "/board").await.1.contains(r#"id="nav-assessments""#));

        // The unit's manager creates November's assessment of their unit.
        let html = unit
            .post(
                "/assessments",
                "/assessments",
                &[("contract", "va-84"), ("period", "2026-11"), ("unit", "")],
                "/assessments",
            )
            .await;
        let list: Value = t.get("mgr_a", "/api/v1/assessments").await.expect(StatusCode::OK);
        let id = list[0]["id"].as_i64().unwrap();
        let page = format!("/assessments/{id}");
        assert!(html.contains(&format!("新建考核 A-{id} ✓")), "{html}");
        let html = unit.page(&page).await;
        assert_eq!(acts_on(&html), ["revise", "send"]);
        // A unit's assessment: the unit's tickets; the deductions are the whole contract's.
        assert!(
            html.contains(r#"id="deductions-whole""#) && !html.contains(r#"id="deduction-total""#),
            "{html}"
        );
        assert!(acts_on(&vendor.page(&page).await).is_empty(), "a draft is the buyer's");
        assert_eq!(
            browse(&t, &session(&t, "mgr_b").await, &page).await.0,
            StatusCode::NOT_FOUND,
            "another unit's manager does not see it"
        );

        // Sent; the vendor disputes one point.
        let hash = hash_in(&html, "send");
        let html = unit
            .post(&page, &format!("{page}/send"), &[("hash", &hash)], &page)
            .await;
        assert!(html.contains("发送乙方确认") && html.contains("✓"), "{html}");
        assert_eq!(acts_on(&html), ["revise"]);
        let html = vendor.page(&page).await;
        assert_eq!(acts_on(&html), ["agree", "dispute"]);
        let html = vendor
            .post(
                &page,
                &format!("{page}/dispute"),
                &[("points", "修复超时次数有误\n")],
                &page,
            )
            .await;
        assert_eq!(acts_on(&html), ["reply"]);
        assert!(
            html.contains("修复超时次数有误") && html.contains(&hash[..12]),
            "the thread: {html}"
        );
        assert_eq!(acts_on(&unit.page(&page).await), ["revise", "maintain", "reply"]);

        // The unit revises (the figures measured again) and sends again; the vendor agrees.
        unit.post(&page, &format!("{page}/revise"), &[("text", "已核对")], &page)
            .await;
        let html = unit.page(&page).await;
        let hash = hash_in(&html, "send");
        unit.post(&page, &format!("{page}/send"), &[("hash", &hash)], &page)
            .await;
        let html = vendor
            .post(&page, &format!("{page}/agree"), &[("text", "")], &page)
            .await;
        assert_eq!(acts_on(&html), ["sign"]);

        // In English on the switch; the printed record stays Chinese, the paper's one language.
        let english = format!("{}; opsclock_lang=en", vendor.cookie);
        let (_, html) = browse(&t, &english, &page).await;
        assert!(
            html.contains("Awaiting signatures") && html.contains(r#"data-act="sign">Sign<"#),
            "{html}"
        );
        let (_, html) = browse(&t, &english, &format!("{page}/print")).await;
        assert!(
            html.contains("运行维护服务考核记录") && html.contains("待签字"),
            "{html}"
        );

        // A signature on figures other than the current ones is refused, in Chinese.
        let stale = "0".repeat(64);
        let html = vendor
            .post(&page, &format!("{page}/sign"), &[("hash", &stale)], &page)
            .await;
        assert!(html.contains("考核内容已变化，请刷新后再签字或发送"), "{html}");
        assert!(!html.contains("the figures changed"), "Chinese only: {html}");
        assert_eq!(acts_on(&html), ["sign"], "nothing was signed");

        // The three parties sign, each with their own account and the hash their page showed.
        for (who, last) in [(&unit, false), (&vendor, false), (&bureau, true)] {
            let html = who.page(&page).await;
            assert!(acts_on(&html).contains(&"sign".to_owned()), "{html}");
            let signed = hash_in(&html, "sign");
            assert_eq!(signed, hash);
            let html = who
                .post(&page, &format!("{page}/sign"), &[("hash", &signed)], &page)
                .await;
            assert!(!acts_on(&html).contains(&"sign".to_owned()), "signed once");
            assert_eq!(html.contains(r#"data-state="final""#), last, "{html}");
        }
        let html = admin.page(&page).await;
        assert_eq!(acts_on(&html), ["reopen"], "final: only an admin's reopening");
        for who in [&unit, &vendor, &bureau] {
            assert!(acts_on(&who.page(&page).await).is_empty());
        }

        // The printed record: in Chinese, one signature block per required party with who
        // signed, and the full hash with how to check it.
        let html = bureau.page(&format!("{page}/print")).await;
        assert!(
            html.contains("运行维护服务考核记录") && html.contains("@page{size:A4"),
            "{html}"
        );
        assert_eq!(html.matches(r#"<section class="sign""#).count(), 3, "{html}");
        for (party, who) in [
            ("甲方（区局）", "bureau"),
            ("用户单位", "mgr_a"),
            ("乙方（服务商）", "vmgr_a"),
        ] {
            assert!(html.contains(&format!("<h3>{party}</h3>")), "{party}");
            assert!(html.contains(&format!(r#"<span class="signer">{who}</span>"#)), "{who}");
        }
        assert!(!html.contains("<h3>监理</h3>"), "the supervisor is not asked to sign");
        assert!(html.contains(&format!(r#"<code id="print-hash">{hash}</code>"#)));
        assert!(html.contains(&format!("/api/v1/assessments/{id}/snapshot")) && html.contains("SHA-256"));
        assert!(html.contains("已定稿"));
    }
);
