//! The periodic report pages (定期报告, issue 28): vendor A's engineer writes November's 月报
//! and submits it through the forms (refused in Chinese while a part is empty); the bureau's
//! manager returns it with a reason, then acknowledges it; each reader is offered only the forms
//! of their side; a unit's manager has no link and no page; a report past its due date is marked
//! late in the list and on its page.

use axum::http::StatusCode;

use crate::both;
use crate::periodic_reports::{november, sweep};
use crate::support::Harness;
use crate::web::{browse, csrf_of, session, submit};

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

    /// Posts `fields` (with the token of `page`) to `action`; returns `page` as the redirect
    /// shows it, with the message it left.
    async fn post(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> String {
        let html = self.page(page).await;
        let csrf = csrf_of(&html);
        let version = version_of(&html);
        let mut all = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
        all.extend_from_slice(fields);
        let (answer, next) = submit(self.t, &self.cookie, action, &all).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{action}: {:?}", answer.body);
        let (status, html) = browse(self.t, &next, page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        html
    }
}

/// The version the page's forms carry.
fn version_of(html: &str) -> String {
    html.split(r#"name="version" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a version")
        .to_owned()
}

/// The report's state as its page says it.
fn state_of(html: &str) -> &str {
    html.split(r#"id="report-state" data-state=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the report's state")
}

/// The forms the page offers, by id.
fn forms_on(html: &str) -> Vec<&str> {
    ["report-write", "report-acknowledge", "report-return"]
        .into_iter()
        .filter(|id| html.contains(&format!(r#"id="{id}""#)))
        .collect()
}

/// The list's row of report `number`.
fn row_of<'a>(html: &'a str, number: &str) -> &'a str {
    let start = html
        .find(&format!(r#"id="report-{number}""#))
        .unwrap_or_else(|| panic!("{number} not listed: {html}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

const FIRST: &str = "服务受理工作进展";
const SECOND: &str = "非故障响应支持工作进展";

both!(
    the_vendor_writes_and_submits_the_bureau_returns_then_acknowledges_through_the_pages,
    |t: Harness| async move {
        let number = november(&t).await;
        t.time.set("2026-11-30T08:00:00Z".parse().unwrap());
        let path = format!("/periodic-reports/{number}");
        let vendor = Reader {
            t: &t,
            cookie: session(&t, "eng_a").await,
        };
        let bureau = Reader {
            t: &t,
            cookie: session(&t, "bureau").await,
        };

        // A unit's people: no link, no list, no report (a contract's report covers every unit).
        let unit = session(&t, "mgr_a").await;
        let (status, board) = browse(&t, &unit, "/board").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !board.contains(r#"id="nav-periodic-reports""#),
            "no link for a unit's manager"
        );
        for p in ["/periodic-reports", path.as_str(), &format!("{path}/docx")] {
            let (status, html) = browse(&t, &unit, p).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
            assert!(!html.contains("电源模块故障"), "nothing of the report leaks");
        }

        // The vendor's engineer finds it from the board's link, open and not late.
        let board = vendor.page("/board").await;
        assert!(board.contains(r#"<a href="/periodic-reports" id="nav-periodic-reports""#));
        let list = vendor.page("/periodic-reports").await;
        let row = row_of(&list, &number);
        assert!(row.contains(r#"data-state="open""#) && row.contains("待提交"), "{row}");
        assert!(
            row.contains("运维月报") && row.contains("2026-11") && row.contains("va-rpt"),
            "{row}"
        );
        assert!(
            row.contains("2026-12-02 00:00"),
            "due the end of 1 December, Beijing time: {row}"
        );
        assert!(!row.contains(r#"data-late="yes""#), "not late yet: {row}");

        // The report: its facts, its sections filled from November's record, the form for its parts.
        let page = vendor.page(&path).await;
        assert_eq!(state_of(&page), "open");
        assert!(page.contains("月结束后第 1 个工作日（含当日）"), "the due rule");
        for section in [
            "工单统计",
            "分类统计",
            "告警",
            "时限达成",
            "超时明细",
            "故障登记",
            "问题单",
        ] {
            assert!(page.contains(&format!("<h3>{section}</h3>")), "{section}: {page}");
        }
        assert!(
            page.contains("电源模块故障") && page.contains("更换电源模块"),
            "the incident's cause and fix"
        );
        assert_eq!(
            forms_on(&page),
            ["report-write"],
            "the vendor writes; the bureau decides"
        );
        assert!(
            page.contains(&format!(r#"name="part:{FIRST}""#)) && page.contains(&format!(r#"name="part:{SECOND}""#))
        );
        assert!(page.contains(&format!(r#"href="{path}/docx""#)));

        // Saved with one part written; submitting with the other empty is refused, naming it.
        // (Submitting is the form's second button, posting to its own address.)
        let submit_to = format!("{path}/submit");
        assert!(
            page.contains(&format!(r#"formaction="{submit_to}" id="report-submit""#)),
            "{page}"
        );
        let first_part = format!("part:{FIRST}");
        let second_part = format!("part:{SECOND}");
        let html = vendor
            .post(&path, &path, &[(&first_part, "本月受理 3 件，均已处理")])
            .await;
        assert!(html.contains(&format!("定期报告 {number} ✓")), "{html}");
        assert!(html.contains("本月受理 3 件，均已处理</textarea>"), "the part is kept");
        let html = vendor
            .post(&path, &submit_to, &[(&first_part, "本月受理 3 件，均已处理")])
            .await;
        assert!(
            html.contains("✗") && html.contains(SECOND),
            "the empty part is named: {html}"
        );
        assert_eq!(state_of(&html), "open");
        let html = vendor
            .post(
                &path,
                &submit_to,
                &[
                    (&first_part, "本月受理 3 件，均已处理"),
                    (&second_part, "配合网络调整 1 次"),
                ],
            )
            .await;
        assert!(html.contains(&format!("定期报告 {number} ✓")), "{html}");
        assert_eq!(state_of(&html), "submitted");
        assert!(html.contains(r#"id="report-submitted"><code>eng_a</code>"#), "{html}");
        assert!(html.contains("以下表格为提交时的记录"), "frozen");
        assert_eq!(forms_on(&html), Vec::<&str>::new(), "nothing left for the vendor to do");
        assert!(html.contains("配合网络调整 1 次"), "the parts are shown");

        // The bureau's manager returns it: without a reason refused, with one open again.
        let page = bureau.page(&path).await;
        assert_eq!(forms_on(&page), ["report-acknowledge", "report-return"]);
        let decide = format!("{path}/decide");
        let html = bureau.post(&path, &decide, &[("act", "return")]).await;
        assert!(html.contains("✗"), "a return needs a reason: {html}");
        assert_eq!(state_of(&html), "submitted");
        let html = bureau
            .post(&path, &decide, &[("act", "return"), ("note", "请补充告警分析")])
            .await;
        assert_eq!(state_of(&html), "open");
        assert!(html.contains(r#"id="report-returned-note">请补充告警分析<"#), "{html}");
        assert_eq!(forms_on(&html), Vec::<&str>::new(), "the bureau waits for the vendor");

        // The vendor sees why, and submits again; the bureau acknowledges.
        let page = vendor.page(&path).await;
        assert!(page.contains("请补充告警分析") && page.contains("配合网络调整 1 次</textarea>"));
        let html = vendor
            .post(
                &path,
                &submit_to,
                &[
                    (&first_part, "本月受理 3 件，均已处理；告警 1 件已分析"),
                    (&second_part, "配合网络调整 1 次"),
                ],
            )
            .await;
        assert_eq!(state_of(&html), "submitted", "{html}");
        let html = bureau.post(&path, &decide, &[("act", "acknowledge")]).await;
        assert!(html.contains(&format!("定期报告 {number} ✓")), "{html}");
        assert_eq!(state_of(&html), "acknowledged");
        assert!(
            html.contains(r#"id="report-acknowledged"><code>bureau</code>"#),
            "{html}"
        );
        assert_eq!(forms_on(&html), Vec::<&str>::new());
        let api = t.get("bureau", &format!("/api/v1{path}")).await.expect(StatusCode::OK);
        assert_eq!(api["narrative"][0]["text"], "本月受理 3 件，均已处理；告警 1 件已分析");
        assert_eq!(api["late"], false);

        // The Word file, from the page's link.
        let (status, kind, bytes) = t.download("bureau", &format!("{path}/docx")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.contains("wordprocessingml"), "{kind}");
        assert!(bytes.starts_with(b"PK"), "a zip");

        // In English, the same page in the reader's words.
        let (status, english) = browse(&t, &format!("{}; opsclock_lang=en", bureau.cookie), &path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            english.contains("Tickets") && english.contains("acknowledged"),
            "{english}"
        );
    }
);

both!(
    a_report_past_its_due_date_is_marked_late_and_a_provisional_due_date_says_so,
    |t: Harness| async move {
        let number = november(&t).await;
        // The due instant (the end of 1 December, Beijing) passes with nothing submitted.
        t.time.set("2026-12-01T16:00:01Z".parse().unwrap());
        assert_eq!(sweep(&t).await.breached, 1);
        let bureau = Reader {
            t: &t,
            cookie: session(&t, "bureau").await,
        };
        let list = bureau.page("/periodic-reports").await;
        let row = row_of(&list, &number);
        assert!(
            row.contains(r#"<span class="badge late" data-late="yes">逾期</span>"#),
            "{row}"
        );
        let page = bureau.page(&format!("/periodic-reports/{number}")).await;
        assert!(page.contains(r#"id="report-late""#), "{page}");
        // December's report, created by the same round, is due in January 2027, past the
        // published holidays: provisional, and not late.
        let late = bureau.page("/periodic-reports?late=true").await;
        assert!(late.contains(&format!(r#"id="report-{number}""#)));
        assert_eq!(late.matches("data-report=").count(), 1, "only the late one: {late}");
        let all = bureau.page("/periodic-reports?contract=va-rpt").await;
        assert_eq!(all.matches("data-report=").count(), 2, "{all}");
        let december = t
            .get("bureau", "/api/v1/periodic-reports?contract=va-rpt&late=false")
            .await
            .expect(StatusCode::OK);
        assert_eq!(december[0]["period"], "2026-12", "{december}");
        assert_eq!(december[0]["due_provisional"], true, "{december}");
        let december = december[0]["number"].as_str().unwrap();
        let row = row_of(&all, december);
        assert!(
            row.contains(r#"<abbr class="provisional""#) && row.contains("暂定"),
            "{row}"
        );
        assert!(!row.contains(r#"data-late="yes""#), "{row}");
        // A state the list does not know is said, not ignored.
        let (status, _) = browse(&t, &bureau.cookie, "/periodic-reports?state=lost").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both!(
    a_withdrawn_report_reads_as_withdrawn_with_no_form_and_an_administrator_gets_no_form,
    |t: Harness| async move {
        let number = november(&t).await;
        let path = format!("/periodic-reports/{number}");
        // The administrator reads it but is offered no form: it is on no side.
        let admin = Reader {
            t: &t,
            cookie: session(&t, "admin").await,
        };
        let html = admin.page(&path).await;
        assert!(forms_on(&html).is_empty(), "{html}");
        // The duty dropped: withdrawn, read live (not "frozen"), and nobody may write.
        let mut without = crate::periodic_reports::contract();
        without["reports"] = serde_json::json!([]);
        t.put("admin", "/api/v1/contracts/va-rpt", without)
            .await
            .expect(StatusCode::OK);
        sweep(&t).await;
        let engineer = Reader {
            t: &t,
            cookie: session(&t, "eng_a").await,
        };
        let html = engineer.page(&path).await;
        assert_eq!(state_of(&html), "withdrawn");
        assert!(html.contains("已撤销"), "{html}");
        assert!(forms_on(&html).is_empty(), "{html}");
        let list = engineer.page("/periodic-reports?state=withdrawn").await;
        assert!(row_of(&list, &number).contains("已撤销"), "{list}");
    }
);
