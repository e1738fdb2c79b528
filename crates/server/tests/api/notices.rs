//! Event notices through the doors: the ticket's view lists who was told what by which channel
//! and how it went; `/me/notifications` sets the English copy and quiet hours; the link page
//! `/a/{token}` shows, acknowledges once as the person it was sent to, and says so on a replay.

use axum::http::{Method, StatusCode};
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::users;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;
use crate::web::{browse, session, submit};

fn sweeper(t: &Harness) -> Sweeper {
    Sweeper {
        db: t.state.db.clone(),
        calendars: t.state.calendars.clone(),
        time: t.time.clone(),
        links: Links::new(Some("https://ops.test"), "127.0.0.1:8080", "ops.test".into()),
        batch: 100,
        notices: Default::default(),
    }
}

/// Gives `who` an address and `roles`.
async fn reachable(t: &Harness, who: &str, roles: Value) {
    users::Entity::update_many()
        .col_expr(users::Column::Email, Expr::value(format!("{who}@ops.test")))
        .col_expr(users::Column::NotifyRoles, Expr::value(roles))
        .filter(users::Column::Username.eq(who))
        .exec(&t.state.db)
        .await
        .unwrap();
}

async fn audited(t: &Harness, action: &str) -> Vec<opsclock::db::entities::audit_log::Model> {
    use opsclock::db::entities::audit_log;
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(&t.state.db)
        .await
        .unwrap()
}

fn notices(ticket: &Value) -> Vec<&Value> {
    ticket["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "notice")
        .collect()
}

both!(
    the_ticket_lists_each_notice_with_its_channel_recipients_and_outcome,
    |t: Harness| async move {
        reachable(&t, "eng_a", json!(["on_duty"])).await;
        reachable(&t, "vmgr_a", json!(["vendor_manager"])).await;
        let ticket = t.open("eng_a", "SA", "fault", "urgent").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        let before = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert!(notices(&before).is_empty(), "nothing is queued before the sweep");
        sweeper(&t).sweep().await.unwrap();
        sweeper(&t).sweep().await.unwrap();
        let after = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let n = notices(&after);
        let mut to: Vec<&str> = n.iter().map(|m| m["recipients"][0].as_str().unwrap()).collect();
        to.sort();
        assert_eq!(to, ["eng_a@ops.test", "vmgr_a@ops.test"], "{after:#}");
        for m in &n {
            assert_eq!(m["channel"], "email");
            assert_eq!(m["step"], "opened");
            assert_eq!(m["status"], "pending");
            assert_eq!(m["attempts"], 0);
            // Nobody in this world holds unit_head: the message says so.
            assert!(m["note"].as_str().unwrap().contains("unit_head"), "{m}");
        }
        // The page's timeline says the same in words.
        let cookies = session(&t, "mgr_a").await;
        let (status, html) = browse(&t, &cookies, &format!("/tickets/{number}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("新建通知（邮件） → eng_a@ops.test · 待发送"), "{html}");
    }
);

both!(
    my_notification_settings_are_mine_to_set_and_bad_hours_are_named,
    |t: Harness| async move {
        let got = t.get("eng_a", "/api/v1/me/notifications").await.expect(StatusCode::OK);
        assert_eq!(got["mail_english"], false);
        assert_eq!(got["quiet_hours"], json!({}));
        let set = t
            .put(
                "eng_a",
                "/api/v1/me/notifications",
                json!({"mail_english": true, "quiet_hours": {"sms": {"from": "22:00", "to": "07:00"}}}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(set["quiet_hours"], json!({"sms": {"from": "22:00", "to": "07:00"}}));
        assert_eq!(set["mail_english"], true);
        let bad = t
            .put(
                "eng_a",
                "/api/v1/me/notifications",
                json!({"quiet_hours": {"email": {"from": "22:00", "to": "25:00"}}}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.body["field"], "quiet_hours.email.to", "{:?}", bad.body);
        let same = t
            .put(
                "eng_a",
                "/api/v1/me/notifications",
                json!({"quiet_hours": {"email": {"from": "08:00", "to": "08:00"}}}),
            )
            .await;
        assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Unchanged by the refusals; another user's are their own.
        let again = t.get("eng_a", "/api/v1/me/notifications").await.expect(StatusCode::OK);
        assert_eq!(again["quiet_hours"], json!({"sms": {"from": "22:00", "to": "07:00"}}));
        let other = t.get("eng_b", "/api/v1/me/notifications").await.expect(StatusCode::OK);
        assert_eq!(other["quiet_hours"], json!({}));
        // Audited.
        assert_eq!(audited(&t, "notifications.set").await.len(), 1);
        // The page: shows the hours, saves new ones, names a bad one.
        let cookies = session(&t, "eng_a").await;
        let (status, html) = browse(&t, &cookies, "/me/notifications").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(r#"name="sms_from" value="22:00""#), "{html}");
        let csrf = crate::web::csrf_of(&html);
        let (saved, next) = submit(
            &t,
            &cookies,
            "/me/notifications",
            &[("csrf", &csrf), ("email_from", "12:00"), ("email_to", "13:30")],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let (_, html) = browse(&t, &next, "/me/notifications").await;
        assert!(html.contains(r#"name="email_from" value="12:00""#), "{html}");
        assert!(
            html.contains(r#"name="sms_from" value="""#),
            "the SMS hours were cleared: {html}"
        );
        let (bad, _) = submit(
            &t,
            &cookies,
            "/me/notifications",
            &[("csrf", &csrf), ("email_from", "9"), ("email_to", "13:30")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::OK);
        assert!(bad.body.as_str().unwrap().contains("prefs-error"));
    }
);

/// The token of the link in the notice to `who`'s address.
async fn link_for(t: &Harness, who: &str) -> String {
    use opsclock::db::entities::outbox;
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("notice"))
        .all(&t.state.db)
        .await
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r.recipients == json!([format!("{who}@ops.test")]))
        .unwrap_or_else(|| panic!("no notice to {who}"));
    let i = row.body_text.find("https://ops.test/a/").expect("a link");
    row.body_text[i + "https://ops.test/a/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

both!(
    a_link_acknowledges_once_as_its_person_from_a_page_without_signing_in,
    |t: Harness| async move {
        reachable(&t, "eng_a", json!(["on_duty"])).await;
        let ticket = t.open("ueng_a", "SA", "fault", "urgent").await;
        let number = ticket["number"].as_str().unwrap().to_owned();
        sweeper(&t).sweep().await.unwrap();
        let token = link_for(&t, "eng_a").await;
        let path = format!("/a/{token}");
        // Looking changes nothing (a mail scanner may fetch it).
        let shown = t.with_headers("", Method::GET, &path, None, &[], vec![]).await;
        assert_eq!(shown.status, StatusCode::OK);
        let html = shown.body.as_str().unwrap().to_owned();
        assert!(html.contains(r#"data-state="ready""#), "{html}");
        assert!(html.contains(&number));
        let got = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(got["status"], "new");
        // A post without the page's cookie (another site's form) does nothing.
        let forged = t
            .with_headers(
                "",
                Method::POST,
                &path,
                Some("application/x-www-form-urlencoded"),
                &[],
                b"csrf=guess".to_vec(),
            )
            .await;
        assert_eq!(forged.status, StatusCode::OK);
        assert!(forged.body.as_str().unwrap().contains("link-error"));
        let got = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(got["status"], "new");
        // The page's own form: acknowledged, as eng_a, audited.
        let cookie = shown.set_cookie.unwrap().split(';').next().unwrap().to_owned();
        let csrf = crate::web::csrf_of(&html);
        let (done, _) = submit(&t, &cookie, &path, &[("csrf", &csrf)]).await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(
            done.body.as_str().unwrap().contains(r#"data-state="done""#),
            "{:?}",
            done.body
        );
        let got = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(got["status"], "acknowledged");
        let ack = got["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "acknowledged")
            .unwrap();
        assert_eq!(ack["actor"], "eng_a");
        let uses = audited(&t, "action_link.use").await;
        assert_eq!(uses.len(), 1);
        assert_eq!(uses[0].target, number);
        // A replay: nothing more, and it says when the link was used.
        let version = got["version"].clone();
        let (again, _) = submit(&t, &cookie, &path, &[("csrf", &csrf)]).await;
        assert!(again.body.as_str().unwrap().contains(r#"data-state="used""#));
        let got = t
            .get("eng_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(got["version"], version);
        // A made-up link is not known.
        let unknown = t
            .with_headers("", Method::GET, "/a/not-a-token", None, &[], vec![])
            .await;
        assert!(unknown.body.as_str().unwrap().contains("link-error"));
    }
);

both!(
    one_page_of_events_on_two_systems_tells_each_ticket_its_own_systems_people,
    |t: Harness| async move {
        use opsclock::db::entities::{action_links, outbox, tickets};
        reachable(&t, "eng_a", json!(["on_duty"])).await;
        reachable(&t, "vmgr_a", json!(["vendor_manager"])).await;
        reachable(&t, "eng_b", json!(["on_duty"])).await;
        // Four events of two systems (two vendors), interleaved: one sweep page reads them
        // together (the sweep's `Read`), and each must still be told from its own system, with
        // its own event's words.
        let mut opened = Vec::new();
        for (who, system) in [("ueng_a", "SA"), ("admin", "SB"), ("ueng_a", "SA")] {
            opened.push(t.open(who, system, "fault", "urgent").await);
        }
        t.act(
            "admin",
            &opened[1],
            "regrade",
            json!({"severity": "serious", "reason": "演练降级"}),
        )
        .await
        .expect(StatusCode::OK);
        let numbers: Vec<String> = opened
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_owned())
            .collect();
        let swept = sweeper(&t).sweep().await.unwrap();
        let users: std::collections::HashMap<i64, String> = users::Entity::find()
            .all(&t.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect();
        let links = action_links::Entity::find().all(&t.state.db).await.unwrap();
        let mails = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("notice"))
            .filter(outbox::Column::Channel.eq("email"))
            .all(&t.state.db)
            .await
            .unwrap();
        for (number, step, people) in [
            (&numbers[0], "opened", vec!["eng_a", "vmgr_a"]),
            (&numbers[1], "opened", vec!["eng_b"]),
            (&numbers[1], "regraded", vec!["eng_b"]),
            (&numbers[2], "opened", vec!["eng_a", "vmgr_a"]),
        ] {
            let id = tickets::Entity::find()
                .filter(tickets::Column::Number.eq(number.as_str()))
                .one(&t.state.db)
                .await
                .unwrap()
                .unwrap()
                .id;
            let these: Vec<&outbox::Model> = mails
                .iter()
                .filter(|m| m.ticket_id == Some(id) && m.step.as_deref() == Some(step))
                .collect();
            let mut told: Vec<&str> = these
                .iter()
                .map(|r| r.recipients[0].as_str().unwrap().trim_end_matches("@ops.test"))
                .collect();
            told.sort();
            assert_eq!(told, people, "{number} {step}: {swept:?}");
            // The re-grade's own words, in its own notice only.
            for m in &these {
                assert_eq!(
                    m.body_text.contains("原因：演练降级"),
                    step == "regraded",
                    "{}",
                    m.body_text
                );
            }
            // Each of them may acknowledge their own vendor's ticket: a link each, theirs.
            let mut linked: Vec<&str> = links
                .iter()
                .filter(|l| l.ticket_id == id && these.iter().any(|m| m.dedup_key == l.outbox_key))
                .map(|l| users[&l.user_id].as_str())
                .collect();
            linked.sort();
            assert_eq!(linked, people, "{number} {step}");
        }
    }
);

both!(
    acknowledged_tickets_in_one_page_are_told_their_own_events_words_without_a_link,
    |t: Harness| async move {
        use opsclock::db::entities::{action_links, outbox};
        reachable(&t, "eng_a", json!(["on_duty"])).await;
        reachable(&t, "eng_b", json!(["on_duty"])).await;
        let mut a = t.open("ueng_a", "SA", "fault", "urgent").await;
        let mut b = t.open("admin", "SB", "fault", "urgent").await;
        sweeper(&t).sweep().await.unwrap();
        let before = action_links::Entity::find().all(&t.state.db).await.unwrap().len();
        a = t
            .act("eng_a", &a, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        b = t
            .act("eng_b", &b, "acknowledge", json!({}))
            .await
            .expect(StatusCode::OK);
        // Crossed numbers: A's re-grade is its event 3, B's is its event 4, B's 3 a comment
        // (no notice). A page reads only the queued events of tickets no link can act on.
        t.act(
            "admin",
            &a,
            "regrade",
            json!({"severity": "serious", "reason": "甲的原因"}),
        )
        .await
        .expect(StatusCode::OK);
        b = t
            .act("admin", &b, "comment", json!({"text": "乙的备注"}))
            .await
            .expect(StatusCode::OK);
        t.act(
            "admin",
            &b,
            "regrade",
            json!({"severity": "serious", "reason": "乙的原因"}),
        )
        .await
        .expect(StatusCode::OK);
        sweeper(&t).sweep().await.unwrap();
        let regraded = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("notice"))
            .filter(outbox::Column::Step.eq("regraded"))
            .all(&t.state.db)
            .await
            .unwrap();
        for (ticket, own, other) in [(&a, "甲的原因", "乙的原因"), (&b, "乙的原因", "甲的原因")] {
            let number = ticket["number"].as_str().unwrap();
            let mine: Vec<&outbox::Model> = regraded
                .iter()
                .filter(|m| m.dedup_key.starts_with(&format!("{number}/")))
                .collect();
            assert!(!mine.is_empty(), "{number} was told of its re-grade");
            for m in mine {
                assert!(m.body_text.contains(own), "{}", m.body_text);
                assert!(!m.body_text.contains(other), "{}", m.body_text);
                assert!(!m.body_text.contains("/a/"), "acknowledged: no link: {}", m.body_text);
            }
        }
        let after = action_links::Entity::find().all(&t.state.db).await.unwrap().len();
        assert_eq!(after, before, "no link for an acknowledged ticket");
    }
);
