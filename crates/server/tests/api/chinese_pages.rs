//! One Chinese vocabulary (issue 26): error pages say what happened in the reader's language, a
//! browser's mistyped address gets a page rather than JSON, and durations, service modes, roles
//! and the classifier's reason read as the contracts write them. (The browser test,
//! tests/e2e/run.mjs, checks every Chinese page for stray English words.)

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::web::{browse, csrf_of, session, submit};

/// The `<h1>` of a page.
fn heading(html: &str) -> &str {
    html.split("<h1>")
        .nth(1)
        .and_then(|rest| rest.split("</h1>").next())
        .unwrap_or_default()
}

both!(
    a_mistyped_address_answers_a_browser_with_a_page,
    |t: crate::support::Harness| async move {
        let html_accept = ("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        // A browser: the 404 page, in Chinese by default.
        let a = t
            .with_headers("", Method::GET, "/nonexistent", None, &[html_accept], vec![])
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert!(a.content_type.starts_with("text/html"), "{}", a.content_type);
        let html = a.body.as_str().unwrap().to_owned();
        assert_eq!(heading(&html), "页面不存在", "{html}");
        assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains(r#"href="/board""#));
        assert!(!html.contains("no such route") && !html.contains("出错了"), "{html}");
        // The same in English for a reader who chose it.
        let a = t
            .with_headers(
                "",
                Method::GET,
                "/tickets/INC/typo/x",
                None,
                &[html_accept, ("cookie", "opsclock_lang=en")],
                vec![],
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(heading(a.body.as_str().unwrap()), "Not found");
        // A program, and anything under /api/, still gets the JSON problem.
        let detail = t
            .get("", "/nonexistent")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(detail, "no such route");
        let a = t
            .with_headers("", Method::GET, "/api/v1/nonexistent", None, &[html_accept], vec![])
            .await;
        assert_eq!(a.content_type, "application/problem+json");

        // The icon every browser asks for is there.
        let (status, kind, bytes) = t.download("", "/favicon.ico").await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/x-icon"));
        assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO file");
    }
);

both!(
    a_refusal_is_titled_no_access_and_a_missing_ticket_not_found,
    |t: crate::support::Harness| async move {
        let cookies = session(&t, "eng_b").await;
        // An engineer on the dashboard: 无权访问, and the use case's English reason folded away
        // under 技术细节, marked as English.
        let (status, html) = browse(&t, &cookies, "/dashboard").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(heading(&html), "无权访问", "{html}");
        assert!(
            !html.contains("出错了") && !html.contains("Something went wrong"),
            "{html}"
        );
        assert!(
            html.contains("<summary>技术细节（英文）</summary>") && html.contains(r#"<p class="detail" lang="en">"#)
        );
        // A ticket that is not there (or not the reader's).
        let (status, html) = browse(&t, &cookies, "/tickets/INC-2026-999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(heading(&html), "页面不存在", "{html}");
        // In English, the page says the same in English.
        let (status, html) = browse(&t, &format!("{cookies}; opsclock_lang=en"), "/dashboard").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(heading(&html), "Not allowed", "{html}");
        assert!(
            html.contains(r#"<p class="detail">"#) && !html.contains("<summary>"),
            "{html}"
        );
    }
);

both!(
    pages_say_durations_modes_and_reasons_in_chinese,
    |t: crate::support::Harness| async move {
        // Opened by the classifier: its reason is stored in both languages.
        let opened = t
            .post(
                "eng_a",
                "/api/v1/tickets",
                json!({"kind": "fault", "system": "SA", "title": "门户无法登录",
                       "facts": {"core_function": "down", "users_affected": "many", "workaround": false}}),
            )
            .await
            .expect(StatusCode::CREATED);
        let number = opened["number"].as_str().unwrap().to_owned();
        // sla_clock::classify's reason for these facts, stored as 「中文 / English」.
        let (zh, en) = (
            "核心业务功能完全不可用",
            "core business function completely unavailable",
        );
        let cookies = session(&t, "eng_a").await;
        let (status, html) = browse(&t, &cookies, &format!("/tickets/{number}")).await;
        assert_eq!(status, StatusCode::OK);
        // Urgent fault: 15m / 2h / 4h in the contracts' words; the countdown in the same form
        // the script ticks on (no `15m 00s`, no `01:35:55`).
        for target in ["15 分钟", "2 小时", "4 小时"] {
            assert!(html.contains(&format!(">{target} · ")), "{target}: {html}");
        }
        assert!(html.contains("剩余 15 分") || html.contains("剩余 14 分"), "{html}");
        // The classifier's reason in Chinese only.
        assert!(html.contains(zh) && !html.contains(en), "{html}");

        // In English the canonical forms stay.
        let (_, html) = browse(
            &t,
            &format!("{cookies}; opsclock_lang=en"),
            &format!("/tickets/{number}"),
        )
        .await;
        assert!(
            html.contains(">15m · ") && html.contains(en) && !html.contains(zh),
            "{html}"
        );

        // The catalogue's service mode and the system's targets.
        let (_, html) = browse(&t, &cookies, "/catalog/SA").await;
        assert!(!html.contains(">remote<") && !html.contains(">on_site<"), "{html}");
        assert!(
            html.contains("<td>7 个工作日</td>") && html.contains("<td>30 分钟</td>"),
            "{html}"
        );

        // The admin's user list names roles in Chinese.
        let admin = session(&t, "admin").await;
        let (_, html) = browse(&t, &admin, "/admin/users").await;
        assert!(
            html.contains("<td>工程师</td>") && !html.contains("<td>engineer</td>"),
            "{html}"
        );
        // The ladder page: steps by what they are, triggers and recipients in words.
        let (_, html) = browse(&t, &admin, "/admin/ladders").await;
        for w in [
            "已过半",
            "预警",
            "已超时",
            "超时提醒",
            "时限已用 50%",
            "超时后每 1 小时一次，最多 8 次",
            "服务商项目经理",
        ] {
            assert!(html.contains(w), "{w}: {html}");
        }
    }
);

both!(
    a_refused_password_change_says_why_in_chinese,
    |t: crate::support::Harness| async move {
        let cookies = session(&t, "eng_a").await;
        let (_, html) = browse(&t, &cookies, "/me/password").await;
        let csrf = csrf_of(&html);
        let cases = [
            ("wrong-password-x", "another-password-1", "当前密码不正确。"),
            ("password-of-eng_a", "password-of-eng_a", "新密码不能与当前密码相同。"),
            ("password-of-eng_a", "short", "新密码至少需要 10 个字符。"),
        ];
        for (current, new, says) in cases {
            let (a, _) = submit(
                &t,
                &cookies,
                "/me/password",
                &[("csrf", &csrf), ("current", current), ("new", new)],
            )
            .await;
            let html = a.body.as_str().unwrap_or_default();
            assert!(html.contains(says), "{says}: {html}");
            assert!(
                !html.contains("the current password") && !html.contains("must differ"),
                "{html}"
            );
        }
    }
);
