//! Issue 25, from a review: guessing one account from many addresses is slowed down per account,
//! without letting a stranger keep the owner out for long; an IPv6 client is counted by its /64
//! and an IPv4-mapped one as IPv4.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use opsclock::db::entities::audit_log;
use opsclock::http::AppState;
use opsclock::http::limits::Limits;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use tower::ServiceExt;

use crate::both;
use crate::support::Harness;

/// The harness's application behind a proxy it believes, with so many attempts per address a
/// minute (the per-address limit is not what these tests are about unless they say so).
fn behind_proxy(t: &Harness, sign_ins_per_minute: u32) -> axum::Router {
    opsclock::serve::app(AppState {
        limits: Arc::new(Limits {
            trust_forwarded_for: true,
            sign_ins_per_minute,
            ..Limits::default()
        }),
        ..t.state.clone()
    })
}

/// Signs in as `user` from `from`: the status, `Retry-After` and the body.
async fn sign_in(app: &axum::Router, user: &str, password: &str, from: &str) -> (StatusCode, Option<u64>, String) {
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", from)
        .body(Body::from(json!({"username": user, "password": password}).to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let retry = res
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let status = res.status();
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, retry, body)
}

both!(
    guessing_one_account_from_many_addresses_is_slowed_but_the_owner_gets_in,
    |t: Harness| async move {
        let app = behind_proxy(&t, 1000);
        // The owner signs in from the office, as every day.
        let (s, _, _) = sign_in(&app, "eng_a", "password-of-eng_a", "10.9.0.1").await;
        assert_eq!(s, StatusCode::OK);

        // A botnet guesses, one address per guess, so no (name, address) pair ever waits: the
        // first ten failures cost nothing.
        let mut bot = (1..).map(|i: u32| format!("203.0.{}.{}", i / 250, i % 250 + 1));
        for _ in 0..10 {
            let (s, _, body) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
        }
        // Then each next new address waits its turn, and no password is checked meanwhile: not
        // even the right one from an address the account does not know.
        let (s, retry, body) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
        assert_eq!((s, retry), (StatusCode::TOO_MANY_REQUESTS, Some(1)), "{body}");
        assert!(body.contains("many addresses"), "{body}");
        let (s, _, _) = sign_in(&app, "eng_a", "password-of-eng_a", "198.51.100.9").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        // The owner, from the office, is not held up at all.
        let (s, _, body) = sign_in(&app, "eng_a", "password-of-eng_a", "10.9.0.1").await;
        assert_eq!(s, StatusCode::OK, "{body}");

        // The botnet keeps on, trying the moment it may: one guess per wait, each wait twice
        // the one before, up to a minute, never more.
        let mut waits = Vec::new();
        for _ in 0..9 {
            let (s, retry, _) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
            assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
            let wait = retry.unwrap();
            waits.push(wait);
            t.time.advance(TimeDelta::seconds(wait as i64));
            let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);

        // The owner, from a hotel never used before, waits a minute at most, then signs in.
        let (s, retry, _) = sign_in(&app, "eng_a", "password-of-eng_a", "198.51.100.77").await;
        assert_eq!((s, retry), (StatusCode::TOO_MANY_REQUESTS, Some(60)));
        t.time.advance(TimeDelta::seconds(60));
        let (s, _, body) = sign_in(&app, "eng_a", "password-of-eng_a", "198.51.100.77").await;
        assert_eq!(s, StatusCode::OK, "{body}");
        // The hotel is known now: the account's wait, which the botnet keeps up, no longer
        // holds it.
        for _ in 0..2 {
            let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
            assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
            let (s, _, body) = sign_in(&app, "eng_a", "password-of-eng_a", "198.51.100.77").await;
            assert_eq!(s, StatusCode::OK, "{body}");
            t.time.advance(TimeDelta::seconds(60));
            let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }

        // Other accounts are not affected, and an account quiet for a quarter of an hour starts
        // again from zero.
        let (s, _, _) = sign_in(&app, "eng_b", "password-of-eng_b", &bot.next().unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        t.time.advance(TimeDelta::minutes(16));
        for _ in 0..10 {
            let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, retry, _) = sign_in(&app, "eng_a", "wrong-password", &bot.next().unwrap()).await;
        assert_eq!((s, retry), (StatusCode::TOO_MANY_REQUESTS, Some(1)));

        // Each failure is audited with both counts; the office's are not on the account's.
        let last = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("session.failed"))
            .order_by_desc(audit_log::Column::Id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.detail["account_failures"], 10, "{:?}", last.detail);
        assert_eq!(last.detail["failures"], 1, "{:?}", last.detail);
        let (s, _, _) = sign_in(&app, "eng_a", "wrong-password", "10.9.0.1").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let office = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("session.failed"))
            .order_by_desc(audit_log::Column::Id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            office.detail["account_failures"],
            serde_json::Value::Null,
            "{:?}",
            office.detail
        );
    }
);

both!(
    a_name_that_is_no_account_is_slowed_the_same_way,
    |t: Harness| async move {
        let app = behind_proxy(&t, 1000);
        for (name, i) in [("eng_a", 0), ("ghost", 100)] {
            for n in 0..10 {
                let (s, _, _) = sign_in(&app, name, "wrong-password", &format!("192.0.2.{}", i + n)).await;
                assert_eq!(s, StatusCode::UNAUTHORIZED);
            }
            let (s, retry, body) = sign_in(&app, name, "wrong-password", &format!("192.0.2.{}", i + 50)).await;
            assert_eq!((s, retry), (StatusCode::TOO_MANY_REQUESTS, Some(1)), "{name}: {body}");
            assert!(body.contains("many addresses"), "{name}: {body}");
        }
    }
);

both!(
    an_ipv6_client_is_counted_by_its_64_and_a_mapped_ipv4_as_ipv4,
    |t: Harness| async move {
        // The per-address minute: addresses of one /64 share it, the next /64 has its own.
        let app = behind_proxy(&t, 3);
        for from in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"] {
            let (s, _, _) = sign_in(&app, "nobody-here", "x", from).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{from}");
        }
        let (s, retry, body) = sign_in(&app, "eng_a", "password-of-eng_a", "2001:db8:1:2:ffff::9").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(retry.is_some() && body.contains("2001:db8:1:2::/64"), "{body}");
        let (s, _, _) = sign_in(&app, "eng_a", "password-of-eng_a", "2001:db8:1:3::1").await;
        assert_eq!(s, StatusCode::OK);
        // An IPv4 client that reaches a dual-stack listener as ::ffff:a.b.c.d is that IPv4 one.
        for from in ["::ffff:192.0.2.50", "192.0.2.50", "::ffff:192.0.2.50"] {
            let (s, _, _) = sign_in(&app, "nobody-here", "x", from).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{from}");
        }
        let (s, _, body) = sign_in(&app, "eng_a", "password-of-eng_a", "192.0.2.50").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");

        // The (name, address) pair too: five failures across one /64, then that /64 waits.
        let app = behind_proxy(&t, 1000);
        for i in 1..=5 {
            let (s, _, _) = sign_in(&app, "eng_b", "wrong-password", &format!("2001:db8:9:9::{i}")).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, retry, body) = sign_in(&app, "eng_b", "password-of-eng_b", "2001:db8:9:9:1:2:3:4").await;
        assert_eq!((s, retry), (StatusCode::TOO_MANY_REQUESTS, Some(30)), "{body}");
        assert!(body.contains("2001:db8:9:9::/64"), "{body}");
        let (s, _, body) = sign_in(&app, "eng_b", "password-of-eng_b", "2001:db8:9:8::1").await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
);

both!(
    a_name_longer_than_any_login_name_is_refused_before_it_is_counted,
    |t: Harness| async move {
        // Every attempt writes its name into the throttle's tables and a failure into the audit
        // log (kept for years): a name up to the body limit would fill the disk with guesses.
        let app = behind_proxy(&t, 1000);
        let long = "x".repeat(65);
        let (s, _, body) = sign_in(&app, &long, "wrong-password", "203.0.113.7").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("username") && body.contains("64"), "{body}");
        let recorded = audit_log::Entity::find()
            .filter(audit_log::Column::Target.eq(long.as_str()))
            .all(&t.state.db)
            .await
            .unwrap();
        assert!(recorded.is_empty(), "{recorded:?}");
        // 64 characters is still a name, refused only as a wrong one.
        let (s, _, body) = sign_in(&app, &"x".repeat(64), "wrong-password", "203.0.113.7").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    }
);

both!(
    the_current_password_of_a_change_is_a_guess_counted_like_a_sign_in,
    |t: Harness| async move {
        // Whoever holds a stolen session or token must not try the owner's password faster at
        // the password change than at the sign-in: the same throttle counts it.
        let wrong = json!({"current": "not-the-password", "new": "a-brand-new-password-1"});
        let mut statuses = Vec::new();
        for _ in 0..8 {
            let a = t.post("eng_a", "/api/v1/me/password", wrong.clone()).await;
            statuses.push(a.status);
            if a.status == StatusCode::TOO_MANY_REQUESTS {
                break;
            }
        }
        assert_eq!(statuses[0], StatusCode::UNPROCESSABLE_ENTITY, "{statuses:?}");
        assert_eq!(
            statuses.last(),
            Some(&StatusCode::TOO_MANY_REQUESTS),
            "wrong current passwords are held up: {statuses:?}"
        );
        // Each wrong one is on the record, as the account that tried it.
        let failed = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("password.change_failed"))
            .order_by_asc(audit_log::Column::Id)
            .all(&t.state.db)
            .await
            .unwrap();
        assert_eq!(failed.len(), statuses.len() - 1, "{failed:?}");
        assert!(failed.iter().all(|e| e.target == "eng_a"), "{failed:?}");
        // Meanwhile even the right password waits: the account's guesser cannot tell.
        let right = json!({"current": "password-of-eng_a", "new": "a-brand-new-password-1"});
        assert_eq!(
            t.post("eng_a", "/api/v1/me/password", right).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
);
