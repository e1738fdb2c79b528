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
