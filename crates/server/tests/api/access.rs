//! Sessions and tokens end when they should (issue 25): a password change ends the account's
//! other sessions, an administrator's reset all of them; users see and end their own sessions
//! and tokens; tokens expire and their last use is recorded.

use axum::http::{Method, StatusCode};
use chrono::TimeDelta;
use opsclock::app::audit::{Actor, ClientAddr};
use opsclock::app::auth::{accounts, tokens};
use opsclock::db::entities::{api_tokens, audit_log};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Answer, Harness};

/// Signs `who` in through the API with `password`; the cookie to send.
pub async fn session_of(t: &Harness, who: &str, password: &str) -> String {
    let a = t
        .post("", "/api/v1/session", json!({"username": who, "password": password}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.set_cookie.expect("a cookie").split(';').next().unwrap().to_owned()
}

/// The principal of user `who`.
async fn principal(t: &Harness, who: &str) -> opsclock::app::auth::Principal {
    let user = opsclock::db::entities::users::Entity::find_by_id(t.user_ids[who])
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap();
    opsclock::app::auth::Principal::of(&user).unwrap()
}

/// A request with `cookie` and no token.
async fn with_cookie(t: &Harness, cookie: &str, method: Method, path: &str, body: Option<Value>) -> Answer {
    let ct = body.as_ref().map(|_| "application/json");
    let bytes = body.map_or_else(Vec::new, |b| b.to_string().into_bytes());
    // As a browser sends it from opsclock's own pages (a cookie write from elsewhere is refused).
    t.with_headers(
        "",
        method,
        path,
        ct,
        &[("cookie", cookie), ("sec-fetch-site", "same-origin")],
        bytes,
    )
    .await
}

/// A request with a bearer token.
async fn with_token(t: &Harness, token: &str, method: Method, path: &str) -> Answer {
    let auth = format!("Bearer {token}");
    t.with_headers("", method, path, None, &[("authorization", &auth)], vec![])
        .await
}

both!(
    a_password_change_ends_the_other_sessions_and_keeps_its_own,
    |t: Harness| async move {
        let mine = session_of(&t, "eng_a", "password-of-eng_a").await;
        let stolen = session_of(&t, "eng_a", "password-of-eng_a").await;
        let other_user = session_of(&t, "eng_b", "password-of-eng_b").await;
        let change = json!({"current": "password-of-eng_a", "new": "a brand new password"});
        with_cookie(&t, &mine, Method::POST, "/api/v1/me/password", Some(change))
            .await
            .expect(StatusCode::NO_CONTENT);
        // The session made before the change is refused; the changer's own stays signed in, and
        // so do other people's and the account's API token (tokens are kept by default).
        with_cookie(&t, &stolen, Method::GET, "/api/v1/me", None)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        with_cookie(&t, &mine, Method::GET, "/api/v1/me", None)
            .await
            .expect(StatusCode::OK);
        with_cookie(&t, &other_user, Method::GET, "/api/v1/me", None)
            .await
            .expect(StatusCode::OK);
        t.get("eng_a", "/api/v1/me").await.expect(StatusCode::OK);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("user.password"))
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(audited.detail, json!({"sessions_ended": 1, "tokens_revoked": 0}));

        // Asked to, the change also revokes the account's API tokens.
        let change = json!({"current": "a brand new password", "new": "another new password",
                            "revoke_tokens": true});
        with_cookie(&t, &mine, Method::POST, "/api/v1/me/password", Some(change))
            .await
            .expect(StatusCode::NO_CONTENT);
        t.get("eng_a", "/api/v1/me")
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        with_cookie(&t, &mine, Method::GET, "/api/v1/me", None)
            .await
            .expect(StatusCode::OK);
    }
);

both!(
    a_password_change_on_the_page_ends_the_other_sessions,
    |t: Harness| async move {
        let mine = session_of(&t, "eng_a", "password-of-eng_a").await;
        let stolen = session_of(&t, "eng_a", "password-of-eng_a").await;
        let page = with_cookie(&t, &mine, Method::GET, "/me/password", None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.body.as_str().unwrap().to_owned();
        assert!(html.contains("name=\"revoke_tokens\""), "{html}");
        let csrf = html
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let form = format!("csrf={csrf}&current=password-of-eng_a&new=a+brand+new+password");
        let done = t
            .with_headers(
                "",
                Method::POST,
                "/me/password",
                Some("application/x-www-form-urlencoded"),
                &[("cookie", &mine)],
                form.into_bytes(),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        // The stolen session is sent to sign in; the changer's own goes on to the board.
        let board = with_cookie(&t, &stolen, Method::GET, "/board", None).await;
        assert_eq!(board.status, StatusCode::SEE_OTHER);
        let board = with_cookie(&t, &mine, Method::GET, "/board", None).await;
        assert_eq!(board.status, StatusCode::OK);
        t.get("eng_a", "/api/v1/me").await.expect(StatusCode::OK);
    }
);

both!(
    an_administrators_reset_ends_every_session_of_the_target,
    |t: Harness| async move {
        let a = session_of(&t, "eng_a", "password-of-eng_a").await;
        let b = session_of(&t, "eng_a", "password-of-eng_a").await;
        let bystander = session_of(&t, "eng_b", "password-of-eng_b").await;
        let from = ClientAddr(Some("cli".into()));
        let (password, ended) = accounts::reset_password(&t.state, Actor::Operator("root"), &from, "eng_a", false)
            .await
            .unwrap();
        assert_eq!((ended.sessions, ended.tokens), (2, 0));
        for s in [&a, &b] {
            with_cookie(&t, s, Method::GET, "/api/v1/me", None)
                .await
                .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        }
        with_cookie(&t, &bystander, Method::GET, "/api/v1/me", None)
            .await
            .expect(StatusCode::OK);
        t.get("eng_a", "/api/v1/me").await.expect(StatusCode::OK);
        // The one-time password signs in (to be changed) and does nothing else, not even on a
        // path that merely ends like the account's own (a ticket numbered "me").
        let once = session_of(&t, "eng_a", &password).await;
        with_cookie(&t, &once, Method::GET, "/api/v1/me", None)
            .await
            .expect(StatusCode::OK);
        for path in ["/api/v1/tickets", "/api/v1/tickets/me", "/api/v1/users/me/shifts.ics"] {
            with_cookie(&t, &once, Method::GET, path, None)
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        // With --revoke-tokens the token goes too.
        let (_, ended) = accounts::reset_password(&t.state, Actor::Operator("root"), &from, "eng_a", true)
            .await
            .unwrap();
        assert_eq!((ended.sessions, ended.tokens), (1, 1));
        t.get("eng_a", "/api/v1/me")
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
);

both!(users_see_and_end_their_own_sessions, |t: Harness| async move {
    let mine = session_of(&t, "eng_a", "password-of-eng_a").await;
    let other = session_of(&t, "eng_a", "password-of-eng_a").await;
    let theirs = session_of(&t, "eng_b", "password-of-eng_b").await;
    let list = with_cookie(&t, &mine, Method::GET, "/api/v1/me/sessions", None)
        .await
        .expect(StatusCode::OK);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1, "{list:?}");
    let other_id = list.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_i64()
        .unwrap();
    // Someone else's session is not the caller's to end.
    let their_id = with_cookie(&t, &theirs, Method::GET, "/api/v1/me/sessions", None)
        .await
        .expect(StatusCode::OK)[0]["id"]
        .as_i64()
        .unwrap();
    with_cookie(
        &t,
        &mine,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{their_id}"),
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
    with_cookie(
        &t,
        &mine,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{other_id}"),
        None,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    with_cookie(&t, &other, Method::GET, "/api/v1/me", None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    with_cookie(&t, &theirs, Method::GET, "/api/v1/me", None)
        .await
        .expect(StatusCode::OK);
    // The page lists them too, the current one marked, each with a button that ends it.
    let page = with_cookie(&t, &mine, Method::GET, "/me/security", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("当前会话"), "{html}");
    let token_id = t.get("eng_a", "/api/v1/me/tokens").await.expect(StatusCode::OK)[0]["id"]
        .as_i64()
        .unwrap();
    let action = format!("/me/tokens/{token_id}/revoke");
    assert!(html.contains(&action), "the API token is listed: {html}");
    // Its button revokes it.
    let csrf = html
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let done = t
        .with_headers(
            "",
            Method::POST,
            &action,
            Some("application/x-www-form-urlencoded"),
            &[("cookie", &mine)],
            format!("csrf={csrf}").into_bytes(),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    t.get("eng_a", "/api/v1/me")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
});

both!(a_revoked_token_is_refused, |t: Harness| async move {
    let token = t.tokens["eng_a"].clone();
    let mine = with_token(&t, &token, Method::GET, "/api/v1/me/tokens")
        .await
        .expect(StatusCode::OK);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert!(mine[0].get("token_hash").is_none(), "{mine}");
    let id = mine[0]["id"].as_i64().unwrap();
    // Another user cannot revoke it.
    with_token(
        &t,
        &t.tokens["eng_b"],
        Method::DELETE,
        &format!("/api/v1/me/tokens/{id}"),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
    with_token(&t, &token, Method::GET, "/api/v1/me")
        .await
        .expect(StatusCode::OK);
    // A script does not cut off its own access half-way: the token cannot revoke itself.
    with_token(&t, &token, Method::DELETE, &format!("/api/v1/me/tokens/{id}"))
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    let signed_in = session_of(&t, "eng_a", "password-of-eng_a").await;
    with_cookie(&t, &signed_in, Method::DELETE, &format!("/api/v1/me/tokens/{id}"), None)
        .await
        .expect(StatusCode::NO_CONTENT);
    with_token(&t, &token, Method::GET, "/api/v1/me")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    let revoked = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("token.revoke"))
        .all(&t.db.db)
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].user_id, Some(t.user_ids["eng_a"]));
});

both!(an_expired_token_is_refused, |t: Harness| async move {
    let admin = principal(&t, "admin").await;
    let from = ClientAddr(None);
    let expires = t.now() + TimeDelta::hours(1);
    let token = tokens::create(
        &t.state,
        Actor::Person(&admin),
        &from,
        "eng_a",
        "nightly",
        Some(expires),
    )
    .await
    .unwrap();
    with_token(&t, &token, Method::GET, "/api/v1/me")
        .await
        .expect(StatusCode::OK);
    t.time.advance(TimeDelta::hours(1));
    let detail = with_token(&t, &token, Method::GET, "/api/v1/me")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(detail.contains("expired"), "{detail}");
    // An expiry in the past is refused when issuing.
    let err = tokens::create(&t.state, Actor::Person(&admin), &from, "eng_a", "late", Some(t.now()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not in the future"), "{err}");
});

both!(
    the_last_use_of_a_token_is_recorded_at_most_once_a_minute,
    |t: Harness| async move {
        let last_used = || async {
            api_tokens::Entity::find()
                .filter(api_tokens::Column::UserId.eq(t.user_ids["eng_a"]))
                .one(&t.db.db)
                .await
                .unwrap()
                .unwrap()
                .last_used_at
        };
        assert_eq!(last_used().await, None);
        let start = t.now();
        t.get("eng_a", "/api/v1/me").await.expect(StatusCode::OK);
        assert_eq!(last_used().await, Some(start));
        t.time.advance(TimeDelta::seconds(40));
        t.get("eng_a", "/api/v1/me").await.expect(StatusCode::OK);
        assert_eq!(last_used().await, Some(start), "not written again within the minute");
        t.time.advance(TimeDelta::seconds(20));
        t.get("eng_a", "/api/v1/tickets").await.expect(StatusCode::OK);
        assert_eq!(last_used().await, Some(start + TimeDelta::seconds(60)));
        let mine = t.get("eng_a", "/api/v1/me/tokens").await.expect(StatusCode::OK);
        assert_eq!(
            mine[0]["last_used_at"]
                .as_str()
                .map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap()),
            Some(start + TimeDelta::seconds(60))
        );
    }
);

both!(a_session_ends_twelve_hours_after_signing_in, |t: Harness| async move {
    // ASVS 3.3.1: expiry ends the session. A session lasts 12 hours from signing in
    // (`SESSION_HOURS`), used or not; the next request after that is refused.
    let mine = session_of(&t, "eng_a", "password-of-eng_a").await;
    let path = "/api/v1/me/sessions";
    assert_eq!(
        with_cookie(&t, &mine, Method::GET, path, None).await.status,
        StatusCode::OK
    );
    t.time.advance(TimeDelta::hours(12) - TimeDelta::seconds(1));
    assert_eq!(
        with_cookie(&t, &mine, Method::GET, path, None).await.status,
        StatusCode::OK,
        "still within its 12 hours"
    );
    t.time.advance(TimeDelta::seconds(1));
    assert_eq!(
        with_cookie(&t, &mine, Method::GET, path, None).await.status,
        StatusCode::UNAUTHORIZED,
        "12 hours after signing in it is over"
    );
});
