//! User administration in the web (issue 26): an admin adds an account, resets its password,
//! changes its role and notifications, disables and enables it — each audited as that admin — and
//! nobody else may; the last admin cannot lock everyone out.

use axum::http::StatusCode;
use opsclock::db::entities::{audit_log, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::both;
use crate::support::Harness;
use crate::web::{browse, csrf_of, session, submit};

/// The one-time password the page shows.
fn password_of(html: &str) -> String {
    html.split(r#"<pre id="new-password">"#)
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no one-time password on the page: {html}"))
        .to_owned()
}

async fn user(t: &Harness, name: &str) -> users::Model {
    users::Entity::find()
        .filter(users::Column::Username.eq(name))
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {name}"))
}

both!(an_admin_manages_accounts_in_the_web, |t: Harness| async move {
    let admin = session(&t, "admin").await;
    let (status, list) = browse(&t, &admin, "/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(r#"action="/admin/users""#), "no add form: {list}");
    assert!(list.contains(r#"<option value="vendor:VA">"#), "{list}");
    let csrf = csrf_of(&list);

    // Add: the page answers with the one-time password, once.
    let (added, _) = submit(
        &t,
        &admin,
        "/admin/users",
        &[
            ("csrf", &csrf),
            ("username", "wang"),
            ("display_name", "王工"),
            ("role", "engineer"),
            ("belongs", "vendor:VA"),
            ("email", "wang@example.com"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.body);
    let page = added.body.as_str().unwrap().to_owned();
    let first = password_of(&page);
    let wang = user(&t, "wang").await;
    assert!(wang.must_change_password && wang.vendor_id.is_some() && !wang.disabled);
    // The password signs in (and must be changed first).
    let signed_in = t
        .post(
            "",
            "/api/v1/session",
            serde_json::json!({"username": "wang", "password": first}),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    let wang_cookie = signed_in.set_cookie.unwrap().split(';').next().unwrap().to_owned();

    // A duplicate name is refused, naming it.
    let (dup, _) = submit(
        &t,
        &admin,
        "/admin/users",
        &[
            ("csrf", &csrf),
            ("username", "wang"),
            ("role", "engineer"),
            ("belongs", "vendor:VA"),
        ],
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);

    // Reset: a new one-time password, and wang's session is over.
    let (reset, _) = submit(&t, &admin, "/admin/users/wang/password", &[("csrf", &csrf)]).await;
    assert_eq!(reset.status, StatusCode::OK);
    let second = password_of(reset.body.as_str().unwrap());
    assert_ne!(first, second);
    let (gone, _) = browse(&t, &wang_cookie, "/api/v1/me").await;
    assert_eq!(gone, StatusCode::UNAUTHORIZED);

    // Notifications: on-duty for vendor A's systems, a new address.
    let (saved, next) = submit(
        &t,
        &admin,
        "/admin/users/wang/notify",
        &[
            ("csrf", &csrf),
            ("role_on_duty", "on"),
            ("email", "wang.duty@example.com"),
            ("mail_english", "on"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let (_, page) = browse(&t, &next, "/admin/users/wang").await;
    assert!(page.contains("已保存 wang 的通知设置"), "{page}");
    assert!(
        page.contains(r#"name="mail_english" id="mail-english" checked"#),
        "the English copy is asked for: {page}"
    );
    let wang = user(&t, "wang").await;
    assert_eq!(wang.email.as_deref(), Some("wang.duty@example.com"));
    assert_eq!(wang.notify_roles, Some(serde_json::json!(["on_duty"])));
    assert!(wang.mail_english);
    // Not an address: refused, nothing saved.
    let (bad, _) = submit(
        &t,
        &admin,
        "/admin/users/wang/notify",
        &[("csrf", &csrf), ("email", "wang@")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(user(&t, "wang").await.email.as_deref(), Some("wang.duty@example.com"));

    // Role: manager in the same party; an admin cannot belong to a vendor.
    let (r, _) = submit(
        &t,
        &admin,
        "/admin/users/wang/role",
        &[("csrf", &csrf), ("role", "manager")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(user(&t, "wang").await.role.key(), "manager");
    let (r, _) = submit(
        &t,
        &admin,
        "/admin/users/wang/role",
        &[("csrf", &csrf), ("role", "admin")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Disable, then enable.
    let (d, _) = submit(&t, &admin, "/admin/users/wang/disable", &[("csrf", &csrf)]).await;
    assert_eq!(d.status, StatusCode::SEE_OTHER);
    assert!(user(&t, "wang").await.disabled);
    let refused = t
        .post(
            "",
            "/api/v1/session",
            serde_json::json!({"username": "wang", "password": second}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let (e, _) = submit(&t, &admin, "/admin/users/wang/enable", &[("csrf", &csrf)]).await;
    assert_eq!(e.status, StatusCode::SEE_OTHER);
    assert!(!user(&t, "wang").await.disabled);

    // An admin cannot disable themself.
    let (own, _) = submit(&t, &admin, "/admin/users/admin/disable", &[("csrf", &csrf)]).await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!user(&t, "admin").await.disabled);

    // Every change is in the audit log, as the admin.
    let admin_id = user(&t, "admin").await.id;
    let log = audit_log::Entity::find()
        .filter(audit_log::Column::Target.eq("wang"))
        .filter(audit_log::Column::Action.starts_with("user."))
        .order_by_asc(audit_log::Column::Id)
        .all(&t.db.db)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.add",
            "user.reset_password",
            "user.notify",
            "user.role",
            "user.disable",
            "user.enable"
        ]
    );
    assert!(log.iter().all(|e| e.user_id == Some(admin_id)), "{log:?}");
    // The password is in no audit entry.
    assert!(log.iter().all(|e| !e.detail.to_string().contains(&second)));
});

both!(
    only_admins_manage_accounts_and_forms_need_their_token,
    |t: Harness| async move {
        let manager = session(&t, "mgr_a").await;
        let (status, _) = browse(&t, &manager, "/admin/users/eng_a").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, own) = browse(&t, &manager, "/me/security").await;
        let csrf = csrf_of(&own);
        let (a, _) = submit(&t, &manager, "/admin/users/eng_a/disable", &[("csrf", &csrf)]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        // An admin's form without the page's token changes nothing.
        let admin = session(&t, "admin").await;
        let (a, _) = submit(&t, &admin, "/admin/users/eng_a/disable", &[("csrf", "forged")]).await;
        assert_ne!(a.status, StatusCode::SEE_OTHER);
        assert!(!user(&t, "eng_a").await.disabled);
    }
);
