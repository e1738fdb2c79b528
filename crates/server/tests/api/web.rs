//! The web pages show no more than the API would: each reader's board, tickets, catalogue and
//! dashboard stay within their scope; forms need their CSRF token; strangers are sent to sign in.
//! (The pages' behaviour in a browser is tested by tests/e2e/run.mjs.)

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both;

both!(
    pages_stay_within_the_readers_scope,
    |t: crate::support::Harness| async move {
        let a = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "severity": "serious", "title": "a-secret-title"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let b = t
            .post(
                "eng_b",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SB", "severity": "urgent", "title": "b-own-title"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let page = |who: &'static str, path: String| {
            let t = &t;
            async move {
                let (status, kind, body) = t.download(who, &path).await;
                (status, kind, String::from_utf8(body).expect("UTF-8"))
            }
        };
        let (a_no, b_no) = (a["number"].as_str().unwrap(), b["number"].as_str().unwrap());

        // The board: one's own tickets, with countdowns and one-click actions; nobody else's.
        let (status, kind, html) = page("eng_b", "/board".into()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(html.contains("b-own-title") && html.contains(b_no), "{html}");
        assert!(!html.contains("a-secret-title") && !html.contains(a_no));
        assert!(html.contains(r#"data-live="yes""#) && html.contains(r#"data-action="acknowledge""#));

        // Another vendor's ticket is not there at all.
        let (status, _, html) = page("eng_b", format!("/tickets/{a_no}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!html.contains("a-secret-title"));
        let (status, _, html) = page("eng_a", format!("/tickets/{a_no}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("a-secret-title") && html.contains(r#"data-action="acknowledge""#));

        // A viewer reads the ticket but is offered no action.
        let (status, _, html) = page("viewer_a", format!("/tickets/{a_no}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("a-secret-title") && !html.contains(r#"id="actions""#));

        // The catalogue: one's own systems only.
        let (_, _, html) = page("eng_b", "/catalog".into()).await;
        assert!(html.contains("System B") && !html.contains("System A"));
        assert_eq!(page("eng_b", "/catalog/SA".into()).await.0, StatusCode::NOT_FOUND);
        assert_eq!(page("eng_b", "/catalog/SB".into()).await.0, StatusCode::OK);

        // The dashboard is for managers, and a unit's manager sees the unit's systems only.
        assert_eq!(page("eng_b", "/dashboard".into()).await.0, StatusCode::FORBIDDEN);
        let (status, _, html) = page("mgr_b", "/dashboard".into()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("<svg") && html.contains(r#"id="kpi-received">1<"#),
            "{html}"
        );
        assert!(!html.contains("System A"));
        let (status, _, html) = page("mgr_a", "/dashboard?period=2026-Q9".into()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("period") && !html.contains("stack"),
            "a sentence, not a trace: {html}"
        );

        // Admin pages are for admins.
        assert_eq!(page("mgr_a", "/admin/users".into()).await.0, StatusCode::FORBIDDEN);
        assert_eq!(page("admin", "/admin/users".into()).await.0, StatusCode::OK);
        for path in [
            "/admin/calendars?month=2026-10",
            "/admin/ladders",
            "/admin/windows",
            "/admin/outbox",
            "/board",
            "/tickets/new",
            "/catalog?q=System",
            "/dashboard?period=2026",
        ] {
            assert_eq!(page("admin", path.into()).await.0, StatusCode::OK, "{path}");
        }
        let (status, _, html) = page("admin", "/admin/calendars?month=262142-12".into()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");

        // Strangers are sent to sign in.
        let answer = t.get("", "/board").await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);

        // A form without its token is refused before anything happens.
        let form = format!("version={}&text=forged", a["version"]);
        let answer = t
            .raw(
                "eng_a",
                Method::POST,
                &format!("/tickets/{a_no}/act/comment"),
                Some("application/x-www-form-urlencoded"),
                form.into_bytes(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        let after = t
            .get("eng_a", &format!("/api/v1/tickets/{a_no}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["version"], a["version"], "nothing was written");
    }
);

/// A browser's session for `who`: signs in through the API and returns the cookie to send.
pub(crate) async fn session(t: &crate::support::Harness, who: &str) -> String {
    let signed_in = t
        .post(
            "",
            "/api/v1/session",
            json!({"username": who, "password": format!("password-of-{who}")}),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    let cookie = signed_in.set_cookie.expect("a session cookie");
    cookie.split(';').next().unwrap().to_owned()
}

/// GETs `path` with `cookies` (no token): the status and the page.
pub(crate) async fn browse(t: &crate::support::Harness, cookies: &str, path: &str) -> (StatusCode, String) {
    let a = t
        .with_headers("", Method::GET, path, None, &[("cookie", cookies)], vec![])
        .await;
    (a.status, a.body.as_str().unwrap_or_default().to_owned())
}

/// POSTs a page form with `cookies`; returns the answer and the cookies to follow it with
/// (the session's, plus the message the redirect leaves).
pub(crate) async fn submit(
    t: &crate::support::Harness,
    cookies: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (crate::support::Answer, String) {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let a = t
        .with_headers(
            "",
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            &[("cookie", cookies)],
            body.into_bytes(),
        )
        .await;
    let next = match a.set_cookie.as_deref().and_then(|c| c.split(';').next()) {
        Some(flash) => format!("{cookies}; {flash}"),
        None => cookies.to_owned(),
    };
    (a, next)
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page's form token.
pub(crate) fn csrf_of(html: &str) -> String {
    html.split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a token")
        .to_owned()
}

/// The `<form>` of `action` on the page, if there is one (the first).
fn form_of<'a>(html: &'a str, action: &str) -> Option<&'a str> {
    let start = html.find(&format!("/act/{action}\""))?;
    let end = html[start..].find("</form>")? + start;
    Some(&html[start..end])
}

both!(
    the_buyer_decides_a_downgrade_request_on_the_ticket_page,
    |t: crate::support::Harness| async move {
        // Unit A's manager logs an urgent fault; 30 minutes later the response (15m) is breached
        // and vendor A's engineer asks to downgrade it: a request that waits for the buyer.
        let v = t.open("mgr_a", "SA", "fault", "urgent").await;
        t.time.advance(chrono::TimeDelta::minutes(30));
        let v = t
            .act(
                "eng_a",
                &v,
                "regrade",
                json!({"severity": "minor", "reason": "只影响一台终端"}),
            )
            .await
            .expect(StatusCode::OK);
        let number = v["number"].as_str().unwrap().to_owned();
        let seq = v["claims"][0]["seq"].as_i64().unwrap();
        let page = |who: &'static str, path: String| {
            let t = &t;
            async move {
                let (status, _, body) = t.download(who, &path).await;
                assert_eq!(status, StatusCode::OK, "{path}");
                String::from_utf8(body).expect("UTF-8")
            }
        };
        let row = format!(r#"data-claim="{seq}" data-status="pending""#);

        // The vendor's engineer and manager see their request waiting, and cannot decide it.
        for who in ["eng_a", "vmgr_a"] {
            let html = page(who, format!("/tickets/{number}")).await;
            assert!(html.contains(r#"id="claims""#) && html.contains(&row), "{who}: {html}");
            assert!(html.contains("改级申请") && html.contains("待决定") && html.contains("乙方 · eng_a"));
            assert!(html.contains(r#"id="pending-badge""#), "{who}: the header says so");
            assert!(
                form_of(&html, "approve").is_none() && form_of(&html, "reject").is_none(),
                "{who}"
            );
        }
        // In English too.
        let english = t
            .with_headers(
                "eng_a",
                Method::GET,
                &format!("/tickets/{number}"),
                None,
                &[("cookie", "opsclock_lang=en")],
                vec![],
            )
            .await;
        let english = english.body.as_str().unwrap_or_default();
        assert!(
            english.contains("Re-grade Urgent → Minor: 只影响一台终端") && english.contains("Awaiting a decision"),
            "{english}"
        );
        // The unit's manager may approve or reject it (a reason is required to reject), and sees
        // none of the vendor's work as a button.
        let html = page("mgr_a", format!("/tickets/{number}")).await;
        let approve = form_of(&html, "approve").expect("an approve form");
        assert!(approve.contains(&format!(r#"name="event" value="{seq}""#)), "{approve}");
        let reject = form_of(&html, "reject").expect("a reject form");
        assert!(reject.contains(r#"<textarea name="note" required"#), "{reject}");
        for work in ["acknowledge", "arrive", "start", "pause", "resolve"] {
            assert!(
                form_of(&html, work).is_none(),
                "no {work} for the buyer's manager: {html}"
            );
        }
        // Nor on the board, which marks the ticket as awaiting a decision.
        let board = page("mgr_a", "/board".into()).await;
        let line = board
            .split(&format!(r#"<tr data-ticket="{number}""#))
            .nth(1)
            .and_then(|r| r.split("</tr>").next())
            .expect("the ticket is on the board");
        assert!(line.contains("有待确认事项"), "{line}");
        assert!(!line.contains(r#"data-action="acknowledge""#), "{line}");
        let board = page("eng_a", "/board".into()).await;
        assert!(
            board.contains(r#"data-action="acknowledge""#),
            "the vendor's engineer has it: {board}"
        );

        // Approving from the page: back to the ticket, now 轻微, the request approved by unit
        // A's manager.
        let cookies = session(&t, "mgr_a").await;
        let (_, html) = browse(&t, &cookies, &format!("/tickets/{number}")).await;
        let (answer, cookies) = submit(
            &t,
            &cookies,
            &format!("/tickets/{number}/act/approve"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &v["version"].to_string()),
                ("event", &seq.to_string()),
                ("note", "现场确认只影响一台终端"),
                ("back", &format!("/tickets/{number}")),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{:?}", answer.body);
        let (status, html) = browse(&t, &cookies, &format!("/tickets/{number}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("同意 · ") && html.contains(" ✓"), "the message: {html}");
        assert!(html.contains(r#"<span class="sev sev-minor">轻微</span>"#), "{html}");
        assert!(
            html.contains(&format!(r#"data-claim="{seq}" data-status="approved""#)) && html.contains("已同意"),
            "{html}"
        );
        assert!(html.contains("甲方 · mgr_a") && html.contains("现场确认只影响一台终端"));
        assert!(!html.contains(r#"id="pending-badge""#) && form_of(&html, "approve").is_none());
        assert!(html.contains("ev-decided"), "the timeline has the decision: {html}");
    }
);

both!(
    voiding_a_ticket_says_what_it_does_and_needs_a_note,
    |t: crate::support::Harness| async move {
        // Logged 10 minutes ago; the engineer answered 3 minutes ago and records it now.
        let v = t.open("eng_a", "SA", "fault", "urgent").await;
        t.time.advance(chrono::TimeDelta::minutes(10));
        let at = t.now() - chrono::TimeDelta::minutes(3);
        let v = t
            .act("eng_a", &v, "acknowledge", json!({"at": at}))
            .await
            .expect(StatusCode::OK);
        let v = t.act("eng_a", &v, "start", json!({})).await.expect(StatusCode::OK);
        let number = v["number"].as_str().unwrap().to_owned();
        let cookies = session(&t, "eng_a").await;
        let (_, html) = browse(&t, &cookies, &format!("/tickets/{number}")).await;
        // The timeline shows both instants of the acknowledgement.
        assert!(
            html.contains("申报 2026-11-25 10:07</time> · <time") && html.contains("记录 2026-11-25 10:10"),
            "{html}"
        );
        // The button says what it does, the form asks first and needs a note.
        let cancel = form_of(&html, "cancel").expect("a cancel form");
        assert!(
            cancel.contains("data-confirm=") && cancel.contains("作废工单"),
            "{cancel}"
        );
        assert!(cancel.contains(r#"<textarea name="note" required"#), "{cancel}");
        let pause = form_of(&html, "pause").expect("a pause form");
        assert!(
            pause.contains(r#"<textarea name="note" required"#) && pause.contains("需甲方确认"),
            "{pause}"
        );
        // The vendor does not close tickets: no such button, whatever the status.
        assert!(form_of(&html, "close").is_none());

        // Sent without a note (no browser to stop it), it is refused and the page says why.
        let (answer, with_message) = submit(
            &t,
            &cookies,
            &format!("/tickets/{number}/act/cancel"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &v["version"].to_string()),
                ("reason", "duplicate"),
                ("back", &format!("/tickets/{number}")),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let (_, html) = browse(&t, &with_message, &format!("/tickets/{number}")).await;
        assert!(
            html.contains("作废工单 · ") && html.contains("✗") && html.contains("say why in a note"),
            "{html}"
        );
        let after = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["status"], "in_progress", "nothing was voided");
        // With a note the vendor's voiding becomes a request the buyer decides.
        let (answer, _) = submit(
            &t,
            &cookies,
            &format!("/tickets/{number}/act/cancel"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &v["version"].to_string()),
                ("reason", "duplicate"),
                ("note", "与 INC-2026-000001 重复"),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let after = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["status"], "in_progress", "the buyer has not decided yet");
        assert_eq!(after["claims"][0]["kind"], "cancel", "{after}");
        let seq = after["claims"][0]["seq"].clone();
        let after = t
            .act("mgr_a", &after, "approve", json!({"event": seq}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["status"], "cancelled");
    }
);

/// The version the page's forms send back.
fn version_of(html: &str) -> String {
    html.split(r#"name="version" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with the version")
        .to_owned()
}

/// The `<details>` 更多操作 of the ticket page, if there is one.
fn more_of(html: &str) -> Option<&str> {
    let start = html.find(r#"<details class="more-actions""#)?;
    let end = html[start..].find("</details>")? + start;
    Some(&html[start..end])
}

/// The timeline entry of `kind` on the page (the last one).
fn entry_of<'a>(html: &'a str, kind: &str) -> Option<&'a str> {
    let start = html.rfind(&format!(r#"<li class="ev-{kind}">"#))?;
    let end = html[start..].find("</li>")? + start;
    Some(&html[start..end])
}

both!(
    the_impact_is_graded_and_the_title_corrected_on_the_ticket_page,
    |t: crate::support::Harness| async move {
        let v = t
            .post(
                "mgr_a",
                "/api/v1/tickets",
                json!({"kind": "security", "system": "SA", "severity": "general",
                       "title": "门户首页被篡改", "description": "首页出现异常链接\n已截图留存"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = v["number"].as_str().unwrap().to_owned();
        let path = format!("/tickets/{number}");
        let cookies = session(&t, "eng_a").await;
        let (status, html) = browse(&t, &cookies, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(r#"id="impact""#), "not graded yet: {html}");

        // The everyday buttons stay; grading and correcting wait under 更多操作, and there is
        // nothing to contest on a ticket that is not voided.
        let more = more_of(&html).expect("更多操作");
        assert!(more.contains("<summary>更多操作</summary>"), "{more}");
        assert!(form_of(more, "acknowledge").is_none() && form_of(&html, "acknowledge").is_some());
        let grade = form_of(more, "grade_impact").expect("a grade_impact form");
        assert!(
            grade.contains(r#"<select name="severity">"#) && grade.contains(r#"<textarea name="reason" required"#),
            "{grade}"
        );
        let correct = form_of(more, "correct").expect("a correct form");
        assert!(
            correct.contains(r#"value="门户首页被篡改""#)
                && correct.contains("首页出现异常链接\n已截图留存</textarea>")
                && correct.contains(r#"<textarea name="reason" required"#),
            "prefilled, and a reason is required: {correct}"
        );
        assert!(form_of(more, "contest").is_none(), "{more}");
        // A viewer is offered none of it.
        let (_, _, viewer) = t.download("viewer_a", &path).await;
        assert!(more_of(&String::from_utf8(viewer).unwrap()).is_none());

        // Without a reason (no browser to stop it) the grade is refused, and the page says why.
        let (answer, with_message) = submit(
            &t,
            &cookies,
            &format!("{path}/act/grade_impact"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &version_of(&html)),
                ("severity", "urgent"),
                ("back", &path),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let (_, html) = browse(&t, &with_message, &path).await;
        assert!(
            html.contains("事后定级 · ") && html.contains("✗") && html.contains("needs reason"),
            "{html}"
        );

        // Graded 紧急 after the event: the header says so beside the severity, which stays.
        let (answer, with_message) = submit(
            &t,
            &cookies,
            &format!("{path}/act/grade_impact"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &version_of(&html)),
                ("severity", "urgent"),
                ("reason", "泄露 3 万条用户记录，影响全市"),
                ("back", &path),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{:?}", answer.body);
        let (_, html) = browse(&t, &with_message, &path).await;
        assert!(html.contains(&format!("事后定级 · {number} ✓")), "{html}");
        assert!(
            html.contains(
                r#"<span class="sev sev-general">一般</span> <span class="impact impact-urgent" id="impact""#
            ) && html.contains(">事后定级：紧急</span>"),
            "{html}"
        );
        let graded = entry_of(&html, "impact_graded").expect("the grade in the timeline");
        assert!(
            graded.contains("<strong>事后定级</strong> · eng_a")
                && graded.contains("紧急 · 泄露 3 万条用户记录，影响全市"),
            "{graded}"
        );

        // The title corrected; the description sent back as a browser does (CRLF), unchanged.
        let (answer, with_message) = submit(
            &t,
            &cookies,
            &format!("{path}/act/correct"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &version_of(&html)),
                ("title", "门户网站首页被篡改（外链注入）"),
                ("description", "首页出现异常链接\r\n已截图留存"),
                ("reason", "标题写得不准确"),
                ("back", &path),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{:?}", answer.body);
        let (_, html) = browse(&t, &with_message, &path).await;
        assert!(html.contains(&format!("更正 · {number} ✓")), "{html}");
        assert!(
            html.contains(r#"<h2 class="title">门户网站首页被篡改（外链注入）</h2>"#),
            "{html}"
        );
        let corrected = entry_of(&html, "corrected").expect("the correction in the timeline");
        assert!(
            corrected.contains("<strong>更正</strong> · eng_a")
                && corrected.contains("标题：「门户首页被篡改」 → 「门户网站首页被篡改（外链注入）」")
                && corrected.contains("原因：标题写得不准确"),
            "{corrected}"
        );
        assert!(
            !corrected.contains("详细描述"),
            "the description did not change: {corrected}"
        );
        let after = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["impact"], "urgent");
        assert_eq!(after["severity"], "general", "the SLA severity stays");
        assert_eq!(after["title"], "门户网站首页被篡改（外链注入）");
        assert_eq!(after["description"], "首页出现异常链接\n已截图留存");

        // The description corrected too; the timeline shows what it replaced.
        let (answer, _) = submit(
            &t,
            &cookies,
            &format!("{path}/act/correct"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &version_of(&html)),
                ("title", "门户网站首页被篡改（外链注入）"),
                ("description", "首页被植入赌博外链"),
                ("reason", "补充核实结果"),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let (_, html) = browse(&t, &cookies, &path).await;
        let corrected = entry_of(&html, "corrected").expect("the second correction");
        assert!(
            corrected.contains("详细描述：「首页出现异常链接\n已截图留存」 → 「首页被植入赌博外链」")
                && !corrected.contains("标题："),
            "{corrected}"
        );

        // In English.
        let english = t
            .with_headers(
                "eng_a",
                Method::GET,
                &path,
                None,
                &[("cookie", "opsclock_lang=en")],
                vec![],
            )
            .await;
        let english = english.body.as_str().unwrap_or_default();
        assert!(
            english.contains(">Impact grade: Urgent</span>") && english.contains("<summary>More actions</summary>"),
            "{english}"
        );
        assert!(
            english.contains("<strong>Impact graded</strong>") && english.contains("<strong>Corrected</strong>"),
            "{english}"
        );
    }
);

both!(
    the_vendor_contests_on_the_ticket_page_a_ticket_the_buyer_voided,
    |t: crate::support::Harness| async move {
        let v = t.open("mgr_a", "SA", "fault", "minor").await;
        let v = t
            .act(
                "mgr_a",
                &v,
                "cancel",
                json!({"reason": "withdrawn", "note": "用户撤回"}),
            )
            .await
            .expect(StatusCode::OK);
        let number = v["number"].as_str().unwrap().to_owned();
        let path = format!("/tickets/{number}");

        // The unit's manager voided it: no contest for the buyer, which does not contest itself.
        let buyer = session(&t, "mgr_a").await;
        let (_, html) = browse(&t, &buyer, &path).await;
        assert!(form_of(&html, "contest").is_none(), "{html}");
        // Sent anyway, it is refused with the reason.
        let (answer, with_message) = submit(
            &t,
            &buyer,
            &format!("{path}/act/contest"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &version_of(&html)),
                ("reason", "x"),
                ("back", &path),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let (_, html) = browse(&t, &with_message, &path).await;
        assert!(
            html.contains("对作废提出异议 · ") && html.contains("✗") && html.contains("only the other party contests"),
            "{html}"
        );

        // Vendor A's engineer may contest it, under 更多操作, with a reason.
        let vendor = session(&t, "eng_a").await;
        let (_, html) = browse(&t, &vendor, &path).await;
        assert!(
            html.contains(r#"<span class="status" id="status">已作废</span>"#),
            "{html}"
        );
        let more = more_of(&html).expect("更多操作");
        let contest = form_of(more, "contest").expect("a contest form");
        assert!(
            contest.contains(r#"<textarea name="reason" required"#) && contest.contains("对作废提出异议"),
            "{contest}"
        );
        let (answer, with_message) = submit(
            &t,
            &vendor,
            &format!("{path}/act/contest"),
            &[
                ("csrf", &csrf_of(&html)),
                ("version", &version_of(&html)),
                ("reason", "已到场处理 2 小时，工作量应计入"),
                ("back", &path),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{:?}", answer.body);
        let (_, html) = browse(&t, &with_message, &path).await;
        assert!(html.contains(&format!("对作废提出异议 · {number} ✓")), "{html}");
        assert!(html.contains(r#"id="status">已作废</span>"#), "it stays voided");
        let contested = entry_of(&html, "contested").expect("the dispute in the timeline");
        assert!(
            contested.contains("<strong>对作废提出异议</strong> · eng_a")
                && contested.contains("已到场处理 2 小时，工作量应计入"),
            "{contested}"
        );
        let after = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(after["status"], "cancelled");
        let last = after["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["type"], "contested", "{last}");
        assert_eq!(last["data"]["reason"], "已到场处理 2 小时，工作量应计入");
    }
);

both!(
    the_new_ticket_page_says_which_targets_cannot_be_counted_and_opens_without_them,
    |t: crate::support::Harness| async move {
        // Countable from the pinned 2026-11-25 (1800 days end in October 2031), not from June
        // 2028 (they would end in 2033, past what cn-5x8 counts).
        let mut targets = crate::support::policy_targets();
        targets["fault"]["minor"]["repair"] = json!("1800d");
        t.patch(
            "admin",
            &format!("/api/v1/policies/{}", t.ids.policy),
            json!({ "targets": targets }),
        )
        .await
        .expect(StatusCode::OK);
        t.time.set("2028-06-01T02:00:00Z".parse().unwrap());
        let cookies = session(&t, "mgr_b").await;
        let (status, html) = browse(&t, &cookies, "/tickets/new").await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_of(&html);
        let fields = [
            ("csrf", csrf.as_str()),
            ("system", "SB"),
            ("kind", "fault"),
            ("severity", "minor"),
            ("severity_reason", "打印慢，不影响业务"),
            ("title", "打印慢"),
        ];
        let (answer, _) = submit(&t, &cookies, "/tickets/new/preview", &fields).await;
        assert_eq!(answer.status, StatusCode::OK);
        let html = answer.body.as_str().unwrap_or_default().to_owned();
        assert!(
            html.contains("id=\"preview-unapplied\"")
                && html.contains("以下时限在日历中无法计算")
                && html.contains("1800d"),
            "{html}"
        );
        let (answer, _) = submit(&t, &cookies, "/tickets/new", &fields).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{:?}", answer.body);
    }
);
