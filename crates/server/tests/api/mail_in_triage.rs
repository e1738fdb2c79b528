//! Mail waiting in triage: its attachments are kept until triage ends and go with the ticket
//! triage opens; two triagers opening one message at once open one ticket; retention deletes
//! old mail that came to nothing and keeps mail still waiting and mail that made a ticket.

use axum::http::StatusCode;
use chrono::TimeDelta;
use opsclock::app::mail_in::act::Place;
use opsclock::db::entities::{mail_in_files, mail_in_messages, ticket_attachments, tickets, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use crate::both;
use crate::support::Harness;

/// A mail from the bureau no rule places (the bureau has no unit), with a log and a program.
fn unplaced(id: &str) -> String {
    format!(
        "From: chen@bureau.example\r\nSubject: 【严重】全市视频会议系统无声音\r\nMessage-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
         --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n各区县均无声音，见日志\r\n\
         --XX\r\nContent-Type: text/plain; name=\"mcu.log\"\r\nContent-Disposition: attachment; filename=\"mcu.log\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gbG9nCg==\r\n\
         --XX\r\nContent-Type: application/octet-stream; name=\"tool.exe\"\r\nContent-Disposition: attachment; filename=\"tool.exe\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAA\r\n--XX--\r\n"
    )
}

async fn bureau_mail(t: &Harness) {
    users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(t.user_ids["bureau"]),
        email: Set(Some("chen@bureau.example".to_owned())),
        ..Default::default()
    }
    .update(&t.db.db)
    .await
    .expect("set the email");
}

/// Takes `raw` in at UID `uid` of mailbox `shared`; the message's row.
async fn take_in(t: &Harness, raw: &str, uid: u32) -> mail_in_messages::Model {
    let opts = opsclock::app::mail_in::Options::new("shared");
    let place = Place { uidvalidity: 7, uid };
    let handled = opsclock::app::mail_in::handle(&t.state.ctx, &opts, place, raw.as_bytes())
        .await
        .expect("handled");
    assert_eq!(handled.outcome, "triage", "{handled:?}");
    mail_in_messages::Entity::find()
        .filter(mail_in_messages::Column::Uid.eq(i64::from(uid)))
        .one(&t.db.db)
        .await
        .unwrap()
        .unwrap()
}

async fn kept_files(t: &Harness, message: i64) -> u64 {
    mail_in_files::Entity::find()
        .filter(mail_in_files::Column::MessageId.eq(message))
        .count(&t.db.db)
        .await
        .unwrap()
}

both!(
    triage_keeps_a_messages_files_for_the_ticket_and_two_triagers_open_one_ticket,
    |t: Harness| async move {
        bureau_mail(&t).await;
        let row = take_in(&t, &unplaced("tri-1@bureau.example"), 1).await;
        assert_eq!(kept_files(&t, row.id).await, 2, "both files are kept while it waits");

        // The bureau and the administrator open it at the same moment: one ticket, one 409.
        let path = format!("/api/v1/mail-in/messages/{}/open", row.id);
        let (a, b) = tokio::join!(
            t.post("bureau", &path, json!({"system": "SB"})),
            t.post("admin", &path, json!({"system": "SA"}))
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{a:?} {b:?}");
        assert_eq!(tickets::Entity::find().count(&t.db.db).await.unwrap(), 1);
        let opened = if a.status == StatusCode::CREATED { a } else { b }.body;
        let number = opened["number"].as_str().unwrap();

        // The log went with the ticket, from the sender, by mail; the program was refused and
        // the ticket says so; nothing is kept for the message any more.
        let stored = ticket_attachments::Entity::find().all(&t.db.db).await.unwrap();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(
            (
                stored[0].name.as_str(),
                stored[0].source.as_str(),
                stored[0].uploaded_by
            ),
            ("mcu.log", "mail", Some(t.user_ids["bureau"]))
        );
        let listed = t
            .get("admin", &format!("/api/v1/tickets/{number}/attachments"))
            .await
            .expect(StatusCode::OK);
        assert_eq!(listed[0]["name"], "mcu.log");
        let view = t
            .get("admin", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        let timeline = view["timeline"].to_string();
        assert!(
            timeline.contains("邮件附件未保存") && timeline.contains("tool.exe"),
            "{timeline}"
        );
        assert_eq!(kept_files(&t, row.id).await, 0);
        let after = mail_in_messages::Entity::find_by_id(row.id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        let files = after.attachments.unwrap();
        assert!(files[0]["stored"].is_i64(), "{files}");
        assert!(files[1]["refused"].is_string(), "{files}");
        assert_eq!(after.triage_outcome.as_deref(), Some("opened"));
    }
);

both!(
    dismissing_drops_the_kept_files_and_retention_keeps_what_matters,
    |t: Harness| async move {
        use opsclock::app::retention::{Retention, purge};
        bureau_mail(&t).await;
        let dismissed = take_in(&t, &unplaced("tri-2@bureau.example"), 2).await;
        let waiting = take_in(&t, &unplaced("tri-3@bureau.example"), 3).await;
        let opened = take_in(&t, &unplaced("tri-4@bureau.example"), 4).await;
        t.post(
            "admin",
            &format!("/api/v1/mail-in/messages/{}/dismiss", dismissed.id),
            json!({}),
        )
        .await
        .expect(StatusCode::NO_CONTENT);
        assert_eq!(kept_files(&t, dismissed.id).await, 0, "dismissed: its files go");
        assert_eq!(kept_files(&t, waiting.id).await, 2);
        t.post(
            "bureau",
            &format!("/api/v1/mail-in/messages/{}/open", opened.id),
            json!({"system": "SB"}),
        )
        .await
        .expect(StatusCode::CREATED);

        // A year and more later: the dismissed mail goes, the mail still waiting stays with its
        // files, the mail that opened a ticket stays (without the text it kept).
        let later = t.now() + TimeDelta::days(400);
        let purged = purge(&t.db.db, Retention::default(), later).await.unwrap();
        assert_eq!(purged.mail_in, 1, "{purged:?}");
        let left: Vec<i64> = mail_in_messages::Entity::find()
            .all(&t.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left, [waiting.id, opened.id]);
        assert_eq!(kept_files(&t, waiting.id).await, 2);
        let opened_row = mail_in_messages::Entity::find_by_id(opened.id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (opened_row.body, opened_row.triage_outcome.as_deref()),
            (None, Some("opened"))
        );
        let waiting_row = mail_in_messages::Entity::find_by_id(waiting.id)
            .one(&t.db.db)
            .await
            .unwrap()
            .unwrap();
        assert!(waiting_row.body.is_some(), "the text of mail still waiting is kept");
        assert_eq!(purge(&t.db.db, Retention::default(), later).await.unwrap().mail_in, 0);
    }
);
