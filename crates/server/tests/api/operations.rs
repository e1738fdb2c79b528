//! Operations: sign-in lockout and throttling, request timeouts, `/metrics`, retention.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use opsclock::db::entities::{audit_log, outbox, sessions, users};
use opsclock::http::AppState;
use opsclock::http::limits::Limits;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;
use tower::ServiceExt;

use crate::both;
use crate::support::Harness;

/// The harness's application with other limits.
fn app_with(t: &Harness, limits: Limits) -> axum::Router {
    opsclock::serve::app(AppState {
        limits: Arc::new(limits),
        ..t.state.clone()
    })
}

async fn sign_in(app: &axum::Router, user: &str, password: &str, from: &str) -> (StatusCode, Option<String>, String) {
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", from)
        .body(Body::from(json!({"username": user, "password": password}).to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let retry = res
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let status = res.status();
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, retry, body)
}

both!(
    wrong_passwords_from_one_address_slow_it_down_but_do_not_lock_the_owner_out,
    |t: Harness| async move {
        let app = app_with(
            &t,
            Limits {
                trust_forwarded_for: true,
                ..Limits::default()
            },
        );
        // A stranger at 10.0.0.66 guesses: five tries cost nothing, then that address waits.
        for _ in 0..5 {
            let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", "10.0.0.66").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, retry, body) = sign_in(&app, "eng_a", "wrong-password", "10.0.0.66").await;
        assert_eq!(
            (s, retry.as_deref()),
            (StatusCode::TOO_MANY_REQUESTS, Some("30")),
            "{body}"
        );
        assert!(body.contains("10.0.0.66"), "{body}");
        // Even the right password waits there; the owner, from another address, signs in at once.
        let (s, _, _) = sign_in(&app, "eng_a", "password-of-eng_a", "10.0.0.66").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        let (s, _, body) = sign_in(&app, "eng_a", "password-of-eng_a", "10.0.0.7").await;
        assert_eq!(s, StatusCode::OK, "{body}");
        // The account is not locked: nothing is stored on it.
        let owner = users::Entity::find()
            .filter(users::Column::Username.eq("eng_a"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(owner.locked_until, None);
        // Each further failure doubles the stranger's wait.
        t.time.advance(TimeDelta::seconds(30));
        let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", "10.0.0.66").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, retry, _) = sign_in(&app, "eng_a", "wrong-password", "10.0.0.66").await;
        assert_eq!((s, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("60")));
        // A name that is no account is answered the same way, so the answers tell no names apart.
        for _ in 0..5 {
            let (s, _, _) = sign_in(&app, "no-such-user", "wrong-password", "10.0.0.66").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, retry, _) = sign_in(&app, "no-such-user", "wrong-password", "10.0.0.66").await;
        assert_eq!((s, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("30")));
        // After the wait, the right password from that address signs in and clears the pair.
        t.time.advance(TimeDelta::seconds(60));
        let (s, _, _) = sign_in(&app, "eng_a", "password-of-eng_a", "10.0.0.66").await;
        assert_eq!(s, StatusCode::OK);
        for _ in 0..5 {
            let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", "10.0.0.66").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let failed = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("session.failed"))
            .count(&t.db.db)
            .await
            .unwrap();
        assert_eq!(failed, 5 + 1 + 5 + 5);
    }
);

both!(
    an_address_that_tries_too_often_waits_but_others_do_not,
    |t: Harness| async move {
        let app = app_with(
            &t,
            Limits {
                trust_forwarded_for: true,
                sign_ins_per_minute: 3,
                ..Limits::default()
            },
        );
        for _ in 0..3 {
            let (s, _, _) = sign_in(&app, "nobody-here", "x", "192.0.2.7").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, retry, body) = sign_in(&app, "eng_a", "password-of-eng_a", "192.0.2.7").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(body.contains("192.0.2.7") && retry.is_some(), "{body}");
        let (s, _, _) = sign_in(&app, "eng_a", "password-of-eng_a", "192.0.2.8").await;
        assert_eq!(s, StatusCode::OK);
        // Without trust in the proxy the header is ignored: all these came from no known peer.
        let untrusting = app_with(
            &t,
            Limits {
                sign_ins_per_minute: 1,
                ..Limits::default()
            },
        );
        let (s, _, _) = sign_in(&untrusting, "eng_a", "password-of-eng_a", "198.51.100.1").await;
        assert_eq!(s, StatusCode::OK);
        let (s, _, _) = sign_in(&untrusting, "eng_a", "password-of-eng_a", "198.51.100.2").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    }
);

both!(requests_that_take_too_long_answer_503, |t: Harness| async move {
    // The whole harness, its database included: the caller is authenticated before the turn is
    // waited for (a closure would otherwise take only the fields it names).
    let t = t;
    // A write that can never get its turn: the timeout answers for it.
    // Creating a ticket queues for a group commit, whose groups take that turn; the test holds
    // it.
    let turn = Arc::new(tokio::sync::Semaphore::new(1));
    let held = turn.clone().acquire_owned().await.unwrap();
    let mut ctx = t.state.ctx.clone();
    ctx.turn = Some(turn.clone());
    ctx.group = opsclock::app::group_commit::GroupCommit::new(ctx.db.clone(), Some(turn));
    let group = ctx.group.clone();
    // The same server with the usual timeout, for the request that must get through.
    let patient = opsclock::serve::app(AppState {
        ctx: ctx.clone(),
        ..t.state.clone()
    });
    let app = opsclock::serve::app(AppState {
        limits: Arc::new(Limits {
            request_timeout: Duration::from_millis(1000),
            ..Limits::default()
        }),
        ctx,
        ..t.state.clone()
    });
    let req = Request::post("/api/v1/tickets")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.tokens["eng_a"]))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "slow"}).to_string(),
        ))
        .unwrap();
    let started = std::time::Instant::now();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() >= Duration::from_millis(1000));
    let body: serde_json::Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["type"], "/problems/timeout");
    // Given up on, it is not created later: it was queued (its plan read) when it timed out;
    // the turn freed, the group drops the write whose caller has gone, and runs the next one.
    assert_eq!(group.waiting(), 1, "the slow creation was queued for a group");
    drop(held);
    let req = Request::post("/api/v1/tickets")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.tokens["eng_a"]))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"kind": "fault", "system": "SA", "severity": "urgent", "title": "in time"}).to_string(),
        ))
        .unwrap();
    assert_eq!(patient.oneshot(req).await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(group.committed(), (1, 1), "one group, the slow write not kept");
    let titles: Vec<String> = opsclock::db::entities::tickets::Entity::find()
        .all(&t.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.title)
        .collect();
    assert!(titles.contains(&"in time".to_owned()), "{titles:?}");
    assert!(
        !titles.contains(&"slow".to_owned()),
        "a request answered 503 opened its ticket: {titles:?}"
    );
});

/// The value of the sample `name{labels}` in a Prometheus text page.
fn sample(page: &str, series: &str) -> f64 {
    page.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {series} in\n{page}"))
        .parse()
        .unwrap()
}

both!(
    metrics_report_tickets_clocks_outbox_and_latency,
    |t: Harness| async move {
        t.open("eng_a", "SA", "fault", "urgent").await;
        t.open("eng_a", "SA", "fault", "urgent").await;
        let minor = t.open("eng_a", "SA", "fault", "minor").await;
        t.act(
            "mgr_a",
            &minor,
            "cancel",
            json!({"reason": "duplicate", "note": "重复"}),
        )
        .await
        .expect(StatusCode::OK);
        outbox::ActiveModel {
            dedup_key: Set("parked".into()),
            kind: Set("summary".into()),
            due_at: Set(t.now()),
            recipients: Set(json!([])),
            subject: Set("s".into()),
            body_text: Set("b".into()),
            body_html: Set("b".into()),
            message_id: Set("<parked@test>".into()),
            status: Set(opsclock::db::entities::outbox::Status::Failed.into()),
            attempts: Set(3),
            next_attempt_at: Set(t.now()),
            created_at: Set(t.now()),
            channel: Set("email".into()),
            ..Default::default()
        }
        .insert(&t.db.db)
        .await
        .unwrap();
        let res = t
            .router
            .clone()
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let page = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        assert_eq!(sample(&page, "opsclock_tickets_open{severity=\"urgent\"}"), 2.0);
        assert_eq!(sample(&page, "opsclock_tickets_open{severity=\"minor\"}"), 0.0);
        assert_eq!(sample(&page, "opsclock_outbox_failed{channel=\"email\"}"), 1.0);
        assert_eq!(sample(&page, "opsclock_clocks_overdue{clock=\"response\"}"), 0.0);
        // Urgent: response 15m, so both running response clocks fall due within the hour.
        assert_eq!(sample(&page, "opsclock_clocks_at_risk{clock=\"response\"}"), 2.0);
        assert!(
            sample(
                &page,
                "opsclock_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/tickets\",status=\"201\"}"
            ) >= 3.0
        );
        assert!(sample(&page, "opsclock_process_resident_memory_bytes") > 0.0);
        // Every sample belongs to a declared metric, and the format is the text format's.
        let declared: Vec<&str> = page
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        for line in page.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .filter(|b| declared.contains(b))
                .unwrap_or(name);
            assert!(declared.contains(&base), "undeclared {name}");
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "not a number: {line}");
        }

        // With a token set, /metrics wants it.
        let app = app_with(
            &t,
            Limits {
                metrics_token: Some("scrape-me".into()),
                ..Limits::default()
            },
        );
        let res = app
            .clone()
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let req = Request::get("/metrics")
            .header(header::AUTHORIZATION, "Bearer scrape-me")
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), StatusCode::OK);
    }
);

both!(
    retention_purges_old_records_but_keeps_evidence,
    |t: Harness| async move {
        use opsclock::app::retention::{Retention, purge};
        let now = t.now();
        let db = &t.db.db;
        let old = now - TimeDelta::days(1200);
        for at in [old, now - TimeDelta::days(10)] {
            audit_log::ActiveModel {
                at: Set(at),
                user_id: Set(None),
                action: Set("test.entry".into()),
                target: Set("x".into()),
                detail: Set(json!({})),
                remote_addr: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
        // An old message of a ticket still being worked on is kept (its key stops a second send);
        // an old message with no ticket goes.
        let open = t.open("eng_a", "SA", "fault", "urgent").await;
        let ticket_id = opsclock::db::entities::tickets::Entity::find()
            .filter(opsclock::db::entities::tickets::Column::Number.eq(open["number"].as_str().unwrap()))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id;
        for (key, ticket) in [("old-open", Some(ticket_id)), ("old-none", None)] {
            outbox::ActiveModel {
                dedup_key: Set(key.into()),
                kind: Set("escalation".into()),
                ticket_id: Set(ticket),
                due_at: Set(old),
                recipients: Set(json!([])),
                subject: Set("s".into()),
                body_text: Set("b".into()),
                body_html: Set("b".into()),
                message_id: Set(format!("<{key}@test>")),
                status: Set(opsclock::db::entities::outbox::Status::Sent.into()),
                attempts: Set(1),
                next_attempt_at: Set(old),
                sent_at: Set(Some(old)),
                created_at: Set(old),
                channel: Set("email".into()),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
        sessions::ActiveModel {
            user_id: Set(t.user_ids["eng_a"]),
            token_hash: Set("expired".into()),
            created_at: Set(now - TimeDelta::days(3)),
            expires_at: Set(now - TimeDelta::days(2)),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let before = audit_log::Entity::find().count(db).await.unwrap();
        // Once the ticket is closed, its old message keeps its row and key but loses its text.
        let mut am: opsclock::db::entities::tickets::ActiveModel =
            opsclock::db::entities::tickets::Entity::find_by_id(ticket_id)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .into();
        am.status = Set(ticket_domain::Status::Closed.into());
        am.update(db).await.unwrap();
        let purged = purge(db, Retention::default(), now).await.unwrap();
        assert_eq!(
            (purged.audit, purged.outbox, purged.emptied, purged.sessions),
            (1, 1, 1, 1),
            "{purged:?}"
        );
        assert_eq!(audit_log::Entity::find().count(db).await.unwrap(), before - 1);
        let kept: Vec<String> = outbox::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.dedup_key)
            .collect();
        assert_eq!(kept, ["old-open"]);
        let emptied = outbox::Entity::find().one(db).await.unwrap().unwrap();
        assert_eq!((emptied.body_text.as_str(), emptied.body_html.as_str()), ("", ""));
        // Tickets are never purged.
        t.get(
            "eng_a",
            &format!("/api/v1/tickets/{}", open["number"].as_str().unwrap()),
        )
        .await
        .expect(StatusCode::OK);
        assert_eq!(purge(db, Retention::default(), now).await.unwrap(), Default::default());
    }
);
