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
            .body(Body::empty())
            .unwrap();
        let res = t.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        // Signing out ends it.
        let req = Request::delete("/api/v1/session")
            .header(header::COOKIE, &pair)
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            t.router.clone().oneshot(req).await.unwrap().status(),
            StatusCode::NO_CONTENT
        );
        let req = Request::get("/api/v1/me")
            .header(header::COOKIE, &pair)
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
