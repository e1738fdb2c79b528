//! Signing in with a password gives an HttpOnly cookie; tokens and cookies both authenticate.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use tower::ServiceExt;

use crate::both;

both!(
    passwords_give_a_cookie_that_authenticates,
    |t: crate::support::Harness| async move {
        let a = t
            .post(
                "",
                "/api/v1/session",
                json!({"username": "eng_a", "password": "password-of-eng_a"}),
            )
            .await;
        let cookie = a.set_cookie.clone().unwrap();
        assert_eq!(a.expect(StatusCode::OK)["role"], "engineer");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let pair = cookie.split(';').next().unwrap().to_owned();
        let req = Request::get("/api/v1/me")
            .header(header::COOKIE, &pair)
            .header("sec-fetch-site", "same-origin")
            .body(Body::empty())
            .unwrap();
        let res = t.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        // Signing out ends it.
        let req = Request::delete("/api/v1/session")
            .header(header::COOKIE, &pair)
            .header("sec-fetch-site", "same-origin")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            t.router.clone().oneshot(req).await.unwrap().status(),
            StatusCode::NO_CONTENT
        );
        let req = Request::get("/api/v1/me")
            .header(header::COOKIE, &pair)
            .header("sec-fetch-site", "same-origin")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            t.router.clone().oneshot(req).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
);

both!(
    wrong_passwords_and_missing_credentials_are_401,
    |t: crate::support::Harness| async move {
        let d = t
            .post(
                "",
                "/api/v1/session",
                json!({"username": "eng_a", "password": "nope-nope-nope"}),
            )
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(d, "wrong username or password");
        let d = t
            .get("", "/api/v1/tickets")
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(d.contains("Bearer"), "{d}");
        let req = Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, "Bearer ocp_forged")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            t.router.clone().oneshot(req).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
);

both!(
    a_one_time_password_must_be_changed_before_anything_else,
    |t: crate::support::Harness| async move {
        use opsclock::db::entities::users;
        use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
        let u = users::Entity::find_by_id(t.user_ids["eng_a"])
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        let mut am = u.into_active_model();
        am.must_change_password = Set(true);
        am.update(&t.db.db).await.unwrap();

        let a = t
            .post(
                "",
                "/api/v1/session",
                json!({"username": "eng_a", "password": "password-of-eng_a"}),
            )
            .await;
        let pair = a.set_cookie.clone().unwrap().split(';').next().unwrap().to_owned();
        let send = |method: &str, path: &str, body: Option<serde_json::Value>| {
            let mut req = Request::builder()
                .method(method)
                .uri(path)
                .header(header::COOKIE, &pair)
                .header("sec-fetch-site", "same-origin");
            if body.is_some() {
                req = req.header(header::CONTENT_TYPE, "application/json");
            }
            let req = req
                .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
                .unwrap();
            t.router.clone().oneshot(req)
        };
        assert_eq!(
            send("GET", "/api/v1/tickets", None).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(send("GET", "/api/v1/me", None).await.unwrap().status(), StatusCode::OK);
        let wrong = send(
            "POST",
            "/api/v1/me/password",
            Some(json!({"current": "nope", "new": "a-new-password-1"})),
        )
        .await
        .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let short = send(
            "POST",
            "/api/v1/me/password",
            Some(json!({"current": "password-of-eng_a", "new": "short"})),
        )
        .await
        .unwrap();
        assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let ok = send(
            "POST",
            "/api/v1/me/password",
            Some(json!({"current": "password-of-eng_a", "new": "a-new-password-1"})),
        )
        .await
        .unwrap();
        assert_eq!(ok.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            send("GET", "/api/v1/tickets", None).await.unwrap().status(),
            StatusCode::OK
        );
        t.post(
            "",
            "/api/v1/session",
            json!({"username": "eng_a", "password": "a-new-password-1"}),
        )
        .await
        .expect(StatusCode::OK);
    }
);
